/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: the generic netlink family: its handlers, one group per
 * object (acl.c, tset.c, cmap.c, bind.c, netlink.c for the globals), and
 * the helpers they share.
 */
#ifndef _CM_NETLINK_H
#define _CM_NETLINK_H

#include <net/genetlink.h>
#include <net/sock.h>

#include "cryptomap.h"

extern struct genl_family cm_genl_family;

/*
 * Dump cursor in cb->args[]: CM_CB_OBJ counts objects already dumped,
 * CM_CB_SUB counts items of the current object already dumped (ACL
 * entries), so that one object can span several messages.
 */
enum { CM_CB_OBJ, CM_CB_SUB };

struct cm_net *cm_nl_net_lock(struct genl_info *info);
int cm_nl_commit(struct cm_net *cmn, struct netlink_ext_ack *extack);
void *cm_nl_put_hdr(struct sk_buff *skb, struct netlink_callback *cb,
		    struct cm_net *cmn, u8 cmd, int flags);
int cm_nl_reply(struct genl_info *info, struct sk_buff *msg);
bool cm_name_valid(struct cm_net *cmn, struct netlink_ext_ack *extack,
		   const struct nlattr *attr, const char *what);

int cm_nl_acl_get(struct sk_buff *skb, struct genl_info *info);
int cm_nl_acl_dump(struct sk_buff *skb, struct netlink_callback *cb);
int cm_nl_acl_set(struct sk_buff *skb, struct genl_info *info);
int cm_nl_acl_del(struct sk_buff *skb, struct genl_info *info);

int cm_nl_tset_get(struct sk_buff *skb, struct genl_info *info);
int cm_nl_tset_dump(struct sk_buff *skb, struct netlink_callback *cb);
int cm_nl_tset_set(struct sk_buff *skb, struct genl_info *info);
int cm_nl_tset_del(struct sk_buff *skb, struct genl_info *info);

int cm_nl_map_get(struct sk_buff *skb, struct genl_info *info);
int cm_nl_map_dump(struct sk_buff *skb, struct netlink_callback *cb);
int cm_nl_map_set(struct sk_buff *skb, struct genl_info *info);
int cm_nl_map_del(struct sk_buff *skb, struct genl_info *info);

int cm_nl_entry_get(struct sk_buff *skb, struct genl_info *info);
int cm_nl_entry_dump(struct sk_buff *skb, struct netlink_callback *cb);
int cm_nl_entry_set(struct sk_buff *skb, struct genl_info *info);
int cm_nl_entry_del(struct sk_buff *skb, struct genl_info *info);

int cm_nl_bind_get(struct sk_buff *skb, struct genl_info *info);
int cm_nl_bind_dump(struct sk_buff *skb, struct netlink_callback *cb);
int cm_nl_bind_set(struct sk_buff *skb, struct genl_info *info);
int cm_nl_bind_del(struct sk_buff *skb, struct genl_info *info);

/* sa_netlink.c */
int cm_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb);
int cm_nl_sa_clear(struct sk_buff *skb, struct genl_info *info);
int cm_nl_stats_get(struct sk_buff *skb, struct genl_info *info);
int cm_nl_spi_alloc(struct sk_buff *skb, struct genl_info *info);
int cm_nl_sa_add(struct sk_buff *skb, struct genl_info *info);
int cm_nl_sa_update(struct sk_buff *skb, struct genl_info *info);
int cm_nl_sa_del(struct sk_buff *skb, struct genl_info *info);
int cm_nl_peer_set(struct sk_buff *skb, struct genl_info *info);

#endif /* _CM_NETLINK_H */
