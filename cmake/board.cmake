# The board descriptors, boards/<b>/board.conf, seen from an architecture
# build tree (VD_ARCH: one kernel image set for every board of the arch).
#
# The descriptor is a shell-style KEY=VALUE file so that the same file
# drives CMake (here), the scripts (scripts/lib/board.sh) and the preset
# generator (scripts/gen-presets).  The kernel build reads no board: only
# the QEMU tests (tests/qemu/qemu-tests.cmake) do, one set per board.
if(NOT VD_ARCH STREQUAL VD_TOOLCHAIN_ARCH)
  message(FATAL_ERROR "VD_ARCH is '${VD_ARCH}' but the toolchain file "
                      "targets '${VD_TOOLCHAIN_ARCH}': use the preset ${VD_ARCH}")
endif()
if(NOT EXISTS ${VD_ROOT}/hal/${VD_ARCH}/hal.cmake)
  message(FATAL_ERROR "VD_ARCH '${VD_ARCH}': no hal/${VD_ARCH}/hal.cmake")
endif()

# vd_board_list(<out>): names of all boards, sorted.  A board directory
# added or removed makes the next build configure again.
function(vd_board_list out)
  file(GLOB _confs CONFIGURE_DEPENDS ${VD_ROOT}/boards/*/board.conf)
  set(_names "")
  foreach(_c IN LISTS _confs)
    get_filename_component(_d ${_c} DIRECTORY)
    get_filename_component(_n ${_d} NAME)
    list(APPEND _names ${_n})
  endforeach()
  list(SORT _names)
  set(${out} ${_names} PARENT_SCOPE)
endfunction()

# vd_board_load(<board>): every key of boards/<board>/board.conf becomes
# VD_BOARD_<KEY> in the caller's scope (a macro: call it inside a function
# so one board's keys never leak into the next).  Editing the file makes
# the next build configure again.
macro(vd_board_load _vd_board)
  set(VD_BOARD_DIR ${VD_ROOT}/boards/${_vd_board})
  if(NOT EXISTS ${VD_BOARD_DIR}/board.conf)
    message(FATAL_ERROR "unknown board '${_vd_board}': no ${VD_BOARD_DIR}/board.conf")
  endif()
  set_property(DIRECTORY ${VD_ROOT} APPEND PROPERTY
               CMAKE_CONFIGURE_DEPENDS ${VD_BOARD_DIR}/board.conf)
  file(STRINGS ${VD_BOARD_DIR}/board.conf _vd_lines REGEX "^[A-Z_0-9]+=")
  foreach(_line IN LISTS _vd_lines)
    string(REGEX MATCH "^([A-Z_0-9]+)=(.*)$" _ "${_line}")
    set(_key ${CMAKE_MATCH_1})
    set(_val "${CMAKE_MATCH_2}")
    # strip one level of surrounding quotes
    string(REGEX REPLACE "^\"(.*)\"$" "\\1" _val "${_val}")
    set(VD_BOARD_${_key} "${_val}")
  endforeach()
  foreach(_req ARCH QEMU QEMU_MACHINE FIRMWARE)
    if(NOT DEFINED VD_BOARD_${_req})
      message(FATAL_ERROR "board ${_vd_board}: board.conf lacks ${_req}")
    endif()
  endforeach()
endmacro()
