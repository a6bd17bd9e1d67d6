/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/* A log hook that keeps the first error line as the caller's reason. */
#ifndef ASVIRT_POSIX_WHY_LOG_H
#define ASVIRT_POSIX_WHY_LOG_H

#include <stddef.h>

struct asv_why_buf {
	char *buf;
	size_t len;
};

/* struct asv_env's log hook, @ctx a struct asv_why_buf: the first line
 * logged fills the buffer, later ones leave it. */
void asv_why_log(void *ctx, int level, const char *msg);

#endif
