// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: created and destroyed with the netns.
 */
#include <linux/list.h>
#include <net/net_namespace.h>

#include "recframe.h"

unsigned int rf_net_id __read_mostly;

static int __net_init rf_net_init(struct net *net)
{
	struct rf_net *rn = rf_net(net);

	spin_lock_init(&rn->socks_lock);
	INIT_LIST_HEAD(&rn->socks);
	rn->cfg.default_max_record = RF_TLS_MAX_DEFAULT;
	rn->cfg.record_limit = RECFRAME_RECORD_LIMIT;
	rn->cfg.unpriv_attach = true;
	return rf_stats_net_init(net);
}

static void __net_exit rf_net_exit(struct net *net)
{
	rf_stats_net_exit(net);
}

static struct pernet_operations rf_net_ops = {
	.init	= rf_net_init,
	.exit	= rf_net_exit,
	.id	= &rf_net_id,
	.size	= sizeof(struct rf_net),
};

int rf_netns_init(void)
{
	return register_pernet_subsys(&rf_net_ops);
}

void rf_netns_exit(void)
{
	unregister_pernet_subsys(&rf_net_ops);
}
