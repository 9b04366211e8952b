#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cryptomapd (gwA) restarts under traffic with an IKEv2 pair in the module,
# strongSwan (gwB, IKEv2) the peer.  SIGKILL leaves the pair running; the
# new daemon re-learns it (SA_GET) as an IKEv2 pair, opens a new IKE SA to
# the peer at once (no INITIAL_CONTACT: strongSwan would drop its old
# child before installing the new one) and so rekeys the pair
# make-before-break: new SPIs, the re-learned pair replaced, the traffic
# on strongSwan's new child (its stale IKE SA and child stay idle until
# its own checks drop them), and a ping every 0.2 s loses nothing across
# kill, restart and rekey, though strongSwan's IKE packets are 400 ms late
# and it sends on the new child before its IKE_AUTH answer reaches gwA
# (cryptomapd installs the new inbound SA before it sends IKE_AUTH).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"

ktap_header
ike_lab_up 14
{
	v2_ios_ikev2 "$LAB_GWB_WAN_IP"
	v2_ios_map
} > "$IKE_DIR/gwa.conf"
sw2_conf aes256-sha256-modp2048 "net:$LAB_LANB_NET:$LAB_LANA_NET:aes256-sha1"
check "strongSwan starts on gwB" sw_start
check "cryptomap config on gwA" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA" v2_cmd_start "$IKE_DIR/gwa.conf"
check "traffic brings the IKEv2 tunnel up" busywait 40000 lab_ping
spis() {
	cmd_ctl show crypto ikev2 sa detail |
		sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1 \2/p' | head -1
}
before=$(spis)
# not -q: ping_all_answered reads the replies
ip netns exec "$hostA" ping -i 0.2 -W 2 "$LAB_HOSTB_IP" > "$IKE_DIR/ping.out" 2>&1 &
pingpid=$!
on_exit kill "$pingpid"
sleep 2

kill -KILL "$V2_CMD_PID"
wait "$V2_CMD_PID" 2>/dev/null
# strongSwan sends on its new child once it has answered IKE_AUTH: with its
# IKE packets 400 ms late (ESP not), replies reach gwA on the new SA before
# the answer does, and are lost unless gwA's inbound SA is in already
check "gwB's IKE packets delayed by 400 ms (netem), ESP not" sh -c "
	ip netns exec '$gwB' tc qdisc add dev wan0 root handle 1: prio &&
	ip netns exec '$gwB' tc qdisc add dev wan0 parent 1:3 handle 30: netem delay 400ms &&
	ip netns exec '$gwB' tc filter add dev wan0 parent 1: protocol ip u32 \
		match ip protocol 17 0xff match ip sport 500 0xffff flowid 1:3"
sleep 2
mv "$IKE_DIR/cryptomapd.log" "$IKE_DIR/cryptomapd-1.log"
check "cryptomapd restarts" v2_cmd_start "$IKE_DIR/gwa.conf"
check "it re-learns the pair ($before) as an IKEv2 pair" \
	cmd_log_has "IKEv2: re-learned from the module: esp SA pair 0x${before% *}/0x${before#* } of MYMAP 10 with $LAB_GWB_WAN_IP, transform set TS"
check "a new IKE SA to the peer at once, and a new pair" \
	busywait 30000 cmd_log_has "IKEv2 SA 1: esp SAs for MYMAP 10 with $LAB_GWB_WAN_IP: .*: installed"
check "the new pair's inbound SA was in before IKE_AUTH went out" \
	cmd_log_has "IKEv2 SA 1: inbound esp SA 0x[0-9A-F]+ for MYMAP 10 installed before IKE_AUTH"
check "the answer completed it (SA_UPDATE: the peer's SPI, output)" \
	cmd_log_has "IKEv2 SA 1: esp SAs for MYMAP 10 with $LAB_GWB_WAN_IP: .*: installed \(inbound since IKE_AUTH\)"
check "the re-learned pair is replaced" \
	cmd_log_has "re-learned SA pair 0x${before% *}/0x${before#* } of MYMAP 10 replaced"
after=$(spis)
check "new SPIs ($after) in show crypto ikev2 sa" \
	test -n "$after" -a "$after" != "$before"
# sw_in_pkts SPI: packets strongSwan counted on its inbound SA SPI
sw_in_pkts() {
	sw_sas | sed -n "s/^ *in  *0*$1, *[0-9]* bytes, *\([0-9]*\) packets.*/\1/Ip" | head -1
}
old_in=${before#* }
new_in=${after#* }
# strongSwan's stale IKE SA (no INITIAL_CONTACT) stays until its own
# checks drop it, but the traffic has moved to the new child
moved() {
	local o1 o2 n
	o1=$(sw_in_pkts "$old_in")
	sleep 2
	o2=$(sw_in_pkts "$old_in")
	n=$(sw_in_pkts "$new_in")
	echo "strongSwan in packets: old child $o1 -> $o2 in 2 s, new child $n" | ktap_diag
	[ -n "$o1" ] && [ "$o1" = "$o2" ] && [ "${n:-0}" -gt 0 ]
}
check "strongSwan: the pings arrive on the new child, none on the old one" moved
sw_sas | ktap_diag
sleep 3
kill -INT "$pingpid"
wait "$pingpid"
tail -n 3 "$IKE_DIR/ping.out" | ktap_diag
check "no ping lost across kill, restart and rekey" ping_all_answered "$IKE_DIR/ping.out"
cmd_ctl show crypto ikev2 sa detail | ktap_diag
sed 's/^[0-9.]* //' "$IKE_DIR/cryptomapd.log" | grep -E "IKEv2|restart" | ktap_diag
ktap_finish
