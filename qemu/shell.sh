#!/bin/bash
# make qemu: boot the test kernel and initramfs to an interactive shell on
# the serial console.  Leave with 'reboot -f' (or Ctrl-A X).
# ARCH=arm (environment): the vexpress-a9 guest instead (see qemu/lib.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
asvirt_prepare
asvirt_qemu "$(asvirt_accel)" -append "console=$CONSOLE panic=-1 loglevel=4"
