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

int conform_rx_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct conform_state *s = priv;
	uint32_t seq;

	(void)ept;
	(void)src;
	pthread_mutex_lock(&s->mu);
	s->replies++;
	s->reply_len = len < sizeof(s->reply) ? len : sizeof(s->reply);
	memcpy(s->reply, data, s->reply_len);
	if (len == 8 && !memcmp(data, "BRST", 4)) {
		memcpy(&seq, (uint8_t *)data + 4, 4);
		if (seq < BURST_MAX && s->seen[seq] < 255)
			s->seen[seq]++;
	}
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static void fill(uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(len * 7 + i);
}

void conform_check_sizes(struct conform_state *s, struct asv_endpoint *e, uint32_t dst,
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

void conform_check_unknown(struct conform_state *s, struct asv_endpoint *e, uint32_t dst,
			   struct conform_check *c)
{
	static const uint8_t lost[] = "to nobody", after[] = "still there?";
	size_t got;
	int i, err;

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

void conform_check_burst(struct conform_state *s, struct asv_endpoint *e, uint32_t dst,
			 struct conform_check *c)
{
	struct asv_host *h;
	unsigned int n, i, got, missing = BURST_MAX, last = 0, stale = 0;
	uint8_t m[8];
	int err;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	n = h ? 2u * h->nbufs : 0;
	asv_proc_unlock(&s->p);
	if (n > BURST_MAX)
		n = BURST_MAX;
	pthread_mutex_lock(&s->mu);
	memset(s->seen, 0, sizeof(s->seen));
	pthread_mutex_unlock(&s->mu);
	memcpy(m, "BRST", 4);
	for (i = 0; i < n; i++) {
		memcpy(m + 4, &i, 4);
		if ((err = conform_send_to(s, e, dst, m, sizeof(m)))) {
			conform_verdict(c, CONFORM_FAIL,
					"message %u of %u: no tx buffer came back (%s)", i, n,
					asv_strerror(err));
			return;
		}
	}
	/* collect until all answered or no progress for REPLY_WAIT_MS */
	for (;;) {
		pthread_mutex_lock(&s->mu);
		for (i = 0, got = 0, missing = BURST_MAX; i < n; i++) {
			if (s->seen[i])
				got++;
			else if (missing == BURST_MAX)
				missing = i;
		}
		pthread_mutex_unlock(&s->mu);
		if (got == n)
			break;
		stale = got == last ? stale + 10 : 0;
		last = got;
		if (stale >= REPLY_WAIT_MS) {
			conform_verdict(
			    c, CONFORM_FAIL,
			    "%u messages sent back to back, %u answered; first lost: #%u", n, got,
			    missing);
			return;
		}
		usleep(10000);
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}
