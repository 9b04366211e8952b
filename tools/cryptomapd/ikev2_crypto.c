// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: the IKEv2 cryptography, all from OpenSSL: Diffie-Hellman on
 * the MODP groups (crypto.c) and the ECP groups 19 and 20 (RFC 5903, EVP
 * EC keys), HMAC-SHA1/SHA2 PRFs and prf+ (RFC 7296 2.13), and the SK
 * payload: AES-CBC with HMAC integrity (RFC 7296 3.14) or AES-GCM with a
 * 16-octet ICV (RFC 5282).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "ikev2.h"

/* ---- Diffie-Hellman --------------------------------------------------- */

struct v2dh {
	int group;
	struct dh *modp;
	EVP_PKEY *ec;
	size_t clen;			/* one coordinate, octets */
};

static const char *ec_name(int group, size_t *clen)
{
	switch (group) {
	case 19:
		*clen = 32;
		return "P-256";
	case 20:
		*clen = 48;
		return "P-384";
	}
	return NULL;
}

bool v2dh_group_ok(int group)
{
	size_t l;

	return dh_group_ok(group) || ec_name(group, &l);
}

struct v2dh *v2dh_new(int group)
{
	struct v2dh *d;
	const char *name;
	size_t clen = 0;

	name = ec_name(group, &clen);
	if (!name) {
		struct dh *m = dh_group_ok(group) ? dh_new(group) : NULL;

		if (!m)
			return NULL;
		d = xzalloc(sizeof(*d));
		d->group = group;
		d->modp = m;
		return d;
	}
	d = xzalloc(sizeof(*d));
	d->group = group;
	d->clen = clen;
	d->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
	if (!d->ec) {
		free(d);
		return NULL;
	}
	return d;
}

void v2dh_free(struct v2dh *d)
{
	if (!d)
		return;
	dh_free(d->modp);
	EVP_PKEY_free(d->ec);
	free(d);
}

int v2dh_public(struct v2dh *d, struct buf *out)
{
	uint8_t pt[1 + 2 * 66];
	size_t l = 0;

	if (d->modp)
		return dh_public(d->modp, out);
	/* the uncompressed point without its 0x04: x | y (RFC 5903 7) */
	if (!EVP_PKEY_get_octet_string_param(d->ec, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					     pt, sizeof(pt), &l) ||
	    l != 1 + 2 * d->clen || pt[0] != 4)
		return -1;
	buf_set(out, pt + 1, l - 1);
	return 0;
}

int v2dh_shared(struct v2dh *d, const uint8_t *peer, size_t len,
		struct buf *out)
{
	uint8_t pt[1 + 2 * 66], sec[66];
	EVP_PKEY_CTX *ctx = NULL, *pctx = NULL;
	EVP_PKEY *pk = NULL;
	OSSL_PARAM params[3];
	size_t clen, sl = sizeof(sec);
	char gname[16];
	int r = -1;

	if (d->modp)
		return dh_shared(d->modp, peer, len, out);
	if (len != 2 * d->clen)
		return -1;
	pt[0] = 4;
	memcpy(pt + 1, peer, len);
	snprintf(gname, sizeof(gname), "%s", ec_name(d->group, &clen));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     gname, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      pt, len + 1);
	params[2] = OSSL_PARAM_construct_end();
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	/* fromdata checks that the point is on the curve */
	if (!pctx || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, d->ec, NULL);
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_derive_set_peer(ctx, pk) > 0 &&
	    EVP_PKEY_derive(ctx, sec, &sl) > 0 && sl == d->clen) {
		buf_set(out, sec, sl);	/* the x coordinate (RFC 5903 7) */
		r = 0;
	}
out:
	OPENSSL_cleanse(sec, sizeof(sec));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(pk);
	return r;
}

/* ---- PRF, prf+, integrity --------------------------------------------- */

static const EVP_MD *md_of(int h)
{
	switch (h) {
	case V2H_SHA1: return EVP_sha1();
	case V2H_SHA256: return EVP_sha256();
	case V2H_SHA384: return EVP_sha384();
	case V2H_SHA512: return EVP_sha512();
	}
	return NULL;
}

size_t v2_hash_len(int h)
{
	const EVP_MD *m = md_of(h);

	return m ? (size_t)EVP_MD_get_size(m) : 0;
}

/* HMAC-SHA1-96, HMAC-SHA2-256-128, -384-192, -512-256 */
size_t v2_integ_trunc(int h)
{
	return h == V2H_SHA1 ? 12 : v2_hash_len(h) / 2;
}

int v2_prf(int h, const struct buf *key, const struct buf *data,
	   struct buf *out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	const EVP_MD *m = md_of(h);

	if (!m || !HMAC(m, key->p ? key->p : (const uint8_t *)"", key->len,
			data->p ? data->p : (const uint8_t *)"", data->len, md, &len))
		return -1;
	buf_set(out, md, len);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

/* prf+ (K,S) = T1 | T2 | ...,  Tn = prf (K, Tn-1 | S | n) */
int v2_prf_plus(int h, const struct buf *key, const struct buf *seed,
		size_t len, struct buf *out)
{
	struct buf t = { 0 }, d = { 0 };
	uint8_t n;
	int r = 0;

	out->len = 0;
	for (n = 1; out->len < len; n++) {
		if (!n) {		/* more than 255 blocks */
			r = -1;
			break;
		}
		d.len = 0;
		buf_addb(&d, &t);
		buf_addb(&d, seed);
		buf_add8(&d, n);
		if (v2_prf(h, key, &d, &t)) {
			r = -1;
			break;
		}
		buf_addb(out, &t);
	}
	if (!r)
		out->len = len;
	buf_free(&t);
	buf_free(&d);
	return r;
}

/* ---- the SK payload ---------------------------------------------------- */

static const EVP_CIPHER *cipher_of(int enc)
{
	switch (enc) {
	case V2E_CBC128: return EVP_aes_128_cbc();
	case V2E_CBC192: return EVP_aes_192_cbc();
	case V2E_CBC256: return EVP_aes_256_cbc();
	case V2E_GCM128: return EVP_aes_128_gcm();
	case V2E_GCM256: return EVP_aes_256_gcm();
	}
	return NULL;
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, size_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v & 0xff;
}

/*
 * msg holds the IKE header and any payloads before SK, and the SK generic
 * header at sk_start (next payload set by the caller).  Appends IV,
 * ciphertext and ICV, and fixes the SK and header lengths.
 */
int v2_sk_seal(int enc, int integ, const struct buf *ek, const struct buf *ak,
	       struct buf *msg, size_t sk_start, const struct buf *plain)
{
	bool aead = v2_enc_aead(enc);
	size_t bs = aead ? 1 : 16, ivl = aead ? 8 : 16;
	size_t icvl = aead ? 16 : v2_integ_trunc(integ);
	size_t padl = (bs - (plain->len + 1) % bs) % bs;
	size_t ptl = plain->len + padl + 1, ct_off, total;
	const EVP_CIPHER *c = cipher_of(enc);
	uint8_t iv[16], nonce[12], icv[EVP_MAX_MD_SIZE];
	EVP_CIPHER_CTX *ctx;
	struct buf pt = { 0 };
	int outl, ok = 0;
	unsigned int hl = 0;
	size_t i;

	if (!c || (!aead && !md_of(integ)) || rand_bytes(iv, ivl))
		return -1;
	buf_addb(&pt, plain);
	for (i = 0; i < padl; i++)
		buf_add8(&pt, 0);
	buf_add8(&pt, padl);
	buf_add(msg, iv, ivl);
	ct_off = msg->len;
	total = ct_off + ptl + icvl;
	/* lengths first: they are in the integrity / AAD */
	{
		uint8_t zero[64] = { 0 };

		buf_add(msg, pt.p, ptl);
		buf_add(msg, zero, icvl);
	}
	put16(msg->p + sk_start + 2, total - sk_start);
	put32(msg->p + 24, total);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		goto out;
	if (aead) {
		if (ek->len != (size_t)EVP_CIPHER_get_key_length(c) + 4)
			goto out;
		memcpy(nonce, ek->p + ek->len - 4, 4);
		memcpy(nonce + 4, iv, 8);
		ok = EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) &&
		     EVP_EncryptInit_ex(ctx, NULL, NULL, ek->p, nonce) &&
		     /* AAD: the IKE header to the end of the SK header */
		     EVP_EncryptUpdate(ctx, NULL, &outl, msg->p, sk_start + 4) &&
		     EVP_EncryptUpdate(ctx, msg->p + ct_off, &outl, msg->p + ct_off, ptl) &&
		     EVP_EncryptFinal_ex(ctx, msg->p + ct_off + outl, &outl) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
					 msg->p + ct_off + ptl);
	} else {
		ok = ek->len == (size_t)EVP_CIPHER_get_key_length(c) &&
		     EVP_EncryptInit_ex(ctx, c, NULL, ek->p, iv) &&
		     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
		     EVP_EncryptUpdate(ctx, msg->p + ct_off, &outl, msg->p + ct_off, ptl) &&
		     (size_t)outl == ptl &&
		     HMAC(md_of(integ), ak->p, ak->len, msg->p, total - icvl,
			  icv, &hl) &&
		     hl >= icvl;
		if (ok)
			memcpy(msg->p + total - icvl, icv, icvl);
	}
out:
	EVP_CIPHER_CTX_free(ctx);
	buf_free(&pt);
	OPENSSL_cleanse(icv, sizeof(icv));
	return ok ? 0 : -1;
}

/* checks and decrypts the SK payload at sk_start; plain: inner payloads */
int v2_sk_open(int enc, int integ, const struct buf *ek, const struct buf *ak,
	       const uint8_t *msg, size_t len, size_t sk_start,
	       struct buf *plain)
{
	bool aead = v2_enc_aead(enc);
	size_t ivl = aead ? 8 : 16, icvl = aead ? 16 : v2_integ_trunc(integ);
	size_t sklen, ctl, ct_off = sk_start + 4 + ivl;
	const EVP_CIPHER *c = cipher_of(enc);
	uint8_t nonce[12], icv[EVP_MAX_MD_SIZE], tag[16];
	EVP_CIPHER_CTX *ctx;
	unsigned int hl = 0;
	int outl, ok = 0;

	if (!c || sk_start + 4 > len)
		return -1;
	sklen = (size_t)msg[sk_start + 2] << 8 | msg[sk_start + 3];
	/* SK is the last payload: it ends where the message ends */
	if (sk_start + sklen != len || sklen < 4 + ivl + icvl + 1)
		return -1;
	ctl = sklen - 4 - ivl - icvl;
	if (!aead && ctl % 16)
		return -1;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -1;
	buf_set(plain, msg + ct_off, ctl);
	if (aead) {
		memcpy(nonce, ek->p + ek->len - 4, 4);
		memcpy(nonce + 4, msg + sk_start + 4, 8);
		memcpy(tag, msg + ct_off + ctl, 16);
		ok = ek->len == (size_t)EVP_CIPHER_get_key_length(c) + 4 &&
		     EVP_DecryptInit_ex(ctx, c, NULL, NULL, NULL) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) &&
		     EVP_DecryptInit_ex(ctx, NULL, NULL, ek->p, nonce) &&
		     EVP_DecryptUpdate(ctx, NULL, &outl, msg, sk_start + 4) &&
		     EVP_DecryptUpdate(ctx, plain->p, &outl, plain->p, ctl) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) &&
		     EVP_DecryptFinal_ex(ctx, plain->p + outl, &outl) > 0;
	} else {
		ok = ek->len == (size_t)EVP_CIPHER_get_key_length(c) &&
		     md_of(integ) &&
		     HMAC(md_of(integ), ak->p, ak->len, msg, len - icvl, icv, &hl) &&
		     hl >= icvl && !CRYPTO_memcmp(icv, msg + len - icvl, icvl) &&
		     EVP_DecryptInit_ex(ctx, c, NULL, ek->p, msg + sk_start + 4) &&
		     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
		     EVP_DecryptUpdate(ctx, plain->p, &outl, plain->p, ctl) &&
		     (size_t)outl == ctl;
	}
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(icv, sizeof(icv));
	if (ok) {
		size_t padl = plain->p[ctl - 1];

		if (padl + 1 > ctl)
			ok = 0;
		else
			plain->len = ctl - padl - 1;
	}
	return ok ? 0 : -1;
}
