#!/bin/bash
# The test kernel and initramfs for `asvirt up --linux`, built or taken
# from the cache as make check-qemu does (qemu/lib.sh). ARCH=x86_64
# (default) or arm (asvirt up --linux --arch arm: the one ARMv7 kernel,
# booted on virt). Progress on stderr; stdout ends with "kernel PATH",
# "initrd PATH".
set -euo pipefail
export ARCH=${ARCH:-x86_64}
. "$(dirname "$0")/lib.sh"
asvirt_prepare >&2
echo "kernel $BZIMAGE"
echo "initrd $INITRD"
