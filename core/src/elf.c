// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* Bounds-checked ELF32/ELF64 section lookup. See asvirt/elf.h. */
#include "compat.h"
#include "asvirt/elf.h"
#include "asvirt/errors.h"

#define EI_NIDENT 16
#define SHT_NOBITS 8u
#define SHN_UNDEF 0u
#define SHN_LORESERVE 0xff00u
#define SHN_XINDEX 0xffffu

struct elf_ctx {
	const uint8_t *img;
	size_t size;
	int is64;
	int be;
	uint64_t shoff;
	uint32_t shentsize, shnum, shstrndx;
	char *why;
	size_t whylen;
};

static int fail(struct elf_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct elf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why && c->whylen) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return -ASV_EINVAL;
}

/* Caller has checked off + n <= size. */
static uint64_t rd(const struct elf_ctx *c, size_t off, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int k = c->be ? i : n - 1 - i;

		v = (v << 8) | c->img[off + k];
	}
	return v;
}

static int in_image(const struct elf_ctx *c, uint64_t off, uint64_t len)
{
	return off <= c->size && len <= c->size - off;
}

static int parse_header(struct elf_ctx *c, struct asv_elf_info *info)
{
	uint64_t ehsize;

	if (!c->img || c->size < EI_NIDENT)
		return fail(c, "file too small for an ELF header (%zu bytes)", c->size);
	if (c->img[0] != 0x7f || c->img[1] != 'E' || c->img[2] != 'L' || c->img[3] != 'F')
		return fail(c, "not an ELF file (bad magic)");
	if (c->img[4] != 1 && c->img[4] != 2)
		return fail(c, "bad ELF class %u (want 1 = ELF32 or 2 = ELF64)", c->img[4]);
	if (c->img[5] != 1 && c->img[5] != 2)
		return fail(c, "bad ELF data encoding %u", c->img[5]);
	if (c->img[6] != 1)
		return fail(c, "bad ELF version %u", c->img[6]);
	c->is64 = c->img[4] == 2;
	c->be = c->img[5] == 2;
	ehsize = c->is64 ? 64 : 52;
	if (c->size < ehsize)
		return fail(c, "truncated ELF header (%zu of %u bytes)", c->size,
			    (unsigned int)ehsize);
	if (c->is64) {
		c->shoff = rd(c, 0x28, 8);
		c->shentsize = (uint32_t)rd(c, 0x3a, 2);
		c->shnum = (uint32_t)rd(c, 0x3c, 2);
		c->shstrndx = (uint32_t)rd(c, 0x3e, 2);
	} else {
		c->shoff = rd(c, 0x20, 4);
		c->shentsize = (uint32_t)rd(c, 0x2e, 2);
		c->shnum = (uint32_t)rd(c, 0x30, 2);
		c->shstrndx = (uint32_t)rd(c, 0x32, 2);
	}
	if (info) {
		info->elf_class = c->img[4];
		info->big_endian = (uint8_t)c->be;
		info->type = (uint16_t)rd(c, 0x10, 2);
		info->machine = (uint16_t)rd(c, 0x12, 2);
		info->entry = c->is64 ? rd(c, 0x18, 8) : rd(c, 0x18, 4);
	}
	if (rd(c, 0x14, 4) != 1)
		return fail(c, "bad ELF e_version %u", (unsigned int)rd(c, 0x14, 4));
	if (!c->shoff || !c->shnum)
		return fail(c, "no section header table (stripped of sections?)");
	if (c->shentsize < (c->is64 ? 64u : 40u))
		return fail(c, "section header entry size %" PRIu32 " too small", c->shentsize);
	/* shnum 0 with shoff set means "count in section 0"; we refuse that. */
	if (c->shnum > ASV_ELF_MAX_SECTIONS)
		return fail(c, "too many sections (%" PRIu32 ", at most %u)", c->shnum,
			    ASV_ELF_MAX_SECTIONS);
	if (!in_image(c, c->shoff, (uint64_t)c->shentsize * c->shnum))
		return fail(c,
			    "section header table (offset 0x%llx, %" PRIu32 " x %" PRIu32
			    " bytes) outside the "
			    "%zu-byte file",
			    (unsigned long long)c->shoff, c->shnum, c->shentsize, c->size);
	if (c->shstrndx == SHN_UNDEF || c->shstrndx >= c->shnum ||
	    (c->shstrndx >= SHN_LORESERVE && c->shstrndx <= SHN_XINDEX))
		return fail(c, "bad section name string table index %" PRIu32, c->shstrndx);
	if (info)
		info->shnum = c->shnum;
	return 0;
}

static void read_shdr(const struct elf_ctx *c, uint32_t i, uint32_t *name, uint32_t *type,
		      uint64_t *flags, uint64_t *addr, uint64_t *off, uint64_t *size)
{
	size_t b = (size_t)(c->shoff + (uint64_t)i * c->shentsize);

	*name = (uint32_t)rd(c, b, 4);
	*type = (uint32_t)rd(c, b + 4, 4);
	if (c->is64) {
		*flags = rd(c, b + 8, 8);
		*addr = rd(c, b + 16, 8);
		*off = rd(c, b + 24, 8);
		*size = rd(c, b + 32, 8);
	} else {
		*flags = rd(c, b + 8, 4);
		*addr = rd(c, b + 12, 4);
		*off = rd(c, b + 16, 4);
		*size = rd(c, b + 20, 4);
	}
}

int asv_elf_check(const void *img, size_t size, struct asv_elf_info *info, char *why, size_t whylen)
{
	struct elf_ctx c = { .img = img, .size = size, .why = why, .whylen = whylen };
	uint32_t name, type;
	uint64_t flags, addr, off, sz;

	if (why && whylen)
		why[0] = 0;
	if (parse_header(&c, info))
		return -ASV_EINVAL;
	read_shdr(&c, c.shstrndx, &name, &type, &flags, &addr, &off, &sz);
	if (type == SHT_NOBITS || !in_image(&c, off, sz))
		return fail(&c, "section name table (offset 0x%llx, %llu bytes) outside the file",
			    (unsigned long long)off, (unsigned long long)sz);
	return 0;
}

int asv_elf_find_section(const void *img, size_t size, const char *name,
			 struct asv_elf_section *sec, char *why, size_t whylen)
{
	struct elf_ctx c = { .img = img, .size = size, .why = why, .whylen = whylen };
	uint32_t nm, type, i;
	uint64_t flags, addr, off, sz, stroff, strsz;
	size_t want;

	if (asv_elf_check(img, size, NULL, why, whylen))
		return -ASV_EINVAL;
	parse_header(&c, NULL);
	read_shdr(&c, c.shstrndx, &nm, &type, &flags, &addr, &stroff, &strsz);
	want = strlen(name);
	for (i = 1; i < c.shnum; i++) {
		read_shdr(&c, i, &nm, &type, &flags, &addr, &off, &sz);
		/* The name must fit, NUL included, inside the string table. */
		if (nm >= strsz || want + 1 > strsz - nm)
			continue;
		if (memcmp(c.img + stroff + nm, name, want + 1))
			continue;
		if (type == SHT_NOBITS) {
			if (sec)
				*sec = (struct asv_elf_section){ NULL, sz, addr, type, flags };
			return 0;
		}
		if (!in_image(&c, off, sz))
			return fail(&c,
				    "section %s (offset 0x%llx, %llu bytes) lies outside the "
				    "%zu-byte file",
				    name, (unsigned long long)off, (unsigned long long)sz, size);
		if (sec)
			*sec = (struct asv_elf_section){ c.img + off, sz, addr, type, flags };
		return 0;
	}
	fail(&c, "no %s section", name);
	return -ASV_ENOENT;
}
