#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# `asvirt bench --cortex-m --quick`: the Cortex-M board's rows (round trip,
# the two streams, boot to the first name-service announcement) are printed
# as the other rows are, each next to the board's doorbell floor measured in
# the same run; --json rows parse and --compare matches them by key. No
# timed assertions: only that every figure is there and well formed.
set -u
ASVIRT=$1
. "$(dirname "$0")/checks.sh"
dir=$(mktemp -d)
out=$dir/out
trap 'rm -rf "$dir"' EXIT

"$ASVIRT" bench --cortex-m --quick --quiet >"$out" 2>&1
check "bench --cortex-m --quick exits 0" test $? -eq 0
n='[0-9]+'
check "round trip: p50 (min-max), p99, its floor (min-max), p99, ratio and target" \
	grep -qE "^  cortex-m rtt +16 B +$n ns +$n-$n +p99 +$n +floor +$n ns +$n-$n +p99 +$n +[0-9.]+x \(target 1\.5x: (met|MISSED)\)" "$out"
check "two streams, each with the doorbell's rate beside it" \
	test "$(grep -cE "^  cortex-m tput +(64|496) B +$n msg/s +$n-$n +floor +$n doorbell rtt/s +$n-$n +[0-9.]+ msgs per doorbell round trip" "$out")" -eq 2
check "boot to announcement with the floor image's boot and the target" \
	grep -qE "^  cortex-m boot +[0-9.]+ ms +[0-9.]+-[0-9.]+ +floor +[0-9.]+ ms +[0-9.]+-[0-9.]+ .*target < 500 ms: (met|MISSED)" "$out"
check "the board's console is not in the output" bash -c "! grep -q 'console:' '$out'"

"$ASVIRT" bench --cortex-m --quick --quiet --json >"$dir/a.json" 2>"$out"
check "bench --cortex-m --json exits 0" test $? -eq 0
check "json rows: keys, figures with spreads, floors before/after" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["cortex_m"]
assert [r["key"] for r in rows] == ["cortex-m/rtt/16", "cortex-m/tput/64",
                                    "cortex-m/tput/496", "cortex-m/boot"], rows
for r in rows:
    assert r["fault"] is None and r["tries"] == 1, r["key"]
    f, fl = r["figure"], r["floor_figure"]
    assert f["windows"] == d["windows"] and 0 < f["min"] <= f["median"] <= f["max"], r["key"]
    assert 0 < fl["min"] <= fl["median"] <= fl["max"], r["key"]
    assert fl["before"]["windows"] == fl["after"]["windows"] == 3, r["key"]
    assert f["higher_is_better"] == r["key"].startswith("cortex-m/tput/"), r["key"]
rtt = rows[0]
assert rtt["p99_ns"] >= rtt["figure"]["min"] and rtt["target_ratio"] == 1.5
assert abs(rtt["ratio"] - rtt["figure"]["median"] / rtt["floor_figure"]["median"]) < 0.01
assert rows[3]["target_ns"] == 500e6
' "$dir/a.json"
check "json rows: each window over its own floor (relative), as the threads' rows" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["cortex_m"]:
    re = r["relative"]
    assert re["name"] == "ratio_to_floor" and re["unit"] == "x", r["key"]
    assert re["windows"] == d["windows"] and 0 < re["min"] <= re["median"] <= re["max"], r["key"]
    assert re["floor"] == r["floor_figure"]["name"], r["key"]
    assert re["higher_is_better"] == r["figure"]["higher_is_better"], r["key"]
    # a window over a floor between the floor'"'"'s min and max: the ratio of
    # the medians lies within the windows'"'"' ratios stretched by the
    # floor'"'"'s spread
    f, fl = r["figure"], r["floor_figure"]
    assert f["min"] / fl["max"] <= re["median"] * 1.0001, r["key"]
    assert re["median"] <= f["max"] / fl["min"] * 1.0001, r["key"]
' "$dir/a.json"

"$ASVIRT" bench --compare "$dir/a.json" "$dir/a.json" >"$out" 2>&1
check "compare: a run against itself, 4 rows the same" \
	grep -qE '^4 rows: 4 same, 0 same relative to their floor, 0 differ, 0 differ with their floor, 0 only on one side, 0 measurement faults$' "$out"
# A1 -> B: the round trip 10x slower with its floor unchanged (A1: A with
# the round trip's spread narrowed to its median, so that 10x is beyond it:
# under ASan on a loaded machine its windows spanned more than 10x)
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = d["cortex_m"][0]["figure"]
f["min"] = f["max"] = f["median"]
json.dump(d, open(sys.argv[2], "w"))
for k in ("median", "min", "max"):
    f[k] *= 10
json.dump(d, open(sys.argv[3], "w"))' "$dir/a.json" "$dir/a1.json" "$dir/b.json"
"$ASVIRT" bench --compare "$dir/a1.json" "$dir/b.json" >"$out" 2>&1
check "compare: a slower round trip is worse" grep -qE '^  cortex-m/rtt/16 .* 10\.000  differs: B worse$' "$out"

# A2 -> C: the machine 3x slower, the round trip and its floor alike
# (A2: A with the round trip's and its floor's spreads narrowed to their
# medians, so that 3x is beyond them; the relative figure is A's)
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["cortex_m"][0]
for f in (r["figure"], r["floor_figure"]):
    f["min"] = f["max"] = f["median"]
json.dump(d, open(sys.argv[2], "w"))
for f in (r["figure"], r["floor_figure"]):
    for k in ("median", "min", "max"):
        f[k] *= 3
json.dump(d, open(sys.argv[3], "w"))' "$dir/a.json" "$dir/a2.json" "$dir/c.json"
"$ASVIRT" bench --compare "$dir/a2.json" "$dir/c.json" >"$out" 2>&1
check "compare: a round trip slower with its floor is the same relative to it" \
	grep -qE '^  cortex-m/rtt/16 .*same relative to its floor' "$out"

ASVIRT_QEMU_ARM=/nonexistent/qemu "$ASVIRT" bench --cortex-m --quick --quiet >"$out" 2>&1
check "no QEMU: --cortex-m fails (exit 1), saying why" test $? -eq 1
check "  ... naming what is missing" grep -q 'cortex-m: /nonexistent/qemu not found' "$out"
summary test_bench_cm
