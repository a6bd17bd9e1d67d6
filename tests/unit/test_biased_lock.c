// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The POSIX port's biased lock (asvirt/biased_lock.h): a thread that
 * takes it alone gets the bias and then holds it without the shared lock;
 * a second thread revokes the bias, once, while the owner hammers the
 * lock on another CPU, and the two never overlap; threads taking turns
 * never bias it; a child of fork() can still revoke its parent's bias;
 * and in a real stream the locks of the data path end up biased.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "asvirt/biased_lock.h"
#include "asvirt/vsys.h"

/* Every hold checks for a second holder and does read-modify-writes a
 * second holder would break. */
struct hammer {
	struct asv_biased_lock *lock;
	unsigned long *count;
	int *inside;
	unsigned long n;
	int overlaps;
	int *go;	     /* start when set */
	int *started;	     /* set after n / 8 holds (the owner) */
	unsigned int slow;   /* increments per hold after that */
	unsigned long done;  /* increments made */
	int biased_at_start; /* biased when the other thread was let go */
};

static void hold_once(struct hammer *h, unsigned int increments)
{
	unsigned int i;

	asv_biased_lock(h->lock);
	if (__atomic_exchange_n(h->inside, 1, __ATOMIC_RELAXED))
		h->overlaps++;
	for (i = 0; i < increments; i++) {
		*h->count = *h->count + 1;
		__asm__ __volatile__("" ::: "memory");
	}
	h->done += increments;
	__atomic_store_n(h->inside, 0, __ATOMIC_RELAXED);
	asv_biased_unlock(h->lock);
}

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	unsigned int increments = 1;
	unsigned long i;

	while (!__atomic_load_n(h->go, __ATOMIC_ACQUIRE))
		asv_posix_cpu_relax();
	for (i = 0; i < h->n; i++) {
		hold_once(h, increments);
		if (h->started && i == h->n / 8) {
			h->biased_at_start = asv_biased_is_biased(h->lock);
			__atomic_store_n(h->started, 1, __ATOMIC_RELEASE);
			increments = h->slow;
		}
	}
	return NULL;
}

/* Take @l from this thread until it is biased to it; skip if the kernel
 * has no expedited membarrier (the lock then never biases). */
static void bias_to_me(struct asv_biased_lock *l)
{
	unsigned int i;

	for (i = 0; i < ASV_BIASED_STREAK - 1; i++) {
		asv_biased_lock(l);
		asv_biased_unlock(l);
	}
	assert_false(asv_biased_is_biased(l));
	asv_biased_lock(l);
	asv_biased_unlock(l);
	if (!asv_biased_is_biased(l))
		skip();
}

/* Does this kernel let a lock bias (membarrier with PRIVATE_EXPEDITED)? */
static bool kernel_can_bias(void)
{
	struct asv_biased_lock l;
	unsigned int i;
	bool biased;

	asv_biased_init(&l, ASV_BIASED_SPIN);
	for (i = 0; i < ASV_BIASED_STREAK; i++) {
		asv_biased_lock(&l);
		asv_biased_unlock(&l);
	}
	biased = asv_biased_is_biased(&l);
	asv_biased_destroy(&l);
	return biased;
}

/* ASVIRT_LOCKS=shared: no lock is ever biased (for A/B measurements). */
static void test_env_turns_bias_off(void **state)
{
	(void)state;
	assert_int_equal(setenv("ASVIRT_LOCKS", "shared", 1), 0);
	assert_false(asv_biased_supported());
	assert_false(kernel_can_bias());
	assert_int_equal(unsetenv("ASVIRT_LOCKS"), 0);
}

static void test_owner_skips_shared_lock(void **state)
{
	struct asv_biased_lock l;

	(void)state;
	asv_biased_init(&l, ASV_BIASED_SPIN);
	bias_to_me(&l);
	/* held by the fast path: the owner's flag, not the shared lock */
	asv_biased_lock(&l);
	assert_int_equal(__atomic_load_n(&l.owner_in, __ATOMIC_RELAXED), 1);
	assert_int_equal(__atomic_load_n(&l.spin, __ATOMIC_RELAXED), 0);
	asv_biased_unlock(&l);
	assert_int_equal(__atomic_load_n(&l.owner_in, __ATOMIC_RELAXED), 0);
	assert_int_equal(l.revocations, 0);
	asv_biased_destroy(&l);
}

/*
 * The owner holds the lock over and over on one CPU while a second
 * thread, started once the owner is in full swing, takes it too: the bias
 * is revoked exactly once and no hold overlaps another. Revoking happens
 * once per lock, so it is done on many locks.
 */
static void revoke_while_hammered(enum asv_biased_kind kind)
{
	bool can_bias = kernel_can_bias();
	unsigned long round, rounds = test_count(50);

	for (round = 0; round < rounds; round++) {
		struct asv_biased_lock l;
		unsigned long count = 0;
		int inside = 0, go = 0, started = 0;
		/* the owner's holds grow longer than a membarrier takes, so
		 * a revoker that did not wait for it would come in */
		struct hammer owner = { &l, &count, &inside, 800, 0, &go, &started, 20000, 0, 0 };
		struct hammer other = { &l, &count, &inside, 100, 0, &started, NULL, 1, 0, 0 };
		pthread_t th[2];

		asv_biased_init(&l, kind);
		assert_int_equal(pthread_create(&th[0], NULL, hammer_main, &owner), 0);
		assert_int_equal(pthread_create(&th[1], NULL, hammer_main, &other), 0);
		/* the owner biases the lock to itself before anyone else takes it */
		__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		assert_int_equal(owner.overlaps, 0);
		assert_int_equal(other.overlaps, 0);
		assert_int_equal(count, owner.done + other.done);
		assert_int_equal(owner.biased_at_start, can_bias);
		assert_false(asv_biased_is_biased(&l));
		assert_int_equal(l.revocations, can_bias ? 1 : 0);
		asv_biased_destroy(&l);
	}
}

static void test_revoke_spin(void **state)
{
	(void)state;
	revoke_while_hammered(ASV_BIASED_SPIN);
}

static void test_revoke_mutex(void **state)
{
	(void)state;
	revoke_while_hammered(ASV_BIASED_MUTEX);
}

/* Two threads in strict turns: neither ever holds it 64 times in a row. */
struct turns {
	struct asv_biased_lock *lock;
	int *turn;
	int me;
	unsigned int n;
};

static void *turns_main(void *arg)
{
	struct turns *t = arg;
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		while (__atomic_load_n(t->turn, __ATOMIC_ACQUIRE) != t->me)
			asv_posix_cpu_relax();
		asv_biased_lock(t->lock);
		asv_biased_unlock(t->lock);
		__atomic_store_n(t->turn, !t->me, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_turns_never_bias(void **state)
{
	struct asv_biased_lock l;
	int turn = 0;
	struct turns a = { &l, &turn, 0, 2000 }, b = { &l, &turn, 1, 2000 };
	pthread_t th[2];

	(void)state;
	asv_biased_init(&l, ASV_BIASED_SPIN);
	assert_int_equal(pthread_create(&th[0], NULL, turns_main, &a), 0);
	assert_int_equal(pthread_create(&th[1], NULL, turns_main, &b), 0);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	assert_false(asv_biased_is_biased(&l));
	assert_int_equal(l.revocations, 0);
	asv_biased_destroy(&l);
}

static void *take_once(void *arg)
{
	asv_biased_lock(arg);
	asv_biased_unlock(arg);
	return NULL;
}

/* A lock biased in the parent is revoked by a new thread of the child. */
static void test_revoke_after_fork(void **state)
{
	struct asv_biased_lock l;
	int status;
	pid_t pid;

	(void)state;
	asv_biased_init(&l, ASV_BIASED_SPIN);
	bias_to_me(&l);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pthread_t th;

		if (pthread_create(&th, NULL, take_once, &l))
			_exit(2);
		pthread_join(th, NULL);
		_exit(!asv_biased_is_biased(&l) && l.revocations == 1 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the parent's lock is its own: still biased to this thread */
	assert_true(asv_biased_is_biased(&l));
	asv_biased_destroy(&l);
}

static int count_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	(void)e;
	(void)data;
	(void)len;
	(void)src;
	__atomic_add_fetch((unsigned long *)priv, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * The common case the bias is for: one application thread streams remote
 * -> host and the host's ISR thread receives. Afterwards the sender's TX
 * lock and the host's RX and RET locks are biased and were never revoked,
 * so the stream took no atomic instruction for a lock; a path that took
 * one of them from a second thread per message would fail here.
 */
#define STREAM_BURSTS 4 * ASV_BIASED_STREAK
#define STREAM_BURST 16

static void stream_keeps_bias(uint32_t spin_ns, bool zero_copy)
{
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct asv_vsys_config cfg = { .spin_ns = spin_ns, .pin = spin_ns != 0 };
	struct asv_endpoint rept, *hept;
	struct asv_stats st;
	unsigned long received = 0, i;
	uint8_t msg[16] = { 0 };
	uint64_t end;
	int err;

	assert_non_null(s);
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	hept = asv_host_create_ept(&s->host, NULL, 0x500, count_cb, &received, &err);
	assert_non_null(hept);
	assert_int_equal(asv_create_ept(&s->remote.dev, &rept, NULL, 0x600, count_cb, NULL), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	/* in bursts, each received before the next: the host's ISR thread
	 * takes RX at least once per burst, however fast it drains */
	for (i = 0; i < STREAM_BURSTS * STREAM_BURST; i++) {
		if (zero_copy) {
			uint8_t *buf = asv_get_tx_buffer(&s->remote.dev, NULL, 5000, &err);

			assert_non_null(buf);
			memset(buf, (int)i, sizeof(msg));
			assert_int_equal(asv_send_nocopy(&rept, 0x500, buf, sizeof(msg)), 0);
		} else {
			msg[0] = (uint8_t)i;
			assert_int_equal(asv_sendto(&rept, 0x500, msg, sizeof(msg)), 0);
		}
		if ((i + 1) % STREAM_BURST)
			continue;
		end = asv_posix_now_ms() + 10000;
		while (__atomic_load_n(&received, __ATOMIC_ACQUIRE) < i + 1 &&
		       asv_posix_now_ms() < end)
			usleep(20);
		assert_int_equal(__atomic_load_n(&received, __ATOMIC_ACQUIRE), i + 1);
	}
	/* a monitor reading the counters leaves every bias in place */
	asv_get_stats(&s->host.dev, &st);
	assert_int_equal(st.rx_msgs, STREAM_BURSTS * STREAM_BURST);
	asv_get_stats(&s->remote.dev, &st);
	assert_int_equal(st.tx_msgs, STREAM_BURSTS * STREAM_BURST);
	print_message("spin %u %s: remote TX %d/%u, host RX %d/%u, RET %d/%u (biased/revoked)\n",
		      spin_ns, zero_copy ? "zero-copy" : "copy",
		      asv_biased_is_biased(&s->remote_role.locks[ASV_LOCK_TX]),
		      s->remote_role.locks[ASV_LOCK_TX].revocations,
		      asv_biased_is_biased(&s->host_role.locks[ASV_LOCK_RX]),
		      s->host_role.locks[ASV_LOCK_RX].revocations,
		      asv_biased_is_biased(&s->host_role.locks[ASV_LOCK_RET]),
		      s->host_role.locks[ASV_LOCK_RET].revocations);
	assert_true(asv_biased_is_biased(&s->remote_role.locks[ASV_LOCK_TX]));
	assert_true(asv_biased_is_biased(&s->host_role.locks[ASV_LOCK_RX]));
	assert_true(asv_biased_is_biased(&s->host_role.locks[ASV_LOCK_RET]));
	assert_int_equal(s->remote_role.locks[ASV_LOCK_TX].revocations, 0);
	assert_int_equal(s->host_role.locks[ASV_LOCK_RX].revocations, 0);
	assert_int_equal(s->host_role.locks[ASV_LOCK_RET].revocations, 0);
	asv_host_destroy_ept(hept);
	assert_int_equal(asv_destroy_ept(&rept), 0);
	asv_vsys_stop(s);
	free(s);
}

static void test_stream_semaphore(void **state)
{
	(void)state;
	if (!kernel_can_bias())
		skip();
	stream_keeps_bias(0, false);
	stream_keeps_bias(0, true);
}

static void test_stream_adaptive(void **state)
{
	(void)state;
	if (!kernel_can_bias())
		skip();
	stream_keeps_bias(50000, false);
	stream_keeps_bias(50000, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_turns_bias_off),
		cmocka_unit_test(test_owner_skips_shared_lock),
		cmocka_unit_test(test_revoke_spin),
		cmocka_unit_test(test_revoke_mutex),
		cmocka_unit_test(test_turns_never_bias),
		cmocka_unit_test(test_revoke_after_fork),
		cmocka_unit_test(test_stream_semaphore),
		cmocka_unit_test(test_stream_adaptive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
