# Cross toolchain for x86_64 kernels (see toolchain-common.cmake).
set(VD_TOOLCHAIN_ARCH x86_64)
# Kernel code model, no red zone (interrupts push on the stack), no FPU/SSE
# state (the kernel never saves it).
set(VD_ARCH_CFLAGS -mno-red-zone -mcmodel=kernel -mno-sse -mno-mmx -mno-80387 -mno-sse2)
# User code: the x86-64 baseline (x87, SSE, SSE2) of the SysV ABI; the
# kernel keeps whatever XCR0 enables (AVX too) per thread.  No red zone:
# the inline IPC syscall (user/ipc-lib/arch/x86_64/) pushes rbp around the
# trap, over whatever a leaf function kept below rsp.
set(VD_ARCH_USER_CFLAGS -mcmodel=small -mno-red-zone)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
