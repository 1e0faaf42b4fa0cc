# AArch64 HAL: sources, linker script and the arm64 Image rule.
set(_a64 ${VD_ROOT}/hal/aarch64)
set(VD_HAL_SOURCES
    ${_a64}/head.S
    ${_a64}/vectors.S
    ${_a64}/switch.S
    ${_a64}/boot_mmu.c
    ${_a64}/boot.c
    ${_a64}/cpu.c
    ${_a64}/psci.c
    ${_a64}/console_pl011.c
    ${_a64}/gic.c
    ${_a64}/timer.c
    ${_a64}/trap.c
    ${_a64}/mmu.c
    ${_a64}/ktest_aarch64.c)
set(VD_HAL_INCLUDE_DIRS ${_a64}/include)
set(VD_HAL_CFLAGS "")
set(VD_HAL_LDFLAGS "")
set(VD_HAL_LINKER_SCRIPT ${_a64}/linker.ld)

# boot_mmu.c runs with the MMU off, where all memory is Device memory and
# unaligned accesses fault (see the comment at its top).
set_source_files_properties(${_a64}/boot_mmu.c PROPERTIES
  COMPILE_OPTIONS "-mstrict-align;-fno-jump-tables")

# The raw arm64 Image (header at offset 0) is what QEMU -kernel and
# U-Boot's booti load.
function(vd_hal_make_image elf_target img_path)
  add_custom_command(TARGET ${elf_target} POST_BUILD
    COMMAND ${VD_OBJCOPY} -O binary $<TARGET_FILE:${elf_target}> ${img_path}
    BYPRODUCTS ${img_path}
    COMMENT "arm64 Image ${img_path}"
    VERBATIM)
endfunction()
