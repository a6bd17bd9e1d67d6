// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt conform FW: will this firmware work with Linux, and survive it?
 * The checks are in conform_run.c, listed in docs/conform.md. Exit status:
 * 0 when no check failed, 1 when one did, 2 for a usage or load error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conform.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: asvirt conform [--json] [--junit FILE] [--quick] [--restarts N] FW\n\n"
		   "Run FW (a firmware image asvirt can run) against the checks Linux implies;\n"
		   "PASS / FAIL / SKIP per check, with the evidence of a failure.\n"
		   "  --json          results as JSON on stdout\n"
		   "  --junit FILE    also write JUnit XML (one testcase per check)\n"
		   "  --restarts N    host restarts in life.restart, attaches in\n"
		   "                  life.attach_recovery (default 50)\n"
		   "  --quick         5 restarts and attaches\n"
		   "Exit status: 0 nothing failed, 1 a check failed, 2 usage or load error.\n");
}

int cmd_conform(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },  { "junit", required_argument, NULL, 'u' },
		{ "quick", no_argument, NULL, 'q' }, { "restarts", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },  { NULL, 0, NULL, 0 },
	};
	struct conform_check res[CONFORM_NCHECKS];
	struct conform_opts o = { .restarts = 50 };
	const char *junit = NULL;
	char runner[4096], why[512], *end;
	unsigned int i;
	int json = 0, c, failed = 0;
	unsigned long v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'u':
			junit = optarg;
			break;
		case 'q':
			o.restarts = 5;
			break;
		case 'r':
			v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || v > 100000) {
				fprintf(stderr, "asvirt conform: bad --restarts '%s'\n", optarg);
				return 2;
			}
			o.restarts = (unsigned int)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	o.fw = argv[optind];
	if (cli_find_runner(runner, sizeof(runner))) {
		fprintf(stderr,
			"asvirt conform: cannot find asvirt-fw-runner (set ASVIRT_RUNNER)\n");
		return 2;
	}
	o.runner = runner;
	if (conform_run(&o, res, why, sizeof(why))) {
		fprintf(stderr, "asvirt conform: %s: %s\n", o.fw, why);
		return 2;
	}
	for (i = 0; i < CONFORM_NCHECKS; i++)
		failed |= res[i].result == CONFORM_FAIL;
	if (json)
		conform_print_json(stdout, o.fw, res, CONFORM_NCHECKS);
	else
		conform_print_table(stdout, o.fw, res, CONFORM_NCHECKS);
	if (junit && conform_write_junit(junit, o.fw, res, CONFORM_NCHECKS)) {
		fprintf(stderr, "asvirt conform: cannot write %s\n", junit);
		return 2;
	}
	return failed ? 1 : 0;
}
