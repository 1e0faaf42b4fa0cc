# AArch64 HAL (see cmake/hal-common.cmake for vd_hal).  The raw arm64
# Image (header at offset 0) is what QEMU -kernel and U-Boot's booti load.
vd_hal(LINKER_SCRIPT kernel.ld IMAGE BINARY IMAGE_NAME "arm64 Image")

# early_map.c runs with the MMU off, where all memory is Device memory and
# unaligned accesses fault (see the comment at its top).
set_source_files_properties(${VD_ROOT}/hal/aarch64/early_map.c PROPERTIES
  COMPILE_OPTIONS "-mstrict-align;-fno-jump-tables")
