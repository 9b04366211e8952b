#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extended sequence numbers negotiated by IKEv2 (the ESN transform, RFC
# 7296 3.3.2; RFC 4303 2.2.1): strongSwan (gwB) allows only ESN
# (aes256-sha256-esn).  1. cryptomapd initiates on ACQUIRE and offers no
# ESN and ESN: strongSwan picks ESN, cryptomapd installs the pair with
# SA_ADD's esn flag (show crypto ipsec sa: {Tunnel, ESN, }), strongSwan's
# XFRM states carry flag esn, and pings cross both ways (the ICVs cover the
# high 32 bits on both sides).  2. After clear crypto ikev2 sa, strongSwan
# initiates with its ESN-only proposal: cryptomapd as responder accepts
# it and installs an ESN pair again.  Case 1 also takes the daemon's
# fallback when the pair it installed before IKE_AUTH (no ESN guessed)
# does not match the answer: deleted, and installed from the answer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"

ktap_header
ike_lab_up 11
{
	v2_ios_ikev2 "$LAB_GWB_WAN_IP"
	V2_TS_AUTH=esp-sha256-hmac v2_ios_map
} > "$IKE_DIR/gwa.conf"
sw2_conf aes256-sha256-modp2048 "net:$LAB_LANB_NET:$LAB_LANA_NET:aes256-sha256-esn"
check "strongSwan starts on gwB (ESN-only child proposal)" sw_start
check "cryptomap config on gwA" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA" v2_cmd_start "$IKE_DIR/gwa.conf"

# esn_pair N: N pairs installed with ESN so far; esn_module: ESN on both
# SAs in the module; esn_xfrm: flag esn on strongSwan's two XFRM states
esn_pair() {
	[ "$(grep -c "esp SAs for MYMAP 10 .*, esn, .*: installed" "$IKE_DIR/cryptomapd.log")" -ge "$1" ]
}
esn_module() {
	local out
	out=$("$CRYPTOMAP" -n "$gwA" show crypto ipsec sa)
	[ "$(grep -c "in use settings ={Tunnel, ESN, }" <<< "$out")" -eq 2 ]
}
esn_xfrm() {
	local out
	out=$(ip -n "$gwB" xfrm state)
	[ "$(grep -c "flag.* esn" <<< "$out")" -eq 2 ]
}
pings_both() {
	ip netns exec "$hostA" ping -q -c 10 -i 0.1 -W 2 "$LAB_HOSTB_IP" >/dev/null &&
		ip netns exec "$hostB" ping -q -c 10 -i 0.1 -W 2 "$LAB_HOSTA_IP" >/dev/null
}

first_up() {
	lab_ping
	busywait 40000 esn_pair 1
}
check "cryptomapd initiates (ACQUIRE): strongSwan picks ESN, pair installed with esn" first_up
busywait 10000 lab_ping
"$CRYPTOMAP" -n "$gwA" show crypto ipsec sa | ktap_diag
ip -n "$gwB" xfrm state | ktap_diag
check "module: both SAs {Tunnel, ESN, }" esn_module
check "strongSwan: both XFRM states flag esn" esn_xfrm
check "10 pings each way over the ESN pair" pings_both
# the pair installed before IKE_AUTH guessed 32-bit sequence numbers:
# ESN in the answer replaced it, and the module holds the ESN pair only
early_replaced() {
	cmd_log_has "IKEv2 SA 1: the answer differs from the inbound SA installed before IKE_AUTH: installing it anew" &&
		[ "$("$CRYPTOMAP" -n "$gwA" show crypto ipsec sa | grep -c "in use settings")" -eq 2 ]
}
check "the early inbound pair (no ESN) was replaced from the answer, none left" early_replaced

cmd_ctl clear crypto ikev2 sa >/dev/null
sleep 1
check "strongSwan initiates with ESN only: cryptomapd answers with ESN" \
	swk --initiate --ike gwa --child net --timeout 30
resp_up() { esn_pair 2 && esn_module && esn_xfrm; }
check "responder: pair installed with esn, in the module and on strongSwan" \
	busywait 10000 resp_up
check "10 pings each way over the responder's ESN pair" pings_both
grep -E "IKEv2 SA [0-9]+: esp SAs" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag
ktap_finish
