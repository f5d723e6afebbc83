// SPDX-License-Identifier: GPL-2.0
/*
 * recframe-bench: TLS records in userspace with OpenSSL's EVP AEAD API.
 *
 * Used twice: to prepare the ciphertext streams replayed into the kernel's
 * receive side (recframe and kTLS decrypt the very same bytes), and as the
 * "userspace TLS" case, what programs do today without kTLS: seal + write()
 * and read() + open. Record layout and nonces follow RFC 8446 (TLS 1.3) and
 * RFC 5288/7905 (TLS 1.2), with kTLS's crypto_info fields as the secrets.
 */
#include <string.h>

#include <linux/tls.h>

#include "bench.h"

#define TAG_LEN		16
#define HDR_LEN		5
#define TYPE_APPDATA	23

const struct suite suites[] = {
	{ "aes128gcm-1.3", "TLS 1.3 AES-128-GCM", TLS_1_3_VERSION,
	  TLS_CIPHER_AES_GCM_128, 16, 8, 4,
	  sizeof(struct tls12_crypto_info_aes_gcm_128), 0, EVP_aes_128_gcm },
	{ "aes256gcm-1.3", "TLS 1.3 AES-256-GCM", TLS_1_3_VERSION,
	  TLS_CIPHER_AES_GCM_256, 32, 8, 4,
	  sizeof(struct tls12_crypto_info_aes_gcm_256), 0, EVP_aes_256_gcm },
	{ "chacha-1.3", "TLS 1.3 ChaCha20-Poly1305", TLS_1_3_VERSION,
	  TLS_CIPHER_CHACHA20_POLY1305, 32, 12, 0,
	  sizeof(struct tls12_crypto_info_chacha20_poly1305), 0,
	  EVP_chacha20_poly1305 },
	{ "aes128gcm-1.2", "TLS 1.2 AES-128-GCM", TLS_1_2_VERSION,
	  TLS_CIPHER_AES_GCM_128, 16, 8, 4,
	  sizeof(struct tls12_crypto_info_aes_gcm_128), 8, EVP_aes_128_gcm },
};

const unsigned int nr_suites = sizeof(suites) / sizeof(suites[0]);

static int tls13(const struct suite *s)
{
	return s->version == TLS_1_3_VERSION;
}

/* info header, then iv, key, salt and rec_seq: the layout of every struct. */
void tls_info_build(const struct suite *s, const struct keys *k, void *buf)
{
	struct tls_crypto_info *info = buf;
	uint8_t *p = (uint8_t *)buf + sizeof(*info);

	memset(buf, 0, s->info_size);
	info->version = s->version;
	info->cipher_type = s->cipher;
	memcpy(p, k->iv, s->iv_len);
	p += s->iv_len;
	memcpy(p, k->key, s->key_len);
	p += s->key_len;
	memcpy(p, k->salt, s->salt_len);
	p += s->salt_len;
	memcpy(p, k->rec_seq, 8);
}

int rec_init(struct rec_ctx *c, const struct suite *s, const struct keys *k,
	     int enc)
{
	memset(c, 0, sizeof(*c));
	c->s = s;
	c->enc = enc;
	memcpy(c->static_iv, k->salt, s->salt_len);
	memcpy(c->static_iv + s->salt_len, k->iv, s->iv_len);
	memcpy(c->explicit0, k->iv, 8);
	c->evp = EVP_CIPHER_CTX_new();
	if (!c->evp)
		return -1;
	if (EVP_CipherInit_ex(c->evp, s->evp(), NULL, k->key, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(c->evp);
		c->evp = NULL;
		return -1;
	}
	return 0;
}

void rec_free(struct rec_ctx *c)
{
	EVP_CIPHER_CTX_free(c->evp);
	c->evp = NULL;
}

size_t rec_wire_len(const struct suite *s, size_t len)
{
	return HDR_LEN + s->explicit_iv + len + (tls13(s) ? 1 : 0) + TAG_LEN;
}

static void be64_put(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

/* The explicit nonce of TLS 1.2 GCM: the iv field plus the sequence. */
static void explicit_nonce(const struct rec_ctx *c, uint8_t *out)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | c->explicit0[i];
	be64_put(out, v + c->seq);
}

/* Per-record nonce: static IV XOR sequence number (TLS 1.3, ChaCha). */
static void xor_nonce(const struct rec_ctx *c, uint8_t *nonce)
{
	uint8_t seq[8];
	int i;

	be64_put(seq, c->seq);
	memcpy(nonce, c->static_iv, 12);
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= seq[i];
}

/* TLS 1.2's additional data: seq, type, version, plaintext length. */
static void aad12(const struct rec_ctx *c, uint8_t type, size_t len,
		  uint8_t *aad)
{
	be64_put(aad, c->seq);
	aad[8] = type;
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = len >> 8;
	aad[12] = len & 0xff;
}

size_t rec_seal(struct rec_ctx *c, uint8_t type, const uint8_t *pt,
		size_t len, uint8_t *out)
{
	const struct suite *s = c->s;
	size_t wire = rec_wire_len(s, len), payload = wire - HDR_LEN;
	uint8_t nonce[12], aad[13], *ct, inner = type;
	int outl, aad_len;

	out[0] = tls13(s) ? TYPE_APPDATA : type;
	out[1] = 3;
	out[2] = 3;
	out[3] = payload >> 8;
	out[4] = payload & 0xff;
	ct = out + HDR_LEN + s->explicit_iv;
	if (s->explicit_iv) {
		explicit_nonce(c, out + HDR_LEN);
		memcpy(nonce, c->static_iv, 4);
		memcpy(nonce + 4, out + HDR_LEN, 8);
	} else {
		xor_nonce(c, nonce);
	}
	if (tls13(s)) {
		memcpy(aad, out, HDR_LEN);
		aad_len = HDR_LEN;
	} else {
		aad12(c, type, len, aad);
		aad_len = 13;
	}
	if (EVP_CipherInit_ex(c->evp, NULL, NULL, NULL, nonce, 1) != 1 ||
	    EVP_CipherUpdate(c->evp, NULL, &outl, aad, aad_len) != 1 ||
	    EVP_CipherUpdate(c->evp, ct, &outl, pt, (int)len) != 1)
		return 0;
	if (tls13(s) &&
	    EVP_CipherUpdate(c->evp, ct + len, &outl, &inner, 1) != 1)
		return 0;
	if (EVP_CipherFinal_ex(c->evp, ct, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->evp, EVP_CTRL_AEAD_GET_TAG, TAG_LEN,
				out + wire - TAG_LEN) != 1)
		return 0;
	c->seq++;
	return wire;
}

long rec_open(struct rec_ctx *c, const uint8_t *in, size_t wire,
	      uint8_t *out, uint8_t *type)
{
	const struct suite *s = c->s;
	uint8_t nonce[12], aad[13], tag[TAG_LEN];
	const uint8_t *ct = in + HDR_LEN + s->explicit_iv;
	size_t ct_len;
	int outl, aad_len;
	long n;

	if (wire < HDR_LEN + s->explicit_iv + TAG_LEN + (tls13(s) ? 1 : 0))
		return -1;
	ct_len = wire - HDR_LEN - s->explicit_iv - TAG_LEN;
	if (s->explicit_iv) {
		memcpy(nonce, c->static_iv, 4);
		memcpy(nonce + 4, in + HDR_LEN, 8);
		aad12(c, in[0], ct_len, aad);
		aad_len = 13;
	} else {
		xor_nonce(c, nonce);
		memcpy(aad, in, HDR_LEN);
		aad_len = HDR_LEN;
	}
	memcpy(tag, in + wire - TAG_LEN, TAG_LEN);
	if (EVP_CipherInit_ex(c->evp, NULL, NULL, NULL, nonce, 0) != 1 ||
	    EVP_CipherUpdate(c->evp, NULL, &outl, aad, aad_len) != 1 ||
	    EVP_CipherUpdate(c->evp, out, &outl, ct, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->evp, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
				tag) != 1 ||
	    EVP_CipherFinal_ex(c->evp, out + ct_len, &outl) != 1)
		return -1;
	c->seq++;
	if (!tls13(s)) {
		*type = in[0];
		return (long)ct_len;
	}
	/* TLS 1.3: the content type is the last non-zero byte. */
	for (n = (long)ct_len - 1; n >= 0 && !out[n]; n--)
		;
	if (n < 0)
		return -1;
	*type = out[n];
	return n;
}
