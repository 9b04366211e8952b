// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: the compiled policy (SPD).
 *
 * cm_spd_rebuild() turns the configuration of one netns into an
 * immutable struct cm_spd: every crypto map with all its entries sorted
 * by seq (inactive ones flagged with the reason), each entry carrying a
 * private copy of its ACL, its transform sets, its peers and the global
 * defaults it inherits, plus the interface bindings sorted by ifindex.
 * The data path reads it under RCU; it is replaced as a whole after
 * every change and the old one is freed after a grace period, from a
 * work item (process context).
 */
#include <linux/hash.h>
#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "cryptomap.h"
#include "sa.h"

static bool cm_port_match(u8 op, u16 lo, u16 hi, __be16 port)
{
	u16 p = ntohs(port);

	switch (op) {
	case CRYPTOMAP_PORT_ANY:
		return true;
	case CRYPTOMAP_PORT_EQ:
		return p == lo;
	case CRYPTOMAP_PORT_NEQ:
		return p != lo;
	case CRYPTOMAP_PORT_LT:
		return p < lo;
	case CRYPTOMAP_PORT_GT:
		return p > lo;
	case CRYPTOMAP_PORT_RANGE:
		return p >= lo && p <= hi;
	}
	return false;
}

static bool cm_ace_match(const struct cm_ace *a, const struct cm_flow *fl,
			 bool mirrored)
{
	__be32 s = mirrored ? fl->daddr : fl->saddr;
	__be32 d = mirrored ? fl->saddr : fl->daddr;
	__be16 sp = mirrored ? fl->dport : fl->sport;
	__be16 dp = mirrored ? fl->sport : fl->dport;

	if ((s & a->smask) != a->src || (d & a->dmask) != a->dst)
		return false;
	if (a->proto && a->proto != fl->proto)
		return false;
	return cm_port_match(a->sport_op, a->sport_lo, a->sport_hi, sp) &&
	       cm_port_match(a->dport_op, a->dport_lo, a->dport_hi, dp);
}

/*
 * Walk an ACL in order; the first entry that matches decides: permit
 * means "protect" (true), deny or no match means "not by this entry".
 * @mirrored checks an inbound packet against an outbound ACL.
 */
bool cm_ace_list_match(const struct cm_ace *aces, unsigned int n,
		       const struct cm_flow *fl, bool mirrored)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (cm_ace_match(&aces[i], fl, mirrored))
			return aces[i].action == CRYPTOMAP_ACE_PERMIT;
	return false;
}

/* ---- the compiled ACL (tuple-space search) ---- */

/* acl_linear=1: walk the lines instead (for comparing the two) */
static bool cm_acl_linear;
module_param_named(acl_linear, cm_acl_linear, bool, 0644);
MODULE_PARM_DESC(acl_linear, "Match crypto ACLs line by line (debug, slower)");

static u32 cm_cls_hash(u32 group, __be32 src, __be32 dst, u8 proto,
		       u16 sport, u16 dport)
{
	return jhash_3words((__force u32)src, (__force u32)dst,
			    ((u32)sport << 16) | dport,
			    group * 0x9e3779b9 + proto);
}

/* The lowest line that matches @fl, CM_CLS_NONE if none does. */
static u32 cm_cls_first(const struct cm_acl_cls *c, const struct cm_flow *fl)
{
	u16 sp = ntohs(fl->sport), dp = ntohs(fl->dport);
	u32 best = CM_CLS_NONE, g, i, k;

	for (g = 0; g < c->n_groups; g++) {
		const struct cm_cls_group *grp = &c->groups[g];
		__be32 s = fl->saddr & grp->smask;
		__be32 d = fl->daddr & grp->dmask;
		u8 proto = grp->proto ? fl->proto : 0;
		u16 ks = grp->sport ? sp : 0;
		u16 kd = grp->dport ? dp : 0;

		if (grp->first >= best)
			break;
		i = c->buckets[cm_cls_hash(g, s, d, proto, ks, kd) & c->hmask];
		for (; i != CM_CLS_NONE; i = c->nodes[i].next) {
			const struct cm_cls_node *nd = &c->nodes[i];

			if (nd->group != g || nd->src != s || nd->dst != d ||
			    nd->proto != proto || nd->sport != ks ||
			    nd->dport != kd)
				continue;
			/* same key: the port operators that are not eq decide */
			for (k = 0; k < nd->count; k++) {
				u32 line = c->lines[nd->start + k];

				if (line >= best)
					break;
				if (cm_ace_match(&c->aces[line], fl, false)) {
					best = line;
					break;
				}
			}
			break;
		}
	}
	return best;
}

static bool cm_cls_permit(const struct cm_acl_cls *c, const struct cm_flow *fl,
			  bool mirrored)
{
	struct cm_flow rev;
	u32 line;

	if (mirrored) {
		rev.saddr = fl->daddr;
		rev.daddr = fl->saddr;
		rev.proto = fl->proto;
		rev.sport = fl->dport;
		rev.dport = fl->sport;
		fl = &rev;
	}
	line = cm_cls_first(c, fl);
	return line != CM_CLS_NONE &&
	       c->aces[line].action == CRYPTOMAP_ACE_PERMIT;
}

/* A few lines are walked faster than hashed */
#define CM_CLS_WALK_MAX	4

/* The same answer as cm_ace_list_match() on the ACL the classifier holds. */
bool cm_acl_cls_match(const struct cm_acl_cls *c, const struct cm_flow *fl,
		      bool mirrored)
{
	if (c->n_aces <= CM_CLS_WALK_MAX || READ_ONCE(cm_acl_linear))
		return cm_ace_list_match(c->aces, c->n_aces, fl, mirrored);
	return cm_cls_permit(c, fl, mirrored);
}

bool cm_spd_entry_match(const struct cm_spd_entry *e,
			const struct cm_flow *fl, bool mirrored)
{
	return e->cls && cm_acl_cls_match(e->cls, fl, mirrored);
}

/* A line as the compiler sorts it: by tuple, then key, then line. */
struct cm_cls_key {
	__be32 smask, dmask, src, dst;
	u16 sport, dport;
	u8 proto, pflag, sflag, dflag;
	u32 line;
};

static void cm_cls_key_vec(const struct cm_cls_key *k, u32 *v)
{
	v[0] = (__force u32)k->smask;
	v[1] = (__force u32)k->dmask;
	v[2] = k->pflag << 16 | k->sflag << 8 | k->dflag;
	v[3] = (__force u32)k->src;
	v[4] = (__force u32)k->dst;
	v[5] = k->proto;
	v[6] = (u32)k->sport << 16 | k->dport;
	v[7] = k->line;
}

static int cm_cls_key_cmp(const void *x, const void *y)
{
	u32 a[8], b[8];
	int i;

	cm_cls_key_vec(x, a);
	cm_cls_key_vec(y, b);
	for (i = 0; i < ARRAY_SIZE(a); i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static bool cm_cls_same_tuple(const struct cm_cls_key *a,
			      const struct cm_cls_key *b)
{
	return a->smask == b->smask && a->dmask == b->dmask &&
	       a->pflag == b->pflag && a->sflag == b->sflag &&
	       a->dflag == b->dflag;
}

static bool cm_cls_same_key(const struct cm_cls_key *a,
			    const struct cm_cls_key *b)
{
	return cm_cls_same_tuple(a, b) && a->src == b->src &&
	       a->dst == b->dst && a->proto == b->proto &&
	       a->sport == b->sport && a->dport == b->dport;
}

static int cm_cls_group_cmp(const void *x, const void *y)
{
	const struct cm_cls_group *a = x, *b = y;

	return a->first < b->first ? -1 : a->first > b->first;
}

static void cm_cls_free(struct cm_acl_cls *c)
{
	kvfree(c->aces);
	kvfree(c->groups);
	kvfree(c->nodes);
	kvfree(c->lines);
	kvfree(c->buckets);
	memset(c, 0, sizeof(*c));
}

/*
 * Compile @n lines (@aces, taken over even on failure) into @c.
 * O(n log n): one sort, one pass.
 */
static int cm_cls_build(struct cm_acl_cls *c, struct cm_ace *aces,
			unsigned int n)
{
	struct cm_cls_key *keys = NULL;
	u32 *remap = NULL, i, g, nn = 0;
	int err = -ENOMEM;

	memset(c, 0, sizeof(*c));
	c->aces = aces;
	c->n_aces = n;
	c->compiled = true;
	if (!n)
		return 0;

	keys = kvmalloc_array(n, sizeof(*keys), GFP_KERNEL);
	c->lines = kvmalloc_array(n, sizeof(*c->lines), GFP_KERNEL);
	c->nodes = kvmalloc_array(n, sizeof(*c->nodes), GFP_KERNEL);
	c->groups = kvmalloc_array(n, sizeof(*c->groups), GFP_KERNEL);
	if (!keys || !c->lines || !c->nodes || !c->groups)
		goto out;
	for (i = 0; i < n; i++) {
		const struct cm_ace *a = &aces[i];
		struct cm_cls_key *k = &keys[i];

		memset(k, 0, sizeof(*k));
		k->smask = a->smask;
		k->dmask = a->dmask;
		k->src = a->src;
		k->dst = a->dst;
		k->pflag = !!a->proto;
		k->proto = a->proto;
		k->sflag = a->sport_op == CRYPTOMAP_PORT_EQ;
		k->sport = k->sflag ? a->sport_lo : 0;
		k->dflag = a->dport_op == CRYPTOMAP_PORT_EQ;
		k->dport = k->dflag ? a->dport_lo : 0;
		k->line = i;
	}
	sort(keys, n, sizeof(*keys), cm_cls_key_cmp, NULL);

	/* groups and nodes come out of the sorted lines in one pass */
	for (i = 0; i < n; i++) {
		const struct cm_cls_key *k = &keys[i];
		struct cm_cls_node *nd;

		c->lines[i] = k->line;
		if (!i || !cm_cls_same_tuple(k, &keys[i - 1])) {
			struct cm_cls_group *grp = &c->groups[c->n_groups++];

			grp->smask = k->smask;
			grp->dmask = k->dmask;
			grp->proto = k->pflag;
			grp->sport = k->sflag;
			grp->dport = k->dflag;
			grp->first = k->line;
		}
		g = c->n_groups - 1;
		c->groups[g].first = min(c->groups[g].first, k->line);
		if (i && cm_cls_same_key(k, &keys[i - 1])) {
			c->nodes[nn - 1].count++;	/* lines in order */
			continue;
		}
		nd = &c->nodes[nn++];
		nd->src = k->src;
		nd->dst = k->dst;
		nd->proto = k->proto;
		nd->sport = k->sport;
		nd->dport = k->dport;
		nd->group = g;
		nd->start = i;
		nd->count = 1;
	}

	/* probe the groups in the order of their first line */
	remap = kvmalloc_array(c->n_groups, sizeof(*remap), GFP_KERNEL);
	if (!remap)
		goto out;
	for (g = 0; g < c->n_groups; g++)
		remap[g] = c->groups[g].first;
	sort(c->groups, c->n_groups, sizeof(*c->groups), cm_cls_group_cmp,
	     NULL);
	/* a line is in one group only: the first lines tell them apart */
	for (g = 0; g < c->n_groups; g++) {
		u32 lo = 0, hi = c->n_groups;

		while (hi - lo > 1) {
			u32 mid = lo + (hi - lo) / 2;

			if (c->groups[mid].first <= remap[g])
				lo = mid;
			else
				hi = mid;
		}
		remap[g] = lo;
	}

	c->hmask = roundup_pow_of_two(nn) - 1;
	c->buckets = kvmalloc_array(c->hmask + 1, sizeof(*c->buckets),
				    GFP_KERNEL);
	if (!c->buckets)
		goto out;
	memset(c->buckets, 0xff, (c->hmask + 1) * sizeof(*c->buckets));
	for (i = 0; i < nn; i++) {
		struct cm_cls_node *nd = &c->nodes[i];
		u32 h;

		nd->group = remap[nd->group];
		h = cm_cls_hash(nd->group, nd->src, nd->dst, nd->proto,
				nd->sport, nd->dport) & c->hmask;
		nd->next = c->buckets[h];
		c->buckets[h] = i;
	}
	err = 0;
out:
	kvfree(keys);
	kvfree(remap);
	return err;
}

const struct cm_spd_map *cm_spd_map_for_if(const struct cm_spd *spd,
					   int ifindex)
{
	unsigned int lo = 0, hi = spd->n_ifs;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (spd->ifs[mid].ifindex == ifindex)
			return spd->ifs[mid].map;
		if (spd->ifs[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct cm_spd_entry *cm_spd_lookup_out(const struct cm_spd *spd, int ifindex,
				       const struct cm_flow *fl)
{
	const struct cm_spd_map *map = cm_spd_map_for_if(spd, ifindex);
	unsigned int i;

	if (!map)
		return NULL;
	for (i = 0; i < map->n; i++) {
		struct cm_spd_entry *e = &map->entries[i];

		if (e->inactive)
			continue;
		if (cm_spd_entry_match(e, fl, false))
			return e;
	}
	return NULL;
}

static struct cm_spd_map *cm_spd_map_find(const struct cm_spd *spd,
					   const char *name)
{
	unsigned int lo = 0, hi = spd->n_maps;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int c = strcmp(spd->maps_by_name[mid]->name, name);

		if (!c)
			return spd->maps_by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* By name and seq: two binary searches (control path, and a fallback). */
const struct cm_spd_entry *cm_spd_entry_find(const struct cm_spd *spd,
					     const char *map, u32 seq)
{
	const struct cm_spd_map *m;
	unsigned int lo = 0, hi;

	if (!spd)
		return NULL;
	m = cm_spd_map_find(spd, map);
	if (!m)
		return NULL;
	hi = m->n;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (m->entries[mid].seq == seq)
			return &m->entries[mid];
		if (m->entries[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static u32 cm_sa_slot(const struct cm_spd *spd, const void *sa)
{
	return hash_long((unsigned long)sa, 32) & spd->sa_hmask;
}

/*
 * The entry that holds SA bundle @sa in this SPD: the inbound data path
 * finds it by pointer, without names.  A bundle that this SPD does not
 * hold (an SPD change raced with the packet) is looked up by name.
 */
const struct cm_spd_entry *cm_spd_entry_by_sa(const struct cm_spd *spd,
					      const void *sa, const char *map,
					      u32 seq)
{
	u32 i;

	if (spd->sa_hash) {
		for (i = cm_sa_slot(spd, sa); spd->sa_hash[i];
		     i = (i + 1) & spd->sa_hmask)
			if (spd->sa_hash[i]->sa == sa)
				return spd->sa_hash[i];
	}
	return cm_spd_entry_find(spd, map, seq);
}

/* ---- compiling ---- */

static bool cm_keys_fit(const struct cm_spd_entry *se, u8 proto)
{
	const struct cm_tset_params *p = &se->tsets[0];
	bool in = false, out = false;
	unsigned int i;

	for (i = 0; i < se->n_keys; i++) {
		const struct cm_session_key *k = &se->keys[i];

		if (k->proto != proto)
			continue;
		if (proto == IPPROTO_ESP &&
		    (k->cipher_len != cm_tset_cipher_len(p) ||
		     k->auth_len != cm_tset_esp_auth_len(p)))
			return false;
		if (proto == IPPROTO_AH && k->auth_len != cm_tset_ah_len(p))
			return false;
		if (k->dir == CRYPTOMAP_DIR_IN)
			in = true;
		else
			out = true;
	}
	return in && out;
}

static u8 cm_spd_entry_reason(const struct cm_spd_entry *se)
{
	const struct cm_tset_params *p = &se->tsets[0];
	unsigned int i, permits = 0;

	if (!se->n_peers)
		return CRYPTOMAP_INACTIVE_NO_PEER;
	if (!se->n_aces)
		return CRYPTOMAP_INACTIVE_NO_ACL;
	if (!se->n_tsets)
		return CRYPTOMAP_INACTIVE_NO_TSET;
	if (se->type != CRYPTOMAP_TYPE_MANUAL)
		return CRYPTOMAP_INACTIVE_NONE;

	for (i = 0; i < se->n_aces; i++)
		if (se->aces[i].action == CRYPTOMAP_ACE_PERMIT)
			permits++;
	if (permits != 1)
		return CRYPTOMAP_INACTIVE_MANUAL_ACL;
	if ((p->esp_enc || p->esp_auth) && !cm_keys_fit(se, IPPROTO_ESP))
		return CRYPTOMAP_INACTIVE_NO_KEYS;
	if (p->ah && !cm_keys_fit(se, IPPROTO_AH))
		return CRYPTOMAP_INACTIVE_NO_KEYS;
	return CRYPTOMAP_INACTIVE_NONE;
}

/* An ACL is compiled once per SPD, for the first entry that names it. */
static int cm_spd_cls_get(struct cm_spd *spd, const struct cm_acl *acl,
			  struct cm_acl_cls **out)
{
	struct cm_acl_cls *c = &spd->cls[acl->cls_idx];
	struct cm_ace *aces = NULL;
	unsigned int i;
	int err;

	*out = c;
	if (c->compiled)
		return 0;
	if (acl->n) {
		aces = kvmalloc_array(acl->n, sizeof(*aces), GFP_KERNEL);
		if (!aces)
			return -ENOMEM;
		for (i = 0; i < acl->n; i++)
			aces[i] = acl->aces[i].ace;
	}
	err = cm_cls_build(c, aces, acl->n);
	if (err)
		cm_cls_free(c);
	return err;
}

/*
 * The configuration an SPD is compiled from: the objects, or while a
 * transaction is open, the copy taken at its start.
 */
struct cm_cfg_view {
	const struct list_head *acls, *tsets, *maps, *binds;
	unsigned int n_acls, n_maps, n_binds;
	const struct cm_global *global;
	struct cm_acl **acls_by_name;	/* while compiling: sorted, n_acls */
};

static int cm_acl_ptr_cmp(const void *a, const void *b)
{
	const struct cm_acl *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* An entry's ACL: binary search instead of a walk of the ACLs per entry. */
static struct cm_acl *cm_view_acl(const struct cm_cfg_view *v,
				  const char *name)
{
	unsigned int lo = 0, hi = v->n_acls;

	if (!v->acls_by_name)
		return cm_acl_find_in(v->acls, name);
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int r = strcmp(v->acls_by_name[mid]->name, name);

		if (!r)
			return v->acls_by_name[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct cm_tset *cm_view_tset(const struct cm_cfg_view *v,
					  const char *name)
{
	const struct cm_tset *ts;

	list_for_each_entry(ts, v->tsets, list)
		if (!strcmp(ts->p.name, name))
			return ts;
	return NULL;
}

static int cm_spd_compile_entry(const struct cm_cfg_view *v,
				const struct cm_map *map,
				const struct cm_entry *e,
				struct cm_spd_entry *se,
				struct cm_spd *spd, const struct cm_spd *old)
{
	const struct cm_global *g = v->global;
	const struct cm_spd_entry *prev;
	struct cm_acl *acl;
	unsigned int i;

	strscpy(se->map, map->name, sizeof(se->map));
	strscpy(se->local_ifname, map->local_ifname, sizeof(se->local_ifname));
	se->seq = e->seq;
	se->type = e->type;

	acl = e->acl[0] ? cm_view_acl(v, e->acl) : NULL;
	if (acl && acl->n) {
		struct cm_acl_cls *c;
		int err = cm_spd_cls_get(spd, acl, &c);

		if (err)
			return err;
		se->cls = c;
		se->aces = c->aces;
		se->n_aces = c->n_aces;
	}

	memcpy(se->peers, e->peers, sizeof(se->peers));
	se->n_peers = e->n_peers;

	for (i = 0; i < e->n_tsets; i++) {
		const struct cm_tset *ts = cm_view_tset(v, e->tsets[i]);

		if (ts)
			se->tsets[se->n_tsets++] = ts->p;
	}

	se->pfs = e->pfs;
	se->life_sec = e->life_sec ?: g->life_sec;
	se->life_kb = e->life_kb ?: g->life_kb;
	se->idle_time = e->idle_time ?: g->idle_time;
	switch (e->replay_mode) {
	case CRYPTOMAP_REPLAY_WINDOW:
		se->replay_window = e->replay_window;
		break;
	case CRYPTOMAP_REPLAY_DISABLE:
		se->replay_window = 0;
		break;
	default:
		se->replay_window = g->replay_disable ? 0 : g->replay_window;
		break;
	}
	se->df_bit = g->df_bit;
	se->frag = g->frag;

	memcpy(se->keys, e->keys, e->n_keys * sizeof(*e->keys));
	se->n_keys = e->n_keys;
	se->esn = e->esn;

	se->inactive = cm_spd_entry_reason(se);

	/* keep the failover position while the peer list is the same */
	prev = cm_spd_entry_find(old, se->map, se->seq);
	if (prev && prev->n_peers == se->n_peers &&
	    !memcmp(prev->peers, se->peers, se->n_peers * sizeof(__be32))) {
		unsigned int cur = READ_ONCE(prev->cur_peer);

		if (cur < se->n_peers)
			se->cur_peer = cur;
	}
	return 0;
}

static void cm_spd_free(struct cm_spd *spd)
{
	unsigned int i;

	for (i = 0; i < spd->n_maps; i++) {
		struct cm_spd_map *m = &spd->maps[i];

		if (!m->entries)
			continue;
		/* the entries hold session keys */
		kvfree_sensitive(m->entries, m->n * sizeof(*m->entries));
	}
	for (i = 0; i < spd->n_cls; i++)
		cm_cls_free(&spd->cls[i]);
	kvfree(spd->cls);
	kvfree(spd->sa_hash);
	kvfree(spd->maps_by_name);
	kvfree(spd->maps);
	kfree(spd->ifs);
	kfree(spd);
}

static void cm_spd_free_work(struct work_struct *work)
{
	struct cm_spd *spd = container_of(to_rcu_work(work), struct cm_spd,
					  free_work);

	cm_sadb_spd_release(spd);
	cm_spd_free(spd);
}

static int cm_spd_if_cmp(const void *a, const void *b)
{
	const struct cm_spd_if *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

static int cm_spd_map_cmp(const void *a, const void *b)
{
	const struct cm_spd_map *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* After cm_sadb_sync(): index the entries that got an SA bundle. */
static void cm_spd_index_sas(struct cm_spd *spd)
{
	unsigned int m, j;
	u32 i;

	if (!spd->sa_hash)
		return;
	for (m = 0; m < spd->n_maps; m++) {
		const struct cm_spd_map *map = &spd->maps[m];

		for (j = 0; j < map->n; j++) {
			const struct cm_spd_entry *e = &map->entries[j];

			if (!e->sa)
				continue;
			i = cm_sa_slot(spd, e->sa);
			while (spd->sa_hash[i])
				i = (i + 1) & spd->sa_hmask;
			spd->sa_hash[i] = e;
		}
	}
}

static struct cm_spd *cm_spd_compile(struct cm_net *cmn,
				     struct cm_cfg_view *v,
				     const struct cm_spd *old)
{
	struct cm_spd *spd;
	struct cm_map *map;
	struct cm_bind *b;

	struct cm_acl *acl;
	unsigned int n_entries = 0, i = 0;

	spd = kzalloc(sizeof(*spd), GFP_KERNEL);
	if (!spd)
		return NULL;
	spd->genid = cmn->genid;
	INIT_RCU_WORK(&spd->free_work, cm_spd_free_work);

	if (v->n_acls) {
		spd->cls = kvcalloc(v->n_acls, sizeof(*spd->cls), GFP_KERNEL);
		if (!spd->cls)
			goto err;
	}
	list_for_each_entry(acl, v->acls, list)
		acl->cls_idx = spd->n_cls++;
	/* no memory for the index: the entries walk the ACLs instead */
	v->acls_by_name = v->n_acls > 1 ?
		kvmalloc_array(v->n_acls, sizeof(*v->acls_by_name),
			       GFP_KERNEL) : NULL;
	if (v->acls_by_name) {
		list_for_each_entry(acl, v->acls, list)
			if (i < v->n_acls)
				v->acls_by_name[i++] = acl;
		v->n_acls = i;
		sort(v->acls_by_name, v->n_acls, sizeof(*v->acls_by_name),
		     cm_acl_ptr_cmp, NULL);
	}

	if (v->n_maps) {
		spd->maps = kvcalloc(v->n_maps, sizeof(*spd->maps),
				     GFP_KERNEL);
		spd->maps_by_name = kvmalloc_array(v->n_maps,
						   sizeof(*spd->maps_by_name),
						   GFP_KERNEL);
		if (!spd->maps || !spd->maps_by_name)
			goto err;
	}
	list_for_each_entry(map, v->maps, list) {
		struct cm_spd_map *sm = &spd->maps[spd->n_maps];
		struct cm_entry *e;

		spd->maps_by_name[spd->n_maps++] = sm;
		strscpy(sm->name, map->name, sizeof(sm->name));
		if (!map->n_entries)
			continue;
		sm->entries = kvcalloc(map->n_entries, sizeof(*sm->entries),
				       GFP_KERNEL);
		if (!sm->entries)
			goto err;
		list_for_each_entry(e, &map->entries, list) {
			if (cm_spd_compile_entry(v, map, e,
						 &sm->entries[sm->n++], spd,
						 old))
				goto err;
			n_entries++;
		}
	}
	sort(spd->maps_by_name, spd->n_maps, sizeof(*spd->maps_by_name),
	     cm_spd_map_cmp, NULL);

	/* room for every entry to get an SA bundle, half full at most */
	if (n_entries) {
		spd->sa_hmask = roundup_pow_of_two(2 * n_entries) - 1;
		spd->sa_hash = kvcalloc(spd->sa_hmask + 1,
					sizeof(*spd->sa_hash), GFP_KERNEL);
		if (!spd->sa_hash)
			goto err;
	}

	if (v->n_binds) {
		spd->ifs = kcalloc(v->n_binds, sizeof(*spd->ifs), GFP_KERNEL);
		if (!spd->ifs)
			goto err;
	}
	list_for_each_entry(b, v->binds, list) {
		struct cm_spd_if *sif = &spd->ifs[spd->n_ifs++];

		sif->ifindex = b->ifindex;
		sif->map = cm_spd_map_find(spd, b->map);
	}
	sort(spd->ifs, spd->n_ifs, sizeof(*spd->ifs), cm_spd_if_cmp, NULL);
	return spd;

err:
	cm_spd_free(spd);
	return NULL;
}

/*
 * Compile the configuration and publish it.  Called with cmn->lock held
 * after every change; on failure the previous SPD stays in place and the
 * caller undoes its change.  While a configuration transaction is open,
 * the SPD is compiled from the copy taken at its start (an SA change or
 * an interface that goes away still recompile it).
 */
int cm_spd_rebuild(struct cm_net *cmn)
{
	struct cm_spd *old, *spd;
	struct cm_cfg_view v;
	int err;

	lockdep_assert_held(&cmn->lock);
	old = rcu_dereference_protected(cmn->spd, lockdep_is_held(&cmn->lock));

	if (cmn->txn) {
		v = (struct cm_cfg_view){
			&cmn->txn->acls, &cmn->txn->tsets, &cmn->txn->maps,
			&cmn->txn->binds, cmn->txn->n_acls, cmn->txn->n_maps,
			cmn->txn->n_binds, &cmn->txn->global,
		};
	} else {
		v = (struct cm_cfg_view){
			&cmn->acls, &cmn->tsets, &cmn->maps, &cmn->binds,
			cmn->n_acls, cmn->n_maps, cmn->n_binds, &cmn->global,
		};
	}
	spd = cm_spd_compile(cmn, &v, old);
	kvfree(v.acls_by_name);
	if (!spd)
		return -ENOMEM;
	err = cm_sadb_sync(cmn, spd);
	if (err) {
		cm_sadb_spd_release(spd);
		cm_spd_free(spd);
		return err;
	}
	cm_spd_index_sas(spd);
	rcu_assign_pointer(cmn->spd, spd);
	if (old)
		queue_rcu_work(cm_wq, &old->free_work);
	return 0;
}

/* Unpublish the SPD of a netns that goes away; freed after a grace period. */
void cm_spd_retire(struct cm_net *cmn)
{
	struct cm_spd *old;

	cm_txn_drop(cmn);
	old = rcu_replace_pointer(cmn->spd, NULL, lockdep_is_held(&cmn->lock));
	if (old)
		queue_rcu_work(cm_wq, &old->free_work);
}

/* ---- self-test and micro-benchmark of the classifier (debug) ---- */

static u32 cm_rnd(u32 n)
{
	return get_random_u32() % n;
}

/* Few addresses, masks and ports, so that lines and flows meet often. */
static __be32 cm_rnd_addr(void)
{
	return htonl(0x0a000000 | cm_rnd(4) << 8 | cm_rnd(8));
}

static u16 cm_rnd_port(void)
{
	static const u16 ports[] = { 0, 1, 22, 80, 443, 1023, 1024, 65535 };

	return cm_rnd(4) ? ports[cm_rnd(ARRAY_SIZE(ports))] : get_random_u32();
}

static void cm_rnd_ports(u8 *op, u16 *lo, u16 *hi)
{
	*op = cm_rnd(CRYPTOMAP_PORT_RANGE + 1);
	*lo = *op == CRYPTOMAP_PORT_ANY ? 0 : cm_rnd_port();
	*hi = 0;
	if (*op == CRYPTOMAP_PORT_RANGE) {
		*hi = cm_rnd_port();
		if (*hi < *lo)
			swap(*lo, *hi);
	}
}

static void cm_rnd_ace(struct cm_ace *a)
{
	static const u32 masks[] = {
		0, 0xffffffff, 0xffffff00, 0xffff0000, 0xfffffffc, 0xffff00ff,
	};
	static const u8 protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };

	memset(a, 0, sizeof(*a));
	a->action = cm_rnd(2) ? CRYPTOMAP_ACE_PERMIT : CRYPTOMAP_ACE_DENY;
	a->smask = htonl(masks[cm_rnd(ARRAY_SIZE(masks))]);
	a->dmask = htonl(masks[cm_rnd(ARRAY_SIZE(masks))]);
	a->src = cm_rnd_addr() & a->smask;
	a->dst = cm_rnd_addr() & a->dmask;
	a->proto = protos[cm_rnd(ARRAY_SIZE(protos))];
	if (a->proto == IPPROTO_TCP || a->proto == IPPROTO_UDP) {
		cm_rnd_ports(&a->sport_op, &a->sport_lo, &a->sport_hi);
		cm_rnd_ports(&a->dport_op, &a->dport_lo, &a->dport_hi);
	}
}

static void cm_rnd_flow(struct cm_flow *fl)
{
	static const u8 protos[] = {
		IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ESP,
	};

	memset(fl, 0, sizeof(*fl));
	fl->saddr = cm_rnd_addr();
	fl->daddr = cm_rnd_addr();
	fl->proto = protos[cm_rnd(ARRAY_SIZE(protos))];
	if (fl->proto == IPPROTO_TCP || fl->proto == IPPROTO_UDP) {
		fl->sport = htons(cm_rnd_port());
		fl->dport = htons(cm_rnd_port());
	}
}

/*
 * acl_selftest=N: N random ACLs (1 to 64 lines, every tenth up to 2,000),
 * each checked with 500 random flows both ways against the line-by-line
 * walk.  Writing the parameter runs it; a difference fails the write (or
 * the module load) with -EINVAL.
 */
static int cm_acl_selftest_run(unsigned int n_acls)
{
	unsigned int t, i, n, diff = 0, matched = 0, checks = 0;
	struct cm_acl_cls c;
	struct cm_ace *aces;
	struct cm_flow fl;
	int err;

	for (t = 0; t < n_acls && !diff; t++) {
		n = 1 + (t % 10 == 9 ? cm_rnd(2000) : cm_rnd(64));
		aces = kvmalloc_array(n, sizeof(*aces), GFP_KERNEL);
		if (!aces)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			cm_rnd_ace(&aces[i]);
		/* copies of earlier lines: same keys, later lines */
		for (i = 1; i < n; i++)
			if (!cm_rnd(8))
				aces[i] = aces[cm_rnd(i)];
		err = cm_cls_build(&c, aces, n);
		if (err) {
			cm_cls_free(&c);
			return err;
		}
		for (i = 0; i < 500; i++) {
			bool mirrored = i & 1, ref, got;

			cm_rnd_flow(&fl);
			ref = cm_ace_list_match(c.aces, n, &fl, mirrored);
			got = cm_cls_permit(&c, &fl, mirrored);
			checks++;
			matched += ref;
			if (ref != got && diff++ < 5)
				pr_err("acl_selftest: ACL %u (%u lines, %u groups): flow %pI4:%u -> %pI4:%u proto %u%s: linear %d, classifier %d\n",
				       t, n, c.n_groups, &fl.saddr,
				       ntohs(fl.sport), &fl.daddr,
				       ntohs(fl.dport), fl.proto,
				       mirrored ? " mirrored" : "", ref, got);
		}
		cm_cls_free(&c);
	}
	pr_info("acl_selftest: %u ACLs, %u lookups (%u permitted), %u differences\n",
		t, checks, matched, diff);
	return diff ? -EINVAL : 0;
}

static int cm_acl_selftest_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	return cm_acl_selftest_run(min(n, 100000U));
}

static const struct kernel_param_ops cm_acl_selftest_ops = {
	.set = cm_acl_selftest_set,
};
module_param_cb(acl_selftest, &cm_acl_selftest_ops, NULL, 0200);
MODULE_PARM_DESC(acl_selftest,
		 "Check the ACL classifier against the line walk on N random ACLs (debug)");

/*
 * acl_bench=L: the cost of one lookup in the bench's ACL of L lines (L-1
 * host-to-host deny lines that match nothing, a permit udp ... eq last),
 * for a flow of the last line and one that matches nothing, compiled and
 * walked line by line; in the kernel log.  Times the lookup alone.
 */
static int cm_acl_bench_set(const char *val, const struct kernel_param *kp)
{
	struct cm_flow last = {
		.saddr = htonl(0xc0a80a0a), .daddr = htonl(0xc0a8140a),
		.proto = IPPROTO_UDP, .sport = htons(40000),
		.dport = htons(5201),
	};
	struct cm_flow none = last;
	unsigned int n, i, rounds;
	u64 t[4], t0;
	struct cm_acl_cls c;
	struct cm_ace *aces;
	int err, k, hits = 0;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (!n || n > 100000)
		return -EINVAL;
	none.dport = htons(5301);
	aces = kvcalloc(n, sizeof(*aces), GFP_KERNEL);
	if (!aces)
		return -ENOMEM;
	for (i = 0; i + 1 < n; i++) {
		aces[i].action = CRYPTOMAP_ACE_DENY;
		aces[i].smask = htonl(0xffffffff);
		aces[i].dmask = htonl(0xffffffff);
		aces[i].src = htonl(0x0a000001 | (i / 250) << 16 | (i % 250) << 8);
		aces[i].dst = htonl(0xac100000 | i);
	}
	aces[n - 1].action = CRYPTOMAP_ACE_PERMIT;
	aces[n - 1].smask = htonl(0xffffffff);
	aces[n - 1].dmask = htonl(0xffffffff);
	aces[n - 1].src = last.saddr;
	aces[n - 1].dst = last.daddr;
	aces[n - 1].proto = IPPROTO_UDP;
	aces[n - 1].dport_op = CRYPTOMAP_PORT_EQ;
	aces[n - 1].dport_lo = 5201;
	err = cm_cls_build(&c, aces, n);
	if (err) {
		cm_cls_free(&c);
		return err;
	}
	/* about the same work whatever L: fewer rounds of the long walks */
	rounds = max(20000000 / (n + 50), 200U);
	for (k = 0; k < 4; k++) {
		const struct cm_flow *fl = k & 1 ? &none : &last;

		t0 = ktime_get_ns();
		for (i = 0; i < rounds; i++) {
			hits += k < 2 ? cm_cls_permit(&c, fl, false) :
					cm_ace_list_match(c.aces, n, fl, false);
			if (!(i & 1023))
				cond_resched();
		}
		t[k] = (ktime_get_ns() - t0) / rounds;
		cond_resched();
	}
	pr_info("acl_bench: lines %u groups %u rounds %u ns: classifier last %llu none %llu linear last %llu none %llu (hits %d)\n",
		n, c.n_groups, rounds, t[0], t[1], t[2], t[3], hits);
	cm_cls_free(&c);
	return 0;
}

static const struct kernel_param_ops cm_acl_bench_ops = {
	.set = cm_acl_bench_set,
};
module_param_cb(acl_bench, &cm_acl_bench_ops, NULL, 0200);
MODULE_PARM_DESC(acl_bench,
		 "Time one lookup in a bench ACL of N lines, compiled and walked (debug)");
