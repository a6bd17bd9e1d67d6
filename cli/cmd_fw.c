// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt fw-build SRC.c... -o OUT.so : build a firmware image from app
 * sources (one of them says ASV_FIRMWARE(app)); asvirt fw-check FILE:
 * load and check a firmware image as `asvirt up` would.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asvirt/elf.h"
#include "asvirt/errors.h"
#include "asvirt/board.h"
#include "asvirt/firmware.h"
#include "asvirt/board_qemu_m.h"
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
		"usage: asvirt fw-build SOURCE.c... -o FIRMWARE.so [-- CFLAGS...]\n"
		"       asvirt fw-build --target cortex-m4 SOURCE.c... -o FIRMWARE.elf [-- "
		"CFLAGS...]\n\n"
		"Builds a firmware image: an ELF shared object with your app, its\n"
		".resource_table and the asvirt_firmware entry (write ASV_FIRMWARE(app)\n"
		"in one source file; see docs/firmware-and-up.md). Uses $CC or %s.\n"
		"With --target cortex-m4, the same source becomes a Cortex-M4 image for\n"
		"QEMU's mps2-an386 board (asvirt's core and board port linked in,\n"
		"arm-none-eabi-gcc + picolibc; docs/board.md).\n",
		ASVIRT_CC);
}

/*
 * The Cortex-M image's compiler and everything before the user's sources.
 * Installed (PREFIX/lib/asvirt/cortex-m4): the flags that carry no path,
 * the installed headers, the linker script, and the core and board port
 * as a library taken whole (its members are needed before the user's
 * objects are read: the reset handler, the app's start). In the build
 * tree: the response file the images are built with
 * (cmake/cortex-m.cmake), which compiles the core and the port from their
 * sources. @buf keeps the strings made here.
 */
struct cm_args {
	char flags[PATH_MAX + 64], inc[PATH_MAX + 2], ld[PATH_MAX + 64], lib[PATH_MAX + 64];
};

static int cm_build_prefix(char **av, int *n, struct cm_args *buf)
{
#ifdef ASVIRT_CM_RSP
	const char *cc = getenv("ASVIRT_CM_CC");
	char dir[PATH_MAX];

	av[(*n)++] = (char *)(cc && *cc ? cc : ASVIRT_CM_CC);
	if (cli_find_cm_sdk(dir, sizeof(dir))) {
		av[(*n)++] = "@" ASVIRT_CM_RSP;
		return 0;
	}
	memcpy(buf->inc, "-I", 2);
	if (cli_find_include(buf->inc + 2, sizeof(buf->inc) - 2)) {
		fprintf(stderr, "asvirt fw-build: %s has no headers beside it (PREFIX/include)\n",
			dir);
		return -1;
	}
	snprintf(buf->flags, sizeof(buf->flags), "@%s/cortex-m4-flags.rsp", dir);
	snprintf(buf->ld, sizeof(buf->ld), "-T%s/mps2_an386.ld", dir);
	snprintf(buf->lib, sizeof(buf->lib), "%s/libasvirt-cm4.a", dir);
	av[(*n)++] = buf->flags;
	av[(*n)++] = buf->inc;
	av[(*n)++] = "-nostartfiles";
	av[(*n)++] = buf->ld;
	av[(*n)++] = "-Wl,--gc-sections";
	av[(*n)++] = "-Wl,--whole-archive";
	av[(*n)++] = buf->lib;
	av[(*n)++] = "-Wl,--no-whole-archive";
	return 0;
#else
	(void)av;
	(void)n;
	(void)buf;
	fprintf(stderr, "asvirt fw-build: this asvirt was built without arm-none-eabi-gcc and "
			"picolibc (scripts/deps.sh cortexm, then rebuild)\n");
	return -1;
#endif
}

int cmd_fw_build(int argc, char **argv)
{
	const char *cc = getenv("CC"), *out = NULL;
	char **av, inc[PATH_MAX + 2];
	struct cm_args cm;
	int i, n = 0, nsrc = 0, st;
	pid_t pid;

	av = calloc((size_t)argc + 24, sizeof(*av));
	if (!av)
		return 1;
	if (argc >= 3 && !strcmp(argv[1], "--target")) {
		if (strcmp(argv[2], "cortex-m4")) {
			fprintf(stderr, "asvirt fw-build: --target is cortex-m4, not '%s'\n",
				argv[2]);
			free(av);
			return 2;
		}
		if (cm_build_prefix(av, &n, &cm)) {
			free(av);
			return 1;
		}
		argv += 2;
		argc -= 2;
		goto sources;
	}
	av[n++] = (char *)(cc && *cc ? cc : ASVIRT_CC);
	av[n++] = "-shared";
	av[n++] = "-fPIC";
	av[n++] = "-O2";
	av[n++] = "-g";
	av[n++] = "-std=gnu11";
	av[n++] = "-Wall";
	av[n++] = "-Wl,-Bsymbolic";
	/* installed: PREFIX/include; in the build tree: the sources' */
	memcpy(inc, "-I", 2);
	if (!cli_find_include(inc + 2, sizeof(inc) - 2)) {
		av[n++] = inc;
	} else {
		av[n++] = "-I" ASVIRT_SOURCE_DIR "/core/include";
		av[n++] = "-I" ASVIRT_SOURCE_DIR "/apps/include";
		av[n++] = "-I" ASVIRT_SOURCE_DIR "/firmware/include";
	}
sources:
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

static void fw_check_usage(FILE *f)
{
	fprintf(f, "usage: asvirt fw-check FIRMWARE.so\n"
		   "       asvirt fw-check --linux FILE\n\n"
		   "Without options: load and check a firmware image as `asvirt up` would,\n"
		   "and say which kind it is: an app on asvirt's remote API (exports\n"
		   "asvirt_firmware) or a board-level image bringing its own RPMsg stack\n"
		   "(exports asvirt_board_firmware; docs/board.md).\n\n"
		   "--linux FILE: read the .resource_table of any ELF firmware (asvirt's or\n"
		   "anyone's) and say, rule by rule, what Linux 6.1's remoteproc does with it:\n"
		   "table header (version 1, reserved words, offsets in bounds), each entry's\n"
		   "type and length (types 4..127 and above 512 skipped, vendor 128..512\n"
		   "skipped), carveouts and devmem (reserved words, IOMMU), trace buffers (one\n"
		   "at FW_RSC_ADDR_ANY is not allocated), vdevs (reserved bytes, at most two\n"
		   "vrings, config_len in bounds, vring num a power of two, da a multiple of\n"
		   "align, notify ids, the vdev's own notify id), overlapping fixed ranges,\n"
		   "VIRTIO_RPMSG_F_NS and features Linux does not acknowledge. Each line is\n"
		   "ok, warn, skip, broken (boots, but a device or the link will not work)\n"
		   "or REFUSE, with the kernel's message. Exit status 1 when Linux refuses to\n"
		   "boot the firmware (or the file has no readable table), else 0.\n");
}

static int fw_check_linux(const char *path)
{
	struct asv_elf_section sec;
	char why[256];
	uint8_t *img = NULL;
	void *table;
	size_t n = 0, cap = 0;
	FILE *f = fopen(path, "rb");
	int ret = 1;

	if (!f) {
		fprintf(stderr, "asvirt fw-check: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		if (n == cap) {
			uint8_t *p =
			    cap < (256u << 20) ? realloc(img, cap ? 2 * cap : 65536) : NULL;

			if (!p)
				break;
			img = p;
			cap = cap ? 2 * cap : 65536;
		}
		size_t got = fread(img + n, 1, cap - n, f);

		n += got;
		if (!got)
			break;
	}
	fclose(f);
	if (!img || asv_elf_check(img, n, NULL, why, sizeof(why)) ||
	    asv_elf_find_section(img, n, ASV_ELF_RSC_SECTION, &sec, why, sizeof(why))) {
		if (img && !strstr(why, "no section"))
			fprintf(stderr, "asvirt fw-check: %s: %s\n", path, why);
		else
			fprintf(stderr, "asvirt fw-check: %s: %s\n", path,
				img ? why : "unreadable");
		printf("%s: no resource table Linux can read: rproc_elf_load_rsc_table fails "
		       "(-EINVAL)\n",
		       path);
		free(img);
		return 1;
	}
	/* an aligned copy: the section may sit at any file offset */
	table = malloc(sec.size ? (size_t)sec.size : 1);
	if (table && sec.data) {
		memcpy(table, sec.data, (size_t)sec.size);
		printf("%s:\n", path);
		ret = fw_linux_check(table, (size_t)sec.size, stdout);
	}
	free(table);
	free(img);
	return ret;
}

int cmd_fw_check(int argc, char **argv)
{
	struct asv_fw_image img;
	char why[512];
	int err;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fw_check_usage(stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--linux"))
		return fw_check_linux(argv[2]);
	if (argc != 2 || argv[1][0] == '-') {
		fw_check_usage(stderr);
		return 2;
	}
	err = asv_fw_image_load(&img, argv[1], why, sizeof(why));
	if (err) {
		fprintf(stderr, "asvirt: %s\n", why);
		return 1;
	}
	if (asv_board_qm_image(&img)) {
		printf("%s: ELF32 ARM executable, resource table %zu bytes: a Cortex-M image for "
		       "the mps2-an386 board (docs/board.md): ok\n",
		       argv[1], img.table_size);
		asv_fw_image_free(&img);
		return 0;
	}
	if (img.entry_err) { /* built against another asvirt: it must not run */
		fprintf(stderr, "asvirt: %s: %s\n", argv[1], img.entry_why);
		asv_fw_image_free(&img);
		return 1;
	}
	if (img.kind == ASV_FW_KIND_BOARD)
		printf("%s: ELF%u machine %u, resource table %zu bytes: a board-level image "
		       "(exports " ASV_BOARD_ENTRY_SYMBOL ": the board only, its own RPMsg "
		       "stack), board ABI %u with this asvirt's layouts: ok\n",
		       argv[1], img.elf_class == 2 ? 64u : 32u, img.machine, img.table_size,
		       ASV_BOARD_ABI);
	else
		printf("%s: ELF%u machine %u, resource table %zu bytes: an app image "
		       "(exports " ASV_FW_ENTRY_SYMBOL
		       ": asvirt's remote API), firmware ABI %u with this "
		       "asvirt's structure layouts: ok\n",
		       argv[1], img.elf_class == 2 ? 64u : 32u, img.machine, img.table_size,
		       ASV_FW_ABI);
	asv_fw_image_free(&img);
	return 0;
}
