// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * libFuzzer: asv_fault_parse() on untrusted specs (debugfs writes, the
 * command line). An accepted spec must print back (asv_fault_format) to
 * a spec that parses to the same plan; the decisions then run on it.
 */
#include <stdlib.h>
#include <string.h>

#include "asvirt/errors.h"
#include "asvirt/fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_stall(void *ctx, uint32_t ms)
{
	(void)ctx, (void)ms;
}

static void no_crash(void *ctx, const char *why)
{
	(void)ctx, (void)why;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asv_fault_plan p, q;
	char why[160], a[ASV_FAULT_SPEC_MAX + 1], b[ASV_FAULT_SPEC_MAX + 1];
	uint8_t msg[16 + 40] __attribute__((aligned(4)));
	char *s;
	int i;

	/* NUL-terminated when short; a long one is left unterminated, so
	 * ASan sees any read past the parser's bound */
	s = malloc(size > ASV_FAULT_SPEC_MAX ? size : size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	if (size <= ASV_FAULT_SPEC_MAX)
		s[size] = '\0';
	memset(&p, 0, sizeof(p));
	p.hooks = (struct asv_fault_hooks){ NULL, no_crash, no_stall };
	if (asv_fault_parse(&p, s, why, sizeof(why)) == 0) {
		asv_fault_format(&p, a, sizeof(a));
		memset(&q, 0, sizeof(q));
		if (asv_fault_parse(&q, a, why, sizeof(why)))
			abort();
		asv_fault_format(&q, b, sizeof(b));
		if (strcmp(a, b))
			abort();
		memset(msg, 0, sizeof(msg));
		for (i = 0; i < 4; i++) {
			asv_fault_on_isr(&p);
			asv_fault_on_send(&p, (struct asv_rpmsg_hdr *)(void *)msg, 40);
			asv_fault_on_kick(&p);
		}
		asv_fault_report(&p, a, sizeof(a));
	} else if (!why[0]) {
		abort(); /* a refusal always says why */
	}
	free(s);
	return 0;
}
