# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Helpers shared by the guest-side suites (run.sh, bridge.sh), sourced from
# /tests. Markers on the console, read by qemu/check.sh and check-bridge.sh:
#   ASVIRT-STEP: name     a step starts (the host times each step)
#   ASVIRT-PASS: name     ASVIRT-FAIL: name: reason
# The suite defines step() (its naming of steps sets CUR) and may define
# fail_details() to add to what a failure prints.
RP=/sys/class/remoteproc

pass() { echo "ASVIRT-PASS: $CUR"; }
fail() {
	echo "ASVIRT-FAIL: $CUR: $*"
	dmesg | tail -30
	command -v fail_details >/dev/null && fail_details
}
# A process costs a TCG guest with KASAN and lockdep about 15 ms to fork
# and 45 ms to fork and exec (x86_64 6.1, measured in the guest), and the
# suite once started 1,700 of them, most in polls. So the helpers the polls
# call fork nothing where the shell can do it: a sleep is a read that
# times out on a FIFO no one writes (fd 8), a sysfs file is read with read.
mkfifo /tmp/.asvirt-sleep 2>/dev/null
exec 8<>/tmp/.asvirt-sleep
nap() { read -r -t "$1" _ <&8; } # nap SECONDS (fractions too)
# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds.
wait_for() {
	t=$(( $1 * 10 )); shift
	while [ $t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		nap 0.1; t=$((t - 1))
	done
	return 1
}
count() { dmesg | grep -c "$1"; }
# logged_more PATTERN N: the kernel log has more than N lines with PATTERN
logged_more() { [ "$(count "$1")" -gt "$2" ]; }
# kmemleak_leaks: true when kmemleak finds unreferenced objects (both test
# kernels have it, no automatic scan). A scan reports an object it finds
# unreferenced only if its contents did not change since the scan before
# (mm/kmemleak.c kmemleak_scan: 6.1 l. 1653-1670, 6.12 l. 1833) and it was
# older than 5 s when the scan began (unreferenced_object: 6.1 l. 341-346,
# jiffies_last_scan l. 1565; 6.12 l. 348, 1727). So: one scan at once, the
# second once 6 s have passed since the call (what the first scan took
# counts towards them), not 6 s of sleep and then two scans.
uptime_s() { read -r u _ </proc/uptime; echo "${u%.*}"; }
kmemleak_leaks() {
	t0=$(uptime_s)
	echo scan >/sys/kernel/debug/kmemleak
	left=$((t0 + 6 - $(uptime_s)))
	if [ $left -gt 0 ]; then sleep $left; fi
	echo scan >/sys/kernel/debug/kmemleak
	grep -q unreferenced /sys/kernel/debug/kmemleak
}
# ctrl_of remoteprocN: its /dev/rpmsg_ctrlM (found under its sysfs node: with
# two remotes booting at once the numbering follows the boot order). The
# node's vdev device, its virtio device, the rpmsg_ctrl channel, the char
# device in its class directory (6.1 and 6.12: remoteprocN/rproc-virtio.0.auto/
# virtio0/virtio0.rpmsg_ctrl.0.0/rpmsg/rpmsg_ctrl0): a glob, no process.
ctrl_of() {
	for c in $RP/$1/*/*/*/rpmsg/rpmsg_ctrl[0-9]*; do
		[ -c "/dev/${c##*/}" ] && { echo "/dev/${c##*/}"; return 0; }
	done
	return 1
}
