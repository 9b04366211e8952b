/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * cryptomap: the generic netlink contract between the cryptomap kernel
 * module and its userspace tools.
 *
 * The family is described in Documentation/netlink/specs/cryptomap.yaml;
 * selftests/spec_check.py verifies that this header and the spec agree.
 *
 * Objects are named as in a Cisco IOS running-config and are kept per
 * network namespace:
 *
 *   ACL        extended access list, numbered ("100") or named
 *   TSET       crypto ipsec transform-set
 *   MAP        crypto map (its local-address)
 *   ENTRY      crypto map NAME SEQ entry
 *   GLOBAL     crypto ipsec security-association defaults, df-bit
 *   BIND       interface IF / crypto map NAME
 *   SA         a security association (read and cleared only here)
 *
 * Every SET command replaces the whole object it names (creating it when
 * it does not exist).  ACL_SET with NLM_F_APPEND appends entries to an
 * existing ACL instead, so that very long ACLs can be sent in several
 * messages.  References between objects are by name and are resolved
 * when the configuration is compiled: a crypto map entry may name an ACL
 * or transform set that does not exist (yet); it then stays inactive, as
 * in IOS.
 */
#ifndef _UAPI_LINUX_CRYPTOMAP_H
#define _UAPI_LINUX_CRYPTOMAP_H

#define CRYPTOMAP_GENL_NAME		"cryptomap"
#define CRYPTOMAP_GENL_VERSION		1
#define CRYPTOMAP_MCGRP_EVENTS		"events"

#define CRYPTOMAP_NAME_MAX		64	/* including the NUL */
#define CRYPTOMAP_MAX_TSETS		6	/* set transform-set, per entry */
#define CRYPTOMAP_MAX_PEERS		16	/* set peer, per entry */
#define CRYPTOMAP_KEY_MAX		64	/* bytes of one session key */

enum cryptomap_cmd {
	CRYPTOMAP_CMD_UNSPEC,

	CRYPTOMAP_CMD_ACL_GET,		/* do (by name) or dump */
	CRYPTOMAP_CMD_ACL_SET,		/* create or replace; NLM_F_APPEND */
	CRYPTOMAP_CMD_ACL_DEL,

	CRYPTOMAP_CMD_TSET_GET,
	CRYPTOMAP_CMD_TSET_SET,
	CRYPTOMAP_CMD_TSET_DEL,

	CRYPTOMAP_CMD_MAP_GET,		/* map-level settings */
	CRYPTOMAP_CMD_MAP_SET,
	CRYPTOMAP_CMD_MAP_DEL,		/* the map with all its entries */

	CRYPTOMAP_CMD_ENTRY_GET,	/* do (map + seq) or dump */
	CRYPTOMAP_CMD_ENTRY_SET,
	CRYPTOMAP_CMD_ENTRY_DEL,

	CRYPTOMAP_CMD_GLOBAL_GET,
	CRYPTOMAP_CMD_GLOBAL_SET,	/* only the attributes present change */

	CRYPTOMAP_CMD_BIND_GET,
	CRYPTOMAP_CMD_BIND_SET,
	CRYPTOMAP_CMD_BIND_DEL,

	CRYPTOMAP_CMD_SA_GET,		/* dump: SAs with their counters */
	CRYPTOMAP_CMD_SA_CLEAR,		/* clear crypto sa [...] */

	CRYPTOMAP_CMD_STATS_GET,	/* per-netns drop counters */

	/* Added for a keying daemon (ipsec-isakmp entries). */
	CRYPTOMAP_CMD_SPI_ALLOC,	/* reserve an unused inbound SPI */
	CRYPTOMAP_CMD_SA_ADD,		/* install an SA pair for an entry */
	CRYPTOMAP_CMD_SA_UPDATE,	/* activate, lifetimes, outbound SPI */
	CRYPTOMAP_CMD_SA_DEL,		/* delete keyed SAs */
	CRYPTOMAP_CMD_PEER_SET,		/* switch an entry's current peer */
	CRYPTOMAP_CMD_ACQUIRE,		/* event: traffic needs an SA */
	CRYPTOMAP_CMD_EXPIRE,		/* event: soft or hard lifetime reached */
	CRYPTOMAP_CMD_INVALID_SPI,	/* event: ESP for an unknown SPI */

	/*
	 * Added: a configuration transaction.  Changes made by the socket
	 * that sent CONFIG_BEGIN are compiled once, at CONFIG_COMMIT; until
	 * then the data path keeps the policy of before.  CONFIG_ABORT, or
	 * closing the socket, puts the configuration back as it was at
	 * CONFIG_BEGIN.  No attributes.
	 */
	CRYPTOMAP_CMD_CONFIG_BEGIN,
	CRYPTOMAP_CMD_CONFIG_COMMIT,
	CRYPTOMAP_CMD_CONFIG_ABORT,

	__CRYPTOMAP_CMD_MAX,
};
#define CRYPTOMAP_CMD_MAX (__CRYPTOMAP_CMD_MAX - 1)

/* ---- access lists ---------------------------------------------------- */

enum cryptomap_ace_action {
	CRYPTOMAP_ACE_PERMIT = 1,
	CRYPTOMAP_ACE_DENY = 2,
};

enum cryptomap_port_op {
	CRYPTOMAP_PORT_ANY = 0,		/* no port match */
	CRYPTOMAP_PORT_EQ,
	CRYPTOMAP_PORT_NEQ,
	CRYPTOMAP_PORT_LT,
	CRYPTOMAP_PORT_GT,
	CRYPTOMAP_PORT_RANGE,		/* lo <= port <= hi */
};

enum cryptomap_acl_attrs {
	CRYPTOMAP_ACL_A_UNSPEC,
	CRYPTOMAP_ACL_A_NAME,		/* string: "100", "VPN-TRAFFIC" */
	CRYPTOMAP_ACL_A_ENTRIES,	/* nest of CRYPTOMAP_ACL_A_ENTRY */
	CRYPTOMAP_ACL_A_ENTRY,		/* nest: enum cryptomap_ace_attrs */
	__CRYPTOMAP_ACL_A_MAX,
};
#define CRYPTOMAP_ACL_A_MAX (__CRYPTOMAP_ACL_A_MAX - 1)

/*
 * One access control entry.  Addresses and wildcards are in network
 * byte order; a wildcard bit set means "don't care" (any = 0.0.0.0
 * 255.255.255.255, host A = A 0.0.0.0).  Non-contiguous wildcards are
 * allowed.  No PROTO attribute means "ip" (any protocol).
 */
enum cryptomap_ace_attrs {
	CRYPTOMAP_ACE_A_UNSPEC,
	CRYPTOMAP_ACE_A_SEQ,		/* u32, 1..2147483647 */
	CRYPTOMAP_ACE_A_ACTION,		/* u8, enum cryptomap_ace_action */
	CRYPTOMAP_ACE_A_PROTO,		/* u8, IP protocol number */
	CRYPTOMAP_ACE_A_SRC_ADDR,	/* be32 */
	CRYPTOMAP_ACE_A_SRC_WILD,	/* be32 */
	CRYPTOMAP_ACE_A_DST_ADDR,	/* be32 */
	CRYPTOMAP_ACE_A_DST_WILD,	/* be32 */
	CRYPTOMAP_ACE_A_SPORT_OP,	/* u8, enum cryptomap_port_op */
	CRYPTOMAP_ACE_A_SPORT_LO,	/* u16 */
	CRYPTOMAP_ACE_A_SPORT_HI,	/* u16 (RANGE only) */
	CRYPTOMAP_ACE_A_DPORT_OP,	/* u8, enum cryptomap_port_op */
	CRYPTOMAP_ACE_A_DPORT_LO,	/* u16 */
	CRYPTOMAP_ACE_A_DPORT_HI,	/* u16 (RANGE only) */
	__CRYPTOMAP_ACE_A_MAX,
};
#define CRYPTOMAP_ACE_A_MAX (__CRYPTOMAP_ACE_A_MAX - 1)

/* ---- transform sets ---------------------------------------------------- */

enum cryptomap_ah_auth {		/* AH integrity section */
	CRYPTOMAP_AH_NONE = 0,
	CRYPTOMAP_AH_MD5_HMAC,		/* ah-md5-hmac */
	CRYPTOMAP_AH_SHA_HMAC,		/* ah-sha-hmac */
	CRYPTOMAP_AH_SHA256_HMAC,	/* ah-sha256-hmac */
	CRYPTOMAP_AH_SHA384_HMAC,	/* ah-sha384-hmac */
	CRYPTOMAP_AH_SHA512_HMAC,	/* ah-sha512-hmac */
	__CRYPTOMAP_AH_MAX,
};

enum cryptomap_esp_enc {		/* ESP encryption section */
	CRYPTOMAP_ENC_NONE = 0,		/* no ESP encryption transform */
	CRYPTOMAP_ENC_NULL,		/* esp-null */
	CRYPTOMAP_ENC_DES,		/* esp-des */
	CRYPTOMAP_ENC_3DES,		/* esp-3des */
	CRYPTOMAP_ENC_AES,		/* esp-aes [128|192|256] */
	CRYPTOMAP_ENC_GCM,		/* esp-gcm [128|192|256] */
	CRYPTOMAP_ENC_GMAC,		/* esp-gmac [128|192|256] */
	__CRYPTOMAP_ENC_MAX,
};

enum cryptomap_esp_auth {		/* ESP integrity section */
	CRYPTOMAP_EAUTH_NONE = 0,
	CRYPTOMAP_EAUTH_MD5_HMAC,	/* esp-md5-hmac */
	CRYPTOMAP_EAUTH_SHA_HMAC,	/* esp-sha-hmac */
	CRYPTOMAP_EAUTH_SHA256_HMAC,	/* esp-sha256-hmac */
	CRYPTOMAP_EAUTH_SHA384_HMAC,	/* esp-sha384-hmac */
	CRYPTOMAP_EAUTH_SHA512_HMAC,	/* esp-sha512-hmac */
	__CRYPTOMAP_EAUTH_MAX,
};

enum cryptomap_comp {			/* compression section */
	CRYPTOMAP_COMP_NONE = 0,
	CRYPTOMAP_COMP_LZS,		/* comp-lzs */
	CRYPTOMAP_COMP_DEFLATE,		/* comp-deflate */
	__CRYPTOMAP_COMP_MAX,
};

enum cryptomap_mode {
	CRYPTOMAP_MODE_TUNNEL = 1,	/* the default */
	CRYPTOMAP_MODE_TRANSPORT = 2,
};

enum cryptomap_tset_attrs {
	CRYPTOMAP_TSET_A_UNSPEC,
	CRYPTOMAP_TSET_A_NAME,		/* string */
	CRYPTOMAP_TSET_A_AH,		/* u8, enum cryptomap_ah_auth */
	CRYPTOMAP_TSET_A_ESP_ENC,	/* u8, enum cryptomap_esp_enc */
	CRYPTOMAP_TSET_A_ESP_KEYBITS,	/* u16: 128, 192 or 256 (aes/gcm/gmac) */
	CRYPTOMAP_TSET_A_ESP_AUTH,	/* u8, enum cryptomap_esp_auth */
	CRYPTOMAP_TSET_A_COMP,		/* u8, enum cryptomap_comp */
	CRYPTOMAP_TSET_A_MODE,		/* u8, enum cryptomap_mode */
	__CRYPTOMAP_TSET_A_MAX,
};
#define CRYPTOMAP_TSET_A_MAX (__CRYPTOMAP_TSET_A_MAX - 1)

/* ---- crypto maps and their entries ----------------------------------- */

enum cryptomap_map_attrs {
	CRYPTOMAP_MAP_A_UNSPEC,
	CRYPTOMAP_MAP_A_NAME,		/* string */
	CRYPTOMAP_MAP_A_LOCAL_IFNAME,	/* string: local-address IF; "" = none */
	__CRYPTOMAP_MAP_A_MAX,
};
#define CRYPTOMAP_MAP_A_MAX (__CRYPTOMAP_MAP_A_MAX - 1)

enum cryptomap_entry_type {
	CRYPTOMAP_TYPE_ISAKMP = 1,	/* ipsec-isakmp */
	CRYPTOMAP_TYPE_MANUAL = 2,	/* ipsec-manual */
};

enum cryptomap_replay_mode {
	CRYPTOMAP_REPLAY_INHERIT = 0,	/* the global setting */
	CRYPTOMAP_REPLAY_WINDOW,	/* window-size N */
	CRYPTOMAP_REPLAY_DISABLE,	/* replay disable */
};

enum cryptomap_dir {
	CRYPTOMAP_DIR_IN = 1,
	CRYPTOMAP_DIR_OUT = 2,
};

/* Why an entry is not active (CRYPTOMAP_ENTRY_A_INACTIVE, read only). */
enum cryptomap_inactive {
	CRYPTOMAP_INACTIVE_NONE = 0,	/* active */
	CRYPTOMAP_INACTIVE_NO_PEER,
	CRYPTOMAP_INACTIVE_NO_ACL,	/* no match address, or no such ACL */
	CRYPTOMAP_INACTIVE_NO_TSET,	/* none, or none of them exists */
	CRYPTOMAP_INACTIVE_NO_KEYS,	/* ipsec-manual without session keys */
	CRYPTOMAP_INACTIVE_MANUAL_ACL,	/* ipsec-manual: ACL must hold one permit */
};

enum cryptomap_entry_attrs {
	CRYPTOMAP_ENTRY_A_UNSPEC,
	CRYPTOMAP_ENTRY_A_MAP,		/* string */
	CRYPTOMAP_ENTRY_A_SEQ,		/* u32, 1..65535 */
	CRYPTOMAP_ENTRY_A_TYPE,		/* u8, enum cryptomap_entry_type */
	CRYPTOMAP_ENTRY_A_ACL,		/* string: match address */
	CRYPTOMAP_ENTRY_A_PEERS,	/* nest of CRYPTOMAP_ENTRY_A_PEER */
	CRYPTOMAP_ENTRY_A_PEER,		/* be32, in failover order */
	CRYPTOMAP_ENTRY_A_TSETS,	/* nest of CRYPTOMAP_ENTRY_A_TSET */
	CRYPTOMAP_ENTRY_A_TSET,		/* string, in order, at most 6 */
	CRYPTOMAP_ENTRY_A_PFS,		/* u8: DH group, 0 = no pfs */
	CRYPTOMAP_ENTRY_A_LIFE_SEC,	/* u32, 120..86400; absent = global */
	CRYPTOMAP_ENTRY_A_LIFE_KB,	/* u32, 2560..536870912; absent = global */
	CRYPTOMAP_ENTRY_A_REPLAY_MODE,	/* u8, enum cryptomap_replay_mode */
	CRYPTOMAP_ENTRY_A_REPLAY_WINDOW, /* u32: 64..1024, a power of two */
	CRYPTOMAP_ENTRY_A_IDLE_TIME,	/* u32, 60..86400; absent = global */
	CRYPTOMAP_ENTRY_A_KEYS,		/* nest of CRYPTOMAP_ENTRY_A_KEY */
	CRYPTOMAP_ENTRY_A_KEY,		/* nest: enum cryptomap_key_attrs */
	CRYPTOMAP_ENTRY_A_INACTIVE,	/* u8, enum cryptomap_inactive (read) */
	CRYPTOMAP_ENTRY_A_CURRENT_PEER,	/* be32 (read) */
	CRYPTOMAP_ENTRY_A_ESN,		/* flag: ipsec-manual SAs use ESN */
	__CRYPTOMAP_ENTRY_A_MAX,
};
#define CRYPTOMAP_ENTRY_A_MAX (__CRYPTOMAP_ENTRY_A_MAX - 1)

/*
 * set session-key {inbound|outbound} {esp|ah} SPI ...  (ipsec-manual).
 * CIPHER and AUTH are write only: a dump returns DIR, PROTO and SPI and
 * the lengths of the keys it holds, never the keys.
 * In CRYPTOMAP_CMD_SA_ADD, PROTO may also be IPPROTO_COMP: SPI is then the
 * CPI of that direction's IPComp SA (256..65535, RFC 3173), without
 * CIPHER or AUTH, for a transform set with compression; inbound and
 * outbound come together.  Without them each CPI is the low 16 bits of
 * the direction's ESP (else AH) SPI.
 * In CRYPTOMAP_CMD_SA_UPDATE, outbound keys without CIPHER or AUTH give a
 * standby pair that has never sent its outbound SPIs (or CPI): the
 * peer's, learned after the pair was added.
 */
enum cryptomap_key_attrs {
	CRYPTOMAP_KEY_A_UNSPEC,
	CRYPTOMAP_KEY_A_DIR,		/* u8, enum cryptomap_dir */
	CRYPTOMAP_KEY_A_PROTO,		/* u8: IPPROTO_ESP, IPPROTO_AH (SA_ADD: or IPPROTO_COMP) */
	CRYPTOMAP_KEY_A_SPI,		/* u32 (host order), 256..4294967295; a CPI: ..65535 */
	CRYPTOMAP_KEY_A_CIPHER,		/* binary, ESP cipher key (+ salt) */
	CRYPTOMAP_KEY_A_AUTH,		/* binary, ESP authenticator / AH key */
	CRYPTOMAP_KEY_A_CIPHER_LEN,	/* u16 (read) */
	CRYPTOMAP_KEY_A_AUTH_LEN,	/* u16 (read) */
	__CRYPTOMAP_KEY_A_MAX,
};
#define CRYPTOMAP_KEY_A_MAX (__CRYPTOMAP_KEY_A_MAX - 1)

/* ---- global settings ------------------------------------------------- */

enum cryptomap_df_bit {
	CRYPTOMAP_DF_COPY = 0,		/* the default */
	CRYPTOMAP_DF_CLEAR,
	CRYPTOMAP_DF_SET,
};

enum cryptomap_frag {
	CRYPTOMAP_FRAG_BEFORE = 0,	/* before-encryption, the default */
	CRYPTOMAP_FRAG_AFTER,		/* after-encryption */
};

enum cryptomap_global_attrs {
	CRYPTOMAP_GLOBAL_A_UNSPEC,
	CRYPTOMAP_GLOBAL_A_LIFE_SEC,	/* u32, 120..86400, default 3600 */
	CRYPTOMAP_GLOBAL_A_LIFE_KB,	/* u32, 2560..536870912, default 4608000 */
	CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW, /* u32, default 64 */
	CRYPTOMAP_GLOBAL_A_REPLAY_DISABLE, /* u8, 0/1, default 0 */
	CRYPTOMAP_GLOBAL_A_IDLE_TIME,	/* u32, 0 = off, else 60..86400 */
	CRYPTOMAP_GLOBAL_A_DF_BIT,	/* u8, enum cryptomap_df_bit */
	CRYPTOMAP_GLOBAL_A_FRAG,	/* u8, enum cryptomap_frag */
	__CRYPTOMAP_GLOBAL_A_MAX,
};
#define CRYPTOMAP_GLOBAL_A_MAX (__CRYPTOMAP_GLOBAL_A_MAX - 1)

/* ---- interface bindings ---------------------------------------------- */

/* Exactly one of IFINDEX or IFNAME names the interface. */
enum cryptomap_bind_attrs {
	CRYPTOMAP_BIND_A_UNSPEC,
	CRYPTOMAP_BIND_A_IFINDEX,	/* u32 */
	CRYPTOMAP_BIND_A_IFNAME,	/* string */
	CRYPTOMAP_BIND_A_MAP,		/* string */
	__CRYPTOMAP_BIND_A_MAX,
};
#define CRYPTOMAP_BIND_A_MAX (__CRYPTOMAP_BIND_A_MAX - 1)

/* ---- security associations ------------------------------------------- */

enum cryptomap_sa_status {
	CRYPTOMAP_SA_ACTIVE = 1,
	CRYPTOMAP_SA_STANDBY,		/* installed, not yet used for output */
	CRYPTOMAP_SA_EXPIRED,
};

enum cryptomap_sa_attrs {
	CRYPTOMAP_SA_A_UNSPEC,
	CRYPTOMAP_SA_A_MAP,		/* string */
	CRYPTOMAP_SA_A_SEQ,		/* u32: the crypto map entry */
	CRYPTOMAP_SA_A_DIR,		/* u8, enum cryptomap_dir */
	CRYPTOMAP_SA_A_PROTO,		/* u8: IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP */
	CRYPTOMAP_SA_A_SPI,		/* u32 (host order) */
	CRYPTOMAP_SA_A_SRC,		/* be32: local/remote crypto endpoint */
	CRYPTOMAP_SA_A_DST,		/* be32 */
	CRYPTOMAP_SA_A_TSET,		/* string: the transform set in use */
	CRYPTOMAP_SA_A_MODE,		/* u8, enum cryptomap_mode */
	CRYPTOMAP_SA_A_STATUS,		/* u8, enum cryptomap_sa_status */
	CRYPTOMAP_SA_A_IV_SIZE,		/* u8, bytes */
	CRYPTOMAP_SA_A_REPLAY_WINDOW,	/* u32, 0 = replay detection off */
	CRYPTOMAP_SA_A_LIFE_KB_LEFT,	/* u64 */
	CRYPTOMAP_SA_A_LIFE_SEC_LEFT,	/* u32 */
	CRYPTOMAP_SA_A_STATS,		/* nest: enum cryptomap_sa_stats */
	CRYPTOMAP_SA_A_PEER,		/* be32: clear crypto sa peer A */
	CRYPTOMAP_SA_A_COUNTERS_ONLY,	/* flag: clear crypto sa counters */
	CRYPTOMAP_SA_A_PAD,
	/* Added for a keying daemon; see Documentation/netlink/cryptomap.rst. */
	CRYPTOMAP_SA_A_KEY,		/* nest: enum cryptomap_key_attrs (multi) */
	CRYPTOMAP_SA_A_LIFE_SEC,	/* u32: lifetime in seconds */
	CRYPTOMAP_SA_A_LIFE_KB,		/* u32: lifetime in kilobytes */
	CRYPTOMAP_SA_A_IDLE_TIME,	/* u32: seconds, 0 = off */
	CRYPTOMAP_SA_A_PFS,		/* u8: DH group, 0 = no pfs */
	CRYPTOMAP_SA_A_PROPOSAL,	/* nest: enum cryptomap_tset_attrs (multi) */
	CRYPTOMAP_SA_A_FLOW,		/* nest: enum cryptomap_flow_attrs */
	CRYPTOMAP_SA_A_SELECTOR,	/* nest: enum cryptomap_ace_attrs */
	CRYPTOMAP_SA_A_SPI_MIN,		/* u32: SPI_ALLOC range */
	CRYPTOMAP_SA_A_SPI_MAX,		/* u32 */
	CRYPTOMAP_SA_A_STANDBY,		/* flag: SA_ADD without using it for output */
	CRYPTOMAP_SA_A_ACTIVATE,	/* flag: SA_UPDATE, use a standby pair */
	CRYPTOMAP_SA_A_HARD,		/* flag: EXPIRE hard (absent = soft) */
	CRYPTOMAP_SA_A_REASON,		/* u8, enum cryptomap_expire_reason */
	CRYPTOMAP_SA_A_NEXT_PEER,	/* flag: PEER_SET to the next peer */
	CRYPTOMAP_SA_A_OSEQ,		/* u64: last sequence number sent/seen */
	CRYPTOMAP_SA_A_ESN,		/* flag: extended (64-bit) sequence numbers */
	__CRYPTOMAP_SA_A_MAX,
};
#define CRYPTOMAP_SA_A_MAX (__CRYPTOMAP_SA_A_MAX - 1)

/* Why an SA expired (CRYPTOMAP_CMD_EXPIRE). */
enum cryptomap_expire_reason {
	CRYPTOMAP_EXPIRE_SECONDS = 1,	/* lifetime seconds */
	CRYPTOMAP_EXPIRE_KILOBYTES,	/* lifetime kilobytes */
	CRYPTOMAP_EXPIRE_IDLE,		/* idle-time without a packet */
	CRYPTOMAP_EXPIRE_SEQNO,		/* the sequence number would wrap */
	CRYPTOMAP_EXPIRE_CLEARED,	/* clear crypto sa */
};

/* The packet that triggered an ACQUIRE (CRYPTOMAP_SA_A_FLOW). */
enum cryptomap_flow_attrs {
	CRYPTOMAP_FLOW_A_UNSPEC,
	CRYPTOMAP_FLOW_A_SRC,		/* be32 */
	CRYPTOMAP_FLOW_A_DST,		/* be32 */
	CRYPTOMAP_FLOW_A_PROTO,		/* u8 */
	CRYPTOMAP_FLOW_A_SPORT,		/* u16 (host order), TCP/UDP only */
	CRYPTOMAP_FLOW_A_DPORT,		/* u16 (host order) */
	__CRYPTOMAP_FLOW_A_MAX,
};
#define CRYPTOMAP_FLOW_A_MAX (__CRYPTOMAP_FLOW_A_MAX - 1)

/* Counters of one SA, named after show crypto ipsec sa [detail]; u64. */
enum cryptomap_sa_stats {
	CRYPTOMAP_SA_STATS_UNSPEC,
	CRYPTOMAP_SA_STATS_PKTS,	/* packets through this SA */
	CRYPTOMAP_SA_STATS_BYTES,	/* bytes (plaintext) through it */
	CRYPTOMAP_SA_STATS_ENCAPS,	/* #pkts encaps (out) / decaps (in) */
	CRYPTOMAP_SA_STATS_CRYPT,	/* #pkts encrypt / decrypt */
	CRYPTOMAP_SA_STATS_DIGEST,	/* #pkts digest / verify */
	CRYPTOMAP_SA_STATS_COMPRESSED,	/* #pkts compressed / decompressed */
	CRYPTOMAP_SA_STATS_NOT_COMPRESSED,
	CRYPTOMAP_SA_STATS_COMPR_FAILED,
	CRYPTOMAP_SA_STATS_ERRORS,	/* #send errors / #recv errors */
	CRYPTOMAP_SA_STATS_ENCAPS_FAILED, /* encaps failed (send) / decaps failed (rcv) */
	CRYPTOMAP_SA_STATS_VERIFY_FAILED,
	CRYPTOMAP_SA_STATS_INVALID_IDENTITY,
	CRYPTOMAP_SA_STATS_INVALID_LEN,
	CRYPTOMAP_SA_STATS_REPLAY_ROLLOVER,
	CRYPTOMAP_SA_STATS_REPLAY_FAILED,
	CRYPTOMAP_SA_STATS_INTERNAL_ERR,
	CRYPTOMAP_SA_STATS_PAD,
	__CRYPTOMAP_SA_STATS_MAX,
};
#define CRYPTOMAP_SA_STATS_MAX (__CRYPTOMAP_SA_STATS_MAX - 1)

/* Per-netns counters of packets that no SA could take; u64. */
enum cryptomap_stats_attrs {
	CRYPTOMAP_STATS_A_UNSPEC,
	CRYPTOMAP_STATS_A_NO_SA_SEND,		/* #pkts no sa (send) */
	CRYPTOMAP_STATS_A_INVALID_SA_RCV,	/* RECVD_PKT_INV_SPI */
	CRYPTOMAP_STATS_A_INVALID_PROT_RCV,	/* #pkts invalid prot (recv) */
	CRYPTOMAP_STATS_A_NOT_IPSEC_RCV,	/* RECVD_PKT_NOT_IPSEC */
	CRYPTOMAP_STATS_A_INVALID_LEN_RCV,	/* truncated or malformed */
	CRYPTOMAP_STATS_A_PAD,
	__CRYPTOMAP_STATS_A_MAX,
};
#define CRYPTOMAP_STATS_A_MAX (__CRYPTOMAP_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_CRYPTOMAP_H */
