/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: the security association database (SADB).
 *
 * The control plane compiles the configuration into an immutable SPD
 * (struct cm_spd) and calls cm_sadb_sync() before publishing it.  The
 * SADB then hangs an SA bundle (struct cm_sa_pair) on every entry that
 * has session keys (entry->sa).  A bundle is reused by the next SPD when
 * the entry's keys and transform did not change, so that sequence
 * numbers and counters survive configuration changes.
 * cm_sadb_spd_release() drops the references an SPD holds when the
 * control plane frees it.
 *
 * Inbound SAs are found by (SPI, destination, protocol) in an RCU hash;
 * the outbound SA of an entry is entry->sa->sa[CM_SA_ESP_OUT].  The data
 * path holds a reference on the bundle for every packet in flight, so
 * that an asynchronous cipher never outlives its transform.
 */
#ifndef _CM_SA_H
#define _CM_SA_H

#include <linux/cryptomap.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "cryptomap.h"

struct crypto_aead;

/* The SAs of one bundle; AH slots are kept for the AH data path. */
enum cm_sa_slot {
	CM_SA_ESP_IN,
	CM_SA_ESP_OUT,
	CM_SA_AH_IN,
	CM_SA_AH_OUT,
	CM_SA_NSLOTS,
};

#define CM_REPLAY_MAX	1024	/* largest replay window, in packets */

struct cm_sa_stats {
	u64 v[__CRYPTOMAP_SA_STATS_MAX];
};

struct cm_sa {
	struct hlist_node hnode;	/* inbound: in cm_sadb->in_hash */
	struct cm_sa_pair *pair;
	u8 dir;				/* enum cryptomap_dir */
	u8 proto;			/* IPPROTO_ESP */
	u32 spi;			/* host order */
	struct crypto_aead *aead;
	unsigned int ivlen, icvlen, blksize;
	u32 conn_id;			/* for the log messages */

	atomic64_t oseq;		/* outbound: last sequence number sent */

	spinlock_t replay_lock;		/* inbound: the replay window */
	u32 replay_window;		/* 0 = no replay detection */
	u32 replay_top;
	unsigned long replay_bits[BITS_TO_LONGS(CM_REPLAY_MAX)];

	struct cm_sa_stats __percpu *stats;
};

struct cm_sa_pair {
	refcount_t ref;
	struct list_head list;		/* in cm_sadb->pairs */
	struct cm_sadb *db;
	struct rcu_work free_work;

	char map[CRYPTOMAP_NAME_MAX];
	u32 seq;
	char tset[CRYPTOMAP_NAME_MAX];
	u8 esp_enc, esp_auth, mode;
	u16 keybits;
	u32 replay_window;
	u64 add_time;			/* get_jiffies_64() */
	__be32 peer;			/* the entry's current peer */
	struct cm_session_key keys[CM_SA_NSLOTS]; /* to match; wiped */

	struct cm_sa *sa[CM_SA_NSLOTS];
};

#define CM_SA_HASH_BITS	8

/* Per-netns drop counters, indexed by enum cryptomap_stats_attrs. */
struct cm_netstats {
	u64 v[__CRYPTOMAP_STATS_A_MAX];
};

struct cm_sadb {
	refcount_t ref;			/* the netns and every bundle */
	struct net *net;
	struct cm_net *cmn;
	spinlock_t lock;		/* pairs, in_hash writers */
	struct list_head pairs;
	struct hlist_head in_hash[1 << CM_SA_HASH_BITS];
	u32 next_conn_id;
	struct cm_netstats __percpu *stats;
	bool hooks;
};

/* Module and per-netns life (main.c). */
int cm_dp_init(void);
void cm_dp_exit(void);
int cm_dp_net_init(struct cm_net *cmn);
void cm_dp_net_exit(struct cm_net *cmn);

/* The control plane's calls (spd.c). */
int cm_sadb_sync(struct cm_net *cmn, struct cm_spd *spd);
void cm_sadb_spd_release(struct cm_spd *spd);

/* The data path. */
struct cm_sadb *cm_sadb_get_net(const struct net *net);
struct cm_sa *cm_sa_lookup_in(struct cm_sadb *db, u32 spi, __be32 daddr,
			      u8 proto);
bool cm_sa_pair_hold(struct cm_sa_pair *pair);
void cm_sa_pair_put(struct cm_sa_pair *pair);

static inline void cm_sa_stat_add(struct cm_sa *sa, unsigned int i, u64 n)
{
	this_cpu_add(sa->stats->v[i], n);
}

static inline void cm_net_stat_inc(struct cm_sadb *db, unsigned int i)
{
	this_cpu_inc(db->stats->v[i]);
}

void cm_sa_stats_read(const struct cm_sa *sa, u64 *out);
void cm_net_stats_read(const struct cm_sadb *db, u64 *out);

bool cm_replay_check(struct cm_sa *sa, u32 seq);
bool cm_replay_advance(struct cm_sa *sa, u32 seq);

/* SA_CLEAR: reinstall (reset sequence numbers and windows) or zero counters. */
void cm_sadb_clear(struct cm_sadb *db, const char *map, __be32 peer,
		   u32 spi, bool counters_only);

#endif /* _CM_SA_H */
