/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * Forced into every Cortex-M compile (-include): makes the 32-bit
 * <stdint.h> types int / unsigned int, as on every other target asvirt
 * builds for. arm-none-eabi-gcc makes them long / unsigned long (same
 * size and calling convention), so "%u" / "%x" for a uint32_t, right
 * everywhere else, is a -Wformat error there. Zephyr's toolchain header
 * (include/zephyr/toolchain/zephyr_stdint.h) does the same for the same
 * reason. Only C's type identity changes, not the ABI.
 */
#ifndef ASVIRT_CM_STDINT32_H
#define ASVIRT_CM_STDINT32_H

#undef __INT32_TYPE__
#undef __UINT32_TYPE__
#undef __INT_LEAST32_TYPE__
#undef __UINT_LEAST32_TYPE__
#define __INT32_TYPE__ int
#define __UINT32_TYPE__ unsigned int
#define __INT_LEAST32_TYPE__ int
#define __UINT_LEAST32_TYPE__ unsigned int

#endif
