// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The PC board given to a board-level image. See asvirt/board_pc.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asvirt/board_pc.h"
#include "asvirt/errors.h"
#include "asvirt/notifier.h"
#include "asvirt/shmctl.h"

_Static_assert(ASV_BOARD_EINVAL == ASV_EINVAL, "board.h's error is asvirt's");

/* How long the interrupt thread waits before it looks again (and bumps
 * the runner's heartbeat, which wraps the line). */
#define BOARD_WAIT_MS 50u

static struct asv_pc_board *of(const struct asv_board *b)
{
	return b->board_priv;
}

static int board_notify(const struct asv_board *b, uint32_t vring_id)
{
	struct asv_pc_board *pb = of(b);

	if (vring_id >= pb->cfg.nvrings)
		return -ASV_BOARD_EINVAL; /* a vring this board has not: nothing raised */
	pb->cfg.peer->raise(pb->cfg.peer);
	return 0;
}

static int board_set_irq(const struct asv_board *b, asv_board_irq_fn fn, void *priv)
{
	struct asv_pc_board *pb = of(b);
	uint32_t pending;

	pthread_mutex_lock(&pb->mu);
	pb->fn = fn;
	pb->fn_priv = priv;
	pending = pb->pending;
	pthread_mutex_unlock(&pb->mu);
	/* Kicks kept while no handler was set: the interrupt thread delivers
	 * them now (handlers run on that thread only). */
	if (fn && pending)
		pb->cfg.irq->raise(pb->cfg.irq);
	return 0;
}

static void board_console(const struct asv_board *b, const char *line)
{
	struct asv_pc_board *pb = of(b);
	size_t n = strcspn(line ? line : "", "\n");

	if (pb->cfg.console) {
		char buf[256];

		snprintf(buf, sizeof(buf), "%.*s", (int)n, line ? line : "");
		pb->cfg.console(pb->cfg.console_ctx, buf);
	} else {
		fprintf(stderr, "%s: console: %.*s\n", pb->cfg.name, (int)n, line ? line : "");
	}
}

static void board_fatal(const struct asv_board *b, const char *why)
{
	struct asv_pc_board *pb = of(b);
	char line[200];

	snprintf(line, sizeof(line), "fatal: %s", why ? why : "(no reason given)");
	board_console(b, line);
	if (pb->cfg.fatal_buf && pb->cfg.fatal_len) {
		size_t i, n = strnlen(why ? why : "", pb->cfg.fatal_len - 1);

		/* byte by byte: the host may read it at any time */
		for (i = 0; i < n; i++)
			__atomic_store_n(&pb->cfg.fatal_buf[i], why[i], __ATOMIC_RELAXED);
		__atomic_store_n(&pb->cfg.fatal_buf[n], 0, __ATOMIC_RELEASE);
	}
	fflush(NULL);
	/* No destructors, no atexit: the firmware says it is broken. */
	_exit(ASV_RUNNER_EXIT_FATAL);
}

static uint64_t board_now_us(const struct asv_board *b)
{
	struct timespec ts;

	(void)b;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Run the handler for each pending vring, one call at a time; kicks that
 * land meanwhile are pending again and delivered by the next round. */
static void deliver(struct asv_pc_board *pb)
{
	pthread_mutex_lock(&pb->mu);
	while (pb->fn && pb->pending && !__atomic_load_n(&pb->stop, __ATOMIC_ACQUIRE)) {
		asv_board_irq_fn fn = pb->fn;
		void *priv = pb->fn_priv;
		uint32_t bits = pb->pending, id;

		pb->pending = 0;
		pthread_mutex_unlock(&pb->mu);
		for (id = 0; id < pb->cfg.nvrings; id++)
			if (bits & (1u << id))
				fn(priv, id);
		pthread_mutex_lock(&pb->mu);
	}
	pthread_mutex_unlock(&pb->mu);
}

static void *irq_thread(void *arg)
{
	struct asv_pc_board *pb = arg;
	const uint32_t all = pb->cfg.nvrings >= 32 ? ~0u : (1u << pb->cfg.nvrings) - 1;

	while (!__atomic_load_n(&pb->stop, __ATOMIC_ACQUIRE)) {
		int woken = pb->cfg.irq->wait(pb->cfg.irq, BOARD_WAIT_MS) == 0;
		uint32_t got = 0;

		if (__atomic_load_n(&pb->stop, __ATOMIC_ACQUIRE))
			break;
		if (pb->cfg.kicked) /* read once; ids past ours are no vring of ours */
			got = __atomic_exchange_n(pb->cfg.kicked, 0, __ATOMIC_ACQUIRE) & all;
		else if (woken)
			got = all;
		if (got) {
			pthread_mutex_lock(&pb->mu);
			pb->pending |= got;
			pthread_mutex_unlock(&pb->mu);
		}
		deliver(pb);
	}
	return NULL;
}

int asv_pc_board_init(struct asv_pc_board *pb, const struct asv_pc_board_config *cfg)
{
	memset(pb, 0, sizeof(*pb));
	if (!cfg || !cfg->window || !cfg->irq || !cfg->peer || !cfg->nvrings || cfg->nvrings > 32 ||
	    cfg->rsc_size > cfg->window_size)
		return -ASV_EINVAL;
	pb->cfg = *cfg;
	if (!pb->cfg.name)
		pb->cfg.name = "board";
	if (pthread_mutex_init(&pb->mu, NULL))
		return -ASV_ENOMEM;
	pb->b = (struct asv_board){
		.window = cfg->window,
		.window_da = cfg->window_da,
		.window_size = cfg->window_size,
		.rsc_table = cfg->window,
		.rsc_size = cfg->rsc_size,
		.nvrings = cfg->nvrings,
		.notify = board_notify,
		.set_irq = board_set_irq,
		.fatal = board_fatal,
		.now_us = board_now_us,
		.console = board_console,
		.board_priv = pb,
	};
	return 0;
}

int asv_pc_board_start(struct asv_pc_board *pb)
{
	if (pb->running)
		return 0;
	__atomic_store_n(&pb->stop, 0, __ATOMIC_RELEASE);
	if (pthread_create(&pb->thread, NULL, irq_thread, pb))
		return -ASV_ENOMEM;
	pb->running = 1;
	return 0;
}

void asv_pc_board_stop(struct asv_pc_board *pb)
{
	if (!pb->running)
		return;
	__atomic_store_n(&pb->stop, 1, __ATOMIC_RELEASE);
	pb->cfg.irq->raise(pb->cfg.irq);
	pthread_join(pb->thread, NULL);
	pb->running = 0;
}

void asv_pc_board_destroy(struct asv_pc_board *pb)
{
	asv_pc_board_stop(pb);
	pthread_mutex_destroy(&pb->mu);
}
