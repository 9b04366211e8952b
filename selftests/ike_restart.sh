#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The IPsec SA lifecycle around cryptomapd, strongSwan (gwB) the peer:
#  1. cryptomapd is killed (SIGKILL) under traffic and started again: it
#     re-learns the pair from the module (SA_GET), leaves it running (same
#     SPIs, no ping lost), opens a new ISAKMP SA to the peer, and rekeys
#     the pair at its soft EXPIRE (strongSwan initiated it with an 80 s
#     CHILD_SA lifetime, the smaller of both sides', so 50 s later).
#  2. clear crypto sa: the pairs go, a Delete tells strongSwan, and the
#     next packet negotiates a new pair.
#  3. strongSwan deletes its CHILD_SA: its Delete removes our pair.
#  4. clear crypto isakmp CONN-ID (cryptomap CLI, forwarded to cryptomapd)
#     deletes that ISAKMP SA at both ends; an unknown conn-id is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ktap_header
ike_lab_up 22
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
interface wan0
 crypto map MYMAP
CONF
SW_CHILD_LIFE=80s sw_conf aes256-sha1-modp2048 aes256-sha1
spis() {
	"$CRYPTOMAP" -n "$gwA" show crypto ipsec sa | grep -E "spi: 0x" | sort
}
installed() {
	grep -c "SAs for MYMAP 10 .*: installed" "$IKE_DIR/cryptomapd.log"
}
check "strongSwan starts on gwB" sw_start
check "cryptomap config on gwA" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA" cmd_start "$IKE_DIR/gwa.conf"
swk --initiate --child net --timeout 20 >/dev/null 2>&1
check "strongSwan brings the tunnel up, SAs installed with its 80 s" \
	busywait 20000 cmd_log_has "SAs for MYMAP 10 .*lifetime 80 s.*: installed"
check "traffic flows" busywait 10000 lab_ping
before=$(spis)
# not -q: ping_all_answered reads the replies
ip netns exec "$hostA" ping -i 0.2 -c 450 -W 2 "$LAB_HOSTB_IP" > "$IKE_DIR/ping.out" 2>&1 &
pingpid=$!
on_exit kill "$pingpid"

# 1. killed and restarted
kill -KILL "$CMD_PID"
wait "$CMD_PID" 2>/dev/null
sleep 1
mv "$IKE_DIR/cryptomapd.log" "$IKE_DIR/cryptomapd-1.log"
check "cryptomapd restarts" cmd_start "$IKE_DIR/gwa.conf"
check "it re-learns the pair from the module" \
	cmd_log_has "re-learned from the module: esp SA pair 0x[0-9A-F]+/0x[0-9A-F]+ of MYMAP 10 with $LAB_GWB_WAN_IP, transform set TS"
check_match "show children lists it as re-learned" "^MYMAP 10 peer $LAB_GWB_WAN_IP esp .*\(re-learned\)" \
	cmd_ctl show children
check "a new ISAKMP SA to the peer at once" \
	busywait 20000 cmd_log_has "ISAKMP SA 1001 with $LAB_GWB_WAN_IP established \(initiator\)"
relearned=$(sed -n 's/.*re-learned from the module: esp SA pair 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\) .*/\1 \2/p' "$IKE_DIR/cryptomapd.log")
# the daemon logs SPIs as %08X, show crypto ipsec sa as IOS does (%X): compare numbers
relearned=$(for s in $relearned; do printf '%X ' "0x$s"; done)
check "the running pair was not touched (its SPIs $relearned as before the kill)" \
	bash -c "[ -n '$relearned' ] && for s in $relearned; do grep -q \"spi: 0x\$s(\" <<< '$before' || exit 1; done"
check "the re-learned pair is rekeyed at its soft EXPIRE" \
	busywait 70000 cmd_log_has "SAs for MYMAP 10 .*: installed \(standby\)"
check "the new pair takes over the output" \
	busywait 10000 cmd_log_has "SA pair 0x[0-9A-F]+/0x[0-9A-F]+ of MYMAP 10 now used for output"
sleep 2
kill -INT "$pingpid" 2>/dev/null
wait "$pingpid" 2>/dev/null
tail -n 3 "$IKE_DIR/ping.out" | ktap_diag
check "no ping lost across the restart and the rekey" ping_all_answered "$IKE_DIR/ping.out"

# 2. clear crypto sa
n=$(installed)
before=$(spis)
check "clear crypto sa" "$CRYPTOMAP" -n "$gwA" clear crypto sa
check "the cleared pair is deleted at the peer too" \
	busywait 10000 cmd_log_has "of MYMAP 10 expired, Delete sent to the peer"
check "the next packets negotiate a new pair" \
	busywait 30000 bash -c "ip netns exec $hostA ping -c1 -W1 $LAB_HOSTB_IP >/dev/null; [ \$(grep -c 'SAs for MYMAP 10 .*: installed' $IKE_DIR/cryptomapd.log) -gt $n ]"
check "traffic flows on it" busywait 10000 lab_ping

# 3. the peer deletes its CHILD_SA
swk --terminate --child net --timeout 10 >/dev/null 2>&1
check "strongSwan's Delete removes our pair" \
	busywait 10000 cmd_log_has "SA pair 0x[0-9A-F]+/0x[0-9A-F]+ of MYMAP 10 deleted by $LAB_GWB_WAN_IP"
check_nomatch "no SA left in the module" "spi: 0x[1-9A-F]" "$CRYPTOMAP" -n "$gwA" show crypto ipsec sa

# 4. clear crypto isakmp CONN-ID
check_fail "clear crypto isakmp 9999: no such conn-id" \
	"$CRYPTOMAP" -n "$gwA" clear crypto isakmp 9999
check "clear crypto isakmp 1001" "$CRYPTOMAP" -n "$gwA" clear crypto isakmp 1001
check_nomatch "show crypto isakmp sa: 1001 no longer ACTIVE" " 1001 ACTIVE" \
	"$CRYPTOMAP" -n "$gwA" show crypto isakmp sa
"$CRYPTOMAP" -n "$gwA" show crypto isakmp sa | ktap_diag
grep -E "re-learned|restart|ISAKMP SA|EXPIRE|Quick Mode|SA pair|SAs for" "$IKE_DIR/cryptomapd.log" |
	sed 's/^[0-9.]* //' | ktap_diag
grep -E "reauth|DELETE" "$IKE_DIR/sw/charon.log" | ktap_diag
ktap_finish
