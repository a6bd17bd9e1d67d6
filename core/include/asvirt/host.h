/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The host role: the virtio driver side of RPMsg, as Linux's
 * virtio_rpmsg_bus. It owns the buffers (first half receive, all posted
 * up front into vring[0]; second half transmit, sent through vring[1]),
 * sets DRIVER_OK, and runs a small rpmsg bus: a name-service CREATE from
 * the remote creates a channel, and a driver registered under that name
 * gets probe() with it and an endpoint at a dynamic address, as on Linux.
 *
 * Everything the remote writes (used rings, message headers, NS messages)
 * is checked; a protocol violation shuts the link down with a logged error.
 *
 * Example (a client like samples/rpmsg/rpmsg_client_sample.c):
 *
 *   static int cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src,
 *                 void *priv) { ...; return asv_send(e, "hi", 2); }
 *   static int probe(struct asv_channel *ch)
 *   {
 *           return asv_send(ch->ept, "hello world!", 12);
 *   }
 *   static struct asv_host_driver drv = { .name = "rpmsg-client-sample",
 *                                         .probe = probe, .callback = cb };
 *   asv_host_init(&h, &cfg);
 *   asv_host_register_driver(&h, &drv);
 *   ... ISR thread: for (;;) { wait_for_interrupt(); asv_host_isr(&h); }
 */
#ifndef ASVIRT_HOST_H
#define ASVIRT_HOST_H

#include "asvirt/rpmsg.h"

#define ASV_HOST_MAX_CHANNELS 64u

struct asv_host;
struct asv_channel;

struct asv_host_driver {
	const char *name; /* channel name this driver binds */
	int (*probe)(struct asv_channel *ch);
	void (*remove)(struct asv_channel *ch);
	asv_rx_cb callback; /* the channel endpoint's callback, priv = channel */
	void *priv;
	/* private */
	struct asv_host_driver *next;
};

struct asv_channel {
	char name[ASV_RPMSG_NAME_SIZE];
	uint32_t src;		  /* our endpoint's address (dynamic, once bound) */
	uint32_t dst;		  /* the remote endpoint that announced the channel */
	struct asv_endpoint *ept; /* NULL until a driver binds */
	struct asv_host_driver *drv;
	struct asv_host *host;
	void *drvdata; /* free for the driver */
	/* private */
	struct asv_channel *next;
};

/* Told about channels coming and going (CLI output, tests). May be NULL. */
typedef void (*asv_channel_event_fn)(struct asv_host *h, struct asv_channel *ch, bool created,
				     void *priv);

struct asv_host_config {
	struct asv_fw_rsc_vdev *vdev; /* in the loaded table: status/gfeatures */
	void *vring_va[2];	      /* vring[0] (rx) and vring[1] (tx) */
	uint32_t vring_num[2];
	uint32_t vring_align[2]; /* each vring's own, as in the table */
	uint32_t notifyid[2];
	struct asv_mem_region bufs; /* rpmsg buffers: rx half then tx half */
	unsigned int nbufs;	    /* per direction; 0 = min(num, 256) */
	uint32_t features;	    /* may acknowledge (mask); 0 = all implemented */
	uint32_t timeout_ms;	    /* default send timeout; 0 = 15000 */
	struct asv_env env;	    /* alloc/free required */
	asv_channel_event_fn on_channel;
	void *on_channel_priv;
	/*
	 * Opt-in (asvirt conform's boot.driver_ok): called once the receive
	 * buffers are posted and the features written, before DRIVER_OK is
	 * set and vring[0] kicked: the window of Linux's rpmsg_probe between
	 * virtqueue_add_inbuf() and virtio_device_ready(). It may look at what
	 * the remote did meanwhile (asv_host_early_look). NULL: no window.
	 */
	void (*before_driver_ok)(struct asv_host *h, void *priv);
	void *before_driver_ok_priv;
};

/* What the remote did on the rings before DRIVER_OK (asv_host_early_look). */
struct asv_host_early {
	uint16_t used_idx[2]; /* vring[0]'s and vring[1]'s used index as read */
	/* the first message the remote put in vring[0], if it did (bounds checked) */
	bool msg;
	uint32_t src, dst;
	uint16_t len;
	/* dst is the name service: the name it announces, cut to fit */
	char name[ASV_RPMSG_NAME_SIZE];
};

/*
 * A faulty host on purpose (asvirt conform's host.* checks), off unless
 * asv_host_set_fault() gave one. The counters are taken one at a time
 * (atomically: kicks come from the sending threads and the ISR thread).
 */
enum asv_host_bad_desc {
	ASV_HOST_DESC_OK = 0,
	ASV_HOST_DESC_ADDR, /* the buffer address outside the shared window */
	ASV_HOST_DESC_LEN,  /* a length past the 512-byte buffer (and the window) */
	ASV_HOST_DESC_ID,   /* an avail entry naming a descriptor beyond the ring */
};

struct asv_host_fault {
	int32_t drop_kicks; /* the next this many kicks to the remote are not sent */
	int32_t dup_kicks;  /* the next this many are sent twice */
	/* the next this many messages the host sends go out with descriptor
	 * fault @bad_desc (their tx buffers are not seen again) */
	int32_t bad_descs;
	enum asv_host_bad_desc bad_desc;
};

struct asv_host_txrec {
	uint32_t src, dst;
	uint16_t len;
};

struct asv_host {
	struct asv_rpmsg_dev dev; /* first */
	/* private */
	struct asv_fw_rsc_vdev *vdev;
	struct asv_vring rx_vr; /* vring[0] */
	struct asv_vring tx_vr; /* vring[1] */
	uint32_t rx_notifyid, tx_notifyid;
	uint8_t *rx_base, *tx_base;
	uint64_t rx_da, tx_da;
	unsigned int nbufs;
	uint8_t *rx_state;
	uint8_t *tx_state;
	uint16_t *tx_free;
	unsigned int ntx_free;
	struct asv_host_txrec *tx_rec;	/* private copy of each in-flight header */
	uint16_t ret_id[ASV_RET_BATCH]; /* rx buffers to repost (ISR only) */
	unsigned int nret;
	struct asv_host_driver *drivers;
	struct asv_channel *channels;
	unsigned int nchannels;
	asv_channel_event_fn on_channel;
	void *on_channel_priv;
	struct asv_host_fault *fault; /* NULL: a host that behaves */
};

/*
 * Zero the vrings, post every receive buffer, negotiate features, set
 * DRIVER_OK and kick vring[0]. Returns 0, -ASV_EINVAL (bad config or
 * too small a buffer region), -ASV_ENOMEM.
 */
int asv_host_init(struct asv_host *h, const struct asv_host_config *cfg);
/*
 * Kick the remote for vring[1] whatever its suppression says: a spurious
 * notification is harmless in virtio. The way to make up for a kick the
 * fault plan dropped: under VIRTIO_RING_F_EVENT_IDX the next message
 * would not kick (the remote's event index was passed already).
 */
void asv_host_kick(struct asv_host *h);
/* Make @h faulty as @f says (NULL: behave again); @f stays the caller's. */
void asv_host_set_fault(struct asv_host *h, struct asv_host_fault *f);
/*
 * From a before_driver_ok hook (the link is not up yet): the used indexes
 * the remote wrote and the first message it put in vring[0], each shared
 * field read once and checked (an id or length out of range: no message).
 */
void asv_host_early_look(struct asv_host *h, struct asv_host_early *e);
/*
 * Take the link down (the remote stopped or crashed): every message handed
 * to the remote and not given back is reported to its sender's tx_lost
 * handler (or logged when it has none) with -ASV_ECONNRESET; every channel
 * is removed (drivers' remove() run); endpoints made with
 * asv_host_create_ept() and still open are freed; the status is reset.
 * asv_host_init() may then bring up a fresh link (recovery).
 */
void asv_host_deinit(struct asv_host *h);

/* Handle one simulated interrupt from the remote: deliver messages, give
 * their buffers back, wake blocked senders. Returns 0 or the link error. */
int asv_host_isr(struct asv_host *h);

/*
 * Poll mode (the adaptive interrupt): asv_host_poll() delivers whatever is
 * pending like asv_host_isr() but leaves the remote's interrupts off, so a
 * remote sending while we poll raises none; *@work gets the count handled.
 * asv_host_poll_done() turns interrupts back on before the ISR thread
 * blocks, and returns true if messages arrived meanwhile (poll again).
 */
int asv_host_poll(struct asv_host *h, unsigned int *work);
bool asv_host_poll_done(struct asv_host *h);

/* Bind @drv to existing and future channels named drv->name. */
int asv_host_register_driver(struct asv_host *h, struct asv_host_driver *drv);
void asv_host_unregister_driver(struct asv_host *h, struct asv_host_driver *drv);

/* Create a host endpoint outside any channel (allocated; destroy with
 * asv_host_destroy_ept). *@err gets the error when NULL is returned. */
struct asv_endpoint *asv_host_create_ept(struct asv_host *h, const char *name, uint32_t addr,
					 asv_rx_cb cb, void *priv, int *err);
void asv_host_destroy_ept(struct asv_endpoint *ept);

/* Send on a channel: from its endpoint to the remote's address. */
int asv_channel_send(struct asv_channel *ch, const void *data, size_t len);

#endif /* ASVIRT_HOST_H */
