// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* Where the command finds its runner, its built-in firmware images and the
 * runtime directory of asvirt up. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The directory of this executable, or -1. */
static int self_dir(char *out, size_t n)
{
	ssize_t k = readlink("/proc/self/exe", out, n - 1);
	char *slash;

	if (k <= 0)
		return -1;
	out[k] = 0;
	slash = strrchr(out, '/');
	if (!slash)
		return -1;
	*slash = 0;
	return 0;
}

static int try_path(char *out, size_t n, const char *dir, const char *rel)
{
	int r = snprintf(out, n, "%s/%s", dir, rel);

	return r > 0 && (size_t)r < n && !access(out, R_OK) ? 0 : -1;
}

int cli_find_runner(char *out, size_t n)
{
	const char *e = getenv("ASVIRT_RUNNER");
	char self[PATH_MAX];

	if (e && *e) {
		snprintf(out, n, "%s", e);
		return access(out, X_OK);
	}
	if (self_dir(self, sizeof(self)))
		return -1;
	if (!try_path(out, n, self, "asvirt-fw-runner") && !access(out, X_OK))
		return 0;
	if (!try_path(out, n, self, "../libexec/asvirt/asvirt-fw-runner") && !access(out, X_OK))
		return 0;
	return -1;
}

int cli_find_firmware(const char *app, char *out, size_t n)
{
	const char *e = getenv("ASVIRT_FIRMWARE_DIR");
	char self[PATH_MAX], rel[128];

	snprintf(rel, sizeof(rel), "asvirt-%s.so", app);
	if (e && *e)
		return try_path(out, n, e, rel);
	if (self_dir(self, sizeof(self)))
		return -1;
	snprintf(rel, sizeof(rel), "firmware/asvirt-%s.so", app);
	if (!try_path(out, n, self, rel))
		return 0;
	snprintf(rel, sizeof(rel), "../lib/asvirt/firmware/asvirt-%s.so", app);
	return try_path(out, n, self, rel);
}

int cli_find_cm_firmware(const char *app, char *out, size_t n)
{
	const char *e = getenv("ASVIRT_FIRMWARE_DIR");
	char self[PATH_MAX], rel[128];

	snprintf(rel, sizeof(rel), "cortex-m/asvirt-%s.elf", app);
	if (e && *e)
		return try_path(out, n, e, rel);
	if (self_dir(self, sizeof(self)))
		return -1;
	snprintf(rel, sizeof(rel), "firmware/cortex-m/asvirt-%s.elf", app);
	if (!try_path(out, n, self, rel))
		return 0;
	snprintf(rel, sizeof(rel), "../lib/asvirt/firmware/cortex-m/asvirt-%s.elf", app);
	return try_path(out, n, self, rel);
}

int cli_find_include(char *out, size_t n)
{
	char self[PATH_MAX], h[PATH_MAX + 32];

	if (self_dir(self, sizeof(self)) ||
	    try_path(h, sizeof(h), self, "../include/asvirt/firmware.h"))
		return -1;
	return snprintf(out, n, "%s/../include", self) < (int)n ? 0 : -1;
}

int cli_find_cm_sdk(char *out, size_t n)
{
	char self[PATH_MAX], f[PATH_MAX + 48];

	if (self_dir(self, sizeof(self)) ||
	    try_path(f, sizeof(f), self, "../lib/asvirt/cortex-m4/libasvirt-cm4.a"))
		return -1;
	return snprintf(out, n, "%s/../lib/asvirt/cortex-m4", self) < (int)n ? 0 : -1;
}

void cli_default_rundir(char *out, size_t n)
{
	const char *e = getenv("ASVIRT_RUNTIME_DIR"), *x = getenv("XDG_RUNTIME_DIR");

	if (e && *e)
		snprintf(out, n, "%s", e);
	else if (x && *x)
		snprintf(out, n, "%s/asvirt", x);
	else
		snprintf(out, n, "/tmp/asvirt-%u", (unsigned int)getuid());
}
