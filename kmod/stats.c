// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns counters and /proc/net/recframe_stat.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/sock.h>

#include "stats.h"

const char *const rf_stat_names[RF_STAT_NUM] = {
	[RF_STAT_CURR_SOCKETS]		= "RecframeCurrSockets",
	[RF_STAT_RX_RECORDS]		= "RecframeRxRecords",
	[RF_STAT_RX_BYTES]		= "RecframeRxBytes",
	[RF_STAT_TX_RECORDS]		= "RecframeTxRecords",
	[RF_STAT_TX_BYTES]		= "RecframeTxBytes",
	[RF_STAT_RX_COPY_FALLBACK]	= "RecframeRxCopyFallback",
	[RF_STAT_TX_PAGE_ALLOC]		= "RecframeTxPageAlloc",
	[RF_STAT_RX_EMPTY]		= "RecframeRxEmpty",
	[RF_STAT_ERR_MSGSIZE]		= "RecframeErrMsgSize",
	[RF_STAT_ERR_BADMSG]		= "RecframeErrBadMsg",
	[RF_STAT_ERR_BADVERSION]	= "RecframeErrBadVersion",
	[RF_STAT_ERR_TRUNCATED]		= "RecframeErrTruncated",
	[RF_STAT_TLS_TX_RECORDS]	= "RecframeTlsTxRecords",
	[RF_STAT_TLS_RX_RECORDS]	= "RecframeTlsRxRecords",
	[RF_STAT_TLS_DECRYPT_ERR]	= "RecframeTlsDecryptError",
	[RF_STAT_TLS_REKEY]		= "RecframeTlsRekey",
	[RF_STAT_TLS_RX_ZC]		= "RecframeTlsRxZeroCopy",
	[RF_STAT_TLS_RX_CLEAR]		= "RecframeTlsRxClearBuffer",
	[RF_STAT_TLS_TX_INPLACE]	= "RecframeTlsTxInPlace",
	[RF_STAT_TLS_TX_OOP]		= "RecframeTlsTxOutOfPlace",
	[RF_STAT_RX_WINDOW_UPDATES]	= "RecframeRxWindowUpdate",
};

void rf_stats_fold(const struct net *net, u64 out[RF_STAT_NUM])
{
	struct rf_net *rn = rf_net(net);
	int cpu, i;

	memset(out, 0, sizeof(u64) * RF_STAT_NUM);
	for_each_possible_cpu(cpu) {
		const struct rf_stats *s = per_cpu_ptr(rn->stats, cpu);

		for (i = 0; i < RF_STAT_NUM; i++)
			out[i] += READ_ONCE(s->v[i]);
	}
}

static int rf_stat_show(struct seq_file *seq, void *v)
{
	u64 vals[RF_STAT_NUM];
	int i;

	rf_stats_fold(seq_file_single_net(seq), vals);
	for (i = 0; i < RF_STAT_NUM; i++)
		seq_printf(seq, "%-32s\t%llu\n", rf_stat_names[i], vals[i]);
	return 0;
}

/*
 * Zero every counter but the gauge of current sockets. Racing updates on
 * other CPUs may survive the reset; counters are statistics, not ledgers.
 */
void rf_stats_reset(const struct net *net)
{
	struct rf_net *rn = rf_net(net);
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct rf_stats *s = per_cpu_ptr(rn->stats, cpu);

		for (i = 0; i < RF_STAT_NUM; i++)
			if (i != RF_STAT_CURR_SOCKETS)
				WRITE_ONCE(s->v[i], 0);
	}
}

int rf_stats_net_init(struct net *net)
{
	struct rf_net *rn = rf_net(net);

	rn->stats = alloc_percpu(struct rf_stats);
	if (!rn->stats)
		return -ENOMEM;
	if (!proc_create_net_single("recframe_stat", 0444, net->proc_net,
				    rf_stat_show, NULL))
		goto err_free_stats;
	return 0;

err_free_stats:
	free_percpu(rn->stats);
	return -ENOMEM;
}

void rf_stats_net_exit(struct net *net)
{
	remove_proc_entry("recframe_stat", net->proc_net);
	free_percpu(rf_net(net)->stats);
}
