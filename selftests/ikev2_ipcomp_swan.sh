#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPComp negotiated by IKEv2 with strongSwan (RFC 7296 2.22: each side's
# IPCOMP_SUPPORTED carries the CPI it wants to receive; RFC 3173).
# cryptomapd on gwA, transform set esp-aes 256 esp-sha-hmac comp-deflate;
# strongSwan on gwB, esp_proposals aes256-sha1 with ipcomp = yes (DEFLATE).
# strongSwan allocates its CPI apart from its SPI, so the module must take
# the CPIs SA_ADD gives (IPPROTO_COMP keys), not the low halves of the
# SPIs: the outbound IPComp SA carries strongSwan's CPI, the inbound one
# ours.  Both roles: cryptomapd initiates on ACQUIRE, then strongSwan
# initiates and cryptomapd answers.  Each time:
# - the CPIs agree: show crypto ikev2 sa detail, the module's pcp SAs
#   (show crypto ipsec sa) and strongSwan's XFRM comp states (ip xfrm state);
# - large compressible pings (ping -s 1400 -p 00) are answered both ways;
# - every packet the module compressed reached strongSwan's inbound comp
#   state (its XFRM counter equals the module's "compressed": XFRM finds
#   the comp state by the CPI in the IPComp header, a wrong one is dropped),
#   and the module decompressed strongSwan's with no failure.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"
. "$(dirname "$0")/esp_common.sh"

ktap_header
ike_lab_up 16
# strongSwan's kernel side: IPComp (and its IPIP state for what it does not
# compress) with deflate
modprobe -a xfrm_ipcomp ipcomp xfrm4_tunnel tunnel4 deflate >/dev/null 2>&1

{
	V2_GROUP=19 v2_ios_ikev2 "$LAB_GWB_WAN_IP"
	V2_TS="esp-aes 256 esp-sha-hmac comp-deflate" v2_ios_map
} > "$IKE_DIR/gwa.conf"
# ECP-256 for the IKE SA: a quicker DH than MODP-2048 in an emulated guest
SW_IPCOMP=yes sw2_conf aes256-sha256-ecp256 "net:$LAB_LANB_NET:$LAB_LANA_NET:aes256-sha1"

# sw_cpi DST: the CPI (hex, 4 digits) of gwB's XFRM comp state towards DST
sw_cpi() {
	local out v
	out=$(ip -n "$gwB" xfrm state 2>/dev/null)
	v=$(awk -v dst="$1" '/^src / { d = $4 } /proto comp spi/ && d == dst { print $4 }' <<< "$out" |
		tail -n 1)
	[ -n "$v" ] && printf '%04X\n' "$v"
}
# sw_comp_pkts CPI: the packets of gwB's XFRM comp state CPI (hex)
sw_comp_pkts() {
	local out
	out=$(ip -n "$gwB" -s xfrm state list proto comp spi "0x$1" 2>/dev/null)
	awk '/lifetime current:/ { getline; sub(/\(packets\)/, "", $2); print $2; exit }' <<< "$out"
}
# cm_pcp DIR: the SPI (CPI, hex) of the module's DIR (inbound/outbound) pcp SA
cm_pcp() {
	local out
	out=$(ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa)
	awk -v want="$1 pcp sas:" '$0 ~ want { on = 1; next } /sas:/ { on = 0 }
		on && /spi: 0x/ { sub(/.*\(/, ""); sub(/\).*/, ""); print; exit }' <<< "$out" |
		xargs printf '%04X\n' 2>/dev/null
}
# csum WHAT: the sum of every "#pkts WHAT: N" of gwA's show crypto ipsec sa
csum() {
	ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa |
		sed -n "s/.*#pkts $1: \([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}
# big_pings N: N large compressible pings each way, every one answered
big_pings() {
	ip netns exec "$hostA" ping -q -c "$1" -i 0.1 -W 2 -s 1400 -p 00 "$LAB_HOSTB_IP" >/dev/null &&
		ip netns exec "$hostB" ping -q -c "$1" -i 0.1 -W 2 -s 1400 -p 00 "$LAB_HOSTA_IP" >/dev/null
}
comp_pairs() {
	[ "$(grep -c "esp SAs for MYMAP 10 .*IPComp deflate cpi in/out .*: installed" \
		"$IKE_DIR/cryptomapd.log")" -ge "$1" ]
}

# round NAME: the checks of one negotiated pair (5 checks)
round() {
	local show ours cin cout swin swout pin pout c0 d0 f0 x0 c d f x
	show=$(cmd_ctl show crypto ikev2 sa detail)
	ours=$(sed -n 's/.*CPI in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1 \2/p' <<< "$show" | tail -n 1)
	read -r cin cout <<< "$ours"
	cin=$(printf '%04X' "0x${cin:-0}") cout=$(printf '%04X' "0x${cout:-0}")
	swin=$(sw_cpi "$LAB_GWB_WAN_IP") swout=$(sw_cpi "$LAB_GWA_WAN_IP")
	pin=$(cm_pcp inbound) pout=$(cm_pcp outbound)
	echo "$1: cryptomapd CPI in/out $cin/$cout; module pcp in/out $pin/$pout; strongSwan comp in/out $swin/$swout" | ktap_diag
	grep -E "ESP spi in/out|CPI in/out" <<< "$show" | ktap_diag
	check "$1: CPIs agree: ours in = strongSwan's out, strongSwan's in = our out, the module's pcp SAs the same" \
		test "$cin" != 0000 -a "$cout" != 0000 -a "$cin" = "$swout" -a \
		"$cout" = "$swin" -a "$pin" = "$cin" -a "$pout" = "$cout"
	c0=$(csum compressed) d0=$(csum decompressed) f0=$(csum "decompress failed")
	x0=$(sw_comp_pkts "$swin")
	check "$1: 10 large compressible pings each way answered" big_pings 10
	c=$(csum compressed) d=$(csum decompressed) f=$(csum "decompress failed")
	x=$(sw_comp_pkts "$swin")
	echo "$1: module compressed $c0 -> $c, decompressed $d0 -> $d, decompress failed $f0 -> $f; strongSwan comp state $swin in ${x0:-none} -> ${x:-none}" | ktap_diag
	check "$1: the module compressed the 20 large packets it sent" test $((c - c0)) -ge 20
	check "$1: strongSwan's comp state $swin took every one (XFRM counter = module's compressed)" \
		test -n "$x" -a $((${x:-0} - ${x0:-0})) -eq $((c - c0))
	check "$1: the module decompressed strongSwan's 20, none failed" \
		test $((d - d0)) -ge 20 -a "$f" -eq 0
}

check "strongSwan starts on gwB (aes256-sha1, ipcomp = yes)" sw_start
check "cryptomap config on gwA (esp-aes 256 esp-sha-hmac comp-deflate)" \
	"$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA" v2_cmd_start "$IKE_DIR/gwa.conf"

# ---- cryptomapd initiates (ACQUIRE) ----------------------------------------
first_up() { lab_ping; busywait 40000 comp_pairs 1; }
check "initiator: ESP + IPComp deflate pair installed" first_up
busywait 10000 lab_ping
round initiator

# ---- strongSwan initiates ----------------------------------------------------
cmd_ctl clear crypto ikev2 sa >/dev/null
sw_gone() { local o; o=$(swk --list-sas 2>/dev/null); ! grep -q INSTALLED <<< "$o"; }
busywait 10000 sw_gone
check "strongSwan initiates with IPComp: cryptomapd answers" \
	swk --initiate --ike gwa --child net --timeout 30
check "responder: ESP + IPComp deflate pair installed" busywait 10000 comp_pairs 2
round responder

sw_sas | ktap_diag
ip -n "$gwB" xfrm state | grep -E "^src|proto" | ktap_diag
grep -E "IKEv2 SA [0-9]+: esp SAs|IPComp|CPI" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag
ktap_finish
