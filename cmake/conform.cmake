# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt conform (cli/cmd_conform.c) and its tests: the built-in images must
# pass every check, each broken image (tests/firmware/bad_*.c) fail its own.
target_sources(asvirt_cli PRIVATE ${PROJECT_SOURCE_DIR}/cli/cmd_conform.c
  ${PROJECT_SOURCE_DIR}/cli/conform_run.c ${PROJECT_SOURCE_DIR}/cli/conform_msg.c
  ${PROJECT_SOURCE_DIR}/cli/conform_host.c ${PROJECT_SOURCE_DIR}/cli/conform_irq.c
  ${PROJECT_SOURCE_DIR}/cli/conform_ns.c ${PROJECT_SOURCE_DIR}/cli/conform_life.c
  ${PROJECT_SOURCE_DIR}/cli/conform_out.c)

if(ASVIRT_TESTS)
  foreach(bad bad_ns_twice bad_ns_name bad_trunc256 bad_give_up bad_sticky_peer
      bad_destroy_ends bad_wait_bind bad_crash_on_stop bad_keep_buffer bad_lifo)
    string(REPLACE "_" "-" img "asvirt-test-${bad}")
    asvirt_add_firmware(${img} ${PROJECT_SOURCE_DIR}/tests/firmware/${bad}.c)
    target_link_libraries(${img} PRIVATE Threads::Threads)
    list(APPEND conform_bad_images ${img})
  endforeach()
  # the board-level broken images (asvirt/board.h, asvirt's core inside, as
  # asvirt-board-echo in firmware-tests.cmake)
  foreach(bad bad_early_ns bad_trust_desc bad_forced_event_idx bad_irq_timeout bad_late_ack
      bad_kick_resend bad_link_once bad_unknown_wedge bad_zero_vring bad_stop_mode)
    string(REPLACE "_" "-" img "asvirt-test-${bad}")
    asvirt_add_firmware(${img} ${PROJECT_SOURCE_DIR}/tests/firmware/${bad}.c)
    target_include_directories(${img} PRIVATE ${PROJECT_SOURCE_DIR}/tests/firmware)
    target_link_libraries(${img} PRIVATE asvirt_core_remote_pic Threads::Threads)
    target_link_options(${img} PRIVATE -Wl,--exclude-libs,ALL)
    list(APPEND conform_bad_images ${img})
  endforeach()
  add_custom_target(conform_test_images ALL DEPENDS ${conform_bad_images})
  # Four parts side by side in one test (test_conform.sh all/4): every
  # image after the other takes minutes, nearly all of it waiting on the
  # checks' windows; as four tests the parts held two ctest slots that long.
  add_test(NAME test_conform COMMAND ${PROJECT_SOURCE_DIR}/tests/cli/test_conform.sh
    $<TARGET_FILE:asvirt_cli> ${ASVIRT_FIRMWARE_DIR} all/4)
  # starts first: see tests/CMakeLists.txt
  set_tests_properties(test_conform PROPERTIES TIMEOUT 300 COST 30)
endif()
