#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The keying daemon's operations refuse wrong arguments with a clear
# extack message, SPI_ALLOC hands out distinct SPIs (a whole small range,
# then ENOSPC), SA_ADD / SA_DEL / SA_UPDATE / PEER_SET work on the entry
# they name, SA_ADD's IPComp CPIs (IPPROTO_COMP keys) become the pcp SAs'
# SPIs and are refused when wrong (selftests/sa_keyer.py checks), and
# PEER_SET's failover shows in show crypto map as "Current peer:".

# shellcheck disable=SC1091,SC2154 # lib.sh, and the namespaces it names
. "$(dirname "$0")/lib.sh"

ktap_header
ktap_plan 5

setup_ns gw || ktap_exit_fail "netns"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

check "entries: isakmp with two peers, manual, incomplete isakmp" \
	ip netns exec "$gw" "$CRYPTOMAP" config - <<-EOF
	access-list 101 permit ip 10.1.0.0 0.0.0.255 10.2.0.0 0.0.0.255
	access-list 102 permit ip host 10.1.0.1 host 10.3.0.1
	crypto ipsec transform-set TS esp-aes esp-sha-hmac
	crypto ipsec transform-set TSC esp-aes esp-sha-hmac comp-lzs
	crypto map VPN 10 ipsec-isakmp
	 match address 101
	 set peer 10.0.0.1
	 set peer 10.0.0.2
	 set transform-set TS TSC
	crypto map VPN 20 ipsec-manual
	 match address 102
	 set peer 10.0.0.3
	 set transform-set TS
	 set session-key inbound esp 4096 cipher 00112233445566778899aabbccddeeff authenticator 00112233445566778899aabbccddeeff00112233
	 set session-key outbound esp 4097 cipher 00112233445566778899aabbccddeeff authenticator 00112233445566778899aabbccddeeff00112233
	crypto map VPN 30 ipsec-isakmp
	 set peer 10.0.0.4
	 set transform-set TS
	EOF

check_match "Current peer: the first" 'Current peer: 10\.0\.0\.1' \
	ip netns exec "$gw" "$CRYPTOMAP" show crypto map

out=$(python3 "$SELFTESTS/sa_keyer.py" checks --ns "$gw" 2>&1)
rc=$?
printf '%s\n' "$out" | ktap_diag
ktap_result "SPI_ALLOC, SA_ADD, SA_UPDATE, SA_DEL, PEER_SET: results and refusals" $rc

check_match "after PEER_SET next-peer: Current peer is the second" \
	'Current peer: 10\.0\.0\.2' \
	ip netns exec "$gw" "$CRYPTOMAP" show crypto map

ktap_finish
