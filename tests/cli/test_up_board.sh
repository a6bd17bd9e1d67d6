#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# End to end with a board-level image (asvirt/board.h, docs/board.md): the
# test image asvirt-board-echo.so carries asvirt's core as a library of its
# own and gets only the board from the runner. fw-check tells the two kinds
# apart and refuses an image of both kinds and one built against another
# struct asv_board (as does up); the image imports nothing of asvirt; under
# `asvirt up`, next to an app image, 10,000 echo round trips of 1..496 bytes
# with checksums through its channel socket; killed, and a fatal error it
# reports through the board, and a handler that never returns (the
# watchdog), each a crash the host names and recovers from; the trace and console lines; no sanitizer report; the same over
# eventfd doorbells.
# Usage: test_up_board.sh PATH/TO/asvirt FIRMWARE_DIR
set -u
ASVIRT=$1
FW=$2
IMG=$FW/asvirt-board-echo.so
. "$(dirname "$0")/checks.sh"

up_sandbox board

# one echo round trip through NAME's socket
"$ASVIRT" fw-check "$IMG" >"$out" 2>&1
check "fw-check: a board-level image" grep -q "a board-level image (exports asvirt_board_firmware" "$out"
"$ASVIRT" fw-check "$FW/asvirt-echo.so" >"$out" 2>&1
check "fw-check: an app image" grep -q "an app image (exports asvirt_firmware" "$out"
# the seam: nothing of asvirt taken from the runner, nothing of the core
# offered to it (the core inside is the image's own)
check "image: imports no asvirt symbol" bash -c "! nm -D --undefined-only '$IMG' | grep -q ' asv_'"
check "image: exports only its entry and table" bash -c \
	"test \"\$(nm -D --defined-only '$IMG' | awk '\$2 != \"w\" {print \$3}' | grep -v '^_' | sort | tr '\n' ' ')\" = 'asvirt_board_firmware asvirt_resource_table '"

# refused: an image of both kinds; one built against another struct asv_board
"$ASVIRT" fw-check "$FW/asvirt-test-both-kinds.so" >"$out" 2>&1
check "fw-check: both kinds refused" test $? -eq 1
check "fw-check: says an image is one kind" grep -q \
	"exports both asvirt_firmware and asvirt_board_firmware: an image is one kind" "$out"
"$ASVIRT" fw-check "$FW/asvirt-test-board-skewed.so" >"$out" 2>&1
check "fw-check: skewed board image refused" test $? -eq 1
check "fw-check: names sizeof(struct asv_board), 8 apart" python3 -c "
import re,sys
m=re.search(r'board firmware built with sizeof\(struct asv_board\) = (\d+), this asvirt has (\d+)', open('$out').read())
sys.exit(0 if m and int(m.group(1)) == int(m.group(2)) + 8 else 1)"
timeout 60 "$ASVIRT" up -d "$FW/asvirt-test-board-skewed.so" >"$out" 2>&1
check "up: skewed board image refused" test $? -ne 0
check "up: says what differs" grep -q "board firmware built with sizeof(struct asv_board)" "$out"

timeout 60 "$ASVIRT" up -d --watchdog 3000 "$IMG" "$FW/asvirt-echo.so" >"$out" 2>&1
check "up -d: a board-level and an app image" grep -q "^asvirt: ready: 2 firmware, 2 channels" "$out"
check "up: loaded as board-level" grep -q "board-echo: loaded .*asvirt-board-echo.so (ELF64, resource table [0-9]* bytes, board-level)" "$out"
check "up: the board image's channel" test -S "$ASVIRT_RUNTIME_DIR/board-echo/rpmsg-echo"
check "up: the board's console in the log" \
	grep -q "board-echo: console: board-echo: up" "$ASVIRT_RUNTIME_DIR/asvirt.log"
check "up: the runner names the window and the vrings" grep -q \
	"board firmware board-echo .* starting: window 0x10000000+0x100000, 2 vrings" \
	"$ASVIRT_RUNTIME_DIR/asvirt.log"

chan_sizes board-echo/rpmsg-echo 10000 13 >"$out" 2>&1
check "echo: 10,000 round trips of 1..496 bytes, checksums match" grep -q "round trips ok" "$out"
cat "$out"
"$ASVIRT" log board-echo >"$out"
check "log: the image's own trace" grep -q "board-echo: asvirt's core over the board" "$out"
check "log: its link came up" grep -q "link up" "$out"

# killed: a crash, recovered, the channel back
old=$(fw_pid board-echo)
"$ASVIRT" crash board-echo >/dev/null 2>&1
check "crash: board-echo restarted" wait_restarted board-echo 1
"$ASVIRT" status --json >"$out"
check "crash: seen as killed by signal 9" python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='board-echo'][0]
assert f['crashes']==1 and 'signal 9' in f['last_crash'], f"
check "crash: the old process is gone" bash -c "! kill -0 $old 2>/dev/null"
check "crash: the channel works again" chan_echo board-echo/rpmsg-echo "after crash"

# a fatal error reported through the board: the host names it and recovers
chan_send board-echo/rpmsg-echo "board-fatal:asked by the test"
check "fatal: board-echo restarted" wait_restarted board-echo 2
"$ASVIRT" status --json >"$out"
check "fatal: the crash carries the firmware's reason" python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='board-echo'][0]
assert f['crashes']==2, f
assert f['last_crash']=='firmware reported a fatal error: asked by the test', f"
check "fatal: on the console" grep -q "board-echo: console: fatal: asked by the test" \
	"$ASVIRT_RUNTIME_DIR/asvirt.log"
check "fatal: the channel works again" chan_echo board-echo/rpmsg-echo "after fatal"
# a handler that never returns: the board's heartbeat stops, the watchdog
# ends the instance
chan_send board-echo/rpmsg-echo "board-hang"
check "hang: board-echo restarted" wait_restarted board-echo 3
"$ASVIRT" status --json >"$out"
check "hang: seen by the watchdog" python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='board-echo'][0]
assert f['crashes']==3 and 'watchdog: no heartbeat' in f['last_crash'], f"
check "hang: the channel works again" chan_echo board-echo/rpmsg-echo "after hang"
check "the app image beside it never crashed" python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='echo'][0]
assert f['crashes']==0, f"
check "the app image answers" chan_echo echo/rpmsg-echo "app"

"$ASVIRT" stop >"$out" 2>&1
check "stop exits 0" test $? -eq 0
check "stop: sockets removed" test ! -e "$ASVIRT_RUNTIME_DIR/board-echo/rpmsg-echo"
check "no sanitizer reports in the log" bash -c "! grep -q Sanitizer '$ASVIRT_RUNTIME_DIR/asvirt.log'"

# the eventfd doorbells carry the same board
timeout 60 "$ASVIRT" up -d --doorbell eventfd "$IMG" >"$out" 2>&1
check "eventfd: up" grep -q "^asvirt: ready: 1 firmware, 1 channel" "$out"
python3 - "$ASVIRT_RUNTIME_DIR" >"$out" 2>&1 <<'PY'
import socket, sys, zlib
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect(sys.argv[1] + "/board-echo/rpmsg-echo")
for i in range(1000):
    m = bytes((i + k) & 0xff for k in range(1 + i % 496))
    s.send(m)
    assert zlib.crc32(s.recv(1024)) == zlib.crc32(m), i
print("eventfd ok")
PY
check "eventfd: 1,000 round trips" grep -q "eventfd ok" "$out"
"$ASVIRT" stop >/dev/null 2>&1

summary test_up_board
