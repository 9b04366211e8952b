#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two cryptomap gateways speak IKEv2 to each other: cryptomap + cryptomapd
# on gwA and on gwB, mirrored crypto maps that name an IKEv2 profile
# (AES-GCM-256 IKE SA, ECP-384), esp-gcm 256.  The first hostA -> hostB
# packet raises gwA's ACQUIRE; gwA initiates, gwB answers and installs its
# pair; pings and a TCP transfer cross as ESP only; both daemons show the
# IKE SA READY with crossed SPIs; then hostB -> hostA traffic uses the same
# pair.  gwA's 2560 KB lifetime then runs out under a transfer: gwA
# rekeys the child while gwB's IKE packets take 400 ms more (netem): gwB
# installs the new pair standby and sends on it only once gwA's Delete of
# the old pair arrives (make-before-break), so no ping hostA -> hostB is
# lost although gwA reads the CREATE_CHILD_SA answer 400 ms late.  Then
# clear crypto ikev2 sa on gwA removes gwB's SA too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"
. "$(dirname "$0")/esp_common.sh"

ktap_header
[ -x "$CRYPTOMAPD" ] || ktap_skip_all "no $CRYPTOMAPD (make cli)"
ktap_plan 18

cm_load || ktap_exit_fail "module load"
lab_setup || ktap_exit_fail "lab setup"
ike_dirs

# gw_conf LOCAL_LAN REMOTE_LAN PEER: one side's IOS configuration
gw_conf() {
	V2_GROUP=20 v2_ios_ikev2 "$3" | sed 's/^ encryption .*/ encryption aes-gcm-256/; s/^ integrity .*/ prf sha384/'
	cat <<-CONF
	access-list 100 permit ip $1 0.0.0.255 $2 0.0.0.255
	crypto ipsec transform-set TS-GCM esp-gcm 256
	crypto map MYMAP 10 ipsec-isakmp
	 match address 100
	 set peer $3
	 set transform-set TS-GCM
	 set ikev2-profile PROF-1
	interface wan0
	 crypto map MYMAP
	CONF
}
gw_conf 192.168.1.0 192.168.3.0 "$LAB_GWB_WAN_IP" |
	sed 's/^ set ikev2-profile .*/&\n set security-association lifetime kilobytes 2560/' > "$IKE_DIR/gwa.conf"
gw_conf 192.168.3.0 192.168.1.0 "$LAB_GWA_WAN_IP" > "$IKE_DIR/gwb.conf"
ctl_b() { ip netns exec "$gwB" "$CRYPTOMAPD" ctl "$@"; }
check "cryptomap config on gwA and gwB" sh -c "'$CRYPTOMAP' -n '$gwA' config '$IKE_DIR/gwa.conf' &&
	'$CRYPTOMAP' -n '$gwB' config '$IKE_DIR/gwb.conf'"
ip netns exec "$gwB" "$CRYPTOMAPD" -d -f "$IKE_DIR/gwb.conf" >> "$IKE_DIR/cryptomapd-gwb.log" 2>&1 &
on_exit kill $!
check "cryptomapd starts on gwB" busywait 5000 ctl_b show crypto ikev2 sa
check "cryptomapd starts on gwA" v2_cmd_start "$IKE_DIR/gwa.conf"
ip netns exec "$gwA" tcpdump -nli wan0 -w "$IKE_DIR/wan.pcap" > /dev/null 2>&1 &
tcpd=$!
on_exit kill "$tcpd"
sleep 1
check "first packets bring the tunnel up (ping within 40 s)" busywait 40000 lab_ping
showa=$(cmd_ctl show crypto ikev2 sa detail)
showb=$(ctl_b show crypto ikev2 sa detail)
printf '%s\n' "$showa" "$showb" | ktap_diag
check_match "gwA: AES-GCM 256, PRF SHA384, DH group 20" \
	"Encr: AES-GCM, keysize: 256, PRF: SHA384, Hash: None, DH Grp:20" printf '%s\n' "$showa"
check_match "gwB: READY as responder" "^1 +$LAB_GWB_WAN_IP/500 +$LAB_GWA_WAN_IP/500 +none/none +READY" \
	printf '%s\n' "$showb"
ia=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1 \2/p' <<< "$showa" | head -1)
ib=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\2 \1/p' <<< "$showb" | head -1)
check_eq "SPIs crossed: gwA in/out = gwB out/in" "$ia" "$ib"
check "20 pings hostA -> hostB" ip netns exec "$hostA" ping -q -c 20 -i 0.1 -W 2 "$LAB_HOSTB_IP"
check "20 pings hostB -> hostA on the same pair" ip netns exec "$hostB" ping -q -c 20 -i 0.1 -W 2 "$LAB_HOSTA_IP"
check "TCP transfer of ${V2_TCP_BYTES:=200000} bytes, sha256 equal" \
	tcp_transfer "$hostB" "$hostA" "$LAB_HOSTA_IP" "$V2_TCP_BYTES"
sleep 0.5
kill "$tcpd" 2>/dev/null
wait "$tcpd" 2>/dev/null
wire=$(tcpdump -nr "$IKE_DIR/wan.pcap" 2>/dev/null)
clear=$(grep -cE "192\.168\.(1|3)\.100" <<< "$wire")
esp_ab=$(grep -c "$LAB_GWA_WAN_IP > $LAB_GWB_WAN_IP: ESP" <<< "$wire")
esp_ba=$(grep -c "$LAB_GWB_WAN_IP > $LAB_GWA_WAN_IP: ESP" <<< "$wire")
echo "WAN: $esp_ab ESP out, $esp_ba ESP in, $clear LAN packets in clear" | ktap_diag
check "ESP only on the wire: both ways, no LAN packet in clear" \
	test "$esp_ab" -gt 40 -a "$esp_ba" -gt 40 -a "$clear" -eq 0
# the rekey: gwB's IKE packets (UDP source port 500) wait 400 ms on its WAN,
# its ESP does not; replies to gwA's pings go out on gwB's outbound SA
check "gwB's IKE answers delayed by 400 ms (netem), ESP not" sh -c "
	ip netns exec '$gwB' tc qdisc add dev wan0 root handle 1: prio &&
	ip netns exec '$gwB' tc qdisc add dev wan0 parent 1:3 handle 30: netem delay 400ms &&
	ip netns exec '$gwB' tc filter add dev wan0 parent 1: protocol ip u32 \
		match ip protocol 17 0xff match ip sport 500 0xffff flowid 1:3"
ip netns exec "$hostA" ping -i 0.05 -W 2 "$LAB_HOSTB_IP" > "$IKE_DIR/ping.out" 2>&1 &
pingp=$!
# 2,400,000 bytes out pass gwA's soft limit (90% of 2560 KB), not its hard one
check "TCP transfer of ${V2_REKEY_BYTES:=2400000} bytes across the rekey" \
	tcp_transfer "$hostA" "$hostB" "$LAB_HOSTB_IP" "$V2_REKEY_BYTES"
rekeyed() { [ "$(grep -cE 'esp SAs for MYMAP 10 .*: installed' "$IKE_DIR/cryptomapd.log")" -ge 2 ]; }
check "soft EXPIRE on gwA: CREATE_CHILD_SA rekey, new pair installed" busywait 30000 rekeyed
check "gwB installs the rekeyed pair standby, sends on it after gwA's Delete or 1 s" \
	busywait 10000 sh -c "grep -qE 'esp SAs for MYMAP 10 .*: installed \(standby\)' '$IKE_DIR/cryptomapd-gwb.log' &&
		grep -qE 'SA pair .* of MYMAP 10 now used for output' '$IKE_DIR/cryptomapd-gwb.log'"
grep -E 'installed|deleted by|now used' "$IKE_DIR/cryptomapd-gwb.log" | ktap_diag
sleep 2
kill -INT "$pingp"
wait "$pingp"
tail -3 "$IKE_DIR/ping.out" | ktap_diag
check "no ping hostA -> hostB lost across the rekey" ping_all_answered "$IKE_DIR/ping.out"
showa=$(cmd_ctl show crypto ikev2 sa detail)
showb=$(ctl_b show crypto ikev2 sa detail)
ia2=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1 \2/p' <<< "$showa")
ib2=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\2 \1/p' <<< "$showb")
echo "after the rekey: gwA in/out $ia2, gwB out/in $ib2 (before: $ia)" | ktap_diag
check "one new pair left, crossed on both sides" \
	test -n "$ia2" -a "$ia2" = "$ib2" -a "$ia2" != "$ia" -a "$(wc -l <<< "$ia2")" -eq 1
cmd_ctl clear crypto ikev2 sa >/dev/null
b_gone() { local o; o=$(ctl_b show crypto ikev2 sa); ! grep -q READY <<< "$o"; }
check "clear crypto ikev2 sa on gwA deletes gwB's IKE SA" busywait 10000 b_gone
cp "$IKE_DIR/cryptomapd-gwb.log" "${VM_ARTIFACTS:-/tmp}/" 2>/dev/null
ktap_finish
