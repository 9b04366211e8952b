// SPDX-License-Identifier: GPL-2.0
/*
 * show crypto map [interface IF | tag NAME], in the IOS layout (fields one
 * TAB deep, transform sets and interfaces two):
 *
 *   Crypto Map IPv4 "VPN" 10 ipsec-isakmp
 *   	Peer = 209.165.202.129
 *   	Extended IP access list VPN-TRAFFIC
 *   	    access-list VPN-TRAFFIC permit ip 192.168.1.0 0.0.0.255 ...
 *   	Current peer: 209.165.202.129
 *   	Security association lifetime: 4608000 kilobytes/3600 seconds
 *   	Responder-Only (Y/N): N
 *   	PFS (Y/N): N
 *   	Mixed-mode : Disabled
 *   	Transform sets={
 *   		A:  { esp-des esp-md5-hmac  } ,
 *   	}
 *   	Interfaces using crypto map VPN:
 *   		GigabitEthernet0/2
 *
 * Lifetimes are printed with the global defaults applied.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cmtool.h"
#include "json.h"

/* the first IPv4 address of an interface, 0 if none */
uint32_t if_ipv4(const char *ifname)
{
	struct ifaddrs *ifa, *i;
	uint32_t a = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, ifname))
			continue;
		a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		break;
	}
	freeifaddrs(ifa);
	return a;
}

const struct acl *find_acl_c(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nacls; i++)
		if (!strcmp(c->acls[i].name, name))
			return &c->acls[i];
	return NULL;
}

const struct tset *find_tset_c(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ntsets; i++)
		if (!strcmp(c->tsets[i].name, name))
			return &c->tsets[i];
	return NULL;
}

static const char *const inactive_names[] = {
	[CRYPTOMAP_INACTIVE_NONE] = NULL,
	[CRYPTOMAP_INACTIVE_NO_PEER] = "no peer",
	[CRYPTOMAP_INACTIVE_NO_ACL] = "no valid access list",
	[CRYPTOMAP_INACTIVE_NO_TSET] = "no transform set",
	[CRYPTOMAP_INACTIVE_NO_KEYS] = "no session keys",
};

static uint32_t current_peer(const struct entry *e)
{
	if (e->current_peer)
		return e->current_peer;
	return e->npeers ? e->peers[0] : 0;
}

static uint32_t effective_idle(const struct config *c, const struct entry *e)
{
	return e->idle ? e->idle : c->g.idle;
}

static void json_entry(const struct config *c, const struct entry *e)
{
	const struct acl *a = e->acl[0] ? find_acl_c(c, e->acl) : NULL;
	char text[256], g[128];
	size_t i;
	int k, grp;

	jw_obj_start(NULL);
	jw_str("map", e->map);
	jw_uint("seq", e->seq);
	jw_str("type", e->type == CRYPTOMAP_TYPE_MANUAL ? "ipsec-manual" :
	       "ipsec-isakmp");
	jw_arr_start("peers");
	for (k = 0; k < e->npeers; k++)
		jw_str(NULL, ip_text(e->peers[k]));
	jw_arr_end();
	if (e->acl[0]) {
		jw_obj_start("access_list");
		jw_str("name", e->acl);
		jw_bool("exists", a != NULL);
		jw_arr_start("entries");
		for (i = 0; a && i < a->n; i++) {
			ace_text(&a->e[i], text, sizeof(text));
			jw_str(NULL, text);
		}
		jw_arr_end();
		jw_obj_end();
	} else {
		jw_null("access_list");
	}
	if (current_peer(e))
		jw_str("current_peer", ip_text(current_peer(e)));
	else
		jw_null("current_peer");
	jw_uint("lifetime_kilobytes", entry_life_kb(c, e));
	jw_uint("lifetime_seconds", entry_life_sec(c, e));
	if (effective_idle(c, e))
		jw_uint("idle_time", effective_idle(c, e));
	jw_bool("responder_only", false);
	jw_bool("pfs", e->pfs != 0);
	if (e->pfs) {
		snprintf(g, sizeof(g), "group%u", e->pfs);
		jw_str("dh_group", g);
	}
	jw_str("mixed_mode", "Disabled");
	jw_arr_start("transform_sets");
	for (k = 0; k < e->ntsets; k++) {
		const struct tset *t = find_tset_c(c, e->tsets[k]);

		jw_obj_start(NULL);
		jw_str("name", e->tsets[k]);
		jw_bool("exists", t != NULL);
		if (t) {
			jw_arr_start("transforms");
			for (grp = 0; grp < 3; grp++) {
				char *s, *save = NULL;

				print_tset_transforms(t, grp, g, sizeof(g));
				for (s = strtok_r(g, " ", &save); s;
				     s = strtok_r(NULL, " ", &save))
					jw_str(NULL, s);
			}
			jw_arr_end();
		}
		jw_obj_end();
	}
	jw_arr_end();
	jw_arr_start("interfaces");
	for (i = 0; i < c->nbinds; i++)
		if (!strcmp(c->binds[i].map, e->map))
			jw_str(NULL, c->binds[i].ifname);
	jw_arr_end();
	if (e->inactive < sizeof(inactive_names) / sizeof(inactive_names[0]) &&
	    inactive_names[e->inactive])
		jw_str("inactive", inactive_names[e->inactive]);
	else
		jw_null("inactive");
	jw_obj_end();
}

static void print_entry(const struct config *c, const struct entry *e)
{
	const struct acl *a = e->acl[0] ? find_acl_c(c, e->acl) : NULL;
	char text[256], g[128];
	size_t i;
	int k, grp;

	printf("Crypto Map IPv4 \"%s\" %u %s\n", e->map, e->seq,
	       e->type == CRYPTOMAP_TYPE_MANUAL ? "ipsec-manual" :
	       "ipsec-isakmp");
	for (k = 0; k < e->npeers; k++)
		printf("\tPeer = %s\n", ip_text(e->peers[k]));
	if (e->acl[0]) {
		printf("\tExtended IP access list %s\n", e->acl);
		for (i = 0; a && i < a->n; i++) {
			ace_text(&a->e[i], text, sizeof(text));
			printf("\t    access-list %s %s\n", e->acl, text);
		}
	} else {
		printf("\tNo matching address list set.\n");
	}
	if (current_peer(e))
		printf("\tCurrent peer: %s\n", ip_text(current_peer(e)));
	printf("\tSecurity association lifetime: %u kilobytes/%u seconds\n",
	       entry_life_kb(c, e), entry_life_sec(c, e));
	if (effective_idle(c, e))
		printf("\tSecurity association idletime: %u seconds\n",
		       effective_idle(c, e));
	printf("\tResponder-Only (Y/N): N\n");
	printf("\tPFS (Y/N): %s\n", e->pfs ? "Y" : "N");
	if (e->pfs)
		printf("\tDH group:  group%u\n", e->pfs);
	printf("\tMixed-mode : Disabled\n");
	printf("\tTransform sets={\n");
	for (k = 0; k < e->ntsets; k++) {
		const struct tset *t = find_tset_c(c, e->tsets[k]);
		bool first = true;

		if (!t)
			continue;
		printf("\t\t%s: ", t->name);
		for (grp = 0; grp < 3; grp++) {
			print_tset_transforms(t, grp, g, sizeof(g));
			if (!g[0])
				continue;
			printf("%s{ %s }", first ? " " : " ", g);
			first = false;
		}
		printf(" ,\n");
	}
	printf("\t}\n");
	printf("\tInterfaces using crypto map %s:\n", e->map);
	for (i = 0; i < c->nbinds; i++)
		if (!strcmp(c->binds[i].map, e->map))
			printf("\t\t%s\n", c->binds[i].ifname);
}

int show_crypto_map(const struct config *c, const char *ifname,
		    const char *tag)
{
	const struct binding *b = NULL;
	bool blank = false;
	size_t i, j;

	if (ifname) {
		for (i = 0; i < c->nbinds; i++)
			if (!strcmp(c->binds[i].ifname, ifname))
				b = &c->binds[i];
		if (!b) {
			fprintf(stderr, "%s: interface \"%s\" has no crypto map\n",
				prog, ifname);
			return -1;
		}
		tag = b->map;
	} else if (tag && !cfg_map((struct config *)c, tag, false)) {
		fprintf(stderr, "%s: crypto map \"%s\" does not exist\n", prog,
			tag);
		return -1;
	}
	if (json_output)
		jw_arr_start(NULL);
	for (i = 0; i < c->nmaps; i++) {
		const struct cmap *m = &c->maps[i];

		if (tag && strcmp(tag, m->name))
			continue;
		if (m->local_if[0] && !json_output) {
			uint32_t la = if_ipv4(m->local_if);

			printf("%sCrypto Map IPv4 \"%s\" idb: %s local address: %s\n",
			       blank ? "\n" : "", m->name, m->local_if,
			       la ? ip_text(la) : "");
			blank = true;
		}
		for (j = 0; j < c->nentries; j++) {
			if (strcmp(c->entries[j].map, m->name))
				continue;
			if (json_output) {
				json_entry(c, &c->entries[j]);
				continue;
			}
			if (blank)
				putchar('\n');
			print_entry(c, &c->entries[j]);
			blank = true;
		}
	}
	if (json_output)
		jw_arr_end();
	return 0;
}
