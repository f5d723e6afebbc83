// SPDX-License-Identifier: GPL-2.0
/*
 * recframe-demo: the guided scenario of `make demo`, one program that plays
 * every role over the loopback and says what it does:
 *
 *  [1] plaintext framing: a libvirt-style RPC exchange (4-byte big-endian
 *      length counting itself) where every recv() returns one message;
 *  [2] TLS 1.3: OpenSSL does the handshake in userspace, the traffic
 *      secrets are turned into keys and handed to recframe with kTLS's
 *      SOL_TLS options, then the server sendfile()s a file that the client
 *      splice()s to disk, and both check its SHA-256;
 *  [3] halfway through the transfer, the operator's view: `recframe show`,
 *      `recframe stats` and `recframe abort COOKIE` of the idle RPC
 *      connection of [1], whose blocked recv() fails with ECONNABORTED.
 *
 * Usage: recframe-demo [-s MIB] [-d DIR]
 *   -s MIB   size of the file sent in [2] (default 4)
 *   -d DIR   where the client writes it (default /root, else /tmp)
 * The recframe CLI is looked for in $RECFRAME, /usr/bin, /usr/sbin,
 * /usr/local/sbin; without it [3] is skipped. Needs the recframe module
 * loaded, and root (CAP_NET_ADMIN) for the abort.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __x86_64__
#include <cpuid.h>
#endif

#include <linux/recframe.h>
#include <linux/tls.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#ifndef TCP_ULP
#define TCP_ULP		31
#endif
#ifndef SOL_TLS
#define SOL_TLS		282
#endif
#ifndef SO_COOKIE
#define SO_COOKIE	57
#endif

#define MIB		(1024 * 1024)
#define CERT_NAME	"recframe-demo"
#define STEP_TIMEOUT	300	/* seconds: TCG is slow, but not that slow */

/* ------------------------------------------------------------ output --- */

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void __attribute__((noreturn)) fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("\nFAILED: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	ERR_print_errors_fp(stdout);
	fflush(stdout);
	exit(1);
}

#define fail_errno(what) fail("%s: %s (%s)", what, strerror(errno), \
			      errno_name(errno))

static const char *errno_name(int e)
{
	switch (e) {
	case EAGAIN:		return "EAGAIN";
	case ECONNABORTED:	return "ECONNABORTED";
	case ECONNRESET:	return "ECONNRESET";
	case ENOENT:		return "ENOENT";
	case EPERM:		return "EPERM";
	case EINVAL:		return "EINVAL";
	case EBADMSG:		return "EBADMSG";
	case EMSGSIZE:		return "EMSGSIZE";
	case EPIPE:		return "EPIPE";
	case ENOPROTOOPT:	return "ENOPROTOOPT";
	case EEXIST:		return "EEXIST";
	default:		return "errno";
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sem_wait_or_fail(sem_t *s, const char *what)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STEP_TIMEOUT;
	while (sem_timedwait(s, &ts)) {
		if (errno == EINTR)
			continue;
		fail("timed out waiting for %s", what);
	}
}

static void hex(char *out, const unsigned char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

/* --------------------------------------------------------- sockets --- */

/* A connected loopback pair: *cli the client, *srv the accepted side. */
static void tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sa);
	int lfd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, len) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) || listen(lfd, 1))
		fail_errno("listen on the loopback");
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (*cli < 0 || connect(*cli, (struct sockaddr *)&sa, len))
		fail_errno("connect");
	*srv = accept(lfd, NULL, NULL);
	if (*srv < 0)
		fail_errno("accept");
	close(lfd);
}

static void attach(int fd, const char *who)
{
	if (setsockopt(fd, SOL_TCP, TCP_ULP, RECFRAME_ULP_NAME,
		       sizeof(RECFRAME_ULP_NAME))) {
		if (errno == ENOENT)
			fail("%s: TCP_ULP \"recframe\": ENOENT: the module is not loaded (modprobe recframe)",
			     who);
		fail("%s: setsockopt(TCP_ULP, \"recframe\"): %s", who,
		     strerror(errno));
	}
}

static uint64_t cookie_of(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		fail_errno("getsockopt(SO_COOKIE)");
	return cookie;
}

static void info_of(int fd, struct recframe_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (getsockopt(fd, SOL_RECFRAME, RECFRAME_INFO, info, &len))
		fail_errno("getsockopt(RECFRAME_INFO)");
}

static void write_all(int fd, const void *buf, size_t len, const char *what)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail_errno(what);
		buf = (const char *)buf + n;
		len -= n;
	}
}

static void read_full(int fd, void *buf, size_t len, const char *what)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_errno(what);
		if (n == 0)
			fail("%s: unexpected end of stream", what);
		buf = (char *)buf + n;
		len -= n;
	}
}

/* ------------------------------------------- [1] plaintext RPC framing --- */

static const char *const requests[] = {
	"CONNECT_OPEN qemu:///system",
	"CONNECT_LIST_DOMAINS",
	"DOMAIN_GET_INFO web1",
	"DOMAIN_SUSPEND web1",
};

static int rpc_srv = -1, rpc_cli = -1;

/* libvirt's header: a 4-byte big-endian length that counts itself. */
static size_t rpc_encode(char *out, const char *msg)
{
	uint32_t len = strlen(msg), be = htonl(len + 4);

	memcpy(out, &be, 4);
	memcpy(out + 4, msg, len);
	return len + 4;
}

static void rpc_recv_one(int n)
{
	char buf[256];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t len;

	len = recvmsg(rpc_srv, &msg, 0);
	if (len < 0)
		fail_errno("server recvmsg");
	buf[len] = '\0';
	say("    server recv() #%d -> %2zd bytes \"%s\"%s", n, len, buf,
	    msg.msg_flags & MSG_EOR ? "   [MSG_EOR: one whole message]" : "");
	if (strcmp(buf, requests[n - 1]))
		fail("server: message %d is not \"%s\"", n, requests[n - 1]);
}

static void part_rpc(void)
{
	struct recframe_framing libvirt = {
		.format		= RECFRAME_FORMAT_LENGTH,
		.hdr_len	= 4,
		.len_off	= 0,
		.len_size	= 4,
		.len_adjust	= -4,	/* the length counts its own 4 bytes */
		.max_record	= 1 << 20,
	};
	char wire[512], reply[64];
	const char *ok = "OK 4 requests";
	size_t len = 0, l4;
	uint32_t be;
	int i;

	say("[1] Plaintext framing: a libvirt-style RPC exchange");
	say("    (4-byte big-endian length that counts itself: hdr_len 4, len_off 0, len_size 4, len_adjust -4)");
	tcp_pair(&rpc_cli, &rpc_srv);
	attach(rpc_srv, "rpc server");
	if (setsockopt(rpc_srv, SOL_RECFRAME, RECFRAME_FRAMING, &libvirt,
		       sizeof(libvirt)))
		fail_errno("setsockopt(RECFRAME_FRAMING)");
	say("    server: attached recframe and set RECFRAME_FRAMING; the client is plain TCP");

	for (i = 0; i < 3; i++)
		len += rpc_encode(wire + len, requests[i]);
	write_all(rpc_cli, wire, len, "client write");
	say("    client writes 3 requests in ONE write() of %zu bytes", len);
	for (i = 1; i <= 3; i++)
		rpc_recv_one(i);

	l4 = rpc_encode(wire, requests[3]);
	write_all(rpc_cli, wire, 10, "client write");
	say("    client writes request 4 in two pieces: the first 10 of %zu bytes...",
	    l4);
	if (recv(rpc_srv, reply, sizeof(reply), MSG_DONTWAIT) >= 0 ||
	    errno != EAGAIN)
		fail("server: recv() returned part of a record");
	say("    server recv(MSG_DONTWAIT) -> EAGAIN: part of a message is not a message");
	write_all(rpc_cli, wire + 10, l4 - 10, "client write");
	say("    client writes the other %zu bytes", l4 - 10);
	rpc_recv_one(4);

	if (send(rpc_srv, ok, strlen(ok), 0) != (ssize_t)strlen(ok))
		fail_errno("server send");
	read_full(rpc_cli, &be, 4, "client read");
	read_full(rpc_cli, reply, ntohl(be) - 4, "client read");
	reply[ntohl(be) - 4] = '\0';
	say("    server send(\"%s\") -> client reads length %u + \"%s\": the kernel wrote the header",
	    ok, ntohl(be), reply);
	say("    the connection stays open: the server now waits in recv() for the next request");
}

/* The RPC server waits for a request that never comes: [3] aborts it. */
static int rpc_wait_errno;
static sem_t rpc_done;

static void *rpc_waiter(void *arg)
{
	char buf[64];
	ssize_t n;

	(void)arg;
	n = recv(rpc_srv, buf, sizeof(buf), 0);
	rpc_wait_errno = n < 0 ? errno : 0;
	sem_post(&rpc_done);
	return NULL;
}

/* ------------------------------------------ [2] TLS 1.3 with OpenSSL --- */

struct suite {
	uint16_t	id;		/* IANA cipher suite */
	const char	*digest;
	unsigned int	key_len;
	uint16_t	cipher;		/* TLS_CIPHER_* of linux/tls.h */
};

static const struct suite suites[] = {
	{ 0x1301, "SHA256", 16, TLS_CIPHER_AES_GCM_128 },
	{ 0x1302, "SHA384", 32, TLS_CIPHER_AES_GCM_256 },
	{ 0x1303, "SHA256", 32, TLS_CIPHER_CHACHA20_POLY1305 },
};

struct secrets {
	unsigned char	client[64], server[64];	/* *_TRAFFIC_SECRET_0 */
	size_t		client_len, server_len;
};

struct tls_end {
	const char	*name;
	int		fd;
	SSL		*ssl;
	struct secrets	sec;
	const struct suite *suite;
	char		cipher_name[64];
};

static struct tls_end tls_srv = { .name = "server" };
static struct tls_end tls_cli = { .name = "client" };
static EVP_PKEY *pkey;
static X509 *cert;

static size_t unhex(unsigned char *out, size_t max, const char *in)
{
	size_t n = 0;
	unsigned int b;

	while (n < max && sscanf(in + 2 * n, "%2x", &b) == 1)
		out[n++] = b;
	return n;
}

/*
 * OpenSSL reports every secret it derives as an NSS key log line:
 * "LABEL <client random> <secret>". The application traffic secrets are
 * the ones the record layer needs.
 */
static void keylog(const SSL *ssl, const char *line)
{
	struct secrets *s = SSL_get_app_data(ssl);
	const char *sec = strrchr(line, ' ');

	if (!s || !sec)
		return;
	if (!strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24))
		s->client_len = unhex(s->client, sizeof(s->client), sec + 1);
	else if (!strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24))
		s->server_len = unhex(s->server, sizeof(s->server), sec + 1);
}

/* A self-signed P-256 certificate, made up on the spot. */
static void make_cert(void)
{
	X509_NAME *name;

	pkey = EVP_EC_gen("P-256");
	cert = X509_new();
	if (!pkey || !cert)
		fail("cannot generate a key");
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
	X509_set_pubkey(cert, pkey);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)CERT_NAME, -1, -1, 0);
	X509_set_issuer_name(cert, name);
	if (!X509_sign(cert, pkey, EVP_sha256()))
		fail("cannot sign the certificate");
}

static SSL_CTX *make_ctx(bool server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() :
					    TLS_client_method());

	if (!ctx)
		fail("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
	SSL_CTX_set_keylog_callback(ctx, keylog);
	if (server) {
		/*
		 * No session tickets: they would be the first records under
		 * the new keys, read by OpenSSL, and the kernel would then
		 * have to start at another sequence number than 0.
		 */
		SSL_CTX_set_num_tickets(ctx, 0);
		if (SSL_CTX_use_certificate(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
			fail("SSL_CTX_use_certificate");
	} else {
		X509_STORE *store = SSL_CTX_get_cert_store(ctx);

		X509_STORE_add_cert(store, cert);
		X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	return ctx;
}

/* RFC 8446 7.1: HKDF-Expand-Label(secret, label, "", len). */
static void hkdf_expand_label(const char *digest, const unsigned char *secret,
			      size_t secret_len, const char *label,
			      unsigned char *out, size_t len)
{
	unsigned char info[2 + 1 + 255 + 1];
	size_t llen = strlen("tls13 ") + strlen(label), ilen = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5];
	EVP_KDF_CTX *kctx;
	EVP_KDF *kdf;

	/* struct HkdfLabel { uint16 length; opaque label<7..255>; opaque context<0..255>; } */
	info[ilen++] = len >> 8;
	info[ilen++] = len & 0xff;
	info[ilen++] = llen;
	memcpy(info + ilen, "tls13 ", 6);
	memcpy(info + ilen + 6, label, strlen(label));
	ilen += llen;
	info[ilen++] = 0;		/* empty context */

	params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)digest, 0);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						      (void *)secret, secret_len);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						      info, ilen);
	params[4] = OSSL_PARAM_construct_end();

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (!kctx || EVP_KDF_derive(kctx, out, len, params) != 1)
		fail("HKDF-Expand-Label \"%s\"", label);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
}

/* Hand one direction to the kernel: key and iv from the secret, rec_seq 0. */
static void set_crypto(struct tls_end *e, int optname, const unsigned char *secret,
		       size_t secret_len)
{
	const struct suite *s = e->suite;
	unsigned char key[32], iv[12];
	union {
		struct tls_crypto_info info;
		struct tls12_crypto_info_aes_gcm_128 gcm128;
		struct tls12_crypto_info_aes_gcm_256 gcm256;
		struct tls12_crypto_info_chacha20_poly1305 chacha;
	} ci;
	socklen_t len;

	hkdf_expand_label(s->digest, secret, secret_len, "key", key, s->key_len);
	hkdf_expand_label(s->digest, secret, secret_len, "iv", iv, sizeof(iv));

	memset(&ci, 0, sizeof(ci));		/* rec_seq 0 */
	ci.info.version = TLS_1_3_VERSION;
	ci.info.cipher_type = s->cipher;
	switch (s->cipher) {
	case TLS_CIPHER_AES_GCM_128:
		memcpy(ci.gcm128.key, key, 16);
		memcpy(ci.gcm128.salt, iv, 4);	/* the iv's first 4 bytes */
		memcpy(ci.gcm128.iv, iv + 4, 8);	/* and the other 8 */
		len = sizeof(ci.gcm128);
		break;
	case TLS_CIPHER_AES_GCM_256:
		memcpy(ci.gcm256.key, key, 32);
		memcpy(ci.gcm256.salt, iv, 4);
		memcpy(ci.gcm256.iv, iv + 4, 8);
		len = sizeof(ci.gcm256);
		break;
	default:
		memcpy(ci.chacha.key, key, 32);
		memcpy(ci.chacha.iv, iv, 12);
		len = sizeof(ci.chacha);
		break;
	}
	if (setsockopt(e->fd, SOL_TLS, optname, &ci, len))
		fail("%s: setsockopt(SOL_TLS, %s): %s", e->name,
		     optname == TLS_TX ? "TLS_TX" : "TLS_RX", strerror(errno));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	OPENSSL_cleanse(&ci, sizeof(ci));
}

static void handshake(struct tls_end *e, bool server)
{
	SSL_CTX *ctx = make_ctx(server);
	const SSL_CIPHER *c;
	size_t i;
	int ret;

	e->ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);
	if (!e->ssl || !SSL_set_fd(e->ssl, e->fd))
		fail("SSL_new");
	SSL_set_app_data(e->ssl, &e->sec);
	if (!server)
		SSL_set1_host(e->ssl, CERT_NAME);
	ret = server ? SSL_accept(e->ssl) : SSL_connect(e->ssl);
	if (ret != 1)
		fail("%s: TLS handshake (SSL error %d)", e->name,
		     SSL_get_error(e->ssl, ret));
	if (!e->sec.client_len || !e->sec.server_len)
		fail("%s: no traffic secrets from the keylog callback", e->name);

	c = SSL_get_current_cipher(e->ssl);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == SSL_CIPHER_get_protocol_id(c))
			e->suite = &suites[i];
	if (!e->suite)
		fail("unexpected cipher suite %s", SSL_CIPHER_get_name(c));
	snprintf(e->cipher_name, sizeof(e->cipher_name), "%s %s",
		 SSL_get_version(e->ssl), SSL_CIPHER_get_name(c));

	/*
	 * From here on the kernel owns the record layer. OpenSSL read the
	 * handshake record by record and has no bytes of ours buffered.
	 */
	attach(e->fd, e->name);
	set_crypto(e, TLS_TX, server ? e->sec.server : e->sec.client,
		   server ? e->sec.server_len : e->sec.client_len);
	set_crypto(e, TLS_RX, server ? e->sec.client : e->sec.server,
		   server ? e->sec.client_len : e->sec.server_len);
	OPENSSL_cleanse(&e->sec, sizeof(e->sec));
	SSL_free(e->ssl);		/* no SSL_shutdown: nothing more to say */
	e->ssl = NULL;
}

/* The transfer, in two halves with the operator in between. */
static size_t file_size;
static char src_path[PATH_MAX], dst_path[PATH_MAX];
static unsigned char src_sha[32], dst_sha[32];
static sem_t hs_done, go_first, first_done, go_second;
static double t_active;		/* seconds the transfer ran */
static bool digest_ok;

static void sha256_file(const char *path, unsigned char out[32])
{
	static char buf[1 << 16];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		fail("sha256 of %s: %s", path, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(md, buf, n);
	if (n < 0)
		fail("read %s: %s", path, strerror(errno));
	EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
	close(fd);
}

static void *tls_server(void *arg)
{
	char msg[128], hexsha[65];
	off_t off = 0;
	size_t half = file_size / 2;
	ssize_t n;
	int fd;

	(void)arg;
	handshake(&tls_srv, true);
	sem_post(&hs_done);

	fd = open(src_path, O_RDONLY);
	if (fd < 0)
		fail_errno("server: open the file");
	sem_wait_or_fail(&go_first, "the first half");
	/* A first record tells the size; send() makes one record. */
	n = snprintf(msg, sizeof(msg), "FILE %zu", file_size);
	if (send(tls_srv.fd, msg, n, 0) != n)
		fail_errno("server: send");
	while ((size_t)off < half)
		if (sendfile(tls_srv.fd, fd, &off, half - off) <= 0)
			fail_errno("server: sendfile");
	sem_wait_or_fail(&go_second, "the second half");
	while ((size_t)off < file_size)
		if (sendfile(tls_srv.fd, fd, &off, file_size - off) <= 0)
			fail_errno("server: sendfile");
	close(fd);

	/* The client answers with the SHA-256 it computed, as one record. */
	n = recv(tls_srv.fd, msg, sizeof(msg) - 1, 0);
	if (n < 0)
		fail_errno("server: recv the client's digest");
	msg[n] = '\0';
	hex(hexsha, src_sha, 32);
	digest_ok = !strcmp(msg, hexsha);
	return NULL;
}

static void splice_bytes(int sock, int pipefd[2], int out, size_t len)
{
	while (len) {
		ssize_t n = splice(sock, NULL, pipefd[1], NULL,
				   len < 65536 ? len : 65536, SPLICE_F_MOVE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_errno("client: splice from the socket");
		if (n == 0)
			fail("client: end of stream %zu bytes early", len);
		len -= n;
		while (n > 0) {
			ssize_t m = splice(pipefd[0], NULL, out, NULL, n,
					   SPLICE_F_MOVE);

			if (m <= 0)
				fail_errno("client: splice to the file");
			n -= m;
		}
	}
}

static void *tls_client(void *arg)
{
	char msg[64], hexsha[65];
	size_t announced, half = file_size / 2;
	int pipefd[2], out;
	double t0;
	ssize_t n;

	(void)arg;
	handshake(&tls_cli, false);
	sem_post(&hs_done);

	out = open(dst_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || pipe(pipefd))
		fail("client: open %s: %s", dst_path, strerror(errno));
	sem_wait_or_fail(&go_first, "the first half");
	t0 = now();
	n = recv(tls_cli.fd, msg, sizeof(msg) - 1, 0);
	if (n <= 0)
		fail_errno("client: recv the file header");
	msg[n] = '\0';
	if (sscanf(msg, "FILE %zu", &announced) != 1 || announced != file_size)
		fail("client: unexpected header \"%s\"", msg);
	splice_bytes(tls_cli.fd, pipefd, out, half);
	t_active = now() - t0;
	sem_post(&first_done);

	sem_wait_or_fail(&go_second, "the second half");
	t0 = now();
	splice_bytes(tls_cli.fd, pipefd, out, file_size - half);
	if (close(out))
		fail_errno("client: close the file");
	t_active += now() - t0;

	sha256_file(dst_path, dst_sha);
	hex(hexsha, dst_sha, 32);
	if (send(tls_cli.fd, hexsha, 64, 0) != 64)
		fail_errno("client: send the digest");
	close(pipefd[0]);
	close(pipefd[1]);
	return NULL;
}

static void make_file(void)
{
	static uint64_t buf[8192];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t done = 0, i;
	int fd;

	fd = open(src_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail("create %s: %s", src_path, strerror(errno));
	while (done < file_size) {
		size_t chunk = file_size - done < sizeof(buf) ?
			       file_size - done : sizeof(buf);

		for (i = 0; i < sizeof(buf) / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		write_all(fd, buf, chunk, "write the file");
		done += chunk;
	}
	close(fd);
	sha256_file(src_path, src_sha);
}

/* ---------------------------------------------------- [3] operator --- */

static char cli_path[PATH_MAX];

static bool find_cli(void)
{
	static const char *const dirs[] = {
		"/usr/bin", "/usr/sbin", "/usr/local/sbin", "/usr/local/bin",
	};
	const char *env = getenv("RECFRAME");
	size_t i;

	if (env && !access(env, X_OK)) {
		snprintf(cli_path, sizeof(cli_path), "%s", env);
		return true;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(cli_path, sizeof(cli_path), "%s/recframe", dirs[i]);
		if (!access(cli_path, X_OK))
			return true;
	}
	return false;
}

/* Run the CLI, its output indented; returns its exit status. */
static int run_cli(const char *args, const char *comment)
{
	char cmd[PATH_MAX + 128], line[512];
	FILE *p;
	int st;

	say("    # recframe %s%s%s", args, comment ? "    " : "",
	    comment ? comment : "");
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", cli_path, args);
	p = popen(cmd, "r");
	if (!p)
		fail_errno("popen");
	while (fgets(line, sizeof(line), p))
		printf("      %s", line);
	st = pclose(p);
	fflush(stdout);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static bool part_operator(void)
{
	char args[64];
	char buf[16];

	say("");
	say("[3] The operator's view, halfway through the transfer (the recframe command, generic netlink)");
	if (!find_cli()) {
		say("    note: the recframe command is not installed here; skipping show, stats and abort");
		shutdown(rpc_cli, SHUT_WR);	/* let the RPC server go */
		sem_wait_or_fail(&rpc_done, "the RPC server");
		return false;
	}
	if (run_cli("show", NULL))
		fail("recframe show failed");
	if (run_cli("stats", NULL))
		fail("recframe stats failed");
	snprintf(args, sizeof(args), "abort %llu",
		 (unsigned long long)cookie_of(rpc_srv));
	if (run_cli(args, "# SO_COOKIE of the idle RPC server socket of [1]"))
		fail("recframe abort failed");
	sem_wait_or_fail(&rpc_done, "the aborted recv()");
	if (rpc_wait_errno != ECONNABORTED)
		fail("rpc server: recv() ended with %s, not ECONNABORTED",
		     rpc_wait_errno ? strerror(rpc_wait_errno) : "end of stream");
	say("    rpc server: its blocked recv() failed: ECONNABORTED (%s)",
	    strerror(ECONNABORTED));
	if (recv(rpc_cli, buf, sizeof(buf), 0) < 0)
		say("    rpc client: recv() failed: %s (%s): the peer was reset",
		    errno_name(errno), strerror(errno));
	return true;
}

/* ------------------------------------------------------------- main --- */

/* A word on speed: under QEMU without KVM every instruction is emulated. */
static const char *where(void)
{
#ifdef __x86_64__
	unsigned int a, b, c, d;
	char sig[13] = "";

	__cpuid(1, a, b, c, d);
	if (!(c & (1U << 31)))
		return "";
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	if (!strncmp(sig, "KVMKVMKVM", 9))
		return " (in a KVM guest)";
	return " (QEMU TCG: an emulated CPU, far slower than real hardware)";
#else
	return "";
#endif
}

static void module_banner(void)
{
	char ver[64] = "?";
	struct utsname u;
	FILE *f;

	f = fopen("/sys/module/recframe/version", "r");
	if (f) {
		if (fgets(ver, sizeof(ver), f))
			ver[strcspn(ver, "\n")] = '\0';
		fclose(f);
	} else if (access("/sys/module/recframe", F_OK)) {
		fail("the recframe module is not loaded (modprobe recframe)");
	}
	uname(&u);
	say("recframe demo: the recframe module (version %s) on Linux %s", ver,
	    u.release);
	say("");
}

int main(int argc, char **argv)
{
	pthread_t srv_th, cli_th, rpc_th;
	const char *dir = NULL;
	struct recframe_info si, ci;
	bool operator_ran;
	int opt, fds[2];
	char hexsha[65];
	double mib;

	file_size = 4 * MIB;
	while ((opt = getopt(argc, argv, "s:d:h")) != -1) {
		switch (opt) {
		case 's':
			file_size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-s MIB] [-d DIR]\n", argv[0]);
			return 2;
		}
	}
	if (file_size < 2 * MIB)
		file_size = 2 * MIB;
	if (!dir)
		dir = access("/root", W_OK) ? "/tmp" : "/root";
	snprintf(src_path, sizeof(src_path), "/tmp/recframe-demo.src");
	snprintf(dst_path, sizeof(dst_path), "%s/recframe-demo.received", dir);
	signal(SIGPIPE, SIG_IGN);
	sem_init(&hs_done, 0, 0);
	sem_init(&go_first, 0, 0);
	sem_init(&first_done, 0, 0);
	sem_init(&go_second, 0, 0);
	sem_init(&rpc_done, 0, 0);

	module_banner();

	/* [1] */
	part_rpc();
	pthread_create(&rpc_th, NULL, rpc_waiter, NULL);

	/* [2] */
	say("");
	say("[2] TLS 1.3: the handshake in OpenSSL, then the records in the kernel");
	make_file();
	make_cert();
	tcp_pair(&fds[0], &fds[1]);
	tls_cli.fd = fds[0];
	tls_srv.fd = fds[1];
	pthread_create(&srv_th, NULL, tls_server, NULL);
	pthread_create(&cli_th, NULL, tls_client, NULL);
	sem_wait_or_fail(&hs_done, "the handshake");
	sem_wait_or_fail(&hs_done, "the handshake");
	say("    handshake done: %s, the client verified the server's self-signed certificate (CN=%s)",
	    tls_cli.cipher_name, CERT_NAME);
	say("    keys: keylog callback -> {CLIENT,SERVER}_TRAFFIC_SECRET_0 -> HKDF-Expand-Label \"key\", \"iv\"");
	say("    both ends: setsockopt TCP_ULP \"recframe\", then SOL_TLS TLS_TX and TLS_RX (rec_seq 0);");
	say("    OpenSSL is done: from now on the kernel encrypts and decrypts every record");
	say("    server: send() \"FILE %zu\", then sendfile() of %s (%zu MiB)",
	    file_size, src_path, file_size / MIB);
	say("    client: recv() the header record, then splice() socket -> pipe -> %s",
	    dst_path);
	sem_post(&go_first);
	sem_post(&go_first);
	sem_wait_or_fail(&first_done, "the first half");
	say("    %zu MiB of %zu are across; the server pauses for the operator",
	    file_size / 2 / MIB, file_size / MIB);

	/* [3] */
	operator_ran = part_operator();

	/* [2] continued */
	say("");
	say("[2] continued: the rest of the file");
	sem_post(&go_second);
	sem_post(&go_second);
	pthread_join(cli_th, NULL);
	pthread_join(srv_th, NULL);
	info_of(tls_srv.fd, &si);
	info_of(tls_cli.fd, &ci);
	hex(hexsha, src_sha, 32);
	say("    sent     %s  SHA-256 %.16s...", src_path, hexsha);
	hex(hexsha, dst_sha, 32);
	say("    received %s  SHA-256 %.16s...", dst_path, hexsha);
	if (memcmp(src_sha, dst_sha, 32))
		fail("the SHA-256 digests differ");
	if (!digest_ok)
		fail("the digest the client sent back over TLS does not match");
	say("    match: the client sent its digest back over the kernel's TLS, the server compared: equal");
	mib = (double)file_size / MIB;
	say("    throughput: %.0f MiB in %.2f s = %.1f MiB/s%s", mib, t_active,
	    mib / t_active, where());
	say("    kernel counters (RECFRAME_INFO): server encrypted %llu records (%llu straight from sendfile's pages),",
	    (unsigned long long)si.tls_tx_records,
	    (unsigned long long)si.tls_tx_outofplace);
	say("    client decrypted %llu records (%llu into the client's buffer, %llu for splice)",
	    (unsigned long long)ci.tls_rx_records,
	    (unsigned long long)ci.tls_rx_zerocopy,
	    (unsigned long long)ci.tls_rx_clear);

	close(tls_srv.fd);
	close(tls_cli.fd);
	close(rpc_srv);
	close(rpc_cli);
	pthread_join(rpc_th, NULL);
	unlink(src_path);
	unlink(dst_path);
	X509_free(cert);
	EVP_PKEY_free(pkey);

	say("");
	say("recframe demo: SUCCESS: one RPC message per recv(), %.0f MiB over kernel TLS 1.3 with matching SHA-256%s",
	    mib, operator_ran ? ", an operator abort seen as ECONNABORTED" :
				" (operator part skipped)");
	return 0;
}
