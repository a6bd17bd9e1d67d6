// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The firmware entry's ABI check. See asvirt/fw_abi.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "asvirt/errors.h"
#include "asvirt/posix.h"
#include "asvirt/board.h"
#include "asvirt/firmware.h"
#include "asvirt/fw_abi.h"

#define NAME_(value, what) what,
static const char *const layout_names[ASV_FW_LAYOUT_N] = { ASV_FW_LAYOUT_ITEMS(NAME_) };
static const uint32_t layout_ours[ASV_FW_LAYOUT_N] = { ASV_FW_LAYOUT_ITEMS(ASV_FW_LAYOUT_VALUE_) };
static const char *const board_names[ASV_BOARD_LAYOUT_N] = { ASV_BOARD_LAYOUT_ITEMS(NAME_) };
static const uint32_t board_ours[ASV_BOARD_LAYOUT_N] = { ASV_BOARD_LAYOUT_ITEMS(
    ASV_BOARD_LAYOUT_VALUE_) };

/* One kind of entry: its header values and layout records. Both kinds
 * start with magic, abi, nlayout, reserved, then the records. */
struct entry_kind {
	const char *what; /* "firmware", "board firmware" */
	uint32_t magic, abi, n;
	const char *const *names;
	const uint32_t *ours;
};

static const struct entry_kind app_kind = { "firmware",	     ASV_FW_MAGIC, ASV_FW_ABI,
					    ASV_FW_LAYOUT_N, layout_names, layout_ours };
static const struct entry_kind board_kind = { "board firmware",	  ASV_BOARD_MAGIC, ASV_BOARD_ABI,
					      ASV_BOARD_LAYOUT_N, board_names,	   board_ours };

const char *asv_fw_layout_name(unsigned int i)
{
	return i < ASV_FW_LAYOUT_N ? layout_names[i] : "?";
}

unsigned int asv_fw_layout_value(unsigned int i)
{
	return i < ASV_FW_LAYOUT_N ? layout_ours[i] : 0;
}

static uint32_t word(const void *entry, size_t i)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)entry + i * 4, 4); /* any alignment */
	return v;
}

/* Mismatches named in full; the rest are counted. */
#define MAX_NAMED 3u
#define REBUILD "rebuild it against this asvirt (asvirt fw-build)"

static int entry_check(const struct entry_kind *k, const void *entry, size_t len, const char *us,
		       char *why, size_t whylen)
{
	const size_t head = 4;
	uint32_t magic, abi, n;
	size_t used = 0;
	unsigned int i, bad = 0;

	if (why && whylen)
		why[0] = 0;
	if (!entry || len < 8)
		return asv_whyf(why, whylen, -ASV_EINVAL, "no %s entry (%zu bytes)", k->what, len);
	magic = word(entry, 0);
	abi = word(entry, 1);
	if (magic == __builtin_bswap32(k->magic))
		return asv_whyf(why, whylen, -ASV_EPROTO,
				"%s built for the other byte order (%s endian), %s is %s "
				"endian: " REBUILD,
				k->what, ASV_FW_BYTE_ORDER == 1234u ? "big" : "little", us,
				ASV_FW_BYTE_ORDER == 1234u ? "little" : "big");
	if (magic != k->magic)
		return asv_whyf(why, whylen, -ASV_EINVAL,
				"no asvirt %s entry (magic 0x%08x, not 0x%08x)", k->what, magic,
				k->magic);
	if (abi != k->abi)
		return asv_whyf(
		    why, whylen, -ASV_EPROTO, "%s built for %s ABI %u%s, %s has ABI %u: " REBUILD,
		    k->what, k->what, abi,
		    k == &app_kind && abi == 1 ? " (no record of its structure layouts)" : "", us,
		    k->abi);
	if (len < head * 4)
		return asv_whyf(why, whylen, -ASV_EINVAL, "%s entry truncated (%zu bytes)", k->what,
				len);
	n = word(entry, 2);
	if (n != k->n)
		return asv_whyf(why, whylen, -ASV_EPROTO,
				"%s entry records %u structure layout items, %s has %u: " REBUILD,
				k->what, n, us, k->n);
	if (len < (head + n) * 4)
		return asv_whyf(why, whylen, -ASV_EINVAL, "%s entry truncated (%zu bytes)", k->what,
				len);
	for (i = 0; i < n; i++) {
		uint32_t v = word(entry, head + i);
		int w = 0;

		if (v == k->ours[i])
			continue;
		if (bad < MAX_NAMED && why && whylen > used)
			w = snprintf(why + used, whylen - used, "%s%s%s = %u, %s has %u",
				     bad ? "" : k->what, bad ? "; " : " built with ", k->names[i],
				     v, us, k->ours[i]);
		used += w > 0 ? (size_t)w : 0;
		bad++;
		if (i == 0)
			break; /* another byte order: the other values mean nothing */
	}
	if (!bad)
		return 0;
	if (why && whylen > used && bad > MAX_NAMED)
		used += (size_t)snprintf(why + used, whylen - used, "; %u more differ",
					 bad - MAX_NAMED);
	if (why && whylen > used)
		snprintf(why + used, whylen - used, ": " REBUILD);
	return -ASV_EPROTO;
}

int asv_fw_entry_check(const void *entry, size_t len, const char *us, char *why, size_t whylen)
{
	return entry_check(&app_kind, entry, len, us, why, whylen);
}

int asv_board_entry_check(const void *entry, size_t len, const char *us, char *why, size_t whylen)
{
	return entry_check(&board_kind, entry, len, us, why, whylen);
}

/* entry_check reads both kinds' records after the same four words */
_Static_assert(offsetof(struct asv_fw_entry, layout) == 16, "asv_fw_entry header");
_Static_assert(offsetof(struct asv_board_fw_entry, layout) == 16, "asv_board_fw_entry header");
