/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs remoteprocN/asvirt_fault: the virtual MCU's fault plan (test).
 * Write a spec (asvirt/fault.h: "crash-after=100", "drop-kick=1/4",
 * "stall=50ms", "corrupt=len", "reorder=on", "off", comma-separated);
 * read the plan and what it has done since it was written.
 */
#ifndef ASVIRT_FAULT_KNOB_H
#define ASVIRT_FAULT_KNOB_H

#include <linux/debugfs.h>

#include "asvirt_mcu.h"

struct dentry *asvirt_fault_debugfs(struct asvirt_mcu_fault *f, struct dentry *dir);

#endif
