// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The separate-process transport's figures: the remote is firmware in its
 * own process (asvirt-fw-runner), sharing a memfd block and doorbells with
 * this process, which runs the host. Round trips go through the echo
 * firmware; one-way throughput comes from the bench-source firmware,
 * which streams N messages when asked.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asvirt/app.h"
#include "asvirt/errors.h"
#include "asvirt/proc.h"
#include "asvirt/shmctl.h"
#include "asvirt/vsys.h"
#include "bench.h"
#include "rtt.h"

static int proc_boot(struct asv_proc *p, const struct bench_paths *paths, const char *fw)
{
	struct asv_proc_config pc = { 0 };
	char path[4200], why[256] = "";
	int err;

	snprintf(path, sizeof(path), "%s/%s", paths->firmware_dir, fw);
	pc.name = fw;
	pc.runner = paths->runner;
	pc.max_restarts = 0;
	/* the image's table offers EVENT_IDX: the host declines it on request */
	if (!bench_event_idx)
		pc.host_features = 1u << ASV_VIRTIO_RPMSG_F_NS;
	err = asv_proc_init(p, &pc, path, why, sizeof(why));
	if (!err)
		err = asv_proc_start(p, why, sizeof(why));
	if (err)
		fprintf(stderr, "asvirt bench: %s: %s\n", path, why[0] ? why : asv_strerror(err));
	return err;
}

/* Wait until the firmware's channel exists (its endpoint is up). */
static int wait_channels(struct asv_proc *p, unsigned int n)
{
	uint64_t end = asv_posix_now_ms() + 10000;

	while (__atomic_load_n(&p->nchannels, __ATOMIC_ACQUIRE) < n) {
		if (asv_posix_now_ms() > end)
			return -ASV_ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

int bench_proc_rtt(const struct bench_paths *paths, size_t payload, const struct bench_effort *e,
		   struct lat *out)
{
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct rtt_ctx *c = rtt_new(payload, e);
	struct asv_endpoint *ept = NULL;
	int err = c ? proc_boot(p, paths, "asvirt-echo.so") : -ASV_ENOMEM;

	if (!err)
		err = wait_channels(p, 1);
	if (!err) {
		asv_proc_lock(p);
		ept = asv_host_create_ept(&p->host, NULL, ASV_RPMSG_ADDR_ANY, rtt_cb, c, &err);
		asv_proc_unlock(p);
	}
	if (ept)
		err = rtt_run(c, ept);
	asv_proc_stop(p);
	asv_proc_destroy(p);
	free(p);
	return rtt_finish_free(c, err, out);
}

struct ptput {
	unsigned long rx; /* atomic: written by the host ISR thread */
	int zero_copy;
	uint8_t sink[ASV_RPMSG_MAX_PAYLOAD];
};

static int ptput_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	struct ptput *c = priv;

	(void)e, (void)src;
	if (c->zero_copy) {
		/* read in place, every byte */
		c->sink[0] ^= bench_fold(d, n);
	} else {
		memcpy(c->sink, d, n);
	}
	__atomic_store_n(&c->rx, c->rx + 1, __ATOMIC_RELEASE);
	return 0;
}

/* CPU time of every thread of process @pid, in ns (schedstat: ns, not ticks). */
static double proc_cpu_ns(pid_t pid)
{
	unsigned long long run, sum = 0;
	char path[300];
	struct dirent *t;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((t = readdir(dir))) {
		if (t->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/schedstat", (int)pid, t->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &run) == 1)
			sum += run;
		fclose(f);
	}
	closedir(dir);
	return (double)sum;
}

static unsigned long rx_now(struct ptput *c)
{
	return __atomic_load_n(&c->rx, __ATOMIC_ACQUIRE);
}

/*
 * A bench-source stream: the firmware sends from its receive callback (on
 * the remote's ISR thread) until it is stopped; like the thread figures,
 * the rate is what arrives in a window of tput_seconds after a warm-up.
 * The same measurement runs the firmware in its own process (the process
 * transport) and in this one (the baseline those figures are compared
 * with: same firmware, same code path, only the transport differs).
 */
struct stream {
	struct asv_host *host;
	struct asv_proc *proc; /* NULL: in-process (no monitor to lock out) */
	pthread_t host_isr;
	double (*remote_cpu_ns)(const struct stream *st);
	/* the remote's notifications so far (kicks of the host) */
	unsigned long (*remote_kicks)(const struct stream *st);
	pthread_t remote_isr;	       /* in-process */
	struct asv_rpmsg_dev *rdev;    /* in-process */
	pid_t pid;		       /* process */
	const uint32_t *host_doorbell; /* process: bumped by each of its raises */
};

static double stream_proc_cpu(const struct stream *st)
{
	return proc_cpu_ns(st->pid);
}

static double stream_thread_cpu(const struct stream *st)
{
	return bench_thread_cpu_ns(st->remote_isr);
}

/* The runner's stats are in its process: its doorbell counter counts what
 * it raised (a statistic only: any value the peer writes is harmless). */
static unsigned long stream_proc_kicks(const struct stream *st)
{
	return __atomic_load_n(st->host_doorbell, __ATOMIC_RELAXED);
}

static unsigned long stream_thread_kicks(const struct stream *st)
{
	struct asv_stats rs;

	asv_get_stats(st->rdev, &rs);
	return rs.notifies;
}

/* @c: the receive side's state, alive until the remote has stopped. */
static int stream_run(const struct stream *st, struct ptput *c, size_t payload, unsigned int nept,
		      int zero_copy, const struct bench_effort *e, struct tput *out)
{
	struct asv_endpoint *ept[8] = { 0 };
	struct asv_bench_req req;
	struct asv_stats hs0, hs1;
	unsigned long k0, k1;
	double h0, r0, h1, r1;
	unsigned long rx0, rx1;
	uint64_t t0, t1, end;
	unsigned int j;
	int err = 0;

	if (nept < 1 || nept > 8)
		nept = 1;
	c->zero_copy = zero_copy;
	if (st->proc)
		asv_proc_lock(st->proc);
	for (j = 0; !err && j < nept; j++)
		ept[j] = asv_host_create_ept(st->host, NULL, 0x500 + j, ptput_cb, c, &err);
	if (st->proc)
		asv_proc_unlock(st->proc);
	if (!err) {
		req.magic = asv_cpu_to_le32(ASV_BENCH_REQ_MAGIC);
		req.count = asv_cpu_to_le32(0x7fffffffu);
		req.size = asv_cpu_to_le32((uint32_t)payload);
		req.nept = asv_cpu_to_le32(nept);
		req.dst_base = asv_cpu_to_le32(0x500);
		req.zero_copy = asv_cpu_to_le32((uint32_t)zero_copy);
		err = asv_sendto(ept[0], ASV_BENCH_SOURCE_ADDR, &req, sizeof(req));
	}
	/* warm-up: the stream has started and run for 20 ms */
	end = asv_posix_now_ms() + 10000;
	while (!err && !rx_now(c)) {
		if (asv_posix_now_ms() > end)
			err = -ASV_ETIMEDOUT;
		usleep(1000);
	}
	if (!err) {
		struct timespec warm = { 0, (long)e->warmup_ms * 1000000L };
		uint64_t ns = (uint64_t)(e->tput_seconds * 1e9);
		struct timespec run = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

		nanosleep(&warm, NULL);
		rx0 = rx_now(c);
		asv_get_stats(&st->host->dev, &hs0);
		k0 = st->remote_kicks(st);
		h0 = bench_thread_cpu_ns(st->host_isr);
		r0 = st->remote_cpu_ns(st);
		t0 = asv_posix_now_ns();
		nanosleep(&run, NULL);
		/* at least BENCH_TPUT_MIN_MSGS (bench.h) */
		while (rx_now(c) - rx0 < BENCH_TPUT_MIN_MSGS &&
		       asv_posix_now_ns() - t0 < 10000000000ull)
			usleep(1000);
		/* kicks counted inside the messages' window (rpmsg_bench.c) */
		asv_get_stats(&st->host->dev, &hs1);
		k1 = st->remote_kicks(st);
		rx1 = rx_now(c);
		h1 = bench_thread_cpu_ns(st->host_isr);
		r1 = st->remote_cpu_ns(st);
		t1 = asv_posix_now_ns();
		memset(out, 0, sizeof(*out));
		out->msgs = rx1 - rx0;
		out->msg_s = (double)out->msgs * 1e9 / (double)(t1 - t0);
		out->bytes_s = out->msg_s * (double)payload;
		if (out->msgs) {
			out->host_cpu_ns = (h1 - h0) / (double)out->msgs;
			out->remote_cpu_ns = (r1 - r0) / (double)out->msgs;
			/* the doorbell counter is 32 bits and wraps */
			out->remote_kicks = (double)((k1 - k0) & 0xffffffffu) / (double)out->msgs;
			out->host_kicks = (double)(hs1.notifies - hs0.notifies) / (double)out->msgs;
		}
	}
	/* the stream ends when the caller stops the remote; the endpoints go
	 * with the host */
	return err;
}

int bench_proc_tput(const struct bench_paths *paths, size_t payload, unsigned int nept,
		    int zero_copy, const struct bench_effort *e, struct tput *out)
{
	struct asv_proc *p = calloc(1, sizeof(*p));
	struct ptput *c = calloc(1, sizeof(*c));
	struct stream st;
	int err = p && c ? proc_boot(p, paths, "asvirt-bench-source.so") : -ASV_ENOMEM;

	if (!err)
		err = wait_channels(p, 1);
	if (!err) {
		st = (struct stream){ .host = &p->host,
				      .proc = p,
				      .host_isr = p->host_role.isr_thread,
				      .remote_cpu_ns = stream_proc_cpu,
				      .remote_kicks = stream_proc_kicks,
				      .pid = p->pid,
				      .host_doorbell = &p->ctl->host_db.word };
		err = stream_run(&st, c, payload, nept, zero_copy, e, out);
	}
	if (p && c) {
		asv_proc_stop(p);
		asv_proc_destroy(p);
	}
	free(c);
	free(p);
	return err;
}

int bench_src_tput(size_t payload, unsigned int nept, int zero_copy, const struct bench_effort *e,
		   struct tput *out)
{
	struct asv_vsys_config cfg;
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct ptput *c = calloc(1, sizeof(*c));
	struct stream st;
	int err;

	bench_vsys_config(&cfg, &asv_app_bench_source, 0);
	err = s && c ? asv_vsys_start(s, &cfg) : -ASV_ENOMEM;
	if (!err)
		err = asv_vsys_wait_link(s, 5000);
	if (!err) {
		st = (struct stream){ .host = &s->host,
				      .host_isr = s->host_role.isr_thread,
				      .remote_cpu_ns = stream_thread_cpu,
				      .remote_kicks = stream_thread_kicks,
				      .remote_isr = s->remote_role.isr_thread,
				      .rdev = &s->remote.dev };
		err = stream_run(&st, c, payload, nept, zero_copy, e, out);
	}
	if (s && c)
		asv_vsys_stop(s);
	free(s);
	free(c);
	return err;
}
