#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# The firmware ABI (issue 12, item 7): an image built against another
# layout of the structures it shares with asvirt (asvirt-test-skewed: a
# struct asv_endpoint 8 bytes larger) or before layout records
# (asvirt-test-abi1) is refused by fw-check, by `asvirt up` and by the
# runner itself, with the mismatch named; a normal image is accepted.
# Usage: test_fw_abi.sh PATH/TO/asvirt PATH/TO/asvirt-fw-runner FIRMWARE_DIR
set -u
ASVIRT=$1
RUNNER=$2
FW=$3
. "$(dirname "$0")/checks.sh"

up_sandbox abi
skewed=$FW/asvirt-test-skewed.so
abi1=$FW/asvirt-test-abi1.so
# what this build's struct asv_endpoint is, from the good image's record
ept="sizeof\\(struct asv_endpoint\\) = [0-9]+, this (asvirt|runner) has [0-9]+"

# fw-check
"$ASVIRT" fw-check "$FW/asvirt-echo.so" >"$out" 2>&1
check "fw-check: a normal image is ok" test $? -eq 0
check "fw-check: says the ABI matches" grep -q "firmware ABI 2 with this asvirt's structure layouts: ok" "$out"
"$ASVIRT" fw-check "$skewed" >"$out" 2>&1
check "fw-check: skewed image refused" test $? -eq 1
check "fw-check: names struct asv_endpoint" grep -Eq "firmware built with $ept" "$out"
check "fw-check: says rebuild" grep -q "rebuild it against this asvirt" "$out"
# the sizes it names are 8 apart (the test image's extra field)
check "fw-check: both sizes, 8 apart" python3 -c "
import re,sys
m=re.search(r'sizeof\(struct asv_endpoint\) = (\d+), this asvirt has (\d+)', open('$out').read())
sys.exit(0 if m and int(m.group(1)) == int(m.group(2)) + 8 else 1)"
check "fw-check: offsets named too" grep -q "offsetof(struct asv_endpoint, dst)" "$out"
"$ASVIRT" fw-check "$abi1" >"$out" 2>&1
check "fw-check: ABI 1 image refused" test $? -eq 1
check "fw-check: says ABI 1 has no layout record" grep -q "built for firmware ABI 1" "$out"

# asvirt up: refuses before starting anything
timeout 60 "$ASVIRT" up -d "$skewed" >"$out" 2>&1
check "up: skewed image refused" test $? -ne 0
check "up: names the mismatch" grep -Eq "error: .*asvirt-test-skewed.so: firmware built with $ept" "$out"
"$ASVIRT" status >/dev/null 2>&1
check "up: nothing left running" test $? -eq 3
timeout 60 "$ASVIRT" up -d "$abi1" >"$out" 2>&1
check "up: ABI 1 image refused" test $? -ne 0
check "up: says ABI 1" grep -q "built for firmware ABI 1" "$out"

# the runner itself (another loader could skip the host's check): a
# shared block header as the host writes it (struct asv_shm_ctl, shmctl.h)
run_runner() { # image; prints exit status, then state and error from the block
	python3 - "$RT/shm" <<'PY'
import struct, sys
size = 4096 + 65536
b = bytearray(size)
# magic, version, shm_size, region_off, region_size, region_da, table_size, doorbell
struct.pack_into('<IIQQQQII', b, 0, 0x4d485341, 1, size, 4096, 65536, 0x10000000, 0, 2)
open(sys.argv[1], 'wb').write(b)
PY
	"$RUNNER" --shm-fd 3 --doorbell futex "$1" 3<>"$RT/shm" 2>"$RT/runner.err"
	echo $?
	# state, pid, error: at offset 204 (after the header, its padding,
	# the two 64-byte doorbells and the heartbeat)
	python3 -c "
import struct; s, p, e = struct.unpack_from('<Iii', open('$RT/shm', 'rb').read(), 204); print(s, e)"
}
r=$(run_runner "$skewed")
check "runner: skewed image, exit status 6" test "$(echo "$r" | head -1)" = 6
check "runner: state FAILED, error -EPROTO" test "$(echo "$r" | tail -1)" = "2 -71"
check "runner: names the mismatch" grep -Eq "asvirt-test-skewed.so: firmware built with $ept" "$RT/runner.err"
r=$(run_runner "$abi1")
check "runner: ABI 1 image, exit status 6" test "$(echo "$r" | head -1)" = 6
check "runner: says ABI 1" grep -q "built for firmware ABI 1" "$RT/runner.err"

# a normal image still runs
timeout 60 "$ASVIRT" up -d "$FW/asvirt-echo.so" >"$out" 2>&1
check "up: a normal image runs" test $? -eq 0
check "up: normal image ready" grep -q "^asvirt: ready: 1 firmware, 1 channel" "$out"
"$ASVIRT" stop >/dev/null 2>&1

summary test_fw_abi
