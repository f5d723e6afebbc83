// SPDX-License-Identifier: GPL-2.0
/*
 * Resource faults: what recframe does when memory or buffer space runs out.
 *
 * tiny	SO_SNDBUF and SO_RCVBUF at their minimum on non-blocking sockets:
 *	sends are taken whole or fail with EAGAIN, records larger than
 *	either buffer still go through, nothing is lost or torn, and the
 *	socket stays usable. Runs on any kernel.
 *
 * pressure	net.ipv4.tcp_mem at 1 MiB for all of TCP, so that TCP runs
 *	under pressure and above its hard limit (it drops what it receives,
 *	senders wait for memory): a stream of records of random sizes still
 *	arrives whole and in order. Runs on any kernel.
 *
 * memory	what an idle TLS socket costs: MemFree and Slab deltas over many
 *	loopback connections attached and given both keys, and the receive
 *	clear buffer given back and taken again as a reader's pattern
 *	changes. Runs on any kernel.
 *
 * Under pressure and with tiny buffers TCP drops and backs off, and in a
 * slow VM a record may take many seconds: the waits there are bounded by
 * a lack of progress (nothing received, acknowledged or retransmitted for
 * STALL_MS), not by a fixed time, and a receiver that gives up resets the
 * connection so that its sender stops at once.
 *
 * nth	allocation failure injection (failslab and fail_page_alloc, in the
 *	debug kernel of `make check-debug`; SKIP elsewhere). For each call of
 *	interest (attach, RECFRAME_FRAMING, TLS_TX, TLS_RX for four ciphers,
 *	send, recv, sendfile in both modes, netlink requests and dumps),
 *	/proc/thread-self/fail-nth makes its n-th allocation fail,
 *	for n = 1, 2, 3... until the call completes without reaching the
 *	n-th allocation. Every failure must be reported as ENOMEM (EAGAIN
 *	too for the data path, ENOBUFS too for netlink, whose contract it
 *	is); a call that succeeds in spite of the fault (a fallback) must
 *	have done its whole job; and the socket must stay usable: a retry
 *	without the fault succeeds and records flow intact. Leaks are
 *	caught by the kmemleak scan tools/vm/init runs after the suite.
 *	Each test prints a "faults:" line with what it tried and saw.
 */
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <linux/tls.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

#define FAILSLAB	"/sys/kernel/debug/failslab"
#define FAIL_PAGE	"/sys/kernel/debug/fail_page_alloc"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
/* No call of interest makes this many allocations: a loop that gets there
 * is broken.
 */
#define NTH_MAX		4000
/* Waits for something that should happen: they end as soon as it does. */
#define WAIT_MS		20000
/* How long a failed send is given to show bytes it should not have sent. */
#define QUIET_MS	200
/* No progress at all for this long: the stream is stuck. */
#define STALL_MS	60000
/* A sender thread's bound: its receiver gives up (and resets) first. */
#define SEND_MS		(10 * STALL_MS)
#define BIG		(256 * 1024)

enum { MODE_FRAMING, MODE_TLS };

/* This harness runs a test's body even when its setup said SKIP. */
#define RETURN_IF_SKIPPED() do { if (_metadata->skip) return; } while (0)

/* Kafka-like: a 4-byte length, records up to 1 MiB. */
static const struct recframe_framing fmt_big = {
	.format = RECFRAME_FORMAT_LENGTH,
	.hdr_len = 4, .len_off = 0, .len_size = 4,
	.max_record = RECFRAME_RECORD_LIMIT,
};

/* --------------------------------------------------------- helpers --- */

/* A "# " line that survives the harness's _exit() of the test child. */
static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static uint8_t *pattern(size_t len, unsigned int seed)
{
	uint8_t *p = malloc(len ? len : 1);
	size_t i;

	for (i = 0; p && i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
	return p;
}

/* Read exactly @len bytes (across records) within @ms; bytes got or -errno. */
static ssize_t recv_exact(int fd, void *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);

		if (n > 0) {
			got += n;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN)
			return got ? (ssize_t)got : -errno;
		if (poll(&pfd, 1, ms) <= 0)
			break;
	}
	return got;
}

/* What a stalled socket looks like, for the log. */
static void diag(const char *who, int fd)
{
	struct recframe_info ri = {};
	struct tcp_info ti = {};
	socklen_t len = sizeof(ri);
	int inq = -1, outq = -1;

	getsockopt(fd, SOL_RECFRAME, RECFRAME_INFO, &ri, &len);
	len = sizeof(ti);
	getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len);
	ioctl(fd, SIOCINQ, &inq);
	ioctl(fd, SIOCOUTQ, &outq);
	note("%s: state %#x rx_error %d rx_queued %llu copy_fallback %llu tx_records %llu rx_records %llu; tcp: inq %d outq %d unacked %u rcv_mss %u snd_mss %u rcv_space %u\n",
		       who, ri.state, ri.rx_error, (unsigned long long)ri.rx_queued,
		       (unsigned long long)ri.rx_copy_fallback,
		       (unsigned long long)ri.tx_records,
		       (unsigned long long)ri.rx_records, inq, outq,
		       ti.tcpi_unacked, ti.tcpi_rcv_mss, ti.tcpi_snd_mss,
		       ti.tcpi_rcv_space);
}

/* Nothing readable for @ms. */
static bool quiet(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Something that changes while TCP moves a stream from @sfd to @rfd: bytes
 * queued and acknowledged at the sender, its retransmissions (it backs
 * off under drops but keeps trying), bytes queued and copied out at the
 * receiver.
 */
struct progress {
	int			outq;
	unsigned int		retrans;
	int			inq;
	unsigned long long	copied;
	unsigned long long	queued;
};

static void progress_read(int rfd, int sfd, struct progress *p)
{
	struct recframe_info ri = {};
	struct tcp_info ti = {};
	socklen_t len = sizeof(ti);

	memset(p, 0, sizeof(*p));
	ioctl(sfd, SIOCOUTQ, &p->outq);
	if (!getsockopt(sfd, SOL_TCP, TCP_INFO, &ti, &len))
		p->retrans = ti.tcpi_total_retrans;
	ioctl(rfd, SIOCINQ, &p->inq);
	len = sizeof(ri);
	if (!getsockopt(rfd, SOL_RECFRAME, RECFRAME_INFO, &ri, &len)) {
		p->copied = ri.rx_copy_fallback;
		p->queued = ri.rx_queued;
	}
}

/*
 * Read exactly @len bytes from @rfd, fed by @sfd, for as long as the
 * stream moves: fails only after STALL_MS without progress. Bytes got or
 * -errno; *@waited_ms gets the time it took.
 */
static ssize_t recv_progress(int rfd, int sfd, void *buf, size_t len,
			     long long *waited_ms)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	long long start = now_ms(), moved = start;
	struct progress last, cur;
	size_t got = 0;

	progress_read(rfd, sfd, &last);
	while (got < len) {
		ssize_t n = recv(rfd, (char *)buf + got, len - got, MSG_DONTWAIT);

		if (n > 0) {
			got += n;
			moved = now_ms();
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN)
			return got ? (ssize_t)got : -errno;
		if (poll(&pfd, 1, 1000) > 0)
			continue;
		progress_read(rfd, sfd, &cur);
		if (memcmp(&cur, &last, sizeof(cur))) {
			last = cur;
			moved = now_ms();
		} else if (now_ms() - moved >= STALL_MS) {
			break;
		}
	}
	*waited_ms = now_ms() - start;
	return got;
}

/*
 * The receiver gives up: a reset stops the sender's thread at once, where
 * it would otherwise wait for room the receiver will never make.
 */
static void abort_pair(int fds[2])
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fds[1] < 0)
		return;
	setsockopt(fds[1], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fds[1]);
	fds[1] = -1;
}

/* Send all of @buf as one record, waiting for room, within @ms; 0 or -errno. */
static int send_all(int fd, const void *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	long long end = now_ms() + ms;

	for (;;) {
		ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0)
			return -EMSGSIZE;	/* a record was torn */
		if (errno != EAGAIN)
			return -errno;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		/* POLLOUT with EAGAIN (a record larger than the room): no spin. */
		if (poll(&pfd, 1, end - now_ms()) > 0)
			usleep(1000);
	}
}

union tls_ci {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 gcm128;
	struct tls12_crypto_info_aes_gcm_256 gcm256;
	struct tls12_crypto_info_aes_ccm_128 ccm128;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

static socklen_t tls_keys(union tls_ci *ci, int version, int cipher)
{
	socklen_t len;

	memset(ci, 0, sizeof(*ci));
	ci->info.version = version;
	ci->info.cipher_type = cipher;
	switch (cipher) {
	case TLS_CIPHER_AES_GCM_256:
		len = sizeof(ci->gcm256);
		break;
	case TLS_CIPHER_AES_CCM_128:
		len = sizeof(ci->ccm128);
		break;
	case TLS_CIPHER_CHACHA20_POLY1305:
		len = sizeof(ci->chacha);
		break;
	default:
		len = sizeof(ci->gcm128);
		break;
	}
	/* Every key, IV, salt and sequence byte: a fixed pattern. */
	memset((char *)ci + sizeof(ci->info), 0x3c, len - sizeof(ci->info));
	return len;
}

/* Attach both ends of a fresh pair; 0 or -1. */
static int pair_attached(int fds[2])
{
	if (rf_tcp_pair(AF_INET, fds))
		return -1;
	return rf_attach(fds[0]) || rf_attach(fds[1]) ? -1 : 0;
}

/* Configure fds[0] -> fds[1] for @mode; 0 or -errno. */
static int pair_config(int fds[2], int mode, int version, int cipher)
{
	union tls_ci ci;
	socklen_t len;

	if (mode == MODE_FRAMING) {
		if (setsockopt(fds[0], SOL_RECFRAME, RECFRAME_FRAMING, &fmt_big,
			       sizeof(fmt_big)) ||
		    setsockopt(fds[1], SOL_RECFRAME, RECFRAME_FRAMING, &fmt_big,
			       sizeof(fmt_big)))
			return -errno;
		return 0;
	}
	len = tls_keys(&ci, version, cipher);
	if (setsockopt(fds[0], SOL_TLS, TLS_TX, &ci, len) ||
	    setsockopt(fds[1], SOL_TLS, TLS_RX, &ci, len))
		return -errno;
	return 0;
}

/* One record fds[0] -> fds[1], checked; 0 or -errno. */
static int exchange(int fds[2], size_t len, unsigned int seed)
{
	uint8_t *out = pattern(len, seed), *in = malloc(len);
	ssize_t got;
	int err;

	err = send_all(fds[0], out, len, WAIT_MS);
	if (!err) {
		got = recv_exact(fds[1], in, len, WAIT_MS);
		if (got < 0)
			err = got;
		else if ((size_t)got != len || memcmp(in, out, len)) {
			err = -EBADMSG;
		}
	}
	free(out);
	free(in);
	return err;
}

/* ------------------------------------------------- fail-nth control --- */

/* Errors a failed call may report besides ENOMEM. */
#define FI_EAGAIN	0x1
#define FI_ENOBUFS	0x2

struct fi {
	int		fd;		/* FAIL_NTH */
	const char	*what;
	int		also;		/* FI_* */
	int		tried;		/* values of n */
	int		injected;	/* faults that hit */
	int		failed;		/* calls that reported an error */
	int		absorbed;	/* calls that succeeded anyway */
	int		enomem, eagain, enobufs, other;
};

static bool fi_available(void)
{
	return !access(FAILSLAB, F_OK) && !access(FAIL_PAGE, F_OK) &&
	       !access(FAIL_NTH, F_OK);
}

/*
 * Every allocation the task makes counts, sleeping ones included (the
 * defaults only fail atomic ones, and pages of order 1 and up), and no
 * stack trace goes to the console (the VM's verdict would take it for a
 * kernel complaint).
 */
static int fi_setup(struct fi *f, const char *what)
{
	memset(f, 0, sizeof(*f));
	f->what = what;
	if (write_str(FAILSLAB "/ignore-gfp-wait", "N") ||
	    write_str(FAILSLAB "/verbose", "0") ||
	    write_str(FAIL_PAGE "/ignore-gfp-wait", "N") ||
	    write_str(FAIL_PAGE "/ignore-gfp-highmem", "N") ||
	    write_str(FAIL_PAGE "/min-order", "0") ||
	    write_str(FAIL_PAGE "/verbose", "0"))
		return -1;
	/* No page fault in a call may take an injected failure. */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	f->fd = open(FAIL_NTH, O_RDWR);
	return f->fd < 0 ? -1 : 0;
}

static void fi_arm(struct fi *f, int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	f->tried++;
	if (pwrite(f->fd, buf, strlen(buf), 0) < 0)
		abort();
}

/* Disarm; true if the fault was injected. */
static bool fi_disarm(struct fi *f)
{
	char buf[16] = "";
	bool hit;
	int saved = errno;

	if (pread(f->fd, buf, sizeof(buf) - 1, 0) < 0)
		abort();
	hit = atoi(buf) == 0;
	if (!hit && pwrite(f->fd, "0", 1, 0) < 0)
		abort();
	f->injected += hit;
	errno = saved;
	return hit;
}

/* Count the outcome of a call that took the fault; false: a bad errno. */
static bool fi_outcome(struct fi *f, bool ok, int err)
{
	if (ok) {
		f->absorbed++;
		return true;
	}
	f->failed++;
	switch (err) {
	case ENOMEM:
		f->enomem++;
		return true;
	case EAGAIN:
		f->eagain++;
		return f->also & FI_EAGAIN;
	case ENOBUFS:
		f->enobufs++;
		return f->also & FI_ENOBUFS;
	default:
		f->other++;
		return false;
	}
}

static void fi_report(struct fi *f)
{
	note("faults: %s: n=1..%d, %d injected: %d failed (ENOMEM %d, EAGAIN %d, ENOBUFS %d, other %d), %d absorbed\n",
		       f->what, f->tried, f->injected, f->failed, f->enomem,
		       f->eagain, f->enobufs, f->other, f->absorbed);
	close(f->fd);
}

/* ------------------------------------------------ injected: fixtures --- */

/* What every injected test works with. */
struct ctx {
	struct fi	f;
	int		fds[2];
	int		mode;
	int		version;
	int		cipher;
};

static void ctx_setup(struct __test_metadata *_metadata, struct ctx *c,
		      int mode, int version, int cipher)
{
	c->fds[0] = c->fds[1] = -1;
	c->mode = mode;
	c->version = version;
	c->cipher = cipher;
	if (!rf_available())
		SKIP(return, "recframe is not loaded");
	if (!fi_available())
		SKIP(return, "no fail-nth, failslab or fail_page_alloc (make check-debug)");
	ASSERT_EQ(0, fi_setup(&c->f, "?"));
	/*
	 * Warm up: the first use of an algorithm instantiates its templates
	 * and the first socket fills per-CPU caches; later calls reuse them.
	 */
	ASSERT_EQ(0, pair_attached(c->fds));
	ASSERT_EQ(0, pair_config(c->fds, mode, version, cipher));
	ASSERT_EQ(0, exchange(c->fds, 100, 0));
	close(c->fds[0]);
	close(c->fds[1]);
	c->fds[0] = c->fds[1] = -1;
}

static void pair_close(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = fds[1] = -1;
}

/* The data path, in framing mode and in TLS mode. */
FIXTURE(nth)
{
	struct ctx c;
};

FIXTURE_VARIANT(nth)
{
	int mode;
	int version;
	int cipher;
};

FIXTURE_VARIANT_ADD(nth, framing)
{
	.mode = MODE_FRAMING,
};

FIXTURE_VARIANT_ADD(nth, tls13_gcm128)
{
	.mode = MODE_TLS,
	.version = TLS_1_3_VERSION,
	.cipher = TLS_CIPHER_AES_GCM_128,
};

FIXTURE_VARIANT_ADD(nth, tls12_gcm256)
{
	.mode = MODE_TLS,
	.version = TLS_1_2_VERSION,
	.cipher = TLS_CIPHER_AES_GCM_256,
};

FIXTURE_SETUP(nth)
{
	ctx_setup(_metadata, &self->c, variant->mode, variant->version,
		  variant->cipher);
}

FIXTURE_TEARDOWN(nth)
{
	pair_close(self->c.fds);
}

/* TLS_TX and TLS_RX, for each cipher. */
FIXTURE(nth_tls)
{
	struct ctx c;
};

FIXTURE_VARIANT(nth_tls)
{
	int version;
	int cipher;
};

FIXTURE_VARIANT_ADD(nth_tls, tls13_gcm128)
{
	.version = TLS_1_3_VERSION,
	.cipher = TLS_CIPHER_AES_GCM_128,
};

FIXTURE_VARIANT_ADD(nth_tls, tls12_gcm256)
{
	.version = TLS_1_2_VERSION,
	.cipher = TLS_CIPHER_AES_GCM_256,
};

FIXTURE_VARIANT_ADD(nth_tls, tls13_chacha)
{
	.version = TLS_1_3_VERSION,
	.cipher = TLS_CIPHER_CHACHA20_POLY1305,
};

FIXTURE_VARIANT_ADD(nth_tls, tls12_ccm)
{
	.version = TLS_1_2_VERSION,
	.cipher = TLS_CIPHER_AES_CCM_128,
};

FIXTURE_SETUP(nth_tls)
{
	ctx_setup(_metadata, &self->c, MODE_TLS, variant->version,
		  variant->cipher);
}

FIXTURE_TEARDOWN(nth_tls)
{
	pair_close(self->c.fds);
}

/* What is independent of the mode: attach, framing, netlink. */
FIXTURE(nth1)
{
	struct ctx c;
};

FIXTURE_SETUP(nth1)
{
	ctx_setup(_metadata, &self->c, MODE_FRAMING, 0, 0);
}

FIXTURE_TEARDOWN(nth1)
{
	pair_close(self->c.fds);
}

/* -------------------------------------------- injected: setsockopt --- */

/* setsockopt(TCP_ULP): a failed attach leaves a plain TCP socket. */
TEST_F_TIMEOUT(nth1, attach, 600)
{
	struct ctx *c = &self->c;
	struct fi *f = &c->f;
	int n, r, err;
	bool hit;

	RETURN_IF_SKIPPED();

	f->what = "setsockopt(TCP_ULP)";
	for (n = 1; n <= NTH_MAX; n++) {
		char ulp[16] = "";
		socklen_t len = sizeof(ulp);

		ASSERT_EQ(0, rf_tcp_pair(AF_INET, c->fds));
		ASSERT_EQ(0, rf_attach(c->fds[1]));
		fi_arm(f, n);
		r = rf_attach(c->fds[0]);
		err = errno;
		hit = fi_disarm(f);
		if (hit) {
			EXPECT_TRUE(fi_outcome(f, !r, err))
				TH_LOG("n=%d: attach failed with %s", n, strerror(err));
		} else {
			ASSERT_EQ(0, r) TH_LOG("%s", strerror(err));
		}
		ASSERT_EQ(0, getsockopt(c->fds[0], SOL_TCP, TCP_ULP, ulp, &len));
		if (r) {
			/* Still plain TCP, and attaching again works. */
			EXPECT_STREQ("", ulp);
			ASSERT_EQ(0, rf_attach(c->fds[0]));
		} else {
			EXPECT_STREQ(RECFRAME_ULP_NAME, ulp);
		}
		ASSERT_EQ(0, pair_config(c->fds, MODE_FRAMING, 0, 0));
		ASSERT_EQ(0, exchange(c->fds, 1000, n)) TH_LOG("n=%d", n);
		pair_close(c->fds);
		if (!hit)
			break;
	}
	EXPECT_LT(n, NTH_MAX);
	fi_report(f);
}

/*
 * A configuring setsockopt on fds[0] (RECFRAME_FRAMING or TLS_TX) or on
 * fds[1] (TLS_RX) under the fault, a fresh pair for each n; the same again
 * without the fault must then work and carry records.
 */
static void fi_sockopt(struct __test_metadata *_metadata, struct ctx *c,
		       int level, int optname)
{
	bool tls = level == SOL_TLS;
	struct fi *f = &c->f;
	int n, r, err, fd;
	union tls_ci ci;
	socklen_t len;
	const void *val;
	bool hit;

	RETURN_IF_SKIPPED();

	if (!tls) {
		val = &fmt_big;
		len = sizeof(fmt_big);
	} else {
		val = &ci;
		len = tls_keys(&ci, c->version, c->cipher);
	}
	for (n = 1; n <= NTH_MAX; n++) {
		ASSERT_EQ(0, pair_attached(c->fds));
		/* The other end of the direction, set without the fault. */
		if (tls && optname == TLS_RX)
			r = setsockopt(c->fds[0], level, TLS_TX, val, len);
		else if (tls)
			r = setsockopt(c->fds[1], level, TLS_RX, val, len);
		else
			r = setsockopt(c->fds[1], level, optname, val, len);
		ASSERT_EQ(0, r) TH_LOG("n=%d: the peer: %s", n, strerror(errno));
		fd = c->fds[tls && optname == TLS_RX ? 1 : 0];

		fi_arm(f, n);
		r = setsockopt(fd, level, optname, val, len);
		err = errno;
		hit = fi_disarm(f);
		if (hit) {
			EXPECT_TRUE(fi_outcome(f, !r, err))
				TH_LOG("n=%d: %s failed with %s", n, f->what, strerror(err));
		} else {
			ASSERT_EQ(0, r) TH_LOG("%s", strerror(err));
		}
		if (r) {
			ASSERT_EQ(0, setsockopt(fd, level, optname, val, len))
				TH_LOG("n=%d: retry: %s", n, strerror(errno));
		}
		ASSERT_EQ(0, exchange(c->fds, 3000, n)) TH_LOG("n=%d", n);
		pair_close(c->fds);
		if (!hit)
			break;
	}
	EXPECT_LT(n, NTH_MAX);
	fi_report(f);
}

TEST_F_TIMEOUT(nth1, framing_sockopt, 600)
{
	self->c.f.what = "setsockopt(RECFRAME_FRAMING)";
	fi_sockopt(_metadata, &self->c, SOL_RECFRAME, RECFRAME_FRAMING);
}

TEST_F_TIMEOUT(nth_tls, tls_tx, 600)
{
	self->c.f.what = "setsockopt(TLS_TX)";
	fi_sockopt(_metadata, &self->c, SOL_TLS, TLS_TX);
}

TEST_F_TIMEOUT(nth_tls, tls_rx, 600)
{
	self->c.f.what = "setsockopt(TLS_RX)";
	fi_sockopt(_metadata, &self->c, SOL_TLS, TLS_RX);
}

/* ------------------------------------------------ injected: data path --- */

/*
 * send() of one record under the fault, on one pair for every n: a send
 * that succeeded must deliver its record without any further call; one
 * that failed must deliver nothing.
 */
static void fi_send(struct __test_metadata *_metadata, struct ctx *c,
		     size_t size, int flags)
{
	uint8_t *in = malloc(size);
	struct fi *f = &c->f;
	ssize_t r, got;
	int n, err;
	bool hit;

	RETURN_IF_SKIPPED();

	f->also = FI_EAGAIN;
	ASSERT_EQ(0, pair_attached(c->fds));
	ASSERT_EQ(0, pair_config(c->fds, c->mode, c->version, c->cipher));
	memset(in, 0, size);
	for (n = 1; n <= NTH_MAX; n++) {
		uint8_t *out = pattern(size, n);

		fi_arm(f, n);
		r = send(c->fds[0], out, size, flags | MSG_NOSIGNAL);
		err = errno;
		hit = fi_disarm(f);
		if (hit) {
			EXPECT_TRUE(fi_outcome(f, r == (ssize_t)size, err))
				TH_LOG("n=%d: send returned %zd: %s", n, r, strerror(err));
		} else {
			ASSERT_EQ((ssize_t)size, r) TH_LOG("n=%d: %s", n, strerror(err));
		}
		ASSERT_TRUE(r < 0 || r == (ssize_t)size)
			TH_LOG("n=%d: a record torn: %zd of %zu bytes taken", n, r, size);
		if (r == (ssize_t)size) {
			got = recv_exact(c->fds[1], in, size, WAIT_MS);
			ASSERT_EQ((ssize_t)size, got)
				TH_LOG("n=%d: a record taken under the fault is not delivered (%zd bytes came)",
				       n, got);
			ASSERT_EQ(0, memcmp(in, out, size)) TH_LOG("n=%d", n);
		} else {
			EXPECT_TRUE(quiet(c->fds[1], QUIET_MS))
				TH_LOG("n=%d: a failed send delivered bytes", n);
		}
		free(out);
		if (!hit)
			break;
	}
	EXPECT_LT(n, NTH_MAX);
	ASSERT_EQ(0, exchange(c->fds, size, 0));
	free(in);
	fi_report(f);
}

TEST_F_TIMEOUT(nth, send_small, 600)
{
	self->c.f.what = "send(100)";
	fi_send(_metadata, &self->c, 100, 0);
}

TEST_F_TIMEOUT(nth, send_record, 600)
{
	self->c.f.what = "send(16000)";
	fi_send(_metadata, &self->c, 16000, 0);
}

TEST_F_TIMEOUT(nth, send_dontwait, 600)
{
	self->c.f.what = "send(16000, MSG_DONTWAIT)";
	fi_send(_metadata, &self->c, 16000, MSG_DONTWAIT);
}

TEST_F_TIMEOUT(nth1, send_large, 900)
{
	self->c.f.what = "send(256 KiB record)";
	fi_send(_metadata, &self->c, BIG, 0);
}

/*
 * recv() of a complete record under the fault, a fresh pair for each n: a
 * failed recv leaves the record to the next one.
 */
static void fi_recv(struct __test_metadata *_metadata, struct ctx *c,
		    size_t size, size_t chunk)
{
	uint8_t *in = malloc(size);
	struct fi *f = &c->f;
	ssize_t r, got;
	int n, err;
	bool hit;

	RETURN_IF_SKIPPED();

	f->also = FI_EAGAIN;
	for (n = 1; n <= NTH_MAX; n++) {
		uint8_t *out = pattern(size, n);
		struct pollfd pfd;

		ASSERT_EQ(0, pair_attached(c->fds));
		ASSERT_EQ(0, pair_config(c->fds, c->mode, c->version, c->cipher));
		ASSERT_EQ(0, send_all(c->fds[0], out, size, WAIT_MS));
		pfd = (struct pollfd){ .fd = c->fds[1], .events = POLLIN };
		ASSERT_EQ(1, poll(&pfd, 1, WAIT_MS));
		memset(in, 0, size);

		fi_arm(f, n);
		r = recv(c->fds[1], in, chunk, MSG_DONTWAIT);
		err = errno;
		hit = fi_disarm(f);
		if (hit) {
			EXPECT_TRUE(fi_outcome(f, r > 0, err))
				TH_LOG("n=%d: recv failed with %s", n, strerror(err));
		} else {
			ASSERT_LT(0, r) TH_LOG("n=%d: %s", n, strerror(err));
		}
		if (r < 0)
			r = 0;
		/* What is missing comes next, intact. */
		got = recv_exact(c->fds[1], in + r, size - r, WAIT_MS);
		ASSERT_EQ((ssize_t)(size - r), got)
			TH_LOG("n=%d: after the fault: %s", n,
			       got < 0 ? strerror(-got) : "short");
		ASSERT_EQ(0, memcmp(in, out, size)) TH_LOG("n=%d", n);
		ASSERT_EQ(0, exchange(c->fds, 2000, n));
		pair_close(c->fds);
		free(out);
		if (!hit)
			break;
	}
	EXPECT_LT(n, NTH_MAX);
	free(in);
	fi_report(f);
}

TEST_F_TIMEOUT(nth, recv_record, 600)
{
	self->c.f.what = "recv(16000)";
	fi_recv(_metadata, &self->c, 16000, 16000);
}

/* A part of the record: TLS decrypts the whole into its clear buffer. */
TEST_F_TIMEOUT(nth, recv_part, 600)
{
	self->c.f.what = "recv(1000 of 16000)";
	fi_recv(_metadata, &self->c, 16000, 1000);
}

struct one_record {
	int fd;
	size_t size;
	unsigned int seed;
	int err;
};

static void *one_record_fn(void *arg)
{
	struct one_record *o = arg;
	uint8_t *out = pattern(o->size, o->seed);

	o->err = send_all(o->fd, out, o->size, 30000);
	free(out);
	return NULL;
}

/*
 * A blocking recv() of a record larger than the receive buffer allows, under
 * the fault: the reader's own context moves the record out of TCP's queue
 * (rf_rx_copy_out), or recframe's work does. A failure there may end the
 * receive side (ENOMEM from then on, as kTLS's parser does): then every
 * later recv must report it, and nothing of the record may come out.
 */
TEST_F_TIMEOUT(nth1, recv_copy, 900)
{
	const size_t size = 60000;
	struct timeval tv = { .tv_sec = 20 };
	uint8_t *in = malloc(size);
	struct ctx *c = &self->c;
	struct fi *f = &c->f;
	int n, err, rcvbuf = 4096, dead = 0;
	ssize_t r, got;
	bool hit;

	RETURN_IF_SKIPPED();

	f->what = "recv(60000-byte record, SO_RCVBUF 4096)";
	f->also = FI_EAGAIN;
	for (n = 1; n <= NTH_MAX; n++) {
		struct one_record o = { .size = size, .seed = n };
		uint8_t *out = pattern(size, n);
		pthread_t t;

		ASSERT_EQ(0, pair_attached(c->fds));
		ASSERT_EQ(0, setsockopt(c->fds[1], SOL_SOCKET, SO_RCVBUF,
					&rcvbuf, sizeof(rcvbuf)));
		ASSERT_EQ(0, setsockopt(c->fds[1], SOL_SOCKET, SO_RCVTIMEO,
					&tv, sizeof(tv)));
		ASSERT_EQ(0, pair_config(c->fds, MODE_FRAMING, 0, 0));
		o.fd = c->fds[0];
		ASSERT_EQ(0, pthread_create(&t, NULL, one_record_fn, &o));
		memset(in, 0, size);

		fi_arm(f, n);
		r = recv(c->fds[1], in, size, MSG_WAITALL);
		err = errno;
		hit = fi_disarm(f);
		if (hit) {
			EXPECT_TRUE(fi_outcome(f, r == (ssize_t)size, err))
				TH_LOG("n=%d: recv returned %zd: %s", n, r, strerror(err));
		} else {
			ASSERT_EQ((ssize_t)size, r) TH_LOG("n=%d: %s", n, strerror(err));
		}
		if (r < 0 && err == ENOMEM) {
			/* The receive side ended: it says so, and stays so. */
			dead++;
			errno = 0;
			EXPECT_EQ(-1, recv(c->fds[1], in, size, MSG_DONTWAIT));
			EXPECT_EQ(ENOMEM, errno);
		} else {
			ASSERT_LE(0, r) TH_LOG("n=%d: %s", n, strerror(err));
			got = recv_exact(c->fds[1], in + r, size - r, 20000);
			ASSERT_EQ((ssize_t)(size - r), got) TH_LOG("n=%d", n);
			ASSERT_EQ(0, memcmp(in, out, size)) TH_LOG("n=%d", n);
		}
		/* Unblock a sender stuck on a dead receiver. */
		abort_pair(c->fds);
		pthread_join(t, NULL);
		pair_close(c->fds);
		free(out);
		if (!hit)
			break;
	}
	EXPECT_LT(n, NTH_MAX);
	note("faults: %s: the receive side ended with ENOMEM %d times\n",
	     f->what, dead);
	free(in);
	fi_report(f);
}

/*
 * sendfile() of 40000 bytes under the fault: what it reports taken
 * arrives, a new call sends the rest.
 */
TEST_F_TIMEOUT(nth, sendfile, 600)
{
	const size_t size = 40000;
	uint8_t *out = pattern(size, 7), *in = malloc(size);
	char path[] = "/tmp/rf-faults-XXXXXX";
	struct ctx *c = &self->c;
	struct fi *f = &c->f;
	int n, err, file;
	ssize_t r, got;
	off_t off;
	bool hit;

	RETURN_IF_SKIPPED();

	f->what = "sendfile(40000)";
	f->also = FI_EAGAIN;
	file = mkstemp(path);
	ASSERT_LE(0, file);
	unlink(path);
	ASSERT_EQ((ssize_t)size, write(file, out, size));
	ASSERT_EQ(0, pair_attached(c->fds));
	ASSERT_EQ(0, pair_config(c->fds, c->mode, c->version, c->cipher));
	for (n = 1; n <= NTH_MAX; n++) {
		off = 0;
		fi_arm(f, n);
		r = sendfile(c->fds[0], file, &off, size);
		err = errno;
		hit = fi_disarm(f);
		if (hit) {
			EXPECT_TRUE(fi_outcome(f, r > 0, err))
				TH_LOG("n=%d: sendfile failed with %s", n, strerror(err));
		} else {
			ASSERT_EQ((ssize_t)size, r) TH_LOG("n=%d: %s", n, strerror(err));
		}
		while ((size_t)off < size) {
			ssize_t m = sendfile(c->fds[0], file, &off, size - off);

			ASSERT_LT(0, m) TH_LOG("n=%d: sendfile after the fault: %s",
					       n, strerror(errno));
		}
		got = recv_exact(c->fds[1], in, size, WAIT_MS);
		ASSERT_EQ((ssize_t)size, got) TH_LOG("n=%d: %zd taken under the fault", n, r);
		ASSERT_EQ(0, memcmp(in, out, size)) TH_LOG("n=%d", n);
		if (!hit)
			break;
	}
	EXPECT_LT(n, NTH_MAX);
	close(file);
	free(out);
	free(in);
	fi_report(f);
}

/* ------------------------------------------------ injected: netlink --- */

struct nlmsg {
	struct nlmsghdr		n;
	struct genlmsghdr	g;
	char			buf[256];
};

static void nl_put(struct nlmsg *m, uint16_t type, const void *data,
		   uint16_t len)
{
	struct nlattr *a = (void *)((char *)m + NLMSG_ALIGN(m->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->n.nlmsg_len = NLMSG_ALIGN(m->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	struct timeval tv = { .tv_sec = 5 };

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int nl_send(int fd, uint16_t type, uint8_t cmd, uint16_t flags,
		   const char *family_name)
{
	struct nlmsg m;

	memset(&m, 0, sizeof(m));
	m.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m.n.nlmsg_type = type;
	m.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m.n.nlmsg_seq = 1;
	m.g.cmd = cmd;
	m.g.version = type == GENL_ID_CTRL ? 1 : RECFRAME_GENL_VERSION;
	if (family_name)
		nl_put(&m, CTRL_ATTR_FAMILY_NAME, family_name,
		       strlen(family_name) + 1);
	return send(fd, &m, m.n.nlmsg_len, 0) < 0 ? -errno : 0;
}

/* The id of the "recframe" generic netlink family, or -errno. */
static int nl_family(int fd)
{
	char buf[8192];
	struct nlmsghdr *h;
	int err, len, id = -ENOENT;

	err = nl_send(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, RECFRAME_GENL_NAME);
	if (err)
		return err;
	len = recv(fd, buf, sizeof(buf), 0);
	for (h = (void *)buf; len > 0 && NLMSG_OK(h, (unsigned int)len);
	     h = NLMSG_NEXT(h, len)) {
		struct nlattr *a = (void *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
		int alen = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

		if (h->nlmsg_type == NLMSG_ERROR)
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error ?: id;
		for (; alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
		       a->nla_len <= alen;
		     alen -= NLA_ALIGN(a->nla_len),
		     a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
			if (a->nla_type == CTRL_ATTR_FAMILY_ID)
				id = *(uint16_t *)((char *)a + NLA_HDRLEN);
	}
	/* Consume the ACK. */
	recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	return id;
}

/*
 * Run one request to its end: -errno from send, recv or an NLMSG_ERROR,
 * or 0; @seen counts the sockets of @cookies the replies named.
 */
static int nl_run(int fd, int family, uint8_t cmd, bool dump,
		  const uint64_t *cookies, int ncookies, int *seen)
{
	static char buf[32768];
	int err, len, i;

	*seen = 0;
	err = nl_send(fd, family, cmd, dump ? NLM_F_DUMP : 0, NULL);
	if (err)
		return err;
	for (;;) {
		struct nlmsghdr *h;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, (unsigned int)len);
		     h = NLMSG_NEXT(h, len)) {
			struct nlattr *a;
			int alen;

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			a = (void *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
			alen = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
			for (; alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			       a->nla_len <= alen;
			     alen -= NLA_ALIGN(a->nla_len),
			     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
				uint64_t c;

				if (a->nla_type != RECFRAME_A_COOKIE)
					continue;
				memcpy(&c, (char *)a + NLA_HDRLEN, sizeof(c));
				for (i = 0; i < ncookies; i++)
					*seen += c == cookies[i];
			}
		}
	}
}

static void fi_netlink(struct __test_metadata *_metadata, struct ctx *c,
			uint8_t cmd, bool dump)
{
	int n, r, nl, family, seen, i, socks[8][2];
	struct fi *f = &c->f;
	uint64_t cookies[16];
	socklen_t len;
	bool hit;

	RETURN_IF_SKIPPED();

	f->also = FI_ENOBUFS;
	/* Enough sockets to need more than one reply message. */
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, pair_attached(socks[i]));
		len = sizeof(cookies[0]);
		ASSERT_EQ(0, getsockopt(socks[i][0], SOL_SOCKET, SO_COOKIE,
					&cookies[2 * i], &len));
		len = sizeof(cookies[0]);
		ASSERT_EQ(0, getsockopt(socks[i][1], SOL_SOCKET, SO_COOKIE,
					&cookies[2 * i + 1], &len));
	}
	nl = nl_open();
	ASSERT_LE(0, nl);
	family = nl_family(nl);
	ASSERT_LT(0, family) TH_LOG("no recframe genl family: %d", family);
	for (n = 1; n <= NTH_MAX; n++) {
		fi_arm(f, n);
		r = nl_run(nl, family, cmd, dump, cookies, 16, &seen);
		hit = fi_disarm(f);
		if (hit) {
			EXPECT_TRUE(fi_outcome(f, !r, -r))
				TH_LOG("n=%d: failed with %s", n, strerror(-r));
		} else {
			ASSERT_EQ(0, r) TH_LOG("n=%d: %s", n, strerror(-r));
		}
		if (!r && dump)
			ASSERT_EQ(16, seen) TH_LOG("n=%d: a dump missed sockets", n);
		if (r) {
			/* A failed dump may leave its rest queued: drain. */
			char buf[32768];

			while (recv(nl, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
			/* The same socket, without the fault, works. */
			ASSERT_EQ(0, nl_run(nl, family, cmd, dump, cookies, 16, &seen));
			if (dump)
				ASSERT_EQ(16, seen);
		}
		if (!hit)
			break;
	}
	EXPECT_LT(n, NTH_MAX);
	close(nl);
	for (i = 0; i < 8; i++)
		close(socks[i][0]), close(socks[i][1]);
	fi_report(f);
}

TEST_F_TIMEOUT(nth1, netlink_dump, 600)
{
	self->c.f.what = "netlink SOCK_GET dump";
	fi_netlink(_metadata, &self->c, RECFRAME_CMD_SOCK_GET, true);
}

TEST_F_TIMEOUT(nth1, netlink_stats, 600)
{
	self->c.f.what = "netlink STATS_GET";
	fi_netlink(_metadata, &self->c, RECFRAME_CMD_STATS_GET, false);
}

/* ----------------------------------------------------- tiny buffers --- */

FIXTURE(tiny)
{
	int fds[2];
};

FIXTURE_VARIANT(tiny)
{
	int mode;
};

FIXTURE_VARIANT_ADD(tiny, framing)
{
	.mode = MODE_FRAMING,
};

FIXTURE_VARIANT_ADD(tiny, tls13)
{
	.mode = MODE_TLS,
};

FIXTURE_SETUP(tiny)
{
	self->fds[0] = self->fds[1] = -1;
	if (!rf_available())
		SKIP(return, "recframe is not loaded");
	ASSERT_EQ(0, pair_attached(self->fds));
}

FIXTURE_TEARDOWN(tiny)
{
	if (self->fds[0] >= 0)
		close(self->fds[0]);
	if (self->fds[1] >= 0)
		close(self->fds[1]);
}

static void set_buf(int fd, int opt)
{
	int one = 1;

	/* The kernel rounds up to its minimum (SOCK_MIN_SNDBUF/RCVBUF). */
	setsockopt(fd, SOL_SOCKET, opt, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static size_t max_size(int mode)
{
	return mode == MODE_TLS ? 16384 : 200000;
}

/*
 * Sender with the smallest SO_SNDBUF, non-blocking, reader away: records
 * are taken whole until EAGAIN, all arrive in order, and then the socket
 * takes more, including records larger than its buffer.
 */
TEST_F_TIMEOUT(tiny, sndbuf, 300)
{
	const size_t rec = 1000;
	int i, taken = 0, eagain = 0;
	uint8_t *out, *in = malloc(max_size(variant->mode));
	size_t sizes[] = { 1, 4000, 9000, max_size(variant->mode) };
	int sndbuf;
	socklen_t len = sizeof(sndbuf);

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, pair_config(self->fds, variant->mode, TLS_1_3_VERSION,
				 TLS_CIPHER_AES_GCM_128));
	set_buf(self->fds[0], SO_SNDBUF);
	ASSERT_EQ(0, getsockopt(self->fds[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &len));
	for (i = 0; i < 2000; i++) {
		ssize_t r;

		out = pattern(rec, i);
		r = send(self->fds[0], out, rec, MSG_NOSIGNAL);
		free(out);
		if (r < 0) {
			struct pollfd pfd = { .fd = self->fds[0], .events = POLLOUT };

			ASSERT_EQ(EAGAIN, errno);
			if (++eagain > 3)
				break;
			/* TCP may take more once loopback acked: retry. */
			poll(&pfd, 1, QUIET_MS);
			i--;
			continue;
		}
		ASSERT_EQ((ssize_t)rec, r) TH_LOG("record %d torn", i);
		taken++;
	}
	ASSERT_LT(0, taken);
	ASSERT_LT(0, eagain) TH_LOG("the send buffer (%d) never filled", sndbuf);
	for (i = 0; i < taken; i++) {
		out = pattern(rec, i);
		ASSERT_EQ((ssize_t)rec, recv_exact(self->fds[1], in, rec, WAIT_MS))
			TH_LOG("record %d of %d", i, taken);
		ASSERT_EQ(0, memcmp(in, out, rec)) TH_LOG("record %d", i);
		free(out);
	}
	EXPECT_TRUE(quiet(self->fds[1], QUIET_MS));
	/* Usable: records of any size, some larger than the buffer. */
	for (i = 0; i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++) {
		ASSERT_EQ(0, exchange(self->fds, sizes[i], i))
			TH_LOG("%zu bytes with SO_SNDBUF %d", sizes[i], sndbuf);
	}
	note("faults: SO_SNDBUF %d: %d records of %zu taken before EAGAIN, records up to %zu bytes after\n",
		       sndbuf, taken, rec, max_size(variant->mode));
	free(in);
}

struct sender {
	int fd;
	size_t size;
	int count;
	int err;
};

static void *sender_fn(void *arg)
{
	struct sender *s = arg;
	int i;

	for (i = 0; i < s->count && !s->err; i++) {
		uint8_t *out = pattern(s->size, i);

		s->err = send_all(s->fd, out, s->size, SEND_MS);
		free(out);
	}
	return NULL;
}

/*
 * Receiver with the smallest SO_RCVBUF, non-blocking: records larger than
 * the buffer still complete (recframe moves them out of TCP's queue), with
 * EAGAIN until they do. TCP itself then moves about one window (1152
 * bytes) per 200 ms timer on the loopback, as plain TCP does with such a
 * buffer: a 64 KiB record takes about 11 s, hence one of them only.
 */
static void rcvbuf_case(struct __test_metadata *_metadata, int fds[2],
			int mode, bool tiny_snd)
{
	static const struct { size_t size; int count; } recs[] = {
		{ 100, 3 }, { 3000, 3 }, { 16384, 3 }, { 65536, 1 },
	};
	uint8_t *in = malloc(65536);
	long long worst = 0;
	int rcvbuf, i, j;
	socklen_t len = sizeof(rcvbuf);

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, pair_config(fds, mode, TLS_1_3_VERSION,
				 TLS_CIPHER_AES_GCM_128));
	set_buf(fds[1], SO_RCVBUF);
	if (tiny_snd)
		set_buf(fds[0], SO_SNDBUF);
	ASSERT_EQ(0, getsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len));
	for (i = 0; i < (int)(sizeof(recs) / sizeof(recs[0])); i++) {
		struct sender s = {
			.fd = fds[0], .size = recs[i].size, .count = recs[i].count,
		};
		pthread_t t;

		if (recs[i].size > max_size(mode))
			break;
		ASSERT_EQ(0, pthread_create(&t, NULL, sender_fn, &s));
		for (j = 0; j < s.count; j++) {
			uint8_t *out = pattern(s.size, j);
			long long waited;
			ssize_t got = recv_progress(fds[1], fds[0], in, s.size,
						    &waited);

			if (waited > worst)
				worst = waited;
			EXPECT_EQ((ssize_t)s.size, got)
				TH_LOG("record %d of %zu bytes, SO_RCVBUF %d: %zd after %lld ms",
				       j, s.size, rcvbuf, got, waited);
			EXPECT_EQ(0, memcmp(in, out, s.size));
			free(out);
			if (got != (ssize_t)s.size) {
				diag("sender", fds[0]);
				diag("receiver", fds[1]);
				abort_pair(fds);
				break;
			}
		}
		pthread_join(t, NULL);
		ASSERT_EQ(j, s.count);
		ASSERT_EQ(0, s.err) TH_LOG("sender: %s", strerror(-s.err));
	}
	errno = 0;
	EXPECT_EQ(-1, recv(fds[1], in, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	note("faults: SO_RCVBUF %d%s: records up to %zu bytes, the slowest in %lld ms\n",
	     rcvbuf, tiny_snd ? " and the smallest SO_SNDBUF" : "",
	     max_size(mode) < 65536 ? max_size(mode) : (size_t)65536, worst);
	free(in);
}

TEST_F_TIMEOUT(tiny, rcvbuf, 300)
{
	rcvbuf_case(_metadata, self->fds, variant->mode, false);
}

TEST_F_TIMEOUT(tiny, both, 300)
{
	rcvbuf_case(_metadata, self->fds, variant->mode, true);
}

/* ------------------------------------------------- memory pressure --- */

#define TCP_MEM		"/proc/sys/net/ipv4/tcp_mem"

FIXTURE(pressure)
{
	int fds[2];
	char saved[128];
};

FIXTURE_VARIANT(pressure)
{
	int mode;
	const char *tcp_mem;
};

/*
 * 256 pages (1 MiB) for all of TCP: pressure (tcp_rmem[0] buffers) from
 * the first records, drops at the hard limit soon after.
 */
FIXTURE_VARIANT_ADD(pressure, framing)
{
	.mode = MODE_FRAMING,
	.tcp_mem = "64 128 256",
};

FIXTURE_VARIANT_ADD(pressure, tls13)
{
	.mode = MODE_TLS,
	.tcp_mem = "64 128 256",
};

FIXTURE_SETUP(pressure)
{
	int fd = open(TCP_MEM, O_RDWR);
	ssize_t n;

	self->fds[0] = self->fds[1] = -1;
	self->saved[0] = '\0';
	if (!rf_available())
		SKIP(return, "recframe is not loaded");
	if (fd < 0)
		SKIP(return, "no writable " TCP_MEM);
	n = read(fd, self->saved, sizeof(self->saved) - 1);
	close(fd);
	ASSERT_LT(0, n);
	self->saved[n] = '\0';
	ASSERT_EQ(0, pair_attached(self->fds));
	ASSERT_EQ(0, pair_config(self->fds, variant->mode, TLS_1_3_VERSION,
				 TLS_CIPHER_AES_GCM_128));
}

FIXTURE_TEARDOWN(pressure)
{
	if (self->saved[0])
		write_str(TCP_MEM, self->saved);
	pair_close(self->fds);
}

struct stream {
	int fd;
	int count;
	size_t max;
	int err;
};

static size_t stream_size(int i, size_t max)
{
	return 1 + (size_t)(i * 2654435761u) % max;
}

static void *stream_fn(void *arg)
{
	struct stream *s = arg;
	int i;

	for (i = 0; i < s->count && !s->err; i++) {
		size_t len = stream_size(i, s->max);
		uint8_t *out = pattern(len, i);

		s->err = send_all(s->fd, out, len, SEND_MS);
		free(out);
	}
	return NULL;
}

TEST_F_TIMEOUT(pressure, tcp_mem, 600)
{
	struct stream s = {
		.fd = self->fds[0], .count = 200,
		.max = variant->mode == MODE_TLS ? 16384 : 65536,
	};
	uint8_t *in = malloc(s.max);
	long long start = now_ms(), worst = 0;
	size_t total = 0;
	pthread_t t;
	int i;

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, write_str(TCP_MEM, variant->tcp_mem));
	ASSERT_EQ(0, pthread_create(&t, NULL, stream_fn, &s));
	for (i = 0; i < s.count; i++) {
		size_t len = stream_size(i, s.max);
		uint8_t *out = pattern(len, i);
		long long waited;
		ssize_t got = recv_progress(self->fds[1], self->fds[0], in, len,
					    &waited);

		if (waited > worst)
			worst = waited;
		EXPECT_EQ((ssize_t)len, got)
			TH_LOG("record %d of %zu bytes: %zd after %lld ms",
			       i, len, got, waited);
		EXPECT_EQ(0, memcmp(in, out, len)) TH_LOG("record %d", i);
		free(out);
		if (got != (ssize_t)len) {
			diag("sender", self->fds[0]);
			diag("receiver", self->fds[1]);
			abort_pair(self->fds);
			break;
		}
		total += len;
	}
	pthread_join(t, NULL);
	ASSERT_EQ(s.count, i);
	ASSERT_EQ(0, s.err) TH_LOG("sender: %s", strerror(-s.err));
	ASSERT_EQ(0, write_str(TCP_MEM, self->saved));
	ASSERT_EQ(0, exchange(self->fds, 5000, 1));
	note("faults: tcp_mem %s pages: %d records, %zu bytes, all whole and in order in %lld ms, the slowest in %lld ms\n",
	     variant->tcp_mem, s.count, total, now_ms() - start, worst);
	free(in);
}

/* ---------------------------------------------------------- memory --- */

struct meminfo {
	long long	memfree_kb;
	long long	slab_kb;
};

static int meminfo_read(struct meminfo *m)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		found += sscanf(line, "MemFree: %lld kB", &m->memfree_kb) == 1;
		found += sscanf(line, "Slab: %lld kB", &m->slab_kb) == 1;
	}
	fclose(f);
	return found == 2 ? 0 : -1;
}

/*
 * Bytes per socket between two readings: what left MemFree (slab and
 * pages alike), and the slab's part of it.
 */
static void mem_delta(const struct meminfo *a, const struct meminfo *b,
		      int n, long long *all, long long *slab)
{
	*all = (a->memfree_kb - b->memfree_kb) * 1024 / n;
	*slab = (b->slab_kb - a->slab_kb) * 1024 / n;
}

/*
 * Many idle connections; one end of each is attached, then given both TLS
 * keys (TLS 1.3, AES-128-GCM). What a socket needs for records comes with
 * its first record, so the keys alone must cost a few KiB: the receive
 * clear skb alone, which TLS_RX used to allocate, is five pages. KASAN
 * kernels pad every object and keep freed ones, so the bound applies only
 * to ordinary kernels.
 */
TEST(memory_idle_tls)
{
	int n = fi_available() ? 300 : 1000;
	struct meminfo m0, m1, m2;
	long long ulp, ulp_slab, keys, keys_slab;
	struct rlimit rl = { 2 * n + 64, 2 * n + 64 };
	int (*fds)[2] = calloc(n, sizeof(*fds));
	union tls_ci ci;
	socklen_t len;
	int i;

	if (!rf_available())
		SKIP(return, "recframe is not loaded");
	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	len = tls_keys(&ci, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, rf_tcp_pair(AF_INET, fds[i])) TH_LOG("pair %d", i);
	/* Let what earlier tests freed through RCU go first. */
	sleep(1);
	ASSERT_EQ(0, meminfo_read(&m0));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, rf_attach(fds[i][1]));
	ASSERT_EQ(0, meminfo_read(&m1));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, setsockopt(fds[i][1], SOL_TLS, TLS_TX, &ci, len));
		ASSERT_EQ(0, setsockopt(fds[i][1], SOL_TLS, TLS_RX, &ci, len));
	}
	ASSERT_EQ(0, meminfo_read(&m2));
	mem_delta(&m0, &m1, n, &ulp, &ulp_slab);
	mem_delta(&m0, &m2, n, &keys, &keys_slab);
	note("faults: memory per idle socket over %d connections: attached %lld B (slab %lld B), with TLS_TX and TLS_RX %lld B (slab %lld B)\n",
	     n, ulp, ulp_slab, keys, keys_slab);
	if (!fi_available())
		EXPECT_GT(16384, keys);
	for (i = 0; i < n; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	free(fds);
}

/*
 * The clear skb comes with the first record that needs it (a partial
 * read), goes after a run of records read whole into the user's buffer,
 * and comes back when needed again: records stay intact throughout.
 */
TEST(memory_clear_cycle)
{
	const size_t rec = 3000;
	struct recframe_info ri;
	uint8_t *in = malloc(rec);
	socklen_t len;
	int fds[2], i, round;

	if (!rf_available())
		SKIP(return, "recframe is not loaded");
	ASSERT_EQ(0, pair_attached(fds));
	ASSERT_EQ(0, pair_config(fds, MODE_TLS, TLS_1_3_VERSION,
				 TLS_CIPHER_AES_GCM_128));
	for (round = 0; round < 3; round++) {
		uint8_t *out = pattern(rec, round);

		/* A part of a record: through the clear skb. */
		ASSERT_EQ(0, send_all(fds[0], out, rec, WAIT_MS));
		ASSERT_EQ(100, recv_exact(fds[1], in, 100, WAIT_MS));
		ASSERT_EQ((ssize_t)(rec - 100),
			  recv_exact(fds[1], in + 100, rec - 100, WAIT_MS));
		ASSERT_EQ(0, memcmp(in, out, rec)) TH_LOG("round %d", round);
		free(out);
		/* Enough whole records for the clear skb to be given back. */
		for (i = 0; i < 80; i++) {
			out = pattern(rec, 1000 * round + i);
			ASSERT_EQ(0, send_all(fds[0], out, rec, WAIT_MS));
			ASSERT_EQ((ssize_t)rec, recv_exact(fds[1], in, rec, WAIT_MS));
			ASSERT_EQ(0, memcmp(in, out, rec)) TH_LOG("round %d, %d", round, i);
			free(out);
		}
	}
	len = sizeof(ri);
	ASSERT_EQ(0, getsockopt(fds[1], SOL_RECFRAME, RECFRAME_INFO, &ri, &len));
	EXPECT_EQ(3, ri.tls_rx_clear);
	EXPECT_EQ(240, ri.tls_rx_zerocopy);
	note("faults: clear skb taken and given back 3 times: %llu records through it, %llu straight to the user\n",
	     (unsigned long long)ri.tls_rx_clear,
	     (unsigned long long)ri.tls_rx_zerocopy);
	close(fds[0]);
	close(fds[1]);
	free(in);
}

TEST_HARNESS_MAIN
