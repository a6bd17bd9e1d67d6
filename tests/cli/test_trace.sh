#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt demo --trace / --pcap, threads and --process: the JSON is checked
# against the trace-event format (check_trace_json.py: flows, slices,
# per-track time order) with a flow for every message (100 each way and
# the name-service CREATE); the pcap is decoded by tshark with the
# repository's dissector (tools/wireshark/asvirt.lua) and its fields checked.
# Then asvirt up --trace/--pcap with the echo firmware across a crash and
# its recovery, written by asvirt trace stop: one trace of both instances.
# Then asvirt trace convert on a capture of the kernel module's ftrace events.
# Usage: test_trace.sh PATH/TO/asvirt [tshark]   (no tshark: pcap not decoded)
set -u
ASVIRT=$1
TSHARK=${2:-}
here=$(dirname "$0")
LUA=$here/../../tools/wireshark/asvirt.lua
. "$here/checks.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
HELLO=68656c6c6f20776f726c6421 # "hello world!"

not_dropped() { ! grep -q "dropped" "$1"; }
not() { ! "$@"; }
quiet() { "$@" >/dev/null 2>&1; }

fields() { # pcap, fields...
	local f=$1 args=()
	shift
	for x in "$@"; do args+=(-e "$x"); done
	# tshark warns when run as root: its stderr is not the data
	"$TSHARK" -X lua_script:"$LUA" -r "$f" -T fields "${args[@]}" 2>/dev/null
}

for mode in threads process; do
	opt=
	[ $mode = process ] && opt=--process
	check "$mode: demo --trace --pcap" "$ASVIRT" demo $opt -n 100 --trace "$dir/$mode.json" \
		--pcap "$dir/$mode.pcap" >"$dir/$mode.out" 2>&1
	check "$mode: said goodbye" grep -q "goodbye!" "$dir/$mode.out"
	check "$mode: nothing dropped" not_dropped "$dir/$mode.out"
	check "$mode: JSON is trace-event format, 201 flows" \
		python3 "$here/check_trace_json.py" "$dir/$mode.json" --expect-flows 201
	check "$mode: JSON has both roles' ISR threads and the NS decoded" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
isr = {(e["pid"], e["tid"]) for e in ev if e["ph"] == "B" and e["name"] == "ISR"}
assert isr == {(1, 1), (2, 1)}, isr
ns = [e for e in ev if e["name"].startswith("ns create")]
assert ns and ns[0]["args"]["name"] == "rpmsg-client-sample" and ns[0]["args"]["addr"] == 1024, ns
recv = [e for e in ev if e["ph"] == "X" and e["name"].startswith("receive")]
assert len(recv) == 201, len(recv)
' "$dir/$mode.json"
	[ -n "$TSHARK" ] || continue
	fields "$dir/$mode.pcap" asvirt.direction asvirt.vring rpmsg.src rpmsg.dst rpmsg.len \
		rpmsg.payload rpmsg_ns.name rpmsg_ns.addr rpmsg_ns.flags >"$dir/$mode.txt"
	check "$mode: pcap: 201 records" test "$(wc -l <"$dir/$mode.txt")" -eq 201
	check "$mode: pcap: name service CREATE rpmsg-client-sample at 0x400, first" \
		test "$(head -1 "$dir/$mode.txt" | cut -f1-5,7-9)" = \
		"$(printf '1\t0\t0x00000400\t0x00000035\t40\trpmsg-client-sample\t0x00000400\t0')"
	check "$mode: pcap: 100 hello world! host -> remote on vring 1, 0x400 -> 0x400" test \
		"$(grep -c "^0	1	0x00000400	0x00000400	12	$HELLO	" "$dir/$mode.txt")" -eq 100
	check "$mode: pcap: 100 replies remote -> host on vring 0" test \
		"$(grep -c "^1	0	0x00000400	0x00000400	12	$HELLO	" "$dir/$mode.txt")" -eq 100
done

# asvirt up: 3 echoes, a crash, 1 echo after the restart, trace stop.
up_sandbox trace
FW=$(dirname "$ASVIRT")/firmware/asvirt-echo.so
echoes() { # count
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect(sys.argv[1])
for i in range(int(sys.argv[2])):
    m = b"echo %d" % i
    s.send(m)
    assert s.recv(600) == m
' "$ASVIRT_RUNTIME_DIR/echo/rpmsg-echo" "$1"
}
restarted() {
	local i
	for i in $(seq 100); do
		"$ASVIRT" status 2>/dev/null | grep -q "restarts 1" && [ -S "$ASVIRT_RUNTIME_DIR/echo/rpmsg-echo" ] &&
			return 0
		sleep 0.1
	done
	return 1
}
check "up: --trace --pcap starts" quiet "$ASVIRT" up -d --trace "$RT/up.json" --pcap "$RT/up.pcap" "$FW"
check "up: 3 echoes" echoes 3
check "up: crash" quiet "$ASVIRT" crash echo
check "up: restarted" restarted
check "up: 1 echo after the restart" echoes 1
"$ASVIRT" trace stop >"$out" 2>&1
check "up: trace stop writes both files, nothing dropped" grep -q "^trace: [0-9]* events, 0 dropped, $RT/up.json, $RT/up.pcap" "$out"
check "up: a second trace stop says there is none" not quiet "$ASVIRT" trace stop
check "up: JSON: both instances' NS CREATE and the 8 messages, all flows closed" \
	python3 "$here/check_trace_json.py" "$RT/up.json" --expect-flows 10
if [ -n "$TSHARK" ]; then
	fields "$RT/up.pcap" asvirt.direction rpmsg.dst rpmsg_ns.name >"$RT/up.txt"
	check "up: pcap: 2 CREATEs of rpmsg-echo (before and after the crash)" \
		test "$(grep -c "^1	0x00000035	rpmsg-echo$" "$RT/up.txt")" -eq 2
	check "up: pcap: 4 messages each way" test "$(grep -c "^0	0x00000400" "$RT/up.txt")" -eq 4 -a \
		"$(grep -c "^1	0x00000400" "$RT/up.txt")" -eq 4
fi
"$ASVIRT" stop >/dev/null 2>&1

# asvirt trace convert: a capture of the kernel module's asvirt:asvirt_event
# from the QEMU suite's 6.1 guest (step x: "hello ftrace" echoed through
# /dev/rpmsg), the same JSON and pcap; a garbled line refused by number.
CAP=$here/../../fuzz/regress/fuzz_ftrace/echo-6.1.txt
check "convert: the guest's capture" quiet "$ASVIRT" trace convert --json "$dir/k.json" \
	--pcap "$dir/k.pcap" "$CAP"
check "convert: JSON is trace-event format" python3 "$here/check_trace_json.py" "$dir/k.json"
check "convert: JSON has the MCU's ISR runs and the echo's receive and send" python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
assert any(e["ph"] == "M" and e["args"]["name"] == "mcu0 remote" for e in ev)
assert sum(e["ph"] == "B" and e["name"] == "ISR" for e in ev) == 2
msg = [e["name"].split()[0] for e in ev if e["ph"] == "X"
       and e["args"].get("payload") == b"hello ftrace".hex()]
assert msg == ["receive", "send"], msg
' "$dir/k.json"
if [ -n "$TSHARK" ]; then
	fields "$dir/k.pcap" asvirt.direction asvirt.vring asvirt.event rpmsg.src rpmsg.dst \
		rpmsg.len rpmsg.payload >"$dir/k.txt"
	check "convert: pcap: the echo received on vring 1, sent back on vring 0" test \
		"$(tail -2 "$dir/k.txt")" = "$(printf '0\t1\t9\t0x00000400\t0x00000400\t12\t%s\n1\t0\t8\t0x00000400\t0x00000400\t12\t%s' \
		68656c6c6f20667472616365 68656c6c6f20667472616365)"
fi
sed '20s/kind=[a-z-]*/kind=bogus/' "$CAP" >"$dir/bad.txt"
"$ASVIRT" trace convert --pcap "$dir/bad.pcap" "$dir/bad.txt" >"$out" 2>&1
check "convert: a garbled line refused, by number" grep -q "bad.txt: line 20: unknown kind" "$out"
summary test_trace
