// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: ISAKMP wire format (RFC 2408): header, generic payload
 * chain, SA / proposal / transform payloads and their attributes.  Every
 * length is checked against what contains it before anything is read.
 */
#include <arpa/inet.h>
#include <string.h>

#include "cryptomapd.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int msg_parse_hdr(const uint8_t *pkt, size_t len, struct msg *m,
		  const char **why)
{
	memset(m, 0, sizeof(*m));
	if (len < ISAKMP_HDR_LEN) {
		*why = "shorter than the ISAKMP header";
		return -1;
	}
	if (len > ISAKMP_MAX_LEN) {
		*why = "oversized";
		return -1;
	}
	if (rd32(pkt + 24) != len) {
		*why = "header length differs from the datagram";
		return -1;
	}
	if ((pkt[17] >> 4) != 1) {
		*why = "not ISAKMP version 1.x";
		return -1;
	}
	memcpy(m->icky, pkt, 8);
	memcpy(m->rcky, pkt + 8, 8);
	m->np = pkt[16];
	m->exch = pkt[18];
	m->flags = pkt[19];
	m->msgid = rd32(pkt + 20);
	m->pkt = pkt;
	m->len = len;
	if (!memcmp(m->icky, "\0\0\0\0\0\0\0\0", 8)) {
		*why = "zero initiator cookie";
		return -1;
	}
	return 0;
}

int msg_parse_payloads(struct msg *m, uint8_t np, const uint8_t *p,
		       size_t len, bool padded, const char **why)
{
	size_t off = 0, plen;

	m->n = 0;
	while (np != PL_NONE) {
		if (len - off < 4) {
			*why = "truncated payload header";
			return -1;
		}
		plen = rd16(p + off + 2);
		if (plen < 4 || plen > len - off) {
			*why = "payload length out of bounds";
			return -1;
		}
		if (m->n == MSG_MAX_PL) {
			*why = "too many payloads";
			return -1;
		}
		m->pl[m->n].type = np;
		m->pl[m->n].raw = p + off;
		m->pl[m->n].rawlen = plen;
		m->pl[m->n].body = p + off + 4;
		m->pl[m->n].len = plen - 4;
		m->n++;
		np = p[off];
		off += plen;
	}
	if (off != len && !padded) {
		*why = "trailing bytes after the last payload";
		return -1;
	}
	/* encrypted messages: at most a block of padding (+ a block slack) */
	if (padded && len - off > 32) {
		*why = "too much padding";
		return -1;
	}
	return 0;
}

const struct pl *msg_find(const struct msg *m, uint8_t type, int nth)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->pl[i].type == type && nth-- == 0)
			return &m->pl[i];
	return NULL;
}

/*
 * Attributes of one transform.  Phase 1 (RFC 2409 appendix A) and IPsec
 * DOI (RFC 2407 4.5) numbers overlap, so the caller says which it is.
 */
static int attrs_parse(const uint8_t *p, size_t len, bool phase1,
		       struct tattr *a, const char **why)
{
	size_t off = 0;
	int life_type = 0;

	memset(a, 0, sizeof(*a));
	while (off < len) {
		uint16_t t, l;
		uint32_t v = 0;
		const uint8_t *val;

		if (len - off < 4) {
			*why = "truncated attribute";
			return -1;
		}
		t = rd16(p + off);
		if (t & 0x8000) {		/* TV */
			v = rd16(p + off + 2);
			off += 4;
		} else {			/* TLV */
			l = rd16(p + off + 2);
			if (l > len - off - 4) {
				*why = "attribute length out of bounds";
				return -1;
			}
			val = p + off + 4;
			if (l > 4 || l == 0) {
				a->unknown = true;
			} else {
				while (l--)
					v = v << 8 | *val++;
			}
			off += 4 + rd16(p + off + 2);
		}
		t &= 0x7fff;
		if (phase1) {
			switch (t) {
			case 1: a->enc = v; break;
			case 2: a->hash = v; break;
			case 3: a->auth = v; break;
			case 4: a->group = v; break;
			case 11: life_type = v; break;
			case 12:
				if (life_type == 1)
					a->life_sec = v;
				else if (life_type == 2)
					a->life_kb = v;
				break;
			case 14: a->keylen = v; break;
			default: a->unknown = true;
			}
		} else {
			switch (t) {
			case 1: life_type = v; break;
			case 2:
				if (life_type == 1)
					a->life_sec = v;
				else if (life_type == 2)
					a->life_kb = v;
				break;
			case 3: a->group = v; break;
			case 4: a->encap = v; break;
			case 5: a->authalg = v; break;
			case 6: a->keylen = v; break;
			default: a->unknown = true;
			}
		}
	}
	return 0;
}

/* SA payload body: DOI, situation, proposal payloads (RFC 2408 3.4-3.6) */
int sa_parse(const uint8_t *body, size_t len, struct sa_pl *sa,
	     const char **why)
{
	size_t off = 8;
	uint8_t np = PL_P;

	memset(sa, 0, sizeof(*sa));
	if (len < 8) {
		*why = "SA payload too short";
		return -1;
	}
	sa->doi = rd32(body);
	sa->sit = rd32(body + 4);
	if (sa->doi != 1) {
		*why = "SA payload: DOI is not IPsec";
		return -1;
	}
	if (sa->sit != 1) {
		*why = "SA payload: situation is not identity only";
		return -1;
	}
	while (np == PL_P) {
		struct prop *pr;
		size_t plen, toff;
		uint8_t tnp = PL_T;
		int nt, i;

		if (len - off < 8) {
			*why = "truncated proposal";
			return -1;
		}
		plen = rd16(body + off + 2);
		if (plen < 8 || plen > len - off) {
			*why = "proposal length out of bounds";
			return -1;
		}
		if (sa->nprops == MAX_PROPS) {
			*why = "too many proposals";
			return -1;
		}
		pr = &sa->p[sa->nprops++];
		np = body[off];
		pr->num = body[off + 4];
		pr->proto = body[off + 5];
		pr->spisize = body[off + 6];
		nt = body[off + 7];
		if (pr->spisize > 16 || 8u + pr->spisize > plen) {
			*why = "proposal SPI size out of bounds";
			return -1;
		}
		memcpy(pr->spi, body + off + 8, pr->spisize);
		toff = off + 8 + pr->spisize;
		for (i = 0; i < nt; i++) {
			struct trans *t;
			size_t tlen;

			if (tnp != PL_T || off + plen - toff < 8) {
				*why = "truncated transform";
				return -1;
			}
			tlen = rd16(body + toff + 2);
			if (tlen < 8 || tlen > off + plen - toff) {
				*why = "transform length out of bounds";
				return -1;
			}
			if (pr->ntrans == MAX_TRANS) {
				*why = "too many transforms";
				return -1;
			}
			t = &pr->t[pr->ntrans++];
			tnp = body[toff];
			t->num = body[toff + 4];
			t->id = body[toff + 5];
			t->raw = body + toff;
			t->rawlen = tlen;
			if (attrs_parse(body + toff + 8, tlen - 8,
					pr->proto == PROTO_ISAKMP, &t->a, why))
				return -1;
			toff += tlen;
		}
		if (tnp != PL_NONE || toff != off + plen) {
			*why = "transform count or length mismatch";
			return -1;
		}
		off += plen;
	}
	if (np != PL_NONE || off != len) {
		*why = "proposal chain mismatch";
		return -1;
	}
	if (!sa->nprops) {
		*why = "SA payload without proposals";
		return -1;
	}
	return 0;
}

void mb_init(struct mb *m, const uint8_t *icky, const uint8_t *rcky,
	     uint8_t exch, uint8_t flags, uint32_t msgid)
{
	memset(m, 0, sizeof(*m));
	buf_add(&m->b, icky, 8);
	buf_add(&m->b, rcky, 8);
	buf_add8(&m->b, 0);
	buf_add8(&m->b, 0x10);
	buf_add8(&m->b, exch);
	buf_add8(&m->b, flags);
	buf_add32(&m->b, msgid);
	buf_add32(&m->b, 0);
	m->np_off = 16;
}

size_t mb_begin(struct mb *m, uint8_t type)
{
	size_t start = m->b.len;

	m->b.p[m->np_off] = type;
	buf_add32(&m->b, 0);
	m->np_off = start;
	return start;
}

void mb_end(struct mb *m, size_t start)
{
	size_t len = m->b.len - start;

	m->b.p[start + 2] = len >> 8;
	m->b.p[start + 3] = len & 0xff;
}

void mb_finish(struct mb *m)
{
	uint32_t len = htonl(m->b.len);

	memcpy(m->b.p + 24, &len, 4);
}

void attr_add(struct buf *b, uint16_t type, uint32_t v)
{
	if (v <= 0xffff) {
		buf_add16(b, 0x8000 | type);
		buf_add16(b, v);
	} else {
		buf_add16(b, type);
		buf_add16(b, 4);
		buf_add32(b, v);
	}
}
