# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
"""A client of asvirt up's channel sockets (one SOCK_SEQPACKET packet = one
rpmsg message), for the command-line tests (checks.sh wraps it).

  chan.py echo SOCKET MSG...    each MSG sent and answered with the same bytes
  chan.py send SOCKET MSG...    each MSG sent, nothing read (a command the
                                firmware acts on: crash, hang, ...)
  chan.py sizes SOCKET N [SEED] N round trips of 1..496 bytes, each answer
                                checked by length and CRC; prints p50/p99

Every wait is bounded (10 s a packet); a failure says which message.
"""
import socket
import sys
import time
import zlib


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(path)
    return s


def echo(s, msgs):
    for m in msgs:
        s.send(m)
        r = s.recv(1024)
        assert r == m, "sent %r, got %r" % (m[:32], r[:32])
    print("echo ok: %d" % len(msgs))


def send(s, msgs):
    for m in msgs:
        s.send(m)
    print("sent: %d" % len(msgs))


def sizes(s, n, seed):
    lat = []
    for i in range(n):
        size = 1 + i % 496
        m = bytes((i * seed + k) & 0xFF for k in range(size))
        t = time.perf_counter()
        s.send(m)
        r = s.recv(1024)
        lat.append(time.perf_counter() - t)
        assert len(r) == size and zlib.crc32(r) == zlib.crc32(m), \
            "round trip %d (%d bytes): %d bytes back" % (i, size, len(r))
    lat.sort()
    print("round trips ok: %d, p50 %.0f us, p99 %.0f us (python client)"
          % (n, lat[n // 2] * 1e6, lat[n * 99 // 100] * 1e6))


def main(argv):
    if len(argv) < 3 or argv[1] not in ("echo", "send", "sizes"):
        sys.exit(__doc__)
    s = connect(argv[2])
    if argv[1] == "sizes":
        sizes(s, int(argv[3]), int(argv[4]) if len(argv) > 4 else 7)
    else:
        msgs = [a.encode() for a in argv[3:]]
        (echo if argv[1] == "echo" else send)(s, msgs)


if __name__ == "__main__":
    main(sys.argv)
