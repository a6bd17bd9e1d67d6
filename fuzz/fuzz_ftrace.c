// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * libFuzzer: asvirt trace convert's reader (cli/trace_ftrace.c) on an
 * untrusted ftrace capture, then the JSON/pcap writers' own pass over
 * what it accepted (trace_match_flows()).
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_sink *s = calloc(1, sizeof(*s));
	struct trace_ftrace_stats st;
	char err[160], *t;

	/* an exact-size copy, no NUL after it, so ASan sees any read past the end */
	t = malloc(size ? size : 1);
	if (!s || !t) {
		free(s);
		free(t);
		return 0;
	}
	memcpy(t, data, size);
	if (trace_ftrace_parse(s, t, size, &st, err, sizeof(err)) == 0 && s->nrec) {
		size_t *match = calloc(s->nrec, sizeof(*match));

		if (match)
			trace_match_flows(s, match);
		free(match);
	}
	trace_sink_free(s);
	free(s);
	free(t);
	return 0;
}
