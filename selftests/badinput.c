// SPDX-License-Identifier: GPL-2.0
/*
 * The bad-input matrix: the cases of the bad-input list that no other
 * selftest asserted completely (Documentation/reliability.rst maps every
 * case to its tests). Each test names its case number.
 *
 *	attach_closed_states		1   ENOTCONN past ESTABLISHED, kTLS too
 *	listen_disconnect_keep_stream	3   refused, and the stream still works
 *	framing_option_bad_buffers	4,7,9 bad optval/optlen at SOL_RECFRAME
 *	getsockopt_races_setsockopt	6   never a half-written answer
 *	framing_fixed_while_record_open	8   EINVAL / EBUSY with MSG_MORE open
 *	mode.empty_records_mid_stream	15  no stall, no mix-up; kTLS alike
 *	mode.peer_reset_mid_record	17  ECONNRESET once, then 0
 *	mode.urgent_header_tiny_rcvbuf	19  urgent header bytes, copy fallback
 *	mode.reader_inside_tcp		20  bytes taken under the framer: EPROTO
 *	mode.nonblock_more_tiny_sndbuf	23  EAGAIN keeps the open record whole
 *	mode.splice_into_open_record	24  splice with MSG_MORE open; at EOF
 *	mode.more_senders_then_close	25  two MSG_MORE senders, one blocked
 *	mode.send_after_shutdown_reset	27  EPIPE, SIGPIPE, ECONNRESET
 *	unpriv_attach_no_autoload	31  no request_module for a user
 *	sock_set_during_push_ebusy	8   SOCK_SET while a push sleeps: EBUSY
 *	sock_set_tls_sendfile		8   SOCK_SET max_record, then sendfile
 *
 * The last two found memory corruption that only a KASAN kernel shows (a
 * use after free and a heap overflow, fixed): make check-debug runs them.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <linux/tls.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#ifndef SO_COOKIE
#define SO_COOKIE		57
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif

#define BI_TIMEO_MS		5000
#define T_ALERT			21
#define T_HS			22
#define T_DATA			23
/* A record of the TLS format or of TLS on the wire, at most. */
#define BI_WIRE_MAX		(5 + 16384 + 256)

/* ------------------------------------------------------------ helpers --- */

static void fill(void *buf, size_t len, unsigned int seed)
{
	unsigned char *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (unsigned char)(i * 7 + seed * 13 + (i >> 8));
}

static void set_timeo(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = ms % 1000 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

static int ulp(int fd, const char *name)
{
	return setsockopt(fd, SOL_TCP, TCP_ULP, name, strlen(name) + 1);
}

/* A loopback pair; @rcvbuf, if set, is the accepted side's SO_RCVBUF. */
static int pair_rcvbuf(int fds[2], int rcvbuf)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd;

	fds[0] = fds[1] = -1;
	lfd = rf_listener(AF_INET, &ss, &len);
	if (lfd < 0)
		return -1;
	/* Before the handshake, so that the window scale follows it. */
	if (rcvbuf && set_int(lfd, SOL_SOCKET, SO_RCVBUF, rcvbuf))
		goto out;
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&ss, len))
		goto out;
	fds[1] = accept(lfd, NULL, NULL);
out:
	close(lfd);
	if (fds[1] < 0)
		return -1;
	set_timeo(fds[0], BI_TIMEO_MS);
	set_timeo(fds[1], BI_TIMEO_MS);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_state;
}

/* Waits up to 5 s for @fd to reach TCP state @state. */
static bool wait_state(int fd, int state)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (tcp_state(fd) == state)
			return true;
		usleep(10000);
	}
	return false;
}

/* Waits until the peer has acknowledged every byte written to @fd. */
static int wait_acked(int fd)
{
	int i, queued;

	for (i = 0; i < BI_TIMEO_MS; i++) {
		if (ioctl(fd, SIOCOUTQ, &queued))
			return -1;
		if (!queued)
			return 0;
		usleep(1000);
	}
	return -1;
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

/* recv() until @len bytes came (across records), end, or an error. */
static ssize_t recv_exact(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n < 0)
			return got ? (ssize_t)got : -1;
		if (!n)
			break;
		got += n;
	}
	return got;
}

static int poll_in(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	return pfd.revents;
}

static int get_info(int fd, struct recframe_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return getsockopt(fd, SOL_RECFRAME, RECFRAME_INFO, info, &len);
}

static uint64_t sock_cookie(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len);
	return c;
}

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

/* Waits up to 5 s until thread @tid of this process sleeps. */
static bool wait_sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		size_t n = 0;

		if (f) {
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
		}
		buf[n] = '\0';
		/* "tid (comm) S ...": the state follows the last ')'. */
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return true;
		usleep(10000);
	}
	return false;
}

/* The TLS record format recframe uses for framing mode here. */
static const struct recframe_framing fmt_tls = {
	.format = RECFRAME_FORMAT_TLS,
	.max_record = 16384,
};

static int set_framing(int fd, const struct recframe_framing *fr)
{
	return setsockopt(fd, SOL_RECFRAME, RECFRAME_FRAMING, fr, sizeof(*fr));
}

/* AES-GCM-128 key material for either TLS version, derived from @seed. */
static void key_init(struct tls12_crypto_info_aes_gcm_128 *ci,
		     uint16_t version, unsigned int seed, uint64_t seq)
{
	int i;

	memset(ci, 0, sizeof(*ci));
	ci->info.version = version;
	ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
	for (i = 0; i < TLS_CIPHER_AES_GCM_128_IV_SIZE; i++)
		ci->iv[i] = seed * 3 + i;
	for (i = 0; i < TLS_CIPHER_AES_GCM_128_KEY_SIZE; i++)
		ci->key[i] = seed * 5 + i * 11;
	for (i = 0; i < TLS_CIPHER_AES_GCM_128_SALT_SIZE; i++)
		ci->salt[i] = seed * 7 + i;
	for (i = 7; i >= 0; i--, seq >>= 8)
		ci->rec_seq[i] = seq & 0xff;
}

/* One record off a plain socket: the 5-byte header and what it announces. */
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

static bool tls_available(void)
{
	int fds[2], ret;

	if (system("modprobe tls 2>/dev/null") == -1 || rf_tcp_pair(AF_INET, fds))
		return false;
	ret = ulp(fds[0], "tls");
	close(fds[0]);
	close(fds[1]);
	return !ret;
}

/* ----------------------------------------------- generic netlink, raw --- */

struct gnl {
	int		fd;
	uint16_t	family;
	uint32_t	seq;
};

struct gnl_req {
	struct nlmsghdr		n;
	struct genlmsghdr	g;
	char			buf[256];
};

static void gnl_init(struct gnl_req *r, uint16_t type, uint8_t cmd,
		     uint8_t version)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->g.cmd = cmd;
	r->g.version = version;
}

static void gnl_put(struct gnl_req *r, uint16_t type, const void *data,
		    uint16_t len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/*
 * Sends @r; returns the ACK's error (0 or -errno). *family_out, if given,
 * gets CTRL_ATTR_FAMILY_ID of a reply.
 */
static int gnl_xact(struct gnl *g, struct gnl_req *r, uint16_t *family_out)
{
	char buf[8192];
	int err = -EPROTO;

	r->n.nlmsg_seq = ++g->seq;
	if (send(g->fd, r, r->n.nlmsg_len, 0) != (ssize_t)r->n.nlmsg_len)
		return -errno;
	for (;;) {
		int len = recv(g->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *n;

		if (len <= 0)
			return len < 0 ? -errno : -EPIPE;
		for (n = (void *)buf; NLMSG_OK(n, (unsigned int)len);
		     n = NLMSG_NEXT(n, len)) {
			struct nlattr *a;
			int rem;

			if (n->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(n))->error;
			if (n->nlmsg_type == NLMSG_DONE)
				return err;
			if (!family_out)
				continue;
			a = (void *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
			rem = n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
			while (rem >= NLA_HDRLEN) {
				if (a->nla_type == CTRL_ATTR_FAMILY_ID)
					memcpy(family_out, (char *)a + NLA_HDRLEN,
					       2);
				rem -= NLA_ALIGN(a->nla_len);
				a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
			}
			err = 0;
		}
	}
}

static int gnl_open(struct gnl *g)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct gnl_req r;
	int one = 1;

	memset(g, 0, sizeof(*g));
	g->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (g->fd < 0)
		return -errno;
	setsockopt(g->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	set_timeo(g->fd, 10000);
	if (bind(g->fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto err;
	gnl_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	gnl_put(&r, CTRL_ATTR_FAMILY_NAME, RECFRAME_GENL_NAME,
		sizeof(RECFRAME_GENL_NAME));
	if (gnl_xact(g, &r, &g->family) || !g->family)
		goto err;
	return 0;
err:
	close(g->fd);
	g->fd = -1;
	return -ENOENT;
}

/* RECFRAME_CMD_SOCK_SET of max_record; 0 or -errno. */
static int gnl_set_max_record(struct gnl *g, uint64_t cookie, uint32_t max)
{
	struct gnl_req r;

	gnl_init(&r, g->family, RECFRAME_CMD_SOCK_SET, RECFRAME_GENL_VERSION);
	gnl_put(&r, RECFRAME_A_COOKIE, &cookie, sizeof(cookie));
	gnl_put(&r, RECFRAME_A_MAX_RECORD, &max, sizeof(max));
	return gnl_xact(g, &r, NULL);
}

/* ------------------------------------------- case 1: closed sockets --- */

/*
 * Past ESTABLISHED: the peer's FIN came (CLOSE_WAIT), our own FIN was
 * acknowledged (FIN_WAIT2), a reset ended it (CLOSE). recframe and kTLS
 * both refuse with ENOTCONN, and the socket is left as it was.
 */
TEST(attach_closed_states)
{
	const char *const ulps[] = { RECFRAME_ULP_NAME, "tls" };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char name[32];
	socklen_t nlen;
	unsigned int u;
	int fds[2];

	ASSERT_TRUE(rf_available());
	for (u = 0; u < ARRAY_SIZE(ulps); u++) {
		if (u == 1 && !tls_available()) {
			TH_LOG("kTLS unavailable: recframe only");
			break;
		}
		/* CLOSE_WAIT */
		ASSERT_EQ(0, pair_rcvbuf(fds, 0));
		close(fds[0]);
		ASSERT_TRUE(wait_state(fds[1], TCP_CLOSE_WAIT));
		EXPECT_EQ(-1, ulp(fds[1], ulps[u]));
		EXPECT_EQ(ENOTCONN, errno) TH_LOG("%s, CLOSE_WAIT", ulps[u]);
		/* Nothing attached: TCP_ULP reads back empty. */
		nlen = sizeof(name);
		EXPECT_EQ(0, getsockopt(fds[1], SOL_TCP, TCP_ULP, name, &nlen));
		EXPECT_EQ(0, nlen);
		close(fds[1]);

		/* FIN_WAIT2 */
		ASSERT_EQ(0, pair_rcvbuf(fds, 0));
		ASSERT_EQ(0, shutdown(fds[0], SHUT_WR));
		ASSERT_TRUE(wait_state(fds[0], TCP_FIN_WAIT2));
		EXPECT_EQ(-1, ulp(fds[0], ulps[u]));
		EXPECT_EQ(ENOTCONN, errno) TH_LOG("%s, FIN_WAIT2", ulps[u]);
		close(fds[0]);
		close(fds[1]);

		/* CLOSE, after a reset */
		ASSERT_EQ(0, pair_rcvbuf(fds, 0));
		ASSERT_EQ(0, setsockopt(fds[0], SOL_SOCKET, SO_LINGER, &lg,
					sizeof(lg)));
		close(fds[0]);
		ASSERT_TRUE(wait_state(fds[1], TCP_CLOSE));
		EXPECT_EQ(-1, ulp(fds[1], ulps[u]));
		EXPECT_EQ(ENOTCONN, errno) TH_LOG("%s, CLOSE", ulps[u]);
		close(fds[1]);
	}
}

/* ------------------------------------- case 3: listen and disconnect --- */

/*
 * listen() and connect(AF_UNSPEC) on a configured socket are refused (no
 * child can inherit the context), and the refusal changes nothing: the
 * stream goes on in both directions. kTLS answers the same.
 */
TEST(listen_disconnect_keep_stream)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	struct tls12_crypto_info_aes_gcm_128 ci;
	char in[64];
	int fds[2], how, i;

	ASSERT_TRUE(rf_available());
	for (how = 0; how < 3; how++) {
		const char *name = how == 2 ? "tls" : RECFRAME_ULP_NAME;

		if (how == 2 && !tls_available())
			break;
		ASSERT_EQ(0, pair_rcvbuf(fds, 0));
		key_init(&ci, TLS_1_3_VERSION, 1, 0);
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(0, ulp(fds[i], name));
			if (how == 0) {
				ASSERT_EQ(0, set_framing(fds[i], &fmt_tls));
			} else {
				ASSERT_EQ(0, setsockopt(fds[i], SOL_TLS, TLS_TX,
							&ci, sizeof(ci)));
				ASSERT_EQ(0, setsockopt(fds[i], SOL_TLS, TLS_RX,
							&ci, sizeof(ci)));
			}
		}
		EXPECT_EQ(-1, listen(fds[0], 1));
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s %d", name, how);
		EXPECT_EQ(-1, connect(fds[0], &sa, sizeof(sa)));
		EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("%s %d", name, how);
		EXPECT_EQ(TCP_ESTABLISHED, tcp_state(fds[0]));
		ASSERT_EQ(5, send(fds[0], "hello", 5, 0));
		EXPECT_EQ(5, recv(fds[1], in, sizeof(in), 0));
		EXPECT_EQ(0, memcmp("hello", in, 5));
		ASSERT_EQ(5, send(fds[1], "world", 5, 0));
		EXPECT_EQ(5, recv(fds[0], in, sizeof(in), 0));
		EXPECT_EQ(0, memcmp("world", in, 5));
		close(fds[0]);
		close(fds[1]);
	}
}

/* ---------------------------- cases 4, 7, 9: bad buffers and lengths --- */

/*
 * RECFRAME_FRAMING and RECFRAME_RX_HEADER with a NULL or faulting optval,
 * short, long or zero optlen, trailing bytes: EINVAL for lengths, EFAULT
 * for pointers, and nothing changes. getsockopt with a faulting pointer:
 * EFAULT. (TLS_TX/TLS_RX are covered by tls.c sockopt.transcripts.)
 */
TEST(framing_option_bad_buffers)
{
	struct recframe_framing got, other = {
		.format = RECFRAME_FORMAT_LENGTH, .hdr_len = 4, .len_size = 4,
		.max_record = 1000,
	};
	int trail[2] = { 1, 0 }, val;
	socklen_t len;
	int fds[2];

	ASSERT_TRUE(rf_available());
	ASSERT_EQ(0, pair_rcvbuf(fds, 0));
	ASSERT_EQ(0, rf_attach(fds[0]));

	EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING, NULL,
				 sizeof(other)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING,
				 (void *)8, sizeof(other)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING,
				 &other, sizeof(other) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING,
				 &other, 0));
	EXPECT_EQ(EINVAL, errno);
	{
		char big[sizeof(other) + 4] = { 0 };

		memcpy(big, &other, sizeof(other));
		EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME,
					 RECFRAME_FRAMING, big, sizeof(big)));
		EXPECT_EQ(EINVAL, errno);
	}

	/* Boolean: 0 or 1 in exactly an int. */
	EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_RX_HEADER,
				 trail, sizeof(trail)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_RX_HEADER,
				 trail, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_RX_HEADER,
				 trail, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(fds[0], SOL_RECFRAME, RECFRAME_RX_HEADER,
				 NULL, sizeof(int)));
	EXPECT_EQ(EFAULT, errno);

	/* Nothing of it stuck. */
	len = sizeof(got);
	ASSERT_EQ(0, getsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING, &got,
				&len));
	EXPECT_EQ(RECFRAME_FORMAT_TLS, got.format);
	EXPECT_EQ(16384, got.max_record);
	len = sizeof(val);
	val = -1;
	ASSERT_EQ(0, getsockopt(fds[0], SOL_RECFRAME, RECFRAME_RX_HEADER, &val,
				&len));
	EXPECT_EQ(0, val);

	/* getsockopt into bad memory. */
	len = sizeof(got);
	EXPECT_EQ(-1, getsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING,
				 (void *)8, &len));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, getsockopt(fds[0], SOL_RECFRAME, RECFRAME_INFO, &got,
				 (socklen_t *)8));
	EXPECT_EQ(EFAULT, errno);
	len = -1;
	EXPECT_EQ(-1, getsockopt(fds[0], SOL_RECFRAME, RECFRAME_INFO, &got,
				 &len));
	EXPECT_EQ(EINVAL, errno);

	/* The socket still takes a good framing. */
	ASSERT_EQ(0, set_framing(fds[0], &other));
	close(fds[0]);
	close(fds[1]);
}

/* ------------------------------- case 6: getsockopt racing setsockopt --- */

struct setter {
	int		fd;
	atomic_int	stop;
	unsigned long	rounds;
	int		err;
	const struct tls12_crypto_info_aes_gcm_128 *k[2];
};

/* TLS 1.3 key updates of both directions, the two keys in turn. */
static void *rekey_loop(void *arg)
{
	struct setter *s = arg;

	while (!atomic_load(&s->stop)) {
		const void *k = s->k[s->rounds & 1];

		if (setsockopt(s->fd, SOL_TLS, TLS_TX, k, sizeof(*s->k[0])) ||
		    setsockopt(s->fd, SOL_TLS, TLS_RX, k, sizeof(*s->k[0]))) {
			s->err = errno;
			break;
		}
		s->rounds++;
	}
	return NULL;
}

/* The first TLS_TX of a fresh socket. */
static void *install_once(void *arg)
{
	struct setter *s = arg;

	if (setsockopt(s->fd, SOL_TLS, TLS_TX, s->k[0], sizeof(*s->k[0])))
		s->err = errno;
	return NULL;
}

/* Whole crypto_info as one of the keys, or -1. */
static int which_key(const void *buf,
		     const struct tls12_crypto_info_aes_gcm_128 *const k[2])
{
	int i;

	for (i = 0; i < 2; i++)
		if (!memcmp(buf, k[i], sizeof(*k[i])))
			return i;
	return -1;
}

/*
 * getsockopt(TLS_TX/TLS_RX) and RECFRAME_INFO while another thread keeps
 * replacing the keys (TLS 1.3 key updates), installs them on fresh sockets,
 * or sets the framing: every answer is whole, the old state or the new one,
 * never a mix and never freed memory (CVE-2023-28466 class: lock_sock).
 */
TEST(getsockopt_races_setsockopt)
{
	struct tls12_crypto_info_aes_gcm_128 k1, k2, out;
	const struct tls12_crypto_info_aes_gcm_128 *const ks[2] = { &k1, &k2 };
	struct recframe_framing fr[2] = {
		{ .format = RECFRAME_FORMAT_LENGTH, .hdr_len = 4, .len_size = 4,
		  .max_record = 1000 },
		{ .format = RECFRAME_FORMAT_LENGTH, .hdr_len = 2, .len_size = 2,
		  .max_record = 2000 },
	};
	unsigned long gets = 0, mixed = 0, installs = 0, framings = 0;
	unsigned long rekeys;
	struct recframe_info info;
	struct setter s;
	pthread_t th;
	socklen_t len;
	time_t end;
	int fds[2], i, ret;

	ASSERT_TRUE(rf_available());
	key_init(&k1, TLS_1_3_VERSION, 1, 100);
	key_init(&k2, TLS_1_3_VERSION, 2, 200);

	/* Key updates against reads of the keys. */
	ASSERT_EQ(0, pair_rcvbuf(fds, 0));
	ASSERT_EQ(0, rf_attach(fds[0]));
	ASSERT_EQ(0, setsockopt(fds[0], SOL_TLS, TLS_TX, &k1, sizeof(k1)));
	ASSERT_EQ(0, setsockopt(fds[0], SOL_TLS, TLS_RX, &k1, sizeof(k1)));
	memset(&s, 0, sizeof(s));
	s.fd = fds[0];
	s.k[0] = &k1;
	s.k[1] = &k2;
	ASSERT_EQ(0, pthread_create(&th, NULL, rekey_loop, &s));
	end = time(NULL) + 2;
	while (time(NULL) < end) {
		for (i = 0; i < 2; i++) {
			len = sizeof(out);
			memset(&out, 0xa5, sizeof(out));
			ret = getsockopt(fds[0], SOL_TLS, i ? TLS_RX : TLS_TX,
					 &out, &len);
			EXPECT_EQ(0, ret);
			if (which_key(&out, ks) < 0)
				mixed++;
			gets++;
		}
		EXPECT_EQ(0, get_info(fds[0], &info));
	}
	atomic_store(&s.stop, 1);
	pthread_join(th, NULL);
	EXPECT_EQ(0, s.err) TH_LOG("key update: %s", strerror(s.err));
	EXPECT_EQ(0, mixed);
	ASSERT_EQ(0, get_info(fds[0], &info));
	rekeys = 2 * s.rounds;
	EXPECT_EQ(rekeys, info.tls_rekeys);
	close(fds[0]);
	close(fds[1]);

	/* A first TLS_TX against getsockopt on a fresh socket. */
	end = time(NULL) + 1;
	while (time(NULL) < end) {
		ASSERT_EQ(0, pair_rcvbuf(fds, 0));
		ASSERT_EQ(0, rf_attach(fds[0]));
		memset(&s, 0, sizeof(s));
		s.fd = fds[0];
		s.k[0] = &k1;
		ASSERT_EQ(0, pthread_create(&th, NULL, install_once, &s));
		for (;;) {
			len = sizeof(out);
			memset(&out, 0xa5, sizeof(out));
			ret = getsockopt(fds[0], SOL_TLS, TLS_TX, &out, &len);
			gets++;
			if (ret) {
				ASSERT_EQ(EBUSY, errno);
				continue;
			}
			EXPECT_EQ(0, which_key(&out, ks));
			break;
		}
		pthread_join(th, NULL);
		EXPECT_EQ(0, s.err);
		installs++;
		close(fds[0]);
		close(fds[1]);
	}

	/* RECFRAME_FRAMING set over and over against its getsockopt. */
	ASSERT_EQ(0, pair_rcvbuf(fds, 0));
	ASSERT_EQ(0, rf_attach(fds[0]));
	ret = fork();
	ASSERT_LE(0, ret);
	if (!ret) {
		time_t stop = time(NULL) + 1;
		unsigned int n = 0;

		while (time(NULL) < stop)
			if (set_framing(fds[0], &fr[n++ & 1]))
				_exit(1);
		_exit(0);
	}
	end = time(NULL) + 1;
	while (time(NULL) < end) {
		struct recframe_framing g;

		len = sizeof(g);
		ASSERT_EQ(0, getsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING,
					&g, &len));
		if (g.format == RECFRAME_FORMAT_TLS) {
			EXPECT_EQ(16384, g.max_record);
		} else {
			EXPECT_TRUE(!memcmp(&g, &fr[0], sizeof(g)) ||
				    !memcmp(&g, &fr[1], sizeof(g)));
		}
		framings++;
	}
	{
		int st = -1;

		waitpid(ret, &st, 0);
		EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	}
	close(fds[0]);
	close(fds[1]);
	ksft_print_msg("getsockopt races: %lu reads of keys being replaced (%lu key updates), %lu first installs, %lu framing reads; %lu mixed answers\n",
		       gets, rekeys, installs, framings, mixed);
	fflush(stdout);
}

/* ------------------------- case 8: record size fixed while one is open --- */

/*
 * With a MSG_MORE record open, RECFRAME_FRAMING is EINVAL (data flowed),
 * and the control plane may not make max_record smaller than the open
 * record (EBUSY); the record comes out whole.
 */
TEST(framing_fixed_while_record_open)
{
	struct recframe_framing other = fmt_tls;
	struct recframe_info info;
	char out[1500], in[2000];
	struct iovec iov = { in, sizeof(in) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct gnl g;
	int fds[2], i;

	ASSERT_TRUE(rf_available());
	ASSERT_EQ(0, pair_rcvbuf(fds, 0));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, rf_attach(fds[i]));
		ASSERT_EQ(0, set_framing(fds[i], &fmt_tls));
	}
	fill(out, sizeof(out), 3);
	ASSERT_EQ(1000, send(fds[0], out, 1000, MSG_MORE));
	ASSERT_EQ(0, get_info(fds[0], &info));
	EXPECT_TRUE(info.state & RECFRAME_STATE_TX_OPEN);
	EXPECT_EQ(-1, set_framing(fds[0], &fmt_tls));
	EXPECT_EQ(EINVAL, errno);
	other.max_record = 4000;
	EXPECT_EQ(-1, set_framing(fds[0], &other));
	EXPECT_EQ(EINVAL, errno);

	if (gnl_open(&g)) {
		TH_LOG("no recframe netlink family: control plane part skipped");
	} else {
		EXPECT_EQ(-EBUSY, gnl_set_max_record(&g, sock_cookie(fds[0]),
						     999));
		/* Exactly the open record's size is fine; more is refused. */
		EXPECT_EQ(0, gnl_set_max_record(&g, sock_cookie(fds[0]), 1000));
		EXPECT_EQ(-1, send(fds[0], out + 1000, 1, MSG_MORE));
		EXPECT_EQ(EMSGSIZE, errno);
		EXPECT_EQ(0, gnl_set_max_record(&g, sock_cookie(fds[0]),
						16384));
		close(g.fd);
	}
	ASSERT_EQ(0, get_info(fds[0], &info));
	EXPECT_TRUE(info.state & RECFRAME_STATE_TX_OPEN);
	EXPECT_EQ(0, info.tx_records);
	ASSERT_EQ(500, send(fds[0], out + 1000, 500, 0));
	ASSERT_EQ(1500, recvmsg(fds[1], &m, 0));
	EXPECT_TRUE(m.msg_flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out, in, 1500));
	close(fds[0]);
	close(fds[1]);
}

/* ------------------------------------------ the mode fixture, 15-27 --- */

enum { M_FRAMING, M_TLS };

/* A plain hop: src (recframe TX) -> cap (plain); inj (plain) -> dst. */
struct relay {
	int src, cap, inj, dst;
};

FIXTURE(mode)
{
	int		fds[2];		/* [0] sends, [1] receives: recframe */
	struct relay	r;
	bool		ktls;		/* kTLS is there to compare with */
};

FIXTURE_VARIANT(mode)
{
	int		mode;
	uint16_t	version;
};

FIXTURE_VARIANT_ADD(mode, framing)
{
	.mode = M_FRAMING,
};

FIXTURE_VARIANT_ADD(mode, tls12)
{
	.mode = M_TLS,
	.version = TLS_1_2_VERSION,
};

FIXTURE_VARIANT_ADD(mode, tls13)
{
	.mode = M_TLS,
	.version = TLS_1_3_VERSION,
};

/* Configure @fd for the variant: both directions (framing), or TX/RX. */
static int mode_config(int fd, const FIXTURE_VARIANT(mode) *v, bool tx,
		       bool rx)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	if (v->mode == M_FRAMING)
		return set_framing(fd, &fmt_tls);
	key_init(&ci, v->version, 1, 0);
	if (tx && setsockopt(fd, SOL_TLS, TLS_TX, &ci, sizeof(ci)))
		return -1;
	if (rx && setsockopt(fd, SOL_TLS, TLS_RX, &ci, sizeof(ci)))
		return -1;
	return 0;
}

/* Both ends recframe, configured both ways. */
static void mode_pair(struct __test_metadata *_metadata, int fds[2],
		      const FIXTURE_VARIANT(mode) *v, int rcvbuf)
{
	int i;

	ASSERT_EQ(0, pair_rcvbuf(fds, rcvbuf));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, rf_attach(fds[i]));
		ASSERT_EQ(0, mode_config(fds[i], v, true, true));
	}
}

/*
 * The relay: records sent on src are captured on cap, and written by the
 * test on inj, they reach dst, which receives with @rxulp ("tls": kTLS).
 * Both sides start at sequence number 0.
 */
static void relay_open(struct __test_metadata *_metadata, struct relay *r,
		       const FIXTURE_VARIANT(mode) *v, const char *rxulp,
		       int rcvbuf)
{
	int a[2], b[2];

	ASSERT_EQ(0, pair_rcvbuf(a, 0));
	ASSERT_EQ(0, rf_attach(a[0]));
	ASSERT_EQ(0, mode_config(a[0], v, true, false));
	ASSERT_EQ(0, pair_rcvbuf(b, rcvbuf));
	ASSERT_EQ(0, ulp(b[1], rxulp));
	ASSERT_EQ(0, mode_config(b[1], v, false, true));
	r->src = a[0];
	r->cap = a[1];
	r->inj = b[0];
	r->dst = b[1];
}

static void relay_close(struct relay *r)
{
	close_fd(&r->src);
	close_fd(&r->cap);
	close_fd(&r->inj);
	close_fd(&r->dst);
}

/* A second receiver for the same records: plain inj -> dst with @rxulp. */
static void victim(struct __test_metadata *_metadata,
		   const FIXTURE_VARIANT(mode) *v, const char *rxulp, int *inj,
		   int *dst)
{
	int b[2];

	ASSERT_EQ(0, pair_rcvbuf(b, 0));
	ASSERT_EQ(0, ulp(b[1], rxulp));
	ASSERT_EQ(0, mode_config(b[1], v, false, true));
	*inj = b[0];
	*dst = b[1];
}

FIXTURE_SETUP(mode)
{
	self->fds[0] = self->fds[1] = -1;
	self->r.src = self->r.cap = self->r.inj = self->r.dst = -1;
	ASSERT_TRUE(rf_available());
	self->ktls = variant->mode == M_TLS && tls_available();
	mode_pair(_metadata, self->fds, variant, 0);
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(mode)
{
	close_fd(&self->fds[0]);
	close_fd(&self->fds[1]);
	relay_close(&self->r);
	signal(SIGPIPE, SIG_DFL);
}

static int cmsg_level(const FIXTURE_VARIANT(mode) *v)
{
	return v->mode == M_TLS ? SOL_TLS : SOL_RECFRAME;
}

/* send with a record type (the variant's cmsg) unless @type < 0. */
static ssize_t send_type(int fd, const FIXTURE_VARIANT(mode) *v, int type,
			 const void *buf, size_t len, int flags)
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
		cmsg->cmsg_level = cmsg_level(v);
		cmsg->cmsg_type = v->mode == M_TLS ? TLS_SET_RECORD_TYPE :
						      RECFRAME_RECORD_TYPE;
		cmsg->cmsg_len = CMSG_LEN(1);
		*CMSG_DATA(cmsg) = type;
	}
	return sendmsg(fd, &msg, flags | MSG_NOSIGNAL);
}

/*
 * recvmsg with room for the type cmsg if @room: *type gets the type (-1
 * if none), *mflags the msg_flags. errno is kept on failure.
 */
static ssize_t recv_type(int fd, const FIXTURE_VARIANT(mode) *v, void *buf,
			 size_t len, int flags, bool room, int *type,
			 int *mflags)
{
	union {
		char buf[CMSG_SPACE(1)];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&cb, 0, sizeof(cb));
	if (room) {
		msg.msg_control = cb.buf;
		msg.msg_controllen = sizeof(cb.buf);
	}
	*type = -1;
	n = recvmsg(fd, &msg, flags);
	if (mflags)
		*mflags = n < 0 ? 0 : msg.msg_flags;
	if (n < 0 || !room)
		return n;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == cmsg_level(v))
			*type = *CMSG_DATA(cmsg);
	return n;
}

/* Send a record of @type on src and capture its bytes off cap. */
static ssize_t capture(struct __test_metadata *_metadata, struct relay *r,
		       const FIXTURE_VARIANT(mode) *v, int type,
		       const void *buf, size_t len, unsigned char *out)
{
	ssize_t n;

	EXPECT_EQ((ssize_t)len, send_type(r->src, v, type, buf, len, 0));
	n = raw_read(r->cap, out, BI_WIRE_MAX);
	EXPECT_LT(0, n);
	return n;
}

/* ------------------------------------ case 15: empty records mid-stream --- */

struct expect_read {
	int	flags;
	bool	room;
	ssize_t	ret;		/* -errno for an error */
	int	type;		/* -1: do not check */
	const char *data;
};

/*
 * Empty data records, and an empty control record, between data and
 * control records (TLS 1.3 allows empty data records; CVE-2025-39682 class:
 * an empty record kept between calls). Every read returns what the list
 * below says, on recframe and on kTLS alike: no stall, no bytes of two
 * types in one call, an empty control record read as 0 bytes with its type.
 * In framing mode every empty record is skipped, whatever its type.
 */
TEST_F_TIMEOUT(mode, empty_records_mid_stream, 120)
{
	static const struct { int type; const char *data; size_t len; } sends[] = {
		{ T_DATA, "abc", 3 }, { T_DATA, "", 0 }, { T_DATA, "", 0 },
		{ T_ALERT, "", 0 }, { T_DATA, "", 0 }, { T_DATA, "def", 3 },
		{ T_ALERT, "\x01\x00", 2 }, { T_DATA, "ghi", 3 },
	};
	static const struct expect_read tls_reads[] = {
		{ MSG_PEEK, false, 3, -1, "abc" },
		{ 0, true, 3, T_DATA, "abc" },
		{ 0, false, -EIO, -1, NULL },
		{ 0, true, 0, T_ALERT, NULL },
		{ 0, true, 3, T_DATA, "def" },
		{ 0, true, 2, T_ALERT, "\x01\x00" },
		{ MSG_WAITALL, true, 3, T_DATA, "ghi" },
		{ MSG_DONTWAIT, true, -EAGAIN, -1, NULL },
	};
	static const struct expect_read framing_reads[] = {
		{ MSG_PEEK, false, 3, -1, "abc" },
		{ 0, true, 3, T_DATA, "abc" },
		{ 0, false, 3, -1, "def" },
		{ 0, true, 2, T_ALERT, "\x01\x00" },
		{ MSG_PEEK, true, 3, T_DATA, "ghi" },
		{ 0, true, 3, T_DATA, "ghi" },
		{ MSG_DONTWAIT, true, -EAGAIN, -1, NULL },
	};
	const struct expect_read *reads = variant->mode == M_TLS ? tls_reads :
					  framing_reads;
	unsigned int nreads = variant->mode == M_TLS ? ARRAY_SIZE(tls_reads) :
				   ARRAY_SIZE(framing_reads);
	static unsigned char wire[8][BI_WIRE_MAX];
	const char *rx[2] = { RECFRAME_ULP_NAME, "tls" };
	struct recframe_info info;
	ssize_t len[8], n;
	unsigned int i, u;
	char in[64];
	int inj, dst, type, fl;

	relay_open(_metadata, &self->r, variant, RECFRAME_ULP_NAME, 0);
	for (i = 0; i < ARRAY_SIZE(sends); i++)
		len[i] = capture(_metadata, &self->r, variant, sends[i].type,
				 sends[i].data, sends[i].len, wire[i]);
	for (u = 0; u < (self->ktls ? 2U : 1U); u++) {
		victim(_metadata, variant, rx[u], &inj, &dst);
		for (i = 0; i < ARRAY_SIZE(sends); i++)
			ASSERT_EQ(0, write_all(inj, wire[i], len[i]));
		usleep(20000);
		for (i = 0; i < nreads; i++) {
			memset(in, 0, sizeof(in));
			errno = 0;
			n = recv_type(dst, variant, in, sizeof(in),
				      reads[i].flags, reads[i].room, &type, &fl);
			EXPECT_EQ(reads[i].ret, n < 0 ? -errno : n)
				TH_LOG("%s read %u: %zd (%s)", rx[u], i, n,
				       n < 0 ? strerror(errno) : "ok");
			if (n < 0)
				continue;
			if (reads[i].type >= 0)
				EXPECT_EQ(reads[i].type, type)
					TH_LOG("%s read %u", rx[u], i);
			if (reads[i].data)
				EXPECT_EQ(0, memcmp(reads[i].data, in, n))
					TH_LOG("%s read %u", rx[u], i);
		}
		if (u == 0) {
			ASSERT_EQ(0, get_info(dst, &info));
			EXPECT_EQ(variant->mode == M_TLS ? 3 : 4, info.rx_empty);
			EXPECT_EQ(0, info.rx_error);
		}
		close(inj);
		close(dst);
	}
}

/* --------------------------------- case 17: reset in the middle of one --- */

/*
 * A good record, half of the next, then the peer's reset: the good record
 * is read, then ECONNRESET once, then end of stream; nothing sticky is
 * left and the half record is freed with the socket (kmemleak in the
 * debug tier). kTLS gives the same first two answers.
 */
TEST_F(mode, peer_reset_mid_record)
{
	static unsigned char a[BI_WIRE_MAX], b[BI_WIRE_MAX];
	const char *rx[2] = { RECFRAME_ULP_NAME, "tls" };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct recframe_info info;
	char txt[100], in[200];
	ssize_t la, lb, n;
	int inj, dst;
	unsigned int u;

	relay_open(_metadata, &self->r, variant, RECFRAME_ULP_NAME, 0);
	fill(txt, sizeof(txt), 17);
	la = capture(_metadata, &self->r, variant, -1, txt, 64, a);
	lb = capture(_metadata, &self->r, variant, -1, txt, 100, b);
	for (u = 0; u < (self->ktls ? 2U : 1U); u++) {
		victim(_metadata, variant, rx[u], &inj, &dst);
		ASSERT_EQ(0, write_all(inj, a, la));
		ASSERT_EQ(0, write_all(inj, b, lb / 2));
		ASSERT_EQ(0, wait_acked(inj));
		ASSERT_EQ(0, setsockopt(inj, SOL_SOCKET, SO_LINGER, &lg,
					sizeof(lg)));
		close(inj);
		EXPECT_EQ(64, recv(dst, in, sizeof(in), 0)) TH_LOG("%s", rx[u]);
		EXPECT_EQ(0, memcmp(txt, in, 64));
		EXPECT_EQ(-1, recv(dst, in, sizeof(in), 0));
		EXPECT_EQ(ECONNRESET, errno) TH_LOG("%s", rx[u]);
		n = recv(dst, in, sizeof(in), 0);
		if (u == 0) {
			EXPECT_EQ(0, n) TH_LOG("after the reset: %s",
					       n < 0 ? strerror(errno) : "data");
			ASSERT_EQ(0, get_info(dst, &info));
			EXPECT_EQ(0, info.rx_error);
			EXPECT_FALSE(info.state & RECFRAME_STATE_RX_ERROR);
			EXPECT_EQ(0, info.err_truncated);
			EXPECT_EQ(1, info.rx_records);
		} else {
			TH_LOG("kTLS after the reset: %zd %s", n,
			       n < 0 ? strerror(errno) : "");
		}
		close(dst);
	}
}

/* ----------------------- case 19: urgent header bytes, tiny SO_RCVBUF --- */

struct writer {
	pthread_t	th;
	pid_t		tid;
	int		fd;
	const void	*buf;
	size_t		len;
	int		ret;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;

	w->tid = gettid_();
	w->ret = write_all(w->fd, w->buf, w->len);
	return NULL;
}

/* Write @len bytes of @rec's header one byte per urgent segment. */
static void send_urgent(struct __test_metadata *_metadata, int fd,
			const unsigned char *hdr, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		ASSERT_EQ(1, send(fd, hdr + i, 1, MSG_OOB));
		ASSERT_EQ(0, wait_acked(fd));
	}
}

/*
 * The receiver has the smallest SO_RCVBUF. A record's header arrives as
 * urgent bytes, one segment each, and its 16000-byte body as one large
 * send (CVE-2025-39946 class: a parser working on a record larger than
 * the buffer). The record arrives whole through the copy fallback; then a
 * header announcing more than a record may hold, sent the same way and
 * followed by a large send, stops the receiver with a sticky EMSGSIZE.
 */
TEST_F_TIMEOUT(mode, urgent_header_tiny_rcvbuf, 180)
{
	static unsigned char good[BI_WIRE_MAX], big[BI_WIRE_MAX];
	static unsigned char junk[40000], txt[16000], in[16384];
	unsigned char bad[5] = { T_DATA, 3, 3, 0, 0 };
	struct recframe_info info;
	struct writer w;
	ssize_t lg, lb, n;
	int i;

	relay_open(_metadata, &self->r, variant, RECFRAME_ULP_NAME, 4096);
	set_timeo(self->r.dst, 60000);
	fill(txt, sizeof(txt), 19);
	lg = capture(_metadata, &self->r, variant, -1, txt, 100, good);
	lb = capture(_metadata, &self->r, variant, -1, txt, sizeof(txt), big);
	ASSERT_LE(5 + 16000, lb);

	ASSERT_EQ(0, set_int(self->r.inj, SOL_TCP, TCP_NODELAY, 1));
	ASSERT_EQ(0, write_all(self->r.inj, good, lg));
	send_urgent(_metadata, self->r.inj, big, 5);
	memset(&w, 0, sizeof(w));
	w.fd = self->r.inj;
	w.buf = big + 5;
	w.len = lb - 5;
	ASSERT_EQ(0, pthread_create(&w.th, NULL, writer_fn, &w));
	EXPECT_EQ(100, recv(self->r.dst, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(txt, in, 100));
	n = recv_exact(self->r.dst, in, sizeof(txt));
	pthread_join(w.th, NULL);
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ((ssize_t)sizeof(txt), n);
	EXPECT_EQ(0, memcmp(txt, in, sizeof(txt)));
	ASSERT_EQ(0, get_info(self->r.dst, &info));
	EXPECT_LE(1, info.rx_copy_fallback);
	EXPECT_EQ(0, info.rx_error);
	TH_LOG("16000-byte record behind urgent header bytes: rx_copy_fallback %llu",
	       (unsigned long long)info.rx_copy_fallback);

	/* A header too long for any record, then a flood. */
	i = variant->mode == M_TLS ? 16384 + 256 + 1 : 16384 + 1;
	bad[3] = i >> 8;
	bad[4] = i & 0xff;
	send_urgent(_metadata, self->r.inj, bad, 5);
	fill(junk, sizeof(junk), 20);
	memset(&w, 0, sizeof(w));
	w.fd = self->r.inj;
	w.buf = junk;
	w.len = sizeof(junk);
	set_timeo(self->r.inj, 1000);
	ASSERT_EQ(0, pthread_create(&w.th, NULL, writer_fn, &w));
	EXPECT_EQ(-1, recv(self->r.dst, in, sizeof(in), 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, recv(self->r.dst, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(POLLIN | POLLERR, poll_in(self->r.dst, 0) & (POLLIN | POLLERR));
	pthread_join(w.th, NULL);
	ASSERT_EQ(0, get_info(self->r.dst, &info));
	EXPECT_EQ(-EMSGSIZE, info.rx_error);
	EXPECT_EQ(1, info.err_msgsize);
	EXPECT_EQ(2, info.rx_records);
}

/* ------------------------- case 20: a reader under the framer (TCP) --- */

struct reader {
	pthread_t	th;
	int		fd;
	pid_t		tid;
	atomic_int	started;
	ssize_t		ret;
	int		err;
	unsigned char	buf[4096];
};

static void *reader_fn(void *arg)
{
	struct reader *rd = arg;

	rd->tid = gettid_();
	atomic_store(&rd->started, 1);
	rd->ret = recv(rd->fd, rd->buf, sizeof(rd->buf), 0);
	rd->err = errno;
	return NULL;
}

/*
 * A thread is blocked in TCP's recv() (entered before the receive side
 * was configured: after the attach, or before it) when the records arrive:
 * it takes bytes from under the framer. Never a WARN; recframe sees its
 * stream move and stops with a sticky EPROTO, counted in err_truncated
 * (documented; kTLS since CVE-2025-38616 resets its parser instead).
 */
TEST_F_TIMEOUT(mode, reader_inside_tcp, 60)
{
	static unsigned char r1[BI_WIRE_MAX], r2[BI_WIRE_MAX];
	struct recframe_info info;
	struct reader rd;
	char txt[64], in[64];
	ssize_t l1, l2;
	int before, fds[2];

	relay_open(_metadata, &self->r, variant, RECFRAME_ULP_NAME, 0);
	fill(txt, sizeof(txt), 20);
	for (before = 0; before < 2; before++) {
		/* Fresh records each round: sequence numbers from 0. */
		relay_close(&self->r);
		relay_open(_metadata, &self->r, variant, RECFRAME_ULP_NAME, 0);
		l1 = capture(_metadata, &self->r, variant, -1, txt, 30, r1);
		l2 = capture(_metadata, &self->r, variant, -1, txt, 40, r2);
		ASSERT_EQ(0, pair_rcvbuf(fds, 0));
		if (!before)
			ASSERT_EQ(0, rf_attach(fds[1]));
		memset(&rd, 0, sizeof(rd));
		rd.fd = fds[1];
		ASSERT_EQ(0, pthread_create(&rd.th, NULL, reader_fn, &rd));
		while (!atomic_load(&rd.started))
			usleep(1000);
		ASSERT_TRUE(wait_sleeping(rd.tid));
		if (before)
			ASSERT_EQ(0, rf_attach(fds[1]));
		ASSERT_EQ(0, mode_config(fds[1], variant, false, true));
		ASSERT_EQ(0, write_all(fds[0], r1, l1));
		ASSERT_EQ(0, write_all(fds[0], r2, l2));
		pthread_join(rd.th, NULL);
		EXPECT_LT(0, rd.ret) TH_LOG("old reader: %s", strerror(rd.err));
		EXPECT_EQ(0, memcmp(r1, rd.buf, rd.ret < l1 ? rd.ret : l1));
		ASSERT_EQ(0, wait_acked(fds[0]));
		EXPECT_EQ(-1, recv(fds[1], in, sizeof(in), MSG_DONTWAIT));
		EXPECT_EQ(EPROTO, errno) TH_LOG("old reader took %zd bytes",
						rd.ret);
		EXPECT_EQ(-1, recv(fds[1], in, sizeof(in), 0));
		EXPECT_EQ(EPROTO, errno);
		EXPECT_EQ(POLLIN | POLLERR, poll_in(fds[1], 0) & (POLLIN | POLLERR));
		ASSERT_EQ(0, get_info(fds[1], &info));
		EXPECT_EQ(-EPROTO, info.rx_error);
		EXPECT_EQ(1, info.err_truncated);
		close(fds[0]);
		close(fds[1]);
	}
}

/* ------------------- case 23: tiny SO_SNDBUF, O_NONBLOCK, MSG_MORE --- */

/*
 * The sender has the smallest SO_SNDBUF and O_NONBLOCK, the reader is
 * away. Records are taken whole until EAGAIN; MSG_MORE pieces are then
 * taken whole or refused with EAGAIN (never in part), the open record
 * shows in RECFRAME_INFO, and once the reader drains, the open record
 * closes with exactly the pieces that were taken.
 */
TEST_F_TIMEOUT(mode, nonblock_more_tiny_sndbuf, 180)
{
	static unsigned char out[4000], in[4000];
	struct recframe_info info;
	int taken = 0, more = 0, refused = 0, i, one = 1;
	size_t last;
	ssize_t n;

	ASSERT_EQ(0, setsockopt(self->fds[0], SOL_SOCKET, SO_SNDBUF, &one,
				sizeof(one)));
	ASSERT_EQ(0, fcntl(self->fds[0], F_SETFL,
			   fcntl(self->fds[0], F_GETFL) | O_NONBLOCK));
	for (i = 0; i < 5000; i++) {
		fill(out, 1000, i);
		n = send(self->fds[0], out, 1000, MSG_NOSIGNAL);
		if (n < 0) {
			ASSERT_EQ(EAGAIN, errno);
			break;
		}
		ASSERT_EQ(1000, n);
		taken++;
	}
	ASSERT_GT(5000, i) TH_LOG("the send buffer never filled");

	/* Pieces of one record, each taken whole or not at all. */
	for (i = 0; i < 20 && more < 8; i++) {
		fill(out + more * 300, 300, 7000 + more);
		n = send(self->fds[0], out + more * 300, 300,
			 MSG_MORE | MSG_NOSIGNAL);
		if (n < 0) {
			ASSERT_EQ(EAGAIN, errno);
			refused++;
			usleep(10000);
			continue;
		}
		ASSERT_EQ(300, n);
		more++;
		ASSERT_EQ(0, get_info(self->fds[0], &info));
		EXPECT_TRUE(info.state & RECFRAME_STATE_TX_OPEN);
	}
	ASSERT_EQ(0, get_info(self->fds[0], &info));
	EXPECT_EQ(taken, (int)info.tx_records);
	EXPECT_EQ(!!more, !!(info.state & RECFRAME_STATE_TX_OPEN));

	/* The reader comes back: every record whole, in order. */
	for (i = 0; i < taken; i++) {
		fill(out + 3000, 1000, i);
		ASSERT_EQ(1000, recv_exact(self->fds[1], in, 1000))
			TH_LOG("record %d of %d", i, taken);
		ASSERT_EQ(0, memcmp(out + 3000, in, 1000)) TH_LOG("record %d", i);
	}
	fill(out + more * 300, 100, 9999);
	for (i = 0; i < 500; i++) {
		n = send(self->fds[0], out + more * 300, 100, MSG_NOSIGNAL);
		if (n >= 0 || errno != EAGAIN)
			break;
		usleep(10000);
	}
	ASSERT_EQ(100, n);
	last = more * 300 + 100;
	ASSERT_EQ((ssize_t)last, recv_exact(self->fds[1], in, last));
	EXPECT_EQ(0, memcmp(out, in, last));
	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, get_info(self->fds[0], &info));
	EXPECT_EQ(taken + 1, (int)info.tx_records);
	EXPECT_FALSE(info.state & RECFRAME_STATE_TX_OPEN);
	TH_LOG("%d records before EAGAIN, %d MSG_MORE pieces taken, %d refused",
	       taken, more, refused);
}

/* ---------------------------------- case 24: splice into a record --- */

/* One recv() returns exactly the record @want, to its end. */
static void expect_record(struct __test_metadata *_metadata, int fd,
			  const char *want, size_t len)
{
	struct iovec iov;
	struct msghdr m;
	char in[256];
	ssize_t n;

	iov.iov_base = in;
	iov.iov_len = sizeof(in);
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	n = recvmsg(fd, &m, 0);
	EXPECT_EQ((ssize_t)len, n);
	if (n > 0)
		EXPECT_EQ(0, memcmp(want, in, n));
	EXPECT_TRUE(m.msg_flags & MSG_EOR);
}

/*
 * splice() from a pipe into the socket while a MSG_MORE record is open
 * (CVE-2024-0646 class): the pipe's bytes join that record; with
 * SPLICE_F_MORE it stays open. A splice or sendfile that meets end of
 * file sends nothing and changes nothing, with or without an open record
 * (the NULL-dereference class of splice_eof).
 */
TEST_F(mode, splice_into_open_record)
{
	struct recframe_info info;
	int p[2], file, tx = self->fds[0], rx = self->fds[1];
	struct iovec vm = { .iov_base = "vm!", .iov_len = 3 };
	off_t off;
	char in[64];

	ASSERT_EQ(0, pipe(p));
	/* An open record, then a pipe's bytes: one record. */
	ASSERT_EQ(4, send(tx, "head", 4, MSG_MORE));
	ASSERT_EQ(6, write(p[1], "middle", 6));
	ASSERT_EQ(6, splice(p[0], NULL, tx, NULL, 6, 0));
	expect_record(_metadata, rx, "headmiddle", 10);

	/* SPLICE_F_MORE keeps it open for the next send. */
	ASSERT_EQ(1, send(tx, "a", 1, MSG_MORE));
	ASSERT_EQ(2, write(p[1], "bc", 2));
	ASSERT_EQ(2, splice(p[0], NULL, tx, NULL, 2, SPLICE_F_MORE));
	ASSERT_EQ(0, get_info(tx, &info));
	EXPECT_TRUE(info.state & RECFRAME_STATE_TX_OPEN);
	ASSERT_EQ(1, send(tx, "d", 1, 0));
	expect_record(_metadata, rx, "abcd", 4);

	/* User pages given to the pipe with vmsplice(). */
	ASSERT_EQ(2, send(tx, "<<", 2, MSG_MORE));
	ASSERT_EQ(3, vmsplice(p[1], &vm, 1, 0));
	ASSERT_EQ(3, splice(p[0], NULL, tx, NULL, 3, 0));
	expect_record(_metadata, rx, "<<vm!", 5);

	/* End of file with no record open: nothing happens. */
	close(p[1]);
	EXPECT_EQ(0, splice(p[0], NULL, tx, NULL, 100, 0));
	file = memfd_create("badinput", 0);
	ASSERT_LE(0, file);
	off = 0;
	EXPECT_EQ(0, sendfile(tx, file, &off, 100));
	ASSERT_EQ(5, write(file, "12345", 5));
	off = 5;
	EXPECT_EQ(0, sendfile(tx, file, &off, 100));
	usleep(20000);
	EXPECT_EQ(-1, recv(rx, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, get_info(tx, &info));
	EXPECT_FALSE(info.state & RECFRAME_STATE_TX_OPEN);
	EXPECT_EQ(3, info.tx_records);

	/*
	 * End of file with a record open: it stays open or is closed, and
	 * its bytes come through either way.
	 */
	ASSERT_EQ(1, send(tx, "x", 1, MSG_MORE));
	EXPECT_EQ(0, splice(p[0], NULL, tx, NULL, 100, 0));
	off = 5;
	EXPECT_EQ(0, sendfile(tx, file, &off, 100));
	off = 0;
	EXPECT_EQ(5, sendfile(tx, file, &off, 100));
	ASSERT_EQ(1, send(tx, "y", 1, 0));
	EXPECT_EQ(7, recv_exact(rx, in, 7));
	EXPECT_EQ(0, memcmp("x12345y", in, 7));
	EXPECT_EQ(-1, recv(rx, in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	close(file);
	close(p[0]);
}

/* ------------------- case 25: MSG_MORE senders, one blocked, close --- */

#define MS_MAGIC	0x6d6f7265	/* "more" */

struct ms_hdr {
	uint32_t magic, id, seq, len;
};

struct more_sender {
	pthread_t	th;
	int		fd, id;
	pid_t		tid;
	uint32_t	sent;		/* messages taken */
	int		err;		/* what ended it */
	int		torn;		/* short counts */
};

static void ms_fill(uint8_t *b, uint32_t id, uint32_t seq, uint32_t len)
{
	struct ms_hdr h = { MS_MAGIC, id, seq, len };
	uint32_t i;

	memcpy(b, &h, sizeof(h));
	for (i = sizeof(h); i < len; i++)
		b[i] = (uint8_t)(id * 131 + seq * 7 + i);
}

static void *more_sender_fn(void *arg)
{
	struct more_sender *s = arg;
	uint8_t buf[1500];

	s->tid = gettid_();
	for (;;) {
		uint32_t len = sizeof(struct ms_hdr) +
			       (s->sent * 2654435761u + s->id) % 1400;
		int flags = (s->sent % 4 == 3 ? 0 : MSG_MORE) | MSG_NOSIGNAL;
		ssize_t n;

		ms_fill(buf, s->id, s->sent, len);
		n = send(s->fd, buf, len, flags);
		if (n == (ssize_t)len) {
			s->sent++;
			continue;
		}
		if (n >= 0) {
			s->torn++;
			s->err = EPROTO;
			break;
		}
		if (errno == EMSGSIZE) {
			/* The open record is full: close it, try again. */
			send(s->fd, NULL, 0, MSG_NOSIGNAL);
			continue;
		}
		if (errno == EAGAIN || errno == EINTR)
			continue;
		s->err = errno;
		break;
	}
	return NULL;
}

/*
 * Two threads send MSG_MORE pieces (every fourth closes the record) on one
 * socket with the smallest SO_SNDBUF while the reader is away, so that
 * they block; the socket's descriptor is closed under them (CVE-2024-44946
 * class). The calls in flight finish, later ones fail with EBADF, the
 * last reference closes the socket, and the reader gets every message
 * that was reported sent, whole, once and in each thread's order, then
 * end of stream: the senders were serialised and nothing was freed twice.
 */
TEST_F_TIMEOUT(mode, more_senders_then_close, 180)
{
	struct more_sender s[2];
	static uint8_t buf[20000];
	uint32_t next[2] = { 0, 0 };
	size_t have = 0, total = 0;
	int i, one = 1, bad = 0, eof = 0;

	ASSERT_EQ(0, setsockopt(self->fds[0], SOL_SOCKET, SO_SNDBUF, &one,
				sizeof(one)));
	set_timeo(self->fds[0], 2000);
	set_timeo(self->fds[1], 10000);
	for (i = 0; i < 2; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].fd = self->fds[0];
		s[i].id = i;
		ASSERT_EQ(0, pthread_create(&s[i].th, NULL, more_sender_fn,
					    &s[i]));
	}
	/* Wait until a sender sleeps, waiting for memory. */
	usleep(100000);
	EXPECT_TRUE(wait_sleeping(s[0].tid) || wait_sleeping(s[1].tid));
	usleep(200000);
	close(self->fds[0]);
	self->fds[0] = -1;

	/* Read it all: messages may span records, records hold several. */
	for (;;) {
		ssize_t n = recv(self->fds[1], buf + have, sizeof(buf) - have,
				 0);
		struct ms_hdr h;

		if (n <= 0) {
			if (!n)
				eof = 1;
			else
				TH_LOG("reader: %s", strerror(errno));
			break;
		}
		have += n;
		total += n;
		while (have >= sizeof(h)) {
			uint8_t want[1500];

			memcpy(&h, buf, sizeof(h));
			if (h.magic != MS_MAGIC || h.id > 1 || h.len > 1500 ||
			    h.len < sizeof(h)) {
				bad++;
				have = 0;
				break;
			}
			if (have < h.len)
				break;
			ms_fill(want, h.id, h.seq, h.len);
			if (memcmp(want, buf, h.len) || h.seq != next[h.id])
				bad++;
			next[h.id] = h.seq + 1;
			memmove(buf, buf + h.len, have - h.len);
			have -= h.len;
		}
		if (bad)
			break;
	}
	for (i = 0; i < 2; i++)
		pthread_join(s[i].th, NULL);
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(eof);
	EXPECT_EQ(0, have);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, s[i].torn);
		EXPECT_EQ(EBADF, s[i].err) TH_LOG("sender %d: %s", i,
						  strerror(s[i].err));
		EXPECT_EQ(s[i].sent, next[i]) TH_LOG("sender %d", i);
	}
	TH_LOG("messages sent and received: %u + %u, %zu bytes",
	       s[0].sent, s[1].sent, total);
}

/* --------------------------- case 27: send after shutdown or reset --- */

static atomic_int sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	atomic_fetch_add(&sigpipes, 1);
}

/*
 * After shutdown(SHUT_WR): EPIPE, with SIGPIPE unless MSG_NOSIGNAL.
 * After the peer's reset: TCP's ECONNRESET once (no SIGPIPE), then EPIPE.
 * kTLS differs (documented: it accepts bytes after SHUT_WR, and repeats
 * ECONNRESET); its answers are logged.
 */
TEST_F(mode, send_after_shutdown_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct tls12_crypto_info_aes_gcm_128 ci;
	int fds[2], round, first;
	ssize_t n;

	signal(SIGPIPE, on_sigpipe);
	atomic_store(&sigpipes, 0);
	ASSERT_EQ(0, shutdown(self->fds[0], SHUT_WR));
	EXPECT_EQ(-1, send(self->fds[0], "a", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, atomic_load(&sigpipes));
	EXPECT_EQ(-1, send(self->fds[0], "a", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, atomic_load(&sigpipes));
	EXPECT_EQ(-1, send(self->fds[0], "a", 1, MSG_MORE));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(2, atomic_load(&sigpipes));

	for (round = 0; round < (self->ktls ? 2 : 1); round++) {
		ASSERT_EQ(0, pair_rcvbuf(fds, 0));
		if (round == 0) {
			ASSERT_EQ(0, rf_attach(fds[0]));
			ASSERT_EQ(0, mode_config(fds[0], variant, true, true));
		} else {
			key_init(&ci, variant->version, 1, 0);
			ASSERT_EQ(0, ulp(fds[0], "tls"));
			ASSERT_EQ(0, setsockopt(fds[0], SOL_TLS, TLS_TX, &ci,
						sizeof(ci)));
		}
		ASSERT_EQ(0, setsockopt(fds[1], SOL_SOCKET, SO_LINGER, &lg,
					sizeof(lg)));
		close(fds[1]);
		ASSERT_TRUE(wait_state(fds[0], TCP_CLOSE));
		atomic_store(&sigpipes, 0);
		n = send(fds[0], "b", 1, MSG_NOSIGNAL);
		first = n < 0 ? errno : 0;
		if (round == 0) {
			EXPECT_EQ(-1, n);
			EXPECT_EQ(ECONNRESET, first);
			EXPECT_EQ(-1, send(fds[0], "b", 1, 0));
			EXPECT_EQ(EPIPE, errno);
			EXPECT_EQ(1, atomic_load(&sigpipes));
			EXPECT_EQ(-1, send(fds[0], "b", 1, MSG_NOSIGNAL));
			EXPECT_EQ(EPIPE, errno);
			EXPECT_EQ(1, atomic_load(&sigpipes));
		} else {
			int second;

			n = send(fds[0], "b", 1, 0);
			second = n < 0 ? errno : 0;
			TH_LOG("kTLS after a reset: %s, then %s (%d SIGPIPE)",
			       strerror(first), strerror(second),
			       atomic_load(&sigpipes));
		}
		close(fds[0]);
	}
	signal(SIGPIPE, SIG_IGN);
}

/* -------------------------------------- case 31: no autoload for users --- */

/*
 * With recframe unloaded, an unprivileged user's TCP_ULP "recframe" fails
 * with ENOENT and loads nothing (tcp_ulp only asks request_module() for
 * CAP_NET_ADMIN). The module is loaded again for the tests after.
 */
TEST(unpriv_attach_no_autoload)
{
	struct stat st;
	pid_t pid;
	int i, status = -1;

	if (stat("/sys/module/recframe/refcnt", &st))
		SKIP(return, "recframe is not a loadable module here");
	/* Sockets of earlier tests finish closing first. */
	for (i = 0; i < 200; i++) {
		if (!rf_delete_module("recframe"))
			break;
		usleep(50000);
	}
	ASSERT_LT(i, 200) TH_LOG("recframe would not unload");
	ASSERT_FALSE(rf_available());

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fds[2];

		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (rf_tcp_pair(AF_INET, fds))
			_exit(11);
		if (!rf_attach(fds[0]))
			_exit(12);
		_exit(errno == ENOENT ? 0 : 13);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_NE(0, stat("/sys/module/recframe", &st))
		TH_LOG("an unprivileged attach loaded recframe");
	EXPECT_FALSE(rf_available());
	ASSERT_EQ(0, system("modprobe recframe"));
	ASSERT_TRUE(rf_available());
}

/* ------------------------------------- control plane against the data path */

/*
 * Case 8: RECFRAME_CMD_SOCK_SET of max_record while another thread sleeps
 * in the push of a record (waiting for send buffer inside TCP, socket lock
 * released, still walking the record's fragment array). Resizing the array
 * then was a use after free and a page reference put twice (KASAN); now it
 * is EBUSY until the push is over, and the record arrives intact.
 */
TEST(sock_set_during_push_ebusy)
{
	static char out[16000], in[16384 + 5];
	struct writer w;
	struct gnl g;
	int fds[2], i, one = 1;

	ASSERT_TRUE(rf_available());
	if (gnl_open(&g))
		SKIP(return, "no recframe netlink family");
	/* A plain receiver that reads nothing yet: the window closes. */
	ASSERT_EQ(0, pair_rcvbuf(fds, 1));
	ASSERT_EQ(0, rf_attach(fds[0]));
	ASSERT_EQ(0, set_framing(fds[0], &fmt_tls));
	ASSERT_EQ(0, setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &one,
				sizeof(one)));
	set_timeo(fds[0], 30000);
	fill(out, sizeof(out), 8);
	memset(&w, 0, sizeof(w));
	w.fd = fds[0];
	w.buf = out;
	w.len = sizeof(out);
	/* One record, too large for both buffers: the push sleeps. */
	ASSERT_EQ(0, pthread_create(&w.th, NULL, writer_fn, &w));
	for (i = 0; i < 100 && !w.tid; i++)
		usleep(10000);
	ASSERT_TRUE(wait_sleeping(w.tid));
	usleep(100000);
	EXPECT_EQ(-EBUSY, gnl_set_max_record(&g, sock_cookie(fds[0]), 65535));
	EXPECT_EQ(5 + (ssize_t)sizeof(out), recv_exact(fds[1], in, 5 + sizeof(out)));
	EXPECT_EQ(0, memcmp(out, in + 5, sizeof(out)));
	pthread_join(w.th, NULL);
	EXPECT_EQ(0, w.ret);
	/* With the push over, the same request goes through. */
	EXPECT_EQ(0, gnl_set_max_record(&g, sock_cookie(fds[0]), 65535));
	close(g.fd);
	close(fds[0]);
	close(fds[1]);
}

/*
 * Case 8: RECFRAME_CMD_SOCK_SET of max_record on a socket with TLS_TX,
 * then records encrypted out of place (sendfile). The AEAD scatterlists
 * were sized at TLS_TX for the old fragment array, and a larger one
 * overflowed them (a heap overflow of 10 scatterlist entries under KASAN);
 * they now grow with the array.
 */
TEST(sock_set_tls_sendfile)
{
	struct tls12_crypto_info_aes_gcm_128 ci;
	static char out[40000], in[40000];
	struct gnl g;
	int fds[2], file, i;
	off_t off = 0;
	pid_t pid;

	ASSERT_TRUE(rf_available());
	if (gnl_open(&g))
		SKIP(return, "no recframe netlink family");
	key_init(&ci, TLS_1_2_VERSION, 4, 0);
	ASSERT_EQ(0, pair_rcvbuf(fds, 0));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, rf_attach(fds[i]));
		ASSERT_EQ(0, setsockopt(fds[i], SOL_TLS, i ? TLS_RX : TLS_TX,
					&ci, sizeof(ci)));
	}
	EXPECT_EQ(0, gnl_set_max_record(&g, sock_cookie(fds[0]), 65535));
	fill(out, sizeof(out), 9);
	file = memfd_create("badinput", 0);
	ASSERT_LE(0, file);
	ASSERT_EQ((ssize_t)sizeof(out), write(file, out, sizeof(out)));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		while (off < (off_t)sizeof(out))
			if (sendfile(fds[0], file, &off, sizeof(out) - off) <= 0)
				_exit(1);
		_exit(0);
	}
	EXPECT_EQ((ssize_t)sizeof(out), recv_exact(fds[1], in, sizeof(out)));
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
	waitpid(pid, NULL, 0);
	close(file);
	close(g.fd);
	close(fds[0]);
	close(fds[1]);
}

int main(int argc, char **argv)
{
	_attach_closed_states_object.timeout = 60;
	_getsockopt_races_setsockopt_object.timeout = 120;
	_unpriv_attach_no_autoload_object.timeout = 60;
	_sock_set_during_push_ebusy_object.timeout = 120;
	_sock_set_tls_sendfile_object.timeout = 120;
	return test_harness_run(argc, argv);
}
