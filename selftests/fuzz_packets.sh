#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packet fuzzing (selftests/fuzz_packets.py): malformed and forged ESP and
# random IPv4 sent at gwA as raw frames from gwB's side of the WAN link,
# while a ping flow runs through the real tunnel (manual SAs from the CLI,
# cryptomap on both gateways).  Every class must be dropped and counted by
# the right counter (show crypto ipsec sa detail -j, the per-netns drop
# counters), the forged valid packets decapsulated exactly once, and the
# tunnel must still carry ping and TCP afterwards.  A second round after
# the forge SA is removed: everything of it is now an unknown SPI.
#
# FUZZ_PACKET_SCALE=N multiplies the class sizes (default 1: ~9,000
# packets per round).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

scale=${FUZZ_PACKET_SCALE:-1}
seed=${FUZZ_SEED:-$(date +%s)}
FP=$SELFTESTS/fuzz_packets.py
D=$SELFTESTS/data

ktap_header
ktap_plan 17

lab_setup || ktap_exit_fail "lab setup"
cm_load || ktap_exit_fail "no module"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_packets.XXXXXX") || ktap_exit_fail "mktemp"
on_exit rm -rf "$tmp"

FKEY=$(hexkey 20)
check "gwA: manual tunnel to gwB + an esp-null entry for forgeries" \
	cm_cfg "$gwA" < <(cat "$D/lab-manual-gwA.conf"; cat <<-EOF
		crypto ipsec transform-set NULLSHA esp-null esp-sha-hmac
		access-list 120 permit ip host 192.168.1.100 host 192.168.3.100
		crypto map VPN 20 ipsec-manual
		 match address 120
		 set peer $LAB_GWB_WAN_IP
		 set transform-set NULLSHA
		$(session_key inbound 6001 "" "$FKEY")
		$(session_key outbound 6000 "" "$FKEY")
	EOF
	)
check "gwB: the mirror" cm_cfg "$gwB" < "$D/lab-manual-gwB.conf"
busywait 10000 lab_ping
check "the tunnel carries ping" lab_ping

gwa_mac=$(ip -n "$gwA" -j link show wan0 | jq -r '.[0].address')

# counters FILE: the gateway's counters as JSON
counters() {
	{
		echo '{"stats": {'
		ip netns exec "$gwA" $PY "$ESP_TOOL" stats |
			awk '{ printf "%s\"%s\": %s", (NR > 1 ? ", " : ""), $1, $2 }'
		echo '}, "sa": '
		ip netns exec "$gwA" "$CRYPTOMAP" -j show crypto ipsec sa detail
		echo '}'
	} > "$1"
}

# round NAME SCALE: send a round at gwA while pinging through the tunnel
round() {
	local name=$1 sc=$2 start ppid rc
	counters "$tmp/$name.before"
	ip netns exec "$hostA" ping -q -i 0.05 -W 1 "$LAB_HOSTB_IP" > "$tmp/$name.ping" 2>&1 &
	ppid=$!
	start=$(date +%s)
	ip netns exec "$gwB" $PY "$FP" send wan0 "$gwa_mac" "$LAB_GWB_WAN_IP" \
		"$LAB_GWA_WAN_IP" "$seed" "$sc" 6001 "$FKEY" 300 \
		> "$tmp/$name.sent" 2> "$tmp/$name.err"
	rc=$?
	sleep 1
	kill -INT "$ppid"
	wait "$ppid"
	counters "$tmp/$name.after"
	ktap_diag "$name: $(( $(date +%s) - start )) s, sent $(jq -c . "$tmp/$name.sent" 2>/dev/null)"
	ktap_diag "$name: $(jq '[.[]] | add' "$tmp/$name.sent" 2>/dev/null) packets; stats before $(jq -c .stats "$tmp/$name.before") after $(jq -c .stats "$tmp/$name.after")"
	ktap_diag "$name: ping through the tunnel meanwhile: $(grep -E 'transmitted' "$tmp/$name.ping")"
	[ -s "$tmp/$name.err" ] && ktap_diag < "$tmp/$name.err"
	ktap_result "$name: all packets sent" "$rc"
	PING_RCVD=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' "$tmp/$name.ping")
	[ -n "${VM_ARTIFACTS:-}" ] && cp "$tmp/$name".* "$VM_ARTIFACTS/" 2>/dev/null
	return 0
}

round with-sa "$scale"
$PY "$FP" check "$tmp/with-sa.before" "$tmp/with-sa.after" "$tmp/with-sa.sent" > "$tmp/rules"
while read -r st rest; do
	if [ "$st" = ok ]; then
		ktap_ok "$rest"
	else
		ktap_fail "${rest#ok }"
	fi
done < "$tmp/rules"
check "the ping flow went on during the fuzz (${PING_RCVD:-0} replies)" \
	test "${PING_RCVD:-0}" -gt 0
check "the tunnel carries ping afterwards" lab_ping
check "the tunnel carries TCP afterwards" \
	tcp_transfer "$hostA" "$hostB" "$LAB_HOSTB_IP" 200000

# Without the forge SA: all of it is unknown now.
check "gwA: the forge entry removed" cm_cfg "$gwA" <<<"no crypto map VPN 20"
round without-sa "$(awk -v s="$scale" 'BEGIN { print s / 3 }')"
inv() { jq ".stats.invalid_sa_rcv" "$tmp/without-sa.$1"; }
want=$(jq '(.unknown_spi // 0) + (.forge_good // 0) + (.forge_replay // 0) + (.forge_badicv // 0)' "$tmp/without-sa.sent")
check "without the SA: its packets counted as invalid sa ($(( $(inv after) - $(inv before) )) >= $want)" \
	test $(( $(inv after) - $(inv before) )) -ge "$want"
check "the tunnel carries ping at the end" lab_ping

ktap_finish
