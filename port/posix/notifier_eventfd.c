// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The eventfd doorbell: write(1) raises, poll()+read() waits. The fd can
 * be shared with another process (inherited across exec). Raises are
 * coalesced (one read consumes them all), as interrupt lines are: the ISR
 * scans the whole ring each time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/notifier.h"
#include "asvirt/posix.h"
#include "asvirt/shmctl.h"

struct efd_notifier {
	struct asv_notifier n;
	int fd;
	int owned;
};

static void efd_raise(struct asv_notifier *n)
{
	struct efd_notifier *e = (struct efd_notifier *)n;
	uint64_t one = 1;
	ssize_t r;

	do
		r = write(e->fd, &one, sizeof(one));
	while (r < 0 && errno == EINTR);
	/* EAGAIN: counter saturated, the line is already raised. */
}

static int efd_wait(struct asv_notifier *n, uint32_t timeout_ms)
{
	struct efd_notifier *e = (struct efd_notifier *)n;
	uint64_t end = asv_posix_now_ms() + timeout_ms, now;
	struct pollfd pfd = { .fd = e->fd, .events = POLLIN };
	uint64_t v;

	for (;;) {
		if (read(e->fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -ASV_EIO;
		now = asv_posix_now_ms();
		if (now >= end)
			return -ASV_ETIMEDOUT;
		if (poll(&pfd, 1, (int)(end - now)) < 0 && errno != EINTR)
			return -ASV_EIO;
	}
}

static void efd_destroy(struct asv_notifier *n)
{
	struct efd_notifier *e = (struct efd_notifier *)n;

	if (e->owned)
		close(e->fd);
	free(e);
}

struct asv_notifier *asv_notifier_eventfd_open(int fd, int take_ownership)
{
	struct efd_notifier *e;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->fd = fd;
	e->owned = take_ownership;
	e->n.raise = efd_raise;
	e->n.wait = efd_wait;
	e->n.destroy = efd_destroy;
	return &e->n;
}

struct asv_notifier *asv_notifier_eventfd_create(int *fd_out)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct asv_notifier *n;

	if (fd < 0)
		return NULL;
	n = asv_notifier_eventfd_open(fd, 1);
	if (!n) {
		close(fd);
		return NULL;
	}
	if (fd_out)
		*fd_out = fd;
	return n;
}
