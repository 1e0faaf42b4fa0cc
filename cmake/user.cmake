# User space for one architecture: libveridian, the programs in user/bin/, and the
# boot file systems that link them into the kernel images.
#
#   user/lib/          syscall stubs, start-up, spawn helpers, printf over
#                      SYS_WRITE.  The kernel's own formatter and string
#                      routines (core/lib/printf.c, string.c, builtins.c,
#                      errors.c) are compiled in too: one implementation.
#   user/lib/arch/<arch>/
#                      the architecture's part: crt0.S (_start) and
#                      include/arch/syscall.h (the inline traps), reached
#                      as <arch/syscall.h>
#   user/bin/<name>.c  one program each -> ${CMAKE_BINARY_DIR}/user/<name>,
#                      a static ELF at 0x400000 (user/lib/user.ld)
#   vduser_bootfs      an object library: generated assembly that .incbin's
#                      every program and defines the table of
#                      include/veridian/bootfs.h (test and bench images)
#   vduser_bootfs_demo the same with the demo's programs only, VD_USER_DEMO
#                      (the production image)
#
# Same clang as the kernel, but the user's architecture flags
# (VD_ARCH_USER_CFLAGS of cmake/toolchain-<arch>.cmake): FP/SIMD
# registers on, their state kept per thread by the kernel (docs/fpu.md).

set(VD_USER_DIR ${VD_ROOT}/user)
set(VD_USER_OUT ${CMAKE_BINARY_DIR}/user)
file(MAKE_DIRECTORY ${VD_USER_OUT}/bootfs)

set(VD_USER_CFLAGS
    ${VD_ARCH_USER_CFLAGS}
    ${VD_WARNINGS}
    -ffreestanding -fno-builtin -nostdlib -nostdinc
    -isystem ${VD_KERNEL_SYSTEM_INCLUDES}
    -fno-stack-protector -fno-pic -fno-pie
    -fno-omit-frame-pointer -ffunction-sections -fdata-sections
    -O2 -g)
if(VD_ARCH STREQUAL "x86_64")
  # -Werror=vla: the inline IPC syscall (user/ipc-lib/arch/x86_64/) binds
  # MR6 to rbx, which clang silently takes as its base pointer in a
  # function with both a variable-sized and an over-aligned stack object.
  list(APPEND VD_USER_CFLAGS -Werror=vla)
endif()

# Every library -- user/lib and any user/<name>-lib (e.g. ipc-lib, headers
# only) -- joins libveridian the same way: its *.c, and of its
# arch/${VD_ARCH}/ the *.c and *.S; its headers (include/ if it has one,
# else the directory itself) and arch/${VD_ARCH}/include are on the
# include path of every program.  Only the current architecture's
# directory is: a shared header includes <arch/...> and gets its own
# arch's, so a new architecture adds directories and edits no list.
file(GLOB _vd_libs LIST_DIRECTORIES true ${VD_USER_DIR}/*-lib)
list(PREPEND _vd_libs ${VD_USER_DIR}/lib)
set(VD_USER_LIB_SOURCES "")
set(_vd_arch_sources "") # linked after the portable ones, as they always were
set(VD_USER_LIB_INCLUDES "")
foreach(_dir IN LISTS _vd_libs)
  if(NOT IS_DIRECTORY ${_dir})
    continue()
  endif()
  file(GLOB _src CONFIGURE_DEPENDS ${_dir}/*.c)
  list(APPEND VD_USER_LIB_SOURCES ${_src})
  file(GLOB _src CONFIGURE_DEPENDS
       ${_dir}/arch/${VD_ARCH}/*.c ${_dir}/arch/${VD_ARCH}/*.S)
  list(APPEND _vd_arch_sources ${_src})
  if(IS_DIRECTORY ${_dir}/include)
    list(APPEND VD_USER_LIB_INCLUDES ${_dir}/include)
  else()
    list(APPEND VD_USER_LIB_INCLUDES ${_dir})
  endif()
  if(IS_DIRECTORY ${_dir}/arch/${VD_ARCH}/include)
    list(APPEND VD_USER_LIB_INCLUDES ${_dir}/arch/${VD_ARCH}/include)
  endif()
endforeach()
add_library(vduser_lib OBJECT
  ${VD_USER_LIB_SOURCES} ${_vd_arch_sources}
  ${VD_ROOT}/core/lib/printf.c
  ${VD_ROOT}/core/lib/string.c
  ${VD_ROOT}/core/lib/builtins.c
  ${VD_ROOT}/core/lib/errors.c)

function(vd_user_target_setup tgt)
  target_include_directories(${tgt} PRIVATE
    ${VD_USER_LIB_INCLUDES} ${VD_ROOT}/include)
  target_compile_options(${tgt} PRIVATE ${VD_USER_CFLAGS}
    $<$<COMPILE_LANGUAGE:ASM>:-Wno-unused-command-line-argument>)
  target_compile_definitions(${tgt} PRIVATE VD_USER=1)
endfunction()
vd_user_target_setup(vduser_lib)

file(GLOB VD_USER_PROGRAMS CONFIGURE_DEPENDS ${VD_USER_DIR}/bin/*.c)
set(_vd_user_elves "")
set(_vd_user_names "")
foreach(_src IN LISTS VD_USER_PROGRAMS)
  get_filename_component(_name ${_src} NAME_WE)
  set(_tgt user_${_name})
  add_executable(${_tgt} ${_src} $<TARGET_OBJECTS:vduser_lib>)
  vd_user_target_setup(${_tgt})
  set_target_properties(${_tgt} PROPERTIES
    OUTPUT_NAME ${_name}
    RUNTIME_OUTPUT_DIRECTORY ${VD_USER_OUT}
    LINK_DEPENDS ${VD_USER_DIR}/lib/user.ld)
  target_link_options(${_tgt} PRIVATE
    -T ${VD_USER_DIR}/lib/user.ld -static -nostdlib --gc-sections
    --no-undefined "SHELL:-z max-page-size=4096")
  # the boot file system carries stripped copies
  add_custom_command(TARGET ${_tgt} POST_BUILD
    COMMAND ${VD_OBJCOPY} --strip-all $<TARGET_FILE:${_tgt}>
            ${VD_USER_OUT}/bootfs/${_name}
    BYPRODUCTS ${VD_USER_OUT}/bootfs/${_name}
    VERBATIM)
  list(APPEND _vd_user_elves ${VD_USER_OUT}/bootfs/${_name})
  list(APPEND _vd_user_names ${_name})
endforeach()

# The programs of the production image (veridian.img): the demo of
# user/bin/init.c (demo_tour) and what it runs.  Every other program
# exists for the tests and benchmarks, and only the test and bench images
# carry it (scripts/check-prod-image checks veridian.elf's boot file
# system; the ctest qemu-demo-<board> boots the demo).
set(VD_USER_DEMO init hello threads ipc-test ipc-region fault)
foreach(_name IN LISTS VD_USER_DEMO)
  if(NOT _name IN_LIST _vd_user_names)
    message(FATAL_ERROR "VD_USER_DEMO: no user/bin/${_name}.c")
  endif()
endforeach()

# A boot file system: one .incbin per program, then the table; the
# object library ${lib}, from assembly generated in the build directory.
function(vd_user_bootfs lib)
  set(_s "/* Generated by cmake/user.cmake: the boot file system. */\n")
  string(APPEND _s "\t.section .rodata.vd_bootfs_data, \"a\"\n")
  set(_i 0)
  foreach(_name IN LISTS ARGN)
    string(APPEND _s "\t.balign 16\nbootfs_data_${_i}:\n"
                     "\t.incbin \"${VD_USER_OUT}/bootfs/${_name}\"\n"
                     "bootfs_end_${_i}:\n")
    math(EXPR _i "${_i} + 1")
  endforeach()
  string(APPEND _s "\t.section .rodata.vd_bootfs_names, \"a\"\n")
  set(_i 0)
  foreach(_name IN LISTS ARGN)
    string(APPEND _s "bootfs_name_${_i}:\n\t.asciz \"${_name}\"\n")
    math(EXPR _i "${_i} + 1")
  endforeach()
  string(APPEND _s "\t.section .rodata.vd_bootfs_files, \"a\"\n"
                   "\t.balign 8\n\t.globl vd_bootfs_files\n"
                   "vd_bootfs_files:\n")
  set(_i 0)
  set(_elves "")
  foreach(_name IN LISTS ARGN)
    string(APPEND _s "\t.quad bootfs_name_${_i}, bootfs_data_${_i}, "
                     "bootfs_end_${_i} - bootfs_data_${_i}\n")
    list(APPEND _elves ${VD_USER_OUT}/bootfs/${_name})
    math(EXPR _i "${_i} + 1")
  endforeach()
  string(APPEND _s "\t.quad 0, 0, 0\n"
                   "\t.globl vd_bootfs_nfiles\nvd_bootfs_nfiles:\n"
                   "\t.quad ${_i}\n")
  set(_out ${CMAKE_BINARY_DIR}/bootfs-${lib}.S)
  file(WRITE ${_out}.in "${_s}")
  configure_file(${_out}.in ${_out} COPYONLY)

  add_library(${lib} OBJECT ${_out})
  # part of the kernel: the kernel's flags (RISC-V: its float ABI, which
  # the linker checks)
  target_compile_options(${lib} PRIVATE ${VD_ARCH_CFLAGS}
    -Wno-unused-command-line-argument)
  set_source_files_properties(${_out} PROPERTIES OBJECT_DEPENDS "${_elves}")
  foreach(_name IN LISTS ARGN)
    add_dependencies(${lib} user_${_name})
  endforeach()
endfunction()
vd_user_bootfs(vduser_bootfs ${_vd_user_names})
vd_user_bootfs(vduser_bootfs_demo ${VD_USER_DEMO})

# The production image carries no test code (scripts/check-prod-image);
# the check itself must see the test image's.
find_program(VD_NM NAMES llvm-nm-16 llvm-nm REQUIRED)
find_program(VD_READELF NAMES llvm-readelf-16 llvm-readelf REQUIRED)
add_test(NAME prod-image-clean
  COMMAND ${VD_ROOT}/scripts/check-prod-image ${CMAKE_BINARY_DIR}
          ${VD_USER_DEMO})
add_test(NAME prod-image-check-sees-tests
  COMMAND ${VD_ROOT}/scripts/check-prod-image --image veridian-test
          ${CMAKE_BINARY_DIR} ${VD_USER_DEMO})
set_tests_properties(prod-image-clean prod-image-check-sees-tests PROPERTIES
  ENVIRONMENT "VD_NM=${VD_NM};VD_READELF=${VD_READELF}")
set_tests_properties(prod-image-check-sees-tests PROPERTIES WILL_FAIL TRUE)

# cmake/kernel.cmake makes the kernel targets, but CMakeLists.txt
# includes this file afterwards: add the boot file systems here.
target_sources(veridian.elf PRIVATE $<TARGET_OBJECTS:vduser_bootfs_demo>)
foreach(_img veridian-test veridian-bench)
  target_sources(${_img}.elf PRIVATE $<TARGET_OBJECTS:vduser_bootfs>)
endforeach()
