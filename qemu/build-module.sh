#!/bin/bash
# Build kernel/asvirt_remoteproc.ko and, on a kernel with PCI,
# kernel/asvirt_ivshmem.ko (next to it) against the test kernel tree.
#
#   [ARCH=arm] qemu/build-module.sh KDIR OUTDIR
#
# Kbuild writes objects next to their sources, so the module is built in a
# staging directory OUTDIR/kmod whose files are symlinks to kernel/*,
# port/linux-kernel/* (as port/), core/src/* and core/include (as core/)
# and apps/* (as apps/).  The repository stays clean.
set -euo pipefail

KDIR=$1
OUT=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ST=$OUT/kmod

mkdir -p "$ST/core" "$ST/port" "$ST/apps"
# Fresh links every time (sources may have been added or removed).
find "$ST" -type l -delete
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
[ "${ARCH:-x86_64}" = arm ] && kmake=(ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-)
make -s -C "$KDIR" "${kmake[@]}" M="$ST" modules >&2
echo "$ST/asvirt_remoteproc.ko"
