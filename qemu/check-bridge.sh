#!/bin/bash
# make check-qemu (x86_64): `asvirt up --linux` boots the test kernel with
# kernel/asvirt_ivshmem.ko, once per firmware process (client-sample, echo),
# and tests/qemu/bridge.sh runs inside. Needs the user-space build (BUILD,
# default build/). Serial console in $OUT/bridge-FW.log. A boot that prints
# no new marker for ASVIRT_STEP_TIMEOUT seconds (default 180) is stopped.
# The guest's "ASVIRT-KILL-FIRMWARE: i" lines get the firmware process killed
# (kill -9 of the last pid asvirt up printed); what asvirt up holds (its fds,
# QEMU's fds, its children) at the first kill is compared with what it holds
# at "ASVIRT-KILLS-DONE", and asvirt status must show the session with every
# restart (a bridge-leaks result). Last line: "N passed, N failed".
set -uo pipefail
export ARCH=x86_64
. "$(dirname "$0")/lib.sh"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
STEP_TIMEOUT=${ASVIRT_STEP_TIMEOUT:-180}
COUNT=${ASVIRT_BRIDGE_COUNT:-10000}
KILLS=${ASVIRT_BRIDGE_KILLS:-20}
FWS=${ASVIRT_BRIDGE_FW:-client-sample echo hostile}

# held UPID: what the asvirt up process holds on the PC: its fds and QEMU's
# (by target), its children (live or zombie, name).
held() {
	local q
	echo "children:"
	ps --ppid "$1" -o stat=,comm= | awk '{ print ($1 ~ /^Z/ ? "zombie" : "live"), $2 }' | sort
	echo "asvirt up fds:"
	for f in /proc/$1/fd/*; do readlink "$f"; done | sort
	q=$(pgrep -P "$1" qemu-system)
	echo "QEMU fds:"
	[ -n "$q" ] && for f in /proc/$q/fd/*; do readlink "$f"; done | sort
}

# killer UPID LOG OUT RESULT (in the background, until UPID exits)
killer() {
	local upid=$1 log=$2 out=$3 res=$4 done=0 k n pid
	while kill -0 "$upid" 2>/dev/null; do
		n=$(grep -a -c '^ASVIRT-KILL-FIRMWARE' "$log")
		while [ "$done" -lt "$n" ]; do
			[ "$done" = 0 ] && held "$upid" >"$res.before"
			pid=$(sed -n 's/.*running, pid \([0-9]*\)$/\1/p' "$out" | tail -1)
			[ -n "$pid" ] && kill -9 "$pid"
			done=$((done + 1))
		done
		if [ ! -e "$res.after" ] && grep -a -q '^ASVIRT-KILLS-DONE' "$log"; then
			held "$upid" >"$res.after"
			# asvirt status shows the session: both sides, the restarts
			for t in 1 2 3 4 5; do
				"$BUILD/asvirt" status >"$res.status" 2>&1
				grep -q "running, restarts $done\$" "$res.status" && break
				sleep 1
			done
			if ! grep -q "^asvirt up --linux (pid $upid)" "$res.status" ||
				! grep -q "QEMU pid $(pgrep -P "$upid" qemu-system)" "$res.status" ||
				! grep -q "running, restarts $done\$" "$res.status"; then
				{ echo "FAIL: asvirt status after $done restarts said:"; cat "$res.status"; } >"$res"
			elif cmp -s "$res.before" "$res.after"; then
				echo "PASS: $done kills, nothing leaked: $(grep -c . "$res.after") fds and processes, as before; asvirt status: $(grep restarts "$res.status")" >"$res"
			else
				echo "FAIL: held after $done kills differs (before vs after):" >"$res"
				diff "$res.before" "$res.after" >>"$res"
			fi
		fi
		sleep 0.2
	done
}
set -e
cmake -S "$ROOT" -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j2 --target asvirt_cli >/dev/null
asvirt_prepare
set +e
accel=$(asvirt_accel)
passed=0
failed=0
for fw in $FWS; do
	log=$OUT/bridge-$fw.log
	leaks=$OUT/bridge-$fw.leaks
	: >"$log"
	rm -f "$leaks" "$leaks.before" "$leaks.after"
	echo "qemu: asvirt up --linux asvirt-$fw.so ($accel)"
	hostile=
	[ $fw = hostile ] && hostile=scribble:$RANDOM:2000:linked
	ASVIRT_HOSTILE=$hostile "$BUILD/asvirt" up --linux "$BUILD/firmware/asvirt-$fw.so" --kernel "$BZIMAGE" \
		--initrd "$INITRD" --accel "$accel" --console-log "$log" \
		--append "oops=panic tsc=reliable asvirt.mode=bridge asvirt.fw=$fw asvirt.count=$COUNT asvirt.kills=$KILLS" \
		</dev/null >"$OUT/bridge-$fw.out" 2>&1 &
	upid=$!
	killer $upid "$log" "$OUT/bridge-$fw.out" "$leaks" &
	timed_out=0
	asvirt_watch $upid "$log" || timed_out=1
	wait $upid 2>/dev/null
	wait
	lp=0 lf=0
	if grep -a -q '^ASVIRT-KILLS-DONE' "$log"; then
		[ -s "$leaks" ] || echo "FAIL: no leak check" >"$leaks"
		echo "qemu: bridge-leaks: $(cat "$leaks")"
		if grep -q '^PASS' "$leaks"; then lp=1; else lf=1; fi
	fi
	p=$(grep -a -c '^ASVIRT-PASS' "$log")
	f=$(grep -a -c '^ASVIRT-FAIL' "$log")
	if [ $timed_out = 1 ] || ! grep -a -q '^ASVIRT-DONE' "$log" || [ "$p" = 0 ]; then
		echo "qemu: the guest did not finish; asvirt up said:"
		tail -20 "$OUT/bridge-$fw.out"
		echo "qemu: last 40 lines of $log:"
		tail -40 "$log"
		f=$((f + 1))
	fi
	asvirt_checker_reports "$log" && f=$((f + 1))
	passed=$((passed + p + lp))
	failed=$((failed + f + lf))
done
echo "bridge: $passed passed, $failed failed"
[ "$failed" = 0 ]
