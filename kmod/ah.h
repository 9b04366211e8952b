/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: AH (RFC 4302) through the kernel crypto API's ahash.
 */
#ifndef _CM_AH_H
#define _CM_AH_H

#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct cm_sa;
struct cm_session_key;
struct cm_tset_params;

int cm_ah_sa_init(struct cm_sa *sa, const struct cm_tset_params *t,
		  const struct cm_session_key *k);

/* Output: the AH header, 12 bytes and the ICV padded to 64 bits. */
unsigned int cm_ah_hlen(const struct cm_sa *sa);
/* Input: is @hlen a length of the AH header of @sa (either padding)? */
bool cm_ah_hlen_ok(const struct cm_sa *sa, unsigned int hlen);

/*
 * Output: @skb->data is the outer IPv4 header, final but for its checksum,
 * followed by an AH header whose every field but the ICV is filled in.
 * Computes the ICV and always ends in cm_output_finish(skb, err).
 */
void cm_ah_output(struct cm_sa *sa, struct sk_buff *skb);

/*
 * Input: @skb->data is the IPv4 header, the AH header follows it, its
 * length checked.  Verifies the ICV and always ends in
 * cm_ah_input_done(skb, err): -EBADMSG for a bad ICV.
 */
void cm_ah_input(struct cm_sa *sa, struct sk_buff *skb);

/* input.c */
void cm_ah_input_done(struct sk_buff *skb, int err);

#endif /* _CM_AH_H */
