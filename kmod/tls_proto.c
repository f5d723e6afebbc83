// SPDX-License-Identifier: GPL-2.0
/*
 * TLS record arithmetic for recframe's TLS mode. See tls_proto.h.
 */
#include "tls_proto.h"

struct rf_tls_cipher {
	u16		cipher;
	u8		key_size;
	u8		iv_size;
	u8		salt_size;
	bool		ccm;
	bool		tls12_only;
	const char	*alg;
};

/*
 * SM4 and ARIA are known so that their crypto_info sizes are checked as
 * kTLS checks them; whether the kernel has their AEAD is found out when the
 * key is installed.
 */
static const struct rf_tls_cipher rf_tls_ciphers[] = {
	{ TLS_CIPHER_AES_GCM_128, 16, 8, 4, false, false, "gcm(aes)" },
	{ TLS_CIPHER_AES_GCM_256, 32, 8, 4, false, false, "gcm(aes)" },
	{ TLS_CIPHER_AES_CCM_128, 16, 8, 4, true, false, "ccm(aes)" },
	{ TLS_CIPHER_CHACHA20_POLY1305, 32, 12, 0, false, false,
	  "rfc7539(chacha20,poly1305)" },
	{ TLS_CIPHER_SM4_GCM, 16, 8, 4, false, false, "gcm(sm4)" },
	{ TLS_CIPHER_SM4_CCM, 16, 8, 4, true, false, "ccm(sm4)" },
	{ TLS_CIPHER_ARIA_GCM_128, 16, 8, 4, false, true, "gcm(aria)" },
	{ TLS_CIPHER_ARIA_GCM_256, 32, 8, 4, false, true, "gcm(aria)" },
};

int rf_tls_params_get(u16 version, u16 cipher, struct rf_tls_params *p)
{
	const struct rf_tls_cipher *c = NULL;
	unsigned int i;

	if (version != TLS_1_2_VERSION && version != TLS_1_3_VERSION)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(rf_tls_ciphers); i++)
		if (rf_tls_ciphers[i].cipher == cipher)
			c = &rf_tls_ciphers[i];
	if (!c || (c->tls12_only && version != TLS_1_2_VERSION))
		return -EINVAL;

	memset(p, 0, sizeof(*p));
	p->version = version;
	p->cipher = cipher;
	p->key_size = c->key_size;
	p->iv_size = c->iv_size;
	p->salt_size = c->salt_size;
	p->ccm = c->ccm;
	p->alg = c->alg;
	p->info_size = 4 + c->iv_size + c->key_size + c->salt_size + RF_TLS_SEQ;
	p->nonce_size = c->ccm ? 16 : 12;
	/* TLS 1.2 GCM and CCM send the variable part of the nonce. */
	if (version == TLS_1_2_VERSION && c->salt_size)
		p->explicit_iv = c->iv_size;
	return 0;
}

int rf_tls_info_size(u16 version, u16 cipher)
{
	struct rf_tls_params p;
	int err;

	err = rf_tls_params_get(version, cipher, &p);
	return err ? err : p.info_size;
}

static u64 rf_get_be64(const u8 *b)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void rf_put_be64(u8 *b, u64 v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		b[i] = v & 0xff;
		v >>= 8;
	}
}

/*
 * The crypto_info structs all lay out version, cipher, iv, key, salt and
 * rec_seq in that order, with no padding: read them by offset.
 */
int rf_tls_keys_from_info(const struct rf_tls_params *p, const void *info,
			  unsigned int len, struct rf_tls_keys *k)
{
	const u8 *b = info;

	if (len != p->info_size)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	b += 4;
	memcpy(k->iv, b, p->iv_size);
	b += p->iv_size;
	memcpy(k->key, b, p->key_size);
	b += p->key_size;
	memcpy(k->salt, b, p->salt_size);
	b += p->salt_size;
	k->seq = rf_get_be64(b);
	return 0;
}

void rf_tls_keys_to_info(const struct rf_tls_params *p,
			 const struct rf_tls_keys *k, void *info)
{
	u8 *b = info;

	b[0] = p->version & 0xff;
	b[1] = p->version >> 8;
	b[2] = p->cipher & 0xff;
	b[3] = p->cipher >> 8;
	b += 4;
	memcpy(b, k->iv, p->iv_size);
	b += p->iv_size;
	memcpy(b, k->key, p->key_size);
	b += p->key_size;
	memcpy(b, k->salt, p->salt_size);
	b += p->salt_size;
	rf_put_be64(b, k->seq);
}

/*
 * Check a received header the way kTLS does, in the same order: too long
 * (EMSGSIZE), too short (EBADMSG), then the version bytes (EINVAL). Both
 * TLS 1.2 and 1.3 put 3,3 there.
 */
int rf_tls_hdr_check(const struct rf_tls_params *p, const u8 *hdr,
		     u32 *payload_len)
{
	u32 overhead = RF_TLS_TAG + p->explicit_iv;
	u32 len = (u32)hdr[3] << 8 | hdr[4];

	if (len > RF_TLS_MAX_PLAIN + overhead +
	    (p->version == TLS_1_3_VERSION ? 1 : 0))
		return -EMSGSIZE;
	if (len < overhead)
		return -EBADMSG;
	if (hdr[1] != 3 || hdr[2] != 3)
		return -EINVAL;
	*payload_len = len;
	return 0;
}

void rf_tls_hdr_build(const struct rf_tls_params *p, u8 *hdr, u8 type,
		      u32 plain_len)
{
	u32 len = plain_len + p->explicit_iv + rf_tls_tail(p);

	/* TLS 1.3 hides the real type inside the encrypted record. */
	hdr[0] = p->version == TLS_1_3_VERSION ? RF_TLS_TYPE_DATA : type;
	hdr[1] = 3;
	hdr[2] = 3;
	hdr[3] = len >> 8;
	hdr[4] = len & 0xff;
}

/*
 * The explicit nonce of the next TLS 1.2 GCM/CCM record: the crypto_info's
 * iv advanced by one for each record sent since, as kTLS does.
 */
void rf_tls_explicit_iv(const struct rf_tls_params *p,
			const struct rf_tls_keys *k, u8 *out)
{
	memcpy(out, k->iv, p->explicit_iv);
}

/*
 * The AEAD nonce of the record with sequence number k->seq. TLS 1.2 GCM and
 * CCM: salt followed by the explicit part carried in the record. ChaCha20
 * and TLS 1.3: the static iv XORed with the sequence number. CCM puts a
 * flags byte (L' = 2) in front.
 */
void rf_tls_nonce(const struct rf_tls_params *p, const struct rf_tls_keys *k,
		  const u8 *explicit_iv, u8 *nonce)
{
	u8 *n = nonce;
	u8 seq[RF_TLS_SEQ];
	int i;

	memset(nonce, 0, p->nonce_size);
	if (p->ccm)
		*n++ = 2;
	if (p->explicit_iv) {
		memcpy(n, k->salt, p->salt_size);
		memcpy(n + p->salt_size, explicit_iv, p->explicit_iv);
		return;
	}
	memcpy(n, k->salt, p->salt_size);
	memcpy(n + p->salt_size, k->iv, p->iv_size);
	rf_put_be64(seq, k->seq);
	for (i = 0; i < RF_TLS_SEQ; i++)
		n[4 + i] ^= seq[i];
}

/*
 * The additional data of a record. TLS 1.2: sequence number, type, version
 * and plaintext length. TLS 1.3: the record header as sent. Returns its
 * length.
 */
u32 rf_tls_aad(const struct rf_tls_params *p, const struct rf_tls_keys *k,
	       const u8 *hdr, u8 type, u32 plain_len, u8 *aad)
{
	if (p->version == TLS_1_3_VERSION) {
		memcpy(aad, hdr, RF_TLS_HDR);
		return RF_TLS_HDR;
	}
	rf_put_be64(aad, k->seq);
	aad[8] = type;
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = plain_len >> 8;
	aad[12] = plain_len & 0xff;
	return RF_TLS_AAD_MAX;
}

/*
 * Account for one record protected with k->seq and move to the next. The
 * sequence number must never wrap: after 2^64 - 1 the direction is spent
 * and every later record is refused, before a nonce could repeat.
 */
int rf_tls_seq_use(const struct rf_tls_params *p, struct rf_tls_keys *k)
{
	int i;

	if (k->seq_exhausted)
		return -EBADMSG;
	if (k->seq == ~0ULL)
		k->seq_exhausted = true;
	else
		k->seq++;
	/* TLS 1.2 GCM/CCM: the explicit nonce advances with the record. */
	for (i = p->explicit_iv - 1; i >= 0; i--)
		if (++k->iv[i])
			break;
	return 0;
}

/*
 * Find the real content type of a decrypted TLS 1.3 record: the last
 * non-zero byte of the inner plaintext; what follows it is padding. @tail
 * holds the last @len bytes of the plaintext. Returns 0 with *type and
 * *pad (zero bytes after the type) set, -EAGAIN if @len bytes were all
 * zero and the caller must look further back; a plaintext that is zero
 * all the way is a bad record, the caller's verdict.
 */
int rf_tls13_inner_type(const u8 *tail, u32 len, u32 *pad, u8 *type)
{
	u32 i;

	for (i = len; i > 0; i--) {
		if (tail[i - 1]) {
			*type = tail[i - 1];
			*pad += len - i;
			return 0;
		}
	}
	*pad += len;
	return -EAGAIN;
}
