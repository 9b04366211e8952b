// SPDX-License-Identifier: GPL-2.0
/*
 * generated from Documentation/netlink/specs/cryptomap.yaml by tools/nlspec-gen.py: do not edit
 *
 * The attribute policies of the cryptomap generic netlink family.
 * Every check that one attribute can express on its own is here;
 * rules that involve several attributes or other objects are in the
 * handlers, with an extack message in IOS words.  To change a policy,
 * edit the spec and run tools/nlspec-gen.py (make nl-policy).
 */
#include <linux/if.h>
#include <linux/in.h>

#include "nl_policy.h"

static struct netlink_range_validation cm_ace_seq_range = {
	.min = 1, .max = 2147483647,
};

static struct netlink_range_validation cm_entry_seq_range = {
	.min = 1, .max = 65535,
};

static struct netlink_range_validation cm_entry_life_sec_range = {
	.min = 120, .max = 86400,
};

static struct netlink_range_validation cm_entry_life_kb_range = {
	.min = 2560, .max = 536870912,
};

static struct netlink_range_validation cm_entry_idle_time_range = {
	.min = 60, .max = 86400,
};

static struct netlink_range_validation cm_global_life_sec_range = {
	.min = 120, .max = 86400,
};

static struct netlink_range_validation cm_global_life_kb_range = {
	.min = 2560, .max = 536870912,
};

static struct netlink_range_validation cm_global_idle_time_range = {
	.min = 0, .max = 86400,
};

static struct netlink_range_validation cm_bind_ifindex_range = {
	.min = 1, .max = S32_MAX,
};

static struct netlink_range_validation cm_sa_seq_range = {
	.min = 1, .max = 65535,
};

static struct netlink_range_validation cm_sa_life_sec_range = {
	.min = 1, .max = 86400,
};

static struct netlink_range_validation cm_sa_life_kb_range = {
	.min = 1, .max = 536870912,
};

/* acl: the requests of CRYPTOMAP_CMD_ACL_GET, ACL_SET, ACL_DEL */
const struct nla_policy cm_acl_policy[CRYPTOMAP_ACL_A_MAX + 1] = {
	[CRYPTOMAP_ACL_A_NAME] = { .type = NLA_NUL_STRING,
				    .len = CRYPTOMAP_NAME_MAX - 1 },
	[CRYPTOMAP_ACL_A_ENTRIES] = NLA_POLICY_NESTED(cm_acl_entries_policy),
	[CRYPTOMAP_ACL_A_ENTRY] = { .type = NLA_REJECT },
};

/* acl-entries: the content of CRYPTOMAP_ACL_A_ENTRIES */
const struct nla_policy cm_acl_entries_policy[CRYPTOMAP_ACL_A_MAX + 1] = {
	[CRYPTOMAP_ACL_A_ENTRY] = NLA_POLICY_NESTED(cm_ace_policy),
};

/* ace: the content of CRYPTOMAP_ACL_A_ENTRY */
const struct nla_policy cm_ace_policy[CRYPTOMAP_ACE_A_MAX + 1] = {
	[CRYPTOMAP_ACE_A_SEQ] = NLA_POLICY_FULL_RANGE(NLA_U32,
						      &cm_ace_seq_range),
	[CRYPTOMAP_ACE_A_ACTION] =
		NLA_POLICY_RANGE(NLA_U8, CRYPTOMAP_ACE_PERMIT,
				 CRYPTOMAP_ACE_DENY),
	[CRYPTOMAP_ACE_A_PROTO] = { .type = NLA_U8 },
	[CRYPTOMAP_ACE_A_SRC_ADDR] = { .type = NLA_BE32 },
	[CRYPTOMAP_ACE_A_SRC_WILD] = { .type = NLA_BE32 },
	[CRYPTOMAP_ACE_A_DST_ADDR] = { .type = NLA_BE32 },
	[CRYPTOMAP_ACE_A_DST_WILD] = { .type = NLA_BE32 },
	[CRYPTOMAP_ACE_A_SPORT_OP] = NLA_POLICY_MAX(NLA_U8,
						    CRYPTOMAP_PORT_RANGE),
	[CRYPTOMAP_ACE_A_SPORT_LO] = { .type = NLA_U16 },
	[CRYPTOMAP_ACE_A_SPORT_HI] = { .type = NLA_U16 },
	[CRYPTOMAP_ACE_A_DPORT_OP] = NLA_POLICY_MAX(NLA_U8,
						    CRYPTOMAP_PORT_RANGE),
	[CRYPTOMAP_ACE_A_DPORT_LO] = { .type = NLA_U16 },
	[CRYPTOMAP_ACE_A_DPORT_HI] = { .type = NLA_U16 },
};

/* tset: the requests of CRYPTOMAP_CMD_TSET_GET, TSET_SET, TSET_DEL */
const struct nla_policy cm_tset_policy[CRYPTOMAP_TSET_A_MAX + 1] = {
	[CRYPTOMAP_TSET_A_NAME] = { .type = NLA_NUL_STRING,
				     .len = CRYPTOMAP_NAME_MAX - 1 },
	[CRYPTOMAP_TSET_A_AH] = NLA_POLICY_MAX(NLA_U8,
					       CRYPTOMAP_AH_SHA512_HMAC),
	[CRYPTOMAP_TSET_A_ESP_ENC] = NLA_POLICY_MAX(NLA_U8, CRYPTOMAP_ENC_GMAC),
	[CRYPTOMAP_TSET_A_ESP_KEYBITS] = NLA_POLICY_RANGE(NLA_U16, 128, 256),
	[CRYPTOMAP_TSET_A_ESP_AUTH] =
		NLA_POLICY_MAX(NLA_U8, CRYPTOMAP_EAUTH_SHA512_HMAC),
	[CRYPTOMAP_TSET_A_COMP] = NLA_POLICY_MAX(NLA_U8,
						 CRYPTOMAP_COMP_DEFLATE),
	[CRYPTOMAP_TSET_A_MODE] =
		NLA_POLICY_RANGE(NLA_U8, CRYPTOMAP_MODE_TUNNEL,
				 CRYPTOMAP_MODE_TRANSPORT),
};

/* map: the requests of CRYPTOMAP_CMD_MAP_GET, MAP_SET, MAP_DEL */
const struct nla_policy cm_map_policy[CRYPTOMAP_MAP_A_MAX + 1] = {
	[CRYPTOMAP_MAP_A_NAME] = { .type = NLA_NUL_STRING,
				    .len = CRYPTOMAP_NAME_MAX - 1 },
	[CRYPTOMAP_MAP_A_LOCAL_IFNAME] = { .type = NLA_NUL_STRING,
					    .len = IFNAMSIZ - 1 },
};

/* entry: the requests of CRYPTOMAP_CMD_ENTRY_GET, ENTRY_SET, ENTRY_DEL */
const struct nla_policy cm_entry_policy[CRYPTOMAP_ENTRY_A_MAX + 1] = {
	[CRYPTOMAP_ENTRY_A_MAP] = { .type = NLA_NUL_STRING,
				     .len = CRYPTOMAP_NAME_MAX - 1 },
	[CRYPTOMAP_ENTRY_A_SEQ] = NLA_POLICY_FULL_RANGE(NLA_U32,
							&cm_entry_seq_range),
	[CRYPTOMAP_ENTRY_A_TYPE] =
		NLA_POLICY_RANGE(NLA_U8, CRYPTOMAP_TYPE_ISAKMP,
				 CRYPTOMAP_TYPE_MANUAL),
	[CRYPTOMAP_ENTRY_A_ACL] = { .type = NLA_NUL_STRING,
				     .len = CRYPTOMAP_NAME_MAX - 1 },
	[CRYPTOMAP_ENTRY_A_PEERS] = NLA_POLICY_NESTED(cm_entry_peers_policy),
	[CRYPTOMAP_ENTRY_A_PEER] = { .type = NLA_REJECT },
	[CRYPTOMAP_ENTRY_A_TSETS] = NLA_POLICY_NESTED(cm_entry_tsets_policy),
	[CRYPTOMAP_ENTRY_A_TSET] = { .type = NLA_REJECT },
	[CRYPTOMAP_ENTRY_A_PFS] = NLA_POLICY_MAX(NLA_U8, 24),
	[CRYPTOMAP_ENTRY_A_LIFE_SEC] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cm_entry_life_sec_range),
	[CRYPTOMAP_ENTRY_A_LIFE_KB] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cm_entry_life_kb_range),
	[CRYPTOMAP_ENTRY_A_REPLAY_MODE] =
		NLA_POLICY_MAX(NLA_U8, CRYPTOMAP_REPLAY_DISABLE),
	[CRYPTOMAP_ENTRY_A_REPLAY_WINDOW] = NLA_POLICY_RANGE(NLA_U32, 64, 1024),
	[CRYPTOMAP_ENTRY_A_IDLE_TIME] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cm_entry_idle_time_range),
	[CRYPTOMAP_ENTRY_A_KEYS] = NLA_POLICY_NESTED(cm_entry_keys_policy),
	[CRYPTOMAP_ENTRY_A_KEY] = { .type = NLA_REJECT },
	[CRYPTOMAP_ENTRY_A_INACTIVE] = { .type = NLA_REJECT },
	[CRYPTOMAP_ENTRY_A_CURRENT_PEER] = { .type = NLA_REJECT },
	[CRYPTOMAP_ENTRY_A_ESN] = { .type = NLA_FLAG },
};

/* entry-peers: the content of CRYPTOMAP_ENTRY_A_PEERS */
const struct nla_policy cm_entry_peers_policy[CRYPTOMAP_ENTRY_A_MAX + 1] = {
	[CRYPTOMAP_ENTRY_A_PEER] = { .type = NLA_BE32 },
};

/* entry-tsets: the content of CRYPTOMAP_ENTRY_A_TSETS */
const struct nla_policy cm_entry_tsets_policy[CRYPTOMAP_ENTRY_A_MAX + 1] = {
	[CRYPTOMAP_ENTRY_A_TSET] = { .type = NLA_NUL_STRING,
				      .len = CRYPTOMAP_NAME_MAX - 1 },
};

/* entry-keys: the content of CRYPTOMAP_ENTRY_A_KEYS */
const struct nla_policy cm_entry_keys_policy[CRYPTOMAP_ENTRY_A_MAX + 1] = {
	[CRYPTOMAP_ENTRY_A_KEY] = NLA_POLICY_NESTED(cm_key_policy),
};

/* key: the content of CRYPTOMAP_ENTRY_A_KEY, CRYPTOMAP_SA_A_KEY */
const struct nla_policy cm_key_policy[CRYPTOMAP_KEY_A_MAX + 1] = {
	[CRYPTOMAP_KEY_A_DIR] =
		NLA_POLICY_RANGE(NLA_U8, CRYPTOMAP_DIR_IN, CRYPTOMAP_DIR_OUT),
	[CRYPTOMAP_KEY_A_PROTO] = NLA_POLICY_RANGE(NLA_U8,
						   IPPROTO_ESP, IPPROTO_COMP),
	[CRYPTOMAP_KEY_A_SPI] = NLA_POLICY_MIN(NLA_U32, 256),
	[CRYPTOMAP_KEY_A_CIPHER] = NLA_POLICY_RANGE(NLA_BINARY,
						    1, CRYPTOMAP_KEY_MAX),
	[CRYPTOMAP_KEY_A_AUTH] = NLA_POLICY_RANGE(NLA_BINARY,
						  1, CRYPTOMAP_KEY_MAX),
	[CRYPTOMAP_KEY_A_CIPHER_LEN] = { .type = NLA_REJECT },
	[CRYPTOMAP_KEY_A_AUTH_LEN] = { .type = NLA_REJECT },
};

/* global: the requests of CRYPTOMAP_CMD_GLOBAL_GET, GLOBAL_SET, CONFIG_BEGIN, CONFIG_COMMIT, CONFIG_ABORT */
const struct nla_policy cm_global_policy[CRYPTOMAP_GLOBAL_A_MAX + 1] = {
	[CRYPTOMAP_GLOBAL_A_LIFE_SEC] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cm_global_life_sec_range),
	[CRYPTOMAP_GLOBAL_A_LIFE_KB] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cm_global_life_kb_range),
	[CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW] = NLA_POLICY_RANGE(NLA_U32,
							      64, 1024),
	[CRYPTOMAP_GLOBAL_A_REPLAY_DISABLE] = NLA_POLICY_MAX(NLA_U8, 1),
	[CRYPTOMAP_GLOBAL_A_IDLE_TIME] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cm_global_idle_time_range),
	[CRYPTOMAP_GLOBAL_A_DF_BIT] = NLA_POLICY_MAX(NLA_U8, CRYPTOMAP_DF_SET),
	[CRYPTOMAP_GLOBAL_A_FRAG] = NLA_POLICY_MAX(NLA_U8,
						   CRYPTOMAP_FRAG_AFTER),
};

/* bind: the requests of CRYPTOMAP_CMD_BIND_GET, BIND_SET, BIND_DEL */
const struct nla_policy cm_bind_policy[CRYPTOMAP_BIND_A_MAX + 1] = {
	[CRYPTOMAP_BIND_A_IFINDEX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cm_bind_ifindex_range),
	[CRYPTOMAP_BIND_A_IFNAME] = { .type = NLA_NUL_STRING,
				       .len = IFNAMSIZ - 1 },
	[CRYPTOMAP_BIND_A_MAP] = { .type = NLA_NUL_STRING,
				    .len = CRYPTOMAP_NAME_MAX - 1 },
};

/* sa: the requests of CRYPTOMAP_CMD_SA_GET, SA_CLEAR, SPI_ALLOC, SA_ADD, SA_UPDATE, SA_DEL, PEER_SET, ACQUIRE, EXPIRE, INVALID_SPI */
const struct nla_policy cm_sa_policy[CRYPTOMAP_SA_A_MAX + 1] = {
	[CRYPTOMAP_SA_A_MAP] = { .type = NLA_NUL_STRING,
				  .len = CRYPTOMAP_NAME_MAX - 1 },
	[CRYPTOMAP_SA_A_SEQ] = NLA_POLICY_FULL_RANGE(NLA_U32, &cm_sa_seq_range),
	[CRYPTOMAP_SA_A_DIR] =
		NLA_POLICY_RANGE(NLA_U8, CRYPTOMAP_DIR_IN, CRYPTOMAP_DIR_OUT),
	[CRYPTOMAP_SA_A_PROTO] = { .type = NLA_U8 },
	[CRYPTOMAP_SA_A_SPI] = { .type = NLA_U32 },
	[CRYPTOMAP_SA_A_SRC] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_DST] = { .type = NLA_BE32 },
	[CRYPTOMAP_SA_A_TSET] = { .type = NLA_NUL_STRING,
				   .len = CRYPTOMAP_NAME_MAX - 1 },
	[CRYPTOMAP_SA_A_MODE] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_STATUS] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_IV_SIZE] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_REPLAY_WINDOW] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_LIFE_KB_LEFT] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_LIFE_SEC_LEFT] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_STATS] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_PEER] = { .type = NLA_BE32 },
	[CRYPTOMAP_SA_A_COUNTERS_ONLY] = { .type = NLA_FLAG },
	[CRYPTOMAP_SA_A_PAD] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_KEY] = NLA_POLICY_NESTED(cm_key_policy),
	[CRYPTOMAP_SA_A_LIFE_SEC] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &cm_sa_life_sec_range),
	[CRYPTOMAP_SA_A_LIFE_KB] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &cm_sa_life_kb_range),
	[CRYPTOMAP_SA_A_IDLE_TIME] = { .type = NLA_U32 },
	[CRYPTOMAP_SA_A_PFS] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_PROPOSAL] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_FLOW] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_SELECTOR] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_SPI_MIN] = NLA_POLICY_MIN(NLA_U32, 256),
	[CRYPTOMAP_SA_A_SPI_MAX] = NLA_POLICY_MIN(NLA_U32, 256),
	[CRYPTOMAP_SA_A_STANDBY] = { .type = NLA_FLAG },
	[CRYPTOMAP_SA_A_ACTIVATE] = { .type = NLA_FLAG },
	[CRYPTOMAP_SA_A_HARD] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_REASON] = { .type = NLA_REJECT },
	[CRYPTOMAP_SA_A_NEXT_PEER] = { .type = NLA_FLAG },
	[CRYPTOMAP_SA_A_OSEQ] = { .type = NLA_U64 },
	[CRYPTOMAP_SA_A_ESN] = { .type = NLA_FLAG },
};

/* stats: the requests of CRYPTOMAP_CMD_STATS_GET */
const struct nla_policy cm_stats_policy[CRYPTOMAP_STATS_A_MAX + 1] = {
	[CRYPTOMAP_STATS_A_NO_SA_SEND] = { .type = NLA_REJECT },
	[CRYPTOMAP_STATS_A_INVALID_SA_RCV] = { .type = NLA_REJECT },
	[CRYPTOMAP_STATS_A_INVALID_PROT_RCV] = { .type = NLA_REJECT },
	[CRYPTOMAP_STATS_A_NOT_IPSEC_RCV] = { .type = NLA_REJECT },
	[CRYPTOMAP_STATS_A_INVALID_LEN_RCV] = { .type = NLA_REJECT },
	[CRYPTOMAP_STATS_A_PAD] = { .type = NLA_REJECT },
};
