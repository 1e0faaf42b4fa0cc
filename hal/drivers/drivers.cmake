# Every driver and the architectures it is built for: one line each.
#
#   vd_driver(<role>/<name> <arch>...)   builds hal/drivers/<role>/<name>.c
#                                        into the kernel of each listed arch
#
# What a driver matches (device-tree compatible, ACPI table, detect) is
# declared in its file with VD_DRIVER (hal/common/include/hal/driver.h);
# probing picks among the built ones at boot, so one kernel image per
# architecture serves all of its boards.  Adding a driver: its file and
# its line here (docs/porting.md).
vd_driver(console/ns16550 riscv64 aarch64)
vd_driver(console/sifive_uart riscv64)
vd_driver(console/sbi_legacy riscv64)
vd_driver(irq/plic riscv64)
vd_driver(cpu/sbi_hsm riscv64)
vd_driver(power/sifive_test riscv64)
vd_driver(power/sbi_srst riscv64)
vd_driver(entropy/virtio_rng aarch64 riscv64)
