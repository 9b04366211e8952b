#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKEv2 lifetime and liveness, cryptomapd (gwA) against strongSwan (gwB,
# IKEv2, PSK, two WAN addresses .226 and .227 = the entry's two set peers).
#
# 1. IKE SA rekey by the initiator: cryptomapd runs with -L 40 (a 40 s IKE
#    SA lifetime), so at 90 % it rekeys its IKE SA with CREATE_CHILD_SA
#    (RFC 7296 1.3.2); the Child SA moves to the new IKE SA with its SPIs
#    unchanged, the old IKE SA is deleted on both sides, and a ping every
#    0.2 s across the rekey loses nothing.
# 2. Dead-peer detection and failover: the profile's `dpd 10 2`; gwB then
#    drops everything sent to .226 (nftables).  The unanswered liveness
#    check declares the peer dead, its pair is deleted from the module
#    (SA_DEL), the entry moves to its next set peer (PEER_SET: Current
#    peer), and the next packets bring the tunnel up through .227.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"

ktap_header
command -v nft >/dev/null || ktap_skip_all "nft not installed"

P1=$LAB_GWB_WAN_IP
P2=209.165.200.227
ike_lab_up 16
ip -n "$gwB" addr add "$P2/27" dev wan0 || ktap_exit_fail "second address on gwB"
cat > "$IKE_DIR/gwa.conf" <<CONF
crypto ikev2 proposal PROP-1
 encryption aes-cbc-256
 integrity sha256
 group 14
crypto ikev2 policy POL-1
 proposal PROP-1
crypto ikev2 keyring KR-1
 peer gwB-1
  address $P1
  pre-shared-key $IKE_PSK
 peer gwB-2
  address $P2
  pre-shared-key $IKE_PSK
crypto ikev2 profile PROF-1
 match identity remote address 209.165.200.224 255.255.255.224
 authentication local pre-share
 authentication remote pre-share
 keyring local KR-1
 dpd 10 2
access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac
crypto map MYMAP 10 ipsec-isakmp
 match address 100
 set peer $P1
 set peer $P2
 set transform-set TS
 set ikev2-profile PROF-1
interface wan0
 crypto map MYMAP
CONF
SW_LOCAL_ADDRS="$P1, $P2" sw2_conf aes256-sha256-modp2048 \
	"net:$LAB_LANB_NET:$LAB_LANA_NET:aes256-sha1"
check "strongSwan starts on gwB (both addresses)" sw_start
check "cryptomap config on gwA" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA (-L 40: 40 s IKE SA lifetime)" \
	v2_cmd_start "$IKE_DIR/gwa.conf" -L 40
check "traffic brings the tunnel up with the first peer" busywait 40000 lab_ping
# child_spis: "IN OUT" of the first Child SA in show crypto ikev2 sa detail
child_spis() {
	cmd_ctl show crypto ikev2 sa detail |
		sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1 \2/p' | head -1 |
		while read -r i o; do printf '%X %X\n' "0x$i" "0x$o"; done
}
# (printf: the daemon prints SPIs as %08X, show crypto ipsec sa as IOS does, %X)
spis=$(child_spis)
check_match "IKEv2 SA 1 READY with $P1 (Child SA $spis)" \
	"^1 +$LAB_GWA_WAN_IP/500 +$P1/500 +none/none +READY" cmd_ctl show crypto ikev2 sa

# 1. IKE SA rekey by us, under a ping every 0.2 s (the new IKE SA's own
#    rekey comes 36 s later, after the failover below)
# not -q: ping_all_answered reads the replies
ip netns exec "$hostA" ping -i 0.2 -W 2 "$LAB_HOSTB_IP" > "$IKE_DIR/ping1.out" 2>&1 &
ping1=$!
on_exit kill "$ping1"
t0=$(date +%s)
check "cryptomapd rekeys its IKE SA at 90 % of 40 s (new IKE SA 2)" \
	busywait 50000 cmd_log_has "IKEv2 SA 1 rekeyed: new IKE SA 2 "
echo "IKE SA rekey $(( $(date +%s) - t0 )) s after the ping started" | ktap_diag
sleep 3
kill -INT "$ping1"
wait "$ping1"
tail -n 3 "$IKE_DIR/ping1.out" | ktap_diag
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$IKE_DIR/ping1.out")
check "no ping lost across the IKE SA rekey ($sent sent)" ping_all_answered "$IKE_DIR/ping1.out"
show=$(cmd_ctl show crypto ikev2 sa detail)
ktap_diag <<< "$show"
check_eq "the Child SA moved to IKE SA 2 with its SPIs unchanged" "$spis" "$(child_spis)"
one_ike() {
	grep -qE "^2 +$LAB_GWA_WAN_IP/500 +$P1/500 +none/none +READY" <<< "$show" &&
		[ "$(grep -cE '^[0-9]+ +[0-9.]+/500 .* READY' <<< "$show")" -eq 1 ] &&
		! grep -qE "^1 +.* READY" <<< "$show"
}
check "show crypto ikev2 sa: IKE SA 2 READY, IKE SA 1 deleted" one_ike
sas=$(sw_sas)
ktap_diag <<< "$sas"
sw_one_ike() {
	[ "$(grep -c ESTABLISHED <<< "$sas")" -eq 1 ] &&
		grep -q "net: .*INSTALLED" <<< "$sas"
}
check "strongSwan: one IKE SA (the old one deleted), its child still INSTALLED" sw_one_ike

# 2. the first peer dies
peer_dies "$P1"
tdead=$(date +%s%3N)
ip netns exec "$hostA" ping -q -i 0.5 -W 1 "$LAB_HOSTB_IP" > "$IKE_DIR/ping2.out" 2>&1 &
ping2=$!
on_exit kill "$ping2"
check "liveness: $P1 declared dead (dpd 10 2 unanswered)" \
	busywait 40000 cmd_log_has "IKEv2 SA [0-9]+ with $P1: peer stopped answering"
t_dead=$(( $(date +%s%3N) - tdead ))
check "the entry fails over to the next set peer" \
	cmd_log_has "IKEv2: crypto map MYMAP 10: peer $P1 dead, current peer now $P2"
gone=$("$CRYPTOMAP" -n "$gwA" show crypto ipsec sa)
check_nomatch "its SA pair ($spis) is deleted from the module (SA_DEL)" \
	"spi: 0x(${spis% *}|${spis#* })\\(" printf '%s\n' "$gone"
check "traffic brings the tunnel up with $P2 (IKE_SA_INIT, SAs installed)" \
	busywait 30000 cmd_log_has "esp SAs for MYMAP 10 with $P2: .*: installed"
t_up=$(( $(date +%s%3N) - tdead ))
echo "peer blocked -> declared dead: $t_dead ms; -> new SAs with $P2: $t_up ms" | ktap_diag
check_match "show crypto map: Current peer $P2" "Current peer: $P2\$" \
	"$CRYPTOMAP" -n "$gwA" show crypto map
busywait 10000 lab_ping
check_match "pings flow through $P2 (its SA counts them)" \
	"pkts encaps: [1-9]" "$CRYPTOMAP" -n "$gwA" show crypto ipsec sa peer "$P2"
kill -INT "$ping2" 2>/dev/null
wait "$ping2" 2>/dev/null
ktap_diag < "$IKE_DIR/ping2.out"
cmd_ctl show crypto ikev2 sa | ktap_diag
grep -E "IKEv2 SA|dead|SAs for|ACQUIRE" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag
ktap_finish
