# cloudchain_library(NAME SOURCES ... DEPS ...)
#   One library per layer folder: target cloudchain_NAME, alias cloudchain::NAME.
#   Every src/ directory is on the include path as <layer>/<file>.hpp.
function(cloudchain_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(cloudchain_${name} STATIC ${ARG_SOURCES})
  add_library(cloudchain::${name} ALIAS cloudchain_${name})
  target_include_directories(cloudchain_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(cloudchain_${name} PUBLIC ${ARG_DEPS})
endfunction()

# cloudchain_test(NAME SOURCES ... DEPS ...)
#   A GoogleTest executable registered with CTest (each TEST a CTest case).
function(cloudchain_test name)
  if(NOT CLOUDCHAIN_TESTS OR CLOUDCHAIN_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE CLOUDCHAIN_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 60)
endfunction()
