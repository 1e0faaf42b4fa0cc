# Cross toolchain for x86_64 kernels (see toolchain-common.cmake).
set(VD_TOOLCHAIN_ARCH x86_64)
# Kernel code model, no red zone (interrupts push on the stack), no FPU/SSE
# state (the kernel never saves it).
set(VD_ARCH_CFLAGS -mno-red-zone -mcmodel=kernel -mno-sse -mno-mmx -mno-80387 -mno-sse2)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
