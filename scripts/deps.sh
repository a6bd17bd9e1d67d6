#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Install the Debian packages asvirt needs, only those missing.
# Usage: scripts/deps.sh [build|check|qemu|arm|cortexm|bench|deb|kernels]...
# (arm: what `make check-qemu ARCH=arm` needs on top of qemu; the armhf
# busybox-static comes from a private apt configuration, see qemu/lib.sh;
# cortexm: the Cortex-M board, firmware images for QEMU's mps2-an386 built
# with arm-none-eabi-gcc + picolibc, debugged with gdb-multiarch; kernels: the
# sources of both test kernels, which make check installs before its suites.)
set -euo pipefail

pkgs_build="build-essential cmake ninja-build pkg-config libcmocka-dev libjson-c-dev help2man ccache"
pkgs_check="$pkgs_build clang llvm libclang-rt-14-dev clang-format cppcheck python3 man-db tshark"
pkgs_qemu="linux-source-6.1 build-essential bc bison flex libelf-dev libssl-dev perl qemu-system-x86 busybox-static cpio kmod xz-utils gdb"
pkgs_arm="$pkgs_qemu gcc-arm-linux-gnueabihf binutils-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-system-arm"
pkgs_cortexm="gcc-arm-none-eabi binutils-arm-none-eabi picolibc-arm-none-eabi qemu-system-arm gdb-multiarch"
pkgs_bench="gnuplot-nox"
pkgs_kernels="linux-source-6.1 linux-source-6.12"
pkgs_deb="$pkgs_build dpkg-dev debhelper dh-dkms dkms lintian fakeroot kmod"

want=""
for set in "${@:-build}"; do
	case "$set" in
	build) want="$want $pkgs_build" ;;
	check) want="$want $pkgs_check" ;;
	qemu) want="$want $pkgs_qemu" ;;
	arm) want="$want $pkgs_arm" ;;
	cortexm) want="$want $pkgs_cortexm" ;;
	bench) want="$want $pkgs_bench" ;;
	deb) want="$want $pkgs_deb" ;;
	kernels) want="$want $pkgs_kernels" ;;
	*) echo "deps.sh: unknown set '$set'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
