// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: ESP (RFC 4303) encapsulation and decapsulation.
 *
 * Every transform is one AEAD of the kernel crypto API, as in esp4:
 * authenc(hmac(X),cbc(Y)) for the CBC ciphers, rfc4106(gcm(aes))
 * (esp-gcm), rfc4543(gcm(aes)) (esp-gmac) and authenc(X,ecb(cipher_null))
 * for esp-null.  The ESP header (SPI, sequence number) is the associated
 * data.  Outbound SAs wrap the cipher in an IV generator (echainiv for
 * CBC, seqiv for GCM/GMAC), which writes the IV after the header.
 * Inbound SAs never generate an IV, so they get the bare transform: the
 * decrypt copies the IV from the packet into the request and counts it
 * in the associated data, as the generators' own decrypt does (not with
 * force_async, see cm_esp_bare()).  That
 * saves the generator's transform object and its salt (drawn from the
 * DRBG at allocation) for half the SAs.  With extended sequence numbers (RFC 4303
 * 2.2.1) the associated data is SPI, high and low 32 bits of the number
 * (12 bytes, the layout RFC 4106 section 5 gives GCM, and the one the
 * authencesn template wants: it moves the high bits after the payload
 * for the HMAC).  They are put together in the per-packet block, in a
 * scatterlist entry of their own before the rest of the packet, so the
 * packet's headers never move.  Each packet needs one GFP_ATOMIC block holding
 * the IV, the request and the scatterlist; an asynchronous cipher
 * completes through the same function the synchronous path calls.  An
 * SA's transform is allocated and keyed for its first packet, which waits
 * for it (sa_tfm.c); the names and sizes are settled at install.
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <net/esp.h>
#include <net/ip.h>

#include "cryptomap.h"
#include "esp.h"
#include "sa.h"

struct cm_esp_alg {
	const char *name;	/* crypto API name of the cipher */
	bool geniv;		/* CBC: echainiv; GCM/GMAC: seqiv (aead) */
};

static const char * const cm_esp_hmac[__CRYPTOMAP_EAUTH_MAX] = {
	[CRYPTOMAP_EAUTH_NONE] = "digest_null",
	[CRYPTOMAP_EAUTH_MD5_HMAC] = "hmac(md5)",
	[CRYPTOMAP_EAUTH_SHA_HMAC] = "hmac(sha1)",
	[CRYPTOMAP_EAUTH_SHA256_HMAC] = "hmac(sha256)",
	[CRYPTOMAP_EAUTH_SHA384_HMAC] = "hmac(sha384)",
	[CRYPTOMAP_EAUTH_SHA512_HMAC] = "hmac(sha512)",
};

/* ICV bytes: MD5 and SHA-1 truncated to 96 bits, SHA-2 to half (RFC 4868). */
static const u8 cm_esp_icv[__CRYPTOMAP_EAUTH_MAX] = {
	[CRYPTOMAP_EAUTH_MD5_HMAC] = 12,
	[CRYPTOMAP_EAUTH_SHA_HMAC] = 12,
	[CRYPTOMAP_EAUTH_SHA256_HMAC] = 16,
	[CRYPTOMAP_EAUTH_SHA384_HMAC] = 24,
	[CRYPTOMAP_EAUTH_SHA512_HMAC] = 32,
};

static const char * const cm_esp_cbc[__CRYPTOMAP_ENC_MAX] = {
	[CRYPTOMAP_ENC_NONE] = "ecb(cipher_null)",	/* ESP integrity only */
	[CRYPTOMAP_ENC_NULL] = "ecb(cipher_null)",
	[CRYPTOMAP_ENC_DES] = "cbc(des)",
	[CRYPTOMAP_ENC_3DES] = "cbc(des3_ede)",
	[CRYPTOMAP_ENC_AES] = "cbc(aes)",
};

/*
 * Testing the asynchronous path: with force_async set, the transforms of
 * new SAs (ESP and AH) are allocated through cryptd, whose requests always
 * complete later from its workqueue; async_completions counts the
 * completions that came through a callback, whatever the transform.
 */
static bool cm_force_async;
module_param_named(force_async, cm_force_async, bool, 0644);
MODULE_PARM_DESC(force_async,
		 "Allocate the transforms of new SAs through cryptd (tests the asynchronous crypto path)");

static atomic_long_t cm_async_done_count = ATOMIC_LONG_INIT(0);

static int cm_async_done_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&cm_async_done_count));
}

static const struct kernel_param_ops cm_async_done_ops = {
	.get = cm_async_done_get,
};

module_param_cb(async_completions, &cm_async_done_ops, NULL, 0444);
MODULE_PARM_DESC(async_completions,
		 "Crypto requests (ESP and AH) that completed asynchronously");

void cm_crypto_async_done(void)
{
	atomic_long_inc(&cm_async_done_count);
}

/*
 * cryptd's instances are named after the driver they wrap, so a
 * synchronous transform is allocated first (cryptd runs it from its
 * workqueue) and its driver name wrapped.
 */
bool cm_crypto_forced_async(void)
{
	return READ_ONCE(cm_force_async);
}

struct crypto_aead *cm_crypto_alloc_aead(const char *name, bool async)
{
	char drv[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *aead;
	int n;

	aead = crypto_alloc_aead(name, 0, async ? CRYPTO_ALG_ASYNC : 0);
	if (IS_ERR(aead) || !async)
		return aead;
	n = snprintf(drv, sizeof(drv), "cryptd(%s)",
		     crypto_tfm_alg_driver_name(crypto_aead_tfm(aead)));
	crypto_free_aead(aead);
	if (n >= (int)sizeof(drv))
		return ERR_PTR(-ENAMETOOLONG);
	return crypto_alloc_aead(drv, 0, 0);
}

struct crypto_ahash *cm_crypto_alloc_ahash(const char *name, bool async)
{
	char drv[CRYPTO_MAX_ALG_NAME];
	struct crypto_ahash *ahash;
	int n;

	ahash = crypto_alloc_ahash(name, 0, async ? CRYPTO_ALG_ASYNC : 0);
	if (IS_ERR(ahash) || !async)
		return ahash;
	n = snprintf(drv, sizeof(drv), "cryptd(%s)",
		     crypto_tfm_alg_driver_name(crypto_ahash_tfm(ahash)));
	crypto_free_ahash(ahash);
	if (n >= (int)sizeof(drv))
		return ERR_PTR(-ENAMETOOLONG);
	return crypto_alloc_ahash(drv, 0, 0);
}

/*
 * Inbound SAs get the bare transform, except through cryptd: 6.1's
 * cryptd AEAD fails the crypto manager's self-test of the algorithms
 * that have test vectors (it changes the caller's request: "corrupted
 * request struct"), and an instance that fails is refused; under an IV
 * generator there is no test.  force_async is a test mode.
 */
static bool cm_esp_bare(struct cm_sa *sa, bool async)
{
	sa->iv_from_pkt = sa->dir == CRYPTOMAP_DIR_IN && !async;
	return sa->iv_from_pkt;
}

static int cm_esp_init_aead(struct cm_sa *sa, const char *alg,
			    const struct cm_session_key *k)
{
	struct cm_tfm_kind want = {
		.async = cm_crypto_forced_async(),
		.authsize = 16,
	};

	if (cm_esp_bare(sa, want.async))
		strscpy(want.name, alg, sizeof(want.name));
	else
		snprintf(want.name, sizeof(want.name), "seqiv(%s)", alg);
	return cm_sa_tfm_init(sa, &want, k->cipher, k->cipher_len);
}

static int cm_esp_init_authenc(struct cm_sa *sa, const struct cm_tset_params *t,
			       const struct cm_session_key *k)
{
	struct cm_tfm_kind want = { .async = cm_crypto_forced_async() };
	struct crypto_authenc_key_param *param;
	const char *hmac, *cipher;
	unsigned int keylen;
	struct rtattr *rta;
	u8 *key, *p;
	int err;

	if (t->esp_enc >= __CRYPTOMAP_ENC_MAX || !cm_esp_cbc[t->esp_enc] ||
	    t->esp_auth >= __CRYPTOMAP_EAUTH_MAX)
		return -EINVAL;
	hmac = cm_esp_hmac[t->esp_auth];
	cipher = cm_esp_cbc[t->esp_enc];
	if (t->esp_enc == CRYPTOMAP_ENC_NULL ||
	    t->esp_enc == CRYPTOMAP_ENC_NONE || cm_esp_bare(sa, want.async))
		snprintf(want.name, sizeof(want.name), "%s(%s,%s)",
			 sa->esn ? "authencesn" : "authenc", hmac, cipher);
	else
		snprintf(want.name, sizeof(want.name), "echainiv(%s(%s,%s))",
			 sa->esn ? "authencesn" : "authenc", hmac, cipher);
	want.authsize = cm_esp_icv[t->esp_auth];

	/* The authenc key: a parameter attribute, the HMAC key, the cipher key. */
	keylen = RTA_SPACE(sizeof(*param)) + k->auth_len + k->cipher_len;
	key = kzalloc(keylen, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	rta = (struct rtattr *)key;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(k->cipher_len);
	p = key + RTA_SPACE(sizeof(*param));
	memcpy(p, k->auth, k->auth_len);
	memcpy(p + k->auth_len, k->cipher, k->cipher_len);

	err = cm_sa_tfm_init(sa, &want, key, keylen);
	kfree_sensitive(key);
	return err;
}

int cm_esp_sa_init(struct cm_sa *sa, const struct cm_tset_params *t,
		   const struct cm_session_key *k)
{
	int err;

	switch (t->esp_enc) {
	case CRYPTOMAP_ENC_GCM:
		err = cm_esp_init_aead(sa, "rfc4106(gcm(aes))", k);
		break;
	case CRYPTOMAP_ENC_GMAC:
		err = cm_esp_init_aead(sa, "rfc4543(gcm(aes))", k);
		break;
	default:
		err = cm_esp_init_authenc(sa, t, k);
		break;
	}
	if (err)
		return err;

	/* The transform's sizes, as its kind's probe found them. */
	sa->ivlen = sa->kind->ivsize;
	sa->icvlen = sa->kind->authsize;
	sa->blksize = ALIGN(sa->kind->blocksize, 4);
	return 0;
}

unsigned int cm_esp_overhead(const struct cm_sa *sa, unsigned int len)
{
	return CM_ESP_HLEN + sa->ivlen + ALIGN(len + 2, sa->blksize) - len +
	       sa->icvlen;
}

unsigned int cm_esp_payload_max(const struct cm_sa *sa, unsigned int room)
{
	unsigned int fixed = CM_ESP_HLEN + sa->ivlen + sa->icvlen + 2;

	if (room < fixed + sa->blksize)
		return 0;
	return ((room - CM_ESP_HLEN - sa->ivlen - sa->icvlen) &
		~(sa->blksize - 1)) - 2;
}

/* ESN: the associated data, SPI | seq_hi | seq_lo. */
#define CM_ESN_AADLEN	12

/*
 * The per-packet block: [IV][aead_request + reqsize][scatterlist * n]
 * [ESN associated data], each part aligned as the cipher needs.
 */
static void *cm_esp_alloc_tmp(struct crypto_aead *aead, int nsg)
{
	unsigned int len = crypto_aead_ivsize(aead);

	if (len) {
		len += crypto_aead_alignmask(aead) &
		       ~(crypto_tfm_ctx_alignment() - 1);
		len = ALIGN(len, crypto_tfm_ctx_alignment());
	}
	len += sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nsg + CM_ESN_AADLEN;
	return kmalloc(len, GFP_ATOMIC);
}

static u8 *cm_esp_tmp_iv(struct crypto_aead *aead, void *tmp)
{
	return crypto_aead_ivsize(aead) ?
	       PTR_ALIGN((u8 *)tmp, crypto_aead_alignmask(aead) + 1) : tmp;
}

static struct aead_request *cm_esp_tmp_req(struct crypto_aead *aead, u8 *iv)
{
	struct aead_request *req;

	req = (void *)PTR_ALIGN(iv + crypto_aead_ivsize(aead),
				crypto_tfm_ctx_alignment());
	aead_request_set_tfm(req, aead);
	return req;
}

static struct scatterlist *cm_esp_req_sg(struct crypto_aead *aead,
					 struct aead_request *req)
{
	return (void *)ALIGN((unsigned long)(req + 1) +
			     crypto_aead_reqsize(aead),
			     __alignof__(struct scatterlist));
}

/*
 * The scatterlist of the @len bytes of @skb from the ESP header at
 * @esp_off: the packet as it is, or with ESN the associated data built
 * in the block after the @nsg entries (one more than the skb needs),
 * then the packet from the IV on.  Returns the associated data's length.
 */
static int cm_esp_sg(struct cm_sa *sa, struct sk_buff *skb,
		     struct scatterlist *sg, int nsg, unsigned int esp_off,
		     unsigned int len, u32 seq_hi)
{
	const struct ip_esp_hdr *esph;
	__be32 *aad;
	int err;

	if (!sa->esn) {
		sg_init_table(sg, nsg);
		err = skb_to_sgvec(skb, sg, esp_off, len);
		return err < 0 ? err : CM_ESP_HLEN;
	}
	esph = (const struct ip_esp_hdr *)(skb->data + esp_off);
	aad = (__be32 *)(sg + nsg);
	aad[0] = esph->spi;
	aad[1] = htonl(seq_hi);
	aad[2] = esph->seq_no;
	sg_init_table(sg, nsg);
	sg_set_buf(sg, aad, CM_ESN_AADLEN);
	err = skb_to_sgvec(skb, sg + 1, esp_off + CM_ESP_HLEN,
			   len - CM_ESP_HLEN);
	return err < 0 ? err : CM_ESN_AADLEN;
}

/* ---- output ---- */

int cm_esp_add_trailer(struct cm_sa *sa, struct sk_buff *skb,
		       unsigned int payload_len, u8 nexthdr)
{
	unsigned int clen = ALIGN(payload_len + 2, sa->blksize);
	unsigned int plen = clen - payload_len;
	unsigned int tailen = plen + sa->icvlen;
	struct sk_buff *trailer;
	int nfrags;
	u8 *tail;

	if (!skb_cloned(skb) && !skb_is_nonlinear(skb) &&
	    skb_tailroom(skb) >= tailen) {
		nfrags = 1;
		trailer = skb;
	} else {
		nfrags = skb_cow_data(skb, tailen, &trailer);
		if (nfrags < 0)
			return nfrags;
	}
	tail = skb_tail_pointer(trailer);
	/* Padding 1, 2, 3... (RFC 4303 2.4), pad length, next header. */
	esp_output_fill_trailer(tail, 0, plen, nexthdr);
	pskb_put(skb, trailer, tailen);
	return nfrags;
}

static void cm_esp_output_done(CM_CRYPTO_DONE_ARG, int err)
{
	struct sk_buff *skb = cm_crypto_done_data(cm_done_arg);

	cm_crypto_async_done();
	kfree(CM_SKB_CB(skb)->tmp);
	cm_output_finish(skb, err);
}

void cm_esp_encrypt(struct cm_sa *sa, struct sk_buff *skb,
		    unsigned int esp_off, int nfrags, u64 seq)
{
	struct crypto_aead *aead = cm_sa_aead(sa);
	unsigned int len = skb->len - esp_off;
	struct ip_esp_hdr *esph;
	struct aead_request *req;
	struct scatterlist *sg;
	__be64 seqno;
	void *tmp;
	u8 *iv;
	int err, adlen;

	if (unlikely(!aead)) {
		/* Its first packet: on once the SA is keyed (sa_tfm.c). */
		CM_SKB_CB(skb)->esp_off = esp_off;
		CM_SKB_CB(skb)->nfrags = nfrags;
		CM_SKB_CB(skb)->oseq = seq;
		cm_sa_tfm_wait(sa, skb, CM_TFM_ESP_OUT);
		return;
	}
	nfrags += sa->esn;
	tmp = cm_esp_alloc_tmp(aead, nfrags);
	if (!tmp) {
		cm_output_finish(skb, -ENOMEM);
		return;
	}
	iv = cm_esp_tmp_iv(aead, tmp);
	req = cm_esp_tmp_req(aead, iv);
	sg = cm_esp_req_sg(aead, req);

	esph = (struct ip_esp_hdr *)(skb->data + esp_off);
	esph->spi = htonl(sa->spi);
	esph->seq_no = htonl(lower_32_bits(seq));

	adlen = cm_esp_sg(sa, skb, sg, nfrags, esp_off, len,
			  upper_32_bits(seq));
	if (unlikely(adlen < 0)) {
		kfree(tmp);
		cm_output_finish(skb, adlen);
		return;
	}

	aead_request_set_callback(req, 0, cm_esp_output_done, skb);
	aead_request_set_crypt(req, sg, sg,
			       len - CM_ESP_HLEN - sa->icvlen, iv);
	aead_request_set_ad(req, adlen);

	/*
	 * The IV generators take the sequence number as their seed, all 64
	 * bits of it with ESN (GCM's nonce must not repeat after 2^32).
	 */
	seqno = cpu_to_be64(seq);
	memset(iv, 0, sa->ivlen);
	memcpy(iv + sa->ivlen - min(sa->ivlen, 8U),
	       (u8 *)&seqno + 8 - min(sa->ivlen, 8U), min(sa->ivlen, 8U));

	CM_SKB_CB(skb)->tmp = tmp;
	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return;
	kfree(tmp);
	cm_output_finish(skb, err);
}

/* ---- input ---- */

static int cm_esp_input_done2(struct sk_buff *skb, int err)
{
	struct cm_sa *sa = CM_SKB_CB(skb)->sa;
	unsigned int esp_off = CM_SKB_CB(skb)->esp_off;
	unsigned int hlen = esp_off + CM_ESP_HLEN + sa->ivlen;
	u8 nexthdr[2], pad[255];
	unsigned int padlen, i;

	kfree(CM_SKB_CB(skb)->tmp);
	if (err)
		return err;

	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2, nexthdr, 2))
		return -EINVAL;
	padlen = nexthdr[0];
	if (hlen + padlen + 2 + sa->icvlen > skb->len)
		return -EINVAL;
	if (padlen) {
		if (skb_copy_bits(skb, skb->len - sa->icvlen - 2 - padlen,
				  pad, padlen))
			return -EINVAL;
		for (i = 0; i < padlen; i++)
			if (pad[i] != i + 1)
				return -EINVAL;
	}
	if (pskb_trim(skb, skb->len - sa->icvlen - 2 - padlen))
		return -ENOMEM;
	return nexthdr[1];
}

static void cm_esp_input_done(CM_CRYPTO_DONE_ARG, int err)
{
	struct sk_buff *skb = cm_crypto_done_data(cm_done_arg);

	cm_crypto_async_done();
	cm_input_finish(skb, cm_esp_input_done2(skb, err));
}

void cm_esp_decrypt(struct cm_sa *sa, struct sk_buff *skb,
		    unsigned int esp_off)
{
	struct crypto_aead *aead = cm_sa_aead(sa);
	struct aead_request *req;
	struct sk_buff *trailer;
	struct scatterlist *sg;
	unsigned int elen;
	int nfrags, adlen;
	void *tmp;
	unsigned int ivlen;
	u8 *iv;
	int err;

	CM_SKB_CB(skb)->tmp = NULL;
	CM_SKB_CB(skb)->esp_off = esp_off;
	if (unlikely(!aead)) {
		cm_sa_tfm_wait(sa, skb, CM_TFM_ESP_IN);
		return;
	}
	if (skb->len < esp_off + CM_ESP_HLEN + sa->ivlen + sa->icvlen) {
		cm_input_finish(skb, -EMSGSIZE);
		return;
	}
	elen = skb->len - esp_off - CM_ESP_HLEN - sa->ivlen - sa->icvlen;
	if (!elen || elen % sa->blksize) {
		cm_input_finish(skb, -EMSGSIZE);
		return;
	}

	if (!skb_cloned(skb) && !skb_is_nonlinear(skb)) {
		nfrags = 1;
	} else if (!skb_cloned(skb) && !skb_has_frag_list(skb) &&
		   !skb_has_shared_frag(skb)) {
		nfrags = skb_shinfo(skb)->nr_frags + 1;
	} else {
		nfrags = skb_cow_data(skb, 0, &trailer);
		if (nfrags < 0) {
			cm_input_finish(skb, -ENOMEM);
			return;
		}
	}

	nfrags += sa->esn;
	tmp = cm_esp_alloc_tmp(aead, nfrags);
	if (!tmp) {
		cm_input_finish(skb, -ENOMEM);
		return;
	}
	CM_SKB_CB(skb)->tmp = tmp;
	iv = cm_esp_tmp_iv(aead, tmp);
	req = cm_esp_tmp_req(aead, iv);
	sg = cm_esp_req_sg(aead, req);

	adlen = cm_esp_sg(sa, skb, sg, nfrags, esp_off, skb->len - esp_off,
			  CM_SKB_CB(skb)->seq_hi);
	if (unlikely(adlen < 0)) {
		cm_input_finish(skb, cm_esp_input_done2(skb, -ENOMEM));
		return;
	}
	skb->ip_summed = CHECKSUM_NONE;

	/*
	 * No IV generator inbound: the IV is read from the packet and stays
	 * in the associated data (the ICV covers it), the ciphertext after it.
	 */
	ivlen = sa->iv_from_pkt ? sa->ivlen : 0;
	if (ivlen && skb_copy_bits(skb, esp_off + CM_ESP_HLEN, iv, ivlen)) {
		cm_input_finish(skb, cm_esp_input_done2(skb, -EINVAL));
		return;
	}
	aead_request_set_callback(req, 0, cm_esp_input_done, skb);
	aead_request_set_crypt(req, sg, sg,
			       skb->len - esp_off - CM_ESP_HLEN - ivlen, iv);
	aead_request_set_ad(req, adlen + ivlen);

	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return;
	cm_input_finish(skb, cm_esp_input_done2(skb, err));
}
