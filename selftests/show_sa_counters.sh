#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# show crypto ipsec sa counts real traffic: two gateways with mirrored
# ipsec-manual crypto maps (lib.sh's lab), five pings through the tunnel,
# and the encaps/decaps counters of both sides say five, in the text and
# in the JSON; clear crypto sa counters zeroes them.

. "$(dirname "$0")/lib.sh"

D=$SELFTESTS/data
C=$CRYPTOMAP

ktap_header
ktap_plan 12
cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
lab_setup || ktap_exit_fail "lab setup"

check "gwA: config" $C -n "$gwA" config "$D/lab-manual-gwA.conf"
check "gwB: config" $C -n "$gwB" config "$D/lab-manual-gwB.conf"
check "five pings through the tunnel" \
	ip netns exec "$hostA" ping -q -c 5 -i 0.2 -W 2 "$LAB_HOSTB_IP"

check_match "gwA: #pkts encaps: 5" \
	'^    #pkts encaps: 5, #pkts encrypt: 5, #pkts digest: 5$' \
	$C -n "$gwA" show crypto ipsec sa
check_match "gwA: #pkts decaps: 5" \
	'^    #pkts decaps: 5, #pkts decrypt: 5, #pkts verify: 5$' \
	$C -n "$gwA" show crypto ipsec sa
check_match "gwB: the same five packets" \
	'^    #pkts encaps: 5, #pkts encrypt: 5, #pkts digest: 5$' \
	$C -n "$gwB" show crypto ipsec sa interface wan0
check_match "gwB: detail has no errors" \
	'^    #pkts invalid prot \(recv\) 0, #pkts verify failed: 0$' \
	$C -n "$gwB" show crypto ipsec sa detail
check_match "gwA: -j counters" '"pkts_encaps":5,"pkts_encrypt":5,"pkts_digest":5' \
	$C -n "$gwA" -j show crypto ipsec sa
check_match "gwA: -j current outbound spi" '"current_outbound_spi":301' \
	$C -n "$gwA" -j show crypto ipsec sa

check "gwA: clear crypto sa counters" $C -n "$gwA" clear crypto sa counters
check_match "gwA: counters are zero" \
	'^    #pkts encaps: 0, #pkts encrypt: 0, #pkts digest: 0$' \
	$C -n "$gwA" show crypto ipsec sa
check_match "gwA: the SAs are still there" '^     current outbound spi: 0x12D\(301\)$' \
	$C -n "$gwA" show crypto ipsec sa

ktap_finish
