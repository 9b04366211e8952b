#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The three-site map of issue #9: gwA's single crypto map MYMAP has two
# ipsec-isakmp entries, 10 to gwB (strongSwan, IKEv1) for LAN B and 20 to
# gwC (cryptomap + cryptomapd, IKEv2: set ikev2-profile) for LAN C.  gwC
# sits behind gwB (198.51.100.0/24), so both tunnels leave gwA by wan0.
#
#   hostA -- gwA ==== gwB -- hostB           LAN B 192.168.3.0/24
#                      \\
#                       gwC -- hostC         LAN C 192.168.5.0/24
#
# Pings to hostB and hostC at once raise two ACQUIREs: one cryptomapd runs
# Main + Quick Mode for entry 10 and IKE_SA_INIT + IKE_AUTH for entry 20.
# Both tunnels then carry pings at the same time, counted on both ends
# (gwA's SAs, strongSwan's XFRM states, gwC's SAs), seen decrypted on the
# far LANs, as ESP only on gwA's WAN; show crypto isakmp sa lists the
# IKEv1 SA, show crypto ikev2 sa the IKEv2 one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"

ktap_header
ike_lab_up 16

PB=$LAB_GWB_WAN_IP
PC=198.51.100.2
HOSTC=192.168.5.100
NPING=${IKE3_PINGS:-40}
# shellcheck disable=SC2154 # gwC, hostC: set by setup_ns
{
	setup_ns gwC hostC &&
	ip -n "$gwB" -batch - <<-BATCH &&
		link add wan1 type veth peer name wan0 netns $gwC
		addr add 198.51.100.1/24 dev wan1
		link set wan1 up
	BATCH
	ip -n "$gwC" -batch - <<-BATCH &&
		link add lan0 type veth peer name lan0 netns $hostC
		addr add $PC/24 dev wan0
		addr add 192.168.5.1/24 dev lan0
		link set wan0 up
		link set lan0 up
		route add default via 198.51.100.1
	BATCH
	ip -n "$hostC" -batch - <<-BATCH &&
		addr add $HOSTC/24 dev lan0
		link set lan0 up
		route add default via 192.168.5.1
	BATCH
	ip -n "$gwA" -batch - <<-BATCH &&
		route add 198.51.100.0/24 via $PB
		route add 192.168.5.0/24 via $PB
	BATCH
	ip netns exec "$gwC" sysctl -qw net.ipv4.ip_forward=1
} || ktap_exit_fail "site C setup"

{
	cat <<-CONF
	crypto isakmp policy 10
	 encryption aes 256
	 hash sha
	 authentication pre-share
	 group 14
	crypto isakmp key $IKE_PSK address $PB
	CONF
	v2_ios_ikev2 "$PC"
	cat <<-CONF
	access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
	access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.5.0 0.0.0.255
	crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac
	crypto map MYMAP 10 ipsec-isakmp
	 match address 100
	 set peer $PB
	 set transform-set TS
	crypto map MYMAP 20 ipsec-isakmp
	 match address 101
	 set peer $PC
	 set transform-set TS
	 set ikev2-profile PROF-1
	interface wan0
	 crypto map MYMAP
	CONF
} > "$IKE_DIR/gwa.conf"
{
	v2_ios_ikev2 "$LAB_GWA_WAN_IP"
	cat <<-CONF
	access-list 100 permit ip 192.168.5.0 0.0.0.255 192.168.1.0 0.0.0.255
	crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac
	crypto map CMAP 10 ipsec-isakmp
	 match address 100
	 set peer $LAB_GWA_WAN_IP
	 set transform-set TS
	 set ikev2-profile PROF-1
	interface wan0
	 crypto map CMAP
	CONF
} > "$IKE_DIR/gwc.conf"
sw_conf aes256-sha1-modp2048 aes256-sha1
ctl_c() { ip netns exec "$gwC" "$CRYPTOMAPD" ctl "$@"; }

check "strongSwan (IKEv1) starts on gwB" sw_start
check "cryptomap config on gwA (one map, an IKEv1 and an IKEv2 entry) and gwC" \
	sh -c "'$CRYPTOMAP' -n '$gwA' config '$IKE_DIR/gwa.conf' &&
	'$CRYPTOMAP' -n '$gwC' config '$IKE_DIR/gwc.conf'"
ip netns exec "$gwC" "$CRYPTOMAPD" -d -f "$IKE_DIR/gwc.conf" >> "$IKE_DIR/cryptomapd-gwc.log" 2>&1 &
on_exit kill $!
check "cryptomapd starts on gwC" busywait 5000 ctl_c show crypto ikev2 sa
check "cryptomapd starts on gwA" v2_cmd_start "$IKE_DIR/gwa.conf"

ip netns exec "$gwA" tcpdump -nli wan0 -w "$IKE_DIR/wan.pcap" esp or udp port 500 or icmp \
	> /dev/null 2>&1 &
tcpa=$!
ip netns exec "$hostB" tcpdump -nli lan0 -w "$IKE_DIR/lanb.pcap" icmp > /dev/null 2>&1 &
tcpb=$!
ip netns exec "$hostC" tcpdump -nli lan0 -w "$IKE_DIR/lanc.pcap" icmp > /dev/null 2>&1 &
tcpc=$!
on_exit kill "$tcpa" "$tcpb" "$tcpc"
sleep 1

ping_b() { ip netns exec "$hostA" ping -q -c 1 -W 1 "$LAB_HOSTB_IP" >/dev/null 2>&1; }
ping_c() { ip netns exec "$hostA" ping -q -c 1 -W 1 "$HOSTC" >/dev/null 2>&1; }
# both first packets leave together; each tunnel must come up on its own
t0=$(date +%s%3N)
( busywait 40000 ping_b && echo "B $(( $(date +%s%3N) - t0 )) ms" ) > "$IKE_DIR/up_b" &
ub=$!
( busywait 40000 ping_c && echo "C $(( $(date +%s%3N) - t0 )) ms" ) > "$IKE_DIR/up_c" &
uc=$!
wait "$ub"; rb=$?
wait "$uc"; rc=$?
cat "$IKE_DIR/up_b" "$IKE_DIR/up_c" | sed 's/^/tunnel up: /' | ktap_diag
check "first packets bring both tunnels up (hostB and hostC answer within 40 s)" \
	test "$rb" -eq 0 -a "$rc" -eq 0
check "entry 10 keyed by IKEv1 (Quick Mode) with $PB" \
	cmd_log_has "esp SAs for MYMAP 10 with $PB: .*: installed"
v2_keyed() {
	cmd_log_has "IKEv2 SA [0-9]+: IKE_SA_INIT to $PC" &&
		cmd_log_has "esp SAs for MYMAP 20 .*: installed"
}
check "entry 20 keyed by IKEv2 (IKE_SA_INIT to $PC)" v2_keyed
v1=$(cmd_ctl show crypto isakmp sa)
v2=$(cmd_ctl show crypto ikev2 sa)
printf '%s\n' "$v1" "$v2" | ktap_diag
v1_only() {
	grep -qE "^$PB +$LAB_GWA_WAN_IP +QM_IDLE .*ACTIVE" <<< "$v1" && ! grep -q "$PC" <<< "$v1"
}
v2_only() {
	grep -qE "^[0-9]+ +$LAB_GWA_WAN_IP/500 +$PC/500 +none/none +READY" <<< "$v2" &&
		! grep -q "$PB/" <<< "$v2"
}
check "show crypto isakmp sa: the IKEv1 SA with gwB in QM_IDLE, nothing with gwC" v1_only
check "show crypto ikev2 sa: the IKEv2 SA with gwC READY, nothing with gwB" v2_only

# both tunnels at the same time
ip netns exec "$hostA" ping -q -c "$NPING" -i 0.05 -W 2 "$LAB_HOSTB_IP" > "$IKE_DIR/ping_b.out" 2>&1 &
pb=$!
ip netns exec "$hostA" ping -q -c "$NPING" -i 0.05 -W 2 "$HOSTC" > "$IKE_DIR/ping_c.out" 2>&1 &
pc=$!
wait "$pb"; rb=$?
wait "$pc"; rc=$?
grep -h "transmitted" "$IKE_DIR/ping_b.out" "$IKE_DIR/ping_c.out" | ktap_diag
none_lost() {
	[ "$rb" -eq 0 ] && [ "$rc" -eq 0 ] &&
		grep -q " $NPING received, 0% packet loss" "$IKE_DIR/ping_b.out" &&
		grep -q " $NPING received, 0% packet loss" "$IKE_DIR/ping_c.out"
}
check "$NPING pings to hostB and $NPING to hostC at the same time, none lost" none_lost

# sa_count NS PEER COUNTER: a counter of the SA pair with PEER in NS
sa_count() {
	ip netns exec "$1" "$CRYPTOMAP" show crypto ipsec sa peer "$2" |
		sed -n "s/.*$3: \([0-9][0-9]*\).*/\1/p" | head -n1
}
a_enc_b=$(sa_count "$gwA" "$PB" "#pkts encaps")
a_dec_b=$(sa_count "$gwA" "$PB" "#pkts decaps")
a_enc_c=$(sa_count "$gwA" "$PC" "#pkts encaps")
a_dec_c=$(sa_count "$gwA" "$PC" "#pkts decaps")
c_enc=$(sa_count "$gwC" "$LAB_GWA_WAN_IP" "#pkts encaps")
c_dec=$(sa_count "$gwC" "$LAB_GWA_WAN_IP" "#pkts decaps")
sas=$(tr '\n' ' ' <<< "$(sw_sas)")
b_in=$(sed -n 's/.* in  *[0-9a-f]*, *[0-9]* bytes, *\([0-9]*\) packets.*/\1/p' <<< "$sas")
b_out=$(sed -n 's/.* out  *[0-9a-f]*, *[0-9]* bytes, *\([0-9]*\) packets.*/\1/p' <<< "$sas")
echo "gwA->B encaps $a_enc_b decaps $a_dec_b; gwA->C encaps $a_enc_c decaps $a_dec_c;" \
	"gwB (XFRM) in $b_in out $b_out; gwC encaps $c_enc decaps $c_dec" | ktap_diag
check "gwA counts both pairs both ways (>= $NPING each)" \
	test "${a_enc_b:-0}" -ge "$NPING" -a "${a_dec_b:-0}" -ge "$NPING" \
	-a "${a_enc_c:-0}" -ge "$NPING" -a "${a_dec_c:-0}" -ge "$NPING"
check "gwB (strongSwan, IKEv1) decrypted and encrypted them (XFRM in/out >= $NPING)" \
	test "${b_in:-0}" -ge "$NPING" -a "${b_out:-0}" -ge "$NPING"
check "gwC (cryptomap, IKEv2) decrypted and encrypted them (decaps/encaps >= $NPING)" \
	test "${c_dec:-0}" -ge "$NPING" -a "${c_enc:-0}" -ge "$NPING"
check_eq "gwC's counts equal gwA's for that pair" "$a_enc_c/$a_dec_c" "$c_dec/$c_enc"

sleep 0.5
kill "$tcpa" "$tcpb" "$tcpc" 2>/dev/null
wait "$tcpa" "$tcpb" "$tcpc" 2>/dev/null
wire=$(tcpdump -nr "$IKE_DIR/wan.pcap" 2>/dev/null)
clear=$(grep -cE "192\.168\.(1|3|5)\.100" <<< "$wire")
esp_b=$(grep -cE "($LAB_GWA_WAN_IP > $PB|$PB > $LAB_GWA_WAN_IP): ESP" <<< "$wire")
esp_c=$(grep -cE "($LAB_GWA_WAN_IP > $PC|$PC > $LAB_GWA_WAN_IP): ESP" <<< "$wire")
lanb=$(tcpdump -nr "$IKE_DIR/lanb.pcap" 2>/dev/null | grep -c "192.168.1.100 > $LAB_HOSTB_IP: ICMP echo request")
lanc=$(tcpdump -nr "$IKE_DIR/lanc.pcap" 2>/dev/null | grep -c "192.168.1.100 > $HOSTC: ICMP echo request")
echo "gwA WAN: $esp_b ESP with gwB, $esp_c ESP with gwC, $clear LAN packets in clear;" \
	"decrypted echo requests: $lanb on LAN B, $lanc on LAN C" | ktap_diag
check "gwA's WAN: ESP with both peers, no LAN packet in clear" \
	test "$esp_b" -ge $((2 * NPING)) -a "$esp_c" -ge $((2 * NPING)) -a "$clear" -eq 0
check "the far LANs see the echo requests decrypted (>= $NPING on LAN B and on LAN C)" \
	test "$lanb" -ge "$NPING" -a "$lanc" -ge "$NPING"
"$CRYPTOMAP" -n "$gwA" show crypto map | ktap_diag
cp "$IKE_DIR/cryptomapd-gwc.log" "${VM_ARTIFACTS:-/tmp}/" 2>/dev/null
ktap_finish
