// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt up's supervisor: one process per firmware (asvirt-fw-runner, with
 * crash detection and recovery by asv_proc), the progress lines, and the
 * poll loop that drives the bridge (up_bridge.c) and answers the control
 * socket (up_ctl.c) until a signal or `asvirt stop`.
 */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "up.h"

void up_write_all(int fd, const char *s, size_t n)
{
	while (n && fd >= 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

void up_emit(struct up *u, const char *human, struct json_object *ev)
{
	const char *text = u->json ? cli_json_text(ev, 0) : human;
	size_t n = strlen(text);
	char *line = malloc(n + 16);

	if (line) { /* one write: a reader never sees half a line */
		n = (size_t)sprintf(line, "%s%s\n", u->json ? "" : "asvirt: ", text);
		pthread_mutex_lock(&u->out_mu);
		up_write_all(u->out_fd, line, n);
		if (u->log_fd >= 0 && u->log_fd != u->out_fd)
			up_write_all(u->log_fd, line, n);
		pthread_mutex_unlock(&u->out_mu);
		free(line);
	}
	json_object_put(ev);
}

void up_emit_fw_event(struct up *u, const char *fw, const char *ev, const char *detail)
{
	struct json_object *o = json_object_new_object();
	char human[512];

	json_object_object_add(o, "event", json_object_new_string(ev));
	json_object_object_add(o, "fw", json_object_new_string(fw));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	/* a long detail is cut in the human line only: the JSON has it whole */
	if (snprintf(human, sizeof(human), "%s: %s: %s", fw, ev, detail) >= (int)sizeof(human))
		human[sizeof(human) - 2] = '~';
	up_emit(u, human, o);
}

/* {"event":EV}: the rest of it added by the caller. */
static struct json_object *event_json(const char *ev)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(ev));
	return o;
}

void up_wake(struct up *u)
{
	uint64_t one = 1;

	if (write(u->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		perror("asvirt: wake");
}

/* asv_proc_config.on_event, from the proc's threads. */
static void on_event(struct asv_proc *p, const char *ev, const char *detail, void *priv)
{
	struct fwinst *f = priv;

	(void)p;
	if (!strcmp(ev, "running"))
		f->gen++; /* proc lock held, or before the poll loop runs */
	up_emit_fw_event(f->up, f->name, ev, detail);
	up_wake(f->up);
}

int up_watch(struct up *u, int fd, uint32_t events, uint64_t tag, int op)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(u->ep, op, fd, &ev);
}

/* Wait once (@ms) and serve: control requests, sockets, channel events,
 * signals; then the clients' waiting messages. */
static void poll_once(struct up *u, int ms)
{
	struct epoll_event ev[64];
	int n, i;

	if (u->nplist)
		ms = 0; /* up_send_pending() is this pass's wait */
	n = epoll_wait(u->ep, ev, 64, ms);
	for (i = 0; i < n; i++) {
		uint32_t kind = (uint32_t)(ev[i].data.u64 >> 32), k = (uint32_t)ev[i].data.u64;

		if (kind == EV_WAKE) {
			up_drain_events(u);
		} else if (kind == EV_CTL) {
			up_ctl_request(u);
		} else if (kind == EV_SIG) {
			struct signalfd_siginfo si;

			if (read(u->sig_fd, &si, sizeof(si)) > 0)
				u->stopping = 1;
		} else if (kind == EV_LISTEN) {
			/* (a channel closed in this pass: its event is stale) */
			if (k < MAX_CHAN && u->chans[k].used)
				up_accept_client(u, (int)k);
		} else if (kind == EV_CLIENT && k < (uint32_t)u->max_clients &&
			   u->clients[k].used) {
			struct client *c = &u->clients[k];

			if ((ev[i].events & EPOLLOUT) && c->want_out)
				up_client_output(u, c);
			if (c->used && !c->pending &&
			    (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				up_client_input(u, c);
		}
	}
	if (u->nplist)
		up_send_pending(u);
}

/* The firmware's name: its file name less "asvirt-" and ".so" or ".elf". */
static void fw_name(char *out, size_t n, const char *path)
{
	const char *b = strrchr(path, '/');
	char tmp[64];
	size_t l;

	b = b ? b + 1 : path;
	if (!strncmp(b, "asvirt-", 7) && b[7])
		b += 7;
	snprintf(tmp, sizeof(tmp), "%s", b);
	l = strlen(tmp);
	if (l > 3 && !strcmp(tmp + l - 3, ".so"))
		tmp[l - 3] = 0;
	else if (l > 4 && !strcmp(tmp + l - 4, ".elf"))
		tmp[l - 4] = 0; /* a Cortex-M image */
	up_sanitize(out, n, tmp);
}

/* One of the firmware before @i is called @name. */
static int fw_name_taken(struct up *u, int i, const char *name)
{
	int k;

	for (k = 0; k < i; k++)
		if (!strcmp(u->fw[k].name, name))
			return 1;
	return 0;
}

/* The fault plan of firmware @name: its own --fault, else the one for all. */
static const char *up_fault_for(const struct up *u, const char *name)
{
	const char *all = NULL;
	int k;

	for (k = 0; k < u->nfaults; k++) {
		if (!strcmp(u->faults[k].fw, name))
			return u->faults[k].spec;
		if (!u->faults[k].fw[0])
			all = u->faults[k].spec;
	}
	return all;
}

/* Load and start firmware @i of @fws: 0, or -1 (reported). */
static int start_fw(struct up *u, char **fws, int i, struct asv_proc_config *pc)
{
	struct fwinst *f = &u->fw[i];
	char path[PATH_MAX + 40], why[512], human[PATH_MAX + 128], base[32], name[48];
	struct json_object *ev;
	int dup;

	f->up = u;
	fw_name(f->name, sizeof(f->name), fws[i]);
	fw_name(base, sizeof(base), fws[i]);
	base[26] = 0; /* room for "-NN" */
	/* the same image twice: echo, echo-2, echo-3... each name once */
	for (dup = 2; fw_name_taken(u, i, f->name) && dup <= MAX_FW; dup++) {
		snprintf(name, sizeof(name), "%.26s-%d", base, dup);
		memcpy(f->name, name, sizeof(f->name) - 1);
	}
	pc->name = f->name;
	pc->fault = up_fault_for(u, f->name);
	pc->on_channel = up_on_channel;
	pc->on_channel_priv = f;
	pc->on_event = on_event;
	pc->event_priv = f;
	if (up_trace_before_fw(u, i, pc)) {
		up_emit_fw_event(u, f->name, "error", "out of memory for the event rings");
		return -1;
	}
	if (asv_proc_init(&f->proc, pc, fws[i], why, sizeof(why))) {
		up_emit_fw_event(u, f->name, "error", why);
		return -1;
	}
	up_trace_after_fw(u, i);
	f->inited = 1;
	u->nfw = i + 1;
	snprintf(path, sizeof(path), "%s/%s", u->rundir, f->name);
	mkdir(path, 0700);
	snprintf(human, sizeof(human), "%s: loaded %s (ELF%d, resource table %zu bytes%s)", f->name,
		 f->proc.img.path, f->proc.img.elf_class == 2 ? 64 : 32, f->proc.img.table_size,
		 f->proc.img.kind == ASV_FW_KIND_BOARD ? ", board-level" : "");
	ev = event_json("loaded");
	json_object_object_add(ev, "fw", json_object_new_string(f->name));
	json_object_object_add(ev, "file", json_object_new_string(f->proc.img.path));
	json_object_object_add(ev, "table_size", json_object_new_uint64(f->proc.img.table_size));
	json_object_object_add(ev, "kind",
			       json_object_new_string(f->proc.board ? "cortex-m"
						      : f->proc.img.kind == ASV_FW_KIND_BOARD
							  ? "board"
							  : "app"));
	up_emit(u, human, ev);
	if (pc->gdb_port && !f->proc.board) {
		up_emit_fw_event(u, f->name, "error", "--gdb debugs Cortex-M images (FW.elf) only");
		return -1;
	}
	if (pc->gdb_port) {
		/* The MCU waits halted at reset: the boot goes on under gdb. */
		snprintf(human, sizeof(human),
			 "halted for gdb; attach with: gdb-multiarch %s -ex 'target remote :%u'",
			 f->proc.img.path, pc->gdb_port);
		up_emit_fw_event(u, f->name, "gdb", human);
	}
	if (asv_proc_start(&f->proc, why, sizeof(why))) {
		up_emit_fw_event(u, f->name, "error", why);
		return -1;
	}
	return 0;
}

static int fw_has_channel(struct up *u, int fw)
{
	int k;

	for (k = 0; k < MAX_CHAN; k++)
		if (u->chans[k].used && u->chans[k].fw == fw)
			return 1;
	return 0;
}

/* Every firmware announced a channel, or 5 s passed: "ready". */
static void wait_ready(struct up *u)
{
	uint64_t deadline = asv_posix_now_ms() + 5000;
	struct json_object *ev;
	char human[128];
	int i, nchan, waiting;

	while (!u->stopping) {
		poll_once(u, 20);
		for (waiting = 0, i = 0; i < u->nfw; i++)
			waiting += !fw_has_channel(u, i);
		if (!waiting || asv_posix_now_ms() >= deadline)
			break;
	}
	for (nchan = 0, i = 0; i < MAX_CHAN; i++)
		nchan += u->chans[i].used;
	snprintf(human, sizeof(human), "ready: %d firmware, %d channel%s; 'asvirt stop' to stop",
		 u->nfw, nchan, nchan == 1 ? "" : "s");
	ev = event_json("ready");
	json_object_object_add(ev, "firmware", json_object_new_int(u->nfw));
	json_object_object_add(ev, "channels", json_object_new_int(nchan));
	json_object_object_add(ev, "pid", json_object_new_int((int)getpid()));
	up_emit(u, human, ev);
}

/* Stop and free everything, remove the sockets, the pid file, the dirs. */
static void teardown(struct up *u)
{
	char path[PATH_MAX + 40];
	int i;

	for (i = 0; i < u->nfw; i++)
		if (u->fw[i].inited)
			asv_proc_stop(&u->fw[i].proc);
	/* the runners' rings go with their procs: write the trace first */
	if (u->trace && u->trace->on) {
		char msg[2 * PATH_MAX + 64];

		up_emit_fw_event(u, "asvirt",
				 up_trace_stop(u, msg, sizeof(msg)) ? "error" : "trace", msg);
	}
	up_drain_events(u);
	for (i = 0; i < MAX_CHAN; i++)
		if (u->chans[i].used)
			up_chan_close(u, i);
	for (i = 0; i < u->nfw; i++) {
		if (!u->fw[i].inited)
			continue;
		asv_proc_destroy(&u->fw[i].proc);
		snprintf(path, sizeof(path), "%s/%s", u->rundir, u->fw[i].name);
		rmdir(path);
	}
	up_trace_free(u);
	snprintf(path, sizeof(path), "%s/%s", u->rundir, CTL_NAME);
	unlink(path);
	snprintf(path, sizeof(path), "%s/asvirt.pid", u->rundir);
	unlink(path);
	close(u->ctl_fd);
	close(u->wake_fd);
	close(u->sig_fd);
	close(u->ep);
	for (i = 0; u->clients && i < u->max_clients; i++)
		pthread_mutex_destroy(&u->clients[i].oq_mu);
	free(u->clients);
	free(u->plist);
	free(u->olist);
	free(u->oscratch);
	up_emit(u, "stopped", event_json("stopped"));
}

/*
 * Every client is a descriptor: raise the soft limit to the hard one and,
 * if --max-clients does not fit even so, serve fewer (and say so). The
 * rest is for the firmware (memfd, pidfd, doorbells, sockets) and us.
 */
static int fit_clients(struct up *u, int nfws)
{
	long reserve = 64 + 16L * nfws + MAX_CHAN;
	struct rlimit rl;
	int i;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < (rlim_t)(u->max_clients + reserve)) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < u->max_clients + reserve) {
			char why[160];
			long n = (long)rl.rlim_cur - reserve;

			snprintf(why, sizeof(why),
				 "%d clients do not fit in %ld descriptors (ulimit -n): %ld served",
				 u->max_clients, (long)rl.rlim_cur, n < 1 ? 1 : n);
			up_emit_fw_event(u, "asvirt", "warning", why);
			u->max_clients = n < 1 ? 1 : (int)n;
		}
	}
	u->clients = calloc((size_t)u->max_clients, sizeof(*u->clients));
	u->plist = calloc((size_t)u->max_clients, sizeof(*u->plist));
	u->olist = calloc((size_t)u->max_clients, sizeof(*u->olist));
	u->oscratch = calloc((size_t)u->max_clients, sizeof(*u->oscratch));
	if (!u->clients || !u->plist || !u->olist || !u->oscratch)
		return -1;
	for (i = 0; i < u->max_clients; i++)
		pthread_mutex_init(&u->clients[i].oq_mu, NULL);
	return 0;
}

int up_run_daemon(struct up *u, char **fws, int nfws, struct asv_proc_config *pc, int ready_fd)
{
	char path[PATH_MAX + 40], human[PATH_MAX + 128];
	struct json_object *ev;
	sigset_t set;
	int i, rc = 0;

	pthread_mutex_init(&u->out_mu, NULL);
	pthread_mutex_init(&u->qmu, NULL);
	u->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	u->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	snprintf(path, sizeof(path), "%s/%s", u->rundir, CTL_NAME);
	u->ctl_fd = up_listen(path, SOCK_STREAM);
	u->ep = epoll_create1(EPOLL_CLOEXEC);
	if (u->wake_fd < 0 || u->sig_fd < 0 || u->ctl_fd < 0 || u->ep < 0 ||
	    up_watch(u, u->wake_fd, EPOLLIN, EV_TAG(EV_WAKE, 0), EPOLL_CTL_ADD) ||
	    up_watch(u, u->ctl_fd, EPOLLIN, EV_TAG(EV_CTL, 0), EPOLL_CTL_ADD) ||
	    up_watch(u, u->sig_fd, EPOLLIN, EV_TAG(EV_SIG, 0), EPOLL_CTL_ADD)) {
		snprintf(human, sizeof(human), "cannot listen at %s: %s", path, strerror(errno));
		up_emit_fw_event(u, "asvirt", "error", human);
		return 1;
	}
	if (fit_clients(u, nfws)) {
		up_emit_fw_event(u, "asvirt", "error", "out of memory for the clients");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/asvirt.pid", u->rundir);
	{
		FILE *pf = fopen(path, "w");

		if (pf) {
			fprintf(pf, "%d\n", (int)getpid());
			fclose(pf);
		}
	}
	snprintf(human, sizeof(human), "runtime dir %s", u->rundir);
	ev = event_json("rundir");
	json_object_object_add(ev, "path", json_object_new_string(u->rundir));
	up_emit(u, human, ev);
	for (i = 0; i < nfws && !rc; i++)
		rc = start_fw(u, fws, i, pc) ? 1 : 0;
	/* the rings hold what the boots recorded until the collector runs */
	if (!rc && up_trace_start(u)) {
		up_emit_fw_event(u, "asvirt", "error", "cannot start the event collector");
		rc = 1;
	}
	if (!rc)
		wait_ready(u);
	if (ready_fd >= 0 && !rc) {
		/* Detached: the waiting parent exits; progress goes to the log. */
		pthread_mutex_lock(&u->out_mu);
		close(ready_fd);
		u->out_fd = u->log_fd;
		pthread_mutex_unlock(&u->out_mu);
	}
	while (!rc && !u->stopping)
		poll_once(u, 200);
	teardown(u);
	/* Failed while detaching: the parent exits once nothing is left (no
	 * control socket a `status` right after could still connect to). */
	if (ready_fd >= 0 && rc)
		close(ready_fd);
	pthread_mutex_destroy(&u->qmu);
	pthread_mutex_destroy(&u->out_mu);
	return rc;
}
