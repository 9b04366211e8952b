#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The IKEv2 cookie threshold (RFC 7296 2.6): with `crypto ikev2
# cookie-challenge 1` cryptomapd (gwA) answers IKE_SA_INIT normally while
# fewer than 1 IKE SA is half-open, and demands a COOKIE once one is.
# ikev2_forge.py init sends well-formed IKE_SA_INITs from gwB that never
# go on to IKE_AUTH: the first is answered with an SA (and stays
# half-open), the next ones get only a COOKIE.  strongSwan on gwB then
# initiates while that SA is still half-open: it is sent a COOKIE, its
# retry carrying it is accepted, and the tunnel carries traffic.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"

ktap_header
ike_lab_up 9
{
	v2_ios_ikev2 "$LAB_GWB_WAN_IP"
	echo "crypto ikev2 cookie-challenge 1"
	v2_ios_map
} > "$IKE_DIR/gwa.conf"
sw2_conf aes256-sha256-modp2048 "net:$LAB_LANB_NET:$LAB_LANA_NET:aes256-sha1"
check "cryptomap config on gwA (cookie-challenge 1)" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA" v2_cmd_start "$IKE_DIR/gwa.conf"

# before charon takes port 500 on gwB: three IKE_SA_INITs, no IKE_AUTH
ans=$(ip netns exec "$gwB" python3 "$SELFTESTS/ikev2_forge.py" init "$LAB_GWA_WAN_IP" 3 | tr '\n' ' ')
echo "answers to 3 IKE_SA_INITs: $ans" | ktap_diag
check_eq "0 half-open SAs (under the threshold): answered with an SA, no COOKIE" \
	"sa" "$(cut -d' ' -f1 <<< "$ans")"
check_eq "1 half-open SA (at the threshold): the next two get only a COOKIE" \
	"cookie cookie" "$(cut -d' ' -f2,3 <<< "$ans")"
check "cryptomapd counted the half-open SA against cookie-challenge 1" \
	cmd_log_has "from $LAB_GWB_WAN_IP: 1 half-open SAs, cookie-challenge 1: COOKIE sent \\(2 sent, 0 invalid\\)"
show=$(cmd_ctl show crypto ikev2 sa)
ktap_diag <<< "$show"

check "strongSwan starts on gwB" sw_start
check "strongSwan initiates while the SA is half-open: COOKIE round, then IKE SA up" \
	swk --initiate --ike gwa --child net --timeout 30
check "its IKE_SA_INIT got a COOKIE, the retry carrying it was accepted" \
	cmd_log_has "from $LAB_GWB_WAN_IP with a valid cookie \\(1 valid, 3 sent\\)"
check "pings cross the tunnel" busywait 10000 lab_ping
grep -E "IKE_SA_INIT|cookie|COOKIE|established" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag
ktap_finish
