# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# `make install` / `cmake --install`: what goes where (README, Installing).
#
#   lib/libasvirt.so.0      the library, only the public API exported
#   lib/libasvirt.a         the same objects, static
#   include/asvirt/*.h      every header of every */include/asvirt directory
#   lib/pkgconfig/asvirt.pc, lib/cmake/asvirt/  pkg-config, find_package()
#   bin/asvirt              the command
#   libexec/asvirt/asvirt-fw-runner, lib/asvirt/firmware/ (cortex-m/)
#                           where the installed command looks, relative to
#                           its own directory (cli/paths.c)
#   share/man/man1/, share/bash-completion/completions/asvirt
#
# (lib/ is CMAKE_INSTALL_LIBDIR for the libraries, e.g. lib/x86_64-linux-gnu
# under Debian's /usr; the runner and images stay in lib/asvirt/.)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# One set of objects for the static and the shared library.
set_target_properties(asvirt_core asvirt PROPERTIES POSITION_INDEPENDENT_CODE ON)

# The public headers, by directory: a header added to one of these is
# installed and its functions exported without a list to update here.
set(ASVIRT_PUBLIC_INCLUDE_DIRS
  ${PROJECT_SOURCE_DIR}/core/include/asvirt ${PROJECT_SOURCE_DIR}/apps/include/asvirt
  ${PROJECT_SOURCE_DIR}/firmware/include/asvirt ${PROJECT_SOURCE_DIR}/port/posix/include/asvirt
  ${PROJECT_SOURCE_DIR}/port/cortex-m/include/asvirt)
set(_hdr_globs)
foreach(d ${ASVIRT_PUBLIC_INCLUDE_DIRS})
  list(APPEND _hdr_globs ${d}/*.h)
endforeach()
file(GLOB ASVIRT_PUBLIC_HEADERS CONFIGURE_DEPENDS ${_hdr_globs})

set(ASVIRT_MAP ${CMAKE_BINARY_DIR}/asvirt.map)
string(REPLACE ";" "\\;" _hdr_arg "${ASVIRT_PUBLIC_HEADERS}")
add_custom_command(OUTPUT ${ASVIRT_MAP}
  COMMAND ${CMAKE_COMMAND} -DOUT=${ASVIRT_MAP} "-DHEADERS=${_hdr_arg}"
    -P ${PROJECT_SOURCE_DIR}/cmake/exports.cmake
  DEPENDS ${ASVIRT_PUBLIC_HEADERS} ${PROJECT_SOURCE_DIR}/cmake/exports.cmake
  COMMENT "libasvirt.so: exports from the public headers")
add_custom_target(asvirt_map DEPENDS ${ASVIRT_MAP})

set(ASVIRT_LIB_DIR ${CMAKE_BINARY_DIR}/lib)
add_library(asvirt_shared SHARED $<TARGET_OBJECTS:asvirt_core> $<TARGET_OBJECTS:asvirt>)
add_dependencies(asvirt_shared asvirt_map)
set_target_properties(asvirt_shared PROPERTIES OUTPUT_NAME asvirt EXPORT_NAME asvirt
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
  LIBRARY_OUTPUT_DIRECTORY ${ASVIRT_LIB_DIR} LINK_DEPENDS ${ASVIRT_MAP})
target_link_options(asvirt_shared PRIVATE -Wl,--version-script=${ASVIRT_MAP})
if(NOT ASVIRT_SANITIZE)
  # (a sanitizer's runtime comes with the executable, not the library)
  target_link_options(asvirt_shared PRIVATE -Wl,--no-undefined)
endif()
target_link_libraries(asvirt_shared PUBLIC Threads::Threads)
target_include_directories(asvirt_shared INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

add_library(asvirt_static STATIC $<TARGET_OBJECTS:asvirt_core> $<TARGET_OBJECTS:asvirt>)
set_target_properties(asvirt_static PROPERTIES OUTPUT_NAME asvirt EXPORT_NAME asvirt_static
  ARCHIVE_OUTPUT_DIRECTORY ${ASVIRT_LIB_DIR})
target_link_libraries(asvirt_static PUBLIC Threads::Threads)
target_include_directories(asvirt_static INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

install(TARGETS asvirt_shared asvirt_static EXPORT asvirtTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(DIRECTORY ${ASVIRT_PUBLIC_INCLUDE_DIRS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT dev FILES_MATCHING PATTERN "*.h")

# CMake package: find_package(asvirt) gives asvirt::asvirt (shared) and
# asvirt::asvirt_static.
set(ASVIRT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/asvirt)
install(EXPORT asvirtTargets NAMESPACE asvirt:: DESTINATION ${ASVIRT_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/asvirtConfig.cmake.in
  ${CMAKE_BINARY_DIR}/asvirtConfig.cmake INSTALL_DESTINATION ${ASVIRT_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/asvirtConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/asvirtConfig.cmake ${CMAKE_BINARY_DIR}/asvirtConfigVersion.cmake
  DESTINATION ${ASVIRT_CMAKE_DIR} COMPONENT dev)

# pkg-config: written at install time, so that `cmake --install --prefix P`
# (make install PREFIX=P) puts P in it, whatever the configured prefix.
install(CODE "
  set(ASVIRT_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(ASVIRT_PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(ASVIRT_PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(ASVIRT_PC_VERSION \"${PROJECT_VERSION}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/cmake/asvirt.pc.in\" \"${CMAKE_BINARY_DIR}/asvirt.pc\" @ONLY)
  file(INSTALL \"${CMAKE_BINARY_DIR}/asvirt.pc\"
    DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig\")
" COMPONENT dev)

# The command, its runner and the firmware images (not the test-only
# asvirt-hostile), where cli/paths.c looks from bin/.
install(TARGETS asvirt_cli RUNTIME DESTINATION bin COMPONENT bin)
install(TARGETS asvirt-fw-runner RUNTIME DESTINATION libexec/asvirt COMPONENT bin)
install(TARGETS asvirt-echo asvirt-client-sample asvirt-bench-source
  LIBRARY DESTINATION lib/asvirt/firmware COMPONENT bin)
if(ASVIRT_CORTEX_M)
  # the apps' images, not the test-only ones beside them
  install(FILES ${ASVIRT_CM_DIR}/asvirt-echo.elf ${ASVIRT_CM_DIR}/asvirt-client-sample.elf
    ${ASVIRT_CM_DIR}/asvirt-bench-source.elf DESTINATION lib/asvirt/firmware/cortex-m COMPONENT bin)
  # what `asvirt fw-build --target cortex-m4` links a user's image with
  install(FILES ${ASVIRT_CM_LIB} ${ASVIRT_CM_DIR}/sdk/cortex-m4-flags.rsp
    ${PROJECT_SOURCE_DIR}/port/cortex-m/mps2_an386.ld
    DESTINATION lib/asvirt/cortex-m4 COMPONENT dev)
endif()

install(FILES ${PROJECT_SOURCE_DIR}/completion/asvirt
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT bin)

include(${PROJECT_SOURCE_DIR}/cmake/man.cmake)
