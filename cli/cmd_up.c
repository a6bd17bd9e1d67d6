// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt up FIRMWARE.so...  a virtual AMP system: one process per firmware
 * (asvirt-fw-runner), every announced channel exposed as a Unix
 * SOCK_SEQPACKET socket RUNDIR/FW/CHANNEL (one packet = one message, like
 * /dev/rpmsgN), crash detection and recovery. asvirt status / log / stop /
 * crash talk to it through RUNDIR/ctl. See docs/firmware-and-up.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/proc.h"
#include "cli.h"

#define MAX_FW 8
#define MAX_CHAN 64
#define MAX_CLIENTS 64
#define MAX_EVENTS 256
#define CTL_NAME "ctl"
/* A client's message waits this long for a tx buffer before it fails. */
#define SEND_TIMEOUT_MS 2000u
/*
 * The poll loop waits for tx buffers this long at a time (and across all
 * waiting clients per pass), with the firmware's lock held only for that
 * wait: the watchdog, recovery and `asvirt status` never queue behind a
 * send for longer, whatever the firmware does.
 */
#define SEND_SLICE_MS 10u

struct up;

struct fwinst {
	struct asv_proc proc;
	char name[32];
	struct up *up;
	int inited;
	unsigned int gen; /* link generation, bumped by "running" (proc lock held) */
};

struct chsock {
	int used;
	int fw;
	char name[ASV_RPMSG_NAME_SIZE];
	uint32_t dst;
	unsigned int gen;
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct client {
	int used;
	int fd;
	int fw;
	int ch; /* index into chans */
	unsigned int gen;
	struct asv_endpoint *ept;
	struct up *up;
	unsigned long dropped; /* atomic: socket full */
	/* A message read from the socket and not yet taken by the link: the
	 * socket is not read again until it is (messages stay in order). */
	int pending;
	uint64_t pend_deadline; /* fails with -ASV_ETIMEDOUT from then on */
	size_t pend_len;
	uint8_t pend[ASV_RPMSG_MAX_PAYLOAD];
};

struct chev {
	int fw;
	int created;
	char name[ASV_RPMSG_NAME_SIZE];
	uint32_t dst;
};

struct up {
	char rundir[PATH_MAX];
	int json;
	int out_fd; /* progress: stdout, or the pipe to the waiting parent */
	int log_fd; /* detached: RUNDIR/asvirt.log, else -1 */
	pthread_mutex_t out_mu;
	struct fwinst fw[MAX_FW];
	int nfw;
	struct chsock chans[MAX_CHAN];
	struct client clients[MAX_CLIENTS];
	pthread_mutex_t qmu;
	struct chev q[MAX_EVENTS];
	int nq;
	int wake_fd;
	int ctl_fd;
	int sig_fd;
	int stopping;
};

/* ---- output --------------------------------------------------------------- */

/* snprintf whose truncation is checked by the caller (or harmless). */
static int fmt(char *out, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));

static int fmt(char *out, size_t n, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = vsnprintf(out, n, f, ap);
	va_end(ap);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

static void json_str(char *out, size_t n, const char *s)
{
	size_t o = 0;

	if (n < 3)
		return;
	out[o++] = '"';
	for (; *s && o + 8 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, n - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = 0;
}

static void write_all(int fd, const char *s, size_t n)
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

/* One progress line: human text, or a JSON object when --json. */
static void emit(struct up *u, const char *human, const char *json)
{
	char line[1024];
	int n;

	if (u->json)
		n = snprintf(line, sizeof(line), "%s\n", json);
	else
		n = snprintf(line, sizeof(line), "asvirt: %s\n", human);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&u->out_mu);
	write_all(u->out_fd, line, (size_t)n);
	if (u->log_fd >= 0 && u->log_fd != u->out_fd)
		write_all(u->log_fd, line, (size_t)n);
	pthread_mutex_unlock(&u->out_mu);
}

static void emit_fw_event(struct up *u, const char *fw, const char *ev, const char *detail)
{
	char human[512], json[1024], jfw[96], jdet[600];

	json_str(jfw, sizeof(jfw), fw);
	json_str(jdet, sizeof(jdet), detail);
	snprintf(human, sizeof(human), "%s: %s: %s", fw, ev, detail);
	snprintf(json, sizeof(json), "{\"event\":\"%s\",\"fw\":%s,\"detail\":%s}", ev, jfw, jdet);
	emit(u, human, json);
}

/* ---- callbacks from the proc's threads ---------------------------------- */

static void wake(struct up *u)
{
	uint64_t one = 1;

	if (write(u->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		perror("asvirt: wake");
}

static void on_event(struct asv_proc *p, const char *ev, const char *detail, void *priv)
{
	struct fwinst *f = priv;

	(void)p;
	if (!strcmp(ev, "running"))
		f->gen++; /* proc lock held, or before the poll loop runs */
	emit_fw_event(f->up, f->name, ev, detail);
	wake(f->up);
}

static void on_channel(struct asv_host *h, struct asv_channel *ch, bool created, void *priv)
{
	struct fwinst *f = priv;
	struct up *u = f->up;

	(void)h;
	pthread_mutex_lock(&u->qmu);
	if (u->nq < MAX_EVENTS) {
		struct chev *e = &u->q[u->nq++];

		e->fw = (int)(f - u->fw);
		e->created = created;
		memcpy(e->name, ch->name, sizeof(e->name));
		e->name[sizeof(e->name) - 1] = 0;
		e->dst = ch->dst;
	}
	pthread_mutex_unlock(&u->qmu);
	wake(u);
}

/* Host ISR thread: a message from the MCU to a connected client. */
static int client_rx(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct client *c = priv;

	(void)ept;
	(void)src;
	if (send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		__atomic_add_fetch(&c->dropped, 1, __ATOMIC_RELAXED);
	return 0;
}

/* ---- sockets ---------------------------------------------------------------- */

static int listen_at(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void sanitize(char *out, size_t n, const char *in)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < n; i++) {
		char c = in[i];

		out[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
			     ? c
			     : '_';
	}
	out[i] = 0;
	if (!strcmp(out, ".") || !strcmp(out, "..") || !out[0])
		snprintf(out, n, "channel");
}

static void client_close(struct up *u, struct client *c)
{
	struct fwinst *f = &u->fw[c->fw];

	if (c->pending) {
		char why[128];

		snprintf(why, sizeof(why), "a message on %s dropped: channel closed",
			 u->chans[c->ch].name);
		emit_fw_event(u, f->name, "warning", why);
		c->pending = 0;
	}
	asv_proc_lock(&f->proc);
	/* After a restart the host freed every endpoint: never touch it. */
	if (c->ept && c->gen == f->gen)
		asv_host_destroy_ept(c->ept);
	asv_proc_unlock(&f->proc);
	c->ept = NULL;
	close(c->fd);
	c->used = 0;
}

static void chan_close(struct up *u, int i)
{
	struct chsock *s = &u->chans[i];
	int k;

	for (k = 0; k < MAX_CLIENTS; k++)
		if (u->clients[k].used && u->clients[k].ch == i)
			client_close(u, &u->clients[k]);
	close(s->lfd);
	unlink(s->path);
	s->used = 0;
}

static void chan_event(struct up *u, const struct chev *e)
{
	struct fwinst *f = &u->fw[e->fw];
	char base[ASV_RPMSG_NAME_SIZE], human[512], json[1024], jn[80], jp[300], jf[80];
	struct chsock *s = NULL;
	int i, slot = -1;

	for (i = 0; i < MAX_CHAN; i++) {
		struct chsock *c = &u->chans[i];

		if (c->used && c->fw == e->fw && c->dst == e->dst && !strcmp(c->name, e->name))
			s = c;
		if (!c->used && slot < 0)
			slot = i;
	}
	json_str(jn, sizeof(jn), e->name);
	json_str(jf, sizeof(jf), f->name);
	if (!e->created) {
		if (!s)
			return;
		snprintf(human, sizeof(human), "%s: channel %s (addr 0x%x) removed", f->name,
			 e->name, e->dst);
		snprintf(json, sizeof(json),
			 "{\"event\":\"channel-removed\",\"fw\":%s,\"name\":%s,\"addr\":%u}", jf,
			 jn, e->dst);
		chan_close(u, (int)(s - u->chans));
		emit(u, human, json);
		return;
	}
	if (s) /* announced again before we saw the removal: start fresh */
		chan_close(u, (int)(s - u->chans));
	if (slot < 0 && !s) {
		emit_fw_event(u, f->name, "error", "too many channels");
		return;
	}
	s = s ? s : &u->chans[slot];
	memset(s, 0, sizeof(*s));
	s->fw = e->fw;
	memcpy(s->name, e->name, sizeof(s->name));
	s->dst = e->dst;
	asv_proc_lock(&f->proc);
	s->gen = f->gen;
	asv_proc_unlock(&f->proc);
	sanitize(base, sizeof(base), e->name);
	fmt(s->path, sizeof(s->path), "%s/%s/%s", u->rundir, f->name, base);
	for (i = 0; i < MAX_CHAN; i++) {
		if (&u->chans[i] != s && u->chans[i].used && !strcmp(u->chans[i].path, s->path)) {
			fmt(s->path, sizeof(s->path), "%s/%s/%s@0x%x", u->rundir, f->name, base,
			    e->dst);
			break;
		}
	}
	s->lfd = listen_at(s->path, SOCK_SEQPACKET);
	if (s->lfd < 0) {
		snprintf(human, sizeof(human), "cannot listen at %s: %s", s->path, strerror(errno));
		emit_fw_event(u, f->name, "error", human);
		return;
	}
	s->used = 1;
	json_str(jp, sizeof(jp), s->path);
	snprintf(human, sizeof(human), "%s: channel %s (addr 0x%x) at %s", f->name, e->name, e->dst,
		 s->path);
	snprintf(json, sizeof(json),
		 "{\"event\":\"channel\",\"fw\":%s,\"name\":%s,\"addr\":%u,\"socket\":%s}", jf, jn,
		 e->dst, jp);
	emit(u, human, json);
}

static void accept_client(struct up *u, int ci)
{
	struct chsock *s = &u->chans[ci];
	struct fwinst *f = &u->fw[s->fw];
	struct client *c = NULL;
	int fd, k, err = -ASV_ENODEV;

	fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (k = 0; k < MAX_CLIENTS; k++)
		if (!u->clients[k].used) {
			c = &u->clients[k];
			break;
		}
	if (!c) {
		close(fd);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->fw = s->fw;
	c->ch = ci;
	c->up = u;
	asv_proc_lock(&f->proc);
	if (f->gen == s->gen && f->proc.host_up) {
		c->ept = asv_host_create_ept(&f->proc.host, s->name, ASV_RPMSG_ADDR_ANY, client_rx,
					     c, &err);
		c->gen = f->gen;
	}
	asv_proc_unlock(&f->proc);
	if (!c->ept) {
		char why[128];

		snprintf(why, sizeof(why), "channel %s: no endpoint for a client: %s", s->name,
			 asv_strerror(err));
		emit_fw_event(u, f->name, "error", why);
		close(fd);
		return;
	}
	c->ept->dst = s->dst;
	c->used = 1;
}

/*
 * Try to hand @c's pending message to the link, waiting at most @wait_ms
 * for a tx buffer. The firmware's lock is held only for that wait (the
 * endpoint belongs to the link generation it checks). Returns 1 while the
 * message still waits, else 0 (sent, or failed and reported).
 */
static int client_send(struct up *u, struct client *c, uint32_t wait_ms)
{
	struct fwinst *f = &u->fw[c->fw];
	int err = -ASV_ENODEV;

	asv_proc_lock(&f->proc);
	if (c->ept && c->gen == f->gen)
		err = asv_send_timeout(c->ept, c->ept->dst, c->pend, c->pend_len, wait_ms);
	asv_proc_unlock(&f->proc);
	if ((err == -ASV_ETIMEDOUT || err == -ASV_ENOMEM) && asv_posix_now_ms() < c->pend_deadline)
		return 1; /* no tx buffer yet: the firmware has them all */
	c->pending = 0;
	if (err) {
		char why[128];

		if (err == -ASV_ENOMEM)
			err = -ASV_ETIMEDOUT;
		snprintf(why, sizeof(why), "send on %s failed: %s", u->chans[c->ch].name,
			 asv_strerror(err));
		emit_fw_event(u, f->name, "warning", why);
	}
	return 0;
}

static void client_input(struct up *u, struct client *c)
{
	struct fwinst *f = &u->fw[c->fw];
	ssize_t n = recv(c->fd, c->pend, sizeof(c->pend), MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* EOF (a 0-byte packet is also a close for SEQPACKET peers) */
		client_close(u, c);
		return;
	}
	if ((size_t)n > ASV_RPMSG_MAX_PAYLOAD) {
		char why[128];

		snprintf(why, sizeof(why), "%zd-byte message dropped: rpmsg carries at most %u", n,
			 ASV_RPMSG_MAX_PAYLOAD);
		emit_fw_event(u, f->name, "warning", why);
		return;
	}
	c->pend_len = (size_t)n;
	c->pend_deadline = asv_posix_now_ms() + SEND_TIMEOUT_MS;
	c->pending = 1;
	client_send(u, c, 0);
}

/* Retry the waiting messages, waiting SEND_SLICE_MS for buffers in all. */
static void send_pending(struct up *u)
{
	uint64_t end = asv_posix_now_ms() + SEND_SLICE_MS;
	int k;

	for (k = 0; k < MAX_CLIENTS; k++) {
		struct client *c = &u->clients[k];
		uint64_t now = asv_posix_now_ms();

		if (c->used && c->pending)
			client_send(u, c, now < end ? (uint32_t)(end - now) : 0);
	}
}

/* ---- control requests ---------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = (b->cap + (size_t)n) * 2;
			char *s = realloc(b->s, cap);

			if (!s)
				return;
			b->s = s;
			b->cap = cap;
		}
	}
}

static void status_text(struct up *u, struct sbuf *b, int json)
{
	char j1[300], j2[300], j3[400];
	int i, k, first;

	if (json) {
		json_str(j1, sizeof(j1), u->rundir);
		sb_printf(b, "{\"runtime_dir\":%s,\"pid\":%d,\"firmware\":[", j1, (int)getpid());
	} else {
		sb_printf(b, "asvirt: virtual AMP system, pid %d, runtime dir %s\n", (int)getpid(),
			  u->rundir);
	}
	for (i = 0; i < u->nfw; i++) {
		struct fwinst *f = &u->fw[i];
		struct asv_proc_status st;

		asv_proc_get_status(&f->proc, &st);
		if (json) {
			json_str(j1, sizeof(j1), f->name);
			json_str(j2, sizeof(j2), f->proc.img.path);
			json_str(j3, sizeof(j3), st.last_crash);
			sb_printf(b,
				  "%s{\"name\":%s,\"file\":%s,\"state\":\"%s\",\"pid\":%d,"
				  "\"crashes\":%u,\"restarts\":%u,\"uptime_ms\":%llu,"
				  "\"last_crash\":%s,\"tx_msgs\":%lu,\"rx_msgs\":%lu,"
				  "\"tx_lost\":%lu,\"rx_malformed\":%lu,\"channels\":[",
				  i ? "," : "", j1, j2, asv_proc_state_name(st.state), (int)st.pid,
				  st.crashes, st.restarts, (unsigned long long)st.uptime_ms, j3,
				  st.stats.tx_msgs, st.stats.rx_msgs, st.stats.tx_lost,
				  st.stats.rx_malformed);
		} else {
			sb_printf(b,
				  "%-16s %-8s pid %-7d crashes %u restarts %u up %llu ms  "
				  "tx %lu rx %lu\n",
				  f->name, asv_proc_state_name(st.state), (int)st.pid, st.crashes,
				  st.restarts, (unsigned long long)st.uptime_ms, st.stats.tx_msgs,
				  st.stats.rx_msgs);
			if (st.last_crash[0])
				sb_printf(b, "  last crash: %s\n", st.last_crash);
		}
		first = 1;
		for (k = 0; k < MAX_CHAN; k++) {
			struct chsock *s = &u->chans[k];

			if (!s->used || s->fw != i)
				continue;
			if (json) {
				json_str(j1, sizeof(j1), s->name);
				json_str(j2, sizeof(j2), s->path);
				sb_printf(b, "%s{\"name\":%s,\"addr\":%u,\"socket\":%s}",
					  first ? "" : ",", j1, s->dst, j2);
			} else {
				sb_printf(b, "  channel %-24s addr 0x%-5x %s\n", s->name, s->dst,
					  s->path);
			}
			first = 0;
		}
		if (json)
			sb_printf(b, "]}");
	}
	if (json)
		sb_printf(b, "]}\n");
}

static struct fwinst *find_fw(struct up *u, const char *name)
{
	int i;

	for (i = 0; i < u->nfw; i++)
		if (!strcmp(u->fw[i].name, name))
			return &u->fw[i];
	return NULL;
}

static void ctl_request(struct up *u)
{
	char req[256] = "", *arg;
	struct sbuf b = { NULL, 0, 0 };
	struct pollfd pfd;
	size_t got = 0;
	int fd;

	fd = accept4(u->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < sizeof(req) - 1 && !memchr(req, '\n', got)) {
		ssize_t n;

		if (poll(&pfd, 1, 1000) <= 0)
			break;
		n = read(fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req[got] = 0;
	req[strcspn(req, "\r\n")] = 0;
	b.cap = 4096;
	b.s = malloc(b.cap);
	if (!b.s) {
		close(fd);
		return;
	}
	b.s[0] = 0;
	arg = strchr(req, ' ');
	if (arg)
		*arg++ = 0;
	if (!strcmp(req, "status")) {
		status_text(u, &b, arg && !strcmp(arg, "json"));
	} else if (!strcmp(req, "log") || !strcmp(req, "log-last") || !strcmp(req, "crash")) {
		struct fwinst *f = arg ? find_fw(u, arg) : NULL;

		if (!f) {
			sb_printf(&b, "error: no firmware '%s'\n", arg ? arg : "");
		} else if (!strcmp(req, "crash")) {
			int err = asv_proc_kill(&f->proc, SIGKILL);

			sb_printf(&b, err ? "error: %s is not running\n" : "killed %s\n", f->name);
		} else {
			size_t len = 65536;
			char *t = malloc(len);

			if (t && asv_proc_trace(&f->proc, t, len, !strcmp(req, "log-last")) >= 0)
				sb_printf(&b, "%s", t);
			else
				sb_printf(&b, "error: %s: no trace\n", f->name);
			free(t);
		}
	} else if (!strcmp(req, "stop")) {
		u->stopping = 1;
		sb_printf(&b, "stopping\n");
	} else {
		sb_printf(&b, "error: unknown request '%s'\n", req);
	}
	write_all(fd, b.s, b.len);
	free(b.s);
	close(fd);
}

/* ---- the daemon ------------------------------------------------------------ */

static void drain_events(struct up *u)
{
	struct chev ev[MAX_EVENTS];
	uint64_t v;
	int n, i;

	if (read(u->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		perror("asvirt: wake");
	pthread_mutex_lock(&u->qmu);
	n = u->nq;
	memcpy(ev, u->q, sizeof(ev[0]) * (size_t)n);
	u->nq = 0;
	pthread_mutex_unlock(&u->qmu);
	for (i = 0; i < n; i++)
		chan_event(u, &ev[i]);
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
		ms = 0; /* send_pending() is this pass's wait */
	r = poll(pfd, (nfds_t)n, ms);
	for (i = 0; r > 0 && i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (map[i] == -1) {
			drain_events(u);
		} else if (map[i] == -2) {
			ctl_request(u);
		} else if (map[i] == -3) {
			struct signalfd_siginfo si;

			if (read(u->sig_fd, &si, sizeof(si)) > 0)
				u->stopping = 1;
		} else if (map[i] < MAX_CHAN) {
			if (u->chans[map[i]].used)
				accept_client(u, map[i]);
		} else if (u->clients[map[i] - MAX_CHAN].used) {
			client_input(u, &u->clients[map[i] - MAX_CHAN]);
		}
	}
	if (pending)
		send_pending(u);
}

static void default_rundir(char *out, size_t n)
{
	const char *e = getenv("ASVIRT_RUNTIME_DIR"), *x = getenv("XDG_RUNTIME_DIR");

	if (e && *e)
		snprintf(out, n, "%s", e);
	else if (x && *x)
		snprintf(out, n, "%s/asvirt", x);
	else
		snprintf(out, n, "/tmp/asvirt-%u", (unsigned int)getuid());
}

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
	sanitize(out, n, tmp);
}

static void up_usage(FILE *f)
{
	fprintf(f, "usage: asvirt up [options] FIRMWARE.so...\n\n"
		   "Starts a virtual AMP system: one process per firmware image, every rpmsg\n"
		   "channel a firmware announces exposed as a Unix SOCK_SEQPACKET socket\n"
		   "RUNDIR/FW/CHANNEL (one packet = one message). Crashed or hung firmware\n"
		   "is restarted. Stop with 'asvirt stop' or Ctrl-C.\n\n"
		   "  -d, --detach          run in the background once every firmware is up\n"
		   "      --json            progress as JSON lines\n"
		   "      --runtime-dir D   default $ASVIRT_RUNTIME_DIR, $XDG_RUNTIME_DIR/asvirt\n"
		   "                        or /tmp/asvirt-UID\n"
		   "      --doorbell K      futex (default) or eventfd\n"
		   "      --watchdog MS     a firmware silent this long is restarted (2000)\n"
		   "      --max-restarts N  per firmware, -1 = unlimited (default)\n"
		   "      --log-level L     error|warning|info|debug (default warning)\n");
}

static int run_daemon(struct up *u, char **fws, int nfws, struct asv_proc_config *pc, int ready_fd)
{
	char path[PATH_MAX + 16], why[512], human[PATH_MAX + 128], json[PATH_MAX + 128];
	sigset_t set;
	uint64_t deadline;
	int i, rc = 0, nchan;

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
	u->ctl_fd = listen_at(path, SOCK_STREAM);
	if (u->wake_fd < 0 || u->sig_fd < 0 || u->ctl_fd < 0) {
		snprintf(human, sizeof(human), "cannot listen at %s: %s", path, strerror(errno));
		emit_fw_event(u, "asvirt", "error", human);
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
	json_str(json, sizeof(json), u->rundir);
	snprintf(human, sizeof(human), "runtime dir %s", u->rundir);
	{
		char j[PATH_MAX + 64];

		fmt(j, sizeof(j), "{\"event\":\"rundir\",\"path\":%s}", json);
		emit(u, human, j);
	}
	for (i = 0; i < nfws; i++) {
		struct fwinst *f = &u->fw[i];
		char jf[96], jp[PATH_MAX + 8];
		int k, dup = 0;

		f->up = u;
		fw_name(f->name, sizeof(f->name), fws[i]);
		for (k = 0; k < i; k++)
			if (!strcmp(u->fw[k].name, f->name))
				dup++;
		if (dup) {
			size_t l = strlen(f->name);

			snprintf(f->name + (l < 26 ? l : 26), sizeof(f->name) - (l < 26 ? l : 26),
				 "-%d", dup + 1);
		}
		pc->name = f->name;
		pc->on_channel = on_channel;
		pc->on_channel_priv = f;
		pc->on_event = on_event;
		pc->event_priv = f;
		if (asv_proc_init(&f->proc, pc, fws[i], why, sizeof(why))) {
			emit_fw_event(u, f->name, "error", why);
			rc = 1;
			break;
		}
		f->inited = 1;
		u->nfw = i + 1;
		snprintf(path, sizeof(path), "%s/%s", u->rundir, f->name);
		mkdir(path, 0700);
		json_str(jf, sizeof(jf), f->name);
		json_str(jp, sizeof(jp), f->proc.img.path);
		snprintf(human, sizeof(human), "%s: loaded %s (ELF%d, resource table %zu bytes)",
			 f->name, f->proc.img.path, f->proc.img.elf_class == 2 ? 64 : 32,
			 f->proc.img.table_size);
		fmt(json, sizeof(json),
		    "{\"event\":\"loaded\",\"fw\":%s,\"file\":%s,\"table_size\":%zu}", jf, jp,
		    f->proc.img.table_size);
		emit(u, human, json);
		if (asv_proc_start(&f->proc, why, sizeof(why))) {
			emit_fw_event(u, f->name, "error", why);
			rc = 1;
			break;
		}
	}
	/* Ready once every firmware announced a channel (or after 5 s). */
	deadline = asv_posix_now_ms() + 5000;
	while (!rc && !u->stopping) {
		int waiting = 0;

		poll_once(u, 20);
		for (i = 0; i < u->nfw; i++) {
			int k, has = 0;

			for (k = 0; k < MAX_CHAN; k++)
				has |= u->chans[k].used && u->chans[k].fw == i;
			waiting += !has;
		}
		if (!waiting || asv_posix_now_ms() >= deadline)
			break;
	}
	if (!rc) {
		for (nchan = 0, i = 0; i < MAX_CHAN; i++)
			nchan += u->chans[i].used;
		snprintf(human, sizeof(human),
			 "ready: %d firmware, %d channel%s; 'asvirt stop' to "
			 "stop",
			 u->nfw, nchan, nchan == 1 ? "" : "s");
		snprintf(json, sizeof(json),
			 "{\"event\":\"ready\",\"firmware\":%d,\"channels\":%d,\"pid\":%d}", u->nfw,
			 nchan, (int)getpid());
		emit(u, human, json);
	}
	if (ready_fd >= 0 && !rc) {
		/* Detached: the waiting parent exits; progress goes to the log. */
		pthread_mutex_lock(&u->out_mu);
		close(ready_fd);
		u->out_fd = u->log_fd;
		pthread_mutex_unlock(&u->out_mu);
	}
	while (!rc && !u->stopping)
		poll_once(u, 200);

	for (i = 0; i < u->nfw; i++)
		if (u->fw[i].inited)
			asv_proc_stop(&u->fw[i].proc);
	drain_events(u);
	for (i = 0; i < MAX_CHAN; i++)
		if (u->chans[i].used)
			chan_close(u, i);
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
	emit(u, "stopped", "{\"event\":\"stopped\"}");
	/* Failed while detaching: the parent exits once nothing is left (no
	 * control socket a `status` right after could still connect to). */
	if (ready_fd >= 0 && rc)
		close(ready_fd);
	pthread_mutex_destroy(&u->qmu);
	pthread_mutex_destroy(&u->out_mu);
	return rc;
}

static int ctl_call(const char *rundir, const char *req, FILE *out, int quiet);

int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "doorbell", required_argument, NULL, 'b' },
		{ "watchdog", required_argument, NULL, 'w' },
		{ "max-restarts", required_argument, NULL, 'm' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct up u;
	struct asv_proc_config pc = { .max_restarts = -1, .log_level = ASV_LOG_WARN };
	static char runner[PATH_MAX];
	int c, detach = 0, pfd[2], rc;
	const char *lvl = "warning";

	memset(&u, 0, sizeof(u));
	u.out_fd = 1;
	u.log_fd = -1;
	default_rundir(u.rundir, sizeof(u.rundir));
	optind = 1;
	while ((c = getopt_long(argc, argv, "dh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			detach = 1;
			break;
		case 'j':
			u.json = 1;
			break;
		case 'r':
			snprintf(u.rundir, sizeof(u.rundir), "%s", optarg);
			break;
		case 'b':
			if (!strcmp(optarg, "futex")) {
				pc.doorbell = ASV_DOORBELL_FUTEX;
			} else if (!strcmp(optarg, "eventfd")) {
				pc.doorbell = ASV_DOORBELL_EVENTFD;
			} else {
				fprintf(stderr, "asvirt up: --doorbell is futex or eventfd\n");
				return 2;
			}
			break;
		case 'w':
			pc.watchdog_ms = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'm':
			pc.max_restarts = atoi(optarg);
			break;
		case 'l':
			pc.log_level = asv_log_level_parse(optarg);
			pc.errors_only = pc.log_level == ASV_LOG_ERR;
			if (pc.log_level < 0) {
				fprintf(stderr, "asvirt up: unknown log level '%s'\n", optarg);
				return 2;
			}
			lvl = optarg;
			break;
		case 'h':
			up_usage(stdout);
			return 0;
		default:
			up_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > MAX_FW) {
		fprintf(stderr, "asvirt up: give 1..%d firmware files\n", MAX_FW);
		up_usage(stderr);
		return 2;
	}
	if (cli_find_runner(runner, sizeof(runner))) {
		fprintf(stderr, "asvirt up: cannot find asvirt-fw-runner (set ASVIRT_RUNNER)\n");
		return 1;
	}
	pc.runner = runner;
	pc.runner_log_level = lvl;
	if (mkdir(u.rundir, 0700) && errno != EEXIST) {
		fprintf(stderr, "asvirt up: cannot create %s: %s\n", u.rundir, strerror(errno));
		return 1;
	}
	if (ctl_call(u.rundir, "status", NULL, 1) == 0) {
		fprintf(stderr, "asvirt up: a system is already running in %s ('asvirt stop')\n",
			u.rundir);
		return 1;
	}
	if (!detach)
		return run_daemon(&u, argv + optind, argc - optind, &pc, -1);

	if (pipe2(pfd, O_CLOEXEC))
		return 1;
	fflush(stdout);
	if (fork() == 0) {
		char path[PATH_MAX + 16];
		int fd, nul;

		close(pfd[0]);
		setsid();
		snprintf(path, sizeof(path), "%s/asvirt.log", u.rundir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		nul = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
		u.out_fd = pfd[1];
		u.log_fd = 1;
		_exit(run_daemon(&u, argv + optind, argc - optind, &pc, pfd[1]));
	}
	close(pfd[1]);
	{
		char buf[4096];
		ssize_t n;
		int ready = 0;

		while ((n = read(pfd[0], buf, sizeof(buf))) > 0) {
			fwrite(buf, 1, (size_t)n, stdout);
			if (memmem(buf, (size_t)n, "ready", 5))
				ready = 1;
		}
		fflush(stdout);
		close(pfd[0]);
		rc = ready ? 0 : 1;
	}
	return rc;
}

/* ---- the client commands ------------------------------------------------- */

/* Send @req to the daemon; copy the answer to @out. 0, or 3 = no daemon. */
static int ctl_call(const char *rundir, const char *req, FILE *out, int quiet)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	struct pollfd pfd;
	int fd, err = 0;
	ssize_t n;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", rundir, CTL_NAME) >=
	    sizeof(sa.sun_path))
		return 3;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 3;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (!quiet)
			fprintf(stderr, "asvirt: no virtual AMP system running in %s\n", rundir);
		close(fd);
		return 3;
	}
	write_all(fd, req, strlen(req));
	write_all(fd, "\n", 1);
	shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, 10000) <= 0) {
			fprintf(stderr, "asvirt: no answer from the system in %s\n", rundir);
			err = 1;
			break;
		}
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (out)
			fwrite(buf, 1, (size_t)n, out);
		if (!strncmp(buf, "error:", 6))
			err = 1;
	}
	close(fd);
	return err;
}

static int client_opts(int argc, char **argv, char *rundir, size_t n, int *json, int *follow,
		       int *last, const char *usage)
{
	static const struct option opts[] = {
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "last", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	default_rundir(rundir, n);
	optind = 1;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'r')
			snprintf(rundir, n, "%s", optarg);
		else if (c == 'j' && json)
			*json = 1;
		else if (c == 'f' && follow)
			*follow = 1;
		else if (c == 'L' && last)
			*last = 1;
		else {
			fprintf(c == 'h' ? stdout : stderr, "%s", usage);
			return c == 'h' ? 0 : 2;
		}
	}
	return -1;
}

int cmd_status(int argc, char **argv)
{
	char rundir[PATH_MAX];
	int json = 0, r;

	r = client_opts(argc, argv, rundir, sizeof(rundir), &json, NULL, NULL,
			"usage: asvirt status [--json] [--runtime-dir D]\n");
	if (r >= 0)
		return r;
	r = ctl_call(rundir, json ? "status json" : "status", stdout, 0);
	if (r == 3 && json)
		printf("{\"running\":false}\n");
	return r;
}

int cmd_log(int argc, char **argv)
{
	char rundir[PATH_MAX], req[128];
	int follow = 0, last = 0, r;

	r = client_opts(argc, argv, rundir, sizeof(rundir), NULL, &follow, &last,
			"usage: asvirt log [-f|--follow] [--last] [--runtime-dir D] NAME\n"
			"  the firmware's trace buffer (trace0); --last: the copy kept at its\n"
			"  last crash or stop; -f: keep printing new lines\n");
	if (r >= 0)
		return r;
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: asvirt log [-f] [--last] NAME\n");
		return 2;
	}
	snprintf(req, sizeof(req), "%s %s", last ? "log-last" : "log", argv[optind]);
	if (!follow)
		return ctl_call(rundir, req, stdout, 0);
	{
		char *prev = NULL;
		size_t plen = 0;

		for (;;) {
			char *cur = NULL;
			size_t clen = 0;
			FILE *m = open_memstream(&cur, &clen);

			if (!m)
				return 1;
			r = ctl_call(rundir, req, m, 0);
			fclose(m);
			if (r) {
				free(cur);
				free(prev);
				return r == 3 ? 0 : r;
			}
			if (prev && clen >= plen && !memcmp(cur, prev, plen))
				fwrite(cur + plen, 1, clen - plen, stdout);
			else if (!prev || clen != plen || memcmp(cur, prev, clen))
				fwrite(cur, 1, clen, stdout);
			fflush(stdout);
			free(prev);
			prev = cur;
			plen = clen;
			usleep(200000);
		}
	}
}

int cmd_stop(int argc, char **argv)
{
	char rundir[PATH_MAX], path[PATH_MAX + 16];
	int r, i;

	r = client_opts(argc, argv, rundir, sizeof(rundir), NULL, NULL, NULL,
			"usage: asvirt stop [--runtime-dir D]\n");
	if (r >= 0)
		return r;
	r = ctl_call(rundir, "stop", NULL, 0);
	if (r)
		return r;
	/* Wait for it to be gone: its control socket disappears last. */
	snprintf(path, sizeof(path), "%s/%s", rundir, CTL_NAME);
	for (i = 0; i < 200 && access(path, F_OK) == 0; i++)
		usleep(50000);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "asvirt stop: still running after 10 s\n");
		return 1;
	}
	printf("asvirt: stopped\n");
	return 0;
}

int cmd_crash(int argc, char **argv)
{
	char rundir[PATH_MAX], req[128];
	int r;

	r = client_opts(argc, argv, rundir, sizeof(rundir), NULL, NULL, NULL,
			"usage: asvirt crash [--runtime-dir D] NAME\n"
			"  kill the firmware's process (like remoteproc's debugfs crash)\n");
	if (r >= 0)
		return r;
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: asvirt crash NAME\n");
		return 2;
	}
	snprintf(req, sizeof(req), "crash %s", argv[optind]);
	return ctl_call(rundir, req, stdout, 0);
}
