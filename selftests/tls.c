// SPDX-License-Identifier: GPL-2.0
/*
 * recframe's TLS mode against the kernel's own kTLS (software path).
 *
 * recframe promises kTLS's uapi: a kTLS program works after changing the
 * ULP name. These tests run the same operations with "tls" and "recframe"
 * on either end and check exact results.
 *
 * Fixtures:
 *	interop	every version x cipher x (recframe->tls, tls->recframe,
 *		recframe->recframe): data, 16 KiB record cutting, MSG_MORE,
 *		control records, peek, partial reads, MSG_WAITALL, sendfile,
 *		splice, poll. "relay" tests put a plain TCP hop in the middle:
 *		the ciphertext is read off the wire, checked and forwarded.
 *	async	the same data path with asynchronous AEADs: a pcrypt(...)
 *		instance of the generic implementation is registered through
 *		crypto_user (NETLINK_CRYPTO) with a priority above every other
 *		implementation of the algorithm, so "gcm(aes)" etc. resolve
 *		to it for both kTLS and recframe (see async_install()).
 *	badrec	records captured from a kTLS or recframe transmitter,
 *		replayed (modified) by a plain socket into a recframe and a
 *		kTLS receiver: bad tag, bad length, bad version, truncation.
 *	craft	records sealed in userspace through AF_ALG: kTLS's and
 *		recframe's wire bytes are compared with each other and
 *		checked against an independent implementation; empty records.
 *	craft13	TLS 1.3 only: padding, all-zero inner plaintext, odd types.
 *	sockopt	option validation; each script runs on kTLS and on recframe
 *		and both transcripts must agree byte for byte.
 *	rfonly	recframe on both ends, in a fresh network namespace so that
 *		/proc/net/recframe_stat starts at zero: rekey (TLS 1.3
 *		KeyUpdate), sequence number exhaustion, counters.
 *
 * Where recframe deliberately differs from kTLS 6.1, the tests check each
 * side's own behaviour:
 *	- poll: POLLIN only for a whole record (kTLS: for any queued byte);
 *	- a bad header's error stays (kTLS: reported once, then EAGAIN), and
 *	  is judged on the 5 header bytes (kTLS waits for the explicit nonce);
 *	- FIN inside a record: EPROTO (kTLS: a plain end of stream);
 *	- TLS 1.3: the header as received is the additional data (kTLS puts
 *	  23 there whatever came, so it accepts other outer types);
 *	- TLS 1.3 set again: rekey, as upstream since 6.14 (kTLS 6.1: EBUSY);
 *	- shutdown(SHUT_WR) sends a record MSG_MORE left open.
 */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <linux/cryptouser.h>
#include <linux/if_alg.h>
#include <linux/netlink.h>
#include <linux/tls.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#ifndef SOL_ALG
#define SOL_ALG			279
#endif
#ifndef TLS_TX_ZEROCOPY_RO
#define TLS_TX_ZEROCOPY_RO	3
#endif
#ifndef TLS_RX_EXPECT_NO_PAD
#define TLS_RX_EXPECT_NO_PAD	4
#endif
/* From the kernel's <linux/crypto.h>, not exported to userspace. */
#define CRYPTO_ALG_TYPE_AEAD	0x00000003
#define CRYPTO_ALG_TYPE_MASK	0x0000000f

#define REC_MAX			16384
#define TIMEO_MS		3000
/*
 * How long to wait for something that is on its way (bytes on loopback, a
 * deferred free): short on a stock kernel, but a debug kernel under TCG can
 * take hundreds of milliseconds. Tests wait for the event itself, never
 * for a fixed time, and only a failure ever waits this long.
 */
#define WAIT_MS			10000
#define T_CCS			20
#define T_ALERT			21
#define T_HS			22
#define T_DATA			23
#define HS_NEW_SESSION_TICKET	4
#define HS_KEY_UPDATE		24
#define V12			TLS_1_2_VERSION
#define V13			TLS_1_3_VERSION
#define C_G128			TLS_CIPHER_AES_GCM_128
#define C_G256			TLS_CIPHER_AES_GCM_256
#define C_CCM			TLS_CIPHER_AES_CCM_128
#define C_CHACHA		TLS_CIPHER_CHACHA20_POLY1305
/* A record on the wire is at most this long (TLS 1.2 GCM: 16384 + 29). */
#define WIRE_MAX		(5 + REC_MAX + 256)
/* Priority given to the cryptd instances; every other is far below. */
#define ASYNC_PRIO		5000
#define ASYNC_PRIO_OFF		1

/* key_update, length 1, update_not_requested */
static const unsigned char key_update[] = { HS_KEY_UPDATE, 0, 0, 1, 0 };

/* ------------------------------------------------------------------------
 * Ciphers and key material
 */

struct suite {
	uint16_t	cipher;
	unsigned int	iv, key, salt;
	const char	*alg;		/* crypto API name, as kTLS asks for it */
	const char	*generic;	/* a synchronous generic driver of it */
};

static const struct suite suites[] = {
	{ C_G128, 8, 16, 4, "gcm(aes)",
	  "gcm_base(ctr(aes-generic),ghash-generic)" },
	{ C_G256, 8, 32, 4, "gcm(aes)",
	  "gcm_base(ctr(aes-generic),ghash-generic)" },
	{ C_CCM, 8, 16, 4, "ccm(aes)",
	  "ccm_base(ctr(aes-generic),cbcmac(aes-generic))" },
	{ C_CHACHA, 12, 32, 0, "rfc7539(chacha20,poly1305)",
	  "rfc7539(chacha20-generic,poly1305-generic)" },
};

static const struct suite *suite_of(uint16_t cipher)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(suites); i++)
		if (suites[i].cipher == cipher)
			return &suites[i];
	return NULL;
}

/* A tls12_crypto_info_* as bytes: version, cipher, iv, key, salt, rec_seq. */
struct kinfo {
	uint16_t		version, cipher;
	const struct suite	*s;
	unsigned char		raw[64];
	socklen_t		len;
};

static void put_be64(unsigned char *b, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = v & 0xff;
}

static uint64_t get_be64(const unsigned char *b)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static unsigned char *k_iv(struct kinfo *k)
{
	return k->raw + 4;
}

static unsigned char *k_key(struct kinfo *k)
{
	return k->raw + 4 + k->s->iv;
}

static unsigned char *k_salt(struct kinfo *k)
{
	return k->raw + 4 + k->s->iv + k->s->key;
}

static unsigned char *k_seq(struct kinfo *k)
{
	return k_salt(k) + k->s->salt;
}

static void kinfo_init(struct kinfo *k, uint16_t version, uint16_t cipher,
		       unsigned int seed, uint64_t seq)
{
	struct tls_crypto_info hdr = { .version = version,
				       .cipher_type = cipher };
	unsigned int i, end;

	memset(k, 0, sizeof(*k));
	k->version = version;
	k->cipher = cipher;
	k->s = suite_of(cipher);
	memcpy(k->raw, &hdr, sizeof(hdr));
	end = 4 + k->s->iv + k->s->key + k->s->salt;
	for (i = 4; i < end; i++)
		k->raw[i] = (seed * 67 + i * 13 + 1) & 0xff;
	put_be64(k_seq(k), seq);
	k->len = end + 8;
}

static bool tls13(uint16_t version)
{
	return version == V13;
}

/* Bytes of the nonce each record carries (TLS 1.2 GCM and CCM). */
static unsigned int explicit_iv(uint16_t version, uint16_t cipher)
{
	return version == V12 && cipher != C_CHACHA ? 8 : 0;
}

/* Payload bytes a record adds to its plaintext (header excluded). */
static unsigned int rec_over(uint16_t version, uint16_t cipher)
{
	return explicit_iv(version, cipher) + 16 + (tls13(version) ? 1 : 0);
}

static unsigned int wire_len(uint16_t version, uint16_t cipher, size_t plain)
{
	return 5 + plain + rec_over(version, cipher);
}

/* Largest and smallest length field a receiver accepts in a header. */
static unsigned int len_max(uint16_t version, uint16_t cipher)
{
	return REC_MAX + rec_over(version, cipher);
}

static unsigned int len_min(uint16_t version, uint16_t cipher)
{
	return explicit_iv(version, cipher) + 16;
}

static void fill(void *buf, size_t len, unsigned int seed)
{
	unsigned char *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (i * 7 + seed * 13 + (i >> 9)) & 0xff;
}

/* ------------------------------------------------------------------------
 * Sockets
 */

static void set_timeo(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = ms % 1000 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int tcp_pair(int fds[2])
{
	if (rf_tcp_pair(AF_INET, fds))
		return -1;
	set_timeo(fds[0], TIMEO_MS);
	set_timeo(fds[1], TIMEO_MS);
	return 0;
}

static int ulp(int fd, const char *name)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, name, strlen(name) + 1);
}

static int set_key(int fd, int dir, const struct kinfo *k)
{
	return setsockopt(fd, SOL_TLS, dir, k->raw, k->len);
}

/*
 * A connected pair: [0] transmits with @txulp, [1] receives with @rxulp,
 * both with @k. A NULL ULP leaves that end plain TCP.
 */
static int tls_pair(int fds[2], const char *txulp, const char *rxulp,
		    const struct kinfo *k)
{
	if (tcp_pair(fds))
		return -1;
	if (txulp && (ulp(fds[0], txulp) || set_key(fds[0], TLS_TX, k)))
		return -1;
	if (rxulp && (ulp(fds[1], rxulp) || set_key(fds[1], TLS_RX, k)))
		return -1;
	return 0;
}

/* sendmsg() with a TLS_SET_RECORD_TYPE cmsg, unless @type is negative. */
static ssize_t send_rec(int fd, int type, const void *buf, size_t len,
			int flags)
{
	union {
		char buf[CMSG_SPACE(1)];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (type >= 0) {
		memset(&cb, 0, sizeof(cb));
		msg.msg_control = cb.buf;
		msg.msg_controllen = sizeof(cb.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_TLS;
		cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
		cmsg->cmsg_len = CMSG_LEN(1);
		*CMSG_DATA(cmsg) = type;
	}
	return sendmsg(fd, &msg, flags);
}

/*
 * recvmsg() with room for the record type cmsg: *type is the type, or -1
 * if none came; *mflags the msg_flags. errno is kept on failure.
 */
static ssize_t recv_rec(int fd, void *buf, size_t len, int flags, int *type,
			int *mflags)
{
	union {
		char buf[CMSG_SPACE(1)];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cb.buf,
			      .msg_controllen = sizeof(cb.buf) };
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&cb, 0, sizeof(cb));
	*type = -1;
	n = recvmsg(fd, &msg, flags);
	if (mflags)
		*mflags = msg.msg_flags;
	if (n < 0)
		return n;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_TLS &&
		    cmsg->cmsg_type == TLS_GET_RECORD_TYPE)
			*type = *CMSG_DATA(cmsg);
	return n;
}

static int write_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, (const char *)buf + done, len - done,
				 MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/* recv() until @len bytes came, end of stream or an error. */
static size_t recv_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

/* One record off a plain socket, header and payload; returns its size. */
static ssize_t raw_read(int fd, unsigned char *buf, size_t max)
{
	size_t len;

	if (recv(fd, buf, 5, MSG_WAITALL) != 5)
		return -1;
	len = (size_t)buf[3] << 8 | buf[4];
	if (5 + len > max)
		return -1;
	if (len && recv(fd, buf + 5, len, MSG_WAITALL) != (ssize_t)len)
		return -1;
	return 5 + len;
}

static int inq(int fd)
{
	int n = -1;

	ioctl(fd, FIONREAD, &n);
	return n;
}

static int poll_in(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	return pfd.revents;
}

/*
 * Until the peer's TCP acknowledged every byte @fd sent, up to WAIT_MS:
 * the bytes are then in the peer's receive queue, and what the peer's ULP
 * makes of them can be checked without a race. 0, or -1 if not in time.
 */
static int wait_acked(int fd)
{
	return rf_wait_acked(fd, WAIT_MS);
}

/*
 * A plain socket's bytes, until @want came (waiting up to WAIT_MS for
 * each part), then whatever more is already queued; returns the count.
 */
static size_t recv_want(int fd, unsigned char *buf, size_t want, size_t max)
{
	size_t got = 0;
	ssize_t n;

	while (got < max && poll_in(fd, got < want ? WAIT_MS : 0)) {
		n = recv(fd, buf + got, max - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

/* Forked sender: sends @len bytes in as few calls as it can. */
static pid_t fork_send(int fd, const void *buf, size_t len, int flags)
{
	pid_t pid = fork();

	if (pid == 0) {
		size_t done = 0;

		while (done < len) {
			ssize_t n = send(fd, (const char *)buf + done,
					 len - done, flags | MSG_NOSIGNAL);

			if (n <= 0)
				_exit(1);
			done += n;
		}
		_exit(0);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A tmpfs file (memfd) holding @len bytes of fill(seed). */
static int tmpfs_file(size_t len, unsigned int seed)
{
	static unsigned char buf[1 << 17];
	int fd = memfd_create("recframe-tls", 0);

	if (fd < 0 || len > sizeof(buf))
		return -1;
	fill(buf, len, seed);
	if (write(fd, buf, len) != (ssize_t)len)
		return -1;
	return fd;
}

static int get_info(int fd, struct recframe_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return getsockopt(fd, SOL_RECFRAME, RECFRAME_INFO, info, &len);
}

/* A counter of /proc/net/recframe_stat, -1 if missing. */
static long long pstat(const char *name)
{
	char line[256], key[128];
	unsigned long long val;
	long long ret = -1;
	FILE *f = fopen("/proc/net/recframe_stat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %llu", key, &val) == 2 &&
		    !strcmp(key, name))
			ret = val;
	fclose(f);
	return ret;
}

static int netns_fresh(void)
{
	struct ifreq ifr;
	int fd, ret;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!ret)
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------------
 * Userspace AEAD through AF_ALG: an independent record encoder/decoder.
 */

static int aead_open(struct kinfo *k)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG,
				   .salg_type = "aead" };
	int fd;

	strncpy((char *)sa.salg_name, k->s->alg, sizeof(sa.salg_name) - 1);
	fd = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_ALG, ALG_SET_KEY, k_key(k), k->s->key) ||
	    setsockopt(fd, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* @in: AAD then text; @out gets AAD then the result. Returns its size. */
static ssize_t aead_op(int tfm, bool enc, const unsigned char *iv,
		       unsigned int ivlen, unsigned int alen, const void *in,
		       size_t inlen, void *out, size_t outlen)
{
	union {
		char buf[CMSG_SPACE(4) + CMSG_SPACE(4 + 16) + CMSG_SPACE(4)];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { .iov_base = (void *)in, .iov_len = inlen };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cb.buf,
			      .msg_controllen = sizeof(cb.buf) };
	struct af_alg_iv *aiv;
	struct cmsghdr *c;
	ssize_t n;
	int op;

	memset(&cb, 0, sizeof(cb));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = enc ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT;
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(4 + 16);
	aiv = (struct af_alg_iv *)CMSG_DATA(c);
	aiv->ivlen = ivlen;
	memcpy(aiv->iv, iv, ivlen);
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = alen;

	op = accept(tfm, NULL, 0);
	if (op < 0)
		return -errno;
	n = sendmsg(op, &msg, 0);
	if (n != (ssize_t)inlen) {
		n = n < 0 ? -errno : -EIO;
		close(op);
		return n;
	}
	n = read(op, out, outlen);
	if (n < 0)
		n = -errno;
	close(op);
	return n;
}

/* The AEAD nonce of a record, as the crypto API wants it; returns its size. */
static unsigned int rec_nonce(struct kinfo *k, uint64_t seq,
			      const unsigned char *explicit,
			      unsigned char *out)
{
	unsigned char n[12], s[8];
	unsigned int i;

	if (explicit_iv(k->version, k->cipher)) {
		memcpy(n, k_salt(k), 4);
		memcpy(n + 4, explicit, 8);
	} else {
		memcpy(n, k_salt(k), k->s->salt);
		memcpy(n + k->s->salt, k_iv(k), k->s->iv);
		put_be64(s, seq);
		for (i = 0; i < 8; i++)
			n[4 + i] ^= s[i];
	}
	if (k->cipher == C_CCM) {
		memset(out, 0, 16);
		out[0] = 2;	/* L' = L - 1, L = 3 */
		memcpy(out + 1, n, 12);
		return 16;
	}
	memcpy(out, n, 12);
	return 12;
}

/*
 * Seal one record with sequence number @seq: @type, @len bytes of @data
 * and, in TLS 1.3, @pad zero bytes of padding after the content type.
 * TLS 1.2 GCM/CCM send @seq as their explicit nonce. Returns its size.
 */
static ssize_t rec_seal(int tfm, struct kinfo *k, uint64_t seq, int type,
			const void *data, size_t len, size_t pad,
			unsigned char *out)
{
	static unsigned char in[13 + REC_MAX + 512], res[13 + REC_MAX + 600];
	unsigned int eiv = explicit_iv(k->version, k->cipher);
	unsigned char nonce[16], *p;
	size_t plen, clen, alen;
	unsigned int nlen;
	ssize_t n;

	plen = len + (tls13(k->version) ? 1 + pad : 0);
	clen = plen + 16;
	if (plen > REC_MAX + 300)
		return -EMSGSIZE;
	out[0] = tls13(k->version) ? T_DATA : type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (eiv + clen) >> 8;
	out[4] = (eiv + clen) & 0xff;
	if (eiv)
		put_be64(out + 5, seq);
	nlen = rec_nonce(k, seq, out + 5, nonce);
	if (tls13(k->version)) {
		memcpy(in, out, 5);
		alen = 5;
	} else {
		put_be64(in, seq);
		in[8] = type;
		in[9] = 3;
		in[10] = 3;
		in[11] = len >> 8;
		in[12] = len & 0xff;
		alen = 13;
	}
	p = in + alen;
	memcpy(p, data, len);
	if (tls13(k->version)) {
		p[len] = type;
		memset(p + len + 1, 0, pad);
	}
	n = aead_op(tfm, true, nonce, nlen, alen, in, alen + plen, res,
		    alen + clen);
	if (n < 0)
		return n;
	if (n != (ssize_t)(alen + clen))
		return -EIO;
	memcpy(out + 5 + eiv, res + alen, clen);
	return 5 + eiv + clen;
}

/*
 * Open a record sealed with sequence number @seq: the plaintext goes to
 * @out, its type to *type. Returns the plaintext's size or -errno.
 */
static ssize_t rec_open(int tfm, struct kinfo *k, uint64_t seq,
			const unsigned char *rec, size_t reclen, int *type,
			unsigned char *out)
{
	static unsigned char in[13 + WIRE_MAX], res[13 + WIRE_MAX];
	unsigned int eiv = explicit_iv(k->version, k->cipher);
	unsigned char nonce[16];
	size_t clen, plen, alen;
	unsigned int nlen;
	ssize_t n;

	if (reclen < 5 + eiv + 16)
		return -EBADMSG;
	clen = reclen - 5 - eiv;
	plen = clen - 16;
	nlen = rec_nonce(k, seq, rec + 5, nonce);
	if (tls13(k->version)) {
		memcpy(in, rec, 5);
		alen = 5;
	} else {
		put_be64(in, seq);
		in[8] = rec[0];
		in[9] = 3;
		in[10] = 3;
		in[11] = plen >> 8;
		in[12] = plen & 0xff;
		alen = 13;
	}
	memcpy(in + alen, rec + 5 + eiv, clen);
	n = aead_op(tfm, false, nonce, nlen, alen, in, alen + clen, res,
		    alen + plen);
	if (n < 0)
		return n;
	if (n != (ssize_t)(alen + plen))
		return -EIO;
	if (tls13(k->version)) {
		while (plen && !res[alen + plen - 1])
			plen--;
		if (!plen)
			return -EBADMSG;
		*type = res[alen + plen - 1];
		plen--;
	} else {
		*type = rec[0];
	}
	memcpy(out, res + alen, plen);
	return plen;
}

/* ------------------------------------------------------------------------
 * Asynchronous crypto: crypto_user and /proc/crypto
 */

/* One crypto_user request on the algorithm with driver name @driver. */
static int cu_request(int type, const char *driver, uint32_t prio)
{
	struct {
		struct nlmsghdr		n;
		struct crypto_user_alg	a;
		struct nlattr		attr;
		uint32_t		prio;
	} req;
	struct {
		struct nlmsghdr		n;
		struct nlmsgerr		e;
		char			pad[512];
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, err;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.a));
	req.n.nlmsg_type = type;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.n.nlmsg_seq = 1;
	snprintf(req.a.cru_driver_name, sizeof(req.a.cru_driver_name), "%s",
		 driver);
	req.a.cru_type = CRYPTO_ALG_TYPE_AEAD;
	req.a.cru_mask = CRYPTO_ALG_TYPE_MASK;
	if (prio) {
		req.attr.nla_len = NLA_HDRLEN + sizeof(uint32_t);
		req.attr.nla_type = CRYPTOCFGA_PRIORITY_VAL;
		req.prio = prio;
		req.n.nlmsg_len = NLMSG_ALIGN(req.n.nlmsg_len) +
				  req.attr.nla_len;
	}

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_CRYPTO);
	if (fd < 0)
		return -errno;
	set_timeo(fd, 10000);
	if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	n = recv(fd, &ack, sizeof(ack), 0);
	close(fd);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(ack.e)) ||
	    ack.n.nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ack.e.error;
}

struct calg {
	char	name[128];
	char	driver[128];
	char	type[32];
	char	selftest[32];
	int	priority;
	int	refcnt;
	bool	async;
	bool	internal;
};

static void scopy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Walk /proc/crypto: the entry of driver @driver goes to *found (returns
 * 0 if there is one); *best_other is the highest priority of the other
 * non-internal implementations named @name.
 */
static int crypto_scan(const char *driver, const char *name,
		       struct calg *found, int *best_other)
{
	char line[256], key[64], val[192];
	struct calg cur;
	bool have = false;
	int ret = -1;
	FILE *f = fopen("/proc/crypto", "r");

	*best_other = -1;
	if (!f)
		return -1;
	memset(&cur, 0, sizeof(cur));
	for (;;) {
		bool eof = !fgets(line, sizeof(line), f);

		if (eof || line[0] == '\n') {
			if (have && !strcmp(cur.driver, driver)) {
				*found = cur;
				ret = 0;
			} else if (have && !strcmp(cur.name, name) &&
				   !cur.internal && cur.priority > *best_other) {
				*best_other = cur.priority;
			}
			memset(&cur, 0, sizeof(cur));
			have = false;
			if (eof)
				break;
			continue;
		}
		if (sscanf(line, "%63s : %191[^\n]", key, val) != 2)
			continue;
		have = true;
		if (!strcmp(key, "name"))
			scopy(cur.name, sizeof(cur.name), val);
		else if (!strcmp(key, "driver"))
			scopy(cur.driver, sizeof(cur.driver), val);
		else if (!strcmp(key, "type"))
			scopy(cur.type, sizeof(cur.type), val);
		else if (!strcmp(key, "selftest"))
			scopy(cur.selftest, sizeof(cur.selftest), val);
		else if (!strcmp(key, "priority"))
			cur.priority = atoi(val);
		else if (!strcmp(key, "refcnt"))
			cur.refcnt = atoi(val);
		else if (!strcmp(key, "async"))
			cur.async = !strcmp(val, "yes");
		else if (!strcmp(key, "internal"))
			cur.internal = !strcmp(val, "yes");
	}
	fclose(f);
	return ret;
}

/*
 * Make pcrypt(<generic driver>) the implementation of @s's algorithm: an
 * AEAD that always completes asynchronously (padata runs the request on a
 * worker and calls back), unlike the SIMD wrappers, which only defer to
 * cryptd when the FPU is unusable. cryptd(...) itself cannot be used on
 * 6.1: cryptd_aead_crypt() leaves req->base.tfm and req->base.complete
 * changed, the crypto self-test catches it ("encryption corrupted request
 * struct") and WARNs when the instance is registered.
 */
static int async_install(const struct suite *s, char *drv, size_t len,
			 uint32_t prio)
{
	int err;

	snprintf(drv, len, "pcrypt(%s)", s->generic);
	err = cu_request(CRYPTO_MSG_NEWALG, drv, prio);
	if (err == -EEXIST)
		err = cu_request(CRYPTO_MSG_UPDATEALG, drv, prio);
	return err;
}

/* ------------------------------------------------------------------------
 * Variants
 */

/* X(version name, version, cipher name, cipher) for each combination. */
#define FOR_SUITES(X) \
	X(12, V12, gcm128, C_G128) \
	X(12, V12, gcm256, C_G256) \
	X(12, V12, ccm128, C_CCM) \
	X(12, V12, chacha, C_CHACHA) \
	X(13, V13, gcm128, C_G128) \
	X(13, V13, gcm256, C_G256) \
	X(13, V13, ccm128, C_CCM) \
	X(13, V13, chacha, C_CHACHA)

#define PEER_VARIANTS(fix, vn, v, cn, c) \
	FIXTURE_VARIANT_ADD(fix, vn##_##cn##_rf2tls) { \
		.version = v, .cipher = c, .tx = "recframe", .rx = "tls", }; \
	FIXTURE_VARIANT_ADD(fix, vn##_##cn##_tls2rf) { \
		.version = v, .cipher = c, .tx = "tls", .rx = "recframe", }; \
	FIXTURE_VARIANT_ADD(fix, vn##_##cn##_rf2rf) { \
		.version = v, .cipher = c, .tx = "recframe", .rx = "recframe", };

/* ------------------------------------------------------------------------
 * Data path tests, shared by the interop and async fixtures
 */

struct env {
	uint16_t	version, cipher;
	const char	*txulp, *rxulp;
	int		tx, rx;		/* tx sends with txulp to rx */
	struct kinfo	k;
};

static bool is_rf(const char *name)
{
	return !strcmp(name, RECFRAME_ULP_NAME);
}

static void env_setup(struct __test_metadata *_metadata, struct env *e,
		      uint16_t version, uint16_t cipher, const char *txulp,
		      const char *rxulp)
{
	int fds[2];

	e->tx = e->rx = -1;
	e->version = version;
	e->cipher = cipher;
	e->txulp = txulp;
	e->rxulp = rxulp;
	kinfo_init(&e->k, version, cipher, 1, 0);
	ASSERT_EQ(0, tls_pair(fds, txulp, rxulp, &e->k));
	e->tx = fds[0];
	e->rx = fds[1];
}

static void env_teardown(struct env *e)
{
	if (e->tx >= 0)
		close(e->tx);
	if (e->rx >= 0)
		close(e->rx);
}

/*
 * A plain hop: src transmits with txulp to a plain socket (cap), inj (plain)
 * sends to dst, which receives with rxulp. Same keys both ways.
 */
struct relay {
	int src, cap, inj, dst;
};

static void relay_open(struct __test_metadata *_metadata, struct relay *r,
		       const char *txulp, const char *rxulp,
		       const struct kinfo *k)
{
	int a[2], b[2];

	ASSERT_EQ(0, tls_pair(a, txulp, NULL, k));
	ASSERT_EQ(0, tls_pair(b, NULL, rxulp, k));
	r->src = a[0];
	r->cap = a[1];
	r->inj = b[0];
	r->dst = b[1];
}

static void relay_close(struct relay *r)
{
	close(r->src);
	close(r->cap);
	close(r->inj);
	close(r->dst);
}

#define BODY(name) \
	static void body_##name(struct __test_metadata *_metadata, \
				struct env *e)

/* A small message arrives whole, as one data record with MSG_EOR. */
BODY(small)
{
	char buf[100], in[256];
	int type, fl;

	fill(buf, sizeof(buf), 1);
	ASSERT_EQ(100, send(e->tx, buf, 100, 0));
	EXPECT_EQ(100, recv_rec(e->rx, in, sizeof(in), 0, &type, &fl));
	EXPECT_EQ(T_DATA, type);
	EXPECT_TRUE(fl & MSG_EOR);
	EXPECT_EQ(0, memcmp(buf, in, 100));
	EXPECT_EQ(-1, recv(e->rx, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/* One large send; the receiver gets every byte in order. */
BODY(large)
{
	static char buf[40000], in[40000];
	pid_t pid;

	fill(buf, sizeof(buf), 2);
	pid = fork_send(e->tx, buf, sizeof(buf), 0);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(sizeof(in), recv_all(e->rx, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(buf, in, sizeof(in)));
	EXPECT_EQ(0, wait_status(pid));
}

/*
 * On the wire, a 40000-byte send is three records of 16384, 16384 and
 * 7232 bytes of plaintext; forwarded, they decrypt to the bytes sent.
 */
BODY(wire_records)
{
	static unsigned char buf[40000], in[40000], rec[3][WIRE_MAX];
	const size_t plain[3] = { 16384, 16384, 40000 - 2 * 16384 };
	struct relay r;
	ssize_t n[3];
	int i;

	relay_open(_metadata, &r, e->txulp, e->rxulp, &e->k);
	fill(buf, sizeof(buf), 3);
	ASSERT_EQ((ssize_t)sizeof(buf), send(r.src, buf, sizeof(buf), 0));
	for (i = 0; i < 3; i++) {
		n[i] = raw_read(r.cap, rec[i], sizeof(rec[i]));
		EXPECT_EQ(wire_len(e->version, e->cipher, plain[i]), n[i]);
		EXPECT_LE(n[i], 5 + len_max(e->version, e->cipher));
		EXPECT_EQ(T_DATA, rec[i][0]);
		EXPECT_EQ(3, rec[i][1]);
		EXPECT_EQ(3, rec[i][2]);
	}
	/* Nothing more came: all that was sent is there. */
	EXPECT_EQ(0, wait_acked(r.src));
	EXPECT_EQ(0, inq(r.cap));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, write_all(r.inj, rec[i], n[i]));
	EXPECT_EQ(sizeof(in), recv_all(r.dst, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(buf, in, sizeof(in)));
	relay_close(&r);
}

/* Two MSG_MORE sends and a plain one make a single record. */
BODY(msg_more)
{
	unsigned char buf[600], in[1024], rec[WIRE_MAX];
	struct relay r;
	ssize_t n;

	relay_open(_metadata, &r, e->txulp, e->rxulp, &e->k);
	fill(buf, sizeof(buf), 4);
	ASSERT_EQ(100, send(r.src, buf, 100, MSG_MORE));
	ASSERT_EQ(200, send(r.src, buf + 100, 200, MSG_MORE));
	EXPECT_EQ(0, wait_acked(r.src));
	EXPECT_EQ(0, inq(r.cap));
	ASSERT_EQ(300, send(r.src, buf + 300, 300, 0));
	n = raw_read(r.cap, rec, sizeof(rec));
	EXPECT_EQ(wire_len(e->version, e->cipher, 600), n);
	EXPECT_EQ(0, wait_acked(r.src));
	EXPECT_EQ(0, inq(r.cap));
	ASSERT_EQ(0, write_all(r.inj, rec, n));
	EXPECT_EQ(600, recv(r.dst, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(buf, in, 600));
	relay_close(&r);
}

/* An open MSG_MORE record is not readable until it is closed. */
BODY(msg_more_pending)
{
	char buf[100], in[256];

	fill(buf, sizeof(buf), 5);
	ASSERT_EQ(50, send(e->tx, buf, 50, MSG_MORE));
	EXPECT_EQ(0, poll_in(e->rx, 50));
	ASSERT_EQ(50, send(e->tx, buf + 50, 50, 0));
	EXPECT_EQ(100, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(buf, in, 100));
}

/*
 * A control record: EIO (and it stays queued) without cmsg room or with
 * a cmsg buffer too small; peeked, then read with its type.
 */
BODY(control)
{
	const char alert[6] = { 1, 0, 'a', 'b', 'c', 'd' };
	union {
		char buf[sizeof(struct cmsghdr)];
		struct cmsghdr align;
	} small;
	struct iovec iov;
	struct msghdr msg;
	char in[256];
	int type, fl;

	ASSERT_EQ(6, send_rec(e->tx, T_ALERT, alert, 6, 0));
	EXPECT_EQ(-1, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, recv(e->rx, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EIO, errno);
	iov.iov_base = in;
	iov.iov_len = sizeof(in);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = small.buf;
	msg.msg_controllen = sizeof(small.buf);
	EXPECT_EQ(-1, recvmsg(e->rx, &msg, 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(6, recv_rec(e->rx, in, sizeof(in), MSG_PEEK, &type, NULL));
	EXPECT_EQ(T_ALERT, type);
	memset(in, 0, sizeof(in));
	EXPECT_EQ(6, recv_rec(e->rx, in, sizeof(in), 0, &type, &fl));
	EXPECT_EQ(T_ALERT, type);
	EXPECT_TRUE(fl & MSG_EOR);
	EXPECT_EQ(0, memcmp(alert, in, 6));
	/* The stream goes on. */
	ASSERT_EQ(3, send(e->tx, "xyz", 3, 0));
	EXPECT_EQ(3, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("xyz", in, 3));
}

/*
 * TLS_SET_RECORD_TYPE with MSG_MORE is EINVAL and sends nothing; a
 * control record closes the data record left open by MSG_MORE.
 */
BODY(control_more)
{
	char in[256];
	int type;

	EXPECT_EQ(-1, send_rec(e->tx, T_HS, "hello", 5, MSG_MORE));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(3, send(e->tx, "abc", 3, MSG_MORE));
	ASSERT_EQ(2, send_rec(e->tx, T_ALERT, "zz", 2, 0));
	EXPECT_EQ(3, recv_rec(e->rx, in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(T_DATA, type);
	EXPECT_EQ(0, memcmp("abc", in, 3));
	EXPECT_EQ(2, recv_rec(e->rx, in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(T_ALERT, type);
	EXPECT_EQ(0, memcmp("zz", in, 2));
	EXPECT_EQ(-1, recv(e->rx, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/* One recvmsg never returns bytes of two record types, MSG_WAITALL or not. */
BODY(no_mix)
{
	char in[64];
	int type;

	ASSERT_EQ(4, send(e->tx, "AAAA", 4, 0));
	ASSERT_EQ(2, send_rec(e->tx, T_HS, "BB", 2, 0));
	ASSERT_EQ(6, send(e->tx, "CCCCCC", 6, 0));
	ASSERT_EQ(3, send_rec(e->tx, T_ALERT, "DDD", 3, 0));
	ASSERT_EQ(2, send(e->tx, "EE", 2, 0));
	/* All five records at the receiver before the first read. */
	EXPECT_EQ(0, wait_acked(e->tx));
	EXPECT_EQ(4, recv_rec(e->rx, in, 12, MSG_WAITALL, &type, NULL));
	EXPECT_EQ(T_DATA, type);
	EXPECT_EQ(0, memcmp("AAAA", in, 4));
	EXPECT_EQ(2, recv_rec(e->rx, in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(T_HS, type);
	EXPECT_EQ(0, memcmp("BB", in, 2));
	EXPECT_EQ(6, recv_rec(e->rx, in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(T_DATA, type);
	EXPECT_EQ(0, memcmp("CCCCCC", in, 6));
	EXPECT_EQ(3, recv_rec(e->rx, in, sizeof(in), MSG_WAITALL, &type,
			      NULL));
	EXPECT_EQ(T_ALERT, type);
	EXPECT_EQ(2, recv_rec(e->rx, in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(T_DATA, type);
	EXPECT_EQ(0, memcmp("EE", in, 2));
}

/*
 * Data records that are all there come back from one recv, as kTLS
 * returns them (tls_sw_recvmsg goes on while a record is ready).
 */
BODY(coalesce)
{
	char in[256];
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(10, send(e->tx, "0123456789", 10, 0));
	EXPECT_EQ(0, wait_acked(e->tx));
	EXPECT_EQ(30, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("012345678901234567890123456789", in, 30));
}

/* Peeks return the same bytes every time; a read then consumes them. */
BODY(peek)
{
	char in[64];
	int i;

	ASSERT_EQ(10, send(e->tx, "0123456789", 10, 0));
	for (i = 0; i < 20; i++) {
		memset(in, 0, sizeof(in));
		EXPECT_EQ(5, recv(e->rx, in, 5, MSG_PEEK));
		EXPECT_EQ(0, memcmp("01234", in, 5));
	}
	EXPECT_EQ(10, recv(e->rx, in, sizeof(in), MSG_PEEK));
	EXPECT_EQ(0, memcmp("0123456789", in, 10));
	EXPECT_EQ(3, recv(e->rx, in, 3, 0));
	EXPECT_EQ(0, memcmp("012", in, 3));
	memset(in, 0, sizeof(in));
	EXPECT_EQ(7, recv(e->rx, in, sizeof(in), MSG_PEEK));
	EXPECT_EQ(0, memcmp("3456789", in, 7));
	EXPECT_EQ(7, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("3456789", in, 7));
	EXPECT_EQ(-1, recv(e->rx, in, sizeof(in), MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * MSG_PEEK | MSG_WAITALL sees across data records with kTLS; recframe
 * keeps one decrypted record per socket (nothing allocated per record), so
 * a peek shows the first record only: a documented difference.
 */
BODY(peek_records)
{
	char in[64];

	ASSERT_EQ(14, send(e->tx, "test_read_peek", 14, 0));
	ASSERT_EQ(11, send(e->tx, "_mult_recs", 11, 0));
	if (is_rf(e->rxulp)) {
		EXPECT_EQ(14, recv(e->rx, in, 25, MSG_PEEK | MSG_WAITALL));
		EXPECT_EQ(0, memcmp("test_read_peek", in, 14));
	} else {
		EXPECT_EQ(25, recv(e->rx, in, 25, MSG_PEEK | MSG_WAITALL));
		EXPECT_EQ(0, memcmp("test_read_peek_mult_recs", in, 25));
	}
	memset(in, 0, sizeof(in));
	EXPECT_EQ(25, recv(e->rx, in, 25, MSG_WAITALL));
	EXPECT_EQ(0, memcmp("test_read_peek_mult_recs", in, 25));
}

/* 7-byte reads through records of several sizes. */
BODY(partial_reads)
{
	static char buf[12000], in[12000];
	size_t got = 0;
	ssize_t n;

	fill(buf, sizeof(buf), 6);
	ASSERT_EQ(5000, send(e->tx, buf, 5000, 0));
	ASSERT_EQ(7000, send(e->tx, buf + 5000, 7000, 0));
	while (got < sizeof(in)) {
		n = recv(e->rx, in + got, 7, 0);
		if (n <= 0)
			break;
		EXPECT_GE(7, n);
		got += n;
	}
	EXPECT_EQ(sizeof(in), got);
	EXPECT_EQ(0, memcmp(buf, in, sizeof(in)));
}

/* MSG_WAITALL fills the buffer from several records, waiting for the last. */
BODY(waitall)
{
	static char buf[3000], in[3000];
	pid_t pid;

	fill(buf, sizeof(buf), 7);
	ASSERT_EQ(1000, send(e->tx, buf, 1000, 0));
	ASSERT_EQ(1000, send(e->tx, buf + 1000, 1000, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		usleep(30000);
		_exit(send(e->tx, buf + 2000, 1000, 0) != 1000);
	}
	EXPECT_EQ(3000, recv(e->rx, in, sizeof(in), MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, in, sizeof(in)));
	EXPECT_EQ(0, wait_status(pid));
}

/* SO_RCVLOWAT: reads go on through records until that many bytes came. */
BODY(lowat)
{
	const char mem[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	int lowat = 8;
	char in[20];

	ASSERT_EQ(10, send(e->tx, mem, 10, 0));
	ASSERT_EQ(5, send(e->tx, mem, 5, 0));
	ASSERT_EQ(0, setsockopt(e->rx, SOL_SOCKET, SO_RCVLOWAT, &lowat,
				sizeof(lowat)));
	EXPECT_EQ(1, recv(e->rx, in, 1, MSG_WAITALL));
	EXPECT_EQ(6, recv(e->rx, in + 1, 6, MSG_WAITALL));
	EXPECT_EQ(8, recv(e->rx, in + 7, 10, 0));
	EXPECT_EQ(0, memcmp(mem, in, 10));
	EXPECT_EQ(0, memcmp(mem, in + 10, 5));
}

/* sendfile() of a tmpfs file: the bytes arrive intact. */
BODY(sendfile)
{
	static char want[40000], in[40000];
	off_t off = 0;
	pid_t pid;
	int fd;

	fd = tmpfs_file(sizeof(want), 8);
	ASSERT_LE(0, fd);
	/* Encryption never writes the file's pages: the hint is harmless. */
	{
		unsigned int one = 1;

		ASSERT_EQ(0, setsockopt(e->tx, SOL_TLS, TLS_TX_ZEROCOPY_RO,
					&one, sizeof(one)));
	}
	fill(want, sizeof(want), 8);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		size_t done = 0;

		while (done < sizeof(want)) {
			ssize_t n = sendfile(e->tx, fd, &off,
					     sizeof(want) - done);

			if (n <= 0)
				_exit(1);
			done += n;
		}
		_exit(0);
	}
	EXPECT_EQ(sizeof(in), recv_all(e->rx, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(want, in, sizeof(in)));
	EXPECT_EQ(0, wait_status(pid));
	close(fd);
}

/* sendfile() is cut into 16 KiB records too, and a small one closes it. */
BODY(sendfile_wire)
{
	static unsigned char want[40000], in[40000], rec[WIRE_MAX];
	const size_t plain[3] = { 16384, 16384, 40000 - 2 * 16384 };
	struct relay r;
	off_t off = 0;
	size_t got;
	ssize_t n;
	int fd, i;

	fd = tmpfs_file(sizeof(want), 9);
	ASSERT_LE(0, fd);
	fill(want, sizeof(want), 9);
	relay_open(_metadata, &r, e->txulp, e->rxulp, &e->k);
	ASSERT_EQ((ssize_t)sizeof(want),
		  sendfile(r.src, fd, &off, sizeof(want)));
	for (i = 0, got = 0; got < sizeof(want) && i < 20; i++) {
		n = raw_read(r.cap, rec, sizeof(rec));
		ASSERT_LT(0, n);
		if (i < 3)
			EXPECT_EQ(wire_len(e->version, e->cipher, plain[i]), n)
				TH_LOG("record %d", i);
		got += n - wire_len(e->version, e->cipher, 0);
		ASSERT_EQ(0, write_all(r.inj, rec, n));
	}
	EXPECT_EQ(3, i) TH_LOG("%d records for %zu bytes", i, sizeof(want));
	EXPECT_EQ(sizeof(want), got);
	EXPECT_EQ(0, wait_acked(r.src));
	EXPECT_EQ(0, inq(r.cap));
	EXPECT_EQ(sizeof(in), recv_all(r.dst, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(want, in, sizeof(in)));
	relay_close(&r);
	close(fd);
}

/* splice() from the receiving socket into a pipe moves the plaintext. */
BODY(splice_read)
{
	static char buf[18000], in[18000];
	size_t got = 0;
	ssize_t n;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	fill(buf, sizeof(buf), 10);
	ASSERT_EQ(1000, send(e->tx, buf, 1000, 0));
	EXPECT_EQ(1000, splice(e->rx, NULL, p[1], NULL, 4096, 0));
	EXPECT_EQ(1000, read(p[0], in, sizeof(in)));
	EXPECT_EQ(0, memcmp(buf, in, 1000));
	ASSERT_EQ(17000, send(e->tx, buf + 1000, 17000, 0));
	while (got < 17000) {
		n = splice(e->rx, NULL, p[1], NULL, 17000 - got, 0);
		if (n <= 0)
			break;
		EXPECT_EQ(n, read(p[0], in + got, n));
		got += n;
	}
	EXPECT_EQ(17000, got);
	EXPECT_EQ(0, memcmp(buf + 1000, in, 17000));
	close(p[0]);
	close(p[1]);
}

/* A control record cannot be spliced (EINVAL); it stays for recvmsg. */
BODY(splice_control)
{
	char in[64];
	int p[2], type;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(3, send_rec(e->tx, T_ALERT, "ctl", 3, 0));
	EXPECT_EQ(-1, splice(e->rx, NULL, p[1], NULL, 4096, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(3, recv_rec(e->rx, in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(T_ALERT, type);
	EXPECT_EQ(0, memcmp("ctl", in, 3));
	close(p[0]);
	close(p[1]);
}

/* Both directions at once, with a second set of keys. */
BODY(bidir)
{
	static char a[20000], b[20000], ina[20000], inb[20000];
	struct kinfo k2;
	pid_t pid;

	kinfo_init(&k2, e->version, e->cipher, 2, 77);
	ASSERT_EQ(0, set_key(e->rx, TLS_TX, &k2));
	ASSERT_EQ(0, set_key(e->tx, TLS_RX, &k2));
	fill(a, sizeof(a), 11);
	fill(b, sizeof(b), 12);
	pid = fork_send(e->rx, b, sizeof(b), 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ((ssize_t)sizeof(a), send(e->tx, a, sizeof(a), 0));
	EXPECT_EQ(sizeof(ina), recv_all(e->rx, ina, sizeof(ina)));
	EXPECT_EQ(sizeof(inb), recv_all(e->tx, inb, sizeof(inb)));
	EXPECT_EQ(0, memcmp(a, ina, sizeof(a)));
	EXPECT_EQ(0, memcmp(b, inb, sizeof(b)));
	EXPECT_EQ(0, wait_status(pid));
}

/* A FIN between records reads as end of stream once the data is read. */
BODY(eof)
{
	char in[64];

	ASSERT_EQ(10, send(e->tx, "0123456789", 10, 0));
	ASSERT_EQ(0, shutdown(e->tx, SHUT_WR));
	EXPECT_EQ(10, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, recv(e->rx, in, sizeof(in), 0));
}

/* Without data: EAGAIN with MSG_DONTWAIT, and after SO_RCVTIMEO. */
BODY(timeout)
{
	char in[64];

	EXPECT_EQ(-1, recv(e->rx, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	set_timeo(e->rx, 50);
	EXPECT_EQ(-1, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, poll_in(e->rx, 0));
}

/* poll: no POLLIN until the last byte of a record is there. */
BODY(poll_partial)
{
	unsigned char rec[WIRE_MAX];
	char buf[200], in[256];
	struct relay r;
	ssize_t n;

	relay_open(_metadata, &r, e->txulp, e->rxulp, &e->k);
	fill(buf, sizeof(buf), 13);
	ASSERT_EQ(200, send(r.src, buf, 200, 0));
	n = raw_read(r.cap, rec, sizeof(rec));
	ASSERT_EQ(wire_len(e->version, e->cipher, 200), n);
	ASSERT_EQ(0, write_all(r.inj, rec, n - 1));
	/*
	 * kTLS's poll is TCP's: POLLIN for any byte queued. recframe's
	 * waits for a whole record, as for plaintext framing.
	 */
	EXPECT_EQ(0, wait_acked(r.inj));
	EXPECT_EQ(is_rf(e->rxulp) ? 0 : POLLIN, poll_in(r.dst, 0) & POLLIN);
	EXPECT_EQ(-1, recv(r.dst, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, write_all(r.inj, rec + n - 1, 1));
	EXPECT_EQ(POLLIN, poll_in(r.dst, WAIT_MS) & (POLLIN | POLLERR));
	EXPECT_EQ(200, recv(r.dst, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(buf, in, 200));
	relay_close(&r);
}

/* recvmsg with several iovecs, for data and for a control record. */
BODY(iovecs)
{
	char first[32], later[64], expect[64], payload[32], a[7], b[7], c[7];
	struct iovec iov3[3] = { { a, 7 }, { b, 7 }, { c, 7 } };
	struct iovec iov2[2] = { { first, sizeof(first) },
				 { later, sizeof(later) } };
	union {
		char buf[CMSG_SPACE(1)];
		struct cmsghdr align;
	} cb;
	struct msghdr msg;
	int i;

	ASSERT_EQ(20, send(e->tx, "abcdefghijklmnopqrst", 20, 0));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov3;
	msg.msg_iovlen = 3;
	EXPECT_EQ(20, recvmsg(e->rx, &msg, 0));
	EXPECT_EQ(0, memcmp("abcdefg", a, 7));
	EXPECT_EQ(0, memcmp("hijklmn", b, 7));
	EXPECT_EQ(0, memcmp("opqrst", c, 6));

	/* A control record filling the first iovec exactly. */
	for (i = 0; i < 32; i++)
		payload[i] = 0x40 + i;
	memset(first, 0xa5, sizeof(first));
	memset(later, 0x5a, sizeof(later));
	memset(expect, 0x5a, sizeof(expect));
	ASSERT_EQ(32, send_rec(e->tx, T_HS, payload, 32, 0));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov2;
	msg.msg_iovlen = 2;
	msg.msg_control = cb.buf;
	msg.msg_controllen = sizeof(cb.buf);
	EXPECT_EQ(32, recvmsg(e->rx, &msg, 0));
	EXPECT_EQ(0, memcmp(first, payload, 32));
	EXPECT_EQ(0, memcmp(later, expect, sizeof(later)));
}

/*
 * Close with data in flight: a blocked sender, records queued and not
 * decrypted, the receiver closed first.
 */
BODY(close_inflight)
{
	static char buf[64000], in[20000];
	pid_t pid;

	fill(buf, sizeof(buf), 14);
	pid = fork_send(e->tx, buf, sizeof(buf), 0);
	ASSERT_LT(0, pid);
	EXPECT_EQ(sizeof(in), recv_all(e->rx, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(buf, in, sizeof(in)));
	usleep(10000);
	close(e->rx);
	e->rx = -1;
	/* The sender fails or times out; either way it ends. */
	EXPECT_NE(-1, wait_status(pid));
	close(e->tx);
	e->tx = -1;
}

/* recframe flushes a MSG_MORE record at shutdown(SHUT_WR) (not kTLS). */
BODY(shutdown_flushes)
{
	char in[64];

	if (!is_rf(e->txulp))
		return;
	ASSERT_EQ(10, send(e->tx, "0123456789", 10, MSG_MORE));
	ASSERT_EQ(0, shutdown(e->tx, SHUT_WR));
	EXPECT_EQ(10, recv(e->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("0123456789", in, 10));
	EXPECT_EQ(0, recv(e->rx, in, sizeof(in), 0));
}

typedef void (*body_fn)(struct __test_metadata *_metadata, struct env *e);

/* Each body on a fresh pair. */
static void run_bodies(struct __test_metadata *_metadata, uint16_t version,
		       uint16_t cipher, const char *txulp, const char *rxulp,
		       const body_fn *fns, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct env e;

		env_setup(_metadata, &e, version, cipher, txulp, rxulp);
		fns[i](_metadata, &e);
		env_teardown(&e);
	}
}

#define GROUP(fix, name, ...) \
	TEST_F(fix, name) \
	{ \
		const body_fn fns[] = { __VA_ARGS__ }; \
		GROUP_CHECK(); \
		run_bodies(_metadata, variant->version, variant->cipher, \
			   variant->tx, variant->rx, fns, ARRAY_SIZE(fns)); \
	}

/* ------------------------------------------------------------------------
 * interop fixture
 */

FIXTURE(interop)
{
	struct env e;
};

FIXTURE_VARIANT(interop)
{
	uint16_t	version, cipher;
	const char	*tx, *rx;
};

#define INTEROP_VARIANTS(vn, v, cn, c) PEER_VARIANTS(interop, vn, v, cn, c)
FOR_SUITES(INTEROP_VARIANTS)

FIXTURE_SETUP(interop)
{
	/* The tests make a fresh pair for each of their parts. */
	self->e.tx = self->e.rx = -1;
}

FIXTURE_TEARDOWN(interop)
{
	env_teardown(&self->e);
}

#define GROUP_CHECK() do { } while (0)

GROUP(interop, stream, body_small, body_large, body_partial_reads, body_eof)
GROUP(interop, wire, body_wire_records, body_msg_more, body_msg_more_pending,
      body_poll_partial)
GROUP(interop, control, body_control, body_control_more, body_no_mix,
      body_splice_control)
GROUP(interop, reads, body_peek, body_waitall, body_lowat, body_timeout)
GROUP(interop, files, body_sendfile, body_splice_read, body_bidir,
      body_close_inflight, body_shutdown_flushes)
/* Separate: each shows a difference from kTLS when it fails. */
GROUP(interop, coalesce, body_coalesce)
GROUP(interop, peek_records, body_peek_records)
GROUP(interop, iovecs, body_iovecs)
GROUP(interop, sendfile_wire, body_sendfile_wire)

#undef GROUP_CHECK

/* ------------------------------------------------------------------------
 * async fixture: the data path with pcrypt as the only AEAD in use
 */

FIXTURE(async)
{
	struct env	e;
	char		driver[192];
	bool		skip;
	char		why[320];
};

FIXTURE_VARIANT(async)
{
	uint16_t	version, cipher;
	const char	*tx, *rx;
};

#define ASYNC_VARIANTS(vn, v, cn, c) PEER_VARIANTS(async, vn, v, cn, c)
FOR_SUITES(ASYNC_VARIANTS)

FIXTURE_SETUP(async)
{
	const struct suite *s = suite_of(variant->cipher);
	struct calg alg;
	int err, best;

	self->e.tx = self->e.rx = -1;
	err = async_install(s, self->driver, sizeof(self->driver),
			    ASYNC_PRIO);
	if (err) {
		self->skip = true;
		snprintf(self->why, sizeof(self->why),
			 "crypto_user cannot register %s: %s", self->driver,
			 strerror(-err));
		return;
	}
	ASSERT_EQ(0, crypto_scan(self->driver, s->alg, &alg, &best));
	ASSERT_EQ(ASYNC_PRIO, alg.priority);
	ASSERT_TRUE(alg.async);
	ASSERT_LT(best, alg.priority);
	kinfo_init(&self->e.k, variant->version, variant->cipher, 1, 0);
}

FIXTURE_TEARDOWN(async)
{
	env_teardown(&self->e);
	if (!self->skip)
		cu_request(CRYPTO_MSG_UPDATEALG, self->driver, ASYNC_PRIO_OFF);
}

/*
 * The proof that the asynchronous AEAD is the one in use: /proc/crypto
 * shows the pcrypt instance, async, tested, above every other
 * implementation of the algorithm, and each recframe direction takes a
 * reference on it (one transform each), dropped at close.
 */
TEST_F(async, proof)
{
	const struct suite *s = suite_of(variant->cipher);
	struct calg alg, now;
	struct kinfo k;
	int fds[2], best, i;
	char in[16];

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, crypto_scan(self->driver, s->alg, &alg, &best));
	EXPECT_EQ(0, strcmp(alg.name, s->alg));
	EXPECT_EQ(0, strcmp(alg.type, "aead"));
	EXPECT_EQ(0, strcmp(alg.selftest, "passed"));
	EXPECT_TRUE(alg.async);
	EXPECT_FALSE(alg.internal);
	EXPECT_LT(best, alg.priority);
	TH_LOG("%s: %s priority %d (others <= %d), async %d, refcnt %d",
	       alg.name, alg.driver, alg.priority, best, alg.async,
	       alg.refcnt);

	kinfo_init(&k, variant->version, variant->cipher, 9, 0);
	ASSERT_EQ(0, tls_pair(fds, RECFRAME_ULP_NAME, RECFRAME_ULP_NAME, &k));
	ASSERT_EQ(0, crypto_scan(self->driver, s->alg, &now, &best));
	EXPECT_EQ(alg.refcnt + 2, now.refcnt);
	ASSERT_EQ(5, send(fds[0], "async", 5, 0));
	EXPECT_EQ(5, recv(fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("async", in, 5));
	close(fds[0]);
	close(fds[1]);
	/* The sockets' AEADs go with their contexts, after close. */
	for (i = 0; i < WAIT_MS / 10; i++) {
		ASSERT_EQ(0, crypto_scan(self->driver, s->alg, &now, &best));
		if (now.refcnt == alg.refcnt)
			break;
		usleep(10000);
	}
	EXPECT_EQ(alg.refcnt, now.refcnt);
}

/* A bad tag found by an asynchronous decrypt: EBADMSG, twice. */
TEST_F(async, bad_tag)
{
	unsigned char rec[3][WIRE_MAX];
	char buf[64], in[64];
	struct relay r;
	ssize_t n[3];
	int i;

	if (self->skip)
		SKIP(return, "%s", self->why);
	relay_open(_metadata, &r, variant->tx, variant->rx, &self->e.k);
	for (i = 0; i < 3; i++) {
		fill(buf, sizeof(buf), 20 + i);
		ASSERT_EQ(64, send(r.src, buf, 64, 0));
		n[i] = raw_read(r.cap, rec[i], sizeof(rec[i]));
		ASSERT_LT(0, n[i]);
	}
	rec[2][n[2] - 1] ^= 0x01;
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, write_all(r.inj, rec[i], n[i]));
	for (i = 0; i < 2; i++) {
		fill(buf, sizeof(buf), 20 + i);
		EXPECT_EQ(64, recv(r.dst, in, 64, 0));
		EXPECT_EQ(0, memcmp(buf, in, 64));
	}
	EXPECT_EQ(-1, recv(r.dst, in, sizeof(in), 0));
	EXPECT_EQ(EBADMSG, errno);
	EXPECT_EQ(-1, recv(r.dst, in, sizeof(in), 0));
	EXPECT_EQ(EBADMSG, errno);
	relay_close(&r);
}

#define GROUP_CHECK() do { \
	if (self->skip) \
		SKIP(return, "%s", self->why); \
} while (0)

GROUP(async, stream, body_small, body_msg_more, body_control, body_peek,
      body_partial_reads, body_sendfile, body_splice_read,
      body_close_inflight)

#undef GROUP_CHECK

/* ------------------------------------------------------------------------
 * badrec fixture: captured records replayed into a receiver
 */

FIXTURE(badrec)
{
	int		src, cap;	/* src (variant's ULP) -> cap (plain) */
	struct kinfo	k;
	unsigned char	rec[4][WIRE_MAX];
	ssize_t		len[4];
};

FIXTURE_VARIANT(badrec)
{
	uint16_t	version, cipher;
	const char	*src;
};

#define BADREC_VARIANTS(vn, v, cn, c) \
	FIXTURE_VARIANT_ADD(badrec, vn##_##cn##_from_tls) { \
		.version = v, .cipher = c, .src = "tls", }; \
	FIXTURE_VARIANT_ADD(badrec, vn##_##cn##_from_rf) { \
		.version = v, .cipher = c, .src = "recframe", };
FOR_SUITES(BADREC_VARIANTS)

FIXTURE_SETUP(badrec)
{
	int fds[2];

	/* A non-zero starting sequence number: both ends must agree on it. */
	kinfo_init(&self->k, variant->version, variant->cipher, 5, 1000);
	ASSERT_EQ(0, tls_pair(fds, variant->src, NULL, &self->k));
	self->src = fds[0];
	self->cap = fds[1];
}

FIXTURE_TEARDOWN(badrec)
{
	close(self->src);
	close(self->cap);
}

/* A fresh transmitter and capture socket: sequence numbers from 1000. */
static void badrec_reset(struct __test_metadata *_metadata,
			 FIXTURE_DATA(badrec) *self,
			 const FIXTURE_VARIANT(badrec) *variant)
{
	int fds[2];

	close(self->src);
	close(self->cap);
	ASSERT_EQ(0, tls_pair(fds, variant->src, NULL, &self->k));
	self->src = fds[0];
	self->cap = fds[1];
}

#define BADREC_BODY(name) \
	static void br_##name(struct __test_metadata *_metadata, \
			      FIXTURE_DATA(badrec) *self, \
			      const FIXTURE_VARIANT(badrec) \
			      __attribute__((unused)) *variant)

typedef void (*badrec_fn)(struct __test_metadata *_metadata,
			  FIXTURE_DATA(badrec) *self,
			  const FIXTURE_VARIANT(badrec) *variant);

#define BADREC_GROUP(name, ...) \
	TEST_F(badrec, name) \
	{ \
		const badrec_fn fns[] = { __VA_ARGS__ }; \
		unsigned int i; \
		for (i = 0; i < ARRAY_SIZE(fns); i++) { \
			if (i) \
				badrec_reset(_metadata, self, variant); \
			fns[i](_metadata, self, variant); \
		} \
	}

/* Send a record of @type and capture its ciphertext as rec[i]. */
static void capture(struct __test_metadata *_metadata,
		    FIXTURE_DATA(badrec) *self, int i, int type,
		    const void *buf, size_t len)
{
	ASSERT_EQ((ssize_t)len, send_rec(self->src, type, buf, len, 0));
	self->len[i] = raw_read(self->cap, self->rec[i], sizeof(self->rec[i]));
	ASSERT_LT(0, self->len[i]);
}

/* A plain socket (*inj) connected to a receiver (*rx) with @ulp's RX. */
static void victim(struct __test_metadata *_metadata, const struct kinfo *k,
		   const char *rxulp, int *inj, int *rx)
{
	int fds[2];

	ASSERT_EQ(0, tls_pair(fds, NULL, rxulp, k));
	*inj = fds[0];
	*rx = fds[1];
}

static const char *const both_ulps[] = { RECFRAME_ULP_NAME, "tls" };

/* Replayed unchanged, the records read back as sent. */
BADREC_BODY(replay)
{
	char a[64], b[10], in[128];
	int inj, rx, type;
	unsigned int u;

	fill(a, sizeof(a), 30);
	fill(b, sizeof(b), 31);
	capture(_metadata, self, 0, T_DATA, a, sizeof(a));
	capture(_metadata, self, 1, T_HS, b, sizeof(b));
	capture(_metadata, self, 2, T_DATA, a, sizeof(a));
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
		ASSERT_EQ(0, write_all(inj, self->rec[0], self->len[0]));
		ASSERT_EQ(0, write_all(inj, self->rec[1], self->len[1]));
		ASSERT_EQ(0, write_all(inj, self->rec[2], self->len[2]));
		EXPECT_EQ(64, recv_rec(rx, in, sizeof(in), 0, &type, NULL));
		EXPECT_EQ(T_DATA, type);
		EXPECT_EQ(0, memcmp(a, in, 64));
		EXPECT_EQ(10, recv_rec(rx, in, sizeof(in), 0, &type, NULL));
		EXPECT_EQ(T_HS, type);
		EXPECT_EQ(0, memcmp(b, in, 10));
		EXPECT_EQ(64, recv_rec(rx, in, sizeof(in), 0, &type, NULL));
		EXPECT_EQ(T_DATA, type);
		EXPECT_EQ(0, memcmp(a, in, 64));
		close(inj);
		close(rx);
	}
}

/*
 * A flipped tag byte: the good records before it are delivered, then
 * EBADMSG, and it stays; recframe counts one decrypt error.
 */
BADREC_BODY(bad_tag)
{
	char txt[3][64], in[256];
	struct recframe_info info;
	int inj, rx, i;
	unsigned int u;

	for (i = 0; i < 3; i++) {
		fill(txt[i], 64, 40 + i);
		capture(_metadata, self, i, T_DATA, txt[i], 64);
	}
	self->rec[2][self->len[2] - 1] ^= 0x80;
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
		for (i = 0; i < 3; i++)
			ASSERT_EQ(0, write_all(inj, self->rec[i],
					       self->len[i]));
		for (i = 0; i < 2; i++) {
			EXPECT_EQ(64, recv(rx, in, 64, 0));
			EXPECT_EQ(0, memcmp(txt[i], in, 64));
		}
		EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(EBADMSG, errno);
		EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(EBADMSG, errno);
		if (u == 0) {
			EXPECT_EQ(POLLIN | POLLERR,
				  poll_in(rx, 0) & (POLLIN | POLLERR));
			EXPECT_EQ(-1, recv(rx, in, sizeof(in), MSG_DONTWAIT));
			EXPECT_EQ(EBADMSG, errno);
			ASSERT_EQ(0, get_info(rx, &info));
			EXPECT_EQ(-EBADMSG, info.rx_error);
			EXPECT_EQ(1, info.tls_decrypt_errors);
			EXPECT_EQ(2, info.tls_rx_records);
			EXPECT_EQ(128, info.rx_bytes);
		}
		close(inj);
		close(rx);
	}
}

/*
 * The additional data is authenticated: outer type, ciphertext, explicit
 * nonce. TLS 1.3: recframe authenticates the header as received (RFC 8446
 * 5.2); kTLS puts 23 in its additional data whatever came, so it accepts
 * an outer type other than application_data.
 */
BADREC_BODY(bad_aad)
{
	char txt[64], in[128];
	unsigned char orig[WIRE_MAX];
	int inj, rx, which;
	unsigned int u;

	fill(txt, sizeof(txt), 50);
	capture(_metadata, self, 0, T_DATA, txt, sizeof(txt));
	memcpy(orig, self->rec[0], self->len[0]);
	for (which = 0; which < 3; which++) {
		memcpy(self->rec[0], orig, self->len[0]);
		if (which == 0)
			self->rec[0][0] = T_HS;		/* outer type */
		else if (which == 1)
			self->rec[0][5 + explicit_iv(variant->version,
						     variant->cipher)] ^= 1;
		else if (explicit_iv(variant->version, variant->cipher))
			self->rec[0][5] ^= 1;		/* explicit nonce */
		else
			self->rec[0][self->len[0] - 17] ^= 1;
		for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
			victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
			ASSERT_EQ(0, write_all(inj, self->rec[0],
					       self->len[0]));
			if (which == 0 && u == 1 &&
			    tls13(variant->version)) {
				EXPECT_EQ(64, recv(rx, in, sizeof(in), 0));
				close(inj);
				close(rx);
				continue;
			}
			EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0))
				TH_LOG("%s case %d", both_ulps[u], which);
			EXPECT_EQ(EBADMSG, errno);
			close(inj);
			close(rx);
		}
	}
}

/* A broken control record after a data record. */
BADREC_BODY(bad_control)
{
	char txt[64], in[128];
	int inj, rx, type;
	unsigned int u;

	fill(txt, sizeof(txt), 51);
	capture(_metadata, self, 0, T_DATA, txt, sizeof(txt));
	capture(_metadata, self, 1, 100, "test_read", 10);
	self->rec[1][self->len[1] - 1]++;
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
		ASSERT_EQ(0, write_all(inj, self->rec[0], self->len[0]));
		ASSERT_EQ(0, write_all(inj, self->rec[1], self->len[1]));
		EXPECT_EQ(64, recv_rec(rx, in, sizeof(in), 0, &type, NULL));
		EXPECT_EQ(T_DATA, type);
		EXPECT_EQ(-1, recv_rec(rx, in, sizeof(in), 0, &type, NULL));
		EXPECT_EQ(EBADMSG, errno);
		EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(EBADMSG, errno);
		close(inj);
		close(rx);
	}
}

/* The receiver's sequence number is off by one: nothing decrypts. */
/*
 * A record sent with TLS_SET_RECORD_TYPE 0 and zeros only. TLS 1.3: its
 * inner plaintext is all zeros, there is no content type. TLS 1.2: type 0
 * is no content type either; kTLS refuses it in both versions with
 * EBADMSG (tls_record_content_type()), and keeps refusing it.
 */
BADREC_BODY(type_zero)
{
	char zeros[16] = { 0 }, in[64];
	int inj, rx, type;
	unsigned int u;

	capture(_metadata, self, 0, 0, zeros, sizeof(zeros));
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
		ASSERT_EQ(0, write_all(inj, self->rec[0], self->len[0]));
		errno = 0;
		EXPECT_EQ(-1, recv_rec(rx, in, sizeof(in), 0, &type, NULL))
			TH_LOG("%s: type %d", both_ulps[u], type);
		EXPECT_EQ(EBADMSG, errno) TH_LOG("%s", both_ulps[u]);
		EXPECT_EQ(-1, recv_rec(rx, in, sizeof(in), 0, &type, NULL));
		EXPECT_EQ(EBADMSG, errno) TH_LOG("%s", both_ulps[u]);
		close(inj);
		close(rx);
	}
}

BADREC_BODY(wrong_seq)
{
	struct kinfo k2 = self->k;
	char txt[64], in[128];
	int inj, rx;
	unsigned int u;

	put_be64(k_seq(&k2), 1001);
	fill(txt, sizeof(txt), 52);
	capture(_metadata, self, 0, T_DATA, txt, sizeof(txt));
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		victim(_metadata, &k2, both_ulps[u], &inj, &rx);
		ASSERT_EQ(0, write_all(inj, self->rec[0], self->len[0]));
		EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(EBADMSG, errno);
		close(inj);
		close(rx);
	}
}

/*
 * Write a header announcing @len payload bytes, then @body bytes. kTLS
 * looks at a header only once the explicit nonce is there too (13 bytes
 * for TLS 1.2 GCM/CCM), recframe at 5: a short record is followed by
 * enough bytes for both to decide.
 */
static void send_hdr(struct __test_metadata *_metadata, int fd,
		     unsigned char type, unsigned char maj, unsigned char min,
		     unsigned int len, size_t body)
{
	static unsigned char buf[5 + 70000];

	buf[0] = type;
	buf[1] = maj;
	buf[2] = min;
	buf[3] = len >> 8;
	buf[4] = len & 0xff;
	fill(buf + 5, body, 60);
	ASSERT_EQ(0, write_all(fd, buf, 5 + body));
}

/*
 * A length above 16384 + overhead: EMSGSIZE after the good record before
 * it. recframe's error stays (sticky, as documented); kTLS reports it
 * once, then EAGAIN.
 */
BADREC_BODY(too_long)
{
	unsigned int max = len_max(variant->version, variant->cipher);
	char txt[64], in[128];
	int inj, rx;
	unsigned int u;

	fill(txt, sizeof(txt), 53);
	capture(_metadata, self, 0, T_DATA, txt, sizeof(txt));
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
		ASSERT_EQ(0, write_all(inj, self->rec[0], self->len[0]));
		send_hdr(_metadata, inj, T_DATA, 3, 3, max + 1, 100);
		EXPECT_EQ(64, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(0, memcmp(txt, in, 64));
		EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(EMSGSIZE, errno);
		EXPECT_EQ(-1, recv(rx, in, sizeof(in), MSG_DONTWAIT));
		EXPECT_EQ(u == 0 ? EMSGSIZE : EAGAIN, errno);
		close(inj);
		close(rx);
	}
}

/* Exactly the largest length is accepted by the parser: garbage -> EBADMSG. */
BADREC_BODY(max_len)
{
	unsigned int max = len_max(variant->version, variant->cipher);
	char in[128];
	int inj, rx;
	unsigned int u;

	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
		send_hdr(_metadata, inj, T_DATA, 3, 3, max, max);
		EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(EBADMSG, errno) TH_LOG("%s", both_ulps[u]);
		close(inj);
		close(rx);
	}
}

/* Shorter than nonce and tag (length 0 included): EBADMSG. */
BADREC_BODY(too_short)
{
	unsigned int min = len_min(variant->version, variant->cipher);
	unsigned int lens[3] = { 0, 1, min - 1 };
	char in[128];
	int inj, rx, i;
	unsigned int u;

	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		for (i = 0; i < 3; i++) {
			victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
			send_hdr(_metadata, inj, T_DATA, 3, 3, lens[i],
				 lens[i] + 16);
			EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
			EXPECT_EQ(EBADMSG, errno)
				TH_LOG("%s len %u", both_ulps[u], lens[i]);
			close(inj);
			close(rx);
		}
		/* Just long enough to parse, too short to hold a record. */
		victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
		send_hdr(_metadata, inj, T_DATA, 3, 3, min, min + 16);
		EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(EBADMSG, errno) TH_LOG("%s len %u", both_ulps[u], min);
		close(inj);
		close(rx);
	}
}

/* Version bytes other than 3,3 (TLS 1.3 too writes 3,3): EINVAL. */
BADREC_BODY(bad_version)
{
	const unsigned char vers[4][2] = { { 3, 1 }, { 2, 3 }, { 3, 4 },
					   { 0, 0 } };
	char txt[64], in[128];
	int inj, rx, i;
	unsigned int u;

	fill(txt, sizeof(txt), 54);
	capture(_metadata, self, 0, T_DATA, txt, sizeof(txt));
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		for (i = 0; i < 4; i++) {
			victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
			ASSERT_EQ(0, write_all(inj, self->rec[0],
					       self->len[0]));
			send_hdr(_metadata, inj, T_DATA, vers[i][0],
				 vers[i][1], 100, 100);
			EXPECT_EQ(64, recv(rx, in, sizeof(in), 0));
			EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
			EXPECT_EQ(EINVAL, errno)
				TH_LOG("%s %d.%d", both_ulps[u], vers[i][0],
				       vers[i][1]);
			close(inj);
			close(rx);
		}
	}
}

/*
 * FIN in the middle of a record (or of its header), after a good one:
 * recframe reports EPROTO, its documented improvement; kTLS's is a plain
 * end of stream.
 */
BADREC_BODY(truncated)
{
	const size_t cut[3] = { 3, 5 + 10, 0 };
	struct recframe_info info;
	char txt[64], in[128];
	int inj, rx, i;
	unsigned int u;

	fill(txt, sizeof(txt), 55);
	capture(_metadata, self, 0, T_DATA, txt, sizeof(txt));
	capture(_metadata, self, 1, T_DATA, txt, sizeof(txt));
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		for (i = 0; i < 3; i++) {
			size_t c = cut[i] ? cut[i] : (size_t)self->len[1] - 1;

			victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
			ASSERT_EQ(0, write_all(inj, self->rec[0],
					       self->len[0]));
			ASSERT_EQ(0, write_all(inj, self->rec[1], c));
			ASSERT_EQ(0, shutdown(inj, SHUT_WR));
			EXPECT_EQ(64, recv(rx, in, sizeof(in), 0));
			EXPECT_EQ(0, memcmp(txt, in, 64));
			if (u == 0) {
				EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
				EXPECT_EQ(EPROTO, errno) TH_LOG("cut %zu", c);
				EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
				EXPECT_EQ(EPROTO, errno);
				ASSERT_EQ(0, get_info(rx, &info));
				EXPECT_EQ(-EPROTO, info.rx_error);
				EXPECT_EQ(1, info.err_truncated);
			} else {
				EXPECT_EQ(0, recv(rx, in, sizeof(in), 0));
			}
			close(inj);
			close(rx);
		}
	}
}

/* A FIN between records is a clean end of stream for both. */
BADREC_BODY(clean_fin)
{
	char txt[64], in[128];
	int inj, rx;
	unsigned int u;

	fill(txt, sizeof(txt), 56);
	capture(_metadata, self, 0, T_DATA, txt, sizeof(txt));
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
		ASSERT_EQ(0, write_all(inj, self->rec[0], self->len[0]));
		ASSERT_EQ(0, shutdown(inj, SHUT_WR));
		EXPECT_EQ(64, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(0, recv(rx, in, sizeof(in), 0));
		close(inj);
		close(rx);
	}
}

/*
 * poll() on a record missing its last byte: no POLLIN from recframe, which
 * waits for whole records; kTLS's poll is TCP's and says POLLIN as soon as
 * a byte is queued. The last byte makes it readable for both.
 */
BADREC_BODY(poll_partial)
{
	char txt[300], in[512];
	int inj, rx;
	unsigned int u;

	fill(txt, sizeof(txt), 57);
	capture(_metadata, self, 0, T_DATA, txt, sizeof(txt));
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		victim(_metadata, &self->k, both_ulps[u], &inj, &rx);
		ASSERT_EQ(0, write_all(inj, self->rec[0], self->len[0] - 1));
		EXPECT_EQ(0, wait_acked(inj));
		EXPECT_EQ(u == 0 ? 0 : POLLIN, poll_in(rx, 0) & POLLIN)
			TH_LOG("%s", both_ulps[u]);
		EXPECT_EQ(-1, recv(rx, in, sizeof(in), MSG_DONTWAIT));
		EXPECT_EQ(EAGAIN, errno);
		ASSERT_EQ(0, write_all(inj, self->rec[0] + self->len[0] - 1,
				       1));
		EXPECT_EQ(POLLIN, poll_in(rx, WAIT_MS) & (POLLIN | POLLERR));
		EXPECT_EQ(300, recv(rx, in, sizeof(in), 0));
		EXPECT_EQ(0, memcmp(txt, in, 300));
		close(inj);
		close(rx);
	}
}

/* A record written one byte per segment arrives whole. */
BADREC_BODY(byte_by_byte)
{
	char txt[40], in[64];
	int inj, rx, one = 1;
	ssize_t i;

	fill(txt, sizeof(txt), 58);
	capture(_metadata, self, 0, T_DATA, txt, sizeof(txt));
	capture(_metadata, self, 1, T_ALERT, "\x01\x00", 2);
	victim(_metadata, &self->k, RECFRAME_ULP_NAME, &inj, &rx);
	ASSERT_EQ(0, setsockopt(inj, IPPROTO_TCP, TCP_NODELAY, &one,
				sizeof(one)));
	for (i = 0; i < self->len[0]; i++) {
		ASSERT_EQ(1, send(inj, self->rec[0] + i, 1, 0));
		if (i + 1 < self->len[0])
			EXPECT_EQ(0, poll_in(rx, 0));
	}
	for (i = 0; i < self->len[1]; i++)
		ASSERT_EQ(1, send(inj, self->rec[1] + i, 1, 0));
	EXPECT_EQ(40, recv(rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(txt, in, 40));
	EXPECT_EQ(-1, recv(rx, in, sizeof(in), 0));
	EXPECT_EQ(EIO, errno);
	close(inj);
	close(rx);
}

BADREC_GROUP(good, br_replay, br_clean_fin, br_byte_by_byte)
BADREC_GROUP(tag, br_bad_tag, br_bad_aad, br_bad_control, br_wrong_seq,
	     br_type_zero)
BADREC_GROUP(lengths, br_too_long, br_max_len, br_too_short, br_bad_version)
BADREC_GROUP(truncated, br_truncated)
BADREC_GROUP(poll_partial, br_poll_partial)

/* ------------------------------------------------------------------------
 * craft fixture: records sealed by AF_ALG, and the transmitters' bytes
 */

FIXTURE(craft)
{
	int		tfm;
	struct kinfo	k;
	char		why[128];
};

FIXTURE_VARIANT(craft)
{
	uint16_t	version, cipher;
};

#define CRAFT_VARIANTS(vn, v, cn, c) \
	FIXTURE_VARIANT_ADD(craft, vn##_##cn) { .version = v, .cipher = c, };
FOR_SUITES(CRAFT_VARIANTS)

FIXTURE_SETUP(craft)
{
	kinfo_init(&self->k, variant->version, variant->cipher, 7, 5000);
	self->tfm = aead_open(&self->k);
	if (self->tfm < 0)
		snprintf(self->why, sizeof(self->why),
			 "AF_ALG aead %s: %s", self->k.s->alg,
			 strerror(errno));
}

FIXTURE_TEARDOWN(craft)
{
	if (self->tfm >= 0)
		close(self->tfm);
}

#define CRAFT_CHECK() do { \
	if (self->tfm < 0) \
		SKIP(return, "%s", self->why); \
} while (0)

/*
 * kTLS and recframe given the same keys and the same sends put the same
 * bytes on the wire, and AF_ALG opens each record to what was sent.
 */
TEST_F(craft, same_bytes)
{
	static unsigned char wire[2][100000], plain[WIRE_MAX], data[20000];
	const char *const tx[2] = { "tls", RECFRAME_ULP_NAME };
	const struct { int type; size_t len; int flags; } sends[] = {
		{ -1, 100, 0 }, { T_ALERT, 2, 0 }, { -1, 20000, 0 },
		{ -1, 10, MSG_MORE }, { -1, 20, 0 }, { T_HS, 5, 0 },
		{ -1, 1, 0 },
	};
	const size_t expect[][2] = {	/* plaintext length, type */
		{ 100, T_DATA }, { 2, T_ALERT }, { 16384, T_DATA },
		{ 20000 - 16384, T_DATA }, { 30, T_DATA }, { 5, T_HS },
		{ 1, T_DATA },
	};
	ssize_t total[2] = { 0, 0 };
	size_t off = 0, want = 0;
	unsigned int i, j;
	int fds[2], type = -1;
	ssize_t n;

	CRAFT_CHECK();
	fill(data, sizeof(data), 61);
	for (j = 0; j < ARRAY_SIZE(expect); j++)
		want += wire_len(variant->version, variant->cipher,
				 expect[j][0]);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, tls_pair(fds, tx[i], NULL, &self->k));
		for (j = 0; j < ARRAY_SIZE(sends); j++)
			ASSERT_EQ((ssize_t)sends[j].len,
				  send_rec(fds[0], sends[j].type, data,
					   sends[j].len, sends[j].flags));
		/* Every record, however slowly they come; and no more. */
		total[i] = recv_want(fds[1], wire[i], want, sizeof(wire[i]));
		EXPECT_EQ((ssize_t)want, total[i]) TH_LOG("%s", tx[i]);
		close(fds[0]);
		close(fds[1]);
	}
	EXPECT_EQ(total[0], total[1]);
	EXPECT_EQ(0, memcmp(wire[0], wire[1], total[0]));
	/* Walk the records of recframe's stream. */
	for (j = 0; j < ARRAY_SIZE(expect) && (ssize_t)off < total[1]; j++) {
		size_t len = 5 + ((size_t)wire[1][off + 3] << 8 |
				  wire[1][off + 4]);

		EXPECT_EQ(wire_len(variant->version, variant->cipher,
				   expect[j][0]), len);
		n = rec_open(self->tfm, &self->k, 5000 + j, wire[1] + off, len,
			     &type, plain);
		EXPECT_EQ((ssize_t)expect[j][0], n) TH_LOG("record %u", j);
		EXPECT_EQ((int)expect[j][1], type);
		off += len;
	}
	EXPECT_EQ(ARRAY_SIZE(expect), j);
	EXPECT_EQ(total[1], (ssize_t)off);
}

/* Records sealed in userspace read back on recframe and kTLS alike. */
TEST_F(craft, sealed)
{
	static unsigned char rec[WIRE_MAX], data[REC_MAX], in[REC_MAX];
	int fds[2], type;
	unsigned int u;
	ssize_t n;

	CRAFT_CHECK();
	fill(data, sizeof(data), 62);
	for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
		ASSERT_EQ(0, tls_pair(fds, NULL, both_ulps[u], &self->k));
		n = rec_seal(self->tfm, &self->k, 5000, T_DATA, data, 1000, 0,
			     rec);
		ASSERT_LT(0, n);
		ASSERT_EQ(0, write_all(fds[0], rec, n));
		n = rec_seal(self->tfm, &self->k, 5001, T_HS, data, 7, 0, rec);
		ASSERT_EQ(0, write_all(fds[0], rec, n));
		n = rec_seal(self->tfm, &self->k, 5002, T_DATA, data, REC_MAX,
			     0, rec);
		ASSERT_EQ(0, write_all(fds[0], rec, n));
		EXPECT_EQ(1000, recv_rec(fds[1], in, sizeof(in), 0, &type,
					 NULL));
		EXPECT_EQ(T_DATA, type);
		EXPECT_EQ(0, memcmp(data, in, 1000));
		EXPECT_EQ(7, recv_rec(fds[1], in, sizeof(in), 0, &type, NULL));
		EXPECT_EQ(T_HS, type);
		EXPECT_EQ(REC_MAX, recv_all(fds[1], in, REC_MAX));
		EXPECT_EQ(0, memcmp(data, in, REC_MAX));
		close(fds[0]);
		close(fds[1]);
	}
}

/*
 * Empty data records between data records (legal in both versions) are
 * skipped: no 0-byte read, no stall.
 */
TEST_F(craft, empty_records)
{
	unsigned char rec[WIRE_MAX];
	struct recframe_info info;
	char in[64];
	size_t got = 0;
	int fds[2], i;
	uint64_t seq = 5000;
	ssize_t n;

	CRAFT_CHECK();
	ASSERT_EQ(0, tls_pair(fds, NULL, RECFRAME_ULP_NAME, &self->k));
	n = rec_seal(self->tfm, &self->k, seq++, T_DATA, "", 0, 0, rec);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, write_all(fds[0], rec, n));
	EXPECT_EQ(0, wait_acked(fds[0]));
	/* (poll may say POLLIN: a record is there, empty or not.) */
	EXPECT_EQ(-1, recv(fds[1], in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	n = rec_seal(self->tfm, &self->k, seq++, T_DATA, "abc", 3, 0, rec);
	ASSERT_EQ(0, write_all(fds[0], rec, n));
	for (i = 0; i < 3; i++) {
		n = rec_seal(self->tfm, &self->k, seq++, T_DATA, "", 0, 0, rec);
		ASSERT_EQ(0, write_all(fds[0], rec, n));
	}
	n = rec_seal(self->tfm, &self->k, seq++, T_DATA, "def", 3, 0, rec);
	ASSERT_EQ(0, write_all(fds[0], rec, n));
	while (got < 6) {
		n = recv(fds[1], in + got, sizeof(in) - got, 0);
		EXPECT_LT(0, n);
		if (n <= 0)
			break;
		got += n;
	}
	EXPECT_EQ(6, got);
	EXPECT_EQ(0, memcmp("abcdef", in, 6));
	ASSERT_EQ(0, get_info(fds[1], &info));
	EXPECT_EQ(4, info.rx_empty);
	EXPECT_EQ(6, info.tls_rx_records);
	close(fds[0]);
	close(fds[1]);
}

FIXTURE(craft13)
{
	int		tfm;
	struct kinfo	k;
	char		why[128];
};

FIXTURE_VARIANT(craft13)
{
	uint16_t	cipher;
};

FIXTURE_VARIANT_ADD(craft13, gcm128) { .cipher = C_G128, };
FIXTURE_VARIANT_ADD(craft13, gcm256) { .cipher = C_G256, };
FIXTURE_VARIANT_ADD(craft13, ccm128) { .cipher = C_CCM, };
FIXTURE_VARIANT_ADD(craft13, chacha) { .cipher = C_CHACHA, };

FIXTURE_SETUP(craft13)
{
	kinfo_init(&self->k, V13, variant->cipher, 8, 0);
	self->tfm = aead_open(&self->k);
	if (self->tfm < 0)
		snprintf(self->why, sizeof(self->why),
			 "AF_ALG aead %s: %s", self->k.s->alg,
			 strerror(errno));
}

FIXTURE_TEARDOWN(craft13)
{
	if (self->tfm >= 0)
		close(self->tfm);
}

/* TLS 1.3 padding after the content type is stripped, whatever its size. */
TEST_F(craft13, padding)
{
	static unsigned char rec[WIRE_MAX], data[REC_MAX], in[REC_MAX];
	const size_t cases[][2] = {	/* length, padding */
		{ 5, 1 }, { 5, 100 }, { 100, 255 }, { 16000, 384 },
		{ REC_MAX, 0 }, { 1, REC_MAX - 1 },
	};
	int fds[2], type;
	unsigned int i;
	ssize_t n;

	CRAFT_CHECK();
	fill(data, sizeof(data), 63);
	ASSERT_EQ(0, tls_pair(fds, NULL, RECFRAME_ULP_NAME, &self->k));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = rec_seal(self->tfm, &self->k, i, T_DATA, data, cases[i][0],
			     cases[i][1], rec);
		ASSERT_LT(0, n);
		ASSERT_EQ(0, write_all(fds[0], rec, n));
		EXPECT_EQ(cases[i][0], recv_all(fds[1], in, cases[i][0]))
			TH_LOG("case %u", i);
		EXPECT_EQ(0, memcmp(data, in, cases[i][0]));
	}
	/* A control record with padding keeps its type. */
	n = rec_seal(self->tfm, &self->k, i++, T_ALERT, "\x01\x00", 2, 50,
		     rec);
	ASSERT_EQ(0, write_all(fds[0], rec, n));
	EXPECT_EQ(2, recv_rec(fds[1], in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(T_ALERT, type);
	/* An empty data record with padding is skipped. */
	n = rec_seal(self->tfm, &self->k, i++, T_DATA, "", 0, 30, rec);
	ASSERT_EQ(0, write_all(fds[0], rec, n));
	n = rec_seal(self->tfm, &self->k, i++, T_DATA, "z", 1, 0, rec);
	ASSERT_EQ(0, write_all(fds[0], rec, n));
	EXPECT_EQ(1, recv(fds[1], in, sizeof(in), 0));
	EXPECT_EQ('z', in[0]);
	close(fds[0]);
	close(fds[1]);
}

/* Padding that makes the record longer than 16384 + 256: EMSGSIZE. */
TEST_F(craft13, padding_too_long)
{
	static unsigned char rec[WIRE_MAX], data[REC_MAX];
	char in[64];
	int fds[2];
	ssize_t n;

	CRAFT_CHECK();
	ASSERT_EQ(0, tls_pair(fds, NULL, RECFRAME_ULP_NAME, &self->k));
	fill(data, sizeof(data), 64);
	n = rec_seal(self->tfm, &self->k, 0, T_DATA, data, REC_MAX, 1, rec);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, write_all(fds[0], rec, n));
	EXPECT_EQ(-1, recv(fds[1], in, sizeof(in), 0));
	EXPECT_EQ(EMSGSIZE, errno);
	close(fds[0]);
	close(fds[1]);
}

/* An inner plaintext of zeros only has no content type: EBADMSG, sticky. */
TEST_F(craft13, all_zero_inner)
{
	unsigned char rec[WIRE_MAX], zeros[32] = { 0 };
	char in[64];
	int fds[2], i;
	unsigned int u;
	ssize_t n;

	CRAFT_CHECK();
	for (i = 0; i < 2; i++) {
		for (u = 0; u < ARRAY_SIZE(both_ulps); u++) {
			ASSERT_EQ(0, tls_pair(fds, NULL, both_ulps[u],
					      &self->k));
			n = rec_seal(self->tfm, &self->k, 0, T_DATA, "ok", 2,
				     0, rec);
			ASSERT_EQ(0, write_all(fds[0], rec, n));
			/* type 0 after 10 zeros, then 5 bytes of padding */
			n = rec_seal(self->tfm, &self->k, 1, 0, zeros,
				     i ? 10 : 0, i ? 5 : 0, rec);
			ASSERT_LT(0, n);
			ASSERT_EQ(0, write_all(fds[0], rec, n));
			EXPECT_EQ(2, recv(fds[1], in, sizeof(in), 0));
			EXPECT_EQ(-1, recv(fds[1], in, sizeof(in), 0));
			EXPECT_EQ(EBADMSG, errno)
				TH_LOG("%s case %d", both_ulps[u], i);
			EXPECT_EQ(-1, recv(fds[1], in, sizeof(in), 0));
			EXPECT_EQ(EBADMSG, errno);
			close(fds[0]);
			close(fds[1]);
		}
	}
}

/* The outer type of a TLS 1.3 record is authenticated like the rest. */
TEST_F(craft13, any_inner_type)
{
	unsigned char rec[WIRE_MAX];
	char in[64];
	int fds[2], type;
	ssize_t n;

	CRAFT_CHECK();
	ASSERT_EQ(0, tls_pair(fds, NULL, RECFRAME_ULP_NAME, &self->k));
	n = rec_seal(self->tfm, &self->k, 0, 99, "odd", 3, 0, rec);
	ASSERT_EQ(0, write_all(fds[0], rec, n));
	EXPECT_EQ(3, recv_rec(fds[1], in, sizeof(in), 0, &type, NULL));
	EXPECT_EQ(99, type);
	EXPECT_EQ(0, memcmp("odd", in, 3));
	close(fds[0]);
	close(fds[1]);
}

/* ------------------------------------------------------------------------
 * sockopt fixture: kTLS and recframe transcripts of the same operations
 */

struct step {
	int		ret, err;
	socklen_t	len;
	unsigned char	out[64];
	bool		differs;	/* a deliberate difference: not compared */
};

struct transcript {
	const char	*ulp;
	int		n;
	struct step	s[64];
};

/* A connected pair with @ulp attached on both ends. */
static void ulp_pair(struct __test_metadata *_metadata, const char *name,
		     int fds[2])
{
	ASSERT_EQ(0, tcp_pair(fds));
	ASSERT_EQ(0, ulp(fds[0], name));
	ASSERT_EQ(0, ulp(fds[1], name));
}

static struct step *t_step(struct transcript *t, int ret)
{
	struct step *s = &t->s[t->n++ % 64];

	memset(s, 0, sizeof(*s));
	s->ret = ret;
	s->err = ret ? errno : 0;
	return s;
}

/* setsockopt at SOL_TLS; checks the errno expected (0: success). */
#define T_SET(t, fd, opt, val, len, expect) do { \
	struct step *__s = t_step(t, setsockopt(fd, SOL_TLS, opt, val, len)); \
	EXPECT_EQ(expect, __s->err) \
		TH_LOG("%s step %d: setsockopt(%d, len %d)", (t)->ulp, \
		       (t)->n - 1, (int)(opt), (int)(len)); \
} while (0)

/* getsockopt at SOL_TLS into the step's buffer (pre-filled with 0xa5). */
#define T_GET(t, fd, opt, inlen, expect) do { \
	unsigned char __b[64]; \
	socklen_t __l = (inlen); \
	struct step *__s; \
	memset(__b, 0xa5, sizeof(__b)); \
	__s = t_step(t, getsockopt(fd, SOL_TLS, opt, __b, &__l)); \
	__s->len = __l; \
	memcpy(__s->out, __b, sizeof(__b)); \
	EXPECT_EQ(expect, __s->err) \
		TH_LOG("%s step %d: getsockopt(%d, len %d)", (t)->ulp, \
		       (t)->n - 1, (int)(opt), (int)(inlen)); \
} while (0)

typedef void (*script_fn)(struct __test_metadata *_metadata,
			  struct transcript *t,
			  uint16_t version, uint16_t cipher);

/* Run @fn on kTLS and on recframe; the transcripts must be identical. */
static void compare(struct __test_metadata *_metadata, script_fn fn,
		    uint16_t version, uint16_t cipher)
{
	static struct transcript t[2];
	int i;

	memset(t, 0, sizeof(t));
	t[0].ulp = "tls";
	t[1].ulp = RECFRAME_ULP_NAME;
	fn(_metadata, &t[0], version, cipher);
	fn(_metadata, &t[1], version, cipher);
	ASSERT_EQ(t[0].n, t[1].n);
	for (i = 0; i < t[0].n; i++) {
		EXPECT_EQ(t[0].s[i].differs, t[1].s[i].differs);
		if (t[0].s[i].differs)
			continue;
		EXPECT_EQ(t[0].s[i].ret, t[1].s[i].ret) TH_LOG("step %d", i);
		EXPECT_EQ(t[0].s[i].err, t[1].s[i].err) TH_LOG("step %d", i);
		EXPECT_EQ(t[0].s[i].len, t[1].s[i].len) TH_LOG("step %d", i);
		EXPECT_EQ(0, memcmp(t[0].s[i].out, t[1].s[i].out,
				    sizeof(t[0].s[i].out)))
			TH_LOG("step %d: different bytes", i);
	}
}

/* Bad crypto_infos on fresh sockets: EINVAL / EFAULT, then a good one works. */
static void script_set_bad(struct __test_metadata *_metadata,
			   struct transcript *t, uint16_t version,
			   uint16_t cipher)
{
	const uint16_t bad_versions[] = { 0, 0x0301, 0x0302, 0x0305, 0x0403 };
	const uint16_t bad_ciphers[] = { 0, 50, 59, 0xffff };
	struct kinfo k, bad;
	int fds[2];
	unsigned int i;

	kinfo_init(&k, version, cipher, 1, 0);
	ulp_pair(_metadata, t->ulp, fds);
	T_SET(t, fds[0], TLS_TX, NULL, k.len, EINVAL);
	T_SET(t, fds[0], TLS_TX, k.raw, 0, EINVAL);
	T_SET(t, fds[0], TLS_TX, k.raw, 3, EINVAL);
	T_SET(t, fds[0], TLS_TX, k.raw, 4, EINVAL);
	T_SET(t, fds[0], TLS_TX, k.raw, k.len - 1, EINVAL);
	T_SET(t, fds[0], TLS_TX, k.raw, k.len + 1, EINVAL);
	T_SET(t, fds[0], TLS_RX, k.raw, k.len - 1, EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad_versions); i++) {
		bad = k;
		memcpy(bad.raw, &bad_versions[i], 2);
		T_SET(t, fds[0], TLS_TX, bad.raw, bad.len, EINVAL);
		T_SET(t, fds[0], TLS_RX, bad.raw, bad.len, EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(bad_ciphers); i++) {
		bad = k;
		memcpy(bad.raw + 2, &bad_ciphers[i], 2);
		T_SET(t, fds[0], TLS_TX, bad.raw, bad.len, EINVAL);
	}
	if (version == V13) {
		uint16_t aria[2] = { TLS_CIPHER_ARIA_GCM_128,
				     TLS_CIPHER_ARIA_GCM_256 };
		socklen_t alen[2] = {
			sizeof(struct tls12_crypto_info_aria_gcm_128),
			sizeof(struct tls12_crypto_info_aria_gcm_256) };

		for (i = 0; i < 2; i++) {
			bad = k;
			memcpy(bad.raw + 2, &aria[i], 2);
			T_SET(t, fds[0], TLS_TX, bad.raw, alen[i], EINVAL);
		}
	}
	/* A faulting pointer. */
	T_SET(t, fds[0], TLS_TX, (void *)8, k.len, EFAULT);
	/* None of it stuck: the real thing still works. */
	T_SET(t, fds[0], TLS_TX, k.raw, k.len, 0);
	T_GET(t, fds[0], TLS_TX, k.len, 0);
	close(fds[0]);
	close(fds[1]);
}

/* Ciphers the kernel may lack (ARIA, SM4): the same answer on both. */
static void script_set_rare(struct __test_metadata *_metadata,
			    struct transcript *t, uint16_t version,
			    uint16_t cipher)
{
	const struct { uint16_t cipher; socklen_t len; } rare[] = {
		{ TLS_CIPHER_ARIA_GCM_128,
		  sizeof(struct tls12_crypto_info_aria_gcm_128) },
		{ TLS_CIPHER_ARIA_GCM_256,
		  sizeof(struct tls12_crypto_info_aria_gcm_256) },
		{ TLS_CIPHER_SM4_GCM, sizeof(struct tls12_crypto_info_sm4_gcm) },
		{ TLS_CIPHER_SM4_CCM, sizeof(struct tls12_crypto_info_sm4_ccm) },
	};
	struct tls12_crypto_info_aria_gcm_256 info;
	unsigned int i;
	int fds[2];

	(void)cipher;
	for (i = 0; i < ARRAY_SIZE(rare); i++) {
		struct step *s;

		ulp_pair(_metadata, t->ulp, fds);
		memset(&info, 0x33, sizeof(info));
		info.info.version = version;
		info.info.cipher_type = rare[i].cipher;
		s = t_step(t, setsockopt(fds[0], SOL_TLS, TLS_TX, &info,
					 rare[i].len));
		TH_LOG("%s: cipher %u on TLS %x: %s", t->ulp, rare[i].cipher,
		       version, s->ret ? strerror(s->err) : "ok");
		close(fds[0]);
		close(fds[1]);
	}
}

/* Set twice; TX and RX must agree on version and cipher. */
static void script_set_twice(struct __test_metadata *_metadata,
			     struct transcript *t, uint16_t version,
			     uint16_t cipher)
{
	uint16_t other_cipher = cipher == C_G256 ? C_CHACHA : C_G256;
	uint16_t other_version = version == V12 ? V13 : V12;
	bool rf = is_rf(t->ulp);
	struct kinfo k, ov, oc;
	int fds[2];

	kinfo_init(&k, version, cipher, 1, 0);
	kinfo_init(&ov, other_version, cipher, 1, 0);
	kinfo_init(&oc, version, other_cipher, 1, 0);

	/* TX first, RX must follow it. */
	ulp_pair(_metadata, t->ulp, fds);
	T_SET(t, fds[0], TLS_TX, k.raw, k.len, 0);
	T_SET(t, fds[0], TLS_RX, ov.raw, ov.len, EINVAL);
	T_SET(t, fds[0], TLS_RX, oc.raw, oc.len, EINVAL);
	T_SET(t, fds[0], TLS_RX, k.raw, k.len, 0);
	close(fds[0]);
	close(fds[1]);

	/* RX first, TX must follow it. */
	ulp_pair(_metadata, t->ulp, fds);
	T_SET(t, fds[0], TLS_RX, k.raw, k.len, 0);
	T_SET(t, fds[0], TLS_TX, ov.raw, ov.len, EINVAL);
	T_SET(t, fds[0], TLS_TX, oc.raw, oc.len, EINVAL);
	T_SET(t, fds[0], TLS_TX, k.raw, k.len, 0);
	close(fds[0]);
	close(fds[1]);

	/*
	 * Set again. kTLS 6.1: EBUSY whatever comes. recframe: TLS 1.2 is
	 * EBUSY too; TLS 1.3 is a rekey (6.14's semantics), which must keep
	 * version and cipher (EINVAL).
	 */
	ulp_pair(_metadata, t->ulp, fds);
	T_SET(t, fds[0], TLS_TX, k.raw, k.len, 0);
	T_SET(t, fds[0], TLS_RX, k.raw, k.len, 0);
	if (version == V12 || !rf) {
		T_SET(t, fds[0], TLS_TX, k.raw, k.len, EBUSY);
		T_SET(t, fds[0], TLS_RX, k.raw, k.len, EBUSY);
		T_SET(t, fds[0], TLS_TX, ov.raw, ov.len, EBUSY);
		T_SET(t, fds[0], TLS_TX, oc.raw, oc.len, EBUSY);
		T_SET(t, fds[0], TLS_RX, oc.raw, oc.len, EBUSY);
	} else {
		T_SET(t, fds[0], TLS_TX, k.raw, k.len, 0);
		T_SET(t, fds[0], TLS_RX, k.raw, k.len, 0);
		T_SET(t, fds[0], TLS_TX, ov.raw, ov.len, EINVAL);
		T_SET(t, fds[0], TLS_TX, oc.raw, oc.len, EINVAL);
		T_SET(t, fds[0], TLS_RX, oc.raw, oc.len, EINVAL);
	}
	if (version == V13) {
		int i;

		for (i = 1; i <= 5; i++)
			t->s[t->n - i].differs = true;
	}
	close(fds[0]);
	close(fds[1]);
}

/* getsockopt: before configuration, the header, the whole struct. */
static void script_get(struct __test_metadata *_metadata,
		       struct transcript *t, uint16_t version, uint16_t cipher)
{
	struct kinfo k, want;
	char in[64];
	int fds[2], i;
	socklen_t len;

	kinfo_init(&k, version, cipher, 1, 7);
	ulp_pair(_metadata, t->ulp, fds);
	T_GET(t, fds[0], TLS_TX, k.len, EBUSY);
	T_GET(t, fds[0], TLS_TX, 4, EBUSY);
	T_GET(t, fds[0], TLS_TX, 3, EINVAL);
	T_GET(t, fds[0], TLS_TX, 0, EINVAL);
	T_GET(t, fds[0], TLS_RX, k.len, EBUSY);
	len = k.len;
	errno = 0;
	t_step(t, getsockopt(fds[0], SOL_TLS, TLS_TX, NULL, &len));
	EXPECT_EQ(EINVAL, t->s[t->n - 1].err);

	T_SET(t, fds[0], TLS_TX, k.raw, k.len, 0);
	T_SET(t, fds[1], TLS_RX, k.raw, k.len, 0);
	T_GET(t, fds[0], TLS_TX, 4, 0);
	EXPECT_EQ(4, t->s[t->n - 1].len);
	EXPECT_EQ(0, memcmp(t->s[t->n - 1].out, k.raw, 4));
	EXPECT_EQ(0xa5, t->s[t->n - 1].out[4]);
	T_GET(t, fds[0], TLS_TX, k.len, 0);
	EXPECT_EQ(k.len, t->s[t->n - 1].len);
	EXPECT_EQ(0, memcmp(t->s[t->n - 1].out, k.raw, k.len));
	T_GET(t, fds[0], TLS_TX, 3, EINVAL);
	T_GET(t, fds[0], TLS_TX, k.len - 1, EINVAL);
	T_GET(t, fds[0], TLS_TX, k.len + 1, EINVAL);
	T_GET(t, fds[0], TLS_RX, k.len, EBUSY);
	T_GET(t, fds[1], TLS_TX, k.len, EBUSY);

	/* Three records later: rec_seq moved by 3, and so did the iv of
	 * TLS 1.2 GCM/CCM (it is the explicit nonce, kTLS counts it up).
	 */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(5, send(fds[0], "hello", 5, 0));
		EXPECT_EQ(5, recv(fds[1], in, sizeof(in), 0));
	}
	want = k;
	put_be64(k_seq(&want), 10);
	if (explicit_iv(version, cipher))
		put_be64(k_iv(&want), get_be64(k_iv(&k)) + 3);
	T_GET(t, fds[0], TLS_TX, k.len, 0);
	EXPECT_EQ(0, memcmp(t->s[t->n - 1].out, want.raw, want.len))
		TH_LOG("%s: TX crypto_info after 3 records", t->ulp);
	T_GET(t, fds[1], TLS_RX, k.len, 0);
	EXPECT_EQ(0, memcmp(t->s[t->n - 1].out, want.raw, want.len))
		TH_LOG("%s: RX crypto_info after 3 records", t->ulp);
	T_GET(t, fds[1], TLS_RX, 4, 0);
	close(fds[0]);
	close(fds[1]);
}

/* Unknown options at SOL_TLS. */
static void script_unknown(struct __test_metadata *_metadata,
			   struct transcript *t, uint16_t version,
			   uint16_t cipher)
{
	int fds[2], val = 1;
	struct kinfo k;

	kinfo_init(&k, version, cipher, 1, 0);
	ulp_pair(_metadata, t->ulp, fds);
	T_SET(t, fds[0], 0, &val, sizeof(val), ENOPROTOOPT);
	T_SET(t, fds[0], 99, &val, sizeof(val), ENOPROTOOPT);
	T_GET(t, fds[0], 99, 4, ENOPROTOOPT);
	T_GET(t, fds[0], 0, 4, ENOPROTOOPT);
	T_SET(t, fds[0], TLS_TX, k.raw, k.len, 0);
	T_SET(t, fds[0], 99, &val, sizeof(val), ENOPROTOOPT);
	T_GET(t, fds[0], 99, 4, ENOPROTOOPT);
	close(fds[0]);
	close(fds[1]);
}

/* TLS_TX_ZEROCOPY_RO: an unsigned int, 0 or 1, any time. */
static void script_zc_ro(struct __test_metadata *_metadata,
			 struct transcript *t, uint16_t version,
			 uint16_t cipher)
{
	unsigned int v0 = 0, v1 = 1, v2 = 2;
	uint64_t big = 1;
	struct kinfo k;
	int fds[2];

	kinfo_init(&k, version, cipher, 1, 0);
	ulp_pair(_metadata, t->ulp, fds);
	T_GET(t, fds[0], TLS_TX_ZEROCOPY_RO, 4, 0);
	EXPECT_EQ(0, t->s[t->n - 1].out[0]);
	T_SET(t, fds[0], TLS_TX_ZEROCOPY_RO, &v1, 4, 0);
	T_GET(t, fds[0], TLS_TX_ZEROCOPY_RO, 4, 0);
	EXPECT_EQ(1, t->s[t->n - 1].out[0]);
	T_SET(t, fds[0], TLS_TX_ZEROCOPY_RO, &v0, 4, 0);
	T_GET(t, fds[0], TLS_TX_ZEROCOPY_RO, 4, 0);
	EXPECT_EQ(0, t->s[t->n - 1].out[0]);
	T_SET(t, fds[0], TLS_TX_ZEROCOPY_RO, &v2, 4, EINVAL);
	T_SET(t, fds[0], TLS_TX_ZEROCOPY_RO, &big, 8, EINVAL);
	T_SET(t, fds[0], TLS_TX_ZEROCOPY_RO, &v1, 2, EINVAL);
	T_SET(t, fds[0], TLS_TX_ZEROCOPY_RO, NULL, 4, EINVAL);
	T_GET(t, fds[0], TLS_TX_ZEROCOPY_RO, 8, EINVAL);
	T_GET(t, fds[0], TLS_TX_ZEROCOPY_RO, 2, EINVAL);
	T_SET(t, fds[0], TLS_TX, k.raw, k.len, 0);
	T_SET(t, fds[0], TLS_TX_ZEROCOPY_RO, &v1, 4, 0);
	T_GET(t, fds[0], TLS_TX_ZEROCOPY_RO, 4, 0);
	EXPECT_EQ(1, t->s[t->n - 1].out[0]);
	close(fds[0]);
	close(fds[1]);
}

/* TLS_RX_EXPECT_NO_PAD: TLS 1.3 only, once RX is set; 0 or 1. */
static void script_no_pad(struct __test_metadata *_metadata,
			  struct transcript *t, uint16_t version,
			  uint16_t cipher)
{
	int e13 = version == V13 ? 0 : EINVAL;
	unsigned int one = 1, two = 2;
	unsigned char trail[8] = { 1 };
	struct kinfo k;
	int fds[2];

	kinfo_init(&k, version, cipher, 1, 0);
	ulp_pair(_metadata, t->ulp, fds);
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, &one, 4, EINVAL);
	T_GET(t, fds[1], TLS_RX_EXPECT_NO_PAD, 4, EINVAL);
	T_SET(t, fds[1], TLS_TX, k.raw, k.len, 0);
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, &one, 4, EINVAL);
	T_GET(t, fds[1], TLS_RX_EXPECT_NO_PAD, 4, EINVAL);
	T_SET(t, fds[1], TLS_RX, k.raw, k.len, 0);
	T_SET(t, fds[0], TLS_TX, k.raw, k.len, 0);
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, &one, 4, e13);
	T_GET(t, fds[1], TLS_RX_EXPECT_NO_PAD, 4, e13);
	if (!e13) {
		EXPECT_EQ(1, t->s[t->n - 1].out[0]);
		EXPECT_EQ(4, t->s[t->n - 1].len);
	}
	T_GET(t, fds[1], TLS_RX_EXPECT_NO_PAD, 8, e13);
	if (!e13)
		EXPECT_EQ(4, t->s[t->n - 1].len);
	T_GET(t, fds[1], TLS_RX_EXPECT_NO_PAD, 3, EINVAL);
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, &two, 4, EINVAL);
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, &one, 3, EINVAL);
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, NULL, 4, EINVAL);
	trail[4] = 0;
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, trail, 8, e13);
	trail[0] = 0;
	trail[6] = 1;
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, trail, 8, EINVAL);
	T_GET(t, fds[1], TLS_RX_EXPECT_NO_PAD, 4, e13);
	if (!e13)
		EXPECT_EQ(1, t->s[t->n - 1].out[0]);
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, trail, 4, e13);
	T_GET(t, fds[1], TLS_RX_EXPECT_NO_PAD, 4, e13);
	if (!e13)
		EXPECT_EQ(0, t->s[t->n - 1].out[0]);
	/* Data flows with the option set. */
	T_SET(t, fds[1], TLS_RX_EXPECT_NO_PAD, &one, 4, e13);
	{
		char in[32];

		ASSERT_EQ(5, send(fds[0], "nopad", 5, 0));
		EXPECT_EQ(5, recv(fds[1], in, sizeof(in), 0));
		EXPECT_EQ(0, memcmp("nopad", in, 5));
	}
	close(fds[0]);
	close(fds[1]);
}

FIXTURE(sockopt)
{
	int unused;
};

FIXTURE_VARIANT(sockopt)
{
	uint16_t	version, cipher;
};

#define SOCKOPT_VARIANTS(vn, v, cn, c) \
	FIXTURE_VARIANT_ADD(sockopt, vn##_##cn) { .version = v, .cipher = c, };
FOR_SUITES(SOCKOPT_VARIANTS)

FIXTURE_SETUP(sockopt)
{
}

FIXTURE_TEARDOWN(sockopt)
{
}

/* Every script, run on kTLS and on recframe. */
TEST_F(sockopt, transcripts)
{
	const script_fn scripts[] = {
		script_set_bad, script_set_rare, script_set_twice, script_get,
		script_unknown, script_zc_ro, script_no_pad,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scripts); i++)
		compare(_metadata, scripts[i], variant->version,
			variant->cipher);
}

/* RECFRAME_FRAMING and TLS exclude each other, either way round. */
TEST_F(sockopt, framing_exclusive)
{
	struct recframe_framing fr = { .format = RECFRAME_FORMAT_TLS,
				       .max_record = 16384 };
	struct kinfo k;
	int fds[2];

	kinfo_init(&k, variant->version, variant->cipher, 1, 0);
	ulp_pair(_metadata, RECFRAME_ULP_NAME, fds);
	ASSERT_EQ(0, set_key(fds[0], TLS_TX, &k));
	EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING, &fr,
				 sizeof(fr)));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, set_key(fds[1], TLS_RX, &k));
	EXPECT_EQ(-1, setsockopt(fds[1], SOL_RECFRAME, RECFRAME_FRAMING, &fr,
				 sizeof(fr)));
	EXPECT_EQ(EINVAL, errno);
	close(fds[0]);
	close(fds[1]);

	ulp_pair(_metadata, RECFRAME_ULP_NAME, fds);
	ASSERT_EQ(0, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING, &fr,
				sizeof(fr)));
	EXPECT_EQ(-1, set_key(fds[0], TLS_TX, &k));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_key(fds[0], TLS_RX, &k));
	EXPECT_EQ(EINVAL, errno);
	/* Still a framing socket. */
	ASSERT_EQ(0, setsockopt(fds[1], SOL_RECFRAME, RECFRAME_FRAMING, &fr,
				sizeof(fr)));
	ASSERT_EQ(3, send(fds[0], "raw", 3, 0));
	{
		char in[16];

		EXPECT_EQ(3, recv(fds[1], in, sizeof(in), 0));
	}
	close(fds[0]);
	close(fds[1]);
}

/* ------------------------------------------------------------------------
 * rfonly fixture: recframe both ends, fresh netns
 */

FIXTURE(rfonly)
{
	int		tx, rx;
	struct kinfo	k, k2;
};

FIXTURE_VARIANT(rfonly)
{
	uint16_t	version, cipher;
};

#define RFONLY_VARIANTS(vn, v, cn, c) \
	FIXTURE_VARIANT_ADD(rfonly, vn##_##cn) { .version = v, .cipher = c, };
FOR_SUITES(RFONLY_VARIANTS)

FIXTURE_SETUP(rfonly)
{
	int fds[2];

	self->tx = self->rx = -1;
	ASSERT_EQ(0, netns_fresh());
	kinfo_init(&self->k, variant->version, variant->cipher, 1, 0);
	kinfo_init(&self->k2, variant->version, variant->cipher, 2, 0);
	ASSERT_EQ(0, tls_pair(fds, RECFRAME_ULP_NAME, RECFRAME_ULP_NAME,
			      &self->k));
	self->tx = fds[0];
	self->rx = fds[1];
}

FIXTURE_TEARDOWN(rfonly)
{
	if (self->tx >= 0)
		close(self->tx);
	if (self->rx >= 0)
		close(self->rx);
}

static void rfonly_pair(struct __test_metadata *_metadata,
			FIXTURE_DATA(rfonly) *self)
{
	int fds[2];

	if (self->tx >= 0)
		close(self->tx);
	if (self->rx >= 0)
		close(self->rx);
	ASSERT_EQ(0, tls_pair(fds, RECFRAME_ULP_NAME, RECFRAME_ULP_NAME,
			      &self->k));
	self->tx = fds[0];
	self->rx = fds[1];
}

#define RFONLY_BODY(name) \
	static void ro_##name(struct __test_metadata *_metadata, \
			      FIXTURE_DATA(rfonly) *self, \
			      const FIXTURE_VARIANT(rfonly) \
			      __attribute__((unused)) *variant)

static void recv_key_update(struct __test_metadata *_metadata, int fd,
			    int flags)
{
	char in[64];
	int type;

	EXPECT_EQ(sizeof(key_update),
		  recv_rec(fd, in, sizeof(in), flags, &type, NULL));
	EXPECT_EQ(T_HS, type);
	EXPECT_EQ(0, memcmp(key_update, in, sizeof(key_update)));
}

/* TLS 1.2 cannot be set twice, in either direction. */
static bool rekey_tls12(struct __test_metadata *_metadata,
			FIXTURE_DATA(rfonly) *self,
			const FIXTURE_VARIANT(rfonly) *variant)
{
	if (variant->version != V12)
		return false;
	EXPECT_EQ(-1, set_key(self->tx, TLS_TX, &self->k2));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, set_key(self->rx, TLS_RX, &self->k2));
	EXPECT_EQ(EBUSY, errno);
	return true;
}

/*
 * KeyUpdate: the receiver reads the handshake record, then EKEYEXPIRED and
 * no POLLIN although data came, until the new key is set.
 */
RFONLY_BODY(rekey)
{
	struct recframe_info info;
	char in[64];

	if (rekey_tls12(_metadata, self, variant))
		return;
	ASSERT_EQ(6, send(self->tx, "before", 6, 0));
	EXPECT_EQ(6, recv(self->rx, in, sizeof(in), 0));
	ASSERT_EQ(sizeof(key_update),
		  send_rec(self->tx, T_HS, key_update, sizeof(key_update), 0));
	ASSERT_EQ(0, set_key(self->tx, TLS_TX, &self->k2));
	ASSERT_EQ(6, send(self->tx, "after!", 6, 0));
	/* The KeyUpdate and the record after it are at the receiver. */
	EXPECT_EQ(0, wait_acked(self->tx));
	/* The KeyUpdate needs cmsg room like any control record. */
	EXPECT_EQ(-1, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(EIO, errno);
	recv_key_update(_metadata, self->rx, 0);
	EXPECT_EQ(-1, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(EKEYEXPIRED, errno);
	EXPECT_EQ(-1, recv(self->rx, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EKEYEXPIRED, errno);
	EXPECT_EQ(-1, recv(self->rx, in, sizeof(in), MSG_PEEK));
	EXPECT_EQ(EKEYEXPIRED, errno);
	EXPECT_EQ(0, poll_in(self->rx, 0));
	ASSERT_EQ(0, set_key(self->rx, TLS_RX, &self->k2));
	EXPECT_EQ(POLLIN, poll_in(self->rx, WAIT_MS));
	EXPECT_EQ(6, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("after!", in, 6));
	/* And again, the other way round in time: data before the key. */
	ASSERT_EQ(sizeof(key_update),
		  send_rec(self->tx, T_HS, key_update, sizeof(key_update), 0));
	ASSERT_EQ(0, set_key(self->tx, TLS_TX, &self->k));
	recv_key_update(_metadata, self->rx, 0);
	ASSERT_EQ(0, set_key(self->rx, TLS_RX, &self->k));
	ASSERT_EQ(5, send(self->tx, "third", 5, 0));
	EXPECT_EQ(5, recv(self->rx, in, sizeof(in), 0));
	ASSERT_EQ(0, get_info(self->tx, &info));
	EXPECT_EQ(2, info.tls_rekeys);
	ASSERT_EQ(0, get_info(self->rx, &info));
	EXPECT_EQ(2, info.tls_rekeys);
	EXPECT_EQ(4, pstat("RecframeTlsRekey"));
}

/* Version or cipher changes on rekey are EINVAL and change nothing. */
RFONLY_BODY(rekey_fail)
{
	uint16_t oc = variant->cipher == C_G256 ? C_CHACHA : C_G256;
	struct kinfo bad;
	char in[64];

	if (rekey_tls12(_metadata, self, variant))
		return;
	ASSERT_EQ(sizeof(key_update),
		  send_rec(self->tx, T_HS, key_update, sizeof(key_update), 0));
	ASSERT_EQ(0, set_key(self->tx, TLS_TX, &self->k2));
	kinfo_init(&bad, V12, variant->cipher, 3, 0);
	EXPECT_EQ(-1, set_key(self->tx, TLS_TX, &bad));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_key(self->rx, TLS_RX, &bad));
	EXPECT_EQ(EINVAL, errno);
	kinfo_init(&bad, V13, oc, 3, 0);
	EXPECT_EQ(-1, set_key(self->tx, TLS_TX, &bad));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_key(self->rx, TLS_RX, &bad));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->rx, SOL_TLS, TLS_RX, self->k2.raw,
				 self->k2.len - 1));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(4, send(self->tx, "data", 4, 0));
	recv_key_update(_metadata, self->rx, 0);
	EXPECT_EQ(-1, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(EKEYEXPIRED, errno);
	ASSERT_EQ(0, set_key(self->rx, TLS_RX, &self->k2));
	EXPECT_EQ(4, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("data", in, 4));
}

/* A poll() sleeping across the new key is woken by it. */
RFONLY_BODY(rekey_poll_wakeup)
{
	pid_t pid;

	if (rekey_tls12(_metadata, self, variant))
		return;
	ASSERT_EQ(sizeof(key_update),
		  send_rec(self->tx, T_HS, key_update, sizeof(key_update), 0));
	ASSERT_EQ(0, set_key(self->tx, TLS_TX, &self->k2));
	recv_key_update(_metadata, self->rx, 0);
	ASSERT_EQ(7, send(self->tx, "pending", 7, 0));
	EXPECT_EQ(0, poll_in(self->rx, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(poll_in(self->rx, 5000) != POLLIN);
	usleep(200000);
	ASSERT_EQ(0, set_key(self->rx, TLS_RX, &self->k2));
	EXPECT_EQ(0, wait_status(pid));
}

/* The KeyUpdate can be peeked like any record, then read. */
RFONLY_BODY(rekey_peek)
{
	char in[64];

	if (rekey_tls12(_metadata, self, variant))
		return;
	ASSERT_EQ(6, send(self->tx, "before", 6, 0));
	ASSERT_EQ(sizeof(key_update),
		  send_rec(self->tx, T_HS, key_update, sizeof(key_update), 0));
	ASSERT_EQ(0, set_key(self->tx, TLS_TX, &self->k2));
	ASSERT_EQ(5, send(self->tx, "after", 5, 0));
	EXPECT_EQ(6, recv(self->rx, in, sizeof(in), MSG_PEEK));
	EXPECT_EQ(6, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("before", in, 6));
	EXPECT_EQ(-1, recv(self->rx, in, sizeof(in), MSG_PEEK));
	EXPECT_EQ(EIO, errno);
	recv_key_update(_metadata, self->rx, MSG_PEEK);
	recv_key_update(_metadata, self->rx, 0);
	EXPECT_EQ(-1, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(EKEYEXPIRED, errno);
	ASSERT_EQ(0, set_key(self->rx, TLS_RX, &self->k2));
	EXPECT_EQ(5, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("after", in, 5));
}

/* splice: EINVAL on the KeyUpdate, EKEYEXPIRED after it, data after the key. */
RFONLY_BODY(rekey_splice)
{
	static char mem[8192], in[8192];
	int p[2];

	if (rekey_tls12(_metadata, self, variant))
		return;
	ASSERT_EQ(0, pipe(p));
	fill(mem, sizeof(mem), 70);
	ASSERT_EQ(4096, send(self->tx, mem, 4096, 0));
	ASSERT_EQ(sizeof(key_update),
		  send_rec(self->tx, T_HS, key_update, sizeof(key_update), 0));
	ASSERT_EQ(0, set_key(self->tx, TLS_TX, &self->k2));
	ASSERT_EQ(4096, send(self->tx, mem + 4096, 4096, 0));
	EXPECT_EQ(4096, splice(self->rx, NULL, p[1], NULL, sizeof(mem), 0));
	EXPECT_EQ(4096, read(p[0], in, sizeof(in)));
	EXPECT_EQ(0, memcmp(mem, in, 4096));
	EXPECT_EQ(-1, splice(self->rx, NULL, p[1], NULL, sizeof(mem), 0));
	EXPECT_EQ(EINVAL, errno);
	recv_key_update(_metadata, self->rx, 0);
	EXPECT_EQ(-1, splice(self->rx, NULL, p[1], NULL, sizeof(mem), 0));
	EXPECT_EQ(EKEYEXPIRED, errno);
	ASSERT_EQ(0, set_key(self->rx, TLS_RX, &self->k2));
	EXPECT_EQ(4096, splice(self->rx, NULL, p[1], NULL, sizeof(mem), 0));
	EXPECT_EQ(4096, read(p[0], in, sizeof(in)));
	EXPECT_EQ(0, memcmp(mem + 4096, in, 4096));
	close(p[0]);
	close(p[1]);
}

/* getsockopt returns the new key and its rec_seq after a rekey. */
RFONLY_BODY(rekey_getsockopt)
{
	unsigned char out[64];
	struct kinfo k3;
	socklen_t len;
	char in[16];

	if (rekey_tls12(_metadata, self, variant))
		return;
	kinfo_init(&k3, variant->version, variant->cipher, 3, 1234);
	ASSERT_EQ(sizeof(key_update),
		  send_rec(self->tx, T_HS, key_update, sizeof(key_update), 0));
	ASSERT_EQ(0, set_key(self->tx, TLS_TX, &k3));
	recv_key_update(_metadata, self->rx, 0);
	ASSERT_EQ(0, set_key(self->rx, TLS_RX, &k3));
	len = k3.len;
	ASSERT_EQ(0, getsockopt(self->tx, SOL_TLS, TLS_TX, out, &len));
	EXPECT_EQ(0, memcmp(out, k3.raw, k3.len));
	ASSERT_EQ(0, getsockopt(self->rx, SOL_TLS, TLS_RX, out, &len));
	EXPECT_EQ(0, memcmp(out, k3.raw, k3.len));
	ASSERT_EQ(2, send(self->tx, "hi", 2, 0));
	EXPECT_EQ(2, recv(self->rx, in, sizeof(in), 0));
	put_be64(k_seq(&k3), 1235);
	ASSERT_EQ(0, getsockopt(self->tx, SOL_TLS, TLS_TX, out, &len));
	EXPECT_EQ(0, memcmp(out, k3.raw, k3.len));
	ASSERT_EQ(0, getsockopt(self->rx, SOL_TLS, TLS_RX, out, &len));
	EXPECT_EQ(0, memcmp(out, k3.raw, k3.len));
}

/*
 * A rekey closes the record MSG_MORE left open with the old key; the
 * receiver may install the new key without having seen a KeyUpdate.
 */
RFONLY_BODY(rekey_open_record)
{
	char in[64];

	if (rekey_tls12(_metadata, self, variant))
		return;
	ASSERT_EQ(3, send(self->tx, "old", 3, MSG_MORE));
	ASSERT_EQ(0, set_key(self->tx, TLS_TX, &self->k2));
	ASSERT_EQ(3, send(self->tx, "new", 3, 0));
	EXPECT_EQ(3, recv(self->rx, in, 3, 0));
	EXPECT_EQ(0, memcmp("old", in, 3));
	ASSERT_EQ(0, set_key(self->rx, TLS_RX, &self->k2));
	EXPECT_EQ(3, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("new", in, 3));
}

/* Other handshake messages (NewSessionTicket) do not stop the reader. */
RFONLY_BODY(handshake_not_key_update)
{
	const unsigned char nst[] = { HS_NEW_SESSION_TICKET, 0, 0, 2, 9, 9 };
	char in[64];
	int type;

	ASSERT_EQ(sizeof(nst), send_rec(self->tx, T_HS, nst, sizeof(nst), 0));
	ASSERT_EQ(4, send(self->tx, "more", 4, 0));
	EXPECT_EQ(sizeof(nst), recv_rec(self->rx, in, sizeof(in), 0, &type,
					NULL));
	EXPECT_EQ(T_HS, type);
	EXPECT_EQ(4, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("more", in, 4));
	/* TLS 1.2 has no KeyUpdate: the bytes of one are just a record. */
	if (variant->version == V12) {
		ASSERT_EQ(sizeof(key_update),
			  send_rec(self->tx, T_HS, key_update,
				   sizeof(key_update), 0));
		ASSERT_EQ(2, send(self->tx, "ok", 2, 0));
		recv_key_update(_metadata, self->rx, 0);
		EXPECT_EQ(2, recv(self->rx, in, sizeof(in), 0));
	}
}

typedef void (*rfonly_fn)(struct __test_metadata *_metadata,
			  FIXTURE_DATA(rfonly) *self,
			  const FIXTURE_VARIANT(rfonly) *variant);

/* The rekey scenarios, each on a fresh pair (ro_rekey first: it counts). */
TEST_F(rfonly, rekey)
{
	const rfonly_fn fns[] = {
		ro_rekey, ro_rekey_fail, ro_rekey_poll_wakeup, ro_rekey_peek,
		ro_rekey_splice, ro_rekey_getsockopt, ro_rekey_open_record,
		ro_handshake_not_key_update,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		if (i)
			rfonly_pair(_metadata, self);
		fns[i](_metadata, self, variant);
	}
}

/*
 * Sequence number exhaustion: from 2^64 - 2, two records go out; the next
 * send must fail before a nonce could repeat, and nothing more is sent.
 */
TEST_F(rfonly, seq_exhaustion)
{
	unsigned char rec[WIRE_MAX];
	struct recframe_info info;
	struct relay r;
	struct kinfo k;
	char in[64];
	ssize_t n;
	int i;

	kinfo_init(&k, variant->version, variant->cipher, 4, ~0ULL - 1);
	relay_open(_metadata, &r, RECFRAME_ULP_NAME, RECFRAME_ULP_NAME, &k);
	ASSERT_EQ(3, send(r.src, "one", 3, 0));
	ASSERT_EQ(3, send(r.src, "two", 3, 0));
	errno = 0;
	n = send(r.src, "three", 5, 0);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EBADMSG, errno);
	TH_LOG("third send: %zd (%s)", n, n < 0 ? strerror(errno) : "ok");
	errno = 0;
	n = send(r.src, "four", 4, 0);
	EXPECT_EQ(-1, n);
	TH_LOG("fourth send: %zd (%s)", n, n < 0 ? strerror(errno) : "ok");
	{
		static char big[REC_MAX];

		errno = 0;
		n = send(r.src, big, sizeof(big), 0);
		TH_LOG("then %zu bytes: %zd (%s)", sizeof(big), n,
		       n < 0 ? strerror(errno) : "ok");
		errno = 0;
		n = send(r.src, big, 10, 0);
		TH_LOG("then 10 bytes: %zd (%s)", n,
		       n < 0 ? strerror(errno) : "ok");
	}
	for (i = 0; i < 2; i++) {
		n = raw_read(r.cap, rec, sizeof(rec));
		ASSERT_EQ(wire_len(variant->version, variant->cipher, 3), n);
		ASSERT_EQ(0, write_all(r.inj, rec, n));
	}
	/* The refused sends sent nothing; both records reached r.dst. */
	EXPECT_EQ(0, wait_acked(r.src));
	EXPECT_EQ(0, inq(r.cap));
	EXPECT_EQ(0, wait_acked(r.inj));
	/* Both records are complete: one read takes both, as with kTLS. */
	EXPECT_EQ(6, recv(r.dst, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp("onetwo", in, 6));
	ASSERT_EQ(0, get_info(r.src, &info));
	EXPECT_EQ(2, info.tls_tx_records);
	/* The receiver's sequence is spent as well: a replay is refused. */
	ASSERT_EQ(0, write_all(r.inj, rec, n));
	EXPECT_EQ(-1, recv(r.dst, in, sizeof(in), 0));
	EXPECT_EQ(EBADMSG, errno);
	relay_close(&r);
}

/*
 * RECFRAME_INFO and /proc/net/recframe_stat (fresh netns: exact values):
 * a read with room for the record decrypts into the user's buffer, a
 * 7-byte read into the clear buffer; send encrypts in place, sendfile
 * out of place.
 */
TEST_F(rfonly, counters)
{
	static char buf[1000], in[4096];
	struct recframe_info a, b;
	off_t off = 0;
	size_t got;
	int fd;

	fill(buf, sizeof(buf), 80);
	ASSERT_EQ(100, send(self->tx, buf, 100, 0));
	EXPECT_EQ(100, recv(self->rx, in, sizeof(in), 0));
	ASSERT_EQ(100, send(self->tx, buf, 100, 0));
	got = 0;
	while (got < 100) {
		ssize_t n = recv(self->rx, in + got, 7, 0);

		if (n <= 0)
			break;
		got += n;
	}
	EXPECT_EQ(100, got);
	fd = tmpfs_file(1000, 80);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1000, sendfile(self->tx, fd, &off, 1000));
	EXPECT_EQ(1000, recv(self->rx, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(buf, in, 1000));
	close(fd);

	ASSERT_EQ(0, get_info(self->tx, &a));
	ASSERT_EQ(0, get_info(self->rx, &b));
	EXPECT_EQ(RECFRAME_MODE_TLS << 8, a.mode);
	EXPECT_EQ(RECFRAME_MODE_TLS, b.mode);
	EXPECT_EQ(variant->version, a.tls_version);
	EXPECT_EQ(variant->cipher, a.tls_cipher);
	EXPECT_EQ(variant->version, b.tls_version);
	EXPECT_EQ(variant->cipher, b.tls_cipher);
	EXPECT_EQ(3, a.tls_tx_records);
	EXPECT_EQ(3, a.tx_records);
	EXPECT_EQ(1200, a.tx_bytes);
	EXPECT_EQ(2, a.tls_tx_inplace);
	EXPECT_EQ(1, a.tls_tx_outofplace);
	EXPECT_EQ(0, a.tls_rx_records);
	EXPECT_EQ(3, b.tls_rx_records);
	EXPECT_EQ(3, b.rx_records);
	EXPECT_EQ(1200, b.rx_bytes);
	EXPECT_EQ(2, b.tls_rx_zerocopy);
	EXPECT_EQ(1, b.tls_rx_clear);
	EXPECT_EQ(0, b.tls_decrypt_errors);
	EXPECT_EQ(0, b.tls_rekeys);
	EXPECT_EQ(0, b.tls_tx_records);

	EXPECT_EQ(2, pstat("RecframeCurrSockets"));
	EXPECT_EQ(3, pstat("RecframeTlsTxRecords"));
	EXPECT_EQ(3, pstat("RecframeTlsRxRecords"));
	EXPECT_EQ(2, pstat("RecframeTlsRxZeroCopy"));
	EXPECT_EQ(1, pstat("RecframeTlsRxClearBuffer"));
	EXPECT_EQ(2, pstat("RecframeTlsTxInPlace"));
	EXPECT_EQ(1, pstat("RecframeTlsTxOutOfPlace"));
	EXPECT_EQ(0, pstat("RecframeTlsDecryptError"));
	EXPECT_EQ(0, pstat("RecframeTlsRekey"));
	EXPECT_EQ(3, pstat("RecframeTxRecords"));
	EXPECT_EQ(3, pstat("RecframeRxRecords"));
	EXPECT_EQ(1200, pstat("RecframeTxBytes"));
	EXPECT_EQ(1200, pstat("RecframeRxBytes"));
}

/* A decrypt error counts once per socket and once in the netns. */
TEST_F(rfonly, counters_decrypt_error)
{
	unsigned char rec[WIRE_MAX];
	struct recframe_info info;
	struct relay r;
	char in[64];
	ssize_t n;

	relay_open(_metadata, &r, RECFRAME_ULP_NAME, RECFRAME_ULP_NAME,
		   &self->k);
	ASSERT_EQ(3, send(r.src, "bad", 3, 0));
	n = raw_read(r.cap, rec, sizeof(rec));
	ASSERT_LT(0, n);
	rec[n - 1] ^= 1;
	ASSERT_EQ(0, write_all(r.inj, rec, n));
	EXPECT_EQ(-1, recv(r.dst, in, sizeof(in), 0));
	EXPECT_EQ(EBADMSG, errno);
	EXPECT_EQ(-1, recv(r.dst, in, sizeof(in), 0));
	EXPECT_EQ(EBADMSG, errno);
	ASSERT_EQ(0, get_info(r.dst, &info));
	EXPECT_EQ(1, info.tls_decrypt_errors);
	EXPECT_EQ(1, pstat("RecframeTlsDecryptError"));
	EXPECT_EQ(0, pstat("RecframeTlsRxRecords"));
	relay_close(&r);
}

TEST_HARNESS_MAIN
