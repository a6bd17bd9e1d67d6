#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt up with a firmware that stops answering while a client sends
# (issue 12, item 1): the firmware process is SIGSTOPped, a client keeps
# sending, so every send waits its 2 s for a tx buffer the firmware never
# gives back. `asvirt status` must still answer, request after request,
# and the watchdog must still find the firmware hung: neither may wait
# behind the sends. (Before the fix the poll loop sent under the firmware's
# lock for up to 2 s a message, so status and the watchdog queued behind
# a backlog of such sends.) The 1 s bounds are hang detectors, half the
# 2 s a single send may wait, not performance figures.
# Usage: test_up_stalled.sh PATH/TO/asvirt FIRMWARE_DIR
set -u
ASVIRT=$1
FW=$2
. "$(dirname "$0")/checks.sh"

RT=$(mktemp -d /tmp/asvirt-stall-test.XXXXXX)
export ASVIRT_RUNTIME_DIR=$RT/rt
out=$RT/out
pid=
sender=
cleanup() {
	[ -n "$sender" ] && kill "$sender" 2>/dev/null
	[ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null
	"$ASVIRT" stop >/dev/null 2>&1
	rm -rf "$RT"
}
trap cleanup EXIT

# the watchdog fires 4 s after the firmware stops: time for the status
# requests first (recovery itself holds the firmware's lock while it restarts)
timeout 60 "$ASVIRT" up -d --watchdog 4000 "$FW/asvirt-echo.so" >"$out" 2>&1
check "up -d exits 0" test $? -eq 0
pid=$(python3 -c "import json,subprocess; d=json.loads(subprocess.check_output(['$ASVIRT','status','--json'])); print(d['firmware'][0]['pid'])")
check "firmware pid known" test -n "$pid"

kill -STOP "$pid"
# 256 messages take every tx buffer; the rest wait in the socket
python3 - "$ASVIRT_RUNTIME_DIR" "$RT/queued" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1] + "/echo/rpmsg-echo")
s.setblocking(False)
sent = 0
try:
    while sent < 600:
        s.send(b"stalled %d" % sent)
        sent += 1
except BlockingIOError:
    pass
open(sys.argv[2], "w").write("%d %d\n" % (sent, os.getpid()))
time.sleep(60) # the connection stays open: its messages stay queued
PY
sender=$!
for _ in $(seq 100); do [ -s "$RT/queued" ] && break; sleep 0.05; done
read -r queued client <"$RT/queued"
check "client queued more than the 256 tx buffers" test "$queued" -gt 256
sleep 0.3
for i in 1 2 3 4 5; do
	timeout 1 "$ASVIRT" status >"$out" 2>&1
	check "status $i answers while sends wait" test $? -eq 0
done
check "status: firmware still listed" grep -qE "^echo +running" "$out"

found=0
for _ in $(seq 150); do
	"$ASVIRT" status --json >"$out" 2>/dev/null
	if python3 -c "
import json; d=json.load(open('$out'))
f=d['firmware'][0]
assert f['crashes'] >= 1 and 'watchdog' in f['last_crash']" 2>/dev/null; then
		found=1
		break
	fi
	sleep 0.1
done
check "watchdog: the stopped firmware found hung" test $found -eq 1
check "watchdog: logged" grep -q "echo: crashed: watchdog: no heartbeat" "$ASVIRT_RUNTIME_DIR/asvirt.log"
"$ASVIRT" stop >/dev/null 2>&1
check "stop exits 0" test $? -eq 0
# $! must be the client itself, or it outlives the test holding ctest's
# pipe open for its whole sleep (a python3 shell function run in the
# background is a subshell, which the kill would leave its child to)
kill "$sender" 2>/dev/null
wait "$sender" 2>/dev/null
sender=
check "the client ended with the kill" bash -c "[ -n '$client' ] && ! kill -0 '$client' 2>/dev/null"
check "no sanitizer reports" bash -c "! grep -q Sanitizer '$ASVIRT_RUNTIME_DIR/asvirt.log'"
summary
