#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rekey under iperf3 load (issue #5): cryptomap on gwA and gwB with the same
# ipsec-isakmp entry, selftests/sa_keyer.py playing the keying daemon on
# both.  iperf3 sends UDP at a fixed rate (IPERF_RATE, 1000-byte datagrams)
# from hostA to hostB while the keyer makes REKEYS make-before-break rekeys
# (SA_ADD standby on both, SA_UPDATE activate on gwA then, REKEY_GAP s
# later, on gwB, SA_DEL of the old pair 0.5 s later).  iperf3 counts every datagram: none may be lost, none
# may be dropped as a replay, none may arrive for an unknown SPI, and the
# traffic must have used several SPIs (the rekeys really happened under it).
# The peer is cryptomap, not XFRM (see Documentation/performance.md).

# shellcheck disable=SC1091,SC2154 # lib.sh, and the namespaces it names
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

REKEYS=${REKEYS:-10}
REKEY_INTERVAL=${REKEY_INTERVAL:-1}
# gwB switches its output REKEY_GAP s after gwA, as when IKE's messages
# cross a network: gwA's new SAs must be accepted by gwB's standby pair
REKEY_GAP=${REKEY_GAP:-0.2}
IPERF_RATE=${IPERF_RATE:-800K}
KEYER="python3 $SELFTESTS/sa_keyer.py"

ktap_header
ktap_plan 10

command -v iperf3 >/dev/null || ktap_skip_all "iperf3 missing (make deps)"
lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"

# gw_cfg NS LOCALNET REMOTENET PEER
gw_cfg() {
	ip netns exec "$1" "$CRYPTOMAP" config - <<-EOF
		access-list 101 permit ip $2 0.0.0.255 $3 0.0.0.255
		crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac
		crypto map VPN 10 ipsec-isakmp
		 match address 101
		 set peer $4
		 set transform-set TS
		interface wan0
		 crypto map VPN
	EOF
}

check "gwA: ipsec-isakmp entry" gw_cfg "$gwA" 192.168.1.0 192.168.3.0 "$LAB_GWB_WAN_IP"
check "gwB: ipsec-isakmp entry" gw_cfg "$gwB" 192.168.3.0 192.168.1.0 "$LAB_GWA_WAN_IP"

stat_of() {	# stat_of NS WORD: "#pkts WORD N" of show ... detail, summed
	ip netns exec "$1" "$CRYPTOMAP" show crypto ipsec sa detail |
		sed -n "s/.*$2[^0-9]*\([0-9][0-9]*\).*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}

$KEYER daemon --ns-a "$gwA" --ns-b "$gwB" --log "$TMP/keyer.log" \
	--started "$TMP/started" --ready "$TMP/ready" --go "$TMP/go" \
	--rekeys "$REKEYS" --interval "$REKEY_INTERVAL" --activate-gap "$REKEY_GAP" \
	> "$TMP/keyer.out" 2> "$TMP/keyer.err" &
KEYER_PID=$!
busywait 30000 test -e "$TMP/started" ||
	{ cat "$TMP/keyer.err"; ktap_exit_fail "the keyer did not start"; }
trigger() {
	ip netns exec "$hostA" ping -c 1 -W 1 "$LAB_HOSTB_IP" >/dev/null 2>&1
	test -e "$TMP/ready"
}
check "ACQUIRE answered: SAs installed on both ends" busywait 60000 trigger
check "traffic flows" busywait 20000 \
	ip netns exec "$hostA" ping -q -c 3 -i 0.2 -W 2 "$LAB_HOSTB_IP"

ip netns exec "$hostB" iperf3 -s -1 -p 5211 >/dev/null 2>&1 &
busywait 10000 ip netns exec "$hostB" sh -c "ss -lun | grep -q ':5211 '" ||
	busywait 10000 ip netns exec "$hostB" sh -c "ss -ltn | grep -q ':5211 '"
rp0=$(($(stat_of "$gwA" "replay failed") + $(stat_of "$gwB" "replay failed")))
inv0=$(($(stat_of "$gwA" "invalid sa") + $(stat_of "$gwB" "invalid sa")))
secs=$(awk -v n="$REKEYS" -v i="$REKEY_INTERVAL" 'BEGIN { printf "%d", n * i + 6 }')
capture_start "$gwB" wan0 "$TMP/wan.pcap"
ip netns exec "$hostA" iperf3 -c "$LAB_HOSTB_IP" -p 5211 -u -b "$IPERF_RATE" -l 1000 \
	-t "$secs" -J > "$TMP/iperf.json" 2> "$TMP/iperf.err" &
IPERF_PID=$!
sleep 2
touch "$TMP/go"	# the rekeys start under the load
wait "$KEYER_PID"
wait "$IPERF_PID"
capture_stop
summary=$(cat "$TMP/keyer.out")
echo "# keyer: $summary"
[ -s "$TMP/keyer.err" ] && ktap_diag < "$TMP/keyer.err"

read -r sent lost ooo < <(jq -r '.end.sum | "\(.packets) \(.lost_packets) \(.out_of_order // 0)"' \
	"$TMP/iperf.json" 2>/dev/null)
echo "# iperf3 UDP $IPERF_RATE for $secs s: $sent datagrams, $lost lost, $ooo out of order"
check_match "$REKEYS rekeys done under the load" "\"rekeys\": $REKEYS," echo "$summary"
check "iperf3 sent at least 100 datagrams" test "${sent:-0}" -ge 100
check_eq "iperf3: no datagram lost across $REKEYS rekeys" 0 "${lost:-x}"
rp=$(($(stat_of "$gwA" "replay failed") + $(stat_of "$gwB" "replay failed")))
inv=$(($(stat_of "$gwA" "invalid sa") + $(stat_of "$gwB" "invalid sa")))
check_eq "no replay drop, no unknown SPI (live SAs and retired ones)" \
	"0 0 0" "$((rp - rp0)) $((inv - inv0)) $(jq -r .replay_failed_retired <<< "$summary")"
nspi=$($PY "$ESP_TOOL" pcap "$TMP/wan.pcap" 2>/dev/null |
	awk '$1 == "esp" && $2 == "'"$LAB_GWA_WAN_IP"'" { n++ } END { print n + 0 }')
check "the load used $((REKEYS + 1)) or more outbound SPIs of gwA ($nspi seen)" \
	test "$nspi" -ge $((REKEYS + 1))

ktap_finish
