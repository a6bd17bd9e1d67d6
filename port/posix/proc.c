// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* A firmware in its own process, with the remoteproc life cycle. See asvirt/proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/fault.h"
#include "asvirt/posix.h"
#include "asvirt/firmware.h"
#include "asvirt/proc.h"
#include "asvirt/board_qemu_m.h"
#include "asvirt/evrec.h"
#include "proc_trace.h"
#include "why_log.h"

#define SHM_DA 0x10000000u
#define RUNNER_FD_SHM 3
#define RUNNER_FD_IRQ 4
#define RUNNER_FD_PEER 5

/* ---- one instance ---------------------------------------------------------- */

const char *asv_proc_state_name(enum asv_proc_state s)
{
	switch (s) {
	case ASV_PROC_OFFLINE:
		return "offline";
	case ASV_PROC_BOOTING:
		return "booting";
	case ASV_PROC_RUNNING:
		return "running";
	case ASV_PROC_CRASHED:
		return "crashed";
	}
	return "?";
}

static void event(struct asv_proc *p, const char *ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void event(struct asv_proc *p, const char *ev, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (p->cfg.on_event)
		p->cfg.on_event(p, ev, detail, p->cfg.event_priv);
	else
		asv_logf(&p->host_role.env, ASV_LOG_INFO, "%s: %s", ev, detail);
}

/* Host ISR thread (or deinit): count, then tell the user. */
static void proc_on_channel(struct asv_host *h, struct asv_channel *ch, bool created, void *priv)
{
	struct asv_proc *p = priv;

	if (created)
		__atomic_add_fetch(&p->nchannels, 1, __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(&p->nchannels, 1, __ATOMIC_RELAXED);
	if (p->cfg.on_channel)
		p->cfg.on_channel(h, ch, created, p->cfg.on_channel_priv);
}

/* Rpmsg vdev @k's host (0: p->host) and role (0: the ISR thread's). */
static struct asv_host *host_of(struct asv_proc *p, unsigned int k)
{
	return k ? &p->more_hosts[k - 1] : &p->host;
}

static struct asv_posix_role *role_of(struct asv_proc *p, unsigned int k)
{
	return k ? &p->more_roles[k - 1] : &p->host_role;
}

static int host_isr(void *arg)
{
	return asv_host_isr(arg);
}

/* Several vdevs, one doorbell: each interrupt runs every host's ISR (one
 * with nothing pending returns at once); a sender on this thread that
 * waited on the line took an interrupt another host may be owed: rerun. */
static int host_isr_all(void *arg)
{
	struct asv_proc *p = arg;
	unsigned int k;

	do {
		p->host_role.isr_rerun = 0;
		for (k = 0; k < p->nvdevs; k++)
			asv_host_isr(host_of(p, k));
	} while (p->host_role.isr_rerun);
	return 0;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Copy the live trace (untrusted: stop at the buffer's end or first NUL). */
static size_t copy_trace(struct asv_proc *p, char *buf, size_t len)
{
	const char *t;
	size_t n = 0, max;

	if (!p->map || !p->rproc.trace_va || !len)
		return 0;
	t = p->rproc.trace_va;
	max = p->rproc.trace_len;
	while (n < max && n + 1 < len) {
		char c = __atomic_load_n(&t[n], __ATOMIC_RELAXED);

		if (!c)
			break;
		buf[n++] = c;
	}
	buf[n] = 0;
	return n;
}

static void keep_trace(struct asv_proc *p)
{
	size_t len;
	char *b;

	if (!p->map || !p->rproc.trace_va)
		return;
	len = (size_t)p->rproc.trace_len + 1;
	b = malloc(len);
	if (!b)
		return;
	p->last_trace_len = copy_trace(p, b, len);
	free(p->last_trace);
	p->last_trace = b;
}

/* Wait up to @ms for the child to exit; reap it. Returns 1 if reaped. */
static int reap(struct asv_proc *p, int ms, int *status)
{
	uint64_t end = asv_posix_now_ms() + (uint64_t)ms;

	for (;;) {
		pid_t r = waitpid(p->pid, status, WNOHANG);

		if (r == p->pid || (r < 0 && errno == ECHILD))
			return 1;
		if (asv_posix_now_ms() >= end)
			return 0;
		if (p->pidfd >= 0) {
			struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

			poll(&pfd, 1, 10);
		} else {
			usleep(2000);
		}
	}
}

static const char *fatal_report(struct asv_proc *p);

/*
 * How the process ended on its stop request (SIGTERM): by itself (status
 * 0, or the signal's default action for a process that does not take it,
 * as QEMU may) leaves last_stop empty; anything else is recorded.
 */
static void stop_outcome(struct asv_proc *p, int status)
{
	p->last_stop[0] = 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
		snprintf(p->last_stop, sizeof(p->last_stop),
			 "firmware process killed by signal %d (%s) on its stop request",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == ASV_RUNNER_EXIT_FATAL && p->ctl)
		snprintf(p->last_stop, sizeof(p->last_stop),
			 "firmware reported a fatal error on its stop request: %s",
			 fatal_report(p));
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		snprintf(p->last_stop, sizeof(p->last_stop),
			 "firmware process exited with status %d on its stop request",
			 WEXITSTATUS(status));
}

/* Deinit every host, and say so (link_gen): what was made on them, such as
 * an endpoint a user left open, is freed with them. p->mu held. */
static void hosts_down(struct asv_proc *p)
{
	if (p->host_up > 0)
		p->link_gen++;
	while (p->host_up > 0)
		asv_host_deinit(host_of(p, (unsigned int)--p->host_up));
}

static void teardown(struct asv_proc *p, bool crashed)
{
	int status;

	if (!crashed)
		p->last_stop[0] = 0;

	if (p->role_ready)
		asv_posix_role_stop(&p->host_role);
	if (p->pid > 0) {
		if (!crashed || !reap(p, 0, &status)) {
			kill(p->pid, SIGTERM);
			if (!reap(p, 500, &status)) {
				/* not in last_stop: a deadline is no verdict (an ASan
				 * runner's exit outlasts it on a loaded machine) */
				kill(p->pid, SIGKILL);
				reap(p, 5000, &status);
			} else if (!crashed) {
				stop_outcome(p, status);
			}
		}
		p->pid = 0;
	}
	asv_proc_trace_writer_gone(p);
	keep_trace(p);
	/* each host reports its channels removed and its in-flight messages lost */
	hosts_down(p);
	while (p->role_ready > 0)
		asv_posix_role_destroy(role_of(p, (unsigned int)--p->role_ready));
	p->nvdevs = 0;
	p->host_role.kicked = NULL; /* the line's word (kick_state) */
	if (p->kick_line)	    /* before the line it raises */
		p->kick_line->destroy(p->kick_line);
	p->kick_line = NULL;
	if (p->host_irq)
		p->host_irq->destroy(p->host_irq);
	if (p->remote_irq)
		p->remote_irq->destroy(p->remote_irq);
	p->host_irq = p->remote_irq = NULL;
	if (p->board)
		asv_board_qm_close(p);
	p->efd_host = p->efd_remote = -1;
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	if (p->map)
		munmap(p->map, p->map_size);
	p->map = NULL;
	p->ctl = NULL;
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = -1;
}

/* A board-level firmware's fatal error report from the control page: the
 * runner wrote it, so it is copied once and terminated here. */
static const char *fatal_report(struct asv_proc *p)
{
	static __thread char text[sizeof(p->ctl->fatal)];
	size_t i;

	for (i = 0; i + 1 < sizeof(text); i++) {
		char c = __atomic_load_n(&p->ctl->fatal[i], __ATOMIC_RELAXED);

		text[i] = c >= 0x20 && c < 0x7f ? c : c ? '?' : 0;
		if (!c)
			break;
	}
	text[i] = 0;
	return text[0] ? text : "(no reason given)";
}

/* The firmware's heartbeat: the runner's, or the Cortex-M board's. */
static uint32_t heartbeat(struct asv_proc *p)
{
	return p->board ? asv_board_qm_heartbeat(p)
			: __atomic_load_n(&p->ctl->heartbeat, __ATOMIC_RELAXED);
}

/* The doorbell kind, from our config: the runner can rewrite ctl.doorbell. */
static uint32_t doorbell_kind(const struct asv_proc *p)
{
	return p->cfg.doorbell ? p->cfg.doorbell : ASV_DOORBELL_DEFAULT;
}

/*
 * The runner's fault plan: the configured one, less crash-after once the
 * firmware crashed (a restart behaves). False when there is none left.
 */
static bool fault_spec(const struct asv_proc *p, char *out, size_t len)
{
	struct asv_fault_plan plan;

	memset(&plan, 0, sizeof(plan));
	if (!p->cfg.fault || asv_fault_parse(&plan, p->cfg.fault, NULL, 0))
		return false;
	if (p->crashes)
		plan.crash_after = 0;
	if (!asv_fault_active(&plan))
		return false;
	asv_fault_format(&plan, out, len);
	return true;
}

static pid_t spawn_runner(struct asv_proc *p)
{
	char shm_s[16], irq_s[16], peer_s[16], trace_s[16], fault[ASV_FAULT_SPEC_MAX + 1];
	const char *db = doorbell_kind(p) == ASV_DOORBELL_EVENTFD ? "eventfd" : "futex";
	const char *lvl = p->cfg.runner_log_level ? p->cfg.runner_log_level : "warning";
	char *argv[20];
	int n = 0, fds[4], i;
	pid_t pid;

	snprintf(shm_s, sizeof(shm_s), "%d", RUNNER_FD_SHM);
	snprintf(irq_s, sizeof(irq_s), "%d", RUNNER_FD_IRQ);
	snprintf(peer_s, sizeof(peer_s), "%d", RUNNER_FD_PEER);
	argv[n++] = (char *)p->cfg.runner;
	argv[n++] = "--name";
	argv[n++] = p->name;
	argv[n++] = "--shm-fd";
	argv[n++] = shm_s;
	argv[n++] = "--doorbell";
	argv[n++] = (char *)db;
	argv[n++] = "--log-level";
	argv[n++] = (char *)lvl;
	if (doorbell_kind(p) == ASV_DOORBELL_EVENTFD) {
		argv[n++] = "--irq-fd";
		argv[n++] = irq_s;
		argv[n++] = "--peer-fd";
		argv[n++] = peer_s;
	}
	if (p->trace_fd >= 0) {
		snprintf(trace_s, sizeof(trace_s), "%d", ASV_RUNNER_FD_TRACE);
		argv[n++] = ASV_RUNNER_TRACE_OPT;
		argv[n++] = trace_s;
	}
	if (fault_spec(p, fault, sizeof(fault))) {
		argv[n++] = "--fault";
		argv[n++] = fault;
	}
	argv[n++] = p->img.path;
	argv[n] = NULL;
	fds[0] = p->memfd;
	fds[1] = p->efd_remote;
	fds[2] = p->efd_host;
	fds[3] = p->trace_fd;
	pid = fork();
	if (pid != 0)
		return pid;
	/* child: async-signal-safe calls only until exec */
	for (i = 0; i < 4; i++)
		if (fds[i] >= 0)
			fds[i] = fcntl(fds[i], F_DUPFD, 10);
	for (i = 0; i < 4; i++)
		if (fds[i] >= 0 && dup2(fds[i], RUNNER_FD_SHM + i) < 0)
			_exit(126);
	execv(p->cfg.runner, argv);
	_exit(127);
}

/*
 * Each virtio device: post buffers, DRIVER_OK, kick (rpmsg_probe); then
 * the hosts' ISR thread. 0, or the error (in @why). mu held.
 */
static int hosts_up(struct asv_proc *p, char *why, size_t whylen)
{
	struct asv_host_config hc;
	unsigned int i, k;
	int err;

	__atomic_store_n(&p->nchannels, 0, __ATOMIC_RELAXED);
	for (k = 0; k < p->nvdevs; k++) {
		memset(&hc, 0, sizeof(hc));
		err = asv_rproc_host_config_vdev(&p->rproc, k, &hc);
		if (!err) {
			hc.timeout_ms = p->cfg.timeout_ms;
			hc.features = p->cfg.host_features;
			hc.env = role_of(p, k)->env;
			hc.on_channel = proc_on_channel;
			hc.on_channel_priv = p;
			hc.before_driver_ok = p->cfg.before_driver_ok;
			hc.before_driver_ok_priv = p->cfg.before_driver_ok_priv;
			err = asv_host_init(host_of(p, k), &hc);
		}
		if (err)
			return asv_whyf(why, whylen, err, "host init (rpmsg vdev %u): %s", k,
					asv_strerror(err));
		p->host_up++;
		for (i = 0; i < p->ndrivers; i++)
			asv_host_register_driver(host_of(p, k), p->drivers[i]);
	}
	if (p->nvdevs == 1)
		err = asv_posix_role_start(&p->host_role, host_isr, &p->host);
	else
		err = asv_posix_role_start(&p->host_role, host_isr_all, p);
	if (err)
		return asv_whyf(why, whylen, err, "host ISR thread: %s", asv_strerror(err));
	/* Kick once more now that the ISR thread runs (harmless if early). */
	p->host_irq->raise(p->host_irq);
	return 0;
}

static int boot(struct asv_proc *p, char *why, size_t whylen)
{
	asv_log_fn log = p->cfg.log ? p->cfg.log : asv_posix_log_stderr;
	void *log_ctx = p->cfg.log ? p->cfg.log_ctx : p->name;
	size_t region = p->cfg.shm_size ? p->cfg.shm_size : (1u << 20);
	uint64_t end;
	uint32_t rstate;
	unsigned int i;
	int err, status;

	p->memfd = -1;
	p->pidfd = -1;
	p->efd_host = p->efd_remote = -1;
	p->state = ASV_PROC_BOOTING;
	if (p->board) { /* a Cortex-M image: QEMU's RAM and UART0 instead */
		err = asv_board_qm_setup(p, why, whylen);
		if (err)
			goto fail;
		goto shared_ready;
	}
	region = (region + 4095) & ~(size_t)4095;
	p->map_size = ASV_SHM_CTL_SIZE + region;
	p->memfd = memfd_create(p->name, MFD_CLOEXEC);
	if (p->memfd < 0 || ftruncate(p->memfd, (off_t)p->map_size)) {
		err = asv_whyf(why, whylen, -ASV_ENOMEM, "memfd: %s", strerror(errno));
		goto fail;
	}
	p->map = mmap(NULL, p->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->memfd, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		err = asv_whyf(why, whylen, -ASV_ENOMEM, "mmap: %s", strerror(errno));
		goto fail;
	}
	p->ctl = p->map;
	p->ctl->magic = ASV_SHM_MAGIC;
	p->ctl->version = ASV_SHM_VERSION;
	p->ctl->shm_size = p->map_size;
	p->ctl->region_off = ASV_SHM_CTL_SIZE;
	p->ctl->region_size = region;
	p->ctl->region_da = SHM_DA;
	p->ctl->doorbell = doorbell_kind(p);
	p->region = (struct asv_mem_region){ (uint8_t *)p->map + ASV_SHM_CTL_SIZE, SHM_DA, region };
	if (doorbell_kind(p) == ASV_DOORBELL_EVENTFD) {
		p->host_irq = asv_notifier_eventfd_create(&p->efd_host);
		p->remote_irq = asv_notifier_eventfd_create(&p->efd_remote);
	} else {
		p->host_irq = asv_notifier_futex_create(&p->ctl->host_db);
		p->remote_irq = asv_notifier_futex_create(&p->ctl->remote_db);
	}
	if (!p->host_irq || !p->remote_irq) {
		err = asv_whyf(why, whylen, -ASV_ENOMEM, "doorbells: %s", strerror(errno));
		goto fail;
	}
shared_ready:
	p->kick_line = asv_notifier_delay_create(p->remote_irq);
	if (!p->kick_line ||
	    asv_notifier_delay_set(p->kick_line, p->kick_delay_ms[0], p->kick_delay_ms[1])) {
		err = asv_whyf(why, whylen, -ASV_ENOMEM, "doorbells: out of memory");
		goto fail;
	}
	asv_posix_role_init(&p->host_role, p->name, p->host_irq, p->kick_line, log, log_ctx,
			    asv_posix_log_level(p->cfg.log_level, p->cfg.errors_only));
	if (p->cfg.host_evlog)
		asv_evrec_bind(p->cfg.host_evlog, &p->host_role.env);
	p->role_ready = 1;
	/* A board-level image's interrupt says which vring was kicked: the
	 * ids reach the control page with the (late) interrupt */
	if (p->ctl && p->img.kind == ASV_FW_KIND_BOARD)
		p->host_role.kicked = asv_notifier_delay_ids(p->kick_line, &p->ctl->remote_kicked);
	{
		struct asv_why_buf wb = { why, whylen };
		struct asv_env env = p->host_role.env;

		if (why && whylen)
			why[0] = 0;
		env.log = asv_why_log;
		env.log_ctx = &wb;
		env.log_level = ASV_LOG_ERR;
		err = asv_rproc_load(&p->rproc, &p->region, p->img.table, p->img.table_size, &env);
		if (err)
			goto fail;
	}
	if (p->ctl)
		p->ctl->table_size = (uint32_t)p->rproc.table_size;
	/* a role per further rpmsg vdev, on vdev 0's doorbell and ISR thread */
	p->nvdevs = p->rproc.nrpmsg < ASV_RPROC_MAX_RPMSG ? p->rproc.nrpmsg : ASV_RPROC_MAX_RPMSG;
	for (i = 1; i < p->nvdevs; i++) {
		asv_posix_role_init(role_of(p, i), p->name, p->host_irq, p->kick_line, log, log_ctx,
				    p->host_role.env.log_level);
		asv_posix_role_share_isr(role_of(p, i), &p->host_role);
		role_of(p, i)->kicked = p->host_role.kicked;
		p->role_ready++;
	}
	if (p->board && (err = asv_board_qm_bind(p, why, whylen)))
		goto fail;
	/* ops->start(): the firmware process */
	p->pid = p->board ? asv_board_qm_spawn(p) : spawn_runner(p);
	if (p->pid < 0) {
		p->pid = 0;
		err = asv_whyf(why, whylen, -ASV_ENOMEM, "fork: %s", strerror(errno));
		goto fail;
	}
	p->pidfd = pidfd_open_(p->pid);
	end = asv_posix_now_ms() + (p->cfg.boot_timeout_ms ? p->cfg.boot_timeout_ms : 10000);
	if (p->board && (err = asv_board_qm_wait_booted(p, end, why, whylen)))
		goto fail;
	/* The runner's state: one read per look, checked, then used. */
	while (!p->board &&
	       (rstate = __atomic_load_n(&p->ctl->state, __ATOMIC_ACQUIRE)) != ASV_RUNNER_RUNNING) {
		if (rstate == ASV_RUNNER_FAILED) {
			err = asv_whyf(why, whylen, -ASV_EIO, "firmware failed to start (error %d)",
				       (int)__atomic_load_n(&p->ctl->error, __ATOMIC_RELAXED));
			goto fail;
		}
		if (reap(p, 5, &status)) {
			p->pid = 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
				err = asv_whyf(why, whylen, -ASV_ENOENT, "cannot run %s",
					       p->cfg.runner);
			else
				err = asv_whyf(
				    why, whylen, -ASV_EIO, "firmware process %s %d during boot",
				    WIFSIGNALED(status) ? "killed by signal" : "exited with",
				    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			goto fail;
		}
		if (asv_posix_now_ms() >= end) {
			err =
			    asv_whyf(why, whylen, -ASV_ETIMEDOUT, "firmware did not start in time");
			goto fail;
		}
	}
	err = hosts_up(p, why, whylen);
	if (err)
		goto fail;
	p->last_hb = heartbeat(p);
	p->last_hb_ms = asv_posix_now_ms();
	p->started_ms = p->last_hb_ms;
	p->state = ASV_PROC_RUNNING;
	return 0;
fail:
	teardown(p, false);
	p->state = ASV_PROC_CRASHED;
	return err;
}

/* Monitor: the firmware died, hung or broke the link. Recover. mu held. */
static void crashed(struct asv_proc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void crashed(struct asv_proc *p, const char *fmt, ...)
{
	char why[200];
	va_list ap;
	int err, tries;

	va_start(ap, fmt);
	vsnprintf(p->last_crash, sizeof(p->last_crash), fmt, ap);
	va_end(ap);
	p->crashes++;
	p->state = ASV_PROC_CRASHED;
	event(p, "crashed", "%s", p->last_crash);
	teardown(p, true);
	for (tries = 0; tries < 3; tries++) {
		if (p->cfg.max_restarts >= 0 && p->restarts >= (unsigned int)p->cfg.max_restarts) {
			event(p, "failed", "not restarting (%u restarts)", p->restarts);
			return;
		}
		p->restarts++;
		event(p, "recovering", "restart %u", p->restarts);
		err = boot(p, why, sizeof(why));
		if (!err) {
			event(p, "running", "pid %d (restart %u)", (int)p->pid, p->restarts);
			return;
		}
		event(p, "crashed", "restart failed: %s", why);
	}
	event(p, "failed", "giving up after 3 failed restarts");
}

static void *monitor_main(void *arg)
{
	struct asv_proc *p = arg;
	uint32_t wd = p->cfg.watchdog_ms ? p->cfg.watchdog_ms : 2000;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = p->stop_efd, .events = POLLIN },
					 { .fd = -1, .events = POLLIN } };
		uint64_t now;
		unsigned int k;
		int status, broken;
		char why[160];

		pthread_mutex_lock(&p->mu);
		pfd[1].fd = p->state == ASV_PROC_RUNNING ? p->pidfd : -1;
		pthread_mutex_unlock(&p->mu);
		if (poll(pfd, 2, 50) > 0 && (pfd[0].revents & POLLIN))
			break;
		pthread_mutex_lock(&p->mu);
		if (p->state != ASV_PROC_RUNNING) {
			pthread_mutex_unlock(&p->mu);
			continue;
		}
		now = asv_posix_now_ms();
		broken = 0;
		for (k = 0; k < (unsigned int)p->host_up && !broken; k++)
			broken = __atomic_load_n(&host_of(p, k)->dev.broken, __ATOMIC_ACQUIRE);
		if (broken) {
			/* the more precise fault first, even if it then died */
			if (p->nvdevs > 1)
				crashed(p,
					"link error on rpmsg vdev %u: %s (the firmware broke the "
					"protocol)",
					k - 1, asv_strerror(broken));
			else
				crashed(p, "link error: %s (the firmware broke the protocol)",
					asv_strerror(broken));
		} else if (reap(p, 0, &status)) {
			p->pid = 0;
			if (WIFSIGNALED(status))
				crashed(p, "firmware process killed by signal %d (%s)",
					WTERMSIG(status), strsignal(WTERMSIG(status)));
			else if (WEXITSTATUS(status) == ASV_RUNNER_EXIT_FATAL && p->ctl)
				crashed(p, "firmware reported a fatal error: %s", fatal_report(p));
			else
				crashed(p, "firmware process exited with status %d",
					WEXITSTATUS(status));
		} else if (p->board && asv_board_qm_failed(p, why, sizeof(why))) {
			crashed(p, "%s", why);
		} else {
			uint32_t hb = heartbeat(p);

			if (hb != p->last_hb) {
				p->last_hb = hb;
				p->last_hb_ms = now;
			} else if (now - p->last_hb_ms > wd) {
				crashed(p, "watchdog: no heartbeat for %u ms (firmware hung)",
					(unsigned int)(now - p->last_hb_ms));
			}
		}
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

int asv_proc_init(struct asv_proc *p, const struct asv_proc_config *cfg, const char *fw_path,
		  char *why, size_t whylen)
{
	const char *base;
	int err;

	memset(p, 0, sizeof(*p));
	p->memfd = p->pidfd = p->stop_efd = p->trace_fd = -1;
	p->efd_host = p->efd_remote = -1;
	if (!cfg || !cfg->runner || !fw_path)
		return asv_whyf(why, whylen, -ASV_EINVAL, "no runner or firmware path");
	p->cfg = *cfg;
	err = asv_fw_image_load(&p->img, fw_path, why, whylen);
	if (!err && asv_board_qm_image(&p->img)) {
		p->board = calloc(1, sizeof(*p->board));
		if (!p->board) {
			err = asv_whyf(why, whylen, -ASV_ENOMEM, "out of memory");
			asv_fw_image_free(&p->img);
		} else {
			p->board->gdb_port = cfg->gdb_port;
			err = asv_board_qm_listen_gdb(p->board, why, whylen);
			if (err) {
				asv_board_qm_free(p->board);
				p->board = NULL;
				asv_fw_image_free(&p->img);
			}
		}
	} else if (!err && p->img.entry_err) {
		err = asv_whyf(why, whylen, p->img.entry_err, "%s: %s", fw_path, p->img.entry_why);
		asv_fw_image_free(&p->img);
	}
	if (err)
		return err;
	if (cfg->name) {
		snprintf(p->name, sizeof(p->name), "%s", cfg->name);
	} else {
		base = strrchr(fw_path, '/');
		snprintf(p->name, sizeof(p->name), "%s", base ? base + 1 : fw_path);
	}
	p->cfg.name = p->name;
	if (cfg->trace_remote && !p->board) {
		err = asv_proc_trace_open(p, why, whylen);
		if (err) {
			asv_proc_trace_close(p);
			asv_fw_image_free(&p->img);
			return err;
		}
	}
	pthread_mutex_init(&p->mu, NULL);
	return 0;
}

int asv_proc_start(struct asv_proc *p, char *why, size_t whylen)
{
	pid_t pid;
	int err;

	pthread_mutex_lock(&p->mu);
	if (p->monitor_running) {
		pthread_mutex_unlock(&p->mu);
		return asv_whyf(why, whylen, -ASV_EBUSY, "already started");
	}
	p->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->stop_efd < 0) {
		pthread_mutex_unlock(&p->mu);
		return asv_whyf(why, whylen, -ASV_ENOMEM, "eventfd: %s", strerror(errno));
	}
	err = boot(p, why, whylen);
	if (err) {
		close(p->stop_efd);
		p->stop_efd = -1;
		p->state = ASV_PROC_OFFLINE;
		pthread_mutex_unlock(&p->mu);
		return err;
	}
	if (pthread_create(&p->monitor, NULL, monitor_main, p)) {
		teardown(p, false);
		close(p->stop_efd);
		p->stop_efd = -1;
		p->state = ASV_PROC_OFFLINE;
		pthread_mutex_unlock(&p->mu);
		return asv_whyf(why, whylen, -ASV_ENOMEM, "monitor thread");
	}
	p->monitor_running = 1;
	/* read under the lock: the monitor may tear a crashed one down at once */
	pid = p->pid;
	pthread_mutex_unlock(&p->mu);
	event(p, "running", "pid %d", (int)pid);
	return 0;
}

void asv_proc_stop(struct asv_proc *p)
{
	uint64_t one = 1;

	if (p->monitor_running) {
		if (write(p->stop_efd, &one, sizeof(one)) < 0)
			perror("asvirt: stop");
		pthread_join(p->monitor, NULL);
		p->monitor_running = 0;
	}
	if (p->stop_efd >= 0)
		close(p->stop_efd);
	p->stop_efd = -1;
	pthread_mutex_lock(&p->mu);
	if (p->state != ASV_PROC_OFFLINE) {
		teardown(p, false);
		p->state = ASV_PROC_OFFLINE;
		pthread_mutex_unlock(&p->mu);
		event(p, "stopped", "firmware stopped");
		return;
	}
	pthread_mutex_unlock(&p->mu);
}

void asv_proc_destroy(struct asv_proc *p)
{
	asv_proc_stop(p);
	asv_fw_image_free(&p->img);
	asv_board_qm_free(p->board);
	p->board = NULL;
	free(p->last_trace);
	p->last_trace = NULL;
	asv_proc_trace_close(p);
	pthread_mutex_destroy(&p->mu);
}

int asv_proc_add_driver(struct asv_proc *p, struct asv_host_driver *drv)
{
	int err = 0;

	pthread_mutex_lock(&p->mu);
	if (p->ndrivers >= ASV_PROC_MAX_DRIVERS) {
		err = -ASV_ENOSPC;
	} else {
		unsigned int k;

		/*
		 * On every host: a driver is one list node (drv->next) in each
		 * host's list, which stays right because every host gets the
		 * same registrations in the same order (here and at boot).
		 */
		p->drivers[p->ndrivers++] = drv;
		for (k = 0; k < (unsigned int)p->host_up && !err; k++)
			err = asv_host_register_driver(host_of(p, k), drv);
	}
	pthread_mutex_unlock(&p->mu);
	return err;
}

int asv_proc_kill(struct asv_proc *p, int sig)
{
	int err = -ASV_ENODEV;

	pthread_mutex_lock(&p->mu);
	if (p->pid > 0 && p->state == ASV_PROC_RUNNING)
		err = kill(p->pid, sig) ? -ASV_EIO : 0;
	pthread_mutex_unlock(&p->mu);
	return err;
}

void asv_proc_get_status(struct asv_proc *p, struct asv_proc_status *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&p->mu);
	st->state = p->state;
	st->pid = p->pid;
	st->crashes = p->crashes;
	st->restarts = p->restarts;
	memcpy(st->last_crash, p->last_crash, sizeof(st->last_crash));
	if (p->state == ASV_PROC_RUNNING) {
		st->uptime_ms = asv_posix_now_ms() - p->started_ms;
		if (p->host_up) {
			asv_get_stats(&p->host.dev, &st->stats);
			st->nchannels = __atomic_load_n(&p->nchannels, __ATOMIC_RELAXED);
		}
	}
	pthread_mutex_unlock(&p->mu);
}

int asv_proc_trace(struct asv_proc *p, char *buf, size_t len, bool last)
{
	int n = -ASV_ENOENT;

	if (!buf || !len)
		return -ASV_EINVAL;
	pthread_mutex_lock(&p->mu);
	if (last && p->last_trace) {
		snprintf(buf, len, "%s", p->last_trace);
		n = (int)strlen(buf);
	} else if (!last && p->map && p->rproc.trace_va) {
		n = (int)copy_trace(p, buf, len);
	}
	pthread_mutex_unlock(&p->mu);
	return n;
}

struct asv_host *asv_proc_host(struct asv_proc *p, unsigned int k)
{
	return k < (unsigned int)p->host_up ? host_of(p, k) : NULL;
}

void asv_proc_lock(struct asv_proc *p)
{
	pthread_mutex_lock(&p->mu);
}

void asv_proc_unlock(struct asv_proc *p)
{
	pthread_mutex_unlock(&p->mu);
}

/* One look for asv_proc_wait_kick_taken: the kicked bits of a running
 * board-level image's control page (*@bits) and its heartbeat; -ASV_ENOSYS
 * when there is none. */
static int kick_state(struct asv_proc *p, uint32_t *bits, uint32_t *hb)
{
	int err = 0;

	pthread_mutex_lock(&p->mu);
	if (!p->ctl || p->board || p->img.kind != ASV_FW_KIND_BOARD) {
		err = -ASV_ENOSYS;
	} else {
		/* kicked: published, or held with a late interrupt */
		*bits =
		    __atomic_load_n(&p->ctl->remote_kicked, __ATOMIC_ACQUIRE) |
		    (p->host_role.kicked ? __atomic_load_n(p->host_role.kicked, __ATOMIC_ACQUIRE)
					 : 0u);
		*hb = heartbeat(p);
	}
	pthread_mutex_unlock(&p->mu);
	return err;
}

int asv_proc_wait_kick_taken(struct asv_proc *p, uint32_t timeout_ms)
{
	uint64_t end = asv_posix_now_ms() + timeout_ms;
	uint32_t bits, hb, taken_hb;
	int err;

	/* the runner clears the bits, then runs the handler */
	while (!(err = kick_state(p, &bits, &taken_hb)) && bits) {
		if (asv_posix_now_ms() >= end)
			return -ASV_ETIMEDOUT;
		usleep(1000);
	}
	/* and bumps the heartbeat each time it waits again, after it */
	while (!err && !(err = kick_state(p, &bits, &hb)) && hb == taken_hb) {
		if (asv_posix_now_ms() >= end)
			return -ASV_ETIMEDOUT;
		usleep(1000);
	}
	return err;
}

/*
 * Linux's attach recovery (remoteproc_core.c rproc_attach_recovery, l. 1777):
 * __rproc_detach (l. 1742) removes the virtio devices (virtio_rpmsg_bus.c
 * rpmsg_remove: vdev status 0, channels gone) and tells the firmware
 * (->detach: stm32_rproc_detach's mailbox message, l. 486-501, a kick
 * here, taken by the firmware's interrupt: its heartbeat moves twice, the
 * second time after the interrupt was handled, or 500 ms pass; then
 * DETACH_SETTLE_MS more, as the mailbox's acknowledgement would take); then
 * __rproc_attach (l. 1325) adds them again: rings zeroed, buffers posted,
 * DRIVER_OK and a kick (rpmsg_probe). The firmware keeps running.
 */
#define DETACH_SETTLE_MS 20u

int asv_proc_reattach(struct asv_proc *p, char *why, size_t whylen)
{
	struct asv_host_config hc;
	uint64_t end;
	uint32_t hb;
	unsigned int k;
	int err;

	pthread_mutex_lock(&p->mu);
	if (p->state != ASV_PROC_RUNNING) {
		pthread_mutex_unlock(&p->mu);
		return asv_whyf(why, whylen, -ASV_ENODEV, "the firmware is not running");
	}
	asv_posix_role_stop(&p->host_role);
	hosts_down(p);
	for (k = 0; k < p->nvdevs; k++) {
		memset(&hc, 0, sizeof(hc));
		if (!asv_rproc_host_config_vdev(&p->rproc, k, &hc))
			role_of(p, k)->env.notify(role_of(p, k)->env.ctx, hc.notifyid[1]);
	}
	hb = heartbeat(p);
	end = asv_posix_now_ms() + 500;
	while (heartbeat(p) - hb < 2 && asv_posix_now_ms() < end)
		usleep(1000);
	/* a firmware whose interrupt hands the work to a task: its turn */
	usleep(DETACH_SETTLE_MS * 1000u);
	err = hosts_up(p, why, whylen);
	if (err) {
		/* the monitor takes it from here: a link that did not come up */
		pthread_mutex_unlock(&p->mu);
		return err;
	}
	p->last_hb = heartbeat(p);
	p->last_hb_ms = asv_posix_now_ms();
	pthread_mutex_unlock(&p->mu);
	event(p, "attached", "attached again (the firmware kept running)");
	return 0;
}

int asv_proc_set_kick_delay(struct asv_proc *p, uint32_t min_ms, uint32_t max_ms)
{
	int err = 0;

	if (max_ms < min_ms)
		return -ASV_EINVAL;
	pthread_mutex_lock(&p->mu);
	if (p->kick_line)
		err = asv_notifier_delay_set(p->kick_line, min_ms, max_ms);
	if (!err) {
		p->kick_delay_ms[0] = min_ms;
		p->kick_delay_ms[1] = max_ms;
	}
	pthread_mutex_unlock(&p->mu);
	return err;
}
