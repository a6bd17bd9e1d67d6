// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The separate-process transport and the remoteproc life cycle: firmware
 * image checks, echo over both doorbells, crash detection and recovery
 * (drivers told of removal and the new channel, in-flight messages
 * reported lost), the watchdog, 100 crash/restart cycles without leaking
 * fds or threads, and hostile firmware (malformed messages, stops
 * consuming, dies mid-message, 10,000 seeded scribbles over the block).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "asvirt/elf.h"
#include "asvirt/proc.h"

#ifndef FW_DIR
#error FW_DIR
#endif

#define ECHO_FW FW_DIR "/asvirt-echo.so"
#define HOSTILE_FW FW_DIR "/asvirt-hostile.so"
#define CRASH_ON_STOP_FW FW_DIR "/asvirt-test-bad-crash-on-stop.so"
#define TWO_VDEVS_FW FW_DIR "/asvirt-test-two-vdevs.so"
#define BOARD_ECHO_FW FW_DIR "/asvirt-board-echo.so"

struct ctx {
	pthread_mutex_t mu;
	struct asv_channel *ch;
	int probes, removes, replies, lost, lost_err;
	char last[64];
	size_t last_len;
};

static struct ctx C;

static int echo_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	(void)ept;
	(void)src;
	(void)priv;
	pthread_mutex_lock(&C.mu);
	C.replies++;
	C.last_len = len < sizeof(C.last) ? len : sizeof(C.last);
	memcpy(C.last, data, C.last_len);
	pthread_mutex_unlock(&C.mu);
	return 0;
}

static void lost_cb(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len, int err)
{
	(void)ept;
	(void)dst;
	(void)data;
	(void)len;
	pthread_mutex_lock(&C.mu);
	C.lost++;
	C.lost_err = err;
	pthread_mutex_unlock(&C.mu);
}

static int echo_probe(struct asv_channel *ch)
{
	pthread_mutex_lock(&C.mu);
	C.probes++;
	C.ch = ch;
	ch->ept->tx_lost = lost_cb;
	pthread_mutex_unlock(&C.mu);
	return 0;
}

static void echo_remove(struct asv_channel *ch)
{
	(void)ch;
	pthread_mutex_lock(&C.mu);
	C.removes++;
	C.ch = NULL;
	pthread_mutex_unlock(&C.mu);
}

static struct asv_host_driver echo_drv = {
	.name = ASV_ECHO_NAME,
	.probe = echo_probe,
	.remove = echo_remove,
	.callback = echo_cb,
};

static void ctx_reset(void)
{
	pthread_mutex_destroy(&C.mu);
	memset(&C, 0, sizeof(C));
	pthread_mutex_init(&C.mu, NULL);
}

static int get(int *field)
{
	int v;

	pthread_mutex_lock(&C.mu);
	v = *field;
	pthread_mutex_unlock(&C.mu);
	return v;
}

/* Wait until *@field >= @want, up to @ms. */
static int wait_for(int *field, int want, unsigned int ms)
{
	uint64_t end = asv_posix_now_ms() + ms;

	while (get(field) < want) {
		if (asv_posix_now_ms() > end)
			return -1;
		usleep(1000);
	}
	return 0;
}

/* Send on the bound channel (proc lock held, as a user must). */
static int chan_send(struct asv_proc *p, const char *msg)
{
	int err = -ASV_ENODEV;

	asv_proc_lock(p);
	pthread_mutex_lock(&C.mu);
	if (C.ch)
		err = asv_send_timeout(C.ch->ept, C.ch->dst, msg, strlen(msg), 1000);
	pthread_mutex_unlock(&C.mu);
	asv_proc_unlock(p);
	return err;
}

static struct logcap plog;

static void proc_cfg(struct asv_proc_config *c, int doorbell)
{
	memset(c, 0, sizeof(*c));
	c->runner = RUNNER;
	c->doorbell = doorbell;
	c->max_restarts = -1;
	c->log = logcap_fn;
	c->log_ctx = &plog;
	c->log_level = ASV_LOG_WARN;
}

static int start_fw(struct asv_proc *p, struct asv_proc_config *c, const char *fw)
{
	char why[256];
	int err = asv_proc_init(p, c, fw, why, sizeof(why));

	if (err) {
		print_error("init %s: %s\n", fw, why);
		return err;
	}
	asv_proc_add_driver(p, &echo_drv);
	err = asv_proc_start(p, why, sizeof(why));
	if (err)
		print_error("start %s: %s\n", fw, why);
	return err;
}

static enum asv_proc_state state_of(struct asv_proc *p, struct asv_proc_status *st)
{
	asv_proc_get_status(p, st);
	return st->state;
}

/* ---- firmware images ----------------------------------------------------- */

static void write_file(const char *path, const void *d, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, n, f), n);
	fclose(f);
}

static void *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return buf;
}

static void expect_bad(const char *path, const char *needle)
{
	struct asv_fw_image img;
	char why[512];

	assert_true(asv_fw_image_load(&img, path, why, sizeof(why)) < 0);
	if (!strstr(why, needle))
		fail_msg("'%s' lacks '%s'", why, needle);
}

static void test_image(void **state)
{
	struct asv_fw_image img;
	struct asv_elf_section sec;
	char why[512], path[] = "/tmp/asvirt-test-fwXXXXXX";
	uint8_t *buf;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(asv_fw_image_load(&img, ECHO_FW, why, sizeof(why)), 0);
	assert_int_equal(img.elf_class, 2);
	assert_true(img.table_size >= 16);
	assert_int_equal(asv_rsc_validate(img.table, img.table_size, NULL), 0);
	asv_fw_image_free(&img);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	expect_bad("/nonexistent/fw.so", "No such file");
	expect_bad(RUNNER, "no .resource_table section");
	write_file(path, "hello, not an elf\n", 18);
	expect_bad(path, "not an ELF file");

	buf = read_file(ECHO_FW, &n);
	write_file(path, buf, 100);
	expect_bad(path, "section header table");
	write_file(path, buf, 40);
	expect_bad(path, "truncated ELF header");
	/* a table with version 2 */
	assert_int_equal(asv_elf_find_section(buf, n, ASV_ELF_RSC_SECTION, &sec, why, sizeof(why)),
			 0);
	((uint8_t *)sec.data)[0] = 2;
	write_file(path, buf, n);
	expect_bad(path, "bad resource table");
	((uint8_t *)sec.data)[0] = 1;
	/* an entry offset pointing outside the table */
	((uint8_t *)sec.data)[16] = 0xf0;
	((uint8_t *)sec.data)[17] = 0xff;
	write_file(path, buf, n);
	expect_bad(path, "bad resource table");
	free(buf);
	unlink(path);
}

/* ---- running firmware ------------------------------------------------------ */

static void echo_roundtrip(int doorbell)
{
	struct asv_proc_config c;
	struct asv_proc p;
	int i;

	ctx_reset();
	proc_cfg(&c, doorbell);
	assert_int_equal(start_fw(&p, &c, ECHO_FW), 0);
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(chan_send(&p, "ping"), 0);
	assert_int_equal(wait_for(&C.replies, 200, 10000), 0);
	assert_int_equal(C.last_len, 4);
	assert_memory_equal(C.last, "ping", 4);
	asv_proc_destroy(&p);
	assert_int_equal(C.removes, 1);
}

static void test_echo_futex(void **state)
{
	(void)state;
	echo_roundtrip(ASV_DOORBELL_FUTEX);
}

static void test_echo_eventfd(void **state)
{
	(void)state;
	echo_roundtrip(ASV_DOORBELL_EVENTFD);
}

static void test_bad_runner(void **state)
{
	struct asv_proc_config c;
	struct asv_proc p;
	char why[256];

	(void)state;
	proc_cfg(&c, 0);
	c.runner = "/nonexistent/asvirt-fw-runner";
	assert_int_equal(asv_proc_init(&p, &c, ECHO_FW, why, sizeof(why)), 0);
	assert_true(asv_proc_start(&p, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "cannot run"));
	asv_proc_destroy(&p);
	/* a firmware that exits during start */
	setenv("ASVIRT_HOSTILE", "exit", 1);
	proc_cfg(&c, 0);
	assert_int_equal(asv_proc_init(&p, &c, HOSTILE_FW, why, sizeof(why)), 0);
	assert_true(asv_proc_start(&p, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "exited with 7"));
	asv_proc_destroy(&p);
	unsetenv("ASVIRT_HOSTILE");
}

/* Every thread of @pid stopped (state T): kill(SIGSTOP) only queues it. */
static void wait_stopped(pid_t pid)
{
	uint64_t end = asv_posix_now_ms() + 10000;
	char path[64], line[512];
	int running;

	do {
		struct dirent *de;
		DIR *dir;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		dir = opendir(path);
		assert_non_null(dir);
		running = 0;
		while ((de = readdir(dir))) {
			const char *st;
			FILE *f;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", (int)pid,
				 de->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			st = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
			fclose(f);
			if (st && st[1] == ' ' && st[2] != 'T' && st[2] != 't')
				running = 1;
		}
		closedir(dir);
		if (running)
			usleep(1000);
	} while (running && asv_posix_now_ms() < end);
	assert_false(running);
}

/* The used index of the ring the firmware answers on (vring[0]). */
static uint16_t answers_published(struct asv_proc *p)
{
	uint16_t idx;

	asv_proc_lock(p);
	idx = __atomic_load_n(&asv_proc_host(p, 0)->rx_vr.used->idx, __ATOMIC_ACQUIRE);
	asv_proc_unlock(p);
	return idx;
}

/*
 * asv_proc_wait_kick_taken (asvirt conform's host.kick_dup) returns 0 only
 * once the board-level image's handler for the kick has returned, however
 * late the firmware gets to it: here the firmware is stopped (SIGSTOP)
 * when the message and its kick go out, and let go later. What the handler
 * sent (the echo) is published when the wait returns. An image on
 * asvirt's core does not say when it took a kick: -ASV_ENOSYS.
 */
static void test_kick_taken(void **state)
{
	struct asv_proc_config c;
	struct asv_proc_status st;
	struct asv_proc p;
	uint16_t before, stopped_published;
	int sent, taken;

	(void)state;
	ctx_reset();
	proc_cfg(&c, 0);
	assert_int_equal(start_fw(&p, &c, BOARD_ECHO_FW), 0);
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	assert_int_equal(chan_send(&p, "one"), 0);
	assert_int_equal(wait_for(&C.replies, 1, 10000), 0);
	assert_int_equal(asv_proc_wait_kick_taken(&p, 3000), 0);

	state_of(&p, &st);
	assert_true(st.pid > 0);
	assert_int_equal(kill(st.pid, SIGSTOP), 0);
	wait_stopped(st.pid);
	/* judged once the firmware runs again: a failed assertion must not
	 * leave it stopped (it would hold ctest's pipe until the timeout) */
	before = answers_published(&p);
	sent = chan_send(&p, "two");
	taken = asv_proc_wait_kick_taken(&p, 300);
	stopped_published = answers_published(&p);
	assert_int_equal(kill(st.pid, SIGCONT), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(taken, -ASV_ETIMEDOUT);
	assert_int_equal(stopped_published, before);
	assert_int_equal(asv_proc_wait_kick_taken(&p, 3000), 0);
	assert_int_equal((uint16_t)(answers_published(&p) - before), 1);
	assert_int_equal(wait_for(&C.replies, 2, 10000), 0);
	assert_memory_equal(C.last, "two", 3);
	asv_proc_destroy(&p);

	ctx_reset();
	proc_cfg(&c, 0);
	assert_int_equal(start_fw(&p, &c, ECHO_FW), 0);
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	assert_int_equal(asv_proc_wait_kick_taken(&p, 100), -ASV_ENOSYS);
	asv_proc_destroy(&p);
}

static int wait_restarts(struct asv_proc *p, unsigned int n, unsigned int ms)
{
	struct asv_proc_status st;
	uint64_t end = asv_posix_now_ms() + ms;

	while (state_of(p, &st) != ASV_PROC_RUNNING || st.restarts < n) {
		if (asv_posix_now_ms() > end)
			return -1;
		usleep(1000);
	}
	return 0;
}

static void test_crash_recovery(void **state)
{
	struct asv_proc_config c;
	struct asv_proc_status st;
	struct asv_proc p;
	char trace[4096];

	(void)state;
	ctx_reset();
	proc_cfg(&c, 0);
	assert_int_equal(start_fw(&p, &c, ECHO_FW), 0);
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	assert_true(asv_proc_trace(&p, trace, sizeof(trace), false) > 0);
	assert_non_null(strstr(trace, "starting"));
	assert_int_equal(asv_proc_kill(&p, SIGKILL), 0);
	assert_int_equal(wait_restarts(&p, 1, 10000), 0);
	/* drivers told: remove() of the old channel, probe() of the new one */
	assert_int_equal(wait_for(&C.probes, 2, 10000), 0);
	assert_int_equal(get(&C.removes), 1);
	asv_proc_get_status(&p, &st);
	assert_int_equal(st.crashes, 1);
	assert_non_null(strstr(st.last_crash, "signal 9"));
	/* the trace of the dead instance was kept */
	assert_true(asv_proc_trace(&p, trace, sizeof(trace), true) > 0);
	assert_non_null(strstr(trace, "link up"));
	assert_int_equal(chan_send(&p, "again"), 0);
	assert_int_equal(wait_for(&C.replies, 1, 10000), 0);
	asv_proc_destroy(&p);
}

/*
 * A table with two rpmsg vdevs: Linux makes each a virtio device with its
 * own rings and rpmsg bus (remoteproc_core.c rproc_handle_vdev, one
 * rproc_vdev per RSC_VDEV; virtio_rpmsg_bus.c rpmsg_probe per device), so
 * the echo channel the firmware announces on each appears, bound to a
 * driver, on that vdev's host, and echoes there; a crash takes both down
 * and the restart brings both back.
 */
static void two_vdevs_roundtrip(struct asv_proc *p, int round)
{
	struct asv_host *h[2];
	char last[sizeof(C.last)];
	unsigned int k;
	size_t len;

	asv_proc_lock(p);
	h[0] = asv_proc_host(p, 0);
	h[1] = asv_proc_host(p, 1);
	asv_proc_unlock(p);
	assert_non_null(h[0]);
	assert_non_null(h[1]);
	assert_ptr_not_equal(h[0], h[1]);
	assert_null(asv_proc_host(p, 2));
	for (k = 0; k < 2; k++) {
		struct asv_channel *ch;
		int err = -ASV_ENODEV;

		asv_proc_lock(p);
		for (ch = h[k]->channels; ch; ch = ch->next)
			if (ch->ept && !strcmp(ch->name, ASV_ECHO_NAME))
				err = asv_send_timeout(ch->ept, ch->dst, k ? "vdev1" : "vdev0", 5,
						       1000);
		asv_proc_unlock(p);
		assert_int_equal(err, 0);
		assert_int_equal(wait_for(&C.replies, round * 2 + (int)k + 1, 10000), 0);
		/* under the lock: the ISR thread writes the next reply there */
		pthread_mutex_lock(&C.mu);
		len = C.last_len;
		memcpy(last, C.last, sizeof(last));
		pthread_mutex_unlock(&C.mu);
		assert_int_equal(len, 5);
		assert_memory_equal(last, k ? "vdev1" : "vdev0", 5);
	}
}

static void test_two_vdevs(void **state)
{
	struct asv_proc_config c;
	struct asv_proc_status st;
	struct asv_proc p;

	(void)state;
	ctx_reset();
	proc_cfg(&c, 0);
	assert_int_equal(start_fw(&p, &c, TWO_VDEVS_FW), 0);
	assert_int_equal(wait_for(&C.probes, 2, 10000), 0);
	asv_proc_get_status(&p, &st);
	assert_int_equal(st.nchannels, 2);
	two_vdevs_roundtrip(&p, 0);
	assert_int_equal(asv_proc_kill(&p, SIGKILL), 0);
	assert_int_equal(wait_restarts(&p, 1, 10000), 0);
	assert_int_equal(wait_for(&C.probes, 4, 10000), 0);
	assert_int_equal(get(&C.removes), 2);
	two_vdevs_roundtrip(&p, 1);
	asv_proc_destroy(&p);
	assert_int_equal(C.removes, 4);
}

/*
 * Linux's attach recovery (remoteproc_core.c rproc_attach_recovery, l. 1777:
 * __rproc_detach then __rproc_attach) replayed by asv_proc_reattach: the
 * host's device removed (drivers told: remove()), the firmware kicked,
 * the device added again (probe() of the channel announced again); the
 * firmware's process is the same one throughout, never counted crashed or
 * restarted. 10 times, then on both vdevs of a two-vdev table. Failed
 * before the remote followed a status reset: no probe after the first.
 */
static void test_attach_recovery(void **state)
{
	struct asv_proc_config c;
	struct asv_proc_status st;
	struct asv_proc p;
	char why[256];
	pid_t pid;
	int i;

	(void)state;
	ctx_reset();
	proc_cfg(&c, 0);
	assert_int_equal(start_fw(&p, &c, ECHO_FW), 0);
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	asv_proc_get_status(&p, &st);
	pid = st.pid;
	for (i = 1; i <= 10; i++) {
		assert_int_equal(asv_proc_reattach(&p, why, sizeof(why)), 0);
		assert_int_equal(get(&C.removes), i);
		assert_int_equal(wait_for(&C.probes, i + 1, 10000), 0);
		assert_int_equal(chan_send(&p, "attached"), 0);
		assert_int_equal(wait_for(&C.replies, i, 10000), 0);
	}
	asv_proc_get_status(&p, &st);
	assert_int_equal(st.state, ASV_PROC_RUNNING);
	assert_int_equal(st.pid, pid);
	assert_int_equal(st.crashes, 0);
	assert_int_equal(st.restarts, 0);
	asv_proc_stop(&p);
	assert_int_equal(asv_proc_reattach(&p, why, sizeof(why)), -ASV_ENODEV);
	asv_proc_destroy(&p);

	ctx_reset();
	assert_int_equal(start_fw(&p, &c, TWO_VDEVS_FW), 0);
	assert_int_equal(wait_for(&C.probes, 2, 10000), 0);
	assert_int_equal(asv_proc_reattach(&p, why, sizeof(why)), 0);
	assert_int_equal(wait_for(&C.probes, 4, 10000), 0);
	assert_int_equal(get(&C.removes), 2);
	two_vdevs_roundtrip(&p, 0);
	asv_proc_destroy(&p);
}

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - (!strcmp(path, "/proc/self/fd")); /* opendir's own fd */
}

static void test_100_cycles(void **state)
{
	struct asv_proc_config c;
	struct asv_proc p;
	int fds0, thr0, fds1, thr1, i;

	(void)state;
	ctx_reset();
	fds0 = count_dir("/proc/self/fd");
	thr0 = count_dir("/proc/self/task");
	proc_cfg(&c, 0);
	assert_int_equal(start_fw(&p, &c, ECHO_FW), 0);
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	fds1 = count_dir("/proc/self/fd");
	thr1 = count_dir("/proc/self/task");
	for (i = 1; i <= 100; i++) {
		assert_int_equal(asv_proc_kill(&p, SIGKILL), 0);
		assert_int_equal(wait_restarts(&p, (unsigned int)i, 20000), 0);
		assert_int_equal(wait_for(&C.probes, i + 1, 10000), 0);
	}
	assert_int_equal(get(&C.removes), 100);
	assert_int_equal(count_dir("/proc/self/fd"), fds1);
	assert_int_equal(count_dir("/proc/self/task"), thr1);
	assert_int_equal(chan_send(&p, "alive"), 0);
	assert_int_equal(wait_for(&C.replies, 1, 10000), 0);
	asv_proc_destroy(&p);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
	assert_int_equal(count_dir("/proc/self/task"), thr0);
}

/*
 * How a stop ended (asvirt conform's life.restart): the echo ends by itself
 * on its stop request, last_stop empty; an image whose stop() writes
 * through NULL has it say so (a signal, or the sanitizer's exit status).
 */
static void sanitizer_env(const char *name, char *saved, size_t n)
{
	const char *v = getenv(name);
	char opts[512];

	saved[0] = v ? '=' : 0; /* '=' then the value: it was set */
	if (v)
		snprintf(saved + 1, n - 1, "%s", v);
	snprintf(opts, sizeof(opts), "%s%shandle_segv=0", v ? v : "", v && *v ? ":" : "");
	setenv(name, opts, 1);
}

static void restore_env(const char *name, const char *saved)
{
	if (saved[0])
		setenv(name, saved + 1, 1);
	else
		unsetenv(name);
}

static void test_stop_outcome(void **state)
{
	struct asv_proc_config c;
	struct asv_proc p;
	char saved[2][512];
	int err;

	(void)state;
	ctx_reset();
	proc_cfg(&c, 0);
	assert_int_equal(start_fw(&p, &c, ECHO_FW), 0);
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	asv_proc_stop(&p);
	assert_string_equal(p.last_stop, "");
	asv_proc_destroy(&p);

	/* a sanitizer's SEGV report (symbolized) would outlast the 500 ms a
	 * stop waits, and a kill then is not judged: let the signal end it */
	sanitizer_env("ASAN_OPTIONS", saved[0], sizeof(saved[0]));
	sanitizer_env("TSAN_OPTIONS", saved[1], sizeof(saved[1]));
	ctx_reset();
	err = start_fw(&p, &c, CRASH_ON_STOP_FW);
	restore_env("ASAN_OPTIONS", saved[0]);
	restore_env("TSAN_OPTIONS", saved[1]);
	assert_int_equal(err, 0);
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	asv_proc_stop(&p);
	if (!strstr(p.last_stop, "on its stop request"))
		fail_msg("last_stop '%s'", p.last_stop);
	asv_proc_destroy(&p);
}

/* ---- hostile firmware ------------------------------------------------------- */

static void start_hostile(struct asv_proc *p, struct asv_proc_config *c, const char *mode)
{
	setenv("ASVIRT_HOSTILE", mode, 1);
	assert_int_equal(start_fw(p, c, HOSTILE_FW), 0);
	unsetenv("ASVIRT_HOSTILE");
}

static void test_die_mid_message(void **state)
{
	struct asv_proc_config c;
	struct asv_proc_status st;
	struct asv_proc p;

	(void)state;
	ctx_reset();
	proc_cfg(&c, 0);
	c.max_restarts = 0;
	start_hostile(&p, &c, "die");
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	assert_int_equal(chan_send(&p, "kill me"), 0);
	/* the firmware died holding it: reported lost, never dropped silently */
	assert_int_equal(wait_for(&C.lost, 1, 10000), 0);
	assert_int_equal(C.lost_err, -ASV_ECONNRESET);
	/* the monitor reports lost messages, then removes the channel: wait
	 * for it, a bare read raced (fresh-clone CI under TSan, once) */
	assert_int_equal(wait_for(&C.removes, 1, 10000), 0);
	assert_int_equal(state_of(&p, &st), ASV_PROC_CRASHED);
	assert_non_null(strstr(st.last_crash, "exited with status 3"));
	assert_true(logcap_has(&plog, "lost") || st.crashes == 1);
	asv_proc_destroy(&p);
}

static void test_hang_watchdog(void **state)
{
	struct asv_proc_config c;
	struct asv_proc_status st;
	struct asv_proc p;
	uint64_t t0;
	int i, err = 0;

	(void)state;
	ctx_reset();
	proc_cfg(&c, 0);
	c.watchdog_ms = 1500;
	c.max_restarts = 1;
	start_hostile(&p, &c, "hang");
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	/* it stops consuming: sends fail within their timeout, never hang */
	t0 = asv_posix_now_ms();
	for (i = 0; i < 600 && !err; i++) {
		asv_proc_lock(&p);
		pthread_mutex_lock(&C.mu);
		err = C.ch ? asv_send_timeout(C.ch->ept, C.ch->dst, "x", 1, 100) : -ASV_ENODEV;
		pthread_mutex_unlock(&C.mu);
		asv_proc_unlock(&p);
	}
	assert_true(err == -ASV_ETIMEDOUT || err == -ASV_ENODEV || err == -ASV_ESHUTDOWN);
	assert_true(asv_posix_now_ms() - t0 < 5000);
	/* the watchdog notices, restarts it, and the lost messages are reported */
	assert_int_equal(wait_restarts(&p, 1, 15000), 0);
	asv_proc_get_status(&p, &st);
	assert_non_null(strstr(st.last_crash, "watchdog"));
	assert_true(get(&C.lost) >= 1);
	asv_proc_destroy(&p);
}

static void test_malformed(void **state)
{
	struct asv_proc_config c;
	struct asv_proc_status st;
	struct asv_proc p;
	uint64_t end;

	(void)state;
	ctx_reset();
	logcap_clear(&plog);
	proc_cfg(&c, 0);
	c.max_restarts = 0;
	start_hostile(&p, &c, "malformed");
	assert_int_equal(wait_for(&C.probes, 1, 10000), 0);
	end = asv_posix_now_ms() + 10000;
	while (state_of(&p, &st) == ASV_PROC_RUNNING && st.stats.rx_unknown_dst < 5 &&
	       asv_posix_now_ms() < end)
		usleep(1000);
	assert_int_equal(st.stats.rx_unknown_dst, 5);
	assert_true(logcap_has(&plog, "malformed ns msg"));
	/* reported and dropped; the link stays up and still works */
	assert_int_equal(st.state, ASV_PROC_RUNNING);
	assert_int_equal(chan_send(&p, "still?"), 0);
	assert_int_equal(wait_for(&C.replies, 1, 10000), 0);
	asv_proc_destroy(&p);
}

static void test_scribble(void **state)
{
	const unsigned int total = 10000, per = 200;
	unsigned int b, faults = 0, completed = 0;
	struct asv_proc_config c;
	struct asv_proc_status st;
	char mode[64];

	(void)state;
	for (b = 0; b < total / per; b++) {
		struct asv_proc p;
		uint64_t end;

		ctx_reset();
		proc_cfg(&c, b % 2 ? ASV_DOORBELL_EVENTFD : ASV_DOORBELL_FUTEX);
		c.log = NULL; /* quiet: thousands of expected errors */
		c.log_level = ASV_LOG_ERR;
		c.max_restarts = 0;
		c.watchdog_ms = 3000;
		snprintf(mode, sizeof(mode), "scribble:%u:%u", b + 1, per);
		setenv("ASVIRT_HOSTILE", mode, 1);
		{
			char why[256];

			assert_int_equal(asv_proc_init(&p, &c, HOSTILE_FW, why, sizeof(why)), 0);
			asv_proc_add_driver(&p, &echo_drv);
			/* the scribbles may break the boot itself: that is a fault too */
			if (asv_proc_start(&p, why, sizeof(why))) {
				faults++;
				asv_proc_destroy(&p);
				continue;
			}
		}
		unsetenv("ASVIRT_HOSTILE");
		/* keep the host busy sending while the block is scribbled */
		end = asv_posix_now_ms() + 20000;
		while (state_of(&p, &st) == ASV_PROC_RUNNING) {
			assert_true(asv_posix_now_ms() < end); /* never hangs */
			chan_send(&p, "scribble");
			usleep(200);
		}
		if (strstr(st.last_crash, "status 0"))
			completed++;
		else
			faults++;
		asv_proc_destroy(&p);
	}
	unsetenv("ASVIRT_HOSTILE");
	print_message("scribble: %u batches of %u: %u faults detected, %u ran to the end\n",
		      total / per, per, faults, completed);
	assert_int_equal(faults + completed, total / per);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image),	       cmocka_unit_test(test_echo_futex),
		cmocka_unit_test(test_echo_eventfd),   cmocka_unit_test(test_bad_runner),
		cmocka_unit_test(test_crash_recovery), cmocka_unit_test(test_two_vdevs),
		cmocka_unit_test(test_100_cycles),     cmocka_unit_test(test_die_mid_message),
		cmocka_unit_test(test_hang_watchdog),  cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_scribble),       cmocka_unit_test(test_stop_outcome),
		cmocka_unit_test(test_kick_taken),     cmocka_unit_test(test_attach_recovery),
	};

	logcap_init(&plog, "proc");
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&C.mu, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
