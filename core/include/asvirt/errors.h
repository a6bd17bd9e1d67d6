/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * Error codes of libasvirt. Every function that can fail returns 0 (or a
 * non-negative count) on success and one of these, negated, on failure.
 * The values are Linux's errno values so the core's results can be handed
 * straight back by the kernel module and printed with strerror() in user
 * space.
 */
#ifndef ASVIRT_ERRORS_H
#define ASVIRT_ERRORS_H

#define ASV_EPERM 1	   /* operation not allowed in this state */
#define ASV_ENOENT 2	   /* no such endpoint, channel or resource */
#define ASV_EIO 5	   /* the peer misbehaved and the link went down */
#define ASV_ENXIO 6	   /* destination address unknown to the receiver */
#define ASV_EAGAIN 11	   /* would block (non-blocking call) */
#define ASV_ENOMEM 12	   /* no free buffer (trysend) or no memory */
#define ASV_EFAULT 14	   /* address outside the shared region */
#define ASV_EBUSY 16	   /* address already in use */
#define ASV_EEXIST 17	   /* already exists */
#define ASV_ENODEV 19	   /* link not up (no DRIVER_OK yet, or shut down) */
#define ASV_EINVAL 22	   /* invalid argument or malformed structure */
#define ASV_ENOSPC 28	   /* no free address in the dynamic range */
#define ASV_ENOSYS 38	   /* feature not negotiated (e.g. name service) */
#define ASV_EPROTO 71	   /* peer violated the virtio/rpmsg protocol */
#define ASV_EBADMSG 74	   /* malformed rpmsg message */
#define ASV_EOVERFLOW 75   /* value too large for the field */
#define ASV_EMSGSIZE 90	   /* payload larger than ASV_RPMSG_MAX_PAYLOAD */
#define ASV_ECONNRESET 104 /* the peer crashed or was reset */
#define ASV_ESHUTDOWN 108  /* link was shut down */
#define ASV_ETIMEDOUT 110  /* a blocking call reached its timeout */

/* A short name for an error code ("EPROTO"), for logs and tests. */
const char *asv_strerror(int err);

#endif /* ASVIRT_ERRORS_H */
