/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * What asvirt conform's check files share (conform_run.c: the firmware,
 * the boot, name-service and life-cycle checks; conform_msg.c: the
 * messaging checks): the state collected from the host, and the helpers
 * that send on a host endpoint of our own.
 */
#ifndef ASVIRT_CONFORM_STATE_H
#define ASVIRT_CONFORM_STATE_H

#include <pthread.h>
#include <stdint.h>

#include "asvirt/proc.h"
#include "asvirt/wire.h"
#include "conform.h"

#define MAX_CHANS 64
#define REPLY_WAIT_MS 3000
#define UNKNOWN_DST 0xc0deu
#define MAX_PAYLOAD 496u /* 512-byte buffers less the 16-byte header */
#define BURST_MAX 1024u
/* boot.driver_ok: how long the first boot's host waits, its buffers
 * posted, before it sets DRIVER_OK (a remote that uses the rings in the
 * window is caught; one that would only later is not) */
#define EARLY_WATCH_MS 300
/*
 * No heartbeat this long: the firmware is taken for hung (asv_proc's
 * watchdog; asvirt up's default is 2 s). A firmware that answers from its
 * interrupt handler stops its heartbeat while it waits there for a buffer,
 * which msg.hold and msg.slow_cb make it do on purpose; on a loaded CI
 * machine those waits stretched past 2 s and a firmware that was only
 * waiting was restarted mid-check. No check relies on the watchdog.
 */
#define CONFORM_WATCHDOG_MS 10000
/* msg.hold: how long the host keeps every receive buffer */
#define HOLD_MS 500
/* msg.slow_cb: the host's callback time per message, and the messages */
#define SLOW_CB_MS 50
#define SLOW_MSGS 8u
/* msg.dead_ept: messages whose replies go to an endpoint destroyed meanwhile */
#define DEAD_MSGS 8u
/* a number macro as a string, for the evidence the checks print */
#define STR_(x) #x
#define STR(x) STR_(x)

/* What our endpoints' callback does with a reply (conform_msg.c). */
enum conform_rx_mode {
	RX_PLAIN = 0, /* record it */
	RX_HOLD,      /* record it and keep the buffer (ASV_RX_HOLD) */
	RX_SLOW,      /* record it, then take SLOW_CB_MS */
};

/*
 * A host endpoint of ours (conform_open_ept): the core's endpoint and the
 * link it was made on (asv_proc's link_gen). A link that goes down under
 * it (the monitor's teardown of a crashed or hung firmware, a reattach, a
 * stop) frees the endpoint: from then on it is refused, never touched.
 * The record itself lives until conform_close_ept (or conform_free_epts).
 */
struct conform_ept {
	struct asv_endpoint *e;
	unsigned int link_gen;
	uint32_t addr; /* e's, kept: a check may name it once e is gone */
	struct conform_ept *next;
};

struct chan_rec {
	char name[ASV_RPMSG_NAME_SIZE];
	uint32_t dst;
	unsigned int created; /* announcements seen in this boot */
	int present;
};

struct conform_state {
	pthread_mutex_t mu;
	struct asv_proc p;
	struct conform_ept *epts; /* ours, open or gone with a link (proc lock) */
	struct chan_rec ch[MAX_CHANS];
	unsigned int nch;
	unsigned int events; /* channel events, to see them settle */
	/* the host's complaints about the name service (first one kept) */
	unsigned int ns_dup, ns_nonul;
	char ns_dup_line[200], ns_nonul_line[200];
	/* replies on our host endpoint */
	unsigned int replies;
	uint8_t reply[512];
	size_t reply_len;
	/* sequenced messages (tag, then a 32-bit number): which came back,
	 * and the first one that came back after a later one */
	char tag[4];
	uint8_t seen[BURST_MAX];
	uint32_t last_seq;
	int nseq, ooo;
	uint32_t ooo_seq, ooo_after;
	enum conform_rx_mode mode;
	void *held[BURST_MAX];		     /* RX_HOLD: the buffers kept */
	struct asv_host_fault fault;	     /* the host's fault plan while armed */
	unsigned int nboot_chans;	     /* channels after the first boot */
	char echo_name[ASV_RPMSG_NAME_SIZE]; /* the echo channel ("" none) */
	unsigned int nheld;
	uint64_t last_traffic_ms; /* when we last sent, kicked or got an answer */
	/* boot.driver_ok: the window is watched on the first boot only */
	int watch_early, early_seen;
	char early_line[300];
};

void conform_verdict(struct conform_check *c, enum conform_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
unsigned int conform_get_u(struct conform_state *s, const unsigned int *v);
/* A host endpoint of our own (conform_rx_cb), freed with the link if we
 * leave it (its record with conform_free_epts). NULL without a link. */
struct conform_ept *conform_open_ept(struct conform_state *s);
struct conform_ept *conform_open_ept_at(struct conform_state *s, const char *name, uint32_t addr);
struct conform_ept *conform_open_ept_cb(struct conform_state *s, const char *name, uint32_t addr,
					asv_rx_cb cb);
/* Destroys @e if its link is still up (else the link freed it); frees its record. */
void conform_close_ept(struct conform_state *s, struct conform_ept *e);
/* The records of the endpoints never closed, at the end (the link down). */
void conform_free_epts(struct conform_state *s);
int conform_send_to(struct conform_state *s, struct conform_ept *e, uint32_t dst, const void *d,
		    size_t len);
/* Send @len bytes to @dst and wait for the reply: 0 when it is the same
 * bytes, 1 when it differs (*@got its length), -1 when none came, -2 when
 * the send failed. */
int conform_round_trip(struct conform_state *s, struct conform_ept *e, uint32_t dst,
		       const uint8_t *d, size_t len, size_t *got);
unsigned int conform_present_count(struct conform_state *s);
/* Collect announcements until @want channels are there (0: at least one)
 * and nothing changed for 300 ms, or @ms passed. */
void conform_settle(struct conform_state *s, unsigned int want, unsigned int ms);
void conform_settle_quiet(struct conform_state *s, unsigned int want, unsigned int ms,
			  unsigned int quiet_ms);
/* "name:0xaddr, ..." of the channels seen (@present_only: those there now). */
void conform_names_of(struct conform_state *s, char *out, size_t n, int present_only);
/* The address the channel @name has now (dynamic ones may change). */
uint32_t conform_dst_of(struct conform_state *s, const char *name, uint32_t old);
/* Our endpoints' receive callback (conform_msg.c): records each reply. */
int conform_rx_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv);

/* The messaging checks (conform_msg.c), on the echo channel at @dst. */
void conform_check_sizes(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			 struct conform_check *c);
void conform_check_unknown(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			   struct conform_check *c);
void conform_check_burst(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			 struct conform_check *c);
void conform_check_hold(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			struct conform_check *c);
void conform_check_slow(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			struct conform_check *c);
/* Destroys *@e (a new endpoint replaces it). */
void conform_check_dead_ept(struct conform_state *s, struct conform_ept **e, uint32_t dst,
			    struct conform_check *c);

/* The name-service checks (conform_ns.c). After each boot the host binds
 * every channel but the echo one: one message on each. */
void conform_bind_all(struct conform_state *s);
/* On a fresh boot, left running. */
void conform_check_ns_recreate(struct conform_state *s, const char *echo, uint32_t dst,
			       struct conform_check *c);
/* A fresh boot that binds nothing but the echo channel, left running. */
void conform_check_unbound(struct conform_state *s, const char *echo, uint32_t dst,
			   struct conform_check *c);

/* The faulty-host checks (conform_host.c). */
/* Kick the firmware whatever its suppression says (asv_host_kick). */
void conform_kick(struct conform_state *s);
/* remoteproc's stop then start, the channels back and bound (0, or -1 and @why). */
int conform_restart(struct conform_state *s, char *why, size_t n);
void conform_check_kick_drop(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			     struct conform_check *c);
void conform_check_kick_dup(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			    struct conform_check *c);
/* The stressed-host checks (conform_irq.c). */
void conform_check_irq_delay(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			     struct conform_check *c);
void conform_check_irq_busy(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			    struct conform_check *c);
/* Restarts the firmware for each malformation and leaves it as the last
 * one did (life.restart, next, starts with a restart). */
void conform_check_bad_desc(struct conform_state *s, const char *echo, uint32_t dst,
			    struct conform_check *c);
/* Where the firmware offers EVENT_IDX: a boot with a host that does not
 * take it, left running (host.bad_desc, next, starts with a restart). */
void conform_check_event_idx(struct conform_state *s, const char *echo, uint32_t dst,
			     struct conform_check *c);
/* A round trip from a new host endpoint of ours on the echo channel @echo
 * (its address now in *@dst), the endpoint closed after: 0 when the same
 * bytes came back, as conform_round_trip() otherwise (-3: no endpoint). */
int conform_echo_answers(struct conform_state *s, const char *echo, uint32_t *dst,
			 const uint8_t *ping, size_t len);
/* life.attach_recovery (conform_life.c): on a fresh boot, @n times the
 * host's detach and attach with the firmware running; left running. */
void conform_check_attach(struct conform_state *s, unsigned int n, const char *echo, uint32_t dst,
			  struct conform_check *c);
/* The host's receive buffers (as many as its transmit buffers). */
unsigned int conform_host_nbufs(struct conform_state *s);
/* Sequenced messages (conform_msg.c): see conform_state's tag and seen. */
void conform_seq_reset(struct conform_state *s, const char *tag, enum conform_rx_mode mode);
int conform_seq_send(struct conform_state *s, struct conform_ept *e, uint32_t dst,
		     unsigned int from, unsigned int to, unsigned int *failed);
/* Wait until nothing was sent, kicked or answered for @ms (the check
 * before may have waited part of it), REPLY_WAIT_MS longer at most: a
 * firmware idle that long may be asleep, and its wake-up path is the
 * slowest it has. */
void conform_wait_quiet(struct conform_state *s, unsigned int ms);
unsigned int conform_seq_collect(struct conform_state *s, unsigned int n, unsigned int quiet_ms,
				 unsigned int *missing);

#endif
