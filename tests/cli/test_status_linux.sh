#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt status with `asvirt up --linux` sessions: a session is
# RUNDIR/linux-PID/session (cli/up_linux_session.c), listed while PID runs,
# as text and inside --json ("linux_sessions"), next to the daemon's status
# or alone. The file is untrusted: one that is not a session object is
# skipped, not shown half. (qemu/check-bridge.sh checks what a real session
# writes; this checks the reading side without QEMU.)
set -u
ASVIRT=$1
FW=$2
. "$(dirname "$0")/checks.sh"
up_sandbox status-linux
mkdir -p "$ASVIRT_RUNTIME_DIR"

"$ASVIRT" status --json >"$out" 2>&1
check "nothing runs: status --json exits 3" test $? -eq 3
check "  ... and says so, with no sessions" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"running": False, "linux_sessions": []}, d' "$out"

sleep 300 &
live=$!
sleep 300 &
corrupt=$!
trap 'kill $live $corrupt $corrupt2 $corrupt3 $corrupt4 2>/dev/null; "$ASVIRT" stop >/dev/null 2>&1; rm -rf "$RT"' EXIT
session() { # pid, json
	mkdir -p "$ASVIRT_RUNTIME_DIR/linux-$1"
	printf '%s\n' "$2" >"$ASVIRT_RUNTIME_DIR/linux-$1/session"
}
# two firmware, two ivshmem servers (asvirt up --linux A.so B.so)
session $live '{"qemu_pid":4242,"machine":"arm virt","accel":"tcg","mem_mb":512,"firmware":[{"file":"echo.so","pid":4343,"state":"running","restarts":7,"ivshmem_socket":"/x/ivshmem0.sock"},{"file":"sample.so","pid":0,"state":"did not restart","restarts":1,"ivshmem_socket":"/x/ivshmem1.sock"}]}'
# a PID that no longer runs (the session ended without cleaning up)
sh -c 'exit 0' &
dead=$!
wait $dead
session $dead '{"qemu_pid":1,"machine":"x86_64 pc","accel":"tcg","mem_mb":512,"firmware":[{"file":"dead.so","pid":2,"state":"running","restarts":0,"ivshmem_socket":"s"}]}'
# live PIDs whose file is not a session: a field of the wrong type; one
# firmware of two without its socket; no firmware; the firmware an object
# (the format of one firmware per session, before several)
session $corrupt '{"qemu_pid":"4242","machine":"x86_64 pc","accel":"tcg","mem_mb":512,"firmware":[{"file":"bad.so","pid":1,"state":"running","restarts":0,"ivshmem_socket":"s"}]}'
sleep 300 &
corrupt2=$!
session $corrupt2 '{"qemu_pid":5,"machine":"x86_64 pc","accel":"tcg","mem_mb":512,"firmware":[{"file":"bad.so","pid":1,"state":"running","restarts":0,"ivshmem_socket":"s"},{"file":"bad.so","pid":1,"state":"running","restarts":0}]}'
sleep 300 &
corrupt3=$!
session $corrupt3 '{"qemu_pid":5,"machine":"x86_64 pc","accel":"tcg","mem_mb":512,"firmware":[]}'
sleep 300 &
corrupt4=$!
session $corrupt4 '{"qemu_pid":5,"machine":"x86_64 pc","accel":"tcg","mem_mb":512,"ivshmem_socket":"s","firmware":{"file":"bad.so","pid":1,"state":"running","restarts":0}}'

"$ASVIRT" status >"$out" 2>&1
check "a live session: status exits 0 (no daemon needed)" test $? -eq 0
check "  ... names the session" grep -qx "asvirt up --linux (pid $live)" "$out"
check "  ... Linux's side" grep -qx "  linux: QEMU pid 4242 (arm virt, tcg accel, 512 MB)" "$out"
check "  ... each firmware's side, in order, with its ivshmem server" diff - <(sed -n '/^  firmware/,$p' "$out") <<'EOF'
  firmware echo.so: pid 4343, running, restarts 7
    ivshmem server /x/ivshmem0.sock
  firmware sample.so: pid 0, did not restart, restarts 1
    ivshmem server /x/ivshmem1.sock
EOF
check "  ... not the dead session's nor the corrupt files'" \
	bash -c "! grep -qE 'dead.so|bad.so|pid ($dead|$corrupt|$corrupt2|$corrupt3|$corrupt4)\\)' '$out'"

"$ASVIRT" status --json >"$out" 2>&1
check "status --json: exit 0 with a session and no daemon" test $? -eq 0
check "  ... the session's fields, its pid added" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["running"] is False, d
s = d["linux_sessions"]
assert len(s) == 1, s
s = s[0]
assert s["pid"] == int(sys.argv[2]) and s["qemu_pid"] == 4242 and s["accel"] == "tcg", s
assert s["machine"] == "arm virt", s
assert s["mem_mb"] == 512, s
assert s["firmware"] == [
    {"file": "echo.so", "pid": 4343, "state": "running", "restarts": 7,
     "ivshmem_socket": "/x/ivshmem0.sock"},
    {"file": "sample.so", "pid": 0, "state": "did not restart", "restarts": 1,
     "ivshmem_socket": "/x/ivshmem1.sock"}], s
' "$out" $live

# next to a running daemon: its status, with the sessions in it
"$ASVIRT" up -d "$FW/asvirt-echo.so" >"$RT/up.log" 2>&1
check "asvirt up -d starts" test $? -eq 0
"$ASVIRT" status --json >"$out" 2>&1
check "status --json with a daemon: its firmware and the session" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [f["name"] for f in d["firmware"]] == ["echo"], d
assert [s["pid"] for s in d["linux_sessions"]] == [int(sys.argv[2])], d
' "$out" $live
"$ASVIRT" status >"$out" 2>&1
check "status (text) with a daemon: the session, then the firmware" \
	bash -c "grep -q 'asvirt up --linux (pid $live)' '$out' && grep -q 'echo' '$out'"
summary test_status_linux
