// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt conform's messaging checks, against the echo channel (the first
 * channel that answers a message with the same bytes): sizes, unknown
 * destination, bursts, a host that holds its buffers or is slow, replies
 * to a host endpoint destroyed meanwhile. Each collects what comes back
 * on a host endpoint of ours (conform_rx_cb) and gives its verdict.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "conform_state.h"

/* msg.unknown_dst: the firmware quiet this long first (see there) */
#define UNKNOWN_QUIET_MS 50

int conform_rx_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct conform_state *s = priv;
	enum conform_rx_mode mode;
	int hold = 0;
	uint32_t seq;

	(void)ept;
	(void)src;
	pthread_mutex_lock(&s->mu);
	s->last_traffic_ms = asv_posix_now_ms();
	s->replies++;
	s->reply_len = len < sizeof(s->reply) ? len : sizeof(s->reply);
	memcpy(s->reply, data, s->reply_len);
	if (len == 8 && !memcmp(data, s->tag, 4)) {
		memcpy(&seq, (uint8_t *)data + 4, 4);
		if (seq < BURST_MAX && s->seen[seq] < 255)
			s->seen[seq]++;
		if (s->nseq++ && seq < s->last_seq && !s->ooo++) {
			s->ooo_seq = seq;
			s->ooo_after = s->last_seq;
		}
		s->last_seq = seq;
	}
	mode = s->mode;
	if (mode == RX_HOLD && s->nheld < BURST_MAX) {
		s->held[s->nheld++] = data;
		hold = 1;
	}
	pthread_mutex_unlock(&s->mu);
	if (mode == RX_SLOW)
		usleep(SLOW_CB_MS * 1000);
	return hold ? ASV_RX_HOLD : 0;
}

/* Start a sequence of messages tagged @tag (what comes back is counted). */
void conform_seq_reset(struct conform_state *s, const char *tag, enum conform_rx_mode mode)
{
	pthread_mutex_lock(&s->mu);
	memcpy(s->tag, tag, 4);
	memset(s->seen, 0, sizeof(s->seen));
	s->nseq = 0;
	s->ooo = 0;
	s->nheld = 0;
	s->mode = mode;
	pthread_mutex_unlock(&s->mu);
}

/* Send messages @from..@to - 1 of the sequence: 0, or the send's error
 * (*@failed the message). */
int conform_seq_send(struct conform_state *s, struct conform_ept *e, uint32_t dst,
		     unsigned int from, unsigned int to, unsigned int *failed)
{
	uint8_t m[8];
	unsigned int i;
	int err;

	pthread_mutex_lock(&s->mu);
	memcpy(m, s->tag, 4);
	pthread_mutex_unlock(&s->mu);
	for (i = from; i < to; i++) {
		memcpy(m + 4, &i, 4);
		if ((err = conform_send_to(s, e, dst, m, sizeof(m)))) {
			*failed = i;
			return err;
		}
	}
	return 0;
}

/* How many of the sequence's first @n came back (*@missing: the first
 * not, or BURST_MAX). */
static unsigned int seq_got(struct conform_state *s, unsigned int n, unsigned int *missing)
{
	unsigned int i, got = 0;

	*missing = BURST_MAX;
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < n; i++) {
		if (s->seen[i])
			got++;
		else if (*missing == BURST_MAX)
			*missing = i;
	}
	pthread_mutex_unlock(&s->mu);
	return got;
}

/* Wait until the sequence's first @n came back, or none more came for
 * @quiet_ms: the count that did. */
unsigned int conform_seq_collect(struct conform_state *s, unsigned int n, unsigned int quiet_ms,
				 unsigned int *missing)
{
	unsigned int got, last = 0, stale = 0;

	for (;;) {
		got = seq_got(s, n, missing);
		if (got == n)
			return got;
		stale = got == last ? stale + 10 : 0;
		last = got;
		if (stale >= quiet_ms)
			return got;
		usleep(10000);
	}
}

void conform_wait_quiet(struct conform_state *s, unsigned int ms)
{
	uint64_t end, limit = asv_posix_now_ms() + ms + REPLY_WAIT_MS, now;

	/* re-read each time: a late answer restarts the quiet; a firmware
	 * that never stops talking is never quiet, and the check goes on */
	for (;;) {
		pthread_mutex_lock(&s->mu);
		end = s->last_traffic_ms + ms;
		pthread_mutex_unlock(&s->mu);
		now = asv_posix_now_ms();
		if (now >= end || now >= limit)
			return;
		usleep(1000);
	}
}

/* Give back every buffer RX_HOLD kept, and keep no more. */
static void release_held(struct conform_state *s)
{
	struct asv_host *h;
	unsigned int i, n;
	void *held[BURST_MAX];

	pthread_mutex_lock(&s->mu);
	s->mode = RX_PLAIN;
	n = s->nheld;
	memcpy(held, s->held, n * sizeof(held[0]));
	s->nheld = 0;
	pthread_mutex_unlock(&s->mu);
	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	for (i = 0; h && i < n; i++)
		asv_release_rx_buffer(&h->dev, held[i]);
	asv_proc_unlock(&s->p);
}

unsigned int conform_host_nbufs(struct conform_state *s)
{
	struct asv_host *h;
	unsigned int n;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	n = h ? h->nbufs : 0;
	asv_proc_unlock(&s->p);
	return n;
}

static void fill(uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(len * 7 + i);
}

void conform_check_sizes(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			 struct conform_check *c)
{
	uint8_t buf[MAX_PAYLOAD];
	size_t len, got = 0;
	int r;

	for (len = 0; len <= MAX_PAYLOAD; len++) {
		fill(buf, len);
		r = conform_round_trip(s, e, dst, buf, len, &got);
		if (r == -2) {
			conform_verdict(c, CONFORM_FAIL,
					"%zu bytes: no tx buffer came back in %u ms", len,
					REPLY_WAIT_MS);
			return;
		}
		if (r == -1) {
			conform_verdict(c, CONFORM_FAIL, "%zu bytes: no answer in %u ms", len,
					REPLY_WAIT_MS);
			return;
		}
		if (r == 1) {
			conform_verdict(c, CONFORM_FAIL, "%zu bytes sent, %zu bytes came back%s",
					len, got, got == len ? " (different bytes)" : "");
			return;
		}
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}

void conform_check_unknown(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			   struct conform_check *c)
{
	static const uint8_t lost[] = "to nobody", after[] = "still there?";
	size_t got;
	int i, err;

	/*
	 * The firmware idle first: its interrupt handler may still be in the
	 * last drain of the check before (the answer is out, the ring looked
	 * at once more), and a firmware that looks at each message before its
	 * stack takes it (tests/firmware/bad_unknown_wedge.c) would see these
	 * taken in that drain without a look (it then failed msg.burst under
	 * TSan, not this check). A board-level image's runner says when the
	 * handler has returned; for the others a quiet spell has to do.
	 */
	if (asv_proc_wait_kick_taken(&s->p, REPLY_WAIT_MS) == -ASV_ENOSYS)
		conform_wait_quiet(s, UNKNOWN_QUIET_MS);
	for (i = 0; i < 16; i++)
		if ((err = conform_send_to(s, e, UNKNOWN_DST, lost, sizeof(lost)))) {
			conform_verdict(c, CONFORM_FAIL,
					"message %d to 0x%x: no tx buffer came back (%s)", i,
					UNKNOWN_DST, asv_strerror(err));
			return;
		}
	if (conform_round_trip(s, e, dst, after, sizeof(after), &got)) {
		conform_verdict(c, CONFORM_FAIL,
				"after 16 messages to 0x%x, the echo channel no longer answers",
				UNKNOWN_DST);
		return;
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}

/*
 * The host's buffers (vring[1]) the firmware has taken and not given back:
 * the avail index the host published less the used index the firmware
 * wrote, each read once from the ring.
 */
static unsigned int fw_holds(struct conform_state *s, uint16_t *avail, uint16_t *used)
{
	struct asv_host *h;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h) {
		*avail = asv_le16(__atomic_load_n(&h->tx_vr.avail->idx, __ATOMIC_RELAXED));
		*used = asv_le16(__atomic_load_n(&h->tx_vr.used->idx, __ATOMIC_RELAXED));
	}
	asv_proc_unlock(&s->p);
	return h ? (uint16_t)(*avail - *used) : 0u;
}

void conform_check_burst(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			 struct conform_check *c)
{
	unsigned int n = 2u * conform_host_nbufs(s), got, missing, failed = 0, held;
	uint16_t avail = 0, used = 0;
	uint64_t end;
	int err;

	if (n > BURST_MAX)
		n = BURST_MAX;
	conform_seq_reset(s, "BRST", RX_PLAIN);
	if ((err = conform_seq_send(s, e, dst, 0, n, &failed))) {
		conform_verdict(c, CONFORM_FAIL, "message %u of %u: no tx buffer came back (%s)",
				failed, n, asv_strerror(err));
		return;
	}
	got = conform_seq_collect(s, n, REPLY_WAIT_MS, &missing);
	if (got != n) {
		conform_verdict(c, CONFORM_FAIL,
				"%u messages sent back to back, %u answered; first lost: #%u", n,
				got, missing);
		return;
	}
	/* every answer in: each buffer the host gave comes back soon */
	end = asv_posix_now_ms() + REPLY_WAIT_MS;
	while ((held = fw_holds(s, &avail, &used)) && asv_posix_now_ms() < end)
		usleep(1000);
	if (held) {
		conform_verdict(c, CONFORM_FAIL,
				"%u messages all answered, but the firmware still holds %u of the "
				"host's %u buffers %u ms later (vring1: avail index %u, used %u)",
				n, held, conform_host_nbufs(s), REPLY_WAIT_MS, avail, used);
		return;
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}

/*
 * The host keeps every receive buffer it is given (a zero-copy reader
 * that holds them, ASV_RX_HOLD) for HOLD_MS, with more messages to answer
 * than it has buffers: the firmware has to wait for buffers (Linux's own
 * sender waits up to 15 s), then everything comes back.
 */
void conform_check_hold(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			struct conform_check *c)
{
	unsigned int nbufs = conform_host_nbufs(s), n = nbufs + 8u, got, missing, failed = 0, held;
	uint64_t end;
	int err;

	if (n > BURST_MAX)
		n = BURST_MAX;
	conform_seq_reset(s, "HOLD", RX_HOLD);
	err = conform_seq_send(s, e, dst, 0, n, &failed);
	/* until every buffer is held (or no more come) */
	end = asv_posix_now_ms() + REPLY_WAIT_MS;
	while ((held = conform_get_u(s, &s->nheld)) < nbufs && asv_posix_now_ms() < end)
		usleep(1000);
	usleep(HOLD_MS * 1000);
	release_held(s);
	if (err) {
		conform_verdict(c, CONFORM_FAIL,
				"message %u of %u: no tx buffer came back while the host held its "
				"%u receive buffers (%s)",
				failed, n, nbufs, asv_strerror(err));
		return;
	}
	got = conform_seq_collect(s, n, REPLY_WAIT_MS, &missing);
	if (got != n) {
		conform_verdict(
		    c, CONFORM_FAIL,
		    "%u messages, the host holding its %u receive buffers %u ms (%u were "
		    "filled): %u answered; first lost: #%u",
		    n, nbufs, HOLD_MS, held, got, missing);
		return;
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}

/*
 * The host's callback takes SLOW_CB_MS per message (its receive path is
 * busy meanwhile, the firmware's interrupts wait): every message answered,
 * in the order sent.
 */
void conform_check_slow(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			struct conform_check *c)
{
	unsigned int got, missing, failed = 0;
	int err;

	conform_seq_reset(s, "SLOW", RX_SLOW);
	err = conform_seq_send(s, e, dst, 0, SLOW_MSGS, &failed);
	got = err ? 0 : conform_seq_collect(s, SLOW_MSGS, REPLY_WAIT_MS, &missing);
	pthread_mutex_lock(&s->mu);
	s->mode = RX_PLAIN;
	pthread_mutex_unlock(&s->mu);
	if (err) {
		conform_verdict(c, CONFORM_FAIL, "message %u of %u: no tx buffer came back (%s)",
				failed, SLOW_MSGS, asv_strerror(err));
		return;
	}
	if (got != SLOW_MSGS) {
		conform_verdict(
		    c, CONFORM_FAIL,
		    "%u messages, the host taking %u ms per message: %u answered; first "
		    "lost: #%u",
		    SLOW_MSGS, SLOW_CB_MS, got, missing);
		return;
	}
	pthread_mutex_lock(&s->mu);
	if (s->ooo) {
		conform_verdict(c, CONFORM_FAIL,
				"the host taking %u ms per message: #%u came back after #%u",
				SLOW_CB_MS, s->ooo_seq, s->ooo_after);
		pthread_mutex_unlock(&s->mu);
		return;
	}
	pthread_mutex_unlock(&s->mu);
	conform_verdict(c, CONFORM_PASS, NULL);
}

/*
 * The host endpoint *@e sends DEAD_MSGS messages and is destroyed at once,
 * their replies due: the host drops what comes for it (no recipient), a
 * new endpoint, made before (so at another address), is answered.
 */
void conform_check_dead_ept(struct conform_state *s, struct conform_ept **e, uint32_t dst,
			    struct conform_check *c)
{
	static const uint8_t after[] = "a new endpoint";
	struct conform_ept *fresh = conform_open_ept(s);
	unsigned int failed = 0;
	uint32_t old = (*e)->addr;
	size_t got;
	int err;

	if (!fresh) {
		conform_verdict(c, CONFORM_SKIP, "no second host endpoint");
		return;
	}
	conform_seq_reset(s, "DEAD", RX_PLAIN);
	err = conform_seq_send(s, *e, dst, 0, DEAD_MSGS, &failed);
	conform_close_ept(s, *e);
	*e = fresh;
	if (err) {
		conform_verdict(c, CONFORM_FAIL, "message %u of %u: no tx buffer came back (%s)",
				failed, DEAD_MSGS, asv_strerror(err));
		return;
	}
	err = conform_round_trip(s, fresh, dst, after, sizeof(after), &got);
	if (err) {
		conform_verdict(
		    c, CONFORM_FAIL,
		    "after host endpoint 0x%x was destroyed with %u replies due, endpoint "
		    "0x%x %s",
		    old, DEAD_MSGS, fresh->addr,
		    err == -1	? "got no answer"
		    : err == -2 ? "could not send"
				: "got other bytes back");
		return;
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}
