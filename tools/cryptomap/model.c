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

	for (i = 0; i < c->nacls; i++)
		free(c->acls[i].e);
	free(c->acls);
	free(c->tsets);
	free(c->maps);
	/* the copies of session keys are wiped before they are freed */
	if (c->entries)
		explicit_bzero(c->entries, c->nentries * sizeof(*c->entries));
	free(c->entries);
	free(c->binds);
	memset(c, 0, sizeof(*c));
}

static void *dup_array(const void *p, size_t n, size_t size)
{
	void *q;

	if (!n)
		return NULL;
	q = xmalloc(n * size);
	memcpy(q, p, n * size);
	return q;
}

void cfg_copy(struct config *dst, const struct config *src)
{
	size_t i;

	*dst = *src;
	dst->acls = dup_array(src->acls, src->nacls, sizeof(*src->acls));
	for (i = 0; i < src->nacls; i++) {
		dst->acls[i].e = dup_array(src->acls[i].e, src->acls[i].n,
					   sizeof(struct ace));
		dst->acls[i].cap = src->acls[i].n;
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
	if (c->nacls)
		qsort(c->acls, c->nacls, sizeof(*c->acls), acl_cmp);
	if (c->nentries)
		qsort(c->entries, c->nentries, sizeof(*c->entries), entry_cmp);
	if (c->nbinds)
		qsort(c->binds, c->nbinds, sizeof(*c->binds), bind_cmp);
}

/* ---- lookups ----------------------------------------------------------- */

#define GROW(arr, n) \
	((arr) = xrealloc((arr), ((n) + 1) * sizeof(*(arr))), &(arr)[(n)++])

struct acl *cfg_acl(struct config *c, const char *name, bool create)
{
	struct acl *a;
	size_t i;

	for (i = 0; i < c->nacls; i++)
		if (!strcmp(c->acls[i].name, name))
			return &c->acls[i];
	if (!create)
		return NULL;
	a = GROW(c->acls, c->nacls);
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	return a;
}

void cfg_acl_del(struct config *c, const char *name)
{
	struct acl *a = cfg_acl(c, name, false);

	if (!a)
		return;
	free(a->e);
	*a = c->acls[--c->nacls];
}

int acl_insert(struct acl *a, const struct ace *e)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (a->e[i].seq == e->seq)
			return -1;
		if (a->e[i].seq > e->seq)
			break;
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->e = xrealloc(a->e, a->cap * sizeof(*a->e));
	}
	memmove(&a->e[i + 1], &a->e[i], (a->n - i) * sizeof(*a->e));
	a->e[i] = *e;
	a->n++;
	return 0;
}

void acl_remove_at(struct acl *a, size_t i)
{
	memmove(&a->e[i], &a->e[i + 1], (a->n - i - 1) * sizeof(*a->e));
	a->n--;
}

struct tset *cfg_tset(struct config *c, const char *name, bool create)
{
	struct tset *t;
	size_t i;

	for (i = 0; i < c->ntsets; i++)
		if (!strcmp(c->tsets[i].name, name))
			return &c->tsets[i];
	if (!create)
		return NULL;
	t = GROW(c->tsets, c->ntsets);
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->mode = CRYPTOMAP_MODE_TUNNEL;
	return t;
}

void cfg_tset_del(struct config *c, const char *name)
{
	struct tset *t = cfg_tset(c, name, false);

	if (t) {
		size_t i = t - c->tsets;

		memmove(t, t + 1, (--c->ntsets - i) * sizeof(*t));
	}
}

struct cmap *cfg_map(struct config *c, const char *name, bool create)
{
	struct cmap *m;
	size_t i;

	for (i = 0; i < c->nmaps; i++)
		if (!strcmp(c->maps[i].name, name))
			return &c->maps[i];
	if (!create)
		return NULL;
	m = GROW(c->maps, c->nmaps);
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

void cfg_map_del(struct config *c, const char *name)
{
	struct cmap *m = cfg_map(c, name, false);
	size_t i;

	if (m) {
		i = m - c->maps;
		memmove(m, m + 1, (--c->nmaps - i) * sizeof(*m));
	}
	for (i = 0; i < c->nentries;) {
		if (!strcmp(c->entries[i].map, name))
			c->entries[i] = c->entries[--c->nentries];
		else
			i++;
	}
}

/*
 * A map with no entry and no local-address is dropped, as the kernel
 * drops it when its last entry goes.
 */
void cfg_prune_maps(struct config *c)
{
	size_t i, j;

	for (i = 0; i < c->nmaps;) {
		const struct cmap *m = &c->maps[i];

		for (j = 0; j < c->nentries; j++)
			if (!strcmp(c->entries[j].map, m->name))
				break;
		if (j == c->nentries && !m->local_if[0]) {
			memmove(&c->maps[i], &c->maps[i + 1],
				(c->nmaps - i - 1) * sizeof(*c->maps));
			c->nmaps--;
		} else {
			i++;
		}
	}
}

struct entry *cfg_entry(struct config *c, const char *map, uint32_t seq,
			bool create)
{
	struct entry *e;
	size_t i;

	for (i = 0; i < c->nentries; i++)
		if (c->entries[i].seq == seq && !strcmp(c->entries[i].map, map))
			return &c->entries[i];
	if (!create)
		return NULL;
	e = GROW(c->entries, c->nentries);
	memset(e, 0, sizeof(*e));
	snprintf(e->map, sizeof(e->map), "%s", map);
	e->seq = seq;
	return e;
}

void cfg_entry_del(struct config *c, const char *map, uint32_t seq)
{
	struct entry *e = cfg_entry(c, map, seq, false);

	if (e)
		*e = c->entries[--c->nentries];
}

struct binding *cfg_bind(struct config *c, const char *ifname, bool create)
{
	struct binding *b;
	size_t i;

	for (i = 0; i < c->nbinds; i++)
		if (!strcmp(c->binds[i].ifname, ifname))
			return &c->binds[i];
	if (!create)
		return NULL;
	b = GROW(c->binds, c->nbinds);
	memset(b, 0, sizeof(*b));
	snprintf(b->ifname, sizeof(b->ifname), "%s", ifname);
	return b;
}

void cfg_bind_del(struct config *c, const char *ifname)
{
	struct binding *b = cfg_bind(c, ifname, false);

	if (b)
		*b = c->binds[--c->nbinds];
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
	    a->idle != b->idle || a->nkeys != b->nkeys)
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
