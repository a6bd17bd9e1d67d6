/* SPDX-License-Identifier: GPL-2.0 */
/*
 * asvirt_remoteproc: the virtual MCU's view of its vrings (debugfs
 * remoteprocN/asvirt_rings), for a test that stalls to say where: each
 * ring's published indices and suppression fields as they are in shared
 * memory, next to the MCU core's private ones.
 */
#ifndef ASVIRT_RINGS_H
#define ASVIRT_RINGS_H

struct rproc;
struct dentry;
struct asvirt_mcu;

struct dentry *asvirt_rings_debugfs(struct rproc *rproc, struct asvirt_mcu *m);

#endif
