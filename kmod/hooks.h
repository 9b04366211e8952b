/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: the netfilter hooks of the data path.
 */
#ifndef _CM_HOOKS_H
#define _CM_HOOKS_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>

struct cm_flow;
struct cm_sadb;
struct cm_spd_entry;

int cm_hooks_register(struct cm_sadb *db);
void cm_hooks_unregister(struct cm_sadb *db);

void cm_flow_from_skb(const struct sk_buff *skb, struct cm_flow *fl);

/* output.c */
bool cm_output_nested(void);
unsigned int cm_output(struct cm_sadb *db, const struct cm_spd_entry *e,
		       struct sk_buff *skb, const struct nf_hook_state *state);

/* input.c: NF_STOLEN or NF_DROP, or CM_NOT_OURS for ESP/AH not to us. */
#define CM_NOT_OURS	(-1)
bool cm_input_nested(void);
int cm_input_esp(struct cm_sadb *db, struct sk_buff *skb,
		 const struct nf_hook_state *state);

#endif /* _CM_HOOKS_H */
