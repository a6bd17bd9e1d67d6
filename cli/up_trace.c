// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt up --trace FILE.json / --pcap FILE.pcap: every firmware's host
 * side records into a ring of the daemon's, its runner into the ring of
 * its struct asv_proc (port/posix/proc_trace.c); one collector drains
 * them all from the start. `asvirt trace stop` (or the system's stop)
 * writes the files. After a trace stop the recorders stay on, their rings
 * full: what they record from then on is counted as dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asvirt/evrec.h"
#include "cli.h"
#include "up.h"

/* @p as an absolute path in @out: the daemon may run detached, elsewhere. */
static int abs_path(char *out, size_t n, const char *p)
{
	char cwd[PATH_MAX];
	int k;

	if (p[0] == '/') {
		k = snprintf(out, n, "%s", p);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -1;
		k = snprintf(out, n, "%s/%s", cwd, p);
	}
	if (k < 0 || (size_t)k >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int up_trace_set(struct up *u, const char *json, const char *pcap)
{
	struct up_trace *t = u->trace;

	if (!t) {
		t = u->trace = calloc(1, sizeof(*t));
		if (!t)
			return -1;
	}
	if (json && abs_path(t->json, sizeof(t->json), json))
		return -1;
	return pcap ? abs_path(t->pcap, sizeof(t->pcap), pcap) : 0;
}

int up_trace_before_fw(struct up *u, int i, struct asv_proc_config *pc)
{
	struct up_trace *t = u->trace;

	pc->host_evlog = NULL;
	pc->trace_remote = false;
	if (!t)
		return 0;
	if (asv_evrec_init(&t->host[i], ASV_EV_HOST, ASV_EVREC_CAP, ASV_EVREC_DATA))
		return -1;
	t->nhost = i + 1;
	pc->host_evlog = &t->host[i];
	pc->trace_remote = true;
	return 0;
}

void up_trace_after_fw(struct up *u, int i)
{
	struct up_trace *t = u->trace;
	struct fwinst *f = &u->fw[i];
	char label[48];

	if (!t)
		return;
	snprintf(label, sizeof(label), "%s host", f->name);
	trace_sink_add(&t->sink, &t->host[i], label, (unsigned int)i);
	if (f->proc.trace_map) {
		snprintf(label, sizeof(label), "%s remote", f->name);
		trace_sink_add(&t->sink, &f->proc.remote_evlog, label, (unsigned int)i);
	}
}

int up_trace_start(struct up *u)
{
	struct up_trace *t = u->trace;

	if (!t)
		return 0;
	if (trace_sink_start(&t->sink))
		return -1;
	t->on = 1;
	return 0;
}

int up_trace_stop(struct up *u, char *msg, size_t n)
{
	struct up_trace *t = u->trace;
	int rc = 0;

	if (!t || !t->on) {
		snprintf(msg, n, "no trace is being recorded (asvirt up --trace FILE)");
		return -1;
	}
	t->on = 0;
	trace_sink_stop(&t->sink);
	msg[0] = 0;
	if (t->json[0] && trace_write_json(&t->sink, t->json)) {
		snprintf(msg, n, "%s: %s", t->json, strerror(errno));
		rc = -1;
	}
	if (!rc && t->pcap[0] && trace_write_pcap(&t->sink, t->pcap)) {
		snprintf(msg, n, "%s: %s", t->pcap, strerror(errno));
		rc = -1;
	}
	if (!rc)
		snprintf(msg, n, "trace: %zu events, %llu dropped%s%s%s%s", t->sink.nrec,
			 (unsigned long long)t->sink.drops, t->json[0] ? ", " : "", t->json,
			 t->pcap[0] ? ", " : "", t->pcap);
	trace_sink_free(&t->sink);
	return rc;
}

void up_trace_free(struct up *u)
{
	struct up_trace *t = u->trace;
	int i;

	if (!t)
		return;
	for (i = 0; i < t->nhost; i++)
		asv_evrec_free(&t->host[i]);
	free(t);
	u->trace = NULL;
}
