#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An SA's transform is allocated and keyed for its first packet, not at
# install (kmod/sa_tfm.c): installing the lab's ipsec-manual SAs keys
# nothing (the tfm_keyed counter), the first ping is answered all the
# same (it waited at four points: gwA out, gwB in, gwB out, gwA in) and
# keyed exactly those four (a pair is keyed whole at its first packet);
# more pings key nothing more.  A burst into a fresh, cold pair is
# delivered whole, in order of sequence numbers within the replay window.  With tfm_at_install=1 the SAs are keyed
# when they are installed.

. "$(dirname "$0")/lib.sh"

D=$SELFTESTS/data
C=$CRYPTOMAP
P=/sys/module/cryptomap/parameters

ktap_header
ktap_plan 17
cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
lab_setup || ktap_exit_fail "lab setup"
[ -r $P/tfm_keyed ] || ktap_exit_fail "no tfm_keyed parameter"
on_exit sh -c "echo 0 > $P/tfm_at_install"

keyed() { cat $P/tfm_keyed; }

# The lab's configuration with other SPIs: new SAs, not yet keyed.
T=$(mktemp -d)
on_exit rm -rf "$T"
respi() {
	sed -e "s/ esp 300 / esp $2 /" -e "s/ esp 301 / esp $3 /" \
		"$D/lab-manual-$1.conf" > "$T/$1-$2.conf"
}
respi gwA 310 311
respi gwB 310 311
respi gwA 320 321
respi gwB 320 321

k0=$(keyed)
check "gwA: config" $C -n "$gwA" config "$D/lab-manual-gwA.conf"
check "gwB: config" $C -n "$gwB" config "$D/lab-manual-gwB.conf"
check_eq "installing four SAs keys no transform" 0 $(($(keyed) - k0))

check "the first ping is answered" \
	ip netns exec "$hostA" ping -q -c 1 -W 5 "$LAB_HOSTB_IP"
check_eq "it keyed four transforms (gwA out, gwB in, gwB out, gwA in)" \
	4 $(($(keyed) - k0))
check "five more pings" \
	ip netns exec "$hostA" ping -q -c 5 -i 0.2 -W 2 "$LAB_HOSTB_IP"
check_eq "they keyed nothing more" 4 $(($(keyed) - k0))

# A burst into a cold pair: 100 echo requests, the first 32 sent at once
# (ping's preload), then one every 2 ms: the first ones wait at gwA while
# its pair is keyed, then at gwB.  (32: the replies that waited come back
# at once, and hostA's socket buffer holds ~100 of them.)
check "gwA, gwB: new SPIs (cold SAs)" \
	sh -c "$C -n $gwA config $T/gwA-310.conf && $C -n $gwB config $T/gwB-310.conf"
k1=$(keyed)
ip netns exec "$hostA" ping -c 100 -l 32 -i 0.002 -W 5 "$LAB_HOSTB_IP" > "$T/burst" 2>&1
ktap_diag "burst: $(grep -E '^(rtt|100 packets)' "$T/burst" | tr '\n' ' ')"
check_match "a burst of 100 into the cold pair: all answered" \
	'^100 packets transmitted, 100 received' cat "$T/burst"
check_eq "the burst keyed the four new SAs" 4 $(($(keyed) - k1))
check_match "gwB: 100 packets decrypted on the new inbound SA" \
	'^    #pkts decaps: 100, #pkts decrypt: 100, #pkts verify: 100$' \
	$C -n "$gwB" show crypto ipsec sa
check_match "gwA: their 100 replies decrypted" \
	'^    #pkts decaps: 100, #pkts decrypt: 100, #pkts verify: 100$' \
	$C -n "$gwA" show crypto ipsec sa
check_match "gwB: no replay or verify errors" \
	'#pkts replay failed \(rcv\): 0$' \
	$C -n "$gwB" show crypto ipsec sa detail
check_match "gwA: no packet dropped while it waited (internal err)" \
	'#pkts internal err \(send\): 0' \
	$C -n "$gwA" show crypto ipsec sa detail

# tfm_at_install=1: keyed at install, as XFRM does.
echo 1 > $P/tfm_at_install
k2=$(keyed)
check "tfm_at_install=1: gwA, gwB: new SPIs" \
	sh -c "$C -n $gwA config $T/gwA-320.conf && $C -n $gwB config $T/gwB-320.conf"
check_eq "the four SAs were keyed at install" 4 $(($(keyed) - k2))
check "and carry traffic" \
	ip netns exec "$hostA" ping -q -c 3 -i 0.2 -W 2 "$LAB_HOSTB_IP"

ktap_finish
