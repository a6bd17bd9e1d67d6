// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The socket path people script against: a client's round trip through an
 * `asvirt up` channel socket to the echo firmware and back, next to its
 * floor measured in the same run, in windows alternating with it: the same
 * two SOCK_SEQPACKET hops through a relay process that does nothing else (client -> relay -> echo
 * process
 * -> relay -> client). Then the same daemon at scale: 16 echo firmware x 64
 * connections each, every connection with one message in flight, every
 * answer checked, and the cost per round trip (wall time / round trips).
 *
 * `asvirt up` runs as a child (this executable, /proc/self/exe) in a
 * runtime directory of its own; its CPU time per round trip comes from
 * /proc/PID/stat, as does the relay's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/posix.h"
#include "bench.h"

#define MSG_MAX 496

/* CPU time (user + system) of process @pid so far, in ns; 0 if unknown. */
static double proc_cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')'); /* the name may hold spaces */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) * 1e9 / (double)sysconf(_SC_CLK_TCK);
}

/* Fill @m with a pattern unique to (@conn, @seq), @len bytes. */
static void msg_fill(uint8_t *m, size_t len, unsigned int conn, unsigned long seq)
{
	size_t i;

	for (i = 0; i < len; i++)
		m[i] = (uint8_t)(conn * 131u + seq * 7u + i);
	if (len >= 12) {
		memcpy(m, &conn, 4);
		memcpy(m + 4, &seq, 8);
	}
}

/* @n ping-pongs on the connected SEQPACKET socket @fd, each answer checked. */
static int ping_pong(int fd, size_t len, unsigned long n, unsigned long warmup, uint64_t *samples)
{
	uint8_t m[MSG_MAX], r[MSG_MAX + 1];
	unsigned long i;

	for (i = 0; i < n + warmup; i++) {
		uint64_t t0;
		ssize_t got;

		msg_fill(m, len, 0, i);
		t0 = asv_posix_now_ns();
		if (send(fd, m, len, MSG_NOSIGNAL) != (ssize_t)len)
			return -ASV_EIO;
		got = recv(fd, r, sizeof(r), 0);
		if (got != (ssize_t)len || memcmp(m, r, len))
			return -ASV_EBADMSG;
		if (i >= warmup)
			samples[i - warmup] = asv_posix_now_ns() - t0;
	}
	return 0;
}

/* ---- the floor: client -> relay -> echo -> relay -> client ---- */

static void relay_loop(int a, int b)
{
	struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
	uint8_t m[MSG_MAX + 1];

	for (;;) {
		int k;

		if (poll(p, 2, -1) < 0)
			continue;
		for (k = 0; k < 2; k++) {
			ssize_t n;

			if (!p[k].revents)
				continue;
			n = recv(p[k].fd, m, sizeof(m), MSG_DONTWAIT);
			if (n <= 0 && !(n < 0 && errno == EAGAIN))
				_exit(0);
			if (n > 0)
				send(p[!k].fd, m, (size_t)n, MSG_NOSIGNAL);
		}
	}
}

static void echo_loop(int fd)
{
	uint8_t m[MSG_MAX + 1];
	ssize_t n;

	while ((n = recv(fd, m, sizeof(m), 0)) > 0)
		send(fd, m, (size_t)n, MSG_NOSIGNAL);
	_exit(0);
}

struct relay {
	int fd; /* the client's end */
	pid_t relay, echo;
};

static int relay_start(struct relay *r)
{
	int cr[2], re[2];

	r->fd = -1;
	r->relay = r->echo = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cr))
		return -ASV_EIO;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, re)) {
		close(cr[0]), close(cr[1]);
		return -ASV_EIO;
	}
	r->echo = fork();
	if (r->echo == 0) {
		close(cr[0]), close(cr[1]), close(re[0]);
		echo_loop(re[1]);
	}
	r->relay = fork();
	if (r->relay == 0) {
		close(cr[0]), close(re[1]);
		relay_loop(cr[1], re[0]);
	}
	close(cr[1]), close(re[0]), close(re[1]);
	r->fd = cr[0];
	return r->echo > 0 && r->relay > 0 ? 0 : -ASV_EIO;
}

static void relay_stop(struct relay *r)
{
	close(r->fd); /* the relay sees EOF, closes its end: the echo sees EOF */
	if (r->relay > 0)
		waitpid(r->relay, NULL, 0);
	if (r->echo > 0)
		waitpid(r->echo, NULL, 0);
}

/* ---- asvirt up as a child ---- */

struct upchild {
	char dir[64];
	pid_t pid;
};

/* Start `asvirt up` with @nfw copies of the echo firmware; wait for ready. */
static int up_start(struct upchild *u, const struct bench_paths *paths, unsigned int nfw)
{
	char exe[4096], fw[4200], log[128], buf[8192];
	char *argv[8 + 64];
	uint64_t end;
	unsigned int i;
	ssize_t n;
	int a = 0;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || nfw > 64)
		return -ASV_EINVAL;
	exe[n] = 0;
	snprintf(u->dir, sizeof(u->dir), "/tmp/asvirt-sockbench.XXXXXX");
	if (!mkdtemp(u->dir))
		return -ASV_EIO;
	snprintf(fw, sizeof(fw), "%s/asvirt-echo.so", paths->firmware_dir);
	snprintf(log, sizeof(log), "%s.log", u->dir);
	argv[a++] = exe;
	argv[a++] = "up";
	argv[a++] = "--runtime-dir";
	argv[a++] = u->dir;
	for (i = 0; i < nfw; i++)
		argv[a++] = fw;
	argv[a] = NULL;
	u->pid = fork();
	if (u->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("ASVIRT_RUNNER", paths->runner, 1);
		execv(exe, argv);
		_exit(127);
	}
	if (u->pid < 0)
		return -ASV_EIO;
	end = asv_posix_now_ms() + 30000;
	while (asv_posix_now_ms() < end) {
		int fd = open(log, O_RDONLY);

		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		if (strstr(buf, "asvirt: ready:"))
			return 0;
		if (waitpid(u->pid, NULL, WNOHANG) == u->pid) {
			u->pid = -1;
			break;
		}
		usleep(10000);
	}
	fprintf(stderr, "asvirt bench: asvirt up did not get ready:\n%s\n", buf);
	return -ASV_ETIMEDOUT;
}

/* Stop the daemon: 0, or -ASV_EIO when it failed or its log holds a
 * sanitizer's report (then printed: the log goes with the directory). */
static int up_stop(struct upchild *u)
{
	char path[128], buf[4096];
	int st = 0, err = 0;
	FILE *f;

	if (!u->dir[0])
		return 0; /* never started */
	if (u->pid > 0) {
		kill(u->pid, SIGTERM);
		waitpid(u->pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			err = -ASV_EIO;
	}
	snprintf(path, sizeof(path), "%s.log", u->dir);
	f = fopen(path, "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (strstr(buf, "Sanitizer"))
			err = -ASV_EIO;
	if (f && err) {
		fprintf(stderr, "asvirt bench: asvirt up failed; its log:\n");
		rewind(f);
		while (fgets(buf, sizeof(buf), f))
			fputs(buf, stderr);
	}
	if (f)
		fclose(f);
	unlink(path);
	rmdir(u->dir); /* the daemon removed what it made in it */
	return err;
}

/* A blocking connection to firmware @k's echo channel (echo, echo-2, ...). */
static int up_connect(const struct upchild *u, unsigned int k)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (k)
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/echo-%u/rpmsg-echo", u->dir, k + 1);
	else
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/echo/rpmsg-echo", u->dir);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * One client: the floor and the figure in alternating windows (floor,
 * figure, floor, ...), both set up once, so that each figure has a floor
 * measured in the same phase of the machine; the ratio is each window's
 * p50 over its floor's, and its median and spread over the windows.
 */
static int single_rtt(const struct bench_paths *paths, size_t len, const struct bench_effort *e,
		      struct sock_bench *out)
{
	unsigned long per = e->rtt_count / SOCK_WINDOWS + 1, w;
	uint64_t *fs = calloc(per * SOCK_WINDOWS, sizeof(*fs));
	uint64_t *us = calloc(per * SOCK_WINDOWS, sizeof(*us));
	uint64_t *tmp = calloc(per, sizeof(*tmp));
	double ratio[SOCK_WINDOWS], fcpu = 0, ucpu = 0;
	struct relay r = { .fd = -1, .relay = -1, .echo = -1 };
	struct upchild u = { .pid = -1 };
	int fd = -1, err;

	err = fs && us && tmp ? relay_start(&r) : -ASV_ENOMEM;
	if (!err)
		err = up_start(&u, paths, 1);
	if (!err && (fd = up_connect(&u, 0)) < 0)
		err = -ASV_EIO;
	for (w = 0; !err && w < SOCK_WINDOWS; w++) {
		struct lat lf, lu;
		double c0 = proc_cpu_ns(r.relay);

		err = ping_pong(r.fd, len, per, per / 10 + 1, fs + w * per);
		fcpu += proc_cpu_ns(r.relay) - c0;
		c0 = proc_cpu_ns(u.pid);
		if (!err)
			err = ping_pong(fd, len, per, per / 10 + 1, us + w * per);
		ucpu += proc_cpu_ns(u.pid) - c0;
		memcpy(tmp, fs + w * per, per * sizeof(*tmp));
		lat_from_samples(tmp, per, &lf);
		memcpy(tmp, us + w * per, per * sizeof(*tmp));
		lat_from_samples(tmp, per, &lu);
		ratio[w] = lu.p50 / lf.p50;
	}
	if (fd >= 0)
		close(fd);
	if (r.fd >= 0)
		relay_stop(&r);
	if (up_stop(&u) && !err)
		err = -ASV_EIO;
	if (!err) {
		lat_from_samples(fs, per * SOCK_WINDOWS, &out->floor);
		lat_from_samples(us, per * SOCK_WINDOWS, &out->up);
		/* CPU over every round trip of the windows, warm-ups included */
		out->floor_cpu_ns = fcpu / (double)((per + per / 10 + 1) * SOCK_WINDOWS);
		out->up_cpu_ns = ucpu / (double)((per + per / 10 + 1) * SOCK_WINDOWS);
		qsort(ratio, SOCK_WINDOWS, sizeof(ratio[0]), cmp_double);
		out->ratio = ratio[SOCK_WINDOWS / 2];
		out->ratio_lo = ratio[0];
		out->ratio_hi = ratio[SOCK_WINDOWS - 1];
	}
	free(fs);
	free(us);
	free(tmp);
	return err;
}

/* ---- at scale: every connection one message in flight, in one epoll ---- */

struct sconn {
	int fd;
	unsigned long seq;
	uint64_t t0;
};

static int scale_run(const struct upchild *u, struct sconn *c, unsigned int nconn, size_t len,
		     unsigned long per_conn, uint64_t *s)
{
	uint8_t m[MSG_MAX], r[MSG_MAX + 1];
	struct epoll_event ev[64];
	unsigned long done = 0, total = (unsigned long)nconn * per_conn;
	int ep = epoll_create1(EPOLL_CLOEXEC), err = 0;
	unsigned int k;

	(void)u;
	if (ep < 0)
		return -ASV_EIO;
	for (k = 0; k < nconn && !err; k++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = k };

		msg_fill(m, len, k, 0);
		c[k].t0 = asv_posix_now_ns();
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c[k].fd, &e) ||
		    send(c[k].fd, m, len, MSG_NOSIGNAL) != (ssize_t)len)
			err = -ASV_EIO;
	}
	while (!err && done < total) {
		int i, got = epoll_wait(ep, ev, 64, 10000);

		if (got <= 0) {
			fprintf(stderr, "asvirt bench: no answer in 10 s (%lu of %lu)\n", done,
				total);
			err = -ASV_ETIMEDOUT;
		}
		for (i = 0; i < got && !err; i++) {
			struct sconn *x = &c[ev[i].data.u32];
			ssize_t n = recv(x->fd, r, sizeof(r), MSG_DONTWAIT);

			if (n < 0 && errno == EAGAIN)
				continue;
			msg_fill(m, len, ev[i].data.u32, x->seq);
			if (n != (ssize_t)len || memcmp(m, r, len)) {
				fprintf(stderr, "asvirt bench: connection %u, message %lu: %s\n",
					ev[i].data.u32, x->seq,
					n < 0 ? strerror(errno) : "wrong answer");
				err = -ASV_EBADMSG;
				break;
			}
			s[done++] = asv_posix_now_ns() - x->t0;
			if (++x->seq == per_conn)
				continue;
			msg_fill(m, len, ev[i].data.u32, x->seq);
			x->t0 = asv_posix_now_ns();
			if (send(x->fd, m, len, MSG_NOSIGNAL) != (ssize_t)len)
				err = -ASV_EIO;
		}
	}
	close(ep);
	return err;
}

static int scale_rtt(const struct bench_paths *paths, size_t len, const struct bench_effort *e,
		     struct sock_bench *out)
{
	unsigned int nfw = SOCK_SCALE_FW, per = SOCK_SCALE_CONNS, nconn = nfw * per, k;
	unsigned long per_conn = e->rtt_count / 100 + 2;
	uint64_t *s = calloc((size_t)nconn * per_conn, sizeof(*s));
	struct sconn *c = calloc(nconn, sizeof(*c));
	struct rlimit rl;
	struct upchild u = { .pid = -1 };
	uint64_t t0, t1;
	double c0;
	int err;

	if (!s || !c) {
		free(s);
		free(c);
		return -ASV_ENOMEM;
	}
	/* one descriptor per connection here too */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (k = 0; k < nconn; k++)
		c[k].fd = -1;
	err = up_start(&u, paths, nfw);
	for (k = 0; k < nconn && !err; k++) {
		c[k].fd = up_connect(&u, k / per);
		if (c[k].fd < 0) {
			fprintf(stderr, "asvirt bench: connection %u to firmware %u: %s\n", k,
				k / per, strerror(errno));
			err = -ASV_EIO;
		}
	}
	if (!err) {
		c0 = proc_cpu_ns(u.pid);
		t0 = asv_posix_now_ns();
		err = scale_run(&u, c, nconn, len, per_conn, s);
		t1 = asv_posix_now_ns();
		out->scale_rtts = (unsigned long)nconn * per_conn;
		out->scale_ns_per_rtt = (double)(t1 - t0) / (double)out->scale_rtts;
		out->scale_daemon_cpu_ns = (proc_cpu_ns(u.pid) - c0) / (double)out->scale_rtts;
	}
	for (k = 0; k < nconn; k++)
		if (c[k].fd >= 0)
			close(c[k].fd);
	if (up_stop(&u) && !err)
		err = -ASV_EIO;
	if (!err)
		lat_from_samples(s, out->scale_rtts, &out->scale);
	out->scale_fw = nfw;
	out->scale_conns = nconn;
	free(s);
	free(c);
	return err;
}

int bench_sock(const struct bench_paths *paths, size_t len, const struct bench_effort *e,
	       struct sock_bench *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->payload = len;
	err = single_rtt(paths, len, e, out);
	if (!err)
		err = scale_rtt(paths, len, e, out);
	return err;
}

void bench_sock_print(const struct sock_bench *s, FILE *f)
{
	fprintf(f,
		"socket path: client -> asvirt up channel socket -> echo firmware -> back,\n"
		"%zu bytes, ns; floor = the same two SOCK_SEQPACKET hops through a relay\n"
		"process that does nothing else, measured in %d windows alternating with\n"
		"the figure's; ratio = median of the windows' p50 / floor p50 (min-max);\n"
		"cpu = the daemon's (the relay's) CPU time per round trip\n",
		s->payload, SOCK_WINDOWS);
	fprintf(f, "  %-30s %9s %9s %9s %9s  %s\n", "", "p50", "p99", "max", "cpu", "ratio");
	fprintf(f, "  %-30s %9.0f %9.0f %9.0f %9.0f\n", "floor (relay)", s->floor.p50, s->floor.p99,
		s->floor.max, s->floor_cpu_ns);
	fprintf(f, "  %-30s %9.0f %9.0f %9.0f %9.0f  %5.2fx (%.2f-%.2fx)\n", "asvirt up, 1 client",
		s->up.p50, s->up.p99, s->up.max, s->up_cpu_ns, s->ratio, s->ratio_lo, s->ratio_hi);
	fprintf(f, "asvirt up, %u firmware x %u connections, one message in flight on each:\n",
		s->scale_fw, s->scale_conns / (s->scale_fw ? s->scale_fw : 1));
	fprintf(f, "  %-30s %9.0f %9.0f %9.0f %9.0f\n", "latency under load", s->scale.p50,
		s->scale.p99, s->scale.max, s->scale_daemon_cpu_ns);
	fprintf(f, "  %-30s %9.0f ns (%lu round trips, all checked)\n",
		"per round trip (wall / count)", s->scale_ns_per_rtt, s->scale_rtts);
	fprintf(f, "  %-30s %9.0f ns (p50 above)\n", "per round trip, 1 client", s->up.p50);
}

static void lat_json(FILE *f, const char *key, const struct lat *l, const char *end)
{
	fprintf(f, "\"%s\":{\"p50_ns\":%.0f,\"p99_ns\":%.0f,\"max_ns\":%.0f,\"n\":%lu}%s", key,
		l->p50, l->p99, l->max, l->n, end);
}

int bench_sock_main(const struct bench_paths *paths, const struct bench_effort *e, int json)
{
	struct sock_bench s;
	int err = bench_sock(paths, 16, e, &s);

	if (err) {
		fprintf(stderr, "asvirt bench: the socket path failed: %s\n", asv_strerror(err));
		return 1;
	}
	if (!json) {
		bench_sock_print(&s, stdout);
		return 0;
	}
	printf("{\"sockets\":{\"payload\":%zu,", s.payload);
	lat_json(stdout, "floor", &s.floor, ",");
	lat_json(stdout, "up", &s.up, ",");
	printf("\"ratio\":%.3f,\"ratio_min\":%.3f,\"ratio_max\":%.3f,", s.ratio, s.ratio_lo,
	       s.ratio_hi);
	printf("\"floor_cpu_ns\":%.0f,\"up_cpu_ns\":%.0f,", s.floor_cpu_ns, s.up_cpu_ns);
	printf("\"scale\":{\"firmware\":%u,\"connections\":%u,\"round_trips\":%lu,", s.scale_fw,
	       s.scale_conns, s.scale_rtts);
	lat_json(stdout, "latency", &s.scale, ",");
	printf("\"ns_per_round_trip\":%.0f,\"daemon_cpu_ns\":%.0f}}}\n", s.scale_ns_per_rtt,
	       s.scale_daemon_cpu_ns);
	return 0;
}
