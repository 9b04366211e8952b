// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: IP payload compression (RFC 3173).
 *
 * Outbound, the payload (the whole inner packet in tunnel mode, what
 * follows the IP header in transport mode) is compressed before ESP and
 * AH protect it, and only when that makes it smaller: small packets and
 * data that does not shrink go as they are (the "not compressed"
 * counters).  Inbound, it is decompressed after ESP and AH and before
 * the inner packet is checked.  comp-deflate is the kernel crypto API's
 * "deflate" (raw deflate, as Linux XFRM's IPComp); comp-lzs is lzs.c.
 *
 * The deflate transforms keep stream state, so each SA has one per CPU;
 * the output buffers are per CPU too, shared by all SAs and allocated
 * while any compressing SA exists.  Both are used with bottom halves off.
 */
#include <linux/crypto.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/vmalloc.h>
#include <net/ip.h>

#include "cryptomap.h"
#include "ipcomp.h"
#include "lzs.h"
#include "sa.h"

struct cm_ipcomp_scratch {
	u8 buf[IP_MAX_MTU + 1];
	struct lzs_wrkmem lzs;
};

static DEFINE_MUTEX(cm_ipcomp_lock);
static unsigned int cm_ipcomp_users;
static struct cm_ipcomp_scratch * __percpu *cm_ipcomp_scratch;

static void cm_ipcomp_scratch_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		vfree(*per_cpu_ptr(cm_ipcomp_scratch, cpu));
	free_percpu(cm_ipcomp_scratch);
	cm_ipcomp_scratch = NULL;
}

static int cm_ipcomp_scratch_get(void)
{
	int cpu, err = 0;

	mutex_lock(&cm_ipcomp_lock);
	if (cm_ipcomp_users) {
		cm_ipcomp_users++;
		goto out;
	}
	err = -ENOMEM;
	cm_ipcomp_scratch = alloc_percpu(struct cm_ipcomp_scratch *);
	if (!cm_ipcomp_scratch)
		goto out;
	for_each_possible_cpu(cpu) {
		struct cm_ipcomp_scratch *s;

		s = vmalloc_node(sizeof(*s), cpu_to_node(cpu));
		if (!s) {
			cm_ipcomp_scratch_free();
			goto out;
		}
		*per_cpu_ptr(cm_ipcomp_scratch, cpu) = s;
	}
	cm_ipcomp_users = 1;
	err = 0;
out:
	mutex_unlock(&cm_ipcomp_lock);
	return err;
}

static void cm_ipcomp_scratch_put(void)
{
	mutex_lock(&cm_ipcomp_lock);
	if (!--cm_ipcomp_users)
		cm_ipcomp_scratch_free();
	mutex_unlock(&cm_ipcomp_lock);
}

void cm_ipcomp_sa_free(struct cm_sa *sa)
{
	int cpu;

	if (sa->comp_tfms) {
		for_each_possible_cpu(cpu) {
			struct crypto_comp *tfm = *per_cpu_ptr(sa->comp_tfms, cpu);

			if (!IS_ERR_OR_NULL(tfm))
				crypto_free_comp(tfm);
		}
		free_percpu(sa->comp_tfms);
		sa->comp_tfms = NULL;
	}
	if (sa->calg) {
		sa->calg = 0;
		cm_ipcomp_scratch_put();
	}
}

int cm_ipcomp_sa_init(struct cm_sa *sa, const struct cm_tset_params *t)
{
	int cpu, err;

	if (t->comp != CRYPTOMAP_COMP_DEFLATE && t->comp != CRYPTOMAP_COMP_LZS)
		return -EINVAL;
	err = cm_ipcomp_scratch_get();
	if (err)
		return err;
	sa->calg = t->comp;
	if (t->comp == CRYPTOMAP_COMP_DEFLATE) {
		sa->comp_tfms = alloc_percpu(struct crypto_comp *);
		if (!sa->comp_tfms)
			return -ENOMEM;
		for_each_possible_cpu(cpu) {
			struct crypto_comp *tfm = crypto_alloc_comp("deflate", 0, 0);

			if (IS_ERR(tfm))
				return PTR_ERR(tfm);
			*per_cpu_ptr(sa->comp_tfms, cpu) = tfm;
		}
	}
	return 0;
}

static void cm_ipcomp_count(struct cm_sa *sa, unsigned int stat)
{
	if (sa)
		cm_sa_stat_add(sa, stat, 1);
}

int cm_ipcomp_compress(struct cm_sa *sa, struct cm_sa *count,
		       struct sk_buff *skb, unsigned int off, u8 nexthdr)
{
	unsigned int plen = skb->len - off, dlen;
	struct cm_ipcomp_scratch *s;
	int ret;
	u8 *p;

	if (plen < CM_IPCOMP_THRESHOLD) {
		cm_ipcomp_count(count, CRYPTOMAP_SA_STATS_NOT_COMPRESSED);
		return nexthdr;
	}
	if (skb_linearize_cow(skb))
		return -ENOMEM;

	/* Worth it only if the result, with its header, is smaller. */
	dlen = plen - CM_IPCOMP_HLEN - 1;
	local_bh_disable();
	s = *this_cpu_ptr(cm_ipcomp_scratch);
	if (sa->calg == CRYPTOMAP_COMP_DEFLATE) {
		ret = crypto_comp_compress(*this_cpu_ptr(sa->comp_tfms),
					   skb->data + off, plen, s->buf, &dlen);
		/* deflate cannot tell a full buffer from a failure */
		if (ret)
			ret = -E2BIG;
	} else {
		ret = lzs_compress(skb->data + off, plen, s->buf, dlen,
				   &s->lzs);
		if (ret >= 0) {
			dlen = ret;
			ret = 0;
		}
	}
	if (ret) {
		local_bh_enable();
		cm_ipcomp_count(count, ret == -E2BIG ?
				CRYPTOMAP_SA_STATS_NOT_COMPRESSED :
				CRYPTOMAP_SA_STATS_COMPR_FAILED);
		return nexthdr;
	}
	p = skb->data + off;
	p[0] = nexthdr;
	p[1] = 0;
	p[2] = sa->spi >> 8;
	p[3] = sa->spi & 0xff;
	memcpy(p + CM_IPCOMP_HLEN, s->buf, dlen);
	local_bh_enable();
	skb_trim(skb, off + CM_IPCOMP_HLEN + dlen);

	cm_ipcomp_count(count, CRYPTOMAP_SA_STATS_COMPRESSED);
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_PKTS, 1);
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_BYTES, plen);
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_COMPRESSED, 1);
	return IPPROTO_COMP;
}

int cm_ipcomp_decompress(struct cm_sa *sa, struct sk_buff *skb,
			 unsigned int off)
{
	unsigned int clen, dlen, room;
	struct cm_ipcomp_scratch *s;
	u8 nexthdr;
	int ret;
	u8 *p;

	if (skb_linearize_cow(skb))
		return -ENOMEM;
	if (skb->len < off + CM_IPCOMP_HLEN + 1 || off >= IP_MAX_MTU)
		return -EMSGSIZE;
	p = skb->data + off;
	nexthdr = p[0];
	if ((p[2] << 8 | p[3]) != sa->spi)
		return -EINVAL;
	clen = skb->len - off - CM_IPCOMP_HLEN;
	/* The whole packet stays an IP datagram. */
	dlen = IP_MAX_MTU - off;

	local_bh_disable();
	s = *this_cpu_ptr(cm_ipcomp_scratch);
	if (sa->calg == CRYPTOMAP_COMP_DEFLATE) {
		ret = crypto_comp_decompress(*this_cpu_ptr(sa->comp_tfms),
					     p + CM_IPCOMP_HLEN, clen, s->buf,
					     &dlen);
	} else {
		ret = lzs_decompress(p + CM_IPCOMP_HLEN, clen, s->buf, dlen);
		if (ret >= 0) {
			dlen = ret;
			ret = 0;
		}
	}
	if (ret)
		goto out;
	if (dlen > clen + CM_IPCOMP_HLEN) {
		unsigned int grow = dlen - clen - CM_IPCOMP_HLEN;

		room = skb_tailroom(skb);
		if (room < grow &&
		    pskb_expand_head(skb, 0, grow - room, GFP_ATOMIC)) {
			ret = -ENOMEM;
			goto out;
		}
		skb_put(skb, grow);
	} else {
		skb_trim(skb, off + dlen);
	}
	memcpy(skb->data + off, s->buf, dlen);
out:
	local_bh_enable();
	if (ret)
		return ret;
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_PKTS, 1);
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_BYTES, dlen);
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_COMPRESSED, 1);
	return nexthdr;
}
