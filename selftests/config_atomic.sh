#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A file is applied as a whole or not at all.  A 30-line file whose 30th
# line the kernel rejects (after the CLI already pushed the objects of
# lines 1-29) leaves the previous configuration exactly intact, and so
# does a syntax error on line 30 (nothing is sent).  Long ACLs go in
# chunks (NLM_F_APPEND) and are rolled back too.

. "$(dirname "$0")/lib.sh"

D=$SELFTESTS/data
# run CMD...: its output in $OUT, its status in $RC (records no result)
run() {
	OUT=$("$@" 2>&1)
	RC=$?
}

# said DESC REGEX: the output of the last run matches REGEX
said() {
	CHECK_OUT=$OUT
	__check_report "$1" "$(grep -qE -- "$2" <<< "$OUT" && echo 1)" \
		"output does not match /$2/" "(the command before)"
}

ktap_header
ktap_plan 17
cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
setup_ns cmns || ktap_exit_fail "cannot create netns"
ip -n "$cmns" link add gig0-2 type dummy
ip -n "$cmns" link add gig0-3 type dummy
C="$CRYPTOMAP -n $cmns"

check "base configuration" $C config "$D/all-commands.conf"
before=$($C show running-config)
before_json=$($C -j show running-config)

# lines 1-29 change or add something of every kind; line 30 is refused by
# the kernel (ipsec-manual takes no PFS), not by the CLI's parser
bad30() {
	cat <<-'CONF'
	crypto ipsec security-association lifetime seconds 900
	crypto ipsec df-bit set
	crypto ipsec transform-set ESP-ONLY esp-aes esp-sha-hmac
	crypto ipsec transform-set NEW esp-gcm 256
	 mode transport
	no crypto ipsec transform-set GMAC
	access-list 101 permit ip host 10.0.0.1 host 10.0.0.2
	no access-list 102
	ip access-list extended SITE-C
	 no 15
	 permit udp any host 10.9.9.9 eq 500
	ip access-list extended NEW-ACL
	 permit ip 10.5.0.0 0.0.255.255 10.6.0.0 0.0.255.255
	crypto map VPN 10
	 no set peer 209.165.202.130
	 set pfs group2
	no crypto map VPN 20
	crypto map NEWMAP 5 ipsec-isakmp
	 set peer 10.0.0.9
	 set transform-set NEW
	 match address NEW-ACL
	interface gig0-3
	 crypto map NEWMAP
	no interface gig0-2
	crypto map M 10 ipsec-manual
	 set peer 10.0.0.7
	 set transform-set ESP-ONLY
	 match address NEW-ACL
	!
	 set pfs group2
	CONF
}
check_eq "the test file has 30 lines" 30 "$(bad30 | wc -l)"
run bash -c "$(declare -f bad30); bad30 | $C config -"
check_eq "kernel refusal on line 30: status 1" 1 "$RC"
said "the kernel's message with line 30" \
	'^line 30: crypto map M 10: ipsec-manual takes no set pfs$'
check_eq "running-config exactly as before" "$before" "$($C show running-config)"
check_eq "JSON exactly as before" "$before_json" "$($C -j show running-config)"

# the same 29 lines with a syntax error on line 30: nothing is sent
run bash -c "{ $(declare -f bad30); bad30 | head -n 29; echo ' set pfs group99'; } | $C config -"
check_eq "syntax error on line 30: status 1" 1 "$RC"
said "syntax error message" '^line 30: set pfs group99: unknown DH group "group99"'
check_eq "running-config still as before" "$before" "$($C show running-config)"

# the same 29 lines alone apply
check "lines 1-29 alone apply" bash -c "$(declare -f bad30); bad30 | head -n 29 | $C config -"
check_match "and are all there" '^crypto map NEWMAP 5 ipsec-isakmp$' $C show running-config

# long ACLs: 1200 entries go in chunks with NLM_F_APPEND
bigacl() {
	local i
	echo "ip access-list extended BIG"
	for ((i = 0; i < $1; i++)); do
		echo " permit tcp host 10.$((i / 250)).$((i % 250)).1 host 172.16.0.1 eq $((1000 + i))"
	done
}
bigacl 1200 > /tmp/big.$$
check "an ACL of 1200 entries" $C config /tmp/big.$$
check_eq "all 1200 entries read back (dump over several messages)" 1200 \
	"$($C show running-config | grep -c '^ permit tcp host 10\.')"
big_before=$($C show running-config)
{ bigacl 1300; printf 'crypto map M 10 ipsec-manual\n set pfs group2\n'; } > /tmp/big2.$$
run $C config /tmp/big2.$$
check_eq "longer ACL then a kernel refusal: status 1" 1 "$RC"
check_eq "the 1200-entry ACL is back exactly" "$big_before" "$($C show running-config)"
check "ACL removed" $C config - <<< "no ip access-list extended BIG"
check_nomatch "no BIG left" 'BIG' $C show running-config
rm -f /tmp/big.$$ /tmp/big2.$$

ktap_finish
