#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# A build without protocol events (cmake -DASVIRT_EVENTS=OFF, the baseline
# of docs/trace.md's cost figures): the demo runs, and every option that
# needs events refuses with a reason, writing no file and starting nothing.
# Usage: test_trace_off.sh PATH/TO/asvirt
set -u
ASVIRT=$1
here=$(dirname "$0")
. "$here/checks.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$ASVIRT" demo -n 3 >"$dir/out" 2>&1
check "demo runs" test $? -eq 0
check "demo: 3 incoming messages" test "$(grep -c 'incoming msg' "$dir/out")" -eq 3

refuses() { # name, args...
	local name=$1
	shift
	"$ASVIRT" "$@" >"$dir/out" 2>&1
	check "$name exits 2" test $? -eq 2
	check "$name says why" grep -q "built without protocol events (-DASVIRT_EVENTS=OFF)" "$dir/out"
}
refuses "demo --trace" demo --trace "$dir/t.json"
refuses "demo --pcap" demo --pcap "$dir/t.pcap"
refuses "demo --process --trace" demo --process --trace "$dir/t.json"
refuses "demo --explain" demo --explain
refuses "up --trace" up --trace "$dir/t.json" nosuch.so
refuses "up --pcap" up --pcap "$dir/t.pcap" nosuch.so
check "no file written" test ! -e "$dir/t.json" -a ! -e "$dir/t.pcap"
summary test_trace_off
