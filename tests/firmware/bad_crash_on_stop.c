// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's life.restart): an echo that crashes
 * when it is stopped, so each restart begins with a crash. Its stop path
 * closes a session log it only opens when built with one (here it is not):
 * a NULL pointer written through. remoteproc's stop asks the firmware to
 * shut down where the platform can (drivers/remoteproc/stm32_rproc.c
 * stm32_rproc_stop: the "shutdown" mailbox, "remote FW shutdown without
 * ack" when it does not answer); asvirt's process remoteproc asks by
 * SIGTERM and the runner calls the app's stop().
 */
#include "bad_common.h"

struct session_log {
	int closed;
};

struct crash_on_stop {
	struct bad b;		 /* first: bad_stop's state */
	struct session_log *log; /* never opened in this build */
};

static int start(struct asv_remote *r, void *state)
{
	struct crash_on_stop *st = state;

	st->b.r = r;
	return asv_create_ept(&r->dev, &st->b.ept, "rpmsg-echo", 0x400, bad_echo_cb, st);
}

static void stop(struct asv_remote *r, void *state)
{
	struct crash_on_stop *st = state;

	bad_stop(r, state);
	st->log->closed = 1; /* the bug: the log was never opened */
}

static const struct asv_app app = {
	.name = "bad-crash-on-stop",
	.summary = "test: echo that crashes in its stop path",
	.state_size = sizeof(struct crash_on_stop),
	.start = start,
	.stop = stop,
};

ASV_FIRMWARE(app);
