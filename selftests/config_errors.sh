#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every rejection of `cryptomap config`: the exit status (1), the message
# with the line number and the quoted bad word, and that nothing of the
# rejected text stayed applied.  Rejections found by the CLI's parser and
# rejections of the kernel (extack, printed with the config line) alike.

. "$(dirname "$0")/lib.sh"

ktap_header
cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
setup_ns cmns || ktap_exit_fail "cannot create a netns"
ip -n "$cmns" link add gig0-2 type dummy || ktap_exit_fail "dummy interface"

C="$CRYPTOMAP -n $cmns"

# rej DESC CONFIG MESSAGE: config exits 1 and prints MESSAGE (exactly, as
# a substring of its error output).
rej() {
	local desc=$1 conf=$2 msg=$3 out code

	out=$(printf '%s\n' "$conf" | $C config - 2>&1)
	code=$?
	if [ "$code" -eq 1 ] && grep -qF -- "$msg" <<< "$out"; then
		ktap_ok "$desc"
	else
		ktap_fail "$desc"
		echo "# exit status $code (expected 1), expected message: $msg"
		printf '%s\n' "$out" | ktap_diag
	fi
}

ktap_plan 51

printf '%s\n' "crypto ipsec transform-set ESP-ONLY esp-3des esp-sha-hmac" \
	"crypto ipsec transform-set AES esp-aes 256 esp-sha256-hmac" \
	"ip access-list extended VPN-TRAFFIC" \
	" permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255" \
	"crypto map VPN 10 ipsec-isakmp" \
	" set peer 209.165.202.129" \
	" set transform-set ESP-ONLY" \
	" match address VPN-TRAFFIC" \
	"interface gig0-2" \
	" crypto map VPN" | $C config - || ktap_exit_fail "base config"
before=$($C show running-config)

# ---- words the parser does not know, or knows to be wrong
rej "unknown command" "hostname R1" 'line 1: hostname R1: unknown command "hostname"'
rej "no prefix matching" "crypto ipsec transform-se X esp-des" \
	'line 1: crypto ipsec transform-se X esp-des: unknown crypto ipsec command "transform-se"'
rej "invalid peer address, with its line" "crypto map VPN 10 ipsec-isakmp
 set peer 1.2.3" 'line 2: set peer 1.2.3: invalid IPv4 address "1.2.3"'
rej "unresolvable peer name" "crypto map VPN 10
 set peer no-such-peer.invalid" \
	'line 2: set peer no-such-peer.invalid: cannot resolve "no-such-peer.invalid"'
rej "loopback peer" "crypto map VPN 10
 set peer 127.0.0.1" '"127.0.0.1" is not a usable peer address'
rej "cisco (CET) refused" "crypto map VPN 20 cisco" \
	'line 1: crypto map VPN 20 cisco: "cisco": CET is not supported'
rej "dynamic maps refused" "crypto map VPN 20 ipsec-isakmp dynamic DYN" \
	'"dynamic": dynamic crypto maps are not supported'
rej "sequence number out of range" "crypto map VPN 70000 ipsec-isakmp" \
	'sequence number "70000" is out of range 1-65535'
rej "two ESP encryption transforms" \
	"crypto ipsec transform-set ESP-ONLY esp-des esp-3des" \
	'transform set ESP-ONLY: esp-des and esp-3des are both ESP encryption transforms'
rej "two AH transforms" "crypto ipsec transform-set X ah-md5-hmac ah-sha-hmac" \
	'transform set X: ah-md5-hmac and ah-sha-hmac are both AH integrity transforms'
rej "esp-gcm with an ESP integrity transform" \
	"crypto ipsec transform-set X esp-gcm esp-sha-hmac" \
	'transform set X: esp-gcm carries its own integrity and takes no esp-sha-hmac'
rej "compression alone" "crypto ipsec transform-set X comp-lzs" \
	'transform set X: comp-lzs needs an AH or ESP transform'
rej "unknown transform" "crypto ipsec transform-set X esp-blowfish" \
	'unknown transform "esp-blowfish"'
rej "bad AES key size" "crypto ipsec transform-set X esp-aes 512" \
	'esp-aes: invalid key size "512" (128, 192 or 256)'
rej "transform set without transforms" "crypto ipsec transform-set X" \
	'incomplete command: a transform'
rej "bad mode" "crypto ipsec transform-set X esp-aes
 mode bridge" '"bridge": tunnel or transport expected'
rej "standard access list" "access-list 10 permit ip any any" \
	'access list "10": standard access lists are not supported'
rej "access list number out of range" "access-list 300 permit ip any any" \
	'invalid access list number "300"'
rej "unknown protocol" "access-list 101 permit ipx any any" \
	'unknown protocol "ipx"'
rej "bad wildcard" "access-list 101 permit ip 10.0.0.0 0.0.0.256 any" \
	'invalid wildcard mask "0.0.0.256"'
rej "port on ip" "access-list 101 permit ip any eq 80 any" \
	'"eq": port matches need tcp or udp'
rej "reversed port range" "access-list 101 permit tcp any range 20 10 any" \
	'range 20 10: the upper port is below the lower one'
rej "trailing word" "access-list 101 permit ip any any log" \
	'unexpected "log"'
rej "duplicate sequence number" "ip access-list extended VPN-TRAFFIC
 10 permit ip host 1.1.1.1 host 2.2.2.2" \
	'access list VPN-TRAFFIC: duplicate sequence number 10'
rej "lifetime too short" "crypto ipsec security-association lifetime seconds 100" \
	'lifetime "100" is out of range 120-86400'
rej "replay window not a power of two" \
	"crypto ipsec security-association replay window-size 100" \
	'window size "100" is not one of 64, 128, 256, 512, 1024'
rej "idle-time too short" "crypto map VPN 10
 set security-association idle-time 30" 'idle time "30" is out of range 60-86400'
rej "unknown DH group" "crypto map VPN 10
 set pfs group3" 'unknown DH group "group3"'
rej "seven transform sets" "crypto map VPN 10
 set transform-set A B C D E F G" 'at most 6 transform sets, "G" is a seventh'
rej "session key on an ipsec-isakmp entry" "crypto map VPN 10
 set session-key inbound esp 300 cipher 00112233" \
	'set session-key is only for ipsec-manual entries'
rej "running-config key marker" "crypto map M 10 ipsec-manual
 set session-key inbound esp 300 cipher <hidden>" \
	'<hidden>: session keys are not readable back from the kernel'
rej "bad hex key" "crypto map M 10 ipsec-manual
 set session-key inbound esp 300 cipher 0x1234" 'invalid hex key "0x1234"'
rej "SPI below 256" "crypto map M 10 ipsec-manual
 set session-key inbound esp 255 cipher 00112233" 'SPI "255" is out of range 256-4294967295'
rej "reverse-route refused" "crypto map VPN 10
 reverse-route static" '"reverse-route" is not supported'
rej "interface that does not exist" "interface eth9
 crypto map VPN" 'line 1: interface eth9: no such interface "eth9"'
rej "other interface commands" "interface gig0-2
 ip address 10.0.0.1 255.255.255.0" 'unknown interface command "ip"'
rej "isakmp: bad encryption" "crypto isakmp policy 10
 encryption rc4" '"rc4": not a valid value here'
rej "isakmp: other Phase 1 commands" "crypto isakmp profile X" '"crypto isakmp profile" is not supported'
rej "unknown sub-mode command" "crypto map VPN 10
 set nat demux" 'unknown crypto map command "set nat"'
rej "changing an entry's type" "crypto map VPN 10 ipsec-manual" \
	'crypto map VPN 10 is ipsec-isakmp: remove it first'
rej "no for something that is not there" "no crypto map NOPE 10" \
	'crypto map NOPE 10 does not exist'

# ---- rejected by the kernel: extack message with the config line
rej "kernel: pfs on ipsec-manual (line 5)" "crypto map M 10 ipsec-manual
 set peer 10.0.0.2
 set transform-set AES
 match address VPN-TRAFFIC
 set pfs group2" 'line 5: crypto map M 10: ipsec-manual takes no set pfs'
rej "kernel: session key length" "crypto map M 10 ipsec-manual
 set peer 10.0.0.2
 set transform-set AES
 set session-key inbound esp 300 cipher 0011 authenticator 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" \
	'line 4: crypto map M 10: session key too short for esp-aes (32 bytes needed)'
rej "ipsec-manual takes one transform set" "crypto map M 10 ipsec-manual
 set peer 10.0.0.2
crypto map M 10
 set transform-set AES
crypto map M 10
 set session-key inbound esp 300 cipher 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff authenticator 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
 set transform-set AES ESP-ONLY" 'an ipsec-manual entry takes one transform set, "ESP-ONLY" is a second'

# ---- nothing of any of this stayed
check_eq "configuration unchanged after every rejection" "$before" \
	"$($C show running-config)"

# --check: the same checks without the kernel
out=$(printf 'crypto map VPN 10\n set peer 1.2.3\n' | $C config --check - 2>&1)
check_eq "--check: same message, no kernel" \
	'line 2: set peer 1.2.3: invalid IPv4 address "1.2.3"' "$out"
check "--check: a good file passes" $C config --check "$SELFTESTS/data/all-commands.conf"

# warnings go to stderr and the exit status stays 0
out=$(printf '%s\n' "access-list 120 permit ip any 10.9.0.0 0.0.255.255" \
	"crypto map W 10 ipsec-isakmp" " match address 120" | $C config - 2>&1)
check_eq "incomplete entry: IOS note, exit 0" 0 "$?"
check_match "IOS note about the disabled entry" \
	'^% NOTE: This new crypto map will remain disabled until a peer and a valid access list have been configured\.$' \
	echo "$out"
check_match "warning about any in a crypto ACL" \
	'^% Warning: crypto map W 10: access list 120 permits "any" as source' echo "$out"
out=$(printf '%s\n' "access-list 121 permit ip 10.1.0.0 0.0.255.255 10.9.0.0 0.0.255.255" \
	"access-list 122 permit tcp host 10.1.2.3 10.9.9.0 0.0.0.255 eq 22" \
	"crypto map W 10" " set peer 10.0.0.9" " set transform-set AES" " match address 121" \
	"crypto map W 20" " set peer 10.0.0.10" " set transform-set AES" " match address 122" \
	| $C config - 2>&1)
check_match "warning about overlapping ACLs in one map" \
	'^% Warning: crypto map W: the access lists of entries 10 \(121\) and 20 \(122\) overlap$' \
	echo "$out"

ktap_finish
