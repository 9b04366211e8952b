// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: the module's SA operations and events (issue #5), included
 * by kernel.c when the uapi header has them (HAVE_SA_OPS).
 */

bool knl_available(void)
{
	return family != 0;
}

struct tb {
	const struct nlattr *a[CRYPTOMAP_SA_A_MAX + 1];
};

static int tb_cb(const struct nlattr *a, void *data)
{
	struct tb *t = data;
	int type = mnl_attr_get_type(a);

	if (type > 0 && type <= CRYPTOMAP_SA_A_MAX)
		t->a[type] = a;
	return MNL_CB_OK;
}

static const char *a_str(const struct tb *t, int type)
{
	const struct nlattr *a = t->a[type];

	return a && !mnl_attr_validate(a, MNL_TYPE_NUL_STRING) ?
	       mnl_attr_get_str(a) : NULL;
}

static uint32_t a_u32(const struct tb *t, int type)
{
	const struct nlattr *a = t->a[type];

	return a && !mnl_attr_validate(a, MNL_TYPE_U32) ? mnl_attr_get_u32(a) : 0;
}

static uint8_t a_u8(const struct tb *t, int type)
{
	const struct nlattr *a = t->a[type];

	return a && !mnl_attr_validate(a, MNL_TYPE_U8) ? mnl_attr_get_u8(a) : 0;
}

/* the ACL line of an ACQUIRE (enum cryptomap_ace_attrs) */
static void selector_parse(const struct nlattr *nest, struct ace *e)
{
	const struct nlattr *a;

	memset(e, 0, sizeof(*e));
	e->proto = -1;
	e->action = CRYPTOMAP_ACE_PERMIT;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case CRYPTOMAP_ACE_A_PROTO:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				e->proto = mnl_attr_get_u8(a);
			break;
		case CRYPTOMAP_ACE_A_SRC_ADDR:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				e->src = mnl_attr_get_u32(a);
			break;
		case CRYPTOMAP_ACE_A_SRC_WILD:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				e->swild = mnl_attr_get_u32(a);
			break;
		case CRYPTOMAP_ACE_A_DST_ADDR:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				e->dst = mnl_attr_get_u32(a);
			break;
		case CRYPTOMAP_ACE_A_DST_WILD:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				e->dwild = mnl_attr_get_u32(a);
			break;
		case CRYPTOMAP_ACE_A_SPORT_OP:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				e->sop = mnl_attr_get_u8(a);
			break;
		case CRYPTOMAP_ACE_A_SPORT_LO:
			if (!mnl_attr_validate(a, MNL_TYPE_U16))
				e->slo = mnl_attr_get_u16(a);
			break;
		case CRYPTOMAP_ACE_A_DPORT_OP:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				e->dop = mnl_attr_get_u8(a);
			break;
		case CRYPTOMAP_ACE_A_DPORT_LO:
			if (!mnl_attr_validate(a, MNL_TYPE_U16))
				e->dlo = mnl_attr_get_u16(a);
			break;
		}
	}
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const char *map, *why = NULL;
	struct tb t = { { 0 } };
	uint32_t seq;

	(void)data;
	if (nlh->nlmsg_type != family ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*g), tb_cb, &t);
	map = a_str(&t, CRYPTOMAP_SA_A_MAP);
	seq = a_u32(&t, CRYPTOMAP_SA_A_SEQ);
	switch (g->cmd) {
	case CRYPTOMAP_CMD_ACQUIRE: {
		struct ace sel;
		uint32_t peer = a_u32(&t, CRYPTOMAP_SA_A_PEER);

		if (!map)
			break;
		if (t.a[CRYPTOMAP_SA_A_SELECTOR])
			selector_parse(t.a[CRYPTOMAP_SA_A_SELECTOR], &sel);
		log_info("ACQUIRE for crypto map %s %u, peer %s", map, seq,
			 ipstr(peer));
		reload_maps();
		if (ike_initiate_acq(map, seq, peer,
				     t.a[CRYPTOMAP_SA_A_SELECTOR] ? &sel : NULL, &why))
			log_err("crypto map %s %u: %s", map, seq, why);
		break;
	}
	case CRYPTOMAP_CMD_EXPIRE:
		if (!map)
			break;
		log_info("EXPIRE %s for %s %u spi 0x%08X (%s, reason %u)",
			 t.a[CRYPTOMAP_SA_A_HARD] ? "hard" : "soft", map, seq,
			 a_u32(&t, CRYPTOMAP_SA_A_SPI),
			 a_u8(&t, CRYPTOMAP_SA_A_DIR) == CRYPTOMAP_DIR_IN ? "in" : "out",
			 a_u8(&t, CRYPTOMAP_SA_A_REASON));
		/*
		 * rekey once per pair: on the outbound SA's soft expiry; an
		 * IPComp SA's (its SPI a CPI) comes with its ESP/AH SA's
		 */
		if (a_u8(&t, CRYPTOMAP_SA_A_PROTO) == 108)
			break;
		if (t.a[CRYPTOMAP_SA_A_HARD] ||
		    a_u8(&t, CRYPTOMAP_SA_A_DIR) == CRYPTOMAP_DIR_OUT ||
		    a_u8(&t, CRYPTOMAP_SA_A_REASON) == CRYPTOMAP_EXPIRE_IDLE) {
			/* entries with set ikev2-profile are IKEv2's */
			if (!ikev2_child_expired(map, seq, a_u32(&t, CRYPTOMAP_SA_A_SPI),
						 t.a[CRYPTOMAP_SA_A_HARD] != NULL))
				child_expired(map, seq, a_u32(&t, CRYPTOMAP_SA_A_SPI),
					      t.a[CRYPTOMAP_SA_A_HARD] != NULL);
		}
		break;
	case CRYPTOMAP_CMD_INVALID_SPI:
		log_warn("%%CRYPTO-4-RECVD_PKT_INV_SPI: spi 0x%08X from %s",
			 a_u32(&t, CRYPTOMAP_SA_A_SPI),
			 ipstr(a_u32(&t, CRYPTOMAP_SA_A_SRC)));
		break;
	}
	return MNL_CB_OK;
}

/* Every queued event (a starved daemon reads them before its timers run). */
void knl_event_input(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int i;

	for (i = 0; i < EV_BATCH; i++) {
		ssize_t n = recv(mnl_socket_get_fd(ev_sk), buf, sizeof(buf),
				 MSG_DONTWAIT);

		if (n < 0 && errno == ENOBUFS) {
			/* reported once; what is still queued is read next */
			log_warn("events: the socket overflowed, ACQUIRE/EXPIRE events were lost");
			continue;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_dbg("events: %s", strerror(errno));
			return;
		}
		mnl_cb_run(buf, n, 0, 0, event_cb, NULL);
	}
}

static int spi_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tb t = { { 0 } };

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tb_cb, &t);
	*(uint32_t *)data = a_u32(&t, CRYPTOMAP_SA_A_SPI);
	return MNL_CB_OK;
}

int knl_spi_alloc(const char *map, uint32_t seq, uint32_t peer, uint8_t proto,
		  uint32_t *spi)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	(void)map; (void)seq; (void)peer;
	if (!family)
		return -2;
	nlh = msg_start(buf, family, CRYPTOMAP_CMD_SPI_ALLOC, 0);
	mnl_attr_put_u8(nlh, CRYPTOMAP_SA_A_PROTO, proto);
	*spi = 0;
	if (request(nlh, spi_cb, spi) || *spi < 256) {
		log_warn("SPI allocation: %s", ext_msg[0] ? ext_msg : strerror(errno));
		return -1;
	}
	return 0;
}

int knl_sa_install(const struct sa_install *si)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int i, r;

	if (!family)
		return -2;
	nlh = msg_start(buf, family, CRYPTOMAP_CMD_SA_ADD, 0);
	mnl_attr_put_strz(nlh, CRYPTOMAP_SA_A_MAP, si->map);
	mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_SEQ, si->seq);
	mnl_attr_put_strz(nlh, CRYPTOMAP_SA_A_TSET, si->tset);
	mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_PEER, si->peer);
	mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_LIFE_SEC, si->life_sec);
	mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_LIFE_KB, si->life_kb);
	if (si->standby)
		mnl_attr_put(nlh, CRYPTOMAP_SA_A_STANDBY, 0, NULL);
	if (si->esn)
		mnl_attr_put(nlh, CRYPTOMAP_SA_A_ESN, 0, NULL);
	for (i = 0; i < si->nkeys; i++) {
		const struct sa_key *k = &si->keys[i];
		struct nlattr *n = mnl_attr_nest_start(nlh, CRYPTOMAP_SA_A_KEY);

		mnl_attr_put_u8(nlh, CRYPTOMAP_KEY_A_DIR, k->dir);
		mnl_attr_put_u8(nlh, CRYPTOMAP_KEY_A_PROTO, k->ipproto);
		mnl_attr_put_u32(nlh, CRYPTOMAP_KEY_A_SPI, k->spi);
		if (k->cl)
			mnl_attr_put(nlh, CRYPTOMAP_KEY_A_CIPHER, k->cl, k->ck);
		if (k->al)
			mnl_attr_put(nlh, CRYPTOMAP_KEY_A_AUTH, k->al, k->ak);
		mnl_attr_nest_end(nlh, n);
	}
	r = request(nlh, NULL, NULL);
	explicit_bzero(buf, sizeof(buf));
	if (r) {
		log_err("SA_ADD for %s %u: %s", si->map, si->seq,
			ext_msg[0] ? ext_msg : strerror(errno));
		return -1;
	}
	return 0;
}

int knl_sa_delete(const char *map, uint32_t seq, uint32_t peer, uint8_t proto,
		  uint32_t spi)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	(void)peer;
	if (!family)
		return -2;
	nlh = msg_start(buf, family, CRYPTOMAP_CMD_SA_DEL, 0);
	mnl_attr_put_u8(nlh, CRYPTOMAP_SA_A_PROTO, proto);
	mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_SPI, spi);
	if (request(nlh, NULL, NULL)) {
		log_dbg("SA_DEL %s %u spi 0x%08X: %s", map, seq, spi,
			ext_msg[0] ? ext_msg : strerror(errno));
		return -1;
	}
	return 0;
}

int knl_peer_set(const char *map, uint32_t seq, uint32_t peer)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (!family)
		return -2;
	nlh = msg_start(buf, family, CRYPTOMAP_CMD_PEER_SET, 0);
	mnl_attr_put_strz(nlh, CRYPTOMAP_SA_A_MAP, map);
	mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_SEQ, seq);
	mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_PEER, peer);
	if (request(nlh, NULL, NULL)) {
		log_err("PEER_SET %s %u %s: %s", map, seq, ipstr(peer),
			ext_msg[0] ? ext_msg : strerror(errno));
		return -1;
	}
	return 0;
}

static void put_out_key(struct nlmsghdr *nlh, uint8_t ipproto, uint32_t spi)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, CRYPTOMAP_SA_A_KEY);

	mnl_attr_put_u8(nlh, CRYPTOMAP_KEY_A_DIR, CRYPTOMAP_DIR_OUT);
	mnl_attr_put_u8(nlh, CRYPTOMAP_KEY_A_PROTO, ipproto);
	mnl_attr_put_u32(nlh, CRYPTOMAP_KEY_A_SPI, spi);
	mnl_attr_nest_end(nlh, n);
}

/*
 * SA_UPDATE ACTIVATE: the standby pair holding spi_in takes over output;
 * with spi_out, a pair installed before the peer's SPI was known takes
 * that SPI, and its CPI if any, first.
 */
int knl_sa_complete(uint8_t ipproto, uint32_t spi_in, uint32_t spi_out,
		    uint16_t cpi_out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (!family)
		return -2;
	nlh = msg_start(buf, family, CRYPTOMAP_CMD_SA_UPDATE, 0);
	mnl_attr_put_u8(nlh, CRYPTOMAP_SA_A_PROTO, ipproto);
	mnl_attr_put_u32(nlh, CRYPTOMAP_SA_A_SPI, spi_in);
	if (spi_out)
		put_out_key(nlh, ipproto, spi_out);
	if (cpi_out)
		put_out_key(nlh, 108, cpi_out);
	mnl_attr_put(nlh, CRYPTOMAP_SA_A_ACTIVATE, 0, NULL);
	if (request(nlh, NULL, NULL)) {
		log_err("SA_UPDATE activate spi 0x%08X (outbound spi 0x%08X): %s",
			spi_in, spi_out, ext_msg[0] ? ext_msg : strerror(errno));
		return -1;
	}
	return 0;
}

int knl_sa_activate(uint8_t ipproto, uint32_t spi_in)
{
	return knl_sa_complete(ipproto, spi_in, 0, 0);
}

/* ---- restart: re-learn the keyed SA pairs from the module (SA_GET) ---- */

struct rl_sa {
	char map[NAME_LEN], tset[NAME_LEN];
	uint32_t seq, spi, peer, life;
	uint8_t dir, proto, status;
};

struct rl_list {
	struct rl_sa *v;
	size_t n;
};

static int rl_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_list *l = data;
	struct tb t = { { 0 } };
	struct rl_sa *s;
	const char *map, *tset;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tb_cb, &t);
	map = a_str(&t, CRYPTOMAP_SA_A_MAP);
	tset = a_str(&t, CRYPTOMAP_SA_A_TSET);
	/* manual SAs have no lifetime: not ours */
	if (!map || !tset || !t.a[CRYPTOMAP_SA_A_LIFE_SEC_LEFT])
		return MNL_CB_OK;
	s = realloc(l->v, (l->n + 1) * sizeof(*s));
	if (!s)
		return MNL_CB_ERROR;
	l->v = s;
	s = &l->v[l->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->map, sizeof(s->map), "%s", map);
	snprintf(s->tset, sizeof(s->tset), "%s", tset);
	s->seq = a_u32(&t, CRYPTOMAP_SA_A_SEQ);
	s->spi = a_u32(&t, CRYPTOMAP_SA_A_SPI);
	s->dir = a_u8(&t, CRYPTOMAP_SA_A_DIR);
	s->proto = a_u8(&t, CRYPTOMAP_SA_A_PROTO);
	s->status = a_u8(&t, CRYPTOMAP_SA_A_STATUS);
	s->life = a_u32(&t, CRYPTOMAP_SA_A_LIFE_SEC_LEFT);
	s->peer = a_u32(&t, s->dir == CRYPTOMAP_DIR_IN ? CRYPTOMAP_SA_A_SRC :
			CRYPTOMAP_SA_A_DST);
	return MNL_CB_OK;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_STOP;
}

static mnl_cb_t dump_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = err_cb, [NLMSG_DONE] = done_cb,
};

/* the newest SA (most lifetime left) of an entry, one direction */
static const struct rl_sa *rl_pick(const struct rl_list *l, const struct rl_sa *k,
				   uint8_t dir, uint8_t proto)
{
	const struct rl_sa *best = NULL;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct rl_sa *s = &l->v[i];

		if (s->dir != dir || s->proto != proto || s->seq != k->seq ||
		    s->peer != k->peer || strcmp(s->map, k->map) ||
		    s->status == CRYPTOMAP_SA_EXPIRED)
			continue;
		if (!best || s->life > best->life)
			best = s;
	}
	return best;
}

/*
 * One dump of the module's SAs; for each entry and peer, the newest
 * inbound and outbound SA (ESP, else AH) become a child, as if we had
 * negotiated them.  Older pairs in their grace time are left to the module.
 */
int knl_relearn(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid, seq;
	struct rl_list l = { NULL, 0 };
	struct nlmsghdr *nlh;
	size_t i, j;
	ssize_t n;
	int r, found = 0;

	if (!family)
		return 0;
	nlh = msg_start(buf, family, CRYPTOMAP_CMD_SA_GET, NLM_F_DUMP);
	seq = nlh->nlmsg_seq;
	portid = mnl_socket_get_portid(req_sk);
	if (mnl_socket_sendto(req_sk, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(req_sk, buf, sizeof(buf));
		if (n < 0) {
			free(l.v);
			return -1;
		}
		r = mnl_cb_run2(buf, n, seq, portid, rl_cb, &l, dump_cbs,
				NLMSG_MIN_TYPE);
	} while (r > 0);
	if (r < 0) {
		log_warn("re-learning the SAs (SA_GET): %s", strerror(errno));
		free(l.v);
		return -1;
	}
	for (i = 0; i < l.n; i++) {
		const struct rl_sa *k = &l.v[i], *in, *out;
		uint8_t proto = 50;
		bool seen = false;

		for (j = 0; j < i; j++)
			seen |= l.v[j].seq == k->seq && l.v[j].peer == k->peer &&
				!strcmp(l.v[j].map, k->map);
		if (seen)
			continue;
		in = rl_pick(&l, k, CRYPTOMAP_DIR_IN, 50);
		out = rl_pick(&l, k, CRYPTOMAP_DIR_OUT, 50);
		if (!in || !out) {
			proto = 51;
			in = rl_pick(&l, k, CRYPTOMAP_DIR_IN, 51);
			out = rl_pick(&l, k, CRYPTOMAP_DIR_OUT, 51);
		}
		if (!in || !out)
			continue;
		if (proto == 50 && v2_profile_of(k->map, k->seq)) {
			const struct rl_sa *cin, *cout;

			cin = rl_pick(&l, k, CRYPTOMAP_DIR_IN, 108);
			cout = rl_pick(&l, k, CRYPTOMAP_DIR_OUT, 108);
			ikev2_relearn(k->map, k->seq, k->peer, in->spi, out->spi,
				      cin ? cin->spi : 0, cout ? cout->spi : 0,
				      in->tset, in->life < out->life ?
				      in->life : out->life);
		} else {
			child_relearn(k->map, k->seq, k->peer,
				      proto == 50 ? PROTO_ESP : PROTO_AH, in->spi,
				      out->spi, in->tset, in->life < out->life ?
				      in->life : out->life);
		}
		found++;
	}
	free(l.v);
	return found;
}
