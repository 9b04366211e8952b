/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory cryptomap configuration: what `cryptomap config` edits,
 * what is read back from the kernel, and what every show prints.
 */
#ifndef CRYPTOMAP_MODEL_H
#define CRYPTOMAP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/cryptomap.h>

#define NAME_LEN	CRYPTOMAP_NAME_MAX
#define ACL_SEQ_MAX	2147483647u
#define ACL_SEQ_STEP	10

struct ace {
	uint32_t seq;
	uint8_t action;			/* enum cryptomap_ace_action */
	int proto;			/* -1: ip (any protocol) */
	uint32_t src, swild, dst, dwild;	/* network byte order */
	uint8_t sop, dop;		/* enum cryptomap_port_op */
	uint16_t slo, shi, dlo, dhi;
	int line;
};

struct ace_index;

struct acl {
	char name[NAME_LEN];
	struct ace *e;
	size_t n, cap;
	int line;			/* last config line that changed it */
	struct ace_index *ix;		/* lines by content (model.c's cache) */
};

struct tset {
	char name[NAME_LEN];
	uint8_t ah;			/* enum cryptomap_ah_auth */
	uint8_t enc;			/* enum cryptomap_esp_enc */
	uint16_t keybits;		/* aes, gcm, gmac: 128/192/256 */
	uint8_t eauth;			/* enum cryptomap_esp_auth */
	uint8_t comp;			/* enum cryptomap_comp */
	uint8_t mode;			/* enum cryptomap_mode */
	int line;
};

struct skey {
	uint8_t dir;			/* enum cryptomap_dir */
	uint8_t proto;			/* IPPROTO_ESP / IPPROTO_AH */
	uint32_t spi;
	bool known;			/* false: read back, lengths only */
	uint16_t cipher_len, auth_len;
	bool has_cipher, has_auth;
	uint8_t cipher[CRYPTOMAP_KEY_MAX];
	uint8_t auth[CRYPTOMAP_KEY_MAX];
};

#define MAX_KEYS	4

struct entry {
	char map[NAME_LEN];
	uint32_t seq;
	uint8_t type;			/* enum cryptomap_entry_type */
	char acl[NAME_LEN];		/* "" = no match address */
	uint32_t peers[CRYPTOMAP_MAX_PEERS];	/* network byte order */
	int npeers;
	char tsets[CRYPTOMAP_MAX_TSETS][NAME_LEN];
	int ntsets;
	uint8_t pfs;			/* DH group, 0 = off */
	uint32_t life_sec, life_kb;	/* 0 = the global value */
	uint8_t replay_mode;		/* enum cryptomap_replay_mode */
	uint32_t replay_window;
	uint32_t idle;			/* 0 = the global value */
	bool esn;			/* ipsec-manual: extended seq numbers */
	struct skey keys[MAX_KEYS];
	int nkeys;
	/* read only, from the kernel */
	uint8_t inactive;
	uint32_t current_peer;
	int line;
};

struct cmap {
	char name[NAME_LEN];
	char local_if[NAME_LEN];	/* "" = none */
	int line;
};

struct binding {
	char ifname[NAME_LEN];
	char map[NAME_LEN];
	uint32_t ifindex;
	int line;
};

struct global {
	uint32_t life_sec, life_kb, replay_window, idle;
	uint8_t replay_disable, df_bit, frag;
	int line;
};

struct cfg_index;

struct config {
	struct acl *acls;
	size_t nacls;
	struct tset *tsets;
	size_t ntsets;
	struct cmap *maps;
	size_t nmaps;
	struct entry *entries;
	size_t nentries;
	struct binding *binds;
	size_t nbinds;
	struct global g;
	struct cfg_index *ix;		/* lookups by name (model.c's cache) */
};

#define DEF_LIFE_SEC	3600
#define DEF_LIFE_KB	4608000
#define DEF_REPLAY	64

void cfg_init(struct config *c);
void cfg_free(struct config *c);
void cfg_copy(struct config *dst, const struct config *src);
void cfg_sort(struct config *c);

struct acl *cfg_acl(struct config *c, const char *name, bool create);
void cfg_acl_del(struct config *c, const char *name);
int acl_insert(struct acl *a, const struct ace *e);	/* sorted by seq */
void acl_remove_at(struct acl *a, size_t i);
/* position of a line equal to e but for seq and line, or -1 */
long acl_find_same(struct acl *a, const struct ace *e);

struct tset *cfg_tset(struct config *c, const char *name, bool create);
void cfg_tset_del(struct config *c, const char *name);

struct cmap *cfg_map(struct config *c, const char *name, bool create);
void cfg_map_del(struct config *c, const char *name);	/* and its entries */
void cfg_prune_maps(struct config *c);

struct entry *cfg_entry(struct config *c, const char *map, uint32_t seq,
			bool create);
void cfg_entry_del(struct config *c, const char *map, uint32_t seq);
/*
 * The entries of one map in array order: for (i = cfg_map_first(c, m);
 * i < c->nentries; i = cfg_map_next(c, i)).
 */
size_t cfg_map_first(const struct config *c, const char *map);
size_t cfg_map_next(const struct config *c, size_t i);
/* lookups without creating, for const configurations */
const struct acl *cfg_acl_get(const struct config *c, const char *name);
const struct tset *cfg_tset_get(const struct config *c, const char *name);
const struct cmap *cfg_map_get(const struct config *c, const char *name);

struct binding *cfg_bind(struct config *c, const char *ifname, bool create);
void cfg_bind_del(struct config *c, const char *ifname);

bool acl_equal(const struct acl *a, const struct acl *b);
bool tset_equal(const struct tset *a, const struct tset *b);
bool map_equal(const struct cmap *a, const struct cmap *b);
bool entry_equal(const struct entry *a, const struct entry *b);
bool bind_equal(const struct binding *a, const struct binding *b);
bool global_equal(const struct global *a, const struct global *b);

/* effective values, the globals applied */
uint32_t entry_life_sec(const struct config *c, const struct entry *e);
uint32_t entry_life_kb(const struct config *c, const struct entry *e);

/* text of model values, shared by running-config, the shows and json */
const char *ah_name(uint8_t ah);
const char *eauth_name(uint8_t a);
const char *comp_name(uint8_t c);
/* the ESP encryption transform as configured ("esp-aes 256") or shown */
void enc_config_name(const struct tset *t, char *buf, size_t len);
void enc_show_name(const struct tset *t, char *buf, size_t len);
const char *proto_name(int proto, char *buf, size_t len);
const char *port_name(int proto, uint16_t port, char *buf, size_t len);
/* "host A", "any" or "A W" */
void addr_text(uint32_t addr, uint32_t wild, char *buf, size_t len);
/* "eq 80", "range 1 2" or "" */
void ports_text(int proto, uint8_t op, uint16_t lo, uint16_t hi, char *buf,
		size_t len);
/* "permit tcp host 1.2.3.4 any eq www" */
void ace_text(const struct ace *e, char *buf, size_t len);
const char *ip_text(uint32_t be_addr);	/* static buffer, rotating */

#endif
