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
# ctrl_of remoteprocN: its /dev/rpmsg_ctrlM (found under its sysfs node: with
# two remotes booting at once the numbering follows the boot order).
ctrl_of() {
	c=$(find "$(readlink -f $RP/$1)/" -name 'rpmsg_ctrl[0-9]*' 2>/dev/null | head -1)
	[ -n "$c" ] && [ -c /dev/${c##*/} ] && echo /dev/${c##*/}
}
