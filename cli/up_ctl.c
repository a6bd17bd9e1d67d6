// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt up's control socket, the daemon's side: one JSON request per
 * connection (parsed with json-c), one JSON answer (see up.h for both).
 * Runs on the poll loop, so a request sees the channels as they are.
 */
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "up.h"

/* The longest request read; a longer one is answered "bad request". */
#define REQ_MAX 1024
/* The trace buffer's copy in a "log" answer. */
#define TRACE_MAX 65536

static struct json_object *fw_status(struct up *u, int i)
{
	struct fwinst *f = &u->fw[i];
	struct json_object *o = json_object_new_object(), *chans = json_object_new_array();
	struct asv_proc_status st;
	int k;

	asv_proc_get_status(&f->proc, &st);
	json_object_object_add(o, "name", json_object_new_string(f->name));
	json_object_object_add(o, "file", json_object_new_string(f->proc.img.path));
	json_object_object_add(o, "state", json_object_new_string(asv_proc_state_name(st.state)));
	json_object_object_add(o, "pid", json_object_new_int((int)st.pid));
	json_object_object_add(o, "crashes", json_object_new_uint64(st.crashes));
	json_object_object_add(o, "restarts", json_object_new_uint64(st.restarts));
	json_object_object_add(o, "uptime_ms", json_object_new_uint64(st.uptime_ms));
	json_object_object_add(o, "last_crash", json_object_new_string(st.last_crash));
	json_object_object_add(o, "tx_msgs", json_object_new_uint64(st.stats.tx_msgs));
	json_object_object_add(o, "rx_msgs", json_object_new_uint64(st.stats.rx_msgs));
	json_object_object_add(o, "tx_lost", json_object_new_uint64(st.stats.tx_lost));
	json_object_object_add(o, "rx_malformed", json_object_new_uint64(st.stats.rx_malformed));
	for (k = 0; k < MAX_CHAN; k++) {
		struct chsock *s = &u->chans[k];
		struct json_object *c;

		if (!s->used || s->fw != i)
			continue;
		c = json_object_new_object();
		json_object_object_add(c, "name", json_object_new_string(s->name));
		json_object_object_add(c, "addr", json_object_new_uint64(s->dst));
		json_object_object_add(c, "socket", json_object_new_string(s->path));
		json_object_array_add(chans, c);
	}
	json_object_object_add(o, "channels", chans);
	return o;
}

/* What `asvirt status --json` prints (up_client.c renders the text form). */
static struct json_object *status(struct up *u)
{
	struct json_object *o = json_object_new_object(), *fws = json_object_new_array();
	int i;

	json_object_object_add(o, "runtime_dir", json_object_new_string(u->rundir));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	for (i = 0; i < u->nfw; i++)
		json_object_array_add(fws, fw_status(u, i));
	json_object_object_add(o, "firmware", fws);
	return o;
}

static struct fwinst *find_fw(struct up *u, const char *name)
{
	int i;

	for (i = 0; i < u->nfw; i++)
		if (!strcmp(u->fw[i].name, name))
			return &u->fw[i];
	return NULL;
}

/* {@key: @text}: an answer; @text is printf's @f. */
static struct json_object *answer(const char *key, const char *f, ...)
    __attribute__((format(printf, 2, 3)));

static struct json_object *answer(const char *key, const char *f, ...)
{
	struct json_object *o = json_object_new_object();
	char s[256];
	va_list ap;

	va_start(ap, f);
	vsnprintf(s, sizeof(s), f, ap);
	va_end(ap);
	json_object_object_add(o, key, json_object_new_string(s));
	return o;
}

static const char *str_field(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* log and crash: the firmware's trace, or SIGKILL to its process. */
static struct json_object *fw_request(struct up *u, const char *what, const char *name, int last)
{
	struct fwinst *f = name ? find_fw(u, name) : NULL;
	struct json_object *o;
	char *t;

	if (!f)
		return answer("error", "no firmware '%s'", name ? name : "");
	if (!strcmp(what, "crash")) {
		if (asv_proc_kill(&f->proc, SIGKILL))
			return answer("error", "%s is not running", f->name);
		return answer("text", "killed %s\n", f->name);
	}
	t = malloc(TRACE_MAX);
	if (!t || asv_proc_trace(&f->proc, t, TRACE_MAX, last) < 0) {
		free(t);
		return answer("error", "%s: no trace", f->name);
	}
	o = json_object_new_object();
	json_object_object_add(o, "text", json_object_new_string(t));
	free(t);
	return o;
}

static struct json_object *handle(struct up *u, const char *line)
{
	struct json_object *req = json_tokener_parse(line), *ans, *last;
	const char *what = req ? str_field(req, "request") : NULL;

	if (!what) {
		ans = answer("error", "bad request");
	} else if (!strcmp(what, "status")) {
		ans = json_object_new_object();
		json_object_object_add(ans, "status", status(u));
	} else if (!strcmp(what, "log") || !strcmp(what, "crash")) {
		int l =
		    json_object_object_get_ex(req, "last", &last) && json_object_get_boolean(last);

		ans = fw_request(u, what, str_field(req, "fw"), l);
	} else if (!strcmp(what, "stop")) {
		u->stopping = 1;
		ans = answer("text", "stopping\n");
	} else if (!strcmp(what, "trace-stop")) {
		char msg[2 * PATH_MAX + 64];

		if (up_trace_stop(u, msg, sizeof(msg)))
			ans = answer("error", "%s", msg);
		else
			ans = answer("text", "%s\n", msg);
	} else {
		ans = answer("error", "unknown request '%s'", what);
	}
	json_object_put(req);
	return ans;
}

void up_ctl_request(struct up *u)
{
	char req[REQ_MAX] = "";
	struct json_object *ans;
	struct pollfd pfd;
	size_t got = 0;
	const char *s;
	int fd;

	fd = accept4(u->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < sizeof(req) - 1 && !memchr(req, '\n', got)) {
		ssize_t n;

		if (poll(&pfd, 1, 1000) <= 0)
			break;
		n = read(fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req[got] = 0;
	req[strcspn(req, "\r\n")] = 0;
	ans = handle(u, req);
	s = cli_json_text(ans, 0);
	up_write_all(fd, s, strlen(s));
	json_object_put(ans);
	close(fd);
}
