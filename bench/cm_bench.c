// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt bench's Cortex-M rows (cm_bench.h): the echo and bench-source
 * images under asv_proc on the QEMU board, and the floor image in a QEMU
 * of its own, started next to them so that a row and its floor windows
 * see the same phase of the machine.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asvirt/app.h"
#include "asvirt/cm_board.h"
#include "asvirt/errors.h"
#include "asvirt/proc.h"
#include "cm_bench.h"
#include "rtt.h"

const uint32_t cm_tput_bytes[CM_NTPUT] = { 64, 496 };

#define CM_BOOT_TIMEOUT_NS 10000000000ull
#define CM_IO_TIMEOUT_MS 5000

static int image_path(char *out, size_t n, const char *dir, const char *image)
{
	return snprintf(out, n, "%s/%s", dir, image) < (int)n && !access(out, R_OK) ? 0 : -1;
}

int bench_cm_images(const char *dir)
{
	char p[4200];

	return !image_path(p, sizeof(p), dir, "asvirt-echo.elf") &&
	       !image_path(p, sizeof(p), dir, "asvirt-bench-source.elf") &&
	       !image_path(p, sizeof(p), dir, "cm-doorbell-floor.elf");
}

/* ---- the floor: QEMU with the firmware that only answers the doorbell ---- */

struct cm_floor {
	pid_t pid;
	int sock, memfd;
};

static void floor_stop(struct cm_floor *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	if (f->sock >= 0)
		close(f->sock);
	if (f->memfd >= 0)
		close(f->memfd);
	f->pid = 0;
	f->sock = f->memfd = -1;
}

/* One byte from the floor firmware, waiting at most CM_IO_TIMEOUT_MS. */
static int floor_recv(struct cm_floor *f)
{
	struct pollfd pfd = { .fd = f->sock, .events = POLLIN };
	uint8_t b;

	if (poll(&pfd, 1, CM_IO_TIMEOUT_MS) != 1 || recv(f->sock, &b, 1, 0) != 1)
		return -ASV_ETIMEDOUT;
	return 0;
}

/* Start QEMU with the floor image; @ns: start to its boot byte. The board
 * as asv_board_qm_spawn() sets it up (RAM on a memfd, UART0 a socket). */
static int floor_start(struct cm_floor *f, const char *dir, uint64_t *ns)
{
	const char *qemu = getenv("ASVIRT_QEMU_ARM");
	char img[4200], ram[160];
	int sv[2];
	uint64_t t0 = asv_posix_now_ns();

	f->pid = 0;
	f->sock = -1;
	if (!qemu || !*qemu)
		qemu = "qemu-system-arm";
	f->memfd = memfd_create("asvirt-cm-floor", MFD_CLOEXEC);
	if (image_path(img, sizeof(img), dir, "cm-doorbell-floor.elf") || f->memfd < 0 ||
	    ftruncate(f->memfd, ASV_CM_RAM_SIZE) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		floor_stop(f);
		return -ASV_ENOMEM;
	}
	snprintf(ram, sizeof(ram),
		 "memory-backend-file,id=ram,mem-path=/proc/self/fd/3,share=on,size=%u",
		 ASV_CM_RAM_SIZE);
	f->sock = sv[0];
	f->pid = fork();
	if (f->pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL); /* no QEMU outlives the bench */
		if (dup2(f->memfd, 3) < 0 || dup2(sv[1], 4) < 0)
			_exit(126);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
		}
		execlp(qemu, qemu, "-M", "mps2-an386", "-display", "none", "-monitor", "none",
		       "-nodefaults", "-net", "none", "-kernel", img, "-object", ram, "-machine",
		       "memory-backend=ram", "-chardev", "socket,id=db,fd=4", "-serial",
		       "chardev:db", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	if (f->pid < 0 || floor_recv(f)) { /* its boot byte */
		fprintf(stderr, "asvirt bench: %s did not boot under %s\n", img, qemu);
		floor_stop(f);
		return -ASV_EIO;
	}
	*ns = asv_posix_now_ns() - t0;
	return 0;
}

/* One floor window: @n doorbell round trips; their p50 and p99. */
static int floor_window(struct cm_floor *f, unsigned long n, struct lat *out)
{
	uint64_t *ns = calloc(n, sizeof(*ns)), t0;
	unsigned long i;
	uint8_t b = 1;
	int err = ns ? 0 : -ASV_ENOMEM;

	for (i = 0; i < n && !err; i++) {
		t0 = asv_posix_now_ns();
		if (send(f->sock, &b, 1, MSG_NOSIGNAL) != 1)
			err = -ASV_EIO;
		if (!err)
			err = floor_recv(f);
		ns[i] = asv_posix_now_ns() - t0;
	}
	if (!err)
		lat_from_samples(ns, n, out);
	free(ns);
	return err;
}

/* ---- the firmware under asv_proc ---- */

static int proc_boot(struct asv_proc *p, const char *dir, const char *image, uint64_t *ns)
{
	struct asv_proc_config pc = { .runner = "/nonexistent", .max_restarts = 0 };
	char path[4200], why[256] = "";
	uint64_t t0;
	int err = image_path(path, sizeof(path), dir, image) ? -ASV_ENOENT : 0;

	memset(p, 0, sizeof(*p));
	if (!err)
		err = asv_proc_init(p, &pc, path, why, sizeof(why));
	if (err) {
		fprintf(stderr, "asvirt bench: %s: %s\n", path, why[0] ? why : asv_strerror(err));
		return err;
	}
	t0 = asv_posix_now_ns();
	err = asv_proc_start(p, why, sizeof(why));
	while (!err && !__atomic_load_n(&p->nchannels, __ATOMIC_ACQUIRE)) {
		if (asv_posix_now_ns() - t0 > CM_BOOT_TIMEOUT_NS)
			err = -ASV_ETIMEDOUT;
		usleep(50);
	}
	*ns = asv_posix_now_ns() - t0;
	if (err) {
		fprintf(stderr, "asvirt bench: %s: %s\n", path, why[0] ? why : asv_strerror(err));
		asv_proc_destroy(p);
	}
	return err;
}

static struct asv_endpoint *proc_ept(struct asv_proc *p, asv_rx_cb cb, void *priv, int *err)
{
	struct asv_endpoint *ept;

	asv_proc_lock(p);
	ept = asv_host_create_ept(&p->host, NULL, ASV_RPMSG_ADDR_ANY, cb, priv, err);
	asv_proc_unlock(p);
	return ept;
}

/* The round trip in progress (rtt.c's), one per window on one endpoint. */
static struct rtt_ctx *rtt_cur;

static int rtt_trampoline(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	struct rtt_ctx *c = __atomic_load_n(&rtt_cur, __ATOMIC_ACQUIRE);

	(void)priv;
	return c ? rtt_cb(e, d, n, src, c) : 0;
}

static int echo_window(struct asv_endpoint *ept, const struct bench_effort *e, struct lat *out)
{
	struct rtt_ctx *c = rtt_new(CM_RTT_BYTES, e);
	int err = c ? 0 : -ASV_ENOMEM;

	if (c) {
		__atomic_store_n(&rtt_cur, c, __ATOMIC_RELEASE);
		err = rtt_run(c, ept);
		/* the ISR thread is done with it once it said so (rtt_done);
		 * on a timeout it may still run: keep it, leak a window's worth */
		__atomic_store_n(&rtt_cur, NULL, __ATOMIC_RELEASE);
		if (err == -ASV_ETIMEDOUT)
			return err;
	}
	return rtt_finish_free(c, err, out);
}

static unsigned long stream_rx; /* atomic: the host's ISR thread counts */

static int stream_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	(void)e, (void)d, (void)n, (void)src, (void)priv;
	__atomic_add_fetch(&stream_rx, 1, __ATOMIC_RELAXED);
	return 0;
}

/* bench-source sends @n messages of @size; messages per second. */
static int stream_window(struct asv_endpoint *ept, uint32_t size, unsigned long n, double *msg_s)
{
	struct asv_bench_req req = { .magic = asv_cpu_to_le32(ASV_BENCH_REQ_MAGIC),
				     .count = asv_cpu_to_le32((uint32_t)n),
				     .size = asv_cpu_to_le32(size) };
	uint64_t t0 = asv_posix_now_ns();
	int err;

	__atomic_store_n(&stream_rx, 0, __ATOMIC_RELAXED);
	err = asv_sendto(ept, ASV_BENCH_SOURCE_ADDR, &req, sizeof(req));
	while (!err && __atomic_load_n(&stream_rx, __ATOMIC_RELAXED) < n) {
		if (asv_posix_now_ns() - t0 > 60000000000ull)
			err = -ASV_ETIMEDOUT;
		usleep(100);
	}
	*msg_s = (double)n / ((double)(asv_posix_now_ns() - t0) / 1e9);
	return err;
}

/* ---- rows ---- */

/* The floor's windows: @before and @after (CM_FLOOR_WINDOWS each), all
 * @n of them at @all. */
static void row_floor(struct cm_row *r, const double *before, const double *after,
		      const double *all, unsigned int n)
{
	double v[CM_WINDOWS + 1];

	memcpy(v, before, sizeof(*v) * CM_FLOOR_WINDOWS);
	fig_from(v, CM_FLOOR_WINDOWS, &r->floor_before);
	memcpy(v, after, sizeof(*v) * CM_FLOOR_WINDOWS);
	fig_from(v, CM_FLOOR_WINDOWS, &r->floor_after);
	memcpy(v, all, sizeof(*v) * n);
	fig_from(v, n, &r->floor_all);
	r->floor_moved =
	    fig_moved(&r->floor_before, &r->floor_after) || fig_unsteady(&r->floor_all);
}

/* Window @w over its floor: @fv holds the floor windows interleaved with
 * the row's (fv[w] right before window w, fv[w + 1] right after). */
static void row_relative(struct cm_row *r, const double *v, const double *fv, unsigned int n)
{
	double rel[CM_WINDOWS];
	unsigned int w;

	for (w = 0; w < n; w++) {
		double floor = (fv[w] + fv[w + 1]) / 2;

		rel[w] = floor > 0 ? v[w] / floor : 0;
	}
	fig_from(rel, n, &r->rel);
}

/* The floor of a stream: the doorbell's round trips per second. */
static void rate_of(double *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		v[i] = v[i] > 0 ? 1e9 / v[i] : 0;
}

/*
 * A row's windows interleaved with its floor's on this shared 2-CPU
 * machine, whose phases last seconds: floor, row, floor, row, ... floor
 * (CM_WINDOWS + 1 floor windows; "before" the first CM_FLOOR_WINDOWS,
 * "after" the last ones). @window measures the row's window @w.
 */
typedef int (*cm_window_fn)(void *ctx, int w);

static int interleave(struct cm_floor *f, const struct bench_effort *e, cm_window_fn window,
		      void *ctx, double *fv, double *fp99)
{
	struct lat l;
	int w, err = 0;

	for (w = 0; w <= CM_WINDOWS && !err; w++) {
		err = floor_window(f, e->rtt_count, &l);
		fv[w] = l.p50;
		fp99[w] = l.p99;
		if (!err && w < CM_WINDOWS)
			err = window(ctx, w);
	}
	return err;
}

struct rtt_windows {
	struct asv_endpoint *ept;
	const struct bench_effort *e;
	double p50[CM_WINDOWS], p99[CM_WINDOWS];
};

static int rtt_window(void *ctx, int w)
{
	struct rtt_windows *rw = ctx;
	struct lat l;
	int err = echo_window(rw->ept, rw->e, &l);

	rw->p50[w] = l.p50;
	rw->p99[w] = l.p99;
	return err;
}

/*
 * No measurement-fault check against the floor here, unlike the threads'
 * rows: a round trip can beat the doorbell's. When the MCU is still in
 * its receive interrupt, re-checking the ring before it sleeps (event
 * index), as the host queues the next message, the host sends no byte and
 * the MCU takes the message without the doorbell's way in (counted: about
 * 2 host bytes in 3 were not needed at 16 bytes on this VM).
 */
static int measure_rtt(struct cm_results *out, struct cm_floor *f, struct asv_endpoint *ept,
		       const struct bench_effort *e, int max_tries)
{
	struct cm_row *r = &out->rtt;
	struct rtt_windows rw = { .ept = ept, .e = e };
	double fv[CM_WINDOWS + 1], fp99[CM_WINDOWS + 1];
	struct fig tmp;
	int err;

	for (r->tries = 1; r->tries <= max_tries; r->tries++) {
		err = interleave(f, e, rtt_window, &rw, fv, fp99);
		if (err)
			return err;
		row_relative(r, rw.p50, fv, CM_WINDOWS);
		fig_from(rw.p50, CM_WINDOWS, &r->fig);
		fig_from(rw.p99, CM_WINDOWS, &tmp);
		out->rtt_p99 = tmp.med;
		fig_from(fp99, CM_WINDOWS + 1, &tmp);
		out->floor_p99 = tmp.med;
		row_floor(r, fv, fv + CM_WINDOWS + 1 - CM_FLOOR_WINDOWS, fv, CM_WINDOWS + 1);
		if (!r->floor_moved)
			break;
	}
	if (r->tries > max_tries)
		r->tries = max_tries;
	return 0;
}

struct tput_windows {
	struct asv_endpoint *ept;
	uint32_t size;
	unsigned long n;
	double msg_s[CM_WINDOWS];
};

static int tput_window(void *ctx, int w)
{
	struct tput_windows *tw = ctx;

	return stream_window(tw->ept, tw->size, tw->n, &tw->msg_s[w]);
}

static int measure_tput(struct cm_row *r, struct cm_floor *f, struct asv_endpoint *ept,
			uint32_t size, const struct bench_effort *e, int max_tries)
{
	/* a window of about tput_seconds at ~150k msgs/s, 200 at least */
	struct tput_windows tw = { .ept = ept,
				   .size = size,
				   .n = (unsigned long)(e->tput_seconds * 150000) };
	double fv[CM_WINDOWS + 1], fp99[CM_WINDOWS + 1];
	int err;

	if (tw.n < 200)
		tw.n = 200;
	for (r->tries = 1; r->tries <= max_tries; r->tries++) {
		err = interleave(f, e, tput_window, &tw, fv, fp99);
		if (err)
			return err;
		rate_of(fv, CM_WINDOWS + 1);
		row_relative(r, tw.msg_s, fv, CM_WINDOWS);
		fig_from(tw.msg_s, CM_WINDOWS, &r->fig);
		row_floor(r, fv, fv + CM_WINDOWS + 1 - CM_FLOOR_WINDOWS, fv, CM_WINDOWS + 1);
		if (!r->floor_moved)
			break;
	}
	if (r->tries > max_tries)
		r->tries = max_tries;
	return 0;
}

/* Boots of echo and of the floor image, alternating; the last of each
 * stays up for the round trips. */
static int measure_boot(struct cm_results *out, const char *dir, struct asv_proc *p,
			struct cm_floor *f)
{
	struct cm_row *r = &out->boot;
	double v[CM_WINDOWS], fv[CM_WINDOWS], rel[CM_WINDOWS];
	uint64_t ns;
	int w, err = 0;

	for (w = 0; w < CM_WINDOWS && !err; w++) {
		err = floor_start(f, dir, &ns);
		fv[w] = (double)ns;
		if (!err && w != CM_WINDOWS - 1)
			floor_stop(f);
		if (!err)
			err = proc_boot(p, dir, "asvirt-echo.elf", &ns);
		v[w] = (double)ns;
		if (!err && w != CM_WINDOWS - 1)
			asv_proc_destroy(p);
	}
	if (err)
		return err;
	for (w = 0; w < CM_WINDOWS; w++)
		rel[w] = fv[w] > 0 ? v[w] / fv[w] : 0;
	fig_from(rel, CM_WINDOWS, &r->rel);
	fig_from(v, CM_WINDOWS, &r->fig);
	/* the floor's boots, each right before one of the row's */
	row_floor(r, fv, fv + CM_WINDOWS - CM_FLOOR_WINDOWS, fv, CM_WINDOWS);
	r->floor_moved = 0; /* boots vary by nature: no phase to compare */
	r->tries = 1;
	return 0;
}

/* The board's console and QEMU's messages go to stderr: kept in a memfd
 * while we measure, shown only when a measurement fails. */
static int console_hide(void)
{
	int saved = dup(2), mfd = memfd_create("asvirt-cm-console", MFD_CLOEXEC);

	fflush(stderr);
	if (saved < 0 || mfd < 0 || dup2(mfd, 2) < 0) {
		if (saved >= 0)
			close(saved);
		saved = -1;
	}
	if (mfd >= 0)
		close(mfd);
	return saved;
}

static void console_show(int saved, int show)
{
	char buf[4096];
	ssize_t n;

	if (saved < 0)
		return;
	fflush(stderr);
	if (show && lseek(2, 0, SEEK_SET) == 0)
		while ((n = read(2, buf, sizeof(buf))) > 0)
			(void)!write(saved, buf, (size_t)n);
	dup2(saved, 2);
	close(saved);
}

static void row_init(struct cm_row *r, const char *key, const char *unit, int higher)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->key, sizeof(r->key), "%s", key);
	r->unit = unit;
	r->higher_is_better = higher;
}

int bench_cm_run(const char *dir, const struct bench_effort *e, int max_tries,
		 struct cm_results *out)
{
	struct cm_floor f = { .pid = 0, .sock = -1, .memfd = -1 };
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct asv_endpoint *ept;
	int err = p ? 0 : -ASV_ENOMEM, saved, k, up = 0;
	char key[48];
	uint64_t ns;

	row_init(&out->rtt, "cortex-m/rtt/16", "ns", 0);
	row_init(&out->boot, "cortex-m/boot", "ns", 0);
	for (k = 0; k < CM_NTPUT; k++) {
		snprintf(key, sizeof(key), "cortex-m/tput/%u", (unsigned int)cm_tput_bytes[k]);
		row_init(&out->tput[k], key, "msg/s", 1);
	}
	saved = console_hide();
	if (!err)
		err = measure_boot(out, dir, p, &f);
	up = !err;
	ept = err ? NULL : proc_ept(p, rtt_trampoline, NULL, &err);
	if (ept)
		err = measure_rtt(out, &f, ept, e, max_tries);
	if (up)
		asv_proc_destroy(p);
	up = 0;
	if (!err)
		err = proc_boot(p, dir, "asvirt-bench-source.elf", &ns);
	up = !err;
	ept = err ? NULL : proc_ept(p, stream_cb, NULL, &err);
	for (k = 0; k < CM_NTPUT && ept && !err; k++)
		err = measure_tput(&out->tput[k], &f, ept, cm_tput_bytes[k], e, max_tries);
	if (up)
		asv_proc_destroy(p);
	floor_stop(&f);
	console_show(saved, err != 0);
	free(p);
	return err;
}
