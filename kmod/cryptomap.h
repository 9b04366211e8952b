/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: state shared by the control plane and the data path.
 *
 * Configuration objects live in struct cm_net, one per network namespace,
 * and change only under cm_net->lock.  After every successful change
 * cm_spd_rebuild() compiles them into an immutable struct cm_spd and
 * publishes it with rcu_assign_pointer(); the data path reads
 * cm_net->spd under rcu_read_lock() and never sees a half-built policy.
 */
#ifndef _CM_CRYPTOMAP_H
#define _CM_CRYPTOMAP_H

#include <linux/cryptomap.h>
#include <linux/hashtable.h>
#include <linux/if.h>
#include <linux/jhash.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/* ---- the compiled policy (SPD), read by the data path under RCU ---- */

/* The selectors of one packet; ports are 0 unless proto is TCP or UDP. */
struct cm_flow {
	__be32 saddr, daddr;
	u8 proto;
	__be16 sport, dport;
};

/* One compiled ACL entry: addr is already masked, mask = ~wildcard. */
struct cm_ace {
	__be32 src, smask;
	__be32 dst, dmask;
	u8 proto;			/* 0 = any ("ip") */
	u8 action;			/* enum cryptomap_ace_action */
	u8 sport_op, dport_op;		/* enum cryptomap_port_op */
	u16 sport_lo, sport_hi;		/* host order */
	u16 dport_lo, dport_hi;
};

/*
 * A compiled ACL (spd.c): tuple-space search.  Its lines are grouped by
 * their tuple (source mask, destination mask, protocol given or not,
 * source and destination port exact or not); in each group a line is a
 * node keyed by its masked fields, and lines with the same key share a
 * node, in order.  One hash over all groups: a lookup probes each group
 * once, in the order of the group's first line, and stops when no later
 * group can hold an earlier line.  Port operators other than eq fall in
 * the "not exact" class and are checked on the node's lines.
 */
#define CM_CLS_NONE	U32_MAX

struct cm_cls_group {
	__be32 smask, dmask;
	u8 proto;			/* the lines give a protocol */
	u8 sport, dport;		/* the lines give an exact port */
	u32 first;			/* lowest line of the group */
};

struct cm_cls_node {
	__be32 src, dst;
	u16 sport, dport;		/* host order; 0: the group's is not exact */
	u8 proto;
	u32 group;
	u32 next;			/* in the bucket, CM_CLS_NONE ends */
	u32 start, count;		/* its lines: cm_acl_cls->lines[start..] */
};

struct cm_acl_cls {
	const struct cm_ace *aces;	/* the ACL in order */
	unsigned int n_aces;
	struct cm_cls_group *groups;	/* by first line */
	unsigned int n_groups;
	struct cm_cls_node *nodes;
	u32 *lines;
	u32 *buckets;			/* node index, CM_CLS_NONE = empty */
	u32 hmask;
	bool compiled;
};

/* A transform set as an entry uses it. */
struct cm_tset_params {
	char name[CRYPTOMAP_NAME_MAX];
	u8 ah;				/* enum cryptomap_ah_auth */
	u8 esp_enc;			/* enum cryptomap_esp_enc */
	u8 esp_auth;			/* enum cryptomap_esp_auth */
	u8 comp;			/* enum cryptomap_comp */
	u8 mode;			/* enum cryptomap_mode */
	u16 keybits;			/* aes/gcm/gmac: 128, 192, 256; else 0 */
};

/* set session-key (ipsec-manual). */
struct cm_session_key {
	u8 dir;				/* enum cryptomap_dir */
	u8 proto;			/* IPPROTO_ESP or IPPROTO_AH */
	u32 spi;			/* host order */
	u8 cipher[CRYPTOMAP_KEY_MAX];	/* ESP cipher key (+ 4 bytes salt) */
	u8 cipher_len;
	u8 auth[CRYPTOMAP_KEY_MAX];	/* ESP authenticator or AH key */
	u8 auth_len;
};

#define CM_MAX_KEYS	4	/* {in,out} x {esp,ah} */

struct cm_spd_entry {
	char map[CRYPTOMAP_NAME_MAX];
	u32 seq;
	u8 type;			/* enum cryptomap_entry_type */
	u8 inactive;			/* enum cryptomap_inactive */

	const struct cm_ace *aces;	/* the ACL at compile time (cls->aces) */
	unsigned int n_aces;
	const struct cm_acl_cls *cls;	/* NULL: no ACL or an empty one */

	__be32 peers[CRYPTOMAP_MAX_PEERS];
	unsigned int n_peers;
	unsigned int cur_peer;		/* index in peers; READ_ONCE/WRITE_ONCE */

	char local_ifname[IFNAMSIZ];	/* the map's local-address, "" = none */

	struct cm_tset_params tsets[CRYPTOMAP_MAX_TSETS]; /* existing ones, in order */
	unsigned int n_tsets;

	/* the global defaults applied where the entry sets nothing */
	u8 pfs;				/* DH group, 0 = no pfs */
	u32 life_sec;
	u32 life_kb;
	u32 replay_window;		/* 0 = replay detection disabled */
	u32 idle_time;			/* 0 = off */
	u8 df_bit;			/* enum cryptomap_df_bit */
	u8 frag;			/* enum cryptomap_frag */

	struct cm_session_key keys[CM_MAX_KEYS];	/* ipsec-manual */
	unsigned int n_keys;
	bool esn;			/* ipsec-manual: 64-bit seq numbers */

	void *sa;			/* owned by sa.c, set in cm_sadb_sync() */
};

/* A crypto map: ALL its entries sorted by seq, inactive ones included. */
struct cm_spd_map {
	char name[CRYPTOMAP_NAME_MAX];
	struct cm_spd_entry *entries;
	unsigned int n;
};

/* An interface binding; map is NULL when the bound map does not exist. */
struct cm_spd_if {
	int ifindex;
	const struct cm_spd_map *map;
};

struct cm_spd {
	struct cm_spd_map *maps;
	unsigned int n_maps;
	struct cm_spd_map **maps_by_name;	/* sorted by name */
	struct cm_acl_cls *cls;		/* one per ACL of the configuration */
	unsigned int n_cls;
	const struct cm_spd_entry **sa_hash;	/* entries with an SA bundle */
	u32 sa_hmask;
	struct cm_spd_if *ifs;		/* sorted by ifindex */
	unsigned int n_ifs;
	unsigned int genid;		/* cm_net->genid it was built from */
	struct rcu_work free_work;
};

const struct cm_spd_map *cm_spd_map_for_if(const struct cm_spd *spd,
					   int ifindex);
bool cm_ace_list_match(const struct cm_ace *aces, unsigned int n,
		       const struct cm_flow *fl, bool mirrored);
bool cm_acl_cls_match(const struct cm_acl_cls *cls, const struct cm_flow *fl,
		      bool mirrored);
bool cm_spd_entry_match(const struct cm_spd_entry *e,
			const struct cm_flow *fl, bool mirrored);
struct cm_spd_entry *cm_spd_lookup_out(const struct cm_spd *spd, int ifindex,
				       const struct cm_flow *fl);

/* ---- configuration objects, under cm_net->lock ---- */

struct cm_ace_cfg {
	u32 seq;
	struct cm_ace ace;
};

struct cm_acl {
	struct list_head list;
	struct hlist_node hnode;	/* in cm_net->acl_hash (live ones only) */
	char name[CRYPTOMAP_NAME_MAX];
	struct cm_ace_cfg *aces;	/* sorted by seq, unique seq */
	unsigned int n;
	unsigned int cls_idx;		/* in cm_spd->cls, while compiling */
};

struct cm_tset {
	struct list_head list;
	struct cm_tset_params p;	/* p.name is the set's name */
};

#define CM_LIFE_UNSET	0

struct cm_entry {
	struct list_head list;		/* in cm_map->entries, by seq */
	u32 seq;
	u8 type;
	char acl[CRYPTOMAP_NAME_MAX];	/* "" = no match address */
	__be32 peers[CRYPTOMAP_MAX_PEERS];
	unsigned int n_peers;
	char tsets[CRYPTOMAP_MAX_TSETS][CRYPTOMAP_NAME_MAX];
	unsigned int n_tsets;
	u8 pfs;
	u32 life_sec, life_kb, idle_time;	/* 0 = the global value */
	u8 replay_mode;				/* enum cryptomap_replay_mode */
	u32 replay_window;
	bool esn;			/* ipsec-manual: 64-bit seq numbers */
	struct cm_session_key *keys;	/* kmalloc'ed, kfree_sensitive */
	unsigned int n_keys;
};

struct cm_map {
	struct list_head list;
	struct hlist_node hnode;	/* in cm_net->map_hash (live ones only) */
	char name[CRYPTOMAP_NAME_MAX];
	char local_ifname[IFNAMSIZ];
	struct list_head entries;
	unsigned int n_entries;
};

struct cm_bind {
	struct list_head list;
	int ifindex;
	char map[CRYPTOMAP_NAME_MAX];
};

struct cm_global {
	u32 life_sec;
	u32 life_kb;
	u32 replay_window;
	u8 replay_disable;
	u32 idle_time;			/* 0 = off */
	u8 df_bit;
	u8 frag;
};

/*
 * Formatted extack messages (cm_errf()).  6.1 has no NL_SET_ERR_MSG_FMT
 * and 6.12's buffer in the extack holds 80 bytes, too few for two names
 * of 63 characters; so both format into a slot of a small ring in
 * struct cm_net, taken under cm_net->lock.  netlink_rcv_skb() copies the
 * message into the ack right after the handler returns, and a slot is
 * reused only after CM_ERRBUF_SLOTS - 1 later rejections in the same
 * netns, so the message outlives the handler.
 */
/*
 * A configuration transaction (CONFIG_BEGIN ... CONFIG_COMMIT, netlink.c)
 * keeps a copy of the objects as they were at its start: the SPD is
 * compiled from that copy until the commit, and an abort (or the close of
 * the socket that opened it) puts the copy back.
 */
struct cm_cfg_snap {
	struct list_head acls, tsets, maps, binds;
	unsigned int n_acls, n_tsets, n_maps, n_binds;
	struct cm_global global;
};

#define CM_ERRBUF_SLOTS	8
#define CM_ERRMSG_LEN	192

/*
 * Maps and ACLs by name: the configuration requests find them through
 * these hashes instead of walking the lists (a file of N objects would
 * cost N^2 name compares).  Only the live objects are hashed, not the
 * copies of a transaction; cm_snap_restore() hashes the copies it puts
 * back.
 */
#define CM_NAME_HASH_BITS	10

static inline u32 cm_name_hash(const char *name)
{
	return jhash(name, strlen(name), 0);
}

/*
 * Inbound SPIs of the manual entries (cm_spi_user(), cmap.c): an index
 * built from the entries when it is needed and valid while cm_net->genid
 * is the one it was built at; ENTRY_SET keeps it up to date, any other
 * change makes it stale.  Under cm_net->lock.
 */
struct cm_spi_node {
	u32 spi;
	u8 proto;
	u32 next;			/* index + 1 in nodes, 0 = end */
	const struct cm_entry *e;	/* NULL: removed */
	const struct cm_map *map;
};

struct cm_spi_index {
	unsigned int genid;		/* cm_net->genid it reflects */
	bool valid;
	u32 n, cap;			/* nodes used, allocated */
	u32 mask;			/* buckets - 1 */
	u32 *buckets;			/* index + 1 in nodes, 0 = empty */
	struct cm_spi_node *nodes;
};

struct cm_net {
	struct net *net;
	struct mutex lock;		/* every config change, cm_spd rebuilds */
	struct list_head acls;
	struct list_head tsets;
	struct list_head maps;
	struct list_head binds;
	unsigned int n_acls, n_tsets, n_maps, n_binds;
	DECLARE_HASHTABLE(map_hash, CM_NAME_HASH_BITS);
	DECLARE_HASHTABLE(acl_hash, CM_NAME_HASH_BITS);
	struct cm_spi_index spi_ix;
	struct cm_global global;
	unsigned int genid;		/* bumped on every change */
	struct cm_spd __rcu *spd;
	struct cm_cfg_snap *txn;	/* open transaction, NULL = none */
	u32 txn_portid;			/* the socket that opened it */
	u32 req_portid;			/* the request being handled */
	char errbuf[CM_ERRBUF_SLOTS][CM_ERRMSG_LEN];
	unsigned int errbuf_next;
};

extern unsigned int cm_net_id;
extern struct workqueue_struct *cm_wq;

static inline struct cm_net *cm_net(const struct net *net)
{
	return net_generic(net, cm_net_id);
}

/* acl.c */
struct cm_acl *cm_acl_find(struct cm_net *cmn, const char *name);
struct cm_acl *cm_acl_find_in(const struct list_head *acls, const char *name);
void cm_acl_free(struct cm_acl *acl);
void cm_acls_flush(struct cm_net *cmn);
void cm_acls_rehash(struct cm_net *cmn);

/* tset.c */
struct cm_tset *cm_tset_find(struct cm_net *cmn, const char *name);
void cm_tsets_flush(struct cm_net *cmn);
unsigned int cm_tset_cipher_len(const struct cm_tset_params *p);
unsigned int cm_tset_esp_auth_len(const struct cm_tset_params *p);
unsigned int cm_tset_ah_len(const struct cm_tset_params *p);
const char *cm_esp_enc_name(u8 enc);

/* cmap.c */
struct cm_map *cm_map_find(struct cm_net *cmn, const char *name);
struct cm_entry *cm_entry_find(struct cm_map *map, u32 seq);
void cm_entry_free(struct cm_entry *e);
void cm_map_free(struct cm_map *map);
void cm_maps_flush(struct cm_net *cmn);
void cm_maps_rehash(struct cm_net *cmn);

/* bind.c */
struct cm_bind *cm_bind_find(struct cm_net *cmn, int ifindex);
void cm_binds_flush(struct cm_net *cmn);
int cm_bind_notifier_init(void);
void cm_bind_notifier_exit(void);

/*
 * spd.c.  cm_spd_rebuild() runs in process context with cmn->lock held,
 * and for binding changes and the netdevice notifier under RTNL as well:
 * cm_sadb_sync() may sleep but must not take RTNL.  It also runs at netns
 * init and exit (with an empty configuration).  cm_sadb_spd_release() runs
 * from cm_wq after a grace period, with no lock held; the netns the SPD
 * belonged to may be gone by then.
 */
int cm_spd_rebuild(struct cm_net *cmn);
void cm_spd_retire(struct cm_net *cmn);
const struct cm_spd_entry *cm_spd_entry_find(const struct cm_spd *spd,
					     const char *map, u32 seq);
const struct cm_spd_entry *cm_spd_entry_by_sa(const struct cm_spd *spd,
					      const void *sa, const char *map,
					      u32 seq);

/* netlink.c */
int cm_genl_init(void);
void cm_genl_exit(void);
void cm_errf(struct cm_net *cmn, struct netlink_ext_ack *extack,
	     const char *fmt, ...) __printf(3, 4);
void cm_txn_drop(struct cm_net *cmn);
bool cm_txn_forget_bind(struct cm_net *cmn, int ifindex);

#endif /* _CM_CRYPTOMAP_H */
