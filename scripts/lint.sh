#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Style and static checks for user-space code: clang-format (the project's
# .clang-format) and cppcheck. Fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

files=$(git ls-files 'core/*.[ch]' 'port/posix/*.[ch]' 'port/cortex-m/*.[ch]' 'apps/*.[ch]' 'cli/*.[ch]' 'tests/unit/*.[ch]' 'bench/*.[ch]' 'firmware/*.[ch]' 'fuzz/*.[ch]' 'tests/perf/*.[ch]' 'tests/qemu/*.[ch]' 2>/dev/null || true)
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" 2>/dev/null; then
		echo "lint: $f is not clang-formatted (run: clang-format -i $f)"
		bad=1
	fi
done
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
	--inline-suppr -D__GNUC__ -I core/include -I core/src -I port/posix/include -I apps/include -I firmware/include -I port/cortex-m/include \
	core/src port/posix port/cortex-m apps cli bench firmware fuzz tests/perf
[ $bad -eq 0 ] && echo "lint: clang-format and cppcheck clean"
exit $bad
