// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: IKEv2 configuration, read from the same IOS text as the
 * rest (cryptomap config checks these lines and keeps them out of the
 * kernel): crypto ikev2 proposal, policy, keyring (peer / address /
 * pre-shared-key), profile (match identity remote address, authentication
 * local|remote pre-share, keyring local, lifetime), and the
 * `set ikev2-profile NAME` of a crypto map entry.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2.h"

struct v2conf v2conf;

enum v2mode { X_NONE, X_PROP, X_POL, X_KR, X_PEER, X_PROF, X_ENTRY };

static int split(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *s;

	for (s = strtok_r(line, " \t\r\n", &save); s && n < max;
	     s = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = s;
	return n;
}

static int enc_of(const char *s)
{
	static const char *const n[] = { "", "aes-cbc-128", "aes-cbc-192",
		"aes-cbc-256", "aes-gcm-128", "aes-gcm-256" };
	int i;

	for (i = 1; i <= V2E_GCM256; i++)
		if (!strcmp(s, n[i]))
			return i;
	return 0;
}

static int hash_of(const char *s)
{
	return !strcmp(s, "sha1") || !strcmp(s, "sha") ? V2H_SHA1 :
	       !strcmp(s, "sha256") ? V2H_SHA256 :
	       !strcmp(s, "sha384") ? V2H_SHA384 :
	       !strcmp(s, "sha512") ? V2H_SHA512 : 0;
}

const char *v2_enc_name(int enc)
{
	return enc >= V2E_GCM128 ? "AES-GCM" : "AES-CBC";
}

int v2_enc_keybits(int enc)
{
	switch (enc) {
	case V2E_CBC128:
	case V2E_GCM128:
		return 128;
	case V2E_CBC192:
		return 192;
	}
	return 256;
}

bool v2_enc_aead(int enc)
{
	return enc == V2E_GCM128 || enc == V2E_GCM256;
}

const char *v2_hash_name(int h)
{
	switch (h) {
	case V2H_SHA1: return "SHA1";
	case V2H_SHA256: return "SHA256";
	case V2H_SHA384: return "SHA384";
	case V2H_SHA512: return "SHA512";
	}
	return "None";
}

/* a list of words into an algorithm list; -1 on an unknown word */
static int algs(char **w, int n, int *out, int *nout, int (*of)(const char *))
{
	int i, v;

	*nout = 0;
	for (i = 0; i < n && *nout < V2_MAX_ALG; i++) {
		v = of(w[i]);
		if (!v)
			return -1;
		out[(*nout)++] = v;
	}
	return 0;
}

static int group_of(const char *s)
{
	int g = atoi(s);

	return isdigit((unsigned char)*s) && v2dh_group_ok(g) ? g : 0;
}

int ikev2_conf_load(const char *file)
{
	char line[1024], *w[16];
	struct v2conf *c = xzalloc(sizeof(*c));
	enum v2mode mode = X_NONE;
	char kr[NAME_LEN] = "", map[NAME_LEN] = "";
	void *cur = NULL;
	uint32_t seq = 0;
	int n, lineno = 0;
	FILE *f = fopen(file, "r");

	c->cookie_challenge = -1;
	if (!f) {
		log_err("%s: %s", file, strerror(errno));
		free(c);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		bool indented = line[0] == ' ' || line[0] == '\t';

		lineno++;
		n = split(line, w, 16);
		if (!n || w[0][0] == '!' || w[0][0] == '#')
			continue;
		if (!indented && !strcmp(w[0], "crypto"))
			mode = X_NONE;
		if (mode == X_PROP) {
			struct v2prop *p = cur;

			if (!strcmp(w[0], "encryption")) {
				if (algs(w + 1, n - 1, p->enc, &p->nenc, enc_of))
					goto bad;
			} else if (!strcmp(w[0], "integrity")) {
				if (algs(w + 1, n - 1, p->integ, &p->ninteg, hash_of))
					goto bad;
			} else if (!strcmp(w[0], "prf")) {
				if (algs(w + 1, n - 1, p->prf, &p->nprf, hash_of))
					goto bad;
			} else if (!strcmp(w[0], "group")) {
				if (algs(w + 1, n - 1, p->group, &p->ngroup, group_of))
					goto bad;
			} else if (!indented) {
				mode = X_NONE;
			}
			if (mode != X_NONE)
				continue;
		} else if (mode == X_POL) {
			struct v2policy *p = cur;

			if (!strcmp(w[0], "proposal") && n >= 2) {
				if (p->nprops < V2_MAX_ALG)
					snprintf(p->props[p->nprops++], NAME_LEN, "%s", w[1]);
			} else if (!strcmp(w[0], "match") && n >= 4 &&
				   !strcmp(w[1], "address") && !strcmp(w[2], "local")) {
				if (p->nlocal < V2_MAX_ALG &&
				    inet_pton(AF_INET, w[3], &p->local[p->nlocal]) == 1)
					p->nlocal++;
				else
					goto bad;
			} else if (!indented) {
				mode = X_NONE;
			}
			if (mode != X_NONE)
				continue;
		} else if (mode == X_KR || mode == X_PEER) {
			if (!strcmp(w[0], "peer") && n >= 2) {
				struct v2peer *p;

				if (c->npeer == 64)
					goto bad;
				p = &c->peer[c->npeer++];
				snprintf(p->keyring, NAME_LEN, "%s", kr);
				snprintf(p->name, NAME_LEN, "%s", w[1]);
				p->mask = 0xffffffff;
				cur = p;
				mode = X_PEER;
				continue;
			}
			if (mode == X_PEER && !strcmp(w[0], "address") && n >= 2) {
				struct v2peer *p = cur;

				if (inet_pton(AF_INET, w[1], &p->addr) != 1 ||
				    (n >= 3 && inet_pton(AF_INET, w[2], &p->mask) != 1))
					goto bad;
				continue;
			}
			if (mode == X_PEER && !strcmp(w[0], "pre-shared-key") && n >= 2) {
				struct v2peer *p = cur;
				const char *k = w[n - 1];

				/* pre-shared-key [local|remote] [0] KEY */
				if (strlen(k) >= sizeof(p->psk))
					goto bad;
				snprintf(p->psk, sizeof(p->psk), "%s", k);
				continue;
			}
			if (!indented)
				mode = X_NONE;
			else
				continue;
		} else if (mode == X_PROF) {
			struct v2profile *p = cur;

			if (!strcmp(w[0], "match") && n >= 5 &&
			    !strcmp(w[1], "identity") && !strcmp(w[2], "remote") &&
			    !strcmp(w[3], "address")) {
				p->rid_mask = 0xffffffff;
				if (inet_pton(AF_INET, w[4], &p->rid_addr) != 1 ||
				    (n >= 6 && inet_pton(AF_INET, w[5], &p->rid_mask) != 1))
					goto bad;
				p->has_rid = true;
			} else if (!strcmp(w[0], "keyring") && n >= 3) {
				snprintf(p->keyring, NAME_LEN, "%s", w[2]);
			} else if (!strcmp(w[0], "lifetime") && n >= 2) {
				p->life = strtoul(w[1], NULL, 10);
				if (p->life < 120 || p->life > 86400)
					goto bad;
			} else if (!strcmp(w[0], "dpd") && n >= 3) {
				/* dpd INTERVAL RETRY [on-demand|periodic] */
				p->dpd = strtoul(w[1], NULL, 10);
				p->dpd_retry = strtoul(w[2], NULL, 10);
				if (p->dpd < 10 || p->dpd > 3600 ||
				    p->dpd_retry < 2 || p->dpd_retry > 60)
					goto bad;
			} else if (!strcmp(w[0], "authentication")) {
				if (n < 3 || strcmp(w[2], "pre-share"))
					goto bad;
			} else if (!indented) {
				mode = X_NONE;
			}
			if (mode != X_NONE)
				continue;
		} else if (mode == X_ENTRY) {
			if (!strcmp(w[0], "set") && n >= 3 &&
			    !strcmp(w[1], "ikev2-profile")) {
				struct v2map *m;

				if (c->nmap == 64)
					goto bad;
				m = &c->map[c->nmap++];
				snprintf(m->map, NAME_LEN, "%s", map);
				m->seq = seq;
				snprintf(m->profile, NAME_LEN, "%s", w[2]);
				continue;
			}
			if (indented || !strcmp(w[0], "set") ||
			    !strcmp(w[0], "match") || !strcmp(w[0], "reverse-route"))
				continue;
			mode = X_NONE;
		}
		if (n >= 4 && !strcmp(w[0], "crypto") && !strcmp(w[1], "map") &&
		    isdigit((unsigned char)w[3][0])) {
			snprintf(map, sizeof(map), "%s", w[2]);
			seq = strtoul(w[3], NULL, 10);
			mode = X_ENTRY;
			continue;
		}
		if (n < 4 || strcmp(w[0], "crypto") || strcmp(w[1], "ikev2"))
			continue;
		if (!strcmp(w[2], "cookie-challenge")) {
			c->cookie_challenge = strtoul(w[3], NULL, 10);
			if (c->cookie_challenge > 1000)
				goto bad;
		} else if (!strcmp(w[2], "proposal") && c->nprop < 16) {
			struct v2prop *p = &c->prop[c->nprop++];

			snprintf(p->name, NAME_LEN, "%s", w[3]);
			cur = p;
			mode = X_PROP;
		} else if (!strcmp(w[2], "policy") && c->npol < 16) {
			struct v2policy *p = &c->pol[c->npol++];

			snprintf(p->name, NAME_LEN, "%s", w[3]);
			cur = p;
			mode = X_POL;
		} else if (!strcmp(w[2], "keyring")) {
			snprintf(kr, sizeof(kr), "%s", w[3]);
			mode = X_KR;
		} else if (!strcmp(w[2], "profile") && c->nprof < 32) {
			struct v2profile *p = &c->prof[c->nprof++];

			snprintf(p->name, NAME_LEN, "%s", w[3]);
			p->life = 86400;
			cur = p;
			mode = X_PROF;
		} else {
			goto bad;
		}
	}
	fclose(f);
	explicit_bzero(line, sizeof(line));
	explicit_bzero(&v2conf, sizeof(v2conf));
	v2conf = *c;
	explicit_bzero(c, sizeof(*c));
	free(c);
	if (v2conf.nmap || v2conf.nprof)
		log_info("%s: IKEv2: %d proposals, %d policies, %d keyring peers, %d profiles, %d entries, cookie-challenge %d",
			 file, v2conf.nprop, v2conf.npol, v2conf.npeer,
			 v2conf.nprof, v2conf.nmap, v2conf.cookie_challenge);
	return 0;
bad:
	log_err("%s: line %d: invalid crypto ikev2 command", file, lineno);
	fclose(f);
	explicit_bzero(line, sizeof(line));
	explicit_bzero(c, sizeof(*c));
	free(c);
	return -1;
}

const struct v2profile *v2_profile_named(const char *name)
{
	int i;

	for (i = 0; i < v2conf.nprof; i++)
		if (!strcmp(v2conf.prof[i].name, name))
			return &v2conf.prof[i];
	return NULL;
}

const struct v2profile *v2_profile_of(const char *map, uint32_t seq)
{
	int i;

	for (i = 0; i < v2conf.nmap; i++)
		if (v2conf.map[i].seq == seq && !strcmp(v2conf.map[i].map, map))
			return v2_profile_named(v2conf.map[i].profile);
	return NULL;
}

/* IOS's default proposal, used when no policy applies */
static const struct v2prop v2_default = {
	.name = "default",
	.enc = { V2E_CBC256, V2E_CBC192, V2E_CBC128 }, .nenc = 3,
	.integ = { V2H_SHA512, V2H_SHA384, V2H_SHA256, V2H_SHA1 }, .ninteg = 4,
	.group = { 19, 20, 14, 5 }, .ngroup = 4,
};

static const struct v2prop *prop_named(const char *name)
{
	int i;

	for (i = 0; i < v2conf.nprop; i++)
		if (!strcmp(v2conf.prop[i].name, name))
			return &v2conf.prop[i];
	return NULL;
}

int v2_proposals(uint32_t local, const struct v2prop **out, int max)
{
	int i, j, k, n = 0;

	/* policies matching our address first, then those without match */
	for (k = 0; k < 2; k++)
		for (i = 0; i < v2conf.npol; i++) {
			const struct v2policy *p = &v2conf.pol[i];
			bool m = false;

			for (j = 0; j < p->nlocal; j++)
				m |= p->local[j] == local;
			if ((k == 0 && !m) || (k == 1 && p->nlocal))
				continue;
			for (j = 0; j < p->nprops && n < max; j++) {
				const struct v2prop *pp = prop_named(p->props[j]);

				if (pp)
					out[n++] = pp;
				else
					log_warn("ikev2 policy %s: no proposal %s",
						 p->name, p->props[j]);
			}
		}
	if (!n && max)
		out[n++] = &v2_default;
	return n;
}

const char *v2_psk(const struct v2profile *pr, uint32_t peer)
{
	const struct v2peer *best = NULL;
	int i;

	for (i = 0; i < v2conf.npeer; i++) {
		const struct v2peer *p = &v2conf.peer[i];

		if (pr && pr->keyring[0] && strcmp(p->keyring, pr->keyring))
			continue;
		if (!p->psk[0] || (peer & p->mask) != (p->addr & p->mask))
			continue;
		if (!best || ntohl(p->mask) > ntohl(best->mask))
			best = p;
	}
	return best ? best->psk : NULL;
}
