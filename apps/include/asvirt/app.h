/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A remote firmware application: what a virtual MCU runs. It is written
 * against the public remote API only (asvirt/remote.h, asvirt/rpmsg.h),
 * so the same app runs in a thread, in its own process and inside the
 * kernel module. start() creates the app's endpoints (named ones are
 * announced when the link comes up) and returns; the app then reacts to
 * messages in its callbacks, on the remote's ISR thread. The runtime
 * gives the app state_size bytes of zeroed memory (the MCU's RAM).
 */
#ifndef ASVIRT_APP_H
#define ASVIRT_APP_H

#include "asvirt/remote.h"

struct asv_app {
	const char *name;
	const char *summary;
	size_t state_size;
	int (*start)(struct asv_remote *r, void *state);
	void (*stop)(struct asv_remote *r, void *state);
};

extern const struct asv_app asv_app_echo;
extern const struct asv_app asv_app_client_sample;
extern const struct asv_app asv_app_bench_source;

/* The built-in app called @name, or NULL. */
const struct asv_app *asv_app_find(const char *name);
/* The built-in apps, NULL-terminated. */
extern const struct asv_app *const asv_apps[];

/* Names and addresses the apps use (the host side needs them too). */
#define ASV_ECHO_NAME "rpmsg-echo"
#define ASV_ECHO_ADDR 0x400u
#define ASV_CLIENT_SAMPLE_NAME "rpmsg-client-sample"
#define ASV_BENCH_SOURCE_NAME "rpmsg-bench-source"
#define ASV_BENCH_SOURCE_ADDR 0x402u

/* A request to bench-source (all fields little-endian). */
#define ASV_BENCH_REQ_MAGIC 0x51524241u /* "ABRQ" */
struct asv_bench_req {
	asv_le32 magic;
	asv_le32 count;
	asv_le32 size;
	asv_le32 nept;	   /* 0: answer the requester */
	asv_le32 dst_base; /* first host endpoint when nept > 0 */
	asv_le32 zero_copy;
};

#endif
