#!/bin/sh
# asvirt up --linux tests, run inside the guest by /init (asvirt.mode=bridge):
# Linux's rpmsg stack against a firmware that runs as a process on the PC,
# through kernel/asvirt_ivshmem.ko (loaded by /init: asvirt.bridge=1).
# asvirt.fw=client-sample|echo names the firmware the PC runs. Markers as
# run.sh's (guest_lib.sh), read by qemu/check-bridge.sh. asvirt.count=N: echo
# round trips. asvirt.kills=N: the firmware process killed (kill -9, by
# check-bridge.sh on ASVIRT-KILL-FIRMWARE) N times while Linux runs.
. /tests/guest_lib.sh
FW=$(sed -n 's/.*asvirt\.fw=\([^ ]*\).*/\1/p' /proc/cmdline)
N=$(sed -n 's/.*asvirt\.count=\([0-9]*\).*/\1/p' /proc/cmdline)
N=${N:-10000}
KILLS=$(sed -n 's/.*asvirt\.kills=\([0-9]*\).*/\1/p' /proc/cmdline)
KILLS=${KILLS:-20}
DIED='the firmware process on the PC died'

step() { CUR=bridge-$1; echo "ASVIRT-STEP: $CUR"; }
fail_details() { grep -i "CPU\|asvirt" /proc/interrupts; }
# the remoteproc whose parent is the ivshmem PCI device (asvirt_ivshmem)
bridge_rproc() {
	for r in $RP/remoteproc*; do
		readlink -f $r | grep -q '/pci' && { echo ${r##*/}; return 0; }
	done
	return 1
}
has_ctrl() { ctrl_of $1 >/dev/null; }
running() { [ "$(cat $RP/$1/state)" = running ]; }
echo "asvirt bridge tests: firmware $FW, $(grep -c ^processor /proc/cpuinfo) CPUs"

step probe
if ! wait_for 30 bridge_rproc; then
	fail "no remoteproc on the ivshmem device"; exit 0
fi
R=$(bridge_rproc)
if ! wait_for 30 running $R; then fail "$R is $(cat $RP/$R/state)"; exit 0; fi
pass

case $FW in
client-sample)
	# The kernel's sample against the firmware process: 100 messages, goodbye.
	step client-sample
	g0=$(count 'goodbye!')
	i0=$(count 'rpmsg_client_sample.*incoming msg')
	insmod /lib/modules/rpmsg_client_sample.ko
	if ! wait_for 60 sh -c "[ \$(dmesg | grep -c 'goodbye!') -gt $g0 ]"; then
		fail "no goodbye!"
	else
		n=$(( $(count 'rpmsg_client_sample.*incoming msg') - i0 ))
		if [ $n = 100 ]; then pass; else fail "$n messages, not 100"; fi
	fi
	rmmod rpmsg_client_sample
	;;
echo)
	# Round trips through /dev/rpmsgN, sizes 1..496, checksummed.
	step echo
	if ! wait_for 30 has_ctrl $R; then
		fail "no rpmsg_ctrl on $R"
	elif ! rpmsg_test $(ctrl_of $R) $N >/tmp/echo 2>&1; then
		cat /tmp/echo; fail "rpmsg_test"
	else
		echo "ASVIRT-INFO: $CUR: firmware process: $(grep PASS /tmp/echo)"
		pass
	fi
	# kill -9 of the firmware process, KILLS times, while Linux runs: the
	# PC tells the guest (MSI-X vector 1), remoteproc recovers, the PC
	# starts a new firmware process and the channel comes back and echoes.
	step restart
	ok=1
	i=0
	while [ $ok = 1 ] && [ $i -lt $KILLS ]; do
		i=$((i + 1))
		c0=$(count 'creating channel rpmsg-echo')
		r0=$(count "$DIED")
		echo "ASVIRT-KILL-FIRMWARE: $i"
		if ! wait_for 60 sh -c "[ \$(dmesg | grep -c '$DIED') -gt $r0 ]"; then
			ok=0; fail "kill $i: no crash reported"
		elif ! wait_for 60 sh -c "[ \$(dmesg | grep -c 'creating channel rpmsg-echo') -gt $c0 ]"; then
			ok=0; fail "kill $i: the channel did not come back"
		elif ! wait_for 30 has_ctrl $R || ! rpmsg_test $(ctrl_of $R) 100 >/tmp/echo 2>&1; then
			cat /tmp/echo; ok=0; fail "kill $i: no echo after recovery"
		fi
	done
	if [ $ok = 1 ]; then
		echo "ASVIRT-INFO: $CUR: $KILLS kills, recovered and echoing each time"
		pass
	fi
	# the PC compares what asvirt up holds now with before the first kill
	echo "ASVIRT-KILLS-DONE"
	sleep 2

	# The same round trips to the in-guest MCU (asvirt_remoteproc.ko), same boot.
	step echo-in-guest-mcu
	insmod /lib/modules/asvirt_remoteproc.ko firmware=asvirt-echo.elf
	M=
	for r in $RP/remoteproc*; do
		[ "$(cat $r/name 2>/dev/null)" = asvirt-rproc.0 ] && M=${r##*/}
	done
	if [ -z "$M" ] || ! wait_for 30 has_ctrl $M; then
		fail "no in-guest MCU"
	elif ! rpmsg_test $(ctrl_of $M) $N >/tmp/mcu 2>&1; then
		cat /tmp/mcu; fail "rpmsg_test (in-guest MCU)"
	else
		echo "ASVIRT-INFO: $CUR: in-guest MCU: $(grep PASS /tmp/mcu)"
		pass
	fi
	rmmod asvirt_remoteproc
	;;
hostile)
	# asvirt-hostile.so (ASVIRT_HOSTILE=scribble:SEED:N) writes random bytes
	# over the shared block (table, trace, vrings) while linked, then exits;
	# each new one does it again. The guest driver and Linux must survive:
	# each death is reported, remoteproc recovers (its cached table, fresh
	# vrings), and the kernel log stays free of oops and WARN.
	step scribble
	if ! wait_for 120 sh -c "[ \$(dmesg | grep -c '$DIED') -ge 3 ]"; then
		fail "$(count "$DIED") deaths reported, not 3"
	elif ! wait_for 60 sh -c "[ \$(dmesg | grep -c 'remote processor .* is now up') -ge 4 ]"; then
		fail "not recovered: $(count 'is now up') boots"
	else
		echo "ASVIRT-INFO: $CUR: $(count "$DIED") deaths, $(count 'is now up') boots, $(dmesg | grep -c 'virtio.*out of range\|not a head\|rpmsg.*too big') ring errors logged"
		pass
	fi
	;;
*)	step setup; fail "unknown asvirt.fw=$FW" ;;
esac

step kernel-log
if dmesg | grep -E -q 'WARNING:|BUG:|possible recursive locking|circular locking|INFO: task|Oops'; then
	dmesg | grep -E -B2 -A20 'WARNING:|BUG:|possible recursive|circular locking|INFO: task|Oops' | head -80
	fail "checker report in the kernel log"
else
	pass
fi
