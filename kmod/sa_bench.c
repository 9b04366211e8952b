// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: the SA-scale benchmark (debug parameter sa_bench).
 *
 * Writing N to /sys/module/cryptomap/parameters/sa_bench, in a netns,
 * installs N SA bundles in that netns's SADB, each an ESP pair (inbound
 * and outbound, esp-aes 256 esp-sha-hmac, random keys) built by the same
 * code as a daemon's SA_ADD (cm_pair_create(), cm_pair_publish()), with
 * inbound SPIs from CM_BENCH_SPI up, then times lookups of the inbound
 * hash: the same SPI again and again (a flow), random installed SPIs and
 * SPIs that are not there.  The figures go to the kernel log; the
 * bundles stay, so that the bench can measure the memory they take and
 * send traffic among them, until 0 is written (or the netns or the
 * module goes).  They belong to no crypto map entry, are never used for
 * output and are left out of the SA dump.
 *
 * This is a test-only bulk path: installing 100,000 SAs through SA_ADD
 * recompiles the SPD per request, which a TCG guest cannot do in the
 * time of a bench.
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/nsproxy.h>
#include <linux/random.h>
#include <linux/reciprocal_div.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "cryptomap.h"
#include "sa.h"

#define CM_BENCH_SPI	0x50000000U
#define CM_BENCH_MAX	500000U
#define CM_BENCH_KEYS	4096U		/* random SPIs looked up in turn */
#define CM_BENCH_ROUNDS	(1024U * 1024U)

static DEFINE_MUTEX(cm_bench_lock);

/* Take the bench bundles out of the SADB; how many went. */
unsigned int cm_sa_bench_clear(struct cm_sadb *db)
{
	struct cm_sa_pair *pair, *tmp;
	unsigned int n = 0;
	LIST_HEAD(kill);

	spin_lock_bh(&db->lock);
	list_for_each_entry(pair, &db->pairs, list)
		if (pair->bench && cm_pair_unlink_locked(db, pair))
			list_add_tail(&pair->kill, &kill);
	spin_unlock_bh(&db->lock);
	list_for_each_entry_safe(pair, tmp, &kill, kill) {
		list_del_init(&pair->kill);
		cm_sa_pair_put(pair);
		n++;
		if (!(n & 1023))
			cond_resched();
	}
	return n;
}

/* Where an install's time goes: bundle and transforms, then the hash. */
struct cm_bench_split {
	u64 create_ns, publish_ns;
	u64 tenth_ns[10];		/* each tenth of the N pairs */
};

static int cm_bench_install(struct cm_sadb *db, struct cm_spd_entry *e,
			    struct cm_session_key *keys, u32 spi,
			    struct cm_bench_split *split)
{
	struct cm_sa_pair *pair;
	u64 t0, t1;
	int err;

	keys[CM_SA_ESP_IN].spi = spi;
	keys[CM_SA_ESP_OUT].spi = spi;
	get_random_bytes(keys[CM_SA_ESP_IN].cipher, 32);
	get_random_bytes(keys[CM_SA_ESP_IN].auth, 20);
	get_random_bytes(keys[CM_SA_ESP_OUT].cipher, 32);
	get_random_bytes(keys[CM_SA_ESP_OUT].auth, 20);
	t0 = ktime_get_ns();
	pair = cm_pair_create(db, e, &e->tsets[0], keys);
	if (IS_ERR(pair))
		return PTR_ERR(pair);
	pair->bench = true;
	t1 = ktime_get_ns();
	err = cm_pair_publish(db, pair);
	if (err)
		cm_sa_pair_put(pair);
	split->create_ns += t1 - t0;
	split->publish_ns += ktime_get_ns() - t1;
	return err;
}

/*
 * ns per lookup of @spis[] in turn, in batches of CM_BENCH_BATCH: the
 * fastest batch, and the mean in *@mean.  A guest's vCPU is descheduled
 * by a loaded host at random; the fastest batch is the cost of the
 * lookups themselves, the mean includes the host's noise.
 */
#define CM_BENCH_BATCH	1024U

static u64 cm_bench_time(struct cm_sadb *db, const u32 *spis,
			 unsigned int nspis, unsigned int rounds,
			 unsigned int *hits, u64 *mean)
{
	u64 t0, dt, t = 0, best = U64_MAX;
	unsigned int i;

	for (i = 0; i < rounds; i += CM_BENCH_BATCH) {
		unsigned int j;

		t0 = ktime_get_ns();
		rcu_read_lock();
		for (j = i; j < i + CM_BENCH_BATCH; j++)
			*hits += !!cm_sa_lookup_in(db, spis[j % nspis], 0,
						   IPPROTO_ESP);
		rcu_read_unlock();
		dt = ktime_get_ns() - t0;
		t += dt;
		best = min(best, dt);
		cond_resched();
	}
	*mean = t / (rounds / CM_BENCH_BATCH) / CM_BENCH_BATCH;
	return best / CM_BENCH_BATCH;
}

static int cm_bench_run(struct cm_sadb *db, unsigned int n)
{
	struct cm_session_key *keys;
	struct cm_spd_entry *e;
	unsigned int i, done = 0, hits = 0, skipped = 0;
	u64 t0, tt, install, hot, rnd, miss, mhot, mrnd, mmiss;
	struct cm_bench_split split = {};
	u32 spi = CM_BENCH_SPI, *spis;
	int err = 0;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	keys = kcalloc(CM_SA_NSLOTS, sizeof(*keys), GFP_KERNEL);
	spis = kvcalloc(CM_BENCH_KEYS, sizeof(*spis), GFP_KERNEL);
	if (!e || !keys || !spis) {
		err = -ENOMEM;
		goto out;
	}
	/* No map has an empty name: no entry ever takes these bundles. */
	e->type = CRYPTOMAP_TYPE_ISAKMP;
	e->replay_window = 64;
	e->tsets[0].esp_enc = CRYPTOMAP_ENC_AES;
	e->tsets[0].esp_auth = CRYPTOMAP_EAUTH_SHA_HMAC;
	e->tsets[0].keybits = 256;
	e->tsets[0].mode = CRYPTOMAP_MODE_TUNNEL;
	strscpy(e->tsets[0].name, "sa-bench", sizeof(e->tsets[0].name));
	e->n_tsets = 1;
	keys[CM_SA_ESP_IN].dir = CRYPTOMAP_DIR_IN;
	keys[CM_SA_ESP_OUT].dir = CRYPTOMAP_DIR_OUT;
	for (i = CM_SA_ESP_IN; i <= CM_SA_ESP_OUT; i++) {
		keys[i].proto = IPPROTO_ESP;
		keys[i].cipher_len = 32;
		keys[i].auth_len = 20;
	}

	t0 = ktime_get_ns();
	tt = t0;
	while (done < n) {
		if (cm_sa_spi_taken(db, spi, IPPROTO_ESP)) {
			spi++;
			skipped++;
			continue;
		}
		err = cm_bench_install(db, e, keys, spi, &split);
		if (err)
			break;
		done++;
		spi++;
		if (done * 10ULL % n < 10) {	/* a tenth of n is done */
			u64 now = ktime_get_ns();

			split.tenth_ns[min(done * 10ULL / n, 10ULL) - 1] = now - tt;
			tt = now;
		}
		cond_resched();
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
	}
	install = ktime_get_ns() - t0;
	if (err)
		goto out;

	/* A flow: the last SPI installed, again and again. */
	spis[0] = spi - 1;
	hot = cm_bench_time(db, spis, 1, CM_BENCH_ROUNDS, &hits, &mhot);
	/* Random installed SPIs (the skipped ones are few, and miss). */
	for (i = 0; i < CM_BENCH_KEYS; i++)
		spis[i] = CM_BENCH_SPI +
			  reciprocal_scale(get_random_u32(), spi - CM_BENCH_SPI);
	rnd = cm_bench_time(db, spis, CM_BENCH_KEYS, CM_BENCH_ROUNDS, &hits,
			    &mrnd);
	/* SPIs no SA has. */
	for (i = 0; i < CM_BENCH_KEYS; i++)
		spis[i] = spi + 1 + (get_random_u32() >> 12);
	miss = cm_bench_time(db, spis, CM_BENCH_KEYS, CM_BENCH_ROUNDS, &hits,
			     &mmiss);

	pr_info("sa_bench: pairs %u sas %u install_ns %llu per_pair_ns %llu lookup ns: hot %llu random %llu miss %llu mean hot %llu random %llu miss %llu (fastest of batches of %u; rounds %u, hits %u, skipped %u)\n",
		done, 2 * done, install, install / done, hot, rnd, miss,
		mhot, mrnd, mmiss, CM_BENCH_BATCH, CM_BENCH_ROUNDS, hits,
		skipped);
	pr_info("sa_bench: install split: create %llu ms (bundle, SAs, transforms keyed) publish %llu ms (hash, list); ms per tenth of the pairs: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
		split.create_ns / NSEC_PER_MSEC, split.publish_ns / NSEC_PER_MSEC,
		split.tenth_ns[0] / NSEC_PER_MSEC, split.tenth_ns[1] / NSEC_PER_MSEC,
		split.tenth_ns[2] / NSEC_PER_MSEC, split.tenth_ns[3] / NSEC_PER_MSEC,
		split.tenth_ns[4] / NSEC_PER_MSEC, split.tenth_ns[5] / NSEC_PER_MSEC,
		split.tenth_ns[6] / NSEC_PER_MSEC, split.tenth_ns[7] / NSEC_PER_MSEC,
		split.tenth_ns[8] / NSEC_PER_MSEC, split.tenth_ns[9] / NSEC_PER_MSEC);
out:
	if (err)
		pr_info("sa_bench: %u of %u bundles installed, error %d\n",
			done, n, err);
	kvfree(spis);
	kfree_sensitive(keys);
	kfree(e);
	return err;
}

static int cm_sa_bench_set(const char *val, const struct kernel_param *kp)
{
	struct net *net = current->nsproxy->net_ns;
	struct cm_sadb *db;
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n > CM_BENCH_MAX)
		return -EINVAL;
	mutex_lock(&cm_bench_lock);
	db = cm_sadb_get_net(net);
	if (!db) {
		err = -ENOENT;
		goto out;
	}
	cm_sa_bench_clear(db);
	if (n)
		err = cm_bench_run(db, n);
out:
	mutex_unlock(&cm_bench_lock);
	return err;
}

/*
 * sa_bench_tfm=N [NAME]: allocate N keyed AEAD transforms of NAME (by
 * default authenc(hmac(sha1),cbc(aes)), an inbound SA's of the bench;
 * echainiv(...) is an outbound one's; rfc4106(gcm(aes)) and seqiv(...)
 * those of esp-gcm), a random key each, and keep them until 0 is
 * written, so that the bench can tell the memory of the kernel's
 * transform from the rest of an SA.  The log names the driver the name
 * resolved to.
 */
static struct crypto_aead **cm_bench_tfms;
static unsigned int cm_bench_ntfms;

static void cm_bench_tfms_free(void)
{
	unsigned int i;

	for (i = 0; i < cm_bench_ntfms; i++)
		crypto_free_aead(cm_bench_tfms[i]);
	kvfree(cm_bench_tfms);
	cm_bench_tfms = NULL;
	cm_bench_ntfms = 0;
}

/* authenc: rtattr header + enckeylen, the HMAC-SHA1 and the AES-256 keys */
#define CM_BENCH_AUTHENC_KEY	(RTA_SPACE(sizeof(struct crypto_authenc_key_param)) + 20 + 32)

static int cm_bench_tfm_key(struct crypto_aead *tfm, bool authenc)
{
	u8 key[CM_BENCH_AUTHENC_KEY];
	struct crypto_authenc_key_param *param;
	struct rtattr *rta = (struct rtattr *)key;
	int err;

	if (authenc) {
		rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
		rta->rta_len = RTA_LENGTH(sizeof(*param));
		param = RTA_DATA(rta);
		param->enckeylen = cpu_to_be32(32);
		get_random_bytes(key + RTA_SPACE(sizeof(*param)), 52);
		err = crypto_aead_setkey(tfm, key, sizeof(key));
		if (!err)
			err = crypto_aead_setauthsize(tfm, 12);
	} else {
		/* GCM: the AES-256 key and the 4-byte salt (RFC 4106) */
		get_random_bytes(key, 36);
		err = crypto_aead_setkey(tfm, key, 36);
		if (!err)
			err = crypto_aead_setauthsize(tfm, 16);
	}
	memzero_explicit(key, sizeof(key));
	return err;
}

static int cm_sa_bench_tfm_set(const char *val, const struct kernel_param *kp)
{
	char name[CRYPTO_MAX_ALG_NAME] = "authenc(hmac(sha1),cbc(aes))";
	unsigned int n, i;
	char *arg, *sp;
	int err;

	arg = kstrdup(val, GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	sp = strim(arg);
	err = kstrtouint(strsep(&sp, " "), 0, &n);
	if (!err && sp && *skip_spaces(sp))
		strscpy(name, skip_spaces(sp), sizeof(name));
	kfree(arg);
	if (err)
		return err;
	if (n > CM_BENCH_MAX)
		return -EINVAL;
	mutex_lock(&cm_bench_lock);
	cm_bench_tfms_free();
	if (!n)
		goto out;
	cm_bench_tfms = kvcalloc(n, sizeof(*cm_bench_tfms), GFP_KERNEL);
	if (!cm_bench_tfms) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct crypto_aead *tfm;

		tfm = crypto_alloc_aead(name, 0, 0);
		if (IS_ERR(tfm)) {
			err = PTR_ERR(tfm);
			break;
		}
		cm_bench_tfms[cm_bench_ntfms++] = tfm;
		err = cm_bench_tfm_key(tfm, strstr(name, "authenc"));
		if (err)
			break;
		cond_resched();
	}
	if (err)
		cm_bench_tfms_free();
	else
		pr_info("sa_bench_tfm: %u transforms %s (driver %s, reqsize %u)\n",
			n, name,
			crypto_tfm_alg_driver_name(crypto_aead_tfm(cm_bench_tfms[0])),
			crypto_aead_reqsize(cm_bench_tfms[0]));
out:
	mutex_unlock(&cm_bench_lock);
	return err;
}

void cm_sa_bench_exit(void)
{
	mutex_lock(&cm_bench_lock);
	cm_bench_tfms_free();
	mutex_unlock(&cm_bench_lock);
}

static const struct kernel_param_ops cm_sa_bench_tfm_ops = {
	.set = cm_sa_bench_tfm_set,
};
module_param_cb(sa_bench_tfm, &cm_sa_bench_tfm_ops, NULL, 0200);
MODULE_PARM_DESC(sa_bench_tfm,
		 "N [NAME]: allocate N keyed AEAD transforms (default an SA's authenc(hmac(sha1),cbc(aes))) to measure their memory; 0 frees them (debug)");

static const struct kernel_param_ops cm_sa_bench_ops = {
	.set = cm_sa_bench_set,
};
module_param_cb(sa_bench, &cm_sa_bench_ops, NULL, 0200);
MODULE_PARM_DESC(sa_bench,
		 "Install N bench SA pairs in this netns and time inbound lookups; 0 removes them (debug)");
