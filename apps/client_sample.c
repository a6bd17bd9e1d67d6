// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * client-sample: the remote counterpart of Linux's
 * samples/rpmsg/rpmsg_client_sample.c. It announces "rpmsg-client-sample";
 * the host driver that binds it sends "hello world!" and the remote
 * answers every message with its payload, so the host counts 100 replies
 * and says "goodbye!".
 */
#include "asvirt/app.h"

struct sample_state {
	struct asv_endpoint ept;
	unsigned long answered;
};

static int sample_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct sample_state *s = priv;
	int err = asv_sendto(ept, src, data, len);

	if (!err)
		s->answered++;
	return err;
}

static int sample_start(struct asv_remote *r, void *state)
{
	struct sample_state *s = state;

	return asv_create_ept(&r->dev, &s->ept, ASV_CLIENT_SAMPLE_NAME, ASV_RPMSG_ADDR_ANY,
			      sample_cb, s);
}

static void sample_stop(struct asv_remote *r, void *state)
{
	struct sample_state *s = state;

	(void)r;
	asv_destroy_ept(&s->ept);
}

const struct asv_app asv_app_client_sample = {
	.name = "client-sample",
	.summary = "announces \"rpmsg-client-sample\" and answers every message",
	.state_size = sizeof(struct sample_state),
	.start = sample_start,
	.stop = sample_stop,
};
