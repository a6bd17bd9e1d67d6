// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The floors of this machine, between two threads: a semaphore ping-pong
 * (what the simulated interrupt costs at best), an eventfd ping-pong, a
 * spin ping-pong on one cache line (what polling costs at best), a
 * single-producer/single-consumer ring of 16-byte records and memcpy of
 * 512-byte chunks.
 */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "asvirt/posix.h"
#include "asvirt/vsys.h"
#include "bench.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void lat_from_samples(uint64_t *ns, unsigned long n, struct lat *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	qsort(ns, n, sizeof(*ns), cmp_u64);
	out->n = n;
	out->p50 = (double)ns[n / 2];
	out->p99 = (double)ns[(n * 99) / 100];
	out->p999 = (double)ns[(n * 999) / 1000];
	out->max = (double)ns[n - 1];
}

/* ---- semaphore ping-pong ---- */

struct sem_pp {
	sem_t a, b;
	unsigned long n;
	int echo_cpu; /* -1: unpinned */
};

static void *sem_echo(void *arg)
{
	struct sem_pp *p = arg;
	unsigned long i;

	if (p->echo_cpu >= 0)
		asv_posix_pin_self(p->echo_cpu);
	for (i = 0; i < p->n; i++) {
		sem_wait(&p->a);
		sem_post(&p->b);
	}
	return NULL;
}

static void unpin_self(void)
{
	cpu_set_t all;
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&all);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
}

/*
 * @cpus: 0 unpinned (the scheduler places the two threads), 1 both on one
 * CPU (a wake-up is a context switch, ~4 us on this VM), 2 one thread on
 * each (a wake-up crosses to the other vCPU, ~40 us here when it halted).
 */
static void floor_sem(unsigned long n, int cpus, struct lat *out)
{
	uint64_t *s = calloc(n, sizeof(*s));
	struct sem_pp p = { .n = n, .echo_cpu = -1 };
	pthread_t th;
	unsigned long i;

	if (cpus) {
		asv_posix_pin_self(ASV_VSYS_HOST_CPU);
		p.echo_cpu = cpus == 1 ? ASV_VSYS_HOST_CPU : ASV_VSYS_REMOTE_CPU;
	}
	sem_init(&p.a, 0, 0);
	sem_init(&p.b, 0, 0);
	pthread_create(&th, NULL, sem_echo, &p);
	for (i = 0; i < n; i++) {
		uint64_t t0 = asv_posix_now_ns();

		sem_post(&p.a);
		sem_wait(&p.b);
		s[i] = asv_posix_now_ns() - t0;
	}
	pthread_join(th, NULL);
	if (cpus)
		unpin_self();
	lat_from_samples(s, n, out);
	sem_destroy(&p.a);
	sem_destroy(&p.b);
	free(s);
}

/* ---- eventfd ping-pong ---- */

struct efd_pp {
	int a, b;
	unsigned long n;
};

static void *efd_echo(void *arg)
{
	struct efd_pp *p = arg;
	uint64_t v = 1;
	unsigned long i;

	for (i = 0; i < p->n; i++) {
		if (read(p->a, &v, 8) != 8 || write(p->b, &v, 8) != 8)
			break;
	}
	return NULL;
}

static void floor_eventfd(unsigned long n, struct lat *out)
{
	uint64_t *s = calloc(n, sizeof(*s)), v = 1;
	struct efd_pp p = { eventfd(0, 0), eventfd(0, 0), n };
	pthread_t th;
	unsigned long i;

	pthread_create(&th, NULL, efd_echo, &p);
	for (i = 0; i < n; i++) {
		uint64_t t0 = asv_posix_now_ns();

		if (write(p.a, &v, 8) != 8 || read(p.b, &v, 8) != 8)
			break;
		s[i] = asv_posix_now_ns() - t0;
	}
	pthread_join(th, NULL);
	lat_from_samples(s, i, out);
	close(p.a);
	close(p.b);
	free(s);
}

/* ---- spin ping-pong on one cache line ---- */

struct spin_pp {
	_Alignas(64) unsigned long ball;
	unsigned long n;
};

static void *spin_echo(void *arg)
{
	struct spin_pp *p = arg;
	unsigned long i;

	asv_posix_pin_self(ASV_VSYS_REMOTE_CPU);
	for (i = 0; i < p->n; i++) {
		while (__atomic_load_n(&p->ball, __ATOMIC_ACQUIRE) != 2 * i + 1)
			;
		__atomic_store_n(&p->ball, 2 * i + 2, __ATOMIC_RELEASE);
	}
	return NULL;
}

void bench_floor_spin(unsigned long n, struct lat *out)
{
	uint64_t *s = calloc(n, sizeof(*s));
	struct spin_pp *p = aligned_alloc(64, sizeof(*p));
	pthread_t th;
	unsigned long i;

	p->ball = 0;
	p->n = n;
	/* the same two CPUs as the adaptive ISR threads, so ratios compare */
	asv_posix_pin_self(ASV_VSYS_HOST_CPU);
	pthread_create(&th, NULL, spin_echo, p);
	for (i = 0; i < n; i++) {
		uint64_t t0 = asv_posix_now_ns();

		__atomic_store_n(&p->ball, 2 * i + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&p->ball, __ATOMIC_ACQUIRE) != 2 * i + 2)
			;
		s[i] = asv_posix_now_ns() - t0;
	}
	pthread_join(th, NULL);
	unpin_self();
	lat_from_samples(s, n, out);
	free(p);
	free(s);
}

/* ---- SPSC ring of 16-byte records ---- */

#define RING 1024u

/*
 * The rings run for a time, not a count: on a loaded machine a count can
 * take seconds. The producer publishes its last index in @end (ULONG_MAX
 * until then) after the head, so a consumer that sees @end sees the head.
 */
struct spsc {
	_Alignas(64) unsigned long head;
	_Alignas(64) unsigned long tail;
	_Alignas(64) uint64_t rec[RING][2];
	unsigned long end;
	uint64_t sum;
};

static void *spsc_consumer(void *arg)
{
	struct spsc *q = arg;
	unsigned long i = 0, h, end;
	uint64_t sum = 0;

	asv_posix_pin_self(ASV_VSYS_HOST_CPU);
	do {
		end = __atomic_load_n(&q->end, __ATOMIC_ACQUIRE);
		h = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		for (; i < h; i++)
			sum += q->rec[i % RING][0] ^ q->rec[i % RING][1];
		__atomic_store_n(&q->tail, i, __ATOMIC_RELEASE);
	} while (i < end);
	q->sum = sum;
	return NULL;
}

static double floor_spsc(double seconds)
{
	struct spsc *q = aligned_alloc(64, sizeof(*q));
	pthread_t th;
	unsigned long i = 0;
	uint64_t t0, stop;
	double r;

	if (!q)
		return 0;
	memset(q, 0, sizeof(*q));
	q->end = ~0ul;
	/* on the two CPUs of the adaptive ISR threads, as the spin floor */
	asv_posix_pin_self(ASV_VSYS_REMOTE_CPU);
	pthread_create(&th, NULL, spsc_consumer, q);
	t0 = asv_posix_now_ns();
	stop = t0 + (uint64_t)(seconds * 1e9);
	while (asv_posix_now_ns() < stop) {
		unsigned long t = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

		for (; i - t < RING; i++) {
			q->rec[i % RING][0] = i;
			q->rec[i % RING][1] = ~i;
		}
		__atomic_store_n(&q->head, i, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&q->end, i, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	r = (double)i * 1e9 / (double)(asv_posix_now_ns() - t0);
	unpin_self();
	free(q);
	return r;
}

/*
 * ---- 512-byte records across cores ----
 * The same SPSC ring with rpmsg-buffer-sized records, the producer writing
 * and the consumer reading every byte, on the two CPUs the throughput runs
 * use: what moving a full payload from one core to the other costs with no
 * protocol at all. Timed from the producer's first record to the
 * consumer's last, so that thread start-up is not in it.
 */

#define XREC 512u
#define XRING 256u

struct xring {
	_Alignas(64) unsigned long head;
	_Alignas(64) unsigned long tail;
	_Alignas(64) uint8_t rec[XRING][XREC];
	unsigned long end;
	uint64_t ns; /* how long the producer runs */
	uint64_t t0, t1;
	uint64_t sum;
};

static void *xring_consumer(void *arg)
{
	struct xring *q = arg;
	unsigned long i = 0, h, end;
	uint64_t sum = 0, w;
	unsigned int k;

	asv_posix_pin_self(ASV_VSYS_HOST_CPU);
	do {
		end = __atomic_load_n(&q->end, __ATOMIC_ACQUIRE);
		h = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		for (; i < h; i++) {
			for (k = 0; k < XREC; k += 8) {
				memcpy(&w, &q->rec[i % XRING][k], 8);
				sum ^= w;
			}
			__atomic_store_n(&q->tail, i + 1, __ATOMIC_RELEASE);
		}
	} while (i < end);
	q->t1 = asv_posix_now_ns();
	q->sum = sum;
	return NULL;
}

static void *xring_producer(void *arg)
{
	struct xring *q = arg;
	unsigned long i = 0;
	uint64_t stop;

	asv_posix_pin_self(ASV_VSYS_REMOTE_CPU);
	q->t0 = asv_posix_now_ns();
	stop = q->t0 + q->ns;
	while (asv_posix_now_ns() < stop) {
		unsigned long t = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

		for (; i - t < XRING; i++) {
			memset(q->rec[i % XRING], (int)(i & 0xff), XREC);
			__atomic_store_n(&q->head, i + 1, __ATOMIC_RELEASE);
		}
	}
	__atomic_store_n(&q->end, i, __ATOMIC_RELEASE);
	return NULL;
}

static double floor_xcore(double seconds)
{
	struct xring *q = aligned_alloc(64, sizeof(*q));
	pthread_t c, p;
	double r;

	if (!q)
		return 0;
	memset(q, 0, sizeof(*q));
	q->end = ~0ul;
	q->ns = (uint64_t)(seconds * 1e9);
	pthread_create(&c, NULL, xring_consumer, q);
	pthread_create(&p, NULL, xring_producer, q);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	r = (double)q->end * XREC * 1e9 / (double)(q->t1 - q->t0);
	free(q);
	return r;
}

/* ---- memcpy of 512-byte chunks over a buffer the size of the pool ---- */

static double floor_memcpy(double seconds)
{
	size_t pool = 512 * 512;
	uint8_t *src = malloc(pool), *dst = malloc(pool);
	uint64_t t0, t, bytes = 0;
	size_t off;

	memset(src, 0x5a, pool);
	memset(dst, 0, pool);
	t0 = asv_posix_now_ns();
	do {
		for (off = 0; off < pool; off += 512)
			memcpy(dst + off, src + ((off * 7) % pool), 512);
		bytes += pool;
		__asm__ __volatile__("" : : "r"(dst) : "memory");
		t = asv_posix_now_ns();
	} while ((double)(t - t0) < seconds * 1e9);
	free(src);
	free(dst);
	return (double)bytes * 1e9 / (double)(t - t0);
}

/*
 * One short window of a floor, taken right before and after each row so
 * that the row is compared with the floor of its own phase of the machine.
 * The rings and memcpy run a few milliseconds whatever the effort: shorter,
 * they would measure the start of their threads, not the steady state.
 */
double bench_floor_window(enum floor_kind k, const struct bench_effort *e)
{
	unsigned long n = e->floor_rtt;
	struct lat l;

	switch (k) {
	case FLOOR_SEM_1CPU:
	case FLOOR_SEM_2CPU:
		/* ~20 ms at 40 us a round trip */
		floor_sem(n / 40 > 20 ? n / 40 : 20, k == FLOOR_SEM_1CPU ? 1 : 2, &l);
		return l.p50;
	case FLOOR_SPIN:
		bench_floor_spin(n, &l);
		return l.p50;
	case FLOOR_SPSC: /* a few ms whatever the effort */
		return floor_spsc(0.005);
	case FLOOR_XCORE:
		return floor_xcore(0.005);
	case FLOOR_MEMCPY:
		return floor_memcpy(0.002);
	default:
		return 0;
	}
}

const char *bench_floor_name(enum floor_kind k)
{
	static const char *const names[NFLOORS] = { "semaphore-1cpu", "semaphore-2cpu", "spin",
						    "spsc",	      "xcore",		"memcpy" };

	return k < NFLOORS ? names[k] : "?";
}

int bench_floors(struct floors *f, const struct bench_effort *e)
{
	floor_sem(e->floor_rtt, 0, &f->sem);
	floor_eventfd(e->floor_rtt, &f->eventfd);
	bench_floor_spin(e->floor_rtt * 10, &f->spin);
	f->spsc_rec_s = floor_spsc(e->tput_seconds > 0.005 ? e->tput_seconds : 0.005);
	f->memcpy_bps = floor_memcpy(e->tput_seconds);
	f->xcore_bps = floor_xcore(e->tput_seconds > 0.005 ? e->tput_seconds : 0.005);
	return 0;
}
