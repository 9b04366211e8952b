/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kmod/lzs.c takes from the kernel, for building it in userspace:
 * force-included (cc -include) by selftests/lzs.sh before every file.
 */
#ifndef _LZS_SHIM_H
#define _LZS_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#endif /* _LZS_SHIM_H */
