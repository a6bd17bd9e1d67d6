/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A fault plan for the remote (firmware) side: firmware that misbehaves on
 * purpose, to see what the host does. One spec syntax for every port (the
 * kernel module's debugfs remoteprocN/asvirt_fault, asvirt up --fault):
 *
 *   off                  no fault (the default)
 *   crash-after=N        N more messages go out, then the firmware crashes
 *                        (once: the port stops it and reports the crash)
 *   drop-kick=N          the next N kicks to the host are not raised
 *   drop-kick=K/M        of every M kicks to the host, the first K are not raised
 *   delay-kick=Nms       each kick to the host is raised N ms late
 *   stall=Nms            the next interrupt from the host is handled N ms late
 *   corrupt=FIELD[@N]    the next message (@N: the Nth from now) goes out
 *                        with FIELD wrong: src, dst, len, flags (the rpmsg
 *                        header) or ns-name (the next name-service message's
 *                        name, from the Nth message on: 32 bytes, no NUL)
 *   reorder=on|off       filled buffers are returned to the host in pairs,
 *                        the later one first (a lone one at the end of the
 *                        interrupt or with the next message)
 *
 * Faults combine with commas ("crash-after=100,drop-kick=1/4"). Numbers
 * are decimal, 1..1000000 (ms: up to 60000). The one-shot faults (crash,
 * drop-kick=N, stall, corrupt) are used up once done; the others last
 * until the plan is replaced.
 *
 * The plan decides, the port acts: it gives the hooks that crash the
 * firmware and block the calling thread. Portable C11, no OS call; the
 * remote consults it only while attached (asv_remote_set_fault()), so no
 * plan costs one branch per message and per kick.
 */
#ifndef ASVIRT_FAULT_H
#define ASVIRT_FAULT_H

#include "asvirt/env.h"
#include "asvirt/wire.h"

#define ASV_FAULT_MAX 1000000u
#define ASV_FAULT_MAX_MS 60000u
/* The longest spec the parser reads (longer ones are refused). */
#define ASV_FAULT_SPEC_MAX 160u

/* What corrupt= rewrites, and the values it writes. */
enum asv_fault_field {
	ASV_FAULT_F_NONE = 0,
	ASV_FAULT_F_SRC,     /* src := ASV_FAULT_BAD_ADDR */
	ASV_FAULT_F_DST,     /* dst := ASV_FAULT_BAD_ADDR */
	ASV_FAULT_F_LEN,     /* len := 0xFFFF, more than any buffer holds */
	ASV_FAULT_F_FLAGS,   /* flags := 0xFFFF */
	ASV_FAULT_F_NS_NAME, /* name := 32 x 'X', no NUL */
};
#define ASV_FAULT_BAD_ADDR 0xDEADBEEFu

struct asv_fault_hooks {
	void *ctx;
	/* The firmware crashes: stop answering and let the host see it. */
	void (*crash)(void *ctx, const char *why);
	/* Block the calling thread for @ms (stall=, delay-kick=). */
	void (*stall)(void *ctx, uint32_t ms);
};

/*
 * The plan (what asv_fault_parse() read) and what it has done. Every field
 * is read and written with relaxed atomics: the port may replace the plan
 * (asv_fault_set()) while the remote's threads consult it.
 */
struct asv_fault_plan {
	uint32_t crash_after; /* 0: no crash */
	uint32_t drop_next;   /* drop-kick=N: kicks still to drop */
	uint32_t drop_k, drop_m;
	uint32_t delay_kick_ms;
	uint32_t stall_ms;   /* once, then 0 */
	uint32_t corrupt;    /* enum asv_fault_field, once, then NONE */
	uint32_t corrupt_at; /* ... in the corrupt_at-th message sent (1: the next) */
	uint32_t reorder;
	/* done since the plan was set */
	uint32_t sent, kicks, dropped, delayed, stalls, corrupted, reordered, crashes;
	/* reorder: the buffer held back, 1 + its id (0: none), its length */
	uint32_t held, held_len;
	struct asv_fault_hooks hooks;
};

/*
 * Parse @spec into @p (counters zeroed, hooks kept). On a bad spec @p is
 * left unchanged and @why (if not NULL) says what is wrong; returns 0 or
 * -ASV_EINVAL. A trailing newline is accepted (a write to debugfs).
 */
int asv_fault_parse(struct asv_fault_plan *p, const char *spec, char *why, size_t whylen);
/* Copy @from's plan into @to (counters zeroed, @to's hooks and held buffer kept). */
void asv_fault_set(struct asv_fault_plan *to, const struct asv_fault_plan *from);
/* Does @p ask for any fault? */
bool asv_fault_active(const struct asv_fault_plan *p);
/* The plan as a spec asv_fault_parse() reads back ("off" when none). */
size_t asv_fault_format(const struct asv_fault_plan *p, char *buf, size_t len);
/* What it has done: "sent N kicks N dropped N ...". */
size_t asv_fault_report(const struct asv_fault_plan *p, char *buf, size_t len);

/* ---- decisions, called by the remote (core/src/remote.c, send.c) ---- */

/*
 * A message is about to go out in buffer @h (header filled, @len payload
 * bytes after it, to @dst). Applies a pending corrupt= to it; returns true
 * when the firmware crashed instead (crash hook called): the message must
 * not go out. Called with the TX lock held.
 */
bool asv_fault_on_send(struct asv_fault_plan *p, struct asv_rpmsg_hdr *h, size_t len);
/* A kick to the host: false to drop it; delays it first (stall hook). */
bool asv_fault_on_kick(struct asv_fault_plan *p);
/* An interrupt from the host is about to be handled: stalls once (stall hook). */
void asv_fault_on_isr(struct asv_fault_plan *p);
/* reorder: keep filled buffer @id back (true) until the next one goes out. */
bool asv_fault_hold(struct asv_fault_plan *p, uint16_t id, uint32_t len);
/* The buffer held back, if any (true), now to go out after the later one. */
bool asv_fault_take_held(struct asv_fault_plan *p, uint16_t *id, uint32_t *len);

#endif /* ASVIRT_FAULT_H */
