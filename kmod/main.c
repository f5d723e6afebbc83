// SPDX-License-Identifier: GPL-2.0
/*
 * recframe: the TCP upper-layer protocol. Attaching, the per-family proto
 * tables, and the socket context's lifetime.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <net/tcp.h>

#include "recframe.h"

#ifndef RECFRAME_VERSION
#define RECFRAME_VERSION "unknown"
#endif

enum {
	RF_IPV4,
	RF_IPV6,
	RF_NUM_FAMILIES,
};

/*
 * A socket's sk_prot points into these tables while recframe is attached.
 * They are copies of the TCP protos with recframe's operations laid over,
 * built the first time a socket of each family attaches. tcpv6_prot lives in
 * a module of its own on some configurations, so its address is learnt from
 * the socket instead of taken from a symbol, and the table is rebuilt if
 * that address ever changes.
 */
static struct proto rf_prots[RF_NUM_FAMILIES];
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

static void rf_ctx_free(struct rf_sock *rf)
{
	kfree(rf);
}

static void rf_close(struct sock *sk, long timeout)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct rf_sock *rf = rf_sk(sk);
	struct proto *base = rf->sk_proto;

	lock_sock(sk);
	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(icsk->icsk_ulp_data, NULL);
	WRITE_ONCE(sk->sk_prot, base);
	write_unlock_bh(&sk->sk_callback_lock);
	release_sock(sk);

	rf_ctx_free(rf);
	base->close(sk, timeout);
}

static void rf_build_proto(struct proto *prot, const struct proto *base)
{
	*prot = *base;
	prot->close = rf_close;
	prot->disconnect = rf_disconnect;
}

static struct proto *rf_proto_for(struct sock *sk)
{
	int family = sk->sk_family == AF_INET6 ? RF_IPV6 : RF_IPV4;
	const struct proto *base = READ_ONCE(sk->sk_prot);

	/* Pairs with the release below: a matching base means a built table. */
	if (likely(smp_load_acquire(&rf_base_prots[family]) == base))
		return &rf_prots[family];

	mutex_lock(&rf_prots_lock);
	if (rf_base_prots[family] != base) {
		rf_build_proto(&rf_prots[family], base);
		/* Publish the base only once the table is complete. */
		smp_store_release(&rf_base_prots[family], base);
	}
	mutex_unlock(&rf_prots_lock);
	return &rf_prots[family];
}

static int rf_init(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct proto *prot;
	struct rf_sock *rf;

	/*
	 * The context describes one established stream. A listener would
	 * hand it to its children (tcp_ulp refuses listen() for ULPs without
	 * ->clone), and a socket that is not yet connected has no stream.
	 */
	if (sk->sk_state != TCP_ESTABLISHED)
		return -ENOTCONN;

	prot = rf_proto_for(sk);

	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf)
		return -ENOMEM;
	rf->sk = sk;
	rf->sk_proto = READ_ONCE(sk->sk_prot);
	rf_format_default(&rf->fmt);

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(icsk->icsk_ulp_data, rf);
	WRITE_ONCE(sk->sk_prot, prot);
	write_unlock_bh(&sk->sk_callback_lock);
	return 0;
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
		rf_ctx_free(rf);
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

	err = tcp_register_ulp(&rf_ulp_ops);
	if (err)
		return err;

	pr_debug("version %s loaded\n", RECFRAME_VERSION);
	return 0;
}

static void __exit rf_module_exit(void)
{
	tcp_unregister_ulp(&rf_ulp_ops);
}

module_init(rf_module_init);
module_exit(rf_module_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The recframe authors");
MODULE_DESCRIPTION("recframe: kernel record layer for TCP sockets (TCP ULP)");
MODULE_VERSION(RECFRAME_VERSION);
MODULE_ALIAS_TCP_ULP(RECFRAME_ULP_NAME);
