// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The bench-source app (apps/bench_source.c) as a firmware image. */
#include "asvirt/firmware.h"

ASV_FIRMWARE(asv_app_bench_source);
