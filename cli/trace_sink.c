// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The event collector of --trace / --pcap. See trace.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asvirt/vring.h"
#include "trace.h"

#define DRAIN_PERIOD_NS 2000000L

int trace_built_in(const char *what)
{
	if (ASVIRT_EVENTS)
		return 0;
	fprintf(stderr,
		"%s: this asvirt was built without protocol events (-DASVIRT_EVENTS=OFF): "
		"rebuild with -DASVIRT_EVENTS=ON (the default) to record them\n",
		what);
	return -1;
}

int trace_sink_add(struct trace_sink *s, struct asv_evlog *l, const char *label, unsigned int group)
{
	if (s->nlogs >= TRACE_MAX_LOGS)
		return -1;
	snprintf(s->label[s->nlogs], sizeof(s->label[0]), "%s", label);
	s->group[s->nlogs] = group;
	s->logs[s->nlogs++] = l;
	return 0;
}

#define BLOCK_RECS 16384u
#define DATA_BLOCK (1u << 20)

/* A block of records, or of data (recs NULL). */
struct trace_block {
	struct trace_block *next;
	struct trace_rec *recs;
	size_t n;
	uint8_t data[];
};

static struct trace_block *new_block(struct trace_sink *s, int recs)
{
	struct trace_block *b = calloc(1, sizeof(*b) + (recs ? 0 : DATA_BLOCK));

	if (!b)
		return NULL;
	if (recs) {
		b->recs = malloc(BLOCK_RECS * sizeof(*b->recs));
		if (!b->recs) {
			free(b);
			return NULL;
		}
	}
	b->next = s->blocks;
	s->blocks = b;
	return b;
}

static int push(struct trace_sink *s, const struct asv_event *e, const uint8_t *data,
		unsigned int log)
{
	struct trace_block *cur = s->rcur;
	struct trace_rec *r;

	if (!cur || cur->n == BLOCK_RECS) {
		cur = s->rcur = new_block(s, 1);
		if (!cur)
			return -1;
	}
	if (e->dlen > s->aleft) {
		struct trace_block *b = new_block(s, 0);

		if (!b)
			return -1;
		s->apos = b->data;
		s->aleft = DATA_BLOCK;
	}
	r = &cur->recs[cur->n++];
	r->e = *e;
	r->data = e->dlen ? s->apos : NULL;
	r->ord = s->nrec;
	r->log = log;
	if (e->dlen) { /* no data block before the first data */
		memcpy(s->apos, data, e->dlen);
		s->apos += e->dlen;
		s->aleft -= e->dlen;
	}
	s->nrec++;
	return 0;
}

static void drain(struct trace_sink *s)
{
	struct asv_event e;
	unsigned int i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nlogs; i++) {
		struct asv_evlog *l = s->logs[i];

		while (asv_evring_read(l->ring, l->cap, l->data_size, &e, s->scratch, 65536))
			if (e.kind != ASV_EV_NONE && push(s, &e, s->scratch, i))
				s->drops++;
	}
	pthread_mutex_unlock(&s->mu);
}

static void *collector(void *arg)
{
	struct trace_sink *s = arg;
	struct timespec ts = { 0, DRAIN_PERIOD_NS };

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		drain(s);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int trace_sink_start(struct trace_sink *s)
{
	s->scratch = malloc(65536);
	if (!s->scratch)
		return -1;
	pthread_mutex_init(&s->mu, NULL);
	if (pthread_create(&s->thread, NULL, collector, s))
		return -1;
	s->running = 1;
	return 0;
}

/* By time, then by the order collected (stable): one role's events keep
 * their order when two have the same stamp. */
static int by_time(const void *a, const void *b)
{
	const struct trace_rec *x = *(struct trace_rec *const *)a,
			       *y = *(struct trace_rec *const *)b;

	if (x->e.ts_ns != y->e.ts_ns)
		return x->e.ts_ns < y->e.ts_ns ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

int trace_sink_push(struct trace_sink *s, const struct asv_event *e, const uint8_t *data,
		    unsigned int log)
{
	return push(s, e, data, log);
}

void trace_sink_sort(struct trace_sink *s)
{
	struct trace_block *b;
	size_t i, k;

	/* sorted: pointers to the blocks' records (moving 8 bytes, not 80) */
	free(s->recs);
	s->recs = malloc((s->nrec ? s->nrec : 1) * sizeof(*s->recs));
	k = 0;
	for (b = s->blocks; b && s->recs; b = b->next)
		for (i = 0; b->recs && i < b->n; i++)
			s->recs[k++] = &b->recs[i];
	if (!s->recs) {
		s->drops += s->nrec;
		s->nrec = 0;
		return;
	}
	qsort(s->recs, s->nrec, sizeof(*s->recs), by_time);
}

void trace_sink_stop(struct trace_sink *s)
{
	unsigned int i;

	if (!s->running)
		return;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	s->running = 0;
	drain(s);
	for (i = 0; i < s->nlogs; i++)
		s->drops += asv_evring_drops(s->logs[i]->ring);
	trace_sink_sort(s);
}

void trace_sink_free(struct trace_sink *s)
{
	while (s->blocks) {
		struct trace_block *b = s->blocks;

		s->blocks = b->next;
		free(b->recs);
		free(b);
	}
	free(s->recs);
	free(s->scratch);
	s->recs = NULL;
	s->rcur = NULL;
	s->scratch = NULL;
	s->aleft = 0;
	s->nrec = 0;
}

void trace_match_flows(const struct trace_sink *s, size_t *match)
{
	/* open[group][vring][desc]: the TX waiting for its receive, + 1 (0: none) */
	unsigned int ngroups = 1, k;
	size_t *open, i;

	for (k = 0; k < s->nlogs; k++)
		if (s->group[k] < TRACE_MAX_LOGS && s->group[k] + 1 > ngroups)
			ngroups = s->group[k] + 1;
	open = calloc((size_t)ngroups * 2u * ASV_VRING_MAX_NUM, sizeof(*open));

	for (i = 0; i < s->nrec; i++)
		match[i] = (size_t)-1;
	if (!open)
		return;
	for (i = 0; i < s->nrec; i++) {
		const struct asv_event *e = &s->recs[i]->e;
		unsigned int g = s->group[s->recs[i]->log];
		size_t *slot;

		if ((e->kind != ASV_EV_TX && e->kind != ASV_EV_RX) || e->vring > 1 ||
		    g >= ngroups || e->desc >= ASV_VRING_MAX_NUM)
			continue;
		slot = &open[((size_t)g * 2u + e->vring) * ASV_VRING_MAX_NUM + e->desc];
		if (e->kind == ASV_EV_TX) {
			*slot = i + 1;
		} else if (*slot && s->recs[*slot - 1]->e.role != e->role) {
			match[*slot - 1] = i;
			*slot = 0;
		}
	}
	free(open);
}
