/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the recframe selftests: loopback TCP pairs over IPv4
 * and IPv6, attaching the ULP, socket options, sending and receiving
 * records with their type cmsg, the record encoder, TLS keys, generic
 * netlink requests, a seeded random generator, and module handling.
 *
 * Every name starts with rf_ (RF_ for macros): the test files keep static
 * helpers of their own under the short names.
 */
#ifndef RF_UTIL_H
#define RF_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/recframe.h>
#include <linux/sockios.h>
#include <linux/tls.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

/* max_record 0 in the TLS format. */
#define RF_TLS_DEFAULT_MAX	16384

/* Socket address of either family on the loopback, any port. */
static inline socklen_t rf_loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s4);
	}
}

/* A listening socket on the loopback; its address is written to @ss. */
static inline int rf_listener(int family, struct sockaddr_storage *ss,
			      socklen_t *len)
{
	int one = 1;
	int fd;

	*len = rf_loopback(family, ss);
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, *len) ||
	    getsockname(fd, (struct sockaddr *)ss, len) || listen(fd, 64)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A connected pair: fds[0] the client, fds[1] the accepted server side.
 * @rcvbuf, if set, is the accepted side's SO_RCVBUF.
 */
static inline int rf_tcp_pair_rcvbuf(int family, int fds[2], int rcvbuf)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd;

	fds[0] = fds[1] = -1;
	lfd = rf_listener(family, &ss, &len);
	if (lfd < 0)
		return -1;
	/* Before the handshake, so that the window scale follows it. */
	if (rcvbuf && setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf)))
		goto out;
	fds[0] = socket(family, SOCK_STREAM, 0);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&ss, len))
		goto out;
	fds[1] = accept(lfd, NULL, NULL);
out:
	close(lfd);
	return fds[1] < 0 ? -1 : 0;
}

/* A connected pair: fds[0] the client, fds[1] the accepted server side. */
static inline int rf_tcp_pair(int family, int fds[2])
{
	return rf_tcp_pair_rcvbuf(family, fds, 0);
}

/* Attaches the ULP @name ("recframe", "tls"). */
static inline int rf_ulp(int fd, const char *name)
{
	return setsockopt(fd, SOL_TCP, TCP_ULP, name, strlen(name) + 1);
}

static inline int rf_attach(int fd)
{
	return rf_ulp(fd, RECFRAME_ULP_NAME);
}

/* True when recframe is registered, loaded or built in. */
static inline bool rf_available(void)
{
	char buf[256] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, RECFRAME_ULP_NAME) != NULL;
}

static inline int rf_delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static inline size_t rf_read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

static inline uint64_t rf_env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static inline double rf_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------
 * Socket options.
 */

static inline int rf_set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

/* SO_RCVTIMEO or SO_SNDTIMEO (@opt) of @ms milliseconds. */
static inline int rf_set_timeo(int fd, int opt, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = ms % 1000 * 1000 };

	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* Both timeouts, receive and send, of @ms milliseconds. */
static inline void rf_set_timeouts(int fd, int ms)
{
	rf_set_timeo(fd, SO_RCVTIMEO, ms);
	rf_set_timeo(fd, SO_SNDTIMEO, ms);
}

static inline int rf_set_framing(int fd, const struct recframe_framing *fr)
{
	return setsockopt(fd, SOL_RECFRAME, RECFRAME_FRAMING, fr, sizeof(*fr));
}

/* RECFRAME_INFO, zeroed first (a failed call leaves it zero). */
static inline int rf_get_info(int fd, struct recframe_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return getsockopt(fd, SOL_RECFRAME, RECFRAME_INFO, info, &len);
}

/*
 * Waits up to @ms ms until the peer has acknowledged every byte written to
 * @fd (SIOCOUTQ 0): they are in its receive queue then. 0, or -1.
 */
static inline int rf_wait_acked(int fd, int ms)
{
	int i, queued;

	for (i = 0; i < ms; i++) {
		if (ioctl(fd, SIOCOUTQ, &queued))
			return -1;
		if (!queued)
			return 0;
		usleep(1000);
	}
	return -1;
}

/* poll() for POLLIN, up to @ms ms: the revents, 0 if none came. */
static inline int rf_poll_in(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	return pfd.revents;
}

/* The socket's cookie (what the netlink family names it by), 0 if none. */
static inline uint64_t rf_sock_cookie(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len))
		return 0;
	return c;
}

/* ------------------------------------------------------------------------
 * Records with their type cmsg: SOL_RECFRAME / RECFRAME_RECORD_TYPE in
 * framing mode, SOL_TLS / TLS_SET_RECORD_TYPE and TLS_GET_RECORD_TYPE in
 * TLS mode.
 */

/* sendmsg() with a @level / @cmsg_type cmsg of @type, unless negative. */
static inline ssize_t rf_send_type(int fd, int level, int cmsg_type, int type,
				   const void *buf, size_t len, int flags)
{
	union {
		char buf[CMSG_SPACE(1)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (type >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = level;
		cmsg->cmsg_type = cmsg_type;
		cmsg->cmsg_len = CMSG_LEN(1);
		*CMSG_DATA(cmsg) = type;
	}
	return sendmsg(fd, &msg, flags);
}

/*
 * recvmsg() with room for a type cmsg. *type (if not NULL) is the record
 * type of the @level / @cmsg_type cmsg received, -1 without one; *mflags
 * (if not NULL) the returned msg_flags, 0 on error.
 */
static inline ssize_t rf_recv_type(int fd, int level, int cmsg_type,
				   void *buf, size_t len, int flags,
				   int *type, int *mflags)
{
	union {
		char buf[CMSG_SPACE(1) + 64];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	n = recvmsg(fd, &msg, flags);
	if (type) {
		*type = -1;
		for (cmsg = n < 0 ? NULL : CMSG_FIRSTHDR(&msg); cmsg;
		     cmsg = CMSG_NXTHDR(&msg, cmsg))
			if (cmsg->cmsg_level == level &&
			    cmsg->cmsg_type == cmsg_type)
				*type = *CMSG_DATA(cmsg);
	}
	if (mflags)
		*mflags = n < 0 ? 0 : msg.msg_flags;
	return n;
}

/* The same at recframe's level, SOL_RECFRAME / RECFRAME_RECORD_TYPE. */
static inline ssize_t rf_send_rec(int fd, int type, const void *buf,
				  size_t len, int flags)
{
	return rf_send_type(fd, SOL_RECFRAME, RECFRAME_RECORD_TYPE, type, buf,
			    len, flags);
}

static inline ssize_t rf_recv_rec(int fd, void *buf, size_t len, int flags,
				  int *type, int *mflags)
{
	return rf_recv_type(fd, SOL_RECFRAME, RECFRAME_RECORD_TYPE, buf, len,
			    flags, type, mflags);
}

/* And at kTLS's, SOL_TLS / TLS_SET_RECORD_TYPE and TLS_GET_RECORD_TYPE. */
static inline ssize_t rf_tls_send_rec(int fd, int type, const void *buf,
				      size_t len, int flags)
{
	return rf_send_type(fd, SOL_TLS, TLS_SET_RECORD_TYPE, type, buf, len,
			    flags);
}

static inline ssize_t rf_tls_recv_rec(int fd, void *buf, size_t len,
				      int flags, int *type, int *mflags)
{
	return rf_recv_type(fd, SOL_TLS, TLS_GET_RECORD_TYPE, buf, len, flags,
			    type, mflags);
}

/* ------------------------------------------------------------------------
 * The record encoder of the tests, written from the uapi header.
 */

static inline bool rf_fmt_typed(const struct recframe_framing *fr)
{
	return fr->format == RECFRAME_FORMAT_TLS || (fr->flags & RECFRAME_F_TYPE);
}

static inline unsigned int rf_fmt_hdr_len(const struct recframe_framing *fr)
{
	return fr->format == RECFRAME_FORMAT_TLS ? 5 : fr->hdr_len;
}

static inline unsigned int rf_fmt_max(const struct recframe_framing *fr)
{
	return fr->max_record ? fr->max_record : RF_TLS_DEFAULT_MAX;
}

/* The length field of a RECFRAME_FORMAT_LENGTH header: value @field. */
static inline void rf_len_put(const struct recframe_framing *fr, uint8_t *hdr,
			      uint64_t field)
{
	unsigned int i, shift;

	for (i = 0; i < fr->len_size; i++) {
		shift = fr->flags & RECFRAME_F_LITTLE_ENDIAN ?
			8 * i : 8 * (fr->len_size - 1 - i);
		hdr[fr->len_off + i] = field >> shift;
	}
}

/* Writes a header whose length field holds @field; returns its size. */
static inline unsigned int rf_hdr_put(const struct recframe_framing *fr,
				      uint8_t *hdr, uint8_t type,
				      uint64_t field)
{
	if (fr->format == RECFRAME_FORMAT_TLS) {
		hdr[0] = type;
		hdr[1] = 0x03;
		hdr[2] = 0x03;
		hdr[3] = field >> 8;
		hdr[4] = field;
		return 5;
	}
	memset(hdr, 0, fr->hdr_len);
	rf_len_put(fr, hdr, field);
	if (fr->flags & RECFRAME_F_TYPE)
		hdr[fr->type_off] = type;
	return fr->hdr_len;
}

/* The header of a record of @len payload bytes. */
static inline unsigned int rf_hdr_encode(const struct recframe_framing *fr,
					 uint8_t *hdr, uint8_t type,
					 uint32_t len)
{
	int64_t adjust = fr->format == RECFRAME_FORMAT_TLS ? 0 : fr->len_adjust;

	return rf_hdr_put(fr, hdr, type, (int64_t)len - adjust);
}

/* A whole record in @out; returns its size on the wire. */
static inline size_t rf_rec_encode(const struct recframe_framing *fr,
				   void *out, uint8_t type,
				   const void *payload, size_t len)
{
	unsigned int hlen = rf_hdr_encode(fr, out, type, len);

	memcpy((char *)out + hlen, payload, len);
	return hlen + len;
}

/* ------------------------------------------------------------------------
 * TLS keys in <linux/tls.h>'s structures.
 */

static inline void rf_put_be64(unsigned char *b, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = v & 0xff;
}

/*
 * AES-128-GCM keys for TLS @version: every byte of the key @key, of the
 * iv @iv and of the salt @salt; rec_seq 0.
 */
static inline void rf_gcm128_keys(struct tls12_crypto_info_aes_gcm_128 *ci,
				  uint16_t version, uint8_t key, uint8_t iv,
				  uint8_t salt)
{
	memset(ci, 0, sizeof(*ci));
	ci->info.version = version;
	ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci->key, key, sizeof(ci->key));
	memset(ci->iv, iv, sizeof(ci->iv));
	memset(ci->salt, salt, sizeof(ci->salt));
}

/* The same crypto_info (@len bytes) for TLS_TX and TLS_RX: 0 or -1. */
static inline int rf_set_tls_keys(int fd, const void *ci, socklen_t len)
{
	if (setsockopt(fd, SOL_TLS, TLS_TX, ci, len))
		return -1;
	return setsockopt(fd, SOL_TLS, TLS_RX, ci, len);
}

/* ------------------------------------------------------------------------
 * Generic netlink requests, built by hand.
 */

struct rf_nlreq {
	struct nlmsghdr		n;
	struct genlmsghdr	g;
	char			buf[1024];
};

/* A request of message type @type (the family id) for command @cmd. */
static inline void rf_nlreq_init(struct rf_nlreq *r, uint16_t type,
				 uint8_t cmd, uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->g.cmd = cmd;
	r->g.version = RECFRAME_GENL_VERSION;
}

/* Appends attribute @type of @len bytes at @data. */
static inline void rf_nlreq_put(struct rf_nlreq *r, uint16_t type,
				const void *data, uint16_t len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* ------------------------------------------------------------------------
 * Seeded randomness (splitmix64): a seed gives the same numbers again.
 */

struct rf_rng {
	uint64_t s;
};

static inline uint64_t rf_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t rf_rnd(struct rf_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return rf_mix64(r->s);
}

/* A number in [lo, hi]; @lo, without drawing one, if @hi <= @lo. */
static inline uint64_t rf_rrange(struct rf_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + rf_rnd(r) % (hi - lo + 1);
}

/* True @pct times out of 100. */
static inline bool rf_chance(struct rf_rng *r, unsigned int pct)
{
	return rf_rnd(r) % 100 < pct;
}

/* A test pattern: bytes that change with the offset and with @seed. */
static inline void rf_fill(void *buf, size_t len, unsigned int seed)
{
	unsigned char *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (i * 7 + seed * 13 + (i >> 9)) & 0xff;
}

#endif /* RF_UTIL_H */
