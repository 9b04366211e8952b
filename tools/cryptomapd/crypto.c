// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: the cryptography, all from OpenSSL (libcrypto): MODP
 * Diffie-Hellman, HMAC PRFs, hashes, DES/3DES/AES-CBC and random bytes.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "cryptomapd.h"

int crypto_init(void)
{
	/* single DES lives in the legacy provider since OpenSSL 3 */
	if (!OSSL_PROVIDER_load(NULL, "default"))
		return -1;
	if (!OSSL_PROVIDER_load(NULL, "legacy"))
		log_dbg("OpenSSL legacy provider unavailable: no single DES");
	return 0;
}

int rand_bytes(void *p, size_t n)
{
	return RAND_bytes(p, n) == 1 ? 0 : -1;
}

static const EVP_MD *md_of(int hash)
{
	switch (hash) {
	case HASH_MD5:
		return EVP_md5();
	case HASH_SHA:
		return EVP_sha1();
	case HASH_SHA256:
		return EVP_sha256();
	}
	return NULL;
}

size_t hash_len(int hash)
{
	const EVP_MD *md = md_of(hash);

	return md ? (size_t)EVP_MD_get_size(md) : 0;
}

int prf(int hash, const struct buf *key, const struct buf *data,
	struct buf *out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	const EVP_MD *m = md_of(hash);

	if (!m || !HMAC(m, key->p, key->len, data->p, data->len, md, &len))
		return -1;
	buf_set(out, md, len);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int hash_data(int hash, const struct buf *data, struct buf *out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	const EVP_MD *m = md_of(hash);

	if (!m || !EVP_Digest(data->p, data->len, md, &len, m, NULL))
		return -1;
	buf_set(out, md, len);
	return 0;
}

static const EVP_CIPHER *cipher_of(int enc, size_t keylen)
{
	switch (enc) {
	case ENC_DES:
		return EVP_des_cbc();
	case ENC_3DES:
		return EVP_des_ede3_cbc();
	case ENC_AES:
		return keylen == 16 ? EVP_aes_128_cbc() :
		       keylen == 24 ? EVP_aes_192_cbc() :
		       keylen == 32 ? EVP_aes_256_cbc() : NULL;
	}
	return NULL;
}

size_t cipher_block(int enc)
{
	return enc == ENC_AES ? 16 : 8;
}

size_t cipher_keylen(int enc, int keybits)
{
	switch (enc) {
	case ENC_DES:
		return 8;
	case ENC_3DES:
		return 24;
	case ENC_AES:
		return keybits ? keybits / 8 : 16;
	}
	return 0;
}

int cipher_run(int enc, const struct buf *key, struct buf *iv,
	       uint8_t *data, size_t len, bool encrypt)
{
	const EVP_CIPHER *c = cipher_of(enc, key->len);
	size_t bs = cipher_block(enc);
	uint8_t last[16];
	EVP_CIPHER_CTX *ctx;
	int outl = 0, ok;

	if (!c || len % bs || !len || iv->len < bs)
		return -1;
	if (!encrypt)
		memcpy(last, data + len - bs, bs);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -1;
	ok = EVP_CipherInit_ex(ctx, c, NULL, key->p, iv->p, encrypt) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_CipherUpdate(ctx, data, &outl, data, len) &&
	     (size_t)outl == len;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return -1;
	if (encrypt)
		memcpy(last, data + len - bs, bs);
	buf_set(iv, last, bs);
	return 0;
}

/* ---- Diffie-Hellman on the MODP groups (RFC 2409, RFC 3526) ---------- */

struct dh {
	int group;
	size_t plen;
	EVP_PKEY *key;
};

static BIGNUM *group_prime(int group)
{
	switch (group) {
	case 1:
		return BN_get_rfc2409_prime_768(NULL);
	case 2:
		return BN_get_rfc2409_prime_1024(NULL);
	case 5:
		return BN_get_rfc3526_prime_1536(NULL);
	case 14:
		return BN_get_rfc3526_prime_2048(NULL);
	case 15:
		return BN_get_rfc3526_prime_3072(NULL);
	case 16:
		return BN_get_rfc3526_prime_4096(NULL);
	}
	return NULL;
}

bool dh_group_ok(int group)
{
	return dh_group_bits(group) > 0;
}

int dh_group_bits(int group)
{
	switch (group) {
	case 1: return 768;
	case 2: return 1024;
	case 5: return 1536;
	case 14: return 2048;
	case 15: return 3072;
	case 16: return 4096;
	}
	return 0;
}

/* a key object of the group: domain parameters, plus pub if given */
static EVP_PKEY *dh_pkey(int group, const uint8_t *pub, size_t publen)
{
	BIGNUM *p = group_prime(group), *g = BN_new(), *y = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (!p || !g || !bld || !BN_set_word(g, 2))
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g))
		goto out;
	if (pub) {
		y = BN_bin2bn(pub, publen, NULL);
		if (!y || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, pub ? EVP_PKEY_PUBLIC_KEY :
			      EVP_PKEY_KEY_PARAMETERS, params) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	BN_free(y);
	return key;
}

struct dh *dh_new(int group)
{
	EVP_PKEY *params = dh_pkey(group, NULL, 0);
	EVP_PKEY_CTX *ctx = NULL;
	struct dh *d = NULL;
	EVP_PKEY *key = NULL;

	if (!params)
		return NULL;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	if (ctx && EVP_PKEY_keygen_init(ctx) > 0 &&
	    EVP_PKEY_generate(ctx, &key) > 0) {
		d = xzalloc(sizeof(*d));
		d->group = group;
		d->plen = dh_group_bits(group) / 8;
		d->key = key;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return d;
}

void dh_free(struct dh *d)
{
	if (!d)
		return;
	EVP_PKEY_free(d->key);
	free(d);
}

int dh_public(struct dh *d, struct buf *out)
{
	BIGNUM *y = NULL;
	uint8_t tmp[512];
	int r = -1;

	if (EVP_PKEY_get_bn_param(d->key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
	    d->plen <= sizeof(tmp) && BN_bn2binpad(y, tmp, d->plen) == (int)d->plen) {
		buf_set(out, tmp, d->plen);
		r = 0;
	}
	BN_free(y);
	return r;
}

int dh_shared(struct dh *d, const uint8_t *peer, size_t len, struct buf *out)
{
	EVP_PKEY *pk;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t tmp[512];
	size_t outlen = sizeof(tmp);
	int r = -1;

	if (len != d->plen)
		return -1;
	pk = dh_pkey(d->group, peer, len);
	if (!pk)
		return -1;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, d->key, NULL);
	/* g^xy is padded to the length of the prime (RFC 2409 5) */
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_dh_pad(ctx, 1) > 0 &&
	    EVP_PKEY_derive_set_peer(ctx, pk) > 0 &&
	    EVP_PKEY_derive(ctx, tmp, &outlen) > 0 && outlen == d->plen) {
		buf_set(out, tmp, outlen);
		r = 0;
	}
	OPENSSL_cleanse(tmp, sizeof(tmp));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return r;
}
