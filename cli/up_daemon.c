// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt up's supervisor: one process per firmware (asvirt-fw-runner, with
 * crash detection and recovery by asv_proc), the progress lines, and the
 * poll loop that drives the bridge (up_bridge.c) and answers the control
 * socket (up_ctl.c) until a signal or `asvirt stop`.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
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

/* Poll once (@ms): control requests, sockets, channel events, signals. */
static void poll_once(struct up *u, int ms)
{
	struct pollfd pfd[3 + MAX_CHAN + MAX_CLIENTS];
	int map[3 + MAX_CHAN + MAX_CLIENTS];
	int n = 0, i, r, pending = 0;

	pfd[n] = (struct pollfd){ .fd = u->wake_fd, .events = POLLIN };
	map[n++] = -1;
	pfd[n] = (struct pollfd){ .fd = u->ctl_fd, .events = POLLIN };
	map[n++] = -2;
	pfd[n] = (struct pollfd){ .fd = u->sig_fd, .events = POLLIN };
	map[n++] = -3;
	for (i = 0; i < MAX_CHAN; i++)
		if (u->chans[i].used) {
			pfd[n] = (struct pollfd){ .fd = u->chans[i].lfd, .events = POLLIN };
			map[n++] = i;
		}
	for (i = 0; i < MAX_CLIENTS; i++) {
		if (u->clients[i].used && u->clients[i].pending)
			pending = 1; /* not read until its message is taken */
		else if (u->clients[i].used) {
			pfd[n] = (struct pollfd){ .fd = u->clients[i].fd, .events = POLLIN };
			map[n++] = MAX_CHAN + i;
		}
	}
	if (pending)
		ms = 0; /* up_send_pending() is this pass's wait */
	r = poll(pfd, (nfds_t)n, ms);
	for (i = 0; r > 0 && i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (map[i] == -1) {
			up_drain_events(u);
		} else if (map[i] == -2) {
			up_ctl_request(u);
		} else if (map[i] == -3) {
			struct signalfd_siginfo si;

			if (read(u->sig_fd, &si, sizeof(si)) > 0)
				u->stopping = 1;
		} else if (map[i] < MAX_CHAN) {
			if (u->chans[map[i]].used)
				up_accept_client(u, map[i]);
		} else if (u->clients[map[i] - MAX_CHAN].used) {
			up_client_input(u, &u->clients[map[i] - MAX_CHAN]);
		}
	}
	if (pending)
		up_send_pending(u);
}

/* The firmware's name: its file name less "asvirt-" and ".so". */
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
	up_sanitize(out, n, tmp);
}

/* Load and start firmware @i of @fws: 0, or -1 (reported). */
static int start_fw(struct up *u, char **fws, int i, struct asv_proc_config *pc)
{
	struct fwinst *f = &u->fw[i];
	char path[PATH_MAX + 40], why[512], human[PATH_MAX + 128];
	struct json_object *ev;
	int k, dup = 0;

	f->up = u;
	fw_name(f->name, sizeof(f->name), fws[i]);
	for (k = 0; k < i; k++)
		if (!strcmp(u->fw[k].name, f->name))
			dup++;
	if (dup) {
		size_t l = strlen(f->name);

		snprintf(f->name + (l < 26 ? l : 26), sizeof(f->name) - (l < 26 ? l : 26), "-%d",
			 dup + 1);
	}
	pc->name = f->name;
	pc->on_channel = up_on_channel;
	pc->on_channel_priv = f;
	pc->on_event = on_event;
	pc->event_priv = f;
	if (asv_proc_init(&f->proc, pc, fws[i], why, sizeof(why))) {
		up_emit_fw_event(u, f->name, "error", why);
		return -1;
	}
	f->inited = 1;
	u->nfw = i + 1;
	snprintf(path, sizeof(path), "%s/%s", u->rundir, f->name);
	mkdir(path, 0700);
	snprintf(human, sizeof(human), "%s: loaded %s (ELF%d, resource table %zu bytes)", f->name,
		 f->proc.img.path, f->proc.img.elf_class == 2 ? 64 : 32, f->proc.img.table_size);
	ev = event_json("loaded");
	json_object_object_add(ev, "fw", json_object_new_string(f->name));
	json_object_object_add(ev, "file", json_object_new_string(f->proc.img.path));
	json_object_object_add(ev, "table_size", json_object_new_uint64(f->proc.img.table_size));
	up_emit(u, human, ev);
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
	snprintf(path, sizeof(path), "%s/%s", u->rundir, CTL_NAME);
	unlink(path);
	snprintf(path, sizeof(path), "%s/asvirt.pid", u->rundir);
	unlink(path);
	close(u->ctl_fd);
	close(u->wake_fd);
	close(u->sig_fd);
	up_emit(u, "stopped", event_json("stopped"));
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
	if (u->wake_fd < 0 || u->sig_fd < 0 || u->ctl_fd < 0) {
		snprintf(human, sizeof(human), "cannot listen at %s: %s", path, strerror(errno));
		up_emit_fw_event(u, "asvirt", "error", human);
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
