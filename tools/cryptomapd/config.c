// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: configuration.  Phase 1 (crypto isakmp policy / key /
 * keepalive) is read from the IOS text file given to `cryptomap config`;
 * the crypto maps, ACLs and transform sets come from the module (the
 * running configuration) or, with --offline, from the same file.  The
 * CLI's parser and netlink code are linked in, so both read IOS alike.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cryptomap/cmtool.h"
#include "cryptomapd.h"

static int split(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *s;

	for (s = strtok_r(line, " \t\r\n", &save); s && n < max;
	     s = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = s;
	return n;
}

static int num(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static struct policy *policy_get(struct ikeconf *c, uint32_t prio)
{
	struct policy *p;
	int i;

	for (i = 0; i < c->npol; i++)
		if (c->pol[i].prio == prio)
			return &c->pol[i];
	if (c->npol == (int)(sizeof(c->pol) / sizeof(c->pol[0])))
		return NULL;
	p = &c->pol[c->npol++];
	/* IOS defaults of a new policy */
	*p = (struct policy){ .prio = prio, .enc = ENC_DES, .hash = HASH_SHA,
			      .auth = 1, .group = 1, .life = 86400 };
	return p;
}

static int cmp_pol(const void *a, const void *b)
{
	const struct policy *x = a, *y = b;

	return x->prio < y->prio ? -1 : x->prio > y->prio;
}

int conf_load_isakmp(const char *file, struct ikeconf *c)
{
	char line[1024], *w[16];
	struct policy *cur = NULL;
	int n, lineno = 0;
	uint32_t v;
	FILE *f;

	f = fopen(file, "r");
	if (!f) {
		log_err("%s: %s", file, strerror(errno));
		return -1;
	}
	c->npol = c->nkeys = 0;
	c->dpd_interval = c->dpd_retry = 0;
	while (fgets(line, sizeof(line), f)) {
		bool indented = line[0] == ' ' || line[0] == '\t';

		lineno++;
		n = split(line, w, 16);
		if (!n || w[0][0] == '!' || w[0][0] == '#')
			continue;
		if (cur && (indented || !strcmp(w[0], "encryption") ||
			    !strcmp(w[0], "hash") || !strcmp(w[0], "group") ||
			    !strcmp(w[0], "authentication") ||
			    !strcmp(w[0], "lifetime"))) {
			if (!strcmp(w[0], "encryption") && n >= 2) {
				cur->enc = !strcmp(w[1], "aes") ? ENC_AES :
					   !strcmp(w[1], "3des") ? ENC_3DES :
					   !strcmp(w[1], "des") ? ENC_DES : 0;
				cur->keybits = cur->enc == ENC_AES ?
					(n >= 3 ? atoi(w[2]) : 128) : 0;
				if (!cur->enc || (cur->enc == ENC_AES &&
				    cur->keybits != 128 && cur->keybits != 192 &&
				    cur->keybits != 256))
					goto bad;
			} else if (!strcmp(w[0], "hash") && n >= 2) {
				cur->hash = !strcmp(w[1], "md5") ? HASH_MD5 :
					    !strcmp(w[1], "sha") ? HASH_SHA :
					    !strcmp(w[1], "sha256") ? HASH_SHA256 : 0;
				if (!cur->hash)
					goto bad;
			} else if (!strcmp(w[0], "group") && n >= 2) {
				if (num(w[1], 1, 32, &v) || !dh_group_ok(v))
					goto bad;
				cur->group = v;
			} else if (!strcmp(w[0], "authentication") && n >= 2) {
				if (strcmp(w[1], "pre-share"))
					goto bad;
			} else if (!strcmp(w[0], "lifetime") && n >= 2) {
				if (num(w[1], 60, 86400, &v))
					goto bad;
				cur->life = v;
			} else if (indented) {
				cur = NULL;	/* another sub-mode's line */
			}
			continue;
		}
		cur = NULL;
		if (n < 3 || strcmp(w[0], "crypto") || strcmp(w[1], "isakmp"))
			continue;
		if (!strcmp(w[2], "policy") && n >= 4) {
			if (num(w[3], 1, 10000, &v))
				goto bad;
			cur = policy_get(c, v);
			if (!cur)
				goto bad;
		} else if (!strcmp(w[2], "key") && n >= 6 &&
			   !strcmp(w[4], "address")) {
			struct psk *k;

			if (c->nkeys == (int)(sizeof(c->keys) / sizeof(c->keys[0])) ||
			    strlen(w[3]) >= sizeof(k->key))
				goto bad;
			k = &c->keys[c->nkeys++];
			memset(k, 0, sizeof(*k));
			snprintf(k->key, sizeof(k->key), "%s", w[3]);
			if (inet_pton(AF_INET, w[5], &k->addr) != 1)
				goto bad;
			k->mask = 0xffffffff;
			if (n >= 7 && inet_pton(AF_INET, w[6], &k->mask) != 1)
				goto bad;
		} else if (!strcmp(w[2], "keepalive") && n >= 4) {
			if (num(w[3], 10, 3600, &c->dpd_interval))
				goto bad;
			c->dpd_retry = 2;
			c->dpd_periodic = false;
			if (n >= 5 && num(w[4], 2, 60, &v) == 0)
				c->dpd_retry = v;
			if (n >= 5 && !strcmp(w[n - 1], "periodic"))
				c->dpd_periodic = true;
		}
	}
	fclose(f);
	explicit_bzero(line, sizeof(line));
	qsort(c->pol, c->npol, sizeof(c->pol[0]), cmp_pol);
	log_info("%s: %d isakmp policies, %d pre-shared keys, keepalive %u s",
		 file, c->npol, c->nkeys, c->dpd_interval);
	return 0;
bad:
	log_err("%s: line %d: invalid crypto isakmp command", file, lineno);
	fclose(f);
	explicit_bzero(line, sizeof(line));
	return -1;
}

const struct psk *conf_psk(const struct ikeconf *c, uint32_t peer)
{
	const struct psk *best = NULL;
	int i;

	/* the longest mask that covers the peer wins */
	for (i = 0; i < c->nkeys; i++) {
		const struct psk *k = &c->keys[i];

		if ((peer & k->mask) != (k->addr & k->mask))
			continue;
		if (!best || ntohl(k->mask) > ntohl(best->mask))
			best = k;
	}
	return best;
}

int conf_load_maps_file(const char *file, struct ikeconf *c)
{
	struct parse_opts o = { .check_only = true };
	FILE *f = fopen(file, "r");
	int r;

	if (!f) {
		log_err("%s: %s", file, strerror(errno));
		return -1;
	}
	if (c->have_cm)
		cfg_free(&c->cm);
	cfg_init(&c->cm);
	r = ios_apply(&c->cm, f, &o);
	fclose(f);
	if (r)
		return -1;
	cfg_sort(&c->cm);
	c->have_cm = true;
	return 0;
}

int conf_load_maps_kernel(struct ikeconf *c)
{
	struct nl *n = nl_open();
	struct config tmp;
	int r;

	if (!n)
		return -1;
	cfg_init(&tmp);
	r = nl_load_config(n, &tmp);
	nl_close(n);
	if (r) {
		cfg_free(&tmp);
		return -1;
	}
	if (c->have_cm)
		cfg_free(&c->cm);
	c->cm = tmp;
	cfg_sort(&c->cm);
	c->have_cm = true;
	return 0;
}

void conf_free(struct ikeconf *c)
{
	if (c->have_cm)
		cfg_free(&c->cm);
	c->have_cm = false;
	explicit_bzero(c->keys, sizeof(c->keys));
}

/* show crypto isakmp policy, IOS layout */
void show_isakmp_policy(const struct ikeconf *c, struct buf *out)
{
	int i;

	bprintf(out, "\nGlobal IKE policy\n");
	for (i = 0; i < c->npol; i++) {
		const struct policy *p = &c->pol[i];

		bprintf(out, "Protection suite of priority %u\n", p->prio);
		if (p->enc == ENC_AES)
			bprintf(out, "\tencryption algorithm:\tAES - Advanced Encryption Standard (%d bit keys).\n",
				p->keybits);
		else if (p->enc == ENC_3DES)
			bprintf(out, "\tencryption algorithm:\tThree key triple DES\n");
		else
			bprintf(out, "\tencryption algorithm:\tDES - Data Encryption Standard (56 bit keys).\n");
		bprintf(out, "\thash algorithm:\t\t%s\n",
			p->hash == HASH_MD5 ? "Message Digest 5" :
			p->hash == HASH_SHA256 ? "Secure Hash Standard 2 (256 bit)" :
			"Secure Hash Standard");
		bprintf(out, "\tauthentication method:\tPre-Shared Key\n");
		bprintf(out, "\tDiffie-Hellman group:\t#%d (%d bit)\n", p->group,
			dh_group_bits(p->group));
		bprintf(out, "\tlifetime:\t\t%u seconds, no volume limit\n",
			p->life);
	}
}

const struct acl *conf_acl(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nacls; i++)
		if (!strcmp(c->acls[i].name, name))
			return &c->acls[i];
	return NULL;
}

const struct tset *conf_tset(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ntsets; i++)
		if (!strcmp(c->tsets[i].name, name))
			return &c->tsets[i];
	return NULL;
}
