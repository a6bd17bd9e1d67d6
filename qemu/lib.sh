# Shared by qemu/check.sh and qemu/shell.sh (sourced, not run).
# asvirt_prepare: builds (or reuses) everything a boot needs and sets
#   KDIR (kernel tree), OUT (build dir), BZIMAGE, INITRD.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${ASVIRT_QEMU_OUT:-$ROOT/build/qemu}

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

# Firmware images: one per app, plus one with a corrupt resource table.
asvirt_firmware() {
	local dir=$1 app f
	mkdir -p "$dir"
	for app in echo client-sample corrupt; do
		f=$app
		if [ $app = corrupt ]; then set -- -DCORRUPT -DAPP='"echo"'
		else set -- -DAPP="\"$app\""; fi
		gcc -O2 -c -fno-asynchronous-unwind-tables -fcf-protection=none "$@" \
			"$ROOT/tests/qemu/firmware.c" -o "$OUT/fw-$f.o"
		ld -T "$ROOT/tests/qemu/firmware.ld" -e 0 --build-id=none -z noexecstack \
			-o "$dir/asvirt-$f.elf" "$OUT/fw-$f.o"
	done
}

asvirt_prepare() {
	local t0 t1 rootfs ko
	asvirt_need_pkgs qemu-system-x86 busybox-static cpio gzip gcc binutils libc6-dev
	mkdir -p "$OUT"
	t0=$(date +%s)
	# ASVIRT_KDIR: use an already built tree instead (e.g. another config).
	KDIR=${ASVIRT_KDIR:-$("$ROOT/qemu/build-kernel.sh" x86_64 | tail -1)}
	t1=$(date +%s)
	echo "qemu: kernel $KDIR ($((t1 - t0)) s)" >&2
	BZIMAGE=$KDIR/arch/x86/boot/bzImage
	ko=$("$ROOT/qemu/build-module.sh" "$KDIR" "$OUT" | tail -1)

	rootfs=$OUT/rootfs
	rm -rf "$rootfs"
	mkdir -p "$rootfs"/{bin,dev,proc,sys,tmp,lib/modules,lib/firmware,tests}
	cp /bin/busybox "$rootfs/bin/busybox"
	cp "$ROOT/tests/qemu/init" "$rootfs/init"
	cp "$ROOT/tests/qemu/run.sh" "$rootfs/tests/run.sh"
	chmod +x "$rootfs/init"
	cp "$ko" "$KDIR/samples/rpmsg/rpmsg_client_sample.ko" "$rootfs/lib/modules/"
	gcc -O2 -static -Wall -Wextra -Werror -o "$rootfs/bin/rpmsg_test" \
		"$ROOT/tests/qemu/rpmsg_test.c"
	asvirt_firmware "$rootfs/lib/firmware"
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
