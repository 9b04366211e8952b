#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Manual SAs live through configuration changes and clear crypto sa
# without restarting their sequence numbers (issue #5): cryptomap
# (ipsec-manual) on gwA against Linux XFRM with a replay window of 64 on
# gwB.  A peer that keeps its window drops a numbering that starts over as
# replays, so every step pings 20 times and checks that nothing was lost
# and that XFRM counted no replay:
#  - a new replay window on the entry (applied to the inbound SA in place),
#    replay disable and back, a renamed transform set;
#  - clear crypto sa (the manual SAs are "re-installed": counters zeroed,
#    sequence numbers and replay state kept);
#  - and, for contrast, new keys do make new SAs (new SPIs on both ends).
# show crypto ipsec sa prints "no sa timing" for manual SAs.

# shellcheck disable=SC1091,SC2154 # lib.sh, and the namespaces it names
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

ktap_header
ktap_plan 12

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

esp_case_keys aes128 sha 3000

# gwB: XFRM with replay windows of 64 packets.
xfrm_setup() {
	local ab ba
	ab=$(xfrm_algs aes128 sha "$C_AB" "$A_AB")
	ba=$(xfrm_algs aes128 sha "$C_BA" "$A_BA")
	ip -n "$gwB" -batch - <<-EOB
		xfrm state flush
		xfrm policy flush
		xfrm state add src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp spi $SPI_AB mode tunnel replay-window 64 $ab
		xfrm state add src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi $SPI_BA mode tunnel replay-window 64 $ba
		xfrm policy add src $LAB_LANB_NET dst $LAB_LANA_NET dir out tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi $SPI_BA mode tunnel
		xfrm policy add src $LAB_LANA_NET dst $LAB_LANB_NET dir fwd tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp mode tunnel
		xfrm policy add src $LAB_LANA_NET dst $LAB_LANB_NET dir in tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp mode tunnel
	EOB
}

# xfrm_replay SPI: XFRM's count of replayed packets on gwB for SPI
xfrm_replay() {
	ip -n "$gwB" -s xfrm state list spi "$1" |
		awk '/replay-window [0-9]+ replay [0-9]+ failed/ { print $4; exit }'
}

# pings: 20 pings hostA -> hostB, none lost, and XFRM saw no replay
pings() {
	local out r
	out=$(ip netns exec "$hostA" ping -c 20 -i 0.05 -W 2 "$LAB_HOSTB_IP" 2>&1)
	echo "$out" | tail -n 2
	echo "$out" | grep -q ' 0% packet loss' || return 1
	r=$(xfrm_replay "$SPI_AB")
	echo "xfrm replay on $SPI_AB: $r"
	[ "$r" = 0 ]
}

config() {
	ip netns exec "$gwA" "$CRYPTOMAP" config -
}

# An entry is replaced as a whole (session keys cannot be read back):
# every change below gives all of it again.
ENTRY_TS=TS
entry() {
	printf '%s\n' "crypto map VPN 10 ipsec-manual" " match address 101" \
		" set peer $LAB_GWB_WAN_IP" " set transform-set $ENTRY_TS"
}

sa() {
	ip netns exec "$gwA" "$CRYPTOMAP" "$@" show crypto ipsec sa
}

# win: the replay window of the inbound SA, from the JSON of show
win() {
	sa -j | SPI=$SPI_BA python3 -c '
import json, os, sys
spi = int(os.environ["SPI"])
def walk(o):
    if isinstance(o, dict):
        if "replay_window_size" in o and o.get("spi") == spi:
            print(o["replay_window_size"])
            sys.exit(0)
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(json.load(sys.stdin))'
}

xfrm_setup || ktap_exit_fail "xfrm"
check "ipsec-manual entry against XFRM" config <<-EOF
	access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
	crypto ipsec transform-set TS esp-aes esp-sha-hmac
	crypto map VPN 10 ipsec-manual
	 match address 101
	 set peer $LAB_GWB_WAN_IP
	 set transform-set TS
	$(session_key inbound "$SPI_BA" "$C_BA" "$A_BA")
	$(session_key outbound "$SPI_AB" "$C_AB" "$A_AB")
	interface wan0
	 crypto map VPN
	EOF

check "traffic flows" pings
check_match "manual SAs: no sa timing" '^        no sa timing$' sa

config <<-EOF
	$(entry)
	 set security-association replay window-size 512
	$(session_key inbound "$SPI_BA" "$C_BA" "$A_BA")
	$(session_key outbound "$SPI_AB" "$C_AB" "$A_AB")
	EOF
check_eq "window-size 512 applies to the inbound SA" 512 "$(win)"
check "a new replay window: numbering goes on" pings

config <<-EOF
	$(entry)
	 set security-association replay disable
	$(session_key inbound "$SPI_BA" "$C_BA" "$A_BA")
	$(session_key outbound "$SPI_AB" "$C_AB" "$A_AB")
	EOF
config <<-EOF
	$(entry)
	 set security-association replay window-size 64
	$(session_key inbound "$SPI_BA" "$C_BA" "$A_BA")
	$(session_key outbound "$SPI_AB" "$C_AB" "$A_AB")
	EOF
check "replay disable and back: numbering goes on" pings

config <<-EOF
	crypto ipsec transform-set TS2 esp-aes esp-sha-hmac
	$(ENTRY_TS=TS2 entry)
	$(session_key inbound "$SPI_BA" "$C_BA" "$A_BA")
	$(session_key outbound "$SPI_AB" "$C_AB" "$A_AB")
	EOF
check "the same transform under another name: numbering goes on" pings

check "clear crypto sa" ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa
check "after clear crypto sa: numbering goes on" pings

# New keys are a new SA on both ends: sequence numbers start over, which
# XFRM accepts on its new SA.
esp_case_keys aes128 sha 3100
xfrm_setup || ktap_exit_fail "xfrm rekey"
config <<-EOF
	$(ENTRY_TS=TS2 entry)
	$(session_key inbound "$SPI_BA" "$C_BA" "$A_BA")
	$(session_key outbound "$SPI_AB" "$C_AB" "$A_AB")
	EOF
check "new keys: new SAs, traffic flows" pings
check_match "the new outbound SPI is in use" \
	"current outbound spi: 0x[0-9A-F]+\\($SPI_AB\\)" sa

ktap_finish
