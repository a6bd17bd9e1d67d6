# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# TSan's tests: atexit_sleep_ms=0 (prepended to TSAN_OPTIONS, so a user's
# own setting still wins).
#
# A TSan process that ends with threads still running sleeps atexit_sleep_ms
# (1 s by default) in its exit or _exit, to catch races with the exit. The
# tests' firmware end that way on purpose: they play an MCU that dies
# (firmware/fw_hostile.c's scribbler _exits mid-run), and the host gives a
# runner it stops 500 ms before SIGKILL (port/posix/proc.c teardown). The
# sleep only held each such death back by a second, with the host waiting
# on it, turned stops into kills, and races with an exit are not what those
# deaths are there to find.
#
#   asvirt_tsan_test_env()   for the tests added so far in this directory
function(asvirt_tsan_test_env)
  if(NOT ASVIRT_SANITIZE STREQUAL "thread")
    return()
  endif()
  if(CMAKE_VERSION VERSION_LESS 3.22)
    message(STATUS "asvirt: CMake < 3.22, TSan tests keep atexit_sleep_ms (slower)")
    return()
  endif()
  get_property(tests DIRECTORY PROPERTY TESTS)
  if(tests)
    set_tests_properties(${tests} PROPERTIES
      ENVIRONMENT_MODIFICATION "TSAN_OPTIONS=string_prepend:atexit_sleep_ms=0:")
  endif()
endfunction()
