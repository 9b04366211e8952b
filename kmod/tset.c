// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: crypto ipsec transform-set NAME T1 [T2 [T3 [T4]]].
 *
 * One to four transforms, at most one from each section (AH integrity,
 * ESP encryption, ESP integrity, compression), mode tunnel or transport.
 */
#include <linux/slab.h>

#include "netlink.h"
#include "nl_policy.h"

static const char * const cm_ah_names[__CRYPTOMAP_AH_MAX] = {
	[CRYPTOMAP_AH_MD5_HMAC] = "ah-md5-hmac",
	[CRYPTOMAP_AH_SHA_HMAC] = "ah-sha-hmac",
	[CRYPTOMAP_AH_SHA256_HMAC] = "ah-sha256-hmac",
	[CRYPTOMAP_AH_SHA384_HMAC] = "ah-sha384-hmac",
	[CRYPTOMAP_AH_SHA512_HMAC] = "ah-sha512-hmac",
};

static const char * const cm_enc_names[__CRYPTOMAP_ENC_MAX] = {
	[CRYPTOMAP_ENC_NULL] = "esp-null",
	[CRYPTOMAP_ENC_DES] = "esp-des",
	[CRYPTOMAP_ENC_3DES] = "esp-3des",
	[CRYPTOMAP_ENC_AES] = "esp-aes",
	[CRYPTOMAP_ENC_GCM] = "esp-gcm",
	[CRYPTOMAP_ENC_GMAC] = "esp-gmac",
};

static const char * const cm_eauth_names[__CRYPTOMAP_EAUTH_MAX] = {
	[CRYPTOMAP_EAUTH_MD5_HMAC] = "esp-md5-hmac",
	[CRYPTOMAP_EAUTH_SHA_HMAC] = "esp-sha-hmac",
	[CRYPTOMAP_EAUTH_SHA256_HMAC] = "esp-sha256-hmac",
	[CRYPTOMAP_EAUTH_SHA384_HMAC] = "esp-sha384-hmac",
	[CRYPTOMAP_EAUTH_SHA512_HMAC] = "esp-sha512-hmac",
};

static const char * const cm_comp_names[__CRYPTOMAP_COMP_MAX] = {
	[CRYPTOMAP_COMP_LZS] = "comp-lzs",
	[CRYPTOMAP_COMP_DEFLATE] = "comp-deflate",
};

/* HMAC key lengths, indexed like both enum cryptomap_ah_auth and _esp_auth */
static const u8 cm_hmac_key_len[__CRYPTOMAP_AH_MAX] = {
	[CRYPTOMAP_AH_MD5_HMAC] = 16,
	[CRYPTOMAP_AH_SHA_HMAC] = 20,
	[CRYPTOMAP_AH_SHA256_HMAC] = 32,
	[CRYPTOMAP_AH_SHA384_HMAC] = 48,
	[CRYPTOMAP_AH_SHA512_HMAC] = 64,
};

const char *cm_esp_enc_name(u8 enc)
{
	return enc < __CRYPTOMAP_ENC_MAX && cm_enc_names[enc] ?
	       cm_enc_names[enc] : "none";
}

/* Bytes of the ESP cipher key, with the 4 byte salt of GCM and GMAC. */
unsigned int cm_tset_cipher_len(const struct cm_tset_params *p)
{
	switch (p->esp_enc) {
	case CRYPTOMAP_ENC_DES:
		return 8;
	case CRYPTOMAP_ENC_3DES:
		return 24;
	case CRYPTOMAP_ENC_AES:
		return p->keybits / 8;
	case CRYPTOMAP_ENC_GCM:
	case CRYPTOMAP_ENC_GMAC:
		return p->keybits / 8 + 4;
	}
	return 0;
}

unsigned int cm_tset_esp_auth_len(const struct cm_tset_params *p)
{
	return p->esp_auth < __CRYPTOMAP_EAUTH_MAX ?
	       cm_hmac_key_len[p->esp_auth] : 0;
}

unsigned int cm_tset_ah_len(const struct cm_tset_params *p)
{
	return p->ah < __CRYPTOMAP_AH_MAX ? cm_hmac_key_len[p->ah] : 0;
}

struct cm_tset *cm_tset_find(struct cm_net *cmn, const char *name)
{
	struct cm_tset *ts;

	list_for_each_entry(ts, &cmn->tsets, list)
		if (!strcmp(ts->p.name, name))
			return ts;
	return NULL;
}

void cm_tsets_flush(struct cm_net *cmn)
{
	struct cm_tset *ts, *tmp;

	list_for_each_entry_safe(ts, tmp, &cmn->tsets, list) {
		list_del(&ts->list);
		kfree(ts);
	}
	cmn->n_tsets = 0;
}

static const char *cm_transform_name(int type, u8 val)
{
	switch (type) {
	case CRYPTOMAP_TSET_A_AH:
		return cm_ah_names[val];
	case CRYPTOMAP_TSET_A_ESP_ENC:
		return cm_enc_names[val];
	case CRYPTOMAP_TSET_A_ESP_AUTH:
		return cm_eauth_names[val];
	case CRYPTOMAP_TSET_A_COMP:
		return cm_comp_names[val];
	}
	return NULL;
}

static const char *cm_section_name(int type)
{
	switch (type) {
	case CRYPTOMAP_TSET_A_AH:
		return "AH integrity";
	case CRYPTOMAP_TSET_A_ESP_ENC:
		return "ESP encryption";
	case CRYPTOMAP_TSET_A_ESP_AUTH:
		return "ESP integrity";
	}
	return "compression";
}

/*
 * One transform per section: a request that names two of one section
 * carries its attribute twice, which the parsed table would hide.
 */
static int cm_tset_sections(struct cm_net *cmn, struct genl_info *info,
			    const char *name)
{
	const struct nlattr *seen[CRYPTOMAP_TSET_A_MAX + 1] = {};
	const struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		int type = nla_type(a);
		const char *t1, *t2;

		if (type != CRYPTOMAP_TSET_A_AH &&
		    type != CRYPTOMAP_TSET_A_ESP_ENC &&
		    type != CRYPTOMAP_TSET_A_ESP_AUTH &&
		    type != CRYPTOMAP_TSET_A_COMP)
			continue;
		if (!nla_get_u8(a))
			continue;
		if (!seen[type]) {
			seen[type] = a;
			continue;
		}
		t1 = cm_transform_name(type, nla_get_u8(seen[type]));
		t2 = cm_transform_name(type, nla_get_u8(a));
		if (t1 == t2)
			cm_errf(cmn, info->extack,
				"transform set %s: %s is given twice", name, t1);
		else
			cm_errf(cmn, info->extack,
				"transform set %s: %s and %s are both %s transforms",
				name, t1, t2, cm_section_name(type));
		NL_SET_BAD_ATTR(info->extack, a);
		return -EINVAL;
	}
	return 0;
}

static int cm_tset_parse(struct cm_net *cmn, struct genl_info *info,
			 struct cm_tset_params *p)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **tb = info->attrs;
	struct nlattr *kb = tb[CRYPTOMAP_TSET_A_ESP_KEYBITS];
	int err;

	nla_strscpy(p->name, tb[CRYPTOMAP_TSET_A_NAME], sizeof(p->name));
	err = cm_tset_sections(cmn, info, p->name);
	if (err)
		return err;

	if (tb[CRYPTOMAP_TSET_A_AH])
		p->ah = nla_get_u8(tb[CRYPTOMAP_TSET_A_AH]);
	if (tb[CRYPTOMAP_TSET_A_ESP_ENC])
		p->esp_enc = nla_get_u8(tb[CRYPTOMAP_TSET_A_ESP_ENC]);
	if (tb[CRYPTOMAP_TSET_A_ESP_AUTH])
		p->esp_auth = nla_get_u8(tb[CRYPTOMAP_TSET_A_ESP_AUTH]);
	if (tb[CRYPTOMAP_TSET_A_COMP])
		p->comp = nla_get_u8(tb[CRYPTOMAP_TSET_A_COMP]);
	p->mode = CRYPTOMAP_MODE_TUNNEL;
	if (tb[CRYPTOMAP_TSET_A_MODE])
		p->mode = nla_get_u8(tb[CRYPTOMAP_TSET_A_MODE]);

	if (!p->ah && !p->esp_enc && !p->esp_auth && !p->comp) {
		cm_errf(cmn, extack, "transform set %s: no transforms", p->name);
		return -EINVAL;
	}
	if (!p->ah && !p->esp_enc && !p->esp_auth) {
		cm_errf(cmn, extack,
			"transform set %s: %s needs an AH or ESP transform",
			p->name, cm_comp_names[p->comp]);
		NL_SET_BAD_ATTR(extack, tb[CRYPTOMAP_TSET_A_COMP]);
		return -EINVAL;
	}

	switch (p->esp_enc) {
	case CRYPTOMAP_ENC_GCM:
	case CRYPTOMAP_ENC_GMAC:
		if (p->esp_auth) {
			cm_errf(cmn, extack,
				"transform set %s: %s carries its own integrity and takes no %s",
				p->name, cm_enc_names[p->esp_enc],
				cm_eauth_names[p->esp_auth]);
			NL_SET_BAD_ATTR(extack, tb[CRYPTOMAP_TSET_A_ESP_AUTH]);
			return -EINVAL;
		}
		fallthrough;
	case CRYPTOMAP_ENC_AES:
		p->keybits = kb ? nla_get_u16(kb) : 128;
		if (p->keybits != 128 && p->keybits != 192 && p->keybits != 256) {
			cm_errf(cmn, extack,
				"transform set %s: %s key size %u: must be 128, 192 or 256",
				p->name, cm_enc_names[p->esp_enc], p->keybits);
			NL_SET_BAD_ATTR(extack, kb);
			return -EINVAL;
		}
		break;
	default:
		if (kb) {
			cm_errf(cmn, extack,
				"transform set %s: a key size needs esp-aes, esp-gcm or esp-gmac",
				p->name);
			NL_SET_BAD_ATTR(extack, kb);
			return -EINVAL;
		}
		break;
	}
	return 0;
}

int cm_nl_tset_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name_a = info->attrs[CRYPTOMAP_TSET_A_NAME];
	struct cm_tset_params p = {};
	struct cm_net *cmn;
	struct cm_tset *ts;
	int err;

	cmn = cm_nl_net_lock(info);
	err = -EINVAL;
	if (!cm_name_valid(cmn, info->extack, name_a, "transform set"))
		goto out;
	err = cm_tset_parse(cmn, info, &p);
	if (err)
		goto out;

	ts = cm_tset_find(cmn, p.name);
	if (ts) {
		struct cm_tset_params old = ts->p;

		ts->p = p;
		err = cm_nl_commit(cmn, info->extack);
		if (err)
			ts->p = old;
		goto out;
	}
	err = -ENOMEM;
	ts = kzalloc(sizeof(*ts), GFP_KERNEL);
	if (!ts)
		goto out;
	ts->p = p;
	list_add_tail(&ts->list, &cmn->tsets);
	cmn->n_tsets++;
	err = cm_nl_commit(cmn, info->extack);
	if (err) {
		list_del(&ts->list);
		cmn->n_tsets--;
		kfree(ts);
	}
out:
	mutex_unlock(&cmn->lock);
	return err;
}

int cm_nl_tset_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name_a = info->attrs[CRYPTOMAP_TSET_A_NAME];
	struct list_head *prev;
	struct cm_net *cmn;
	struct cm_tset *ts;
	int err;

	cmn = cm_nl_net_lock(info);
	err = -EINVAL;
	if (!cm_name_valid(cmn, info->extack, name_a, "transform set"))
		goto out;
	ts = cm_tset_find(cmn, nla_data(name_a));
	if (!ts) {
		cm_errf(cmn, info->extack, "transform set %s does not exist",
			(char *)nla_data(name_a));
		NL_SET_BAD_ATTR(info->extack, name_a);
		err = -ENOENT;
		goto out;
	}
	prev = ts->list.prev;
	list_del(&ts->list);
	cmn->n_tsets--;
	err = cm_nl_commit(cmn, info->extack);
	if (err) {
		list_add(&ts->list, prev);
		cmn->n_tsets++;
		goto out;
	}
	kfree(ts);
out:
	mutex_unlock(&cmn->lock);
	return err;
}

static int cm_tset_fill(struct sk_buff *msg, const struct cm_tset_params *p)
{
	if (nla_put_string(msg, CRYPTOMAP_TSET_A_NAME, p->name) ||
	    (p->ah && nla_put_u8(msg, CRYPTOMAP_TSET_A_AH, p->ah)) ||
	    (p->esp_enc && nla_put_u8(msg, CRYPTOMAP_TSET_A_ESP_ENC, p->esp_enc)) ||
	    (p->keybits &&
	     nla_put_u16(msg, CRYPTOMAP_TSET_A_ESP_KEYBITS, p->keybits)) ||
	    (p->esp_auth &&
	     nla_put_u8(msg, CRYPTOMAP_TSET_A_ESP_AUTH, p->esp_auth)) ||
	    (p->comp && nla_put_u8(msg, CRYPTOMAP_TSET_A_COMP, p->comp)) ||
	    nla_put_u8(msg, CRYPTOMAP_TSET_A_MODE, p->mode))
		return -EMSGSIZE;
	return 0;
}

int cm_nl_tset_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name_a = info->attrs[CRYPTOMAP_TSET_A_NAME];
	struct sk_buff *msg = NULL;
	struct cm_net *cmn;
	struct cm_tset *ts;
	void *hdr;
	int err;

	cmn = cm_nl_net_lock(info);
	err = -EINVAL;
	if (!cm_name_valid(cmn, info->extack, name_a, "transform set"))
		goto out;
	ts = cm_tset_find(cmn, nla_data(name_a));
	if (!ts) {
		cm_errf(cmn, info->extack, "transform set %s does not exist",
			(char *)nla_data(name_a));
		NL_SET_BAD_ATTR(info->extack, name_a);
		err = -ENOENT;
		goto out;
	}
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &cm_genl_family, 0,
				CRYPTOMAP_CMD_TSET_GET);
	if (!hdr || cm_tset_fill(msg, &ts->p))
		goto out;
	genlmsg_end(msg, hdr);
	mutex_unlock(&cmn->lock);
	return cm_nl_reply(info, msg);
out:
	mutex_unlock(&cmn->lock);
	nlmsg_free(msg);
	return err;
}

int cm_nl_tset_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cm_net *cmn = cm_net(sock_net(cb->skb->sk));
	unsigned long idx = 0;
	struct cm_tset *ts;

	mutex_lock(&cmn->lock);
	cb->seq = cmn->genid;
	list_for_each_entry(ts, &cmn->tsets, list) {
		void *hdr;

		if (idx++ < cb->args[CM_CB_OBJ])
			continue;
		hdr = cm_nl_put_hdr(skb, cb, cmn, CRYPTOMAP_CMD_TSET_GET, 0);
		if (!hdr)
			break;
		if (cm_tset_fill(skb, &ts->p)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[CM_CB_OBJ]++;
	}
	mutex_unlock(&cmn->lock);
	return skb->len;
}
