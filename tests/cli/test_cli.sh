#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# End-to-end checks of the asvirt command: the demo's output and exit
# status, help texts, usage errors. Usage: test_cli.sh PATH/TO/asvirt
set -u
ASVIRT=$1
. "$(dirname "$0")/checks.sh"

out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$ASVIRT" demo >"$out" 2>&1
check "demo exits 0" test $? -eq 0
check "demo: new channel with both addresses" \
	grep -qE '^rpmsg_client_sample virtio0\.rpmsg-client-sample\.-1\.1024: new channel: 0x400 -> 0x400!$' "$out"
check "demo: 100 incoming messages" test "$(grep -c 'incoming msg [0-9]* (src: 0x400)$' "$out")" -eq 100
check "demo: numbered 1..100 in order" \
	test "$(grep -o 'incoming msg [0-9]*' "$out" | awk '{print $3}' | tr '\n' ' ')" = "$(seq -s ' ' 1 100) "
check "demo: goodbye!" grep -q 'goodbye!$' "$out"
check "demo: no error lines" bash -c "! grep -qi 'error' '$out'"

"$ASVIRT" demo --process >"$out" 2>&1
check "demo --process exits 0" test $? -eq 0
check "demo --process: separate process" grep -q 'separate process' "$out"
check "demo --process: new channel" grep -qE 'new channel: 0x400 -> 0x400!$' "$out"
check "demo --process: 100 incoming messages" test "$(grep -c 'incoming msg [0-9]* (src: 0x400)$' "$out")" -eq 100
check "demo --process: goodbye!" grep -q 'goodbye!$' "$out"

"$ASVIRT" demo -n 5 >"$out" 2>&1
check "demo -n 5 exits 0" test $? -eq 0
check "demo -n 5: five messages" test "$(grep -c 'incoming msg' "$out")" -eq 5

"$ASVIRT" --help >"$out" 2>&1
check "--help exits 0" test $? -eq 0
check "--help lists demo" grep -q '^  demo ' "$out"
"$ASVIRT" demo --help >"$out" 2>&1
check "demo --help exits 0" test $? -eq 0
check "demo --help shows usage" grep -q '^usage: asvirt demo' "$out"

"$ASVIRT" >"$out" 2>&1
check "no command: exit 2" test $? -eq 2
"$ASVIRT" frobnicate >"$out" 2>&1
check "unknown command: exit 2" test $? -eq 2
check "unknown command: says so" grep -q "unknown command 'frobnicate'" "$out"
"$ASVIRT" demo --count 0 >"$out" 2>&1
check "demo --count 0: exit 2" test $? -eq 2
"$ASVIRT" demo --bogus >"$out" 2>&1
check "demo --bogus: exit 2" test $? -eq 2
"$ASVIRT" demo extra >"$out" 2>&1
check "demo extra arg: exit 2" test $? -eq 2
"$ASVIRT" apps >"$out" 2>&1
check "apps lists echo and client-sample" grep -q '^client-sample' "$out"

summary
