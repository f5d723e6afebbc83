/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recframe internals shared by the files of the module. The user-visible
 * contract is include/uapi/linux/recframe.h.
 */
#ifndef _RECFRAME_H
#define _RECFRAME_H

#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <net/inet_connection_sock.h>

#include "compat.h"
#include "frame.h"
#include "netns.h"
#include "stats.h"

/* A piece of a record being sent: a page reference and a byte range. */
struct rf_frag {
	struct page	*page;
	u32		off;
	u32		len;
};

/*
 * Transmit state. The open record is a list of page fragments, the header
 * first; it is built here and handed to TCP by reference once closed. The
 * fragment array is sized for max_record when the framing is set, so
 * records themselves never allocate bookkeeping.
 */
struct rf_tx_ctx {
	struct rf_frag		*frags;
	u32			max_frags;
	u32			nr_frags;	/* frags[0] is the header */
	u32			payload_len;	/* bytes in the open record */
	u8			type;
	bool			open;		/* a record is being built */
	/* A closed record TCP has not taken whole yet: push from here. */
	bool			pending;
	/* Someone is inside do_tcp_sendpages() and may sleep there. */
	bool			pushing;
	u32			push_idx;
	u32			push_off;
	struct work_struct	work;
	u8			hdr[RECFRAME_HDR_MAX];
};

/*
 * Receive state. Records stay in TCP's receive queue until the user reads
 * them; the framer only remembers where the current one ends. When a record
 * cannot fit in the receive buffer its first part is moved into pages of
 * our own (the copy fallback), so that TCP can open its window again.
 */
struct rf_rx_ctx {
	/* Where the current record ends; st.err is the sticky error. */
	struct rf_rx		st;
	/* A complete record waits at the head: poll and readers look here. */
	bool			ready;
	bool			want_hdr;	/* RECFRAME_RX_HEADER */
	bool			started;	/* a byte went to the user */
	/*
	 * Copy fallback: private skbs holding the next copy_len unread bytes
	 * of the stream, starting copy_off bytes into the first one.
	 */
	struct sk_buff_head	copyq;
	u32			copy_off;
	u32			copy_len;
	bool			copying;	/* counted for this record */
	struct work_struct	work;
};

struct rf_sock_stats {
	u64	rx_records;
	u64	rx_bytes;
	u64	tx_records;
	u64	tx_bytes;
	u64	rx_copy_fallback;
	u64	tx_alloc;
	u64	rx_empty;
	u64	err_msgsize;
	u64	err_badmsg;
	u64	err_badversion;
	u64	err_truncated;
};

/*
 * Per-socket context, hung off icsk_ulp_data. Everything the data path
 * touches per record lives here and is reused, so that steady state needs
 * no allocation. Fields are protected by the socket lock: process context
 * owns the socket, and softirq only runs the framer when it does not.
 */
struct rf_sock {
	struct sock		*sk;
	/* What recframe replaced; everything it does not handle goes there. */
	struct proto		*sk_proto;
	const struct proto_ops	*sk_ops;
	void			(*saved_data_ready)(struct sock *sk);
	void			(*saved_write_space)(struct sock *sk);

	struct rf_format	fmt;
	struct rf_rx_ctx	rx;
	struct rf_tx_ctx	tx;
	struct rf_sock_stats	stats;
	bool			closing;
	/* An operator aborted the socket: every call fails from now on. */
	bool			aborted;

	/* Membership of rf_net.socks, walked under RCU by the control plane. */
	struct list_head	node;
	struct rcu_head		rcu;
};

static inline struct rf_sock *rf_sk(const struct sock *sk)
{
	/*
	 * Only called from the socket's own callbacks, which run while the
	 * context exists; no RCU reader needed.
	 */
	return (__force struct rf_sock *)inet_csk(sk)->icsk_ulp_data;
}

/* main.c */
u64 rf_sock_cookie(struct sock *sk);
struct sock *rf_sock_get(struct net *net, u64 cookie);
int rf_sock_abort(struct sock *sk);

/* rx.c */
void rf_rx_init(struct rf_sock *rf);
void rf_rx_release(struct rf_sock *rf);
void rf_rx_reparse(struct sock *sk, struct rf_sock *rf);
void rf_rx_abort(struct sock *sk, struct rf_sock *rf);
void rf_data_ready(struct sock *sk);
int rf_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
	       int *addr_len);
__poll_t rf_poll(struct file *file, struct socket *sock,
		 struct poll_table_struct *wait);
ssize_t rf_splice_read(struct socket *sock, loff_t *ppos,
		       struct pipe_inode_info *pipe, size_t len,
		       unsigned int flags);

/* tx.c */
int rf_tx_init(struct rf_sock *rf);
int rf_tx_resize(struct rf_sock *rf, const struct rf_format *fmt);
void rf_tx_release(struct rf_sock *rf);
void rf_tx_flush(struct sock *sk, struct rf_sock *rf, long timeo);
void rf_shutdown_flush(struct sock *sk);
long rf_close_flush_timeo(struct sock *sk);
void rf_write_space(struct sock *sk);
int rf_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
int rf_sendpage(struct sock *sk, struct page *page, int offset, size_t size,
		int flags);

/* sockopt.c */
int rf_setsockopt(struct sock *sk, int level, int optname,
		  sockptr_t optval, unsigned int optlen);
int rf_getsockopt(struct sock *sk, int level, int optname,
		  char __user *optval, int __user *optlen);
int rf_set_max_record(struct sock *sk, u32 max_record);

/* netlink.c: the generic netlink control plane. */
enum rf_event {
	RF_EVENT_ATTACH,
	RF_EVENT_CLOSE,
	RF_EVENT_FRAMING_ERROR,
	RF_EVENT_DECRYPT_ERROR,
	RF_EVENT_REKEY,
	RF_EVENT_ABORT,
};

int rf_netlink_init(void);
void rf_netlink_exit(void);
/* Any context, the socket's state readable (owned or from TCP's rx path). */
void rf_nl_event(struct sock *sk, struct rf_sock *rf, enum rf_event ev,
		 int err);

#endif /* _RECFRAME_H */
