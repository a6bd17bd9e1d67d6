#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt up at scale (issue 14, item 5): 16 echo firmware x 64 connections
# each in one run, each burst of 64 connects at once (non-blocking: a short
# listen backlog refuses them with EAGAIN), every connection with messages
# in flight together and every answer checked. Then the limit: one
# connection more than --max-clients gets one packet saying why and the
# end of the connection, and the log says it too; never a silent close.
# And answers a client does not read: kept up to a limit, then counted.
# The per-round-trip figures are printed, not asserted.
# Usage: test_up_scale.sh PATH/TO/asvirt FIRMWARE_DIR
set -u
ASVIRT=$1
FW=$2
. "$(dirname "$0")/checks.sh"

up_sandbox scale

fws=()
for _ in $(seq 16); do fws+=("$FW/asvirt-echo.so"); done
timeout 120 "$ASVIRT" up -d --max-clients 1024 "${fws[@]}" >"$out" 2>&1
check "up -d with 16 firmware exits 0" test $? -eq 0
check "up: 16 firmware, 16 channels" grep -q "^asvirt: ready: 16 firmware, 16 channels" "$out"
check "up: a socket per firmware, each in its own directory" \
	test "$(ls "$ASVIRT_RUNTIME_DIR"/echo*/rpmsg-echo | wc -l)" -eq 16

python3 - "$ASVIRT_RUNTIME_DIR" >"$out" 2>&1 <<'PY'
import os, resource, select, socket, sys, time
rt = sys.argv[1]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
dirs = ["echo"] + ["echo-%d" % k for k in range(2, 17)]
conns = []
for d in dirs:
    burst = []
    for i in range(64):  # all at once, before the daemon accepts any
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.setblocking(False)
        s.connect(rt + "/" + d + "/rpmsg-echo")  # BlockingIOError: backlog full
        burst.append(s)
    conns += burst
print("connected: %d" % len(conns))
def msg(k, seq):
    return b"conn %04d msg %03d " % (k, seq) + bytes([k % 251]) * (k % 64)
ROUNDS = 4
ep = select.epoll()
seq = [0] * len(conns)
for k, s in enumerate(conns):
    ep.register(s.fileno(), select.EPOLLIN)
byfd = {s.fileno(): k for k, s in enumerate(conns)}
t0 = time.monotonic()
for k, s in enumerate(conns):
    s.send(msg(k, 0))
done = 0
while done < len(conns) * ROUNDS:
    ev = ep.poll(10)
    assert ev, "no answer in 10 s: %d of %d" % (done, len(conns) * ROUNDS)
    for fd, _ in ev:
        k = byfd[fd]
        r = conns[k].recv(1024)
        assert r == msg(k, seq[k]), "connection %d message %d: %r" % (k, seq[k], r)
        done += 1
        seq[k] += 1
        if seq[k] < ROUNDS:
            conns[k].send(msg(k, seq[k]))
t1 = time.monotonic()
print("checked: %d round trips" % done)
print("at scale: %d connections, %.1f us per round trip (wall / round trips)"
      % (len(conns), (t1 - t0) * 1e6 / done))
one = conns[0]
one.setblocking(True)
t0 = time.monotonic()
for i in range(200):
    m = b"single %d" % i
    one.send(m)
    assert one.recv(1024) == m
print("one client: %.1f us per round trip" % ((time.monotonic() - t0) * 1e6 / 200))
# connection 1025: told why, then the end of the connection
extra = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
extra.settimeout(10)
extra.connect(rt + "/echo-7/rpmsg-echo")
r = extra.recv(1024)
print("refused with: %s" % r.decode())
assert r.startswith(b"asvirt: error: too many connections (1024 in all"), r
assert extra.recv(1024) == b"", "closed after the error"
# a free place serves the next one
conns[5].close()
time.sleep(0.2)
again = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
again.settimeout(10)
again.connect(rt + "/echo-16/rpmsg-echo")
again.send(b"after a close")
assert again.recv(1024) == b"after a close"
print("scale ok")
PY
rc=$?
cat "$out"
check "1024 connections, every round trip checked, the 1025th told why" test $rc -eq 0
check "scale: ok" grep -q "scale ok" "$out"
check "refusal logged with its reason" grep -q \
	"echo-7: warning: channel rpmsg-echo: connection refused: too many connections (1024 in all" \
	"$ASVIRT_RUNTIME_DIR/asvirt.log"
"$ASVIRT" stop >/dev/null 2>&1
check "stop exits 0" test $? -eq 0
check "no sanitizer reports" bash -c "! grep -q Sanitizer '$ASVIRT_RUNTIME_DIR/asvirt.log'"

# The other limit: answers a client does not read. The firmware sends
# 3000 unasked messages to a client that reads none for a while: the
# daemon keeps what its queue holds, and the rest are counted in the log,
# so that what was received plus what was dropped is all that was sent.
timeout 60 "$ASVIRT" up -d "$FW/asvirt-bench-source.so" >"$out" 2>&1
check "up -d bench-source exits 0" test $? -eq 0
python3 - "$ASVIRT_RUNTIME_DIR" >"$out" 2>&1 <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1] + "/bench-source/rpmsg-bench-source")
# struct asv_bench_req: magic "ABRQ", count, size, nept 0 (the requester), dst, copy
s.send(struct.pack("<6I", 0x51524241, 3000, 64, 0, 0, 0))
time.sleep(2) # the firmware sends all of them meanwhile
s.settimeout(2)
got = 0
try:
    while True:
        r = s.recv(1024)
        assert len(r) == 64, len(r)
        got += 1
except socket.timeout:
    pass
print("received %d" % got)
PY
cat "$out"
got=$(sed -n 's/^received //p' "$out")
dropped=$(python3 -c "
import re, sys
print(sum(int(n) for n in re.findall(r'warning: (\d+) answers on rpmsg-bench-source dropped: '
      r'the client did not read \(1024 queued\)', open(sys.argv[1]).read())))" \
	"$ASVIRT_RUNTIME_DIR/asvirt.log")
echo "dropped (logged): ${dropped:-none}"
check "more answers kept than its socket holds" test "${got:-0}" -gt 1024
check "every answer received or logged as dropped" test "$((${got:-0} + ${dropped:-0}))" -eq 3000
"$ASVIRT" stop >/dev/null 2>&1
check "stop exits 0 (bench-source)" test $? -eq 0
summary
