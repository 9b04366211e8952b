// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: inbound.  ESP or AH addressed to this gateway on a crypto-map
 * interface is matched to an SA by (SPI, destination, protocol), checked
 * against the replay window, verified (AH) or verified and decrypted by
 * the AEAD and stripped of its padding (ESP); a bundle's AH is verified
 * first and must carry its ESP, and its ESP must come in its AH.  The
 * inner packet is checked against the entry's
 * crypto ACL, mirrored.  It is then received again on the same interface,
 * through conntrack and destination NAT.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <net/esp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/route.h>

#include "ah.h"
#include "cryptomap.h"
#include "esp.h"
#include "hooks.h"
#include "ipcomp.h"
#include "sa.h"

static void cm_in_error(struct cm_sa *sa, unsigned int stat)
{
	cm_sa_stat_add(sa, stat, 1);
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_ERRORS, 1);
}

/* The inner packet of a tunnel: a sane IPv4 header, trimmed to its length. */
static bool cm_inner_ok(struct sk_buff *skb)
{
	const struct iphdr *iph;
	unsigned int ihl, len;

	if (!pskb_may_pull(skb, sizeof(struct iphdr)))
		return false;
	iph = ip_hdr(skb);
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(struct iphdr) ||
	    !pskb_may_pull(skb, ihl))
		return false;
	iph = ip_hdr(skb);
	len = ntohs(iph->tot_len);
	if (len < ihl || len > skb->len || ip_fast_csum(iph, iph->ihl))
		return false;
	return !pskb_trim(skb, len);
}

static bool cm_inner_allowed(struct cm_sadb *db, const struct cm_sa_pair *pair,
			     const struct cm_flow *fl)
{
	const struct cm_spd_entry *e;
	const struct cm_spd *spd;
	bool ok = false;

	rcu_read_lock();
	spd = rcu_dereference(db->cmn->spd);
	e = spd ? cm_spd_entry_by_sa(spd, pair, pair->map, pair->seq) : NULL;
	if (e)
		ok = cm_spd_entry_match(e, fl, true);
	rcu_read_unlock();
	return ok;
}

static DEFINE_PER_CPU(unsigned int, cm_rcv_nest);

bool cm_input_nested(void)
{
	return this_cpu_read(cm_rcv_nest);
}

static int cm_rcv_finish(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos,
				 skb->dev)) {
		kfree_skb(skb);
		return NET_RX_DROP;
	}
	return dst_input(skb);
}

/*
 * The inner packet goes through PRE_ROUTING again (conntrack, destination
 * NAT), as xfrm4_transport_finish() does it, then is routed and delivered
 * or forwarded.  While it passes the hooks, a per-CPU flag tells our own
 * inbound hook that it came protected.
 */
static void cm_input_reinject(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);

	skb_dst_drop(skb);
	nf_reset_ct(skb);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	IPCB(skb)->iif = skb->skb_iif;
	skb->protocol = htons(ETH_P_IP);
	skb->pkt_type = PACKET_HOST;
	skb->ip_summed = CHECKSUM_NONE;
	skb_mac_header_rebuild(skb);
	skb_set_transport_header(skb, ip_hdr(skb)->ihl * 4);

	local_bh_disable();
	__this_cpu_inc(cm_rcv_nest);
	NF_HOOK(NFPROTO_IPV4, NF_INET_PRE_ROUTING, net, NULL, skb, skb->dev,
		NULL, cm_rcv_finish);
	__this_cpu_dec(cm_rcv_nest);
	local_bh_enable();
}

/* The counters and messages of a packet that failed its SA's checks. */
static void cm_input_error(struct cm_sa *sa, int err, u32 seq)
{
	struct cm_sadb *db = sa->pair->db;

	switch (err) {
	case -EBADMSG:
		cm_in_error(sa, CRYPTOMAP_SA_STATS_VERIFY_FAILED);
		if (net_ratelimit())
			pr_warn("%%CRYPTO-4-RECVD_PKT_MAC_ERR: decrypt: mac verify failed for connection id=%u sequence number=%u spi=0x%X(%u)\n",
				sa->conn_id, seq, sa->spi, sa->spi);
		break;
	case -EMSGSIZE:
		cm_in_error(sa, CRYPTOMAP_SA_STATS_INVALID_LEN);
		cm_net_stat_inc(db, CRYPTOMAP_STATS_A_INVALID_LEN_RCV);
		if (net_ratelimit())
			pr_warn("%%CRYPTO-4-RECVD_PKT_INV_LEN: decaps: rec'd IPSEC packet has invalid length, connection id=%u spi=0x%X(%u)\n",
				sa->conn_id, sa->spi, sa->spi);
		break;
	case -EINVAL:
		cm_in_error(sa, CRYPTOMAP_SA_STATS_ENCAPS_FAILED);
		if (net_ratelimit())
			pr_warn("%%CRYPTO-4-RECVD_PKT_INV_PAD: decaps: rec'd IPSEC packet has invalid padding, connection id=%u spi=0x%X(%u)\n",
				sa->conn_id, sa->spi, sa->spi);
		break;
	case -EPROTO:
		/* Not the protocols the bundle agreed on. */
		cm_in_error(sa, CRYPTOMAP_SA_STATS_ENCAPS_FAILED);
		cm_net_stat_inc(db, CRYPTOMAP_STATS_A_INVALID_PROT_RCV);
		if (net_ratelimit())
			pr_warn("%%CRYPTO-4-RECVD_PKT_INV_PROT: decaps: rec'd IPSEC packet has invalid protocol, connection id=%u spi=0x%X(%u)\n",
				sa->conn_id, sa->spi, sa->spi);
		break;
	default:
		cm_in_error(sa, CRYPTOMAP_SA_STATS_INTERNAL_ERR);
		break;
	}
}

/* A replayed or too old sequence number: counted and logged. */
static void cm_replay_failed(struct cm_sa *sa, u32 seq)
{
	cm_in_error(sa, CRYPTOMAP_SA_STATS_REPLAY_FAILED);
	if (net_ratelimit())
		pr_warn("%%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed connection id=%u, sequence number=%u\n",
			sa->conn_id, seq);
}

/* An SPI we have no SA for: counted and logged. */
static void cm_invalid_spi(struct cm_sadb *db, const struct iphdr *iph,
			   u8 proto, u32 spi)
{
	cm_net_stat_inc(db, CRYPTOMAP_STATS_A_INVALID_SA_RCV);
	if (net_ratelimit())
		pr_warn("%%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for destaddr=%pI4, prot=%u, spi=0x%X(%u), srcaddr=%pI4\n",
			&iph->daddr, proto, spi, spi, &iph->saddr);
}

/*
 * Only once the ICV proved it genuine does a packet move the window
 * (with ESN: proved the high bits inferred right, too).
 */
static bool cm_input_replay(struct cm_sa *sa, struct sk_buff *skb)
{
	u32 seq = CM_SKB_CB(skb)->seq;

	if (cm_replay_advance(sa, (u64)CM_SKB_CB(skb)->seq_hi << 32 | seq))
		return true;
	cm_replay_failed(sa, seq);
	return false;
}

static void cm_input_count(struct cm_sa *sa, unsigned int len)
{
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_PKTS, 1);
	cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_BYTES, len);
	/* encaps, encrypt/decrypt, digest/verify: cm_sa_stats_read() */
}

/*
 * The last SA of the packet (@sa) is done: @hlen bytes of its header at
 * @off go, and what @nexthdr says is left is checked against the entry's
 * ACL and received again.  Consumes @skb and the bundle's reference.
 */
static void cm_input_deliver(struct sk_buff *skb, struct cm_sa *sa,
			     unsigned int off, unsigned int hlen, int nexthdr)
{
	struct cm_sa_pair *pair = sa->pair;
	struct cm_sadb *db = pair->db;
	struct iphdr *iph;
	struct cm_flow fl;
	u8 outer_tos;

	if (nexthdr == IPPROTO_COMP) {
		/* Decompressed before anything looks at the inner packet. */
		struct cm_sa *comp = pair->sa[CM_SA_COMP_IN];

		if (!comp) {
			cm_input_error(sa, -EPROTO, CM_SKB_CB(skb)->seq);
			goto drop;
		}
		nexthdr = cm_ipcomp_decompress(comp, skb, off + hlen);
		if (nexthdr < 0) {
			cm_in_error(sa, CRYPTOMAP_SA_STATS_COMPR_FAILED);
			goto drop;
		}
		cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_COMPRESSED, 1);
	} else if (pair->sa[CM_SA_COMP_IN]) {
		cm_sa_stat_add(sa, CRYPTOMAP_SA_STATS_NOT_COMPRESSED, 1);
	}

	iph = ip_hdr(skb);
	outer_tos = iph->tos;
	if (nexthdr == IPPROTO_IPIP) {
		/* Tunnel mode: the inner packet is what is left. */
		if (!pskb_pull(skb, off + hlen))
			goto drop_len;
		skb_reset_network_header(skb);
		if (!cm_inner_ok(skb))
			goto drop_len;
		iph = ip_hdr(skb);
		if (INET_ECN_is_ce(outer_tos)) {
			/* RFC 6040 decapsulation */
			if (INET_ECN_is_not_ect(iph->tos))
				goto drop_len;
			IP_ECN_set_ce(iph);
		}
	} else if (nexthdr == IPPROTO_NONE) {
		/* RFC 4303 dummy packet: dropped without complaint. */
		goto drop;
	} else {
		/* Transport mode: the IP header moves up over the header. */
		if (skb_headlen(skb) < off + hlen)
			goto drop_len;
		memmove(skb->data + hlen, skb->data, off);
		__skb_pull(skb, hlen);
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		iph->protocol = nexthdr;
		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
	}

	cm_flow_from_skb(skb, &fl);
	if (!cm_inner_allowed(db, pair, &fl)) {
		cm_in_error(sa, CRYPTOMAP_SA_STATS_INVALID_IDENTITY);
		if (net_ratelimit())
			pr_warn("%%CRYPTO-4-RECVD_PKT_INV_IDENTITY_ACL: ipsec check access: identity not allowed by ACL (ip) vrf/dest_addr= /%pI4, src_addr= %pI4, prot= %u\n",
				&fl.daddr, &fl.saddr, fl.proto);
		goto drop;
	}

	cm_input_count(sa, skb->len);
	if (CM_SKB_CB(skb)->ah)
		cm_input_count(CM_SKB_CB(skb)->ah, skb->len);

	/* Received again, as if it had come clear on this interface. */
	cm_input_reinject(skb);
	cm_sa_pair_put(pair);
	return;

drop_len:
	cm_in_error(sa, CRYPTOMAP_SA_STATS_INVALID_LEN);
	cm_net_stat_inc(db, CRYPTOMAP_STATS_A_INVALID_LEN_RCV);
drop:
	kfree_skb(skb);
	cm_sa_pair_put(pair);
}

void cm_input_finish(struct sk_buff *skb, int nexthdr)
{
	struct cm_sa *sa = CM_SKB_CB(skb)->sa;
	u32 seq = CM_SKB_CB(skb)->seq;

	if (nexthdr < 0) {
		cm_input_error(sa, nexthdr, seq);
		goto drop;
	}
	if (!cm_input_replay(sa, skb))
		goto drop;
	cm_input_deliver(skb, sa, CM_SKB_CB(skb)->esp_off,
			 CM_ESP_HLEN + sa->ivlen, nexthdr);
	return;

drop:
	kfree_skb(skb);
	cm_sa_pair_put(sa->pair);
}

/*
 * ESP with its SA found and its bundle held; the ESP header at @off is
 * in the linear part.  Consumes @skb and the reference.
 */
static void cm_input_esp_sa(struct cm_sa *sa, struct sk_buff *skb,
			    unsigned int off)
{
	const struct ip_esp_hdr *esph;
	u32 seq;

	esph = (const struct ip_esp_hdr *)(skb->data + off);
	seq = ntohl(esph->seq_no);
	CM_SKB_CB(skb)->sa = sa;
	CM_SKB_CB(skb)->seq = seq;
	CM_SKB_CB(skb)->esp_off = off;

	CM_SKB_CB(skb)->seq_hi = 0;

	if (!pskb_may_pull(skb, off + CM_ESP_HLEN + sa->ivlen)) {
		cm_input_finish(skb, -EMSGSIZE);
		return;
	}
	if (!cm_replay_check(sa, seq, &CM_SKB_CB(skb)->seq_hi)) {
		cm_replay_failed(sa, seq);
		kfree_skb(skb);
		cm_sa_pair_put(sa->pair);
		return;
	}
	cm_esp_decrypt(sa, skb, off);
}

void cm_ah_input_done(struct sk_buff *skb, int err)
{
	struct cm_sa *ah = CM_SKB_CB(skb)->sa;
	struct cm_sa_pair *pair = ah->pair;
	u32 seq = CM_SKB_CB(skb)->seq;
	unsigned int ihl, ahlen;
	const struct ip_esp_hdr *esph;
	struct iphdr *iph;
	struct cm_sa *esp;
	u8 nexthdr;

	if (err) {
		cm_input_error(ah, err, seq);
		goto drop;
	}
	if (!cm_input_replay(ah, skb))
		goto drop;

	iph = ip_hdr(skb);
	ihl = iph->ihl * 4;
	/* The header as it came, its length checked before the digest. */
	nexthdr = ((struct ip_auth_hdr *)(skb->data + ihl))->nexthdr;
	ahlen = (((struct ip_auth_hdr *)(skb->data + ihl))->hdrlen + 2) << 2;
	if (!pair->sa[CM_SA_ESP_IN]) {
		cm_input_deliver(skb, ah, ihl, ahlen, nexthdr);
		return;
	}

	/* A bundle: ESP inside, of the same bundle, whatever the mode. */
	if (nexthdr != IPPROTO_ESP) {
		cm_input_error(ah, -EPROTO, seq);
		goto drop;
	}
	memmove(skb->data + ahlen, skb->data, ihl);
	__skb_pull(skb, ahlen);
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->protocol = IPPROTO_ESP;
	iph->tot_len = htons(skb->len);
	if (!pskb_may_pull(skb, ihl + CM_ESP_HLEN)) {
		cm_input_error(ah, -EMSGSIZE, seq);
		goto drop;
	}
	esph = (const struct ip_esp_hdr *)(skb->data + ihl);
	esp = pair->sa[CM_SA_ESP_IN];
	if (ntohl(esph->spi) != esp->spi) {
		cm_invalid_spi(pair->db, iph, IPPROTO_ESP, ntohl(esph->spi));
		goto drop;
	}
	CM_SKB_CB(skb)->ah = ah;
	cm_input_esp_sa(esp, skb, ihl);
	return;

drop:
	kfree_skb(skb);
	cm_sa_pair_put(pair);
}

static bool cm_addr_local(struct net *net, __be32 addr)
{
	return inet_addr_type(net, addr) == RTN_LOCAL;
}

static void cm_input_ah(struct cm_sadb *db, struct cm_sa *sa,
			struct sk_buff *skb, unsigned int ihl)
{
	const struct ip_auth_hdr *ahh;
	unsigned int ahlen;
	u32 seq;

	ahh = (const struct ip_auth_hdr *)(skb->data + ihl);
	seq = ntohl(ahh->seq_no);
	ahlen = (ahh->hdrlen + 2) << 2;
	CM_SKB_CB(skb)->sa = sa;
	CM_SKB_CB(skb)->seq = seq;
	CM_SKB_CB(skb)->seq_hi = 0;
	CM_SKB_CB(skb)->tmp = NULL;

	if (!cm_ah_hlen_ok(sa, ahlen) || !pskb_may_pull(skb, ihl + ahlen)) {
		cm_ah_input_done(skb, -EMSGSIZE);
		return;
	}
	if (!cm_replay_check(sa, seq, &CM_SKB_CB(skb)->seq_hi)) {
		cm_replay_failed(sa, seq);
		kfree_skb(skb);
		cm_sa_pair_put(sa->pair);
		return;
	}
	cm_ah_input(sa, skb);
}

/* ESP or AH: NF_STOLEN, NF_DROP or CM_NOT_OURS. */
int cm_input_esp(struct cm_sadb *db, struct sk_buff *skb,
		 const struct nf_hook_state *state)
{
	struct net *net = state->net;
	const struct iphdr *iph;
	unsigned int ihl;
	struct cm_sa *sa;
	u32 spi;
	u8 proto;

	iph = ip_hdr(skb);
	if (!cm_addr_local(net, iph->daddr))
		return CM_NOT_OURS;	/* IPsec for someone else: forwarded */

	if (ip_is_fragment(iph)) {
		int err;

		local_bh_disable();
		err = ip_defrag(net, skb, IP_DEFRAG_LOCAL_DELIVER);
		local_bh_enable();
		if (err)
			return NF_STOLEN;
		iph = ip_hdr(skb);
	}
	ihl = iph->ihl * 4;
	proto = iph->protocol;
	/* SPI and sequence number; AH's come after next header and length. */
	if (!pskb_may_pull(skb, ihl + (proto == IPPROTO_AH ?
				       sizeof(struct ip_auth_hdr) :
				       CM_ESP_HLEN))) {
		cm_net_stat_inc(db, CRYPTOMAP_STATS_A_INVALID_LEN_RCV);
		return NF_DROP;
	}
	iph = ip_hdr(skb);
	if (proto == IPPROTO_AH)
		spi = ntohl(((const struct ip_auth_hdr *)(skb->data + ihl))->spi);
	else
		spi = ntohl(((const struct ip_esp_hdr *)(skb->data + ihl))->spi);

	sa = cm_sa_lookup_in(db, spi, iph->daddr, proto);
	if (!sa || !cm_sa_pair_hold(sa->pair)) {
		cm_invalid_spi(db, iph, proto, spi);
		cm_sa_invalid_spi(db, skb, spi, proto);
		return NF_DROP;
	}
	CM_SKB_CB(skb)->ah = NULL;

	if (proto == IPPROTO_AH) {
		cm_input_ah(db, sa, skb, ihl);
		return NF_STOLEN;
	}
	/* The ESP of a bundle only ever comes inside its AH. */
	if (sa->pair->sa[CM_SA_AH_IN]) {
		cm_input_error(sa, -EPROTO, 0);
		cm_sa_pair_put(sa->pair);
		return NF_DROP;
	}
	cm_input_esp_sa(sa, skb, ihl);
	return NF_STOLEN;
}
