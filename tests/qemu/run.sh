#!/bin/sh
# asvirt QEMU tests, run inside the guest by /init (asvirt.mode=check).
# Markers on the console, read by qemu/check.sh:
#   ASVIRT-STEP: name     a step starts (the host times each step)
#   ASVIRT-PASS: name     ASVIRT-FAIL: name: reason
# ASVIRT_TESTS (kernel command line asvirt.tests=a,b,...) selects steps.

M=/lib/modules
RP=/sys/class/remoteproc
DBG=/sys/kernel/debug/remoteproc
SEL=$(sed -n 's/.*asvirt\.tests=\([^ ]*\).*/\1/p' /proc/cmdline)

step() { CUR=$1; echo "ASVIRT-STEP: $1"; }
pass() { echo "ASVIRT-PASS: $CUR"; }
fail() { echo "ASVIRT-FAIL: $CUR: $*"; dmesg | tail -30; }
want() { [ -z "$SEL" ] || echo ",$SEL," | grep -q ",$1,"; }

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds.
wait_for() {
	t=$(( $1 * 10 )); shift
	while [ $t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		usleep 100000; t=$((t - 1))
	done
	return 1
}
count() { dmesg | grep -c "$1"; }
has_ctrl() { [ -c /dev/rpmsg_ctrl$1 ]; }
state_is() { [ "$(cat $RP/remoteproc$1/state)" = "$2" ]; }
trace_has() { grep -q "$2" $DBG/remoteproc$1/trace0; }

load() { insmod $M/asvirt_remoteproc.ko "$@"; }
unload() { rmmod asvirt_remoteproc; }

set_fw() {	# set_fw N FILE: stop remote N, switch its firmware, start it
	state_is $1 running && echo stop >$RP/remoteproc$1/state
	echo $2 >$RP/remoteproc$1/firmware && echo start >$RP/remoteproc$1/state
}

insmod $M/rpmsg_client_sample.ko || echo "ASVIRT-FAIL: setup: rpmsg_client_sample"

# (a) the kernel's rpmsg_client_sample against the client-sample app.
if want a; then
	step a-client-sample
	g0=$(count 'goodbye!')
	if ! load firmware=asvirt-client-sample.elf; then fail insmod
	elif ! wait_for 30 sh -c "[ \$(dmesg | grep -c 'goodbye!') -gt $g0 ]"; then
		fail "no goodbye!"
	else
		n=$(dmesg | grep -c 'rpmsg_client_sample.*incoming msg')
		if [ "$n" -eq 100 ]; then pass; else fail "$n incoming messages, want 100"; fi
	fi
	unload
fi

# (b) user space through /dev/rpmsg_ctrl0: 10,000 echo round trips.
if want b; then
	step b-rpmsg-char
	load firmware=asvirt-echo.elf
	if ! wait_for 10 has_ctrl 0; then fail "no /dev/rpmsg_ctrl0"
	elif ! wait_for 10 trace_has 0 'link up'; then fail "MCU link not up"
	elif ! rpmsg_test /dev/rpmsg_ctrl0 10000; then fail "rpmsg_test"
	elif ! rpmsg_test /dev/rpmsg_ctrl0 -f $DBG/remoteproc0/asvirt_pause; then
		fail "flood (EAGAIN, poll, resume)"
	else pass; fi
	unload
fi

# (c) 50 stop/start cycles, 20 rmmod/insmod cycles, then kmemleak.
if want c; then
	step c-cycles
	ok=1
	load firmware=asvirt-echo.elf
	wait_for 10 state_is 0 running || { ok=0; fail "not running"; }
	i=0
	while [ $ok = 1 ] && [ $i -lt 50 ]; do
		echo stop >$RP/remoteproc0/state || { ok=0; fail "stop $i"; }
		echo start >$RP/remoteproc0/state || { ok=0; fail "start $i"; }
		wait_for 10 has_ctrl 0 || { ok=0; fail "no ctrl after start $i"; }
		i=$((i + 1))
	done
	[ $ok = 1 ] && { rpmsg_test /dev/rpmsg_ctrl0 100 || { ok=0; fail "echo after cycles"; }; }
	# One MCU and one host ISR thread while running, none after stop.
	n=$(ps | grep -c '[a]svirt-')
	[ $ok = 1 ] && [ "$n" != 2 ] && { ok=0; fail "$n asvirt threads while running, want 2"; }
	echo stop >$RP/remoteproc0/state
	n=$(ps | grep -c '[a]svirt-')
	[ $ok = 1 ] && [ "$n" != 0 ] && { ok=0; fail "$n asvirt threads after stop"; }
	unload
	i=0
	while [ $ok = 1 ] && [ $i -lt 20 ]; do
		load firmware=asvirt-echo.elf || { ok=0; fail "insmod $i"; }
		wait_for 10 has_ctrl 0 || { ok=0; fail "no ctrl after insmod $i"; }
		unload || { ok=0; fail "rmmod $i"; }
		i=$((i + 1))
	done
	# Every thread of the module is gone after rmmod.
	if [ $ok = 1 ] && ps | grep -q '[a]svirt-'; then
		ps | grep '[a]svirt-'; ok=0; fail "kthreads left after rmmod"
	fi
	if [ $ok = 1 ]; then
		# kmemleak reports objects older than 5 s only: wait, then scan.
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak || { ok=0; fail "kmemleak not active"; }
		echo scan >/sys/kernel/debug/kmemleak
		if [ $ok = 1 ] && grep -q unreferenced /sys/kernel/debug/kmemleak; then
			cat /sys/kernel/debug/kmemleak | head -60
			fail "kmemleak reports leaks"
		elif [ $ok = 1 ]; then pass; fi
	fi
fi

# (d) firmware switching, crash and recovery, trace0.
if want d; then
	step d-switch-crash-trace
	ok=1
	load firmware=asvirt-echo.elf auto_boot=0
	g0=$(count 'goodbye!')
	set_fw 0 asvirt-client-sample.elf || { ok=0; fail "start client-sample"; }
	[ $ok = 1 ] && { wait_for 30 sh -c "[ \$(dmesg | grep -c 'goodbye!') -gt $g0 ]" || { ok=0; fail "client-sample: no goodbye!"; }; }
	[ $ok = 1 ] && { trace_has 0 "app 'client-sample'" || { ok=0; fail "trace0 lacks client-sample"; }; }
	[ $ok = 1 ] && { set_fw 0 asvirt-echo.elf || { ok=0; fail "start echo"; }; }
	[ $ok = 1 ] && { wait_for 10 has_ctrl 0 && rpmsg_test /dev/rpmsg_ctrl0 100 || { ok=0; fail "echo after switch"; }; }
	if [ $ok = 1 ]; then
		r0=$(count 'recovering virtual')
		c0=$(count 'crash detected')
		echo 1 >$DBG/remoteproc0/asvirt_crash
		wait_for 10 sh -c "[ \$(dmesg | grep -c 'crash detected') -gt $c0 ]" || { ok=0; fail "no crash report"; }
	fi
	[ $ok = 1 ] && { wait_for 10 state_is 0 running || { ok=0; fail "not running after recovery"; }; }
	[ $ok = 1 ] && { wait_for 10 has_ctrl 0 && wait_for 10 trace_has 0 'link up' && rpmsg_test /dev/rpmsg_ctrl0 100 || { ok=0; fail "echo after recovery"; }; }
	if [ $ok = 1 ]; then
		echo "--- trace0 ---"; cat $DBG/remoteproc0/trace0; echo "--- end ---"
		trace_has 0 "app 'echo'" && trace_has 0 "link up" || { ok=0; fail "trace0 lacks MCU log"; }
	fi
	[ $ok = 1 ] && pass
	unload
fi

# (e) a corrupt resource table is refused; a good firmware still starts.
if want e; then
	step e-corrupt-table
	load firmware=asvirt-echo.elf auto_boot=0
	if set_fw 0 asvirt-corrupt.elf 2>/dev/null; then fail "corrupt firmware started"
	elif ! dmesg | tail -20 | grep -q "rsc table is truncated\|Failed to process resources\|Boot failed"; then
		fail "no clear error in the log"
	elif ! set_fw 0 asvirt-echo.elf; then fail "good firmware refused afterwards"
	elif ! wait_for 10 has_ctrl 0 || ! rpmsg_test /dev/rpmsg_ctrl0 100; then fail "echo after refusal"
	else pass; fi
	unload
fi

# (g) a buffer address outside the rpmsg buffer window (a buggy host) is
# refused with a log line, never dereferenced; the MCU halts, the kernel
# recovers it and the channels come back.
if want g; then
	step g-bad-address
	load firmware=asvirt-echo.elf
	c0=$(count 'crash detected')
	if ! wait_for 10 has_ctrl 0 || ! wait_for 10 trace_has 0 'link up'; then fail "not up"
	else
		echo 1 >$DBG/remoteproc0/asvirt_bad_addr
		rpmsg_test /dev/rpmsg_ctrl0 1 >/dev/null 2>&1	# its message is lost
		if ! dmesg | grep -q 'outside the buffer region'; then fail "no refusal logged"
		elif ! wait_for 10 sh -c "[ \$(dmesg | grep -c 'crash detected') -gt $c0 ]"; then
			fail "MCU fault not reported"
		elif ! wait_for 10 state_is 0 running || ! wait_for 10 has_ctrl 0 ||
		     ! wait_for 10 trace_has 0 'link up' || ! rpmsg_test /dev/rpmsg_ctrl0 100; then
			fail "no echo after recovery"
		else pass; fi
	fi
	unload
fi

# (f) two virtual remotes at once, each with its own channels.
if want f; then
	step f-two-remotes
	load nr_remotes=2 firmware=asvirt-echo.elf
	if ! wait_for 10 has_ctrl 0 || ! wait_for 10 has_ctrl 1; then fail "no two ctrl devices"
	else
		rpmsg_test /dev/rpmsg_ctrl0 2000 >/tmp/r0 2>&1 &
		p0=$!
		rpmsg_test /dev/rpmsg_ctrl1 2000 >/tmp/r1 2>&1
		r1=$?
		wait $p0; r0=$?
		cat /tmp/r0 /tmp/r1
		n=$(ls /sys/bus/rpmsg/devices | grep -c 'rpmsg-echo')
		if [ $r0 = 0 ] && [ $r1 = 0 ] && [ "$n" = 2 ]; then pass
		else fail "r0=$r0 r1=$r1 echo channels=$n"; fi
	fi
	unload
fi

# Any checker report anywhere in the log fails the run.
step kernel-log
if dmesg | grep -E -q 'WARNING:|BUG:|possible recursive locking|circular locking|INFO: task|Oops|kmemleak: [0-9]+ new suspected|unreferenced object'; then
	dmesg | grep -E -B2 -A20 'WARNING:|BUG:|possible recursive|circular locking|INFO: task|Oops|suspected' | head -80
	fail "checker report in the kernel log"
else
	pass
fi
