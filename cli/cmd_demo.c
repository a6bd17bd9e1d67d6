// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt demo: the host runs a driver that behaves like Linux's
 * samples/rpmsg/rpmsg_client_sample.c against a virtual MCU running the
 * client-sample app: on the new channel it sends "hello world!", answers
 * every reply with another, and after 100 incoming messages says goodbye.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "asvirt/errors.h"
#include "asvirt/evrec.h"
#include "asvirt/proc.h"
#include "asvirt/vsys.h"
#include "cli.h"
#include "trace.h"

#define MSG "hello world!"

struct sample {
	unsigned int limit;
	unsigned int rx_count;
	int verbose;
	int done; /* 1 goodbye, -1 failed */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void finish(struct sample *s, int how)
{
	pthread_mutex_lock(&s->mu);
	s->done = how;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void hexdump(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++)
		printf("%s%02x%s", i % 16 ? "" : "  ", p[i],
		       (i % 16 == 15 || i + 1 == len) ? "\n" : " ");
}

static const char *devname(struct asv_channel *ch)
{
	static _Thread_local char name[96];

	snprintf(name, sizeof(name), "virtio0.%s.-1.%u", ch->name, ch->dst);
	return name;
}

static int sample_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct asv_channel *ch = priv;
	struct sample *s = ch->drvdata;
	int err;

	(void)ept;
	printf("rpmsg_client_sample %s: incoming msg %u (src: 0x%x)\n", devname(ch), ++s->rx_count,
	       src);
	if (s->verbose)
		hexdump(data, len);
	if (s->rx_count >= s->limit) {
		printf("rpmsg_client_sample %s: goodbye!\n", devname(ch));
		fflush(stdout);
		finish(s, 1);
		return 0;
	}
	err = asv_channel_send(ch, MSG, strlen(MSG));
	if (err) {
		fprintf(stderr, "asvirt demo: send failed: %s\n", asv_strerror(err));
		finish(s, -1);
	}
	return 0;
}

static int sample_probe(struct asv_channel *ch)
{
	int err;

	ch->drvdata = ch->drv->priv;
	printf("rpmsg_client_sample %s: new channel: 0x%x -> 0x%x!\n", devname(ch), ch->src,
	       ch->dst);
	err = asv_channel_send(ch, MSG, strlen(MSG));
	if (err)
		fprintf(stderr, "asvirt demo: rpmsg_send failed: %s\n", asv_strerror(err));
	return err;
}

static void sample_remove(struct asv_channel *ch)
{
	printf("rpmsg_client_sample %s: rpmsg sample client driver is removed\n", devname(ch));
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: asvirt demo [--process | --target cortex-m4] [-n COUNT] [-v] "
		"[--log-level LEVEL]\n"
		"                   [--timeout MS] [--trace FILE.json] [--pcap FILE.pcap] "
		"[--explain]\n\n"
		"Boots a virtual AMP system (host and remote as threads of this process,\n"
		"semaphores as interrupts; or, with --process, the remote as firmware in its\n"
		"own process over shared memory and doorbells), runs the client-sample\n"
		"firmware on the remote and the equivalent of Linux's rpmsg_client_sample\n"
		"on the host.\n\n"
		"  -p, --process       the remote in its own process (asvirt-client-sample.so)\n"
		"      --target cortex-m4  the remote a Cortex-M4 on QEMU's mps2-an386 board\n"
		"                      (cortex-m/asvirt-client-sample.elf, docs/board.md)\n"
		"  -n, --count N       messages before goodbye (default 100, like Linux)\n"
		"  -v, --verbose       hex-dump every message\n"
		"      --log-level L   error|warning|info|debug (default warning)\n"
		"      --timeout MS    give up after MS milliseconds (default 10000)\n"
		"      --trace FILE    record every protocol step of both sides: Chrome/Perfetto\n"
		"                      trace-event JSON (open in ui.perfetto.dev)\n"
		"      --pcap FILE     every message as pcap (Wireshark with\n"
		"                      tools/wireshark/asvirt.lua)\n"
		"      --explain       the first exchange narrated step by step, the rings\n"
		"                      drawn after each (both sides in one thread: the same\n"
		"                      output on every run)\n"
		"  -h, --help          this text\n");
}

/* Wait for goodbye (or a failure, or the timeout): exit status 0 or 1. */
static int wait_goodbye(struct sample *s, long timeout_ms)
{
	struct timespec ts;

	asv_posix_deadline(&ts, (uint32_t)timeout_ms);
	pthread_mutex_lock(&s->mu);
	while (!s->done)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts))
			break;
	pthread_mutex_unlock(&s->mu);
	if (s->done == 1)
		return 0;
	fprintf(stderr, "asvirt demo: %s after %u messages\n", s->done ? "failed" : "timed out",
		s->rx_count);
	return 1;
}

/* The same demo with the remote as firmware in its own process. */
static int demo_process(struct sample *s, struct asv_host_driver *drv,
			const struct asv_vsys_config *cfg, long timeout_ms, int cortex_m,
			struct trace_sink *sink)
{
	static char runner[4096], fw[4096];
	struct asv_proc_config pc = { 0 };
	struct asv_proc *p = calloc(1, sizeof(*p));
	char why[256] = "";
	int err, rc;

	if (!p)
		return 1;
	if (cli_find_runner(runner, sizeof(runner)) ||
	    (cortex_m ? cli_find_cm_firmware("client-sample", fw, sizeof(fw))
		      : cli_find_firmware("client-sample", fw, sizeof(fw)))) {
		fprintf(stderr,
			"asvirt demo: asvirt-fw-runner or %s not found "
			"(set ASVIRT_RUNNER / ASVIRT_FIRMWARE_DIR)\n",
			cortex_m ? "cortex-m/asvirt-client-sample.elf" : "asvirt-client-sample.so");
		free(p);
		return 1;
	}
	pc.name = "client-sample";
	pc.runner = runner;
	pc.max_restarts = 0;
	pc.log_level = cfg->log_level;
	pc.errors_only = cfg->errors_only;
	pc.runner_log_level =
	    asv_log_level_name(asv_posix_log_level(cfg->log_level, cfg->errors_only));
	pc.host_evlog = cfg->evlog[0];
	pc.trace_remote = cfg->evlog[0] != NULL;
	if (cortex_m)
		printf("asvirt: virtual AMP system: host + remote \"client-sample\" (Cortex-M4 on "
		       "QEMU mps2-an386, shared RAM, UART doorbells)\n");
	else
		printf("asvirt: virtual AMP system: host + remote \"client-sample\" (separate "
		       "process, shared memory, doorbells)\n");
	err = asv_proc_init(p, &pc, fw, why, sizeof(why));
	if (!err && pc.trace_remote) {
		/* the runner's ring (none on the Cortex-M board: the host's only) */
		if (p->trace_map)
			trace_sink_add(sink, &p->remote_evlog, "remote", 0);
		if (trace_sink_start(sink))
			err = -ASV_ENOMEM;
	}
	if (!err)
		err = asv_proc_add_driver(p, drv);
	if (!err)
		err = asv_proc_start(p, why, sizeof(why));
	if (err) {
		fprintf(stderr, "asvirt demo: %s: %s\n", fw, why[0] ? why : asv_strerror(err));
		trace_sink_stop(sink);
		asv_proc_destroy(p);
		free(p);
		return 1;
	}
	rc = wait_goodbye(s, timeout_ms);
	asv_proc_stop(p);
	trace_sink_stop(sink); /* the runner's ring goes with p */
	asv_proc_destroy(p);
	free(p);
	return rc;
}

/* CPU time of the whole process so far (every thread), in seconds. */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* --trace / --pcap: a recorder per role (the host's only when the remote
 * runs elsewhere), drained by the collector from before the boot. */
static int trace_start(struct trace_sink *sink, struct asv_evlog evlog[2],
		       struct asv_vsys_config *cfg, int host_only)
{
	int i, n = host_only ? 1 : 2;

	for (i = 0; i < n; i++) {
		if (asv_evrec_init(&evlog[i], i ? ASV_EV_REMOTE : ASV_EV_HOST, ASV_EVREC_CAP,
				   ASV_EVREC_DATA)) {
			fprintf(stderr, "asvirt demo: no memory for the event rings\n");
			while (i--)
				asv_evrec_free(&evlog[i]);
			return 1;
		}
		cfg->evlog[i] = &evlog[i];
		trace_sink_add(sink, &evlog[i], i ? "remote" : "host", 0);
	}
	return 0;
}

static int trace_finish(struct trace_sink *sink, struct asv_evlog evlog[2], int nown,
			const char *json, const char *pcap)
{
	int i, rc = 0;
	double cpu0, cpu1;

	trace_sink_stop(sink);
	if (sink->drops)
		fprintf(stderr, "asvirt demo: %llu events dropped (rings full)\n",
			(unsigned long long)sink->drops);
	cpu0 = cpu_seconds();
	if (json && trace_write_json(sink, json)) {
		fprintf(stderr, "asvirt demo: %s: %s\n", json, strerror(errno));
		rc = 1;
	}
	if (pcap && trace_write_pcap(sink, pcap)) {
		fprintf(stderr, "asvirt demo: %s: %s\n", pcap, strerror(errno));
		rc = 1;
	}
	/* the export's own cost, apart from recording's (docs/trace.md, Cost) */
	cpu1 = cpu_seconds();
	printf("asvirt: trace: %zu events, written in %.0f ms of CPU\n", sink->nrec,
	       (cpu1 - cpu0) * 1e3);
	for (i = 0; i < nown; i++)
		asv_evrec_free(&evlog[i]);
	trace_sink_free(sink);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "process", no_argument, NULL, 'p' },
		{ "target", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "trace", required_argument, NULL, 'J' },
		{ "pcap", required_argument, NULL, 'P' },
		{ "explain", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct asv_host_driver drv = {
		.name = ASV_CLIENT_SAMPLE_NAME,
		.probe = sample_probe,
		.remove = sample_remove,
		.callback = sample_cb,
	};
	struct sample s = { .limit = 100 };
	struct asv_vsys_config cfg = { 0 };
	struct asv_vsys sys;
	long timeout_ms = 10000;
	const char *trace_path = NULL, *pcap_path = NULL;
	struct trace_sink sink = { 0 };
	struct asv_evlog evlog[2];
	char *end;
	int c, err, rc, process = 0, cortex_m = 0, nown, explain = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:pvh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			process = 1;
			break;
		case 'T':
			if (strcmp(optarg, "cortex-m4")) {
				fprintf(stderr, "asvirt demo: --target is cortex-m4, not '%s'\n",
					optarg);
				return 2;
			}
			cortex_m = 1;
			break;
		case 'n':
			s.limit = (unsigned int)strtoul(optarg, &end, 0);
			if (*end || !s.limit || s.limit > 1000000) {
				fprintf(stderr, "asvirt demo: --count wants 1..1000000, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'v':
			s.verbose = 1;
			break;
		case 'l':
			cfg.log_level = asv_log_level_parse(optarg);
			cfg.errors_only = cfg.log_level == ASV_LOG_ERR;
			if (cfg.log_level < 0) {
				fprintf(stderr, "asvirt demo: unknown log level '%s'\n", optarg);
				return 2;
			}
			break;
		case 't':
			timeout_ms = strtol(optarg, &end, 0);
			if (*end || timeout_ms <= 0 || timeout_ms > 0x7fffffffL) {
				fprintf(stderr,
					"asvirt demo: --timeout wants milliseconds, 1 to 2^31-1\n");
				return 2;
			}
			break;
		case 'J':
			trace_path = optarg;
			break;
		case 'E':
			explain = 1;
			break;
		case 'P':
			pcap_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "asvirt demo: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (explain)
		return trace_built_in("asvirt demo --explain") ? 2 : demo_explain(stdout);
	if ((trace_path || pcap_path) &&
	    trace_built_in(trace_path ? "asvirt demo --trace" : "asvirt demo --pcap"))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((trace_path || pcap_path) && trace_start(&sink, evlog, &cfg, process || cortex_m))
		return 1;
	nown = !(trace_path || pcap_path) ? 0 : process || cortex_m ? 1 : 2;
	pthread_mutex_init(&s.mu, NULL);
	asv_posix_cond_init(&s.cv);
	drv.priv = &s;
	if (process || cortex_m) {
		rc = demo_process(&s, &drv, &cfg, timeout_ms, cortex_m, &sink);
	} else {
		cfg.app = &asv_app_client_sample;
		printf("asvirt: virtual AMP system: host + remote \"%s\" (threads, semaphore "
		       "interrupts)\n",
		       cfg.app->name);
		err = nown && trace_sink_start(&sink) ? -ASV_ENOMEM : asv_vsys_start(&sys, &cfg);
		if (err) {
			fprintf(stderr, "asvirt demo: boot failed: %s\n", asv_strerror(err));
			rc = 1;
		} else {
			asv_host_register_driver(&sys.host, &drv);
			rc = wait_goodbye(&s, timeout_ms);
			asv_host_unregister_driver(&sys.host, &drv);
			asv_vsys_stop(&sys);
		}
	}
	pthread_cond_destroy(&s.cv);
	pthread_mutex_destroy(&s.mu);
	if (nown && trace_finish(&sink, evlog, nown, trace_path, pcap_path))
		rc = 1;
	return rc;
}
