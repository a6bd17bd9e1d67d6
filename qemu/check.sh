#!/bin/bash
# make check-qemu: boot the test kernel in QEMU and run tests/qemu/run.sh.
#
#   [ARCH=arm] [ASVIRT_RING=flags|event_idx|flags,event_idx] qemu/check.sh [a,b,c,...]
#                                             (default: every step)
#
# ARCH=x86_64 (default): qemu-system-x86_64 -smp 2; ARCH=arm: qemu-system-arm
# -M vexpress-a9 -smp 2..4 (the host's cores) with the project's device tree (see qemu/lib.sh).
# Serial console goes to $OUT/serial.log.  A step that prints nothing new
# for ASVIRT_STEP_TIMEOUT seconds (default 120, arm 180) kills QEMU and fails with
# the log tail shown.  Last line: "N passed, N failed".  ASVIRT_RING picks the
# passes of run.sh: firmware offering the ring flags only, VIRTIO_RING_F_EVENT_IDX
# as well, or both in turn (default: both). ASVIRT_QEMU_APPEND: more kernel
# parameters for the guest's steps (e.g. asvirt.xn=N for step xcost);
# ASVIRT_QEMU_ARGS: more QEMU options (e.g. -icount shift=0).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# ARM (TCG on a shared host) is slower: its longest step
# (c, 70 cycles) takes 50-80 s there.
STEP_TIMEOUT=${ASVIRT_STEP_TIMEOUT:-$([ "$ARCH" = arm ] && echo 180 || echo 120)}
TESTS=${1:-}
set -e
asvirt_prepare
b=${BUILD:-build}
[[ $b = /* ]] || b=$ROOT/$b
asvirt_host_tools "$b"
set +e

LOG=$OUT/serial.log
: >"$LOG"
append="console=$CONSOLE panic=-1 oops=panic loglevel=7 asvirt.mode=check"
[ -n "$TESTS" ] && append="$append asvirt.tests=$TESTS"
append="$append asvirt.ring=${ASVIRT_RING:-flags,event_idx} asvirt.cpus=$SMP"
# ASVIRT_QEMU_APPEND: more parameters for a step (scripts/trace-cost-qemu.sh)
[ -n "${ASVIRT_QEMU_APPEND:-}" ] && append="$append $ASVIRT_QEMU_APPEND"
accel=$(asvirt_accel)
echo "qemu: $ARCH, accelerator $accel"
t0=$(date +%s)
# shellcheck disable=SC2086 # ASVIRT_QEMU_ARGS: more QEMU options, word-split
asvirt_qemu "$accel" ${ASVIRT_QEMU_ARGS:-} -append "$append" -serial "file:$LOG" -monitor none -display none \
	</dev/null &
qpid=$!

timed_out=0
asvirt_watch $qpid "$LOG" || timed_out=1
wait $qpid 2>/dev/null
echo "qemu: guest ran $(( $(date +%s) - t0 )) s, log $LOG"

passed=$(grep -a -c '^ASVIRT-PASS' "$LOG")
failed=$(grep -a -c '^ASVIRT-FAIL' "$LOG")
grep -a '^ASVIRT-FAIL' "$LOG" | sed 's/^/qemu: /'
if [ $timed_out = 1 ] || ! grep -a -q '^ASVIRT-DONE' "$LOG"; then
	echo "qemu: the guest did not finish; last 40 lines of the log:"
	tail -40 "$LOG"
	failed=$((failed + 1))
fi
# Step x-ftrace's host half: the guest's ftrace capture, converted and
# decoded here (asvirt trace convert, tshark with the Lua dissector).
if grep -a -q '^ASVIRT-FTRACE-BEGIN' "$LOG"; then
	r=$(bash "$ROOT/tests/qemu/check_ftrace.sh" "$LOG" "$OUT/ftrace" "$b/asvirt" 2>&1)
	echo "$r" | sed 's/^/qemu: /'
	if echo "$r" | grep -q '^ASVIRT-PASS'; then passed=$((passed + 1))
	else failed=$((failed + 1)); fi
fi
# Checker reports printed before the end marker (the guest's own check
# may have missed one printed while it ran).
asvirt_checker_reports "$LOG" && failed=$((failed + 1))
[ "$passed" -gt 0 ] || failed=$((failed + 1))
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
