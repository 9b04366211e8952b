// SPDX-License-Identifier: GPL-2.0
/* cryptomapd: byte buffers, logging and time. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <openssl/crypto.h>

#include "../cryptomap/cmtool.h"
#include "cryptomapd.h"

int log_level = LOG_INFO_;
bool log_syslog;

void *xzalloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p)
		abort();
	return p;
}

/* for the CLI's objects linked in (model.c, nl.c, ios_parse.c) */
const char *prog = "cryptomapd";

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static void buf_grow(struct buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 64;
	uint8_t *np;

	if (b->len + n <= b->cap)
		return;
	while (cap < b->len + n)
		cap *= 2;
	/* never realloc key material: copy and wipe the old block */
	np = xzalloc(cap);
	if (b->p) {
		memcpy(np, b->p, b->len);
		OPENSSL_cleanse(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = cap;
}

void buf_add(struct buf *b, const void *d, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

void buf_add8(struct buf *b, uint8_t v)
{
	buf_add(b, &v, 1);
}

void buf_add16(struct buf *b, uint16_t v)
{
	uint8_t d[2] = { v >> 8, v & 0xff };

	buf_add(b, d, 2);
}

void buf_add32(struct buf *b, uint32_t v)
{
	uint32_t be = htonl(v);

	buf_add(b, &be, 4);
}

void buf_addb(struct buf *b, const struct buf *o)
{
	buf_add(b, o->p, o->len);
}

void buf_set(struct buf *b, const void *d, size_t n)
{
	b->len = 0;
	buf_add(b, d, n);
}

void buf_free(struct buf *b)
{
	if (b->p) {
		OPENSSL_cleanse(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

void logm(int level, const char *fmt, ...)
{
	va_list ap;
	struct timespec ts;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "%ld.%03ld cryptomapd: ", (long)ts.tv_sec,
			ts.tv_nsec / 1000000);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *ipstr(uint32_t be)
{
	static char b[8][INET_ADDRSTRLEN];
	static int i;
	struct in_addr a = { .s_addr = be };

	i = (i + 1) % 8;
	inet_ntop(AF_INET, &a, b[i], sizeof(b[i]));
	return b[i];
}

void bprintf(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}
