# Cross toolchain for riscv64 kernels (see toolchain-common.cmake).
set(VD_TOOLCHAIN_ARCH riscv64)
# RV64IMAC without F/D (no FP state to save), medany code model for a
# kernel linked high; no linker relaxation (gp is not set up).
set(VD_ARCH_CFLAGS -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
