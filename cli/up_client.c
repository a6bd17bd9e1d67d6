// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt status / log / stop / crash: the control protocol's client side
 * (up.h), requests written and answers parsed with json-c. The daemon
 * answers status as JSON; the text form is rendered here.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "up.h"

/* The longest answer taken (a log answer carries a 64 KiB trace). */
#define ANSWER_MAX (1u << 20)

static struct json_object *request(const char *what, const char *fw, int last)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "request", json_object_new_string(what));
	if (fw)
		json_object_object_add(o, "fw", json_object_new_string(fw));
	if (last)
		json_object_object_add(o, "last", json_object_new_boolean(1));
	return o;
}

/* The daemon's whole answer on @fd (NUL-terminated, malloc'd), or NULL. */
static char *read_answer(int fd, const char *rundir)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t n;

		if (poll(&pfd, 1, 10000) <= 0) {
			fprintf(stderr, "asvirt: no answer from the system in %s\n", rundir);
			break;
		}
		if (len + 1 == cap) {
			char *b = cap < ANSWER_MAX ? realloc(buf, cap * 2) : NULL;

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0) {
			buf[len] = 0;
			return buf;
		}
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

/*
 * Send @req (consumed) to the daemon in @rundir; its answer in *@ans.
 * 0, 1 = no answer or not JSON, 3 = no daemon.
 */
static int ctl_ask(const char *rundir, struct json_object *req, struct json_object **ans, int quiet)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *s;
	char *text;
	int fd;

	*ans = NULL;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", rundir, CTL_NAME) >=
		sizeof(sa.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		json_object_put(req);
		return 3;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (!quiet)
			fprintf(stderr, "asvirt: no virtual AMP system running in %s\n", rundir);
		close(fd);
		json_object_put(req);
		return 3;
	}
	s = cli_json_text(req, 0);
	up_write_all(fd, s, strlen(s));
	up_write_all(fd, "\n", 1);
	json_object_put(req);
	shutdown(fd, SHUT_WR);
	text = read_answer(fd, rundir);
	close(fd);
	if (text) {
		*ans = json_tokener_parse(text);
		if (!*ans || !json_object_is_type(*ans, json_type_object)) {
			fprintf(stderr, "asvirt: no answer from the system in %s\n", rundir);
			json_object_put(*ans);
			*ans = NULL;
		}
	}
	free(text);
	return *ans ? 0 : 1;
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

/* A string the text form prints: "" when the answer lacks it. */
static const char *text_of(struct json_object *o, const char *key)
{
	const char *s = str_of(o, key);

	return s ? s : "";
}

/* The array at @key, or NULL. */
static struct json_object *array_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array)
		   ? v
		   : NULL;
}

static uint64_t num_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

/*
 * ctl_ask(), then the answer's text (or "error: WHY") to @out (none when
 * NULL). 0, 1 = an error, 3 = no daemon.
 */
static int ctl_call(const char *rundir, struct json_object *req, FILE *out, int quiet)
{
	struct json_object *ans;
	const char *err, *text;
	int r = ctl_ask(rundir, req, &ans, quiet);

	if (r)
		return r;
	err = str_of(ans, "error");
	text = str_of(ans, "text");
	if (out && err)
		fprintf(out, "error: %s\n", err);
	else if (out && text)
		fputs(text, out);
	json_object_put(ans);
	return err ? 1 : 0;
}

int up_ctl_running(const char *rundir)
{
	return ctl_call(rundir, request("status", NULL, 0), NULL, 1) == 0;
}

/* The text form of a status answer. */
static void print_status(struct json_object *st, FILE *out)
{
	struct json_object *fws, *chans;
	size_t i, k;

	fprintf(out, "asvirt: virtual AMP system, pid %d, runtime dir %s\n", (int)num_of(st, "pid"),
		text_of(st, "runtime_dir"));
	fws = array_of(st, "firmware");
	if (!fws)
		return;
	for (i = 0; i < json_object_array_length(fws); i++) {
		struct json_object *f = json_object_array_get_idx(fws, i);
		const char *crash = text_of(f, "last_crash");

		fprintf(out,
			"%-16s %-8s pid %-7d crashes %u restarts %u up %llu ms  tx %lu rx %lu\n",
			text_of(f, "name"), text_of(f, "state"), (int)num_of(f, "pid"),
			(unsigned int)num_of(f, "crashes"), (unsigned int)num_of(f, "restarts"),
			(unsigned long long)num_of(f, "uptime_ms"),
			(unsigned long)num_of(f, "tx_msgs"), (unsigned long)num_of(f, "rx_msgs"));
		if (crash[0])
			fprintf(out, "  last crash: %s\n", crash);
		chans = array_of(f, "channels");
		if (!chans)
			continue;
		for (k = 0; k < json_object_array_length(chans); k++) {
			struct json_object *c = json_object_array_get_idx(chans, k);

			fprintf(out, "  channel %-24s addr 0x%-5x %s\n", text_of(c, "name"),
				(unsigned int)num_of(c, "addr"), text_of(c, "socket"));
		}
	}
}

static int client_opts(int argc, char **argv, char *rundir, size_t n, int *json, int *follow,
		       int *last, const char *usage)
{
	static const struct option opts[] = {
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "last", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	cli_default_rundir(rundir, n);
	optind = 1;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'r')
			snprintf(rundir, n, "%s", optarg);
		else if (c == 'j' && json)
			*json = 1;
		else if (c == 'f' && follow)
			*follow = 1;
		else if (c == 'L' && last)
			*last = 1;
		else {
			fprintf(c == 'h' ? stdout : stderr, "%s", usage);
			return c == 'h' ? 0 : 2;
		}
	}
	return -1;
}

/* --json: the daemon's status object ({"running": false} when none runs)
 * with the live --linux sessions in "linux_sessions". Exit status 3 when
 * neither runs, as the text form. */
static int status_json(const char *rundir)
{
	struct json_object *ans = NULL, *st, *out, *linux_s = up_linux_sessions_json(rundir);
	int r = ctl_ask(rundir, request("status", NULL, 0), &ans, 1);

	if (r == 3) {
		out = json_object_new_object();
		json_object_object_add(out, "running", json_object_new_boolean(0));
		r = json_object_array_length(linux_s) ? 0 : 3;
	} else if (r) {
		json_object_put(linux_s);
		return r;
	} else if (!json_object_object_get_ex(ans, "status", &st)) {
		printf("error: %s\n", str_of(ans, "error") ? str_of(ans, "error") : "no status");
		json_object_put(ans);
		json_object_put(linux_s);
		return 1;
	} else {
		out = json_object_get(st);
	}
	json_object_object_add(out, "linux_sessions", linux_s);
	printf("%s\n", cli_json_text(out, 0));
	json_object_put(out);
	json_object_put(ans);
	return r;
}

int cmd_status(int argc, char **argv)
{
	char rundir[PATH_MAX];
	struct json_object *ans, *st;
	int json = 0, r, nlinux;

	r = client_opts(argc, argv, rundir, sizeof(rundir), &json, NULL, NULL,
			"usage: asvirt status [--json] [--runtime-dir D]\n");
	if (r >= 0)
		return r;
	if (json)
		return status_json(rundir);
	/* the --linux sessions, then the daemon's */
	nlinux = up_linux_print_sessions(rundir, stdout);
	r = ctl_ask(rundir, request("status", NULL, 0), &ans, nlinux > 0);
	if (r == 3 && nlinux > 0)
		return 0;
	if (r)
		return r;
	if (!json_object_object_get_ex(ans, "status", &st)) {
		printf("error: %s\n", str_of(ans, "error") ? str_of(ans, "error") : "no status");
		r = 1;
	} else {
		print_status(st, stdout);
	}
	json_object_put(ans);
	return r;
}

/* log -f: ask again every 200 ms, print what is new (all of it after a
 * restart), until the system stops. */
static int follow_log(const char *rundir, const char *name, int last)
{
	char *prev = NULL;
	size_t plen = 0;

	for (;;) {
		char *cur = NULL;
		size_t clen = 0;
		FILE *m = open_memstream(&cur, &clen);
		int r;

		if (!m) {
			free(prev);
			return 1;
		}
		r = ctl_call(rundir, request("log", name, last), m, 0);
		fclose(m);
		if (r) {
			free(cur);
			free(prev);
			return r == 3 ? 0 : r;
		}
		if (prev && clen >= plen && !memcmp(cur, prev, plen))
			fwrite(cur + plen, 1, clen - plen, stdout);
		else if (!prev || clen != plen || memcmp(cur, prev, clen))
			fwrite(cur, 1, clen, stdout);
		fflush(stdout);
		free(prev);
		prev = cur;
		plen = clen;
		usleep(200000);
	}
}

int cmd_log(int argc, char **argv)
{
	char rundir[PATH_MAX];
	int follow = 0, last = 0, r;

	r = client_opts(argc, argv, rundir, sizeof(rundir), NULL, &follow, &last,
			"usage: asvirt log [-f|--follow] [--last] [--runtime-dir D] NAME\n"
			"  the firmware's trace buffer (trace0); --last: the copy kept at its\n"
			"  last crash or stop; -f: keep printing new lines\n");
	if (r >= 0)
		return r;
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: asvirt log [-f] [--last] NAME\n");
		return 2;
	}
	if (follow)
		return follow_log(rundir, argv[optind], last);
	return ctl_call(rundir, request("log", argv[optind], last), stdout, 0);
}

int cmd_stop(int argc, char **argv)
{
	char rundir[PATH_MAX], path[PATH_MAX + 16];
	int r, i;

	r = client_opts(argc, argv, rundir, sizeof(rundir), NULL, NULL, NULL,
			"usage: asvirt stop [--runtime-dir D]\n");
	if (r >= 0)
		return r;
	r = ctl_call(rundir, request("stop", NULL, 0), NULL, 0);
	if (r)
		return r;
	/* Wait for it to be gone: its control socket disappears last. */
	snprintf(path, sizeof(path), "%s/%s", rundir, CTL_NAME);
	for (i = 0; i < 200 && access(path, F_OK) == 0; i++)
		usleep(50000);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "asvirt stop: still running after 10 s\n");
		return 1;
	}
	printf("asvirt: stopped\n");
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	char rundir[PATH_MAX];
	int r;

	if (argc > 1 && !strcmp(argv[1], "convert"))
		return cmd_trace_convert(argc - 1, argv + 1);
	r = client_opts(argc, argv, rundir, sizeof(rundir), NULL, NULL, NULL,
			"usage: asvirt trace stop [--runtime-dir D]\n"
			"       asvirt trace convert [--json FILE] [--pcap FILE] FTRACE.txt\n"
			"  stop: stop recording (asvirt up --trace/--pcap) and write the files\n"
			"  convert: a guest's ftrace capture of asvirt_remoteproc.ko's events\n"
			"           into the same JSON and pcap (asvirt trace convert --help)\n");
	if (r >= 0)
		return r;
	if (optind + 1 != argc || strcmp(argv[optind], "stop")) {
		fprintf(stderr, "usage: asvirt trace stop | convert ...\n");
		return 2;
	}
	return ctl_call(rundir, request("trace-stop", NULL, 0), stdout, 0);
}

int cmd_crash(int argc, char **argv)
{
	char rundir[PATH_MAX];
	int r;

	r = client_opts(argc, argv, rundir, sizeof(rundir), NULL, NULL, NULL,
			"usage: asvirt crash [--runtime-dir D] NAME\n"
			"  kill the firmware's process (like remoteproc's debugfs crash)\n");
	if (r >= 0)
		return r;
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: asvirt crash NAME\n");
		return 2;
	}
	return ctl_call(rundir, request("crash", argv[optind], 0), stdout, 0);
}
