// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace tests of kmod/lzs.c, built by selftests/lzs.sh with
 * -include lzs_shim.h (and, where the compiler has them, ASan and UBSan):
 *
 *   lzs_test VECTOR_DIR [TEXT_FILE...]
 *
 * 1. the vectors in VECTOR_DIR/ *.vec (published ones and hand-derived
 *    ones, see selftests/data/lzs/spec-hand.vec for the format);
 * 2. round trips over many inputs and sizes, and the compressor's bounds;
 * 3. the decompressor fed truncated, mutated and random streams: it must
 *    return an error or a length, and never read or write out of bounds
 *    (exact-size heap buffers for ASan, guard bytes checked as well);
 * 4. compression ratios of TEXT_FILEs, whole and in 1400-byte packets.
 *
 * Prints KTAP; exits 0 if every test passed, 1 otherwise.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lzs.h"

#define GUARD		64
#define GUARD_BYTE	0xa5

static int ktap_n, ktap_fail;
static struct lzs_wrkmem *wrk;

static void ktap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	ktap_n++;
	if (!ok)
		ktap_fail++;
	printf("%s %d ", ok ? "ok" : "not ok", ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		perror("malloc");
		exit(1);
	}
	return p;
}

/* xorshift32: reproducible inputs */
static uint32_t rng_state = 0x2395c0deu;

static uint32_t rnd(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

/* ---------------------------------------------------------------- vectors */

struct vec {
	char name[64];
	char file[256];
	u8 *in;
	size_t in_len;
	u8 *out;
	size_t out_len;
	long dlen;		/* -1: out_len + 64 */
	int expect;		/* 0, -EINVAL or -E2BIG */
	bool compress;
	/* bits being collected */
	u8 acc;
	int nacc;
};

static struct vec *vecs;
static int nvecs;

static void append(u8 **buf, size_t *len, const u8 *p, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	if (!*buf) {
		perror("realloc");
		exit(1);
	}
	if (n)
		memcpy(*buf + *len, p, n);
	*len += n;
}

static void flush_bits(struct vec *v)
{
	if (v->nacc) {
		u8 b = v->acc << (8 - v->nacc);

		append(&v->in, &v->in_len, &b, 1);
		v->acc = 0;
		v->nacc = 0;
	}
}

static void bad_line(const char *file, int line, const char *why)
{
	fprintf(stderr, "%s:%d: %s\n", file, line, why);
	exit(1);
}

static void parse_hex(const char *s, u8 **buf, size_t *len,
		      const char *file, int line)
{
	unsigned int x;
	int n;

	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x%n", &x, &n) != 1 || n != 2)
			bad_line(file, line, "bad hex");
		u8 b = x;

		append(buf, len, &b, 1);
		s += 2;
	}
}

static void load_vectors(const char *dir)
{
	struct dirent **ents;
	int nents, i;

	nents = scandir(dir, &ents, NULL, alphasort);
	if (nents < 0) {
		perror(dir);
		exit(1);
	}
	for (i = 0; i < nents; i++) {
		char path[512], line[1024];
		struct vec *v = NULL;
		size_t nl = strlen(ents[i]->d_name);
		int lineno = 0;
		FILE *f;

		if (nl < 5 || strcmp(ents[i]->d_name + nl - 4, ".vec")) {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		f = fopen(path, "r");
		if (!f) {
			perror(path);
			exit(1);
		}
		while (fgets(line, sizeof(line), f)) {
			char *arg;

			lineno++;
			line[strcspn(line, "\n")] = 0;
			if (!line[0] || line[0] == '#')
				continue;
			arg = strchr(line, ' ');
			arg = arg ? arg + 1 : line + strlen(line);

			if (!strncmp(line, "name ", 5)) {
				vecs = realloc(vecs, (nvecs + 1) * sizeof(*vecs));
				v = &vecs[nvecs++];
				memset(v, 0, sizeof(*v));
				snprintf(v->name, sizeof(v->name), "%s", arg);
				snprintf(v->file, sizeof(v->file), "%s",
					 ents[i]->d_name);
				v->dlen = -1;
				v->expect = 1;	/* must be set */
				continue;
			}
			if (!v)
				bad_line(path, lineno, "no name line yet");
			if (!strncmp(line, "bits ", 5)) {
				for (; *arg; arg++) {
					if (*arg == ' ')
						continue;
					if (*arg != '0' && *arg != '1')
						bad_line(path, lineno, "bad bit");
					v->acc = v->acc << 1 | (*arg - '0');
					if (++v->nacc == 8) {
						append(&v->in, &v->in_len,
						       &v->acc, 1);
						v->acc = 0;
						v->nacc = 0;
					}
				}
			} else if (!strcmp(line, "in") ||
				   !strncmp(line, "in ", 3)) {
				if (v->nacc)
					bad_line(path, lineno, "in after bits");
				parse_hex(arg, &v->in, &v->in_len, path, lineno);
				if (!v->in)
					append(&v->in, &v->in_len, NULL, 0);
			} else if (!strncmp(line, "out ", 4)) {
				parse_hex(arg, &v->out, &v->out_len, path,
					  lineno);
			} else if (!strncmp(line, "text |", 6)) {
				char *end = strrchr(arg, '|');

				if (end == arg)
					bad_line(path, lineno, "text |...|");
				append(&v->out, &v->out_len, (u8 *)arg + 1,
				       end - arg - 1);
			} else if (!strncmp(line, "fill ", 5)) {
				unsigned int n, b;

				if (sscanf(arg, "%u %x", &n, &b) != 2)
					bad_line(path, lineno, "fill N HH");
				while (n--) {
					u8 c = b;

					append(&v->out, &v->out_len, &c, 1);
				}
			} else if (!strncmp(line, "dlen ", 5)) {
				v->dlen = atol(arg);
			} else if (!strcmp(line, "compress")) {
				v->compress = true;
			} else if (!strncmp(line, "expect ", 7)) {
				if (!strcmp(arg, "ok"))
					v->expect = 0;
				else if (!strcmp(arg, "einval"))
					v->expect = -EINVAL;
				else if (!strcmp(arg, "e2big"))
					v->expect = -E2BIG;
				else
					bad_line(path, lineno, "bad expect");
			} else {
				bad_line(path, lineno, "unknown key");
			}
		}
		fclose(f);
		free(ents[i]);
	}
	free(ents);
	for (i = 0; i < nvecs; i++) {
		flush_bits(&vecs[i]);
		if (!vecs[i].in)
			append(&vecs[i].in, &vecs[i].in_len, NULL, 0);
		if (!vecs[i].out)
			append(&vecs[i].out, &vecs[i].out_len, NULL, 0);
		if (vecs[i].expect == 1) {
			fprintf(stderr, "vector %s: no expect line\n",
				vecs[i].name);
			exit(1);
		}
	}
}

static void hexdump_diag(const char *what, const u8 *p, size_t n)
{
	char line[3 * 16 + 1];
	size_t i;

	for (i = 0; i < n; i += 16) {
		size_t j, k = 0;

		for (j = i; j < n && j < i + 16; j++)
			k += sprintf(line + k, " %02x", p[j]);
		diag("%s%s", what, line);
	}
}

static bool guard_intact(const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < GUARD; i++)
		if (p[n + i] != GUARD_BYTE)
			return false;
	return true;
}

static void run_vector(const struct vec *v)
{
	size_t dlen = v->dlen >= 0 ? (size_t)v->dlen : v->out_len + 64;
	u8 *src = xmalloc(v->in_len);
	u8 *dst = xmalloc(dlen + GUARD);
	bool ok;
	int ret;

	memcpy(src, v->in, v->in_len);
	memset(dst, GUARD_BYTE, dlen + GUARD);
	ret = lzs_decompress(src, v->in_len, dst, dlen);
	if (v->expect)
		ok = ret == v->expect;
	else
		ok = ret >= 0 && (size_t)ret == v->out_len &&
		     !memcmp(dst, v->out, v->out_len);
	ok = ok && guard_intact(dst, dlen);
	if (!ok) {
		diag("%s: decompress returned %d, expected %d (%zu bytes)",
		     v->name, ret, v->expect, v->out_len);
		if (ret > 0)
			hexdump_diag("got", dst, ret);
	}

	if (ok && v->compress) {
		size_t clen = lzs_compress_bound(v->out_len);
		u8 *c = xmalloc(clen);

		ret = lzs_compress(v->out, v->out_len, c, clen, wrk);
		if (ret < 0 || (size_t)ret != v->in_len ||
		    memcmp(c, v->in, v->in_len)) {
			ok = false;
			diag("%s: compress returned %d, expected the stream",
			     v->name, ret);
			if (ret > 0)
				hexdump_diag("got", c, ret);
			hexdump_diag("want", v->in, v->in_len);
		}
		free(c);
	}
	ktap_result(ok, "vector %s: %s%s", v->file, v->name,
		    v->compress ? " (and compress)" : "");
	free(src);
	free(dst);
}

/* ------------------------------------------------------------ round trips */

/*
 * Compress @n bytes into an exact-size buffer of lzs_compress_bound(),
 * decompress into an exact-size buffer, compare.  Also: the compressed
 * length fits exactly (one byte less gives -E2BIG without writing past
 * the end).  Returns the compressed length or -1.
 */
static long roundtrip(const u8 *data, size_t n, bool edges)
{
	size_t bound = lzs_compress_bound(n);
	u8 *src = xmalloc(n);
	u8 *c = xmalloc(bound);
	u8 *d = xmalloc(n + GUARD);
	int clen, dlen;
	long ret = -1;

	memcpy(src, data, n);
	clen = lzs_compress(src, n, c, bound, wrk);
	if (clen < 0) {
		diag("size %zu: compress returned %d", n, clen);
		goto out;
	}
	memset(d, GUARD_BYTE, n + GUARD);
	dlen = lzs_decompress(c, clen, d, n);
	if (dlen != (int)n || memcmp(d, src, n) || !guard_intact(d, n)) {
		diag("size %zu: decompress returned %d", n, dlen);
		goto out;
	}
	if (n && lzs_decompress(c, clen, d, n - 1) != -E2BIG) {
		diag("size %zu: decompress into n - 1 bytes did not fail", n);
		goto out;
	}
	if (edges) {
		u8 *e = xmalloc(clen + GUARD);
		int r;

		memset(e, GUARD_BYTE, clen + GUARD);
		r = lzs_compress(src, n, e, clen, wrk);
		if (r != clen || memcmp(e, c, clen) || !guard_intact(e, clen)) {
			diag("size %zu: compress into exactly %d: %d", n,
			     clen, r);
			free(e);
			goto out;
		}
		memset(e, GUARD_BYTE, clen + GUARD);
		r = lzs_compress(src, n, e, clen - 1, wrk);
		if (r != -E2BIG || e[clen - 1] != GUARD_BYTE) {
			diag("size %zu: compress into %d bytes: %d", n,
			     clen - 1, r);
			free(e);
			goto out;
		}
		free(e);
	}
	ret = clen;
out:
	free(src);
	free(c);
	free(d);
	return ret;
}

enum kind { K_RANDOM, K_ZERO, K_TEXT, K_PERIOD, K_SMALLALPHA, K_NKINDS };

static const char words[] =
	"the quick brown fox jumps over the lazy dog while a crypto map entry binds an access list to a transform set and a peer ";

static void fill(u8 *p, size_t n, enum kind k, unsigned int param)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (k) {
		case K_RANDOM:
			p[i] = rnd();
			break;
		case K_ZERO:
			p[i] = 0;
			break;
		case K_TEXT:
			p[i] = words[(i * 7 + param + (rnd() % 3 == 0)) %
				     (sizeof(words) - 1)];
			break;
		case K_PERIOD:
			p[i] = i < param ? (u8)rnd() : p[i - param];
			break;
		case K_SMALLALPHA:
			p[i] = "ACGT"[rnd() & 3];
			break;
		default:
			break;
		}
	}
}

static void test_small_sizes(void)
{
	u8 buf[600];
	bool ok = true;
	int k;
	size_t n;

	for (k = 0; k < K_NKINDS; k++)
		for (n = 0; n <= 520 && ok; n++) {
			fill(buf, n, k, 3);
			ok = roundtrip(buf, n, true) >= 0;
		}
	ktap_result(ok, "round trip: sizes 0..520 of every kind, exact buffers");
}

static void test_big_sizes(void)
{
	static const size_t sizes[] = {
		1021, 1400, 1500, 2046, 2047, 2048, 2049, 4095, 4096, 8191,
		9000, 16384, 32767, 32768, 65534, 65535,
	};
	u8 *buf = xmalloc(65535);
	bool ok = true;
	size_t i;
	int k;

	for (k = 0; k < K_NKINDS && ok; k++)
		for (i = 0; i < ARRAY_SIZE(sizes) && ok; i++) {
			fill(buf, sizes[i], k, 1000);
			ok = roundtrip(buf, sizes[i], true) >= 0;
		}
	ktap_result(ok, "round trip: sizes 1021..65535 of every kind");

	ok = true;
	for (i = 0; i < 300 && ok; i++) {
		size_t n = rnd() % 65536;

		fill(buf, n, rnd() % K_NKINDS, rnd() % 3000 + 1);
		ok = roundtrip(buf, n, false) >= 0;
	}
	ktap_result(ok, "round trip: 300 random sizes and kinds up to 65535");
	free(buf);
}

static void test_zero_compresses(void)
{
	u8 *buf = calloc(1, 65535);
	long c = roundtrip(buf, 65535, true);

	/* 'A' + strings of 8 + 15k bytes: about 4 bits per 15 bytes */
	diag("65535 zero bytes -> %ld bytes", c);
	ktap_result(c > 0 && c < 2300, "round trip: 65535 zero bytes compress to < 2300");
	free(buf);
}

static void test_match_lengths(void)
{
	u8 buf[3000];
	bool ok = true;
	size_t len;

	/* A random prefix, then a copy of length len at offset 1, 100, 1000 */
	for (len = 2; len <= 300 && ok; len++) {
		static const unsigned int offs[] = { 1, 2, 100, 127, 128, 1000,
						     2047 };
		size_t i, o;

		for (o = 0; o < ARRAY_SIZE(offs) && ok; o++) {
			size_t n = offs[o] + len + 1;

			fill(buf, offs[o], K_RANDOM, 0);
			for (i = offs[o]; i < offs[o] + len; i++)
				buf[i] = buf[i - offs[o]];
			buf[n - 1] = ~buf[n - 1 - offs[o]];
			ok = roundtrip(buf, n, len < 40) >= 0;
		}
	}
	ktap_result(ok, "round trip: string lengths 2..300 at offsets 1..2047");
}

/* The window: the match 2047 bytes back is usable, 2048 is not. */
static void test_window_edge(void)
{
	static const size_t dist[] = { 2046, 2047, 2048, 2049, 4096 };
	u8 buf[4200];
	bool ok = true;
	long c[5];
	size_t i, j;

	for (i = 0; i < 5; i++) {
		size_t n = dist[i] + 64;

		for (j = 0; j < dist[i]; j++)	/* no repeats of 2 bytes */
			buf[j] = j & 1 ? (u8)(j >> 1) : (u8)(j >> 9) ^ 0x5a;
		for (j = dist[i]; j < n; j++)
			buf[j] = buf[j - dist[i]];
		c[i] = roundtrip(buf, n, true);
		ok = ok && c[i] > 0;
	}
	diag("64 repeated bytes at distance 2046/2047/2048/2049/4096 -> %ld %ld %ld %ld %ld bytes",
	     c[0], c[1], c[2], c[3], c[4]);
	/* At 2047 the 64 bytes are one string (< 5 bytes); beyond, literals. */
	ok = ok && c[1] + 60 < c[2] && c[0] <= c[1];
	ktap_result(ok, "round trip: window edge at offset 2047");
}

/* Hand-built stream: 2047 literals, then a string at offset 2047. */
static void test_max_offset_stream(void)
{
	u8 *s = xmalloc(2600), d[2100];
	u32 acc = 0;
	int nacc = 0, i, ret;
	size_t sl = 0;
	bool ok;

#define PUT(v, nb) do {						\
		acc = acc << (nb) | (v); nacc += (nb);			\
		while (nacc >= 8) {					\
			nacc -= 8;					\
			s[sl++] = acc >> nacc;				\
		}							\
	} while (0)
	for (i = 0; i < 2047; i++)
		PUT((u32)(i * 13 & 0xff), 9);
	PUT(0x1000 | 2047, 13);		/* 1 0 11111111111 */
	PUT(0xc, 4);			/* length 5 */
	PUT(0x180, 9);
	if (nacc)
		PUT(0, 8 - nacc);
#undef PUT
	ret = lzs_decompress(s, sl, d, sizeof(d));
	ok = ret == 2052;
	for (i = 0; ok && i < 5; i++)
		ok = d[2047 + i] == (u8)(i * 13);
	ktap_result(ok, "decompress: hand-built string at offset 2047");
	free(s);
}

static void test_limits(void)
{
	u8 *big = calloc(1, 65536), *c = xmalloc(lzs_compress_bound(65536));
	u8 one = 'x', out[8];
	bool ok;

	ok = lzs_compress(big, 65536, c, lzs_compress_bound(65536), wrk) ==
	     -EINVAL;
	ok = ok && lzs_compress(&one, 1, out, 0, wrk) == -E2BIG;
	ok = ok && lzs_compress(&one, 0, out, 1, wrk) == -E2BIG;
	ok = ok && lzs_compress(&one, 0, out, 2, wrk) == 2;
	ok = ok && lzs_compress_bound(0) == 2 && lzs_compress_bound(8) == 11;
	ktap_result(ok, "compress: input above 65535 refused, tiny buffers give -E2BIG");
	free(big);
	free(c);
}

/* ------------------------------------------------------------------ fuzz */

/* Decompress @n bytes copied to an exact-size buffer into @dlen bytes. */
static bool fuzz_one(const u8 *p, size_t n, size_t dlen, unsigned long *st)
{
	u8 *src = xmalloc(n), *dst = xmalloc(dlen + GUARD);
	int ret;
	bool ok;

	memcpy(src, p, n);
	memset(dst, GUARD_BYTE, dlen + GUARD);
	ret = lzs_decompress(src, n, dst, dlen);
	ok = (ret >= 0 && (size_t)ret <= dlen) || ret == -EINVAL ||
	     ret == -E2BIG;
	ok = ok && guard_intact(dst, dlen);
	if (ret >= 0)
		st[0]++;
	else if (ret == -EINVAL)
		st[1]++;
	else
		st[2]++;
	if (!ok)
		diag("fuzz: %zu bytes into %zu: returned %d", n, dlen, ret);
	free(src);
	free(dst);
	return ok;
}

static void test_fuzz(void)
{
	static const size_t sizes[] = { 1, 9, 100, 1400, 5000 };
	unsigned long st[3] = { 0 };
	u8 *buf = xmalloc(6000), *c = xmalloc(lzs_compress_bound(6000));
	bool ok = true;
	size_t i, j;
	int k;

	/* every prefix of valid streams */
	for (k = 0; k < K_NKINDS && ok; k++)
		for (i = 0; i < ARRAY_SIZE(sizes) && ok; i++) {
			int cl;

			fill(buf, sizes[i], k, 7);
			cl = lzs_compress(buf, sizes[i], c,
					  lzs_compress_bound(sizes[i]), wrk);
			/* a prefix lacks part of the end marker */
			for (j = 0; j < (size_t)cl && ok; j++)
				ok = fuzz_one(c, j, sizes[i], st) && !st[0];
		}
	diag("truncations: %lu accepted, %lu -EINVAL, %lu -E2BIG",
	     st[0], st[1], st[2]);
	ktap_result(ok, "fuzz: every truncation of valid streams is refused");

	/* bit flips and byte changes in valid streams */
	memset(st, 0, sizeof(st));
	for (i = 0; i < 20000 && ok; i++) {
		size_t n = rnd() % 3000 + 1;
		int cl, flips = rnd() % 4 + 1;

		fill(buf, n, rnd() % K_NKINDS, rnd() % 500 + 1);
		cl = lzs_compress(buf, n, c, lzs_compress_bound(n), wrk);
		while (flips--) {
			j = rnd() % cl;
			if (rnd() & 1)
				c[j] ^= 1 << (rnd() % 8);
			else
				c[j] = rnd();
		}
		ok = fuzz_one(c, cl, rnd() % 2 ? n : rnd() % (2 * n + 1), st);
	}
	diag("mutations: %lu accepted, %lu -EINVAL, %lu -E2BIG", st[0], st[1],
	     st[2]);
	ktap_result(ok, "fuzz: 20000 mutated streams, no overrun");

	/* random bytes, with a bias towards string tokens */
	memset(st, 0, sizeof(st));
	for (i = 0; i < 50000 && ok; i++) {
		size_t n = rnd() % 200;

		for (j = 0; j < n; j++)
			buf[j] = i & 1 ? rnd() : rnd() | 0x88;
		ok = fuzz_one(buf, n, rnd() % 4000, st);
	}
	diag("random: %lu accepted, %lu -EINVAL, %lu -E2BIG", st[0], st[1],
	     st[2]);
	ktap_result(ok, "fuzz: 50000 random streams, no overrun");
	free(buf);
	free(c);
}

/* ----------------------------------------------------------------- ratio */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_ratio(const char *path)
{
	size_t len = 0, bound, pk, whole = 0, packets = 0, npk = 0, smaller = 0;
	u8 *data = NULL, *c, *d, tmp[4096];
	double t0, t1, t2;
	const char *base = strrchr(path, '/');
	bool ok = true;
	FILE *f;
	size_t n;

	base = base ? base + 1 : path;
	f = fopen(path, "rb");
	if (!f) {
		printf("ok %d ratio: %s # SKIP cannot open it\n", ++ktap_n, path);
		return;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		append(&data, &len, tmp, n);
	fclose(f);
	if (len > 65535)
		len = 65535;
	bound = lzs_compress_bound(len);
	c = xmalloc(bound);
	d = xmalloc(len + 1);

	t0 = now();
	for (n = 0; n < 20; n++)
		whole = lzs_compress(data, len, c, bound, wrk);
	t1 = now();
	for (n = 0; n < 20; n++)
		ok = ok && lzs_decompress(c, whole, d, len) == (int)len;
	t2 = now();
	ok = ok && !memcmp(d, data, len);
	diag("%s: %zu bytes -> %zu (%.1f%%), compress %.0f MB/s, decompress %.0f MB/s",
	     base, len, whole, 100.0 * whole / len,
	     20.0 * len / (t1 - t0) / 1e6, 20.0 * len / (t2 - t1) / 1e6);

	for (pk = 0; pk < len; pk += 1400) {
		size_t pl = len - pk < 1400 ? len - pk : 1400;
		int r = lzs_compress(data + pk, pl, c, bound, wrk);

		ok = ok && r > 0 && lzs_decompress(c, r, d, pl) == (int)pl &&
		     !memcmp(d, data + pk, pl);
		packets += r;
		npk++;
		smaller += (size_t)r < pl;
	}
	diag("%s in %zu packets of 1400 bytes, each on its own: %zu -> %zu (%.1f%%), %zu of %zu smaller",
	     base, npk, len, packets, 100.0 * packets / len, smaller, npk);
	/* text must shrink: a compressor that emitted only literals would not */
	ktap_result(ok && whole * 10 < len * 7, "ratio: %s compresses below 70%%",
		    base);
	free(data);
	free(c);
	free(d);
}

int main(int argc, char **argv)
{
	int i, planned;

	if (argc < 2) {
		fprintf(stderr, "usage: %s VECTOR_DIR [TEXT_FILE...]\n", argv[0]);
		return 2;
	}
	wrk = xmalloc(LZS_WRKMEM);
	/* stale scratch space must not matter: fill it with garbage */
	for (i = 0; i < (int)LZS_WRKMEM; i++)
		((u8 *)wrk)[i] = rnd();
	load_vectors(argv[1]);

	planned = nvecs + 12 + (argc - 2);
	printf("TAP version 13\n1..%d\n", planned);
	if (getenv("LZS_TEST_NOTE"))
		diag("lzs_test %s", getenv("LZS_TEST_NOTE"));
	diag("LZS_WRKMEM %zu bytes, %d vectors from %s", LZS_WRKMEM, nvecs,
	     argv[1]);

	for (i = 0; i < nvecs; i++)
		run_vector(&vecs[i]);
	ktap_result(lzs_selftest() == 0,
		    "lzs_selftest(), the module's load-time check in debug builds");
	test_small_sizes();
	test_big_sizes();
	test_zero_compresses();
	test_match_lengths();
	test_window_edge();
	test_max_offset_stream();
	test_limits();
	test_fuzz();
	for (i = 2; i < argc; i++)
		test_ratio(argv[i]);

	if (ktap_n != planned) {
		diag("planned %d results, reported %d", planned, ktap_n);
		ktap_fail++;
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       ktap_n - ktap_fail, ktap_fail);
	printf("%d passed, %d failed\n", ktap_n - ktap_fail, ktap_fail);
	return ktap_fail ? 1 : 0;
}
