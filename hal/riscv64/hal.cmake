# RISC-V 64 HAL: sources, linker script and the Image rule.
#
# The image the firmware loads is the raw binary of the ELF (objcopy -O
# binary): it starts with the 64-byte RISC-V Image header of head.S, so
# OpenSBI's -kernel and U-Boot's booti accept the same file.
set(_rv ${VD_ROOT}/hal/riscv64)

set(VD_HAL_SOURCES
  ${_rv}/head.S
  ${_rv}/early_map.c
  ${_rv}/boot.c
  ${_rv}/kmap.c
  ${_rv}/mmu.c
  ${_rv}/console.c
  ${_rv}/power.c
  ${_rv}/timer.c
  ${_rv}/plic.c
  ${_rv}/smp.c
  ${_rv}/cpu.c
  ${_rv}/trap.S
  ${_rv}/trap.c
  ${_rv}/switch.S
  ${_rv}/user.c
  ${_rv}/ktest_riscv64.c
  ${_rv}/ktest_riscv64_user.c)
set(VD_HAL_INCLUDE_DIRS ${_rv}/include)
set(VD_HAL_CFLAGS "")
set(VD_HAL_LDFLAGS "")
set(VD_HAL_LINKER_SCRIPT ${_rv}/kernel.ld)

# early_map.c runs before the MMU is on, at the load address: a switch
# compiled to a jump table would load absolute (link-time) addresses.
set_source_files_properties(${_rv}/early_map.c PROPERTIES
  COMPILE_OPTIONS "-fno-jump-tables")

function(vd_hal_make_image elf_target img_path)
  add_custom_command(TARGET ${elf_target} POST_BUILD
    COMMAND ${VD_OBJCOPY} -O binary $<TARGET_FILE:${elf_target}> ${img_path}
    BYPRODUCTS ${img_path}
    COMMENT "RISC-V Image ${img_path}"
    VERBATIM)
endfunction()
