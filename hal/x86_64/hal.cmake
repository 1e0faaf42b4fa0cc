# x86_64 HAL: PVH boot on QEMU q35/pc, long mode, LAPIC/IOAPIC,
# SYSCALL/SYSRET (see cmake/hal-common.cmake for vd_hal).  QEMU's PVH
# loader boots the ELF itself: the image is the ELF without debug
# sections.
vd_hal(LINKER_SCRIPT kernel.ld IMAGE ELF IMAGE_NAME "x86_64 PVH image")
