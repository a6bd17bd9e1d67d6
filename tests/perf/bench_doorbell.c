// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Round trip of the two separate-process doorbells: the parent raises the
 * child's line and waits on its own; the child waits and raises back.
 * usage: bench_doorbell [ITERATIONS]   (default 100000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asvirt/posix.h"
#include "asvirt/shmctl.h"

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int run(const char *name, int kind, unsigned long n)
{
	struct asv_shm_futex *f =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct asv_notifier *a, *b;
	uint64_t *lat, t0, total;
	unsigned long i;
	pid_t pid;
	int st;

	if (f == MAP_FAILED)
		return 1;
	if (kind == ASV_DOORBELL_EVENTFD) {
		a = asv_notifier_eventfd_create(NULL);
		b = asv_notifier_eventfd_create(NULL);
	} else {
		a = asv_notifier_futex_create(&f[0]);
		b = asv_notifier_futex_create(&f[1]);
	}
	lat = calloc(n, sizeof(*lat));
	if (!a || !b || !lat)
		return 1;
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < n + 1; i++) {
			if (a->wait(a, 5000))
				_exit(1);
			b->raise(b);
		}
		_exit(0);
	}
	/* warm up */
	a->raise(a);
	b->wait(b, 5000);
	total = asv_posix_now_ns();
	for (i = 0; i < n; i++) {
		t0 = asv_posix_now_ns();
		a->raise(a);
		if (b->wait(b, 5000)) {
			fprintf(stderr, "%s: timeout\n", name);
			return 1;
		}
		lat[i] = asv_posix_now_ns() - t0;
	}
	total = asv_posix_now_ns() - total;
	waitpid(pid, &st, 0);
	qsort(lat, n, sizeof(*lat), cmp);
	printf("%-8s round trip over %lu: mean %6.2f us  median %6.2f us  p99 %6.2f us\n", name, n,
	       (double)total / (double)n / 1000.0, (double)lat[n / 2] / 1000.0,
	       (double)lat[n * 99 / 100] / 1000.0);
	free(lat);
	a->destroy(a);
	b->destroy(b);
	munmap(f, 4096);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;

	if (!n)
		n = 1;
	return run("eventfd", ASV_DOORBELL_EVENTFD, n) || run("futex", ASV_DOORBELL_FUTEX, n);
}
