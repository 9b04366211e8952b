#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Anti-replay on an inbound ESP SA (window 64, the default): gwA takes
# esp-null esp-sha-hmac from gwB, where selftests/esp_tool.py's forge
# builds each packet (HMAC-SHA1-96 computed in Python, independently of
# the kernel) and sends it raw.
#  - the same packet twice: the second is dropped, #pkts replay failed +1;
#  - a forged ICV with a sequence number far ahead is counted as a verify
#    failure and does not move the window (checked after the ICV);
#  - a shuffled window: the top, then the 63 numbers below it in random
#    order, all accepted (64 decaps); numbers left of the window and
#    replays of the shuffled ones dropped and counted;
#  - replay disable: the same replayed numbers are accepted.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

ktap_header
ktap_plan 12

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

# sa_counter NS TEXT: the number after "TEXT" in show crypto ipsec sa detail
# (the inbound SA's counters are on the same lines as the outbound's)
sa_counter() {
	ip netns exec "$1" "$CRYPTOMAP" show crypto ipsec sa detail |
		sed -n "s/.*$2[: ]*\([0-9][0-9]*\).*/\1/p" | head -n1
}

# send KIND SEQ...: forged ESP packets gwB -> gwA, SPI 6301, in this order
send() {
	local kind=$1
	shift
	ip netns exec "$gwB" $PY - "$SELFTESTS" "$LAB_GWA_WAN_IP" "$K" "$kind" "$@" <<-'EOF'
		import sys, time
		sys.path.insert(0, sys.argv[1])
		import esp_tool
		for seq in sys.argv[5:]:
		    esp_tool.forge(sys.argv[2], 6301, seq, sys.argv[3], sys.argv[4])
		    time.sleep(0.005)
	EOF
	sleep 0.5
}

decaps() { sa_counter "$gwA" "#pkts decaps"; }
replays() { sa_counter "$gwA" "#pkts replay failed (rcv)"; }
verifyf() { sa_counter "$gwA" "#pkts verify failed"; }

K=$(hexkey 20)
cfg() {
	cm_cfg "$gwA" <<-EOF
		access-list 110 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
		crypto ipsec transform-set NS esp-null esp-sha-hmac
		crypto map VPN 10 ipsec-manual
		 match address 110
		 set peer $LAB_GWB_WAN_IP
		 set transform-set NS
		$1
		$(session_key inbound 6301 "" "$K")
		$(session_key outbound 6300 "" "$K")
		interface wan0
		 crypto map VPN
	EOF
}
check "gwA: esp-null esp-sha-hmac, inbound SPI 6301, window 64" cfg ""

send good 1
d0=$(decaps) r0=$(replays)
check_eq "sequence number 1 accepted" "1 0" "$d0 $r0"
send good 1
check_eq "the same packet again: dropped, replay failed +1" "1 1" "$(decaps) $(replays)"

v0=$(verifyf)
send badicv 1000
check_eq "bad ICV at 1000: verify failed +1, not a replay" \
	"$((${v0:-0} + 1)) 1 1" "$(verifyf) $(replays) $(decaps)"
send good 300
check_eq "... and the window did not move: 300 accepted" "2 1" "$(decaps) $(replays)"

# The top of the window, then the 63 below it shuffled.
# shellcheck disable=SC2046 # numbers
send good 400 $(seq 337 399 | shuf)
check_eq "shuffled window: 400 then 337..399 in random order, all 64 accepted" \
	"66 1" "$(decaps) $(replays)"
send good 336 301 250
check_eq "left of the window (336, 301, 250): dropped and counted" "66 4" "$(decaps) $(replays)"
send good 345 399 400
check_eq "replays of three of them: dropped and counted" "66 7" "$(decaps) $(replays)"
check_match "logged %CRYPTO-4-PKT_REPLAY_ERR" 'CRYPTO-4-PKT_REPLAY_ERR' dmesg

check "replay disable" cfg " set security-association replay disable"
send good 345 250
check_eq "with replay disabled the same numbers are accepted" "68 7" "$(decaps) $(replays)"

ktap_finish
