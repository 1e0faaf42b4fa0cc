# Shared part of the cross toolchain files: clang-16 compiles, ld.lld-16
# links.  Each cmake/toolchain-<arch>.cmake sets VD_TOOLCHAIN_ARCH,
# VD_ARCH_CFLAGS and VD_ARCH_USER_CFLAGS, then includes this file.
#
# clang-16 with --target=*-elf would hand linking to gcc, and -fuse-ld=lld
# resolves to lld 14 (no RISC-V relaxation), so the link rule calls
# ld.lld-16 directly.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR ${VD_TOOLCHAIN_ARCH})

find_program(VD_CLANG NAMES clang-16 REQUIRED)
find_program(VD_LLD NAMES ld.lld-16 REQUIRED)
find_program(VD_OBJCOPY NAMES llvm-objcopy-16 llvm-objcopy REQUIRED)

set(CMAKE_C_COMPILER ${VD_CLANG})
set(CMAKE_ASM_COMPILER ${VD_CLANG})
set(CMAKE_C_COMPILER_TARGET ${VD_TOOLCHAIN_ARCH}-unknown-elf)
set(CMAKE_ASM_COMPILER_TARGET ${VD_TOOLCHAIN_ARCH}-unknown-elf)
set(CMAKE_LINKER ${VD_LLD})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# VD_ARCH_CFLAGS are the kernel's (no FP/SIMD registers, kernel code
# model): cmake/kernel.cmake gives them to kernel targets only.  User
# programs get VD_ARCH_USER_CFLAGS instead (cmake/user.cmake): FP/SIMD on,
# their state kept per thread (docs/fpu.md).  Neither goes into
# CMAKE_C_FLAGS, which every target would get.
set(CMAKE_C_LINK_EXECUTABLE
    "<CMAKE_LINKER> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
