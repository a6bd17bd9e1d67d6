// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The events as Chrome/Perfetto trace-event JSON (the "JSON Object Format"
 * of Chrome's Trace Event Format): a process per role, in it a thread track
 * for the role's ISR thread and one for every other thread; an ISR run is a
 * slice (B/E), a message sent or received a slice of 1 ns joined from its
 * send to its receive by a flow (s/f), every other step an instant event.
 * Timestamps in microseconds from the first event, on the one clock of the
 * recorders (CLOCK_MONOTONIC).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asvirt/env.h"
#include "asvirt/wire.h"
#include "cli.h"
#include "trace.h"

static int tid_of(const struct asv_event *e)
{
	return e->flags & ASV_EVF_ISR ? 1 : 2;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

/* A process per recorder (pid = its index + 1), in it the ISR thread's
 * track (tid 1) and the other threads' (tid 2). */
static struct json_object *base(const char *name, const char *ph, const struct asv_event *e,
				unsigned int log, uint64_t t0)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "name", name);
	add_str(o, "cat", "asvirt");
	add_str(o, "ph", ph);
	json_object_object_add(o, "ts", cli_json_fixed((double)(e->ts_ns - t0) / 1000.0, 3));
	add_int(o, "pid", (int64_t)log + 1);
	add_int(o, "tid", tid_of(e));
	return o;
}

/*
 * The events are written one by one as they are made (a tree of every
 * event first would take the trace's size several times over in memory
 * and most of the time).
 */
struct jout {
	FILE *f;
	size_t n;
};

static void put(struct jout *w, struct json_object *o)
{
	if (w->n++)
		fputc(',', w->f);
	fputs(cli_json_text(o, 0), w->f);
	fputc('\n', w->f);
	json_object_put(o);
}

static void meta(struct jout *w, const char *what, int pid, int tid, const char *name)
{
	struct json_object *o = json_object_new_object(), *args = json_object_new_object();

	add_str(o, "name", what);
	add_str(o, "ph", "M");
	add_int(o, "pid", pid);
	add_int(o, "tid", tid);
	add_str(args, "name", name);
	json_object_object_add(o, "args", args);
	put(w, o);
}

/* The record's data as text (error lines, reasons, names): printable only. */
static void data_text(const struct trace_rec *r, char *out, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < r->e.dlen && k + 1 < n && r->data[i]; i++)
		out[k++] = r->data[i] >= 0x20 && r->data[i] < 0x7f ? (char)r->data[i] : '.';
	out[k] = 0;
}

static struct json_object *args_of(const struct trace_rec *r)
{
	const struct asv_event *e = &r->e;
	struct json_object *a = json_object_new_object();
	char text[512];

	switch (e->kind) {
	case ASV_EV_TX:
	case ASV_EV_RX:
		add_int(a, "src", e->src);
		add_int(a, "dst", e->dst);
		add_int(a, "len", e->len);
		add_int(a, "vring", e->vring);
		add_int(a, "desc", e->desc);
		if (e->kind == ASV_EV_RX)
			add_int(a, "endpoint", e->ept);
		if (e->dlen > ASV_RPMSG_HDR_SIZE) {
			size_t i, n = e->dlen - ASV_RPMSG_HDR_SIZE;

			if (n > 64)
				n = 64;
			for (i = 0; i < n; i++)
				snprintf(text + 2 * i, 3, "%02x", r->data[ASV_RPMSG_HDR_SIZE + i]);
			add_str(a, "payload", text);
		}
		break;
	case ASV_EV_NS:
		data_text(r, text, sizeof(text));
		add_str(a, "name", text);
		add_int(a, "addr", e->ept);
		add_int(a, "flags", e->aux);
		add_str(a, "what", e->aux & ASV_RPMSG_NS_DESTROY ? "destroy" : "create");
		add_int(a, "from", e->src);
		break;
	case ASV_EV_KICK:
		add_int(a, "notifyid", e->vring);
		break;
	case ASV_EV_ISR_END:
		add_int(a, "messages", e->len);
		add_int(a, "result", e->err);
		break;
	case ASV_EV_ERROR:
		add_str(a, "level", e->aux == ASV_LOG_ERR ? "error" : "warning");
		/* fall through */
	case ASV_EV_LINK_DOWN:
		data_text(r, text, sizeof(text));
		add_str(a, "why", text);
		add_int(a, "err", e->err);
		break;
	default:
		add_int(a, "vring", e->vring);
		add_int(a, "desc", e->desc);
		add_int(a, "idx", e->idx);
		break;
	}
	return a;
}

static const char *name_of(const struct trace_rec *r, char *buf, size_t n)
{
	const struct asv_event *e = &r->e;
	char text[64];

	switch (e->kind) {
	case ASV_EV_TX:
	case ASV_EV_RX:
		snprintf(buf, n, "%s 0x%x -> 0x%x (%u B)",
			 e->kind == ASV_EV_TX ? "send" : "receive", e->src, e->dst, e->len);
		return buf;
	case ASV_EV_NS:
		data_text(r, text, sizeof(text));
		snprintf(buf, n, "ns %s \"%s\" 0x%x",
			 e->aux & ASV_RPMSG_NS_DESTROY ? "destroy" : "create", text, e->ept);
		return buf;
	case ASV_EV_KICK:
		snprintf(buf, n, "kick notifyid %u", e->vring);
		return buf;
	default:
		snprintf(buf, n, "%s", asv_ev_kind_name(e->kind));
		return buf;
	}
}

static void emit_flow(struct jout *w, const struct trace_rec *r, uint64_t t0, size_t id, int start)
{
	struct json_object *o = base("message", start ? "s" : "f", &r->e, r->log, t0);

	add_int(o, "id", (int64_t)id);
	if (!start)
		add_str(o, "bp", "e");
	put(w, o);
}

int trace_write_json(const struct trace_sink *s, const char *path)
{
	struct json_object *other;
	struct jout w = { NULL, 0 };
	size_t *match = calloc(s->nrec ? s->nrec : 1, sizeof(*match));
	size_t *rx_of = calloc(s->nrec ? s->nrec : 1, sizeof(*rx_of));
	int(*depth)[3] = calloc(TRACE_MAX_LOGS, sizeof(*depth));
	uint64_t t0 = s->nrec ? s->recs[0]->e.ts_ns : 0;
	char name[160];
	size_t i;
	int p, rc = 0;

	if (!match || !rx_of || !depth || !(w.f = fopen(path, "w"))) {
		if (!match || !rx_of || !depth)
			errno = ENOMEM;
		free(match);
		free(rx_of);
		free(depth);
		return -1;
	}
	fputs("{\"traceEvents\":[\n", w.f);
	trace_match_flows(s, match);
	for (i = 0; i < s->nrec; i++)
		rx_of[i] = (size_t)-1;
	for (i = 0; i < s->nrec; i++)
		if (match[i] != (size_t)-1)
			rx_of[match[i]] = i;
	for (p = 0; p < (int)s->nlogs; p++) {
		char tn[96];

		meta(&w, "process_name", p + 1, 1, s->label[p]);
		snprintf(tn, sizeof(tn), "%s ISR thread", s->label[p]);
		meta(&w, "thread_name", p + 1, 1, tn);
		snprintf(tn, sizeof(tn), "%s other threads", s->label[p]);
		meta(&w, "thread_name", p + 1, 2, tn);
	}
	for (i = 0; i < s->nrec; i++) {
		const struct trace_rec *r = s->recs[i];
		const struct asv_event *e = &r->e;
		int *d = &depth[r->log % TRACE_MAX_LOGS][tid_of(e)];
		struct json_object *o;

		switch (e->kind) {
		case ASV_EV_ISR_START:
			o = base("ISR", "B", e, r->log, t0);
			(*d)++;
			break;
		case ASV_EV_ISR_END:
			if (!*d)
				continue; /* its start was dropped */
			(*d)--;
			o = base("ISR", "E", e, r->log, t0);
			break;
		case ASV_EV_TX:
		case ASV_EV_RX:
			o = base(name_of(r, name, sizeof(name)), "X", e, r->log, t0);
			json_object_object_add(o, "dur", cli_json_fixed(0.001, 3));
			break;
		default:
			o = base(name_of(r, name, sizeof(name)), "i", e, r->log, t0);
			add_str(o, "s", "t");
			break;
		}
		json_object_object_add(o, "args", args_of(r));
		put(&w, o);
		if (match[i] != (size_t)-1)
			emit_flow(&w, r, t0, i, 1);
		else if (rx_of[i] != (size_t)-1)
			emit_flow(&w, r, t0, rx_of[i], 0);
	}
	/* an ISR still running when the trace stopped ends with it */
	for (p = 0; p < (int)s->nlogs; p++) {
		uint64_t end = s->nrec ? s->recs[s->nrec - 1]->e.ts_ns : 0;
		int t;

		for (t = 1; t <= 2; t++) {
			while (depth[p][t]-- > 0) {
				struct asv_event e = { .flags = t == 1 ? ASV_EVF_ISR : 0,
						       .ts_ns = end };

				put(&w, base("ISR", "E", &e, (unsigned int)p, t0));
			}
		}
	}
	other = json_object_new_object();
	add_str(other, "clock", s->clock ? s->clock : "CLOCK_MONOTONIC");
	add_int(other, "events", (int64_t)s->nrec);
	add_int(other, "dropped", (int64_t)s->drops);
	fprintf(w.f, "],\n\"displayTimeUnit\":\"ns\",\"otherData\":%s}\n", cli_json_text(other, 0));
	json_object_put(other);
	if (ferror(w.f))
		rc = -1;
	if (fclose(w.f))
		rc = -1;
	free(match);
	free(rx_of);
	free(depth);
	return rc;
}
