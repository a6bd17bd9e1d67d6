// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Firmware files: read an image, check it is an ELF with a valid resource
 * table and an entry built for this asvirt's structure layouts, tell its
 * kind (the entry symbol it exports), and keep a copy of its table. See asv_fw_image_load() in
 * asvirt/proc.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asvirt/elf.h"
#include "asvirt/board.h"
#include "asvirt/errors.h"
#include "asvirt/posix.h"
#include "asvirt/firmware.h"
#include "asvirt/fw_abi.h"
#include "asvirt/proc.h"
#include "why_log.h"

static uint64_t get_word(const uint8_t *p, unsigned int n, int big_endian)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[big_endian ? n - 1 - i : i] << (8 * i);
	return v;
}

/*
 * Does the image export @name (a defined global or weak symbol of default
 * or protected visibility in .dynsym, what dlsym() finds)? 1 or 0; an
 * image without a dynamic symbol table exports nothing. Every index is
 * checked against the sections (the file is untrusted).
 */
static int exports(const void *buf, size_t size, const struct asv_elf_info *info, const char *name)
{
	struct asv_elf_section sym, str;
	const size_t esz = info->elf_class == 2 ? 24 : 16, nlen = strlen(name);
	const uint8_t *s, *strs;
	uint64_t i, n;

	if (asv_elf_find_section(buf, size, ".dynsym", &sym, NULL, 0) ||
	    asv_elf_find_section(buf, size, ".dynstr", &str, NULL, 0) || !sym.data || !str.data)
		return 0;
	n = sym.size / esz;
	strs = str.data;
	for (i = 1; i < n; i++) { /* entry 0 is the undefined symbol */
		uint64_t off;
		unsigned int bind, vis, shndx;

		s = (const uint8_t *)sym.data + i * esz;
		off = get_word(s, 4, info->big_endian);
		/* st_info, st_other, st_shndx: after st_name (ELF64) or after
		 * st_name, st_value, st_size (ELF32) */
		s += info->elf_class == 2 ? 4 : 12;
		bind = s[0] >> 4;
		vis = s[1] & 3;
		shndx = (unsigned int)get_word(s + 2, 2, info->big_endian);
		if (shndx == 0 || (bind != 1 && bind != 2) || (vis != 0 && vis != 3))
			continue;
		if (off < str.size && str.size - off > nlen && !memcmp(strs + off, name, nlen) &&
		    strs[off + nlen] == 0)
			return 1;
	}
	return 0;
}

/* A board-level image's entry, read from its section. */
static void check_board_entry(struct asv_fw_image *img, const void *buf, size_t size)
{
	struct asv_elf_section sec;
	char ewhy[200];
	int err =
	    asv_elf_find_section(buf, size, ASV_BOARD_ENTRY_SECTION, &sec, ewhy, sizeof(ewhy));

	if (err == -ASV_ENOENT) {
		img->entry_err = -ASV_EPROTO;
		snprintf(img->entry_why, sizeof(img->entry_why),
			 "exports %s but has no %s section: declare it with ASV_BOARD_FIRMWARE() "
			 "(asvirt/board.h)",
			 ASV_BOARD_ENTRY_SYMBOL, ASV_BOARD_ENTRY_SECTION);
	} else if (err || !sec.data) {
		img->entry_err = err ? err : -ASV_EINVAL;
		snprintf(img->entry_why, sizeof(img->entry_why), "bad %s section: %s",
			 ASV_BOARD_ENTRY_SECTION, err ? ewhy : "no contents");
	} else {
		img->entry_err = asv_board_entry_check(sec.data, (size_t)sec.size, "this asvirt",
						       img->entry_why, sizeof(img->entry_why));
	}
}

/* The image's entry, read from its section: what it was built against.
 * Its kind is the symbol it exports (asvirt/board.h). */
static void check_entry(struct asv_fw_image *img, const void *buf, size_t size,
			const struct asv_elf_info *info)
{
	struct asv_elf_section sec;
	char ewhy[200];
	int board = exports(buf, size, info, ASV_BOARD_ENTRY_SYMBOL), err;

	if (board && exports(buf, size, info, ASV_FW_ENTRY_SYMBOL)) {
		img->kind = ASV_FW_KIND_BOARD;
		img->entry_err = -ASV_EINVAL;
		snprintf(img->entry_why, sizeof(img->entry_why),
			 "exports both %s and %s: an image is one kind of firmware",
			 ASV_FW_ENTRY_SYMBOL, ASV_BOARD_ENTRY_SYMBOL);
		return;
	}
	if (board) {
		img->kind = ASV_FW_KIND_BOARD;
		check_board_entry(img, buf, size);
		return;
	}
	err = asv_elf_find_section(buf, size, ASV_FW_ENTRY_SECTION, &sec, ewhy, sizeof(ewhy));
	if (err == -ASV_ENOENT) {
		img->entry_err = -ASV_EPROTO;
		snprintf(img->entry_why, sizeof(img->entry_why),
			 "no %s section: built for firmware ABI 1 (no record of its structure "
			 "layouts) or without ASV_FIRMWARE(); rebuild it against this asvirt "
			 "(asvirt fw-build)",
			 ASV_FW_ENTRY_SECTION);
	} else if (err || !sec.data) {
		img->entry_err = err ? err : -ASV_EINVAL;
		snprintf(img->entry_why, sizeof(img->entry_why), "bad %s section: %s",
			 ASV_FW_ENTRY_SECTION, err ? ewhy : "no contents");
	} else {
		img->entry_err = asv_fw_entry_check(sec.data, (size_t)sec.size, "this asvirt",
						    img->entry_why, sizeof(img->entry_why));
	}
}

int asv_fw_image_load(struct asv_fw_image *img, const char *path, char *why, size_t whylen)
{
	struct asv_elf_section sec;
	struct asv_elf_info info;
	struct asv_why_buf wb = { NULL, 0 };
	struct asv_env env = { .log = asv_why_log, .log_ctx = &wb, .log_level = ASV_LOG_ERR };
	char ewhy[200], rwhy[200] = "";
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, err;

	memset(img, 0, sizeof(*img));
	if (why && whylen)
		why[0] = 0;
	if (strlen(path) >= sizeof(img->path))
		return asv_whyf(why, whylen, -ASV_EINVAL, "path too long");
	snprintf(img->path, sizeof(img->path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return asv_whyf(why, whylen, -ASV_ENOENT, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return asv_whyf(why, whylen, -ASV_EINVAL, "%s: not a regular file", path);
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > ASV_FW_MAX_FILE) {
		close(fd);
		return asv_whyf(why, whylen, -ASV_EINVAL, "%s: size %lld outside 1..%u bytes", path,
				(long long)st.st_size, ASV_FW_MAX_FILE);
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		close(fd);
		return asv_whyf(why, whylen, -ASV_ENOMEM, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return asv_whyf(why, whylen, -ASV_EIO, "%s: short read", path);
	}
	err = asv_elf_check(buf, got, &info, ewhy, sizeof(ewhy));
	if (!err)
		err = asv_elf_find_section(buf, got, ASV_ELF_RSC_SECTION, &sec, ewhy, sizeof(ewhy));
	if (err) {
		free(buf);
		return asv_whyf(why, whylen, err, "%s: bad firmware: %s", path, ewhy);
	}
	if (!sec.data || !sec.size || sec.size > 65536) {
		free(buf);
		return asv_whyf(why, whylen, -ASV_EINVAL,
				"%s: bad firmware: %s section is empty or larger than 64 KiB", path,
				ASV_ELF_RSC_SECTION);
	}
	/* Copy first: the section may sit at any file offset, the table
	 * parser wants 4-byte alignment (found by fuzz_elf). */
	img->table = malloc((size_t)sec.size);
	if (!img->table) {
		free(buf);
		return asv_whyf(why, whylen, -ASV_ENOMEM, "%s: out of memory", path);
	}
	memcpy(img->table, sec.data, (size_t)sec.size);
	img->table_size = (size_t)sec.size;
	check_entry(img, buf, got, &info);
	free(buf);
	wb.buf = rwhy;
	wb.len = sizeof(rwhy);
	err = asv_rsc_validate(img->table, img->table_size, &env);
	if (!err && !asv_rsc_find_vdev(img->table, ASV_VIRTIO_ID_RPMSG)) {
		err = -ASV_EINVAL;
		snprintf(rwhy, sizeof(rwhy), "no rpmsg vdev (id 7)");
	}
	if (err) {
		asv_fw_image_free(img);
		return asv_whyf(why, whylen, err, "%s: bad resource table: %s", path, rwhy);
	}
	img->machine = info.machine;
	img->elf_type = info.type;
	img->elf_class = info.elf_class;
	return 0;
}

void asv_fw_image_free(struct asv_fw_image *img)
{
	free(img->table);
	img->table = NULL;
	img->table_size = 0;
}
