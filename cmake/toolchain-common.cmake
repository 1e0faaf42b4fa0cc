# Shared part of the cross toolchain files: clang-16 compiles, ld.lld-16
# links.  Each cmake/toolchain-<arch>.cmake sets VD_TOOLCHAIN_ARCH and
# VD_ARCH_CFLAGS, then includes this file.
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

string(REPLACE ";" " " _vd_flags "${VD_ARCH_CFLAGS}")
set(CMAKE_C_FLAGS_INIT "${_vd_flags}")
set(CMAKE_ASM_FLAGS_INIT "${_vd_flags}")
set(CMAKE_C_LINK_EXECUTABLE
    "<CMAKE_LINKER> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
