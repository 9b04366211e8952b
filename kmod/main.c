// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: Cisco IOS style crypto maps for Linux.
 *
 * Module init and exit, and the per network namespace state.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "cryptomap.h"
#include "lzs.h"
#include "sa.h"

unsigned int cm_net_id __read_mostly;
struct workqueue_struct *cm_wq;

static void cm_global_defaults(struct cm_global *g)
{
	g->life_sec = 3600;
	g->life_kb = 4608000;
	g->replay_window = 64;
	g->replay_disable = 0;
	g->idle_time = 0;
	g->df_bit = CRYPTOMAP_DF_COPY;
	g->frag = CRYPTOMAP_FRAG_BEFORE;
}

static int __net_init cm_net_init(struct net *net)
{
	struct cm_net *cmn = cm_net(net);
	int err;

	cmn->net = net;
	mutex_init(&cmn->lock);
	INIT_LIST_HEAD(&cmn->acls);
	INIT_LIST_HEAD(&cmn->tsets);
	INIT_LIST_HEAD(&cmn->maps);
	INIT_LIST_HEAD(&cmn->binds);
	cm_global_defaults(&cmn->global);
	cmn->genid = 1;

	err = cm_dp_net_init(cmn);	/* the SADB and the hooks */
	if (err)
		return err;

	/* an empty policy, so that the data path always finds one */
	mutex_lock(&cmn->lock);
	err = cm_spd_rebuild(cmn);
	mutex_unlock(&cmn->lock);
	if (err)
		cm_dp_net_exit(cmn);
	return err;
}

static void __net_exit cm_net_exit(struct net *net)
{
	struct cm_net *cmn = cm_net(net);

	mutex_lock(&cmn->lock);
	cm_binds_flush(cmn);
	cm_maps_flush(cmn);
	cm_tsets_flush(cmn);
	cm_acls_flush(cmn);
	cmn->genid++;
	/* let the SADB drop what the old policy needed, then unpublish */
	if (cm_spd_rebuild(cmn))
		pr_warn("netns exit: could not sync the SADB\n");
	cm_spd_retire(cmn);
	mutex_unlock(&cmn->lock);
	cm_dp_net_exit(cmn);
}

static struct pernet_operations cm_net_ops = {
	.init = cm_net_init,
	.exit = cm_net_exit,
	.id = &cm_net_id,
	.size = sizeof(struct cm_net),
};

static int __init cm_mod_init(void)
{
	int err;

	err = lzs_selftest();	/* debug builds only */
	if (err)
		return err;

	err = cm_dp_init();
	if (err)
		return err;

	cm_wq = alloc_workqueue("cryptomap", WQ_UNBOUND, 0);
	if (!cm_wq) {
		cm_dp_exit();
		return -ENOMEM;
	}

	err = register_pernet_device(&cm_net_ops);
	if (err)
		goto err_pernet;

	err = cm_bind_notifier_init();
	if (err)
		goto err_notifier;

	err = cm_genl_init();
	if (err)
		goto err_genl;

	pr_info("Cisco IOS crypto maps, netlink family %s\n",
		CRYPTOMAP_GENL_NAME);
	return 0;

err_genl:
	cm_bind_notifier_exit();
err_notifier:
	unregister_pernet_device(&cm_net_ops);
err_pernet:
	rcu_barrier();
	destroy_workqueue(cm_wq);
	cm_dp_exit();
	return err;
}

static void __exit cm_mod_exit(void)
{
	cm_genl_exit();
	cm_bind_notifier_exit();
	unregister_pernet_device(&cm_net_ops);
	/* the retired policies are freed from cm_wq after a grace period */
	rcu_barrier();
	destroy_workqueue(cm_wq);
	cm_dp_exit();
}

module_init(cm_mod_init);
module_exit(cm_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Cisco IOS style crypto maps (IPsec data path)");
MODULE_AUTHOR("The cryptomap authors");
MODULE_ALIAS_GENL_FAMILY(CRYPTOMAP_GENL_NAME);
