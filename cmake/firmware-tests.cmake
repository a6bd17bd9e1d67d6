# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Tests of firmware images, the separate-process transport and `asvirt up`
# (included from tests/CMakeLists.txt).
asv_test(test_proc)
target_compile_definitions(test_proc PRIVATE FW_DIR="${ASVIRT_FIRMWARE_DIR}"
  RUNNER="$<TARGET_FILE:asvirt-fw-runner>")
# the echo app on a table of two rpmsg vdevs (each vdev announces echo)
asvirt_add_firmware(asvirt-test-two-vdevs ${PROJECT_SOURCE_DIR}/apps/echo.c
  ${CMAKE_CURRENT_SOURCE_DIR}/firmware/fw_two_vdevs.c)
add_dependencies(test_proc asvirt-fw-runner asvirt-echo asvirt-client-sample asvirt-hostile
  asvirt-test-two-vdevs asvirt-test-bad-crash-on-stop)
set_tests_properties(test_proc PROPERTIES TIMEOUT 300)

add_test(NAME test_up COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_up.sh
  $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_up PROPERTIES TIMEOUT 180)

# Fuzz harnesses as regression tests: each runs over fuzz/regress/NAME/
# (every crash a fuzzer found is kept there) in every build flavour.
foreach(f fuzz_rsc fuzz_elf fuzz_host_used fuzz_remote_avail fuzz_fault_spec)
  add_executable(${f}_regress ${PROJECT_SOURCE_DIR}/fuzz/${f}.c
    ${PROJECT_SOURCE_DIR}/fuzz/standalone.c)
  target_include_directories(${f}_regress PRIVATE ${PROJECT_SOURCE_DIR}/fuzz)
  target_link_libraries(${f}_regress PRIVATE asvirt_core)
  add_test(NAME ${f}_regress COMMAND ${f}_regress ${PROJECT_SOURCE_DIR}/fuzz/regress/${f})
endforeach()
# asvirt trace convert's reader of an ftrace capture (cli/).
add_executable(fuzz_ftrace_regress ${PROJECT_SOURCE_DIR}/fuzz/fuzz_ftrace.c
  ${PROJECT_SOURCE_DIR}/fuzz/standalone.c ${PROJECT_SOURCE_DIR}/cli/trace_ftrace.c
  ${PROJECT_SOURCE_DIR}/cli/trace_sink.c)
target_include_directories(fuzz_ftrace_regress PRIVATE ${PROJECT_SOURCE_DIR}/cli)
target_link_libraries(fuzz_ftrace_regress PRIVATE asvirt)
add_test(NAME fuzz_ftrace_regress COMMAND fuzz_ftrace_regress
  ${PROJECT_SOURCE_DIR}/fuzz/regress/fuzz_ftrace)

# fw-check --linux: one small ELF image per Linux acceptance rule.
add_test(NAME test_fw_linux COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_fw_linux.sh
  $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_fw_linux PROPERTIES TIMEOUT 120 ENVIRONMENT "CC=${CMAKE_C_COMPILER}")

# Images built against another asvirt, for test_fw_abi: the echo app
# compiled with a struct asv_endpoint 8 bytes larger (a copy of rpmsg.h
# with one more field first, as an older or newer asvirt might have it),
# and one with the firmware ABI 1 entry (before layout records).
set(skew_dir ${CMAKE_CURRENT_BINARY_DIR}/abi-skew/include)
file(READ ${PROJECT_SOURCE_DIR}/core/include/asvirt/rpmsg.h skew_rpmsg)
string(REPLACE "struct asv_endpoint {\n" "struct asv_endpoint {\n\tuint64_t skew;\n"
  skew_rpmsg "${skew_rpmsg}")
if(NOT skew_rpmsg MATCHES "uint64_t skew;")
  message(FATAL_ERROR "firmware-tests.cmake: no 'struct asv_endpoint {' in rpmsg.h")
endif()
file(WRITE ${skew_dir}/asvirt/rpmsg.h "${skew_rpmsg}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/core/include/asvirt/rpmsg.h)
asvirt_add_firmware(asvirt-test-skewed ${PROJECT_SOURCE_DIR}/apps/echo.c
  ${PROJECT_SOURCE_DIR}/firmware/fw_echo.c)
target_include_directories(asvirt-test-skewed BEFORE PRIVATE ${skew_dir})
asvirt_add_firmware(asvirt-test-abi1 ${PROJECT_SOURCE_DIR}/apps/echo.c
  ${CMAKE_CURRENT_SOURCE_DIR}/firmware/fw_abi1.c)

add_test(NAME test_fw_abi COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_fw_abi.sh
  $<TARGET_FILE:asvirt_cli> $<TARGET_FILE:asvirt-fw-runner> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_fw_abi PROPERTIES TIMEOUT 120)

add_test(NAME test_up_stalled COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_up_stalled.sh
  $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_up_stalled PROPERTIES TIMEOUT 120)

add_test(NAME test_status_linux COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_status_linux.sh
  $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_status_linux PROPERTIES TIMEOUT 60)

add_test(NAME test_up_fault COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_up_fault.sh
  $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_up_fault PROPERTIES TIMEOUT 120)

add_test(NAME test_up_scale COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_up_scale.sh
  $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_up_scale PROPERTIES TIMEOUT 180)

# The Cortex-M board (cmake/cortex-m.cmake): only with the cross toolchain,
# QEMU and gdb-multiarch, which `make check` installs (scripts/deps.sh cortexm).
find_program(ASVIRT_QEMU_ARM_BIN qemu-system-arm)
find_program(ASVIRT_GDB_MULTIARCH gdb-multiarch)
if(ASVIRT_CORTEX_M AND NOT (ASVIRT_QEMU_ARM_BIN AND ASVIRT_GDB_MULTIARCH))
  message(WARNING "asvirt: qemu-system-arm or gdb-multiarch not found: the Cortex-M board's "
    "tests are NOT run (install them: scripts/deps.sh cortexm)")
endif()
if(ASVIRT_CORTEX_M AND ASVIRT_QEMU_ARM_BIN AND ASVIRT_GDB_MULTIARCH)
  add_test(NAME test_up_cortex_m COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_up_cortex_m.sh
    $<TARGET_FILE:asvirt_cli> ${ASVIRT_CM_DIR})
  set_tests_properties(test_up_cortex_m PROPERTIES TIMEOUT 240)
  # asvirt up --linux with two firmware, QEMU (ARM virt) without a kernel
  add_test(NAME test_up_linux_bridges COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_up_linux_bridges.sh
    $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR} ${ASVIRT_CM_DIR})
  set_tests_properties(test_up_linux_bridges PROPERTIES TIMEOUT 60)
  # the firmware on the MCU against a host that corrupts its own ring
  asv_test(test_board_qm)
  target_compile_definitions(test_board_qm PRIVATE CM_DIR="${ASVIRT_CM_DIR}")
  add_dependencies(test_board_qm cortex-m-images)
  # asvirt bench's Cortex-M rows: there and well formed (no timed assertions)
  add_test(NAME test_bench_cm COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_bench_cm.sh
    $<TARGET_FILE:asvirt_cli>)
  set_tests_properties(test_bench_cm PROPERTIES TIMEOUT 180)
  # the core's own unit tests, run on the target
  include(${PROJECT_SOURCE_DIR}/cmake/cortex-m-tests.cmake)
endif()

# A board-level image (asvirt/board.h) with asvirt's core as a plain library:
# the remote role's files compiled position-independent into a static
# library of its own, linked into the image with its symbols hidden
# (--exclude-libs) and bound inside it (-Bsymbolic), and nothing left
# undefined but libc's (--no-undefined): it takes only the board from the
# runner.
add_library(asvirt_core_remote_pic STATIC
  ${PROJECT_SOURCE_DIR}/core/src/vring.c ${PROJECT_SOURCE_DIR}/core/src/rsc_table.c
  ${PROJECT_SOURCE_DIR}/core/src/rpmsg_core.c ${PROJECT_SOURCE_DIR}/core/src/event.c
  ${PROJECT_SOURCE_DIR}/core/src/ept.c
  ${PROJECT_SOURCE_DIR}/core/src/send.c ${PROJECT_SOURCE_DIR}/core/src/ns.c
  ${PROJECT_SOURCE_DIR}/core/src/remote.c ${PROJECT_SOURCE_DIR}/core/src/remote_reset.c
  ${PROJECT_SOURCE_DIR}/core/src/fault.c
  ${PROJECT_SOURCE_DIR}/core/src/log.c
  ${PROJECT_SOURCE_DIR}/core/src/trace.c)
set_target_properties(asvirt_core_remote_pic PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(asvirt_core_remote_pic PUBLIC ${PROJECT_SOURCE_DIR}/core/include
  PRIVATE ${PROJECT_SOURCE_DIR}/core/src)
asvirt_add_firmware(asvirt-board-echo ${CMAKE_CURRENT_SOURCE_DIR}/firmware/fw_board_echo.c)
target_link_libraries(asvirt-board-echo PRIVATE asvirt_core_remote_pic Threads::Threads)
target_link_options(asvirt-board-echo PRIVATE -Wl,--exclude-libs,ALL)
if(NOT ASVIRT_SANITIZE) # a sanitizer leaves its runtime to the runner
  target_link_options(asvirt-board-echo PRIVATE -Wl,--no-undefined)
endif()
add_dependencies(test_proc asvirt-board-echo)

add_test(NAME test_up_board COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_up_board.sh
  $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR})
set_tests_properties(test_up_board PROPERTIES TIMEOUT 180)

# The PC board's semantics (firmware/board_pc.c)
asv_test(test_board_pc)

# Board-level images that must be refused (test_up_board): one exporting
# both kinds' entries, and board-echo built against a struct asv_board 8
# bytes larger (a copy of board.h with one more field first).
asvirt_add_firmware(asvirt-test-both-kinds ${PROJECT_SOURCE_DIR}/apps/echo.c
  ${CMAKE_CURRENT_SOURCE_DIR}/firmware/fw_both_kinds.c)
set(board_skew_dir ${CMAKE_CURRENT_BINARY_DIR}/board-skew/include)
file(READ ${PROJECT_SOURCE_DIR}/firmware/include/asvirt/board.h skew_board)
string(REPLACE "struct asv_board {\n" "struct asv_board {\n\tuint64_t skew;\n"
  skew_board "${skew_board}")
if(NOT skew_board MATCHES "uint64_t skew;")
  message(FATAL_ERROR "firmware-tests.cmake: no 'struct asv_board {' in board.h")
endif()
file(WRITE ${board_skew_dir}/asvirt/board.h "${skew_board}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/firmware/include/asvirt/board.h)
asvirt_add_firmware(asvirt-test-board-skewed ${CMAKE_CURRENT_SOURCE_DIR}/firmware/fw_board_echo.c)
target_include_directories(asvirt-test-board-skewed BEFORE PRIVATE ${board_skew_dir})
target_link_libraries(asvirt-test-board-skewed PRIVATE asvirt_core_remote_pic Threads::Threads)
target_link_options(asvirt-test-board-skewed PRIVATE -Wl,--exclude-libs,ALL)

# asvirt conform's host endpoints when the link goes down under them (a
# crash, the watchdog, a reattach): cli/conform_*.c against the echo image
asv_test(test_conform_ept)
target_sources(test_conform_ept PRIVATE ${PROJECT_SOURCE_DIR}/cli/conform_run.c
  ${PROJECT_SOURCE_DIR}/cli/conform_msg.c ${PROJECT_SOURCE_DIR}/cli/conform_host.c
  ${PROJECT_SOURCE_DIR}/cli/conform_irq.c ${PROJECT_SOURCE_DIR}/cli/conform_ns.c
  ${PROJECT_SOURCE_DIR}/cli/conform_life.c ${PROJECT_SOURCE_DIR}/cli/fw_linux.c)
target_include_directories(test_conform_ept PRIVATE ${PROJECT_SOURCE_DIR}/cli)
target_compile_definitions(test_conform_ept PRIVATE FW_DIR="${ASVIRT_FIRMWARE_DIR}"
  RUNNER="$<TARGET_FILE:asvirt-fw-runner>")
add_dependencies(test_conform_ept asvirt-fw-runner asvirt-echo)
set_tests_properties(test_conform_ept PROPERTIES TIMEOUT 120)
