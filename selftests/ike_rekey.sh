#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cryptomapd as responder with SAs in the module, then a rekey under
# traffic: strongSwan (gwB) initiates with a 50 s CHILD_SA lifetime, which
# cryptomapd installs (the smaller of both sides'); the module's soft
# EXPIRE 25 s later makes cryptomapd run a new Quick Mode and SA_ADD the
# new pair (make-before-break) while hostA pings hostB every 0.2 s for 40 s
# (the rekey and the old pair's hard expiry; strongSwan keeps its own 50 s
# for the pair it answered, so the run ends before that one expires).  No
# ping may be lost and traffic must end on the new SPIs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ktap_header
ike_lab_up 9
cat > "$IKE_DIR/gwa.conf" <<CONF
crypto isakmp policy 10
 encryption aes 256
 hash sha
 authentication pre-share
 group 14
crypto isakmp key $IKE_PSK address $LAB_GWB_WAN_IP
access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac
crypto map MYMAP 10 ipsec-isakmp
 match address 100
 set peer $LAB_GWB_WAN_IP
 set transform-set TS
 set pfs group2
interface wan0
 crypto map MYMAP
CONF
SW_CHILD_LIFE=50s sw_conf aes256-sha1-modp2048 aes256-sha1-modp1024
check "strongSwan starts on gwB" sw_start
check "cryptomap config on gwA" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA" cmd_start "$IKE_DIR/gwa.conf"
swk --initiate --child net --timeout 20 >/dev/null 2>&1
check "responder: SAs installed through SA_ADD" \
	busywait 20000 cmd_log_has "SAs for MYMAP 10 .*lifetime 50 s.*: installed"
check "traffic flows" busywait 10000 lab_ping
ip netns exec "$hostA" ping -q -i 0.2 -c 200 -W 2 "$LAB_HOSTB_IP" > "$IKE_DIR/ping.out" 2>&1 &
pingpid=$!
check "soft EXPIRE rekeys: a new Quick Mode installs a new pair" \
	busywait 45000 cmd_log_has "Quick Mode [0-9a-f]+ to .* for MYMAP 10"
check "the new pair is installed" busywait 20000 bash -c \
	"[ \$(grep -c 'SAs for MYMAP 10 .*: installed' '$IKE_DIR/cryptomapd.log') -ge 2 ]"
# strongSwan's view once its newest CHILD_SA carried packets (it keeps
# its own 50 s lifetime, so look while the ping still runs); waited for,
# not a fixed 4 s: our output moves to it a second after the install, and
# a process not scheduled in time took longer
new_in=$(grep 'SAs for MYMAP 10' "$IKE_DIR/cryptomapd.log" | tail -1 | sed -n 's/.*outbound spi 0x\([0-9A-F]*\).*/\1/p' | tr 'A-F' 'a-f')
new_child_used() {
	sas=$(swk --list-sas 2>/dev/null)
	grep -qE "in  $new_in, +[1-9][0-9]* bytes" <<< "$sas"
}
busywait 10000 new_child_used
wait "$pingpid"
cat "$IKE_DIR/ping.out" | ktap_diag
check_match "no ping lost across the rekey" " 0% packet loss" cat "$IKE_DIR/ping.out"
printf '%s\n' "$sas" | ktap_diag
check_match "strongSwan's newest CHILD_SA (in $new_in) carried packets" \
	"in  $new_in, +[1-9][0-9]* bytes" printf '%s\n' "$sas"
grep -E "EXPIRE|Quick Mode|SAs for" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag
ktap_finish
