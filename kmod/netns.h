/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per network namespace state: counters, the list of recframe sockets
 * (for the control plane) and the defaults for new sockets.
 */
#ifndef _RECFRAME_NETNS_H
#define _RECFRAME_NETNS_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

struct rf_stats;

/* Per-netns defaults and policy, changed through netlink. */
struct rf_config {
	/* max_record of the default (TLS) framing of new sockets. */
	u32	default_max_record;
	/* Upper bound on any socket's max_record in this netns. */
	u32	record_limit;
	/* Whether users without CAP_NET_ADMIN may attach recframe. */
	bool	unpriv_attach;
};

struct rf_net {
	struct rf_stats __percpu	*stats;

	/*
	 * Every recframe socket of the netns. Writers take socks_lock;
	 * readers walk under RCU. socks_gen changes with every insertion and
	 * removal so that a dump spanning several messages can tell.
	 */
	spinlock_t			socks_lock;
	struct list_head		socks;
	u32				socks_gen;

	/* Written by netlink with WRITE_ONCE, read locklessly by new sockets. */
	struct rf_config		cfg;
};

extern unsigned int rf_net_id;

static inline struct rf_net *rf_net(const struct net *net)
{
	return net_generic(net, rf_net_id);
}

int rf_netns_init(void);
void rf_netns_exit(void);

#endif /* _RECFRAME_NETNS_H */
