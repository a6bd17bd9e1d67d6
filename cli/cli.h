/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
#ifndef ASVIRT_CLI_H
#define ASVIRT_CLI_H

#include <stddef.h>
#include <stdio.h>

struct json_object;

struct cli_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int cmd_demo(int argc, char **argv);
int cmd_apps(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_crash(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_trace_convert(int argc, char **argv);
/* asvirt demo --explain (demo_explain.c): the first exchange, narrated. */
int demo_explain(FILE *out);
int cmd_fw_build(int argc, char **argv);
int cmd_fw_check(int argc, char **argv);
int cmd_conform(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/*
 * fw-check --linux: print, rule by rule, what Linux 6.1's remoteproc does
 * with resource table @table (@size bytes, untrusted). Returns 1 when Linux
 * refuses to boot the firmware, else 0.
 */
int fw_linux_check(const void *table, size_t size, FILE *out);

/* asvirt-fw-runner: $ASVIRT_RUNNER, next to this binary, or ../libexec. */
int cli_find_runner(char *out, size_t n);
/* asvirt up --linux (cli/up_linux.c). */
int cmd_up_linux(int argc, char **argv);
/* An asvirt up --linux session, as asvirt status shows it
 * (cli/up_linux_session.c). */
struct up_linux_fw {
	const char *file; /* the firmware's */
	int pid;	  /* 0: not running */
	const char *state;
	unsigned int restarts;
	const char *sock; /* its ivshmem server's socket */
};
struct up_linux_session {
	int qemu_pid;
	const char *machine; /* "x86_64 pc", "arm virt" */
	const char *accel;
	unsigned int mem_mb;
	unsigned int nfw; /* fw[0..nfw-1]: in the guest's device order */
	const struct up_linux_fw *fw;
};
/* Replace @dir/session with @s (written whole, then renamed): 0 or -1. */
int up_linux_session_write(const char *dir, const struct up_linux_session *s);
/* asvirt status: the live --linux sessions under @rundir; how many. */
int up_linux_print_sessions(const char *rundir, FILE *out);
/* The same as a JSON array of objects (the session file's fields and the
 * session's "pid"); the caller puts it. */
struct json_object *up_linux_sessions_json(const char *rundir);
/* A built-in firmware image (asvirt-NAME.so): $ASVIRT_FIRMWARE_DIR, or
 * firmware/ next to this binary. */
int cli_find_firmware(const char *app, char *out, size_t n);
/* The built-in Cortex-M image of @app (FIRMWARE_DIR/cortex-m/asvirt-APP.elf). */
int cli_find_cm_firmware(const char *app, char *out, size_t n);
/* The installed Cortex-M4 library, linker script and flags
 * (PREFIX/lib/asvirt/cortex-m4, next to PREFIX/bin/asvirt): 0 with the
 * directory in @out, or -1 (not an install). */
int cli_find_cm_sdk(char *out, size_t n);
/* The installed public headers (PREFIX/include, next to PREFIX/bin/asvirt,
 * holding asvirt/firmware.h): 0 with their directory in @out, or -1 (this
 * asvirt runs from its build tree). */
int cli_find_include(char *out, size_t n);
/* asvirt up's runtime directory: $ASVIRT_RUNTIME_DIR, $XDG_RUNTIME_DIR/asvirt
 * or /tmp/asvirt-UID. */
void cli_default_rundir(char *out, size_t n);

/* @o as JSON text (json.c; valid while @o lives unchanged): compact, or
 * indented when @pretty. */
const char *cli_json_text(struct json_object *o, int pretty);
/* @v as printf's "%.*f" writes it, as a JSON number (null when not finite). */
struct json_object *cli_json_fixed(double v, int decimals);
/* @v with @digits significant digits (printf's "%.*g"), as a JSON number
 * (null when not finite): for ratios, which can be as small as 1e-7. */
struct json_object *cli_json_sig(double v, int digits);

#endif
