// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* asvirt apps: list the built-in firmware apps. */
#include <stdio.h>

#include "asvirt/app.h"
#include "cli.h"

int cmd_apps(int argc, char **argv)
{
	unsigned int i;

	(void)argc;
	(void)argv;
	for (i = 0; asv_apps[i]; i++)
		printf("%-14s %s\n", asv_apps[i]->name, asv_apps[i]->summary);
	return 0;
}
