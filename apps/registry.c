// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The table of built-in firmware apps. */
#include "compat.h"
#include "asvirt/app.h"

const struct asv_app *const asv_apps[] = {
	&asv_app_echo,
	&asv_app_client_sample,
	&asv_app_bench_source,
	NULL,
};

const struct asv_app *asv_app_find(const char *name)
{
	unsigned int i;

	for (i = 0; name && asv_apps[i]; i++)
		if (!strcmp(asv_apps[i]->name, name))
			return asv_apps[i];
	return NULL;
}
