/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: ESP (RFC 4303) through the kernel crypto API's AEADs.
 */
#ifndef _CM_ESP_H
#define _CM_ESP_H

#include <linux/skbuff.h>
#include <linux/types.h>

struct crypto_aead;
struct crypto_ahash;
struct cm_sa;
struct cm_session_key;
struct cm_tset_params;

#define CM_ESP_HLEN	8	/* SPI + sequence number */

/* Per-packet state in skb->cb while the cipher works. */
struct cm_skb_cb {
	union {
		void *tmp;	/* the one atomic allocation: IV, request, sg */
		u64 oseq;	/* ESP out, waiting for its transform */
	};
	struct cm_sa *sa;	/* its bundle is held for the packet */
	struct cm_sa *ah;	/* out: AH after ESP; in: AH verified */
	u32 seq;
	u32 seq_hi;		/* ESN: in, inferred; out, AH's */
	u16 esp_off;		/* ESP header, from skb->data */
	u16 inner_len;		/* outbound: plaintext bytes */
	u8 transport;		/* outbound: transport mode */
	u8 tfm_op;		/* waiting for its transform: enum cm_tfm_op */
	u16 nfrags;		/* ESP out, waiting: cm_esp_add_trailer()'s */
};

#define CM_SKB_CB(skb) ((struct cm_skb_cb *)(skb)->cb)

int cm_esp_sa_init(struct cm_sa *sa, const struct cm_tset_params *t,
		   const struct cm_session_key *k);

/* Bytes ESP adds to @len bytes of payload (without the outer header). */
unsigned int cm_esp_overhead(const struct cm_sa *sa, unsigned int len);
/* The largest payload that keeps ESP's output within @room bytes. */
unsigned int cm_esp_payload_max(const struct cm_sa *sa, unsigned int room);

/*
 * Output.  cm_esp_add_trailer() appends padding, pad length, @nexthdr and
 * room for the ICV after the payload that ends the skb and returns the
 * number of scatterlist entries the skb needs (or an error).  The caller
 * then pushes its headers, leaving CM_ESP_HLEN + ivlen bytes at @esp_off
 * for the ESP header and IV, and calls cm_esp_encrypt(), which always
 * ends in cm_output_finish(skb, err), synchronously or from the cipher's
 * completion.
 */
int cm_esp_add_trailer(struct cm_sa *sa, struct sk_buff *skb,
		       unsigned int payload_len, u8 nexthdr);
void cm_esp_encrypt(struct cm_sa *sa, struct sk_buff *skb,
		    unsigned int esp_off, int nfrags, u64 seq);

/*
 * Input: @skb->data is the outer IP header, the ESP header at @esp_off.
 * Always ends in cm_input_finish(skb, nexthdr or -errno): -EBADMSG for a
 * bad ICV, -EINVAL for bad padding or length, -ENOMEM.
 */
void cm_esp_decrypt(struct cm_sa *sa, struct sk_buff *skb,
		    unsigned int esp_off);

/*
 * crypto_alloc_aead() and crypto_alloc_ahash() of @name, through cryptd
 * when @async.
 */
struct crypto_aead *cm_crypto_alloc_aead(const char *name, bool async);
struct crypto_ahash *cm_crypto_alloc_ahash(const char *name, bool async);
/* The force_async parameter: pass it to cm_crypto_alloc_aead(). */
bool cm_crypto_forced_async(void);
/* Counts a completion that came through a crypto callback. */
void cm_crypto_async_done(void);

/* output.c and input.c */
void cm_output_finish(struct sk_buff *skb, int err);
void cm_input_finish(struct sk_buff *skb, int nexthdr);

#endif /* _CM_ESP_H */
