#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Linux coding style of the kernel module and its port: checkpatch.pl from
# the kernel tree that qemu/build-kernel.sh built (cached), over every file.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KDIR=${ASVIRT_KDIR:-$("$ROOT/qemu/build-kernel.sh" "${ARCH:-x86_64}" | tail -1)}
files=$(cd "$ROOT" && ls kernel/*.c kernel/*.h port/linux-kernel/*.c port/linux-kernel/*.h)
cd "$ROOT"
# shellcheck disable=SC2086
if perl "$KDIR/scripts/checkpatch.pl" --no-tree --quiet -f $files; then
	echo "checkpatch: clean ($(echo $files | wc -w) files)"
else
	echo "checkpatch: style problems above" >&2
	exit 1
fi
