#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt conform: the built-in images (an app on asvirt's remote API, the
# client sample, a board-level image with its own copy of the stack, the
# Cortex-M echo on QEMU when it is there) pass
# every check; each broken image (tests/firmware/bad_*.c) fails exactly the
# check it breaks and no other, with a non-zero exit status; the JUnit
# file is well-formed XML and carries the failure.
# Usage: test_conform.sh PATH/TO/asvirt FIRMWARE_DIR [K/N | all/N]
# K/N: only part K (0..N-1) of the images: every N-th from the K-th (part
# 0 also the usage checks). all/N: the N parts side by side, each one's
# output printed whole when it ends. An image's run mostly waits (the
# checks' windows and silences), so ctest runs all four parts in one test,
# in one slot (cmake/conform.cmake).
set -u
ASVIRT=$1
FWDIR=$2
PART=${3:-0/1}
part_k=${PART%/*} part_n=${PART#*/}
if [ "$part_k" = all ]; then
	logs=$(mktemp -d)
	trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$logs"' EXIT
	pids=()
	for k in $(seq 0 $((part_n - 1))); do
		"$0" "$ASVIRT" "$FWDIR" "$k/$part_n" >"$logs/$k" 2>&1 &
		pids+=($!)
	done
	rc=0
	for k in "${!pids[@]}"; do
		wait "${pids[$k]}" || rc=1
		cat "$logs/$k"
	done
	exit $rc
fi
images=0 mine=1
. "$(dirname "$0")/checks.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# host.bad_desc's broken image crashes on purpose and the check gives a
# crash 200 ms: a sanitizer build's SEGV handler (a report, symbolized)
# would keep the process alive longer; let the signal kill it as in a
# plain build
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}handle_segv=0"
# the restart loop's default (50) is run once, on the echo image; the other
# good images restart 5 times, the broken ones once (they break no restart)
RESTARTS=--quick
BAD_RESTARTS="--restarts 1"

well_formed() { # an XML file
	if command -v xmllint >/dev/null; then
		xmllint --noout "$1"
	else
		python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$1"
	fi
}

# evidence DESCRIPTION COMMAND...: a check on the last conform's files, in
# the part that ran it
evidence() { [ "$mine" = 0 ] || check "$@"; }

# The ids whose result is $2 in JSON file $1, space-separated.
ids_with() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(c["id"] for c in d["checks"] if c["result"] == sys.argv[2]))' "$1" "$2"
}

# conform IMAGE EXPECTED-FAILED-IDS EXPECTED-STATUS [options]: IMAGE is
# asvirt-IMAGE.so in FWDIR, or a path relative to FWDIR
conform() {
	local img=$1 want=$2 want_rc=$3 rc file=$FWDIR/asvirt-$1.so
	shift 3
	mine=$([ $((images % part_n)) = "$part_k" ] && echo 1 || echo 0)
	images=$((images + 1))
	[ "$mine" = 1 ] || return 0
	case $img in */*) file=$FWDIR/$img img=${img//\//_} ;; esac
	"$ASVIRT" conform --json --junit "$dir/$img.xml" "$@" "$file" \
		>"$dir/$img.json" 2>"$dir/$img.err"
	rc=$?
	check "$img: exit status $want_rc (got $rc)" [ "$rc" -eq "$want_rc" ]
	check "$img: failed exactly '${want}' (got '$(ids_with "$dir/$img.json" FAIL)')" \
		[ "$(ids_with "$dir/$img.json" FAIL)" = "$want" ]
	check "$img: skipped nothing (got '$(ids_with "$dir/$img.json" SKIP)')" \
		[ -z "$(ids_with "$dir/$img.json" SKIP)" ]
	check "$img: JUnit well-formed" well_formed "$dir/$img.xml"
	check "$img: JUnit has $(echo "$want" | wc -w) failure(s)" \
		[ "$(grep -c '<failure ' "$dir/$img.xml")" -eq "$(echo "$want" | wc -w)" ]
}

conform echo "" 0
conform client-sample "" 0 $RESTARTS
conform board-echo "" 0 $RESTARTS
# the Cortex-M image on QEMU's board, where QEMU is there
if command -v qemu-system-arm >/dev/null && [ -f "$FWDIR/cortex-m/asvirt-echo.elf" ]; then
	conform cortex-m/asvirt-echo.elf "" 0 $RESTARTS
	# drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_send_offchannel_raw: up to 496
	# bytes a message; a Cortex-M echo that copies each into 256 bytes of its
	# own (the first image of the suite's that fails a check on the board)
	conform cortex-m/asvirt-test-bad-cm-small-buf.elf msg.sizes 1 $BAD_RESTARTS
	evidence "bad-cm-small-buf: the evidence is the first size cut" \
		grep -q '257 bytes sent, 256 bytes came back' \
		"$dir/cortex-m_asvirt-test-bad-cm-small-buf.elf.xml"
else
	echo "skip cortex-m/asvirt-echo.elf: no qemu-system-arm or no image"
fi
# drivers/remoteproc/remoteproc_virtio.c rproc_virtio_probe (l. 532-537),
# remoteproc_core.c rproc_parse_vring (l. 397-400): a vdev with a vring of
# num 0 is never created, the boot goes on; a board-level image whose table
# adds a virtio console with its vring[1] left zero (asvirt's host serves
# its rpmsg vdev as Linux does: only the table check fails)
conform test-bad-zero-vring boot.rsc_table 1 $BAD_RESTARTS
evidence "bad-zero-vring: the evidence is fw-check's broken line" \
	grep -q 'broken entry 3: vring1: .*invalid qsz (0) or alignment (0).*: vdev1 is not created' \
	"$dir/test-bad-zero-vring.xml"
fw_check_linux() { "$ASVIRT" fw-check --linux "$1" 2>&1 | grep -q "$2"; }
evidence "bad-zero-vring: fw-check --linux prints the broken line" \
	fw_check_linux "$FWDIR/asvirt-test-bad-zero-vring.so" \
	'^  broken entry 3: vring1: "invalid qsz (0) or alignment (0)": vdev1 is not created$'
# drivers/rpmsg/virtio_rpmsg_bus.c __rpmsg_create_channel: a second
# announcement of the same channel is refused ("already exist")
conform test-bad-ns-twice ns.once 1 $BAD_RESTARTS
evidence "bad-ns-twice: the evidence is the host's refusal" \
	grep -q 'already exists' "$dir/test-bad-ns-twice.xml"
# drivers/rpmsg/rpmsg_ns.c rpmsg_ns_cb: a name without NUL is cut
conform test-bad-ns-name ns.name 1 $BAD_RESTARTS
evidence "bad-ns-name: the evidence names the truncation" \
	grep -q 'without NUL' "$dir/test-bad-ns-name.xml"
# drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_probe: buffers posted, then
# DRIVER_OK; a board-level image that announces in between
conform test-bad-early-ns boot.driver_ok 1 $BAD_RESTARTS
evidence "bad-early-ns: the evidence is the early announcement" \
	grep -q 'before DRIVER_OK.*announces .*rpmsg-echo' "$dir/test-bad-early-ns.xml"
# drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_send_offchannel_raw: up to 496 B
conform test-bad-trunc256 msg.sizes 1 $BAD_RESTARTS
evidence "bad-trunc256: the evidence is the first size cut" \
	grep -q '257 bytes sent, 256 bytes came back' "$dir/test-bad-trunc256.xml"
# drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_send_offchannel_raw: Linux waits
# 15 s for a buffer; an echo that gives up after 200 ms loses answers
conform test-bad-give-up msg.hold 1 $BAD_RESTARTS
evidence "bad-give-up: the evidence is the first answer lost" \
	grep -q 'receive buffers 500 ms.*first lost: #' "$dir/test-bad-give-up.xml"
# drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_recv_single: no recipient, dropped;
# an echo that answers its first peer for good talks to nobody after
conform test-bad-sticky-peer msg.dead_ept 1 $BAD_RESTARTS
evidence "bad-sticky-peer: the evidence names the endpoint not answered" \
	grep -q 'was destroyed with 8 replies due, endpoint 0x[0-9a-f]* got no answer' \
	"$dir/test-bad-sticky-peer.xml"
# drivers/vhost/vringh.c range_check: a device-side ring reader refuses a
# descriptor outside its memory; a board-level image that trusts it crashes
conform test-bad-trust-desc host.bad_desc 1 $BAD_RESTARTS
evidence "bad-trust-desc: the evidence is the crash on the first malformation" \
	grep -q 'address outside the shared window: firmware process killed by signal' \
	"$dir/test-bad-trust-desc.xml"
# drivers/virtio/virtio.c virtio_dev_probe: only the features both sides
# have; a board-level image that uses EVENT_IDX the host turned off
conform test-bad-forced-event-idx life.event_idx 1 $BAD_RESTARTS
# (which round trip goes unanswered depends on when the host last looked at
# its ring for another reason: the second under a plain build, a later one
# under TSan once)
evidence "bad-forced-event-idx: the evidence is a round trip not answered" \
	grep -qE 'EVENT_IDX off: round trip [0-9]+ of 8: no answer' "$dir/test-bad-forced-event-idx.xml"

# drivers/remoteproc/remoteproc_virtio.c rproc_virtio_notify: the kick is a
# mailbox write, its interrupt comes when it comes, and the ring is read
# then (drivers/virtio/virtio_ring.c vring_interrupt); a board-level image
# that takes a late interrupt for a lost one and drops what it brings
conform test-bad-irq-timeout host.irq_delay 1 $BAD_RESTARTS
evidence "bad-irq-timeout: the evidence is a message not answered, interrupts late" \
	grep -qE 'interrupts 100-160 ms late: (round trip [0-9]+.*: no answer|[0-9]+ messages 2 ms apart, [0-9]+ answered; first lost)' \
	"$dir/test-bad-irq-timeout.xml"
# drivers/remoteproc/remoteproc_virtio.c rproc_virtio_notify: a doorbell
# carries no count and no request; virtio_ring.c vring_interrupt: one that
# finds nothing is no work. A board-level image that answers its last
# message again on a kick with nothing new
conform test-bad-kick-resend host.kick_dup 1 $BAD_RESTARTS
evidence "bad-kick-resend: the evidence is the message answered twice" \
	grep -q 'a kick with nothing new, the firmware idle 100 ms: #7 answered 2 times' \
	"$dir/test-bad-kick-resend.xml"
# drivers/virtio/virtio_ring.c vring_interrupt, virtqueue_enable_cb: an
# interrupt means "look at the ring", and the ring is looked at again once
# callbacks are on; a board-level image that clears its interrupt flag
# after the drain (on its wake-up path) loses the kick that came meanwhile
conform test-bad-late-ack host.irq_busy 1 $BAD_RESTARTS
evidence "bad-late-ack: the evidence is the message kicked while busy" \
	grep -q 'after 400 ms of quiet, #0 sent alone, #1 as soon as the firmware took #0.*#1 got no answer' \
	"$dir/test-bad-late-ack.xml"
# drivers/virtio/virtio_ring.c virtqueue_kick_prepare_split: one kick for
# what was queued, none again; after a quiet spell the kick of #0 dropped
# and one for #0 and #1 is all there is. A board-level image whose wake-up
# from stop mode acknowledges the interrupt that woke it without looking
# at the rings needs a second kick
conform test-bad-stop-mode host.kick_drop 1 $BAD_RESTARTS
evidence "bad-stop-mode: the evidence is the pair after the quiet spell" \
	grep -q 'after 1800 ms of quiet, the kick for #0 dropped, one kick for #0 and #1 afterwards: 0 of 2 answered; first lost: #0' \
	"$dir/test-bad-stop-mode.xml"
# drivers/remoteproc/remoteproc_core.c rproc_attach_recovery: the host
# detaches and attaches again while the firmware runs (__rproc_detach: the
# vdev status reset; __rproc_attach: new rings, DRIVER_OK); a board-level
# image that took the rings up once never announces nor answers again
conform test-bad-link-once life.attach_recovery 1 $BAD_RESTARTS
evidence "bad-link-once: the evidence is the channel not announced again" \
	grep -q 'attach 1: 0 of 1 channels announced again' "$dir/test-bad-link-once.xml"
# drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_recv_single: a message to an
# address nobody has is dropped and its buffer given back; a board-level
# image that stops taking messages at one wedges its ring. It fails that
# check alone: after a failed check, asvirt conform boots the firmware again
# for the next ones.
conform test-bad-unknown-wedge msg.unknown_dst 1 $BAD_RESTARTS
evidence "bad-unknown-wedge: the evidence is the echo channel silent after them" \
	grep -q 'after 16 messages to 0xc0de, the echo channel no longer answers' \
	"$dir/test-bad-unknown-wedge.xml"

# drivers/rpmsg/rpmsg_core.c rpmsg_dev_remove, rpmsg_dev_probe: a host-side
# channel's driver unbinding and binding again sends NS DESTROY then CREATE
# (virtio_rpmsg_bus.c virtio_rpmsg_announce_destroy, _create); an echo that
# takes the DESTROY as the end answers nothing after the CREATE
conform test-bad-destroy-ends ns.destroy_recreate 1 $BAD_RESTARTS
evidence "bad-destroy-ends: the evidence is the re-created channel not answered" \
	grep -q 'cycle 1 of 3: after the host.s NS DESTROY and CREATE of rpmsg-echo at 0x[0-9a-f]*, its message to 0x400 got no answer' \
	"$dir/test-bad-destroy-ends.xml"
# drivers/rpmsg/rpmsg_ns.c rpmsg_ns_cb: a channel per announcement, bound
# only where Linux has a driver; an echo that waits for its control channel
# to be bound never answers when it is not
conform test-bad-wait-bind ns.unbound 1 $BAD_RESTARTS
evidence "bad-wait-bind: the evidence names the channel never bound" \
	grep -q 'rpmsg-ctrl:0x400 never bound.*rpmsg-echo:0x401, round trip 1 of 8 got no answer' \
	"$dir/test-bad-wait-bind.xml"

# drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_send_offchannel_raw: a buffer the
# firmware never gives back is one the host's sender waits for
conform test-bad-keep-buffer msg.burst 1 $BAD_RESTARTS
evidence "bad-keep-buffer: the evidence is the buffer still held" \
	grep -q 'all answered, but the firmware still holds 1 of the host' \
	"$dir/test-bad-keep-buffer.xml"
# drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_recv_done: messages in ring order;
# an echo that answers what piled up newest first
conform test-bad-lifo msg.slow_cb 1 $BAD_RESTARTS
evidence "bad-lifo: the evidence is an answer out of order" \
	grep -qE 'taking 50 ms per message: #[0-9] came back after #[0-9]' \
	"$dir/test-bad-lifo.xml"
# drivers/remoteproc/stm32_rproc.c stm32_rproc_stop: the firmware is asked
# to shut down; an echo whose stop() crashes
conform test-bad-crash-on-stop life.restart 1 $BAD_RESTARTS
evidence "bad-crash-on-stop: the evidence is the crash on the stop request" \
	grep -qE 'restart 1: firmware process (killed by signal|exited with status) [0-9]+.* on its stop request' \
	"$dir/test-bad-crash-on-stop.xml"

# the human table and the usage errors
[ "$part_k" = 0 ] || { summary "test_conform $PART"; exit; }
"$ASVIRT" conform --restarts 1 "$FWDIR/asvirt-test-bad-trunc256.so" >"$dir/table" 2>/dev/null
check "table: status 1 on a failure" [ $? -eq 1 ]
check "table: FAIL row with its evidence" grep -q '^msg.sizes *FAIL' "$dir/table"
check "table: evidence line" grep -q 'evidence: 257 bytes sent' "$dir/table"
"$ASVIRT" conform >/dev/null 2>&1
check "no firmware: usage, status 2" [ $? -eq 2 ]
"$ASVIRT" conform "$dir/nonexistent.so" >/dev/null 2>&1
check "missing file: status 2" [ $? -eq 2 ]
summary "test_conform $PART"
