// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt demo --explain: the demo's first exchange, narrated step by step
 * for people learning virtio. Both roles run in this thread, one step at a
 * time (an interrupt is a flag the next step looks at), so the output is
 * the same on every run and every machine: the resource table as the host
 * placed it, DRIVER_OK, the first kick, each step the protocol events of
 * the roles record (core/include/asvirt/event.h) told in words, and the
 * rings drawn after each step (descriptor rows, avail and used indices,
 * flags, event indices). Addresses are device addresses, never pointers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asvirt/app.h"
#include "asvirt/errors.h"
#include "asvirt/event.h"
#include "asvirt/host.h"
#include "asvirt/remote.h"
#include "asvirt/rproc.h"
#include "asvirt/rsc_table.h"
#include "cli.h"

#define EX_DA 0x10000000u
#define EX_SIZE (1u << 20)
#define EX_UNITS 4096u
#define EX_DATA 64u
#define HELLO "hello world!"

struct ex {
	void *shm;
	struct asv_mem_region region;
	struct asv_rproc rproc;
	struct asv_host host;
	struct asv_remote remote;
	struct asv_env henv, renv;
	int host_pending, remote_pending;
	int in_host, in_remote;
	uint64_t clock; /* events are ordered by step, not by time */
	struct asv_evlog log[2];
	FILE *out;
	int replies;
	char said[256]; /* what the host's driver printed in this step */
};

static struct ex *ex_of(void *ctx)
{
	return ctx;
}

static void h_notify(void *ctx, uint32_t id)
{
	(void)id;
	ex_of(ctx)->remote_pending = 1;
}

static void r_notify(void *ctx, uint32_t id)
{
	(void)id;
	ex_of(ctx)->host_pending = 1;
}

static bool h_in_isr(void *ctx)
{
	return ex_of(ctx)->in_host;
}

static bool r_in_isr(void *ctx)
{
	return ex_of(ctx)->in_remote;
}

static uint64_t tick(void *ctx)
{
	return ++ex_of(ctx)->clock;
}

static void *ex_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return calloc(1, n);
}

static void ex_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static const char *const vring_name[2] = { "vring0 (remote -> host)", "vring1 (host -> remote)" };

/* One event in words. */
static void tell(struct ex *x, const struct asv_event *e, const char *data)
{
	const char *who = e->role == ASV_EV_HOST ? "host" : "remote";
	FILE *o = x->out;

	switch (e->kind) {
	case ASV_EV_KICK:
		fprintf(o, "  %s kicks the %s: notify id %u (%s)\n", who,
			e->role == ASV_EV_HOST ? "remote" : "host", e->vring,
			e->vring ? "vring1 has work" : "vring0 has work");
		break;
	case ASV_EV_ISR_START:
		fprintf(o, "  %s takes the interrupt: its ISR runs\n", who);
		break;
	case ASV_EV_ISR_END:
		fprintf(o, "  %s's ISR returns (%u message%s handled)\n", who, e->len,
			e->len == 1 ? "" : "s");
		break;
	case ASV_EV_LINK_UP:
		fprintf(o, "  %s: link up%s\n", who,
			e->role == ASV_EV_HOST
			    ? " (DRIVER_OK written into the vdev's status)"
			    : " (DRIVER_OK seen, the table re-read and checked, vrings mapped)");
		break;
	case ASV_EV_DESC_TAKEN:
		fprintf(o,
			"  %s takes descriptor %u from %s's %s ring (its idx as last read: %u)\n",
			who, e->desc, e->vring ? "vring1" : "vring0",
			e->role == ASV_EV_HOST ? "used" : "avail", e->idx);
		break;
	case ASV_EV_DESC_ADD:
		fprintf(o, "  %s puts descriptor %u into %s's avail ring%s\n", who, e->desc,
			e->vring ? "vring1" : "vring0",
			e->vring ? "" : " again (an empty buffer back)");
		if (e->idx)
			fprintf(o, "  %s publishes avail idx %u\n", who, e->idx);
		break;
	case ASV_EV_DESC_USED:
		fprintf(o, "  %s puts descriptor %u into %s's used ring\n", who, e->desc,
			e->vring ? "vring1" : "vring0");
		if (e->idx)
			fprintf(o, "  %s publishes used idx %u\n", who, e->idx);
		break;
	case ASV_EV_IDX_PUB:
		fprintf(o, "  %s publishes %s idx %u\n", who,
			e->role == ASV_EV_HOST ? "avail" : "used", e->idx);
		break;
	case ASV_EV_TX:
		fprintf(o,
			"  %s writes a message into the buffer of descriptor %u: "
			"src 0x%x, dst 0x%x, %u bytes\n",
			who, e->desc, e->src, e->dst, e->len);
		break;
	case ASV_EV_RX:
		fprintf(o, "  %s delivers it to endpoint 0x%x: 0x%x -> 0x%x, %u bytes%s%.*s%s\n",
			who, e->ept, e->src, e->dst, e->len, e->dst == 53 ? "" : " \"",
			e->dst == 53 || e->dlen <= 16 ? 0 : (int)(e->dlen - 16), data + 16,
			e->dst == 53 ? " (the name service)" : "\"");
		break;
	case ASV_EV_NS:
		fprintf(o, "  %s decodes a name-service %s: \"%.*s\" at 0x%x\n", who,
			e->aux & ASV_RPMSG_NS_DESTROY ? "DESTROY" : "CREATE", (int)e->dlen, data,
			e->ept);
		break;
	case ASV_EV_ERROR:
	case ASV_EV_LINK_DOWN:
		fprintf(o, "  %s: %s: %.*s\n", who, asv_ev_kind_name(e->kind), (int)e->dlen, data);
		break;
	default:
		fprintf(o, "  %s: %s\n", who, asv_ev_kind_name(e->kind));
		break;
	}
}

/* What both roles recorded since the last step, in the order it happened. */
static void tell_events(struct ex *x)
{
	struct asv_event e[2];
	char d[2][EX_DATA + 1];
	int have[2], k;

	for (k = 0; k < 2; k++)
		have[k] = asv_evring_read(x->log[k].ring, EX_UNITS, EX_DATA, &e[k], d[k], EX_DATA);
	while (have[0] || have[1]) {
		k = !have[0] || (have[1] && e[1].ts_ns < e[0].ts_ns);
		tell(x, &e[k], d[k]);
		have[k] = asv_evring_read(x->log[k].ring, EX_UNITS, EX_DATA, &e[k], d[k], EX_DATA);
	}
}

static uint32_t da_of(const struct ex *x, const void *va)
{
	return EX_DA + (uint32_t)((const uint8_t *)va - (const uint8_t *)x->shm);
}

/* A vring as the shared memory holds it: the first @rows descriptors, the
 * avail and used rings' flags, indices and first entries. */
static void draw(struct ex *x, const struct asv_vring *vr, int which, unsigned int rows)
{
	const struct asv_vring_avail *a = vr->avail;
	const struct asv_vring_used *u = vr->used;
	uint16_t aidx = asv_le16(a->idx), uidx = asv_le16(u->idx);
	FILE *o = x->out;
	unsigned int i;

	fprintf(o, "    %s at da 0x%x, %u entries\n", vring_name[which], da_of(x, vr->desc),
		vr->num);
	fprintf(o, "    desc | addr       | len | flags\n");
	for (i = 0; i < rows; i++) {
		const struct asv_vring_desc *dsc = &vr->desc[i];
		uint16_t fl = asv_le16(dsc->flags);

		fprintf(o, "    %4u | 0x%08llx | %3u | %s\n", i,
			(unsigned long long)asv_le64(dsc->addr), asv_le32(dsc->len),
			fl & ASV_VRING_DESC_F_WRITE ? "WRITE (the device writes it)" : "-");
	}
	fprintf(o, "    ...  (%u more)\n", vr->num - rows);
	fprintf(o, "    avail: flags 0x%x, idx %u, ring[0..3] = %u %u %u %u, used_event %u\n",
		asv_le16(a->flags), aidx, asv_le16(a->ring[0]), asv_le16(a->ring[1]),
		asv_le16(a->ring[2]), asv_le16(a->ring[3]), asv_le16(a->ring[vr->num]));
	fprintf(o,
		"    used:  flags 0x%x, idx %u, ring[0..1] = {id %u, len %u} {id %u, len %u}, "
		"avail_event %u\n\n",
		asv_le16(u->flags), uidx, asv_le32(u->ring[0].id), asv_le32(u->ring[0].len),
		asv_le32(u->ring[1].id), asv_le32(u->ring[1].len),
		asv_le16(*(const asv_le16 *)&u->ring[vr->num]));
}

static void draw_both(struct ex *x)
{
	fputc('\n', x->out);
	draw(x, &x->host.rx_vr, 0, 3);
	draw(x, &x->host.tx_vr, 1, 3);
}

static void table(struct ex *x)
{
	const struct asv_resource_table *t = x->rproc.table;
	unsigned int i, n = asv_le32(t->num), k;
	FILE *o = x->out;

	fprintf(
	    o,
	    "1. The resource table, as the host placed it (remoteproc: rproc_handle_resources)\n");
	fprintf(o,
		"   The firmware declares its resources; the host copies the table into shared\n");
	fprintf(o, "   memory (da 0x%x), places each entry at FW_RSC_ADDR_ANY and writes the\n",
		EX_DA);
	fprintf(o, "   addresses back:\n");
	for (i = 0; i < n; i++) {
		const uint8_t *p = (const uint8_t *)t + asv_le32(t->offset[i]);
		uint32_t type = asv_le32(((const struct asv_fw_rsc_hdr *)(const void *)p)->type);
		const void *body = p + sizeof(struct asv_fw_rsc_hdr);

		if (type == ASV_RSC_CARVEOUT) {
			const struct asv_fw_rsc_carveout *c = body;

			fprintf(o, "   [%u] carveout %-12.32s da 0x%08x len 0x%x\n", i, c->name,
				asv_le32(c->da), asv_le32(c->len));
		} else if (type == ASV_RSC_TRACE) {
			const struct asv_fw_rsc_trace *tr = body;

			fprintf(o, "   [%u] trace    %-12.32s da 0x%08x len 0x%x\n", i, tr->name,
				asv_le32(tr->da), asv_le32(tr->len));
		} else if (type == ASV_RSC_VDEV) {
			const struct asv_fw_rsc_vdev *v = body;

			fprintf(
			    o,
			    "   [%u] vdev     id %u (rpmsg), notify id %u, features 0x%x, status "
			    "0x%x\n",
			    i, asv_le32(v->id), asv_le32(v->notifyid), asv_le32(v->dfeatures),
			    v->status);
			for (k = 0; k < v->num_of_vrings; k++)
				fprintf(
				    o,
				    "            vring%u da 0x%08x, %u entries, align %u, notify "
				    "id %u\n",
				    k, asv_le32(v->vring[k].da), asv_le32(v->vring[k].num),
				    asv_le32(v->vring[k].align), asv_le32(v->vring[k].notifyid));
		}
	}
	fprintf(o, "\n");
}

static int probe(struct asv_channel *ch)
{
	struct ex *x = ch->drv->priv;

	/* told after the step's events, in their place */
	snprintf(x->said, sizeof(x->said),
		 "  host: the name service made channel \"%s\" 0x%x -> 0x%x; the client\n"
		 "        sample's probe sent \"%s\" on it (above)\n",
		 ch->name, ch->src, ch->dst, HELLO);
	return asv_channel_send(ch, HELLO, strlen(HELLO));
}

static int reply_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct asv_channel *ch = priv;
	struct ex *x = ch->drv->priv;

	(void)ept;
	x->replies++;
	snprintf(x->said, sizeof(x->said),
		 "  host: rpmsg_client_sample: incoming msg %d (src: 0x%x): \"%.*s\"\n", x->replies,
		 src, (int)len, (const char *)data);
	return 0;
}

static void step(struct ex *x, const char *title, int remote)
{
	fprintf(x->out, "%s\n", title);
	if (remote) {
		x->remote_pending = 0;
		x->in_remote = 1;
		asv_remote_isr(&x->remote);
		x->in_remote = 0;
	} else {
		x->host_pending = 0;
		x->in_host = 1;
		asv_host_isr(&x->host);
		x->in_host = 0;
	}
	tell_events(x);
	fputs(x->said, x->out);
	x->said[0] = 0;
	draw_both(x);
}

static int setup(struct ex *x, void *app_state)
{
	struct asv_remote_config rc;
	struct asv_host_config hc;
	struct asv_rsc_config cfg;
	uint8_t tbl[512];
	int n, k;

	x->shm = calloc(1, EX_SIZE);
	if (!x->shm)
		return -ASV_ENOMEM;
	x->region = (struct asv_mem_region){ x->shm, EX_DA, EX_SIZE };
	x->henv = (struct asv_env){ .ctx = x,
				    .notify = h_notify,
				    .in_isr = h_in_isr,
				    .alloc = ex_alloc,
				    .free = ex_free,
				    .log_level = ASV_LOG_ERR };
	x->renv = x->henv;
	x->renv.notify = r_notify;
	x->renv.in_isr = r_in_isr;
	for (k = 0; k < 2; k++) {
		void *mem = calloc(1, asv_evring_bytes(EX_UNITS));

		if (!mem || asv_evring_init(mem, EX_UNITS, EX_DATA))
			return -ASV_ENOMEM;
		x->log[k] = (struct asv_evlog){ .ring = mem,
						.cap = EX_UNITS,
						.data_size = EX_DATA,
						.role = (uint8_t)k,
						.now_ns = tick,
						.clock_ctx = x };
	}
	x->henv.evlog = &x->log[0];
	x->renv.evlog = &x->log[1];
	asv_rsc_default_config(&cfg);
	cfg.trace_da = EX_DA + 0x1000u;
	n = asv_rsc_build(tbl, sizeof(tbl), &cfg);
	if (n < 0)
		return n;
	if (asv_rproc_load(&x->rproc, &x->region, tbl, (size_t)n, &x->henv))
		return -ASV_EINVAL;
	table(x);
	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = x->rproc.table;
	rc.rsc_size = x->rproc.table_size;
	rc.regions = &x->region;
	rc.nregions = 1;
	rc.env = x->renv;
	if (asv_remote_init(&x->remote, &rc) || asv_app_client_sample.start(&x->remote, app_state))
		return -ASV_EINVAL;
	fprintf(x->out,
		"2. The remote boots: it copies the table, validates it and waits: the rings\n"
		"   are not its to touch until the host says DRIVER_OK. Its app creates the\n"
		"   endpoint \"%s\" (announced once the link is up).\n\n",
		ASV_CLIENT_SAMPLE_NAME);
	memset(&hc, 0, sizeof(hc));
	asv_rproc_host_config(&x->rproc, &hc);
	hc.env = x->henv;
	fprintf(x->out, "3. The host probes the vdev (virtio_rpmsg_bus.c rpmsg_probe): it fills\n"
			"   vring0 with its 256 empty receive buffers, acknowledges the features,\n"
			"   sets DRIVER_OK and kicks vring0 (notify id 0)\n");
	if (asv_host_init(&x->host, &hc))
		return -ASV_EINVAL;
	tell_events(x);
	fprintf(x->out,
		"  vdev status now 0x%x (ACKNOWLEDGE | DRIVER | DRIVER_OK), features "
		"acknowledged 0x%x\n",
		x->rproc.vdev->status, asv_le32(x->rproc.vdev->gfeatures));
	draw_both(x);
	return 0;
}

int demo_explain(FILE *out)
{
	struct asv_host_driver drv = {
		.name = ASV_CLIENT_SAMPLE_NAME,
		.probe = probe,
		.callback = reply_cb,
	};
	struct ex *x = calloc(1, sizeof(*x));
	void *app_state = calloc(1, asv_app_client_sample.state_size + 64);
	int err, k;

	if (!x || !app_state) {
		free(x);
		free(app_state);
		return 1;
	}
	x->out = out;
	drv.priv = x;
	err = setup(x, app_state);
	if (!err) {
		asv_host_register_driver(&x->host, &drv);
		step(x,
		     "4. The remote takes the kick: it sees DRIVER_OK, brings the link up and\n"
		     "   announces its endpoint with a name-service CREATE to address 53, in one\n"
		     "   of the host's empty buffers from vring0",
		     1);
		step(x,
		     "5. The host takes the interrupt: the name service makes a channel, the\n"
		     "   client sample's driver binds it and sends its first message on vring1",
		     0);
		step(x,
		     "6. The remote takes the kick: the client sample app answers the message\n"
		     "   (in another of the host's buffers from vring0) and gives the received\n"
		     "   buffer back in vring1's used ring",
		     1);
		step(x,
		     "7. The host takes the interrupt: the answer arrives; the sample answers\n"
		     "   it in turn, and so on 100 times (asvirt demo)",
		     0);
		asv_app_client_sample.stop(&x->remote, app_state);
		asv_remote_shutdown(&x->remote);
		asv_host_deinit(&x->host);
	} else {
		fprintf(stderr, "asvirt demo --explain: %s\n", asv_strerror(err));
	}
	for (k = 0; k < 2; k++)
		free(x->log[k].ring);
	free(x->shm);
	free(x);
	free(app_state);
	return err ? 1 : 0;
}
