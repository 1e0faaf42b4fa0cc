# Cross toolchain for riscv64 kernels (see toolchain-common.cmake).
set(VD_TOOLCHAIN_ARCH riscv64)
# RV64IMAC without F/D (no FP state to save), medany code model for a
# kernel linked high; no linker relaxation (gp is not set up).
set(VD_ARCH_CFLAGS -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax)
# User code: RV64GC (F and D) with the lp64d ABI (doubles passed in FP
# registers, as every RISC-V Linux distribution does); static programs
# linked only with each other, so the ABI is theirs to pick.  No linker
# relaxation: crt0 does not set gp.
set(VD_ARCH_USER_CFLAGS -march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
