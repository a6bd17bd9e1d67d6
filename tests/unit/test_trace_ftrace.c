// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt trace convert's reader of an ftrace capture (cli/trace_ftrace.c):
 * the kernel module's asvirt:asvirt_event lines (kernel/asvirt_events.h,
 * its TP_printk) as 6.1 and 6.12 print them, the lines a capture has
 * besides them, and malformed input: every field out of its range, every
 * truncation of a line, bytes that disagree with the fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "trace.h"

/* A message from the echo app (0x400) to an rpmsg_char endpoint (0x401):
 * "hi!" on vring 0, descriptor 3; the rpmsg header, then the payload. */
#define TX_DATA                            \
	"00040000010400000000000003000000" \
	"686921"
#define TX_FIELDS                                                                             \
	"mcu=0 kind=tx role=remote vring=0 flags=0x1 idx=0 desc=3 len=3 src=0x400 dst=0x401 " \
	"ept=0x0 err=0 aux=0 data=" TX_DATA
/* 6.1: four flag columns; 6.12: five; a task name with a dash and spaces */
#define LINE_61 "    asvirt-mcu0-75      [001] d..1.    12.345678: asvirt_event: " TX_FIELDS
#define LINE_612 "  kworker/u4:1 x-1234   [000] ...1.  7.000000123: asvirt_event: " TX_FIELDS

static int parse(const char *line, struct trace_ftrace_line *o, const char **why)
{
	*why = NULL;
	return trace_ftrace_line(line, strlen(line), o, why);
}

static void test_line_fields(void **st)
{
	struct trace_ftrace_line *o = malloc(sizeof(*o));
	const char *why;

	(void)st;
	assert_int_equal(parse(LINE_61, o, &why), 1);
	assert_true(o->e.ts_ns == 12345678000ull);
	assert_int_equal(o->mcu, 0);
	assert_int_equal(o->e.kind, ASV_EV_TX);
	assert_int_equal(o->e.role, ASV_EV_REMOTE);
	assert_int_equal(o->e.vring, 0);
	assert_int_equal(o->e.flags, ASV_EVF_ISR);
	assert_int_equal(o->e.desc, 3);
	assert_int_equal(o->e.len, 3);
	assert_int_equal(o->e.src, 0x400);
	assert_int_equal(o->e.dst, 0x401);
	assert_int_equal(o->e.dlen, 19);
	assert_memory_equal(o->data + 16, "hi!", 3);
	/* as the QEMU suite's 6.1 guest printed it (step x: rpmsg_test -m) */
	assert_int_equal(parse("     asvirt-mcu0-112     [001] ...1.    29.739976: asvirt_event: "
			       "mcu=0 kind=rx role=remote vring=1 flags=0x1 idx=0 desc=1 len=12 "
			       "src=0x400 dst=0x400 ept=0x400 err=0 aux=0 "
			       "data=0004000000040000010000a50c00000068656c6c6f20667472616365",
			       o, &why),
			 1);
	assert_int_equal(o->e.kind, ASV_EV_RX);
	assert_int_equal(o->e.vring, 1);
	assert_int_equal(o->e.ept, 0x400);
	assert_memory_equal(o->data + 16, "hello ftrace", 12);
	assert_int_equal(parse(LINE_612, o, &why), 1);
	assert_true(o->e.ts_ns == 7000000123ull);
	/* a CR (a serial console's line end) and no data (an isr-end) */
	assert_int_equal(parse("t-1 [0] .... 1.5: asvirt_event: mcu=7 kind=isr-end role=remote "
			       "vring=0 flags=0x1 idx=0 desc=0 len=2 src=0x0 dst=0x0 ept=0x0 "
			       "err=-5 aux=0 data=\r",
			       o, &why),
			 1);
	assert_int_equal(o->mcu, 7);
	assert_int_equal(o->e.kind, ASV_EV_ISR_END);
	assert_int_equal(o->e.err, -5);
	assert_int_equal(o->e.dlen, 0);
	free(o);
}

static void test_lines_without_event(void **st)
{
	struct trace_ftrace_line *o = malloc(sizeof(*o));
	const char *why;

	(void)st;
	assert_int_equal(parse("", o, &why), 0);
	assert_int_equal(parse("   \r", o, &why), 0);
	assert_int_equal(parse("# tracer: nop", o, &why), 0);
	assert_int_equal(
	    parse("#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION", o, &why), 0);
	assert_int_equal(parse("          <idle>-0       [001] d.h2.    31.002: irq_handler_entry: "
			       "irq=11 name=virtio0",
			       o, &why),
			 0);
	assert_int_equal(parse("CPU:1 [LOST 42 EVENTS]", o, &why), 0);
	assert_int_equal(o->lost, 42);
	free(o);
}

/* LINE_61 with field @key's value replaced by @value. */
static char *with_field(const char *key, const char *value)
{
	static char buf[1024];
	const char *at = strstr(LINE_61, key), *end;

	assert_non_null(at);
	at += strlen(key);
	end = strchr(at, ' ');
	if (!end)
		end = at + strlen(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - LINE_61), LINE_61, value, end);
	return buf;
}

#define RANGE "a field's value is not a number in its range"

/* One field wrong in an otherwise good line: refused, saying why. */
static void test_malformed_fields(void **st)
{
	static const char *const bad[][3] = {
		{ " mcu=", "-1", RANGE },
		{ " mcu=", "2147483648", RANGE },
		{ "kind=", "bogus", "unknown kind" },
		{ "kind=", "none", "unknown kind" },
		{ "kind=", "0x8", "unknown kind" },
		{ "role=", "guest", "role neither remote nor host" },
		{ "vring=", "256", RANGE },
		{ "flags=", "1", RANGE },
		{ "flags=", "0x100", RANGE },
		{ "flags=", "0x", RANGE },
		{ "idx=", "65536", RANGE },
		{ "desc=", "1x", RANGE },
		{ "desc=", "", RANGE },
		{ "len=", "99999999999999999999", RANGE },
		{ "src=", "0x100000000", RANGE },
		{ "dst=", "0xg", RANGE },
		{ "ept=", "1024", RANGE },
		{ "err=", "-2147483649", RANGE },
		{ "aux=", "-1", RANGE },
		{ "data=", TX_DATA "0", "data not whole bytes in hex, or longer than a buffer" },
		{ "data=", TX_DATA "zz", "data not in hex" },
		{ "data=", TX_DATA " extra", "text after the data" },
		/* the bytes disagree with the fields */
		{ "dst=", "0x402", "the rpmsg header in the data disagrees with src/dst/len" },
		{ "len=", "4", "the rpmsg header in the data disagrees with src/dst/len" },
		{ "data=", "0004", "a message's data shorter than the rpmsg header" },
		{ "data=", "", "a message's data shorter than the rpmsg header" },
		{ "data=", TX_DATA "00",
		  "the data is not the rpmsg header and len bytes of payload" },
	};
	struct trace_ftrace_line *o = malloc(sizeof(*o));
	const char *why;
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *line = with_field(bad[i][0], bad[i][1]);

		if (parse(line, o, &why) != -1)
			fail_msg("accepted: %s", line);
		assert_non_null(why);
		if (strcmp(why, bad[i][2]))
			fail_msg("%s: \"%s\", want \"%s\"", line, why, bad[i][2]);
	}
	free(o);
}

/* Lines that are not asvirt_event lines, or are cut short. */
static void test_malformed_lines(void **st)
{
	static const char *const bad[] = {
		"hello world",
		"asvirt_event: " TX_FIELDS, /* no header */
		"t-1 [x] 1.0: asvirt_event: " TX_FIELDS,
		"t-1 [0] 1.0.0: asvirt_event: " TX_FIELDS,
		"t-1 [0] 1.1234567890: asvirt_event: " TX_FIELDS,
		"t-1 [0] 1.5: asvirt_event:",
		"t-1 [0] 1.5: asvirt_event: mcu=0",
		"t-1 [0] 1.5: asvirt_event: kind=tx " TX_FIELDS,
		"CPU:1 [LOST EVENTS]",
		"CPU:1 [LOST 4 EVENTS] and more",
	};
	struct trace_ftrace_line *o = malloc(sizeof(*o));
	const char *why;
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], o, &why) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(why);
	}
	free(o);
}

/* Every truncation of a good line is refused or read as no event (a name
 * cut short is another event's), never as an event; and nothing past the
 * given length is read (ASan: a copy with no NUL after it). */
static void test_truncations(void **st)
{
	struct trace_ftrace_line *o = malloc(sizeof(*o));
	size_t n = strlen(LINE_61), k;
	const char *why;

	(void)st;
	for (k = 0; k < n; k++) {
		char *cut = malloc(k ? k : 1);
		int r;

		memcpy(cut, LINE_61, k);
		why = NULL;
		r = trace_ftrace_line(cut, k, o, &why);
		if (r == 1)
			fail_msg("a line cut at %zu read as an event", k);
		if (r < 0)
			assert_non_null(why);
		free(cut);
	}
	free(o);
}

/* A data field longer than a buffer. */
static void test_data_too_long(void **st)
{
	struct trace_ftrace_line *o = malloc(sizeof(*o));
	char *line = malloc(8192);
	const char *why;
	int k;

	(void)st;
	k = snprintf(line, 8192,
		     "t-1 [0] 1.5: asvirt_event: mcu=0 kind=error role=remote vring=0 "
		     "flags=0x0 idx=0 desc=0 len=0 src=0x0 dst=0x0 ept=0x0 err=0 aux=0 data=");
	memset(line + k, 'a', 2 * (TRACE_FTRACE_DATA_MAX + 1));
	line[k + 2 * (TRACE_FTRACE_DATA_MAX + 1)] = 0;
	assert_int_equal(parse(line, o, &why), -1);
	line[k + 2 * TRACE_FTRACE_DATA_MAX] = 0;
	assert_int_equal(parse(line, o, &why), 1);
	assert_int_equal(o->e.dlen, TRACE_FTRACE_DATA_MAX);
	free(line);
	free(o);
}

/* A whole capture: events sorted by time, one recorder per MCU, the LOST
 * count as drops; an error names its line. */
static void test_parse_capture(void **st)
{
	static const char cap[] =
	    "# tracer: nop\n"
	    "#\n"
	    "asvirt-mcu1-80 [000] ..... 3.000002: asvirt_event: mcu=1 kind=kick role=remote "
	    "vring=0 flags=0x1 idx=0 desc=0 len=0 src=0x0 dst=0x0 ept=0x0 err=0 aux=0 data=\r\n"
	    "CPU:0 [LOST 5 EVENTS]\r\n" LINE_61 "\n"
	    "asvirt-mcu0-75 [001] ..... 3.000001: asvirt_event: mcu=0 kind=link-up "
	    "role=remote vring=0 flags=0x0 idx=0 desc=0 len=0 src=0x0 dst=0x0 ept=0x0 err=0 "
	    "aux=0 data=";
	struct trace_sink *s = calloc(1, sizeof(*s));
	struct trace_ftrace_stats stats;
	char err[160], *bad;

	(void)st;
	assert_int_equal(trace_ftrace_parse(s, cap, sizeof(cap) - 1, &stats, err, sizeof(err)), 0);
	assert_int_equal(stats.events, 3);
	assert_int_equal(stats.lines, 6);
	assert_int_equal(s->nrec, 3);
	assert_int_equal(s->drops, 5);
	assert_int_equal(s->nlogs, 2);
	assert_string_equal(s->label[0], "mcu1 remote");
	assert_string_equal(s->label[1], "mcu0 remote");
	assert_int_equal(s->recs[0]->e.kind, ASV_EV_LINK_UP);
	assert_int_equal(s->recs[0]->log, 1);
	assert_int_equal(s->recs[1]->e.kind, ASV_EV_KICK);
	assert_int_equal(s->recs[2]->e.kind, ASV_EV_TX);
	assert_memory_equal(s->recs[2]->data + 16, "hi!", 3);
	trace_sink_free(s);
	memset(s, 0, sizeof(*s));

	/* line 4 garbled: refused, and says which line */
	bad = malloc(sizeof(cap));
	memcpy(bad, cap, sizeof(cap));
	memcpy(strstr(bad, "CPU:0"), "CPX", 3);
	assert_int_equal(trace_ftrace_parse(s, bad, sizeof(cap) - 1, &stats, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 4: "));
	trace_sink_free(s);
	memset(s, 0, sizeof(*s));
	/* a NUL byte: not text */
	bad[3] = 0;
	assert_int_equal(trace_ftrace_parse(s, bad, sizeof(cap) - 1, &stats, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1: "));
	trace_sink_free(s);
	free(bad);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_fields),	 cmocka_unit_test(test_lines_without_event),
		cmocka_unit_test(test_malformed_fields), cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_truncations),	 cmocka_unit_test(test_data_too_long),
		cmocka_unit_test(test_parse_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
