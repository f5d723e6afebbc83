/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One direction's AEAD: transform, request, nonce, additional data and
 * scatterlists. The transform is allocated when the key is installed, so
 * that a bad key or a missing cipher fails the setsockopt; the request and
 * the scatterlists wait for the first record, since many sockets never
 * send or receive one, and are reused for every record after it.
 */
#ifndef _RECFRAME_CRYPTO_H
#define _RECFRAME_CRYPTO_H

#include <crypto/aead.h>
#include <linux/crypto.h>
#include <linux/scatterlist.h>

#include "tls_proto.h"

struct rf_crypto {
	struct crypto_aead	*aead;
	struct aead_request	*req;		/* NULL until the first record */
	struct crypto_wait	wait;
	struct rf_tls_keys	keys;
	u8			nonce[RF_TLS_NONCE_MAX];
	u8			aad[RF_TLS_AAD_MAX];
	/* One allocation: src_max entries for sg_src, then dst_max. */
	struct scatterlist	*sg_src;
	struct scatterlist	*sg_dst;
	u32			src_max;
	u32			dst_max;
};

int rf_crypto_init(struct rf_crypto *c, const struct rf_tls_params *p,
		   const struct rf_tls_keys *keys);
int rf_crypto_prepare(struct rf_crypto *c, u32 src_max, u32 dst_max,
		      gfp_t gfp);
int rf_crypto_rekey(struct rf_crypto *c, const struct rf_tls_params *p,
		    const struct rf_tls_keys *keys);
void rf_crypto_free(struct rf_crypto *c);
int rf_crypto_run(struct rf_crypto *c, bool encrypt, struct scatterlist *src,
		  struct scatterlist *dst, u32 aad_len, u32 cryptlen);

#endif /* _RECFRAME_CRYPTO_H */
