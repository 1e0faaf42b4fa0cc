# Fuzz build (preset "fuzz", VD_FUZZ=ON): core/ + hal/host + hal/common
# compiled with libFuzzer's coverage instrumentation under ASan + UBSan,
# and one libFuzzer executable per tests/fuzz/<name>.c, named
# build/fuzz/<name>.  libFuzzer brings its own main(), so the harnesses
# cannot share an executable with the cmocka suites: this is a build tree
# of its own.  docs/fuzzing.md tells how to run and how to reproduce.
#
# Every harness is also a ctest that fuzzes from its seed corpus
# (scripts/lib/fuzz-run.sh): scripts/test runs them so.  A ctest runs a
# fixed number of inputs from seed 1 -- tests/fuzz/<name>/ci-runs, about
# 12 s on the 2-core CI machine -- so that every machine tries the same
# inputs and a failure reproduces; VD_FUZZ_TIME_CAP caps the time.
set(VD_FUZZ_TIME_CAP 120 CACHE STRING "time cap per harness in ctest")

set(VD_FUZZ_SANITIZE -fsanitize=address,undefined -fno-sanitize-recover=all
                     -fno-omit-frame-pointer)

file(GLOB VD_CORE_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/core/*/*.c)
# builtins.c exports memcpy & co. for the freestanding kernel: never on host.
list(FILTER VD_CORE_SOURCES EXCLUDE REGEX ".*/builtins\\.c$")
file(GLOB VD_HOST_HAL_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/hal/host/*.c)
file(GLOB VD_HAL_COMMON_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/hal/common/*.c)

add_library(vdcore_fuzz STATIC
  ${VD_CORE_SOURCES} ${VD_HOST_HAL_SOURCES} ${VD_HAL_COMMON_SOURCES})
target_include_directories(vdcore_fuzz PUBLIC
  ${VD_ROOT}/include ${VD_ROOT}/hal/common/include ${VD_ROOT}/hal/host/include)
# fuzzer-no-link: coverage feedback from the code under test, libFuzzer's
# main only in the executables
target_compile_options(vdcore_fuzz PUBLIC ${VD_WARNINGS} ${VD_FUZZ_SANITIZE}
  -fsanitize=fuzzer-no-link -g -O1)
target_compile_definitions(vdcore_fuzz PUBLIC VD_HOST=1 VD_FUZZ=1
  VD_ARCH_NAME="host")
target_link_options(vdcore_fuzz PUBLIC ${VD_FUZZ_SANITIZE})

# Seeds made at build time: the device trees of the host suites and of
# tests/fuzz/fdt/, compiled by dtc into build/fuzz/seeds/fdt/.
find_program(VD_DTC dtc REQUIRED)
file(GLOB _vd_fuzz_dts CONFIGURE_DEPENDS ${VD_ROOT}/tests/host/data/*.dts
  ${VD_ROOT}/tests/fuzz/fdt/*.dts)
set(_vd_fuzz_seeds "")
foreach(_dts IN LISTS _vd_fuzz_dts)
  get_filename_component(_n ${_dts} NAME_WE)
  set(_out ${CMAKE_BINARY_DIR}/seeds/fdt/${_n}.dtb)
  add_custom_command(OUTPUT ${_out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/seeds/fdt
    COMMAND ${VD_DTC} -q -I dts -O dtb -o ${_out} ${_dts}
    DEPENDS ${_dts})
  list(APPEND _vd_fuzz_seeds ${_out})
endforeach()
add_custom_target(vd_fuzz_seeds ALL DEPENDS ${_vd_fuzz_seeds})

file(GLOB VD_FUZZ_HARNESSES CONFIGURE_DEPENDS ${VD_ROOT}/tests/fuzz/*.c)
foreach(_src IN LISTS VD_FUZZ_HARNESSES)
  get_filename_component(_name ${_src} NAME_WE)
  add_executable(fuzz_${_name} ${_src})
  set_target_properties(fuzz_${_name} PROPERTIES OUTPUT_NAME ${_name})
  target_link_libraries(fuzz_${_name} PRIVATE vdcore_fuzz)
  target_compile_options(fuzz_${_name} PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_${_name} PRIVATE -fsanitize=fuzzer)
  add_dependencies(fuzz_${_name} vd_fuzz_seeds)
  set(_runs "")
  if(EXISTS ${VD_ROOT}/tests/fuzz/${_name}/ci-runs)
    file(STRINGS ${VD_ROOT}/tests/fuzz/${_name}/ci-runs _runs LIMIT_COUNT 1)
  endif()
  add_test(NAME fuzz_${_name}
    COMMAND ${VD_ROOT}/scripts/lib/fuzz-run.sh $<TARGET_FILE:fuzz_${_name}>
            ${VD_FUZZ_TIME_CAP} 1)
  set_tests_properties(fuzz_${_name} PROPERTIES
    TIMEOUT 300 # a harness that hangs is caught by libFuzzer's -timeout
    ENVIRONMENT "VD_ROOT=${VD_ROOT};FUZZ_FRESH=1;FUZZ_RUNS=${_runs}")
endforeach()
