/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: IPComp (RFC 3173) with deflate (RFC 2394, the kernel's
 * "deflate") or LZS (RFC 2395, lzs.c).
 */
#ifndef _CM_IPCOMP_H
#define _CM_IPCOMP_H

#include <linux/skbuff.h>
#include <linux/types.h>

struct cm_sa;
struct cm_tset_params;

#define CM_IPCOMP_HLEN		4	/* next header, flags, CPI */
/* Smaller payloads are sent as they are (Linux: 90 for deflate and LZS). */
#define CM_IPCOMP_THRESHOLD	90

/*
 * The CPI of a direction when SA_ADD gives none (manual entries, older
 * daemons): the low 16 bits of its ESP (else AH) SPI.
 */
static inline u16 cm_ipcomp_cpi(u32 spi)
{
	return spi & 0xffff;
}

int cm_ipcomp_sa_init(struct cm_sa *sa, const struct cm_tset_params *t);
void cm_ipcomp_sa_free(struct cm_sa *sa);

/*
 * Output: compresses the payload from @off to the end of @skb behind an
 * IPComp header when that makes it smaller; @count is the SA whose
 * compressed / not compressed counters it moves.  Returns IPPROTO_COMP
 * when compressed, @nexthdr when not, or -errno.
 */
int cm_ipcomp_compress(struct cm_sa *sa, struct cm_sa *count,
		       struct sk_buff *skb, unsigned int off, u8 nexthdr);

/*
 * Input: replaces the IPComp header at @off and the data behind it by the
 * decompressed data.  Returns the next header, or -errno.
 */
int cm_ipcomp_decompress(struct cm_sa *sa, struct sk_buff *skb,
			 unsigned int off);

#endif /* _CM_IPCOMP_H */
