// SPDX-License-Identifier: GPL-2.0
/*
 * AEAD contexts for the TLS mode.
 *
 * The crypto API may complete a request asynchronously (cryptd, hardware
 * engines, the SIMD wrappers when the FPU is busy) and then returns
 * -EINPROGRESS, or -EBUSY when it queued the request on a backlog.
 * recframe waits for the completion in the calling context, which always
 * holds the socket: no request outlives the call that started it, so close
 * can never race an in-flight request and pages are released exactly once.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "crypto.h"

int rf_crypto_init(struct rf_crypto *c, const struct rf_tls_params *p,
		   const struct rf_tls_keys *keys)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->aead = crypto_alloc_aead(p->alg, 0, 0);
	if (IS_ERR(c->aead)) {
		err = PTR_ERR(c->aead);
		c->aead = NULL;
		return err;
	}
	err = crypto_aead_setauthsize(c->aead, RF_TLS_TAG);
	if (err)
		goto err_free_aead;
	if (crypto_aead_ivsize(c->aead) != p->nonce_size) {
		err = -EINVAL;
		goto err_free_aead;
	}
	err = rf_crypto_rekey(c, p, keys);
	if (err)
		goto err_free_aead;
	crypto_init_wait(&c->wait);
	return 0;

err_free_aead:
	crypto_free_aead(c->aead);
	memzero_explicit(&c->keys, sizeof(c->keys));
	c->aead = NULL;
	return err;
}

/*
 * Give the context its request and scatterlists of at least @src_max and
 * @dst_max entries. Once they are there this allocates nothing, so the data
 * path calls it for every record; the scatterlists only grow again when
 * the transmit fragment table did. On failure what was there stays usable.
 */
int rf_crypto_prepare(struct rf_crypto *c, u32 src_max, u32 dst_max,
		      gfp_t gfp)
{
	struct scatterlist *sg;

	if (!c->req) {
		c->req = aead_request_alloc(c->aead, gfp);
		if (!c->req)
			return -ENOMEM;
	}
	if (c->sg_src && src_max <= c->src_max && dst_max <= c->dst_max)
		return 0;
	src_max = max(src_max, c->src_max);
	dst_max = max(dst_max, c->dst_max);
	sg = kmalloc_array(src_max + dst_max, sizeof(*sg), gfp);
	if (!sg)
		return -ENOMEM;
	kfree(c->sg_src);
	c->sg_src = sg;
	c->sg_dst = sg + src_max;
	c->src_max = src_max;
	c->dst_max = dst_max;
	return 0;
}

/* Install the next key on the same transform (TLS 1.3 KeyUpdate). */
int rf_crypto_rekey(struct rf_crypto *c, const struct rf_tls_params *p,
		    const struct rf_tls_keys *keys)
{
	int err;

	err = crypto_aead_setkey(c->aead, keys->key, p->key_size);
	if (err)
		return err;
	memzero_explicit(&c->keys, sizeof(c->keys));
	c->keys = *keys;
	return 0;
}

void rf_crypto_free(struct rf_crypto *c)
{
	if (!c->aead)
		return;
	kfree(c->sg_src);
	/* The request holds the transform's key schedule context. */
	aead_request_free(c->req);
	crypto_free_aead(c->aead);
	memzero_explicit(&c->keys, sizeof(c->keys));
	memzero_explicit(c->nonce, sizeof(c->nonce));
	c->aead = NULL;
}

/*
 * Run one request with the context's nonce; @src and @dst start with the
 * additional data. For decryption @cryptlen includes the tag.
 */
int rf_crypto_run(struct rf_crypto *c, bool encrypt, struct scatterlist *src,
		  struct scatterlist *dst, u32 aad_len, u32 cryptlen)
{
	int err;

	/*
	 * Re-armed every time: an asynchronous implementation may leave the
	 * request's transform and completion changed after it ran.
	 */
	aead_request_set_tfm(c->req, c->aead);
	aead_request_set_callback(c->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &c->wait);
	aead_request_set_crypt(c->req, src, dst, cryptlen, c->nonce);
	aead_request_set_ad(c->req, aad_len);
	reinit_completion(&c->wait.completion);
	if (encrypt)
		err = crypto_aead_encrypt(c->req);
	else
		err = crypto_aead_decrypt(c->req);
	return crypto_wait_req(err, &c->wait);
}
