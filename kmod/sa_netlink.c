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
#include <net/route.h>
#include <net/sock.h>

#include "cryptomap.h"
#include "netlink.h"
#include "nl_policy.h"
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
	u64 bytes, kb_left, age, now;
	__be32 local, peer;
	u32 life_kb, life_sec;
	void *hdr;
	u64 v[__CRYPTOMAP_SA_STATS_MAX];
	u8 status;

	e = spd ? cm_spd_entry_find(spd, pair->map, pair->seq) : NULL;
	status = e && e->sa == pair ? CRYPTOMAP_SA_ACTIVE :
				      CRYPTOMAP_SA_EXPIRED;
	if (pair->isakmp && pair->standby)
		status = CRYPTOMAP_SA_STANDBY;
	else if (pair->isakmp && sa->dir == CRYPTOMAP_DIR_IN && !pair->dead)
		status = CRYPTOMAP_SA_ACTIVE;	/* accepting, in grace too */
	local = cm_entry_local_addr(db->net, spd, e);
	peer = READ_ONCE(pair->peer);
	life_kb = pair->life_kb;
	life_sec = pair->life_sec;

	cm_sa_stats_read(sa, v);
	bytes = v[CRYPTOMAP_SA_STATS_BYTES];
	kb_left = life_kb > bytes / 1024 ? life_kb - bytes / 1024 : 0;
	now = get_jiffies_64();
	/* a pair published while the dump waited has no age yet */
	age = time_after64(now, pair->add_time) ?
	      (now - pair->add_time) / HZ : 0;

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
	    nla_put_u32(msg, CRYPTOMAP_SA_A_REPLAY_WINDOW,
			READ_ONCE(sa->replay_window)) ||
	    nla_put_u64_64bit(msg, CRYPTOMAP_SA_A_OSEQ, cm_sa_seq_read(sa),
			      CRYPTOMAP_SA_A_PAD) ||
	    (sa->esn && nla_put_flag(msg, CRYPTOMAP_SA_A_ESN)) ||
	    cm_sa_fill_stats(msg, sa))
		goto cancel;
	/* Manual SAs never expire (IOS prints "no sa timing"). */
	if (pair->isakmp &&
	    (nla_put_u64_64bit(msg, CRYPTOMAP_SA_A_LIFE_KB_LEFT, kb_left,
			       CRYPTOMAP_SA_A_PAD) ||
	     nla_put_u32(msg, CRYPTOMAP_SA_A_LIFE_SEC_LEFT,
			 life_sec > age ? life_sec - (u32)age : 0) ||
	     nla_put_u32(msg, CRYPTOMAP_SA_A_LIFE_SEC, life_sec) ||
	     nla_put_u32(msg, CRYPTOMAP_SA_A_LIFE_KB, life_kb)))
		goto cancel;
	genlmsg_end(msg, hdr);
	return 0;

cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
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
		if (pair->dead || pair->bench)
			continue;
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
	struct cm_sa_filter f = {};
	struct cm_net *cmn;
	int err = 0;

	if (!db)
		return -ENOENT;
	if (tb[CRYPTOMAP_SA_A_MAP])
		f.map = nla_data(tb[CRYPTOMAP_SA_A_MAP]);
	if (tb[CRYPTOMAP_SA_A_PEER])
		f.peer = nla_get_in_addr(tb[CRYPTOMAP_SA_A_PEER]);
	if (tb[CRYPTOMAP_SA_A_SPI]) {
		f.spi = nla_get_u32(tb[CRYPTOMAP_SA_A_SPI]);
		if (tb[CRYPTOMAP_SA_A_DST]) {
			f.dst = nla_get_in_addr(tb[CRYPTOMAP_SA_A_DST]);
			f.dst_local = inet_addr_type(genl_info_net(info),
						     f.dst) == RTN_LOCAL;
		}
		if (tb[CRYPTOMAP_SA_A_PROTO])
			f.proto = nla_get_u8(tb[CRYPTOMAP_SA_A_PROTO]);
		if (!f.spi) {
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
	cmn = cm_nl_net_lock(info);
	/* Entries that lost their keyed SAs ask for new ones (ACQUIRE). */
	if (cm_sadb_clear(db, &f,
			  nla_get_flag(tb[CRYPTOMAP_SA_A_COUNTERS_ONLY])))
		err = cm_spd_rebuild(cmn);
	mutex_unlock(&cmn->lock);
	return err;
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

/* ---- the operations of a keying daemon ---- */

static int cm_sa_err(struct cm_net *cmn, struct genl_info *info,
		     const struct nlattr *attr, int err, const char *fmt, ...)
	__printf(5, 6);

static int cm_sa_err(struct cm_net *cmn, struct genl_info *info,
		     const struct nlattr *attr, int err, const char *fmt, ...)
{
	char buf[CM_ERRMSG_LEN];
	va_list args;

	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	cm_errf(cmn, info->extack, "%s", buf);
	if (attr)
		NL_SET_BAD_ATTR(info->extack, attr);
	return err;
}

static const char *cm_sa_proto_name(u8 proto)
{
	return proto == IPPROTO_AH ? "ah" : "esp";
}

static u8 cm_sa_req_proto(struct genl_info *info)
{
	struct nlattr *a = info->attrs[CRYPTOMAP_SA_A_PROTO];

	return a ? nla_get_u8(a) : IPPROTO_ESP;
}

static int cm_sa_check_proto(struct cm_net *cmn, struct genl_info *info,
			     u8 proto)
{
	if (proto == IPPROTO_ESP || proto == IPPROTO_AH)
		return 0;
	return cm_sa_err(cmn, info, info->attrs[CRYPTOMAP_SA_A_PROTO], -EINVAL,
			 "protocol must be esp (50) or ah (51)");
}

/* The ipsec-isakmp entry a request names (cmn->lock held). */
static struct cm_spd_entry *cm_sa_req_entry(struct cm_net *cmn,
					    struct genl_info *info,
					    const char *op)
{
	struct nlattr **tb = info->attrs;
	struct cm_spd_entry *e;
	const char *map;
	u32 seq;

	if (!tb[CRYPTOMAP_SA_A_MAP] || !tb[CRYPTOMAP_SA_A_SEQ]) {
		cm_sa_err(cmn, info, NULL, -EINVAL,
			  "%s needs a crypto map name and sequence number", op);
		return ERR_PTR(-EINVAL);
	}
	map = nla_data(tb[CRYPTOMAP_SA_A_MAP]);
	seq = nla_get_u32(tb[CRYPTOMAP_SA_A_SEQ]);
	e = cm_keyed_entry(cmn, map, seq);
	if (!e) {
		cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_SEQ], -ENOENT,
			  "crypto map %s %u does not exist", map, seq);
		return ERR_PTR(-ENOENT);
	}
	if (e->type != CRYPTOMAP_TYPE_ISAKMP) {
		cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_SEQ], -EINVAL,
			  "crypto map %s %u is not ipsec-isakmp (manual SAs come from set session-key)",
			  map, seq);
		return ERR_PTR(-EINVAL);
	}
	return e;
}

int cm_nl_spi_alloc(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_sadb *db = cm_sadb_get_net(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	u32 lo = 256, hi = U32_MAX, spi = 0;
	struct sk_buff *msg;
	struct cm_net *cmn;
	u8 proto;
	void *hdr;
	int err;

	if (!db)
		return -ENOENT;
	cmn = cm_nl_net_lock(info);
	proto = cm_sa_req_proto(info);
	err = cm_sa_check_proto(cmn, info, proto);
	if (err)
		goto out;
	if (tb[CRYPTOMAP_SA_A_SPI_MIN])
		lo = nla_get_u32(tb[CRYPTOMAP_SA_A_SPI_MIN]);
	if (tb[CRYPTOMAP_SA_A_SPI_MAX])
		hi = nla_get_u32(tb[CRYPTOMAP_SA_A_SPI_MAX]);
	if (lo > hi) {
		err = cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_SPI_MAX], -EINVAL,
				"SPI range %u-%u is empty", lo, hi);
		goto out;
	}
	err = cm_spi_alloc(db, proto, lo, hi, &spi);
	if (err == -EBUSY) {
		err = cm_sa_err(cmn, info, NULL, err,
				"too many SPIs allocated and not used (%u)",
				CM_SPI_RESV_MAX);
		goto out;
	}
	if (err) {
		err = cm_sa_err(cmn, info, NULL, err,
				"no free %s SPI in %u-%u",
				cm_sa_proto_name(proto), lo, hi);
		goto out;
	}
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &cm_genl_family, 0,
				CRYPTOMAP_CMD_SPI_ALLOC);
	if (!hdr || nla_put_u8(msg, CRYPTOMAP_SA_A_PROTO, proto) ||
	    nla_put_u32(msg, CRYPTOMAP_SA_A_SPI, spi)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out:
	mutex_unlock(&cmn->lock);
	return err;
}

/*
 * An IPPROTO_COMP key: the CPI (RFC 3173, 16 bits) of one direction's
 * IPComp SA as negotiated, in place of the low half of its ESP/AH SPI.
 */
static int cm_sa_parse_cpi(struct cm_net *cmn, struct genl_info *info,
			   struct nlattr **kb, const struct cm_tset_params *t,
			   struct cm_session_key *k)
{
	u32 cpi = nla_get_u32(kb[CRYPTOMAP_KEY_A_SPI]);

	if (!t->comp)
		return cm_sa_err(cmn, info, kb[CRYPTOMAP_KEY_A_PROTO], -EINVAL,
				 "transform set %s has no compression for an IPComp CPI",
				 t->name);
	if (cpi > 0xffff)
		return cm_sa_err(cmn, info, kb[CRYPTOMAP_KEY_A_SPI], -ERANGE,
				 "IPComp CPI %u is over 65535 (16 bits)", cpi);
	if (kb[CRYPTOMAP_KEY_A_CIPHER] || kb[CRYPTOMAP_KEY_A_AUTH])
		return cm_sa_err(cmn, info, kb[CRYPTOMAP_KEY_A_CIPHER] ?:
				 kb[CRYPTOMAP_KEY_A_AUTH], -EINVAL,
				 "an IPComp CPI takes no cipher or authentication key");
	k->spi = cpi;
	return 0;
}

/* One CRYPTOMAP_SA_A_KEY into its slot of @keys. */
static int cm_sa_parse_key(struct cm_net *cmn, struct genl_info *info,
			   const struct nlattr *a,
			   const struct cm_tset_params *t,
			   struct cm_session_key *keys)
{
	struct nlattr *kb[CRYPTOMAP_KEY_A_MAX + 1];
	struct cm_session_key *k;
	unsigned int need_c, need_a;
	int err, slot;
	u8 dir, proto;
	bool in;

	err = nla_parse_nested(kb, CRYPTOMAP_KEY_A_MAX, a, cm_key_policy,
			       info->extack);
	if (err)
		return err;
	if (!kb[CRYPTOMAP_KEY_A_DIR] || !kb[CRYPTOMAP_KEY_A_PROTO] ||
	    !kb[CRYPTOMAP_KEY_A_SPI])
		return cm_sa_err(cmn, info, a, -EINVAL,
				 "a session key needs inbound/outbound, esp/ah and an SPI");
	dir = nla_get_u8(kb[CRYPTOMAP_KEY_A_DIR]);
	proto = nla_get_u8(kb[CRYPTOMAP_KEY_A_PROTO]);
	in = dir == CRYPTOMAP_DIR_IN;
	if (proto == IPPROTO_AH)
		slot = in ? CM_SA_AH_IN : CM_SA_AH_OUT;
	else if (proto == IPPROTO_ESP)
		slot = in ? CM_SA_ESP_IN : CM_SA_ESP_OUT;
	else if (proto == IPPROTO_COMP)
		slot = in ? CM_SA_COMP_IN : CM_SA_COMP_OUT;
	else
		return cm_sa_err(cmn, info, kb[CRYPTOMAP_KEY_A_PROTO],
				 -EINVAL,
				 "a session key is esp (50), ah (51) or an IPComp CPI (108), not protocol %u",
				 proto);
	k = &keys[slot];
	if (k->spi)
		return cm_sa_err(cmn, info, a, -EINVAL,
				 "session key %s %s is given twice",
				 in ? "inbound" : "outbound",
				 proto == IPPROTO_COMP ? "IPComp" :
				 cm_sa_proto_name(proto));
	k->dir = dir;
	k->proto = proto;
	if (proto == IPPROTO_COMP)
		return cm_sa_parse_cpi(cmn, info, kb, t, k);
	if (proto == IPPROTO_AH) {
		need_c = 0;
		need_a = t->ah ? cm_tset_ah_len(t) : 0;
		if (!t->ah)
			return cm_sa_err(cmn, info, a, -EINVAL,
					 "transform set %s has no AH transform for an ah session key",
					 t->name);
	} else {
		if (!t->esp_enc && !t->esp_auth)
			return cm_sa_err(cmn, info, a, -EINVAL,
					 "transform set %s has no ESP transform for an esp session key",
					 t->name);
		need_c = cm_tset_cipher_len(t);
		need_a = cm_tset_esp_auth_len(t);
	}
	k->spi = nla_get_u32(kb[CRYPTOMAP_KEY_A_SPI]);
	if (kb[CRYPTOMAP_KEY_A_CIPHER]) {
		k->cipher_len = nla_len(kb[CRYPTOMAP_KEY_A_CIPHER]);
		nla_memcpy(k->cipher, kb[CRYPTOMAP_KEY_A_CIPHER],
			   sizeof(k->cipher));
	}
	if (kb[CRYPTOMAP_KEY_A_AUTH]) {
		k->auth_len = nla_len(kb[CRYPTOMAP_KEY_A_AUTH]);
		nla_memcpy(k->auth, kb[CRYPTOMAP_KEY_A_AUTH], sizeof(k->auth));
	}
	if (k->cipher_len != need_c)
		return cm_sa_err(cmn, info, a, -EINVAL,
				 "%s cipher key of SPI %u must be %u bytes for transform set %s, not %u",
				 cm_sa_proto_name(proto), k->spi, need_c,
				 t->name, k->cipher_len);
	if (k->auth_len != need_a)
		return cm_sa_err(cmn, info, a, -EINVAL,
				 "%s authenticator of SPI %u must be %u bytes for transform set %s, not %u",
				 cm_sa_proto_name(proto), k->spi, need_a,
				 t->name, k->auth_len);
	return 0;
}

int cm_nl_sa_add(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_sadb *db = cm_sadb_get_net(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	const struct cm_tset_params *t = NULL;
	struct cm_session_key *keys;
	unsigned int i, peer_idx;
	struct cm_spd_entry *e;
	const char *tset;
	struct cm_net *cmn;
	struct nlattr *a;
	u32 life_sec, life_kb, idle;
	int err, rem;
	__be32 peer;
	bool esn;
	u64 oseq;

	if (!db)
		return -ENOENT;
	keys = kcalloc(CM_SA_NSLOTS, sizeof(*keys), GFP_KERNEL);
	if (!keys)
		return -ENOMEM;
	cmn = cm_nl_net_lock(info);
	e = cm_sa_req_entry(cmn, info, "sa-add");
	if (IS_ERR(e)) {
		err = PTR_ERR(e);
		goto out;
	}
	if (e->inactive != CRYPTOMAP_INACTIVE_NONE) {
		err = cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_SEQ], -EINVAL,
				"crypto map %s %u is incomplete: it cannot have SAs",
				e->map, e->seq);
		goto out;
	}
	if (!tb[CRYPTOMAP_SA_A_TSET]) {
		err = cm_sa_err(cmn, info, NULL, -EINVAL,
				"sa-add needs the transform set that was negotiated");
		goto out;
	}
	tset = nla_data(tb[CRYPTOMAP_SA_A_TSET]);
	for (i = 0; i < e->n_tsets && i < CRYPTOMAP_MAX_TSETS; i++)
		if (!strcmp(e->tsets[i].name, tset))
			t = &e->tsets[i];
	if (!t) {
		err = cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_TSET], -EINVAL,
				"transform set %s is not in crypto map %s %u",
				tset, e->map, e->seq);
		goto out;
	}

	peer_idx = min_t(unsigned int, READ_ONCE(e->cur_peer),
			 e->n_peers - 1);
	if (tb[CRYPTOMAP_SA_A_PEER]) {
		peer = nla_get_in_addr(tb[CRYPTOMAP_SA_A_PEER]);
		for (i = 0; i < e->n_peers; i++)
			if (e->peers[i] == peer)
				break;
		if (i == e->n_peers) {
			err = cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_PEER],
					-EINVAL,
					"%pI4 is not a set peer of crypto map %s %u",
					&peer, e->map, e->seq);
			goto out;
		}
		peer_idx = i;
	}
	peer = e->peers[peer_idx];

	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(a) != CRYPTOMAP_SA_A_KEY)
			continue;
		err = cm_sa_parse_key(cmn, info, a, t, keys);
		if (err)
			goto out;
	}
	if ((t->esp_enc || t->esp_auth) &&
	    (!keys[CM_SA_ESP_IN].spi || !keys[CM_SA_ESP_OUT].spi)) {
		err = cm_sa_err(cmn, info, NULL, -EINVAL,
				"transform set %s needs an inbound and an outbound esp session key",
				t->name);
		goto out;
	}
	if (t->ah && (!keys[CM_SA_AH_IN].spi || !keys[CM_SA_AH_OUT].spi)) {
		err = cm_sa_err(cmn, info, NULL, -EINVAL,
				"transform set %s needs an inbound and an outbound ah session key",
				t->name);
		goto out;
	}
	if (!keys[CM_SA_COMP_IN].spi != !keys[CM_SA_COMP_OUT].spi) {
		err = cm_sa_err(cmn, info, NULL, -EINVAL,
				"IPComp CPIs come in pairs: an inbound and an outbound one");
		goto out;
	}

	life_sec = tb[CRYPTOMAP_SA_A_LIFE_SEC] ?
		   nla_get_u32(tb[CRYPTOMAP_SA_A_LIFE_SEC]) : e->life_sec;
	life_kb = tb[CRYPTOMAP_SA_A_LIFE_KB] ?
		  nla_get_u32(tb[CRYPTOMAP_SA_A_LIFE_KB]) : e->life_kb;
	idle = tb[CRYPTOMAP_SA_A_IDLE_TIME] ?
	       nla_get_u32(tb[CRYPTOMAP_SA_A_IDLE_TIME]) : e->idle_time;
	if (idle > 86400) {
		err = cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_IDLE_TIME],
				-ERANGE, "idle time %u s is over 86400", idle);
		goto out;
	}
	/* Where the outbound numbering starts (an SA moved here; tests). */
	esn = nla_get_flag(tb[CRYPTOMAP_SA_A_ESN]);
	oseq = tb[CRYPTOMAP_SA_A_OSEQ] ?
	       nla_get_u64(tb[CRYPTOMAP_SA_A_OSEQ]) : 0;
	if (oseq >= cm_seq_limit(esn, CM_SEQ_HARD)) {
		err = cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_OSEQ], -ERANGE,
				"outbound sequence number %llu is past the hard limit %llu",
				oseq, cm_seq_limit(esn, CM_SEQ_HARD));
		goto out;
	}

	err = cm_keyed_add(db, e, t, keys, peer, life_sec, life_kb, idle, oseq,
			   nla_get_flag(tb[CRYPTOMAP_SA_A_STANDBY]), esn);
	if (err == -EEXIST) {
		err = cm_sa_err(cmn, info, NULL, err,
				"an inbound SA with SPI %u already exists",
				keys[CM_SA_ESP_IN].spi ?: keys[CM_SA_AH_IN].spi);
		goto out;
	}
	if (err) {
		err = cm_sa_err(cmn, info, NULL, err,
				"crypto map %s %u: cannot install the SAs (%d)",
				e->map, e->seq, err);
		goto out;
	}
	/* The current peer is the one the SAs were negotiated with. */
	WRITE_ONCE(e->cur_peer, peer_idx);
	err = cm_spd_rebuild(cmn);
out:
	mutex_unlock(&cmn->lock);
	kfree_sensitive(keys);
	return err;
}

/* The keyed pair named by SPI (+ PROTO, DIR); a reference is taken. */
static struct cm_sa_pair *cm_sa_req_pair(struct cm_net *cmn,
					 struct cm_sadb *db,
					 struct genl_info *info,
					 const char *op)
{
	struct nlattr **tb = info->attrs;
	struct cm_sa_pair *pair;
	u8 proto = cm_sa_req_proto(info);
	u32 spi;
	int err;

	err = cm_sa_check_proto(cmn, info, proto);
	if (err)
		return ERR_PTR(err);
	if (!tb[CRYPTOMAP_SA_A_SPI]) {
		cm_sa_err(cmn, info, NULL, -EINVAL, "%s needs an SPI", op);
		return ERR_PTR(-EINVAL);
	}
	spi = nla_get_u32(tb[CRYPTOMAP_SA_A_SPI]);
	pair = cm_keyed_find_spi(db, spi, proto,
				 tb[CRYPTOMAP_SA_A_DIR] ?
				 nla_get_u8(tb[CRYPTOMAP_SA_A_DIR]) : 0);
	if (!pair) {
		cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_SPI], -ENOENT,
			  "no keyed %s SA with SPI %u", cm_sa_proto_name(proto),
			  spi);
		return ERR_PTR(-ENOENT);
	}
	return pair;
}

/*
 * The key nests of sa-update: a new outbound SPI (or IPComp CPI) for a
 * standby pair that has never sent.  An IKEv2 initiator installs its
 * inbound SA before IKE_AUTH, as the peer may send on it before its
 * answer arrives, and learns the peer's SPI only from that answer.
 * Keys do not change: they are derived before the SPIs are known.
 */
static int cm_sa_update_out(struct cm_net *cmn, struct genl_info *info,
			    struct cm_sadb *db, struct cm_sa_pair *pair)
{
	struct nlattr *kb[CRYPTOMAP_KEY_A_MAX + 1];
	u32 spi[CM_SA_NSLOTS] = { 0 };
	struct nlattr *a;
	int rem, err, slot;
	u8 proto;

	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(a) != CRYPTOMAP_SA_A_KEY)
			continue;
		err = nla_parse_nested(kb, CRYPTOMAP_KEY_A_MAX, a,
				       cm_key_policy, info->extack);
		if (err)
			return err;
		if (!kb[CRYPTOMAP_KEY_A_DIR] || !kb[CRYPTOMAP_KEY_A_PROTO] ||
		    !kb[CRYPTOMAP_KEY_A_SPI] ||
		    nla_get_u8(kb[CRYPTOMAP_KEY_A_DIR]) != CRYPTOMAP_DIR_OUT)
			return cm_sa_err(cmn, info, a, -EINVAL,
					 "sa-update takes outbound SPIs only: dir outbound, a protocol and an SPI");
		if (kb[CRYPTOMAP_KEY_A_CIPHER] || kb[CRYPTOMAP_KEY_A_AUTH])
			return cm_sa_err(cmn, info, kb[CRYPTOMAP_KEY_A_CIPHER] ?:
					 kb[CRYPTOMAP_KEY_A_AUTH], -EINVAL,
					 "sa-update cannot change keys, only an outbound SPI");
		proto = nla_get_u8(kb[CRYPTOMAP_KEY_A_PROTO]);
		slot = proto == IPPROTO_ESP ? CM_SA_ESP_OUT :
		       proto == IPPROTO_AH ? CM_SA_AH_OUT :
		       proto == IPPROTO_COMP ? CM_SA_COMP_OUT : -1;
		if (slot < 0 || !pair->sa[slot])
			return cm_sa_err(cmn, info, kb[CRYPTOMAP_KEY_A_PROTO],
					 -EINVAL,
					 "the pair has no outbound SA of protocol %u",
					 proto);
		spi[slot] = nla_get_u32(kb[CRYPTOMAP_KEY_A_SPI]);
		if (slot == CM_SA_COMP_OUT && spi[slot] > 0xffff)
			return cm_sa_err(cmn, info, kb[CRYPTOMAP_KEY_A_SPI],
					 -ERANGE, "IPComp CPI %u is over 65535 (16 bits)",
					 spi[slot]);
	}
	spin_lock_bh(&db->lock);
	if (!pair->standby || pair->out_active || pair->dead) {
		spin_unlock_bh(&db->lock);
		return cm_sa_err(cmn, info, NULL, -EBUSY,
				 "only a standby pair that has never sent takes a new outbound SPI");
	}
	/* never read by the data path before activation */
	for (slot = 0; slot < CM_SA_NSLOTS; slot++)
		if (spi[slot])
			WRITE_ONCE(pair->sa[slot]->spi, spi[slot]);
	spin_unlock_bh(&db->lock);
	return 0;
}

int cm_nl_sa_update(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_sadb *db = cm_sadb_get_net(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	struct cm_sa_pair *pair;
	struct cm_net *cmn;
	int err = 0;

	if (!db)
		return -ENOENT;
	cmn = cm_nl_net_lock(info);
	pair = cm_sa_req_pair(cmn, db, info, "sa-update");
	if (IS_ERR(pair)) {
		err = PTR_ERR(pair);
		goto out;
	}
	if (!tb[CRYPTOMAP_SA_A_ACTIVATE] && !tb[CRYPTOMAP_SA_A_LIFE_SEC] &&
	    !tb[CRYPTOMAP_SA_A_LIFE_KB] && !tb[CRYPTOMAP_SA_A_KEY]) {
		err = cm_sa_err(cmn, info, NULL, -EINVAL,
				"sa-update needs activate, a lifetime or an outbound SPI");
		goto put;
	}
	if (tb[CRYPTOMAP_SA_A_KEY]) {
		err = cm_sa_update_out(cmn, info, db, pair);
		if (err)
			goto put;
	}
	spin_lock_bh(&db->lock);
	if (tb[CRYPTOMAP_SA_A_LIFE_SEC])
		pair->life_sec = nla_get_u32(tb[CRYPTOMAP_SA_A_LIFE_SEC]);
	if (tb[CRYPTOMAP_SA_A_LIFE_KB])
		pair->life_kb = nla_get_u32(tb[CRYPTOMAP_SA_A_LIFE_KB]);
	spin_unlock_bh(&db->lock);
	if (tb[CRYPTOMAP_SA_A_ACTIVATE]) {
		if (!pair->standby && !pair->out_active) {
			err = cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_SPI],
					-EINVAL,
					"the SA with SPI %u was replaced: it cannot be activated again",
					nla_get_u32(tb[CRYPTOMAP_SA_A_SPI]));
			goto put;
		}
		cm_keyed_activate(db, pair);
		err = cm_spd_rebuild(cmn);
	}
put:
	cm_sa_pair_put(pair);
out:
	mutex_unlock(&cmn->lock);
	return err;
}

int cm_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_sadb *db = cm_sadb_get_net(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	struct cm_sa_pair *pair;
	struct cm_spd_entry *e;
	struct cm_net *cmn;
	int err = 0;

	if (!db)
		return -ENOENT;
	cmn = cm_nl_net_lock(info);
	if (tb[CRYPTOMAP_SA_A_SPI]) {
		pair = cm_sa_req_pair(cmn, db, info, "sa-del");
		if (IS_ERR(pair)) {
			err = PTR_ERR(pair);
			goto out;
		}
		cm_keyed_del(db, pair, NULL, 0, 0);
		cm_sa_pair_put(pair);
	} else {
		e = cm_sa_req_entry(cmn, info, "sa-del without an SPI");
		if (IS_ERR(e)) {
			err = PTR_ERR(e);
			goto out;
		}
		cm_keyed_del(db, NULL, e->map, e->seq, 0);
	}
	err = cm_spd_rebuild(cmn);
out:
	mutex_unlock(&cmn->lock);
	return err;
}

int cm_nl_peer_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct cm_spd_entry *e;
	struct cm_net *cmn;
	unsigned int i, cur;
	int err = 0;

	cmn = cm_nl_net_lock(info);
	e = cm_sa_req_entry(cmn, info, "peer-set");
	if (IS_ERR(e)) {
		err = PTR_ERR(e);
		goto out;
	}
	if (!e->n_peers) {
		err = cm_sa_err(cmn, info, NULL, -EINVAL,
				"crypto map %s %u has no set peer", e->map,
				e->seq);
		goto out;
	}
	if (!!tb[CRYPTOMAP_SA_A_PEER] == !!tb[CRYPTOMAP_SA_A_NEXT_PEER]) {
		err = cm_sa_err(cmn, info, NULL, -EINVAL,
				"peer-set needs either a peer or next-peer");
		goto out;
	}
	cur = min_t(unsigned int, READ_ONCE(e->cur_peer), e->n_peers - 1);
	if (tb[CRYPTOMAP_SA_A_NEXT_PEER]) {
		i = (cur + 1) % e->n_peers;
	} else {
		__be32 peer = nla_get_in_addr(tb[CRYPTOMAP_SA_A_PEER]);

		for (i = 0; i < e->n_peers; i++)
			if (e->peers[i] == peer)
				break;
		if (i == e->n_peers) {
			err = cm_sa_err(cmn, info, tb[CRYPTOMAP_SA_A_PEER],
					-EINVAL,
					"%pI4 is not a set peer of crypto map %s %u",
					&peer, e->map, e->seq);
			goto out;
		}
	}
	/* Published entries carry it over to the next SPD (spd.c). */
	WRITE_ONCE(e->cur_peer, i);
out:
	mutex_unlock(&cmn->lock);
	return err;
}
