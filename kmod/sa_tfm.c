// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: an SA's transform, keyed when its first packet needs it.
 *
 * A keyed transform of the crypto API is most of what an SA costs: the
 * AES context alone (both key schedules) is a kmalloc-1k object, and
 * authenc(hmac(sha1),cbc(aes)) takes ~1.6 KiB with its HMAC states and
 * headers, three times all the rest of an SA.  An SA that carries no
 * traffic (a standby pair, the SAs of a backup entry, most of the
 * spokes of a large hub at any moment) need not pay it.  So ESP and AH
 * SAs are installed with their key and the kind of transform they need
 * (struct cm_tfm_kind), and the transform is allocated and keyed for
 * the first packet.  crypto_alloc_aead() sleeps: the packet waits on a
 * per-netns queue (CM_TFM_QLEN packets at most; past that it is dropped
 * and counted as an error of its SA), a work item keys the SA in
 * process context and sends the packets on with the bottom halves
 * disabled, as an asynchronous cipher's completion does.  The rest of
 * the SA's pair is keyed with it: its other direction carries the
 * replies, and a bundle's other protocol the same packet.  The transform
 * then lives as long as the SA, so a given key only ever has one
 * transform (one IV generator salt), and the key copy is wiped.
 *
 * What the transform would refuse is still refused at install: the
 * first SA of each kind (name, key length, ICV length, AEAD or ahash,
 * through cryptd or not) allocates a probe transform, keys it with its
 * own key, records the IV, ICV and block sizes the data path needs and
 * frees it; later SAs of the kind take the record.  tfm_at_install=1
 * keys every SA when it is installed, as XFRM does: no wait for the
 * first packet, the full cost per SA.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "ah.h"
#include "cryptomap.h"
#include "esp.h"
#include "sa.h"

static bool cm_tfm_at_install;
module_param_named(tfm_at_install, cm_tfm_at_install, bool, 0644);
MODULE_PARM_DESC(tfm_at_install,
		 "Allocate and key the transform of new ESP and AH SAs when they are installed instead of at their first packet");

static atomic_long_t cm_tfm_keyed_count = ATOMIC_LONG_INIT(0);

static int cm_tfm_keyed_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&cm_tfm_keyed_count));
}

static const struct kernel_param_ops cm_tfm_keyed_ops = {
	.get = cm_tfm_keyed_get,
};

module_param_cb(tfm_keyed, &cm_tfm_keyed_ops, NULL, 0444);
MODULE_PARM_DESC(tfm_keyed,
		 "SA transforms allocated and keyed so far (at install or for a first packet)");

/* Probed kinds, never freed before the module goes: a handful. */
static LIST_HEAD(cm_tfm_kinds);
static DEFINE_MUTEX(cm_tfm_kinds_lock);

static struct crypto_aead *cm_tfm_aead(const struct cm_tfm_kind *k,
				       const u8 *key)
{
	struct crypto_aead *aead;
	int err;

	aead = cm_crypto_alloc_aead(k->name, k->async);
	if (IS_ERR(aead))
		return aead;
	err = crypto_aead_setauthsize(aead, k->authsize);
	if (!err)
		err = crypto_aead_setkey(aead, key, k->keylen);
	if (err) {
		crypto_free_aead(aead);
		return ERR_PTR(err);
	}
	return aead;
}

static struct crypto_ahash *cm_tfm_ahash(const struct cm_tfm_kind *k,
					 const u8 *key)
{
	struct crypto_ahash *ahash;
	int err;

	ahash = cm_crypto_alloc_ahash(k->name, k->async);
	if (IS_ERR(ahash))
		return ahash;
	err = crypto_ahash_setkey(ahash, key, k->keylen);
	if (err) {
		crypto_free_ahash(ahash);
		return ERR_PTR(err);
	}
	return ahash;
}

/* A first SA of its kind: the transform made once, to see it works. */
static int cm_tfm_probe(struct cm_tfm_kind *k, const u8 *key)
{
	if (k->ahash) {
		struct crypto_ahash *ahash = cm_tfm_ahash(k, key);

		if (IS_ERR(ahash))
			return PTR_ERR(ahash);
		k->digestsize = crypto_ahash_digestsize(ahash);
		crypto_free_ahash(ahash);
	} else {
		struct crypto_aead *aead = cm_tfm_aead(k, key);

		if (IS_ERR(aead))
			return PTR_ERR(aead);
		k->ivsize = crypto_aead_ivsize(aead);
		k->blocksize = crypto_aead_blocksize(aead);
		crypto_free_aead(aead);
	}
	return 0;
}

static bool cm_tfm_kind_same(const struct cm_tfm_kind *a,
			     const struct cm_tfm_kind *b)
{
	return a->keylen == b->keylen && a->authsize == b->authsize &&
	       a->ahash == b->ahash && a->async == b->async &&
	       !strcmp(a->name, b->name);
}

static const struct cm_tfm_kind *cm_tfm_kind_get(const struct cm_tfm_kind *want,
						 const u8 *key)
{
	struct cm_tfm_kind *k;
	int err;

	mutex_lock(&cm_tfm_kinds_lock);
	list_for_each_entry(k, &cm_tfm_kinds, list)
		if (cm_tfm_kind_same(k, want))
			goto out;
	k = kmemdup(want, sizeof(*k), GFP_KERNEL);
	if (!k) {
		k = ERR_PTR(-ENOMEM);
		goto out;
	}
	err = cm_tfm_probe(k, key);
	if (err) {
		kfree(k);
		k = ERR_PTR(err);
		goto out;
	}
	list_add_tail(&k->list, &cm_tfm_kinds);
out:
	mutex_unlock(&cm_tfm_kinds_lock);
	return k;
}

/* Process context: allocates and keys @sa's transform if it has none. */
static int cm_sa_tfm_key(struct cm_sa *sa)
{
	const struct cm_tfm_kind *k = sa->kind;

	if (k->ahash) {
		struct crypto_ahash *ahash;

		if (sa->ahash)
			return 0;
		ahash = cm_tfm_ahash(k, sa->key);
		if (IS_ERR(ahash))
			return PTR_ERR(ahash);
		/* Keyed before it is seen: pairs with cm_sa_ahash(). */
		smp_store_release(&sa->ahash, ahash);
	} else {
		struct crypto_aead *aead;

		if (sa->aead)
			return 0;
		aead = cm_tfm_aead(k, sa->key);
		if (IS_ERR(aead))
			return PTR_ERR(aead);
		if (crypto_aead_ivsize(aead) != k->ivsize ||
		    crypto_aead_authsize(aead) != k->authsize) {
			crypto_free_aead(aead);
			return -EINVAL;
		}
		/* Keyed before it is seen: pairs with cm_sa_aead(). */
		smp_store_release(&sa->aead, aead);
	}
	atomic_long_inc(&cm_tfm_keyed_count);
	kfree_sensitive(sa->key);
	sa->key = NULL;
	return 0;
}

int cm_sa_tfm_init(struct cm_sa *sa, struct cm_tfm_kind *want,
		   const u8 *key, unsigned int keylen)
{
	const struct cm_tfm_kind *k;

	if (keylen > U16_MAX)
		return -EINVAL;
	want->keylen = keylen;
	k = cm_tfm_kind_get(want, key);
	if (IS_ERR(k))
		return PTR_ERR(k);
	sa->kind = k;
	sa->key = kmemdup(key, keylen, GFP_KERNEL);
	if (!sa->key)
		return -ENOMEM;
	if (READ_ONCE(cm_tfm_at_install))
		return cm_sa_tfm_key(sa);
	return 0;
}

void cm_sa_tfm_free(struct cm_sa *sa)
{
	if (sa->kind && sa->kind->ahash) {
		if (sa->ahash)
			crypto_free_ahash(sa->ahash);
	} else if (sa->aead) {
		crypto_free_aead(sa->aead);
	}
	kfree_sensitive(sa->key);
}

/* Where the packet left off, or its end with @err. */
static void cm_sa_tfm_resume(struct sk_buff *skb, int err)
{
	struct cm_skb_cb *cb = CM_SKB_CB(skb);
	struct cm_sa *sa = cb->sa;

	switch (cb->tfm_op) {
	case CM_TFM_ESP_OUT:
		if (err)
			cm_output_finish(skb, err);
		else
			cm_esp_encrypt(sa, skb, cb->esp_off, cb->nfrags,
				       cb->oseq);
		break;
	case CM_TFM_AH_OUT:
		if (err)
			cm_output_finish(skb, err);
		else
			cm_ah_output(sa, skb);
		break;
	case CM_TFM_ESP_IN:
		if (err)
			cm_input_finish(skb, err);
		else
			cm_esp_decrypt(sa, skb, cb->esp_off);
		break;
	case CM_TFM_AH_IN:
		if (err)
			cm_ah_input_done(skb, err);
		else
			cm_ah_input(sa, skb);
		break;
	default:
		WARN_ON_ONCE(1);
		kfree_skb(skb);
		cm_sa_pair_put(sa->pair);
		break;
	}
}

void cm_sa_tfm_wait(struct cm_sa *sa, struct sk_buff *skb, u8 op)
{
	struct cm_sadb *db = sa->pair->db;

	CM_SKB_CB(skb)->sa = sa;
	CM_SKB_CB(skb)->tfm_op = op;
	spin_lock_bh(&db->tfm_q.lock);
	if (skb_queue_len(&db->tfm_q) >= CM_TFM_QLEN) {
		spin_unlock_bh(&db->tfm_q.lock);
		net_dbg_ratelimited("cryptomap: crypto map %s %u: spi 0x%X: too many packets wait for transforms, dropped\n",
				    sa->pair->map, sa->pair->seq, sa->spi);
		cm_sa_tfm_resume(skb, -ENOBUFS);
		return;
	}
	/*
	 * A received packet's device is not held by the skb: held while it
	 * waits, so that deleting the device then waits for it.
	 */
	if (op == CM_TFM_ESP_IN || op == CM_TFM_AH_IN)
		dev_hold(skb->dev);
	__skb_queue_tail(&db->tfm_q, skb);
	spin_unlock_bh(&db->tfm_q.lock);

	/* The work holds the SADB, which may go while it runs. */
	refcount_inc(&db->ref);
	if (!queue_work(cm_sa_wq, &db->tfm_work))
		cm_sadb_put(db);
}

/*
 * A packet's SA keyed, then the rest of its pair: the other direction's
 * first packet (the reply) and the other protocol of a bundle would each
 * wait for a work item of their own otherwise.  The SA's own error only.
 */
static int cm_sa_tfm_key_pair(struct cm_sa *sa)
{
	struct cm_sa_pair *pair = sa->pair;
	int err, i;

	err = cm_sa_tfm_key(sa);
	if (err)
		return err;
	for (i = 0; i < CM_SA_NSLOTS; i++) {
		struct cm_sa *other = pair->sa[i];

		if (other && other != sa && other->kind)
			cm_sa_tfm_key(other);
	}
	return 0;
}

/* Every packet waiting now: keyed and on, or ended with @err. */
static void cm_sa_tfm_drain(struct cm_sadb *db, int err)
{
	struct sk_buff_head q;
	struct sk_buff *skb;

	__skb_queue_head_init(&q);
	spin_lock_bh(&db->tfm_q.lock);
	skb_queue_splice_init(&db->tfm_q, &q);
	spin_unlock_bh(&db->tfm_q.lock);

	while ((skb = __skb_dequeue(&q))) {
		struct cm_sa *sa = CM_SKB_CB(skb)->sa;
		int ret = err ?: cm_sa_tfm_key_pair(sa);
		u8 op = CM_SKB_CB(skb)->tfm_op;
		struct net_device *dev = NULL;

		if (op == CM_TFM_ESP_IN || op == CM_TFM_AH_IN)
			dev = skb->dev;

		if (ret && !err)
			net_warn_ratelimited("cryptomap: crypto map %s %u: spi 0x%X: %s not keyed (%d), packet dropped\n",
					     sa->pair->map, sa->pair->seq,
					     sa->spi, sa->kind->name, ret);
		local_bh_disable();
		cm_sa_tfm_resume(skb, ret);
		local_bh_enable();
		dev_put(dev);
		cond_resched();
	}
}

static void cm_sa_tfm_work(struct work_struct *work)
{
	struct cm_sadb *db = container_of(work, struct cm_sadb, tfm_work);

	cm_sa_tfm_drain(db, 0);
	cm_sadb_put(db);
}

void cm_sa_tfm_net_init(struct cm_sadb *db)
{
	skb_queue_head_init(&db->tfm_q);
	INIT_WORK(&db->tfm_work, cm_sa_tfm_work);
}

/*
 * The hooks are gone: what waits is dropped.  A packet an asynchronous
 * cipher completes later may still wait; the work it queues holds the
 * SADB.
 */
void cm_sa_tfm_net_exit(struct cm_sadb *db)
{
	if (cancel_work_sync(&db->tfm_work))
		cm_sadb_put(db);
	cm_sa_tfm_drain(db, -ENETDOWN);
}

void cm_sa_tfm_exit(void)
{
	struct cm_tfm_kind *k, *tmp;

	list_for_each_entry_safe(k, tmp, &cm_tfm_kinds, list) {
		list_del(&k->list);
		kfree(k);
	}
}
