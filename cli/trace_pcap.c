// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The messages as a pcap file for Wireshark (tools/wireshark/asvirt.lua
 * decodes it): link type LINKTYPE_USER0 (147, reserved for private use),
 * nanosecond stamps, one record per message: the message as its sender
 * handed it over (a receive is written only when its send was not
 * recorded, e.g. the sender was a Linux guest or the Cortex-M board), as
 * struct trace_pcap_hdr (direction, vring, event, descriptor) followed by
 * the 16-byte rpmsg header and the payload, exactly the bytes in the
 * shared buffer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asvirt/wire.h"
#include "trace.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* CLOCK_MONOTONIC stamps -> wall-clock time, as pcap readers show it. */
static int64_t wall_offset_ns(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000ll + (r.tv_nsec - m.tv_nsec);
}

static int write_rec(FILE *f, const struct trace_rec *r, int64_t off)
{
	const struct asv_event *e = &r->e;
	uint8_t hdr[16 + sizeof(struct trace_pcap_hdr)];
	uint64_t t = (uint64_t)((int64_t)e->ts_ns + off);
	uint32_t n = sizeof(struct trace_pcap_hdr) + e->dlen;
	uint8_t *a = hdr + 16;
	int to_host = (e->kind == ASV_EV_TX) == (e->role == ASV_EV_REMOTE);

	put32(hdr, (uint32_t)(t / 1000000000u));
	put32(hdr + 4, (uint32_t)(t % 1000000000u));
	put32(hdr + 8, n);
	put32(hdr + 12, n);
	a[0] = TRACE_PCAP_VERSION;
	a[1] = to_host ? TRACE_DIR_REMOTE_TO_HOST : TRACE_DIR_HOST_TO_REMOTE;
	a[2] = e->vring;
	a[3] = e->kind;
	put16(a + 4, e->desc);
	put16(a + 6, 0);
	if (fwrite(hdr, sizeof(hdr), 1, f) != 1)
		return -1;
	return e->dlen && fwrite(r->data, e->dlen, 1, f) != 1 ? -1 : 0;
}

int trace_write_pcap(const struct trace_sink *s, const char *path)
{
	uint8_t gh[24];
	size_t *match = calloc(s->nrec ? s->nrec : 1, sizeof(*match));
	uint8_t *received = calloc(s->nrec ? s->nrec : 1, 1);
	/* another clock (a guest's): its own stamps, from its boot */
	int64_t off = s->clock ? 0 : wall_offset_ns();
	FILE *f = NULL;
	size_t i;
	int rc = -1;

	if (!match || !received) {
		errno = ENOMEM;
		goto out;
	}
	trace_match_flows(s, match);
	for (i = 0; i < s->nrec; i++)
		if (match[i] != (size_t)-1)
			received[match[i]] = 1;
	f = fopen(path, "wb");
	if (!f)
		goto out;
	put32(gh, 0xa1b23c4du); /* nanosecond pcap */
	put16(gh + 4, 2);
	put16(gh + 6, 4);
	put32(gh + 8, 0);
	put32(gh + 12, 0);
	put32(gh + 16, 65535);
	put32(gh + 20, TRACE_PCAP_LINKTYPE);
	if (fwrite(gh, sizeof(gh), 1, f) != 1)
		goto out;
	for (i = 0; i < s->nrec; i++) {
		const struct asv_event *e = &s->recs[i]->e;

		if (e->kind != ASV_EV_TX && (e->kind != ASV_EV_RX || received[i]))
			continue;
		if (e->dlen < ASV_RPMSG_HDR_SIZE)
			continue; /* recorded without its bytes */
		if (write_rec(f, s->recs[i], off))
			goto out;
	}
	rc = 0;
out:
	if (f && fclose(f))
		rc = -1;
	free(match);
	free(received);
	return rc;
}
