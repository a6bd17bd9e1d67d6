/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The seam between the portable core and a port (POSIX threads, Linux
 * kernel threads, a separate process, ...). The core makes no OS call of
 * its own: whatever must block, lock, allocate or interrupt the peer goes
 * through one of these operations. A port fills one struct asv_env per
 * role instance; port/posix/ and port/linux-kernel/ are the reference ports.
 */
#ifndef ASVIRT_ENV_H
#define ASVIRT_ENV_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

/* Locks the core asks for, by id. A port keeps one mutex per id. */
enum asv_lock_id {
	ASV_LOCK_TX = 0,  /* producer side of the sending vring */
	ASV_LOCK_RX = 1,  /* receive dispatch: held while callbacks run */
	ASV_LOCK_EPT = 2, /* endpoint table and address allocation */
	ASV_LOCK_RET = 3, /* returning received buffers to the peer */
	ASV_LOCK_COUNT
};

/* Log levels of the logging hook. */
enum asv_log_level { ASV_LOG_ERR = 0, ASV_LOG_WARN = 1, ASV_LOG_INFO = 2, ASV_LOG_DEBUG = 3 };

typedef void (*asv_log_fn)(void *ctx, int level, const char *msg);

struct asv_evlog;

struct asv_env {
	void *ctx;
	/* Raise the simulated interrupt at the peer for vring @notifyid. */
	void (*notify)(void *ctx, uint32_t notifyid);
	/*
	 * Blocking for senders that found no free buffer, without lost
	 * wake-ups: the core reads wait_gen(), re-checks its condition, then
	 * calls wait(gen), which returns at once if wake() has run since.
	 * wait() blocks until the generation differs from @gen or @timeout_ms
	 * passes; returns 0, or -ASV_ETIMEDOUT. wake() bumps the generation and
	 * wakes every waiter.
	 */
	uint32_t (*wait_gen)(void *ctx);
	int (*wait)(void *ctx, uint32_t gen, uint32_t timeout_ms);
	void (*wake)(void *ctx);
	/*
	 * Called instead of wait() when the caller is the ISR thread itself
	 * (a callback that sends and finds no buffer): consume one simulated
	 * interrupt, or time out. May be NULL: such a send then fails with
	 * -ASV_ENOMEM instead of waiting.
	 */
	int (*isr_wait)(void *ctx, uint32_t timeout_ms);
	/* True when called on this role's ISR thread. */
	bool (*in_isr)(void *ctx);
	void (*lock)(void *ctx, enum asv_lock_id id);
	void (*unlock)(void *ctx, enum asv_lock_id id);
	/* Monotonic milliseconds, used to keep a deadline across waits. */
	uint64_t (*now_ms)(void *ctx);
	/* Host role only (the remote never allocates): zeroed memory. */
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);
	/*
	 * Adaptive senders: retries of a send that found no free buffer
	 * before it sleeps (0 = sleep at once). Worth it when the peer polls.
	 */
	uint32_t tx_spin;
	/* Optional logging hook; NULL means silent. */
	asv_log_fn log;
	void *log_ctx;
	/* Messages below or at this level are passed to log(). */
	int log_level;
	/* Protocol events (asvirt/event.h) go here; NULL (the default): none. */
	struct asv_evlog *evlog;
};

/* "error", "warning", "info", "debug" -> ASV_LOG_*, or -1 if unknown. */
int asv_log_level_parse(const char *name);
/* ASV_LOG_* -> its name. */
const char *asv_log_level_name(int level);

/* Log through an env (printf-style). Safe with env->log == NULL. */
void asv_logf(const struct asv_env *env, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* ASVIRT_ENV_H */
