// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* asvirt: the command. Dispatches to one file per subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd cmds[] = {
	{ "demo", "run the rpmsg client sample against a virtual MCU", cmd_demo },
	{ "apps", "list the built-in firmware apps", cmd_apps },
	{ "up", "start firmware processes, channels as Unix sockets", cmd_up },
	{ "status", "state of the running system (--json)", cmd_status },
	{ "log", "a firmware's trace buffer (live, or --last)", cmd_log },
	{ "stop", "stop the running system", cmd_stop },
	{ "crash", "kill a firmware process (recovery test)", cmd_crash },
	{ "trace", "stop: write asvirt up's --trace/--pcap files; convert: a guest's ftrace",
	  cmd_trace },
	{ "fw-build", "build a firmware image from app sources", cmd_fw_build },
	{ "fw-check", "check a firmware image", cmd_fw_check },
	{ "conform", "check a firmware against what Linux expects", cmd_conform },
	{ "bench", "measure latency, throughput and CPU cost against this machine's floors",
	  cmd_bench },
};

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: asvirt [--help] COMMAND [ARGS]\n\n"
		   "asvirt runs a virtual AMP system: a host and simulated remote processors\n"
		   "talking RPMsg over virtio, byte-compatible with Linux.\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nRun 'asvirt COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "asvirt: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
