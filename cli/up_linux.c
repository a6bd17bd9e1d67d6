// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt up --linux FIRMWARE.so: Linux in QEMU is the host, the firmware
 * runs on the PC in its own process (asvirt-fw-runner), and asvirt is the
 * bridge between them (x86_64 `pc`; --arch arm: 32-bit ARM `virt`, where
 * the rpmsg buffers sit in BAR2 too, see below):
 *
 *   QEMU guest (Linux 6.1)                      PC
 *   virtio_rpmsg_bus, rpmsg_char                asvirt-fw-runner + FIRMWARE.so
 *   kernel/asvirt_ivshmem.ko                    (asvirt's remote role)
 *     BAR2 ---------- shared block memfd ------- control page, table, vrings
 *     guest RAM ----- guest RAM memfd ---------- rpmsg buffers (checked window)
 *     doorbell (peer 0, vector 0) -- eventfd --> the runner's interrupt
 *     MSI-X vector 0 <-------------- eventfd --- the runner's notify
 *     MSI-X vector 1 <-------------- eventfd --- this process: the firmware died
 *
 * This process makes the shared block (asvirt/shmctl.h, the firmware's
 * resource table loaded into it as asvirt's host does), both eventfds and
 * the guest's RAM, serves QEMU's ivshmem-doorbell over a Unix socket
 * (asvirt/ivshmem.h), starts the runner, then QEMU, and waits for QEMU.
 * When the firmware process dies (kill -9, a crash), the guest is told
 * through MSI-X vector 1 and goes through remoteproc's crash recovery
 * (rproc_report_crash); the vdev's status is cleared here first, and a new
 * firmware process starts once the recovered vdev reaches DRIVER_OK again
 * (so it never links up on the dead instance's rings).
 *
 * --arch arm: qemu-system-arm -M virt,highmem=off. ARM kernels have
 * dma_declare_coherent_memory (DMA_DECLARE_COHERENT), so the control page
 * offers a buffer carveout after the region (ctl.bufs_off/bufs_size), the
 * guest driver registers it as vdev0buffer and virtio_rpmsg_bus allocates
 * its buffers there (remoteproc_virtio.c rproc_add_virtio_dev): the
 * firmware process reaches everything through BAR2, and the guest's RAM is
 * plain QEMU memory, no memfd.
 *
 * --arch arm with a Cortex-M image (FW.elf, the mps2-an386 board of
 * `asvirt up FW.elf`, asvirt/board_qemu_m.h): the board's RAM memfd is
 * BAR2 itself (16 MiB, a power of two), so nothing is copied. The MCU's
 * window (MCU address 0x21000000 = BAR2 offset 0) holds the region with
 * the loaded table, then the buffer carveout; the header sits in BAR2's
 * last page (the driver looks there when offset 0 is no header). Linux's
 * descriptors carry BAR2's bus addresses: the MCU learns the buffer
 * window from vring0 as the runner does (the bridge words of the board
 * page, cm_board.h). This process forwards the doorbells: a guest kick
 * (peer 0's eventfd) becomes a UART0 byte into the board, the board's
 * UART0 bytes become MSI-X vector 0; QEMU-M dying, or the MCU's fault
 * byte, is a crash as the runner's death is, and a new QEMU-M starts at
 * the recovered vdev's DRIVER_OK.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asvirt/board_qemu_m.h"
#include "asvirt/cm_board.h"
#include "asvirt/errors.h"
#include "asvirt/fault.h"
#include "asvirt/ivshmem.h"
#include "asvirt/posix.h"
#include "asvirt/proc.h"
#include "asvirt/rproc.h"
#include "asvirt/shmctl.h"
#include "cli.h"

/* BAR2 must be a power of two (QEMU's pci_register_bar): x86_64 the
 * region only, arm the region then the buffer carveout (virtio_rpmsg_bus.c:
 * at most MAX_RPMSG_NUM_BUFS (512) buffers of 512 bytes). */
#define SHM_SIZE (2u << 20)
#define SHM_SIZE_ARM (4u << 20)
#define BUFS_OFF_ARM SHM_SIZE
#define BUFS_SIZE_ARM (256u << 10)
/* A Cortex-M image: BAR2 = the board's RAM; in its 1 MiB window the
 * region (table, trace, vrings) then the buffer carveout. */
#define CM_REGION_SIZE (512u << 10)
#define CM_BUFS_OFF CM_REGION_SIZE
#define CM_BUFS_SIZE BUFS_SIZE_ARM
/* No heartbeat from the board this long: hung (asvirt up's --watchdog default) */
#define BOARD_WATCHDOG_MS 2000u
#define GUEST_ID 1
#define FW_PEER 0
/* MSI-X vectors: 0 the vrings (both ways), 1 the firmware died. */
#define NVEC 2
/* The runner's fds (as proc.c's, plus the guest's RAM). */
#define FD_SHM 3
#define FD_IRQ 4
#define FD_PEER 5
#define FD_RAM 6
/* QEMU's guest RAM fd. */
#define FD_QEMU_RAM 3

struct linux_up {
	const char *fw, *kernel, *initrd, *append, *console_log, *accel, *log_level, *fault;
	unsigned int mem_mb;
	int arm;		    /* --arch arm: ARM virt, buffers in BAR2 */
	int cm;			    /* a Cortex-M image: the QEMU board is the remote */
	struct asv_proc board_proc; /* its board (board only: no host role) */
	struct asv_board_qm board;
	int board_fault_told;
	uint32_t board_hb; /* the heartbeat last seen, and when */
	uint64_t board_hb_ms;
	uint32_t shm_size;
	char runner[PATH_MAX];
	char dir[PATH_MAX], sock[PATH_MAX + 32];
	int shm_fd, ram_fd, lfd, conn;
	int efd_fw[NVEC], efd_guest[NVEC];
	struct asv_shm_ctl *ctl;
	uint8_t *vdev_status; /* the rpmsg vdev's, in the loaded table */
	unsigned int restarts;
	int recovering; /* the firmware died: restart at the next DRIVER_OK */
	pid_t runner_pid, qemu_pid;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: asvirt up --linux [options] FIRMWARE.so\n"
		   "       asvirt up --linux --arch arm [options] FIRMWARE.elf\n\n"
		   "Boots the project's Linux in QEMU with kernel/asvirt_ivshmem.ko, whose\n"
		   "remote processor is FIRMWARE.so running on this PC in its own process\n"
		   "(asvirt-fw-runner), or a Cortex-M image on QEMU's mps2-an386 board\n"
		   "(--arch arm only), bridged over QEMU's ivshmem-doorbell device.\n\n"
		   "  --arch x86_64|arm   the guest: x86_64 pc (default) or 32-bit ARM virt\n"
		   "                      (-M virt,highmem=off -smp 2..4, the host's cores;\n"
		   "                      rpmsg buffers in BAR2)\n"
		   "  --kernel IMAGE --initrd CPIO  default: built by qemu/prepare.sh\n"
		   "  --append ARGS       more kernel command line\n"
		   "  --console-log FILE  the guest's console into FILE (default: this terminal)\n"
		   "  --accel tcg|kvm     default tcg\n"
		   "  --mem MB            guest RAM (default 512; at most 2048)\n"
		   "  --log-level L       the firmware process's (default warning)\n"
		   "  --fault SPEC        the firmware misbehaves on purpose (asvirt up --help,\n"
		   "                      docs/faults.md); a restart does not crash again\n");
}

/* The kernel and initramfs qemu/prepare.sh builds (cached): its last two lines. */
static int prepare(struct linux_up *u, char *kernel, char *initrd, size_t n)
{
	char cmd[PATH_MAX + 64], line[PATH_MAX];
	FILE *p;
	int got = 0;

	snprintf(cmd, sizeof(cmd), "ARCH=%s bash '%s/qemu/prepare.sh'", u->arm ? "arm" : "x86_64",
		 ASVIRT_SOURCE_DIR);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "kernel ", 7))
			got |= 1, snprintf(kernel, n, "%s", line + 7);
		else if (!strncmp(line, "initrd ", 7))
			got |= 2, snprintf(initrd, n, "%s", line + 7);
	}
	if (pclose(p) || got != 3)
		return -1;
	u->kernel = kernel;
	u->initrd = initrd;
	return 0;
}

/*
 * A Cortex-M image: the board's RAM (its memfd, mapped here) becomes the
 * shared block; the region at its start, MCU address = da.
 */
static int board_block(struct linux_up *u, const struct asv_fw_image *img,
		       struct asv_mem_region *region)
{
	struct asv_proc *p = &u->board_proc;
	uint32_t *page;
	char why[256];

	if (!u->arm) {
		fprintf(stderr,
			"asvirt up: %s is a Cortex-M image: it needs --arch arm (ARM virt, "
			"where Linux's rpmsg buffers can sit in BAR2)\n",
			u->fw);
		return -ASV_EINVAL;
	}
	if (u->fault) {
		fprintf(stderr, "asvirt up: --fault is not for a Cortex-M image\n");
		return -ASV_EINVAL;
	}
	p->board = &u->board;
	snprintf(p->name, sizeof(p->name), "firmware");
	snprintf(p->img.path, sizeof(p->img.path), "%s", img->path);
	if (asv_board_qm_setup(p, why, sizeof(why))) {
		fprintf(stderr, "asvirt up: the Cortex-M board: %s\n", why);
		return -ASV_ENOMEM;
	}
	u->shm_fd = p->memfd;
	u->shm_size = ASV_CM_RAM_SIZE;
	u->ctl = (struct asv_shm_ctl *)((uint8_t *)p->map + ASV_CM_RAM_SIZE - ASV_SHM_CTL_SIZE);
	*region = (struct asv_mem_region){ p->map, ASV_CM_WINDOW_BASE, CM_REGION_SIZE };
	page = (uint32_t *)((uint8_t *)p->map + ASV_CM_WINDOW_SIZE);
	page[ASV_CM_BRIDGE_BUFS_OFF / 4] = CM_BUFS_OFF;
	page[ASV_CM_BRIDGE_BUFS_SIZE / 4] = CM_BUFS_SIZE;
	page[ASV_CM_BRIDGE_MAGIC_OFF / 4] = ASV_CM_BRIDGE_MAGIC;
	return 0;
}

/*
 * The shared block: control page, then the region with the loaded table
 * (a Cortex-M image: the region, the buffers, the control page last).
 */
static int make_block(struct linux_up *u)
{
	struct asv_mem_region region;
	struct asv_fw_image img;
	struct asv_env env;
	static struct asv_rproc rp;
	char why[512];
	void *map;
	int err;

	err = asv_fw_image_load(&img, u->fw, why, sizeof(why));
	if (err) {
		fprintf(stderr, "asvirt up: %s\n", why);
		return err;
	}
	u->cm = asv_board_qm_image(&img);
	if (u->cm) {
		err = board_block(u, &img, &region);
		if (err) {
			asv_fw_image_free(&img);
			return err;
		}
	} else {
		u->shm_fd = memfd_create("asvirt-bar2", MFD_CLOEXEC);
		if (u->shm_fd < 0 || ftruncate(u->shm_fd, u->shm_size) ||
		    (map = mmap(NULL, u->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, u->shm_fd,
				0)) == MAP_FAILED) {
			perror("asvirt up: shared block");
			asv_fw_image_free(&img);
			return -ASV_ENOMEM;
		}
		u->ctl = map;
		region = (struct asv_mem_region){ (uint8_t *)map + ASV_SHM_CTL_SIZE,
						  ASV_SHM_DA_DEFAULT, SHM_SIZE - ASV_SHM_CTL_SIZE };
	}
	memset(&env, 0, sizeof(env));
	env.log = asv_posix_log_stderr;
	env.log_ctx = "asvirt up";
	env.log_level = ASV_LOG_WARN;
	err = asv_rproc_load(&rp, &region, img.table, img.table_size, &env);
	asv_fw_image_free(&img);
	if (err)
		return err;
	u->vdev_status = &rp.vdev->status;
	/* where the MCU's fault report is read (asv_board_qm_failed) */
	u->board_proc.rproc.trace_va = rp.trace_va;
	u->board_proc.rproc.trace_len = rp.trace_len;
	u->ctl->version = ASV_SHM_VERSION;
	u->ctl->shm_size = u->shm_size;
	u->ctl->region_off = u->cm ? 0 : ASV_SHM_CTL_SIZE;
	u->ctl->region_size = region.size;
	u->ctl->region_da = region.da;
	u->ctl->table_size = (uint32_t)rp.table_size;
	u->ctl->doorbell = ASV_DOORBELL_EVENTFD;
	u->ctl->ivshmem_peer = FW_PEER;
	if (u->cm) {
		u->ctl->bufs_off = CM_BUFS_OFF;
		u->ctl->bufs_size = CM_BUFS_SIZE;
	} else if (u->arm) {
		u->ctl->bufs_off = BUFS_OFF_ARM;
		u->ctl->bufs_size = BUFS_SIZE_ARM;
	}
	/* the magic last: the guest driver binds only a complete header */
	__atomic_store_n(&u->ctl->magic, ASV_SHM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

/* fork + exec with @fds[i] as fd 3 + i (async-signal-safe in the child). */
static pid_t spawn(char *const argv[], const int *fds, int nfds)
{
	int tmp[8], i;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	for (i = 0; i < nfds; i++)
		tmp[i] = fcntl(fds[i], F_DUPFD, 16);
	for (i = 0; i < nfds; i++)
		if (tmp[i] < 0 || dup2(tmp[i], 3 + i) < 0)
			_exit(126);
	for (i = 0; i < nfds; i++)
		close(tmp[i]);
	execvp(argv[0], argv);
	_exit(127);
}

static int start_runner(struct linux_up *u)
{
	static char fault[ASV_FAULT_SPEC_MAX + 1];
	struct asv_fault_plan plan;
	char *argv[24];
	int n = 0;
	int fds[] = { u->shm_fd, u->efd_fw[0], u->efd_guest[0], u->ram_fd };
	uint64_t end = asv_posix_now_ms() + 10000;
	uint32_t st;

	argv[n++] = u->runner;
	argv[n++] = "--name";
	argv[n++] = "firmware";
	argv[n++] = "--shm-fd";
	argv[n++] = "3";
	argv[n++] = "--doorbell";
	argv[n++] = "eventfd";
	argv[n++] = "--irq-fd";
	argv[n++] = "4";
	argv[n++] = "--peer-fd";
	argv[n++] = "5";
	argv[n++] = "--log-level";
	argv[n++] = (char *)u->log_level;
	/* ARM: no guest RAM, the buffers are in the block (ctl.bufs_size) */
	if (!u->arm) {
		argv[n++] = "--guest-ram-fd";
		argv[n++] = "6";
	}
	/* --fault: as asvirt up's, less crash-after once restarted */
	memset(&plan, 0, sizeof(plan));
	if (u->fault && !asv_fault_parse(&plan, u->fault, NULL, 0)) {
		if (u->restarts)
			plan.crash_after = 0;
		if (asv_fault_active(&plan)) {
			asv_fault_format(&plan, fault, sizeof(fault));
			argv[n++] = "--fault";
			argv[n++] = fault;
		}
	}
	argv[n++] = (char *)u->fw;
	argv[n] = NULL;
	u->runner_pid = spawn(argv, fds, u->arm ? 3 : 4);
	if (u->runner_pid < 0)
		return -ASV_ENOMEM;
	while ((st = __atomic_load_n(&u->ctl->state, __ATOMIC_ACQUIRE)) != ASV_RUNNER_RUNNING) {
		int status;

		if (waitpid(u->runner_pid, &status, WNOHANG) == u->runner_pid)
			u->runner_pid = 0;
		if (st == ASV_RUNNER_FAILED || !u->runner_pid || asv_posix_now_ms() > end) {
			fprintf(stderr, "asvirt up: the firmware process did not start\n");
			return -ASV_EIO;
		}
		usleep(2000);
	}
	printf("asvirt up: firmware %s running, pid %d\n", u->fw, (int)u->runner_pid);
	fflush(stdout);
	return 0;
}

/*
 * A Cortex-M image: QEMU's mps2-an386 on the block's memfd (fresh
 * doorbells each time), until the MCU says it listens. Its notifies
 * before that (a restart links up at once: DRIVER_OK is set) were taken
 * with the boot byte: the guest gets one interrupt for them (a spurious
 * one costs nothing, asvivs_irq_thread).
 */
static int start_board(struct linux_up *u)
{
	struct asv_proc *p = &u->board_proc;
	uint64_t one = 1;
	char why[256];

	u->board_fault_told = 0;
	if (u->board.sock < 0 && asv_board_qm_open_lines(p, why, sizeof(why))) {
		fprintf(stderr, "asvirt up: the Cortex-M board: %s\n", why);
		return -ASV_ENOMEM;
	}
	p->pid = asv_board_qm_spawn(p);
	u->runner_pid = p->pid;
	if (p->pid < 0) {
		u->runner_pid = p->pid = 0;
		return -ASV_ENOMEM;
	}
	if (asv_board_qm_wait_booted(p, asv_posix_now_ms() + 10000, why, sizeof(why))) {
		fprintf(stderr, "asvirt up: the Cortex-M board did not boot: %s\n", why);
		u->runner_pid = p->pid;
		return -ASV_EIO;
	}
	u->board_hb = asv_board_qm_heartbeat(p); /* the watchdog from here */
	u->board_hb_ms = asv_posix_now_ms();
	if (write(u->efd_guest[0], &one, sizeof(one)) != sizeof(one))
		perror("asvirt up: vring vector");
	printf("asvirt up: firmware %s (QEMU mps2-an386) running, pid %d\n", u->fw,
	       (int)u->runner_pid);
	fflush(stdout);
	return 0;
}

static int start_firmware(struct linux_up *u)
{
	return u->cm ? start_board(u) : start_runner(u);
}

/*
 * The Cortex-M board's doorbells and the guest's, for up to @timeout_ms: a
 * guest kick (peer 0's vector 0 eventfd) becomes a UART0 byte (the MCU's
 * port looks at every ring on each), bytes from the MCU an MSI-X vector 0
 * interrupt (asvivs_irq_thread looks at every vring); its console lines go
 * to the log. A kick while no MCU runs is dropped: the next MCU's first
 * look at the rings finds its work.
 */
static void board_pump(struct linux_up *u, int timeout_ms)
{
	struct asv_board_qm *b = &u->board;
	int up = u->runner_pid > 0;
	struct pollfd pfd[3] = {
		{ .fd = u->efd_fw[0], .events = POLLIN },
		{ .fd = up && !__atomic_load_n(&b->hup, __ATOMIC_ACQUIRE) ? b->sock : -1,
		  .events = POLLIN },
		{ .fd = up && !b->con_eof ? b->con : -1, .events = POLLIN },
	};
	uint64_t v, one = 1;

	if (poll(pfd, 3, timeout_ms) <= 0)
		return;
	if (pfd[0].revents & POLLIN) {
		if (read(u->efd_fw[0], &v, sizeof(v)) != sizeof(v))
			perror("asvirt up: guest kick");
		if (up)
			b->kick.raise(&b->kick);
	}
	if ((pfd[1].revents | pfd[2].revents) && !b->irq.wait(&b->irq, 0) &&
	    write(u->efd_guest[0], &one, sizeof(one)) != sizeof(one))
		perror("asvirt up: vring vector");
}

/*
 * The ARM guest's vCPUs: as many as the host has cores, 2 to 4. TCG runs
 * each vCPU in a host thread; with more vCPUs than cores a vCPU spinning on
 * a lock waits for its holder to be scheduled again (the ARM QEMU suite
 * took twice the time and three times the CPU with 4 vCPUs on 2 cores).
 */
static const char *arm_vcpus(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	return cores >= 4 ? "4" : cores == 3 ? "3" : "2";
}

/*
 * x86_64: `pc`, its RAM the memfd the runner maps (guest physical = file
 * offset below the PCI hole). arm: `virt` without LPAE addresses
 * (highmem=off keeps ECAM and the PCI windows below 4 GB for the non-LPAE
 * kernel), Cortex-A15 x 2..4 (arm_vcpus), plain RAM (the buffers are in BAR2).
 */
static int start_qemu(struct linux_up *u)
{
	char mem[32], ram[160], chardev[PATH_MAX + 64], serial[PATH_MAX + 16];
	char append[2048];
	char *argv[48];
	int n = 0, fds[] = { u->ram_fd };

	snprintf(mem, sizeof(mem), "%u", u->mem_mb);
	snprintf(ram, sizeof(ram),
		 "memory-backend-file,id=ram,size=%uM,mem-path=/proc/self/fd/%d,share=on",
		 u->mem_mb, FD_QEMU_RAM);
	snprintf(chardev, sizeof(chardev), "socket,path=%s,id=ivs", u->sock);
	snprintf(append, sizeof(append), "console=%s panic=-1 loglevel=7 asvirt.bridge=1%s%s",
		 u->arm ? "ttyAMA0" : "ttyS0", u->append ? " " : "", u->append ? u->append : "");
	if (u->arm) {
		argv[n++] = "qemu-system-arm";
		argv[n++] = "-machine";
		argv[n++] = "virt,highmem=off";
		argv[n++] = "-cpu";
		argv[n++] = "cortex-a15";
		argv[n++] = "-smp";
		argv[n++] = (char *)arm_vcpus();
	} else {
		argv[n++] = "qemu-system-x86_64";
		argv[n++] = "-smp";
		argv[n++] = "2";
		argv[n++] = "-object";
		argv[n++] = ram;
		argv[n++] = "-machine";
		argv[n++] = "pc,memory-backend=ram";
	}
	argv[n++] = "-accel";
	argv[n++] = (char *)u->accel;
	argv[n++] = "-m";
	argv[n++] = mem;
	argv[n++] = "-chardev";
	argv[n++] = chardev;
	argv[n++] = "-device";
	argv[n++] = "ivshmem-doorbell,chardev=ivs,vectors=2";
	argv[n++] = "-nographic";
	argv[n++] = "-no-reboot";
	argv[n++] = "-kernel";
	argv[n++] = (char *)u->kernel;
	argv[n++] = "-initrd";
	argv[n++] = (char *)u->initrd;
	argv[n++] = "-append";
	argv[n++] = append;
	if (u->console_log) {
		snprintf(serial, sizeof(serial), "file:%s", u->console_log);
		argv[n++] = "-serial";
		argv[n++] = serial;
		argv[n++] = "-monitor";
		argv[n++] = "none";
		argv[n++] = "-display";
		argv[n++] = "none";
	}
	argv[n] = NULL;
	u->qemu_pid = spawn(argv, fds, u->arm ? 0 : 1);
	return u->qemu_pid < 0 ? -ASV_ENOMEM : 0;
}

/* QEMU connects while it realizes the device and waits for the greeting. */
static int greet_qemu(struct linux_up *u)
{
	struct pollfd p = { .fd = u->lfd, .events = POLLIN };
	uint64_t end = asv_posix_now_ms() + 30000;
	int status;

	while (poll(&p, 1, 100) <= 0) {
		if (waitpid(u->qemu_pid, &status, WNOHANG) == u->qemu_pid) {
			u->qemu_pid = 0;
			fprintf(stderr, "asvirt up: QEMU exited before it connected\n");
			return -ASV_EIO;
		}
		if (asv_posix_now_ms() > end) {
			fprintf(stderr, "asvirt up: QEMU did not connect to %s\n", u->sock);
			return -ASV_ETIMEDOUT;
		}
	}
	u->conn = accept4(u->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (u->conn < 0)
		return -ASV_EIO;
	return asv_ivshmem_greet(u->conn, GUEST_ID, u->shm_fd, FW_PEER, u->efd_fw, u->efd_guest,
				 NVEC);
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * What `asvirt status` shows of this session (up_linux_print_sessions):
 * both sides in a small text file in the session's directory, replaced
 * whole (rename) at every change.
 */
static void write_session(const struct linux_up *u, const char *fw_state)
{
	const struct up_linux_session s = { .qemu_pid = (int)u->qemu_pid,
					    .machine = u->arm ? "arm virt" : "x86_64 pc",
					    .accel = u->accel,
					    .mem_mb = u->mem_mb,
					    .sock = u->sock,
					    .fw = u->fw,
					    .fw_pid = (int)u->runner_pid,
					    .fw_state = fw_state,
					    .restarts = u->restarts };

	if (up_linux_session_write(u->dir, &s))
		fprintf(stderr,
			"asvirt up: %s/session not written: asvirt status will not show it\n",
			u->dir);
}

/*
 * The firmware process died: its vdev's status is cleared (so the next
 * runner cannot link up on the dead instance's rings: it waits for the
 * DRIVER_OK of the recovered vdev), then the guest is told through MSI-X
 * vector 1 and goes through remoteproc's crash recovery.
 */
static void firmware_died(struct linux_up *u, int status)
{
	uint64_t one = 1;

	fprintf(stderr, "asvirt up: the firmware process %s %d\n",
		WIFSIGNALED(status) ? "was killed by signal" : "exited with",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	u->runner_pid = 0;
	if (u->cm) {
		u->board_proc.pid = 0;
		asv_board_qm_close(&u->board_proc); /* QEMU's last console lines too */
	}
	__atomic_store_n(u->vdev_status, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&u->ctl->state, ASV_RUNNER_BOOTING, __ATOMIC_RELEASE);
	if (write(u->efd_guest[1], &one, sizeof(one)) != sizeof(one))
		perror("asvirt up: crash vector");
	u->recovering = 1;
	write_session(u, "dead, the guest recovers (restart at its DRIVER_OK)");
}

/* The MCU stopped on a fault (its console and trace say why) or closed
 * its doorbell: QEMU-M is as good as dead. */
static int board_stopped(struct linux_up *u)
{
	uint32_t hb = asv_board_qm_heartbeat(&u->board_proc);
	uint64_t now = asv_posix_now_ms();
	char why[200];

	if (asv_board_qm_failed(&u->board_proc, why, sizeof(why))) {
		if (!u->board_fault_told)
			fprintf(stderr, "asvirt up: %s\n", why);
		u->board_fault_told = 1;
		return 1;
	}
	/* The board page's SysTick count, as asvirt up FW.elf watches it: one
	 * that stops is an MCU hung with interrupts masked (a callback that
	 * never returns). The guest can write it too: it can keep a hung MCU
	 * alive no longer than its own writes, and cannot stop a live one. */
	if (hb != u->board_hb) {
		u->board_hb = hb;
		u->board_hb_ms = now;
	} else if (now - u->board_hb_ms > BOARD_WATCHDOG_MS) {
		if (!u->board_fault_told)
			fprintf(stderr, "asvirt up: the MCU hung: no heartbeat for %u ms\n",
				BOARD_WATCHDOG_MS);
		u->board_fault_told = 1;
		return 1;
	}
	return __atomic_load_n(&u->board.hup, __ATOMIC_ACQUIRE);
}

/* Until QEMU exits (or SIGTERM/SIGINT: cleanup() stops QEMU); a firmware
 * process that dies is restarted once the guest recovered its vdev. */
static int wait_qemu(struct linux_up *u)
{
	int status, rc = 1, stopped;

	while (!stop_requested) {
		if (u->cm)
			board_pump(u, u->recovering ? 5 : 50);
		stopped = u->cm && u->runner_pid > 0 && board_stopped(u);
		if (stopped)
			kill(u->runner_pid, SIGKILL); /* reaped at once: a crash */
		if (u->runner_pid > 0 &&
		    waitpid(u->runner_pid, &status, stopped ? 0 : WNOHANG) == u->runner_pid)
			firmware_died(u, status);
		if (u->recovering && (__atomic_load_n(u->vdev_status, __ATOMIC_ACQUIRE) &
				      ASV_VIRTIO_STATUS_DRIVER_OK)) {
			u->recovering = 0;
			u->restarts++;
			if (start_firmware(u)) {
				fprintf(stderr, "asvirt up: the firmware did not restart\n");
				write_session(u, "did not restart");
			} else {
				write_session(u, "running");
			}
		}
		if (waitpid(u->qemu_pid, &status, WNOHANG) == u->qemu_pid) {
			u->qemu_pid = 0;
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
			break;
		}
		if (!u->cm)
			usleep(u->recovering ? 5000 : 50000);
	}
	return rc;
}

static void cleanup(struct linux_up *u)
{
	char path[PATH_MAX + 48];
	int status;

	if (u->qemu_pid > 0) {
		kill(u->qemu_pid, SIGTERM);
		waitpid(u->qemu_pid, &status, 0);
	}
	if (u->runner_pid > 0) {
		kill(u->runner_pid, SIGTERM);
		waitpid(u->runner_pid, &status, 0);
	}
	if (u->board_proc.board) /* set up, even partly */
		asv_board_qm_close(&u->board_proc);
	if (u->conn >= 0)
		close(u->conn);
	if (u->lfd >= 0) {
		close(u->lfd);
		unlink(u->sock);
	}
	snprintf(path, sizeof(path), "%s/session", u->dir);
	unlink(path);
	rmdir(u->dir);
}

int cmd_up_linux(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "linux", no_argument, NULL, 'L' },
		{ "arch", required_argument, NULL, 'R' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "console-log", required_argument, NULL, 'c' },
		{ "accel", required_argument, NULL, 'A' },
		{ "mem", required_argument, NULL, 'm' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "fault", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char kernel[PATH_MAX], initrd[PATH_MAX];
	static struct linux_up u;
	char rundir[PATH_MAX - 64];
	int c, rc = 1;

	memset(&u, 0, sizeof(u));
	u.shm_fd = u.ram_fd = u.lfd = u.conn = -1;
	u.accel = "tcg";
	u.log_level = "warning";
	u.mem_mb = 512;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'L':
			break;
		case 'R':
			if (strcmp(optarg, "arm") && strcmp(optarg, "x86_64")) {
				fprintf(stderr, "asvirt up: --arch %s: x86_64 or arm\n", optarg);
				return 2;
			}
			u.arm = !strcmp(optarg, "arm");
			break;
		case 'k':
			u.kernel = optarg;
			break;
		case 'i':
			u.initrd = optarg;
			break;
		case 'a':
			u.append = optarg;
			break;
		case 'c':
			u.console_log = optarg;
			break;
		case 'A':
			u.accel = optarg;
			break;
		case 'm':
			u.mem_mb = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'l':
			u.log_level = optarg;
			break;
		case 'F': {
			struct asv_fault_plan plan;
			char why[160];

			memset(&plan, 0, sizeof(plan));
			if (asv_fault_parse(&plan, optarg, why, sizeof(why))) {
				fprintf(stderr, "asvirt up: --fault %s: %s\n", optarg, why);
				return 2;
			}
			u.fault = optarg;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* Guest physical = file offset only below the PCI hole (FACTS.md). */
	if (optind != argc - 1 || u.mem_mb < 64 || u.mem_mb > 2048 || !u.kernel != !u.initrd) {
		usage(stderr);
		return 2;
	}
	u.fw = argv[optind];
	u.shm_size = u.arm ? SHM_SIZE_ARM : SHM_SIZE;
	if (cli_find_runner(u.runner, sizeof(u.runner))) {
		fprintf(stderr, "asvirt up: cannot find asvirt-fw-runner (set ASVIRT_RUNNER)\n");
		return 1;
	}
	if (!u.kernel && prepare(&u, kernel, initrd, sizeof(kernel))) {
		fprintf(stderr, "asvirt up: qemu/prepare.sh failed (no kernel)\n");
		return 1;
	}
	cli_default_rundir(rundir, sizeof(rundir));
	if (mkdir(rundir, 0700) && errno != EEXIST) {
		fprintf(stderr, "asvirt up: cannot create %s: %s\n", rundir, strerror(errno));
		return 1;
	}
	snprintf(u.dir, sizeof(u.dir), "%s/linux-%d", rundir, (int)getpid());
	snprintf(u.sock, sizeof(u.sock), "%s/ivshmem.sock", u.dir);
	if (mkdir(u.dir, 0700)) {
		fprintf(stderr, "asvirt up: cannot create %s: %s\n", u.dir, strerror(errno));
		return 1;
	}
	if (make_block(&u))
		goto out;
	for (c = 0; c < NVEC; c++) {
		u.efd_fw[c] = eventfd(0, EFD_CLOEXEC);
		u.efd_guest[c] = eventfd(0, EFD_CLOEXEC);
		if (u.efd_fw[c] < 0 || u.efd_guest[c] < 0)
			goto out;
	}
	u.ram_fd = u.arm ? -1 : memfd_create("asvirt-guest-ram", MFD_CLOEXEC);
	if (!u.arm && (u.ram_fd < 0 || ftruncate(u.ram_fd, (off_t)u.mem_mb << 20))) {
		perror("asvirt up");
		goto out;
	}
	u.lfd = asv_ivshmem_listen(u.sock);
	if (u.lfd < 0) {
		fprintf(stderr, "asvirt up: %s: %s\n", u.sock, strerror(-u.lfd));
		goto out;
	}
	if (start_firmware(&u) || start_qemu(&u) || greet_qemu(&u))
		goto out;
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	printf("asvirt up: Linux in QEMU (pid %d), ivshmem server %s%s%s\n", (int)u.qemu_pid,
	       u.sock, u.console_log ? ", console in " : "", u.console_log ? u.console_log : "");
	fflush(stdout);
	write_session(&u, "running");
	rc = wait_qemu(&u);
out:
	cleanup(&u);
	return rc;
}
