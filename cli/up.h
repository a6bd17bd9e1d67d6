/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * asvirt up's shared state, between its parts: the supervisor
 * (up_daemon.c), the socket bridge (up_bridge.c), the control protocol's
 * server (up_ctl.c) and its client (up_client.c). See docs/firmware-and-up.md.
 *
 * The control protocol on RUNDIR/ctl: the client writes one JSON object on
 * one line, {"request":"status"|"log"|"crash"|"stop"|"trace-stop"} with "fw":NAME for
 * log and crash and "last":true for the trace kept at the last crash; the
 * daemon answers with one JSON object, {"status":{...}}, {"text":"..."} or
 * {"error":"..."}, and closes the connection.
 */
#ifndef ASVIRT_CLI_UP_H
#define ASVIRT_CLI_UP_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "asvirt/proc.h"
#include "trace.h"

struct json_object;

#define MAX_FW 32
#define MAX_CHAN 256
/* Client connections in all, by default (--max-clients), each a socket
 * and an endpoint; the daemon raises its descriptor limit to fit them. */
#define DEF_MAX_CLIENTS 4096
#define MAX_EVENTS 1024
#define CTL_NAME "ctl"

struct up;

/* One firmware process. */
struct fwinst {
	struct asv_proc proc;
	char name[32];
	struct up *up;
	int inited;
	unsigned int gen; /* link generation, bumped by "running" (proc lock held) */
};

/* One announced channel and its listening socket. */
struct chsock {
	int used;
	int fw;
	char name[ASV_RPMSG_NAME_SIZE];
	uint32_t dst;
	unsigned int gen;
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* An answer the client's socket had no room for (the loop sends it later). */
struct outmsg {
	struct outmsg *next;
	size_t len;
	uint8_t data[];
};

/* Answers queued for one client at most; beyond, they are dropped, and the
 * log says how many (a client that never reads must not eat the memory).
 * From half of it on, the client's requests are not read until its queue
 * is empty: a client that sends and does not read is held back instead. */
#define OUTQ_MAX 1024u

/* One connection to a channel's socket: an endpoint of its own. */
struct client {
	int used;
	int fd;
	int fw;
	int ch; /* index into chans */
	unsigned int gen;
	struct asv_endpoint *ept;
	struct up *up;
	unsigned long dropped;	/* atomic: answers dropped, the queue full */
	unsigned long reported; /* loop: drops already logged */
	/* A message read from the socket and not yet taken by the link: the
	 * socket is not read again until it is (messages stay in order). */
	int pending;
	int listed;		/* in up.plist (it may have stopped waiting since) */
	uint64_t pend_deadline; /* fails with -ASV_ETIMEDOUT from then on */
	size_t pend_len;
	uint8_t pend[ASV_RPMSG_MAX_PAYLOAD];
	int want_out;  /* loop: waits for room in the socket (EPOLLOUT) */
	int throttled; /* loop: not read while OUTQ_MAX / 2 answers wait */
	/*
	 * From here on, kept when the slot is reused. The answers the socket
	 * had no room for, oldest first: the host ISR thread appends (and
	 * sends directly again only once the loop emptied the queue), the
	 * loop sends and removes them.
	 */
	pthread_mutex_t oq_mu;
	int backlog; /* atomic: the queue is not empty (set by the ISR, cleared by the loop) */
	struct outmsg *oq_head, *oq_tail;
	unsigned int oq_n; /* atomic (written under oq_mu) */
	int oq_listed;	   /* in up.olist (qmu) */
};
#define CLIENT_RESET_SIZE offsetof(struct client, oq_mu)

/* A channel announced or removed, queued by a proc thread for the loop. */
struct chev {
	int fw;
	int created;
	char name[ASV_RPMSG_NAME_SIZE];
	uint32_t dst;
};

/* --trace / --pcap (up_trace.c) */
struct up_trace {
	char json[PATH_MAX];
	char pcap[PATH_MAX];
	struct trace_sink sink;
	struct asv_evlog host[MAX_FW];
	int nhost;
	int on; /* the collector runs */
};

/* --fault [FW:]SPEC: a fault plan for one firmware, or (no FW) for every one. */
#define MAX_FAULTS (MAX_FW + 1)
struct up_fault {
	char fw[48]; /* empty: every firmware */
	const char *spec;
};

struct up {
	char rundir[PATH_MAX];
	struct up_fault faults[MAX_FAULTS];
	int nfaults;
	struct up_trace *trace; /* NULL: no --trace / --pcap */
	int json;
	int out_fd; /* progress: stdout, or the pipe to the waiting parent */
	int log_fd; /* detached: RUNDIR/asvirt.log, else -1 */
	pthread_mutex_t out_mu;
	struct fwinst fw[MAX_FW];
	int nfw;
	struct chsock chans[MAX_CHAN];
	struct client *clients; /* max_clients of them */
	int max_clients;
	int nclients;
	int *plist; /* the clients with a pending message, oldest first */
	int nplist;
	int *olist; /* (qmu) clients whose answers started to queue */
	int nolist;
	int *oscratch; /* the loop's copy of olist */
	int ep;	       /* epoll: everything the loop waits for (EV_* tags) */
	pthread_mutex_t qmu;
	struct chev q[MAX_EVENTS];
	int nq;
	int wake_fd;
	int ctl_fd;
	int sig_fd;
	int stopping;
};

/* epoll tags: the kind in the high 32 bits, an index in the low ones. */
enum { EV_WAKE = 1, EV_CTL, EV_SIG, EV_LISTEN, EV_CLIENT };
#define EV_TAG(kind, i) (((uint64_t)(kind) << 32) | (uint32_t)(i))

/* up_daemon.c: the supervisor */
int up_run_daemon(struct up *u, char **fws, int nfws, struct asv_proc_config *pc, int ready_fd);
/* Write all of @s to @fd (retrying after signals); gives up on an error. */
void up_write_all(int fd, const char *s, size_t n);
/* Wake the poll loop (from any thread). */
void up_wake(struct up *u);
/* Watch @fd for @events (0: not at all, for now) with tag @tag. */
int up_watch(struct up *u, int fd, uint32_t events, uint64_t tag, int op);
/* One progress line: @human, or @ev (consumed) as one JSON line with --json. */
void up_emit(struct up *u, const char *human, struct json_object *ev);
/* {"event":EV,"fw":FW,"detail":DETAIL}, or "FW: EV: DETAIL". */
void up_emit_fw_event(struct up *u, const char *fw, const char *ev, const char *detail);

/* up_bridge.c: channels <-> sockets */
/* A listening Unix socket of @type at @path (replacing a stale one), or -1. */
int up_listen(const char *path, int type);
/* @in as a file name: [A-Za-z0-9._-], never "", "." or "..". */
void up_sanitize(char *out, size_t n, const char *in);
/* asv_proc_config.on_channel (a proc thread): queues the event for the loop. */
void up_on_channel(struct asv_host *h, struct asv_channel *ch, bool created, void *priv);
/* The loop: the queued channel events become sockets (or go away). */
void up_drain_events(struct up *u);
void up_accept_client(struct up *u, int ci);
void up_client_input(struct up *u, struct client *c);
/* Retry the clients' waiting messages, within one short wait in all. */
void up_send_pending(struct up *u);
/* Send @c's queued answers while its socket has room. */
void up_client_output(struct up *u, struct client *c);
void up_chan_close(struct up *u, int i);

/* up_trace.c: --trace / --pcap */
/* Record into @json and/or @pcap (relative to the current directory). */
int up_trace_set(struct up *u, const char *json, const char *pcap);
/* Around asv_proc_init() of firmware @i: its host's recorder, its runner's. */
int up_trace_before_fw(struct up *u, int i, struct asv_proc_config *pc);
void up_trace_after_fw(struct up *u, int i);
int up_trace_start(struct up *u);
/* Stop recording and write the files; what happened in @msg. 0 or -1. */
int up_trace_stop(struct up *u, char *msg, size_t n);
/* After the firmware are destroyed. */
void up_trace_free(struct up *u);

/* up_ctl.c: the control protocol, the daemon's side */
void up_ctl_request(struct up *u);

/* up_client.c: the control protocol, the client's side */
/* 1 when a daemon answers on @rundir's control socket. */
int up_ctl_running(const char *rundir);

#endif
