// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The remote follows a reset of its vdev status while it keeps running:
 * Linux's attach recovery (drivers/remoteproc/remoteproc_core.c
 * rproc_attach_recovery, l. 1777: __rproc_detach, l. 1742, then
 * __rproc_attach, l. 1325). The host takes its virtio device down
 * (virtio_rpmsg_bus.c rpmsg_remove: the vdev reset, its channels gone),
 * the clean table is put back (rproc_reset_rsc_table_on_detach, l. 1490:
 * status 0), the firmware is told (->detach: stm32_rproc_detach's mailbox
 * message, a kick here), and the device is added again: new vrings,
 * buffers posted, DRIVER_OK, a kick (rpmsg_probe). Each test failed before
 * the remote followed a reset: it took the rings up once per init
 * (core/src/remote.c link_up's "linked_once"), so the host's second
 * DRIVER_OK found a remote that never announced or answered again.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rx_drain.h"

#define ECHO_ADDR 0x400u
#define HOST_ADDR 0x500u

struct att {
	struct msys m;
	struct asv_endpoint echo; /* the remote's, "rpmsg-echo" */
	unsigned int echoed;	  /* messages the echo answered */
	int hold;		  /* the echo keeps its buffer (ASV_RX_HOLD) */
	void *held;
	struct asv_endpoint *h; /* the host's, at HOST_ADDR */
	unsigned int got;	/* messages it received */
	char last[32];
	unsigned int created; /* channels the host saw announced */
	unsigned int lost;    /* the host's sends reported lost */
	char links[64];	      /* on_link calls: U up, D down */
	unsigned int nlinks;
	int link_wrong; /* a call that disagreed with asv_link_ready() */
	int greet;	/* link up: the echo sends the host "hello" */
};

static int echo_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct att *a = p;

	a->echoed++;
	if (a->hold) {
		a->held = d;
		return ASV_RX_HOLD;
	}
	return asv_sendto(e, src, d, n);
}

static int host_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct att *a = p;

	(void)e, (void)src;
	a->got++;
	memcpy(a->last, d, n < sizeof(a->last) - 1 ? n : sizeof(a->last) - 1);
	a->last[n < sizeof(a->last) - 1 ? n : sizeof(a->last) - 1] = 0;
	return 0;
}

static void host_lost(struct asv_endpoint *e, uint32_t dst, const void *d, size_t n, int err)
{
	struct att *a = e->priv;

	(void)dst, (void)d, (void)n;
	assert_int_equal(err, -ASV_ECONNRESET);
	a->lost++;
}

static void on_channel(struct asv_host *h, struct asv_channel *ch, bool created, void *priv)
{
	struct att *a = priv;

	(void)h;
	if (created && !strcmp(ch->name, "rpmsg-echo"))
		a->created++;
}

/* __rproc_attach: the host's device added again (rings zeroed, buffers
 * posted, DRIVER_OK, kick), its endpoint made again. */
static int host_attach(struct att *a, const struct asv_host_config *over)
{
	struct asv_host_config hc;
	int err;

	memset(&hc, 0, sizeof(hc));
	asv_rproc_host_config(&a->m.rproc, &hc);
	if (over) {
		memcpy(hc.vring_va, over->vring_va, sizeof(hc.vring_va));
	}
	hc.env = a->m.henv;
	hc.timeout_ms = 50;
	hc.on_channel = on_channel;
	hc.on_channel_priv = a;
	err = asv_host_init(&a->m.host, &hc);
	if (err)
		return err;
	a->h = asv_host_create_ept(&a->m.host, NULL, HOST_ADDR, host_cb, a, &err);
	if (!a->h)
		return err;
	a->h->tx_lost = host_lost;
	msys_pump(&a->m);
	return 0;
}

/* __rproc_detach: the host's device removed (status 0, every host
 * endpoint gone), then the firmware told: a kick. */
static void host_detach(struct att *a)
{
	asv_host_deinit(&a->m.host);
	a->h = NULL;
	a->m.remote_pending++; /* the detach message: an interrupt */
	msys_pump(&a->m);
}

/* The application's view of the link (asv_remote_config.on_link). */
static void on_link(struct asv_remote *r, bool up, void *priv)
{
	struct att *a = priv;

	if (asv_link_ready(&r->dev) != up)
		a->link_wrong++;
	if (a->nlinks + 1 < sizeof(a->links))
		a->links[a->nlinks++] = up ? 'U' : 'D';
	/* up: the application may send at once */
	if (up && a->greet && a->h)
		assert_int_equal(asv_sendto(&a->echo, HOST_ADDR, "hello", 5), 0);
}

static int setup(void **state)
{
	struct att *a = calloc(1, sizeof(*a));
	struct msys_opts o = { .on_link = on_link };

	assert_non_null(a);
	o.link_priv = a;
	assert_int_equal(msys_init_remote(&a->m, &o), 0);
	assert_int_equal(
	    asv_create_ept(&a->m.remote.dev, &a->echo, "rpmsg-echo", ECHO_ADDR, echo_cb, a), 0);
	assert_int_equal(host_attach(a, NULL), 0);
	assert_true(asv_link_ready(&a->m.remote.dev));
	assert_int_equal(a->created, 1);
	*state = a;
	return 0;
}

static int teardown(void **state)
{
	struct att *a = *state;

	msys_fini(&a->m);
	free(a);
	return 0;
}

/* A round trip through the echo channel as the host sees it announced. */
static void round_trip(struct att *a, const char *msg)
{
	unsigned int got = a->got;

	assert_int_equal(asv_sendto(a->h, ECHO_ADDR, msg, strlen(msg)), 0);
	msys_pump(&a->m);
	assert_int_equal(a->got, got + 1);
	assert_string_equal(a->last, msg);
}

/*
 * Messages in flight both ways when the host resets: the host's are its
 * own to report lost (never delivered from the old rings), the remote's
 * were handed over (in the used ring): the remote drops nothing it
 * accepted. After each of 20 resets the channel is announced again, once,
 * and answers; a send while the link is down is refused at once.
 */
static void test_reset_with_traffic(void **state)
{
	struct att *a = *state;
	struct asv_stats st;
	unsigned int i, echoed;

	round_trip(a, "first");
	for (i = 0; i < 20; i++) {
		/* three host messages queued in vring1, not yet seen */
		assert_int_equal(asv_sendto(a->h, ECHO_ADDR, "in", 2), 0);
		assert_int_equal(asv_sendto(a->h, ECHO_ADDR, "fl", 2), 0);
		assert_int_equal(asv_sendto(a->h, ECHO_ADDR, "ight", 4), 0);
		/* two remote messages handed over, the host not run */
		assert_int_equal(asv_sendto(&a->echo, HOST_ADDR, "up", 2), 0);
		assert_int_equal(asv_sendto(&a->echo, HOST_ADDR, "up", 2), 0);
		echoed = a->echoed;
		a->lost = 0;
		a->m.remote_pending = 0; /* those kicks come after the reset */
		host_detach(a);
		assert_int_equal(a->echoed, echoed); /* nothing read from dead rings */
		assert_false(asv_link_ready(&a->m.remote.dev));
		assert_int_equal(a->m.remote.dev.broken, 0);
		assert_true(logcap_has(&a->m.rlog, "host reset the device"));
		assert_int_equal(asv_sendto(&a->echo, HOST_ADDR, "x", 1), -ASV_ENODEV);
		assert_int_equal(asv_trysendto(&a->echo, HOST_ADDR, "x", 1), -ASV_ENODEV);
		assert_int_equal(host_attach(a, NULL), 0);
		assert_true(asv_link_ready(&a->m.remote.dev));
		assert_int_equal(a->created, i + 2);
		/* the echo learned no peer: it answers whoever writes */
		round_trip(a, "back");
	}
	asv_get_stats(&a->m.remote.dev, &st);
	assert_int_equal(st.tx_lost, 0);
	assert_int_equal(st.link_error, 0);
}

/*
 * The application hears of each link-up (the first included) and of each
 * reset that took the link down, in order, on the interrupt's thread, the
 * link already as it says; it can send from the link-up call (a greeting
 * the host gets). Neither a shutdown nor the interrupts in between call it.
 */
static void test_reset_tells_the_app(void **state)
{
	struct att *a = *state;
	unsigned int i;

	assert_string_equal(a->links, "U");
	a->greet = 1;
	for (i = 0; i < 3; i++) {
		host_detach(a);
		assert_int_equal(host_attach(a, NULL), 0);
		assert_string_equal(a->last, "hello");
		round_trip(a, "x");
	}
	assert_string_equal(a->links, "UDUDUDU");
	assert_int_equal(a->link_wrong, 0);
	/* set after init (an app's start()): taken from the next call */
	asv_remote_set_on_link(&a->m.remote, NULL, NULL);
	host_detach(a);
	assert_int_equal(host_attach(a, NULL), 0);
	asv_remote_set_on_link(&a->m.remote, on_link, a);
	host_detach(a);
	assert_int_equal(host_attach(a, NULL), 0);
	assert_string_equal(a->links, "UDUDUDUDU");
	asv_remote_shutdown(&a->m.remote);
	assert_string_equal(a->links, "UDUDUDUDU");
}

/* The echo holds a receive buffer (a->held); a zero-copy send buffer taken. */
static void *hold_rx_and_zc(struct att *a)
{
	uint32_t size;
	void *zc;
	int err;

	a->hold = 1;
	assert_int_equal(asv_sendto(a->h, ECHO_ADDR, "keep", 4), 0);
	msys_pump(&a->m);
	assert_non_null(a->held);
	a->hold = 0;
	zc = asv_get_tx_buffer(&a->m.remote.dev, &size, 0, &err);
	assert_non_null(zc);
	memcpy(zc, "stale", 5);
	return zc;
}

/*
 * A receive buffer held (ASV_RX_HOLD) and a zero-copy send buffer taken
 * across a reset belong to the old rings: their release and send are
 * refused with -ASV_ECONNRESET and nothing reaches the new rings, which
 * then carry a burst of twice their buffers without a protocol error.
 */
static void test_reset_held_buffers(void **state)
{
	struct att *a = *state;
	void *zc = hold_rx_and_zc(a);
	uint32_t size;
	unsigned int i;
	int err;

	host_detach(a);
	assert_true(logcap_has(&a->m.rlog, "1 held receive buffer(s)"));
	assert_true(logcap_has(&a->m.rlog, "1 zero-copy send buffer(s)"));
	assert_int_equal(host_attach(a, NULL), 0);
	assert_int_equal(asv_release_rx_buffer(&a->m.remote.dev, a->held), -ASV_ECONNRESET);
	assert_int_equal(asv_send_nocopy(&a->echo, HOST_ADDR, zc, 5), -ASV_ECONNRESET);
	msys_pump(&a->m);
	assert_int_equal(a->got, 0);
	for (i = 0; i < 2 * a->m.host.nbufs; i++) {
		assert_int_equal(asv_sendto(a->h, ECHO_ADDR, "b", 1), 0);
		msys_pump(&a->m);
	}
	assert_int_equal(a->got, 2 * a->m.host.nbufs);
	assert_int_equal(a->m.remote.dev.broken, 0);
	/* and a zero-copy send of the new rings goes */
	zc = asv_get_tx_buffer(&a->m.remote.dev, &size, 0, &err);
	assert_non_null(zc);
	memcpy(zc, "fresh", 5);
	assert_int_equal(asv_send_nocopy(&a->echo, HOST_ADDR, zc, 5), 0);
	msys_pump(&a->m);
	assert_string_equal(a->last, "fresh");
}

/*
 * The same buffers given back before the host attaches again, the link
 * still down: held across the reset, -ASV_ECONNRESET (remote_reset.c's
 * contract), not the -ASV_ENODEV of a send that arrives while the link is
 * down, and a send that arrives then still gets -ASV_ENODEV.
 */
static void test_reset_held_buffers_link_down(void **state)
{
	struct att *a = *state;
	void *zc = hold_rx_and_zc(a);
	uint32_t size;
	int err;

	host_detach(a);
	assert_false(asv_link_ready(&a->m.remote.dev));
	assert_int_equal(asv_send_nocopy(&a->echo, HOST_ADDR, zc, 5), -ASV_ECONNRESET);
	assert_int_equal(asv_release_rx_buffer(&a->m.remote.dev, a->held), -ASV_ECONNRESET);
	assert_int_equal(asv_sendto(&a->echo, HOST_ADDR, "x", 1), -ASV_ENODEV);
	assert_null(asv_get_tx_buffer(&a->m.remote.dev, &size, 0, &err));
	assert_int_equal(err, -ASV_ENODEV);
	assert_int_equal(host_attach(a, NULL), 0);
	round_trip(a, "after");
	assert_int_equal(a->m.remote.dev.broken, 0);
}

/*
 * The new rings post the same buffer, with the same id, as the one the
 * echo held across the reset (asvirt's host, as Linux's rpmsg_probe
 * usually does, posts its buffers in the same order from the same pool),
 * and the echo holds that one too. A release of the address is taken as
 * the old hold's first (-ASV_ECONNRESET: the old rings had it); only the
 * next release gives the new rings' buffer back. Before, the first release
 * gave the new buffer back and the second was refused (-ASV_EINVAL).
 */
static void test_reset_held_id_reused(void **state)
{
	struct att *a = *state;
	void *old;
	unsigned int i;

	a->hold = 1;
	assert_int_equal(asv_sendto(a->h, ECHO_ADDR, "keep", 4), 0);
	msys_pump(&a->m);
	old = a->held;
	assert_non_null(old);
	host_detach(a);
	assert_int_equal(host_attach(a, NULL), 0);
	a->held = NULL;
	assert_int_equal(asv_sendto(a->h, ECHO_ADDR, "again", 5), 0);
	msys_pump(&a->m);
	assert_ptr_equal(a->held, old); /* the same buffer, held again */
	a->hold = 0;
	assert_int_equal(asv_release_rx_buffer(&a->m.remote.dev, old), -ASV_ECONNRESET);
	/* the new hold still stands: the host has one buffer fewer */
	for (i = 0; i + 1 < a->m.host.nbufs; i++)
		assert_int_equal(asv_sendto(a->h, ECHO_ADDR, "b", 1), 0);
	msys_pump(&a->m);
	assert_int_equal(a->got, a->m.host.nbufs - 1);
	assert_int_equal(asv_release_rx_buffer(&a->m.remote.dev, old), 0);
	assert_int_equal(asv_release_rx_buffer(&a->m.remote.dev, old), -ASV_EINVAL);
	msys_pump(&a->m);
	round_trip(a, "after");
	assert_int_equal(a->m.remote.dev.broken, 0);
}

/* Free room for two vrings of @num past everything the load placed. */
static uint8_t *free_room(struct att *a, size_t need)
{
	uint64_t end = 0;
	unsigned int i;

	for (i = 0; i < a->m.rproc.nranges; i++)
		if (a->m.rproc.range[i].hi > end)
			end = a->m.rproc.range[i].hi;
	end = (end + 0xFFFFu) & ~(uint64_t)0xFFFFu;
	assert_true(end - MSYS_DA + need <= a->m.size);
	return (uint8_t *)a->m.shm + (end - MSYS_DA);
}

/*
 * The host comes back with its rings elsewhere (Linux's rproc_alloc_vring
 * places a ring the table leaves at FW_RSC_ADDR_ANY anew on each attach):
 * the remote takes them from a fresh copy of the table, validated as at
 * the first link-up, and never touches the old ones again.
 */
static void test_reset_new_placement(void **state)
{
	struct att *a = *state;
	struct asv_host_config over;
	struct asv_fw_rsc_vdev *v = a->m.rproc.vdev;
	size_t sz = asv_vring_size(a->m.rproc.vring_num[0], a->m.rproc.vring_align[0]);
	uint8_t *room, *old0 = a->m.rproc.vring_va[0];
	unsigned int i;

	round_trip(a, "before");
	host_detach(a);
	room = free_room(a, 2 * ((sz + 0xFFFu) & ~(size_t)0xFFFu));
	memset(&over, 0, sizeof(over));
	for (i = 0; i < 2; i++) {
		over.vring_va[i] = room + i * ((sz + 0xFFFu) & ~(size_t)0xFFFu);
		v->vring[i].da = asv_cpu_to_le32(
		    (uint32_t)(MSYS_DA + ((uint8_t *)over.vring_va[i] - (uint8_t *)a->m.shm)));
	}
	/* the old rings poisoned: a remote still using them would fail */
	memset(old0, 0xA5, sz);
	assert_int_equal(host_attach(a, &over), 0);
	assert_true(asv_link_ready(&a->m.remote.dev));
	assert_ptr_equal(a->m.remote.tx_vr.desc, over.vring_va[0]);
	assert_ptr_equal(a->m.remote.rx_vr.desc, over.vring_va[1]);
	assert_int_equal(a->created, 2);
	round_trip(a, "moved");
	round_trip(a, "again");
}

/*
 * The host comes back with a table the remote must refuse (a vring outside
 * the shared memory, then a vdev that changed shape): a clear error, the
 * link broken, no access outside the regions (the block has guard pages).
 */
static void test_reset_malformed_ring(void **state)
{
	struct att *a = *state;
	struct asv_fw_rsc_vdev *v = a->m.rproc.vdev;

	host_detach(a);
	/* the host's own rings stay where they were; the table lies */
	assert_int_equal(host_attach(a, NULL), 0);
	host_detach(a);
	/* aligned, so the table rules pass: one page below the block's end */
	v->vring[1].da = asv_cpu_to_le32(MSYS_DA + (uint32_t)a->m.size - 4096u);
	logcap_clear(&a->m.rlog);
	assert_int_equal(host_attach(a, NULL), 0);
	assert_false(asv_link_ready(&a->m.remote.dev));
	assert_int_equal(a->m.remote.dev.broken, -ASV_EFAULT);
	assert_true(logcap_has(&a->m.rlog, "outside our memory"));
	assert_int_equal(asv_sendto(&a->echo, HOST_ADDR, "x", 1), -ASV_ESHUTDOWN);
	assert_int_equal(asv_remote_isr(&a->m.remote), -ASV_EFAULT);
	assert_int_equal(a->created, 2); /* the first boot's and one good attach */
}

static void test_reset_changed_shape(void **state)
{
	struct att *a = *state;
	struct asv_fw_rsc_vdev *v = a->m.rproc.vdev;

	host_detach(a);
	v->num_of_vrings = 3; /* the vdev would now overlap what follows it */
	logcap_clear(&a->m.rlog);
	assert_int_equal(host_attach(a, NULL), 0);
	assert_false(asv_link_ready(&a->m.remote.dev));
	assert_int_not_equal(a->m.remote.dev.broken, 0);
	assert_true(logcap_has(&a->m.rlog, "link shut down"));
	assert_int_equal(a->created, 1);
}

/* Shut down while the host has reset the device: final, no relink. */
static void test_shutdown_during_reset(void **state)
{
	struct att *a = *state;

	host_detach(a);
	asv_remote_shutdown(&a->m.remote);
	assert_int_equal(host_attach(a, NULL), 0);
	assert_false(asv_link_ready(&a->m.remote.dev));
	assert_int_equal(asv_remote_isr(&a->m.remote), -ASV_ESHUTDOWN);
	assert_int_equal(a->created, 1);
	assert_int_equal(asv_destroy_ept(&a->echo), 0);
}

/*
 * The status reset seen with no kick (a host whose detach message was
 * lost): the poll path reads the status word too.
 */
static void test_reset_seen_by_poll(void **state)
{
	struct att *a = *state;
	unsigned int work;

	asv_host_deinit(&a->m.host);
	a->m.remote_pending = 0;
	assert_int_equal(asv_remote_poll(&a->m.remote, &work), -ASV_ENODEV);
	assert_false(asv_link_ready(&a->m.remote.dev));
	assert_int_equal(host_attach(a, NULL), 0);
	assert_int_equal(a->created, 2);
	round_trip(a, "polled");
}

/* ---- a sender on its own thread: the remote's env with real locks ---- */

struct tenv {
	struct att *a;
	pthread_mutex_t lk[ASV_LOCK_COUNT];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int gen;
	pthread_t th;
	unsigned int accepted;
	int err;
	unsigned int reset_at; /* the sender's Nth TX unlock while it waits: a reset */
};

static __thread int t_in_isr;
static __thread int t_sender; /* this thread is fill_thread */

/* __rproc_detach, on the sender's own thread between two of its steps. */
static void reset_now(struct tenv *t)
{
	asv_host_deinit(&t->a->m.host);
	t->a->h = NULL;
	t_in_isr = 1;
	asv_remote_isr(&t->a->m.remote);
	t_in_isr = 0;
}

static void t_lock(void *ctx, enum asv_lock_id id)
{
	pthread_mutex_lock(&((struct tenv *)ctx)->lk[id]);
}

static void t_unlock(void *ctx, enum asv_lock_id id)
{
	struct tenv *t = ctx;

	pthread_mutex_unlock(&t->lk[id]);
	if (id == ASV_LOCK_TX && t_sender && t->reset_at &&
	    __atomic_load_n(&t->a->m.remote.dev.tx_waiters, __ATOMIC_SEQ_CST) && !--t->reset_at)
		reset_now(t);
}

static void t_notify(void *ctx, uint32_t id)
{
	(void)id;
	__atomic_add_fetch(&((struct tenv *)ctx)->a->m.host_pending, 1, __ATOMIC_SEQ_CST);
}

static uint32_t t_gen(void *ctx)
{
	return __atomic_load_n(&((struct tenv *)ctx)->gen, __ATOMIC_ACQUIRE);
}

static int t_wait(void *ctx, uint32_t gen, uint32_t ms)
{
	struct tenv *t = ctx;
	struct timespec ts;
	int rc = 0;

	asv_posix_deadline(&ts, ms);
	pthread_mutex_lock(&t->mu);
	while (__atomic_load_n(&t->gen, __ATOMIC_ACQUIRE) == gen && !rc)
		rc = pthread_cond_timedwait(&t->cv, &t->mu, &ts);
	pthread_mutex_unlock(&t->mu);
	return rc ? -ASV_ETIMEDOUT : 0;
}

static void t_wake(void *ctx)
{
	struct tenv *t = ctx;

	pthread_mutex_lock(&t->mu);
	__atomic_add_fetch(&t->gen, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static bool t_isr(void *ctx)
{
	(void)ctx;
	return t_in_isr;
}

static void tenv_bind(struct tenv *t, struct att *a)
{
	struct asv_env *e = &a->m.remote.dev.env;
	unsigned int i;

	t->a = a;
	for (i = 0; i < ASV_LOCK_COUNT; i++)
		pthread_mutex_init(&t->lk[i], NULL);
	pthread_mutex_init(&t->mu, NULL);
	assert_int_equal(asv_posix_cond_init(&t->cv), 0);
	e->ctx = t;
	e->lock = t_lock;
	e->unlock = t_unlock;
	e->notify = t_notify;
	e->wait_gen = t_gen;
	e->wait = t_wait;
	e->wake = t_wake;
	e->in_isr = t_isr;
}

/* The remote's ISR on this thread, the host's too, until both are idle
 * (the host's kicks to the remote come from this thread only). */
static void tpump(struct att *a)
{
	int rounds;

	for (rounds = 0; rounds < 10000; rounds++) {
		int r = a->m.remote_pending;
		int h = __atomic_exchange_n(&a->m.host_pending, 0, __ATOMIC_SEQ_CST);

		if (!r && !h)
			break;
		if (r) {
			a->m.remote_pending = 0;
			t_in_isr = 1;
			asv_remote_isr(&a->m.remote);
			t_in_isr = 0;
		}
		if (h) {
			a->m.in_host_isr = 1;
			asv_host_isr(&a->m.host);
			a->m.in_host_isr = 0;
		}
	}
}

static void *fill_thread(void *p)
{
	struct tenv *t = p;
	uint32_t n;
	int err;

	t_sender = 1;
	for (n = 0;; n++) {
		err = asv_send_timeout(&t->a->echo, HOST_ADDR, &n, sizeof(n), 10000);
		if (err)
			break;
		t->accepted++;
	}
	t->err = err;
	return NULL;
}

/* The host attaches again: its channel comes (the @created-th) and echoes. */
static void reattach_alive(struct att *a, unsigned int created)
{
	assert_int_equal(host_attach(a, NULL), 0);
	tpump(a);
	assert_int_equal(a->created, created);
	assert_int_equal(asv_sendto(a->h, ECHO_ADDR, "alive", 5), 0);
	tpump(a);
	assert_string_equal(a->last, "alive");
}

/*
 * A sender blocked on a full ring (the host stopped reading) when the host
 * resets: it returns -ASV_ECONNRESET at once, not at its 10 s timeout, having
 * handed over exactly the buffers there were; 5 times, each attach then
 * carrying a round trip. Under TSan: the reset and the sender race on the
 * remote's state only under its locks.
 */
static void test_reset_blocked_sender(void **state)
{
	struct att *a = *state;
	struct tenv *t = calloc(1, sizeof(*t));
	unsigned int i;
	uint64_t t0;

	assert_non_null(t);
	tenv_bind(t, a);
	for (i = 0; i < 5; i++) {
		t->accepted = 0;
		t->err = 0;
		assert_int_equal(pthread_create(&t->th, NULL, fill_thread, t), 0);
		while (!__atomic_load_n(&a->m.remote.dev.tx_waiters, __ATOMIC_SEQ_CST))
			usleep(100);
		t0 = asv_posix_now_ms();
		asv_host_deinit(&a->m.host);
		a->h = NULL;
		a->m.remote_pending++;
		tpump(a);
		pthread_join(t->th, NULL);
		assert_int_equal(t->err, -ASV_ECONNRESET);
		assert_true(asv_posix_now_ms() - t0 < 5000);
		assert_int_equal(t->accepted,
				 a->m.rproc.vring_num[0] < 256 ? a->m.rproc.vring_num[0] : 256);
		reattach_alive(a, i + 2);
	}
	/* the remote's env points at t: shut it down before t goes */
	asv_remote_shutdown(&a->m.remote);
	free(t);
}

/*
 * The same reset at each step of the sender's wait before it sleeps (its
 * first and second unlock of the TX lock once it counts as a waiter; the
 * test above resets it asleep): whichever check the sender makes next, it
 * returns -ASV_ECONNRESET, the error of a sender that waited for
 * a buffer across a reset (core/src/remote_reset.c), never -ASV_ENODEV,
 * that of one arriving while the link is down. It once read the link state
 * after the ring under a lock that the reset took in between, and said
 * -ASV_ENODEV (1 run in about 1,200 of test_reset_blocked_sender under
 * ASan on a loaded machine).
 */
static void test_reset_at_each_step_of_a_wait(void **state)
{
	struct att *a = *state;
	struct tenv *t = calloc(1, sizeof(*t));
	unsigned int step;

	assert_non_null(t);
	tenv_bind(t, a);
	for (step = 1; step <= 2; step++) {
		t->accepted = 0;
		t->err = 0;
		t->reset_at = step;
		assert_int_equal(pthread_create(&t->th, NULL, fill_thread, t), 0);
		pthread_join(t->th, NULL);
		if (t->reset_at) /* it left its wait before */
			fail_msg("step %u: the sender returned %s before the reset", step,
				 asv_strerror(t->err));
		if (t->err != -ASV_ECONNRESET)
			fail_msg("a reset at step %u of the wait: %s, want ECONNRESET", step,
				 asv_strerror(t->err));
		tpump(a);
		reattach_alive(a, step + 1);
	}
	asv_remote_shutdown(&a->m.remote);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_with_traffic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_tells_the_app, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_held_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_held_buffers_link_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_held_id_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_new_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_malformed_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_changed_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_during_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_seen_by_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_blocked_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_at_each_step_of_a_wait, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
