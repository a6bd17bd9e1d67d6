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

# Wall time is the budget; CPU time (user + system of every process the
# suite waited for) says how much two cores can gain by running suites side
# by side: a group whose CPU is near twice its wall time has nothing to give.
rows=()
total=0
total_cpu=0
summary() {
	echo "make check: time per suite (wall, CPU)"
	for t in "${rows[@]}"; do echo "  $t"; done
	printf '  %-34s %5d s %6d s\n' total "$total" "$total_cpu"
}
record() { rows+=("$(printf '%-34s %5d s %6d s' "$1" "$2" "$3")"); }

# CPU seconds used so far by this shell's finished children, into $CPU
# (bash's `times`, run in this shell and written to a file: in a pipe or a
# $(...) it would run in a subshell, which has no children of its own).
child_cpu() {
	local u s f="$logs/times.$BASHPID"
	times >"$f"
	read -r u s < <(tail -n 1 "$f")
	CPU=$(awk -v u="$u" -v s="$s" 'function sec(t,  m) {
		m = t; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", t); sub(/s$/, "", t)
		return m * 60 + t
	} BEGIN { printf "%d\n", sec(u) + sec(s) }')
}

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

for group in "$@"; do
	IFS=+ read -r -a members <<<"$group"
	echo "==> make ${members[*]} ($(date -u +%H:%M:%S))"
	start=$(date +%s)
	if [ ${#members[@]} = 1 ]; then
		child_cpu
		c0=$CPU
		make --no-print-directory "$group"
		rc=$?
		child_cpu
		cpu=$((CPU - c0))
		failed=$([ $rc = 0 ] || echo "$group")
	else
		pids=()
		for m in "${members[@]}"; do
			(
				s=$(date +%s)
				make --no-print-directory "$m" >"$logs/$m.log" 2>&1
				r=$?
				child_cpu
				echo "$r $(($(date +%s) - s)) $CPU" >"$logs/$m.rc"
			) &
			pids+=($!)
		done
		wait "${pids[@]}"
		rc=0 failed="" cpu=0
		for m in "${members[@]}"; do
			echo "--- make $m (side by side with the others of ${group})"
			cat "$logs/$m.log"
			read -r r took mcpu <"$logs/$m.rc" || r=1 took=0 mcpu=0
			record "  $m (side by side)" "$took" "$mcpu"
			cpu=$((cpu + mcpu))
			if [ "$r" != 0 ]; then
				rc=$r
				failed="$failed $m"
			fi
		done
	fi
	took=$(($(date +%s) - start))
	total=$((total + took))
	total_cpu=$((total_cpu + cpu))
	record "$group" "$took" "$cpu"
	if [ "$rc" != 0 ]; then
		summary
		echo "make check: ${failed# } failed (exit $rc)"
		exit "$rc"
	fi
done
summary
echo "make check: all suites passed"
