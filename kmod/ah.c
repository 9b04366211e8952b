// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: AH (RFC 4302) authentication and verification.
 *
 * The ICV is an HMAC of the kernel crypto API's ahash interface over the
 * whole IPv4 packet, its mutable fields (TOS, flags and fragment offset,
 * TTL, checksum, the mutable options) and the ICV itself zeroed, then
 * truncated as Linux XFRM's auth-trunc does: 96 bits for MD5 and SHA-1,
 * half the digest for SHA-2 (RFC 4868).  With extended sequence numbers
 * the high 32 bits of the number follow the packet in the digest (RFC
 * 4302 2.5.1, an extra scatterlist entry), never on the wire.  The fields are zeroed in place
 * and restored once the digest is known; a copy of the header lives in
 * the per-packet block with the request and the scatterlist.  An
 * asynchronous hash completes through the same function the synchronous
 * path calls.
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/ip.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <net/ip.h>

#include "ah.h"
#include "cryptomap.h"
#include "esp.h"
#include "sa.h"

static const char * const cm_ah_hmac[__CRYPTOMAP_AH_MAX] = {
	[CRYPTOMAP_AH_MD5_HMAC] = "hmac(md5)",
	[CRYPTOMAP_AH_SHA_HMAC] = "hmac(sha1)",
	[CRYPTOMAP_AH_SHA256_HMAC] = "hmac(sha256)",
	[CRYPTOMAP_AH_SHA384_HMAC] = "hmac(sha384)",
	[CRYPTOMAP_AH_SHA512_HMAC] = "hmac(sha512)",
};

/* ICV bytes, as for ESP: RFC 2403/2404 and RFC 4868. */
static const u8 cm_ah_icv[__CRYPTOMAP_AH_MAX] = {
	[CRYPTOMAP_AH_MD5_HMAC] = 12,
	[CRYPTOMAP_AH_SHA_HMAC] = 12,
	[CRYPTOMAP_AH_SHA256_HMAC] = 16,
	[CRYPTOMAP_AH_SHA384_HMAC] = 24,
	[CRYPTOMAP_AH_SHA512_HMAC] = 32,
};

int cm_ah_sa_init(struct cm_sa *sa, const struct cm_tset_params *t,
		  const struct cm_session_key *k)
{
	struct cm_tfm_kind want = {
		.ahash = true,
		.async = cm_crypto_forced_async(),
	};
	int err;

	if (!t->ah || t->ah >= __CRYPTOMAP_AH_MAX)
		return -EINVAL;
	strscpy(want.name, cm_ah_hmac[t->ah], sizeof(want.name));
	err = cm_sa_tfm_init(sa, &want, k->auth, k->auth_len);
	if (err)
		return err;
	if (sa->kind->digestsize < cm_ah_icv[t->ah] ||
	    sa->kind->digestsize > HASH_MAX_DIGESTSIZE)
		return -EINVAL;
	sa->icvlen = cm_ah_icv[t->ah];
	sa->ivlen = 0;
	sa->blksize = 4;
	return 0;
}

/*
 * Over IPv4 the AH header is padded to 32 bits (RFC 4302 2.2), as IOS and
 * strongSwan send it: 24 bytes with MD5 and SHA-1, 28, 36 and 44 with
 * SHA-256, -384 and -512. Linux XFRM pads to 64 bits unless its state has
 * "flag align4", so inbound takes either.
 */
unsigned int cm_ah_hlen(const struct cm_sa *sa)
{
	return ALIGN(sizeof(struct ip_auth_hdr) + sa->icvlen, 4);
}

bool cm_ah_hlen_ok(const struct cm_sa *sa, unsigned int hlen)
{
	return hlen == cm_ah_hlen(sa) ||
	       hlen == ALIGN(sizeof(struct ip_auth_hdr) + sa->icvlen, 8);
}

/* The length of the AH header at @ah, as its length field says. */
static unsigned int cm_ah_len(const struct ip_auth_hdr *ah)
{
	return (ah->hdrlen + 2) << 2;
}

/* The per-packet block, followed by the request and the scatterlist. */
struct cm_ah_tmp {
	u8 iph[sizeof(struct iphdr) + MAX_IPOPTLEN];	/* as it came */
	u8 icv[HASH_MAX_DIGESTSIZE];	/* input: the ICV received */
	u8 digest[HASH_MAX_DIGESTSIZE];
	__be32 seq_hi;			/* ESN: after the packet */
};

static struct ahash_request *cm_ah_tmp_req(struct cm_ah_tmp *tmp)
{
	return (void *)PTR_ALIGN((u8 *)(tmp + 1), crypto_tfm_ctx_alignment());
}

static struct scatterlist *cm_ah_tmp_sg(struct crypto_ahash *ahash,
					struct ahash_request *req)
{
	return (void *)ALIGN((unsigned long)(req + 1) +
			     crypto_ahash_reqsize(ahash),
			     __alignof__(struct scatterlist));
}

static struct cm_ah_tmp *cm_ah_alloc_tmp(struct crypto_ahash *ahash, int nsg)
{
	unsigned int len;

	len = ALIGN(sizeof(struct cm_ah_tmp), crypto_tfm_ctx_alignment());
	len += sizeof(struct ahash_request) + crypto_ahash_reqsize(ahash);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nsg;
	return kmalloc(len, GFP_ATOMIC);
}

/*
 * RFC 4302 3.3.3.1.1.1: the options that may change on the way are
 * zeroed whole, as Linux XFRM does; a source route is authenticated with
 * the final destination in the header (@daddr, output only).
 */
static int cm_ah_clear_options(struct iphdr *iph, __be32 *daddr)
{
	unsigned int len = iph->ihl * 4 - sizeof(*iph), optlen;
	u8 *opt = (u8 *)(iph + 1);

	while (len > 0) {
		if (*opt == IPOPT_END)
			return 0;
		if (*opt == IPOPT_NOOP) {
			opt++;
			len--;
			continue;
		}
		if (len < 2)
			return -EINVAL;
		optlen = opt[1];
		if (optlen < 2 || optlen > len)
			return -EINVAL;
		switch (*opt) {
		case IPOPT_SEC:
		case 0x85:		/* extended security */
		case IPOPT_CIPSO:
		case IPOPT_RA:
		case 0x95:		/* selective directed broadcast */
			break;
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			if (optlen < 6)
				return -EINVAL;
			if (daddr)
				memcpy(daddr, opt + optlen - 4, 4);
			fallthrough;
		default:
			memset(opt, 0, optlen);
			break;
		}
		opt += optlen;
		len -= optlen;
	}
	return 0;
}

/*
 * Starts the digest of @skb with its mutable fields and ICV zeroed.
 * Returns the crypto API's answer (0, -EINPROGRESS or an error); on
 * anything but -EINPROGRESS the caller calls cm_ah_digest_end().
 */
static int cm_ah_digest(struct cm_sa *sa, struct crypto_ahash *ahash,
			struct sk_buff *skb, bool out, crypto_completion_t done)
{
	struct ahash_request *req;
	struct ip_auth_hdr *ah;
	struct sk_buff *trailer;
	struct scatterlist *sg;
	struct cm_ah_tmp *tmp;
	struct iphdr *iph;
	unsigned int ihl;
	int nfrags, err;

	CM_SKB_CB(skb)->tmp = NULL;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		return nfrags;
	tmp = cm_ah_alloc_tmp(ahash, nfrags + sa->esn);
	if (!tmp)
		return -ENOMEM;
	req = cm_ah_tmp_req(tmp);
	sg = cm_ah_tmp_sg(ahash, req);

	iph = ip_hdr(skb);
	ihl = iph->ihl * 4;
	ah = (struct ip_auth_hdr *)(skb_network_header(skb) + ihl);
	memcpy(tmp->iph, iph, ihl);
	if (!out)
		memcpy(tmp->icv, ah->auth_data, sa->icvlen);
	CM_SKB_CB(skb)->tmp = tmp;

	/*
	 * The ICV is zeroed; the padding after it counts as it is (RFC 4302
	 * 3.3.3.1.2), the sender choosing zeroes.
	 */
	memset(ah->auth_data, 0, out ? cm_ah_len(ah) - sizeof(*ah) :
				       sa->icvlen);
	iph->tos = 0;
	iph->frag_off = 0;
	iph->ttl = 0;
	iph->check = 0;
	if (ihl > sizeof(*iph)) {
		err = cm_ah_clear_options(iph, out ? &iph->daddr : NULL);
		if (err)
			return err;
	}

	sg_init_table(sg, nfrags + sa->esn);
	err = skb_to_sgvec_nomark(skb, sg, skb_network_offset(skb),
				  skb->len - skb_network_offset(skb));
	if (unlikely(err < 0))
		return err;
	if (sa->esn) {
		/* right after the entries the packet used */
		tmp->seq_hi = htonl(CM_SKB_CB(skb)->seq_hi);
		sg_set_buf(&sg[err], &tmp->seq_hi, sizeof(tmp->seq_hi));
		sg_mark_end(&sg[err]);
	}

	ahash_request_set_tfm(req, ahash);
	ahash_request_set_callback(req, 0, done, skb);
	ahash_request_set_crypt(req, sg, tmp->digest,
				skb->len - skb_network_offset(skb) +
				(sa->esn ? sizeof(tmp->seq_hi) : 0));
	return crypto_ahash_digest(req);
}

/* The header as it came back, the block freed; 0 or -EBADMSG on input. */
static int cm_ah_digest_end(struct cm_sa *sa, struct sk_buff *skb, bool out,
			    int err)
{
	struct cm_ah_tmp *tmp = CM_SKB_CB(skb)->tmp;
	struct iphdr *iph = ip_hdr(skb);
	struct ip_auth_hdr *ah;

	if (!tmp)
		return err;
	memcpy(iph, tmp->iph, iph->ihl * 4);
	ah = (struct ip_auth_hdr *)(skb_network_header(skb) + iph->ihl * 4);
	if (!err) {
		if (out)
			memcpy(ah->auth_data, tmp->digest, sa->icvlen);
		else if (crypto_memneq(tmp->digest, tmp->icv, sa->icvlen))
			err = -EBADMSG;
	}
	if (!out)
		memcpy(ah->auth_data, tmp->icv, sa->icvlen);
	kfree(tmp);
	CM_SKB_CB(skb)->tmp = NULL;
	return err;
}

static void cm_ah_output_done(CM_CRYPTO_DONE_ARG, int err)
{
	struct sk_buff *skb = cm_crypto_done_data(cm_done_arg);
	struct cm_sa *sa = CM_SKB_CB(skb)->sa;

	cm_crypto_async_done();
	cm_output_finish(skb, cm_ah_digest_end(sa, skb, true, err));
}

void cm_ah_output(struct cm_sa *sa, struct sk_buff *skb)
{
	struct crypto_ahash *ahash;
	int err;

	ahash = cm_sa_ahash(sa);
	if (unlikely(!ahash)) {
		cm_sa_tfm_wait(sa, skb, CM_TFM_AH_OUT);
		return;
	}
	err = cm_ah_digest(sa, ahash, skb, true, cm_ah_output_done);
	if (err == -EINPROGRESS)
		return;
	cm_output_finish(skb, cm_ah_digest_end(sa, skb, true, err));
}

static void cm_ah_input_cb(CM_CRYPTO_DONE_ARG, int err)
{
	struct sk_buff *skb = cm_crypto_done_data(cm_done_arg);
	struct cm_sa *sa = CM_SKB_CB(skb)->sa;

	cm_crypto_async_done();
	cm_ah_input_done(skb, cm_ah_digest_end(sa, skb, false, err));
}

void cm_ah_input(struct cm_sa *sa, struct sk_buff *skb)
{
	struct crypto_ahash *ahash;
	int err;

	ahash = cm_sa_ahash(sa);
	if (unlikely(!ahash)) {
		cm_sa_tfm_wait(sa, skb, CM_TFM_AH_IN);
		return;
	}
	skb->ip_summed = CHECKSUM_NONE;
	err = cm_ah_digest(sa, ahash, skb, false, cm_ah_input_cb);
	if (err == -EINPROGRESS)
		return;
	cm_ah_input_done(skb, cm_ah_digest_end(sa, skb, false, err));
}
