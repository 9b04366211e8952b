#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every configuration command of `cryptomap config`, applied to the real
# module, then read back with `show running-config`; then its `no` form,
# and the line must be gone again.  Sub-modes by indentation and by
# context, comments, end/exit/configure terminal.

. "$(dirname "$0")/lib.sh"

ktap_header
cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
setup_ns cmns || ktap_exit_fail "cannot create a netns"
ip -n "$cmns" link add gig0-2 type dummy || ktap_exit_fail "dummy interface"
ip -n "$cmns" link add gig0-3 type dummy
ip -n "$cmns" addr add 209.165.200.225/27 dev gig0-2
ip -n "$cmns" link set gig0-2 up

C="$CRYPTOMAP -n $cmns"

cfg() {
	printf '%s\n' "$1" | $C config -
}

rc() {
	$C show running-config
}

# t DESC CONFIG REGEX NO-CONFIG [NO-REGEX]: CONFIG puts a line matching
# REGEX in the running-config; NO-CONFIG removes it (NO-REGEX must then
# match, if given).
t() {
	local desc=$1 conf=$2 re=$3 noconf=$4 nore=$5

	check "$desc" cfg "$conf"
	check_match "$desc: in running-config" "$re" rc
	check "no form: $desc" cfg "$noconf"
	check_nomatch "no form: $desc: gone" "$re" rc
	if [ -n "$nore" ]; then
		check_match "no form: $desc: back to '$nore'" "$nore" rc
	fi
}

ktap_plan 141

# A base for the entry commands: two transform sets and a map entry.
check "base config" cfg "crypto ipsec transform-set ESP-ONLY esp-3des esp-sha-hmac
crypto ipsec transform-set AES esp-aes 256 esp-sha256-hmac
ip access-list extended VPN-TRAFFIC
 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
crypto map VPN 10 ipsec-isakmp
 set peer 209.165.202.129
 set transform-set ESP-ONLY
 match address VPN-TRAFFIC"

# ---- global crypto ipsec settings
t "sa lifetime seconds" \
	"crypto ipsec security-association lifetime seconds 1800" \
	'^crypto ipsec security-association lifetime seconds 1800$' \
	"no crypto ipsec security-association lifetime seconds"
t "sa lifetime kilobytes" \
	"crypto ipsec security-association lifetime kilobytes 86400" \
	'^crypto ipsec security-association lifetime kilobytes 86400$' \
	"no crypto ipsec security-association lifetime kilobytes 86400"
t "sa replay window-size" \
	"crypto ipsec security-association replay window-size 256" \
	'^crypto ipsec security-association replay window-size 256$' \
	"no crypto ipsec security-association replay window-size"
t "sa replay disable" \
	"crypto ipsec security-association replay disable" \
	'^crypto ipsec security-association replay disable$' \
	"no crypto ipsec security-association replay disable"
t "sa idle-time" \
	"crypto ipsec security-association idle-time 900" \
	'^crypto ipsec security-association idle-time 900$' \
	"no crypto ipsec security-association idle-time"
t "df-bit clear" "crypto ipsec df-bit clear" '^crypto ipsec df-bit clear$' \
	"no crypto ipsec df-bit clear"
t "df-bit set" "crypto ipsec df-bit set" '^crypto ipsec df-bit set$' \
	"crypto ipsec df-bit copy"
t "fragmentation after-encryption" \
	"crypto ipsec fragmentation after-encryption" \
	'^crypto ipsec fragmentation after-encryption$' \
	"no crypto ipsec fragmentation after-encryption"

# ---- transform sets
t "transform-set with esp-aes 256" \
	"crypto ipsec transform-set T1 ah-sha-hmac esp-aes 256 esp-sha-hmac comp-lzs" \
	'^crypto ipsec transform-set T1 ah-sha-hmac esp-aes 256 esp-sha-hmac comp-lzs$' \
	"no crypto ipsec transform-set T1"
t "transform-set esp-gcm 192" \
	"crypto ipsec transform-set G esp-gcm 192" \
	'^crypto ipsec transform-set G esp-gcm 192$' \
	"no crypto ipsec transform-set G"
t "transform-set mode transport" \
	"crypto ipsec transform-set T2 esp-null esp-sha512-hmac
 mode transport" \
	'^ mode transport$' \
	"crypto ipsec transform-set T2 esp-null esp-sha512-hmac
 no mode transport" '^crypto ipsec transform-set T2 esp-null esp-sha512-hmac$'
check "transform-set T2 removed" cfg "no crypto ipsec transform-set T2"

# ---- access lists
t "numbered access-list" \
	"access-list 150 permit tcp host 10.0.0.1 eq www 10.1.0.0 0.0.255.255 range 1000 2000" \
	'^access-list 150 permit tcp host 10.0.0.1 eq www 10.1.0.0 0.0.255.255 range 1000 2000$' \
	"no access-list 150"
t "named access-list" \
	"ip access-list extended NAMED
 permit udp 10.0.0.0 0.0.0.255 neq 53 any lt 1024
 deny icmp any any" \
	'^ip access-list extended NAMED$' \
	"no ip access-list extended NAMED"
check "named access-list with sequence numbers" cfg "ip access-list extended SEQ
 permit ip host 1.1.1.1 host 2.2.2.2
 5 permit gre host 1.1.1.1 host 2.2.2.3
 permit esp host 1.1.1.1 host 2.2.2.4"
check_match "explicit sequence number kept" '^ 5 permit gre host 1.1.1.1 host 2.2.2.3$' rc
check_match "numbered where the default differs" '^ 10 permit ip host 1.1.1.1 host 2.2.2.2$' rc
check_match "default sequence (last + 10) unnumbered" '^ permit esp host 1.1.1.1 host 2.2.2.4$' rc
check "no SEQ in the sub-mode" cfg "ip access-list extended SEQ
 no 5"
check_nomatch "entry 5 gone" 'gre host 1.1.1.1' rc
check "no permit ... in the sub-mode" cfg "ip access-list extended SEQ
 no permit esp host 1.1.1.1 host 2.2.2.4"
check_nomatch "esp entry gone" 'esp host 1.1.1.1' rc
check_match "other entry kept" '^ permit ip host 1.1.1.1 host 2.2.2.2$' rc
check "named ACL removed" cfg "no ip access-list extended SEQ"

# ---- crypto map entries
t "match address" \
	"crypto map VPN 10 ipsec-isakmp
 match address 120" '^ match address 120$' \
	"crypto map VPN 10
 no match address 120" '^ match address|^crypto map VPN 10 ipsec-isakmp$'
check "match address back" cfg "crypto map VPN 10
 match address VPN-TRAFFIC"
t "set peer (a backup)" \
	"crypto map VPN 10
 set peer 209.165.202.200" '^ set peer 209.165.202.200$' \
	"crypto map VPN 10
 no set peer 209.165.202.200" '^ set peer 209.165.202.129$'
t "set transform-set (several)" \
	"crypto map VPN 10
 set transform-set AES ESP-ONLY" '^ set transform-set AES ESP-ONLY$' \
	"crypto map VPN 10
 no set transform-set"
check "transform set back" cfg "crypto map VPN 10
 set transform-set ESP-ONLY"
t "set pfs group5" \
	"crypto map VPN 10
 set pfs group5" '^ set pfs group5$' \
	"crypto map VPN 10
 no set pfs"
t "bare set pfs is group1" \
	"crypto map VPN 10
 set pfs" '^ set pfs group1$' \
	"crypto map VPN 10
 no set pfs group1"
t "set sa lifetime seconds" \
	"crypto map VPN 10
 set security-association lifetime seconds 7200" \
	'^ set security-association lifetime seconds 7200$' \
	"crypto map VPN 10
 no set security-association lifetime seconds"
t "set sa lifetime kilobytes" \
	"crypto map VPN 10
 set security-association lifetime kilobytes 2560" \
	'^ set security-association lifetime kilobytes 2560$' \
	"crypto map VPN 10
 no set security-association lifetime kilobytes"
t "set sa replay window-size" \
	"crypto map VPN 10
 set security-association replay window-size 512" \
	'^ set security-association replay window-size 512$' \
	"crypto map VPN 10
 no set security-association replay window-size"
t "set sa replay disable" \
	"crypto map VPN 10
 set security-association replay disable" \
	'^ set security-association replay disable$' \
	"crypto map VPN 10
 no set security-association replay disable"
t "set sa idle-time" \
	"crypto map VPN 10
 set security-association idle-time 120" \
	'^ set security-association idle-time 120$' \
	"crypto map VPN 10
 no set security-association idle-time"
check "no reverse-route is accepted" cfg "crypto map VPN 10
 no reverse-route"

# ipsec-manual entry with session keys; keys never come back
check "ipsec-manual entry with session keys" cfg "crypto map VPN 30 ipsec-manual
 set peer 209.165.202.150
 set transform-set AES
 set session-key inbound esp 300 cipher 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f authenticator 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
 set session-key outbound esp 301 cipher 1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100 authenticator 1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100
 match address VPN-TRAFFIC"
check_match "session key shown with its SPI and a marker" \
	'^ set session-key inbound esp 300 cipher <hidden> authenticator <hidden>$' rc
check_nomatch "no key material in running-config" '000102030405' rc
check "no set session-key (keys given again)" cfg "crypto map VPN 30 ipsec-manual
 set session-key inbound esp 300 cipher 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f authenticator 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
 no set session-key outbound esp"
check_nomatch "outbound session key gone" 'session-key outbound' rc
check "no crypto map VPN 30" cfg "no crypto map VPN 30"
check_nomatch "entry 30 gone" '^crypto map VPN 30' rc

t "crypto map local-address" "crypto map VPN local-address lo" \
	'^crypto map VPN local-address lo$' "no crypto map VPN local-address"

# ---- interfaces
t "interface crypto map" "interface gig0-2
 crypto map VPN" '^interface gig0-2$' \
	"interface gig0-2
 no crypto map VPN"
t "one map on two interfaces" "interface gig0-2
 crypto map VPN
interface gig0-3
 crypto map VPN" '^interface gig0-3$' "no interface gig0-3" '^interface gig0-2$'

# ---- sub-modes by context (non-indented, as typed at a router)
check "sub-mode by context" cfg "configure terminal
crypto map CTX 10 ipsec-isakmp
set peer 10.0.0.2
set transform-set ESP-ONLY
match address VPN-TRAFFIC
exit
ip access-list extended CTXACL
permit ip host 10.0.0.1 host 10.0.0.2
end"
check_match "context: set peer in CTX 10" '^ set peer 10.0.0.2$' rc
check_match "context: ACL entry" '^ permit ip host 10.0.0.1 host 10.0.0.2$' rc
check "conf t and comments" cfg "conf t
! a comment
   ! an indented comment

crypto map CTX 10
 no set peer 10.0.0.2
end"
check_nomatch "context: peer removed" '^ set peer 10\.0\.0\.2$' rc
check "no crypto map (whole map)" cfg "no crypto map CTX"
check_nomatch "map CTX gone" '^crypto map CTX' rc

# set peer HOSTNAME resolves at config time (getaddrinfo, AF_INET).  In
# the guest /etc/hosts is on a tmpfs overlay and may be written.
if [ -d /run/cmvm ] && ! grep -q peer-b.example /etc/hosts; then
	echo "209.165.202.77 peer-b.example" >> /etc/hosts
fi
if grep -q peer-b.example /etc/hosts; then
	check "set peer by host name" cfg "crypto map VPN 10
 set peer peer-b.example"
	check_match "host name resolved to its address" '^ set peer 209.165.202.77$' rc
else
	ktap_skip "set peer by host name" "not in the test VM"
	ktap_skip "host name resolved to its address" "not in the test VM"
fi

# idempotence: applying the same text twice changes nothing
check "apply the same text twice" cfg "access-list 199 permit ip host 1.1.1.1 host 2.2.2.2
access-list 199 permit ip host 1.1.1.1 host 2.2.2.2"
check_eq "duplicate ACE added once" 1 "$(rc | grep -c '^access-list 199 ')"

ktap_finish
