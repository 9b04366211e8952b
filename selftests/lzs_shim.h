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

#include <stdio.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef int16_t s16;

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define pr_debug(fmt, ...)	printf("# " fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)

#endif /* _LZS_SHIM_H */
