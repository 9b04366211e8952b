// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: the module's generic netlink family: the "events"
 * multicast group (ACQUIRE, EXPIRE, INVALID_SPI) and the SA operations
 * (SPI_ALLOC, SA_ADD, SA_DEL, PEER_SET), see /work/notes/sa-ops.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "cryptomapd.h"
#include "ikev2.h"

#define EV_RCVBUF	(1 << 20)	/* bytes of queued events */
#define EV_BATCH	64		/* events read in a row */

static struct mnl_socket *req_sk, *ev_sk;
static uint16_t family;
static uint32_t mcgrp;
static uint32_t nlseq;
static char ext_msg[256];

struct fam_info {
	uint16_t id;
	uint32_t grp;
};

static int grp_cb(const struct nlattr *nest, struct fam_info *fi)
{
	const struct nlattr *g, *a;

	mnl_attr_for_each_nested(g, nest) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(a, g) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 !mnl_attr_validate(a, MNL_TYPE_U32))
				id = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, CRYPTOMAP_MCGRP_EVENTS))
			fi->grp = id;
	}
	return 0;
}

static int fam_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fam_info *fi = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    !mnl_attr_validate(a, MNL_TYPE_U16))
			fi->id = mnl_attr_get_u16(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
			grp_cb(a, fi);
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *msg_start(char *buf, uint16_t type, uint8_t cmd,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nlseq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = family == GENL_ID_CTRL ? 1 : CRYPTOMAP_GENL_VERSION;
	return nlh;
}

static int err_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	unsigned int off = sizeof(*e);

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return MNL_CB_ERROR;
	if (!e->error)
		return MNL_CB_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&e->msg);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_for_each(a, nlh, off)
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				snprintf(ext_msg, sizeof(ext_msg), "%s",
					 mnl_attr_get_str(a));
	errno = -e->error;
	return MNL_CB_ERROR;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = err_cb };

/* sends a request, runs cb on the answers until the ack */
static int request(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid = mnl_socket_get_portid(req_sk);
	ssize_t n;
	int r;

	ext_msg[0] = 0;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(req_sk, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(req_sk, buf, sizeof(buf));
		if (n < 0)
			return -1;
		r = mnl_cb_run2(buf, n, nlh->nlmsg_seq, portid, cb, data,
				ctl_cbs, NLMSG_MIN_TYPE);
	} while (r > 0);
	return r < 0 ? -1 : 0;
}

int knl_open(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct fam_info fi = { 0 };
	struct nlmsghdr *nlh;
	int one = 1;

	req_sk = mnl_socket_open(NETLINK_GENERIC);
	if (!req_sk || mnl_socket_bind(req_sk, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	mnl_socket_setsockopt(req_sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(req_sk, NETLINK_CAP_ACK, &one, sizeof(one));
	family = GENL_ID_CTRL;
	nlh = msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, CRYPTOMAP_GENL_NAME);
	if (request(nlh, fam_cb, &fi) || !fi.id) {
		family = 0;
		return -1;
	}
	family = fi.id;
	mcgrp = fi.grp;
	if (!mcgrp) {
		log_warn("the module has no \"%s\" multicast group: no ACQUIRE/EXPIRE",
			 CRYPTOMAP_MCGRP_EVENTS);
		return 0;
	}
	ev_sk = mnl_socket_open(NETLINK_GENERIC);
	if (!ev_sk || mnl_socket_bind(ev_sk, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(ev_sk, NETLINK_ADD_MEMBERSHIP, &mcgrp,
				  sizeof(mcgrp)) < 0) {
		log_err("joining the events group: %s", strerror(errno));
		if (ev_sk)
			mnl_socket_close(ev_sk);
		ev_sk = NULL;
	} else {
		/*
		 * Room for the events of a daemon not scheduled for seconds:
		 * one ACQUIRE takes ~8 KiB of it, an EXPIRE ~4 KiB, and an
		 * overflow loses them (ENOBUFS).  Root may go past rmem_max.
		 */
		int sz = EV_RCVBUF;

		if (setsockopt(mnl_socket_get_fd(ev_sk), SOL_SOCKET,
			       SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(mnl_socket_get_fd(ev_sk), SOL_SOCKET,
				   SO_RCVBUF, &sz, sizeof(sz));
	}
	return 0;
}

int knl_event_fd(void)
{
	return ev_sk ? mnl_socket_get_fd(ev_sk) : -1;
}

#ifdef HAVE_SA_OPS
#include "kernel_ops.c"
#else
bool knl_available(void)
{
	return false;
}

void knl_event_input(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (mnl_socket_recvfrom(ev_sk, buf, sizeof(buf)) < 0)
		log_dbg("events: %s", strerror(errno));
}

int knl_spi_alloc(const char *map, uint32_t seq, uint32_t peer, uint8_t proto,
		  uint32_t *spi)
{
	(void)map; (void)seq; (void)peer; (void)proto; (void)spi;
	return -2;
}

int knl_sa_install(const struct sa_install *si)
{
	(void)si;
	return -2;
}

int knl_sa_delete(const char *map, uint32_t seq, uint32_t peer, uint8_t proto,
		  uint32_t spi)
{
	(void)map; (void)seq; (void)peer; (void)proto; (void)spi;
	return -2;
}

int knl_peer_set(const char *map, uint32_t seq, uint32_t peer)
{
	(void)map; (void)seq; (void)peer;
	return -2;
}

int knl_sa_activate(uint8_t ipproto, uint32_t spi_in)
{
	(void)ipproto; (void)spi_in;
	return -2;
}

int knl_relearn(void)
{
	return 0;
}
#endif
