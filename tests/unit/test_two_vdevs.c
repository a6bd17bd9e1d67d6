// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * A firmware with two rpmsg vdevs is two rpmsg devices, as Linux 6.1 serves
 * it: remoteproc_core.c rproc_handle_vdev() makes one rproc_vdev per vdev
 * resource ("rvdev_data.index = rproc->nb_vdev++", one "rproc-virtio"
 * platform device each), remoteproc_virtio.c rproc_virtio_find_vqs() gives
 * each its own two vrings (notify ids from one idr in table order:
 * remoteproc_core.c rproc_alloc_vring), and rproc_add_virtio_dev() takes
 * its buffers from the carveout "vdev%dbuffer" named by that index; each
 * virtio device then probes its own virtio_rpmsg_bus instance, with its own
 * endpoints, name service and channels. So: each vdev its own rings,
 * buffers, addresses and channels, and one going down leaves the other up.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* ---- deterministic: the core, both instances per side in this thread ---- */

struct two {
	struct msys m; /* vdev 0: m.host, m.remote; its envs and interrupts */
	struct asv_host host1;
	struct asv_remote remote1;
};

static int two_init(struct two *t, bool start_hosts)
{
	struct asv_rsc_config cfg;
	struct msys_opts o = { .rsc = &cfg };
	struct asv_remote_config rc;
	struct asv_host_config hc;
	int err;

	memset(t, 0, sizeof(*t));
	asv_rsc_default_config(&cfg);
	cfg.trace_da = MSYS_DA + 0x1000u;
	cfg.nvdevs = 2;
	err = msys_init_remote(&t->m, &o);
	if (err)
		return err;
	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = t->m.rproc.table;
	rc.rsc_size = t->m.rproc.table_size;
	rc.regions = &t->m.region;
	rc.nregions = 1;
	rc.env = t->m.renv;
	rc.timeout_ms = 50;
	rc.rpmsg_vdev = 1;
	err = asv_remote_init(&t->remote1, &rc);
	if (err || !start_hosts)
		return err;
	err = msys_start_host(&t->m, NULL);
	if (err)
		return err;
	memset(&hc, 0, sizeof(hc));
	if (asv_rproc_host_config_vdev(&t->m.rproc, 1, &hc))
		return -ASV_EINVAL;
	hc.env = t->m.henv;
	hc.timeout_ms = 50;
	return asv_host_init(&t->host1, &hc);
}

/* One interrupt line per side: every instance's ISR runs on each. */
static void two_pump(struct two *t)
{
	struct msys *m = &t->m;
	int rounds;

	for (rounds = 0; rounds < 10000 && (m->host_pending || m->remote_pending); rounds++) {
		if (m->remote_pending) {
			m->remote_pending = 0;
			m->in_remote_isr = 1;
			asv_remote_isr(&m->remote);
			asv_remote_isr(&t->remote1);
			m->in_remote_isr = 0;
		}
		if (m->host_pending) {
			m->host_pending = 0;
			m->in_host_isr = 1;
			asv_host_isr(&m->host);
			if (t->host1.dev.ops)
				asv_host_isr(&t->host1);
			m->in_host_isr = 0;
		}
	}
}

static void two_fini(struct two *t)
{
	asv_host_deinit(&t->host1);
	msys_fini(&t->m);
}

/* What an endpoint received: the last payload and a count. */
struct inbox {
	unsigned int n;
	uint32_t src;
	char last[64];
};

static int inbox_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	struct inbox *in = priv;

	(void)e;
	in->n++;
	in->src = src;
	if (n >= sizeof(in->last))
		n = sizeof(in->last) - 1;
	memcpy(in->last, d, n);
	in->last[n] = 0;
	return 0;
}

/*
 * The second instance serves the second vdev: its notify ids are 2 and 3
 * (rproc_alloc_vring, in table order), its buffers are "vdev1buffer"
 * (rproc_add_virtio_dev), its status and features its own vdev's.
 */
static void test_each_instance_serves_its_vdev(void **state)
{
	struct two t;
	struct asv_fw_rsc_carveout *b1;
	const struct asv_rproc_vdev *v1;

	(void)state;
	assert_int_equal(two_init(&t, true), 0);
	assert_int_equal(t.m.rproc.nrpmsg, 2);
	v1 = &t.m.rproc.rpmsg[1];
	b1 = asv_rsc_find_carveout(t.m.rproc.table, "vdev1buffer");
	assert_non_null(b1);
	assert_int_equal(v1->bufs.da, asv_le32(b1->da));
	assert_int_not_equal(v1->bufs.da, t.m.rproc.rpmsg[0].bufs.da);
	/* both hosts set DRIVER_OK, each in its own vdev */
	assert_int_equal(t.m.rproc.rpmsg[0].vdev->status, 0x07);
	assert_int_equal(v1->vdev->status, 0x07);
	two_pump(&t);
	assert_true(asv_link_ready(&t.m.remote.dev));
	assert_true(asv_link_ready(&t.remote1.dev));
	assert_int_equal(t.m.remote.tx_notifyid, 0);
	assert_int_equal(t.m.remote.rx_notifyid, 1);
	assert_int_equal(t.remote1.tx_notifyid, 2);
	assert_int_equal(t.remote1.rx_notifyid, 3);
	assert_int_equal(t.remote1.bufs.da, v1->bufs.da);
	assert_int_equal(t.remote1.bufs.size, v1->bufs.size);
	assert_int_equal(t.host1.rx_notifyid, 2);
	assert_int_equal(t.host1.tx_notifyid, 3);
	two_fini(&t);
}

/* A third rpmsg vdev the table does not have: refused, and said why. */
static void test_missing_vdev_refused(void **state)
{
	struct asv_remote_config rc;
	struct asv_remote r;
	struct two t;

	(void)state;
	assert_int_equal(two_init(&t, false), 0);
	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = t.m.rproc.table;
	rc.rsc_size = t.m.rproc.table_size;
	rc.regions = &t.m.region;
	rc.nregions = 1;
	rc.env = t.m.renv;
	rc.rpmsg_vdev = 2;
	assert_int_equal(asv_remote_init(&r, &rc), -ASV_EINVAL);
	assert_true(logcap_has(&t.m.rlog, "no rpmsg vdev"));
	{
		struct asv_host_config hc;

		assert_int_equal(asv_rproc_host_config_vdev(&t.m.rproc, 2, &hc), -ASV_EINVAL);
	}
	msys_fini(&t.m);
}

/*
 * Each vdev is its own address space and its own bus: endpoints at the
 * same address on both carry different traffic, and a channel announced
 * on one vdev appears on that vdev's host only (each virtio_rpmsg_bus
 * instance has its own name-service endpoint, rpmsg_ns.c).
 */
struct seen {
	struct asv_host *host[8];
	char name[8][ASV_RPMSG_NAME_SIZE];
	unsigned int n;
	pthread_mutex_t mu;
};

static void seen_cb(struct asv_host *h, struct asv_channel *ch, bool created, void *priv)
{
	struct seen *s = priv;

	if (!created)
		return;
	pthread_mutex_lock(&s->mu);
	if (s->n < 8) {
		s->host[s->n] = h;
		snprintf(s->name[s->n], ASV_RPMSG_NAME_SIZE, "%s", ch->name);
		s->n++;
	}
	pthread_mutex_unlock(&s->mu);
}

static bool seen_on(struct seen *s, struct asv_host *h, const char *name)
{
	unsigned int i;
	bool found = false;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			found |= s->host[i] == h;
	pthread_mutex_unlock(&s->mu);
	return found;
}

static unsigned int seen_count(struct seen *s)
{
	unsigned int n;

	pthread_mutex_lock(&s->mu);
	n = s->n;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static void test_messages_and_channels_per_vdev(void **state)
{
	struct two t;
	struct asv_endpoint *h0, *h1, r0, r1, a0, a1;
	struct inbox ih0 = { 0 }, ih1 = { 0 }, ir0 = { 0 }, ir1 = { 0 };
	struct seen seen = { .mu = PTHREAD_MUTEX_INITIALIZER };
	int err;

	(void)state;
	assert_int_equal(two_init(&t, true), 0);
	t.m.host.on_channel = seen_cb;
	t.m.host.on_channel_priv = &seen;
	t.host1.on_channel = seen_cb;
	t.host1.on_channel_priv = &seen;
	/* the same addresses on both vdevs */
	assert_int_equal(asv_create_ept(&t.m.remote.dev, &r0, NULL, 0x600, inbox_cb, &ir0), 0);
	assert_int_equal(asv_create_ept(&t.remote1.dev, &r1, NULL, 0x600, inbox_cb, &ir1), 0);
	assert_int_equal(
	    asv_create_ept(&t.m.remote.dev, &a0, "only-on-vdev0", 0x700, inbox_cb, &ir0), 0);
	assert_int_equal(
	    asv_create_ept(&t.remote1.dev, &a1, "only-on-vdev1", 0x700, inbox_cb, &ir1), 0);
	two_pump(&t);
	h0 = asv_host_create_ept(&t.m.host, NULL, 0x500, inbox_cb, &ih0, &err);
	h1 = asv_host_create_ept(&t.host1, NULL, 0x500, inbox_cb, &ih1, &err);
	assert_non_null(h0);
	assert_non_null(h1);
	assert_int_equal(seen_count(&seen), 2);
	assert_true(seen_on(&seen, &t.m.host, "only-on-vdev0"));
	assert_true(seen_on(&seen, &t.host1, "only-on-vdev1"));
	assert_false(seen_on(&seen, &t.host1, "only-on-vdev0"));
	assert_false(seen_on(&seen, &t.m.host, "only-on-vdev1"));
	/* both ways on both vdevs, in one pump */
	assert_int_equal(asv_sendto(h0, 0x600, "to-r0", 5), 0);
	assert_int_equal(asv_sendto(h1, 0x600, "to-r1", 5), 0);
	assert_int_equal(asv_sendto(&r0, 0x500, "to-h0", 5), 0);
	assert_int_equal(asv_sendto(&r1, 0x500, "to-h1", 5), 0);
	two_pump(&t);
	assert_int_equal(ir0.n, 1);
	assert_string_equal(ir0.last, "to-r0");
	assert_int_equal(ir1.n, 1);
	assert_string_equal(ir1.last, "to-r1");
	assert_int_equal(ih0.n, 1);
	assert_string_equal(ih0.last, "to-h0");
	assert_int_equal(ih1.n, 1);
	assert_string_equal(ih1.last, "to-h1");
	asv_host_destroy_ept(h0);
	asv_host_destroy_ept(h1);
	two_fini(&t);
}

/*
 * Each vdev goes down on its own (Linux removes each rproc_vdev's virtio
 * device separately, remoteproc_virtio.c rproc_remove_virtio_dev): the
 * host of vdev 1 going away resets vdev 1's status only and removes its
 * channels only; the remote of vdev 0 shutting down leaves vdev 1 working.
 */
static void test_independent_shutdown(void **state)
{
	struct two t;
	struct asv_endpoint *h0, *h1, r0, r1, a1;
	struct inbox ih0 = { 0 }, ih1 = { 0 }, ir0 = { 0 }, ir1 = { 0 };
	int err;

	(void)state;
	assert_int_equal(two_init(&t, true), 0);
	assert_int_equal(asv_create_ept(&t.m.remote.dev, &r0, "chan", 0x600, inbox_cb, &ir0), 0);
	assert_int_equal(asv_create_ept(&t.remote1.dev, &r1, "chan", 0x600, inbox_cb, &ir1), 0);
	two_pump(&t);
	assert_int_equal(t.m.host.nchannels, 1);
	assert_int_equal(t.host1.nchannels, 1);
	h0 = asv_host_create_ept(&t.m.host, NULL, 0x500, inbox_cb, &ih0, &err);
	assert_non_null(h0);

	/* vdev 1's host goes away: vdev 0 is untouched */
	asv_host_deinit(&t.host1);
	assert_int_equal(t.m.rproc.rpmsg[1].vdev->status, 0);
	assert_int_equal(t.m.rproc.rpmsg[0].vdev->status, 0x07);
	assert_int_equal(t.m.host.nchannels, 1);
	assert_int_equal(asv_sendto(h0, 0x600, "a", 1), 0);
	assert_int_equal(asv_sendto(&r0, 0x500, "b", 1), 0);
	two_pump(&t);
	assert_int_equal(ir0.n, 1);
	assert_int_equal(ih0.n, 1);

	/* a fresh host on vdev 1 (recovery), then vdev 0's remote stops */
	{
		struct asv_host_config hc;

		memset(&hc, 0, sizeof(hc));
		assert_int_equal(asv_rproc_host_config_vdev(&t.m.rproc, 1, &hc), 0);
		hc.env = t.m.henv;
		hc.timeout_ms = 50;
		assert_int_equal(asv_host_init(&t.host1, &hc), 0);
	}
	/* remote1 made its one handshake; a new remote instance takes the
	 * fresh link, as a rebooted firmware would */
	asv_remote_shutdown(&t.remote1);
	{
		struct asv_remote_config rc;

		memset(&rc, 0, sizeof(rc));
		rc.rsc_table = t.m.rproc.table;
		rc.rsc_size = t.m.rproc.table_size;
		rc.regions = &t.m.region;
		rc.nregions = 1;
		rc.env = t.m.renv;
		rc.timeout_ms = 50;
		rc.rpmsg_vdev = 1;
		assert_int_equal(asv_remote_init(&t.remote1, &rc), 0);
	}
	assert_int_equal(asv_create_ept(&t.remote1.dev, &a1, NULL, 0x600, inbox_cb, &ir1), 0);
	t.m.remote_pending++;
	two_pump(&t);
	assert_true(asv_link_ready(&t.remote1.dev));
	h1 = asv_host_create_ept(&t.host1, NULL, 0x500, inbox_cb, &ih1, &err);
	assert_non_null(h1);
	asv_remote_shutdown(&t.m.remote);
	assert_int_equal(asv_sendto(&r0, 0x500, "c", 1), -ASV_ESHUTDOWN);
	assert_int_equal(asv_sendto(h1, 0x600, "d", 1), 0);
	assert_int_equal(asv_sendto(&a1, 0x500, "e", 1), 0);
	two_pump(&t);
	assert_int_equal(ir1.n, 1);
	assert_string_equal(ir1.last, "d");
	assert_int_equal(ih1.n, 1);
	assert_string_equal(ih1.last, "e");
	assert_int_equal(ir0.n, 1); /* nothing more on the stopped vdev */
	asv_host_destroy_ept(h0);
	asv_host_destroy_ept(h1);
	two_fini(&t);
}

/* ---- threads: the in-process system serves every rpmsg vdev ---- */

#define NMSG 2000u

/* The apps: an echo at 0x400 announcing a name of its own per vdev. */
struct echo_state {
	struct asv_endpoint ept;
};

static int echo_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	(void)priv;
	return asv_sendto(e, src, d, n);
}

static int echo_a_start(struct asv_remote *r, void *state)
{
	struct echo_state *s = state;

	return asv_create_ept(&r->dev, &s->ept, "two-vdevs-a", 0x400, echo_cb, NULL);
}

static int echo_b_start(struct asv_remote *r, void *state)
{
	struct echo_state *s = state;

	return asv_create_ept(&r->dev, &s->ept, "two-vdevs-b", 0x400, echo_cb, NULL);
}

static void echo_stop(struct asv_remote *r, void *state)
{
	struct echo_state *s = state;

	(void)r;
	asv_destroy_ept(&s->ept);
}

static const struct asv_app app_a = { "a", "", sizeof(struct echo_state), echo_a_start, echo_stop };
static const struct asv_app app_b = { "b", "", sizeof(struct echo_state), echo_b_start, echo_stop };

/* Replies one host endpoint got, each checked to carry its vdev's tag. */
struct replies {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int n, wrong;
	char tag;
};

static int replies_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	struct replies *r = priv;

	(void)e;
	pthread_mutex_lock(&r->mu);
	if (n < 1 || ((char *)d)[0] != r->tag || src != 0x400)
		r->wrong++;
	r->n++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

/* Wait until @want replies arrived (bounded: a failure, not a timing). */
static unsigned int replies_wait(struct replies *r, unsigned int want)
{
	struct timespec ts;
	unsigned int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 60;
	pthread_mutex_lock(&r->mu);
	while (r->n < want && pthread_cond_timedwait(&r->cv, &r->mu, &ts) == 0)
		;
	n = r->n;
	pthread_mutex_unlock(&r->mu);
	return n;
}

struct sender {
	struct asv_endpoint *ept;
	char tag;
	unsigned int sent;
	int err;
};

static void *send_main(void *arg)
{
	struct sender *s = arg;
	char msg[32];
	unsigned int i;

	for (i = 0; i < test_count(NMSG); i++) {
		int n = snprintf(msg, sizeof(msg), "%c%u", s->tag, i);

		s->err = asv_sendto(s->ept, 0x400, msg, (size_t)n);
		if (s->err)
			break;
		s->sent++;
	}
	return NULL;
}

static void test_vsys_serves_both_vdevs(void **state)
{
	static struct asv_vsys s;
	struct seen seen = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct asv_vsys_config cfg = { .app = &app_a,
				       .more_apps = { &app_b },
				       .nvdevs = 2,
				       .on_channel = seen_cb,
				       .on_channel_priv = &seen,
				       .errors_only = true };
	struct replies rep[2] = {
		{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 'A' },
		{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 'B' },
	};
	struct sender snd[2];
	pthread_t th[2];
	struct asv_endpoint *e[2];
	unsigned int k, want = (unsigned int)test_count(NMSG);
	int err;

	(void)state;
	assert_int_equal(test_vsys_start(&s, &cfg), 0);
	assert_int_equal(s.nvdevs, 2);
	assert_int_equal(asv_vsys_wait_link(&s, 10000), 0);
	assert_non_null(asv_vsys_remote(&s, 1));
	assert_null(asv_vsys_host(&s, 2));
	/* each vdev's channel on its own host only */
	for (k = 0; k < 1000 && seen_count(&seen) < 2; k++)
		usleep(1000);
	assert_int_equal(seen_count(&seen), 2);
	assert_true(seen_on(&seen, asv_vsys_host(&s, 0), "two-vdevs-a"));
	assert_true(seen_on(&seen, asv_vsys_host(&s, 1), "two-vdevs-b"));
	for (k = 0; k < 2; k++) {
		e[k] = asv_host_create_ept(asv_vsys_host(&s, k), NULL, ASV_RPMSG_ADDR_ANY,
					   replies_cb, &rep[k], &err);
		assert_non_null(e[k]);
		snd[k] = (struct sender){ e[k], rep[k].tag, 0, 0 };
	}
	/* both ways on both vdevs at once */
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&th[k], NULL, send_main, &snd[k]), 0);
	for (k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	for (k = 0; k < 2; k++) {
		assert_int_equal(snd[k].err, 0);
		assert_int_equal(snd[k].sent, want);
		assert_int_equal(replies_wait(&rep[k], want), want);
		assert_int_equal(rep[k].wrong, 0);
	}

	/* vdev 1's remote stops: vdev 0 keeps answering */
	asv_remote_shutdown(asv_vsys_remote(&s, 1));
	assert_int_equal(asv_sendto(e[0], 0x400, "A-after", 7), 0);
	assert_int_equal(replies_wait(&rep[0], want + 1), want + 1);
	assert_int_equal(rep[0].wrong, 0);
	for (k = 0; k < 2; k++)
		asv_host_destroy_ept(e[k]);
	asv_vsys_stop(&s);
}

/* The one-vdev system is unchanged: one host, one remote, no extras. */
static void test_vsys_one_vdev_as_before(void **state)
{
	static struct asv_vsys s;
	struct asv_vsys_config cfg = { .app = &asv_app_echo, .errors_only = true };

	(void)state;
	assert_int_equal(test_vsys_start(&s, &cfg), 0);
	assert_int_equal(s.nvdevs, 1);
	assert_null(s.more);
	assert_ptr_equal(asv_vsys_host(&s, 0), &s.host);
	assert_ptr_equal(asv_vsys_remote(&s, 0), &s.remote);
	assert_null(asv_vsys_remote(&s, 1));
	assert_int_equal(asv_vsys_wait_link(&s, 10000), 0);
	asv_vsys_stop(&s);
}

/* The window's last TAIL bytes, where nothing is loaded, are all zero. */
static void assert_window_tail_zero(const struct asv_vsys *s, size_t tail)
{
	const uint8_t *w = s->shm;
	size_t i;

	for (i = 0; i < tail; i++)
		assert_int_equal(w[s->region.size - tail + i], 0);
}

/*
 * asv_vsys_stop() keeps the window for the next start of the same size
 * (port/posix/vsys.c): that start must see it as a new mapping shows it,
 * zero wherever the loader put nothing, not what the last system left.
 */
static void test_vsys_window_reused_cleared(void **state)
{
	static struct asv_vsys s;
	struct asv_vsys_config cfg = { .app = &asv_app_echo, .errors_only = true };
	size_t tail = 4096;
	uint8_t *first;

	(void)state;
	assert_int_equal(test_vsys_start(&s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(&s, 10000), 0);
	first = s.shm;
	memset(first + s.region.size - tail, 0xa5, tail);
	asv_vsys_stop(&s);

	assert_int_equal(test_vsys_start(&s, &cfg), 0);
	assert_ptr_equal(s.shm, first); /* the kept window, or this tests nothing */
	assert_window_tail_zero(&s, tail);
	assert_int_equal(asv_vsys_wait_link(&s, 10000), 0);
	asv_vsys_stop(&s);

	/* another size: a mapping of its own, zeroed too */
	cfg.shm_size = 2u << 20;
	assert_int_equal(test_vsys_start(&s, &cfg), 0);
	assert_ptr_not_equal(s.shm, first);
	assert_window_tail_zero(&s, tail);
	asv_vsys_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_instance_serves_its_vdev),
		cmocka_unit_test(test_missing_vdev_refused),
		cmocka_unit_test(test_messages_and_channels_per_vdev),
		cmocka_unit_test(test_independent_shutdown),
		cmocka_unit_test(test_vsys_serves_both_vdevs),
		cmocka_unit_test(test_vsys_one_vdev_as_before),
		cmocka_unit_test(test_vsys_window_reused_cleared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
