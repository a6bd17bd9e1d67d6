#!/bin/bash
# Build the small test kernel for asvirt from Debian's linux-source-KVER package.
#
#   [KVER=6.1|6.12] qemu/build-kernel.sh [ARCH]   (x86_64 (default) or arm: vexpress-a9,
#                                                  cross-built; KVER default 6.1)
#
# The tree lives in ${ASVIRT_CACHE:-$HOME/.cache/asvirt}/kernel-ARCH-KVER-<key>, where
# <key> hashes the source package version, the config fragments and this script, so an
# unchanged kernel costs seconds.  The last line printed on stdout is the tree path.
# The fragments: qemu/kernel-common.config (every ARCH), qemu/kernel-ARCH.config,
# plus qemu/kernel-ARCH-KVER.config when a version needs more (options that
# appeared or changed name since 6.1).
set -euo pipefail

ARCH=${1:-x86_64}
HERE=$(cd "$(dirname "$0")" && pwd)
KVER=${KVER:-6.1}
case $KVER in
6.1 | 6.12) ;;
*)	echo "build-kernel: unsupported KVER $KVER (6.1, 6.12)" >&2; exit 1 ;;
esac
FRAG_COMMON=$HERE/kernel-common.config
FRAG=$HERE/kernel-$ARCH.config
FRAG_VER=$HERE/kernel-$ARCH-$KVER.config
SRC_PKG=linux-source-$KVER
TARBALL=/usr/src/linux-source-$KVER.tar.xz
CACHE=${ASVIRT_CACHE:-$HOME/.cache/asvirt}

[ -f "$FRAG" ] || { echo "build-kernel: no fragment $FRAG" >&2; exit 1; }
frags=("$FRAG_COMMON" "$FRAG")
[ -f "$FRAG_VER" ] && frags+=("$FRAG_VER")

# Per-architecture: extra packages, make variables and targets.
case $ARCH in
x86_64)	xpkgs=""; kmake=(ARCH=x86_64); targets=(bzImage modules) ;;
arm)	xpkgs="gcc-arm-linux-gnueabihf binutils-arm-linux-gnueabihf"
	kmake=(ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-)
	targets=(zImage modules vexpress-v2p-ca9.dtb) ;;
*)	echo "build-kernel: unsupported ARCH $ARCH (x86_64, arm)" >&2; exit 1 ;;
esac

# Install what a fresh Debian 12 lacks (only if missing).
need=""
for p in $SRC_PKG bc bison flex libelf-dev libssl-dev make gcc cpio kmod xz-utils $xpkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		need="$need $p"
done
if [ -n "$need" ]; then
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	echo "build-kernel: installing$need" >&2
	$SUDO apt-get update -qq >&2
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >&2
fi

ver=$(dpkg-query -W -f='${Version}' $SRC_PKG)
key=$( { echo "$ver $ARCH"; cat "${frags[@]}" "$0"; } | sha256sum | cut -c1-16)
KDIR=$CACHE/kernel-$ARCH-$KVER-$key
STAMP=$KDIR/.asvirt-built

if [ -f "$STAMP" ]; then
	echo "build-kernel: cached $KDIR" >&2
	echo "$KDIR"
	exit 0
fi

start=$(date +%s)
mkdir -p "$CACHE"
if [ ! -f "$KDIR/Makefile" ]; then
	echo "build-kernel: unpacking $TARBALL" >&2
	rm -rf "$KDIR.tmp"
	mkdir -p "$KDIR.tmp"
	tar -xJf "$TARBALL" -C "$KDIR.tmp" --strip-components=1
	mv "$KDIR.tmp" "$KDIR"
fi

cd "$KDIR"
make -s "${kmake[@]}" allnoconfig >&2

# Apply the fragment.
args=()
while IFS= read -r line; do
	line=${line%%#*}
	line=$(echo "$line" | tr -d '[:space:]')
	[ -n "$line" ] || continue
	name=${line%%=*}; val=${line#*=}
	case $val in
	y) args+=(-e "$name") ;;
	m) args+=(-m "$name") ;;
	n) args+=(-d "$name") ;;
	*) args+=(--set-val "$name" "$val") ;;
	esac
done < <(cat "${frags[@]}")
scripts/config "${args[@]}"
make -s "${kmake[@]}" olddefconfig >&2

# Verify: Kconfig drops options with unmet dependencies silently.
bad=0
while IFS= read -r line; do
	line=${line%%#*}
	line=$(echo "$line" | tr -d '[:space:]')
	[ -n "$line" ] || continue
	name=${line%%=*}; val=${line#*=}
	if [ "$val" = n ]; then
		if grep -q "^CONFIG_$name=[ym]" .config; then
			echo "build-kernel: CONFIG_$name should be off" >&2; bad=1
		fi
	elif ! grep -qx "CONFIG_$name=$val" .config; then
		echo "build-kernel: CONFIG_$name=$val was dropped (got: $(grep "CONFIG_$name[= ]" .config || echo unset))" >&2
		bad=1
	fi
done < <(cat "${frags[@]}")
[ $bad = 0 ] || { echo "build-kernel: config check FAILED" >&2; exit 1; }

make -s "${kmake[@]}" -j"$(nproc)" "${targets[@]}" >&2
test -f samples/rpmsg/rpmsg_client_sample.ko
touch "$STAMP"
echo "build-kernel: built in $(( $(date +%s) - start )) s" >&2
# Trees of older fragments of this version are 2-3 GB each: drop them unless
# asked not to. Only finished ones: a tree without its stamp is another build
# in progress (another checkout with another fragment), which must not lose
# its files. Other versions' trees stay (CI keeps 6.1 and 6.12 side by side).
if [ "${ASVIRT_KEEP_OLD_KERNELS:-0}" != 1 ]; then
	# (kernel-ARCH-<16 hex> is the naming from before KVER: 6.1 trees.)
	for old in "$CACHE"/kernel-"$ARCH"-*; do
		case ${old#"$CACHE"/kernel-"$ARCH"-} in
		"$KVER"-*) ;;
		*-*) continue ;;
		*) [ "$KVER" = 6.1 ] || continue ;;
		esac
		[ "$old" = "$KDIR" ] || [ ! -f "$old/.asvirt-built" ] || rm -rf "$old"
	done
fi
echo "$KDIR"
