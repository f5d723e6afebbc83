// SPDX-License-Identifier: GPL-2.0
/*
 * recframe-bench: recframe against kTLS, plain TCP and userspace TLS over
 * loopback, in one boot. Runs every case several times and prints one
 * machine-readable line per measurement ("RFB,..." on stdout; "# ..." lines
 * are progress for people). tools/bench/report turns them into the table,
 * the JSON and the chart.
 *
 *   recframe-bench [--quick] [--reps N] [--only g1,g2...] [--mem-n N]
 *
 * Groups: tcrypt tcp tls sendfile framing user scale alloc mem profile.
 *
 * Every throughput run is a fresh loopback connection: a sender thread and
 * a receiver thread (one pair per connection in the scaling case) start
 * together from a barrier; the time runs from there to the receiver seeing
 * end of stream. Rates are payload (plaintext) bytes per second.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/recframe.h>
#include <linux/tls.h>

#include "bench.h"

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TLS_RX_EXPECT_NO_PAD
#define TLS_RX_EXPECT_NO_PAD 4
#endif

#define PAT		65536		/* the plaintext repeats every 64 KiB */
#define RBUF		(256 * 1024)
#define MAX_CONNS	4
/* A run taking longer than this is stuck: reported, then torn down. */
#define RUN_TIMEOUT	60
/* A run expected to take longer than SLOW_RUN s is cut to SLOW_RUN_CAP s. */
#define SLOW_RUN	4
#define SLOW_RUN_CAP	2
#define SENDFILE_PATH	"/tmp/recframe-bench.dat"

/* What one end of a connection is. */
enum kind { K_PLAIN, K_RF_TLS, K_KTLS, K_RF_FRAMING };
/* What the sender does. */
enum sact { S_WRITE, S_STREAM, S_SENDFILE, S_OSSL };
/* What the receiver does. */
enum ract { R_COUNT, R_READ, R_OSSL };

static const size_t sizes[] = { 1024, 4096, 16384, 65536 };
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

static struct {
	int		quick;
	int		reps;
	unsigned long	groups;
	long		mem_n;
	uint64_t	tls_bytes;	/* per run, TLS and userspace TLS */
	uint64_t	tcp_bytes;	/* per run, plain TCP and framing */
	int		alloc_records;
	size_t		prof_size;	/* record size of the profile runs */
} opt;

static uint8_t *pat;			/* 2 * PAT bytes: slices never wrap */
static struct keys keys;
static struct sockaddr_in laddr;
static int lfd = -1;

/* --------------------------------------------------------------- groups */

static const char *const group_names[] = {
	"tcrypt", "tcp", "tls", "sendfile", "framing", "user", "scale",
	"alloc", "mem", "profile",
};
#define NR_GROUPS (sizeof(group_names) / sizeof(group_names[0]))

static int group_on(const char *g)
{
	unsigned int i;

	for (i = 0; i < NR_GROUPS; i++)
		if (!strcmp(group_names[i], g))
			return !!(opt.groups & (1UL << i));
	return 0;
}

static int parse_groups(char *list)
{
	char *tok, *save = NULL;
	unsigned int i;

	opt.groups = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_GROUPS; i++)
			if (!strcmp(group_names[i], tok))
				break;
		if (i == NR_GROUPS) {
			fprintf(stderr, "unknown group %s\n", tok);
			return -1;
		}
		opt.groups |= 1UL << i;
	}
	return 0;
}

/* -------------------------------------------------------------- sockets */

static int listener_init(void)
{
	socklen_t len = sizeof(laddr);
	int one = 1;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		return -1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&laddr, 0, sizeof(laddr));
	laddr.sin_family = AF_INET;
	laddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&laddr, sizeof(laddr)) ||
	    getsockname(lfd, (struct sockaddr *)&laddr, &len) ||
	    listen(lfd, 4096))
		return -1;
	return 0;
}

/* A loopback connection: *c connected to *s (accepted). */
static int make_pair(int *c, int *s)
{
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0)
		return -1;
	if (connect(*c, (struct sockaddr *)&laddr, sizeof(laddr))) {
		close(*c);
		return -1;
	}
	*s = accept(lfd, NULL, NULL);
	if (*s < 0) {
		close(*c);
		return -1;
	}
	return 0;
}

static int attach(int fd, const char *ulp)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, ulp, strlen(ulp));
}

static int set_tls(int fd, const struct suite *s, int optname)
{
	uint8_t info[64];

	tls_info_build(s, &keys, info);
	return setsockopt(fd, SOL_TLS, optname, info, s->info_size);
}

/* recframe's plaintext framing: a 4-byte big-endian length (Kafka). */
static int set_framing(int fd)
{
	struct recframe_framing fr = {
		.format = RECFRAME_FORMAT_LENGTH,
		.hdr_len = 4, .len_off = 0, .len_size = 4, .len_adjust = 0,
		.max_record = 65536,
	};

	return setsockopt(fd, SOL_RECFRAME, RECFRAME_FRAMING, &fr, sizeof(fr));
}
#define FRAMING_HDR 4

static int configure(int fd, enum kind k, const struct suite *s, int tx,
		     int nopad)
{
	switch (k) {
	case K_PLAIN:
		return 0;
	case K_RF_TLS:
	case K_KTLS:
		if (attach(fd, k == K_KTLS ? "tls" : RECFRAME_ULP_NAME) ||
		    set_tls(fd, s, tx ? TLS_TX : TLS_RX))
			return -1;
		if (!tx && nopad) {
			unsigned int one = 1;

			return setsockopt(fd, SOL_TLS, TLS_RX_EXPECT_NO_PAD,
					  &one, sizeof(one));
		}
		return 0;
	case K_RF_FRAMING:
		if (attach(fd, RECFRAME_ULP_NAME) || set_framing(fd))
			return -1;
		return 0;
	}
	return -1;
}

/* ------------------------------------------------------------ data */

static void pattern_init(void)
{
	uint32_t x = 0x12345678;
	size_t i;

	pat = malloc(2 * PAT);
	for (i = 0; i < PAT; i++) {
		x = x * 1103515245 + 12345;
		pat[i] = x >> 24;
	}
	memcpy(pat + PAT, pat, PAT);
}

/*
 * A prepared stream: @records records of @rec plaintext bytes each, sealed
 * for @s, or framed with a 4-byte length when @s is NULL.
 */
struct stream {
	uint8_t		*buf;
	size_t		len;
	size_t		rec;		/* plaintext per record */
	size_t		wire;		/* wire bytes per record */
	uint64_t	records;
};

static int stream_make(struct stream *st, const struct suite *s, size_t rec,
		       uint64_t records)
{
	struct rec_ctx c;
	uint64_t i;
	uint8_t *p;

	st->rec = rec;
	st->wire = s ? rec_wire_len(s, rec) : rec + FRAMING_HDR;
	st->records = records;
	st->len = st->wire * records;
	st->buf = malloc(st->len);
	if (!st->buf)
		return -1;
	if (s && rec_init(&c, s, &keys, 1)) {
		free(st->buf);
		return -1;
	}
	for (i = 0, p = st->buf; i < records; i++, p += st->wire) {
		const uint8_t *pt = pat + ((i * rec) & (PAT - 1));

		if (s) {
			if (rec_seal(&c, 23, pt, rec, p) != st->wire) {
				rec_free(&c);
				free(st->buf);
				return -1;
			}
		} else {
			p[0] = rec >> 24;
			p[1] = rec >> 16;
			p[2] = rec >> 8;
			p[3] = rec;
			memcpy(p + FRAMING_HDR, pt, rec);
		}
	}
	if (s)
		rec_free(&c);
	return 0;
}

static void stream_free(struct stream *st)
{
	free(st->buf);
	memset(st, 0, sizeof(*st));
}

static int sendfile_file(uint64_t bytes)
{
	uint64_t off;
	int fd = open(SENDFILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	for (off = 0; off < bytes; off += PAT)
		if (write(fd, pat, PAT) != PAT) {
			close(fd);
			return -1;
		}
	return fd;
}

/* ----------------------------------------------------- one connection */

struct flow {
	int			sfd, rfd;
	enum sact		sact;
	enum ract		ract;
	const struct suite	*s;
	size_t			size;		/* read size, and send size */
	size_t			ssize;		/* send size if not @size */
	uint64_t		bytes;		/* payload bytes to move */
	const struct stream	*st;		/* S_STREAM, R_OSSL */
	int			file;		/* S_SENDFILE */
	int			verify;
	pthread_barrier_t	*bar;
	/* results */
	uint64_t		rx_bytes;
	double			t_start, t_end;
	int			err;
	const char		*what;
};

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

static void *sender(void *arg)
{
	struct flow *f = arg;
	uint64_t off = 0;
	struct rec_ctx c;
	uint8_t *sbuf = NULL;

	if (f->sact == S_OSSL) {
		sbuf = malloc(f->size + 4 * 64);
		if (!sbuf || rec_init(&c, f->s, &keys, 1)) {
			f->err = ENOMEM;
			f->what = "ossl init";
		}
	}
	pthread_barrier_wait(f->bar);
	f->t_start = now_s();
	if (f->err)
		goto out;
	switch (f->sact) {
	case S_WRITE:
		for (off = 0; off < f->bytes; off += f->ssize)
			if (write_all(f->sfd, pat + (off & (PAT - 1)),
				      f->ssize)) {
				f->err = errno;
				f->what = "send";
				break;
			}
		break;
	case S_STREAM: {
		size_t len = f->bytes / f->st->rec * f->st->wire;

		for (off = 0; off < len; off += 65536) {
			size_t n = len - off < 65536 ? len - off : 65536;

			if (write_all(f->sfd, f->st->buf + off, n)) {
				f->err = errno;
				f->what = "send stream";
				break;
			}
		}
		break;
	}
	case S_SENDFILE: {
		off_t foff = 0;

		while ((uint64_t)foff < f->bytes) {
			ssize_t n = sendfile(f->sfd, f->file, &foff, f->size);

			if (n <= 0) {
				f->err = n ? errno : EIO;
				f->what = "sendfile";
				break;
			}
		}
		break;
	}
	case S_OSSL:
		/* Seal the send's records into one buffer, then write it. */
		for (off = 0; off < f->bytes; off += f->size) {
			size_t done = 0, w = 0;

			while (done < f->size) {
				size_t n = f->size - done;

				if (n > TLS_MAX_PLAIN)
					n = TLS_MAX_PLAIN;
				w += rec_seal(&c, 23,
					      pat + ((off + done) & (PAT - 1)),
					      n, sbuf + w);
				done += n;
			}
			if (write_all(f->sfd, sbuf, w)) {
				f->err = errno;
				f->what = "send";
				break;
			}
		}
		break;
	}
out:
	if (f->sact == S_OSSL && sbuf)
		rec_free(&c);
	free(sbuf);
	shutdown(f->sfd, SHUT_WR);
	return NULL;
}

/* Compare received plaintext with the pattern at stream offset @at. */
static int check_data(const uint8_t *p, size_t n, uint64_t at)
{
	while (n) {
		size_t o = at & (PAT - 1), k = PAT - o < n ? PAT - o : n;

		if (memcmp(p, pat + o, k))
			return -1;
		p += k;
		n -= k;
		at += k;
	}
	return 0;
}

static void *receiver(void *arg)
{
	struct flow *f = arg;
	size_t rsize = f->ract == R_COUNT ? RBUF : f->size;
	uint8_t *buf = malloc(RBUF + 2 * TLS_MAX_PLAIN);
	uint8_t *pt = NULL;
	struct rec_ctx c;
	size_t have = 0;

	if (f->ract == R_OSSL) {
		pt = malloc(TLS_MAX_PLAIN + 256);
		if (!pt || rec_init(&c, f->s, &keys, 0)) {
			f->err = ENOMEM;
			f->what = "ossl init";
		}
	}
	pthread_barrier_wait(f->bar);
	if (f->err || !buf)
		goto out;
	for (;;) {
		ssize_t n;

		if (f->ract == R_OSSL) {
			/* Read ahead as OpenSSL does, open whole records. */
			n = read(f->rfd, buf + have, RBUF - have);
		} else {
			n = read(f->rfd, buf, rsize);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			f->err = errno;
			f->what = "read";
			break;
		}
		if (n == 0)
			break;
		if (f->ract != R_OSSL) {
			if (f->verify && f->ract == R_READ &&
			    check_data(buf, n, f->rx_bytes)) {
				f->err = EBADMSG;
				f->what = "data differs";
				break;
			}
			f->rx_bytes += n;
			continue;
		}
		have += n;
		for (;;) {
			size_t used = 0, wire;
			uint8_t type;
			long got;

			if (have < 5)
				break;
			wire = 5 + ((size_t)buf[3] << 8 | buf[4]);
			if (have < wire)
				break;
			got = rec_open(&c, buf, wire, pt, &type);
			if (got < 0) {
				f->err = EBADMSG;
				f->what = "ossl open";
				goto out;
			}
			if (f->verify && check_data(pt, got, f->rx_bytes)) {
				f->err = EBADMSG;
				f->what = "data differs";
				goto out;
			}
			f->rx_bytes += got;
			used = wire;
			memmove(buf, buf + used, have - used);
			have -= used;
		}
	}
out:
	f->t_end = now_s();
	if (f->ract == R_OSSL && pt)
		rec_free(&c);
	free(pt);
	free(buf);
	return NULL;
}

/* ------------------------------------------------------------ one case */

static int info_get(int fd, struct recframe_info *ri)
{
	socklen_t len = sizeof(*ri);

	memset(ri, 0, sizeof(*ri));
	return getsockopt(fd, SOL_RECFRAME, RECFRAME_INFO, ri, &len);
}

/* recframe's counters per record of the direction @dir. */
static void info_print(const char *tag, const char *dir,
		       const struct recframe_info *a,
		       const struct recframe_info *b, uint64_t records)
{
#define D(f) ((double)(b->f - a->f) / records)
	out("rfinfo,%s,%s,%llu,tx_alloc=%.3f,rx_copy_fallback=%.3f,tls_rx_zerocopy=%.3f,tls_rx_clear=%.3f,tls_tx_inplace=%.3f,tls_tx_outofplace=%.3f",
	    tag, dir, (unsigned long long)records, D(tx_alloc),
	    D(rx_copy_fallback), D(tls_rx_zerocopy), D(tls_rx_clear),
	    D(tls_tx_inplace), D(tls_tx_outofplace));
#undef D
}


struct spec {
	const char		*group;
	const char		*impl;
	const struct suite	*s;
	const char		*dir;
	size_t			size;
	int			conns;
	enum kind		skind, rkind;
	enum sact		sact;
	enum ract		ract;
	int			nopad;
	uint64_t		bytes;		/* per connection */
	const struct stream	*st;
	int			file;
	/* For R_COUNT: wire bytes per payload byte, as records/wire. */
	size_t			rec, wire;
	size_t			ssize;		/* send size if not @size */
};

static const char *spec_tag(const struct spec *sp, char *buf, size_t len)
{
	snprintf(buf, len, "%s,%s,%s,%s,%zu", sp->group, sp->impl,
		 sp->s ? sp->s->name : "-", sp->dir, sp->size);
	return buf;
}

static void run_info(const struct spec *sp, const struct flow *f)
{
	struct recframe_info ri, zero;
	uint64_t recs;
	char tag[128];

	memset(&zero, 0, sizeof(zero));
	spec_tag(sp, tag, sizeof(tag));
	if (sp->rkind == K_RF_TLS || sp->rkind == K_RF_FRAMING) {
		if (info_get(f->rfd, &ri))
			return;
		recs = ri.rx_records ? ri.rx_records : 1;
		info_print(tag, "rx", &zero, &ri, recs);
	}
	if (sp->skind == K_RF_TLS || sp->skind == K_RF_FRAMING) {
		if (info_get(f->sfd, &ri))
			return;
		recs = ri.tx_records ? ri.tx_records : 1;
		info_print(tag, "tx", &zero, &ri, recs);
	}
}

/* A stuck run: what the sockets say, for whoever debugs it. */
static void stall_report(const struct spec *sp, const struct flow *fl, int n)
{
	char tag[128];
	int i;

	spec_tag(sp, tag, sizeof(tag));
	for (i = 0; i < n; i++) {
		const struct flow *f = &fl[i];
		struct tcp_info ts, tr;
		socklen_t l1 = sizeof(ts), l2 = sizeof(tr);
		struct recframe_info ri;
		int outq = -1, inq = -1;

		memset(&ts, 0, sizeof(ts));
		memset(&tr, 0, sizeof(tr));
		getsockopt(f->sfd, IPPROTO_TCP, TCP_INFO, &ts, &l1);
		getsockopt(f->rfd, IPPROTO_TCP, TCP_INFO, &tr, &l2);
		ioctl(f->sfd, SIOCOUTQ, &outq);
		ioctl(f->rfd, SIOCINQ, &inq);
		out("stall,%s,conn %d,received %llu of %llu bytes after %d s,sender outq %d unacked %u snd_cwnd %u probes %u backoff %u retrans %u,receiver inq %d rcv_space %u rcv_ssthresh %u",
		    tag, i, (unsigned long long)f->rx_bytes,
		    (unsigned long long)f->bytes, RUN_TIMEOUT, outq,
		    ts.tcpi_unacked, ts.tcpi_snd_cwnd, ts.tcpi_probes,
		    ts.tcpi_backoff, ts.tcpi_total_retrans, inq,
		    tr.tcpi_rcv_space, tr.tcpi_rcv_ssthresh);
		if ((sp->rkind == K_RF_TLS || sp->rkind == K_RF_FRAMING) &&
		    !info_get(f->rfd, &ri))
			out("stall,%s,conn %d,recframe rx state 0x%x rx_error %d rx_records %llu rx_queued %llu rx_copy_fallback %llu tls_rx_records %llu",
			    tag, i, ri.state, ri.rx_error,
			    (unsigned long long)ri.rx_records,
			    (unsigned long long)ri.rx_queued,
			    (unsigned long long)ri.rx_copy_fallback,
			    (unsigned long long)ri.tls_rx_records);
	}
}

/*
 * One measurement. Returns MB/s (10^6 bytes), or a negative value when the
 * run failed (an "error" line says why).
 */
static double run_spec(const struct spec *sp, int rep, int verify,
		       uint64_t bytes)
{
	struct flow fl[MAX_CONNS];
	pthread_t st[MAX_CONNS], rt[MAX_CONNS];
	pthread_barrier_t bar;
	struct timespec deadline;
	static struct netstat ns0, ns1;
	double t0, t1 = 0, mbps;
	uint64_t total = 0;
	int i, failed = 0, n = sp->conns;
	const char *suite = sp->s ? sp->s->name : "-";

	memset(fl, 0, sizeof(fl));
	for (i = 0; i < n; i++) {
		struct flow *f = &fl[i];

		f->sfd = f->rfd = -1;
		if (make_pair(&f->sfd, &f->rfd)) {
			out("error,%s,%s,%s,%s,%zu,connect: %s", sp->group,
			    sp->impl, suite, sp->dir, sp->size, strerror(errno));
			failed = 1;
			n = i;
			goto out_close;
		}
		if (configure(f->sfd, sp->skind, sp->s, 1, 0) ||
		    configure(f->rfd, sp->rkind, sp->s, 0, sp->nopad)) {
			out("error,%s,%s,%s,%s,%zu,configure: %s", sp->group,
			    sp->impl, suite, sp->dir, sp->size, strerror(errno));
			failed = 1;
			n = i + 1;
			goto out_close;
		}
		f->sact = sp->sact;
		f->ract = sp->ract;
		f->s = sp->s;
		f->size = sp->size;
		f->ssize = sp->ssize ? sp->ssize : sp->size;
		f->bytes = bytes;
		f->st = sp->st;
		f->file = sp->file;
		f->verify = verify;
		f->bar = &bar;
	}
	if (rep == 0)
		netstat_snap(&ns0);
	pthread_barrier_init(&bar, NULL, 2 * n + 1);
	for (i = 0; i < n; i++) {
		pthread_create(&rt[i], NULL, receiver, &fl[i]);
		pthread_create(&st[i], NULL, sender, &fl[i]);
	}
	pthread_barrier_wait(&bar);
	t0 = now_s();
	deadline.tv_sec = time(NULL) + RUN_TIMEOUT;
	deadline.tv_nsec = 0;
	for (i = 0; i < n; i++) {
		if (pthread_timedjoin_np(rt[i], NULL, &deadline) == ETIMEDOUT) {
			stall_report(sp, fl, n);
			for (i = 0; i < n; i++) {
				shutdown(fl[i].sfd, SHUT_RDWR);
				shutdown(fl[i].rfd, SHUT_RDWR);
			}
			for (i = 0; i < n; i++)
				pthread_join(rt[i], NULL);
			failed = 1;
			break;
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(st[i], NULL);
	pthread_barrier_destroy(&bar);
	if (failed)
		goto out_close;
	/* recframe's own view of the run: copies and fallbacks per record. */
	if (rep == 0) {
		char tag[128], d[2048];

		run_info(sp, &fl[0]);
		netstat_snap(&ns1);
		netstat_diff(&ns0, &ns1, d, sizeof(d));
		out("netstat,%s,%d,%s", spec_tag(sp, tag, sizeof(tag)),
		    sp->conns, d);
	}
	/* The clock starts when the first sender does. */
	for (i = 0; i < n; i++)
		if (fl[i].t_start < t0)
			t0 = fl[i].t_start;
	for (i = 0; i < n; i++) {
		struct flow *f = &fl[i];
		uint64_t want = bytes;

		if (f->t_end > t1)
			t1 = f->t_end;
		/* A counting receiver sees records on the wire. */
		if (sp->ract == R_COUNT && sp->wire)
			want = bytes / sp->rec * sp->wire;
		if (!f->err && sp->sact == S_SENDFILE && f->rx_bytes >= bytes)
			want = f->rx_bytes;
		if (f->err || f->rx_bytes != want) {
			out("error,%s,%s,%s,%s,%zu,%s: %s (got %llu of %llu bytes)",
			    sp->group, sp->impl, suite, sp->dir, sp->size,
			    f->what ? f->what : "short",
			    f->err ? strerror(f->err) : "end of stream",
			    (unsigned long long)f->rx_bytes,
			    (unsigned long long)want);
			failed = 1;
		}
		total += bytes;
	}
out_close:
	for (i = 0; i < n; i++) {
		close(fl[i].sfd);
		close(fl[i].rfd);
	}
	if (failed)
		return -1;
	mbps = total / (t1 - t0) / 1e6;
	if (rep >= 0)
		out("tput,%s,%s,%s,%s,%zu,%d,%d,%llu,%.4f,%.3f", sp->group,
		    sp->impl, suite, sp->dir, sp->size, sp->conns, rep,
		    (unsigned long long)total, t1 - t0, mbps);
	return mbps;
}

/*
 * Run a set of specs that belong together (e.g. recframe and kTLS for one
 * cipher, direction and size): one short verified warm-up each, then the
 * repeats interleaved so that drift hits all of them alike.
 */
static void run_set(struct spec *sp, int n)
{
	uint64_t bytes[8];
	int i, r, reps[8], bad[8] = { 0 };

	for (i = 0; i < n; i++) {
		/* Whole sends and whole records: a multiple of both. */
		size_t unit = sp[i].ssize > sp[i].size ? sp[i].ssize :
			      sp[i].size;
		uint64_t warm = sp[i].bytes / 8;
		double mbps, est;

		warm -= warm % unit;
		if (warm < unit)
			warm = unit;
		bytes[i] = sp[i].bytes;
		reps[i] = opt.reps;
		mbps = run_spec(&sp[i], -1, 1, warm);
		if (mbps <= 0) {
			bad[i] = 1;
			continue;
		}
		/*
		 * A case far slower than expected (a stall, a timer in the
		 * loop) would eat the time budget: shorter runs, fewer
		 * repeats, and a line that says so.
		 */
		est = sp[i].bytes / (mbps * 1e6);
		if (est > SLOW_RUN) {
			uint64_t b = sp[i].bytes * SLOW_RUN_CAP / est;

			b -= b % unit;
			bytes[i] = b > 4 * unit ? b : 4 * unit;
			if (reps[i] > 3)
				reps[i] = 3;
			out("slow,%s,%s,%s,%s,%zu,%d,%.1f,%llu,%d", sp[i].group,
			    sp[i].impl, sp[i].s ? sp[i].s->name : "-",
			    sp[i].dir, sp[i].size, sp[i].conns, est,
			    (unsigned long long)bytes[i], reps[i]);
		}
	}
	for (r = 0; r < opt.reps; r++)
		for (i = 0; i < n; i++)
			if (!bad[i] && r < reps[i] &&
			    run_spec(&sp[i], r, 0, bytes[i]) < 0)
				bad[i] = 1;
}

static size_t rec_of(size_t size)
{
	return size < TLS_MAX_PLAIN ? size : TLS_MAX_PLAIN;
}

/* -------------------------------------------------------------- groups */

static struct spec mk(const char *group, const char *impl,
		      const struct suite *s, const char *dir, size_t size,
		      enum kind sk, enum kind rk, enum sact sa, enum ract ra,
		      uint64_t bytes)
{
	struct spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.group = group;
	sp.impl = impl;
	sp.s = s;
	sp.dir = dir;
	sp.size = size;
	sp.conns = 1;
	sp.skind = sk;
	sp.rkind = rk;
	sp.sact = sa;
	sp.ract = ra;
	sp.bytes = bytes;
	sp.file = -1;
	return sp;
}

/* A counting receiver checks the wire bytes of records of @rec. */
static void wire_of(struct spec *sp, const struct suite *s, size_t rec)
{
	sp->rec = rec;
	sp->wire = s ? rec_wire_len(s, rec) : rec + FRAMING_HDR;
}

static void group_tcp(void)
{
	unsigned int z;

	for (z = 0; z < NR_SIZES; z++) {
		size_t size = sizes[z];
		struct spec sp[3];

		if (opt.quick && size != 16384 && size != 1024)
			continue;
		sp[0] = mk("tcp", "tcp", NULL, "tx", size, K_PLAIN, K_PLAIN,
			   S_WRITE, R_COUNT, opt.tcp_bytes);
		/* rx: the sender writes 64 KiB, the receiver reads @size. */
		sp[1] = mk("tcp", "tcp", NULL, "rx", size, K_PLAIN, K_PLAIN,
			   S_WRITE, R_READ, opt.tcp_bytes);
		sp[1].ssize = 65536;
		sp[2] = mk("tcp", "tcp", NULL, "both", size, K_PLAIN, K_PLAIN,
			   S_WRITE, R_READ, opt.tcp_bytes);
		note("tcp %zu", size);
		run_set(sp, 3);
	}
}

static void group_tls(void)
{
	unsigned int si, z;

	for (si = 0; si < nr_suites; si++) {
		const struct suite *s = &suites[si];

		if (opt.quick && si)
			continue;
		for (z = 0; z < NR_SIZES; z++) {
			size_t size = sizes[z], rec = rec_of(size);
			uint64_t bytes = opt.tls_bytes - opt.tls_bytes % size;
			struct stream st;
			struct spec sp[3];
			int n;

			if (opt.quick && size != 16384 && size != 1024)
				continue;
			if (stream_make(&st, s, rec, bytes / rec)) {
				out("error,tls,-,%s,rx,%zu,cannot prepare the stream",
				    s->name, size);
				continue;
			}
			note("tls %s %zu", s->name, size);
			/* Transmit: into a plain socket that counts bytes. */
			sp[0] = mk("tls", "recframe", s, "tx", size, K_RF_TLS,
				   K_PLAIN, S_WRITE, R_COUNT, bytes);
			wire_of(&sp[0], s, rec);
			sp[1] = sp[0];
			sp[1].impl = "ktls";
			sp[1].skind = K_KTLS;
			run_set(sp, 2);
			/* Receive: the prepared stream from a plain sender. */
			sp[0] = mk("tls", "recframe", s, "rx", size, K_PLAIN,
				   K_RF_TLS, S_STREAM, R_READ, bytes);
			sp[0].st = &st;
			sp[1] = sp[0];
			sp[1].impl = "ktls";
			sp[1].rkind = K_KTLS;
			n = 2;
			if (si == 0) {
				/* kTLS's zero-copy TLS 1.3 receive, opt-in. */
				sp[2] = sp[1];
				sp[2].impl = "ktls-nopad";
				sp[2].nopad = 1;
				n = 3;
			}
			run_set(sp, n);
			/* Both ends. */
			sp[0] = mk("tls", "recframe", s, "both", size, K_RF_TLS,
				   K_RF_TLS, S_WRITE, R_READ, bytes);
			sp[1] = sp[0];
			sp[1].impl = "ktls";
			sp[1].skind = sp[1].rkind = K_KTLS;
			run_set(sp, 2);
			stream_free(&st);
		}
	}
}

static void group_sendfile(void)
{
	const struct suite *s = &suites[0];
	uint64_t bytes = opt.tls_bytes;
	unsigned int z;
	int fd = sendfile_file(bytes);

	if (fd < 0) {
		out("error,sendfile,-,-,tx,0,cannot write %s", SENDFILE_PATH);
		return;
	}
	for (z = 0; z < NR_SIZES; z++) {
		size_t size = sizes[z];
		struct spec sp[3];

		if (opt.quick && size != 16384)
			continue;
		note("sendfile %zu", size);
		sp[0] = mk("sendfile", "recframe", s, "tx", size, K_RF_TLS,
			   K_PLAIN, S_SENDFILE, R_COUNT, bytes);
		sp[0].file = fd;
		sp[1] = sp[0];
		sp[1].impl = "ktls";
		sp[1].skind = K_KTLS;
		sp[2] = sp[0];
		sp[2].impl = "tcp";
		sp[2].s = NULL;
		sp[2].skind = K_PLAIN;
		run_set(sp, 3);
	}
	close(fd);
	unlink(SENDFILE_PATH);
}

static void group_framing(void)
{
	unsigned int z;

	for (z = 0; z < NR_SIZES; z++) {
		size_t size = sizes[z];
		uint64_t bytes = opt.tcp_bytes - opt.tcp_bytes % size;
		struct stream st;
		struct spec sp[3];

		if (opt.quick && size != 16384 && size != 1024)
			continue;
		if (stream_make(&st, NULL, size, bytes / size))
			continue;
		note("framing %zu", size);
		sp[0] = mk("framing", "recframe", NULL, "tx", size,
			   K_RF_FRAMING, K_PLAIN, S_WRITE, R_COUNT, bytes);
		wire_of(&sp[0], NULL, size);
		sp[1] = mk("framing", "recframe", NULL, "rx", size, K_PLAIN,
			   K_RF_FRAMING, S_STREAM, R_READ, bytes);
		sp[1].st = &st;
		sp[2] = mk("framing", "recframe", NULL, "both", size,
			   K_RF_FRAMING, K_RF_FRAMING, S_WRITE, R_READ, bytes);
		run_set(sp, 3);
		stream_free(&st);
	}
}

static void group_user(void)
{
	const struct suite *s = &suites[0];
	unsigned int z;

	for (z = 0; z < NR_SIZES; z++) {
		size_t size = sizes[z], rec = rec_of(size);
		uint64_t bytes = opt.tls_bytes - opt.tls_bytes % size;
		struct stream st;
		struct spec sp[2];

		if (opt.quick && size != 16384)
			continue;
		if (stream_make(&st, s, rec, bytes / rec))
			continue;
		note("user %zu", size);
		sp[0] = mk("user", "openssl", s, "tx", size, K_PLAIN, K_PLAIN,
			   S_OSSL, R_COUNT, bytes);
		wire_of(&sp[0], s, rec);
		sp[1] = mk("user", "openssl", s, "rx", size, K_PLAIN, K_PLAIN,
			   S_STREAM, R_OSSL, bytes);
		sp[1].st = &st;
		run_set(sp, 2);
		stream_free(&st);
	}
}

static void group_scale(void)
{
	const struct suite *s = &suites[0];
	size_t size = 16384;
	static const int conns[] = { 1, 2, 4 };
	struct stream st;
	unsigned int c, i;

	if (stream_make(&st, s, size, opt.tls_bytes / size))
		return;
	for (c = 0; c < 3; c++) {
		int n = conns[c];
		uint64_t b = opt.tls_bytes / n, tb = opt.tcp_bytes / n;
		struct spec sp[6];

		if (opt.quick && n == 4)
			continue;
		b -= b % size;
		tb -= tb % 65536;
		note("scale %d", n);
		sp[0] = mk("scale", "recframe", s, "tx", size, K_RF_TLS,
			   K_PLAIN, S_WRITE, R_COUNT, b);
		wire_of(&sp[0], s, size);
		sp[1] = sp[0];
		sp[1].impl = "ktls";
		sp[1].skind = K_KTLS;
		sp[2] = mk("scale", "tcp", NULL, "tx", size, K_PLAIN, K_PLAIN,
			   S_WRITE, R_COUNT, tb);
		sp[3] = mk("scale", "recframe", s, "rx", size, K_PLAIN,
			   K_RF_TLS, S_STREAM, R_READ, b);
		sp[3].st = &st;
		sp[4] = sp[3];
		sp[4].impl = "ktls";
		sp[4].rkind = K_KTLS;
		sp[5] = mk("scale", "tcp", NULL, "rx", size, K_PLAIN, K_PLAIN,
			   S_WRITE, R_READ, tb);
		sp[5].ssize = 65536;
		for (i = 0; i < 6; i++)
			sp[i].conns = n;
		run_set(sp, 6);
	}
	stream_free(&st);
}

/* ---------------------------------------------------------- allocations */

struct drain {
	int		fd;
	size_t		size;
	uint64_t	got;		/* atomic */
};

static void *drainer(void *arg)
{
	struct drain *d = arg;
	uint8_t *buf = malloc(RBUF);

	for (;;) {
		ssize_t n = read(d->fd, buf, d->size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		__atomic_add_fetch(&d->got, n, __ATOMIC_RELEASE);
	}
	free(buf);
	return NULL;
}

static int wait_got(struct drain *d, uint64_t want)
{
	double t0 = now_s();

	while (__atomic_load_n(&d->got, __ATOMIC_ACQUIRE) < want) {
		if (now_s() - t0 > 60)
			return -1;
		usleep(1000);
	}
	return 0;
}

/*
 * Count the kmem events over @records records in steady state: after a
 * warm-up, with both ends running, everything the kernel allocated while
 * those records went through (TCP's own skbs included; the tcp rows are
 * that baseline).
 */
static void alloc_case(const char *impl, enum kind k, const char *dir,
		       size_t size, const struct stream *st)
{
	const struct suite *s = &suites[0];
	uint64_t warm = 100, meas = opt.alloc_records, per;
	struct recframe_info ia, ib;
	struct alloc_count ac;
	struct drain d = { 0 };
	int tx = !strcmp(dir, "tx"), c, sv, rffd = -1;
	char tag[96];
	pthread_t th;
	unsigned int i;
	uint64_t off;

	snprintf(tag, sizeof(tag), "%s,%s,%s,%zu", impl, s->name, dir, size);
	if (make_pair(&c, &sv)) {
		out("error,alloc,%s,connect", tag);
		return;
	}
	if (configure(c, tx ? k : K_PLAIN, s, 1, 0) ||
	    configure(sv, tx ? K_PLAIN : k, s, 0, 0)) {
		out("error,alloc,%s,configure: %s", tag, strerror(errno));
		goto out;
	}
	if (k == K_RF_TLS)
		rffd = tx ? c : sv;
	d.fd = sv;
	d.size = tx ? RBUF : size;
	pthread_create(&th, NULL, drainer, &d);
	/* Bytes per record at the receiver: wire for tx, plaintext for rx. */
	per = tx && k != K_PLAIN ? rec_wire_len(s, size) : size;
	for (off = 0; off < warm; off++) {
		const uint8_t *p = k == K_PLAIN || tx ?
			pat + ((off * size) & (PAT - 1)) : st->buf + off * st->wire;
		size_t n = k == K_PLAIN || tx ? size : st->wire;

		if (write_all(c, p, n))
			break;
	}
	if (wait_got(&d, warm * per)) {
		out("error,alloc,%s,warm-up stalled", tag);
		shutdown(c, SHUT_RDWR);
		pthread_join(th, NULL);
		goto out;
	}
	if (rffd >= 0)
		info_get(rffd, &ia);
	alloc_start();
	for (off = warm; off < warm + meas; off++) {
		const uint8_t *p = k == K_PLAIN || tx ?
			pat + ((off * size) & (PAT - 1)) : st->buf + off * st->wire;
		size_t n = k == K_PLAIN || tx ? size : st->wire;

		if (write_all(c, p, n))
			break;
	}
	if (wait_got(&d, (warm + meas) * per))
		out("error,alloc,%s,stalled", tag);
	alloc_stop(&ac, tag, meas / 10);
	if (rffd >= 0) {
		char itag[128];

		info_get(rffd, &ib);
		snprintf(itag, sizeof(itag), "alloc,%s", tag);
		info_print(itag, tx ? "tx" : "rx", &ia, &ib, meas);
	}
	for (i = 0; i < ac.nr; i++)
		out("alloc,%s,%llu,%s,%lld,%lld,%lld,%lld,%lld", tag,
		    (unsigned long long)meas, ac.event[i], ac.hits[i],
		    ac.tracing[i], ac.layer[i], ac.frag[i], ac.dropped[i]);
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
out:
	close(c);
	close(sv);
}

static void group_alloc(void)
{
	static const size_t asizes[] = { 1024, 16384 };
	unsigned int z;

	if (!alloc_probe()) {
		out("error,alloc,-,-,-,0,no kmem hist triggers in tracefs");
		return;
	}
	/*
	 * The hist triggers allocate their own maps when installed (and
	 * the first trigger counts the next ones'): measure that with no
	 * traffic, three times, and let the report subtract the least.
	 */
	for (z = 0; z < 3; z++) {
		struct alloc_count ac;
		unsigned int i;

		alloc_start();
		usleep(100000);
		alloc_stop(&ac, "null,-,-,0", 0);
		for (i = 0; i < ac.nr; i++)
			out("alloc,null,-,-,0,0,%s,%lld,%lld,%lld,%lld,%lld",
			    ac.event[i], ac.hits[i], ac.tracing[i],
			    ac.layer[i], ac.frag[i], ac.dropped[i]);
	}
	for (z = 0; z < 2; z++) {
		size_t size = asizes[z];
		struct stream st;

		if (stream_make(&st, &suites[0], size,
				100 + opt.alloc_records))
			continue;
		note("alloc %zu", size);
		alloc_case("tcp", K_PLAIN, "tx", size, NULL);
		alloc_case("recframe", K_RF_TLS, "tx", size, NULL);
		alloc_case("ktls", K_KTLS, "tx", size, NULL);
		alloc_case("tcp", K_PLAIN, "rx", size, NULL);
		alloc_case("recframe", K_RF_TLS, "rx", size, &st);
		alloc_case("ktls", K_KTLS, "rx", size, &st);
		stream_free(&st);
	}
}

/* -------------------------------------------------------------- profile */

/*
 * Where a send or receive call spends its time: one run per case under
 * function_graph (three levels below the entry point). Tracing slows
 * everything, so these runs are short and their rates are not reported.
 */
static void group_profile(void)
{
	const struct suite *s = &suites[0];
	size_t size = opt.prof_size, wire = rec_wire_len(s, size);
	uint64_t bytes = 1 << 20;
	struct stream st, fst;
	struct {
		const char	*tag;
		const char	*funcs;
		struct spec	sp;
	} c[6];
	unsigned int i, n = 0;

	if (stream_make(&st, s, size, bytes / size))
		return;
	if (stream_make(&fst, NULL, size, bytes / size)) {
		stream_free(&st);
		return;
	}
	c[n].tag = "recframe,tx";
	c[n].funcs = "rf_sendmsg";
	c[n].sp = mk("profile", "recframe", s, "tx", size, K_RF_TLS, K_PLAIN,
		     S_WRITE, R_COUNT, bytes);
	wire_of(&c[n++].sp, s, size);
	c[n].tag = "ktls,tx";
	c[n].funcs = "tls_sw_sendmsg";
	c[n].sp = mk("profile", "ktls", s, "tx", size, K_KTLS, K_PLAIN,
		     S_WRITE, R_COUNT, bytes);
	wire_of(&c[n++].sp, s, size);
	c[n].tag = "recframe,rx";
	c[n].funcs = "rf_recvmsg";
	c[n].sp = mk("profile", "recframe", s, "rx", size, K_PLAIN, K_RF_TLS,
		     S_STREAM, R_READ, bytes);
	c[n++].sp.st = &st;
	c[n].tag = "ktls,rx";
	c[n].funcs = "tls_sw_recvmsg";
	c[n].sp = mk("profile", "ktls", s, "rx", size, K_PLAIN, K_KTLS,
		     S_STREAM, R_READ, bytes);
	c[n++].sp.st = &st;
	c[n].tag = "framing,rx";
	c[n].funcs = "rf_recvmsg";
	c[n].sp = mk("profile", "framing", NULL, "rx", size, K_PLAIN,
		     K_RF_FRAMING, S_STREAM, R_READ, bytes);
	c[n++].sp.st = &fst;
	c[n].tag = "tcp,rx";
	c[n].funcs = "tcp_recvmsg";
	c[n].sp = mk("profile", "tcp", NULL, "rx", size, K_PLAIN, K_PLAIN,
		     S_WRITE, R_READ, bytes);
	c[n++].sp.ssize = 65536;
	(void)wire;
	for (i = 0; i < n; i++) {
		double t;

		note("profile %s", c[i].tag);
		/*
		 * Under TCG the first run of a code path also pays for
		 * translating it: warm every case up untraced first, or the
		 * first case profiled looks several times slower.
		 */
		run_spec(&c[i].sp, -2, 0, bytes);
		if (prof_start(c[i].funcs, 4)) {
			out("error,profile,%s,-,-,0,cannot trace %s", c[i].tag,
			    c[i].funcs);
			continue;
		}
		t = now_s();
		run_spec(&c[i].sp, -2, 0, bytes);
		out("prof,%s,-1,wall_s,1,%.3f", c[i].tag, now_s() - t);
		prof_stop(c[i].tag);
	}
	stream_free(&st);
	stream_free(&fst);
}

/* --------------------------------------------------------------- memory */

static void mem_settle(void)
{
	sleep(opt.quick ? 1 : 2);
}

/*
 * @n idle connections; one end of each gets the ULP, then TLS_TX and
 * TLS_RX. The deltas of each step, divided by @n, are the cost of the
 * record layer per socket; the connections themselves are the baseline.
 */
static void mem_case(const char *impl, enum kind k, long n)
{
	const struct suite *s = &suites[0];
	struct meminfo m0, m1, m2;
	struct slabsnap s0, s2;
	int *cl = calloc(n, sizeof(int)), *sv = calloc(n, sizeof(int));
	struct linger lg = { 1, 0 };
	const char *ulp = k == K_KTLS ? "tls" : RECFRAME_ULP_NAME;
	double t0 = now_s();
	long i, made;

	if (!cl || !sv)
		goto out;
	for (made = 0; made < n; made++)
		if (make_pair(&cl[made], &sv[made])) {
			out("error,mem,%s,%ld,connect %ld: %s", impl, n, made,
			    strerror(errno));
			break;
		}
	if (made < n)
		goto out_close;
	mem_settle();
	meminfo_read(&m0);
	slab_snap(&s0);
	for (i = 0; i < n; i++)
		if (attach(sv[i], ulp)) {
			out("error,mem,%s,%ld,attach: %s", impl, n,
			    strerror(errno));
			goto out_slab;
		}
	mem_settle();
	meminfo_read(&m1);
	for (i = 0; i < n; i++)
		if (set_tls(sv[i], s, TLS_TX) || set_tls(sv[i], s, TLS_RX)) {
			out("error,mem,%s,%ld,keys: %s", impl, n,
			    strerror(errno));
			goto out_slab;
		}
	mem_settle();
	meminfo_read(&m2);
	slab_snap(&s2);
	out("mem,%s,%ld,ulp,%lld,%lld,%lld", impl, n,
	    (m1.slab_kb - m0.slab_kb) * 1024 / n,
	    (m0.memfree_kb - m1.memfree_kb) * 1024 / n,
	    (m1.percpu_kb - m0.percpu_kb) * 1024 / n);
	out("mem,%s,%ld,keys,%lld,%lld,%lld", impl, n,
	    (m2.slab_kb - m0.slab_kb) * 1024 / n,
	    (m0.memfree_kb - m2.memfree_kb) * 1024 / n,
	    (m2.percpu_kb - m0.percpu_kb) * 1024 / n);
	slab_diff_print(impl, &s0, &s2, n);
	slab_free(&s2);
out_slab:
	slab_free(&s0);
out_close:
	for (i = 0; i < made; i++) {
		setsockopt(cl[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(cl[i]);
		close(sv[i]);
	}
	note("mem %s: %ld sockets in %.1f s", impl, n, now_s() - t0);
out:
	free(cl);
	free(sv);
}

static void group_mem(void)
{
	struct rlimit rl;
	long n = opt.mem_n;

	rl.rlim_cur = rl.rlim_max = 2 * n + 256;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		getrlimit(RLIMIT_NOFILE, &rl);
		n = ((long)rl.rlim_cur - 256) / 2;
		out("meta,mem_n_limited,%ld", n);
	}
	if (n < 10)
		return;
	note("mem %ld sockets", n);
	mem_case("recframe", K_RF_TLS, n);
	sleep(1);
	mem_case("ktls", K_KTLS, n);
}

/* ------------------------------------------------------------------ main */

static void meta(void)
{
	struct utsname u;
	char line[256], model[200] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");

	uname(&u);
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "model name : %199[^\n]", model) == 1)
				break;
		fclose(f);
	}
	out("meta,kernel,%s %s", u.release, u.version);
	out("meta,vm_nproc,%ld", sysconf(_SC_NPROCESSORS_ONLN));
	out("meta,vm_cpu,%s", model);
	out("meta,quick,%d", opt.quick);
	out("meta,reps,%d", opt.reps);
	out("meta,tls_bytes,%llu", (unsigned long long)opt.tls_bytes);
	out("meta,tcp_bytes,%llu", (unsigned long long)opt.tcp_bytes);
	out("meta,openssl,%s", OpenSSL_version(OPENSSL_VERSION));
}

/*
 * A real machine loads the AES-NI, CLMUL, ChaCha and Poly1305 glue at boot
 * by CPU feature; the initramfs has no udev, and the crypto API's own
 * module requests may settle on the generic C code. Load them first so
 * that kTLS, recframe and tcrypt all get the fast drivers.
 */
static void crypto_modules(void)
{
	static const char *const mods[] = {
		"aesni_intel", "ghash_clmulni_intel", "chacha_x86_64",
		"poly1305_x86_64", "gcm", "chacha20poly1305", "tls",
	};
	char cmd[128];
	unsigned int i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(cmd, sizeof(cmd), "modprobe %s 2>/dev/null", mods[i]);
		if (system(cmd))
			out("meta,modprobe_failed,%s", mods[i]);
	}
}

/* Which drivers the AEADs resolved to (after the runs instantiated them). */
static void crypto_drivers(void)
{
	char line[256], name[128] = "", drv[128] = "";
	FILE *f = fopen("/proc/crypto", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "name : %127s", name) == 1)
			continue;
		if (sscanf(line, "driver : %127s", drv) == 1)
			continue;
		if (!strncmp(line, "priority", 8) &&
		    (!strcmp(name, "gcm(aes)") ||
		     !strcmp(name, "rfc7539(chacha20,poly1305)")))
			out("meta,crypto_driver,%s %s %d", name, drv,
			    atoi(strchr(line, ':') + 1));
	}
	fclose(f);
}

/* Both ULPs must attach, or every comparison is meaningless. */
static int probe_ulps(void)
{
	static const char *const ulps[] = { "tls", RECFRAME_ULP_NAME };
	unsigned int i;
	int c, s, bad = 0;

	for (i = 0; i < 2; i++) {
		if (make_pair(&c, &s))
			return -1;
		if (attach(c, ulps[i])) {
			out("error,setup,%s,-,-,0,attach: %s", ulps[i],
			    strerror(errno));
			bad = 1;
		}
		close(c);
		close(s);
	}
	return bad ? -1 : 0;
}

/*
 * In the VM the options come from the kernel command line, as
 * rf.bench=quick,reps=3,only=tls+tcp,mem-n=2000 ("--" would end the
 * kernel's own parameters).
 */
static int cmdline_opts(void)
{
	static char line[4096];
	char *p, *tok, *save = NULL;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	p = strstr(line, "rf.bench=");
	if (!p)
		return 0;
	p += 9;
	p[strcspn(p, " \n")] = 0;
	for (tok = strtok_r(p, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "quick")) {
			opt.quick = 1;
		} else if (!strncmp(tok, "reps=", 5)) {
			opt.reps = atoi(tok + 5);
		} else if (!strncmp(tok, "mem-n=", 6)) {
			opt.mem_n = atol(tok + 6);
		} else if (!strncmp(tok, "prof-size=", 10)) {
			opt.prof_size = atol(tok + 10);
		} else if (!strncmp(tok, "only=", 5)) {
			char *q;

			for (q = tok + 5; *q; q++)
				if (*q == '+')
					*q = ',';
			if (parse_groups(tok + 5))
				return -1;
		} else if (strcmp(tok, "full")) {
			fprintf(stderr, "rf.bench: unknown option %s\n", tok);
			return -1;
		}
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: recframe-bench [--quick] [--reps N] [--only g1,g2,...] [--mem-n N]\n"
		"                      [--prof-size BYTES]\n"
		"       recframe-bench --cmdline   (options from rf.bench= in /proc/cmdline)\n"
		"groups: tcrypt tcp tls sendfile framing user scale alloc mem profile\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "mem-n", required_argument, NULL, 'm' },
		{ "prof-size", required_argument, NULL, 'P' },
		{ "cmdline", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double t0 = now_s(), t;
	char *only = NULL;
	int ch, i;

	opt.reps = -1;
	opt.mem_n = -1;
	opt.groups = (1UL << NR_GROUPS) - 1;
	while ((ch = getopt_long(argc, argv, "qr:o:m:P:ch", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (cmdline_opts())
				return 2;
			break;
		case 'q':
			opt.quick = 1;
			break;
		case 'r':
			opt.reps = atoi(optarg);
			break;
		case 'o':
			only = optarg;
			break;
		case 'm':
			opt.mem_n = atol(optarg);
			break;
		case 'P':
			opt.prof_size = atol(optarg);
			break;
		default:
			usage();
			return ch == 'h' ? 0 : 2;
		}
	}
	if (only && parse_groups(only))
		return 2;
	/* tcrypt takes ~90 s under TCG: not in a quick run unless asked. */
	if (opt.quick && opt.groups == (1UL << NR_GROUPS) - 1)
		opt.groups &= ~1UL;
	if (opt.reps <= 0)
		opt.reps = opt.quick ? 3 : 5;
	if (opt.mem_n <= 0)
		opt.mem_n = opt.quick ? 1000 : 10000;
	opt.tls_bytes = (opt.quick ? 4 : 8) << 20;
	opt.tcp_bytes = (opt.quick ? 16 : 32) << 20;
	opt.alloc_records = opt.quick ? 500 : 2000;
	if (opt.prof_size < 64 || opt.prof_size > 65536)
		opt.prof_size = 16384;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < 8; i++)
		keys.key[i] = keys.key[i + 8] = keys.key[i + 16] =
			keys.key[i + 24] = 0x10 + i;
	memcpy(keys.iv, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 12);
	memcpy(keys.salt, "\xa1\xa2\xa3\xa4", 4);
	pattern_init();
	if (listener_init()) {
		out("error,setup,-,-,-,0,listener: %s", strerror(errno));
		return 1;
	}
	crypto_modules();
	meta();
	/* Without both ULPs the comparisons fail case by case, loudly. */
	probe_ulps();

	/* The limit first, on an idle machine: tcrypt's AEAD speed. */
	if (group_on("tcrypt")) {
		t = now_s();
		note("tcrypt gcm(aes)");
		tcrypt_run(211, 1);
		note("tcrypt rfc7539esp(chacha20,poly1305)");
		tcrypt_run(213, 1);
		out("meta,time,tcrypt,%.1f", now_s() - t);
	}
#define GROUP(g) do {							\
		if (group_on(#g)) {					\
			t = now_s();					\
			group_##g();					\
			out("meta,time,%s,%.1f", #g, now_s() - t);	\
		}							\
	} while (0)
	GROUP(tcp);
	GROUP(tls);
	GROUP(sendfile);
	GROUP(framing);
	GROUP(user);
	GROUP(scale);
	GROUP(alloc);
	GROUP(mem);
	/* Last: ftrace code patching is the likeliest to upset the VM. */
	GROUP(profile);
#undef GROUP
	crypto_drivers();
	out("meta,time,total,%.1f", now_s() - t0);
	note("done in %.0f s", now_s() - t0);
	return 0;
}
