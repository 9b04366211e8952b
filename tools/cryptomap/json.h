/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRYPTOMAP_JSON_H
#define CRYPTOMAP_JSON_H

#include <stdbool.h>
#include <stdint.h>

/* key is NULL inside arrays and for the top-level value */
void jw_obj_start(const char *key);
void jw_obj_end(void);
void jw_arr_start(const char *key);
void jw_arr_end(void);
void jw_str(const char *key, const char *v);
void jw_uint(const char *key, uint64_t v);
void jw_bool(const char *key, bool v);
void jw_null(const char *key);

struct ace;
struct tset;
void json_ace(const struct ace *e);
void json_tset_transforms(const struct tset *t);

/* text and JSON from one printing path */
enum print_to { PRINT_ANY, PRINT_TEXT, PRINT_JSON };
void print_str(enum print_to t, const char *key, const char *fmt,
	       const char *v);
void print_u64(enum print_to t, const char *key, const char *fmt, uint64_t v);
void print_yn(enum print_to t, const char *key, const char *fmt, bool v);
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void open_obj(const char *key);
void close_obj(void);
void open_arr(const char *key);
void close_arr(void);

#endif
