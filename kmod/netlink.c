// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: the "cryptomap" generic netlink family.
 *
 * Every operation has its own policy (nl_policy.c).  Changes need
 * CAP_NET_ADMIN in the user namespace that owns the netns
 * (GENL_UNS_ADMIN_PERM).  Handlers run one at a time per family
 * (parallel_ops is off) and each takes its netns's cm_net->lock; a
 * handler validates the whole request before it changes anything, then
 * recompiles the policy, and undoes its change if that fails.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>

#include "netlink.h"
#include "nl_policy.h"

void cm_errf(struct cm_net *cmn, struct netlink_ext_ack *extack,
	     const char *fmt, ...)
{
	va_list args;
	char *buf;

	if (!extack)
		return;
	lockdep_assert_held(&cmn->lock);
	buf = cmn->errbuf[cmn->errbuf_next++ % CM_ERRBUF_SLOTS];
	va_start(args, fmt);
	vsnprintf(buf, CM_ERRMSG_LEN, fmt, args);
	va_end(args);
	extack->_msg = buf;
}

struct cm_net *cm_nl_net_lock(struct genl_info *info)
{
	struct cm_net *cmn = cm_net(genl_info_net(info));

	mutex_lock(&cmn->lock);
	cmn->req_portid = info->snd_portid;
	return cmn;
}

/*
 * Recompile and publish the policy after a change (cmn->lock held).  In a
 * configuration transaction the socket that opened it changes objects
 * without a recompile (CONFIG_COMMIT does it once); other sockets wait.
 */
int cm_nl_commit(struct cm_net *cmn, struct netlink_ext_ack *extack)
{
	int err;

	cmn->genid++;
	if (cmn->txn) {
		if (cmn->req_portid == cmn->txn_portid)
			return 0;
		cm_errf(cmn, extack,
			"a configuration transaction is open (netlink port %u): try again later",
			cmn->txn_portid);
		return -EBUSY;
	}
	err = cm_spd_rebuild(cmn);
	if (err && extack && !extack->_msg)
		NL_SET_ERR_MSG_MOD(extack,
				   "could not compile the crypto map policy");
	return err;
}

void *cm_nl_put_hdr(struct sk_buff *skb, struct netlink_callback *cb,
		    struct cm_net *cmn, u8 cmd, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &cm_genl_family, flags | NLM_F_MULTI, cmd);
	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

int cm_nl_reply(struct genl_info *info, struct sk_buff *msg)
{
	return genlmsg_reply(msg, info);
}

/* A name attribute: present, not empty, one IOS word. */
bool cm_name_valid(struct cm_net *cmn, struct netlink_ext_ack *extack,
		   const struct nlattr *attr, const char *what)
{
	const char *name, *p;

	if (!attr) {
		cm_errf(cmn, extack, "%s name missing", what);
		return false;
	}
	name = nla_data(attr);
	if (!nla_len(attr) || !*name) {
		cm_errf(cmn, extack, "%s name is empty", what);
		NL_SET_BAD_ATTR(extack, attr);
		return false;
	}
	for (p = name; *p; p++) {
		if (*p <= ' ' || *p > '~') {
			cm_errf(cmn, extack,
				"%s name \"%s\": only printable characters, no spaces",
				what, name);
			NL_SET_BAD_ATTR(extack, attr);
			return false;
		}
	}
	return true;
}

/* ---- crypto ipsec security-association ..., df-bit, fragmentation ---- */

static int cm_global_fill(struct sk_buff *msg, const struct cm_global *g)
{
	if (nla_put_u32(msg, CRYPTOMAP_GLOBAL_A_LIFE_SEC, g->life_sec) ||
	    nla_put_u32(msg, CRYPTOMAP_GLOBAL_A_LIFE_KB, g->life_kb) ||
	    nla_put_u32(msg, CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW, g->replay_window) ||
	    nla_put_u8(msg, CRYPTOMAP_GLOBAL_A_REPLAY_DISABLE, g->replay_disable) ||
	    nla_put_u32(msg, CRYPTOMAP_GLOBAL_A_IDLE_TIME, g->idle_time) ||
	    nla_put_u8(msg, CRYPTOMAP_GLOBAL_A_DF_BIT, g->df_bit) ||
	    nla_put_u8(msg, CRYPTOMAP_GLOBAL_A_FRAG, g->frag))
		return -EMSGSIZE;
	return 0;
}

static int cm_nl_global_get(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_net *cmn;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cm_genl_family, 0,
				CRYPTOMAP_CMD_GLOBAL_GET);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	cmn = cm_nl_net_lock(info);
	err = cm_global_fill(msg, &cmn->global);
	mutex_unlock(&cmn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return cm_nl_reply(info, msg);
}

static int cm_nl_global_set(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **tb = info->attrs;
	struct cm_global old, *g;
	struct cm_net *cmn;
	struct nlattr *a;
	int err;

	cmn = cm_nl_net_lock(info);
	g = &cmn->global;
	old = *g;

	a = tb[CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW];
	if (a && !is_power_of_2(nla_get_u32(a))) {
		cm_errf(cmn, extack,
			"replay window-size %u: must be 64, 128, 256, 512 or 1024",
			nla_get_u32(a));
		NL_SET_BAD_ATTR(extack, a);
		err = -EINVAL;
		goto out;
	}
	a = tb[CRYPTOMAP_GLOBAL_A_IDLE_TIME];
	if (a && nla_get_u32(a) && nla_get_u32(a) < 60) {
		cm_errf(cmn, extack,
			"idle-time %u: must be 60 to 86400 seconds",
			nla_get_u32(a));
		NL_SET_BAD_ATTR(extack, a);
		err = -EINVAL;
		goto out;
	}

	if (tb[CRYPTOMAP_GLOBAL_A_LIFE_SEC])
		g->life_sec = nla_get_u32(tb[CRYPTOMAP_GLOBAL_A_LIFE_SEC]);
	if (tb[CRYPTOMAP_GLOBAL_A_LIFE_KB])
		g->life_kb = nla_get_u32(tb[CRYPTOMAP_GLOBAL_A_LIFE_KB]);
	if (tb[CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW])
		g->replay_window = nla_get_u32(tb[CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW]);
	if (tb[CRYPTOMAP_GLOBAL_A_REPLAY_DISABLE])
		g->replay_disable = nla_get_u8(tb[CRYPTOMAP_GLOBAL_A_REPLAY_DISABLE]);
	if (tb[CRYPTOMAP_GLOBAL_A_IDLE_TIME])
		g->idle_time = nla_get_u32(tb[CRYPTOMAP_GLOBAL_A_IDLE_TIME]);
	if (tb[CRYPTOMAP_GLOBAL_A_DF_BIT])
		g->df_bit = nla_get_u8(tb[CRYPTOMAP_GLOBAL_A_DF_BIT]);
	if (tb[CRYPTOMAP_GLOBAL_A_FRAG])
		g->frag = nla_get_u8(tb[CRYPTOMAP_GLOBAL_A_FRAG]);

	err = cm_nl_commit(cmn, extack);
	if (err)
		*g = old;
out:
	mutex_unlock(&cmn->lock);
	return err;
}

/* ---- configuration transactions (CONFIG_BEGIN, _COMMIT, _ABORT) ---- */

static void cm_snap_free(struct cm_cfg_snap *s)
{
	struct cm_acl *acl, *acl_tmp;
	struct cm_tset *ts, *ts_tmp;
	struct cm_map *map, *map_tmp;
	struct cm_bind *b, *b_tmp;

	if (!s)
		return;
	list_for_each_entry_safe(b, b_tmp, &s->binds, list)
		kfree(b);
	list_for_each_entry_safe(map, map_tmp, &s->maps, list)
		cm_map_free(map);
	list_for_each_entry_safe(ts, ts_tmp, &s->tsets, list)
		kfree(ts);
	list_for_each_entry_safe(acl, acl_tmp, &s->acls, list)
		cm_acl_free(acl);
	kfree(s);
}

static struct cm_acl *cm_acl_dup(const struct cm_acl *acl)
{
	struct cm_acl *c = kmemdup(acl, sizeof(*acl), GFP_KERNEL);

	if (!c)
		return NULL;
	c->aces = NULL;
	if (acl->n) {
		c->aces = kvmalloc_array(acl->n, sizeof(*c->aces), GFP_KERNEL);
		if (!c->aces) {
			kfree(c);
			return NULL;
		}
		memcpy(c->aces, acl->aces, acl->n * sizeof(*c->aces));
	}
	return c;
}

static struct cm_map *cm_map_dup(const struct cm_map *map)
{
	struct cm_map *c = kmemdup(map, sizeof(*map), GFP_KERNEL);
	const struct cm_entry *e;

	if (!c)
		return NULL;
	INIT_LIST_HEAD(&c->entries);
	list_for_each_entry(e, &map->entries, list) {
		struct cm_entry *ce = kmemdup(e, sizeof(*e), GFP_KERNEL);

		if (ce && e->keys) {
			ce->keys = kmemdup(e->keys, CM_MAX_KEYS * sizeof(*e->keys),
					   GFP_KERNEL);
			if (!ce->keys) {
				kfree(ce);
				ce = NULL;
			}
		}
		if (!ce) {
			cm_map_free(c);
			return NULL;
		}
		list_add_tail(&ce->list, &c->entries);
	}
	return c;
}

static struct cm_cfg_snap *cm_snap_take(struct cm_net *cmn)
{
	struct cm_cfg_snap *s = kzalloc(sizeof(*s), GFP_KERNEL);
	const struct cm_acl *acl;
	const struct cm_tset *ts;
	const struct cm_map *map;
	const struct cm_bind *b;

	if (!s)
		return NULL;
	INIT_LIST_HEAD(&s->acls);
	INIT_LIST_HEAD(&s->tsets);
	INIT_LIST_HEAD(&s->maps);
	INIT_LIST_HEAD(&s->binds);
	s->global = cmn->global;
	s->n_acls = cmn->n_acls;
	s->n_tsets = cmn->n_tsets;
	s->n_maps = cmn->n_maps;
	s->n_binds = cmn->n_binds;
	list_for_each_entry(acl, &cmn->acls, list) {
		struct cm_acl *c = cm_acl_dup(acl);

		if (!c)
			goto err;
		list_add_tail(&c->list, &s->acls);
	}
	list_for_each_entry(ts, &cmn->tsets, list) {
		struct cm_tset *c = kmemdup(ts, sizeof(*ts), GFP_KERNEL);

		if (!c)
			goto err;
		list_add_tail(&c->list, &s->tsets);
	}
	list_for_each_entry(map, &cmn->maps, list) {
		struct cm_map *c = cm_map_dup(map);

		if (!c)
			goto err;
		list_add_tail(&c->list, &s->maps);
	}
	list_for_each_entry(b, &cmn->binds, list) {
		struct cm_bind *c = kmemdup(b, sizeof(*b), GFP_KERNEL);

		if (!c)
			goto err;
		list_add_tail(&c->list, &s->binds);
	}
	return s;
err:
	cm_snap_free(s);
	return NULL;
}

/* Put the copy back in place of the objects; the copy is used up. */
static void cm_snap_restore(struct cm_net *cmn, struct cm_cfg_snap *s)
{
	cm_binds_flush(cmn);
	cm_maps_flush(cmn);
	cm_tsets_flush(cmn);
	cm_acls_flush(cmn);
	list_splice_init(&s->acls, &cmn->acls);
	list_splice_init(&s->tsets, &cmn->tsets);
	list_splice_init(&s->maps, &cmn->maps);
	list_splice_init(&s->binds, &cmn->binds);
	cm_acls_rehash(cmn);
	cm_maps_rehash(cmn);
	cmn->n_acls = s->n_acls;
	cmn->n_tsets = s->n_tsets;
	cmn->n_maps = s->n_maps;
	cmn->n_binds = s->n_binds;
	cmn->global = s->global;
	kfree(s);
}

/* End the open transaction: roll back to its start (cmn->lock held). */
static void cm_txn_abort(struct cm_net *cmn)
{
	struct cm_cfg_snap *s = cmn->txn;

	cmn->txn = NULL;
	cmn->txn_portid = 0;
	cm_snap_restore(cmn, s);
	cmn->genid++;
	/* an interface may have gone meanwhile: the SPD follows the objects */
	if (cm_spd_rebuild(cmn))
		pr_warn("configuration rolled back, but the policy could not be recompiled\n");
}

/* The netns goes away with a transaction open: drop it (cmn->lock held). */
void cm_txn_drop(struct cm_net *cmn)
{
	cm_snap_free(cmn->txn);
	cmn->txn = NULL;
	cmn->txn_portid = 0;
}

/* An interface went away during a transaction: nor is it in the copy. */
bool cm_txn_forget_bind(struct cm_net *cmn, int ifindex)
{
	struct cm_bind *b, *tmp;
	bool found = false;

	if (!cmn->txn)
		return false;
	list_for_each_entry_safe(b, tmp, &cmn->txn->binds, list) {
		if (b->ifindex == ifindex) {
			list_del(&b->list);
			cmn->txn->n_binds--;
			kfree(b);
			found = true;
		}
	}
	return found;
}

static bool cm_txn_mine(struct cm_net *cmn, struct genl_info *info)
{
	if (cmn->txn && cmn->txn_portid == info->snd_portid)
		return true;
	cm_errf(cmn, info->extack,
		"no configuration transaction is open on this socket");
	return false;
}

static int cm_nl_config_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_net *cmn = cm_nl_net_lock(info);
	int err = 0;

	if (cmn->txn) {
		cm_errf(cmn, info->extack,
			"a configuration transaction is already open (netlink port %u)",
			cmn->txn_portid);
		err = -EBUSY;
		goto out;
	}
	cmn->txn = cm_snap_take(cmn);
	if (!cmn->txn) {
		err = -ENOMEM;
		goto out;
	}
	cmn->txn_portid = info->snd_portid;
out:
	mutex_unlock(&cmn->lock);
	return err;
}

static int cm_nl_config_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_net *cmn = cm_nl_net_lock(info);
	struct cm_cfg_snap *s;
	int err = -ENOENT;

	if (!cm_txn_mine(cmn, info))
		goto out;
	s = cmn->txn;
	cmn->txn = NULL;
	cmn->txn_portid = 0;
	cmn->genid++;
	err = cm_spd_rebuild(cmn);
	if (err) {
		cm_errf(cmn, info->extack,
			"could not compile the crypto map policy: the transaction was rolled back");
		cm_snap_restore(cmn, s);
		cmn->genid++;
		goto out;
	}
	cm_snap_free(s);
out:
	mutex_unlock(&cmn->lock);
	return err;
}

static int cm_nl_config_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct cm_net *cmn = cm_nl_net_lock(info);
	int err = -ENOENT;

	if (cm_txn_mine(cmn, info)) {
		cm_txn_abort(cmn);
		err = 0;
	}
	mutex_unlock(&cmn->lock);
	return err;
}

/* The socket that opened a transaction is closed: roll it back. */
static int cm_netlink_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;
	struct cm_net *cmn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !n->portid)
		return NOTIFY_DONE;
	cmn = cm_net(n->net);
	mutex_lock(&cmn->lock);
	if (cmn->txn && cmn->txn_portid == n->portid)
		cm_txn_abort(cmn);
	mutex_unlock(&cmn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block cm_netlink_notifier = {
	.notifier_call = cm_netlink_event,
};

/* ---- the family ---- */

#define CM_OP_GET(_cmd, _doit, _dumpit, _pol) {			\
	.cmd = (_cmd), .doit = (_doit), .dumpit = (_dumpit),		\
	.policy = (_pol), .maxattr = ARRAY_SIZE(_pol) - 1,		\
}
#define CM_OP_SET(_cmd, _doit, _pol) {					\
	.cmd = (_cmd), .doit = (_doit), .flags = GENL_UNS_ADMIN_PERM,	\
	.policy = (_pol), .maxattr = ARRAY_SIZE(_pol) - 1,		\
}

static const struct genl_ops cm_genl_ops[] = {
	CM_OP_GET(CRYPTOMAP_CMD_ACL_GET, cm_nl_acl_get, cm_nl_acl_dump,
		  cm_acl_policy),
	CM_OP_SET(CRYPTOMAP_CMD_ACL_SET, cm_nl_acl_set, cm_acl_policy),
	CM_OP_SET(CRYPTOMAP_CMD_ACL_DEL, cm_nl_acl_del, cm_acl_policy),

	CM_OP_GET(CRYPTOMAP_CMD_TSET_GET, cm_nl_tset_get, cm_nl_tset_dump,
		  cm_tset_policy),
	CM_OP_SET(CRYPTOMAP_CMD_TSET_SET, cm_nl_tset_set, cm_tset_policy),
	CM_OP_SET(CRYPTOMAP_CMD_TSET_DEL, cm_nl_tset_del, cm_tset_policy),

	CM_OP_GET(CRYPTOMAP_CMD_MAP_GET, cm_nl_map_get, cm_nl_map_dump,
		  cm_map_policy),
	CM_OP_SET(CRYPTOMAP_CMD_MAP_SET, cm_nl_map_set, cm_map_policy),
	CM_OP_SET(CRYPTOMAP_CMD_MAP_DEL, cm_nl_map_del, cm_map_policy),

	CM_OP_GET(CRYPTOMAP_CMD_ENTRY_GET, cm_nl_entry_get, cm_nl_entry_dump,
		  cm_entry_policy),
	CM_OP_SET(CRYPTOMAP_CMD_ENTRY_SET, cm_nl_entry_set, cm_entry_policy),
	CM_OP_SET(CRYPTOMAP_CMD_ENTRY_DEL, cm_nl_entry_del, cm_entry_policy),

	CM_OP_GET(CRYPTOMAP_CMD_GLOBAL_GET, cm_nl_global_get, NULL,
		  cm_global_policy),
	CM_OP_SET(CRYPTOMAP_CMD_GLOBAL_SET, cm_nl_global_set, cm_global_policy),

	CM_OP_GET(CRYPTOMAP_CMD_BIND_GET, cm_nl_bind_get, cm_nl_bind_dump,
		  cm_bind_policy),
	CM_OP_SET(CRYPTOMAP_CMD_BIND_SET, cm_nl_bind_set, cm_bind_policy),
	CM_OP_SET(CRYPTOMAP_CMD_BIND_DEL, cm_nl_bind_del, cm_bind_policy),

	CM_OP_GET(CRYPTOMAP_CMD_SA_GET, NULL, cm_nl_sa_dump, cm_sa_policy),
	CM_OP_SET(CRYPTOMAP_CMD_SA_CLEAR, cm_nl_sa_clear, cm_sa_policy),
	CM_OP_GET(CRYPTOMAP_CMD_STATS_GET, cm_nl_stats_get, NULL,
		  cm_stats_policy),
	/* they take no attributes */
	CM_OP_SET(CRYPTOMAP_CMD_CONFIG_BEGIN, cm_nl_config_begin,
		  cm_global_policy),
	CM_OP_SET(CRYPTOMAP_CMD_CONFIG_COMMIT, cm_nl_config_commit,
		  cm_global_policy),
	CM_OP_SET(CRYPTOMAP_CMD_CONFIG_ABORT, cm_nl_config_abort,
		  cm_global_policy),
	CM_OP_SET(CRYPTOMAP_CMD_SPI_ALLOC, cm_nl_spi_alloc, cm_sa_policy),
	CM_OP_SET(CRYPTOMAP_CMD_SA_ADD, cm_nl_sa_add, cm_sa_policy),
	CM_OP_SET(CRYPTOMAP_CMD_SA_UPDATE, cm_nl_sa_update, cm_sa_policy),
	CM_OP_SET(CRYPTOMAP_CMD_SA_DEL, cm_nl_sa_del, cm_sa_policy),
	CM_OP_SET(CRYPTOMAP_CMD_PEER_SET, cm_nl_peer_set, cm_sa_policy),
};

static const struct genl_multicast_group cm_genl_mcgrps[] = {
	{ .name = CRYPTOMAP_MCGRP_EVENTS },
};

struct genl_family cm_genl_family __ro_after_init = {
	.name = CRYPTOMAP_GENL_NAME,
	.version = CRYPTOMAP_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = false,
	.resv_start_op = __CRYPTOMAP_CMD_MAX,
	.ops = cm_genl_ops,
	.n_ops = ARRAY_SIZE(cm_genl_ops),
	.mcgrps = cm_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(cm_genl_mcgrps),
	.module = THIS_MODULE,
};

int __init cm_genl_init(void)
{
	int err = netlink_register_notifier(&cm_netlink_notifier);

	if (err)
		return err;
	err = genl_register_family(&cm_genl_family);
	if (err)
		netlink_unregister_notifier(&cm_netlink_notifier);
	return err;
}

void cm_genl_exit(void)
{
	genl_unregister_family(&cm_genl_family);
	netlink_unregister_notifier(&cm_netlink_notifier);
}
