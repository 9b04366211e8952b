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

#endif
