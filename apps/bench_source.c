// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * bench-source: a traffic source for asvirt bench. Announced as
 * "rpmsg-bench-source" at 0x402. A request (struct asv_bench_req) makes it
 * send @count messages of @size bytes, round robin to @nept endpoints
 * starting at @dst_base (or to the requester when nept is 0), copying from
 * its own buffer or filling tx buffers in place (zero-copy). It sends from
 * its receive callback, so it waits on the interrupt when the host is slow.
 */
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "asvirt/app.h"
#include "asvirt/errors.h"

struct source_state {
	struct asv_endpoint ept;
	uint8_t payload[ASV_RPMSG_MAX_PAYLOAD];
	unsigned long sent;
};

static int source_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct source_state *s = priv;
	struct asv_bench_req req;
	uint32_t i, size;
	int err = 0;

	if (len != sizeof(req))
		return -ASV_EINVAL;
	memcpy(&req, data, sizeof(req));
	if (asv_le32(req.magic) != ASV_BENCH_REQ_MAGIC)
		return -ASV_EINVAL;
	size = asv_le32(req.size);
	if (size > ASV_RPMSG_MAX_PAYLOAD)
		return -ASV_EMSGSIZE;
	for (i = 0; i < asv_le32(req.count) && !err; i++) {
		uint32_t n = asv_le32(req.nept);
		uint32_t dst = n ? asv_le32(req.dst_base) + i % n : src;

		if (asv_le32(req.zero_copy)) {
			uint8_t *buf = asv_get_tx_buffer(ept->dev, NULL, 15000, &err);

			if (!buf)
				break;
			/* produced in place, every byte */
			memset(buf, (int)(i & 0xff), size);
			err = asv_send_nocopy(ept, dst, buf, size);
		} else {
			memcpy(s->payload, &i, size < 4 ? size : 4);
			err = asv_sendto(ept, dst, s->payload, size);
		}
		if (!err)
			s->sent++;
	}
	return err;
}

static int source_start(struct asv_remote *r, void *state)
{
	struct source_state *s = state;

	memset(s->payload, 0x5a, sizeof(s->payload));
	return asv_create_ept(&r->dev, &s->ept, ASV_BENCH_SOURCE_NAME, ASV_BENCH_SOURCE_ADDR,
			      source_cb, s);
}

static void source_stop(struct asv_remote *r, void *state)
{
	struct source_state *s = state;

	(void)r;
	asv_destroy_ept(&s->ept);
}

const struct asv_app asv_app_bench_source = {
	.name = "bench-source",
	.summary = "sends N messages of a size on request (\"rpmsg-bench-source\" at 0x402)",
	.state_size = sizeof(struct source_state),
	.start = source_start,
	.stop = source_stop,
};
