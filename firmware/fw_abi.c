// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The firmware entry's ABI check. See asvirt/fw_abi.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "asvirt/errors.h"
#include "asvirt/posix.h"
#include "asvirt/firmware.h"
#include "asvirt/fw_abi.h"

#define NAME_(value, what) what,
static const char *const layout_names[ASV_FW_LAYOUT_N] = { ASV_FW_LAYOUT_ITEMS(NAME_) };
static const uint32_t layout_ours[ASV_FW_LAYOUT_N] = { ASV_FW_LAYOUT_ITEMS(ASV_FW_LAYOUT_VALUE_) };

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

int asv_fw_entry_check(const void *entry, size_t len, const char *us, char *why, size_t whylen)
{
	const size_t head = offsetof(struct asv_fw_entry, layout) / 4;
	uint32_t magic, abi, n;
	size_t used = 0;
	unsigned int i, bad = 0;

	if (why && whylen)
		why[0] = 0;
	if (!entry || len < 8)
		return asv_whyf(why, whylen, -ASV_EINVAL, "no firmware entry (%zu bytes)", len);
	magic = word(entry, 0);
	abi = word(entry, 1);
	if (magic == __builtin_bswap32(ASV_FW_MAGIC))
		return asv_whyf(why, whylen, -ASV_EPROTO,
				"firmware built for the other byte order (%s endian), %s is %s "
				"endian: " REBUILD,
				ASV_FW_BYTE_ORDER == 1234u ? "big" : "little", us,
				ASV_FW_BYTE_ORDER == 1234u ? "little" : "big");
	if (magic != ASV_FW_MAGIC)
		return asv_whyf(why, whylen, -ASV_EINVAL,
				"no asvirt firmware entry (magic 0x%08x, not 0x%08x)", magic,
				ASV_FW_MAGIC);
	if (abi != ASV_FW_ABI)
		return asv_whyf(why, whylen, -ASV_EPROTO,
				"firmware built for firmware ABI %u%s, %s has ABI %u: " REBUILD,
				abi, abi == 1 ? " (no record of its structure layouts)" : "", us,
				ASV_FW_ABI);
	if (len < head * 4)
		return asv_whyf(why, whylen, -ASV_EINVAL, "firmware entry truncated (%zu bytes)",
				len);
	n = word(entry, 2);
	if (n != ASV_FW_LAYOUT_N)
		return asv_whyf(
		    why, whylen, -ASV_EPROTO,
		    "firmware entry records %u structure layout items, %s has %u: " REBUILD, n, us,
		    (unsigned int)ASV_FW_LAYOUT_N);
	if (len < (head + n) * 4)
		return asv_whyf(why, whylen, -ASV_EINVAL, "firmware entry truncated (%zu bytes)",
				len);
	for (i = 0; i < n; i++) {
		uint32_t v = word(entry, head + i);
		int w = 0;

		if (v == layout_ours[i])
			continue;
		if (bad < MAX_NAMED && why && whylen > used)
			w = snprintf(why + used, whylen - used, "%s%s = %u, %s has %u",
				     bad ? "; " : "firmware built with ", layout_names[i], v, us,
				     layout_ours[i]);
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
