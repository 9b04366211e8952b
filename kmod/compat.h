/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: differences between the kernels we build for (6.1, 6.12).
 * Force-included by Kbuild so that the other files read as upstream code.
 */
#ifndef _CM_COMPAT_H
#define _CM_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

/* A dump request's attributes, parsed with the op's policy (6.5+: genl_info). */
#if KERNEL_VERSION(6, 5, 0) <= LINUX_VERSION_CODE
static inline struct nlattr **cm_dump_attrs(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
#else
static inline struct nlattr **cm_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#endif

/*
 * Crypto completion callbacks get the request (6.1) or its data (6.3+).
 * Declare one as cm_done(CM_CRYPTO_DONE_ARG, int err) and read the data
 * with cm_crypto_done_data(cm_done_arg).
 */
#include <linux/crypto.h>
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
#define CM_CRYPTO_DONE_ARG void *cm_done_arg
static inline void *cm_crypto_done_data(void *arg)
{
	return arg;
}
#else
#define CM_CRYPTO_DONE_ARG struct crypto_async_request *cm_done_arg
static inline void *cm_crypto_done_data(struct crypto_async_request *req)
{
	return req->data;
}
#endif

/* skb_gso_segment() moved to <net/gso.h> in 6.5. */
#if KERNEL_VERSION(6, 5, 0) <= LINUX_VERSION_CODE
#include <net/gso.h>
#endif

#endif /* _CM_COMPAT_H */
