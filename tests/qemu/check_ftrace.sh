#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# The host's half of the QEMU suite's step x-ftrace (tests/qemu/run.sh): the
# guest printed its ftrace capture of asvirt:asvirt_event (one echo of
# "hello ftrace" through /dev/rpmsg) on the console; this takes it out of
# the serial log, converts it with asvirt trace convert, checks the JSON
# against the trace-event format (tests/cli/check_trace_json.py) and decodes
# the pcap with tshark and tools/wireshark/asvirt.lua: the echo received on
# vring 1 and sent back on vring 0, the rpmsg header's fields and the payload.
#
#   tests/qemu/check_ftrace.sh SERIAL.LOG OUTDIR PATH/TO/asvirt
#
# Prints "ASVIRT-PASS: x-ftrace-host" or "ASVIRT-FAIL: x-ftrace-host: why";
# exits 0 or 1.
set -uo pipefail
LOG=$1
OUT=$2
ASVIRT=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAME=x-ftrace-host
fail() { echo "ASVIRT-FAIL: $NAME: $*"; exit 1; }

[ -x "$ASVIRT" ] || fail "no $ASVIRT: build the host tools first (make build)"
command -v tshark >/dev/null || fail "no tshark (scripts/deps.sh check installs it)"
mkdir -p "$OUT"
# the console adds CRs; the capture's own lines keep everything else
sed -n '/^ASVIRT-FTRACE-BEGIN/,/^ASVIRT-FTRACE-END/p' "$LOG" | tr -d '\r' |
	sed -n 's/^ASVIRT-FTRACE: //p' >"$OUT/ftrace.txt"
[ -s "$OUT/ftrace.txt" ] || fail "no capture in $LOG"
"$ASVIRT" trace convert --json "$OUT/ftrace.json" --pcap "$OUT/ftrace.pcap" "$OUT/ftrace.txt" ||
	fail "asvirt trace convert refused $OUT/ftrace.txt"
why=$(python3 "$ROOT/tests/cli/check_trace_json.py" "$OUT/ftrace.json") ||
	fail "JSON not in trace-event format: $why"
why=$(python3 - "$OUT/ftrace.json" 2>&1 <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
msgs = [e for e in ev if e["ph"] == "X" and e["args"].get("payload") == "hello ftrace".encode().hex()]
kinds = sorted(e["name"].split()[0] for e in msgs)
assert kinds == ["receive", "send"], f"the echo's slices: {kinds}"
assert any(e["ph"] == "B" and e["name"] == "ISR" for e in ev), "no ISR slice"
PY
) || fail "JSON: $(echo "$why" | tail -1)"
# tshark warns when run as root: its stderr is not the data
tshark -X lua_script:"$ROOT/tools/wireshark/asvirt.lua" -r "$OUT/ftrace.pcap" -T fields \
	-e asvirt.direction -e asvirt.vring -e asvirt.event -e rpmsg.src -e rpmsg.dst \
	-e rpmsg.len -e rpmsg.payload 2>/dev/null >"$OUT/ftrace.fields" || fail "tshark"
hello=$(printf 'hello ftrace' | od -An -tx1 | tr -d ' \n')
# the echo app at 0x400 answers the endpoint's address; the MCU received
# it on vring 1 (host -> remote, event 9) and sent it on vring 0 (event 8)
grep -P "^0\t1\t9\t0x[0-9a-f]{8}\t0x00000400\t12\t$hello\$" "$OUT/ftrace.fields" >/dev/null ||
	fail "pcap: no 'hello ftrace' received on vring 1: $(cat "$OUT/ftrace.fields")"
grep -P "^1\t0\t8\t0x00000400\t0x[0-9a-f]{8}\t12\t$hello\$" "$OUT/ftrace.fields" >/dev/null ||
	fail "pcap: no 'hello ftrace' echoed on vring 0: $(cat "$OUT/ftrace.fields")"
echo "ASVIRT-PASS: $NAME ($(wc -l <"$OUT/ftrace.fields") messages decoded, $OUT/ftrace.pcap)"
