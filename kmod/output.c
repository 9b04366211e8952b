// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: outbound.  A packet leaving a crypto-map interface that an
 * entry's ACL permits is wrapped in ESP, AH, or ESP then AH (one bundle,
 * RFC 4301 4.3) with that entry's outbound SAs, its payload compressed
 * first (IPComp) when the transform set says so: in tunnel mode behind a new IPv4 header from the local address to the
 * entry's current peer, in transport mode (traffic between this gateway
 * and the peer only, as IOS does) behind its own header.  The result is
 * routed to the peer and sent with ip_local_out(); while it passes the
 * hooks again a per-CPU flag keeps it from being matched a second time.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <net/dst.h>
#include <net/esp.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/ip.h>
#include <net/route.h>

#include "ah.h"
#include "cryptomap.h"
#include "esp.h"
#include "hooks.h"
#include "ipcomp.h"
#include "sa.h"

static DEFINE_PER_CPU(unsigned int, cm_xmit_nest);

bool cm_output_nested(void)
{
	return this_cpu_read(cm_xmit_nest);
}

/* Conntrack must see the packet it tracked before we steal it. */
static int cm_ct_confirm(struct sk_buff *skb)
{
	const struct nf_ct_hook *ct_hook;
	enum ip_conntrack_info ctinfo;
	int ret = NF_ACCEPT;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_is_confirmed(ct))
		return NF_ACCEPT;
	ct_hook = rcu_dereference(nf_ct_hook);
	if (ct_hook && ct_hook->confirm)
		ret = ct_hook->confirm(skb);
	return ret;
}

static __be32 cm_local_addr(struct net *net, const struct cm_spd_entry *e,
			    struct net_device *out)
{
	struct net_device *dev = out;

	if (e->local_ifname[0]) {
		dev = dev_get_by_name_rcu(net, e->local_ifname);
		if (!dev)
			return 0;
	}
	return inet_select_addr(dev, 0, RT_SCOPE_UNIVERSE);
}

static void cm_out_error(struct cm_sa *sa, unsigned int stat)
{
	cm_sa_stat_add(sa, stat, 1);
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_ERRORS, 1);
}

void cm_output_finish(struct sk_buff *skb, int err)
{
	struct cm_sa *sa = CM_SKB_CB(skb)->sa;
	struct cm_sa_pair *pair = sa->pair;
	bool transport;

	if (unlikely(err)) {
		cm_out_error(sa, CRYPTOMAP_SA_STATS_ENCAPS_FAILED);
		net_dbg_ratelimited("crypto map %s %u: encryption failed (%d)\n",
				    pair->map, pair->seq, err);
		kfree_skb(skb);
		goto out;
	}
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_PKTS, 1);
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_BYTES, CM_SKB_CB(skb)->inner_len);
	/* encaps, encrypt/decrypt, digest/verify: cm_sa_stats_read() */

	/* A bundle: AH authenticates what ESP made. */
	if (CM_SKB_CB(skb)->ah) {
		sa = CM_SKB_CB(skb)->ah;
		CM_SKB_CB(skb)->ah = NULL;
		CM_SKB_CB(skb)->sa = sa;
		cm_ah_output(sa, skb);
		return;
	}

	transport = CM_SKB_CB(skb)->transport;
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	/*
	 * Transport mode shares the route to the peer with the packet it
	 * carried, whose path MTU was lowered for the sender: as for a
	 * forwarded packet, ip_output() measures it against the device.
	 */
	if (transport)
		IPCB(skb)->flags |= IPSKB_FORWARDED;
	local_bh_disable();
	__this_cpu_inc(cm_xmit_nest);
	err = ip_local_out(pair->db->net, skb->sk, skb);
	__this_cpu_dec(cm_xmit_nest);
	local_bh_enable();
	if (unlikely(net_xmit_eval(err)))
		cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_ERRORS, 1);
out:
	cm_sa_pair_put(pair);
}

/*
 * The next outbound sequence number, 0 when the SA has used them all:
 * 2^32 - 1 of them, or with ESN 2^64 - 1 (the low 32 bits go on the
 * wire, the high 32 into the ICV).
 */
static u64 cm_next_seq(struct cm_sa *sa)
{
	u64 seq = atomic64_inc_return(&sa->oseq);

	if (unlikely(!seq || seq > cm_seq_max(sa->esn))) {
		/* A manual SA ends here; IOS counts a rollover. */
		atomic64_set(&sa->oseq, cm_seq_max(sa->esn));
		cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_REPLAY_ROLLOVER, 1);
		return 0;
	}
	return seq;
}

/* The largest payload whose protected packet fits in @room bytes. */
static unsigned int cm_payload_max(struct cm_sa *esp, unsigned int ahlen,
				   unsigned int room)
{
	if (room <= ahlen)
		return 0;
	return esp ? cm_esp_payload_max(esp, room - ahlen) : room - ahlen;
}

static void cm_fill_ah(struct cm_sa *ah, struct ip_auth_hdr *ahh,
		       u8 nexthdr, u64 seq)
{
	ahh->nexthdr = nexthdr;
	ahh->hdrlen = (cm_ah_hlen(ah) >> 2) - 2;
	ahh->reserved = 0;
	ahh->spi = htonl(ah->spi);
	ahh->seq_no = htonl(lower_32_bits(seq));
}

/* Consumes @skb: encapsulates it and sends it, or drops it. */
static void cm_output_one(struct cm_sadb *db, const struct cm_spd_entry *e,
			  struct cm_sa *sa, struct net_device *out,
			  struct sk_buff *skb)
{
	struct net *net = db->net;
	unsigned int ihl, payload, hdr, outer_len, mtu, push, esp_off, ahlen;
	struct cm_sa_pair *pair = sa->pair;
	struct cm_sa *esp = pair->sa[CM_SA_ESP_OUT];
	struct cm_sa *ah = pair->sa[CM_SA_AH_OUT];
	struct cm_sa *comp = pair->sa[CM_SA_COMP_OUT];
	u64 seq = 0, ah_seq = 0;
	__be32 local, peer;
	struct flowi4 fl4;
	struct iphdr *iph;
	struct rtable *rt;
	bool transport;
	u8 nexthdr, tos;
	int nfrags = 0;
	__be16 df;

	if (!cm_sa_pair_hold(pair)) {
		kfree_skb(skb);
		return;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop_err;

	local = cm_local_addr(net, e, out);
	peer = e->n_peers ? e->peers[min(READ_ONCE(e->cur_peer),
					 e->n_peers - 1)] : 0;
	if (!local || !peer)
		goto drop_err;

	iph = ip_hdr(skb);
	ihl = iph->ihl * 4;
	tos = iph->tos;
	transport = pair->mode == CRYPTOMAP_MODE_TRANSPORT &&
		    iph->saddr == local && iph->daddr == peer;

	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = peer;
	fl4.saddr = local;
	fl4.flowi4_proto = ah ? IPPROTO_AH : IPPROTO_ESP;
	fl4.flowi4_tos = RT_TOS(tos);
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		goto drop_err;

	if (transport) {
		payload = skb->len - ihl;
		hdr = ihl;
		nexthdr = iph->protocol;
		df = iph->frag_off & htons(IP_DF);
	} else {
		payload = skb->len;
		hdr = sizeof(struct iphdr);
		nexthdr = IPPROTO_IPIP;
		switch (e->df_bit) {
		case CRYPTOMAP_DF_CLEAR:
			df = 0;
			break;
		case CRYPTOMAP_DF_SET:
			df = htons(IP_DF);
			break;
		default:
			df = iph->frag_off & htons(IP_DF);
			break;
		}
	}
	ahlen = ah ? cm_ah_hlen(ah) : 0;
	outer_len = hdr + ahlen + payload +
		    (esp ? cm_esp_overhead(esp, payload) : 0);
	/*
	 * In transport mode the packet's own route is the route to the peer,
	 * whose path MTU the ICMP below lowers to what fits before ESP: the
	 * outer packet is measured against the device instead.
	 */
	mtu = transport ? READ_ONCE(rt->dst.dev->mtu) : dst_mtu(&rt->dst);
	if (outer_len > mtu) {
		if (df && (iph->frag_off & htons(IP_DF)) && !skb->ignore_df) {
			/* Too big: tell the sender what fits, as a router does. */
			unsigned int fit = hdr > mtu ? 0 :
					   cm_payload_max(esp, ahlen, mtu - hdr);

			if (transport)
				fit += ihl;
			fit = max(fit, 68U);
			if (!transport)
				skb_dst_update_pmtu_no_confirm(skb, fit);
			icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
				  htonl(fit));
			ip_rt_put(rt);
			kfree_skb(skb);
			cm_sa_pair_put(pair);
			return;
		}
		/* Otherwise the outer packet is fragmented. */
		df = 0;
	}
	if (outer_len > IP_MAX_MTU) {
		ip_rt_put(rt);
		goto drop_err;
	}

	/*
	 * IPComp, measured above as if it did not help: compressed, the
	 * packet only gets smaller.
	 */
	if (comp) {
		int ret = cm_ipcomp_compress(comp, sa, skb,
					     transport ? ihl : 0, nexthdr);

		if (ret < 0) {
			ip_rt_put(rt);
			goto drop_err;
		}
		if (ret == IPPROTO_COMP) {
			nexthdr = IPPROTO_COMP;
			payload = skb->len - (transport ? ihl : 0);
		}
	}

	/* Between the (outer) IP header and the payload: AH, ESP and IV. */
	push = ahlen + (esp ? CM_ESP_HLEN + esp->ivlen : 0);
	if (skb_cow_head(skb, push + (transport ? 0 : sizeof(struct iphdr)) +
			 LL_RESERVED_SPACE(rt->dst.dev))) {
		ip_rt_put(rt);
		goto drop_err;
	}
	if (esp) {
		nfrags = cm_esp_add_trailer(esp, skb, payload, nexthdr);
		if (nfrags < 0) {
			ip_rt_put(rt);
			goto drop_err;
		}
		seq = cm_next_seq(esp);
		nexthdr = IPPROTO_ESP;	/* what AH carries */
	}
	if (ah)
		ah_seq = cm_next_seq(ah);
	if (unlikely((esp && !seq) || (ah && !ah_seq))) {
		ip_rt_put(rt);
		kfree_skb(skb);
		cm_sa_pair_put(pair);
		return;
	}

	if (transport) {
		skb_push(skb, push);
		memmove(skb->data, skb->data + push, ihl);
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		iph->protocol = ah ? IPPROTO_AH : IPPROTO_ESP;
		iph->frag_off = df;
		esp_off = ihl + ahlen;
	} else {
		skb_push(skb, sizeof(struct iphdr) + push);
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		iph->version = 4;
		iph->ihl = sizeof(struct iphdr) >> 2;
		/* RFC 6040: the outer ECN field copies the inner, CE as ECT(0). */
		iph->tos = INET_ECN_encapsulate(tos, tos);
		iph->frag_off = df;
		iph->ttl = ip4_dst_hoplimit(&rt->dst);
		iph->protocol = ah ? IPPROTO_AH : IPPROTO_ESP;
		iph->saddr = fl4.saddr;
		iph->daddr = peer;
		esp_off = sizeof(struct iphdr) + ahlen;
	}
	iph->tot_len = htons(skb->len);
	skb_set_transport_header(skb, esp_off - ahlen);
	if (ah)
		cm_fill_ah(ah, (struct ip_auth_hdr *)(skb->data + esp_off - ahlen),
			   nexthdr, ah_seq);
	skb->protocol = htons(ETH_P_IP);

	/* A new packet: nothing of the inner flow's state goes with it. */
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb_dst_set(skb, &rt->dst);
	if (!transport)
		ip_select_ident(net, skb, NULL);

	CM_SKB_CB(skb)->inner_len = min_t(unsigned int, payload, U16_MAX);
	CM_SKB_CB(skb)->seq_hi = upper_32_bits(ah_seq);	/* AH's, for its ICV */
	CM_SKB_CB(skb)->transport = transport;
	if (esp) {
		CM_SKB_CB(skb)->sa = esp;
		CM_SKB_CB(skb)->ah = ah;
		cm_esp_encrypt(esp, skb, esp_off, nfrags, seq);
	} else {
		CM_SKB_CB(skb)->sa = ah;
		CM_SKB_CB(skb)->ah = NULL;
		cm_ah_output(ah, skb);
	}
	return;

drop_err:
	cm_out_error(sa, CRYPTOMAP_SA_STATS_INTERNAL_ERR);
	kfree_skb(skb);
	cm_sa_pair_put(pair);
}

unsigned int cm_output(struct cm_sadb *db, const struct cm_spd_entry *e,
		       struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct cm_sa_pair *pair = e->sa;
	struct sk_buff *segs, *seg, *next;
	struct cm_sa *sa;

	sa = pair ? pair->sa[CM_SA_ESP_OUT] ?: pair->sa[CM_SA_AH_OUT] : NULL;
	if (!sa) {
		/* No SA (yet): never let protected traffic out in clear. */
		cm_net_stat_inc(db, CRYPTOMAP_STATS_A_NO_SA_SEND);
		cm_sa_acquire(db, e, skb);	/* ipsec-isakmp: ask for one */
		return NF_DROP;
	}
	if (cm_ct_confirm(skb) != NF_ACCEPT)
		return NF_DROP;

	if (!skb_is_gso(skb)) {
		cm_output_one(db, e, sa, state->out, skb);
		return NF_STOLEN;
	}

	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		cm_out_error(sa, CRYPTOMAP_SA_STATS_INTERNAL_ERR);
		return NF_DROP;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		cm_output_one(db, e, sa, state->out, seg);
	}
	return NF_STOLEN;
}
