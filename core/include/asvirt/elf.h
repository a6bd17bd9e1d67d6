/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A minimal, portable ELF reader for firmware images: checks the ELF64 or
 * ELF32 header and section header table of an image in memory (no OS
 * calls, no allocation) and finds a section by name, as Linux's remoteproc
 * finds ".resource_table". The image is untrusted: every offset, size,
 * count and string index is bounds-checked against the image; a bad image
 * gets -ASV_EINVAL and a message naming what is wrong.
 */
#ifndef ASVIRT_ELF_H
#define ASVIRT_ELF_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#define ASV_ELF_RSC_SECTION ".resource_table"
/* Limits we accept (keeps parsing bounded). */
#define ASV_ELF_MAX_SECTIONS 4096u

struct asv_elf_info {
	uint8_t elf_class;  /* 1 = ELF32, 2 = ELF64 */
	uint8_t big_endian; /* 0 = little-endian */
	uint16_t type;	    /* ET_EXEC 2, ET_DYN 3 */
	uint16_t machine;   /* EM_X86_64 62, EM_ARM 40, ... */
	uint64_t entry;
	uint32_t shnum;
};

struct asv_elf_section {
	const void *data; /* inside the image; NULL for SHT_NOBITS */
	uint64_t size;
	uint64_t addr;
	uint32_t type;
	uint64_t flags;
};

/*
 * Check the image header and section table. Returns 0 or -ASV_EINVAL with
 * a reason in @why (@whylen bytes, may be 0).
 */
int asv_elf_check(const void *img, size_t size, struct asv_elf_info *info, char *why,
		  size_t whylen);

/*
 * Find section @name. Returns 0, -ASV_ENOENT (no such section) or
 * -ASV_EINVAL (bad image, or the section's contents lie outside it).
 */
int asv_elf_find_section(const void *img, size_t size, const char *name,
			 struct asv_elf_section *sec, char *why, size_t whylen);

#endif /* ASVIRT_ELF_H */
