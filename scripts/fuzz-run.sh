#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Run the built libFuzzer harnesses, JOBS at a time (each is one process on
# one CPU), each for SECONDS from its corpus (fuzz/corpus/NAME, created
# here) and its regression inputs (fuzz/regress/NAME). A crash is written
# to build-fuzz/NAME-crash-* and the harness's log shown; the exit status
# is 1 if any harness failed.
#   scripts/fuzz-run.sh SECONDS JOBS NAME...
set -uo pipefail
cd "$(dirname "$0")/.."
secs=$1 jobs=$2
shift 2

run_one() {
	local f=$1 secs=$2
	mkdir -p "fuzz/corpus/$f"
	build-fuzz/"$f" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix=build-fuzz/"$f"- "fuzz/corpus/$f" "fuzz/regress/$f" \
		>"build-fuzz/$f.log" 2>&1
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "fuzz: $f FAILED (exit $rc):"
		tail -40 "build-fuzz/$f.log"
		return 1
	fi
	echo "fuzz: $f for $secs s: $(grep -E 'stat::number_of_executed_units' "build-fuzz/$f.log" |
		tr -s " " | cut -d: -f4 | tr -d " ") runs"
}
export -f run_one
printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'run_one "$1" "$2"' _ {} "$secs"
