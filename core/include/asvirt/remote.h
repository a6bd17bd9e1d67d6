/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The remote role: the virtio device side of RPMsg, as MCU firmware runs
 * it (OpenAMP, RPMsg-Lite). It never allocates: the caller owns struct
 * asv_remote and every endpoint. The remote reads its resource table
 * from memory the host can write, so the table, the vrings and every
 * descriptor are checked before use; a violation shuts the link down with
 * a logged error and never makes the remote touch memory outside the
 * regions it was given.
 *
 * Life cycle: asv_remote_init() with the loaded table; create endpoints
 * (named ones are announced once the link is up); call asv_remote_isr()
 * on every simulated interrupt from the host. The first call that finds
 * DRIVER_OK in the vdev status brings the link up. A call that finds the
 * status without DRIVER_OK while the link is up (the host reset the device
 * and keeps the firmware running: Linux's attach recovery) takes the link
 * down without breaking it: senders get -ASV_ENODEV (-ASV_ECONNRESET if they
 * waited for or held a buffer), buffers of the old rings are refused, the
 * endpoints stay and are announced again at the next DRIVER_OK, over the
 * rings the host placed then (core/src/remote_reset.c).
 *
 * Example (an echo firmware):
 *
 *   static int echo_cb(struct asv_endpoint *e, void *d, size_t n,
 *                      uint32_t src, void *priv)
 *   {
 *           return asv_sendto(e, src, d, n);
 *   }
 *   ...
 *   asv_remote_init(&r, &cfg);
 *   asv_create_ept(&r.dev, &ept, "rpmsg-echo", ASV_RPMSG_ADDR_ANY, echo_cb, NULL);
 *   for (;;) { wait_for_kick(); asv_remote_isr(&r); }
 */
#ifndef ASVIRT_REMOTE_H
#define ASVIRT_REMOTE_H

#include "asvirt/rpmsg.h"
#include "asvirt/rsc_table.h"
#include "asvirt/trace.h"

/* Largest vring the remote accepts (sizes its private bitmaps). */
#define ASV_REMOTE_MAX_NUM 1024u
#define ASV_REMOTE_MAX_REGIONS 4u
/*
 * Largest resource table the remote accepts. The remote parses a private
 * copy (the host can rewrite the shared one at any time), held inside
 * struct asv_remote rather than in a buffer the caller passes: firmware
 * places struct asv_remote statically, so the copy's RAM shows at link
 * time, has the remote's lifetime and cannot be aliased by mistake with
 * the shared table it must protect against. 1 KiB holds asvirt's table
 * (200 bytes), OpenAMP's and RPMsg-Lite's demo tables and a TI-style one
 * with a dozen devmem entries; a build may raise it.
 */
#ifndef ASV_REMOTE_TABLE_MAX
#define ASV_REMOTE_TABLE_MAX 1024u
#endif

struct asv_remote;

typedef void (*asv_ns_bind_fn)(struct asv_remote *r, const char *name, uint32_t addr,
			       uint32_t flags, void *priv);
/* The link came up or went down: asv_remote_config.on_link. */
typedef void (*asv_link_fn)(struct asv_remote *r, bool up, void *priv);

struct asv_remote_config {
	void *rsc_table; /* the loaded table, in memory the host writes */
	size_t rsc_size;
	/* Memory the MCU can address: vrings and buffers must lie in it. */
	const struct asv_mem_region *regions;
	unsigned int nregions;
	struct asv_env env;
	uint32_t timeout_ms; /* default asv_send() timeout; 0 = 15000 */
	/* Optional: called for name-service messages from the host. */
	asv_ns_bind_fn ns_bind;
	void *ns_priv;
	/*
	 * Which rpmsg vdev of the table this instance serves: 0 = the first
	 * (default), 1 = the second, ... Each rpmsg vdev is a device of its
	 * own with its own vrings, notify ids, status and buffers, as Linux
	 * serves it: a firmware with two runs one asv_remote per vdev. The
	 * instance serving vdev 0 owns the trace buffer (the MCU's console).
	 */
	unsigned int rpmsg_vdev;
	/*
	 * Optional: the link came up (each DRIVER_OK the remote takes up,
	 * the first included) or went down because the host reset the device
	 * (its status without DRIVER_OK: Linux's detach, its attach recovery;
	 * the endpoints stay, their channels are announced again at the next
	 * link-up, sends meanwhile return -ASV_ENODEV). Called on the thread
	 * of asv_remote_isr() or asv_remote_poll(), no lock held, the link
	 * already as @up says: it may send when up. Not called for a
	 * shutdown, nor for a link the core broke on a protocol error
	 * (asv_link_ready() and the log say so). An app started on a remote
	 * it did not configure sets it with asv_remote_set_on_link().
	 */
	asv_link_fn on_link;
	void *link_priv;
};

struct asv_remote {
	struct asv_rpmsg_dev dev; /* first: endpoints and sends use this */
	/* private */
	const void *table; /* the loaded table, shared: the host writes it */
	size_t table_size;
	size_t vdev_off;	 /* the rpmsg vdev's body, from the table start */
	unsigned int rpmsg_vdev; /* which rpmsg vdev (config) */
	unsigned int vdev_index; /* among all vdevs: names its buffer carveout */
	/* in table_copy: the vdev as last copied (at init, then at link-up) */
	const struct asv_fw_rsc_vdev *vdev;
	struct asv_mem_region regions[ASV_REMOTE_MAX_REGIONS];
	unsigned int nregions;
	struct asv_mem_region bufs; /* where rpmsg buffers must lie */
	struct asv_vring tx_vr;	    /* vring[0]: remote -> host */
	struct asv_vring rx_vr;	    /* vring[1]: host -> remote */
	uint32_t tx_notifyid, rx_notifyid;
	/*
	 * Each vring[1] buffer we took, by descriptor id, in private memory
	 * (the host can rewrite anything in the buffer itself): its state
	 * (ASV_RXB_*, core/src/rx_drain.h), header address and descriptor length.
	 */
	uint8_t rx_state[ASV_REMOTE_MAX_NUM];
	struct asv_rpmsg_hdr *rx_hdr[ASV_REMOTE_MAX_NUM];
	uint32_t rx_len[ASV_REMOTE_MAX_NUM];
	/*
	 * 1: the application held buffer id (at rx_hdr[id]) when the host
	 * reset the device; its release is refused (-ASV_ECONNRESET) and gives
	 * nothing back, even after the new rings took the same buffer again.
	 */
	uint8_t rx_gone[ASV_REMOTE_MAX_NUM];
	int rx_ngone; /* how many are 1: a release looks only when some are */
	uint32_t tx_held[ASV_REMOTE_MAX_NUM / 32];
	/* buffers taken and given back unsent: zero-copy ones, and one a
	 * send found too small for its payload */
	uint16_t stash_id[ASV_MAX_ZC_TX + 1];
	void *stash_buf[ASV_MAX_ZC_TX + 1];
	uint32_t stash_cap[ASV_MAX_ZC_TX + 1];
	unsigned int nstash;
	uint16_t ret_id[ASV_RET_BATCH]; /* rx buffers to give back (ISR only) */
	unsigned int nret;
	asv_ns_bind_fn ns_bind;
	void *ns_priv;
	asv_link_fn on_link; /* read by the interrupt's thread: atomics */
	void *link_priv;
	struct asv_trace trace; /* the table's first RSC_TRACE, if any */
	int linked_once;	/* the link was up at least once */
	int bufs_set;
	/* The table as the remote parses it: each shared word read once. */
	uint32_t table_copy[ASV_REMOTE_TABLE_MAX / 4];
};

/*
 * Copy the table into the remote's private memory (each shared word read
 * once), validate the copy (asv_rsc_validate) and find its rpmsg vdev
 * (cfg->rpmsg_vdev) and trace buffer there. Each link-up copies the table
 * again, once, after the host set DRIVER_OK. The remote never writes into the table. Returns 0,
 * -ASV_EINVAL (bad table, no rpmsg vdev, bad config, table not 4-byte
 * aligned), -ASV_EOVERFLOW (table larger than ASV_REMOTE_TABLE_MAX).
 */
int asv_remote_init(struct asv_remote *r, const struct asv_remote_config *cfg);

/*
 * Handle one simulated interrupt: bring the link up on DRIVER_OK (take it
 * down when the host reset the status), deliver every message the host
 * queued, give their buffers back, wake senders waiting for a buffer.
 * Returns 0, -ASV_ENODEV (no DRIVER_OK yet, or again) or the error that
 * shut the link down.
 */
int asv_remote_isr(struct asv_remote *r);

/*
 * Tell the remote where the host's rpmsg buffers are, when the table has
 * no "vdev<index>buffer" carveout for the vdev and the port learned the window another way
 * (the kernel module, from the descriptors Linux posted). Before link-up
 * only: 0, -ASV_EBUSY (link already up), -ASV_EINVAL. Every buffer address
 * must then lie inside @bufs.
 */
int asv_remote_set_buffers(struct asv_remote *r, const struct asv_mem_region *bufs);

/*
 * Poll mode (the adaptive interrupt), as asv_host_poll(): deliver what is
 * pending with the host's kicks kept off; asv_remote_poll_done() turns
 * kicks back on before blocking and returns true if messages arrived.
 */
int asv_remote_poll(struct asv_remote *r, unsigned int *work);
bool asv_remote_poll_done(struct asv_remote *r);

/*
 * printf into the remote's trace buffer (the MCU's console). The core's
 * own log lines for this remote go there too (as well as to env.log).
 */
int asv_remote_printf(struct asv_remote *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Stop using the rings (the host is going away); wakes blocked senders. */
void asv_remote_shutdown(struct asv_remote *r);

/*
 * Replace the on_link callback (asv_remote_config.on_link; @fn NULL: none),
 * e.g. from an app's start(), before or while the link is up: a call in
 * progress on the interrupt's thread may still be the old one's.
 */
void asv_remote_set_on_link(struct asv_remote *r, asv_link_fn fn, void *priv);

/*
 * Make the remote misbehave as @plan says (asvirt/fault.h), or behave
 * (@plan NULL or asking for no fault). The plan stays the caller's and
 * must outlive the remote or the next call. A buffer reorder= kept back
 * goes out first. Returns 0 or -ASV_EINVAL.
 */
struct asv_fault_plan;
int asv_remote_set_fault(struct asv_remote *r, struct asv_fault_plan *plan);

#endif /* ASVIRT_REMOTE_H */
