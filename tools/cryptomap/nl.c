// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink with libmnl: family lookup, requests acknowledged with
 * the kernel's extack message, dumps into the model, and the atomic
 * commit of a configuration change (with roll back on the first error).
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "cmtool.h"

#define BUF_SIZE	(512 * 1024)
#define ACL_CHUNK	400	/* ACEs per ACL_SET message (nest < 64 KiB) */
#define MSG_MAX		(64 * 1024)	/* room for one request */
#define BATCH_MAX	256	/* requests per sendmsg in a transaction */

struct nl {
	struct mnl_socket *sk;
	uint16_t family;
	uint32_t seq, portid;
	char *buf;
	char ext_msg[512];	/* extack message of the last error */
	/*
	 * Batching (inside a configuration transaction): the requests are
	 * queued in buf and sent BATCH_MAX at a time; only the last of a
	 * batch asks for an ACK (the kernel answers a refused request
	 * anyway, in order): one round trip and one ACK per batch instead
	 * of one per request.
	 */
	bool batch;
	size_t boff;		/* bytes queued in buf */
	size_t blast;		/* offset of the last request queued */
	unsigned int bn;	/* requests queued */
	uint32_t bseq[BATCH_MAX];	/* their sequence numbers ... */
	size_t bop[BATCH_MAX];	/* ... and the operation each belongs to */
	bool bnoent[BATCH_MAX];	/* ... and whether ENOENT is fine (a delete) */
	size_t op;		/* the operation being queued */
	size_t err_op;		/* the operation of the first refused request */
	bool noent_ok;		/* the request being queued is a delete */
};

static int err_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nl *n = data;
	const struct nlattr *a;
	unsigned int off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!e->error)
		return MNL_CB_STOP;
	/* with NETLINK_CAP_ACK the TLVs follow the error header directly */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&e->msg);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		mnl_attr_for_each(a, nlh, off) {
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				snprintf(n->ext_msg, sizeof(n->ext_msg), "%s",
					 mnl_attr_get_str(a));
		}
	}
	errno = -e->error;
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *n = data;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		err = *(int *)mnl_nlmsg_get_payload(nlh);
	if (err < 0) {
		const struct nlattr *a;

		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
			mnl_attr_for_each(a, nlh, sizeof(int)) {
				if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
				    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
					snprintf(n->ext_msg, sizeof(n->ext_msg),
						 "%s", mnl_attr_get_str(a));
			}
		}
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static struct nlmsghdr *msg_start(struct nl *n, uint16_t type, uint8_t cmd,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(n->buf +
						    (n->batch ? n->boff : 0));
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : CRYPTOMAP_GENL_VERSION;
	return nlh;
}

/*
 * mnl_cb_run2 hands control callbacks the same data pointer as the data
 * callback, so every callback's data starts with the struct nl pointer.
 */
struct cbdata {
	struct nl *n;
	void *p;
};

static int ctl_err_cb(const struct nlmsghdr *nlh, void *data)
{
	return err_cb(nlh, ((struct cbdata *)data)->n);
}

static int ctl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	return done_cb(nlh, ((struct cbdata *)data)->n);
}

static bool dump_ended(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
			return true;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return false;
}

static int request(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *p)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = ctl_err_cb,
		[NLMSG_DONE] = ctl_done_cb,
	};
	struct cbdata d = { n, p };
	uint32_t seq = nlh->nlmsg_seq;
	bool intr = false;
	int r;

	n->ext_msg[0] = 0;
	if (mnl_socket_sendto(n->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(n->sk, n->buf, BUF_SIZE);

		if (len < 0)
			return -errno;
		r = mnl_cb_run2(n->buf, len, seq, n->portid, cb, &d, ctl,
				NLMSG_MIN_TYPE);
		if (r == MNL_CB_ERROR && errno == EINTR) {
			/*
			 * NLM_F_DUMP_INTR: the configuration changed during
			 * the dump.  Read the rest of it and let the caller
			 * start again.
			 */
			if (dump_ended(n->buf, len))
				return -EINTR;
			intr = true;
			continue;
		}
		if (r == MNL_CB_ERROR)
			return -errno;
		if (r == MNL_CB_STOP)
			return intr ? -EINTR : 0;
	}
}

/* ---- family ------------------------------------------------------------- */

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *n = ((struct cbdata *)data)->n;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			n->family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

struct nl *nl_open(void)
{
	struct nl *n = xmalloc(sizeof(*n));
	struct nlmsghdr *nlh;
	int one = 1, size = 4 << 20, r;

	memset(n, 0, sizeof(*n));
	n->buf = xmalloc(BUF_SIZE);
	n->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!n->sk) {
		fprintf(stderr, "%s: netlink socket: %s\n", prog,
			strerror(errno));
		exit(1);
	}
	mnl_socket_setsockopt(n->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(n->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(n->sk), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)))
		setsockopt(mnl_socket_get_fd(n->sk), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));
	if (setsockopt(mnl_socket_get_fd(n->sk), SOL_SOCKET, SO_SNDBUFFORCE,
		       &size, sizeof(size)))
		setsockopt(mnl_socket_get_fd(n->sk), SOL_SOCKET, SO_SNDBUF,
			   &size, sizeof(size));
	if (mnl_socket_bind(n->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "%s: netlink bind: %s\n", prog, strerror(errno));
		exit(1);
	}
	n->portid = mnl_socket_get_portid(n->sk);
	n->seq = time(NULL);

	nlh = msg_start(n, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, CRYPTOMAP_GENL_NAME);
	r = request(n, nlh, family_cb, NULL);
	if (r || !n->family) {
		fprintf(stderr, "%s: the cryptomap kernel module is not loaded (generic netlink family \"%s\" not found)\n",
			prog, CRYPTOMAP_GENL_NAME);
		exit(1);
	}
	return n;
}

void nl_close(struct nl *n)
{
	if (!n)
		return;
	mnl_socket_close(n->sk);
	free(n->buf);
	free(n);
}

static void perm_exit(const char *what)
{
	fprintf(stderr, "%s: %s: permission denied: the cryptomap configuration can only be changed with CAP_NET_ADMIN (run as root)\n",
		prog, what);
	exit(1);
}

/* ---- attribute parsing helpers --------------------------------------------- */

/* the largest attribute number of any set, with room (SA: 35) */
#define TB_MAX 64

struct tb {
	const struct nlattr *a[TB_MAX];
};

static int tb_cb(const struct nlattr *a, void *data)
{
	struct tb *t = data;
	int type = mnl_attr_get_type(a);

	if (type < TB_MAX)
		t->a[type] = a;
	return MNL_CB_OK;
}

static void tb_parse(const struct nlmsghdr *nlh, struct tb *t)
{
	memset(t, 0, sizeof(*t));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tb_cb, t);
}

static void tb_nested(const struct nlattr *nest, struct tb *t)
{
	memset(t, 0, sizeof(*t));
	mnl_attr_parse_nested(nest, tb_cb, t);
}

static const char *a_str(const struct tb *t, int type)
{
	const struct nlattr *a = t->a[type];

	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
		return "";
	return mnl_attr_get_str(a);
}

static uint64_t a_uint(const struct tb *t, int type)
{
	const struct nlattr *a = t->a[type];

	if (!a)
		return 0;
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		return mnl_attr_get_u8(a);
	case 2:
		return mnl_attr_get_u16(a);
	case 4:
		return mnl_attr_get_u32(a);
	case 8:
		return mnl_attr_get_u64(a);
	}
	return 0;
}

/* ---- dumps into the model ----------------------------------------------------- */

static int acl_cb(const struct nlmsghdr *nlh, void *data)
{
	struct config *c = ((struct cbdata *)data)->p;
	const struct nlattr *x;
	struct tb t, u;
	struct acl *a;

	tb_parse(nlh, &t);
	if (!a_str(&t, CRYPTOMAP_ACL_A_NAME)[0])
		return MNL_CB_OK;
	/* a long ACL may come in several messages: they append */
	a = cfg_acl(c, a_str(&t, CRYPTOMAP_ACL_A_NAME), true);
	if (!t.a[CRYPTOMAP_ACL_A_ENTRIES])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(x, t.a[CRYPTOMAP_ACL_A_ENTRIES]) {
		struct ace e;

		memset(&e, 0, sizeof(e));
		tb_nested(x, &u);
		e.seq = a_uint(&u, CRYPTOMAP_ACE_A_SEQ);
		e.action = a_uint(&u, CRYPTOMAP_ACE_A_ACTION);
		e.proto = u.a[CRYPTOMAP_ACE_A_PROTO] ?
			  (int)a_uint(&u, CRYPTOMAP_ACE_A_PROTO) : -1;
		e.src = a_uint(&u, CRYPTOMAP_ACE_A_SRC_ADDR);
		e.swild = a_uint(&u, CRYPTOMAP_ACE_A_SRC_WILD);
		e.dst = a_uint(&u, CRYPTOMAP_ACE_A_DST_ADDR);
		e.dwild = a_uint(&u, CRYPTOMAP_ACE_A_DST_WILD);
		e.sop = a_uint(&u, CRYPTOMAP_ACE_A_SPORT_OP);
		e.slo = a_uint(&u, CRYPTOMAP_ACE_A_SPORT_LO);
		e.shi = a_uint(&u, CRYPTOMAP_ACE_A_SPORT_HI);
		e.dop = a_uint(&u, CRYPTOMAP_ACE_A_DPORT_OP);
		e.dlo = a_uint(&u, CRYPTOMAP_ACE_A_DPORT_LO);
		e.dhi = a_uint(&u, CRYPTOMAP_ACE_A_DPORT_HI);
		acl_insert(a, &e);
	}
	return MNL_CB_OK;
}

static int tset_cb(const struct nlmsghdr *nlh, void *data)
{
	struct config *c = ((struct cbdata *)data)->p;
	struct tset *s;
	struct tb t;

	tb_parse(nlh, &t);
	if (!a_str(&t, CRYPTOMAP_TSET_A_NAME)[0])
		return MNL_CB_OK;
	s = cfg_tset(c, a_str(&t, CRYPTOMAP_TSET_A_NAME), true);
	s->ah = a_uint(&t, CRYPTOMAP_TSET_A_AH);
	s->enc = a_uint(&t, CRYPTOMAP_TSET_A_ESP_ENC);
	s->keybits = a_uint(&t, CRYPTOMAP_TSET_A_ESP_KEYBITS);
	if (s->enc == CRYPTOMAP_ENC_AES || s->enc == CRYPTOMAP_ENC_GCM ||
	    s->enc == CRYPTOMAP_ENC_GMAC) {
		if (!s->keybits)
			s->keybits = 128;
	} else {
		s->keybits = 0;
	}
	s->eauth = a_uint(&t, CRYPTOMAP_TSET_A_ESP_AUTH);
	s->comp = a_uint(&t, CRYPTOMAP_TSET_A_COMP);
	s->mode = a_uint(&t, CRYPTOMAP_TSET_A_MODE);
	if (!s->mode)
		s->mode = CRYPTOMAP_MODE_TUNNEL;
	return MNL_CB_OK;
}

static int map_cb(const struct nlmsghdr *nlh, void *data)
{
	struct config *c = ((struct cbdata *)data)->p;
	struct cmap *m;
	struct tb t;

	tb_parse(nlh, &t);
	if (!a_str(&t, CRYPTOMAP_MAP_A_NAME)[0])
		return MNL_CB_OK;
	m = cfg_map(c, a_str(&t, CRYPTOMAP_MAP_A_NAME), true);
	snprintf(m->local_if, sizeof(m->local_if), "%s",
		 a_str(&t, CRYPTOMAP_MAP_A_LOCAL_IFNAME));
	return MNL_CB_OK;
}

static int entry_cb(const struct nlmsghdr *nlh, void *data)
{
	struct config *c = ((struct cbdata *)data)->p;
	const struct nlattr *x;
	struct entry *e;
	struct tb t, u;

	tb_parse(nlh, &t);
	if (!a_str(&t, CRYPTOMAP_ENTRY_A_MAP)[0])
		return MNL_CB_OK;
	cfg_map(c, a_str(&t, CRYPTOMAP_ENTRY_A_MAP), true);
	e = cfg_entry(c, a_str(&t, CRYPTOMAP_ENTRY_A_MAP),
		      a_uint(&t, CRYPTOMAP_ENTRY_A_SEQ), true);
	e->type = a_uint(&t, CRYPTOMAP_ENTRY_A_TYPE);
	snprintf(e->acl, sizeof(e->acl), "%s", a_str(&t, CRYPTOMAP_ENTRY_A_ACL));
	if (t.a[CRYPTOMAP_ENTRY_A_PEERS])
		mnl_attr_for_each_nested(x, t.a[CRYPTOMAP_ENTRY_A_PEERS])
			if (e->npeers < CRYPTOMAP_MAX_PEERS &&
			    mnl_attr_get_payload_len(x) == 4)
				e->peers[e->npeers++] = mnl_attr_get_u32(x);
	if (t.a[CRYPTOMAP_ENTRY_A_TSETS])
		mnl_attr_for_each_nested(x, t.a[CRYPTOMAP_ENTRY_A_TSETS])
			if (e->ntsets < CRYPTOMAP_MAX_TSETS &&
			    !mnl_attr_validate(x, MNL_TYPE_NUL_STRING))
				snprintf(e->tsets[e->ntsets++], NAME_LEN, "%s",
					 mnl_attr_get_str(x));
	e->pfs = a_uint(&t, CRYPTOMAP_ENTRY_A_PFS);
	e->life_sec = a_uint(&t, CRYPTOMAP_ENTRY_A_LIFE_SEC);
	e->life_kb = a_uint(&t, CRYPTOMAP_ENTRY_A_LIFE_KB);
	e->replay_mode = a_uint(&t, CRYPTOMAP_ENTRY_A_REPLAY_MODE);
	e->replay_window = a_uint(&t, CRYPTOMAP_ENTRY_A_REPLAY_WINDOW);
	if (e->replay_mode != CRYPTOMAP_REPLAY_WINDOW)
		e->replay_window = 0;
	e->idle = a_uint(&t, CRYPTOMAP_ENTRY_A_IDLE_TIME);
	e->esn = t.a[CRYPTOMAP_ENTRY_A_ESN] != NULL;
	e->inactive = a_uint(&t, CRYPTOMAP_ENTRY_A_INACTIVE);
	e->current_peer = a_uint(&t, CRYPTOMAP_ENTRY_A_CURRENT_PEER);
	if (t.a[CRYPTOMAP_ENTRY_A_KEYS])
		mnl_attr_for_each_nested(x, t.a[CRYPTOMAP_ENTRY_A_KEYS]) {
			struct skey *k;

			if (e->nkeys == MAX_KEYS)
				break;
			k = &e->keys[e->nkeys++];
			memset(k, 0, sizeof(*k));
			tb_nested(x, &u);
			k->dir = a_uint(&u, CRYPTOMAP_KEY_A_DIR);
			k->proto = a_uint(&u, CRYPTOMAP_KEY_A_PROTO);
			k->spi = a_uint(&u, CRYPTOMAP_KEY_A_SPI);
			k->cipher_len = a_uint(&u, CRYPTOMAP_KEY_A_CIPHER_LEN);
			k->auth_len = a_uint(&u, CRYPTOMAP_KEY_A_AUTH_LEN);
			k->has_cipher = k->cipher_len > 0;
			k->has_auth = k->auth_len > 0;
		}
	return MNL_CB_OK;
}

static int global_cb(const struct nlmsghdr *nlh, void *data)
{
	struct config *c = ((struct cbdata *)data)->p;
	struct global *g = &c->g;
	struct tb t;

	tb_parse(nlh, &t);
	if (t.a[CRYPTOMAP_GLOBAL_A_LIFE_SEC])
		g->life_sec = a_uint(&t, CRYPTOMAP_GLOBAL_A_LIFE_SEC);
	if (t.a[CRYPTOMAP_GLOBAL_A_LIFE_KB])
		g->life_kb = a_uint(&t, CRYPTOMAP_GLOBAL_A_LIFE_KB);
	if (t.a[CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW])
		g->replay_window = a_uint(&t, CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW);
	g->replay_disable = a_uint(&t, CRYPTOMAP_GLOBAL_A_REPLAY_DISABLE);
	g->idle = a_uint(&t, CRYPTOMAP_GLOBAL_A_IDLE_TIME);
	g->df_bit = a_uint(&t, CRYPTOMAP_GLOBAL_A_DF_BIT);
	g->frag = a_uint(&t, CRYPTOMAP_GLOBAL_A_FRAG);
	return MNL_CB_OK;
}

static int bind_cb(const struct nlmsghdr *nlh, void *data)
{
	struct config *c = ((struct cbdata *)data)->p;
	char name[IF_NAMESIZE];
	const char *ifname;
	struct binding *b;
	uint32_t idx;
	struct tb t;

	tb_parse(nlh, &t);
	ifname = a_str(&t, CRYPTOMAP_BIND_A_IFNAME);
	idx = a_uint(&t, CRYPTOMAP_BIND_A_IFINDEX);
	if (!ifname[0] && idx && if_indextoname(idx, name))
		ifname = name;
	if (!ifname[0])
		return MNL_CB_OK;
	b = cfg_bind(c, ifname, true);
	b->ifindex = idx;
	snprintf(b->map, sizeof(b->map), "%s", a_str(&t, CRYPTOMAP_BIND_A_MAP));
	return MNL_CB_OK;
}

static int dump(struct nl *n, uint8_t cmd, mnl_cb_t cb, void *p)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, cmd, NLM_F_DUMP);

	return request(n, nlh, cb, p);
}

static int load_once(struct nl *n, struct config *c);

/* the whole configuration, read again if it changed while being read */
int nl_load_config(struct nl *n, struct config *c)
{
	int tries, r = -1;

	for (tries = 0; tries < 10; tries++) {
		r = load_once(n, c);
		if (r != -EINTR)
			break;
		cfg_free(c);
	}
	if (r == -EINTR)
		fprintf(stderr, "%s: the configuration kept changing while it was read\n",
			prog);
	return r ? -1 : 0;
}

static int load_once(struct nl *n, struct config *c)
{
	static const struct {
		uint8_t cmd;
		mnl_cb_t cb;
		const char *what;
	} d[] = {
		{ CRYPTOMAP_CMD_ACL_GET, acl_cb, "access lists" },
		{ CRYPTOMAP_CMD_TSET_GET, tset_cb, "transform sets" },
		{ CRYPTOMAP_CMD_MAP_GET, map_cb, "crypto maps" },
		{ CRYPTOMAP_CMD_ENTRY_GET, entry_cb, "crypto map entries" },
		{ CRYPTOMAP_CMD_BIND_GET, bind_cb, "interfaces" },
	};
	struct nlmsghdr *nlh;
	size_t i;
	int r;

	cfg_init(c);
	nlh = msg_start(n, n->family, CRYPTOMAP_CMD_GLOBAL_GET, NLM_F_ACK);
	r = request(n, nlh, global_cb, c);
	if (r) {
		if (r == -EPERM)
			perm_exit("reading the configuration");
		fprintf(stderr, "%s: reading the global settings: %s\n", prog,
			n->ext_msg[0] ? n->ext_msg : strerror(-r));
		return -1;
	}
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		r = dump(n, d[i].cmd, d[i].cb, c);
		if (r == -EINTR)
			return r;
		if (r) {
			if (r == -EPERM)
				perm_exit("reading the configuration");
			fprintf(stderr, "%s: reading the %s: %s\n", prog,
				d[i].what, n->ext_msg[0] ? n->ext_msg : strerror(-r));
			return -1;
		}
	}
	cfg_sort(c);
	return 0;
}

/* ---- building SET and DEL requests ---------------------------------------------- */

static void put_ace(struct nlmsghdr *nlh, const struct ace *e)
{
	struct nlattr *x = mnl_attr_nest_start(nlh, CRYPTOMAP_ACL_A_ENTRY);

	mnl_attr_put_u32(nlh, CRYPTOMAP_ACE_A_SEQ, e->seq);
	mnl_attr_put_u8(nlh, CRYPTOMAP_ACE_A_ACTION, e->action);
	if (e->proto >= 0)
		mnl_attr_put_u8(nlh, CRYPTOMAP_ACE_A_PROTO, e->proto);
	mnl_attr_put_u32(nlh, CRYPTOMAP_ACE_A_SRC_ADDR, e->src);
	mnl_attr_put_u32(nlh, CRYPTOMAP_ACE_A_SRC_WILD, e->swild);
	mnl_attr_put_u32(nlh, CRYPTOMAP_ACE_A_DST_ADDR, e->dst);
	mnl_attr_put_u32(nlh, CRYPTOMAP_ACE_A_DST_WILD, e->dwild);
	if (e->sop) {
		mnl_attr_put_u8(nlh, CRYPTOMAP_ACE_A_SPORT_OP, e->sop);
		mnl_attr_put_u16(nlh, CRYPTOMAP_ACE_A_SPORT_LO, e->slo);
		if (e->sop == CRYPTOMAP_PORT_RANGE)
			mnl_attr_put_u16(nlh, CRYPTOMAP_ACE_A_SPORT_HI, e->shi);
	}
	if (e->dop) {
		mnl_attr_put_u8(nlh, CRYPTOMAP_ACE_A_DPORT_OP, e->dop);
		mnl_attr_put_u16(nlh, CRYPTOMAP_ACE_A_DPORT_LO, e->dlo);
		if (e->dop == CRYPTOMAP_PORT_RANGE)
			mnl_attr_put_u16(nlh, CRYPTOMAP_ACE_A_DPORT_HI, e->dhi);
	}
	mnl_attr_nest_end(nlh, x);
}

/*
 * Send the queued requests in one sendmsg and read the answers: the
 * kernel handles them in order and answers every refused one, then the
 * last one (NLM_F_ACK), refused or not.  0, or the error of the first
 * refused request (its operation in n->err_op, its extack message in
 * n->ext_msg).
 */
static int batch_flush(struct nl *n)
{
	unsigned int i, last, next = 0;
	bool done = false;
	int first = 0;
	ssize_t len;

	if (!n->bn)
		return 0;
	n->ext_msg[0] = 0;
	last = n->bn - 1;
	((struct nlmsghdr *)(n->buf + n->blast))->nlmsg_flags |= NLM_F_ACK;
	len = mnl_socket_sendto(n->sk, n->buf, n->boff);
	explicit_bzero(n->buf, n->boff);	/* session keys */
	n->boff = 0;
	if (len < 0) {
		first = -errno;
		n->err_op = n->bop[0];
		n->bn = 0;
		return first;
	}
	while (!done) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)n->buf;
		int left;

		len = mnl_socket_recvfrom(n->sk, n->buf, BUF_SIZE);
		if (len < 0) {
			if (!first) {
				first = -errno;
				n->err_op = n->bop[next];
			}
			break;
		}
		for (left = len; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			/* sequence numbers of one batch are consecutive */
			i = nlh->nlmsg_seq - n->bseq[0];
			if (nlh->nlmsg_type != NLMSG_ERROR || i >= n->bn ||
			    n->bseq[i] != nlh->nlmsg_seq ||
			    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				continue;
			next = i + 1;
			if (i == last)
				done = true;
			if (!e->error || first ||
			    (e->error == -ENOENT && n->bnoent[i]))
				continue;
			err_cb(nlh, n);
			first = e->error;
			n->err_op = n->bop[i];
		}
	}
	n->bn = 0;
	return first;
}

static int ack(struct nl *n, struct nlmsghdr *nlh)
{
	if (!n->batch)
		return request(n, nlh, NULL, NULL);
	nlh->nlmsg_flags &= ~NLM_F_ACK;	/* batch_flush() asks the last one */
	n->bseq[n->bn] = nlh->nlmsg_seq;
	n->bnoent[n->bn] = n->noent_ok;
	n->bop[n->bn++] = n->op;
	n->blast = n->boff;
	n->boff += NLMSG_ALIGN(nlh->nlmsg_len);
	if (n->bn == BATCH_MAX || n->boff > BUF_SIZE - MSG_MAX)
		return batch_flush(n);
	return 0;
}

static int set_acl(struct nl *n, const struct acl *a)
{
	size_t i = 0;
	int r;

	do {
		struct nlmsghdr *nlh;
		struct nlattr *x;
		size_t end = i + ACL_CHUNK < a->n ? i + ACL_CHUNK : a->n;

		nlh = msg_start(n, n->family, CRYPTOMAP_CMD_ACL_SET,
				NLM_F_ACK | (i ? NLM_F_APPEND : 0));
		mnl_attr_put_strz(nlh, CRYPTOMAP_ACL_A_NAME, a->name);
		x = mnl_attr_nest_start(nlh, CRYPTOMAP_ACL_A_ENTRIES);
		for (; i < end; i++)
			put_ace(nlh, &a->e[i]);
		mnl_attr_nest_end(nlh, x);
		r = ack(n, nlh);
		if (r)
			return r;
	} while (i < a->n);
	return 0;
}

static int set_tset(struct nl *n, const struct tset *t)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, CRYPTOMAP_CMD_TSET_SET,
					 NLM_F_ACK);

	mnl_attr_put_strz(nlh, CRYPTOMAP_TSET_A_NAME, t->name);
	if (t->ah)
		mnl_attr_put_u8(nlh, CRYPTOMAP_TSET_A_AH, t->ah);
	if (t->enc)
		mnl_attr_put_u8(nlh, CRYPTOMAP_TSET_A_ESP_ENC, t->enc);
	if (t->keybits)
		mnl_attr_put_u16(nlh, CRYPTOMAP_TSET_A_ESP_KEYBITS, t->keybits);
	if (t->eauth)
		mnl_attr_put_u8(nlh, CRYPTOMAP_TSET_A_ESP_AUTH, t->eauth);
	if (t->comp)
		mnl_attr_put_u8(nlh, CRYPTOMAP_TSET_A_COMP, t->comp);
	mnl_attr_put_u8(nlh, CRYPTOMAP_TSET_A_MODE, t->mode);
	return ack(n, nlh);
}

static int set_map(struct nl *n, const struct cmap *m)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, CRYPTOMAP_CMD_MAP_SET,
					 NLM_F_ACK);

	mnl_attr_put_strz(nlh, CRYPTOMAP_MAP_A_NAME, m->name);
	mnl_attr_put_strz(nlh, CRYPTOMAP_MAP_A_LOCAL_IFNAME, m->local_if);
	return ack(n, nlh);
}

static int set_entry(struct nl *n, const struct entry *e)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, CRYPTOMAP_CMD_ENTRY_SET,
					 NLM_F_ACK);
	struct nlattr *x, *y;
	int i, r;

	mnl_attr_put_strz(nlh, CRYPTOMAP_ENTRY_A_MAP, e->map);
	mnl_attr_put_u32(nlh, CRYPTOMAP_ENTRY_A_SEQ, e->seq);
	mnl_attr_put_u8(nlh, CRYPTOMAP_ENTRY_A_TYPE, e->type);
	if (e->acl[0])
		mnl_attr_put_strz(nlh, CRYPTOMAP_ENTRY_A_ACL, e->acl);
	if (e->npeers) {
		x = mnl_attr_nest_start(nlh, CRYPTOMAP_ENTRY_A_PEERS);
		for (i = 0; i < e->npeers; i++)
			mnl_attr_put_u32(nlh, CRYPTOMAP_ENTRY_A_PEER, e->peers[i]);
		mnl_attr_nest_end(nlh, x);
	}
	if (e->ntsets) {
		x = mnl_attr_nest_start(nlh, CRYPTOMAP_ENTRY_A_TSETS);
		for (i = 0; i < e->ntsets; i++)
			mnl_attr_put_strz(nlh, CRYPTOMAP_ENTRY_A_TSET, e->tsets[i]);
		mnl_attr_nest_end(nlh, x);
	}
	mnl_attr_put_u8(nlh, CRYPTOMAP_ENTRY_A_PFS, e->pfs);
	if (e->life_sec)
		mnl_attr_put_u32(nlh, CRYPTOMAP_ENTRY_A_LIFE_SEC, e->life_sec);
	if (e->life_kb)
		mnl_attr_put_u32(nlh, CRYPTOMAP_ENTRY_A_LIFE_KB, e->life_kb);
	mnl_attr_put_u8(nlh, CRYPTOMAP_ENTRY_A_REPLAY_MODE, e->replay_mode);
	if (e->replay_mode == CRYPTOMAP_REPLAY_WINDOW)
		mnl_attr_put_u32(nlh, CRYPTOMAP_ENTRY_A_REPLAY_WINDOW,
				 e->replay_window);
	if (e->idle)
		mnl_attr_put_u32(nlh, CRYPTOMAP_ENTRY_A_IDLE_TIME, e->idle);
	if (e->esn)
		mnl_attr_put(nlh, CRYPTOMAP_ENTRY_A_ESN, 0, NULL);
	if (e->nkeys) {
		x = mnl_attr_nest_start(nlh, CRYPTOMAP_ENTRY_A_KEYS);
		for (i = 0; i < e->nkeys; i++) {
			const struct skey *k = &e->keys[i];

			if (!k->known)
				continue;	/* cannot be sent back */
			y = mnl_attr_nest_start(nlh, CRYPTOMAP_ENTRY_A_KEY);
			mnl_attr_put_u8(nlh, CRYPTOMAP_KEY_A_DIR, k->dir);
			mnl_attr_put_u8(nlh, CRYPTOMAP_KEY_A_PROTO, k->proto);
			mnl_attr_put_u32(nlh, CRYPTOMAP_KEY_A_SPI, k->spi);
			if (k->has_cipher)
				mnl_attr_put(nlh, CRYPTOMAP_KEY_A_CIPHER,
					     k->cipher_len, k->cipher);
			if (k->has_auth)
				mnl_attr_put(nlh, CRYPTOMAP_KEY_A_AUTH,
					     k->auth_len, k->auth);
			mnl_attr_nest_end(nlh, y);
		}
		mnl_attr_nest_end(nlh, x);
	}
	r = ack(n, nlh);
	if (!n->batch)	/* a queued request is wiped once sent */
		explicit_bzero(n->buf, nlh->nlmsg_len);
	return r;
}

static int set_global(struct nl *n, const struct global *g)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, CRYPTOMAP_CMD_GLOBAL_SET,
					 NLM_F_ACK);

	mnl_attr_put_u32(nlh, CRYPTOMAP_GLOBAL_A_LIFE_SEC, g->life_sec);
	mnl_attr_put_u32(nlh, CRYPTOMAP_GLOBAL_A_LIFE_KB, g->life_kb);
	mnl_attr_put_u32(nlh, CRYPTOMAP_GLOBAL_A_REPLAY_WINDOW, g->replay_window);
	mnl_attr_put_u8(nlh, CRYPTOMAP_GLOBAL_A_REPLAY_DISABLE, g->replay_disable);
	mnl_attr_put_u32(nlh, CRYPTOMAP_GLOBAL_A_IDLE_TIME, g->idle);
	mnl_attr_put_u8(nlh, CRYPTOMAP_GLOBAL_A_DF_BIT, g->df_bit);
	mnl_attr_put_u8(nlh, CRYPTOMAP_GLOBAL_A_FRAG, g->frag);
	return ack(n, nlh);
}

static int set_bind(struct nl *n, const struct binding *b)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, CRYPTOMAP_CMD_BIND_SET,
					 NLM_F_ACK);

	mnl_attr_put_strz(nlh, CRYPTOMAP_BIND_A_IFNAME, b->ifname);
	mnl_attr_put_strz(nlh, CRYPTOMAP_BIND_A_MAP, b->map);
	return ack(n, nlh);
}

static int del_named(struct nl *n, uint8_t cmd, int attr, const char *name)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, cmd, NLM_F_ACK);
	int r;

	mnl_attr_put_strz(nlh, attr, name);
	n->noent_ok = true;
	r = ack(n, nlh);
	n->noent_ok = false;
	return r == -ENOENT ? 0 : r;	/* already gone is fine */
}

static int del_entry(struct nl *n, const struct entry *e)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, CRYPTOMAP_CMD_ENTRY_DEL,
					 NLM_F_ACK);
	int r;

	mnl_attr_put_strz(nlh, CRYPTOMAP_ENTRY_A_MAP, e->map);
	mnl_attr_put_u32(nlh, CRYPTOMAP_ENTRY_A_SEQ, e->seq);
	n->noent_ok = true;
	r = ack(n, nlh);
	n->noent_ok = false;
	return r == -ENOENT ? 0 : r;
}

/* ---- commit ------------------------------------------------------------------- */

enum objt { O_GLOBAL, O_ACL, O_TSET, O_MAP, O_ENTRY, O_BIND };

struct op {
	enum objt t;
	const void *old;	/* NULL: created by this change */
	const void *new;	/* NULL: deleted by this change */
};

static int obj_set(struct nl *n, enum objt t, const void *o)
{
	switch (t) {
	case O_GLOBAL:
		return set_global(n, o);
	case O_ACL:
		return set_acl(n, o);
	case O_TSET:
		return set_tset(n, o);
	case O_MAP:
		return set_map(n, o);
	case O_ENTRY:
		return set_entry(n, o);
	case O_BIND:
		return set_bind(n, o);
	}
	return -EINVAL;
}

static int obj_del(struct nl *n, enum objt t, const void *o)
{
	switch (t) {
	case O_ACL:
		return del_named(n, CRYPTOMAP_CMD_ACL_DEL, CRYPTOMAP_ACL_A_NAME,
				 ((const struct acl *)o)->name);
	case O_TSET:
		return del_named(n, CRYPTOMAP_CMD_TSET_DEL,
				 CRYPTOMAP_TSET_A_NAME,
				 ((const struct tset *)o)->name);
	case O_MAP:
		return del_named(n, CRYPTOMAP_CMD_MAP_DEL, CRYPTOMAP_MAP_A_NAME,
				 ((const struct cmap *)o)->name);
	case O_ENTRY:
		return del_entry(n, o);
	case O_BIND:
		return del_named(n, CRYPTOMAP_CMD_BIND_DEL,
				 CRYPTOMAP_BIND_A_IFNAME,
				 ((const struct binding *)o)->ifname);
	case O_GLOBAL:
		break;
	}
	return -EINVAL;
}

static int obj_line(enum objt t, const void *o)
{
	switch (t) {
	case O_GLOBAL:
		return ((const struct global *)o)->line;
	case O_ACL:
		return ((const struct acl *)o)->line;
	case O_TSET:
		return ((const struct tset *)o)->line;
	case O_MAP:
		return ((const struct cmap *)o)->line;
	case O_ENTRY:
		return ((const struct entry *)o)->line;
	case O_BIND:
		return ((const struct binding *)o)->line;
	}
	return 0;
}

static void obj_desc(enum objt t, const void *o, char *buf, size_t len)
{
	switch (t) {
	case O_GLOBAL:
		snprintf(buf, len, "crypto ipsec global settings");
		break;
	case O_ACL:
		snprintf(buf, len, "access list %s", ((const struct acl *)o)->name);
		break;
	case O_TSET:
		snprintf(buf, len, "transform set %s",
			 ((const struct tset *)o)->name);
		break;
	case O_MAP:
		snprintf(buf, len, "crypto map %s", ((const struct cmap *)o)->name);
		break;
	case O_ENTRY:
		snprintf(buf, len, "crypto map %s %u",
			 ((const struct entry *)o)->map,
			 ((const struct entry *)o)->seq);
		break;
	case O_BIND:
		snprintf(buf, len, "interface %s",
			 ((const struct binding *)o)->ifname);
		break;
	}
}

struct oplist {
	struct op *v;
	size_t n;
};

static void add_op(struct oplist *l, enum objt t, const void *old,
		   const void *new)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = (struct op){ t, old, new };
}

/*
 * The list of changes.  Creations and changes come first, referenced
 * objects before the objects that name them; deletions come last.  A
 * kernel refusal therefore happens before anything was deleted, and the
 * roll back only replaces objects in place or deletes new ones: the
 * kernel's lists keep their order (transform sets and maps are shown in
 * creation order, as IOS does).
 */
static void plan(const struct config *o, const struct config *c,
		 struct oplist *l)
{
	struct config *oo = (struct config *)o, *cc = (struct config *)c;
	const void *p;
	size_t i;

	if (!global_equal(&o->g, &c->g))
		add_op(l, O_GLOBAL, &o->g, &c->g);
	for (i = 0; i < c->nacls; i++) {
		p = cfg_acl(oo, c->acls[i].name, false);
		if (!p || !acl_equal(p, &c->acls[i]))
			add_op(l, O_ACL, p, &c->acls[i]);
	}
	for (i = 0; i < c->ntsets; i++) {
		p = cfg_tset(oo, c->tsets[i].name, false);
		if (!p || !tset_equal(p, &c->tsets[i]))
			add_op(l, O_TSET, p, &c->tsets[i]);
	}
	for (i = 0; i < c->nmaps; i++) {
		p = cfg_map(oo, c->maps[i].name, false);
		if (!p || !map_equal(p, &c->maps[i]))
			add_op(l, O_MAP, p, &c->maps[i]);
	}
	for (i = 0; i < c->nentries; i++) {
		p = cfg_entry(oo, c->entries[i].map, c->entries[i].seq, false);
		if (!p || !entry_equal(p, &c->entries[i]))
			add_op(l, O_ENTRY, p, &c->entries[i]);
	}
	for (i = 0; i < c->nbinds; i++) {
		p = cfg_bind(oo, c->binds[i].ifname, false);
		if (!p || !bind_equal(p, &c->binds[i]))
			add_op(l, O_BIND, p, &c->binds[i]);
	}

	for (i = 0; i < o->nbinds; i++)
		if (!cfg_bind(cc, o->binds[i].ifname, false))
			add_op(l, O_BIND, &o->binds[i], NULL);
	for (i = 0; i < o->nentries; i++)
		if (!cfg_entry(cc, o->entries[i].map, o->entries[i].seq, false))
			add_op(l, O_ENTRY, &o->entries[i], NULL);
	for (i = 0; i < o->nmaps; i++)
		if (!cfg_map(cc, o->maps[i].name, false))
			add_op(l, O_MAP, &o->maps[i], NULL);
	for (i = 0; i < o->ntsets; i++)
		if (!cfg_tset(cc, o->tsets[i].name, false))
			add_op(l, O_TSET, &o->tsets[i], NULL);
	for (i = 0; i < o->nacls; i++)
		if (!cfg_acl(cc, o->acls[i].name, false))
			add_op(l, O_ACL, &o->acls[i], NULL);
}

static void report(struct nl *n, enum objt t, const void *o, int err)
{
	char desc[160];
	int line = obj_line(t, o);

	obj_desc(t, o, desc, sizeof(desc));
	if (line)
		fprintf(stderr, "line %d: ", line);
	else
		fprintf(stderr, "%s: ", prog);
	if (n->ext_msg[0])
		fprintf(stderr, "%s\n", n->ext_msg);
	else
		fprintf(stderr, "%s: %s\n", desc, strerror(-err));
}

/*
 * CONFIG_BEGIN/COMMIT/ABORT: the kernel compiles the policy once for the
 * whole file, and puts everything back itself on ABORT (keys included).
 * A module without them answers EOPNOTSUPP: then every request compiles
 * and the roll back below is done request by request.
 */
static int txn(struct nl *n, uint8_t cmd)
{
	return ack(n, msg_start(n, n->family, cmd, NLM_F_ACK));
}

int nl_commit(struct nl *n, const struct config *old, const struct config *new)
{
	struct oplist l = { NULL, 0 };
	size_t i, done;
	int r = 0, k;
	bool in_txn;

	plan(old, new, &l);

	/* changed manual entries must carry their keys again */
	for (i = 0; i < l.n; i++) {
		const struct entry *e = l.v[i].new;

		if (l.v[i].t != O_ENTRY || !e)
			continue;
		for (k = 0; k < e->nkeys; k++) {
			if (e->keys[k].known)
				continue;
			fprintf(stderr, "line %d: crypto map %s %u: session keys cannot be read back from the kernel and the entry is replaced as a whole: enter its set session-key lines again\n",
				e->line, e->map, e->seq);
			free(l.v);
			return -1;
		}
	}

	in_txn = l.n && !txn(n, CRYPTOMAP_CMD_CONFIG_BEGIN);
	/* in a transaction the requests go BATCH_MAX per round trip */
	n->batch = in_txn;
	for (done = 0; done < l.n; done++) {
		struct op *op = &l.v[done];

		n->op = done;
		r = op->new ? obj_set(n, op->t, op->new) :
			      obj_del(n, op->t, op->old);
		if (r)
			break;
	}
	if (n->batch) {
		if (!r)
			r = batch_flush(n);
		if (r)
			done = n->err_op;
		n->batch = false;
	}
	if (r) {
		struct op *op = &l.v[done];

		if (r == -EPERM)
			perm_exit("changing the configuration");
		report(n, op->t, op->new ? op->new : op->old, r);
	}
	if (!r && in_txn) {
		r = txn(n, CRYPTOMAP_CMD_CONFIG_COMMIT);
		if (r)
			fprintf(stderr, "%s: applying the configuration: %s\n",
				prog, n->ext_msg[0] ? n->ext_msg : strerror(-r));
		free(l.v);
		return r ? -1 : 0;
	}
	if (!r) {
		free(l.v);
		return 0;
	}
	if (in_txn) {
		k = txn(n, CRYPTOMAP_CMD_CONFIG_ABORT);
		if (k)
			fprintf(stderr, "%s: rolling back the configuration failed: %s\n",
				prog, n->ext_msg[0] ? n->ext_msg : strerror(-k));
		free(l.v);
		return -1;
	}

	/* roll back what was done, newest first; the failed op may be half done */
	for (i = done + 1; i-- > 0;) {
		struct op *op = &l.v[i];
		char desc[160];
		int rr;

		if (op->old)
			rr = obj_set(n, op->t, op->old);
		else
			rr = obj_del(n, op->t, op->new);
		if (rr) {
			obj_desc(op->t, op->old ? op->old : op->new, desc,
				 sizeof(desc));
			fprintf(stderr, "%s: rolling back %s failed: %s\n", prog,
				desc, n->ext_msg[0] ? n->ext_msg : strerror(-rr));
		} else if (op->t == O_ENTRY && op->old &&
			   ((const struct entry *)op->old)->nkeys) {
			obj_desc(op->t, op->old, desc, sizeof(desc));
			fprintf(stderr, "%% Warning: %s was restored without its session keys (they cannot be read back)\n",
				desc);
		}
	}
	free(l.v);
	return -1;
}

/* ---- security associations --------------------------------------------------------- */

struct salist {
	struct sa **v;
	size_t *n;
};

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct salist *l = ((struct cbdata *)data)->p;
	struct sa *s;
	struct tb t, u;
	int i;

	tb_parse(nlh, &t);
	*l->v = xrealloc(*l->v, (*l->n + 1) * sizeof(**l->v));
	s = &(*l->v)[(*l->n)++];
	memset(s, 0, sizeof(*s));
	snprintf(s->map, sizeof(s->map), "%s", a_str(&t, CRYPTOMAP_SA_A_MAP));
	s->seq = a_uint(&t, CRYPTOMAP_SA_A_SEQ);
	s->dir = a_uint(&t, CRYPTOMAP_SA_A_DIR);
	s->proto = a_uint(&t, CRYPTOMAP_SA_A_PROTO);
	s->spi = a_uint(&t, CRYPTOMAP_SA_A_SPI);
	s->src = a_uint(&t, CRYPTOMAP_SA_A_SRC);
	s->dst = a_uint(&t, CRYPTOMAP_SA_A_DST);
	snprintf(s->tset, sizeof(s->tset), "%s", a_str(&t, CRYPTOMAP_SA_A_TSET));
	s->mode = a_uint(&t, CRYPTOMAP_SA_A_MODE);
	s->status = a_uint(&t, CRYPTOMAP_SA_A_STATUS);
	s->iv_size = a_uint(&t, CRYPTOMAP_SA_A_IV_SIZE);
	s->replay_window = a_uint(&t, CRYPTOMAP_SA_A_REPLAY_WINDOW);
	s->life_kb_left = a_uint(&t, CRYPTOMAP_SA_A_LIFE_KB_LEFT);
	s->life_sec_left = a_uint(&t, CRYPTOMAP_SA_A_LIFE_SEC_LEFT);
	s->has_life = t.a[CRYPTOMAP_SA_A_LIFE_SEC_LEFT] != NULL;
	s->esn = t.a[CRYPTOMAP_SA_A_ESN] != NULL;
	s->oseq = a_uint(&t, CRYPTOMAP_SA_A_OSEQ);
	if (t.a[CRYPTOMAP_SA_A_STATS]) {
		tb_nested(t.a[CRYPTOMAP_SA_A_STATS], &u);
		for (i = 1; i < __CRYPTOMAP_SA_STATS_MAX; i++)
			s->st[i] = a_uint(&u, i);
	}
	return MNL_CB_OK;
}

int nl_sa_dump(struct nl *n, struct sa **sas, size_t *nsas)
{
	struct salist l = { sas, nsas };
	int r;

	*sas = NULL;
	*nsas = 0;
	r = dump(n, CRYPTOMAP_CMD_SA_GET, sa_cb, &l);
	if (r) {
		if (r == -EPERM)
			perm_exit("reading the SAs");
		fprintf(stderr, "%s: reading the SAs: %s\n", prog,
			n->ext_msg[0] ? n->ext_msg : strerror(-r));
		return -1;
	}
	return 0;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats *st = ((struct cbdata *)data)->p;
	struct tb t;
	int i;

	tb_parse(nlh, &t);
	for (i = 1; i < __CRYPTOMAP_STATS_A_MAX; i++)
		st->v[i] = a_uint(&t, i);
	return MNL_CB_OK;
}

int nl_stats_get(struct nl *n, struct stats *st)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, CRYPTOMAP_CMD_STATS_GET,
					 NLM_F_ACK);
	int r;

	memset(st, 0, sizeof(*st));
	r = request(n, nlh, stats_cb, st);
	if (r) {
		fprintf(stderr, "%s: reading the counters: %s\n", prog,
			n->ext_msg[0] ? n->ext_msg : strerror(-r));
		return -1;
	}
	return 0;
}

int nl_sa_clear(struct nl *n, const struct sa_clear *sc)
{
	struct nlmsghdr *nlh = msg_start(n, n->family, CRYPTOMAP_CMD_SA_CLEAR,
					 NLM_F_ACK);
	int r;

	if (sc->map)
		mnl_attr_put_strz(nlh, CRYPTOMAP_SA_A_MAP, sc->map);
	if (sc->peer)
		mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_PEER, sc->peer);
	if (sc->spi) {
		mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_DST, sc->dst);
		mnl_attr_put_u8(nlh, CRYPTOMAP_SA_A_PROTO, sc->proto);
		mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_SPI, sc->spi);
	}
	if (sc->counters)
		mnl_attr_put(nlh, CRYPTOMAP_SA_A_COUNTERS_ONLY, 0, NULL);
	r = ack(n, nlh);
	if (r) {
		if (r == -EPERM)
			perm_exit("clear crypto sa");
		fprintf(stderr, "%s: clear crypto sa: %s\n", prog,
			n->ext_msg[0] ? n->ext_msg : strerror(-r));
		return -1;
	}
	return 0;
}
