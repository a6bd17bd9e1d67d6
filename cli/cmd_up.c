// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt up FIRMWARE.so...: the command's options, and -d (the daemon runs
 * in a child; the parent prints its progress until it is ready). The parts:
 * the supervisor (up_daemon.c), the socket bridge (up_bridge.c), the
 * control socket (up_ctl.c, up_client.c); up.h. See docs/firmware-and-up.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asvirt/fault.h"
#include "cli.h"
#include "up.h"

static void up_usage(FILE *f)
{
	fprintf(
	    f, "usage: asvirt up [options] FIRMWARE.so|FIRMWARE.elf...\n"
	       "       asvirt up --linux [options] FIRMWARE.so|FIRMWARE.elf   (asvirt up --linux "
	       "--help)\n\n"
	       "Starts a virtual AMP system: one process per firmware image, every rpmsg\n"
	       "channel a firmware announces exposed as a Unix SOCK_SEQPACKET socket\n"
	       "RUNDIR/FW/CHANNEL (one packet = one message). A Cortex-M image runs on\n"
	       "QEMU's mps2-an386 board (docs/board.md). Crashed or hung firmware\n"
	       "is restarted. Stop with 'asvirt stop' or Ctrl-C.\n\n"
	       "  -d, --detach          run in the background once every firmware is up\n"
	       "      --json            progress as JSON lines\n"
	       "      --runtime-dir D   default $ASVIRT_RUNTIME_DIR, $XDG_RUNTIME_DIR/asvirt\n"
	       "                        or /tmp/asvirt-UID\n"
	       "      --doorbell K      futex (default) or eventfd\n"
	       "      --watchdog MS     a firmware silent this long is restarted (2000)\n"
	       "      --max-restarts N  per firmware, -1 = unlimited (default)\n"
	       "      --log-level L     error|warning|info|debug (default warning)\n"
	       "      --max-clients N   connections in all (default 4096); one more gets\n"
	       "                        one packet \"asvirt: error: ...\" and is closed\n"
	       "      --gdb PORT        a Cortex-M image (FW.elf) starts halted, QEMU's gdb\n"
	       "                        stub on PORT; the line to attach gdb-multiarch is printed\n"
	       "      --trace FILE      record every protocol step: Chrome/Perfetto JSON written\n"
	       "                        at 'asvirt trace stop' or 'asvirt stop'\n"
	       "      --pcap FILE       every message as pcap (tools/wireshark/asvirt.lua)\n"
	       "      --fault [FW:]SPEC the firmware FW (its name in RUNDIR; without FW:\n"
	       "                        every one) misbehaves on purpose, e.g. crash-after=100,\n"
	       "                        drop-kick=1/4, delay-kick=5ms, stall=50ms, corrupt=len\n"
	       "                        (src|dst|len|flags|ns-name), reorder=on; comma-separated,\n"
	       "                        repeatable; a restarted firmware does not crash again\n"
	       "                        (docs/faults.md)\n");
}

/* --fault [FW:]SPEC: checked here, applied by each firmware's runner. */
static int up_add_fault(struct up *u, const char *arg)
{
	const char *colon = strchr(arg, ':'), *spec = colon ? colon + 1 : arg;
	struct asv_fault_plan plan;
	struct up_fault *f;
	char why[160];

	if (u->nfaults >= MAX_FAULTS) {
		fprintf(stderr, "asvirt up: --fault: at most %d\n", MAX_FAULTS);
		return -1;
	}
	f = &u->faults[u->nfaults];
	if (colon && (colon == arg || (size_t)(colon - arg) >= sizeof(f->fw))) {
		fprintf(stderr, "asvirt up: --fault %s: FW: names a firmware (1..%zu bytes)\n", arg,
			sizeof(f->fw) - 1);
		return -1;
	}
	memset(&plan, 0, sizeof(plan));
	if (asv_fault_parse(&plan, spec, why, sizeof(why))) {
		fprintf(stderr, "asvirt up: --fault %s: %s\n", arg, why);
		return -1;
	}
	snprintf(f->fw, sizeof(f->fw), "%.*s", colon ? (int)(colon - arg) : 0, arg);
	f->spec = spec;
	u->nfaults++;
	return 0;
}

int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "doorbell", required_argument, NULL, 'b' },
		{ "watchdog", required_argument, NULL, 'w' },
		{ "max-restarts", required_argument, NULL, 'm' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "max-clients", required_argument, NULL, 'c' },
		{ "gdb", required_argument, NULL, 'g' },
		{ "trace", required_argument, NULL, 'J' },
		{ "pcap", required_argument, NULL, 'P' },
		{ "fault", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct up u;
	struct asv_proc_config pc = { .max_restarts = -1, .log_level = ASV_LOG_WARN };
	static char runner[PATH_MAX];
	int c, detach = 0, pfd[2], rc;
	const char *lvl = "warning";

	for (c = 1; c < argc; c++)
		if (!strcmp(argv[c], "--linux"))
			return cmd_up_linux(argc, argv); /* up_linux.c */
	memset(&u, 0, sizeof(u));
	u.out_fd = 1;
	u.max_clients = DEF_MAX_CLIENTS;
	u.log_fd = -1;
	cli_default_rundir(u.rundir, sizeof(u.rundir));
	optind = 1;
	while ((c = getopt_long(argc, argv, "dh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			detach = 1;
			break;
		case 'j':
			u.json = 1;
			break;
		case 'r':
			snprintf(u.rundir, sizeof(u.rundir), "%s", optarg);
			break;
		case 'b':
			if (!strcmp(optarg, "futex")) {
				pc.doorbell = ASV_DOORBELL_FUTEX;
			} else if (!strcmp(optarg, "eventfd")) {
				pc.doorbell = ASV_DOORBELL_EVENTFD;
			} else {
				fprintf(stderr, "asvirt up: --doorbell is futex or eventfd\n");
				return 2;
			}
			break;
		case 'w':
			pc.watchdog_ms = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'm':
			pc.max_restarts = atoi(optarg);
			break;
		case 'l':
			pc.log_level = asv_log_level_parse(optarg);
			pc.errors_only = pc.log_level == ASV_LOG_ERR;
			if (pc.log_level < 0) {
				fprintf(stderr, "asvirt up: unknown log level '%s'\n", optarg);
				return 2;
			}
			lvl = optarg;
			break;
		case 'c': {
			char *end;
			long n = strtol(optarg, &end, 0);

			if (*end || n < 1 || n > 1000000) {
				fprintf(stderr, "asvirt up: --max-clients wants 1..1000000\n");
				return 2;
			}
			u.max_clients = (int)n;
			break;
		}
		case 'J':
		case 'P':
			if (trace_built_in(c == 'J' ? "asvirt up --trace" : "asvirt up --pcap"))
				return 2;
			if (up_trace_set(&u, c == 'J' ? optarg : NULL, c == 'P' ? optarg : NULL)) {
				fprintf(stderr, "asvirt up: --trace/--pcap: %s\n", strerror(errno));
				return 1;
			}
			break;
		case 'g':
			pc.gdb_port = (unsigned int)strtoul(optarg, NULL, 10);
			if (!pc.gdb_port || pc.gdb_port > 65535) {
				fprintf(stderr, "asvirt up: --gdb takes a TCP port\n");
				return 2;
			}
			break;
		case 'F':
			if (up_add_fault(&u, optarg))
				return 2;
			break;
		case 'h':
			up_usage(stdout);
			return 0;
		default:
			up_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > MAX_FW) {
		fprintf(stderr, "asvirt up: give 1..%d firmware files\n", MAX_FW);
		up_usage(stderr);
		return 2;
	}
	if (pc.gdb_port && argc - optind != 1) {
		fprintf(stderr, "asvirt up: --gdb debugs one firmware: give one\n");
		return 2;
	}
	if (cli_find_runner(runner, sizeof(runner))) {
		fprintf(stderr, "asvirt up: cannot find asvirt-fw-runner (set ASVIRT_RUNNER)\n");
		return 1;
	}
	pc.runner = runner;
	pc.runner_log_level = lvl;
	if (mkdir(u.rundir, 0700) && errno != EEXIST) {
		fprintf(stderr, "asvirt up: cannot create %s: %s\n", u.rundir, strerror(errno));
		return 1;
	}
	if (up_ctl_running(u.rundir)) {
		fprintf(stderr, "asvirt up: a system is already running in %s ('asvirt stop')\n",
			u.rundir);
		return 1;
	}
	if (!detach)
		return up_run_daemon(&u, argv + optind, argc - optind, &pc, -1);

	if (pipe2(pfd, O_CLOEXEC))
		return 1;
	fflush(stdout);
	if (fork() == 0) {
		char path[PATH_MAX + 16];
		int fd, nul;

		close(pfd[0]);
		setsid();
		snprintf(path, sizeof(path), "%s/asvirt.log", u.rundir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		nul = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
		u.out_fd = pfd[1];
		u.log_fd = 1;
		_exit(up_run_daemon(&u, argv + optind, argc - optind, &pc, pfd[1]));
	}
	close(pfd[1]);
	{
		char buf[4096];
		ssize_t n;
		int ready = 0;

		while ((n = read(pfd[0], buf, sizeof(buf))) > 0) {
			fwrite(buf, 1, (size_t)n, stdout);
			if (memmem(buf, (size_t)n, "ready", 5))
				ready = 1;
		}
		fflush(stdout);
		close(pfd[0]);
		rc = ready ? 0 : 1;
	}
	return rc;
}
