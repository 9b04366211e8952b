// SPDX-License-Identifier: GPL-2.0
/* A tiny streaming JSON writer for -j (and -p for indentation). */
#include <inttypes.h>
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
