#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Smoke test of `asvirt bench --quick`: every figure is measured and
# printed; --json is valid JSON with every section; usage errors exit 2.
set -u
ASVIRT=$1
. "$(dirname "$0")/checks.sh"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$ASVIRT" bench --quick --quiet >"$out" 2>&1
check "bench --quick exits 0" test $? -eq 0
check "floors printed" grep -q 'semaphore ping-pong round trip' "$out"
check "lock mode printed" grep -qE '^data-path locks: (biased|shared) ' "$out"
check "15 round-trip rows" test "$(grep -cE '^  (semaphore|adaptive|process) +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+x' "$out")" -eq 15
check "process rows compared with threads" test "$(grep -cE '^  process .* [0-9.]+x$' "$out")" -eq 25
check "60 throughput rows" test "$(grep -cE '^  (semaphore|adaptive|process) +[0-9]+ +[14] (copy|zero-copy) ' "$out")" -eq 60

"$ASVIRT" bench --quick --quiet --json >"$out" 2>&1
check "bench --json exits 0" test $? -eq 0
check "json parses with rtt, throughput, floors" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["rtt"]) == 15 and len(d["throughput"]) == 60
assert d["floors"]["semaphore_rtt"]["p50_ns"] > 0
assert d["data_path_locks"] in ("biased", "shared")
assert all(t["msg_per_s"] > 0 for t in d["throughput"])
assert all(r["latency"]["p50_ns"] > 0 for r in d["rtt"])
' "$out"

# the socket path: asvirt up as a child, its relay floor, 16 x 64 connections
"$ASVIRT" bench --sockets --quick --quiet >"$out" 2>&1
check "bench --sockets exits 0" test $? -eq 0
check "socket row with its ratio to the relay floor" \
	grep -qE '^  asvirt up, 1 client +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+x \([0-9.]+-[0-9.]+x\)$' "$out"
check "socket figure at 16 firmware x 64 connections" \
	grep -qE '^asvirt up, 16 firmware x 64 connections' "$out"
check "every round trip at scale checked" grep -qE 'ns \([0-9]+ round trips, all checked\)' "$out"
"$ASVIRT" bench --sockets --quick --quiet --json >"$out" 2>&1
check "bench --sockets --json parses" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["sockets"]
assert d["up"]["p50_ns"] > 0 and d["floor"]["p50_ns"] > 0 and d["ratio"] > 0
assert d["scale"]["connections"] == 1024 and d["scale"]["round_trips"] > 1024
' "$out"

"$ASVIRT" bench --bogus >"$out" 2>&1
check "unknown option exits 2" test $? -eq 2
"$ASVIRT" bench --plot x.txt --quick --quiet >"$out" 2>&1
check "--plot with a bad extension fails" test $? -ne 0

summary
