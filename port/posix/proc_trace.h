/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/* The runners' event ring of a struct asv_proc (proc_trace.c). */
#ifndef ASVIRT_PROC_TRACE_H
#define ASVIRT_PROC_TRACE_H

#include "asvirt/proc.h"

/* The runner's fd for the ring, and its option. */
#define ASV_RUNNER_FD_TRACE 6
#define ASV_RUNNER_TRACE_OPT "--trace-fd"

/* cfg.trace_remote: create and lay out the ring (once, at init). */
int asv_proc_trace_open(struct asv_proc *p, char *why, size_t whylen);
/* The runner of an instance is gone: what it left uncommitted is skipped. */
void asv_proc_trace_writer_gone(struct asv_proc *p);
void asv_proc_trace_close(struct asv_proc *p);

#endif
