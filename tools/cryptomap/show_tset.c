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
	char g[128];
	size_t i;
	int k;

	if (json_output)
		jw_arr_start(NULL);
	for (i = 0; i < c->ntsets; i++) {
		const struct tset *t = &c->tsets[i];
		bool first = true;

		if (tag && strcmp(tag, t->name))
			continue;
		found = true;
		if (json_output) {
			jw_obj_start(NULL);
			jw_str("name", t->name);
			jw_arr_start("groups");
			for (k = 0; k < 3; k++) {
				print_tset_transforms(t, k, g, sizeof(g));
				if (!g[0])
					continue;
				jw_obj_start(NULL);
				jw_arr_start("transforms");
				{
					char *s, *save = NULL;

					for (s = strtok_r(g, " ", &save); s;
					     s = strtok_r(NULL, " ", &save))
						jw_str(NULL, s);
				}
				jw_arr_end();
				jw_str("will_negotiate", mode_word(t->mode));
				jw_obj_end();
			}
			jw_arr_end();
			jw_str("mode", mode_word(t->mode));
			jw_obj_end();
			continue;
		}
		for (k = 0; k < 3; k++) {
			print_tset_transforms(t, k, g, sizeof(g));
			if (!g[0])
				continue;
			if (first)
				printf("Transform set %s: { %s }\n", t->name, g);
			else
				printf("   { %s }\n", g);
			printf("   will negotiate = { %s,  },\n",
			       mode_word(t->mode));
			first = false;
		}
	}
	if (json_output)
		jw_arr_end();
	if (tag && !found) {
		fprintf(stderr, "%s: transform set \"%s\" does not exist\n",
			prog, tag);
		return -1;
	}
	return 0;
}
