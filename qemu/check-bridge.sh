#!/bin/bash
# make check-qemu: `asvirt up --linux` boots the test kernel with
# kernel/asvirt_ivshmem.ko, once per group of firmware processes (echo
# alone: its kills and gdb need the only firmware; client-sample, the echo
# with a fault plan and the hostile one in one guest, a device each, as an
# AMP chip with several MCUs), and tests/qemu/bridge.sh runs inside.
# ARCH=x86_64 (default): `pc`, rpmsg buffers in the guest's RAM (a
# memfd); ARCH=arm (make check-qemu ARCH=arm): the ARM kernel on
# `virt,highmem=off -smp 2..4` (asvirt up --linux --arch arm), rpmsg
# buffers in BAR2 (vdev0buffer).
# Needs the user-space build (BUILD, default build/). Serial console in
# $OUT/bridge-FW.log. A boot that prints no new marker for
# ASVIRT_STEP_TIMEOUT seconds (default 180, arm 300) is stopped.
# The guest's "ASVIRT-KILL-FIRMWARE: i" lines get the firmware process killed
# (kill -9 of the last pid asvirt up printed); what asvirt up holds (its fds,
# QEMU's fds, its children) at the first kill is compared with what it holds
# at "ASVIRT-KILLS-DONE", and asvirt status must show the session with every
# restart (a bridge-leaks result). On "ASVIRT-GDB-FIRMWARE" gdb attaches to
# the firmware process as the README documents (gdb -p PID from asvirt
# status), shows its threads and the .so's symbols, keeps it stopped 1 s
# and detaches before the guest's round trips of that step end (a
# bridge-gdb result; skipped, saying why, without gdb or ptrace rights).
# ARCH=arm adds cm-echo: the Cortex-M echo image (asvirt-echo.elf, the
# mps2-an386 board) as the remote, COUNT round trips and CM_KILLS kills of
# its QEMU (ASVIRT_BRIDGE_CM_KILLS, default 20), the same leak check; and,
# in the same guest on a second board,
# cm-fault: asvirt-cm-fault.elf bus-faults on a message, the crash (with
# the MCU's reason in asvirt up's log) and recovery follow; then it hangs
# on another (interrupts masked): the board's heartbeat watchdog.
# Last line: "N passed, N failed".
set -uo pipefail
export ARCH=${ARCH:-x86_64}
. "$(dirname "$0")/lib.sh"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
# ARM: TCG, one vCPU per host core (2..4) on a shared host
STEP_TIMEOUT=${ASVIRT_STEP_TIMEOUT:-$([ "$ARCH" = arm ] && echo 300 || echo 180)}
# Round trips of the echo steps (bridge-echo, cm-echo, the in-guest MCU's
# figure beside them). 2,000 give their p50 and p99; the echo guest's data
# path gets as many again in bridge-gdb's rounds and 100 after each kill,
# and the kernel suite runs 10,000 per ring pass (step b).
COUNT=${ASVIRT_BRIDGE_COUNT:-2000}
KILLS=${ASVIRT_BRIDGE_KILLS:-20}
CM_KILLS=${ASVIRT_BRIDGE_CM_KILLS:-20}
# bridge-gdb: how long gdb keeps the firmware stopped; one of the guest's
# rounds must have waited at least that long
GDB_STOP_S=1
# Guests, each FW[+FW...] (the firmware of one asvirt up --linux, in its
# devices' order). On ARM the two Cortex-M images share a guest too: two
# boards, one poll of their doorbells; cm-fault crashes only on its
# messages, after cm-echo's kills and leak check.
FWS=${ASVIRT_BRIDGE_FW:-echo client-sample+echo-fault+hostile$([ "$ARCH" = arm ] && echo " cm-echo+cm-fault")}

# The guest's QEMU among asvirt up UPID's children (a Cortex-M remote is
# a qemu-system-arm too).
guest_qemu() { pgrep -P "$1" -f ivshmem-doorbell; }

# held UPID: what the asvirt up process holds on the PC: its fds and the
# guest QEMU's (by target; sockets and pipes by kind: a restarted Cortex-M
# board has fresh ones), its children (live or zombie, name).
held() {
	local q
	echo "children:"
	ps --ppid "$1" -o stat=,comm= | awk '{ print ($1 ~ /^Z/ ? "zombie" : "live"), $2 }' | sort
	echo "asvirt up fds:"
	for f in /proc/$1/fd/*; do readlink "$f"; done | sed 's/^\(socket\|pipe\):\[[0-9]*\]$/\1/' | sort
	q=$(guest_qemu "$1")
	echo "QEMU fds:"
	[ -n "$q" ] && for f in /proc/$q/fd/*; do readlink "$f"; done | sort
}

# gdb_firmware UPID LOG RESULT FW: attach to the firmware process asvirt
# status names in the session of `asvirt up` UPID (other sessions on this
# machine are not ours), as a user would, and detach, while the guest's
# bridge-gdb step still runs (LOG); RESULT gets PASS, FAIL or SKIP.
gdb_firmware() {
	local upid=$1 log=$2 res=$3 fw=$4 pid
	pid=$("$BUILD/asvirt" status | awk -v up="asvirt up --linux (pid $upid)" '
		$0 == up { mine = 1; next }
		/^[^ ]/ { mine = 0 }
		mine && /^  firmware .*: pid [0-9]+, running/ {
			sub(/.*: pid /, ""); sub(/,.*/, ""); print; exit
		}')
	if ! command -v gdb >/dev/null; then
		echo "SKIP: no gdb" >"$res"; return
	fi
	if [ -z "$pid" ]; then
		{ echo "FAIL: asvirt status names no running firmware"; "$BUILD/asvirt" status; } >"$res"
		return
	fi
	t0=$(date +%s.%N)
	timeout 60 gdb -p "$pid" -batch -ex 'info sharedlibrary' -ex 'thread apply all bt' \
		-ex "shell sleep $GDB_STOP_S" -ex detach >"$res.out" 2>&1
	took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	if grep -q 'ptrace: Operation not permitted' "$res.out"; then
		echo "SKIP: gdb may not attach here (ptrace_scope $(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null))" >"$res"
	elif grep -a -q -E '^ASVIRT-(PASS|FAIL): bridge-gdb' "$log"; then
		{ echo "FAIL: gdb detached after the guest's gdb step ended (nothing waited for it):"
		  cat "$res.out"; } >"$res"
	elif grep -q "Yes .*asvirt-$fw\.so\$" "$res.out" && grep -q ' isr_main ' "$res.out" &&
		grep -q "Inferior 1 (process $pid) detached" "$res.out"; then
		echo "PASS: gdb -p $pid: $(grep -c '^Thread ' "$res.out") threads, asvirt-$fw.so symbols, stopped $GDB_STOP_S s, detached (gdb ran $took s)" >"$res"
	else
		{ echo "FAIL: gdb -p $pid said:"; cat "$res.out"; } >"$res"
	fi
}

# session_block UPID: of asvirt status (stdin), the lines of the session of
# asvirt up UPID only
session_block() {
	awk -v head="asvirt up --linux (pid $1)" \
		'/^asvirt up/ { mine = index($0, head) == 1 } mine'
}

# killer UPID LOG OUT RESULT FW FIRST (in the background, until UPID exits;
# FIRST: the file of the guest's first firmware, the one it kills): acts
# on the guest's markers as tail -F hands over its lines (matched by the
# shell itself: a poll running greps every 0.2 s cost a core a sixth of
# its time for the whole bridge on a VM where fork is dear)
killer() {
	local upid=$1 log=$2 out=$3 res=$4 fw=$5 first=$6 done=0 pid t line
	while IFS= read -r line; do
		case $line in
		ASVIRT-GDB-FIRMWARE*)
			[ -e "$res.gdb" ] || gdb_firmware "$upid" "$log" "$res.gdb" "$fw"
			;;
		ASVIRT-KILL-FIRMWARE*)
			[ "$done" = 0 ] && held "$upid" >"$res.before"
			# the guest's first firmware's (another may have started later)
			pid=$(grep -F "firmware $first " "$out" |
				sed -n 's/.*running, pid \([0-9]*\)$/\1/p' | tail -1)
			[ -n "$pid" ] && kill -9 "$pid"
			done=$((done + 1))
			;;
		ASVIRT-KILLS-DONE*)
			[ ! -e "$res.after" ] || continue
			held "$upid" >"$res.after"
			# asvirt status shows the session: both sides, the restarts
			# (its own block: the other kernel's bridge may run beside it)
			for t in 1 2 3 4 5; do
				"$BUILD/asvirt" status >"$res.all" 2>&1
				session_block "$upid" <"$res.all" >"$res.status"
				grep -q "running, restarts $done\$" "$res.status" && break
				sleep 1
			done
			if ! grep -q "^asvirt up --linux (pid $upid)" "$res.status" ||
				! grep -q "QEMU pid $(guest_qemu "$upid")" "$res.status" ||
				! grep -q "running, restarts $done\$" "$res.status"; then
				{ echo "FAIL: asvirt status after $done restarts said:"; cat "$res.all"; } >"$res"
			elif cmp -s "$res.before" "$res.after"; then
				echo "PASS: $done kills, nothing leaked: $(grep -c . "$res.after") fds and processes, as before; asvirt status: $(grep "running, restarts $done\$" "$res.status")" >"$res"
			else
				echo "FAIL: held after $done kills differs (before vs after):" >"$res"
				diff "$res.before" "$res.after" >>"$res"
			fi
			;;
		esac
	done < <(tail --pid="$upid" -n +1 -F "$log" 2>/dev/null)
}
set -e
asvirt_host_tools "$BUILD"
# the Cortex-M images under the same lock (asvirt_host_tools)
exec 9>"$BUILD/.host-tools.lock"
flock 9
if [ "$ARCH" = arm ] && [[ " $FWS " = *" cm-"* ]] &&
	! cmake --build "$BUILD" -j2 --target cm-asvirt-echo cm-asvirt-cm-fault >/dev/null 2>&1; then
	echo "qemu: SKIP cm-echo, cm-fault: no Cortex-M images (scripts/deps.sh cortexm)"
	FWS=$(for g in $FWS; do [[ $g = *cm-* ]] || printf '%s ' "$g"; done)
fi
flock -u 9
exec 9>&-
asvirt_prepare
set +e
accel=$(asvirt_accel)
passed=0
failed=0
for fw in $FWS; do
	log=$OUT/bridge-$fw.log
	leaks=$OUT/bridge-$fw.leaks
	: >"$log"
	rm -f "$leaks" "$leaks.before" "$leaks.after" "$leaks.gdb" "$leaks.all" "$leaks.status"
	hostile=
	files=() fault=() kills=$KILLS
	for one in ${fw//+/ }; do
		# echo-fault: the echo firmware with a fault plan (docs/faults.md)
		# cm-echo: the Cortex-M echo image on the mps2-an386 board
		case $one in
		hostile) hostile=scribble:$RANDOM:2000:linked files+=("$BUILD/firmware/asvirt-$one.so") ;;
		echo-fault) files+=("$BUILD/firmware/asvirt-echo.so") fault=(--fault asvirt-echo.so:corrupt=len@2) ;;
		cm-echo) files+=("$BUILD/firmware/cortex-m/asvirt-echo.elf") kills=$CM_KILLS ;;
		cm-fault) files+=("$BUILD/firmware/cortex-m/asvirt-cm-fault.elf") ;;
		*) files+=("$BUILD/firmware/asvirt-$one.so") ;;
		esac
	done
	echo "qemu: asvirt up --linux --arch $ARCH ${fault[*]:+${fault[*]} }$(for f in "${files[@]}"; do printf '%s ' "${f##*/}"; done)($accel)"
	ASVIRT_HOSTILE=$hostile "$BUILD/asvirt" up --linux --arch "$ARCH" "${fault[@]}" \
		"${files[@]}" --kernel "$BZIMAGE" \
		--initrd "$INITRD" --accel "$accel" --console-log "$log" \
		--append "oops=panic tsc=reliable asvirt.mode=bridge asvirt.fw=$fw asvirt.count=$COUNT asvirt.kills=$kills" \
		</dev/null >"$OUT/bridge-$fw.out" 2>&1 &
	upid=$!
	killer $upid "$log" "$OUT/bridge-$fw.out" "$leaks" $fw "${files[0]}" &
	timed_out=0
	asvirt_watch $upid "$log" || timed_out=1
	wait $upid 2>/dev/null
	wait
	lp=0 lf=0
	if grep -a -q '^ASVIRT-GDB-FIRMWARE' "$log"; then
		[ -s "$leaks.gdb" ] || echo "FAIL: no gdb check" >"$leaks.gdb"
		# gdb held the firmware GDB_STOP_S while the guest's rounds ran
		# (its rounds are timed whole, so one of them waited it out): no
		# round that long means the stop did not meet Linux's traffic
		longest=$(sed -n 's/^ASVIRT-INFO: bridge-gdb: .*, the longest \([0-9.]*\) s.*/\1/p' "$log")
		if grep -q '^PASS' "$leaks.gdb" && [ -n "$longest" ] &&
			! awk -v l="$longest" -v s="$GDB_STOP_S" 'BEGIN { exit !(l >= s) }'; then
			echo "FAIL: gdb's $GDB_STOP_S s stop met no round (the longest $longest s): $(cat "$leaks.gdb")" >"$leaks.gdb"
		fi
		echo "qemu: bridge-gdb: $(cat "$leaks.gdb")"
		case $(cat "$leaks.gdb") in
		PASS*) lp=$((lp + 1)) ;;
		SKIP*) ;;
		*) lf=$((lf + 1)) ;;
		esac
	fi
	if grep -a -q '^ASVIRT-KILLS-DONE' "$log"; then
		[ -s "$leaks" ] || echo "FAIL: no leak check" >"$leaks"
		echo "qemu: bridge-leaks: $(cat "$leaks")"
		if grep -q '^PASS' "$leaks"; then lp=$((lp + 1)); else lf=$((lf + 1)); fi
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
	# the MCU's own words for its fault reach asvirt up's log
	if [[ +$fw+ = *+cm-fault+* ]] && grep -a -q '^ASVIRT-PASS: bridge-cm-fault' "$log"; then
		if grep -q 'asvirt up: the MCU stopped: fault (exception' "$OUT/bridge-$fw.out"; then
			echo "qemu: bridge-cm-fault-reason: PASS: $(grep 'the MCU stopped' "$OUT/bridge-$fw.out" | head -1)"
			lp=$((lp + 1))
		else
			echo "qemu: bridge-cm-fault-reason: FAIL: asvirt up did not say why the MCU stopped"
			lf=$((lf + 1))
		fi
	fi
	if [[ +$fw+ = *+cm-fault+* ]] && grep -a -q '^ASVIRT-PASS: bridge-cm-hang' "$log"; then
		if grep -q 'asvirt up: the MCU hung: no heartbeat for' "$OUT/bridge-$fw.out"; then
			echo "qemu: bridge-cm-hang-reason: PASS: $(grep 'the MCU hung' "$OUT/bridge-$fw.out" | head -1)"
			lp=$((lp + 1))
		else
			echo "qemu: bridge-cm-hang-reason: FAIL: asvirt up did not say the MCU hung"
			lf=$((lf + 1))
		fi
	fi
	asvirt_checker_reports "$log" && f=$((f + 1))
	passed=$((passed + p + lp))
	failed=$((failed + f + lf))
done
echo "bridge: $passed passed, $failed failed"
[ "$failed" = 0 ]
