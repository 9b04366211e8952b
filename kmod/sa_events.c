// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: the events a keying daemon listens to on the "events"
 * multicast group of the family.
 *
 * ACQUIRE: an outbound packet matched an active ipsec-isakmp entry that
 * has no SA.  It carries the entry, its current peer, the packet's flow,
 * the ACL line that matched (the proxy identities) and the entry's
 * proposals (transform sets in order, pfs group, lifetimes).  It is sent
 * at most once per CM_ACQ_INTERVAL seconds for the same entry and flow
 * (a small table of the last CM_ACQ_SLOTS flows); meanwhile the packets
 * are dropped and counted as "#pkts no sa (send)", as IOS does while it
 * negotiates: there is no queue, the sender retransmits.
 *
 * EXPIRE: one message per SA of a keyed pair, soft (rekey now) or hard
 * (gone), with the reason.  INVALID_SPI: an ESP packet for an SPI that
 * no SA has, rate-limited the same way per SPI and source.
 *
 * Nothing is built when nobody listens.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/route.h>

#include "cryptomap.h"
#include "netlink.h"
#include "sa.h"

#define CM_MCGRP_EVENTS	0	/* index in the family's groups */

static bool cm_event_listened(struct cm_sadb *db)
{
	return genl_has_listeners(&cm_genl_family, db->net, CM_MCGRP_EVENTS);
}

/* True when an event of @hash may go now (softirq or process context). */
static bool cm_event_ratelimit(struct cm_sadb *db, u32 hash)
{
	struct cm_acq_slot *slot;
	u64 now = get_jiffies_64();
	bool ok = true;

	hash |= 1;
	if (!db->acq)
		return false;
	spin_lock_bh(&db->acq_lock);
	slot = &db->acq[hash % CM_ACQ_SLOTS];
	if (slot->hash == hash &&
	    time_before64(now, slot->sent + CM_ACQ_INTERVAL * HZ)) {
		ok = false;
	} else {
		slot->hash = hash;
		slot->sent = now;
	}
	spin_unlock_bh(&db->acq_lock);
	return ok;
}

/*
 * An SA came or went: the next packet of any flow may ask at once (an
 * ACQUIRE answered, or a new one needed after a delete).
 */
void cm_sa_acquire_reset(struct cm_sadb *db)
{
	if (!db->acq)
		return;
	spin_lock_bh(&db->acq_lock);
	memset(db->acq, 0, sizeof(*db->acq) * CM_ACQ_SLOTS);
	spin_unlock_bh(&db->acq_lock);
}

static void cm_event_send(struct cm_sadb *db, struct sk_buff *msg, gfp_t gfp)
{
	genlmsg_multicast_netns(&cm_genl_family, db->net, msg, 0,
				CM_MCGRP_EVENTS, gfp);
}

/* ---- ACQUIRE ---- */

static void cm_skb_flow(const struct sk_buff *skb, struct cm_flow *fl)
{
	const struct iphdr *iph = ip_hdr(skb);
	__be16 ports[2], *pp;

	memset(fl, 0, sizeof(*fl));
	fl->saddr = iph->saddr;
	fl->daddr = iph->daddr;
	fl->proto = iph->protocol;
	if ((fl->proto != IPPROTO_TCP && fl->proto != IPPROTO_UDP) ||
	    ip_is_fragment(iph))
		return;
	pp = skb_header_pointer(skb, skb_network_offset(skb) + iph->ihl * 4,
				sizeof(ports), ports);
	if (pp) {
		fl->sport = pp[0];
		fl->dport = pp[1];
	}
}

static int cm_put_selector(struct sk_buff *msg, const struct cm_ace *a)
{
	struct nlattr *nest = nla_nest_start(msg, CRYPTOMAP_SA_A_SELECTOR);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(msg, CRYPTOMAP_ACE_A_ACTION, a->action) ||
	    (a->proto && nla_put_u8(msg, CRYPTOMAP_ACE_A_PROTO, a->proto)) ||
	    nla_put_in_addr(msg, CRYPTOMAP_ACE_A_SRC_ADDR, a->src) ||
	    nla_put_in_addr(msg, CRYPTOMAP_ACE_A_SRC_WILD, ~a->smask) ||
	    nla_put_in_addr(msg, CRYPTOMAP_ACE_A_DST_ADDR, a->dst) ||
	    nla_put_in_addr(msg, CRYPTOMAP_ACE_A_DST_WILD, ~a->dmask))
		return -EMSGSIZE;
	if (a->sport_op &&
	    (nla_put_u8(msg, CRYPTOMAP_ACE_A_SPORT_OP, a->sport_op) ||
	     nla_put_u16(msg, CRYPTOMAP_ACE_A_SPORT_LO, a->sport_lo) ||
	     nla_put_u16(msg, CRYPTOMAP_ACE_A_SPORT_HI, a->sport_hi)))
		return -EMSGSIZE;
	if (a->dport_op &&
	    (nla_put_u8(msg, CRYPTOMAP_ACE_A_DPORT_OP, a->dport_op) ||
	     nla_put_u16(msg, CRYPTOMAP_ACE_A_DPORT_LO, a->dport_lo) ||
	     nla_put_u16(msg, CRYPTOMAP_ACE_A_DPORT_HI, a->dport_hi)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int cm_put_flow(struct sk_buff *msg, const struct cm_flow *fl)
{
	struct nlattr *nest = nla_nest_start(msg, CRYPTOMAP_SA_A_FLOW);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(msg, CRYPTOMAP_FLOW_A_SRC, fl->saddr) ||
	    nla_put_in_addr(msg, CRYPTOMAP_FLOW_A_DST, fl->daddr) ||
	    nla_put_u8(msg, CRYPTOMAP_FLOW_A_PROTO, fl->proto) ||
	    nla_put_u16(msg, CRYPTOMAP_FLOW_A_SPORT, ntohs(fl->sport)) ||
	    nla_put_u16(msg, CRYPTOMAP_FLOW_A_DPORT, ntohs(fl->dport)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int cm_put_proposal(struct sk_buff *msg,
			   const struct cm_tset_params *t)
{
	struct nlattr *nest = nla_nest_start(msg, CRYPTOMAP_SA_A_PROPOSAL);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(msg, CRYPTOMAP_TSET_A_NAME, t->name) ||
	    nla_put_u8(msg, CRYPTOMAP_TSET_A_AH, t->ah) ||
	    nla_put_u8(msg, CRYPTOMAP_TSET_A_ESP_ENC, t->esp_enc) ||
	    (t->keybits &&
	     nla_put_u16(msg, CRYPTOMAP_TSET_A_ESP_KEYBITS, t->keybits)) ||
	    nla_put_u8(msg, CRYPTOMAP_TSET_A_ESP_AUTH, t->esp_auth) ||
	    nla_put_u8(msg, CRYPTOMAP_TSET_A_COMP, t->comp) ||
	    nla_put_u8(msg, CRYPTOMAP_TSET_A_MODE, t->mode))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static __be32 cm_acq_local(struct cm_sadb *db, const struct cm_spd_entry *e,
			   const struct sk_buff *skb)
{
	struct net_device *dev = NULL;

	if (e->local_ifname[0])
		dev = dev_get_by_name_rcu(db->net, e->local_ifname);
	else if (skb_dst(skb))
		dev = skb_dst(skb)->dev;
	return dev ? inet_select_addr(dev, 0, RT_SCOPE_UNIVERSE) : 0;
}

/* The data path, under rcu_read_lock(): @e has no outbound SA for @skb. */
void cm_sa_acquire(struct cm_sadb *db, const struct cm_spd_entry *e,
		   const struct sk_buff *skb)
{
	const struct cm_ace *sel = NULL;
	struct sk_buff *msg;
	struct cm_flow fl;
	unsigned int i;
	__be32 peer;
	void *hdr;
	u32 hash;

	if (e->type != CRYPTOMAP_TYPE_ISAKMP || !cm_event_listened(db))
		return;
	cm_skb_flow(skb, &fl);
	hash = jhash(e->map, strnlen(e->map, CRYPTOMAP_NAME_MAX), e->seq);
	hash = jhash_3words((__force u32)fl.saddr, (__force u32)fl.daddr,
			    fl.proto | (__force u32)fl.sport << 8, hash);
	hash = jhash_1word((__force u32)fl.dport, hash);
	if (!cm_event_ratelimit(db, hash))
		return;

	/* The ACL line that let the packet in: the first one that matches. */
	for (i = 0; i < e->n_aces; i++) {
		if (cm_ace_list_match(&e->aces[i], 1, &fl, false)) {
			sel = &e->aces[i];
			break;
		}
	}
	peer = e->n_peers ? e->peers[min_t(unsigned int, READ_ONCE(e->cur_peer),
					   e->n_peers - 1)] : 0;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &cm_genl_family, 0, CRYPTOMAP_CMD_ACQUIRE);
	if (!hdr)
		goto fail;
	if (nla_put_string(msg, CRYPTOMAP_SA_A_MAP, e->map) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_SEQ, e->seq) ||
	    nla_put_in_addr(msg, CRYPTOMAP_SA_A_PEER, peer) ||
	    nla_put_in_addr(msg, CRYPTOMAP_SA_A_SRC, cm_acq_local(db, e, skb)) ||
	    cm_put_flow(msg, &fl) ||
	    (sel && cm_put_selector(msg, sel)))
		goto fail;
	for (i = 0; i < e->n_tsets && i < CRYPTOMAP_MAX_TSETS; i++)
		if (cm_put_proposal(msg, &e->tsets[i]))
			goto fail;
	if (nla_put_u8(msg, CRYPTOMAP_SA_A_PFS, e->pfs) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_LIFE_SEC, e->life_sec) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_LIFE_KB, e->life_kb) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_IDLE_TIME, e->idle_time))
		goto fail;
	genlmsg_end(msg, hdr);
	cm_event_send(db, msg, GFP_ATOMIC);
	return;
fail:
	nlmsg_free(msg);
}

/* ---- EXPIRE ---- */

static int cm_expire_fill(struct sk_buff *msg, struct cm_sa_pair *pair,
			  struct cm_sa *sa, bool hard, u8 reason)
{
	__be32 peer = READ_ONCE(pair->peer);
	void *hdr;

	hdr = genlmsg_put(msg, 0, 0, &cm_genl_family, 0, CRYPTOMAP_CMD_EXPIRE);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(msg, CRYPTOMAP_SA_A_MAP, pair->map) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_SEQ, pair->seq) ||
	    nla_put_u8(msg, CRYPTOMAP_SA_A_DIR, sa->dir) ||
	    nla_put_u8(msg, CRYPTOMAP_SA_A_PROTO, sa->proto) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_SPI, sa->spi) ||
	    nla_put_in_addr(msg, sa->dir == CRYPTOMAP_DIR_OUT ?
			    CRYPTOMAP_SA_A_DST : CRYPTOMAP_SA_A_SRC, peer) ||
	    nla_put_string(msg, CRYPTOMAP_SA_A_TSET, pair->tset) ||
	    (hard && nla_put_flag(msg, CRYPTOMAP_SA_A_HARD)) ||
	    nla_put_u8(msg, CRYPTOMAP_SA_A_REASON, reason) ||
	    nla_put_u64_64bit(msg, CRYPTOMAP_SA_A_OSEQ, cm_sa_seq_read(sa),
			      CRYPTOMAP_SA_A_PAD)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/* Process context; the caller holds a reference on @pair. */
void cm_sa_expire_notify(struct cm_sadb *db, struct cm_sa_pair *pair,
			 bool hard, u8 reason)
{
	struct sk_buff *msg;
	int i;

	if (!pair->isakmp || !cm_event_listened(db))
		return;
	for (i = 0; i < CM_SA_NSLOTS; i++) {
		if (!pair->sa[i])
			continue;
		msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
		if (!msg)
			return;
		if (cm_expire_fill(msg, pair, pair->sa[i], hard, reason)) {
			nlmsg_free(msg);
			return;
		}
		cm_event_send(db, msg, GFP_KERNEL);
	}
}

/* ---- INVALID_SPI ---- */

/* The data path (softirq): @skb is ESP or AH for an SPI nobody has. */
void cm_sa_invalid_spi(struct cm_sadb *db, const struct sk_buff *skb,
		       u32 spi, u8 proto)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sk_buff *msg;
	void *hdr;

	if (!cm_event_listened(db) ||
	    !cm_event_ratelimit(db, jhash_3words(spi, (__force u32)iph->saddr,
						 proto, 0x1a5f)))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &cm_genl_family, 0,
			  CRYPTOMAP_CMD_INVALID_SPI);
	if (!hdr ||
	    nla_put_u8(msg, CRYPTOMAP_SA_A_PROTO, proto) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_SPI, spi) ||
	    nla_put_in_addr(msg, CRYPTOMAP_SA_A_SRC, iph->saddr) ||
	    nla_put_in_addr(msg, CRYPTOMAP_SA_A_DST, iph->daddr)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	cm_event_send(db, msg, GFP_ATOMIC);
}
