#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cryptomapd answers IKEv2: strongSwan on gwB initiates (IKE SA
# AES-GCM-256/PRF-SHA256/ECP-256, group 19) with a child for its LAN and
# esp-gcm 256; cryptomapd finds the crypto map entry by peer and mirrored
# selectors, picks the transform set, installs the pair with SA_ADD.  Ping
# and a TCP transfer cross as ESP only; the SPIs agree; a traffic selector
# that no ACL line mirrors is refused with TS_UNACCEPTABLE, a wrong
# pre-shared key with AUTHENTICATION_FAILED; strongSwan's delete of the
# child removes the pair.  Malformed and forged datagrams (ikev2_forge.py),
# some with the live SA's SPIs, are dropped without disturbing it.
# strongSwan's rekey of the child (CREATE_CHILD_SA, REKEY_SA) installs a
# new pair and its delete removes the old one.  With `crypto ikev2
# cookie-challenge 0` every IKE_SA_INIT first gets a COOKIE (RFC 7296 2.6)
# and only strongSwan's retry carrying it creates state.  cryptomap's
# clear crypto ikev2 sa ID deletes the IKE SA on strongSwan too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"
. "$(dirname "$0")/esp_common.sh"

ktap_header
ike_lab_up 21
{
	v2_ios_ikev2 "$LAB_GWB_WAN_IP"
	cat <<-CONF
	crypto ikev2 cookie-challenge 0
	access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
	crypto ipsec transform-set TS-AES esp-aes 256 esp-sha-hmac
	crypto ipsec transform-set TS-GCM esp-gcm 256
	crypto map MYMAP 10 ipsec-isakmp
	 match address 100
	 set peer $LAB_GWB_WAN_IP
	 set transform-set TS-AES TS-GCM
	 set ikev2-profile PROF-1
	interface wan0
	 crypto map MYMAP
	CONF
} > "$IKE_DIR/gwa.conf"
sw2_conf aes256gcm16-prfsha256-ecp256 \
	"net:$LAB_LANB_NET:$LAB_LANA_NET:aes256gcm16" \
	"bad:10.3.0.0/24:10.1.0.0/24:aes256gcm16"
check "strongSwan starts on gwB" sw_start
check "cryptomap config on gwA" "$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA (maps from the module)" v2_cmd_start "$IKE_DIR/gwa.conf"
ip netns exec "$gwA" tcpdump -nli wan0 -w "$IKE_DIR/wan.pcap" > /dev/null 2>&1 &
tcpd=$!
on_exit kill "$tcpd"
sleep 1
check "strongSwan initiates child net (esp-gcm 256)" swk --initiate --ike gwa --child net --timeout 40
check "cryptomapd: IKE SA READY as responder, AES-GCM 256, DH group 19" \
	cmd_log_has "IKEv2 SA 1 with $LAB_GWB_WAN_IP established \\(responder, AES-GCM-256/SHA256/None/group 19\\)"
cookie_round() {
	cmd_log_has "from $LAB_GWB_WAN_IP: 0 half-open SAs, cookie-challenge 0: COOKIE sent \\(1 sent" &&
		cmd_log_has "from $LAB_GWB_WAN_IP with a valid cookie \\(1 valid, 1 sent\\)"
}
check "cookie-challenge 0: a COOKIE sent, the retry with it accepted" cookie_round
check "the pair of MYMAP 10 installed with transform set TS-GCM" \
	cmd_log_has "esp SAs for MYMAP 10 .*transform set TS-GCM.*: installed"
check "20 pings through the tunnel" ip netns exec "$hostA" ping -q -c 20 -i 0.1 -W 2 "$LAB_HOSTB_IP"
check "TCP transfer of ${V2_TCP_BYTES:=200000} bytes, sha256 equal" \
	tcp_transfer "$hostB" "$hostA" "$LAB_HOSTA_IP" "$V2_TCP_BYTES"
sas=$(sw_sas)
printf '%s\n' "$sas" | ktap_diag
show=$(cmd_ctl show crypto ikev2 sa detail)
printf '%s\n' "$show" | ktap_diag
IN=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1/p' <<< "$show" | head -1)
OUT=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\2/p' <<< "$show" | head -1)
in=$(tr 'A-F' 'a-f' <<< "$IN")
out=$(tr 'A-F' 'a-f' <<< "$OUT")
check_match "ESP:AES_GCM_16-256, SPIs agree (ours in $in / out $out), packets both ways" \
	"ESP:AES_GCM_16-256 .*in +0*$out, .*[1-9][0-9]* packets.*out +0*$in, .*[1-9][0-9]* packets" \
	printf '%s\n' "$(tr '\n' ' ' <<< "$sas")"
lspi=$(sed -n 's/.*Local spi: \([0-9A-F]*\) .*/\1/p' <<< "$show")
rspi=$(sed -n 's/.*Remote spi: \([0-9A-F]*\).*/\1/p' <<< "$show")
nf=$(ip netns exec "$gwB" python3 "$SELFTESTS/ikev2_forge.py" "$LAB_GWA_WAN_IP" "$rspi" "$lspi")
# the daemon has read them all once it counted the third forged cookie
busywait 10000 cmd_log_has "COOKIE sent \\([0-9]+ sent, 3 invalid\\)"
check_match "$nf malformed/forged datagrams dropped: the daemon answers, the SA stays READY" \
	"^1 +$LAB_GWA_WAN_IP/500 +$LAB_GWB_WAN_IP/500 +none/none +READY" cmd_ctl show crypto ikev2 sa
check "3 forged cookies among them: each refused with a new COOKIE, no state" \
	cmd_log_has "with a stale or invalid cookie: 0 half-open SAs, cookie-challenge 0: COOKIE sent \\([0-9]+ sent, 3 invalid\\)"
check "10 pings still cross after them" ip netns exec "$hostA" ping -q -c 10 -i 0.1 -W 2 "$LAB_HOSTB_IP"
swk --rekey --child net >/dev/null 2>&1
check "strongSwan rekeys the child: the old pair 0x$IN/0x$OUT deleted" \
	busywait 20000 cmd_log_has "SA pair 0x$IN/0x$OUT of MYMAP 10 deleted by"
show=$(cmd_ctl show crypto ikev2 sa detail)
IN=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1/p' <<< "$show" | head -1)
OUT=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\2/p' <<< "$show" | head -1)
check "10 pings over the new pair 0x$IN/0x$OUT" \
	ip netns exec "$hostA" ping -q -c 10 -i 0.1 -W 2 "$LAB_HOSTB_IP"
swk --initiate --ike gwa --child bad --timeout 20 >/dev/null 2>&1
check "a selector no ACL line mirrors: TS_UNACCEPTABLE, named in the log" \
	cmd_log_has "no crypto map entry for $LAB_GWB_WAN_IP with an ACL line mirroring local 10.1.0.0-10.1.0.255 remote 10.3.0.0-10.3.0.255"
swk --terminate --child net --timeout 20 >/dev/null 2>&1
check "strongSwan's delete of the child removes the pair" \
	busywait 10000 cmd_log_has "SA pair 0x$IN/0x$OUT of MYMAP 10 deleted by"
kill "$tcpd" 2>/dev/null
wait "$tcpd" 2>/dev/null
wire=$(tcpdump -nr "$IKE_DIR/wan.pcap" 2>/dev/null)
clear=$(grep -cE "192\.168\.(1|3)\.100" <<< "$wire")
esp_ab=$(grep -c "$LAB_GWA_WAN_IP > $LAB_GWB_WAN_IP: ESP" <<< "$wire")
esp_ba=$(grep -c "$LAB_GWB_WAN_IP > $LAB_GWA_WAN_IP: ESP" <<< "$wire")
echo "WAN: $esp_ab ESP out, $esp_ba ESP in, $clear LAN packets in clear" | ktap_diag
check "ESP only on the wire: both ways, no LAN packet in clear" \
	test "$esp_ab" -gt 20 -a "$esp_ba" -gt 20 -a "$clear" -eq 0
no99() {
	local o
	o=$("$CRYPTOMAP" -n "$gwA" clear crypto ikev2 sa 99) && return 1
	grep -q "no IKEv2 SA with id 99" <<< "$o"
}
check "cryptomap clear crypto ikev2 sa 99: no such IKE SA, refused" no99
"$CRYPTOMAP" -n "$gwA" clear crypto ikev2 sa 1 >/dev/null
sw_no_sa() { local o; o=$(swk --list-sas 2>/dev/null); ! grep -q ESTABLISHED <<< "$o"; }
check "cryptomap clear crypto ikev2 sa 1: strongSwan's IKE SA deleted" \
	busywait 10000 sw_no_sa
# a wrong key: strongSwan's AUTH does not verify
sw_stop
busywait 10000 test ! -e "$IKE_DIR/sw/run/charon.pid"
SW2_PSK=wrongkey sw2_conf aes256gcm16-prfsha256-ecp256 "net:$LAB_LANB_NET:$LAB_LANA_NET:aes256gcm16"
sw_start >/dev/null 2>&1
swk --initiate --ike gwa --child net --timeout 20 >/dev/null 2>&1
check "wrong pre-shared key: AUTHENTICATION_FAILED, named in the log" \
	cmd_log_has "AUTH from $LAB_GWB_WAN_IP does not verify: pre-shared key mismatch"
grep -E "IKEv2" "$IKE_DIR/cryptomapd.log" | ktap_diag
ktap_finish
