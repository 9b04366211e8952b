// SPDX-License-Identifier: GPL-2.0
/* A tiny streaming JSON writer for -j (and -p for indentation). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "cmtool.h"
#include "json.h"

#define DEPTH_MAX 32

static int depth;
static bool need_comma[DEPTH_MAX];

static void indent(void)
{
	int i;

	if (!pretty_output)
		return;
	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("  ", stdout);
}

static void put_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\t')
			fputs("\\t", stdout);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void member(const char *key)
{
	if (depth > 0 && need_comma[depth])
		putchar(',');
	if (depth > 0)
		indent();
	need_comma[depth] = true;
	if (key) {
		put_string(key);
		putchar(':');
		if (pretty_output)
			putchar(' ');
	}
}

static void jopen(const char *key, char ch)
{
	member(key);
	putchar(ch);
	if (depth < DEPTH_MAX - 1)
		depth++;
	need_comma[depth] = false;
}

static void jclose(char ch)
{
	bool had = need_comma[depth];

	if (depth > 0)
		depth--;
	if (had)
		indent();
	putchar(ch);
	if (!depth)
		putchar('\n');
}

void jw_obj_start(const char *key)
{
	jopen(key, '{');
}

void jw_obj_end(void)
{
	jclose('}');
}

void jw_arr_start(const char *key)
{
	jopen(key, '[');
}

void jw_arr_end(void)
{
	jclose(']');
}

void jw_str(const char *key, const char *v)
{
	member(key);
	if (v)
		put_string(v);
	else
		fputs("null", stdout);
}

void jw_uint(const char *key, uint64_t v)
{
	member(key);
	printf("%" PRIu64, v);
}

void jw_bool(const char *key, bool v)
{
	member(key);
	fputs(v ? "true" : "false", stdout);
}

void jw_null(const char *key)
{
	member(key);
	fputs("null", stdout);
}

/* the formats are the callers' constant strings */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/*
 * One printing path for text and JSON, as iproute2's json_print: each
 * value is printed with its text format in text mode and as "key": value
 * with -j.  PRINT_TEXT and PRINT_JSON restrict a value to one of them.
 */
void print_str(enum print_to t, const char *key, const char *fmt,
	       const char *v)
{
	if (json_output) {
		if (t != PRINT_TEXT)
			jw_str(key, v);
	} else if (t != PRINT_JSON && fmt) {
		printf(fmt, v ? v : "");
	}
}

void print_u64(enum print_to t, const char *key, const char *fmt, uint64_t v)
{
	if (json_output) {
		if (t != PRINT_TEXT)
			jw_uint(key, v);
	} else if (t != PRINT_JSON && fmt) {
		printf(fmt, (unsigned long long)v);
	}
}

/* text: fmt gets "Y" or "N" */
void print_yn(enum print_to t, const char *key, const char *fmt, bool v)
{
	if (json_output) {
		if (t != PRINT_TEXT)
			jw_bool(key, v);
	} else if (t != PRINT_JSON && fmt) {
		printf(fmt, v ? "Y" : "N");
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json_output)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void open_obj(const char *key)
{
	if (json_output)
		jw_obj_start(key);
}

void close_obj(void)
{
	if (json_output)
		jw_obj_end();
}

void open_arr(const char *key)
{
	if (json_output)
		jw_arr_start(key);
}

void close_arr(void)
{
	if (json_output)
		jw_arr_end();
}
