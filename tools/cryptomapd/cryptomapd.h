/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomapd: IKEv1 (RFC 2407/2408/2409) keying daemon for cryptomap.
 * Declarations shared by its files, one section per file.
 */
#ifndef CRYPTOMAPD_H
#define CRYPTOMAPD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../cryptomap/model.h"

/* ---- util.c: buffers, logging, time --------------------------------- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

void buf_add(struct buf *b, const void *d, size_t n);
void buf_add8(struct buf *b, uint8_t v);
void buf_add16(struct buf *b, uint16_t v);	/* big endian */
void buf_add32(struct buf *b, uint32_t v);
void buf_addb(struct buf *b, const struct buf *o);
void buf_set(struct buf *b, const void *d, size_t n);
void buf_free(struct buf *b);			/* wipes */
void *xzalloc(size_t n);
void bprintf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum { LOG_ERR_ = 3, LOG_WARN_ = 4, LOG_INFO_ = 6, LOG_DBG_ = 7 };
extern int log_level;
void logm(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...)	logm(LOG_ERR_, __VA_ARGS__)
#define log_warn(...)	logm(LOG_WARN_, __VA_ARGS__)
#define log_info(...)	logm(LOG_INFO_, __VA_ARGS__)
#define log_dbg(...)	logm(LOG_DBG_, __VA_ARGS__)
double now_s(void);				/* CLOCK_MONOTONIC */
const char *ipstr(uint32_t be);			/* rotating static buffers */

/* ---- crypto.c: OpenSSL wrappers -------------------------------------- */

enum p1_enc { ENC_DES = 1, ENC_3DES = 5, ENC_AES = 7 };		/* RFC 2409 */
enum p1_hash { HASH_MD5 = 1, HASH_SHA = 2, HASH_SHA256 = 4 };

int crypto_init(void);
int rand_bytes(void *p, size_t n);
size_t hash_len(int hash);
int prf(int hash, const struct buf *key, const struct buf *data,
	struct buf *out);
int hash_data(int hash, const struct buf *data, struct buf *out);
size_t cipher_block(int enc);
size_t cipher_keylen(int enc, int keybits);	/* bytes */
/* CBC, no padding; iv updated to the last ciphertext block */
int cipher_run(int enc, const struct buf *key, struct buf *iv,
	       uint8_t *data, size_t len, bool encrypt);

struct dh;
bool dh_group_ok(int group);
int dh_group_bits(int group);
struct dh *dh_new(int group);			/* generates a key pair */
void dh_free(struct dh *d);
int dh_public(struct dh *d, struct buf *out);	/* padded to the prime */
int dh_shared(struct dh *d, const uint8_t *peer, size_t len, struct buf *out);

/* ---- isakmp.c: wire format ------------------------------------------- */

#define ISAKMP_HDR_LEN	28
#define ISAKMP_MAX_LEN	8192

enum { EXCH_MAIN = 2, EXCH_AGGR = 4, EXCH_INFO = 5, EXCH_QUICK = 32 };
enum { FLAG_ENC = 1, FLAG_COMMIT = 2, FLAG_AUTH = 4 };
enum {
	PL_NONE = 0, PL_SA = 1, PL_P = 2, PL_T = 3, PL_KE = 4, PL_ID = 5,
	PL_CERT = 6, PL_CR = 7, PL_HASH = 8, PL_SIG = 9, PL_NONCE = 10,
	PL_N = 11, PL_D = 12, PL_VID = 13,
};
enum { PROTO_ISAKMP = 1, PROTO_AH = 2, PROTO_ESP = 3, PROTO_IPCOMP = 4 };
enum { ID_IPV4_ADDR = 1, ID_IPV4_ADDR_SUBNET = 4, ID_IPV4_ADDR_RANGE = 7 };
enum {
	N_INVALID_PAYLOAD_TYPE = 1, N_INVALID_SPI = 11,
	N_NO_PROPOSAL_CHOSEN = 14, N_PAYLOAD_MALFORMED = 16,
	N_INVALID_KEY_INFORMATION = 17, N_INVALID_ID_INFORMATION = 18,
	N_INVALID_HASH_INFORMATION = 23, N_AUTHENTICATION_FAILED = 24,
	N_RESPONDER_LIFETIME = 24576, N_INITIAL_CONTACT = 24578,
	N_DPD_R_U_THERE = 36136, N_DPD_R_U_THERE_ACK = 36137,
};

struct pl {
	uint8_t type;
	const uint8_t *raw;	/* generic header included */
	size_t rawlen;
	const uint8_t *body;	/* after the generic header */
	size_t len;
};

#define MSG_MAX_PL	24

struct msg {
	uint8_t icky[8], rcky[8];
	uint8_t np, exch, flags;
	uint32_t msgid;		/* host order */
	const uint8_t *pkt;
	size_t len;
	struct pl pl[MSG_MAX_PL];
	int n;
};

/* header checks; 0 or -1 with *why set */
int msg_parse_hdr(const uint8_t *pkt, size_t len, struct msg *m,
		  const char **why);
/* payload chain after the header; trailing bytes allowed if padding */
int msg_parse_payloads(struct msg *m, uint8_t np, const uint8_t *p,
		       size_t len, bool padded, const char **why);
const struct pl *msg_find(const struct msg *m, uint8_t type, int nth);

/* SA payload contents */
struct tattr {			/* decoded SA attributes of one transform */
	int enc, hash, auth, group, keylen, encap, authalg;
	uint32_t life_sec, life_kb;
	bool unknown;		/* an attribute we do not know */
};

struct trans {
	uint8_t num, id;
	struct tattr a;
	const uint8_t *raw;	/* the whole transform payload */
	size_t rawlen;
};

#define MAX_TRANS	16

struct prop {
	uint8_t num, proto, spisize;
	uint8_t spi[16];
	int ntrans;
	struct trans t[MAX_TRANS];
};

#define MAX_PROPS	16

struct sa_pl {
	uint32_t doi, sit;
	int nprops;
	struct prop p[MAX_PROPS];
};

int sa_parse(const uint8_t *body, size_t len, struct sa_pl *sa,
	     const char **why);

/* message builder */
struct mb {
	struct buf b;
	size_t np_off;		/* where the next payload type is written */
};

void mb_init(struct mb *m, const uint8_t *icky, const uint8_t *rcky,
	     uint8_t exch, uint8_t flags, uint32_t msgid);
size_t mb_begin(struct mb *m, uint8_t type);	/* returns the start */
void mb_end(struct mb *m, size_t start);
void mb_finish(struct mb *m);			/* header length */
/* one attribute: TV if it fits 16 bits and basic is allowed, else TLV */
void attr_add(struct buf *b, uint16_t type, uint32_t v);

/* ---- config.c: Phase 1 settings and the crypto map entries ------------- */

struct policy {
	uint32_t prio;
	int enc, keybits, hash, auth, group;
	uint32_t life;
};

struct psk {
	uint32_t addr, mask;	/* network order */
	char key[128];
};

struct ikeconf {
	struct policy pol[32];
	int npol;
	struct psk keys[64];
	int nkeys;
	uint32_t dpd_interval, dpd_retry;	/* 0: no keepalive */
	bool dpd_periodic;
	struct config cm;	/* the crypto maps, ACLs, transform sets */
	bool have_cm;
};

int conf_load_isakmp(const char *file, struct ikeconf *c);
int conf_load_maps_file(const char *file, struct ikeconf *c);
int conf_load_maps_kernel(struct ikeconf *c);
const struct psk *conf_psk(const struct ikeconf *c, uint32_t peer);
void conf_free(struct ikeconf *c);
const struct acl *conf_acl(const struct config *c, const char *name);
const struct tset *conf_tset(const struct config *c, const char *name);
void show_isakmp_policy(const struct ikeconf *c, struct buf *out);

/* ---- ike.c: IKE SAs and Main Mode; quick.c: Quick Mode ---------------- */

enum p1_state {
	MM_NO_STATE, MM_SA_SETUP, MM_KEY_EXCH, MM_KEY_AUTH, QM_IDLE,
	P1_DEAD,
};

struct child;
struct qm;

struct ike_sa {
	struct ike_sa *next;
	uint32_t conn_id;
	uint8_t icky[8], rcky[8];
	bool initiator;
	uint32_t local, peer;		/* network order */
	enum p1_state state;
	bool deleted;
	const char *fail;		/* why it failed, for show and logs */
	struct policy pol;		/* the chosen policy */
	char psk[128];
	struct dh *dh;
	struct buf gxi, gxr, ni, nr, sai_b, idi_b;
	struct buf skeyid, skeyid_d, skeyid_a, skeyid_e, ekey;
	struct buf iv;			/* Phase 1 CBC chain */
	struct buf last_out;		/* for retransmission */
	struct buf last_in;		/* duplicate detection */
	double next_retx, created, expires, last_heard;
	double rekey_at;		/* Phase 1 rekey: a new Main Mode */
	uint32_t replaces;		/* conn-id this one rekeys */
	bool replaced;			/* a newer ISAKMP SA took over */
	double delete_at;		/* replaced: our Delete goes out then */
	int retx;
	bool peer_dpd;
	uint32_t dpd_seq;
	double dpd_next;
	int dpd_missed;
	/* entries waiting for Phase 1 */
	struct {
		char map[NAME_LEN];
		uint32_t seq;
		struct ace sel;
		bool has_sel;
		int hops;		/* peers tried (failover) */
	} wait[8];
	int nwait;
};

struct ike_ctx {
	int fd;				/* UDP 500 */
	struct ikeconf *conf;
	struct ike_sa *sas;
	struct qm *qms;
	struct child *children;
	uint32_t next_conn_id;
	bool have_kernel;		/* SA operations available */
	double retx_base;		/* first retransmission, s (doubles) */
	uint32_t v2_life;		/* -L: IKEv2 SA lifetime, s (testing) */
};

extern struct ike_ctx ike;

void ike_input(const uint8_t *pkt, size_t len, uint32_t src, uint16_t sport,
	       uint32_t dst);
void ike_timers(double now);
uint32_t local_addr_for(uint32_t peer);
double ike_next_timer(void);
/* start Phase 1 (if needed) and Quick Mode for a crypto map entry */
int ike_initiate(const char *map, uint32_t seq, const char **why);
/* from an ACQUIRE: the peer and the ACL line (selector) it names */
int ike_initiate_acq(const char *map, uint32_t seq, uint32_t peer,
		     const struct ace *sel, const char **why);
struct ike_sa *ike_find_established(uint32_t peer);
void ike_send(struct ike_sa *sa, const struct buf *pkt, bool keep);
void ike_delete_all(void);
/* clear crypto isakmp CONN-ID: -1 if there is no such ISAKMP SA */
int ike_delete_conn(uint32_t conn_id);
/* a Main Mode alone (no Quick Mode waits), unless one is up or running */
int ike_connect(uint32_t peer);
/* start-up: the module's keyed pairs re-learned, Phase 1 to their peers */
void ike_relearn(void);
void show_isakmp_sa(struct buf *out);
void show_isakmp_detail(struct buf *out);
int ike_encrypt_msg(struct ike_sa *sa, struct mb *m, struct buf *iv);
int ike_decrypt_msg(struct ike_sa *sa, struct msg *m, struct buf *iv,
		    struct buf *plain);
void ike_phase2_iv(struct ike_sa *sa, uint32_t msgid, struct buf *iv);
void ike_send_info(struct ike_sa *sa, uint16_t ntype, uint8_t proto,
		   const uint8_t *spi, size_t spisize, const uint8_t *data,
		   size_t dlen);
void ike_free(struct ike_sa *sa);
void ike_send_delete(struct ike_sa *sa, uint8_t proto, const uint8_t *spi,
		     size_t spisize);

/* quick.c */
struct child {
	struct child *next;
	char map[NAME_LEN];
	uint32_t seq;
	uint32_t peer, local;
	uint8_t proto;			/* PROTO_ESP / PROTO_AH */
	uint32_t spi_in, spi_out;
	char tset[NAME_LEN];
	int group;			/* pfs */
	uint32_t life_sec, life_kb;
	double created, expires, rekey_at;
	bool installed;
	bool standby;			/* installed, outbound not used yet */
	double activate_at;		/* initiator: a moment after QM3 */
	bool relearned;			/* found in the module at start-up */
	uint32_t conn_id;
};

int qm_initiate(struct ike_sa *sa, const char *map, uint32_t seq,
		const struct ace *sel);
void qm_input(struct ike_sa *sa, struct msg *m);
void qm_timers(double now);
void qm_drop_ike(struct ike_sa *sa);
void info_input(struct ike_sa *sa, struct msg *m);
void show_children(struct buf *out);
void child_forget(struct child *ch);
void child_forget_kernel(struct child *ch);
bool qm_busy(const char *map, uint32_t seq, bool running_only);
void child_expired(const char *map, uint32_t seq, uint32_t spi, bool hard);
bool peer_has_children(uint32_t peer);
/* a pair found in the module at start-up (restart re-learn) */
void child_relearn(const char *map, uint32_t seq, uint32_t peer, uint8_t proto,
		   uint32_t spi_in, uint32_t spi_out, const char *tset,
		   uint32_t life_left);

/* ---- kernel.c: cryptomap generic netlink ----------------------------- */

struct sa_key {
	uint8_t ipproto;		/* IPPROTO_ESP / IPPROTO_AH */
	uint8_t dir;			/* CRYPTOMAP_DIR_IN / _OUT */
	uint32_t spi;
	const uint8_t *ck, *ak;		/* cipher (+ salt), authenticator */
	size_t cl, al;
};

struct sa_install {
	char map[NAME_LEN];
	uint32_t seq;
	uint32_t peer;
	const char *tset;
	struct sa_key keys[4];
	int nkeys;
	uint32_t life_sec, life_kb;
	bool standby;			/* inbound only until activated */
	bool esn;			/* extended sequence numbers (IKEv2) */
};

int knl_open(void);
int knl_event_fd(void);
void knl_event_input(void);
int knl_spi_alloc(const char *map, uint32_t seq, uint32_t peer, uint8_t proto,
		  uint32_t *spi);
int knl_sa_install(const struct sa_install *si);
int knl_sa_delete(const char *map, uint32_t seq, uint32_t peer, uint8_t proto,
		  uint32_t spi);
int knl_peer_set(const char *map, uint32_t seq, uint32_t peer);
int knl_sa_activate(uint8_t ipproto, uint32_t spi_in);
int knl_sa_complete(uint8_t ipproto, uint32_t spi_in, uint32_t spi_out,
		    uint16_t cpi_out);
bool knl_available(void);
/* SA_GET dump: re-learns the keyed pairs (child_relearn); pairs found */
int knl_relearn(void);

/* ---- ctl.c: control socket ------------------------------------------- */

int ctl_open(void);
void ctl_input(int fd);
int ctl_client(int argc, char **argv);
int reload_config(void);			/* main.c */
void reload_maps(void);			/* from the module, unless offline */
extern bool log_syslog;

#endif
