#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Style and static checks for user-space code: clang-format (the project's
# .clang-format), cppcheck, and a warning-free Cortex-M compile of the core
# and the apps when arm-none-eabi-gcc is there. Fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

files=$(git ls-files 'core/*.[ch]' 'port/posix/*.[ch]' 'port/cortex-m/*.[ch]' 'apps/*.[ch]' 'cli/*.[ch]' 'tests/unit/*.[ch]' 'bench/*.[ch]' 'firmware/*.[ch]' 'fuzz/*.[ch]' 'tests/perf/*.[ch]' 'tests/qemu/*.[ch]' 'tests/target/*.[ch]' 'tests/install/*.[ch]' 2>/dev/null || true)
bad=0
# One clang-format for every file (one per file was 190 processes); only
# when it finds something, one per file to name them.
if ! clang-format --dry-run --Werror $files </dev/null >/dev/null 2>&1; then
	for f in $files; do
		if ! clang-format --dry-run --Werror "$f" 2>/dev/null; then
			echo "lint: $f is not clang-formatted (run: clang-format -i $f)"
			bad=1
		fi
	done
fi
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
	--inline-suppr -D__GNUC__ -I core/include -I core/src -I port/posix/include -I apps/include -I firmware/include -I port/cortex-m/include \
	core/src port/posix port/cortex-m apps cli bench firmware fuzz tests/perf
# The portable core and the apps with arm-none-eabi-gcc + picolibc, where
# uint32_t is unsigned long: a "%u" for a uint32_t (PRIu32 is right, see
# core/src/compat.h) passes every other compiler. All of core/src, not only
# the remote role the Cortex-M images link.
cm_cc=$(command -v arm-none-eabi-gcc || true)
if [ -n "$cm_cc" ] && [ -f "$("$cm_cc" -print-file-name=picolibc.specs)" ]; then
	# (port/posix/guest_bufs.c: the Cortex-M port links it, cmake/cortex-m.cmake)
	cm_files=$(git ls-files 'core/src/*.c' 'apps/*.c' 'port/cortex-m/*.c' 'port/posix/guest_bufs.c' 'tests/firmware/cm_*.c' 'tests/perf/cm_*.c')
	cm_bad=0
	for f in $cm_files; do
		if ! "$cm_cc" -mcpu=cortex-m4 -mthumb --specs=picolibc.specs -DASVIRT_CORTEX_M \
			-std=c11 -Os -Wall -Wextra -Werror -Wformat=2 -Icore/include -Icore/src \
			-Iapps/include -Ifirmware/include -Iport/cortex-m/include -Iport/cortex-m \
			-Iport/posix/include -c "$f" -o /dev/null; then
			echo "lint: $f does not compile warning-free for Cortex-M (arm-none-eabi-gcc)"
			cm_bad=1
		fi
	done
	[ $cm_bad -eq 0 ] && echo "lint: core, apps and Cortex-M port warning-free with arm-none-eabi-gcc"
	bad=$((bad | cm_bad))
else
	echo "lint: arm-none-eabi-gcc with picolibc not found: the Cortex-M format check is skipped (scripts/deps.sh cortexm)"
fi
# The build without protocol events (cmake -DASVIRT_EVENTS=OFF: the core's
# emit points compiled to nothing, the baseline of docs/trace.md's cost
# figures): warning-free, its demo runs and --trace/--pcap/--explain refuse.
# Incremental in build-noevents after the first run (about 40 s cold; with
# ccache, as make configures its builds, a fresh clone's is mostly cache hits).
mkdir -p build-noevents
launcher=-UCMAKE_C_COMPILER_LAUNCHER
command -v ccache >/dev/null && launcher=-DCMAKE_C_COMPILER_LAUNCHER=ccache
if ! { cmake -S . -B build-noevents "$launcher" -DASVIRT_EVENTS=OFF >/dev/null &&
	cmake --build build-noevents -j "$(nproc)" >build-noevents/lint-build.log 2>&1; }; then
	grep -E 'error|warning' build-noevents/lint-build.log | head -20
	echo "lint: the build without events (-DASVIRT_EVENTS=OFF) fails: build-noevents/lint-build.log"
	bad=1
elif ! (cd build-noevents && ctest -R '^(test_trace_off|test_cli)$' --output-on-failure >/dev/null); then
	(cd build-noevents && ctest -R '^(test_trace_off|test_cli)$' --output-on-failure | tail -30)
	echo "lint: the build without events (-DASVIRT_EVENTS=OFF): test_trace_off or test_cli fails"
	bad=1
else
	echo "lint: the build without events (-DASVIRT_EVENTS=OFF) builds warning-free, test_trace_off passes"
fi
[ $bad -eq 0 ] && echo "lint: clang-format and cppcheck clean"
exit $bad
