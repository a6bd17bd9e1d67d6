#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# make check: every suite in turn, each timed, then a table of how long each
# took (the CI budget is per suite: cold kernels, cached kernels). Stops at
# the first suite that fails, naming it.
#   scripts/check-all.sh SUITE...   (make targets, e.g. check-lint check-unit)
# A SUITE written A+B runs A and B side by side: suites that leave a core idle
# much of the time (a QEMU guest waiting on its peer, ctest's tests waiting on
# each other) and share nothing (build and output directories, kernel trees).
# Each one's output goes to a file and is printed whole when the group ends,
# so the log reads as if they had run one after the other. Whatever they
# install must be installed before (make check does: a concurrent apt-get
# would find dpkg locked).
set -uo pipefail
cd "$(dirname "$0")/.."

times=()
total=0
summary() {
	echo "make check: time per suite"
	for t in "${times[@]}"; do echo "  $t"; done
	printf '  %-30s %5d s\n' total "$total"
}
record() { times+=("$(printf '%-30s %5d s' "$1" "$2")"); }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

for group in "$@"; do
	IFS=+ read -r -a members <<<"$group"
	echo "==> make ${members[*]} ($(date -u +%H:%M:%S))"
	start=$(date +%s)
	if [ ${#members[@]} = 1 ]; then
		make --no-print-directory "$group"
		rc=$?
		failed=$([ $rc = 0 ] || echo "$group")
	else
		pids=()
		for m in "${members[@]}"; do
			(
				s=$(date +%s)
				make --no-print-directory "$m" >"$logs/$m.log" 2>&1
				r=$?
				echo "$r $(($(date +%s) - s))" >"$logs/$m.rc"
			) &
			pids+=($!)
		done
		wait "${pids[@]}"
		rc=0 failed=""
		for m in "${members[@]}"; do
			echo "--- make $m (side by side with the others of ${group})"
			cat "$logs/$m.log"
			read -r r took <"$logs/$m.rc" || r=1 took=0
			record "  $m (side by side)" "$took"
			if [ "$r" != 0 ]; then
				rc=$r
				failed="$failed $m"
			fi
		done
	fi
	took=$(($(date +%s) - start))
	total=$((total + took))
	record "$group" "$took"
	if [ "$rc" != 0 ]; then
		summary
		echo "make check: ${failed# } failed (exit $rc)"
		exit "$rc"
	fi
done
summary
echo "make check: all suites passed"
