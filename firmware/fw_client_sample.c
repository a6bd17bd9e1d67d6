// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The client-sample app (apps/client_sample.c) as asvirt-client-sample.so. */
#include "asvirt/firmware.h"

ASV_FIRMWARE(asv_app_client_sample);
