// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt up --linux FIRMWARE.so...: Linux in QEMU is the host, each
 * firmware runs on the PC in its own process (asvirt-fw-runner), and asvirt
 * is the bridge between them (x86_64 `pc`; --arch arm: 32-bit ARM `virt`,
 * where the rpmsg buffers sit in BAR2 too, see below). One ivshmem-doorbell
 * device, server socket, shared block and pair of eventfds per firmware
 * (a bridge): Linux sees one remote processor per device, as on an i.MX8
 * or an AM6x with several MCUs. The picture of one:
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
 * This process makes each bridge's shared block (asvirt/shmctl.h, the
 * firmware's resource table loaded into it as asvirt's host does) and
 * eventfds, and the guest's RAM (one memfd every runner maps), serves each
 * ivshmem-doorbell over its Unix socket (asvirt/ivshmem.h), starts the
 * runners, then QEMU, and waits for QEMU.
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

/* Firmware per guest: one PCI slot each (the guest's remoteprocs). */
#define MAX_FW 4

/* One firmware and its ivshmem-doorbell device. */
struct bridge {
	const char *fw, *fault;
	int fault_named; /* --fault FW:SPEC, not the one for every .so */
	unsigned int index;
	int cm;			    /* a Cortex-M image: the QEMU board is the remote */
	struct asv_proc board_proc; /* its board (board only: no host role) */
	struct asv_board_qm board;
	int board_fault_told;
	uint32_t board_hb; /* the heartbeat last seen, and when */
	uint64_t board_hb_ms;
	uint32_t shm_size;
	char sock[PATH_MAX + 32];
	int shm_fd, lfd, conn;
	int efd_fw[NVEC], efd_guest[NVEC];
	struct asv_shm_ctl *ctl;
	struct asv_rproc rp;
	uint8_t *vdev_status; /* the rpmsg vdev's, in the loaded table */
	unsigned int restarts;
	int recovering; /* the firmware died: restart at the next DRIVER_OK */
	const char *state;
	pid_t runner_pid;
};

struct linux_up {
	const char *kernel, *initrd, *append, *console_log, *accel, *log_level;
	unsigned int mem_mb;
	int arm; /* --arch arm: ARM virt, buffers in BAR2 */
	char runner[PATH_MAX];
	char dir[PATH_MAX];
	int ram_fd;
	pid_t qemu_pid;
	unsigned int nb;
	struct bridge b[MAX_FW];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: asvirt up --linux [options] FIRMWARE.so...\n"
		"       asvirt up --linux --arch arm [options] FIRMWARE.so|FIRMWARE.elf...\n\n"
		"Boots the project's Linux in QEMU with kernel/asvirt_ivshmem.ko, whose\n"
		"remote processors are the FIRMWARE.so images running on this PC, each in its\n"
		"own process (asvirt-fw-runner), or Cortex-M images on QEMU's mps2-an386\n"
		"board (--arch arm only), each bridged over an ivshmem-doorbell device of its\n"
		"own (at most 4: Linux sees them as remoteprocs, in this order).\n\n"
		"  --arch x86_64|arm   the guest: x86_64 pc (default) or 32-bit ARM virt\n"
		"                      (-M virt,highmem=off -smp 2..4, the host's cores;\n"
		"                      rpmsg buffers in BAR2)\n"
		"  --kernel IMAGE --initrd CPIO  default: built by qemu/prepare.sh\n"
		"  --append ARGS       more kernel command line\n"
		"  --console-log FILE  the guest's console into FILE (default: this terminal)\n"
		"  --accel tcg|kvm     default tcg\n"
		"  --mem MB            guest RAM (default 512; at most 2048)\n"
		"  --log-level L       the firmware processes' (default warning)\n"
		"  --fault [FW:]SPEC   the firmware FW (its file name, without directories;\n"
		"                      without FW: every .so) misbehaves on purpose (asvirt up\n"
		"                      --help, docs/faults.md); a restart does not crash again\n");
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

/* The runner's name in its logs: "firmware", then "firmware0", "firmware1".. when several */
static void bridge_name(const struct linux_up *u, const struct bridge *b, char *out, size_t n)
{
	if (u->nb == 1)
		snprintf(out, n, "firmware");
	else
		snprintf(out, n, "firmware%u", b->index);
}

/*
 * A Cortex-M image: the board's RAM (its memfd, mapped here) becomes the
 * shared block; the region at its start, MCU address = da.
 */
static int board_block(struct linux_up *u, struct bridge *b, const struct asv_fw_image *img,
		       struct asv_mem_region *region)
{
	struct asv_proc *p = &b->board_proc;
	uint32_t *page;
	char why[256];

	if (!u->arm) {
		fprintf(stderr,
			"asvirt up: %s is a Cortex-M image: it needs --arch arm (ARM virt, "
			"where Linux's rpmsg buffers can sit in BAR2)\n",
			b->fw);
		return -ASV_EINVAL;
	}
	/* the plan for all is for the .so images (cmd_up_linux refuses it
	 * when there is none) */
	if (b->fault_named) {
		fprintf(stderr, "asvirt up: --fault is not for a Cortex-M image (%s)\n", b->fw);
		return -ASV_EINVAL;
	}
	b->fault = NULL;
	p->board = &b->board;
	bridge_name(u, b, p->name, sizeof(p->name));
	snprintf(p->img.path, sizeof(p->img.path), "%s", img->path);
	if (asv_board_qm_setup(p, why, sizeof(why))) {
		fprintf(stderr, "asvirt up: the Cortex-M board of %s: %s\n", b->fw, why);
		return -ASV_ENOMEM;
	}
	b->shm_fd = p->memfd;
	b->shm_size = ASV_CM_RAM_SIZE;
	b->ctl = (struct asv_shm_ctl *)((uint8_t *)p->map + ASV_CM_RAM_SIZE - ASV_SHM_CTL_SIZE);
	*region = (struct asv_mem_region){ p->map, ASV_CM_WINDOW_BASE, CM_REGION_SIZE };
	page = (uint32_t *)((uint8_t *)p->map + ASV_CM_WINDOW_SIZE);
	page[ASV_CM_BRIDGE_BUFS_OFF / 4] = CM_BUFS_OFF;
	page[ASV_CM_BRIDGE_BUFS_SIZE / 4] = CM_BUFS_SIZE;
	page[ASV_CM_BRIDGE_MAGIC_OFF / 4] = ASV_CM_BRIDGE_MAGIC;
	return 0;
}

/*
 * A bridge's shared block: control page, then the region with the loaded
 * table (a Cortex-M image: the region, the buffers, the control page last).
 */
static int make_block(struct linux_up *u, struct bridge *b)
{
	struct asv_mem_region region;
	struct asv_fw_image img;
	struct asv_env env;
	char why[512];
	void *map;
	int err;

	err = asv_fw_image_load(&img, b->fw, why, sizeof(why));
	if (err) {
		fprintf(stderr, "asvirt up: %s\n", why);
		return err;
	}
	b->cm = asv_board_qm_image(&img);
	if (b->cm) {
		err = board_block(u, b, &img, &region);
		if (err) {
			asv_fw_image_free(&img);
			return err;
		}
	} else {
		b->shm_size = u->arm ? SHM_SIZE_ARM : SHM_SIZE;
		b->shm_fd = memfd_create("asvirt-bar2", MFD_CLOEXEC);
		if (b->shm_fd < 0 || ftruncate(b->shm_fd, b->shm_size) ||
		    (map = mmap(NULL, b->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, b->shm_fd,
				0)) == MAP_FAILED) {
			perror("asvirt up: shared block");
			asv_fw_image_free(&img);
			return -ASV_ENOMEM;
		}
		b->ctl = map;
		region = (struct asv_mem_region){ (uint8_t *)map + ASV_SHM_CTL_SIZE,
						  ASV_SHM_DA_DEFAULT, SHM_SIZE - ASV_SHM_CTL_SIZE };
	}
	memset(&env, 0, sizeof(env));
	env.log = asv_posix_log_stderr;
	env.log_ctx = "asvirt up";
	env.log_level = ASV_LOG_WARN;
	err = asv_rproc_load(&b->rp, &region, img.table, img.table_size, &env);
	asv_fw_image_free(&img);
	if (err)
		return err;
	b->vdev_status = &b->rp.vdev->status;
	/* where the MCU's fault report is read (asv_board_qm_failed) */
	b->board_proc.rproc.trace_va = b->rp.trace_va;
	b->board_proc.rproc.trace_len = b->rp.trace_len;
	b->ctl->version = ASV_SHM_VERSION;
	b->ctl->shm_size = b->shm_size;
	b->ctl->region_off = b->cm ? 0 : ASV_SHM_CTL_SIZE;
	b->ctl->region_size = region.size;
	b->ctl->region_da = region.da;
	b->ctl->table_size = (uint32_t)b->rp.table_size;
	b->ctl->doorbell = ASV_DOORBELL_EVENTFD;
	b->ctl->ivshmem_peer = FW_PEER;
	if (b->cm) {
		b->ctl->bufs_off = CM_BUFS_OFF;
		b->ctl->bufs_size = CM_BUFS_SIZE;
	} else if (u->arm) {
		b->ctl->bufs_off = BUFS_OFF_ARM;
		b->ctl->bufs_size = BUFS_SIZE_ARM;
	}
	/* the magic last: the guest driver binds only a complete header */
	__atomic_store_n(&b->ctl->magic, ASV_SHM_MAGIC, __ATOMIC_RELEASE);
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

static int start_runner(struct linux_up *u, struct bridge *b)
{
	static char fault[ASV_FAULT_SPEC_MAX + 1];
	struct asv_fault_plan plan;
	char *argv[24], name[32];
	int n = 0;
	int fds[] = { b->shm_fd, b->efd_fw[0], b->efd_guest[0], u->ram_fd };
	uint64_t end = asv_posix_now_ms() + 10000;
	uint32_t st;

	bridge_name(u, b, name, sizeof(name));
	argv[n++] = u->runner;
	argv[n++] = "--name";
	argv[n++] = name;
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
	if (b->fault && !asv_fault_parse(&plan, b->fault, NULL, 0)) {
		if (b->restarts)
			plan.crash_after = 0;
		if (asv_fault_active(&plan)) {
			asv_fault_format(&plan, fault, sizeof(fault));
			argv[n++] = "--fault";
			argv[n++] = fault;
		}
	}
	argv[n++] = (char *)b->fw;
	argv[n] = NULL;
	b->runner_pid = spawn(argv, fds, u->arm ? 3 : 4);
	if (b->runner_pid < 0)
		return -ASV_ENOMEM;
	while ((st = __atomic_load_n(&b->ctl->state, __ATOMIC_ACQUIRE)) != ASV_RUNNER_RUNNING) {
		int status;

		if (waitpid(b->runner_pid, &status, WNOHANG) == b->runner_pid)
			b->runner_pid = 0;
		if (st == ASV_RUNNER_FAILED || !b->runner_pid || asv_posix_now_ms() > end) {
			fprintf(stderr, "asvirt up: the firmware process of %s did not start\n",
				b->fw);
			return -ASV_EIO;
		}
		usleep(2000);
	}
	printf("asvirt up: firmware %s running, pid %d\n", b->fw, (int)b->runner_pid);
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
static int start_board(struct bridge *b)
{
	struct asv_proc *p = &b->board_proc;
	uint64_t one = 1;
	char why[256];

	b->board_fault_told = 0;
	if (b->board.sock < 0 && asv_board_qm_open_lines(p, why, sizeof(why))) {
		fprintf(stderr, "asvirt up: the Cortex-M board of %s: %s\n", b->fw, why);
		return -ASV_ENOMEM;
	}
	p->pid = asv_board_qm_spawn(p);
	b->runner_pid = p->pid;
	if (p->pid < 0) {
		b->runner_pid = p->pid = 0;
		return -ASV_ENOMEM;
	}
	if (asv_board_qm_wait_booted(p, asv_posix_now_ms() + 10000, why, sizeof(why))) {
		fprintf(stderr, "asvirt up: the Cortex-M board of %s did not boot: %s\n", b->fw,
			why);
		b->runner_pid = p->pid;
		return -ASV_EIO;
	}
	b->board_hb = asv_board_qm_heartbeat(p); /* the watchdog from here */
	b->board_hb_ms = asv_posix_now_ms();
	if (write(b->efd_guest[0], &one, sizeof(one)) != sizeof(one))
		perror("asvirt up: vring vector");
	printf("asvirt up: firmware %s (QEMU mps2-an386) running, pid %d\n", b->fw,
	       (int)b->runner_pid);
	fflush(stdout);
	return 0;
}

static int start_firmware(struct linux_up *u, struct bridge *b)
{
	return b->cm ? start_board(b) : start_runner(u, b);
}

/*
 * The Cortex-M boards' doorbells and the guest's, for up to @timeout_ms: a
 * guest kick (peer 0's vector 0 eventfd) becomes a UART0 byte (the MCU's
 * port looks at every ring on each), bytes from the MCU an MSI-X vector 0
 * interrupt (asvivs_irq_thread looks at every vring); its console lines go
 * to the log. A kick while no MCU runs is dropped: the next MCU's first
 * look at the rings finds its work. One poll for every board.
 */
static void board_pump(struct linux_up *u, int timeout_ms)
{
	struct pollfd pfd[3 * MAX_FW];
	struct bridge *on[MAX_FW];
	unsigned int i, n = 0;
	uint64_t v, one = 1;

	for (i = 0; i < u->nb; i++) {
		struct bridge *b = &u->b[i];
		int up = b->runner_pid > 0;

		if (!b->cm)
			continue;
		pfd[3 * n] = (struct pollfd){ .fd = b->efd_fw[0], .events = POLLIN };
		pfd[3 * n + 1] =
		    (struct pollfd){ .fd = up && !__atomic_load_n(&b->board.hup, __ATOMIC_ACQUIRE)
					       ? b->board.sock
					       : -1,
				     .events = POLLIN };
		pfd[3 * n + 2] = (struct pollfd){ .fd = up && !b->board.con_eof ? b->board.con : -1,
						  .events = POLLIN };
		on[n++] = b;
	}
	if (poll(pfd, 3 * n, timeout_ms) <= 0)
		return;
	for (i = 0; i < n; i++) {
		struct bridge *b = on[i];

		if (pfd[3 * i].revents & POLLIN) {
			if (read(b->efd_fw[0], &v, sizeof(v)) != sizeof(v))
				perror("asvirt up: guest kick");
			if (b->runner_pid > 0)
				b->board.kick.raise(&b->board.kick);
		}
		if ((pfd[3 * i + 1].revents | pfd[3 * i + 2].revents) &&
		    !b->board.irq.wait(&b->board.irq, 0) &&
		    write(b->efd_guest[0], &one, sizeof(one)) != sizeof(one))
			perror("asvirt up: vring vector");
	}
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
 * x86_64: `pc`, its RAM the memfd the runners map (guest physical = file
 * offset below the PCI hole). arm: `virt` without LPAE addresses
 * (highmem=off keeps ECAM and the PCI windows below 4 GB for the non-LPAE
 * kernel), Cortex-A15 x 2..4 (arm_vcpus), plain RAM (the buffers are in BAR2).
 * An ivshmem-doorbell per bridge, in their order: QEMU gives them PCI slots
 * in that order, and the guest probes them in slot order.
 */
static int start_qemu(struct linux_up *u)
{
	static char chardev[MAX_FW][PATH_MAX + 64], device[MAX_FW][64];
	char mem[32], ram[160], serial[PATH_MAX + 16];
	char append[2048];
	char *argv[48 + 4 * MAX_FW];
	int n = 0, fds[] = { u->ram_fd };
	unsigned int i;

	snprintf(mem, sizeof(mem), "%u", u->mem_mb);
	snprintf(ram, sizeof(ram),
		 "memory-backend-file,id=ram,size=%uM,mem-path=/proc/self/fd/%d,share=on",
		 u->mem_mb, FD_QEMU_RAM);
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
	for (i = 0; i < u->nb; i++) {
		snprintf(chardev[i], sizeof(chardev[i]), "socket,path=%s,id=ivs%u", u->b[i].sock,
			 i);
		snprintf(device[i], sizeof(device[i]), "ivshmem-doorbell,chardev=ivs%u,vectors=%d",
			 i, NVEC);
		argv[n++] = "-chardev";
		argv[n++] = chardev[i];
		argv[n++] = "-device";
		argv[n++] = device[i];
	}
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

/* QEMU connects while it realizes the device and waits for the greeting
 * (the devices one after the other: each socket's connection waits in its
 * backlog until its turn). */
static int greet_qemu(struct linux_up *u, struct bridge *b)
{
	struct pollfd p = { .fd = b->lfd, .events = POLLIN };
	uint64_t end = asv_posix_now_ms() + 30000;
	int status;

	while (poll(&p, 1, 100) <= 0) {
		if (waitpid(u->qemu_pid, &status, WNOHANG) == u->qemu_pid) {
			u->qemu_pid = 0;
			fprintf(stderr, "asvirt up: QEMU exited before it connected\n");
			return -ASV_EIO;
		}
		if (asv_posix_now_ms() > end) {
			fprintf(stderr, "asvirt up: QEMU did not connect to %s\n", b->sock);
			return -ASV_ETIMEDOUT;
		}
	}
	b->conn = accept4(b->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (b->conn < 0)
		return -ASV_EIO;
	return asv_ivshmem_greet(b->conn, GUEST_ID, b->shm_fd, FW_PEER, b->efd_fw, b->efd_guest,
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
static void write_session(const struct linux_up *u)
{
	struct up_linux_fw fw[MAX_FW];
	struct up_linux_session s = { .qemu_pid = (int)u->qemu_pid,
				      .machine = u->arm ? "arm virt" : "x86_64 pc",
				      .accel = u->accel,
				      .mem_mb = u->mem_mb,
				      .nfw = u->nb,
				      .fw = fw };
	unsigned int i;

	for (i = 0; i < u->nb; i++)
		fw[i] = (struct up_linux_fw){ .file = u->b[i].fw,
					      .pid = (int)u->b[i].runner_pid,
					      .state = u->b[i].state,
					      .restarts = u->b[i].restarts,
					      .sock = u->b[i].sock };
	if (up_linux_session_write(u->dir, &s))
		fprintf(stderr,
			"asvirt up: %s/session not written: asvirt status will not show it\n",
			u->dir);
}

/*
 * A firmware process died: its vdev's status is cleared (so the next
 * runner cannot link up on the dead instance's rings: it waits for the
 * DRIVER_OK of the recovered vdev), then the guest is told through its
 * device's MSI-X vector 1 and goes through remoteproc's crash recovery.
 */
static void firmware_died(struct linux_up *u, struct bridge *b, int status)
{
	uint64_t one = 1;

	fprintf(stderr, "asvirt up: the firmware process of %s %s %d\n", b->fw,
		WIFSIGNALED(status) ? "was killed by signal" : "exited with",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	b->runner_pid = 0;
	if (b->cm) {
		b->board_proc.pid = 0;
		asv_board_qm_close(&b->board_proc); /* QEMU's last console lines too */
	}
	__atomic_store_n(b->vdev_status, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&b->ctl->state, ASV_RUNNER_BOOTING, __ATOMIC_RELEASE);
	if (write(b->efd_guest[1], &one, sizeof(one)) != sizeof(one))
		perror("asvirt up: crash vector");
	b->recovering = 1;
	b->state = "dead, the guest recovers (restart at its DRIVER_OK)";
	write_session(u);
}

/* The MCU stopped on a fault (its console and trace say why) or closed
 * its doorbell: QEMU-M is as good as dead. */
static int board_stopped(struct bridge *b)
{
	uint32_t hb = asv_board_qm_heartbeat(&b->board_proc);
	uint64_t now = asv_posix_now_ms();
	char why[200];

	if (asv_board_qm_failed(&b->board_proc, why, sizeof(why))) {
		if (!b->board_fault_told)
			fprintf(stderr, "asvirt up: %s\n", why);
		b->board_fault_told = 1;
		return 1;
	}
	/* The board page's SysTick count, as asvirt up FW.elf watches it: one
	 * that stops is an MCU hung with interrupts masked (a callback that
	 * never returns). The guest can write it too: it can keep a hung MCU
	 * alive no longer than its own writes, and cannot stop a live one. */
	if (hb != b->board_hb) {
		b->board_hb = hb;
		b->board_hb_ms = now;
	} else if (now - b->board_hb_ms > BOARD_WATCHDOG_MS) {
		if (!b->board_fault_told)
			fprintf(stderr, "asvirt up: the MCU hung: no heartbeat for %u ms\n",
				BOARD_WATCHDOG_MS);
		b->board_fault_told = 1;
		return 1;
	}
	return __atomic_load_n(&b->board.hup, __ATOMIC_ACQUIRE);
}

/* One look at bridge @b: its firmware's death, its restart once the guest
 * recovered the vdev. */
static void watch_bridge(struct linux_up *u, struct bridge *b)
{
	int status, stopped = b->cm && b->runner_pid > 0 && board_stopped(b);

	if (stopped)
		kill(b->runner_pid, SIGKILL); /* reaped at once: a crash */
	if (b->runner_pid > 0 &&
	    waitpid(b->runner_pid, &status, stopped ? 0 : WNOHANG) == b->runner_pid)
		firmware_died(u, b, status);
	if (b->recovering &&
	    (__atomic_load_n(b->vdev_status, __ATOMIC_ACQUIRE) & ASV_VIRTIO_STATUS_DRIVER_OK)) {
		b->recovering = 0;
		b->restarts++;
		if (start_firmware(u, b)) {
			fprintf(stderr, "asvirt up: the firmware %s did not restart\n", b->fw);
			b->state = "did not restart";
		} else {
			b->state = "running";
		}
		write_session(u);
	}
}

/* Until QEMU exits (or SIGTERM/SIGINT: cleanup() stops QEMU); a firmware
 * process that dies is restarted once the guest recovered its vdev. */
static int wait_qemu(struct linux_up *u)
{
	unsigned int i, cm = 0, recovering;
	int status, rc = 1;

	for (i = 0; i < u->nb; i++)
		cm += (unsigned int)u->b[i].cm;
	while (!stop_requested) {
		recovering = 0;
		for (i = 0; i < u->nb; i++)
			recovering += (unsigned int)u->b[i].recovering;
		if (cm)
			board_pump(u, recovering ? 5 : 50);
		for (i = 0; i < u->nb; i++)
			watch_bridge(u, &u->b[i]);
		if (waitpid(u->qemu_pid, &status, WNOHANG) == u->qemu_pid) {
			u->qemu_pid = 0;
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
			break;
		}
		if (!cm)
			usleep(recovering ? 5000 : 50000);
	}
	return rc;
}

static void cleanup(struct linux_up *u)
{
	char path[PATH_MAX + 48];
	unsigned int i;
	int status;

	if (u->qemu_pid > 0) {
		kill(u->qemu_pid, SIGTERM);
		waitpid(u->qemu_pid, &status, 0);
	}
	for (i = 0; i < u->nb; i++) {
		struct bridge *b = &u->b[i];

		if (b->runner_pid > 0) {
			kill(b->runner_pid, SIGTERM);
			waitpid(b->runner_pid, &status, 0);
		}
		if (b->board_proc.board) /* set up, even partly */
			asv_board_qm_close(&b->board_proc);
		if (b->conn >= 0)
			close(b->conn);
		if (b->lfd >= 0) {
			close(b->lfd);
			unlink(b->sock);
		}
	}
	snprintf(path, sizeof(path), "%s/session", u->dir);
	unlink(path);
	rmdir(u->dir);
}

/* --fault [FW:]SPEC, each firmware's plan: its own, else the one for all.
 * FW is the firmware's file name without directories. */
static int assign_faults(struct linux_up *u, char *const *faults, unsigned int nfaults)
{
	unsigned int i, k;

	for (k = 0; k < nfaults; k++) {
		const char *colon = strchr(faults[k], ':');
		size_t len = colon ? (size_t)(colon - faults[k]) : 0;
		int named = 0;

		for (i = 0; colon && i < u->nb; i++) {
			const char *slash = strrchr(u->b[i].fw, '/');
			const char *base = slash ? slash + 1 : u->b[i].fw;

			if (strlen(base) == len && !strncmp(base, faults[k], len)) {
				u->b[i].fault = colon + 1;
				u->b[i].fault_named = named = 1;
			}
		}
		if (colon && !named) {
			fprintf(stderr, "asvirt up: --fault %s: %.*s names no firmware given\n",
				faults[k], (int)len, faults[k]);
			return -1;
		}
	}
	for (k = 0; k < nfaults; k++)
		for (i = 0; !strchr(faults[k], ':') && i < u->nb; i++)
			if (!u->b[i].fault)
				u->b[i].fault = faults[k];
	return 0;
}

/* A bridge's eventfds and listening socket. */
static int open_bridge(struct linux_up *u, struct bridge *b)
{
	int c;

	for (c = 0; c < NVEC; c++) {
		b->efd_fw[c] = eventfd(0, EFD_CLOEXEC);
		b->efd_guest[c] = eventfd(0, EFD_CLOEXEC);
		if (b->efd_fw[c] < 0 || b->efd_guest[c] < 0) {
			perror("asvirt up: eventfd");
			return -1;
		}
	}
	if (u->nb == 1)
		snprintf(b->sock, sizeof(b->sock), "%s/ivshmem.sock", u->dir);
	else
		snprintf(b->sock, sizeof(b->sock), "%s/ivshmem%u.sock", u->dir, b->index);
	b->lfd = asv_ivshmem_listen(b->sock);
	if (b->lfd < 0) {
		fprintf(stderr, "asvirt up: %s: %s\n", b->sock, strerror(-b->lfd));
		return -1;
	}
	return 0;
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
	char rundir[PATH_MAX - 64], *faults[MAX_FW + 1];
	unsigned int i, nfaults = 0;
	int c, rc = 1;

	memset(&u, 0, sizeof(u));
	u.ram_fd = -1;
	for (i = 0; i < MAX_FW; i++) {
		u.b[i].shm_fd = u.b[i].lfd = u.b[i].conn = -1;
		u.b[i].efd_fw[0] = u.b[i].efd_fw[1] = -1;
		u.b[i].efd_guest[0] = u.b[i].efd_guest[1] = -1;
	}
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
			const char *colon = strchr(optarg, ':');
			struct asv_fault_plan plan;
			char why[160];

			memset(&plan, 0, sizeof(plan));
			if (nfaults == MAX_FW + 1) {
				fprintf(stderr, "asvirt up: --fault: at most %d\n", MAX_FW + 1);
				return 2;
			}
			if (asv_fault_parse(&plan, colon ? colon + 1 : optarg, why, sizeof(why))) {
				fprintf(stderr, "asvirt up: --fault %s: %s\n", optarg, why);
				return 2;
			}
			faults[nfaults++] = optarg;
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
	if (optind == argc || argc - optind > MAX_FW || u.mem_mb < 64 || u.mem_mb > 2048 ||
	    !u.kernel != !u.initrd) {
		usage(stderr);
		return 2;
	}
	u.nb = (unsigned int)(argc - optind);
	for (i = 0; i < u.nb; i++) {
		u.b[i].fw = argv[optind + (int)i];
		u.b[i].index = i;
		u.b[i].state = "running";
	}
	if (assign_faults(&u, faults, nfaults))
		return 2;
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
	if (mkdir(u.dir, 0700)) {
		fprintf(stderr, "asvirt up: cannot create %s: %s\n", u.dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < u.nb; i++)
		if (make_block(&u, &u.b[i]) || open_bridge(&u, &u.b[i]))
			goto out;
	for (i = 0, c = 0; i < u.nb; i++)
		c += u.b[i].fault != NULL;
	if (nfaults && !c) { /* plans, and no .so image to take one */
		fprintf(stderr, "asvirt up: --fault is not for a Cortex-M image (%s)\n", u.b[0].fw);
		goto out;
	}
	u.ram_fd = u.arm ? -1 : memfd_create("asvirt-guest-ram", MFD_CLOEXEC);
	if (!u.arm && (u.ram_fd < 0 || ftruncate(u.ram_fd, (off_t)u.mem_mb << 20))) {
		perror("asvirt up");
		goto out;
	}
	for (i = 0; i < u.nb; i++)
		if (start_firmware(&u, &u.b[i]))
			goto out;
	if (start_qemu(&u))
		goto out;
	for (i = 0; i < u.nb; i++)
		if (greet_qemu(&u, &u.b[i]))
			goto out;
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	printf("asvirt up: Linux in QEMU (pid %d), ivshmem server%s %s%s%s%s\n", (int)u.qemu_pid,
	       u.nb > 1 ? "s" : "", u.b[0].sock, u.nb > 1 ? " .." : "",
	       u.console_log ? ", console in " : "", u.console_log ? u.console_log : "");
	fflush(stdout);
	write_session(&u);
	rc = wait_qemu(&u);
out:
	cleanup(&u);
	return rc;
}
