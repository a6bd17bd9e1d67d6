/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * Checking a firmware image's entry (struct asv_fw_entry) against the
 * structure layouts this program was built with, before anything in the
 * image runs. The entry is untrusted bytes: from the image file (its
 * ASV_FW_ENTRY_SECTION) or from the loaded image (dlsym).
 */
#ifndef ASVIRT_FW_ABI_H
#define ASVIRT_FW_ABI_H

#include <stddef.h>

/*
 * Check the first @len bytes of an entry. Returns 0; -ASV_EINVAL when it
 * is no asvirt entry at all; -ASV_EPROTO when the image was built against
 * another asvirt: another firmware ABI, byte order, data model or layout
 * of a structure it shares with us. @why gets one line naming every
 * mismatch with both values ("firmware built with sizeof(struct
 * asv_endpoint) = 88, this runner has 96; ...: rebuild it against this
 * asvirt"); @us names the loader in it ("this runner").
 */
int asv_fw_entry_check(const void *entry, size_t len, const char *us, char *why, size_t whylen);

/* The same for a board-level image's entry (struct asv_board_fw_entry,
 * asvirt/board.h): "board firmware built with ...". */
int asv_board_entry_check(const void *entry, size_t len, const char *us, char *why, size_t whylen);

/* The layout item @i (0 .. ASV_FW_LAYOUT_N - 1): its name and our value. */
const char *asv_fw_layout_name(unsigned int i);
unsigned int asv_fw_layout_value(unsigned int i);

#endif /* ASVIRT_FW_ABI_H */
