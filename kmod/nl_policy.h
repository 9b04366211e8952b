/* SPDX-License-Identifier: GPL-2.0 */
/*
 * generated from Documentation/netlink/specs/cryptomap.yaml by tools/nlspec-gen.py: do not edit
 *
 * The attribute policies of the cryptomap generic netlink family, one
 * per attribute set that a request can carry (see nl_policy.c).
 */
#ifndef _CM_NL_POLICY_H
#define _CM_NL_POLICY_H

#include <net/netlink.h>
#include <linux/cryptomap.h>

extern const struct nla_policy cm_acl_policy[CRYPTOMAP_ACL_A_MAX + 1];
extern const struct nla_policy cm_acl_entries_policy[CRYPTOMAP_ACL_A_MAX + 1];
extern const struct nla_policy cm_ace_policy[CRYPTOMAP_ACE_A_MAX + 1];
extern const struct nla_policy cm_tset_policy[CRYPTOMAP_TSET_A_MAX + 1];
extern const struct nla_policy cm_map_policy[CRYPTOMAP_MAP_A_MAX + 1];
extern const struct nla_policy cm_entry_policy[CRYPTOMAP_ENTRY_A_MAX + 1];
extern const struct nla_policy cm_entry_peers_policy[CRYPTOMAP_ENTRY_A_MAX + 1];
extern const struct nla_policy cm_entry_tsets_policy[CRYPTOMAP_ENTRY_A_MAX + 1];
extern const struct nla_policy cm_entry_keys_policy[CRYPTOMAP_ENTRY_A_MAX + 1];
extern const struct nla_policy cm_key_policy[CRYPTOMAP_KEY_A_MAX + 1];
extern const struct nla_policy cm_global_policy[CRYPTOMAP_GLOBAL_A_MAX + 1];
extern const struct nla_policy cm_bind_policy[CRYPTOMAP_BIND_A_MAX + 1];
extern const struct nla_policy cm_sa_policy[CRYPTOMAP_SA_A_MAX + 1];
extern const struct nla_policy cm_stats_policy[CRYPTOMAP_STATS_A_MAX + 1];

#endif /* _CM_NL_POLICY_H */
