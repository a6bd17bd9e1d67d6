// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Where a firmware runner records its remote's protocol events: a ring in
 * a memfd of its own, created with the struct asv_proc and handed to every
 * runner it starts (ASV_RUNNER_FD_TRACE). Why shared memory and not the
 * control socket or the runner's stdout: the runner writes an event as the
 * in-process remote does (no system call, no thread of its own, the same
 * cost), the host reads it out whenever it likes, and what a runner
 * recorded up to a crash is still there after it (the ring is not the
 * instance's block, which goes with the instance). The host lays the ring
 * out and reads it with its own size and slot size; the runner is trusted
 * no further than with the block (asv_evring_read() checks what it reads).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/evrec.h"
#include "proc_trace.h"

int asv_proc_trace_open(struct asv_proc *p, char *why, size_t whylen)
{
	size_t n = asv_evring_bytes(ASV_EVREC_CAP);

	p->trace_fd = memfd_create("asvirt-events", MFD_CLOEXEC);
	if (p->trace_fd < 0 || ftruncate(p->trace_fd, (off_t)n))
		return asv_whyf(why, whylen, -ASV_ENOMEM, "event ring: %s", strerror(errno));
	p->trace_map = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, p->trace_fd, 0);
	if (p->trace_map == MAP_FAILED) {
		p->trace_map = NULL;
		return asv_whyf(why, whylen, -ASV_ENOMEM, "event ring: %s", strerror(errno));
	}
	p->trace_size = n;
	asv_evring_init(p->trace_map, ASV_EVREC_CAP, ASV_EVREC_DATA);
	asv_evrec_attach(&p->remote_evlog, ASV_EV_REMOTE, p->trace_map, ASV_EVREC_CAP,
			 ASV_EVREC_DATA);
	return 0;
}

void asv_proc_trace_writer_gone(struct asv_proc *p)
{
	if (p->trace_map)
		asv_evring_abandon(p->trace_map, p->remote_evlog.cap, p->remote_evlog.data_size);
}

void asv_proc_trace_close(struct asv_proc *p)
{
	if (p->trace_map)
		munmap(p->trace_map, p->trace_size);
	if (p->trace_fd >= 0)
		close(p->trace_fd);
	p->trace_map = NULL;
	p->trace_fd = -1;
}
