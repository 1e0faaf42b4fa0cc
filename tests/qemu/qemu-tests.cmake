# QEMU boot tests of the current board, run by ctest.
#   qemu-ktest: boots veridian-test with the board's CPUs, runs every ktest
#   qemu-bench: veridian-bench (the same tests and benchmarks on the
#               production core, without the debug contracts of
#               veridian-test) on one CPU (or the board's QEMU_SMP_MIN:
#               raspi3b runs four) under -icount shift=0,sleep=off;
#               prints the instructions-per-operation table
# scripts/qemu enforces the board's hang TIMEOUT and checks both the
# closing "N passed, N failed" line and QEMU's exit status.
foreach(_mode ktest bench)
  set(_qmode test)
  set(_qimg veridian-test)
  if(_mode STREQUAL "bench")
    set(_qmode bench)
    set(_qimg veridian-bench)
  endif()
  add_test(NAME qemu-${_mode}-${VD_BOARD}
           COMMAND ${VD_ROOT}/scripts/qemu ${VD_BOARD}
                   ${CMAKE_BINARY_DIR}/${_qimg}.img ${_qmode})
  math(EXPR _t "${VD_BOARD_TIMEOUT} + 30")
  set_tests_properties(qemu-${_mode}-${VD_BOARD} PROPERTIES TIMEOUT ${_t}
                       RUN_SERIAL TRUE)
endforeach()
