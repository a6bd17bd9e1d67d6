/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/* What remote.c and remote_reset.c share; not part of the API. */
#ifndef ASVIRT_REMOTE_INTERNAL_H
#define ASVIRT_REMOTE_INTERNAL_H

#include "rpmsg_internal.h"
#include "asvirt/remote.h"

/* The shared vdev status byte, read once (acquire: what the host wrote
 * before it comes with it). Untrusted: only its DRIVER_OK bit is used. */
uint8_t asv_remote_status(struct asv_remote *r);

/*
 * The host reset the vdev status while the link was up: take the link
 * down without breaking the device (remote_reset.c). On the ISR or poll
 * thread, no lock held; the next DRIVER_OK brings the link up again.
 */
void asv_remote_link_reset(struct asv_remote *r);

#endif
