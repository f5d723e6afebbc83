// SPDX-License-Identifier: GPL-2.0
/*
 * A long randomized stream of records: random sizes from 0 to max_record,
 * random types, random send splits (MSG_MORE) or random raw write pieces on
 * one side; random buffer sizes and flags (none, MSG_PEEK then a read,
 * MSG_WAITALL, MSG_DONTWAIT after poll()) on the other. Every record's
 * bytes, boundaries (MSG_EOR) and type are checked in order. Record sizes,
 * types and contents derive from the seed and the record's index.
 *
 * The seed is printed; RF_SEED=n reproduces a run (up to timing), and
 * RF_SECONDS=n changes the time budget of each variant.
 */
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#define RF_DEFAULT_SEED		0x7265636672616d65ULL	/* "recframe" */
#define RF_DEFAULT_SECONDS	4
#define RF_MAX_RECORDS		100000
#define RF_PIECE_MAX		65536
#define RF_TIMEOUT_MS		10000

struct stream {
	struct recframe_framing fr;
	uint64_t seed;
	unsigned int hlen;
	unsigned int max;
	bool typed;
	bool rx_header;
};

struct rec {
	uint32_t len;
	uint8_t type;
};

/* A number in [lo, hi], drawn even when lo == hi (unlike rf_rrange()). */
static uint64_t rnd_range(struct rf_rng *st, uint64_t lo, uint64_t hi)
{
	return lo + rf_rnd(st) % (hi - lo + 1);
}

/* Size and type of record @i. */
static void rec_desc(const struct stream *s, uint64_t i, struct rec *r)
{
	struct rf_rng st = { s->seed ^ rf_mix64(i + 1) };

	switch (rf_rnd(&st) % 10) {
	case 0:
		r->len = 0;
		break;
	case 1:
	case 2:
		r->len = rnd_range(&st, 1, 64);
		break;
	case 3:
	case 4:
		r->len = rnd_range(&st, 65, 2048);
		break;
	case 9:
		r->len = s->max;
		break;
	default:
		r->len = rnd_range(&st, 0, s->max);
		break;
	}
	r->type = s->typed ? rnd_range(&st, 20, 25) : RECFRAME_TYPE_DEFAULT;
}

/* Bytes [off, off + n) of record @i's payload. */
static void rec_payload(const struct stream *s, uint64_t i, size_t off,
			uint8_t *buf, size_t n)
{
	uint64_t key = rf_mix64(s->seed ^ rf_mix64(~i)), v = 0;
	size_t j, p;

	for (j = 0; j < n; j++) {
		p = off + j;
		if (!j || !(p & 7))
			v = rf_mix64(key + (p >> 3));
		buf[j] = v >> (8 * (p & 7));
	}
}

/* What a reader sees of record @i: the payload, or header and payload. */
static uint32_t rec_visible(const struct stream *s, uint64_t i, struct rec *r)
{
	rec_desc(s, i, r);
	return r->len + (s->rx_header ? s->hlen : 0);
}

static void rec_visible_bytes(const struct stream *s, uint64_t i,
			      const struct rec *r, size_t off, uint8_t *buf,
			      size_t n)
{
	uint8_t hdr[RECFRAME_HDR_MAX];
	size_t h;

	if (s->rx_header) {
		rf_hdr_encode(&s->fr, hdr, r->type, r->len);
		for (; n && off < s->hlen; n--)
			*buf++ = hdr[off++];
		h = s->hlen;
	} else {
		h = 0;
	}
	rec_payload(s, i, off - h, buf, n);
}

/* ------------------------------------------------------------------------
 * The sender thread.
 */

struct sender {
	pthread_t thread;
	const struct stream *s;
	int fd;
	bool raw;
	double deadline;
	atomic_llong published;	/* records in the stream once it ended, or -1 */
	uint64_t records, empty, bytes, pieces;
	char err[256];
};

static bool sender_done(struct sender *snd, uint64_t i)
{
	return i >= RF_MAX_RECORDS || rf_now_s() > snd->deadline;
}

static int send_piece(int fd, int type, const void *buf, size_t len,
		      int flags)
{
	return rf_send_rec(fd, type, buf, len, flags | MSG_NOSIGNAL) ==
	       (ssize_t)len ? 0 : -1;
}

static size_t piece_len(struct rf_rng *st, size_t left)
{
	size_t max;

	switch (rf_rnd(st) % 4) {
	case 0:
		max = 16;
		break;
	case 1:
		max = 4096;
		break;
	default:
		max = RF_PIECE_MAX;
		break;
	}
	max = max < left ? max : left;
	return rnd_range(st, 1, max);
}

/* recframe sends: one send() a record, or MSG_MORE pieces. */
static void send_records(struct sender *snd, uint8_t *buf)
{
	const struct stream *s = snd->s;
	struct rf_rng st = { s->seed ^ 0x73656e64 };
	uint64_t i;
	size_t off, n;
	struct rec r;
	bool closing;
	int type;

	for (i = 0; !sender_done(snd, i); i++) {
		rec_desc(s, i, &r);
		rec_payload(s, i, 0, buf, r.len);
		type = s->typed ? r.type : -1;
		snd->records++;
		snd->bytes += r.len;
		snd->empty += !r.len;
		if (!r.len || rf_rnd(&st) % 2) {
			snd->pieces++;
			if (send_piece(snd->fd, type, buf, r.len, 0))
				goto fail;
			continue;
		}
		/* Sometimes every piece has MSG_MORE and an empty send ends it. */
		closing = !(rf_rnd(&st) % 8);
		for (off = 0; off < r.len; off += n) {
			n = piece_len(&st, r.len - off);
			snd->pieces++;
			if (send_piece(snd->fd, type, buf + off, n,
				       off + n < r.len || closing ? MSG_MORE : 0))
				goto fail;
		}
		if (closing && send_piece(snd->fd, type, buf, 0, 0))
			goto fail;
	}
	return;
fail:
	snprintf(snd->err, sizeof(snd->err), "send of record %llu (%u bytes): %s",
		 (unsigned long long)i, r.len, strerror(errno));
}

/* Plain writes of the encoded stream, cut at random places. */
static void write_records(struct sender *snd, uint8_t *buf)
{
	const struct stream *s = snd->s;
	struct rf_rng st = { s->seed ^ 0x77726974 };
	uint64_t i = 0;
	size_t rec_len = 0, rec_off = 0, piece, fill, n;
	uint8_t *rec = buf + RF_PIECE_MAX;
	bool end = false;
	struct rec r;
	ssize_t w;

	while (!end) {
		piece = piece_len(&st, RF_PIECE_MAX);
		for (fill = 0; fill < piece; fill += n) {
			if (rec_off == rec_len) {
				if (sender_done(snd, i)) {
					end = true;
					break;
				}
				rec_desc(s, i, &r);
				rec_len = rf_hdr_encode(&s->fr, rec, r.type,
							r.len);
				rec_payload(s, i, 0, rec + rec_len, r.len);
				rec_len += r.len;
				rec_off = 0;
				snd->records++;
				snd->bytes += r.len;
				snd->empty += !r.len;
				i++;
			}
			n = rec_len - rec_off;
			n = n < piece - fill ? n : piece - fill;
			memcpy(buf + fill, rec + rec_off, n);
			rec_off += n;
		}
		for (n = 0; n < fill; n += w) {
			w = send(snd->fd, buf + n, fill - n, MSG_NOSIGNAL);
			if (w <= 0) {
				snprintf(snd->err, sizeof(snd->err),
					 "write near record %llu: %s",
					 (unsigned long long)i, strerror(errno));
				return;
			}
		}
		snd->pieces++;
	}
}

static void *sender_fn(void *arg)
{
	struct sender *snd = arg;
	uint8_t *buf = malloc(RF_PIECE_MAX + RECFRAME_HDR_MAX + snd->s->max);

	if (!buf) {
		snprintf(snd->err, sizeof(snd->err), "out of memory");
		return NULL;
	}
	if (snd->raw)
		write_records(snd, buf);
	else
		send_records(snd, buf);
	free(buf);
	atomic_store(&snd->published, snd->records);
	shutdown(snd->fd, SHUT_WR);
	return NULL;
}

/* ------------------------------------------------------------------------
 * The verifier: where the reader is in the stream.
 */

struct verifier {
	const struct stream *s;
	struct sender *snd;
	uint64_t i;		/* the record being read */
	uint32_t off;		/* its bytes returned so far */
	bool skipped_empty;	/* empty records passed since the last read */
	uint8_t *exp;
	uint64_t reads, bytes;
	char err[512];
};

static int fail(struct verifier *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->err, sizeof(v->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* Steps past a completed record and past empty ones. */
static void v_settle(struct verifier *v)
{
	struct rec r;
	uint32_t len;

	for (;;) {
		len = rec_visible(v->s, v->i, &r);
		if (v->off < len)
			return;
		if (!len)
			v->skipped_empty = true;
		v->i++;
		v->off = 0;
	}
}

/*
 * A short MSG_WAITALL read of type @type that ended with record @done:
 * fine at a type change (empty records included) or at end of stream.
 */
static bool v_may_stop(struct verifier *v, uint64_t done, int type)
{
	long long end = atomic_load(&v->snd->published);
	struct rec r;
	uint64_t j;

	for (j = done + 1; ; j++) {
		if (end >= 0 && j >= (uint64_t)end)
			return true;
		if (rec_visible(v->s, j, &r) && r.type == type)
			return false;
		if (r.type != type)
			return true;
	}
}

/*
 * Checks that @buf[0..n) continues the stream and advances. @len is what
 * was asked for; MSG_EOR is checked on reads that may not span records.
 */
static int v_check(struct verifier *v, const uint8_t *buf, size_t n,
		   size_t asked, int type, int mflags, bool waitall, bool peek)
{
	struct verifier save = *v;
	size_t done = 0, chunk, k;
	struct rec r;
	uint32_t len;
	int rtype;

	len = rec_visible(v->s, v->i, &r);
	rtype = r.type;
	if (v->s->typed && type != rtype)
		return fail(v, "record %llu: type %d, expected %d",
			    (unsigned long long)v->i, type, rtype);
	for (;;) {
		chunk = len - v->off;
		chunk = chunk < n - done ? chunk : n - done;
		rec_visible_bytes(v->s, v->i, &r, v->off, v->exp, chunk);
		if (memcmp(buf + done, v->exp, chunk)) {
			for (k = 0; buf[done + k] == v->exp[k]; k++)
				;
			return fail(v, "record %llu (%u bytes): byte %zu is %#x, expected %#x (read of %zu at offset %u)",
				    (unsigned long long)v->i, len,
				    v->off + k, buf[done + k], v->exp[k], n,
				    v->off);
		}
		done += chunk;
		v->off += chunk;
		if (done == n)
			break;
		if (!waitall)
			return fail(v, "read of %zu bytes runs past record %llu (%u bytes, offset %u)",
				    n, (unsigned long long)v->i, len,
				    v->off - (uint32_t)chunk);
		v_settle(v);
		len = rec_visible(v->s, v->i, &r);
		if (r.type != rtype)
			return fail(v, "MSG_WAITALL read of type %d went on into record %llu of type %d",
				    rtype, (unsigned long long)v->i, r.type);
	}
	if (!waitall && !peek && (v->off == len) != !!(mflags & MSG_EOR))
		return fail(v, "record %llu (%u bytes): MSG_EOR %s at offset %u",
			    (unsigned long long)v->i, len,
			    mflags & MSG_EOR ? "set" : "missing", v->off);
	if (waitall && n < asked) {
		if (v->off < len)
			return fail(v, "MSG_WAITALL returned %zu of %zu inside record %llu",
				    n, asked, (unsigned long long)v->i);
		if (!v_may_stop(v, v->i, rtype))
			return fail(v, "MSG_WAITALL returned %zu of %zu at the end of record %llu, before more of type %d",
				    n, asked, (unsigned long long)v->i, rtype);
	}
	if (peek) {
		*v = save;
		return 0;
	}
	v->reads++;
	v->bytes += n;
	v->skipped_empty = false;
	v_settle(v);
	return 0;
}

/* poll() saw no complete record for too long: say what the kernel holds. */
static int fail_stalled(struct verifier *v, int fd)
{
	struct recframe_info info;
	struct rec r;
	int inq = -1;

	rf_get_info(fd, &info);
	ioctl(fd, SIOCINQ, &inq);
	return fail(v, "no POLLIN in %d ms at record %llu (%u bytes, %u read); SIOCINQ %d, state %#x, rx_queued %llu, rx_copy_fallback %llu",
		    RF_TIMEOUT_MS, (unsigned long long)v->i,
		    rec_visible(v->s, v->i, &r), v->off, inq, info.state,
		    (unsigned long long)info.rx_queued,
		    (unsigned long long)info.rx_copy_fallback);
}

enum { OP_PLAIN, OP_PEEK, OP_WAITALL, OP_DONTWAIT, OP_NUM };

static const char * const op_names[] = { "plain", "peek", "waitall",
					 "dontwait" };

/*
 * One random read. Returns 1 at end of stream, 0 to go on, -1 on a
 * failure described in v->err.
 */
static int read_once(struct verifier *v, int fd, struct rf_rng *st,
		     uint8_t *buf, size_t bufsize, uint64_t op_count[OP_NUM])
{
	int op = rf_rnd(st) % OP_NUM, type, mflags, ptype, pflags;
	size_t asked, span = v->s->max + v->s->hlen;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t *peeked = buf + bufsize / 2;
	ssize_t n, p;

	switch (rf_rnd(st) % 10) {
	case 0:
		asked = rnd_range(st, 1, 16);
		break;
	case 1:
	case 2:
	case 3:
		asked = rnd_range(st, 1, 1024);
		break;
	case 4:
	case 5:
		asked = rnd_range(st, span, 2 * span);
		break;
	default:
		asked = rnd_range(st, 1, span);
		break;
	}
	if (op == OP_PEEK && asked > bufsize / 2)
		asked = bufsize / 2;
	op_count[op]++;

	switch (op) {
	case OP_PEEK:
		p = rf_recv_rec(fd, peeked, asked, MSG_PEEK, &ptype, &pflags);
		if (p < 0)
			return fail(v, "MSG_PEEK of %zu: %s", asked,
				    strerror(errno));
		if (p > 0 && v_check(v, peeked, p, asked, ptype, pflags, false,
				     true))
			return -1;
		n = rf_recv_rec(fd, buf, asked, 0, &type, &mflags);
		if (n != p || (n > 0 && memcmp(buf, peeked, n)))
			return fail(v, "read of %zu after MSG_PEEK: %zd bytes, peek gave %zd",
				    asked, n, p);
		break;
	case OP_WAITALL:
		n = rf_recv_rec(fd, buf, asked, MSG_WAITALL, &type, &mflags);
		break;
	case OP_DONTWAIT:
		if (poll(&pfd, 1, RF_TIMEOUT_MS) != 1)
			return fail_stalled(v, fd);
		if (pfd.revents & POLLERR)
			return fail(v, "POLLERR at record %llu",
				    (unsigned long long)v->i);
		n = rf_recv_rec(fd, buf, asked, MSG_DONTWAIT, &type, &mflags);
		/* POLLIN may have been for empty records consumed silently. */
		if (n < 0 && errno == EAGAIN && v->skipped_empty)
			return 0;
		break;
	default:
		n = rf_recv_rec(fd, buf, asked, 0, &type, &mflags);
		break;
	}
	if (n < 0)
		return fail(v, "%s read of %zu at record %llu offset %u: %s",
			    op_names[op], asked, (unsigned long long)v->i,
			    v->off, strerror(errno));
	if (!n)
		return 1;
	return v_check(v, buf, n, asked, type, mflags, op == OP_WAITALL,
		       false);
}

/* ------------------------------------------------------------------------
 * The test.
 */

FIXTURE(stream)
{
	int fds[2];	/* [0] sends, [1] receives with recframe */
};

FIXTURE_VARIANT(stream)
{
	struct recframe_framing fr;
	bool raw_sender;
	bool rx_header;
};

#define FMT_TLS { \
	.format = RECFRAME_FORMAT_TLS, \
	.max_record = 16384, \
}
/* A type byte, then a 4-byte big-endian length. */
#define FMT_TYPED32 { \
	.format = RECFRAME_FORMAT_LENGTH, \
	.hdr_len = 5, .type_off = 0, .len_off = 1, .len_size = 4, \
	.flags = RECFRAME_F_TYPE, \
	.max_record = 65536, \
}
/* Kafka-like: a 4-byte big-endian length, no type. */
#define FMT_LEN32 { \
	.format = RECFRAME_FORMAT_LENGTH, \
	.hdr_len = 4, .len_off = 0, .len_size = 4, \
	.max_record = 65536, \
}

FIXTURE_VARIANT_ADD(stream, tls)
{
	.fr = FMT_TLS,
};

FIXTURE_VARIANT_ADD(stream, typed32)
{
	.fr = FMT_TYPED32,
};

FIXTURE_VARIANT_ADD(stream, tls_raw_sender)
{
	.fr = FMT_TLS,
	.raw_sender = true,
};

FIXTURE_VARIANT_ADD(stream, typed32_raw_sender)
{
	.fr = FMT_TYPED32,
	.raw_sender = true,
};

FIXTURE_VARIANT_ADD(stream, len32_raw_sender_rx_header)
{
	.fr = FMT_LEN32,
	.raw_sender = true,
	.rx_header = true,
};

FIXTURE_SETUP(stream)
{
	const struct recframe_framing *fr = &variant->fr;

	self->fds[0] = self->fds[1] = -1;
	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	ASSERT_EQ(0, rf_tcp_pair(AF_INET, self->fds));
	ASSERT_EQ(0, rf_set_int(self->fds[0], SOL_TCP, TCP_NODELAY, 1));
	ASSERT_EQ(0, rf_set_timeo(self->fds[0], SO_SNDTIMEO, RF_TIMEOUT_MS));
	ASSERT_EQ(0, rf_set_timeo(self->fds[1], SO_RCVTIMEO, RF_TIMEOUT_MS));
	if (!variant->raw_sender) {
		ASSERT_EQ(0, rf_attach(self->fds[0]));
		ASSERT_EQ(0, rf_set_framing(self->fds[0], fr));
	}
	ASSERT_EQ(0, rf_attach(self->fds[1]));
	ASSERT_EQ(0, rf_set_framing(self->fds[1], fr));
	if (variant->rx_header)
		ASSERT_EQ(0, rf_set_int(self->fds[1], SOL_RECFRAME,
					RECFRAME_RX_HEADER, 1));
}

FIXTURE_TEARDOWN(stream)
{
	if (self->fds[0] >= 0)
		close(self->fds[0]);
	if (self->fds[1] >= 0)
		close(self->fds[1]);
}

TEST_F_TIMEOUT(stream, random_records, 180)
{
	uint64_t seconds = rf_env_u64("RF_SECONDS", RF_DEFAULT_SECONDS);
	uint64_t op_count[OP_NUM] = {}, end;
	struct recframe_info rx, tx;
	struct verifier v = {};
	struct rf_rng st;
	struct sender snd = {};
	struct stream s = {};
	double start, limit;
	struct rec r;
	size_t bufsize;
	uint8_t *buf;
	int ret = 0;

	s.fr = variant->fr;
	s.seed = rf_env_u64("RF_SEED", RF_DEFAULT_SEED);
	s.hlen = rf_fmt_hdr_len(&s.fr);
	s.max = s.fr.max_record;
	s.typed = rf_fmt_typed(&s.fr);
	s.rx_header = variant->rx_header;
	TH_LOG("seed %llu (RF_SEED), %llu s (RF_SECONDS)",
	       (unsigned long long)s.seed, (unsigned long long)seconds);

	bufsize = 4 * (s.max + s.hlen);
	buf = malloc(bufsize);
	v.exp = malloc(bufsize);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, v.exp);
	v.s = &s;
	v.snd = &snd;

	start = rf_now_s();
	snd.s = &s;
	snd.fd = self->fds[0];
	snd.raw = variant->raw_sender;
	snd.deadline = start + seconds;
	atomic_init(&snd.published, -1);
	ASSERT_EQ(0, pthread_create(&snd.thread, NULL, sender_fn, &snd));

	/* Well past the sender's budget: a stall fails instead of hanging. */
	limit = start + seconds + 60;
	st.s = s.seed ^ 0x72656164;
	v_settle(&v);
	while (!ret) {
		ret = read_once(&v, self->fds[1], &st, buf, bufsize, op_count);
		if (!ret && rf_now_s() > limit)
			ret = fail(&v, "still reading after %.0f s",
				   rf_now_s() - start);
	}
	if (ret < 0) {
		/* Unblock the sender. */
		shutdown(self->fds[1], SHUT_RDWR);
	}
	pthread_join(snd.thread, NULL);
	ASSERT_EQ(1, ret) TH_LOG("%s", v.err);
	ASSERT_EQ(0, snd.err[0]) TH_LOG("sender: %s", snd.err);
	/* The reader's position went past trailing empty records. */
	for (end = snd.records; !rec_visible(&s, end, &r); end++)
		;
	EXPECT_EQ(end, v.i)
		TH_LOG("EOF at record %llu of %llu",
		       (unsigned long long)v.i,
		       (unsigned long long)snd.records);
	EXPECT_EQ(0, v.off);

	rf_get_info(self->fds[1], &rx);
	rf_get_info(self->fds[0], &tx);
	TH_LOG("%llu records (%llu empty), %llu payload bytes, %llu sends/writes, %llu reads (plain %llu, peek %llu, waitall %llu, dontwait %llu) in %.1f s",
	       (unsigned long long)snd.records, (unsigned long long)snd.empty,
	       (unsigned long long)snd.bytes, (unsigned long long)snd.pieces,
	       (unsigned long long)v.reads,
	       (unsigned long long)op_count[OP_PLAIN],
	       (unsigned long long)op_count[OP_PEEK],
	       (unsigned long long)op_count[OP_WAITALL],
	       (unsigned long long)op_count[OP_DONTWAIT], rf_now_s() - start);
	TH_LOG("rx: records %llu bytes %llu empty %llu rx_copy_fallback %llu; tx: records %llu bytes %llu tx_alloc %llu",
	       (unsigned long long)rx.rx_records,
	       (unsigned long long)rx.rx_bytes,
	       (unsigned long long)rx.rx_empty,
	       (unsigned long long)rx.rx_copy_fallback,
	       (unsigned long long)tx.tx_records,
	       (unsigned long long)tx.tx_bytes,
	       (unsigned long long)tx.tx_alloc);
	EXPECT_EQ(0, rx.rx_error);
	if (!variant->raw_sender)
		EXPECT_EQ(snd.bytes, tx.tx_bytes);
	if (variant->raw_sender && !variant->rx_header)
		EXPECT_EQ(snd.empty, rx.rx_empty);
	free(buf);
	free(v.exp);
}

TEST_HARNESS_MAIN
