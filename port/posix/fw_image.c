// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Firmware files: read an image, check it is an ELF with a valid resource
 * table and an entry built for this asvirt's structure layouts, and keep a
 * copy of its table. See asv_fw_image_load() in asvirt/proc.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asvirt/elf.h"
#include "asvirt/errors.h"
#include "asvirt/posix.h"
#include "asvirt/firmware.h"
#include "asvirt/fw_abi.h"
#include "asvirt/proc.h"
#include "why_log.h"

/* The image's entry, read from its section: what it was built against. */
static void check_entry(struct asv_fw_image *img, const void *buf, size_t size)
{
	struct asv_elf_section sec;
	char ewhy[200];
	int err = asv_elf_find_section(buf, size, ASV_FW_ENTRY_SECTION, &sec, ewhy, sizeof(ewhy));

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
	check_entry(img, buf, got);
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
