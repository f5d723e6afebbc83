// SPDX-License-Identifier: GPL-2.0
/*
 * Plaintext record framing, as include/uapi/linux/recframe.h describes it:
 * record formats, receive and transmit semantics, flags, errors, socket
 * options and counters.
 *
 * Fixtures:
 *	framing	recframe on both ends, every format over IPv4 and IPv6
 *	raw	a plain TCP sender writes encoded records (or bad ones) to a
 *		recframe receiver: the RX framer alone
 *	wire	a recframe sender, a plain receiver checks the exact bytes
 *	sockopt	option validation on an attached pair
 */
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <time.h>
#include <linux/sockios.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#define RF_TIMEOUT_MS		5000

/* Record formats of the variants. */
#define FMT_TLS { \
	.format = RECFRAME_FORMAT_TLS, \
	.max_record = 16384, \
}
/* libvirt RPC: 4-byte big-endian length counting itself. */
#define FMT_LIBVIRT { \
	.format = RECFRAME_FORMAT_LENGTH, \
	.hdr_len = 4, .len_off = 0, .len_size = 4, .len_adjust = -4, \
	.max_record = 65536, \
}
/* Kafka: 4-byte big-endian length not counting itself. */
#define FMT_KAFKA { \
	.format = RECFRAME_FORMAT_LENGTH, \
	.hdr_len = 4, .len_off = 0, .len_size = 4, \
	.max_record = RECFRAME_RECORD_LIMIT, \
}
/* DNS over TCP: 2-byte big-endian length. */
#define FMT_DNS { \
	.format = RECFRAME_FORMAT_LENGTH, \
	.hdr_len = 2, .len_off = 0, .len_size = 2, \
	.max_record = 32768, \
}
/* A type byte, a spare byte, a little-endian 3-byte length, a spare byte. */
#define FMT_TYPED_LE24 { \
	.format = RECFRAME_FORMAT_LENGTH, \
	.hdr_len = 6, .type_off = 0, .len_off = 2, .len_size = 3, \
	.flags = RECFRAME_F_TYPE | RECFRAME_F_LITTLE_ENDIAN, \
	.max_record = 65536, \
}

/*
 * The variants of fixture @fix, one per format above, named @pfx and the
 * format's name, over address family @fam.
 */
#define FORMAT_VARIANT(fix, name, fam, fmt) \
	FIXTURE_VARIANT_ADD(fix, name) { .family = fam, .fr = fmt, }
#define FORMAT_VARIANTS(fix, pfx, fam) \
	FORMAT_VARIANT(fix, pfx##tls, fam, FMT_TLS); \
	FORMAT_VARIANT(fix, pfx##libvirt, fam, FMT_LIBVIRT); \
	FORMAT_VARIANT(fix, pfx##kafka, fam, FMT_KAFKA); \
	FORMAT_VARIANT(fix, pfx##dns, fam, FMT_DNS); \
	FORMAT_VARIANT(fix, pfx##typed_le24, fam, FMT_TYPED_LE24)

/* ------------------------------------------------------------------------
 * Socket helpers.
 */

static void fill(void *buf, size_t len, unsigned int seed)
{
	uint32_t x = (seed * 2654435761u) | 1;
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x;
	}
}

/* sendmsg() with a record type cmsg unless @type is negative. */
static ssize_t send_type(int fd, int type, const void *buf, size_t len,
			 int flags)
{
	return rf_send_rec(fd, type, buf, len, flags | MSG_NOSIGNAL);
}

static ssize_t write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, (const char *)buf + done, len - done,
				 MSG_NOSIGNAL);

		if (n < 0)
			return -1;
		done += n;
	}
	return done;
}

/* poll() for POLLIN: the revents, 0 on timeout, -1 on error. */
static int poll_in(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ret = poll(&pfd, 1, ms);

	return ret <= 0 ? ret : pfd.revents;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* A regular file in /tmp (a tmpfs in the VM) holding @buf. */
static int tmpfile_with(const void *buf, size_t len)
{
	char path[] = "/tmp/recframe.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

#define END_TX	0x1	/* recframe on fds[0] */
#define END_RX	0x2	/* recframe on fds[1] */

/*
 * fds[0] sends, fds[1] receives. Both get 5 s send and receive timeouts;
 * the ends in @ends get recframe with format @fr.
 */
static void open_pair(struct __test_metadata *_metadata, int fds[2],
		      int family, const struct recframe_framing *fr,
		      unsigned int ends, int rcvbuf)
{
	int i;

	ASSERT_EQ(0, rf_tcp_pair_rcvbuf(family, fds, rcvbuf));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, rf_set_timeo(fds[i], SO_RCVTIMEO, RF_TIMEOUT_MS));
		ASSERT_EQ(0, rf_set_timeo(fds[i], SO_SNDTIMEO, RF_TIMEOUT_MS));
		if (!(ends & (1 << i)))
			continue;
		ASSERT_EQ(0, rf_attach(fds[i]));
		if (fr)
			ASSERT_EQ(0, rf_set_framing(fds[i], fr));
	}
}

static void close_pair(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = fds[1] = -1;
}

/* Writes or reads @len bytes in a thread, so that big records can flow. */
struct xfer {
	pthread_t thread;
	int fd;
	void *buf;
	size_t len;
	bool once;	/* a single send(): one record */
	ssize_t ret;
	int err;
};

static void *xfer_send(void *arg)
{
	struct xfer *x = arg;

	x->ret = x->once ? send(x->fd, x->buf, x->len, MSG_NOSIGNAL) :
			   write_full(x->fd, x->buf, x->len);
	x->err = errno;
	return NULL;
}

static void *xfer_recv(void *arg)
{
	struct xfer *x = arg;

	x->ret = rf_read_full(x->fd, x->buf, x->len);
	x->err = errno;
	return NULL;
}

static int xfer_start(struct xfer *x, void *(*fn)(void *), int fd, void *buf,
		      size_t len, bool once)
{
	memset(x, 0, sizeof(*x));
	x->fd = fd;
	x->buf = buf;
	x->len = len;
	x->once = once;
	return pthread_create(&x->thread, NULL, fn, x);
}

/* ------------------------------------------------------------------------
 * framing: recframe on both ends.
 */

FIXTURE(framing)
{
	int fds[2];
	struct recframe_framing fr;
	unsigned int max;
};

FIXTURE_VARIANT(framing)
{
	int family;
	struct recframe_framing fr;
};

FORMAT_VARIANTS(framing, ipv4_, AF_INET);
FORMAT_VARIANTS(framing, ipv6_, AF_INET6);

FIXTURE_SETUP(framing)
{
	self->fds[0] = self->fds[1] = -1;
	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	self->fr = variant->fr;
	self->max = rf_fmt_max(&variant->fr);
	open_pair(_metadata, self->fds, variant->family, &variant->fr,
		  END_TX | END_RX, 0);
}

FIXTURE_TEARDOWN(framing)
{
	close_pair(self->fds);
}

/* The same format with another max_record, on both ends. */
static void framing_set_max(struct __test_metadata *_metadata,
			    FIXTURE_DATA(framing) *self, unsigned int max)
{
	self->fr.max_record = max;
	self->max = max;
	ASSERT_EQ(0, rf_set_framing(self->fds[0], &self->fr));
	ASSERT_EQ(0, rf_set_framing(self->fds[1], &self->fr));
}

TEST_F(framing, send_recv_one)
{
	char out[100], in[4096];
	int type, flags;

	fill(out, sizeof(out), 1);
	ASSERT_EQ(100, send(self->fds[0], out, sizeof(out), 0));
	ASSERT_EQ(100, rf_recv_rec(self->fds[1], in, sizeof(in), 0, &type,
				   &flags));
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
	EXPECT_TRUE(flags & MSG_EOR);
	if (rf_fmt_typed(&self->fr))
		EXPECT_EQ(RECFRAME_TYPE_DEFAULT, type);
}

TEST_F(framing, records_keep_boundaries)
{
	static const ssize_t sizes[] = { 1, 10, 100, 1000, 3, 4096, 2 };
	char out[4096], in[8192];
	unsigned int i;
	int flags;

	/* All sent back to back before the first read. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill(out, sizes[i], i);
		ASSERT_EQ(sizes[i], send(self->fds[0], out, sizes[i], 0));
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill(out, sizes[i], i);
		ASSERT_EQ(sizes[i], rf_recv_rec(self->fds[1], in, sizeof(in), 0,
						NULL, &flags));
		EXPECT_EQ(0, memcmp(out, in, sizes[i]));
		EXPECT_TRUE(flags & MSG_EOR);
	}
}

TEST_F(framing, eor_only_at_record_end)
{
	char out[100], in[100];
	int flags;

	fill(out, sizeof(out), 2);
	ASSERT_EQ(100, send(self->fds[0], out, sizeof(out), 0));
	ASSERT_EQ(40, rf_recv_rec(self->fds[1], in, 40, 0, NULL, &flags));
	EXPECT_FALSE(flags & MSG_EOR);
	ASSERT_EQ(60, rf_recv_rec(self->fds[1], in + 40, sizeof(in), 0, NULL,
				  &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
}

TEST_F(framing, partial_reads_continue)
{
	size_t len = self->max < 16384 ? self->max : 16384;
	char out[16384], in[16384];
	size_t got = 0;
	ssize_t n;
	int flags;

	fill(out, len, 3);
	ASSERT_EQ((ssize_t)len, send(self->fds[0], out, len, 0));
	while (got < len) {
		n = rf_recv_rec(self->fds[1], in + got, 1000, 0, NULL, &flags);
		ASSERT_LT(0, n);
		got += n;
		EXPECT_EQ(got == len, !!(flags & MSG_EOR));
	}
	EXPECT_EQ(len, got);
	EXPECT_EQ(0, memcmp(out, in, len));
}

TEST_F(framing, peek_twice_then_read)
{
	char out[100], in[3][200];
	int flags;

	fill(out, sizeof(out), 4);
	ASSERT_EQ(100, send(self->fds[0], out, sizeof(out), 0));
	ASSERT_EQ(100, recv(self->fds[1], in[0], sizeof(in[0]), MSG_PEEK));
	ASSERT_EQ(100, recv(self->fds[1], in[1], sizeof(in[1]), MSG_PEEK));
	ASSERT_EQ(100, rf_recv_rec(self->fds[1], in[2], sizeof(in[2]), 0, NULL,
				   &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out, in[0], 100));
	EXPECT_EQ(0, memcmp(out, in[1], 100));
	EXPECT_EQ(0, memcmp(out, in[2], 100));
	EXPECT_EQ(-1, recv(self->fds[1], in[0], sizeof(in[0]), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(framing, peek_after_partial_read)
{
	char out[100], in[100], peek[100];

	fill(out, sizeof(out), 5);
	ASSERT_EQ(100, send(self->fds[0], out, sizeof(out), 0));
	ASSERT_EQ(30, recv(self->fds[1], in, 30, 0));
	ASSERT_EQ(70, recv(self->fds[1], peek, sizeof(peek), MSG_PEEK));
	EXPECT_EQ(0, memcmp(out + 30, peek, 70));
	ASSERT_EQ(70, recv(self->fds[1], in + 30, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
}

TEST_F(framing, waitall_spans_records)
{
	char out[3][100], in[1000];
	int flags, i;

	for (i = 0; i < 3; i++) {
		fill(out[i], 100, 10 + i);
		ASSERT_EQ(100, send(self->fds[0], out[i], 100, 0));
	}
	ASSERT_EQ(250, rf_recv_rec(self->fds[1], in, 250, MSG_WAITALL, NULL,
				   &flags));
	EXPECT_FALSE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out[0], in, 100));
	EXPECT_EQ(0, memcmp(out[1], in + 100, 100));
	EXPECT_EQ(0, memcmp(out[2], in + 200, 50));
	ASSERT_EQ(50, rf_recv_rec(self->fds[1], in, sizeof(in), 0, NULL,
				  &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out[2] + 50, in, 50));
}

TEST_F(framing, waitall_stops_at_eof)
{
	char out[100], in[1000];

	fill(out, sizeof(out), 6);
	ASSERT_EQ(100, send(self->fds[0], out, sizeof(out), 0));
	ASSERT_EQ(0, shutdown(self->fds[0], SHUT_WR));
	ASSERT_EQ(100, recv(self->fds[1], in, sizeof(in), MSG_WAITALL));
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
	EXPECT_EQ(0, recv(self->fds[1], in, sizeof(in), MSG_WAITALL));
}

TEST_F(framing, rcvlowat_spans_records)
{
	char out[3][100], in[1000];
	int i;

	for (i = 0; i < 3; i++) {
		fill(out[i], 100, 20 + i);
		ASSERT_EQ(100, send(self->fds[0], out[i], 100, 0));
	}
	ASSERT_EQ(0, rf_set_int(self->fds[1], SOL_SOCKET, SO_RCVLOWAT, 250));
	/* Whole records until at least 250 bytes were returned. */
	ASSERT_EQ(300, recv(self->fds[1], in, sizeof(in), 0));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, memcmp(out[i], in + 100 * i, 100));
}

TEST_F(framing, trunc_discards)
{
	char out[100], out2[50], in[1000];
	int flags;

	fill(out, sizeof(out), 7);
	fill(out2, sizeof(out2), 8);
	ASSERT_EQ(100, send(self->fds[0], out, sizeof(out), 0));
	ASSERT_EQ(50, send(self->fds[0], out2, sizeof(out2), 0));

	memset(in, 0xa5, sizeof(in));
	ASSERT_EQ(30, recv(self->fds[1], in, 30, MSG_TRUNC));
	for (int i = 0; i < 30; i++)
		ASSERT_EQ(0xa5, (unsigned char)in[i]);
	ASSERT_EQ(70, rf_recv_rec(self->fds[1], in, sizeof(in), 0, NULL,
				  &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out + 30, in, 70));
	ASSERT_EQ(50, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(out2, in, 50));
}

TEST_F(framing, dontwait_eagain_when_empty)
{
	char in[100];

	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, poll_in(self->fds[1], 0));
}

TEST_F(framing, rcvtimeo_bounds_wait)
{
	struct timespec start;
	char in[100];
	long ms;

	ASSERT_EQ(0, rf_set_timeo(self->fds[1], SO_RCVTIMEO, 200));
	clock_gettime(CLOCK_MONOTONIC, &start);
	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(EAGAIN, errno);
	ms = elapsed_ms(&start);
	/*
	 * The timeout runs on jiffies, the test on CLOCK_MONOTONIC: on an
	 * overloaded TCG host the two were seen 90 ms apart over 200 ms.
	 */
	EXPECT_LE(100, ms);
	EXPECT_GT(3000, ms);
}

TEST_F(framing, record_type_cmsg)
{
	static const int types[] = { 22, -1, 25, 21, 255, 0 };
	char out[50], in[100];
	unsigned int i;
	int type;

	if (!rf_fmt_typed(&self->fr))
		SKIP(return, "format without a type byte");
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		fill(out, sizeof(out), i);
		ASSERT_EQ(50, send_type(self->fds[0], types[i], out, 50, 0));
	}
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		ASSERT_EQ(50, rf_recv_rec(self->fds[1], in, sizeof(in), 0,
					  &type, NULL));
		/* -1: sent without a cmsg, the default type. */
		EXPECT_EQ(types[i] < 0 ? RECFRAME_TYPE_DEFAULT : types[i],
			  type);
	}
}

TEST_F(framing, record_type_without_cmsg_room)
{
	char out[50], in[100];

	if (!rf_fmt_typed(&self->fr))
		SKIP(return, "format without a type byte");
	fill(out, sizeof(out), 9);
	ASSERT_EQ(50, send_type(self->fds[0], 22, out, 50, 0));
	ASSERT_EQ(50, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(out, in, 50));
}

TEST_F(framing, type_cmsg_einval_without_type_byte)
{
	struct recframe_info info;
	char out[50], in[100];

	if (rf_fmt_typed(&self->fr))
		SKIP(return, "format with a type byte");
	fill(out, sizeof(out), 10);
	EXPECT_EQ(-1, send_type(self->fds[0], 22, out, 50, 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, rf_get_info(self->fds[0], &info));
	EXPECT_EQ(0, info.tx_records);
	EXPECT_EQ(0, info.tx_bytes);
	/* Nothing went out; the next send is the first record. */
	ASSERT_EQ(50, send(self->fds[0], out, 50, 0));
	ASSERT_EQ(50, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(out, in, 50));
}

TEST_F(framing, recv_never_mixes_types)
{
	char out[2][100], in[1000];
	int type, flags;

	if (!rf_fmt_typed(&self->fr))
		SKIP(return, "format without a type byte");
	fill(out[0], 100, 11);
	fill(out[1], 100, 12);
	ASSERT_EQ(100, send_type(self->fds[0], 22, out[0], 100, 0));
	ASSERT_EQ(100, send_type(self->fds[0], 23, out[1], 100, 0));
	ASSERT_EQ(100, rf_recv_rec(self->fds[1], in, sizeof(in), MSG_WAITALL,
				   &type, &flags));
	EXPECT_EQ(22, type);
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out[0], in, 100));
	ASSERT_EQ(100, rf_recv_rec(self->fds[1], in, sizeof(in), MSG_WAITALL,
				   &type, &flags));
	EXPECT_EQ(23, type);
	EXPECT_EQ(0, memcmp(out[1], in, 100));
}

TEST_F(framing, msg_more_one_record)
{
	struct recframe_info info;
	char out[60], in[1000];
	int flags;

	fill(out, sizeof(out), 13);
	ASSERT_EQ(10, send(self->fds[0], out, 10, MSG_MORE));
	ASSERT_EQ(20, send(self->fds[0], out + 10, 20, MSG_MORE));
	ASSERT_EQ(0, rf_get_info(self->fds[0], &info));
	EXPECT_TRUE(info.state & RECFRAME_STATE_TX_OPEN);
	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(30, send(self->fds[0], out + 30, 30, 0));
	ASSERT_EQ(0, rf_get_info(self->fds[0], &info));
	EXPECT_FALSE(info.state & RECFRAME_STATE_TX_OPEN);
	EXPECT_EQ(1, info.tx_records);
	ASSERT_EQ(60, rf_recv_rec(self->fds[1], in, sizeof(in), 0, NULL,
				  &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out, in, 60));
}

TEST_F(framing, shutdown_flushes_more_record)
{
	char out[100], in[1000];
	int flags;

	fill(out, sizeof(out), 14);
	ASSERT_EQ(100, send(self->fds[0], out, 100, MSG_MORE));
	ASSERT_EQ(0, shutdown(self->fds[0], SHUT_WR));
	ASSERT_EQ(100, rf_recv_rec(self->fds[1], in, sizeof(in), 0, NULL,
				   &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out, in, 100));
	EXPECT_EQ(0, recv(self->fds[1], in, sizeof(in), 0));
}

TEST_F(framing, close_flushes_more_record)
{
	char out[100], in[1000];

	fill(out, sizeof(out), 15);
	ASSERT_EQ(100, send(self->fds[0], out, 100, MSG_MORE));
	close(self->fds[0]);
	self->fds[0] = -1;
	ASSERT_EQ(100, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(out, in, 100));
	EXPECT_EQ(0, recv(self->fds[1], in, sizeof(in), 0));
}

TEST_F(framing, send_above_max_emsgsize)
{
	struct recframe_info info;
	char *out, in[100];

	out = calloc(1, self->max + 1);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(-1, send(self->fds[0], out, self->max + 1, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_EQ(0, rf_get_info(self->fds[0], &info));
	EXPECT_EQ(0, info.tx_records);
	EXPECT_EQ(0, info.tx_bytes);

	/* Nothing of it on the wire: the next record comes first. */
	fill(out, 10, 16);
	ASSERT_EQ(10, send(self->fds[0], out, 10, 0));
	ASSERT_EQ(10, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(out, in, 10));
	free(out);
}

TEST_F(framing, msg_more_above_max_emsgsize)
{
	char out[1000], in[2000];
	int flags;

	framing_set_max(_metadata, self, 1000);
	fill(out, sizeof(out), 17);
	ASSERT_EQ(990, send(self->fds[0], out, 990, MSG_MORE));
	EXPECT_EQ(-1, send(self->fds[0], out + 990, 11, MSG_MORE));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, send(self->fds[0], out + 990, 11, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	/* The open record is intact and takes exactly max_record. */
	ASSERT_EQ(10, send(self->fds[0], out + 990, 10, 0));
	ASSERT_EQ(1000, rf_recv_rec(self->fds[1], in, sizeof(in), 0, NULL,
				    &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out, in, 1000));
}

/*
 * A record of @len bytes (pattern @seed) sent by a thread in one send() on
 * fds[0] comes whole out of fds[1], read until MSG_EOR.
 */
static void big_record(struct __test_metadata *_metadata, int fds[2],
		       size_t len, unsigned int seed)
{
	char *out, *in;
	struct xfer tx;
	size_t got = 0;
	ssize_t n;
	int flags;

	out = malloc(len);
	in = malloc(len);
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	fill(out, len, seed);
	ASSERT_EQ(0, xfer_start(&tx, xfer_send, fds[0], out, len, true));
	do {
		n = rf_recv_rec(fds[1], in + got, len - got, 0, NULL, &flags);
		if (n <= 0)
			break;
		got += n;
	} while (!(flags & MSG_EOR));
	pthread_join(tx.thread, NULL);
	EXPECT_EQ((ssize_t)len, tx.ret);
	ASSERT_EQ(len, got);
	EXPECT_EQ(0, memcmp(out, in, len));
	free(out);
	free(in);
}

TEST_F(framing, max_record_payload_accepted)
{
	big_record(_metadata, self->fds, self->max, 18);
}

TEST_F(framing, rx_header_returns_header)
{
	uint8_t out[100], in[200], rec[200];
	size_t rlen;
	int flags;

	fill(out, sizeof(out), 19);
	ASSERT_EQ(0, rf_set_int(self->fds[1], SOL_RECFRAME, RECFRAME_RX_HEADER,
				1));
	if (rf_fmt_typed(&self->fr)) {
		ASSERT_EQ(100, send_type(self->fds[0], 22, out, 100, 0));
		rlen = rf_rec_encode(&self->fr, rec, 22, out, 100);
	} else {
		ASSERT_EQ(100, send(self->fds[0], out, 100, 0));
		rlen = rf_rec_encode(&self->fr, rec, 0, out, 100);
	}
	ASSERT_EQ((ssize_t)rlen, rf_recv_rec(self->fds[1], in, sizeof(in), 0,
					     NULL, &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(rec, in, rlen));
}

TEST_F(framing, framing_get_round_trips)
{
	struct recframe_framing got;
	socklen_t len;
	int i;

	for (i = 0; i < 2; i++) {
		len = sizeof(got);
		memset(&got, 0xff, sizeof(got));
		ASSERT_EQ(0, getsockopt(self->fds[i], SOL_RECFRAME,
					RECFRAME_FRAMING, &got, &len));
		EXPECT_EQ(sizeof(got), len);
		EXPECT_EQ(self->fr.format, got.format);
		EXPECT_EQ(self->fr.max_record, got.max_record);
		/* For TLS the kernel fills the other fields in. */
		if (self->fr.format == RECFRAME_FORMAT_TLS)
			continue;
		EXPECT_EQ(0, memcmp(&self->fr, &got, sizeof(got)));
	}
}

TEST_F(framing, framing_fixed_after_first_send)
{
	char buf[10] = "";

	ASSERT_EQ(10, send(self->fds[0], buf, 10, 0));
	EXPECT_EQ(-1, rf_set_framing(self->fds[0], &self->fr));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(framing, framing_fixed_after_first_read)
{
	char buf[10] = "";

	ASSERT_EQ(10, send(self->fds[0], buf, 10, 0));
	ASSERT_EQ(0, rf_set_framing(self->fds[1], &self->fr));
	ASSERT_EQ(1, recv(self->fds[1], buf, 1, 0));
	EXPECT_EQ(-1, rf_set_framing(self->fds[1], &self->fr));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(framing, info_counters)
{
	static const ssize_t sizes[] = { 10, 20, 30 };
	struct recframe_info info;
	char buf[100];
	unsigned int i;

	fill(buf, sizeof(buf), 20);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		ASSERT_EQ(sizes[i], send(self->fds[0], buf, sizes[i], 0));
	ASSERT_EQ(0, rf_get_info(self->fds[0], &info));
	EXPECT_EQ(3, info.tx_records);
	EXPECT_EQ(60, info.tx_bytes);
	EXPECT_EQ(0, info.rx_records);

	ASSERT_EQ(POLLIN, poll_in(self->fds[1], RF_TIMEOUT_MS));
	ASSERT_EQ(0, rf_get_info(self->fds[1], &info));
	EXPECT_TRUE(info.state & RECFRAME_STATE_RX_READY);
	EXPECT_LT(0, info.rx_queued);

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		ASSERT_EQ(sizes[i], recv(self->fds[1], buf, sizeof(buf), 0));
	ASSERT_EQ(0, rf_get_info(self->fds[1], &info));
	EXPECT_EQ(0, info.state);
	EXPECT_EQ(0, info.rx_error);
	EXPECT_EQ(3, info.rx_records);
	EXPECT_EQ(60, info.rx_bytes);
	EXPECT_EQ(0, info.rx_queued);
	EXPECT_EQ(0, info.tx_records);
	EXPECT_EQ(0, info.err_msgsize + info.err_badmsg +
		     info.err_badversion + info.err_truncated);
}

TEST_F(framing, sendfile_records_at_most_max)
{
	size_t len = 3 * 4096 + 100, got = 0;
	char *out, in[8192];
	off_t off = 0;
	ssize_t n;
	int file, flags;

	framing_set_max(_metadata, self, 4096);
	out = malloc(len);
	ASSERT_NE(NULL, out);
	fill(out, len, 21);
	file = tmpfile_with(out, len);
	ASSERT_LE(0, file);
	while ((size_t)off < len) {
		n = sendfile(self->fds[0], file, &off, len - off);
		ASSERT_LT(0, n);
	}
	while (got < len) {
		n = rf_recv_rec(self->fds[1], in, sizeof(in), 0, NULL, &flags);
		ASSERT_LT(0, n);
		EXPECT_GE(4096, n);
		EXPECT_TRUE(flags & MSG_EOR);
		ASSERT_GE(len - got, (size_t)n);
		EXPECT_EQ(0, memcmp(out + got, in, n));
		got += n;
	}
	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	close(file);
	free(out);
}

TEST_F(framing, splice_moves_one_record)
{
	char out[2][300], in[1000];
	int p[2];

	fill(out[0], 100, 22);
	fill(out[1], 200, 23);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(100, send(self->fds[0], out[0], 100, 0));
	ASSERT_EQ(200, send(self->fds[0], out[1], 200, 0));
	ASSERT_EQ(100, splice(self->fds[1], NULL, p[1], NULL, 65536, 0));
	ASSERT_EQ(100, read(p[0], in, sizeof(in)));
	EXPECT_EQ(0, memcmp(out[0], in, 100));
	ASSERT_EQ(200, splice(self->fds[1], NULL, p[1], NULL, 65536, 0));
	ASSERT_EQ(200, read(p[0], in, sizeof(in)));
	EXPECT_EQ(0, memcmp(out[1], in, 200));
	close(p[0]);
	close(p[1]);
}

/*
 * A record far larger than the receive buffer can only complete if the
 * framer takes it out of the TCP queue as it arrives.
 */
TEST_F_TIMEOUT(framing, large_record_small_rcvbuf, 120)
{
	size_t len = self->max;
	struct recframe_info info;

	close_pair(self->fds);
	open_pair(_metadata, self->fds, variant->family, &self->fr,
		  END_TX | END_RX, 4096);
	ASSERT_EQ(0, rf_set_timeo(self->fds[0], SO_SNDTIMEO, 60000));
	ASSERT_EQ(0, rf_set_timeo(self->fds[1], SO_RCVTIMEO, 60000));
	big_record(_metadata, self->fds, len, 24);
	ASSERT_EQ(0, rf_get_info(self->fds[1], &info));
	EXPECT_LT(0, info.rx_copy_fallback);
	TH_LOG("%zu bytes, rx_copy_fallback %llu", len,
	       (unsigned long long)info.rx_copy_fallback);
}

TEST_F(framing, nonblock_send_full_sndbuf_eagain)
{
	char out[1000], in[2000];
	int sent, i, flags;
	ssize_t n;

	ASSERT_EQ(0, rf_set_int(self->fds[0], SOL_SOCKET, SO_SNDBUF, 4096));
	for (sent = 0; sent < 100000; sent++) {
		fill(out, sizeof(out), sent);
		n = send(self->fds[0], out, sizeof(out), MSG_DONTWAIT);
		if (n < 0)
			break;
		/* All of the message or nothing. */
		ASSERT_EQ(1000, n);
	}
	ASSERT_EQ(-1, n);
	ASSERT_EQ(EAGAIN, errno);

	for (i = 0; i < sent; i++) {
		fill(out, sizeof(out), i);
		ASSERT_EQ(1000, rf_recv_rec(self->fds[1], in, sizeof(in), 0,
					    NULL, &flags)) TH_LOG("record %d of %d", i, sent);
		ASSERT_TRUE(flags & MSG_EOR);
		ASSERT_EQ(0, memcmp(out, in, 1000)) TH_LOG("record %d", i);
	}
	fill(out, sizeof(out), 100001);
	ASSERT_EQ(1000, send(self->fds[0], out, sizeof(out), 0));
	ASSERT_EQ(1000, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(out, in, 1000));
}

TEST_F(framing, send_after_shutdown_epipe)
{
	char buf[10] = "";

	ASSERT_EQ(0, shutdown(self->fds[0], SHUT_WR));
	EXPECT_EQ(-1, send(self->fds[0], buf, sizeof(buf), MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(framing, peer_close_between_records_eof)
{
	char out[100], in[1000];

	fill(out, sizeof(out), 25);
	ASSERT_EQ(100, send(self->fds[0], out, 100, 0));
	close(self->fds[0]);
	self->fds[0] = -1;
	ASSERT_EQ(100, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(out, in, 100));
	EXPECT_EQ(0, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, recv(self->fds[1], in, sizeof(in), 0));
}

/* ------------------------------------------------------------------------
 * raw: a plain sender (fds[0]) writes encoded bytes to recframe (fds[1]).
 */

FIXTURE(raw)
{
	int fds[2];
	struct recframe_framing fr;
	unsigned int hlen, max;
};

FIXTURE_VARIANT(raw)
{
	int family;
	struct recframe_framing fr;
};

/* IPv4 only: the framing fixture covers IPv6. */
FORMAT_VARIANTS(raw, , AF_INET);

FIXTURE_SETUP(raw)
{
	self->fds[0] = self->fds[1] = -1;
	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	self->fr = variant->fr;
	self->hlen = rf_fmt_hdr_len(&variant->fr);
	self->max = rf_fmt_max(&variant->fr);
	open_pair(_metadata, self->fds, variant->family, &variant->fr, END_RX,
		  0);
}

FIXTURE_TEARDOWN(raw)
{
	close_pair(self->fds);
}

/* Writes one record of the fixture's format; 0 or -1. */
static int raw_send(FIXTURE_DATA(raw) *self, uint8_t type, const void *payload,
		    size_t len)
{
	uint8_t *rec = malloc(RECFRAME_HDR_MAX + len);
	size_t rlen;
	int ret;

	if (!rec)
		return -1;
	rlen = rf_rec_encode(&self->fr, rec, type, payload, len);
	ret = write_full(self->fds[0], rec, rlen) == (ssize_t)rlen ? 0 : -1;
	free(rec);
	return ret;
}

/* Writes the payload @seed of @len bytes and expects it back whole. */
static void raw_good_record(struct __test_metadata *_metadata,
			    FIXTURE_DATA(raw) *self, size_t len,
			    unsigned int seed)
{
	char out[256];

	ASSERT_GE(sizeof(out), len);
	fill(out, len, seed);
	ASSERT_EQ(0, raw_send(self, RECFRAME_TYPE_DEFAULT, out, len));
}

static void raw_expect_record(struct __test_metadata *_metadata,
			      FIXTURE_DATA(raw) *self, size_t len,
			      unsigned int seed)
{
	char out[256], in[512];
	int flags;

	fill(out, len, seed);
	ASSERT_EQ((ssize_t)len, rf_recv_rec(self->fds[1], in, sizeof(in), 0,
					    NULL, &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out, in, len));
}

/*
 * The receive error @err is there and sticky: reads report it, poll()
 * reports EPOLLIN | EPOLLERR, and the counter at @counter is 1.
 */
static void expect_sticky_error(struct __test_metadata *_metadata, int fd,
				int err, size_t counter)
{
	struct recframe_info info;
	char in[100];

	EXPECT_EQ(-1, recv(fd, in, sizeof(in), 0));
	EXPECT_EQ(err, errno);
	EXPECT_EQ(-1, recv(fd, in, sizeof(in), 0));
	EXPECT_EQ(err, errno);
	EXPECT_EQ(-1, recv(fd, in, sizeof(in), MSG_DONTWAIT | MSG_PEEK));
	EXPECT_EQ(err, errno);
	EXPECT_EQ(POLLIN | POLLERR, poll_in(fd, 0) & (POLLIN | POLLERR));
	ASSERT_EQ(0, rf_get_info(fd, &info));
	EXPECT_EQ(-err, info.rx_error);
	EXPECT_TRUE(info.state & RECFRAME_STATE_RX_ERROR);
	EXPECT_EQ(1, *(__u64 *)((char *)&info + counter));
}

TEST_F(raw, one_record)
{
	raw_good_record(_metadata, self, 100, 1);
	raw_expect_record(_metadata, self, 100, 1);
}

TEST_F(raw, records_back_to_back_in_one_write)
{
	uint8_t out[3][100], stream[3 * (RECFRAME_HDR_MAX + 100)];
	size_t len = 0;
	int i;

	for (i = 0; i < 3; i++) {
		fill(out[i], 30 + i, 30 + i);
		len += rf_rec_encode(&self->fr, stream + len,
				     RECFRAME_TYPE_DEFAULT, out[i], 30 + i);
	}
	ASSERT_EQ((ssize_t)len, send(self->fds[0], stream, len, 0));
	for (i = 0; i < 3; i++)
		raw_expect_record(_metadata, self, 30 + i, 30 + i);
}

TEST_F(raw, record_in_one_byte_segments)
{
	uint8_t out[64], rec[RECFRAME_HDR_MAX + 64];
	size_t rlen, i;

	ASSERT_EQ(0, rf_set_int(self->fds[0], SOL_TCP, TCP_NODELAY, 1));
	fill(out, sizeof(out), 2);
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out,
			     sizeof(out));
	for (i = 0; i < rlen; i++) {
		ASSERT_EQ(1, send(self->fds[0], rec + i, 1, 0));
		usleep(1000);
	}
	raw_expect_record(_metadata, self, sizeof(out), 2);
}

TEST_F(raw, header_split_across_segments)
{
	uint8_t out[50], rec[RECFRAME_HDR_MAX + 50];
	char in[100];
	size_t i;

	ASSERT_EQ(0, rf_set_int(self->fds[0], SOL_TCP, TCP_NODELAY, 1));
	fill(out, sizeof(out), 3);
	rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, sizeof(out));
	for (i = 0; i < self->hlen; i++) {
		ASSERT_EQ(1, send(self->fds[0], rec + i, 1, 0));
		ASSERT_EQ(0, rf_wait_acked(self->fds[0], RF_TIMEOUT_MS));
		EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), MSG_DONTWAIT));
		EXPECT_EQ(EAGAIN, errno);
	}
	ASSERT_EQ(50, send(self->fds[0], rec + self->hlen, 50, 0));
	raw_expect_record(_metadata, self, sizeof(out), 3);
}

TEST_F(raw, no_pollin_before_record_complete)
{
	uint8_t out[100], rec[RECFRAME_HDR_MAX + 100];
	char in[200];
	size_t rlen;

	ASSERT_EQ(0, rf_set_int(self->fds[0], SOL_TCP, TCP_NODELAY, 1));
	fill(out, sizeof(out), 4);
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out,
			     sizeof(out));
	ASSERT_EQ((ssize_t)rlen - 1, send(self->fds[0], rec, rlen - 1, 0));
	ASSERT_EQ(0, rf_wait_acked(self->fds[0], RF_TIMEOUT_MS));
	EXPECT_EQ(0, poll_in(self->fds[1], 200));
	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in),
			   MSG_DONTWAIT | MSG_PEEK));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(1, send(self->fds[0], rec + rlen - 1, 1, 0));
	EXPECT_EQ(POLLIN, poll_in(self->fds[1], RF_TIMEOUT_MS) & POLLIN);
	raw_expect_record(_metadata, self, sizeof(out), 4);
}

TEST_F(raw, rcvtimeo_on_partial_record)
{
	uint8_t out[100], rec[RECFRAME_HDR_MAX + 100];
	struct timespec start;
	char in[200];
	size_t rlen;

	fill(out, sizeof(out), 5);
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out,
			     sizeof(out));
	ASSERT_EQ(50, send(self->fds[0], rec, 50, 0));
	ASSERT_EQ(0, rf_set_timeo(self->fds[1], SO_RCVTIMEO, 200));
	clock_gettime(CLOCK_MONOTONIC, &start);
	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(150, elapsed_ms(&start));
	ASSERT_EQ((ssize_t)rlen - 50, send(self->fds[0], rec + 50, rlen - 50, 0));
	ASSERT_EQ(0, rf_set_timeo(self->fds[1], SO_RCVTIMEO, RF_TIMEOUT_MS));
	raw_expect_record(_metadata, self, sizeof(out), 5);
}

TEST_F(raw, empty_record_skipped)
{
	struct recframe_info info;

	ASSERT_EQ(0, raw_send(self, RECFRAME_TYPE_DEFAULT, NULL, 0));
	raw_good_record(_metadata, self, 3, 6);
	ASSERT_EQ(0, raw_send(self, RECFRAME_TYPE_DEFAULT, NULL, 0));
	ASSERT_EQ(0, raw_send(self, RECFRAME_TYPE_DEFAULT, NULL, 0));
	raw_good_record(_metadata, self, 5, 7);
	raw_expect_record(_metadata, self, 3, 6);
	raw_expect_record(_metadata, self, 5, 7);
	ASSERT_EQ(0, rf_get_info(self->fds[1], &info));
	EXPECT_EQ(3, info.rx_empty);
	EXPECT_EQ(8, info.rx_bytes);
}

TEST_F(raw, empty_records_then_fin_eof)
{
	char in[100];

	ASSERT_EQ(0, raw_send(self, RECFRAME_TYPE_DEFAULT, NULL, 0));
	ASSERT_EQ(0, raw_send(self, RECFRAME_TYPE_DEFAULT, NULL, 0));
	ASSERT_EQ(0, shutdown(self->fds[0], SHUT_WR));
	EXPECT_EQ(0, recv(self->fds[1], in, sizeof(in), 0));
}

TEST_F(raw, empty_record_with_rx_header)
{
	uint8_t out[10], rec[RECFRAME_HDR_MAX + 10], in[100];
	size_t rlen;
	int flags;

	ASSERT_EQ(0, rf_set_int(self->fds[1], SOL_RECFRAME, RECFRAME_RX_HEADER,
				1));
	ASSERT_EQ(0, raw_send(self, RECFRAME_TYPE_DEFAULT, NULL, 0));
	raw_good_record(_metadata, self, 10, 8);

	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, NULL, 0);
	ASSERT_EQ((ssize_t)rlen, rf_recv_rec(self->fds[1], in, sizeof(in), 0,
					     NULL, &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(rec, in, rlen));

	fill(out, sizeof(out), 8);
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 10);
	ASSERT_EQ((ssize_t)rlen, rf_recv_rec(self->fds[1], in, sizeof(in), 0,
					     NULL, &flags));
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(rec, in, rlen));
}

TEST_F(raw, record_type_from_wire)
{
	static const uint8_t types[] = { 20, 21, 22, 23, 24, 0, 255 };
	char out[20], in[100];
	unsigned int i;
	int type;

	if (!rf_fmt_typed(&self->fr))
		SKIP(return, "format without a type byte");
	fill(out, sizeof(out), 9);
	for (i = 0; i < ARRAY_SIZE(types); i++)
		ASSERT_EQ(0, raw_send(self, types[i], out, sizeof(out)));
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		ASSERT_EQ(20, rf_recv_rec(self->fds[1], in, sizeof(in), 0,
					  &type, NULL));
		EXPECT_EQ(types[i], type);
	}
}

TEST_F(raw, spare_header_bytes_ignored)
{
	uint8_t out[20], rec[RECFRAME_HDR_MAX + 20], used[RECFRAME_HDR_MAX];
	unsigned int i, spare = 0;
	size_t rlen;

	if (self->fr.format != RECFRAME_FORMAT_LENGTH)
		SKIP(return, "not a generic format");
	memset(used, 0, sizeof(used));
	memset(used + self->fr.len_off, 1, self->fr.len_size);
	if (self->fr.flags & RECFRAME_F_TYPE)
		used[self->fr.type_off] = 1;
	fill(out, sizeof(out), 10);
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 20);
	for (i = 0; i < self->hlen; i++) {
		if (!used[i]) {
			rec[i] = 0xff;
			spare++;
		}
	}
	if (!spare)
		SKIP(return, "no spare header bytes");
	ASSERT_EQ((ssize_t)rlen, send(self->fds[0], rec, rlen, 0));
	raw_expect_record(_metadata, self, 20, 10);
}

TEST_F(raw, tls_minor_version_not_checked)
{
	uint8_t out[20], rec[5 + 20];

	if (self->fr.format != RECFRAME_FORMAT_TLS)
		SKIP(return, "not the TLS format");
	fill(out, sizeof(out), 11);
	rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 20);
	rec[2] = 0x01;	/* TLS 1.0 */
	ASSERT_EQ(25, send(self->fds[0], rec, 25, 0));
	raw_expect_record(_metadata, self, 20, 11);
}

TEST_F(raw, max_size_record)
{
	size_t len = self->max, rlen, got = 0;
	uint8_t *out, *rec, *in;
	struct xfer tx;
	ssize_t n;
	int flags;

	out = malloc(len);
	in = malloc(len);
	rec = malloc(RECFRAME_HDR_MAX + len);
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, rec);
	fill(out, len, 12);
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, len);
	ASSERT_EQ(0, xfer_start(&tx, xfer_send, self->fds[0], rec, rlen, false));
	do {
		n = rf_recv_rec(self->fds[1], in + got, len - got, 0, NULL,
				&flags);
		if (n <= 0)
			break;
		got += n;
	} while (!(flags & MSG_EOR));
	pthread_join(tx.thread, NULL);
	EXPECT_EQ((ssize_t)rlen, tx.ret);
	ASSERT_EQ(len, got);
	EXPECT_EQ(0, memcmp(out, in, len));
	free(out);
	free(in);
	free(rec);
}

/* Waits until TCP's receive queue of @fd stopped growing for 100 ms. */
static int wait_inq_stable(int fd)
{
	int i, stable = 0, inq, last = -1;

	for (i = 0; i < RF_TIMEOUT_MS / 10 && stable < 10; i++) {
		if (ioctl(fd, SIOCINQ, &inq))
			return -1;
		stable = inq == last ? stable + 1 : 0;
		last = inq;
		usleep(10000);
	}
	return stable < 10 ? -1 : 0;
}

/*
 * The event loop pattern (poll, then MSG_DONTWAIT reads) with a record
 * larger than the receive buffer queued behind a complete one: once the
 * first is read, poll() must still come to report the second.
 */
TEST_F_TIMEOUT(raw, poll_sees_record_larger_than_rcvbuf, 60)
{
	size_t len = self->max < 65536 ? self->max : 65536, rlen, got = 0;
	uint8_t *out, *in, *stream;
	struct xfer tx;
	ssize_t n;
	int flags;

	close_pair(self->fds);
	open_pair(_metadata, self->fds, AF_INET, &self->fr, END_RX, 4096);
	out = malloc(len);
	in = malloc(len);
	stream = malloc(2 * RECFRAME_HDR_MAX + 100 + len);
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, stream);
	fill(out, len, 27);
	rlen = rf_rec_encode(&self->fr, stream, RECFRAME_TYPE_DEFAULT, out,
			     100);
	rlen += rf_rec_encode(&self->fr, stream + rlen, RECFRAME_TYPE_DEFAULT,
			      out, len);
	ASSERT_EQ(0, xfer_start(&tx, xfer_send, self->fds[0], stream, rlen,
				false));

	ASSERT_EQ(POLLIN, poll_in(self->fds[1], RF_TIMEOUT_MS) & POLLIN);
	/* The second record fills the window behind the first. */
	EXPECT_EQ(0, wait_inq_stable(self->fds[1]));
	ASSERT_EQ(100, recv(self->fds[1], in, len, MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(out, in, 100));

	while (got < len) {
		EXPECT_EQ(POLLIN, poll_in(self->fds[1], RF_TIMEOUT_MS) & POLLIN)
			TH_LOG("no POLLIN with %zu of %zu bytes read", got, len);
		n = rf_recv_rec(self->fds[1], in + got, len - got, MSG_DONTWAIT,
				NULL, &flags);
		if (n <= 0)
			break;
		got += n;
		if (flags & MSG_EOR)
			break;
	}
	/* Unblock the sender if that failed. */
	shutdown(self->fds[1], SHUT_RDWR);
	pthread_join(tx.thread, NULL);
	ASSERT_EQ(len, got);
	EXPECT_EQ(0, memcmp(out, in, len));
	free(out);
	free(in);
	free(stream);
}

TEST_F(raw, queued_before_attach)
{
	close_pair(self->fds);
	open_pair(_metadata, self->fds, AF_INET, NULL, 0, 0);
	raw_good_record(_metadata, self, 40, 13);
	raw_good_record(_metadata, self, 50, 14);
	ASSERT_EQ(0, rf_wait_acked(self->fds[0], RF_TIMEOUT_MS));
	ASSERT_EQ(0, rf_attach(self->fds[1]));
	ASSERT_EQ(0, rf_set_framing(self->fds[1], &self->fr));
	raw_expect_record(_metadata, self, 40, 13);
	raw_expect_record(_metadata, self, 50, 14);
}

TEST_F(raw, framing_set_reparses_queued)
{
	close_pair(self->fds);
	/* Attached with the default format, not the one on the wire. */
	open_pair(_metadata, self->fds, AF_INET, NULL, END_RX, 0);
	raw_good_record(_metadata, self, 40, 15);
	raw_good_record(_metadata, self, 50, 16);
	ASSERT_EQ(0, rf_wait_acked(self->fds[0], RF_TIMEOUT_MS));
	ASSERT_EQ(0, rf_set_framing(self->fds[1], &self->fr));
	raw_expect_record(_metadata, self, 40, 15);
	raw_expect_record(_metadata, self, 50, 16);
}

TEST_F(raw, bad_len_above_max_emsgsize)
{
	uint8_t hdr[RECFRAME_HDR_MAX];
	unsigned int hlen;

	raw_good_record(_metadata, self, 10, 17);
	raw_good_record(_metadata, self, 20, 18);
	hlen = rf_hdr_encode(&self->fr, hdr, RECFRAME_TYPE_DEFAULT,
			     self->max + 1);
	ASSERT_EQ((ssize_t)hlen, send(self->fds[0], hdr, hlen, 0));
	raw_expect_record(_metadata, self, 10, 17);
	raw_expect_record(_metadata, self, 20, 18);
	expect_sticky_error(_metadata, self->fds[1], EMSGSIZE,
			    offsetof(struct recframe_info, err_msgsize));
}

TEST_F(raw, bad_len_negative_ebadmsg)
{
	uint8_t hdr[RECFRAME_HDR_MAX];
	unsigned int hlen;

	if (self->fr.format != RECFRAME_FORMAT_LENGTH || self->fr.len_adjust >= 0)
		SKIP(return, "no negative len_adjust");
	raw_good_record(_metadata, self, 10, 19);
	/* libvirt: a length of 2 cannot even cover the length field. */
	hlen = rf_hdr_put(&self->fr, hdr, 0, -self->fr.len_adjust - 2);
	ASSERT_EQ((ssize_t)hlen, send(self->fds[0], hdr, hlen, 0));
	raw_expect_record(_metadata, self, 10, 19);
	expect_sticky_error(_metadata, self->fds[1], EBADMSG,
			    offsetof(struct recframe_info, err_badmsg));
}

TEST_F(raw, tls_bad_version_einval)
{
	uint8_t hdr[5];

	if (self->fr.format != RECFRAME_FORMAT_TLS)
		SKIP(return, "not the TLS format");
	raw_good_record(_metadata, self, 10, 20);
	rf_hdr_encode(&self->fr, hdr, RECFRAME_TYPE_DEFAULT, 10);
	hdr[1] = 0x02;
	ASSERT_EQ(5, send(self->fds[0], hdr, 5, 0));
	raw_expect_record(_metadata, self, 10, 20);
	expect_sticky_error(_metadata, self->fds[1], EINVAL,
			    offsetof(struct recframe_info, err_badversion));
}

TEST_F(raw, truncated_record_then_fin_eproto)
{
	uint8_t out[100], rec[RECFRAME_HDR_MAX + 100];

	raw_good_record(_metadata, self, 10, 21);
	fill(out, sizeof(out), 22);
	rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 100);
	ASSERT_EQ(50, send(self->fds[0], rec, 50, 0));
	ASSERT_EQ(0, shutdown(self->fds[0], SHUT_WR));
	raw_expect_record(_metadata, self, 10, 21);
	expect_sticky_error(_metadata, self->fds[1], EPROTO,
			    offsetof(struct recframe_info, err_truncated));
}

TEST_F(raw, truncated_header_then_fin_eproto)
{
	uint8_t hdr[RECFRAME_HDR_MAX];
	unsigned int hlen;

	raw_good_record(_metadata, self, 10, 23);
	hlen = rf_hdr_encode(&self->fr, hdr, RECFRAME_TYPE_DEFAULT, 10);
	ASSERT_EQ((ssize_t)hlen - 1, send(self->fds[0], hdr, hlen - 1, 0));
	ASSERT_EQ(0, shutdown(self->fds[0], SHUT_WR));
	raw_expect_record(_metadata, self, 10, 23);
	expect_sticky_error(_metadata, self->fds[1], EPROTO,
			    offsetof(struct recframe_info, err_truncated));
}

TEST_F(raw, clean_fin_between_records_eof)
{
	struct recframe_info info;
	char in[100];

	raw_good_record(_metadata, self, 10, 24);
	ASSERT_EQ(0, shutdown(self->fds[0], SHUT_WR));
	raw_expect_record(_metadata, self, 10, 24);
	EXPECT_EQ(0, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(0, recv(self->fds[1], in, sizeof(in), 0));
	ASSERT_EQ(0, rf_get_info(self->fds[1], &info));
	EXPECT_EQ(0, info.rx_error);
	EXPECT_EQ(0, info.err_truncated);
}

/* An urgent byte inside a record is delivered in place (SO_OOBINLINE). */
TEST_F(raw, urgent_byte_stays_in_record)
{
	uint8_t rec[RECFRAME_HDR_MAX + 8];
	size_t rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT,
				    "abcdefgh", 8);
	char in[16];
	int flags;

	ASSERT_EQ((ssize_t)rlen - 4, send(self->fds[0], rec, rlen - 4, 0));
	ASSERT_EQ(1, send(self->fds[0], rec + rlen - 4, 1, MSG_OOB));
	ASSERT_EQ(3, send(self->fds[0], rec + rlen - 3, 3, 0));
	ASSERT_EQ(8, rf_recv_rec(self->fds[1], in, sizeof(in), 0, NULL,
				 &flags));
	EXPECT_EQ(0, memcmp(in, "abcdefgh", 8));
	EXPECT_TRUE(flags & MSG_EOR);
}

/*
 * With SO_OOBINLINE cleared again, a second urgent pointer makes TCP skip
 * the first urgent byte under the framer: it must stop, not misparse.
 */
TEST_F(raw, urgent_byte_skipped_by_tcp_eproto)
{
	int zero = 0;
	char in[16];

	ASSERT_EQ(0, setsockopt(self->fds[1], SOL_SOCKET, SO_OOBINLINE, &zero,
				sizeof(zero)));
	ASSERT_EQ(1, send(self->fds[0], "X", 1, MSG_OOB));
	ASSERT_EQ(0, rf_wait_acked(self->fds[0], RF_TIMEOUT_MS));
	ASSERT_EQ(1, send(self->fds[0], "Y", 1, MSG_OOB));
	ASSERT_EQ(0, rf_wait_acked(self->fds[0], RF_TIMEOUT_MS));
	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), MSG_DONTWAIT));
	EXPECT_EQ(EPROTO, errno);
}

TEST_F(raw, peer_reset_mid_record_econnreset)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	uint8_t out[100], rec[RECFRAME_HDR_MAX + 100];
	char in[100];

	raw_good_record(_metadata, self, 10, 25);
	fill(out, sizeof(out), 26);
	rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 100);
	ASSERT_EQ(50, send(self->fds[0], rec, 50, 0));
	ASSERT_EQ(0, rf_wait_acked(self->fds[0], RF_TIMEOUT_MS));
	ASSERT_EQ(0, setsockopt(self->fds[0], SOL_SOCKET, SO_LINGER, &lin,
				sizeof(lin)));
	close(self->fds[0]);
	self->fds[0] = -1;
	raw_expect_record(_metadata, self, 10, 25);
	EXPECT_EQ(-1, recv(self->fds[1], in, sizeof(in), 0));
	EXPECT_EQ(ECONNRESET, errno);
}

/* ------------------------------------------------------------------------
 * wire: recframe sends (fds[0]), a plain socket (fds[1]) reads the bytes.
 */

FIXTURE(wire)
{
	int fds[2];
	struct recframe_framing fr;
	unsigned int max;
};

FIXTURE_VARIANT(wire)
{
	int family;
	struct recframe_framing fr;
};

/* IPv4 only: the framing fixture covers IPv6. */
FORMAT_VARIANTS(wire, , AF_INET);

FIXTURE_SETUP(wire)
{
	self->fds[0] = self->fds[1] = -1;
	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	self->fr = variant->fr;
	self->max = rf_fmt_max(&variant->fr);
	open_pair(_metadata, self->fds, variant->family, &variant->fr, END_TX,
		  0);
}

FIXTURE_TEARDOWN(wire)
{
	close_pair(self->fds);
}

/* The plain receiver reads exactly @len bytes equal to @want. */
static void expect_wire(struct __test_metadata *_metadata, int fd,
			const void *want, size_t len)
{
	uint8_t *got = malloc(len + 1);

	ASSERT_NE(NULL, got);
	ASSERT_EQ(len, rf_read_full(fd, got, len));
	EXPECT_EQ(0, memcmp(want, got, len));
	EXPECT_EQ(-1, recv(fd, got, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	free(got);
}

TEST_F(wire, one_record)
{
	uint8_t out[100], rec[RECFRAME_HDR_MAX + 100];
	size_t rlen;

	fill(out, sizeof(out), 1);
	ASSERT_EQ(100, send(self->fds[0], out, 100, 0));
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 100);
	expect_wire(_metadata, self->fds[1], rec, rlen);
}

TEST_F(wire, tls_header_bytes)
{
	static const uint8_t hdr[5] = { 0x17, 0x03, 0x03, 0x01, 0x02 };
	uint8_t out[258], rec[5 + 258];

	if (self->fr.format != RECFRAME_FORMAT_TLS)
		SKIP(return, "not the TLS format");
	fill(out, sizeof(out), 2);
	memcpy(rec, hdr, 5);
	memcpy(rec + 5, out, sizeof(out));
	ASSERT_EQ(258, send(self->fds[0], out, sizeof(out), 0));
	expect_wire(_metadata, self->fds[1], rec, sizeof(rec));
}

TEST_F(wire, typed_record)
{
	uint8_t out[10], rec[RECFRAME_HDR_MAX + 10];
	size_t rlen;

	if (!rf_fmt_typed(&self->fr))
		SKIP(return, "format without a type byte");
	fill(out, sizeof(out), 3);
	ASSERT_EQ(10, send_type(self->fds[0], 22, out, 10, 0));
	rlen = rf_rec_encode(&self->fr, rec, 22, out, 10);
	expect_wire(_metadata, self->fds[1], rec, rlen);
}

TEST_F(wire, records_back_to_back)
{
	uint8_t out[3][100], stream[3 * (RECFRAME_HDR_MAX + 100)];
	size_t len = 0;
	int i;

	for (i = 0; i < 3; i++) {
		fill(out[i], 10 * (i + 1), 4 + i);
		ASSERT_EQ(10 * (i + 1), send(self->fds[0], out[i], 10 * (i + 1),
					     0));
		len += rf_rec_encode(&self->fr, stream + len,
				     RECFRAME_TYPE_DEFAULT, out[i],
				     10 * (i + 1));
	}
	expect_wire(_metadata, self->fds[1], stream, len);
}

TEST_F(wire, msg_more_one_record)
{
	uint8_t out[60], rec[RECFRAME_HDR_MAX + 60];
	size_t rlen;

	fill(out, sizeof(out), 7);
	ASSERT_EQ(10, send(self->fds[0], out, 10, MSG_MORE));
	ASSERT_EQ(20, send(self->fds[0], out + 10, 20, MSG_MORE));
	ASSERT_EQ(30, send(self->fds[0], out + 30, 30, 0));
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 60);
	expect_wire(_metadata, self->fds[1], rec, rlen);
}

TEST_F(wire, empty_send_ends_more_record)
{
	uint8_t out[10], rec[RECFRAME_HDR_MAX + 10];
	size_t rlen;

	fill(out, sizeof(out), 8);
	ASSERT_EQ(10, send(self->fds[0], out, 10, MSG_MORE));
	ASSERT_EQ(0, send(self->fds[0], out, 0, 0));
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 10);
	expect_wire(_metadata, self->fds[1], rec, rlen);
}

TEST_F(wire, type_change_closes_record)
{
	uint8_t out[30], stream[2 * RECFRAME_HDR_MAX + 30];
	size_t len;

	if (!rf_fmt_typed(&self->fr))
		SKIP(return, "format without a type byte");
	fill(out, sizeof(out), 9);
	ASSERT_EQ(10, send_type(self->fds[0], 22, out, 10, MSG_MORE));
	ASSERT_EQ(20, send_type(self->fds[0], 23, out + 10, 20, 0));
	len = rf_rec_encode(&self->fr, stream, 22, out, 10);
	len += rf_rec_encode(&self->fr, stream + len, 23, out + 10, 20);
	expect_wire(_metadata, self->fds[1], stream, len);
}

TEST_F(wire, shutdown_flushes_more_record)
{
	uint8_t out[10], rec[RECFRAME_HDR_MAX + 10], in[RECFRAME_HDR_MAX + 10];
	size_t rlen;

	fill(out, sizeof(out), 10);
	ASSERT_EQ(10, send(self->fds[0], out, 10, MSG_MORE));
	ASSERT_EQ(0, shutdown(self->fds[0], SHUT_WR));
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 10);
	ASSERT_EQ(rlen, rf_read_full(self->fds[1], in, rlen));
	EXPECT_EQ(0, memcmp(rec, in, rlen));
	EXPECT_EQ(0, recv(self->fds[1], in, 1, 0));
}

TEST_F(wire, close_flushes_more_record)
{
	uint8_t out[10], rec[RECFRAME_HDR_MAX + 10], in[RECFRAME_HDR_MAX + 10];
	size_t rlen;

	fill(out, sizeof(out), 12);
	ASSERT_EQ(10, send(self->fds[0], out, 10, MSG_MORE));
	close(self->fds[0]);
	self->fds[0] = -1;
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, 10);
	ASSERT_EQ(rlen, rf_read_full(self->fds[1], in, rlen));
	EXPECT_EQ(0, memcmp(rec, in, rlen));
	EXPECT_EQ(0, recv(self->fds[1], in, 1, 0));
}

TEST_F(wire, max_record_one_record)
{
	size_t len = self->max, rlen;
	uint8_t *out, *rec, *in;
	struct xfer rx;

	out = malloc(len);
	rec = malloc(RECFRAME_HDR_MAX + len);
	in = malloc(RECFRAME_HDR_MAX + len);
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, rec);
	ASSERT_NE(NULL, in);
	fill(out, len, 13);
	rlen = rf_rec_encode(&self->fr, rec, RECFRAME_TYPE_DEFAULT, out, len);
	ASSERT_EQ(0, xfer_start(&rx, xfer_recv, self->fds[1], in, rlen, false));
	EXPECT_EQ((ssize_t)len, send(self->fds[0], out, len, 0));
	pthread_join(rx.thread, NULL);
	ASSERT_EQ((ssize_t)rlen, rx.ret);
	EXPECT_EQ(0, memcmp(rec, in, rlen));
	free(out);
	free(rec);
	free(in);
}

TEST_F(wire, sendfile_cut_at_max_record)
{
	size_t len = 4096 * 5 / 2, off_rec, rlen = 0;
	uint8_t *out, *stream;
	off_t off = 0;
	int file;

	self->fr.max_record = 4096;
	ASSERT_EQ(0, rf_set_framing(self->fds[0], &self->fr));
	out = malloc(len);
	stream = malloc(len + 3 * RECFRAME_HDR_MAX);
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, stream);
	fill(out, len, 14);
	for (off_rec = 0; off_rec < len; off_rec += 4096)
		rlen += rf_rec_encode(&self->fr, stream + rlen,
				      RECFRAME_TYPE_DEFAULT, out + off_rec,
				      len - off_rec < 4096 ?
				      len - off_rec : 4096);
	file = tmpfile_with(out, len);
	ASSERT_LE(0, file);
	while ((size_t)off < len)
		ASSERT_LT(0, sendfile(self->fds[0], file, &off, len - off));
	expect_wire(_metadata, self->fds[1], stream, rlen);
	close(file);
	free(out);
	free(stream);
}

/* ------------------------------------------------------------------------
 * sockopt: options on an attached pair, default framing.
 */

FIXTURE(sockopt)
{
	int fds[2];
};

FIXTURE_SETUP(sockopt)
{
	self->fds[0] = self->fds[1] = -1;
	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	open_pair(_metadata, self->fds, AF_INET, NULL, END_TX | END_RX, 0);
}

FIXTURE_TEARDOWN(sockopt)
{
	close_pair(self->fds);
}

static void get_framing(struct __test_metadata *_metadata, int fd,
			struct recframe_framing *fr)
{
	socklen_t len = sizeof(*fr);

	memset(fr, 0xff, sizeof(*fr));
	ASSERT_EQ(0, getsockopt(fd, SOL_RECFRAME, RECFRAME_FRAMING, fr, &len));
	ASSERT_EQ(sizeof(*fr), len);
}

TEST_F(sockopt, default_framing_is_tls)
{
	struct recframe_framing fr;

	get_framing(_metadata, self->fds[0], &fr);
	EXPECT_EQ(RECFRAME_FORMAT_TLS, fr.format);
	EXPECT_EQ(RF_TLS_DEFAULT_MAX, fr.max_record);
}

TEST_F(sockopt, tls_max_record_zero_picks_default)
{
	struct recframe_framing fr = {
		.format = RECFRAME_FORMAT_TLS,
		.max_record = 1000,
	};

	ASSERT_EQ(0, rf_set_framing(self->fds[0], &fr));
	fr.max_record = 0;
	ASSERT_EQ(0, rf_set_framing(self->fds[0], &fr));
	get_framing(_metadata, self->fds[0], &fr);
	EXPECT_EQ(RECFRAME_FORMAT_TLS, fr.format);
	EXPECT_EQ(RF_TLS_DEFAULT_MAX, fr.max_record);
}

static const struct recframe_framing valid_framings[] = {
	{ .format = RECFRAME_FORMAT_TLS, .max_record = 1 },
	{ .format = RECFRAME_FORMAT_TLS, .max_record = 65535 },
	{ .format = RECFRAME_FORMAT_LENGTH, .hdr_len = 1, .len_size = 1,
	  .max_record = 255 },
	{ .format = RECFRAME_FORMAT_LENGTH, .hdr_len = 3, .len_off = 1,
	  .len_size = 2, .type_off = 0, .flags = RECFRAME_F_TYPE,
	  .max_record = 65535 },
	{ .format = RECFRAME_FORMAT_LENGTH, .hdr_len = 3, .len_size = 3,
	  .flags = RECFRAME_F_LITTLE_ENDIAN, .max_record = 1 },
	{ .format = RECFRAME_FORMAT_LENGTH, .hdr_len = 8, .len_size = 8,
	  .max_record = RECFRAME_RECORD_LIMIT },
	{ .format = RECFRAME_FORMAT_LENGTH, .hdr_len = RECFRAME_HDR_MAX,
	  .len_off = 12, .len_size = 4, .type_off = 11,
	  .flags = RECFRAME_F_ALL, .len_adjust = -16, .max_record = 1000 },
	FMT_LIBVIRT, FMT_KAFKA, FMT_DNS, FMT_TYPED_LE24,
};

TEST_F(sockopt, framing_valid_round_trips)
{
	struct recframe_framing got;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(valid_framings); i++) {
		const struct recframe_framing *fr = &valid_framings[i];

		ASSERT_EQ(0, rf_set_framing(self->fds[0], fr))
			TH_LOG("valid_framings[%u]: %s", i, strerror(errno));
		get_framing(_metadata, self->fds[0], &got);
		EXPECT_EQ(fr->format, got.format);
		EXPECT_EQ(fr->max_record, got.max_record);
		if (fr->format == RECFRAME_FORMAT_LENGTH)
			EXPECT_EQ(0, memcmp(fr, &got, sizeof(got)))
				TH_LOG("valid_framings[%u]", i);
	}
}

#define LEN	RECFRAME_FORMAT_LENGTH
#define TLS	RECFRAME_FORMAT_TLS

static const struct {
	const char *what;
	struct recframe_framing fr;
} invalid_framings[] = {
	{ "hdr_len 0", { .format = LEN, .hdr_len = 0, .len_size = 1,
			 .max_record = 100 } },
	{ "hdr_len above HDR_MAX", { .format = LEN, .hdr_len = 17,
				     .len_size = 4, .max_record = 100 } },
	{ "length past the header", { .format = LEN, .hdr_len = 4,
				      .len_off = 1, .len_size = 4,
				      .max_record = 100 } },
	{ "length wider than the header", { .format = LEN, .hdr_len = 4,
					    .len_size = 8,
					    .max_record = 100 } },
	{ "len_size 0", { .format = LEN, .hdr_len = 4, .len_size = 0,
			  .max_record = 100 } },
	{ "len_size 5", { .format = LEN, .hdr_len = 8, .len_size = 5,
			  .max_record = 100 } },
	{ "len_size 6", { .format = LEN, .hdr_len = 8, .len_size = 6,
			  .max_record = 100 } },
	{ "len_size 7", { .format = LEN, .hdr_len = 8, .len_size = 7,
			  .max_record = 100 } },
	{ "len_size 9", { .format = LEN, .hdr_len = 12, .len_size = 9,
			  .max_record = 100 } },
	{ "type past the header", { .format = LEN, .hdr_len = 4,
				    .len_size = 2, .type_off = 4,
				    .flags = RECFRAME_F_TYPE,
				    .max_record = 100 } },
	{ "type inside the length", { .format = LEN, .hdr_len = 6,
				      .len_off = 2, .len_size = 3,
				      .type_off = 4,
				      .flags = RECFRAME_F_TYPE,
				      .max_record = 100 } },
	{ "type on the length's first byte", { .format = LEN, .hdr_len = 4,
					       .len_off = 1, .len_size = 2,
					       .type_off = 1,
					       .flags = RECFRAME_F_TYPE,
					       .max_record = 100 } },
	{ "unknown flag 0x04", { .format = LEN, .hdr_len = 4, .len_size = 4,
				 .flags = 0x04, .max_record = 100 } },
	{ "unknown flag 0x80", { .format = LEN, .hdr_len = 4, .len_size = 4,
				 .flags = 0x80, .max_record = 100 } },
	{ "reserved 1", { .format = LEN, .hdr_len = 4, .len_size = 4,
			  .reserved = 1, .max_record = 100 } },
	{ "reserved 0x100", { .format = LEN, .hdr_len = 4, .len_size = 4,
			      .reserved = 0x100, .max_record = 100 } },
	{ "max_record 0", { .format = LEN, .hdr_len = 4, .len_size = 4,
			    .max_record = 0 } },
	{ "max_record above the limit", {
		.format = LEN, .hdr_len = 4, .len_size = 4,
		.max_record = RECFRAME_RECORD_LIMIT + 1 } },
	{ "max_record ~0", { .format = LEN, .hdr_len = 4, .len_size = 4,
			     .max_record = 0xffffffff } },
	{ "max_record 256 in one byte", { .format = LEN, .hdr_len = 1,
					  .len_size = 1,
					  .max_record = 256 } },
	{ "max_record 255 + 1 in one byte", { .format = LEN, .hdr_len = 1,
					      .len_size = 1, .len_adjust = -1,
					      .max_record = 255 } },
	{ "max_record 65536 in two bytes", { .format = LEN, .hdr_len = 2,
					     .len_size = 2,
					     .max_record = 65536 } },
	{ "TLS with hdr_len", { .format = TLS, .hdr_len = 5 } },
	{ "TLS with len_off", { .format = TLS, .len_off = 3 } },
	{ "TLS with len_size", { .format = TLS, .len_size = 2 } },
	{ "TLS with type_off", { .format = TLS, .type_off = 1 } },
	{ "TLS with F_TYPE", { .format = TLS, .flags = RECFRAME_F_TYPE } },
	{ "TLS with len_adjust", { .format = TLS, .len_adjust = -5 } },
	{ "TLS with reserved", { .format = TLS, .reserved = 1 } },
	{ "TLS max_record 65536", { .format = TLS, .max_record = 65536 } },
	{ "TLS max_record above the limit", {
		.format = TLS, .max_record = RECFRAME_RECORD_LIMIT + 1 } },
	{ "format 0", { .format = 0, .hdr_len = 4, .len_size = 4,
			.max_record = 100 } },
	{ "format 3", { .format = 3, .hdr_len = 4, .len_size = 4,
			.max_record = 100 } },
};

TEST_F(sockopt, framing_invalid_einval)
{
	struct recframe_framing got;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(invalid_framings); i++) {
		errno = 0;
		EXPECT_EQ(-1, rf_set_framing(self->fds[0],
					     &invalid_framings[i].fr))
			TH_LOG("%s: accepted", invalid_framings[i].what);
		EXPECT_EQ(EINVAL, errno)
			TH_LOG("%s: %s", invalid_framings[i].what,
			       strerror(errno));
	}
	/* Nothing of them stuck. */
	get_framing(_metadata, self->fds[0], &got);
	EXPECT_EQ(RECFRAME_FORMAT_TLS, got.format);
	EXPECT_EQ(RF_TLS_DEFAULT_MAX, got.max_record);
}

TEST_F(sockopt, rx_header_takes_0_or_1)
{
	static const int bad[] = { 2, -1, 0x100 };
	unsigned int i;

	EXPECT_EQ(0, rf_set_int(self->fds[1], SOL_RECFRAME, RECFRAME_RX_HEADER,
				1));
	EXPECT_EQ(0, rf_set_int(self->fds[1], SOL_RECFRAME, RECFRAME_RX_HEADER,
				0));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, rf_set_int(self->fds[1], SOL_RECFRAME,
					 RECFRAME_RX_HEADER, bad[i]));
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(sockopt, info_set_enoprotoopt)
{
	struct recframe_info info = {};

	EXPECT_EQ(-1, setsockopt(self->fds[0], SOL_RECFRAME, RECFRAME_INFO,
				 &info, sizeof(info)));
	EXPECT_EQ(ENOPROTOOPT, errno);
}

TEST_F(sockopt, unknown_option_enoprotoopt)
{
	char buf[64] = "";
	socklen_t len = sizeof(buf);

	EXPECT_EQ(-1, setsockopt(self->fds[0], SOL_RECFRAME, 42, buf,
				 sizeof(buf)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, getsockopt(self->fds[0], SOL_RECFRAME, 42, buf, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
}

TEST_F(sockopt, framing_get_short_optlen_einval)
{
	struct recframe_framing fr;
	socklen_t len = sizeof(fr) - 1;

	EXPECT_EQ(-1, getsockopt(self->fds[0], SOL_RECFRAME, RECFRAME_FRAMING,
				 &fr, &len));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sockopt, info_prefix_and_longer_optlen)
{
	char buf[sizeof(struct recframe_info) + 16];
	socklen_t len;

	len = offsetof(struct recframe_info, rx_records);
	EXPECT_EQ(0, getsockopt(self->fds[0], SOL_RECFRAME, RECFRAME_INFO,
				buf, &len));
	EXPECT_EQ(offsetof(struct recframe_info, rx_records), len);

	len = sizeof(buf);
	EXPECT_EQ(0, getsockopt(self->fds[0], SOL_RECFRAME, RECFRAME_INFO,
				buf, &len));
	EXPECT_EQ(sizeof(struct recframe_info), len);
}

/* Reads /proc/net/recframe_stat into @vals, in the order of @names. */
static const char * const stat_names[] = {
	"RecframeCurrSockets", "RecframeRxRecords", "RecframeRxBytes",
	"RecframeTxRecords", "RecframeTxBytes", "RecframeRxCopyFallback",
	"RecframeTxPageAlloc", "RecframeRxEmpty", "RecframeErrMsgSize",
	"RecframeErrBadMsg", "RecframeErrBadVersion", "RecframeErrTruncated",
};

static void read_stat(struct __test_metadata *_metadata,
		      unsigned long long vals[ARRAY_SIZE(stat_names)])
{
	bool seen[ARRAY_SIZE(stat_names)] = {};
	unsigned long long val;
	char line[256], name[128], rest;
	unsigned int i;
	FILE *f;

	f = fopen("/proc/net/recframe_stat", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		EXPECT_EQ(2, sscanf(line, "%127s %llu %c", name, &val, &rest))
			TH_LOG("bad line: %s", line);
		EXPECT_EQ(0, strncmp(name, "Recframe", 8));
		for (i = 0; i < ARRAY_SIZE(stat_names); i++) {
			if (!strcmp(name, stat_names[i])) {
				vals[i] = val;
				seen[i] = true;
			}
		}
	}
	fclose(f);
	for (i = 0; i < ARRAY_SIZE(stat_names); i++)
		EXPECT_TRUE(seen[i]) TH_LOG("%s missing", stat_names[i]);
}

TEST_F(sockopt, proc_stat_counters_grow)
{
	unsigned long long before[ARRAY_SIZE(stat_names)];
	unsigned long long after[ARRAY_SIZE(stat_names)];
	struct recframe_framing fr = { .format = RECFRAME_FORMAT_TLS };
	char buf[100] = "";

	/* An unconfigured socket is plain TCP and counts nothing. */
	ASSERT_EQ(0, rf_set_framing(self->fds[0], &fr));
	ASSERT_EQ(0, rf_set_framing(self->fds[1], &fr));
	read_stat(_metadata, before);
	EXPECT_LE(2, before[0]);	/* this test's pair */
	ASSERT_EQ(100, send(self->fds[0], buf, 100, 0));
	ASSERT_EQ(100, recv(self->fds[1], buf, sizeof(buf), 0));
	read_stat(_metadata, after);
	EXPECT_LT(before[1], after[1]);
	EXPECT_LE(before[2] + 100, after[2]);
	EXPECT_LT(before[3], after[3]);
	EXPECT_LE(before[4] + 100, after[4]);
}

/* ------------------------------------------------------------------------
 * Flow control: a reader slower than its sender keeps the receive window
 * closing. With the head record incomplete TCP sends none of its usual
 * window updates, and a Linux sender facing a window smaller than its
 * segments waits for its persist timer (200 ms and more): once each window,
 * 30x slower than plain TCP before recframe announced the window itself.
 * Both readers do the same work per record; only the ratio is asserted.
 */
#define SLOW_RECORD	16384
#define SLOW_TOTAL	(4 << 20)

struct slow_sender {
	int	fd;
	int	err;
};

static void *slow_send(void *arg)
{
	struct slow_sender *s = arg;
	static uint8_t rec[4 + SLOW_RECORD];
	size_t sent;

	rec[2] = SLOW_RECORD >> 8;
	for (sent = 0; sent < SLOW_TOTAL; sent += SLOW_RECORD) {
		if (write_full(s->fd, rec, sizeof(rec)) != sizeof(rec)) {
			s->err = errno;
			break;
		}
	}
	return NULL;
}

/* Seconds to receive SLOW_TOTAL bytes of records, spending time on each. */
static double slow_read(struct __test_metadata *_metadata, bool framed,
			struct recframe_info *info)
{
	static const struct recframe_framing fr = FMT_KAFKA;
	static uint8_t buf[4 + SLOW_RECORD];
	struct slow_sender s = { 0 };
	struct timespec t0, t1;
	volatile uint32_t sum = 0;
	size_t got = 0, n, i;
	pthread_t thr;
	int fds[2], k;

	ASSERT_EQ(0, rf_tcp_pair(AF_INET, fds));
	if (framed) {
		ASSERT_EQ(0, rf_attach(fds[1]));
		ASSERT_EQ(0, setsockopt(fds[1], SOL_RECFRAME, RECFRAME_FRAMING,
					&fr, sizeof(fr)));
	}
	s.fd = fds[0];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, pthread_create(&thr, NULL, slow_send, &s));
	while (got < SLOW_TOTAL) {
		if (framed) {
			ssize_t r = recv(fds[1], buf, SLOW_RECORD, 0);

			ASSERT_EQ(SLOW_RECORD, r);
			n = r;
		} else {
			ASSERT_EQ(sizeof(buf), rf_read_full(fds[1], buf,
							    sizeof(buf)));
			n = SLOW_RECORD;
		}
		got += n;
		for (k = 1; k <= 10; k++)
			for (i = 0; i < n; i++)
				sum += buf[i] * k;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(thr, NULL);
	ASSERT_EQ(0, s.err);
	if (framed) {
		socklen_t len = sizeof(*info);

		ASSERT_EQ(0, getsockopt(fds[1], SOL_RECFRAME, RECFRAME_INFO,
					info, &len));
	}
	close(fds[0]);
	close(fds[1]);
	return t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

TEST(slow_reader_keeps_pace)
{
	struct recframe_info info = { 0 };
	double tcp, rf;

	tcp = slow_read(_metadata, false, NULL);
	rf = slow_read(_metadata, true, &info);
	TH_LOG("%d KiB records, %d MiB: plain TCP %.2f s, recframe %.2f s; rx_window_updates %llu, rx_copy_fallback %llu",
	       SLOW_RECORD >> 10, SLOW_TOTAL >> 20, tcp, rf,
	       (unsigned long long)info.rx_window_updates,
	       (unsigned long long)info.rx_copy_fallback);
	EXPECT_EQ(SLOW_TOTAL / SLOW_RECORD, info.rx_records);
	EXPECT_LT(rf, 3 * tcp + 0.5);
}

TEST_HARNESS_MAIN
