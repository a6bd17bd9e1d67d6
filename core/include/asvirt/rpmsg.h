/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * RPMsg endpoints and messages, common to both roles. An endpoint belongs
 * to an rpmsg device: the host's (struct asv_host, the virtio driver, as
 * Linux's virtio_rpmsg_bus) or the remote's (struct asv_remote, the virtio
 * device, as MCU firmware). The send and receive calls below work the same
 * on both.
 *
 * Threading: receive callbacks run on the role's ISR thread, one at a
 * time, with the receive lock held; asv_destroy_ept() waits for a callback
 * in progress, so after it returns the callback never runs again. Sends
 * may come from any thread, including from a callback.
 */
#ifndef ASVIRT_RPMSG_H
#define ASVIRT_RPMSG_H

#include "asvirt/env.h"
#include "asvirt/trace.h"
#include "asvirt/vring.h"
#include "asvirt/wire.h"

struct asv_endpoint;
struct asv_rpmsg_dev;
struct asv_fault_plan;

/*
 * Receive callback. @data points into the shared receive buffer and is
 * valid until the callback returns, or, when the callback returns
 * ASV_RX_HOLD, until asv_release_rx_buffer(dev, data) (zero-copy receive).
 * The buffer is recorded as the application's before the callback runs,
 * so another thread may release it before the callback returns (it then
 * goes back when the callback does).
 * Return 0 otherwise (negative values are logged and count as handled).
 */
typedef int (*asv_rx_cb)(struct asv_endpoint *ept, void *data, size_t len, uint32_t src,
			 void *priv);
#define ASV_RX_HOLD 1

/*
 * Told that a message this endpoint sent was handed to the peer but never
 * given back, because the link went down (the remote crashed or stopped):
 * it may not have been processed. @err is -ASV_ECONNRESET.
 */
typedef void (*asv_tx_lost_fn)(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len,
			       int err);

/* Dynamic addresses: ASV_RPMSG_RESERVED_ADDRESSES .. + ASV_DYN_ADDRS - 1. */
#define ASV_DYN_ADDRS 1024u
#define ASV_EPT_BUCKETS 64u
/* Received buffers are given back to the peer in batches of this many. */
#define ASV_RET_BATCH 32
/* At most this many zero-copy tx buffers may be held at once. */
#define ASV_MAX_ZC_TX 32

/*
 * Name-service life of a named endpoint on the remote, one state machine
 * under the EPT lock, so an endpoint is announced once, never after its
 * DESTROY, and never freed while its CREATE is being sent: NONE (nothing
 * to announce) or PENDING (until the link is up) -> ANNOUNCING (CREATE in
 * flight; a destroy waits for it) -> ANNOUNCED -> GONE (destroyed; DESTROY
 * sent if it was ANNOUNCED).
 */
enum asv_ns_state {
	ASV_NS_NONE = 0,
	ASV_NS_PENDING,
	ASV_NS_ANNOUNCING,
	ASV_NS_ANNOUNCED,
	ASV_NS_GONE,
};

struct asv_endpoint {
	uint32_t addr; /* local address */
	uint32_t dst;  /* default destination of asv_send(); ANY if unknown */
	char name[ASV_RPMSG_NAME_SIZE];
	asv_rx_cb cb;
	void *priv;
	asv_tx_lost_fn tx_lost; /* optional (host role) */
	/* private */
	struct asv_rpmsg_dev *dev;
	struct asv_endpoint *next;
	uint8_t ns_state;    /* enum asv_ns_state, EPT lock */
	uint8_t dst_learned; /* remote: dst came from the host (first sender or
			      * its CREATE), forgotten on its DESTROY */
	uint8_t allocated;   /* memory came from env->alloc */
};

struct asv_stats {
	unsigned long tx_msgs;	      /* messages handed to the peer */
	unsigned long tx_waits;	      /* sends that had to wait for a buffer */
	unsigned long rx_msgs;	      /* messages delivered to an endpoint */
	unsigned long rx_unknown_dst; /* dropped (logged): no endpoint at dst */
	unsigned long rx_malformed;   /* dropped (logged): bad len or buffer */
	unsigned long notifies;	      /* simulated interrupts raised */
	unsigned long isr_runs;	      /* simulated interrupts handled */
	unsigned long tx_lost;	      /* sent, never given back: link went down */
	int link_error;		      /* 0, or the error that broke the link */
};

/* Role hooks: how this role takes, hands over and gives back buffers. */
struct asv_role_ops {
	/* Take a free tx buffer: 1 (*buf, *id set), 0 none free. TX lock held. */
	int (*tx_get)(struct asv_rpmsg_dev *d, void **buf, uint16_t *id);
	/* Hand buffer @id holding @len bytes to the peer. TX lock held. */
	void (*tx_commit)(struct asv_rpmsg_dev *d, uint16_t id, uint32_t len);
	/* Put back a taken, unsent buffer. TX lock held. */
	void (*tx_unget)(struct asv_rpmsg_dev *d, uint16_t id, void *buf);
	/* Ask (true) or stop asking (false) to be told of freed tx buffers;
	 * returns true when buffers may already be free. TX lock held. */
	bool (*tx_arm)(struct asv_rpmsg_dev *d, bool on);
	/* Give back a received buffer the callback held or is running with
	 * (any thread). RET lock held. */
	int (*rx_release)(struct asv_rpmsg_dev *d, void *hdr);
	/* Give back the received buffers the ISR has batched (ISR thread). */
	void (*rx_flush)(struct asv_rpmsg_dev *d);
	/* A name-service message arrived for this role (dst 53), checked by
	 * ns.c: a whole struct asv_rpmsg_ns_msg, its name NUL-terminated. */
	void (*ns_rx)(struct asv_rpmsg_dev *d, const void *data, size_t len, uint32_t src);
	/* Optional: has the peer reset the device under a sender waiting for a
	 * buffer (the remote: the vdev status without DRIVER_OK)? Any thread. */
	bool (*peer_gone)(struct asv_rpmsg_dev *d);
};

/* The part of struct asv_host / asv_remote that the common code uses. */
struct asv_rpmsg_dev {
	const struct asv_role_ops *ops;
	struct asv_env env;
	uint32_t timeout_ms; /* default timeout of asv_send() */
	uint8_t is_remote;
	uint8_t ns_enabled;	/* VIRTIO_RPMSG_F_NS negotiated */
	int link_up;		/* atomic: rings usable */
	int broken;		/* atomic: 0 or the -errno that shut the link */
	int tx_waiters;		/* atomic */
	unsigned long notifies; /* atomic */
	/*
	 * Tear-down (asv_rpmsg_close()): closing is set once under the TX
	 * lock, rx_closed under the RET lock; after that no buffer is taken,
	 * handed over or given back. in_slow (atomic) counts the threads in
	 * the slow send path, which touch the device outside the TX lock;
	 * the close waits until it is 0 so the role may then free its state.
	 */
	int closing;
	int rx_closed;
	int in_slow;
	/*
	 * Zero-copy tx buffers handed out (TX lock): held counts those taken
	 * and those being waited for (<= ASV_MAX_ZC_TX); the table maps each
	 * taken buffer back to its descriptor id in private memory, so taking
	 * one writes nothing into shared memory.
	 */
	int zc_tx_held;
	unsigned int nzc;
	void *zc_buf[ASV_MAX_ZC_TX];
	uint16_t zc_id[ASV_MAX_ZC_TX];
	uint32_t zc_cap[ASV_MAX_ZC_TX];
	uint32_t zc_gen[ASV_MAX_ZC_TX]; /* the link_gen each was taken in */
	/*
	 * The rings' generation (TX lock): the remote counts each vdev reset
	 * by the host (core/src/remote_reset.c). A buffer taken in an older
	 * one belongs to rings the host took down: never handed over or
	 * given back, its send fails with -ASV_ECONNRESET. Written with an
	 * atomic store: an application may read it (relaxed) to see a reset.
	 */
	uint32_t link_gen;
	/*
	 * Payload room of the tx buffer tx_get() just took (TX lock): 496 on
	 * the host; on the remote, what the host's descriptor says (an
	 * OpenAMP host may post 256- or 1024-byte buffers).
	 */
	uint32_t tx_cap;
	struct asv_stats stats;
	/* endpoint table (EPT lock) */
	struct asv_endpoint *bucket[ASV_EPT_BUCKETS];
	uint32_t dyn_map[ASV_DYN_ADDRS / 32];
	struct asv_endpoint ns_ept;
	struct asv_trace *trace; /* remote: its trace buffer, or NULL */
	/* remote: its fault plan (asvirt/fault.h) while one is set, else NULL */
	struct asv_fault_plan *fault;
};

/*
 * Create an endpoint at @addr (ASV_RPMSG_ADDR_ANY: the next free dynamic
 * address >= 1024). On the remote, a non-empty @name is announced to the
 * host with a name-service CREATE once the link is up. @ept is caller
 * memory (no allocation). Returns 0, -ASV_EBUSY (address taken),
 * -ASV_ENOSPC (dynamic range exhausted), -ASV_EINVAL.
 */
int asv_create_ept(struct asv_rpmsg_dev *dev, struct asv_endpoint *ept, const char *name,
		   uint32_t addr, asv_rx_cb cb, void *priv);
/* Remove @ept (announcing DESTROY on the remote). Waits for a callback in
 * progress on another thread. Returns 0 or -ASV_ENOENT. */
int asv_destroy_ept(struct asv_endpoint *ept);

/*
 * Send @len (0..496) bytes from @ept to ept->dst (asv_send) or @dst. When
 * no tx buffer is free, asv_send*() wait up to the device's default timeout
 * (asv_send_timeout: @timeout_ms) for the peer to free one, blocked on the
 * simulated interrupt; asv_trysend*() return -ASV_ENOMEM at once.
 * Errors: -ASV_EMSGSIZE, -ASV_EINVAL (no destination), -ASV_ENODEV (link
 * not up yet, or down after the host reset the device), -ASV_ESHUTDOWN (link
 * shut down), -ASV_ETIMEDOUT, -ASV_ENOMEM, -ASV_ECONNRESET (remote: the host
 * reset the device while the send waited for a buffer or held it; nothing
 * was handed over).
 */
int asv_send(struct asv_endpoint *ept, const void *data, size_t len);
int asv_sendto(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len);
int asv_trysend(struct asv_endpoint *ept, const void *data, size_t len);
int asv_trysendto(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len);
int asv_send_timeout(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len,
		     uint32_t timeout_ms);

/*
 * Zero-copy send: take a tx buffer (payload area of *@size = 496 bytes),
 * fill it, then send it with asv_send_nocopy() or give it back unsent with
 * asv_release_tx_buffer(). @timeout_ms 0 does not wait. Returns NULL and
 * sets *@err on failure.
 */
void *asv_get_tx_buffer(struct asv_rpmsg_dev *dev, uint32_t *size, uint32_t timeout_ms, int *err);
int asv_send_nocopy(struct asv_endpoint *ept, uint32_t dst, void *buf, size_t len);
int asv_release_tx_buffer(struct asv_rpmsg_dev *dev, void *buf);

/*
 * Zero-copy receive: give back a buffer whose callback returned HOLD.
 * Remote: -ASV_ECONNRESET when the host reset the device since (the buffer
 * was the old rings'; it is forgotten).
 */
int asv_release_rx_buffer(struct asv_rpmsg_dev *dev, void *data);

/*
 * The device's counters, read without a lock: never waits for a callback
 * and takes no lock off the data path. Each counter is exact at the
 * moment it is read; two counters may be read a message apart.
 */
void asv_get_stats(struct asv_rpmsg_dev *dev, struct asv_stats *out);
/* True once the rings are usable and until the link is shut down. */
bool asv_link_ready(struct asv_rpmsg_dev *dev);

#endif /* ASVIRT_RPMSG_H */
