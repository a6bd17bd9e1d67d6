#!/bin/bash
# make check-qemu (x86_64): `asvirt up --linux` boots the test kernel with
# kernel/asvirt_ivshmem.ko, once per firmware process (client-sample, echo),
# and tests/qemu/bridge.sh runs inside. Needs the user-space build (BUILD,
# default build/). Serial console in $OUT/bridge-FW.log. A boot that prints
# no new marker for ASVIRT_STEP_TIMEOUT seconds (default 180) is stopped.
# Last line: "N passed, N failed".
set -uo pipefail
export ARCH=x86_64
. "$(dirname "$0")/lib.sh"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
STEP_TIMEOUT=${ASVIRT_STEP_TIMEOUT:-180}
COUNT=${ASVIRT_BRIDGE_COUNT:-10000}
set -e
cmake -S "$ROOT" -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j2 --target asvirt_cli >/dev/null
asvirt_prepare
set +e
accel=$(asvirt_accel)
passed=0
failed=0
for fw in client-sample echo; do
	log=$OUT/bridge-$fw.log
	: >"$log"
	echo "qemu: asvirt up --linux asvirt-$fw.so ($accel)"
	t0=$(date +%s)
	"$BUILD/asvirt" up --linux "$BUILD/firmware/asvirt-$fw.so" --kernel "$BZIMAGE" \
		--initrd "$INITRD" --accel "$accel" --console-log "$log" \
		--append "oops=panic tsc=reliable asvirt.mode=bridge asvirt.fw=$fw asvirt.count=$COUNT" \
		</dev/null >"$OUT/bridge-$fw.out" 2>&1 &
	upid=$!
	seen=0
	step_t=$(date +%s)
	timed_out=0
	while kill -0 $upid 2>/dev/null; do
		sleep 1
		marks=$(grep -a -E '^ASVIRT-(STEP|PASS|FAIL|INFO)' "$log")
		n=$(printf '%s' "$marks" | grep -c '^' || true)
		if [ "$n" -gt "$seen" ]; then
			printf '%s\n' "$marks" | tail -n +$((seen + 1)) |
				sed "s/^/qemu: [$(( $(date +%s) - t0 )) s] /"
			seen=$n
			step_t=$(date +%s)
		elif [ $(( $(date +%s) - step_t )) -gt "$STEP_TIMEOUT" ]; then
			echo "qemu: TIMEOUT: no progress for $STEP_TIMEOUT s"
			timed_out=1
			kill $upid
			break
		fi
	done
	wait $upid 2>/dev/null
	p=$(grep -a -c '^ASVIRT-PASS' "$log")
	f=$(grep -a -c '^ASVIRT-FAIL' "$log")
	if [ $timed_out = 1 ] || ! grep -a -q '^ASVIRT-DONE' "$log" || [ "$p" = 0 ]; then
		echo "qemu: the guest did not finish; asvirt up said:"
		tail -20 "$OUT/bridge-$fw.out"
		echo "qemu: last 40 lines of $log:"
		tail -40 "$log"
		f=$((f + 1))
	fi
	if sed -n '1,/^ASVIRT-DONE/p' "$log" | grep -a -E -q 'WARNING:|BUG:|Kernel panic|possible recursive locking|circular locking dependency'; then
		echo "qemu: checker report in $log"
		f=$((f + 1))
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "bridge: $passed passed, $failed failed"
[ "$failed" = 0 ]
