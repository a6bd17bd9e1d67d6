#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt up --linux with several firmware: one runner, ivshmem-doorbell
# device and server socket each (cli/up_linux.c), a --fault for one of them
# by its file name, each one's death its own (the other keeps running),
# asvirt status showing each, and everything gone after SIGTERM. QEMU runs
# no kernel here (/dev/null: the devices are made and greeted, nothing
# boots); qemu/check-bridge.sh boots Linux against three at once.
# Usage: test_up_linux_bridges.sh PATH/TO/asvirt FIRMWARE_DIR CORTEX_M_DIR
set -u
ASVIRT=$1
FW=$2
CM=$3
. "$(dirname "$0")/checks.sh"
up_sandbox linux-bridges
mkdir -p "$ASVIRT_RUNTIME_DIR"
ECHO=$FW/asvirt-echo.so SAMPLE=$FW/asvirt-client-sample.so

"$ASVIRT" up --linux --kernel /dev/null --initrd /dev/null "$ECHO" "$ECHO" "$ECHO" "$ECHO" \
	"$ECHO" >"$out" 2>&1
check "five firmware: usage error (at most 4)" test $? -eq 2
check "  ... the usage says so" grep -q "at most 4" "$out"
"$ASVIRT" up --linux --fault nosuch.so:crash-after=3 --kernel /dev/null --initrd /dev/null \
	"$ECHO" >"$out" 2>&1
check "--fault FW: naming no firmware given: usage error" test $? -eq 2
check "  ... saying so" grep -q "nosuch.so names no firmware given" "$out"
"$ASVIRT" up --linux --fault asvirt-echo.so:bogus=1 --kernel /dev/null --initrd /dev/null \
	"$ECHO" >"$out" 2>&1
check "--fault FW:SPEC with a bad SPEC: usage error" test $? -eq 2

# Two firmware (ARM virt: no guest RAM to make), a fault plan for the echo
"$ASVIRT" up --linux --arch arm --fault asvirt-echo.so:crash-after=100000 \
	--kernel /dev/null --initrd /dev/null "$ECHO" "$SAMPLE" >"$RT/up.out" 2>&1 &
upid=$!
for _ in $(seq 100); do
	grep -q "Linux in QEMU" "$RT/up.out" && break
	sleep 0.1
done
check "both firmware started" test "$(grep -c 'running, pid' "$RT/up.out")" -eq 2
"$ASVIRT" status --json >"$out" 2>&1
check "asvirt status --json: one session, each firmware with its own socket and process" \
	python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
s = d["linux_sessions"]
assert [x["pid"] for x in s] == [int(sys.argv[2])], s
fws = s[0]["firmware"]
assert [f["file"] for f in fws] == sys.argv[3:5], fws
assert all(f["state"] == "running" and f["restarts"] == 0 for f in fws), fws
assert len({f["pid"] for f in fws}) == 2 and all(f["pid"] > 0 for f in fws), fws
assert len({f["ivshmem_socket"] for f in fws}) == 2, fws
assert all(os.path.exists(f["ivshmem_socket"]) for f in fws), fws
' "$out" $upid "$ECHO" "$SAMPLE"
pids=$(python3 -c '
import json, sys
print(" ".join(str(f["pid"]) for f in json.load(open(sys.argv[1]))["linux_sessions"][0]["firmware"]))' "$out")
echo_pid=${pids% *} sample_pid=${pids#* }
qemu=$(pgrep -P $upid -f qemu-system-arm)
check "QEMU has an ivshmem-doorbell per firmware, each on its own chardev" \
	test "$(tr '\0' '\n' <"/proc/$qemu/cmdline" | grep -c '^ivshmem-doorbell,chardev=ivs[01],vectors=2$')" -eq 2
check "the fault plan went to the echo's runner only" \
	bash -c "tr '\0' ' ' </proc/$echo_pid/cmdline | grep -q -- '--fault crash-after=100000' &&
		! tr '\0' ' ' </proc/$sample_pid/cmdline | grep -q -- '--fault'"

# One firmware dies: its bridge waits for the guest's recovery (never, with
# no guest), the other runs on
kill -9 "$echo_pid"
for _ in $(seq 100); do
	"$ASVIRT" status >"$out" 2>&1
	grep -q "dead, the guest recovers" "$out" && break
	sleep 0.1
done
check "a firmware killed: its line says so" \
	grep -qx "  firmware $ECHO: pid 0, dead, the guest recovers (restart at its DRIVER_OK), restarts 0" "$out"
check "  ... and asvirt up's log names it" \
	grep -q "the firmware process of $ECHO was killed by signal 9" "$RT/up.out"
check "  ... the other runs on" grep -qx "  firmware $SAMPLE: pid $sample_pid, running, restarts 0" "$out"
check "  ... its process too" kill -0 "$sample_pid"

kill -TERM $upid
wait $upid
check "SIGTERM: asvirt up ends" test $? -le 1
check "  ... the other firmware's process is gone" bash -c "! kill -0 $sample_pid 2>/dev/null"
check "  ... QEMU is gone" bash -c "! kill -0 $qemu 2>/dev/null"
check "  ... the session's directory too" test ! -e "$ASVIRT_RUNTIME_DIR/linux-$upid"
# A .so and a Cortex-M image: the plan for all goes to the .so only (the
# board takes none), both start
"$ASVIRT" up --linux --arch arm --fault crash-after=100000 --kernel /dev/null --initrd /dev/null \
	"$ECHO" "$CM/asvirt-echo.elf" >"$RT/up2.out" 2>&1 &
upid=$!
for _ in $(seq 150); do
	grep -q "Linux in QEMU" "$RT/up2.out" && break
	sleep 0.1
done
check "a .so and a Cortex-M image: both started" \
	test "$(grep -c 'running, pid' "$RT/up2.out")" -eq 2
check "  ... the plan for all went to the .so's runner" \
	bash -c "tr '\0' ' ' </proc/$(sed -n 's/.*asvirt-echo.so running, pid \([0-9]*\)$/\1/p' "$RT/up2.out")/cmdline |
		grep -q -- '--fault crash-after=100000'"
board=$(pgrep -P $upid -f mps2-an386)
check "  ... the board's QEMU is asvirt up's child" test -n "$board"
kill -TERM $upid
wait $upid
check "  ... SIGTERM ends it, its board's QEMU too" \
	bash -c "! kill -0 ${board:-0} 2>/dev/null && test ! -e '$ASVIRT_RUNTIME_DIR/linux-$upid'"
summary test_up_linux_bridges
