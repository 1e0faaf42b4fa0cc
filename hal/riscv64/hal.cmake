# RISC-V 64 HAL (see cmake/hal-common.cmake for vd_hal).  The image the
# firmware loads is the raw binary of the ELF: it starts with the 64-byte
# RISC-V Image header of head.S, so OpenSBI's -kernel and U-Boot's booti
# accept the same file.
vd_hal(LINKER_SCRIPT kernel.ld IMAGE BINARY IMAGE_NAME "RISC-V Image")

# early_map.c runs before the MMU is on, at the load address: a switch
# compiled to a jump table would load absolute (link-time) addresses.
set_source_files_properties(${VD_ROOT}/hal/riscv64/early_map.c PROPERTIES
  COMPILE_OPTIONS "-fno-jump-tables")

# fpu_regs.S moves the user FP registers (D extension); the rest of the
# kernel stays rv64imac (no FP state of its own).
set_source_files_properties(${VD_ROOT}/hal/riscv64/fpu_regs.S PROPERTIES
  COMPILE_OPTIONS "-march=rv64imafdc")
