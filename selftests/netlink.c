// SPDX-License-Identifier: GPL-2.0
/*
 * The recframe generic netlink family and the recframe(8) CLI: every
 * command over raw netlink and through the CLI, permissions, strict
 * validation, large, concurrent and changing dumps, network namespaces,
 * events and operator aborts.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tls.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define RF_CLI		"/usr/bin/recframe"
#define NL_TIMEOUT_S	10
#define NL_RXBUF	32768

/* ---------------------------------------------------- raw netlink --- */

struct nlsock {
	int		fd;
	uint32_t	seq;
	uint16_t	family;		/* the family's id */
	uint32_t	events;		/* the "events" group's id */
};

/* What a request got back. */
struct nlres {
	int		err;		/* 0 or the negative errno */
	char		msg[256];	/* extended ACK message */
	int		miss_type;	/* missing attribute, or -1 */
	unsigned int	nrecv;		/* recv() calls with data */
	unsigned int	nmsg;		/* data messages */
	bool		intr;		/* NLM_F_DUMP_INTR seen */
	bool		done;
};

typedef void (*nl_cb_t)(struct nlattr **tb, void *arg);

static void req_u8(struct rf_nlreq *r, uint16_t type, uint8_t v)
{
	rf_nlreq_put(r, type, &v, sizeof(v));
}

static void req_u16(struct rf_nlreq *r, uint16_t type, uint16_t v)
{
	rf_nlreq_put(r, type, &v, sizeof(v));
}

static void req_u32(struct rf_nlreq *r, uint16_t type, uint32_t v)
{
	rf_nlreq_put(r, type, &v, sizeof(v));
}

static void req_u64(struct rf_nlreq *r, uint16_t type, uint64_t v)
{
	rf_nlreq_put(r, type, &v, sizeof(v));
}

static void parse_attrs(const void *data, int len, struct nlattr **tb,
			int max)
{
	const struct nlattr *a = data;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		int type = a->nla_type & NLA_TYPE_MASK;

		if (type <= max)
			tb[type] = (struct nlattr *)a;
		len -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

static void *nla_data_p(const struct nlattr *a)
{
	return (char *)a + NLA_HDRLEN;
}

static int nla_len_p(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static uint64_t nla_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (a)
		memcpy(&v, nla_data_p(a), nla_len_p(a) < 8 ? nla_len_p(a) : 8);
	return v;
}

/* Little endian hosts only read the low bytes; fine for these tests. */
#define nla_uint(a) nla_u64(a)

static int nl_send(struct nlsock *s, struct rf_nlreq *r)
{
	r->n.nlmsg_seq = ++s->seq;
	return send(s->fd, r, r->n.nlmsg_len, 0) == (ssize_t)r->n.nlmsg_len ?
	       0 : -errno;
}

static void nl_parse_error(const struct nlmsghdr *n, struct nlres *res)
{
	const struct nlmsgerr *e = NLMSG_DATA(n);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int len;

	res->err = e->error;
	res->done = true;
	if (!(n->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(n->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)n->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return;
	parse_attrs((const char *)e + off, len, tb, NLMSGERR_ATTR_MAX);
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(res->msg, sizeof(res->msg), "%.*s",
			 nla_len_p(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data_p(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		res->miss_type = (int)nla_uint(tb[NLMSGERR_ATTR_MISS_TYPE]);
}

/* Walk the messages of one received datagram. */
static void nl_process(char *buf, int len, struct nlres *res, nl_cb_t cb,
		       void *arg, int maxattr)
{
	struct nlmsghdr *n;

	for (n = (void *)buf; NLMSG_OK(n, (unsigned int)len);
	     n = NLMSG_NEXT(n, len)) {
		if (n->nlmsg_flags & NLM_F_DUMP_INTR)
			res->intr = true;
		if (n->nlmsg_type == NLMSG_DONE) {
			res->done = true;
		} else if (n->nlmsg_type == NLMSG_ERROR) {
			nl_parse_error(n, res);
		} else {
			struct nlattr *tb[64];

			res->nmsg++;
			parse_attrs((char *)NLMSG_DATA(n) + GENL_HDRLEN,
				    n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),
				    tb, maxattr);
			if (cb)
				cb(tb, arg);
		}
	}
}

/* One recv(); false on timeout or error. */
static bool nl_recv_once(struct nlsock *s, struct nlres *res, nl_cb_t cb,
			 void *arg, int maxattr)
{
	static char buf[NL_RXBUF];
	int len;

	len = recv(s->fd, buf, sizeof(buf), 0);
	if (len <= 0) {
		res->err = len < 0 ? -errno : -EPIPE;
		res->done = true;
		return false;
	}
	res->nrecv++;
	nl_process(buf, len, res, cb, arg, maxattr);
	return true;
}

static int nl_xact_max(struct nlsock *s, struct rf_nlreq *r, nl_cb_t cb,
		       void *arg, struct nlres *res, int maxattr)
{
	memset(res, 0, sizeof(*res));
	res->miss_type = -1;
	res->err = nl_send(s, r);
	if (res->err)
		return res->err;
	while (!res->done && nl_recv_once(s, res, cb, arg, maxattr))
		;
	return res->err;
}

static int nl_xact(struct nlsock *s, struct rf_nlreq *r, nl_cb_t cb, void *arg,
		   struct nlres *res)
{
	return nl_xact_max(s, r, cb, arg, res, RECFRAME_A_MAX);
}

struct ctrl_info {
	uint16_t	id;
	uint32_t	events;
};

static void ctrl_cb(struct nlattr **tb, void *arg)
{
	struct ctrl_info *ci = arg;
	struct nlattr *grp;
	int rem;

	if (tb[CTRL_ATTR_FAMILY_ID])
		ci->id = nla_uint(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return;
	rem = nla_len_p(tb[CTRL_ATTR_MCAST_GROUPS]);
	grp = nla_data_p(tb[CTRL_ATTR_MCAST_GROUPS]);
	while (rem >= NLA_HDRLEN && grp->nla_len >= NLA_HDRLEN) {
		struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1];

		parse_attrs(nla_data_p(grp), nla_len_p(grp), g,
			    CTRL_ATTR_MCAST_GRP_MAX);
		if (g[CTRL_ATTR_MCAST_GRP_NAME] && g[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(nla_data_p(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    RECFRAME_GENL_MCGRP_EVENTS))
			ci->events = nla_uint(g[CTRL_ATTR_MCAST_GRP_ID]);
		rem -= NLA_ALIGN(grp->nla_len);
		grp = (void *)((char *)grp + NLA_ALIGN(grp->nla_len));
	}
}

/* A generic netlink socket with the recframe family resolved. */
static int nl_open(struct nlsock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	struct ctrl_info ci = { 0 };
	struct nlres res;
	struct rf_nlreq r;
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;

	rf_nlreq_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	r.g.version = 1;
	rf_nlreq_put(&r, CTRL_ATTR_FAMILY_NAME, RECFRAME_GENL_NAME,
		     sizeof(RECFRAME_GENL_NAME));
	if (nl_xact_max(s, &r, ctrl_cb, &ci, &res, CTRL_ATTR_MAX))
		return res.err;
	s->family = ci.id;
	s->events = ci.events;
	return s->family ? 0 : -ENOENT;
}

static void nl_close(struct nlsock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* A request with no attributes; returns the errno as negative. */
static int nl_simple(struct nlsock *s, uint8_t cmd, nl_cb_t cb, void *arg,
		     struct nlres *res)
{
	struct rf_nlreq r;

	rf_nlreq_init(&r, s->family, cmd, 0);
	return nl_xact(s, &r, cb, arg, res);
}

static int nl_join_events(struct nlsock *s)
{
	return setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			  &s->events, sizeof(s->events)) ? -errno : 0;
}

/* ------------------------------------------------------- replies --- */

struct sock_info {
	uint64_t	cookie;
	uint8_t		family;
	uint16_t	sport;
	uint16_t	dport;
	uint8_t		tcp_state;
	uint8_t		mode;
	uint8_t		tx_mode;
	uint8_t		format;
	uint32_t	max_record;
	uint8_t		rx_header;
	uint32_t	state;
	uint32_t	rx_error;
	uint32_t	rx_queued;
	uint64_t	rx_records;
	uint64_t	tx_records;
	bool		has_tls_attrs;
	uint16_t	tls_version;
	uint16_t	tls_cipher;
	uint64_t	tls_rx_records;
	int		nstats;
};

static void sock_info_cb(struct nlattr **tb, void *arg)
{
	struct sock_info *si = arg;

	memset(si, 0, sizeof(*si));
	si->cookie = nla_u64(tb[RECFRAME_A_COOKIE]);
	si->family = nla_uint(tb[RECFRAME_A_FAMILY]);
	si->sport = nla_uint(tb[RECFRAME_A_SPORT]);
	si->dport = nla_uint(tb[RECFRAME_A_DPORT]);
	si->tcp_state = nla_uint(tb[RECFRAME_A_TCP_STATE]);
	si->mode = nla_uint(tb[RECFRAME_A_MODE]);
	si->tx_mode = nla_uint(tb[RECFRAME_A_TX_MODE]);
	si->max_record = nla_uint(tb[RECFRAME_A_MAX_RECORD]);
	si->rx_header = nla_uint(tb[RECFRAME_A_RX_HEADER]);
	si->state = nla_uint(tb[RECFRAME_A_STATE]);
	si->rx_error = nla_uint(tb[RECFRAME_A_RX_ERROR]);
	si->rx_queued = nla_uint(tb[RECFRAME_A_RX_QUEUED]);
	si->has_tls_attrs = tb[RECFRAME_A_TLS_VERSION] &&
			    tb[RECFRAME_A_TLS_CIPHER];
	si->tls_version = nla_uint(tb[RECFRAME_A_TLS_VERSION]);
	si->tls_cipher = nla_uint(tb[RECFRAME_A_TLS_CIPHER]);
	if (tb[RECFRAME_A_FRAMING]) {
		struct nlattr *fb[RECFRAME_FRAMING_A_MAX + 1];

		parse_attrs(nla_data_p(tb[RECFRAME_A_FRAMING]),
			    nla_len_p(tb[RECFRAME_A_FRAMING]), fb,
			    RECFRAME_FRAMING_A_MAX);
		si->format = nla_uint(fb[RECFRAME_FRAMING_A_FORMAT]);
	}
	if (tb[RECFRAME_A_STATS]) {
		struct nlattr *st[RECFRAME_STAT_A_MAX + 1];
		int i;

		parse_attrs(nla_data_p(tb[RECFRAME_A_STATS]),
			    nla_len_p(tb[RECFRAME_A_STATS]), st,
			    RECFRAME_STAT_A_MAX);
		si->rx_records = nla_u64(st[RECFRAME_STAT_A_RX_RECORDS]);
		si->tx_records = nla_u64(st[RECFRAME_STAT_A_TX_RECORDS]);
		si->tls_rx_records =
			nla_u64(st[RECFRAME_STAT_A_TLS_RX_RECORDS]);
		for (i = 0; i <= RECFRAME_STAT_A_MAX; i++)
			si->nstats += !!st[i];
	}
}

static int sock_get(struct nlsock *s, uint64_t cookie, struct sock_info *si,
		    struct nlres *res)
{
	struct rf_nlreq r;

	memset(si, 0, sizeof(*si));
	rf_nlreq_init(&r, s->family, RECFRAME_CMD_SOCK_GET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, cookie);
	return nl_xact(s, &r, sock_info_cb, si, res);
}

struct stats {
	uint64_t	v[RECFRAME_STAT_A_MAX + 1];
	int		n;
};

static void stats_cb(struct nlattr **tb, void *arg)
{
	struct nlattr *st[RECFRAME_STAT_A_MAX + 1];
	struct stats *s = arg;
	int i;

	memset(s, 0, sizeof(*s));
	if (!tb[RECFRAME_A_STATS])
		return;
	parse_attrs(nla_data_p(tb[RECFRAME_A_STATS]),
		    nla_len_p(tb[RECFRAME_A_STATS]), st, RECFRAME_STAT_A_MAX);
	for (i = 0; i <= RECFRAME_STAT_A_MAX; i++) {
		if (!st[i])
			continue;
		s->v[i] = nla_u64(st[i]);
		s->n++;
	}
}

struct config {
	uint32_t	def;
	uint32_t	limit;
	uint8_t		unpriv;
};

static void config_cb(struct nlattr **tb, void *arg)
{
	struct config *c = arg;

	c->def = nla_uint(tb[RECFRAME_A_CFG_DEFAULT_MAX_RECORD]);
	c->limit = nla_uint(tb[RECFRAME_A_CFG_RECORD_LIMIT]);
	c->unpriv = nla_uint(tb[RECFRAME_A_CFG_UNPRIV_ATTACH]);
}

static int config_set(struct nlsock *s, long def, long limit, int unpriv,
		      struct nlres *res)
{
	struct rf_nlreq r;

	rf_nlreq_init(&r, s->family, RECFRAME_CMD_CONFIG_SET, 0);
	if (def >= 0)
		req_u32(&r, RECFRAME_A_CFG_DEFAULT_MAX_RECORD, def);
	if (limit >= 0)
		req_u32(&r, RECFRAME_A_CFG_RECORD_LIMIT, limit);
	if (unpriv >= 0)
		req_u8(&r, RECFRAME_A_CFG_UNPRIV_ATTACH, unpriv);
	return nl_xact(s, &r, NULL, NULL, res);
}

/* Back to the defaults, whatever a failed test left behind. */
static void config_restore(void)
{
	struct nlsock s;
	struct nlres res;

	if (nl_open(&s))
		return;
	config_set(&s, 16384, RECFRAME_RECORD_LIMIT, 1, &res);
	nl_close(&s);
}

/* A growing list of cookies, from dumps. */
struct cookies {
	uint64_t	*v;
	size_t		n;
	size_t		cap;
	uint64_t	last[2];	/* the two most recent, last[0] newest */
};

static void cookies_add(struct cookies *c, uint64_t v)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			abort();
	}
	c->v[c->n++] = v;
	c->last[1] = c->last[0];
	c->last[0] = v;
}

static void cookies_cb(struct nlattr **tb, void *arg)
{
	cookies_add(arg, nla_u64(tb[RECFRAME_A_COOKIE]));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts; returns the number of duplicates. */
static size_t cookies_dups(struct cookies *c)
{
	size_t i, d = 0;

	qsort(c->v, c->n, sizeof(*c->v), cmp_u64);
	for (i = 1; i < c->n; i++)
		d += c->v[i] == c->v[i - 1];
	return d;
}

/* After cookies_dups(). */
static bool cookies_has(const struct cookies *c, uint64_t v)
{
	return bsearch(&v, c->v, c->n, sizeof(v), cmp_u64) != NULL;
}

static void dump_req(struct nlsock *s, struct rf_nlreq *r)
{
	rf_nlreq_init(r, s->family, RECFRAME_CMD_SOCK_GET, NLM_F_DUMP);
}

static int dump_cookies(struct nlsock *s, struct rf_nlreq *r, struct cookies *c,
			struct nlres *res)
{
	return nl_xact(s, r, cookies_cb, c, res);
}

/* --------------------------------------------------------- sockets --- */

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Plaintext TLS-format records of at most 16384 bytes. */
static int set_tls_framing(int fd)
{
	struct recframe_framing f = { .format = RECFRAME_FORMAT_TLS };

	return rf_set_framing(fd, &f);
}

/* TLS 1.3 with AES-128-GCM, zero keys: records the kernel encrypts. */
static int set_tls(int fd)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	rf_gcm128_keys(&ci, TLS_1_3_VERSION, 0, 0, 0);
	return rf_set_tls_keys(fd, &ci, sizeof(ci));
}

/*
 * A connected pair, both ends attached and framing records unless told
 * otherwise (the server stays plain TCP).
 */
static int attached_pair(int family, int fds[2], bool attach_server)
{
	if (rf_tcp_pair(family, fds))
		return -1;
	rf_set_timeouts(fds[0], NL_TIMEOUT_S * 1000);
	rf_set_timeouts(fds[1], NL_TIMEOUT_S * 1000);
	if (rf_attach(fds[0]) || set_tls_framing(fds[0]))
		return -1;
	if (attach_server && (rf_attach(fds[1]) || set_tls_framing(fds[1])))
		return -1;
	return 0;
}

static bool raise_nofile(rlim_t n)
{
	struct rlimit rl = { .rlim_cur = n, .rlim_max = n };

	return !setrlimit(RLIMIT_NOFILE, &rl);
}

/* Wait for @pid, at most @secs seconds; its exit status or -1. */
static int wait_child(pid_t pid, int secs)
{
	int i, st;

	for (i = 0; i < secs * 20; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r < 0)
			return -1;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* -------------------------------------------------------------- JSON --- */

/* A strict JSON parser that only says whether the text is JSON. */
struct js {
	const char	*p;
	int		depth;
};

static bool js_value(struct js *j);

static void js_ws(struct js *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
	       *j->p == '\r')
		j->p++;
}

static bool js_lit(struct js *j, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

static bool js_string(struct js *j)
{
	int i;

	if (*j->p++ != '"')
		return false;
	while (*j->p != '"') {
		unsigned char c = *j->p;

		if (!c || c < 0x20)
			return false;
		if (c == '\\') {
			j->p++;
			if (*j->p == 'u') {
				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)j->p[i]))
						return false;
				j->p += 4;
			} else if (!*j->p || !strchr("\"\\/bfnrt", *j->p)) {
				return false;
			}
		}
		j->p++;
	}
	j->p++;
	return true;
}

static bool js_digits(struct js *j)
{
	if (!isdigit((unsigned char)*j->p))
		return false;
	while (isdigit((unsigned char)*j->p))
		j->p++;
	return true;
}

static bool js_number(struct js *j)
{
	if (*j->p == '-')
		j->p++;
	if (*j->p == '0')
		j->p++;
	else if (!js_digits(j))
		return false;
	if (*j->p == '.') {
		j->p++;
		if (!js_digits(j))
			return false;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (!js_digits(j))
			return false;
	}
	return true;
}

static bool js_members(struct js *j, char close, bool object)
{
	j->p++;
	js_ws(j);
	if (*j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		js_ws(j);
		if (object) {
			if (!js_string(j))
				return false;
			js_ws(j);
			if (*j->p++ != ':')
				return false;
		}
		if (!js_value(j))
			return false;
		js_ws(j);
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool js_value(struct js *j)
{
	bool ok;

	js_ws(j);
	if (++j->depth > 64)
		return false;
	switch (*j->p) {
	case '{':
		ok = js_members(j, '}', true);
		break;
	case '[':
		ok = js_members(j, ']', false);
		break;
	case '"':
		ok = js_string(j);
		break;
	case 't':
		ok = js_lit(j, "true");
		break;
	case 'f':
		ok = js_lit(j, "false");
		break;
	case 'n':
		ok = js_lit(j, "null");
		break;
	default:
		ok = js_number(j);
	}
	j->depth--;
	return ok;
}

/* Exactly one JSON document, nothing else but white space. */
static bool json_valid(const char *s)
{
	struct js j = { .p = s };

	if (!js_value(&j))
		return false;
	js_ws(&j);
	return *j.p == '\0';
}

/* "key":number somewhere in @s. */
static bool json_has_u64(const char *s, const char *key, uint64_t v)
{
	char pat[96];

	snprintf(pat, sizeof(pat), "\"%s\":%llu", key, (unsigned long long)v);
	if (strstr(s, pat))
		return true;
	snprintf(pat, sizeof(pat), "\"%s\": %llu", key, (unsigned long long)v);
	return strstr(s, pat) != NULL;
}

/* --------------------------------------------------------------- CLI --- */

static char cli_out[1 << 20];
static char cli_err[4096];

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	unlink(path);
}

/* Run the CLI with @fmt's arguments; its exit status, output in cli_*. */
static int cli(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int cli(const char *fmt, ...)
{
	char args[512], cmd[1024], out[64], err[64];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(out, sizeof(out), "/tmp/rf_cli.%d.out", getpid());
	snprintf(err, sizeof(err), "/tmp/rf_cli.%d.err", getpid());
	snprintf(cmd, sizeof(cmd), "timeout 60 %s %s >%s 2>%s", RF_CLI, args,
		 out, err);
	st = system(cmd);
	slurp(out, cli_out, sizeof(cli_out));
	slurp(err, cli_err, sizeof(cli_err));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool cli_present(void)
{
	return !access(RF_CLI, X_OK);
}

/* Print @text as TAP comments, line by line. */
static void show_output(const char *title, const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;

	ksft_print_msg("%s\n", title);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		ksft_print_msg("  %s\n", line);
	free(copy);
	/* The harness ends the test with _exit(): nothing may stay buffered. */
	fflush(stdout);
}

/* ------------------------------------------------------------ fixture --- */

FIXTURE(nl)
{
	struct nlsock	s;
	int		fds[2];
	uint64_t	cookie[2];
};

FIXTURE_SETUP(nl)
{
	self->s.fd = -1;
	self->fds[0] = self->fds[1] = -1;
	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	ASSERT_EQ(0, nl_open(&self->s));
	ASSERT_EQ(0, attached_pair(AF_INET, self->fds, true));
	self->cookie[0] = rf_sock_cookie(self->fds[0]);
	self->cookie[1] = rf_sock_cookie(self->fds[1]);
	ASSERT_NE(0, self->cookie[0]);
	ASSERT_NE(0, self->cookie[1]);
}

FIXTURE_TEARDOWN(nl)
{
	if (self->fds[0] >= 0)
		close(self->fds[0]);
	if (self->fds[1] >= 0)
		close(self->fds[1]);
	nl_close(&self->s);
	config_restore();
}

/* ------------------------------------------------------------ commands --- */

TEST_F(nl, family_and_group)
{
	EXPECT_NE(0, self->s.family);
	EXPECT_NE(0, self->s.events);
}

TEST_F(nl, stats_get)
{
	struct stats st;
	struct nlres res;

	ASSERT_EQ(0, nl_simple(&self->s, RECFRAME_CMD_STATS_GET, stats_cb,
			       &st, &res));
	EXPECT_EQ(RECFRAME_STAT_A_MAX - 1, st.n);	/* all but PAD */
	EXPECT_LE(2, st.v[RECFRAME_STAT_A_CURR_SOCKETS]);
}

TEST_F(nl, stats_reset)
{
	char buf[16];
	struct stats st;
	struct nlres res;

	ASSERT_EQ(5, send(self->fds[0], "hello", 5, 0));
	ASSERT_EQ(5, recv(self->fds[1], buf, sizeof(buf), 0));
	ASSERT_EQ(0, nl_simple(&self->s, RECFRAME_CMD_STATS_GET, stats_cb,
			       &st, &res));
	EXPECT_LE(1, st.v[RECFRAME_STAT_A_RX_RECORDS]);
	EXPECT_LE(1, st.v[RECFRAME_STAT_A_TX_RECORDS]);

	ASSERT_EQ(0, nl_simple(&self->s, RECFRAME_CMD_STATS_RESET, NULL, NULL,
			       &res));
	ASSERT_EQ(0, nl_simple(&self->s, RECFRAME_CMD_STATS_GET, stats_cb,
			       &st, &res));
	EXPECT_EQ(0, st.v[RECFRAME_STAT_A_RX_RECORDS]);
	EXPECT_EQ(0, st.v[RECFRAME_STAT_A_TX_BYTES]);
	/* The gauge survives. */
	EXPECT_LE(2, st.v[RECFRAME_STAT_A_CURR_SOCKETS]);
}

TEST_F(nl, sock_get_by_cookie)
{
	struct sock_info si;
	struct nlres res;
	char buf[16];

	ASSERT_EQ(3, send(self->fds[0], "abc", 3, 0));
	ASSERT_EQ(3, recv(self->fds[1], buf, sizeof(buf), 0));
	ASSERT_EQ(0, sock_get(&self->s, self->cookie[0], &si, &res));
	EXPECT_EQ(1, res.nmsg);
	EXPECT_EQ(self->cookie[0], si.cookie);
	EXPECT_EQ(AF_INET, si.family);
	EXPECT_EQ(local_port(self->fds[0]), si.sport);
	EXPECT_EQ(local_port(self->fds[1]), si.dport);
	EXPECT_EQ(1 /* TCP_ESTABLISHED */, si.tcp_state);
	EXPECT_EQ(RECFRAME_MODE_FRAMING, si.mode);
	EXPECT_EQ(RECFRAME_MODE_FRAMING, si.tx_mode);
	EXPECT_EQ(RECFRAME_FORMAT_TLS, si.format);
	EXPECT_EQ(16384, si.max_record);
	EXPECT_EQ(0, si.rx_header);
	EXPECT_EQ(0, si.rx_error);
	EXPECT_TRUE(si.has_tls_attrs);
	EXPECT_EQ(1, si.tx_records);
	/* Every counter but the namespace's gauge. */
	EXPECT_EQ(RECFRAME_STAT_A_MAX - 2, si.nstats);

	ASSERT_EQ(0, sock_get(&self->s, self->cookie[1], &si, &res));
	EXPECT_EQ(1, si.rx_records);

	/* Attached, nothing configured yet: plain TCP. */
	{
		int fds[2];

		ASSERT_EQ(0, rf_tcp_pair(AF_INET6, fds));
		ASSERT_EQ(0, rf_attach(fds[0]));
		ASSERT_EQ(0, sock_get(&self->s, rf_sock_cookie(fds[0]), &si,
				      &res));
		EXPECT_EQ(AF_INET6, si.family);
		EXPECT_EQ(RECFRAME_MODE_NONE, si.mode);
		EXPECT_EQ(RECFRAME_MODE_NONE, si.tx_mode);
		close(fds[0]);
		close(fds[1]);
	}
}

TEST_F(nl, sock_get_tls)
{
	struct sock_info si;
	struct nlres res;
	char buf[16];
	int fds[2];

	ASSERT_EQ(0, rf_tcp_pair(AF_INET, fds));
	rf_set_timeouts(fds[1], NL_TIMEOUT_S * 1000);
	ASSERT_EQ(0, rf_attach(fds[0]));
	ASSERT_EQ(0, rf_attach(fds[1]));
	if (set_tls(fds[0]) || set_tls(fds[1])) {
		close(fds[0]);
		close(fds[1]);
		SKIP(return, "TLS mode unavailable: %s", strerror(errno));
	}
	ASSERT_EQ(4, send(fds[0], "tls!", 4, 0));
	ASSERT_EQ(4, recv(fds[1], buf, sizeof(buf), 0));
	ASSERT_EQ(0, sock_get(&self->s, rf_sock_cookie(fds[1]), &si, &res));
	EXPECT_EQ(RECFRAME_MODE_TLS, si.mode);
	EXPECT_EQ(RECFRAME_MODE_TLS, si.tx_mode);
	EXPECT_EQ(TLS_1_3_VERSION, si.tls_version);
	EXPECT_EQ(TLS_CIPHER_AES_GCM_128, si.tls_cipher);
	EXPECT_EQ(1, si.tls_rx_records);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(nl, sock_get_unknown_cookie_enoent)
{
	struct sock_info si;
	struct nlres res;

	EXPECT_EQ(-ENOENT, sock_get(&self->s, ~0ULL, &si, &res));
	EXPECT_NE(0, res.msg[0]);
	TH_LOG("extack: %s", res.msg);
	/* A socket that exists but is not recframe's. */
	{
		int fds[2];

		ASSERT_EQ(0, rf_tcp_pair(AF_INET, fds));
		EXPECT_EQ(-ENOENT, sock_get(&self->s, rf_sock_cookie(fds[0]),
					    &si, &res));
		close(fds[0]);
		close(fds[1]);
	}
}

TEST_F(nl, sock_dump_filters)
{
	int v6[2], plain[2];
	struct cookies c = { 0 };
	struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;
	struct in_addr lo4 = { htonl(INADDR_LOOPBACK) };
	struct nlres res;
	struct rf_nlreq r;

	ASSERT_EQ(0, attached_pair(AF_INET6, v6, true));
	ASSERT_EQ(0, rf_tcp_pair(AF_INET, plain));

	/* Everything: both pairs, not the plain TCP one. */
	dump_req(&self->s, &r);
	ASSERT_EQ(0, dump_cookies(&self->s, &r, &c, &res));
	EXPECT_EQ(0, cookies_dups(&c));
	EXPECT_TRUE(cookies_has(&c, self->cookie[0]));
	EXPECT_TRUE(cookies_has(&c, self->cookie[1]));
	EXPECT_TRUE(cookies_has(&c, rf_sock_cookie(v6[0])));
	EXPECT_FALSE(cookies_has(&c, rf_sock_cookie(plain[0])));

	/* By cookie. */
	c.n = 0;
	dump_req(&self->s, &r);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[1]);
	ASSERT_EQ(0, dump_cookies(&self->s, &r, &c, &res));
	ASSERT_EQ(1, c.n);
	EXPECT_EQ(self->cookie[1], c.v[0]);

	/* By port: the server's port is one end of both sockets. */
	c.n = 0;
	dump_req(&self->s, &r);
	req_u16(&r, RECFRAME_A_FILTER_PORT, local_port(self->fds[1]));
	ASSERT_EQ(0, dump_cookies(&self->s, &r, &c, &res));
	EXPECT_EQ(2, c.n);

	/* By address: IPv4 loopback matches the IPv4 pair only. */
	c.n = 0;
	dump_req(&self->s, &r);
	rf_nlreq_put(&r, RECFRAME_A_FILTER_ADDR, &lo4, sizeof(lo4));
	ASSERT_EQ(0, dump_cookies(&self->s, &r, &c, &res));
	cookies_dups(&c);
	EXPECT_TRUE(cookies_has(&c, self->cookie[0]));
	EXPECT_FALSE(cookies_has(&c, rf_sock_cookie(v6[0])));

	c.n = 0;
	dump_req(&self->s, &r);
	rf_nlreq_put(&r, RECFRAME_A_FILTER_ADDR, &lo6, sizeof(lo6));
	req_u16(&r, RECFRAME_A_FILTER_PORT, local_port(v6[0]));
	ASSERT_EQ(0, dump_cookies(&self->s, &r, &c, &res));
	cookies_dups(&c);
	EXPECT_EQ(2, c.n);
	EXPECT_TRUE(cookies_has(&c, rf_sock_cookie(v6[0])));
	EXPECT_TRUE(cookies_has(&c, rf_sock_cookie(v6[1])));

	free(c.v);
	close(v6[0]);
	close(v6[1]);
	close(plain[0]);
	close(plain[1]);
}

/*
 * Raising max_record while a record is being built moves the record to a
 * larger fragment array; it must come out whole (this once oopsed).
 */
TEST_F(nl, sock_set_with_open_record)
{
	char out[3000], in[4000];
	struct nlres res;
	struct rf_nlreq r;
	int flags;

	memset(out, 'r', sizeof(out));
	ASSERT_EQ(1000, send(self->fds[0], out, 1000, MSG_MORE));
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_SET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	req_u32(&r, RECFRAME_A_MAX_RECORD, 65535);
	ASSERT_EQ(0, nl_xact(&self->s, &r, NULL, NULL, &res));
	ASSERT_EQ(2000, send(self->fds[0], out, 2000, 0));
	{
		struct iovec iov = { in, sizeof(in) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		ASSERT_EQ(3000, recvmsg(self->fds[1], &m, 0));
		flags = m.msg_flags;
	}
	EXPECT_TRUE(flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(out, in, 1000));
}

TEST_F(nl, sock_set)
{
	struct sock_info si;
	struct nlres res;
	struct rf_nlreq r;
	int val = 0;
	socklen_t len = sizeof(val);

	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_SET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	req_u32(&r, RECFRAME_A_MAX_RECORD, 4096);
	req_u8(&r, RECFRAME_A_RX_HEADER, 1);
	ASSERT_EQ(0, nl_xact(&self->s, &r, NULL, NULL, &res));
	ASSERT_EQ(0, sock_get(&self->s, self->cookie[0], &si, &res));
	EXPECT_EQ(4096, si.max_record);
	EXPECT_EQ(1, si.rx_header);
	ASSERT_EQ(0, getsockopt(self->fds[0], SOL_RECFRAME, RECFRAME_RX_HEADER,
				&val, &len));
	EXPECT_EQ(1, val);

	/* The new limit holds for sends. */
	{
		static char big[8192];

		EXPECT_EQ(-1, send(self->fds[0], big, sizeof(big), 0));
		EXPECT_EQ(EMSGSIZE, errno);
	}

	/* Above what the TLS length field can carry. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_SET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	req_u32(&r, RECFRAME_A_MAX_RECORD, 70000);
	EXPECT_EQ(-EINVAL, nl_xact(&self->s, &r, NULL, NULL, &res));
	EXPECT_NE(0, res.msg[0]);
	TH_LOG("extack: %s", res.msg);

	/* Nothing to set. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_SET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	EXPECT_EQ(-EINVAL, nl_xact(&self->s, &r, NULL, NULL, &res));
	EXPECT_NE(0, res.msg[0]);

	/* Unknown cookie. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_SET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, ~0ULL);
	req_u8(&r, RECFRAME_A_RX_HEADER, 0);
	EXPECT_EQ(-ENOENT, nl_xact(&self->s, &r, NULL, NULL, &res));
	EXPECT_NE(0, res.msg[0]);
}

TEST_F(nl, config_get_set)
{
	struct config orig = { 0 }, now = { 0 };
	struct sock_info si;
	struct nlres res;
	int fds[2];

	ASSERT_EQ(0, nl_simple(&self->s, RECFRAME_CMD_CONFIG_GET, config_cb,
			       &orig, &res));
	EXPECT_EQ(16384, orig.def);
	EXPECT_EQ(RECFRAME_RECORD_LIMIT, orig.limit);
	EXPECT_EQ(1, orig.unpriv);

	ASSERT_EQ(0, config_set(&self->s, 8192, -1, -1, &res));
	ASSERT_EQ(0, nl_simple(&self->s, RECFRAME_CMD_CONFIG_GET, config_cb,
			       &now, &res));
	EXPECT_EQ(8192, now.def);
	ASSERT_EQ(0, rf_tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, rf_attach(fds[0]));
	ASSERT_EQ(0, sock_get(&self->s, rf_sock_cookie(fds[0]), &si, &res));
	EXPECT_EQ(8192, si.max_record);
	close(fds[0]);
	close(fds[1]);

	/* The default may not exceed the limit. */
	EXPECT_EQ(-EINVAL, config_set(&self->s, -1, 4096, -1, &res));
	EXPECT_NE(0, res.msg[0]);
	TH_LOG("extack: %s", res.msg);
	EXPECT_EQ(-EINVAL, config_set(&self->s, 65535, 60000, -1, &res));
	/* Nothing to set. */
	EXPECT_EQ(-EINVAL, config_set(&self->s, -1, -1, -1, &res));

	/* A lower limit bounds socket changes. */
	ASSERT_EQ(0, config_set(&self->s, 4096, 4096, -1, &res));
	{
		struct rf_nlreq r;

		rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_SET, 0);
		req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
		req_u32(&r, RECFRAME_A_MAX_RECORD, 8192);
		EXPECT_EQ(-EINVAL, nl_xact(&self->s, &r, NULL, NULL, &res));
	}

	/* unpriv_attach off: attaching needs CAP_NET_ADMIN. */
	ASSERT_EQ(0, config_set(&self->s, -1, -1, 0, &res));
	ASSERT_EQ(0, rf_tcp_pair(AF_INET, fds));
	{
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			if (setuid(65534))
				_exit(2);
			_exit(rf_attach(fds[0]) == -1 && errno == EPERM ? 0 : 1);
		}
		EXPECT_EQ(0, wait_child(pid, 30));
	}
	EXPECT_EQ(0, rf_attach(fds[1]));	/* root still may */
	close(fds[0]);
	close(fds[1]);

	ASSERT_EQ(0, config_set(&self->s, orig.def, orig.limit, orig.unpriv,
				&res));
	ASSERT_EQ(0, nl_simple(&self->s, RECFRAME_CMD_CONFIG_GET, config_cb,
			       &now, &res));
	EXPECT_EQ(orig.def, now.def);
	EXPECT_EQ(orig.limit, now.limit);
	EXPECT_EQ(orig.unpriv, now.unpriv);
}

/* ----------------------------------------------------------- abort --- */

struct blocked_recv {
	int	fd;
	ssize_t	ret;
	int	err;
};

static void *recv_thread(void *arg)
{
	struct blocked_recv *b = arg;
	char buf[64];

	b->ret = recv(b->fd, buf, sizeof(buf), 0);
	b->err = errno;
	return NULL;
}

static int sock_abort(struct nlsock *s, uint64_t cookie, struct nlres *res)
{
	struct rf_nlreq r;

	rf_nlreq_init(&r, s->family, RECFRAME_CMD_SOCK_ABORT, 0);
	req_u64(&r, RECFRAME_A_COOKIE, cookie);
	return nl_xact(s, &r, NULL, NULL, res);
}

static void abort_blocked(struct __test_metadata *_metadata,
			  struct nlsock *s, bool peer_recframe)
{
	struct blocked_recv b = { 0 };
	struct sock_info si;
	struct nlres res;
	pthread_t thr;
	char buf[16];
	int fds[2];

	ASSERT_EQ(0, attached_pair(AF_INET, fds, peer_recframe));
	b.fd = fds[0];
	ASSERT_EQ(0, pthread_create(&thr, NULL, recv_thread, &b));
	usleep(300000);	/* let it block */
	ASSERT_EQ(0, sock_abort(s, rf_sock_cookie(fds[0]), &res));
	pthread_join(thr, NULL);
	EXPECT_EQ(-1, b.ret);
	EXPECT_EQ(ECONNABORTED, b.err);

	/* Future calls fail the same way. */
	EXPECT_EQ(-1, recv(fds[0], buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ECONNABORTED, errno);
	EXPECT_EQ(-1, send(fds[0], "x", 1, MSG_NOSIGNAL));

	/* The peer got a reset. */
	EXPECT_EQ(-1, recv(fds[1], buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);

	/* Aborted sockets stay listed until closed. */
	EXPECT_EQ(0, sock_get(s, rf_sock_cookie(fds[0]), &si, &res));
	close(fds[0]);
	close(fds[1]);
}

TEST_F(nl, abort_blocked_recv_plain_peer)
{
	abort_blocked(_metadata, &self->s, false);
}

TEST_F(nl, abort_blocked_recv_recframe_peer)
{
	abort_blocked(_metadata, &self->s, true);
}

TEST_F(nl, abort_unknown_cookie_enoent)
{
	struct nlres res;
	uint64_t cookie;
	int fds[2];

	EXPECT_EQ(-ENOENT, sock_abort(&self->s, ~0ULL, &res));
	EXPECT_NE(0, res.msg[0]);
	/* A cookie that existed: the socket closed. */
	ASSERT_EQ(0, attached_pair(AF_INET, fds, false));
	cookie = rf_sock_cookie(fds[0]);
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(-ENOENT, sock_abort(&self->s, cookie, &res));
}

/* ------------------------------------------------------- malformed --- */

static int raw_xact(struct nlsock *s, struct rf_nlreq *r, struct nlres *res)
{
	return nl_xact(s, r, NULL, NULL, res);
}

TEST_F(nl, malformed_requests_einval)
{
	struct nlres res;
	struct rf_nlreq r;
	uint32_t small = 7;

	/* Unknown attribute type. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_ABORT, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	req_u32(&r, 200, 1);
	EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);
	TH_LOG("unknown attribute: %s", res.msg);

	/* A known attribute the command does not take. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_ABORT, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	req_u32(&r, RECFRAME_A_MAX_RECORD, 4096);
	EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);
	TH_LOG("attribute not taken: %s", res.msg);

	/* Wrong length: a 4-byte cookie. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_GET, 0);
	rf_nlreq_put(&r, RECFRAME_A_COOKIE, &small, sizeof(small));
	EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);
	TH_LOG("wrong length: %s", res.msg);

	/* Out of range: ERANGE, as the netlink core reports it. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_SET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	req_u8(&r, RECFRAME_A_RX_HEADER, 2);
	EXPECT_EQ(-ERANGE, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);
	TH_LOG("out of range: %s", res.msg);
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_SET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	req_u32(&r, RECFRAME_A_MAX_RECORD, 0);
	EXPECT_EQ(-ERANGE, raw_xact(&self->s, &r, &res));
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_CONFIG_SET, 0);
	req_u32(&r, RECFRAME_A_CFG_RECORD_LIMIT, RECFRAME_RECORD_LIMIT + 1);
	EXPECT_EQ(-ERANGE, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_CONFIG_SET, 0);
	req_u32(&r, RECFRAME_A_CFG_DEFAULT_MAX_RECORD, 65536);
	EXPECT_EQ(-ERANGE, raw_xact(&self->s, &r, &res));
	dump_req(&self->s, &r);
	req_u16(&r, RECFRAME_A_FILTER_PORT, 0);
	EXPECT_EQ(-ERANGE, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);

	/* Oversized: a filter address of 17 bytes, in a dump. */
	{
		char addr[17] = { 0 };

		dump_req(&self->s, &r);
		rf_nlreq_put(&r, RECFRAME_A_FILTER_ADDR, addr, sizeof(addr));
		EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
		EXPECT_NE(0, res.msg[0]);
		TH_LOG("oversized: %s", res.msg);
		dump_req(&self->s, &r);
		rf_nlreq_put(&r, RECFRAME_A_FILTER_ADDR, addr, 5);
		EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
		EXPECT_NE(0, res.msg[0]);
		TH_LOG("5-byte address: %s", res.msg);
	}

	/* Missing required attribute. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_ABORT, 0);
	EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);
	EXPECT_EQ(RECFRAME_A_COOKIE, res.miss_type);
	TH_LOG("missing: %s", res.msg);
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_GET, 0);
	EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
	EXPECT_EQ(RECFRAME_A_COOKIE, res.miss_type);

	/* Filters belong to dumps. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_GET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	req_u16(&r, RECFRAME_A_FILTER_PORT, 80);
	EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);

	/* Trailing bytes after the last attribute. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_SOCK_GET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	r.n.nlmsg_len += 3;
	EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);
	TH_LOG("trailing bytes: %s", res.msg);

	/* Any attribute for a command that takes none. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_STATS_GET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, self->cookie[0]);
	EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);
	TH_LOG("attribute to STATS_GET: %s", res.msg);

	/* Reserved header field. */
	rf_nlreq_init(&r, self->s.family, RECFRAME_CMD_STATS_GET, 0);
	r.g.reserved = 1;
	EXPECT_EQ(-EINVAL, raw_xact(&self->s, &r, &res));
	EXPECT_NE(0, res.msg[0]);
}

TEST_F(nl, unknown_command_eopnotsupp)
{
	struct nlres res;

	EXPECT_EQ(-EOPNOTSUPP, nl_simple(&self->s, 99, NULL, NULL, &res));
	EXPECT_EQ(-EOPNOTSUPP, nl_simple(&self->s, RECFRAME_CMD_UNSPEC, NULL,
					 NULL, &res));
	/* Notifications are not requests. */
	EXPECT_EQ(-EOPNOTSUPP, nl_simple(&self->s, RECFRAME_CMD_EVENT, NULL,
					 NULL, &res));
}

/* ------------------------------------------------------ privileges --- */

/* What an unprivileged user gets; run in a child after setuid(). */
static int unpriv_checks(uint64_t cookie)
{
	struct nlsock s;
	struct nlres res;
	struct stats st;
	struct rf_nlreq r;
	int bad = 0;

	if (nl_open(&s))
		return 100;
	/* Reading is allowed. */
	if (nl_simple(&s, RECFRAME_CMD_STATS_GET, stats_cb, &st, &res))
		bad |= 1;
	if (nl_simple(&s, RECFRAME_CMD_CONFIG_GET, NULL, NULL, &res))
		bad |= 2;
	/* Changing is not. */
	if (nl_simple(&s, RECFRAME_CMD_STATS_RESET, NULL, NULL, &res) != -EPERM)
		bad |= 4;
	rf_nlreq_init(&r, s.family, RECFRAME_CMD_SOCK_SET, 0);
	req_u64(&r, RECFRAME_A_COOKIE, cookie);
	req_u32(&r, RECFRAME_A_MAX_RECORD, 4096);
	if (nl_xact(&s, &r, NULL, NULL, &res) != -EPERM)
		bad |= 8;
	if (sock_abort(&s, cookie, &res) != -EPERM)
		bad |= 16;
	if (config_set(&s, -1, -1, 0, &res) != -EPERM)
		bad |= 32;
	if (nl_join_events(&s) != -EPERM)
		bad |= 64;
	nl_close(&s);
	return bad;
}

TEST_F(nl, unprivileged_eperm)
{
	struct sock_info si;
	struct nlres res;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(101);
		_exit(unpriv_checks(self->cookie[0]));
	}
	EXPECT_EQ(0, wait_child(pid, 60));
	/* Nothing changed. */
	ASSERT_EQ(0, sock_get(&self->s, self->cookie[0], &si, &res));
	EXPECT_EQ(16384, si.max_record);
	EXPECT_EQ(0, si.state & RECFRAME_STATE_RX_ERROR);
}

/* ------------------------------------------------------- namespaces --- */

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ret = ret ?: ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return ret;
}

TEST_F(nl, other_netns_invisible)
{
	int up[2], down[2];
	uint64_t theirs[2];
	struct cookies c = { 0 };
	struct sock_info si;
	struct nlres res;
	struct rf_nlreq r;
	pid_t pid;
	char go;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct cookies mine = { 0 };
		struct stats st;
		struct nlsock s;
		uint64_t ck[2];
		int fds[2], bad = 0;

		if (unshare(CLONE_NEWNET) || lo_up() ||
		    attached_pair(AF_INET, fds, true) || nl_open(&s))
			_exit(100);
		ck[0] = rf_sock_cookie(fds[0]);
		ck[1] = rf_sock_cookie(fds[1]);
		/* This namespace sees exactly its own two sockets. */
		dump_req(&s, &r);
		if (dump_cookies(&s, &r, &mine, &res) || mine.n != 2)
			bad |= 1;
		cookies_dups(&mine);
		if (!cookies_has(&mine, ck[0]) || !cookies_has(&mine, ck[1]))
			bad |= 2;
		if (nl_simple(&s, RECFRAME_CMD_STATS_GET, stats_cb, &st, &res) ||
		    st.v[RECFRAME_STAT_A_CURR_SOCKETS] != 2)
			bad |= 4;
		if (write(up[1], ck, sizeof(ck)) != sizeof(ck))
			bad |= 8;
		if (read(down[0], &go, 1) != 1)
			bad |= 16;
		_exit(bad);
	}
	close(up[1]);
	close(down[0]);
	ASSERT_EQ(sizeof(theirs), read(up[0], theirs, sizeof(theirs)));

	dump_req(&self->s, &r);
	ASSERT_EQ(0, dump_cookies(&self->s, &r, &c, &res));
	cookies_dups(&c);
	EXPECT_TRUE(cookies_has(&c, self->cookie[0]));
	EXPECT_FALSE(cookies_has(&c, theirs[0]));
	EXPECT_FALSE(cookies_has(&c, theirs[1]));
	EXPECT_EQ(-ENOENT, sock_get(&self->s, theirs[0], &si, &res));
	EXPECT_EQ(-ENOENT, sock_abort(&self->s, theirs[0], &res));

	ASSERT_EQ(1, write(down[1], "x", 1));
	EXPECT_EQ(0, wait_child(pid, 60));
	free(c.v);
	close(up[0]);
	close(down[1]);
}

/* ---------------------------------------------------------- events --- */

struct event {
	uint8_t		kind;
	uint64_t	cookie;
	uint32_t	err;
};

static void event_cb(struct nlattr **tb, void *arg)
{
	struct event *e = arg;

	e->kind = nla_uint(tb[RECFRAME_A_EVENT]);
	e->cookie = nla_u64(tb[RECFRAME_A_COOKIE]);
	e->err = nla_uint(tb[RECFRAME_A_ERRNO]);
}

/* Wait for event @kind about @cookie; false after the timeout. */
static bool wait_event(struct nlsock *s, uint8_t kind, uint64_t cookie,
		       uint32_t *err)
{
	int i;

	for (i = 0; i < 200; i++) {
		struct nlres res = { 0 };
		struct event e = { 0 };

		if (!nl_recv_once(s, &res, event_cb, &e, RECFRAME_A_MAX))
			return false;
		if (e.kind == kind && e.cookie == cookie) {
			if (err)
				*err = e.err;
			return true;
		}
	}
	return false;
}

TEST_F(nl, events_raw)
{
	struct nlsock ev;
	uint64_t cookie;
	uint32_t err = 0;
	char buf[16];
	int fds[2];

	ASSERT_EQ(0, nl_open(&ev));
	ASSERT_EQ(0, nl_join_events(&ev));

	/* Attach: the client only, the server stays plain TCP. */
	ASSERT_EQ(0, attached_pair(AF_INET, fds, false));
	cookie = rf_sock_cookie(fds[0]);
	EXPECT_TRUE(wait_event(&ev, RECFRAME_EVENT_ATTACH, cookie, &err));
	EXPECT_EQ(0, err);

	/* Framing error: a TLS header announcing 65535 bytes. */
	ASSERT_EQ(5, send(fds[1], "\x17\x03\x03\xff\xff", 5, 0));
	EXPECT_EQ(-1, recv(fds[0], buf, sizeof(buf), 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_TRUE(wait_event(&ev, RECFRAME_EVENT_FRAMING_ERROR, cookie,
			       &err));
	EXPECT_EQ(EMSGSIZE, err);

	/* Abort by an operator. */
	{
		struct nlres res;

		ASSERT_EQ(0, sock_abort(&self->s, cookie, &res));
	}
	EXPECT_TRUE(wait_event(&ev, RECFRAME_EVENT_ABORT, cookie, &err));
	EXPECT_EQ(ECONNABORTED, err);

	close(fds[0]);
	EXPECT_TRUE(wait_event(&ev, RECFRAME_EVENT_CLOSE, cookie, &err));
	close(fds[1]);
	nl_close(&ev);
}

/* ------------------------------------------------------ large dumps --- */

#define NPAIRS	5000

struct many {
	int		fds[NPAIRS][2];
	uint64_t	cookies[NPAIRS][2];
	bool		closed[NPAIRS][2];
};

static int make_pairs(struct many *m, int from, int to)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd, i, j;

	lfd = rf_listener(AF_INET, &ss, &len);
	if (lfd < 0)
		return -1;
	for (i = from; i < to; i++) {
		m->fds[i][0] = socket(AF_INET, SOCK_STREAM, 0);
		if (m->fds[i][0] < 0 ||
		    connect(m->fds[i][0], (struct sockaddr *)&ss, len))
			break;
		m->fds[i][1] = accept(lfd, NULL, NULL);
		if (m->fds[i][1] < 0)
			break;
		for (j = 0; j < 2; j++) {
			if (rf_attach(m->fds[i][j]))
				goto out;
			m->cookies[i][j] = rf_sock_cookie(m->fds[i][j]);
			m->closed[i][j] = false;
		}
	}
out:
	close(lfd);
	return i == to ? 0 : -1;
}

static void close_sock(struct many *m, int i, int j)
{
	if (!m->closed[i][j]) {
		close(m->fds[i][j]);
		m->closed[i][j] = true;
	}
}

/* Find the pair of @cookie. */
static bool find_cookie(struct many *m, int n, uint64_t cookie, int *pi,
			int *pj)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++)
			if (m->cookies[i][j] == cookie) {
				*pi = i;
				*pj = j;
				return true;
			}
	return false;
}

/* Parse the next queued batch without taking it off the socket. */
static void peek_batch(struct nlsock *s, struct cookies *c)
{
	static char buf[NL_RXBUF];
	struct nlres res = { 0 };
	int len;

	len = recv(s->fd, buf, sizeof(buf), MSG_PEEK);
	if (len > 0)
		nl_process(buf, len, &res, cookies_cb, c, RECFRAME_A_MAX);
}

TEST_F_TIMEOUT(nl, dump_10000_sockets, 900)
{
	struct cookies c = { 0 }, a = { 0 }, b = { 0 };
	struct nlres res, ra, rb;
	struct nlsock s2;
	struct many *m;
	struct rf_nlreq r;
	int i, j, pi, pj, total = 2 * NPAIRS + 2;

	ASSERT_TRUE(raise_nofile(2 * NPAIRS + 1024));
	m = calloc(1, sizeof(*m));
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, make_pairs(m, 0, NPAIRS));

	/* One dump: split into many messages, each socket once. */
	dump_req(&self->s, &r);
	ASSERT_EQ(0, dump_cookies(&self->s, &r, &c, &res));
	TH_LOG("%zu sockets in %u messages, %u recv() calls", c.n, res.nmsg,
	       res.nrecv);
	EXPECT_LT(10, res.nrecv);
	EXPECT_FALSE(res.intr);
	EXPECT_EQ(0, cookies_dups(&c));
	EXPECT_EQ(total, c.n);
	for (i = 0; i < NPAIRS; i++)
		for (j = 0; j < 2; j++)
			if (!cookies_has(&c, m->cookies[i][j])) {
				EXPECT_TRUE(false);
				TH_LOG("pair %d side %d missing", i, j);
				i = NPAIRS;
				break;
			}

	/* Two dumps at once, their messages taken in turns. */
	ASSERT_EQ(0, nl_open(&s2));
	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	dump_req(&self->s, &r);
	ASSERT_EQ(0, nl_send(&self->s, &r));
	dump_req(&s2, &r);
	ASSERT_EQ(0, nl_send(&s2, &r));
	while (!ra.done || !rb.done) {
		if (!ra.done)
			nl_recv_once(&self->s, &ra, cookies_cb, &a,
				     RECFRAME_A_MAX);
		if (!rb.done)
			nl_recv_once(&s2, &rb, cookies_cb, &b, RECFRAME_A_MAX);
	}
	EXPECT_EQ(0, ra.err);
	EXPECT_EQ(0, rb.err);
	EXPECT_EQ(0, cookies_dups(&a));
	EXPECT_EQ(0, cookies_dups(&b));
	EXPECT_EQ(total, a.n);
	EXPECT_EQ(total, b.n);
	nl_close(&s2);

	/*
	 * Sockets closing and attaching during a dump. The kernel prepares
	 * the next batch as soon as one is read, so peek at it to learn
	 * where the dump stands before changing the list.
	 */
	{
		struct cookies got = { 0 }, seen = { 0 };
		struct many *extra = calloc(1, sizeof(*extra));
		int closed_early = 0;

		ASSERT_NE(NULL, extra);
		memset(&res, 0, sizeof(res));
		dump_req(&self->s, &r);
		ASSERT_EQ(0, nl_send(&self->s, &r));
		ASSERT_TRUE(nl_recv_once(&self->s, &res, cookies_cb, &got,
					 RECFRAME_A_MAX));
		peek_batch(&self->s, &seen);
		ASSERT_LT(0, seen.n);

		/* The socket the dump stopped at, and 100 not reached. */
		ASSERT_TRUE(find_cookie(m, NPAIRS, seen.last[0], &pi, &pj));
		close_sock(m, pi, pj);
		for (i = NPAIRS - 60; i < NPAIRS - 10; i++) {
			close_sock(m, i, 0);
			close_sock(m, i, 1);
			closed_early += 2;
		}
		/* And new sockets, which go to the end of the list. */
		ASSERT_EQ(0, make_pairs(extra, 0, 10));

		ASSERT_TRUE(nl_recv_once(&self->s, &res, cookies_cb, &got,
					 RECFRAME_A_MAX));
		ASSERT_TRUE(nl_recv_once(&self->s, &res, cookies_cb, &got,
					 RECFRAME_A_MAX));
		/* Both of the last two reported go: the fallback path. */
		seen.n = 0;
		peek_batch(&self->s, &seen);
		ASSERT_LT(1, seen.n);
		ASSERT_TRUE(find_cookie(m, NPAIRS, seen.last[0], &pi, &pj));
		close_sock(m, pi, pj);
		ASSERT_TRUE(find_cookie(m, NPAIRS, seen.last[1], &pi, &pj));
		close_sock(m, pi, pj);

		while (!res.done &&
		       nl_recv_once(&self->s, &res, cookies_cb, &got,
				    RECFRAME_A_MAX))
			;
		EXPECT_EQ(0, res.err);
		EXPECT_TRUE(res.intr);
		EXPECT_EQ(0, cookies_dups(&got));
		for (i = 0; i < NPAIRS; i++)
			for (j = 0; j < 2; j++) {
				bool has = cookies_has(&got, m->cookies[i][j]);

				if (i >= NPAIRS - 60 && i < NPAIRS - 10) {
					EXPECT_FALSE(has);
				} else if (!m->closed[i][j] && !has) {
					TH_LOG("pair %d side %d missing", i, j);
					EXPECT_TRUE(has);
				}
			}
		for (i = 0; i < 10; i++)
			for (j = 0; j < 2; j++)
				EXPECT_TRUE(cookies_has(&got,
							extra->cookies[i][j]));
		TH_LOG("changing dump: %zu sockets, %d closed before reached",
		       got.n, closed_early);
		for (i = 0; i < 10; i++) {
			close(extra->fds[i][0]);
			close(extra->fds[i][1]);
		}
		free(extra);
		free(got.v);
		free(seen.v);
	}

	for (i = 0; i < NPAIRS; i++) {
		close_sock(m, i, 0);
		close_sock(m, i, 1);
	}
	free(m);
	free(c.v);
	free(a.v);
	free(b.v);
}

/* -------------------------------------------------------------- CLI --- */

FIXTURE(cli)
{
	int		fds[2];
	uint64_t	cookie[2];
};

FIXTURE_SETUP(cli)
{
	self->fds[0] = self->fds[1] = -1;
	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	if (!cli_present())
		SKIP(return, RF_CLI " not installed");
	ASSERT_EQ(0, attached_pair(AF_INET, self->fds, true));
	self->cookie[0] = rf_sock_cookie(self->fds[0]);
	self->cookie[1] = rf_sock_cookie(self->fds[1]);
}

FIXTURE_TEARDOWN(cli)
{
	if (self->fds[0] >= 0)
		close(self->fds[0]);
	if (self->fds[1] >= 0)
		close(self->fds[1]);
	config_restore();
}

TEST_F(cli, version_help_usage)
{
	EXPECT_EQ(0, cli("--version"));
	EXPECT_NE(NULL, strstr(cli_out, "recframe"));
	EXPECT_EQ(0, cli("help"));
	EXPECT_NE(NULL, strstr(cli_out, "monitor"));
	EXPECT_EQ(2, cli("frobnicate"));
	EXPECT_NE(0, cli_err[0]);
	EXPECT_EQ(2, cli("set"));
	EXPECT_EQ(2, cli("set 1 colour blue"));
	EXPECT_EQ(2, cli("abort notanumber"));
	EXPECT_EQ(2, cli("show port 70000"));
	EXPECT_EQ(2, cli("%s", ""));
}

TEST_F(cli, show_text_and_json)
{
	char pat[32];

	ASSERT_EQ(0, cli("show"));
	snprintf(pat, sizeof(pat), "%llu",
		 (unsigned long long)self->cookie[0]);
	EXPECT_NE(NULL, strstr(cli_out, "COOKIE"));
	EXPECT_NE(NULL, strstr(cli_out, pat));

	ASSERT_EQ(0, cli("-j show"));
	EXPECT_TRUE(json_valid(cli_out));
	EXPECT_TRUE(json_has_u64(cli_out, "cookie", self->cookie[0]));
	EXPECT_TRUE(json_has_u64(cli_out, "cookie", self->cookie[1]));

	ASSERT_EQ(0, cli("-p show cookie %llu",
			 (unsigned long long)self->cookie[1]));
	EXPECT_TRUE(json_valid(cli_out));
	EXPECT_TRUE(json_has_u64(cli_out, "cookie", self->cookie[1]));
	EXPECT_FALSE(json_has_u64(cli_out, "cookie", self->cookie[0]));

	ASSERT_EQ(0, cli("-j show port %u addr 127.0.0.1",
			 local_port(self->fds[0])));
	EXPECT_TRUE(json_valid(cli_out));
	EXPECT_TRUE(json_has_u64(cli_out, "cookie", self->cookie[0]));

	/* No match is an empty list, not an error. */
	ASSERT_EQ(0, cli("-j show cookie 1"));
	EXPECT_TRUE(json_valid(cli_out));
	EXPECT_EQ(0, strcmp(cli_out, "[]\n"));
}

TEST_F(cli, stats_json_and_reset)
{
	char buf[8];

	ASSERT_EQ(2, send(self->fds[0], "hi", 2, 0));
	ASSERT_EQ(2, recv(self->fds[1], buf, sizeof(buf), 0));
	ASSERT_EQ(0, cli("-j stats"));
	EXPECT_TRUE(json_valid(cli_out));
	EXPECT_NE(NULL, strstr(cli_out, "\"curr_sockets\":"));
	EXPECT_NE(NULL, strstr(cli_out, "\"rx_records\":"));
	ASSERT_EQ(0, cli("-p stats"));
	EXPECT_TRUE(json_valid(cli_out));
	ASSERT_EQ(0, cli("stats"));
	EXPECT_NE(NULL, strstr(cli_out, "tx_bytes"));
	ASSERT_EQ(0, cli("stats reset"));
	ASSERT_EQ(0, cli("-j stats"));
	EXPECT_TRUE(json_has_u64(cli_out, "rx_records", 0));
	EXPECT_EQ(2, cli("stats frobnicate"));
}

TEST_F(cli, set_and_errors)
{
	struct nlsock s;
	struct sock_info si;
	struct nlres res;

	ASSERT_EQ(0, nl_open(&s));
	ASSERT_EQ(0, cli("set %llu max_record 2048 rx_header on",
			 (unsigned long long)self->cookie[0]));
	ASSERT_EQ(0, sock_get(&s, self->cookie[0], &si, &res));
	EXPECT_EQ(2048, si.max_record);
	EXPECT_EQ(1, si.rx_header);

	/* The kernel's message, after the errno's. */
	EXPECT_EQ(1, cli("set %llu max_record 0",
			 (unsigned long long)self->cookie[0]));
	EXPECT_NE(NULL, strstr(cli_err, "Numerical result out of range: "));
	TH_LOG("stderr: %s", cli_err);
	EXPECT_EQ(1, cli("set %llu max_record 70000",
			 (unsigned long long)self->cookie[0]));
	EXPECT_NE(NULL, strstr(cli_err, "Invalid argument: "));
	TH_LOG("stderr: %s", cli_err);
	EXPECT_EQ(1, cli("set 1 rx_header off"));
	EXPECT_NE(NULL, strstr(cli_err, "No such file or directory: "));
	EXPECT_NE(NULL, strstr(cli_err, "cookie"));
	TH_LOG("stderr: %s", cli_err);
	nl_close(&s);
}

TEST_F(cli, abort)
{
	char buf[8];

	ASSERT_EQ(0, cli("abort %llu", (unsigned long long)self->cookie[0]));
	EXPECT_EQ(-1, recv(self->fds[0], buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ECONNABORTED, errno);
	EXPECT_EQ(-1, recv(self->fds[1], buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(1, cli("abort 1"));
	EXPECT_NE(NULL, strstr(cli_err, "No such file or directory"));
}

TEST_F(cli, config)
{
	ASSERT_EQ(0, cli("-j config"));
	EXPECT_TRUE(json_valid(cli_out));
	EXPECT_TRUE(json_has_u64(cli_out, "default_max_record", 16384));
	EXPECT_NE(NULL, strstr(cli_out, "\"unpriv_attach\":true"));
	ASSERT_EQ(0, cli("config default_max_record 4096 unpriv_attach off"));
	ASSERT_EQ(0, cli("config"));
	EXPECT_NE(NULL, strstr(cli_out, "4096"));
	EXPECT_NE(NULL, strstr(cli_out, "off"));
	EXPECT_EQ(1, cli("config default_max_record 65535 record_limit 1000"));
	EXPECT_NE(NULL, strstr(cli_err, "Invalid argument: "));
	TH_LOG("stderr: %s", cli_err);
	EXPECT_EQ(2, cli("config record_limit"));
	EXPECT_EQ(2, cli("config unpriv_attach maybe"));
	ASSERT_EQ(0, cli("config default_max_record 16384 record_limit %u unpriv_attach on",
			 RECFRAME_RECORD_LIMIT));
}

TEST_F(cli, unprivileged)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		int bad = 0;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		if (cli("-j show") != 0 || !json_valid(cli_out))
			bad |= 1;
		if (cli("abort %llu", (unsigned long long)self->cookie[0]) != 1 ||
		    !strstr(cli_err, "Operation not permitted"))
			bad |= 2;
		if (cli("stats reset") != 1)
			bad |= 4;
		if (cli("config unpriv_attach off") != 1)
			bad |= 8;
		if (cli("set %llu rx_header on",
			(unsigned long long)self->cookie[0]) != 1)
			bad |= 16;
		if (cli("monitor -c 1") != 1 ||
		    !strstr(cli_err, "Operation not permitted"))
			bad |= 32;
		_exit(bad);
	}
	EXPECT_EQ(0, wait_child(pid, 120));
}

/* Read one line from @fd within @ms; false on timeout or end. */
static bool read_line(int fd, char *line, size_t len, int ms)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char ch;

		if (poll(&p, 1, ms) <= 0 || read(fd, &ch, 1) != 1)
			return false;
		if (ch == '\n')
			break;
		line[n++] = ch;
	}
	line[n] = '\0';
	return true;
}

static pid_t spawn_cli(int *out, const char *a1, const char *a2,
		       const char *a3, const char *a4)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(RF_CLI, "recframe", a1, a2, a3, a4, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* Attach and close sockets until the monitor prints something. */
static bool monitor_ready(int out)
{
	char line[1024];
	int i, fds[2];

	for (i = 0; i < 100; i++) {
		if (attached_pair(AF_INET, fds, false))
			return false;
		close(fds[0]);
		close(fds[1]);
		if (read_line(out, line, sizeof(line), 100))
			return true;
	}
	return false;
}

TEST_F(cli, monitor_events)
{
	bool attach = false, framing = false, aborted = false, closed = false;
	char line[1024], buf[8];
	int out, i, fds[2];
	uint64_t cookie;
	pid_t pid;

	pid = spawn_cli(&out, "-j", "monitor", NULL, NULL);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(monitor_ready(out));

	ASSERT_EQ(0, attached_pair(AF_INET, fds, false));
	cookie = rf_sock_cookie(fds[0]);
	ASSERT_EQ(5, send(fds[1], "\x17\x01\x03\x00\x01", 5, 0));
	EXPECT_EQ(-1, recv(fds[0], buf, sizeof(buf), 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, cli("abort %llu", (unsigned long long)cookie));
	close(fds[0]);
	close(fds[1]);

	for (i = 0; i < 400 && !(attach && framing && aborted && closed);
	     i++) {
		if (!read_line(out, line, sizeof(line), 5000))
			break;
		EXPECT_TRUE(json_valid(line));
		if (!json_has_u64(line, "cookie", cookie))
			continue;
		attach |= !!strstr(line, "\"event\":\"attach\"");
		framing |= strstr(line, "\"event\":\"framing_error\"") &&
			   strstr(line, "\"error\":\"EINVAL\"");
		aborted |= strstr(line, "\"event\":\"abort\"") &&
			   json_has_u64(line, "errno", ECONNABORTED);
		closed |= !!strstr(line, "\"event\":\"close\"");
		TH_LOG("%s", line);
	}
	EXPECT_TRUE(attach);
	EXPECT_TRUE(framing);
	EXPECT_TRUE(aborted);
	EXPECT_TRUE(closed);
	kill(pid, SIGTERM);
	wait_child(pid, 10);
	close(out);
}

TEST_F(cli, monitor_count_text)
{
	char line[1024];
	int out;
	pid_t pid;

	pid = spawn_cli(&out, "monitor", "-c", "2", NULL);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(monitor_ready(out));
	ASSERT_TRUE(read_line(out, line, sizeof(line), 5000));
	EXPECT_NE(NULL, strstr(line, "cookie"));
	EXPECT_EQ(0, wait_child(pid, 10));
	close(out);
}

/* Real output of the CLI, for people reading the test log. */
TEST_F(cli, capture_output)
{
	struct recframe_framing f = {
		.format = RECFRAME_FORMAT_LENGTH,
		.hdr_len = 4,
		.len_size = 4,
		.len_adjust = -4,
		.max_record = 65536,
	};
	int v6[2], len[2], tls[2] = { -1, -1 }, i;
	char buf[64];

	/* A TLS pair too, when the module has TLS mode. */
	ASSERT_EQ(0, rf_tcp_pair(AF_INET, tls));
	if (rf_attach(tls[0]) || rf_attach(tls[1]) || set_tls(tls[0]) ||
	    set_tls(tls[1]))
		TH_LOG("no TLS pair: %s", strerror(errno));
	else if (send(tls[0], "secret", 6, 0) != 6 ||
		 recv(tls[1], buf, sizeof(buf), 0) != 6)
		TH_LOG("TLS pair: no data: %s", strerror(errno));
	ASSERT_EQ(0, attached_pair(AF_INET6, v6, true));
	ASSERT_EQ(0, attached_pair(AF_INET, len, true));
	ASSERT_EQ(0, setsockopt(len[0], SOL_RECFRAME, RECFRAME_FRAMING, &f,
				sizeof(f)));
	ASSERT_EQ(0, setsockopt(len[1], SOL_RECFRAME, RECFRAME_FRAMING, &f,
				sizeof(f)));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(5, send(self->fds[0], "hello", 5, 0));
		ASSERT_EQ(5, recv(self->fds[1], buf, sizeof(buf), 0));
	}
	ASSERT_EQ(6, send(len[0], "length", 6, 0));
	ASSERT_EQ(6, recv(len[1], buf, sizeof(buf), 0));
	ASSERT_EQ(3, send(v6[1], "abc", 3, 0));	/* left unread */

	ASSERT_EQ(0, cli("show"));
	show_output("recframe show:", cli_out);
	ASSERT_EQ(0, cli("stats -j"));
	EXPECT_TRUE(json_valid(cli_out));
	show_output("recframe stats -j:", cli_out);
	ASSERT_EQ(0, cli("config"));
	show_output("recframe config:", cli_out);
	close(v6[0]);
	close(v6[1]);
	close(len[0]);
	close(len[1]);
	close(tls[0]);
	close(tls[1]);
}

TEST_HARNESS_MAIN
