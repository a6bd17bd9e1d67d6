# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Tests of firmware images, the separate-process transport and `asvirt up`
# (included from tests/CMakeLists.txt).
asv_test(test_proc)
target_compile_definitions(test_proc PRIVATE FW_DIR="${ASVIRT_FIRMWARE_DIR}"
  RUNNER="$<TARGET_FILE:asvirt-fw-runner>")
add_dependencies(test_proc asvirt-fw-runner asvirt-echo asvirt-client-sample asvirt-hostile)
set_tests_properties(test_proc PROPERTIES TIMEOUT 300)

add_test(NAME test_up COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_up.sh
  $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_up PROPERTIES TIMEOUT 180)

# Fuzz harnesses as regression tests: each runs over fuzz/regress/NAME/
# (every crash a fuzzer found is kept there) in every build flavour.
foreach(f fuzz_rsc fuzz_elf fuzz_host_used fuzz_remote_avail)
  add_executable(${f}_regress ${PROJECT_SOURCE_DIR}/fuzz/${f}.c
    ${PROJECT_SOURCE_DIR}/fuzz/standalone.c)
  target_include_directories(${f}_regress PRIVATE ${PROJECT_SOURCE_DIR}/fuzz)
  target_link_libraries(${f}_regress PRIVATE asvirt_core)
  add_test(NAME ${f}_regress COMMAND ${f}_regress ${PROJECT_SOURCE_DIR}/fuzz/regress/${f})
endforeach()

# fw-check --linux: one small ELF image per Linux acceptance rule.
add_test(NAME test_fw_linux COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_fw_linux.sh
  $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_fw_linux PROPERTIES TIMEOUT 120 ENVIRONMENT "CC=${CMAKE_C_COMPILER}")
