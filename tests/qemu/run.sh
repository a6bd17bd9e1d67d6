#!/bin/sh
# asvirt QEMU tests, run inside the guest by /init (asvirt.mode=check).
# Markers on the console (tests/qemu/guest_lib.sh), read by qemu/check.sh.
# ASVIRT_TESTS (kernel command line asvirt.tests=a,b,...) selects steps.
# asvirt.ring=flags,event_idx (default: both) selects the passes: the steps
# run once per pass, with firmware that offers the ring flags only
# (asvirt-APP.elf) or VIRTIO_RING_F_EVENT_IDX as well
# (asvirt-APP-event-idx.elf); the event_idx pass's steps are named STEP@event-idx.

. /tests/guest_lib.sh
M=/lib/modules
DBG=/sys/kernel/debug/remoteproc
SEL=$(sed -n 's/.*asvirt\.tests=\([^ ]*\).*/\1/p' /proc/cmdline)
RINGS=$(sed -n 's/.*asvirt\.ring=\([^ ]*\).*/\1/p' /proc/cmdline)
RINGS=${RINGS:-flags,event_idx}
RING=flags	# this pass; TAG names its steps, ECHO and CLIENT its firmware
TAG=
ECHO=asvirt-echo.elf
CLIENT=asvirt-client-sample.elf

step() { CUR=$1$TAG; echo "ASVIRT-STEP: $CUR"; }
# Steps of the life cycle (h, c) and the table parser (e), not the ring:
# the flags pass only. A pass whose firmware does not boot (r) runs no more.
RING_INDEPENDENT=h,c,e,x,at-attach
in_pass() {
	[ $RING_UP = 1 ] || return 1
	[ $RING = flags ] || ! echo ",$RING_INDEPENDENT," | grep -q ",$1,"
}
want() { in_pass $1 && { [ -z "$SEL" ] || echo ",$SEL," | grep -q ",$1,"; }; }
# want_dt STEP: by default only with device-tree nodes (ARM), else if selected.
want_dt() { in_pass $1 && if [ -z "$SEL" ]; then [ $DT = 1 ]; else want $1; fi; }

ctrl() { ctrl_of remoteproc$1; }	# ctrl N: the rpmsg_ctrl of remoteprocN
has_ctrl() { ctrl $1 >/dev/null; }
state_is() { read -r _s <$RP/remoteproc$1/state && [ "$_s" = "$2" ]; }
trace_has() { grep -q "$2" $DBG/remoteproc$1/trace0; }
# rings_at_rest N: remoteprocN's asvirt_rings ("vring0 num 256 avail idx A
# flags F used idx U ..."): vring1 used == avail, vring0 avail - used == num
rings_at_rest() {
	awk '$1 == "vring0" && ($6 - $11 + 65536) % 65536 != $3 { bad = 1 }
	     $1 == "vring1" && $6 != $11 { bad = 1 }
	     /^vring/ { n++ } END { exit bad || n != 2 }' $DBG/remoteproc$1/asvirt_rings
}
rtest() { _n=$1; shift; rpmsg_test "$(ctrl $_n)" "$@"; }	# rtest N ARGS...

# Device tree (ARM): the as,virtual-rproc nodes define the remotes
# (remoteproc0: asvirt-echo.elf, remoteproc1: asvirt-client-sample.elf, see
# kernel/asvirt-example.dtsi); nr_remotes and firmware= do not apply.
DT=0
for c in /proc/device-tree/*/compatible; do
	grep -q 'as,virtual-rproc' "$c" 2>/dev/null && DT=1
done
echo "asvirt tests: $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPUs, device tree nodes: $DT"

set_fw() {	# set_fw N FILE: stop remote N, switch its firmware, start it
	state_is $1 running && echo stop >$RP/remoteproc$1/state
	echo $2 >$RP/remoteproc$1/firmware && echo start >$RP/remoteproc$1/state
}

# load FILE [auto_boot=0]: remoteproc0 runs FILE (or is offline with it).
# With DT nodes both remotes exist: remoteproc1 stays offline.
load() {
	fw=$1; shift
	if [ $DT = 0 ]; then insmod $M/asvirt_remoteproc.ko firmware=$fw "$@"; return; fi
	insmod $M/asvirt_remoteproc.ko auto_boot=0 || return 1
	echo $fw >$RP/remoteproc0/firmware || return 1
	[ "$*" = auto_boot=0 ] || echo start >$RP/remoteproc0/state
}
# load2 FILE: two remotes, both running FILE.
load2() {
	if [ $DT = 0 ]; then insmod $M/asvirt_remoteproc.ko nr_remotes=2 firmware=$1; return; fi
	insmod $M/asvirt_remoteproc.ko auto_boot=0 &&
		set_fw 0 $1 && set_fw 1 $1
}
# load_auto: the module's own boot path (DT: both nodes with their fwname).
load_auto() {
	if [ $DT = 0 ]; then insmod $M/asvirt_remoteproc.ko firmware=asvirt-echo.elf
	else insmod $M/asvirt_remoteproc.ko; fi
}
unload() { rmmod asvirt_remoteproc; }

insmod $M/rpmsg_client_sample.ko || echo "ASVIRT-FAIL: setup: rpmsg_client_sample"

# vq VRING FIELD: a counter of remoteproc0's vdev 0 (asvirt_vq_counts).
vq() {
	awk -v v=$1 -v k=$2 '$1 == "vdev" && $2 == 0 && $3 == "vring" && $4 == v {
		for (i = 5; i < NF; i += 2) if ($i == k) print $(i + 1) }' \
		$DBG/remoteproc0/asvirt_vq_counts
}
per_msg() { awk -v a=$1 -v n=$2 'BEGIN { printf "%.3f", a / n }'; }
# remoteproc0 runs, or its MCU refused the table since rf0 was counted.
running_or_refused() {
	state_is 0 running || [ "$(count 'resource table refused')" -gt "$rf0" ]
}
guest_features() {
	sed -n 's/.*Guest features \(0x[0-9a-f]*\).*/\1/p' $DBG/remoteproc0/resource_table | head -1
}

suite() {
RING_UP=1
# (r) the ring features Linux negotiated with this pass's firmware: the
# guest features in the loaded table (remoteproc's debugfs resource_table;
# 6.1 remoteproc_virtio.c rproc_virtio_finalize_features() writes them) hold
# VIRTIO_RING_F_EVENT_IDX (bit 29) exactly when the firmware offers it. A
# firmware the MCU refuses fails here with the MCU's log line, and the rest
# of the pass is skipped.
step r-ring-features
rf0=$(count 'resource table refused')
load $ECHO
if ! wait_for 10 running_or_refused; then
	RING_UP=0; fail "$ECHO neither started nor refused"
elif [ "$(count 'resource table refused')" -gt "$rf0" ]; then
	RING_UP=0
	dmesg | grep 'mcu: ' | tail -3
	fail "the MCU refuses $ECHO: $(dmesg | grep 'mcu: .*feature' | tail -1 | sed 's/^.*mcu: //')"
elif ! wait_for 10 trace_has 0 'link up'; then RING_UP=0; fail "MCU link not up"
else
	gf=$(guest_features)
	echo "$ECHO: $(grep -m1 'Device features' $DBG/remoteproc0/resource_table | sed 's/^ *//'), guest features $gf"
	if [ -z "$gf" ]; then RING_UP=0; fail "no guest features in resource_table"
	elif [ $RING = event_idx ] && [ $((gf & 0x20000000)) = 0 ]; then
		RING_UP=0; fail "Linux did not take EVENT_IDX: guest features $gf"
	elif [ $RING = flags ] && [ $((gf & 0x20000000)) != 0 ]; then
		RING_UP=0; fail "EVENT_IDX negotiated without being offered: $gf"
	else pass; fi
fi
unload

# (h) device tree: the remotes come from the two as,virtual-rproc nodes,
# each with its fwname, and module parameters create nothing more.
if want_dt h; then
	step h-dt-probe
	ok=1
	g0=$(count 'goodbye!')
	i0=$(count 'rpmsg_client_sample.*incoming msg')
	insmod $M/asvirt_remoteproc.ko nr_remotes=3 firmware=asvirt-corrupt.elf || { ok=0; fail insmod; }
	n=$(ls $RP | wc -l)
	[ $ok = 1 ] && [ "$n" != 2 ] && { ok=0; fail "$n remoteprocs, want 2 (one per DT node)"; }
	[ $ok = 1 ] && ls /sys/bus/platform/devices | grep -q '^asvirt-rproc\.' &&
		{ ok=0; fail "module created its own devices despite DT nodes"; }
	for r in 0 1; do
		[ $ok = 1 ] || break
		echo "remoteproc$r: $(readlink -f $RP/remoteproc$r | sed 's|/remoteproc/.*||'), firmware $(cat $RP/remoteproc$r/firmware)"
	done
	[ $ok = 1 ] && { [ "$(cat $RP/remoteproc0/firmware)" = asvirt-echo.elf ] &&
		[ "$(cat $RP/remoteproc1/firmware)" = asvirt-client-sample.elf ] ||
		{ ok=0; fail "fwname not taken from the DT nodes"; }; }
	[ $ok = 1 ] && { readlink -f $RP/remoteproc0 | grep -q remoteproc-asvirt0 &&
		readlink -f $RP/remoteproc1 | grep -q remoteproc-asvirt1 ||
		{ ok=0; fail "remoteprocs not under the DT platform devices"; }; }
	[ $ok = 1 ] && { wait_for 30 logged_more 'goodbye!' $g0 ||
		{ ok=0; fail "remoteproc1 (client-sample): no goodbye!"; }; }
	n=$(( $(count 'rpmsg_client_sample.*incoming msg') - i0 ))
	[ $ok = 1 ] && [ "$n" != 100 ] && { ok=0; fail "$n incoming messages, want 100"; }
	[ $ok = 1 ] && { wait_for 10 has_ctrl 0 && rtest 0 200 || { ok=0; fail "echo on remoteproc0"; }; }
	[ $ok = 1 ] && pass
	unload
fi

# (a) the kernel's rpmsg_client_sample against the client-sample app.
if want a; then
	step a-client-sample
	g0=$(count 'goodbye!')
	i0=$(count 'rpmsg_client_sample.*incoming msg')
	if ! load $CLIENT; then fail insmod
	elif ! wait_for 30 logged_more 'goodbye!' $g0; then
		fail "no goodbye!"
	else
		n=$(( $(count 'rpmsg_client_sample.*incoming msg') - i0 ))
		if [ "$n" -eq 100 ]; then pass; else fail "$n incoming messages, want 100"; fi
	fi
	unload
fi

# (b) user space through /dev/rpmsg_ctrl0: 10,000 echo round trips.
if want b; then
	step b-rpmsg-char
	load $ECHO
	if ! wait_for 10 has_ctrl 0; then fail "no rpmsg_ctrl for remoteproc0"
	elif ! wait_for 10 trace_has 0 'link up'; then fail "MCU link not up"
	elif ! rtest 0 10000; then fail "rpmsg_test"
	elif ! rtest 0 -f $DBG/remoteproc0/asvirt_pause; then
		fail "flood (EAGAIN, poll, resume)"
	else pass; fi
	unload
fi

# (c) 50 stop/start cycles, 20 rmmod/insmod cycles (kmemleak: step kernel-log).
# The ARM guest runs half of them: a cycle takes it about 2.5 times as long
# under TCG, what leaks or stays behind shows after any count, and the
# restart races get the x86_64 guests' full counts on both kernels.
STOPS=50 INSMODS=20
case $(uname -m) in arm*) STOPS=25 INSMODS=10 ;; esac
if want c; then
	step c-cycles
	ok=1
	load $ECHO
	wait_for 10 state_is 0 running || { ok=0; fail "not running"; }
	i=0
	while [ $ok = 1 ] && [ $i -lt $STOPS ]; do
		echo stop >$RP/remoteproc0/state || { ok=0; fail "stop $i"; }
		echo start >$RP/remoteproc0/state || { ok=0; fail "start $i"; }
		wait_for 10 has_ctrl 0 || { ok=0; fail "no ctrl after start $i"; }
		i=$((i + 1))
		[ $((i % 10)) = 0 ] && echo "ASVIRT-PROGRESS: $CUR $i/$STOPS"
	done
	[ $ok = 1 ] && { rtest 0 100 || { ok=0; fail "echo after cycles"; }; }
	# One MCU and one host ISR thread while running, none after stop.
	n=$(ps | grep -c '[a]svirt-')
	[ $ok = 1 ] && [ "$n" != 2 ] && { ok=0; fail "$n asvirt threads while running, want 2"; }
	echo stop >$RP/remoteproc0/state
	n=$(ps | grep -c '[a]svirt-')
	[ $ok = 1 ] && [ "$n" != 0 ] && { ok=0; fail "$n asvirt threads after stop"; }
	unload
	i=0
	while [ $ok = 1 ] && [ $i -lt $INSMODS ]; do
		load_auto || { ok=0; fail "insmod $i"; }
		wait_for 10 has_ctrl 0 || { ok=0; fail "no ctrl after insmod $i"; }
		# DT: the second node boots too (client-sample has a ctrl as well).
		[ $ok = 1 ] && [ $DT = 1 ] && { wait_for 10 has_ctrl 1 || { ok=0; fail "no ctrl 1 after insmod $i"; }; }
		unload || { ok=0; fail "rmmod $i"; }
		i=$((i + 1))
	done
	# Every thread of the module is gone after rmmod.
	if [ $ok = 1 ] && ps | grep -q '[a]svirt-'; then
		ps | grep '[a]svirt-'; ok=0; fail "kthreads left after rmmod"
	fi
	# what the cycles leaked, kmemleak finds at the end (step kernel-log)
	[ $ok = 1 ] && pass
fi

# (d) firmware switching, crash and recovery, trace0.
if want d; then
	step d-switch-crash-trace
	ok=1
	load $ECHO auto_boot=0
	g0=$(count 'goodbye!')
	set_fw 0 $CLIENT || { ok=0; fail "start client-sample"; }
	[ $ok = 1 ] && { wait_for 30 logged_more 'goodbye!' $g0 || { ok=0; fail "client-sample: no goodbye!"; }; }
	[ $ok = 1 ] && { trace_has 0 "app 'client-sample'" || { ok=0; fail "trace0 lacks client-sample"; }; }
	[ $ok = 1 ] && { set_fw 0 $ECHO || { ok=0; fail "start echo"; }; }
	[ $ok = 1 ] && { wait_for 10 has_ctrl 0 && rtest 0 100 || { ok=0; fail "echo after switch"; }; }
	if [ $ok = 1 ]; then
		r0=$(count 'recovering virtual')
		c0=$(count 'crash detected')
		echo 1 >$DBG/remoteproc0/asvirt_crash
		wait_for 10 logged_more 'crash detected' $c0 || { ok=0; fail "no crash report"; }
	fi
	[ $ok = 1 ] && { wait_for 10 state_is 0 running || { ok=0; fail "not running after recovery"; }; }
	[ $ok = 1 ] && { wait_for 10 has_ctrl 0 && wait_for 10 trace_has 0 'link up' && rtest 0 100 || { ok=0; fail "echo after recovery"; }; }
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
	load $ECHO auto_boot=0
	if set_fw 0 asvirt-corrupt.elf 2>/dev/null; then fail "corrupt firmware started"
	elif ! dmesg | tail -20 | grep -q "rsc table is truncated\|Failed to process resources\|Boot failed"; then
		fail "no clear error in the log"
	elif ! set_fw 0 $ECHO; then fail "good firmware refused afterwards"
	elif ! wait_for 10 has_ctrl 0 || ! rtest 0 100; then fail "echo after refusal"
	else pass; fi
	unload
fi

# (g) a buffer address outside the rpmsg buffer window (a buggy host) is
# refused with a log line, never dereferenced; the MCU halts, the kernel
# recovers it and the channels come back.
if want g; then
	step g-bad-address
	load $ECHO
	c0=$(count 'crash detected')
	if ! wait_for 10 has_ctrl 0 || ! wait_for 10 trace_has 0 'link up'; then fail "not up"
	else
		echo 1 >$DBG/remoteproc0/asvirt_bad_addr
		rtest 0 1 >/dev/null 2>&1	# its message is lost
		if ! dmesg | grep -q 'outside the buffer region'; then fail "no refusal logged"
		elif ! wait_for 10 logged_more 'crash detected' $c0; then
			fail "MCU fault not reported"
		elif ! wait_for 10 state_is 0 running || ! wait_for 10 has_ctrl 0 ||
		     ! wait_for 10 trace_has 0 'link up' || ! rtest 0 100; then
			fail "no echo after recovery"
		else pass; fi
	fi
	unload
fi

# (x) the firmware misbehaves on purpose (debugfs asvirt_fault, the fault
# plan of docs/faults.md) and Linux reacts as its sources say (6.1 lines
# there): a message with a bad length is dropped by rpmsg_recv_single()
# ("inbound msg too big") and the next one is fine; a crash goes through
# rproc_report_crash() ("crash detected") and rproc_trigger_recovery()
# ("recovering"), and the channels come back; a dropped kick stalls the
# reply until the next kick (ring flags) or for good (EVENT_IDX: no kick
# is owed after it, vring_need_event()); a stall only delays.
fault() { echo "$1" >$DBG/remoteproc0/asvirt_fault; }
fault_has() { sed -n 2p $DBG/remoteproc0/asvirt_fault | grep -q "$1"; }
fault_show() { echo "asvirt_fault: $(tr '\n' ' ' <$DBG/remoteproc0/asvirt_fault)"; }
up0() { wait_for 10 state_is 0 running && wait_for 10 has_ctrl 0 && wait_for 10 trace_has 0 'link up'; }
if want x; then
	step x-faults
	ok=1
	load $ECHO auto_boot=0
	# corrupt=ns-name, set before the start: Linux's rpmsg_ns_cb()
	# NUL-terminates the name itself and creates a channel under it
	fault corrupt=ns-name && echo start >$RP/remoteproc0/state || { ok=0; fail "start"; }
	[ $ok = 1 ] && { up0 || { ok=0; fail "not up"; }; }
	[ $ok = 1 ] && { wait_for 10 sh -c "dmesg | grep -q 'creating channel XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX addr 0x400'" &&
		fault_has "corrupted 1" || { ok=0; fault_show; fail "corrupt=ns-name: no channel XXX..."; }; }
	[ $ok = 1 ] && { rtest 0 20 >/dev/null || { ok=0; fail "echo after corrupt=ns-name"; }; }
	# bad specs are refused with a reason; the plan stays off
	for bad in crash-after=0 drop-kick=5/4 stall=50 corrupt=nothing explode=1 "stall=5ms,"; do
		[ $ok = 1 ] || break
		! fault "$bad" 2>/dev/null || { ok=0; fail "'$bad' accepted"; }
	done
	[ $ok = 1 ] && { [ "$(head -1 $DBG/remoteproc0/asvirt_fault)" = off ] &&
		dmesg | tail -5 | grep -q 'asvirt_fault: stall wants' ||
		{ ok=0; fault_show; fail "bad specs: plan not off or no reason logged"; }; }
	# corrupt=len: the echo is dropped by Linux, the next ones are fine
	if [ $ok = 1 ]; then
		t0=$(count 'inbound msg too big')
		fault corrupt=len
		! rtest 0 -m lost >/dev/null 2>&1 || { ok=0; fail "echo with a corrupt len arrived"; }
		[ $ok = 1 ] && { [ "$(count 'inbound msg too big')" -gt "$t0" ] && fault_has "corrupted 1" ||
			{ ok=0; fault_show; fail "no 'inbound msg too big'"; }; }
		[ $ok = 1 ] && { rtest 0 100 >/dev/null || { ok=0; fail "echo after corrupt=len"; }; }
		dmesg | grep 'inbound msg too big' | tail -1
	fi
	# stall: the echo waits, then comes (well inside rpmsg_test's 5 s poll,
	# on a loaded host too)
	if [ $ok = 1 ]; then
		fault stall=500ms
		rtest 0 -m slow || { ok=0; fail "echo after stall"; }
		[ $ok = 1 ] && { fault_has "stalls 1" || { ok=0; fault_show; fail "no stall"; }; }
	fi
	# drop-kick: the first echo waits for the second's kick
	if [ $ok = 1 ] && [ $RING = flags ]; then
		fault drop-kick=1
		rtest 0 -m first >/tmp/dk1 2>&1 &
		p1=$!
		wait_for 10 fault_has "dropped 1" || { ok=0; fault_show; fail "no kick dropped"; }
		usleep 500000
		[ $ok = 1 ] && { kill -0 $p1 2>/dev/null || { ok=0; cat /tmp/dk1; fail "echo arrived without a kick"; }; }
		[ $ok = 1 ] && { rtest 0 -m second >/dev/null || { ok=0; fail "second echo"; }; }
		wait $p1 || { [ $ok = 0 ] || { ok=0; cat /tmp/dk1; fail "first echo not delivered with the next kick"; }; }
		[ $ok = 1 ] && { fault_has "kicks [2-9]" && grep -q 'echo: "first"' /tmp/dk1 ||
			{ ok=0; fault_show; cat /tmp/dk1; fail "drop-kick"; }; }
	elif [ $ok = 1 ]; then
		# EVENT_IDX: Linux asked for one interrupt at this used index; the
		# MCU owes no later one, so both echoes stall until a restart
		fault drop-kick=1
		! rtest 0 -m first >/dev/null 2>&1 || { ok=0; fail "echo arrived without a kick"; }
		[ $ok = 1 ] && { ! rtest 0 -m second >/dev/null 2>&1 || { ok=0; fail "second echo arrived"; }; }
		[ $ok = 1 ] && { fault_has "kicks 1 dropped 1" || { ok=0; fault_show; fail "a kick raised after the dropped one"; }; }
		[ $ok = 1 ] && { echo 1 >$DBG/remoteproc0/asvirt_crash && up0 && rtest 0 100 >/dev/null ||
			{ ok=0; fail "no echo after the restart"; }; }
	fi
	# crash-after: the MCU crashes mid-test, Linux recovers it, echo works
	if [ $ok = 1 ]; then
		c0=$(count 'crash detected'); r0=$(count 'recovering')
		fault crash-after=5
		! rtest 0 100 >/dev/null 2>&1 || { ok=0; fail "100 echoes despite crash-after=5"; }
		[ $ok = 1 ] && { wait_for 10 logged_more 'crash detected' $c0 &&
			wait_for 10 logged_more 'recovering' $r0 ||
			{ ok=0; fail "no crash report and recovery"; }; }
		[ $ok = 1 ] && { fault_has "sent 5 .* crashes 1" && [ "$(head -1 $DBG/remoteproc0/asvirt_fault)" = off ] ||
			{ ok=0; fault_show; fail "crash-after=5: not 5 sent then one crash"; }; }
		[ $ok = 1 ] && { up0 && rtest 0 100 >/dev/null || { ok=0; fail "no echo after recovery"; }; }
		dmesg | grep -E 'fault injection: |crash detected|recovering' | tail -3
	fi
	[ $ok = 1 ] && { fault off; fault_show; pass; }
	unload
fi

# (t) a host that rewrites the loaded resource table while the MCU links
# (asvirt_table_race: the vdev entry's offset then points past the SRAM,
# right after the MCU's first read of the table): the MCU must not parse
# the rewritten table, the core refuses it with a log line, the MCU halts,
# the kernel recovers it (fresh table) and echo works.
if want t; then
	step t-table-race
	load $ECHO auto_boot=0
	c0=$(count 'crash detected')
	echo 1 >$DBG/remoteproc0/asvirt_table_race
	if ! echo start >$RP/remoteproc0/state; then fail "start"
	elif ! wait_for 10 logged_more 'crash detected' $c0; then
		fail "rewritten table not refused"
	elif ! dmesg | grep -q 'fault injection: table entry'; then fail "knob did not fire"
	elif ! dmesg | grep -q 'resource table.*outside the table'; then fail "no refusal logged"
	elif ! wait_for 10 state_is 0 running || ! wait_for 10 has_ctrl 0 ||
	     ! wait_for 10 trace_has 0 'link up' || ! rtest 0 100; then
		fail "no echo after recovery"
	else pass; fi
	unload
fi

# (k) stop while the MCU's senders are blocked in the send path: the host's
# interrupt masked (asvirt_host_pause), a kthread of the MCU flooding
# (asvirt_flood) and the echo app's callback blocked on the ISR thread
# (a reader that never reads), then the rproc stop through sysfs, and
# again with rmmod. The senders must leave with ESHUTDOWN, the stop must
# not report a crash, no thread is left, nothing leaks (kmemleak), no
# lockdep/KASAN report (the last step checks these two).
uptime_cs() { sed 's/^\([0-9]*\)\.\([0-9]*\) .*/\1\2/' /proc/uptime; }
senders_blocked() { grep -q 'senders_in_slow_path 2' $DBG/remoteproc0/asvirt_stats; }
# block_senders: both senders of remoteproc0 blocked, or fail.
block_senders() {
	echo 1 >$DBG/remoteproc0/asvirt_host_pause || return 1
	echo 0x7777 >$DBG/remoteproc0/asvirt_flood || return 1
	rtest 0 -n 300 &
	UNREAD=$!
	wait_for 20 senders_blocked || { cat $DBG/remoteproc0/asvirt_stats; return 1; }
	cat $DBG/remoteproc0/asvirt_stats | tr '\n' ' '; echo
}
# stopped_cleanly WHAT C0 L0 F0: checks after a stop while blocked.
stopped_cleanly() {
	kill $UNREAD 2>/dev/null; wait $UNREAD 2>/dev/null
	[ "$(count 'crash detected')" = "$2" ] || { fail "$1 reported a crash"; return 1; }
	[ "$(count 'mcu: link down')" = "$3" ] || { fail "$1: MCU says link down"; return 1; }
	[ "$(count 'flood thread: .* then ESHUTDOWN')" -gt "$4" ] ||
		{ dmesg | grep 'flood thread'; fail "$1: flood sender did not end with ESHUTDOWN"; return 1; }
	! ps | grep -q '[a]svirt-' || { ps | grep '[a]svirt-'; fail "$1: threads left"; return 1; }
}
if want k; then
	step k-stop-while-sending
	ok=1
	load $ECHO
	{ wait_for 10 has_ctrl 0 && wait_for 10 trace_has 0 'link up'; } || { ok=0; fail "not up"; }
	[ $ok = 1 ] && { block_senders || { ok=0; fail "senders not blocked"; }; }
	if [ $ok = 1 ]; then
		c0=$(count 'crash detected'); l0=$(count 'mcu: link down')
		f0=$(count 'flood thread: .* then ESHUTDOWN')
		t0=$(uptime_cs)
		echo stop >$RP/remoteproc0/state || { ok=0; fail "stop"; }
		echo "stop with 2 blocked senders: $(( $(uptime_cs) - t0 ))0 ms"
		[ $ok = 1 ] && { state_is 0 offline || { ok=0; fail "not offline after stop"; }; }
		[ $ok = 1 ] && { stopped_cleanly stop $c0 $l0 $f0 || ok=0; }
	fi
	# The same remote starts again and works; then the same block, rmmod.
	[ $ok = 1 ] && { echo start >$RP/remoteproc0/state && wait_for 10 has_ctrl 0 &&
		wait_for 10 trace_has 0 'link up' && rtest 0 100 >/dev/null ||
		{ ok=0; fail "echo after the stop"; }; }
	[ $ok = 1 ] && { block_senders || { ok=0; fail "senders not blocked (2)"; }; }
	if [ $ok = 1 ]; then
		c0=$(count 'crash detected'); l0=$(count 'mcu: link down')
		f0=$(count 'flood thread: .* then ESHUTDOWN')
		t0=$(uptime_cs)
		unload || { ok=0; fail "rmmod"; }
		echo "rmmod with 2 blocked senders: $(( $(uptime_cs) - t0 ))0 ms"
		[ $ok = 1 ] && { stopped_cleanly rmmod $c0 $l0 $f0 || ok=0; }
	else
		unload
	fi
	[ $ok = 1 ] && pass
fi

# (at-attach) attach mode (attach=1): the module plays the bootloader at
# probe (firmware loaded into the MCU's SRAM, the MCU started) and adds the
# rproc RPROC_DETACHED; Linux attaches (6.1 remoteproc_core.c rproc_boot
# l. 1915 -> rproc_attach l. 1588), the state reads "attached" and the
# firmware "unknown" (remoteproc_sysfs.c firmware_show l. 131-146). Five
# detach/attach cycles through sysfs (rproc_detach l. 2064, rproc_boot):
# detached, the channels go, the MCU's thread lives on (same pid) and saw
# the clean table back (rproc_reset_rsc_table_on_detach l. 1490: vdev
# status 0); attached again, echo works and the rings are at rest. A crash
# of the attached MCU recovers by stop + load + start
# (rproc_boot_recovery l. 1788: the module leaves
# RPROC_FEAT_ATTACH_ON_RECOVERY off) and the remote then runs. stop ends
# it for good, no thread is left; rmmod after a detach stops the MCU too.
mcu_pid() { ps | awk '$NF == "[asvirt-mcu0]" { print $1 }'; }
if want at-attach; then
	step at-attach
	ok=1
	b0=$(count 'attach: MCU booted early')
	insmod $M/asvirt_remoteproc.ko attach=1 firmware=$ECHO || { ok=0; fail insmod; }
	[ $ok = 1 ] && { wait_for 10 state_is 0 attached ||
		{ ok=0; fail "state $(cat $RP/remoteproc0/state), want attached"; }; }
	[ $ok = 1 ] && { [ "$(count 'attach: MCU booted early')" -gt "$b0" ] &&
		dmesg | grep -q 'attaching to ' ||
		{ ok=0; fail "no early boot and attach in the log"; }; }
	[ $ok = 1 ] && { [ "$(cat $RP/remoteproc0/firmware)" = unknown ] ||
		{ ok=0; fail "firmware reads $(cat $RP/remoteproc0/firmware) while attached"; }; }
	[ $ok = 1 ] && { wait_for 10 has_ctrl 0 && rtest 0 200 || { ok=0; fail "echo while attached"; }; }
	pid0=$(mcu_pid)
	[ $ok = 1 ] && [ -z "$pid0" ] && { ok=0; fail "no asvirt-mcu0 thread"; }
	i=0
	while [ $ok = 1 ] && [ $i -lt 5 ]; do
		i=$((i + 1))
		d0=$(count 'host detached, vdev status reset to 0')
		echo detach >$RP/remoteproc0/state || { ok=0; fail "detach $i"; break; }
		state_is 0 detached || { ok=0; fail "state $(cat $RP/remoteproc0/state) after detach $i"; break; }
		[ "$(count 'host detached, vdev status reset to 0')" -gt "$d0" ] ||
			{ ok=0; fail "detach $i: the MCU did not find the clean table"; break; }
		! has_ctrl 0 || { ok=0; fail "detach $i: rpmsg_ctrl still there"; break; }
		[ "$(mcu_pid)" = "$pid0" ] ||
			{ ps | grep '[a]svirt-'; ok=0; fail "detach $i: MCU thread $pid0 gone"; break; }
		echo start >$RP/remoteproc0/state || { ok=0; fail "attach $i"; break; }
		wait_for 10 state_is 0 attached || { ok=0; fail "state $(cat $RP/remoteproc0/state) after attach $i"; break; }
		[ "$(mcu_pid)" = "$pid0" ] || { ok=0; fail "attach $i: the MCU was restarted"; break; }
		wait_for 10 has_ctrl 0 && rtest 0 100 >/dev/null || { ok=0; fail "echo after attach $i"; break; }
		wait_for 5 rings_at_rest 0 || { cat $DBG/remoteproc0/asvirt_rings; ok=0; fail "rings not at rest after attach $i"; }
	done
	[ $ok = 1 ] && echo "$i detach/attach cycles, MCU thread pid $pid0 throughout"
	if [ $ok = 1 ]; then
		c0=$(count 'crash detected')
		echo 1 >$DBG/remoteproc0/asvirt_crash || { ok=0; fail "crash knob"; }
		[ $ok = 1 ] && { wait_for 10 logged_more 'crash detected' $c0 &&
			wait_for 10 state_is 0 running || { ok=0; fail "attached MCU not recovered: $(cat $RP/remoteproc0/state)"; }; }
		[ $ok = 1 ] && { wait_for 10 has_ctrl 0 && rtest 0 100 >/dev/null || { ok=0; fail "echo after recovery"; }; }
	fi
	[ $ok = 1 ] && { echo stop >$RP/remoteproc0/state && state_is 0 offline || { ok=0; fail "stop"; }; }
	# remoteproc0's threads (DT: remoteproc1 stays attached meanwhile)
	[ $ok = 1 ] && ps | grep -q '\[asvirt-[a-z]*0\]' && { ps | grep '[a]svirt-'; ok=0; fail "threads left after stop"; }
	unload || { ok=0; fail rmmod; }
	# rmmod of a detached remote: its MCU still runs, the module stops it
	if [ $ok = 1 ]; then
		insmod $M/asvirt_remoteproc.ko attach=1 firmware=$ECHO &&
			wait_for 10 state_is 0 attached && wait_for 10 has_ctrl 0 &&
			echo detach >$RP/remoteproc0/state && state_is 0 detached &&
			[ -n "$(mcu_pid)" ] || { ok=0; fail "attach, detach before rmmod"; }
		unload || { ok=0; fail "rmmod detached"; }
		! ps | grep -q '[a]svirt-' || { ps | grep '[a]svirt-'; ok=0; fail "threads left after rmmod"; }
	fi
	[ $ok = 1 ] && pass
fi

# (f) two virtual remotes at once, each with its own channels.
if want f; then
	step f-two-remotes
	load2 $ECHO
	if ! wait_for 10 has_ctrl 0 || ! wait_for 10 has_ctrl 1; then fail "no two ctrl devices"
	else
		rtest 0 2000 >/tmp/r0 2>&1 &
		p0=$!
		rtest 1 2000 >/tmp/r1 2>&1
		r1=$?
		wait $p0; r0=$?
		cat /tmp/r0 /tmp/r1
		n=$(ls /sys/bus/rpmsg/devices | grep -c 'rpmsg-echo')
		if [ $r0 = 0 ] && [ $r1 = 0 ] && [ "$n" = 2 ]; then pass
		else fail "r0=$r0 r1=$r1 echo channels=$n"; fi
	fi
	unload
fi

# (s) stress: both remotes, 4 endpoints each, every endpoint writing and
# reading at full rate at once; sequence numbers and checksums on every
# message (rpmsg_test -s). Default on ARM (SMP, weakly ordered); on x86 when
# selected (asvirt.tests=s).
if want_dt s; then
	step s-stress
	N=4000
	load2 $ECHO
	if ! wait_for 10 has_ctrl 0 || ! wait_for 10 has_ctrl 1 ||
	   ! wait_for 10 trace_has 0 'link up' || ! wait_for 10 trace_has 1 'link up'; then
		fail "two remotes not up"
	else
		rtest 0 -s 4 $N >/tmp/s0 2>&1 &
		p0=$!
		rtest 1 -s 4 $N >/tmp/s1 2>&1 &
		p1=$!
		# alive ticks for the host's watchdog on a loaded machine while
		# either runs; a real stall is caught by the test itself (no
		# echo on any endpoint for 30 s)
		( while kill -0 $p0 2>/dev/null || kill -0 $p1 2>/dev/null; do
			sleep 20; echo "ASVIRT-PROGRESS: $CUR"; done ) &
		tick=$!
		wait $p1; r1=$?
		wait $p0; r0=$?
		kill $tick 2>/dev/null; wait $tick 2>/dev/null
		cat /tmp/s0 /tmp/s1
		if [ $r0 = 0 ] && [ $r1 = 0 ]; then
			# debugfs asvirt_rings at rest: vring1 (host -> MCU) all
			# consumed, vring0 (host's receive buffers) all posted again
			if wait_for 5 rings_at_rest 0 && wait_for 5 rings_at_rest 1; then pass; else
				cat $DBG/remoteproc0/asvirt_rings $DBG/remoteproc1/asvirt_rings
				fail "rings not at rest after the stress"
			fi
		else
			# where it stalled: each MCU's rings, counters, last trace lines
			for n in 0 1; do
				echo "remoteproc$n rings:"; cat $DBG/remoteproc$n/asvirt_rings
				echo "remoteproc$n stats:"; cat $DBG/remoteproc$n/asvirt_stats
				cat $DBG/remoteproc$n/asvirt_vq_counts
				echo "remoteproc$n trace0 (last lines):"; tail -15 $DBG/remoteproc$n/trace0
			done
			fail "r0=$r0 r1=$r1"
		fi
	fi
	unload
fi

# (n) notifications per message against Linux: a rpmsg_char flood (one
# endpoint, its writer and reader at once, at most 24 messages unanswered:
# rpmsg_test -s 1 N), then the module's per-vring counters (debugfs
# asvirt_vq_counts, reset before the flood): kicks and interrupts per
# message in each direction. Only sanity bounds, no rates: interrupts came
# and found work, no counter exceeds one per message plus a constant
# (a little traffic besides the flood: the endpoint's creation, ...), and
# irqs_work <= irqs <= notifies, each + 1: the reset is not atomic, and the
# one interrupt the host's thread may be handling for a vring can straddle
# it (the channel's name announcement, waited for, is the last one before).
if want n; then
	step n-notify-counts
	N=2000
	C=16
	load $ECHO
	if ! wait_for 10 has_ctrl 0 || ! wait_for 10 trace_has 0 'link up' ||
	   ! wait_for 10 sh -c 'ls /sys/bus/rpmsg/devices | grep -q rpmsg-echo'; then fail "not up"
	elif ! echo 0 >$DBG/remoteproc0/asvirt_vq_counts; then fail "reset the counters"
	elif ! rtest 0 -s 1 $N; then fail "flood"
	else
		cat $DBG/remoteproc0/asvirt_vq_counts
		bad=
		for v in 0 1; do
			k=$(vq $v kicks); no=$(vq $v notifies); i=$(vq $v irqs); w=$(vq $v irqs_work)
			[ -n "$k" ] && [ -n "$no" ] && [ -n "$i" ] && [ -n "$w" ] ||
				{ bad="no counters for vring $v"; break; }
			[ $k -le $((N + C)) ] || bad="$bad vring$v: $k kicks for $N messages;"
			[ $no -le $((N + C)) ] || bad="$bad vring$v: $no notifies for $N messages;"
			[ $w -le $((i + 1)) ] && [ $i -le $((no + 1)) ] ||
				bad="$bad vring$v: not irqs_work $w <= irqs $i <= notifies $no (+1);"
		done
		[ -z "$bad" ] && [ $(($(vq 0 irqs_work) + $(vq 1 irqs_work))) -lt 1 ] &&
			bad="no interrupt found work"
		[ -z "$bad" ] && [ $(vq 1 kicks) -lt 1 ] && bad="no kick for $N messages"
		if [ -n "$bad" ]; then fail "$bad"
		else
			echo "ASVIRT-INFO: $CUR: $N messages each way, per message:" \
				"host->MCU (vring1) $(per_msg $(vq 1 kicks) $N) kicks," \
				"$(per_msg $(vq 1 irqs) $N) irqs (tx buffers back);" \
				"MCU->host (vring0) $(per_msg $(vq 0 irqs) $N) irqs" \
				"($(per_msg $(vq 0 irqs_work) $N) with work, $(per_msg $(vq 0 notifies) $N) notifies)," \
				"$(per_msg $(vq 0 kicks) $N) kicks (rx buffers back)"
			pass
		fi
	fi
	unload
fi
# (x) the MCU's protocol events through ftrace: with asvirt:asvirt_event
# enabled, one echo through /dev/rpmsg; the capture is printed on the
# console between ASVIRT-FTRACE-BEGIN/END (each line prefixed, the console
# quiet meanwhile), and the host converts it (asvirt trace convert) and
# decodes it (tests/qemu/check_ftrace.sh, from qemu/check.sh). Disabled
# again (the MCUs lose their recorder), a second echo records nothing.
if want x; then
	step x-ftrace
	TR=/sys/kernel/tracing
	EV=$TR/events/asvirt/asvirt_event
	[ -d $TR/events ] || mount -t tracefs tracefs $TR
	load $ECHO
	if ! wait_for 10 has_ctrl 0 || ! wait_for 10 trace_has 0 'link up'; then fail "not up"
	elif [ ! -d $EV ]; then fail "no $EV (tracefs: $(ls $TR 2>&1 | head -3))"
	elif ! echo >$TR/trace || ! echo 1 >$EV/enable; then fail "enable $EV"
	elif ! rtest 0 -m "hello ftrace"; then fail "echo with the event enabled"
	elif ! echo 0 >$EV/enable; then fail "disable $EV"
	else
		n=$(grep -c 'asvirt_event: ' $TR/trace)
		if ! rtest 0 -m "not traced"; then fail "echo with the event disabled"
		elif [ "$n" -lt 2 ]; then fail "$n asvirt_event lines"
		elif [ "$(grep -c 'asvirt_event: ' $TR/trace)" != "$n" ]; then
			fail "events recorded while disabled"
		else
			echo "$n asvirt_event lines"
			pk=$(cut -f1 /proc/sys/kernel/printk)
			echo 1 >/proc/sys/kernel/printk
			echo "ASVIRT-FTRACE-BEGIN"
			sed 's/^/ASVIRT-FTRACE: /' $TR/trace
			echo "ASVIRT-FTRACE-END"
			echo "$pk" >/proc/sys/kernel/printk
			pass
		fi
	fi
	unload
fi
# (xcost) what the trace event costs when enabled (docs/trace.md, Cost); only
# when selected (scripts/trace-cost-qemu.sh: qemu/check.sh xcost). A
# rpmsg_char flood of XN messages each way (rpmsg_test -s 1, as step n) with
# asvirt:asvirt_event disabled, then enabled, XR times in turn; for each run
# its seconds, the guest's busy CPU time (/proc/stat, all CPUs, USER_HZ
# ticks) and the events the trace buffer took (entries + overrun), as
# ASVIRT-INFO lines the host script summarises. Nothing about the figures is
# asserted: the step fails only when a flood fails or records wrongly.
if in_pass xcost && echo ",$SEL," | grep -q ",xcost,"; then
	step xcost
	TR=/sys/kernel/tracing
	EV=$TR/events/asvirt/asvirt_event
	XN=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^asvirt.xn=//p')
	XN=${XN:-20000}
	XR=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^asvirt.xr=//p')
	XR=${XR:-5}
	[ -d $TR/events ] || mount -t tracefs tracefs $TR
	busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
	events() { cat $TR/per_cpu/cpu*/stats | awk '/^(entries|overrun):/ { n += $2 } END { print n + 0 }'; }
	load $ECHO
	bad=
	if ! wait_for 10 has_ctrl 0 || ! wait_for 10 trace_has 0 'link up'; then bad="not up"
	elif [ ! -d $EV ]; then bad="no $EV"
	fi
	i=0
	while [ -z "$bad" ] && [ $i -lt "$XR" ]; do
		i=$((i + 1))
		for on in 0 1; do
			echo 0 >$EV/enable && echo >$TR/trace && echo $on >$EV/enable ||
				{ bad="set $EV/enable to $on"; break; }
			c0=$(busy)
			out=$(rtest 0 -s 1 "$XN") || { bad="flood: $out"; break; }
			c1=$(busy)
			echo 0 >$EV/enable
			secs=$(echo "$out" | sed -n 's/.* each way in \([0-9.]*\) s .*/\1/p')
			ne=$(events)
			[ $on = 1 ] && [ "$ne" -lt "$XN" ] && { bad="$ne events for $XN messages"; break; }
			[ $on = 0 ] && [ "$ne" != 0 ] && { bad="$ne events while disabled"; break; }
			echo "ASVIRT-INFO: xcost run $i event $on: $XN messages each way in $secs s," \
				"busy $((c1 - c0)) ticks, $ne events"
		done
	done
	if [ -n "$bad" ]; then fail "$bad"; else pass; fi
	unload
fi
}

# (cpus) the guest runs on every CPU QEMU gives it (x86 -smp 2, ARM -smp 2..4: the host's cores):
# the module's MCU threads, Linux's ISR thread and user space meet on
# different CPUs only then (without ACPI an x86 kernel saw one CPU).
step cpus
want_cpus=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^asvirt.cpus=//p')
online=$(grep -c '^processor' /proc/cpuinfo)
if [ -n "$want_cpus" ] && [ "$online" -lt "$want_cpus" ]; then
	fail "$online CPU(s) online, QEMU gave $want_cpus"
else echo "$online CPUs online"; pass; fi

for RING in $(echo $RINGS | tr , ' '); do
	case $RING in
	flags) TAG=; sfx= ;;
	event_idx) TAG=@event-idx; sfx=-event-idx ;;
	*) echo "ASVIRT-FAIL: setup: unknown ring mode $RING"; continue ;;
	esac
	ECHO=asvirt-echo$sfx.elf
	CLIENT=asvirt-client-sample$sfx.elf
	echo "asvirt tests: pass $RING ($ECHO, $CLIENT)"
	suite
done
TAG=

# Any checker report anywhere in the log fails the run. kmemleak scans once
# for the whole run: what a step leaked stays unreferenced to the end, and
# each scan of a TCG guest's memory costs seconds of CPU (kmemleak_leaks:
# two scans 6 s apart).
step kernel-log
ok=1
if [ -w /sys/kernel/debug/kmemleak ]; then
	if kmemleak_leaks; then
		head -60 /sys/kernel/debug/kmemleak
		ok=0; fail "kmemleak reports leaks"
	fi
else
	ok=0; fail "kmemleak not active"
fi
if dmesg | grep -E -q 'WARNING:|BUG:|possible recursive locking|circular locking|INFO: task|Oops|kmemleak: [0-9]+ new suspected|unreferenced object'; then
	dmesg | grep -E -B2 -A20 'WARNING:|BUG:|possible recursive|circular locking|INFO: task|Oops|suspected' | head -80
	ok=0; fail "checker report in the kernel log"
fi
[ $ok = 1 ] && pass
