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
	"$BUILD/asvirt" up --linux "$BUILD/firmware/asvirt-$fw.so" --kernel "$BZIMAGE" \
		--initrd "$INITRD" --accel "$accel" --console-log "$log" \
		--append "oops=panic tsc=reliable asvirt.mode=bridge asvirt.fw=$fw asvirt.count=$COUNT" \
		</dev/null >"$OUT/bridge-$fw.out" 2>&1 &
	upid=$!
	timed_out=0
	asvirt_watch $upid "$log" || timed_out=1
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
	asvirt_checker_reports "$log" && f=$((f + 1))
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "bridge: $passed passed, $failed failed"
[ "$failed" = 0 ]
