/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: LZS (Lempel-Ziv-Stac, ANSI X3.241-1994) compression as RFC 2395
 * uses it for IPComp: each datagram compressed on its own (a fresh history),
 * the stream closed by the end marker and zero bits up to a byte boundary.
 *
 * The same source builds in userspace for selftests/lzs_test.c, which
 * force-includes a small shim for the kernel types and errno values.
 */
#ifndef _CM_LZS_H
#define _CM_LZS_H

#ifdef __KERNEL__
#include <linux/types.h>
#endif

/* Offsets are 7 or 11 bits, so a match reaches at most 2047 bytes back. */
#define LZS_MAX_OFFSET		2047
#define LZS_WINDOW		2048

/* The compressor indexes its input with u16: an IP datagram at most. */
#define LZS_MAX_INPUT		65535

#define LZS_HASH_BITS		12

/* The compressor's scratch space, given by the caller (no allocation). */
struct lzs_wrkmem {
	u16 head[1 << LZS_HASH_BITS];	/* newest position + 1 per hash, 0 none */
	u16 prev[LZS_WINDOW];		/* older position + 1 with that hash */
};

#define LZS_WRKMEM		sizeof(struct lzs_wrkmem)

/*
 * Worst case: every byte a 9-bit literal, then the 9-bit end marker and
 * the padding to a byte boundary.
 */
static inline size_t lzs_compress_bound(size_t len)
{
	return len + (len + 7) / 8 + 2;
}

/*
 * lzs_compress - compress @slen bytes of @src into @dst
 * @wrkmem: LZS_WRKMEM bytes, suitably aligned for u16
 *
 * Return: the compressed length; -E2BIG if it would exceed @dlen (the
 * caller then sends the data uncompressed); -EINVAL if @slen is above
 * LZS_MAX_INPUT.
 */
int lzs_compress(const u8 *src, size_t slen, u8 *dst, size_t dlen,
		 void *wrkmem);

/*
 * lzs_decompress - decompress the stream @src into @dst
 *
 * Decoding stops at the end marker; bytes after it (padding) are ignored.
 * Safe on any input: reads and writes are bounds-checked and every step
 * consumes input.
 *
 * Return: the decompressed length; -EINVAL for a malformed stream (no end
 * marker before the input ends, an offset of zero or beyond the data
 * produced so far); -E2BIG if the output would exceed @dlen.
 */
int lzs_decompress(const u8 *src, size_t slen, u8 *dst, size_t dlen);

/* Debug builds check a few vectors and a round trip at module load. */
#ifdef DEBUG
int lzs_selftest(void);
#else
static inline int lzs_selftest(void)
{
	return 0;
}
#endif

#endif /* _CM_LZS_H */
