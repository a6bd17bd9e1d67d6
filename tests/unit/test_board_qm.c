// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The Cortex-M board (QEMU mps2-an386) against a hostile host: asvirt's
 * host role brings the echo image's link up, then this test rewrites the
 * host's own ring in the shared window as a broken or malicious host
 * would. The firmware on the MCU must refuse each corruption with the
 * error in its trace (what `asvirt log` shows), and go on running: no
 * fault, no stray access (a bus fault would end QEMU's instance), its
 * SysTick still ticking (not hung with interrupts masked); then a restart
 * brings a clean instance whose echo answers again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "asvirt/app.h"
#include "asvirt/board_qemu_m.h"
#include "asvirt/cm_board.h"
#include "asvirt/proc.h"
#include "asvirt/wire.h"

#ifndef CM_DIR
#error CM_DIR
#endif

struct echo {
	pthread_mutex_t mu;
	int replies;
};

static struct echo E = { PTHREAD_MUTEX_INITIALIZER, 0 };

static int reply_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	(void)e, (void)d, (void)n, (void)src, (void)priv;
	pthread_mutex_lock(&E.mu);
	E.replies++;
	pthread_mutex_unlock(&E.mu);
	return 0;
}

static int replies(void)
{
	int v;

	pthread_mutex_lock(&E.mu);
	v = E.replies;
	pthread_mutex_unlock(&E.mu);
	return v;
}

/* Boot @image and wait for its channel. */
static void boot_image(struct asv_proc *p, const char *image)
{
	struct asv_proc_config pc = { .runner = "/nonexistent", .max_restarts = 0 };
	char why[256] = "";
	uint64_t end;

	assert_int_equal(asv_proc_init(p, &pc, image, why, sizeof(why)), 0);
	assert_non_null(p->board);
	assert_int_equal(asv_proc_start(p, why, sizeof(why)), 0);
	end = asv_posix_now_ms() + 10000;
	while (!__atomic_load_n(&p->nchannels, __ATOMIC_ACQUIRE) && asv_posix_now_ms() < end)
		usleep(1000);
	assert_true(__atomic_load_n(&p->nchannels, __ATOMIC_ACQUIRE) > 0);
}

/* Boot the echo image and run one round trip through it. */
static void boot(struct asv_proc *p, struct asv_endpoint **ept)
{
	uint64_t end;
	int err = 0;

	boot_image(p, CM_DIR "/asvirt-echo.elf");
	asv_proc_lock(p);
	*ept = asv_host_create_ept(&p->host, NULL, ASV_RPMSG_ADDR_ANY, reply_cb, NULL, &err);
	asv_proc_unlock(p);
	assert_non_null(*ept);
	E.replies = 0;
	assert_int_equal(asv_sendto(*ept, ASV_ECHO_ADDR, "ping", 4), 0);
	end = asv_posix_now_ms() + 5000;
	while (replies() < 1 && asv_posix_now_ms() < end)
		usleep(1000);
	assert_int_equal(replies(), 1);
}

/* Wait until the MCU's trace holds @needle. */
static int trace_has(struct asv_proc *p, const char *needle)
{
	uint64_t end = asv_posix_now_ms() + 5000;
	static char buf[8192];

	do {
		if (asv_proc_trace(p, buf, sizeof(buf), false) > 0 && strstr(buf, needle))
			return 1;
		usleep(2000);
	} while (asv_posix_now_ms() < end);
	fprintf(stderr, "trace:\n%s\n", buf);
	return 0;
}

/* Does the MCU's trace hold @needle right now? */
static int trace_has_now(struct asv_proc *p, const char *needle)
{
	static char buf[8192];

	return asv_proc_trace(p, buf, sizeof(buf), false) > 0 && strstr(buf, needle);
}

/* vring[1] (host -> MCU), as the host placed it in the window. */
struct ring {
	struct asv_vring_desc *desc;
	uint16_t *avail_idx, *avail_ring;
	const uint16_t *used_idx; /* the MCU's */
	uint32_t num;
};

static void host_ring(struct asv_proc *p, struct ring *r)
{
	struct asv_host_config hc;
	struct asv_vring vr;

	memset(&hc, 0, sizeof(hc));
	assert_int_equal(asv_rproc_host_config_vdev(&p->rproc, 0, &hc), 0);
	r->num = hc.vring_num[1];
	r->desc = hc.vring_va[1];
	r->avail_idx = (uint16_t *)((char *)hc.vring_va[1] + 16u * r->num) + 1;
	r->avail_ring = r->avail_idx + 1;
	assert_int_equal(asv_vring_init(&vr, hc.vring_va[1], r->num, hc.vring_align[1], false), 0);
	r->used_idx = (const uint16_t *)&vr.used->idx;
}

/* Publish descriptor @id in vring[1]'s avail ring and ring the doorbell. */
static void post_and_kick(struct asv_proc *p, struct ring *r, uint16_t id, uint16_t step)
{
	uint16_t idx = asv_le16(__atomic_load_n(r->avail_idx, __ATOMIC_ACQUIRE));

	r->avail_ring[idx % r->num] = asv_cpu_to_le16(id);
	__atomic_store_n(r->avail_idx, asv_cpu_to_le16((uint16_t)(idx + step)), __ATOMIC_RELEASE);
	p->remote_irq->raise(p->remote_irq);
}

/* Running, no crash, and the MCU's heartbeat (SysTick) still moving: not
 * stopped on a fault nor spinning with interrupts masked. */
static void still_running(struct asv_proc *p)
{
	struct asv_proc_status st;
	uint32_t hb = asv_board_qm_heartbeat(p);
	uint64_t end = asv_posix_now_ms() + 5000;

	usleep(100000);
	while (asv_board_qm_heartbeat(p) == hb && asv_posix_now_ms() < end)
		usleep(10000);
	assert_int_not_equal(asv_board_qm_heartbeat(p), hb);
	asv_proc_get_status(p, &st);
	assert_int_equal(st.state, ASV_PROC_RUNNING);
	assert_int_equal(st.crashes, 0);
}

/*
 * Restart after a refusal: the old QEMU is gone (reaped), the trace it
 * left (with @reason) is kept as the last one, the new instance starts
 * with a clean trace, announces its channel again and echoes.
 */
static void restart_clean(struct asv_proc *p, const char *reason)
{
	static char buf[8192];
	struct asv_endpoint *ept;
	pid_t old = p->pid;
	char why[256] = "";
	uint64_t end;
	int err = 0;

	asv_proc_stop(p);
	assert_true(old > 0);
	assert_int_equal(kill(old, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_true(asv_proc_trace(p, buf, sizeof(buf), true) > 0);
	assert_non_null(strstr(buf, reason));
	assert_int_equal(asv_proc_start(p, why, sizeof(why)), 0);
	end = asv_posix_now_ms() + 10000;
	while (!__atomic_load_n(&p->nchannels, __ATOMIC_ACQUIRE) && asv_posix_now_ms() < end)
		usleep(1000);
	assert_true(__atomic_load_n(&p->nchannels, __ATOMIC_ACQUIRE) > 0);
	assert_true(asv_proc_trace(p, buf, sizeof(buf), false) >= 0);
	assert_null(strstr(buf, reason));
	asv_proc_lock(p);
	ept = asv_host_create_ept(&p->host, NULL, ASV_RPMSG_ADDR_ANY, reply_cb, NULL, &err);
	asv_proc_unlock(p);
	assert_non_null(ept);
	E.replies = 0;
	assert_int_equal(asv_sendto(ept, ASV_ECHO_ADDR, "again", 5), 0);
	end = asv_posix_now_ms() + 5000;
	while (replies() < 1 && asv_posix_now_ms() < end)
		usleep(1000);
	assert_int_equal(replies(), 1);
}

/* Linux's virtqueue never lets avail idx run more than num ahead of the
 * device (virtio_ring.c virtqueue_add_split: num_free); the firmware must
 * refuse a jump of num + 44, not walk a ring it does not have. */
static void test_avail_jump(void **state)
{
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct asv_endpoint *ept;
	struct ring r;

	(void)state;
	boot(p, &ept);
	host_ring(p, &r);
	post_and_kick(p, &r, 0, (uint16_t)(r.num + 44));
	assert_true(trace_has(p, "link shut down (EPROTO): vring1: corrupt avail index"));
	still_running(p);
	restart_clean(p, "vring1: corrupt avail index");
	asv_proc_destroy(p);
	free(p);
}

/* A descriptor pointing outside the window (the MCU's code at 0x10): the
 * firmware must not read or write there. */
static void test_desc_outside_window(void **state)
{
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct asv_endpoint *ept;
	struct ring r;

	(void)state;
	boot(p, &ept);
	host_ring(p, &r);
	r.desc[0].addr = asv_cpu_to_le64(0x10);
	r.desc[0].len = asv_cpu_to_le32(64);
	r.desc[0].flags = 0;
	post_and_kick(p, &r, 0, 1);
	assert_true(trace_has(p, "link shut down (EFAULT): vring1: bad buffer address"));
	still_running(p);
	restart_clean(p, "vring1: bad buffer address");
	asv_proc_destroy(p);
	free(p);
}

/* A descriptor id past the ring: refused before it indexes anything. */
static void test_desc_id_out_of_range(void **state)
{
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct asv_endpoint *ept;
	struct ring r;

	(void)state;
	boot(p, &ept);
	host_ring(p, &r);
	post_and_kick(p, &r, (uint16_t)(r.num + 7), 1);
	assert_true(
	    trace_has(p, "link shut down (EPROTO): vring1: corrupt avail index or descriptor id"));
	still_running(p);
	restart_clean(p, "vring1: corrupt avail index or descriptor id");
	asv_proc_destroy(p);
	free(p);
}

/*
 * The descriptor of the host's last message (boot()'s ping): a real buffer
 * in the window, postable again once the MCU gave it back. Its echo can
 * arrive before that (the MCU returns the buffer after the callback): wait
 * for the MCU's used index to catch up with the host's avail index.
 */
static uint16_t last_msg_desc(struct ring *r)
{
	uint16_t idx = asv_le16(__atomic_load_n(r->avail_idx, __ATOMIC_ACQUIRE));
	uint64_t end = asv_posix_now_ms() + 5000;

	while (asv_le16(__atomic_load_n(r->used_idx, __ATOMIC_ACQUIRE)) != idx &&
	       asv_posix_now_ms() < end)
		usleep(1000);
	assert_int_equal(asv_le16(__atomic_load_n(r->used_idx, __ATOMIC_ACQUIRE)), idx);
	return asv_le16(r->avail_ring[(uint16_t)(idx - 1) % r->num]);
}

/* A real buffer whose length runs past the shared window into the MCU's
 * own RAM: the firmware must not read the message from there. */
static void test_desc_len_beyond_window(void **state)
{
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct asv_endpoint *ept;
	struct ring r;
	uint16_t id;

	(void)state;
	boot(p, &ept);
	host_ring(p, &r);
	id = last_msg_desc(&r);
	r.desc[id].len = asv_cpu_to_le32(ASV_CM_WINDOW_SIZE);
	post_and_kick(p, &r, id, 1);
	assert_true(trace_has(p, "link shut down (EFAULT): vring1: bad buffer address"));
	still_running(p);
	restart_clean(p, "vring1: bad buffer address");
	asv_proc_destroy(p);
	free(p);
}

/* The host's empty buffers on vring[0], where the MCU writes its replies,
 * each made to run past the window: the MCU's reply must not be written
 * over its own RAM. */
static void test_rx_buffers_beyond_window(void **state)
{
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct asv_host_config hc;
	struct asv_vring_desc *d0;
	struct asv_endpoint *ept;
	uint32_t i;

	(void)state;
	boot(p, &ept);
	memset(&hc, 0, sizeof(hc));
	assert_int_equal(asv_rproc_host_config_vdev(&p->rproc, 0, &hc), 0);
	d0 = hc.vring_va[0];
	for (i = 0; i < hc.vring_num[0]; i++)
		d0[i].len = asv_cpu_to_le32(ASV_CM_WINDOW_SIZE);
	assert_int_equal(asv_sendto(ept, ASV_ECHO_ADDR, "ping", 4), 0);
	assert_true(trace_has(p, "link shut down (EFAULT): vring0: bad buffer address"));
	still_running(p);
	restart_clean(p, "vring0: bad buffer address");
	asv_proc_destroy(p);
	free(p);
}

/* A message whose header claims more bytes than its buffer holds
 * (Linux, virtio_rpmsg_bus.c rpmsg_recv_single: "inbound msg too big"
 * drops it): the MCU drops it with the reason, the link stays up. */
static void test_msg_len_beyond_buffer(void **state)
{
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct asv_rpmsg_hdr *h;
	struct asv_endpoint *ept;
	struct ring r;
	uint16_t id;
	uint32_t len;

	(void)state;
	boot(p, &ept);
	host_ring(p, &r);
	id = last_msg_desc(&r);
	len = asv_le32(r.desc[id].len);
	h = asv_region_to_va(&p->region, asv_le64(r.desc[id].addr), len);
	assert_non_null(h);
	h->len = asv_cpu_to_le16((uint16_t)(len - ASV_RPMSG_HDR_SIZE + 1));
	post_and_kick(p, &r, id, 1);
	assert_true(trace_has(p, "exceeds its"));
	assert_true(trace_has(p, "-byte buffer (EBADMSG)"));
	still_running(p);
	assert_false(trace_has_now(p, "link shut down"));
	restart_clean(p, "(EBADMSG)");
	asv_proc_destroy(p);
	free(p);
}

/* bench-source streams from its receive handler: 20,000 messages are more
 * than the host's 256 buffers, so the MCU waits for the host to give
 * buffers back (the port's isr_wait, in the doorbell's handler). Every
 * message arrives, in order. */
#define STREAM_N 20000u

struct stream {
	pthread_mutex_t mu;
	uint32_t n, bad;
};

static struct stream S = { PTHREAD_MUTEX_INITIALIZER, 0, 0 };

static int stream_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	uint32_t seq;

	(void)e, (void)src, (void)priv;
	memcpy(&seq, d, sizeof(seq));
	pthread_mutex_lock(&S.mu);
	if (n != 64 || seq != S.n)
		S.bad++;
	S.n++;
	pthread_mutex_unlock(&S.mu);
	return 0;
}

static void test_stream_waits_for_buffers(void **state)
{
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct asv_bench_req req = { .magic = asv_cpu_to_le32(ASV_BENCH_REQ_MAGIC),
				     .count = asv_cpu_to_le32(STREAM_N),
				     .size = asv_cpu_to_le32(64) };
	struct asv_endpoint *ept;
	uint64_t end;
	uint32_t got = 0, bad = 0;
	int err = 0;

	(void)state;
	boot_image(p, CM_DIR "/asvirt-bench-source.elf");
	asv_proc_lock(p);
	ept = asv_host_create_ept(&p->host, NULL, ASV_RPMSG_ADDR_ANY, stream_cb, NULL, &err);
	asv_proc_unlock(p);
	assert_non_null(ept);
	assert_int_equal(asv_sendto(ept, ASV_BENCH_SOURCE_ADDR, &req, sizeof(req)), 0);
	end = asv_posix_now_ms() + 60000;
	while (got < STREAM_N && asv_posix_now_ms() < end) {
		usleep(2000);
		pthread_mutex_lock(&S.mu);
		got = S.n;
		bad = S.bad;
		pthread_mutex_unlock(&S.mu);
	}
	assert_int_equal(got, STREAM_N);
	assert_int_equal(bad, 0);
	still_running(p);
	asv_proc_destroy(p);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_avail_jump),
		cmocka_unit_test(test_desc_outside_window),
		cmocka_unit_test(test_desc_id_out_of_range),
		cmocka_unit_test(test_desc_len_beyond_window),
		cmocka_unit_test(test_rx_buffers_beyond_window),
		cmocka_unit_test(test_msg_len_beyond_buffer),
		cmocka_unit_test(test_stream_waits_for_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
