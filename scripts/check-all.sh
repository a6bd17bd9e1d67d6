#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# make check: every suite in turn, each timed, then a table of how long each
# took (the CI budget is per suite: cold kernels, cached kernels). Stops at
# the first suite that fails, naming it.
#   scripts/check-all.sh SUITE...   (make targets, e.g. check-lint check-unit)
set -uo pipefail
cd "$(dirname "$0")/.."

times=()
total=0
summary() {
	echo "make check: time per suite"
	for t in "${times[@]}"; do echo "  $t"; done
	printf '  %-18s %5d s\n' total "$total"
}

for suite in "$@"; do
	echo "==> make $suite ($(date -u +%H:%M:%S))"
	start=$(date +%s)
	make --no-print-directory "$suite"
	rc=$?
	took=$(($(date +%s) - start))
	total=$((total + took))
	times+=("$(printf '%-18s %5d s' "$suite" "$took")")
	if [ $rc -ne 0 ]; then
		summary
		echo "make check: $suite failed (exit $rc)"
		exit $rc
	fi
done
summary
echo "make check: all suites passed"
