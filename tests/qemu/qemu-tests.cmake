# QEMU boot tests, run by ctest: the architecture's images on every board
# whose board.conf says ARCH=${VD_ARCH} (one image per arch serves them all).
# Per board:
#   qemu-ktest-<board>: boots veridian-test with the board's CPUs, runs
#                       every ktest
#   qemu-bench-<board>: veridian-bench (the same tests and benchmarks on the
#                       production core, without the debug contracts of
#                       veridian-test) under -icount shift=0,sleep=off on
#                       max(1, QEMU_SMP_MIN) CPUs; prints the
#                       instructions-per-operation table
#   qemu-demo-<board>:  veridian, the production image: boots to init's
#                       demo, which must end with exit code 0 and no
#                       failed check (scripts/qemu demo)
# Each board's test preset (scripts/gen-presets) selects its three by name;
# the label <board> does the same for `ctest -L`.  scripts/qemu enforces
# the board's hang TIMEOUT and checks both the closing "N passed, N failed"
# line and QEMU's exit status (demo: init's end line); its logs go to
# build/<arch>/qemu-<board>-<mode>/console.log.
function(vd_board_qemu_tests board)
  vd_board_load(${board})
  if(NOT VD_BOARD_ARCH STREQUAL VD_ARCH)
    return()
  endif()
  if(NOT DEFINED VD_BOARD_TIMEOUT)
    set(VD_BOARD_TIMEOUT 60)
  endif()
  math(EXPR _t "${VD_BOARD_TIMEOUT} + 30")
  foreach(_mode ktest bench demo)
    set(_qmode test)
    set(_qimg veridian-test)
    if(_mode STREQUAL "bench")
      set(_qmode bench)
      set(_qimg veridian-bench)
    elseif(_mode STREQUAL "demo")
      set(_qmode demo)
      set(_qimg veridian)
    endif()
    add_test(NAME qemu-${_mode}-${board}
             COMMAND ${VD_ROOT}/scripts/qemu ${board}
                     ${CMAKE_BINARY_DIR}/${_qimg}.img ${_qmode})
    set_tests_properties(qemu-${_mode}-${board} PROPERTIES TIMEOUT ${_t}
                         RUN_SERIAL TRUE LABELS ${board})
  endforeach()
  set(_n ${VD_ARCH_BOARDS})
  list(APPEND _n ${board})
  set(VD_ARCH_BOARDS ${_n} PARENT_SCOPE)
endfunction()

set(VD_ARCH_BOARDS "")
vd_board_list(_vd_all_boards)
foreach(_b IN LISTS _vd_all_boards)
  vd_board_qemu_tests(${_b})
endforeach()
if(NOT VD_ARCH_BOARDS)
  message(WARNING "no board in boards/ has ARCH=${VD_ARCH}: no QEMU tests")
endif()
message(STATUS "Veridian ${VD_ARCH}: one image set for ${VD_ARCH_BOARDS}")
