// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: extended access lists (crypto ACLs).
 *
 * access-list 100-199|2000-2699 ... and ip access-list extended NAME:
 * ordered permit/deny entries, each with a unique sequence number.
 * ACL_SET replaces an ACL; with NLM_F_APPEND it adds entries to it, so
 * that ACLs too long for one message can be sent in several.  A dump
 * may split one ACL over several messages, each repeating its name.
 */
#include <linux/in.h>
#include <linux/kstrtox.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "netlink.h"
#include "nl_policy.h"

#define CM_ACL_MAX_ENTRIES	100000
#define CM_ACL_SEQ_STEP		10
#define CM_ACL_SEQ_MAX		2147483647
/* room for one ACE in a message: nest + seq + 2 x u8 + 4 x be32 + ports */
#define CM_ACE_MSG_SIZE		(nla_total_size(0) + 5 * nla_total_size(4) + \
				 4 * nla_total_size(1) + 4 * nla_total_size(2))
#define CM_ACL_REPLY_MAX	(64 * 1024)

struct cm_acl *cm_acl_find_in(const struct list_head *acls, const char *name)
{
	struct cm_acl *acl;

	list_for_each_entry(acl, acls, list)
		if (!strcmp(acl->name, name))
			return acl;
	return NULL;
}

struct cm_acl *cm_acl_find(struct cm_net *cmn, const char *name)
{
	struct cm_acl *acl;

	hash_for_each_possible(cmn->acl_hash, acl, hnode, cm_name_hash(name))
		if (!strcmp(acl->name, name))
			return acl;
	return NULL;
}

/* The copies a transaction puts back (cm_snap_restore()) are hashed. */
void cm_acls_rehash(struct cm_net *cmn)
{
	struct cm_acl *acl;

	list_for_each_entry(acl, &cmn->acls, list)
		hash_add(cmn->acl_hash, &acl->hnode, cm_name_hash(acl->name));
}

void cm_acl_free(struct cm_acl *acl)
{
	if (!acl)
		return;
	kvfree(acl->aces);
	kfree(acl);
}

void cm_acls_flush(struct cm_net *cmn)
{
	struct cm_acl *acl, *tmp;

	list_for_each_entry_safe(acl, tmp, &cmn->acls, list) {
		list_del(&acl->list);
		hash_del(&acl->hnode);
		cm_acl_free(acl);
	}
	cmn->n_acls = 0;
}

/* Numbered crypto ACLs must be extended ones: 100-199, 2000-2699. */
static bool cm_acl_name_ok(struct cm_net *cmn, const struct nlattr *attr,
			   struct netlink_ext_ack *extack)
{
	const char *name;
	u32 num;

	if (!cm_name_valid(cmn, extack, attr, "access list"))
		return false;
	name = nla_data(attr);
	if (kstrtou32(name, 10, &num))
		return true;
	if ((num >= 100 && num <= 199) || (num >= 2000 && num <= 2699))
		return true;
	cm_errf(cmn, extack,
		"access list %s: not an extended access list (100-199, 2000-2699)",
		name);
	NL_SET_BAD_ATTR(extack, attr);
	return false;
}

static int cm_ace_ports(struct cm_net *cmn, struct netlink_ext_ack *extack,
			const char *acl, u32 seq, struct nlattr **tb, int op_a,
			u8 proto, u8 *op, u16 *lo, u16 *hi)
{
	const char *which = op_a == CRYPTOMAP_ACE_A_SPORT_OP ?
			    "source" : "destination";
	struct nlattr *a_op = tb[op_a];
	struct nlattr *a_lo = tb[op_a + 1];
	struct nlattr *a_hi = tb[op_a + 2];

	*op = a_op ? nla_get_u8(a_op) : CRYPTOMAP_PORT_ANY;
	if (*op == CRYPTOMAP_PORT_ANY) {
		if (a_lo || a_hi) {
			cm_errf(cmn, extack,
				"access list %s: entry %u: %s port without a port operator",
				acl, seq, which);
			NL_SET_BAD_ATTR(extack, a_lo ?: a_hi);
			return -EINVAL;
		}
		return 0;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		cm_errf(cmn, extack,
			"access list %s: entry %u: port operator needs tcp or udp",
			acl, seq);
		NL_SET_BAD_ATTR(extack, a_op);
		return -EINVAL;
	}
	if (!a_lo) {
		cm_errf(cmn, extack, "access list %s: entry %u: %s port missing",
			acl, seq, which);
		NL_SET_BAD_ATTR(extack, a_op);
		return -EINVAL;
	}
	*lo = nla_get_u16(a_lo);
	*hi = 0;
	if (*op != CRYPTOMAP_PORT_RANGE) {
		if (a_hi) {
			cm_errf(cmn, extack,
				"access list %s: entry %u: a second %s port needs range",
				acl, seq, which);
			NL_SET_BAD_ATTR(extack, a_hi);
			return -EINVAL;
		}
		return 0;
	}
	if (!a_hi) {
		cm_errf(cmn, extack,
			"access list %s: entry %u: %s port range needs two ports",
			acl, seq, which);
		NL_SET_BAD_ATTR(extack, a_op);
		return -EINVAL;
	}
	*hi = nla_get_u16(a_hi);
	if (*lo > *hi) {
		cm_errf(cmn, extack,
			"access list %s: entry %u: range %u %u: %u is greater than %u",
			acl, seq, *lo, *hi, *lo, *hi);
		NL_SET_BAD_ATTR(extack, a_hi);
		return -EINVAL;
	}
	return 0;
}

/* No address: any; an address without a wildcard: host. */
static void cm_ace_addr(const struct nlattr *addr, const struct nlattr *wild,
			__be32 *out, __be32 *mask)
{
	*mask = 0;
	*out = 0;
	if (!addr && !wild)
		return;
	*mask = wild ? ~nla_get_be32(wild) : htonl(0xffffffff);
	if (addr)
		*out = nla_get_be32(addr) & *mask;
}

static int cm_ace_parse(struct cm_net *cmn, struct netlink_ext_ack *extack,
			const char *acl, const struct nlattr *nest,
			u32 next_seq, struct cm_ace_cfg *out)
{
	struct nlattr *tb[CRYPTOMAP_ACE_A_MAX + 1];
	struct cm_ace *a = &out->ace;
	int err;

	err = nla_parse_nested(tb, CRYPTOMAP_ACE_A_MAX, nest, cm_ace_policy,
			       extack);
	if (err)
		return err;

	memset(out, 0, sizeof(*out));
	out->seq = next_seq;
	if (tb[CRYPTOMAP_ACE_A_SEQ])
		out->seq = nla_get_u32(tb[CRYPTOMAP_ACE_A_SEQ]);
	if (out->seq > CM_ACL_SEQ_MAX) {
		cm_errf(cmn, extack,
			"access list %s: no sequence number left after %u",
			acl, next_seq - CM_ACL_SEQ_STEP);
		NL_SET_BAD_ATTR(extack, nest);
		return -ERANGE;
	}

	if (!tb[CRYPTOMAP_ACE_A_ACTION]) {
		cm_errf(cmn, extack, "access list %s: entry %u: permit or deny missing",
			acl, out->seq);
		NL_SET_BAD_ATTR(extack, nest);
		return -EINVAL;
	}
	a->action = nla_get_u8(tb[CRYPTOMAP_ACE_A_ACTION]);
	if (tb[CRYPTOMAP_ACE_A_PROTO])
		a->proto = nla_get_u8(tb[CRYPTOMAP_ACE_A_PROTO]);

	/* no address: any; an address without a wildcard: host */
	cm_ace_addr(tb[CRYPTOMAP_ACE_A_SRC_ADDR], tb[CRYPTOMAP_ACE_A_SRC_WILD],
		    &a->src, &a->smask);
	cm_ace_addr(tb[CRYPTOMAP_ACE_A_DST_ADDR], tb[CRYPTOMAP_ACE_A_DST_WILD],
		    &a->dst, &a->dmask);

	err = cm_ace_ports(cmn, extack, acl, out->seq, tb,
			   CRYPTOMAP_ACE_A_SPORT_OP, a->proto, &a->sport_op,
			   &a->sport_lo, &a->sport_hi);
	if (err)
		return err;
	return cm_ace_ports(cmn, extack, acl, out->seq, tb,
			    CRYPTOMAP_ACE_A_DPORT_OP, a->proto, &a->dport_op,
			    &a->dport_lo, &a->dport_hi);
}

static int cm_ace_cmp(const void *x, const void *y)
{
	const struct cm_ace_cfg *a = x, *b = y;

	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int cm_nl_acl_set(struct sk_buff *skb, struct genl_info *info)
{
	bool append = info->nlhdr->nlmsg_flags & NLM_F_APPEND;
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *name_a = info->attrs[CRYPTOMAP_ACL_A_NAME];
	struct nlattr *ents = info->attrs[CRYPTOMAP_ACL_A_ENTRIES];
	struct cm_acl *old, *acl = NULL;
	unsigned int n_new = 0, i, keep = 0;
	struct cm_net *cmn;
	struct nlattr *e;
	u32 next_seq;
	int rem, err;

	cmn = cm_nl_net_lock(info);
	err = -EINVAL;
	if (!cm_acl_name_ok(cmn, name_a, extack))
		goto out;
	old = cm_acl_find(cmn, nla_data(name_a));
	if (append && old)
		keep = old->n;

	if (ents)
		nla_for_each_nested(e, ents, rem)
			n_new++;
	if (keep + n_new > CM_ACL_MAX_ENTRIES) {
		cm_errf(cmn, extack, "access list %s: more than %u entries",
			(char *)nla_data(name_a), CM_ACL_MAX_ENTRIES);
		NL_SET_BAD_ATTR(extack, ents);
		err = -E2BIG;
		goto out;
	}

	err = -ENOMEM;
	acl = kzalloc(sizeof(*acl), GFP_KERNEL);
	if (!acl)
		goto out;
	nla_strscpy(acl->name, name_a, sizeof(acl->name));
	if (keep + n_new) {
		acl->aces = kvmalloc_array(keep + n_new, sizeof(*acl->aces),
					   GFP_KERNEL);
		if (!acl->aces)
			goto out;
	}
	if (keep)
		memcpy(acl->aces, old->aces, keep * sizeof(*acl->aces));
	acl->n = keep;

	next_seq = keep ? acl->aces[keep - 1].seq + CM_ACL_SEQ_STEP :
			  CM_ACL_SEQ_STEP;
	if (ents) {
		nla_for_each_nested(e, ents, rem) {
			struct cm_ace_cfg *c = &acl->aces[acl->n];

			err = cm_ace_parse(cmn, extack, acl->name, e, next_seq, c);
			if (err)
				goto out;
			acl->n++;
			if (c->seq >= next_seq)
				next_seq = c->seq + CM_ACL_SEQ_STEP;
		}
	}

	/* appended chunks of a long ACL usually come in order already */
	for (i = 1; i < acl->n; i++)
		if (acl->aces[i].seq <= acl->aces[i - 1].seq)
			break;
	if (i < acl->n)
		sort(acl->aces, acl->n, sizeof(*acl->aces), cm_ace_cmp, NULL);
	for (i = 1; i < acl->n; i++) {
		if (acl->aces[i].seq == acl->aces[i - 1].seq) {
			cm_errf(cmn, extack,
				"access list %s: entry %u: duplicate sequence number",
				acl->name, acl->aces[i].seq);
			NL_SET_BAD_ATTR(extack, ents);
			err = -EEXIST;
			goto out;
		}
	}

	if (old) {
		list_replace(&old->list, &acl->list);
		hash_del(&old->hnode);
	} else {
		list_add_tail(&acl->list, &cmn->acls);
		cmn->n_acls++;
	}
	hash_add(cmn->acl_hash, &acl->hnode, cm_name_hash(acl->name));
	err = cm_nl_commit(cmn, extack);
	if (err) {
		hash_del(&acl->hnode);
		if (old) {
			list_replace(&acl->list, &old->list);
			hash_add(cmn->acl_hash, &old->hnode,
				 cm_name_hash(old->name));
		} else {
			list_del(&acl->list);
			cmn->n_acls--;
		}
		goto out;
	}
	swap(acl, old);
out:
	mutex_unlock(&cmn->lock);
	cm_acl_free(acl);
	return err;
}

int cm_nl_acl_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name_a = info->attrs[CRYPTOMAP_ACL_A_NAME];
	struct netlink_ext_ack *extack = info->extack;
	struct list_head *prev;
	struct cm_net *cmn;
	struct cm_acl *acl;
	int err;

	cmn = cm_nl_net_lock(info);
	err = -EINVAL;
	if (!cm_name_valid(cmn, extack, name_a, "access list"))
		goto out;
	acl = cm_acl_find(cmn, nla_data(name_a));
	if (!acl) {
		cm_errf(cmn, extack, "access list %s does not exist",
			(char *)nla_data(name_a));
		NL_SET_BAD_ATTR(extack, name_a);
		err = -ENOENT;
		goto out;
	}
	prev = acl->list.prev;
	list_del(&acl->list);
	hash_del(&acl->hnode);
	cmn->n_acls--;
	err = cm_nl_commit(cmn, extack);
	if (err) {
		list_add(&acl->list, prev);
		hash_add(cmn->acl_hash, &acl->hnode, cm_name_hash(acl->name));
		cmn->n_acls++;
		goto out;
	}
	cm_acl_free(acl);
out:
	mutex_unlock(&cmn->lock);
	return err;
}

static int cm_ace_fill(struct sk_buff *msg, const struct cm_ace_cfg *c)
{
	const struct cm_ace *a = &c->ace;
	struct nlattr *nest;

	nest = nla_nest_start(msg, CRYPTOMAP_ACL_A_ENTRY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(msg, CRYPTOMAP_ACE_A_SEQ, c->seq) ||
	    nla_put_u8(msg, CRYPTOMAP_ACE_A_ACTION, a->action) ||
	    (a->proto && nla_put_u8(msg, CRYPTOMAP_ACE_A_PROTO, a->proto)) ||
	    nla_put_be32(msg, CRYPTOMAP_ACE_A_SRC_ADDR, a->src) ||
	    nla_put_be32(msg, CRYPTOMAP_ACE_A_SRC_WILD, ~a->smask) ||
	    nla_put_be32(msg, CRYPTOMAP_ACE_A_DST_ADDR, a->dst) ||
	    nla_put_be32(msg, CRYPTOMAP_ACE_A_DST_WILD, ~a->dmask))
		goto cancel;
	if (a->sport_op &&
	    (nla_put_u8(msg, CRYPTOMAP_ACE_A_SPORT_OP, a->sport_op) ||
	     nla_put_u16(msg, CRYPTOMAP_ACE_A_SPORT_LO, a->sport_lo) ||
	     (a->sport_op == CRYPTOMAP_PORT_RANGE &&
	      nla_put_u16(msg, CRYPTOMAP_ACE_A_SPORT_HI, a->sport_hi))))
		goto cancel;
	if (a->dport_op &&
	    (nla_put_u8(msg, CRYPTOMAP_ACE_A_DPORT_OP, a->dport_op) ||
	     nla_put_u16(msg, CRYPTOMAP_ACE_A_DPORT_LO, a->dport_lo) ||
	     (a->dport_op == CRYPTOMAP_PORT_RANGE &&
	      nla_put_u16(msg, CRYPTOMAP_ACE_A_DPORT_HI, a->dport_hi))))
		goto cancel;
	nla_nest_end(msg, nest);
	return 0;
cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

/*
 * Put the name and the entries from *pos on that fit; advances *pos.
 * Fails only if not even the name and one entry (if any is left) fit.
 */
static int cm_acl_fill(struct sk_buff *msg, const struct cm_acl *acl,
		       unsigned int *pos)
{
	unsigned int start = *pos;
	struct nlattr *nest;

	if (nla_put_string(msg, CRYPTOMAP_ACL_A_NAME, acl->name))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, CRYPTOMAP_ACL_A_ENTRIES);
	if (!nest)
		return -EMSGSIZE;
	while (*pos < acl->n && !cm_ace_fill(msg, &acl->aces[*pos]))
		(*pos)++;
	if (*pos == start && start < acl->n) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int cm_nl_acl_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name_a = info->attrs[CRYPTOMAP_ACL_A_NAME];
	struct netlink_ext_ack *extack = info->extack;
	struct sk_buff *msg = NULL;
	unsigned int pos = 0;
	struct cm_net *cmn;
	struct cm_acl *acl;
	size_t size;
	void *hdr;
	int err;

	cmn = cm_nl_net_lock(info);
	err = -EINVAL;
	if (!cm_name_valid(cmn, extack, name_a, "access list"))
		goto out;
	err = -ENOENT;
	acl = cm_acl_find(cmn, nla_data(name_a));
	if (!acl) {
		cm_errf(cmn, extack, "access list %s does not exist",
			(char *)nla_data(name_a));
		NL_SET_BAD_ATTR(extack, name_a);
		goto out;
	}
	size = nla_total_size(CRYPTOMAP_NAME_MAX) + nla_total_size(0) +
	       (size_t)acl->n * CM_ACE_MSG_SIZE;
	if (size > CM_ACL_REPLY_MAX) {
		cm_errf(cmn, extack,
			"access list %s: %u entries do not fit one reply, dump it",
			acl->name, acl->n);
		err = -EMSGSIZE;
		goto out;
	}
	err = -ENOMEM;
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		goto out;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &cm_genl_family, 0,
				CRYPTOMAP_CMD_ACL_GET);
	if (!hdr || cm_acl_fill(msg, acl, &pos) || pos != acl->n)
		goto out;
	genlmsg_end(msg, hdr);
	mutex_unlock(&cmn->lock);
	return cm_nl_reply(info, msg);
out:
	mutex_unlock(&cmn->lock);
	nlmsg_free(msg);
	return err;
}

/* A dump may name one ACL (CRYPTOMAP_ACL_A_NAME) to get only that one. */
int cm_nl_acl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cm_net *cmn = cm_net(sock_net(cb->skb->sk));
	struct nlattr *filter = cm_dump_attrs(cb)[CRYPTOMAP_ACL_A_NAME];
	unsigned long idx = 0;
	struct cm_acl *acl;

	mutex_lock(&cmn->lock);
	cb->seq = cmn->genid;
	list_for_each_entry(acl, &cmn->acls, list) {
		if (idx++ < cb->args[CM_CB_OBJ])
			continue;
		if (filter && nla_strcmp(filter, acl->name)) {
			cb->args[CM_CB_OBJ]++;
			continue;
		}
		do {
			unsigned int pos = cb->args[CM_CB_SUB];
			void *hdr;

			hdr = cm_nl_put_hdr(skb, cb, cmn, CRYPTOMAP_CMD_ACL_GET, 0);
			if (!hdr)
				goto out;
			if (cm_acl_fill(skb, acl, &pos)) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[CM_CB_SUB] = pos;
		} while (cb->args[CM_CB_SUB] < acl->n);
		cb->args[CM_CB_SUB] = 0;
		cb->args[CM_CB_OBJ]++;
	}
out:
	mutex_unlock(&cmn->lock);
	return skb->len;
}
