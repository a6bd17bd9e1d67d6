// SPDX-License-Identifier: GPL-2.0
/*
 * rpmsg_test: user-space echo test through Linux's rpmsg_char, run inside
 * the QEMU guest against the virtual MCU's echo app (address 0x400).
 *
 *   rpmsg_test CTRLDEV COUNT
 *   rpmsg_test CTRLDEV -m MESSAGE     (send one message, print the echo)
 *   rpmsg_test CTRLDEV -f PAUSEFILE   (flood: see flood())
 *   rpmsg_test CTRLDEV -s NEPT COUNT  (stress: see stress())
 *   rpmsg_test CTRLDEV -n COUNT       (write COUNT messages, never read:
 *                                      see unread())
 *   rpmsg_test CTRLDEV -F PAUSEFILE   (flood, then a blocking write that
 *                                      must wait for a buffer; on 6.1 this
 *                                      trips DEBUG_ATOMIC_SLEEP inside
 *                                      virtio_rpmsg_bus itself, so it is
 *                                      not part of make check-qemu)
 *
 * Creates an endpoint with RPMSG_CREATE_EPT_IOCTL on CTRLDEV
 * (/dev/rpmsg_ctrlN), checks poll() and O_NONBLOCK on the new /dev/rpmsgM,
 * sends COUNT messages of sizes 1..496 with a checksum and checks each
 * echo (and the round trip's p50/p99), then destroys the endpoint.
 * Prints "rpmsg_test: PASS ..." or
 * "rpmsg_test: FAIL ..." and exits 0 or 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rpmsg.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ECHO_ADDR 0x400
#define MAX_PAYLOAD 496
#define MAX_DEVS 64

static double ts_us(const struct timespec *t)
{
	return t->tv_sec * 1e6 + t->tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int fail(const char *what)
{
	printf("rpmsg_test: FAIL %s (errno %d: %s)\n", what, errno, strerror(errno));
	return 1;
}

/*
 * Bitmap of the endpoint devices rpmsgN of the control device CTRL
 * (/dev/rpmsg_ctrlK): rpmsg_char makes them children of the control device,
 * so they are listed in /sys/class/rpmsg/rpmsg_ctrlK/. Another process's
 * endpoint on another control device is never mistaken for ours.
 */
static void list_devs(const char *ctrl, unsigned char *have)
{
	const char *base = strrchr(ctrl, '/');
	char dirpath[128];
	struct dirent *d;
	DIR *dir;

	snprintf(dirpath, sizeof(dirpath), "/sys/class/rpmsg/%s", base ? base + 1 : ctrl);
	dir = opendir(dirpath);
	memset(have, 0, MAX_DEVS);
	while (dir && (d = readdir(dir))) {
		char *end;
		long n;

		if (strncmp(d->d_name, "rpmsg", 5) || d->d_name[5] < '0' || d->d_name[5] > '9')
			continue;
		n = strtol(d->d_name + 5, &end, 10);
		if (!*end && n >= 0 && n < MAX_DEVS)
			have[n] = 1;
	}
	if (dir)
		closedir(dir);
}

static uint32_t fill(unsigned char *buf, size_t len, uint32_t seed)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = seed >> 16;
		sum = sum * 31 + buf[i];
	}
	return sum;
}

static uint32_t checksum(const unsigned char *buf, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum = sum * 31 + buf[i];
	return sum;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/*
 * Out of buffers: mask the MCU's interrupts (PAUSEFILE is the driver's
 * debugfs asvirt_pause), write without blocking until the host has no tx
 * buffer left (EAGAIN, as rpmsg_char documents for O_NONBLOCK), check that
 * nothing is readable, unmask, then read every echo back in order.
 */
static int flood(int fd, const char *pausefile, int blocking)
{
	unsigned char tx[MAX_PAYLOAD], rx[MAX_PAYLOAD + 16];
	uint32_t sums[1025];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec t0, t1;
	int n, i, status;
	double waited;
	pid_t pid;

	if (write_file(pausefile, "1"))
		return fail("pause the MCU");
	for (n = 0; n < 1024; n++) {
		size_t len = 1 + n % MAX_PAYLOAD;

		sums[n] = fill(tx, len, (uint32_t)n);
		if (write(fd, tx, len) == (ssize_t)len)
			continue;
		if (errno != EAGAIN) {
			write_file(pausefile, "0");
			return fail("O_NONBLOCK write");
		}
		break;
	}
	if (n == 0 || n == 1024) {
		write_file(pausefile, "0");
		printf("rpmsg_test: %d writes before EAGAIN\n", n);
		return fail("O_NONBLOCK write never said EAGAIN");
	}
	if (poll(&pfd, 1, 200) != 0) {
		write_file(pausefile, "0");
		return fail("readable while the MCU is paused");
	}
	if (!blocking) {
		if (write_file(pausefile, "0"))
			return fail("resume the MCU");
		waited = 0;
		goto drain;
	}
	/*
	 * (-F only) A blocking writer now sleeps in virtio_rpmsg_bus until the MCU
	 * returns a buffer, with tx-complete interrupts enabled: a child
	 * unmasks the MCU after 300 ms, and the write must finish soon after,
	 * not at the 15 s timeout (a remote that never notifies would stall).
	 */
	pid = fork();
	if (pid == 0) {
		usleep(300000);
		_exit(write_file(pausefile, "0") ? 1 : 0);
	}
	if (pid < 0 || fcntl(fd, F_SETFL, 0))
		return fail("fork/fcntl");
	sums[n] = fill(tx, 1 + n % MAX_PAYLOAD, (uint32_t)n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (write(fd, tx, 1 + n % MAX_PAYLOAD) != (ssize_t)(1 + n % MAX_PAYLOAD))
		return fail("blocking write while out of buffers");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail("resume the MCU");
	waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (waited > 5.0) {
		printf("rpmsg_test: blocking write waited %.2f s\n", waited);
		return fail("blocking writer not woken by the MCU");
	}
	n++;
drain:
	for (i = 0; i < n; i++) {
		size_t len = 1 + i % MAX_PAYLOAD;
		ssize_t r;

		if (poll(&pfd, 1, 5000) != 1 || !(pfd.revents & POLLIN)) {
			printf("rpmsg_test: echo %d of %d missing\n", i, n);
			return fail("poll POLLIN after resume");
		}
		r = read(fd, rx, sizeof(rx));
		if (r != (ssize_t)len || checksum(rx, len) != sums[i]) {
			printf("rpmsg_test: echo %d: %zd bytes, want %zu\n", i, r, len);
			return fail("echo mismatch after resume");
		}
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK))
		return fail("fcntl");
	if (read(fd, rx, sizeof(rx)) != -1 || errno != EAGAIN)
		return fail("extra data after the flood");
	printf(
	    "rpmsg_test: PASS flood: %d O_NONBLOCK writes before EAGAIN%s, %.2f s, all %d echoed\n",
	    blocking ? n - 1 : n, blocking ? ", then a blocking write waited" : "", waited, n);
	return 0;
}

/* Create an endpoint to the echo app on CTRL; returns its /dev/rpmsgN fd. */
static int open_ept(const char *ctrlpath, int ctrl, char *path, size_t pathlen)
{
	unsigned char before[MAX_DEVS], after[MAX_DEVS];
	struct rpmsg_endpoint_info info;
	int fd = -1, n, tries;

	list_devs(ctrlpath, before);
	memset(&info, 0, sizeof(info));
	strcpy(info.name, "asvirt-test");
	info.src = RPMSG_ADDR_ANY;
	info.dst = ECHO_ADDR;
	if (ioctl(ctrl, RPMSG_CREATE_EPT_IOCTL, &info))
		return -1;
	/* devtmpfs creates the node asynchronously. */
	for (tries = 0; tries < 200 && fd < 0; tries++) {
		list_devs(ctrlpath, after);
		for (n = 0; n < MAX_DEVS; n++)
			if (after[n] && !before[n])
				break;
		if (n < MAX_DEVS) {
			snprintf(path, pathlen, "/dev/rpmsg%d", n);
			fd = open(path, O_RDWR | O_NONBLOCK);
		}
		if (fd < 0)
			usleep(10000);
	}
	if (fd < 0)
		errno = ENOENT;
	return fd;
}

/*
 * Stress (-s NEPT COUNT): NEPT endpoints to the echo app, each with a
 * writer and a reader thread running at once, so messages flow in both
 * directions at full rate on every endpoint (and, with -smp 4, on several
 * CPUs against the MCU thread). Every message carries its endpoint,
 * sequence number, length and a checksum of a payload derived from
 * (endpoint, sequence); the reader requires every echo in order, intact.
 * A missing barrier between the two sides shows up as a stale or torn
 * message, a lost one (timeout) or a duplicate, not as luck. Each writer
 * keeps at most WINDOW messages unanswered so the host never runs out of
 * tx buffers (a blocking write that must wait for one trips 6.1's own
 * DEBUG_ATOMIC_SLEEP warning, see kernel/README.md); writes are
 * O_NONBLOCK and EAGAIN is retried and counted anyway.
 */
#define STRESS_MAGIC 0x5a17e55au
#define STRESS_WINDOW 24
#define STRESS_MAX_EPT 16
/*
 * A stall is no echo on ANY endpoint for this long, not one echo late: on
 * an overloaded host the TCG guest moves a few tens of messages a second
 * in all, and with every endpoint's WINDOW unanswered one echo can wait
 * longer than a fixed per-echo timeout while nothing is lost (the rings
 * idle and every echo consumed, debugfs asvirt_rings). A lost message
 * still fails: the other endpoints finish, then nothing moves.
 */
#define STRESS_STALL_S 30

/* CLOCK_MONOTONIC seconds of the last echo on any endpoint (all readers). */
static long stress_progress_s;

static long now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

struct stress_hdr {
	uint32_t magic, ept, seq, len, sum;
};

struct stress_ept {
	int fd, id;
	long count;
	sem_t window;
	long eagain, done;
	char path[64];
	char err[160];
};

static size_t stress_len(uint32_t ept, uint32_t seq)
{
	return sizeof(struct stress_hdr) +
	       (seq * 7u + ept * 13u) % (MAX_PAYLOAD - sizeof(struct stress_hdr) + 1);
}

static void *stress_writer(void *arg)
{
	struct stress_ept *e = arg;
	unsigned char buf[MAX_PAYLOAD];
	struct stress_hdr *h = (void *)buf;
	long seq;

	for (seq = 0; seq < e->count; seq++) {
		size_t len = stress_len(e->id, seq);

		while (sem_wait(&e->window) && errno == EINTR)
			;
		if (e->err[0])
			break;
		h->magic = STRESS_MAGIC;
		h->ept = e->id;
		h->seq = seq;
		h->len = len;
		h->sum = fill(buf + sizeof(*h), len - sizeof(*h), (uint32_t)e->id << 24 ^ seq);
		for (;;) {
			ssize_t r = write(e->fd, buf, len);

			if (r == (ssize_t)len)
				break;
			if (r < 0 && errno == EAGAIN) {
				e->eagain++;
				usleep(200);
				continue;
			}
			snprintf(e->err, sizeof(e->err), "write seq %ld: %zd (errno %d)", seq, r,
				 errno);
			return NULL;
		}
	}
	return NULL;
}

static void *stress_reader(void *arg)
{
	struct stress_ept *e = arg;
	unsigned char buf[MAX_PAYLOAD + 16], want[MAX_PAYLOAD];
	struct stress_hdr h;
	struct pollfd pfd = { .fd = e->fd, .events = POLLIN };
	long seq;

	for (seq = 0; seq < e->count && !e->err[0]; seq++) {
		size_t len = stress_len(e->id, seq);
		uint32_t sum;
		ssize_t r;

		for (;;) {
			r = read(e->fd, buf, sizeof(buf));
			if (r >= 0 || errno != EAGAIN)
				break;
			if (poll(&pfd, 1, 1000) == 1)
				continue;
			if (now_s() - __atomic_load_n(&stress_progress_s, __ATOMIC_RELAXED) >=
			    STRESS_STALL_S) {
				snprintf(
				    e->err, sizeof(e->err),
				    "echo of seq %ld missing, no echo on any endpoint for %d s",
				    seq, STRESS_STALL_S);
				goto out;
			}
		}
		if (r != (ssize_t)len) {
			snprintf(e->err, sizeof(e->err),
				 "seq %ld: read %zd bytes, want %zu (errno %d)", seq, r, len,
				 r < 0 ? errno : 0);
			break;
		}
		memcpy(&h, buf, sizeof(h));
		sum = fill(want, len - sizeof(h), (uint32_t)e->id << 24 ^ seq);
		if (h.magic != STRESS_MAGIC || h.ept != (uint32_t)e->id || h.seq != (uint32_t)seq ||
		    h.len != len || h.sum != sum ||
		    checksum(buf + sizeof(h), len - sizeof(h)) != sum ||
		    memcmp(buf + sizeof(h), want, len - sizeof(h))) {
			snprintf(e->err, sizeof(e->err),
				 "seq %ld: got magic 0x%x ept %u seq %u len %u sum 0x%x, want ept "
				 "%d len %zu sum 0x%x",
				 seq, h.magic, h.ept, h.seq, h.len, h.sum, e->id, len, sum);
			break;
		}
		e->done = seq + 1;
		__atomic_store_n(&stress_progress_s, now_s(), __ATOMIC_RELAXED);
		sem_post(&e->window);
	}
out:
	sem_post(&e->window); /* a writer waiting for the window sees err */
	return NULL;
}

static int stress(const char *ctrlpath, int ctrl, int nept, long count)
{
	struct stress_ept e[STRESS_MAX_EPT];
	pthread_t wt[STRESS_MAX_EPT], rt[STRESS_MAX_EPT];
	struct timespec t0, t1;
	int i, bad = 0;
	long eagain = 0;
	double secs;

	if (nept < 1 || nept > STRESS_MAX_EPT || count < 1) {
		fprintf(stderr, "rpmsg_test: -s NEPT (1..%d) COUNT\n", STRESS_MAX_EPT);
		return 2;
	}
	memset(e, 0, sizeof(e));
	for (i = 0; i < nept; i++) {
		e[i].id = i;
		e[i].count = count;
		e[i].fd = open_ept(ctrlpath, ctrl, e[i].path, sizeof(e[i].path));
		if (e[i].fd < 0)
			return fail("stress: create endpoint");
		sem_init(&e[i].window, 0, STRESS_WINDOW);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	stress_progress_s = t0.tv_sec;
	for (i = 0; i < nept; i++) {
		if (pthread_create(&rt[i], NULL, stress_reader, &e[i]) ||
		    pthread_create(&wt[i], NULL, stress_writer, &e[i]))
			return fail("pthread_create");
	}
	for (i = 0; i < nept; i++) {
		pthread_join(wt[i], NULL);
		pthread_join(rt[i], NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	for (i = 0; i < nept; i++) {
		struct pollfd pfd = { .fd = e[i].fd, .events = POLLIN };

		if (!e[i].err[0] && poll(&pfd, 1, 100) != 0)
			snprintf(e[i].err, sizeof(e[i].err), "extra message after the last echo");
		if (e[i].err[0]) {
			printf("rpmsg_test: stress %s (endpoint %d): %s, %ld of %ld echoed\n",
			       e[i].path, i, e[i].err, e[i].done, count);
			bad = 1;
		}
		eagain += e[i].eagain;
		ioctl(e[i].fd, RPMSG_DESTROY_EPT_IOCTL);
		close(e[i].fd);
	}
	if (bad) {
		errno = EIO;
		return fail("stress");
	}
	printf("rpmsg_test: PASS stress: %d endpoints x %ld messages each way in %.2f s (%.0f "
	       "msg/s each way, %ld EAGAIN retries)\n",
	       nept, count, secs, secs > 0 ? nept * count / secs : 0.0, eagain);
	return 0;
}

/*
 * A reader that never reads: write up to @count messages without blocking
 * (stop at EAGAIN), then hold the endpoint open, unread, until killed.
 * With the host's interrupt masked (asvirt_host_pause) the echo app's
 * callback then blocks on the MCU, waiting for a buffer.
 */
static int unread(int fd, long count)
{
	unsigned char tx[MAX_PAYLOAD];
	long n;

	memset(tx, 0x3c, sizeof(tx));
	for (n = 0; n < count; n++)
		if (write(fd, tx, 64) != 64)
			break;
	if (n == 0)
		return fail("write");
	printf("rpmsg_test: wrote %ld of %ld messages, holding the endpoint unread\n", n, count);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	unsigned char tx[MAX_PAYLOAD], rx[MAX_PAYLOAD + 16];
	struct timespec t0, t1;
	char path[64];
	long count, i;
	int ctrl, fd, n;
	struct pollfd pfd;
	double secs, *rtt;

	if (argc == 5 && !strcmp(argv[2], "-s")) {
		ctrl = open(argv[1], O_RDWR);
		if (ctrl < 0)
			return fail("open ctrl");
		return stress(argv[1], ctrl, atoi(argv[3]), atol(argv[4]));
	}
	if (argc != 3 && !(argc == 4 && (!strcmp(argv[2], "-m") || !strcmp(argv[2], "-f") ||
					 !strcmp(argv[2], "-F") || !strcmp(argv[2], "-n")))) {
		fprintf(stderr,
			"usage: %s CTRLDEV COUNT | -m MESSAGE | -f|-F PAUSEFILE | -s NEPT COUNT | "
			"-n COUNT\n",
			argv[0]);
		return 2;
	}
	count = argc == 4 ? 0 : atol(argv[2]);
	ctrl = open(argv[1], O_RDWR);
	if (ctrl < 0)
		return fail("open ctrl");

	fd = open_ept(argv[1], ctrl, path, sizeof(path));
	if (fd < 0)
		return fail("create endpoint / no new /dev/rpmsgN");

	if (argc == 4 && (!strcmp(argv[2], "-f") || !strcmp(argv[2], "-F"))) {
		n = flood(fd, argv[3], argv[2][1] == 'F');
		ioctl(fd, RPMSG_DESTROY_EPT_IOCTL);
		return n;
	}
	if (argc == 4 && !strcmp(argv[2], "-n"))
		return unread(fd, atol(argv[3]));

	/* Nothing sent yet: non-blocking read says EAGAIN, poll says writable only. */
	if (read(fd, rx, sizeof(rx)) != -1 || errno != EAGAIN)
		return fail("O_NONBLOCK read on empty endpoint is not EAGAIN");
	pfd.fd = fd;
	pfd.events = POLLIN | POLLOUT;
	/*
	 * An idle endpoint is not readable. POLLOUT comes from the transport's
	 * poll op, which virtio_rpmsg_bus lacks in 6.1 (rpmsg_poll() returns 0),
	 * so it is reported, not required.
	 */
	n = poll(&pfd, 1, 0);
	if (n < 0 || (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
		printf("rpmsg_test: poll returned %d, revents 0x%x\n", n, pfd.revents);
		return fail("poll on idle endpoint");
	}
	printf("rpmsg_test: idle poll: revents 0x%x (POLLOUT %s)\n", pfd.revents,
	       pfd.revents & POLLOUT ? "set" : "not offered by the transport");
	/* A non-blocking write with free buffers succeeds; its echo wakes poll. */
	if (write(fd, "x", 1) != 1)
		return fail("O_NONBLOCK write");
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 || !(pfd.revents & POLLIN))
		return fail("poll POLLIN after O_NONBLOCK write");
	if (read(fd, rx, sizeof(rx)) != 1 || rx[0] != 'x')
		return fail("O_NONBLOCK read of the echo");
	if (read(fd, rx, sizeof(rx)) != -1 || errno != EAGAIN)
		return fail("second O_NONBLOCK read is not EAGAIN");
	/* Blocking mode from now on. */
	if (fcntl(fd, F_SETFL, 0))
		return fail("fcntl");

	if (argc == 4) { /* -m MESSAGE */
		size_t len = strlen(argv[3]);
		ssize_t r;

		if (len > MAX_PAYLOAD)
			len = MAX_PAYLOAD;
		if (write(fd, argv[3], len) != (ssize_t)len)
			return fail("write");
		r = read(fd, rx, sizeof(rx) - 1);
		if (r < 0)
			return fail("read");
		rx[r] = 0;
		printf("sent \"%.*s\" to 0x%x via %s, echo: \"%s\"\n", (int)len, argv[3], ECHO_ADDR,
		       path, rx);
		ioctl(fd, RPMSG_DESTROY_EPT_IOCTL);
		return 0;
	}

	rtt = calloc(count > 0 ? count : 1, sizeof(*rtt));
	if (!rtt)
		return fail("calloc");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		size_t len = 1 + i % MAX_PAYLOAD;
		uint32_t sum = fill(tx, len, (uint32_t)i);
		struct timespec a, b;
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (write(fd, tx, len) != (ssize_t)len)
			return fail("write");
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 5000) != 1 || !(pfd.revents & POLLIN)) {
			printf("rpmsg_test: message %ld (len %zu) not echoed within 5 s\n", i, len);
			return fail("poll POLLIN");
		}
		r = read(fd, rx, sizeof(rx));
		if (r != (ssize_t)len || checksum(rx, len) != sum || memcmp(rx, tx, len)) {
			printf("rpmsg_test: message %ld: sent %zu bytes, got %zd, corrupt\n", i,
			       len, r);
			return fail("echo mismatch");
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		rtt[i] = ts_us(&b) - ts_us(&a);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	qsort(rtt, count, sizeof(*rtt), cmp_double);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	/* All echoes consumed: nothing left to read. */
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 100) != 0)
		return fail("extra message after the last echo");
	if (ioctl(fd, RPMSG_DESTROY_EPT_IOCTL))
		return fail("RPMSG_DESTROY_EPT_IOCTL");
	close(fd);
	close(ctrl);
	printf(
	    "rpmsg_test: PASS %ld round trips via %s in %.2f s (%.0f/s), p50 %.0f us p99 %.0f us\n",
	    count, path, secs, secs > 0 ? count / secs : 0.0, count > 0 ? rtt[count / 2] : 0.0,
	    count > 0 ? rtt[count * 99 / 100] : 0.0);
	free(rtt);
	return 0;
}
