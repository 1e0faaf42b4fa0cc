# Every driver and the architectures it is built for: one line each,
# grouped by role.
#
#   vd_driver(<role>/<name> <arch>...)   builds hal/drivers/<role>/<name>.c
#                                        into the kernel of each listed arch
#
# What a driver matches (device-tree compatible, ACPI table, detect) is
# declared in its file with VD_DRIVER (hal/common/include/hal/driver.h);
# probing picks among the built ones at boot, so one kernel image per
# architecture serves all of its boards.  Adding a driver: its file and
# its line here (docs/porting.md).
vd_driver(console/bcm2835_aux aarch64)
vd_driver(console/ns16550 aarch64 riscv64)
vd_driver(console/ns16550_pio x86_64)
vd_driver(console/pl011 aarch64 riscv64)
vd_driver(console/sbi_legacy riscv64)
vd_driver(console/sifive_uart riscv64)
vd_driver(irq/bcm2836 aarch64)
vd_driver(irq/gicv2 aarch64)
vd_driver(irq/gicv3 aarch64)
vd_driver(irq/plic riscv64)
vd_driver(irq/x86_apic x86_64)
vd_driver(cpu/init_sipi x86_64)
vd_driver(cpu/psci aarch64)
vd_driver(cpu/sbi_hsm riscv64)
vd_driver(cpu/spin_table aarch64)
vd_driver(power/acpi_s5 x86_64)
vd_driver(power/isa_debug_exit x86_64)
vd_driver(power/psci aarch64)
vd_driver(power/sbi_srst riscv64)
vd_driver(power/semihosting aarch64)
vd_driver(power/sifive_test riscv64)
vd_driver(entropy/bcm2835_rng aarch64)
vd_driver(entropy/rdrand x86_64)
vd_driver(entropy/rndr aarch64)
vd_driver(entropy/virtio_rng aarch64 riscv64)
