// SPDX-License-Identifier: GPL-2.0
/*
 * show crypto ipsec sa [detail] [peer A | map NAME | interface IF] and
 * clear crypto sa [peer A | map NAME | entry DST esp|ah SPI | counters].
 *
 * One block per permit line of the crypto ACL of each entry of the map
 * bound to an interface (a flow), printed even before it has SAs.  The
 * SAs of an entry (CRYPTOMAP_CMD_SA_GET) are listed under its flows.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmtool.h"
#include "json.h"

static unsigned int if_mtu(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned int mtu = 1500;

	if (fd < 0)
		return mtu;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.*s", IFNAMSIZ - 1,
		 ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/* the largest inner packet that fits in mtu once protected with t */
static unsigned int plaintext_mtu(const struct tset *t, unsigned int mtu)
{
	static const unsigned int icv[] = { 0, 12, 12, 16, 24, 32 };
	unsigned int iv = 0, block = 4, room;
	int over = t->mode == CRYPTOMAP_MODE_TRANSPORT ? 0 : 20;

	if (t->ah)
		over += 12 + icv[t->ah < 6 ? t->ah : 0];
	if (!t->enc && !t->eauth)
		return mtu > (unsigned int)over ? mtu - over : 0;
	switch (t->enc) {
	case CRYPTOMAP_ENC_DES:
	case CRYPTOMAP_ENC_3DES:
		iv = block = 8;
		break;
	case CRYPTOMAP_ENC_AES:
		iv = block = 16;
		break;
	case CRYPTOMAP_ENC_GCM:
	case CRYPTOMAP_ENC_GMAC:
		iv = 8;
		over += 16;
		break;
	}
	over += 8 + iv + (t->eauth < 6 ? icv[t->eauth] : 0);
	if (mtu <= (unsigned int)over + block + 2)
		return 0;
	room = (mtu - over) / block * block;
	return room - 2;
}

struct view {
	const struct config *c;
	struct sa *sas;
	size_t nsas;
	struct stats st;
	bool detail;
	unsigned int conn_id;
};

static const struct sa *entry_sa(const struct view *v, const struct entry *e,
				 uint8_t dir, uint8_t proto, size_t *from)
{
	for (; *from < v->nsas; (*from)++) {
		const struct sa *s = &v->sas[*from];

		if (s->seq == e->seq && s->dir == dir && s->proto == proto &&
		    !strcmp(s->map, e->map))
			return &v->sas[(*from)++];
	}
	return NULL;
}

/* the SA whose counters stand for the flow in one direction */
static const struct sa *main_sa(const struct view *v, const struct entry *e,
				uint8_t dir)
{
	const struct sa *best = NULL, *s;
	size_t i = 0;

	while ((s = entry_sa(v, e, dir, IPPROTO_ESP, &i)))
		if (!best || s->status == CRYPTOMAP_SA_ACTIVE)
			best = s;
	if (best)
		return best;
	i = 0;
	while ((s = entry_sa(v, e, dir, IPPROTO_AH, &i)))
		if (!best || s->status == CRYPTOMAP_SA_ACTIVE)
			best = s;
	return best;
}

static uint64_t st(const struct sa *s, int i)
{
	return s ? s->st[i] : 0;
}

/* "addr/mask/prot/port" of one side of a crypto ACL line */
static void ident(uint32_t addr, uint32_t wild, int proto, uint8_t op,
		  uint16_t port, char *buf, size_t len)
{
	uint32_t mask = ~wild;

	snprintf(buf, len, "%s/%s/%d/%u", ip_text(addr & mask), ip_text(mask),
		 proto < 0 ? 0 : proto, op == CRYPTOMAP_PORT_EQ ? port : 0);
}

/*
 * An outbound SA has no window of its own: it is shown with the replay
 * support of its entry's inbound SA of the same protocol, as IOS shows
 * the pair.
 */
static bool replay_support(const struct view *v, const struct sa *s)
{
	size_t i;

	if (s->dir == CRYPTOMAP_DIR_IN)
		return s->replay_window != 0;
	for (i = 0; i < v->nsas; i++) {
		const struct sa *in = &v->sas[i];

		if (in->dir == CRYPTOMAP_DIR_IN && in->proto == s->proto &&
		    in->seq == s->seq && !strcmp(in->map, s->map))
			return in->replay_window != 0;
	}
	return false;
}

static const char *status_key(uint8_t s)
{
	return s == CRYPTOMAP_SA_ACTIVE ? "ACTIVE" :
	       s == CRYPTOMAP_SA_STANDBY ? "STANDBY" :
	       s == CRYPTOMAP_SA_EXPIRED ? "EXPIRED" : "UNKNOWN";
}

/* "inbound esp sas:" and its SAs */
static void sa_list(struct view *v, const struct entry *e, uint8_t dir,
		    uint8_t proto, const char *label, const char *key)
{
	const struct sa *s;
	size_t i = 0;
	char tr[128], *w, *save;

	print_text("\n     %s:\n", label);
	open_arr(key);
	while ((s = entry_sa(v, e, dir, proto, &i))) {
		const struct tset *t = find_tset_c(v->c, s->tset);

		tr[0] = 0;
		if (t)
			print_tset_transforms(t, proto == IPPROTO_AH ? 0 :
					      proto == IPPROTO_ESP ? 1 : 2,
					      tr, sizeof(tr));
		v->conn_id++;
		open_obj(NULL);
		print_text("      spi: 0x%X(%u)\n", s->spi, s->spi);
		print_u64(PRINT_JSON, "spi", NULL, s->spi);
		print_text("        transform: ");
		open_arr("transform");
		save = NULL;
		for (w = strtok_r(tr, " ", &save); w;
		     w = strtok_r(NULL, " ", &save))
			print_str(PRINT_ANY, NULL, "%s ", w);
		close_arr();
		print_text(",\n");
		print_str(PRINT_JSON, "transform_set", NULL, s->tset);
		print_str(PRINT_ANY, "in_use_settings",
			  s->esn ? "        in use settings ={%s, ESN, }\n" :
				   "        in use settings ={%s, }\n",
			  s->mode == CRYPTOMAP_MODE_TRANSPORT ? "Transport" :
			  "Tunnel");
		print_u64(PRINT_ANY, "conn_id", "        conn id: %llu",
			  v->conn_id);
		print_text(", flow_id: SW:%u, sibling_flags 80004040",
			   v->conn_id);
		print_str(PRINT_ANY, "crypto_map", ", crypto map: %s\n", s->map);
		if (s->has_life) {
			print_u64(PRINT_ANY, "remaining_key_lifetime_kilobytes",
				  "        sa timing: remaining key lifetime (k/sec): (%llu",
				  s->life_kb_left);
			print_u64(PRINT_ANY, "remaining_key_lifetime_seconds",
				  "/%llu)\n", s->life_sec_left);
		} else {
			/* IOS: manual SAs never expire */
			print_text("        no sa timing\n");
		}
		print_u64(PRINT_ANY, "iv_size", "        IV size: %llu bytes\n",
			  s->iv_size);
		print_yn(PRINT_ANY, "replay_detection_support",
			 "        replay detection support: %s\n",
			 replay_support(v, s));
		print_u64(PRINT_JSON, "replay_window_size", NULL,
			  s->replay_window);
		/* ESN: the 64-bit number, out the last sent, in the highest */
		print_yn(PRINT_JSON, "esn", NULL, s->esn);
		print_u64(PRINT_JSON, "sequence_number", NULL, s->oseq);
		if (s->esn)
			print_text("        esn sequence number (hi/lo): %u/%u\n",
				   (unsigned int)(s->oseq >> 32),
				   (unsigned int)s->oseq);
		print_str(PRINT_ANY, "status", "        Status: %s",
			  status_key(s->status));
		print_str(PRINT_TEXT, NULL, "(%s)\n", status_key(s->status));
		close_obj();
	}
	close_arr();
}

static void flow(struct view *v, const struct binding *b, uint32_t laddr,
		 const struct entry *e, const struct ace *x)
{
	const struct sa *out = main_sa(v, e, CRYPTOMAP_DIR_OUT);
	const struct sa *in = main_sa(v, e, CRYPTOMAP_DIR_IN);
	const struct tset *t = out ? find_tset_c(v->c, out->tset) : NULL;
	uint32_t peer = e->current_peer ? e->current_peer :
			e->npeers ? e->peers[0] : 0;
	unsigned int mtu = if_mtu(b->ifname);
	unsigned int ptmtu = t ? plaintext_mtu(t, mtu) : mtu;
	uint32_t spi = out ? out->spi : 0;
	char li[80], ri[80], dh[16];
	const uint64_t *ns = v->st.v;
	/* detail replaces the #send errors line with the error classes */
	enum print_to dt = v->detail ? PRINT_ANY : PRINT_JSON;
	enum print_to st_ = v->detail ? PRINT_JSON : PRINT_ANY;

	ident(x->src, x->swild, x->proto, x->sop, x->slo, li, sizeof(li));
	ident(x->dst, x->dwild, x->proto, x->dop, x->dlo, ri, sizeof(ri));
	if (e->pfs)
		snprintf(dh, sizeof(dh), "group%u", e->pfs);
	else
		snprintf(dh, sizeof(dh), "none");

	open_obj(NULL);
	print_str(PRINT_JSON, "interface", NULL, b->ifname);
	print_str(PRINT_JSON, "crypto_map_tag", NULL, e->map);
	print_u64(PRINT_JSON, "seq", NULL, e->seq);
	print_str(PRINT_JSON, "local_addr", NULL, ip_text(laddr));
	print_str(PRINT_ANY, "protected_vrf", "\n   protected vrf: %s\n", "(none)");
	print_str(PRINT_ANY, "local_ident",
		  "   local  ident (addr/mask/prot/port): (%s)\n", li);
	print_str(PRINT_ANY, "remote_ident",
		  "   remote ident (addr/mask/prot/port): (%s)\n", ri);
	print_str(PRINT_ANY, "current_peer", "   current_peer %s", ip_text(peer));
	print_u64(PRINT_ANY, "port", " port %llu\n", 500);
	print_text("     PERMIT, flags={origin_is_acl,}\n");
	open_obj("counters");
	print_u64(PRINT_ANY, "pkts_encaps", "    #pkts encaps: %llu",
		  st(out, CRYPTOMAP_SA_STATS_ENCAPS));
	print_u64(PRINT_ANY, "pkts_encrypt", ", #pkts encrypt: %llu",
		  st(out, CRYPTOMAP_SA_STATS_CRYPT));
	print_u64(PRINT_ANY, "pkts_digest", ", #pkts digest: %llu\n",
		  st(out, CRYPTOMAP_SA_STATS_DIGEST));
	print_u64(PRINT_ANY, "pkts_decaps", "    #pkts decaps: %llu",
		  st(in, CRYPTOMAP_SA_STATS_ENCAPS));
	print_u64(PRINT_ANY, "pkts_decrypt", ", #pkts decrypt: %llu",
		  st(in, CRYPTOMAP_SA_STATS_CRYPT));
	print_u64(PRINT_ANY, "pkts_verify", ", #pkts verify: %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_DIGEST));
	print_u64(PRINT_ANY, "pkts_compressed", "    #pkts compressed: %llu",
		  st(out, CRYPTOMAP_SA_STATS_COMPRESSED));
	print_u64(PRINT_ANY, "pkts_decompressed", ", #pkts decompressed: %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_COMPRESSED));
	print_u64(PRINT_ANY, "pkts_not_compressed",
		  "    #pkts not compressed: %llu",
		  st(out, CRYPTOMAP_SA_STATS_NOT_COMPRESSED));
	print_u64(PRINT_ANY, "pkts_compr_failed", ", #pkts compr. failed: %llu\n",
		  st(out, CRYPTOMAP_SA_STATS_COMPR_FAILED));
	print_u64(PRINT_ANY, "pkts_not_decompressed",
		  "    #pkts not decompressed: %llu",
		  st(in, CRYPTOMAP_SA_STATS_NOT_COMPRESSED));
	print_u64(PRINT_ANY, "pkts_decompress_failed",
		  ", #pkts decompress failed: %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_COMPR_FAILED));
	print_u64(st_, "send_errors", "    #send errors %llu",
		  st(out, CRYPTOMAP_SA_STATS_ERRORS));
	print_u64(st_, "recv_errors", ", #recv errors %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_ERRORS));
	print_u64(dt, "pkts_no_sa_send", "    #pkts no sa (send) %llu",
		  ns[CRYPTOMAP_STATS_A_NO_SA_SEND]);
	print_u64(dt, "pkts_invalid_sa_rcv", ", #pkts invalid sa (rcv) %llu\n",
		  ns[CRYPTOMAP_STATS_A_INVALID_SA_RCV]);
	print_u64(dt, "pkts_encaps_failed_send",
		  "    #pkts encaps failed (send) %llu",
		  st(out, CRYPTOMAP_SA_STATS_ENCAPS_FAILED));
	print_u64(dt, "pkts_decaps_failed_rcv",
		  ", #pkts decaps failed (rcv) %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_ENCAPS_FAILED));
	print_u64(dt, "pkts_invalid_prot_recv",
		  "    #pkts invalid prot (recv) %llu",
		  ns[CRYPTOMAP_STATS_A_INVALID_PROT_RCV]);
	print_u64(dt, "pkts_verify_failed", ", #pkts verify failed: %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_VERIFY_FAILED));
	print_u64(dt, "pkts_invalid_identity_recv",
		  "    #pkts invalid identity (recv) %llu",
		  st(in, CRYPTOMAP_SA_STATS_INVALID_IDENTITY));
	print_u64(dt, "pkts_invalid_len_rcv", ", #pkts invalid len (rcv) %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_INVALID_LEN));
	print_u64(dt, "pkts_replay_rollover_send",
		  "    #pkts replay rollover (send): %llu",
		  st(out, CRYPTOMAP_SA_STATS_REPLAY_ROLLOVER));
	print_u64(dt, "pkts_replay_rollover_rcv",
		  ", #pkts replay rollover (rcv) %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_REPLAY_ROLLOVER));
	print_u64(dt, "pkts_replay_failed_rcv",
		  "    ##pkts replay failed (rcv): %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_REPLAY_FAILED));
	print_u64(dt, "pkts_internal_err_send",
		  "    #pkts internal err (send): %llu",
		  st(out, CRYPTOMAP_SA_STATS_INTERNAL_ERR));
	print_u64(dt, "pkts_internal_err_recv",
		  ", #pkts internal err (recv) %llu\n",
		  st(in, CRYPTOMAP_SA_STATS_INTERNAL_ERR));
	close_obj();
	print_str(PRINT_ANY, "local_crypto_endpt",
		  "\n     local crypto endpt.: %s", ip_text(laddr));
	print_str(PRINT_ANY, "remote_crypto_endpt",
		  ", remote crypto endpt.: %s\n", ip_text(peer));
	print_u64(PRINT_ANY, "plaintext_mtu", "     plaintext mtu %llu", ptmtu);
	print_u64(PRINT_ANY, "path_mtu", ", path mtu %llu", mtu);
	print_u64(PRINT_ANY, "ip_mtu", ", ip mtu %llu", mtu);
	print_str(PRINT_ANY, "ip_mtu_idb", ", ip mtu idb %s\n", b->ifname);
	print_text("     current outbound spi: 0x%X(%u)\n", spi, spi);
	print_u64(PRINT_JSON, "current_outbound_spi", NULL, spi);
	print_yn(PRINT_ANY, "pfs", "     PFS (Y/N): %s", e->pfs != 0);
	print_str(PRINT_ANY, "dh_group", ", DH group: %s\n", dh);
	sa_list(v, e, CRYPTOMAP_DIR_IN, IPPROTO_ESP, "inbound esp sas", "inbound_esp_sas");
	sa_list(v, e, CRYPTOMAP_DIR_IN, IPPROTO_AH, "inbound ah sas", "inbound_ah_sas");
	sa_list(v, e, CRYPTOMAP_DIR_IN, IPPROTO_COMP, "inbound pcp sas", "inbound_pcp_sas");
	sa_list(v, e, CRYPTOMAP_DIR_OUT, IPPROTO_ESP, "outbound esp sas", "outbound_esp_sas");
	sa_list(v, e, CRYPTOMAP_DIR_OUT, IPPROTO_AH, "outbound ah sas", "outbound_ah_sas");
	sa_list(v, e, CRYPTOMAP_DIR_OUT, IPPROTO_COMP, "outbound pcp sas", "outbound_pcp_sas");
	close_obj();
}

static bool has_peer(const struct entry *e, uint32_t peer)
{
	int i;

	if (e->current_peer == peer)
		return true;
	for (i = 0; i < e->npeers; i++)
		if (e->peers[i] == peer)
			return true;
	return false;
}

int show_ipsec_sa(int argc, char **argv)
{
	const char *map = NULL, *ifname = NULL;
	struct view v = { 0 };
	uint32_t peer = 0;
	struct config c;
	bool first = true;
	struct nl *n;
	size_t i, j, k;
	int a = 0;

	if (a < argc && !strcmp(argv[a], "detail")) {
		v.detail = true;
		a++;
	}
	if (a < argc) {
		if (a + 2 != argc)
			usage_error("show crypto ipsec sa: \"%s\": peer A, map NAME or interface IF expected",
				    argv[a]);
		if (!strcmp(argv[a], "peer")) {
			if (inet_pton(AF_INET, argv[a + 1], &peer) != 1)
				usage_error("invalid IPv4 address \"%s\"", argv[a + 1]);
		} else if (!strcmp(argv[a], "map")) {
			map = argv[a + 1];
		} else if (!strcmp(argv[a], "interface")) {
			ifname = argv[a + 1];
		} else {
			usage_error("show crypto ipsec sa: unknown \"%s\" (peer, map or interface)",
				    argv[a]);
		}
	}

	n = nl_open();
	if (nl_load_config(n, &c) || nl_sa_dump(n, &v.sas, &v.nsas) ||
	    nl_stats_get(n, &v.st)) {
		nl_close(n);
		return -1;
	}
	nl_close(n);
	v.c = &c;

	open_arr(NULL);
	for (i = 0; i < c.nbinds; i++) {
		const struct binding *b = &c.binds[i];
		const struct cmap *m = cfg_map(&c, b->map, false);
		uint32_t laddr;
		bool header = false;

		if ((ifname && strcmp(ifname, b->ifname)) ||
		    (map && strcmp(map, b->map)) || !m)
			continue;
		laddr = if_ipv4(m->local_if[0] ? m->local_if : b->ifname);
		for (j = cfg_map_first(&c, b->map); j < c.nentries;
		     j = cfg_map_next(&c, j)) {
			const struct entry *e = &c.entries[j];
			const struct acl *acl;

			if (peer && !has_peer(e, peer))
				continue;
			acl = e->acl[0] ? find_acl_c(&c, e->acl) : NULL;
			for (k = 0; acl && k < acl->n; k++) {
				if (acl->e[k].action != CRYPTOMAP_ACE_PERMIT)
					continue;
				if (!header && !json_output) {
					printf("%sinterface: %s\n    Crypto map tag: %s, local addr %s\n",
					       first ? "" : "\n", b->ifname,
					       b->map, ip_text(laddr));
					header = true;
					first = false;
				}
				flow(&v, b, laddr, e, &acl->e[k]);
			}
		}
	}
	close_arr();
	free(v.sas);
	cfg_free(&c);
	return 0;
}

int cmd_clear(int argc, char **argv)
{
	struct sa_clear sc = { 0 };
	struct nl *n;
	int r;

	if (argc >= 3 && !strcmp(argv[1], "crypto") &&
	    (!strcmp(argv[2], "isakmp") || !strcmp(argv[2], "ikev2")))
		return clear_isakmp(argc, argv);
	if (argc < 3 || strcmp(argv[1], "crypto") || strcmp(argv[2], "sa"))
		usage_error("clear: \"crypto sa\" or \"crypto isakmp\" expected");
	if (argc == 3) {
		/* everything */
	} else if (argc == 4 && !strcmp(argv[3], "counters")) {
		sc.counters = true;
	} else if (argc == 5 && !strcmp(argv[3], "peer")) {
		if (inet_pton(AF_INET, argv[4], &sc.peer) != 1)
			usage_error("clear crypto sa peer: invalid IPv4 address \"%s\"",
				    argv[4]);
	} else if (argc == 5 && !strcmp(argv[3], "map")) {
		sc.map = argv[4];
	} else if (argc == 7 && !strcmp(argv[3], "entry")) {
		char *end;
		unsigned long spi;

		if (inet_pton(AF_INET, argv[4], &sc.dst) != 1)
			usage_error("clear crypto sa entry: invalid IPv4 address \"%s\"",
				    argv[4]);
		if (!strcmp(argv[5], "esp"))
			sc.proto = IPPROTO_ESP;
		else if (!strcmp(argv[5], "ah"))
			sc.proto = IPPROTO_AH;
		else
			usage_error("clear crypto sa entry: \"%s\": esp or ah expected",
				    argv[5]);
		spi = strtoul(argv[6], &end, 10);
		if (*end || !argv[6][0] || spi < 256 || spi > 0xffffffffUL)
			usage_error("clear crypto sa entry: invalid SPI \"%s\" (256-4294967295)",
				    argv[6]);
		sc.spi = spi;
	} else {
		usage_error("clear crypto sa: \"%s\": peer A, map NAME, entry DST esp|ah SPI or counters expected",
			    argv[3]);
	}
	n = nl_open();
	r = nl_sa_clear(n, &sc);
	nl_close(n);
	return r;
}
