#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forged and broken AH against cryptomap: gwA takes AH (ah-sha-hmac, tunnel)
# from gwB, where selftests/ah_forge.py computes the packets independently
# of the kernel and sends them raw.  Genuine packets, and one whose mutable
# fields (TTL, TOS) changed on the way, are delivered to hostA; a bad ICV,
# a changed immutable field (source address, identification, AH's next
# header), a replayed sequence number, an unknown SPI and packets truncated
# at several offsets are dropped and counted.  Then the entry becomes an
# AH+ESP bundle: AH without ESP inside, and ESP without AH around it, are
# refused as the wrong protocol.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

AH_FORGE=$SELFTESTS/ah_forge.py

ktap_header
ktap_plan 16

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

stat() {
	ip netns exec "$1" $PY "$ESP_TOOL" stats | awk -v n="$2" '$1 == n { print $2 }'
}

# sa_counter NS TEXT: the number after "TEXT" in show crypto ipsec sa detail
sa_counter() {
	ip netns exec "$1" "$CRYPTOMAP" show crypto ipsec sa detail |
		sed -n "s/.*$2[: ]*\([0-9][0-9]*\).*/\1/p" | head -n1
}

K=$(hexkey 20)
check "gwA: ah-sha-hmac tunnel entry, inbound AH SPI 6101" cm_cfg "$gwA" <<EOF
access-list 110 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
crypto ipsec transform-set AHSHA ah-sha-hmac
crypto map VPN 10 ipsec-manual
 match address 110
 set peer $LAB_GWB_WAN_IP
 set transform-set AHSHA
 set session-key inbound ah 6101 $K
 set session-key outbound ah 6100 $K
interface wan0
 crypto map VPN
EOF

forge() {
	ip netns exec "$gwB" $PY "$AH_FORGE" "$LAB_GWB_WAN_IP" "$LAB_GWA_WAN_IP" "$@"
}

s0=$(stat "$gwA" invalid_sa_rcv)
l0=$(stat "$gwA" invalid_len_rcv)
capture_start "$hostA" lan0 /tmp/ah_forged.pcap
forge 6101 1 "$K" good
forge 6101 2 "$K" good
forge 6101 2 "$K" good			# replay
forge 6101 3 "$K" mutable		# TTL and TOS changed: still genuine
forge 7777 4 "$K" good			# unknown SPI
forge 6101 5 "$K" badicv
forge 6101 6 "$K" src
forge 6101 7 "$K" ident
forge 6101 8 "$K" nexthdr
for n in 4 11 12 20 23 30; do
	forge 6101 $((100 + n)) "$K" "trunc:$n"
done
sleep 0.5
capture_stop
delivered=$($PY "$ESP_TOOL" pcap /tmp/ah_forged.pcap | awk '$1 == "clear" && $2 == "192.168.3.100" { print $5 }')
check_eq "forged: the three genuine packets are delivered, nothing else" "3" "${delivered:-0}"
check_eq "forged: decaps counted" "3" "$(sa_counter "$gwA" "#pkts decaps")"
check_eq "forged: replayed sequence number counted" "1" \
	"$(sa_counter "$gwA" "##pkts replay failed (rcv)")"
s1=$(stat "$gwA" invalid_sa_rcv)
check_eq "forged: unknown SPI counted" "$((${s0:-0} + 1))" "${s1:-0}"
# bad ICV, source, identification, next header, and trunc:30 (ICV whole,
# the inner packet cut): verify failed
check_eq "forged: bad ICV and changed immutable fields fail verification" "5" \
	"$(sa_counter "$gwA" "#pkts verify failed")"
# trunc:4 (no SPI), 11, 12, 20, 23 (the AH header cut): invalid length
l1=$(stat "$gwA" invalid_len_rcv)
check_eq "forged: truncated AH headers counted as invalid length" \
	"$((${l0:-0} + 5))" "${l1:-0}"
# trunc:12, 20, 23 reach the SA (SPI and sequence number are there)
check_eq "forged: ... three of them on the SA" "3" \
	"$(sa_counter "$gwA" "#pkts invalid len (rcv)")"
check_match "forged: ... bad ICV logged RECVD_PKT_MAC_ERR" 'CRYPTO-4-RECVD_PKT_MAC_ERR' dmesg
check_match "forged: ... replay logged PKT_REPLAY_ERR" 'CRYPTO-4-PKT_REPLAY_ERR' dmesg

# ---- the bundle: AH and ESP, each only with the other --------------------

AK=$(hexkey 20)
check "gwA: the entry becomes ah-sha-hmac esp-null esp-sha-hmac" cm_cfg "$gwA" <<EOF
crypto ipsec transform-set AHSHA ah-sha-hmac esp-null esp-sha-hmac
crypto map VPN 10 ipsec-manual
 match address 110
 set peer $LAB_GWB_WAN_IP
 set transform-set AHSHA
 set session-key inbound ah 6101 $K
 set session-key outbound ah 6100 $K
$(session_key inbound 6201 "" "$AK")
$(session_key outbound 6200 "" "$AK")
EOF
p0=$(stat "$gwA" invalid_prot_rcv)
capture_start "$hostA" lan0 /tmp/ah_bundle.pcap
forge 6101 1 "$K" good			# AH around no ESP
ip netns exec "$gwB" $PY "$ESP_TOOL" forge "$LAB_GWA_WAN_IP" 6201 1 "$AK" good
sleep 0.5
capture_stop
delivered=$($PY "$ESP_TOOL" pcap /tmp/ah_bundle.pcap | awk '$1 == "clear" && $2 == "192.168.3.100" { print $5 }')
check_eq "bundle: AH alone and ESP alone are not delivered" "0" "${delivered:-0}"
p1=$(stat "$gwA" invalid_prot_rcv)
check_eq "bundle: ... both counted as invalid protocol" "$((${p0:-0} + 2))" "${p1:-0}"
check_match "bundle: ... and logged RECVD_PKT_INV_PROT" 'CRYPTO-4-RECVD_PKT_INV_PROT' dmesg
check "bundle: show crypto ipsec sa lists the four SAs" bash -c "
	ip netns exec $gwA $CRYPTOMAP show crypto ipsec sa |
	grep -A3 -E '(in|out)bound (esp|ah) sas:' | grep -c 'spi: 0x' | grep -qx 4"

ktap_finish
