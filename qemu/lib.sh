# Shared by qemu/check.sh and qemu/shell.sh (sourced, not run).
# asvirt_prepare: builds (or reuses) everything a boot needs and sets
#   KDIR (kernel tree), OUT (build dir), BZIMAGE (the kernel image), INITRD,
#   and for arm DTB.
# ARCH (environment, default x86_64) picks the target:
#   x86_64  qemu-system-x86_64 -smp 2, bzImage, native gcc
#   arm     qemu-system-arm -M vexpress-a9 -smp 2..4, zImage + device tree,
#           cross-built with gcc-arm-linux-gnueabihf, armhf busybox-static
# KVER (environment, default 6.1) picks the kernel: 6.1 or 6.12 (Debian's
# linux-source-KVER, qemu/build-kernel.sh); a kernel other than 6.1 builds
# into OUT-KVER.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ARCH=${ARCH:-x86_64}
case $ARCH in
x86_64)
	OUT=${ASVIRT_QEMU_OUT:-$ROOT/build/qemu}
	CROSS=""
	FW_CFLAGS=(-fcf-protection=none)
	CONSOLE=ttyS0
	SMP=${ASVIRT_SMP:-2} # 1 for scripts/trace-cost-qemu.sh (-icount wants it)
	PKGS="qemu-system-x86 busybox-static cpio gzip gcc binutils libc6-dev"
	;;
arm)
	OUT=${ASVIRT_QEMU_OUT:-$ROOT/build/qemu-arm}
	CROSS=arm-linux-gnueabihf-
	FW_CFLAGS=(-marm)
	CONSOLE=ttyAMA0
	# the Cortex-A9 MPCore has 2 to 4 cores: as many as the host has, since
	# TCG gives each vCPU a host thread, and a vCPU spinning on a lock whose
	# holder is not scheduled burns its time (4 vCPUs on 2 cores: the suite
	# took twice the time and three times the CPU it takes with 2)
	SMP=${ASVIRT_SMP:-$(n=$(nproc); echo $((n < 2 ? 2 : n > 4 ? 4 : n)))}
	PKGS="qemu-system-arm gcc-arm-linux-gnueabihf binutils-arm-linux-gnueabihf"
	PKGS="$PKGS libc6-dev-armhf-cross cpio gzip dpkg apt"
	;;
*)	echo "qemu: unsupported ARCH=$ARCH (x86_64, arm)" >&2; exit 1 ;;
esac
export KVER=${KVER:-6.1}
[ -n "${ASVIRT_QEMU_OUT:-}" ] || [ "$KVER" = 6.1 ] || OUT=$OUT-$KVER
CACHE=${ASVIRT_CACHE:-$HOME/.cache/asvirt}

asvirt_need_pkgs() {	# install Debian packages that are missing
	local need="" p SUDO=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			need="$need $p"
	done
	[ -z "$need" ] && return 0
	[ "$(id -u)" = 0 ] || SUDO=sudo
	echo "qemu: installing$need" >&2
	$SUDO apt-get update -qq >&2
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >&2
}

# Firmware images: one per app, the same offering VIRTIO_RING_F_EVENT_IDX
# too (asvirt-APP-event-idx.elf), plus one with a corrupt resource table.
asvirt_firmware() {
	local dir=$1 app f
	mkdir -p "$dir"
	for f in echo client-sample echo-event-idx client-sample-event-idx corrupt; do
		app=${f%-event-idx}
		if [ $f = corrupt ]; then set -- -DCORRUPT -DAPP='"echo"'
		else set -- -DAPP="\"$app\""; fi
		[ $f = $app ] || set -- "$@" -DEVENT_IDX
		"${CROSS}gcc" -O2 -c -fno-asynchronous-unwind-tables "${FW_CFLAGS[@]}" "$@" \
			"$ROOT/tests/qemu/firmware.c" -o "$OUT/fw-$f.o"
		"${CROSS}ld" -T "$ROOT/tests/qemu/firmware.ld" -e 0 --build-id=none -z noexecstack \
			-o "$dir/asvirt-$f.elf" "$OUT/fw-$f.o"
	done
}

# A static armhf busybox without touching the system's apt state (FACTS.md:
# `dpkg --add-architecture armhf` can leave apt-get update failing): a
# private apt configuration (own sources list for the mirror and suite this
# machine uses, [arch=armhf], main only; own lists, cache and an empty
# status file), `apt-get download busybox-static` and `dpkg -x`. Cached in
# $CACHE/busybox-armhf; prints the binary's path.
asvirt_busybox_armhf() {
	local d=$CACHE/busybox-armhf mirror suite src
	if [ -x "$d/root/bin/busybox" ]; then echo "$d/root/bin/busybox"; return; fi
	mirror=${ASVIRT_DEBIAN_MIRROR:-}
	if [ -z "$mirror" ]; then
		for src in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
			[ -f "$src" ] || continue
			mirror=$(sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
				-e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' \
				"$src" | grep -v security | head -1)
			[ -n "$mirror" ] && break
		done
	fi
	mirror=${mirror:-http://deb.debian.org/debian}
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	rm -rf "$d"
	mkdir -p "$d/etc/sources.list.d" "$d/lists/partial" "$d/cache/archives/partial" "$d/root"
	echo "deb [arch=armhf] $mirror $suite main" >"$d/etc/sources.list"
	: >"$d/status"
	set -- -o Dir::Etc::SourceList="$d/etc/sources.list" \
		-o Dir::Etc::SourceParts="$d/etc/sources.list.d" \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o Dir::State::status="$d/status" -o APT::Architecture=armhf \
		-o APT::Architectures=armhf -o Debug::NoLocking=1 \
		-o APT::Sandbox::User=root
	echo "qemu: fetching busybox-static:armhf from $mirror $suite" >&2
	apt-get -qq "$@" update >&2
	(cd "$d" && apt-get -qq "$@" download busybox-static:armhf >&2)
	dpkg -x "$d"/busybox-static_*_armhf.deb "$d/root"
	file -L "$d/root/bin/busybox" 2>/dev/null | grep -q 'ARM' ||
		[ "$(od -An -j18 -N2 -tu2 "$d/root/bin/busybox" | tr -d ' ')" = 40 ] ||
		{ echo "qemu: $d/root/bin/busybox is not an ARM binary" >&2; return 1; }
	echo "$d/root/bin/busybox"
}

# Device tree: the board's vexpress-v2p-ca9.dts plus the project's nodes
# (tests/qemu/vexpress-asvirt.dts includes both), preprocessed and compiled
# as the kernel does it (FACTS.md).
asvirt_dtb() {
	local dts=$ROOT/tests/qemu/vexpress-asvirt.dts out=$OUT/vexpress-asvirt.dtb
	"${CROSS}gcc" -E -nostdinc -I "$KDIR/scripts/dtc/include-prefixes" \
		-I "$KDIR/arch/arm/boot/dts" -I "$ROOT/kernel" -undef -D__DTS__ \
		-x assembler-with-cpp -o "$OUT/vexpress-asvirt.dts.pp" "$dts"
	"$KDIR/scripts/dtc/dtc" -q -I dts -O dtb -o "$out" "$OUT/vexpress-asvirt.dts.pp"
	echo "$out"
}

asvirt_prepare() {
	local t0 t1 rootfs ko busybox=/bin/busybox
	# shellcheck disable=SC2086
	asvirt_need_pkgs $PKGS
	mkdir -p "$OUT"
	t0=$(date +%s)
	# ASVIRT_KDIR: use an already built tree instead (e.g. another config).
	KDIR=${ASVIRT_KDIR:-$("$ROOT/qemu/build-kernel.sh" "$ARCH" | tail -1)}
	t1=$(date +%s)
	echo "qemu: kernel $KDIR ($((t1 - t0)) s)" >&2
	if [ "$ARCH" = arm ]; then
		BZIMAGE=$KDIR/arch/arm/boot/zImage
		DTB=$(asvirt_dtb)
		busybox=$(asvirt_busybox_armhf)
	else
		BZIMAGE=$KDIR/arch/x86/boot/bzImage
	fi
	ko=$("$ROOT/qemu/build-module.sh" "$KDIR" "$OUT" | tail -1)

	rootfs=$OUT/rootfs
	rm -rf "$rootfs"
	mkdir -p "$rootfs"/{bin,dev,proc,sys,tmp,lib/modules,lib/firmware,tests}
	cp "$busybox" "$rootfs/bin/busybox"
	cp "$ROOT/tests/qemu/init" "$rootfs/init"
	cp "$ROOT"/tests/qemu/{guest_lib,run,bridge}.sh "$rootfs/tests/"
	chmod +x "$rootfs/init"
	cp "$ko" "$KDIR/samples/rpmsg/rpmsg_client_sample.ko" "$rootfs/lib/modules/"
	# the bridge's guest driver exists where the kernel has PCI (x86_64)
	if [ -f "$(dirname "$ko")/asvirt_ivshmem.ko" ]; then
		cp "$(dirname "$ko")/asvirt_ivshmem.ko" "$rootfs/lib/modules/"
	fi
	"${CROSS}gcc" -O2 -static -pthread -Wall -Wextra -Werror -o "$rootfs/bin/rpmsg_test" \
		"$ROOT/tests/qemu/rpmsg_test.c"
	asvirt_firmware "$rootfs/lib/firmware"
	# asvirt_ivshmem.ko's remoteproc requests a file; the table is in BAR2.
	echo "asvirt: the firmware runs on the PC (asvirt up --linux)" \
		>"$rootfs/lib/firmware/asvirt-bridge.fw"
	(cd "$rootfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$OUT/initramfs.cpio.gz"
	INITRD=$OUT/initramfs.cpio.gz
	echo "qemu: initramfs $INITRD ($(($(date +%s) - t1)) s)" >&2
}

# KVM only when it really works: FACTS.md saw a KVM boot print nothing for
# 120 s (here too: it stops after "Booting from ROM"). With a usable
# /dev/kvm, a probe boot must reach /init within 10 s (it takes ~1 s when
# KVM works), else TCG, which is fast enough for this kernel. The answer is
# kept in $OUT/accel; ASVIRT_ACCEL=tcg|kvm overrides.
asvirt_accel() {
	[ "$ARCH" = x86_64 ] || { echo tcg; return; }
	if [ -n "${ASVIRT_ACCEL:-}" ]; then echo "$ASVIRT_ACCEL"; return; fi
	if [ -s "$OUT/accel" ]; then cat "$OUT/accel"; return; fi
	asvirt_probe_accel | tee "$OUT/accel"
}

asvirt_probe_accel() {
	local log=$OUT/kvm-probe.log
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		timeout 10 qemu-system-x86_64 -accel kvm -m 256 -nographic -no-reboot \
			-kernel "$BZIMAGE" -initrd "$INITRD" -monitor none -display none \
			-append "console=ttyS0 panic=-1 asvirt.mode=probe" \
			-serial "file:$log" </dev/null >/dev/null 2>&1
		if grep -a -q ASVIRT-PROBE-OK "$log" 2>/dev/null; then echo kvm; return; fi
		echo "qemu: KVM probe failed, using TCG" >&2
	fi
	echo tcg
}

# asvirt_qemu ACCEL ARGS...: run the guest (kernel, initramfs, machine) with
# ARGS appended (-append, -serial, ...); exec: run it in a subshell (&) or last.
asvirt_qemu() {
	local accel=$1
	shift
	if [ "$ARCH" = arm ]; then
		# vexpress-a9 has 1 GB max. No audio (the board's codec wants a
		# backend).
		exec qemu-system-arm -M vexpress-a9 -smp $SMP -m 512 -nographic -no-reboot \
			-audiodev none,id=snd0 -global pl041.audiodev=snd0 \
			-kernel "$BZIMAGE" -dtb "$DTB" \
			-initrd "$INITRD" "$@"
	else
		exec qemu-system-x86_64 -accel "$accel" -smp $SMP -m 512 -nographic -no-reboot \
			-kernel "$BZIMAGE" -initrd "$INITRD" "$@"
	fi
}

# asvirt_watch PID LOG: print the guest's markers as they appear in LOG
# (seconds since the call in front); every new marker restarts the step
# clock (a long step prints ASVIRT-PROGRESS lines, so a slow TCG guest on a
# loaded host is not taken for a hung one; ASVIRT-INFO lines are results
# worth showing). A step silent for STEP_TIMEOUT seconds kills PID and
# returns 1; otherwise returns 0 when PID has exited (tail --pid ends then,
# after the last lines). The lines come from one tail -F and are matched by
# the shell itself: a poll that ran grep, sleep and date every second cost
# a core several percent for the whole guest on a VM where fork is dear.
# A line read in part when read -t's second runs out is kept for the rest.
asvirt_watch() {
	local pid=$1 log=$2 t0=$EPOCHSECONDS step_t=$EPOCHSECONDS line part= rc
	while :; do
		IFS= read -r -t 1 line
		rc=$?
		if [ $rc -gt 128 ]; then
			part=$part$line
		else
			line=$part$line part=
			case $line in
			ASVIRT-STEP* | ASVIRT-PASS* | ASVIRT-FAIL* | ASVIRT-PROGRESS* | ASVIRT-INFO*)
				echo "qemu: [$((EPOCHSECONDS - t0)) s] ${line%$'\r'}"
				step_t=$EPOCHSECONDS
				;;
			esac
			[ $rc = 0 ] || return 0
		fi
		if ((EPOCHSECONDS - step_t > STEP_TIMEOUT)); then
			echo "qemu: TIMEOUT: no progress for $STEP_TIMEOUT s"
			kill "$pid"
			return 1
		fi
	done < <(tail --pid="$pid" -n +1 -F "$log" 2>/dev/null)
}

# asvirt_checker_reports LOG: true (and the reports shown) when the kernel's
# checkers (lockdep, KASAN, kmemleak, WARN/BUG) printed anything before the
# guest's end marker.
asvirt_checker_reports() {
	local re='WARNING:|BUG:|Kernel panic|possible recursive locking|circular locking dependency|suspected memory leaks'
	sed -n '1,/^ASVIRT-DONE/p' "$1" | grep -a -E -q "$re" || return 1
	echo "qemu: checker report in $1:"
	sed -n '1,/^ASVIRT-DONE/p' "$1" | grep -a -E -A10 "$re" | head -40
}

# The host tools (build/asvirt) in directory $1, configured there if need
# be, then built: the bridge runs them, and check.sh's step x-ftrace-host
# decodes the guest's capture with them, also from a checkout never built.
# make check runs several kernels' suites side by side on one build
# directory: one configure or build at a time there (two configures at once
# rewrite the same generated files: "configure_file: No such file or
# directory"), and a configured one is only built (cmake --build
# re-configures by itself when a CMakeLists.txt changed).
asvirt_host_tools() {
	local b=$1
	mkdir -p "$b"
	(
		flock 9
		[ -f "$b/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$b" >/dev/null
		cmake --build "$b" -j2 --target asvirt_cli >/dev/null
	) 9>"$b/.host-tools.lock"
}
