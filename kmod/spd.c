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
#include <linux/sort.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/in.h>

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
		if (cm_ace_list_match(e->aces, e->n_aces, fl, false))
			return e;
	}
	return NULL;
}

const struct cm_spd_entry *cm_spd_entry_find(const struct cm_spd *spd,
					     const char *map, u32 seq)
{
	unsigned int i, j;

	if (!spd)
		return NULL;
	for (i = 0; i < spd->n_maps; i++) {
		const struct cm_spd_map *m = &spd->maps[i];

		if (strcmp(m->name, map))
			continue;
		for (j = 0; j < m->n; j++)
			if (m->entries[j].seq == seq)
				return &m->entries[j];
	}
	return NULL;
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

static int cm_spd_compile_entry(struct cm_net *cmn, const struct cm_map *map,
				const struct cm_entry *e,
				struct cm_spd_entry *se,
				const struct cm_spd *old)
{
	const struct cm_global *g = &cmn->global;
	const struct cm_spd_entry *prev;
	struct cm_acl *acl;
	unsigned int i;

	strscpy(se->map, map->name, sizeof(se->map));
	strscpy(se->local_ifname, map->local_ifname, sizeof(se->local_ifname));
	se->seq = e->seq;
	se->type = e->type;

	acl = e->acl[0] ? cm_acl_find(cmn, e->acl) : NULL;
	if (acl && acl->n) {
		struct cm_ace *aces;

		aces = kvmalloc_array(acl->n, sizeof(*aces), GFP_KERNEL);
		if (!aces)
			return -ENOMEM;
		for (i = 0; i < acl->n; i++)
			aces[i] = acl->aces[i].ace;
		se->aces = aces;
		se->n_aces = acl->n;
	}

	memcpy(se->peers, e->peers, sizeof(se->peers));
	se->n_peers = e->n_peers;

	for (i = 0; i < e->n_tsets; i++) {
		struct cm_tset *ts = cm_tset_find(cmn, e->tsets[i]);

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
	unsigned int i, j;

	for (i = 0; i < spd->n_maps; i++) {
		struct cm_spd_map *m = &spd->maps[i];

		if (!m->entries)
			continue;
		for (j = 0; j < m->n; j++)
			kvfree(m->entries[j].aces);
		/* the entries hold session keys */
		kvfree_sensitive(m->entries, m->n * sizeof(*m->entries));
	}
	kfree(spd->maps);
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

static struct cm_spd *cm_spd_compile(struct cm_net *cmn,
				     const struct cm_spd *old)
{
	struct cm_spd *spd;
	struct cm_map *map;
	struct cm_bind *b;
	unsigned int i;

	spd = kzalloc(sizeof(*spd), GFP_KERNEL);
	if (!spd)
		return NULL;
	spd->genid = cmn->genid;
	INIT_RCU_WORK(&spd->free_work, cm_spd_free_work);

	if (cmn->n_maps) {
		spd->maps = kcalloc(cmn->n_maps, sizeof(*spd->maps), GFP_KERNEL);
		if (!spd->maps)
			goto err;
	}
	list_for_each_entry(map, &cmn->maps, list) {
		struct cm_spd_map *sm = &spd->maps[spd->n_maps++];
		struct cm_entry *e;

		strscpy(sm->name, map->name, sizeof(sm->name));
		if (!map->n_entries)
			continue;
		sm->entries = kvcalloc(map->n_entries, sizeof(*sm->entries),
				       GFP_KERNEL);
		if (!sm->entries)
			goto err;
		list_for_each_entry(e, &map->entries, list) {
			if (cm_spd_compile_entry(cmn, map, e,
						 &sm->entries[sm->n++], old))
				goto err;
		}
	}

	if (cmn->n_binds) {
		spd->ifs = kcalloc(cmn->n_binds, sizeof(*spd->ifs), GFP_KERNEL);
		if (!spd->ifs)
			goto err;
	}
	list_for_each_entry(b, &cmn->binds, list) {
		struct cm_spd_if *sif = &spd->ifs[spd->n_ifs++];

		sif->ifindex = b->ifindex;
		for (i = 0; i < spd->n_maps; i++)
			if (!strcmp(spd->maps[i].name, b->map))
				sif->map = &spd->maps[i];
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
 * caller undoes its change.
 */
int cm_spd_rebuild(struct cm_net *cmn)
{
	struct cm_spd *old, *spd;
	int err;

	lockdep_assert_held(&cmn->lock);
	old = rcu_dereference_protected(cmn->spd, lockdep_is_held(&cmn->lock));

	spd = cm_spd_compile(cmn, old);
	if (!spd)
		return -ENOMEM;
	err = cm_sadb_sync(cmn, spd);
	if (err) {
		cm_sadb_spd_release(spd);
		cm_spd_free(spd);
		return err;
	}
	rcu_assign_pointer(cmn->spd, spd);
	if (old)
		queue_rcu_work(cm_wq, &old->free_work);
	return 0;
}

/* Unpublish the SPD of a netns that goes away; freed after a grace period. */
void cm_spd_retire(struct cm_net *cmn)
{
	struct cm_spd *old;

	old = rcu_replace_pointer(cmn->spd, NULL, lockdep_is_held(&cmn->lock));
	if (old)
		queue_rcu_work(cm_wq, &old->free_work);
}
