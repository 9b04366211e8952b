// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: IKEv2 (RFC 7296) with pre-shared keys for crypto map entries
 * that name an IKEv2 profile.  Initiator (ACQUIRE, ctl initiate) and
 * responder: IKE_SA_INIT, IKE_AUTH with the first Child SA (ESP or AH
 * proposals from the entry's transform sets in order, IPComp by
 * IPCOMP_SUPPORTED, traffic selectors from its
 * crypto ACL line, narrowed by the responder to the line that mirrors the
 * initiator's), CREATE_CHILD_SA for new and rekeyed Child SAs (PFS with
 * `set pfs`), INFORMATIONAL (delete, liveness), retransmission of requests
 * and of the last response (window size 1), and malformed messages dropped.
 * SAs go into the module with SA_ADD exactly as Quick Mode's do.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "../cryptomap/cmtool.h"
#include "ikev2.h"

#define V2_HDR		28
#define NONCE_LEN	32
#define RETX_MAX	5

enum { EX_SA_INIT = 34, EX_AUTH = 35, EX_CHILD = 36, EX_INFO = 37 };
enum { F_I = 0x08, F_R = 0x20 };
enum {
	P_NONE = 0, P_SA = 33, P_KE = 34, P_IDI = 35, P_IDR = 36, P_AUTH = 39,
	P_NONCE = 40, P_N = 41, P_D = 42, P_V = 43, P_TSI = 44, P_TSR = 45,
	P_SK = 46,
};
enum { T_ENCR = 1, T_PRF = 2, T_INTEG = 3, T_DH = 4, T_ESN = 5 };
enum { PR_IKE = 1, PR_AH = 2, PR_ESP = 3 };
enum {
	N_UNSUPPORTED_CRITICAL = 1, N_INVALID_SYNTAX = 7, N_NO_PROPOSAL = 14,
	N_INVALID_KE = 17, N_AUTH_FAILED = 24, N_NO_ADDITIONAL_SAS = 35,
	N_TS_UNACCEPTABLE = 38, N_TEMPORARY_FAILURE = 43,
	N_CHILD_SA_NOT_FOUND = 44, N2_INITIAL_CONTACT = 16384,
	N_IPCOMP_SUPPORTED = 16387, N_COOKIE = 16390, N_USE_TRANSPORT = 16391,
	N_REKEY_SA = 16393,
};

enum v2state { S_I_INIT, S_I_AUTH, S_R_INIT, S_READY, S_DEAD };

/* a traffic selector: one IPv4 range, ports and protocol */
struct ts {
	uint32_t lo, hi;		/* host order */
	uint16_t plo, phi;
	uint8_t proto;
};

/* a Child SA negotiation of ours (in IKE_AUTH or CREATE_CHILD_SA) */
struct cx {
	bool active;
	char map[NAME_LEN];
	uint32_t seq;
	struct ace sel;
	bool has_sel;
	uint32_t spi_in;
	const struct tset *ts[CRYPTOMAP_MAX_TSETS];
	int nts;
	int pfs;
	struct v2dh *dh;
	struct buf ni;
	uint32_t rekey_spi;		/* the pair it replaces (spi_in), 0 */
	struct ts tsl, tsr;
	int hops;			/* peers tried (failover) */
	uint32_t early_spi;		/* early_inbound()'s standby pair, 0 */
	uint8_t early_proto;
};

struct v2child {
	struct v2child *next;
	uint32_t ike_id;
	char map[NAME_LEN];
	uint32_t seq;
	uint32_t peer, local;
	uint8_t proto;			/* PR_ESP or PR_AH */
	uint32_t spi_in, spi_out;
	uint16_t cpi_in, cpi_out;	/* IPComp, 0: none */
	char tset[NAME_LEN];
	int pfs;
	uint32_t life_sec, life_kb;
	struct ts tsl, tsr;
	double created;
	bool rekeying, installed, initiator;
	bool relearned;			/* from before a restart, no IKE SA */
	/*
	 * responder of a rekey: installed standby (inbound only) until the
	 * initiator deletes the old pair or activate_at passes
	 */
	bool standby;
	double activate_at;
};

/* things to ask the peer once the current request is answered */
enum qkind { Q_CHILD, Q_DELETE, Q_DELETE_IKE, Q_DPD, Q_REKEY_IKE };

struct qitem {
	enum qkind kind;
	char map[NAME_LEN];
	uint32_t seq;
	struct ace sel;
	bool has_sel;
	uint32_t spi;			/* rekey (Q_CHILD) or delete: spi_in */
	uint8_t proto;			/* delete of no child of ours: PR_AH */
};

struct v2sa {
	struct v2sa *next;
	uint32_t id;			/* Tunnel-id */
	uint32_t conn_id;
	uint8_t spi_i[8], spi_r[8];
	bool initiator;
	uint32_t local, peer;
	enum v2state state;
	const char *fail;
	const struct v2profile *prof;
	char profname[NAME_LEN];
	char psk[128];
	/* chosen */
	int enc, integ, prf, group;
	struct v2dh *dh;
	struct buf ni, nr, msg1, msg2, cookie;
	struct buf sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
	/* window of one each way */
	uint32_t req_id;		/* our next request */
	bool req_busy;
	int req_kind;			/* the exchange of the outstanding one */
	struct buf req_out;
	double next_retx;
	int retx;
	uint32_t peer_next;		/* the peer's next request */
	struct buf resp_out;		/* our last response */
	struct buf resp_in;		/* the request it answers */
	struct cx cx;			/* our running child negotiation */
	struct qitem q[8];
	int nq;
	double created, last_heard, expires, dead_at;
	uint32_t life;
	int ke_retry;
	/* our IKE SA rekey in flight (RFC 7296 1.3.2) */
	struct v2dh *rk_dh;
	struct buf rk_ni;
	uint8_t rk_spi[8];
	bool rekey_sent, deleting;
};

static struct v2sa *sas;
static struct v2child *children;
static uint32_t next_id = 1;

/* ---- small helpers --------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static const char *spi_hex(const uint8_t *s)
{
	static char b[4][17];
	static int k;
	int i;

	k = (k + 1) % 4;
	for (i = 0; i < 8; i++)
		snprintf(b[k] + 2 * i, 3, "%02X", s[i]);
	return b[k];
}

static void udp_send(uint32_t peer, const struct buf *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(500),
				   .sin_addr.s_addr = peer };

	if (sendto(ike.fd, b->p, b->len, 0, (struct sockaddr *)&sin,
		   sizeof(sin)) < 0)
		log_warn("IKEv2: send to %s failed", ipstr(peer));
}

static const char *ts_text(const struct ts *t)
{
	static char b[4][80];
	static int k;

	k = (k + 1) % 4;
	snprintf(b[k], sizeof(b[k]), "%s-%s", ipstr(htonl(t->lo)),
		 ipstr(htonl(t->hi)));
	if (t->proto || t->plo || t->phi != 0xffff)
		snprintf(b[k] + strlen(b[k]), sizeof(b[k]) - strlen(b[k]),
			 " proto %u ports %u-%u", t->proto, t->plo, t->phi);
	return b[k];
}

static void ts_side(struct ts *t, uint32_t addr, uint32_t wild, int proto,
		    uint8_t op, uint16_t lo, uint16_t hi)
{
	uint32_t a = ntohl(addr), w = ntohl(wild);

	t->lo = a & ~w;
	t->hi = a | w;
	t->proto = proto < 0 ? 0 : proto;
	t->plo = 0;
	t->phi = 0xffff;
	switch (op) {
	case CRYPTOMAP_PORT_EQ:
		t->plo = t->phi = lo;
		break;
	case CRYPTOMAP_PORT_LT:
		t->phi = lo ? lo - 1 : 0;
		break;
	case CRYPTOMAP_PORT_GT:
		t->plo = lo < 0xffff ? lo + 1 : 0xffff;
		break;
	case CRYPTOMAP_PORT_RANGE:
		t->plo = lo;
		t->phi = hi;
		break;
	}
}

/* the local and remote selectors of an ACL line, seen from here */
static void ts_from_ace(const struct ace *e, struct ts *l, struct ts *r)
{
	ts_side(l, e->src, e->swild, e->proto, e->sop, e->slo, e->shi);
	ts_side(r, e->dst, e->dwild, e->proto, e->dop, e->dlo, e->dhi);
}

/* a and b intersected into out; false if empty */
static bool ts_and(const struct ts *a, const struct ts *b, struct ts *out)
{
	if (a->proto && b->proto && a->proto != b->proto)
		return false;
	out->proto = a->proto ? a->proto : b->proto;
	out->lo = a->lo > b->lo ? a->lo : b->lo;
	out->hi = a->hi < b->hi ? a->hi : b->hi;
	out->plo = a->plo > b->plo ? a->plo : b->plo;
	out->phi = a->phi < b->phi ? a->phi : b->phi;
	return out->lo <= out->hi && out->plo <= out->phi;
}

static const struct ace *first_permit(const struct entry *e)
{
	const struct acl *a = conf_acl(&ike.conf->cm, e->acl);
	size_t i;

	for (i = 0; a && i < a->n; i++)
		if (a->e[i].action == CRYPTOMAP_ACE_PERMIT)
			return &a->e[i];
	return NULL;
}

/* ---- payload building ------------------------------------------------ */

struct pb {
	struct buf b;
	uint8_t first;
	size_t last;		/* offset of the previous generic header */
	bool any;
};

static size_t pb_begin(struct pb *p, uint8_t type)
{
	size_t s = p->b.len;

	if (p->any)
		p->b.p[p->last] = type;
	else
		p->first = type;
	p->any = true;
	p->last = s;
	buf_add8(&p->b, P_NONE);
	buf_add8(&p->b, 0);
	buf_add16(&p->b, 0);
	return s;
}

static void pb_end(struct pb *p, size_t s)
{
	size_t l = p->b.len - s;

	p->b.p[s + 2] = l >> 8;
	p->b.p[s + 3] = l & 0xff;
}

static void pb_add(struct pb *p, uint8_t type, const void *d, size_t n)
{
	size_t s = pb_begin(p, type);

	buf_add(&p->b, d, n);
	pb_end(p, s);
}

static void pb_notify(struct pb *p, uint8_t proto, const uint8_t *spi,
		      size_t spisize, uint16_t type, const void *data, size_t dl)
{
	size_t s = pb_begin(p, P_N);

	buf_add8(&p->b, proto);
	buf_add8(&p->b, spisize);
	buf_add16(&p->b, type);
	buf_add(&p->b, spi, spisize);
	buf_add(&p->b, data, dl);
	pb_end(p, s);
}

static void pb_free(struct pb *p)
{
	buf_free(&p->b);
}

static void hdr(struct v2sa *sa, struct buf *m, uint8_t np, uint8_t exch,
		bool response, uint32_t msgid)
{
	m->len = 0;
	buf_add(m, sa->spi_i, 8);
	buf_add(m, sa->spi_r, 8);
	buf_add8(m, np);
	buf_add8(m, 0x20);
	buf_add8(m, exch);
	buf_add8(m, (sa->initiator ? F_I : 0) | (response ? F_R : 0));
	buf_add32(m, msgid);
	buf_add32(m, 0);
}

/* an SK-protected message from the payloads in p */
static int seal(struct v2sa *sa, struct buf *m, uint8_t exch, bool response,
		uint32_t msgid, struct pb *p)
{
	hdr(sa, m, P_SK, exch, response, msgid);
	buf_add8(m, p->any ? p->first : P_NONE);
	buf_add8(m, 0);
	buf_add16(m, 0);
	return v2_sk_seal(sa->enc, sa->integ,
			  sa->initiator ? &sa->sk_ei : &sa->sk_er,
			  sa->initiator ? &sa->sk_ai : &sa->sk_ar,
			  m, V2_HDR, &p->b);
}

/* ---- parsing --------------------------------------------------------- */

struct v2pl {
	uint8_t type;
	const uint8_t *body;
	size_t len;
};

#define V2_MAX_PL	24

struct v2msg {
	const uint8_t *pkt;
	size_t len;
	uint8_t spi_i[8], spi_r[8];
	uint8_t np, exch, flags;
	uint32_t msgid;
	struct v2pl pl[V2_MAX_PL];
	int n;
	size_t sk_off;			/* the SK payload, 0 if none */
};

static int parse_chain(struct v2msg *m, uint8_t np, const uint8_t *p,
		       size_t len, bool outer, const char **why)
{
	while (np != P_NONE) {
		size_t l;

		if (len < 4) {
			*why = "truncated payload header";
			return -1;
		}
		l = get16(p + 2);
		if (l < 4 || l > len) {
			*why = "bad payload length";
			return -1;
		}
		if (outer && np == P_SK) {
			if (l != len) {
				*why = "SK is not the last payload";
				return -1;
			}
			m->sk_off = p - m->pkt;
			return 0;
		}
		if (np < P_SA || np > 48) {
			if (p[1] & 0x80) {
				*why = "unsupported critical payload";
				return -1;
			}
		} else {
			if (m->n == V2_MAX_PL) {
				*why = "too many payloads";
				return -1;
			}
			m->pl[m->n++] = (struct v2pl){ np, p + 4, l - 4 };
		}
		np = p[0];
		p += l;
		len -= l;
	}
	if (len && outer) {
		*why = "trailing bytes";
		return -1;
	}
	return 0;
}

static const struct v2pl *find(const struct v2msg *m, uint8_t type, int nth)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->pl[i].type == type && !nth--)
			return &m->pl[i];
	return NULL;
}

/* a notification of type t in the message, its data in *d */
static const struct v2pl *find_notify(const struct v2msg *m, uint16_t t)
{
	const struct v2pl *p;
	int i;

	for (i = 0; (p = find(m, P_N, i)); i++)
		if (p->len >= 4 && 4u + p->body[1] <= p->len &&
		    get16(p->body + 2) == t)
			return p;
	return NULL;
}

/* the first error notification, 0 if none */
static uint16_t error_notify(const struct v2msg *m)
{
	const struct v2pl *p;
	int i;

	for (i = 0; (p = find(m, P_N, i)); i++)
		if (p->len >= 4 && get16(p->body + 2) < 16384)
			return get16(p->body + 2);
	return 0;
}

static const char *notify_name(uint16_t t)
{
	switch (t) {
	case N_INVALID_SYNTAX: return "INVALID_SYNTAX";
	case N_NO_PROPOSAL: return "NO_PROPOSAL_CHOSEN";
	case N_INVALID_KE: return "INVALID_KE_PAYLOAD";
	case N_AUTH_FAILED: return "AUTHENTICATION_FAILED (pre-shared key mismatch?)";
	case N_NO_ADDITIONAL_SAS: return "NO_ADDITIONAL_SAS";
	case N_TS_UNACCEPTABLE: return "TS_UNACCEPTABLE (crypto ACLs not mirrored?)";
	case N_TEMPORARY_FAILURE: return "TEMPORARY_FAILURE";
	case N_CHILD_SA_NOT_FOUND: return "CHILD_SA_NOT_FOUND";
	}
	return "error";
}

/* SA payload decoding */
struct xf {
	uint8_t type;
	uint16_t id;
	uint16_t keylen;
};

struct v2p {
	uint8_t num, proto, spisize;
	uint8_t spi[8];
	struct xf t[24];
	int nt;
};

static int sa_decode(const struct v2pl *pl, struct v2p *out, int max)
{
	const uint8_t *p = pl->body;
	size_t len = pl->len;
	int n = 0;
	bool more = true;

	while (more) {
		struct v2p *pp;
		size_t l, tl, off;
		int nt, k;

		if (len < 8 || n == max)
			return -1;
		l = get16(p + 2);
		if (l < 8 || l > len || (p[0] != 0 && p[0] != 2))
			return -1;
		more = p[0] == 2;
		pp = &out[n++];
		memset(pp, 0, sizeof(*pp));
		pp->num = p[4];
		pp->proto = p[5];
		pp->spisize = p[6];
		nt = p[7];
		if (pp->spisize > 8 || 8u + pp->spisize > l)
			return -1;
		memcpy(pp->spi, p + 8, pp->spisize);
		off = 8 + pp->spisize;
		for (k = 0; k < nt; k++) {
			const uint8_t *t = p + off;
			size_t ao;

			if (off + 8 > l)
				return -1;
			tl = get16(t + 2);
			if (tl < 8 || off + tl > l || (t[0] != 0 && t[0] != 3) ||
			    (k + 1 < nt) != (t[0] == 3))
				return -1;
			if (pp->nt < 24) {
				struct xf *x = &pp->t[pp->nt++];

				x->type = t[4];
				x->id = get16(t + 6);
				for (ao = 8; ao + 4 <= tl;) {
					uint16_t at = get16(t + ao);

					if (at & 0x8000) {
						if ((at & 0x7fff) == 14)
							x->keylen = get16(t + ao + 2);
						else
							x->type = 0xff;	/* unknown: unusable */
						ao += 4;
					} else {
						ao += 4 + get16(t + ao + 2);
						x->type = 0xff;
					}
				}
				if (ao != tl)
					return -1;
			}
			off += tl;
		}
		if (off != l)
			return -1;
		p += l;
		len -= l;
	}
	return len ? -1 : n;
}

/* ---- IKE SA proposals ------------------------------------------------- */

static int enc_id(int enc, uint16_t *keylen)
{
	*keylen = v2_enc_keybits(enc);
	return v2_enc_aead(enc) ? 20 : 12;
}

static int prf_id(int h)
{
	static const int id[] = { 0, 2, 5, 6, 7 };

	return h >= 1 && h <= 4 ? id[h] : 0;
}

static int integ_id(int h)
{
	static const int id[] = { 0, 2, 12, 13, 14 };

	return h >= 1 && h <= 4 ? id[h] : 0;
}

static int hash_by(int id, int (*f)(int))
{
	int h;

	for (h = 1; h <= 4; h++)
		if (f(h) == id)
			return h;
	return 0;
}

static int enc_by(uint16_t id, uint16_t keylen)
{
	int e;
	uint16_t kl = 0;

	for (e = V2E_CBC128; e <= V2E_GCM256; e++)
		if (enc_id(e, &kl) == id && kl == keylen)
			return e;
	return 0;
}

/* the PRFs of a proposal: configured, else those of its integrity */
static int prop_prfs(const struct v2prop *p, int *out)
{
	static const int def[] = { V2H_SHA512, V2H_SHA384, V2H_SHA256 };
	int i;

	if (p->nprf) {
		memcpy(out, p->prf, p->nprf * sizeof(int));
		return p->nprf;
	}
	if (p->ninteg) {
		memcpy(out, p->integ, p->ninteg * sizeof(int));
		return p->ninteg;
	}
	for (i = 0; i < 3; i++)
		out[i] = def[i];
	return 3;
}

static void add_xf(struct buf *b, bool last, uint8_t type, uint16_t id,
		   uint16_t keylen)
{
	buf_add8(b, last ? 0 : 3);
	buf_add8(b, 0);
	buf_add16(b, keylen ? 12 : 8);
	buf_add8(b, type);
	buf_add8(b, 0);
	buf_add16(b, id);
	if (keylen) {
		buf_add16(b, 0x800e);
		buf_add16(b, keylen);
	}
}

struct xfl {
	struct xf x[32];
	int n;
};

static void xfl_add(struct xfl *l, uint8_t type, uint16_t id, uint16_t kl)
{
	if (l->n < 32)
		l->x[l->n++] = (struct xf){ type, id, kl };
}

static void add_proposal(struct buf *b, bool last, uint8_t num, uint8_t proto,
			 const uint8_t *spi, size_t spisize,
			 const struct xfl *l)
{
	size_t s = b->len;
	int i;

	buf_add8(b, last ? 0 : 2);
	buf_add8(b, 0);
	buf_add16(b, 0);
	buf_add8(b, num);
	buf_add8(b, proto);
	buf_add8(b, spisize);
	buf_add8(b, l->n);
	buf_add(b, spi, spisize);
	for (i = 0; i < l->n; i++)
		add_xf(b, i + 1 == l->n, l->x[i].type, l->x[i].id, l->x[i].keylen);
	b->p[s + 2] = (b->len - s) >> 8;
	b->p[s + 3] = (b->len - s) & 0xff;
}

/* the IKE proposals of our configuration, CBC and GCM apart */
static int ike_props(uint32_t local, struct xfl *out, int max, int first_group)
{
	const struct v2prop *pp[16];
	int np = v2_proposals(local, pp, 16), i, k, n = 0, aead;

	for (i = 0; i < np; i++)
		for (aead = 0; aead < 2 && n < max; aead++) {
			struct xfl *l = &out[n];
			int prfs[V2_MAX_ALG], nprf = prop_prfs(pp[i], prfs);
			bool any = false;
			uint16_t kl = 0;

			l->n = 0;
			for (k = 0; k < pp[i]->nenc; k++)
				if (v2_enc_aead(pp[i]->enc[k]) == aead) {
					int id = enc_id(pp[i]->enc[k], &kl);

					xfl_add(l, T_ENCR, id, kl);
					any = true;
				}
			if (!any)
				continue;
			for (k = 0; k < nprf; k++)
				xfl_add(l, T_PRF, prf_id(prfs[k]), 0);
			for (k = 0; !aead && k < pp[i]->ninteg; k++)
				xfl_add(l, T_INTEG, integ_id(pp[i]->integ[k]), 0);
			if (!aead && !pp[i]->ninteg)
				xfl_add(l, T_INTEG, integ_id(V2H_SHA256), 0);
			/* the KE's group first, so that the peer can take it */
			for (k = 0; k < pp[i]->ngroup; k++)
				if (pp[i]->group[k] == first_group)
					xfl_add(l, T_DH, first_group, 0);
			for (k = 0; k < pp[i]->ngroup; k++)
				if (pp[i]->group[k] != first_group)
					xfl_add(l, T_DH, pp[i]->group[k], 0);
			n++;
		}
	return n;
}

static int first_group(uint32_t local)
{
	const struct v2prop *pp[16];
	int np = v2_proposals(local, pp, 16);

	return np && pp[0]->ngroup ? pp[0]->group[0] : 14;
}

static bool xfl_has(const struct xfl *l, int n, uint8_t type, uint16_t id,
		    uint16_t kl)
{
	int i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < l[i].n; k++)
			if (l[i].x[k].type == type && l[i].x[k].id == id &&
			    l[i].x[k].keylen == kl)
				return true;
	return false;
}

/*
 * From one received IKE proposal, the first of its transforms of each
 * type that one of our proposals has (all from the same one of ours);
 * prefer the group of the KE payload.
 */
static bool pick_ike(const struct v2p *p, const struct xfl *ours, int nours,
		     int ke_group, int *enc, int *prf, int *integ, int *group)
{
	int o, k;

	for (o = 0; o < nours; o++) {
		const struct xfl *l = &ours[o];
		int e = 0, f = 0, in = 0, g = 0;
		bool aead = false;

		for (k = 0; k < p->nt; k++) {
			const struct xf *x = &p->t[k];

			if (!xfl_has(l, 1, x->type, x->id, x->keylen))
				continue;
			if (x->type == T_ENCR && !e) {
				e = enc_by(x->id, x->keylen);
				aead = v2_enc_aead(e);
			} else if (x->type == T_PRF && !f) {
				f = hash_by(x->id, prf_id);
			} else if (x->type == T_INTEG && !in) {
				in = hash_by(x->id, integ_id);
			} else if (x->type == T_DH && (!g || x->id == ke_group)) {
				g = x->id;
			}
		}
		if (e && f && g && (aead || in)) {
			*enc = e;
			*prf = f;
			*integ = aead ? 0 : in;
			*group = g;
			return true;
		}
	}
	return false;
}

/*
 * SKEYSEED = prf(Ni | Nr, g^ir), or for a rekey (old != NULL)
 * prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's PRF (RFC 7296
 * 2.18); then {SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr} =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 */
static int ike_keys_from(struct v2sa *sa, const struct buf *gir,
			 const struct v2sa *old)
{
	struct buf seed = { 0 }, skeyseed = { 0 }, km = { 0 }, key = { 0 };
	size_t pl = v2_hash_len(sa->prf);
	size_t al = v2_enc_aead(sa->enc) ? 0 : v2_hash_len(sa->integ);
	size_t el = v2_enc_keybits(sa->enc) / 8 + (v2_enc_aead(sa->enc) ? 4 : 0);
	size_t off = 0;
	struct buf *out[] = { &sa->sk_d, &sa->sk_ai, &sa->sk_ar, &sa->sk_ei,
			      &sa->sk_er, &sa->sk_pi, &sa->sk_pr };
	size_t lens[] = { pl, al, al, el, el, pl, pl };
	int i, r;

	if (old) {
		struct buf d = { 0 };

		buf_addb(&d, gir);
		buf_addb(&d, &sa->ni);
		buf_addb(&d, &sa->nr);
		r = v2_prf(old->prf, &old->sk_d, &d, &skeyseed);
		buf_free(&d);
	} else {
		buf_addb(&key, &sa->ni);
		buf_addb(&key, &sa->nr);
		r = v2_prf(sa->prf, &key, gir, &skeyseed);
	}
	buf_addb(&seed, &sa->ni);
	buf_addb(&seed, &sa->nr);
	buf_add(&seed, sa->spi_i, 8);
	buf_add(&seed, sa->spi_r, 8);
	if (!r)
		r = v2_prf_plus(sa->prf, &skeyseed, &seed,
				2 * pl + 2 * al + 2 * el + pl, &km);
	for (i = 0; !r && i < 7; i++) {
		buf_set(out[i], km.p + off, lens[i]);
		off += lens[i];
	}
	buf_free(&seed);
	buf_free(&skeyseed);
	buf_free(&km);
	buf_free(&key);
	return r;
}

static int ike_keys(struct v2sa *sa, const struct buf *gir)
{
	return ike_keys_from(sa, gir, NULL);
}

/* ---- ESP proposals from transform sets --------------------------------- */

/*
 * What a transform set negotiates over IKEv2: one protocol per Child SA
 * (RFC 7296 3.3), ESP or AH, and IPComp beside it (IPCOMP_SUPPORTED, 2.22).
 */
struct esp_alg {
	uint8_t proto;			/* PR_ESP or PR_AH */
	uint16_t encr, keylen, integ;
	uint8_t comp;			/* IPCOMP transform ID, 0: none */
	size_t ekey, akey;		/* key material, octets */
};

/* the integrity transform (RFC 7296 3.3.2) of an ESP or AH algorithm */
static void integ_of(int sha, struct esp_alg *a)
{
	static const struct { uint16_t id; size_t key; } ia[] = {
		{ 0, 0 }, { 1, 16 }, { 2, 20 }, { 12, 32 }, { 13, 48 }, { 14, 64 },
	};

	/* ESP and AH integrity enums share their order: none, md5, sha... */
	if (sha > 0 && sha <= CRYPTOMAP_AH_SHA512_HMAC) {
		a->integ = ia[sha].id;
		a->akey = ia[sha].key;
	}
}

static const char *ipcomp_name(uint8_t id)
{
	return id == 2 ? "deflate" : id == 3 ? "lzs" : "?";
}

/* false: not negotiable over IKEv2 (an AH+ESP bundle, no ESP cipher) */
static bool esp_of(const struct tset *t, struct esp_alg *a)
{
	int bits = t->keybits ? t->keybits : 128;

	memset(a, 0, sizeof(*a));
	a->proto = PR_ESP;
	a->comp = t->comp == CRYPTOMAP_COMP_LZS ? 3 :
		  t->comp == CRYPTOMAP_COMP_DEFLATE ? 2 : 0;
	if (t->ah) {
		if (t->enc != CRYPTOMAP_ENC_NONE ||
		    t->eauth != CRYPTOMAP_EAUTH_NONE)
			return false;	/* AH+ESP: two protocols */
		a->proto = PR_AH;
		integ_of(t->ah, a);
		return a->integ != 0;
	}
	if (t->enc == CRYPTOMAP_ENC_NONE)
		return false;
	switch (t->enc) {
	case CRYPTOMAP_ENC_NULL:
		a->encr = 11;
		break;
	case CRYPTOMAP_ENC_DES:
		a->encr = 2;
		a->ekey = 8;
		break;
	case CRYPTOMAP_ENC_3DES:
		a->encr = 3;
		a->ekey = 24;
		break;
	case CRYPTOMAP_ENC_AES:
		a->encr = 12;
		a->keylen = bits;
		a->ekey = bits / 8;
		break;
	case CRYPTOMAP_ENC_GCM:
		a->encr = 20;
		a->keylen = bits;
		a->ekey = bits / 8 + 4;
		break;
	case CRYPTOMAP_ENC_GMAC:
		a->encr = 21;
		a->keylen = bits;
		a->ekey = bits / 8 + 4;
		break;
	default:
		return false;
	}
	integ_of(t->eauth, a);
	return true;
}

/*
 * ESN transforms (RFC 7296 3.3.2): ESN_BOTH offers 0 (32-bit sequence
 * numbers) then 1 (extended, RFC 4303 2.2.1); an answer carries the one
 * chosen.
 */
#define ESN_BOTH (-1)

static void esp_xfl(const struct esp_alg *a, int pfs, int esn, struct xfl *l)
{
	l->n = 0;
	if (a->proto == PR_ESP)
		xfl_add(l, T_ENCR, a->encr, a->keylen);
	if (a->integ)
		xfl_add(l, T_INTEG, a->integ, 0);
	if (pfs)
		xfl_add(l, T_DH, pfs, 0);
	if (esn != 1)
		xfl_add(l, T_ESN, 0, 0);
	if (esn != 0)
		xfl_add(l, T_ESN, 1, 0);
}

/*
 * Does a received ESP proposal carry exactly this transform set?  *esn:
 * 0 if it allows 32-bit sequence numbers (our preference), 1 if it only
 * allows extended ones.
 */
static bool esp_match(const struct v2p *p, const struct esp_alg *a, int pfs,
		      int *esn)
{
	bool enc = a->proto == PR_AH, integ = !a->integ, dh = !pfs;
	bool integ_seen = false, esn_seen = false, esn0 = false, esn1 = false;
	int k;

	if (p->proto != a->proto || p->spisize != 4)
		return false;
	for (k = 0; k < p->nt; k++) {
		const struct xf *x = &p->t[k];

		switch (x->type) {
		case T_ENCR:
			if (a->proto == PR_AH)
				return false;	/* AH has no encryption */
			enc |= x->id == a->encr && x->keylen == a->keylen;
			break;
		case T_INTEG:
			integ_seen = true;
			if (a->integ)
				integ |= x->id == a->integ;
			else
				integ |= x->id == 0;
			break;
		case T_DH:
			dh |= pfs && x->id == pfs;
			break;
		case T_ESN:
			esn_seen = true;
			esn0 |= x->id == 0;
			esn1 |= x->id == 1;
			break;
		}
	}
	if (!a->integ && integ_seen && !integ)
		return false;
	if (esn_seen && !esn0 && !esn1)
		return false;
	*esn = esn_seen && !esn0;
	return enc && integ && dh;
}

/*
 * IPComp (RFC 7296 2.22, 3.10.1): IPCOMP_SUPPORTED carries the CPI its
 * sender wants to receive and a transform ID.  Ours is the low half of
 * our inbound SPI (what the module derived before SA_ADD took CPIs, so a
 * cryptomap peer of any age agrees); the peer's is whatever it chose
 * (strongSwan and IOS allocate CPIs apart from SPIs).  SA_ADD installs
 * both as IPPROTO_COMP keys: inbound ours, outbound the peer's.
 */
static uint16_t cpi_of(uint32_t spi)
{
	return spi & 0xffff;
}

/* negotiated CPIs are 256..61439 (RFC 3173 3.3) */
static bool cpi_ok(uint16_t cpi)
{
	return cpi >= 256 && cpi < 61440;
}

/* a peer's CPI the module takes: 256..65535 (61440 up: private use) */
static bool peer_cpi_ok(uint16_t cpi)
{
	return cpi >= 256;
}

static void pb_ipcomp(struct pb *p, uint32_t spi_in, uint8_t tid)
{
	uint8_t d[3] = { cpi_of(spi_in) >> 8, cpi_of(spi_in) & 0xff, tid };

	pb_notify(p, 0, NULL, 0, N_IPCOMP_SUPPORTED, d, 3);
}

/* the peer's CPI for transform tid, 0 if it did not offer it */
static uint16_t ipcomp_offered(const struct v2msg *m, uint8_t tid)
{
	const struct v2pl *p;
	int i;

	for (i = 0; (p = find(m, P_N, i)); i++)
		if (p->len == 4u + p->body[1] + 3 &&
		    get16(p->body + 2) == N_IPCOMP_SUPPORTED &&
		    p->body[4 + p->body[1] + 2] == tid)
			return get16(p->body + 4 + p->body[1]);
	return 0;
}

/* ---- traffic selector payloads --------------------------------------- */

static void pb_ts(struct pb *p, uint8_t type, const struct ts *t)
{
	size_t s = pb_begin(p, type);

	buf_add8(&p->b, 1);
	buf_add8(&p->b, 0);
	buf_add16(&p->b, 0);
	buf_add8(&p->b, 7);		/* TS_IPV4_ADDR_RANGE */
	buf_add8(&p->b, t->proto);
	buf_add16(&p->b, 16);
	buf_add16(&p->b, t->plo);
	buf_add16(&p->b, t->phi);
	buf_add32(&p->b, t->lo);
	buf_add32(&p->b, t->hi);
	pb_end(p, s);
}

/* the IPv4 selectors of a TS payload */
static int ts_decode(const struct v2pl *pl, struct ts *out, int max)
{
	const uint8_t *p;
	size_t off = 4;
	int n = 0, k, cnt;

	if (!pl || pl->len < 4)
		return -1;
	p = pl->body;
	cnt = p[0];
	for (k = 0; k < cnt; k++) {
		size_t l;

		if (off + 4 > pl->len)
			return -1;
		l = get16(p + off + 2);
		if (l < 8 || off + l > pl->len)
			return -1;
		if (p[off] == 7 && l == 16 && n < max) {
			struct ts *t = &out[n++];

			t->proto = p[off + 1];
			t->plo = get16(p + off + 4);
			t->phi = get16(p + off + 6);
			t->lo = get32(p + off + 8);
			t->hi = get32(p + off + 12);
		}
		off += l;
	}
	return off == pl->len ? n : -1;
}

/* ---- SA lifecycle ------------------------------------------------------ */

/* the standby pair early_inbound() added goes, if it is still there */
static void early_drop(struct cx *c)
{
	if (!c->early_spi)
		return;
	knl_sa_delete(c->map, c->seq, 0, c->early_proto, c->early_spi);
	c->early_spi = 0;
}

/* also takes out an early_inbound() pair that no answer completed */
static void cx_clear(struct cx *c)
{
	early_drop(c);
	v2dh_free(c->dh);
	buf_free(&c->ni);
	memset(c, 0, sizeof(*c));
}

static void sa_free(struct v2sa *sa)
{
	struct buf *b[] = { &sa->ni, &sa->nr, &sa->msg1, &sa->msg2, &sa->cookie,
			    &sa->sk_d, &sa->sk_ai, &sa->sk_ar, &sa->sk_ei,
			    &sa->sk_er, &sa->sk_pi, &sa->sk_pr, &sa->req_out,
			    &sa->resp_out, &sa->resp_in };
	size_t i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		buf_free(b[i]);
	v2dh_free(sa->dh);
	v2dh_free(sa->rk_dh);
	buf_free(&sa->rk_ni);
	cx_clear(&sa->cx);
	explicit_bzero(sa->psk, sizeof(sa->psk));
	free(sa);
}

static struct v2sa *sa_new(uint32_t peer, bool initiator)
{
	struct v2sa *sa = xzalloc(sizeof(*sa));

	sa->id = next_id++;
	sa->conn_id = ike.next_conn_id++;
	sa->initiator = initiator;
	sa->peer = peer;
	sa->local = local_addr_for(peer);
	sa->created = sa->last_heard = now_s();
	sa->next = sas;
	sas = sa;
	return sa;
}

static void child_activate(struct v2child *ch);

static void child_del(struct v2child *ch, bool from_kernel)
{
	struct v2child **pp;

	/* left in the module: not as a pair that never sends */
	if (!from_kernel && ch->standby)
		child_activate(ch);
	if (from_kernel && ch->installed)
		knl_sa_delete(ch->map, ch->seq, ch->peer,
			      ch->proto == PR_AH ? 51 : 50, ch->spi_in);
	for (pp = &children; *pp; pp = &(*pp)->next)
		if (*pp == ch) {
			*pp = ch->next;
			free(ch);
			return;
		}
}

/* a new pair of the entry is in: a re-learned one it replaced is not ours */
static void forget_relearned(const char *map, uint32_t seq)
{
	struct v2child *ch, *nx;

	for (ch = children; ch; ch = nx) {
		nx = ch->next;
		if (ch->relearned && ch->seq == seq && !strcmp(ch->map, map)) {
			log_info("IKEv2: re-learned SA pair 0x%08X/0x%08X of %s %u replaced",
				 ch->spi_in, ch->spi_out, map, seq);
			child_del(ch, false);
		}
	}
}

static void sa_fail(struct v2sa *sa, const char *why)
{
	if (sa->state == S_DEAD)
		return;
	if (why) {
		sa->fail = why;
		log_err("IKEv2 SA %u with %s: %s", sa->id, ipstr(sa->peer), why);
	}
	sa->state = S_DEAD;
	sa->req_busy = false;
	sa->next_retx = 0;
	sa->dead_at = now_s() + 30;
	cx_clear(&sa->cx);
}

/* the IKE SA is gone: so are its Child SAs (RFC 7296 1.4.1) */
static void sa_drop_children(struct v2sa *sa, bool from_kernel)
{
	struct v2child *ch, *nx;

	for (ch = children; ch; ch = nx) {
		nx = ch->next;
		if (ch->ike_id == sa->id)
			child_del(ch, from_kernel);
	}
}

/* the entry's next set peer after this one, 0 if it has no other */
static uint32_t next_peer(struct entry *e, uint32_t peer)
{
	int k;

	if (!e || e->npeers < 2)
		return 0;
	for (k = 0; k < e->npeers; k++)
		if (e->peers[k] == peer)
			break;
	return e->peers[(k + 1) % e->npeers];
}

/*
 * The peer does not answer: the entries it served move to their next set
 * peer (IOS failover); a negotiation we were starting tries that one once
 * around the list.
 */
static void failover(struct v2sa *sa)
{
	struct v2child *ch;
	struct entry *e;
	uint32_t next;

	for (ch = children; ch; ch = ch->next) {
		if (ch->ike_id != sa->id)
			continue;
		e = cfg_entry(&ike.conf->cm, ch->map, ch->seq, false);
		next = next_peer(e, sa->peer);
		if (!next)
			continue;
		log_warn("IKEv2: crypto map %s %u: peer %s dead, current peer now %s",
			 e->map, e->seq, ipstr(sa->peer), ipstr(next));
		e->current_peer = next;
		knl_peer_set(e->map, e->seq, next);
	}
	if (sa->initiator && sa->cx.active) {
		struct cx *c = &sa->cx;
		const char *why = NULL;

		e = cfg_entry(&ike.conf->cm, c->map, c->seq, false);
		next = next_peer(e, sa->peer);
		if (!next || c->hops + 1 >= e->npeers)
			return;
		log_warn("IKEv2: crypto map %s %u: peer %s not answering, failing over to %s",
			 e->map, e->seq, ipstr(sa->peer), ipstr(next));
		e->current_peer = next;
		knl_peer_set(e->map, e->seq, next);
		c->active = false;	/* not busy any more */
		if (ikev2_initiate(e->map, e->seq, next, c->has_sel ? &c->sel : NULL,
				   true, &why))
			log_err("IKEv2: crypto map %s %u: %s", e->map, e->seq, why);
		else if (sas != sa && sas->cx.active && sas->cx.seq == e->seq)
			sas->cx.hops = c->hops + 1;
	}
}

static void send_request(struct v2sa *sa, int exch, struct buf *m)
{
	buf_set(&sa->req_out, m->p, m->len);
	sa->req_busy = true;
	sa->req_kind = exch;
	sa->retx = 0;
	sa->next_retx = now_s() + ike.retx_base;
	udp_send(sa->peer, m);
	sa->req_id++;
}

static void send_response(struct v2sa *sa, const struct v2msg *req,
			  struct buf *m)
{
	buf_set(&sa->resp_out, m->p, m->len);
	buf_set(&sa->resp_in, req->pkt, req->len);
	udp_send(sa->peer, m);
}

/* ---- the initiator ------------------------------------------------------ */

static int send_sa_init(struct v2sa *sa, int group)
{
	struct xfl props[32];
	struct pb p = { 0 };
	struct buf m = { 0 }, ke = { 0 };
	size_t s;
	int n, i;

	n = ike_props(sa->local, props, 32, group);
	v2dh_free(sa->dh);
	sa->dh = v2dh_new(group);
	if (!n || !sa->dh || v2dh_public(sa->dh, &ke)) {
		sa_fail(sa, "no usable IKEv2 proposal or DH group");
		return -1;
	}
	sa->group = group;
	if (!sa->ni.len) {
		uint8_t nonce[NONCE_LEN];

		rand_bytes(nonce, sizeof(nonce));
		buf_set(&sa->ni, nonce, sizeof(nonce));
	}
	if (sa->cookie.len)
		pb_notify(&p, 0, NULL, 0, N_COOKIE, sa->cookie.p, sa->cookie.len);
	s = pb_begin(&p, P_SA);
	for (i = 0; i < n; i++)
		add_proposal(&p.b, i + 1 == n, i + 1, PR_IKE, NULL, 0, &props[i]);
	pb_end(&p, s);
	s = pb_begin(&p, P_KE);
	buf_add16(&p.b, group);
	buf_add16(&p.b, 0);
	buf_addb(&p.b, &ke);
	pb_end(&p, s);
	pb_add(&p, P_NONCE, sa->ni.p, sa->ni.len);
	memset(sa->spi_r, 0, 8);
	hdr(sa, &m, p.first, EX_SA_INIT, false, 0);
	buf_addb(&m, &p.b);
	m.p[24] = m.len >> 24;
	m.p[25] = m.len >> 16;
	m.p[26] = m.len >> 8;
	m.p[27] = m.len;
	buf_set(&sa->msg1, m.p, m.len);
	sa->req_id = 0;
	send_request(sa, EX_SA_INIT, &m);
	sa->state = S_I_INIT;
	log_info("IKEv2 SA %u: IKE_SA_INIT to %s (%d proposals, KE group %d)",
		 sa->id, ipstr(sa->peer), n, group);
	pb_free(&p);
	buf_free(&m);
	buf_free(&ke);
	return 0;
}

/* an inbound SPI; with IPComp one whose low half is a usable CPI */
static uint32_t new_spi(const char *map, uint32_t seq, uint32_t peer,
			uint8_t ipproto, bool comp)
{
	uint32_t spi = 0;
	int tries;

	for (tries = 0; tries < 16; tries++) {
		if (knl_spi_alloc(map, seq, peer, ipproto, &spi))
			break;
		if (!comp || cpi_ok(cpi_of(spi)))
			return spi;
	}
	do
		rand_bytes(&spi, sizeof(spi));
	while (spi < 256 || (comp && !cpi_ok(cpi_of(spi))));
	return spi;
}

/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <signed octets>) */
static int psk_auth(struct v2sa *sa, bool of_initiator, const uint8_t *id,
		    size_t idlen, struct buf *out)
{
	static const char pad[] = "Key Pad for IKEv2";
	struct buf k = { 0 }, kp = { 0 }, oct = { 0 }, idb = { 0 }, mac = { 0 };
	int r;

	buf_set(&k, sa->psk, strlen(sa->psk));
	buf_set(&kp, pad, strlen(pad));
	r = v2_prf(sa->prf, &k, &kp, &k);
	buf_set(&idb, id, idlen);
	r |= v2_prf(sa->prf, of_initiator ? &sa->sk_pi : &sa->sk_pr, &idb, &mac);
	buf_addb(&oct, of_initiator ? &sa->msg1 : &sa->msg2);
	buf_addb(&oct, of_initiator ? &sa->nr : &sa->ni);
	buf_addb(&oct, &mac);
	r |= v2_prf(sa->prf, &k, &oct, out);
	buf_free(&k);
	buf_free(&kp);
	buf_free(&oct);
	buf_free(&idb);
	buf_free(&mac);
	return r;
}

static void id_body(uint32_t addr, uint8_t *b)
{
	b[0] = 1;			/* ID_IPV4_ADDR */
	b[1] = b[2] = b[3] = 0;
	memcpy(b + 4, &addr, 4);
}

/* the SA, TSi, TSr payloads of a Child SA request from the entry */
static int child_request(struct v2sa *sa, struct pb *p, bool with_ke,
			 const char **why)
{
	struct cx *c = &sa->cx;
	struct entry *e = cfg_entry(&ike.conf->cm, c->map, c->seq, false);
	const struct ace *sel;
	struct xfl l;
	uint8_t spi[4];
	bool comp[4] = { false };
	size_t s;
	int i, n = 0, nah = 0;

	if (!e) {
		*why = "the crypto map entry is gone";
		return -1;
	}
	sel = c->has_sel ? &c->sel : first_permit(e);
	if (!sel) {
		*why = "the entry's ACL has no permit line";
		return -1;
	}
	ts_from_ace(sel, &c->tsl, &c->tsr);
	c->nts = 0;
	for (i = 0; i < e->ntsets; i++) {
		const struct tset *t = conf_tset(&ike.conf->cm, e->tsets[i]);
		struct esp_alg a;

		if (t && esp_of(t, &a)) {
			c->ts[c->nts++] = t;
			comp[a.comp] = true;
			nah += a.proto == PR_AH;
		} else if (t) {
			log_warn("IKEv2: transform set %s is not proposed: %s",
				 t->name, t->ah ?
				 "an AH+ESP bundle is two protocols, IKEv2 negotiates one per Child SA (RFC 7296 3.3)" :
				 "no ESP encryption");
		}
	}
	if (!c->nts) {
		*why = "no transform set that IKEv2 can propose";
		return -1;
	}
	c->pfs = with_ke ? e->pfs : 0;
	/* one SPI for every proposal, ESP or AH: the CPI is its low half */
	c->spi_in = new_spi(c->map, c->seq, sa->peer, nah == c->nts ? 51 : 50,
			    comp[2] || comp[3]);
	memcpy(spi, &(uint32_t){ htonl(c->spi_in) }, 4);
	for (i = 2; i <= 3; i++)
		if (comp[i])
			pb_ipcomp(p, c->spi_in, i);
	s = pb_begin(p, P_SA);
	for (i = 0; i < c->nts; i++) {
		struct esp_alg a;

		esp_of(c->ts[i], &a);
		esp_xfl(&a, c->pfs, ESN_BOTH, &l);
		add_proposal(&p->b, i + 1 == c->nts, i + 1, a.proto, spi, 4, &l);
		n++;
	}
	pb_end(p, s);
	if (with_ke) {
		uint8_t nonce[NONCE_LEN];

		rand_bytes(nonce, sizeof(nonce));
		buf_set(&c->ni, nonce, sizeof(nonce));
		pb_add(p, P_NONCE, nonce, sizeof(nonce));
		if (c->pfs) {
			struct buf ke = { 0 };

			c->dh = v2dh_new(c->pfs);
			if (!c->dh || v2dh_public(c->dh, &ke)) {
				buf_free(&ke);
				*why = "PFS group not available";
				return -1;
			}
			s = pb_begin(p, P_KE);
			buf_add16(&p->b, c->pfs);
			buf_add16(&p->b, 0);
			buf_addb(&p->b, &ke);
			pb_end(p, s);
			buf_free(&ke);
		}
	}
	pb_ts(p, P_TSI, &c->tsl);
	pb_ts(p, P_TSR, &c->tsr);
	(void)n;
	return 0;
}

static void early_inbound(struct v2sa *sa);

static bool relearned_with(uint32_t peer)
{
	const struct v2child *ch;

	for (ch = children; ch; ch = ch->next)
		if (ch->relearned && ch->peer == peer)
			return true;
	return false;
}

static void send_auth(struct v2sa *sa)
{
	struct pb p = { 0 };
	struct buf m = { 0 }, auth = { 0 };
	uint8_t idb[8];
	const char *why = NULL;
	size_t s;

	id_body(sa->local, idb);
	if (psk_auth(sa, true, idb, 8, &auth)) {
		sa_fail(sa, "AUTH computation failed");
		return;
	}
	pb_add(&p, P_IDI, idb, 8);
	s = pb_begin(&p, P_AUTH);
	buf_add8(&p.b, 2);		/* shared key MIC */
	buf_add8(&p.b, 0);
	buf_add16(&p.b, 0);
	buf_addb(&p.b, &auth);
	pb_end(&p, s);
	/*
	 * INITIAL_CONTACT makes the peer drop its other IKE SAs with us and
	 * their Child SAs at once, before the new child is in: not while a
	 * re-learned pair still runs on one of them (a lost packet or more).
	 */
	if (!relearned_with(sa->peer))
		pb_notify(&p, 0, NULL, 0, N2_INITIAL_CONTACT, NULL, 0);
	if (sa->cx.active && child_request(sa, &p, false, &why)) {
		log_err("IKEv2: crypto map %s %u: %s", sa->cx.map, sa->cx.seq, why);
		sa->cx.active = false;
	}
	if (!sa->cx.active) {
		/* IKE_AUTH must carry a child: nothing to offer */
		pb_free(&p);
		buf_free(&auth);
		sa_fail(sa, why ? why : "no Child SA to negotiate");
		return;
	}
	early_inbound(sa);
	if (seal(sa, &m, EX_AUTH, false, sa->req_id, &p) == 0) {
		send_request(sa, EX_AUTH, &m);
		sa->state = S_I_AUTH;
		log_info("IKEv2 SA %u: IKE_AUTH to %s", sa->id, ipstr(sa->peer));
	} else {
		sa_fail(sa, "encryption failed");
	}
	pb_free(&p);
	buf_free(&m);
	buf_free(&auth);
}

/* ---- Child SA installation ---------------------------------------------- */

/*
 * KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr); initiator-to-responder
 * keys first (encryption, then integrity), then responder-to-initiator.
 * Fills @si for SA_ADD; its keys point into @km, which the caller frees.
 */
static int child_si(struct v2sa *sa, const struct entry *e,
		    const struct tset *t, const struct esp_alg *a,
		    uint32_t spi_in, uint32_t spi_out, uint16_t cpi_out,
		    const struct buf *gir, const struct buf *ni,
		    const struct buf *nr, int esn, struct sa_install *si,
		    struct buf *km)
{
	struct buf seed = { 0 };
	size_t one = a->ekey + a->akey;
	const uint8_t *i2r, *r2i, *in, *out;
	uint8_t ipp = a->proto == PR_AH ? 51 : 50;
	int r;

	if (gir)
		buf_addb(&seed, gir);
	buf_addb(&seed, ni);
	buf_addb(&seed, nr);
	r = v2_prf_plus(sa->prf, &sa->sk_d, &seed, 2 * one, km);
	buf_free(&seed);
	if (r)
		return -1;
	i2r = km->p;
	r2i = km->p + one;
	in = sa->initiator ? r2i : i2r;
	out = sa->initiator ? i2r : r2i;
	snprintf(si->map, sizeof(si->map), "%s", e->map);
	si->seq = e->seq;
	si->peer = sa->peer;
	si->tset = t->name;
	si->life_sec = entry_life_sec(&ike.conf->cm, e);
	si->life_kb = entry_life_kb(&ike.conf->cm, e);
	if (!si->life_sec)
		si->life_sec = DEF_LIFE_SEC;
	if (!si->life_kb)
		si->life_kb = DEF_LIFE_KB;
	si->esn = esn;
	si->nkeys = 2;
	/* AH: integrity keys only (ekey 0) */
	si->keys[0] = (struct sa_key){ .ipproto = ipp, .dir = CRYPTOMAP_DIR_IN,
		.spi = spi_in, .ck = in, .cl = a->ekey,
		.ak = in + a->ekey, .al = a->akey };
	si->keys[1] = (struct sa_key){ .ipproto = ipp, .dir = CRYPTOMAP_DIR_OUT,
		.spi = spi_out, .ck = out, .cl = a->ekey,
		.ak = out + a->ekey, .al = a->akey };
	/* IPComp: the CPI we offered in, the peer's out (IPPROTO_COMP keys) */
	if (a->comp) {
		si->keys[2] = (struct sa_key){ .ipproto = 108,
			.dir = CRYPTOMAP_DIR_IN, .spi = cpi_of(spi_in) };
		si->keys[3] = (struct sa_key){ .ipproto = 108,
			.dir = CRYPTOMAP_DIR_OUT, .spi = cpi_out };
		si->nkeys = 4;
	}
	return 0;
}

/* how child_install puts the pair in */
enum {
	CH_ACTIVE,		/* SA_ADD, used for output at once */
	CH_STANDBY,		/* SA_ADD standby (a rekey's responder) */
	CH_EARLY,		/* SA_UPDATE of the pair early_inbound() added */
};

static struct v2child *child_install(struct v2sa *sa, const char *map,
				     uint32_t seq, const struct tset *t,
				     uint32_t spi_in, uint32_t spi_out,
				     uint16_t cpi_out,
				     const struct buf *gir, const struct buf *ni,
				     const struct buf *nr, int pfs, int esn,
				     const struct ts *tsl, const struct ts *tsr,
				     int how)
{
	struct entry *e = cfg_entry(&ike.conf->cm, map, seq, false);
	struct sa_install si = { 0 };
	struct buf km = { 0 };
	struct esp_alg a;
	struct v2child *ch;
	char comp[64] = "";
	bool standby = how == CH_STANDBY;
	uint8_t ipp;
	int r;

	if (!e || !esp_of(t, &a))
		return NULL;
	ipp = a.proto == PR_AH ? 51 : 50;
	if (child_si(sa, e, t, &a, spi_in, spi_out, cpi_out, gir, ni, nr, esn,
		     &si, &km)) {
		buf_free(&km);
		return NULL;
	}
	si.standby = standby;
	if (how == CH_EARLY) {
		r = knl_sa_complete(ipp, spi_in, spi_out, a.comp ? cpi_out : 0);
		if (r)
			knl_sa_delete(map, seq, sa->peer, ipp, spi_in);
	} else {
		r = knl_sa_install(&si);
	}
	if (a.comp)
		snprintf(comp, sizeof(comp), ", IPComp %s cpi in/out 0x%04X/0x%04X",
			 ipcomp_name(a.comp), cpi_of(spi_in), cpi_out);
	log_info("IKEv2 SA %u: %s SAs for %s %u with %s: transform set %s, inbound spi 0x%08X, outbound spi 0x%08X%s, local %s remote %s, pfs %s%.*d, %s, lifetime %u s/%u KB: %s",
		 sa->id, a.proto == PR_AH ? "ah" : "esp", map, seq,
		 ipstr(sa->peer), t->name, spi_in, spi_out, comp, ts_text(tsl),
		 ts_text(tsr), pfs ? "group " : "off",
		 pfs ? 1 : 0, pfs, esn ? "esn" : "no esn", si.life_sec, si.life_kb,
		 r == 0 ? (standby ? "installed (standby)" :
			   how == CH_EARLY ? "installed (inbound since IKE_AUTH)" :
			   "installed") : r == -2 ?
		 "not installed (no kernel SA operations)" : "installing FAILED");
	buf_free(&km);
	ch = xzalloc(sizeof(*ch));
	ch->ike_id = sa->id;
	snprintf(ch->map, sizeof(ch->map), "%s", map);
	ch->seq = seq;
	ch->peer = sa->peer;
	ch->local = sa->local;
	ch->proto = a.proto;
	ch->spi_in = spi_in;
	ch->spi_out = spi_out;
	if (a.comp) {
		ch->cpi_in = cpi_of(spi_in);
		ch->cpi_out = cpi_out;
	}
	snprintf(ch->tset, sizeof(ch->tset), "%s", t->name);
	ch->pfs = pfs;
	ch->life_sec = si.life_sec;
	ch->life_kb = si.life_kb;
	ch->tsl = *tsl;
	ch->tsr = *tsr;
	ch->created = now_s();
	ch->installed = r == 0;
	ch->standby = ch->installed && standby;
	if (ch->standby)	/* the initiator installs its side meanwhile */
		ch->activate_at = now_s() + 1.0;
	ch->initiator = sa->initiator;
	if (ch->installed)
		forget_relearned(map, seq);
	ch->next = children;
	children = ch;
	return ch;
}

/*
 * The first Child SA's inbound SA goes in before IKE_AUTH is sent: the
 * responder may send on it once it has answered, before its answer
 * reaches us, and does when traffic already flows (a pair re-learned
 * after a restart, which strongSwan's new child replaces at once).  Its
 * keys come from SK_d and the IKE_SA_INIT nonces; only the peer's SPI
 * waits for the answer, which SA_UPDATE then gives the standby pair (its
 * outbound SPI meanwhile a placeholder, never used).  Only when the
 * answer cannot change the SA: one transform set, no IPComp, and 32-bit
 * sequence numbers, which we and strongSwan prefer; otherwise, or if the
 * answer differs, the pair is deleted and installed from the answer.
 */
static void early_inbound(struct v2sa *sa)
{
	struct cx *c = &sa->cx;
	struct entry *e = cfg_entry(&ike.conf->cm, c->map, c->seq, false);
	struct sa_install si = { 0 };
	struct buf km = { 0 };
	struct esp_alg a;

	early_drop(c);		/* IKE_AUTH sent anew: a new SPI */
	if (c->nts != 1 || !e || !esp_of(c->ts[0], &a) || a.comp)
		return;
	if (child_si(sa, e, c->ts[0], &a, c->spi_in, c->spi_in, 0, NULL,
		     &sa->ni, &sa->nr, 0, &si, &km) == 0) {
		si.standby = true;
		if (knl_sa_install(&si) == 0) {
			c->early_spi = c->spi_in;
			c->early_proto = a.proto == PR_AH ? 51 : 50;
			log_info("IKEv2 SA %u: inbound %s SA 0x%08X for %s %u installed before IKE_AUTH",
				 sa->id, a.proto == PR_AH ? "ah" : "esp",
				 c->spi_in, c->map, c->seq);
		}
	}
	buf_free(&km);
}

/* SA_UPDATE ACTIVATE: the standby pair takes over the entry's output */
static void child_activate(struct v2child *ch)
{
	if (!ch->standby)
		return;
	ch->standby = false;
	ch->activate_at = 0;
	if (knl_sa_activate(ch->proto == PR_AH ? 51 : 50, ch->spi_in) == 0)
		log_info("IKEv2 SA %u: SA pair 0x%08X/0x%08X of %s %u now used for output",
			 ch->ike_id, ch->spi_in, ch->spi_out, ch->map, ch->seq);
}

/* the old pair of a rekey goes: its successor, if standby, sends now */
static void activate_successor(const struct v2child *old)
{
	struct v2child *ch;

	for (ch = children; ch; ch = ch->next)
		if (ch != old && ch->standby && ch->ike_id == old->ike_id &&
		    ch->seq == old->seq && !strcmp(ch->map, old->map))
			child_activate(ch);
}

static struct v2child *child_by_in(uint32_t spi)
{
	struct v2child *ch;

	for (ch = children; ch; ch = ch->next)
		if (ch->spi_in == spi)
			return ch;
	return NULL;
}

static void queue(struct v2sa *sa, const struct qitem *q);
static void kick(struct v2sa *sa);

/*
 * A transform set that compresses fits the peer's message only with its
 * IPCOMP_SUPPORTED for the set's algorithm and a negotiable CPI (@who's,
 * 256 up, RFC 3173 3.3); one that does not compress fits anyway (a
 * responder then answers no IPCOMP_SUPPORTED, 2.22).
 */
static bool ipcomp_fits(const struct v2msg *m, const struct tset *t,
			const struct esp_alg *a, const char *who, char *why,
			size_t wl)
{
	uint16_t cpi;

	if (!a->comp)
		return true;
	cpi = ipcomp_offered(m, a->comp);
	if (!cpi)
		snprintf(why, wl, "; transform set %s needs IPComp %s, not offered",
			 t->name, ipcomp_name(a->comp));
	else if (!peer_cpi_ok(cpi))
		snprintf(why, wl, "; the %s's CPI 0x%04X is not a negotiated one (256 up, RFC 3173 3.3)",
			 who, cpi);
	else
		return true;
	return false;
}

/*
 * The responder's IPCOMP_SUPPORTED against the chosen transform set: it
 * must accept our transform when the set compresses (the module compresses
 * by transform set), name none otherwise, with a negotiable CPI.  0 if it
 * fits.
 */
static int ipcomp_answer(struct v2sa *sa, const struct v2msg *m,
			 const struct tset *t, const struct esp_alg *a)
{
	char why[160] = "";

	if (!a->comp && find_notify(m, N_IPCOMP_SUPPORTED)) {
		log_err("IKEv2 SA %u: %s answered with IPComp; transform set %s has no compression",
			sa->id, ipstr(sa->peer), t->name);
		return -1;
	}
	if (ipcomp_fits(m, t, a, "responder", why, sizeof(why)))
		return 0;
	log_err("IKEv2 SA %u: %s's answer does not fit%s",
		sa->id, ipstr(sa->peer), why);
	return -1;
}

/*
 * IPCOMP_SUPPORTED is one per message, not per proposal: the peer may take
 * the proposal of a compressing set and refuse IPComp, or the reverse.
 * Then another set we offered with the same transforms and the settled
 * compression is the one installed, if there is one.
 */
static const struct tset *ipcomp_settle(struct v2sa *sa, const struct cx *c,
					const struct v2p *p,
					const struct v2msg *m,
					const struct tset *t)
{
	struct esp_alg a;
	int i, esn;

	for (i = -1; i < c->nts; i++) {
		const struct tset *u = i < 0 ? t : c->ts[i];

		esp_of(u, &a);
		if (!esp_match(p, &a, c->pfs, &esn) ||
		    (a.comp ? !ipcomp_offered(m, a.comp) :
			      !!find_notify(m, N_IPCOMP_SUPPORTED)))
			continue;
		if (u != t)
			log_info("IKEv2 SA %u: %s %s IPComp: transform set %s instead of %s",
				 sa->id, ipstr(sa->peer), a.comp ? "accepted" :
				 "did not accept", u->name, t->name);
		return u;
	}
	return t;
}

/* our child request was answered (IKE_AUTH or CREATE_CHILD_SA) */
static void child_answer(struct v2sa *sa, const struct v2msg *m)
{
	struct cx *c = &sa->cx;
	const struct v2pl *sp = find(m, P_SA, 0), *np, *kp;
	struct v2p props[4];
	struct ts tsi[4], tsr[4];
	struct buf gir = { 0 }, nr = { 0 };
	const struct tset *t;
	uint32_t spi_out;
	uint16_t err = error_notify(m), cpi_out;
	int n, ni, nr_, esn = 0;

	if (!c->active)
		return;
	if (err || !sp) {
		log_err("IKEv2 SA %u: Child SA for %s %u refused by %s: %s", sa->id,
			c->map, c->seq, ipstr(sa->peer),
			err ? notify_name(err) : "no SA payload");
		goto out;
	}
	n = sa_decode(sp, props, 4);
	ni = ts_decode(find(m, P_TSI, 0), tsi, 4);
	nr_ = ts_decode(find(m, P_TSR, 0), tsr, 4);
	if (n != 1 || (props[0].proto != PR_ESP && props[0].proto != PR_AH) ||
	    props[0].spisize != 4 ||
	    props[0].num < 1 || props[0].num > c->nts || ni < 1 || nr_ < 1) {
		log_err("IKEv2 SA %u: malformed Child SA answer from %s", sa->id,
			ipstr(sa->peer));
		goto out;
	}
	t = c->ts[props[0].num - 1];
	{
		struct esp_alg a;

		esp_of(t, &a);
		if (!esp_match(&props[0], &a, c->pfs, &esn)) {
			log_err("IKEv2 SA %u: %s answered with transforms we did not offer",
				sa->id, ipstr(sa->peer));
			goto out;
		}
		t = ipcomp_settle(sa, c, &props[0], m, t);
		esp_of(t, &a);
		if (ipcomp_answer(sa, m, t, &a)) {
			/* the peer's pair is in: take it down */
			struct qitem q = { .kind = Q_DELETE, .spi = c->spi_in,
					   .proto = a.proto };

			queue(sa, &q);
			goto out;
		}
		cpi_out = a.comp ? ipcomp_offered(m, a.comp) : 0;
	}
	/* the narrowed selectors must lie inside what we asked for */
	if (!ts_and(&tsi[0], &c->tsl, &tsi[0]) || !ts_and(&tsr[0], &c->tsr, &tsr[0])) {
		log_err("IKEv2 SA %u: %s narrowed the selectors outside ours", sa->id,
			ipstr(sa->peer));
		goto out;
	}
	spi_out = get32(props[0].spi);
	if (sa->req_kind == EX_CHILD) {
		np = find(m, P_NONCE, 0);
		if (!np || np->len < 16 || np->len > 256) {
			log_err("IKEv2 SA %u: CREATE_CHILD_SA answer without a nonce", sa->id);
			goto out;
		}
		buf_set(&nr, np->body, np->len);
		if (c->pfs) {
			kp = find(m, P_KE, 0);
			if (!kp || kp->len < 4 || get16(kp->body) != c->pfs ||
			    v2dh_shared(c->dh, kp->body + 4, kp->len - 4, &gir)) {
				log_err("IKEv2 SA %u: CREATE_CHILD_SA answer: bad KE for PFS group %d",
					sa->id, c->pfs);
				goto out;
			}
		}
		child_install(sa, c->map, c->seq, t, c->spi_in, spi_out,
			      cpi_out, c->pfs ? &gir : NULL, &c->ni, &nr,
			      c->pfs, esn, &tsi[0], &tsr[0], CH_ACTIVE);
	} else {
		bool early = c->early_spi && t == c->ts[0] && !esn && !cpi_out;

		if (c->early_spi && !early) {
			log_info("IKEv2 SA %u: the answer differs from the inbound SA installed before IKE_AUTH: installing it anew",
				 sa->id);
			early_drop(c);
		}
		/* the child's now; if none was made, cx_clear() below drops it */
		if (child_install(sa, c->map, c->seq, t, c->spi_in, spi_out,
				  cpi_out, NULL, &sa->ni, &sa->nr, 0, esn, &tsi[0],
				  &tsr[0], early ? CH_EARLY : CH_ACTIVE))
			c->early_spi = 0;
	}
	if (c->rekey_spi) {
		/* the new pair took over output; the old one goes */
		struct qitem q = { .kind = Q_DELETE, .spi = c->rekey_spi };

		queue(sa, &q);
	}
out:
	buf_free(&gir);
	buf_free(&nr);
	if (c->rekey_spi) {
		struct v2child *old = child_by_in(c->rekey_spi);

		if (old)
			old->rekeying = false;
	}
	cx_clear(c);
}

/* ---- the initiator's exchanges ------------------------------------------ */

static void sa_init_answer(struct v2sa *sa, const struct v2msg *m)
{
	const struct v2pl *sp, *kp, *np, *cp;
	struct xfl props[32];
	struct v2p p[2];
	struct buf gir = { 0 };
	int n;

	if ((cp = find_notify(m, N_COOKIE))) {
		size_t ss = cp->body[1];

		if (sa->cookie.len || cp->len - 4 - ss < 1 || cp->len - 4 - ss > 64) {
			sa_fail(sa, "bad COOKIE from the responder");
			return;
		}
		buf_set(&sa->cookie, cp->body + 4 + ss, cp->len - 4 - ss);
		log_info("IKEv2 SA %u: %s asks for a cookie, retrying", sa->id,
			 ipstr(sa->peer));
		send_sa_init(sa, sa->group);
		return;
	}
	if ((cp = find_notify(m, N_INVALID_KE))) {
		size_t ss = cp->body[1];
		int g = cp->len - 4 - ss == 2 ? get16(cp->body + 4 + ss) : 0;

		n = ike_props(sa->local, props, 32, g);
		if (g && g != sa->group && xfl_has(props, n, T_DH, g, 0) &&
		    v2dh_group_ok(g) && sa->ke_retry++ < 2) {
			log_info("IKEv2 SA %u: %s wants DH group %d, retrying", sa->id,
				 ipstr(sa->peer), g);
			send_sa_init(sa, g);
			return;
		}
		sa_fail(sa, "peer refused our DH groups (INVALID_KE_PAYLOAD)");
		return;
	}
	if (error_notify(m)) {
		log_err("IKEv2 SA %u: %s refused IKE_SA_INIT: %s", sa->id,
			ipstr(sa->peer), notify_name(error_notify(m)));
		sa_fail(sa, error_notify(m) == N_NO_PROPOSAL ?
			"IKE proposal mismatch (NO_PROPOSAL_CHOSEN)" :
			"peer refused IKE_SA_INIT");
		return;
	}
	sp = find(m, P_SA, 0);
	kp = find(m, P_KE, 0);
	np = find(m, P_NONCE, 0);
	if (!sp || !kp || !np || kp->len < 4 || np->len < 16 || np->len > 256 ||
	    sa_decode(sp, p, 2) != 1 || p[0].proto != PR_IKE) {
		log_warn("IKEv2 SA %u: malformed IKE_SA_INIT answer from %s, dropped",
			 sa->id, ipstr(sa->peer));
		return;
	}
	n = ike_props(sa->local, props, 32, sa->group);
	if (!pick_ike(&p[0], props, n, sa->group, &sa->enc, &sa->prf, &sa->integ,
		      &n) || n != sa->group || get16(kp->body) != sa->group) {
		sa_fail(sa, "the responder chose a proposal we did not offer");
		return;
	}
	buf_set(&sa->nr, np->body, np->len);
	buf_set(&sa->msg2, m->pkt, m->len);
	if (v2dh_shared(sa->dh, kp->body + 4, kp->len - 4, &gir) ||
	    ike_keys(sa, &gir)) {
		buf_free(&gir);
		sa_fail(sa, "Diffie-Hellman or key derivation failed");
		return;
	}
	buf_free(&gir);
	v2dh_free(sa->dh);
	sa->dh = NULL;
	log_info("IKEv2 SA %u: keys derived: %s-%d PRF %s integrity %s DH group %d",
		 sa->id, v2_enc_name(sa->enc), v2_enc_keybits(sa->enc),
		 v2_hash_name(sa->prf), v2_hash_name(sa->integ), sa->group);
	send_auth(sa);
}

static bool auth_ok(struct v2sa *sa, const struct v2msg *m, bool of_initiator)
{
	const struct v2pl *id = find(m, of_initiator ? P_IDI : P_IDR, 0);
	const struct v2pl *au = find(m, P_AUTH, 0);
	struct buf exp = { 0 };
	bool ok;

	if (!id || !au || au->len < 4 || au->body[0] != 2)
		return false;
	if (psk_auth(sa, of_initiator, id->body, id->len, &exp))
		return false;
	ok = exp.len == au->len - 4 && !CRYPTO_memcmp(exp.p, au->body + 4, exp.len);
	buf_free(&exp);
	return ok;
}

static void established(struct v2sa *sa)
{
	sa->state = S_READY;
	sa->life = ike.v2_life ? ike.v2_life : sa->prof ? sa->prof->life : 86400;
	sa->expires = now_s() + sa->life;
	log_info("IKEv2 SA %u with %s established (%s, %s-%d/%s/%s/group %d)",
		 sa->id, ipstr(sa->peer), sa->initiator ? "initiator" : "responder",
		 v2_enc_name(sa->enc), v2_enc_keybits(sa->enc),
		 v2_hash_name(sa->prf), v2_hash_name(sa->integ), sa->group);
}

static void auth_answer(struct v2sa *sa, const struct v2msg *m)
{
	uint16_t err = error_notify(m);

	if (!find(m, P_AUTH, 0)) {
		log_err("IKEv2 SA %u: %s refused IKE_AUTH: %s", sa->id,
			ipstr(sa->peer), err ? notify_name(err) : "no AUTH payload");
		sa_fail(sa, err == N_AUTH_FAILED ?
			"peer did not accept our authentication: pre-shared key mismatch?" :
			"peer refused IKE_AUTH");
		return;
	}
	if (!auth_ok(sa, m, false)) {
		sa_fail(sa, "the responder's AUTH does not verify: pre-shared key mismatch?");
		return;
	}
	established(sa);
	child_answer(sa, m);
}

/* ---- the responder ------------------------------------------------------ */

static void send_unprotected_error(const struct v2msg *m, uint32_t to,
				   uint16_t type, const void *data, size_t dl)
{
	struct v2sa tmp = { 0 };
	struct pb p = { 0 };
	struct buf b = { 0 };

	memcpy(tmp.spi_i, m->spi_i, 8);
	pb_notify(&p, 0, NULL, 0, type, data, dl);
	hdr(&tmp, &b, p.first, m->exch, true, m->msgid);
	buf_addb(&b, &p.b);
	b.p[24] = b.len >> 24;
	b.p[25] = b.len >> 16;
	b.p[26] = b.len >> 8;
	b.p[27] = b.len;
	udp_send(to, &b);
	pb_free(&p);
	buf_free(&b);
}

/* does an IKEv2 entry name this peer? */
static bool peer_known(uint32_t peer)
{
	size_t i;
	int k;

	for (i = 0; i < ike.conf->cm.nentries; i++) {
		const struct entry *e = &ike.conf->cm.entries[i];

		if (!v2_profile_of(e->map, e->seq))
			continue;
		for (k = 0; k < e->npeers; k++)
			if (e->peers[k] == peer)
				return true;
	}
	return v2_psk(NULL, peer) != NULL;
}

/*
 * Responder cookies (RFC 7296 2.6), `crypto ikev2 cookie-challenge N`:
 * with N or more half-open IKE SAs (IKE_SA_INIT answered, no IKE_AUTH
 * yet) an IKE_SA_INIT without a valid COOKIE gets only a COOKIE notify,
 * no state.  Cookie = <secret version> | HMAC-SHA256(secret, Ni | IPi |
 * SPIi); the secret changes every COOKIE_ROTATE s, the previous one is
 * still accepted.
 */
#define COOKIE_ROTATE	120
#define COOKIE_LEN	(1 + 32)

static struct {
	uint8_t secret[2][32];
	uint8_t ver;
	double rotated;
	unsigned long sent, valid, invalid;
} ck;

static int half_open(void)
{
	const struct v2sa *sa;
	int n = 0;

	for (sa = sas; sa; sa = sa->next)
		n += !sa->initiator && sa->state == S_R_INIT;
	return n;
}

static int cookie_of(uint8_t ver, const struct v2pl *np, uint32_t src,
		     const uint8_t *spi_i, struct buf *out)
{
	struct buf key = { 0 }, d = { 0 }, h = { 0 };
	int r;

	buf_set(&key, ck.secret[ver & 1], sizeof(ck.secret[0]));
	buf_set(&d, np->body, np->len);
	buf_add(&d, &src, 4);
	buf_add(&d, spi_i, 8);
	r = v2_prf(V2H_SHA256, &key, &d, &h);
	out->len = 0;
	buf_add8(out, ver);
	buf_addb(out, &h);
	buf_free(&key);
	buf_free(&d);
	buf_free(&h);
	return r;
}

/* true: go on with this IKE_SA_INIT; false: answered with a COOKIE */
static bool cookie_ok(const struct v2msg *m, const struct v2pl *np,
		      uint32_t src)
{
	const struct v2pl *cp = find_notify(m, N_COOKIE);
	struct buf c = { 0 };
	double now = now_s();
	int ho = half_open();
	bool ok = false;

	if (v2conf.cookie_challenge < 0 ||
	    (ho < v2conf.cookie_challenge && !cp))
		return true;
	if (!ck.rotated) {		/* both: no version has a known secret */
		rand_bytes(ck.secret, sizeof(ck.secret));
		ck.rotated = now;
	} else if (now - ck.rotated >= COOKIE_ROTATE) {
		ck.ver++;
		rand_bytes(ck.secret[ck.ver & 1], sizeof(ck.secret[0]));
		ck.rotated = now;
	}
	if (cp && cp->body[1] == 0 && cp->len - 4 == COOKIE_LEN) {
		uint8_t v = cp->body[4];

		if ((v == ck.ver || v == (uint8_t)(ck.ver - 1)) &&
		    !cookie_of(v, np, src, m->spi_i, &c) &&
		    !CRYPTO_memcmp(c.p, cp->body + 4, COOKIE_LEN))
			ok = true;
	}
	if (ok) {
		ck.valid++;
		log_info("IKEv2: IKE_SA_INIT from %s with a valid cookie (%lu valid, %lu sent)",
			 ipstr(src), ck.valid, ck.sent);
	} else if (!cookie_of(ck.ver, np, src, m->spi_i, &c)) {
		if (cp)
			ck.invalid++;
		ck.sent++;
		send_unprotected_error(m, src, N_COOKIE, c.p, c.len);
		log_info("IKEv2: IKE_SA_INIT from %s%s: %d half-open SAs, cookie-challenge %d: COOKIE sent (%lu sent, %lu invalid)",
			 ipstr(src), cp ? " with a stale or invalid cookie" : "",
			 ho, v2conf.cookie_challenge, ck.sent, ck.invalid);
	}
	buf_free(&c);
	return ok;
}

static void sa_init_respond(const struct v2msg *m, uint32_t src, uint32_t dst)
{
	const struct v2pl *sp = find(m, P_SA, 0), *kp = find(m, P_KE, 0);
	const struct v2pl *np = find(m, P_NONCE, 0);
	struct xfl props[32], l;
	struct v2p p[8];
	struct v2sa *sa;
	struct pb out = { 0 };
	struct buf b = { 0 }, ke = { 0 }, gir = { 0 };
	int n, i, enc = 0, prf = 0, integ = 0, group = 0, ke_group, num;
	uint8_t nonce[NONCE_LEN];
	uint16_t kl = 0;
	size_t s;

	if (!sp || !kp || !np || kp->len < 4 || np->len < 16 || np->len > 256) {
		log_warn("IKEv2: IKE_SA_INIT from %s without SA, KE or nonce, dropped",
			 ipstr(src));
		return;
	}
	if (!peer_known(src)) {
		log_warn("IKEv2: IKE_SA_INIT from %s: no crypto map entry with an ikev2-profile for this peer",
			 ipstr(src));
		return;
	}
	if (!cookie_ok(m, np, src))
		return;
	n = sa_decode(sp, p, 8);
	if (n < 1) {
		log_warn("IKEv2: malformed SA payload from %s, dropped", ipstr(src));
		return;
	}
	ke_group = get16(kp->body);
	{
		int nours = ike_props(dst ? dst : local_addr_for(src), props, 32,
				      ke_group);

		for (i = 0; i < n; i++)
			if (p[i].proto == PR_IKE && p[i].spisize == 0 &&
			    pick_ike(&p[i], props, nours, ke_group, &enc, &prf,
				     &integ, &group))
				break;
	}
	if (i == n) {
		log_err("IKEv2: IKE_SA_INIT from %s: no proposal of the peer matches ours (NO_PROPOSAL_CHOSEN)",
			ipstr(src));
		send_unprotected_error(m, src, N_NO_PROPOSAL, NULL, 0);
		return;
	}
	if (group != ke_group) {
		uint8_t g[2] = { group >> 8, group & 0xff };

		log_info("IKEv2: IKE_SA_INIT from %s: KE of group %d, asking for group %d",
			 ipstr(src), ke_group, group);
		send_unprotected_error(m, src, N_INVALID_KE, g, 2);
		return;
	}
	num = p[i].num;
	sa = sa_new(src, false);
	if (dst)
		sa->local = dst;
	memcpy(sa->spi_i, m->spi_i, 8);
	rand_bytes(sa->spi_r, 8);
	sa->enc = enc;
	sa->prf = prf;
	sa->integ = integ;
	sa->group = group;
	sa->dh = v2dh_new(group);
	rand_bytes(nonce, sizeof(nonce));
	buf_set(&sa->ni, np->body, np->len);
	buf_set(&sa->nr, nonce, sizeof(nonce));
	buf_set(&sa->msg1, m->pkt, m->len);
	if (!sa->dh || v2dh_public(sa->dh, &ke) ||
	    v2dh_shared(sa->dh, kp->body + 4, kp->len - 4, &gir) ||
	    ike_keys(sa, &gir)) {
		sa_fail(sa, "bad KE from the initiator, or key derivation failed");
		goto out;
	}
	/* our answer: the one proposal chosen, one transform of each type */
	l.n = 0;
	i = enc_id(enc, &kl);		/* sets kl: not in the same call */
	xfl_add(&l, T_ENCR, i, kl);
	xfl_add(&l, T_PRF, prf_id(prf), 0);
	if (integ)
		xfl_add(&l, T_INTEG, integ_id(integ), 0);
	xfl_add(&l, T_DH, group, 0);
	s = pb_begin(&out, P_SA);
	add_proposal(&out.b, true, num, PR_IKE, NULL, 0, &l);
	pb_end(&out, s);
	s = pb_begin(&out, P_KE);
	buf_add16(&out.b, group);
	buf_add16(&out.b, 0);
	buf_addb(&out.b, &ke);
	pb_end(&out, s);
	pb_add(&out, P_NONCE, nonce, sizeof(nonce));
	hdr(sa, &b, out.first, EX_SA_INIT, true, 0);
	buf_addb(&b, &out.b);
	b.p[24] = b.len >> 24;
	b.p[25] = b.len >> 16;
	b.p[26] = b.len >> 8;
	b.p[27] = b.len;
	buf_set(&sa->msg2, b.p, b.len);
	sa->peer_next = 1;
	sa->state = S_R_INIT;
	send_response(sa, m, &b);
	log_info("IKEv2 SA %u: IKE_SA_INIT from %s answered (%s-%d/%s/%s/group %d)",
		 sa->id, ipstr(src), v2_enc_name(enc), v2_enc_keybits(enc),
		 v2_hash_name(prf), v2_hash_name(integ), group);
out:
	v2dh_free(sa->dh);
	sa->dh = NULL;
	pb_free(&out);
	buf_free(&b);
	buf_free(&ke);
	buf_free(&gir);
}

/*
 * The crypto map entry for a Child SA request: entries with an IKEv2
 * profile, lowest sequence first, that name the peer and have an ACL line
 * whose mirror meets the initiator's selectors; the selectors are narrowed
 * to that line.  *err is the notification when none fits.
 */
static struct entry *match_entry(struct v2sa *sa, const struct v2msg *m,
				 const struct ace **line, struct ts *tsl,
				 struct ts *tsr, uint16_t *err)
{
	struct ts ti[8], tr[8];
	int nti = ts_decode(find(m, P_TSI, 0), ti, 8);
	int ntr = ts_decode(find(m, P_TSR, 0), tr, 8);
	size_t i, j;
	int k, a, b;

	*err = N_TS_UNACCEPTABLE;
	if (nti < 1 || ntr < 1) {
		*err = N_INVALID_SYNTAX;
		return NULL;
	}
	for (i = 0; i < ike.conf->cm.nentries; i++) {
		struct entry *e = &ike.conf->cm.entries[i];
		const struct acl *acl;
		bool peer = false;

		if (e->type != CRYPTOMAP_TYPE_ISAKMP || !v2_profile_of(e->map, e->seq))
			continue;
		for (k = 0; k < e->npeers; k++)
			peer |= e->peers[k] == sa->peer;
		acl = conf_acl(&ike.conf->cm, e->acl);
		if (!peer || !acl)
			continue;
		for (j = 0; j < acl->n; j++) {
			struct ts l, r;

			if (acl->e[j].action != CRYPTOMAP_ACE_PERMIT)
				continue;
			ts_from_ace(&acl->e[j], &l, &r);
			/* our local side is their TSr, our remote their TSi */
			for (a = 0; a < nti; a++)
				for (b = 0; b < ntr; b++)
					if (ts_and(&r, &ti[a], tsr) &&
					    ts_and(&l, &tr[b], tsl)) {
						*line = &acl->e[j];
						return e;
					}
		}
	}
	log_err("IKEv2 SA %u: no crypto map entry for %s with an ACL line mirroring local %s remote %s (crypto ACLs not mirrored?)",
		sa->id, ipstr(sa->peer), ts_text(&tr[0]), ts_text(&ti[0]));
	return NULL;
}

/*
 * A Child SA request as responder (IKE_AUTH or CREATE_CHILD_SA): the
 * answer's SA, [Nr, KEr], TSi, TSr go into out, or an error notification.
 */
static void child_respond(struct v2sa *sa, const struct v2msg *m, bool create,
			  struct pb *out)
{
	const struct v2pl *sp = find(m, P_SA, 0), *np, *kp, *rk;
	const struct ace *line = NULL;
	struct v2p props[16];
	struct ts tsl, tsr;
	struct entry *e;
	struct buf nr = { 0 }, ni = { 0 }, gir = { 0 }, ke = { 0 };
	struct v2dh *dh = NULL;
	const struct tset *t = NULL;
	struct esp_alg a;
	struct xfl l;
	uint16_t err = 0;
	uint32_t spi_in, rekey = 0;
	int n, i, k, pick = -1, esn = 0;
	bool old = false;
	char compwhy[160] = "";
	size_t s;

	if (find_notify(m, N_USE_TRANSPORT)) {
		pb_notify(out, 0, NULL, 0, N_NO_PROPOSAL, NULL, 0);
		log_err("IKEv2 SA %u: %s asks for transport mode; crypto map tunnels only here",
			sa->id, ipstr(sa->peer));
		return;
	}
	e = match_entry(sa, m, &line, &tsl, &tsr, &err);
	if (!e) {
		pb_notify(out, 0, NULL, 0, err, NULL, 0);
		return;
	}
	n = sp ? sa_decode(sp, props, 16) : -1;
	if (n < 1) {
		pb_notify(out, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	kp = create ? find(m, P_KE, 0) : NULL;
	/* the initiator's proposals in its order against our transform sets */
	for (i = 0; i < n && pick < 0; i++) {
		for (k = 0; k < e->ntsets && pick < 0; k++) {
			t = conf_tset(&ike.conf->cm, e->tsets[k]);
			if (t && esp_of(t, &a) &&
			    esp_match(&props[i], &a, create && kp ? e->pfs : 0,
				      &esn) &&
			    ipcomp_fits(m, t, &a, "initiator", compwhy,
					sizeof(compwhy)))
				pick = i;
		}
	}
	if (pick < 0) {
		log_err("IKEv2 SA %u: Child SA from %s for %s %u: no proposal matches the transform sets%s%s (NO_PROPOSAL_CHOSEN)",
			sa->id, ipstr(sa->peer), e->map, e->seq,
			create && e->pfs && !kp ? " with PFS" : "", compwhy);
		pb_notify(out, 0, NULL, 0, N_NO_PROPOSAL, NULL, 0);
		return;
	}
	if (compwhy[0])
		log_info("IKEv2 SA %u: %s: transform set %s instead%s", sa->id,
			 ipstr(sa->peer), t->name, compwhy);
	if (create) {
		np = find(m, P_NONCE, 0);
		if (!np || np->len < 16 || np->len > 256) {
			pb_notify(out, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
			return;
		}
		buf_set(&ni, np->body, np->len);
		{
			uint8_t nonce[NONCE_LEN];

			rand_bytes(nonce, sizeof(nonce));
			buf_set(&nr, nonce, sizeof(nonce));
		}
		if (kp && e->pfs) {
			uint8_t g[2] = { e->pfs >> 8, e->pfs & 0xff };

			if (kp->len < 4 || get16(kp->body) != e->pfs) {
				pb_notify(out, 0, NULL, 0, N_INVALID_KE, g, 2);
				goto done;
			}
			dh = v2dh_new(e->pfs);
			if (!dh || v2dh_public(dh, &ke) ||
			    v2dh_shared(dh, kp->body + 4, kp->len - 4, &gir)) {
				pb_notify(out, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
				goto done;
			}
		}
		rk = find_notify(m, N_REKEY_SA);
		if (rk && rk->body[1] == 4)
			rekey = get32(rk->body + 4);
	}
	esp_of(t, &a);
	spi_in = new_spi(e->map, e->seq, sa->peer, a.proto == PR_AH ? 51 : 50,
			 a.comp);
	if (rekey) {
		struct v2child *ch;

		/* the peer's rekeyed SA: its old inbound is our spi_out */
		for (ch = children; ch; ch = ch->next)
			if (ch->ike_id == sa->id && ch->spi_out == rekey &&
			    ch->proto == rk->body[0]) {
				ch->rekeying = true;
				old = true;
			}
	}
	/*
	 * make-before-break: the initiator installs its inbound SA only
	 * once it reads this answer; until its Delete of the old pair
	 * (or a second) the old pair keeps our output
	 */
	child_install(sa, e->map, e->seq, t, spi_in, get32(props[pick].spi),
		      a.comp ? ipcomp_offered(m, a.comp) : 0,
		      gir.len ? &gir : NULL, create ? &ni : &sa->ni,
		      create ? &nr : &sa->nr, gir.len ? e->pfs : 0, esn, &tsl,
		      &tsr, old ? CH_STANDBY : CH_ACTIVE);
	esp_xfl(&a, gir.len ? e->pfs : 0, esn, &l);
	if (a.comp)
		pb_ipcomp(out, spi_in, a.comp);
	s = pb_begin(out, P_SA);
	add_proposal(&out->b, true, props[pick].num, a.proto,
		     (uint8_t *)&(uint32_t){ htonl(spi_in) }, 4, &l);
	pb_end(out, s);
	if (create) {
		pb_add(out, P_NONCE, nr.p, nr.len);
		if (gir.len) {
			s = pb_begin(out, P_KE);
			buf_add16(&out->b, e->pfs);
			buf_add16(&out->b, 0);
			buf_addb(&out->b, &ke);
			pb_end(out, s);
		}
	}
	/* TSi is the initiator's side: our remote one */
	pb_ts(out, P_TSI, &tsr);
	pb_ts(out, P_TSR, &tsl);
done:
	v2dh_free(dh);
	buf_free(&nr);
	buf_free(&ni);
	buf_free(&gir);
	buf_free(&ke);
}

static void auth_respond(struct v2sa *sa, const struct v2msg *m)
{
	const struct v2pl *id = find(m, P_IDI, 0);
	const struct v2profile *prof = NULL;
	struct pb out = { 0 };
	struct buf b = { 0 }, auth = { 0 };
	uint32_t idaddr = 0;
	const char *psk;
	uint8_t idb[8];
	size_t s;
	int i;

	if (!id || id->len < 4 || !find(m, P_AUTH, 0)) {
		log_warn("IKEv2 SA %u: IKE_AUTH from %s without IDi or AUTH", sa->id,
			 ipstr(sa->peer));
		pb_notify(&out, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
		goto send;
	}
	if (id->body[0] == 1 && id->len == 8)
		memcpy(&idaddr, id->body + 4, 4);
	/* the profile: match identity remote address */
	for (i = 0; i < v2conf.nprof; i++) {
		const struct v2profile *p = &v2conf.prof[i];

		if (p->has_rid && idaddr &&
		    (idaddr & p->rid_mask) == (p->rid_addr & p->rid_mask)) {
			prof = p;
			break;
		}
	}
	psk = v2_psk(prof, sa->peer);
	if (!prof || !psk) {
		log_err("IKEv2 SA %u: IKE_AUTH from %s (id %s): %s", sa->id,
			ipstr(sa->peer), ipstr(idaddr),
			!prof ? "no ikev2 profile matches this remote identity" :
			"no pre-shared key for this peer in the profile's keyring");
		pb_notify(&out, 0, NULL, 0, N_AUTH_FAILED, NULL, 0);
		sa_fail(sa, "no profile or key for the peer");
		goto send;
	}
	sa->prof = prof;
	snprintf(sa->profname, sizeof(sa->profname), "%s", prof->name);
	snprintf(sa->psk, sizeof(sa->psk), "%s", psk);
	if (!auth_ok(sa, m, true)) {
		log_err("IKEv2 SA %u: AUTH from %s does not verify: pre-shared key mismatch",
			sa->id, ipstr(sa->peer));
		pb_notify(&out, 0, NULL, 0, N_AUTH_FAILED, NULL, 0);
		sa_fail(sa, "pre-shared key mismatch (the initiator's AUTH does not verify)");
		goto send;
	}
	id_body(sa->local, idb);
	psk_auth(sa, false, idb, 8, &auth);
	pb_add(&out, P_IDR, idb, 8);
	s = pb_begin(&out, P_AUTH);
	buf_add8(&out.b, 2);
	buf_add8(&out.b, 0);
	buf_add16(&out.b, 0);
	buf_addb(&out.b, &auth);
	pb_end(&out, s);
	established(sa);
	child_respond(sa, m, false, &out);
send:
	if (seal(sa, &b, EX_AUTH, true, m->msgid, &out) == 0)
		send_response(sa, m, &b);
	pb_free(&out);
	buf_free(&b);
	buf_free(&auth);
}

/* ---- informational ------------------------------------------------------ */

static void info_respond(struct v2sa *sa, const struct v2msg *m, struct pb *out)
{
	const struct v2pl *d;
	struct buf spis[2] = { { 0 } };	/* ESP, AH */
	int i, k, cnt[2] = { 0 };

	for (i = 0; (d = find(m, P_D, i)); i++) {
		uint8_t proto, ss;
		uint16_t n;

		if (d->len < 4)
			continue;
		proto = d->body[0];
		ss = d->body[1];
		n = get16(d->body + 2);
		if (proto == PR_IKE) {
			log_info("IKEv2 SA %u: deleted by %s", sa->id, ipstr(sa->peer));
			sa_drop_children(sa, true);
			sa_fail(sa, NULL);
			sa->fail = "deleted by the peer";
			return;
		}
		if ((proto != PR_ESP && proto != PR_AH) || ss != 4 ||
		    4u + 4u * n != d->len)
			continue;
		for (k = 0; k < n; k++) {
			uint32_t spi = get32(d->body + 4 + 4 * k);
			struct v2child *ch, *nx;
			int ah = proto == PR_AH;

			for (ch = children; ch; ch = nx) {
				nx = ch->next;
				if (ch->ike_id != sa->id || ch->spi_out != spi ||
				    ch->proto != proto)
					continue;
				log_info("IKEv2 SA %u: SA pair 0x%08X/0x%08X of %s %u deleted by %s",
					 sa->id, ch->spi_in, ch->spi_out, ch->map,
					 ch->seq, ipstr(sa->peer));
				activate_successor(ch);
				buf_add32(&spis[ah], ch->spi_in);
				cnt[ah]++;
				child_del(ch, true);
			}
		}
	}
	for (k = 0; k < 2; k++) {
		size_t s;

		if (!cnt[k])
			continue;
		s = pb_begin(out, P_D);
		buf_add8(&out->b, k ? PR_AH : PR_ESP);
		buf_add8(&out->b, 4);
		buf_add16(&out->b, cnt[k]);
		buf_addb(&out->b, &spis[k]);
		pb_end(out, s);
		buf_free(&spis[k]);
	}
}

/* ---- requests of ours after IKE_AUTH -------------------------------------- */

static void queue(struct v2sa *sa, const struct qitem *q)
{
	int i;

	for (i = 0; i < sa->nq; i++)
		if (sa->q[i].kind == q->kind && sa->q[i].spi == q->spi &&
		    sa->q[i].seq == q->seq && !strcmp(sa->q[i].map, q->map))
			return;
	if (sa->nq < (int)(sizeof(sa->q) / sizeof(sa->q[0])))
		sa->q[sa->nq++] = *q;
}

/* sends the next queued request when the window is free */
static void kick(struct v2sa *sa)
{
	struct pb p = { 0 };
	struct buf m = { 0 };
	struct qitem q;
	const char *why = NULL;
	int exch;

	while (sa->state == S_READY && !sa->req_busy && sa->nq) {
		q = sa->q[0];
		memmove(sa->q, sa->q + 1, --sa->nq * sizeof(sa->q[0]));
		pb_free(&p);
		memset(&p, 0, sizeof(p));
		switch (q.kind) {
		case Q_CHILD: {
			struct cx *c = &sa->cx;

			cx_clear(c);
			c->active = true;
			snprintf(c->map, NAME_LEN, "%s", q.map);
			c->seq = q.seq;
			c->sel = q.sel;
			c->has_sel = q.has_sel;
			c->rekey_spi = q.spi;
			if (q.spi) {
				const struct v2child *old = child_by_in(q.spi);
				uint8_t spi[4];

				memcpy(spi, &(uint32_t){ htonl(q.spi) }, 4);
				pb_notify(&p, old ? old->proto : PR_ESP, spi, 4,
					  N_REKEY_SA, NULL, 0);
			}
			if (child_request(sa, &p, true, &why)) {
				log_err("IKEv2: crypto map %s %u: %s", q.map, q.seq, why);
				cx_clear(c);
				continue;
			}
			exch = EX_CHILD;
			log_info("IKEv2 SA %u: CREATE_CHILD_SA for %s %u%s", sa->id,
				 q.map, q.seq, q.spi ? " (rekey)" : "");
			break;
		}
		case Q_DELETE: {
			struct v2child *old = child_by_in(q.spi);
			size_t s = pb_begin(&p, P_D);

			buf_add8(&p.b, old ? old->proto : q.proto ? q.proto : PR_ESP);
			/* the module drops the replaced pair after its grace */
			if (old)
				child_del(old, false);
			buf_add8(&p.b, 4);
			buf_add16(&p.b, 1);
			buf_add32(&p.b, q.spi);
			pb_end(&p, s);
			exch = EX_INFO;
			break;
		}
		case Q_REKEY_IKE: {
			struct xfl props[32];
			struct buf ke = { 0 };
			uint8_t nonce[NONCE_LEN];
			int n = ike_props(sa->local, props, 32, sa->group), i;
			size_t s;

			v2dh_free(sa->rk_dh);
			sa->rk_dh = v2dh_new(sa->group);
			if (!n || !sa->rk_dh || v2dh_public(sa->rk_dh, &ke)) {
				buf_free(&ke);
				continue;
			}
			rand_bytes(sa->rk_spi, 8);
			rand_bytes(nonce, sizeof(nonce));
			buf_set(&sa->rk_ni, nonce, sizeof(nonce));
			s = pb_begin(&p, P_SA);
			for (i = 0; i < n; i++)
				add_proposal(&p.b, i + 1 == n, i + 1, PR_IKE,
					     sa->rk_spi, 8, &props[i]);
			pb_end(&p, s);
			pb_add(&p, P_NONCE, nonce, sizeof(nonce));
			s = pb_begin(&p, P_KE);
			buf_add16(&p.b, sa->group);
			buf_add16(&p.b, 0);
			buf_addb(&p.b, &ke);
			pb_end(&p, s);
			buf_free(&ke);
			exch = EX_CHILD;
			log_info("IKEv2 SA %u: rekeying the IKE SA", sa->id);
			break;
		}
		case Q_DELETE_IKE: {
			size_t s = pb_begin(&p, P_D);

			sa->deleting = true;

			buf_add8(&p.b, PR_IKE);
			buf_add8(&p.b, 0);
			buf_add16(&p.b, 0);
			pb_end(&p, s);
			exch = EX_INFO;
			break;
		}
		default:
			exch = EX_INFO;	/* empty: liveness */
		}
		if (seal(sa, &m, exch, false, sa->req_id, &p) == 0)
			send_request(sa, exch, &m);
	}
	pb_free(&p);
	buf_free(&m);
}

/* ---- input ---------------------------------------------------------------- */

static struct v2sa *find_sa(const struct v2msg *m, uint32_t src)
{
	static const uint8_t zero[8];
	bool from_initiator = m->flags & F_I;
	struct v2sa *sa;

	for (sa = sas; sa; sa = sa->next) {
		if (sa->peer != src || memcmp(sa->spi_i, m->spi_i, 8))
			continue;
		if (sa->initiator == from_initiator)
			continue;
		if (!memcmp(sa->spi_r, m->spi_r, 8))
			return sa;
		/* the answer to our IKE_SA_INIT names the responder's SPI */
		if (sa->initiator && sa->state == S_I_INIT &&
		    m->exch == EX_SA_INIT && !memcmp(sa->spi_r, zero, 8))
			return sa;
		/* a retransmitted IKE_SA_INIT request */
		if (!sa->initiator && m->exch == EX_SA_INIT &&
		    !memcmp(m->spi_r, zero, 8))
			return sa;
	}
	return NULL;
}

static int decrypt(struct v2sa *sa, struct v2msg *m, struct buf *plain,
		   const char **why)
{
	bool from_i = !sa->initiator;

	if (!m->sk_off) {
		*why = "not encrypted";
		return -1;
	}
	if (v2_sk_open(sa->enc, sa->integ, from_i ? &sa->sk_ei : &sa->sk_er,
		       from_i ? &sa->sk_ai : &sa->sk_ar, m->pkt, m->len,
		       m->sk_off, plain)) {
		*why = "integrity check failed or bad padding";
		return -1;
	}
	m->n = 0;
	return parse_chain(m, m->pkt[m->sk_off], plain->p, plain->len, false, why);
}

/*
 * The peer rekeys the IKE SA (CREATE_CHILD_SA with an IKE proposal, RFC
 * 7296 1.3.2): a new SA with the peer as its initiator, keys from the old
 * SK_d, the Child SAs move to it; the peer then deletes the old one.
 */
static void ike_rekey_respond(struct v2sa *sa, const struct v2msg *m,
			      struct pb *out)
{
	const struct v2pl *sp = find(m, P_SA, 0), *kp = find(m, P_KE, 0);
	const struct v2pl *np = find(m, P_NONCE, 0);
	int n, i, nours, enc, prf, integ, group, num;
	struct xfl props[32], l;
	struct v2p p[8];
	struct v2sa *nsa;
	struct v2child *ch;
	struct buf ke = { 0 }, gir = { 0 };
	uint8_t nonce[NONCE_LEN];
	uint16_t kl = 0;
	size_t s;

	n = sp ? sa_decode(sp, p, 8) : -1;
	if (n < 1 || !kp || kp->len < 4 || !np || np->len < 16 || np->len > 256) {
		pb_notify(out, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	nours = ike_props(sa->local, props, 32, get16(kp->body));
	for (i = 0; i < n; i++)
		if (p[i].proto == PR_IKE && p[i].spisize == 8 &&
		    pick_ike(&p[i], props, nours, get16(kp->body), &enc, &prf,
			     &integ, &group))
			break;
	if (i == n) {
		log_err("IKEv2 SA %u: IKE SA rekey from %s: no proposal matches ours",
			sa->id, ipstr(sa->peer));
		pb_notify(out, 0, NULL, 0, N_NO_PROPOSAL, NULL, 0);
		return;
	}
	if (group != get16(kp->body)) {
		uint8_t g[2] = { group >> 8, group & 0xff };

		pb_notify(out, 0, NULL, 0, N_INVALID_KE, g, 2);
		return;
	}
	num = p[i].num;
	nsa = sa_new(sa->peer, false);
	nsa->local = sa->local;
	nsa->prof = sa->prof;
	snprintf(nsa->profname, sizeof(nsa->profname), "%s", sa->profname);
	snprintf(nsa->psk, sizeof(nsa->psk), "%s", sa->psk);
	memcpy(nsa->spi_i, p[i].spi, 8);
	rand_bytes(nsa->spi_r, 8);
	nsa->enc = enc;
	nsa->prf = prf;
	nsa->integ = integ;
	nsa->group = group;
	rand_bytes(nonce, sizeof(nonce));
	buf_set(&nsa->ni, np->body, np->len);
	buf_set(&nsa->nr, nonce, sizeof(nonce));
	nsa->dh = v2dh_new(group);
	if (!nsa->dh || v2dh_public(nsa->dh, &ke) ||
	    v2dh_shared(nsa->dh, kp->body + 4, kp->len - 4, &gir) ||
	    ike_keys_from(nsa, &gir, sa)) {
		sa_fail(nsa, "IKE SA rekey: bad KE or key derivation failed");
		pb_notify(out, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
		goto out;
	}
	l.n = 0;
	i = enc_id(enc, &kl);
	xfl_add(&l, T_ENCR, i, kl);
	xfl_add(&l, T_PRF, prf_id(prf), 0);
	if (integ)
		xfl_add(&l, T_INTEG, integ_id(integ), 0);
	xfl_add(&l, T_DH, group, 0);
	s = pb_begin(out, P_SA);
	add_proposal(&out->b, true, num, PR_IKE, nsa->spi_r, 8, &l);
	pb_end(out, s);
	pb_add(out, P_NONCE, nonce, sizeof(nonce));
	s = pb_begin(out, P_KE);
	buf_add16(&out->b, group);
	buf_add16(&out->b, 0);
	buf_addb(&out->b, &ke);
	pb_end(out, s);
	established(nsa);
	for (ch = children; ch; ch = ch->next)
		if (ch->ike_id == sa->id)
			ch->ike_id = nsa->id;
	log_info("IKEv2 SA %u rekeyed by %s: new IKE SA %u (%s/%s)", sa->id,
		 ipstr(sa->peer), nsa->id, spi_hex(nsa->spi_i), spi_hex(nsa->spi_r));
out:
	v2dh_free(nsa->dh);
	nsa->dh = NULL;
	buf_free(&ke);
	buf_free(&gir);
}

static void handle_request(struct v2sa *sa, struct v2msg *m)
{
	struct pb out = { 0 };
	struct buf b = { 0 };

	switch (m->exch) {
	case EX_AUTH:
		if (sa->state != S_R_INIT)
			return;
		auth_respond(sa, m);
		sa->peer_next++;
		kick(sa);
		return;
	case EX_CHILD:
		if (sa->state != S_READY)
			return;
		if (find(m, P_SA, 0) && find(m, P_TSI, 0)) {
			child_respond(sa, m, true, &out);
		} else {
			ike_rekey_respond(sa, m, &out);
		}
		break;
	case EX_INFO:
		if (sa->state != S_READY)
			return;
		info_respond(sa, m, &out);
		break;
	default:
		return;
	}
	if (sa->state == S_DEAD && m->exch != EX_INFO)
		return;
	if (seal(sa, &b, m->exch, true, m->msgid, &out) == 0)
		send_response(sa, m, &b);
	sa->peer_next++;
	pb_free(&out);
	buf_free(&b);
}

/* the answer to our IKE SA rekey: the new SA takes over, the old goes */
static void ike_rekey_answer(struct v2sa *sa, const struct v2msg *m)
{
	const struct v2pl *sp = find(m, P_SA, 0), *kp = find(m, P_KE, 0);
	const struct v2pl *np = find(m, P_NONCE, 0);
	struct xfl props[32];
	struct v2p p[2];
	struct buf gir = { 0 };
	struct v2child *ch;
	struct v2sa *nsa;
	struct qitem q = { .kind = Q_DELETE_IKE };
	int n, enc, prf, integ, group;

	if (error_notify(m) || !sp || !kp || !np || kp->len < 4 || np->len < 16 ||
	    np->len > 256 || sa_decode(sp, p, 2) != 1 || p[0].proto != PR_IKE ||
	    p[0].spisize != 8) {
		log_err("IKEv2 SA %u: IKE SA rekey refused by %s: %s", sa->id,
			ipstr(sa->peer), error_notify(m) ?
			notify_name(error_notify(m)) : "malformed answer");
		goto out;
	}
	n = ike_props(sa->local, props, 32, sa->group);
	if (!pick_ike(&p[0], props, n, sa->group, &enc, &prf, &integ, &group) ||
	    group != sa->group || get16(kp->body) != sa->group) {
		log_err("IKEv2 SA %u: IKE SA rekey: %s chose what we did not offer",
			sa->id, ipstr(sa->peer));
		goto out;
	}
	nsa = sa_new(sa->peer, true);
	nsa->local = sa->local;
	nsa->prof = sa->prof;
	snprintf(nsa->profname, sizeof(nsa->profname), "%s", sa->profname);
	snprintf(nsa->psk, sizeof(nsa->psk), "%s", sa->psk);
	memcpy(nsa->spi_i, sa->rk_spi, 8);
	memcpy(nsa->spi_r, p[0].spi, 8);
	nsa->enc = enc;
	nsa->prf = prf;
	nsa->integ = integ;
	nsa->group = group;
	buf_set(&nsa->ni, sa->rk_ni.p, sa->rk_ni.len);
	buf_set(&nsa->nr, np->body, np->len);
	if (v2dh_shared(sa->rk_dh, kp->body + 4, kp->len - 4, &gir) ||
	    ike_keys_from(nsa, &gir, sa)) {
		sa_fail(nsa, "IKE SA rekey: bad KE or key derivation failed");
		goto out;
	}
	established(nsa);
	for (ch = children; ch; ch = ch->next)
		if (ch->ike_id == sa->id)
			ch->ike_id = nsa->id;
	log_info("IKEv2 SA %u rekeyed: new IKE SA %u (%s/%s)", sa->id, nsa->id,
		 spi_hex(nsa->spi_i), spi_hex(nsa->spi_r));
	queue(sa, &q);
out:
	v2dh_free(sa->rk_dh);
	sa->rk_dh = NULL;
	buf_free(&sa->rk_ni);
	buf_free(&gir);
}

static void handle_response(struct v2sa *sa, struct v2msg *m)
{
	int kind = sa->req_kind;

	sa->req_busy = false;
	sa->next_retx = 0;
	switch (kind) {
	case EX_AUTH:
		if (sa->state == S_I_AUTH)
			auth_answer(sa, m);
		break;
	case EX_CHILD:
		if (sa->rk_dh)
			ike_rekey_answer(sa, m);
		else
			child_answer(sa, m);
		break;
	case EX_INFO:
		sa->retx = 0;
		if (sa->deleting) {
			/* our delete of the IKE SA is acknowledged */
			sa_drop_children(sa, true);
			sa_fail(sa, NULL);
			sa->fail = "deleted";
			return;
		}
		break;
	}
	kick(sa);
}

void ikev2_input(const uint8_t *pkt, size_t len, uint32_t src, uint16_t sport,
		 uint32_t dst)
{
	static const uint8_t zero[8];
	const char *why = NULL;
	struct buf plain = { 0 };
	struct v2msg m = { 0 };
	struct v2sa *sa;
	bool response;

	(void)sport;
	if (len < V2_HDR || get32(pkt + 24) != len) {
		log_warn("IKEv2: from %s: %zu bytes with a bad length, dropped",
			 ipstr(src), len);
		return;
	}
	m.pkt = pkt;
	m.len = len;
	memcpy(m.spi_i, pkt, 8);
	memcpy(m.spi_r, pkt + 8, 8);
	m.np = pkt[16];
	m.exch = pkt[18];
	m.flags = pkt[19];
	m.msgid = get32(pkt + 20);
	response = m.flags & F_R;
	if (parse_chain(&m, m.np, pkt + V2_HDR, len - V2_HDR, true, &why)) {
		log_warn("IKEv2: from %s: dropped: %s", ipstr(src), why);
		return;
	}
	sa = find_sa(&m, src);
	if (!sa) {
		if (m.exch == EX_SA_INIT && !response && !m.msgid &&
		    (m.flags & F_I) && !memcmp(m.spi_r, zero, 8)) {
			reload_maps();
			sa_init_respond(&m, src, dst);
		} else {
			log_dbg("IKEv2: from %s: no IKE SA for SPIs %s/%s (exchange %u)",
				ipstr(src), spi_hex(m.spi_i), spi_hex(m.spi_r), m.exch);
		}
		return;
	}
	if (sa->state == S_DEAD)
		return;
	if (!response) {
		/* a retransmitted request: our answer again */
		if (sa->resp_in.len == len && !memcmp(sa->resp_in.p, pkt, len)) {
			udp_send(sa->peer, &sa->resp_out);
			return;
		}
		if (m.exch == EX_SA_INIT || m.msgid != sa->peer_next) {
			log_dbg("IKEv2 SA %u: request %u out of the window, dropped",
				sa->id, m.msgid);
			return;
		}
		if (decrypt(sa, &m, &plain, &why)) {
			log_warn("IKEv2 SA %u: request from %s dropped: %s", sa->id,
				 ipstr(src), why);
			goto out;
		}
		sa->last_heard = now_s();
		handle_request(sa, &m);
		goto out;
	}
	if (!sa->req_busy || m.msgid != sa->req_id - 1 || m.exch != sa->req_kind) {
		log_dbg("IKEv2 SA %u: unexpected response %u, dropped", sa->id, m.msgid);
		return;
	}
	if (m.exch == EX_SA_INIT) {
		if (sa->state != S_I_INIT)
			return;
		/* errors come with a zero responder SPI */
		if (!error_notify(&m) && !find_notify(&m, N_COOKIE))
			memcpy(sa->spi_r, m.spi_r, 8);
		sa->req_busy = false;
		sa->next_retx = 0;
		sa->last_heard = now_s();
		sa_init_answer(sa, &m);
		return;
	}
	if (decrypt(sa, &m, &plain, &why)) {
		log_warn("IKEv2 SA %u: response from %s dropped: %s", sa->id,
			 ipstr(src), why);
		goto out;
	}
	sa->last_heard = now_s();
	handle_response(sa, &m);
out:
	buf_free(&plain);
}

/* ---- starting, expiry, timers -------------------------------------------- */

static struct v2sa *sa_to(uint32_t peer, bool ready)
{
	struct v2sa *sa;

	for (sa = sas; sa; sa = sa->next)
		if (sa->peer == peer && (ready ? sa->state == S_READY :
		    sa->state == S_I_INIT || sa->state == S_I_AUTH ||
		    sa->state == S_R_INIT))
			return sa;
	return NULL;
}

static bool busy(const char *map, uint32_t seq, bool force)
{
	struct v2child *ch;
	struct v2sa *sa;
	double now = now_s();

	for (sa = sas; sa; sa = sa->next)
		if (sa->state != S_DEAD && sa->cx.active && sa->cx.seq == seq &&
		    !strcmp(sa->cx.map, map))
			return true;
	for (ch = children; ch && !force; ch = ch->next)
		if (ch->seq == seq && !strcmp(ch->map, map) && !ch->rekeying &&
		    now - ch->created < 10)
			return true;
	return false;
}

int ikev2_initiate(const char *map, uint32_t seq, uint32_t peer,
		   const struct ace *sel, bool force, const char **why)
{
	struct entry *e = cfg_entry(&ike.conf->cm, map, seq, false);
	const struct v2profile *prof = v2_profile_of(map, seq);
	struct qitem q = { .kind = Q_CHILD, .seq = seq };
	struct v2sa *sa;
	const char *psk;

	if (!e || !prof) {
		*why = !e ? "no such crypto map entry" :
		       "the entry's ikev2-profile is not configured";
		return -1;
	}
	if (!e->npeers) {
		*why = "the entry has no peer";
		return -1;
	}
	if (!peer)
		peer = e->current_peer ? e->current_peer : e->peers[0];
	if (busy(map, seq, force)) {
		log_dbg("IKEv2: crypto map %s %u: negotiation already running", map, seq);
		return 0;
	}
	snprintf(q.map, NAME_LEN, "%s", map);
	q.has_sel = sel != NULL;
	if (sel)
		q.sel = *sel;
	sa = sa_to(peer, true);
	if (sa) {
		queue(sa, &q);
		kick(sa);
		return 0;
	}
	sa = sa_to(peer, false);
	if (sa) {
		if (sa->initiator)
			queue(sa, &q);	/* after IKE_AUTH */
		return 0;
	}
	psk = v2_psk(prof, peer);
	if (!psk) {
		*why = "no pre-shared key for the peer in the profile's keyring";
		return -1;
	}
	sa = sa_new(peer, true);
	sa->prof = prof;
	snprintf(sa->profname, sizeof(sa->profname), "%s", prof->name);
	snprintf(sa->psk, sizeof(sa->psk), "%s", psk);
	rand_bytes(sa->spi_i, 8);
	sa->cx.active = true;
	snprintf(sa->cx.map, NAME_LEN, "%s", map);
	sa->cx.seq = seq;
	sa->cx.has_sel = sel != NULL;
	if (sel)
		sa->cx.sel = *sel;
	if (send_sa_init(sa, first_group(sa->local))) {
		*why = sa->fail;
		return -1;
	}
	return 0;
}

/*
 * After a restart the pairs in the module keep carrying traffic; one of an
 * IKEv2 entry is re-learned with no IKE SA (the peer's is keyed with
 * secrets we lost).  ikev2_relearn_connect then opens a new IKE SA to its
 * peer at once, whose IKE_AUTH negotiates the entry's new pair; it
 * replaces the re-learned one make-before-break (the module keeps the old
 * inbound SA for its grace time).  No INITIAL_CONTACT this time: the peer
 * would drop its old Child SA before installing the new one.  Its stale
 * IKE SA idles until its liveness checks or lifetime end it.  IKEv2 has
 * no IKE SA without a Child SA (RFC 7296 1.2), hence no waiting for the
 * soft EXPIRE as IKEv1 does.
 */
void ikev2_relearn(const char *map, uint32_t seq, uint32_t peer,
		   uint32_t spi_in, uint32_t spi_out, uint16_t cpi_in,
		   uint16_t cpi_out, const char *tset, uint32_t life_left)
{
	struct v2child *ch = xzalloc(sizeof(*ch));
	const struct tset *t = conf_tset(&ike.conf->cm, tset);
	struct esp_alg a = { .proto = PR_ESP };

	if (t)
		esp_of(t, &a);
	snprintf(ch->map, sizeof(ch->map), "%s", map);
	ch->seq = seq;
	ch->peer = peer;
	ch->proto = a.proto;
	ch->spi_in = spi_in;
	ch->spi_out = spi_out;
	if (a.comp) {
		ch->cpi_in = cpi_in;
		ch->cpi_out = cpi_out;
	}
	snprintf(ch->tset, sizeof(ch->tset), "%s", tset);
	ch->life_sec = life_left;
	ch->created = now_s();
	ch->installed = true;
	ch->relearned = true;
	ch->next = children;
	children = ch;
	log_info("IKEv2: re-learned from the module: %s SA pair 0x%08X/0x%08X of %s %u with %s, transform set %s, %u s left",
		 a.proto == PR_AH ? "ah" : "esp", spi_in, spi_out, map, seq, ipstr(peer), tset, life_left);
}

void ikev2_relearn_connect(void)
{
	struct v2child *ch;
	const char *why;

	for (ch = children; ch; ch = ch->next) {
		if (!ch->relearned)
			continue;
		why = NULL;
		log_info("IKEv2: crypto map %s %u: new IKE SA to %s for the re-learned pair",
			 ch->map, ch->seq, ipstr(ch->peer));
		if (ikev2_initiate(ch->map, ch->seq, ch->peer, NULL, true, &why))
			log_err("IKEv2: crypto map %s %u: %s", ch->map, ch->seq, why);
	}
}

bool ikev2_child_expired(const char *map, uint32_t seq, uint32_t spi, bool hard)
{
	struct v2child *ch;
	struct v2sa *sa;

	for (ch = children; ch; ch = ch->next)
		if (ch->seq == seq && !strcmp(ch->map, map) &&
		    (ch->spi_in == spi || ch->spi_out == spi))
			break;
	if (!ch) {
		const char *why = NULL;

		if (!v2_profile_of(map, seq))
			return false;
		/*
		 * a pair from before a restart: negotiate a new one; not when
		 * the entry has a pair of the last seconds (this soft EXPIRE
		 * was queued before the peer's rekey that we read first)
		 */
		if (!hard && ikev2_initiate(map, seq, 0, NULL, false, &why))
			log_err("IKEv2: rekey of %s %u: %s", map, seq, why);
		return true;
	}
	if (hard) {
		log_info("IKEv2: SA pair 0x%08X/0x%08X of %s %u expired", ch->spi_in,
			 ch->spi_out, map, seq);
		child_del(ch, false);
		return true;
	}
	if (ch->rekeying)
		return true;
	for (sa = sas; sa; sa = sa->next)
		if (sa->id == ch->ike_id && sa->state == S_READY)
			break;
	if (!sa) {
		const char *why = NULL;

		/* its IKE SA is gone: a new one */
		if (ikev2_initiate(map, seq, ch->peer, NULL, true, &why))
			log_err("IKEv2: rekey of %s %u: %s", map, seq, why);
		return true;
	}
	{
		struct qitem q = { .kind = Q_CHILD, .seq = seq, .spi = ch->spi_in };

		snprintf(q.map, NAME_LEN, "%s", map);
		ch->rekeying = true;
		log_info("IKEv2 SA %u: rekeying SA pair 0x%08X/0x%08X of %s %u",
			 sa->id, ch->spi_in, ch->spi_out, map, seq);
		queue(sa, &q);
		kick(sa);
	}
	return true;
}

void ikev2_timers(double now)
{
	struct v2sa **pp = &sas, *sa;
	struct v2child *ch;

	for (ch = children; ch; ch = ch->next)
		if (ch->standby && now >= ch->activate_at)
			child_activate(ch);

	while ((sa = *pp)) {
		if (sa->state == S_DEAD && now >= sa->dead_at) {
			*pp = sa->next;
			sa_free(sa);
			continue;
		}
		if (sa->req_busy && sa->next_retx && now >= sa->next_retx) {
			if (sa->retx >= RETX_MAX) {
				if (sa->state == S_I_INIT || sa->state == S_READY)
					failover(sa);
				sa_fail(sa, sa->state == S_I_INIT ?
					"no answer to IKE_SA_INIT (peer unreachable, or no IKEv2 there?)" :
					sa->state == S_I_AUTH ?
					"no answer to IKE_AUTH (pre-shared key mismatch?)" :
					"peer stopped answering (liveness check or request): IKE SA and its Child SAs deleted");
				sa_drop_children(sa, true);
			} else {
				sa->retx++;
				log_dbg("IKEv2 SA %u: retransmission %d", sa->id, sa->retx);
				udp_send(sa->peer, &sa->req_out);
				sa->next_retx = now + (sa->req_kind == EX_INFO &&
					sa->prof && sa->prof->dpd_retry ?
					sa->prof->dpd_retry :
					ike.retx_base * (1 << sa->retx));
			}
		}
		/* liveness (dpd in the profile): an empty INFORMATIONAL */
		if (sa->state == S_READY && sa->prof && sa->prof->dpd &&
		    !sa->req_busy && !sa->nq && now - sa->last_heard >= sa->prof->dpd) {
			struct qitem q = { .kind = Q_DPD };

			log_dbg("IKEv2 SA %u: liveness check", sa->id);
			queue(sa, &q);
			kick(sa);
		}
		if (sa->state == S_R_INIT && now - sa->created > 60)
			sa_fail(sa, "no IKE_AUTH from the initiator");
		/* the original initiator rekeys at 90 % of the lifetime */
		if (sa->state == S_READY && sa->initiator && !sa->rekey_sent &&
		    sa->expires && now >= sa->expires - sa->life / 10) {
			struct qitem q = { .kind = Q_REKEY_IKE };

			sa->rekey_sent = true;
			queue(sa, &q);
			kick(sa);
		}
		if (sa->state == S_READY && sa->expires && now >= sa->expires) {
			struct qitem q = { .kind = Q_DELETE_IKE };

			log_info("IKEv2 SA %u: lifetime expired, deleting", sa->id);
			sa->expires = 0;
			queue(sa, &q);
			kick(sa);
		}
		pp = &sa->next;
	}
}

/* clear crypto ikev2 sa [ID]: every IKE SA, or the one with that Tunnel-id */
int ikev2_delete(uint32_t id)
{
	struct v2sa *sa;
	struct pb p = { 0 };
	struct buf m = { 0 };
	int found = 0;

	for (sa = sas; sa; sa = sa->next) {
		if (id && (sa->id != id || sa->state == S_DEAD))
			continue;
		found++;
		if (sa->state == S_READY) {
			size_t s;

			pb_free(&p);
			memset(&p, 0, sizeof(p));
			s = pb_begin(&p, P_D);
			buf_add8(&p.b, PR_IKE);
			buf_add8(&p.b, 0);
			buf_add16(&p.b, 0);
			pb_end(&p, s);
			if (seal(sa, &m, EX_INFO, false, sa->req_id, &p) == 0)
				udp_send(sa->peer, &m);
		}
		sa_drop_children(sa, true);
		sa_fail(sa, NULL);
		sa->fail = "cleared";
		if (id)
			log_info("IKEv2 SA %u with %s cleared", sa->id,
				 ipstr(sa->peer));
	}
	pb_free(&p);
	buf_free(&m);
	return id && !found ? -1 : 0;
}

void ikev2_delete_all(void)
{
	ikev2_delete(0);
}

/* ---- show crypto ikev2 sa [detail] (IOS layout) ----------------------------- */

static const char *status(const struct v2sa *sa)
{
	switch (sa->state) {
	case S_READY: return "READY";
	case S_DEAD: return "DELETE";
	default: return "IN-NEG";
	}
}

void show_ikev2_sa(struct buf *out, bool detail)
{
	double now = now_s();
	struct v2sa *sa;
	char l[32], r[32];

	bprintf(out, " IPv4 Crypto IKEv2  SA \n\n");
	bprintf(out, "Tunnel-id Local                 Remote                fvrf/ivrf            Status \n");
	for (sa = sas; sa; sa = sa->next) {
		struct v2child *ch;

		snprintf(l, sizeof(l), "%s/500", ipstr(sa->local));
		snprintf(r, sizeof(r), "%s/500", ipstr(sa->peer));
		bprintf(out, "%-9u %-21s %-21s %-20s %-7s\n", sa->id, l, r,
			"none/none", status(sa));
		if (sa->enc)
			bprintf(out, "      Encr: %s, keysize: %d, PRF: %s, Hash: %s, DH Grp:%d, Auth sign: PSK, Auth verify: PSK\n",
				v2_enc_name(sa->enc), v2_enc_keybits(sa->enc),
				v2_hash_name(sa->prf), v2_hash_name(sa->integ),
				sa->group);
		bprintf(out, "      Life/Active Time: %u/%.0f sec\n",
			sa->life ? sa->life : (sa->prof ? sa->prof->life : 86400),
			now - sa->created);
		if (!detail)
			continue;
		bprintf(out, "      CE id: %u, Session-id: %u\n", sa->conn_id, sa->id);
		bprintf(out, "      Status Description: %s\n",
			sa->state == S_READY ? "Negotiation done" :
			sa->fail ? sa->fail : "Negotiation in progress");
		bprintf(out, "      Local spi: %s       Remote spi: %s\n",
			spi_hex(sa->initiator ? sa->spi_i : sa->spi_r),
			spi_hex(sa->initiator ? sa->spi_r : sa->spi_i));
		bprintf(out, "      Local id: %s\n", ipstr(sa->local));
		bprintf(out, "      Remote id: %s\n", ipstr(sa->peer));
		bprintf(out, "      Local req msg id:  %-13u Remote req msg id:  %u\n",
			sa->req_id ? sa->req_id - 1 : 0,
			sa->peer_next ? sa->peer_next - 1 : 0);
		bprintf(out, "      Local next msg id: %-13u Remote next msg id: %u\n",
			sa->req_id, sa->peer_next);
		bprintf(out, "      Local req queued:  %-13u Remote req queued:  %u\n",
			sa->req_id ? sa->req_id - 1 : 0,
			sa->peer_next ? sa->peer_next - 1 : 0);
		bprintf(out, "      Local window:      %-13d Remote window:      %d\n", 1, 1);
		bprintf(out, "      DPD configured for %u seconds, retry %u\n",
			sa->prof ? sa->prof->dpd : 0, sa->prof ? sa->prof->dpd_retry : 0);
		bprintf(out, "      Fragmentation not  configured.\n");
		bprintf(out, "      Extended Authentication not configured.\n");
		bprintf(out, "      NAT-T is not detected  \n");
		bprintf(out, "      Cisco Trust Security SGT is disabled\n");
		bprintf(out, "      Initiator of SA : %s\n", sa->initiator ? "Yes" : "No");
		for (ch = children; ch; ch = ch->next)
			if (ch->ike_id == sa->id)
				bprintf(out, "      Child sa: local selector  %s\n"
					"                remote selector %s\n"
					"                ESP spi in/out: 0x%08X/0x%08X  (%s %u, transform set %s%s)\n"
					"                AH spi in/out: 0x%X/0x%X\n"
					"                CPI in/out: 0x%X/0x%X\n",
					ts_text(&ch->tsl), ts_text(&ch->tsr),
					ch->proto == PR_AH ? 0 : ch->spi_in,
					ch->proto == PR_AH ? 0 : ch->spi_out,
					ch->map, ch->seq,
					ch->tset, ch->installed ? "" : ", not in the kernel",
					ch->proto == PR_AH ? ch->spi_in : 0,
					ch->proto == PR_AH ? ch->spi_out : 0,
					ch->cpi_in, ch->cpi_out);
	}
	bprintf(out, "\n IPv6 Crypto IKEv2  SA \n\n");
}
