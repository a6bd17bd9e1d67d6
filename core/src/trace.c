// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* Trace buffer writer. See asvirt/trace.h. */
#include "compat.h"
#include "asvirt/trace.h"

void asv_trace_init(struct asv_trace *t, void *buf, uint32_t len)
{
	t->buf = len >= 2 ? buf : NULL;
	t->len = len;
	t->pos = 0;
	t->wraps = 0;
	if (t->buf)
		memset(t->buf, 0, len);
}

void asv_trace_write(struct asv_trace *t, const char *s, size_t n)
{
	if (!t->buf || !n)
		return;
	if (n > t->len - 1u)
		n = t->len - 1u; /* keep the line's tail end out: one line max */
	if (t->pos + n > t->len - 1u) {
		/* Start over; clear the rest so no stale half-line shows. */
		memset(t->buf, 0, t->len);
		t->pos = 0;
		t->wraps++;
	}
	memcpy(t->buf + t->pos, s, n);
	t->pos += (uint32_t)n;
	t->buf[t->pos] = 0;
}

int asv_trace_vprintf(struct asv_trace *t, const char *fmt, va_list ap)
{
	char line[256];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	asv_trace_write(t, line, (size_t)n);
	return n;
}

int asv_trace_printf(struct asv_trace *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = asv_trace_vprintf(t, fmt, ap);
	va_end(ap);
	return n;
}
