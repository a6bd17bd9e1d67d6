#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Build the Debian packages (debian/) from a copy of this tree, check them
# with lintian (no error), install them, run the installed `asvirt demo`
# and an application built against libasvirt-dev, and build the kernel
# module through DKMS, from the installed asvirt-dkms, against the QEMU
# suite's x86_64 kernel trees (qemu/build-kernel.sh: 6.1, cached once `make
# check-qemu` ran, built otherwise; 6.12 when `make check-qemu-6.12` built it). `make check-deb`, the last step of
# `make check` (about 1.5 minutes with the kernel tree cached).
#
#   scripts/check-deb.sh [--dpkg] [--keep DIR] [--all-kernels]
#     (default)     the packages are unpacked into a throwaway root (dpkg-deb -x)
#     --dpkg        as root: dpkg -i them on this machine (and purge at the end)
#     --keep DIR    leave the .deb files in DIR
#     --all-kernels DKMS against every built tree in ~/.cache/asvirt/kernel-x86_64-*
#                   (other kernel versions too); $ASVIRT_DKMS_KDIRS: these trees
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/cli/checks.sh"
DPKG=0 KEEP="" ALLK=0
while [ $# -gt 0 ]; do
	case $1 in
	--dpkg) DPKG=1 ;;
	--keep) KEEP=$2; shift ;;
	--all-kernels) ALLK=1 ;;
	*) echo "usage: $0 [--dpkg] [--keep DIR] [--all-kernels]" >&2; exit 2 ;;
	esac
	shift
done
# check_log NAME LOG CMD...: check, and the log's tail when it fails (status 1)
check_log() {
	local name=$1 log=$2
	shift 2
	if "$@"; then
		ok "$name"
	else
		bad "$name"
		tail -30 "$log" 2>/dev/null | sed 's/^/  | /'
		return 1
	fi
}
[ $DPKG = 1 ] && [ "$(id -u)" -ne 0 ] && { echo "check-deb: --dpkg needs root" >&2; exit 2; }

"$ROOT/scripts/deps.sh" deb cortexm || exit 1
VERSION=$(cd "$ROOT" && dpkg-parsechangelog -S Version)
T=$(mktemp -d /tmp/asvirt-deb.XXXXXX)
installed=""
cleanup() {
	[ -n "$installed" ] && dpkg --purge $installed >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

# ---- build, from the files git knows (committed or not), in a copy ------
SRC=$T/asvirt-$VERSION
mkdir -p "$SRC"
# (one tar for them all: a sh and a cp per file were a thousand processes;
# a file deleted but not yet committed is skipped)
(cd "$ROOT" && git ls-files -co --exclude-standard -z |
	tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$SRC"
echo "check-deb: dpkg-buildpackage (log: $T/build.log)" >&2
# Through ccache when it is there (CMake takes the launcher from the
# environment), with the copy's paths made relative to it: each run copies
# to a new directory.
viaccache=()
command -v ccache >/dev/null &&
	viaccache=(CMAKE_C_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR="$SRC" CCACHE_NOHASHDIR=1)
(cd "$SRC" && env "${viaccache[@]}" dpkg-buildpackage -b -us -uc) >"$T/build.log" 2>&1
check_log "dpkg-buildpackage -b -us -uc" "$T/build.log" test $? -eq 0 || { summary; exit 1; }
for p in asvirt libasvirt0 libasvirt-dev asvirt-dkms; do
	check "package $p built" bash -c "ls '$T'/${p}_${VERSION}_*.deb >/dev/null 2>&1"
done
[ -n "$KEEP" ] && mkdir -p "$KEEP" && cp "$T"/*.deb "$KEEP/"

lintian --fail-on error "$T"/*.changes >"$T/lintian.log" 2>&1
check_log "lintian: no error" "$T/lintian.log" test $? -eq 0
grep -E '^[EW]:' "$T/lintian.log" | sed 's/^/  lintian: /' | head -30

# what each package holds
dpkg-deb -c "$T"/asvirt_*.deb >"$T/c.asvirt"
dpkg-deb -c "$T"/libasvirt0_*.deb >"$T/c.lib"
dpkg-deb -c "$T"/libasvirt-dev_*.deb >"$T/c.dev"
dpkg-deb -c "$T"/asvirt-dkms_*.deb >"$T/c.dkms"
check "asvirt: the command, runner, images, man pages, completion" bash -c "
	grep -q ' ./usr/bin/asvirt$' '$T/c.asvirt' &&
	grep -q ' ./usr/libexec/asvirt/asvirt-fw-runner$' '$T/c.asvirt' &&
	grep -q ' ./usr/lib/asvirt/firmware/asvirt-echo.so$' '$T/c.asvirt' &&
	grep -q ' ./usr/share/man/man1/asvirt-up.1.gz$' '$T/c.asvirt' &&
	grep -q ' ./usr/share/bash-completion/completions/asvirt$' '$T/c.asvirt'"
if grep -q ' ./usr/lib/asvirt/firmware/cortex-m/asvirt-echo.elf$' "$T/c.asvirt"; then
	check "asvirt: the Cortex-M images and what fw-build --target cortex-m4 links with" bash -c "
		grep -q ' ./usr/lib/asvirt/cortex-m4/libasvirt-cm4.a$' '$T/c.asvirt' &&
		grep -q ' ./usr/lib/asvirt/cortex-m4/mps2_an386.ld$' '$T/c.asvirt'"
fi
check "libasvirt0: libasvirt.so.0, nothing else of the library" bash -c "
	grep -q '/libasvirt.so.0 -> ' '$T/c.lib' && ! grep -qE 'libasvirt.so -> |\.a$|\.h$' '$T/c.lib'"
check "libasvirt-dev: headers, .so link, .a, .pc, CMake package" bash -c "
	grep -q ' ./usr/include/asvirt/vsys.h$' '$T/c.dev' && grep -q '/libasvirt.so -> ' '$T/c.dev' &&
	grep -q '/libasvirt.a$' '$T/c.dev' && grep -q '/pkgconfig/asvirt.pc$' '$T/c.dev' &&
	grep -q '/cmake/asvirt/asvirtConfig.cmake$' '$T/c.dev'"
check "asvirt-dkms: dkms.conf, Kbuild, the driver, core and port sources" bash -c "
	d=./usr/src/asvirt-$VERSION; grep -q \" \$d/dkms.conf\$\" '$T/c.dkms' &&
	grep -q \" \$d/Kbuild\$\" '$T/c.dkms' && grep -q \" \$d/asvirt_rproc_main.c\$\" '$T/c.dkms' &&
	grep -q \" \$d/core/remote.c\$\" '$T/c.dkms' && grep -q \" \$d/port/\" '$T/c.dkms'"

# ---- install ------------------------------------------------------------
if [ $DPKG = 1 ]; then
	R=""
	# the four packages, not the -dbgsym ones (which would hold asvirt back at purge)
	dpkg -i "$T"/asvirt_*.deb "$T"/libasvirt0_*.deb "$T"/libasvirt-dev_*.deb \
		"$T"/asvirt-dkms_*.deb >"$T/dpkg.log" 2>&1
	check_log "dpkg -i" "$T/dpkg.log" test $? -eq 0
	installed="asvirt libasvirt-dev libasvirt0 asvirt-dkms"
else
	R=$T/root
	for p in asvirt libasvirt0 libasvirt-dev asvirt-dkms; do dpkg-deb -x "$T/${p}_${VERSION}"_*.deb "$R"; done
fi
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
env -u ASVIRT_RUNNER -u ASVIRT_FIRMWARE_DIR "$R/usr/bin/asvirt" demo -n 3 >"$T/demo.log" 2>&1
check "installed asvirt demo" bash -c "[ \$? -eq 0 ] && grep -q 'goodbye!$' '$T/demo.log'"
env -u ASVIRT_RUNNER -u ASVIRT_FIRMWARE_DIR "$R/usr/bin/asvirt" demo --process -n 3 >"$T/demo.log" 2>&1
check "installed asvirt demo --process (/usr/libexec, /usr/lib/asvirt)" \
	bash -c "[ \$? -eq 0 ] && grep -q 'goodbye!$' '$T/demo.log'"
if [ -f "$R/usr/lib/asvirt/cortex-m4/libasvirt-cm4.a" ]; then
	"$R/usr/bin/asvirt" fw-build --target cortex-m4 "$ROOT/apps/echo.c" \
		"$ROOT/port/cortex-m/fw_echo.c" -o "$T/echo.elf" >"$T/fw-build-cm.log" 2>&1
	check_log "installed asvirt fw-build --target cortex-m4" "$T/fw-build-cm.log" \
		grep -q 'echo.elf: ELF32 ARM executable' "$T/fw-build-cm.log"
fi
# an application against libasvirt-dev + libasvirt0
export PKG_CONFIG_PATH=$R/usr/lib/$MA/pkgconfig
[ -n "$R" ] && export PKG_CONFIG_SYSROOT_DIR=$R
# shellcheck disable=SC2046
cc -std=c11 "$ROOT/tests/install/app/echo_app.c" $(pkg-config --cflags --libs asvirt) \
	-o "$T/echo_app" >"$T/app.log" 2>&1
check "an application builds against libasvirt-dev" test $? -eq 0
check "and runs on libasvirt0" bash -c "LD_LIBRARY_PATH='$R/usr/lib/$MA' '$T/echo_app' | grep -qx 'echo: hello asvirt'"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# ---- DKMS against the QEMU suite's kernel tree(s) ----------------------
cache=${ASVIRT_CACHE:-$HOME/.cache/asvirt}
if [ -n "${ASVIRT_DKMS_KDIRS:-}" ]; then
	kdirs=$ASVIRT_DKMS_KDIRS
elif [ $ALLK = 1 ]; then
	kdirs=$(ls -d "$cache"/kernel-x86_64-* 2>/dev/null)
else
	kdirs=$(KVER=6.1 "$ROOT/qemu/build-kernel.sh" x86_64 2>"$T/kernel.log" | tail -1)
	check_log "the QEMU suite's x86_64 kernel tree" "$T/kernel.log" test -n "$kdirs"
	# and the 6.12 tree when make check-qemu-6.12 built it (make check does,
	# before this step); never built here
	kdirs="$kdirs $(ls -d "$cache"/kernel-x86_64-6.12-* 2>/dev/null)"
fi
nk=0
for kdir in $kdirs; do
	[ -f "$kdir/.asvirt-built" ] || continue
	nk=$((nk + 1))
	kver=$(make -s -C "$kdir" kernelrelease 2>/dev/null)
	dt=$T/dkms-$nk
	mkdir -p "$dt"
	opts=(--dkmstree "$dt" --sourcetree "$R/usr/src" -m asvirt -v "$VERSION" -k "$kver")
	{ dkms add "${opts[@]}" && dkms build "${opts[@]}" --kernelsourcedir "$kdir"; } \
		>"$T/dkms-$nk.log" 2>&1
	rc=$?
	[ -f "$dt/asvirt/$VERSION/build/make.log" ] && cat "$dt/asvirt/$VERSION/build/make.log" >>"$T/dkms-$nk.log"
	check_log "dkms build against $kver (${kdir##*/})" "$T/dkms-$nk.log" test $rc -eq 0
	ko=$(find "$dt/asvirt/$VERSION/$kver" -name asvirt_remoteproc.ko 2>/dev/null | head -1)
	check "  asvirt_remoteproc.ko for $kver" bash -c "[ -n '$ko' ] && modinfo -F vermagic '$ko' | grep -q '^$kver '"
	if grep -qs '^CONFIG_PCI=y' "$kdir/.config"; then
		check "  asvirt_ivshmem.ko for $kver (the kernel has PCI)" \
			bash -c "find '$dt/asvirt/$VERSION/$kver' -name asvirt_ivshmem.ko 2>/dev/null | grep -q ."
	fi
done
check "DKMS checked against at least one built kernel tree" test $nk -gt 0
summary check-deb
