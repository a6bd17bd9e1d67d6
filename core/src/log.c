// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* Logging hook and error names. */
#include "compat.h"
#include "asvirt/env.h"
#include "asvirt/errors.h"

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int asv_log_level_parse(const char *name)
{
	int i;

	for (i = 0; name && i < (int)ASV_ARRAY_SIZE(level_names); i++)
		if (!strcmp(name, level_names[i]))
			return i;
	return -1;
}

const char *asv_log_level_name(int level)
{
	return level_names[level < 0 ? 0 : level > 3 ? 3 : level];
}

void asv_logf(const struct asv_env *env, int level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!env || !env->log || level > env->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	env->log(env->log_ctx, level, msg);
}

const char *asv_strerror(int err)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ 0, "OK" },
		{ ASV_EPERM, "EPERM" },
		{ ASV_ENOENT, "ENOENT" },
		{ ASV_EIO, "EIO" },
		{ ASV_ENXIO, "ENXIO" },
		{ ASV_EAGAIN, "EAGAIN" },
		{ ASV_ENOMEM, "ENOMEM" },
		{ ASV_EFAULT, "EFAULT" },
		{ ASV_EBUSY, "EBUSY" },
		{ ASV_EEXIST, "EEXIST" },
		{ ASV_ENODEV, "ENODEV" },
		{ ASV_EINVAL, "EINVAL" },
		{ ASV_ENOSPC, "ENOSPC" },
		{ ASV_ENOSYS, "ENOSYS" },
		{ ASV_EPROTO, "EPROTO" },
		{ ASV_EBADMSG, "EBADMSG" },
		{ ASV_EOVERFLOW, "EOVERFLOW" },
		{ ASV_EMSGSIZE, "EMSGSIZE" },
		{ ASV_ECONNRESET, "ECONNRESET" },
		{ ASV_ESHUTDOWN, "ESHUTDOWN" },
		{ ASV_ETIMEDOUT, "ETIMEDOUT" },
	};
	unsigned int i;

	if (err < 0)
		err = -err;
	for (i = 0; i < ASV_ARRAY_SIZE(names); i++)
		if (names[i].code == err)
			return names[i].name;
	return "E?";
}
