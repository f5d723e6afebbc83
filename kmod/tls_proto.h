/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS record arithmetic: cipher parameters, nonces, additional data, header
 * checks and sequence numbers. Pure logic, free of socket and skb types, so
 * that it builds in userspace for unit tests too.
 */
#ifndef _RECFRAME_TLS_PROTO_H
#define _RECFRAME_TLS_PROTO_H

#include "frame.h"

#include <linux/tls.h>

#define RF_TLS_HDR		5
#define RF_TLS_TAG		16
#define RF_TLS_MAX_PLAIN	16384
#define RF_TLS_MAX_KEY		32
#define RF_TLS_MAX_IV		12
#define RF_TLS_MAX_SALT		4
#define RF_TLS_SEQ		8
/* The AEAD nonce buffer: CCM's is 16 bytes, the others 12. */
#define RF_TLS_NONCE_MAX	16
#define RF_TLS_AAD_MAX		13
#define RF_TLS_TYPE_DATA	23
#define RF_TLS_TYPE_HANDSHAKE	22
#define RF_TLS_HS_KEY_UPDATE	24

struct rf_tls_params {
	u16		version;	/* TLS_1_2_VERSION or TLS_1_3_VERSION */
	u16		cipher;		/* TLS_CIPHER_* */
	u16		info_size;	/* size of the tls12_crypto_info_* */
	u8		key_size;
	u8		iv_size;	/* the iv field of the crypto_info */
	u8		salt_size;
	u8		nonce_size;	/* the AEAD's ivsize */
	/* Bytes of nonce sent in each record (TLS 1.2 GCM and CCM). */
	u8		explicit_iv;
	/* CCM wants a flags byte before the nonce. */
	bool		ccm;
	const char	*alg;		/* crypto API name */
};

/* Keys and state of one direction, as the crypto_info gave them. */
struct rf_tls_keys {
	u8	key[RF_TLS_MAX_KEY];
	u8	salt[RF_TLS_MAX_SALT];
	u8	iv[RF_TLS_MAX_IV];
	u64	seq;		/* next record's sequence number */
	bool	seq_exhausted;	/* the last sequence number was used */
};

int rf_tls_params_get(u16 version, u16 cipher, struct rf_tls_params *p);
int rf_tls_info_size(u16 version, u16 cipher);
int rf_tls_keys_from_info(const struct rf_tls_params *p, const void *info,
			  unsigned int len, struct rf_tls_keys *k);
void rf_tls_keys_to_info(const struct rf_tls_params *p,
			 const struct rf_tls_keys *k, void *info);

/* Bytes a record adds around its plaintext, TLS 1.3's content type included. */
static inline u32 rf_tls_prepend(const struct rf_tls_params *p)
{
	return RF_TLS_HDR + p->explicit_iv;
}

static inline u32 rf_tls_tail(const struct rf_tls_params *p)
{
	return RF_TLS_TAG + (p->version == TLS_1_3_VERSION ? 1 : 0);
}

int rf_tls_hdr_check(const struct rf_tls_params *p, const u8 *hdr,
		     u32 *payload_len);
void rf_tls_hdr_build(const struct rf_tls_params *p, u8 *hdr, u8 type,
		      u32 plain_len);
void rf_tls_explicit_iv(const struct rf_tls_params *p,
			const struct rf_tls_keys *k, u8 *out);
void rf_tls_nonce(const struct rf_tls_params *p, const struct rf_tls_keys *k,
		  const u8 *explicit_iv, u8 *nonce);
u32 rf_tls_aad(const struct rf_tls_params *p, const struct rf_tls_keys *k,
	       const u8 *hdr, u8 type, u32 plain_len, u8 *aad);
int rf_tls_seq_use(const struct rf_tls_params *p, struct rf_tls_keys *k);
int rf_tls13_inner_type(const u8 *tail, u32 len, u32 *pad, u8 *type);

#endif /* _RECFRAME_TLS_PROTO_H */
