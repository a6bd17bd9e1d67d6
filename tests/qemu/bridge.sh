#!/bin/sh
# asvirt up --linux tests, run inside the guest by /init (asvirt.mode=bridge):
# Linux's rpmsg stack against a firmware that runs as a process on the PC,
# through kernel/asvirt_ivshmem.ko (loaded by /init: asvirt.bridge=1).
# asvirt.fw=FW[+FW...] names the firmware the PC runs (asvirt up --linux
# FW.so...), one ivshmem device and remoteproc each, in PCI slot order:
# each one's steps run against its own remoteproc, one firmware after the
# other (a hostile one dies and recovers meanwhile: the others must not
# notice), and the kernel log is checked once at the end. Markers as
# run.sh's (guest_lib.sh), read by qemu/check-bridge.sh. asvirt.count=N: echo
# round trips. asvirt.kills=N: the firmware process killed (kill -9, by
# check-bridge.sh on ASVIRT-KILL-FIRMWARE) N times while Linux runs (echo
# and cm-echo, each alone in its guest).
. /tests/guest_lib.sh
FWS=$(sed -n 's/.*asvirt\.fw=\([^ ]*\).*/\1/p' /proc/cmdline | tr + ' ')
N=$(sed -n 's/.*asvirt\.count=\([0-9]*\).*/\1/p' /proc/cmdline)
N=${N:-2000}
KILLS=$(sed -n 's/.*asvirt\.kills=\([0-9]*\).*/\1/p' /proc/cmdline)
KILLS=${KILLS:-20}
DIED='the firmware process on the PC died'
GDB_ROUNDS_S=20 # bridge-gdb's rounds, around check-bridge.sh's gdb stop

step() { CUR=bridge-$1; echo "ASVIRT-STEP: $CUR"; }
fail_details() { grep -i "CPU\|asvirt" /proc/interrupts; }
# The remoteprocs whose parent is an ivshmem PCI device (asvirt_ivshmem),
# one line each, "BDF remoteprocN", in PCI order (the rproc's name is its
# device's, asvivs_probe); true when there are as many as firmware.
bridge_rprocs() {
	for r in $RP/remoteproc*; do
		case $(readlink -f $r) in */pci*) echo "$(cat $r/name) ${r##*/}" ;; esac
	done | sort >/tmp/rprocs
	[ "$(grep -c . /tmp/rprocs)" = "$(echo $FWS | wc -w)" ]
}
has_ctrl() { ctrl_of $1 >/dev/null; }
rproc_is() { [ "$(cat $RP/$1/state)" = "$2" ]; } # remoteprocN STATE
# round_trips remoteprocN WHAT: N round trips through its /dev/rpmsgN,
# sizes 1..496, checksummed; the figure as WHAT's.
round_trips() {
	if ! wait_for 30 has_ctrl $1; then
		fail "no rpmsg_ctrl on $1 ($2)"
	elif ! rpmsg_test $(ctrl_of $1) $N >/tmp/echo 2>&1; then
		cat /tmp/echo; fail "rpmsg_test ($2)"
	else
		echo "ASVIRT-INFO: $CUR: $2: $(grep PASS /tmp/echo)"
		pass
	fi
}
# The same round trips to the in-guest MCU (asvirt_remoteproc.ko), same
# boot: the figure the bridge's p50 is compared with.
in_guest_mcu() {
	step echo-in-guest-mcu
	insmod /lib/modules/asvirt_remoteproc.ko firmware=asvirt-echo.elf
	M=
	for r in $RP/remoteproc*; do
		[ "$(cat $r/name 2>/dev/null)" = asvirt-rproc.0 ] && M=${r##*/}
	done
	if [ -z "$M" ]; then
		fail "no in-guest MCU"
	else
		round_trips $M "in-guest MCU"
	fi
	rmmod asvirt_remoteproc
}
# kills WHAT: the PC kills the firmware (kill -9 on ASVIRT-KILL-FIRMWARE)
# recovered C0 R0 [WHAT]: since C0 channel creations and R0 crash reports
# were counted, a crash was reported (MSI-X vector 1), remoteproc
# recovered, the channel came back and echoes 100 messages; else the step
# fails, WHAT before the reason.
recovered() {
	if ! wait_for 60 logged_more "$died" $2; then
		fail "${3:-}no crash reported"
	elif ! wait_for 60 logged_more "creating channel rpmsg-echo" $1; then
		fail "${3:-}the channel did not come back"
	elif ! wait_for 30 has_ctrl $R || ! rpmsg_test $(ctrl_of $R) 100 >/tmp/echo 2>&1; then
		cat /tmp/echo; fail "${3:-}no echo after recovery"
	else
		return 0
	fi
	return 1
}

# KILLS times while Linux runs: each time the crash is reported (MSI-X
# vector 1), remoteproc recovers, the PC starts it again and the channel
# comes back and echoes. Then ASVIRT-KILLS-DONE: the PC compares what
# asvirt up holds with before the first kill.
kills() {
	ok=1
	i=0
	while [ $ok = 1 ] && [ $i -lt $KILLS ]; do
		i=$((i + 1))
		c0=$(count 'creating channel rpmsg-echo')
		r0=$(count "$died")
		echo "ASVIRT-KILL-FIRMWARE: $i"
		recovered $c0 $r0 "kill $i: " || ok=0
	done
	if [ $ok = 1 ]; then
		echo "ASVIRT-INFO: $CUR: $KILLS $1, recovered and echoing each time"
		pass
	fi
	echo "ASVIRT-KILLS-DONE"
	sleep 2
}
echo "asvirt bridge tests: firmware $FWS, $(grep -c ^processor /proc/cpuinfo) CPUs"

step probe
if ! wait_for 30 bridge_rprocs; then
	fail "$(grep -c . /tmp/rprocs) remoteprocs on ivshmem devices for firmware $FWS"; exit 0
fi
for R in $(cut -d' ' -f2 /tmp/rprocs); do
	if ! wait_for 30 rproc_is $R running; then fail "$R is $(cat $RP/$R/state)"; exit 0; fi
done
pass

nth=0 # (the steps' own loops use i)
for FW in $FWS; do
	nth=$((nth + 1))
	BDF=$(sed -n "${nth}p" /tmp/rprocs | cut -d' ' -f1)
	R=$(sed -n "${nth}p" /tmp/rprocs | cut -d' ' -f2)
	# its device's crash reports only (another firmware may die meanwhile)
	died="$BDF: $DIED"
	echo "asvirt bridge tests: firmware $FW on $R ($BDF)"
	case $FW in
	client-sample)
		# The kernel's sample against the firmware process: 100 messages, goodbye.
		step client-sample
		g0=$(count 'goodbye!')
		i0=$(count 'rpmsg_client_sample.*incoming msg')
		insmod /lib/modules/rpmsg_client_sample.ko
		if ! wait_for 60 logged_more "goodbye!" $g0; then
			fail "no goodbye!"
		else
			n=$(( $(count 'rpmsg_client_sample.*incoming msg') - i0 ))
			if [ $n = 100 ]; then pass; else fail "$n messages, not 100"; fi
		fi
		rmmod rpmsg_client_sample
		;;
	echo)
		step echo
		round_trips $R "firmware process"
		# gdb on the firmware process while Linux runs, as the README says:
		# check-bridge.sh attaches (gdb -p PID) on this marker, stops it 1 s
		# and detaches (a bridge-gdb result, which also asserts the detach came
		# before this step's end). Rounds of 200 round trips for GDB_ROUNDS_S
		# meanwhile
		# (check-bridge.sh prints how long gdb took: a few seconds), each
		# message allowed 5 s (rpmsg_test), must all complete; the longest
		# round is shown.
		step gdb
		echo "ASVIRT-GDB-FIRMWARE"
		ok=1
		i=0
		longest=0
		end=$(($(uptime_s) + GDB_ROUNDS_S))
		while [ $ok = 1 ] && [ "$(uptime_s)" -lt $end ]; do
			i=$((i + 1))
			[ $((i % 10)) = 0 ] && echo "ASVIRT-PROGRESS: $CUR round $i"
			# the whole round, its setup's echo too (gdb's stop may fall there)
			read -r a _ </proc/uptime
			if ! rpmsg_test $(ctrl_of $R) 200 >/tmp/echo 2>&1; then
				cat /tmp/echo; ok=0; fail "round $i: rpmsg_test across gdb's stop"
			else
				read -r b _ </proc/uptime
				longest=$(awk -v a="$a" -v b="$b" -v l="$longest" \
					'BEGIN { printf "%.2f", (b - a > l) ? b - a : l }')
			fi
		done
		if [ $ok = 1 ]; then
			echo "ASVIRT-INFO: $CUR: $i rounds of 200 round trips in $GDB_ROUNDS_S s, the longest $longest s"
			pass
		fi
		# kill -9 of the firmware process: a new one at the recovered DRIVER_OK
		step restart
		kills "kills"

		in_guest_mcu
		;;
	cm-echo)
		# The Cortex-M echo image on QEMU's mps2-an386 board as the remote
		# (asvirt up --linux --arch arm asvirt-echo.elf): BAR2 is the board's
		# RAM, the MCU learned the buffer window from vring0.
		step cm-echo
		round_trips $R "Cortex-M board"
		# kill -9 of the board's QEMU: a new one at the recovered DRIVER_OK
		step cm-restart
		kills "kills of the board"
		in_guest_mcu
		;;
	cm-fault)
		# asvirt-cm-fault.elf bus-faults on the message "fault": the board
		# port's fault handler sends its fault byte, asvirt up reports the
		# crash (MSI-X vector 1), remoteproc recovers, a new QEMU boots the
		# image again and the channel echoes (check-bridge.sh also wants the
		# fault's reason in asvirt up's log).
		step cm-fault
		c0=$(count 'creating channel rpmsg-echo')
		r0=$(count "$died")
		if ! wait_for 30 has_ctrl $R; then
			fail "no rpmsg_ctrl on $R"
		elif ! rpmsg_test $(ctrl_of $R) 100 >/tmp/echo 2>&1; then
			cat /tmp/echo; fail "no echo before the fault"
		elif rpmsg_test $(ctrl_of $R) -m fault >/tmp/echo 2>&1; then
			cat /tmp/echo; fail "the faulting message was answered"
		elif recovered $c0 $r0; then
			pass
		fi
		# "hang": the callback never returns, interrupts masked; the board's
		# heartbeat stops and asvirt up's watchdog (2 s) makes it a crash
		step cm-hang
		c0=$(count 'creating channel rpmsg-echo')
		r0=$(count "$died")
		if ! wait_for 30 has_ctrl $R; then
			fail "no rpmsg_ctrl on $R"
		elif rpmsg_test $(ctrl_of $R) -m hang >/tmp/echo 2>&1; then
			cat /tmp/echo; fail "the hanging message was answered"
		elif recovered $c0 $r0; then
			pass
		fi
		;;
	hostile)
		# asvirt-hostile.so (ASVIRT_HOSTILE=scribble:SEED:N) writes random bytes
		# over the shared block (table, trace, vrings) while linked, then exits;
		# each new one does it again. The guest driver and Linux must survive:
		# each death is reported, remoteproc recovers (its cached table, fresh
		# vrings), and the kernel log stays free of oops and WARN.
		# Its device's lines only: another firmware in this guest boots too.
		step scribble
		if ! wait_for 120 logged_more "$died" 2; then
			fail "$(count "$died") deaths reported, not 3"
		elif ! wait_for 60 logged_more "remote processor $BDF is now up" 3; then
			fail "not recovered: $(count "remote processor $BDF is now up") boots"
		else
			echo "ASVIRT-INFO: $CUR: $(count "$died") deaths, $(count "remote processor $BDF is now up") boots, $(dmesg | grep -c 'virtio.*out of range\|not a head\|rpmsg.*too big') ring errors logged (all devices)"
			# Quiet for kernel-log's scans: recovery off (remoteproc_sysfs.c
			# recovery_store), so the next death leaves the remote crashed
			# (remoteproc_core.c rproc_crash_handler_work, 6.1 l. 1891-1898,
			# 6.12 l. 1913-1920) and no new firmware starts; else the deaths
			# and boots go on, several a second, and slow every scan down.
			echo disabled >$RP/$R/recovery
			if wait_for 60 rproc_is $R crashed; then
				pass
			else
				fail "$R is $(cat $RP/$R/state), not crashed, with recovery disabled"
			fi
		fi
		;;
	echo-fault)
		# asvirt up --linux --fault asvirt-echo.so:corrupt=len@2: the
		# firmware's second message (the first echo, after its name-service
		# announcement) has the length 0xffff, larger than its buffer: Linux
		# drops it (6.1 virtio_rpmsg_bus.c rpmsg_recv_single() l. 732-735:
		# "inbound msg too big: (len, msg_len)"), the next echoes are fine.
		# Its length, not only the message: a hostile firmware's scribbles in
		# the same guest may make Linux say so too.
		step echo-fault
		t0=$(count 'inbound msg too big: (.*, 65535)')
		if ! wait_for 30 has_ctrl $R; then
			fail "no rpmsg_ctrl on $R"
		elif rpmsg_test $(ctrl_of $R) -m lost >/tmp/echo 2>&1; then
			cat /tmp/echo; fail "the corrupt echo arrived"
		elif [ "$(count 'inbound msg too big: (.*, 65535)')" -le "$t0" ]; then
			fail "no 'inbound msg too big: (..., 65535)'"
		elif ! rpmsg_test $(ctrl_of $R) 100 >/tmp/echo 2>&1; then
			cat /tmp/echo; fail "echo after the dropped message"
		else
			dmesg | grep 'inbound msg too big' | tail -1
			pass
		fi
		;;
	*)	step setup; fail "unknown firmware $FW in asvirt.fw" ;;
	esac
done

step kernel-log
# kmemleak (guest_lib.sh kmemleak_leaks): after the kills, the recoveries
# and the in-guest MCU's rmmod
leaks=
[ -e /sys/kernel/debug/kmemleak ] && kmemleak_leaks && leaks=1
if dmesg | grep -E -q 'WARNING:|BUG:|possible recursive locking|circular locking|INFO: task|Oops'; then
	dmesg | grep -E -B2 -A20 'WARNING:|BUG:|possible recursive|circular locking|INFO: task|Oops' | head -80
	fail "checker report in the kernel log"
elif [ -n "$leaks" ]; then
	head -60 /sys/kernel/debug/kmemleak
	fail "kmemleak reports leaks"
else
	pass
fi
