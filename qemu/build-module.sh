#!/bin/bash
# Build kernel/asvirt_remoteproc.ko and, on a kernel with PCI,
# kernel/asvirt_ivshmem.ko (next to it) against the test kernel tree.
#
#   [ARCH=arm] qemu/build-module.sh KDIR OUTDIR
#
# Kbuild writes objects next to their sources, so the module is built in a
# staging directory whose files are symlinks to kernel/*,
# port/linux-kernel/* (as port/), core/src/* and core/include (as core/)
# and apps/* (as apps/).  The repository stays clean. The modules are
# copied to OUTDIR/kmod; the last line printed is asvirt_remoteproc.ko's
# path there.
#
# With ccache (make check installs it) each object is compiled through it.
# A compile's hash covers the paths of its source and include files, and
# Kbuild runs in the kernel tree, so the staging directory has one path
# per kernel tree ($ASVIRT_CACHE/kmod/TREE), not one per checkout: a fresh
# clone's build (each CI run's) is then ccache hits. One build at a time
# uses it (flock). After a build from another checkout every object is
# compiled again (through ccache: seconds): the symlinks now point into
# this one, whose files make's timestamps would not see as newer.
set -euo pipefail

KDIR=$1
OUT=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${ASVIRT_CACHE:-$HOME/.cache/asvirt}
ST=$CACHE/kmod/$(basename "$(cd "$KDIR" && pwd)")

mkdir -p "$ST" "$OUT/kmod"
# The staging directories of trees qemu/build-kernel.sh has removed since
# (an older fragment's): nothing builds against those again. One that
# another build holds is left alone.
for s in "$CACHE"/kmod/kernel-*-*; do
	if [ ! -d "$s" ] || [ -d "$CACHE/${s##*/}" ]; then continue; fi
	(flock -n 8 && rm -rf "$s" "$s.lock") 8>"$s.lock" || true
done
exec 9>"$ST.lock"
flock 9

mkdir -p "$ST/core" "$ST/port" "$ST/apps"
# Fresh links every time (sources may have been added or removed), and no
# object of another checkout's build.
find "$ST" -type l -delete
if [ "$(cat "$ST/.checkout" 2>/dev/null)" != "$ROOT" ]; then
	find "$ST" -type f \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \) -delete
	echo "$ROOT" >"$ST/.checkout"
fi
# The driver source is linked as asvirt_rproc_main.c: a composite module
# may not contain an object named like the module itself.
ln -sf "$ROOT/kernel/asvirt_remoteproc.c" "$ST/asvirt_rproc_main.c"
for f in "$ROOT"/kernel/*.c; do
	[ "${f##*/}" = asvirt_remoteproc.c ] || ln -sf "$f" "$ST/"
done
ln -sf "$ROOT/kernel/Kbuild" "$ROOT"/kernel/*.h "$ST/"
ln -sf "$ROOT"/port/linux-kernel/*.[ch] "$ST/port/"
ln -sf "$ROOT"/core/src/*.[ch] "$ST/core/"
ln -sfn "$ROOT/core/include" "$ST/core/include"
ln -sf "$ROOT"/apps/*.c "$ST/apps/"
ln -sfn "$ROOT/apps/include" "$ST/apps/include"

# ARCH (environment, default x86_64): arm cross-builds for the vexpress tree.
kmake=()
cross=
[ "${ARCH:-x86_64}" = arm ] && cross=arm-linux-gnueabihf- &&
	kmake=(ARCH=arm CROSS_COMPILE=$cross)
command -v ccache >/dev/null && kmake+=("CC=ccache ${cross}gcc")
make -s -C "$KDIR" "${kmake[@]}" M="$ST" modules >&2
rm -f "$OUT"/kmod/*.ko
cp "$ST"/*.ko "$OUT/kmod/"
echo "$OUT/kmod/asvirt_remoteproc.ko"
