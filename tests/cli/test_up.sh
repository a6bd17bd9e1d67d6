#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# End to end: asvirt up with two firmware processes, channels as Unix
# SOCK_SEQPACKET sockets driven from Python, status (--json), log, crash
# and recovery, stop. Usage: test_up.sh PATH/TO/asvirt FIRMWARE_DIR
set -u
ASVIRT=$1
FW=$2
. "$(dirname "$0")/checks.sh"

up_sandbox up

# bad firmware: a clear error, nothing left running
printf "not an ELF file, just text: %064d\n" 0 >"$RT/bad.so"
"$ASVIRT" up -d "$RT/bad.so" >"$out" 2>&1
check "up: bad firmware fails" test $? -ne 0
check "up: bad firmware is named" grep -q "bad.so: bad firmware: not an ELF file (bad magic)" "$out"
"$ASVIRT" status >/dev/null 2>&1
check "status: nothing running" test $? -eq 3
# a file name JSON must escape: every progress line still parses
cp "$RT/bad.so" "$RT/we\"ird\\.so"
"$ASVIRT" up --json "$RT/we\"ird\\.so" >"$out" 2>&1
check "up --json: bad firmware fails" test $? -ne 0
check "up --json: a quote and a backslash in a name stay JSON" python3 -c "
import json
ev=[json.loads(l) for l in open('$out')]
assert any(e['event']=='error' and 'not an ELF file' in e['detail'] for e in ev), ev
assert ev[-1]['event']=='stopped', ev"

timeout 60 "$ASVIRT" up -d "$FW/asvirt-echo.so" "$FW/asvirt-client-sample.so" >"$out" 2>&1
check "up -d exits 0" test $? -eq 0
check "up: progress says ready" grep -q "^asvirt: ready: 2 firmware, 2 channels" "$out"
check "up: echo channel socket" test -S "$ASVIRT_RUNTIME_DIR/echo/rpmsg-echo"
check "up: client-sample socket" test -S "$ASVIRT_RUNTIME_DIR/client-sample/rpmsg-client-sample"

"$ASVIRT" up -d "$FW/asvirt-echo.so" >/dev/null 2>&1
check "up: refuses a second system in the same dir" test $? -ne 0

python3 - "$ASVIRT_RUNTIME_DIR" <<'PY'
import socket, sys
rt = sys.argv[1]
def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    return s
a = conn(rt + "/echo/rpmsg-echo")
b = conn(rt + "/echo/rpmsg-echo")
# one packet = one message, each client its own endpoint
for i in range(100):
    m = b"msg %d" % i
    a.send(m)
    assert a.recv(1024) == m, "echo a"
b.send(b"to b")
assert b.recv(1024) == b"to b"
big = bytes(range(256)) + bytes(240)
a.send(big)
assert a.recv(1024) == big, "496-byte message"
c = conn(rt + "/client-sample/rpmsg-client-sample")
c.send(b"hello world!")
assert c.recv(1024) == b"hello world!"
print("python: echo ok")
PY
check "python: messages over the sockets" test $? -eq 0

# A client that sends a burst before it reads: every answer still comes,
# in order. (Its socket takes about 170 of these; the rest used to be
# dropped without a word when the daemon found it full.)
python3 - "$ASVIRT_RUNTIME_DIR" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect(sys.argv[1] + "/echo/rpmsg-echo")
msgs = [b"burst %04d " % i + bytes([i % 256]) * 400 for i in range(600)]
for m in msgs:
    s.send(m)
for i, m in enumerate(msgs):
    r = s.recv(1024)
    assert r == m, "answer %d: %r" % (i, r[:16])
print("burst ok")
PY
check "burst of 600 before reading: every answer, in order" test $? -eq 0

# A client that sends faster than it reads is held back (its socket
# blocks), not answered into the void: every request sent gets its answer.
python3 - "$ASVIRT_RUNTIME_DIR" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1] + "/echo/rpmsg-echo")
s.setblocking(False)
sent = 0
try:
    while sent < 5000:
        s.send(b"flood %05d" % sent + bytes(300))
        sent += 1
except BlockingIOError:
    pass
s.settimeout(10)
for i in range(sent):
    r = s.recv(1024)
    assert r == b"flood %05d" % i + bytes(300), "answer %d of %d: %r" % (i, sent, r[:16])
print("flood ok: %d" % sent)
PY
check "a client that does not read is held back, every answer kept" test $? -eq 0

if command -v socat >/dev/null; then
	r=$(printf 'via socat' | socat -t 2 - "UNIX-CONNECT:$ASVIRT_RUNTIME_DIR/echo/rpmsg-echo,type=5")
	check "socat: echo" test "$r" = "via socat"
fi

"$ASVIRT" status --json >"$out"
check "status --json parses" python3 -c "
import json,sys; d=json.load(open('$out'))
fw={f['name']:f for f in d['firmware']}
assert fw['echo']['state']=='running' and fw['client-sample']['state']=='running'
assert fw['echo']['channels'][0]['name']=='rpmsg-echo'
assert fw['echo']['channels'][0]['addr']==1024
assert fw['echo']['rx_msgs']>=100, fw['echo']"
"$ASVIRT" status >"$out"
check "status: human" grep -qE "^echo +running" "$out"
# the control protocol itself: one JSON request per connection, one JSON answer
python3 - "$ASVIRT_RUNTIME_DIR/ctl" >"$out" 2>&1 <<'PY'
import json, socket, sys
def ask(raw):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sys.argv[1])
    s.sendall(raw)
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            return json.loads(data)
        data += b
st = ask(b'{"request":"status"}\n')["status"]
assert sorted(f["name"] for f in st["firmware"]) == ["client-sample", "echo"], st
assert ask(b'{"request":"log","fw":"echo"}\n')["text"].count("link up") >= 1
assert ask(b'{"request":"crash","fw":"nosuch"}\n') == {"error": "no firmware 'nosuch'"}
assert ask(b'{"request":"reboot"}\n') == {"error": "unknown request 'reboot'"}
assert ask(b'status\n') == {"error": "bad request"}
assert ask(b'{"fw":"echo"}\n') == {"error": "bad request"}
assert ask(b'{"request":7}\n') == {"error": "bad request"}
print("ctl ok")
PY
check "ctl: JSON requests and answers, bad ones refused" grep -q "ctl ok" "$out"
"$ASVIRT" log echo >"$out"
check "log: live trace" grep -q "firmware echo .* starting" "$out"
check "log: link up in trace" grep -q "link up" "$out"

pid=$(python3 -c "import json,subprocess; d=json.loads(subprocess.check_output(['$ASVIRT','status','--json'])); print([f['pid'] for f in d['firmware'] if f['name']=='echo'][0])")
kill -9 "$pid"
for _ in $(seq 100); do
	"$ASVIRT" status --json >"$out"
	python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='echo'][0]
assert f['restarts']==1 and f['state']=='running' and f['channels']" 2>/dev/null && break
	sleep 0.1
done
check "crash: restarted with its channel" python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='echo'][0]
assert f['restarts']==1 and f['crashes']==1 and f['state']=='running' and f['channels']
assert 'signal 9' in f['last_crash']"
"$ASVIRT" log --last echo >"$out"
check "log --last: trace of the crashed instance" grep -q "link up" "$out"
check "crash: channel works again" chan_echo echo/rpmsg-echo "after crash"

"$ASVIRT" crash nosuch >/dev/null 2>&1
check "crash: unknown firmware fails" test $? -ne 0
"$ASVIRT" stop >"$out" 2>&1
check "stop exits 0" test $? -eq 0
check "stop: sockets removed" test ! -e "$ASVIRT_RUNTIME_DIR/echo/rpmsg-echo"
check "stop: control socket removed" test ! -e "$ASVIRT_RUNTIME_DIR/ctl"
check "stop: log kept" grep -q "echo: crashed: firmware process killed by signal 9" \
	"$ASVIRT_RUNTIME_DIR/asvirt.log"

# --json progress, foreground, stopped by SIGTERM
"$ASVIRT" up --json "$FW/asvirt-echo.so" >"$out" 2>"$RT/err" &
up=$!
for _ in $(seq 100); do grep -q '"event":"ready"' "$out" && break; sleep 0.1; done
kill -TERM $up
wait $up
check "up --json: exits 0 on SIGTERM" test $? -eq 0
check "up --json: every line is JSON" python3 -c "
import json
ev=[json.loads(l)['event'] for l in open('$out')]
assert ev[0]=='rundir' and 'loaded' in ev and 'channel' in ev and 'ready' in ev, ev
assert ev[-1]=='stopped', ev"

check "up --json: no sanitizer reports" bash -c "! grep -q Sanitizer '$RT/err'"
summary
