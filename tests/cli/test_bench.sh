#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Smoke test of `asvirt bench --quick`: every figure is measured and
# printed (as a result or as a measurement fault), each with its spread and
# its own floor; the JSON (--save: the same run's) is valid with every
# section; --compare matches rows by key and says which differ beyond their
# spreads; usage errors exit 2. The rows are measured once, the table and
# the JSON from the same run: that run is most of the test's cost.
set -u
ASVIRT=$1
. "$(dirname "$0")/checks.sh"
dir=$(mktemp -d)
out=$dir/out
trap 'rm -rf "$dir"' EXIT

"$ASVIRT" bench --quick --quiet --save "$dir/a.json" >"$out" 2>"$dir/err"
check "bench --quick --save exits 0" test $? -eq 0 || tail -5 "$dir/err"
check "floors printed" grep -q 'semaphore ping-pong round trip' "$out"
check "lock mode printed" grep -qE '^data-path locks: (biased|shared) ' "$out"
check "notification mode printed (EVENT_IDX by default)" grep -q '^notifications: VIRTIO_RING_F_EVENT_IDX' "$out"
# a row is a result (median, then min-max) or a measurement fault
check "15 round-trip rows" test "$(grep -cE '^  (semaphore|adaptive|process) +[0-9]+ +([0-9]+ [0-9]+-[0-9]+ |measurement fault: )' "$out")" -eq 15
check "60 throughput rows" test "$(grep -cE '^  (semaphore|adaptive|process) +[0-9]+ +[14] (copy|zero-copy) +([0-9.]+ [0-9.]+-[0-9.]+ |measurement fault: )' "$out")" -eq 60
check "process throughput compared with threads" test "$(grep -cE '^  process +[0-9]+ +[14] (copy|zero-copy) +([0-9.]+ .* [0-9.]+x( |$)|measurement fault: )' "$out")" -eq 20

check "json saved: the table's run (its mode, its round-trip medians)" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["event_idx"] is True
table = {}
for line in open(sys.argv[2]):
    m = re.match(r"  (semaphore|adaptive|process) +([0-9]+) +([0-9]+) [0-9]+-[0-9]+ ", line)
    if m:
        table["rtt/%s/%s" % (m[1], m[2])] = int(m[3])
assert table, "no round-trip row in the table"
for r in d["rtt"]:
    if r["key"] in table:
        assert round(r["figure"]["median"]) == table[r["key"]], r["key"]
' "$dir/a.json" "$out"
"$ASVIRT" bench --event-idx maybe >"$out" 2>&1
check "--event-idx wants on or off (exit 2)" test $? -eq 2
check "json rows: keys, figures with spreads, own floors, kicks per message" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["rtt"] + d["throughput"]
assert len(d["rtt"]) == 15 and len(d["throughput"]) == 60
assert len({r["key"] for r in rows}) == 75, "keys are unique"
assert d["floors"]["semaphore_rtt"]["p50_ns"] > 0
assert d["data_path_locks"] in ("biased", "shared")
assert d["windows"] >= 5
assert d["format"] == 2
# the windows are taken in passes over all rows: the first window of every row
# comes before the last window of any, so each spread covers the whole run
assert max(r["window_at_s"][0] for r in rows) < min(r["window_at_s"][-1] for r in rows)
for r in rows:
    assert len(r["window_at_s"]) == d["windows"] and r["window_at_s"] == sorted(r["window_at_s"]), r["key"]
    assert r["tries"] == 1  # --quick measures once
    if r["fault"] is not None:
        assert "figure" not in r and r["measured"]["median"] > 0, r["key"]
        continue
    f = r["figure"]
    assert f["windows"] == d["windows"] and 0 < f["min"] <= f["median"] <= f["max"], r["key"]
    rel = r["relative"]  # each window over the floor around it
    assert rel["windows"] == d["windows"] and 0 < rel["min"] <= rel["median"] <= rel["max"], r["key"]
    assert rel["higher_is_better"] == f["higher_is_better"] and rel["floor"] == r["floor_figure"]["name"], r["key"]
for r in d["rtt"]:
    assert r["floor"]["floor"] in (("semaphore-1cpu", "semaphore-2cpu") if r["mode"] == "semaphore" else ("spin",))
    assert r["floor"]["before"]["windows"] == r["floor"]["after"]["windows"] == d["windows"]
    if r["fault"] is None:
        assert r["latency"]["p50_ns"] == r["figure"]["median"]
kicks = 0
for t in d["throughput"]:
    assert set(t["floors"]) == {"spsc", "xcore", "memcpy"}
    if t["fault"] is not None:
        continue
    assert t["msg_per_s"] > 0
    assert 0 <= t["remote_kicks_per_msg"] <= 2 and 0 <= t["host_kicks_per_msg"] <= 2, t["key"]
    if t["mode"] == "semaphore":
        kicks += t["remote_kicks_per_msg"]
assert kicks > 0, "the semaphore streams kick the host"
' "$dir/a.json"

# --compare: a run against itself is the same on every row (or a fault in both)
"$ASVIRT" bench --compare "$dir/a.json" "$dir/a.json" >"$out" 2>&1
check "compare exits 0" test $? -eq 0
check "a run against itself: no row differs" grep -qE '^75 rows: [0-9]+ same, 0 same relative to their floor, 0 differ, 0 differ with their floor, 0 only on one side, [0-9]+ measurement faults$' "$out"

# a hand-made pair: one row within the spreads, one beyond (its floor the
# same), one beyond with its floor beyond too (a run without relative
# figures: format 1), one beyond with its floor moved the same way and its
# ratio to that floor the same (format 2), one fault, one row on each side
# only
cat >"$dir/h1.json" <<'EOF'
{ "rtt": [
  { "key": "rtt/semaphore/16", "fault": null,
    "figure": { "name": "p50", "median": 100, "min": 90, "max": 110, "higher_is_better": false } },
  { "key": "rtt/adaptive/16", "fault": null,
    "figure": { "name": "p50", "median": 300, "min": 290, "max": 310, "higher_is_better": false } } ],
  "throughput": [
  { "key": "tput/adaptive/16/1/copy", "fault": null,
    "floor_figure": { "median": 5000000000, "min": 4000000000, "max": 6000000000 },
    "figure": { "name": "msg_per_s", "median": 10000000, "min": 9000000, "max": 11000000, "higher_is_better": true } },
  { "key": "tput/adaptive/64/1/copy", "fault": null,
    "floor_figure": { "median": 5000000000, "min": 4900000000, "max": 5100000000 },
    "figure": { "name": "msg_per_s", "median": 10000000, "min": 9000000, "max": 11000000, "higher_is_better": true } },
  { "key": "tput/adaptive/256/1/copy", "fault": null,
    "floor_figure": { "median": 5000000000, "min": 4900000000, "max": 5100000000 },
    "relative": { "median": 0.50, "min": 0.45, "max": 0.55, "higher_is_better": true },
    "figure": { "name": "msg_per_s", "median": 10000000, "min": 9000000, "max": 11000000, "higher_is_better": true } },
  { "key": "tput/adaptive/496/1/copy", "fault": null,
    "figure": { "name": "msg_per_s", "median": 8000000, "min": 7000000, "max": 9000000, "higher_is_better": true } } ] }
EOF
cat >"$dir/h2.json" <<'EOF'
{ "rtt": [
  { "key": "rtt/semaphore/16", "fault": null,
    "figure": { "name": "p50", "median": 108, "min": 105, "max": 130, "higher_is_better": false } },
  { "key": "rtt/adaptive/16", "fault": "p50 10 ns is below the spin floor's fastest window (120 ns)",
    "measured": { "name": "p50", "median": 10, "min": 9, "max": 11, "higher_is_better": false } } ],
  "throughput": [
  { "key": "tput/adaptive/16/1/copy", "fault": null,
    "floor_figure": { "median": 5500000000, "min": 5000000000, "max": 5800000000 },
    "figure": { "name": "msg_per_s", "median": 5000000, "min": 4000000, "max": 6000000, "higher_is_better": true } },
  { "key": "tput/adaptive/64/1/copy", "fault": null,
    "floor_figure": { "median": 1000000000, "min": 900000000, "max": 1100000000 },
    "figure": { "name": "msg_per_s", "median": 2000000, "min": 1900000, "max": 2100000, "higher_is_better": true } },
  { "key": "tput/adaptive/256/1/copy", "fault": null,
    "floor_figure": { "median": 1000000000, "min": 900000000, "max": 1100000000 },
    "relative": { "median": 0.52, "min": 0.50, "max": 0.60, "higher_is_better": true },
    "figure": { "name": "msg_per_s", "median": 2000000, "min": 1900000, "max": 2100000, "higher_is_better": true } },
  { "key": "tput/process/16/1/copy", "fault": null,
    "figure": { "name": "msg_per_s", "median": 1000000, "min": 900000, "max": 1100000, "higher_is_better": true } } ] }
EOF
"$ASVIRT" bench --compare "$dir/h1.json" "$dir/h2.json" >"$out" 2>&1
check "compare of the hand-made pair exits 0" test $? -eq 0
check "within the spreads: same, ratio B/A" grep -qE '^  rtt/semaphore/16 .* 1\.080  same$' "$out"
check "beyond the spreads: differs, B worse" grep -qE '^  tput/adaptive/16/1/copy .* 0\.500  differs: B worse$' "$out"
check "beyond the spreads with its floor: the machine changed" grep -qE '^  tput/adaptive/64/1/copy .* 0\.200  differs: B worse; its floor too \(B/A 0\.20\)$' "$out"
check "beyond the spreads, the floor moved along, the same ratio to it" grep -qE '^  tput/adaptive/256/1/copy .* 0\.200  same relative to its floor \(floor B/A 0\.20\)$' "$out"
check "a fault is no result" grep -qE '^  rtt/adaptive/16 .*  fault in B$' "$out"
check "a row only in A" grep -qE '^  tput/adaptive/496/1/copy .*  only in A$' "$out"
check "a row only in B" grep -qE '^  tput/process/16/1/copy .*  only in B$' "$out"
check "the tally" grep -qE '^7 rows: 1 same, 1 same relative to their floor, 1 differ, 1 differ with their floor, 2 only on one side, 1 measurement faults$' "$out"
"$ASVIRT" bench --compare "$dir/h2.json" "$dir/h1.json" >"$out" 2>&1
check "the other way round: B better" grep -qE '^  tput/adaptive/16/1/copy .* 2\.000  differs: B better$' "$out"

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

# --save: checked before the run, written after it
"$ASVIRT" bench --quick --quiet --save "$dir/no/such/dir.json" >"$out" 2>&1
check "--save to a path that cannot be written exits 1" test $? -eq 1
check "... saying why" grep -q 'no/such/dir.json: No such file or directory' "$out"
"$ASVIRT" bench --sockets --save "$dir/s.json" >"$out" 2>&1
check "--save with --sockets exits 2" test $? -eq 2
echo before >"$dir/keep.json"
ASVIRT_RUNNER=$dir/missing-runner "$ASVIRT" bench --quick --quiet --save "$dir/keep.json" >"$out" 2>&1
check "a run that fails exits 1" test $? -eq 1
check "... and leaves a file saved before as it was" test "$(cat "$dir/keep.json")" = before
ASVIRT_RUNNER=$dir/missing-runner "$ASVIRT" bench --quick --quiet --save "$dir/new.json" >"$out" 2>&1
check "... and no new file" test ! -e "$dir/new.json"

"$ASVIRT" bench --compare "$dir/h1.json" "$dir/missing.json" >"$out" 2>&1
check "compare with a missing file exits 1" test $? -eq 1
"$ASVIRT" bench --compare "$dir/h1.json" >"$out" 2>&1
check "compare with one file exits 2" test $? -eq 2
"$ASVIRT" bench --bogus >"$out" 2>&1
check "unknown option exits 2" test $? -eq 2
"$ASVIRT" bench --plot x.txt --quick --quiet >"$out" 2>&1
check "--plot with a bad extension exits 2 before measuring" test $? -eq 2

summary
