// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: interface bindings (interface IF / crypto map NAME).
 *
 * One map per interface, one map on any number of interfaces.  Bindings
 * are kept by ifindex and dumped with the interface's current name.  A
 * netdevice notifier drops the binding of an interface that is
 * unregistered or moved to another netns.
 *
 * Locking: RTNL, then cm_net->lock (the notifier runs under RTNL).
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "netlink.h"
#include "nl_policy.h"

struct cm_bind *cm_bind_find(struct cm_net *cmn, int ifindex)
{
	struct cm_bind *b;

	list_for_each_entry(b, &cmn->binds, list)
		if (b->ifindex == ifindex)
			return b;
	return NULL;
}

void cm_binds_flush(struct cm_net *cmn)
{
	struct cm_bind *b, *tmp;

	list_for_each_entry_safe(b, tmp, &cmn->binds, list) {
		list_del(&b->list);
		kfree(b);
	}
	cmn->n_binds = 0;
}

/* The interface a request names by exactly one of IFINDEX or IFNAME. */
static struct net_device *cm_bind_dev(struct cm_net *cmn,
				      struct genl_info *info)
{
	struct nlattr *idx_a = info->attrs[CRYPTOMAP_BIND_A_IFINDEX];
	struct nlattr *name_a = info->attrs[CRYPTOMAP_BIND_A_IFNAME];
	struct net_device *dev;

	ASSERT_RTNL();
	if (!!idx_a == !!name_a) {
		cm_errf(cmn, info->extack,
			"name the interface by exactly one of ifindex or ifname");
		NL_SET_BAD_ATTR(info->extack, idx_a);
		return ERR_PTR(-EINVAL);
	}
	if (idx_a) {
		dev = __dev_get_by_index(cmn->net, nla_get_u32(idx_a));
		if (!dev) {
			cm_errf(cmn, info->extack,
				"interface index %u does not exist",
				nla_get_u32(idx_a));
			NL_SET_BAD_ATTR(info->extack, idx_a);
			return ERR_PTR(-ENODEV);
		}
		return dev;
	}
	dev = __dev_get_by_name(cmn->net, nla_data(name_a));
	if (!dev) {
		cm_errf(cmn, info->extack, "interface %s does not exist",
			(char *)nla_data(name_a));
		NL_SET_BAD_ATTR(info->extack, name_a);
		return ERR_PTR(-ENODEV);
	}
	return dev;
}

static struct cm_net *cm_bind_lock(struct genl_info *info)
{
	rtnl_lock();
	return cm_nl_net_lock(info);
}

static void cm_bind_unlock(struct cm_net *cmn)
{
	mutex_unlock(&cmn->lock);
	rtnl_unlock();
}

int cm_nl_bind_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *map_a = info->attrs[CRYPTOMAP_BIND_A_MAP];
	char old_map[CRYPTOMAP_NAME_MAX];
	struct net_device *dev;
	struct cm_net *cmn;
	struct cm_bind *b;
	int err;

	cmn = cm_bind_lock(info);
	dev = cm_bind_dev(cmn, info);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto out;
	}
	err = -EINVAL;
	if (!cm_name_valid(cmn, info->extack, map_a, "crypto map"))
		goto out;

	b = cm_bind_find(cmn, dev->ifindex);
	if (b) {
		/* one map per interface: the new one replaces the old */
		strscpy(old_map, b->map, sizeof(old_map));
		nla_strscpy(b->map, map_a, sizeof(b->map));
		err = cm_nl_commit(cmn, info->extack);
		if (err)
			strscpy(b->map, old_map, sizeof(b->map));
		goto out;
	}
	err = -ENOMEM;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		goto out;
	b->ifindex = dev->ifindex;
	nla_strscpy(b->map, map_a, sizeof(b->map));
	list_add_tail(&b->list, &cmn->binds);
	cmn->n_binds++;
	err = cm_nl_commit(cmn, info->extack);
	if (err) {
		list_del(&b->list);
		cmn->n_binds--;
		kfree(b);
	}
out:
	cm_bind_unlock(cmn);
	return err;
}

int cm_nl_bind_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *map_a = info->attrs[CRYPTOMAP_BIND_A_MAP];
	struct list_head *prev;
	struct net_device *dev;
	struct cm_net *cmn;
	struct cm_bind *b;
	int err;

	cmn = cm_bind_lock(info);
	dev = cm_bind_dev(cmn, info);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto out;
	}
	err = -ENOENT;
	b = cm_bind_find(cmn, dev->ifindex);
	if (!b) {
		cm_errf(cmn, info->extack, "interface %s has no crypto map",
			dev->name);
		goto out;
	}
	if (map_a && nla_strcmp(map_a, b->map)) {
		cm_errf(cmn, info->extack,
			"interface %s has crypto map %s, not %s",
			dev->name, b->map, (char *)nla_data(map_a));
		NL_SET_BAD_ATTR(info->extack, map_a);
		goto out;
	}
	prev = b->list.prev;
	list_del(&b->list);
	cmn->n_binds--;
	err = cm_nl_commit(cmn, info->extack);
	if (err) {
		list_add(&b->list, prev);
		cmn->n_binds++;
		goto out;
	}
	kfree(b);
out:
	cm_bind_unlock(cmn);
	return err;
}

static int cm_bind_fill(struct sk_buff *msg, struct cm_net *cmn,
			const struct cm_bind *b)
{
	struct net_device *dev = __dev_get_by_index(cmn->net, b->ifindex);

	if (nla_put_u32(msg, CRYPTOMAP_BIND_A_IFINDEX, b->ifindex) ||
	    (dev && nla_put_string(msg, CRYPTOMAP_BIND_A_IFNAME, dev->name)) ||
	    nla_put_string(msg, CRYPTOMAP_BIND_A_MAP, b->map))
		return -EMSGSIZE;
	return 0;
}

int cm_nl_bind_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = NULL;
	struct net_device *dev;
	struct cm_net *cmn;
	struct cm_bind *b;
	void *hdr;
	int err;

	cmn = cm_bind_lock(info);
	dev = cm_bind_dev(cmn, info);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto out;
	}
	err = -ENOENT;
	b = cm_bind_find(cmn, dev->ifindex);
	if (!b) {
		cm_errf(cmn, info->extack, "interface %s has no crypto map",
			dev->name);
		goto out;
	}
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &cm_genl_family, 0,
				CRYPTOMAP_CMD_BIND_GET);
	if (!hdr || cm_bind_fill(msg, cmn, b))
		goto out;
	genlmsg_end(msg, hdr);
	cm_bind_unlock(cmn);
	return cm_nl_reply(info, msg);
out:
	cm_bind_unlock(cmn);
	nlmsg_free(msg);
	return err;
}

int cm_nl_bind_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cm_net *cmn = cm_net(sock_net(cb->skb->sk));
	unsigned long idx = 0;
	struct cm_bind *b;

	rtnl_lock();
	mutex_lock(&cmn->lock);
	cb->seq = cmn->genid;
	list_for_each_entry(b, &cmn->binds, list) {
		void *hdr;

		if (idx++ < cb->args[CM_CB_OBJ])
			continue;
		hdr = cm_nl_put_hdr(skb, cb, cmn, CRYPTOMAP_CMD_BIND_GET, 0);
		if (!hdr)
			break;
		if (cm_bind_fill(skb, cmn, b)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[CM_CB_OBJ]++;
	}
	mutex_unlock(&cmn->lock);
	rtnl_unlock();
	return skb->len;
}

static int cm_netdev_event(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct cm_net *cmn;
	struct cm_bind *b;
	bool forgot;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;

	cmn = cm_net(dev_net(dev));
	mutex_lock(&cmn->lock);
	/* while a transaction is open, the SPD is the copy's */
	forgot = cm_txn_forget_bind(cmn, dev->ifindex);
	b = cm_bind_find(cmn, dev->ifindex);
	if (b) {
		list_del(&b->list);
		cmn->n_binds--;
		kfree(b);
		forgot = true;
	}
	if (forgot) {
		/* the interface is gone: there is nothing to undo */
		cmn->genid++;
		if (cm_spd_rebuild(cmn))
			pr_warn("%s: could not recompile the policy\n",
				dev->name);
	}
	mutex_unlock(&cmn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block cm_netdev_notifier = {
	.notifier_call = cm_netdev_event,
};

int __init cm_bind_notifier_init(void)
{
	return register_netdevice_notifier(&cm_netdev_notifier);
}

void cm_bind_notifier_exit(void)
{
	unregister_netdevice_notifier(&cm_netdev_notifier);
}
