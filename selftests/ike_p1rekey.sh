#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Phase 1 rekey under traffic, both ways.  gwA's ISAKMP policy has the
# shortest lifetime IOS allows (60 s); strongSwan (gwB) itself never
# rekeys.  hostA pings hostB every 0.2 s for the whole run:
#  1. cryptomapd initiated the ISAKMP SA, so it rekeys it at 80-85 % of the
#     lifetime: a new Main Mode, then a Delete of the old ISAKMP SA;
#     strongSwan ends with one IKE_SA, the CHILD_SA still installed.
#  2. strongSwan re-authenticates (swanctl --rekey --reauth, IKEv1's only
#     Phase 1 rekey): cryptomapd answers the new Main Mode and marks the
#     old SA replaced (no rekey, no new Quick Mode on it); strongSwan
#     deletes that one when it likes, else it ends at its lifetime.
# The IPsec SAs are not tied to an ISAKMP SA: no ping may be lost and the
# SPIs must not change.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ktap_header
ike_lab_up 15
cat > "$IKE_DIR/gwa.conf" <<CONF
crypto isakmp policy 10
 encryption aes 256
 hash sha
 authentication pre-share
 group 14
 lifetime 60
crypto isakmp key $IKE_PSK address $LAB_GWB_WAN_IP
access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac
crypto map MYMAP 10 ipsec-isakmp
 match address 100
 set peer $LAB_GWB_WAN_IP
 set transform-set TS
interface wan0
 crypto map MYMAP
CONF
sw_conf aes256-sha1-modp2048 aes256-sha1
check "strongSwan starts on gwB" sw_start
check "cryptomap config on gwA" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA" cmd_start "$IKE_DIR/gwa.conf"
check "traffic brings the tunnel up" busywait 30000 lab_ping
sas_before=$("$CRYPTOMAP" -n "$gwA" show crypto ipsec sa | grep -E "spi: 0x" | sort)
# not -q: ping_all_answered reads the replies
ip netns exec "$hostA" ping -i 0.2 -c 340 -W 2 "$LAB_HOSTB_IP" > "$IKE_DIR/ping.out" 2>&1 &
pingpid=$!

# 1. our rekey
check "ISAKMP SA with a 60 s lifetime" \
	cmd_log_has "ISAKMP SA 1001 with $LAB_GWB_WAN_IP established \(initiator\).*lifetime 60 s"
check "cryptomapd rekeys Phase 1 before the lifetime ends" \
	busywait 60000 cmd_log_has "ISAKMP SA 1001: lifetime ends in [0-9]+ s, rekeying"
check "the new ISAKMP SA is up and the old one deleted" \
	busywait 20000 cmd_log_has "ISAKMP SA 1001: replaced by 1002, deleting it"
# strongSwan drops the old IKE_SA once our Delete is through: wait for
# that (a fixed 2 s was not enough for a charon not scheduled in time)
one_ike_sa() {
	ikes=$(swk --list-sas 2>/dev/null)
	[ "$(grep -c 'IKEv1' <<< "$ikes")" -eq 1 ]
}
busywait 10000 one_ike_sa
printf '%s\n' "$ikes" | ktap_diag
check_eq "strongSwan keeps one IKE_SA" 1 "$(grep -c 'IKEv1' <<< "$ikes")"
check_match "strongSwan's CHILD_SA survived the rekey" "INSTALLED" printf '%s\n' "$ikes"

# 2. strongSwan's rekey (IKEv1: a re-authentication)
swk --rekey --ike gwa --reauth >/dev/null 2>&1
check "strongSwan's new Main Mode answered" \
	busywait 20000 cmd_log_has "ISAKMP SA 1003 with $LAB_GWB_WAN_IP established \(responder\)"
check "the old ISAKMP SA is replaced (no rekey of its own, no new Quick Mode)" \
	cmd_log_has "ISAKMP SA 1002: replaced by 1003 \(the peer's new Main Mode\)"
check_match "show crypto isakmp sa detail marks it" "^conn-id 1002 .* replaced" \
	cmd_ctl show crypto isakmp sa detail
check_match "show crypto isakmp sa: the new SA in QM_IDLE" \
	"^$LAB_GWA_WAN_IP +$LAB_GWB_WAN_IP +QM_IDLE +1003 ACTIVE$" \
	"$CRYPTOMAP" -n "$gwA" show crypto isakmp sa
sleep 1
kill -INT "$pingpid" 2>/dev/null
wait "$pingpid"
tail -n 3 "$IKE_DIR/ping.out" | ktap_diag
sas_after=$("$CRYPTOMAP" -n "$gwA" show crypto ipsec sa | grep -E "spi: 0x" | sort)
check "no ping lost across both Phase 1 rekeys" ping_all_answered "$IKE_DIR/ping.out"
check_eq "the IPsec SAs (SPIs) did not change" "$sas_before" "$sas_after"
grep -E "ISAKMP SA|Quick Mode|SAs for" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag
grep -E "reauth|adopt|deleting IKE_SA|received DELETE" "$IKE_DIR/sw/charon.log" | ktap_diag
ktap_finish
