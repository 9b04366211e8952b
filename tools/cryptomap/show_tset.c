// SPDX-License-Identifier: GPL-2.0
/*
 * show crypto ipsec transform-set [tag NAME], in the IOS layout:
 *
 *   Transform set AH-AND-ESP: { ah-sha-hmac  }
 *      will negotiate = { Tunnel,  },
 *      { esp-3des esp-md5-hmac  }
 *      will negotiate = { Tunnel,  },
 *
 * One brace group per protocol (AH, ESP, compression), each transform
 * followed by a space, and a space before the closing brace.
 */
#include <stdio.h>
#include <string.h>

#include "cmtool.h"
#include "json.h"

/* group 0: AH, 1: ESP, 2: compression; "" when the group is empty */
void print_tset_transforms(const struct tset *t, int group, char *buf,
			   size_t len)
{
	char enc[32];
	size_t o = 0;

	buf[0] = 0;
	switch (group) {
	case 0:
		if (t->ah)
			snprintf(buf, len, "%s ", ah_name(t->ah));
		break;
	case 1:
		if (t->enc) {
			enc_show_name(t, enc, sizeof(enc));
			o = snprintf(buf, len, "%s ", enc);
		}
		if (t->eauth && o < len)
			snprintf(buf + o, len - o, "%s ", eauth_name(t->eauth));
		break;
	case 2:
		if (t->comp)
			snprintf(buf, len, "%s ", comp_name(t->comp));
		break;
	}
}

static const char *mode_word(uint8_t mode)
{
	return mode == CRYPTOMAP_MODE_TRANSPORT ? "Transport" : "Tunnel";
}

int show_transform_set(const struct config *c, const char *tag)
{
	bool found = false;
	char g[128], *w, *save;
	size_t i;
	int k;

	open_arr(NULL);
	for (i = 0; i < c->ntsets; i++) {
		const struct tset *t = &c->tsets[i];
		bool first = true;

		if (tag && strcmp(tag, t->name))
			continue;
		found = true;
		open_obj(NULL);
		print_str(PRINT_JSON, "name", NULL, t->name);
		open_arr("groups");
		for (k = 0; k < 3; k++) {
			print_tset_transforms(t, k, g, sizeof(g));
			if (!g[0])
				continue;
			if (first)
				print_text("Transform set %s: { ", t->name);
			else
				print_text("   { ");
			first = false;
			open_obj(NULL);
			open_arr("transforms");
			save = NULL;
			for (w = strtok_r(g, " ", &save); w;
			     w = strtok_r(NULL, " ", &save))
				print_str(PRINT_ANY, NULL, "%s ", w);
			close_arr();
			print_str(PRINT_ANY, "will_negotiate",
				  " }\n   will negotiate = { %s,  },\n",
				  mode_word(t->mode));
			close_obj();
		}
		close_arr();
		print_str(PRINT_JSON, "mode", NULL, mode_word(t->mode));
		close_obj();
	}
	close_arr();
	if (tag && !found) {
		fprintf(stderr, "%s: transform set \"%s\" does not exist\n",
			prog, tag);
		return -1;
	}
	return 0;
}
