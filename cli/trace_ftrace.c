// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * An ftrace text capture of the kernel module's asvirt:asvirt_event
 * (kernel/asvirt_events.h) read back into trace records, so the same
 * writers (trace_json.c, trace_pcap.c) export a guest's MCU as they export
 * asvirt's own roles. A line of /sys/kernel/tracing/trace looks like
 *
 *   asvirt-mcu0-75 [001] ..... 12.345678: asvirt_event: mcu=0 kind=tx
 *     role=remote vring=0 flags=0x1 idx=0 desc=3 len=5 src=0x400
 *     dst=0x401 ept=0x0 err=0 aux=0 data=0104000001040000...
 *
 * (one line; the task name may hold spaces and dashes, the flags column
 * differs between kernel versions): the header is found from the event's
 * name backwards (the timestamp before it, a [CPU] before that), and the
 * fields after it are read in the order TP_printk writes them, each
 * checked against its type's range. The text is untrusted (a file from
 * anywhere): every line is checked, every read stays inside it, and an
 * error names the line and what is wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asvirt/wire.h"
#include "trace.h"

#define EVENT_NAME "asvirt_event"

/* s[0..n) starts with the NUL-terminated @lit. */
static int starts(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && !memcmp(s, lit, k);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The timestamp ending at @end (exclusive) of line[0..end): "SECS.FRAC"
 * (1-12 digits, 1-9 digits) or "COUNT" (the counter clocks). Its start in
 * *@start, the value in nanoseconds (a counter as it is). 0 or -1.
 */
static int timestamp_before(const char *line, size_t end, size_t *start, uint64_t *ns)
{
	size_t i = end, dot = end, nd = 0;
	uint64_t secs = 0, frac = 0;

	while (i > 0 && (is_digit(line[i - 1]) || line[i - 1] == '.')) {
		if (line[i - 1] == '.') {
			if (dot != end)
				return -1;
			dot = i - 1;
		}
		i--;
	}
	if (i == end || (i > 0 && line[i - 1] != ' '))
		return -1;
	*start = i;
	if (dot == end) {
		if (end - i > 19)
			return -1;
		for (; i < end; i++)
			secs = secs * 10u + (uint64_t)(line[i] - '0');
		*ns = secs;
		return 0;
	}
	if (dot == i || dot - i > 12 || end - dot - 1 < 1 || end - dot - 1 > 9)
		return -1;
	for (; i < dot; i++)
		secs = secs * 10u + (uint64_t)(line[i] - '0');
	for (i = dot + 1; i < end; i++, nd++)
		frac = frac * 10u + (uint64_t)(line[i] - '0');
	for (; nd < 9; nd++)
		frac *= 10u;
	*ns = secs * 1000000000u + frac;
	return 0;
}

/* line[0..end) holds a "[CPU]" field: digits in brackets. */
static int has_cpu_field(const char *line, size_t end)
{
	size_t i, j;

	for (i = 0; i < end; i++) {
		if (line[i] != '[')
			continue;
		for (j = i + 1; j < end && is_digit(line[j]); j++)
			;
		if (j > i + 1 && j < end && line[j] == ']')
			return 1;
	}
	return 0;
}

/* A reader of "key=value" fields, one space between them. */
struct fields {
	const char *p, *end;
	const char *why;
};

/* The value of field @key: its text in [*v, *v + *vn). 0 or -1. */
static int field(struct fields *f, const char *key, const char **v, size_t *vn)
{
	size_t k = strlen(key);
	const char *q;

	if (f->why)
		return -1;
	if ((size_t)(f->end - f->p) < k + 1 || memcmp(f->p, key, k) || f->p[k] != '=') {
		f->why = "fields not in the order asvirt_event writes them";
		return -1;
	}
	f->p += k + 1;
	for (q = f->p; q < f->end && *q != ' '; q++)
		;
	*v = f->p;
	*vn = (size_t)(q - f->p);
	f->p = q < f->end ? q + 1 : q;
	return 0;
}

/* Field @key as a number in [@min, @max]: decimal, or hex after "0x"
 * when @hex. 0 or -1 (f->why set). */
static int num(struct fields *f, const char *key, int hex, int64_t min, int64_t max, int64_t *out)
{
	const char *v;
	size_t vn, i = 0;
	int neg = 0;
	uint64_t x = 0;

	if (field(f, key, &v, &vn))
		return -1;
	if (hex) {
		if (vn < 3 || v[0] != '0' || v[1] != 'x' || vn > 2 + 16)
			goto bad;
		for (i = 2; i < vn; i++) {
			int d = hexval(v[i]);

			if (d < 0)
				goto bad;
			x = x << 4 | (uint64_t)d;
		}
	} else {
		if (vn && v[0] == '-') {
			neg = 1;
			i = 1;
		}
		if (i == vn || vn - i > 18)
			goto bad;
		for (; i < vn; i++) {
			if (!is_digit(v[i]))
				goto bad;
			x = x * 10u + (uint64_t)(v[i] - '0');
		}
	}
	if (x > (uint64_t)INT64_MAX)
		goto bad;
	*out = neg ? -(int64_t)x : (int64_t)x;
	if (*out < min || *out > max)
		goto bad;
	return 0;
bad:
	f->why = "a field's value is not a number in its range";
	return -1;
}

static int parse_event(struct fields *f, struct trace_ftrace_line *o)
{
	struct asv_event *e = &o->e;
	const char *v;
	size_t vn, i;
	int64_t x;
	unsigned int k;

	if (num(f, "mcu", 0, 0, INT32_MAX, &x))
		return -1;
	o->mcu = (uint32_t)x;
	if (field(f, "kind", &v, &vn))
		return -1;
	for (k = ASV_EV_NONE + 1; k < ASV_EV_KIND_COUNT; k++)
		if (strlen(asv_ev_kind_name(k)) == vn && !memcmp(v, asv_ev_kind_name(k), vn))
			break;
	if (k == ASV_EV_KIND_COUNT) {
		f->why = "unknown kind";
		return -1;
	}
	e->kind = (uint8_t)k;
	if (field(f, "role", &v, &vn))
		return -1;
	if (vn == 6 && !memcmp(v, "remote", 6)) {
		e->role = ASV_EV_REMOTE;
	} else if (vn == 4 && !memcmp(v, "host", 4)) {
		e->role = ASV_EV_HOST;
	} else {
		f->why = "role neither remote nor host";
		return -1;
	}
	if (num(f, "vring", 0, 0, UINT8_MAX, &x))
		return -1;
	e->vring = (uint8_t)x;
	if (num(f, "flags", 1, 0, UINT8_MAX, &x))
		return -1;
	e->flags = (uint8_t)x;
	if (num(f, "idx", 0, 0, UINT16_MAX, &x))
		return -1;
	e->idx = (uint16_t)x;
	if (num(f, "desc", 0, 0, UINT16_MAX, &x))
		return -1;
	e->desc = (uint16_t)x;
	if (num(f, "len", 0, 0, UINT16_MAX, &x))
		return -1;
	e->len = (uint16_t)x;
	if (num(f, "src", 1, 0, UINT32_MAX, &x))
		return -1;
	e->src = (uint32_t)x;
	if (num(f, "dst", 1, 0, UINT32_MAX, &x))
		return -1;
	e->dst = (uint32_t)x;
	if (num(f, "ept", 1, 0, UINT32_MAX, &x))
		return -1;
	e->ept = (uint32_t)x;
	if (num(f, "err", 0, INT32_MIN, INT32_MAX, &x))
		return -1;
	e->err = (int32_t)x;
	if (num(f, "aux", 0, 0, UINT32_MAX, &x))
		return -1;
	e->aux = (uint32_t)x;
	if (field(f, "data", &v, &vn))
		return -1;
	if (f->p != f->end) {
		f->why = "text after the data";
		return -1;
	}
	if (vn % 2 || vn / 2 > TRACE_FTRACE_DATA_MAX) {
		f->why = "data not whole bytes in hex, or longer than a buffer";
		return -1;
	}
	for (i = 0; i < vn / 2; i++) {
		int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			f->why = "data not in hex";
			return -1;
		}
		o->data[i] = (uint8_t)(hi << 4 | lo);
	}
	e->dlen = (uint16_t)(vn / 2);
	return 0;
}

/* A message's bytes are its rpmsg header and payload: they must say
 * what the event's fields say (the pcap shows the bytes, the JSON the
 * fields). */
static const char *check_message(const struct trace_ftrace_line *o)
{
	const struct asv_event *e = &o->e;
	const uint8_t *h = o->data;
	uint32_t src, dst;
	uint16_t len;

	if (e->kind != ASV_EV_TX && e->kind != ASV_EV_RX)
		return NULL;
	/* the module records every message with its bytes */
	if (e->dlen < ASV_RPMSG_HDR_SIZE)
		return "a message's data shorter than the rpmsg header";
	src = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
	dst = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
	len = (uint16_t)(h[12] | h[13] << 8);
	if (src != e->src || dst != e->dst || len != e->len)
		return "the rpmsg header in the data disagrees with src/dst/len";
	/* the whole message: the module records up to a whole buffer */
	if (e->dlen != ASV_RPMSG_HDR_SIZE + (size_t)len && e->dlen != TRACE_FTRACE_DATA_MAX)
		return "the data is not the rpmsg header and len bytes of payload";
	return NULL;
}

int trace_ftrace_line(const char *line, size_t n, struct trace_ftrace_line *out, const char **why)
{
	static const char marker[] = ": " EVENT_NAME ": ";
	size_t i, tstart, name_end;
	struct fields f;
	uint64_t ts = 0;
	const char *lost;

	memset(out, 0, sizeof(*out));
	while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	for (i = 0; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == n || line[i] == '#')
		return 0;
	if (n > TRACE_FTRACE_LINE_MAX) {
		*why = "line longer than any asvirt_event line";
		return -1;
	}
	/* "CPU:N [LOST M EVENTS]": the ring buffer overwrote M events */
	lost = memchr(line, '[', n);
	if (lost && starts(line + i, n - i, "CPU:") &&
	    starts(lost, n - (size_t)(lost - line), "[LOST ")) {
		const char *p = lost + 6, *end = line + n;
		unsigned long m = 0;

		for (; p < end && is_digit(*p) && m < 1000000000ul; p++)
			m = m * 10u + (unsigned long)(*p - '0');
		if (p == lost + 6 || end - p != 8 || memcmp(p, " EVENTS]", 8)) {
			*why = "a LOST line without its count";
			return -1;
		}
		out->lost = m;
		return 0;
	}
	/* the header ends at the first ": " right after a timestamp */
	for (i = 0; i + 1 < n; i++) {
		if (line[i] != ':' || line[i + 1] != ' ')
			continue;
		if (!timestamp_before(line, i, &tstart, &ts) && has_cpu_field(line, tstart))
			break;
	}
	if (i + 1 >= n) {
		*why = "not an ftrace event line (no [CPU] and timestamp)";
		return -1;
	}
	for (name_end = i + 2; name_end < n && line[name_end] != ':'; name_end++)
		;
	if (name_end - (i + 2) != strlen(EVENT_NAME) ||
	    memcmp(line + i + 2, EVENT_NAME, strlen(EVENT_NAME)))
		return 0; /* another event */
	if (n - i < sizeof(marker) - 1 || memcmp(line + i, marker, sizeof(marker) - 1)) {
		*why = EVENT_NAME " without its fields";
		return -1;
	}
	out->e.ts_ns = ts;
	f.p = line + i + sizeof(marker) - 1;
	f.end = line + n;
	f.why = NULL;
	if (parse_event(&f, out)) {
		*why = f.why;
		return -1;
	}
	*why = check_message(out);
	return *why ? -1 : 1;
}

/* The recorder of MCU @mcu in @s, added when it first appears. */
static int log_of(struct trace_sink *s, uint32_t *ids, uint32_t mcu, unsigned int *log)
{
	unsigned int k;
	char label[48];

	for (k = 0; k < s->nlogs; k++) {
		if (ids[k] == mcu) {
			*log = k;
			return 0;
		}
	}
	snprintf(label, sizeof(label), "mcu%u remote", mcu);
	if (trace_sink_add(s, NULL, label, s->nlogs))
		return -1;
	ids[s->nlogs - 1] = mcu;
	*log = s->nlogs - 1;
	return 0;
}

int trace_ftrace_parse(struct trace_sink *s, const char *text, size_t n,
		       struct trace_ftrace_stats *st, char *err, size_t errlen)
{
	struct trace_ftrace_line *o = malloc(sizeof(*o));
	uint32_t ids[TRACE_MAX_LOGS];
	size_t pos = 0;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	s->clock = "ftrace (the guest's trace clock)";
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (pos < n) {
		const char *nl = memchr(text + pos, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - (text + pos)) : n - pos;
		const char *why = NULL;
		unsigned int log;
		int r;

		st->lines++;
		if (memchr(text + pos, '\0', len)) {
			snprintf(err, errlen, "line %zu: a NUL byte: not a text capture",
				 st->lines);
			goto out;
		}
		r = trace_ftrace_line(text + pos, len, o, &why);
		pos += len + (nl ? 1 : 0);
		if (r < 0) {
			snprintf(err, errlen, "line %zu: %s", st->lines, why);
			goto out;
		}
		s->drops += o->lost;
		if (r == 0) {
			st->other++;
			continue;
		}
		if (log_of(s, ids, o->mcu, &log)) {
			snprintf(err, errlen, "line %zu: more than %d MCUs", st->lines,
				 TRACE_MAX_LOGS);
			goto out;
		}
		if (trace_sink_push(s, &o->e, o->data, log)) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		st->events++;
	}
	trace_sink_sort(s);
	rc = 0;
out:
	free(o);
	return rc;
}
