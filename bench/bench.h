/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * asvirt bench: the machine's floors and asvirt's figures, measured in one
 * run so that every asvirt number can be printed as a ratio to its floor.
 */
#ifndef ASVIRT_BENCH_H
#define ASVIRT_BENCH_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/*
 * The fewest messages a throughput window holds: a slow machine or a
 * sanitizer gets up to 10 s more for them. The kicks of a window are
 * counted as they are sent and its messages as they arrive, so its kicks
 * per message are off by the messages in flight, up to a ring's 256
 * buffers: in a short window (--quick) under a sanitizer, a few dozen
 * messages can read as twice the kicks they had. Four rings' worth keep
 * that error under a quarter.
 */
#define BENCH_TPUT_MIN_MSGS 1024u

struct lat {
	double p50, p99, p999, max; /* nanoseconds */
	unsigned long n;
};

struct floors {
	struct lat sem;	    /* semaphore ping-pong between two threads, round trip */
	struct lat eventfd; /* eventfd ping-pong, round trip */
	struct lat spin;    /* spin ping-pong on a shared cache line, round trip */
	double spsc_rec_s;  /* single-producer/single-consumer ring, 16-byte records/s */
	double memcpy_bps;  /* memcpy of 512-byte chunks, bytes/s */
	double xcore_bps;   /* SPSC ring of 512-byte records across cores, bytes/s */
};

/* One throughput window of a remote -> host stream. */
struct tput {
	double msg_s;
	double bytes_s;
	double host_cpu_ns;   /* host CPU time per message */
	double remote_cpu_ns; /* remote CPU time per message (sender + ISR) */
	/* notifications per message: the remote's kicks (the host's wake-ups,
	 * sender -> receiver) and the host's (receiver -> sender) */
	double remote_kicks;
	double host_kicks;
	unsigned long msgs;
};

/* Effort: counts and durations. quick = tiny, for tests under TSan. */
struct bench_effort {
	unsigned long rtt_count; /* round trips per latency batch */
	unsigned long floor_rtt; /* round trips per floor */
	double tput_seconds;	 /* duration of each throughput window */
	unsigned int warmup_ms;	 /* a stream runs this long before its window */
};

/* A figure measured in several windows: their median and min-max. */
struct fig {
	double med, min, max;
	unsigned int n;
};

/* The median and min-max of @n values (@v is sorted in place). */
void fig_from(double *v, unsigned int n, struct fig *out);
/* Has a floor moved between @before and @after? When their medians differ by
 * more than the larger of either side's relative spread and 25%. */
int fig_moved(const struct fig *before, const struct fig *after);
/* Did a floor's windows span more than a factor 2 (the machine changed
 * phase while it was measured)? */
int fig_unsteady(const struct fig *f);

/* The floors a row can be compared with, each measurable in a short window. */
enum floor_kind {
	FLOOR_SEM_1CPU, /* semaphore ping-pong round trip, both threads on one CPU, p50 ns */
	FLOOR_SEM_2CPU, /* the same, one thread on each CPU */
	FLOOR_SPIN,	/* spin ping-pong round trip, p50 ns */
	FLOOR_SPSC,	/* SPSC ring of 16-byte records, records/s */
	FLOOR_XCORE,	/* SPSC ring of 512-byte records across cores, bytes/s */
	FLOOR_MEMCPY,	/* memcpy of 512-byte chunks, bytes/s */
	NFLOORS
};
/* One short window of floor @k (a few ms; sem: ~20 ms). */
double bench_floor_window(enum floor_kind k, const struct bench_effort *e);
const char *bench_floor_name(enum floor_kind k);

/* Where the separate-process transport finds its runner and firmware. */
struct bench_paths {
	char runner[4096];
	char firmware_dir[4096];
};

int bench_floors(struct floors *f, const struct bench_effort *e);
/* The spin ping-pong alone (n round trips): measured again next to each
 * adaptive figure, since a VM's core-to-core latency can change mid-run. */
void bench_floor_spin(unsigned long n, struct lat *out);

/*
 * Every stream and round trip below boots its own system from one config
 * (bench_vsys_config): a switch that changes how the rings are set up
 * (features, sizes) goes there.
 */
struct asv_vsys_config;
struct asv_app;
void bench_vsys_config(struct asv_vsys_config *cfg, const struct asv_app *app, uint32_t spin_ns);
/* VIRTIO_RING_F_EVENT_IDX in every system the bench boots (default on;
 * asvirt bench --event-idx off: the suppression flags, for an A/B). */
extern int bench_event_idx;

/* Round-trip latency host -> remote echo -> host for @payload bytes. */
int bench_rtt(uint32_t spin_ns, size_t payload, const struct bench_effort *e, struct lat *out);

/* One-way remote -> host throughput over @nept endpoint pairs. */
int bench_tput(uint32_t spin_ns, size_t payload, unsigned int nept, int zero_copy,
	       const struct bench_effort *e, struct tput *out);

/* The same figures with the remote as firmware in its own process. */
int bench_proc_rtt(const struct bench_paths *paths, size_t payload, const struct bench_effort *e,
		   struct lat *out);
int bench_proc_tput(const struct bench_paths *paths, size_t payload, unsigned int nept,
		    int zero_copy, const struct bench_effort *e, struct tput *out);
/* Their baseline: the same bench-source firmware, sending from its receive
 * callback, on the in-process system (threads, semaphore interrupts). */
int bench_src_tput(size_t payload, unsigned int nept, int zero_copy, const struct bench_effort *e,
		   struct tput *out);

/* The socket path (sock_bench.c): a client through an `asvirt up` channel
 * socket to the echo firmware and back, next to its relay floor, and the
 * daemon at scale (SOCK_SCALE_FW echo firmware x SOCK_SCALE_CONNS each). */
#define SOCK_SCALE_FW 16u
#define SOCK_SCALE_CONNS 64u
#define SOCK_WINDOWS 7
struct sock_bench {
	size_t payload;
	struct lat floor;		  /* the relay floor */
	struct lat up;			  /* one client, one message at a time */
	double ratio, ratio_lo, ratio_hi; /* up / floor p50: median, min, max of windows */
	double floor_cpu_ns, up_cpu_ns;	  /* the relay's, the daemon's CPU per round trip */
	unsigned int scale_fw, scale_conns;
	unsigned long scale_rtts;
	struct lat scale;	 /* latency with every connection busy */
	double scale_ns_per_rtt; /* wall time / round trips */
	double scale_daemon_cpu_ns;
};
int bench_sock(const struct bench_paths *paths, size_t payload, const struct bench_effort *e,
	       struct sock_bench *out);
void bench_sock_print(const struct sock_bench *s, FILE *f);
/* `asvirt bench --sockets`: measure (16 bytes) and print (table or JSON). */
int bench_sock_main(const struct bench_paths *paths, const struct bench_effort *e, int json);

/* Read every byte of @n at @data (what a consumer of a payload does). */
uint8_t bench_fold(const void *data, size_t n);

/* Percentiles of @n samples (sorted in place). */
void lat_from_samples(uint64_t *ns, unsigned long n, struct lat *out);

#endif
