// SPDX-License-Identifier: GPL-2.0
/*
 * The in-memory configuration: lookups, copies, comparisons, and the
 * IOS words of its values.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmtool.h"
#include "model.h"

/* ---- indexes ------------------------------------------------------------ */

/*
 * Lookups by name go through hash indexes of positions, so that a
 * configuration of N objects is read, edited and compared in O(N) and not
 * O(N^2).  An index is a cache of one array: it remembers the array and
 * the count it was built for, follows the appends made here (GROW), and
 * is built again, in O(N), when the array was changed otherwise (a
 * delete, the sort) or moved.
 */
enum { IX_ACL, IX_TSET, IX_MAP, IX_ENTRY, IX_BIND, IX_CHAIN, IX_N };

struct hix {
	const void *base;	/* the array it indexes ... */
	size_t n;		/* ... and its count */
	bool valid;
	size_t cap;		/* slots, a power of two */
	size_t *slot;		/* position + 1; 0 = empty */
	size_t *next;		/* IX_CHAIN: next entry of the same map + 1 */
};

struct cfg_index {
	struct hix h[IX_N];
};

static uint64_t hash_str(uint64_t h, const char *s)
{
	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t hash_u32(uint64_t h, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++, v >>= 8) {
		h ^= v & 0xff;
		h *= 0x100000001b3ull;
	}
	return h;
}

#define HASH_INIT	0xcbf29ce484222325ull

/* the array of an index, its count, and the key of its object i */
static const void *ix_array(const struct config *c, int k, size_t *n)
{
	switch (k) {
	case IX_ACL:
		*n = c->nacls;
		return c->acls;
	case IX_TSET:
		*n = c->ntsets;
		return c->tsets;
	case IX_MAP:
		*n = c->nmaps;
		return c->maps;
	case IX_BIND:
		*n = c->nbinds;
		return c->binds;
	default:
		*n = c->nentries;
		return c->entries;
	}
}

static const char *ix_key(const struct config *c, int k, size_t i,
			  uint32_t *seq)
{
	*seq = 0;
	switch (k) {
	case IX_ACL:
		return c->acls[i].name;
	case IX_TSET:
		return c->tsets[i].name;
	case IX_MAP:
		return c->maps[i].name;
	case IX_BIND:
		return c->binds[i].ifname;
	case IX_ENTRY:
		*seq = c->entries[i].seq;
		return c->entries[i].map;
	default:		/* IX_CHAIN: entries by map name */
		return c->entries[i].map;
	}
}

static uint64_t ix_hash(int k, const char *name, uint32_t seq)
{
	uint64_t h = hash_str(HASH_INIT, name);

	return k == IX_ENTRY ? hash_u32(h, seq) : h;
}

static struct hix *ix_of(const struct config *c, int k)
{
	struct config *w = (struct config *)c;	/* the index is a cache */

	if (!w->ix) {
		w->ix = xmalloc(sizeof(*w->ix));
		memset(w->ix, 0, sizeof(*w->ix));
	}
	return &w->ix->h[k];
}

static void ix_stale(const struct config *c, int k)
{
	if (c->ix) {
		c->ix->h[k].valid = false;
		if (k == IX_ENTRY)
			c->ix->h[IX_CHAIN].valid = false;
	}
}

static void ix_free(struct config *c)
{
	int k;

	if (!c->ix)
		return;
	for (k = 0; k < IX_N; k++) {
		free(c->ix->h[k].slot);
		free(c->ix->h[k].next);
	}
	free(c->ix);
	c->ix = NULL;
}

/* the slot of (name, seq), or of the empty slot where it would go */
static size_t ix_probe(const struct config *c, int k, const struct hix *h,
		       const char *name, uint32_t seq)
{
	size_t mask = h->cap - 1, s = ix_hash(k, name, seq) & mask;
	uint32_t q;

	for (; h->slot[s]; s = (s + 1) & mask) {
		const char *kn = ix_key(c, k, h->slot[s] - 1, &q);

		if (q == seq && !strcmp(kn, name))
			break;
	}
	return s;
}

static void ix_build(const struct config *c, int k, struct hix *h)
{
	size_t n, i, s, cap = 16;
	const void *base = ix_array(c, k, &n);
	const char *name;
	uint32_t seq;

	while (cap < 2 * n + 2)
		cap *= 2;
	if (cap != h->cap) {
		free(h->slot);
		h->slot = xmalloc(cap * sizeof(*h->slot));
		h->cap = cap;
	}
	memset(h->slot, 0, cap * sizeof(*h->slot));
	if (k == IX_CHAIN) {
		free(h->next);
		h->next = xmalloc((n ? n : 1) * sizeof(*h->next));
		/* backwards: each map's slot ends on its first entry */
		for (i = n; i-- > 0;) {
			name = ix_key(c, k, i, &seq);
			s = ix_probe(c, k, h, name, 0);
			h->next[i] = h->slot[s];
			h->slot[s] = i + 1;
		}
	} else {
		/* the first of equal names wins, as the linear walk did */
		for (i = 0; i < n; i++) {
			name = ix_key(c, k, i, &seq);
			s = ix_probe(c, k, h, name, seq);
			if (!h->slot[s])
				h->slot[s] = i + 1;
		}
	}
	h->base = base;
	h->n = n;
	h->valid = true;
}

static struct hix *ix_get(const struct config *c, int k)
{
	struct hix *h = ix_of(c, k);
	size_t n;
	const void *base = ix_array(c, k, &n);

	if (!h->valid || h->base != base || h->n != n)
		ix_build(c, k, h);
	return h;
}

/* position of (name, seq), or SIZE_MAX */
static size_t ix_find(const struct config *c, int k, const char *name,
		      uint32_t seq)
{
	struct hix *h = ix_get(c, k);
	size_t s = ix_probe(c, k, h, name, seq);

	return h->slot[s] ? h->slot[s] - 1 : SIZE_MAX;
}

/*
 * Object n - 1 was just appended (the array may have moved from old):
 * extend the index if it was up to date before, else leave it stale.
 */
static void ix_appended(const struct config *c, int k, const void *old)
{
	struct hix *h;
	size_t n, s;
	const void *base = ix_array(c, k, &n);
	const char *name;
	uint32_t seq;

	ix_stale(c, IX_CHAIN);
	if (!c->ix)
		return;
	h = &c->ix->h[k];
	if (!h->valid || h->base != old || h->n + 1 != n)
		return;
	h->base = base;
	h->n = n;
	if (2 * n + 2 > h->cap) {
		ix_build(c, k, h);
		return;
	}
	name = ix_key(c, k, n - 1, &seq);
	s = ix_probe(c, k, h, name, seq);
	if (!h->slot[s])
		h->slot[s] = n;
}

size_t cfg_map_first(const struct config *c, const char *map)
{
	struct hix *h = ix_get(c, IX_CHAIN);
	size_t s = ix_probe(c, IX_CHAIN, h, map, 0);

	return h->slot[s] ? h->slot[s] - 1 : c->nentries;
}

size_t cfg_map_next(const struct config *c, size_t i)
{
	struct hix *h = ix_get(c, IX_CHAIN);

	return h->next[i] ? h->next[i] - 1 : c->nentries;
}

/* ACL lines by content: a chained hash of positions, appends followed */
struct ace_index {
	const struct ace *base;
	size_t n, cap;		/* cap: buckets, a power of two */
	size_t *head;		/* position + 1 */
	size_t *next;		/* per line, position + 1 */
	size_t ncap;		/* room in next */
};

static uint64_t ace_hash(const struct ace *e)
{
	uint64_t h = HASH_INIT;

	h = hash_u32(h, e->action);
	h = hash_u32(h, (uint32_t)e->proto);
	h = hash_u32(h, e->src);
	h = hash_u32(h, e->swild);
	h = hash_u32(h, e->dst);
	h = hash_u32(h, e->dwild);
	h = hash_u32(h, (uint32_t)e->sop << 16 | e->dop);
	h = hash_u32(h, (uint32_t)e->slo << 16 | e->shi);
	h = hash_u32(h, (uint32_t)e->dlo << 16 | e->dhi);
	return h;
}

static bool ace_same_match(const struct ace *a, const struct ace *b)
{
	return a->action == b->action && a->proto == b->proto &&
	       a->src == b->src && a->swild == b->swild &&
	       a->dst == b->dst && a->dwild == b->dwild &&
	       a->sop == b->sop && a->dop == b->dop && a->slo == b->slo &&
	       a->shi == b->shi && a->dlo == b->dlo && a->dhi == b->dhi;
}

static void ace_ix_free(struct acl *a)
{
	if (a->ix) {
		free(a->ix->head);
		free(a->ix->next);
		free(a->ix);
		a->ix = NULL;
	}
}

static void ace_ix_add(struct ace_index *x, const struct ace *e, size_t i)
{
	size_t b = ace_hash(e) & (x->cap - 1);

	x->next[i] = x->head[b];
	x->head[b] = i + 1;
}

static struct ace_index *ace_ix_get(struct acl *a)
{
	struct ace_index *x = a->ix;
	size_t i, cap = 16;

	if (x && x->base == a->e && x->n == a->n)
		return x;
	ace_ix_free(a);
	x = xmalloc(sizeof(*x));
	while (cap < 2 * a->n + 2)
		cap *= 2;
	x->cap = cap;
	x->ncap = cap;
	x->head = xmalloc(cap * sizeof(*x->head));
	memset(x->head, 0, cap * sizeof(*x->head));
	x->next = xmalloc(cap * sizeof(*x->next));
	for (i = 0; i < a->n; i++)
		ace_ix_add(x, &a->e[i], i);
	x->base = a->e;
	x->n = a->n;
	a->ix = x;
	return x;
}

long acl_find_same(struct acl *a, const struct ace *e)
{
	struct ace_index *x = ace_ix_get(a);
	size_t i, best = SIZE_MAX;

	/* the first such line in seq order, as the linear walk found it */
	for (i = x->head[ace_hash(e) & (x->cap - 1)]; i; i = x->next[i - 1])
		if (ace_same_match(&a->e[i - 1], e) && i - 1 < best)
			best = i - 1;
	return best == SIZE_MAX ? -1 : (long)best;
}

/* line n - 1 was just appended (a->e may have moved from old) */
static void ace_ix_appended(struct acl *a, const struct ace *old)
{
	struct ace_index *x = a->ix;

	if (!x || x->base != old || x->n + 1 != a->n || a->n > x->ncap / 2) {
		ace_ix_free(a);
		return;
	}
	x->base = a->e;
	x->n = a->n;
	ace_ix_add(x, &a->e[a->n - 1], a->n - 1);
}

void cfg_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->g.life_sec = DEF_LIFE_SEC;
	c->g.life_kb = DEF_LIFE_KB;
	c->g.replay_window = DEF_REPLAY;
}

void cfg_free(struct config *c)
{
	size_t i;

	for (i = 0; i < c->nacls; i++) {
		free(c->acls[i].e);
		ace_ix_free(&c->acls[i]);
	}
	free(c->acls);
	free(c->tsets);
	free(c->maps);
	/* the copies of session keys are wiped before they are freed */
	if (c->entries)
		explicit_bzero(c->entries, c->nentries * sizeof(*c->entries));
	free(c->entries);
	free(c->binds);
	ix_free(c);
	memset(c, 0, sizeof(*c));
}

/*
 * The object arrays hold at least grow_cap(n) objects (n: their count),
 * so that N appends cost O(N) copies, not O(N^2).
 */
static size_t grow_cap(size_t n)
{
	size_t cap = 16;

	while (cap < n)
		cap += cap / 2;
	return cap;
}

static void *grow(void *arr, size_t n, size_t size)
{
	if (arr && n + 1 <= grow_cap(n))
		return arr;
	return xrealloc(arr, grow_cap(n + 1) * size);
}

static void *dup_array(const void *p, size_t n, size_t size)
{
	void *q;

	if (!n)
		return NULL;
	q = xmalloc(grow_cap(n) * size);	/* room to append, see grow() */
	memcpy(q, p, n * size);
	return q;
}

void cfg_copy(struct config *dst, const struct config *src)
{
	size_t i;

	*dst = *src;
	dst->ix = NULL;
	dst->acls = dup_array(src->acls, src->nacls, sizeof(*src->acls));
	for (i = 0; i < src->nacls; i++) {
		dst->acls[i].e = dup_array(src->acls[i].e, src->acls[i].n,
					   sizeof(struct ace));
		dst->acls[i].cap = src->acls[i].n;
		dst->acls[i].ix = NULL;
	}
	dst->tsets = dup_array(src->tsets, src->ntsets, sizeof(*src->tsets));
	dst->maps = dup_array(src->maps, src->nmaps, sizeof(*src->maps));
	dst->entries = dup_array(src->entries, src->nentries,
				 sizeof(*src->entries));
	dst->binds = dup_array(src->binds, src->nbinds, sizeof(*src->binds));
}

/*
 * Sorting: ACLs as IOS lists them (numbers numerically), entries by map
 * and sequence number, interfaces by name.  Transform sets and maps keep
 * their creation order (the kernel's dump order), as IOS shows them.
 */

static int name_cmp(const char *a, const char *b)
{
	bool na = a[0] && strspn(a, "0123456789") == strlen(a);
	bool nb = b[0] && strspn(b, "0123456789") == strlen(b);

	if (na && nb) {
		unsigned long x = strtoul(a, NULL, 10), y = strtoul(b, NULL, 10);

		return x < y ? -1 : x > y;
	}
	return strcmp(a, b);
}

static int acl_cmp(const void *a, const void *b)
{
	return name_cmp(((const struct acl *)a)->name,
			((const struct acl *)b)->name);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int r = strcmp(x->map, y->map);

	if (r)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int bind_cmp(const void *a, const void *b)
{
	return strcmp(((const struct binding *)a)->ifname,
		      ((const struct binding *)b)->ifname);
}

void cfg_sort(struct config *c)
{
	int k;

	for (k = 0; k < IX_N; k++)
		ix_stale(c, k);
	if (c->nacls)
		qsort(c->acls, c->nacls, sizeof(*c->acls), acl_cmp);
	if (c->nentries)
		qsort(c->entries, c->nentries, sizeof(*c->entries), entry_cmp);
	if (c->nbinds)
		qsort(c->binds, c->nbinds, sizeof(*c->binds), bind_cmp);
}

/* ---- lookups ----------------------------------------------------------- */

#define GROW(arr, n) \
	((arr) = grow((arr), (n), sizeof(*(arr))), &(arr)[(n)++])

struct acl *cfg_acl(struct config *c, const char *name, bool create)
{
	size_t i = ix_find(c, IX_ACL, name, 0);
	const void *old = c->acls;
	struct acl *a;

	if (i != SIZE_MAX)
		return &c->acls[i];
	if (!create)
		return NULL;
	a = GROW(c->acls, c->nacls);
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	ix_appended(c, IX_ACL, old);
	return a;
}

const struct acl *cfg_acl_get(const struct config *c, const char *name)
{
	size_t i = ix_find(c, IX_ACL, name, 0);

	return i == SIZE_MAX ? NULL : &c->acls[i];
}

void cfg_acl_del(struct config *c, const char *name)
{
	struct acl *a = cfg_acl(c, name, false);

	if (!a)
		return;
	free(a->e);
	ace_ix_free(a);
	*a = c->acls[--c->nacls];
	ix_stale(c, IX_ACL);
}

int acl_insert(struct acl *a, const struct ace *e)
{
	const struct ace *old = a->e;
	size_t i, lo = 0, hi = a->n;

	/* sorted by seq: binary search, appending the usual case */
	if (a->n && a->e[a->n - 1].seq < e->seq) {
		i = a->n;
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (a->e[mid].seq < e->seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
		if (i < a->n && a->e[i].seq == e->seq)
			return -1;
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->e = xrealloc(a->e, a->cap * sizeof(*a->e));
	}
	memmove(&a->e[i + 1], &a->e[i], (a->n - i) * sizeof(*a->e));
	a->e[i] = *e;
	a->n++;
	if (i == a->n - 1)
		ace_ix_appended(a, old);
	else
		ace_ix_free(a);
	return 0;
}

void acl_remove_at(struct acl *a, size_t i)
{
	memmove(&a->e[i], &a->e[i + 1], (a->n - i - 1) * sizeof(*a->e));
	a->n--;
	ace_ix_free(a);
}

struct tset *cfg_tset(struct config *c, const char *name, bool create)
{
	size_t i = ix_find(c, IX_TSET, name, 0);
	const void *old = c->tsets;
	struct tset *t;

	if (i != SIZE_MAX)
		return &c->tsets[i];
	if (!create)
		return NULL;
	t = GROW(c->tsets, c->ntsets);
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->mode = CRYPTOMAP_MODE_TUNNEL;
	ix_appended(c, IX_TSET, old);
	return t;
}

const struct tset *cfg_tset_get(const struct config *c, const char *name)
{
	size_t i = ix_find(c, IX_TSET, name, 0);

	return i == SIZE_MAX ? NULL : &c->tsets[i];
}

void cfg_tset_del(struct config *c, const char *name)
{
	struct tset *t = cfg_tset(c, name, false);

	if (t) {
		size_t i = t - c->tsets;

		memmove(t, t + 1, (--c->ntsets - i) * sizeof(*t));
		ix_stale(c, IX_TSET);
	}
}

struct cmap *cfg_map(struct config *c, const char *name, bool create)
{
	size_t i = ix_find(c, IX_MAP, name, 0);
	const void *old = c->maps;
	struct cmap *m;

	if (i != SIZE_MAX)
		return &c->maps[i];
	if (!create)
		return NULL;
	m = GROW(c->maps, c->nmaps);
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	ix_appended(c, IX_MAP, old);
	return m;
}

const struct cmap *cfg_map_get(const struct config *c, const char *name)
{
	size_t i = ix_find(c, IX_MAP, name, 0);

	return i == SIZE_MAX ? NULL : &c->maps[i];
}

void cfg_map_del(struct config *c, const char *name)
{
	struct cmap *m = cfg_map(c, name, false);
	size_t i;

	if (m) {
		i = m - c->maps;
		memmove(m, m + 1, (--c->nmaps - i) * sizeof(*m));
		ix_stale(c, IX_MAP);
	}
	for (i = 0; i < c->nentries;) {
		if (!strcmp(c->entries[i].map, name)) {
			c->entries[i] = c->entries[--c->nentries];
			ix_stale(c, IX_ENTRY);
		} else {
			i++;
		}
	}
}

/*
 * A map with no entry and no local-address is dropped, as the kernel
 * drops it when its last entry goes.
 */
void cfg_prune_maps(struct config *c)
{
	size_t i, j;

	for (i = j = 0; i < c->nmaps; i++) {
		const struct cmap *m = &c->maps[i];

		if (cfg_map_first(c, m->name) == c->nentries && !m->local_if[0])
			continue;
		if (j != i)
			c->maps[j] = c->maps[i];
		j++;
	}
	if (j != c->nmaps) {
		c->nmaps = j;
		ix_stale(c, IX_MAP);
	}
}

struct entry *cfg_entry(struct config *c, const char *map, uint32_t seq,
			bool create)
{
	size_t i = ix_find(c, IX_ENTRY, map, seq);
	const void *old = c->entries;
	struct entry *e;

	if (i != SIZE_MAX)
		return &c->entries[i];
	if (!create)
		return NULL;
	e = GROW(c->entries, c->nentries);
	memset(e, 0, sizeof(*e));
	snprintf(e->map, sizeof(e->map), "%s", map);
	e->seq = seq;
	ix_appended(c, IX_ENTRY, old);
	return e;
}

void cfg_entry_del(struct config *c, const char *map, uint32_t seq)
{
	struct entry *e = cfg_entry(c, map, seq, false);

	if (e) {
		*e = c->entries[--c->nentries];
		ix_stale(c, IX_ENTRY);
	}
}

struct binding *cfg_bind(struct config *c, const char *ifname, bool create)
{
	size_t i = ix_find(c, IX_BIND, ifname, 0);
	const void *old = c->binds;
	struct binding *b;

	if (i != SIZE_MAX)
		return &c->binds[i];
	if (!create)
		return NULL;
	b = GROW(c->binds, c->nbinds);
	memset(b, 0, sizeof(*b));
	snprintf(b->ifname, sizeof(b->ifname), "%s", ifname);
	ix_appended(c, IX_BIND, old);
	return b;
}

void cfg_bind_del(struct config *c, const char *ifname)
{
	struct binding *b = cfg_bind(c, ifname, false);

	if (b) {
		*b = c->binds[--c->nbinds];
		ix_stale(c, IX_BIND);
	}
}

/* ---- comparisons (what must be pushed to the kernel) ------------------ */

static bool ace_equal(const struct ace *a, const struct ace *b)
{
	return a->seq == b->seq && a->action == b->action &&
	       a->proto == b->proto && a->src == b->src &&
	       a->swild == b->swild && a->dst == b->dst &&
	       a->dwild == b->dwild && a->sop == b->sop &&
	       a->dop == b->dop && a->slo == b->slo && a->shi == b->shi &&
	       a->dlo == b->dlo && a->dhi == b->dhi;
}

bool acl_equal(const struct acl *a, const struct acl *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!ace_equal(&a->e[i], &b->e[i]))
			return false;
	return true;
}

bool tset_equal(const struct tset *a, const struct tset *b)
{
	return a->ah == b->ah && a->enc == b->enc &&
	       a->keybits == b->keybits && a->eauth == b->eauth &&
	       a->comp == b->comp && a->mode == b->mode;
}

bool map_equal(const struct cmap *a, const struct cmap *b)
{
	return !strcmp(a->local_if, b->local_if);
}

static bool key_equal(const struct skey *a, const struct skey *b)
{
	if (a->dir != b->dir || a->proto != b->proto || a->spi != b->spi)
		return false;
	/* material that was read back cannot be compared: assume changed */
	if (!a->known || !b->known)
		return !a->known && !b->known &&
		       a->cipher_len == b->cipher_len &&
		       a->auth_len == b->auth_len;
	return a->has_cipher == b->has_cipher && a->has_auth == b->has_auth &&
	       a->cipher_len == b->cipher_len && a->auth_len == b->auth_len &&
	       !memcmp(a->cipher, b->cipher, a->cipher_len) &&
	       !memcmp(a->auth, b->auth, a->auth_len);
}

bool entry_equal(const struct entry *a, const struct entry *b)
{
	int i;

	if (a->type != b->type || strcmp(a->acl, b->acl) ||
	    a->npeers != b->npeers || a->ntsets != b->ntsets ||
	    a->pfs != b->pfs || a->life_sec != b->life_sec ||
	    a->life_kb != b->life_kb || a->replay_mode != b->replay_mode ||
	    a->idle != b->idle || a->esn != b->esn || a->nkeys != b->nkeys)
		return false;
	if (a->replay_mode == CRYPTOMAP_REPLAY_WINDOW &&
	    a->replay_window != b->replay_window)
		return false;
	for (i = 0; i < a->npeers; i++)
		if (a->peers[i] != b->peers[i])
			return false;
	for (i = 0; i < a->ntsets; i++)
		if (strcmp(a->tsets[i], b->tsets[i]))
			return false;
	for (i = 0; i < a->nkeys; i++)
		if (!key_equal(&a->keys[i], &b->keys[i]))
			return false;
	return true;
}

bool bind_equal(const struct binding *a, const struct binding *b)
{
	return !strcmp(a->map, b->map);
}

bool global_equal(const struct global *a, const struct global *b)
{
	return a->life_sec == b->life_sec && a->life_kb == b->life_kb &&
	       a->replay_window == b->replay_window && a->idle == b->idle &&
	       a->replay_disable == b->replay_disable &&
	       a->df_bit == b->df_bit && a->frag == b->frag;
}

uint32_t entry_life_sec(const struct config *c, const struct entry *e)
{
	return e->life_sec ? e->life_sec : c->g.life_sec;
}

uint32_t entry_life_kb(const struct config *c, const struct entry *e)
{
	return e->life_kb ? e->life_kb : c->g.life_kb;
}

/* ---- words ------------------------------------------------------------ */

const char *ah_name(uint8_t ah)
{
	static const char *const n[] = {
		[CRYPTOMAP_AH_MD5_HMAC] = "ah-md5-hmac",
		[CRYPTOMAP_AH_SHA_HMAC] = "ah-sha-hmac",
		[CRYPTOMAP_AH_SHA256_HMAC] = "ah-sha256-hmac",
		[CRYPTOMAP_AH_SHA384_HMAC] = "ah-sha384-hmac",
		[CRYPTOMAP_AH_SHA512_HMAC] = "ah-sha512-hmac",
	};

	return ah < __CRYPTOMAP_AH_MAX && n[ah] ? n[ah] : "?";
}

const char *eauth_name(uint8_t a)
{
	static const char *const n[] = {
		[CRYPTOMAP_EAUTH_MD5_HMAC] = "esp-md5-hmac",
		[CRYPTOMAP_EAUTH_SHA_HMAC] = "esp-sha-hmac",
		[CRYPTOMAP_EAUTH_SHA256_HMAC] = "esp-sha256-hmac",
		[CRYPTOMAP_EAUTH_SHA384_HMAC] = "esp-sha384-hmac",
		[CRYPTOMAP_EAUTH_SHA512_HMAC] = "esp-sha512-hmac",
	};

	return a < __CRYPTOMAP_EAUTH_MAX && n[a] ? n[a] : "?";
}

const char *comp_name(uint8_t c)
{
	return c == CRYPTOMAP_COMP_LZS ? "comp-lzs" :
	       c == CRYPTOMAP_COMP_DEFLATE ? "comp-deflate" : "?";
}

static const char *enc_base(uint8_t enc)
{
	static const char *const n[] = {
		[CRYPTOMAP_ENC_NULL] = "esp-null",
		[CRYPTOMAP_ENC_DES] = "esp-des",
		[CRYPTOMAP_ENC_3DES] = "esp-3des",
		[CRYPTOMAP_ENC_AES] = "esp-aes",
		[CRYPTOMAP_ENC_GCM] = "esp-gcm",
		[CRYPTOMAP_ENC_GMAC] = "esp-gmac",
	};

	return enc < __CRYPTOMAP_ENC_MAX && n[enc] ? n[enc] : "?";
}

static bool enc_has_bits(uint8_t enc)
{
	return enc == CRYPTOMAP_ENC_AES || enc == CRYPTOMAP_ENC_GCM ||
	       enc == CRYPTOMAP_ENC_GMAC;
}

void enc_config_name(const struct tset *t, char *buf, size_t len)
{
	if (enc_has_bits(t->enc) && t->keybits && t->keybits != 128)
		snprintf(buf, len, "%s %u", enc_base(t->enc), t->keybits);
	else
		snprintf(buf, len, "%s", enc_base(t->enc));
}

/* IOS shows esp-aes 256 as esp-256-aes; gcm and gmac keep the config form */
void enc_show_name(const struct tset *t, char *buf, size_t len)
{
	if (t->enc == CRYPTOMAP_ENC_AES && t->keybits && t->keybits != 128)
		snprintf(buf, len, "esp-%u-aes", t->keybits);
	else
		enc_config_name(t, buf, len);
}

const char *proto_name(int proto, char *buf, size_t len)
{
	switch (proto) {
	case -1:
		return "ip";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ahp";
	case IPPROTO_GRE:
		return "gre";
	}
	snprintf(buf, len, "%d", proto);
	return buf;
}

const struct port_name ports_tcp[] = {
	{ "bgp", 179 }, { "chargen", 19 }, { "cmd", 514 }, { "daytime", 13 },
	{ "discard", 9 }, { "domain", 53 }, { "echo", 7 }, { "exec", 512 },
	{ "finger", 79 }, { "ftp", 21 }, { "ftp-data", 20 },
	{ "gopher", 70 }, { "hostname", 101 }, { "ident", 113 },
	{ "irc", 194 }, { "klogin", 543 }, { "kshell", 544 },
	{ "login", 513 }, { "lpd", 515 }, { "nntp", 119 },
	{ "pop2", 109 }, { "pop3", 110 }, { "smtp", 25 }, { "sunrpc", 111 },
	{ "tacacs", 49 }, { "talk", 517 }, { "telnet", 23 }, { "time", 37 },
	{ "uucp", 540 }, { "whois", 43 }, { "www", 80 }, { NULL, 0 },
};

const struct port_name ports_udp[] = {
	{ "biff", 512 }, { "bootpc", 68 }, { "bootps", 67 },
	{ "discard", 9 }, { "dnsix", 195 }, { "domain", 53 }, { "echo", 7 },
	{ "isakmp", 500 }, { "mobile-ip", 434 }, { "nameserver", 42 },
	{ "netbios-dgm", 138 }, { "netbios-ns", 137 }, { "netbios-ss", 139 },
	{ "non500-isakmp", 4500 }, { "ntp", 123 }, { "rip", 520 },
	{ "snmp", 161 }, { "snmptrap", 162 }, { "sunrpc", 111 },
	{ "syslog", 514 }, { "tacacs", 49 }, { "talk", 517 }, { "tftp", 69 },
	{ "time", 37 }, { "who", 513 }, { "xdmcp", 177 }, { NULL, 0 },
};

const char *port_name(int proto, uint16_t port, char *buf, size_t len)
{
	const struct port_name *p = proto == IPPROTO_TCP ? ports_tcp :
				    proto == IPPROTO_UDP ? ports_udp : NULL;

	for (; p && p->name; p++)
		if (p->port == port)
			return p->name;
	snprintf(buf, len, "%u", port);
	return buf;
}

const char *ip_text(uint32_t be_addr)
{
	static char bufs[8][INET_ADDRSTRLEN];
	static int n;
	char *b = bufs[n++ & 7];

	inet_ntop(AF_INET, &be_addr, b, INET_ADDRSTRLEN);
	return b;
}

void addr_text(uint32_t addr, uint32_t wild, char *buf, size_t len)
{
	if (wild == 0xffffffff)
		snprintf(buf, len, "any");
	else if (!wild)
		snprintf(buf, len, "host %s", ip_text(addr));
	else
		snprintf(buf, len, "%s %s", ip_text(addr), ip_text(wild));
}

void ports_text(int proto, uint8_t op, uint16_t lo, uint16_t hi, char *buf,
		size_t len)
{
	static const char *const ops[] = {
		[CRYPTOMAP_PORT_EQ] = "eq", [CRYPTOMAP_PORT_NEQ] = "neq",
		[CRYPTOMAP_PORT_LT] = "lt", [CRYPTOMAP_PORT_GT] = "gt",
	};
	char b1[8], b2[8];

	if (op == CRYPTOMAP_PORT_ANY || op > CRYPTOMAP_PORT_RANGE)
		buf[0] = 0;
	else if (op == CRYPTOMAP_PORT_RANGE)
		snprintf(buf, len, "range %s %s",
			 port_name(proto, lo, b1, sizeof(b1)),
			 port_name(proto, hi, b2, sizeof(b2)));
	else
		snprintf(buf, len, "%s %s", ops[op],
			 port_name(proto, lo, b1, sizeof(b1)));
}

void ace_text(const struct ace *e, char *buf, size_t len)
{
	char p[8], s[40], d[40], sp[32], dp[32];

	addr_text(e->src, e->swild, s, sizeof(s));
	addr_text(e->dst, e->dwild, d, sizeof(d));
	ports_text(e->proto, e->sop, e->slo, e->shi, sp, sizeof(sp));
	ports_text(e->proto, e->dop, e->dlo, e->dhi, dp, sizeof(dp));
	snprintf(buf, len, "%s %s %s%s%s %s%s%s",
		 e->action == CRYPTOMAP_ACE_DENY ? "deny" : "permit",
		 proto_name(e->proto, p, sizeof(p)), s, sp[0] ? " " : "", sp,
		 d, dp[0] ? " " : "", dp);
}
