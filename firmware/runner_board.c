// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt-fw-runner for a board-level image (asvirt/board.h): the image gets
 * the PC board (asvirt/board_pc.h) and nothing of asvirt's remote API; its
 * own RPMsg stack does the rest. See asv_runner_board() in runner_board.h.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "asvirt/board_pc.h"
#include "asvirt/errors.h"
#include "asvirt/fw_abi.h"
#include "asvirt/shmctl.h"
#include "runner_board.h"

/* The runner's exit statuses (runner.c) */
#define EXIT_NO_IMAGE 4
#define EXIT_NO_START 5
#define EXIT_ABI 6

int asv_runner_board(const char *fw, const char *name, struct asv_shm_ctl *ctl, void *region,
		     const struct asv_shm_layout *layout, uint32_t nvrings, uint32_t *kicked,
		     struct asv_notifier *irq, struct asv_notifier *peer, pid_t ppid)
{
	const struct asv_board_fw_entry *entry;
	struct asv_pc_board_config cfg = {
		.name = name,
		.window = region,
		.window_da = layout->region_da,
		.window_size = layout->region_size,
		.rsc_size = layout->table_size,
		.nvrings = nvrings,
		.irq = irq,
		.peer = peer,
		.kicked = kicked,
		.fatal_buf = ctl->fatal,
		.fatal_len = sizeof(ctl->fatal),
	};
	static struct asv_pc_board pb;
	void *dl, *state = NULL;
	char why[600];
	int err;

	dl = dlopen(fw, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		fprintf(stderr, "asvirt-fw-runner: %s\n", dlerror());
		asv_runner_fail(ctl, -ASV_ENOENT);
		return EXIT_NO_IMAGE;
	}
	/* checked in the file already; the loaded entry is what will run */
	entry = dlsym(dl, ASV_BOARD_ENTRY_SYMBOL);
	err = entry ? asv_board_entry_check(entry, sizeof(*entry), "this runner", why, sizeof(why))
		    : -ASV_EINVAL;
	if (err || !entry->start || !entry->stop) {
		fprintf(stderr, "asvirt-fw-runner: %s: %s\n", fw,
			!entry ? "no '" ASV_BOARD_ENTRY_SYMBOL "' entry"
			: err  ? why
			       : "the board firmware entry has no start and stop");
		asv_runner_fail(ctl, err ? err : -ASV_EINVAL);
		dlclose(dl);
		return err == -ASV_EPROTO ? EXIT_ABI : EXIT_NO_IMAGE;
	}
	err = asv_pc_board_init(&pb, &cfg);
	if (!err)
		err = asv_pc_board_start(&pb);
	if (err) {
		fprintf(stderr, "asvirt-fw-runner: %s: no board: %s\n", fw, asv_strerror(err));
		asv_runner_fail(ctl, err);
		dlclose(dl);
		return EXIT_NO_START;
	}
	fprintf(stderr, "%s: board firmware %s (%s) starting: window 0x%llx+0x%llx, %u vrings\n",
		name, entry->name ? entry->name : "?", fw, (unsigned long long)cfg.window_da,
		(unsigned long long)cfg.window_size, nvrings);
	err = entry->start(&pb.b, &state);
	if (err) {
		fprintf(stderr, "asvirt-fw-runner: %s: start failed: %d\n", fw, err);
		asv_pc_board_destroy(&pb);
		asv_runner_fail(ctl, err < 0 ? err : -ASV_EIO);
		return EXIT_NO_START;
	}
	__atomic_store_n(&ctl->state, ASV_RUNNER_RUNNING, __ATOMIC_RELEASE);
	asv_runner_wait_stop(ppid);
	/* the interrupt masked for good, then the firmware stops */
	asv_pc_board_stop(&pb);
	entry->stop(state);
	asv_pc_board_destroy(&pb);
	dlclose(dl);
	return 0;
}
