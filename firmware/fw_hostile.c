// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * A hostile / broken firmware for the tests (not shipped). It behaves as an
 * echo firmware ("rpmsg-echo" at 0x400) and then misbehaves as the
 * ASVIRT_HOSTILE environment variable says:
 *   scribble:SEED:N   write N bursts of random bytes over the shared block
 *                     (table, trace, vrings, buffers), each followed by an
 *                     interrupt, then exit(0); scribble:SEED:N:linked
 *                     waits for the link however long it takes (Linux in
 *                     QEMU links up seconds after the runner starts: an
 *                     earlier scribble hits only the table it has not read)
 *   malformed         send a bad name-service message and messages to
 *                     unknown addresses, then echo normally
 *   hang              on the first message, never return from the callback
 *   die               on the first message, _exit(3) while holding it
 *   exit              exit(7) right after start
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/firmware.h"

struct hostile {
	struct asv_endpoint ept;
	struct asv_remote *r;
	pthread_t thread;
	int thread_started;
	int mode;
	unsigned long seed, n;
	int wait_linked;
	volatile int stop;
};

enum { M_NONE, M_SCRIBBLE, M_MALFORMED, M_HANG, M_DIE, M_EXIT };

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Races with the remote's ISR thread on purpose (it plays a second CPU):
 * not instrumented, so TSan checks everything else. */
__attribute__((no_sanitize("thread"))) static void *scribbler(void *arg)
{
	struct hostile *h = arg;
	struct asv_remote *r = h->r;
	uint8_t *base = r->regions[0].va;
	size_t size = r->regions[0].size,
	       hot = size < 0x8000 ? size : 0x8000; /* table, trace, vrings */
	uint64_t s = h->seed * 2654435761u + 1;
	unsigned long i;

	size_t used_off[2] = { (size_t)-1, (size_t)-1 };
	unsigned int k;

	/* where the used rings are, from our (host-written) table */
	for (k = 0; r->vdev && k < 2; k++) {
		uint32_t da = asv_le32(r->vdev->vring[k].da), num = asv_le32(r->vdev->vring[k].num);
		uint32_t align = asv_le32(r->vdev->vring[k].align);

		if (da >= r->regions[0].da && da - r->regions[0].da < size && num <= 1024 &&
		    align && !(align & (align - 1)) && align <= 65536)
			used_off[k] = (size_t)(da - r->regions[0].da) +
				      ((16u * num + 6u + 2u * num + align - 1) & ~(align - 1));
	}
	/* Let the link come up first, so the scribbles hit live rings. */
	for (i = 0; (i < 200 || h->wait_linked) && !h->stop && !asv_link_ready(&r->dev); i++)
		usleep(1000);
	for (i = 0; i < h->n && !h->stop; i++) {
		unsigned int len = 1 + (unsigned int)(rnd(&s) % 16);
		/* the used rings (what the host reads), the table/trace/vrings,
		 * sometimes anywhere */
		uint64_t pick = rnd(&s) % 64;
		size_t off = (size_t)(rnd(&s) % (pick < 48 ? hot : size));

		if (pick == 0 && used_off[i % 2] < size)
			off = used_off[i % 2] + (size_t)(rnd(&s) % 16);

		for (k = 0; k < len && off + k < size; k++)
			base[off + k] = (uint8_t)rnd(&s);
		r->dev.env.notify(r->dev.env.ctx, 0);
		if (i % 16 == 0)
			usleep(100);
	}
	usleep(20000); /* give the host time to look at the last burst */
	_exit(0);
}

static int hostile_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct hostile *h = priv;

	if (h->mode == M_HANG)
		for (;;)
			pause();
	if (h->mode == M_DIE)
		_exit(3);
	return asv_sendto(ept, src, data, len);
}

static void *malformer(void *arg)
{
	struct hostile *h = arg;
	static const char junk[7] = "garbage";
	int i;

	for (i = 0; i < 2000 && !asv_link_ready(&h->r->dev); i++)
		usleep(1000);
	asv_sendto(&h->ept, ASV_RPMSG_NS_ADDR, junk, sizeof(junk)); /* bad NS length */
	for (i = 0; i < 5; i++)
		asv_sendto(&h->ept, 0x7777, junk, sizeof(junk)); /* nobody there */
	return NULL;
}

static int hostile_start(struct asv_remote *r, void *state)
{
	struct hostile *h = state;
	const char *m = getenv("ASVIRT_HOSTILE");
	int err;

	h->r = r;
	if (m && !strncmp(m, "scribble:", 9)) {
		char *end;

		h->mode = M_SCRIBBLE;
		h->seed = strtoul(m + 9, &end, 0);
		h->n = *end == ':' ? strtoul(end + 1, &end, 0) : 1000;
		h->wait_linked = !strcmp(end, ":linked");
	} else if (m && !strcmp(m, "malformed")) {
		h->mode = M_MALFORMED;
	} else if (m && !strcmp(m, "hang")) {
		h->mode = M_HANG;
	} else if (m && !strcmp(m, "die")) {
		h->mode = M_DIE;
	} else if (m && !strcmp(m, "exit")) {
		_exit(7);
	}
	err = asv_create_ept(&r->dev, &h->ept, ASV_ECHO_NAME, ASV_ECHO_ADDR, hostile_cb, h);
	if (err)
		return err;
	asv_remote_printf(r, "hostile firmware: mode %s\n", m ? m : "none");
	if (h->mode == M_SCRIBBLE || h->mode == M_MALFORMED) {
		if (pthread_create(&h->thread, NULL, h->mode == M_SCRIBBLE ? scribbler : malformer,
				   h))
			return -ASV_ENOMEM;
		h->thread_started = 1;
	}
	return 0;
}

static void hostile_stop(struct asv_remote *r, void *state)
{
	struct hostile *h = state;

	(void)r;
	h->stop = 1;
	if (h->thread_started)
		pthread_join(h->thread, NULL);
	asv_destroy_ept(&h->ept);
}

static const struct asv_app hostile_app = {
	.name = "hostile",
	.summary = "test firmware that misbehaves (ASVIRT_HOSTILE)",
	.state_size = sizeof(struct hostile),
	.start = hostile_start,
	.stop = hostile_stop,
};

ASV_FIRMWARE(hostile_app);
