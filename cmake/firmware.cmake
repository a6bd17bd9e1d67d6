# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Firmware images, the separate-process transport and `asvirt up`.
#
#   asvirt_add_firmware(NAME SOURCES...)  builds ${CMAKE_BINARY_DIR}/firmware/NAME.so:
#   an ELF shared object with the app, its .resource_table and the
#   `asvirt_firmware` entry, linked against nothing: the remote API comes
#   from asvirt-fw-runner, which dlopen()s it.

target_sources(asvirt_core PRIVATE ${PROJECT_SOURCE_DIR}/core/src/elf.c)
target_sources(asvirt PRIVATE
  ${PROJECT_SOURCE_DIR}/port/posix/notifier_eventfd.c
  ${PROJECT_SOURCE_DIR}/port/posix/notifier_futex.c
  ${PROJECT_SOURCE_DIR}/port/posix/notifier_delay.c
  ${PROJECT_SOURCE_DIR}/port/posix/fw_image.c
  ${PROJECT_SOURCE_DIR}/port/posix/proc.c
  ${PROJECT_SOURCE_DIR}/port/posix/proc_trace.c
  ${PROJECT_SOURCE_DIR}/port/posix/board_qemu_m.c
  ${PROJECT_SOURCE_DIR}/port/posix/shmctl.c
  ${PROJECT_SOURCE_DIR}/port/posix/ivshmem_server.c
  ${PROJECT_SOURCE_DIR}/port/posix/guest_bufs.c
  ${PROJECT_SOURCE_DIR}/firmware/fw_abi.c
  ${PROJECT_SOURCE_DIR}/firmware/board_pc.c)
target_include_directories(asvirt PUBLIC ${PROJECT_SOURCE_DIR}/firmware/include
  ${PROJECT_SOURCE_DIR}/port/cortex-m/include)

set(ASVIRT_FIRMWARE_DIR ${CMAKE_BINARY_DIR}/firmware)

function(asvirt_add_firmware name)
  add_library(${name} MODULE ${ARGN})
  set_target_properties(${name} PROPERTIES PREFIX "" SUFFIX ".so"
    LIBRARY_OUTPUT_DIRECTORY ${ASVIRT_FIRMWARE_DIR} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/core/include
    ${PROJECT_SOURCE_DIR}/apps/include ${PROJECT_SOURCE_DIR}/firmware/include)
  # Bind the image's own symbols (its app) inside it; take the remote API
  # from the runner at dlopen() time.
  target_link_options(${name} PRIVATE -Wl,-Bsymbolic)
endfunction()

asvirt_add_firmware(asvirt-echo apps/echo.c firmware/fw_echo.c)
asvirt_add_firmware(asvirt-client-sample apps/client_sample.c firmware/fw_client_sample.c)
asvirt_add_firmware(asvirt-bench-source apps/bench_source.c firmware/fw_bench_source.c)
# test-only: misbehaves on request (ASVIRT_HOSTILE)
asvirt_add_firmware(asvirt-hostile firmware/fw_hostile.c)
target_link_libraries(asvirt-hostile PRIVATE Threads::Threads)

# The firmware runner exports the whole remote API to the images it loads.
add_executable(asvirt-fw-runner firmware/runner.c firmware/runner_board.c)
set_target_properties(asvirt-fw-runner PROPERTIES ENABLE_EXPORTS ON)
target_link_libraries(asvirt-fw-runner PRIVATE
  -Wl,--whole-archive asvirt_core -Wl,--no-whole-archive asvirt ${CMAKE_DL_LIBS})

target_sources(asvirt_cli PRIVATE ${PROJECT_SOURCE_DIR}/cli/cmd_up.c
  ${PROJECT_SOURCE_DIR}/cli/up_daemon.c ${PROJECT_SOURCE_DIR}/cli/up_bridge.c
  ${PROJECT_SOURCE_DIR}/cli/up_ctl.c ${PROJECT_SOURCE_DIR}/cli/up_client.c
  ${PROJECT_SOURCE_DIR}/cli/up_trace.c
  ${PROJECT_SOURCE_DIR}/cli/cmd_fw.c ${PROJECT_SOURCE_DIR}/cli/fw_linux.c
  ${PROJECT_SOURCE_DIR}/cli/up_linux.c
  ${PROJECT_SOURCE_DIR}/cli/up_linux_session.c)
target_compile_definitions(asvirt_cli PRIVATE
  ASVIRT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  ASVIRT_CC="${CMAKE_C_COMPILER}")
add_dependencies(asvirt_cli asvirt-fw-runner asvirt-echo asvirt-client-sample asvirt-bench-source
  asvirt-hostile)

# Doorbell round-trip benchmark (not a test: prints numbers).
add_executable(bench_doorbell tests/perf/bench_doorbell.c)
target_link_libraries(bench_doorbell PRIVATE asvirt)
