// SPDX-License-Identifier: GPL-2.0
/*
 * rpmsg_test: user-space echo test through Linux's rpmsg_char, run inside
 * the QEMU guest against the virtual MCU's echo app (address 0x400).
 *
 *   rpmsg_test CTRLDEV COUNT
 *   rpmsg_test CTRLDEV -m MESSAGE     (send one message, print the echo)
 *   rpmsg_test CTRLDEV -f PAUSEFILE   (flood: see flood())
 *   rpmsg_test CTRLDEV -F PAUSEFILE   (flood, then a blocking write that
 *                                      must wait for a buffer; on 6.1 this
 *                                      trips DEBUG_ATOMIC_SLEEP inside
 *                                      virtio_rpmsg_bus itself, so it is
 *                                      not part of make check-qemu)
 *
 * Creates an endpoint with RPMSG_CREATE_EPT_IOCTL on CTRLDEV
 * (/dev/rpmsg_ctrlN), checks poll() and O_NONBLOCK on the new /dev/rpmsgM,
 * sends COUNT messages of sizes 1..496 with a checksum and checks each
 * echo, then destroys the endpoint. Prints "rpmsg_test: PASS ..." or
 * "rpmsg_test: FAIL ..." and exits 0 or 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rpmsg.h>
#include <poll.h>
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

static int fail(const char *what)
{
	printf("rpmsg_test: FAIL %s (errno %d: %s)\n", what, errno, strerror(errno));
	return 1;
}

/* Bitmap of the /dev/rpmsgN that exist. */
static void list_devs(unsigned char *have)
{
	struct dirent *d;
	DIR *dir = opendir("/dev");

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

int main(int argc, char **argv)
{
	unsigned char before[MAX_DEVS], after[MAX_DEVS];
	unsigned char tx[MAX_PAYLOAD], rx[MAX_PAYLOAD + 16];
	struct rpmsg_endpoint_info info;
	struct timespec t0, t1;
	char path[64];
	long count, i;
	int ctrl, fd = -1, n, tries;
	struct pollfd pfd;
	double secs;

	if (argc != 3 && !(argc == 4 && (!strcmp(argv[2], "-m") || !strcmp(argv[2], "-f") ||
					 !strcmp(argv[2], "-F")))) {
		fprintf(stderr, "usage: %s CTRLDEV COUNT | -m MESSAGE | -f|-F PAUSEFILE\n",
			argv[0]);
		return 2;
	}
	count = argc == 4 ? 0 : atol(argv[2]);
	ctrl = open(argv[1], O_RDWR);
	if (ctrl < 0)
		return fail("open ctrl");

	list_devs(before);
	memset(&info, 0, sizeof(info));
	strcpy(info.name, "asvirt-test");
	info.src = RPMSG_ADDR_ANY;
	info.dst = ECHO_ADDR;
	if (ioctl(ctrl, RPMSG_CREATE_EPT_IOCTL, &info))
		return fail("RPMSG_CREATE_EPT_IOCTL");
	/* devtmpfs creates the node asynchronously. */
	for (tries = 0; tries < 200 && fd < 0; tries++) {
		list_devs(after);
		for (n = 0; n < MAX_DEVS; n++)
			if (after[n] && !before[n])
				break;
		if (n < MAX_DEVS) {
			snprintf(path, sizeof(path), "/dev/rpmsg%d", n);
			fd = open(path, O_RDWR | O_NONBLOCK);
		}
		if (fd < 0)
			usleep(10000);
	}
	if (fd < 0)
		return fail("no new /dev/rpmsgN");

	if (argc == 4 && (!strcmp(argv[2], "-f") || !strcmp(argv[2], "-F"))) {
		n = flood(fd, argv[3], argv[2][1] == 'F');
		ioctl(fd, RPMSG_DESTROY_EPT_IOCTL);
		return n;
	}

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

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		size_t len = 1 + i % MAX_PAYLOAD;
		uint32_t sum = fill(tx, len, (uint32_t)i);
		ssize_t r;

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
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	/* All echoes consumed: nothing left to read. */
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 100) != 0)
		return fail("extra message after the last echo");
	if (ioctl(fd, RPMSG_DESTROY_EPT_IOCTL))
		return fail("RPMSG_DESTROY_EPT_IOCTL");
	close(fd);
	close(ctrl);
	printf("rpmsg_test: PASS %ld round trips via %s in %.2f s (%.0f/s)\n", count, path, secs,
	       secs > 0 ? count / secs : 0.0);
	return 0;
}
