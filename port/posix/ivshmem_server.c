// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The ivshmem server protocol, asvirt's side. See asvirt/ivshmem.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/ivshmem.h"
#include "asvirt/wire.h"

int asv_ivshmem_listen(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* One message: @v as a little-endian int64, with @fd (-1: none). */
static int send_msg(int conn, int64_t v, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	int64_t le = (int64_t)asv_cpu_to_le64((uint64_t)v);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	memset(&c, 0, sizeof(c));
	if (fd >= 0) {
		struct cmsghdr *h;

		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &fd, sizeof(int));
	}
	do
		n = sendmsg(conn, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(le) ? 0 : -ASV_EIO;
}

int asv_ivshmem_greet(int conn, int64_t client_id, int shm_fd, int64_t peer_id,
		      const int *peer_efds, const int *client_efds, unsigned int nvec)
{
	unsigned int v;
	int err;

	if (nvec == 0 || nvec > ASV_IVSHMEM_MAX_VECTORS || client_id == peer_id || client_id < 0 ||
	    client_id > 0xffff || peer_id < 0 || peer_id > 0xffff)
		return -ASV_EINVAL;
	err = send_msg(conn, 0, -1); /* protocol version */
	if (!err)
		err = send_msg(conn, client_id, -1);
	if (!err)
		err = send_msg(conn, -1, shm_fd);
	for (v = 0; v < nvec && !err; v++)
		err = send_msg(conn, peer_id, peer_efds[v]);
	for (v = 0; v < nvec && !err; v++)
		err = send_msg(conn, client_id, client_efds[v]);
	return err;
}
