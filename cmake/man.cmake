# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Man pages asvirt(1) and asvirt-COMMAND(1), generated from the --help
# texts by help2man (Debian: help2man) so that they cannot drift from the
# command; man/*.h2m adds what --help does not say (files, environment).
# Without help2man the pages are not built nor installed, and CMake says so
# (as for the Cortex-M images); `make` installs it (scripts/deps.sh build).
find_program(HELP2MAN help2man)
set(ASVIRT_MANPAGES ON)
if(NOT HELP2MAN)
  set(ASVIRT_MANPAGES OFF)
  message(WARNING "asvirt: help2man not found: the man pages are NOT built nor installed "
    "(install it: scripts/deps.sh build)")
  return()
endif()

set(ASVIRT_MAN_DIR ${CMAKE_BINARY_DIR}/man)
# command, then its NAME line (the summary of `asvirt --help`)
set(ASVIRT_MAN_COMMANDS
  "demo|run the rpmsg client sample against a virtual MCU"
  "apps|list the built-in firmware apps"
  "up|start firmware processes, channels as Unix sockets"
  "status|state of the running system"
  "log|a firmware's trace buffer"
  "stop|stop the running system"
  "crash|kill a firmware process (recovery test)"
  "trace|write asvirt up's --trace and --pcap files"
  "fw-build|build a firmware image from app sources"
  "fw-check|check a firmware image"
  "conform|check a firmware against what Linux expects"
  "bench|measure latency, throughput and CPU cost")

set(_pages ${ASVIRT_MAN_DIR}/asvirt.1)
add_custom_command(OUTPUT ${ASVIRT_MAN_DIR}/asvirt.1
  COMMAND ${CMAKE_COMMAND} -E make_directory ${ASVIRT_MAN_DIR}
  COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
    --name "virtual remote processors talking RPMsg over virtio"
    --include ${PROJECT_SOURCE_DIR}/man/asvirt.h2m --output ${ASVIRT_MAN_DIR}/asvirt.1
    $<TARGET_FILE:asvirt_cli>
  DEPENDS asvirt_cli ${PROJECT_SOURCE_DIR}/man/asvirt.h2m
  COMMENT "man page asvirt.1" VERBATIM)
foreach(entry ${ASVIRT_MAN_COMMANDS})
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 0 cmd)
  list(GET entry 1 summary)
  # help2man names the page after the program: a two-line wrapper per command
  set(wrapper ${ASVIRT_MAN_DIR}/bin/asvirt-${cmd})
  file(GENERATE OUTPUT ${wrapper} CONTENT "#!/bin/sh\nexec '$<TARGET_FILE:asvirt_cli>' ${cmd} \"$@\"\n"
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
      WORLD_EXECUTE)
  add_custom_command(OUTPUT ${ASVIRT_MAN_DIR}/asvirt-${cmd}.1
    COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
      --name ${summary} --include ${PROJECT_SOURCE_DIR}/man/command.h2m
      --output ${ASVIRT_MAN_DIR}/asvirt-${cmd}.1 ${wrapper}
    DEPENDS asvirt_cli ${PROJECT_SOURCE_DIR}/man/command.h2m
    COMMENT "man page asvirt-${cmd}.1" VERBATIM)
  list(APPEND _pages ${ASVIRT_MAN_DIR}/asvirt-${cmd}.1)
endforeach()
add_custom_target(man ALL DEPENDS ${_pages})
install(FILES ${_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT bin)
