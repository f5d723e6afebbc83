// SPDX-License-Identifier: GPL-2.0
/*
 * recframe's TLS mode against userspace OpenSSL (linked statically).
 *
 * Two OpenSSL endpoints do a real TLS 1.2 or TLS 1.3 handshake over a
 * loopback TCP connection, with a self-signed certificate made in memory.
 * Then one of them (the client or the server, per variant) hands its
 * connection to recframe: the test derives the traffic keys from what
 * OpenSSL's keylog callback and session report, attaches the ULP and sets
 * TLS_TX and TLS_RX, and from then on that end uses plain send/recv while
 * the other one stays in OpenSSL (SSL_write/SSL_read).
 *
 * Keys:
 *  TLS 1.3: {CLIENT,SERVER}_TRAFFIC_SECRET_0 from the keylog callback;
 *	key and iv by HKDF-Expand-Label(secret, "key" / "iv", "", len);
 *	sequence numbers start at 0 (plus the NewSessionTickets a server
 *	already sent with its key). KeyUpdate: the next secret is
 *	HKDF-Expand-Label(secret, "traffic upd", "", Hash.length).
 *  TLS 1.2: the key block from the master secret with the TLS PRF
 *	("key expansion", server_random + client_random): client key,
 *	server key, client IV, server IV (AEAD suites have no MAC keys).
 *	Finished is record 0 of each direction's new epoch, so application
 *	data starts at sequence number 1.
 *
 * Fixtures:
 *	ossl	every version x cipher x handing side: data both ways,
 *		close_notify crossing as an alert record.
 *	ossl13	TLS 1.3: KeyUpdate from OpenSSL (EKEYEXPIRED until the next
 *		key) and from recframe, update_requested, session tickets
 *		before the hand-off, record padding.
 */
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <linux/tls.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#define TIMEO_MS		5000
#define T_ALERT			21
#define T_HS			22
#define T_DATA			23
#define HS_NEW_SESSION_TICKET	4
#define HS_KEY_UPDATE		24

/* ------------------------------------------------------------------------
 * Keys in kTLS's crypto_info layout
 */

struct kinfo {
	unsigned char	raw[64];
	socklen_t	len;
};

/*
 * @iv is the full 12-byte IV (TLS 1.3, ChaCha20) or the 4-byte implicit
 * part (TLS 1.2 GCM/CCM, whose explicit part is then the sequence number).
 */
static void kinfo_make(struct kinfo *k, uint16_t version, uint16_t cipher,
		       const unsigned char *key, unsigned int klen,
		       const unsigned char *iv, uint64_t seq)
{
	struct tls_crypto_info hdr = { .version = version,
				       .cipher_type = cipher };
	unsigned char *p = k->raw + 4;

	memset(k, 0, sizeof(*k));
	memcpy(k->raw, &hdr, sizeof(hdr));
	if (cipher == TLS_CIPHER_CHACHA20_POLY1305) {
		memcpy(p, iv, 12);
		p += 12;
		memcpy(p, key, klen);
		p += klen;
	} else {
		if (version == TLS_1_3_VERSION)
			memcpy(p, iv + 4, 8);
		else
			rf_put_be64(p, seq);
		p += 8;
		memcpy(p, key, klen);
		p += klen;
		memcpy(p, iv, 4);
		p += 4;
	}
	rf_put_be64(p, seq);
	k->len = p + 8 - k->raw;
}

/* HKDF-Expand-Label(secret, label, "", len) of RFC 8446 7.1. */
static int expand_label(const EVP_MD *md, const unsigned char *secret,
			size_t slen, const char *label, unsigned char *out,
			size_t len)
{
	unsigned char info[2 + 1 + 255 + 1];
	size_t n = 0, l = strlen(label);
	EVP_PKEY_CTX *pctx;
	int ok;

	info[n++] = len >> 8;
	info[n++] = len & 0xff;
	info[n++] = 6 + l;
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, l);
	n += l;
	info[n++] = 0;

	pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	ok = pctx && EVP_PKEY_derive_init(pctx) > 0 &&
	     EVP_PKEY_CTX_set_hkdf_mode(pctx,
					EVP_PKEY_HKDEF_MODE_EXPAND_ONLY) > 0 &&
	     EVP_PKEY_CTX_set_hkdf_md(pctx, md) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_key(pctx, secret, slen) > 0 &&
	     EVP_PKEY_CTX_add1_hkdf_info(pctx, info, n) > 0 &&
	     EVP_PKEY_derive(pctx, out, &len) > 0;
	EVP_PKEY_CTX_free(pctx);
	return ok ? 0 : -1;
}

/* The TLS 1.2 PRF: @len bytes of key block. */
static int tls12_prf(const EVP_MD *md, const unsigned char *master,
		     size_t mlen, const unsigned char *srand,
		     const unsigned char *crand, unsigned char *out,
		     size_t len)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_TLS1_PRF, NULL);
	static const char label[] = "key expansion";
	int ok;

	ok = pctx && EVP_PKEY_derive_init(pctx) > 0 &&
	     EVP_PKEY_CTX_set_tls1_prf_md(pctx, md) > 0 &&
	     EVP_PKEY_CTX_set1_tls1_prf_secret(pctx, master, mlen) > 0 &&
	     EVP_PKEY_CTX_add1_tls1_prf_seed(pctx, (const unsigned char *)label,
					     sizeof(label) - 1) > 0 &&
	     EVP_PKEY_CTX_add1_tls1_prf_seed(pctx, srand, 32) > 0 &&
	     EVP_PKEY_CTX_add1_tls1_prf_seed(pctx, crand, 32) > 0 &&
	     EVP_PKEY_derive(pctx, out, &len) > 0;
	EVP_PKEY_CTX_free(pctx);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------------------
 * The keylog callback: TLS 1.3 traffic secrets, TLS 1.2 master secret
 */

static struct {
	unsigned char	cts[64], sts[64], master[48];
	size_t		cts_len, sts_len, master_len;
} keylog;

static size_t unhex(const char *h, unsigned char *out, size_t max)
{
	size_t n = 0;
	unsigned int b;

	while (n < max && h[0] && h[1] && sscanf(h, "%2x", &b) == 1) {
		out[n++] = b;
		h += 2;
	}
	return n;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
	char label[64], rnd[80], sec[256];

	(void)ssl;
	if (sscanf(line, "%63s %79s %255s", label, rnd, sec) != 3)
		return;
	if (!strcmp(label, "CLIENT_TRAFFIC_SECRET_0"))
		keylog.cts_len = unhex(sec, keylog.cts, sizeof(keylog.cts));
	else if (!strcmp(label, "SERVER_TRAFFIC_SECRET_0"))
		keylog.sts_len = unhex(sec, keylog.sts, sizeof(keylog.sts));
	else if (!strcmp(label, "CLIENT_RANDOM"))
		keylog.master_len = unhex(sec, keylog.master,
					  sizeof(keylog.master));
}

/* ------------------------------------------------------------------------
 * Helpers
 */

static void set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

static int set_key(int fd, int dir, const struct kinfo *k)
{
	return setsockopt(fd, SOL_TLS, dir, k->raw, k->len);
}

static size_t ssl_read_all(SSL *ssl, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		int n = SSL_read(ssl, (char *)buf + got, len - got);

		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

/* A self-signed P-256 certificate for @pk, made in memory. */
static X509 *make_cert(EVP_PKEY *pk)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
	X509_set_pubkey(x, pk);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"recframe", -1, -1,
				   0);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, pk, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* ------------------------------------------------------------------------
 * Session: handshake, then hand one side to recframe
 */

struct sess {
	SSL_CTX		*cctx, *sctx;
	SSL		*c, *s;
	int		cfd, sfd;
	SSL		*o;		/* the end staying in OpenSSL */
	int		ofd;
	int		rfd;		/* the end handed to recframe */
	uint16_t	version, cipher;
	const EVP_MD	*md;
	unsigned int	klen;
	/* TLS 1.3 secrets of recframe's two directions */
	unsigned char	tsec[64], rsec[64];
	size_t		slen;
	uint64_t	tseq, rseq;
};

struct sess_cfg {
	uint16_t	version, cipher;
	const char	*suite;
	bool		server_hands_off;
	int		tickets;
};

/*
 * One non-blocking step of @ssl's side of the handshake (@step is
 * SSL_connect or SSL_accept) unless *done: 0, or -1 on a failure.
 */
static int handshake_step(SSL *ssl, int (*step)(SSL *), bool *done)
{
	int r;

	if (*done)
		return 0;
	r = step(ssl);
	if (r == 1)
		*done = true;
	else if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ &&
		 SSL_get_error(ssl, r) != SSL_ERROR_WANT_WRITE)
		return -1;
	return 0;
}

static int handshake(struct sess *x)
{
	bool cdone = false, sdone = false;
	int i;

	set_nonblock(x->cfd, true);
	set_nonblock(x->sfd, true);
	for (i = 0; i < 100000 && !(cdone && sdone); i++) {
		if (handshake_step(x->c, SSL_connect, &cdone) ||
		    handshake_step(x->s, SSL_accept, &sdone))
			return -1;
		if (!(cdone && sdone))
			usleep(100);
	}
	set_nonblock(x->cfd, false);
	set_nonblock(x->sfd, false);
	return cdone && sdone ? 0 : -1;
}

/* The crypto_info of a TLS 1.3 direction from its traffic secret. */
static int keys13(struct sess *x, const unsigned char *secret, uint64_t seq,
		  struct kinfo *k)
{
	unsigned char key[32], iv[12];

	if (expand_label(x->md, secret, x->slen, "key", key, x->klen) ||
	    expand_label(x->md, secret, x->slen, "iv", iv, 12))
		return -1;
	kinfo_make(k, TLS_1_3_VERSION, x->cipher, key, x->klen, iv, seq);
	return 0;
}

/* secret = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length) */
static int next_secret(struct sess *x, unsigned char *secret)
{
	unsigned char next[64];

	if (expand_label(x->md, secret, x->slen, "traffic upd", next,
			 x->slen))
		return -1;
	memcpy(secret, next, x->slen);
	return 0;
}

static void sess_setup(struct __test_metadata *_metadata, struct sess *x,
		       const struct sess_cfg *cfg)
{
	const SSL_CIPHER *ciph;
	struct kinfo tx, rx;
	EVP_PKEY *pk;
	X509 *cert;
	int fds[2];
	bool client_rf = !cfg->server_hands_off;

	memset(x, 0, sizeof(*x));
	memset(&keylog, 0, sizeof(keylog));
	x->cfd = x->sfd = -1;
	x->version = cfg->version;
	x->cipher = cfg->cipher;

	pk = EVP_EC_gen("P-256");
	ASSERT_NE(NULL, pk);
	cert = make_cert(pk);
	ASSERT_NE(NULL, cert);

	x->cctx = SSL_CTX_new(TLS_client_method());
	x->sctx = SSL_CTX_new(TLS_server_method());
	ASSERT_NE(NULL, x->cctx);
	ASSERT_NE(NULL, x->sctx);
	ASSERT_EQ(1, SSL_CTX_use_certificate(x->sctx, cert));
	ASSERT_EQ(1, SSL_CTX_use_PrivateKey(x->sctx, pk));
	X509_free(cert);
	EVP_PKEY_free(pk);
	SSL_CTX_set_verify(x->cctx, SSL_VERIFY_NONE, NULL);
	ASSERT_EQ(1, SSL_CTX_set_min_proto_version(x->cctx, cfg->version));
	ASSERT_EQ(1, SSL_CTX_set_max_proto_version(x->cctx, cfg->version));
	ASSERT_EQ(1, SSL_CTX_set_min_proto_version(x->sctx, cfg->version));
	ASSERT_EQ(1, SSL_CTX_set_max_proto_version(x->sctx, cfg->version));
	if (cfg->version == TLS1_3_VERSION) {
		ASSERT_EQ(1, SSL_CTX_set_ciphersuites(x->cctx, cfg->suite));
		ASSERT_EQ(1, SSL_CTX_set_ciphersuites(x->sctx, cfg->suite));
		ASSERT_EQ(1, SSL_CTX_set_num_tickets(x->sctx, cfg->tickets));
	} else {
		ASSERT_EQ(1, SSL_CTX_set_cipher_list(x->cctx, cfg->suite));
		ASSERT_EQ(1, SSL_CTX_set_cipher_list(x->sctx, cfg->suite));
		SSL_CTX_set_options(x->cctx, SSL_OP_NO_RENEGOTIATION);
		SSL_CTX_set_options(x->sctx, SSL_OP_NO_RENEGOTIATION);
	}
	SSL_CTX_set_keylog_callback(x->cctx, keylog_cb);

	ASSERT_EQ(0, rf_tcp_pair(AF_INET, fds));
	x->cfd = fds[0];
	x->sfd = fds[1];
	rf_set_timeouts(x->cfd, TIMEO_MS);
	rf_set_timeouts(x->sfd, TIMEO_MS);
	x->c = SSL_new(x->cctx);
	x->s = SSL_new(x->sctx);
	ASSERT_NE(NULL, x->c);
	ASSERT_NE(NULL, x->s);
	SSL_set_fd(x->c, x->cfd);
	SSL_set_fd(x->s, x->sfd);
	ASSERT_EQ(0, handshake(x)) {
		ERR_print_errors_fp(stderr);
	}
	ASSERT_EQ(cfg->version, SSL_version(x->c));
	ciph = SSL_get_current_cipher(x->c);
	ASSERT_NE(NULL, ciph);
	TH_LOG("%s %s, recframe takes the %s", SSL_get_version(x->c),
	       SSL_CIPHER_get_name(ciph), client_rf ? "client" : "server");
	x->md = SSL_CIPHER_get_handshake_digest(ciph);
	ASSERT_NE(NULL, x->md);
	x->klen = EVP_CIPHER_get_key_length(
			EVP_get_cipherbynid(SSL_CIPHER_get_cipher_nid(ciph)));
	ASSERT_LT(0, x->klen);

	/* The handing side must hold nothing OpenSSL read ahead. */
	x->o = client_rf ? x->s : x->c;
	x->ofd = client_rf ? x->sfd : x->cfd;
	x->rfd = client_rf ? x->cfd : x->sfd;
	ASSERT_EQ(0, SSL_has_pending(client_rf ? x->c : x->s));

	if (cfg->version == TLS1_3_VERSION) {
		x->slen = EVP_MD_get_size(x->md);
		ASSERT_EQ(x->slen, keylog.cts_len);
		ASSERT_EQ(x->slen, keylog.sts_len);
		memcpy(x->tsec, client_rf ? keylog.cts : keylog.sts, x->slen);
		memcpy(x->rsec, client_rf ? keylog.sts : keylog.cts, x->slen);
		/* A server has sent its tickets with its application key. */
		x->tseq = client_rf ? 0 : cfg->tickets;
		x->rseq = 0;
		ASSERT_EQ(0, keys13(x, x->tsec, x->tseq, &tx));
		ASSERT_EQ(0, keys13(x, x->rsec, x->rseq, &rx));
	} else {
		unsigned char master[48], crand[32], srand[32], kb[2 * 32 + 2 * 12];
		unsigned int ivlen = x->cipher == TLS_CIPHER_CHACHA20_POLY1305 ?
				     12 : 4;
		const unsigned char *ck = kb, *sk = kb + x->klen;
		const unsigned char *civ = kb + 2 * x->klen;
		const unsigned char *siv = civ + ivlen;
		size_t mlen;

		mlen = SSL_SESSION_get_master_key(SSL_get_session(x->c), master,
						  sizeof(master));
		ASSERT_EQ(48, mlen);
		ASSERT_EQ(48, keylog.master_len);
		ASSERT_EQ(0, memcmp(master, keylog.master, 48));
		ASSERT_EQ(32, SSL_get_client_random(x->c, crand, 32));
		ASSERT_EQ(32, SSL_get_server_random(x->c, srand, 32));
		ASSERT_EQ(0, tls12_prf(x->md, master, mlen, srand, crand, kb,
				       2 * x->klen + 2 * ivlen));
		/* Finished was record 0 of each direction's epoch. */
		x->tseq = x->rseq = 1;
		kinfo_make(&tx, TLS_1_2_VERSION, x->cipher,
			   client_rf ? ck : sk, x->klen, client_rf ? civ : siv,
			   x->tseq);
		kinfo_make(&rx, TLS_1_2_VERSION, x->cipher,
			   client_rf ? sk : ck, x->klen, client_rf ? siv : civ,
			   x->rseq);
	}

	ASSERT_EQ(0, setsockopt(x->rfd, SOL_TCP, TCP_ULP, RECFRAME_ULP_NAME,
				sizeof(RECFRAME_ULP_NAME)));
	ASSERT_EQ(0, set_key(x->rfd, TLS_TX, &tx));
	ASSERT_EQ(0, set_key(x->rfd, TLS_RX, &rx));
}

static void sess_teardown(struct sess *x)
{
	/* SSL_free sends nothing; the recframe side's SSL is just dropped. */
	SSL_free(x->c);
	SSL_free(x->s);
	SSL_CTX_free(x->cctx);
	SSL_CTX_free(x->sctx);
	if (x->cfd >= 0)
		close(x->cfd);
	if (x->sfd >= 0)
		close(x->sfd);
}

/* recframe's side sends a KeyUpdate and moves its transmit key on. */
static void rf_key_update(struct __test_metadata *_metadata, struct sess *x)
{
	const unsigned char ku[] = { HS_KEY_UPDATE, 0, 0, 1, 0 };
	struct kinfo k;

	ASSERT_EQ(sizeof(ku), rf_tls_send_rec(x->rfd, T_HS, ku, sizeof(ku), 0));
	ASSERT_EQ(0, next_secret(x, x->tsec));
	ASSERT_EQ(0, keys13(x, x->tsec, 0, &k));
	ASSERT_EQ(0, set_key(x->rfd, TLS_TX, &k));
}

/* The peer's KeyUpdate was read: install its next key. */
static void rf_follow_update(struct __test_metadata *_metadata,
			     struct sess *x)
{
	struct kinfo k;

	ASSERT_EQ(0, next_secret(x, x->rsec));
	ASSERT_EQ(0, keys13(x, x->rsec, 0, &k));
	ASSERT_EQ(0, set_key(x->rfd, TLS_RX, &k));
}

/* ------------------------------------------------------------------------
 * ossl: every version and cipher, either side handed off
 */

FIXTURE(ossl)
{
	struct sess x;
};

FIXTURE_VARIANT(ossl)
{
	struct sess_cfg cfg;
};

#define V12 TLS1_2_VERSION
#define V13 TLS1_3_VERSION
#define OSSL_VARIANT(name, v, c, s) \
	FIXTURE_VARIANT_ADD(ossl, name##_client) { \
		.cfg = { v, c, s, false, 0 } }; \
	FIXTURE_VARIANT_ADD(ossl, name##_server) { \
		.cfg = { v, c, s, true, 0 } };

OSSL_VARIANT(12_gcm128, V12, TLS_CIPHER_AES_GCM_128,
	     "ECDHE-ECDSA-AES128-GCM-SHA256")
OSSL_VARIANT(12_gcm256, V12, TLS_CIPHER_AES_GCM_256,
	     "ECDHE-ECDSA-AES256-GCM-SHA384")
OSSL_VARIANT(12_ccm128, V12, TLS_CIPHER_AES_CCM_128, "ECDHE-ECDSA-AES128-CCM")
OSSL_VARIANT(12_chacha, V12, TLS_CIPHER_CHACHA20_POLY1305,
	     "ECDHE-ECDSA-CHACHA20-POLY1305")
OSSL_VARIANT(13_gcm128, V13, TLS_CIPHER_AES_GCM_128, "TLS_AES_128_GCM_SHA256")
OSSL_VARIANT(13_gcm256, V13, TLS_CIPHER_AES_GCM_256, "TLS_AES_256_GCM_SHA384")
OSSL_VARIANT(13_ccm128, V13, TLS_CIPHER_AES_CCM_128, "TLS_AES_128_CCM_SHA256")
OSSL_VARIANT(13_chacha, V13, TLS_CIPHER_CHACHA20_POLY1305,
	     "TLS_CHACHA20_POLY1305_SHA256")

FIXTURE_SETUP(ossl)
{
	sess_setup(_metadata, &self->x, &variant->cfg);
}

FIXTURE_TEARDOWN(ossl)
{
	sess_teardown(&self->x);
}

/* Data both ways, small and cut into many records. */
TEST_F(ossl, both_ways)
{
	static char big[50000], in[50000];
	struct sess *x = &self->x;
	int type;

	ASSERT_EQ(14, SSL_write(x->o, "hello recframe", 14));
	EXPECT_EQ(14, rf_tls_recv_rec(x->rfd, in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(T_DATA, type);
	EXPECT_EQ(0, memcmp("hello recframe", in, 14));

	ASSERT_EQ(13, send(x->rfd, "hello openssl", 13, 0));
	EXPECT_EQ(13, SSL_read(x->o, in, sizeof(in)));
	EXPECT_EQ(0, memcmp("hello openssl", in, 13));

	rf_fill(big, sizeof(big), 1);
	ASSERT_EQ((int)sizeof(big), SSL_write(x->o, big, sizeof(big)));
	EXPECT_EQ(sizeof(in), rf_read_full(x->rfd, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(big, in, sizeof(in)));

	rf_fill(big, sizeof(big), 2);
	ASSERT_EQ((ssize_t)sizeof(big), send(x->rfd, big, sizeof(big), 0));
	EXPECT_EQ(sizeof(in), ssl_read_all(x->o, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(big, in, sizeof(in)));

	/* Interleaved, many small records each way. */
	for (type = 0; type < 20; type++) {
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "ping %d", type);

		ASSERT_EQ(n, SSL_write(x->o, msg, n));
		EXPECT_EQ(n, recv(x->rfd, in, sizeof(in), 0));
		EXPECT_EQ(0, memcmp(msg, in, n));
		msg[1] = 'o';
		ASSERT_EQ(n, send(x->rfd, msg, n, 0));
		EXPECT_EQ(n, SSL_read(x->o, in, sizeof(in)));
		EXPECT_EQ(0, memcmp(msg, in, n));
	}
}

/*
 * close_notify from OpenSSL is an alert record: EIO without cmsg room,
 * then level 1 (warning), description 0 with TLS_GET_RECORD_TYPE 21;
 * recframe's answer closes OpenSSL's side cleanly.
 */
TEST_F(ossl, close_notify)
{
	const unsigned char notify[2] = { 1, 0 };
	struct sess *x = &self->x;
	char in[64];
	int type;

	ASSERT_EQ(4, SSL_write(x->o, "last", 4));
	ASSERT_EQ(0, SSL_shutdown(x->o));
	EXPECT_EQ(4, recv(x->rfd, in, sizeof(in), 0));
	EXPECT_EQ(-1, recv(x->rfd, in, sizeof(in), 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(2, rf_tls_recv_rec(x->rfd, in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(T_ALERT, type);
	EXPECT_EQ(0, memcmp(notify, in, 2));

	ASSERT_EQ(2, rf_tls_send_rec(x->rfd, T_ALERT, notify, 2, 0));
	EXPECT_EQ(1, SSL_shutdown(x->o));
	/* OpenSSL's end closes; recframe sees a clean end of stream. */
	close(x->ofd);
	if (x->ofd == x->cfd)
		x->cfd = -1;
	else
		x->sfd = -1;
	EXPECT_EQ(0, recv(x->rfd, in, sizeof(in), 0));
}

/* ------------------------------------------------------------------------
 * ossl13: TLS 1.3 only
 */

FIXTURE(ossl13)
{
	struct sess x;
};

FIXTURE_VARIANT(ossl13)
{
	struct sess_cfg cfg;
};

#define OSSL13_VARIANT(name, c, s) \
	FIXTURE_VARIANT_ADD(ossl13, name##_client) { \
		.cfg = { V13, c, s, false, 2 } }; \
	FIXTURE_VARIANT_ADD(ossl13, name##_server) { \
		.cfg = { V13, c, s, true, 2 } };

OSSL13_VARIANT(gcm128, TLS_CIPHER_AES_GCM_128, "TLS_AES_128_GCM_SHA256")
OSSL13_VARIANT(gcm256, TLS_CIPHER_AES_GCM_256, "TLS_AES_256_GCM_SHA384")
OSSL13_VARIANT(ccm128, TLS_CIPHER_AES_CCM_128, "TLS_AES_128_CCM_SHA256")
OSSL13_VARIANT(chacha, TLS_CIPHER_CHACHA20_POLY1305,
	       "TLS_CHACHA20_POLY1305_SHA256")

/*
 * Two session tickets: a server already sent them with its application
 * key, a client finds them first in what it reads (handshake records,
 * NewSessionTicket, which do not stop the data that follows).
 */
FIXTURE_SETUP(ossl13)
{
	struct sess *x = &self->x;
	char in[512];
	int i, type;

	sess_setup(_metadata, x, &variant->cfg);
	if (variant->cfg.server_hands_off)
		return;
	for (i = 0; i < variant->cfg.tickets; i++) {
		EXPECT_LT(4, rf_tls_recv_rec(x->rfd, in, sizeof(in), 0, &type,
					     NULL));
		EXPECT_EQ(T_HS, type);
		EXPECT_EQ(HS_NEW_SESSION_TICKET, in[0]);
	}
}

FIXTURE_TEARDOWN(ossl13)
{
	sess_teardown(&self->x);
}

/* Data after the tickets, both ways (OpenSSL's client reads them here). */
TEST_F(ossl13, tickets)
{
	struct sess *x = &self->x;
	char in[64];

	ASSERT_EQ(7, send(x->rfd, "tickets", 7, 0));
	EXPECT_EQ(7, SSL_read(x->o, in, sizeof(in)));
	EXPECT_EQ(0, memcmp("tickets", in, 7));
	ASSERT_EQ(2, SSL_write(x->o, "ok", 2));
	EXPECT_EQ(2, recv(x->rfd, in, sizeof(in), 0));
	if (variant->cfg.server_hands_off) {
		SSL_SESSION *sess = SSL_get1_session(x->o);

		EXPECT_NE(NULL, sess);
		EXPECT_TRUE(SSL_SESSION_is_resumable(sess));
		SSL_SESSION_free(sess);
	}
}

/*
 * KeyUpdate from OpenSSL: a handshake record; then EKEYEXPIRED and no
 * POLLIN until recframe's side installs the next key; then from
 * recframe's side, which OpenSSL follows by itself.
 */
TEST_F(ossl13, key_update)
{
	const unsigned char ku[] = { HS_KEY_UPDATE, 0, 0, 1, 0 };
	struct sess *x = &self->x;
	struct recframe_info info;
	socklen_t len = sizeof(info);
	char in[64];
	int type;

	ASSERT_EQ(6, SSL_write(x->o, "before", 6));
	EXPECT_EQ(6, recv(x->rfd, in, sizeof(in), 0));
	ASSERT_EQ(1, SSL_key_update(x->o, SSL_KEY_UPDATE_NOT_REQUESTED));
	ASSERT_EQ(5, SSL_write(x->o, "after", 5));
	usleep(10000);
	EXPECT_EQ(-1, recv(x->rfd, in, sizeof(in), 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(sizeof(ku), rf_tls_recv_rec(x->rfd, in, sizeof(in), 0, &type,
					      NULL));
	EXPECT_EQ(T_HS, type);
	EXPECT_EQ(0, memcmp(ku, in, sizeof(ku)));
	EXPECT_EQ(-1, recv(x->rfd, in, sizeof(in), 0));
	EXPECT_EQ(EKEYEXPIRED, errno);
	EXPECT_EQ(0, rf_poll_in(x->rfd, 0));
	rf_follow_update(_metadata, x);
	EXPECT_EQ(POLLIN, rf_poll_in(x->rfd, 1000));
	EXPECT_EQ(5, recv(x->rfd, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("after", in, 5));

	rf_key_update(_metadata, x);
	ASSERT_EQ(8, send(x->rfd, "rf after", 8, 0));
	EXPECT_EQ(8, SSL_read(x->o, in, sizeof(in)));
	EXPECT_EQ(0, memcmp("rf after", in, 8));

	/* A second round each way. */
	ASSERT_EQ(1, SSL_key_update(x->o, SSL_KEY_UPDATE_NOT_REQUESTED));
	ASSERT_EQ(6, SSL_write(x->o, "again!", 6));
	EXPECT_EQ(sizeof(ku), rf_tls_recv_rec(x->rfd, in, sizeof(in), 0, &type,
					      NULL));
	rf_follow_update(_metadata, x);
	EXPECT_EQ(6, recv(x->rfd, in, sizeof(in), 0));
	rf_key_update(_metadata, x);
	ASSERT_EQ(3, send(x->rfd, "end", 3, 0));
	EXPECT_EQ(3, SSL_read(x->o, in, sizeof(in)));

	ASSERT_EQ(0, getsockopt(x->rfd, SOL_RECFRAME, RECFRAME_INFO, &info,
				&len));
	EXPECT_EQ(4, info.tls_rekeys);
}

/* update_requested: recframe's side answers with its own KeyUpdate. */
TEST_F(ossl13, key_update_requested)
{
	const unsigned char req[] = { HS_KEY_UPDATE, 0, 0, 1, 1 };
	struct sess *x = &self->x;
	char in[64];
	int type;

	ASSERT_EQ(1, SSL_key_update(x->o, SSL_KEY_UPDATE_REQUESTED));
	ASSERT_EQ(1, SSL_write(x->o, "x", 1));
	EXPECT_EQ(sizeof(req), rf_tls_recv_rec(x->rfd, in, sizeof(in), 0, &type,
					       NULL));
	EXPECT_EQ(T_HS, type);
	EXPECT_EQ(0, memcmp(req, in, sizeof(req)));
	EXPECT_EQ(-1, recv(x->rfd, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EKEYEXPIRED, errno);
	rf_follow_update(_metadata, x);
	EXPECT_EQ(1, recv(x->rfd, in, sizeof(in), 0));
	EXPECT_EQ('x', in[0]);
	rf_key_update(_metadata, x);
	ASSERT_EQ(1, send(x->rfd, "y", 1, 0));
	EXPECT_EQ(1, SSL_read(x->o, in, sizeof(in)));
	EXPECT_EQ('y', in[0]);
	ASSERT_EQ(1, SSL_write(x->o, "z", 1));
	EXPECT_EQ(1, recv(x->rfd, in, sizeof(in), 0));
	EXPECT_EQ('z', in[0]);
}

/*
 * Record padding from OpenSSL (SSL_set_block_padding): the record on the
 * wire is padded to the block, recframe returns the content only.
 */
TEST_F(ossl13, padding)
{
	static char big[20000], in[20000];
	struct sess *x = &self->x;
	int queued = -1, i;

	ASSERT_EQ(1, SSL_set_block_padding(x->o, 512));
	ASSERT_EQ(3, SSL_write(x->o, "pad", 3));
	for (i = 0; i < 100 && queued != 5 + 512 + 16; i++) {
		usleep(1000);
		ASSERT_EQ(0, ioctl(x->rfd, SIOCINQ, &queued));
	}
	/* type + content padded to 512, the tag, the header */
	EXPECT_EQ(5 + 512 + 16, queued);
	EXPECT_EQ(3, recv(x->rfd, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("pad", in, 3));
	rf_fill(big, sizeof(big), 3);
	ASSERT_EQ((int)sizeof(big), SSL_write(x->o, big, sizeof(big)));
	EXPECT_EQ(sizeof(in), rf_read_full(x->rfd, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(big, in, sizeof(in)));
	/* A padded alert keeps its type. */
	ASSERT_EQ(0, SSL_shutdown(x->o));
	{
		int type;

		EXPECT_EQ(2, rf_tls_recv_rec(x->rfd, in, sizeof(in), 0, &type,
					     NULL));
		EXPECT_EQ(T_ALERT, type);
	}
}

TEST_HARNESS_MAIN
