// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_netlink: generated and mutated messages to the "cryptomap" generic
 * netlink family (selftests/fuzz_netlink.sh runs it in the VM guest).
 *
 *   fuzz_netlink [options]
 *     -n N        messages in all (default 10000)
 *     -j J        senders (forked processes, default 1)
 *     -s SEED     random seed (default: time)
 *     -m MODE     free     every command, names from -P (the victim
 *                          namespace: anything may change)
 *                 guarded  object names only with the prefix "FZ"; never
 *                          GLOBAL_SET, BIND_SET, BIND_DEL; no message
 *                          that contains a name given with -k is sent
 *                 unpriv   like free, for a sender without CAP_NET_ADMIN:
 *                          a change that succeeds is a failure
 *     -k NAME     a protected name (repeatable; guarded mode)
 *     -P NAME     a name for the pool of free/unpriv mode (repeatable)
 *     -c          cleanup: delete every ACL, transform set and map whose
 *                 name is not given with -k (what the guarded run made,
 *                 including names that byte flips took out of the FZ
 *                 prefix), then exit
 *
 * Every request carries NLM_F_REQUEST | NLM_F_ACK and a well-formed
 * netlink header (the netlink core silently drops a message whose length
 * lies about the buffer, that is not this family's business); what is
 * behind the header is anything.  Requests go in batches of 1..32 in one
 * send(); each must end in exactly one NLMSG_ERROR (ack or error) or, for
 * a dump that started, one NLMSG_DONE.  Besides: dumps closed halfway,
 * dumps through a socket with the smallest receive buffer, and reads into
 * tiny buffers (MSG_TRUNC); those are counted apart.
 *
 * The summary goes to stdout as "# key value" lines; exit status 0 when
 * every request had exactly one answer and (unpriv) no change succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../uapi/linux/cryptomap.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define BATCH_MAX	32
#define MSG_MAX		(70 * 1024)
#define BATCH_BYTES	(256 * 1024)	/* stop adding to a batch here */
#define BUF_MAX		(BATCH_BYTES + 2 * MSG_MAX)
#define RECV_MAX	(256 * 1024)
#define NERR		4096

enum mode { M_FREE, M_GUARDED, M_UNPRIV };

struct counts {
	unsigned long sent, batches, acks, errors, dones, replies;
	unsigned long missing, duplicate, stray, enobufs;
	unsigned long unpriv_change_ok, guarded_skipped;
	unsigned long dump_closed, dump_smallbuf, dump_smallbuf_done, trunc_reads;
	unsigned long dump_errors, send_failed;
	unsigned long err[NERR];
};

static enum mode mode = M_FREE;
static const char *protected_names[64];
static int nprotected;
static const char *pool[64];
static int npool;
static uint16_t family;
static int timeout_ms = 30000;
static size_t msg_start;	/* where the request being built begins */

/* ---- random ---- */

static uint64_t rs;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static uint32_t rn(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* true with probability pct/100 */
static int chance(unsigned int pct)
{
	return rn(100) < pct;
}

/* ---- message building ---- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void *put(struct buf *b, const void *data, size_t len)
{
	void *at;

	if (b->len + len > b->cap)
		return NULL;
	at = b->p + b->len;
	if (data)
		memcpy(at, data, len);
	else
		memset(at, 0, len);
	b->len += len;
	return at;
}

static void pad4(struct buf *b)
{
	while (b->len & 3)
		if (!put(b, "\0", 1))
			return;
}

/* One attribute with a payload; type is the raw nla_type (flags too). */
static void attr(struct buf *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a;
	size_t start = b->len;

	a = put(b, NULL, NLA_HDRLEN);
	if (!a)
		return;
	if (!put(b, data, len)) {
		b->len = start;
		return;
	}
	a = (struct nlattr *)(b->p + start);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	pad4(b);
}

static size_t nest_start(struct buf *b, uint16_t type)
{
	size_t at = b->len;
	struct nlattr *a = put(b, NULL, NLA_HDRLEN);

	if (a)
		a->nla_type = type | (chance(90) ? NLA_F_NESTED : 0);
	return at;
}

static void nest_end(struct buf *b, size_t at)
{
	struct nlattr *a = (struct nlattr *)(b->p + at);

	if (b->len - at > 0xffff) {
		b->len = at;	/* too big to nest: drop it */
		return;
	}
	a->nla_len = b->len - at;
}

/* ---- the attribute sets of the family ---- */

enum kind { K_NONE, K_U8, K_U16, K_U32, K_BE32, K_STR, K_IFNAME, K_BIN,
	    K_FLAG, K_NEST };

enum set { S_ACL, S_ACL_ENTRIES, S_ACE, S_TSET, S_MAP, S_ENTRY, S_PEERS,
	   S_TSETS, S_KEYS, S_KEY, S_GLOBAL, S_BIND, S_SA, S_STATS, S_NSETS };

struct aspec {
	enum kind kind;
	uint32_t lo, hi;	/* valid range (numbers), lengths (binary) */
	enum set nest;		/* K_NEST: the set inside */
};

#define A(k, l, h) { .kind = (k), .lo = (l), .hi = (h) }
#define N(s) { .kind = K_NEST, .nest = (s) }

static const struct aspec set_acl[] = {
	[CRYPTOMAP_ACL_A_NAME] = A(K_STR, 0, 0),
	[CRYPTOMAP_ACL_A_ENTRIES] = N(S_ACL_ENTRIES),
	[CRYPTOMAP_ACL_A_ENTRY] = N(S_ACE),
};
static const struct aspec set_acl_entries[] = {
	[CRYPTOMAP_ACL_A_ENTRY] = N(S_ACE),
};
static const struct aspec set_ace[] = {
	[CRYPTOMAP_ACE_A_SEQ] = A(K_U32, 1, 100),
	[CRYPTOMAP_ACE_A_ACTION] = A(K_U8, 1, 2),
	[CRYPTOMAP_ACE_A_PROTO] = A(K_U8, 0, 255),
	[CRYPTOMAP_ACE_A_SRC_ADDR] = A(K_BE32, 0, 0),
	[CRYPTOMAP_ACE_A_SRC_WILD] = A(K_BE32, 0, 0),
	[CRYPTOMAP_ACE_A_DST_ADDR] = A(K_BE32, 0, 0),
	[CRYPTOMAP_ACE_A_DST_WILD] = A(K_BE32, 0, 0),
	[CRYPTOMAP_ACE_A_SPORT_OP] = A(K_U8, 0, 5),
	[CRYPTOMAP_ACE_A_SPORT_LO] = A(K_U16, 0, 65535),
	[CRYPTOMAP_ACE_A_SPORT_HI] = A(K_U16, 0, 65535),
	[CRYPTOMAP_ACE_A_DPORT_OP] = A(K_U8, 0, 5),
	[CRYPTOMAP_ACE_A_DPORT_LO] = A(K_U16, 0, 65535),
	[CRYPTOMAP_ACE_A_DPORT_HI] = A(K_U16, 0, 65535),
};
static const struct aspec set_tset[] = {
	[CRYPTOMAP_TSET_A_NAME] = A(K_STR, 0, 0),
	[CRYPTOMAP_TSET_A_AH] = A(K_U8, 0, 5),
	[CRYPTOMAP_TSET_A_ESP_ENC] = A(K_U8, 0, 6),
	[CRYPTOMAP_TSET_A_ESP_KEYBITS] = A(K_U16, 128, 256),
	[CRYPTOMAP_TSET_A_ESP_AUTH] = A(K_U8, 0, 5),
	[CRYPTOMAP_TSET_A_COMP] = A(K_U8, 0, 2),
	[CRYPTOMAP_TSET_A_MODE] = A(K_U8, 1, 2),
};
static const struct aspec set_map[] = {
	[CRYPTOMAP_MAP_A_NAME] = A(K_STR, 0, 0),
	[CRYPTOMAP_MAP_A_LOCAL_IFNAME] = A(K_IFNAME, 0, 0),
};
static const struct aspec set_entry[] = {
	[CRYPTOMAP_ENTRY_A_MAP] = A(K_STR, 0, 0),
	[CRYPTOMAP_ENTRY_A_SEQ] = A(K_U32, 1, 40),
	[CRYPTOMAP_ENTRY_A_TYPE] = A(K_U8, 1, 2),
	[CRYPTOMAP_ENTRY_A_ACL] = A(K_STR, 0, 0),
	[CRYPTOMAP_ENTRY_A_PEERS] = N(S_PEERS),
	[CRYPTOMAP_ENTRY_A_PEER] = A(K_BE32, 0, 0),
	[CRYPTOMAP_ENTRY_A_TSETS] = N(S_TSETS),
	[CRYPTOMAP_ENTRY_A_TSET] = A(K_STR, 0, 0),
	[CRYPTOMAP_ENTRY_A_PFS] = A(K_U8, 0, 24),
	[CRYPTOMAP_ENTRY_A_LIFE_SEC] = A(K_U32, 120, 86400),
	[CRYPTOMAP_ENTRY_A_LIFE_KB] = A(K_U32, 2560, 536870912),
	[CRYPTOMAP_ENTRY_A_REPLAY_MODE] = A(K_U8, 0, 2),
	[CRYPTOMAP_ENTRY_A_REPLAY_WINDOW] = A(K_U32, 64, 1024),
	[CRYPTOMAP_ENTRY_A_IDLE_TIME] = A(K_U32, 60, 86400),
	[CRYPTOMAP_ENTRY_A_KEYS] = N(S_KEYS),
	[CRYPTOMAP_ENTRY_A_KEY] = N(S_KEY),
	[CRYPTOMAP_ENTRY_A_INACTIVE] = A(K_U8, 0, 5),
	[CRYPTOMAP_ENTRY_A_CURRENT_PEER] = A(K_BE32, 0, 0),
};
static const struct aspec set_peers[] = {
	[CRYPTOMAP_ENTRY_A_PEER] = A(K_BE32, 0, 0),
};
static const struct aspec set_tsets[] = {
	[CRYPTOMAP_ENTRY_A_TSET] = A(K_STR, 0, 0),
};
static const struct aspec set_keys[] = {
	[CRYPTOMAP_ENTRY_A_KEY] = N(S_KEY),
};
static const struct aspec set_key[] = {
	[CRYPTOMAP_KEY_A_DIR] = A(K_U8, 1, 2),
	[CRYPTOMAP_KEY_A_PROTO] = A(K_U8, 50, 51),
	[CRYPTOMAP_KEY_A_SPI] = A(K_U32, 256, 300),
	[CRYPTOMAP_KEY_A_CIPHER] = A(K_BIN, 1, 64),
	[CRYPTOMAP_KEY_A_AUTH] = A(K_BIN, 1, 64),
	[CRYPTOMAP_KEY_A_CIPHER_LEN] = A(K_U16, 0, 64),
	[CRYPTOMAP_KEY_A_AUTH_LEN] = A(K_U16, 0, 64),
};
static const struct aspec set_global[] = {
	[CRYPTOMAP_GLOBAL_A_LIFE_SEC] = A(K_U32, 120, 86400),
	[CRYPTOMAP_GLOBAL_A_LIFE_KB] = A(K_U32, 2560, 536870912),
	[CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW] = A(K_U32, 64, 1024),
	[CRYPTOMAP_GLOBAL_A_REPLAY_DISABLE] = A(K_U8, 0, 1),
	[CRYPTOMAP_GLOBAL_A_IDLE_TIME] = A(K_U32, 0, 86400),
	[CRYPTOMAP_GLOBAL_A_DF_BIT] = A(K_U8, 0, 2),
	[CRYPTOMAP_GLOBAL_A_FRAG] = A(K_U8, 0, 1),
};
static const struct aspec set_bind[] = {
	[CRYPTOMAP_BIND_A_IFINDEX] = A(K_U32, 1, 12),
	[CRYPTOMAP_BIND_A_IFNAME] = A(K_IFNAME, 0, 0),
	[CRYPTOMAP_BIND_A_MAP] = A(K_STR, 0, 0),
};
static const struct aspec set_sa[] = {
	[CRYPTOMAP_SA_A_MAP] = A(K_STR, 0, 0),
	[CRYPTOMAP_SA_A_SEQ] = A(K_U32, 1, 40),
	[CRYPTOMAP_SA_A_DIR] = A(K_U8, 1, 2),
	[CRYPTOMAP_SA_A_PROTO] = A(K_U8, 50, 51),
	[CRYPTOMAP_SA_A_SPI] = A(K_U32, 256, 300),
	[CRYPTOMAP_SA_A_SRC] = A(K_BE32, 0, 0),
	[CRYPTOMAP_SA_A_DST] = A(K_BE32, 0, 0),
	[CRYPTOMAP_SA_A_TSET] = A(K_STR, 0, 0),
	[CRYPTOMAP_SA_A_MODE] = A(K_U8, 1, 2),
	[CRYPTOMAP_SA_A_STATUS] = A(K_U8, 1, 3),
	[CRYPTOMAP_SA_A_IV_SIZE] = A(K_U8, 0, 16),
	[CRYPTOMAP_SA_A_REPLAY_WINDOW] = A(K_U32, 0, 1024),
	[CRYPTOMAP_SA_A_LIFE_KB_LEFT] = A(K_U32, 0, 100),
	[CRYPTOMAP_SA_A_LIFE_SEC_LEFT] = A(K_U32, 0, 100),
	[CRYPTOMAP_SA_A_STATS] = N(S_STATS),
	[CRYPTOMAP_SA_A_PEER] = A(K_BE32, 0, 0),
	[CRYPTOMAP_SA_A_COUNTERS_ONLY] = A(K_FLAG, 0, 0),
	[CRYPTOMAP_SA_A_PAD] = A(K_BIN, 0, 8),
};
static const struct aspec set_stats[] = {
	[CRYPTOMAP_STATS_A_NO_SA_SEND] = A(K_U32, 0, 10),
	[CRYPTOMAP_STATS_A_INVALID_SA_RCV] = A(K_U32, 0, 10),
	[CRYPTOMAP_STATS_A_INVALID_PROT_RCV] = A(K_U32, 0, 10),
	[CRYPTOMAP_STATS_A_NOT_IPSEC_RCV] = A(K_U32, 0, 10),
	[CRYPTOMAP_STATS_A_INVALID_LEN_RCV] = A(K_U32, 0, 10),
	[CRYPTOMAP_STATS_A_PAD] = A(K_BIN, 0, 8),
};

static const struct {
	const struct aspec *a;
	unsigned int n;
} sets[S_NSETS] = {
#define SET(s, t) [s] = { t, sizeof(t) / sizeof(t[0]) }
	SET(S_ACL, set_acl), SET(S_ACL_ENTRIES, set_acl_entries),
	SET(S_ACE, set_ace), SET(S_TSET, set_tset), SET(S_MAP, set_map),
	SET(S_ENTRY, set_entry), SET(S_PEERS, set_peers),
	SET(S_TSETS, set_tsets), SET(S_KEYS, set_keys), SET(S_KEY, set_key),
	SET(S_GLOBAL, set_global), SET(S_BIND, set_bind), SET(S_SA, set_sa),
	SET(S_STATS, set_stats),
#undef SET
};

static enum set cmd_set(int cmd)
{
	switch (cmd) {
	case CRYPTOMAP_CMD_ACL_GET ... CRYPTOMAP_CMD_ACL_DEL: return S_ACL;
	case CRYPTOMAP_CMD_TSET_GET ... CRYPTOMAP_CMD_TSET_DEL: return S_TSET;
	case CRYPTOMAP_CMD_MAP_GET ... CRYPTOMAP_CMD_MAP_DEL: return S_MAP;
	case CRYPTOMAP_CMD_ENTRY_GET ... CRYPTOMAP_CMD_ENTRY_DEL: return S_ENTRY;
	case CRYPTOMAP_CMD_GLOBAL_GET ... CRYPTOMAP_CMD_GLOBAL_SET: return S_GLOBAL;
	case CRYPTOMAP_CMD_BIND_GET ... CRYPTOMAP_CMD_BIND_DEL: return S_BIND;
	case CRYPTOMAP_CMD_SA_GET ... CRYPTOMAP_CMD_SA_CLEAR: return S_SA;
	case CRYPTOMAP_CMD_STATS_GET: return S_STATS;
	default: return rn(S_NSETS);
	}
}

static int cmd_changes(int cmd)
{
	switch (cmd) {
	case CRYPTOMAP_CMD_ACL_SET: case CRYPTOMAP_CMD_ACL_DEL:
	case CRYPTOMAP_CMD_TSET_SET: case CRYPTOMAP_CMD_TSET_DEL:
	case CRYPTOMAP_CMD_MAP_SET: case CRYPTOMAP_CMD_MAP_DEL:
	case CRYPTOMAP_CMD_ENTRY_SET: case CRYPTOMAP_CMD_ENTRY_DEL:
	case CRYPTOMAP_CMD_GLOBAL_SET: case CRYPTOMAP_CMD_BIND_SET:
	case CRYPTOMAP_CMD_BIND_DEL: case CRYPTOMAP_CMD_SA_CLEAR:
		return 1;
	}
	return 0;
}

/* ---- values ---- */

static const char *const fz_names[] = {
	"FZ0", "FZ1", "FZ2", "FZ3", "FZ-ACL", "FZ-MAP", "FZ-TS", "FZ100",
};
static const char *const ifnames[] = {
	"lo", "fz0", "fz1", "fz-gone", "wan0", "lan0", "dummy0",
};

/* A name: mostly a usable one, sometimes a malformed one. */
static size_t gen_name(char *out, size_t cap, int p_bad)
{
	size_t n, i;

	if (!chance(p_bad)) {
		const char *s;

		if (mode != M_GUARDED && npool && chance(50))
			s = pool[rn(npool)];
		else
			s = fz_names[rn(sizeof(fz_names) / sizeof(fz_names[0]))];
		n = strlen(s);
		memcpy(out, s, n + 1);
		return n + 1;
	}
	/* In guarded mode every name keeps the prefix, however broken. */
	i = 0;
	if (mode == M_GUARDED) {
		memcpy(out, "FZ", 2);
		i = 2;
	}
	switch (rn(7)) {
	case 0:		/* empty */
		out[i] = 0;
		return i ? i + 1 : rn(2);
	case 1:		/* 63, 64, 65 or far more characters */
		n = 62 + rn(4);
		if (chance(20))
			n = 100 + rn(400);
		break;
	case 2:		/* a space, a control character, non-ASCII */
		n = i + 1 + rn(8);
		for (; i < n && i < cap - 1; i++)
			out[i] = "A \t\x01\x7f\xff-"[rn(7)];
		out[i] = 0;
		return i + 1;
	case 3:		/* no terminating NUL */
		n = i + 1 + rn(10);
		for (; i < n && i < cap; i++)
			out[i] = 'A' + rn(26);
		return i;
	case 4:		/* a NUL inside */
		n = i + 4;
		memcpy(out + i, "A\0B", 4);
		return n;
	default:
		n = i + 1 + rn(12);
		break;
	}
	if (n > cap - 1)
		n = cap - 1;
	for (; i < n; i++)
		out[i] = 'A' + rn(26);
	out[i] = 0;
	return i + 1;
}

static uint32_t gen_num(const struct aspec *s)
{
	static const uint32_t edges[] = {
		0, 1, 2, 63, 64, 65, 100, 119, 120, 127, 128, 129, 192, 255, 256,
		257, 1023, 1024, 1025, 2559, 2560, 65535, 65536, 86400, 86401,
		536870912, 536870913, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff,
	};

	if (chance(80))
		return s->lo + rn(s->hi - s->lo + 1);
	if (chance(50))
		return edges[rn(sizeof(edges) / sizeof(edges[0]))];
	return (uint32_t)rnd();
}

static uint32_t gen_addr(void)
{
	static const uint32_t a[] = {
		0x0a000001, 0x0a000002, 0xc0a80100, 0xc0a80300, 0xd1a5c8e1,
		0xd1a5c8e2, 0, 0xffffffff, 0x000000ff, 0x0000ffff,
	};

	if (chance(70))
		return __builtin_bswap32(a[rn(sizeof(a) / sizeof(a[0]))]);
	return (uint32_t)rnd();
}

/* ---- generation ---- */

static void gen_set(struct buf *b, enum set s, int depth, int pbad);

/*
 * One attribute of set s at index t.  pbad: percent chance of a mutation
 * at each decision point.
 */
static void gen_attr(struct buf *b, enum set s, uint16_t t, int depth, int pbad)
{
	const struct aspec *sp = t < sets[s].n ? &sets[s].a[t] : NULL;
	unsigned char v[1024];
	size_t len = 0;
	uint32_t x;
	uint16_t type = t;

	if (chance(pbad / 4))
		type |= rn(2) ? NLA_F_NET_BYTEORDER : NLA_F_NESTED;

	if (!sp || sp->kind == K_NONE || chance(pbad / 3)) {
		/* anything: random bytes of a random length */
		switch (rn(5)) {
		case 0: len = 0; break;
		case 1: len = rn(9); break;
		case 2: len = rn(80); break;
		case 3: len = rn(sizeof(v)); break;
		default: len = 4; break;
		}
		for (size_t i = 0; i < len; i++)
			v[i] = rnd();
		if (chance(30) && depth < 40) {
			size_t at = nest_start(b, type);

			gen_set(b, rn(S_NSETS), depth + 1, pbad);
			nest_end(b, at);
			return;
		}
		attr(b, type, v, len);
		return;
	}

	switch (sp->kind) {
	case K_U8: case K_U16: case K_U32: case K_BE32:
		x = sp->kind == K_BE32 ? gen_addr() : gen_num(sp);
		len = sp->kind == K_U8 ? 1 : sp->kind == K_U16 ? 2 : 4;
		if (sp->kind == K_U16 && s == S_TSET && chance(80))
			x = 128 + 64 * rn(3);
		if (s == S_ENTRY && t == CRYPTOMAP_ENTRY_A_REPLAY_WINDOW && chance(70))
			x = 64u << rn(5);
		memcpy(v, &x, 4);
		if (chance(pbad))
			len = (size_t[]){ 0, 1, 2, 3, 5, 8, 16 }[rn(7)];
		memset(v + 4, 0, 16);
		break;
	case K_STR:
		len = gen_name((char *)v, 600, pbad);
		break;
	case K_IFNAME:
		if (chance(pbad)) {
			len = gen_name((char *)v, 40, 100);
		} else {
			const char *n = ifnames[rn(sizeof(ifnames) / sizeof(ifnames[0]))];

			if (mode == M_GUARDED)
				n = rn(2) ? "fz0" : "fz1";
			len = strlen(n) + 1;
			memcpy(v, n, len);
		}
		break;
	case K_BIN:
		len = (size_t[]){ 8, 16, 20, 24, 28, 32, 36, 48, 64 }[rn(9)];
		if (chance(pbad))
			len = chance(50) ? 0 : 65 + rn(300);
		for (size_t i = 0; i < len; i++)
			v[i] = rnd();
		break;
	case K_FLAG:
		len = chance(pbad) ? 1 + rn(8) : 0;
		memset(v, 0xa5, len);
		break;
	case K_NEST: {
		size_t at;

		if (chance(pbad / 2)) {
			/* deep nesting: a chain far beyond the kernel's limit */
			int d = 10 + rn(60);
			size_t ats[80];

			for (int i = 0; i < d; i++)
				ats[i] = nest_start(b, t);
			gen_attr(b, sp->nest, 1 + rn(4), depth + d, pbad);
			for (int i = d - 1; i >= 0; i--)
				nest_end(b, ats[i]);
			return;
		}
		at = nest_start(b, type | NLA_F_NESTED);
		if (depth < 12)
			gen_set(b, sp->nest, depth + 1, pbad);
		nest_end(b, at);
		if (chance(pbad / 2)) {
			/* broken nesting: its length points past its content */
			struct nlattr *a = (struct nlattr *)(b->p + at);

			a->nla_len += chance(50) ? 4 + rn(64) : 0xff00;
			if (chance(50))
				a->nla_len = rn(NLA_HDRLEN);
		}
		return;
	}
	default:
		break;
	}
	attr(b, type, v, len);
}

/* A plausible content for set s, sometimes mutated. */
static void gen_set(struct buf *b, enum set s, int depth, int pbad)
{
	unsigned int n = sets[s].n, i, k;

	switch (s) {
	case S_ACL_ENTRIES:
	case S_PEERS:
	case S_TSETS:
	case S_KEYS: {
		/* lists: of their one member type */
		uint16_t m = s == S_ACL_ENTRIES ? CRYPTOMAP_ACL_A_ENTRY :
			     s == S_PEERS ? CRYPTOMAP_ENTRY_A_PEER :
			     s == S_TSETS ? CRYPTOMAP_ENTRY_A_TSET :
			     CRYPTOMAP_ENTRY_A_KEY;

		k = chance(10) ? rn(200) : rn(8);
		if (s == S_KEYS && !chance(pbad))
			k = 2;
		for (i = 0; i < k && b->len - msg_start < MSG_MAX / 2; i++)
			gen_attr(b, s, chance(pbad / 2) ? rn(n + 2) : m,
				 depth, pbad);
		return;
	}
	default:
		break;
	}
	for (i = 1; i < n; i++) {
		if (chance(pbad / 3))
			continue;		/* leave it out */
		if (!chance(60) && !chance(pbad))
			continue;
		gen_attr(b, s, i, depth, pbad);
		if (chance(pbad / 5))
			gen_attr(b, s, i, depth, pbad);	/* twice */
	}
	if (chance(pbad / 2))		/* unknown types: 0, max + 1, any */
		gen_attr(b, s, (uint16_t[]){ 0, n, n + 1, rnd() & 0x3fff }[rn(4)],
			 depth, pbad);
}

/* Required attributes of each command, so that many requests go deep. */
static void gen_required(struct buf *b, int cmd, int pbad)
{
	char name[600];
	size_t len;
	uint32_t x;
	size_t at;

	switch (cmd_set(cmd)) {
	case S_ACL:
		len = gen_name(name, sizeof(name), pbad / 2);
		attr(b, CRYPTOMAP_ACL_A_NAME, name, len);
		if (cmd == CRYPTOMAP_CMD_ACL_SET) {
			at = nest_start(b, CRYPTOMAP_ACL_A_ENTRIES | NLA_F_NESTED);
			gen_set(b, S_ACL_ENTRIES, 1, pbad);
			nest_end(b, at);
		}
		break;
	case S_TSET:
		len = gen_name(name, sizeof(name), pbad / 2);
		attr(b, CRYPTOMAP_TSET_A_NAME, name, len);
		break;
	case S_MAP:
		len = gen_name(name, sizeof(name), pbad / 2);
		attr(b, CRYPTOMAP_MAP_A_NAME, name, len);
		break;
	case S_ENTRY:
		len = gen_name(name, sizeof(name), pbad / 2);
		attr(b, CRYPTOMAP_ENTRY_A_MAP, name, len);
		x = 1 + rn(40);
		attr(b, CRYPTOMAP_ENTRY_A_SEQ, &x, 4);
		break;
	case S_BIND:
		len = gen_name(name, sizeof(name), pbad / 2);
		attr(b, CRYPTOMAP_BIND_A_MAP, name, len);
		break;
	default:
		break;
	}
}

static int contains_protected(const unsigned char *p, size_t len)
{
	for (int i = 0; i < nprotected; i++)
		if (memmem(p, len, protected_names[i], strlen(protected_names[i])))
			return 1;
	return 0;
}

/*
 * One request at the end of b.  Returns its command; -1 if it was not
 * built (guarded mode refused it); -2 - cmd if it does not reach the
 * family (another type, a short genl header).
 */
static int gen_msg(struct buf *b, uint32_t seq, uint32_t portid)
{
	size_t start = b->len, body;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int cmd, pbad, style = rn(10);

	(void)portid;
	msg_start = start;
	nlh = put(b, NULL, NLMSG_HDRLEN);
	g = put(b, NULL, GENL_HDRLEN);
	if (!nlh || !g) {
		b->len = start;
		return -1;
	}
	/* style: 0-3 valid shape, 4-7 a few mutations, 8 chaos, 9 raw */
	pbad = style < 4 ? 0 : style < 8 ? 6 : 40;
	cmd = chance(95) ? 1 + rn(CRYPTOMAP_CMD_MAX) : rn(256);
	if (style < 4 && cmd_changes(cmd) && chance(50))
		cmd = CRYPTOMAP_CMD_ENTRY_SET - 3 * rn(4);	/* the SETs */
	nlh->nlmsg_type = chance(98) ? family : (uint16_t[]){ GENL_ID_CTRL,
		NLMSG_MIN_TYPE - 1, family + 1, 0xffff }[rn(4)];
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (cmd_changes(cmd) ? chance(pbad ? 10 : 0) : chance(30))
		nlh->nlmsg_flags |= NLM_F_DUMP;
	if (chance(pbad ? 10 : 2))
		nlh->nlmsg_flags |= (uint16_t[]){ NLM_F_APPEND, NLM_F_REPLACE,
			NLM_F_EXCL, NLM_F_CREATE, NLM_F_ECHO, NLM_F_ROOT,
			NLM_F_ATOMIC }[rn(7)];
	if (cmd == CRYPTOMAP_CMD_ACL_SET && chance(30))
		nlh->nlmsg_flags |= NLM_F_APPEND;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = chance(pbad ? 5 : 0) ? rnd() : 0;
	g->cmd = cmd;
	g->version = chance(pbad ? 10 : 0) ? rnd() : CRYPTOMAP_GENL_VERSION;
	g->reserved = chance(pbad ? 5 : 0) ? rnd() : 0;
	body = b->len;
	if (style == 9) {
		size_t n = (size_t[]){ 0, 1, 2, 3, 4, 7, 64, 1000, 60000 }[rn(9)];

		if (!put(b, NULL, n)) {
			b->len = start;
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			b->p[body + i] = rnd();
	} else {
		if (!chance(pbad))
			gen_required(b, cmd, pbad);
		gen_set(b, cmd_set(cmd), 0, pbad);
		/* message-level mutations */
		if (style >= 4 && chance(30) && b->len > body) {
			size_t span = b->len - body;

			switch (rn(4)) {
			case 0:	/* flip bytes */
				for (int i = 0, k = 1 + rn(4); i < k; i++)
					b->p[body + rn(span)] ^= 1u << rn(8);
				break;
			case 1:	/* cut anywhere (also inside a header) */
				b->len = body + rn(span);
				break;
			case 2:	/* trailing garbage */
				for (int i = 0, k = 1 + rn(7); i < k; i++)
					put(b, (unsigned char[]){ rnd() }, 1);
				break;
			default: {	/* lie in one attribute header */
				struct nlattr *a = (struct nlattr *)(b->p + body);

				if (span >= NLA_HDRLEN)
					a->nla_len = (uint16_t[]){ 0, 1, 3, 4,
						0xffff, span + 4 }[rn(6)];
				break;
			}
			}
		}
	}
	if (chance(pbad ? 3 : 0))	/* short genl header */
		b->len = start + NLMSG_HDRLEN + rn(GENL_HDRLEN);
	nlh = (struct nlmsghdr *)(b->p + start);
	nlh->nlmsg_len = b->len - start;

	if (mode == M_GUARDED) {
		int bad = cmd == CRYPTOMAP_CMD_GLOBAL_SET ||
			  cmd == CRYPTOMAP_CMD_BIND_SET ||
			  cmd == CRYPTOMAP_CMD_BIND_DEL ||
			  nlh->nlmsg_type != family ||
			  contains_protected(b->p + start + NLMSG_HDRLEN,
					     nlh->nlmsg_len - NLMSG_HDRLEN);

		if (bad) {
			b->len = start;
			return -1;
		}
	}
	pad4(b);
	/* not ours (the control family, a reserved type...): no change */
	if (nlh->nlmsg_type != family || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -2 - cmd;
	return cmd;
}

/* ---- sockets ---- */

static int nl_open(int rcvbuf)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int one = 1, sz = 4 << 20;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (fd < 0) {
		perror("socket");
		exit(2);
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (rcvbuf) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	} else {
		sz = 4 << 20;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("bind");
		exit(2);
	}
	return fd;
}

static uint16_t resolve_family(void)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[64];
	} req = { 0 };
	unsigned char *rbuf = malloc(RECV_MAX);
	struct nlattr *a;
	int fd = nl_open(0), len;
	uint16_t id = 0;

	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = 1;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	a = (struct nlattr *)req.attrs;
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(CRYPTOMAP_GENL_NAME);
	memcpy(a + 1, CRYPTOMAP_GENL_NAME, sizeof(CRYPTOMAP_GENL_NAME));
	req.n.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(a->nla_len);
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
		goto out;
	len = recv(fd, rbuf, RECV_MAX, 0);
	if (len > 0) {
		struct nlmsghdr *n = (struct nlmsghdr *)rbuf;

		if (n->nlmsg_type == GENL_ID_CTRL) {
			int rem = n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

			for (a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
			     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			     a->nla_len <= rem;
			     rem -= NLA_ALIGN(a->nla_len),
			     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
				if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
					id = *(uint16_t *)(a + 1);
		}
	}
out:
	close(fd);
	free(rbuf);
	return id;
}

static void count_err(struct counts *c, int err)
{
	if (err < 0)
		err = -err;
	c->err[err < NERR ? err : 0]++;
}

/*
 * Read until every request of [first, first + n) has its one answer.
 * cmds[i]: the command of request first + i (unpriv mode checks).
 */
static void drain(int fd, struct counts *c, uint32_t first, int n,
		  const int *cmds, unsigned char *rbuf)
{
	int answered[BATCH_MAX] = { 0 };
	int left = n;

	while (left > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *h;
		ssize_t len;

		if (poll(&p, 1, timeout_ms) <= 0) {
			c->missing += left;
			fprintf(stderr, "fuzz_netlink: %d of %d requests unanswered (seq %u..)\n",
				left, n, first);
			return;
		}
		len = recv(fd, rbuf, RECV_MAX, MSG_DONTWAIT);
		if (len < 0) {
			if (errno == ENOBUFS) {
				c->enobufs++;
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("recv");
			c->missing += left;
			return;
		}
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			int64_t i = (int64_t)h->nlmsg_seq - first;
			int terminal = 0;

			if (i < 0 || i >= n) {
				c->stray++;
				continue;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				terminal = 1;
				if (e->error) {
					c->errors++;
					count_err(c, e->error);
				} else {
					c->acks++;
					if (mode == M_UNPRIV && cmds[i] >= 0 &&
					    cmd_changes(cmds[i]))
						c->unpriv_change_ok++;
				}
			} else if (h->nlmsg_type == NLMSG_DONE) {
				int32_t err = 0;

				terminal = 1;
				c->dones++;
				if (h->nlmsg_len >= NLMSG_LENGTH(4))
					memcpy(&err, NLMSG_DATA(h), 4);
				if (err) {
					c->dump_errors++;
					count_err(c, err);
				}
			} else {
				c->replies++;
			}
			if (terminal) {
				if (answered[i]++)
					c->duplicate++;
				else
					left--;
			}
		}
	}
}

/* A dump request for one of the dumpable commands. */
static size_t dump_req(unsigned char *p, uint32_t seq)
{
	static const int dumps[] = {
		CRYPTOMAP_CMD_ACL_GET, CRYPTOMAP_CMD_TSET_GET,
		CRYPTOMAP_CMD_MAP_GET, CRYPTOMAP_CMD_ENTRY_GET,
		CRYPTOMAP_CMD_BIND_GET, CRYPTOMAP_CMD_SA_GET,
	};
	struct nlmsghdr *n = (struct nlmsghdr *)p;
	struct genlmsghdr *g = (struct genlmsghdr *)(p + NLMSG_HDRLEN);

	memset(p, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	n->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	n->nlmsg_type = family;
	n->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK;
	n->nlmsg_seq = seq;
	g->cmd = dumps[rn(sizeof(dumps) / sizeof(dumps[0]))];
	g->version = CRYPTOMAP_GENL_VERSION;
	return n->nlmsg_len;
}

/* Dumps that stop halfway, or crawl through a minimal receive buffer. */
static void odd_dump(struct counts *c, unsigned char *rbuf)
{
	unsigned char req[64];
	int kind = rn(3), fd, parts = 0;
	ssize_t len;

	fd = nl_open(kind == 1 ? 1 : 0);	/* 1: the kernel's minimum */
	if (send(fd, req, dump_req(req, 1), 0) < 0)
		goto out;
	switch (kind) {
	case 0:		/* read 0..2 parts (if there are that many), then close */
		for (int i = 0, k = rn(3); i < k; i++) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, 1000) <= 0 ||
			    recv(fd, rbuf, RECV_MAX, MSG_DONTWAIT) < 0)
				break;
		}
		c->dump_closed++;
		break;
	case 1:		/* every part through the smallest buffer */
		c->dump_smallbuf++;
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			struct nlmsghdr *h;
			int done = 0;

			if (poll(&p, 1, timeout_ms) <= 0)
				break;
			len = recv(fd, rbuf, RECV_MAX, 0);
			if (len < 0)
				break;
			parts++;
			for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, len);
			     h = NLMSG_NEXT(h, len))
				if (h->nlmsg_type == NLMSG_DONE ||
				    h->nlmsg_type == NLMSG_ERROR)
					done = 1;
			if (done) {
				c->dump_smallbuf_done++;
				break;
			}
		}
		break;
	default:	/* reads into 1..64 bytes: the rest is cut (MSG_TRUNC) */
		for (int i = 0, k = 1 + rn(4); i < k; i++) {
			len = recv(fd, rbuf, 1 + rn(64), MSG_TRUNC | MSG_DONTWAIT);
			if (len < 0)
				break;
			c->trunc_reads++;
		}
		break;
	}
out:
	close(fd);
}

static void sender(struct counts *c, unsigned long nmsg, uint64_t seed)
{
	unsigned char *rbuf = malloc(RECV_MAX);
	struct buf b = { .p = malloc(BUF_MAX), .cap = BUF_MAX };
	int fd = nl_open(0);
	uint32_t seq = 1000;
	int cmds[BATCH_MAX];

	rs = seed ? seed : 88172645463325252ull;
	while (c->sent < nmsg) {
		int n = 0, want = 1 + rn(BATCH_MAX);
		uint32_t first = seq;

		if (chance(2)) {
			odd_dump(c, rbuf);
			continue;
		}
		b.len = 0;
		while (n < want && c->sent + n < nmsg && b.len < BATCH_BYTES) {
			int cmd = gen_msg(&b, seq, 0);

			if (cmd == -1) {
				c->guarded_skipped++;
				continue;
			}
			cmds[n++] = cmd;
			seq++;
		}
		if (!n)
			continue;
		if (send(fd, b.p, b.len, 0) < 0) {
			/* refused by the socket (too big): not sent */
			c->send_failed++;
			continue;
		}
		c->sent += n;
		c->batches++;
		drain(fd, c, first, n, cmds, rbuf);
	}
	close(fd);
	free(rbuf);
	free(b.p);
}

static int is_protected(const char *s)
{
	for (int i = 0; i < nprotected; i++)
		if (!strcmp(s, protected_names[i]))
			return 1;
	return 0;
}

/* Delete every ACL, transform set and map whose name is not protected. */
static int cleanup(void)
{
	static const struct { int get, del; uint16_t name; } objs[] = {
		{ CRYPTOMAP_CMD_MAP_GET, CRYPTOMAP_CMD_MAP_DEL, CRYPTOMAP_MAP_A_NAME },
		{ CRYPTOMAP_CMD_TSET_GET, CRYPTOMAP_CMD_TSET_DEL, CRYPTOMAP_TSET_A_NAME },
		{ CRYPTOMAP_CMD_ACL_GET, CRYPTOMAP_CMD_ACL_DEL, CRYPTOMAP_ACL_A_NAME },
	};
	unsigned char *rbuf = malloc(RECV_MAX), req[256];
	int fd = nl_open(0), deleted = 0, failed = 0;
	char names[4096][64];

	for (unsigned int o = 0; o < 3; o++) {
		int nn = 0, done = 0;
		struct nlmsghdr *n = (struct nlmsghdr *)req;
		struct genlmsghdr *g = (struct genlmsghdr *)(req + NLMSG_HDRLEN);

		memset(req, 0, sizeof(req));
		n->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
		n->nlmsg_type = family;
		n->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		n->nlmsg_seq = 1;
		g->cmd = objs[o].get;
		g->version = CRYPTOMAP_GENL_VERSION;
		if (send(fd, req, n->nlmsg_len, 0) < 0)
			return 1;
		while (!done) {
			ssize_t len = recv(fd, rbuf, RECV_MAX, 0);
			struct nlmsghdr *h;

			if (len <= 0)
				return 1;
			for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, len);
			     h = NLMSG_NEXT(h, len)) {
				struct nlattr *a;
				int rem;

				if (h->nlmsg_type == NLMSG_DONE ||
				    h->nlmsg_type == NLMSG_ERROR) {
					done = 1;
					break;
				}
				rem = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
				a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
				for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
				       a->nla_len <= rem;
				     rem -= NLA_ALIGN(a->nla_len),
				     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
					const char *s = (const char *)(a + 1);

					if ((a->nla_type & NLA_TYPE_MASK) != objs[o].name)
						continue;
					if (!is_protected(s) && nn < 4096 &&
					    strnlen(s, 64) < 64)
						strcpy(names[nn++], s);
				}
			}
		}
		for (int i = 0; i < nn; i++) {
			struct nlattr *a;
			size_t l = strlen(names[i]) + 1;
			ssize_t len;

			memset(req, 0, sizeof(req));
			n->nlmsg_type = family;
			n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
			n->nlmsg_seq = 2 + i;
			g->cmd = objs[o].del;
			g->version = CRYPTOMAP_GENL_VERSION;
			a = (struct nlattr *)(req + NLMSG_HDRLEN + GENL_HDRLEN);
			a->nla_type = objs[o].name;
			a->nla_len = NLA_HDRLEN + l;
			memcpy(a + 1, names[i], l);
			n->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(a->nla_len);
			if (send(fd, req, n->nlmsg_len, 0) < 0)
				return 1;
			len = recv(fd, rbuf, RECV_MAX, 0);
			if (len >= (ssize_t)NLMSG_LENGTH(sizeof(int))) {
				struct nlmsgerr *e = NLMSG_DATA((struct nlmsghdr *)rbuf);

				if (e->error) {
					fprintf(stderr, "fuzz_netlink: delete %s: %s\n",
						names[i], strerror(-e->error));
					failed++;
				} else {
					deleted++;
				}
			}
		}
	}
	printf("# cleanup: %d objects deleted, %d failed\n", deleted, failed);
	close(fd);
	free(rbuf);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long nmsg = 10000, total_err = 0;
	int do_cleanup = 0;
	uint64_t seed = time(NULL);
	struct counts *cs, sum = { 0 };
	int jobs = 1, opt, bad = 0;

	while ((opt = getopt(argc, argv, "n:j:s:m:k:P:ct:")) != -1) {
		switch (opt) {
		case 'n': nmsg = strtoul(optarg, NULL, 0); break;
		case 'j': jobs = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': timeout_ms = atoi(optarg) * 1000; break;
		case 'm':
			if (!strcmp(optarg, "free"))
				mode = M_FREE;
			else if (!strcmp(optarg, "guarded"))
				mode = M_GUARDED;
			else if (!strcmp(optarg, "unpriv"))
				mode = M_UNPRIV;
			else
				return 2;
			break;
		case 'k':
			if (nprotected < 64)
				protected_names[nprotected++] = optarg;
			break;
		case 'P':
			if (npool < 64)
				pool[npool++] = optarg;
			break;
		case 'c': do_cleanup = 1; break;
		default:
			fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
			return 2;
		}
	}
	if (jobs < 1 || jobs > 16)
		jobs = 1;
	family = resolve_family();
	if (!family) {
		fprintf(stderr, "fuzz_netlink: family %s not found\n", CRYPTOMAP_GENL_NAME);
		return 2;
	}
	if (do_cleanup)
		return cleanup();

	cs = mmap(NULL, sizeof(*cs) * jobs, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cs == MAP_FAILED)
		return 2;
	memset(cs, 0, sizeof(*cs) * jobs);
	for (int j = 0; j < jobs; j++) {
		pid_t p = fork();

		if (p == 0) {
			sender(&cs[j], nmsg / jobs + (j < (int)(nmsg % jobs)),
			       seed * 2654435761u + j + 1);
			_exit(0);
		}
		if (p < 0)
			return 2;
	}
	for (int j = 0; j < jobs; j++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "fuzz_netlink: a sender died (status %#x)\n", st);
			bad = 1;
		}
	}
	for (int j = 0; j < jobs; j++) {
		unsigned long *d = (unsigned long *)&sum, *s = (unsigned long *)&cs[j];

		for (size_t i = 0; i < sizeof(sum) / sizeof(long); i++)
			d[i] += s[i];
	}
	printf("# mode %s, seed %llu, %d sender(s)\n",
	       mode == M_FREE ? "free" : mode == M_GUARDED ? "guarded" : "unpriv",
	       (unsigned long long)seed, jobs);
	printf("# messages %lu in %lu batches: acks %lu, errors %lu, dumps done %lu (with an error %lu), replies %lu\n",
	       sum.sent, sum.batches, sum.acks, sum.errors, sum.dones,
	       sum.dump_errors, sum.replies);
	printf("# errors by errno:");
	for (int e = 0; e < NERR; e++) {
		if (!sum.err[e])
			continue;
		printf(" %s=%lu", e ? strerrorname_np(e) ?: "?" : "other", sum.err[e]);
		total_err += sum.err[e];
	}
	printf("\n");
	printf("# odd dumps: closed halfway %lu, minimal rcvbuf %lu (finished %lu), truncated reads %lu\n",
	       sum.dump_closed, sum.dump_smallbuf, sum.dump_smallbuf_done,
	       sum.trunc_reads);
	printf("# unanswered %lu, answered twice %lu, stray answers %lu, ENOBUFS %lu, batches the socket refused %lu\n",
	       sum.missing, sum.duplicate, sum.stray, sum.enobufs, sum.send_failed);
	if (mode == M_GUARDED)
		printf("# guarded: %lu generated requests not sent (protected name or forbidden command)\n",
		       sum.guarded_skipped);
	if (mode == M_UNPRIV)
		printf("# unprivileged changes that succeeded: %lu\n",
		       sum.unpriv_change_ok);
	if (sum.missing || sum.duplicate || sum.stray || sum.enobufs ||
	    sum.unpriv_change_ok || sum.acks + sum.errors + sum.dones != sum.sent ||
	    sum.dump_smallbuf != sum.dump_smallbuf_done)
		bad = 1;
	return bad;
}
