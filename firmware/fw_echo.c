// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The echo app (apps/echo.c) as a firmware image: asvirt-echo.so. */
#include "asvirt/firmware.h"

ASV_FIRMWARE(asv_app_echo);
