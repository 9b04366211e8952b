// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: the SA commands of the netlink family: SA_GET (dump of every
 * SA with its counters, never its keys), SA_CLEAR (clear crypto sa
 * [peer | map | entry | counters]) and STATS_GET (the per-netns drop
 * counters).
 */
#include <linux/inetdevice.h>
#include <linux/jiffies.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "cryptomap.h"
#include "netlink.h"
#include "sa.h"

/* The local crypto endpoint of an entry: local-address, or the bound IF. */
static __be32 cm_entry_local_addr(struct net *net, const struct cm_spd *spd,
				  const struct cm_spd_entry *e)
{
	struct net_device *dev = NULL;
	unsigned int i;

	if (e && e->local_ifname[0]) {
		dev = dev_get_by_name_rcu(net, e->local_ifname);
	} else if (e && spd) {
		for (i = 0; i < spd->n_ifs && !dev; i++)
			if (spd->ifs[i].map &&
			    !strcmp(spd->ifs[i].map->name, e->map))
				dev = dev_get_by_index_rcu(net,
							   spd->ifs[i].ifindex);
	}
	return dev ? inet_select_addr(dev, 0, RT_SCOPE_UNIVERSE) : 0;
}

static int cm_sa_fill_stats(struct sk_buff *msg, const struct cm_sa *sa)
{
	u64 v[__CRYPTOMAP_SA_STATS_MAX];
	struct nlattr *nest;
	int i;

	cm_sa_stats_read(sa, v);
	nest = nla_nest_start(msg, CRYPTOMAP_SA_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = CRYPTOMAP_SA_STATS_PKTS; i < CRYPTOMAP_SA_STATS_PAD; i++)
		if (nla_put_u64_64bit(msg, i, v[i], CRYPTOMAP_SA_STATS_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int cm_sa_fill(struct sk_buff *msg, struct netlink_callback *cb,
		      struct cm_sadb *db, const struct cm_spd *spd,
		      const struct cm_sa_pair *pair, const struct cm_sa *sa)
{
	const struct cm_spd_entry *e;
	u64 bytes, kb_left, age;
	__be32 local, peer;
	u32 life_kb, life_sec;
	void *hdr;
	u64 v[__CRYPTOMAP_SA_STATS_MAX];
	u8 status;

	e = spd ? cm_spd_entry_find(spd, pair->map, pair->seq) : NULL;
	status = e && e->sa == pair ? CRYPTOMAP_SA_ACTIVE :
				      CRYPTOMAP_SA_EXPIRED;
	local = cm_entry_local_addr(db->net, spd, e);
	peer = READ_ONCE(pair->peer);
	life_kb = e ? e->life_kb : 0;
	life_sec = e ? e->life_sec : 0;

	cm_sa_stats_read(sa, v);
	bytes = v[CRYPTOMAP_SA_STATS_BYTES];
	kb_left = life_kb > bytes / 1024 ? life_kb - bytes / 1024 : 0;
	age = (get_jiffies_64() - pair->add_time) / HZ;
	/* Manual SAs never expire: their lifetimes only count down. */

	hdr = cm_nl_put_hdr(msg, cb, db->cmn, CRYPTOMAP_CMD_SA_GET, 0);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(msg, CRYPTOMAP_SA_A_MAP, pair->map) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_SEQ, pair->seq) ||
	    nla_put_u8(msg, CRYPTOMAP_SA_A_DIR, sa->dir) ||
	    nla_put_u8(msg, CRYPTOMAP_SA_A_PROTO, sa->proto) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_SPI, sa->spi) ||
	    nla_put_in_addr(msg, CRYPTOMAP_SA_A_SRC,
			    sa->dir == CRYPTOMAP_DIR_OUT ? local : peer) ||
	    nla_put_in_addr(msg, CRYPTOMAP_SA_A_DST,
			    sa->dir == CRYPTOMAP_DIR_OUT ? peer : local) ||
	    nla_put_string(msg, CRYPTOMAP_SA_A_TSET, pair->tset) ||
	    nla_put_u8(msg, CRYPTOMAP_SA_A_MODE, pair->mode) ||
	    nla_put_u8(msg, CRYPTOMAP_SA_A_STATUS, status) ||
	    nla_put_u8(msg, CRYPTOMAP_SA_A_IV_SIZE, sa->ivlen) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_REPLAY_WINDOW, sa->replay_window) ||
	    nla_put_u64_64bit(msg, CRYPTOMAP_SA_A_LIFE_KB_LEFT, kb_left,
			      CRYPTOMAP_SA_A_PAD) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_LIFE_SEC_LEFT,
			life_sec > age ? life_sec - (u32)age : 0) ||
	    cm_sa_fill_stats(msg, sa)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

int cm_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cm_sadb *db = cm_sadb_get_net(sock_net(cb->skb->sk));
	unsigned long idx = 0, start = cb->args[0];
	const struct cm_spd *spd;
	struct cm_sa_pair *pair;
	int i;

	if (!db)
		return 0;
	spin_lock_bh(&db->lock);
	rcu_read_lock();
	spd = rcu_dereference(db->cmn->spd);
	list_for_each_entry(pair, &db->pairs, list) {
		for (i = 0; i < CM_SA_NSLOTS; i++) {
			if (!pair->sa[i])
				continue;
			if (idx++ < start)
				continue;
			if (cm_sa_fill(skb, cb, db, spd, pair, pair->sa[i])) {
				idx--;
				goto out;
			}
		}
	}
out:
	rcu_read_unlock();
	spin_unlock_bh(&db->lock);
	cb->args[0] = idx;
	return skb->len;
}

int cm_nl_sa_clear(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_sadb *db = cm_sadb_get_net(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	const char *map = NULL;
	__be32 peer = 0;
	u32 spi = 0;

	if (!db)
		return -ENOENT;
	if (tb[CRYPTOMAP_SA_A_MAP])
		map = nla_data(tb[CRYPTOMAP_SA_A_MAP]);
	if (tb[CRYPTOMAP_SA_A_PEER])
		peer = nla_get_in_addr(tb[CRYPTOMAP_SA_A_PEER]);
	if (tb[CRYPTOMAP_SA_A_SPI]) {
		spi = nla_get_u32(tb[CRYPTOMAP_SA_A_SPI]);
		if (!spi) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[CRYPTOMAP_SA_A_SPI],
					    "SPI 0 names no SA");
			return -EINVAL;
		}
		if (tb[CRYPTOMAP_SA_A_PROTO] &&
		    nla_get_u8(tb[CRYPTOMAP_SA_A_PROTO]) != IPPROTO_ESP &&
		    nla_get_u8(tb[CRYPTOMAP_SA_A_PROTO]) != IPPROTO_AH) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[CRYPTOMAP_SA_A_PROTO],
					    "protocol must be esp or ah");
			return -EINVAL;
		}
	}
	cm_sadb_clear(db, map, peer, spi,
		      nla_get_flag(tb[CRYPTOMAP_SA_A_COUNTERS_ONLY]));
	return 0;
}

int cm_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_sadb *db = cm_sadb_get_net(genl_info_net(info));
	u64 v[__CRYPTOMAP_STATS_A_MAX];
	struct sk_buff *msg;
	void *hdr;
	int i;

	if (!db)
		return -ENOENT;
	cm_net_stats_read(db, v);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cm_genl_family, 0,
				CRYPTOMAP_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	for (i = CRYPTOMAP_STATS_A_NO_SA_SEND; i < CRYPTOMAP_STATS_A_PAD; i++)
		if (nla_put_u64_64bit(msg, i, v[i], CRYPTOMAP_STATS_A_PAD))
			goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}
