// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The Cortex-M board's figures (QEMU mps2-an386, docs/board.md), printed,
 * never asserted:
 *   boot   asv_proc_start() of the echo image to its first name-service
 *          announcement (the host's channel), over several boots;
 *   rtt    echo round trips host -> MCU -> host, sizes 1..496 in turn,
 *          each reply checked, in this process (no socket bridge);
 *   stream one-way MCU -> host: bench-source sends N messages of 64 and
 *          of 496 bytes from its receive handler, waiting for buffers;
 *   floor  the same machine's doorbell alone: a byte to UART0 and the byte
 *          the floor firmware sends back from its receive interrupt.
 *
 * usage: bench_cm CORTEX_M_FIRMWARE_DIR [ROUND_TRIPS]
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asvirt/app.h"
#include "asvirt/cm_board.h"
#include "asvirt/errors.h"
#include "asvirt/proc.h"

#define BOOTS 10u

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *ns, unsigned int n)
{
	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("%-6s n %-6u p50 %7.1f us  p99 %7.1f us  max %8.1f us\n", what, n, ns[n / 2] / 1e3,
	       ns[(size_t)n * 99 / 100] / 1e3, ns[n - 1] / 1e3);
}

struct rtt {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int i, n;
	int done, err;
	uint64_t t0, *ns;
	uint8_t msg[ASV_RPMSG_MAX_PAYLOAD];
};

static size_t rtt_len(unsigned int i)
{
	return 1 + i % 496;
}

static void rtt_end(struct rtt *r, int err)
{
	pthread_mutex_lock(&r->mu);
	r->err = err;
	r->done = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* host ISR thread: check the reply, time it, send the next */
static int rtt_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	struct rtt *r = priv;
	uint64_t now = asv_posix_now_ns();

	(void)src;
	if (r->done)
		return 0;
	if (n != rtt_len(r->i) || memcmp(d, r->msg, n)) {
		rtt_end(r, -ASV_EBADMSG);
		return 0;
	}
	r->ns[r->i] = now - r->t0;
	if (++r->i == r->n) {
		rtt_end(r, 0);
		return 0;
	}
	memset(r->msg, (int)(r->i & 0xff), rtt_len(r->i));
	r->t0 = asv_posix_now_ns();
	n = rtt_len(r->i);
	if (asv_sendto(e, ASV_ECHO_ADDR, r->msg, n))
		rtt_end(r, -ASV_EIO);
	return 0;
}

static int boot_image(struct asv_proc *p, const char *dir, const char *image, uint64_t *ns)
{
	struct asv_proc_config pc = { .runner = "/nonexistent", .max_restarts = 0 };
	char path[4200], why[256] = "";
	uint64_t t0;
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, image);
	err = asv_proc_init(p, &pc, path, why, sizeof(why));
	t0 = asv_posix_now_ns();
	if (!err)
		err = asv_proc_start(p, why, sizeof(why));
	while (!err && !__atomic_load_n(&p->nchannels, __ATOMIC_ACQUIRE)) {
		if (asv_posix_now_ns() - t0 > 10000000000ull)
			err = -ASV_ETIMEDOUT;
		usleep(100);
	}
	*ns = asv_posix_now_ns() - t0;
	if (err)
		fprintf(stderr, "bench_cm: %s: %s\n", path, why[0] ? why : asv_strerror(err));
	return err;
}

static int bench_rtt(struct asv_proc *p, unsigned int n)
{
	struct rtt r = { .n = n };
	struct asv_endpoint *ept;
	int err = 0;

	r.ns = calloc(n, sizeof(*r.ns));
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	asv_proc_lock(p);
	ept = asv_host_create_ept(&p->host, NULL, ASV_RPMSG_ADDR_ANY, rtt_cb, &r, &err);
	asv_proc_unlock(p);
	if (ept) {
		memset(r.msg, 0, rtt_len(0));
		r.t0 = asv_posix_now_ns();
		err = asv_sendto(ept, ASV_ECHO_ADDR, r.msg, rtt_len(0));
		pthread_mutex_lock(&r.mu);
		while (!err && !r.done)
			pthread_cond_wait(&r.cv, &r.mu);
		pthread_mutex_unlock(&r.mu);
		err = err ? err : r.err;
	}
	if (!err)
		report("rtt", r.ns, n);
	free(r.ns);
	return err;
}

static unsigned long stream_rx; /* atomic: the host's ISR thread counts */

static int stream_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	(void)e, (void)d, (void)n, (void)src, (void)priv;
	__atomic_add_fetch(&stream_rx, 1, __ATOMIC_RELAXED);
	return 0;
}

/* bench-source streams @n messages of @size to us; messages per second. */
static int bench_stream(const char *dir, unsigned int n)
{
	static const uint32_t sizes[] = { 64, 496 };
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct asv_endpoint *ept = NULL;
	unsigned int k;
	uint64_t t0, ns;
	int err = p ? 0 : -ASV_ENOMEM;

	if (!err)
		err = boot_image(p, dir, "asvirt-bench-source.elf", &ns);
	if (!err) {
		asv_proc_lock(p);
		ept =
		    asv_host_create_ept(&p->host, NULL, ASV_RPMSG_ADDR_ANY, stream_cb, NULL, &err);
		asv_proc_unlock(p);
	}
	for (k = 0; k < 2 && ept && !err; k++) {
		struct asv_bench_req req = { .magic = asv_cpu_to_le32(ASV_BENCH_REQ_MAGIC),
					     .count = asv_cpu_to_le32(n),
					     .size = asv_cpu_to_le32(sizes[k]) };

		__atomic_store_n(&stream_rx, 0, __ATOMIC_RELAXED);
		t0 = asv_posix_now_ns();
		err = asv_sendto(ept, ASV_BENCH_SOURCE_ADDR, &req, sizeof(req));
		while (!err && __atomic_load_n(&stream_rx, __ATOMIC_RELAXED) < n) {
			if (asv_posix_now_ns() - t0 > 60000000000ull)
				err = -ASV_ETIMEDOUT;
			usleep(200);
		}
		ns = asv_posix_now_ns() - t0;
		if (!err)
			printf("stream n %-6u %3u B  %8.0f msgs/s  %6.1f MB/s (MCU -> host)\n", n,
			       sizes[k], n / (ns / 1e9), n * (double)sizes[k] / (ns / 1e3));
	}
	if (p)
		asv_proc_destroy(p);
	free(p);
	return err;
}

/* QEMU with the floor image; one byte at a time through UART0. */
static int bench_floor(const char *dir, unsigned int n)
{
	char img[4200], ram[160];
	uint64_t *ns = calloc(n, sizeof(*ns)), t0;
	int sv[2], mfd = memfd_create("floor", 0), err = 0;
	unsigned int i;
	uint8_t b = 0;
	pid_t pid;

	snprintf(img, sizeof(img), "%s/cm-doorbell-floor.elf", dir);
	snprintf(ram, sizeof(ram),
		 "memory-backend-file,id=ram,mem-path=/proc/self/fd/3,share=on,size=%u",
		 ASV_CM_RAM_SIZE);
	if (!ns || mfd < 0 || ftruncate(mfd, ASV_CM_RAM_SIZE) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -ASV_ENOMEM;
	pid = fork();
	if (pid == 0) {
		dup2(mfd, 3);
		dup2(sv[1], 4);
		execlp("qemu-system-arm", "qemu-system-arm", "-M", "mps2-an386", "-display", "none",
		       "-monitor", "none", "-nodefaults", "-net", "none", "-kernel", img, "-object",
		       ram, "-machine", "memory-backend=ram", "-chardev", "socket,id=db,fd=4",
		       "-serial", "chardev:db", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	for (i = 0; i <= n && !err; i++) {
		struct pollfd pfd = { .fd = sv[0], .events = POLLIN };

		t0 = asv_posix_now_ns();
		if (i && send(sv[0], &b, 1, 0) != 1)
			err = -ASV_EIO;
		if (!err && (poll(&pfd, 1, 5000) != 1 || recv(sv[0], &b, 1, 0) != 1))
			err = -ASV_ETIMEDOUT;
		if (i) /* byte 0: the firmware's boot byte */
			ns[i - 1] = asv_posix_now_ns() - t0;
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(sv[0]);
	close(mfd);
	if (!err)
		report("floor", ns, n);
	free(ns);
	return err;
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 2 ? (unsigned int)atoi(argv[2]) : 10000, k;
	uint64_t boot[BOOTS];
	struct asv_proc *p = calloc(1, sizeof(*p));
	int err = 0;

	if (argc < 2 || !n || !p) {
		fprintf(stderr, "usage: bench_cm CORTEX_M_FIRMWARE_DIR [ROUND_TRIPS]\n");
		return 2;
	}
	for (k = 0; k < BOOTS && !err; k++) {
		err = boot_image(p, argv[1], "asvirt-echo.elf", &boot[k]);
		if (!err && k == BOOTS - 1)
			err = bench_rtt(p, n);
		asv_proc_destroy(p);
	}
	if (!err) {
		qsort(boot, BOOTS, sizeof(*boot), cmp_u64);
		printf("boot   n %-6u min %7.1f ms  median %5.1f ms  max %5.1f ms (start to first "
		       "name-service announcement)\n",
		       BOOTS, boot[0] / 1e6, boot[BOOTS / 2] / 1e6, boot[BOOTS - 1] / 1e6);
		err = bench_stream(argv[1], n * 10);
		if (!err)
			err = bench_floor(argv[1], n);
	}
	free(p);
	if (err)
		fprintf(stderr, "bench_cm: %s\n", asv_strerror(err));
	return err ? 1 : 0;
}
