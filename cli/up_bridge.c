// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt up's bridge: every channel a firmware announces becomes a Unix
 * SOCK_SEQPACKET socket RUNDIR/FW/CHANNEL (one packet = one message, like
 * /dev/rpmsgN), every connection to it an endpoint of its own. Messages a
 * client writes wait on it, in order, until the link takes them. Everything
 * here runs on the daemon's poll loop, except up_on_channel() and
 * client_rx() (the firmware's proc threads).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "up.h"

/* A client's message waits this long for a tx buffer before it fails. */
#define SEND_TIMEOUT_MS 2000u
/*
 * The poll loop waits for tx buffers this long at a time (and across all
 * waiting clients per pass), with the firmware's lock held only for that
 * wait: the watchdog, recovery and `asvirt status` never queue behind a
 * send for longer, whatever the firmware does.
 */
#define SEND_SLICE_MS 10u

/* snprintf for a socket's path: one longer than sun_path is cut. */
static void path_fmt(char *out, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));

static void path_fmt(char *out, size_t n, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	if (vsnprintf(out, n, f, ap) < 0)
		out[0] = 0;
	va_end(ap);
}

void up_on_channel(struct asv_host *h, struct asv_channel *ch, bool created, void *priv)
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
	up_wake(u);
}

/* Host ISR thread: @c's socket is full: queue a copy for the loop. */
static void client_queue(struct client *c, const void *data, size_t len)
{
	struct up *u = c->up;
	struct outmsg *m = NULL;
	int wake = 0;

	pthread_mutex_lock(&c->oq_mu);
	if (__atomic_load_n(&c->oq_n, __ATOMIC_RELAXED) < OUTQ_MAX)
		m = malloc(sizeof(*m) + len);
	if (m) {
		m->next = NULL;
		m->len = len;
		memcpy(m->data, data, len);
		if (c->oq_tail)
			c->oq_tail->next = m;
		else
			c->oq_head = m;
		c->oq_tail = m;
		__atomic_add_fetch(&c->oq_n, 1, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&c->dropped, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&c->backlog, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->oq_mu);
	pthread_mutex_lock(&u->qmu);
	if (!c->oq_listed) {
		c->oq_listed = 1;
		u->olist[u->nolist++] = (int)(c - u->clients);
		wake = 1;
	}
	pthread_mutex_unlock(&u->qmu);
	if (wake)
		up_wake(u);
}

/*
 * Host ISR thread: a message from the MCU to a connected client, straight
 * into its socket; when that is full (a client that sends a burst before
 * it reads), into the client's queue, which the loop empties in order.
 */
static int client_rx(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct client *c = priv;

	(void)ept;
	(void)src;
	if (!__atomic_load_n(&c->backlog, __ATOMIC_ACQUIRE)) {
		if (send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EAGAIN && errno != ENOBUFS)
			return 0; /* the client is gone: the loop sees its end */
	}
	client_queue(c, data, len);
	return 0;
}

/* Watch @c for what it waits for: messages (unless one is pending), room. */
static void client_events(struct up *u, struct client *c)
{
	uint32_t ev = (c->pending || c->throttled ? 0 : EPOLLIN) | (c->want_out ? EPOLLOUT : 0);

	if (up_watch(u, c->fd, ev, EV_TAG(EV_CLIENT, c - u->clients), EPOLL_CTL_MOD))
		perror("asvirt: epoll");
}

/* Log the answers dropped for @c since the last report. */
static void client_report_drops(struct up *u, struct client *c)
{
	unsigned long d = __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);
	char why[160];

	if (d == c->reported)
		return;
	snprintf(why, sizeof(why), "%lu answers on %s dropped: the client did not read (%u queued)",
		 d - c->reported, u->chans[c->ch].name, OUTQ_MAX);
	up_emit_fw_event(u, u->fw[c->fw].name, "warning", why);
	c->reported = d;
}

void up_client_output(struct up *u, struct client *c)
{
	for (;;) {
		struct outmsg *m;

		pthread_mutex_lock(&c->oq_mu);
		m = c->oq_head;
		if (!m)
			__atomic_store_n(&c->backlog, 0, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&c->oq_mu);
		if (!m)
			break;
		/* only this thread removes: m stays while we send it */
		if (send(c->fd, m->data, m->len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
		    (errno == EAGAIN || errno == ENOBUFS))
			return; /* still full: EPOLLOUT again */
		pthread_mutex_lock(&c->oq_mu);
		c->oq_head = m->next;
		if (!c->oq_head)
			c->oq_tail = NULL;
		__atomic_sub_fetch(&c->oq_n, 1, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&c->oq_mu);
		free(m);
	}
	c->want_out = 0;
	c->throttled = 0;
	client_events(u, c);
	client_report_drops(u, c);
}

/* The loop: clients whose answers started to queue now wait for room. */
static void drain_olist(struct up *u)
{
	int k, n;

	/* taken out under the lock, served without it */
	pthread_mutex_lock(&u->qmu);
	n = u->nolist;
	for (k = 0; k < n; k++) {
		u->oscratch[k] = u->olist[k];
		u->clients[u->olist[k]].oq_listed = 0;
	}
	u->nolist = 0;
	pthread_mutex_unlock(&u->qmu);
	for (k = 0; k < n; k++) {
		struct client *c = &u->clients[u->oscratch[k]];

		/* (a slot closed and reused since: the new client's queue is empty) */
		if (c->used && !c->want_out && __atomic_load_n(&c->backlog, __ATOMIC_ACQUIRE)) {
			c->want_out = 1;
			client_events(u, c);
		}
	}
}

int up_listen(const char *path, int type)
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
	/* the kernel's own cap (net.core.somaxconn): a burst of connects
	 * waits in the queue instead of failing with EAGAIN */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, SOMAXCONN)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

void up_sanitize(char *out, size_t n, const char *in)
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
		up_emit_fw_event(u, f->name, "warning", why);
		c->pending = 0; /* up_send_pending() drops it from the list */
	}
	asv_proc_lock(&f->proc);
	/* After a restart the host freed every endpoint: never touch it. */
	if (c->ept && c->gen == f->gen)
		asv_host_destroy_ept(c->ept);
	asv_proc_unlock(&f->proc);
	c->ept = NULL;
	/* no more callbacks: what is still queued goes with the connection */
	while (c->oq_head) {
		struct outmsg *m = c->oq_head;

		c->oq_head = m->next;
		free(m);
	}
	c->oq_tail = NULL;
	c->oq_n = 0;
	__atomic_store_n(&c->backlog, 0, __ATOMIC_RELAXED);
	client_report_drops(u, c);
	close(c->fd); /* also leaves the epoll set */
	c->used = 0;
	u->nclients--;
}

void up_chan_close(struct up *u, int i)
{
	struct chsock *s = &u->chans[i];
	int k;

	for (k = 0; k < u->max_clients; k++)
		if (u->clients[k].used && u->clients[k].ch == i)
			client_close(u, &u->clients[k]);
	close(s->lfd);
	unlink(s->path);
	s->used = 0;
}

/* {"event":EV,"fw":FW,"name":NAME,"addr":ADDR}: a channel event's JSON. */
static struct json_object *chan_json(const char *ev, const char *fw, const char *name,
				     uint32_t addr)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(ev));
	json_object_object_add(o, "fw", json_object_new_string(fw));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "addr", json_object_new_uint64(addr));
	return o;
}

static void chan_event(struct up *u, const struct chev *e)
{
	struct fwinst *f = &u->fw[e->fw];
	char base[ASV_RPMSG_NAME_SIZE], human[512];
	struct json_object *ev;
	struct chsock *s = NULL;
	int i, slot = -1;

	for (i = 0; i < MAX_CHAN; i++) {
		struct chsock *c = &u->chans[i];

		if (c->used && c->fw == e->fw && c->dst == e->dst && !strcmp(c->name, e->name))
			s = c;
		if (!c->used && slot < 0)
			slot = i;
	}
	if (!e->created) {
		if (!s)
			return;
		snprintf(human, sizeof(human), "%s: channel %s (addr 0x%x) removed", f->name,
			 e->name, e->dst);
		up_chan_close(u, (int)(s - u->chans));
		up_emit(u, human, chan_json("channel-removed", f->name, e->name, e->dst));
		return;
	}
	if (s) /* announced again before we saw the removal: start fresh */
		up_chan_close(u, (int)(s - u->chans));
	if (slot < 0 && !s) {
		up_emit_fw_event(u, f->name, "error", "too many channels");
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
	up_sanitize(base, sizeof(base), e->name);
	path_fmt(s->path, sizeof(s->path), "%s/%s/%s", u->rundir, f->name, base);
	for (i = 0; i < MAX_CHAN; i++) {
		if (&u->chans[i] != s && u->chans[i].used && !strcmp(u->chans[i].path, s->path)) {
			path_fmt(s->path, sizeof(s->path), "%s/%s/%s@0x%x", u->rundir, f->name,
				 base, e->dst);
			break;
		}
	}
	s->lfd = up_listen(s->path, SOCK_SEQPACKET);
	if (s->lfd >= 0 &&
	    up_watch(u, s->lfd, EPOLLIN, EV_TAG(EV_LISTEN, s - u->chans), EPOLL_CTL_ADD)) {
		close(s->lfd);
		s->lfd = -1;
	}
	if (s->lfd < 0) {
		snprintf(human, sizeof(human), "cannot listen at %s: %s", s->path, strerror(errno));
		up_emit_fw_event(u, f->name, "error", human);
		return;
	}
	s->used = 1;
	snprintf(human, sizeof(human), "%s: channel %s (addr 0x%x) at %s", f->name, e->name, e->dst,
		 s->path);
	ev = chan_json("channel", f->name, e->name, e->dst);
	json_object_object_add(ev, "socket", json_object_new_string(s->path));
	up_emit(u, human, ev);
}

void up_drain_events(struct up *u)
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
	drain_olist(u);
}

/*
 * A connection the daemon cannot serve: the client gets one packet saying
 * why, then the end of the connection, and the log says it too.
 */
static void client_refuse(struct up *u, struct chsock *s, int fd, const char *why)
{
	char pkt[256], line[320];
	int n = snprintf(pkt, sizeof(pkt), "asvirt: error: %s", why);

	if (send(fd, pkt, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		n = -1;
	close(fd);
	snprintf(line, sizeof(line), "channel %s: connection refused: %s%s", s->name, why,
		 n < 0 ? " (the client was gone)" : "");
	up_emit_fw_event(u, u->fw[s->fw].name, "warning", line);
}

static void client_open(struct up *u, int ci, int fd)
{
	struct chsock *s = &u->chans[ci];
	struct fwinst *f = &u->fw[s->fw];
	struct client *c = NULL;
	int k, listed, err = -ASV_ENODEV;
	char why[160];

	for (k = 0; k < u->max_clients && u->nclients < u->max_clients; k++)
		if (!u->clients[k].used) {
			c = &u->clients[k];
			break;
		}
	if (!c) {
		snprintf(why, sizeof(why),
			 "too many connections (%d in all, asvirt up --max-clients)",
			 u->max_clients);
		client_refuse(u, s, fd, why);
		return;
	}
	listed = c->listed; /* a closed client's entry may still be in plist */
	memset(c, 0, CLIENT_RESET_SIZE);
	c->listed = listed;
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
		snprintf(why, sizeof(why), "no endpoint for a client: %s", asv_strerror(err));
		client_refuse(u, s, fd, why);
		return;
	}
	if (up_watch(u, fd, EPOLLIN, EV_TAG(EV_CLIENT, c - u->clients), EPOLL_CTL_ADD)) {
		snprintf(why, sizeof(why), "cannot watch the connection: %s", strerror(errno));
		asv_proc_lock(&f->proc);
		if (c->gen == f->gen)
			asv_host_destroy_ept(c->ept);
		asv_proc_unlock(&f->proc);
		c->ept = NULL;
		client_refuse(u, s, fd, why);
		return;
	}
	c->ept->dst = s->dst;
	c->used = 1;
	u->nclients++;
}

void up_accept_client(struct up *u, int ci)
{
	int i;

	/* a burst at once, but a bounded one: the rest on the next pass */
	for (i = 0; i < 64; i++) {
		int fd = accept4(u->chans[ci].lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				char why[160];

				snprintf(why, sizeof(why),
					 "channel %s: cannot accept a connection: %s",
					 u->chans[ci].name, strerror(errno));
				up_emit_fw_event(u, u->fw[u->chans[ci].fw].name, "error", why);
			}
			return;
		}
		client_open(u, ci, fd);
	}
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
		up_emit_fw_event(u, f->name, "warning", why);
	}
	return 0;
}

void up_client_input(struct up *u, struct client *c)
{
	struct fwinst *f = &u->fw[c->fw];
	int i;

	/* a few messages a pass: one busy client does not starve the rest */
	for (i = 0; i < 16; i++) {
		ssize_t n;

		if (__atomic_load_n(&c->oq_n, __ATOMIC_RELAXED) >= OUTQ_MAX / 2) {
			c->throttled = 1; /* read again once it read its answers */
			client_events(u, c);
			return;
		}
		n = recv(c->fd, c->pend, sizeof(c->pend), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) { /* EOF (a 0-byte packet is also a close for SEQPACKET peers) */
			client_close(u, c);
			return;
		}
		if ((size_t)n > ASV_RPMSG_MAX_PAYLOAD) {
			char why[128];

			snprintf(why, sizeof(why),
				 "%zd-byte message dropped: rpmsg carries at most %u", n,
				 ASV_RPMSG_MAX_PAYLOAD);
			up_emit_fw_event(u, f->name, "warning", why);
			continue;
		}
		c->pend_len = (size_t)n;
		c->pend_deadline = asv_posix_now_ms() + SEND_TIMEOUT_MS;
		c->pending = 1;
		if (client_send(u, c, 0)) {
			client_events(u, c);
			if (!c->listed) {
				c->listed = 1;
				u->plist[u->nplist++] = (int)(c - u->clients);
			}
			return;
		}
	}
}

void up_send_pending(struct up *u)
{
	uint64_t end = asv_posix_now_ms() + SEND_SLICE_MS;
	int k, j = 0;

	for (k = 0; k < u->nplist; k++) {
		struct client *c = &u->clients[u->plist[k]];
		uint64_t now = asv_posix_now_ms();

		if (c->used && c->pending &&
		    client_send(u, c, now < end ? (uint32_t)(end - now) : 0)) {
			u->plist[j++] = u->plist[k]; /* still waits: keeps its place */
			continue;
		}
		c->listed = 0;
		if (c->used)
			client_events(u, c);
	}
	u->nplist = j;
}
