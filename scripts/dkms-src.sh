#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# The kernel module's DKMS source tree: what qemu/build-module.sh links
# into its staging directory, copied (kernel/*, port/linux-kernel/ as
# port/, core/src/ and core/include/ as core/, apps/ as apps/, the driver
# as asvirt_rproc_main.c) (dkms.conf: debian/asvirt-dkms.dkms).
#
#   scripts/dkms-src.sh DIR     e.g. debian/asvirt-dkms/usr/src/asvirt-VERSION
set -euo pipefail
DIR=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$DIR/core/include" "$DIR/port" "$DIR/apps/include"
cp "$ROOT/kernel/asvirt_remoteproc.c" "$DIR/asvirt_rproc_main.c"
for f in "$ROOT"/kernel/*.c; do
	[ "${f##*/}" = asvirt_remoteproc.c ] || cp "$f" "$DIR/"
done
cp "$ROOT/kernel/Kbuild" "$ROOT"/kernel/*.h "$DIR/"
cp "$ROOT"/port/linux-kernel/*.[ch] "$DIR/port/"
cp "$ROOT"/core/src/*.[ch] "$DIR/core/"
cp -r "$ROOT"/core/include/. "$DIR/core/include/"
cp "$ROOT"/apps/*.c "$DIR/apps/"
cp -r "$ROOT"/apps/include/. "$DIR/apps/include/"
