// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: the security association database.
 *
 * SA bundles (struct cm_sa_pair) are built from the session keys of
 * ipsec-manual entries when the control plane compiles a new SPD, and
 * live as long as an SPD or a packet in flight refers to them.  Freeing
 * waits for an RCU grace period (readers find inbound SAs in an RCU
 * hash) and happens in process context, where crypto transforms may be
 * released; key material is wiped on the way.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netns/generic.h>

#include "ah.h"
#include "cryptomap.h"
#include "esp.h"
#include "ipcomp.h"
#include "hooks.h"
#include "sa.h"

static unsigned int cm_sadb_net_id __read_mostly;
struct workqueue_struct *cm_sa_wq;
static struct kmem_cache *cm_pair_cache;
/* Inbound SAs (with the replay bitmap) are 320 bytes: a kmalloc-512. */
static struct kmem_cache *cm_sa_in_cache;

struct cm_sadb_slot {
	struct cm_sadb *db;
};

/*
 * Inbound SAs by SPI and protocol.  The destination address is not part
 * of the key: an SA does not know its local address (that of the
 * interface its map is bound to, which may change), and SPIs are unique
 * per protocol in a netns (SA_ADD refuses a taken one).  An rhltable
 * keeps every SA of a key, the last inserted first.
 */
static const struct rhashtable_params cm_sa_ht_params = {
	.head_offset = offsetof(struct cm_sa, hnode),
	.key_offset = offsetof(struct cm_sa, hkey),
	.key_len = sizeof(u64),
	.automatic_shrinking = true,
};

static u64 cm_sa_hkey(u32 spi, u8 proto)
{
	return (u64)proto << 32 | spi;
}

/* db->lock held. */
static void cm_sa_unhash_locked(struct cm_sadb *db, struct cm_sa *sa)
{
	if (!sa || !sa->hashed)
		return;
	rhltable_remove(&db->in_hash, &sa->hnode, cm_sa_ht_params);
	sa->hashed = false;
}

struct cm_sadb *cm_sadb_get_net(const struct net *net)
{
	struct cm_sadb_slot *slot = net_generic(net, cm_sadb_net_id);

	return READ_ONCE(slot->db);
}

void cm_sadb_put(struct cm_sadb *db)
{
	if (!refcount_dec_and_test(&db->ref))
		return;
	WARN_ON(!list_empty(&db->pairs));
	rhltable_destroy(&db->in_hash);
	free_percpu(db->stats);
	kfree(db);
}

/* ---- SA bundles ---- */

static void cm_sa_free(struct cm_sa *sa)
{
	if (!sa)
		return;
	if (sa->proto == IPPROTO_COMP)
		cm_ipcomp_sa_free(sa);
	else
		cm_sa_tfm_free(sa);
	free_percpu(sa->stats);
	if (sa->dir == CRYPTOMAP_DIR_IN) {
		memzero_explicit(sa, kmem_cache_size(cm_sa_in_cache));
		kmem_cache_free(cm_sa_in_cache, sa);
	} else {
		kfree_sensitive(sa);
	}
}

static void cm_sa_pair_free_work(struct work_struct *work)
{
	struct cm_sa_pair *pair = container_of(to_rcu_work(work),
					       struct cm_sa_pair, free_work);
	struct cm_sadb *db = pair->db;
	int i;

	for (i = 0; i < CM_SA_NSLOTS; i++)
		cm_sa_free(pair->sa[i]);
	kfree_sensitive(pair->keys);
	kmem_cache_free(cm_pair_cache, pair);
	cm_sadb_put(db);
}

bool cm_sa_pair_hold(struct cm_sa_pair *pair)
{
	return refcount_inc_not_zero(&pair->ref);
}

void cm_sa_pair_put(struct cm_sa_pair *pair)
{
	struct cm_sadb *db = pair->db;
	int i;

	if (!refcount_dec_and_test(&pair->ref))
		return;

	spin_lock_bh(&db->lock);
	list_del(&pair->list);
	for (i = 0; i < CM_SA_NSLOTS; i++)
		cm_sa_unhash_locked(db, pair->sa[i]);
	spin_unlock_bh(&db->lock);

	INIT_RCU_WORK(&pair->free_work, cm_sa_pair_free_work);
	queue_rcu_work(cm_sa_wq, &pair->free_work);
}

static const struct cm_session_key *
cm_entry_key(const struct cm_spd_entry *e, u8 dir, u8 proto)
{
	unsigned int i;

	for (i = 0; i < e->n_keys && i < CM_MAX_KEYS; i++)
		if (e->keys[i].dir == dir && e->keys[i].proto == proto)
			return &e->keys[i];
	return NULL;
}

static void cm_entry_keys(const struct cm_spd_entry *e,
			  struct cm_session_key *keys)
{
	static const u8 slot_dir[CM_SA_NSLOTS] = {
		[CM_SA_ESP_IN] = CRYPTOMAP_DIR_IN,
		[CM_SA_ESP_OUT] = CRYPTOMAP_DIR_OUT,
		[CM_SA_AH_IN] = CRYPTOMAP_DIR_IN,
		[CM_SA_AH_OUT] = CRYPTOMAP_DIR_OUT,
	};
	int i;

	memset(keys, 0, sizeof(*keys) * CM_SA_NSLOTS);
	for (i = 0; i < CM_SA_NSLOTS; i++) {
		u8 proto = i < CM_SA_AH_IN ? IPPROTO_ESP : IPPROTO_AH;
		const struct cm_session_key *k;

		k = cm_entry_key(e, slot_dir[i], proto);
		if (k)
			keys[i] = *k;
	}
}

/*
 * Only what the peer shares with us makes a new SA: the keys, the SPIs
 * and the transform.  Anything else (the replay window, the name of the
 * transform set) is applied to the SA in place by cm_pair_update(), so
 * that sequence numbers go on and a peer keeping its state never sees
 * our numbering start over.
 */
static bool cm_pair_matches(const struct cm_sa_pair *pair,
			    const struct cm_spd_entry *e,
			    const struct cm_session_key *keys)
{
	const struct cm_tset_params *t = &e->tsets[0];

	return !pair->isakmp && pair->keys && !strcmp(pair->map, e->map) &&
	       pair->seq == e->seq && pair->esp_enc == t->esp_enc &&
	       pair->esp_auth == t->esp_auth && pair->keybits == t->keybits &&
	       pair->ah == t->ah && pair->comp == t->comp &&
	       pair->mode == t->mode && pair->esn == e->esn &&
	       !crypto_memneq(pair->keys, keys,
			      CM_SA_NSLOTS * sizeof(*pair->keys));
}

/*
 * A new window for an inbound SA.  Sequence numbers left of the old
 * window were refused already: when the window grows they are marked as
 * seen, so that growing it never lets an old packet in again.
 */
static void cm_replay_resize(struct cm_sa *sa, u32 window)
{
	u32 old;
	u64 s;

	window = min_t(u32, window, CM_REPLAY_MAX);
	spin_lock_bh(&sa->replay_lock);
	old = sa->replay_window;
	if (old == window)
		goto out;
	if (!old) {
		/*
		 * Nothing was recorded while detection was off (ESN: but
		 * the top, which tells the high bits).
		 */
		if (!sa->esn)
			sa->replay_top = 0;
		bitmap_zero(sa->replay_bits, CM_REPLAY_MAX);
	} else if (window > old) {
		for (s = old; s < window && s < sa->replay_top; s++)
			set_bit((u32)(sa->replay_top - s) % CM_REPLAY_MAX,
				sa->replay_bits);
	}
	WRITE_ONCE(sa->replay_window, window);
out:
	spin_unlock_bh(&sa->replay_lock);
}

static void cm_pair_update(struct cm_sadb *db, struct cm_sa_pair *pair,
			   const struct cm_spd_entry *e)
{
	int i;

	for (i = 0; i < CM_SA_NSLOTS; i++) {
		struct cm_sa *sa = pair->sa[i];

		if (sa && sa->dir == CRYPTOMAP_DIR_IN)
			cm_replay_resize(sa, e->replay_window);
	}
	spin_lock_bh(&db->lock);
	pair->replay_window = e->replay_window;
	strscpy(pair->tset, e->tsets[0].name, sizeof(pair->tset));
	spin_unlock_bh(&db->lock);
}

static struct cm_sa *cm_sa_create(struct cm_sadb *db, struct cm_sa_pair *pair,
				  const struct cm_tset_params *t,
				  const struct cm_session_key *k, u8 dir,
				  u32 replay_window, bool esn)
{
	struct cm_sa *sa;
	int err;

	/* Only inbound SAs have a replay window. */
	if (dir == CRYPTOMAP_DIR_IN)
		sa = kmem_cache_zalloc(cm_sa_in_cache, GFP_KERNEL);
	else
		sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	sa->dir = dir;
	sa->stats = alloc_percpu(struct cm_sa_stats);
	if (!sa->stats) {
		cm_sa_free(sa);
		return ERR_PTR(-ENOMEM);
	}
	sa->pair = pair;
	sa->proto = k->proto;
	sa->spi = k->spi;
	sa->hkey = cm_sa_hkey(k->spi, k->proto);
	spin_lock_init(&sa->replay_lock);
	sa->replay_window = min_t(u32, replay_window, CM_REPLAY_MAX);
	sa->esn = esn && k->proto != IPPROTO_COMP;
	atomic64_set(&sa->oseq, 0);
	sa->conn_id = ++db->next_conn_id;

	if (k->proto == IPPROTO_AH)
		err = cm_ah_sa_init(sa, t, k);
	else if (k->proto == IPPROTO_COMP)
		err = cm_ipcomp_sa_init(sa, t);
	else
		err = cm_esp_sa_init(sa, t, k);
	if (err) {
		cm_sa_free(sa);
		return ERR_PTR(err);
	}
	return sa;
}

struct cm_sa_pair *cm_pair_create_esn(struct cm_sadb *db,
				      const struct cm_spd_entry *e,
				      const struct cm_tset_params *t,
				      const struct cm_session_key *keys,
				      bool esn)
{
	struct cm_sa_pair *pair;
	int i, err = 0;

	pair = kmem_cache_zalloc(cm_pair_cache, GFP_KERNEL);
	if (!pair)
		return ERR_PTR(-ENOMEM);
	/* A manual bundle is matched by its keys at the next compile. */
	if (e->type == CRYPTOMAP_TYPE_MANUAL) {
		pair->keys = kmemdup(keys, CM_SA_NSLOTS * sizeof(*keys),
				     GFP_KERNEL);
		if (!pair->keys) {
			kmem_cache_free(cm_pair_cache, pair);
			return ERR_PTR(-ENOMEM);
		}
	}
	refcount_set(&pair->ref, 1);
	INIT_LIST_HEAD(&pair->list);
	INIT_LIST_HEAD(&pair->kill);
	pair->db = db;
	strscpy(pair->map, e->map, sizeof(pair->map));
	pair->seq = e->seq;
	strscpy(pair->tset, t->name, sizeof(pair->tset));
	pair->esp_enc = t->esp_enc;
	pair->esp_auth = t->esp_auth;
	pair->ah = t->ah;
	pair->comp = t->comp;
	pair->keybits = t->keybits;
	pair->esn = esn;
	pair->mode = t->mode;
	pair->replay_window = e->replay_window;

	for (i = 0; i < CM_SA_COMP_IN; i++) {
		bool in = i == CM_SA_ESP_IN || i == CM_SA_AH_IN;
		bool ah = i == CM_SA_AH_IN || i == CM_SA_AH_OUT;
		struct cm_sa *sa;

		if (!keys[i].spi)
			continue;
		if (ah ? !t->ah : (t->esp_enc == CRYPTOMAP_ENC_NONE &&
				   t->esp_auth == CRYPTOMAP_EAUTH_NONE))
			continue;
		sa = cm_sa_create(db, pair, t, &keys[i],
				  in ? CRYPTOMAP_DIR_IN : CRYPTOMAP_DIR_OUT,
				  in ? e->replay_window : 0, esn);
		if (IS_ERR(sa)) {
			err = PTR_ERR(sa);
			break;
		}
		pair->sa[i] = sa;
	}
	/*
	 * IPComp: an SA per direction, its CPI as SA_ADD gave it (negotiated
	 * by IKE), else the low half of its ESP (else AH) SPI.
	 */
	for (i = CM_SA_COMP_IN; !err && t->comp && i <= CM_SA_COMP_OUT; i++) {
		bool in = i == CM_SA_COMP_IN;
		int slot = in ? CM_SA_ESP_IN : CM_SA_ESP_OUT;
		struct cm_session_key ck = {};
		struct cm_sa *sa;

		if (!pair->sa[slot])
			slot = in ? CM_SA_AH_IN : CM_SA_AH_OUT;
		if (!pair->sa[slot])
			continue;
		ck.dir = in ? CRYPTOMAP_DIR_IN : CRYPTOMAP_DIR_OUT;
		ck.proto = IPPROTO_COMP;
		ck.spi = keys[i].spi ?: cm_ipcomp_cpi(pair->sa[slot]->spi);
		sa = cm_sa_create(db, pair, t, &ck, ck.dir, 0, false);
		if (IS_ERR(sa)) {
			err = PTR_ERR(sa);
			break;
		}
		pair->sa[i] = sa;
	}
	if (err) {
		for (i = 0; i < CM_SA_NSLOTS; i++)
			cm_sa_free(pair->sa[i]);
		kfree_sensitive(pair->keys);
		kmem_cache_free(cm_pair_cache, pair);
		return ERR_PTR(err);
	}
	return pair;
}

/*
 * Put a new bundle in the SADB and its inbound SAs in the hash.  On
 * failure (no memory for the table) it is in neither, and the caller
 * drops it with cm_sa_pair_put().
 */
int cm_pair_publish(struct cm_sadb *db, struct cm_sa_pair *pair)
{
	int i, err = 0;

	/* The bundle holds the SADB; its free work drops that reference. */
	refcount_inc(&db->ref);
	spin_lock_bh(&db->lock);
	for (i = 0; i < CM_SA_NSLOTS; i++) {
		struct cm_sa *sa = pair->sa[i];

		if (!sa || sa->dir != CRYPTOMAP_DIR_IN)
			continue;
		/* The newest SA of an SPI is found first. */
		err = rhltable_insert(&db->in_hash, &sa->hnode,
				      cm_sa_ht_params);
		if (err)
			break;
		sa->hashed = true;
	}
	if (err) {
		for (i = 0; i < CM_SA_NSLOTS; i++)
			cm_sa_unhash_locked(db, pair->sa[i]);
	} else {
		/*
		 * Its lifetime starts now, when it can carry packets: not
		 * when its transforms began to be allocated (seconds, the
		 * first time an algorithm is used under emulation).
		 */
		pair->add_time = get_jiffies_64();
		pair->last_use = pair->add_time;
		list_add_tail(&pair->list, &db->pairs);
	}
	spin_unlock_bh(&db->lock);
	return err;
}

/*
 * The manual bundle of @e with @keys, held.  A manual entry has an
 * inbound key (the bundle's inbound SA is hashed by its SPI): one probe
 * of the SPI hash, not a walk of every bundle, so that the sync of N
 * entries costs O(N), not N^2/2 compares.  db->lock held.
 */
static struct cm_sa_pair *cm_pair_find_spi(struct cm_sadb *db,
					   const struct cm_spd_entry *e,
					   const struct cm_session_key *keys,
					   const struct cm_session_key *k)
{
	u64 key = cm_sa_hkey(k->spi, k->proto);
	struct cm_sa_pair *found = NULL;
	struct rhlist_head *list, *pos;
	struct cm_sa *sa;

	rcu_read_lock();
	list = rhltable_lookup(&db->in_hash, &key, cm_sa_ht_params);
	rhl_for_each_entry_rcu(sa, pos, list, hnode) {
		if (cm_pair_matches(sa->pair, e, keys) &&
		    cm_sa_pair_hold(sa->pair)) {
			found = sa->pair;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static struct cm_sa_pair *cm_pair_find(struct cm_sadb *db,
				       const struct cm_spd_entry *e,
				       const struct cm_session_key *keys)
{
	static const u8 in_slots[] = { CM_SA_ESP_IN, CM_SA_AH_IN };
	struct cm_sa_pair *pair, *found = NULL;
	unsigned int i;

	spin_lock_bh(&db->lock);
	for (i = 0; i < ARRAY_SIZE(in_slots); i++) {
		const struct cm_session_key *k = &keys[in_slots[i]];

		if (k->spi) {
			found = cm_pair_find_spi(db, e, keys, k);
			goto out;
		}
	}
	list_for_each_entry(pair, &db->pairs, list) {
		if (cm_pair_matches(pair, e, keys) && cm_sa_pair_hold(pair)) {
			found = pair;
			break;
		}
	}
out:
	spin_unlock_bh(&db->lock);
	return found;
}

int cm_sadb_sync(struct cm_net *cmn, struct cm_spd *spd)
{
	struct cm_sadb *db = cm_sadb_get_net(cmn->net);
	struct cm_session_key *keys;
	unsigned int m, i;
	int err;

	if (!db)
		return 0;
	keys = kcalloc(CM_SA_NSLOTS, sizeof(*keys), GFP_KERNEL);
	if (!keys)
		return -ENOMEM;

	db->sync_gen++;
	for (m = 0; m < spd->n_maps; m++) {
		struct cm_spd_map *map = &spd->maps[m];

		for (i = 0; i < map->n; i++) {
			struct cm_spd_entry *e = &map->entries[i];
			struct cm_sa_pair *pair;

			e->sa = NULL;
			if (e->type == CRYPTOMAP_TYPE_ISAKMP) {
				cm_keyed_entry_sync(db, e);
				continue;
			}
			if (e->type != CRYPTOMAP_TYPE_MANUAL ||
			    e->inactive != CRYPTOMAP_INACTIVE_NONE ||
			    !e->n_tsets || !e->n_keys)
				continue;
			cm_entry_keys(e, keys);
			pair = cm_pair_find(db, e, keys);
			if (!pair) {
				pair = cm_pair_create_esn(db, e, &e->tsets[0],
							  keys, e->esn);
				err = PTR_ERR_OR_ZERO(pair);
				if (!err) {
					err = cm_pair_publish(db, pair);
					if (err)
						cm_sa_pair_put(pair);
				}
				if (err) {
					pr_warn("crypto map %s %u: cannot install its SAs (%d)\n",
						e->map, e->seq, err);
					continue;
				}
			} else {
				cm_pair_update(db, pair, e);
			}
			WRITE_ONCE(pair->peer, e->n_peers ?
				   e->peers[min(e->cur_peer, e->n_peers - 1)] :
				   0);
			e->sa = pair;
		}
	}
	kfree_sensitive(keys);
	/* Keyed pairs whose entry went or changed type go with it. */
	cm_keyed_sweep(db);
	return 0;
}

void cm_sadb_spd_release(struct cm_spd *spd)
{
	unsigned int m, i;

	for (m = 0; m < spd->n_maps; m++) {
		struct cm_spd_map *map = &spd->maps[m];

		for (i = 0; i < map->n; i++) {
			struct cm_spd_entry *e = &map->entries[i];

			if (e->sa) {
				cm_sa_pair_put(e->sa);
				e->sa = NULL;
			}
		}
	}
}

/* The data path, under rcu_read_lock(): the newest inbound SA of @spi. */
struct cm_sa *cm_sa_lookup_in(struct cm_sadb *db, u32 spi, __be32 daddr,
			      u8 proto)
{
	u64 key = cm_sa_hkey(spi, proto);
	struct rhlist_head *l;

	l = rhltable_lookup(&db->in_hash, &key, cm_sa_ht_params);
	return l ? container_of(l, struct cm_sa, hnode) : NULL;
}

/* Some inbound SA, alive or being deleted, has @spi. */
bool cm_sa_spi_taken(struct cm_sadb *db, u32 spi, u8 proto)
{
	bool taken;

	rcu_read_lock();
	taken = cm_sa_lookup_in(db, spi, 0, proto);
	rcu_read_unlock();
	return taken;
}

/* ---- counters ---- */

void cm_sa_stats_read(const struct cm_sa *sa, u64 *out)
{
	u64 pkts = 0;
	int cpu, i;

	memset(out, 0, sizeof(u64) * __CRYPTOMAP_SA_STATS_MAX);
	for_each_possible_cpu(cpu) {
		const struct cm_sa_stats *s = per_cpu_ptr(sa->stats, cpu);

		pkts += READ_ONCE(s->pkts);
		out[CRYPTOMAP_SA_STATS_BYTES] += READ_ONCE(s->bytes);
		out[CRYPTOMAP_SA_STATS_COMPRESSED] += READ_ONCE(s->compressed);
		out[CRYPTOMAP_SA_STATS_NOT_COMPRESSED] +=
			READ_ONCE(s->not_compressed);
	}
	out[CRYPTOMAP_SA_STATS_PKTS] = pkts;
	/* Every ESP or AH packet counted is encapsulated, its cipher run... */
	if (sa->proto != IPPROTO_COMP)
		out[CRYPTOMAP_SA_STATS_ENCAPS] = pkts;
	if (sa->proto == IPPROTO_ESP && sa->pair->esp_enc > CRYPTOMAP_ENC_NULL)
		out[CRYPTOMAP_SA_STATS_CRYPT] = pkts;
	if (sa->icvlen)
		out[CRYPTOMAP_SA_STATS_DIGEST] = pkts;
	for (i = 0; i < CM_SA_NRARE; i++)
		out[CM_SA_RARE_FIRST + i] = atomic64_read(&sa->rare[i]);
}

void cm_net_stats_read(const struct cm_sadb *db, u64 *out)
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * __CRYPTOMAP_STATS_A_MAX);
	for_each_possible_cpu(cpu) {
		const struct cm_netstats *s = per_cpu_ptr(db->stats, cpu);

		for (i = 0; i < __CRYPTOMAP_STATS_A_MAX; i++)
			out[i] += READ_ONCE(s->v[i]);
	}
}

static void cm_sa_stats_zero(struct cm_sa *sa)
{
	int cpu, i;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(sa->stats, cpu), 0, sizeof(struct cm_sa_stats));
	for (i = 0; i < CM_SA_NRARE; i++)
		atomic64_set(&sa->rare[i], 0);
}

/*
 * ---- anti-replay (RFC 4303 3.4.3) ----
 *
 * The window is kept on 64-bit numbers; without ESN their high half is
 * always 0.  A bit per number, CM_REPLAY_MAX of them, indexed by the
 * number modulo CM_REPLAY_MAX (which divides 2^32).
 */

static bool cm_replay_ok_locked(const struct cm_sa *sa, u64 seq)
{
	if (!seq)
		return false;
	if (!sa->replay_window || seq > sa->replay_top)
		return true;
	if (sa->replay_top - seq >= sa->replay_window)
		return false;
	return !test_bit((u32)seq % CM_REPLAY_MAX, sa->replay_bits);
}

/*
 * RFC 4303 Appendix A2.1: the high 32 bits of the number whose low 32
 * are @seq, from the top of the window (a nominal 64 packets when replay
 * detection is off).  Below the first subspace there is nothing: a
 * number "before" it is taken as the first subspace's.
 */
static u32 cm_esn_seq_hi(const struct cm_sa *sa, u32 seq)
{
	u32 w = sa->replay_window ?: 64;
	u32 tl = lower_32_bits(sa->replay_top);
	u32 th = upper_32_bits(sa->replay_top);
	u32 bl = tl - w + 1;

	if (tl >= w - 1)		/* the window in one subspace */
		return seq >= bl ? th : th + 1;
	/* the window spans two subspaces */
	return seq >= bl && th ? th - 1 : th;
}

bool cm_replay_check(struct cm_sa *sa, u32 seq, u32 *seq_hi)
{
	bool ok;

	*seq_hi = 0;
	if (!sa->esn && !READ_ONCE(sa->replay_window))
		return true;
	spin_lock_bh(&sa->replay_lock);
	if (sa->esn)
		*seq_hi = cm_esn_seq_hi(sa, seq);
	ok = cm_replay_ok_locked(sa, (u64)*seq_hi << 32 | seq);
	spin_unlock_bh(&sa->replay_lock);
	return ok;
}

/* After the ICV was verified: record @seq; false if it was a replay. */
bool cm_replay_advance(struct cm_sa *sa, u64 seq)
{
	bool ok;

	if (!sa->esn && !READ_ONCE(sa->replay_window))
		return true;
	spin_lock_bh(&sa->replay_lock);
	ok = cm_replay_ok_locked(sa, seq);
	if (ok && !sa->replay_window) {
		/* ESN without a window: the top alone, to infer the high bits */
		sa->replay_top = max(sa->replay_top, seq);
	} else if (ok) {
		if (seq > sa->replay_top) {
			u64 diff = seq - sa->replay_top;

			if (diff >= sa->replay_window) {
				bitmap_zero(sa->replay_bits, CM_REPLAY_MAX);
			} else {
				u64 s;

				for (s = sa->replay_top + 1; s != seq; s++)
					clear_bit((u32)s % CM_REPLAY_MAX,
						  sa->replay_bits);
			}
			sa->replay_top = seq;
		}
		set_bit((u32)seq % CM_REPLAY_MAX, sa->replay_bits);
	}
	spin_unlock_bh(&sa->replay_lock);
	return ok;
}

/* ---- clear crypto sa ---- */

/*
 * Take a keyed pair out of the SADB (db->lock held): its inbound SAs are
 * no longer found, sync no longer hands it to an SPD.  False when it was
 * gone already.  The caller owns the reference the SADB held.
 */
bool cm_pair_unlink_locked(struct cm_sadb *db, struct cm_sa_pair *pair)
{
	int i;

	lockdep_assert_held(&db->lock);
	if (pair->dead)
		return false;
	pair->dead = true;
	pair->out_active = false;
	for (i = 0; i < CM_SA_NSLOTS; i++)
		cm_sa_unhash_locked(db, pair->sa[i]);
	return true;
}

/*
 * IOS re-installs manual SAs from the configuration, and its new SAs
 * start again at sequence number 1.  A Linux XFRM peer (or any peer that
 * keeps its state) would then drop everything up to its old window as
 * replays, so here "re-installed" keeps the sequence numbers and the
 * replay window of the manual SAs (the keys are the same: restarting the
 * numbering would also let a recorded packet be replayed) and only zeroes
 * their counters and restarts their age.
 */
/* The SA named by clear crypto sa entry DST PROTO SPI (or any SA). */
static bool cm_sa_filter_hit(const struct cm_sa_filter *f,
			     const struct cm_sa_pair *pair,
			     const struct cm_sa *sa)
{
	if (!f->spi)
		return true;
	if (sa->spi != f->spi || (f->proto && sa->proto != f->proto))
		return false;
	/* An outbound SA goes to the peer; an inbound one comes to us. */
	if (f->dst && sa->dir == CRYPTOMAP_DIR_OUT)
		return f->dst == READ_ONCE(pair->peer);
	if (f->dst)
		return f->dst_local;
	return true;
}

bool cm_sadb_clear(struct cm_sadb *db, const struct cm_sa_filter *f,
		   bool counters_only)
{
	struct cm_sa_pair *pair, *tmp;
	bool rebuild = false;
	LIST_HEAD(kill);
	int i;

	spin_lock_bh(&db->lock);
	list_for_each_entry(pair, &db->pairs, list) {
		bool hit = false;

		if (pair->dead)
			continue;
		if (pair->bench || (f->map && strcmp(pair->map, f->map)))
			continue;
		if (f->peer && READ_ONCE(pair->peer) != f->peer)
			continue;
		for (i = 0; i < CM_SA_NSLOTS; i++) {
			struct cm_sa *sa = pair->sa[i];

			if (!sa || !cm_sa_filter_hit(f, pair, sa))
				continue;
			hit = true;
			cm_sa_stats_zero(sa);
		}
		if (!hit || counters_only)
			continue;
		if (pair->isakmp) {
			rebuild |= pair->out_active;
			if (cm_pair_unlink_locked(db, pair))
				list_add_tail(&pair->kill, &kill);
		} else {
			pair->add_time = get_jiffies_64();
		}
	}
	spin_unlock_bh(&db->lock);

	if (!list_empty(&kill))
		cm_sa_acquire_reset(db);
	list_for_each_entry_safe(pair, tmp, &kill, kill) {
		list_del_init(&pair->kill);
		cm_sa_expire_notify(db, pair, true, CRYPTOMAP_EXPIRE_CLEARED);
		cm_sa_pair_put(pair);
	}
	return rebuild;
}

/* ---- life ---- */

int cm_dp_net_init(struct cm_net *cmn)
{
	struct cm_sadb_slot *slot = net_generic(cmn->net, cm_sadb_net_id);
	struct cm_sadb *db;
	int err;

	db = kzalloc(sizeof(*db), GFP_KERNEL);
	if (!db)
		return -ENOMEM;
	db->stats = alloc_percpu(struct cm_netstats);
	if (!db->stats) {
		kfree(db);
		return -ENOMEM;
	}
	err = rhltable_init(&db->in_hash, &cm_sa_ht_params);
	if (err) {
		free_percpu(db->stats);
		kfree(db);
		return err;
	}
	refcount_set(&db->ref, 1);
	db->net = cmn->net;
	db->cmn = cmn;
	spin_lock_init(&db->lock);
	INIT_LIST_HEAD(&db->pairs);
	cm_sa_tfm_net_init(db);

	err = cm_keyed_init(db);
	if (err) {
		cm_sadb_put(db);
		return err;
	}
	err = cm_hooks_register(db);
	if (err) {
		cm_keyed_exit(db);
		cm_sadb_put(db);
		return err;
	}
	db->hooks = true;
	WRITE_ONCE(slot->db, db);
	return 0;
}

void cm_dp_net_exit(struct cm_net *cmn)
{
	struct cm_sadb_slot *slot = net_generic(cmn->net, cm_sadb_net_id);
	struct cm_sadb *db = slot->db;

	if (!db)
		return;
	if (db->hooks)
		cm_hooks_unregister(db);
	WRITE_ONCE(slot->db, NULL);
	/* No hook runs now: the packets waiting for a transform go. */
	cm_sa_tfm_net_exit(db);
	cm_sa_bench_clear(db);
	/* The keyed pairs the SADB itself holds, and its timers. */
	cm_keyed_exit(db);
	/* Bundles still held by an SPD being freed keep db alive. */
	cm_sadb_put(db);
}

static struct pernet_operations cm_sadb_net_ops = {
	.id = &cm_sadb_net_id,
	.size = sizeof(struct cm_sadb_slot),
};

int cm_dp_init(void)
{
	int err;

	cm_pair_cache = KMEM_CACHE(cm_sa_pair, 0);
	if (!cm_pair_cache)
		return -ENOMEM;
	cm_sa_in_cache = kmem_cache_create("cm_sa_in",
					   struct_size_t(struct cm_sa, replay_bits,
							 BITS_TO_LONGS(CM_REPLAY_MAX)),
					   0, 0, NULL);
	err = -ENOMEM;
	if (!cm_sa_in_cache)
		goto err_pair;
	cm_sa_wq = alloc_workqueue("cryptomap_sa", WQ_UNBOUND, 0);
	if (!cm_sa_wq)
		goto err_sa;
	err = register_pernet_subsys(&cm_sadb_net_ops);
	if (err)
		goto err_wq;
	return 0;

err_wq:
	destroy_workqueue(cm_sa_wq);
err_sa:
	kmem_cache_destroy(cm_sa_in_cache);
err_pair:
	kmem_cache_destroy(cm_pair_cache);
	return err;
}

void cm_dp_exit(void)
{
	cm_sa_bench_exit();
	unregister_pernet_subsys(&cm_sadb_net_ops);
	/* Bundles queued by the last SPD frees run before the module goes. */
	rcu_barrier();
	destroy_workqueue(cm_sa_wq);
	cm_sa_tfm_exit();
	kmem_cache_destroy(cm_sa_in_cache);
	kmem_cache_destroy(cm_pair_cache);
}
