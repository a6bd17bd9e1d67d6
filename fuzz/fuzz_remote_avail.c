// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * libFuzzer: the remote's handling of what a host writes: both avail rings
 * and the descriptor tables, the messages in the host's tx buffers, the
 * vdev status/features in the table.
 */
#include "fsys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asv_endpoint rept;
	struct farea areas[5];
	struct fsys s;
	size_t num0, num1;
	int i;

	if (fsys_init(&s, &rept))
		abort();
	fsys_pump(&s);
	num0 = s.rproc.vring_num[0];
	num1 = s.rproc.vring_num[1];
	areas[0] = (struct farea){ (size_t)((uint8_t *)s.rproc.vring_va[0] - s.shm),
				   16 * num0 + 6 + 2 * num0 }; /* desc + avail */
	areas[1] = (struct farea){ (size_t)((uint8_t *)s.rproc.vring_va[1] - s.shm),
				   16 * num1 + 6 + 2 * num1 };
	areas[2] =
	    (struct farea){ (size_t)((uint8_t *)s.rproc.bufs.va - s.shm) + s.rproc.bufs.size / 2,
			    s.rproc.bufs.size / 2 }; /* tx half */
	areas[3] = (struct farea){ 0, s.rproc.table_size };
	areas[4] = areas[1];
	size = fsys_apply(&s, areas, 5, data, size);
	(void)size;
	s.in_r = 1;
	asv_remote_isr(&s.remote);
	s.in_r = 0;
	for (i = 0; i < 40; i++) /* takes buffers from vring0's avail ring */
		asv_trysendto(&rept, 0x400, "y", 1);
	asv_destroy_ept(&rept);
	fsys_fini(&s);
	return 0;
}
