#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt up --fault (issue 18, item 2): firmware that misbehaves on purpose
# (asvirt/fault.h, applied in its runner) against asvirt's own host, which
# must react as Linux 6.1 does (docs/faults.md): a message with a bad
# length is dropped and reported and the next one arrives; a crash is
# reported, the firmware restarted (without crashing again) and its
# channel works. Bad specs are refused before anything starts.
# Usage: test_up_fault.sh PATH/TO/asvirt FIRMWARE_DIR
set -u
ASVIRT=$1
FW=$2
. "$(dirname "$0")/checks.sh"
up_sandbox fault

for bad in explode=1 crash-after=0 drop-kick=5/4 stall=50 corrupt=len@0 :stall=1ms "stall=5ms,"; do
	"$ASVIRT" up --fault "$bad" "$FW/asvirt-echo.so" >"$out" 2>&1
	rc=$?
	check "--fault $bad refused (exit 2, a reason)" \
		bash -c "[ $rc = 2 ] && grep -q 'asvirt up: --fault' '$out'"
done
check "refused before anything started" bash -c "! '$ASVIRT' status >/dev/null 2>&1"

# echo: the NS announcement, one echo, then the 3rd message corrupt;
# echo-2: the NS announcement and 3 echoes, then it crashes
timeout 60 "$ASVIRT" up -d --fault echo:corrupt=len@3 --fault echo-2:crash-after=4 \
	"$FW/asvirt-echo.so" "$FW/asvirt-echo.so" >"$out" 2>&1
check "up -d with two fault plans exits 0" test $? -eq 0

# corrupt=len: B's echo is dropped by the host with a log line, C's arrives
python3 - "$ASVIRT_RUNTIME_DIR/echo/rpmsg-echo" >"$out" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect(sys.argv[1])
s.send(b"A"); print(s.recv(600))
s.send(b"B"); s.send(b"C"); print(s.recv(600))
PY
check "corrupt=len: A echoed, B dropped, C echoed" \
	bash -c "[ \"\$(tr '\n' ' ' <'$out')\" = \"b'A' b'C' \" ]"
check "corrupt=len: the host reports the drop" \
	grep -q "dropped message 0x.* -> 0x.*: len 65535 exceeds its .*-byte buffer (EBADMSG)" \
	"$ASVIRT_RUNTIME_DIR/asvirt.log"

# crash-after=4: three echoes, then the firmware crashes and is restarted
python3 - "$ASVIRT_RUNTIME_DIR/echo-2/rpmsg-echo" >"$out" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
n = 0
try:
    for i in range(6):
        s.send(b"m%d" % i)
        if s.recv(600) != b"m%d" % i:
            break
        n += 1
except OSError:
    pass
print(n)
PY
check "crash-after=4: 3 echoes before the crash" test "$(cat "$out")" = 3
check "crash-after=4: restarted once" wait_restarted echo-2 1
check "crash-after=4: the crash reported as the firmware's fatal error" \
	grep -q "echo-2: crashed: firmware reported a fatal error: fault injection: crash-after reached" \
	"$ASVIRT_RUNTIME_DIR/asvirt.log"
python3 - "$ASVIRT_RUNTIME_DIR/echo-2/rpmsg-echo" >"$out" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect(sys.argv[1])
for i in range(20):
    s.send(b"again %d" % i)
    assert s.recv(600) == b"again %d" % i
print("ok")
PY
check "crash-after=4: after the restart 20 echoes, no second crash" \
	bash -c "grep -qx ok '$out' && [ \"\$(grep -c 'echo-2: crashed' '$ASVIRT_RUNTIME_DIR/asvirt.log')\" = 1 ]"
check "echo (corrupt=len) never crashed" bash -c "! grep -q '^echo: crashed\| echo: crashed' '$ASVIRT_RUNTIME_DIR/asvirt.log'"
"$ASVIRT" stop >/dev/null 2>&1
check "stop exits 0" test $? -eq 0
check "no sanitizer reports" bash -c "! grep -q Sanitizer '$ASVIRT_RUNTIME_DIR/asvirt.log'"
summary
