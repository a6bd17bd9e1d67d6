/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The POSIX port's protocol-event recorder: a role's struct asv_evlog
 * (asvirt/event.h) over a ring in this process's memory or in a block
 * shared with another process, stamped with CLOCK_MONOTONIC in
 * nanoseconds: one clock for every thread and every process of the
 * machine, so the host's and a firmware runner's events line up.
 */
#ifndef ASVIRT_EVREC_H
#define ASVIRT_EVREC_H

#include "asvirt/env.h"
#include "asvirt/event.h"

/* Ring sizes of asvirt demo/up --trace: 4 MiB per role (65536 units: as
 * many events without data, a few thousand messages with theirs), a record
 * carrying at most an rpmsg header and a 496-byte payload (the pcap's). */
#define ASV_EVREC_CAP 65536u
#define ASV_EVREC_DATA 512u

/*
 * @l records for @role into a ring of @cap units (a power of two) whose
 * records carry at most @data_size bytes of data, allocated here (free it
 * with asv_evrec_free()). 0 or -ASV_EINVAL / -ASV_ENOMEM.
 */
int asv_evrec_init(struct asv_evlog *l, enum asv_ev_role role, uint32_t cap, uint32_t data_size);
/* @l over a ring already laid out at @ring (asv_evring_init()), not owned. */
void asv_evrec_attach(struct asv_evlog *l, enum asv_ev_role role, void *ring, uint32_t cap,
		      uint32_t data_size);
/* Tag events emitted on @env's ISR thread (env->in_isr), then record
 * @env's events into @l (env->evlog). */
void asv_evrec_bind(struct asv_evlog *l, struct asv_env *env);
/* The ring asv_evrec_init() allocated (not one attached). */
void asv_evrec_free(struct asv_evlog *l);

#endif
