# x86_64 HAL: PVH boot on QEMU q35/pc, long mode, LAPIC/IOAPIC,
# SYSCALL/SYSRET (see cmake/hal-common.cmake for vd_hal).  QEMU's PVH
# loader boots the ELF itself: the image is the ELF without debug
# sections.
vd_hal(LINKER_SCRIPT kernel.ld IMAGE ELF IMAGE_NAME "x86_64 PVH image")

# Until this HAL's console, power, entropy and interrupt controller are
# drivers (hal/drivers/), it defines those hal_* functions itself.
list(FILTER VD_HAL_SOURCES EXCLUDE REGEX "/hal/common/kernel/driver_hal\\.c$")
