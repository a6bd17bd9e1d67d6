#!/bin/bash
# make qemu: boot the test kernel and initramfs to an interactive shell on
# the serial console.  Leave with 'reboot -f' (or Ctrl-A X).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
asvirt_prepare
exec qemu-system-x86_64 -accel "$(asvirt_accel)" -smp 2 -m 512 -nographic -no-reboot \
	-kernel "$BZIMAGE" -initrd "$INITRD" -append "console=ttyS0 panic=-1 loglevel=4"
