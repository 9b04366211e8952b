// SPDX-License-Identifier: GPL-2.0
/*
 * IOS global-configuration text -> the in-memory configuration.
 *
 * Words are compared whole (no prefix matching).  Sub-mode commands are
 * recognised by indentation, or by context: a non-indented line that the
 * current sub-mode understands belongs to it, as when typing at a router.
 * Every error names the line and quotes the word that is wrong.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmtool.h"

#define MAX_WORDS	64

enum mode { M_GLOBAL, M_ACL, M_TSET, M_ENTRY, M_IF, M_ISAKMP,
	    /* crypto ikev2 proposal/policy/keyring (peer)/profile */
	    M_V2PROP, M_V2POL, M_V2KR, M_V2PEER, M_V2PROF };

struct pctx {
	struct config *c;
	const struct parse_opts *o;
	int lineno;
	const char *text;		/* the line, trimmed */
	enum mode mode;
	char acl[NAME_LEN];		/* ip access-list extended NAME */
	char tset[NAME_LEN];
	char map[NAME_LEN];
	uint32_t seq;
	char ifname[NAME_LEN];
	char **w;
	int n;
};

static int perr(struct pctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "line %d: %s: ", p->lineno, p->text);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int need(struct pctx *p, int i, const char *what)
{
	if (i < p->n)
		return 0;
	return perr(p, "incomplete command: %s expected", what);
}

static int no_more(struct pctx *p, int i)
{
	if (i >= p->n)
		return 0;
	return perr(p, "unexpected \"%s\"", p->w[i]);
}

static int parse_u32(struct pctx *p, const char *s, const char *what,
		     unsigned long lo, unsigned long hi, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return perr(p, "invalid %s \"%s\"", what, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno)
		return perr(p, "invalid %s \"%s\"", what, s);
	if (v < lo || v > hi)
		return perr(p, "%s \"%s\" is out of range %lu-%lu", what, s,
			    lo, hi);
	*out = v;
	return 0;
}

static int parse_ipv4(struct pctx *p, const char *s, uint32_t *out)
{
	struct in_addr a;

	if (strspn(s, "0123456789.") != strlen(s) ||
	    inet_pton(AF_INET, s, &a) != 1)
		return perr(p, "invalid IPv4 address \"%s\"", s);
	*out = a.s_addr;
	return 0;
}

static int check_name(struct pctx *p, const char *s, const char *what)
{
	if (strlen(s) >= NAME_LEN)
		return perr(p, "%s \"%s\" is longer than %d characters", what,
			    s, NAME_LEN - 1);
	if (!strcmp(s, KEY_MARKER) || strpbrk(s, "\"<>"))
		return perr(p, "invalid %s \"%s\"", what, s);
	return 0;
}

static int check_ifname(struct pctx *p, const char *s)
{
	if (strlen(s) >= IFNAMSIZ)
		return perr(p, "interface name \"%s\" is longer than %d characters",
			    s, IFNAMSIZ - 1);
	if (strchr(s, '/') || strpbrk(s, "\"<>"))
		return perr(p, "invalid interface name \"%s\"", s);
	return 0;
}

/* 100-199 and 2000-2699 are extended lists; other numbers are refused */
static int check_acl_name(struct pctx *p, const char *s)
{
	unsigned long v;

	if (check_name(p, s, "access list name"))
		return -1;
	if (strspn(s, "0123456789") != strlen(s))
		return 0;
	v = strtoul(s, NULL, 10);
	if ((v >= 100 && v <= 199) || (v >= 2000 && v <= 2699))
		return 0;
	if ((v >= 1 && v <= 99) || (v >= 1300 && v <= 1999))
		return perr(p, "access list \"%s\": standard access lists are not supported, crypto ACLs are extended (100-199, 2000-2699 or a name)",
			    s);
	return perr(p, "invalid access list number \"%s\" (extended lists are 100-199 and 2000-2699)",
		    s);
}

/* ---- access lists ----------------------------------------------------- */

static int parse_proto(struct pctx *p, const char *s, int *proto)
{
	static const struct { const char *n; int v; } t[] = {
		{ "ip", -1 }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "esp", IPPROTO_ESP },
		{ "ahp", IPPROTO_AH }, { "gre", IPPROTO_GRE },
	};
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcmp(s, t[i].n)) {
			*proto = t[i].v;
			return 0;
		}
	}
	if (!isdigit((unsigned char)s[0]))
		return perr(p, "unknown protocol \"%s\" (ip, tcp, udp, icmp, esp, ahp, gre or 0-255)",
			    s);
	if (parse_u32(p, s, "protocol number", 0, 255, &v))
		return -1;
	*proto = v ? (int)v : -1;	/* 0 matches any protocol, as ip */
	return 0;
}

static int parse_addr(struct pctx *p, int *i, uint32_t *addr, uint32_t *wild,
		      const char *what)
{
	if (need(p, *i, what))
		return -1;
	if (!strcmp(p->w[*i], "any")) {
		*addr = 0;
		*wild = 0xffffffff;
		(*i)++;
		return 0;
	}
	if (!strcmp(p->w[*i], "host")) {
		(*i)++;
		if (need(p, *i, "host address") ||
		    parse_ipv4(p, p->w[*i], addr))
			return -1;
		*wild = 0;
		(*i)++;
		return 0;
	}
	if (parse_ipv4(p, p->w[*i], addr))
		return -1;
	(*i)++;
	if (need(p, *i, "wildcard mask"))
		return -1;
	if (strspn(p->w[*i], "0123456789.") != strlen(p->w[*i]) ||
	    inet_pton(AF_INET, p->w[*i], wild) != 1)
		return perr(p, "invalid wildcard mask \"%s\"", p->w[*i]);
	(*i)++;
	*addr &= ~*wild;
	return 0;
}

static int parse_port(struct pctx *p, int proto, const char *s, uint16_t *out)
{
	const struct port_name *t = proto == IPPROTO_TCP ? ports_tcp : ports_udp;
	uint32_t v;

	for (; t->name; t++) {
		if (!strcmp(s, t->name)) {
			*out = t->port;
			return 0;
		}
	}
	if (!isdigit((unsigned char)s[0]))
		return perr(p, "unknown %s port \"%s\"",
			    proto == IPPROTO_TCP ? "tcp" : "udp", s);
	if (parse_u32(p, s, "port", 0, 65535, &v))
		return -1;
	*out = v;
	return 0;
}

static int parse_ports(struct pctx *p, int *i, int proto, uint8_t *op,
		       uint16_t *lo, uint16_t *hi)
{
	static const char *const ops[] = {
		[CRYPTOMAP_PORT_EQ] = "eq", [CRYPTOMAP_PORT_NEQ] = "neq",
		[CRYPTOMAP_PORT_LT] = "lt", [CRYPTOMAP_PORT_GT] = "gt",
		[CRYPTOMAP_PORT_RANGE] = "range",
	};
	int k;

	*op = CRYPTOMAP_PORT_ANY;
	*lo = *hi = 0;
	if (*i >= p->n)
		return 0;
	for (k = CRYPTOMAP_PORT_EQ; k <= CRYPTOMAP_PORT_RANGE; k++)
		if (!strcmp(p->w[*i], ops[k]))
			break;
	if (k > CRYPTOMAP_PORT_RANGE)
		return 0;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return perr(p, "\"%s\": port matches need tcp or udp",
			    p->w[*i]);
	(*i)++;
	if (need(p, *i, "port") || parse_port(p, proto, p->w[*i], lo))
		return -1;
	(*i)++;
	if (k == CRYPTOMAP_PORT_RANGE) {
		if (need(p, *i, "upper port") ||
		    parse_port(p, proto, p->w[*i], hi))
			return -1;
		if (*hi < *lo)
			return perr(p, "range %s %s: the upper port is below the lower one",
				    p->w[*i - 1], p->w[*i]);
		(*i)++;
	}
	*op = k;
	return 0;
}

/* {permit|deny} PROTO SRC [PORTS] DST [PORTS], from word i */
static int parse_ace(struct pctx *p, int i, struct ace *e)
{
	memset(e, 0, sizeof(*e));
	e->line = p->lineno;
	if (need(p, i, "permit or deny"))
		return -1;
	if (!strcmp(p->w[i], "permit"))
		e->action = CRYPTOMAP_ACE_PERMIT;
	else if (!strcmp(p->w[i], "deny"))
		e->action = CRYPTOMAP_ACE_DENY;
	else if (!strcmp(p->w[i], "remark"))
		return perr(p, "\"remark\" is not supported");
	else if (!strcmp(p->w[i], "dynamic") || !strcmp(p->w[i], "evaluate"))
		return perr(p, "\"%s\" entries are not supported", p->w[i]);
	else
		return perr(p, "\"%s\": permit or deny expected", p->w[i]);
	i++;
	if (need(p, i, "protocol") || parse_proto(p, p->w[i], &e->proto))
		return -1;
	i++;
	if (parse_addr(p, &i, &e->src, &e->swild, "source address") ||
	    parse_ports(p, &i, e->proto, &e->sop, &e->slo, &e->shi) ||
	    parse_addr(p, &i, &e->dst, &e->dwild, "destination address") ||
	    parse_ports(p, &i, e->proto, &e->dop, &e->dlo, &e->dhi))
		return -1;
	if (i < p->n)
		return perr(p, "unexpected \"%s\" (not supported in a crypto access list)",
			    p->w[i]);
	return 0;
}

static bool ace_same(const struct ace *a, const struct ace *b)
{
	struct ace x = *a, y = *b;

	x.seq = y.seq = 0;
	x.line = y.line = 0;
	return !memcmp(&x, &y, sizeof(x));
}

/* adds an entry; seq 0 = after the last.  Exact duplicates are ignored. */
static int acl_add(struct pctx *p, struct acl *a, struct ace *e)
{
	if (acl_find_same(a, e) >= 0)	/* hashed: O(1), not a walk */
		return 0;
	if (!e->seq) {
		uint64_t s = a->n ? (uint64_t)a->e[a->n - 1].seq + ACL_SEQ_STEP :
				    ACL_SEQ_STEP;

		if (s > ACL_SEQ_MAX)
			return perr(p, "access list %s: no sequence number left after %u",
				    a->name, a->e[a->n - 1].seq);
		e->seq = s;
	}
	if (acl_insert(a, e))
		return perr(p, "access list %s: duplicate sequence number %u",
			    a->name, e->seq);
	a->line = p->lineno;
	return 0;
}

static int cmd_access_list(struct pctx *p, bool no)
{
	struct acl *a;
	struct ace e;

	if (need(p, 1, "access list number") || check_acl_name(p, p->w[1]))
		return -1;
	if (strspn(p->w[1], "0123456789") != strlen(p->w[1]))
		return perr(p, "invalid access list number \"%s\"", p->w[1]);
	if (no) {
		if (no_more(p, 2))
			return -1;
		cfg_acl_del(p->c, p->w[1]);
		return 0;
	}
	if (parse_ace(p, 2, &e))
		return -1;
	a = cfg_acl(p->c, p->w[1], true);
	return acl_add(p, a, &e);
}

static int cmd_ip(struct pctx *p, bool no)
{
	if (need(p, 1, "access-list") )
		return -1;
	if (strcmp(p->w[1], "access-list"))
		return perr(p, "unknown command \"%s\"", p->w[1]);
	if (need(p, 2, "extended"))
		return -1;
	if (!strcmp(p->w[2], "standard"))
		return perr(p, "\"standard\": crypto access lists are extended");
	if (strcmp(p->w[2], "extended"))
		return perr(p, "\"%s\": extended expected", p->w[2]);
	if (need(p, 3, "access list name") || check_acl_name(p, p->w[3]) ||
	    no_more(p, 4))
		return -1;
	if (no) {
		cfg_acl_del(p->c, p->w[3]);
		return 0;
	}
	cfg_acl(p->c, p->w[3], true)->line = p->lineno;
	snprintf(p->acl, sizeof(p->acl), "%s", p->w[3]);
	p->mode = M_ACL;
	return 0;
}

static int sub_acl(struct pctx *p)
{
	struct acl *a = cfg_acl(p->c, p->acl, true);
	bool no = !strcmp(p->w[0], "no");
	int i = no ? 1 : 0;
	struct ace e;
	uint32_t seq = 0;
	size_t k;

	if (need(p, i, "permit, deny or a sequence number"))
		return -1;
	if (isdigit((unsigned char)p->w[i][0])) {
		if (parse_u32(p, p->w[i], "sequence number", 1, ACL_SEQ_MAX,
			      &seq))
			return -1;
		i++;
		if (no && i == p->n) {
			for (k = 0; k < a->n; k++) {
				if (a->e[k].seq == seq) {
					acl_remove_at(a, k);
					a->line = p->lineno;
					return 0;
				}
			}
			return perr(p, "access list %s has no entry %u",
				    a->name, seq);
		}
	}
	if (parse_ace(p, i, &e))
		return -1;
	if (no) {
		for (k = 0; k < a->n; k++) {
			if (ace_same(&a->e[k], &e) && (!seq || a->e[k].seq == seq)) {
				acl_remove_at(a, k);
				a->line = p->lineno;
				return 0;
			}
		}
		return perr(p, "access list %s has no such entry", a->name);
	}
	e.seq = seq;
	return acl_add(p, a, &e);
}

/* ---- transform sets ------------------------------------------------------ */

enum section { S_AH, S_ENC, S_EAUTH, S_COMP };

static const char *const section_names[] = {
	[S_AH] = "AH integrity", [S_ENC] = "ESP encryption",
	[S_EAUTH] = "ESP integrity", [S_COMP] = "compression",
};

static const struct {
	const char *name;
	enum section s;
	uint8_t v;
} transforms[] = {
	{ "ah-md5-hmac", S_AH, CRYPTOMAP_AH_MD5_HMAC },
	{ "ah-sha-hmac", S_AH, CRYPTOMAP_AH_SHA_HMAC },
	{ "ah-sha256-hmac", S_AH, CRYPTOMAP_AH_SHA256_HMAC },
	{ "ah-sha384-hmac", S_AH, CRYPTOMAP_AH_SHA384_HMAC },
	{ "ah-sha512-hmac", S_AH, CRYPTOMAP_AH_SHA512_HMAC },
	{ "esp-null", S_ENC, CRYPTOMAP_ENC_NULL },
	{ "esp-des", S_ENC, CRYPTOMAP_ENC_DES },
	{ "esp-3des", S_ENC, CRYPTOMAP_ENC_3DES },
	{ "esp-aes", S_ENC, CRYPTOMAP_ENC_AES },
	{ "esp-gcm", S_ENC, CRYPTOMAP_ENC_GCM },
	{ "esp-gmac", S_ENC, CRYPTOMAP_ENC_GMAC },
	{ "esp-md5-hmac", S_EAUTH, CRYPTOMAP_EAUTH_MD5_HMAC },
	{ "esp-sha-hmac", S_EAUTH, CRYPTOMAP_EAUTH_SHA_HMAC },
	{ "esp-sha256-hmac", S_EAUTH, CRYPTOMAP_EAUTH_SHA256_HMAC },
	{ "esp-sha384-hmac", S_EAUTH, CRYPTOMAP_EAUTH_SHA384_HMAC },
	{ "esp-sha512-hmac", S_EAUTH, CRYPTOMAP_EAUTH_SHA512_HMAC },
	{ "comp-lzs", S_COMP, CRYPTOMAP_COMP_LZS },
	{ "comp-deflate", S_COMP, CRYPTOMAP_COMP_DEFLATE },
};

static int cmd_tset(struct pctx *p, int i, bool no)
{
	const char *seen[4] = { NULL, NULL, NULL, NULL };
	const char *name;
	struct tset t, *old;
	int count = 0;
	size_t k;

	if (need(p, i, "transform set name") ||
	    check_name(p, p->w[i], "transform set name"))
		return -1;
	name = p->w[i++];
	if (no) {
		/* "no crypto ipsec transform-set NAME [transforms]" */
		cfg_tset_del(p->c, name);
		return 0;
	}
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", name);
	t.mode = CRYPTOMAP_MODE_TUNNEL;
	if (need(p, i, "a transform (esp-aes, esp-sha-hmac, ah-sha-hmac, ...)"))
		return -1;
	for (; i < p->n; i++) {
		for (k = 0; k < sizeof(transforms) / sizeof(transforms[0]); k++)
			if (!strcmp(p->w[i], transforms[k].name))
				break;
		if (k == sizeof(transforms) / sizeof(transforms[0]))
			return perr(p, "unknown transform \"%s\"", p->w[i]);
		if (++count > 4)
			return perr(p, "transform set %s: at most four transforms, \"%s\" is a fifth",
				    name, p->w[i]);
		if (seen[transforms[k].s])
			return perr(p, "transform set %s: %s and %s are both %s transforms",
				    name, seen[transforms[k].s], p->w[i],
				    section_names[transforms[k].s]);
		seen[transforms[k].s] = p->w[i];
		switch (transforms[k].s) {
		case S_AH:
			t.ah = transforms[k].v;
			break;
		case S_ENC:
			t.enc = transforms[k].v;
			if (t.enc == CRYPTOMAP_ENC_AES ||
			    t.enc == CRYPTOMAP_ENC_GCM ||
			    t.enc == CRYPTOMAP_ENC_GMAC) {
				t.keybits = 128;
				if (i + 1 < p->n &&
				    isdigit((unsigned char)p->w[i + 1][0])) {
					i++;
					if (strcmp(p->w[i], "128") &&
					    strcmp(p->w[i], "192") &&
					    strcmp(p->w[i], "256"))
						return perr(p, "%s: invalid key size \"%s\" (128, 192 or 256)",
							    seen[S_ENC], p->w[i]);
					t.keybits = atoi(p->w[i]);
				}
			}
			break;
		case S_EAUTH:
			t.eauth = transforms[k].v;
			break;
		case S_COMP:
			t.comp = transforms[k].v;
			break;
		}
	}
	if ((t.enc == CRYPTOMAP_ENC_GCM || t.enc == CRYPTOMAP_ENC_GMAC) &&
	    t.eauth)
		return perr(p, "transform set %s: %s carries its own integrity and takes no %s",
			    name, seen[S_ENC], seen[S_EAUTH]);
	if (!t.ah && !t.enc && !t.eauth)
		return perr(p, "transform set %s: %s needs an AH or ESP transform",
			    name, seen[S_COMP]);
	old = cfg_tset(p->c, name, false);
	if (old)
		t.mode = old->mode;	/* re-entering keeps the mode, as IOS */
	t.line = p->lineno;
	*cfg_tset(p->c, name, true) = t;
	snprintf(p->tset, sizeof(p->tset), "%s", name);
	p->mode = M_TSET;
	return 0;
}

static int sub_tset(struct pctx *p)
{
	struct tset *t = cfg_tset(p->c, p->tset, false);
	bool no = !strcmp(p->w[0], "no");
	int i = no ? 1 : 0;

	if (!t)
		return perr(p, "transform set %s no longer exists", p->tset);
	if (need(p, i, "mode") )
		return -1;
	if (strcmp(p->w[i], "mode"))
		return perr(p, "unknown transform set command \"%s\"", p->w[i]);
	i++;
	if (no) {
		if (i < p->n && strcmp(p->w[i], "tunnel") &&
		    strcmp(p->w[i], "transport"))
			return perr(p, "\"%s\": tunnel or transport expected",
				    p->w[i]);
		if (no_more(p, i < p->n ? i + 1 : i))
			return -1;
		t->mode = CRYPTOMAP_MODE_TUNNEL;
	} else {
		if (need(p, i, "tunnel or transport"))
			return -1;
		if (!strcmp(p->w[i], "tunnel"))
			t->mode = CRYPTOMAP_MODE_TUNNEL;
		else if (!strcmp(p->w[i], "transport"))
			t->mode = CRYPTOMAP_MODE_TRANSPORT;
		else
			return perr(p, "\"%s\": tunnel or transport expected",
				    p->w[i]);
		if (no_more(p, i + 1))
			return -1;
	}
	t->line = p->lineno;
	return 0;
}

/* ---- lifetimes, replay, idle-time: shared by global and entry forms ---- */

/* "lifetime seconds N" etc. from word i; sets *what and *val */
enum sa_knob { K_LIFE_SEC, K_LIFE_KB, K_REPLAY_WIN, K_REPLAY_DIS, K_IDLE };

static int parse_sa_knob(struct pctx *p, int i, bool no, enum sa_knob *what,
			 uint32_t *val)
{
	*val = 0;
	if (need(p, i, "lifetime, replay or idle-time"))
		return -1;
	if (!strcmp(p->w[i], "lifetime")) {
		i++;
		if (need(p, i, "seconds or kilobytes"))
			return -1;
		if (!strcmp(p->w[i], "seconds"))
			*what = K_LIFE_SEC;
		else if (!strcmp(p->w[i], "kilobytes"))
			*what = K_LIFE_KB;
		else
			return perr(p, "\"%s\": seconds or kilobytes expected",
				    p->w[i]);
		i++;
		if (no && i == p->n)
			return 0;
		if (need(p, i, "a number") ||
		    (*what == K_LIFE_SEC ?
		     parse_u32(p, p->w[i], "lifetime", 120, 86400, val) :
		     parse_u32(p, p->w[i], "lifetime", 2560, 536870912, val)))
			return -1;
		return no_more(p, i + 1);
	}
	if (!strcmp(p->w[i], "replay")) {
		i++;
		if (need(p, i, "window-size or disable"))
			return -1;
		if (!strcmp(p->w[i], "disable")) {
			*what = K_REPLAY_DIS;
			return no_more(p, i + 1);
		}
		if (strcmp(p->w[i], "window-size"))
			return perr(p, "\"%s\": window-size or disable expected",
				    p->w[i]);
		*what = K_REPLAY_WIN;
		i++;
		if (no && i == p->n)
			return 0;
		if (need(p, i, "window size") ||
		    parse_u32(p, p->w[i], "window size", 64, 1024, val))
			return -1;
		if (*val & (*val - 1))
			return perr(p, "window size \"%s\" is not one of 64, 128, 256, 512, 1024",
				    p->w[i]);
		return no_more(p, i + 1);
	}
	if (!strcmp(p->w[i], "idle-time")) {
		*what = K_IDLE;
		i++;
		if (no && i == p->n)
			return 0;
		if (need(p, i, "idle time in seconds") ||
		    parse_u32(p, p->w[i], "idle time", 60, 86400, val))
			return -1;
		return no_more(p, i + 1);
	}
	return perr(p, "\"%s\": lifetime, replay or idle-time expected",
		    p->w[i]);
}

static int cmd_crypto_ipsec(struct pctx *p, bool no)
{
	struct global *g = &p->c->g;
	enum sa_knob k;
	uint32_t v;
	int i = 2;

	if (need(p, i, "transform-set, security-association, df-bit or fragmentation"))
		return -1;
	if (!strcmp(p->w[i], "transform-set"))
		return cmd_tset(p, i + 1, no);
	if (!strcmp(p->w[i], "security-association")) {
		if (parse_sa_knob(p, i + 1, no, &k, &v))
			return -1;
		switch (k) {
		case K_LIFE_SEC:
			g->life_sec = no ? DEF_LIFE_SEC : v;
			break;
		case K_LIFE_KB:
			g->life_kb = no ? DEF_LIFE_KB : v;
			break;
		case K_REPLAY_WIN:
			g->replay_window = no ? DEF_REPLAY : v;
			break;
		case K_REPLAY_DIS:
			g->replay_disable = !no;
			break;
		case K_IDLE:
			g->idle = no ? 0 : v;
			break;
		}
		g->line = p->lineno;
		return 0;
	}
	if (!strcmp(p->w[i], "df-bit")) {
		i++;
		if (no && i == p->n) {
			g->df_bit = CRYPTOMAP_DF_COPY;
		} else {
			if (need(p, i, "clear, set or copy"))
				return -1;
			if (!strcmp(p->w[i], "clear"))
				g->df_bit = CRYPTOMAP_DF_CLEAR;
			else if (!strcmp(p->w[i], "set"))
				g->df_bit = CRYPTOMAP_DF_SET;
			else if (!strcmp(p->w[i], "copy"))
				g->df_bit = CRYPTOMAP_DF_COPY;
			else
				return perr(p, "\"%s\": clear, set or copy expected",
					    p->w[i]);
			if (no_more(p, i + 1))
				return -1;
			if (no)
				g->df_bit = CRYPTOMAP_DF_COPY;
		}
		g->line = p->lineno;
		return 0;
	}
	if (!strcmp(p->w[i], "fragmentation")) {
		i++;
		if (no && i == p->n) {
			g->frag = CRYPTOMAP_FRAG_BEFORE;
		} else {
			if (need(p, i, "before-encryption or after-encryption"))
				return -1;
			if (!strcmp(p->w[i], "before-encryption"))
				g->frag = CRYPTOMAP_FRAG_BEFORE;
			else if (!strcmp(p->w[i], "after-encryption"))
				g->frag = CRYPTOMAP_FRAG_AFTER;
			else
				return perr(p, "\"%s\": before-encryption or after-encryption expected",
					    p->w[i]);
			if (no_more(p, i + 1))
				return -1;
			if (no)
				g->frag = CRYPTOMAP_FRAG_BEFORE;
		}
		g->line = p->lineno;
		return 0;
	}
	return perr(p, "unknown crypto ipsec command \"%s\"", p->w[i]);
}

/* ---- crypto map ----------------------------------------------------------- */

static int cmd_crypto_map(struct pctx *p, bool no)
{
	const char *name;
	struct entry *e;
	struct cmap *m;
	uint32_t seq;
	uint8_t type = CRYPTOMAP_TYPE_ISAKMP;
	int i = 2;

	if (need(p, i, "crypto map name") ||
	    check_name(p, p->w[i], "crypto map name"))
		return -1;
	name = p->w[i++];
	if (i == p->n) {
		if (!no)
			return perr(p, "incomplete command: sequence number or local-address expected");
		if (!cfg_map(p->c, name, false))
			return perr(p, "crypto map %s does not exist", name);
		cfg_map_del(p->c, name);
		return 0;
	}
	if (!strcmp(p->w[i], "local-address")) {
		i++;
		if (no) {
			if (i < p->n && no_more(p, i + 1))
				return -1;
			m = cfg_map(p->c, name, false);
			if (m) {
				m->local_if[0] = 0;
				m->line = p->lineno;
			}
			return 0;
		}
		if (need(p, i, "interface name") || check_ifname(p, p->w[i]) ||
		    no_more(p, i + 1))
			return -1;
		m = cfg_map(p->c, name, true);
		snprintf(m->local_if, sizeof(m->local_if), "%s", p->w[i]);
		m->line = p->lineno;
		return 0;
	}
	if (!strcmp(p->w[i], "isakmp") || !strcmp(p->w[i], "client") ||
	    !strcmp(p->w[i], "gdoi") || !strcmp(p->w[i], "redundancy") ||
	    !strcmp(p->w[i], "isakmp-profile"))
		return perr(p, "\"%s\" is not supported (no IKE in cryptomap)",
			    p->w[i]);
	if (parse_u32(p, p->w[i], "sequence number", 1, 65535, &seq))
		return -1;
	i++;
	if (no) {
		/* "no crypto map NAME SEQ [type]" */
		if (i < p->n && no_more(p, i + 1))
			return -1;
		if (!cfg_entry(p->c, name, seq, false))
			return perr(p, "crypto map %s %u does not exist", name,
				    seq);
		cfg_entry_del(p->c, name, seq);
		return 0;
	}
	if (i < p->n) {
		if (!strcmp(p->w[i], "ipsec-isakmp"))
			type = CRYPTOMAP_TYPE_ISAKMP;
		else if (!strcmp(p->w[i], "ipsec-manual"))
			type = CRYPTOMAP_TYPE_MANUAL;
		else if (!strcmp(p->w[i], "cisco"))
			return perr(p, "\"cisco\": CET is not supported, use ipsec-isakmp or ipsec-manual");
		else if (!strcmp(p->w[i], "dynamic") ||
			 !strcmp(p->w[i], "ipsec-isakmp-dynamic"))
			return perr(p, "\"%s\": dynamic crypto maps are not supported",
				    p->w[i]);
		else
			return perr(p, "\"%s\": ipsec-isakmp or ipsec-manual expected",
				    p->w[i]);
		if (i + 1 < p->n) {
			if (!strcmp(p->w[i + 1], "dynamic"))
				return perr(p, "\"dynamic\": dynamic crypto maps are not supported");
			return no_more(p, i + 1);
		}
	}
	e = cfg_entry(p->c, name, seq, false);
	if (e && i < p->n && e->type != type)
		return perr(p, "crypto map %s %u is %s: remove it first (no crypto map %s %u) to change its type",
			    name, seq, e->type == CRYPTOMAP_TYPE_MANUAL ?
			    "ipsec-manual" : "ipsec-isakmp", name, seq);
	m = cfg_map(p->c, name, true);
	if (!m->line)
		m->line = p->lineno;
	if (!e) {
		e = cfg_entry(p->c, name, seq, true);
		e->type = type;
	}
	e->line = p->lineno;
	snprintf(p->map, sizeof(p->map), "%s", name);
	p->seq = seq;
	p->mode = M_ENTRY;
	return 0;
}

static int parse_hexkey(struct pctx *p, const char *s, uint8_t *out,
			uint16_t *len)
{
	size_t n = strlen(s), k;

	if (!strcmp(s, KEY_MARKER))
		return perr(p, "%s: session keys are not readable back from the kernel, so show running-config prints this marker: enter the key in hex",
			    s);
	if (!n || n % 2 || strspn(s, "0123456789abcdefABCDEF") != n)
		return perr(p, "invalid hex key \"%s\" (an even number of hex digits, without 0x)",
			    s);
	if (n / 2 > CRYPTOMAP_KEY_MAX)
		return perr(p, "key \"%.16s...\" is longer than %d bytes", s,
			    CRYPTOMAP_KEY_MAX);
	for (k = 0; k < n / 2; k++) {
		char b[3] = { s[2 * k], s[2 * k + 1], 0 };

		out[k] = strtoul(b, NULL, 16);
	}
	*len = n / 2;
	return 0;
}

static int sub_session_key(struct pctx *p, struct entry *e, int i, bool no)
{
	struct skey k;
	int j;

	memset(&k, 0, sizeof(k));
	if (e->type != CRYPTOMAP_TYPE_MANUAL)
		return perr(p, "set session-key is only for ipsec-manual entries (crypto map %s %u is ipsec-isakmp)",
			    e->map, e->seq);
	if (need(p, i, "inbound or outbound"))
		return -1;
	if (!strcmp(p->w[i], "inbound"))
		k.dir = CRYPTOMAP_DIR_IN;
	else if (!strcmp(p->w[i], "outbound"))
		k.dir = CRYPTOMAP_DIR_OUT;
	else
		return perr(p, "\"%s\": inbound or outbound expected", p->w[i]);
	i++;
	if (need(p, i, "esp or ah"))
		return -1;
	if (!strcmp(p->w[i], "esp"))
		k.proto = IPPROTO_ESP;
	else if (!strcmp(p->w[i], "ah"))
		k.proto = IPPROTO_AH;
	else
		return perr(p, "\"%s\": esp or ah expected", p->w[i]);
	i++;
	if (no) {
		/* no set session-key {inbound|outbound} {esp|ah} [...] */
		for (j = 0; j < e->nkeys; j++) {
			if (e->keys[j].dir == k.dir &&
			    e->keys[j].proto == k.proto) {
				e->keys[j] = e->keys[--e->nkeys];
				e->line = p->lineno;
				return 0;
			}
		}
		return perr(p, "crypto map %s %u has no such session key",
			    e->map, e->seq);
	}
	if (need(p, i, "SPI") ||
	    parse_u32(p, p->w[i], "SPI", 256, 4294967295UL, &k.spi))
		return -1;
	i++;
	k.known = true;
	if (k.proto == IPPROTO_AH) {
		if (need(p, i, "hex key") ||
		    parse_hexkey(p, p->w[i], k.auth, &k.auth_len))
			return -1;
		k.has_auth = true;
		i++;
	} else {
		if (i < p->n && !strcmp(p->w[i], "cipher")) {
			i++;
			if (need(p, i, "hex cipher key") ||
			    parse_hexkey(p, p->w[i], k.cipher, &k.cipher_len))
				return -1;
			k.has_cipher = true;
			i++;
		}
		if (i < p->n && !strcmp(p->w[i], "authenticator")) {
			i++;
			if (need(p, i, "hex authenticator key") ||
			    parse_hexkey(p, p->w[i], k.auth, &k.auth_len))
				return -1;
			k.has_auth = true;
			i++;
		}
		if (!k.has_cipher && !k.has_auth && i == p->n)
			return perr(p, "incomplete command: cipher or authenticator expected");
		if (i < p->n && !k.has_cipher && !k.has_auth)
			return perr(p, "\"%s\": cipher or authenticator expected",
				    p->w[i]);
	}
	if (no_more(p, i))
		return -1;
	for (j = 0; j < e->nkeys; j++)
		if (e->keys[j].dir == k.dir && e->keys[j].proto == k.proto)
			break;
	if (j == e->nkeys) {
		if (e->nkeys == MAX_KEYS)
			return perr(p, "too many session keys");
		e->nkeys++;
	}
	e->keys[j] = k;
	explicit_bzero(&k, sizeof(k));
	e->line = p->lineno;
	return 0;
}

static const uint8_t dh_groups[] = { 1, 2, 5, 14, 15, 16, 19, 20, 21, 24 };

static int sub_entry_set(struct pctx *p, struct entry *e, int i, bool no)
{
	enum sa_knob k;
	uint32_t v;
	int j;

	if (need(p, i, "peer, transform-set, pfs, security-association or session-key"))
		return -1;
	if (!strcmp(p->w[i], "peer")) {
		i++;
		if (no && i == p->n) {
			e->npeers = 0;
			return 0;
		}
		if (need(p, i, "peer address or host name"))
			return -1;
		if (strspn(p->w[i], "0123456789.") == strlen(p->w[i])) {
			if (parse_ipv4(p, p->w[i], &v))
				return -1;
		} else {
			struct addrinfo hints = { .ai_family = AF_INET };
			struct addrinfo *res;
			int r;

			if (strlen(p->w[i]) > 253)
				return perr(p, "invalid host name \"%.32s...\"",
					    p->w[i]);
			r = getaddrinfo(p->w[i], NULL, &hints, &res);
			if (r)
				return perr(p, "cannot resolve \"%s\": %s",
					    p->w[i], gai_strerror(r));
			v = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
			freeaddrinfo(res);
		}
		if (no_more(p, i + 1))
			return -1;
		if (!no && (!v || v == 0xffffffff || IN_MULTICAST(ntohl(v)) ||
			    (ntohl(v) >> 24) == 127))
			return perr(p, "\"%s\" is not a usable peer address",
				    p->w[i]);
		for (j = 0; j < e->npeers; j++)
			if (e->peers[j] == v)
				break;
		if (no) {
			if (j == e->npeers)
				return perr(p, "%s is not a peer of crypto map %s %u",
					    p->w[i], e->map, e->seq);
			memmove(&e->peers[j], &e->peers[j + 1],
				(e->npeers - j - 1) * sizeof(e->peers[0]));
			e->npeers--;
			return 0;
		}
		if (j < e->npeers)
			return 0;
		if (e->type == CRYPTOMAP_TYPE_MANUAL) {
			e->peers[0] = v;	/* manual: the one peer */
			e->npeers = 1;
			return 0;
		}
		if (e->npeers == CRYPTOMAP_MAX_PEERS)
			return perr(p, "crypto map %s %u already has %d peers",
				    e->map, e->seq, CRYPTOMAP_MAX_PEERS);
		e->peers[e->npeers++] = v;
		return 0;
	}
	if (!strcmp(p->w[i], "transform-set")) {
		i++;
		if (no) {
			e->ntsets = 0;
			return 0;
		}
		if (need(p, i, "transform set name"))
			return -1;
		if (p->n - i > CRYPTOMAP_MAX_TSETS)
			return perr(p, "at most %d transform sets, \"%s\" is a seventh",
				    CRYPTOMAP_MAX_TSETS, p->w[i + CRYPTOMAP_MAX_TSETS]);
		if (e->type == CRYPTOMAP_TYPE_MANUAL && p->n - i > 1)
			return perr(p, "an ipsec-manual entry takes one transform set, \"%s\" is a second",
				    p->w[i + 1]);
		for (j = i; j < p->n; j++) {
			int l;

			if (check_name(p, p->w[j], "transform set name"))
				return -1;
			for (l = i; l < j; l++)
				if (!strcmp(p->w[l], p->w[j]))
					return perr(p, "transform set \"%s\" is listed twice",
						    p->w[j]);
		}
		e->ntsets = 0;
		for (j = i; j < p->n; j++)
			snprintf(e->tsets[e->ntsets++], NAME_LEN, "%s", p->w[j]);
		return 0;
	}
	if (!strcmp(p->w[i], "pfs")) {
		i++;
		if (no) {
			e->pfs = 0;
			return 0;
		}
		if (i == p->n) {
			e->pfs = 1;
			return 0;
		}
		for (j = 0; j < (int)sizeof(dh_groups); j++) {
			char want[16];

			snprintf(want, sizeof(want), "group%u", dh_groups[j]);
			if (!strcmp(want, p->w[i])) {
				e->pfs = dh_groups[j];
				return no_more(p, i + 1);
			}
		}
		return perr(p, "unknown DH group \"%s\" (group1, group2, group5, group14, group15, group16, group19, group20, group21, group24)",
			    p->w[i]);
	}
	if (!strcmp(p->w[i], "security-association")) {
		/* cryptomap extension: ESN for the manual SAs */
		if (i + 1 < p->n && !strcmp(p->w[i + 1], "esn")) {
			if (!no && e->type != CRYPTOMAP_TYPE_MANUAL)
				return perr(p, "needs ipsec-manual (IKEv2 negotiates ESN itself)");
			e->esn = !no;
			return no_more(p, i + 2);
		}
		if (parse_sa_knob(p, i + 1, no, &k, &v))
			return -1;
		switch (k) {
		case K_LIFE_SEC:
			e->life_sec = v;
			break;
		case K_LIFE_KB:
			e->life_kb = v;
			break;
		case K_REPLAY_WIN:
			e->replay_mode = no ? CRYPTOMAP_REPLAY_INHERIT :
					      CRYPTOMAP_REPLAY_WINDOW;
			e->replay_window = v;
			break;
		case K_REPLAY_DIS:
			e->replay_mode = no ? CRYPTOMAP_REPLAY_INHERIT :
					      CRYPTOMAP_REPLAY_DISABLE;
			e->replay_window = 0;
			break;
		case K_IDLE:
			e->idle = v;
			break;
		}
		return 0;
	}
	if (!strcmp(p->w[i], "session-key"))
		return sub_session_key(p, e, i + 1, no);
	if (!strcmp(p->w[i], "ikev2-profile")) {
		/* for cryptomapd(8), which reads it from the same file */
		if (no)
			return 0;
		return need(p, i + 1, "an IKEv2 profile name") ? -1 :
		       no_more(p, i + 2);
	}
	return perr(p, "unknown crypto map command \"set %s\"", p->w[i]);
}

static int sub_entry(struct pctx *p)
{
	struct entry *e = cfg_entry(p->c, p->map, p->seq, false);
	bool no = !strcmp(p->w[0], "no");
	int i = no ? 1 : 0, r;

	if (!e)
		return perr(p, "crypto map %s %u no longer exists", p->map,
			    p->seq);
	if (need(p, i, "a crypto map command"))
		return -1;
	if (!strcmp(p->w[i], "match")) {
		i++;
		if (need(p, i, "address"))
			return -1;
		if (strcmp(p->w[i], "address"))
			return perr(p, "\"%s\": address expected", p->w[i]);
		i++;
		if (no) {
			if (i < p->n && no_more(p, i + 1))
				return -1;
			e->acl[0] = 0;
		} else {
			if (need(p, i, "access list") ||
			    check_acl_name(p, p->w[i]) || no_more(p, i + 1))
				return -1;
			snprintf(e->acl, sizeof(e->acl), "%s", p->w[i]);
		}
		e->line = p->lineno;
		return 0;
	}
	if (!strcmp(p->w[i], "set")) {
		r = sub_entry_set(p, e, i + 1, no);
		if (!r)
			e->line = p->lineno;
		return r;
	}
	if (!strcmp(p->w[i], "reverse-route")) {
		if (no)
			return 0;	/* never configured: nothing to remove */
		return perr(p, "\"reverse-route\" is not supported: cryptomap installs no routes, add them with ip route");
	}
	if (!strcmp(p->w[i], "description") || !strcmp(p->w[i], "qos"))
		return perr(p, "\"%s\" is not supported", p->w[i]);
	return perr(p, "unknown crypto map command \"%s\"", p->w[i]);
}

/* ---- interfaces --------------------------------------------------------- */

static int cmd_interface(struct pctx *p, bool no)
{
	if (need(p, 1, "interface name") || check_ifname(p, p->w[1]) ||
	    no_more(p, 2))
		return -1;
	if (no) {
		cfg_bind_del(p->c, p->w[1]);
		return 0;
	}
	if (!p->o->check_only && !if_nametoindex(p->w[1]))
		return perr(p, "no such interface \"%s\"", p->w[1]);
	snprintf(p->ifname, sizeof(p->ifname), "%s", p->w[1]);
	p->mode = M_IF;
	return 0;
}

static int sub_if(struct pctx *p)
{
	bool no = !strcmp(p->w[0], "no");
	int i = no ? 1 : 0;
	struct binding *b;

	if (need(p, i, "crypto map"))
		return -1;
	if (strcmp(p->w[i], "crypto"))
		return perr(p, "unknown interface command \"%s\" (only crypto map is handled here)",
			    p->w[i]);
	i++;
	if (need(p, i, "map"))
		return -1;
	if (strcmp(p->w[i], "map"))
		return perr(p, "\"%s\": map expected", p->w[i]);
	i++;
	if (no) {
		if (i < p->n && no_more(p, i + 1))
			return -1;
		b = cfg_bind(p->c, p->ifname, false);
		if (b && i < p->n && strcmp(b->map, p->w[i]))
			return perr(p, "interface %s uses crypto map %s, not \"%s\"",
				    p->ifname, b->map, p->w[i]);
		cfg_bind_del(p->c, p->ifname);
		return 0;
	}
	if (need(p, i, "crypto map name") ||
	    check_name(p, p->w[i], "crypto map name") || no_more(p, i + 1))
		return -1;
	b = cfg_bind(p->c, p->ifname, true);
	snprintf(b->map, sizeof(b->map), "%s", p->w[i]);
	b->line = p->lineno;
	return 0;
}

/* ---- dispatch ------------------------------------------------------------- */

/*
 * crypto isakmp ...: Phase 1 settings for cryptomapd(8), which reads them
 * from the same file.  Checked here, never sent to the kernel.
 */
static int isakmp_word(struct pctx *p, int i, const char *const *ok)
{
	for (; *ok; ok++)
		if (!strcmp(p->w[i], *ok))
			return 0;
	return perr(p, "\"%s\": not a valid value here", p->w[i]);
}

static int sub_isakmp(struct pctx *p)
{
	static const char *const enc[] = { "des", "3des", "aes", NULL };
	static const char *const hash[] = { "md5", "sha", NULL };
	static const char *const grp[] = { "1", "2", "5", "14", "15", "16", NULL };
	bool no = !strcmp(p->w[0], "no");
	int i = no ? 1 : 0;
	uint32_t v;

	if (need(p, i, "an isakmp policy setting"))
		return -1;
	if (!strcmp(p->w[i], "encryption")) {
		if (no)
			return no_more(p, i + 1);
		if (need(p, i + 1, "des, 3des or aes") ||
		    isakmp_word(p, i + 1, enc))
			return -1;
		if (!strcmp(p->w[i + 1], "aes") && p->n > i + 2) {
			if (strcmp(p->w[i + 2], "128") && strcmp(p->w[i + 2], "192") &&
			    strcmp(p->w[i + 2], "256"))
				return perr(p, "aes key size: 128, 192 or 256");
			return no_more(p, i + 3);
		}
		return no_more(p, i + 2);
	}
	if (!strcmp(p->w[i], "hash")) {
		if (no)
			return no_more(p, i + 1);
		if (need(p, i + 1, "md5 or sha") || isakmp_word(p, i + 1, hash))
			return -1;
		return no_more(p, i + 2);
	}
	if (!strcmp(p->w[i], "authentication")) {
		if (no)
			return no_more(p, i + 1);
		if (need(p, i + 1, "pre-share"))
			return -1;
		if (strcmp(p->w[i + 1], "pre-share"))
			return perr(p, "only \"authentication pre-share\" is supported");
		return no_more(p, i + 2);
	}
	if (!strcmp(p->w[i], "group")) {
		if (no)
			return no_more(p, i + 1);
		if (need(p, i + 1, "a DH group") || isakmp_word(p, i + 1, grp))
			return -1;
		return no_more(p, i + 2);
	}
	if (!strcmp(p->w[i], "lifetime")) {
		if (no)
			return no_more(p, i + 1);
		if (need(p, i + 1, "seconds") ||
		    parse_u32(p, p->w[i + 1], "lifetime", 60, 86400, &v))
			return -1;
		return no_more(p, i + 2);
	}
	return perr(p, "unknown isakmp policy command \"%s\"", p->w[i]);
}

static int cmd_crypto_isakmp(struct pctx *p, bool no)
{
	uint32_t v, addr;

	if (need(p, 2, "policy, key or keepalive"))
		return -1;
	if (!strcmp(p->w[2], "policy")) {
		if (need(p, 3, "a priority") ||
		    parse_u32(p, p->w[3], "priority", 1, 10000, &v) ||
		    no_more(p, 4))
			return -1;
		if (!no)
			p->mode = M_ISAKMP;
		return 0;
	}
	if (!strcmp(p->w[2], "key")) {
		/* crypto isakmp key KEY address A.B.C.D [MASK] */
		if (need(p, 3, "a key") || need(p, 4, "address") ||
		    need(p, 5, "a peer address"))
			return -1;
		if (strcmp(p->w[4], "address"))
			return perr(p, "\"address\" expected after the key");
		if (parse_ipv4(p, p->w[5], &addr))
			return -1;
		if (p->n > 6 && parse_ipv4(p, p->w[6], &addr))
			return -1;
		return no_more(p, p->n > 6 ? 7 : 6);
	}
	if (!strcmp(p->w[2], "keepalive")) {
		/* crypto isakmp keepalive SECONDS [RETRY] [periodic|on-demand] */
		if (no)
			return no_more(p, 3);
		if (need(p, 3, "seconds") ||
		    parse_u32(p, p->w[3], "keepalive", 10, 3600, &v))
			return -1;
		if (p->n > 4 && strcmp(p->w[4], "periodic") &&
		    strcmp(p->w[4], "on-demand") &&
		    parse_u32(p, p->w[4], "retry", 2, 60, &v))
			return -1;
		return 0;
	}
	return perr(p, "\"crypto isakmp %s\" is not supported", p->w[2]);
}

/*
 * crypto ikev2 proposal|policy|keyring|profile NAME, crypto ikev2
 * cookie-challenge N: IKEv2 settings for
 * cryptomapd(8), which reads them from the same file.  Checked here, never
 * sent to the kernel.
 */
static int cmd_crypto_ikev2(struct pctx *p, bool no)
{
	static const char *const kinds[] = { "proposal", "policy", "keyring",
					     "profile", NULL };
	static const enum mode modes[] = { M_V2PROP, M_V2POL, M_V2KR, M_V2PROF };
	int k;

	if (need(p, 2, "proposal, policy, keyring or profile"))
		return -1;
	/* crypto ikev2 cookie-challenge N: half-open IKE SAs before cookies */
	if (!strcmp(p->w[2], "cookie-challenge")) {
		uint32_t v;

		if (no && p->n == 3)
			return 0;
		if (need(p, 3, "a number of half-open SAs") ||
		    parse_u32(p, p->w[3], "cookie-challenge", 0, 1000, &v))
			return -1;
		return no_more(p, 4);
	}
	for (k = 0; kinds[k]; k++)
		if (!strcmp(p->w[2], kinds[k]))
			break;
	if (!kinds[k])
		return perr(p, "\"crypto ikev2 %s\" is not supported", p->w[2]);
	if (need(p, 3, "a name") || check_acl_name(p, p->w[3]) ||
	    no_more(p, 4))
		return -1;
	if (!no)
		p->mode = modes[k];
	return 0;
}

static int ikev2_words(struct pctx *p, int i, const char *const *ok)
{
	for (; i < p->n; i++)
		if (isakmp_word(p, i, ok))
			return -1;
	return 0;
}

static int sub_ikev2(struct pctx *p)
{
	static const char *const enc[] = { "aes-cbc-128", "aes-cbc-192",
		"aes-cbc-256", "aes-gcm-128", "aes-gcm-256", NULL };
	static const char *const integ[] = { "sha1", "sha256", "sha384",
					     "sha512", NULL };
	static const char *const grp[] = { "1", "2", "5", "14", "15", "16",
					   "19", "20", NULL };
	bool no = !strcmp(p->w[0], "no");
	int i = no ? 1 : 0;
	const char *w;
	uint32_t v;

	if (need(p, i, "an ikev2 setting"))
		return -1;
	w = p->w[i];
	if (p->mode == M_V2PEER && (!strcmp(w, "address") ||
				    !strcmp(w, "pre-shared-key"))) {
		if (no)
			return 0;
		if (!strcmp(w, "address"))
			return need(p, i + 1, "an address") ||
			       parse_ipv4(p, p->w[i + 1], &v) ? -1 :
			       p->n > i + 2 ? (parse_ipv4(p, p->w[i + 2], &v) ?
					       -1 : no_more(p, i + 3)) :
			       0;
		/* pre-shared-key [local|remote] [0] KEY */
		return need(p, i + 1, "a key");
	}
	if ((p->mode == M_V2KR || p->mode == M_V2PEER) && !strcmp(w, "peer")) {
		if (need(p, i + 1, "a peer name") || no_more(p, i + 2))
			return -1;
		if (!no)
			p->mode = M_V2PEER;
		return 0;
	}
	if (p->mode == M_V2PROP) {
		if (!strcmp(w, "encryption"))
			return no ? 0 : need(p, i + 1, "an encryption") ? -1 :
			       ikev2_words(p, i + 1, enc);
		if (!strcmp(w, "integrity"))
			return no ? 0 : need(p, i + 1, "an integrity") ? -1 :
			       ikev2_words(p, i + 1, integ);
		if (!strcmp(w, "group"))
			return no ? 0 : need(p, i + 1, "a DH group") ? -1 :
			       ikev2_words(p, i + 1, grp);
		if (!strcmp(w, "prf"))
			return no ? 0 : need(p, i + 1, "a prf") ? -1 :
			       ikev2_words(p, i + 1, integ);
	}
	if (p->mode == M_V2POL) {
		if (!strcmp(w, "proposal"))
			return need(p, i + 1, "a proposal name") ? -1 :
			       no_more(p, i + 2);
		if (!strcmp(w, "match"))
			return need(p, i + 1, "address local") ? -1 : 0;
	}
	if (p->mode == M_V2PROF) {
		if (!strcmp(w, "match")) {
			/* match identity remote address A [MASK] */
			if (need(p, i + 1, "identity") || need(p, i + 2, "remote") ||
			    need(p, i + 3, "address") || need(p, i + 4, "an address"))
				return -1;
			if (strcmp(p->w[i + 1], "identity") ||
			    strcmp(p->w[i + 2], "remote") ||
			    strcmp(p->w[i + 3], "address"))
				return perr(p, "only \"match identity remote address A [MASK]\" is supported");
			if (parse_ipv4(p, p->w[i + 4], &v))
				return -1;
			if (p->n > i + 5 && parse_ipv4(p, p->w[i + 5], &v))
				return -1;
			return no_more(p, p->n > i + 5 ? i + 6 : i + 5);
		}
		if (!strcmp(w, "authentication")) {
			if (need(p, i + 1, "local or remote") ||
			    need(p, i + 2, "pre-share"))
				return -1;
			if ((strcmp(p->w[i + 1], "local") &&
			     strcmp(p->w[i + 1], "remote")) ||
			    strcmp(p->w[i + 2], "pre-share"))
				return perr(p, "only \"authentication local|remote pre-share\" is supported");
			return no_more(p, i + 3);
		}
		if (!strcmp(w, "keyring"))
			return need(p, i + 1, "local") || need(p, i + 2, "a keyring name") ?
			       -1 : no_more(p, i + 3);
		if (!strcmp(w, "lifetime"))
			return no ? 0 : need(p, i + 1, "seconds") ||
			       parse_u32(p, p->w[i + 1], "lifetime", 120, 86400, &v) ?
			       -1 : no_more(p, i + 2);
		if (!strcmp(w, "dpd"))
			return 0;
	}
	if (!strcmp(w, "description"))
		return 0;
	return perr(p, "unknown ikev2 command \"%s\"", w);
}

static int global_cmd(struct pctx *p)
{
	bool no = !strcmp(p->w[0], "no");
	int r;

	if (no) {
		p->w++;
		p->n--;
		if (!p->n) {
			p->w--;
			p->n++;
			return perr(p, "incomplete command");
		}
	}
	p->mode = M_GLOBAL;
	if (!strcmp(p->w[0], "access-list"))
		r = cmd_access_list(p, no);
	else if (!strcmp(p->w[0], "ip"))
		r = cmd_ip(p, no);
	else if (!strcmp(p->w[0], "interface"))
		r = cmd_interface(p, no);
	else if (!strcmp(p->w[0], "crypto")) {
		if (need(p, 1, "ipsec or map"))
			r = -1;
		else if (!strcmp(p->w[1], "ipsec"))
			r = cmd_crypto_ipsec(p, no);
		else if (!strcmp(p->w[1], "map"))
			r = cmd_crypto_map(p, no);
		else if (!strcmp(p->w[1], "isakmp"))
			r = cmd_crypto_isakmp(p, no);
		else if (!strcmp(p->w[1], "ikev2"))
			r = cmd_crypto_ikev2(p, no);
		else if (!strcmp(p->w[1], "dynamic-map") ||
			 !strcmp(p->w[1], "key") ||
			 !strcmp(p->w[1], "pki") || !strcmp(p->w[1], "keyring"))
			r = perr(p, "\"crypto %s\" is not supported (IKEv1 Phase 1 is \"crypto isakmp\", read by cryptomapd)",
				 p->w[1]);
		else
			r = perr(p, "unknown crypto command \"%s\"", p->w[1]);
	} else if (!no && (!strcmp(p->w[0], "end") || !strcmp(p->w[0], "exit"))) {
		r = no_more(p, 1);
	} else if (!no && (!strcmp(p->w[0], "configure") ||
			   !strcmp(p->w[0], "conf"))) {
		if (p->n == 2 && (!strcmp(p->w[1], "terminal") ||
				  (!strcmp(p->w[0], "conf") &&
				   !strcmp(p->w[1], "t"))))
			r = 0;
		else
			r = perr(p, "only \"configure terminal\" is understood");
	} else {
		r = perr(p, "unknown command \"%s\"", p->w[0]);
	}
	if (no) {
		p->w--;
		p->n++;
	}
	return r;
}

/* does the current sub-mode take this (non-indented) line? */
static bool submode_claims(struct pctx *p)
{
	const char *w = p->w[0];
	int i = 0;

	if (!strcmp(w, "no")) {
		if (p->n < 2)
			return false;
		w = p->w[1];
		i = 1;
	}
	switch (p->mode) {
	case M_ACL:
		return !strcmp(w, "permit") || !strcmp(w, "deny") ||
		       !strcmp(w, "remark") || isdigit((unsigned char)w[0]);
	case M_TSET:
		return !strcmp(w, "mode");
	case M_ENTRY:
		return !strcmp(w, "match") || !strcmp(w, "set") ||
		       !strcmp(w, "reverse-route");
	case M_IF:
		/* "crypto map NAME" here; "crypto map NAME SEQ ..." is global */
		return !strcmp(w, "crypto") && p->n - i >= 2 &&
		       !strcmp(p->w[i + 1], "map") && p->n - i <= 3;
	case M_ISAKMP:
		return !strcmp(w, "encryption") || !strcmp(w, "hash") ||
		       !strcmp(w, "authentication") || !strcmp(w, "group") ||
		       !strcmp(w, "lifetime");
	case M_V2PROP:
		return !strcmp(w, "encryption") || !strcmp(w, "integrity") ||
		       !strcmp(w, "group") || !strcmp(w, "prf");
	case M_V2POL:
		return !strcmp(w, "proposal") ||
		       (!strcmp(w, "match") && p->n - i >= 2 &&
			!strcmp(p->w[i + 1], "address"));
	case M_V2KR:
	case M_V2PEER:
		return !strcmp(w, "peer") || !strcmp(w, "address") ||
		       !strcmp(w, "pre-shared-key");
	case M_V2PROF:
		return !strcmp(w, "authentication") || !strcmp(w, "keyring") ||
		       (!strcmp(w, "match") && p->n - i >= 2 &&
			!strcmp(p->w[i + 1], "identity"));
	case M_GLOBAL:
		break;
	}
	return false;
}

static int sub_cmd(struct pctx *p)
{
	if (!strcmp(p->w[0], "exit")) {
		p->mode = M_GLOBAL;
		return no_more(p, 1);
	}
	switch (p->mode) {
	case M_ACL:
		return sub_acl(p);
	case M_TSET:
		return sub_tset(p);
	case M_ENTRY:
		return sub_entry(p);
	case M_IF:
		return sub_if(p);
	case M_ISAKMP:
		return sub_isakmp(p);
	case M_V2PROP:
	case M_V2POL:
	case M_V2KR:
	case M_V2PEER:
	case M_V2PROF:
		return sub_ikev2(p);
	case M_GLOBAL:
		break;
	}
	return global_cmd(p);
}

static int do_line(struct pctx *p, char *line)
{
	char *words[MAX_WORDS], *s, *save = NULL;
	bool indented = line[0] == ' ' || line[0] == '\t';
	size_t len;

	len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
		       line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = 0;
	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line || *line == '!' || *line == '#')
		return 0;
	p->text = strdup(line);
	if (!p->text)
		abort();
	p->n = 0;
	for (s = strtok_r(line, " \t", &save); s;
	     s = strtok_r(NULL, " \t", &save)) {
		if (p->n == MAX_WORDS) {
			perr(p, "too many words");
			goto err;
		}
		words[p->n++] = s;
	}
	p->w = words;
	if (!strcmp(words[0], "end")) {
		p->mode = M_GLOBAL;
		if (no_more(p, 1))
			goto err;
	} else if (p->mode != M_GLOBAL && (indented || submode_claims(p))) {
		if (sub_cmd(p))
			goto err;
	} else if (global_cmd(p)) {
		goto err;
	}
	free((void *)p->text);
	return 0;
err:
	free((void *)p->text);
	return -1;
}

int ios_apply(struct config *cfg, FILE *f, const struct parse_opts *o)
{
	struct pctx p = { .c = cfg, .o = o, .mode = M_GLOBAL };
	char *line = NULL;
	size_t cap = 0;
	int r = 0;

	while (getline(&line, &cap, f) >= 0) {
		p.lineno++;
		if (do_line(&p, line)) {
			r = -1;
			break;
		}
	}
	if (line)
		explicit_bzero(line, cap);
	free(line);
	if (!r && ferror(f)) {
		fprintf(stderr, "%s: read error: %s\n", prog, strerror(errno));
		r = -1;
	}
	return r;
}

/* ---- warnings --------------------------------------------------------------- */

static void port_range(uint8_t op, uint16_t lo, uint16_t hi, uint32_t *a,
		       uint32_t *b)
{
	switch (op) {
	case CRYPTOMAP_PORT_EQ:
		*a = *b = lo;
		break;
	case CRYPTOMAP_PORT_LT:
		*a = 0;
		*b = lo ? lo - 1u : 0;
		break;
	case CRYPTOMAP_PORT_GT:
		*a = lo + 1u;
		*b = 65535;
		break;
	case CRYPTOMAP_PORT_RANGE:
		*a = lo;
		*b = hi;
		break;
	default:	/* any, neq: treated as everything */
		*a = 0;
		*b = 65535;
	}
}

static bool ports_overlap(const struct ace *x, const struct ace *y, bool src)
{
	uint32_t a1, b1, a2, b2;

	if (src) {
		port_range(x->sop, x->slo, x->shi, &a1, &b1);
		port_range(y->sop, y->slo, y->shi, &a2, &b2);
	} else {
		port_range(x->dop, x->dlo, x->dhi, &a1, &b1);
		port_range(y->dop, y->dlo, y->dhi, &a2, &b2);
	}
	return a1 <= b2 && a2 <= b1;
}

static bool aces_overlap(const struct ace *x, const struct ace *y)
{
	if (x->proto != -1 && y->proto != -1 && x->proto != y->proto)
		return false;
	if ((x->src ^ y->src) & ~x->swild & ~y->swild)
		return false;
	if ((x->dst ^ y->dst) & ~x->dwild & ~y->dwild)
		return false;
	return ports_overlap(x, y, true) && ports_overlap(x, y, false);
}

static const struct acl *find_acl(const struct config *c, const char *name)
{
	return cfg_acl_get(c, name);
}

static bool acl_touched(const struct config *c, const struct entry *e)
{
	const struct acl *a = e->acl[0] ? find_acl(c, e->acl) : NULL;

	return e->line || (a && a->line);
}

#define OVERLAP_WARN_MAX	20

void ios_warnings(const struct config *c)
{
	size_t i, j, k, l, *nmore;
	const struct acl **eacl;
	signed char *memo;
	bool *touched;

	for (i = 0; i < c->nentries; i++) {
		const struct entry *e = &c->entries[i];
		const struct acl *a = e->acl[0] ? find_acl(c, e->acl) : NULL;

		if (e->line && (!e->npeers || !a || !e->ntsets))
			fprintf(stderr, "%% NOTE: This new crypto map will remain disabled until a peer and a valid access list have been configured.\n");
		if (e->line && !e->ntsets)
			fprintf(stderr, "%% Warning: crypto map %s %u has no transform set and stays disabled.\n",
				e->map, e->seq);
		if (!a || !acl_touched(c, e))
			continue;
		for (k = 0; k < a->n; k++) {
			const struct ace *x = &a->e[k];

			if (x->action != CRYPTOMAP_ACE_PERMIT)
				continue;
			if (x->swild == 0xffffffff || x->dwild == 0xffffffff)
				fprintf(stderr, "%% Warning: crypto map %s %u: access list %s permits \"any\" as %s: all such traffic will be protected\n",
					e->map, e->seq, a->name,
					x->swild == 0xffffffff ?
					(x->dwild == 0xffffffff ?
					 "source and destination" : "source") :
					"destination");
		}
	}
	/*
	 * Entries of one map whose ACLs overlap: each pair of one map once
	 * (the map's entries are chained), the result of a pair of ACLs
	 * kept while one entry is compared with the others, and at most
	 * OVERLAP_WARN_MAX lines per map, then how many more.
	 */
	nmore = c->nmaps ? calloc(c->nmaps, sizeof(*nmore)) : NULL;
	memo = c->nacls ? malloc(c->nacls * sizeof(*memo)) : NULL;
	eacl = c->nentries ? malloc(c->nentries * sizeof(*eacl)) : NULL;
	touched = c->nentries ? malloc(c->nentries) : NULL;
	for (i = 0; eacl && touched && i < c->nentries; i++) {
		const struct entry *e = &c->entries[i];

		eacl[i] = e->acl[0] ? find_acl(c, e->acl) : NULL;
		touched[i] = acl_touched(c, e);
	}
	for (i = 0; eacl && touched && i < c->nentries; i++) {
		const struct entry *e = &c->entries[i];
		const struct acl *a = eacl[i];
		const struct cmap *m;

		if (!a)
			continue;
		m = cfg_map_get(c, e->map);
		if (memo)
			memset(memo, -1, c->nacls * sizeof(*memo));
		for (j = cfg_map_next(c, i); j < c->nentries;
		     j = cfg_map_next(c, j)) {
			const struct entry *f = &c->entries[j];
			const struct acl *b = eacl[j];
			signed char *r = b && memo ? &memo[b - c->acls] : NULL;
			bool hit = false;

			if (!b || (!touched[i] && !touched[j]))
				continue;
			if (r && *r >= 0) {
				hit = *r;
			} else {
				for (k = 0; k < a->n && !hit; k++) {
					if (a->e[k].action != CRYPTOMAP_ACE_PERMIT)
						continue;
					for (l = 0; l < b->n && !hit; l++)
						hit = b->e[l].action == CRYPTOMAP_ACE_PERMIT &&
						      aces_overlap(&a->e[k], &b->e[l]);
				}
				if (r)
					*r = hit;
			}
			if (!hit)
				continue;
			if (m && nmore && nmore[m - c->maps]++ >= OVERLAP_WARN_MAX)
				continue;
			fprintf(stderr, "%% Warning: crypto map %s: the access lists of entries %u (%s) and %u (%s) overlap\n",
				e->map, e->seq < f->seq ? e->seq : f->seq,
				e->seq < f->seq ? e->acl : f->acl,
				e->seq < f->seq ? f->seq : e->seq,
				e->seq < f->seq ? f->acl : e->acl);
		}
	}
	for (i = 0; nmore && i < c->nmaps; i++)
		if (nmore[i] > OVERLAP_WARN_MAX)
			fprintf(stderr, "%% Warning: crypto map %s: %zu more pairs of entries whose access lists overlap (the first %d are listed)\n",
				c->maps[i].name, nmore[i] - OVERLAP_WARN_MAX,
				OVERLAP_WARN_MAX);
	free(nmore);
	free(memo);
	free(eacl);
	free(touched);
}
