// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The Cortex-M board on QEMU, host side. See asvirt/board_qemu_m.h. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asvirt/board_qemu_m.h"
#include "asvirt/cm_board.h"
#include "asvirt/elf.h"
#include "asvirt/errors.h"
#include "asvirt/posix.h"
#include "asvirt/proc.h"

#define EM_ARM_ 40
#define ET_EXEC_ 2
#define QEMU_FD_RAM 3
#define QEMU_FD_UART0 4
#define QEMU_FD_UART1 5
#define QEMU_FD_GDB 6

bool asv_board_qm_image(const struct asv_fw_image *img)
{
	/* An executable: an asvirt image for 32-bit ARM Linux is a .so
	 * (ET_DYN), dlopen()ed by the runner; this one QEMU loads. */
	return img->machine == EM_ARM_ && img->elf_class == 1 && img->elf_type == ET_EXEC_;
}

/* ---- the doorbell, both ways --------------------------------------------- */

static struct asv_board_qm *irq_board(struct asv_notifier *n)
{
	return (struct asv_board_qm *)((char *)n - offsetof(struct asv_board_qm, irq));
}

static struct asv_board_qm *kick_board(struct asv_notifier *n)
{
	return (struct asv_board_qm *)((char *)n - offsetof(struct asv_board_qm, kick));
}

/* Raised on this side (the role stopping, the boot's extra kick). */
static void irq_raise(struct asv_notifier *n)
{
	uint64_t one = 1;

	if (write(irq_board(n)->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		perror("asvirt: board irq");
}

/* Bytes from the MCU: each is an interrupt, all those waiting are one. */
static void take_bytes(struct asv_board_qm *b)
{
	uint8_t buf[256];
	ssize_t n, i;

	while ((n = recv(b->sock, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		for (i = 0; i < n; i++) {
			if (buf[i] == ASV_CM_DB_FAULT)
				__atomic_store_n(&b->fault, 1, __ATOMIC_RELEASE);
			else if (buf[i] == ASV_CM_DB_BOOTED)
				b->booted = 1;
		}
	if (n == 0)
		__atomic_store_n(&b->hup, 1, __ATOMIC_RELEASE);
}

/*
 * One console line to stderr in one write (the log's lines stay whole).
 * QEMU's own messages come down the same pipe: its warning that the
 * board's Ethernet has no network and its note that we stopped it say
 * nothing, the others are kept as "qemu: ...".
 */
static void console_flush(struct asv_board_qm *b)
{
	static const char qemu[] = "qemu-system-arm: ";
	char out[sizeof(b->con_line) + 80];
	const char *what = "console", *line = b->con_line;
	int n, len = (int)b->con_len;

	if (!b->con_len)
		return;
	b->con_line[b->con_len] = 0; /* room kept: console_take() */
	if (!strncmp(line, qemu, sizeof(qemu) - 1)) {
		b->con_len = 0;
		if (strstr(line, "has no peer") || strstr(line, "terminating on signal"))
			return;
		what = "qemu";
		line += sizeof(qemu) - 1;
		len -= (int)sizeof(qemu) - 1;
	}
	n = snprintf(out, sizeof(out), "asvirt: %s: %s: %.*s\n", b->name, what, len, line);
	if (n > 0)
		(void)!write(2, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
	b->con_len = 0;
}

/* What the MCU printed on UART1 (untrusted bytes: printable ones kept). */
static void console_take(struct asv_board_qm *b)
{
	char buf[512];
	ssize_t n, i;

	while ((n = read(b->con, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || b->con_len == sizeof(b->con_line) - 1)
				console_flush(b);
			if (buf[i] == '\n')
				continue;
			b->con_line[b->con_len++] =
			    (buf[i] >= 0x20 && buf[i] < 0x7f) || buf[i] == '\t' ? buf[i] : '?';
		}
	if (n == 0) {
		console_flush(b);
		b->con_eof = 1;
	}
}

static int irq_wait(struct asv_notifier *n, uint32_t timeout_ms)
{
	struct asv_board_qm *b = irq_board(n);
	struct pollfd pfd[3] = { { .fd = b->efd, .events = POLLIN },
				 { .fd = b->sock, .events = POLLIN },
				 { .fd = b->con_eof ? -1 : b->con, .events = POLLIN } };
	int to = timeout_ms > 1000000u ? -1 : (int)timeout_ms, r;
	uint64_t v;

	/* QEMU gone: only local raises are left to wait for. */
	if (__atomic_load_n(&b->hup, __ATOMIC_ACQUIRE))
		pfd[1].fd = -1;
	r = poll(pfd, 3, to);
	if (r > 0 && pfd[2].revents)
		console_take(b);
	if (r <= 0 || !(pfd[0].revents | pfd[1].revents))
		return -ASV_ETIMEDOUT;
	if (pfd[0].revents & POLLIN)
		(void)!read(b->efd, &v, sizeof(v));
	if (pfd[1].revents)
		take_bytes(b);
	return 0;
}

static void kick_send(struct asv_board_qm *b, uint8_t id)
{
	/* Never blocks: a full socket already holds bytes the MCU will take
	 * as interrupts, and it drains whole rings on each (FACTS.md). */
	if (send(b->sock, &id, 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		__atomic_add_fetch(&b->kicks_dropped, 1, __ATOMIC_RELAXED);
}

static void kick_raise(struct asv_notifier *n)
{
	kick_send(kick_board(n), 1); /* vring1: the host's messages */
}

static int kick_wait(struct asv_notifier *n, uint32_t timeout_ms)
{
	(void)n;
	(void)timeout_ms;
	return -ASV_ETIMEDOUT; /* the MCU's line: nobody here waits on it */
}

static void nop_destroy(struct asv_notifier *n)
{
	(void)n; /* the board owns both: asv_board_qm_close() */
}

/* The host role's env.notify: the notify id rides in the byte. */
static void board_notify(void *ctx, uint32_t notifyid)
{
	struct asv_proc *p =
	    (struct asv_proc *)((char *)ctx - offsetof(struct asv_proc, host_role));

	kick_send(p->board, (uint8_t)(notifyid <= ASV_CM_DB_MAX_NOTIFYID ? notifyid
									 : ASV_CM_DB_MAX_NOTIFYID));
}

int asv_board_qm_bind(struct asv_proc *p, char *why, size_t whylen)
{
	if (p->nvdevs != 1)
		return asv_whyf(why, whylen, -ASV_EINVAL,
				"the Cortex-M board's port serves one rpmsg vdev, the table has %u",
				p->nvdevs);
	/* env.ctx is the role itself (port/posix/role.c), inside the proc */
	if (p->host_role.env.ctx == &p->host_role)
		p->host_role.env.notify = board_notify;
	return 0;
}

/* ---- memory ------------------------------------------------------------------ */

int asv_board_qm_open_lines(struct asv_proc *p, char *why, size_t whylen)
{
	struct asv_board_qm *b = p->board;
	int sv[2], con[2];

	b->sock = b->qemu_sock = b->efd = b->con = b->qemu_con = -1;
	b->con_eof = 0;
	b->con_len = 0;
	b->name = p->name;
	b->hup = b->fault = b->booted = 0;
	b->irq =
	    (struct asv_notifier){ .raise = irq_raise, .wait = irq_wait, .destroy = nop_destroy };
	b->kick =
	    (struct asv_notifier){ .raise = kick_raise, .wait = kick_wait, .destroy = nop_destroy };
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return asv_whyf(why, whylen, -ASV_ENOMEM, "socketpair: %s", strerror(errno));
	b->sock = sv[0];
	b->qemu_sock = sv[1];
	fcntl(b->sock, F_SETFL, O_NONBLOCK);
	if (pipe2(con, O_CLOEXEC))
		return asv_whyf(why, whylen, -ASV_ENOMEM, "pipe: %s", strerror(errno));
	b->con = con[0];
	b->qemu_con = con[1];
	fcntl(b->con, F_SETFL, O_NONBLOCK);
	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->efd < 0)
		return asv_whyf(why, whylen, -ASV_ENOMEM, "eventfd: %s", strerror(errno));
	p->host_irq = &b->irq;
	p->remote_irq = &b->kick;
	return 0;
}

int asv_board_qm_setup(struct asv_proc *p, char *why, size_t whylen)
{
	struct asv_board_qm *b = p->board;

	b->sock = b->qemu_sock = b->efd = b->con = b->qemu_con = -1;
	/* The board's whole RAM: QEMU wants the backend its size. */
	p->map_size = ASV_CM_RAM_SIZE;
	p->memfd = memfd_create(p->name, MFD_CLOEXEC);
	if (p->memfd < 0 || ftruncate(p->memfd, (off_t)p->map_size))
		return asv_whyf(why, whylen, -ASV_ENOMEM, "memfd: %s", strerror(errno));
	p->map = mmap(NULL, p->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->memfd, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		return asv_whyf(why, whylen, -ASV_ENOMEM, "mmap: %s", strerror(errno));
	}
	p->ctl = NULL; /* no runner control page: the board has its own signals */
	p->region = (struct asv_mem_region){ p->map, ASV_CM_WINDOW_BASE, ASV_CM_WINDOW_SIZE };
	return asv_board_qm_open_lines(p, why, whylen);
}

/* ---- QEMU -------------------------------------------------------------------- */

int asv_board_qm_listen_gdb(struct asv_board_qm *b, char *why, size_t whylen)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)b->gdb_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) }; /* not the network */
	int one = 1;

	b->gdb_sock = -1;
	if (!b->gdb_port)
		return 0;
	b->gdb_sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (b->gdb_sock < 0 ||
	    setsockopt(b->gdb_sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(b->gdb_sock, (struct sockaddr *)&a, sizeof(a)) || listen(b->gdb_sock, 1)) {
		int e = errno;

		if (b->gdb_sock >= 0)
			close(b->gdb_sock);
		b->gdb_sock = -1;
		return asv_whyf(why, whylen, -ASV_EBUSY,
				"--gdb %u: cannot listen on 127.0.0.1:%u: %s", b->gdb_port,
				b->gdb_port, strerror(e));
	}
	return 0;
}

void asv_board_qm_free(struct asv_board_qm *b)
{
	if (b && b->gdb_sock >= 0)
		close(b->gdb_sock);
	free(b);
}

pid_t asv_board_qm_spawn(struct asv_proc *p)
{
	struct asv_board_qm *b = p->board;
	const char *qemu = getenv("ASVIRT_QEMU_ARM");
	char ram[160], uart0[64], gdb[64], *argv[40];
	int n = 0, fds[4] = { p->memfd, b->qemu_sock, b->qemu_con, b->gdb_sock }, i, nul;
	int nfds = b->gdb_port ? 4 : 3;
	pid_t pid, parent = getpid();

	if (!qemu || !*qemu)
		qemu = "qemu-system-arm";
	snprintf(ram, sizeof(ram),
		 "memory-backend-file,id=ram,mem-path=/proc/self/fd/%d,share=on,size=%u",
		 QEMU_FD_RAM, ASV_CM_RAM_SIZE);
	snprintf(uart0, sizeof(uart0), "socket,id=doorbell,fd=%d", QEMU_FD_UART0);
	snprintf(gdb, sizeof(gdb), "socket,id=gdb,fd=%d,server=on,wait=off", QEMU_FD_GDB);
	argv[n++] = (char *)qemu;
	argv[n++] = "-M";
	argv[n++] = "mps2-an386";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-monitor";
	argv[n++] = "none";
	argv[n++] = "-nodefaults";
	argv[n++] = "-net";
	argv[n++] = "none";
	argv[n++] = "-kernel";
	argv[n++] = p->img.path;
	argv[n++] = "-object";
	argv[n++] = ram;
	argv[n++] = "-machine";
	argv[n++] = "memory-backend=ram";
	argv[n++] = "-chardev";
	argv[n++] = uart0;
	argv[n++] = "-serial";
	argv[n++] = "chardev:doorbell"; /* UART0 */
	argv[n++] = "-chardev";
	argv[n++] = "file,id=console,path=/proc/self/fd/5"; /* QEMU_FD_UART1 */
	argv[n++] = "-serial";
	argv[n++] = "chardev:console"; /* UART1 */
	if (b->gdb_port) {
		argv[n++] = "-chardev";
		argv[n++] = gdb;
		argv[n++] = "-gdb";
		argv[n++] = "chardev:gdb";
		argv[n++] = "-S";
	}
	argv[n] = NULL;
	pid = fork();
	if (pid != 0) {
		close(b->qemu_sock); /* QEMU has them now (or never will) */
		close(b->qemu_con);
		b->qemu_sock = b->qemu_con = -1;
		return pid;
	}
	/* child: async-signal-safe calls only until exec */
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* no QEMU outlives asvirt */
	if (getppid() != parent)
		_exit(126);
	for (i = 0; i < nfds; i++)
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
	for (i = 0; i < nfds; i++)
		if (fds[i] < 0 || dup2(fds[i], QEMU_FD_RAM + i) < 0)
			_exit(126);
	nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		if (nul > 2)
			close(nul);
	}
	dup2(QEMU_FD_UART1, 2); /* QEMU's own messages: through the console pipe */
	execvp(qemu, argv);
	_exit(127);
}

int asv_board_qm_wait_booted(struct asv_proc *p, uint64_t end_ms, char *why, size_t whylen)
{
	struct asv_board_qm *b = p->board;
	int status;

	while (!b->booted) {
		struct pollfd pfd[2] = { { .fd = b->sock, .events = POLLIN },
					 { .fd = b->con_eof ? -1 : b->con, .events = POLLIN } };
		pid_t r;

		if (poll(pfd, 2, 5) > 0) {
			if (pfd[1].revents)
				console_take(b);
			if (pfd[0].revents)
				take_bytes(b);
		}
		if (__atomic_load_n(&b->fault, __ATOMIC_ACQUIRE))
			return asv_whyf(why, whylen, -ASV_EIO,
					"the MCU stopped on a fault during boot (see its console)");
		if (b->booted)
			break;
		r = waitpid(p->pid, &status, WNOHANG);
		if (r == p->pid) {
			p->pid = 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
				return asv_whyf(why, whylen, -ASV_ENOENT,
						"cannot run qemu-system-arm (scripts/deps.sh "
						"cortexm, or set ASVIRT_QEMU_ARM)");
			return asv_whyf(why, whylen, -ASV_EIO, "QEMU %s %d during boot",
					WIFSIGNALED(status) ? "killed by signal" : "exited with",
					WIFSIGNALED(status) ? WTERMSIG(status)
							    : WEXITSTATUS(status));
		}
		/* Halted for gdb: the MCU boots when the debugger says so. */
		if (!b->gdb_port && asv_posix_now_ms() >= end_ms)
			return asv_whyf(why, whylen, -ASV_ETIMEDOUT,
					"the MCU did not come up in time (see its console)");
	}
	return 0;
}

/* The trace's last "fatal: " line (the port's fault report): the shared
 * buffer copied once (asv_proc_trace reads each byte once, bounded). */
static void fault_line(struct asv_proc *p, char *out, size_t n)
{
	char *t = malloc((size_t)p->rproc.trace_len + 1);
	const char *line, *last = NULL;
	size_t k;

	out[0] = 0;
	if (!t)
		return;
	/* monitor thread, proc lock held: copy without asv_proc_trace's lock */
	for (k = 0; k < p->rproc.trace_len && p->rproc.trace_va; k++) {
		t[k] = __atomic_load_n((const char *)p->rproc.trace_va + k, __ATOMIC_RELAXED);
		if (!t[k])
			break;
	}
	t[k] = 0;
	for (line = t; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, "fatal: ", 7))
			last = line + 7;
	for (k = 0; last && last[k] && last[k] != '\n' && k + 1 < n; k++)
		out[k] = last[k] >= 0x20 && last[k] < 0x7f ? last[k] : '?';
	if (last)
		out[k] = 0;
	free(t);
}

int asv_board_qm_failed(struct asv_proc *p, char *why, size_t whylen)
{
	struct asv_board_qm *b = p->board;

	char fatal[160] = "";

	if (!__atomic_load_n(&b->fault, __ATOMIC_ACQUIRE))
		return 0;
	fault_line(p, fatal, sizeof(fatal));
	snprintf(why, whylen, "the MCU stopped: %s", fatal[0] ? fatal : "fault (see its trace)");
	return 1;
}

uint32_t asv_board_qm_heartbeat(struct asv_proc *p)
{
	const uint32_t *hb =
	    (const uint32_t *)((const char *)p->map + ASV_CM_WINDOW_SIZE + ASV_CM_HEARTBEAT_OFF);

	if (p->board->gdb_port)
		return p->last_hb + 1;
	return __atomic_load_n(hb, __ATOMIC_RELAXED);
}

void asv_board_qm_close(struct asv_proc *p)
{
	struct asv_board_qm *b = p->board;

	if (b->sock >= 0)
		close(b->sock);
	if (b->qemu_sock >= 0)
		close(b->qemu_sock);
	if (b->efd >= 0)
		close(b->efd);
	if (b->con >= 0) {
		if (!b->con_eof)
			console_take(b); /* QEMU is gone: its last words */
		close(b->con);
	}
	if (b->qemu_con >= 0)
		close(b->qemu_con);
	b->sock = b->qemu_sock = b->efd = b->con = b->qemu_con = -1;
}
