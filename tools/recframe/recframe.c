// SPDX-License-Identifier: GPL-2.0
/*
 * recframe(8): show and steer the kernel's recframe sockets over the
 * "recframe" generic netlink family.
 *
 * Exit status: 0 success, 1 the kernel refused or could not be reached
 * (its extended ACK message is printed), 2 usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/recframe.h>
#include <linux/tls.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "print.h"

#ifndef RECFRAME_VERSION
#define RECFRAME_VERSION "unknown"
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

enum {
	EXIT_KERNEL	= 1,
	EXIT_USAGE	= 2,
};

static const char *prog = "recframe";

/* --------------------------------------------------------- netlink --- */

struct rf_ctx {
	struct nl_sock	*sk;
	int		family;
	const char	*what;		/* the subcommand, for messages */
	/* Called for every reply message with its parsed attributes. */
	void		(*reply)(struct nlattr **tb, void *arg);
	void		*arg;
	int		err;		/* errno the kernel answered */
	char		extack[256];
	bool		done;
	bool		intr;		/* NLM_F_DUMP_INTR seen */
};

/* Attribute types of replies; unknown types are skipped by nla_parse(). */
static struct nla_policy rf_attr_policy[RECFRAME_A_MAX + 1] = {
	[RECFRAME_A_COOKIE]		= { .type = NLA_U64 },
	[RECFRAME_A_FAMILY]		= { .type = NLA_U8 },
	[RECFRAME_A_SADDR]		= { .minlen = 4 },
	[RECFRAME_A_DADDR]		= { .minlen = 4 },
	[RECFRAME_A_SPORT]		= { .type = NLA_U16 },
	[RECFRAME_A_DPORT]		= { .type = NLA_U16 },
	[RECFRAME_A_TCP_STATE]		= { .type = NLA_U8 },
	[RECFRAME_A_UID]		= { .type = NLA_U32 },
	[RECFRAME_A_INODE]		= { .type = NLA_U64 },
	[RECFRAME_A_MODE]		= { .type = NLA_U8 },
	[RECFRAME_A_FRAMING]		= { .type = NLA_NESTED },
	[RECFRAME_A_MAX_RECORD]		= { .type = NLA_U32 },
	[RECFRAME_A_RX_HEADER]		= { .type = NLA_U8 },
	[RECFRAME_A_TLS_VERSION]	= { .type = NLA_U16 },
	[RECFRAME_A_TLS_CIPHER]		= { .type = NLA_U16 },
	[RECFRAME_A_STATE]		= { .type = NLA_U32 },
	[RECFRAME_A_RX_ERROR]		= { .type = NLA_U32 },
	[RECFRAME_A_RX_QUEUED]		= { .type = NLA_U32 },
	[RECFRAME_A_TX_QUEUED]		= { .type = NLA_U32 },
	[RECFRAME_A_STATS]		= { .type = NLA_NESTED },
	[RECFRAME_A_CFG_DEFAULT_MAX_RECORD] = { .type = NLA_U32 },
	[RECFRAME_A_CFG_RECORD_LIMIT]	= { .type = NLA_U32 },
	[RECFRAME_A_CFG_UNPRIV_ATTACH]	= { .type = NLA_U8 },
	[RECFRAME_A_EVENT]		= { .type = NLA_U8 },
	[RECFRAME_A_ERRNO]		= { .type = NLA_U32 },
	[RECFRAME_A_TX_MODE]		= { .type = NLA_U8 },
};

static struct nla_policy rf_framing_policy[RECFRAME_FRAMING_A_MAX + 1] = {
	[RECFRAME_FRAMING_A_FORMAT]	= { .type = NLA_U8 },
	[RECFRAME_FRAMING_A_HDR_LEN]	= { .type = NLA_U8 },
	[RECFRAME_FRAMING_A_LEN_OFF]	= { .type = NLA_U8 },
	[RECFRAME_FRAMING_A_LEN_SIZE]	= { .type = NLA_U8 },
	[RECFRAME_FRAMING_A_TYPE_OFF]	= { .type = NLA_U8 },
	[RECFRAME_FRAMING_A_FLAGS]	= { .type = NLA_U8 },
	[RECFRAME_FRAMING_A_LEN_ADJUST]	= { .type = NLA_U32 },
};

static void fail_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void fail_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s help'.\n", prog);
	exit(EXIT_USAGE);
}

/* The kernel's answer to a request; the extended ACK message if any. */
static void fail_kernel(const struct rf_ctx *c) __attribute__((noreturn));

static void fail_kernel(const struct rf_ctx *c)
{
	fprintf(stderr, "%s: %s: %s", prog, c->what, strerror(c->err));
	if (c->extack[0])
		fprintf(stderr, ": %s", c->extack);
	fputc('\n', stderr);
	exit(EXIT_KERNEL);
}

static int rf_err_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct rf_ctx *c = arg;
	(void)who;

	c->err = -e->error;
	c->done = true;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
		size_t off = sizeof(*e);
		int len;

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
		if (len > 0 &&
		    !nla_parse(tb, NLMSGERR_ATTR_MAX,
			       (struct nlattr *)((char *)e + off), len, NULL) &&
		    tb[NLMSGERR_ATTR_MSG])
			snprintf(c->extack, sizeof(c->extack), "%.*s",
				 nla_len(tb[NLMSGERR_ATTR_MSG]),
				 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
		/* The string's NUL is counted in the attribute's length. */
		c->extack[strcspn(c->extack, "\n")] = '\0';
	}
	return NL_STOP;
}

static int rf_done_cb(struct nl_msg *msg, void *arg)
{
	struct rf_ctx *c = arg;
	(void)msg;

	c->done = true;
	return NL_STOP;
}

static int rf_intr_cb(struct nl_msg *msg, void *arg)
{
	struct rf_ctx *c = arg;
	(void)msg;

	c->intr = true;
	return NL_OK;
}

static int rf_valid_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RECFRAME_A_MAX + 1];
	struct rf_ctx *c = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, RECFRAME_A_MAX,
			  rf_attr_policy)) {
		fprintf(stderr, "%s: %s: malformed message from the kernel\n",
			prog, c->what);
		return NL_SKIP;
	}
	if (c->reply)
		c->reply(tb, c->arg);
	return NL_OK;
}

static void rf_open(struct rf_ctx *c, const char *what)
{
	int one = 1, err;

	memset(c, 0, sizeof(*c));
	c->what = what;
	c->sk = nl_socket_alloc();
	if (!c->sk) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_KERNEL);
	}
	err = genl_connect(c->sk);
	if (err) {
		fprintf(stderr, "%s: netlink: %s\n", prog, nl_geterror(err));
		exit(EXIT_KERNEL);
	}
	/* Error messages from the kernel, without the request echoed. */
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	c->family = genl_ctrl_resolve(c->sk, RECFRAME_GENL_NAME);
	if (c->family < 0) {
		fprintf(stderr,
			"%s: generic netlink family \"%s\" not found: is the recframe module loaded? (%s)\n",
			prog, RECFRAME_GENL_NAME, nl_geterror(c->family));
		exit(EXIT_KERNEL);
	}
}

static void rf_close(struct rf_ctx *c)
{
	nl_socket_free(c->sk);
	c->sk = NULL;
}

static struct nl_msg *rf_msg(struct rf_ctx *c, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0,
				 flags, cmd, RECFRAME_GENL_VERSION)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_KERNEL);
	}
	return msg;
}

static struct nl_cb *rf_callbacks(struct rf_ctx *c)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_CUSTOM);

	if (!cb) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_KERNEL);
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, rf_valid_cb, c);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, rf_done_cb, c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, rf_done_cb, c);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, rf_intr_cb, c);
	nl_cb_err(cb, NL_CB_CUSTOM, rf_err_cb, c);
	return cb;
}

/*
 * Send @msg and take the answers until the ACK, the end of the dump or an
 * error, which ends the program with status 1.
 */
static void rf_talk(struct rf_ctx *c, struct nl_msg *msg)
{
	struct nl_cb *cb = rf_callbacks(c);
	int ret;

	ret = nl_send_auto(c->sk, msg);
	nlmsg_free(msg);
	while (ret >= 0 && !c->done)
		ret = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	if (c->err)
		fail_kernel(c);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: netlink: %s\n", prog, c->what,
			nl_geterror(ret));
		exit(EXIT_KERNEL);
	}
	if (c->intr)
		fprintf(stderr,
			"%s: %s: sockets came or went during the dump; the list may be inconsistent\n",
			prog, c->what);
}

/* ----------------------------------------------------------- values --- */

static uint64_t parse_u64(const char *what, const char *s, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max)
		fail_usage("invalid %s \"%s\"", what, s);
	return v;
}

static bool parse_onoff(const char *what, const char *s)
{
	if (!strcmp(s, "on") || !strcmp(s, "1") || !strcmp(s, "yes"))
		return true;
	if (!strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "no"))
		return false;
	fail_usage("invalid %s \"%s\" (on or off)", what, s);
}

static const char *errno_name(uint32_t e)
{
	static char buf[16];
	const char *n = e ? strerrorname_np((int)e) : NULL;

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "%" PRIu32, e);
	return buf;
}

static const char *tcp_state_name(unsigned int s)
{
	static const char *const names[] = {
		[1] = "ESTAB", [2] = "SYN-SENT", [3] = "SYN-RECV",
		[4] = "FIN-WAIT-1", [5] = "FIN-WAIT-2", [6] = "TIME-WAIT",
		[7] = "CLOSE", [8] = "CLOSE-WAIT", [9] = "LAST-ACK",
		[10] = "LISTEN", [11] = "CLOSING",
	};

	if (s < sizeof(names) / sizeof(names[0]) && names[s])
		return names[s];
	return "UNKNOWN";
}

/* Address and port as "1.2.3.4:5" or "[::1]:5"; the address alone too. */
static void fmt_endpoint(const struct nlattr *addr, uint16_t port,
			 char *ip, size_t iplen, char *ep, size_t eplen)
{
	int len = addr ? nla_len(addr) : 0;

	if (len == 4)
		inet_ntop(AF_INET, nla_data(addr), ip, iplen);
	else if (len == 16)
		inet_ntop(AF_INET6, nla_data(addr), ip, iplen);
	else
		snprintf(ip, iplen, "?");
	snprintf(ep, eplen, len == 16 ? "[%s]:%u" : "%s:%u", ip, port);
}

static void print_endpoints(struct nlattr **tb, bool table)
{
	char sip[INET6_ADDRSTRLEN], dip[INET6_ADDRSTRLEN];
	char sep[INET6_ADDRSTRLEN + 8], dep[INET6_ADDRSTRLEN + 8];
	uint16_t sport = 0, dport = 0;
	uint8_t fam = 0;

	if (tb[RECFRAME_A_FAMILY])
		fam = nla_get_u8(tb[RECFRAME_A_FAMILY]);
	if (tb[RECFRAME_A_SPORT])
		sport = nla_get_u16(tb[RECFRAME_A_SPORT]);
	if (tb[RECFRAME_A_DPORT])
		dport = nla_get_u16(tb[RECFRAME_A_DPORT]);
	fmt_endpoint(tb[RECFRAME_A_SADDR], sport, sip, sizeof(sip), sep,
		     sizeof(sep));
	fmt_endpoint(tb[RECFRAME_A_DADDR], dport, dip, sizeof(dip), dep,
		     sizeof(dep));
	pr_str("family", NULL, fam == AF_INET6 ? "inet6" : "inet");
	pr_str("saddr", NULL, sip);
	pr_u64("sport", NULL, sport);
	pr_str("daddr", NULL, dip);
	pr_u64("dport", NULL, dport);
	pr_str(NULL, table ? "LOCAL" : "local", sep);
	pr_str(NULL, table ? "PEER" : "peer", dep);
}

/* ------------------------------------------------------------ stats --- */

static const char *const stat_names[RECFRAME_STAT_A_MAX + 1] = {
	[RECFRAME_STAT_A_CURR_SOCKETS]		= "curr_sockets",
	[RECFRAME_STAT_A_RX_RECORDS]		= "rx_records",
	[RECFRAME_STAT_A_RX_BYTES]		= "rx_bytes",
	[RECFRAME_STAT_A_TX_RECORDS]		= "tx_records",
	[RECFRAME_STAT_A_TX_BYTES]		= "tx_bytes",
	[RECFRAME_STAT_A_RX_COPY_FALLBACK]	= "rx_copy_fallback",
	[RECFRAME_STAT_A_TX_ALLOC]		= "tx_alloc",
	[RECFRAME_STAT_A_RX_EMPTY]		= "rx_empty",
	[RECFRAME_STAT_A_ERR_MSGSIZE]		= "err_msgsize",
	[RECFRAME_STAT_A_ERR_BADMSG]		= "err_badmsg",
	[RECFRAME_STAT_A_ERR_BADVERSION]	= "err_badversion",
	[RECFRAME_STAT_A_ERR_TRUNCATED]		= "err_truncated",
	[RECFRAME_STAT_A_TLS_TX_RECORDS]	= "tls_tx_records",
	[RECFRAME_STAT_A_TLS_RX_RECORDS]	= "tls_rx_records",
	[RECFRAME_STAT_A_TLS_DECRYPT_ERROR]	= "tls_decrypt_errors",
	[RECFRAME_STAT_A_TLS_REKEY]		= "tls_rekeys",
	[RECFRAME_STAT_A_TLS_RX_ZEROCOPY]	= "tls_rx_zerocopy",
	[RECFRAME_STAT_A_TLS_RX_CLEAR]		= "tls_rx_clear",
	[RECFRAME_STAT_A_TLS_TX_INPLACE]	= "tls_tx_inplace",
	[RECFRAME_STAT_A_TLS_TX_OUTOFPLACE]	= "tls_tx_outofplace",
	[RECFRAME_STAT_A_RX_WINDOW_UPDATES]	= "rx_window_updates",
};

/* Columns of the socket table; the other counters are JSON only. */
static const char *const stat_columns[RECFRAME_STAT_A_MAX + 1] = {
	[RECFRAME_STAT_A_RX_RECORDS]		= "RX-REC",
	[RECFRAME_STAT_A_TX_RECORDS]		= "TX-REC",
	[RECFRAME_STAT_A_RX_BYTES]		= "RX-BYTES",
	[RECFRAME_STAT_A_TX_BYTES]		= "TX-BYTES",
};

/* The counters of a RECFRAME_A_STATS nest, in the kernel's order. */
static void print_stats(const struct nlattr *nest, bool table)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t > RECFRAME_STAT_A_MAX || !stat_names[t] ||
		    nla_len(a) != sizeof(uint64_t))
			continue;
		pr_u64(stat_names[t], table ? stat_columns[t] : stat_names[t],
		       nla_get_u64((struct nlattr *)a));
	}
}

static void stats_reply(struct nlattr **tb, void *arg)
{
	(void)arg;
	pr_block_begin(NULL);
	if (tb[RECFRAME_A_STATS])
		print_stats(tb[RECFRAME_A_STATS], false);
	pr_block_end();
}

static int cmd_stats(int argc, char **argv)
{
	struct rf_ctx c;
	bool reset = false;

	if (argc > 1) {
		if (argc > 2 || strcmp(argv[1], "reset"))
			fail_usage("stats takes only \"reset\"");
		reset = true;
	}
	rf_open(&c, reset ? "stats reset" : "stats");
	c.reply = stats_reply;
	rf_talk(&c, rf_msg(&c, reset ? RECFRAME_CMD_STATS_RESET :
			   RECFRAME_CMD_STATS_GET, 0));
	rf_close(&c);
	return 0;
}

/* ------------------------------------------------------------- show --- */

static void print_framing(const struct nlattr *nest, bool configured)
{
	struct nlattr *fb[RECFRAME_FRAMING_A_MAX + 1];
	uint8_t format = 0, hdr = 0, off = 0, size = 0, flags = 0;
	int32_t adjust = 0;
	char summary[64];

	if (nla_parse_nested(fb, RECFRAME_FRAMING_A_MAX, (struct nlattr *)nest,
			     rf_framing_policy))
		return;
	if (fb[RECFRAME_FRAMING_A_FORMAT])
		format = nla_get_u8(fb[RECFRAME_FRAMING_A_FORMAT]);
	if (fb[RECFRAME_FRAMING_A_HDR_LEN])
		hdr = nla_get_u8(fb[RECFRAME_FRAMING_A_HDR_LEN]);
	if (fb[RECFRAME_FRAMING_A_LEN_OFF])
		off = nla_get_u8(fb[RECFRAME_FRAMING_A_LEN_OFF]);
	if (fb[RECFRAME_FRAMING_A_LEN_SIZE])
		size = nla_get_u8(fb[RECFRAME_FRAMING_A_LEN_SIZE]);
	if (fb[RECFRAME_FRAMING_A_FLAGS])
		flags = nla_get_u8(fb[RECFRAME_FRAMING_A_FLAGS]);
	if (fb[RECFRAME_FRAMING_A_LEN_ADJUST])
		adjust = (int32_t)nla_get_u32(fb[RECFRAME_FRAMING_A_LEN_ADJUST]);

	/* "tls", or e.g. "len4be@0-4" for a length counting its 4 bytes. */
	if (format == RECFRAME_FORMAT_TLS)
		snprintf(summary, sizeof(summary), "tls");
	else if (adjust)
		snprintf(summary, sizeof(summary), "len%u%s@%u%+d", size,
			 flags & RECFRAME_F_LITTLE_ENDIAN ? "le" : "be", off,
			 adjust);
	else
		snprintf(summary, sizeof(summary), "len%u%s@%u", size,
			 flags & RECFRAME_F_LITTLE_ENDIAN ? "le" : "be", off);
	pr_str(NULL, "FORMAT", configured ? summary : "-");

	pr_nest_begin("framing");
	pr_str("format", NULL, format == RECFRAME_FORMAT_TLS ? "tls" :
	       format == RECFRAME_FORMAT_LENGTH ? "length" : "unknown");
	pr_u64("hdr_len", NULL, hdr);
	pr_u64("len_off", NULL, off);
	pr_u64("len_size", NULL, size);
	if (fb[RECFRAME_FRAMING_A_TYPE_OFF])
		pr_u64("type_off", NULL,
		       nla_get_u8(fb[RECFRAME_FRAMING_A_TYPE_OFF]));
	pr_bool("little_endian", NULL, flags & RECFRAME_F_LITTLE_ENDIAN);
	pr_bool("has_type", NULL, flags & RECFRAME_F_TYPE);
	pr_s64("len_adjust", NULL, adjust);
	pr_nest_end();
}

static const char *tls_cipher_name(unsigned int c)
{
	switch (c) {
	case 0:
		return "none";
	case TLS_CIPHER_AES_GCM_128:
		return "aes-gcm-128";
	case TLS_CIPHER_AES_GCM_256:
		return "aes-gcm-256";
	case TLS_CIPHER_AES_CCM_128:
		return "aes-ccm-128";
	case TLS_CIPHER_CHACHA20_POLY1305:
		return "chacha20-poly1305";
	default:
		return "other";
	}
}

static const char *mode_name(unsigned int m)
{
	switch (m) {
	case RECFRAME_MODE_NONE:
		return "none";
	case RECFRAME_MODE_FRAMING:
		return "framing";
	case RECFRAME_MODE_TLS:
		return "tls";
	default:
		return "unknown";
	}
}

/* "1.3", "1.2" from TLS_1_3_VERSION and the like; "-" without TLS. */
static void tls_version_name(unsigned int v, char *buf, size_t len)
{
	if (v >> 8 == 3 && (v & 0xff) >= 1)
		snprintf(buf, len, "1.%u", (v & 0xff) - 1);
	else if (v)
		snprintf(buf, len, "0x%04x", v);
	else
		snprintf(buf, len, "-");
}

static void sock_reply(struct nlattr **tb, void *arg)
{
	unsigned int mode = 0, tx_mode = 0, tls_version = 0, tls_cipher = 0;
	char modes[32], tlsv[16], tlss[48];
	uint32_t state = 0, err = 0;
	(void)arg;

	if (tb[RECFRAME_A_MODE])
		mode = nla_get_u8(tb[RECFRAME_A_MODE]);
	tx_mode = mode;
	if (tb[RECFRAME_A_TX_MODE])
		tx_mode = nla_get_u8(tb[RECFRAME_A_TX_MODE]);
	if (tb[RECFRAME_A_TLS_VERSION])
		tls_version = nla_get_u16(tb[RECFRAME_A_TLS_VERSION]);
	if (tb[RECFRAME_A_TLS_CIPHER])
		tls_cipher = nla_get_u16(tb[RECFRAME_A_TLS_CIPHER]);
	if (tb[RECFRAME_A_STATE])
		state = nla_get_u32(tb[RECFRAME_A_STATE]);
	if (tb[RECFRAME_A_RX_ERROR])
		err = nla_get_u32(tb[RECFRAME_A_RX_ERROR]);

	pr_row_begin();
	if (tb[RECFRAME_A_COOKIE])
		pr_u64("cookie", "COOKIE", nla_get_u64(tb[RECFRAME_A_COOKIE]));
	print_endpoints(tb, true);
	if (tb[RECFRAME_A_TCP_STATE])
		pr_str("tcp_state", "STATE",
		       tcp_state_name(nla_get_u8(tb[RECFRAME_A_TCP_STATE])));
	if (tb[RECFRAME_A_UID])
		pr_u64("uid", "UID", nla_get_u32(tb[RECFRAME_A_UID]));
	if (tb[RECFRAME_A_INODE])
		pr_u64("inode", NULL, nla_get_u64(tb[RECFRAME_A_INODE]));
	/* One word when both sides agree, else "rx/tx". */
	if (mode == tx_mode)
		snprintf(modes, sizeof(modes), "%s", mode_name(mode));
	else
		snprintf(modes, sizeof(modes), "%s/%s", mode_name(mode),
			 mode_name(tx_mode));
	pr_str("rx_mode", NULL, mode_name(mode));
	pr_str("tx_mode", NULL, mode_name(tx_mode));
	pr_str(NULL, "MODE", modes);
	if (tb[RECFRAME_A_FRAMING])
		print_framing(tb[RECFRAME_A_FRAMING],
			      mode != RECFRAME_MODE_NONE ||
			      tx_mode != RECFRAME_MODE_NONE);
	if (tb[RECFRAME_A_MAX_RECORD])
		pr_u64("max_record", "MAXREC",
		       nla_get_u32(tb[RECFRAME_A_MAX_RECORD]));
	if (tb[RECFRAME_A_RX_HEADER])
		pr_bool("rx_header", NULL,
			nla_get_u8(tb[RECFRAME_A_RX_HEADER]));
	tls_version_name(tls_version, tlsv, sizeof(tlsv));
	pr_str("tls_version", NULL, tlsv);
	pr_str("tls_cipher", NULL, tls_cipher_name(tls_cipher));
	if (tls_version)
		snprintf(tlss, sizeof(tlss), "%s/%s", tlsv,
			 tls_cipher_name(tls_cipher));
	pr_str(NULL, "TLS", tls_version ? tlss : "-");
	pr_nest_begin("state");
	pr_bool("rx_ready", NULL, state & RECFRAME_STATE_RX_READY);
	pr_bool("rx_error", NULL, state & RECFRAME_STATE_RX_ERROR);
	pr_bool("tx_open", NULL, state & RECFRAME_STATE_TX_OPEN);
	pr_nest_end();
	pr_u64("rx_error", NULL, err);
	pr_str(NULL, "ERROR", err ? errno_name(err) : "-");
	if (tb[RECFRAME_A_RX_QUEUED])
		pr_u64("rx_queued", "RECV-Q",
		       nla_get_u32(tb[RECFRAME_A_RX_QUEUED]));
	if (tb[RECFRAME_A_TX_QUEUED])
		pr_u64("tx_queued", "SEND-Q",
		       nla_get_u32(tb[RECFRAME_A_TX_QUEUED]));
	if (tb[RECFRAME_A_STATS]) {
		pr_nest_begin("stats");
		print_stats(tb[RECFRAME_A_STATS], true);
		pr_nest_end();
	}
	pr_row_end();
}

static int cmd_show(int argc, char **argv)
{
	uint64_t cookie = 0, port = 0;
	unsigned char addr[16];
	int addr_len = 0, i;
	bool has_cookie = false;
	struct nl_msg *msg;
	struct rf_ctx c;

	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			fail_usage("show: \"%s\" needs a value", argv[i]);
		if (!strcmp(argv[i], "cookie")) {
			cookie = parse_u64("cookie", argv[i + 1], UINT64_MAX);
			has_cookie = true;
		} else if (!strcmp(argv[i], "port")) {
			port = parse_u64("port", argv[i + 1], 65535);
			if (!port)
				fail_usage("invalid port \"0\"");
		} else if (!strcmp(argv[i], "addr")) {
			if (inet_pton(AF_INET, argv[i + 1], addr) == 1)
				addr_len = 4;
			else if (inet_pton(AF_INET6, argv[i + 1], addr) == 1)
				addr_len = 16;
			else
				fail_usage("invalid address \"%s\"",
					   argv[i + 1]);
		} else {
			fail_usage("show: unknown filter \"%s\"", argv[i]);
		}
	}

	rf_open(&c, "show");
	c.reply = sock_reply;
	msg = rf_msg(&c, RECFRAME_CMD_SOCK_GET, NLM_F_DUMP);
	if ((has_cookie &&
	     nla_put_u64(msg, RECFRAME_A_COOKIE, cookie)) ||
	    (port && nla_put_u16(msg, RECFRAME_A_FILTER_PORT, port)) ||
	    (addr_len && nla_put(msg, RECFRAME_A_FILTER_ADDR, addr_len, addr)))
		fail_usage("request too large");
	pr_table_begin(NULL);
	rf_talk(&c, msg);
	pr_table_end();
	rf_close(&c);
	return 0;
}

/* -------------------------------------------------------- set, abort --- */

static int cmd_set(int argc, char **argv)
{
	struct nl_msg *msg;
	struct rf_ctx c;
	uint64_t cookie;
	int i;

	if (argc < 4 || argc % 2)
		fail_usage("usage: set COOKIE KEY VALUE [KEY VALUE]...");
	cookie = parse_u64("cookie", argv[1], UINT64_MAX);
	rf_open(&c, "set");
	msg = rf_msg(&c, RECFRAME_CMD_SOCK_SET, 0);
	nla_put_u64(msg, RECFRAME_A_COOKIE, cookie);
	for (i = 2; i < argc; i += 2) {
		if (!strcmp(argv[i], "max_record"))
			nla_put_u32(msg, RECFRAME_A_MAX_RECORD,
				    parse_u64("max_record", argv[i + 1],
					      UINT32_MAX));
		else if (!strcmp(argv[i], "rx_header"))
			nla_put_u8(msg, RECFRAME_A_RX_HEADER,
				   parse_onoff("rx_header", argv[i + 1]));
		else
			fail_usage("set: unknown key \"%s\" (max_record, rx_header)",
				   argv[i]);
	}
	rf_talk(&c, msg);
	rf_close(&c);
	return 0;
}

static int cmd_abort(int argc, char **argv)
{
	struct nl_msg *msg;
	struct rf_ctx c;
	uint64_t cookie;

	if (argc != 2)
		fail_usage("usage: abort COOKIE");
	cookie = parse_u64("cookie", argv[1], UINT64_MAX);
	rf_open(&c, "abort");
	msg = rf_msg(&c, RECFRAME_CMD_SOCK_ABORT, 0);
	nla_put_u64(msg, RECFRAME_A_COOKIE, cookie);
	rf_talk(&c, msg);
	rf_close(&c);
	return 0;
}

/* ----------------------------------------------------------- config --- */

static void config_reply(struct nlattr **tb, void *arg)
{
	(void)arg;
	pr_block_begin(NULL);
	if (tb[RECFRAME_A_CFG_DEFAULT_MAX_RECORD])
		pr_u64("default_max_record", "default_max_record",
		       nla_get_u32(tb[RECFRAME_A_CFG_DEFAULT_MAX_RECORD]));
	if (tb[RECFRAME_A_CFG_RECORD_LIMIT])
		pr_u64("record_limit", "record_limit",
		       nla_get_u32(tb[RECFRAME_A_CFG_RECORD_LIMIT]));
	if (tb[RECFRAME_A_CFG_UNPRIV_ATTACH])
		pr_bool("unpriv_attach", "unpriv_attach",
			nla_get_u8(tb[RECFRAME_A_CFG_UNPRIV_ATTACH]));
	pr_block_end();
}

static int cmd_config(int argc, char **argv)
{
	struct nl_msg *msg;
	struct rf_ctx c;
	int i;

	if (argc % 2 == 0)
		fail_usage("config: \"%s\" needs a value", argv[argc - 1]);
	rf_open(&c, argc > 1 ? "config set" : "config");
	if (argc == 1) {
		c.reply = config_reply;
		rf_talk(&c, rf_msg(&c, RECFRAME_CMD_CONFIG_GET, 0));
		rf_close(&c);
		return 0;
	}
	msg = rf_msg(&c, RECFRAME_CMD_CONFIG_SET, 0);
	for (i = 1; i < argc; i += 2) {
		if (!strcmp(argv[i], "default_max_record"))
			nla_put_u32(msg, RECFRAME_A_CFG_DEFAULT_MAX_RECORD,
				    parse_u64(argv[i], argv[i + 1],
					      UINT32_MAX));
		else if (!strcmp(argv[i], "record_limit"))
			nla_put_u32(msg, RECFRAME_A_CFG_RECORD_LIMIT,
				    parse_u64(argv[i], argv[i + 1],
					      UINT32_MAX));
		else if (!strcmp(argv[i], "unpriv_attach"))
			nla_put_u8(msg, RECFRAME_A_CFG_UNPRIV_ATTACH,
				   parse_onoff(argv[i], argv[i + 1]));
		else
			fail_usage("config: unknown key \"%s\" (default_max_record, record_limit, unpriv_attach)",
				   argv[i]);
	}
	rf_talk(&c, msg);
	rf_close(&c);
	return 0;
}

/* ---------------------------------------------------------- monitor --- */

static const char *const event_names[] = {
	[RECFRAME_EVENT_ATTACH]		= "attach",
	[RECFRAME_EVENT_CLOSE]		= "close",
	[RECFRAME_EVENT_FRAMING_ERROR]	= "framing_error",
	[RECFRAME_EVENT_DECRYPT_ERROR]	= "decrypt_error",
	[RECFRAME_EVENT_REKEY]		= "rekey",
	[RECFRAME_EVENT_ABORT]		= "abort",
};

struct monitor {
	unsigned long	seen;
	unsigned long	count;		/* stop after this many; 0: never */
};

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int monitor_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RECFRAME_A_MAX + 1];
	struct monitor *m = arg;
	unsigned int ev = 0;
	uint32_t err = 0;

	if (genlmsg_hdr(nlmsg_hdr(msg))->cmd != RECFRAME_CMD_EVENT ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, RECFRAME_A_MAX,
			  rf_attr_policy))
		return NL_SKIP;
	if (tb[RECFRAME_A_EVENT])
		ev = nla_get_u8(tb[RECFRAME_A_EVENT]);
	if (tb[RECFRAME_A_ERRNO])
		err = nla_get_u32(tb[RECFRAME_A_ERRNO]);

	pr_line_begin();
	if (ev < sizeof(event_names) / sizeof(event_names[0]) &&
	    event_names[ev])
		pr_str("event", "", event_names[ev]);
	else
		pr_u64("event", "event", ev);
	if (tb[RECFRAME_A_COOKIE])
		pr_u64("cookie", "cookie", nla_get_u64(tb[RECFRAME_A_COOKIE]));
	print_endpoints(tb, false);
	pr_u64("errno", NULL, err);
	if (err)
		pr_str("error", "error", errno_name(err));
	pr_line_end();

	if (m->count && ++m->seen >= m->count)
		return NL_STOP;
	return NL_OK;
}

static int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { 0 };
	struct nl_cb *cb;
	struct rf_ctx c;
	int grp, ret, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "count")) {
			if (++i >= argc)
				fail_usage("monitor: %s needs a number",
					   argv[i - 1]);
			m.count = parse_u64("count", argv[i], ULONG_MAX);
		} else {
			fail_usage("monitor: unknown argument \"%s\"", argv[i]);
		}
	}
	rf_open(&c, "monitor");
	grp = genl_ctrl_resolve_grp(c.sk, RECFRAME_GENL_NAME,
				    RECFRAME_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		fprintf(stderr, "%s: monitor: no \"%s\" group: %s\n", prog,
			RECFRAME_GENL_MCGRP_EVENTS, nl_geterror(grp));
		return EXIT_KERNEL;
	}
	/* Directly, for the errno: EPERM without CAP_NET_ADMIN. */
	if (setsockopt(nl_socket_get_fd(c.sk), SOL_NETLINK,
		       NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))) {
		c.err = errno;
		c.what = "monitor: joining the events group";
		fail_kernel(&c);
	}
	nl_socket_set_buffer_size(c.sk, 1 << 20, 0);
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb)
		return EXIT_KERNEL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, monitor_cb, &m);
	/* Notifications carry no sequence numbers. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	for (;;) {
		ret = nl_recvmsgs(c.sk, cb);
		if (m.count && m.seen >= m.count)
			break;
		if (ret == -NLE_NOMEM) {
			/* ENOBUFS: the kernel dropped events for us. */
			fprintf(stderr, "%s: monitor: events were lost\n",
				prog);
			continue;
		}
		if (ret < 0 && ret != -NLE_INTR && ret != -NLE_AGAIN) {
			fprintf(stderr, "%s: monitor: netlink: %s\n", prog,
				nl_geterror(ret));
			nl_cb_put(cb);
			return EXIT_KERNEL;
		}
	}
	nl_cb_put(cb);
	rf_close(&c);
	return 0;
}

/* ------------------------------------------------------------- main --- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-j] [-p] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  show [cookie COOKIE] [port PORT] [addr ADDRESS]\n"
		"                      list recframe sockets of this network namespace\n"
		"  stats [reset]       show (or zero) the namespace's counters\n"
		"  set COOKIE KEY VALUE...\n"
		"                      change a socket: max_record BYTES, rx_header on|off\n"
		"  abort COOKIE        end a socket: its calls fail with ECONNABORTED,\n"
		"                      the peer gets a reset\n"
		"  config [KEY VALUE]...\n"
		"                      show or set defaults: default_max_record BYTES,\n"
		"                      record_limit BYTES, unpriv_attach on|off\n"
		"  monitor [-c COUNT]  print events (attach, close, errors, aborts)\n"
		"  help                this text\n"
		"\n"
		"Options:\n"
		"  -j, --json          JSON output\n"
		"  -p, --pretty        indented JSON output (implies -j)\n"
		"  -V, --version       print the version\n"
		"\n"
		"Exit status: 0 success, 1 error from the kernel, 2 usage error.\n",
		prog);
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(int argc, char **argv);
} commands[] = {
	{ "show",	cmd_show },
	{ "stats",	cmd_stats },
	{ "set",	cmd_set },
	{ "abort",	cmd_abort },
	{ "config",	cmd_config },
	{ "monitor",	cmd_monitor },
	{ "help",	cmd_help },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "pretty",	no_argument, NULL, 'p' },
		{ "version",	no_argument, NULL, 'V' },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum pr_mode mode = PR_TEXT;
	unsigned int i;
	int opt, ret;

	/* "+": options after the command belong to it (monitor -c). */
	while ((opt = getopt_long(argc, argv, "+jpVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			if (mode == PR_TEXT)
				mode = PR_JSON;
			break;
		case 'p':
			mode = PR_PRETTY;
			break;
		case 'V':
			printf("%s %s\n", prog, RECFRAME_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try '%s help'.\n", prog);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	/* Output options are also taken after the command: "stats -j". */
	for (opt = 0, i = 0; (int)i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			if (mode == PR_TEXT)
				mode = PR_JSON;
		} else if (!strcmp(argv[i], "-p") ||
			   !strcmp(argv[i], "--pretty")) {
			mode = PR_PRETTY;
		} else {
			argv[opt++] = argv[i];
		}
	}
	argc = opt;
	pr_init(mode);
	if (!argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name))
			continue;
		ret = commands[i].fn(argc, argv);
		pr_fini();
		return ret;
	}
	fail_usage("unknown command \"%s\"", argv[0]);
}
