// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns counters and /proc/net/recframe_stat.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/sock.h>

#include "stats.h"

unsigned int rf_net_id __read_mostly;

static const char *const rf_stat_names[RF_STAT_NUM] = {
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

static int __net_init rf_net_init(struct net *net)
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

static void __net_exit rf_net_exit(struct net *net)
{
	remove_proc_entry("recframe_stat", net->proc_net);
	free_percpu(rf_net(net)->stats);
}

static struct pernet_operations rf_net_ops = {
	.init	= rf_net_init,
	.exit	= rf_net_exit,
	.id	= &rf_net_id,
	.size	= sizeof(struct rf_net),
};

int rf_stats_init(void)
{
	return register_pernet_subsys(&rf_net_ops);
}

void rf_stats_exit(void)
{
	unregister_pernet_subsys(&rf_net_ops);
}
