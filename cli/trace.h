/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * --trace / --pcap of the commands: a collector thread drains each role's
 * event ring (asvirt/event.h) every few milliseconds into one growing list,
 * so a long run loses nothing as long as the collector keeps up (what a full
 * ring dropped is counted and reported); at the end the list is written as
 * Chrome/Perfetto trace-event JSON (trace_json.c) and/or pcap (trace_pcap.c).
 */
#ifndef ASVIRT_CLI_TRACE_H
#define ASVIRT_CLI_TRACE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "asvirt/event.h"

/* a host and a remote for each of asvirt up's firmware */
#define TRACE_MAX_LOGS 64

struct trace_rec {
	struct asv_event e;
	uint8_t *data;	  /* e.dlen bytes, or NULL */
	size_t ord;	  /* collection order: sorts equal stamps stably */
	unsigned int log; /* the recorder's index in the sink */
};

struct trace_sink {
	struct asv_evlog *logs[TRACE_MAX_LOGS];
	/* per recorder: its name ("host", "echo remote"), and its system: a
	 * message sent in one is received in the same one */
	char label[TRACE_MAX_LOGS][48];
	unsigned int group[TRACE_MAX_LOGS];
	unsigned int nlogs;
	/* after trace_sink_stop(): all records, by time */
	struct trace_rec **recs;
	size_t nrec;
	/*
	 * While collecting: records and their data in blocks that never move
	 * (growing one array would copy it all, and a collector busy copying
	 * is one that lets the rings overflow).
	 */
	struct trace_block *blocks, *rcur; /* all, the newest of records */
	size_t aleft;			   /* room left in the newest data block */
	uint8_t *apos;
	uint64_t drops;
	pthread_t thread;
	pthread_mutex_t mu;
	int stop; /* atomic */
	int running;
	uint8_t *scratch;
	/* the records' clock: NULL for CLOCK_MONOTONIC (this machine's),
	 * else its name (e.g. a guest's ftrace clock: no wall time known) */
	const char *clock;
};

/*
 * 0 when this build records events; else (built with -DASVIRT_EVENTS=OFF:
 * the core emits nothing) -1 after telling stderr that @what ("asvirt demo
 * --trace", ...) needs a build with them.
 */
int trace_built_in(const char *what);

/* Collect @l's events (before trace_sink_start()), shown as @label, its
 * messages matched with those of the recorders of the same @group. */
int trace_sink_add(struct trace_sink *s, struct asv_evlog *l, const char *label,
		   unsigned int group);
int trace_sink_start(struct trace_sink *s);
/* Stop collecting (joins, drains what is left); the records sorted by time. */
void trace_sink_stop(struct trace_sink *s);
void trace_sink_free(struct trace_sink *s);

/*
 * Without the collector (trace_sink_add() with a NULL log, e.g. records
 * read from a file): add one record of recorder @log; then sort them as
 * trace_sink_stop() does. 0 or -1 (no memory).
 */
int trace_sink_push(struct trace_sink *s, const struct asv_event *e, const uint8_t *data,
		    unsigned int log);
void trace_sink_sort(struct trace_sink *s);

/*
 * asvirt trace convert: an ftrace text capture of the kernel module's
 * trace event asvirt:asvirt_event (kernel/asvirt_events.h, its TP_printk
 * line) into @s, which has no recorders yet: each MCU becomes one,
 * "mcuN remote". The text is untrusted: every line is checked (blank
 * lines, '#' comments, other trace events and "[LOST N EVENTS]", counted
 * as drops, are allowed; anything else is an error), nothing is read
 * outside @text[0..n). 0, or -1 with "line N: why" in @err (-1 also
 * for no memory). The records are sorted at the end.
 */
struct trace_ftrace_stats {
	size_t lines, events, other;
};
int trace_ftrace_parse(struct trace_sink *s, const char *text, size_t n,
		       struct trace_ftrace_stats *st, char *err, size_t errlen);

/* One line's event (the parser's unit, tested on its own). */
#define TRACE_FTRACE_DATA_MAX 512u
#define TRACE_FTRACE_LINE_MAX 4096u
struct trace_ftrace_line {
	struct asv_event e; /* ts_ns: the line's timestamp */
	uint8_t data[TRACE_FTRACE_DATA_MAX];
	uint32_t mcu;
	unsigned long lost; /* a "[LOST N EVENTS]" line: N */
};
/* @line: @n bytes, no newline. 1: an asvirt_event (*@out filled); 0: a
 * line without one (blank, comment, another event, lost events); -1:
 * malformed, *@why says how. */
int trace_ftrace_line(const char *line, size_t n, struct trace_ftrace_line *out, const char **why);

/* Write the records as Chrome trace-event JSON / as pcap. 0 or -1 (errno). */
int trace_write_json(const struct trace_sink *s, const char *path);
int trace_write_pcap(const struct trace_sink *s, const char *path);

/*
 * Flows: for each record, the index of the RX that received the message
 * this TX sent (matched by vring and descriptor: the buffer is not reused
 * before the receiver gives it back), or (size_t)-1. @match has nrec entries.
 */
void trace_match_flows(const struct trace_sink *s, size_t *match);

/* The pcap's link type (LINKTYPE_USER0) and the asvirt header in front of
 * each record's rpmsg header (little endian, tools/wireshark/asvirt.lua). */
#define TRACE_PCAP_LINKTYPE 147u
#define TRACE_PCAP_VERSION 1u
enum { TRACE_DIR_HOST_TO_REMOTE = 0, TRACE_DIR_REMOTE_TO_HOST = 1 };
struct trace_pcap_hdr {
	uint8_t version;
	uint8_t direction; /* TRACE_DIR_* */
	uint8_t vring;
	uint8_t event; /* enum asv_ev_kind: ASV_EV_TX or ASV_EV_RX */
	uint16_t desc;
	uint16_t reserved;
};

#endif
