/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomapd: IKEv2 (RFC 7296) for crypto map entries that name an IKEv2
 * profile (`set ikev2-profile NAME`), issue #9.  Entries without one keep
 * IKEv1.  Same socket (UDP 500, the ISAKMP header's major version 2), same
 * module operations (SPI_ALLOC, SA_ADD, SA_DEL), OpenSSL for every
 * algorithm.
 */
#ifndef CRYPTOMAPD_IKEV2_H
#define CRYPTOMAPD_IKEV2_H

#include "cryptomapd.h"

/* ---- ikev2_conf.c: crypto ikev2 proposal/policy/keyring/profile ------- */

/* IKE SA encryption of a proposal */
enum v2_enc { V2E_CBC128 = 1, V2E_CBC192, V2E_CBC256, V2E_GCM128, V2E_GCM256 };
/* integrity and PRF hashes */
enum v2_hash { V2H_SHA1 = 1, V2H_SHA256, V2H_SHA384, V2H_SHA512 };

#define V2_MAX_ALG	8

struct v2prop {
	char name[NAME_LEN];
	int enc[V2_MAX_ALG], nenc;
	int integ[V2_MAX_ALG], ninteg;
	int prf[V2_MAX_ALG], nprf;
	int group[V2_MAX_ALG], ngroup;
};

struct v2policy {
	char name[NAME_LEN];
	char props[V2_MAX_ALG][NAME_LEN];
	int nprops;
	uint32_t local[V2_MAX_ALG];	/* match address local; none = any */
	int nlocal;
};

struct v2peer {
	char keyring[NAME_LEN];
	char name[NAME_LEN];
	uint32_t addr, mask;		/* network order */
	char psk[128];
};

struct v2profile {
	char name[NAME_LEN];
	uint32_t rid_addr, rid_mask;	/* match identity remote address */
	bool has_rid;
	char keyring[NAME_LEN];
	uint32_t life;			/* IKE SA lifetime, s */
	uint32_t dpd, dpd_retry;	/* dpd INTERVAL RETRY: liveness, s */
};

struct v2map {				/* set ikev2-profile on an entry */
	char map[NAME_LEN];
	uint32_t seq;
	char profile[NAME_LEN];
};

struct v2conf {
	struct v2prop prop[16];
	int nprop;
	struct v2policy pol[16];
	int npol;
	struct v2peer peer[64];
	int npeer;
	struct v2profile prof[32];
	int nprof;
	struct v2map map[64];
	int nmap;
	int cookie_challenge;		/* half-open SAs before cookies, -1 off */
};

extern struct v2conf v2conf;

int ikev2_conf_load(const char *file);
const struct v2profile *v2_profile_of(const char *map, uint32_t seq);
const struct v2profile *v2_profile_named(const char *name);
/* the proposals that apply to our address (policies, else the default) */
int v2_proposals(uint32_t local, const struct v2prop **out, int max);
const char *v2_psk(const struct v2profile *pr, uint32_t peer);
const char *v2_enc_name(int enc);
const char *v2_hash_name(int h);
int v2_enc_keybits(int enc);
bool v2_enc_aead(int enc);

/* ---- ikev2_crypto.c: OpenSSL ----------------------------------------- */

struct v2dh;
struct v2dh *v2dh_new(int group);		/* MODP 1/2/5/14/15/16, ECP 19/20 */
void v2dh_free(struct v2dh *d);
int v2dh_public(struct v2dh *d, struct buf *out);	/* KE payload data */
int v2dh_shared(struct v2dh *d, const uint8_t *peer, size_t len,
		struct buf *out);
bool v2dh_group_ok(int group);

size_t v2_hash_len(int h);
int v2_prf(int h, const struct buf *key, const struct buf *data,
	   struct buf *out);
int v2_prf_plus(int h, const struct buf *key, const struct buf *seed,
		size_t len, struct buf *out);
size_t v2_integ_trunc(int h);			/* ICV length */
/* encrypts/decrypts the SK payload: CBC+HMAC or GCM (RFC 5282) */
int v2_sk_seal(int enc, int integ, const struct buf *ek, const struct buf *ak,
	       struct buf *msg, size_t sk_start, const struct buf *plain);
int v2_sk_open(int enc, int integ, const struct buf *ek, const struct buf *ak,
	       const uint8_t *msg, size_t len, size_t sk_start,
	       struct buf *plain);

/* ---- ikev2.c: the exchanges ----------------------------------------- */

void ikev2_input(const uint8_t *pkt, size_t len, uint32_t src, uint16_t sport,
		 uint32_t dst);
/* an IKEv2 entry: the ACQUIRE, ctl initiate, rekey paths of ike.c */
int ikev2_initiate(const char *map, uint32_t seq, uint32_t peer,
		   const struct ace *sel, bool force, const char **why);
/* EXPIRE of a Child SA we negotiated; false: not ours */
bool ikev2_child_expired(const char *map, uint32_t seq, uint32_t spi,
			 bool hard);
/*
 * restart: a pair found in the module for an IKEv2 entry (knl_relearn),
 * with its IPComp CPIs (0: none)
 */
void ikev2_relearn(const char *map, uint32_t seq, uint32_t peer,
		   uint32_t spi_in, uint32_t spi_out, uint16_t cpi_in,
		   uint16_t cpi_out, const char *tset, uint32_t life_left);
void ikev2_relearn_connect(void);
void ikev2_timers(double now);
void ikev2_delete_all(void);
int ikev2_delete(uint32_t id);		/* 0: all; -1: no IKE SA with that id */
void show_ikev2_sa(struct buf *out, bool detail);

#endif
