// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt conform's stressed-host checks: the host's interrupt to the
 * firmware delivered late (its doorbell line delayed in the process
 * remoteproc, asv_proc_set_kick_delay: the kick itself never waits), and
 * the next message kicked while the firmware is still busy with the
 * previous one. A notification says "something changed", not how much or
 * when (drivers/virtio/virtio_ring.c vring_interrupt: the ring is looked
 * at, whatever number of kicks came): every message in the ring must be
 * answered whenever its interrupt comes and whatever the firmware was
 * doing when it came.
 */
#include <string.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "conform_state.h"

/* host.irq_delay: each interrupt this late after its kick */
#define IRQ_DELAY_MIN_MS 100u
#define IRQ_DELAY_MAX_MS 160u
#define IRQ_DELAY_RUN 16u      /* messages sent ... */
#define IRQ_DELAY_GAP_US 2000u /* ... this far apart */
#define IRQ_DELAY_ROUND_TRIPS 3u
/* host.irq_busy: the host quiet this long first (a firmware idle that
 * long may be asleep: its wake-up path is the slowest it has: tests/firmware/bad_late_ack.c
 * falls asleep after 300 ms idle, above the pauses of the other checks) */
#define IRQ_BUSY_QUIET_MS 400
#define IRQ_BUSY_PAIRS 2u

static int late_round_trip(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			   unsigned int i)
{
	uint8_t ping[] = "late #.";
	size_t len;

	ping[sizeof(ping) - 2] = (uint8_t)('0' + i);
	return conform_round_trip(s, e, dst, ping, sizeof(ping), &len);
}

/*
 * Every interrupt to the firmware IRQ_DELAY_MIN_MS..IRQ_DELAY_MAX_MS late:
 * round trips one at a time (each answer waits for its own late
 * interrupt), a run of IRQ_DELAY_RUN messages IRQ_DELAY_GAP_US apart
 * (several wait in the ring for one interrupt), a last round trip: every
 * message answered, once. (The order is msg.slow_cb's clause: a firmware
 * that answers what piled up out of order does so in any burst.)
 */
void conform_check_irq_delay(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			     struct conform_check *c)
{
	unsigned int got = 0, missing = 0, failed = 0, i, rti = 0, times = 1;
	int err = 0, rt = 0;
	const char *rt_why;

	conform_seq_reset(s, "LATE", RX_PLAIN);
	if (asv_proc_set_kick_delay(&s->p, IRQ_DELAY_MIN_MS, IRQ_DELAY_MAX_MS)) {
		conform_verdict(c, CONFORM_SKIP, "the host's doorbell cannot be delayed");
		return;
	}
	while (!rt && rti < IRQ_DELAY_ROUND_TRIPS - 1)
		rt = late_round_trip(s, e, dst, rti++);
	for (i = 0; !rt && !err && i < IRQ_DELAY_RUN; i++) {
		if (i)
			usleep(IRQ_DELAY_GAP_US);
		err = conform_seq_send(s, e, dst, i, i + 1, &failed);
	}
	if (!rt && !err)
		got = conform_seq_collect(s, IRQ_DELAY_RUN, REPLY_WAIT_MS, &missing);
	/* the last one also gives an answer too many the time to come in */
	if (!rt && !err && got == IRQ_DELAY_RUN)
		rt = late_round_trip(s, e, dst, rti++);
	asv_proc_set_kick_delay(&s->p, 0, 0);
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < IRQ_DELAY_RUN && s->seen[i] == 1; i++)
		;
	if (i < IRQ_DELAY_RUN)
		times = s->seen[i];
	pthread_mutex_unlock(&s->mu);
	rt_why = rt == -1 ? "no answer" : rt == -2 ? "could not send" : "other bytes back";
	if (rt && got != IRQ_DELAY_RUN && !err) /* before the run */
		conform_verdict(c, CONFORM_FAIL, "interrupts %u-%u ms late: round trip %u: %s",
				IRQ_DELAY_MIN_MS, IRQ_DELAY_MAX_MS, rti, rt_why);
	else if (err)
		conform_verdict(c, CONFORM_FAIL,
				"interrupts %u-%u ms late: message %u of %u: no tx buffer came "
				"back (%s)",
				IRQ_DELAY_MIN_MS, IRQ_DELAY_MAX_MS, failed, IRQ_DELAY_RUN,
				asv_strerror(err));
	else if (got != IRQ_DELAY_RUN)
		conform_verdict(c, CONFORM_FAIL,
				"interrupts %u-%u ms late: %u messages %u ms apart, %u answered; "
				"first lost: #%u",
				IRQ_DELAY_MIN_MS, IRQ_DELAY_MAX_MS, IRQ_DELAY_RUN,
				IRQ_DELAY_GAP_US / 1000u, got, missing);
	else if (times != 1)
		conform_verdict(c, CONFORM_FAIL, "interrupts %u-%u ms late: #%u answered %u times",
				IRQ_DELAY_MIN_MS, IRQ_DELAY_MAX_MS, i, times);
	else if (rt)
		conform_verdict(c, CONFORM_FAIL,
				"interrupts %u-%u ms late: round trip %u, after the run: %s",
				IRQ_DELAY_MIN_MS, IRQ_DELAY_MAX_MS, rti, rt_why);
	else
		conform_verdict(c, CONFORM_PASS, NULL);
}

/* The host's buffers the firmware has given back (vring1's used index). */
static uint16_t fw_used(struct conform_state *s)
{
	struct asv_host *h;
	uint16_t used = 0;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h)
		used = asv_le16(__atomic_load_n(&h->tx_vr.used->idx, __ATOMIC_RELAXED));
	asv_proc_unlock(&s->p);
	return used;
}

/*
 * IRQ_BUSY_PAIRS times (the first after IRQ_BUSY_QUIET_MS of quiet): #k,
 * then #k+1 as soon as the firmware shows it took #k (its buffer given
 * back, or its answer in), while it is still busy with it; no kick after
 * #k+1's own: both answered.
 */
void conform_check_irq_busy(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			    struct conform_check *c)
{
	unsigned int got, missing = 0, failed = 0, k, seen, left;
	uint64_t end;
	uint16_t used;
	int err = 0;

	conform_seq_reset(s, "BUSY", RX_PLAIN);
	conform_wait_quiet(s, IRQ_BUSY_QUIET_MS);
	for (k = 0; !err && k < 2u * IRQ_BUSY_PAIRS; k += 2) {
		used = fw_used(s);
		err = conform_seq_send(s, e, dst, k, k + 1, &failed);
		end = asv_posix_now_ms() + REPLY_WAIT_MS;
		do {
			pthread_mutex_lock(&s->mu);
			seen = s->seen[k];
			pthread_mutex_unlock(&s->mu);
			if (seen || fw_used(s) != used)
				break;
			usleep(50);
		} while (!err && asv_posix_now_ms() < end);
		if (!err)
			err = conform_seq_send(s, e, dst, k + 1, k + 2, &failed);
		got = err ? 0 : conform_seq_collect(s, k + 2, REPLY_WAIT_MS, &missing);
		if (!err && got != k + 2)
			break;
	}
	if (err) {
		conform_verdict(c, CONFORM_FAIL, "message %u: no tx buffer came back (%s)", failed,
				asv_strerror(err));
		return;
	}
	if (k < 2u * IRQ_BUSY_PAIRS) {
		/* the verdict given, kick once more so that the firmware takes
		 * what it left (under EVENT_IDX no later message would kick) */
		conform_kick(s);
		conform_seq_collect(s, k + 2, REPLY_WAIT_MS, &left);
		conform_verdict(
		    c, CONFORM_FAIL,
		    "%s#%u sent alone, #%u as soon as the firmware took #%u (its buffer "
		    "back or its answer in), no kick after: #%u got no answer",
		    k ? "" : "after " STR(IRQ_BUSY_QUIET_MS) " ms of quiet, ", k, k + 1, k,
		    missing);
		return;
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}
