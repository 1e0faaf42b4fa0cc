# Kernel images for one board.
#
# Sources:
#   core/<subsystem>/*.c        portable core (globbed: adding a file needs no edit here)
#   core/main.c                 vd_kmain; compiled twice (normal / ktest mode)
#   hal/common/*.c              helpers shared by several HALs (FDT, 16550 UART)
#   hal/common/kernel/*.c       helpers only the hardware HALs share (vd_hal)
#   hal/${VD_ARCH}/hal.cmake    the arch's sources, linker script and image
#                               kind, through vd_hal() (cmake/hal-common.cmake)
#   tests/ktest/*.c             in-kernel tests and benchmarks (section vd_ktests)
#   cmake/user.cmake            (included after this file) adds the boot file
#                               system with the user programs to both images
#
# Outputs in the build directory:
#   veridian.elf / veridian.img             boots to the user-space demo
#   veridian-test.elf / veridian-test.img   runs ktests + benchmarks, powers off
# The .img is what the board's firmware loads (ELF on x86_64, arm64/RISC-V
# Image elsewhere).

set(VD_KERNEL_CFLAGS
    ${VD_WARNINGS}
    -ffreestanding -fno-builtin -nostdlib -nostdinc
    -fno-stack-protector -fno-pic -fno-pie
    -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
    -fno-strict-aliasing -ffunction-sections -fdata-sections
    -O2 -g)
# clang's own freestanding headers (stdint.h, stdarg.h, ...).  -nostdinc
# drops them, and CMake filters the resource dir out of include lists (it
# is an implicit include directory), so it goes in as a plain -isystem.
# The C flags also reach the .S files, where clang warns (and -Werror
# fails) about the ones that only mean something to C.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-resource-dir
                OUTPUT_VARIABLE _vd_resdir OUTPUT_STRIP_TRAILING_WHITESPACE)
set(VD_KERNEL_SYSTEM_INCLUDES ${_vd_resdir}/include)
list(APPEND VD_KERNEL_CFLAGS -isystem ${VD_KERNEL_SYSTEM_INCLUDES}
  $<$<COMPILE_LANGUAGE:ASM>:-Wno-unused-command-line-argument>)

include(${VD_ROOT}/cmake/hal-common.cmake)
include(${VD_ROOT}/hal/${VD_ARCH}/hal.cmake)

file(GLOB VD_CORE_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/core/*/*.c)
file(GLOB VD_HAL_COMMON_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/hal/common/*.c)
file(GLOB VD_KTEST_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/tests/ktest/*.c)

# The IPC fast path saves a register and two instructions a run without
# a frame (core/ipc/ipc_fastpath.c, FAST_ORDER).  Backtraces skip it.
set_source_files_properties(
  ${VD_ROOT}/core/ipc/ipc_fastpath.c
  PROPERTIES
  COMPILE_OPTIONS "-fomit-frame-pointer;-momit-leaf-frame-pointer")

add_library(vdkernel OBJECT
  ${VD_CORE_SOURCES} ${VD_HAL_COMMON_SOURCES} ${VD_HAL_SOURCES} ${VD_KTEST_SOURCES})

function(vd_kernel_target_setup tgt)
  target_include_directories(${tgt} PRIVATE
    ${VD_ROOT}/include ${VD_ROOT}/hal/common/include ${VD_HAL_INCLUDE_DIRS})
  target_compile_options(${tgt} PRIVATE ${VD_KERNEL_CFLAGS})
  target_compile_definitions(${tgt} PRIVATE
    VD_KERNEL=1
    VD_ARCH_NAME="${VD_ARCH}"
    VD_BOARD_NAME="${VD_BOARD}"
    VD_FIRMWARE_NAME="${VD_BOARD_FIRMWARE}")
endfunction()
vd_kernel_target_setup(vdkernel)

# A fuzz campaign's build tree (scripts/fuzz): the fuzz ktest's parameters
# (tests/ktest/fuzz.c), and VD_KTEST_FILTER, a name prefix: the test
# image runs only those tests (core/debug/ktest.c).
foreach(_v VD_FUZZ_CALLS VD_FUZZ_SEED VD_FUZZ_PROCS VD_FUZZ_THREADS
           VD_FUZZ_AVOID VD_FUZZ_RING)
  if(DEFINED ${_v})
    target_compile_definitions(vdkernel PRIVATE ${_v}=${${_v}})
  endif()
endforeach()
if(DEFINED VD_KTEST_FILTER)
  target_compile_definitions(vdkernel PRIVATE
    VD_KTEST_FILTER="${VD_KTEST_FILTER}")
endif()

foreach(_img veridian veridian-test)
  add_executable(${_img}.elf ${VD_ROOT}/core/main.c $<TARGET_OBJECTS:vdkernel>)
  vd_kernel_target_setup(${_img}.elf)
  if(_img STREQUAL "veridian-test")
    target_compile_definitions(${_img}.elf PRIVATE VD_KTEST_MODE=1)
  endif()
  set_target_properties(${_img}.elf PROPERTIES LINK_DEPENDS ${VD_HAL_LINKER_SCRIPT})
  target_link_options(${_img}.elf PRIVATE
    -T ${VD_HAL_LINKER_SCRIPT} -nostdlib --gc-sections --no-undefined
    -z max-page-size=4096 -Map=${CMAKE_BINARY_DIR}/${_img}.map)
  vd_hal_make_image(${_img}.elf ${CMAKE_BINARY_DIR}/${_img}.img)
endforeach()
