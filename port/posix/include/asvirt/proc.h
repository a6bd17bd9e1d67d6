/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A remote processor in its own process, with the remoteproc life cycle:
 * load (read and check the firmware file: ELF, ".resource_table", table),
 * start (shared memfd block, two doorbells, fork+exec of asvirt-fw-runner
 * which dlopen()s the firmware and runs the remote side, then DRIVER_OK),
 * stop, status; crash detection (the process exits: pidfd; it stops
 * answering: a heartbeat watchdog; it breaks the protocol: the host's
 * link error) and recovery (stop, reload the table, restart, DRIVER_OK
 * again: channels are removed and announced again, drivers get remove()
 * then probe(), in-flight messages go to their sender's tx_lost).
 *
 * Every rpmsg vdev of the table (up to ASV_RPROC_MAX_RPMSG) is a device
 * of its own, as Linux serves it: a host per vdev (its rings, channels
 * and drivers), all on one doorbell per side, so one host ISR thread runs
 * them all; the runner runs a remote per vdev the same way.
 *
 * Threads in the host process per firmware: the host ISR thread (blocked
 * on the host doorbell) and a monitor thread. Everything read from the
 * shared block or the firmware file is untrusted.
 */
#ifndef ASVIRT_PROC_H
#define ASVIRT_PROC_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "asvirt/event.h"
#include "asvirt/host.h"
#include "asvirt/posix.h"
#include "asvirt/rproc.h"
#include "asvirt/shmctl.h"

struct asv_board_qm;

#define ASV_PROC_MAX_DRIVERS 16
#define ASV_FW_MAX_FILE (64u << 20)

/* A firmware file, read and checked (never executed by the host). */
/* A .so image's kind, told by the symbol it exports. */
enum asv_fw_kind {
	ASV_FW_KIND_APP = 0,   /* "asvirt_firmware": an app on asvirt's remote API */
	ASV_FW_KIND_BOARD = 1, /* "asvirt_board_firmware": its own stack on the board
				  (asvirt/board.h) */
};

struct asv_fw_image {
	char path[4096];
	void *table; /* copy of its .resource_table (validated) */
	size_t table_size;
	uint16_t machine;
	uint16_t elf_type; /* ET_EXEC 2 (a Cortex-M image), ET_DYN 3 (.so) */
	uint8_t elf_class;
	/* Its asvirt_firmware entry against this build (asvirt/fw_abi.h):
	 * 0, or -ASV_E* and why; only running the image needs it. */
	int entry_err;
	char entry_why[512];
	enum asv_fw_kind kind;
};

/* Read @path; 0 or -ASV_E* with the reason in @why ("not an ELF file").
 * The entry's check is in img->entry_err: a table alone loads. */
int asv_fw_image_load(struct asv_fw_image *img, const char *path, char *why, size_t whylen);
void asv_fw_image_free(struct asv_fw_image *img);

enum asv_proc_state {
	ASV_PROC_OFFLINE = 0,
	ASV_PROC_BOOTING,
	ASV_PROC_RUNNING,
	ASV_PROC_CRASHED, /* crashed and not recovered (yet, or given up) */
};
const char *asv_proc_state_name(enum asv_proc_state s);

struct asv_proc;
/* State changes: event "running", "crashed", "recovering", "stopped",
 * "failed"; @detail says why. Called from the thread causing it, often
 * with the proc's lock held: it must not call asv_proc_*(). */
typedef void (*asv_proc_event_fn)(struct asv_proc *p, const char *event, const char *detail,
				  void *priv);

struct asv_proc_config {
	const char *name;		 /* for logs, status; default: the file's name */
	const char *runner;		 /* asvirt-fw-runner path; required */
	enum asv_doorbell_kind doorbell; /* 0 = default (ASV_DOORBELL_DEFAULT) */
	size_t shm_size;		 /* region bytes; 0 = 1 MiB */
	uint32_t watchdog_ms;		 /* no heartbeat this long = hung; 0 = 2000 */
	uint32_t boot_timeout_ms;	 /* runner must be up; 0 = 10000 */
	uint32_t timeout_ms;		 /* host send timeout; 0 = core default */
	int max_restarts;		 /* <0 unlimited, 0 = no recovery */
	asv_log_fn log;			 /* NULL: stderr */
	void *log_ctx;
	int log_level;	  /* ASV_LOG_*; 0 (= ASV_LOG_ERR) means WARN unless: */
	bool errors_only; /* log_level 0 really means errors only */
	asv_channel_event_fn on_channel;
	void *on_channel_priv;
	asv_proc_event_fn on_event;
	void *event_priv;
	const char *runner_log_level; /* passed to the runner; NULL = warning */
	/* features the host may acknowledge (asv_host_config.features): 0 =
	 * all it implements; without VIRTIO_RING_F_EVENT_IDX, the flags */
	uint32_t host_features;
	unsigned int gdb_port; /* Cortex-M board: QEMU's gdb stub, CPU halted */
	/*
	 * Protocol events (asvirt/evrec.h): the host's (vdev 0) go to
	 * @host_evlog when set; with @trace_remote the runner records its
	 * remote's into a ring of its own (struct asv_proc.remote_evlog, read
	 * it from there), in a memfd of its own that outlives the instances,
	 * so a restarted runner writes on and the events of one that crashed
	 * stay readable (a runner on the Cortex-M board records nothing).
	 */
	struct asv_evlog *host_evlog;
	bool trace_remote;
	/* Opt-in, each rpmsg vdev's host, every boot: asv_host_config's
	 * before_driver_ok (asvirt conform's boot.driver_ok). NULL: none. */
	void (*before_driver_ok)(struct asv_host *h, void *priv);
	void *before_driver_ok_priv;

	/*
	 * Test: the firmware misbehaves as this fault plan says (asvirt/fault.h,
	 * applied in the runner), or NULL. A restarted firmware gets the plan
	 * less crash-after (it crashed once, as the kernel module's does).
	 */
	const char *fault;
};

#define ASV_DOORBELL_DEFAULT ASV_DOORBELL_FUTEX

struct asv_proc_status {
	enum asv_proc_state state;
	pid_t pid;
	unsigned int crashes;
	unsigned int restarts;
	unsigned int nchannels;
	uint64_t uptime_ms;
	char last_crash[160];
	struct asv_stats stats; /* the host side of the current link (vdev 0) */
};

struct asv_proc {
	struct asv_proc_config cfg;
	/* A Cortex-M image: the QEMU board runs it (asvirt/board_qemu_m.h) */
	struct asv_board_qm *board;
	char name[64];
	struct asv_fw_image img;
	/* held while the link is (re)built and by users touching host */
	pthread_mutex_t mu;
	enum asv_proc_state state;
	unsigned int crashes, restarts, boot_failures;
	char last_crash[160];
	/* how the firmware's process ended at the last asv_proc_stop(): "" when
	 * it ended by itself on the stop request (or was killed after 500 ms
	 * without ending), else what happened (a crash in its stop path, a
	 * fatal error, a non-zero exit status) */
	char last_stop[160];
	char *last_trace; /* trace buffer copy at the last stop/crash */
	size_t last_trace_len;
	uint64_t started_ms;
	/* current instance */
	int memfd;
	void *map;
	size_t map_size;
	struct asv_shm_ctl *ctl;
	struct asv_mem_region region;
	struct asv_rproc rproc;
	struct asv_notifier *host_irq, *remote_irq;
	/* what the hosts raise: remote_irq, late while kick_delay_ms says so */
	struct asv_notifier *kick_line;
	uint32_t kick_delay_ms[2]; /* [min, max]; 0, 0: on time (every boot) */
	int efd_host, efd_remote;
	struct asv_posix_role host_role; /* vdev 0's: runs the ISR thread */
	int role_ready;
	struct asv_host host; /* rpmsg vdev 0 */
	/* rpmsg vdevs 1.. (their roles share host_role's ISR thread) */
	struct asv_posix_role more_roles[ASV_RPROC_MAX_RPMSG - 1];
	struct asv_host more_hosts[ASV_RPROC_MAX_RPMSG - 1];
	unsigned int nvdevs; /* rpmsg vdevs of the current instance */
	int host_up;	     /* hosts inited: 0, or up to nvdevs */
	/* bumped each time the hosts are taken down (a stop, a crash or hang
	 * the monitor tears down, a reattach): what was made on them, such as
	 * endpoints left open, is freed with them. Read under mu: a user's
	 * object made on an older one is gone. */
	unsigned int link_gen;
	unsigned int nchannels; /* atomic */
	pid_t pid;
	int pidfd;
	uint32_t last_hb;
	uint64_t last_hb_ms;
	/* monitor */
	pthread_t monitor;
	int monitor_running;
	int stop_efd;
	struct asv_host_driver *drivers[ASV_PROC_MAX_DRIVERS];
	unsigned int ndrivers;
	/* cfg.trace_remote: the runners' event ring (proc_trace.c) */
	int trace_fd;
	void *trace_map;
	size_t trace_size;
	struct asv_evlog remote_evlog;
};

/* Load and check @fw_path. The reason of a failure is in @why. */
int asv_proc_init(struct asv_proc *p, const struct asv_proc_config *cfg, const char *fw_path,
		  char *why, size_t whylen);
/* Boot the firmware and start watching it. */
int asv_proc_start(struct asv_proc *p, char *why, size_t whylen);
/* Stop watching, stop the firmware, take the link down. */
void asv_proc_stop(struct asv_proc *p);
void asv_proc_destroy(struct asv_proc *p);
/* A host driver bound now and after every restart (drivers must stay valid). */
int asv_proc_add_driver(struct asv_proc *p, struct asv_host_driver *drv);
/*
 * Linux's attach recovery (RPROC_FEAT_ATTACH_ON_RECOVERY): the hosts'
 * virtio devices removed (vdev status 0, channels gone, in-flight messages
 * reported lost), the firmware kicked and its interrupt taken, then the
 * devices added again (rings re-initialised, buffers posted, DRIVER_OK and
 * a kick) while the firmware keeps running. 0, or -ASV_ENODEV (not
 * running) or a host init error (in @why).
 */
int asv_proc_reattach(struct asv_proc *p, char *why, size_t whylen);
/* Simulate a crash (SIGKILL the firmware process), like remoteproc's
 * debugfs "crash" file; the monitor then recovers. */
int asv_proc_kill(struct asv_proc *p, int sig);
void asv_proc_get_status(struct asv_proc *p, struct asv_proc_status *st);
/*
 * Copy the trace buffer into @buf (NUL-terminated, at most @len - 1
 * bytes): the live one (@last false), or the copy kept at the last crash
 * or stop (@last true). Returns the bytes copied, or -ASV_ENOENT.
 */
int asv_proc_trace(struct asv_proc *p, char *buf, size_t len, bool last);
/* The host of rpmsg vdev @k (0: &p->host), or NULL when the running
 * instance has no such vdev. Hold the lock while using it. */
struct asv_host *asv_proc_host(struct asv_proc *p, unsigned int k);
/*
 * The hosts' doorbell to the firmware delivered late from now on (this
 * boot and the next ones): each interrupt a delay drawn in [@min_ms,
 * @max_ms] after the kick that raised it, kicks meanwhile going with it
 * (asvirt conform's host.irq_delay). The kick itself never waits. 0, 0:
 * on time again. 0, or -ASV_EINVAL, -ASV_ENOMEM.
 */
int asv_proc_set_kick_delay(struct asv_proc *p, uint32_t min_ms, uint32_t max_ms);
/*
 * Wait until the firmware's board has taken the hosts' last kick and the
 * interrupt handler it ran for it has returned (a board-level image: the
 * runner clears the kicked bits of the control page before it runs the
 * handler, and bumps its heartbeat when it waits again). asvirt conform's
 * host.kick_dup judges a kick by what the firmware did on it, whatever the
 * time the firmware took to get to it. 0, -ASV_ETIMEDOUT, or -ASV_ENOSYS
 * when the board does not say which vrings were kicked (an image on
 * asvirt's core, the Cortex-M board) or nothing runs.
 */
int asv_proc_wait_kick_taken(struct asv_proc *p, uint32_t timeout_ms);
/* Hold while using p->host from outside callbacks (not in callbacks). */
void asv_proc_lock(struct asv_proc *p);
void asv_proc_unlock(struct asv_proc *p);

#endif
