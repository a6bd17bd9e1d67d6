#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# End to end on the Cortex-M board (QEMU mps2-an386, docs/board.md): the
# echo and client-sample apps built as Cortex-M4 images under `asvirt up`,
# driven through their channel sockets; QEMU killed and a bus fault in the
# firmware both seen as crashes and recovered; nothing left behind (QEMU
# processes, memfds, sockets) after recovery, stop, or asvirt itself killed.
# Usage: test_up_cortex_m.sh PATH/TO/asvirt CORTEX_M_FIRMWARE_DIR
set -u
ASVIRT=$1
FW=$2
. "$(dirname "$0")/checks.sh"

up_sandbox cm

# the daemon's QEMU children and memfds: one each per firmware
count_qemu() { pgrep -P "$1" -f qemu-system-arm | wc -l; }
count_memfd() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'memfd:'; }

"$ASVIRT" fw-check "$FW/asvirt-echo.elf" >"$out" 2>&1
check "fw-check: a Cortex-M image" grep -q "a Cortex-M image for the mps2-an386 board (docs/board.md): ok" "$out"
"$ASVIRT" fw-check --linux "$FW/asvirt-echo.elf" >"$out" 2>&1
check "fw-check --linux: Linux boots its table" grep -q "^result: Linux boots it" "$out"
# asvirt up --linux FW.elf: only ARM virt can put Linux's buffers in BAR2,
# the board's RAM (qemu/check-bridge.sh cm-echo runs it); refused before
# anything starts otherwise
"$ASVIRT" up --linux --kernel /dev/null --initrd /dev/null "$FW/asvirt-echo.elf" >"$out" 2>&1
check "up --linux FW.elf on x86_64: refused" test $? -eq 1
check "  ... saying it needs --arch arm" grep -q "is a Cortex-M image: it needs --arch arm" "$out"
"$ASVIRT" up --linux --arch arm --fault crash-after=3 --kernel /dev/null --initrd /dev/null \
	"$FW/asvirt-echo.elf" >"$out" 2>&1
check "up --linux --arch arm --fault FW.elf: refused" test $? -eq 1
check "  ... saying why" grep -q -- "--fault is not for a Cortex-M image" "$out"
"$ASVIRT" up --linux --arch arm --fault asvirt-echo.elf:crash-after=3 --kernel /dev/null \
	--initrd /dev/null "$FW/asvirt-echo.elf" >"$out" 2>&1
check "up --linux --arch arm --fault FW.elf:SPEC FW.elf: refused" test $? -eq 1
check "  ... saying why" grep -q -- "--fault is not for a Cortex-M image" "$out"

# fw-build --target cortex-m4: the same source as a .so image, for the board
cat >"$RT/my.c" <<'C'
#include "asvirt/firmware.h"
struct state { struct asv_endpoint ept; };
static int cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	(void)priv;
	return asv_sendto(e, src, data, len);
}
static int start(struct asv_remote *r, void *st)
{
	asv_remote_printf(r, "my firmware up\n");
	return asv_create_ept(&r->dev, &((struct state *)st)->ept, "my-service",
			      ASV_RPMSG_ADDR_ANY, cb, NULL);
}
static void stop(struct asv_remote *r, void *st)
{
	(void)r;
	asv_destroy_ept(&((struct state *)st)->ept);
}
static const struct asv_app app = { .name = "mine", .state_size = sizeof(struct state),
				    .start = start, .stop = stop };
ASV_FIRMWARE(app);
C
"$ASVIRT" fw-build --target cortex-m4 "$RT/my.c" -o "$RT/my.elf" >"$out" 2>&1
check "fw-build --target cortex-m4: built and checked" grep -q "my.elf: ELF32 ARM executable" "$out"
"$ASVIRT" fw-build --target cortex-m7 "$RT/my.c" -o "$RT/my.elf" >/dev/null 2>&1
check "fw-build: unknown target refused" test $? -eq 2
timeout 60 "$ASVIRT" up -d "$RT/my.elf" >"$out" 2>&1
check "fw-build: the user's image answers on the board" chan_echo my/my-service mine
"$ASVIRT" log my >"$out"
check "fw-build: its trace line" grep -q "my firmware up" "$out"
"$ASVIRT" stop >/dev/null 2>&1

# asvirt demo on the board: Linux's rpmsg_client_sample against the MCU
ASVIRT_FIRMWARE_DIR=$(dirname "$FW") timeout 60 "$ASVIRT" demo --target cortex-m4 >"$out" 2>&1
check "demo --target cortex-m4 exits 0" test $? -eq 0
check "demo: on the Cortex-M4 board" grep -q 'remote "client-sample" (Cortex-M4 on QEMU mps2-an386' "$out"
check "demo: new channel" grep -q "rpmsg_client_sample virtio0.rpmsg-client-sample.-1.1024: new channel: 0x400 -> 0x400!" "$out"
check "demo: incoming msg 100" grep -q "incoming msg 100 (src: 0x400)" "$out"
check "demo: goodbye" grep -q "rpmsg_client_sample virtio0.rpmsg-client-sample.-1.1024: goodbye!" "$out"
"$ASVIRT" demo --target cortex-m7 >"$out" 2>&1
check "demo: unknown target refused" test $? -eq 2

# --watchdog 3000 (the hang step below waits for it): at 1000 ms an echo
# QEMU starved of CPU by a loaded machine (make check, every build at once,
# cold) was taken for hung in the middle of its 10,000 round trips.
timeout 60 "$ASVIRT" up -d --watchdog 3000 "$FW/asvirt-echo.elf" "$FW/asvirt-client-sample.elf" \
	"$FW/asvirt-cm-fault.elf" >"$out" 2>&1
check "up -d: three Cortex-M images exit 0" test $? -eq 0
check "up: loaded as ELF32" grep -q "echo: loaded .*asvirt-echo.elf (ELF32" "$out"
check "up: ready, 3 firmware, 3 channels" grep -q "^asvirt: ready: 3 firmware, 3 channels" "$out"
check "up: echo socket" test -S "$ASVIRT_RUNTIME_DIR/echo/rpmsg-echo"
check "up: client-sample socket" test -S "$ASVIRT_RUNTIME_DIR/client-sample/rpmsg-client-sample"
daemon=$(cat "$ASVIRT_RUNTIME_DIR/asvirt.pid")
check "up: one QEMU per firmware" test "$(count_qemu "$daemon")" -eq 3
check "up: one memfd per firmware" test "$(count_memfd "$daemon")" -eq 3
check "console: UART1 lines in the log" \
	grep -q "echo: console: asvirt cortex-m4: firmware 'echo' booting" "$ASVIRT_RUNTIME_DIR/asvirt.log"

# 10,000 echo round trips, sizes 1..496, each checked by length and CRC
chan_sizes echo/rpmsg-echo 10000 >"$out" 2>&1
check "echo: 10,000 round trips of 1..496 bytes, checksums match" grep -q "round trips ok" "$out"
cat "$out"

# Linux's rpmsg_client_sample against the Cortex-M client-sample
python3 - "$ASVIRT_RUNTIME_DIR" >"$out" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect(sys.argv[1] + "/client-sample/rpmsg-client-sample")
for i in range(1, 101):
    s.send(b"hello world!")
    assert s.recv(1024) == b"hello world!", "reply %d" % i
    print("incoming msg %d" % i)
print("goodbye!")
PY
check "client-sample: 100 messages answered" grep -q "^incoming msg 100$" "$out"
check "client-sample: goodbye" grep -q "^goodbye!$" "$out"
"$ASVIRT" status --json >"$out"
check "status: the board's counters" python3 -c "
import json; d=json.load(open('$out'))
f={f['name']:f for f in d['firmware']}
assert f['echo']['rx_msgs']>=10000 and f['client-sample']['rx_msgs']>=100, f"
"$ASVIRT" log echo >"$out"
check "log: the MCU's trace" grep -q "cortex-m4: firmware echo starting" "$out"
check "log: link up in the trace" grep -q "link up" "$out"

# QEMU killed: a crash, recovered, nothing of the old instance left
old=$(fw_pid echo)
kill -9 "$old"
check "crash: QEMU killed, echo restarted" wait_restarted echo 1
"$ASVIRT" status --json >"$out"
check "crash: seen as QEMU killed by signal 9" python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='echo'][0]
assert f['crashes']==1 and 'signal 9' in f['last_crash'], f"
check "crash: the old QEMU is gone" bash -c "! kill -0 $old 2>/dev/null"
check "crash: still one QEMU per firmware" test "$(count_qemu "$daemon")" -eq 3
check "crash: still one memfd per firmware" test "$(count_memfd "$daemon")" -eq 3
check "crash: channel works again" chan_echo echo/rpmsg-echo "after crash"

# A bus fault in the firmware: the port's fault report ends the instance
chan_echo cm-fault/rpmsg-echo before && chan_send cm-fault/rpmsg-echo fault
check "fault: cm-fault restarted" wait_restarted cm-fault 1
"$ASVIRT" status --json >"$out"
check "fault: the crash names the fault and its address" python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='cm-fault'][0]
assert f['crashes']==1 and 'the MCU stopped: fault' in f['last_crash'], f
assert 'bfar 0x30000000' in f['last_crash'], f"
"$ASVIRT" log --last cm-fault >"$out"
check "fault: reported in the trace" grep -q "^fatal: fault (exception" "$out"
check "fault: still one QEMU per firmware" test "$(count_qemu "$daemon")" -eq 3

# A callback that never returns (interrupts masked): the board's heartbeat
# stops, the watchdog ends the instance
chan_send cm-fault/rpmsg-echo hang
check "hang: cm-fault restarted" wait_restarted cm-fault 2
"$ASVIRT" status --json >"$out"
check "hang: seen by the watchdog" python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='cm-fault'][0]
assert f['crashes']==2 and 'watchdog: no heartbeat' in f['last_crash'], f"
check "hang: still one QEMU per firmware" test "$(count_qemu "$daemon")" -eq 3
check "hang: still one memfd per firmware" test "$(count_memfd "$daemon")" -eq 3

qemus=$(pgrep -P "$daemon" -f qemu-system-arm | tr '\n' ' ')
"$ASVIRT" stop >"$out" 2>&1
check "stop exits 0" test $? -eq 0
# stop returns when the control socket is gone; the daemon exits just after
for _ in $(seq 100); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.02; done
check "stop: the daemon is gone" bash -c "! kill -0 $daemon 2>/dev/null"
check "stop: its QEMUs are gone" bash -c "test -n '$qemus' || exit 1
for q in $qemus; do ! kill -0 \$q 2>/dev/null || exit 1; done"
check "stop: sockets removed" test ! -e "$ASVIRT_RUNTIME_DIR/echo/rpmsg-echo"
check "stop: control socket removed" test ! -e "$ASVIRT_RUNTIME_DIR/ctl"
check "stop: no sanitizer reports in the log" bash -c "! grep -q Sanitizer '$ASVIRT_RUNTIME_DIR/asvirt.log'"

# asvirt itself killed: its QEMU does not outlive it. Generous waits: under
# ASan with every suite running beside it, the first boot can take seconds.
# A zombie is gone too (dead; whoever adopted it has not reaped it yet).
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
"$ASVIRT" up "$FW/asvirt-echo.elf" >"$out" 2>&1 &
up=$!
for _ in $(seq 600); do grep -q "ready" "$out" && break; sleep 0.1; done
qemu=$(pgrep -P $up -f qemu-system-arm)
check "asvirt killed: its QEMU was running" test -n "$qemu"
kill -9 $up
wait $up 2>/dev/null
for _ in $(seq 500); do gone "$qemu" && break; sleep 0.02; done
check "asvirt killed: its QEMU goes too" gone "$qemu"
rm -rf "$ASVIRT_RUNTIME_DIR"

# --gdb: QEMU halted with its gdb stub; a gdb batch run breaks in the
# doorbell's interrupt handler and backtraces through the exception frame
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
"$ASVIRT" up --gdb "$port" "$FW/asvirt-echo.elf" >"$out" 2>&1 &
up=$!
for _ in $(seq 200); do grep -q "gdb-multiarch" "$out" && break; sleep 0.05; done
check "gdb: the line to attach is printed" \
	grep -q "halted for gdb; attach with: gdb-multiarch $FW/asvirt-echo.elf -ex 'target remote :$port'" "$out"
check "gdb: halted, no channel yet" bash -c "! grep -q ready '$out'"
check "gdb: the stub listens on 127.0.0.1 only" python3 -c "
port = '%04X' % $port
ls = [l.split() for l in open('/proc/net/tcp').readlines()[1:]]
ls = [l[1] for l in ls if l[3] == '0A' and l[1].endswith(':' + port)]
assert ls == ['0100007F:' + port], ls
assert not any(l[3] == '0A' and l[1].endswith(':' + port) for l in
    (x.split() for x in open('/proc/net/tcp6').readlines()[1:])), 'tcp6'"
timeout 60 gdb-multiarch -batch -nx "$FW/asvirt-echo.elf" -ex "target remote :$port" \
	-ex 'break cm_doorbell_isr' -ex continue -ex bt -ex delete -ex detach >"$RT/gdb" 2>&1
check "gdb: breaks in the doorbell ISR" grep -q "^Breakpoint 1, cm_doorbell_isr ()" "$RT/gdb"
check "gdb: backtrace through the exception frame" \
	grep -q "<signal handler called>" "$RT/gdb"
for _ in $(seq 200); do grep -q "ready" "$out" && break; sleep 0.05; done
check "gdb: detached, the firmware comes up" grep -q "^asvirt: ready: 1 firmware, 1 channel" "$out"
"$ASVIRT" stop >/dev/null 2>&1
wait $up
check "gdb: asvirt up exits 0" test $? -eq 0
"$ASVIRT" up --gdb "$port" "$FW/asvirt-echo.elf" "$FW/asvirt-echo.elf" >"$out" 2>&1
check "gdb: one firmware only" test $? -eq 2
# the port taken by another program: asvirt up listens itself before it
# prints where to attach, so it says so at once (no QEMU started)
python3 -c "
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', $port)); s.listen(1)
print('held', flush=True); time.sleep(60)" >"$RT/held" &
holder=$!
for _ in $(seq 100); do grep -q held "$RT/held" && break; sleep 0.05; done
timeout 30 "$ASVIRT" up --gdb "$port" "$FW/asvirt-echo.elf" >"$out" 2>&1
rc=$?
check "gdb: a port in use refused (exit $rc)" test $rc -ne 0 -a $rc -ne 124
check "  ... saying which" grep -q "cannot listen on 127.0.0.1:$port: Address already in use" "$out"
kill $holder
wait $holder 2>/dev/null
summary
