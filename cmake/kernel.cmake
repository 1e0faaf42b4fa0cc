# Kernel images for one architecture: every board of the arch boots them.
#
# Sources:
#   core/<subsystem>/*.c        portable core (globbed: adding a file needs no edit here)
#   core/main.c                 vd_kmain; compiled once per image
#   core/syscall/table.c, core/syscall/entry.c, core/proc/trap.c,
#   core/ipc/ipc_block.c, core/ipc/ipc_api.c, hal/drivers/irq/plic.c,
#   hal/drivers/irq/bcm2836.c   compiled once per image too (a driver if
#                               the arch has it): the production one
#                               (VD_PRODUCTION) leaves out the test-only
#                               syscalls and the tests' hooks
#   (core/ and hal/common are compiled twice too: with VD_DEBUG=1, the
#   debug contracts, for the test image; without, for the production one)
#   hal/common/*.c              helpers shared by several HALs (FDT, 16550 UART)
#   hal/common/kernel/*.c       helpers only the hardware HALs share (vd_hal)
#   hal/drivers/<role>/*.c      drivers, those hal/drivers/drivers.cmake lists
#                               for ${VD_ARCH} (portable code: compiled twice)
#   hal/${VD_ARCH}/hal.cmake    the arch's sources, linker script and image
#                               kind, through vd_hal() (cmake/hal-common.cmake)
#   tests/ktest/*.c             in-kernel tests and benchmarks (section vd_ktests)
#   the test code besides: core/debug/ktest.c (the runner), every
#   ktest_*.c of the HAL (hal/<arch>/ktest_*.c, hal/common/kernel/ktest_user.c)
#   cmake/user.cmake            (included after this file) adds the boot file
#                               system with the user programs to the images
#
# Outputs in the build directory:
#   veridian.elf / veridian.img             boots to the user-space demo;
#                       no test code: no ktest, kbench or test helper,
#                       no test-only syscall (scripts/check-prod-image)
#   veridian-test.elf / veridian-test.img   runs ktests + benchmarks, powers off
#   veridian-bench.elf / veridian-bench.img the same with the production
#                       core (no debug contracts): what the instruction
#                       counts of the bench measure (tests/qemu)
# The .img is what the board's firmware loads (ELF on x86_64, arm64/RISC-V
# Image elsewhere).

# Build trees configured when the toolchain files put the kernel's flags
# in CMAKE_C_FLAGS (every target, user programs too) still have them in
# the cache: take them out, or user code could not use FP registers.
string(REPLACE ";" " " _vd_old_flags "${VD_ARCH_CFLAGS}")
foreach(_lang C ASM)
  if(CMAKE_${_lang}_FLAGS STREQUAL _vd_old_flags)
    set(CMAKE_${_lang}_FLAGS "" CACHE STRING "" FORCE)
    set(CMAKE_${_lang}_FLAGS "")
  endif()
endforeach()

set(VD_KERNEL_CFLAGS
    ${VD_ARCH_CFLAGS} # the toolchain file's (no FP/SIMD registers)
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

# The drivers this architecture's kernel carries (hal/drivers/drivers.cmake).
set(VD_DRIVER_SOURCES "")
function(vd_driver name)
  if(NOT EXISTS ${VD_ROOT}/hal/drivers/${name}.c)
    message(FATAL_ERROR "vd_driver: no hal/drivers/${name}.c")
  endif()
  if(VD_ARCH IN_LIST ARGN)
    list(APPEND VD_DRIVER_SOURCES ${VD_ROOT}/hal/drivers/${name}.c)
    set(VD_DRIVER_SOURCES ${VD_DRIVER_SOURCES} PARENT_SCOPE)
  endif()
endfunction()
include(${VD_ROOT}/hal/drivers/drivers.cmake)

file(GLOB VD_CORE_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/core/*/*.c)
file(GLOB VD_HAL_COMMON_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/hal/common/*.c)
file(GLOB VD_KTEST_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/tests/ktest/*.c)
# Compiled per image (below), not with the core: the files that differ
# in the production image (#ifndef VD_PRODUCTION).
set(VD_PER_IMAGE_SOURCES
  ${VD_ROOT}/core/main.c
  ${VD_ROOT}/core/syscall/table.c
  ${VD_ROOT}/core/syscall/entry.c
  ${VD_ROOT}/core/proc/trap.c
  ${VD_ROOT}/core/ipc/ipc_block.c
  ${VD_ROOT}/core/ipc/ipc_api.c)
list(REMOVE_ITEM VD_CORE_SOURCES ${VD_PER_IMAGE_SOURCES})
# Drivers with a hook for the ktests.
foreach(_d irq/plic irq/bcm2836)
  set(_d ${VD_ROOT}/hal/drivers/${_d}.c)
  if(_d IN_LIST VD_DRIVER_SOURCES)
    list(REMOVE_ITEM VD_DRIVER_SOURCES ${_d})
    list(APPEND VD_PER_IMAGE_SOURCES ${_d})
  endif()
endforeach()
# Test code outside tests/ktest: the runner and the HAL's ktest files.
# Portable (contracts, so compiled twice as the core is) or arch.
set(_vd_ktest_re "/(core/debug/ktest|ktest_[^/]*)\\.c$")
set(_vd_ktest_portable ${VD_CORE_SOURCES} ${VD_HAL_SOURCES})
list(FILTER _vd_ktest_portable INCLUDE REGEX "${_vd_ktest_re}")
list(FILTER _vd_ktest_portable INCLUDE REGEX "/(core|hal/common)/")
set(_vd_ktest_arch ${VD_HAL_SOURCES})
list(FILTER _vd_ktest_arch INCLUDE REGEX "${_vd_ktest_re}")
list(FILTER _vd_ktest_arch EXCLUDE REGEX "/hal/common/")
list(FILTER VD_CORE_SOURCES EXCLUDE REGEX "${_vd_ktest_re}")
list(FILTER VD_HAL_SOURCES EXCLUDE REGEX "${_vd_ktest_re}")

# The IPC fast path saves a register and two instructions a run without
# a frame (core/ipc/ipc_fastpath.c, FAST_ORDER).  Backtraces skip it.
set_source_files_properties(
  ${VD_ROOT}/core/ipc/ipc_fastpath.c
  PROPERTIES
  COMPILE_OPTIONS "-fomit-frame-pointer;-momit-leaf-frame-pointer")

# Debug contracts (VD_DEBUG_ASSERT, include/veridian/panic.h) are on in
# the test image and off in the production and bench ones.  They sit in
# the portable code only, so that is what is compiled twice: the core and
# hal/common once each way (vdcore / vdcore_debug); the arch HAL is one
# object set that every image shares (vdkernel).  The test code is apart:
# the ktests and the arch's test helpers (vdktest) and the portable test
# code, once each way (vdktest_core / vdktest_core_debug); the production
# image links none of it.
# (hal/common/kernel/*.c come with the arch's sources from vd_hal() but
# are portable code with contracts too.)
set(_vd_hal_arch_sources ${VD_HAL_SOURCES})
set(_vd_hal_kernel_sources ${VD_HAL_SOURCES})
list(FILTER _vd_hal_arch_sources EXCLUDE REGEX "/hal/common/kernel/")
list(FILTER _vd_hal_kernel_sources INCLUDE REGEX "/hal/common/kernel/")
set(_vd_portable ${VD_CORE_SOURCES} ${VD_HAL_COMMON_SOURCES}
  ${_vd_hal_kernel_sources} ${VD_DRIVER_SOURCES})
add_library(vdkernel OBJECT ${_vd_hal_arch_sources})
add_library(vdcore OBJECT ${_vd_portable})
add_library(vdcore_debug OBJECT ${_vd_portable})
add_library(vdktest OBJECT ${_vd_ktest_arch} ${VD_KTEST_SOURCES})
add_library(vdktest_core OBJECT ${_vd_ktest_portable})
add_library(vdktest_core_debug OBJECT ${_vd_ktest_portable})
set(_vd_objlibs vdkernel vdcore vdcore_debug vdktest vdktest_core
    vdktest_core_debug)

function(vd_kernel_target_setup tgt)
  target_include_directories(${tgt} PRIVATE
    ${VD_ROOT}/include ${VD_ROOT}/hal/common/include ${VD_HAL_INCLUDE_DIRS})
  target_compile_options(${tgt} PRIVATE ${VD_KERNEL_CFLAGS})
  target_compile_definitions(${tgt} PRIVATE
    VD_KERNEL=1
    VD_ARCH_NAME="${VD_ARCH}")
endfunction()
foreach(_t IN LISTS _vd_objlibs)
  vd_kernel_target_setup(${_t})
endforeach()
target_compile_definitions(vdcore_debug PRIVATE VD_DEBUG=1)
target_compile_definitions(vdktest_core_debug PRIVATE VD_DEBUG=1)

# A fuzz campaign's build tree (scripts/fuzz): the fuzz ktest's parameters
# (tests/ktest/fuzz.c), and VD_KTEST_FILTER, a name prefix: the test
# image runs only those tests (core/debug/ktest.c).  Every object set
# and the images' own files get them.
set(_vd_campaign_defs "")
foreach(_v VD_FUZZ_CALLS VD_FUZZ_SEED VD_FUZZ_PROCS VD_FUZZ_THREADS
           VD_FUZZ_AVOID VD_FUZZ_RING)
  if(DEFINED ${_v})
    list(APPEND _vd_campaign_defs ${_v}=${${_v}})
  endif()
endforeach()
if(DEFINED VD_KTEST_FILTER)
  list(APPEND _vd_campaign_defs VD_KTEST_FILTER="${VD_KTEST_FILTER}")
endif()
foreach(_t IN LISTS _vd_objlibs)
  target_compile_definitions(${_t} PRIVATE ${_vd_campaign_defs})
endforeach()

foreach(_img veridian veridian-test veridian-bench)
  if(_img STREQUAL "veridian-test")
    set(_objs vdcore_debug vdktest vdktest_core_debug)
  elseif(_img STREQUAL "veridian-bench")
    set(_objs vdcore vdktest vdktest_core)
  else()
    set(_objs vdcore)
  endif()
  list(TRANSFORM _objs REPLACE "(.+)" "$<TARGET_OBJECTS:\\1>")
  add_executable(${_img}.elf ${VD_PER_IMAGE_SOURCES}
    $<TARGET_OBJECTS:vdkernel> ${_objs})
  vd_kernel_target_setup(${_img}.elf)
  target_compile_definitions(${_img}.elf PRIVATE ${_vd_campaign_defs})
  if(_img STREQUAL "veridian-test")
    target_compile_definitions(${_img}.elf PRIVATE VD_KTEST_MODE=1 VD_DEBUG=1)
  elseif(_img STREQUAL "veridian-bench")
    target_compile_definitions(${_img}.elf PRIVATE VD_KTEST_MODE=1)
  else()
    target_compile_definitions(${_img}.elf PRIVATE VD_PRODUCTION=1)
  endif()
  set_target_properties(${_img}.elf PROPERTIES LINK_DEPENDS ${VD_HAL_LINKER_SCRIPT})
  target_link_options(${_img}.elf PRIVATE
    -T ${VD_HAL_LINKER_SCRIPT} -nostdlib --gc-sections --no-undefined
    -z max-page-size=4096 -Map=${CMAKE_BINARY_DIR}/${_img}.map)
  vd_hal_make_image(${_img}.elf ${CMAKE_BINARY_DIR}/${_img}.img)
endforeach()
