// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt trace convert: a Linux guest's ftrace capture of the kernel
 * module's asvirt:asvirt_event (the MCU side of asvirt_remoteproc.ko) into
 * the Perfetto JSON and pcap that asvirt demo/up --trace/--pcap write
 * (trace_ftrace.c reads it, trace_json.c and trace_pcap.c write it).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "trace.h"

/* The capture's size limit: far above what a trace buffer holds. */
#define CAPTURE_MAX (1024L * 1024 * 1024)

static char *read_all(const char *path, size_t *n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap), *nb;

	if (!f || !buf) {
		if (f && f != stdin)
			fclose(f);
		free(buf);
		return NULL;
	}
	for (;;) {
		size_t got = fread(buf + len, 1, cap - len, f);

		len += got;
		if (len < cap)
			break;
		if (cap >= (size_t)CAPTURE_MAX || !(nb = realloc(buf, cap * 2))) {
			free(buf);
			buf = NULL;
			errno = EFBIG;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	if (f != stdin)
		fclose(f);
	*n = len;
	return buf;
}

static const char usage[] =
    "usage: asvirt trace convert [--json FILE.json] [--pcap FILE.pcap] FTRACE.txt\n"
    "  turn an ftrace capture of the kernel module's asvirt:asvirt_event (in the\n"
    "  guest: echo 1 > /sys/kernel/tracing/events/asvirt/enable; ...;\n"
    "  cat /sys/kernel/tracing/trace) into Perfetto JSON and pcap; '-' reads stdin\n"
    "      --json FILE   Chrome/Perfetto trace-event JSON\n"
    "      --pcap FILE   pcap (tools/wireshark/asvirt.lua decodes it)\n";

int cmd_trace_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *json = NULL, *pcap = NULL;
	struct trace_sink *sink;
	struct trace_ftrace_stats st;
	char err[160];
	char *text;
	size_t n;
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 'p':
			pcap = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || (!json && !pcap)) {
		fputs(usage, stderr);
		return 2;
	}
	text = read_all(argv[optind], &n);
	if (!text) {
		fprintf(stderr, "asvirt trace convert: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	sink = calloc(1, sizeof(*sink));
	if (!sink || trace_ftrace_parse(sink, text, n, &st, err, sizeof(err))) {
		fprintf(stderr, "asvirt trace convert: %s: %s\n", argv[optind],
			sink ? err : "out of memory");
		rc = 1;
		goto out;
	}
	if (!st.events) {
		fprintf(stderr, "asvirt trace convert: %s: no asvirt_event in %zu lines\n",
			argv[optind], st.lines);
		rc = 1;
		goto out;
	}
	if (sink->drops)
		fprintf(stderr, "asvirt trace convert: the trace buffer lost %llu events\n",
			(unsigned long long)sink->drops);
	if (json && trace_write_json(sink, json)) {
		fprintf(stderr, "asvirt trace convert: %s: %s\n", json, strerror(errno));
		rc = 1;
	}
	if (pcap && trace_write_pcap(sink, pcap)) {
		fprintf(stderr, "asvirt trace convert: %s: %s\n", pcap, strerror(errno));
		rc = 1;
	}
	if (!rc)
		printf("asvirt trace convert: %zu events of %u MCU(s)\n", st.events, sink->nlogs);
out:
	if (sink)
		trace_sink_free(sink);
	free(sink);
	free(text);
	return rc;
}
