/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cryptomap: the security association database.
 *
 * The control plane compiles the configuration into an immutable SPD
 * (struct cm_spd) and calls cm_sadb_sync() before publishing it; the
 * SADB then attaches an SA pair to every entry that has keys
 * (entry->sa), reusing the SAs of the previous SPD when an entry's keys
 * and transform did not change, so that sequence numbers and counters
 * survive a configuration change.  cm_sadb_spd_release() drops the
 * references an SPD holds when the control plane frees it.
 */
#ifndef _CM_SA_H
#define _CM_SA_H

struct cm_net;
struct cm_spd;

int cm_sadb_sync(struct cm_net *cmn, struct cm_spd *spd);
void cm_sadb_spd_release(struct cm_spd *spd);

#endif /* _CM_SA_H */
