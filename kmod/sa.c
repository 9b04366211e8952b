// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap: the security association database (stub, data path to come).
 */
#include "sa.h"

int cm_sadb_sync(struct cm_net *cmn, struct cm_spd *spd)
{
	return 0;
}

void cm_sadb_spd_release(struct cm_spd *spd)
{
}
