// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The bridge to Linux in QEMU (asvirt/ivshmem.h): the ivshmem server's
 * greeting, as QEMU 7.2's ivshmem-doorbell reads it (hw/misc/ivshmem.c
 * ivshmem_recv_setup, ivshmem_read: version, own id, -1 with the shared
 * memory fd, then per peer its id with one eventfd per vector), and the
 * window of Linux's rpmsg buffers learned from vring0's descriptors
 * (virtio_rpmsg_bus.c rpmsg_probe: one dma_alloc_coherent() for all
 * buffers, the first half posted in order as receive buffers before
 * DRIVER_OK).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "harness.h"
#include "asvirt/ivshmem.h"
#include "asvirt/wire.h"

/* One message as QEMU reads it: the int64 and the fd that came with it. */
static int64_t recv_msg(int s, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	int64_t v = 0;
	struct iovec iov = { .iov_base = &v, .iov_len = sizeof(v) };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h;

	*fd = -1;
	assert_int_equal(recvmsg(s, &m, 0), sizeof(v));
	h = CMSG_FIRSTHDR(&m);
	if (h && h->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(h), sizeof(int));
	return (int64_t)asv_le64((uint64_t)v);
}

static void assert_same_file(int a, int b)
{
	struct stat sa, sb;

	assert_true(a >= 0 && b >= 0);
	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	assert_true(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev);
}

static void test_greeting(void **state)
{
	int sv[2], shm = memfd_create("shm", MFD_CLOEXEC), fd, i;
	int peer[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };
	int client[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(asv_ivshmem_greet(sv[0], 1, shm, 0, peer, client, 2), 0);
	assert_int_equal(recv_msg(sv[1], &fd), 0); /* version */
	assert_int_equal(fd, -1);
	assert_int_equal(recv_msg(sv[1], &fd), 1); /* the client's id */
	assert_int_equal(fd, -1);
	assert_int_equal(recv_msg(sv[1], &fd), -1); /* the shared memory */
	assert_same_file(fd, shm);
	close(fd);
	for (i = 0; i < 2; i++) { /* the peer: one eventfd per vector, in order */
		assert_int_equal(recv_msg(sv[1], &fd), 0);
		assert_same_file(fd, peer[i]);
		close(fd);
	}
	for (i = 0; i < 2; i++) { /* the client's own */
		assert_int_equal(recv_msg(sv[1], &fd), 1);
		assert_same_file(fd, client[i]);
		close(fd);
	}
	/* nothing more */
	assert_int_equal(recv(sv[1], &fd, sizeof(fd), MSG_DONTWAIT), -1);
	/* ids QEMU cannot hold (16 bits), or the same twice, are refused */
	assert_int_equal(asv_ivshmem_greet(sv[0], 0x10000, shm, 0, peer, client, 2), -ASV_EINVAL);
	assert_int_equal(asv_ivshmem_greet(sv[0], 1, shm, 1, peer, client, 2), -ASV_EINVAL);
	assert_int_equal(asv_ivshmem_greet(sv[0], 1, shm, 0, peer, client, 0), -ASV_EINVAL);
	for (i = 0; i < 2; i++) {
		close(sv[i]);
		close(peer[i]);
		close(client[i]);
	}
	close(shm);
}

/* A remote whose vring0 (256 descriptors) sits at REGION_DA in @region. */
#define REGION_DA 0x10000000u
#define RAM_DA 0u
#define RAM_SIZE (1u << 20)
#define NUM 256u

struct fixture {
	uint8_t region[64 << 10];
	uint8_t ram[RAM_SIZE];
	struct asv_fw_rsc_vdev *vdev; /* and its two vrings */
	struct asv_remote r;
	struct asv_mem_region ram_region;
	struct asv_vring_desc *desc;
};

static struct fixture *fixture(uint32_t vring_da, uint64_t base)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned int i;

	assert_non_null(f);
	f->vdev = calloc(1, sizeof(*f->vdev) + 2 * sizeof(f->vdev->vring[0]));
	assert_non_null(f->vdev);
	f->vdev->vring[0].da = asv_cpu_to_le32(vring_da);
	f->vdev->vring[0].num = asv_cpu_to_le32(NUM);
	f->vdev->vring[0].align = asv_cpu_to_le32(4096);
	f->r.vdev = f->vdev;
	f->r.regions[0] = (struct asv_mem_region){ f->region, REGION_DA, sizeof(f->region) };
	f->r.nregions = 1;
	f->ram_region = (struct asv_mem_region){ f->ram, RAM_DA, sizeof(f->ram) };
	f->desc = (struct asv_vring_desc *)f->region;
	for (i = 0; i < NUM; i++) {
		f->desc[i].addr = asv_cpu_to_le64(base + (uint64_t)i * ASV_RPMSG_BUF_SIZE);
		f->desc[i].len = asv_cpu_to_le32(ASV_RPMSG_BUF_SIZE);
	}
	return f;
}

static void fixture_free(struct fixture *f)
{
	free(f->vdev);
	free(f);
}

static void test_bufs_window(void **state)
{
	struct fixture *f = fixture(REGION_DA, 0x40000);
	struct asv_mem_region out;
	char why[200];

	(void)state;
	assert_int_equal(asv_guest_bufs_learn(&f->r, &f->ram_region, &out, why, sizeof(why)), 0);
	assert_ptr_equal(out.va, f->ram + 0x40000);
	assert_int_equal(out.da, 0x40000);
	assert_int_equal(out.size, 2 * NUM * ASV_RPMSG_BUF_SIZE);
	fixture_free(f);
}

/* A descriptor out of the layout: the window is not trusted at all. */
static void test_bufs_not_contiguous(void **state)
{
	struct fixture *f = fixture(REGION_DA, 0x40000);
	struct asv_mem_region out = { 0 };
	char why[200];

	(void)state;
	f->desc[17].addr = asv_cpu_to_le64(0x80000);
	assert_int_equal(asv_guest_bufs_learn(&f->r, &f->ram_region, &out, why, sizeof(why)),
			 -ASV_EFAULT);
	assert_non_null(strstr(why, "rx buffer 17"));
	assert_null(out.va);
	f->desc[17].addr = asv_cpu_to_le64(0x40000 + 17 * ASV_RPMSG_BUF_SIZE);
	f->desc[3].len = asv_cpu_to_le32(4096);
	assert_int_equal(asv_guest_bufs_learn(&f->r, &f->ram_region, &out, why, sizeof(why)),
			 -ASV_EFAULT);
	fixture_free(f);
}

/* A window (rx and tx halves) that would end past the guest's RAM, or
 * start below it, or wrap. */
static void test_bufs_outside_ram(void **state)
{
	static const uint64_t bases[] = { RAM_SIZE - NUM * ASV_RPMSG_BUF_SIZE, RAM_SIZE,
					  UINT64_MAX - 4096 };
	struct asv_mem_region out = { 0 };
	char why[200];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		struct fixture *f = fixture(REGION_DA, bases[i]);

		assert_int_equal(
		    asv_guest_bufs_learn(&f->r, &f->ram_region, &out, why, sizeof(why)),
		    -ASV_EFAULT);
		fixture_free(f);
	}
	{
		struct fixture *f = fixture(REGION_DA, 0x40000);

		f->ram_region.da = 0x100000; /* RAM starts above the window */
		assert_int_equal(
		    asv_guest_bufs_learn(&f->r, &f->ram_region, &out, why, sizeof(why)),
		    -ASV_EFAULT);
		fixture_free(f);
	}
	assert_null(out.va);
}

/* vring0 outside the remote's memory: nothing is read. */
static void test_bufs_vring_outside(void **state)
{
	struct fixture *f = fixture(REGION_DA + sizeof(f->region) - 64, 0x40000);
	struct asv_mem_region out = { 0 };
	char why[200];

	(void)state;
	assert_int_equal(asv_guest_bufs_learn(&f->r, &f->ram_region, &out, why, sizeof(why)),
			 -ASV_EFAULT);
	assert_non_null(strstr(why, "outside our memory"));
	fixture_free(f);
}

static void test_bufs_ready(void **state)
{
	uint32_t table[64] = { 0 };
	struct asv_remote r;
	uint8_t *status;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.table = table;
	r.table_size = sizeof(table);
	r.vdev_off = 32;
	status = (uint8_t *)table + 32 + offsetof(struct asv_fw_rsc_vdev, status);
	assert_false(asv_guest_bufs_ready(&r));
	*status = ASV_VIRTIO_STATUS_ACKNOWLEDGE | ASV_VIRTIO_STATUS_DRIVER;
	assert_false(asv_guest_bufs_ready(&r));
	*status |= ASV_VIRTIO_STATUS_DRIVER_OK;
	assert_true(asv_guest_bufs_ready(&r));
	r.vdev_off = sizeof(table) - 8; /* a vdev past the table's end */
	assert_false(asv_guest_bufs_ready(&r));
}

/*
 * Buffers in a vdev0buffer carveout (ARM virt): the window starts at the
 * carveout's first byte whatever guest physical address the descriptors
 * carry (the BAR's, unknown here), and must fit in it.
 */
static void test_bufs_carveout(void **state)
{
	struct fixture *f = fixture(REGION_DA, 0x10200000u);
	struct asv_mem_region co = { f->ram + 4096, 0, 2 * NUM * ASV_RPMSG_BUF_SIZE };
	struct asv_mem_region out = { 0 };
	char why[200];

	(void)state;
	assert_int_equal(asv_guest_bufs_learn_carveout(&f->r, &co, &out, why, sizeof(why)), 0);
	assert_ptr_equal(out.va, f->ram + 4096);
	assert_int_equal(out.da, 0x10200000u);
	assert_int_equal(out.size, 2 * NUM * ASV_RPMSG_BUF_SIZE);
	/* one buffer too small for the posted rx and tx halves */
	co.size -= ASV_RPMSG_BUF_SIZE;
	memset(&out, 0, sizeof(out));
	assert_int_equal(asv_guest_bufs_learn_carveout(&f->r, &co, &out, why, sizeof(why)),
			 -ASV_EFAULT);
	assert_non_null(strstr(why, "vdev0buffer"));
	assert_null(out.va);
	co.size += ASV_RPMSG_BUF_SIZE;
	/* a layout out of order is refused as in guest RAM */
	f->desc[5].addr = asv_cpu_to_le64(0x10200000u);
	assert_int_equal(asv_guest_bufs_learn_carveout(&f->r, &co, &out, why, sizeof(why)),
			 -ASV_EFAULT);
	assert_non_null(strstr(why, "rx buffer 5"));
	assert_null(out.va);
	fixture_free(f);
}

/* A window whose end would wrap the 64-bit address space. */
static void test_bufs_carveout_wraps(void **state)
{
	struct fixture *f = fixture(REGION_DA, UINT64_MAX - 4096);
	struct asv_mem_region co = { f->ram, 0, sizeof(f->ram) };
	struct asv_mem_region out = { 0 };
	char why[200];

	(void)state;
	assert_int_equal(asv_guest_bufs_learn_carveout(&f->r, &co, &out, why, sizeof(why)),
			 -ASV_EFAULT);
	assert_null(out.va);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting),
		cmocka_unit_test(test_bufs_window),
		cmocka_unit_test(test_bufs_not_contiguous),
		cmocka_unit_test(test_bufs_outside_ram),
		cmocka_unit_test(test_bufs_vring_outside),
		cmocka_unit_test(test_bufs_ready),
		cmocka_unit_test(test_bufs_carveout),
		cmocka_unit_test(test_bufs_carveout_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
