// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: Phase 2, Quick Mode (RFC 2409 5.5) as initiator and
 * responder: proposals from the crypto map entry's transform sets in
 * their order, PFS, lifetimes, proxy identities from the crypto ACL, and
 * KEYMAT for the SAs installed in the module.  Informational exchanges
 * (notifications, deletes, DPD) are handled here too.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../cryptomap/cmtool.h"
#include "cryptomapd.h"

#define QM_RETX_MAX	5
#define NONCE_LEN	32

enum qm_state { QM_I1, QM_R1, QM_DONE, QM_FAILED };

struct pid {			/* a proxy identity */
	uint32_t addr, mask;	/* network order */
	uint8_t proto;
	uint16_t port;
};

struct qm {
	struct qm *next;
	struct ike_sa *ike;
	uint32_t msgid;
	bool initiator;
	enum qm_state state;
	char map[NAME_LEN];
	uint32_t seq;
	int group;			/* PFS, 0 = none */
	struct dh *dh;
	struct buf ni, nr, gxy, iv, last_out, last_in;
	struct pid idci, idcr;
	struct buf idci_raw, idcr_raw;	/* responder: echoed as received */
	/* offered (initiator): the transform sets by proposal number */
	const struct tset *ts[CRYPTOMAP_MAX_TSETS];
	int nts;
	const struct tset *chosen;
	struct child *child;		/* responder: installed standby at QM2 */
	uint32_t spi_in[5], spi_out[5];	/* by PROTO_AH / PROTO_ESP */
	uint32_t life_sec, life_kb;
	double next_retx, expires;
	int retx;
};

/* ---- transforms ------------------------------------------------------ */

static int esp_id(const struct tset *t)
{
	switch (t->enc) {
	case CRYPTOMAP_ENC_NONE:
	case CRYPTOMAP_ENC_NULL:
		return 11;
	case CRYPTOMAP_ENC_DES:
		return 2;
	case CRYPTOMAP_ENC_3DES:
		return 3;
	case CRYPTOMAP_ENC_AES:
		return 12;
	case CRYPTOMAP_ENC_GCM:
		return 20;
	case CRYPTOMAP_ENC_GMAC:
		return 23;
	}
	return 0;
}

static bool has_keybits(const struct tset *t)
{
	return t->enc == CRYPTOMAP_ENC_AES || t->enc == CRYPTOMAP_ENC_GCM ||
	       t->enc == CRYPTOMAP_ENC_GMAC;
}

static int auth_alg(uint8_t a)	/* ESP and AH integrity: same numbers */
{
	switch (a) {
	case CRYPTOMAP_EAUTH_MD5_HMAC: return 1;
	case CRYPTOMAP_EAUTH_SHA_HMAC: return 2;
	case CRYPTOMAP_EAUTH_SHA256_HMAC: return 5;
	case CRYPTOMAP_EAUTH_SHA384_HMAC: return 6;
	case CRYPTOMAP_EAUTH_SHA512_HMAC: return 7;
	}
	return 0;
}

static int ah_id(uint8_t a)
{
	switch (a) {
	case CRYPTOMAP_AH_MD5_HMAC: return 2;
	case CRYPTOMAP_AH_SHA_HMAC: return 3;
	case CRYPTOMAP_AH_SHA256_HMAC: return 5;
	case CRYPTOMAP_AH_SHA384_HMAC: return 6;
	case CRYPTOMAP_AH_SHA512_HMAC: return 7;
	}
	return 0;
}

static size_t auth_keylen(int alg)
{
	switch (alg) {
	case 1: return 16;
	case 2: return 20;
	case 5: return 32;
	case 6: return 48;
	case 7: return 64;
	}
	return 0;
}

static size_t enc_keylen(const struct tset *t)
{
	int bits = t->keybits ? t->keybits : 128;

	switch (t->enc) {
	case CRYPTOMAP_ENC_DES: return 8;
	case CRYPTOMAP_ENC_3DES: return 24;
	case CRYPTOMAP_ENC_AES: return bits / 8;
	case CRYPTOMAP_ENC_GCM:
	case CRYPTOMAP_ENC_GMAC: return bits / 8 + 4;
	}
	return 0;
}

static bool ts_esp(const struct tset *t)
{
	return t->enc != CRYPTOMAP_ENC_NONE || t->eauth != CRYPTOMAP_EAUTH_NONE;
}

static void put_len(struct buf *b, size_t start)
{
	size_t len = b->len - start;

	b->p[start + 2] = len >> 8;
	b->p[start + 3] = len & 0xff;
}

static void add_transform(struct buf *b, uint8_t proto, const struct tset *t,
			  int group, uint32_t life_sec, uint32_t life_kb)
{
	size_t s = b->len;
	int aa;

	buf_add8(b, PL_NONE);
	buf_add8(b, 0);
	buf_add16(b, 0);
	buf_add8(b, 1);
	buf_add8(b, proto == PROTO_AH ? ah_id(t->ah) : esp_id(t));
	buf_add16(b, 0);
	attr_add(b, 4, t->mode == CRYPTOMAP_MODE_TRANSPORT ? 2 : 1);
	attr_add(b, 1, 1);
	attr_add(b, 2, life_sec);
	attr_add(b, 1, 2);
	attr_add(b, 2, life_kb);
	aa = proto == PROTO_AH ? auth_alg(t->ah) : auth_alg(t->eauth);
	if (aa)
		attr_add(b, 5, aa);
	if (proto == PROTO_ESP && has_keybits(t))
		attr_add(b, 6, t->keybits ? t->keybits : 128);
	if (group)
		attr_add(b, 3, group);
	put_len(b, s);
}

/* one proposal number: AH and/or ESP payloads; *last_np_off chained */
static void add_proposal(struct buf *b, int num, const struct tset *t,
			 const uint32_t *spi, int group, uint32_t ls,
			 uint32_t lk, size_t *prev)
{
	uint8_t protos[2];
	int n = 0, i;

	if (t->ah)
		protos[n++] = PROTO_AH;
	if (ts_esp(t))
		protos[n++] = PROTO_ESP;
	for (i = 0; i < n; i++) {
		size_t s = b->len;
		uint32_t be = htonl(spi[protos[i]]);

		if (*prev != (size_t)-1)
			b->p[*prev] = PL_P;
		*prev = s;
		buf_add8(b, PL_NONE);
		buf_add8(b, 0);
		buf_add16(b, 0);
		buf_add8(b, num);
		buf_add8(b, protos[i]);
		buf_add8(b, 4);
		buf_add8(b, 1);
		buf_add(b, &be, 4);
		add_transform(b, protos[i], t, group, ls, lk);
		put_len(b, s);
	}
}

/* ---- proxy identities -------------------------------------------------- */

static bool contiguous(uint32_t mask_be)
{
	uint32_t m = ntohl(mask_be);

	return !(m & (~m >> 1));	/* 1...10...0 */
}

static void pid_from(struct pid *p, uint32_t addr, uint32_t wild, int proto,
		     uint8_t op, uint16_t port)
{
	p->mask = ~wild;
	p->addr = addr & p->mask;
	p->proto = proto < 0 ? 0 : proto;
	p->port = op == CRYPTOMAP_PORT_EQ ? port : 0;
}

static void pid_encode(struct buf *b, const struct pid *p)
{
	bool host = p->mask == 0xffffffff;

	buf_add8(b, host ? ID_IPV4_ADDR : ID_IPV4_ADDR_SUBNET);
	buf_add8(b, p->proto);
	buf_add16(b, p->port);
	buf_add(b, &p->addr, 4);
	if (!host)
		buf_add(b, &p->mask, 4);
}

static int pid_decode(const struct pl *pl, struct pid *p)
{
	uint32_t lo, hi;

	if (pl->len < 8)
		return -1;
	p->proto = pl->body[1];
	p->port = (uint16_t)(pl->body[2] << 8 | pl->body[3]);
	memcpy(&p->addr, pl->body + 4, 4);
	switch (pl->body[0]) {
	case ID_IPV4_ADDR:
		if (pl->len != 8)
			return -1;
		p->mask = 0xffffffff;
		return 0;
	case ID_IPV4_ADDR_SUBNET:
		if (pl->len != 12)
			return -1;
		memcpy(&p->mask, pl->body + 8, 4);
		p->addr &= p->mask;
		return contiguous(p->mask) ? 0 : -1;
	case ID_IPV4_ADDR_RANGE:
		if (pl->len != 12)
			return -1;
		memcpy(&hi, pl->body + 8, 4);
		lo = ntohl(p->addr);
		hi = ntohl(hi);
		/* only ranges that are a prefix */
		p->mask = htonl(~(lo ^ hi));
		if (!contiguous(p->mask) || (lo & ~ntohl(p->mask)) ||
		    (~hi & ~ntohl(p->mask)))
			return -1;
		return 0;
	}
	return -1;
}

static const char *pid_text(const struct pid *p)
{
	static char b[4][80];
	static int i;
	int len = 0;

	i = (i + 1) % 4;
	{
		uint32_t m = ntohl(p->mask);

		while (m & 0x80000000u) {
			len++;
			m <<= 1;
		}
	}
	snprintf(b[i], sizeof(b[i]), "%s/%d/%u/%u", ipstr(p->addr), len,
		 p->proto, p->port);
	return b[i];
}

static const struct ace *first_permit(const struct config *c,
				      const struct entry *e)
{
	const struct acl *a = conf_acl(c, e->acl);
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < a->n; i++)
		if (a->e[i].action == CRYPTOMAP_ACE_PERMIT)
			return &a->e[i];
	return NULL;
}

/* does this ACE, seen from here, mirror the initiator's identities? */
static bool ace_mirrors(const struct ace *e, const struct pid *ci,
			const struct pid *cr)
{
	struct pid l, r;

	if (e->action != CRYPTOMAP_ACE_PERMIT)
		return false;
	pid_from(&l, e->src, e->swild, e->proto, e->sop, e->slo);
	pid_from(&r, e->dst, e->dwild, e->proto, e->dop, e->dlo);
	return l.addr == cr->addr && l.mask == cr->mask &&
	       r.addr == ci->addr && r.mask == ci->mask &&
	       l.proto == ci->proto && l.port == cr->port && r.port == ci->port;
}

/* ---- exchanges ------------------------------------------------------- */

static void qm_free(struct qm *q)
{
	struct buf *b[] = { &q->ni, &q->nr, &q->gxy, &q->iv, &q->last_out,
			    &q->last_in, &q->idci_raw, &q->idcr_raw };
	size_t i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		buf_free(b[i]);
	dh_free(q->dh);
	free(q);
}

static struct qm *qm_new(struct ike_sa *sa, uint32_t msgid, bool initiator)
{
	struct qm *q = xzalloc(sizeof(*q));

	q->ike = sa;
	q->msgid = msgid;
	q->initiator = initiator;
	ike_phase2_iv(sa, msgid, &q->iv);
	q->next = ike.qms;
	ike.qms = q;
	return q;
}

static void qm_fail(struct qm *q, const char *why)
{
	log_err("Quick Mode %08x with %s (%s %u) failed: %s", q->msgid,
		ipstr(q->ike->peer), q->map, q->seq, why);
	q->state = QM_FAILED;
	q->next_retx = 0;
	q->expires = now_s() + 30;
	if (q->child) {			/* responder: QM3 never came */
		child_forget_kernel(q->child);
		q->child = NULL;
	}
}

static void qm_send(struct qm *q, struct mb *m, bool keep)
{
	if (ike_encrypt_msg(q->ike, m, &q->iv))
		return;
	ike_send(q->ike, &m->b, false);
	if (keep) {
		buf_set(&q->last_out, m->b.p, m->b.len);
		q->retx = 0;
		q->next_retx = now_s() + ike.retx_base;
	}
}

/* fills in HASH(1)/HASH(2): prf(SKEYID_a, M-ID [| Ni_b] | rest) */
static void fill_hash(struct qm *q, struct mb *m, size_t hs, bool with_ni)
{
	struct buf d = { 0 }, h = { 0 };
	size_t rest = hs + m->b.p[hs + 2] * 256 + m->b.p[hs + 3];

	buf_add32(&d, q->msgid);
	if (with_ni)
		buf_addb(&d, &q->ni);
	buf_add(&d, m->b.p + rest, m->b.len - rest);
	prf(q->ike->pol.hash, &q->ike->skeyid_a, &d, &h);
	memcpy(m->b.p + hs + 4, h.p, h.len);
	buf_free(&d);
	buf_free(&h);
}

static int add_nonce_ke(struct qm *q, struct mb *m, struct buf *mine)
{
	uint8_t n[NONCE_LEN];
	size_t s;

	rand_bytes(n, sizeof(n));
	buf_set(mine, n, sizeof(n));
	s = mb_begin(m, PL_NONCE);
	buf_addb(&m->b, mine);
	mb_end(m, s);
	if (q->group) {
		struct buf pub = { 0 };

		q->dh = dh_new(q->group);
		if (!q->dh || dh_public(q->dh, &pub))
			return -1;
		s = mb_begin(m, PL_KE);
		buf_addb(&m->b, &pub);
		mb_end(m, s);
		buf_free(&pub);
	}
	return 0;
}

static void add_ids(struct qm *q, struct mb *m)
{
	size_t s = mb_begin(m, PL_ID);

	if (q->idci_raw.len)
		buf_addb(&m->b, &q->idci_raw);
	else
		pid_encode(&m->b, &q->idci);
	mb_end(m, s);
	s = mb_begin(m, PL_ID);
	if (q->idcr_raw.len)
		buf_addb(&m->b, &q->idcr_raw);
	else
		pid_encode(&m->b, &q->idcr);
	mb_end(m, s);
}

static uint32_t new_spi(const struct qm *q, uint8_t proto)
{
	uint32_t spi = 0;

	if (knl_spi_alloc(q->map, q->seq, q->ike->peer,
			  proto == PROTO_ESP ? 50 : 51, &spi) == 0)
		return spi;
	do
		rand_bytes(&spi, sizeof(spi));
	while (spi < 256);
	return spi;
}

int qm_initiate(struct ike_sa *sa, const char *map, uint32_t seq,
		const struct ace *sel)
{
	struct config *c = &ike.conf->cm;
	struct entry *e = cfg_entry(c, map, seq, false);
	const struct ace *ace;
	size_t hs, s, prev = (size_t)-1;
	struct qm *q;
	struct mb m;
	uint32_t msgid;
	int i;

	if (!e) {
		log_err("Quick Mode: crypto map %s %u does not exist", map, seq);
		return -1;
	}
	ace = sel ? sel : first_permit(c, e);
	if (!ace) {
		log_err("Quick Mode: crypto map %s %u has no permit line in its ACL",
			map, seq);
		return -1;
	}
	do
		rand_bytes(&msgid, sizeof(msgid));
	while (!msgid);
	q = qm_new(sa, msgid, true);
	snprintf(q->map, sizeof(q->map), "%s", map);
	q->seq = seq;
	q->group = e->pfs;
	q->life_sec = entry_life_sec(c, e);
	q->life_kb = entry_life_kb(c, e);
	pid_from(&q->idci, ace->src, ace->swild, ace->proto, ace->sop, ace->slo);
	pid_from(&q->idcr, ace->dst, ace->dwild, ace->proto, ace->dop, ace->dlo);
	for (i = 0; i < e->ntsets; i++) {
		const struct tset *t = conf_tset(c, e->tsets[i]);

		if (t && !t->comp && (t->ah || ts_esp(t)))
			q->ts[q->nts++] = t;
	}
	if (!q->nts) {
		qm_fail(q, "no usable transform set");
		return -1;
	}
	q->spi_in[PROTO_ESP] = new_spi(q, PROTO_ESP);
	q->spi_in[PROTO_AH] = new_spi(q, PROTO_AH);
	mb_init(&m, sa->icky, sa->rcky, EXCH_QUICK, 0, msgid);
	hs = mb_begin(&m, PL_HASH);
	buf_add(&m.b, sa->skeyid_a.p, sa->skeyid_a.len);
	mb_end(&m, hs);
	s = mb_begin(&m, PL_SA);
	buf_add32(&m.b, 1);
	buf_add32(&m.b, 1);
	for (i = 0; i < q->nts; i++)
		add_proposal(&m.b, i + 1, q->ts[i], q->spi_in, q->group,
			     q->life_sec, q->life_kb, &prev);
	mb_end(&m, s);
	if (add_nonce_ke(q, &m, &q->ni)) {
		buf_free(&m.b);
		qm_fail(q, "PFS key generation failed");
		return -1;
	}
	add_ids(q, &m);
	mb_finish(&m);
	fill_hash(q, &m, hs, false);
	q->state = QM_I1;
	log_info("Quick Mode %08x to %s for %s %u: %d proposal(s), pfs %s, %s -> %s, lifetime %u s/%u KB",
		 msgid, ipstr(sa->peer), map, seq, q->nts,
		 q->group ? "on" : "off", pid_text(&q->idci), pid_text(&q->idcr),
		 q->life_sec, q->life_kb);
	qm_send(q, &m, true);
	buf_free(&m.b);
	return 0;
}

/* KEYMAT (RFC 2409 5.5) for one SA, stretched to len bytes */
static void keymat(struct qm *q, uint8_t proto, uint32_t spi, size_t len,
		   struct buf *out)
{
	struct buf d = { 0 }, k = { 0 }, prev = { 0 };
	uint32_t be = htonl(spi);

	out->len = 0;
	while (out->len < len) {
		d.len = 0;
		buf_addb(&d, &prev);
		buf_addb(&d, &q->gxy);
		buf_add8(&d, proto);
		buf_add(&d, &be, 4);
		buf_addb(&d, &q->ni);
		buf_addb(&d, &q->nr);
		prf(q->ike->pol.hash, &q->ike->skeyid_d, &d, &k);
		buf_addb(out, &k);
		buf_set(&prev, k.p, k.len);
	}
	out->len = len;
	buf_free(&d);
	buf_free(&k);
	buf_free(&prev);
}

static bool entry_has_child(const char *map, uint32_t seq)
{
	struct child *ch;

	for (ch = ike.children; ch; ch = ch->next)
		if (ch->seq == seq && !strcmp(ch->map, map) && ch->installed)
			return true;
	return false;
}

static void forget_older(struct child *ch);

/*
 * Installs the pair.  standby: inbound accepts at once, outbound waits for
 * SA_UPDATE ACTIVATE (the responder until QM3 arrives; an initiator that
 * replaces a pair until the peer has had time to install its side).
 */
static struct child *qm_install(struct qm *q, bool standby)
{
	const struct tset *t = q->chosen;
	struct buf km[4] = { { 0 } };
	struct sa_install si = { 0 };
	uint8_t protos[2];
	int np = 0, i, r;
	struct child *ch;

	if (t->ah)
		protos[np++] = PROTO_AH;
	if (ts_esp(t))
		protos[np++] = PROTO_ESP;
	for (i = 0; i < np; i++) {
		uint8_t p = protos[i];
		size_t el = p == PROTO_ESP ? enc_keylen(t) : 0;
		size_t al = auth_keylen(p == PROTO_ESP ? auth_alg(t->eauth) :
					auth_alg(t->ah));
		int d;

		for (d = 0; d < 2; d++) {
			struct sa_key *k = &si.keys[si.nkeys];
			uint32_t spi = d == 0 ? q->spi_in[p] : q->spi_out[p];

			keymat(q, p, spi, el + al, &km[si.nkeys]);
			k->ipproto = p == PROTO_ESP ? 50 : 51;
			k->dir = d == 0 ? CRYPTOMAP_DIR_IN : CRYPTOMAP_DIR_OUT;
			k->spi = spi;
			k->ck = km[si.nkeys].p;
			k->cl = el;
			k->ak = km[si.nkeys].p + el;
			k->al = al;
			si.nkeys++;
		}
	}
	snprintf(si.map, sizeof(si.map), "%s", q->map);
	si.seq = q->seq;
	si.peer = q->ike->peer;
	si.tset = t->name;
	si.life_sec = q->life_sec;
	si.life_kb = q->life_kb;
	si.standby = standby;
	r = knl_sa_install(&si);
	for (i = 0; i < si.nkeys; i += 2)
		log_info("Quick Mode %08x: %s SAs for %s %u with %s: transform set %s, inbound spi 0x%08X, outbound spi 0x%08X, %zu-byte cipher + %zu-byte auth keys each way, pfs %s%.*d, lifetime %u s/%u KB: %s",
			 q->msgid, si.keys[i].ipproto == 50 ? "esp" : "ah", q->map,
			 q->seq, ipstr(q->ike->peer), t->name, si.keys[i].spi,
			 si.keys[i + 1].spi, si.keys[i].cl, si.keys[i].al,
			 q->group ? "group " : "off", q->group ? 1 : 0, q->group, q->life_sec,
			 q->life_kb,
			 r == 0 ? (standby ? "installed (standby)" : "installed") :
			 r == -2 ? "not installed (no kernel SA operations)" :
			 "installing FAILED");
	ch = xzalloc(sizeof(*ch));
	snprintf(ch->map, sizeof(ch->map), "%s", q->map);
	ch->seq = q->seq;
	ch->peer = q->ike->peer;
	ch->local = q->ike->local;
	ch->proto = si.keys[si.nkeys - 2].ipproto == 50 ? PROTO_ESP : PROTO_AH;
	ch->spi_in = si.keys[si.nkeys - 2].spi;
	ch->spi_out = si.keys[si.nkeys - 1].spi;
	snprintf(ch->tset, sizeof(ch->tset), "%s", t->name);
	ch->group = q->group;
	ch->life_sec = q->life_sec;
	ch->life_kb = q->life_kb;
	ch->created = now_s();
	ch->installed = r == 0;
	ch->standby = r == 0 && standby;
	ch->conn_id = q->ike->conn_id;
	ch->next = ike.children;
	ike.children = ch;
	if (ch->installed && !ch->standby)
		forget_older(ch);
	for (i = 0; i < 4; i++)
		buf_free(&km[i]);
	buf_free(&q->gxy);
	return ch;
}

/*
 * ch now carries the entry's output: the pairs it replaced are the
 * module's business (inbound grace, then removed without an EXPIRE), no
 * longer ours to rekey, show or delete.
 */
static void forget_older(struct child *ch)
{
	struct child *o, *nx;

	for (o = ike.children; o; o = nx) {
		nx = o->next;
		if (o != ch && o->seq == ch->seq && !strcmp(o->map, ch->map) &&
		    !o->standby) {
			log_dbg("SA pair 0x%08X/0x%08X of %s %u replaced by 0x%08X/0x%08X",
				o->spi_in, o->spi_out, o->map, o->seq, ch->spi_in,
				ch->spi_out);
			child_forget(o);
		}
	}
}

static void child_activate(struct child *ch)
{
	if (!ch->standby)
		return;
	ch->standby = false;
	ch->activate_at = 0;
	if (knl_sa_activate(ch->proto == PROTO_ESP ? 50 : 51, ch->spi_in) == 0) {
		log_info("SA pair 0x%08X/0x%08X of %s %u now used for output",
			 ch->spi_in, ch->spi_out, ch->map, ch->seq);
		forget_older(ch);
	}
}

/* matches the responder's answer against what we offered */
static int pick_answer(struct qm *q, const struct sa_pl *spl)
{
	const struct tset *t;
	int i, j, num = spl->p[0].num;
	bool seen_ah = false, seen_esp = false;

	if (num < 1 || num > q->nts)
		return -1;
	t = q->ts[num - 1];
	for (i = 0; i < spl->nprops; i++) {
		const struct prop *p = &spl->p[i];
		const struct tattr *a;
		uint32_t spi;

		if (p->num != num || p->ntrans != 1 || p->spisize != 4)
			return -1;
		a = &p->t[0].a;
		memcpy(&spi, p->spi, 4);
		spi = ntohl(spi);
		if (p->proto == PROTO_ESP && ts_esp(t)) {
			if (p->t[0].id != esp_id(t) ||
			    a->authalg != auth_alg(t->eauth) ||
			    (has_keybits(t) && a->keylen != (t->keybits ? t->keybits : 128)))
				return -1;
			seen_esp = true;
		} else if (p->proto == PROTO_AH && t->ah) {
			if (p->t[0].id != ah_id(t->ah))
				return -1;
			seen_ah = true;
		} else {
			return -1;
		}
		if (a->group != q->group)
			return -1;
		q->spi_out[p->proto] = spi;
		if (a->life_sec && a->life_sec < q->life_sec)
			q->life_sec = a->life_sec;
		if (a->life_kb && a->life_kb < q->life_kb)
			q->life_kb = a->life_kb;
	}
	if (seen_esp != ts_esp(t) || seen_ah != !!t->ah)
		return -1;
	q->chosen = t;
	(void)j;
	return 0;
}

static int get_peer_ke(struct qm *q, const struct msg *m)
{
	const struct pl *ke = msg_find(m, PL_KE, 0);

	if (!q->group)
		return ke ? -1 : 0;
	if (!ke || !q->dh || dh_shared(q->dh, ke->body, ke->len, &q->gxy))
		return -1;
	return 0;
}

/* verifies HASH(1) or HASH(2); the HASH must be the first payload */
static bool hash_ok(struct qm *q, const struct msg *m, const struct buf *plain,
		    bool with_ni)
{
	struct buf d = { 0 }, h = { 0 };
	size_t rest = 0;
	bool ok;
	int i;

	if (!m->n || m->pl[0].type != PL_HASH)
		return false;
	for (i = 1; i < m->n; i++)
		rest += m->pl[i].rawlen;
	buf_add32(&d, q->msgid);
	if (with_ni)
		buf_addb(&d, &q->ni);
	if (m->n > 1)
		buf_add(&d, m->pl[1].raw, rest);
	prf(q->ike->pol.hash, &q->ike->skeyid_a, &d, &h);
	ok = h.len == m->pl[0].len && !CRYPTO_memcmp(h.p, m->pl[0].body, h.len);
	buf_free(&d);
	buf_free(&h);
	(void)plain;
	return ok;
}

static void send_hash3(struct qm *q)
{
	struct buf d = { 0 }, h = { 0 };
	struct mb m;
	size_t s;

	buf_add8(&d, 0);
	buf_add32(&d, q->msgid);
	buf_addb(&d, &q->ni);
	buf_addb(&d, &q->nr);
	prf(q->ike->pol.hash, &q->ike->skeyid_a, &d, &h);
	mb_init(&m, q->ike->icky, q->ike->rcky, EXCH_QUICK, 0, q->msgid);
	s = mb_begin(&m, PL_HASH);
	buf_addb(&m.b, &h);
	mb_end(&m, s);
	mb_finish(&m);
	qm_send(q, &m, false);
	buf_set(&q->last_out, m.b.p, m.b.len);	/* resent on a duplicate */
	buf_free(&m.b);
	buf_free(&d);
	buf_free(&h);
}

static void qm_initiator_input(struct qm *q, struct msg *m,
			       const struct buf *plain)
{
	const struct pl *sa = msg_find(m, PL_SA, 0), *no = msg_find(m, PL_NONCE, 0);
	const char *why = NULL;
	struct sa_pl spl;

	if (!hash_ok(q, m, plain, true)) {
		log_warn("Quick Mode %08x: HASH(2) does not verify, dropped", q->msgid);
		return;
	}
	if (!sa || !no || no->len < 8 || no->len > 256 ||
	    sa_parse(sa->body, sa->len, &spl, &why) || pick_answer(q, &spl)) {
		qm_fail(q, why ? why : "responder's answer does not match an offered proposal");
		return;
	}
	buf_set(&q->nr, no->body, no->len);
	if (get_peer_ke(q, m)) {
		qm_fail(q, "PFS key exchange failed");
		return;
	}
	{
		bool rekey = entry_has_child(q->map, q->seq);
		struct child *ch = qm_install(q, rekey);

		send_hash3(q);
		if (ch->standby)	/* let the peer install its side first */
			ch->activate_at = now_s() + 1.0;
	}
	q->state = QM_DONE;
	q->next_retx = 0;
	q->expires = now_s() + 60;	/* answer retransmitted QM2s */
}

/* the responder: find the entry, the proposal, answer */
static int get_peer_ke_resp(struct qm *q, const struct msg *m, struct mb *out)
{
	const struct pl *ke = msg_find(m, PL_KE, 0);

	if (!q->group != !ke)
		return -1;
	if (add_nonce_ke(q, out, &q->nr))
		return -1;
	if (q->group && dh_shared(q->dh, ke->body, ke->len, &q->gxy))
		return -1;
	return 0;
}

static void qm_respond(struct qm *q, struct msg *m, const struct buf *plain)
{
	struct ike_sa *sa = q->ike;
	struct config *c = &ike.conf->cm;
	const struct pl *spp = msg_find(m, PL_SA, 0), *no = msg_find(m, PL_NONCE, 0);
	const struct pl *ida = msg_find(m, PL_ID, 0), *idb = msg_find(m, PL_ID, 1);
	const char *why = NULL;
	struct entry *e = NULL;
	struct sa_pl spl;
	size_t i;
	int pi, ti, k;

	if (!hash_ok(q, m, plain, false)) {
		log_warn("Quick Mode %08x from %s: HASH(1) does not verify, dropped",
			 m->msgid, ipstr(sa->peer));
		qm_fail(q, "bad HASH(1)");
		return;
	}
	if (!spp || !no || no->len < 8 || no->len > 256 ||
	    sa_parse(spp->body, spp->len, &spl, &why)) {
		qm_fail(q, why ? why : "SA or nonce missing");
		return;
	}
	buf_set(&q->ni, no->body, no->len);
	if (!ida || !idb) {
		qm_fail(q, "no proxy identities (IDci/IDcr) offered");
		return;
	}
	buf_set(&q->idci_raw, ida->body, ida->len);
	buf_set(&q->idcr_raw, idb->body, idb->len);
	if (pid_decode(ida, &q->idci) || pid_decode(idb, &q->idcr)) {
		qm_fail(q, "proxy identities not IPv4 address/subnet");
		ike_send_info(sa, N_INVALID_ID_INFORMATION, PROTO_ESP, NULL, 0, NULL, 0);
		return;
	}
	/* crypto map entries, lowest sequence first (cfg_sort), by peer and ACL */
	for (i = 0; i < c->nentries && !e; i++) {
		struct entry *x = &c->entries[i];
		const struct acl *a;
		size_t j;
		int p;
		bool peer_ok = false;

		if (x->type != CRYPTOMAP_TYPE_ISAKMP)
			continue;
		for (p = 0; p < x->npeers; p++)
			peer_ok |= x->peers[p] == sa->peer;
		a = conf_acl(c, x->acl);
		if (!peer_ok || !a)
			continue;
		for (j = 0; j < a->n; j++)
			if (ace_mirrors(&a->e[j], &q->idci, &q->idcr)) {
				e = x;
				break;
			}
	}
	if (!e) {
		const char *near = "none";
		char line[256];

		for (i = 0; i < c->nentries; i++) {
			const struct ace *ace = first_permit(c, &c->entries[i]);
			int p;

			for (p = 0; ace && p < c->entries[i].npeers; p++)
				if (c->entries[i].peers[p] == sa->peer) {
					snprintf(line, sizeof(line), "crypto map %s %u: access-list %s %s",
						 c->entries[i].map, c->entries[i].seq,
						 c->entries[i].acl, "");
					ace_text(ace, line + strlen(line),
						 sizeof(line) - strlen(line));
					near = line;
					break;
				}
			if (near != (const char *)"none")
				break;
		}
		log_err("Quick Mode from %s refused: proxy identities local %s remote %s match no crypto ACL line mirrored (nearest: %s) -- is the peer's crypto ACL the mirror of ours?",
			ipstr(sa->peer), pid_text(&q->idcr), pid_text(&q->idci), near);
		ike_send_info(sa, N_INVALID_ID_INFORMATION, PROTO_ESP, NULL, 0, NULL, 0);
		qm_fail(q, "proxy identities not supported");
		return;
	}
	snprintf(q->map, sizeof(q->map), "%s", e->map);
	q->seq = e->seq;
	q->life_sec = entry_life_sec(c, e);
	q->life_kb = entry_life_kb(c, e);
	/* the initiator's proposals in its order, each against our sets */
	for (pi = 0; pi < spl.nprops && !q->chosen; ) {
		int num = spl.p[pi].num, pend = pi;

		while (pend < spl.nprops && spl.p[pend].num == num)
			pend++;
		for (ti = 0; ti < e->ntsets && !q->chosen; ti++) {
			const struct tset *t = conf_tset(c, e->tsets[ti]);
			const struct trans *sel[2] = { NULL, NULL };
			bool ok = t && !t->comp;
			int group = -1;

			for (k = pi; ok && k < pend; k++) {
				const struct prop *p = &spl.p[k];
				int x;

				if (p->spisize != 4 ||
				    (p->proto == PROTO_ESP && !ts_esp(t)) ||
				    (p->proto == PROTO_AH && !t->ah) ||
				    (p->proto != PROTO_ESP && p->proto != PROTO_AH)) {
					ok = false;
					break;
				}
				for (x = 0; x < p->ntrans; x++) {
					const struct trans *tr = &p->t[x];
					const struct tattr *a = &tr->a;
					int mode = t->mode == CRYPTOMAP_MODE_TRANSPORT ? 2 : 1;

					if (a->unknown || (a->encap ? a->encap : 1) != mode)
						continue;
					if (e->pfs && a->group != e->pfs)
						continue;
					if (a->group && !dh_group_ok(a->group))
						continue;
					if (p->proto == PROTO_ESP &&
					    (tr->id != esp_id(t) ||
					     a->authalg != auth_alg(t->eauth) ||
					     (has_keybits(t) &&
					      (a->keylen ? a->keylen : 128) !=
					      (t->keybits ? t->keybits : 128))))
						continue;
					if (p->proto == PROTO_AH &&
					    (tr->id != ah_id(t->ah) ||
					     a->authalg != auth_alg(t->ah)))
						continue;
					if (group >= 0 && a->group != group)
						continue;
					group = a->group;
					sel[p->proto == PROTO_AH ? 0 : 1] = tr;
					break;
				}
				if (x == p->ntrans)
					ok = false;
			}
			if (!ok || (!!sel[0]) != !!t->ah || (!!sel[1]) != ts_esp(t))
				continue;
			q->chosen = t;
			q->group = group;
			for (k = pi; k < pend; k++) {
				const struct prop *p = &spl.p[k];
				const struct tattr *a = &sel[p->proto == PROTO_AH ? 0 : 1]->a;
				uint32_t spi;

				memcpy(&spi, p->spi, 4);
				q->spi_out[p->proto] = ntohl(spi);
				if (a->life_sec && a->life_sec < q->life_sec)
					q->life_sec = a->life_sec;
				if (a->life_kb && a->life_kb < q->life_kb)
					q->life_kb = a->life_kb;
			}
			/* the answer: our SPIs and the chosen transforms */
			{
				struct mb out;
				size_t hs, s, prev = (size_t)-1;
				struct buf *b = &out.b;

				mb_init(&out, sa->icky, sa->rcky, EXCH_QUICK, 0, q->msgid);
				hs = mb_begin(&out, PL_HASH);
				buf_add(b, sa->skeyid_a.p, sa->skeyid_a.len);
				mb_end(&out, hs);
				s = mb_begin(&out, PL_SA);
				buf_add32(b, 1);
				buf_add32(b, 1);
				for (k = pi; k < pend; k++) {
					const struct prop *p = &spl.p[k];
					const struct trans *tr = sel[p->proto == PROTO_AH ? 0 : 1];
					size_t ps = b->len;
					uint32_t be;

					q->spi_in[p->proto] = new_spi(q, p->proto);
					be = htonl(q->spi_in[p->proto]);
					if (prev != (size_t)-1)
						b->p[prev] = PL_P;
					prev = ps;
					buf_add8(b, PL_NONE);
					buf_add8(b, 0);
					buf_add16(b, 0);
					buf_add8(b, num);
					buf_add8(b, p->proto);
					buf_add8(b, 4);
					buf_add8(b, 1);
					buf_add(b, &be, 4);
					buf_add(b, tr->raw, tr->rawlen);
					b->p[ps + 12] = PL_NONE;
					put_len(b, ps);
				}
				mb_end(&out, s);
				if (get_peer_ke_resp(q, m, &out)) {
					buf_free(&out.b);
					qm_fail(q, "PFS key exchange failed");
					return;
				}
				add_ids(q, &out);
				mb_finish(&out);
				fill_hash(q, &out, hs, true);
				q->state = QM_R1;
				/* inbound ready before the initiator can use it */
				q->child = qm_install(q, true);
				log_info("Quick Mode %08x from %s matched crypto map %s %u, transform set %s, pfs %s%.*d",
					 q->msgid, ipstr(sa->peer), e->map, e->seq,
					 t->name, q->group ? "group " : "off",
					 q->group ? 1 : 0, q->group);
				qm_send(q, &out, true);
				buf_free(&out.b);
			}
		}
		pi = pend;
	}
	if (!q->chosen) {
		log_err("Quick Mode from %s for crypto map %s %u refused: no proposal matches a transform set of the entry%s",
			ipstr(sa->peer), e->map, e->seq,
			e->pfs ? " with its PFS group" : "");
		ike_send_info(sa, N_NO_PROPOSAL_CHOSEN, PROTO_ESP, NULL, 0, NULL, 0);
		qm_fail(q, "no proposal chosen");
	}
}

static void qm_responder_final(struct qm *q, struct msg *m)
{
	struct buf d = { 0 }, h = { 0 };
	bool ok;

	/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	if (m->n < 1 || m->pl[0].type != PL_HASH) {
		log_warn("Quick Mode %08x: third message without HASH", q->msgid);
		return;
	}
	buf_add8(&d, 0);
	buf_add32(&d, q->msgid);
	buf_addb(&d, &q->ni);
	buf_addb(&d, &q->nr);
	prf(q->ike->pol.hash, &q->ike->skeyid_a, &d, &h);
	ok = h.len == m->pl[0].len && !CRYPTO_memcmp(h.p, m->pl[0].body, h.len);
	buf_free(&d);
	buf_free(&h);
	if (!ok) {
		log_warn("Quick Mode %08x: HASH(3) does not verify, dropped", q->msgid);
		return;
	}
	q->state = QM_DONE;
	q->next_retx = 0;
	q->expires = now_s() + 60;
	if (q->child)
		child_activate(q->child);
}

static struct qm *qm_find(struct ike_sa *sa, uint32_t msgid)
{
	struct qm *q;

	for (q = ike.qms; q; q = q->next)
		if (q->ike == sa && q->msgid == msgid)
			return q;
	return NULL;
}

void qm_input(struct ike_sa *sa, struct msg *m)
{
	struct qm *q = qm_find(sa, m->msgid);
	struct buf plain = { 0 }, iv = { 0 };

	if (q && q->last_in.len == m->len && !memcmp(q->last_in.p, m->pkt, m->len)) {
		if (q->last_out.len && q->state != QM_FAILED)
			ike_send(sa, &q->last_out, false);
		return;
	}
	if (q && (q->state == QM_FAILED || q->state == QM_DONE))
		return;
	if (!q)
		q = qm_new(sa, m->msgid, false);
	buf_set(&iv, q->iv.p, q->iv.len);
	if (ike_decrypt_msg(sa, m, &iv, &plain)) {
		if (!q->initiator && q->state != QM_R1)
			qm_fail(q, "undecryptable first message");
		goto out;
	}
	/* commit the CBC chain only for messages that verify below */
	if (q->initiator && q->state == QM_I1) {
		struct buf save = { 0 };

		buf_set(&save, q->iv.p, q->iv.len);
		buf_set(&q->iv, iv.p, iv.len);
		qm_initiator_input(q, m, &plain);
		if (q->state == QM_I1)		/* bad hash: keep the old chain */
			buf_set(&q->iv, save.p, save.len);
		buf_free(&save);
	} else if (!q->initiator && q->state != QM_R1) {
		buf_set(&q->iv, iv.p, iv.len);
		qm_respond(q, m, &plain);
	} else if (!q->initiator && q->state == QM_R1) {
		buf_set(&q->iv, iv.p, iv.len);
		qm_responder_final(q, m);
	}
	buf_set(&q->last_in, m->pkt, m->len);
out:
	buf_free(&plain);
	buf_free(&iv);
}

void qm_timers(double now)
{
	struct qm **pp = &ike.qms, *q;
	struct child *ch;

	for (ch = ike.children; ch; ch = ch->next)
		if (ch->standby && ch->activate_at && now >= ch->activate_at)
			child_activate(ch);

	while ((q = *pp)) {
		if ((q->state == QM_DONE || q->state == QM_FAILED) &&
		    now >= q->expires) {
			*pp = q->next;
			qm_free(q);
			continue;
		}
		if (q->next_retx && now >= q->next_retx) {
			if (q->retx >= QM_RETX_MAX) {
				qm_fail(q, "no answer to Quick Mode");
			} else {
				q->retx++;
				ike_send(q->ike, &q->last_out, false);
				q->next_retx = now + ike.retx_base * (1 << q->retx);
			}
		}
		pp = &q->next;
	}
}

void qm_drop_ike(struct ike_sa *sa)
{
	struct qm **pp = &ike.qms, *q;

	while ((q = *pp)) {
		if (q->ike == sa) {
			*pp = q->next;
			qm_free(q);
			continue;
		}
		pp = &q->next;
	}
}

static void child_remove(struct child *ch, bool from_kernel)
{
	struct child **pp;
	struct qm *q;

	for (q = ike.qms; q; q = q->next)
		if (q->child == ch)
			q->child = NULL;
	if (from_kernel && ch->installed)
		knl_sa_delete(ch->map, ch->seq, ch->peer,
			      ch->proto == PROTO_ESP ? 50 : 51, ch->spi_in);
	for (pp = &ike.children; *pp; pp = &(*pp)->next)
		if (*pp == ch) {
			*pp = ch->next;
			free(ch);
			return;
		}
}

/* a negotiation for the entry is running, or just installed its SAs */
bool qm_busy(const char *map, uint32_t seq, bool running_only)
{
	double now = now_s();
	struct child *ch;
	struct qm *q;

	for (q = ike.qms; q; q = q->next)
		if (q->initiator && q->state == QM_I1 && q->seq == seq &&
		    !strcmp(q->map, map))
			return true;
	for (ch = ike.children; ch && !running_only; ch = ch->next)
		if (ch->seq == seq && !strcmp(ch->map, map) && !ch->rekey_at &&
		    now - ch->created < 10)
			return true;
	return false;
}

void child_forget(struct child *ch)
{
	child_remove(ch, false);
}

void child_forget_kernel(struct child *ch)
{
	child_remove(ch, true);
}

void child_expired(const char *map, uint32_t seq, uint32_t spi, bool hard)
{
	struct child *ch;

	for (ch = ike.children; ch; ch = ch->next)
		if (ch->seq == seq && !strcmp(ch->map, map) &&
		    (ch->spi_in == spi || ch->spi_out == spi))
			break;
	if (!ch) {
		if (!hard)
			log_info("soft expiry of an SA of %s %u we did not negotiate: rekeying",
				 map, seq);
	} else if (hard) {
		struct ike_sa *sa = ike_find_established(ch->peer);

		log_info("SA pair 0x%08X/0x%08X of %s %u expired%s", ch->spi_in,
			 ch->spi_out, map, seq,
			 sa ? ", Delete sent to the peer" : "");
		/* as IOS: the peer drops its side too (clear crypto sa) */
		if (sa) {
			uint32_t be = htonl(ch->spi_in);

			ike_send_delete(sa, ch->proto, (const uint8_t *)&be, 4);
		}
		child_remove(ch, false);
		return;
	} else if (ch->rekey_at) {
		return;			/* already rekeying */
	} else {
		ch->rekey_at = now_s();
	}
	if (!hard) {
		const char *why = NULL;

		if (ike_initiate(map, seq, &why))
			log_err("rekey of %s %u: %s", map, seq, why);
	}
}

bool peer_has_children(uint32_t peer)
{
	struct child *ch;

	for (ch = ike.children; ch; ch = ch->next)
		if (ch->peer == peer && ch->installed)
			return true;
	return false;
}

void child_relearn(const char *map, uint32_t seq, uint32_t peer, uint8_t proto,
		   uint32_t spi_in, uint32_t spi_out, const char *tset,
		   uint32_t life_left)
{
	struct child *ch = xzalloc(sizeof(*ch));

	snprintf(ch->map, sizeof(ch->map), "%s", map);
	ch->seq = seq;
	ch->peer = peer;
	ch->proto = proto;
	ch->spi_in = spi_in;
	ch->spi_out = spi_out;
	snprintf(ch->tset, sizeof(ch->tset), "%s", tset);
	ch->life_sec = life_left;
	ch->created = now_s();
	ch->installed = true;
	ch->relearned = true;
	ch->next = ike.children;
	ike.children = ch;
	log_info("re-learned from the module: %s SA pair 0x%08X/0x%08X of %s %u with %s, transform set %s, %u s left",
		 proto == PROTO_ESP ? "esp" : "ah", spi_in, spi_out, map, seq,
		 ipstr(peer), tset, life_left);
}

void info_input(struct ike_sa *sa, struct msg *m)
{
	const struct pl *p;
	int i;

	for (i = 0; (p = msg_find(m, PL_N, i)); i++) {
		uint16_t type;
		uint8_t spisize;

		if (p->len < 8 || 8u + p->body[5] > p->len)
			continue;
		spisize = p->body[5];
		type = (uint16_t)(p->body[6] << 8 | p->body[7]);
		if (type == N_DPD_R_U_THERE && spisize == 16 &&
		    p->len == 8u + 16 + 4 && sa->state == QM_IDLE) {
			ike_send_info(sa, N_DPD_R_U_THERE_ACK, PROTO_ISAKMP,
				      p->body + 8, 16, p->body + 24, 4);
		} else if (type == N_DPD_R_U_THERE_ACK) {
			sa->dpd_missed = 0;
		} else if (type < 16384) {
			log_err("ISAKMP SA %u: %s reports error %u%s", sa->conn_id,
				ipstr(sa->peer), type,
				type == N_NO_PROPOSAL_CHOSEN ? " (NO-PROPOSAL-CHOSEN)" :
				type == N_INVALID_ID_INFORMATION ? " (INVALID-ID-INFORMATION: proxy identities refused, crypto ACLs not mirrored?)" :
				type == N_AUTHENTICATION_FAILED ? " (AUTHENTICATION-FAILED: pre-shared key mismatch?)" :
				type == N_PAYLOAD_MALFORMED ? " (PAYLOAD-MALFORMED)" : "");
			if (sa->state != QM_IDLE)
				sa->fail = "peer refused Phase 1";
		} else {
			log_dbg("ISAKMP SA %u: notification %u", sa->conn_id, type);
		}
	}
	for (i = 0; (p = msg_find(m, PL_D, i)); i++) {
		uint16_t n;
		uint8_t proto, spisize;
		int k;

		if (p->len < 8)
			continue;
		proto = p->body[4];
		spisize = p->body[5];
		n = (uint16_t)(p->body[6] << 8 | p->body[7]);
		if ((size_t)spisize * n + 8 != p->len)
			continue;
		if (proto == PROTO_ISAKMP && spisize == 16) {
			log_info("ISAKMP SA %u: deleted by %s", sa->conn_id,
				 ipstr(sa->peer));
			sa->deleted = true;
			sa->state = P1_DEAD;
			sa->fail = "deleted by the peer";
			sa->expires = now_s() + 10;
			qm_drop_ike(sa);
			continue;
		}
		for (k = 0; k < n && spisize == 4; k++) {
			struct child *ch, *nx;
			uint32_t spi;

			memcpy(&spi, p->body + 8 + 4 * k, 4);
			spi = ntohl(spi);
			bool known = false;

			for (ch = ike.children; ch; ch = nx) {
				nx = ch->next;
				if (ch->peer == sa->peer && ch->spi_out == spi) {
					log_info("SA pair 0x%08X/0x%08X of %s %u deleted by %s",
						 ch->spi_in, ch->spi_out, ch->map,
						 ch->seq, ipstr(sa->peer));
					child_remove(ch, true);
					known = true;
				}
			}
			/* a pair from before a restart: the module knows it */
			if (!known && knl_sa_delete("?", 0, sa->peer,
						    proto == PROTO_AH ? 51 : 50, spi) == 0)
				log_info("SA pair with outbound spi 0x%08X deleted by %s",
					 spi, ipstr(sa->peer));
		}
	}
}

void show_children(struct buf *out)
{
	struct child *ch;
	double now = now_s();

	for (ch = ike.children; ch; ch = ch->next)
		bprintf(out, "%s %u peer %s %s in 0x%08X out 0x%08X tset %s pfs %d life %u s/%u KB age %.0f s%s\n",
			ch->map, ch->seq, ipstr(ch->peer),
			ch->proto == PROTO_ESP ? "esp" : "ah", ch->spi_in,
			ch->spi_out, ch->tset, ch->group, ch->life_sec,
			ch->life_kb, now - ch->created,
			ch->installed ? ch->relearned ? " (re-learned)" : "" :
			" (not in the kernel)");
}
