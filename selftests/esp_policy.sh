#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ESP data path with cryptomap on both gateways, and the policy around
# it: the seed's inbound rules, a three-site map where sequence order and
# deny lines decide (site C speaks Linux XFRM), NAT before IPsec, PMTU
# with DF set, and forged or broken ESP (unknown SPI, bad ICV, bad
# padding, truncated, replayed): each dropped and counted, none crashes.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

ktap_header
ktap_plan 34

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

# Site C: gwC behind gwA's second WAN link, its LAN 192.168.5.0/24.
setup_ns gwC || ktap_exit_fail "gwC"
ip -n "$gwA" -batch - <<EOF || ktap_exit_fail "gwC link"
link add wan1 type veth peer name wan1 netns $gwC
addr add 209.165.201.1/30 dev wan1
link set wan1 up
route add 192.168.5.0/24 via 209.165.201.2
EOF
ip -n "$gwC" -batch - <<EOF || ktap_exit_fail "gwC setup"
addr add 209.165.201.2/30 dev wan1
link set wan1 up
link add lan0 type dummy
addr add 192.168.5.1/24 dev lan0
link set lan0 up
route add 192.168.1.0/24 via 209.165.201.1
EOF

# stat NS NAME: a per-netns counter (STATS_GET)
stat() {
	ip netns exec "$1" $PY "$ESP_TOOL" stats | awk -v n="$2" '$1 == n { print $2 }'
}

# sa_counter NS TEXT: the number after "TEXT" in show crypto ipsec sa detail
sa_counter() {
	ip netns exec "$1" "$CRYPTOMAP" show crypto ipsec sa detail |
		sed -n "s/.*$2[: ]*\([0-9][0-9]*\).*/\1/p" | head -n1
}

ping_ok() {
	ip netns exec "$1" ping -q -c "${3:-2}" -i 0.2 -W 2 "$2" >/dev/null 2>&1
}

# ---- cryptomap on both gateways: aes 256 + sha256, tunnel ----------------

esp_case_keys aes256 sha256 4000
CAB=$C_AB AAB=$A_AB CBA=$C_BA ABA=$A_BA
cfg_gwA_two_sites() {
	cm_cfg "$gwA" <<-EOF
		access-list 110 $1
		access-list 110 permit ip 192.168.1.0 0.0.0.255 192.168.0.0 0.0.255.255
		access-list 120 permit ip 192.168.1.0 0.0.0.255 192.168.5.0 0.0.0.255
		crypto ipsec transform-set STRONG esp-aes 256 esp-sha256-hmac
		crypto ipsec transform-set SITE-C esp-aes esp-sha-hmac
		crypto map VPN 10 ipsec-manual
		 match address 110
		 set peer $LAB_GWB_WAN_IP
		 set transform-set STRONG
		$(session_key inbound 4001 "$CBA" "$ABA")
		$(session_key outbound 4000 "$CAB" "$AAB")
		crypto map VPN 20 ipsec-manual
		 match address 120
		 set peer 209.165.201.2
		 set transform-set SITE-C
		$(session_key inbound 5001 "$CC_CA" "$AC_CA")
		$(session_key outbound 5000 "$CC_AC" "$AC_AC")
		interface wan0
		 crypto map VPN
		interface wan1
		 crypto map VPN
	EOF
}
cfg_gwB() {
	cm_cfg "$gwB" <<-EOF
		access-list 102 permit ip 192.168.3.0 0.0.0.255 $1
		crypto ipsec transform-set STRONG esp-aes 256 esp-sha256-hmac
		crypto map VPN 10 ipsec-manual
		 match address 102
		 set peer $LAB_GWA_WAN_IP
		 set transform-set STRONG
		$(session_key inbound 4000 "$CAB" "$AAB")
		$(session_key outbound 4001 "$CBA" "$ABA")
		interface wan0
		 crypto map VPN
	EOF
}

CC_AC=$(hexkey 16) AC_AC=$(hexkey 20) CC_CA=$(hexkey 16) AC_CA=$(hexkey 20)
ip -n "$gwC" -batch - <<EOF || ktap_exit_fail "gwC xfrm"
xfrm state add src 209.165.201.1 dst 209.165.201.2 proto esp spi 5000 mode tunnel enc cbc(aes) 0x$CC_AC auth-trunc hmac(sha1) 0x$AC_AC 96
xfrm state add src 209.165.201.2 dst 209.165.201.1 proto esp spi 5001 mode tunnel enc cbc(aes) 0x$CC_CA auth-trunc hmac(sha1) 0x$AC_CA 96
xfrm policy add src 192.168.5.0/24 dst 192.168.1.0/24 dir out tmpl src 209.165.201.2 dst 209.165.201.1 proto esp spi 5001 mode tunnel
xfrm policy add src 192.168.1.0/24 dst 192.168.5.0/24 dir in tmpl src 209.165.201.1 dst 209.165.201.2 proto esp mode tunnel
EOF

check "gwA: two entries, two peers, a deny line" \
	cfg_gwA_two_sites "deny ip 192.168.1.0 0.0.0.255 192.168.5.0 0.0.0.255"
check "gwB: the mirrored map" cfg_gwB "192.168.1.0 0.0.0.255"

check "cryptomap <-> cryptomap: hostA pings hostB" ping_ok "$hostA" "$LAB_HOSTB_IP" 3
check "cryptomap <-> cryptomap: hostB pings hostA" ping_ok "$hostB" "$LAB_HOSTA_IP" 3
check "cryptomap <-> cryptomap: TCP hostA -> hostB, sha256 matches" \
	tcp_transfer "$hostA" "$hostB" "$LAB_HOSTB_IP" 262144
a_enc=$(sa_counter "$gwA" "#pkts encaps")
b_dec=$(sa_counter "$gwB" "#pkts decaps")
check_eq "gwA encaps = gwB decaps ($a_enc)" "$a_enc" "$b_dec"

# ---- three sites: the deny line of entry 10 sends LAN C to entry 20 -------

check "deny in entry 10, permit in entry 20: hostA reaches site C" \
	ping_ok "$hostA" 192.168.5.1 3
c_in=$(xfrm_pkts "$gwC" 5000)
check "site C: XFRM SA 5000 counted them (${c_in:-none})" test "${c_in:-0}" -ge 3

# Without the deny line entry 10 (lower seq) takes LAN C too: to gwB, which
# drops what its SA does not cover.
inv0=$(sa_counter "$gwB" "#pkts invalid identity (recv)")
check "drop the deny line" cm_cfg "$gwA" <<<"no access-list 110
access-list 110 permit ip 192.168.1.0 0.0.0.255 192.168.0.0 0.0.255.255"
check_fail "overlapping entries: the lower sequence wins (LAN C via gwB fails)" \
	ping_ok "$hostA" 192.168.5.1 2
inv1=$(sa_counter "$gwB" "#pkts invalid identity (recv)")
check "gwB counted the packets its ACL does not cover ($inv0 -> $inv1)" \
	test "${inv1:-0}" -ge $((${inv0:-0} + 2))
grep -q 'RECVD_PKT_INV_IDENTITY_ACL' <(dmesg) ||
	echo "# (no INV_IDENTITY_ACL line in the kernel log)"

# ---- PMTU: DF set and too big once protected -----------------------------

# aes-cbc + sha256 in tunnel mode: 1500 - 20 - 8 - 16 - 16 = 1440 -> 1438
check_fail "PMTU: hostA ping -M do -s 1472 hostB does not pass" \
	ip netns exec "$hostA" ping -q -M do -c 1 -W 2 -s 1472 "$LAB_HOSTB_IP"
check_match "PMTU: gwA told hostA the MTU that fits (1438)" 'mtu 1438' \
	ip -n "$hostA" route get "$LAB_HOSTB_IP"
check "PMTU: ping -M do -s 1410 (1438 bytes) passes" \
	ip netns exec "$hostA" ping -q -M do -c 1 -W 2 -s 1410 "$LAB_HOSTB_IP"
check "PMTU: without DF, 1500-byte packets pass (outer fragments)" \
	ip netns exec "$hostA" ping -q -M dont -c 2 -i 0.3 -W 2 -s 1472 "$LAB_HOSTB_IP"

# ---- NAT first, then IPsec: the ACL names the translated address -----------

check "NAT: masquerade on gwA wan0, ACLs for 209.165.200.225" bash -c "
	ip netns exec $gwA nft -f - <<-NFT &&
		table ip nat {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname wan0 ip saddr 192.168.1.0/24 masquerade
			}
		}
	NFT
	printf '%s\n' 'no access-list 110' 'access-list 110 permit ip host $LAB_GWA_WAN_IP 192.168.3.0 0.0.0.255' |
		ip netns exec $gwA $CRYPTOMAP config - &&
	printf '%s\n' 'no access-list 102' 'access-list 102 permit ip 192.168.3.0 0.0.0.255 host $LAB_GWA_WAN_IP' |
		ip netns exec $gwB $CRYPTOMAP config -"
e0=$(sa_counter "$gwA" "#pkts encaps")
check "NAT: hostA pings hostB through NAT and the tunnel" ping_ok "$hostA" "$LAB_HOSTB_IP" 3
e1=$(sa_counter "$gwA" "#pkts encaps")
check "NAT: ... protected by the entry ($e0 -> $e1 encaps)" test "${e1:-0}" -ge $((${e0:-0} + 3))
check "NAT off, ACLs back" bash -c "
	ip netns exec $gwA nft flush ruleset &&
	printf '%s\n' 'no access-list 110' 'access-list 110 permit ip 192.168.1.0 0.0.0.255 192.168.0.0 0.0.255.255' |
		ip netns exec $gwA $CRYPTOMAP config -"

# ---- the seed's inbound rules ----------------------------------------------

# 1. Clear traffic that should have been protected: gwB without its map.
n0=$(stat "$gwA" not_ipsec_rcv)
echo "no crypto map VPN" | cm_cfg "$gwB" >/dev/null
check_fail "inbound: clear hostB -> hostA (should be protected) is dropped" \
	ping_ok "$hostB" "$LAB_HOSTA_IP" 2
n1=$(stat "$gwA" not_ipsec_rcv)
check "inbound: ... and counted as not IPsec ($n0 -> $n1)" test "${n1:-0}" -ge $((${n0:-0} + 2))
check_match "inbound: ... and logged RECVD_PKT_NOT_IPSEC" 'CRYPTO-4-RECVD_PKT_NOT_IPSEC' dmesg

# 2. Clear traffic the ACLs do not cover passes.
check "inbound: clear gwB(WAN) -> hostA, not covered, is forwarded" \
	ping_ok "$gwB" "$LAB_HOSTA_IP" 2

# 3. IPsec for someone else passes untouched.
capture_start "$hostA" lan0 /tmp/esp_other.pcap
s0=$(stat "$gwA" invalid_sa_rcv)
for i in 1 2 3; do
	ip netns exec "$gwB" $PY "$ESP_TOOL" forge "$LAB_HOSTA_IP" 57005 $i 00 good
done
sleep 0.5
capture_stop
s1=$(stat "$gwA" invalid_sa_rcv)
got=$($PY "$ESP_TOOL" pcap /tmp/esp_other.pcap | awk '$1 == "esp" && $4 == 57005 { print $5 }')
check_eq "inbound: ESP for hostA (not for gwA's SAs) is forwarded, not counted" \
	"3 $s0" "${got:-0} $s1"

# ---- forged and broken ESP, from gwB (no IPsec there now) ------------------

AK=$(hexkey 20)
check "gwA: esp-null esp-sha-hmac entry for the forgeries" cm_cfg "$gwA" <<EOF
no crypto map VPN
crypto ipsec transform-set NULLSHA esp-null esp-sha-hmac
crypto map VPN 10 ipsec-manual
 match address 110
 set peer $LAB_GWB_WAN_IP
 set transform-set NULLSHA
$(session_key inbound 6001 "" "$AK")
$(session_key outbound 6000 "" "$AK")
interface wan0
 crypto map VPN
EOF
forge() {
	ip netns exec "$gwB" $PY "$ESP_TOOL" forge "$LAB_GWA_WAN_IP" "$@"
}
capture_start "$hostA" lan0 /tmp/esp_forged.pcap
forge 6001 1 "$AK" good
forge 6001 2 "$AK" good
forge 6001 2 "$AK" good			# replay
forge 7777 3 "$AK" good			# unknown SPI
forge 6001 4 "$AK" badicv
forge 6001 5 "$AK" badpad
for n in 4 8 12 20 30 40; do
	forge 6001 $((100 + n)) "$AK" "trunc:$n"
done
sleep 0.5
capture_stop
delivered=$($PY "$ESP_TOOL" pcap /tmp/esp_forged.pcap | awk '$1 == "clear" && $2 == "192.168.3.100" { print $5 }')
check_eq "forged: the two genuine packets are delivered, nothing else" "2" "${delivered:-0}"
check_eq "forged: decaps counted" "2" "$(sa_counter "$gwA" "#pkts decaps")"
check_eq "forged: replayed sequence number counted" "1" \
	"$(sa_counter "$gwA" "##pkts replay failed (rcv)")"
s2=$(stat "$gwA" invalid_sa_rcv)
check "forged: unknown SPI counted (${s1:-0} -> ${s2:-0})" test "${s2:-0}" -ge $((${s1:-0} + 1))
check_match "forged: ... and logged RECVD_PKT_INV_SPI" 'CRYPTO-4-RECVD_PKT_INV_SPI' dmesg
# bad ICV, and trunc:40 (whole blocks, ICV cut): verify failed
check "forged: bad ICV counted as verify failed (>= 1)" \
	test "$(sa_counter "$gwA" "#pkts verify failed")" -ge 1
check_eq "forged: bad padding counted as decaps failed" "1" \
	"$(sa_counter "$gwA" "#pkts decaps failed (rcv)")"
il=$(stat "$gwA" invalid_len_rcv)
check "forged: truncated packets counted as invalid length (${il:-0} >= 4)" \
	test "${il:-0}" -ge 4

ktap_finish
