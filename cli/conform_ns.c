// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt conform's name-service checks from the host's side: a host-side
 * channel of the echo channel's name announced, DESTROYed and re-CREATEd
 * as Linux does when its driver unbinds and binds again; and a boot in
 * which the host binds none of the firmware's channels but the echo one
 * (every other boot binds them all: conform_bind_all).
 */
#include <string.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "conform_state.h"

/* ns.destroy_recreate: DESTROY then CREATE cycles after the first CREATE */
#define NS_CYCLES 3u
/* ns.unbound: the host's silence after the announcements, then round trips */
#define UNBOUND_MS 500
#define UNBOUND_ROUND_TRIPS 8u

static int bind_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	(void)ept;
	(void)data;
	(void)len;
	(void)src;
	(void)priv;
	return 0; /* a driver that takes what comes and keeps quiet */
}

/*
 * The host binds every channel but the echo one (the checks talk to that
 * one): one message on each from a host endpoint of its own, as a driver's
 * probe does (samples/rpmsg/rpmsg_client_sample.c rpmsg_sample_probe sends
 * its first message there). The endpoint is left open: it goes with the
 * link.
 */
void conform_bind_all(struct conform_state *s)
{
	static const uint8_t hello[] = "asvirt-conform bind";
	struct chan_rec ch[MAX_CHANS];
	char echo[ASV_RPMSG_NAME_SIZE];
	struct conform_ept *b = NULL;
	unsigned int i, n;

	pthread_mutex_lock(&s->mu);
	n = s->nch;
	memcpy(ch, s->ch, sizeof(ch));
	memcpy(echo, s->echo_name, sizeof(echo));
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < n; i++) {
		if (!ch[i].present || (echo[0] && !strcmp(ch[i].name, echo)))
			continue;
		if (!b) {
			b = conform_open_ept_cb(s, "asvirt-conform-bind", ASV_RPMSG_ADDR_ANY,
						bind_cb);
			if (!b)
				return;
		}
		conform_send_to(s, b, ch[i].dst, hello, sizeof(hello));
	}
}

/* The host's name-service message for @name at @addr, from endpoint @e. */
static int send_ns(struct conform_state *s, struct conform_ept *e, const char *name, uint32_t addr,
		   uint32_t flags)
{
	struct asv_rpmsg_ns_msg m;

	memset(&m, 0, sizeof(m));
	strncpy(m.name, name, sizeof(m.name) - 1);
	m.addr = asv_cpu_to_le32(addr);
	m.flags = asv_cpu_to_le32(flags);
	return conform_send_to(s, e, ASV_RPMSG_NS_ADDR, &m, sizeof(m));
}

static struct conform_ept *open_at(struct conform_state *s, uint32_t addr)
{
	return conform_open_ept_at(s, "asvirt-conform-ns", addr);
}

static uint32_t host_dfeatures(struct conform_state *s)
{
	struct asv_host *h;
	uint32_t f = 0;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h)
		f = asv_le32(__atomic_load_n(&h->vdev->dfeatures, __ATOMIC_RELAXED));
	asv_proc_unlock(&s->p);
	return f;
}

static const char *no_answer(int err)
{
	return err == -1   ? "got no answer"
	       : err == -2 ? "could not be sent (no tx buffer came back)"
			   : "got other bytes back";
}

/*
 * On a fresh boot, a host-side channel named as the echo channel, at an
 * address of ours (the first to write to the echo channel in this boot):
 * CREATE, a round trip on it; then NS_CYCLES times DESTROY (the endpoint
 * destroyed after it, as rpmsg_dev_remove does), a new endpoint at the same
 * address (the channel's fixed src), CREATE, a round trip. Left running.
 */
void conform_check_ns_recreate(struct conform_state *s, const char *echo, uint32_t dst,
			       struct conform_check *c)
{
	static const uint8_t ping[] = "re-created?";
	struct conform_ept *ch;
	unsigned int cycle;
	char why[256];
	uint32_t addr;
	size_t got;
	int err;

	if (!echo) {
		conform_verdict(c, CONFORM_SKIP,
				"no channel answers a message with the same bytes");
		return;
	}
	if (!(host_dfeatures(s) & (1u << ASV_VIRTIO_RPMSG_F_NS))) {
		conform_verdict(c, CONFORM_SKIP,
				"the firmware does not offer VIRTIO_RPMSG_F_NS: Linux announces "
				"nothing to it");
		return;
	}
	if (conform_restart(s, why, sizeof(why))) {
		conform_verdict(c, CONFORM_FAIL, "restart: %s", why);
		return;
	}
	dst = conform_dst_of(s, echo, dst);
	ch = open_at(s, ASV_RPMSG_ADDR_ANY);
	if (!ch) {
		conform_verdict(c, CONFORM_SKIP, "no host endpoint");
		return;
	}
	addr = ch->addr;
	for (cycle = 0; cycle <= NS_CYCLES; cycle++) {
		if (cycle) {
			send_ns(s, ch, echo, addr, ASV_RPMSG_NS_DESTROY);
			conform_close_ept(s, ch);
			ch = open_at(s, addr);
			if (!ch) {
				conform_verdict(c, CONFORM_SKIP, "no host endpoint at 0x%x again",
						addr);
				return;
			}
		}
		err = send_ns(s, ch, echo, addr, ASV_RPMSG_NS_CREATE);
		if (!err)
			err = conform_round_trip(s, ch, dst, ping, sizeof(ping), &got);
		if (err)
			break;
	}
	conform_close_ept(s, ch);
	if (!err)
		conform_verdict(c, CONFORM_PASS, NULL);
	else if (!cycle)
		conform_verdict(c, CONFORM_FAIL,
				"after the host's NS CREATE of %s at 0x%x, its message to 0x%x %s",
				echo, addr, dst, no_answer(err));
	else
		conform_verdict(c, CONFORM_FAIL,
				"cycle %u of %u: after the host's NS DESTROY and CREATE of %s at "
				"0x%x, its message to 0x%x %s",
				cycle, NS_CYCLES, echo, addr, dst, no_answer(err));
}

static unsigned long host_unknown_dst(struct conform_state *s)
{
	struct asv_host *h;
	unsigned long n = 0;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h)
		n = __atomic_load_n(&h->dev.stats.rx_unknown_dst, __ATOMIC_RELAXED);
	asv_proc_unlock(&s->p);
	return n;
}

/* The present channels but @echo, for the evidence. */
static void unbound_names(struct conform_state *s, const char *echo, char *out, size_t n)
{
	unsigned int i;
	size_t o = 0;

	out[0] = 0;
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nch && o < n; i++)
		if (s->ch[i].present && strcmp(s->ch[i].name, echo))
			o += (size_t)snprintf(out + o, n - o, "%s%s:0x%x", o ? ", " : "",
					      s->ch[i].name, s->ch[i].dst);
	pthread_mutex_unlock(&s->mu);
	if (!out[0])
		snprintf(out, n, "no other channel");
}

/*
 * A fresh boot in which the host binds no channel: nothing sent for
 * UNBOUND_MS after the announcements, then round trips on the echo channel
 * alone, the others never bound. What the firmware sends meanwhile to
 * addresses nobody has is dropped, its buffer given back, as Linux does
 * ("msg received with no recipient"); the echo answering after it shows
 * the ring not wedged. Left running (the next check restarts the firmware).
 */
void conform_check_unbound(struct conform_state *s, const char *echo, uint32_t dst,
			   struct conform_check *c)
{
	static const uint8_t ping[] = "unbound #.";
	char why[256], others[256];
	uint8_t m[sizeof(ping)];
	struct conform_ept *e;
	unsigned long dropped;
	unsigned int i;
	size_t got;
	int err = 0;

	if (!echo) {
		conform_verdict(c, CONFORM_SKIP,
				"no channel answers a message with the same bytes");
		return;
	}
	asv_proc_stop(&s->p);
	if (asv_proc_start(&s->p, why, sizeof(why))) {
		conform_verdict(c, CONFORM_FAIL, "restart: %s", why);
		return;
	}
	/* the channels back (the silence below is the wait that matters) */
	conform_settle_quiet(s, s->nboot_chans, 5000, 20);
	dropped = host_unknown_dst(s);
	usleep(UNBOUND_MS * 1000);
	e = conform_open_ept(s);
	if (!e) {
		conform_verdict(c, CONFORM_SKIP, "no host endpoint");
		return;
	}
	dst = conform_dst_of(s, echo, dst);
	memcpy(m, ping, sizeof(m));
	for (i = 0; i < UNBOUND_ROUND_TRIPS && !err; i++) {
		m[sizeof(m) - 2] = (uint8_t)('0' + i);
		err = conform_round_trip(s, e, dst, m, sizeof(m), &got);
	}
	conform_close_ept(s, e);
	dropped = host_unknown_dst(s) - dropped;
	if (err) {
		unbound_names(s, echo, others, sizeof(others));
		conform_verdict(
		    c, CONFORM_FAIL,
		    "%s never bound (the host sent it nothing): the echo channel "
		    "%s:0x%x, round trip %u of %u %s (after %u ms of the host's silence; "
		    "%lu messages from the firmware to addresses nobody has, "
		    "dropped)",
		    others, echo, dst, i, UNBOUND_ROUND_TRIPS, no_answer(err), UNBOUND_MS, dropped);
		return;
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}
