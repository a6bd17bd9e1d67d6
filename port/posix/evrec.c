// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The POSIX port's protocol-event recorder. See asvirt/evrec.h. */
#include <stdlib.h>
#include <string.h>

#include "asvirt/errors.h"
#include "asvirt/evrec.h"
#include "asvirt/posix.h"

static uint64_t evrec_now_ns(void *ctx)
{
	(void)ctx;
	return asv_posix_now_ns();
}

void asv_evrec_attach(struct asv_evlog *l, enum asv_ev_role role, void *ring, uint32_t cap,
		      uint32_t data_size)
{
	memset(l, 0, sizeof(*l));
	l->ring = ring;
	l->cap = cap;
	l->data_size = data_size;
	l->role = (uint8_t)role;
	l->now_ns = evrec_now_ns;
}

int asv_evrec_init(struct asv_evlog *l, enum asv_ev_role role, uint32_t cap, uint32_t data_size)
{
	void *mem;
	int err;

	if (!cap || (cap & (cap - 1u)))
		return -ASV_EINVAL;
	/* zeroed, as the ring wants, and its pages touched only once written */
	mem = calloc(1, asv_evring_bytes(cap));
	if (!mem)
		return -ASV_ENOMEM;
	err = asv_evring_init(mem, cap, data_size);
	if (err) {
		free(mem);
		return err;
	}
	asv_evrec_attach(l, role, mem, cap, data_size);
	return 0;
}

void asv_evrec_bind(struct asv_evlog *l, struct asv_env *env)
{
	l->in_isr = env->in_isr;
	l->isr_ctx = env->ctx;
	env->evlog = l;
}

void asv_evrec_free(struct asv_evlog *l)
{
	free(l->ring);
	l->ring = NULL;
}
