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
#include "crypto.h"
#include "frame.h"
#include "netns.h"
#include "stats.h"

/*
 * What a direction does. Until it is configured a socket passes data
 * straight to TCP, as kTLS does before TLS_TX/TLS_RX: a kTLS program may
 * still read or write handshake bytes after attaching the ULP.
 */
enum rf_mode {
	RF_MODE_NONE,		/* plain TCP */
	RF_MODE_FRAMING,	/* RECFRAME_FRAMING: plaintext records */
	RF_MODE_TLS,		/* SOL_TLS TLS_TX / TLS_RX */
};

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
	/* Some payload pages are not ours (sendfile): encrypt out of place. */
	bool			foreign;
	/* A closed record TCP has not taken whole yet: push from here. */
	bool			pending;
	/* Someone is inside do_tcp_sendpages() and may sleep there. */
	bool			pushing;
	/*
	 * The open record was ended by its sender but could not be sealed
	 * for lack of memory: the work and the next call close it first.
	 */
	bool			want_close;
	u32			push_idx;
	u32			push_off;
	struct work_struct	work;
	/* Brings the work back after a failed allocation (rf_tx_push()). */
	struct timer_list	retry;
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
	/* TCP's copied_seq as recframe last left it. */
	u32			tcp_seq;
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

/* TLS mode: parameters of both directions and each one's AEAD. */
/* A TLS record's plaintext fits in this many pinned user pages. */
#define RF_TLS_PIN_MAX	(DIV_ROUND_UP(RF_TLS_MAX_PLAIN + 256, PAGE_SIZE) + 1)

struct rf_tls {
	struct rf_tls_params	p;
	struct rf_crypto	tx;
	struct rf_crypto	rx;
	u32			rx_no_pad;	/* TLS_RX_EXPECT_NO_PAD */
	/*
	 * Reserved when a record opens, so that closing it never needs
	 * memory: the content type byte and the tag go here.
	 */
	struct rf_frag		tail;
	/* Ciphertext fragments of a record encrypted out of place. */
	struct rf_frag		*cfrags;
	u32			cfrags_max;
	/*
	 * The decrypted record not yet read (partial reads, peeks, splice),
	 * allocated when a record first needs it.
	 */
	struct sk_buff		*clear;
	u32			clear_off;
	u32			clear_len;
	u8			clear_type;
	bool			clear_valid;	/* a record is in there */
	/* Records decrypted into user buffers since the clear skb's last use. */
	u8			clear_idle;
	/* TLS 1.3 content type of a record decrypted into the user's buffer. */
	u8			tail_byte;
	/* A KeyUpdate was read: nothing more until the next RX key. */
	bool			key_update_pending;
	/* User pages a record is decrypted into, pinned for the call. */
	struct page		*pin[RF_TLS_PIN_MAX];
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
	u64	tls_tx_records;
	u64	tls_rx_records;
	u64	tls_decrypt_err;
	u64	tls_rekey;
	u64	tls_rx_zc;	/* decrypted straight into the user's buffer */
	u64	tls_rx_clear;	/* decrypted into the socket's clear buffer */
	u64	tls_tx_inplace;
	u64	tls_tx_oop;	/* encrypted out of place (sendfile pages) */
	u64	rx_window_updates;
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

	u8			tx_mode;	/* enum rf_mode */
	u8			rx_mode;
	/* Copies of the TLS parameters, for dumps that must not chase tls. */
	u16			tls_version;
	u16			tls_cipher;
	bool			closing;
	/* An operator aborted the socket: every call fails from now on. */
	bool			aborted;
	u32			tls_tx_zc_ro;	/* TLS_TX_ZEROCOPY_RO, kept as set */
	struct rf_format	fmt;
	struct rf_tls		*tls;
	struct rf_rx_ctx	rx;
	struct rf_tx_ctx	tx;
	struct rf_sock_stats	stats;

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

/* tls.c */
int rf_tls_setsockopt(struct sock *sk, int optname, sockptr_t optval,
		      unsigned int optlen);
int rf_tls_getsockopt(struct sock *sk, int optname, char __user *optval,
		      int __user *optlen);
void rf_tls_free(struct rf_sock *rf);
int rf_tls_tx_reserve(struct rf_sock *rf, u32 max_frags, bool foreign);
int rf_tls_seal(struct sock *sk, struct rf_sock *rf);
int rf_tls_rx_header(struct rf_sock *rf, const u8 *hdr);
bool rf_tls_rx_ready(const struct rf_sock *rf, bool complete);
int rf_tls_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		   int flags);
ssize_t rf_tls_splice_read(struct sock *sk, struct pipe_inode_info *pipe,
			   size_t len, unsigned int flags, long timeo);

/* main.c */
u64 rf_sock_cookie(struct sock *sk);
struct sock *rf_sock_get(struct net *net, u64 cookie);
int rf_sock_abort(struct sock *sk);

/* rx.c */
void rf_rx_init(struct rf_sock *rf);
void rf_rx_release(struct rf_sock *rf);
void rf_rx_reparse(struct sock *sk, struct rf_sock *rf);
void rf_rx_abort(struct sock *sk, struct rf_sock *rf);
void rf_rx_parse(struct sock *sk, struct rf_sock *rf);
void rf_rx_set_error(struct sock *sk, struct rf_sock *rf, int err);
void rf_rx_stop(struct rf_sock *rf, int err);
bool rf_rx_take(struct sock *sk, struct rf_sock *rf, u32 n);
void rf_rx_account(struct sock *sk, struct rf_sock *rf, u32 n, bool eor);
int rf_rx_wait(struct sock *sk, struct rf_sock *rf, long *timeo);
int rf_rx_copy_out(struct sock *sk, struct rf_sock *rf);
typedef int (*rf_actor_t)(struct sk_buff *skb, u32 off, u32 len, void *arg);
int rf_rx_walk(struct sock *sk, struct rf_sock *rf, u32 offset, u32 len,
	       rf_actor_t actor, void *arg);
int rf_copy_bits_actor(struct sk_buff *skb, u32 off, u32 len, void *arg);
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
void rf_tx_cancel(struct rf_sock *rf);
void rf_tx_release(struct rf_sock *rf);
void rf_tx_flush(struct sock *sk, struct rf_sock *rf, long timeo);
u32 rf_tx_frags_for(const struct rf_format *fmt);
struct page *rf_tx_carve(struct sock *sk, struct rf_sock *rf, u32 len,
			 u32 *off, u32 *got);
void rf_splice_eof(struct socket *sock);
int rf_tx_close(struct sock *sk, struct rf_sock *rf);
void rf_tx_push_pending(struct sock *sk, struct rf_sock *rf);
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
