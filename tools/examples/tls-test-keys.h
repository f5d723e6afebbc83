/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FIXED TEST KEYS, FOR THE EXAMPLES ONLY. They show the socket API of
 * recframe's TLS mode and nothing else: both ends compile the same keys
 * in, so there is no handshake and no security at all. A real program gets
 * its keys from a TLS handshake (OpenSSL, GnuTLS...) and hands the traffic
 * keys to the kernel exactly as below; tools/demo/recframe-demo.c shows how
 * with OpenSSL.
 *
 * The calls are kTLS's (Documentation/networking/tls.rst): attach the ULP
 * "recframe" where kTLS attaches "tls", then set TLS_TX and TLS_RX with the
 * structures of <linux/tls.h>.
 */
#ifndef TLS_TEST_KEYS_H
#define TLS_TEST_KEYS_H

#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/tls.h>

#include "example-net.h"	/* TCP_ULP */

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* TLS 1.3, AES-128-GCM: one key and IV per direction. */
static const unsigned char client_to_server_key[16] = "example key c2s";
static const unsigned char client_to_server_iv[12] = "example iv1";
static const unsigned char server_to_client_key[16] = "example key s2c";
static const unsigned char server_to_client_iv[12] = "example iv2";

static int set_key(int fd, int direction, const unsigned char *key,
		   const unsigned char *iv)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	memset(&ci, 0, sizeof(ci));		/* rec_seq: 0 */
	ci.info.version = TLS_1_3_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memcpy(ci.key, key, sizeof(ci.key));
	memcpy(ci.salt, iv, 4);			/* TLS 1.3: the IV's first 4 */
	memcpy(ci.iv, iv + 4, 8);		/* bytes, then the other 8 */
	return setsockopt(fd, SOL_TLS, direction, &ci, sizeof(ci));
}

/* Attach recframe to an established socket and switch on TLS both ways. */
static inline int tls_example_setup(int fd, int is_server)
{
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "recframe", sizeof("recframe"))) {
		perror("setsockopt(TCP_ULP, \"recframe\")");
		return -1;
	}
	if (set_key(fd, TLS_TX,
		    is_server ? server_to_client_key : client_to_server_key,
		    is_server ? server_to_client_iv : client_to_server_iv) ||
	    set_key(fd, TLS_RX,
		    is_server ? client_to_server_key : server_to_client_key,
		    is_server ? client_to_server_iv : server_to_client_iv)) {
		perror("setsockopt(SOL_TLS)");
		return -1;
	}
	return 0;
}

#endif /* TLS_TEST_KEYS_H */
