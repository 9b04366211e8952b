#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# clear crypto sa peer A | map NAME | entry DST PROTO SPI remove exactly the
# SAs they name (issue #5).  gwA has three ipsec-isakmp entries, VPN 10
# (peer gwB), VPN 20 (peer 203.0.113.7) and OTHER 10 (peer gwB), with keyed
# pairs installed by SA_ADD (selftests/sa_keyer.py add), and a manual entry
# VPN 30 (peer gwB).  After each clear the SA dump must list exactly what
# is left: the keyed pairs named go (both SAs), every other pair stays,
# and the manual SAs are never removed (IOS re-installs them from the
# configuration).  `entry` names one SA by destination, protocol and SPI:
# the outbound SA of VPN 10 has the SPI of the inbound SA of VPN 20, so
# the destination decides which pair goes.

# shellcheck disable=SC1091,SC2154 # lib.sh, and the namespaces it names
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

KEYER="python3 $SELFTESTS/sa_keyer.py"
P2=203.0.113.7

ktap_header
ktap_plan 10

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

check "gwA: VPN 10, VPN 20, OTHER 10 ipsec-isakmp, VPN 30 ipsec-manual" cm_cfg "$gwA" <<EOF
access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
access-list 102 permit ip 192.168.1.0 0.0.0.255 10.20.0.0 0.0.255.255
access-list 103 permit ip 192.168.1.0 0.0.0.255 10.30.0.0 0.0.255.255
access-list 104 permit ip 192.168.1.0 0.0.0.255 10.40.0.0 0.0.255.255
crypto ipsec transform-set TS esp-aes esp-sha-hmac
crypto map VPN 10 ipsec-isakmp
 match address 101
 set peer $LAB_GWB_WAN_IP
 set transform-set TS
crypto map VPN 20 ipsec-isakmp
 match address 102
 set peer $P2
 set transform-set TS
crypto map VPN 30 ipsec-manual
 match address 104
 set peer $LAB_GWB_WAN_IP
 set transform-set TS
$(session_key inbound 4144 "$(hexkey 16)" "$(hexkey 20)")
$(session_key outbound 4145 "$(hexkey 16)" "$(hexkey 20)")
crypto map OTHER 10 ipsec-isakmp
 match address 103
 set peer $LAB_GWB_WAN_IP
 set transform-set TS
interface wan0
 crypto map VPN
interface lan0
 crypto map OTHER
EOF

# add MAP SEQ IN OUT: a keyed pair (random keys)
add() {
	$KEYER add --ns "$gwA" --map "$1" --seq "$2" --tset TS --spi-in "$3" --spi-out "$4"
}

# left: the SAs of gwA's dump, "MAP/SEQ/DIR/SPI" sorted, on one line
left() {
	$KEYER spis --ns "$gwA" | awk '{ printf "%s/%s/%s/%d\n", $1, $2, $3, $4 }' |
		sort | tr '\n' ' ' | sed 's/ $//'
}

MAN="VPN/30/in/4144 VPN/30/out/4145"
V10="VPN/10/in/4112 VPN/10/out/4128"
V20="VPN/20/in/4128 VPN/20/out/4129"
OTH="OTHER/10/in/4160 OTHER/10/out/4161"
# want SA...: the same, sorted
want() { printf '%s\n' "$@" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//'; }

# VPN 10's outbound SPI (4128) is VPN 20's inbound SPI.
check "SA_ADD: VPN 10, VPN 20, OTHER 10" bash -c "
	$KEYER add --ns $gwA --map VPN --seq 10 --tset TS --spi-in 4112 --spi-out 4128 &&
	$KEYER add --ns $gwA --map VPN --seq 20 --tset TS --spi-in 4128 --spi-out 4129 &&
	$KEYER add --ns $gwA --map OTHER --seq 10 --tset TS --spi-in 4160 --spi-out 4161"
check_eq "the dump lists the eight SAs" "$(want $MAN $V10 $V20 $OTH)" "$(left)"

ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa peer "$P2"
check_eq "clear crypto sa peer $P2: VPN 20's pair only" \
	"$(want $MAN $V10 $OTH)" "$(left)"

ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa map OTHER
check_eq "clear crypto sa map OTHER: OTHER's pair only" "$(want $MAN $V10)" "$(left)"

add VPN 20 4128 4129
add OTHER 10 4160 4161
ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa entry "$LAB_GWA_WAN_IP" esp 4128
check_eq "clear crypto sa entry <gwA> esp 4128: the inbound SA's pair (VPN 20), not VPN 10's outbound" \
	"$(want $MAN $V10 $OTH)" "$(left)"

add VPN 20 4128 4129
ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa entry "$LAB_GWB_WAN_IP" esp 4128
check_eq "clear crypto sa entry <gwB> esp 4128: the outbound SA's pair (VPN 10)" \
	"$(want $MAN $V20 $OTH)" "$(left)"

ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa entry "$LAB_GWA_WAN_IP" ah 4160
check_eq "clear crypto sa entry <gwA> ah 4160: no AH SA has it, nothing goes" \
	"$(want $MAN $V20 $OTH)" "$(left)"

ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa peer "$LAB_GWB_WAN_IP"
check_eq "clear crypto sa peer <gwB>: OTHER's pair; the manual SAs stay" \
	"$(want $MAN $V20)" "$(left)"

ktap_finish
