# Reads boards/${VD_BOARD}/board.conf, the board descriptor.
#
# The descriptor is a shell-style KEY=VALUE file so that the same file
# drives CMake (here) and the scripts (scripts/lib/board.sh).  Every key
# becomes a CMake variable VD_BOARD_<KEY>.
set(VD_BOARD_DIR ${VD_ROOT}/boards/${VD_BOARD})
if(NOT EXISTS ${VD_BOARD_DIR}/board.conf)
  message(FATAL_ERROR "unknown board '${VD_BOARD}': no ${VD_BOARD_DIR}/board.conf")
endif()

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
    message(FATAL_ERROR "board ${VD_BOARD}: board.conf lacks ${_req}")
  endif()
endforeach()

set(VD_ARCH ${VD_BOARD_ARCH})
if(NOT VD_ARCH STREQUAL VD_TOOLCHAIN_ARCH)
  message(FATAL_ERROR "board ${VD_BOARD} is ${VD_ARCH} but the toolchain file "
                      "targets '${VD_TOOLCHAIN_ARCH}'")
endif()
message(STATUS "Veridian board ${VD_BOARD}: ${VD_ARCH}, firmware ${VD_BOARD_FIRMWARE}")
