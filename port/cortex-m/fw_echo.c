// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* apps/echo.c as a Cortex-M image (build/firmware/cortex-m/asvirt-echo.elf). */
#include "asvirt/cm_firmware.h"

ASV_CM_FIRMWARE(asv_app_echo);
