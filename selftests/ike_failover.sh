#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Dead-peer detection and failover: gwA's entry has two set peers, both
# strongSwan on gwB (its WAN addresses .226 and .227).  The tunnel comes
# up with the first; then gwB drops everything sent to .226 (nftables), as
# if that gateway died.  "crypto isakmp keepalive 10 2" must declare it
# dead (R-U-THERE unanswered), delete its SAs from the module (SA_DEL),
# move the entry to the next set peer (PEER_SET: show crypto map's Current
# peer), and the next packets bring the tunnel up again through .227.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ktap_header
command -v nft >/dev/null || ktap_skip_all "nft not installed"
P1=$LAB_GWB_WAN_IP
P2=209.165.200.227
ike_lab_up 12
ip -n "$gwB" addr add "$P2/27" dev wan0 || ktap_exit_fail "second address on gwB"
cat > "$IKE_DIR/gwa.conf" <<CONF
crypto isakmp policy 10
 encryption aes 256
 hash sha
 authentication pre-share
 group 14
crypto isakmp key $IKE_PSK address $P1
crypto isakmp key $IKE_PSK address $P2
crypto isakmp keepalive 10 2
access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac
crypto map MYMAP 10 ipsec-isakmp
 match address 100
 set peer $P1
 set peer $P2
 set transform-set TS
interface wan0
 crypto map MYMAP
CONF
SW_LOCAL_ADDRS="$P1, $P2" sw_conf aes256-sha1-modp2048 aes256-sha1
check "strongSwan starts on gwB (both addresses)" sw_start
check "cryptomap config on gwA" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA" cmd_start "$IKE_DIR/gwa.conf"
check "traffic brings the tunnel up with the first peer" busywait 30000 lab_ping
check "SAs installed with $P1" cmd_log_has "esp SAs for MYMAP 10 with $P1: .*: installed"
check_match "show crypto map: Current peer $P1" "Current peer: $P1\$" \
	"$CRYPTOMAP" -n "$gwA" show crypto map

# the first peer dies
peer_dies "$P1"
ip netns exec "$hostA" ping -q -i 0.5 -c 200 -W 1 "$LAB_HOSTB_IP" > "$IKE_DIR/ping.out" 2>&1 &
pingpid=$!
on_exit kill "$pingpid"
check "keepalive: $P1 declared dead" \
	busywait 60000 cmd_log_has "peer $P1 is dead \(no DPD answer"
check "its SAs deleted from the module" \
	cmd_log_has "SA pair 0x[0-9A-F]+/0x[0-9A-F]+ of MYMAP 10 deleted \(peer $P1 dead\)"
check "the entry fails over to the next set peer" \
	cmd_log_has "crypto map MYMAP 10: peer $P1 dead, current peer now $P2"
check "traffic brings the tunnel up with $P2" \
	busywait 30000 cmd_log_has "esp SAs for MYMAP 10 with $P2: .*: installed"
check_match "show crypto map: Current peer $P2" "Current peer: $P2\$" \
	"$CRYPTOMAP" -n "$gwA" show crypto map
busywait 10000 lab_ping
check_match "pings flow through $P2 (its SA counts them)" \
	"pkts encaps: [1-9]" "$CRYPTOMAP" -n "$gwA" show crypto ipsec sa peer "$P2"
kill -INT "$pingpid" 2>/dev/null
wait "$pingpid" 2>/dev/null
cat "$IKE_DIR/ping.out" | ktap_diag
swk --list-sas 2>/dev/null | ktap_diag
grep -E "ISAKMP SA|dead|SA pair|current peer|SAs for|ACQUIRE" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag
ktap_finish
