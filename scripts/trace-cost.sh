#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# What recording protocol events costs per message (docs/trace.md, Cost):
# CPU time (user + system, every thread) of `asvirt demo -n N` (2N + 1
# messages, both roles in this process) without tracing and with --pcap,
# the two interleaved RUNS times so that a load change on a shared machine
# hits both alike. The traced run's export (sort, write; the demo prints its
# CPU) is taken apart from its recording. Prints each run with the load
# average, then the medians with their min-max and the ratio on/off.
#   scripts/trace-cost.sh [BUILD [RUNS [N]]]     (default: build 7 100000)
# A measurement, not a test: nothing is asserted.
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-7}
N=${3:-100000}
ASVIRT=$BUILD/asvirt
[ -x "$ASVIRT" ] || { echo "trace-cost: no $ASVIRT (build first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
msgs=$((2 * N + 1))

# cpu_ms ARGS...: the demo's CPU time in ms (bash's time: children's rusage)
cpu_ms() {
	local TIMEFORMAT='%3U %3S'
	{ time "$ASVIRT" demo -n "$N" "$@" >"$tmp/out" 2>&1; } 2>"$tmp/time"
	awk '{ printf "%.0f\n", ($1 + $2) * 1000 }' "$tmp/time"
}

echo "trace-cost: asvirt demo -n $N ($msgs messages), $RUNS runs each, off and --pcap interleaved"
: >"$tmp/runs"
for i in $(seq 1 "$RUNS"); do
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	off=$(cpu_ms)
	on=$(cpu_ms --pcap "$tmp/t.pcap")
	exp=$(sed -n 's/^asvirt: trace: \([0-9]*\) events, written in \([0-9]*\) ms of CPU$/\1 \2/p' \
		"$tmp/out")
	[ -n "$exp" ] || { echo "trace-cost: the traced demo printed no export time" >&2; exit 1; }
	read -r nev exms <<<"$exp"
	echo "run $i: load $load: off $off ms, on $on ms (export $exms ms, $nev events)"
	echo "$off $on $exms $nev" >>"$tmp/runs"
done
awk -v m=$msgs '
function med(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function row(name, a, n,   lo, hi, i) {
	lo = hi = a[1]
	for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	printf "%-34s median %s (min-max %s-%s)\n", name, fmt(med(a, n)), fmt(lo), fmt(hi)
}
function fmt(x) { return x < 10 ? sprintf("%.3f", x) : sprintf("%.0f", x) }
{ n++; off[n] = $1 * 1000 / m; on[n] = $2 * 1000 / m; rec[n] = ($2 - $3) * 1000 / m
  ron[n] = $2 / $1; rrec[n] = ($2 - $3) / $1; ev[n] = $4 / m; d[n] = rec[n] - off[n] }
END {
	row("off, us of CPU per message", off, n)
	row("on (--pcap), us per message", on, n)
	row("on, recording only, us/message", rec, n)
	row("recording minus off, us/message", d, n)
	row("ratio on/off, with the export", ron, n)
	row("ratio on/off, recording only", rrec, n)
	row("events per message", ev, n)
}' "$tmp/runs"
