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
 * Inbound SAs are found by (SPI, protocol) in a resizable RCU hash table
 * (rhltable: lookups cost the same with 1 or 100,000 SAs; an SPI held by
 * an old and a new bundle during a change finds the newest first); the
 * outbound SA of an entry is entry->sa->sa[CM_SA_ESP_OUT].  The data
 * path holds a reference on the bundle for every packet in flight, so
 * that an asynchronous cipher never outlives its transform.
 */
#ifndef _CM_SA_H
#define _CM_SA_H

#include <asm/barrier.h>
#include <linux/crypto.h>
#include <linux/cryptomap.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "cryptomap.h"

struct crypto_aead;
struct crypto_ahash;
struct crypto_comp;

/* The SAs of one bundle: ESP, AH, IPComp (its SPI is the CPI). */
enum cm_sa_slot {
	CM_SA_ESP_IN,
	CM_SA_ESP_OUT,
	CM_SA_AH_IN,
	CM_SA_AH_OUT,
	CM_SA_COMP_IN,
	CM_SA_COMP_OUT,
	CM_SA_NSLOTS,
};

#define CM_REPLAY_MAX	1024	/* largest replay window, in packets */

/*
 * An SA's counters (enum cryptomap_sa_stats).  What every packet bumps is
 * per CPU: packets, bytes and, in an IPComp bundle, (not) compressed.
 * encaps, encrypt/decrypt and digest/verify count the same packets, each
 * for the SAs it applies to (cm_sa_stats_read() derives them).  Errors
 * and drops are rare: shared atomics, CRYPTOMAP_SA_STATS_COMPR_FAILED to
 * CRYPTOMAP_SA_STATS_INTERNAL_ERR.
 */
struct cm_sa_stats {
	u64 pkts, bytes, compressed, not_compressed;
};

#define CM_SA_RARE_FIRST	CRYPTOMAP_SA_STATS_COMPR_FAILED
#define CM_SA_RARE_LAST		CRYPTOMAP_SA_STATS_INTERNAL_ERR
#define CM_SA_NRARE		(CM_SA_RARE_LAST - CM_SA_RARE_FIRST + 1)

struct cm_sa {
	struct rhlist_head hnode;	/* inbound: in cm_sadb->in_hash */
	u64 hkey;			/* cm_sa_hkey(spi, proto) */
	struct cm_sa_pair *pair;
	u8 dir;				/* enum cryptomap_dir */
	u8 proto;			/* IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP */
	bool hashed;			/* in in_hash (db->lock) */
	u32 spi;			/* host order */
	/* The transform: ESP and AH keyed at their first packet (sa_tfm.c). */
	union {
		struct crypto_aead *aead;	/* ESP */
		struct crypto_ahash *ahash;	/* AH */
		struct crypto_comp * __percpu *comp_tfms; /* IPComp deflate */
	};
	const struct cm_tfm_kind *kind;	/* ESP, AH: what to allocate */
	u8 *key;			/* its key until it is keyed; wiped */
	u8 calg;			/* IPComp: enum cryptomap_comp */
	unsigned int ivlen, icvlen, blksize;
	u32 conn_id;			/* for the log messages */
	bool esn;			/* 64-bit sequence numbers (RFC 4303) */
	bool iv_from_pkt;		/* ESP in: no IV generator (esp.c) */

	atomic64_t oseq;		/* outbound: last sequence number sent */

	spinlock_t replay_lock;		/* inbound: the replay window */
	u32 replay_window;		/* 0 = no replay detection */
	u64 replay_top;			/* highest number verified (ESN: 64-bit) */

	struct cm_sa_stats __percpu *stats;
	atomic64_t rare[CM_SA_NRARE];	/* CM_SA_RARE_FIRST.. */

	/* Inbound SAs only: CM_REPLAY_MAX bits (outbound ones end here). */
	unsigned long replay_bits[];
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
	u8 ah;				/* enum cryptomap_ah_auth */
	u8 comp;			/* enum cryptomap_comp */
	bool esn;			/* extended sequence numbers */
	u16 keybits;
	u32 replay_window;
	u64 add_time;			/* get_jiffies_64() */
	__be32 peer;			/* the entry's current peer */
	/* ipsec-manual: the keys, [CM_SA_NSLOTS], to match; wiped */
	struct cm_session_key *keys;

	struct cm_sa *sa[CM_SA_NSLOTS];

	/* Keyed pairs (sa_keyed.c): installed by a keying daemon. */
	bool isakmp;
	bool out_active;		/* its outbound SA is the entry's */
	bool standby;			/* installed, not yet used for output */
	bool dead;			/* unlinked, no longer found */
	bool bench;			/* sa_bench.c's, no entry's */
	bool soft_sent;
	bool notify;			/* while dying: send EXPIRE hard */
	u8 why;				/* enum cryptomap_expire_reason */
	u8 pfs;
	u32 life_sec, life_kb, idle_time;
	u64 grace_end;			/* jiffies64: replaced, dies then */
	u64 last_use;			/* jiffies64 of the last packet seen */
	u64 last_pkts;
	u32 sync_gen;
	struct list_head kill;		/* on a private list while dying */
};

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
	struct rhltable in_hash;	/* inbound SAs by cm_sa_hkey() */
	u32 next_conn_id;
	struct cm_netstats __percpu *stats;
	bool hooks;

	/* sa_tfm.c: packets waiting for their SA's transform */
	struct sk_buff_head tfm_q;
	struct work_struct tfm_work;

	/* sa_keyed.c and sa_events.c */
	struct delayed_work life_work;	/* lifetimes, once a second */
	struct list_head spi_resv;	/* SPI_ALLOC reservations */
	unsigned int n_resv;
	u32 sync_gen;
	spinlock_t acq_lock;		/* acq[] */
	struct cm_acq_slot *acq;	/* ACQUIRE rate limit, per flow */
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
bool cm_sa_spi_taken(struct cm_sadb *db, u32 spi, u8 proto);
bool cm_sa_pair_hold(struct cm_sa_pair *pair);
void cm_sa_pair_put(struct cm_sa_pair *pair);

/* Not for the derived ones: encaps, encrypt/decrypt, digest/verify. */
static inline void cm_sa_stat_add(struct cm_sa *sa, unsigned int i, u64 n)
{
	switch (i) {
	case CRYPTOMAP_SA_STATS_PKTS:
		this_cpu_add(sa->stats->pkts, n);
		break;
	case CRYPTOMAP_SA_STATS_BYTES:
		this_cpu_add(sa->stats->bytes, n);
		break;
	case CRYPTOMAP_SA_STATS_COMPRESSED:
		this_cpu_add(sa->stats->compressed, n);
		break;
	case CRYPTOMAP_SA_STATS_NOT_COMPRESSED:
		this_cpu_add(sa->stats->not_compressed, n);
		break;
	case CM_SA_RARE_FIRST ... CM_SA_RARE_LAST:
		atomic64_add(n, &sa->rare[i - CM_SA_RARE_FIRST]);
		break;
	default:
		WARN_ON_ONCE(1);
	}
}

static inline void cm_net_stat_inc(struct cm_sadb *db, unsigned int i)
{
	this_cpu_inc(db->stats->v[i]);
}

void cm_sa_stats_read(const struct cm_sa *sa, u64 *out);
void cm_net_stats_read(const struct cm_sadb *db, u64 *out);

/*
 * Before the ICV: is @seq (the low 32 bits from the wire) new, and the
 * high 32 bits the ICV covers (*@seq_hi, RFC 4303 Appendix A: inferred
 * from the window; 0 without ESN).  After the ICV verified:
 * cm_replay_advance() records the full 64-bit number, false on a replay.
 */
bool cm_replay_check(struct cm_sa *sa, u32 seq, u32 *seq_hi);
bool cm_replay_advance(struct cm_sa *sa, u64 seq);

/*
 * SA_CLEAR: zero the counters; unless @counters_only, delete the keyed
 * pairs (EXPIRE hard, cleared) and "re-install" the manual ones, which
 * keeps their sequence numbers and replay windows.  Filters (0/NULL =
 * any): @map, @peer, or the SA (@dst, @proto, @spi) of clear crypto sa
 * entry.  True when keyed pairs went and the caller must rebuild the SPD
 * (cmn->lock held).
 */
struct cm_sa_filter {
	const char *map;
	__be32 peer;
	__be32 dst;		/* the peer: an outbound SA; local: inbound */
	bool dst_local;		/* dst is an address of this netns */
	u8 proto;
	u32 spi;
};

bool cm_sadb_clear(struct cm_sadb *db, const struct cm_sa_filter *f,
		   bool counters_only);

/*
 * sa_tfm.c: an ESP or AH SA's transform, allocated and keyed when its
 * first packet needs it.  A kind is what cm_sa_tfm_init() is asked for:
 * the crypto API name, the key length, the ICV length (AEAD), ahash or
 * AEAD, through cryptd or not; the first SA of a kind probes it (a
 * transform allocated and keyed with that SA's key, then freed), which
 * fills in the sizes the data path needs.
 */
struct cm_tfm_kind {
	struct list_head list;
	char name[CRYPTO_MAX_ALG_NAME];
	u16 keylen;
	u8 authsize;			/* AEAD: crypto_aead_setauthsize() */
	bool ahash;
	bool async;			/* through cryptd (force_async) */
	/* From the probe: */
	u8 ivsize, blocksize, digestsize;	/* digestsize: ahash */
};

/* What a packet waiting for its transform goes on with (cm_skb_cb). */
enum cm_tfm_op {
	CM_TFM_ESP_OUT = 1,
	CM_TFM_AH_OUT,
	CM_TFM_ESP_IN,
	CM_TFM_AH_IN,
};

#define CM_TFM_QLEN	1024	/* packets waiting, per netns, at most */

/*
 * An ESP or AH SA's transform, NULL until sa_tfm.c has keyed it: the
 * acquire pairs with the release that publishes it keyed.
 */
static inline struct crypto_aead *cm_sa_aead(struct cm_sa *sa)
{
	/* pairs with smp_store_release() in cm_sa_tfm_key() */
	return smp_load_acquire(&sa->aead);
}

static inline struct crypto_ahash *cm_sa_ahash(struct cm_sa *sa)
{
	/* pairs with smp_store_release() in cm_sa_tfm_key() */
	return smp_load_acquire(&sa->ahash);
}

int cm_sa_tfm_init(struct cm_sa *sa, struct cm_tfm_kind *want,
		   const u8 *key, unsigned int keylen);
void cm_sa_tfm_free(struct cm_sa *sa);
/* Consumes @skb: queued until @sa is keyed, or finished with an error. */
void cm_sa_tfm_wait(struct cm_sa *sa, struct sk_buff *skb, u8 op);
void cm_sa_tfm_net_init(struct cm_sadb *db);
void cm_sa_tfm_net_exit(struct cm_sadb *db);
void cm_sa_tfm_exit(void);

/* sa.c, for sa_tfm.c */
extern struct workqueue_struct *cm_sa_wq;
void cm_sadb_put(struct cm_sadb *db);

/* sa.c, for sa_keyed.c */
struct cm_sa_pair *cm_pair_create_esn(struct cm_sadb *db,
				      const struct cm_spd_entry *e,
				      const struct cm_tset_params *t,
				      const struct cm_session_key *keys,
				      bool esn);

static inline struct cm_sa_pair *
cm_pair_create(struct cm_sadb *db, const struct cm_spd_entry *e,
	       const struct cm_tset_params *t,
	       const struct cm_session_key *keys)
{
	return cm_pair_create_esn(db, e, t, keys, false);
}
int cm_pair_publish(struct cm_sadb *db, struct cm_sa_pair *pair);
bool cm_pair_unlink_locked(struct cm_sadb *db, struct cm_sa_pair *pair);

/* sa_bench.c: the sa_bench debug parameter's bundles. */
unsigned int cm_sa_bench_clear(struct cm_sadb *db);
void cm_sa_bench_exit(void);

/* sa_keyed.c: pairs installed by a keying daemon (ipsec-isakmp). */
#define CM_SPI_RESV_MAX		4096	/* SPI_ALLOC reservations at once */
#define CM_SPI_RESV_TIME	60	/* seconds */
#define CM_REKEY_GRACE		30	/* seconds the replaced inbound SA lives */

int cm_keyed_init(struct cm_sadb *db);
void cm_keyed_exit(struct cm_sadb *db);
void cm_keyed_entry_sync(struct cm_sadb *db, struct cm_spd_entry *e);
void cm_keyed_sweep(struct cm_sadb *db);
struct cm_spd_entry *cm_keyed_entry(struct cm_net *cmn, const char *map,
				    u32 seq);
int cm_spi_alloc(struct cm_sadb *db, u8 proto, u32 lo, u32 hi, u32 *spi);
#define CM_SEQ_SOFT	0xF0000000ULL	/* outbound: EXPIRE soft */
#define CM_SEQ_HARD	0xFFFFFF00ULL	/* outbound: EXPIRE hard */

/*
 * With ESN the same limits apply to the low 32 bits once the high 32 are
 * all ones: the 64-bit counter never wraps either.
 */
static inline u64 cm_seq_limit(bool esn, u64 limit)
{
	return esn ? (u64)U32_MAX << 32 | limit : limit;
}

/* The largest number an outbound SA may send. */
static inline u64 cm_seq_max(bool esn)
{
	return esn ? U64_MAX : U32_MAX;
}

int cm_keyed_add(struct cm_sadb *db, struct cm_spd_entry *e,
		 const struct cm_tset_params *t,
		 const struct cm_session_key *keys, __be32 peer,
		 u32 life_sec, u32 life_kb, u32 idle_time, u64 oseq,
		 bool standby, bool esn);
struct cm_sa_pair *cm_keyed_find_spi(struct cm_sadb *db, u32 spi, u8 proto,
				     u8 dir);
void cm_keyed_activate(struct cm_sadb *db, struct cm_sa_pair *pair);
unsigned int cm_keyed_del(struct cm_sadb *db, struct cm_sa_pair *only,
			  const char *map, u32 seq, u8 reason);
u64 cm_sa_seq_read(const struct cm_sa *sa);

/* sa_events.c: the "events" multicast group. */
struct cm_acq_slot {
	u32 hash;			/* of the entry and the flow, 0 = free */
	u64 sent;			/* jiffies64 */
};

#define CM_ACQ_SLOTS		256	/* flows remembered for the rate limit */
#define CM_ACQ_INTERVAL		5	/* seconds between ACQUIREs of a flow */

void cm_sa_acquire(struct cm_sadb *db, const struct cm_spd_entry *e,
		   const struct sk_buff *skb);
void cm_sa_acquire_reset(struct cm_sadb *db);
void cm_sa_expire_notify(struct cm_sadb *db, struct cm_sa_pair *pair,
			 bool hard, u8 reason);
void cm_sa_invalid_spi(struct cm_sadb *db, const struct sk_buff *skb,
		       u32 spi, u8 proto);

#endif /* _CM_SA_H */
