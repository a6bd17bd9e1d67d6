// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * libFuzzer: the host's handling of what a remote writes: both used rings,
 * the messages in the receive buffers (headers, NS messages), the vdev
 * status/features in the table. The host must never touch memory outside
 * its regions, whatever the bytes.
 */
#include "fsys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asv_endpoint rept, *hept;
	struct farea areas[4];
	struct fsys s;
	int err;

	if (fsys_init(&s, &rept))
		abort();
	fsys_pump(&s);
	hept = asv_host_create_ept(&s.host, "fuzz", ASV_RPMSG_ADDR_ANY, f_echo, NULL, &err);
	areas[0] = (struct farea){ fsys_used_off(&s, 0), 6 + 8 * s.rproc.vring_num[0] + 2 };
	areas[1] = (struct farea){ fsys_used_off(&s, 1), 6 + 8 * s.rproc.vring_num[1] + 2 };
	areas[2] = (struct farea){ (size_t)((uint8_t *)s.rproc.bufs.va - s.shm),
				   s.rproc.bufs.size / 2 }; /* rx half */
	areas[3] = (struct farea){ 0, s.rproc.table_size };
	size = fsys_apply(&s, areas, 4, data, size);
	(void)size;
	s.hpend = 1;
	s.in_h = 1;
	asv_host_isr(&s.host);
	s.in_h = 0;
	if (hept) {
		int i;

		for (i = 0; i < 40; i++) /* reclaims tx buffers from vring1's used ring */
			asv_trysendto(hept, 0x400, "x", 1);
	}
	fsys_fini(&s);
	return 0;
}
