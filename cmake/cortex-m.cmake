# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Cortex-M images for the virtual board (QEMU mps2-an386, docs/board.md):
# the core's remote role, unchanged, with the bare-metal port
# (port/cortex-m) and one app, built with Debian's arm-none-eabi-gcc and
# picolibc into ${CMAKE_BINARY_DIR}/firmware/cortex-m/NAME.elf.
#
#   asvirt_add_cm_firmware(NAME SOURCES...)
#
# ASVIRT_CORTEX_M is ON when the toolchain is there; without it the images
# and their tests are skipped, saying so (`make check` installs it:
# scripts/deps.sh cortexm).

find_program(ASVIRT_CM_CC arm-none-eabi-gcc)
set(ASVIRT_CORTEX_M OFF)
if(ASVIRT_CM_CC)
  execute_process(COMMAND ${ASVIRT_CM_CC} -print-file-name=picolibc.specs
    OUTPUT_VARIABLE _cm_picolibc OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _cm_rc)
  if(_cm_rc EQUAL 0 AND EXISTS "${_cm_picolibc}")
    set(ASVIRT_CORTEX_M ON)
  endif()
endif()
if(NOT ASVIRT_CORTEX_M)
  message(WARNING "asvirt: arm-none-eabi-gcc with picolibc not found: the Cortex-M images "
    "and their tests are NOT built (install them: scripts/deps.sh cortexm)")
  return()
endif()

set(ASVIRT_CM_DIR ${CMAKE_BINARY_DIR}/firmware/cortex-m)
# Code generation and the warnings that carry no path: also what an
# installed `asvirt fw-build --target cortex-m4` compiles with (below).
set(ASVIRT_CM_LIB_FLAGS -mcpu=cortex-m4 -mthumb -mfloat-abi=soft --specs=picolibc.specs
  -DASVIRT_CORTEX_M -std=c11 -Os -g -Wall -Wextra -Wformat=2 -fno-strict-aliasing
  -ffunction-sections -fdata-sections)
# The project's own code is held to its host build's warnings.
set(ASVIRT_CM_STRICT -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
  -Wpointer-arith)
set(ASVIRT_CM_INC -I${PROJECT_SOURCE_DIR}/core/include -I${PROJECT_SOURCE_DIR}/core/src
  -I${PROJECT_SOURCE_DIR}/apps/include -I${PROJECT_SOURCE_DIR}/firmware/include
  -I${PROJECT_SOURCE_DIR}/port/cortex-m/include -I${PROJECT_SOURCE_DIR}/port/cortex-m
  -I${PROJECT_SOURCE_DIR}/port/posix/include)
set(ASVIRT_CM_LINK -nostartfiles -T ${PROJECT_SOURCE_DIR}/port/cortex-m/mps2_an386.ld
  -Wl,--gc-sections)
set(ASVIRT_CM_FLAGS ${ASVIRT_CM_LIB_FLAGS} ${ASVIRT_CM_STRICT} ${ASVIRT_CM_INC} ${ASVIRT_CM_LINK})
# The remote role's files (no host role, no rproc, no ELF reader).
set(ASVIRT_CM_CORE vring rsc_table rpmsg_core event ept send ns remote remote_reset fault log trace)
list(TRANSFORM ASVIRT_CM_CORE PREPEND ${PROJECT_SOURCE_DIR}/core/src/)
list(TRANSFORM ASVIRT_CM_CORE APPEND .c)
# guest_bufs.c: Linux's buffers as the bridge finds them (asvirt up --linux),
# the firmware runner's code, OS-free.
set(ASVIRT_CM_PORT ${PROJECT_SOURCE_DIR}/port/cortex-m/startup.c
  ${PROJECT_SOURCE_DIR}/port/cortex-m/cm_main.c ${PROJECT_SOURCE_DIR}/port/cortex-m/cm_atomic.c
  ${PROJECT_SOURCE_DIR}/port/posix/guest_bufs.c)
file(GLOB ASVIRT_CM_HEADERS ${PROJECT_SOURCE_DIR}/core/include/asvirt/*.h
  ${PROJECT_SOURCE_DIR}/core/src/*.h ${PROJECT_SOURCE_DIR}/apps/include/asvirt/*.h
  ${PROJECT_SOURCE_DIR}/firmware/include/asvirt/*.h ${PROJECT_SOURCE_DIR}/port/cortex-m/*.h
  ${PROJECT_SOURCE_DIR}/port/cortex-m/include/asvirt/*.h
  ${PROJECT_SOURCE_DIR}/port/posix/include/asvirt/ivshmem.h)

# Everything but the app, as a gcc response file: what `asvirt fw-build
# --target cortex-m4` compiles with from a build tree (sources, not the
# library: tests/cli/test_up_cortex_m.sh builds with it).
set(ASVIRT_CM_RSP ${ASVIRT_CM_DIR}/cortex-m4.rsp)
set(_rsp "")
foreach(a ${ASVIRT_CM_FLAGS} ${ASVIRT_CM_CORE} ${ASVIRT_CM_PORT})
  string(APPEND _rsp "\"${a}\"\n")
endforeach()
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/cortex-m4.rsp.tmp "${_rsp}")
configure_file(${CMAKE_CURRENT_BINARY_DIR}/cortex-m4.rsp.tmp ${ASVIRT_CM_RSP} COPYONLY)
target_compile_definitions(asvirt_cli PRIVATE ASVIRT_CM_CC="${ASVIRT_CM_CC}"
  ASVIRT_CM_RSP="${ASVIRT_CM_RSP}")

add_custom_target(cortex-m-images ALL)

# The same core and port as a library: the images below link it, and it is
# installed, with the linker script and ASVIRT_CM_LIB_FLAGS, for `asvirt
# fw-build --target cortex-m4` from an install (no source tree there;
# cmd_fw.c adds the installed include directory, the script and the
# library, as the images' command does here).
find_program(ASVIRT_CM_AR arm-none-eabi-ar REQUIRED)
set(ASVIRT_CM_LIB ${ASVIRT_CM_DIR}/sdk/libasvirt-cm4.a)
set(_cm_objs)
foreach(src ${ASVIRT_CM_CORE} ${ASVIRT_CM_PORT})
  get_filename_component(_n ${src} NAME_WE)
  list(APPEND _cm_objs ${ASVIRT_CM_DIR}/sdk/obj/${_n}.o)
endforeach()
add_custom_command(OUTPUT ${ASVIRT_CM_LIB}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${ASVIRT_CM_DIR}/sdk/obj
  COMMAND ${CMAKE_COMMAND} -E chdir ${ASVIRT_CM_DIR}/sdk/obj ${ASVIRT_CM_CC} ${ASVIRT_CM_LIB_FLAGS}
    ${ASVIRT_CM_STRICT} ${ASVIRT_CM_INC} -c ${ASVIRT_CM_CORE} ${ASVIRT_CM_PORT}
  COMMAND ${CMAKE_COMMAND} -E remove -f ${ASVIRT_CM_LIB}
  COMMAND ${ASVIRT_CM_AR} rcs ${ASVIRT_CM_LIB} ${_cm_objs}
  DEPENDS ${ASVIRT_CM_CORE} ${ASVIRT_CM_PORT} ${ASVIRT_CM_HEADERS}
  COMMENT "Cortex-M library libasvirt-cm4.a"
  VERBATIM)
set(_rsp "")
foreach(a ${ASVIRT_CM_LIB_FLAGS})
  string(APPEND _rsp "\"${a}\"\n")
endforeach()
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/cortex-m4-flags.rsp.tmp "${_rsp}")
configure_file(${CMAKE_CURRENT_BINARY_DIR}/cortex-m4-flags.rsp.tmp
  ${ASVIRT_CM_DIR}/sdk/cortex-m4-flags.rsp COPYONLY)
add_custom_target(cm-sdk DEPENDS ${ASVIRT_CM_LIB})
add_dependencies(cortex-m-images cm-sdk)

function(asvirt_add_cm_firmware name)
  set(out ${ASVIRT_CM_DIR}/${name}.elf)
  set(srcs)
  foreach(s ${ARGN})
    list(APPEND srcs ${PROJECT_SOURCE_DIR}/${s})
  endforeach()
  # the library's objects whole (startup.c's vector table is referenced by
  # no symbol), what the link does not reach dropped (--gc-sections)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ASVIRT_CM_DIR}
    COMMAND ${ASVIRT_CM_CC} ${ASVIRT_CM_LIB_FLAGS} ${ASVIRT_CM_STRICT} ${ASVIRT_CM_INC} ${srcs}
      ${ASVIRT_CM_LINK} -Wl,--whole-archive ${ASVIRT_CM_LIB} -Wl,--no-whole-archive -o ${out}
    DEPENDS ${ASVIRT_CM_LIB} ${srcs} ${ASVIRT_CM_HEADERS}
      ${PROJECT_SOURCE_DIR}/port/cortex-m/mps2_an386.ld
    COMMENT "Cortex-M image ${name}.elf"
    VERBATIM)
  add_custom_target(cm-${name} DEPENDS ${out})
  add_dependencies(cortex-m-images cm-${name})
endfunction()

asvirt_add_cm_firmware(asvirt-echo apps/echo.c port/cortex-m/fw_echo.c)
asvirt_add_cm_firmware(asvirt-client-sample apps/client_sample.c port/cortex-m/fw_client_sample.c)
asvirt_add_cm_firmware(asvirt-bench-source apps/bench_source.c port/cortex-m/fw_bench_source.c)
# test-only: a bus fault on request (tests/cli/test_up_cortex_m.sh)
asvirt_add_cm_firmware(asvirt-cm-fault tests/firmware/cm_fault.c)
# test-only: asvirt conform's broken Cortex-M image (tests/cli/test_conform.sh)
asvirt_add_cm_firmware(asvirt-test-bad-cm-small-buf tests/firmware/bad_cm_small_buf.c)
# bench_cm's floor: a firmware that only answers the doorbell byte
set(_floor ${ASVIRT_CM_DIR}/cm-doorbell-floor.elf)
add_custom_command(OUTPUT ${_floor}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${ASVIRT_CM_DIR}
  COMMAND ${ASVIRT_CM_CC} ${ASVIRT_CM_FLAGS} ${PROJECT_SOURCE_DIR}/port/cortex-m/startup.c
    ${PROJECT_SOURCE_DIR}/tests/perf/cm_doorbell_floor.c -o ${_floor}
  DEPENDS ${PROJECT_SOURCE_DIR}/port/cortex-m/startup.c
    ${PROJECT_SOURCE_DIR}/tests/perf/cm_doorbell_floor.c ${ASVIRT_CM_HEADERS}
  COMMENT "Cortex-M image cm-doorbell-floor.elf" VERBATIM)
add_custom_target(cm-doorbell-floor DEPENDS ${_floor})
add_dependencies(cortex-m-images cm-doorbell-floor)
# the board's figures (not a test: prints numbers)
add_executable(bench_cm tests/perf/bench_cm.c)
target_link_libraries(bench_cm PRIVATE asvirt)
add_dependencies(bench_cm cortex-m-images)
