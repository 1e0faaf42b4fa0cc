# What the three hardware HALs (hal/x86_64, hal/aarch64, hal/riscv64)
# declare the same way.  Included by cmake/kernel.cmake before the arch's
# hal/${VD_ARCH}/hal.cmake, which calls vd_hal() once.
#
#   vd_hal(LINKER_SCRIPT <file> IMAGE <BINARY|ELF> IMAGE_NAME <text>)
#
# Sources: every *.c and *.S of hal/${VD_ARCH}/ (globbed, like core/:
# adding a file needs no edit), plus the helpers under hal/common/kernel/
# that only the hardware HALs use (hal/common/*.c also builds into the
# host test build against the fake HAL; hal/common/kernel/ would clash
# with it).  Headers: hal/${VD_ARCH}/include.  The linker script is
# relative to hal/${VD_ARCH}/.
#
# IMAGE says what the firmware loads (vd_hal_make_image, called by
# kernel.cmake for each kernel ELF, is the only other function here):
#   BINARY  the raw bytes of the loadable sections (objcopy -O binary):
#           an arm64 or RISC-V "Image" whose header is at offset 0, for
#           QEMU -kernel, OpenSBI and U-Boot's booti;
#   ELF     the ELF itself without debug sections: QEMU's PVH loader
#           boots it directly.
#
# Files that need special compile flags (code that runs with the MMU off)
# set them in hal.cmake after vd_hal() with set_source_files_properties.
#
# vd_hal() also adds the test hal-table: docs/porting.md's "hal_* function
# -> file" table must match the sources (hal/hal-table --check).  The file
# set every HAL shares is listed there too.

function(vd_hal)
  cmake_parse_arguments(PARSE_ARGV 0 _h "" "LINKER_SCRIPT;IMAGE;IMAGE_NAME" "")
  if(NOT _h_LINKER_SCRIPT OR NOT _h_IMAGE OR NOT _h_IMAGE_NAME)
    message(FATAL_ERROR "vd_hal: LINKER_SCRIPT, IMAGE and IMAGE_NAME are required")
  endif()
  if(NOT _h_IMAGE MATCHES "^(BINARY|ELF)$")
    message(FATAL_ERROR "vd_hal: IMAGE must be BINARY or ELF, not '${_h_IMAGE}'")
  endif()
  set(_dir ${VD_ROOT}/hal/${VD_ARCH})
  file(GLOB _src CONFIGURE_DEPENDS ${_dir}/*.c ${_dir}/*.S
       ${VD_ROOT}/hal/common/kernel/*.c)
  set(VD_HAL_SOURCES ${_src} PARENT_SCOPE)
  set(VD_HAL_INCLUDE_DIRS ${_dir}/include PARENT_SCOPE)
  set(VD_HAL_LINKER_SCRIPT ${_dir}/${_h_LINKER_SCRIPT} PARENT_SCOPE)
  set(VD_HAL_IMAGE ${_h_IMAGE} PARENT_SCOPE)
  set(VD_HAL_IMAGE_NAME "${_h_IMAGE_NAME}" PARENT_SCOPE)
  add_test(NAME hal-table COMMAND ${VD_ROOT}/hal/hal-table --check)
endfunction()

function(vd_hal_make_image elf_target img_path)
  if(VD_HAL_IMAGE STREQUAL "BINARY")
    set(_how -O binary)
  else()
    set(_how --strip-debug)
  endif()
  add_custom_command(TARGET ${elf_target} POST_BUILD
    COMMAND ${VD_OBJCOPY} ${_how} $<TARGET_FILE:${elf_target}> ${img_path}
    BYPRODUCTS ${img_path}
    COMMENT "${VD_HAL_IMAGE_NAME} ${img_path}"
    VERBATIM)
endfunction()
