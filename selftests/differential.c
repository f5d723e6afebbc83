// SPDX-License-Identifier: GPL-2.0
/*
 * Differential testing of recframe's TLS mode against the kernel's kTLS.
 *
 * Each sequence sets up the same thing twice, once with the "tls" ULP and
 * once with "recframe", with the same keys and sequence numbers:
 *
 *	S (ULP, TLS_TX) --TCP--> P (plain)    the test reads the ciphertext
 *	W (plain)       --TCP--> D (ULP, TLS_RX) and writes it on to D
 *
 * and applies one random sequence of operations to both: send() with and
 * without MSG_MORE, with record type cmsgs, sendfile(), splice() into S,
 * shutdown(), getsockopt(TLS_TX/TLS_RX); recv() on D with random sizes and
 * MSG_PEEK, MSG_WAITALL, MSG_TRUNC, no cmsg room, splice() out of D,
 * poll(); and now and then bad input written straight into W (a header
 * too long, too short or of a bad version, a bad tag, a record cut by a
 * FIN, a reset). Every result must be the same: return values and errno,
 * the bytes, MSG_EOR and MSG_CTRUNC, the record type, the poll mask, the
 * crypto_info read back, and the ciphertext on the wire, byte for byte.
 *
 * The intended differences are the table diffs[] below; each is checked
 * to be exactly what the table says wherever it applies, and counted.
 *
 * RF_SEED=n picks the first sequence's seed, RF_DIFF_SECONDS=n the time
 * budget (default 15), RF_DIFF_SEQS=n a number of sequences instead.
 */
#include <linux/tls.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <time.h>
#include <linux/sockios.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#define DF_DEFAULT_SEED		0x6469666600000000ULL	/* "diff" */
#define DF_DEFAULT_SECONDS	15
#define DF_SYNC_MS		3000
#define DF_MAX_WIRE		(256 * 1024)

enum { K, R };			/* kTLS, recframe */
static const char * const impl[] = { "tls", "recframe" };

/* ---------------------------------------------------------- the table --- */

/*
 * Intended differences. kTLS is Debian's 6.1; recframe documents each one
 * in Documentation/recframe.rst.
 */
enum {
	D_EOR,		/* MSG_EOR on send */
	D_COALESCE,	/* several data records in one recv() */
	D_TRUNC_FIN,	/* a record cut short by a FIN */
	D_STICKY,	/* a receive error, read again */
	D_REKEY,	/* TLS 1.3: TLS_TX / TLS_RX set a second time */
	D_SHUT_MORE,	/* shutdown() with a MSG_MORE record open */
	D_EMPTY_SEND,	/* send() of 0 bytes without MSG_MORE */
	D_PEEK_EOR,	/* MSG_PEEK of part of a decrypted record */
	D_SPLICE_MORE,	/* splice() into the socket with SPLICE_F_MORE */
	D_LOST_ERR,	/* kTLS never reports a bad header */
	D_RX_AHEAD,	/* TLS_RX read back after kTLS decrypted ahead */
	D_NUM
};

static const struct {
	const char *what, *ktls, *recframe;
} diffs[D_NUM] = {
	[D_EOR] = { "send() with MSG_EOR",
		    "EOPNOTSUPP (accepted from 6.6 on)",
		    "ends the record, as a send without MSG_MORE" },
	[D_COALESCE] = { "MSG_PEEK (and recv() racing arrivals), several data records queued",
			 "peeks through every decrypted record",
			 "peeks into one record (one decrypted record per socket); reads go on through complete data records, as kTLS's do" },
	[D_TRUNC_FIN] = { "a record cut short by the peer's FIN",
			  "reads as a clean end of stream (0)",
			  "EPROTO, sticky, counted in err_truncated" },
	[D_STICKY] = { "a bad record, then further reads",
		       "reports the error once (socket error), then EAGAIN or 0",
		       "reports the same error on every read (sticky)" },
	[D_REKEY] = { "TLS 1.3: TLS_TX or TLS_RX set again (KeyUpdate)",
		      "EBUSY (rekey arrived in 6.14)",
		      "installs the new key" },
	[D_SHUT_MORE] = { "shutdown(SHUT_WR), with or without a MSG_MORE record open, then send()",
			  "never sends an open record; the send() returns its byte count and nothing goes out",
			  "sends the open record before the FIN; the send() fails with EPIPE" },
	[D_EMPTY_SEND] = { "send() of 0 bytes",
			   "does nothing: no record, an open MSG_MORE record stays open",
			   "ends the record (closes the open one or sends an empty one); with MSG_MORE opens one, which a later type change sends empty" },
	[D_PEEK_EOR] = { "a read ending inside a record, after a whole one or peeking into one kTLS holds decrypted",
			 "sets MSG_EOR (some record ended, or none with MSG_PEEK)",
			 "sets MSG_EOR only when the last byte returned ends a record" },
	[D_SPLICE_MORE] = { "splice() into the socket with SPLICE_F_MORE",
			    "ends the record at the splice's last page anyway (only MSG_SENDPAGE_NOTLAST counts)",
			    "keeps the record open, as MSG_MORE does (the test closes it with a send of 0 bytes)" },
	[D_LOST_ERR] = { "a malformed header after kTLS's parser has been in copy mode",
			 "may report nothing: EAGAIN, while poll() says POLLIN",
			 "reports the error (EMSGSIZE, EBADMSG, EINVAL)" },
	[D_RX_AHEAD] = { "getsockopt(TLS_RX): rec_seq and TLS 1.2's iv count records decrypted",
			 "decrypts ahead of the reader (peeks, several records a call): its numbers may run ahead",
			 "decrypts the record being read only" },
};

static uint64_t diff_seen[D_NUM];

/* ------------------------------------------------------------ the pair --- */

struct side {
	int		s, p, w, d;
	uint8_t		*wire;	/* ciphertext read from P */
	size_t		wlen, fwd;
	int		pipe[2];
};

struct seq {
	uint64_t	seed;
	struct rf_rng	r;
	uint16_t	version, cipher;
	int		cidx;
	uint8_t		info[2][64];	/* TX and RX crypto_info */
	size_t		info_len;
	struct side	sd[2];
	int		file;		/* for sendfile */
	uint8_t		*data;		/* what is sent */
	size_t		data_len;
	bool		tx_shut, rx_broken, rx_end;
	bool		more_open;	/* a MSG_MORE record was left open */
	int		bad_err;	/* recframe's sticky error after bad input */
	char		hist[32][160];
	int		nhist;
	int		ops;
	char		*err;
	size_t		errlen;
	char		last[160];
};

static int dfail(struct seq *q, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	int i;

	n = 0;
	for (i = q->nhist > 32 ? q->nhist - 32 : 0; i < q->nhist; i++)
		n += snprintf(q->err + n, q->errlen - n, "\n#   after %s",
			      q->hist[i % 32]);
	n += snprintf(q->err + n, q->errlen - n, "\n# op %d, %s: ", q->ops,
		      q->last);
	va_start(ap, fmt);
	vsnprintf(q->err + n, q->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static char *df_call(struct seq *q)
{
	if (q->last[0])
		memcpy(q->hist[q->nhist++ % 32], q->last, sizeof(q->last));
	return q->last;
}

static const struct {
	uint16_t id;
	int keylen, ivlen, saltlen;
	const char *name;
} ciphers[] = {
	{ TLS_CIPHER_AES_GCM_128, 16, 8, 4, "aes-gcm-128" },
	{ TLS_CIPHER_AES_GCM_256, 32, 8, 4, "aes-gcm-256" },
	{ TLS_CIPHER_AES_CCM_128, 16, 8, 4, "aes-ccm-128" },
	{ TLS_CIPHER_CHACHA20_POLY1305, 32, 12, 0, "chacha20-poly1305" },
};

static size_t make_info(struct rf_rng *r, uint16_t version, int c, uint8_t *b)
{
	size_t n = 0, i;

	b[n++] = version;
	b[n++] = version >> 8;
	b[n++] = ciphers[c].id;
	b[n++] = ciphers[c].id >> 8;
	for (i = 0; i < (size_t)ciphers[c].ivlen + ciphers[c].keylen +
			ciphers[c].saltlen; i++)
		b[n++] = rf_rnd(r);
	for (i = 0; i < 8; i++)		/* rec_seq: small, never wraps */
		b[n++] = i < 5 ? 0 : rf_rnd(r);
	return n;
}

static int side_open(struct seq *q, int i)
{
	struct side *sd = &q->sd[i];
	int one = 1, fds[2];

	if (rf_tcp_pair(AF_INET, fds))
		return dfail(q, "TCP pair: %s", strerror(errno));
	sd->s = fds[0];
	sd->p = fds[1];
	if (rf_tcp_pair(AF_INET, fds))
		return dfail(q, "TCP pair: %s", strerror(errno));
	sd->w = fds[0];
	sd->d = fds[1];
	setsockopt(sd->w, SOL_TCP, TCP_NODELAY, &one, sizeof(one));
	rf_set_timeo(sd->s, SO_SNDTIMEO, DF_SYNC_MS);
	rf_set_timeo(sd->w, SO_SNDTIMEO, DF_SYNC_MS);
	rf_set_timeo(sd->d, SO_RCVTIMEO, 300);
	if (rf_ulp(sd->s, impl[i]) || rf_ulp(sd->d, impl[i]))
		return dfail(q, "%s ULP: %s", impl[i], strerror(errno));
	if (setsockopt(sd->s, SOL_TLS, TLS_TX, q->info[0], q->info_len) ||
	    setsockopt(sd->d, SOL_TLS, TLS_RX, q->info[1], q->info_len))
		return dfail(q, "%s crypto_info: %s", impl[i], strerror(errno));
	sd->wire = malloc(DF_MAX_WIRE + 65536);
	if (!sd->wire || pipe(sd->pipe))
		return dfail(q, "out of memory");
	return 0;
}

static void side_close(struct side *sd)
{
	int *fds[] = { &sd->s, &sd->p, &sd->w, &sd->d, &sd->pipe[0],
		       &sd->pipe[1] };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] > 0)
			close(*fds[i]);
	free(sd->wire);
	memset(sd, 0, sizeof(*sd));
}

/* -------------------------------------------------------- wire checks --- */

/* Waits for S to have handed everything to P, then reads P dry. */
static int capture_x(struct seq *q, bool extra)
{
	double end = rf_now_s() + DF_SYNC_MS / 1000.0;
	int i, outq;

	for (i = 0; i < 2; i++) {
		struct side *sd = &q->sd[i];
		ssize_t n;

		while (!ioctl(sd->s, SIOCOUTQ, &outq) && outq &&
		       rf_now_s() < end)
			usleep(200);
		for (;;) {
			if (sd->wlen >= DF_MAX_WIRE)
				return dfail(q, "too much ciphertext");
			n = recv(sd->p, sd->wire + sd->wlen,
				 DF_MAX_WIRE + 65536 - sd->wlen, MSG_DONTWAIT);
			if (n <= 0)
				break;
			sd->wlen += n;
		}
	}
	if (extra) {
		/* recframe sent one more record, after what kTLS sent. */
		const uint8_t *h = q->sd[R].wire + q->sd[K].wlen;

		if (q->sd[R].wlen < q->sd[K].wlen + 5 ||
		    q->sd[R].wlen != q->sd[K].wlen + 5 + (h[3] << 8 | h[4]))
			return dfail(q, "expected one more record from recframe: kTLS %zu bytes, recframe %zu",
				     q->sd[K].wlen, q->sd[R].wlen);
		q->sd[R].wlen = q->sd[K].wlen;
	}
	if (q->sd[K].wlen != q->sd[R].wlen ||
	    memcmp(q->sd[K].wire, q->sd[R].wire, q->sd[K].wlen)) {
		size_t k = 0;

		while (k < q->sd[K].wlen && k < q->sd[R].wlen &&
		       q->sd[K].wire[k] == q->sd[R].wire[k])
			k++;
		return dfail(q, "ciphertext differs at byte %zu (kTLS %zu bytes, recframe %zu)",
			     k, q->sd[K].wlen, q->sd[R].wlen);
	}
	return 0;
}

static int capture(struct seq *q)
{
	return capture_x(q, false);
}

/* Writes the ciphertext captured so far on to D, and waits for it there. */
static int forward(struct seq *q)
{
	double end = rf_now_s() + DF_SYNC_MS / 1000.0;
	int i, outq;

	if (q->rx_broken || q->rx_end)
		return 0;
	for (i = 0; i < 2; i++) {
		struct side *sd = &q->sd[i];

		while (sd->fwd < sd->wlen) {
			ssize_t n = send(sd->w, sd->wire + sd->fwd,
					 sd->wlen - sd->fwd, MSG_NOSIGNAL);

			if (n <= 0)
				return dfail(q, "forward: %s", strerror(errno));
			sd->fwd += n;
		}
		while (!ioctl(sd->w, SIOCOUTQ, &outq) && outq &&
		       rf_now_s() < end)
			usleep(200);
	}
	return 0;
}

/* ------------------------------------------------------------ results --- */

struct res {
	ssize_t		ret;	/* >= 0, or -errno */
	int		flags;
	int		type;
	uint8_t		*buf;
};

static void res_init(struct res *r, uint8_t *buf)
{
	r->ret = 0;
	r->flags = 0;
	r->type = -1;
	r->buf = buf;
}

/*
 * After bad input (D_STICKY, D_TRUNC_FIN): recframe keeps reporting its
 * error, kTLS reported it once and now says EAGAIN or end of stream.
 * Returns true if that is the difference seen.
 */
static bool after_bad(struct seq *q, const struct res *k, const struct res *r)
{
	if (!q->rx_broken || !q->bad_err || k->ret == r->ret)
		return false;
	if (r->ret != q->bad_err ||
	    (k->ret != -EAGAIN && k->ret != 0 && k->ret != q->bad_err))
		return false;
	diff_seen[q->bad_err == -EPROTO ? D_TRUNC_FIN : D_STICKY]++;
	return true;
}

static int cmp_res(struct seq *q, const char *what, const struct res *k,
		   const struct res *r, bool bytes)
{
	if (after_bad(q, k, r))
		return 0;
	if (k->ret != r->ret)
		return dfail(q, "%s: kTLS %zd%s%s, recframe %zd%s%s", what,
			     k->ret, k->ret < 0 ? " " : "",
			     k->ret < 0 ? strerror(-k->ret) : "", r->ret,
			     r->ret < 0 ? " " : "",
			     r->ret < 0 ? strerror(-r->ret) : "");
	if (k->ret <= 0)
		return 0;
	if (bytes && memcmp(k->buf, r->buf, k->ret))
		return dfail(q, "%s: the bytes differ", what);
	if (((k->flags ^ r->flags) & (MSG_EOR | MSG_CTRUNC)) == MSG_EOR &&
	    (k->flags & MSG_EOR))
		diff_seen[D_PEEK_EOR]++;	/* kTLS's MSG_EOR after a record */
	else if ((k->flags ^ r->flags) & (MSG_EOR | MSG_CTRUNC))
		return dfail(q, "%s: msg_flags kTLS %#x, recframe %#x", what,
			     k->flags, r->flags);
	if (k->type != r->type)
		return dfail(q, "%s: record type kTLS %d, recframe %d", what,
			     k->type, r->type);
	return 0;
}

static void do_send(int fd, const void *buf, size_t len, int flags,
		    int type, struct res *res)
{
	ssize_t n;

	res_init(res, NULL);
	n = rf_tls_send_rec(fd, type, buf, len, flags | MSG_NOSIGNAL);
	res->ret = n < 0 ? -errno : n;
}

/* DF_BLOCK in @flags: wait (SO_RCVTIMEO) instead of MSG_DONTWAIT. */
#define DF_BLOCK	MSG_WAITFORONE

static void do_recv(int fd, uint8_t *buf, size_t len, int flags, bool cmsg,
		    struct res *res)
{
	union {
		char buf[CMSG_SPACE(1) + 16];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	res_init(res, buf);
	if (cmsg) {
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
	}
	n = recvmsg(fd, &msg, flags & DF_BLOCK ? flags & ~DF_BLOCK :
						 flags | MSG_DONTWAIT);
	res->ret = n < 0 ? -errno : n;
	if (n < 0)
		return;
	res->flags = msg.msg_flags;
	for (c = cmsg ? CMSG_FIRSTHDR(&msg) : NULL; c;
	     c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_TLS &&
		    c->cmsg_type == TLS_GET_RECORD_TYPE)
			res->type = *CMSG_DATA(c);
}

/* ------------------------------------------------------------ TX ops --- */

static int op_send(struct seq *q)
{
	struct rf_rng *r = &q->r;
	size_t len = rf_chance(r, 10) ? 0 :
		     rf_chance(r, 60) ? rf_rrange(r, 1, 600) :
		     rf_rrange(r, 1, 40000);
	size_t off = rf_rrange(r, 0, q->data_len - 40000);
	int flags = rf_chance(r, 40) ? MSG_MORE : 0;
	int type = rf_chance(r, 25) ? (int)(rf_chance(r, 50) ? 23 :
					     rf_rrange(r, 20, 24)) : -1;
	bool eor = !flags && rf_chance(r, 15);
	struct res res[2];

	snprintf(df_call(q), sizeof(q->last), "send(%zu%s%s, type %d)", len,
		 flags ? ", MORE" : "", eor ? ", EOR" : "", type);
	if (eor) {
		/* D_EOR: kTLS 6.1 refuses the flag and sends nothing. */
		do_send(q->sd[K].s, q->data + off, len, MSG_EOR, type, &res[K]);
		if (res[K].ret != -EOPNOTSUPP)
			return dfail(q, "kTLS MSG_EOR: %zd, expected EOPNOTSUPP",
				     res[K].ret);
		diff_seen[D_EOR]++;
	}
	do_send(q->sd[K].s, q->data + off, len, flags, type, &res[K]);
	do_send(q->sd[R].s, q->data + off, len, flags | (eor ? MSG_EOR : 0),
		type, &res[R]);
	if (cmp_res(q, "send", &res[K], &res[R], false))
		return -1;
	if (!len && !res[K].ret) {
		/*
		 * D_EMPTY_SEND: without MSG_MORE one more record from
		 * recframe; with it an open record kTLS does not have. Stop.
		 */
		if (capture_x(q, !flags))
			return -1;
		diff_seen[D_EMPTY_SEND]++;
		q->rx_broken = true;
		q->tx_shut = true;
		return 1;
	}
	if (res[K].ret >= 0)
		q->more_open = flags & MSG_MORE;
	return capture(q);
}

static int op_sendfile(struct seq *q)
{
	struct rf_rng *r = &q->r;
	size_t len = rf_rrange(r, 1, rf_chance(r, 50) ? 3000 : 40000);
	off_t off = rf_rrange(r, 0, q->data_len - 40000), o;
	struct res res[2];
	int i;

	snprintf(df_call(q), sizeof(q->last), "sendfile(%zu at %lld)", len,
		 (long long)off);
	for (i = 0; i < 2; i++) {
		ssize_t n;

		o = off;
		n = sendfile(q->sd[i].s, q->file, &o, len);
		res_init(&res[i], NULL);
		res[i].ret = n < 0 ? -errno : n;
	}
	if (cmp_res(q, "sendfile", &res[K], &res[R], false))
		return -1;
	if (res[K].ret > 0)
		q->more_open = false;
	return capture(q);
}

static int op_splice_in(struct seq *q)
{
	struct rf_rng *r = &q->r;
	size_t len = rf_rrange(r, 1, 16000);
	size_t off = rf_rrange(r, 0, q->data_len - 40000);
	unsigned int flags = rf_chance(r, 40) ? SPLICE_F_MORE : 0;
	struct res res[2];
	int i;

	snprintf(df_call(q), sizeof(q->last), "splice into S (%zu%s)", len,
		 flags ? ", MORE" : "");
	for (i = 0; i < 2; i++) {
		struct side *sd = &q->sd[i];
		ssize_t n;

		if (write(sd->pipe[1], q->data + off, len) != (ssize_t)len)
			return dfail(q, "pipe write: %s", strerror(errno));
		n = splice(sd->pipe[0], NULL, sd->s, NULL, len, flags);
		res_init(&res[i], NULL);
		res[i].ret = n < 0 ? -errno : n;
		/* Whatever was not taken leaves the pipe. */
		while (n >= 0 && (size_t)n < len) {
			char tmp[4096];
			ssize_t k = read(sd->pipe[0], tmp,
					 len - n < sizeof(tmp) ? len - n :
								 sizeof(tmp));

			if (k <= 0)
				break;
			n += k;
		}
	}
	if (cmp_res(q, "splice", &res[K], &res[R], false))
		return -1;
	if (res[K].ret > 0) {
		q->more_open = false;
		if (flags & SPLICE_F_MORE) {
			/* D_SPLICE_MORE: recframe's record is still open. */
			do_send(q->sd[R].s, q->data, 0, 0, -1, &res[R]);
			if (res[R].ret)
				return dfail(q, "send(0) closing the record: %zd",
					     res[R].ret);
			diff_seen[D_SPLICE_MORE]++;
		}
	}
	return capture(q);
}

static int op_getsockopt(struct seq *q, bool tx)
{
	uint8_t b[2][64];
	socklen_t len[2];
	int i, ret[2];

	snprintf(df_call(q), sizeof(q->last), "getsockopt(%s)",
		 tx ? "TLS_TX" : "TLS_RX");
	len[K] = rf_chance(&q->r, 20) ? sizeof(struct tls_crypto_info) :
					q->info_len;
	len[R] = len[K];
	for (i = 0; i < 2; i++) {
		memset(b[i], 0, sizeof(b[i]));
		ret[i] = getsockopt(tx ? q->sd[i].s : q->sd[i].d, SOL_TLS,
				    tx ? TLS_TX : TLS_RX, b[i], &len[i]) ?
			 -errno : 0;
	}
	/*
	 * After the shutdown kTLS sealed the record of the send() that
	 * "succeeded" (D_SHUT_MORE): its TX sequence number is one ahead.
	 */
	if (tx && q->tx_shut && !ret[K] && !ret[R])
		return 0;
	if (!tx && !ret[K] && !ret[R] && len[K] == q->info_len &&
	    len[R] == len[K] && memcmp(b[K], b[R], len[K])) {
		size_t iv = ciphers[q->cidx].ivlen, seq = len[K] - 8, k;
		uint64_t sk = 0, sr = 0;

		/* D_RX_AHEAD: same key and salt, kTLS's sequence ahead. */
		for (k = 0; k < 8; k++) {
			sk = sk << 8 | b[K][seq + k];
			sr = sr << 8 | b[R][seq + k];
		}
		if (sk > sr && !memcmp(b[K], b[R], 4) &&
		    !memcmp(b[K] + 4 + iv, b[R] + 4 + iv, seq - 4 - iv)) {
			diff_seen[D_RX_AHEAD]++;
			return 0;
		}
	}
	if (ret[K] != ret[R] || len[K] != len[R] || memcmp(b[K], b[R], len[K])) {
		char hex[2][140];
		unsigned int j;

		for (i = 0; i < 2; i++)
			for (j = 0; j < len[i] && j < 64; j++)
				sprintf(hex[i] + 2 * j, "%02x", b[i][j]);
		return dfail(q, "kTLS %d (%u bytes) %s, recframe %d (%u bytes) %s",
			     ret[K], len[K], ret[K] ? "" : hex[K], ret[R],
			     len[R], ret[R] ? "" : hex[R]);
	}
	return 0;
}

static int op_shutdown(struct seq *q)
{
	struct res res[2];
	int i;

	snprintf(df_call(q), sizeof(q->last), "shutdown(S, SHUT_WR)");
	for (i = 0; i < 2; i++) {
		res_init(&res[i], NULL);
		res[i].ret = shutdown(q->sd[i].s, SHUT_WR) ? -errno : 0;
	}
	q->tx_shut = true;
	if (cmp_res(q, "shutdown", &res[K], &res[R], false) ||
	    capture_x(q, q->more_open))
		return -1;
	/* A send now: EPIPE on both, unless D_SHUT_MORE. */
	do_send(q->sd[K].s, q->data, 10, 0, -1, &res[K]);
	do_send(q->sd[R].s, q->data, 10, 0, -1, &res[R]);
	if (res[K].ret != 10 || res[R].ret != -EPIPE)
		return dfail(q, "send after shutdown: kTLS %zd, recframe %zd (expected 10 and EPIPE)",
			     res[K].ret, res[R].ret);
	diff_seen[D_SHUT_MORE]++;
	/* Nothing more on either wire. */
	if (capture(q))
		return -1;
	if (q->more_open) {
		/* Their streams part here: stop comparing receivers. */
		q->rx_broken = true;
	}
	return 0;
}

/* ------------------------------------------------------------ RX ops --- */

static uint8_t rbuf[2][70000], kpeek[70000];

static int op_recv(struct seq *q)
{
	struct rf_rng *r = &q->r;
	size_t len = rf_chance(r, 30) ? rf_rrange(r, 1, 64) :
				       rf_rrange(r, 1, 40000);
	static const int fl[] = { 0, 0, MSG_PEEK, MSG_WAITALL, MSG_TRUNC,
				  MSG_PEEK | MSG_WAITALL };
	int flags = fl[rf_rnd(r) % (sizeof(fl) / sizeof(fl[0]))];
	bool cmsg = !rf_chance(r, 15);
	struct res res[2], peek;

	snprintf(df_call(q), sizeof(q->last), "recv(%zu, %#x%s)", len, flags,
		 cmsg ? "" : ", no cmsg room");
	if (forward(q))
		return -1;
	do_recv(q->sd[R].d, rbuf[R], len, flags, cmsg, &res[R]);
	/*
	 * D_COALESCE: kTLS may hand out more data records in one call. Peek
	 * at what it would return, then read as much as recframe did.
	 */
	if (res[R].ret > 0 && (size_t)res[R].ret < len &&
	    (!(flags & MSG_WAITALL) || (flags & MSG_PEEK))) {
		do_recv(q->sd[K].d, kpeek, len, MSG_PEEK, true, &peek);
		if (peek.ret < res[R].ret ||
		    (!(flags & MSG_TRUNC) &&
		     memcmp(kpeek, rbuf[R], res[R].ret)))
			return dfail(q, "kTLS peek of %zu: %zd, recframe read %zd",
				     len, peek.ret, res[R].ret);
		if (peek.ret > res[R].ret)
			diff_seen[D_COALESCE]++;
		len = res[R].ret;
	}
	do_recv(q->sd[K].d, rbuf[K], len, flags, cmsg, &res[K]);
	return cmp_res(q, "recv", &res[K], &res[R], !(flags & MSG_TRUNC));
}

static int op_splice_out(struct seq *q)
{
	size_t len = rf_rrange(&q->r, 1, 20000);
	struct res res[2];
	int i;

	snprintf(df_call(q), sizeof(q->last), "splice out of D (%zu)", len);
	if (forward(q))
		return -1;
	for (i = 1; i >= 0; i--) {
		struct side *sd = &q->sd[i];
		ssize_t n = splice(sd->d, NULL, sd->pipe[1], NULL, len,
				   SPLICE_F_NONBLOCK);

		res_init(&res[i], rbuf[i]);
		res[i].ret = n < 0 ? -errno : n;
		if (n > 0 && read(sd->pipe[0], rbuf[i], n) != n)
			return dfail(q, "pipe read: %s", strerror(errno));
		/* recframe moves at most one record: ask kTLS the same. */
		if (i == R && n > 0)
			len = n;
	}
	return cmp_res(q, "splice", &res[K], &res[R], true);
}

static int op_poll(struct seq *q)
{
	short ev[2];
	int i;

	snprintf(df_call(q), sizeof(q->last), "poll(D)");
	if (forward(q))
		return -1;
	for (i = 0; i < 2; i++) {
		struct pollfd p = { .fd = q->sd[i].d, .events = POLLIN };

		poll(&p, 1, 0);
		ev[i] = p.revents & (POLLIN | POLLERR | POLLHUP | POLLRDHUP);
	}
	if (ev[K] != ev[R] && q->rx_broken && q->bad_err &&
	    ev[R] == (POLLIN | POLLERR | (ev[K] & (POLLHUP | POLLRDHUP)))) {
		/* recframe's error stays (D_STICKY, D_TRUNC_FIN). */
		diff_seen[q->bad_err == -EPROTO ? D_TRUNC_FIN : D_STICKY]++;
		return 0;
	}
	if (ev[K] != ev[R])
		return dfail(q, "revents kTLS %#x, recframe %#x", ev[K], ev[R]);
	return 0;
}

/* ----------------------------------------------------------- bad input --- */

enum { BAD_LONG, BAD_SHORT, BAD_VERSION, BAD_TAG, BAD_TRUNC_FIN, BAD_RST,
       BAD_NUM };
static const char * const bad_names[] = { "header too long",
	"header too short", "bad version", "bad tag", "record cut by FIN",
	"reset" };
static uint64_t bad_seen[BAD_NUM];

/*
 * What the first read after the bad input gets, on both: the documented
 * errno; later reads differ (D_STICKY, D_TRUNC_FIN).
 */
static int op_bad(struct seq *q)
{
	/* Each kind in turn, so that a short run sees them all. */
	int kind = (q->seed * 7 + q->ops) % BAD_NUM, i, j;
	uint8_t b[300];
	size_t n = 5;
	int want;
	struct res res[2];

	snprintf(df_call(q), sizeof(q->last), "bad input: %s", bad_names[kind]);
	/* Everything good first, so that both are at a record boundary. */
	if (capture(q) || forward(q))
		return -1;
	{
		size_t off = 0, wl = q->sd[K].wlen;
		const uint8_t *w = q->sd[K].wire;

		while (off + 5 <= wl)
			off += 5 + (w[off + 3] << 8 | w[off + 4]);
		if (off != wl)
			return dfail(q, "the ciphertext (%zu bytes) ends inside a record (at %zu)",
				     wl, off);
	}
	for (i = 0; i < (int)sizeof(b); i++)
		b[i] = rf_rnd(&q->r);
	b[0] = 23;
	b[1] = 3;
	b[2] = 3;
	switch (kind) {
	case BAD_LONG:
		b[3] = 0xff;
		b[4] = 0xff;
		want = -EMSGSIZE;
		break;
	case BAD_SHORT:
		b[3] = 0;
		b[4] = rf_rrange(&q->r, 0, 7);
		want = -EBADMSG;
		break;
	case BAD_VERSION:
		b[2] = 2;
		b[3] = 0;
		b[4] = 100;
		n = 105;
		want = -EINVAL;
		break;
	case BAD_TAG:
		b[3] = 0;
		b[4] = rf_rrange(&q->r, 40, 200);
		n = 5 + b[4];
		want = -EBADMSG;
		break;
	case BAD_TRUNC_FIN:
		b[3] = 0;
		b[4] = 200;
		n = 100;
		want = 0;	/* kTLS: end of stream; recframe: EPROTO */
		break;
	default:
		n = 0;
		want = -ECONNRESET;
		break;
	}
	for (i = 0; i < 2; i++) {
		struct side *sd = &q->sd[i];

		if (n && send(sd->w, b, n, MSG_NOSIGNAL) != (ssize_t)n)
			return dfail(q, "write: %s", strerror(errno));
		if (kind == BAD_TRUNC_FIN) {
			shutdown(sd->w, SHUT_WR);
		} else if (kind == BAD_RST) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(sd->w, SOL_SOCKET, SO_LINGER, &lg,
				   sizeof(lg));
			close(sd->w);
			sd->w = -1;
		}
	}
	q->rx_broken = true;
	q->bad_err = 0;
	/* Until the bytes are there and each says something. */
	for (i = 0; i < 2; i++) {
		struct pollfd p = { .fd = q->sd[i].d, .events = POLLIN };
		double end = rf_now_s() + DF_SYNC_MS / 1000.0;
		int outq;

		while (q->sd[i].w >= 0 && !ioctl(q->sd[i].w, SIOCOUTQ, &outq) &&
		       outq && rf_now_s() < end)
			usleep(200);
		poll(&p, 1, DF_SYNC_MS);
	}
	bad_seen[kind]++;

	/* Read until the error shows, the same on both. */
	for (j = 0; j < 50; j++) {
		for (i = 0; i < 2; i++) {
			int t;

			/* kTLS may parse the bad header on this read only. */
			for (t = 0; t < 5; t++) {
				do_recv(q->sd[i].d, rbuf[i], 65536,
					MSG_WAITALL | DF_BLOCK, true,
					&res[i]);
				if (res[i].ret != -EAGAIN)
					break;
				usleep(20000);
			}
		}
		if (kind == BAD_TRUNC_FIN && res[K].ret == 0 &&
		    res[R].ret == -EPROTO) {
			diff_seen[D_TRUNC_FIN]++;
			break;
		}
		if (kind <= BAD_VERSION && res[K].ret == -EAGAIN &&
		    res[R].ret == want) {
			diff_seen[D_LOST_ERR]++;
			res[K].ret = want;
			break;
		}
		if (cmp_res(q, "read after bad input", &res[K], &res[R], true))
			return -1;
		if (res[K].ret <= 0)
			break;
	}
	/*
	 * A MSG_WAITALL read with data swallows a reset on both (the known
	 * recframe bug of stream_fuzz.c, kTLS's behaviour): then 0.
	 */
	if (kind == BAD_RST && j && !res[K].ret)
		want = 0;
	if (res[K].ret != want && !(kind == BAD_TRUNC_FIN &&
				    res[R].ret == -EPROTO))
	{
		int inq[2] = { -1, -1 };
		struct pollfd p[2] = { { .fd = q->sd[K].d, .events = POLLIN },
				       { .fd = q->sd[R].d, .events = POLLIN } };

		ioctl(q->sd[K].d, SIOCINQ, &inq[K]);
		ioctl(q->sd[R].d, SIOCINQ, &inq[R]);
		poll(p, 2, 0);
		return dfail(q, "read after bad input (%d reads): %zd, expected %d; SIOCINQ %d/%d, revents %#x/%#x",
			     j, res[K].ret, want, inq[K], inq[R],
			     p[K].revents, p[R].revents);
	}

	q->bad_err = kind == BAD_TRUNC_FIN ? -EPROTO :
		     kind == BAD_RST ? 0 : want;
	/* Then again: D_STICKY. */
	for (i = 0; i < 2; i++)
		do_recv(q->sd[i].d, rbuf[i], 65536, 0, true, &res[i]);
	if (res[K].ret != res[R].ret) {
		if (res[R].ret != (kind == BAD_TRUNC_FIN ? -EPROTO : want) ||
		    kind == BAD_RST)
			return dfail(q, "second read after bad input: kTLS %zd, recframe %zd",
				     res[K].ret, res[R].ret);
		diff_seen[D_STICKY]++;
	}
	return 0;
}

/* TLS 1.3: a second TLS_TX / TLS_RX. */
static int op_rekey(struct seq *q)
{
	int i, ret[2];
	bool tx = rf_chance(&q->r, 50);

	snprintf(df_call(q), sizeof(q->last), "setsockopt(%s) again",
		 tx ? "TLS_TX" : "TLS_RX");
	for (i = 0; i < 2; i++)
		ret[i] = setsockopt(tx ? q->sd[i].s : q->sd[i].d, SOL_TLS,
				    tx ? TLS_TX : TLS_RX, q->info[tx ? 0 : 1],
				    q->info_len) ? -errno : 0;
	if (q->version == TLS_1_3_VERSION) {
		if (ret[K] != -EBUSY || ret[R])
			return dfail(q, "kTLS %d, recframe %d: expected EBUSY and 0",
				     ret[K], ret[R]);
		diff_seen[D_REKEY]++;
		/* The two no longer share keys: stop comparing. */
		q->rx_broken = true;
		return 1;
	}
	if (ret[K] != ret[R] || ret[K] != -EBUSY)
		return dfail(q, "kTLS %d, recframe %d: expected EBUSY", ret[K],
			     ret[R]);
	return 0;
}

/* ---------------------------------------------------------- sequences --- */

static int run_seq(uint64_t seed, char *err, size_t errlen, int *nops)
{
	struct seq q = { .seed = seed, .err = err, .errlen = errlen };
	int c, i, n, ret = 0;
	char path[] = "/tmp/rfdiffXXXXXX";

	q.r.s = rf_mix64(seed);
	q.version = rf_chance(&q.r, 50) ? TLS_1_2_VERSION : TLS_1_3_VERSION;
	c = rf_rnd(&q.r) % (sizeof(ciphers) / sizeof(ciphers[0]));
	q.cidx = c;
	q.info_len = make_info(&q.r, q.version, c, q.info[0]);
	/* D decrypts what S encrypted. */
	memcpy(q.info[1], q.info[0], q.info_len);
	q.data_len = 128 * 1024;
	q.data = malloc(q.data_len);
	for (i = 0; q.data && i < (int)q.data_len; i++)
		q.data[i] = rf_rnd(&q.r);
	q.file = mkstemp(path);
	if (!q.data || q.file < 0 ||
	    write(q.file, q.data, q.data_len) != (ssize_t)q.data_len) {
		snprintf(err, errlen, "setup: %s", strerror(errno));
		ret = -1;
		goto out;
	}
	unlink(path);
	snprintf(q.last, sizeof(q.last), "setup (TLS 1.%d %s)",
		 q.version == TLS_1_3_VERSION ? 3 : 2, ciphers[c].name);
	if (side_open(&q, K) || side_open(&q, R)) {
		ret = -1;
		goto out;
	}

	n = rf_rrange(&q.r, 5, 40);
	for (q.ops = 1; q.ops <= n && !ret; q.ops++) {
		unsigned int pick = rf_rnd(&q.r) % 100;

		if (q.rx_broken && pick >= 30 && pick < 60)
			pick = 0;
		if (pick < 30 && !q.tx_shut)
			ret = op_send(&q);
		else if (pick < 36 && !q.tx_shut)
			ret = op_sendfile(&q);
		else if (pick < 40 && !q.tx_shut)
			ret = op_splice_in(&q);
		else if (pick < 62)
			ret = op_recv(&q);
		else if (pick < 67)
			ret = op_splice_out(&q);
		else if (pick < 72)
			ret = op_poll(&q);
		else if (pick < 78)
			ret = op_getsockopt(&q, true);
		else if (pick < 84)
			ret = op_getsockopt(&q, false);
		else if (pick < 90 && !q.rx_broken)
			ret = op_bad(&q);
		else if (pick < 92 && !q.tx_shut)
			ret = op_shutdown(&q);
		else if (pick < 94)
			ret = op_rekey(&q);
		else if (!q.tx_shut)
			ret = op_send(&q);
	}
	if (ret > 0)
		ret = 0;
	/* The end: what is left reads the same, then end of stream. */
	if (!ret && !q.rx_broken) {
		snprintf(q.last, sizeof(q.last), "final shutdown");
		if (!q.tx_shut)
			ret = op_shutdown(&q);
		for (i = 0; !ret && i < 2; i++)
			shutdown(q.sd[i].w, SHUT_WR);
		for (i = 0; !ret && i < 200; i++) {
			struct res res[2];
			int j;

			snprintf(q.last, sizeof(q.last), "final read %d", i);
			if (forward(&q))
				ret = -1;
			usleep(i ? 0 : 20000);
			for (j = 0; j < 2; j++)
				do_recv(q.sd[j].d, rbuf[j], 70000,
					MSG_WAITALL | DF_BLOCK, true, &res[j]);
			if (!ret)
				ret = cmp_res(&q, "final read", &res[K],
					      &res[R], true);
			if (res[K].ret <= 0)
				break;
		}
	}
	*nops += q.ops;
out:
	side_close(&q.sd[K]);
	side_close(&q.sd[R]);
	if (q.file >= 0)
		close(q.file);
	free(q.data);
	return ret;
}

TEST(ktls_vs_recframe)
{
	uint64_t base = rf_env_u64("RF_SEED", DF_DEFAULT_SEED);
	uint64_t seqs = rf_env_u64("RF_DIFF_SEQS", 0), i;
	double secs = rf_env_u64("RF_DIFF_SECONDS", DF_DEFAULT_SECONDS);
	double start = rf_now_s();
	char err[8192];
	int ops = 0, fds[2], d;

	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	if (system("modprobe tls 2>/dev/null") == -1 || rf_tcp_pair(AF_INET, fds))
		SKIP(return, "no TCP pair");
	d = rf_ulp(fds[0], "tls");
	close(fds[0]);
	close(fds[1]);
	if (d)
		SKIP(return, "kTLS not available: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; seqs ? i < seqs : (i == 0 || rf_now_s() < start + secs);
	     i++) {
		err[0] = '\0';
		if (run_seq(base + i, err, sizeof(err), &ops)) {
			TH_LOG("seed %#llx: %s", (unsigned long long)(base + i),
			       err);
			TH_LOG("reproduce: RF_SEED=%#llx RF_DIFF_SEQS=1",
			       (unsigned long long)(base + i));
			ASSERT_TRUE(false);
		}
	}
	ksft_print_msg("differential: %llu sequences (seeds %#llx..%#llx), %d operations compared against kTLS in %.1f s\n",
		       (unsigned long long)i, (unsigned long long)base,
		       (unsigned long long)(base + i - 1), ops,
		       rf_now_s() - start);
	ksft_print_msg("bad inputs: %llu too long, %llu too short, %llu bad version, %llu bad tag, %llu cut by FIN, %llu reset\n",
		       (unsigned long long)bad_seen[0],
		       (unsigned long long)bad_seen[1],
		       (unsigned long long)bad_seen[2],
		       (unsigned long long)bad_seen[3],
		       (unsigned long long)bad_seen[4],
		       (unsigned long long)bad_seen[5]);
	for (d = 0; d < D_NUM; d++)
		ksft_print_msg("intended difference: %s: kTLS %s; recframe %s (seen %llu times)\n",
			       diffs[d].what, diffs[d].ktls, diffs[d].recframe,
			       (unsigned long long)diff_seen[d]);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	/* The harness's timeout follows the time budget. */
	_ktls_vs_recframe_object.timeout =
		rf_env_u64("RF_DIFF_SECONDS", DF_DEFAULT_SECONDS) + 120;
	return test_harness_run(argc, argv);
}
