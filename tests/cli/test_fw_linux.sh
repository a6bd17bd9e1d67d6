#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt fw-check --linux: one small ELF image per Linux 6.1 acceptance
# rule (a resource table in .resource_table, compiled with $CC -c), checked
# for the verdict line and the exit status (1 only when Linux refuses to
# boot). The kernel function each rule follows is named in the comment.
# Usage: test_fw_linux.sh PATH/TO/asvirt FIRMWARE_DIR
set -u
ASVIRT=$1
FWDIR=$2
CC=${CC:-cc}
. "$(dirname "$0")/checks.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ANY=0xffffffff

# Entries as comma-separated 32-bit words (names left zero).
co() { echo "0, $1, $ANY, $2, 0, ${3:-0}, ${4:-0},0,0,0,0,0,0,0"; } # da len [reserved [name]]
dm() { echo "1, $1, 0, $2, 0, 0, 0,0,0,0,0,0,0,0"; }                # devmem da len
trc() { echo "2, $1, $2, ${3:-0}, 0,0,0,0,0,0,0,0"; }                # da len [reserved]
vr() { echo "$1, $2, $3, 0, 0"; }                                   # da align num
# vdev: id notifyid features config_len num_of_vrings reserved-byte vrings...
vd() {
	local id=$1 nid=$2 feat=$3 cfg=$4 nvr=$5 res=$6
	shift 6
	local w="3, $id, $nid, $feat, 0, $cfg, $((nvr << 8 | res << 24))"
	for v in "$@"; do w="$w, $v"; done
	echo "$w"
}
std_vd() { vd 7 0 1 0 2 0 "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)"; }
# table NAME [--ver V] [--res R] [--num N] [--extra WORDS] ENTRY...
table() {
	local name=$1 ver=1 res=0 num= extra=
	shift
	while [ "${1:-}" != "${1#--}" ]; do
		case $1 in
		--ver) ver=$2 ;;
		--res) res=$2 ;;
		--num) num=$2 ;;
		--extra) extra=$2 ;;
		esac
		shift 2
	done
	local n=$# off=$((16 + 4 * $#)) offs="" body=""
	for e in "$@"; do
		offs="$offs, $off"
		body="$body, $e"
		off=$((off + 4 * $(echo "$e" | tr -cd ',' | wc -c) + 4))
	done
	printf '__attribute__((section(".resource_table"), used, aligned(8)))\nconst unsigned int rsc[] = { %s, %s, %s, 0%s%s%s };\n' \
		"$ver" "${num:-$n}" "$res" "$offs" "$body" "${extra:+, $extra}" >"$dir/$name.c"
	"$CC" -c "$dir/$name.c" -o "$dir/$name.o" || echo "cannot compile $name"
}
# expect NAME STATUS PATTERN: exit status and a line matching PATTERN
expect() {
	local name=$1 want=$2 pat=$3 got
	"$ASVIRT" fw-check --linux "$dir/$name.o" >"$dir/$name.out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] && grep -qE -- "$pat" "$dir/$name.out"; then
		ok "$name: exit $want, '$pat'"
	else
		bad "$name: exit $got (want $want), '$pat' in:"
		sed 's/^/     /' "$dir/$name.out"
	fi
}

TRACE_CO="$(co 0x10001000 0x2000)"
TRACE="$(trc 0x10001000 0x2000)"

# A Linux-ready table: boots, trace readable, name service on.
table good "$TRACE_CO" "$TRACE" "$(std_vd)"
expect good 0 '^result: Linux boots it$'
expect good 0 'trace .* inside a carveout: readable'
expect good 0 'VIRTIO_RPMSG_F_NS offered'
expect good 0 'vring1 at ANY.*notify id 1'
# asvirt's own firmware images follow every rule
for fw in "$FWDIR"/asvirt-echo.so "$FWDIR"/asvirt-client-sample.so; do
	"$ASVIRT" fw-check --linux "$fw" >"$dir/own.out" 2>&1
	if [ $? -eq 0 ] && grep -q '^result: Linux boots it$' "$dir/own.out" &&
		! grep -qE '^  (warn|broken|REFUSE)' "$dir/own.out"; then
		ok "$(basename "$fw"): no warning"
	else
		bad "$(basename "$fw")"
		cat "$dir/own.out"
	fi
done

# remoteproc_elf_loader.c find_table()
table ver2 --ver 2 "$(std_vd)"
expect ver2 1 'REFUSE +"unsupported fw ver: 2"'
table hdr_res --res 5 "$(std_vd)"
expect hdr_res 1 'REFUSE +header: "non zero reserved bytes"'
table incomplete --num 40 "$(std_vd)"
expect incomplete 1 '"resource table incomplete"'
# remoteproc_core.c rproc_handle_resources(): avail < 0
table off_out --extra "" "$(std_vd)"
sed -i 's/{ 1, 1, 0, 0, 20,/{ 1, 1, 0, 0, 4096,/' "$dir/off_out.c" && "$CC" -c "$dir/off_out.c" -o "$dir/off_out.o"
expect off_out 1 '"rsc table is truncated"'
# types: >= RSC_LAST skipped, vendor 128..512 skipped (RSC_VENDOR_END inclusive)
table unknown "0, 0" "$(std_vd)"
sed -i 's/{ 1, 2, 0, 0, 24, 32, 0, 0,/{ 1, 2, 0, 0, 24, 32, 77, 0,/' "$dir/unknown.c" && "$CC" -c "$dir/unknown.c" -o "$dir/unknown.o"
expect unknown 0 'skip +entry 0: "unsupported resource 77"'
table vendor "512, 0" "$(std_vd)"
expect vendor 0 'skip +entry 0: "unsupported vendor resource 512"'
table above "513, 0" "$(std_vd)"
expect above 0 'skip +entry 0: "unsupported resource 513"'
# rproc_handle_carveout(): reserved
table co_res "$(co $ANY 0x1000 1)" "$(std_vd)"
expect co_res 1 '"carveout rsc has non zero reserved bytes"'
# rproc_handle_carveout(): truncated (the table ends inside it)
# Carveouts are found by name (rproc_handle_carveout, l. 848: a second of
# one name is "already associated"); names are 4 characters here, one word
table co_dup "$(co $ANY 0x1000 0 0x61)" "$(co $ANY 0x1000 0 0x62)" "$(co $ANY 0x1000 0 0x61)" "$(std_vd)"
expect co_dup 1 'REFUSE +entry 2: carveout "a": "Carveout already associated to resource table" \(entry 0 has its name\)'
table co_unnamed "$(co $ANY 0x1000)" "$(co $ANY 0x1000)" "$(std_vd)"
expect co_unnamed 1 'REFUSE +entry 1: carveout "": "Carveout already associated'
table co_two "$(co $ANY 0x1000 0 0x61)" "$(co $ANY 0x1000 0 0x62)" "$(std_vd)"
expect co_two 0 'entry 1: carveout "b" 0x1000 bytes at ANY'
if grep -q REFUSE "$dir/co_two.out"; then bad "co_two: two names refused"; else ok "co_two: two names boot"; fi
# the name is the format of a vsnprintf (rproc_find_carveout_by_name, l. 262)
table co_pct "$(co $ANY 0x1000 0 0x7325)" "$(std_vd)"
expect co_pct 0 'broken +entry 0: carveout "%s": Linux uses the name as a format'
table co_trunc "0, $ANY, $ANY, 0x1000"
expect co_trunc 1 '"carveout rsc is truncated"'
# rproc_handle_devmem(): no IOMMU domain
table devmem "$(dm 0x40000000 0x1000)" "$(std_vd)"
expect devmem 1 'REFUSE +entry 0: devmem: .*without an IOMMU'
# rproc_handle_trace(): reserved; at ANY not allocated
table tr_res "$(trc 0x10001000 0x1000 1)" "$(std_vd)"
expect tr_res 1 '"trace rsc has non zero reserved bytes"'
table tr_any "$(trc $ANY 0x1000)" "$(std_vd)"
expect tr_any 0 'warn +entry 0: trace .* at FW_RSC_ADDR_ANY: not allocated'
# rproc_handle_vdev(): reserved, too many vrings, truncated config
table vd_res "$(vd 7 0 1 0 2 1 "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)")"
expect vd_res 1 '"vdev rsc has non zero reserved bytes"'
table vd_three "$(vd 7 0 1 0 3 0 "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)")"
expect vd_three 1 '"too many vrings: 3"'
table vd_cfg "$(vd 7 0 1 64 2 0 "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)")"
expect vd_cfg 1 'config_len 64: "vdev rsc is truncated"'
# vring rules: rproc_parse_vring, vring_new_virtqueue, da vs align
table vr_zero "$(vd 7 0 1 0 2 0 "$(vr $ANY 0 256)" "$(vr $ANY 4096 256)")"
expect vr_zero 0 'broken +.*"invalid qsz \(256\) or alignment \(0\)"'
# rproc_virtio_probe (remoteproc_virtio.c l. 532-547) parses every vring
# before it allocates any: a vdev with one refused gets no notify id at all,
# the next vdev's vrings number from where it would have started (a virtio
# console, id 3, with its vring[1] left zero; tests/firmware/bad_zero_vring.c
# is this table after the rpmsg vdev)
table con_zero "$(vd 3 0 0 0 2 0 "$(vr $ANY 4096 16)" "$(vr 0 0 0)")" "$(std_vd)"
expect con_zero 0 'broken +entry 0: vring1: "invalid qsz \(0\) or alignment \(0\)": vdev0 is not created'
expect con_zero 0 'entry 1: vring0 at ANY.*notify id 0$'
expect con_zero 0 'entry 1: vring1 at ANY.*notify id 1$'
expect con_zero 0 'entry 1: Linux serves this rpmsg device'
if grep -q 'entry 0: vring0 .*notify id' "$dir/con_zero.out"; then
	bad "con_zero: the console's vring0 got a notify id"
else
	ok "con_zero: the console's vring0 gets no notify id"
fi
table vr_num "$(vd 7 0 1 0 2 0 "$(vr $ANY 4096 100)" "$(vr $ANY 4096 100)")"
expect vr_num 0 'broken +.*"Bad virtqueue length"'
table vr_da "$(vd 7 0 1 0 2 0 "$(vr 0x10004010 4096 256)" "$(vr $ANY 4096 256)")"
expect vr_da 0 'broken +.*da 0x10004010 is not a multiple of its align 4096'
# fixed ranges that overlap (Linux allocates both apart)
table overlap "$(co 0x10004000 0x4000)" "$(vd 7 0 1 0 2 0 "$(vr 0x10006000 4096 256)" "$(vr $ANY 4096 256)")"
expect overlap 0 'broken +vdev0vring0 at 0x10006000\+0x2806 overlaps carveout'
# notify ids: the vdev's own is never written by Linux
table nid_any "$(vd 7 $ANY 1 0 2 0 "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)")"
expect nid_any 0 "warn +.*own notify id is 0xffffffff"
# features: VIRTIO_RPMSG_F_NS, and bits Linux does not acknowledge
table no_ns "$(vd 7 0 0 0 2 0 "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)")"
expect no_ns 0 'warn +.*no VIRTIO_RPMSG_F_NS'
table feat "$(vd 7 0 0x21 0 2 0 "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)")"
expect feat 0 'features 0x21 offered, Linux does not acknowledge 0x20 \(gfeatures = 0x1\)'
table evidx "$(vd 7 0 0x20000001 0 2 0 "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)")"
expect evidx 0 'ok +entry 0: EVENT_IDX offered: Linux acknowledges it'
table indirect "$(vd 7 0 0x10000001 0 2 0 "$(vr $ANY 4096 256)" "$(vr $ANY 4096 256)")"
expect indirect 0 'warn +entry 0: Linux acknowledges INDIRECT_DESC'
# two rpmsg vdevs: Linux serves each, notify ids run on
table two "$(std_vd)" "$(std_vd)"
expect two 0 '2 rpmsg vdevs: Linux serves each \(so do asv_vsys and asvirt up\)'
expect two 0 'entry 1: vring1 at ANY.*notify id 3'
# no .resource_table at all
echo 'int x;' >"$dir/none.c" && "$CC" -c "$dir/none.c" -o "$dir/none.o"
expect none 1 'no resource table Linux can read'
# help and usage
"$ASVIRT" fw-check --help >"$dir/help.out" 2>&1
if [ $? -eq 0 ] && grep -q -- '--linux FILE' "$dir/help.out"; then ok "fw-check --help documents --linux"; else bad "fw-check --help"; fi
"$ASVIRT" fw-check --linux >/dev/null 2>&1
if [ $? -eq 2 ]; then ok "fw-check --linux without FILE: exit 2"; else bad "fw-check --linux without FILE"; fi

summary
