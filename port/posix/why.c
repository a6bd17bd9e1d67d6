// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* asv_whyf(): an error code and, for the caller, the reason in words. */
#include <stdarg.h>
#include <stdio.h>

#include "asvirt/posix.h"
#include "why_log.h"

int asv_whyf(char *why, size_t n, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return err;
}

void asv_why_log(void *ctx, int level, const char *msg)
{
	struct asv_why_buf *w = ctx;

	(void)level;
	if (w->buf && w->len && !w->buf[0])
		snprintf(w->buf, w->len, "%s", msg);
}
