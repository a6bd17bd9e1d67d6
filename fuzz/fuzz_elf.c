// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* libFuzzer: the ELF firmware loader (header, sections, .resource_table). */
#include <stdlib.h>
#include <string.h>

#include "asvirt/elf.h"
#include "asvirt/errors.h"
#include "asvirt/rsc_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asv_elf_section sec;
	struct asv_elf_info info;
	char why[160];
	uint8_t *img = malloc(size ? size : 1);

	if (!img)
		return 0;
	memcpy(img, data, size);
	asv_elf_check(img, size, &info, why, sizeof(why));
	if (asv_elf_find_section(img, size, ASV_ELF_RSC_SECTION, &sec, why, sizeof(why)) == 0 &&
	    sec.data) {
		/* the section must lie inside the image */
		if ((const uint8_t *)sec.data < img ||
		    (const uint8_t *)sec.data + sec.size > img + size)
			abort();
		/* as the loader does: copy to aligned memory, then validate
		 * (regress/fuzz_elf/crash-unaligned-table: validating in place
		 * was a misaligned access) */
		void *t = malloc(sec.size ? (size_t)sec.size : 1);

		if (t) {
			memcpy(t, sec.data, (size_t)sec.size);
			asv_rsc_validate(t, (size_t)sec.size, NULL);
			free(t);
		}
	}
	free(img);
	return 0;
}
