// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: the netfilter hooks, per network namespace.
 *
 * Outbound at POST_ROUTING, just after source NAT, so that the crypto ACL
 * sees translated sources ("NAT first, then IPsec"); inbound at
 * PRE_ROUTING, just before destination NAT ("IPsec first, then NAT").
 * Both act only on interfaces that have a crypto map.
 */
#include <linux/ip.h>
#include <linux/netfilter_ipv4.h>
#include <net/ip.h>

#include "cryptomap.h"
#include "hooks.h"
#include "sa.h"

void cm_flow_from_skb(const struct sk_buff *skb, struct cm_flow *fl)
{
	const struct iphdr *iph = ip_hdr(skb);

	memset(fl, 0, sizeof(*fl));
	fl->saddr = iph->saddr;
	fl->daddr = iph->daddr;
	fl->proto = iph->protocol;
	if ((iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP) &&
	    !(iph->frag_off & htons(IP_OFFSET))) {
		__be16 _ports[2];
		const __be16 *ports;

		ports = skb_header_pointer(skb, skb_network_offset(skb) +
					   iph->ihl * 4, sizeof(_ports), _ports);
		if (ports) {
			fl->sport = ports[0];
			fl->dport = ports[1];
		}
	}
}

static unsigned int cm_hook_out(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	const struct cm_spd_entry *e;
	const struct cm_spd *spd;
	struct cm_sadb *db;
	struct cm_flow fl;

	/* Our own ESP on its way out, after encapsulation. */
	if (cm_output_nested())
		return NF_ACCEPT;
	db = cm_sadb_get_net(state->net);
	if (!db || !state->out)
		return NF_ACCEPT;
	spd = rcu_dereference(db->cmn->spd);
	if (!spd || !spd->n_ifs ||
	    !cm_spd_map_for_if(spd, state->out->ifindex))
		return NF_ACCEPT;

	cm_flow_from_skb(skb, &fl);
	e = cm_spd_lookup_out(spd, state->out->ifindex, &fl);
	if (!e)
		return NF_ACCEPT;
	return cm_output(db, e, skb, state);
}

static unsigned int cm_hook_in(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	const struct cm_spd *spd;
	struct cm_flow fl, rev;
	struct cm_sadb *db;
	int verdict;

	db = cm_sadb_get_net(state->net);
	if (!db || !state->in)
		return NF_ACCEPT;
	spd = rcu_dereference(db->cmn->spd);
	if (!spd || !spd->n_ifs ||
	    !cm_spd_map_for_if(spd, state->in->ifindex))
		return NF_ACCEPT;
	/* Decapsulated by us: it came protected. */
	if (cm_input_nested())
		return NF_ACCEPT;

	if (ip_hdr(skb)->protocol == IPPROTO_ESP ||
	    ip_hdr(skb)->protocol == IPPROTO_AH) {
		verdict = cm_input_esp(db, skb, state);
		if (verdict != CM_NOT_OURS)
			return verdict;
	}

	/* Clear traffic that a crypto ACL says should have been protected. */
	cm_flow_from_skb(skb, &fl);
	rev.saddr = fl.daddr;
	rev.daddr = fl.saddr;
	rev.proto = fl.proto;
	rev.sport = fl.dport;
	rev.dport = fl.sport;
	if (cm_spd_lookup_out(spd, state->in->ifindex, &rev)) {
		cm_net_stat_inc(db, CRYPTOMAP_STATS_A_NOT_IPSEC_RCV);
		if (net_ratelimit())
			pr_warn("%%CRYPTO-4-RECVD_PKT_NOT_IPSEC: Rec'd packet not an IPSEC packet. (ip) vrf/dest_addr= /%pI4, src_addr= %pI4, prot= %u\n",
				&fl.daddr, &fl.saddr, fl.proto);
		return NF_DROP;
	}
	return NF_ACCEPT;
}

static const struct nf_hook_ops cm_nf_ops[] = {
	{
		.hook		= cm_hook_out,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_NAT_SRC + 1,
	},
	{
		.hook		= cm_hook_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_NAT_DST - 1,
	},
};

int cm_hooks_register(struct cm_sadb *db)
{
	return nf_register_net_hooks(db->net, cm_nf_ops, ARRAY_SIZE(cm_nf_ops));
}

void cm_hooks_unregister(struct cm_sadb *db)
{
	nf_unregister_net_hooks(db->net, cm_nf_ops, ARRAY_SIZE(cm_nf_ops));
}
