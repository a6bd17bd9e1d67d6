// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The PC board a board-level image gets (asvirt/board.h, firmware/board_pc.c):
 * a kick is never lost (one before the firmware set its interrupt handler,
 * one while the handler runs, one while the interrupt is masked), the
 * handler runs one call at a time with the vring id the host kicked (every
 * id when the host's doorbell does not say; ids past the board's vrings
 * never), a doorbell to a vring the board has not is refused and raises
 * nothing, the window's translations refuse every range not wholly inside,
 * and a fatal error leaves its reason for the host and exits with the
 * runner's fatal status.
 */
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "asvirt/board_pc.h"
#include "asvirt/notifier.h"
#include "asvirt/shmctl.h"

#define WAIT_MS 10000u /* a bound for a hang, not a timing assertion */

/* The host's line, counting raises. */
struct count_line {
	struct asv_notifier n;
	unsigned int raised;
};

static void cl_raise(struct asv_notifier *n)
{
	__atomic_add_fetch(&((struct count_line *)n)->raised, 1, __ATOMIC_SEQ_CST);
}

static int cl_wait(struct asv_notifier *n, uint32_t ms)
{
	(void)n;
	(void)ms;
	return -ASV_ETIMEDOUT;
}

static void cl_destroy(struct asv_notifier *n)
{
	(void)n;
}

/* What the firmware's handler saw. */
struct calls {
	sem_t got;	      /* one post per call */
	sem_t *hold;	      /* when set, the first call blocks on it */
	unsigned int n;	      /* calls */
	uint32_t ids[64];     /* their vring ids */
	unsigned int in;      /* calls running now */
	unsigned int overlap; /* a call began while another ran */
};

static void handler(void *priv, uint32_t id)
{
	struct calls *c = priv;
	unsigned int k;

	if (__atomic_add_fetch(&c->in, 1, __ATOMIC_SEQ_CST) > 1)
		__atomic_store_n(&c->overlap, 1, __ATOMIC_SEQ_CST);
	k = __atomic_fetch_add(&c->n, 1, __ATOMIC_SEQ_CST);
	if (k < 64)
		c->ids[k] = id;
	if (k == 0 && c->hold)
		sem_wait(c->hold);
	__atomic_sub_fetch(&c->in, 1, __ATOMIC_SEQ_CST);
	sem_post(&c->got);
}

static int wait_call(struct calls *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	return sem_timedwait(&c->got, &ts);
}

struct fixture {
	uint8_t window[8192];
	struct count_line host;
	struct asv_notifier *irq;
	uint32_t kicked;
	struct asv_pc_board pb;
	struct calls calls;
};

static void quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static void board_up(struct fixture *f, int with_ids)
{
	struct asv_pc_board_config cfg = {
		.name = "t",
		.window = f->window,
		.window_da = 0x10000000u,
		.window_size = sizeof(f->window),
		.rsc_size = 256,
		.nvrings = 2,
		.kicked = with_ids ? &f->kicked : NULL,
		.console = quiet,
	};

	memset(f, 0, sizeof(*f));
	f->host.n = (struct asv_notifier){ cl_raise, cl_wait, cl_destroy };
	f->irq = asv_notifier_sem_create();
	assert_non_null(f->irq);
	cfg.window = f->window;
	cfg.irq = f->irq;
	cfg.peer = &f->host.n;
	if (with_ids)
		cfg.kicked = &f->kicked;
	sem_init(&f->calls.got, 0, 0);
	assert_int_equal(asv_pc_board_init(&f->pb, &cfg), 0);
	assert_int_equal(asv_pc_board_start(&f->pb), 0);
}

static void board_down(struct fixture *f)
{
	asv_pc_board_destroy(&f->pb);
	f->irq->destroy(f->irq);
	sem_destroy(&f->calls.got);
}

/* The host's kick, as port/posix/role.c does it: the id, then the line. */
static void host_kick(struct fixture *f, uint32_t id)
{
	__atomic_fetch_or(&f->kicked, 1u << id, __ATOMIC_RELEASE);
	f->irq->raise(f->irq);
}

/* The board's thread took the host's record (a kick it now holds). */
static void wait_taken(struct fixture *f)
{
	unsigned int k;

	for (k = 0; k < WAIT_MS && __atomic_load_n(&f->kicked, __ATOMIC_ACQUIRE); k++)
		usleep(1000);
	assert_int_equal(__atomic_load_n(&f->kicked, __ATOMIC_ACQUIRE), 0);
}

static void test_kick_before_handler_kept(void **state)
{
	static struct fixture f;
	const struct asv_board *b;

	(void)state;
	board_up(&f, 1);
	b = &f.pb.b;
	host_kick(&f, 1);
	wait_taken(&f); /* taken while no handler was set */
	assert_int_equal(f.calls.n, 0);
	assert_int_equal(b->set_irq(b, handler, &f.calls), 0);
	assert_int_equal(wait_call(&f.calls), 0);
	asv_pc_board_stop(&f.pb); /* no call after this */
	assert_int_equal(f.calls.n, 1);
	assert_int_equal(f.calls.ids[0], 1);
	board_down(&f);
}

static void test_kick_while_handler_runs_delivered_after(void **state)
{
	static struct fixture f;
	const struct asv_board *b;
	sem_t hold;

	(void)state;
	board_up(&f, 1);
	b = &f.pb.b;
	sem_init(&hold, 0, 0);
	f.calls.hold = &hold;
	assert_int_equal(b->set_irq(b, handler, &f.calls), 0);
	host_kick(&f, 0);
	for (unsigned int k = 0; k < WAIT_MS && !__atomic_load_n(&f.calls.n, __ATOMIC_SEQ_CST); k++)
		usleep(1000);
	assert_int_equal(__atomic_load_n(&f.calls.n, __ATOMIC_SEQ_CST), 1); /* in the handler */
	host_kick(&f, 1); /* while the handler still runs */
	sem_post(&hold);
	assert_int_equal(wait_call(&f.calls), 0);
	assert_int_equal(wait_call(&f.calls), 0);
	asv_pc_board_stop(&f.pb);
	assert_int_equal(f.calls.n, 2);
	assert_int_equal(f.calls.ids[0], 0);
	assert_int_equal(f.calls.ids[1], 1);
	assert_int_equal(f.calls.overlap, 0);
	sem_destroy(&hold);
	board_down(&f);
}

static void test_masked_kick_kept(void **state)
{
	static struct fixture f;
	const struct asv_board *b;

	(void)state;
	board_up(&f, 1);
	b = &f.pb.b;
	assert_int_equal(b->set_irq(b, handler, &f.calls), 0);
	host_kick(&f, 0);
	assert_int_equal(wait_call(&f.calls), 0);
	assert_int_equal(b->set_irq(b, NULL, NULL), 0); /* masked */
	host_kick(&f, 1);
	wait_taken(&f);
	assert_int_equal(f.calls.n, 1);
	assert_int_equal(b->set_irq(b, handler, &f.calls), 0);
	assert_int_equal(wait_call(&f.calls), 0);
	asv_pc_board_stop(&f.pb);
	assert_int_equal(f.calls.n, 2);
	assert_int_equal(f.calls.ids[1], 1);
	board_down(&f);
}

/* Bits past the board's vrings are no vring of its: never delivered. */
static void test_ids_past_the_board_ignored(void **state)
{
	static struct fixture f;
	const struct asv_board *b;

	(void)state;
	board_up(&f, 1);
	b = &f.pb.b;
	assert_int_equal(b->set_irq(b, handler, &f.calls), 0);
	__atomic_fetch_or(&f.kicked, (1u << 5) | (1u << 31), __ATOMIC_RELEASE);
	host_kick(&f, 0); /* one record: the thread takes all three bits at once */
	assert_int_equal(wait_call(&f.calls), 0);
	asv_pc_board_stop(&f.pb);
	assert_int_equal(f.calls.n, 1);
	assert_int_equal(f.calls.ids[0], 0);
	board_down(&f);
}

/* A host whose doorbell does not say which vring: every vring's handler. */
static void test_no_ids_means_every_vring(void **state)
{
	static struct fixture f;
	const struct asv_board *b;

	(void)state;
	board_up(&f, 0);
	b = &f.pb.b;
	assert_int_equal(b->set_irq(b, handler, &f.calls), 0);
	f.irq->raise(f.irq);
	assert_int_equal(wait_call(&f.calls), 0);
	assert_int_equal(wait_call(&f.calls), 0);
	asv_pc_board_stop(&f.pb);
	assert_int_equal(f.calls.n, 2);
	assert_int_equal(f.calls.ids[0], 0);
	assert_int_equal(f.calls.ids[1], 1);
	board_down(&f);
}

static void test_doorbell_to_invalid_vring_refused(void **state)
{
	static struct fixture f;
	const struct asv_board *b;

	(void)state;
	board_up(&f, 1);
	b = &f.pb.b;
	assert_int_equal(b->nvrings, 2);
	assert_int_equal(b->notify(b, 2), -ASV_BOARD_EINVAL);
	assert_int_equal(b->notify(b, 32), -ASV_BOARD_EINVAL);
	assert_int_equal(b->notify(b, UINT32_MAX), -ASV_BOARD_EINVAL);
	assert_int_equal(f.host.raised, 0);
	assert_int_equal(b->notify(b, 0), 0);
	assert_int_equal(b->notify(b, 1), 0);
	assert_int_equal(f.host.raised, 2);
	board_down(&f);
}

static void test_window_bounds(void **state)
{
	static struct fixture f;
	const struct asv_board *b;
	const uint64_t da = 0x10000000u, size = sizeof(f.window);

	(void)state;
	board_up(&f, 1);
	b = &f.pb.b;
	assert_ptr_equal(b->window, f.window);
	assert_int_equal(b->window_da, da);
	assert_int_equal(b->window_size, size);
	assert_ptr_equal(b->rsc_table, f.window); /* the loaded table: the window's start */
	assert_int_equal(b->rsc_size, 256);
	assert_ptr_equal(asv_board_da_to_va(b, da, size), f.window);
	assert_ptr_equal(asv_board_da_to_va(b, da + size - 1, 1), f.window + size - 1);
	assert_ptr_equal(asv_board_da_to_va(b, da + size, 0), f.window + size);
	assert_null(asv_board_da_to_va(b, da + size - 1, 2));
	assert_null(asv_board_da_to_va(b, da + size, 1));
	assert_null(asv_board_da_to_va(b, da - 1, 1));
	assert_null(asv_board_da_to_va(b, da, size + 1));
	assert_null(asv_board_da_to_va(b, da + 16, UINT64_MAX)); /* da + len wraps */
	assert_null(asv_board_da_to_va(b, UINT64_MAX, 2));
	assert_int_equal(asv_board_va_to_da(b, f.window + 16, 16), da + 16);
	assert_int_equal(asv_board_va_to_da(b, f.window + size - 4, 4), da + size - 4);
	assert_int_equal(asv_board_va_to_da(b, f.window + size - 4, 5), UINT64_MAX);
	assert_int_equal(asv_board_va_to_da(b, (const void *)((uintptr_t)f.window - 1), 1),
			 UINT64_MAX);
	assert_int_equal(asv_board_va_to_da(b, f.window + 8, UINT64_MAX), UINT64_MAX);
	board_down(&f);
}

/* A board refuses a table larger than its window and a count of vrings its
 * record cannot hold. */
static void test_board_config_refused(void **state)
{
	static struct fixture f;
	struct asv_pc_board pb;
	struct asv_pc_board_config cfg;

	(void)state;
	board_up(&f, 1);
	cfg = f.pb.cfg;
	cfg.rsc_size = (uint32_t)sizeof(f.window) + 1;
	assert_int_equal(asv_pc_board_init(&pb, &cfg), -ASV_EINVAL);
	cfg = f.pb.cfg;
	cfg.nvrings = 33;
	assert_int_equal(asv_pc_board_init(&pb, &cfg), -ASV_EINVAL);
	cfg.nvrings = 0;
	assert_int_equal(asv_pc_board_init(&pb, &cfg), -ASV_EINVAL);
	board_down(&f);
}

static void test_fatal_reported_then_exit(void **state)
{
	static struct fixture f;
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status = 0;
	pid_t pid;

	(void)state;
	assert_true(page != MAP_FAILED);
	memset(page, 'x', 4096);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct asv_pc_board_config cfg;
		struct asv_pc_board pb;

		board_up(&f, 1);
		cfg = f.pb.cfg;
		cfg.fatal_buf = page;
		cfg.fatal_len = 16;
		if (asv_pc_board_init(&pb, &cfg))
			_exit(99);
		pb.b.fatal(&pb.b, "a reason longer than sixteen bytes");
		_exit(98); /* not reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), ASV_RUNNER_EXIT_FATAL);
	assert_string_equal(page, "a reason longer"); /* cut to fit, terminated */
	munmap(page, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kick_before_handler_kept),
		cmocka_unit_test(test_kick_while_handler_runs_delivered_after),
		cmocka_unit_test(test_masked_kick_kept),
		cmocka_unit_test(test_ids_past_the_board_ignored),
		cmocka_unit_test(test_no_ids_means_every_vring),
		cmocka_unit_test(test_doorbell_to_invalid_vring_refused),
		cmocka_unit_test(test_window_bounds),
		cmocka_unit_test(test_board_config_refused),
		cmocka_unit_test(test_fatal_reported_then_exit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
