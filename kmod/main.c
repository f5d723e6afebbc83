// SPDX-License-Identifier: GPL-2.0
/*
 * recframe: the TCP upper-layer protocol. Attaching, the per-family proto
 * tables, and the socket context's lifetime.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/skmsg.h>
#include <linux/sock_diag.h>
#include <net/tcp.h>

#include "recframe.h"

#define CREATE_TRACE_POINTS
#include "rf_trace.h"

#ifndef RECFRAME_VERSION
#define RECFRAME_VERSION "unknown"
#endif

enum {
	RF_IPV4,
	RF_IPV6,
	RF_NUM_FAMILIES,
};

/*
 * A socket's sk_prot and socket ops point into these tables while recframe
 * is attached. They are copies of TCP's with recframe's operations laid
 * over, built the first time a socket of each family attaches. tcpv6_prot
 * lives in a module of its own on some configurations, so its address is
 * learnt from the socket instead of taken from a symbol, and the table is
 * rebuilt if that address ever changes.
 */
static struct proto rf_prots[RF_NUM_FAMILIES];
static struct proto_ops rf_ops[RF_NUM_FAMILIES];
static const struct proto *rf_base_prots[RF_NUM_FAMILIES];
static DEFINE_MUTEX(rf_prots_lock);

static int rf_disconnect(struct sock *sk, int flags)
{
	/*
	 * connect(AF_UNSPEC) would leave a context describing a stream that
	 * no longer exists; kTLS refuses it the same way.
	 */
	return -EOPNOTSUPP;
}

static int rf_ops_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;

	/* The last record must go out before TCP's FIN. */
	if (how == SHUT_WR || how == SHUT_RDWR)
		rf_shutdown_flush(sk);
	return rf_sk(sk)->sk_ops->shutdown(sock, how);
}

static void rf_list_add(struct sock *sk, struct rf_sock *rf)
{
	struct rf_net *rn = rf_net(sock_net(sk));

	spin_lock(&rn->socks_lock);
	list_add_tail_rcu(&rf->node, &rn->socks);
	rn->socks_gen++;
	spin_unlock(&rn->socks_lock);
	rf_stat_inc(sk, RF_STAT_CURR_SOCKETS);
}

static void rf_ctx_free(struct sock *sk, struct rf_sock *rf)
{
	struct rf_net *rn = rf_net(sock_net(sk));

	/* Reached from rf_close() and rf_release(): one close event each. */
	rf_nl_event(sk, rf, RF_EVENT_CLOSE, 0);
	spin_lock(&rn->socks_lock);
	list_del_rcu(&rf->node);
	rn->socks_gen++;
	spin_unlock(&rn->socks_lock);
	rf_stat_add(sk, RF_STAT_CURR_SOCKETS, -1);

	rf_rx_release(rf);
	rf_tx_release(rf);
	rf_tls_free(rf);
	/* Dumps may still be reading the context. */
	kfree_rcu(rf, rcu);
}

u64 rf_sock_cookie(struct sock *sk)
{
	u32 cookie[2];

	sock_diag_save_cookie(sk, cookie);
	return cookie[0] | (u64)cookie[1] << 32;
}

/*
 * Find a recframe socket of @net by its cookie (SO_COOKIE) and take a
 * reference on it. Returns NULL if there is none.
 */
struct sock *rf_sock_get(struct net *net, u64 cookie)
{
	struct rf_net *rn = rf_net(net);
	struct sock *found = NULL;
	struct rf_sock *rf;

	rcu_read_lock();
	list_for_each_entry_rcu(rf, &rn->socks, node) {
		struct sock *sk = rf->sk;

		if (rf_sock_cookie(sk) != cookie ||
		    !refcount_inc_not_zero(&sk->sk_refcnt))
			continue;
		/*
		 * TCP sockets are SLAB_TYPESAFE_BY_RCU: the memory may have
		 * become another socket before the reference was taken, so
		 * check again that it is still this context's socket.
		 */
		if (rcu_access_pointer(inet_csk(sk)->icsk_ulp_data) == rf &&
		    rf_sock_cookie(sk) == cookie) {
			found = sk;
			break;
		}
		sock_put(sk);
	}
	rcu_read_unlock();
	return found;
}

/*
 * End a socket on an operator's request: the peer gets a reset, blocked
 * and future calls fail with ECONNABORTED. The caller holds a reference.
 */
int rf_sock_abort(struct sock *sk)
{
	struct rf_sock *rf;
	int err;

	lock_sock(sk);
	rf = rf_sk(sk);
	if (!rf || rf->closing) {
		release_sock(sk);
		return -ENOENT;
	}
	rf->aborted = true;
	rf_rx_abort(sk, rf);
	release_sock(sk);

	/* Sends the reset and wakes every waiter with sk_err set. */
	err = tcp_abort(sk, ECONNABORTED);
	return err == -ENOENT ? 0 : err;
}

static void rf_close(struct sock *sk, long timeout)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct rf_sock *rf = rf_sk(sk);
	struct proto *base = rf->sk_proto;

	lock_sock(sk);
	rf_tx_flush(sk, rf, rf_close_flush_timeo(sk));
	rf->closing = true;
	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(icsk->icsk_ulp_data, NULL);
	sk->sk_data_ready = rf->saved_data_ready;
	sk->sk_write_space = rf->saved_write_space;
	WRITE_ONCE(sk->sk_prot, base);
	if (sk->sk_socket)
		WRITE_ONCE(sk->sk_socket->ops, rf->sk_ops);
	write_unlock_bh(&sk->sk_callback_lock);
	release_sock(sk);

	/* The works take the socket lock, so this waits outside it. */
	cancel_work_sync(&rf->rx.work);
	rf_tx_cancel(rf);
	rf_ctx_free(sk, rf);
	base->close(sk, timeout);
}

static void rf_build_proto(struct proto *prot, const struct proto *base)
{
	*prot = *base;
	prot->close		= rf_close;
	prot->disconnect	= rf_disconnect;
	prot->recvmsg		= rf_recvmsg;
	prot->sendmsg		= rf_sendmsg;
	prot->sendpage		= rf_sendpage;
	prot->setsockopt	= rf_setsockopt;
	prot->getsockopt	= rf_getsockopt;
#ifdef RF_HAVE_SPLICE_EOF
	prot->splice_eof	= rf_splice_eof;
#endif
}

static void rf_build_ops(struct proto_ops *ops, const struct proto_ops *base)
{
	*ops = *base;
	ops->poll		= rf_poll;
	ops->splice_read	= rf_splice_read;
	ops->shutdown		= rf_ops_shutdown;
	/* In-kernel senders would bypass the record layer. */
	ops->sendmsg_locked	= NULL;
	ops->sendpage_locked	= NULL;
}

static int rf_family(const struct sock *sk)
{
	return sk->sk_family == AF_INET6 ? RF_IPV6 : RF_IPV4;
}

static void rf_build_tables(struct sock *sk)
{
	int family = rf_family(sk);
	const struct proto *base = READ_ONCE(sk->sk_prot);

	/* Pairs with the release below: a matching base means built tables. */
	if (likely(smp_load_acquire(&rf_base_prots[family]) == base))
		return;

	mutex_lock(&rf_prots_lock);
	if (rf_base_prots[family] != base) {
		rf_build_proto(&rf_prots[family], base);
		rf_build_ops(&rf_ops[family], sk->sk_socket->ops);
		/* Publish the base only once the tables are complete. */
		smp_store_release(&rf_base_prots[family], base);
	}
	mutex_unlock(&rf_prots_lock);
}

static int rf_init(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	int family = rf_family(sk);
	struct rf_sock *rf;
	struct rf_net *rn;
	int err;

	/*
	 * The context describes one established stream. A listener would
	 * hand it to its children (tcp_ulp refuses listen() for ULPs without
	 * ->clone), and a socket that is not yet connected has no stream.
	 * Kernel sockets without a struct socket have no ops to replace.
	 */
	if (sk->sk_state != TCP_ESTABLISHED)
		return -ENOTCONN;
	if (!sk->sk_socket)
		return -EINVAL;
	/* A socket in a BPF sockmap has its proto swapped already (kTLS too). */
	rcu_read_lock();
	if (sk_psock(sk)) {
		rcu_read_unlock();
		return -EINVAL;
	}
	rcu_read_unlock();
	rn = rf_net(sock_net(sk));
	if (!READ_ONCE(rn->cfg.unpriv_attach) &&
	    !ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN))
		return -EPERM;

	rf_build_tables(sk);

	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf)
		return -ENOMEM;
	rf->sk = sk;
	rf->sk_proto = READ_ONCE(sk->sk_prot);
	rf->sk_ops = READ_ONCE(sk->sk_socket->ops);
	rf_format_default(&rf->fmt);
	rf->fmt.max_record = READ_ONCE(rn->cfg.default_max_record);
	rf_rx_init(rf);
	err = rf_tx_init(rf);
	if (err)
		goto err_free_ctx;

	write_lock_bh(&sk->sk_callback_lock);
	rf->saved_data_ready = sk->sk_data_ready;
	rf->saved_write_space = sk->sk_write_space;
	rcu_assign_pointer(icsk->icsk_ulp_data, rf);
	sk->sk_data_ready = rf_data_ready;
	sk->sk_write_space = rf_write_space;
	WRITE_ONCE(sk->sk_prot, &rf_prots[family]);
	WRITE_ONCE(sk->sk_socket->ops, &rf_ops[family]);
	write_unlock_bh(&sk->sk_callback_lock);
	rf_list_add(sk, rf);
	rf_nl_event(sk, rf, RF_EVENT_ATTACH, 0);

	/* Bytes that arrived before the attach are records too. */
	rf_rx_reparse(sk, rf);
	return 0;

err_free_ctx:
	kfree(rf);
	return err;
}

static void rf_release(struct sock *sk)
{
	/*
	 * Reached when a socket is destroyed without passing through
	 * rf_close(), e.g. an orphan reaped by TCP. rf_close() clears the
	 * pointer, so there is nothing left to do in the common case.
	 */
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct rf_sock *rf = rcu_dereference_protected(icsk->icsk_ulp_data, 1);

	if (rf) {
		rcu_assign_pointer(icsk->icsk_ulp_data, NULL);
		rf_ctx_free(sk, rf);
	}
}

static struct tcp_ulp_ops rf_ulp_ops __read_mostly = {
	.name		= RECFRAME_ULP_NAME,
	.owner		= THIS_MODULE,
	.init		= rf_init,
	.release	= rf_release,
};

static int __init rf_module_init(void)
{
	int err;

	err = rf_netns_init();
	if (err)
		return err;
	err = rf_netlink_init();
	if (err)
		goto err_netns_exit;
	err = tcp_register_ulp(&rf_ulp_ops);
	if (err)
		goto err_netlink_exit;

	pr_debug("version %s loaded\n", RECFRAME_VERSION);
	return 0;

err_netlink_exit:
	rf_netlink_exit();
err_netns_exit:
	rf_netns_exit();
	return err;
}

static void __exit rf_module_exit(void)
{
	tcp_unregister_ulp(&rf_ulp_ops);
	rf_netlink_exit();
	rf_netns_exit();
	/* kfree_rcu() of the last contexts must finish before the code goes. */
	rcu_barrier();
}

module_init(rf_module_init);
module_exit(rf_module_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The recframe authors");
MODULE_DESCRIPTION("recframe: kernel record layer for TCP sockets (TCP ULP)");
MODULE_VERSION(RECFRAME_VERSION);
MODULE_ALIAS_TCP_ULP(RECFRAME_ULP_NAME);
