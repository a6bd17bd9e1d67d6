/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The remote's trace buffer (RSC_TRACE): the virtual MCU's log lines as
 * Linux reads them (/sys/kernel/debug/remoteproc/remoteprocN/trace0 shows
 * the buffer up to its first NUL). Lines are appended and the buffer stays
 * NUL-terminated; when a line does not fit, writing starts over at the
 * beginning, so the buffer holds the newest lines since the last wrap.
 */
#ifndef ASVIRT_TRACE_H
#define ASVIRT_TRACE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stdarg.h>
#else
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#endif

struct asv_trace {
	char *buf;
	uint32_t len;
	uint32_t pos;
	uint32_t wraps;
};

/* Bind to @buf (@len bytes) and clear it. @len < 2 disables tracing. */
void asv_trace_init(struct asv_trace *t, void *buf, uint32_t len);
/* Append @n bytes (a line should end in '\n'). */
void asv_trace_write(struct asv_trace *t, const char *s, size_t n);
int asv_trace_printf(struct asv_trace *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int asv_trace_vprintf(struct asv_trace *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
