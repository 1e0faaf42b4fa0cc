# x86_64 HAL: PVH (QEMU -kernel) or Multiboot2 (GRUB) boot, long mode,
# local APIC timer, SYSCALL/SYSRET (see cmake/hal-common.cmake for
# vd_hal).  Both loaders boot the ELF itself: the image is the ELF
# without debug sections.  Console, I/O APIC, CPU start, power-off and
# entropy are drivers (hal/drivers/drivers.cmake).
vd_hal(LINKER_SCRIPT kernel.ld IMAGE ELF IMAGE_NAME "x86_64 kernel ELF (PVH and Multiboot2)")
