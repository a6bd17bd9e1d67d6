// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The remote's fault plan (asvirt/fault.h): the spec parser and the
 * per-event decisions. The spec comes from a user (debugfs, the command
 * line): it is parsed by hand, byte by byte, within ASV_FAULT_SPEC_MAX,
 * with every number range-checked; nothing is assumed NUL-terminated
 * beyond that bound.
 */
#include "compat.h"
#include "asvirt/errors.h"
#include "asvirt/fault.h"

#define LD(f) asv_load_relaxed(&(f))
#define ST(f, v) asv_store_relaxed(&(f), (v))

static const char *const field_names[] = {
	[ASV_FAULT_F_SRC] = "src",     [ASV_FAULT_F_DST] = "dst",	  [ASV_FAULT_F_LEN] = "len",
	[ASV_FAULT_F_FLAGS] = "flags", [ASV_FAULT_F_NS_NAME] = "ns-name",
};

/* A token of the spec: [s, s + n). */
struct tok {
	const char *s;
	size_t n;
};

static bool tok_is(struct tok t, const char *word)
{
	size_t i;

	for (i = 0; i < t.n; i++)
		if (!word[i] || word[i] != t.s[i])
			return false;
	return !word[i];
}

static void say(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* A decimal number in 1..@max, all of @t but an optional @suffix. */
static int number(struct tok t, const char *suffix, uint32_t max, uint32_t *out)
{
	size_t i, slen = 0;
	uint32_t v = 0;

	while (suffix && suffix[slen])
		slen++;
	if (t.n <= slen)
		return -ASV_EINVAL;
	if (slen) {
		struct tok end = { t.s + t.n - slen, slen };

		if (!tok_is(end, suffix))
			return -ASV_EINVAL;
		t.n -= slen;
	}
	for (i = 0; i < t.n; i++) {
		if (t.s[i] < '0' || t.s[i] > '9')
			return -ASV_EINVAL;
		v = v * 10u + (uint32_t)(t.s[i] - '0');
		if (v > max)
			return -ASV_EINVAL;
	}
	if (!v)
		return -ASV_EINVAL;
	*out = v;
	return 0;
}

/* One "key=value" item into @p; 0 or -ASV_EINVAL with @why said. */
static int item(struct asv_fault_plan *p, struct tok key, struct tok val, char *why, size_t wl)
{
	size_t i;

	if (tok_is(key, "crash-after")) {
		if (!number(val, NULL, ASV_FAULT_MAX, &p->crash_after))
			return 0;
		say(why, wl, "crash-after wants a number of messages, 1..%u", ASV_FAULT_MAX);
	} else if (tok_is(key, "drop-kick")) {
		for (i = 0; i < val.n && val.s[i] != '/'; i++)
			;
		if (i == val.n) {
			if (!number(val, NULL, ASV_FAULT_MAX, &p->drop_next))
				return 0;
		} else {
			struct tok k = { val.s, i }, m = { val.s + i + 1, val.n - i - 1 };

			if (!number(k, NULL, ASV_FAULT_MAX, &p->drop_k) &&
			    !number(m, NULL, ASV_FAULT_MAX, &p->drop_m) && p->drop_k <= p->drop_m)
				return 0;
		}
		say(why, wl, "drop-kick wants N (the next N kicks) or K/M (K of every M, K <= M)");
	} else if (tok_is(key, "delay-kick")) {
		if (!number(val, "ms", ASV_FAULT_MAX_MS, &p->delay_kick_ms))
			return 0;
		say(why, wl, "delay-kick wants milliseconds, 1ms..%ums", ASV_FAULT_MAX_MS);
	} else if (tok_is(key, "stall")) {
		if (!number(val, "ms", ASV_FAULT_MAX_MS, &p->stall_ms))
			return 0;
		say(why, wl, "stall wants milliseconds, 1ms..%ums", ASV_FAULT_MAX_MS);
	} else if (tok_is(key, "corrupt")) {
		struct tok at = { NULL, 0 };

		for (i = 0; i < val.n && val.s[i] != '@'; i++)
			;
		if (i < val.n) {
			at = (struct tok){ val.s + i + 1, val.n - i - 1 };
			val.n = i;
		}
		for (i = 1; i < ASV_ARRAY_SIZE(field_names); i++) {
			if (!tok_is(val, field_names[i]))
				continue;
			p->corrupt_at = 1;
			if (at.s && number(at, NULL, ASV_FAULT_MAX, &p->corrupt_at))
				break;
			p->corrupt = (uint32_t)i;
			return 0;
		}
		say(why, wl,
		    "corrupt wants src, dst, len, flags or ns-name, then @N (the Nth message) or "
		    "not");
	} else if (tok_is(key, "reorder")) {
		if (tok_is(val, "on") || tok_is(val, "off")) {
			p->reorder = tok_is(val, "on");
			return 0;
		}
		say(why, wl, "reorder wants on or off");
	} else {
		say(why, wl,
		    "unknown fault '%.*s' (crash-after, drop-kick, delay-kick, stall, corrupt, "
		    "reorder, off)",
		    (int)(key.n > 20 ? 20 : key.n), key.s);
	}
	return -ASV_EINVAL;
}

int asv_fault_parse(struct asv_fault_plan *p, const char *spec, char *why, size_t whylen)
{
	struct asv_fault_plan q;
	size_t n = 0, i, start;

	if (why && whylen)
		why[0] = '\0';
	if (!p || !spec) {
		say(why, whylen, "no plan or no spec");
		return -ASV_EINVAL;
	}
	n = asv_strnlen(spec, ASV_FAULT_SPEC_MAX + 1);
	if (n > ASV_FAULT_SPEC_MAX) {
		say(why, whylen, "spec longer than %u bytes", ASV_FAULT_SPEC_MAX);
		return -ASV_EINVAL;
	}
	if (n && spec[n - 1] == '\n')
		n--;
	memset(&q, 0, sizeof(q));
	if (tok_is((struct tok){ spec, n }, "off")) {
		asv_fault_set(p, &q);
		return 0;
	}
	if (!n) {
		say(why, whylen, "empty spec (write off for no fault)");
		return -ASV_EINVAL;
	}
	for (start = 0; start <= n; start = i + 1) {
		struct tok key, val;
		size_t eq;

		for (i = start; i < n && spec[i] != ','; i++)
			;
		for (eq = start; eq < i && spec[eq] != '='; eq++)
			;
		key = (struct tok){ spec + start, eq - start };
		val = (struct tok){ spec + eq + 1, eq < i ? i - eq - 1 : 0 };
		if (eq == i || !key.n || !val.n) {
			say(why, whylen, "'%.*s': each fault is key=value, separated by commas",
			    (int)(i - start > 20 ? 20 : i - start), spec + start);
			return -ASV_EINVAL;
		}
		if (item(&q, key, val, why, whylen))
			return -ASV_EINVAL;
	}
	asv_fault_set(p, &q);
	return 0;
}

void asv_fault_set(struct asv_fault_plan *to, const struct asv_fault_plan *from)
{
	ST(to->crash_after, LD(from->crash_after));
	ST(to->drop_next, LD(from->drop_next));
	ST(to->drop_k, LD(from->drop_k));
	ST(to->drop_m, LD(from->drop_m));
	ST(to->delay_kick_ms, LD(from->delay_kick_ms));
	ST(to->stall_ms, LD(from->stall_ms));
	ST(to->corrupt, LD(from->corrupt));
	ST(to->corrupt_at, LD(from->corrupt_at));
	ST(to->reorder, LD(from->reorder));
	ST(to->sent, 0u);
	ST(to->kicks, 0u);
	ST(to->dropped, 0u);
	ST(to->delayed, 0u);
	ST(to->stalls, 0u);
	ST(to->corrupted, 0u);
	ST(to->reordered, 0u);
	ST(to->crashes, 0u);
}

bool asv_fault_active(const struct asv_fault_plan *p)
{
	return LD(p->crash_after) || LD(p->drop_next) || LD(p->drop_m) || LD(p->delay_kick_ms) ||
	       LD(p->stall_ms) || LD(p->corrupt) || LD(p->reorder);
}

/* snprintf into buf + *at, keeping *at within len (truncating). */
static void put(char *buf, size_t len, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at = *at + (size_t)n < len ? *at + (size_t)n : len - 1;
}

size_t asv_fault_format(const struct asv_fault_plan *p, char *buf, size_t len)
{
	uint32_t v, c = LD(p->corrupt);
	size_t at = 0;
	const char *sep = "";

	if (!len)
		return 0;
	buf[0] = '\0';
	if ((v = LD(p->crash_after))) {
		put(buf, len, &at, "crash-after=%" PRIu32, v);
		sep = ",";
	}
	if ((v = LD(p->drop_next))) {
		put(buf, len, &at, "%sdrop-kick=%" PRIu32, sep, v);
		sep = ",";
	}
	if ((v = LD(p->drop_m))) {
		put(buf, len, &at, "%sdrop-kick=%" PRIu32 "/%" PRIu32, sep, LD(p->drop_k), v);
		sep = ",";
	}
	if ((v = LD(p->delay_kick_ms))) {
		put(buf, len, &at, "%sdelay-kick=%" PRIu32 "ms", sep, v);
		sep = ",";
	}
	if ((v = LD(p->stall_ms))) {
		put(buf, len, &at, "%sstall=%" PRIu32 "ms", sep, v);
		sep = ",";
	}
	if (c && c < ASV_ARRAY_SIZE(field_names)) {
		put(buf, len, &at, "%scorrupt=%s", sep, field_names[c]);
		if ((v = LD(p->corrupt_at)) > 1)
			put(buf, len, &at, "@%" PRIu32, v);
		sep = ",";
	}
	if (LD(p->reorder)) {
		put(buf, len, &at, "%sreorder=on", sep);
		sep = ",";
	}
	if (!*sep)
		put(buf, len, &at, "off");
	return at;
}

size_t asv_fault_report(const struct asv_fault_plan *p, char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	put(buf, len, &at,
	    "sent %" PRIu32 " kicks %" PRIu32 " dropped %" PRIu32 " delayed %" PRIu32
	    " stalls %" PRIu32 " corrupted %" PRIu32 " reordered %" PRIu32 " crashes %" PRIu32,
	    LD(p->sent), LD(p->kicks), LD(p->dropped), LD(p->delayed), LD(p->stalls),
	    LD(p->corrupted), LD(p->reordered), LD(p->crashes));
	return at;
}

/* Apply corrupt=@field to the message in @h, if it applies to this one. */
static bool corrupt(uint32_t field, struct asv_rpmsg_hdr *h, size_t len)
{
	struct asv_rpmsg_ns_msg *ns = (struct asv_rpmsg_ns_msg *)(void *)h->data;

	switch (field) {
	case ASV_FAULT_F_SRC:
		h->src = asv_cpu_to_le32(ASV_FAULT_BAD_ADDR);
		return true;
	case ASV_FAULT_F_DST:
		h->dst = asv_cpu_to_le32(ASV_FAULT_BAD_ADDR);
		return true;
	case ASV_FAULT_F_LEN:
		h->len = asv_cpu_to_le16(0xFFFFu);
		return true;
	case ASV_FAULT_F_FLAGS:
		h->flags = asv_cpu_to_le16(0xFFFFu);
		return true;
	case ASV_FAULT_F_NS_NAME:
		if (asv_le32(h->dst) != ASV_RPMSG_NS_ADDR || len < sizeof(*ns))
			return false; /* not a name-service message: wait for one */
		memset(ns->name, 'X', sizeof(ns->name));
		return true;
	}
	return false;
}

bool asv_fault_on_send(struct asv_fault_plan *p, struct asv_rpmsg_hdr *h, size_t len)
{
	uint32_t after = LD(p->crash_after), field = LD(p->corrupt);

	if (after && LD(p->sent) >= after) {
		ST(p->crash_after, 0u);
		asv_atomic_add(&p->crashes, 1u);
		if (p->hooks.crash)
			p->hooks.crash(p->hooks.ctx, "crash-after reached");
		return true;
	}
	if (field && LD(p->sent) + 1u >= LD(p->corrupt_at) && corrupt(field, h, len)) {
		ST(p->corrupt, 0u);
		asv_atomic_add(&p->corrupted, 1u);
	}
	asv_atomic_add(&p->sent, 1u);
	return false;
}

bool asv_fault_on_kick(struct asv_fault_plan *p)
{
	uint32_t n = asv_atomic_add(&p->kicks, 1u), m = LD(p->drop_m), left = LD(p->drop_next),
		 ms = LD(p->delay_kick_ms);

	if (left) {
		ST(p->drop_next, left - 1u);
		asv_atomic_add(&p->dropped, 1u);
		return false;
	}
	if (m && (n - 1u) % m < LD(p->drop_k)) {
		asv_atomic_add(&p->dropped, 1u);
		return false;
	}
	if (ms && p->hooks.stall) {
		asv_atomic_add(&p->delayed, 1u);
		p->hooks.stall(p->hooks.ctx, ms);
	}
	return true;
}

void asv_fault_on_isr(struct asv_fault_plan *p)
{
	uint32_t ms = LD(p->stall_ms);

	if (!ms)
		return;
	ST(p->stall_ms, 0u);
	asv_atomic_add(&p->stalls, 1u);
	if (p->hooks.stall)
		p->hooks.stall(p->hooks.ctx, ms);
}

bool asv_fault_hold(struct asv_fault_plan *p, uint16_t id, uint32_t len)
{
	if (!LD(p->reorder) || LD(p->held))
		return false;
	ST(p->held_len, len);
	ST(p->held, 1u + id);
	return true;
}

bool asv_fault_take_held(struct asv_fault_plan *p, uint16_t *id, uint32_t *len)
{
	uint32_t h = LD(p->held);

	if (!h)
		return false;
	*id = (uint16_t)(h - 1u);
	*len = LD(p->held_len);
	ST(p->held, 0u);
	return true;
}
