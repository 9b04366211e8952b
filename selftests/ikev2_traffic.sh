#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKEv2 brings a crypto map entry alive: cryptomap + cryptomapd on gwA,
# strongSwan (IKEv2, PSK) on gwB.  The first hostA -> hostB packet makes
# the module send an ACQUIRE; the entry names an IKEv2 profile, so
# cryptomapd runs IKE_SA_INIT + IKE_AUTH and installs the esp-aes 256
# esp-sha-hmac pair with SA_ADD.  Pings and a TCP transfer then cross as
# ESP only (nothing in clear on the WAN), counted by both sides, with the
# SPIs strongSwan lists.  The entry's 2560 KB lifetime then runs out under
# a second transfer: the module's soft EXPIRE makes cryptomapd rekey the
# Child SA with CREATE_CHILD_SA (REKEY_SA, PFS group 14), install the new
# pair and delete the old one; traffic goes on over the new SPIs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"
. "$(dirname "$0")/esp_common.sh"

ktap_header
ike_lab_up 15
{
	v2_ios_ikev2 "$LAB_GWB_WAN_IP"
	cat <<-CONF
	access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
	crypto ipsec transform-set TS-AES esp-aes 256 esp-sha-hmac
	crypto map MYMAP 10 ipsec-isakmp
	 match address 100
	 set peer $LAB_GWB_WAN_IP
	 set transform-set TS-AES
	 set ikev2-profile PROF-1
	 set pfs group14
	 set security-association lifetime kilobytes 2560
	interface wan0
	 crypto map MYMAP
	CONF
} > "$IKE_DIR/gwa.conf"
sw2_conf aes256-sha256-modp2048 "net:$LAB_LANB_NET:$LAB_LANA_NET:aes256-sha1-modp2048"
check "strongSwan starts on gwB" sw_start
check "cryptomap config on gwA (IKEv2 lines accepted)" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA (maps from the module)" v2_cmd_start "$IKE_DIR/gwa.conf"
ip netns exec "$gwA" tcpdump -nli wan0 -w "$IKE_DIR/wan.pcap" > /dev/null 2>&1 &
tcpd=$!
on_exit kill "$tcpd"
sleep 1
check "first packets bring the tunnel up (ping within 40 s)" busywait 40000 lab_ping
check "ACQUIRE handled by IKEv2" cmd_log_has "IKEv2 SA 1: IKE_SA_INIT to $LAB_GWB_WAN_IP"
check "SAs installed through SA_ADD" cmd_log_has "esp SAs for MYMAP 10 .*: installed"
check "20 pings through the tunnel" ip netns exec "$hostA" ping -q -c 20 -i 0.1 -W 2 "$LAB_HOSTB_IP"
check "TCP transfer of ${V2_TCP_BYTES:=200000} bytes, sha256 equal" \
	tcp_transfer "$hostA" "$hostB" "$LAB_HOSTB_IP" "$V2_TCP_BYTES"
sas=$(sw_sas)
printf '%s\n' "$sas" | ktap_diag
check_match "strongSwan: ESP:AES_CBC-256/HMAC_SHA1_96, packets counted in and out" \
	'ESP:AES_CBC-256/HMAC_SHA1_96.*in .*, +[1-9][0-9]* packets.*out .*, +[1-9][0-9]* packets' \
	printf '%s\n' "$(tr '\n' ' ' <<< "$sas")"
show=$(cmd_ctl show crypto ikev2 sa detail)
printf '%s\n' "$show" | ktap_diag
in=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1/p' <<< "$show" | head -1 | tr 'A-F' 'a-f')
out=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\2/p' <<< "$show" | head -1 | tr 'A-F' 'a-f')
check_match "SPIs agree (ours in $in / out $out)" "^in +0*$out, .*out +0*$in, " \
	printf '%s\n' "$(grep -E '^ +(in|out) ' <<< "$sas" | sed 's/^ *//' | tr '\n' ' ')"
# 200 KB so far; 2,200,000 more bytes pass the soft limit (90% of 2560 KB)
# and stay under the hard one
check "TCP transfer of ${V2_REKEY_BYTES:=2200000} bytes across the rekey" \
	tcp_transfer "$hostA" "$hostB" "$LAB_HOSTB_IP" "$V2_REKEY_BYTES"
check "soft EXPIRE: CREATE_CHILD_SA rekey, new pair installed with PFS group 14" \
	busywait 30000 cmd_log_has "esp SAs for MYMAP 10 .*pfs group 14.*: installed"
check "20 pings over the new pair, none lost" \
	ip netns exec "$hostA" ping -q -c 20 -i 0.1 -W 2 "$LAB_HOSTB_IP"
show2=$(cmd_ctl show crypto ikev2 sa detail)
printf '%s\n' "$show2" | ktap_diag
in2=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1/p' <<< "$show2" | head -1 | tr 'A-F' 'a-f')
out2=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\2/p' <<< "$show2" | head -1 | tr 'A-F' 'a-f')
# strongSwan lists the rekeyed child as DELETED for its delete_rekeyed_delay
# (5 s) after our Delete; then only the new one is left
new_child_only() {
	sas2=$(sw_sas)
	grep -E '^ +(net:|in|out) ' <<< "$sas2" | sed 's/^ *//' | tr '\n' ' ' |
		grep -qE "^ *net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL, ESP:AES_CBC-256/HMAC_SHA1_96/MODP_2048 in +0*$out2, .*out +0*$in2, [^#]*$"
}
check "strongSwan has only the new child (in $in2 / out $out2, MODP_2048), old one deleted" \
	busywait 15000 new_child_only
printf '%s\n' "$sas2" | ktap_diag
sleep 0.5
kill "$tcpd" 2>/dev/null
wait "$tcpd" 2>/dev/null
wire=$(tcpdump -nr "$IKE_DIR/wan.pcap" 2>/dev/null)
clear=$(grep -cE "192\.168\.(1|3)\.100" <<< "$wire")
esp_ab=$(grep -c "$LAB_GWA_WAN_IP > $LAB_GWB_WAN_IP: ESP" <<< "$wire")
esp_ba=$(grep -c "$LAB_GWB_WAN_IP > $LAB_GWA_WAN_IP: ESP" <<< "$wire")
echo "WAN: $esp_ab ESP out, $esp_ba ESP in, $clear LAN packets in clear" | ktap_diag
check "ESP only on the wire: both ways, no LAN packet in clear" \
	test "$esp_ab" -gt 20 -a "$esp_ba" -gt 20 -a "$clear" -eq 0
"$CRYPTOMAP" -n "$gwA" show crypto ipsec sa | ktap_diag
ktap_finish
