// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt fw-build SRC.c... -o OUT.so : build a firmware image from app
 * sources (one of them says ASV_FIRMWARE(app)); asvirt fw-check FILE:
 * load and check a firmware image as `asvirt up` would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/proc.h"
#include "cli.h"

#ifndef ASVIRT_SOURCE_DIR
#define ASVIRT_SOURCE_DIR "."
#endif
#ifndef ASVIRT_CC
#define ASVIRT_CC "cc"
#endif

static void fw_build_usage(FILE *f)
{
	fprintf(f,
		"usage: asvirt fw-build SOURCE.c... -o FIRMWARE.so [-- CFLAGS...]\n\n"
		"Builds a firmware image: an ELF shared object with your app, its\n"
		".resource_table and the asvirt_firmware entry (write ASV_FIRMWARE(app)\n"
		"in one source file; see docs/firmware-and-up.md). Uses $CC or %s.\n",
		ASVIRT_CC);
}

int cmd_fw_build(int argc, char **argv)
{
	const char *cc = getenv("CC"), *out = NULL;
	char **av;
	int i, n = 0, nsrc = 0, st;
	pid_t pid;

	av = calloc((size_t)argc + 24, sizeof(*av));
	if (!av)
		return 1;
	av[n++] = (char *)(cc && *cc ? cc : ASVIRT_CC);
	av[n++] = "-shared";
	av[n++] = "-fPIC";
	av[n++] = "-O2";
	av[n++] = "-g";
	av[n++] = "-std=gnu11";
	av[n++] = "-Wall";
	av[n++] = "-Wl,-Bsymbolic";
	av[n++] = "-I" ASVIRT_SOURCE_DIR "/core/include";
	av[n++] = "-I" ASVIRT_SOURCE_DIR "/apps/include";
	av[n++] = "-I" ASVIRT_SOURCE_DIR "/firmware/include";
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fw_build_usage(stdout);
			free(av);
			return 0;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--")) {
			for (i++; i < argc; i++)
				av[n++] = argv[i];
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "asvirt fw-build: unknown option '%s'\n", argv[i]);
			fw_build_usage(stderr);
			free(av);
			return 2;
		} else {
			av[n++] = argv[i];
			nsrc++;
		}
	}
	if (!out || !nsrc) {
		fw_build_usage(stderr);
		free(av);
		return 2;
	}
	av[n++] = "-o";
	av[n++] = (char *)out;
	av[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(av[0], av);
		perror("asvirt fw-build: exec");
		_exit(127);
	}
	free(av);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "asvirt fw-build: compiling failed\n");
		return 1;
	}
	return cmd_fw_check(2, (char *[]){ "fw-check", (char *)out, NULL });
}

int cmd_fw_check(int argc, char **argv)
{
	struct asv_fw_image img;
	char why[512];
	int err;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(argc == 2 ? stdout : stderr, "usage: asvirt fw-check FIRMWARE.so\n");
		return argc == 2 ? 0 : 2;
	}
	err = asv_fw_image_load(&img, argv[1], why, sizeof(why));
	if (err) {
		fprintf(stderr, "asvirt: %s\n", why);
		return 1;
	}
	printf("%s: ELF%u machine %u, resource table %zu bytes: ok\n", argv[1],
	       img.elf_class == 2 ? 64u : 32u, img.machine, img.table_size);
	asv_fw_image_free(&img);
	return 0;
}
