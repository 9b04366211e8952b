/* SPDX-License-Identifier: GPL-2.0 */
/* cryptomap(8): declarations shared by the tool's files. */
#ifndef CRYPTOMAP_TOOL_H
#define CRYPTOMAP_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

#define EXIT_USAGE	2

/* -j, -p, -n NETNS */
extern bool json_output;
extern bool pretty_output;
extern const char *prog;

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

struct port_name {
	const char *name;
	uint16_t port;
};
extern const struct port_name ports_tcp[], ports_udp[];

/* ios_parse.c */
struct parse_opts {
	bool check_only;	/* no kernel: do not look interfaces up */
};
/* Applies IOS text to cfg; 0, or -1 after printing "line N: ..." */
int ios_apply(struct config *cfg, FILE *f, const struct parse_opts *o);
/* Warnings about the result, for the objects this text touched. */
void ios_warnings(const struct config *cfg);
#define KEY_MARKER	"<hidden>"

/* running_config.c */
void print_running_config(const struct config *c, FILE *out);
void json_running_config(const struct config *c);

/* nl.c */
struct nl;
struct nl *nl_open(void);
void nl_close(struct nl *n);
int nl_load_config(struct nl *n, struct config *c);
/* Pushes the difference between old and new; rolls back on failure. */
int nl_commit(struct nl *n, const struct config *old,
	      const struct config *new);
/* SA list, as read with CRYPTOMAP_CMD_SA_GET */
struct sa {
	char map[NAME_LEN];
	uint32_t seq;
	uint8_t dir, proto, mode, status, iv_size;
	uint32_t spi, src, dst;
	char tset[NAME_LEN];
	uint32_t replay_window, life_sec_left;
	uint64_t life_kb_left;
	int has_life;		/* keyed SAs only: manual ones never expire */
	bool esn;		/* extended sequence numbers */
	uint64_t oseq;		/* out: last sent; in: highest received */
	uint64_t st[__CRYPTOMAP_SA_STATS_MAX];
};
struct stats {
	uint64_t v[__CRYPTOMAP_STATS_A_MAX];
};
int nl_sa_dump(struct nl *n, struct sa **sas, size_t *nsas);
int nl_stats_get(struct nl *n, struct stats *st);
struct sa_clear {
	const char *map;
	uint32_t peer, dst, spi;
	uint8_t proto;
	bool counters;
};
int nl_sa_clear(struct nl *n, const struct sa_clear *sc);

/* show_*.c and config.c: the commands */
int cmd_config(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_clear(int argc, char **argv);
int clear_isakmp(int argc, char **argv);		/* show.c, via cryptomapd */
int cryptomapd_ask(const char *req);
int show_transform_set(const struct config *c, const char *tag);
int show_crypto_map(const struct config *c, const char *ifname,
		    const char *tag);
int show_ipsec_sa(int argc, char **argv);
int show_running_config(int argc, char **argv);
void print_tset_transforms(const struct tset *t, int group, char *buf,
			   size_t len);

/* helpers for messages */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int load_kernel_config(struct config *c);
int load_offline_config(struct config *c, const char *file);

/* show_map.c */
uint32_t if_ipv4(const char *ifname);
const struct acl *find_acl_c(const struct config *c, const char *name);
const struct tset *find_tset_c(const struct config *c, const char *name);

#endif
