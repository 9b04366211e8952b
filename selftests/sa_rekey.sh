#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsec-isakmp entries brought to life by a keying daemon (issue #5):
# cryptomap with the same crypto map on gwA and gwB, and selftests/
# sa_keyer.py playing the daemon for both through the family's operations
# and the "events" group.
#  - the first packet raises an ACQUIRE (map, seq, peer, flow, the ACL line,
#    the proposals, lifetimes), rate-limited: 10 packets of one flow
#    without an answer make one ACQUIRE, and are dropped and counted;
#  - the keyer answers with SPI_ALLOC + SA_ADD on both ends;
#  - REKEYS make-before-break rekeys (SA_ADD standby, SA_UPDATE activate,
#    SA_DEL of the old pair) under ping -i 0.01: no packet lost, no replay
#    drop, no packet for an unknown SPI, and no SA expired (the first
#    SA_ADD of a guest holds the lock for as long as the crypto API
#    takes to load and test the algorithms: a lifetime work that read
#    the clock before it waited for that lock took the new pair for one
#    from the future, and expired it at once);
#  - clear crypto sa on gwA: EXPIRE hard (cleared), INVALID_SPI for gwB's
#    packets, and the next packet raises a new ACQUIRE;
#  - short lifetimes (seconds, then kilobytes) expire under traffic: for
#    every SA an EXPIRE soft, then an EXPIRE hard, with the right reason.
# REKEYS (default 20) and REKEY_INTERVAL (default 0.5 s) tune the run.

# shellcheck disable=SC1091,SC2154 # lib.sh, and the namespaces it names
. "$(dirname "$0")/lib.sh"

REKEYS=${REKEYS:-20}
REKEY_INTERVAL=${REKEY_INTERVAL:-0.5}
KEYER="python3 $SELFTESTS/sa_keyer.py"

ktap_header
ktap_plan 21

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"

# gw_cfg NS LOCALNET REMOTENET PEER
gw_cfg() {
	ip netns exec "$1" "$CRYPTOMAP" config - <<-EOF
		access-list 101 permit ip $2 0.0.0.255 $3 0.0.0.255
		crypto ipsec transform-set TS esp-aes esp-sha-hmac
		crypto ipsec transform-set TS2 esp-3des esp-md5-hmac
		crypto map VPN 10 ipsec-isakmp
		 match address 101
		 set peer $4
		 set transform-set TS TS2
		interface wan0
		 crypto map VPN
	EOF
}

check "gwA: ipsec-isakmp entry" gw_cfg "$gwA" 192.168.1.0 192.168.3.0 "$LAB_GWB_WAN_IP"
check "gwB: ipsec-isakmp entry" gw_cfg "$gwB" 192.168.3.0 192.168.1.0 "$LAB_GWA_WAN_IP"

# keyer NAME ARGS...: start sa_keyer.py daemon in the background
keyer() {
	local name=$1
	shift
	rm -f "$TMP/started"
	$KEYER daemon --ns-a "$gwA" --ns-b "$gwB" --log "$TMP/$name.log" \
		--started "$TMP/started" "$@" \
		> "$TMP/$name.out" 2> "$TMP/$name.err" &
	KEYER_PID=$!
	busywait 30000 test -e "$TMP/started" ||
		{ cat "$TMP/$name.err"; ktap_exit_fail "keyer $name did not start"; }
}

# keyer_wait: wait for the keyer; its errors, if any, as diagnostics
keyer_wait() {
	wait "$KEYER_PID"
	[ -s "$TMP/$1.err" ] && ktap_diag < "$TMP/$1.err"
	return 0
}

keyer_stop() {
	kill "$KEYER_PID" 2>/dev/null
	wait "$KEYER_PID" 2>/dev/null
}

stat_of() {	# stat_of NS WORD: "#pkts WORD N" of show ... detail, summed
	ip netns exec "$1" "$CRYPTOMAP" show crypto ipsec sa detail |
		sed -n "s/.*$2[^0-9]*\([0-9][0-9]*\).*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}

# logged LOG REGEX...: the keyer logged an event matching each REGEX
logged() {
	local log=$1 re
	shift
	for re in "$@"; do
		grep -qE -- "$re" "$log" || return 1
	done
}

# ---- ACQUIRE, unanswered: one per flow, the packets dropped and counted
keyer passive --passive --duration 120
ip netns exec "$hostA" ping -q -c 10 -i 0.1 -W 1 "$LAB_HOSTB_IP" >/dev/null 2>&1
# the keyer may not have run yet: wait for the ACQUIRE, then a second
# more for a wrong second one
busywait 10000 logged "$TMP/passive.log" '"ACQUIRE"'
sleep 1
keyer_stop
n=$(grep -c '"ACQUIRE"' "$TMP/passive.log")
check_eq "10 packets of one flow without an SA: one ACQUIRE" 1 "$n"
check_match "the ACQUIRE carries map, seq, peer, flow, ACL line, proposals, lifetimes" \
	'"map": "VPN".*"seq": 10.*"peer": "209.165.200.226".*"flow": \["192.168.1.100", "192.168.3.100", 1\].*"proposals": \["TS", "TS2"\].*"life": \[3600, 4608000\].*"selector": \["192.168.1.0", "0.0.0.255", "192.168.3.0", "0.0.0.255"\]' \
	cat "$TMP/passive.log"
check_match "the packets were dropped and counted (#pkts no sa)" \
	'no sa \(send\) (9|10)' \
	ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa detail

# ---- the keyer answers; then rekeys under continuous traffic
keyer rekey --ready "$TMP/ready" --go "$TMP/go" --rekeys "$REKEYS" --interval "$REKEY_INTERVAL"
# One packet a second until the keyer answered (ACQUIREs of a flow are
# 5 s apart, and the last one went to the passive keyer).
trigger() {
	ip netns exec "$hostA" ping -c 1 -W 1 "$LAB_HOSTB_IP" >/dev/null 2>&1
	test -e "$TMP/ready"
}
check "ACQUIRE answered: SAs installed on both ends" busywait 20000 trigger
check "traffic flows" ip netns exec "$hostA" ping -q -c 3 -i 0.2 -W 2 "$LAB_HOSTB_IP"
check_match "show crypto ipsec sa: keyed SAs count down" \
	'sa timing: remaining key lifetime \(k/sec\): \([0-9]+/3[0-9]{3}\)' \
	ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa

rp0=$(($(stat_of "$gwA" "replay failed") + $(stat_of "$gwB" "replay failed")))
inv0=$(($(stat_of "$gwA" "invalid sa") + $(stat_of "$gwB" "invalid sa")))
ip netns exec "$hostA" ping -c 100000 -i 0.01 -W 1 "$LAB_HOSTB_IP" > "$TMP/ping.out" 2>&1 &
PING_PID=$!
sleep 1
touch "$TMP/go"	# the rekeys start under traffic
keyer_wait rekey
sleep 1
kill -INT "$PING_PID" 2>/dev/null
wait "$PING_PID"
summary=$(cat "$TMP/rekey.out")
echo "# keyer: $summary"
tail -n 2 "$TMP/ping.out" | ktap_diag
check_match "$REKEYS rekeys done" "\"rekeys\": $REKEYS," echo "$summary"
check_match "no replay drop on the retired SAs" '"replay_failed_retired": 0,' echo "$summary"
check_match "no SA expired across the rekeys (lifetimes of an hour)" '"soft": 0, "hard": 0,' echo "$summary"
check "no packet lost across $REKEYS rekeys" ping_all_answered "$TMP/ping.out"
rp=$(($(stat_of "$gwA" "replay failed") + $(stat_of "$gwB" "replay failed")))
inv=$(($(stat_of "$gwA" "invalid sa") + $(stat_of "$gwB" "invalid sa")))
check_eq "no replay drop across the rekeys" "$rp0" "$rp"
check_eq "no packet for an unknown SPI across the rekeys" "$inv0" "$inv"

# ---- clear crypto sa on gwA: its peer's packets hit an unknown SPI, and
# gwA's next packet asks for new SAs.
keyer clear --passive --duration 120
check "clear crypto sa (gwA)" ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa
ip netns exec "$hostB" ping -q -c 2 -i 0.2 -W 1 "$LAB_HOSTA_IP" >/dev/null 2>&1
ip netns exec "$hostA" ping -q -c 2 -i 0.5 -W 1 "$LAB_HOSTB_IP" >/dev/null 2>&1
busywait 10000 logged "$TMP/clear.log" '"gw": "a", "event": "EXPIRE"' \
	'"gw": "a", "event": "INVALID_SPI"' '"gw": "a", "event": "ACQUIRE"'
keyer_stop
check_match "EXPIRE hard (cleared) on gwA" \
	'"gw": "a", "event": "EXPIRE".*"reason": 5.*"hard": true' cat "$TMP/clear.log"
check_match "INVALID_SPI on gwA for gwB's packets" \
	'"gw": "a", "event": "INVALID_SPI"' cat "$TMP/clear.log"
check_match "the next packet raises an ACQUIRE" \
	'"gw": "a", "event": "ACQUIRE"' cat "$TMP/clear.log"
# gwB still has its SAs: delete them as the daemon would.
ip netns exec "$gwB" "$CRYPTOMAP" clear crypto sa

# lifetime_run NAME REASON KEYER-ARGS...: soft then hard for every SA
lifetime_run() {
	local name=$1 reason=$2
	shift 2
	keyer "$name" --no-rekey-on-soft --wait-hard 4 --duration 60 "$@"
	ip netns exec "$hostA" ping -q -c 100000 -s 1000 -i 0.01 -W 1 \
		"$LAB_HOSTB_IP" >/dev/null 2>&1 &
	PING_PID=$!
	keyer_wait "$name"
	kill -INT "$PING_PID" 2>/dev/null
	wait "$PING_PID" 2>/dev/null
	python3 - "$TMP/$name.log" "$reason" <<-'EOF'
		import json, sys
		evs = [json.loads(l) for l in open(sys.argv[1])]
		want = int(sys.argv[2])
		seen = {}
		for e in evs:
		    if e['event'] != 'EXPIRE':
		        continue
		    k = (e['gw'], e['dir'], e['spi'])
		    seen.setdefault(k, []).append(('hard' if e['hard'] else 'soft', e['reason'], e['t']))
		bad = 0
		for k, v in sorted(seen.items()):
		    print(k, v)
		    kinds = [x[0] for x in v]
		    if kinds[:2] != ['soft', 'hard'] or any(x[1] != want for x in v[:2]):
		        bad = 1
		if len(seen) < 4:
		    print('only', len(seen), 'SAs expired')
		    bad = 1
		sys.exit(bad)
	EOF
}

check "lifetime 8 s: every SA soft then hard (seconds)" \
	lifetime_run life_sec 1 --life-sec 8
check "lifetime 300 KB: every SA soft then hard (kilobytes)" \
	lifetime_run life_kb 2 --life-kb 300

ktap_finish
