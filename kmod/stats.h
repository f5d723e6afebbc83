/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-netns counters, per CPU so that the data path never shares a cache
 * line between sockets.
 */
#ifndef _RECFRAME_STATS_H
#define _RECFRAME_STATS_H

#include <linux/percpu.h>
#include <net/sock.h>

#include "netns.h"

enum rf_stat {
	RF_STAT_CURR_SOCKETS,
	RF_STAT_RX_RECORDS,
	RF_STAT_RX_BYTES,
	RF_STAT_TX_RECORDS,
	RF_STAT_TX_BYTES,
	RF_STAT_RX_COPY_FALLBACK,
	RF_STAT_TX_PAGE_ALLOC,
	RF_STAT_RX_EMPTY,
	RF_STAT_ERR_MSGSIZE,
	RF_STAT_ERR_BADMSG,
	RF_STAT_ERR_BADVERSION,
	RF_STAT_ERR_TRUNCATED,
	RF_STAT_TLS_TX_RECORDS,
	RF_STAT_TLS_RX_RECORDS,
	RF_STAT_TLS_DECRYPT_ERR,
	RF_STAT_TLS_REKEY,
	RF_STAT_TLS_RX_ZC,
	RF_STAT_TLS_RX_CLEAR,
	RF_STAT_TLS_TX_INPLACE,
	RF_STAT_TLS_TX_OOP,
	RF_STAT_RX_WINDOW_UPDATES,
	RF_STAT_NUM,
};

struct rf_stats {
	u64	v[RF_STAT_NUM];
};

static inline void rf_stat_add(const struct sock *sk, enum rf_stat s, s64 n)
{
	this_cpu_add(rf_net(sock_net(sk))->stats->v[s], n);
}

static inline void rf_stat_inc(const struct sock *sk, enum rf_stat s)
{
	rf_stat_add(sk, s, 1);
}

extern const char *const rf_stat_names[RF_STAT_NUM];

void rf_stats_fold(const struct net *net, u64 out[RF_STAT_NUM]);
void rf_stats_reset(const struct net *net);
int rf_stats_net_init(struct net *net);
void rf_stats_net_exit(struct net *net);

#endif /* _RECFRAME_STATS_H */
