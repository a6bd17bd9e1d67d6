// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * What `asvirt status` knows of an `asvirt up --linux` session: both sides
 * (QEMU, and each firmware process with its ivshmem server) in
 * RUNDIR/linux-PID/session, a JSON object the session replaces whole
 * (rename) at every change. `status` lists the sessions whose PID still
 * runs, as text or inside its --json.
 *
 * The file is read back as untrusted input (another process wrote it, a
 * user may have edited it): each field is checked for its type, a file
 * that is not such an object is skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int up_linux_session_write(const char *dir, const struct up_linux_session *s)
{
	char path[PATH_MAX + 48], tmp[PATH_MAX + 48];
	struct json_object *o = json_object_new_object(), *a = json_object_new_array(), *fw;
	unsigned int i;
	int rc;

	json_object_object_add(o, "qemu_pid", json_object_new_int(s->qemu_pid));
	json_object_object_add(o, "machine", json_object_new_string(s->machine));
	json_object_object_add(o, "accel", json_object_new_string(s->accel));
	json_object_object_add(o, "mem_mb", json_object_new_int((int)s->mem_mb));
	for (i = 0; i < s->nfw; i++) {
		fw = json_object_new_object();
		json_object_object_add(fw, "file", json_object_new_string(s->fw[i].file));
		json_object_object_add(fw, "pid", json_object_new_int(s->fw[i].pid));
		json_object_object_add(fw, "state", json_object_new_string(s->fw[i].state));
		json_object_object_add(fw, "restarts", json_object_new_int((int)s->fw[i].restarts));
		json_object_object_add(fw, "ivshmem_socket", json_object_new_string(s->fw[i].sock));
		json_object_array_add(a, fw);
	}
	json_object_object_add(o, "firmware", a);
	snprintf(path, sizeof(path), "%s/session", dir);
	snprintf(tmp, sizeof(tmp), "%s/session.tmp", dir);
	rc = json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PLAIN);
	json_object_put(o);
	if (rc || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* @key of @o when it has @type, else NULL. */
static struct json_object *field(struct json_object *o, const char *key, json_type type)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* One of a session's firmware: an object with its five fields. */
static int fw_ok(struct json_object *fw)
{
	return json_object_is_type(fw, json_type_object) && field(fw, "file", json_type_string) &&
	       field(fw, "pid", json_type_int) && field(fw, "state", json_type_string) &&
	       field(fw, "restarts", json_type_int) &&
	       field(fw, "ivshmem_socket", json_type_string);
}

/* The session file @path as a checked object, with "pid" (the session's,
 * from its directory's name) added; NULL when it is not one. */
static struct json_object *session_read(const char *path, int pid)
{
	struct json_object *o = json_object_from_file(path),
			   *fws = field(o, "firmware", json_type_array);
	static const char *const ints[] = { "qemu_pid", "mem_mb" };
	static const char *const strs[] = { "accel", "machine" };
	size_t i, n = fws ? json_object_array_length(fws) : 0;
	int ok = o && json_object_is_type(o, json_type_object) && n > 0;

	for (i = 0; ok && i < 2; i++)
		ok = field(o, ints[i], json_type_int) != NULL;
	for (i = 0; ok && i < 2; i++)
		ok = field(o, strs[i], json_type_string) != NULL;
	for (i = 0; ok && i < n; i++)
		ok = fw_ok(json_object_array_get_idx(fws, i));
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "pid", json_object_new_int(pid));
	return o;
}

/* Each live session under @rundir, in directory order. */
struct json_object *up_linux_sessions_json(const char *rundir)
{
	char path[PATH_MAX + 300];
	struct json_object *a = json_object_new_array(), *o;
	struct dirent *e;
	DIR *d = opendir(rundir);
	int pid;

	if (!d)
		return a;
	while ((e = readdir(d))) {
		if (sscanf(e->d_name, "linux-%d", &pid) != 1 || pid <= 0 ||
		    (kill(pid, 0) && errno == ESRCH))
			continue;
		snprintf(path, sizeof(path), "%s/%s/session", rundir, e->d_name);
		o = session_read(path, pid);
		if (o)
			json_object_array_add(a, o);
	}
	closedir(d);
	return a;
}

static const char *str(struct json_object *o, const char *key)
{
	return json_object_get_string(field(o, key, json_type_string));
}

static int num(struct json_object *o, const char *key)
{
	return json_object_get_int(field(o, key, json_type_int));
}

int up_linux_print_sessions(const char *rundir, FILE *out)
{
	struct json_object *a = up_linux_sessions_json(rundir), *s, *fws, *fw;
	size_t i, k, n = json_object_array_length(a);

	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(a, i);
		fws = field(s, "firmware", json_type_array);
		fprintf(out, "asvirt up --linux (pid %d)\n", num(s, "pid"));
		fprintf(out, "  linux: QEMU pid %d (%s, %s accel, %d MB)\n", num(s, "qemu_pid"),
			str(s, "machine"), str(s, "accel"), num(s, "mem_mb"));
		for (k = 0; k < json_object_array_length(fws); k++) {
			fw = json_object_array_get_idx(fws, k);
			fprintf(out, "  firmware %s: pid %d, %s, restarts %d\n", str(fw, "file"),
				num(fw, "pid"), str(fw, "state"), num(fw, "restarts"));
			fprintf(out, "    ivshmem server %s\n", str(fw, "ivshmem_socket"));
		}
	}
	json_object_put(a);
	return (int)n;
}
