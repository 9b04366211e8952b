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
	return cfg_acl_get(c, name);
}

const struct tset *find_tset_c(const struct config *c, const char *name)
{
	return cfg_tset_get(c, name);
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

static const char *type_name(uint8_t type)
{
	return type == CRYPTOMAP_TYPE_MANUAL ? "ipsec-manual" : "ipsec-isakmp";
}

/* one entry, text and JSON from the same lines */
static void print_entry(const struct config *c, const struct entry *e)
{
	const struct acl *a = e->acl[0] ? find_acl_c(c, e->acl) : NULL;
	char text[256], g[128], *w, *save;
	size_t i;
	int k, grp;

	open_obj(NULL);
	print_str(PRINT_ANY, "map", "Crypto Map IPv4 \"%s\"", e->map);
	print_u64(PRINT_ANY, "seq", " %llu", e->seq);
	print_str(PRINT_ANY, "type", " %s\n", type_name(e->type));
	open_arr("peers");
	for (k = 0; k < e->npeers; k++)
		print_str(PRINT_ANY, NULL, "\tPeer = %s\n", ip_text(e->peers[k]));
	close_arr();
	if (e->acl[0]) {
		open_obj("access_list");
		print_str(PRINT_ANY, "name", "\tExtended IP access list %s\n",
			  e->acl);
		print_yn(PRINT_JSON, "exists", NULL, a != NULL);
		open_arr("entries");
		for (i = 0; a && i < a->n; i++) {
			ace_text(&a->e[i], text, sizeof(text));
			print_text("\t    access-list %s ", e->acl);
			print_str(PRINT_ANY, NULL, "%s\n", text);
		}
		close_arr();
		close_obj();
	} else {
		print_str(PRINT_JSON, "access_list", NULL, NULL);
		print_text("\tNo matching address list set.\n");
	}
	if (current_peer(e))
		print_str(PRINT_ANY, "current_peer", "\tCurrent peer: %s\n",
			  ip_text(current_peer(e)));
	else
		print_str(PRINT_JSON, "current_peer", NULL, NULL);
	print_u64(PRINT_ANY, "lifetime_kilobytes",
		  "\tSecurity association lifetime: %llu kilobytes",
		  entry_life_kb(c, e));
	print_u64(PRINT_ANY, "lifetime_seconds", "/%llu seconds\n",
		  entry_life_sec(c, e));
	if (effective_idle(c, e))
		print_u64(PRINT_ANY, "idle_time",
			  "\tSecurity association idletime: %llu seconds\n",
			  effective_idle(c, e));
	/* cryptomap extension, shown only when set: IOS has no such line */
	if (e->esn)
		print_yn(PRINT_ANY, "esn",
			 "\tExtended sequence numbers (Y/N): %s\n", true);
	print_yn(PRINT_ANY, "responder_only", "\tResponder-Only (Y/N): %s\n",
		 false);
	print_yn(PRINT_ANY, "pfs", "\tPFS (Y/N): %s\n", e->pfs != 0);
	if (e->pfs) {
		snprintf(g, sizeof(g), "group%u", e->pfs);
		print_str(PRINT_ANY, "dh_group", "\tDH group:  %s\n", g);
	}
	print_str(PRINT_ANY, "mixed_mode", "\tMixed-mode : %s\n", "Disabled");
	print_text("\tTransform sets={\n");
	open_arr("transform_sets");
	for (k = 0; k < e->ntsets; k++) {
		const struct tset *t = find_tset_c(c, e->tsets[k]);

		if (!t && !json_output)
			continue;
		open_obj(NULL);
		print_str(PRINT_ANY, "name", "\t\t%s: ", e->tsets[k]);
		print_yn(PRINT_JSON, "exists", NULL, t != NULL);
		open_arr("transforms");
		for (grp = 0; t && grp < 3; grp++) {
			print_tset_transforms(t, grp, g, sizeof(g));
			if (!g[0])
				continue;
			print_text(" { ");
			save = NULL;
			for (w = strtok_r(g, " ", &save); w;
			     w = strtok_r(NULL, " ", &save))
				print_str(PRINT_ANY, NULL, "%s ", w);
			print_text(" }");
		}
		close_arr();
		print_text(" ,\n");
		close_obj();
	}
	close_arr();
	print_text("\t}\n");
	print_str(PRINT_TEXT, NULL, "\tInterfaces using crypto map %s:\n",
		  e->map);
	open_arr("interfaces");
	for (i = 0; i < c->nbinds; i++)
		if (!strcmp(c->binds[i].map, e->map))
			print_str(PRINT_ANY, NULL, "\t\t%s\n",
				  c->binds[i].ifname);
	close_arr();
	if (e->inactive < sizeof(inactive_names) / sizeof(inactive_names[0]) &&
	    inactive_names[e->inactive])
		print_str(PRINT_JSON, "inactive", NULL,
			  inactive_names[e->inactive]);
	else
		print_str(PRINT_JSON, "inactive", NULL, NULL);
	close_obj();
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
	open_arr(NULL);
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
		for (j = cfg_map_first(c, m->name); j < c->nentries;
		     j = cfg_map_next(c, j)) {
			if (blank)
				print_text("\n");
			print_entry(c, &c->entries[j]);
			blank = true;
		}
	}
	close_arr();
	return 0;
}
