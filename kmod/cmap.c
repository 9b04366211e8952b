// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: crypto maps and their entries.
 *
 * crypto map NAME local-address IF           (MAP_*)
 * crypto map NAME SEQ {ipsec-isakmp|ipsec-manual} and its set/match
 * lines                                      (ENTRY_*)
 *
 * An entry names its ACL and transform sets; they are looked up when the
 * policy is compiled, so an entry may be configured before them and stays
 * inactive until they exist, as in IOS.
 */
#include <linux/in.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "netlink.h"
#include "nl_policy.h"

struct cm_map *cm_map_find(struct cm_net *cmn, const char *name)
{
	struct cm_map *map;

	hash_for_each_possible(cmn->map_hash, map, hnode, cm_name_hash(name))
		if (!strcmp(map->name, name))
			return map;
	return NULL;
}

struct cm_entry *cm_entry_find(struct cm_map *map, u32 seq)
{
	struct cm_entry *e;

	/* a file adds entries in seq order: the last one first */
	if (list_empty(&map->entries))
		return NULL;
	e = list_last_entry(&map->entries, struct cm_entry, list);
	if (e->seq < seq)
		return NULL;
	list_for_each_entry(e, &map->entries, list)
		if (e->seq == seq)
			return e;
	return NULL;
}

void cm_entry_free(struct cm_entry *e)
{
	if (!e)
		return;
	kfree_sensitive(e->keys);
	kfree(e);
}

void cm_map_free(struct cm_map *map)
{
	struct cm_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, &map->entries, list) {
		list_del(&e->list);
		cm_entry_free(e);
	}
	kfree(map);
}

static void cm_spi_index_free(struct cm_spi_index *ix)
{
	kvfree(ix->buckets);
	kvfree(ix->nodes);
	memset(ix, 0, sizeof(*ix));
}

void cm_maps_flush(struct cm_net *cmn)
{
	struct cm_map *map, *tmp;

	list_for_each_entry_safe(map, tmp, &cmn->maps, list) {
		list_del(&map->list);
		hash_del(&map->hnode);
		cm_map_free(map);
	}
	cmn->n_maps = 0;
	cm_spi_index_free(&cmn->spi_ix);
}

/* The copies a transaction puts back (cm_snap_restore()) are hashed. */
void cm_maps_rehash(struct cm_net *cmn)
{
	struct cm_map *map;

	list_for_each_entry(map, &cmn->maps, list)
		hash_add(cmn->map_hash, &map->hnode, cm_name_hash(map->name));
}

static struct cm_map *cm_map_new(struct cm_net *cmn, const char *name)
{
	struct cm_map *map = kzalloc(sizeof(*map), GFP_KERNEL);

	if (!map)
		return NULL;
	strscpy(map->name, name, sizeof(map->name));
	INIT_LIST_HEAD(&map->entries);
	list_add_tail(&map->list, &cmn->maps);
	hash_add(cmn->map_hash, &map->hnode, cm_name_hash(map->name));
	cmn->n_maps++;
	return map;
}

static void cm_map_unlink(struct cm_net *cmn, struct cm_map *map)
{
	list_del(&map->list);
	hash_del(&map->hnode);
	cmn->n_maps--;
}

/* undo cm_map_unlink(): back after prev in the list */
static void cm_map_relink(struct cm_net *cmn, struct cm_map *map,
			  struct list_head *prev)
{
	list_add(&map->list, prev);
	hash_add(cmn->map_hash, &map->hnode, cm_name_hash(map->name));
	cmn->n_maps++;
}

/* ---- MAP_* ---- */

static bool cm_ifname_valid(struct cm_net *cmn, struct netlink_ext_ack *extack,
			    const char *map, const struct nlattr *attr)
{
	const char *name = nla_data(attr);

	if (!*name || dev_valid_name(name))
		return true;
	cm_errf(cmn, extack,
		"crypto map %s local-address %s: not a valid interface name",
		map, name);
	NL_SET_BAD_ATTR(extack, attr);
	return false;
}

int cm_nl_map_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name_a = info->attrs[CRYPTOMAP_MAP_A_NAME];
	struct nlattr *if_a = info->attrs[CRYPTOMAP_MAP_A_LOCAL_IFNAME];
	char old_if[IFNAMSIZ];
	bool created = false;
	struct cm_map *map;
	struct cm_net *cmn;
	int err;

	cmn = cm_nl_net_lock(info);
	err = -EINVAL;
	if (!cm_name_valid(cmn, info->extack, name_a, "crypto map"))
		goto out;
	if (if_a && !cm_ifname_valid(cmn, info->extack, nla_data(name_a), if_a))
		goto out;

	map = cm_map_find(cmn, nla_data(name_a));
	if (!map) {
		err = -ENOMEM;
		map = cm_map_new(cmn, nla_data(name_a));
		if (!map)
			goto out;
		created = true;
	}
	strscpy(old_if, map->local_ifname, sizeof(old_if));
	if (if_a)
		nla_strscpy(map->local_ifname, if_a, sizeof(map->local_ifname));
	else
		map->local_ifname[0] = '\0';

	err = cm_nl_commit(cmn, info->extack);
	if (err) {
		if (created) {
			cm_map_unlink(cmn, map);
			cm_map_free(map);
		} else {
			strscpy(map->local_ifname, old_if,
				sizeof(map->local_ifname));
		}
	}
out:
	mutex_unlock(&cmn->lock);
	return err;
}

static struct cm_map *cm_map_lookup(struct cm_net *cmn,
				    struct netlink_ext_ack *extack,
				    const struct nlattr *name_a)
{
	struct cm_map *map;

	if (!cm_name_valid(cmn, extack, name_a, "crypto map"))
		return ERR_PTR(-EINVAL);
	map = cm_map_find(cmn, nla_data(name_a));
	if (!map) {
		cm_errf(cmn, extack, "crypto map %s does not exist",
			(char *)nla_data(name_a));
		NL_SET_BAD_ATTR(extack, name_a);
		return ERR_PTR(-ENOENT);
	}
	return map;
}

int cm_nl_map_del(struct sk_buff *skb, struct genl_info *info)
{
	struct list_head *prev;
	struct cm_map *map;
	struct cm_net *cmn;
	int err;

	cmn = cm_nl_net_lock(info);
	map = cm_map_lookup(cmn, info->extack,
			    info->attrs[CRYPTOMAP_MAP_A_NAME]);
	if (IS_ERR(map)) {
		err = PTR_ERR(map);
		goto out;
	}
	prev = map->list.prev;
	cm_map_unlink(cmn, map);
	err = cm_nl_commit(cmn, info->extack);
	if (err) {
		cm_map_relink(cmn, map, prev);
		goto out;
	}
	cm_map_free(map);
out:
	mutex_unlock(&cmn->lock);
	return err;
}

static int cm_map_fill(struct sk_buff *msg, const struct cm_map *map)
{
	if (nla_put_string(msg, CRYPTOMAP_MAP_A_NAME, map->name) ||
	    nla_put_string(msg, CRYPTOMAP_MAP_A_LOCAL_IFNAME,
			   map->local_ifname))
		return -EMSGSIZE;
	return 0;
}

int cm_nl_map_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = NULL;
	struct cm_map *map;
	struct cm_net *cmn;
	void *hdr;
	int err;

	cmn = cm_nl_net_lock(info);
	map = cm_map_lookup(cmn, info->extack,
			    info->attrs[CRYPTOMAP_MAP_A_NAME]);
	if (IS_ERR(map)) {
		err = PTR_ERR(map);
		goto out;
	}
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &cm_genl_family, 0,
				CRYPTOMAP_CMD_MAP_GET);
	if (!hdr || cm_map_fill(msg, map))
		goto out;
	genlmsg_end(msg, hdr);
	mutex_unlock(&cmn->lock);
	return cm_nl_reply(info, msg);
out:
	mutex_unlock(&cmn->lock);
	nlmsg_free(msg);
	return err;
}

int cm_nl_map_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cm_net *cmn = cm_net(sock_net(cb->skb->sk));
	unsigned long idx = 0;
	struct cm_map *map;

	mutex_lock(&cmn->lock);
	cb->seq = cmn->genid;
	list_for_each_entry(map, &cmn->maps, list) {
		void *hdr;

		if (idx++ < cb->args[CM_CB_OBJ])
			continue;
		hdr = cm_nl_put_hdr(skb, cb, cmn, CRYPTOMAP_CMD_MAP_GET, 0);
		if (!hdr)
			break;
		if (cm_map_fill(skb, map)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[CM_CB_OBJ]++;
	}
	mutex_unlock(&cmn->lock);
	return skb->len;
}

/* ---- ENTRY_* ---- */

static bool cm_pfs_valid(u8 group)
{
	switch (group) {
	case 0: case 1: case 2: case 5: case 14: case 15: case 16:
	case 19: case 20: case 21: case 24:
		return true;
	}
	return false;
}

struct cm_entry_ctx {
	struct cm_net *cmn;
	struct netlink_ext_ack *extack;
	const char *map;
	u32 seq;
};

#define cm_entry_err(c, attr, fmt, ...) do {				\
	cm_errf((c)->cmn, (c)->extack, "crypto map %s %u: " fmt,	\
		(c)->map, (c)->seq, ##__VA_ARGS__);			\
	NL_SET_BAD_ATTR((c)->extack, attr);				\
} while (0)

static int cm_entry_peers(struct cm_entry_ctx *c, const struct nlattr *nest,
			  struct cm_entry *e)
{
	const struct nlattr *a;
	unsigned int i;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		__be32 peer = nla_get_be32(a);

		if (e->n_peers == CRYPTOMAP_MAX_PEERS) {
			cm_entry_err(c, a, "set peer takes at most %u peers",
				     CRYPTOMAP_MAX_PEERS);
			return -E2BIG;
		}
		if (ipv4_is_zeronet(peer) || ipv4_is_multicast(peer) ||
		    ipv4_is_lbcast(peer) || ipv4_is_loopback(peer)) {
			cm_entry_err(c, a, "set peer %pI4: not a unicast address",
				     &peer);
			return -EINVAL;
		}
		for (i = 0; i < e->n_peers; i++) {
			if (e->peers[i] == peer) {
				cm_entry_err(c, a, "set peer %pI4 is given twice",
					     &peer);
				return -EINVAL;
			}
		}
		e->peers[e->n_peers++] = peer;
	}
	return 0;
}

static int cm_entry_tsets(struct cm_entry_ctx *c, const struct nlattr *nest,
			  struct cm_entry *e)
{
	const struct nlattr *a;
	unsigned int i;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		if (e->n_tsets == CRYPTOMAP_MAX_TSETS) {
			cm_entry_err(c, a,
				     "set transform-set takes at most %u transform sets",
				     CRYPTOMAP_MAX_TSETS);
			return -E2BIG;
		}
		if (!cm_name_valid(c->cmn, c->extack, a, "transform set"))
			return -EINVAL;
		for (i = 0; i < e->n_tsets; i++) {
			if (!nla_strcmp(a, e->tsets[i])) {
				cm_entry_err(c, a,
					     "transform set %s is given twice",
					     e->tsets[i]);
				return -EINVAL;
			}
		}
		nla_strscpy(e->tsets[e->n_tsets++], a, CRYPTOMAP_NAME_MAX);
	}
	return 0;
}

static const char *cm_proto_name(u8 proto)
{
	return proto == IPPROTO_AH ? "ah" : "esp";
}

static const char *cm_dir_name(u8 dir)
{
	return dir == CRYPTOMAP_DIR_IN ? "inbound" : "outbound";
}

/* A key's length against what the transform needs (0: no key). */
static int cm_key_len_check(struct cm_entry_ctx *c, const struct nlattr *a,
			    unsigned int have, unsigned int need,
			    const char *what, const char *transform)
{
	if (have == need)
		return 0;
	if (!need)
		cm_entry_err(c, a, "%s takes no %s key", transform, what);
	else if (!have)
		cm_entry_err(c, a, "%s key missing for %s (%u bytes)",
			     what, transform, need);
	else
		cm_entry_err(c, a, "session key too %s for %s (%u bytes needed)",
			     have < need ? "short" : "long", transform, need);
	return -EINVAL;
}

static int cm_key_vs_tset(struct cm_entry_ctx *c, const struct nlattr *a,
			  const struct cm_session_key *k,
			  const struct cm_tset_params *p)
{
	static const char * const hmacs[] = {
		"", "md5-hmac", "sha-hmac", "sha256-hmac", "sha384-hmac",
		"sha512-hmac",
	};
	char name[24];
	int err;

	if (k->proto == IPPROTO_AH) {
		if (!p->ah) {
			cm_entry_err(c, a,
				     "transform set %s has no AH transform for an ah session key",
				     p->name);
			return -EINVAL;
		}
		snprintf(name, sizeof(name), "ah-%s", hmacs[p->ah]);
		return cm_key_len_check(c, a, k->auth_len, cm_tset_ah_len(p),
					"authenticator", name);
	}
	if (!p->esp_enc && !p->esp_auth) {
		cm_entry_err(c, a,
			     "transform set %s has no ESP transform for an esp session key",
			     p->name);
		return -EINVAL;
	}
	err = cm_key_len_check(c, a, k->cipher_len, cm_tset_cipher_len(p),
			       "cipher", p->esp_enc ?
			       cm_esp_enc_name(p->esp_enc) : "ESP without encryption");
	if (err)
		return err;
	snprintf(name, sizeof(name), "esp-%s", hmacs[p->esp_auth]);
	return cm_key_len_check(c, a, k->auth_len, cm_tset_esp_auth_len(p),
				"authenticator", p->esp_auth ? name :
				cm_esp_enc_name(p->esp_enc));
}

/*
 * The inbound SPI index (struct cm_spi_index): one node per inbound key
 * of a manual entry, chained per bucket of (proto, spi).  It replaces a
 * walk of every entry for every key of every ENTRY_SET, which made a file
 * of N manual entries cost N^2.
 */
static u32 cm_spi_bucket(const struct cm_spi_index *ix, u8 proto, u32 spi)
{
	return jhash_2words(spi, proto, 0) & ix->mask;
}

static void cm_spi_index_add(struct cm_spi_index *ix, const struct cm_map *map,
			     const struct cm_entry *e)
{
	unsigned int i;

	for (i = 0; i < e->n_keys; i++) {
		const struct cm_session_key *k = &e->keys[i];
		struct cm_spi_node *n;
		u32 b;

		if (k->dir != CRYPTOMAP_DIR_IN)
			continue;
		if (ix->n == ix->cap) {	/* the caller made room */
			ix->valid = false;
			return;
		}
		n = &ix->nodes[ix->n++];
		n->spi = k->spi;
		n->proto = k->proto;
		n->e = e;
		n->map = map;
		b = cm_spi_bucket(ix, k->proto, k->spi);
		n->next = ix->buckets[b];
		ix->buckets[b] = ix->n;
	}
}

static unsigned int cm_entry_in_keys(const struct cm_entry *e)
{
	unsigned int i, n = 0;

	for (i = 0; i < e->n_keys; i++)
		n += e->keys[i].dir == CRYPTOMAP_DIR_IN;
	return n;
}

/* Build the index from the entries for @want more keys; false: no memory. */
static bool cm_spi_index_build(struct cm_net *cmn, unsigned int want)
{
	struct cm_spi_index *ix = &cmn->spi_ix;
	const struct cm_entry *e;
	const struct cm_map *map;
	u32 n = want, cap, nb;

	list_for_each_entry(map, &cmn->maps, list)
		list_for_each_entry(e, &map->entries, list)
			n += cm_entry_in_keys(e);
	cap = max_t(u32, 64, 2 * n);
	nb = roundup_pow_of_two(cap);
	cm_spi_index_free(ix);
	ix->nodes = kvmalloc_array(cap, sizeof(*ix->nodes), GFP_KERNEL);
	ix->buckets = kvcalloc(nb, sizeof(*ix->buckets), GFP_KERNEL);
	if (!ix->nodes || !ix->buckets) {
		cm_spi_index_free(ix);
		return false;
	}
	ix->cap = cap;
	ix->mask = nb - 1;
	ix->valid = true;
	list_for_each_entry(map, &cmn->maps, list)
		list_for_each_entry(e, &map->entries, list)
			cm_spi_index_add(ix, map, e);
	ix->genid = cmn->genid;
	return ix->valid;
}

static bool cm_spi_index_ready(struct cm_net *cmn)
{
	struct cm_spi_index *ix = &cmn->spi_ix;

	if (ix->valid && ix->genid == cmn->genid)
		return true;
	return cm_spi_index_build(cmn, 0);
}

/*
 * After a successful ENTRY_SET (cm_nl_commit() bumped genid once): @old
 * was replaced by @e in @map.  An index that was current before the
 * change is brought up to date; otherwise it is built on next use.
 */
static void cm_spi_index_replace(struct cm_net *cmn, const struct cm_map *map,
				 const struct cm_entry *old,
				 const struct cm_entry *e)
{
	struct cm_spi_index *ix = &cmn->spi_ix;
	unsigned int i;

	if (!ix->valid || ix->genid + 1 != cmn->genid)
		goto stale;
	for (i = 0; old && i < old->n_keys; i++) {
		const struct cm_session_key *k = &old->keys[i];
		u32 j;

		if (k->dir != CRYPTOMAP_DIR_IN)
			continue;
		j = ix->buckets[cm_spi_bucket(ix, k->proto, k->spi)];
		for (; j; j = ix->nodes[j - 1].next)
			if (ix->nodes[j - 1].e == old)
				ix->nodes[j - 1].e = NULL;
	}
	if (ix->n + cm_entry_in_keys(e) > ix->cap &&
	    !cm_spi_index_build(cmn, cm_entry_in_keys(e)))
		return;
	if (ix->genid == cmn->genid)	/* just built: e is in it */
		return;
	cm_spi_index_add(ix, map, e);
	if (!ix->valid)
		goto stale;
	ix->genid = cmn->genid;
	return;
stale:
	ix->valid = false;
}

/* Is an inbound SPI already taken by another manual entry in this netns? */
static const struct cm_entry *cm_spi_user(struct cm_net *cmn,
					  const struct cm_session_key *k,
					  const char *skip_map, u32 skip_seq,
					  const char **map_name)
{
	const struct cm_spi_index *ix = &cmn->spi_ix;
	const struct cm_map *map;
	const struct cm_entry *e;
	unsigned int i;
	u32 j;

	if (cm_spi_index_ready(cmn)) {
		j = ix->buckets[cm_spi_bucket(ix, k->proto, k->spi)];
		for (; j; j = ix->nodes[j - 1].next) {
			const struct cm_spi_node *n = &ix->nodes[j - 1];

			if (!n->e || n->spi != k->spi || n->proto != k->proto)
				continue;
			if (n->e->seq == skip_seq && !strcmp(n->map->name, skip_map))
				continue;
			*map_name = n->map->name;
			return n->e;
		}
		return NULL;
	}

	/* no memory for the index: the walk */
	list_for_each_entry(map, &cmn->maps, list) {
		list_for_each_entry(e, &map->entries, list) {
			if (e->seq == skip_seq && !strcmp(map->name, skip_map))
				continue;
			for (i = 0; i < e->n_keys; i++) {
				if (e->keys[i].dir == CRYPTOMAP_DIR_IN &&
				    e->keys[i].proto == k->proto &&
				    e->keys[i].spi == k->spi) {
					*map_name = map->name;
					return e;
				}
			}
		}
	}
	return NULL;
}

static int cm_entry_keys(struct cm_entry_ctx *c, const struct nlattr *nest,
			 struct cm_entry *e)
{
	struct nlattr *tb[CRYPTOMAP_KEY_A_MAX + 1];
	const struct cm_tset *ts = NULL;
	const struct nlattr *a;
	unsigned int i;
	int rem, err;

	if (e->type != CRYPTOMAP_TYPE_MANUAL) {
		cm_entry_err(c, nest, "set session-key needs ipsec-manual");
		return -EINVAL;
	}
	e->keys = kcalloc(CM_MAX_KEYS, sizeof(*e->keys), GFP_KERNEL);
	if (!e->keys)
		return -ENOMEM;
	if (e->n_tsets)
		ts = cm_tset_find(c->cmn, e->tsets[0]);

	nla_for_each_nested(a, nest, rem) {
		struct cm_session_key *k = &e->keys[e->n_keys];
		const struct cm_entry *other;
		const char *other_map;

		err = nla_parse_nested(tb, CRYPTOMAP_KEY_A_MAX, a,
				       cm_key_policy, c->extack);
		if (err)
			return err;
		if (!tb[CRYPTOMAP_KEY_A_DIR] || !tb[CRYPTOMAP_KEY_A_PROTO] ||
		    !tb[CRYPTOMAP_KEY_A_SPI]) {
			cm_entry_err(c, a,
				     "set session-key needs a direction, esp or ah, and an SPI");
			return -EINVAL;
		}
		k->dir = nla_get_u8(tb[CRYPTOMAP_KEY_A_DIR]);
		k->proto = nla_get_u8(tb[CRYPTOMAP_KEY_A_PROTO]);
		k->spi = nla_get_u32(tb[CRYPTOMAP_KEY_A_SPI]);
		/* IPPROTO_COMP keys (a CPI) are for SA_ADD only */
		if (k->proto != IPPROTO_ESP && k->proto != IPPROTO_AH) {
			cm_entry_err(c, tb[CRYPTOMAP_KEY_A_PROTO],
				     "set session-key is esp or ah, not protocol %u",
				     k->proto);
			return -EINVAL;
		}
		for (i = 0; i < e->n_keys; i++) {
			if (e->keys[i].dir == k->dir &&
			    e->keys[i].proto == k->proto) {
				cm_entry_err(c, a,
					     "set session-key %s %s is given twice",
					     cm_dir_name(k->dir),
					     cm_proto_name(k->proto));
				return -EINVAL;
			}
		}
		if (tb[CRYPTOMAP_KEY_A_CIPHER]) {
			if (k->proto == IPPROTO_AH) {
				cm_entry_err(c, tb[CRYPTOMAP_KEY_A_CIPHER],
					     "an ah session key takes no cipher key");
				return -EINVAL;
			}
			k->cipher_len = nla_len(tb[CRYPTOMAP_KEY_A_CIPHER]);
			nla_memcpy(k->cipher, tb[CRYPTOMAP_KEY_A_CIPHER],
				   sizeof(k->cipher));
		}
		if (tb[CRYPTOMAP_KEY_A_AUTH]) {
			k->auth_len = nla_len(tb[CRYPTOMAP_KEY_A_AUTH]);
			nla_memcpy(k->auth, tb[CRYPTOMAP_KEY_A_AUTH],
				   sizeof(k->auth));
		}
		if (!k->cipher_len && !k->auth_len) {
			cm_entry_err(c, a, "set session-key %s %s %u: no key",
				     cm_dir_name(k->dir),
				     cm_proto_name(k->proto), k->spi);
			return -EINVAL;
		}
		if (k->dir == CRYPTOMAP_DIR_IN) {
			other = cm_spi_user(c->cmn, k, c->map, c->seq,
					    &other_map);
			if (other) {
				cm_entry_err(c, tb[CRYPTOMAP_KEY_A_SPI],
					     "inbound %s SPI %u is already used by crypto map %s %u",
					     cm_proto_name(k->proto), k->spi,
					     other_map, other->seq);
				return -EEXIST;
			}
		}
		if (ts) {
			err = cm_key_vs_tset(c, a, k, &ts->p);
			if (err)
				return err;
		}
		e->n_keys++;
	}
	return 0;
}

static int cm_entry_parse(struct cm_entry_ctx *c, struct nlattr **tb,
			  struct cm_entry *e)
{
	bool manual;
	int err;

	e->seq = c->seq;
	e->type = CRYPTOMAP_TYPE_ISAKMP;
	if (tb[CRYPTOMAP_ENTRY_A_TYPE])
		e->type = nla_get_u8(tb[CRYPTOMAP_ENTRY_A_TYPE]);
	manual = e->type == CRYPTOMAP_TYPE_MANUAL;

	if (tb[CRYPTOMAP_ENTRY_A_ACL]) {
		const char *acl = nla_data(tb[CRYPTOMAP_ENTRY_A_ACL]);
		u32 num;

		if (!cm_name_valid(c->cmn, c->extack, tb[CRYPTOMAP_ENTRY_A_ACL],
				   "access list"))
			return -EINVAL;
		if (!kstrtou32(acl, 10, &num) &&
		    !((num >= 100 && num <= 199) || (num >= 2000 && num <= 2699))) {
			cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_ACL],
				     "match address %s: not an extended access list (100-199, 2000-2699)",
				     acl);
			return -EINVAL;
		}
		strscpy(e->acl, acl, sizeof(e->acl));
	}
	if (tb[CRYPTOMAP_ENTRY_A_PEERS]) {
		err = cm_entry_peers(c, tb[CRYPTOMAP_ENTRY_A_PEERS], e);
		if (err)
			return err;
	}
	if (manual && e->n_peers > 1) {
		cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_PEERS],
			     "ipsec-manual takes one peer");
		return -EINVAL;
	}
	if (tb[CRYPTOMAP_ENTRY_A_TSETS]) {
		err = cm_entry_tsets(c, tb[CRYPTOMAP_ENTRY_A_TSETS], e);
		if (err)
			return err;
	}
	if (manual && e->n_tsets > 1) {
		cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_TSETS],
			     "ipsec-manual takes one transform set");
		return -EINVAL;
	}

	if (tb[CRYPTOMAP_ENTRY_A_PFS]) {
		e->pfs = nla_get_u8(tb[CRYPTOMAP_ENTRY_A_PFS]);
		if (!cm_pfs_valid(e->pfs)) {
			cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_PFS],
				     "set pfs group%u: not a supported DH group",
				     e->pfs);
			return -EINVAL;
		}
		if (manual && e->pfs) {
			cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_PFS],
				     "ipsec-manual takes no set pfs");
			return -EINVAL;
		}
	}
	if (tb[CRYPTOMAP_ENTRY_A_LIFE_SEC])
		e->life_sec = nla_get_u32(tb[CRYPTOMAP_ENTRY_A_LIFE_SEC]);
	if (tb[CRYPTOMAP_ENTRY_A_LIFE_KB])
		e->life_kb = nla_get_u32(tb[CRYPTOMAP_ENTRY_A_LIFE_KB]);
	if (tb[CRYPTOMAP_ENTRY_A_IDLE_TIME])
		e->idle_time = nla_get_u32(tb[CRYPTOMAP_ENTRY_A_IDLE_TIME]);
	if (manual && (e->life_sec || e->life_kb || e->idle_time)) {
		cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_LIFE_SEC] ?:
			     tb[CRYPTOMAP_ENTRY_A_LIFE_KB] ?:
			     tb[CRYPTOMAP_ENTRY_A_IDLE_TIME],
			     "ipsec-manual SAs never expire: no lifetime or idle-time");
		return -EINVAL;
	}

	if (tb[CRYPTOMAP_ENTRY_A_REPLAY_MODE])
		e->replay_mode = nla_get_u8(tb[CRYPTOMAP_ENTRY_A_REPLAY_MODE]);
	if (tb[CRYPTOMAP_ENTRY_A_REPLAY_WINDOW]) {
		e->replay_window = nla_get_u32(tb[CRYPTOMAP_ENTRY_A_REPLAY_WINDOW]);
		if (e->replay_mode != CRYPTOMAP_REPLAY_WINDOW) {
			cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_REPLAY_WINDOW],
				     "a replay window size needs replay window-size");
			return -EINVAL;
		}
		if (!is_power_of_2(e->replay_window)) {
			cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_REPLAY_WINDOW],
				     "replay window-size %u: must be 64, 128, 256, 512 or 1024",
				     e->replay_window);
			return -EINVAL;
		}
	} else if (e->replay_mode == CRYPTOMAP_REPLAY_WINDOW) {
		cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_REPLAY_MODE],
			     "replay window-size needs a size");
		return -EINVAL;
	}

	e->esn = nla_get_flag(tb[CRYPTOMAP_ENTRY_A_ESN]);
	if (e->esn && !manual) {
		cm_entry_err(c, tb[CRYPTOMAP_ENTRY_A_ESN],
			     "set security-association esn needs ipsec-manual (IKEv2 negotiates ESN itself)");
		return -EINVAL;
	}

	if (tb[CRYPTOMAP_ENTRY_A_KEYS]) {
		err = cm_entry_keys(c, tb[CRYPTOMAP_ENTRY_A_KEYS], e);
		if (err)
			return err;
	}
	return 0;
}

static void cm_entry_insert(struct cm_map *map, struct cm_entry *e)
{
	struct cm_entry *pos;

	/* a file adds entries in seq order: after the last one */
	if (list_empty(&map->entries) ||
	    list_last_entry(&map->entries, struct cm_entry, list)->seq < e->seq) {
		list_add_tail(&e->list, &map->entries);
		goto out;
	}
	list_for_each_entry(pos, &map->entries, list) {
		if (pos->seq > e->seq) {
			list_add_tail(&e->list, &pos->list);
			goto out;
		}
	}
	list_add_tail(&e->list, &map->entries);
out:
	map->n_entries++;
}

int cm_nl_entry_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct cm_entry_ctx c = { .extack = info->extack };
	struct cm_entry *old, *e = NULL;
	struct cm_map *map = NULL;
	bool created = false;
	int err;

	c.cmn = cm_nl_net_lock(info);
	err = -EINVAL;
	if (!cm_name_valid(c.cmn, c.extack, tb[CRYPTOMAP_ENTRY_A_MAP],
			   "crypto map"))
		goto out;
	c.map = nla_data(tb[CRYPTOMAP_ENTRY_A_MAP]);
	if (!tb[CRYPTOMAP_ENTRY_A_SEQ]) {
		cm_errf(c.cmn, c.extack, "crypto map %s: sequence number missing",
			c.map);
		goto out;
	}
	c.seq = nla_get_u32(tb[CRYPTOMAP_ENTRY_A_SEQ]);

	err = -ENOMEM;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		goto out;
	err = cm_entry_parse(&c, tb, e);
	if (err)
		goto out;

	map = cm_map_find(c.cmn, c.map);
	if (!map) {
		err = -ENOMEM;
		map = cm_map_new(c.cmn, c.map);
		if (!map)
			goto out;
		created = true;
	}
	old = cm_entry_find(map, c.seq);
	if (old)
		list_replace(&old->list, &e->list);
	else
		cm_entry_insert(map, e);

	err = cm_nl_commit(c.cmn, c.extack);
	if (err) {
		if (old) {
			list_replace(&e->list, &old->list);
		} else {
			list_del(&e->list);
			map->n_entries--;
		}
		if (created) {
			cm_map_unlink(c.cmn, map);
			cm_map_free(map);
		}
		goto out;
	}
	cm_spi_index_replace(c.cmn, map, old, e);
	e = old;
out:
	mutex_unlock(&c.cmn->lock);
	cm_entry_free(e);
	return err;
}

static struct cm_entry *cm_entry_lookup(struct cm_net *cmn, struct genl_info *info,
					struct cm_map **mapp)
{
	struct nlattr *seq_a = info->attrs[CRYPTOMAP_ENTRY_A_SEQ];
	struct cm_entry *e;
	struct cm_map *map;

	map = cm_map_lookup(cmn, info->extack,
			    info->attrs[CRYPTOMAP_ENTRY_A_MAP]);
	if (IS_ERR(map))
		return ERR_CAST(map);
	if (!seq_a) {
		cm_errf(cmn, info->extack, "crypto map %s: sequence number missing",
			map->name);
		return ERR_PTR(-EINVAL);
	}
	e = cm_entry_find(map, nla_get_u32(seq_a));
	if (!e) {
		cm_errf(cmn, info->extack, "crypto map %s %u does not exist",
			map->name, nla_get_u32(seq_a));
		NL_SET_BAD_ATTR(info->extack, seq_a);
		return ERR_PTR(-ENOENT);
	}
	*mapp = map;
	return e;
}

/* Deleting the last entry of a map without local-address deletes the map. */
int cm_nl_entry_del(struct sk_buff *skb, struct genl_info *info)
{
	struct list_head *prev, *map_prev = NULL;
	struct cm_map *map = NULL;
	struct cm_entry *e;
	struct cm_net *cmn;
	int err;

	cmn = cm_nl_net_lock(info);
	e = cm_entry_lookup(cmn, info, &map);
	if (IS_ERR(e)) {
		err = PTR_ERR(e);
		goto out;
	}
	prev = e->list.prev;
	list_del(&e->list);
	map->n_entries--;
	if (!map->n_entries && !map->local_ifname[0]) {
		map_prev = map->list.prev;
		cm_map_unlink(cmn, map);
	}
	err = cm_nl_commit(cmn, info->extack);
	if (err) {
		if (map_prev)
			cm_map_relink(cmn, map, map_prev);
		list_add(&e->list, prev);
		map->n_entries++;
		goto out;
	}
	cm_entry_free(e);
	if (map_prev)
		cm_map_free(map);
out:
	mutex_unlock(&cmn->lock);
	return err;
}

static int cm_entry_fill(struct sk_buff *msg, struct cm_net *cmn,
			 const struct cm_map *map, const struct cm_entry *e)
{
	const struct cm_spd_entry *se;
	const struct cm_spd *spd;
	struct nlattr *nest, *k;
	unsigned int i;

	spd = rcu_dereference_protected(cmn->spd, lockdep_is_held(&cmn->lock));
	se = cm_spd_entry_find(spd, map->name, e->seq);

	if (nla_put_string(msg, CRYPTOMAP_ENTRY_A_MAP, map->name) ||
	    nla_put_u32(msg, CRYPTOMAP_ENTRY_A_SEQ, e->seq) ||
	    nla_put_u8(msg, CRYPTOMAP_ENTRY_A_TYPE, e->type) ||
	    (e->acl[0] && nla_put_string(msg, CRYPTOMAP_ENTRY_A_ACL, e->acl)))
		return -EMSGSIZE;

	nest = nla_nest_start(msg, CRYPTOMAP_ENTRY_A_PEERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < e->n_peers; i++)
		if (nla_put_be32(msg, CRYPTOMAP_ENTRY_A_PEER, e->peers[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);

	nest = nla_nest_start(msg, CRYPTOMAP_ENTRY_A_TSETS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < e->n_tsets; i++)
		if (nla_put_string(msg, CRYPTOMAP_ENTRY_A_TSET, e->tsets[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);

	if ((e->pfs && nla_put_u8(msg, CRYPTOMAP_ENTRY_A_PFS, e->pfs)) ||
	    (e->life_sec &&
	     nla_put_u32(msg, CRYPTOMAP_ENTRY_A_LIFE_SEC, e->life_sec)) ||
	    (e->life_kb &&
	     nla_put_u32(msg, CRYPTOMAP_ENTRY_A_LIFE_KB, e->life_kb)) ||
	    (e->idle_time &&
	     nla_put_u32(msg, CRYPTOMAP_ENTRY_A_IDLE_TIME, e->idle_time)) ||
	    nla_put_u8(msg, CRYPTOMAP_ENTRY_A_REPLAY_MODE, e->replay_mode) ||
	    (e->replay_mode == CRYPTOMAP_REPLAY_WINDOW &&
	     nla_put_u32(msg, CRYPTOMAP_ENTRY_A_REPLAY_WINDOW,
			 e->replay_window)) ||
	    (e->esn && nla_put_flag(msg, CRYPTOMAP_ENTRY_A_ESN)))
		return -EMSGSIZE;

	/* the keys themselves never leave the kernel */
	if (e->n_keys) {
		nest = nla_nest_start(msg, CRYPTOMAP_ENTRY_A_KEYS);
		if (!nest)
			return -EMSGSIZE;
		for (i = 0; i < e->n_keys; i++) {
			const struct cm_session_key *key = &e->keys[i];

			k = nla_nest_start(msg, CRYPTOMAP_ENTRY_A_KEY);
			if (!k ||
			    nla_put_u8(msg, CRYPTOMAP_KEY_A_DIR, key->dir) ||
			    nla_put_u8(msg, CRYPTOMAP_KEY_A_PROTO, key->proto) ||
			    nla_put_u32(msg, CRYPTOMAP_KEY_A_SPI, key->spi) ||
			    nla_put_u16(msg, CRYPTOMAP_KEY_A_CIPHER_LEN,
					key->cipher_len) ||
			    nla_put_u16(msg, CRYPTOMAP_KEY_A_AUTH_LEN,
					key->auth_len))
				return -EMSGSIZE;
			nla_nest_end(msg, k);
		}
		nla_nest_end(msg, nest);
	}

	if (se) {
		if (nla_put_u8(msg, CRYPTOMAP_ENTRY_A_INACTIVE, se->inactive))
			return -EMSGSIZE;
		if (se->n_peers) {
			unsigned int cur = READ_ONCE(se->cur_peer);

			if (cur >= se->n_peers)
				cur = 0;
			if (nla_put_be32(msg, CRYPTOMAP_ENTRY_A_CURRENT_PEER,
					 se->peers[cur]))
				return -EMSGSIZE;
		}
	}
	return 0;
}

int cm_nl_entry_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = NULL;
	struct cm_map *map = NULL;
	struct cm_entry *e;
	struct cm_net *cmn;
	void *hdr;
	int err;

	cmn = cm_nl_net_lock(info);
	e = cm_entry_lookup(cmn, info, &map);
	if (IS_ERR(e)) {
		err = PTR_ERR(e);
		goto out;
	}
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &cm_genl_family, 0,
				CRYPTOMAP_CMD_ENTRY_GET);
	if (!hdr || cm_entry_fill(msg, cmn, map, e))
		goto out;
	genlmsg_end(msg, hdr);
	mutex_unlock(&cmn->lock);
	return cm_nl_reply(info, msg);
out:
	mutex_unlock(&cmn->lock);
	nlmsg_free(msg);
	return err;
}

/* A dump may name one map (CRYPTOMAP_ENTRY_A_MAP): show crypto map tag. */
int cm_nl_entry_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cm_net *cmn = cm_net(sock_net(cb->skb->sk));
	struct nlattr *filter = cm_dump_attrs(cb)[CRYPTOMAP_ENTRY_A_MAP];
	unsigned long midx = 0;
	struct cm_map *map;

	mutex_lock(&cmn->lock);
	cb->seq = cmn->genid;
	list_for_each_entry(map, &cmn->maps, list) {
		unsigned long eidx = 0;
		struct cm_entry *e;

		if (midx++ < cb->args[CM_CB_OBJ])
			continue;
		if (filter && nla_strcmp(filter, map->name)) {
			cb->args[CM_CB_OBJ]++;
			continue;
		}
		list_for_each_entry(e, &map->entries, list) {
			void *hdr;

			if (eidx++ < cb->args[CM_CB_SUB])
				continue;
			hdr = cm_nl_put_hdr(skb, cb, cmn,
					    CRYPTOMAP_CMD_ENTRY_GET, 0);
			if (!hdr)
				goto out;
			if (cm_entry_fill(skb, cmn, map, e)) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[CM_CB_SUB]++;
		}
		cb->args[CM_CB_SUB] = 0;
		cb->args[CM_CB_OBJ]++;
	}
out:
	mutex_unlock(&cmn->lock);
	return skb->len;
}
