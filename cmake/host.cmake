# Host build: core/ + hal/host (fake machine) + cmocka suites, ASan/UBSan.
#
# Each tests/host/test_<name>.c becomes one cmocka executable and one ctest.
# The whole core is compiled into a static library so a suite links only
# what it references.
find_path(CMOCKA_INCLUDE_DIR cmocka.h REQUIRED)
find_library(CMOCKA_LIBRARIES cmocka REQUIRED)

set(VD_SANITIZE -fsanitize=address,undefined -fno-sanitize-recover=all
                -fno-omit-frame-pointer)

file(GLOB VD_CORE_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/core/*/*.c)
# builtins.c exports memcpy & co. for the freestanding kernel: never on host.
list(FILTER VD_CORE_SOURCES EXCLUDE REGEX ".*/builtins\\.c$")
file(GLOB VD_HOST_HAL_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/hal/host/*.c)
file(GLOB VD_HAL_COMMON_SOURCES CONFIGURE_DEPENDS ${VD_ROOT}/hal/common/*.c)

add_library(vdcore_host STATIC
  ${VD_CORE_SOURCES} ${VD_HOST_HAL_SOURCES} ${VD_HAL_COMMON_SOURCES})
target_include_directories(vdcore_host PUBLIC
  ${VD_ROOT}/include ${VD_ROOT}/hal/common/include ${VD_ROOT}/hal/host/include
  ${CMOCKA_INCLUDE_DIR})
target_compile_options(vdcore_host PUBLIC ${VD_WARNINGS} ${VD_SANITIZE} -g -O1)
# VD_DEBUG: the debug contracts (VD_DEBUG_ASSERT) are checked here too.
target_compile_definitions(vdcore_host PUBLIC VD_HOST=1 VD_DEBUG=1
  VD_ARCH_NAME="host")
target_link_options(vdcore_host PUBLIC ${VD_SANITIZE})

# Device trees for the FDT suite, compiled by dtc at build time.
# Every tests/host/data/NAME.dts becomes ${CMAKE_BINARY_DIR}/NAME.dtb.
find_program(VD_DTC dtc REQUIRED)
set(VD_TEST_DTB ${CMAKE_BINARY_DIR}/board.dtb)
file(GLOB _vd_dts CONFIGURE_DEPENDS ${VD_ROOT}/tests/host/data/*.dts)
set(_vd_dtbs "")
foreach(_dts IN LISTS _vd_dts)
  get_filename_component(_n ${_dts} NAME_WE)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/${_n}.dtb
    COMMAND ${VD_DTC} -q -I dts -O dtb -o ${CMAKE_BINARY_DIR}/${_n}.dtb ${_dts}
    DEPENDS ${_dts})
  list(APPEND _vd_dtbs ${CMAKE_BINARY_DIR}/${_n}.dtb)
endforeach()
add_custom_target(vd_test_dtbs DEPENDS ${_vd_dtbs})

file(GLOB VD_HOST_TESTS CONFIGURE_DEPENDS ${VD_ROOT}/tests/host/test_*.c)
foreach(_src IN LISTS VD_HOST_TESTS)
  get_filename_component(_name ${_src} NAME_WE)
  add_executable(${_name} ${_src})
  target_link_libraries(${_name} PRIVATE vdcore_host ${CMOCKA_LIBRARIES})
  target_compile_definitions(${_name} PRIVATE VD_TEST_DTB="${VD_TEST_DTB}"
    VD_TEST_DATA_DIR="${CMAKE_BINARY_DIR}")
  add_dependencies(${_name} vd_test_dtbs)
  add_test(NAME ${_name} COMMAND ${_name})
  set_tests_properties(${_name} PROPERTIES TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1")
endforeach()
