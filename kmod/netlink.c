// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink control plane: counters, the sockets of a network
 * namespace, their tunables, operator aborts, per-netns defaults and an
 * event group. The attribute tree is documented in the uapi header.
 *
 * Requests run without the genetlink mutex (parallel_ops). Sockets are
 * found on the per-netns RCU list; a socket is only touched with a
 * reference held, and its recframe context only under RCU or the socket
 * lock.
 */
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/stddef.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/tcp.h>

#include "recframe.h"

enum {
	RF_NL_MCGRP_EVENTS,
};

static struct genl_family rf_genl_family;

/* Serialises CONFIG_SET so that the default never exceeds the limit. */
static DEFINE_MUTEX(rf_nl_config_lock);

static struct netlink_range_validation rf_nl_max_record_range = {
	.min	= 1,
	.max	= RECFRAME_RECORD_LIMIT,
};

static struct netlink_range_validation rf_nl_default_record_range = {
	.min	= 1,
	.max	= RF_TLS_MAX_LIMIT,
};

static int rf_nl_validate_addr(const struct nlattr *attr,
			       struct netlink_ext_ack *extack)
{
	if (nla_len(attr) != sizeof(struct in_addr) &&
	    nla_len(attr) != sizeof(struct in6_addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	return 0;
}

/*
 * The address's length is checked by the function alone, so that a long
 * one is EINVAL like any malformed attribute (a policy .len would make it
 * ERANGE).
 */
static const struct nla_policy rf_nl_sock_get_policy[RECFRAME_A_MAX + 1] = {
	[RECFRAME_A_COOKIE]		= { .type = NLA_U64 },
	[RECFRAME_A_FILTER_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[RECFRAME_A_FILTER_ADDR]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY,
							 rf_nl_validate_addr),
};

static const struct nla_policy rf_nl_sock_set_policy[RECFRAME_A_MAX + 1] = {
	[RECFRAME_A_COOKIE]		= { .type = NLA_U64 },
	[RECFRAME_A_MAX_RECORD]		=
		NLA_POLICY_FULL_RANGE(NLA_U32, &rf_nl_max_record_range),
	[RECFRAME_A_RX_HEADER]		= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy rf_nl_sock_abort_policy[RECFRAME_A_MAX + 1] = {
	[RECFRAME_A_COOKIE]		= { .type = NLA_U64 },
};

static const struct nla_policy rf_nl_config_set_policy[RECFRAME_A_MAX + 1] = {
	[RECFRAME_A_CFG_DEFAULT_MAX_RECORD] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &rf_nl_default_record_range),
	[RECFRAME_A_CFG_RECORD_LIMIT]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &rf_nl_max_record_range),
	[RECFRAME_A_CFG_UNPRIV_ATTACH]	= NLA_POLICY_MAX(NLA_U8, 1),
};

/*
 * The uapi numbers of the namespace counters. Sized by its last entry, so
 * that a counter added to enum rf_stat without an attribute fails to build.
 */
static const u16 rf_nl_stat_attr[] = {
	[RF_STAT_CURR_SOCKETS]		= RECFRAME_STAT_A_CURR_SOCKETS,
	[RF_STAT_RX_RECORDS]		= RECFRAME_STAT_A_RX_RECORDS,
	[RF_STAT_RX_BYTES]		= RECFRAME_STAT_A_RX_BYTES,
	[RF_STAT_TX_RECORDS]		= RECFRAME_STAT_A_TX_RECORDS,
	[RF_STAT_TX_BYTES]		= RECFRAME_STAT_A_TX_BYTES,
	[RF_STAT_RX_COPY_FALLBACK]	= RECFRAME_STAT_A_RX_COPY_FALLBACK,
	[RF_STAT_TX_PAGE_ALLOC]		= RECFRAME_STAT_A_TX_ALLOC,
	[RF_STAT_RX_EMPTY]		= RECFRAME_STAT_A_RX_EMPTY,
	[RF_STAT_ERR_MSGSIZE]		= RECFRAME_STAT_A_ERR_MSGSIZE,
	[RF_STAT_ERR_BADMSG]		= RECFRAME_STAT_A_ERR_BADMSG,
	[RF_STAT_ERR_BADVERSION]	= RECFRAME_STAT_A_ERR_BADVERSION,
	[RF_STAT_ERR_TRUNCATED]		= RECFRAME_STAT_A_ERR_TRUNCATED,
	[RF_STAT_TLS_TX_RECORDS]	= RECFRAME_STAT_A_TLS_TX_RECORDS,
	[RF_STAT_TLS_RX_RECORDS]	= RECFRAME_STAT_A_TLS_RX_RECORDS,
	[RF_STAT_TLS_DECRYPT_ERR]	= RECFRAME_STAT_A_TLS_DECRYPT_ERROR,
	[RF_STAT_TLS_REKEY]		= RECFRAME_STAT_A_TLS_REKEY,
	[RF_STAT_TLS_RX_ZC]		= RECFRAME_STAT_A_TLS_RX_ZEROCOPY,
	[RF_STAT_TLS_RX_CLEAR]		= RECFRAME_STAT_A_TLS_RX_CLEAR,
	[RF_STAT_TLS_TX_INPLACE]	= RECFRAME_STAT_A_TLS_TX_INPLACE,
	[RF_STAT_TLS_TX_OOP]		= RECFRAME_STAT_A_TLS_TX_OUTOFPLACE,
	[RF_STAT_RX_WINDOW_UPDATES]	= RECFRAME_STAT_A_RX_WINDOW_UPDATES,
};

static_assert(ARRAY_SIZE(rf_nl_stat_attr) == RF_STAT_NUM,
	      "every recframe counter needs a RECFRAME_STAT_A_* attribute");

/* The per-socket counters and where they live in struct rf_sock_stats. */
static const struct {
	u16	attr;
	u16	off;
} rf_nl_sock_stat[] = {
	{ RECFRAME_STAT_A_RX_RECORDS,
	  offsetof(struct rf_sock_stats, rx_records) },
	{ RECFRAME_STAT_A_RX_BYTES,
	  offsetof(struct rf_sock_stats, rx_bytes) },
	{ RECFRAME_STAT_A_TX_RECORDS,
	  offsetof(struct rf_sock_stats, tx_records) },
	{ RECFRAME_STAT_A_TX_BYTES,
	  offsetof(struct rf_sock_stats, tx_bytes) },
	{ RECFRAME_STAT_A_RX_COPY_FALLBACK,
	  offsetof(struct rf_sock_stats, rx_copy_fallback) },
	{ RECFRAME_STAT_A_TX_ALLOC,
	  offsetof(struct rf_sock_stats, tx_alloc) },
	{ RECFRAME_STAT_A_RX_EMPTY,
	  offsetof(struct rf_sock_stats, rx_empty) },
	{ RECFRAME_STAT_A_ERR_MSGSIZE,
	  offsetof(struct rf_sock_stats, err_msgsize) },
	{ RECFRAME_STAT_A_ERR_BADMSG,
	  offsetof(struct rf_sock_stats, err_badmsg) },
	{ RECFRAME_STAT_A_ERR_BADVERSION,
	  offsetof(struct rf_sock_stats, err_badversion) },
	{ RECFRAME_STAT_A_ERR_TRUNCATED,
	  offsetof(struct rf_sock_stats, err_truncated) },
	{ RECFRAME_STAT_A_TLS_TX_RECORDS,
	  offsetof(struct rf_sock_stats, tls_tx_records) },
	{ RECFRAME_STAT_A_TLS_RX_RECORDS,
	  offsetof(struct rf_sock_stats, tls_rx_records) },
	{ RECFRAME_STAT_A_TLS_DECRYPT_ERROR,
	  offsetof(struct rf_sock_stats, tls_decrypt_err) },
	{ RECFRAME_STAT_A_TLS_REKEY,
	  offsetof(struct rf_sock_stats, tls_rekey) },
	{ RECFRAME_STAT_A_TLS_RX_ZEROCOPY,
	  offsetof(struct rf_sock_stats, tls_rx_zc) },
	{ RECFRAME_STAT_A_TLS_RX_CLEAR,
	  offsetof(struct rf_sock_stats, tls_rx_clear) },
	{ RECFRAME_STAT_A_TLS_TX_INPLACE,
	  offsetof(struct rf_sock_stats, tls_tx_inplace) },
	{ RECFRAME_STAT_A_TLS_TX_OUTOFPLACE,
	  offsetof(struct rf_sock_stats, tls_tx_oop) },
	{ RECFRAME_STAT_A_RX_WINDOW_UPDATES,
	  offsetof(struct rf_sock_stats, rx_window_updates) },
};

/* The uapi's name of an enum rf_mode. */
static u8 rf_nl_mode(u8 mode)
{
	switch (mode) {
	case RF_MODE_FRAMING:
		return RECFRAME_MODE_FRAMING;
	case RF_MODE_TLS:
		return RECFRAME_MODE_TLS;
	default:
		return RECFRAME_MODE_NONE;
	}
}

static const u8 rf_nl_event_kind[] = {
	[RF_EVENT_ATTACH]		= RECFRAME_EVENT_ATTACH,
	[RF_EVENT_CLOSE]		= RECFRAME_EVENT_CLOSE,
	[RF_EVENT_FRAMING_ERROR]	= RECFRAME_EVENT_FRAMING_ERROR,
	[RF_EVENT_DECRYPT_ERROR]	= RECFRAME_EVENT_DECRYPT_ERROR,
	[RF_EVENT_REKEY]		= RECFRAME_EVENT_REKEY,
	[RF_EVENT_ABORT]		= RECFRAME_EVENT_ABORT,
};

/*
 * The recframe context of a socket the caller holds a reference on, or
 * NULL once recframe let go of it. Under RCU or the socket lock.
 */
static struct rf_sock *rf_nl_ctx(struct sock *sk)
{
	const struct tcp_ulp_ops *ulp = READ_ONCE(inet_csk(sk)->icsk_ulp_ops);

	if (!ulp || ulp->owner != THIS_MODULE)
		return NULL;
	return rcu_dereference_check(inet_csk(sk)->icsk_ulp_data,
				     lockdep_sock_is_held(sk));
}

/* Both ends of the connection, as IPv6 addresses (IPv4 ones mapped). */
static void rf_nl_sock_addrs(const struct sock *sk, struct in6_addr *local,
			     struct in6_addr *remote)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		*local = sk->sk_v6_rcv_saddr;
		*remote = sk->sk_v6_daddr;
		return;
	}
#endif
	ipv6_addr_set_v4mapped(inet_sk(sk)->inet_rcv_saddr, local);
	ipv6_addr_set_v4mapped(inet_sk(sk)->inet_daddr, remote);
}

static int rf_nl_put_endpoints(struct sk_buff *skb, const struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (nla_put_u8(skb, RECFRAME_A_FAMILY, sk->sk_family) ||
	    nla_put_u16(skb, RECFRAME_A_SPORT, ntohs(inet->inet_sport)) ||
	    nla_put_u16(skb, RECFRAME_A_DPORT, ntohs(inet->inet_dport)))
		return -EMSGSIZE;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		if (nla_put_in6_addr(skb, RECFRAME_A_SADDR,
				     &sk->sk_v6_rcv_saddr) ||
		    nla_put_in6_addr(skb, RECFRAME_A_DADDR, &sk->sk_v6_daddr))
			return -EMSGSIZE;
		return 0;
	}
#endif
	if (nla_put_in_addr(skb, RECFRAME_A_SADDR, inet->inet_rcv_saddr) ||
	    nla_put_in_addr(skb, RECFRAME_A_DADDR, inet->inet_daddr))
		return -EMSGSIZE;
	return 0;
}

static int rf_nl_put_framing(struct sk_buff *skb, const struct rf_format *f)
{
	struct nlattr *nest;
	u8 flags = 0;

	if (f->little_endian)
		flags |= RECFRAME_F_LITTLE_ENDIAN;
	if (f->has_type)
		flags |= RECFRAME_F_TYPE;
	nest = nla_nest_start(skb, RECFRAME_A_FRAMING);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, RECFRAME_FRAMING_A_FORMAT, f->format) ||
	    nla_put_u8(skb, RECFRAME_FRAMING_A_HDR_LEN, f->hdr_len) ||
	    nla_put_u8(skb, RECFRAME_FRAMING_A_LEN_OFF, f->len_off) ||
	    nla_put_u8(skb, RECFRAME_FRAMING_A_LEN_SIZE, f->len_size) ||
	    (f->has_type &&
	     nla_put_u8(skb, RECFRAME_FRAMING_A_TYPE_OFF, f->type_off)) ||
	    nla_put_u8(skb, RECFRAME_FRAMING_A_FLAGS, flags) ||
	    nla_put_s32(skb, RECFRAME_FRAMING_A_LEN_ADJUST, f->len_adjust)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int rf_nl_put_sock_stats(struct sk_buff *skb, const struct rf_sock *rf)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, RECFRAME_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(rf_nl_sock_stat); i++) {
		const u64 *v = (const void *)&rf->stats + rf_nl_sock_stat[i].off;

		if (nla_put_u64_64bit(skb, rf_nl_sock_stat[i].attr,
				      READ_ONCE(*v), RECFRAME_STAT_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One socket's message. The fields are read without the socket lock: a
 * report may mix values from just before and just after an update, which
 * is fine for a snapshot. Caller holds a reference on @sk and keeps @rf
 * alive (RCU).
 */
static int rf_nl_fill_sock(struct sk_buff *skb, struct sock *sk,
			   const struct rf_sock *rf,
			   struct user_namespace *user_ns,
			   u32 portid, u32 seq, struct netlink_callback *cb)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct rf_format fmt;
	u32 state = 0, rx_err = 0;
	u16 tls_version = 0, tls_cipher = 0;
	u8 rx_mode, tx_mode;
	s32 rxq, txq;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &rf_genl_family,
			  cb ? NLM_F_MULTI : 0, RECFRAME_CMD_SOCK_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	rx_mode = rf_nl_mode(READ_ONCE(rf->rx_mode));
	tx_mode = rf_nl_mode(READ_ONCE(rf->tx_mode));
	/*
	 * The copies kept for dumps: never chase rf->tls here. They count
	 * once a direction runs TLS, not while a setsockopt is half done.
	 */
	if (rx_mode == RECFRAME_MODE_TLS || tx_mode == RECFRAME_MODE_TLS) {
		tls_version = READ_ONCE(rf->tls_version);
		tls_cipher = READ_ONCE(rf->tls_cipher);
	}
	fmt = rf->fmt;
	if (READ_ONCE(rf->rx.ready))
		state |= RECFRAME_STATE_RX_READY;
	if (READ_ONCE(rf->rx.st.state) == RF_RX_ERR) {
		state |= RECFRAME_STATE_RX_ERROR;
		rx_err = -READ_ONCE(rf->rx.st.err);
	}
	if (READ_ONCE(rf->tx.open))
		state |= RECFRAME_STATE_TX_OPEN;
	/* The Recv-Q and Send-Q that ss(8) shows for the socket. */
	rxq = READ_ONCE(tp->rcv_nxt) - READ_ONCE(tp->copied_seq);
	txq = READ_ONCE(tp->write_seq) - READ_ONCE(tp->snd_una);

	if (nla_put_u64_64bit(skb, RECFRAME_A_COOKIE, rf_sock_cookie(sk),
			      RECFRAME_A_PAD) ||
	    rf_nl_put_endpoints(skb, sk) ||
	    nla_put_u8(skb, RECFRAME_A_TCP_STATE, inet_sk_state_load(sk)) ||
	    nla_put_u32(skb, RECFRAME_A_UID,
			from_kuid_munged(user_ns, sock_i_uid(sk))) ||
	    nla_put_u64_64bit(skb, RECFRAME_A_INODE, sock_i_ino(sk),
			      RECFRAME_A_PAD) ||
	    nla_put_u8(skb, RECFRAME_A_MODE, rx_mode) ||
	    nla_put_u8(skb, RECFRAME_A_TX_MODE, tx_mode) ||
	    rf_nl_put_framing(skb, &fmt) ||
	    nla_put_u32(skb, RECFRAME_A_MAX_RECORD, fmt.max_record) ||
	    nla_put_u8(skb, RECFRAME_A_RX_HEADER, READ_ONCE(rf->rx.want_hdr)) ||
	    nla_put_u16(skb, RECFRAME_A_TLS_VERSION, tls_version) ||
	    nla_put_u16(skb, RECFRAME_A_TLS_CIPHER, tls_cipher) ||
	    nla_put_u32(skb, RECFRAME_A_STATE, state) ||
	    nla_put_u32(skb, RECFRAME_A_RX_ERROR, rx_err) ||
	    nla_put_u32(skb, RECFRAME_A_RX_QUEUED, max(rxq, 0)) ||
	    nla_put_u32(skb, RECFRAME_A_TX_QUEUED, max(txq, 0)) ||
	    rf_nl_put_sock_stats(skb, rf)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The socket a request names by RECFRAME_A_COOKIE, with a reference. */
static struct sock *rf_nl_lookup(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[RECFRAME_A_COOKIE];
	struct sock *sk;

	if (GENL_REQ_ATTR_CHECK(info, RECFRAME_A_COOKIE)) {
		NL_SET_ERR_MSG(info->extack,
			       "missing socket cookie (RECFRAME_A_COOKIE)");
		return ERR_PTR(-EINVAL);
	}
	sk = rf_sock_get(genl_info_net(info), nla_get_u64(attr));
	if (!sk) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "no recframe socket has this cookie");
		return ERR_PTR(-ENOENT);
	}
	return sk;
}

static int rf_nl_sock_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *filter = info->attrs[RECFRAME_A_FILTER_PORT] ?:
				info->attrs[RECFRAME_A_FILTER_ADDR];
	struct sk_buff *msg;
	struct rf_sock *rf;
	struct sock *sk;
	int err;

	if (filter) {
		NL_SET_ERR_MSG_ATTR(info->extack, filter,
				    "filters apply to dumps only");
		return -EINVAL;
	}
	sk = rf_nl_lookup(info);
	if (IS_ERR(sk))
		return PTR_ERR(sk);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto err_put_sock;
	}
	rcu_read_lock();
	rf = rf_nl_ctx(sk);
	err = -ENOENT;
	if (rf)
		err = rf_nl_fill_sock(msg, sk, rf,
				      sk_user_ns(NETLINK_CB(skb).sk),
				      info->snd_portid, info->snd_seq, NULL);
	rcu_read_unlock();
	if (err) {
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "the socket is closing");
		goto err_free_msg;
	}
	sock_put(sk);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
err_put_sock:
	sock_put(sk);
	return err;
}

struct rf_nl_filter {
	u64		cookie;
	struct in6_addr	addr;
	u16		port;
	bool		has_cookie;
	bool		has_addr;
};

static void rf_nl_filter_init(struct rf_nl_filter *f, struct nlattr **attrs)
{
	memset(f, 0, sizeof(*f));
	if (attrs[RECFRAME_A_COOKIE]) {
		f->has_cookie = true;
		f->cookie = nla_get_u64(attrs[RECFRAME_A_COOKIE]);
	}
	if (attrs[RECFRAME_A_FILTER_PORT])
		f->port = nla_get_u16(attrs[RECFRAME_A_FILTER_PORT]);
	if (attrs[RECFRAME_A_FILTER_ADDR]) {
		const struct nlattr *a = attrs[RECFRAME_A_FILTER_ADDR];

		f->has_addr = true;
		if (nla_len(a) == sizeof(struct in_addr))
			ipv6_addr_set_v4mapped(nla_get_in_addr(a), &f->addr);
		else
			f->addr = nla_get_in6_addr(a);
	}
}

static bool rf_nl_filter_match(const struct rf_nl_filter *f, struct sock *sk)
{
	if (f->has_cookie && rf_sock_cookie(sk) != f->cookie)
		return false;
	if (f->port && ntohs(inet_sk(sk)->inet_sport) != f->port &&
	    ntohs(inet_sk(sk)->inet_dport) != f->port)
		return false;
	if (f->has_addr) {
		struct in6_addr local, remote;

		rf_nl_sock_addrs(sk, &local, &remote);
		if (!ipv6_addr_equal(&local, &f->addr) &&
		    !ipv6_addr_equal(&remote, &f->addr))
			return false;
	}
	return true;
}

/*
 * Where a dump spanning several messages goes on. pos counts the list
 * entries already passed; if the list changed since (gen), the dump goes on
 * after the most recent of the last sockets it reported that is still
 * listed. Contexts are compared by address only, never dereferenced, and a
 * match is confirmed by the socket's cookie in case the address was reused.
 */
#define RF_NL_CURSOR_LAST	2

struct rf_nl_cursor {
	u32	pos;
	u32	gen;
	u32	nlast;
	struct {
		unsigned long	ctx;
		u64		cookie;
	} last[RF_NL_CURSOR_LAST];
};

static_assert(sizeof(struct rf_nl_cursor) <=
	      sizeof_field(struct netlink_callback, ctx));

static unsigned long rf_nl_ctx_id(const struct rf_sock *rf)
{
	return (unsigned long)rf;
}

static void rf_nl_cursor_push(struct rf_nl_cursor *cur,
			      const struct rf_sock *rf, u64 cookie)
{
	memmove(&cur->last[1], &cur->last[0],
		sizeof(cur->last[0]) * (RF_NL_CURSOR_LAST - 1));
	cur->last[0].ctx = rf_nl_ctx_id(rf);
	cur->last[0].cookie = cookie;
	if (cur->nlast < RF_NL_CURSOR_LAST)
		cur->nlast++;
}

/* Whether a listed context still belongs to the socket with @cookie. */
static bool rf_nl_same_sock(const struct rf_sock *rf, u64 cookie)
{
	struct sock *sk = rf->sk;
	bool same;

	if (!refcount_inc_not_zero(&sk->sk_refcnt))
		return false;
	same = rf_sock_cookie(sk) == cookie;
	sock_put(sk);
	return same;
}

/*
 * The entry after which the dump goes on (NULL: the list head); its index
 * plus one goes to @pos. Under RCU: the entry returned may have left the
 * list meanwhile, which the RCU list walk from it tolerates.
 */
static struct rf_sock *rf_nl_cursor_seek(struct rf_net *rn,
					 const struct rf_nl_cursor *cur,
					 u32 gen, u32 *pos)
{
	u32 fallback = cur->pos > cur->nlast ? cur->pos - cur->nlast : 0;
	struct rf_sock *rf, *found = NULL, *fb = NULL, *tail = NULL;
	u32 best = cur->nlast, found_pos = 0, i = 0;
	u32 k;

	*pos = 0;
	if (!cur->nlast)
		return NULL;
	list_for_each_entry_rcu(rf, &rn->socks, node) {
		i++;
		tail = rf;
		if (i == fallback)
			fb = rf;
		/* The list did not change: just skip what was passed. */
		if (gen == cur->gen && i == cur->pos &&
		    rf_nl_ctx_id(rf) == cur->last[0].ctx) {
			*pos = i;
			return rf;
		}
		for (k = 0; k < best; k++) {
			if (rf_nl_ctx_id(rf) != cur->last[k].ctx)
				continue;
			if (rf_nl_same_sock(rf, cur->last[k].cookie)) {
				best = k;
				found = rf;
				found_pos = i;
			}
			break;
		}
		if (found && !best)
			break;
	}
	if (found) {
		*pos = found_pos;
		return found;
	}
	/*
	 * Every socket remembered closed: count back as many from the old
	 * position. Exact when nothing else before them closed; the dump is
	 * flagged NLM_F_DUMP_INTR either way.
	 */
	if (!fallback)
		return NULL;
	if (fb) {
		*pos = fallback;
		return fb;
	}
	*pos = i;
	return tail;
}

/* 1 if the socket went into @skb, 0 if it is not to be reported. */
static int rf_nl_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			  struct rf_sock *rf, const struct rf_nl_filter *f,
			  u64 *cookie)
{
	struct sock *sk = rf->sk;
	int ret = 0;

	if (!refcount_inc_not_zero(&sk->sk_refcnt))
		return 0;
	/* The context is being freed, or the socket was reused. */
	if (rcu_access_pointer(inet_csk(sk)->icsk_ulp_data) != rf)
		goto out;
	if (!rf_nl_filter_match(f, sk))
		goto out;
	ret = rf_nl_fill_sock(skb, sk, rf, sk_user_ns(NETLINK_CB(cb->skb).sk),
			      NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			      cb);
	if (!ret) {
		*cookie = rf_sock_cookie(sk);
		ret = 1;
	}
out:
	sock_put(sk);
	return ret;
}

static int rf_nl_sock_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct rf_nl_cursor *cur = (struct rf_nl_cursor *)cb->ctx;
	struct rf_net *rn = rf_net(sock_net(cb->skb->sk));
	struct rf_nl_filter filter;
	struct rf_sock *rf;
	int err = 0, sent = 0;
	u32 gen, pos;
	u64 cookie;

	rf_nl_filter_init(&filter, info->attrs);
	rcu_read_lock();
	gen = READ_ONCE(rn->socks_gen);
	/* Never 0, which the consistency check reads as "not set". */
	cb->seq = gen + 1;
	rf = rf_nl_cursor_seek(rn, cur, gen, &pos);
	rf = list_prepare_entry(rf, &rn->socks, node);
	list_for_each_entry_continue_rcu(rf, &rn->socks, node) {
		err = rf_nl_dump_one(skb, cb, rf, &filter, &cookie);
		if (err < 0)
			break;
		pos++;
		if (err) {
			rf_nl_cursor_push(cur, rf, cookie);
			sent++;
		}
	}
	cur->pos = pos;
	cur->gen = gen;
	rcu_read_unlock();

	/* A socket that fits in no message at all would stall the dump. */
	if (err < 0 && !sent && !skb->len)
		return err;
	return skb->len;
}

static int rf_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	u64 vals[RF_STAT_NUM];
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	int i;

	msg = genlmsg_new(nla_total_size(0) +
			  RF_STAT_NUM * nla_total_size_64bit(sizeof(u64)),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &rf_genl_family, 0,
				RECFRAME_CMD_STATS_GET);
	if (!hdr)
		goto err_free_msg;
	nest = nla_nest_start(msg, RECFRAME_A_STATS);
	if (!nest)
		goto err_free_msg;
	rf_stats_fold(genl_info_net(info), vals);
	for (i = 0; i < RF_STAT_NUM; i++)
		if (nla_put_u64_64bit(msg, rf_nl_stat_attr[i], vals[i],
				      RECFRAME_STAT_A_PAD))
			goto err_free_msg;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int rf_nl_stats_reset(struct sk_buff *skb, struct genl_info *info)
{
	rf_stats_reset(genl_info_net(info));
	return 0;
}

static int rf_nl_set_rx_header(struct sock *sk, bool on)
{
	struct rf_sock *rf;
	int err = -ENOENT;

	lock_sock(sk);
	rf = rf_nl_ctx(sk);
	if (rf && !rf->closing) {
		WRITE_ONCE(rf->rx.want_hdr, on);
		err = 0;
	}
	release_sock(sk);
	return err;
}

static int rf_nl_sock_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *max = info->attrs[RECFRAME_A_MAX_RECORD];
	struct nlattr *rxh = info->attrs[RECFRAME_A_RX_HEADER];
	struct sock *sk;
	int err = 0;

	sk = rf_nl_lookup(info);
	if (IS_ERR(sk))
		return PTR_ERR(sk);
	if (!max && !rxh) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give RECFRAME_A_MAX_RECORD or RECFRAME_A_RX_HEADER");
		err = -EINVAL;
		goto out;
	}
	/* First what may be refused, so that a failure changes nothing. */
	if (max) {
		err = rf_set_max_record(sk, nla_get_u32(max));
		if (err == -EINVAL)
			NL_SET_ERR_MSG_ATTR(info->extack, max,
					    "max_record above the record limit or what the length field holds");
		else if (err == -EBUSY)
			NL_SET_ERR_MSG_ATTR(info->extack, max,
					    "the record being built is already larger");
		if (err)
			goto out;
	}
	if (rxh)
		err = rf_nl_set_rx_header(sk, nla_get_u8(rxh));
out:
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "the socket is closing");
	sock_put(sk);
	return err;
}

static int rf_nl_sock_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct sock *sk;
	int err;

	sk = rf_nl_lookup(info);
	if (IS_ERR(sk))
		return PTR_ERR(sk);
	err = rf_sock_abort(sk);
	if (!err)
		rf_nl_event(sk, NULL, RF_EVENT_ABORT, -ECONNABORTED);
	else if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "the socket is closing");
	sock_put(sk);
	return err;
}

static int rf_nl_config_get(struct sk_buff *skb, struct genl_info *info)
{
	const struct rf_config *cfg = &rf_net(genl_info_net(info))->cfg;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(2 * nla_total_size(sizeof(u32)) +
			  nla_total_size(sizeof(u8)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &rf_genl_family, 0,
				RECFRAME_CMD_CONFIG_GET);
	if (!hdr ||
	    nla_put_u32(msg, RECFRAME_A_CFG_DEFAULT_MAX_RECORD,
			READ_ONCE(cfg->default_max_record)) ||
	    nla_put_u32(msg, RECFRAME_A_CFG_RECORD_LIMIT,
			READ_ONCE(cfg->record_limit)) ||
	    nla_put_u8(msg, RECFRAME_A_CFG_UNPRIV_ATTACH,
		       READ_ONCE(cfg->unpriv_attach))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int rf_nl_config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *def = info->attrs[RECFRAME_A_CFG_DEFAULT_MAX_RECORD];
	struct nlattr *lim = info->attrs[RECFRAME_A_CFG_RECORD_LIMIT];
	struct nlattr *unpriv = info->attrs[RECFRAME_A_CFG_UNPRIV_ATTACH];
	struct rf_config *cfg = &rf_net(genl_info_net(info))->cfg;
	u32 def_val, lim_val;
	int err = 0;

	if (!def && !lim && !unpriv) {
		NL_SET_ERR_MSG(info->extack, "nothing to set");
		return -EINVAL;
	}
	mutex_lock(&rf_nl_config_lock);
	def_val = def ? nla_get_u32(def) : cfg->default_max_record;
	lim_val = lim ? nla_get_u32(lim) : cfg->record_limit;
	if (def_val > lim_val) {
		NL_SET_ERR_MSG_ATTR(info->extack, def ?: lim,
				    "default max_record above the record limit");
		err = -EINVAL;
		goto out;
	}
	/* The limit first: a new socket must never see default > limit. */
	if (lim_val < cfg->record_limit) {
		WRITE_ONCE(cfg->default_max_record, def_val);
		WRITE_ONCE(cfg->record_limit, lim_val);
	} else {
		WRITE_ONCE(cfg->record_limit, lim_val);
		WRITE_ONCE(cfg->default_max_record, def_val);
	}
	if (unpriv)
		WRITE_ONCE(cfg->unpriv_attach, nla_get_u8(unpriv));
out:
	mutex_unlock(&rf_nl_config_lock);
	return err;
}

#define RF_NL_EVENT_SIZE						\
	(nla_total_size(sizeof(u8)) +		/* EVENT */		\
	 nla_total_size_64bit(sizeof(u64)) +	/* COOKIE */		\
	 nla_total_size(sizeof(u32)) +		/* ERRNO */		\
	 nla_total_size(sizeof(u8)) +		/* FAMILY */		\
	 2 * nla_total_size(sizeof(struct in6_addr)) +			\
	 2 * nla_total_size(sizeof(u16)))

/*
 * Tell the events group about @sk. Any context, including TCP's receive
 * path in softirq; nothing is done unless someone listens in the socket's
 * namespace. Lost events (no memory, a full receiver) are not reported.
 */
void rf_nl_event(struct sock *sk, struct rf_sock *rf, enum rf_event ev,
		 int err)
{
	struct net *net = sock_net(sk);
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&rf_genl_family, net, RF_NL_MCGRP_EVENTS))
		return;
	skb = genlmsg_new(RF_NL_EVENT_SIZE, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &rf_genl_family, 0, RECFRAME_CMD_EVENT);
	if (!hdr ||
	    nla_put_u8(skb, RECFRAME_A_EVENT, rf_nl_event_kind[ev]) ||
	    nla_put_u64_64bit(skb, RECFRAME_A_COOKIE, rf_sock_cookie(sk),
			      RECFRAME_A_PAD) ||
	    nla_put_u32(skb, RECFRAME_A_ERRNO, err < 0 ? -err : 0) ||
	    rf_nl_put_endpoints(skb, sk)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&rf_genl_family, net, skb, 0,
				RF_NL_MCGRP_EVENTS, GFP_ATOMIC);
}

static const struct genl_ops rf_nl_ops[] = {
	{
		.cmd		= RECFRAME_CMD_STATS_GET,
		.doit		= rf_nl_stats_get,
	},
	{
		.cmd		= RECFRAME_CMD_STATS_RESET,
		.doit		= rf_nl_stats_reset,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= RECFRAME_CMD_SOCK_GET,
		.doit		= rf_nl_sock_get_doit,
		.dumpit		= rf_nl_sock_dumpit,
		.policy		= rf_nl_sock_get_policy,
		.maxattr	= RECFRAME_A_MAX,
	},
	{
		.cmd		= RECFRAME_CMD_SOCK_SET,
		.doit		= rf_nl_sock_set,
		.policy		= rf_nl_sock_set_policy,
		.maxattr	= RECFRAME_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= RECFRAME_CMD_SOCK_ABORT,
		.doit		= rf_nl_sock_abort,
		.policy		= rf_nl_sock_abort_policy,
		.maxattr	= RECFRAME_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= RECFRAME_CMD_CONFIG_GET,
		.doit		= rf_nl_config_get,
	},
	{
		.cmd		= RECFRAME_CMD_CONFIG_SET,
		.doit		= rf_nl_config_set,
		.policy		= rf_nl_config_set_policy,
		.maxattr	= RECFRAME_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group rf_nl_mcgrps[] = {
	[RF_NL_MCGRP_EVENTS] = {
		.name	= RECFRAME_GENL_MCGRP_EVENTS,
		/* Checked in the netns's user namespace by genl_bind(). */
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

/*
 * Commands without a policy take no attributes: genetlink rejects any for
 * them, since every command is at or above resv_start_op (0).
 */
static struct genl_family rf_genl_family __ro_after_init = {
	.name		= RECFRAME_GENL_NAME,
	.version	= RECFRAME_GENL_VERSION,
	.maxattr	= RECFRAME_A_MAX,
	.module		= THIS_MODULE,
	.netnsok	= true,
	.parallel_ops	= true,
	.ops		= rf_nl_ops,
	.n_ops		= ARRAY_SIZE(rf_nl_ops),
	.mcgrps		= rf_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(rf_nl_mcgrps),
};

int __init rf_netlink_init(void)
{
	return genl_register_family(&rf_genl_family);
}

void rf_netlink_exit(void)
{
	genl_unregister_family(&rf_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(RECFRAME_GENL_NAME);
