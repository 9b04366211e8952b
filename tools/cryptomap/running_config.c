// SPDX-License-Identifier: GPL-2.0
/*
 * show running-config: the configuration in IOS syntax, in IOS order
 * (global crypto ipsec settings, transform sets, crypto maps, interfaces,
 * access lists), so that feeding it to `cryptomap config -` in an empty
 * network namespace rebuilds exactly the same configuration.
 *
 * Session keys cannot be read back from the kernel: their lines carry the
 * SPI and KEY_MARKER instead of the key, and `config` refuses the marker.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cmtool.h"
#include "json.h"

static const char *const df_names[] = {
	[CRYPTOMAP_DF_COPY] = "copy",
	[CRYPTOMAP_DF_CLEAR] = "clear",
	[CRYPTOMAP_DF_SET] = "set",
};

static const char *df_name(uint8_t v)
{
	return v <= CRYPTOMAP_DF_SET ? df_names[v] : "?";
}

/* the transforms in config order: "ah-sha-hmac esp-aes 256 esp-sha-hmac" */
static void tset_config_text(const struct tset *t, char *buf, size_t len)
{
	char enc[32];
	size_t o = 0;

	buf[0] = 0;
	if (t->ah)
		o += snprintf(buf + o, len - o, " %s", ah_name(t->ah));
	if (t->enc && o < len) {
		enc_config_name(t, enc, sizeof(enc));
		o += snprintf(buf + o, len - o, " %s", enc);
	}
	if (t->eauth && o < len)
		o += snprintf(buf + o, len - o, " %s", eauth_name(t->eauth));
	if (t->comp && o < len)
		snprintf(buf + o, len - o, " %s", comp_name(t->comp));
}

static void hex(FILE *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
}

static void print_key(FILE *out, const struct skey *k)
{
	fprintf(out, " set session-key %s %s %u",
		k->dir == CRYPTOMAP_DIR_IN ? "inbound" : "outbound",
		k->proto == IPPROTO_AH ? "ah" : "esp", k->spi);
	if (k->proto == IPPROTO_AH) {
		fputc(' ', out);
		if (k->known)
			hex(out, k->auth, k->auth_len);
		else
			fputs(KEY_MARKER, out);
		fputc('\n', out);
		return;
	}
	if (k->known ? k->has_cipher : k->cipher_len > 0) {
		fputs(" cipher ", out);
		if (k->known)
			hex(out, k->cipher, k->cipher_len);
		else
			fputs(KEY_MARKER, out);
	}
	if (k->known ? k->has_auth : k->auth_len > 0) {
		fputs(" authenticator ", out);
		if (k->known)
			hex(out, k->auth, k->auth_len);
		else
			fputs(KEY_MARKER, out);
	}
	/* esp-null with no key at all: IOS needs a word after the SPI */
	if (!k->known && !k->cipher_len && !k->auth_len)
		fputs(" cipher " KEY_MARKER, out);
	fputc('\n', out);
}

static void print_entry(FILE *out, const struct entry *e)
{
	int i;

	fprintf(out, "crypto map %s %u %s\n", e->map, e->seq,
		e->type == CRYPTOMAP_TYPE_MANUAL ? "ipsec-manual" :
		"ipsec-isakmp");
	for (i = 0; i < e->npeers; i++)
		fprintf(out, " set peer %s\n", ip_text(e->peers[i]));
	if (e->life_sec)
		fprintf(out, " set security-association lifetime seconds %u\n",
			e->life_sec);
	if (e->life_kb)
		fprintf(out, " set security-association lifetime kilobytes %u\n",
			e->life_kb);
	if (e->replay_mode == CRYPTOMAP_REPLAY_WINDOW)
		fprintf(out, " set security-association replay window-size %u\n",
			e->replay_window);
	else if (e->replay_mode == CRYPTOMAP_REPLAY_DISABLE)
		fprintf(out, " set security-association replay disable\n");
	if (e->idle)
		fprintf(out, " set security-association idle-time %u\n",
			e->idle);
	if (e->esn)
		fprintf(out, " set security-association esn\n");
	for (i = 0; i < e->nkeys; i++)
		print_key(out, &e->keys[i]);
	if (e->ntsets) {
		fprintf(out, " set transform-set");
		for (i = 0; i < e->ntsets; i++)
			fprintf(out, " %s", e->tsets[i]);
		fputc('\n', out);
	}
	if (e->pfs)
		fprintf(out, " set pfs group%u\n", e->pfs);
	if (e->acl[0])
		fprintf(out, " match address %s\n", e->acl);
}

static bool numbered(const char *name)
{
	return strspn(name, "0123456789") == strlen(name);
}

/* a numbered list whose entries are 10, 20, 30...: access-list N lines */
static bool default_seqs(const struct acl *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->e[i].seq != (i + 1) * ACL_SEQ_STEP)
			return false;
	return true;
}

static void print_acl(FILE *out, const struct acl *a)
{
	char text[256];
	uint32_t prev = 0;
	size_t i;

	if (numbered(a->name) && a->n && default_seqs(a)) {
		for (i = 0; i < a->n; i++) {
			ace_text(&a->e[i], text, sizeof(text));
			fprintf(out, "access-list %s %s\n", a->name, text);
		}
		return;
	}
	fprintf(out, "ip access-list extended %s\n", a->name);
	for (i = 0; i < a->n; i++) {
		ace_text(&a->e[i], text, sizeof(text));
		/* the number is printed only where the default would differ */
		if ((uint64_t)prev + ACL_SEQ_STEP == a->e[i].seq)
			fprintf(out, " %s\n", text);
		else
			fprintf(out, " %u %s\n", a->e[i].seq, text);
		prev = a->e[i].seq;
	}
}

void print_running_config(const struct config *c, FILE *out)
{
	const struct global *g = &c->g;
	struct config dc;
	struct global defaults;
	bool any = false;

	cfg_init(&dc);
	defaults = dc.g;
	size_t i;

	if (g->life_sec != DEF_LIFE_SEC)
		fprintf(out, "crypto ipsec security-association lifetime seconds %u\n",
			g->life_sec);
	if (g->life_kb != DEF_LIFE_KB)
		fprintf(out, "crypto ipsec security-association lifetime kilobytes %u\n",
			g->life_kb);
	if (g->replay_window != DEF_REPLAY)
		fprintf(out, "crypto ipsec security-association replay window-size %u\n",
			g->replay_window);
	if (g->replay_disable)
		fprintf(out, "crypto ipsec security-association replay disable\n");
	if (g->idle)
		fprintf(out, "crypto ipsec security-association idle-time %u\n",
			g->idle);
	if (g->df_bit != CRYPTOMAP_DF_COPY)
		fprintf(out, "crypto ipsec df-bit %s\n", df_name(g->df_bit));
	if (g->frag == CRYPTOMAP_FRAG_AFTER)
		fprintf(out, "crypto ipsec fragmentation after-encryption\n");
	if (!global_equal(g, &defaults))
		fprintf(out, "!\n");

	for (i = 0; i < c->ntsets; i++) {
		char text[128];

		tset_config_text(&c->tsets[i], text, sizeof(text));
		fprintf(out, "crypto ipsec transform-set %s%s\n",
			c->tsets[i].name, text);
		fprintf(out, " mode %s\n",
			c->tsets[i].mode == CRYPTOMAP_MODE_TRANSPORT ?
			"transport" : "tunnel");
		any = true;
	}
	if (any)
		fprintf(out, "!\n");

	for (i = 0; i < c->nmaps; i++) {
		const struct cmap *m = &c->maps[i];
		size_t j;

		for (j = cfg_map_first(c, m->name); j < c->nentries;
		     j = cfg_map_next(c, j)) {
			print_entry(out, &c->entries[j]);
			fprintf(out, "!\n");
		}
		if (m->local_if[0])
			fprintf(out, "crypto map %s local-address %s\n!\n",
				m->name, m->local_if);
	}

	for (i = 0; i < c->nbinds; i++)
		fprintf(out, "interface %s\n crypto map %s\n!\n",
			c->binds[i].ifname, c->binds[i].map);

	for (i = 0; i < c->nacls; i++) {
		print_acl(out, &c->acls[i]);
		fprintf(out, "!\n");
	}
	fprintf(out, "end\n");
}

/* ---- the same configuration as JSON --------------------------------------- */

void json_ace(const struct ace *e)
{
	char b[16];

	jw_obj_start(NULL);
	jw_uint("seq", e->seq);
	jw_str("action", e->action == CRYPTOMAP_ACE_DENY ? "deny" : "permit");
	jw_str("protocol", proto_name(e->proto, b, sizeof(b)));
	jw_str("source", ip_text(e->src));
	jw_str("source_wildcard", ip_text(e->swild));
	if (e->sop) {
		jw_str("source_port_op", e->sop == CRYPTOMAP_PORT_EQ ? "eq" :
		       e->sop == CRYPTOMAP_PORT_NEQ ? "neq" :
		       e->sop == CRYPTOMAP_PORT_LT ? "lt" :
		       e->sop == CRYPTOMAP_PORT_GT ? "gt" : "range");
		jw_uint("source_port", e->slo);
		if (e->sop == CRYPTOMAP_PORT_RANGE)
			jw_uint("source_port_high", e->shi);
	}
	jw_str("destination", ip_text(e->dst));
	jw_str("destination_wildcard", ip_text(e->dwild));
	if (e->dop) {
		jw_str("destination_port_op", e->dop == CRYPTOMAP_PORT_EQ ? "eq" :
		       e->dop == CRYPTOMAP_PORT_NEQ ? "neq" :
		       e->dop == CRYPTOMAP_PORT_LT ? "lt" :
		       e->dop == CRYPTOMAP_PORT_GT ? "gt" : "range");
		jw_uint("destination_port", e->dlo);
		if (e->dop == CRYPTOMAP_PORT_RANGE)
			jw_uint("destination_port_high", e->dhi);
	}
	jw_obj_end();
}

void json_tset_transforms(const struct tset *t)
{
	char enc[32];

	jw_arr_start("transforms");
	if (t->ah)
		jw_str(NULL, ah_name(t->ah));
	if (t->enc) {
		enc_show_name(t, enc, sizeof(enc));
		jw_str(NULL, enc);
	}
	if (t->eauth)
		jw_str(NULL, eauth_name(t->eauth));
	if (t->comp)
		jw_str(NULL, comp_name(t->comp));
	jw_arr_end();
}

void json_running_config(const struct config *c)
{
	size_t i;
	int j;

	jw_obj_start(NULL);
	jw_obj_start("global");
	jw_uint("lifetime_seconds", c->g.life_sec);
	jw_uint("lifetime_kilobytes", c->g.life_kb);
	jw_uint("replay_window_size", c->g.replay_window);
	jw_bool("replay_disable", c->g.replay_disable);
	jw_uint("idle_time", c->g.idle);
	jw_str("df_bit", df_name(c->g.df_bit));
	jw_str("fragmentation", c->g.frag == CRYPTOMAP_FRAG_AFTER ?
	       "after-encryption" : "before-encryption");
	jw_obj_end();

	jw_arr_start("transform_sets");
	for (i = 0; i < c->ntsets; i++) {
		jw_obj_start(NULL);
		jw_str("name", c->tsets[i].name);
		json_tset_transforms(&c->tsets[i]);
		jw_str("mode", c->tsets[i].mode == CRYPTOMAP_MODE_TRANSPORT ?
		       "transport" : "tunnel");
		jw_obj_end();
	}
	jw_arr_end();

	jw_arr_start("crypto_maps");
	for (i = 0; i < c->nmaps; i++) {
		size_t k;

		jw_obj_start(NULL);
		jw_str("name", c->maps[i].name);
		if (c->maps[i].local_if[0])
			jw_str("local_address", c->maps[i].local_if);
		else
			jw_null("local_address");
		jw_arr_start("entries");
		for (k = cfg_map_first(c, c->maps[i].name); k < c->nentries;
		     k = cfg_map_next(c, k)) {
			const struct entry *e = &c->entries[k];

			jw_obj_start(NULL);
			jw_uint("seq", e->seq);
			jw_str("type", e->type == CRYPTOMAP_TYPE_MANUAL ?
			       "ipsec-manual" : "ipsec-isakmp");
			jw_arr_start("peers");
			for (j = 0; j < e->npeers; j++)
				jw_str(NULL, ip_text(e->peers[j]));
			jw_arr_end();
			jw_str("match_address", e->acl[0] ? e->acl : NULL);
			jw_arr_start("transform_sets");
			for (j = 0; j < e->ntsets; j++)
				jw_str(NULL, e->tsets[j]);
			jw_arr_end();
			if (e->pfs)
				jw_uint("pfs_group", e->pfs);
			else
				jw_null("pfs_group");
			if (e->life_sec)
				jw_uint("lifetime_seconds", e->life_sec);
			if (e->life_kb)
				jw_uint("lifetime_kilobytes", e->life_kb);
			if (e->replay_mode == CRYPTOMAP_REPLAY_WINDOW)
				jw_uint("replay_window_size", e->replay_window);
			if (e->replay_mode == CRYPTOMAP_REPLAY_DISABLE)
				jw_bool("replay_disable", true);
			if (e->idle)
				jw_uint("idle_time", e->idle);
			if (e->esn)
				jw_bool("esn", true);
			jw_arr_start("session_keys");
			for (j = 0; j < e->nkeys; j++) {
				jw_obj_start(NULL);
				jw_str("direction", e->keys[j].dir ==
				       CRYPTOMAP_DIR_IN ? "inbound" : "outbound");
				jw_str("protocol", e->keys[j].proto ==
				       IPPROTO_AH ? "ah" : "esp");
				jw_uint("spi", e->keys[j].spi);
				jw_obj_end();
			}
			jw_arr_end();
			jw_obj_end();
		}
		jw_arr_end();
		jw_obj_end();
	}
	jw_arr_end();

	jw_arr_start("interfaces");
	for (i = 0; i < c->nbinds; i++) {
		jw_obj_start(NULL);
		jw_str("interface", c->binds[i].ifname);
		jw_str("crypto_map", c->binds[i].map);
		jw_obj_end();
	}
	jw_arr_end();

	jw_arr_start("access_lists");
	for (i = 0; i < c->nacls; i++) {
		size_t k;

		jw_obj_start(NULL);
		jw_str("name", c->acls[i].name);
		jw_arr_start("entries");
		for (k = 0; k < c->acls[i].n; k++)
			json_ace(&c->acls[i].e[k]);
		jw_arr_end();
		jw_obj_end();
	}
	jw_arr_end();
	jw_obj_end();
}
