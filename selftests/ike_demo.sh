#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's ipsec-isakmp demo, step by step: the seed's Example 19-11
# map (selftests/data/ike-demo-gwA.conf) on gwA with cryptomapd, strongSwan
# on gwB (selftests/data/ike-demo-gwB.swanctl.conf); the commands of the
# README, each checked, their output as diagnostics.
#
# selftest: on request (make check TESTS=ike_demo): ike_traffic proves the
# same map in every run; this one shows the walk-through.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ktap_header
ike_lab_up 11
A=$SELFTESTS/data/ike-demo-gwA.conf
sw_conf aes256-sha1-modp2048 3des-sha1		# strongswan.conf
cp "$SELFTESTS/data/ike-demo-gwB.swanctl.conf" "$IKE_DIR/sw/swanctl/swanctl.conf"
C() {	# C ARGS: cryptomap on gwA, shown
	echo "gwA# cryptomap $*"
	"$CRYPTOMAP" -n "$gwA" "$@"
}
show() {	# show DESC CMD...: a check whose output is shown
	local d=$1
	shift
	check "$d" "$@"
	printf '%s\n' "$CHECK_OUT" | ktap_diag
}

show "gwB: strongSwan loads the mirror configuration" sw_start
show "gwA: cryptomap config $(basename "$A")" C config "$A"
check "gwA: cryptomapd -f $(basename "$A")" cmd_start "$A"
show "gwA: show crypto isakmp policy" C show crypto isakmp policy
show "gwA: show crypto map (before traffic)" C show crypto map
show "hostA: ping hostB, the first packets bring the tunnel up" \
	busywait 30000 ip netns exec "$hostA" ping -c 3 -i 0.3 -W 2 "$LAB_HOSTB_IP"
show "gwA: show crypto isakmp sa: QM_IDLE" C show crypto isakmp sa
check_match "  ... with gwB in QM_IDLE" "^$LAB_GWB_WAN_IP +$LAB_GWA_WAN_IP +QM_IDLE +1001 ACTIVE" \
	printf '%s\n' "$CHECK_OUT"
show "gwA: show crypto ipsec sa: the pair with its counters" C show crypto ipsec sa
sas() {	# swanctl's plugin warnings left out
	swk --list-sas 2>/dev/null
}
show "gwB: swanctl --list-sas" sas
show "gwA: clear crypto sa, the next ping renegotiates" bash -c \
	"'$CRYPTOMAP' -n '$gwA' clear crypto sa && sleep 1 &&
	 ip netns exec '$hostA' ping -c 3 -i 0.5 -W 2 '$LAB_HOSTB_IP'"
grep -E "ACQUIRE|ISAKMP SA|Quick Mode|SAs for|expired" "$IKE_DIR/cryptomapd.log" |
	sed 's/^[0-9.]* //' | ktap_diag
ktap_finish
