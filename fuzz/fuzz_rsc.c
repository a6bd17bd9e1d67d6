// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* libFuzzer: asv_rsc_validate() and asv_rproc_load() on untrusted tables. */
#include <stdlib.h>
#include <string.h>

#include "asvirt/errors.h"
#include "asvirt/rproc.h"
#include "asvirt/rsc_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t shm[1u << 20] __attribute__((aligned(4096)));
	struct asv_mem_region r = { shm, 0x10000000u, sizeof(shm) };
	struct asv_rproc rp;
	uint8_t *t;

	/* an exact-size copy so ASan sees any read past the end */
	t = malloc(size ? size : 1);
	if (!t)
		return 0;
	memcpy(t, data, size);
	if (asv_rsc_validate(t, size, NULL) == 0) {
		asv_rsc_find_vdev(t, ASV_VIRTIO_ID_RPMSG);
		asv_rsc_find_trace(t, 0);
		asv_rsc_find_carveout(t, ASV_RSC_VDEV0_BUFFER);
		asv_rproc_load(&rp, &r, t, size, NULL);
	}
	free(t);
	return 0;
}
