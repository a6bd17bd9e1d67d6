#!/bin/bash
# The test kernel and initramfs for `asvirt up --linux` (x86_64), built or
# taken from the cache as make check-qemu does (qemu/lib.sh). Progress on
# stderr; stdout ends with "kernel PATH", "initrd PATH".
set -euo pipefail
export ARCH=x86_64
. "$(dirname "$0")/lib.sh"
asvirt_prepare >&2
echo "kernel $BZIMAGE"
echo "initrd $INITRD"
