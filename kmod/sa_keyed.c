// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: SA pairs installed by a keying daemon for ipsec-isakmp
 * entries, and their lifetimes.
 *
 * A keyed pair is created by SA_ADD and held by the SADB (the reference
 * cm_pair_publish() takes) until it is deleted: by SA_DEL, clear crypto
 * sa, its hard lifetime, the end of its grace period after a rekey, or
 * its entry going away.  cm_sadb_sync() hands an entry the one pair of
 * that entry whose outbound SA is active (out_active); changing that
 * pair rebuilds the SPD, so the data path never looks up keyed SAs
 * itself.
 *
 * Rekey is make-before-break: a new pair added without STANDBY (or
 * activated later) takes over the output of its entry; the pair it
 * replaces stops sending but keeps accepting on its inbound SAs for
 * CM_REKEY_GRACE seconds, or until it is deleted.
 *
 * Lifetimes are checked once a second by a delayed work per netns:
 * seconds from SA_ADD, kilobytes through each SA, idle-time without a
 * packet either way, and the outbound sequence number.  The soft limit
 * (30 s before the end, at most half the lifetime; 90% of the
 * kilobytes; sequence number 0xF0000000) sends an EXPIRE soft once; the
 * hard limit deletes the pair and sends EXPIRE hard.  The data path
 * itself never sends a sequence number past 2^32 - 1 (output.c).
 * Manual SAs never expire.
 */
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cryptomap.h"
#include "sa.h"

#define CM_LIFE_TICK	HZ

struct cm_spi_resv {
	struct list_head list;
	u32 spi;
	u8 proto;
	u64 until;			/* jiffies64 */
};

static bool cm_pair_is_entry(const struct cm_sa_pair *pair,
			     const struct cm_spd_entry *e)
{
	return pair->seq == e->seq && !strcmp(pair->map, e->map);
}

/* cm_sadb_sync(), cmn->lock held: the entry's active keyed pair. */
void cm_keyed_entry_sync(struct cm_sadb *db, struct cm_spd_entry *e)
{
	struct cm_sa_pair *pair, *found = NULL;
	bool alive = e->inactive == CRYPTOMAP_INACTIVE_NONE;

	spin_lock_bh(&db->lock);
	list_for_each_entry(pair, &db->pairs, list) {
		if (!pair->isakmp || pair->dead || !cm_pair_is_entry(pair, e))
			continue;
		if (!alive)
			continue;
		pair->sync_gen = db->sync_gen;
		if (pair->out_active && !found && cm_sa_pair_hold(pair))
			found = pair;
	}
	spin_unlock_bh(&db->lock);
	e->sa = found;
}

/* Delete the dying pairs of @kill: events, then the SADB's reference. */
static void cm_keyed_reap(struct cm_sadb *db, struct list_head *kill,
			  bool notify, u8 reason)
{
	struct cm_sa_pair *pair, *tmp;

	if (!list_empty(kill))
		cm_sa_acquire_reset(db);
	list_for_each_entry_safe(pair, tmp, kill, kill) {
		list_del_init(&pair->kill);
		if (notify)
			cm_sa_expire_notify(db, pair, true, reason);
		cm_sa_pair_put(pair);
	}
}

/* After a sync: keyed pairs whose entry is gone or inactive go too. */
void cm_keyed_sweep(struct cm_sadb *db)
{
	struct cm_sa_pair *pair;
	LIST_HEAD(kill);

	spin_lock_bh(&db->lock);
	list_for_each_entry(pair, &db->pairs, list) {
		if (pair->isakmp && !pair->dead &&
		    pair->sync_gen != db->sync_gen &&
		    cm_pair_unlink_locked(db, pair))
			list_add_tail(&pair->kill, &kill);
	}
	spin_unlock_bh(&db->lock);
	cm_keyed_reap(db, &kill, false, 0);
}

struct cm_spd_entry *cm_keyed_entry(struct cm_net *cmn, const char *map,
				    u32 seq)
{
	const struct cm_spd *spd;

	spd = rcu_dereference_protected(cmn->spd, lockdep_is_held(&cmn->lock));
	/* cur_peer is the one field of a published entry that may change. */
	return (struct cm_spd_entry *)cm_spd_entry_find(spd, map, seq);
}

/* ---- SPI allocation ---- */

static bool cm_spi_used_locked(struct cm_sadb *db, u32 spi, u8 proto)
{
	struct cm_spi_resv *r;

	if (cm_sa_spi_taken(db, spi, proto))
		return true;
	list_for_each_entry(r, &db->spi_resv, list)
		if (r->spi == spi && r->proto == proto)
			return true;
	return false;
}

/* An inbound SA has it (a reservation does not count). */
static bool cm_spi_in_use(struct cm_sadb *db, u32 spi, u8 proto)
{
	struct cm_sa *sa;
	bool used;

	rcu_read_lock();
	sa = cm_sa_lookup_in(db, spi, 0, proto);
	used = sa && !READ_ONCE(sa->pair->dead);
	rcu_read_unlock();
	return used;
}

static void cm_spi_resv_expire_locked(struct cm_sadb *db, u64 now)
{
	struct cm_spi_resv *r, *tmp;

	list_for_each_entry_safe(r, tmp, &db->spi_resv, list) {
		if (time_before64(now, r->until))
			continue;
		list_del(&r->list);
		db->n_resv--;
		kfree(r);
	}
}

static void cm_spi_resv_drop_locked(struct cm_sadb *db, u32 spi, u8 proto)
{
	struct cm_spi_resv *r;

	list_for_each_entry(r, &db->spi_resv, list) {
		if (r->spi == spi && r->proto == proto) {
			list_del(&r->list);
			db->n_resv--;
			kfree(r);
			return;
		}
	}
}

int cm_spi_alloc(struct cm_sadb *db, u8 proto, u32 lo, u32 hi, u32 *spi)
{
	struct cm_spi_resv *r;
	u64 range = (u64)hi - lo + 1, found = U64_MAX;
	int tries, err = -ENOSPC;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	spin_lock_bh(&db->lock);
	cm_spi_resv_expire_locked(db, get_jiffies_64());
	if (db->n_resv >= CM_SPI_RESV_MAX) {
		err = -EBUSY;
		goto out;
	}
	for (tries = 0; tries < 64; tries++) {
		u32 v = lo + (u32)((u64)get_random_u32() * range >> 32);

		if (range == 1ULL << 32)
			v = get_random_u32();
		if (v < 256 || cm_spi_used_locked(db, v, proto))
			continue;
		found = v;
		break;
	}
	if (found == U64_MAX && range <= 4096) {
		/* A small range: walk it. */
		u64 v;

		for (v = lo; v <= hi; v++) {
			if (!cm_spi_used_locked(db, v, proto)) {
				found = v;
				break;
			}
		}
	}
	if (found != U64_MAX) {
		r->spi = found;
		r->proto = proto;
		r->until = get_jiffies_64() + CM_SPI_RESV_TIME * HZ;
		list_add_tail(&r->list, &db->spi_resv);
		db->n_resv++;
		*spi = found;
		r = NULL;
		err = 0;
	}
out:
	spin_unlock_bh(&db->lock);
	kfree(r);
	return err;
}

/* ---- adding, finding, deleting ---- */

/* The pair takes over the output of its entry (db->lock held). */
static void cm_keyed_activate_locked(struct cm_sadb *db,
				     struct cm_sa_pair *pair)
{
	struct cm_sa_pair *old;
	u64 grace = get_jiffies_64() + CM_REKEY_GRACE * HZ;

	list_for_each_entry(old, &db->pairs, list) {
		if (old == pair || !old->isakmp || old->dead ||
		    !old->out_active || old->seq != pair->seq ||
		    strcmp(old->map, pair->map))
			continue;
		old->out_active = false;
		old->grace_end = grace;
	}
	pair->standby = false;
	pair->out_active = true;
}

void cm_keyed_activate(struct cm_sadb *db, struct cm_sa_pair *pair)
{
	spin_lock_bh(&db->lock);
	if (!pair->dead)
		cm_keyed_activate_locked(db, pair);
	spin_unlock_bh(&db->lock);
}

/*
 * SA_ADD, cmn->lock held, arguments checked by the caller except that
 * the inbound SPIs must be free.  @oseq: the outbound SAs start after it
 * (0 for a new SA); @esn: 64-bit sequence numbers.  The caller rebuilds
 * the SPD.
 */
int cm_keyed_add(struct cm_sadb *db, struct cm_spd_entry *e,
		 const struct cm_tset_params *t,
		 const struct cm_session_key *keys, __be32 peer,
		 u32 life_sec, u32 life_kb, u32 idle_time, u64 oseq,
		 bool standby, bool esn)
{
	struct cm_sa_pair *pair;
	int i, err;

	/*
	 * An inbound CPI need not be unique: the IPComp SA is found through
	 * the ESP or AH SA in front of it.
	 */
	for (i = 0; i < CM_SA_NSLOTS; i++) {
		if (!keys[i].spi || keys[i].dir != CRYPTOMAP_DIR_IN ||
		    keys[i].proto == IPPROTO_COMP)
			continue;
		if (cm_spi_in_use(db, keys[i].spi, keys[i].proto))
			return -EEXIST;
	}

	pair = cm_pair_create_esn(db, e, t, keys, esn);
	if (IS_ERR(pair))
		return PTR_ERR(pair);
	pair->isakmp = true;
	pair->peer = peer;
	pair->pfs = e->pfs;
	pair->life_sec = life_sec;
	pair->life_kb = life_kb;
	pair->idle_time = idle_time;
	pair->standby = standby;
	for (i = 0; i < CM_SA_NSLOTS; i++)
		if (pair->sa[i] && pair->sa[i]->dir == CRYPTOMAP_DIR_OUT)
			atomic64_set(&pair->sa[i]->oseq, oseq);

	err = cm_pair_publish(db, pair);
	if (err) {
		cm_sa_pair_put(pair);
		return err;
	}
	spin_lock_bh(&db->lock);
	for (i = 0; i < CM_SA_NSLOTS; i++)
		if (keys[i].spi && keys[i].dir == CRYPTOMAP_DIR_IN)
			cm_spi_resv_drop_locked(db, keys[i].spi,
						keys[i].proto);
	if (!standby)
		cm_keyed_activate_locked(db, pair);
	spin_unlock_bh(&db->lock);
	cm_sa_acquire_reset(db);
	return 0;
}

/* The keyed pair holding an SA; a reference is taken. */
struct cm_sa_pair *cm_keyed_find_spi(struct cm_sadb *db, u32 spi, u8 proto,
				     u8 dir)
{
	struct cm_sa_pair *pair, *found = NULL;
	int i;

	spin_lock_bh(&db->lock);
	list_for_each_entry(pair, &db->pairs, list) {
		if (!pair->isakmp || pair->dead)
			continue;
		for (i = 0; i < CM_SA_NSLOTS; i++) {
			struct cm_sa *sa = pair->sa[i];

			if (sa && sa->spi == spi && sa->proto == proto &&
			    (!dir || sa->dir == dir))
				break;
		}
		if (i < CM_SA_NSLOTS && cm_sa_pair_hold(pair)) {
			found = pair;
			break;
		}
	}
	spin_unlock_bh(&db->lock);
	return found;
}

/*
 * Delete @only, or every keyed pair of map/seq; @reason non-zero sends
 * EXPIRE hard with it.  Returns how many pairs went; the caller
 * rebuilds the SPD (cmn->lock held).
 */
unsigned int cm_keyed_del(struct cm_sadb *db, struct cm_sa_pair *only,
			  const char *map, u32 seq, u8 reason)
{
	struct cm_sa_pair *pair;
	unsigned int n = 0;
	LIST_HEAD(kill);

	spin_lock_bh(&db->lock);
	list_for_each_entry(pair, &db->pairs, list) {
		if (!pair->isakmp || pair->dead)
			continue;
		if (only ? pair != only :
			   pair->seq != seq || strcmp(pair->map, map))
			continue;
		if (cm_pair_unlink_locked(db, pair)) {
			list_add_tail(&pair->kill, &kill);
			n++;
		}
	}
	spin_unlock_bh(&db->lock);
	cm_keyed_reap(db, &kill, reason, reason);
	return n;
}

/* ---- lifetimes ---- */

u64 cm_sa_seq_read(const struct cm_sa *sa)
{
	if (sa->dir == CRYPTOMAP_DIR_OUT)
		return atomic64_read(&sa->oseq);
	return READ_ONCE(sa->replay_top);
}

/* 0: alive; else the reason of a soft (*hard false) or hard limit. */
static u8 cm_pair_limit(struct cm_sa_pair *pair, u64 now, bool *hard)
{
	u64 v[__CRYPTOMAP_SA_STATS_MAX];
	u64 age = time_after64(now, pair->add_time) ?
		  (now - pair->add_time) / HZ : 0;
	u64 bytes = 0, pkts = 0, oseq = 0;
	u64 kb = pair->life_kb;
	u32 margin = min_t(u32, 30, pair->life_sec / 2);
	int i;

	for (i = 0; i < CM_SA_NSLOTS; i++) {
		struct cm_sa *sa = pair->sa[i];

		if (!sa)
			continue;
		cm_sa_stats_read(sa, v);
		bytes = max(bytes, v[CRYPTOMAP_SA_STATS_BYTES]);
		pkts += v[CRYPTOMAP_SA_STATS_PKTS];
		if (sa->dir == CRYPTOMAP_DIR_OUT)
			oseq = max_t(u64, oseq, atomic64_read(&sa->oseq));
	}
	if (pkts != pair->last_pkts) {
		pair->last_pkts = pkts;
		pair->last_use = now;
	}

	*hard = true;
	if (pair->life_sec && age >= pair->life_sec)
		return CRYPTOMAP_EXPIRE_SECONDS;
	if (kb && bytes >= kb * 1024)
		return CRYPTOMAP_EXPIRE_KILOBYTES;
	if (oseq >= cm_seq_limit(pair->esn, CM_SEQ_HARD))
		return CRYPTOMAP_EXPIRE_SEQNO;
	if (pair->idle_time &&
	    !time_before64(now, pair->last_use + (u64)pair->idle_time * HZ))
		return CRYPTOMAP_EXPIRE_IDLE;
	if (pair->grace_end && !time_before64(now, pair->grace_end))
		return CRYPTOMAP_EXPIRE_SECONDS;

	*hard = false;
	if (pair->life_sec && age + margin >= pair->life_sec)
		return CRYPTOMAP_EXPIRE_SECONDS;
	if (kb && bytes >= kb * 1024 / 10 * 9)
		return CRYPTOMAP_EXPIRE_KILOBYTES;
	if (oseq >= cm_seq_limit(pair->esn, CM_SEQ_SOFT))
		return CRYPTOMAP_EXPIRE_SEQNO;
	return 0;
}

/* Pairs cm_keyed_life_work() looks at per hold of the locks. */
#define CM_LIFE_SLICE	256

/* Sends what one slice found: soft expiries, then the hard ones. */
static void cm_keyed_life_reap(struct cm_sadb *db, struct list_head *soft,
			       struct list_head *kill)
{
	struct cm_sa_pair *pair, *tmp;

	list_for_each_entry_safe(pair, tmp, soft, kill) {
		list_del_init(&pair->kill);
		cm_sa_expire_notify(db, pair, false, pair->why);
		cm_sa_pair_put(pair);
	}
	if (!list_empty(kill))
		cm_sa_acquire_reset(db);
	list_for_each_entry_safe(pair, tmp, kill, kill) {
		list_del_init(&pair->kill);
		if (pair->notify && !pair->soft_sent)
			/* Crossed both in one tick: soft still comes first. */
			cm_sa_expire_notify(db, pair, false, pair->why);
		if (pair->notify)
			cm_sa_expire_notify(db, pair, true, pair->why);
		cm_sa_pair_put(pair);
	}
}

/*
 * Once a second: the lifetimes of the keyed pairs.  The bundles are
 * walked CM_LIFE_SLICE at a time; between slices both locks are dropped
 * (an install or delete of 100,000 pairs does not wait for a whole walk)
 * and the walk keeps its place by a reference on the next pair, which
 * keeps that pair on db->pairs (cm_sa_pair_put() unlinks the last one).
 */
static void cm_keyed_life_work(struct work_struct *work)
{
	struct cm_sadb *db = container_of(to_delayed_work(work),
					  struct cm_sadb, life_work);
	struct cm_sa_pair *pair, *held = NULL;
	struct cm_net *cmn = db->cmn;
	bool rebuild = false, done;
	LIST_HEAD(soft);
	LIST_HEAD(kill);
	unsigned int n;
	u64 now;

	mutex_lock(&cmn->lock);
	spin_lock_bh(&db->lock);
	cm_spi_resv_expire_locked(db, get_jiffies_64());
	pair = list_first_entry(&db->pairs, struct cm_sa_pair, list);
	for (;;) {
		/*
		 * The clock is read with the locks held, in every slice: an
		 * SA_ADD holding cmn->lock while this work waited for it (before
		 * the first slice or between two) publishes a pair whose
		 * add_time is later than a clock read before the wait, and
		 * (now - add_time) would wrap to an age past any lifetime.
		 */
		now = get_jiffies_64();
		n = 0;
		list_for_each_entry_from(pair, &db->pairs, list) {
			bool hard;
			u8 why;

			if (++n > CM_LIFE_SLICE)
				break;
			if (!pair->isakmp || pair->dead)
				continue;
			why = cm_pair_limit(pair, now, &hard);
			if (!why)
				continue;
			if (hard) {
				/* A replaced pair ends its grace quietly. */
				bool quiet = pair->grace_end &&
					     !time_before64(now, pair->grace_end);

				rebuild |= pair->out_active;
				if (!cm_pair_unlink_locked(db, pair))
					continue;
				pair->notify = !quiet;
				pair->why = why;
				list_add_tail(&pair->kill, &kill);
			} else if (!pair->soft_sent && !pair->grace_end &&
				   cm_sa_pair_hold(pair)) {
				pair->soft_sent = true;
				pair->why = why;
				list_add_tail(&pair->kill, &soft);
			}
		}
		/* The next slice starts at a pair that cannot go meanwhile. */
		while (!list_entry_is_head(pair, &db->pairs, list) &&
		       !cm_sa_pair_hold(pair))
			pair = list_next_entry(pair, list);
		done = list_entry_is_head(pair, &db->pairs, list);
		spin_unlock_bh(&db->lock);

		cm_keyed_life_reap(db, &soft, &kill);
		if (held)
			cm_sa_pair_put(held);
		if (done)
			break;
		held = pair;
		mutex_unlock(&cmn->lock);
		cond_resched();
		mutex_lock(&cmn->lock);
		spin_lock_bh(&db->lock);
	}
	/* The entry looks for a new SA; not once the netns is going. */
	if (rebuild && rcu_access_pointer(cmn->spd) &&
	    cm_spd_rebuild(cmn))
		pr_warn("could not recompile the policy after an SA expired\n");
	mutex_unlock(&cmn->lock);
	queue_delayed_work(system_power_efficient_wq, &db->life_work,
			   round_jiffies_relative(CM_LIFE_TICK));
}

int cm_keyed_init(struct cm_sadb *db)
{
	INIT_LIST_HEAD(&db->spi_resv);
	spin_lock_init(&db->acq_lock);
	db->acq = kcalloc(CM_ACQ_SLOTS, sizeof(*db->acq), GFP_KERNEL);
	if (!db->acq)
		return -ENOMEM;
	INIT_DELAYED_WORK(&db->life_work, cm_keyed_life_work);
	queue_delayed_work(system_power_efficient_wq, &db->life_work,
			   CM_LIFE_TICK);
	return 0;
}

void cm_keyed_exit(struct cm_sadb *db)
{
	struct cm_spi_resv *r, *tmp;
	struct cm_sa_pair *pair;
	LIST_HEAD(kill);

	cancel_delayed_work_sync(&db->life_work);
	spin_lock_bh(&db->lock);
	list_for_each_entry(pair, &db->pairs, list)
		if (pair->isakmp && cm_pair_unlink_locked(db, pair))
			list_add_tail(&pair->kill, &kill);
	list_for_each_entry_safe(r, tmp, &db->spi_resv, list) {
		list_del(&r->list);
		kfree(r);
	}
	db->n_resv = 0;
	spin_unlock_bh(&db->lock);
	cm_keyed_reap(db, &kill, false, 0);
	kfree(db->acq);
	db->acq = NULL;
}
