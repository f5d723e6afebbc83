// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit tests of kmod/tls_proto.c: the crypto_info layouts, nonces,
 * additional data, header checks and sequence numbers of the TLS mode.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tls_proto.h"

static int tests, failed;

#define CHECK(cond, ...) do {						\
	tests++;							\
	if (cond) {							\
		printf("ok %d - ", tests);				\
	} else {							\
		failed++;						\
		printf("not ok %d - ", tests);				\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

static void test_params(void)
{
	static const struct {
		u16 cipher;
		unsigned int size;
	} sizes[] = {
		{ TLS_CIPHER_AES_GCM_128,
		  sizeof(struct tls12_crypto_info_aes_gcm_128) },
		{ TLS_CIPHER_AES_GCM_256,
		  sizeof(struct tls12_crypto_info_aes_gcm_256) },
		{ TLS_CIPHER_AES_CCM_128,
		  sizeof(struct tls12_crypto_info_aes_ccm_128) },
		{ TLS_CIPHER_CHACHA20_POLY1305,
		  sizeof(struct tls12_crypto_info_chacha20_poly1305) },
		{ TLS_CIPHER_SM4_GCM, sizeof(struct tls12_crypto_info_sm4_gcm) },
		{ TLS_CIPHER_SM4_CCM, sizeof(struct tls12_crypto_info_sm4_ccm) },
	};
	struct rf_tls_params p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		CHECK(rf_tls_info_size(TLS_1_2_VERSION, sizes[i].cipher) ==
		      (int)sizes[i].size, "cipher %u: info size %u as <linux/tls.h>",
		      sizes[i].cipher, sizes[i].size);
		CHECK(rf_tls_info_size(TLS_1_3_VERSION, sizes[i].cipher) ==
		      (int)sizes[i].size, "cipher %u: same size in TLS 1.3",
		      sizes[i].cipher);
	}
	CHECK(rf_tls_params_get(0x0302, TLS_CIPHER_AES_GCM_128, &p) == -EINVAL,
	      "TLS 1.1 is EINVAL");
	CHECK(rf_tls_params_get(TLS_1_2_VERSION, 50, &p) == -EINVAL,
	      "unknown cipher is EINVAL");
	CHECK(rf_tls_params_get(TLS_1_3_VERSION, TLS_CIPHER_ARIA_GCM_128, &p) ==
	      -EINVAL, "ARIA in TLS 1.3 is EINVAL, as kTLS");
	CHECK(!rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128, &p) &&
	      p.explicit_iv == 8 && rf_tls_prepend(&p) == 13 &&
	      rf_tls_tail(&p) == 16, "TLS 1.2 GCM: 8-byte explicit nonce, tag");
	CHECK(!rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_CHACHA20_POLY1305,
				 &p) && p.explicit_iv == 0,
	      "TLS 1.2 ChaCha20: no explicit nonce");
	CHECK(!rf_tls_params_get(TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, &p) &&
	      p.explicit_iv == 0 && rf_tls_tail(&p) == 17,
	      "TLS 1.3: no explicit nonce, tag plus content type");
	CHECK(!rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_AES_CCM_128, &p) &&
	      p.ccm && p.nonce_size == 16, "CCM: 16-byte AEAD iv");
}

/* The offsets read by rf_tls_keys_from_info() match the uapi structs. */
static void test_layout(void)
{
	struct tls12_crypto_info_aes_gcm_256 g = { 0 };
	struct tls12_crypto_info_chacha20_poly1305 c = { 0 };
	struct rf_tls_params p;
	struct rf_tls_keys k;
	u8 back[64];

	g.info.version = TLS_1_2_VERSION;
	g.info.cipher_type = TLS_CIPHER_AES_GCM_256;
	memset(g.iv, 0x11, sizeof(g.iv));
	memset(g.key, 0x22, sizeof(g.key));
	memset(g.salt, 0x33, sizeof(g.salt));
	memcpy(g.rec_seq, "\x00\x00\x00\x00\x00\x00\x01\x02", 8);
	rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_256, &p);
	CHECK(!rf_tls_keys_from_info(&p, &g, sizeof(g), &k) &&
	      k.iv[0] == 0x11 && k.iv[7] == 0x11 && k.key[0] == 0x22 &&
	      k.key[31] == 0x22 && k.salt[3] == 0x33 && k.seq == 0x102,
	      "GCM-256 fields read from their uapi offsets");
	rf_tls_keys_to_info(&p, &k, back);
	CHECK(!memcmp(back, &g, sizeof(g)), "GCM-256 written back identically");
	CHECK(rf_tls_keys_from_info(&p, &g, sizeof(g) - 1, &k) == -EINVAL,
	      "short optlen is EINVAL");

	c.info.version = TLS_1_3_VERSION;
	c.info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
	memset(c.iv, 0x44, sizeof(c.iv));
	memset(c.key, 0x55, sizeof(c.key));
	memset(c.rec_seq, 0xff, sizeof(c.rec_seq));
	rf_tls_params_get(TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305, &p);
	CHECK(!rf_tls_keys_from_info(&p, &c, sizeof(c), &k) &&
	      k.iv[11] == 0x44 && k.key[31] == 0x55 && k.seq == ~0ULL,
	      "ChaCha20 fields read from their uapi offsets");
}

static void test_nonce_aad(void)
{
	struct rf_tls_params p;
	struct rf_tls_keys k = { 0 };
	u8 nonce[RF_TLS_NONCE_MAX], aad[RF_TLS_AAD_MAX], hdr[5];
	u8 exp[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned int i;
	int ok;

	/* TLS 1.3: static iv XOR the sequence number, right-aligned. */
	rf_tls_params_get(TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, &p);
	memset(k.salt, 0xa0, 4);
	memset(k.iv, 0xb0, 8);
	k.seq = 0x0102030405060708ULL;
	rf_tls_nonce(&p, &k, NULL, nonce);
	ok = nonce[0] == 0xa0 && nonce[3] == 0xa0;
	for (i = 0; i < 8; i++)
		ok &= nonce[4 + i] == (0xb0 ^ (i + 1));
	CHECK(ok, "TLS 1.3 GCM nonce = salt|iv XOR seq");

	/* TLS 1.2 GCM: salt followed by the explicit part from the record. */
	rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128, &p);
	rf_tls_nonce(&p, &k, exp, nonce);
	CHECK(!memcmp(nonce, k.salt, 4) && !memcmp(nonce + 4, exp, 8),
	      "TLS 1.2 GCM nonce = salt|explicit");

	/* CCM: a flags byte (L' = 2) in front. */
	rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_AES_CCM_128, &p);
	rf_tls_nonce(&p, &k, exp, nonce);
	CHECK(nonce[0] == 2 && !memcmp(nonce + 1, k.salt, 4) &&
	      !memcmp(nonce + 5, exp, 8) && nonce[15] == 0,
	      "CCM nonce = 2|salt|explicit|0");

	/* TLS 1.2 AAD: seq, type, version, plaintext length. */
	rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128, &p);
	CHECK(rf_tls_aad(&p, &k, NULL, 23, 0x1234, aad) == 13 &&
	      !memcmp(aad, "\x01\x02\x03\x04\x05\x06\x07\x08\x17\x03\x03\x12\x34",
		      13), "TLS 1.2 AAD layout");

	/* TLS 1.3 AAD is the header, whose type is always 23. */
	rf_tls_params_get(TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, &p);
	rf_tls_hdr_build(&p, hdr, 21, 100);
	CHECK(!memcmp(hdr, "\x17\x03\x03\x00\x75", 5),
	      "TLS 1.3 header hides the type; length 100 + 1 + 16");
	CHECK(rf_tls_aad(&p, &k, hdr, 21, 100, aad) == 5 &&
	      !memcmp(aad, hdr, 5), "TLS 1.3 AAD is the header");

	rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128, &p);
	rf_tls_hdr_build(&p, hdr, 21, 100);
	CHECK(!memcmp(hdr, "\x15\x03\x03\x00\x7c", 5),
	      "TLS 1.2 header: type, 8 + 100 + 16");
}

static void test_hdr_check(void)
{
	struct rf_tls_params p;
	u32 len;

	rf_tls_params_get(TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, &p);
	CHECK(!rf_tls_hdr_check(&p, (u8 *)"\x17\x03\x03\x40\x11", &len) &&
	      len == 16384 + 17, "TLS 1.3 maximum accepted");
	CHECK(rf_tls_hdr_check(&p, (u8 *)"\x17\x03\x03\x40\x12", &len) ==
	      -EMSGSIZE, "one more is EMSGSIZE");
	CHECK(rf_tls_hdr_check(&p, (u8 *)"\x17\x03\x03\x00\x0f", &len) ==
	      -EBADMSG, "shorter than the tag is EBADMSG");
	CHECK(rf_tls_hdr_check(&p, (u8 *)"\x17\x03\x01\x00\x20", &len) ==
	      -EINVAL, "bad version is EINVAL");
	CHECK(rf_tls_hdr_check(&p, (u8 *)"\x17\x02\x03\x50\x00", &len) ==
	      -EMSGSIZE, "too long wins over bad version, as kTLS");
	rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128, &p);
	CHECK(rf_tls_hdr_check(&p, (u8 *)"\x17\x03\x03\x00\x17", &len) ==
	      -EBADMSG, "TLS 1.2 GCM below explicit nonce + tag is EBADMSG");
	CHECK(!rf_tls_hdr_check(&p, (u8 *)"\x17\x03\x03\x40\x18", &len),
	      "TLS 1.2 GCM maximum accepted");
}

static void test_seq(void)
{
	struct rf_tls_params p;
	struct rf_tls_keys k = { 0 };

	rf_tls_params_get(TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128, &p);
	memset(k.iv, 0xff, 8);
	k.seq = 5;
	CHECK(!rf_tls_seq_use(&p, &k) && k.seq == 6 && k.iv[0] == 0 &&
	      k.iv[7] == 0, "TLS 1.2 GCM: explicit nonce advances and wraps");

	rf_tls_params_get(TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, &p);
	memset(k.iv, 0x33, 8);
	CHECK(!rf_tls_seq_use(&p, &k) && k.iv[7] == 0x33,
	      "TLS 1.3: the static iv never changes");

	k.seq = ~0ULL - 1;
	CHECK(!rf_tls_seq_use(&p, &k) && k.seq == ~0ULL && !k.seq_exhausted,
	      "second to last sequence number used");
	CHECK(!rf_tls_seq_use(&p, &k) && k.seq_exhausted,
	      "last sequence number used, direction spent");
	CHECK(rf_tls_seq_use(&p, &k) == -EBADMSG,
	      "no record after the last: EBADMSG before a nonce repeats");
}

static void test_inner_type(void)
{
	u32 pad = 0;
	u8 type = 0;

	CHECK(!rf_tls13_inner_type((u8 *)"ab\x17\0\0", 5, &pad, &type) &&
	      type == 23 && pad == 2, "type before padding");
	pad = 0;
	CHECK(rf_tls13_inner_type((u8 *)"\0\0\0", 3, &pad, &type) == -EAGAIN &&
	      pad == 3, "all zero: look further back");
	CHECK(!rf_tls13_inner_type((u8 *)"\x16", 1, &pad, &type) &&
	      type == 22 && pad == 3, "padding spanning two pieces");
}

int main(void)
{
	printf("TAP version 13\n");
	test_params();
	test_layout();
	test_nonce_aad();
	test_hdr_check();
	test_seq();
	test_inner_type();
	printf("1..%d\n", tests);
	fprintf(stderr, "tls_test: %d passed, %d failed\n", tests - failed,
		failed);
	return failed ? 1 : 0;
}
