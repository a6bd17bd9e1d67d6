/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/* asvirt-fw-runner's second kind of image: a board-level firmware. */
#ifndef ASVIRT_RUNNER_BOARD_H
#define ASVIRT_RUNNER_BOARD_H

#include <stdint.h>
#include <sys/types.h>

struct asv_notifier;
struct asv_shm_ctl;
struct asv_shm_layout;

/*
 * Run the board-level image @fw on the board of this block: the window is
 * the region at @region (@layout), its doorbells @irq (already counting the
 * heartbeat) and @peer; @nvrings from the image's own table; @kicked the
 * host's record of kicked vrings, or NULL. Returns when SIGTERM/SIGINT
 * arrive or @ppid is gone; the runner's exit status.
 */
int asv_runner_board(const char *fw, const char *name, struct asv_shm_ctl *ctl, void *region,
		     const struct asv_shm_layout *layout, uint32_t nvrings, uint32_t *kicked,
		     struct asv_notifier *irq, struct asv_notifier *peer, pid_t ppid);

/* Wait for SIGTERM/SIGINT (blocked by the caller) or the parent's exit. */
void asv_runner_wait_stop(pid_t ppid);

/* What the runner reports before it exits with a failure. */
void asv_runner_fail(struct asv_shm_ctl *ctl, int err);

#endif
