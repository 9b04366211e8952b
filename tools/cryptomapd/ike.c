// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: IKE (ISAKMP) SAs and Phase 1 Main Mode with pre-shared keys
 * (RFC 2409 5, 5.4), as initiator and responder; the encryption of
 * ISAKMP messages (RFC 2409 appendix B), retransmission, informational
 * exchanges and dead-peer detection (RFC 3706).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cryptomapd.h"
#include "ikev2.h"

struct ike_ctx ike;

#define RETX_MAX	5	/* then the exchange fails */
#define NONCE_LEN	32

static const uint8_t dpd_vid[16] = {	/* RFC 3706 */
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};

static const char *state_name(enum p1_state s)
{
	switch (s) {
	case MM_NO_STATE: return "MM_NO_STATE";
	case MM_SA_SETUP: return "MM_SA_SETUP";
	case MM_KEY_EXCH: return "MM_KEY_EXCH";
	case MM_KEY_AUTH: return "MM_KEY_EXCH";
	case QM_IDLE: return "QM_IDLE";
	case P1_DEAD: return "MM_NO_STATE";
	}
	return "?";
}

/* The address this host would use to reach PEER (IKEv1 and IKEv2). */
uint32_t local_addr_for(uint32_t peer)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(500),
				   .sin_addr.s_addr = peer };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint32_t a = 0;

	if (fd < 0)
		return 0;
	if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    !getsockname(fd, (struct sockaddr *)&sin, &sl))
		a = sin.sin_addr.s_addr;
	close(fd);
	return a;
}

void ike_free(struct ike_sa *sa)
{
	struct buf *b[] = { &sa->gxi, &sa->gxr, &sa->ni, &sa->nr, &sa->sai_b,
			    &sa->idi_b, &sa->skeyid, &sa->skeyid_d,
			    &sa->skeyid_a, &sa->skeyid_e, &sa->ekey, &sa->iv,
			    &sa->last_out, &sa->last_in };
	size_t i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		buf_free(b[i]);
	dh_free(sa->dh);
	explicit_bzero(sa->psk, sizeof(sa->psk));
	free(sa);
}

static struct ike_sa *ike_new(uint32_t peer, bool initiator)
{
	struct ike_sa *sa = xzalloc(sizeof(*sa));

	sa->conn_id = ike.next_conn_id++;
	sa->initiator = initiator;
	sa->peer = peer;
	sa->local = local_addr_for(peer);
	sa->state = MM_NO_STATE;
	sa->created = sa->last_heard = now_s();
	sa->next = ike.sas;
	ike.sas = sa;
	return sa;
}

static void failover(struct ike_sa *sa);
static void peer_dead(struct ike_sa *sa);
static void info_unprotected(struct ike_sa *sa, struct msg *m);

static void ike_fail(struct ike_sa *sa, const char *why)
{
	if (sa->state != P1_DEAD)
		log_warn("ISAKMP SA %u with %s failed: %s", sa->conn_id,
			 ipstr(sa->peer), why);
	if (!sa->fail || sa->state != P1_DEAD)
		sa->fail = why;
	sa->state = P1_DEAD;
	sa->next_retx = 0;
	sa->expires = now_s() + 10;	/* kept a while for show */
	qm_drop_ike(sa);
	if (sa->initiator && sa->nwait)
		failover(sa);
}

struct ike_sa *ike_find_established(uint32_t peer)
{
	struct ike_sa *sa;

	for (sa = ike.sas; sa; sa = sa->next)
		if (sa->peer == peer && sa->state == QM_IDLE && !sa->deleted)
			return sa;
	return NULL;
}

static struct ike_sa *ike_find_pending(uint32_t peer)
{
	struct ike_sa *sa;

	for (sa = ike.sas; sa; sa = sa->next)
		if (sa->peer == peer && sa->initiator &&
		    sa->state != QM_IDLE && sa->state != P1_DEAD)
			return sa;
	return NULL;
}

void ike_send(struct ike_sa *sa, const struct buf *pkt, bool keep)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(500),
				  .sin_addr.s_addr = sa->peer };

	if (sendto(ike.fd, pkt->p, pkt->len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		log_warn("send to %s: %m", ipstr(sa->peer));
	if (keep) {
		buf_set(&sa->last_out, pkt->p, pkt->len);
		sa->retx = 0;
		sa->next_retx = now_s() + ike.retx_base;
	}
}

/* ---- encryption of messages (RFC 2409 appendix B) -------------------- */

int ike_encrypt_msg(struct ike_sa *sa, struct mb *m, struct buf *iv)
{
	size_t bs = cipher_block(sa->pol.enc), body;

	m->b.p[19] |= FLAG_ENC;
	body = m->b.len - ISAKMP_HDR_LEN;
	while (body % bs) {
		buf_add8(&m->b, 0);
		body++;
	}
	mb_finish(m);
	return cipher_run(sa->pol.enc, &sa->ekey, iv,
			  m->b.p + ISAKMP_HDR_LEN, body, true);
}

/* decrypts into plain, parses the payloads; iv is updated */
int ike_decrypt_msg(struct ike_sa *sa, struct msg *m, struct buf *iv,
		    struct buf *plain)
{
	size_t body = m->len - ISAKMP_HDR_LEN;
	const char *why = NULL;

	if (!(m->flags & FLAG_ENC) || !sa->ekey.len) {
		log_warn("from %s: message should be encrypted", ipstr(sa->peer));
		return -1;
	}
	if (!body || body % cipher_block(sa->pol.enc)) {
		log_warn("from %s: encrypted body of %zu bytes, not whole blocks",
			 ipstr(sa->peer), body);
		return -1;
	}
	buf_set(plain, m->pkt + ISAKMP_HDR_LEN, body);
	if (cipher_run(sa->pol.enc, &sa->ekey, iv, plain->p, body, false))
		return -1;
	if (msg_parse_payloads(m, m->np, plain->p, plain->len, true, &why)) {
		log_warn("from %s: malformed encrypted message: %s",
			 ipstr(sa->peer), why);
		return -1;
	}
	return 0;
}

void ike_phase2_iv(struct ike_sa *sa, uint32_t msgid, struct buf *iv)
{
	struct buf d = { 0 };

	buf_addb(&d, &sa->iv);
	buf_add32(&d, msgid);
	hash_data(sa->pol.hash, &d, iv);
	iv->len = cipher_block(sa->pol.enc);
	buf_free(&d);
}

/* HASH(1) = prf(SKEYID_a, M-ID | payloads after the hash) */
static void info_hash(struct ike_sa *sa, uint32_t msgid, const uint8_t *p,
		      size_t len, struct buf *out)
{
	struct buf d = { 0 };

	buf_add32(&d, msgid);
	buf_add(&d, p, len);
	prf(sa->pol.hash, &sa->skeyid_a, &d, out);
	buf_free(&d);
}

static void send_info_payload(struct ike_sa *sa, uint8_t type,
			      const struct buf *body)
{
	struct mb m;
	struct buf iv = { 0 }, h = { 0 };
	uint32_t msgid;
	size_t hs, ps;

	rand_bytes(&msgid, sizeof(msgid));
	if (sa->state != QM_IDLE) {
		/* no keys yet: an unprotected notification */
		mb_init(&m, sa->icky, sa->rcky, EXCH_INFO, 0, 0);
		ps = mb_begin(&m, type);
		buf_addb(&m.b, body);
		mb_end(&m, ps);
		mb_finish(&m);
		ike_send(sa, &m.b, false);
		buf_free(&m.b);
		return;
	}
	mb_init(&m, sa->icky, sa->rcky, EXCH_INFO, 0, msgid);
	hs = mb_begin(&m, PL_HASH);
	buf_add(&m.b, sa->skeyid_a.p, hash_len(sa->pol.hash));	/* placeholder */
	mb_end(&m, hs);
	ps = mb_begin(&m, type);
	buf_addb(&m.b, body);
	mb_end(&m, ps);
	info_hash(sa, msgid, m.b.p + ps, m.b.len - ps, &h);
	memcpy(m.b.p + hs + 4, h.p, h.len);
	ike_phase2_iv(sa, msgid, &iv);
	if (!ike_encrypt_msg(sa, &m, &iv))
		ike_send(sa, &m.b, false);
	buf_free(&m.b);
	buf_free(&iv);
	buf_free(&h);
}

void ike_send_info(struct ike_sa *sa, uint16_t ntype, uint8_t proto,
		   const uint8_t *spi, size_t spisize, const uint8_t *data,
		   size_t dlen)
{
	struct buf b = { 0 };

	buf_add32(&b, 1);		/* DOI IPsec */
	buf_add8(&b, proto);
	buf_add8(&b, spisize);
	buf_add16(&b, ntype);
	buf_add(&b, spi, spisize);
	buf_add(&b, data, dlen);
	send_info_payload(sa, PL_N, &b);
	buf_free(&b);
}

static void send_delete(struct ike_sa *sa, uint8_t proto, const uint8_t *spi,
			size_t spisize)
{
	struct buf b = { 0 };

	buf_add32(&b, 1);
	buf_add8(&b, proto);
	buf_add8(&b, spisize);
	buf_add16(&b, 1);
	buf_add(&b, spi, spisize);
	send_info_payload(sa, PL_D, &b);
	buf_free(&b);
}

void ike_send_delete(struct ike_sa *sa, uint8_t proto, const uint8_t *spi,
		     size_t spisize)
{
	send_delete(sa, proto, spi, spisize);
}

static void send_delete_isakmp(struct ike_sa *sa)
{
	uint8_t spi[16];

	memcpy(spi, sa->icky, 8);
	memcpy(spi + 8, sa->rcky, 8);
	send_delete(sa, PROTO_ISAKMP, spi, 16);
}

/* ---- Main Mode ------------------------------------------------------- */

static void add_p1_transform(struct buf *b, int num, const struct policy *p,
			     bool last)
{
	size_t start = b->len, len;

	buf_add8(b, last ? PL_NONE : PL_T);
	buf_add8(b, 0);
	buf_add16(b, 0);
	buf_add8(b, num);
	buf_add8(b, 1);			/* KEY_IKE */
	buf_add16(b, 0);
	attr_add(b, 1, p->enc);
	if (p->enc == ENC_AES)
		attr_add(b, 14, p->keybits);
	attr_add(b, 2, p->hash);
	attr_add(b, 3, 1);		/* pre-shared key */
	attr_add(b, 4, p->group);
	attr_add(b, 11, 1);		/* seconds */
	attr_add(b, 12, p->life);
	len = b->len - start;
	b->p[start + 2] = len >> 8;
	b->p[start + 3] = len & 0xff;
}

static void add_vid(struct mb *m)
{
	size_t s = mb_begin(m, PL_VID);

	buf_add(&m->b, dpd_vid, sizeof(dpd_vid));
	mb_end(m, s);
}

static bool has_dpd_vid(const struct msg *m)
{
	const struct pl *p;
	int i;

	for (i = 0; (p = msg_find(m, PL_VID, i)); i++)
		if (p->len == sizeof(dpd_vid) && !memcmp(p->body, dpd_vid, p->len))
			return true;
	return false;
}

static int mm_start(struct ike_sa *sa)
{
	struct ikeconf *c = ike.conf;
	const struct psk *k = conf_psk(c, sa->peer);
	struct mb m;
	size_t s, ps;
	int i;

	if (!k) {
		ike_fail(sa, "no pre-shared key for the peer (crypto isakmp key)");
		return -1;
	}
	if (!c->npol) {
		ike_fail(sa, "no crypto isakmp policy");
		return -1;
	}
	snprintf(sa->psk, sizeof(sa->psk), "%s", k->key);
	rand_bytes(sa->icky, 8);
	mb_init(&m, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	s = mb_begin(&m, PL_SA);
	buf_add32(&m.b, 1);		/* DOI */
	buf_add32(&m.b, 1);		/* SIT_IDENTITY_ONLY */
	ps = m.b.len;
	buf_add8(&m.b, PL_NONE);
	buf_add8(&m.b, 0);
	buf_add16(&m.b, 0);
	buf_add8(&m.b, 1);		/* proposal 1 */
	buf_add8(&m.b, PROTO_ISAKMP);
	buf_add8(&m.b, 0);		/* no SPI */
	buf_add8(&m.b, c->npol);
	for (i = 0; i < c->npol; i++)
		add_p1_transform(&m.b, i + 1, &c->pol[i], i == c->npol - 1);
	m.b.p[ps + 2] = (m.b.len - ps) >> 8;
	m.b.p[ps + 3] = (m.b.len - ps) & 0xff;
	mb_end(&m, s);
	buf_set(&sa->sai_b, m.b.p + s + 4, m.b.len - s - 4);
	add_vid(&m);
	mb_finish(&m);
	sa->state = MM_NO_STATE;
	log_info("ISAKMP SA %u: Main Mode to %s, %d policies offered",
		 sa->conn_id, ipstr(sa->peer), c->npol);
	ike_send(sa, &m.b, true);
	buf_free(&m.b);
	return 0;
}

static bool policy_matches(const struct policy *p, const struct tattr *a)
{
	int keybits = a->keylen ? a->keylen : (a->enc == ENC_AES ? 128 : 0);

	return p->enc == a->enc && (p->enc != ENC_AES || p->keybits == keybits) &&
	       p->hash == a->hash && a->auth == 1 && p->group == a->group &&
	       !a->life_kb;
}

static int derive_keys(struct ike_sa *sa)
{
	struct buf d = { 0 }, gxy = { 0 }, k = { 0 }, blk = { 0 };
	const struct buf *peer_pub = sa->initiator ? &sa->gxr : &sa->gxi;
	size_t need = cipher_keylen(sa->pol.enc, sa->pol.keybits);
	struct buf pskb = { 0 };
	int r = -1;

	if (dh_shared(sa->dh, peer_pub->p, peer_pub->len, &gxy)) {
		log_warn("ISAKMP SA %u: bad DH public value from %s",
			 sa->conn_id, ipstr(sa->peer));
		goto out;
	}
	/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
	buf_add(&pskb, sa->psk, strlen(sa->psk));
	buf_addb(&d, &sa->ni);
	buf_addb(&d, &sa->nr);
	if (prf(sa->pol.hash, &pskb, &d, &sa->skeyid))
		goto out;
	/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0) */
	d.len = 0;
	buf_addb(&d, &gxy);
	buf_add(&d, sa->icky, 8);
	buf_add(&d, sa->rcky, 8);
	buf_add8(&d, 0);
	prf(sa->pol.hash, &sa->skeyid, &d, &sa->skeyid_d);
	d.len = 0;
	buf_addb(&d, &sa->skeyid_d);
	buf_addb(&d, &gxy);
	buf_add(&d, sa->icky, 8);
	buf_add(&d, sa->rcky, 8);
	buf_add8(&d, 1);
	prf(sa->pol.hash, &sa->skeyid, &d, &sa->skeyid_a);
	d.len = 0;
	buf_addb(&d, &sa->skeyid_a);
	buf_addb(&d, &gxy);
	buf_add(&d, sa->icky, 8);
	buf_add(&d, sa->rcky, 8);
	buf_add8(&d, 2);
	prf(sa->pol.hash, &sa->skeyid, &d, &sa->skeyid_e);
	/* the cipher key, stretched when SKEYID_e is too short (App. B) */
	if (sa->skeyid_e.len >= need) {
		buf_set(&sa->ekey, sa->skeyid_e.p, need);
	} else {
		buf_set(&d, "\0", 1);
		sa->ekey.len = 0;
		while (sa->ekey.len < need) {
			prf(sa->pol.hash, &sa->skeyid_e, &d, &blk);
			buf_addb(&sa->ekey, &blk);
			buf_set(&d, blk.p, blk.len);
		}
		sa->ekey.len = need;
	}
	/* the first IV: hash(g^xi | g^xr) */
	d.len = 0;
	buf_addb(&d, &sa->gxi);
	buf_addb(&d, &sa->gxr);
	hash_data(sa->pol.hash, &d, &sa->iv);
	sa->iv.len = cipher_block(sa->pol.enc);
	log_info("ISAKMP SA %u: keys derived (g^xy %zu, SKEYID %zu, SKEYID_d %zu, SKEYID_a %zu, SKEYID_e %zu, cipher key %zu bytes)",
		 sa->conn_id, gxy.len, sa->skeyid.len, sa->skeyid_d.len,
		 sa->skeyid_a.len, sa->skeyid_e.len, sa->ekey.len);
	r = 0;
out:
	buf_free(&d);
	buf_free(&gxy);
	buf_free(&k);
	buf_free(&blk);
	buf_free(&pskb);
	return r;
}

/* HASH_I / HASH_R (RFC 2409 5) */
static void p1_hash(struct ike_sa *sa, bool of_initiator,
		    const uint8_t *id, size_t idlen, struct buf *out)
{
	struct buf d = { 0 };

	if (of_initiator) {
		buf_addb(&d, &sa->gxi);
		buf_addb(&d, &sa->gxr);
		buf_add(&d, sa->icky, 8);
		buf_add(&d, sa->rcky, 8);
	} else {
		buf_addb(&d, &sa->gxr);
		buf_addb(&d, &sa->gxi);
		buf_add(&d, sa->rcky, 8);
		buf_add(&d, sa->icky, 8);
	}
	buf_addb(&d, &sa->sai_b);
	buf_add(&d, id, idlen);
	prf(sa->pol.hash, &sa->skeyid, &d, out);
	buf_free(&d);
}

static void send_ke_nonce(struct ike_sa *sa)
{
	struct buf pub = { 0 }, nonce = { 0 };
	struct mb m;
	size_t s;

	nonce.len = 0;
	buf_add(&nonce, "\0", 0);
	{
		uint8_t n[NONCE_LEN];

		rand_bytes(n, sizeof(n));
		buf_set(&nonce, n, sizeof(n));
	}
	dh_public(sa->dh, &pub);
	if (sa->initiator) {
		buf_set(&sa->gxi, pub.p, pub.len);
		buf_set(&sa->ni, nonce.p, nonce.len);
	} else {
		buf_set(&sa->gxr, pub.p, pub.len);
		buf_set(&sa->nr, nonce.p, nonce.len);
	}
	mb_init(&m, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	s = mb_begin(&m, PL_KE);
	buf_addb(&m.b, &pub);
	mb_end(&m, s);
	s = mb_begin(&m, PL_NONCE);
	buf_addb(&m.b, &nonce);
	mb_end(&m, s);
	mb_finish(&m);
	ike_send(sa, &m.b, true);
	buf_free(&m.b);
	buf_free(&pub);
	buf_free(&nonce);
}

static void send_id_hash(struct ike_sa *sa)
{
	struct buf h = { 0 };
	struct mb m;
	uint8_t id[8];
	size_t s;

	id[0] = ID_IPV4_ADDR;
	id[1] = 17;			/* UDP port 500, as IOS */
	id[2] = 500 >> 8;
	id[3] = 500 & 0xff;
	memcpy(id + 4, &sa->local, 4);
	p1_hash(sa, sa->initiator, id, sizeof(id), &h);
	mb_init(&m, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	s = mb_begin(&m, PL_ID);
	buf_add(&m.b, id, sizeof(id));
	mb_end(&m, s);
	s = mb_begin(&m, PL_HASH);
	buf_addb(&m.b, &h);
	mb_end(&m, s);
	if (!ike_encrypt_msg(sa, &m, &sa->iv))
		ike_send(sa, &m.b, true);
	buf_free(&m.b);
	buf_free(&h);
}

/*
 * A new ISAKMP SA with the peer is up: the older ones stop rekeying and
 * take no new Quick Mode.  When we started the new one, the old one is
 * deleted now (Delete notification); a peer that rekeyed deletes its own
 * old one, else it ends at its lifetime.  Phase 2 SAs are not tied to
 * an ISAKMP SA and stay.
 */
#define REPLACED_DELETE_DELAY 2	/* s */

static void replace_older(struct ike_sa *sa)
{
	struct ike_sa *o;

	for (o = ike.sas; o; o = o->next) {
		if (o == sa || o->peer != sa->peer || o->state != QM_IDLE ||
		    o->deleted || o->replaced)
			continue;
		o->replaced = true;
		o->rekey_at = 0;
		if (!sa->initiator) {
			log_info("ISAKMP SA %u: replaced by %u (the peer's new Main Mode)",
				 o->conn_id, sa->conn_id);
			continue;
		}
		log_info("ISAKMP SA %u: replaced by %u, deleting it in %d s",
			 o->conn_id, sa->conn_id, REPLACED_DELETE_DELAY);
		o->delete_at = now_s() + REPLACED_DELETE_DELAY;
	}
}

/*
 * The Delete of an ISAKMP SA we replaced goes out a little after the new
 * one is up: strongSwan moves the Phase 2 SAs of a deleted ISAKMP SA to
 * the new one only once its side of the new one is fully in place; a
 * Delete right after our last Main Mode message raced that, and it
 * removed the IPsec SAs instead (seen in a 1-vCPU guest).
 */
static void delete_replaced(struct ike_sa *o, double now)
{
	o->delete_at = 0;
	send_delete_isakmp(o);
	o->deleted = true;
	o->state = P1_DEAD;
	o->fail = "replaced (Phase 1 rekey)";
	o->next_retx = 0;
	o->expires = now + 10;		/* kept a while for show */
	qm_drop_ike(o);
}

static void established(struct ike_sa *sa)
{
	int i;

	sa->state = QM_IDLE;
	sa->next_retx = 0;
	sa->expires = now_s() + sa->pol.life;
	sa->dpd_next = ike.conf->dpd_interval ? now_s() + ike.conf->dpd_interval : 0;
	log_info("ISAKMP SA %u with %s established (%s): %s%s%d/%s/psk/group %d, lifetime %u s%s",
		 sa->conn_id, ipstr(sa->peer),
		 sa->initiator ? "initiator" : "responder",
		 sa->pol.enc == ENC_AES ? "aes-" : sa->pol.enc == ENC_3DES ? "3des" : "des",
		 "", sa->pol.enc == ENC_AES ? sa->pol.keybits : 0,
		 sa->pol.hash == HASH_MD5 ? "md5" : sa->pol.hash == HASH_SHA ? "sha" : "sha256",
		 sa->pol.group, sa->pol.life, sa->peer_dpd ? ", peer does DPD" : "");
	/* the DH secret and nonces of Phase 1 are no longer needed */
	dh_free(sa->dh);
	sa->dh = NULL;
	/*
	 * Phase 1 rekey before the lifetime ends: the side that initiated
	 * goes first (80-85 %), the responder at 90 % if the initiator has
	 * not, so that an SA in use never lapses whoever the peer is.
	 */
	{
		uint8_t r;

		rand_bytes(&r, 1);
		sa->rekey_at = now_s() + sa->pol.life *
			       (sa->initiator ? 0.80 + 0.05 * r / 255 : 0.90);
	}
	replace_older(sa);
	for (i = 0; i < sa->nwait; i++)
		qm_initiate(sa, sa->wait[i].map, sa->wait[i].seq,
			    sa->wait[i].has_sel ? &sa->wait[i].sel : NULL);
	sa->nwait = 0;
}

static int get_ke_nonce(struct ike_sa *sa, struct msg *m)
{
	const struct pl *ke = msg_find(m, PL_KE, 0);
	const struct pl *no = msg_find(m, PL_NONCE, 0);

	if (!ke || !no) {
		log_warn("ISAKMP SA %u: KE or NONCE missing", sa->conn_id);
		return -1;
	}
	if (no->len < 8 || no->len > 256) {
		log_warn("ISAKMP SA %u: nonce of %zu bytes", sa->conn_id, no->len);
		return -1;
	}
	if (ke->len != (size_t)dh_group_bits(sa->pol.group) / 8) {
		log_warn("ISAKMP SA %u: KE of %zu bytes for group %d", sa->conn_id,
			 ke->len, sa->pol.group);
		return -1;
	}
	if (sa->initiator) {
		buf_set(&sa->gxr, ke->body, ke->len);
		buf_set(&sa->nr, no->body, no->len);
	} else {
		buf_set(&sa->gxi, ke->body, ke->len);
		buf_set(&sa->ni, no->body, no->len);
	}
	return 0;
}

/* message 5 or 6: the peer's ID and HASH */
static int check_id_hash(struct ike_sa *sa, struct msg *m)
{
	const struct pl *id = msg_find(m, PL_ID, 0), *h = msg_find(m, PL_HASH, 0);
	struct buf want = { 0 };
	int r = -1;

	if (!id || !h || id->len < 4) {
		log_warn("ISAKMP SA %u: ID or HASH missing", sa->conn_id);
		return -1;
	}
	p1_hash(sa, !sa->initiator, id->body, id->len, &want);
	if (h->len != want.len || CRYPTO_memcmp(h->body, want.p, want.len)) {
		log_err("ISAKMP SA %u: %s's HASH does not verify: pre-shared key mismatch with %s?",
			sa->conn_id, sa->initiator ? "responder" : "initiator",
			ipstr(sa->peer));
		goto out;
	}
	if (id->body[0] == ID_IPV4_ADDR && id->len == 8 &&
	    memcmp(id->body + 4, &sa->peer, 4))
		log_info("ISAKMP SA %u: peer identifies as %s", sa->conn_id,
			 ipstr(*(const uint32_t *)(id->body + 4)));
	r = 0;
out:
	buf_free(&want);
	return r;
}

static void mm_input(struct ike_sa *sa, struct msg *m)
{
	struct buf plain = { 0 }, iv = { 0 };
	const char *why = NULL;

	if (m->flags & FLAG_ENC) {
		if (sa->state != MM_KEY_EXCH && sa->state != MM_KEY_AUTH)
			goto drop;
		buf_set(&iv, sa->iv.p, sa->iv.len);
		if (ike_decrypt_msg(sa, m, &iv, &plain)) {
			/* the peer derived other keys: almost always the PSK */
			log_err("ISAKMP SA %u: Main Mode message from %s does not decrypt: pre-shared key mismatch with %s?",
				sa->conn_id, ipstr(sa->peer), ipstr(sa->peer));
			sa->fail = "pre-shared key mismatch (undecryptable Main Mode message)";
			goto drop;
		}
	} else if (msg_parse_payloads(m, m->np, m->pkt + ISAKMP_HDR_LEN,
				      m->len - ISAKMP_HDR_LEN, false, &why)) {
		log_warn("from %s: malformed Main Mode message: %s",
			 ipstr(sa->peer), why);
		goto drop;
	}
	if (msg_find(m, PL_N, 0) && !msg_find(m, PL_SA, 0) &&
	    !msg_find(m, PL_KE, 0) && !msg_find(m, PL_ID, 0)) {
		info_unprotected(sa, m);
		goto drop;
	}
	if (sa->initiator) {
		switch (sa->state) {
		case MM_NO_STATE: {		/* message 2: the chosen transform */
			const struct pl *p = msg_find(m, PL_SA, 0);
			struct sa_pl spl;
			int i;

			if (!p || sa_parse(p->body, p->len, &spl, &why) ||
			    spl.nprops != 1 || spl.p[0].ntrans != 1 ||
			    spl.p[0].proto != PROTO_ISAKMP) {
				log_warn("ISAKMP SA %u: bad SA in Main Mode 2: %s",
					 sa->conn_id, why ? why : "not one transform");
				goto drop;
			}
			for (i = 0; i < ike.conf->npol; i++)
				if (policy_matches(&ike.conf->pol[i], &spl.p[0].t[0].a))
					break;
			if (i == ike.conf->npol) {
				ike_fail(sa, "responder chose a transform we did not offer");
				goto drop;
			}
			sa->pol = ike.conf->pol[i];
			if (spl.p[0].t[0].a.life_sec && spl.p[0].t[0].a.life_sec < sa->pol.life)
				sa->pol.life = spl.p[0].t[0].a.life_sec;
			sa->peer_dpd = has_dpd_vid(m);
			sa->dh = dh_new(sa->pol.group);
			if (!sa->dh) {
				ike_fail(sa, "DH key generation failed");
				goto drop;
			}
			log_info("ISAKMP SA %u: %s accepted policy %u", sa->conn_id,
				 ipstr(sa->peer), sa->pol.prio);
			sa->state = MM_SA_SETUP;
			send_ke_nonce(sa);
			break;
		}
		case MM_SA_SETUP:		/* message 4 */
			if (get_ke_nonce(sa, m) || derive_keys(sa))
				goto drop;
			sa->state = MM_KEY_EXCH;
			send_id_hash(sa);
			break;
		case MM_KEY_EXCH:		/* message 6 */
			if (check_id_hash(sa, m)) {
				ike_fail(sa, "authentication failed (pre-shared key mismatch?)");
				goto drop;
			}
			buf_set(&sa->iv, iv.p, iv.len);
			established(sa);
			break;
		default:
			goto drop;
		}
	} else {
		switch (sa->state) {
		case MM_SA_SETUP:		/* message 3 */
			if (get_ke_nonce(sa, m))
				goto drop;
			send_ke_nonce(sa);
			if (derive_keys(sa)) {
				ike_fail(sa, "key derivation failed");
				goto drop;
			}
			sa->state = MM_KEY_EXCH;
			break;
		case MM_KEY_EXCH:		/* message 5 */
			if (check_id_hash(sa, m)) {
				ike_fail(sa, "authentication failed (pre-shared key mismatch?)");
				ike_send_info(sa, N_AUTHENTICATION_FAILED, PROTO_ISAKMP,
					      NULL, 0, NULL, 0);
				goto drop;
			}
			buf_set(&sa->iv, iv.p, iv.len);
			send_id_hash(sa);	/* message 6, continues the chain */
			established(sa);
			break;
		default:
			goto drop;
		}
	}
	buf_set(&sa->last_in, m->pkt, m->len);
drop:
	buf_free(&plain);
	buf_free(&iv);
}

/* responder, message 1 */
static void mm_respond(const struct msg *m0, uint32_t src)
{
	struct msg m = *m0;
	const char *why = NULL;
	const struct pl *p;
	const struct psk *k;
	struct sa_pl spl;
	struct ike_sa *sa;
	const struct trans *chosen = NULL;
	struct mb out;
	size_t s, ps;
	int i, j;

	if (msg_parse_payloads(&m, m.np, m.pkt + ISAKMP_HDR_LEN,
			       m.len - ISAKMP_HDR_LEN, false, &why)) {
		log_warn("from %s: malformed Main Mode 1: %s", ipstr(src), why);
		return;
	}
	p = msg_find(&m, PL_SA, 0);
	if (!p || sa_parse(p->body, p->len, &spl, &why) ||
	    spl.p[0].proto != PROTO_ISAKMP) {
		log_warn("from %s: bad SA payload in Main Mode 1: %s", ipstr(src),
			 why ? why : "not ISAKMP");
		return;
	}
	k = conf_psk(ike.conf, src);
	if (!k) {
		log_warn("Main Mode from %s refused: no crypto isakmp key for this address",
			 ipstr(src));
		return;
	}
	sa = ike_new(src, false);
	memcpy(sa->icky, m.icky, 8);
	rand_bytes(sa->rcky, 8);
	snprintf(sa->psk, sizeof(sa->psk), "%s", k->key);
	/* our policies in priority order, against every transform offered */
	for (i = 0; i < ike.conf->npol && !chosen; i++)
		for (j = 0; j < spl.p[0].ntrans && !chosen; j++)
			if (policy_matches(&ike.conf->pol[i], &spl.p[0].t[j].a)) {
				chosen = &spl.p[0].t[j];
				sa->pol = ike.conf->pol[i];
			}
	if (!chosen) {
		log_err("Main Mode from %s: no acceptable proposal: none of %d transforms matches a crypto isakmp policy",
			ipstr(src), spl.p[0].ntrans);
		ike_fail(sa, "no proposal chosen");
		ike_send_info(sa, N_NO_PROPOSAL_CHOSEN, PROTO_ISAKMP, NULL, 0, NULL, 0);
		return;
	}
	if (chosen->a.life_sec && chosen->a.life_sec < sa->pol.life)
		sa->pol.life = chosen->a.life_sec;
	sa->peer_dpd = has_dpd_vid(&m);
	sa->dh = dh_new(sa->pol.group);
	if (!sa->dh) {
		ike_fail(sa, "DH key generation failed");
		return;
	}
	buf_set(&sa->sai_b, p->body, p->len);
	mb_init(&out, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	s = mb_begin(&out, PL_SA);
	buf_add32(&out.b, 1);
	buf_add32(&out.b, 1);
	ps = out.b.len;
	buf_add8(&out.b, PL_NONE);
	buf_add8(&out.b, 0);
	buf_add16(&out.b, 8 + chosen->rawlen);
	buf_add8(&out.b, spl.p[0].num);
	buf_add8(&out.b, PROTO_ISAKMP);
	buf_add8(&out.b, 0);
	buf_add8(&out.b, 1);
	buf_add(&out.b, chosen->raw, chosen->rawlen);
	out.b.p[ps + 8] = PL_NONE;	/* the only transform */
	mb_end(&out, s);
	add_vid(&out);
	mb_finish(&out);
	sa->state = MM_SA_SETUP;
	buf_set(&sa->last_in, m.pkt, m.len);
	log_info("ISAKMP SA %u: Main Mode from %s, policy %u chosen", sa->conn_id,
		 ipstr(src), sa->pol.prio);
	ike_send(sa, &out.b, true);
	buf_free(&out.b);
}

/* unprotected notifications: logged only, never acted on (no deletes) */
static void info_unprotected(struct ike_sa *sa, struct msg *m)
{
	int i, n = 0;

	for (i = 0; i < m->n; i++)
		if (m->pl[i].type == PL_N)
			m->pl[n++] = m->pl[i];
	m->n = n;
	if (n)
		info_input(sa, m);
}

static struct ike_sa *find_sa(const struct msg *m, uint32_t src)
{
	static const uint8_t zero[8];
	struct ike_sa *sa;

	for (sa = ike.sas; sa; sa = sa->next) {
		if (memcmp(sa->icky, m->icky, 8) || sa->peer != src)
			continue;
		if (!memcmp(sa->rcky, m->rcky, 8))
			return sa;
		/* our Main Mode 1 was answered: learn the responder cookie */
		if (sa->initiator && !memcmp(sa->rcky, zero, 8) &&
		    sa->state == MM_NO_STATE && m->exch == EXCH_MAIN) {
			memcpy(sa->rcky, m->rcky, 8);
			return sa;
		}
		/* a retransmitted Main Mode 1 */
		if (!sa->initiator && !memcmp(m->rcky, zero, 8))
			return sa;
	}
	return NULL;
}

void ike_input(const uint8_t *pkt, size_t len, uint32_t src, uint16_t sport,
	       uint32_t dst)
{
	static const uint8_t zero[8];
	const char *why = NULL;
	struct ike_sa *sa;
	struct msg m;

	(void)dst;
	if (sport != 500)
		log_dbg("from %s:%u: not from port 500 (answers go to 500)",
			ipstr(src), sport);
	if (msg_parse_hdr(pkt, len, &m, &why)) {
		log_warn("from %s: dropped %zu bytes: %s", ipstr(src), len, why);
		return;
	}
	sa = find_sa(&m, src);
	if (sa && sa->last_in.len == len && !memcmp(sa->last_in.p, pkt, len)) {
		/* the peer did not get our answer: send it again */
		if (sa->last_out.len && sa->state != P1_DEAD)
			ike_send(sa, &sa->last_out, false);
		return;
	}
	if (!sa) {
		if (m.exch == EXCH_MAIN && !memcmp(m.rcky, zero, 8) && !m.msgid &&
		    !(m.flags & FLAG_ENC)) {
			mm_respond(&m, src);
			return;
		}
		if (m.exch == EXCH_INFO && !(m.flags & FLAG_ENC)) {
			/* an unprotected notification about an exchange we know */
			for (sa = ike.sas; sa; sa = sa->next)
				if (!memcmp(sa->icky, m.icky, 8) && sa->peer == src)
					break;
			if (sa && !msg_parse_payloads(&m, m.np, pkt + ISAKMP_HDR_LEN,
						      len - ISAKMP_HDR_LEN, false, &why))
				info_unprotected(sa, &m);
			return;
		}
		log_dbg("from %s: no ISAKMP SA for these cookies (exchange %u)",
			ipstr(src), m.exch);
		return;
	}
	if (sa->state == P1_DEAD)
		return;
	sa->last_heard = now_s();
	switch (m.exch) {
	case EXCH_MAIN:
		if (m.msgid) {
			log_warn("from %s: Main Mode with a message ID", ipstr(src));
			return;
		}
		mm_input(sa, &m);
		break;
	case EXCH_QUICK:
		if (sa->state != QM_IDLE || !m.msgid) {
			log_warn("from %s: Quick Mode before Phase 1 completed",
				 ipstr(src));
			return;
		}
		qm_input(sa, &m);
		break;
	case EXCH_INFO: {
		struct buf iv = { 0 }, plain = { 0 }, h = { 0 };
		const struct pl *hp;

		if (!(m.flags & FLAG_ENC)) {
			if (sa->state == QM_IDLE) {
				log_warn("from %s: unprotected informational after Phase 1, ignored",
					 ipstr(src));
				return;
			}
			if (!msg_parse_payloads(&m, m.np, pkt + ISAKMP_HDR_LEN,
						len - ISAKMP_HDR_LEN, false, &why))
				info_unprotected(sa, &m);
			return;
		}
		if (sa->state != QM_IDLE)
			return;
		ike_phase2_iv(sa, m.msgid, &iv);
		if (!ike_decrypt_msg(sa, &m, &iv, &plain)) {
			hp = msg_find(&m, PL_HASH, 0);
			/* HASH(1) covers the payloads after it, not the padding */
			if (hp && m.pl[0].type == PL_HASH && m.n >= 2) {
				size_t l = 0;
				int i;

				for (i = 1; i < m.n; i++)
					l += m.pl[i].rawlen;
				info_hash(sa, m.msgid, m.pl[1].raw, l, &h);
				if (h.len == hp->len && !CRYPTO_memcmp(h.p, hp->body, h.len))
					info_input(sa, &m);
				else
					log_warn("from %s: informational with a bad HASH, dropped",
						 ipstr(src));
			}
		}
		buf_free(&iv);
		buf_free(&plain);
		buf_free(&h);
		break;
	}
	default:
		log_warn("from %s: exchange type %u not supported", ipstr(src),
			 m.exch);
	}
}

static int initiate(const char *map, uint32_t seq, uint32_t peer,
		    const struct ace *sel, int hops, bool force, const char **why)
{
	struct entry *e = cfg_entry(&ike.conf->cm, map, seq, false);
	struct ike_sa *sa;
	int i;

	if (!e || e->type != CRYPTOMAP_TYPE_ISAKMP) {
		reload_maps();
		e = cfg_entry(&ike.conf->cm, map, seq, false);
	}
	if (!e || e->type != CRYPTOMAP_TYPE_ISAKMP) {
		*why = "no such ipsec-isakmp crypto map entry";
		return -1;
	}
	if (!e->npeers) {
		*why = "the entry has no peer";
		return -1;
	}
	if (v2_profile_of(map, seq))	/* set ikev2-profile: IKEv2 */
		return ikev2_initiate(map, seq, peer, sel, force, why);
	if (!peer)
		peer = e->current_peer ? e->current_peer : e->peers[0];
	if (qm_busy(map, seq, force)) {
		log_dbg("crypto map %s %u: negotiation already running", map, seq);
		return 0;
	}
	sa = ike_find_established(peer);
	if (sa)
		return qm_initiate(sa, map, seq, sel);
	sa = ike_find_pending(peer);
	if (!sa) {
		sa = ike_new(peer, true);
		if (mm_start(sa)) {
			*why = sa->fail;
			return -1;
		}
	}
	for (i = 0; i < sa->nwait; i++)
		if (sa->wait[i].seq == seq && !strcmp(sa->wait[i].map, map))
			return 0;	/* already waiting */
	if (sa->nwait < (int)(sizeof(sa->wait) / sizeof(sa->wait[0]))) {
		i = sa->nwait++;
		snprintf(sa->wait[i].map, NAME_LEN, "%s", map);
		sa->wait[i].seq = seq;
		sa->wait[i].has_sel = sel != NULL;
		if (sel)
			sa->wait[i].sel = *sel;
		sa->wait[i].hops = hops;
	}
	return 0;
}

int ike_initiate(const char *map, uint32_t seq, const char **why)
{
	return initiate(map, seq, 0, NULL, 0, true, why);
}

int ike_initiate_acq(const char *map, uint32_t seq, uint32_t peer,
		     const struct ace *sel, const char **why)
{
	return initiate(map, seq, peer, sel, 0, false, why);
}

/*
 * Phase 1 to the current peer failed: each entry that waited for it moves
 * to its next set peer (IOS failover) and tries once around the list.
 */
static void failover(struct ike_sa *sa)
{
	int i;

	for (i = 0; i < sa->nwait; i++) {
		struct entry *e = cfg_entry(&ike.conf->cm, sa->wait[i].map,
					    sa->wait[i].seq, false);
		const char *why = NULL;
		uint32_t next;
		int k;

		if (!e || e->npeers < 2 || sa->wait[i].hops + 1 >= e->npeers)
			continue;
		for (k = 0; k < e->npeers; k++)
			if (e->peers[k] == sa->peer)
				break;
		next = e->peers[(k + 1) % e->npeers];
		log_warn("crypto map %s %u: peer %s not answering, failing over to %s",
			 e->map, e->seq, ipstr(sa->peer), ipstr(next));
		knl_peer_set(e->map, e->seq, next);
		e->current_peer = next;
		if (initiate(e->map, e->seq, next,
			     sa->wait[i].has_sel ? &sa->wait[i].sel : NULL,
			     sa->wait[i].hops + 1, true, &why))
			log_err("crypto map %s %u: %s", e->map, e->seq, why);
	}
	sa->nwait = 0;
}

/* the peer of established SAs is dead: drop its SAs, next peer */
static void peer_dead(struct ike_sa *sa)
{
	struct child *ch, *nx;

	for (ch = ike.children; ch; ch = nx) {
		struct entry *e;
		int k;

		nx = ch->next;
		if (ch->peer != sa->peer)
			continue;
		e = cfg_entry(&ike.conf->cm, ch->map, ch->seq, false);
		if (knl_sa_delete(ch->map, ch->seq, ch->peer,
				  ch->proto == PROTO_ESP ? 50 : 51, ch->spi_in) == 0)
			log_info("SA pair 0x%08X/0x%08X of %s %u deleted (peer %s dead)",
				 ch->spi_in, ch->spi_out, ch->map, ch->seq,
				 ipstr(sa->peer));
		if (e && e->npeers > 1) {
			for (k = 0; k < e->npeers; k++)
				if (e->peers[k] == sa->peer)
					break;
			e->current_peer = e->peers[(k + 1) % e->npeers];
			log_warn("crypto map %s %u: peer %s dead, current peer now %s",
				 e->map, e->seq, ipstr(sa->peer),
				 ipstr(e->current_peer));
			knl_peer_set(e->map, e->seq, e->current_peer);
		}
		child_forget(ch);
	}
}

static void ike_clear(struct ike_sa *sa)
{
	if (sa->state == QM_IDLE && !sa->deleted)
		send_delete_isakmp(sa);
	if (sa->state != P1_DEAD)
		log_info("ISAKMP SA %u with %s cleared", sa->conn_id,
			 ipstr(sa->peer));
	sa->nwait = 0;		/* cleared: no failover */
	ike_fail(sa, "cleared");
	sa->deleted = true;
}

void ike_delete_all(void)
{
	struct ike_sa *sa;

	for (sa = ike.sas; sa; sa = sa->next)
		ike_clear(sa);
}

int ike_delete_conn(uint32_t conn_id)
{
	struct ike_sa *sa;

	for (sa = ike.sas; sa; sa = sa->next)
		if (sa->conn_id == conn_id && sa->state != P1_DEAD) {
			ike_clear(sa);
			return 0;
		}
	return -1;
}

static int p1_start(uint32_t peer, uint32_t replaces)
{
	struct ike_sa *sa = ike_new(peer, true);

	sa->replaces = replaces;
	return mm_start(sa);
}

int ike_connect(uint32_t peer)
{
	if (ike_find_established(peer) || ike_find_pending(peer))
		return 0;
	return p1_start(peer, 0);
}

/*
 * After a restart: the pairs installed in the module keep running; they
 * are re-learned (show, the peer's deletes, rekey on their soft EXPIRE),
 * and a new ISAKMP SA is opened to each of their peers at once, so that
 * keepalives, deletes and the rekey find one (a peer sees a new Main Mode
 * from a known address as a re-authentication).
 */
void ike_relearn(void)
{
	struct child *ch, *c2;
	int n = knl_relearn();

	if (n <= 0)
		return;
	log_info("restart: %d SA pair(s) found in the module, kept", n);
	ikev2_relearn_connect();
	for (ch = ike.children; ch; ch = ch->next) {
		for (c2 = ike.children; c2 != ch; c2 = c2->next)
			if (c2->peer == ch->peer)
				break;
		if (c2 == ch)
			ike_connect(ch->peer);
	}
}

/* time to rekey sa: a new Main Mode unless the SA is idle or one runs */
static void p1_rekey(struct ike_sa *sa)
{
	struct ike_sa *o;

	sa->rekey_at = 0;
	for (o = ike.sas; o; o = o->next)
		if (o != sa && o->peer == sa->peer && o->state != P1_DEAD &&
		    !o->deleted && !o->replaced)
			return;		/* a newer one is up or running */
	if (!peer_has_children(sa->peer)) {
		log_info("ISAKMP SA %u: no IPsec SA with %s, left to expire in %.0f s",
			 sa->conn_id, ipstr(sa->peer), sa->expires - now_s());
		return;
	}
	log_info("ISAKMP SA %u: lifetime ends in %.0f s, rekeying (new Main Mode to %s)",
		 sa->conn_id, sa->expires - now_s(), ipstr(sa->peer));
	p1_start(sa->peer, sa->conn_id);
}

static void dpd_tick(struct ike_sa *sa, double now)
{
	struct ikeconf *c = ike.conf;
	uint8_t spi[16];
	uint32_t seq;

	if (!c->dpd_interval || !sa->peer_dpd || sa->state != QM_IDLE ||
	    sa->replaced)
		return;
	if (now - sa->last_heard < c->dpd_interval && !sa->dpd_missed) {
		sa->dpd_next = sa->last_heard + c->dpd_interval;
		return;
	}
	if (now < sa->dpd_next)
		return;
	if (sa->dpd_missed >= 5) {
		log_err("ISAKMP SA %u: peer %s is dead (no DPD answer in %u s)",
			sa->conn_id, ipstr(sa->peer),
			c->dpd_interval + 5 * c->dpd_retry);
		sa->deleted = true;
		ike_fail(sa, "peer dead (DPD)");
		peer_dead(sa);
		return;
	}
	memcpy(spi, sa->icky, 8);
	memcpy(spi + 8, sa->rcky, 8);
	seq = htonl(++sa->dpd_seq);
	ike_send_info(sa, N_DPD_R_U_THERE, PROTO_ISAKMP, spi, 16,
		      (uint8_t *)&seq, 4);
	sa->dpd_missed++;
	sa->dpd_next = now + c->dpd_retry;
	log_dbg("ISAKMP SA %u: R-U-THERE %u sent", sa->conn_id, sa->dpd_seq);
}

void ike_timers(double now)
{
	struct ike_sa **pp = &ike.sas, *sa;

	while ((sa = *pp)) {
		if (sa->state == P1_DEAD && now >= sa->expires) {
			*pp = sa->next;
			ike_free(sa);
			continue;
		}
		if (sa->next_retx && now >= sa->next_retx) {
			if (sa->retx >= RETX_MAX) {
				if (sa->state == QM_IDLE)
					sa->next_retx = 0;
				else
					ike_fail(sa, sa->state == MM_NO_STATE ?
						 "no answer from the peer (unreachable, or no isakmp there?)" :
						 sa->state == MM_KEY_EXCH ?
						 "peer did not accept our authentication: pre-shared key mismatch?" :
						 "peer stopped answering during Main Mode");
			} else {
				sa->retx++;
				log_dbg("ISAKMP SA %u: retransmission %d", sa->conn_id,
					sa->retx);
				ike_send(sa, &sa->last_out, false);
				sa->next_retx = now + ike.retx_base * (1 << sa->retx);
			}
		}
		if (sa->state == QM_IDLE && sa->expires && now >= sa->expires) {
			log_info("ISAKMP SA %u: lifetime expired%s", sa->conn_id,
				 sa->replaced ? " (replaced by a newer one)" : "");
			sa->nwait = 0;
			if (sa->replaced) {	/* nothing failed */
				sa->state = P1_DEAD;
				sa->fail = "lifetime expired (replaced)";
				sa->expires = now + 10;
				qm_drop_ike(sa);
			} else {
				ike_fail(sa, "lifetime expired");
			}
			sa->deleted = true;
		}
		if (sa->state == QM_IDLE && sa->delete_at && now >= sa->delete_at)
			delete_replaced(sa, now);
		if (sa->state == QM_IDLE && sa->rekey_at && now >= sa->rekey_at &&
		    !sa->deleted && !sa->replaced)
			p1_rekey(sa);
		dpd_tick(sa, now);
		pp = &sa->next;
	}
	qm_timers(now);
}

double ike_next_timer(void)
{
	return 0.5;
}

/* show crypto isakmp sa (IOS 15 layout) */
void show_isakmp_sa(struct buf *out)
{
	struct ike_sa *sa;

	bprintf(out, "IPv4 Crypto ISAKMP SA\n");
	bprintf(out, "dst             src             state          conn-id status\n");
	for (sa = ike.sas; sa; sa = sa->next) {
		uint32_t dst = sa->initiator ? sa->peer : sa->local;
		uint32_t src = sa->initiator ? sa->local : sa->peer;

		bprintf(out, "%-15s %-15s %-14s %7u %s\n", ipstr(dst), ipstr(src),
			state_name(sa->state), sa->conn_id,
			sa->state == P1_DEAD ? "(deleted)" : "ACTIVE");
	}
	bprintf(out, "\nIPv6 Crypto ISAKMP SA\n\n");
}

void show_isakmp_detail(struct buf *out)
{
	struct ike_sa *sa;
	double now = now_s();

	for (sa = ike.sas; sa; sa = sa->next)
		bprintf(out, "conn-id %u peer %s %s %s policy %u life %ld s%s%s%s\n",
			sa->conn_id, ipstr(sa->peer),
			sa->initiator ? "initiator" : "responder",
			state_name(sa->state), sa->pol.prio,
			sa->expires ? (long)(sa->expires - now) : 0L,
			sa->replaced && sa->state == QM_IDLE ? " replaced" : "",
			sa->fail ? " failed: " : "", sa->fail ? sa->fail : "");
}
