// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: LZS compression (ANSI X3.241-1994; RFC 1974, RFC 2395).
 *
 * The stream is a sequence of bit fields, most significant bit first:
 *
 *	literal		0 <8-bit byte>
 *	string		1 1 <7-bit offset> <length>	offset 1..127
 *			1 0 <11-bit offset> <length>	offset 1..2047
 *	end marker	1 1 0000000			(7-bit offset zero)
 *
 *	length		00 = 2, 01 = 3, 10 = 4,
 *			1100 = 5, 1101 = 6, 1110 = 7,
 *			1111 <n> = 8 + n for n in 0..14, and each further
 *			1111 group adds 15: 1111 1111 0000 = 23 and so on.
 *
 * An offset counts back from the next byte to be produced; a string may
 * overlap the bytes it produces (offset 1, length 10: a run).  After the
 * end marker, zero bits pad the stream to a byte boundary.
 *
 * The compressor is greedy: at each position it takes the longest match
 * found on a hash chain of 2-byte prefixes within the window, the nearest
 * on ties (a 7-bit offset is 4 bits shorter).  Any match of two bytes or
 * more is shorter than its literals (15 bits at most for two bytes against
 * 18), so the output never exceeds lzs_compress_bound().
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#endif

#include "lzs.h"

#define LZS_MAX_CHAIN	32	/* candidates tried per position */
#define LZS_NICE_LEN	64	/* a match this long ends the search */

/* ---------------------------------------------------------------- output */

struct lzs_writer {
	u8 *p;
	u8 *end;
	u32 acc;		/* the low @n bits are pending */
	unsigned int n;		/* 0..7 between calls */
	bool full;
};

/* Append the low @nbits (at most 16) of @v. */
static inline void lzs_put(struct lzs_writer *w, u32 v, unsigned int nbits)
{
	w->acc = (w->acc << nbits) | v;
	w->n += nbits;
	while (w->n >= 8) {
		w->n -= 8;
		if (w->p == w->end) {
			w->full = true;
			return;
		}
		*w->p++ = (u8)(w->acc >> w->n);
	}
}

static void lzs_put_string(struct lzs_writer *w, unsigned int off,
			   unsigned int len)
{
	if (off < 128)
		lzs_put(w, 0x180 | off, 9);		/* 1 1 ooooooo */
	else
		lzs_put(w, 0x1000 | off, 13);		/* 1 0 ooooooooooo */

	if (len < 5) {
		lzs_put(w, len - 2, 2);
	} else if (len < 8) {
		lzs_put(w, len - 5 + 0xc, 4);
	} else {
		len -= 8;
		lzs_put(w, 0xf, 4);
		while (len >= 15) {
			lzs_put(w, 0xf, 4);
			len -= 15;
		}
		lzs_put(w, len, 4);
	}
}

/* ----------------------------------------------------------- compression */

static inline unsigned int lzs_hash(const u8 *p)
{
	u32 v = ((u32)p[0] << 8) | p[1];

	return (v * 0x9e3779b1u) >> (32 - LZS_HASH_BITS);
}

static inline void lzs_insert(struct lzs_wrkmem *wm, const u8 *src,
			      unsigned int pos)
{
	unsigned int h = lzs_hash(src + pos);

	wm->prev[pos & (LZS_WINDOW - 1)] = wm->head[h];
	wm->head[h] = pos + 1;
}

/*
 * The longest earlier match for @pos (at least 2 bytes, at most @max),
 * searched before @pos itself is inserted; 0 if there is none.
 */
static unsigned int lzs_find(const struct lzs_wrkmem *wm, const u8 *src,
			     unsigned int pos, unsigned int max,
			     unsigned int *offp)
{
	unsigned int cand = wm->head[lzs_hash(src + pos)];
	unsigned int best = 1, depth = LZS_MAX_CHAIN;
	const u8 *cur = src + pos;

	while (cand && depth--) {
		unsigned int c = cand - 1, len;
		const u8 *m = src + c;

		if (pos - c > LZS_MAX_OFFSET)
			break;
		/* A longer match must agree at index best, and at 0 and 1. */
		if (m[best] == cur[best] && m[0] == cur[0] && m[1] == cur[1]) {
			len = 2;
			while (len < max && m[len] == cur[len])
				len++;
			if (len > best) {
				best = len;
				*offp = pos - c;
				if (len >= LZS_NICE_LEN || len == max)
					break;
			}
		}
		cand = wm->prev[c & (LZS_WINDOW - 1)];
	}
	return best >= 2 ? best : 0;
}

int lzs_compress(const u8 *src, size_t slen, u8 *dst, size_t dlen,
		 void *wrkmem)
{
	struct lzs_wrkmem *wm = wrkmem;
	struct lzs_writer w = { .p = dst, .end = dst + dlen };
	unsigned int pos = 0, n = slen;

	if (slen > LZS_MAX_INPUT)
		return -EINVAL;
	memset(wm->head, 0, sizeof(wm->head));

	/* A match needs two bytes: the last byte alone is a literal. */
	while (pos + 1 < n && !w.full) {
		unsigned int len, off = 0;

		len = lzs_find(wm, src, pos, n - pos, &off);
		lzs_insert(wm, src, pos);
		if (!len) {
			lzs_put(&w, src[pos], 9);
			pos++;
			continue;
		}
		lzs_put_string(&w, off, len);
		/* Index the positions the match covers (2 bytes left each). */
		while (--len) {
			if (++pos + 1 < n)
				lzs_insert(wm, src, pos);
		}
		pos++;
	}
	if (pos < n)
		lzs_put(&w, src[pos], 9);

	lzs_put(&w, 0x180, 9);			/* end marker */
	if (w.n)
		lzs_put(&w, 0, 8 - w.n);	/* pad with zero bits */
	if (w.full)
		return -E2BIG;
	return w.p - dst;
}

/* --------------------------------------------------------- decompression */

struct lzs_reader {
	const u8 *p;
	const u8 *end;
	u32 acc;		/* the next @n bits, left-aligned */
	unsigned int n;
};

/* The next @nbits (1..11) of the stream; false if the input ends first. */
static inline bool lzs_get(struct lzs_reader *r, unsigned int nbits, u32 *v)
{
	if (r->n < nbits) {
		while (r->n <= 24 && r->p < r->end) {
			r->acc |= (u32)*r->p++ << (24 - r->n);
			r->n += 8;
		}
		if (r->n < nbits)
			return false;
	}
	*v = r->acc >> (32 - nbits);
	r->acc <<= nbits;
	r->n -= nbits;
	return true;
}

int lzs_decompress(const u8 *src, size_t slen, u8 *dst, size_t dlen)
{
	struct lzs_reader r = { .p = src, .end = src + slen };
	size_t out = 0, len, off;
	u32 v;

	if (dlen > INT_MAX)
		dlen = INT_MAX;

	for (;;) {
		if (!lzs_get(&r, 9, &v))
			return -EINVAL;			/* no end marker */
		if (v < 0x100) {			/* 0 bbbbbbbb */
			if (out == dlen)
				return -E2BIG;
			dst[out++] = v;
			continue;
		}
		if (v >= 0x180) {			/* 1 1 ooooooo */
			off = v & 0x7f;
			if (!off)
				return out;		/* end marker */
		} else {				/* 1 0 ooooooooooo */
			off = v & 0x7f;
			if (!lzs_get(&r, 4, &v))
				return -EINVAL;
			off = off << 4 | v;
			if (!off)
				return -EINVAL;
		}

		if (!lzs_get(&r, 2, &v))
			return -EINVAL;
		if (v < 3) {
			len = v + 2;
		} else {
			if (!lzs_get(&r, 2, &v))
				return -EINVAL;
			len = v + 5;
			if (v == 3) {		/* 1111: 4-bit groups follow */
				do {
					if (len > dlen - out)
						return -E2BIG;
					if (!lzs_get(&r, 4, &v))
						return -EINVAL;
					len += v;
				} while (v == 0xf);
			}
		}

		if (off > out)
			return -EINVAL;
		if (len > dlen - out)
			return -E2BIG;
		while (len--) {
			dst[out] = dst[out - off];
			out++;
		}
	}
}

#ifdef DEBUG
/* ------------------------------------------------------------ self-test */

/*
 * A few of selftests/data/lzs/: the end marker alone; 'A' and a string at
 * offset 1 of length 9, 5, 23 and 308 (twenty 1111 groups: 8 + 300); an
 * 11-bit offset of zero (openconnect's zero_ofs[]); an offset beyond the
 * output.
 */
static const struct {
	u8 in[16];
	u8 in_len;
	s16 ret;	/* the output length, or -EINVAL */
	u8 fill;	/* the output is ret copies of it */
} lzs_vectors[] = {
	{ { 0xc0, 0x00 }, 2, 0, 0 },
	{ { 0x20, 0xe0, 0x7c, 0x70, 0x00 }, 5, 10, 'A' },	/* 1111 0001 */
	{ { 0x20, 0xe0, 0x73, 0x00 }, 4, 6, 'A' },		/* 1100 */
	{ { 0x20, 0xe0, 0x7f, 0xc3, 0x00 }, 5, 24, 'A' },	/* 1111 1111 0000 */
	{ { 0x20, 0xe0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xfc, 0x30, 0x00 }, 15, 309, 'A' },
	{ { 0x80, 0x01, 0x80 }, 3, -EINVAL, 0 },
	{ { 0x20, 0xe0, 0x8c, 0x00 }, 4, -EINVAL, 0 },
};

static struct lzs_wrkmem lzs_test_wrk;
static u8 lzs_test_buf[3][2400];	/* >= lzs_compress_bound(2100) */

int lzs_selftest(void)
{
	u8 *in = lzs_test_buf[0], *c = lzs_test_buf[1], *out = lzs_test_buf[2];
	unsigned int i;
	int j, ret, clen;
	u32 x;

	for (i = 0; i < ARRAY_SIZE(lzs_vectors); i++) {
		ret = lzs_decompress(lzs_vectors[i].in, lzs_vectors[i].in_len,
				     out, 400);
		if (ret != lzs_vectors[i].ret)
			goto fail;
		for (j = 0; j < ret; j++)
			if (out[j] != lzs_vectors[i].fill)
				goto fail;
	}

	/* a round trip: noise, then its first 53 bytes 2047 bytes later */
	for (j = 0, x = 1; j < 2047; j++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		in[j] = x;
	}
	memcpy(in + 2047, in, 53);
	clen = lzs_compress(in, 2100, c, sizeof(lzs_test_buf[1]),
			    &lzs_test_wrk);
	i = ARRAY_SIZE(lzs_vectors);
	ret = clen;
	if (clen <= 0)
		goto fail;
	ret = lzs_decompress(c, clen, out, 2100);
	if (ret != 2100 || memcmp(in, out, 2100))
		goto fail;
	pr_debug("lzs: self-test passed (%u vectors, 2100 bytes -> %d)\n",
		 i, clen);
	return 0;
fail:
	pr_err("lzs: self-test %u failed (%d)\n", i, ret);
	return -EINVAL;
}
#endif /* DEBUG */

