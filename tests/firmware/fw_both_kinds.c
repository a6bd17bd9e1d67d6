// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Test image (not shipped): exports both entries, the echo app's
 * (asvirt_firmware) and a board-level one (asvirt_board_firmware). An image
 * is one kind: fw-check and asvirt up refuse it.
 */
#include "asvirt/board.h"
#include "asvirt/firmware.h"

static int start(const struct asv_board *b, void **state)
{
	(void)b;
	*state = NULL;
	return 0;
}

static void stop(void *state)
{
	(void)state;
}

ASV_FIRMWARE(asv_app_echo);
ASV_BOARD_FIRMWARE("both", start, stop);
