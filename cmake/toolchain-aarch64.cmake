# Cross toolchain for aarch64 kernels (see toolchain-common.cmake).
set(VD_TOOLCHAIN_ARCH aarch64)
# No FP/SIMD registers in kernel code (their state is not saved on traps).
set(VD_ARCH_CFLAGS -mgeneral-regs-only)
# User code: FP and Advanced SIMD (NEON), part of every ARMv8-A CPU.
set(VD_ARCH_USER_CFLAGS -march=armv8-a+fp+simd)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
