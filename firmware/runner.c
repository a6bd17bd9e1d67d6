// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt-fw-runner: the virtual MCU as a process. Maps the shared block the
 * host created (an inherited memfd), dlopen()s a firmware image, runs the
 * remote side with an ISR thread blocked on its doorbell, and bumps a
 * heartbeat on every ISR wait so the host's watchdog sees it is alive.
 * Every rpmsg vdev of the table (up to ASV_RPROC_MAX_RPMSG) gets a remote
 * of its own and its own instance of the image's app (own state): the
 * image names one app, and a vdev it declares is a device Linux probes,
 * so each serves what the app announces (the app can tell them apart by
 * the remote it is given). All share the one doorbell and ISR thread.
 * Started by the host (asvirt up, asv_proc); not meant to be run by hand.
 *
 * A board-level image (asvirt/board.h, told by the symbol it exports) gets
 * the board instead: the window, the doorbell and an interrupt thread
 * (runner_board.c); it brings its own RPMsg stack.
 *
 * usage: asvirt-fw-runner --shm-fd N --doorbell eventfd|futex
 *          [--irq-fd N --peer-fd N] [--guest-ram-fd N] [--name NAME] [--log-level L]
 *          [--fault SPEC] FIRMWARE.so
 *
 * --fault: the firmware misbehaves on purpose (asvirt/fault.h, every rpmsg
 * vdev's remote); its crash is a fatal error (exit status 7).
 *
 * --guest-ram-fd: the host is Linux in QEMU (asvirt up --linux) and N is
 * the guest's RAM (a memfd, guest physical address 0 at offset 0): the
 * rpmsg buffers live there, in the window learned from vring0's
 * descriptors at DRIVER_OK (asvirt/ivshmem.h), never outside it. Without
 * it, a control page with a buffer carveout (ctl.bufs_size: asvirt up
 * --linux --arch arm) says the buffers are in the shared block instead.
 *
 * Exit status: 0 stopped, 2 usage, 3 no usable shared block or doorbells,
 * 4 no usable image, 5 the app did not start, 6 the image was built
 * against another asvirt (firmware ABI or structure layouts differ), 7 a
 * board-level image reported a fatal error (ASV_RUNNER_EXIT_FATAL).
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/evrec.h"
#include "asvirt/fault.h"
#include "asvirt/firmware.h"
#include "asvirt/fw_abi.h"
#include "asvirt/ivshmem.h"
#include "asvirt/posix.h"
#include "asvirt/proc.h"
#include "asvirt/remote.h"
#include "asvirt/shmctl.h"
#include "runner_board.h"

/* Exit status: the image was built against another asvirt (its firmware
 * ABI or a structure layout differs from this runner's). */
#define RUNNER_EXIT_ABI 6

struct hb_notifier {
	struct asv_notifier n;
	struct asv_notifier *inner;
	uint32_t *hb;
};

static void hb_raise(struct asv_notifier *n)
{
	struct hb_notifier *h = (struct hb_notifier *)n;

	h->inner->raise(h->inner);
}

static int hb_wait(struct asv_notifier *n, uint32_t timeout_ms)
{
	struct hb_notifier *h = (struct hb_notifier *)n;
	int r = h->inner->wait(h->inner, timeout_ms);

	__atomic_add_fetch(h->hb, 1, __ATOMIC_RELAXED);
	return r;
}

static void hb_destroy(struct asv_notifier *n)
{
	(void)n;
}

/* Linux in QEMU: the guest's RAM, or the vdev0buffer carveout in the
 * shared block (ctl.bufs_size; va NULL otherwise). */
static struct asv_mem_region guest_ram;
static struct asv_mem_region guest_carveout;

/*
 * Before the link comes up on DRIVER_OK, tell the remote where Linux's
 * buffers are. A layout we do not trust leaves the window unset: the
 * link-up then finds every buffer outside the remote's memory and breaks
 * with a logged error.
 */
static void learn_guest_bufs(struct asv_remote *r)
{
	struct asv_mem_region bufs;
	char why[200];

	if ((!guest_ram.va && !guest_carveout.va) || r->bufs_set || r->linked_once ||
	    !asv_guest_bufs_ready(r))
		return;
	if ((guest_carveout.va
		 ? asv_guest_bufs_learn_carveout(r, &guest_carveout, &bufs, why, sizeof(why))
		 : asv_guest_bufs_learn(r, &guest_ram, &bufs, why, sizeof(why))) ||
	    asv_remote_set_buffers(r, &bufs))
		asv_logf(&r->dev.env, ASV_LOG_ERR, "guest rpmsg buffers: %s", why);
	else
		asv_logf(&r->dev.env, ASV_LOG_INFO,
			 "guest rpmsg buffers: 0x%llx+0x%zx (learned from vring0)",
			 (unsigned long long)bufs.da, bufs.size);
}

static int remote_isr(void *arg)
{
	learn_guest_bufs(arg);
	return asv_remote_isr(arg);
}

/* The remotes of every rpmsg vdev, on one doorbell (as vsys's remote_isr_all). */
static struct asv_remote remotes[ASV_RPROC_MAX_RPMSG];
static struct asv_posix_role roles[ASV_RPROC_MAX_RPMSG];
static unsigned int nvdevs;

static int remote_isr_all(void *arg)
{
	unsigned int k;

	(void)arg;
	do {
		roles[0].isr_rerun = 0;
		for (k = 0; k < nvdevs; k++) {
			learn_guest_bufs(&remotes[k]);
			asv_remote_isr(&remotes[k]);
		}
	} while (roles[0].isr_rerun);
	return 0;
}

/*
 * --trace-fd: record vdev 0's remote events into the ring the host laid out
 * in that memfd (port/posix/proc_trace.c). Its header is checked against
 * the file's size; a bad one means no events, not a failed boot.
 */
static void open_events(int fd, struct asv_env *env)
{
	static struct asv_evlog log;
	struct asv_evring *r;
	uint32_t cap, data;
	struct stat st;
	void *map;

	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*r))
		return;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return;
	r = map;
	cap = __atomic_load_n(&r->cap, __ATOMIC_RELAXED);
	data = __atomic_load_n(&r->data_size, __ATOMIC_RELAXED);
	if (__atomic_load_n(&r->magic, __ATOMIC_ACQUIRE) != ASV_EVRING_MAGIC || !cap ||
	    (cap & (cap - 1u)) || data > 0xFFFFu || ASV_EV_UNITS(data) > cap ||
	    asv_evring_bytes(cap) > (uint64_t)st.st_size) {
		fprintf(stderr, "asvirt-fw-runner: fd %d is no event ring: no events\n", fd);
		munmap(map, (size_t)st.st_size);
		return;
	}
	asv_evrec_attach(&log, ASV_EV_REMOTE, map, cap, data);
	asv_evrec_bind(&log, env);
}

/*
 * --fault: each remote misbehaves as the plan says (asvirt/fault.h), with
 * a plan of its own (its counters, the buffer reorder= holds back). A
 * crash is the firmware's fatal error: its report in the control page and
 * ASV_RUNNER_EXIT_FATAL, which the host reports and recovers from.
 */
static struct asv_fault_plan plans[ASV_RPROC_MAX_RPMSG];

static void fault_crash(void *ctx, const char *why)
{
	struct asv_shm_ctl *ctl = ctx;
	char msg[sizeof(ctl->fatal)];
	size_t i;

	snprintf(msg, sizeof(msg), "fault injection: %s", why);
	for (i = 0; i < sizeof(msg); i++)
		__atomic_store_n(&ctl->fatal[i], msg[i], __ATOMIC_RELAXED);
	fprintf(stderr, "asvirt-fw-runner: %s, the firmware crashes\n", msg);
	_exit(ASV_RUNNER_EXIT_FATAL);
}

static void fault_stall(void *ctx, uint32_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };

	(void)ctx;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void attach_fault(unsigned int k, const char *spec, struct asv_shm_ctl *ctl)
{
	if (k)
		asv_fault_parse(&plans[k], spec, NULL, 0); /* plans[0]: parsed and checked */
	plans[k].hooks = (struct asv_fault_hooks){ ctl, fault_crash, fault_stall };
	asv_remote_set_fault(&remotes[k], &plans[k]);
}

/* The image's rpmsg vdevs, counted in its own (validated) table. */
static unsigned int count_rpmsg_vdevs(void *table)
{
	unsigned int k = 0;

	while (k < ASV_RPROC_MAX_RPMSG && asv_rsc_find_rpmsg_vdev(table, k, NULL))
		k++;
	return k;
}

/* The runner's log level: a name, or warning when unknown. */
static int parse_level(const char *s)
{
	int l = asv_log_level_parse(s);

	return l < 0 ? ASV_LOG_WARN : l;
}

void asv_runner_fail(struct asv_shm_ctl *ctl, int err)
{
	if (ctl) {
		__atomic_store_n(&ctl->error, err, __ATOMIC_RELAXED);
		__atomic_store_n(&ctl->state, ASV_RUNNER_FAILED, __ATOMIC_RELEASE);
	}
}

#define fail asv_runner_fail

void asv_runner_wait_stop(pid_t ppid)
{
	struct timespec ts = { 0, 100 * 1000000L };
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	for (;;) {
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (getppid() != ppid)
			break; /* the host went away */
	}
}

/* The doorbell ids of a board-level image: the vrings of its rpmsg vdevs,
 * which the host numbers from 0 in table order (asv_rproc_load). */
static uint32_t count_vrings(void *table)
{
	struct asv_fw_rsc_vdev *v;
	uint32_t n = 0;
	unsigned int k;

	for (k = 0; k < ASV_RPROC_MAX_RPMSG && (v = asv_rsc_find_rpmsg_vdev(table, k, NULL)); k++)
		n += v->num_of_vrings;
	return n;
}

int main(int argc, char **argv)
{
	const char *name = "remote", *fw = NULL, *db = "futex", *fault = NULL;
	int shm_fd = -1, irq_fd = -1, peer_fd = -1, ram_fd = -1, trace_fd = -1,
	    level = ASV_LOG_WARN;
	int i, err;
	struct asv_notifier *irq = NULL, *peer = NULL;
	struct hb_notifier hb = { .n = {
				      .raise = hb_raise, .wait = hb_wait, .destroy = hb_destroy } };
	struct asv_remote_config rc;
	const struct asv_fw_entry *entry;
	const struct asv_app *app;
	struct asv_mem_region region;
	struct asv_shm_layout layout;
	struct asv_shm_ctl *ctl;
	struct asv_fw_image img;
	enum asv_fw_kind kind;
	uint32_t nvrings;
	static char logname[ASV_RPROC_MAX_RPMSG][80];
	char why[600];
	void *map, *state[ASV_RPROC_MAX_RPMSG] = { 0 }, *dl;
	unsigned int k;
	struct stat st;
	sigset_t set;
	pid_t ppid = getppid();

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--name") && v)
			name = argv[++i];
		else if (!strcmp(a, "--shm-fd") && v)
			shm_fd = atoi(argv[++i]);
		else if (!strcmp(a, "--irq-fd") && v)
			irq_fd = atoi(argv[++i]);
		else if (!strcmp(a, "--peer-fd") && v)
			peer_fd = atoi(argv[++i]);
		else if (!strcmp(a, "--guest-ram-fd") && v)
			ram_fd = atoi(argv[++i]);
		else if (!strcmp(a, "--trace-fd") && v)
			trace_fd = atoi(argv[++i]);
		else if (!strcmp(a, "--doorbell") && v)
			db = argv[++i];
		else if (!strcmp(a, "--log-level") && v)
			level = parse_level(argv[++i]);
		else if (!strcmp(a, "--fault") && v)
			fault = argv[++i];
		else if (a[0] != '-' && !fw)
			fw = a;
		else {
			fprintf(stderr, "asvirt-fw-runner: bad argument '%s'\n", a);
			return 2;
		}
	}
	if (fault && asv_fault_parse(&plans[0], fault, why, sizeof(why))) {
		fprintf(stderr, "asvirt-fw-runner: --fault: %s\n", why);
		return 2;
	}
	if (!fw || shm_fd < 0) {
		fprintf(stderr, "asvirt-fw-runner: started by asvirt (asvirt up FIRMWARE.so)\n");
		return 2;
	}
	/* The block and its layout come from the host: check before use. */
	if (fstat(shm_fd, &st) || st.st_size < (off_t)ASV_SHM_CTL_SIZE) {
		fprintf(stderr, "asvirt-fw-runner: fd %d is no shared block\n", shm_fd);
		return 3;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (map == MAP_FAILED) {
		perror("asvirt-fw-runner: mmap");
		return 3;
	}
	ctl = map;
	/* The host can still write the page: use only the fields read once. */
	if (asv_shm_ctl_read(ctl, (uint64_t)st.st_size, &layout)) {
		fprintf(stderr, "asvirt-fw-runner: bad shared block header\n");
		fail(ctl, -ASV_EINVAL);
		return 3;
	}
	__atomic_store_n(&ctl->pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	if (ram_fd >= 0) {
		struct stat rst;
		void *ram;

		if (fstat(ram_fd, &rst) || rst.st_size <= 0 ||
		    (ram = mmap(NULL, (size_t)rst.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				ram_fd, 0)) == MAP_FAILED) {
			fprintf(stderr, "asvirt-fw-runner: fd %d is no guest RAM\n", ram_fd);
			fail(ctl, -ASV_EINVAL);
			return 3;
		}
		guest_ram = (struct asv_mem_region){ ram, 0, (size_t)rst.st_size };
	} else if (layout.bufs_size) {
		/* Linux's buffers in the block (checked by asv_shm_ctl_read) */
		guest_carveout = (struct asv_mem_region){ (uint8_t *)map + layout.bufs_off, 0,
							  layout.bufs_size };
	}
	region = (struct asv_mem_region){ (uint8_t *)map + layout.region_off, layout.region_da,
					  (size_t)layout.region_size };
	/*
	 * Nothing in the image runs (not even its constructors) before its
	 * entry, read from the file, says it was built against the structure
	 * layouts of this runner; the loaded entry is checked again.
	 */
	err = asv_fw_image_load(&img, fw, why, sizeof(why));
	if (err) {
		fprintf(stderr, "asvirt-fw-runner: %s\n", why);
		fail(ctl, err);
		return 4;
	}
	err = img.entry_err;
	if (err) {
		fprintf(stderr, "asvirt-fw-runner: %s: %s\n", fw, img.entry_why);
		asv_fw_image_free(&img);
		fail(ctl, err);
		return err == -ASV_EPROTO ? RUNNER_EXIT_ABI : 4;
	}
	nvdevs = count_rpmsg_vdevs(img.table);
	nvrings = count_vrings(img.table);
	kind = img.kind;
	asv_fw_image_free(&img);
	if (kind == ASV_FW_KIND_BOARD && ram_fd >= 0) {
		/* Linux's buffers are in guest RAM, outside the board's window */
		fprintf(stderr,
			"asvirt-fw-runner: %s: a board-level image cannot serve Linux in "
			"QEMU (its buffers are outside the shared window)\n",
			fw);
		fail(ctl, -ASV_EINVAL);
		return 4;
	}
	if (!nvdevs) {
		fprintf(stderr, "asvirt-fw-runner: %s: no rpmsg vdev in the table\n", fw);
		fail(ctl, -ASV_EINVAL);
		return 4;
	}
	if (!strcmp(db, "eventfd")) {
		irq = irq_fd >= 0 ? asv_notifier_eventfd_open(irq_fd, 1) : NULL;
		peer = peer_fd >= 0 ? asv_notifier_eventfd_open(peer_fd, 1) : NULL;
	} else {
		irq = asv_notifier_futex_create(&ctl->remote_db);
		peer = asv_notifier_futex_create(&ctl->host_db);
	}
	if (!irq || !peer) {
		fprintf(stderr, "asvirt-fw-runner: no doorbells (%s)\n", db);
		fail(ctl, -ASV_EINVAL);
		return 3;
	}
	hb.inner = irq;
	hb.hb = &ctl->heartbeat;

	/* SIGTERM/SIGINT are taken by asv_runner_wait_stop, in this thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (kind == ASV_FW_KIND_BOARD) {
		err = asv_runner_board(fw, name, ctl, region.va, &layout, nvrings,
				       &ctl->remote_kicked, &hb.n, peer, ppid);
		irq->destroy(irq);
		peer->destroy(peer);
		munmap(map, (size_t)st.st_size);
		return err;
	}

	dl = dlopen(fw, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		fprintf(stderr, "asvirt-fw-runner: %s\n", dlerror());
		fail(ctl, -ASV_ENOENT);
		return 4;
	}
	entry = dlsym(dl, ASV_FW_ENTRY_SYMBOL);
	err = entry ? asv_fw_entry_check(entry, sizeof(*entry), "this runner", why, sizeof(why))
		    : -ASV_EINVAL;
	if (err) {
		fprintf(stderr, "asvirt-fw-runner: %s: %s\n", fw,
			entry ? why : "no '" ASV_FW_ENTRY_SYMBOL "' entry");
		irq->destroy(irq);
		peer->destroy(peer);
		fail(ctl, err);
		return err == -ASV_EPROTO ? RUNNER_EXIT_ABI : 4;
	}
	if (!entry->app || !entry->app->start || !entry->app->stop) {
		fprintf(stderr, "asvirt-fw-runner: %s: '%s' has no app with start and stop\n", fw,
			ASV_FW_ENTRY_SYMBOL);
		fail(ctl, -ASV_EINVAL);
		return 4;
	}
	app = entry->app;

	for (k = 0; k < nvdevs; k++) {
		if (k)
			snprintf(logname[k], sizeof(logname[k]), "%s/remote%u", name, k);
		else
			snprintf(logname[k], sizeof(logname[k]), "%s/remote", name);
		asv_posix_role_init(&roles[k], logname[k], &hb.n, peer, asv_posix_log_stderr,
				    logname[k], level);
		if (k)
			asv_posix_role_share_isr(&roles[k], &roles[0]);
		else if (trace_fd >= 0)
			open_events(trace_fd, &roles[0].env);
		memset(&rc, 0, sizeof(rc));
		rc.rsc_table = region.va;
		rc.rsc_size = layout.table_size;
		rc.regions = &region;
		rc.nregions = 1;
		rc.env = roles[k].env;
		rc.rpmsg_vdev = k;
		err = asv_remote_init(&remotes[k], &rc);
		if (err) {
			fprintf(stderr, "asvirt-fw-runner: remote init (rpmsg vdev %u): %s\n", k,
				asv_strerror(err));
			fail(ctl, err);
			return 5;
		}
		if (fault)
			attach_fault(k, fault, ctl);
	}
	asv_remote_printf(&remotes[0], "%s: firmware %s (%s) starting\n", name, app->name, fw);
	for (k = 0, err = 0; k < nvdevs && !err; k++) {
		state[k] = calloc(1, app->state_size ? app->state_size : 1);
		if (!state[k]) {
			fail(ctl, -ASV_ENOMEM);
			return 5;
		}
		err = app->start(&remotes[k], state[k]);
	}
	if (!err && nvdevs == 1)
		err = asv_posix_role_start(&roles[0], remote_isr, &remotes[0]);
	else if (!err)
		err = asv_posix_role_start(&roles[0], remote_isr_all, NULL);
	if (err) {
		fprintf(stderr, "asvirt-fw-runner: %s: start failed: %s\n", app->name,
			asv_strerror(err));
		fail(ctl, err);
		return 5;
	}
	__atomic_store_n(&ctl->state, ASV_RUNNER_RUNNING, __ATOMIC_RELEASE);
	/* A kick may have come before the ISR thread ran: look once more. */
	hb.n.raise(&hb.n);

	asv_runner_wait_stop(ppid);
	/* Quiesce the ISR thread before the app tears its endpoints down, so
	 * no callback or announcement runs concurrently with app->stop(). */
	for (k = 0; k < nvdevs; k++)
		asv_remote_shutdown(&remotes[k]);
	asv_posix_role_stop(&roles[0]);
	for (k = 0; k < nvdevs; k++)
		app->stop(&remotes[k], state[k]);
	for (k = nvdevs; k-- > 0;) {
		asv_posix_role_destroy(&roles[k]);
		free(state[k]);
	}
	irq->destroy(irq);
	peer->destroy(peer);
	dlclose(dl);
	munmap(map, (size_t)st.st_size);
	return 0;
}
