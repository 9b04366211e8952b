#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# show crypto ipsec sa [detail] [peer | map | interface] and clear crypto
# sa: the IOS layout, one block per permit line of the crypto ACL,
# printed before there are SAs (current outbound spi: 0x0(0)); with an
# ipsec-manual entry the SAs of its session keys are listed.

. "$(dirname "$0")/lib.sh"

D=$SELFTESTS/data
ktap_header
cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
setup_ns cmns || ktap_exit_fail "cannot create netns"
ip -n "$cmns" link add gig0-2 type dummy
ip -n "$cmns" addr add 209.165.200.225/27 dev gig0-2
ip -n "$cmns" link set gig0-2 up
C="$CRYPTOMAP -n $cmns"

$C config "$D/ios-ref.conf" || ktap_exit_fail "config"
out=$($C show crypto ipsec sa 2>&1)
if grep -q 'Operation not supported' <<< "$out"; then
	ktap_skip_all "the module has no SA_GET yet"
fi

same() {
	local desc=$1 file=$2 o
	shift 2
	o=$("$@" 2>&1)
	if [ "$o" == "$(cat "$file")" ]; then
		ktap_ok "$desc"
	else
		ktap_fail "$desc"
		diff -u "$file" <(printf '%s\n' "$o") | ktap_diag
	fi
}

ktap_plan 16
same "show crypto ipsec sa before any SA (IOS layout)" "$D/ios-ref.sa.expected" \
	$C show crypto ipsec sa
same "show crypto ipsec sa interface gig0-2" "$D/ios-ref.sa.expected" \
	$C show crypto ipsec sa interface gig0-2
same "show crypto ipsec sa map VPN" "$D/ios-ref.sa.expected" \
	$C show crypto ipsec sa map VPN
same "show crypto ipsec sa peer 209.165.202.129" "$D/ios-ref.sa.expected" \
	$C show crypto ipsec sa peer 209.165.202.129
check_nomatch "show crypto ipsec sa peer (other): nothing" 'interface' \
	$C show crypto ipsec sa peer 10.9.9.9
check_match "detail: the error classes" '^    ##pkts replay failed \(rcv\): 0$' \
	$C show crypto ipsec sa detail
check "-j show crypto ipsec sa is JSON" bash -c \
	"$C -j show crypto ipsec sa | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)'"

# an ipsec-manual entry installs its SAs from the session keys
$C config - <<-'CONF'
	crypto ipsec transform-set AES esp-aes esp-sha-hmac
	crypto map VPN 20 ipsec-manual
	 set peer 209.165.202.150
	 set transform-set AES
	 set session-key inbound esp 300 cipher 000102030405060708090a0b0c0d0e0f authenticator 000102030405060708090a0b0c0d0e0f10111213
	 set session-key outbound esp 301 cipher 0f0e0d0c0b0a09080706050403020100 authenticator 131211100f0e0d0c0b0a09080706050403020100
	 match address 130
	access-list 130 permit ip 192.168.1.0 0.0.0.255 192.168.4.0 0.0.0.255
CONF
masked() {
	"$@" | sed -E 's|\(k/sec\): \([0-9]+/[0-9]+\)$|(k/sec): (K/S)|'
}
same "manual entry: its SA pair in the IOS layout" "$D/manual.sa.expected" \
	masked $C show crypto ipsec sa peer 209.165.202.150
check_match "manual entry: current outbound spi" '^     current outbound spi: 0x12D\(301\)$' \
	$C show crypto ipsec sa peer 209.165.202.150
check_match "manual entry: inbound esp SA" '^      spi: 0x12C\(300\)$' \
	$C show crypto ipsec sa peer 209.165.202.150
check_match "manual entry: transform" '^        transform: esp-aes esp-sha-hmac ,$' \
	$C show crypto ipsec sa peer 209.165.202.150
check "clear crypto sa counters" $C clear crypto sa counters
check "clear crypto sa peer" $C clear crypto sa peer 209.165.202.150
check "clear crypto sa" $C clear crypto sa
check_match "after clear, a manual entry has its SAs again" '^     current outbound spi: 0x12D\(301\)$' \
	$C show crypto ipsec sa peer 209.165.202.150
check "clear crypto sa entry DST esp SPI" $C clear crypto sa entry 209.165.200.225 esp 300

ktap_finish
