#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The seed's ipsec-isakmp map carrying traffic: cryptomap + cryptomapd on
# gwA, strongSwan on gwB.  The first hostA -> hostB packet makes the module
# send an ACQUIRE; cryptomapd negotiates Main + Quick Mode and installs the
# SA pair with SA_ADD; pings then flow as ESP on the WAN both ways, counted
# by both sides.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ktap_header
ike_lab_up 9
cat > "$IKE_DIR/gwa.conf" <<CONF
crypto isakmp policy 10
 encryption aes 256
 hash sha
 authentication pre-share
 group 2
 lifetime 86400
crypto isakmp key $IKE_PSK address $LAB_GWB_WAN_IP
access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
crypto ipsec transform-set RemotePeerTransform esp-aes 256 esp-sha-hmac
crypto map MYMAP 10 ipsec-isakmp
 match address 100
 set peer $LAB_GWB_WAN_IP
 set transform-set RemotePeerTransform
interface wan0
 crypto map MYMAP
CONF
sw_conf aes256-sha1-modp1024 aes256-sha1
check "strongSwan starts on gwB" sw_start
check "cryptomap config on gwA" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA (maps from the module)" cmd_start "$IKE_DIR/gwa.conf"
ip netns exec "$gwA" tcpdump -nli wan0 -w "$IKE_DIR/wan.pcap" esp or udp port 500 \
	> /dev/null 2>&1 &
tcpd=$!
on_exit kill "$tcpd"
sleep 1
check "first packets bring the tunnel up (ping within 30 s)" busywait 30000 lab_ping
check "ACQUIRE seen by cryptomapd" cmd_log_has "ACQUIRE for crypto map MYMAP 10"
check "SAs installed through SA_ADD" cmd_log_has "SAs for MYMAP 10 .*: installed"
check "10 pings through the tunnel" ip netns exec "$hostA" ping -q -c 10 -i 0.2 -W 2 "$LAB_HOSTB_IP"
sas=$(swk --list-sas 2>&1)
printf '%s\n' "$sas" | ktap_diag
check_match "strongSwan counted ESP packets in and out" \
	'in .*, +[1-9][0-9]* packets.*out .*, +[1-9][0-9]* packets' \
	printf '%s\n' "$(tr '\n' ' ' <<< "$sas")"
sleep 0.5
kill "$tcpd" 2>/dev/null
wait "$tcpd" 2>/dev/null
wire=$(tcpdump -nr "$IKE_DIR/wan.pcap" 2>/dev/null)
printf '%s\n' "$wire" | grep -c ESP | ktap_diag
check_match "ESP on the wire both ways, no clear ICMP" \
	"$LAB_GWA_WAN_IP > $LAB_GWB_WAN_IP: ESP.*$LAB_GWB_WAN_IP > $LAB_GWA_WAN_IP: ESP" \
	printf '%s\n' "$(grep -v ICMP <<< "$wire" | tr '\n' ' ')"
"$CRYPTOMAP" -n "$gwA" show crypto ipsec sa | ktap_diag
cp "$IKE_DIR/wan.pcap" "${VM_ARTIFACTS:-/tmp}/" 2>/dev/null
ktap_finish
