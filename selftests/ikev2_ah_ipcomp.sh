#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AH and IPComp negotiated by IKEv2 (RFC 7296 3.3: one protocol per Child
# SA, ID 2 for AH with integrity and ESN transforms; 2.22 and 3.10.1:
# IPCOMP_SUPPORTED with the CPI and transform ID).
# 1. strongSwan (gwB, ah_proposals sha256) against cryptomapd (gwA,
#    transform set ah-sha256-hmac): cryptomapd initiates on ACQUIRE with an AH
#    proposal, both install AH SAs, pings cross as AH (proto 51) only, and
#    the module's encaps/decaps agree with strongSwan's XFRM state
#    counters; then strongSwan initiates and cryptomapd answers with AH.
#    The entry's first set, TSC, adds comp-deflate: as initiator cryptomapd
#    offers IPComp, strongSwan (no ipcomp) takes the AH proposal without
#    it, and cryptomapd installs the same transforms without compression
#    (TS); as responder it takes strongSwan's IPComp (ipcomp = yes) with
#    strongSwan's own CPI (SA_ADD's IPComp keys) and answers with TSC.
#    SHA-256: its 16-byte ICV makes a 28-byte AH header padded to 32 bits
#    (RFC 4302), as strongSwan (align4) and IOS expect; Linux XFRM's
#    default 64-bit padding would make it 32 bytes, and strongSwan would
#    drop every packet.
# 2. Two cryptomap gateways, comp-lzs: entry 10 (ICMP, ah-sha256-hmac
#    comp-lzs) comes up in IKE_AUTH, entry 20 (TCP, esp-null esp-sha-hmac
#    comp-lzs) in CREATE_CHILD_SA, both with IPCOMP_SUPPORTED; large pings
#    and a TCP transfer go compressed: AH + IPComp, and IPComp (108) inside
#    ESP (read behind the null cipher), with the CPIs both daemons show;
#    compressed counters on one side equal decompressed on the other.
# (ESP + IPComp with strongSwan, its CPIs and compressed traffic both ways:
# ikev2_ipcomp_swan.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"
. "$(dirname "$0")/esp_common.sh"

ktap_header
ike_lab_up 20
modprobe -a ah4 xfrm_ipcomp ipcomp deflate >/dev/null 2>&1

# wire PCAP SRC DST: what went SRC -> DST (AH, AH+IPComp, ESP, IPComp
# inside a null-cipher ESP with a 12-byte ICV, the CPIs seen) and how many
# LAN packets crossed the WAN in clear
wire() {
	$PY - "$@" <<-'PY'
	import struct, sys
	f = open(sys.argv[1], 'rb').read()
	src, dst = sys.argv[2], sys.argv[3]
	c = dict(ah=0, ah_ipcomp=0, esp=0, esp_ipcomp=0, clear=0)
	cpi = set()
	off = 24
	while off + 16 <= len(f):
	    incl = struct.unpack_from('<I', f, off + 8)[0]
	    pkt = f[off + 16:off + 16 + incl]
	    off += 16 + incl
	    if len(pkt) < 34 or pkt[12:14] != b'\x08\x00':
	        continue
	    ip = pkt[14:]
	    hl = (ip[0] & 15) * 4
	    s = '.'.join(map(str, ip[12:16]))
	    d = '.'.join(map(str, ip[16:20]))
	    body = ip[hl:struct.unpack_from('>H', ip, 2)[0]]
	    if s.startswith('192.168.') or d.startswith('192.168.'):
	        c['clear'] += 1
	    if (s, d) != (src, dst):
	        continue
	    if ip[9] == 51:
	        c['ah'] += 1
	        al = (body[1] + 2) * 4
	        if body[0] == 108:
	            c['ah_ipcomp'] += 1
	            cpi.add(struct.unpack_from('>H', body, al + 2)[0])
	    elif ip[9] == 50:
	        c['esp'] += 1
	        if len(body) > 24 and body[-13] == 108:
	            c['esp_ipcomp'] += 1
	            cpi.add(struct.unpack_from('>H', body, 10)[0])
	print(' '.join('%s=%d' % kv for kv in c.items()),
	      'cpi=' + ','.join('%04X' % x for x in sorted(cpi)))
	PY
}
# wval LINE KEY: a key=value of wire's line
wval() { sed -n "s/.*\b$2=\([^ ]*\).*/\1/p" <<< "$1"; }
# csum NS WHAT: the sum of every "#pkts WHAT: N" of show crypto ipsec sa
csum() {
	ip netns exec "$1" "$CRYPTOMAP" show crypto ipsec sa |
		sed -n "s/.*#pkts $2: \([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}
pings_both() {
	ip netns exec "$hostA" ping -q -c "$1" -i 0.1 -W 2 ${2:+-s $2 -p 61} "$LAB_HOSTB_IP" >/dev/null &&
		ip netns exec "$hostB" ping -q -c "$1" -i 0.1 -W 2 ${2:+-s $2 -p 62} "$LAB_HOSTA_IP" >/dev/null
}
# whole packets: the ESP trailer's next header is read
CAPTURE_SNAPLEN=0

# ---- 1. AH with strongSwan ------------------------------------------------
{
	V2_GROUP=19 v2_ios_ikev2 "$LAB_GWB_WAN_IP"
	V2_TS=ah-sha256-hmac v2_ios_map
	cat <<-EOF
	crypto ipsec transform-set TSC ah-sha256-hmac comp-deflate
	crypto map MYMAP 10 ipsec-isakmp
	 set transform-set TSC TS
	EOF
} > "$IKE_DIR/gwa.conf"
# ECP-256 for the IKE SA: a quicker DH than MODP-2048 in an emulated guest
sw2_conf aes256-sha256-ecp256 "net:$LAB_LANB_NET:$LAB_LANA_NET:ah=sha256"
check "strongSwan starts on gwB (ah_proposals = sha256)" sw_start
check "cryptomap config on gwA (transform set ah-sha256-hmac)" \
	"$CRYPTOMAP" -n "$gwA" config "$IKE_DIR/gwa.conf"
check "cryptomapd starts on gwA" v2_cmd_start "$IKE_DIR/gwa.conf"
capture_start "$gwA" wan0 "$IKE_DIR/ah.pcap"
ah_pairs() {
	[ "$(grep -c "ah SAs for MYMAP 10 .*: installed" "$IKE_DIR/cryptomapd.log")" -ge "$1" ]
}
first_up() { lab_ping; busywait 40000 ah_pairs 1; }
check "cryptomapd initiates (ACQUIRE) with an AH proposal: AH pair installed" first_up
busywait 10000 lab_ping
check "10 pings each way over AH" pings_both 10
capture_stop
show=$(cmd_ctl show crypto ikev2 sa detail)
read -r ahin ahout < <(sed -n 's/.*AH spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1 \2/p' <<< "$show" | head -1)
ab=$(wire "$IKE_DIR/ah.pcap" "$LAB_GWA_WAN_IP" "$LAB_GWB_WAN_IP")
ba=$(wire "$IKE_DIR/ah.pcap" "$LAB_GWB_WAN_IP" "$LAB_GWA_WAN_IP")
echo "gwA->gwB: $ab; gwB->gwA: $ba; AH spi in/out 0x$ahin/0x$ahout" | ktap_diag
check "wire: AH (proto 51) both ways, no ESP, no LAN packet in clear" \
	test "$(wval "$ab" ah)" -ge 11 -a "$(wval "$ba" ah)" -ge 11 -a \
	"$(wval "$ab" esp)" -eq 0 -a "$(wval "$ba" esp)" -eq 0 -a "$(wval "$ab" clear)" -eq 0
enc=$(cm_counter "$gwA" encaps) dec=$(cm_counter "$gwA" decaps)
xin=$(xfrm_pkts "$gwB" "0x$ahout") xout=$(xfrm_pkts "$gwB" "0x$ahin")
echo "cryptomap encaps $enc decaps $dec; strongSwan AH in $xin out $xout" | ktap_diag
if [ "$enc" != "$xin" ]; then
	ip -n "$gwB" -s xfrm state | ktap_diag
	ip netns exec "$gwB" grep -v ' 0$' /proc/net/xfrm_stat | ktap_diag
	tcpdump -nvr "$IKE_DIR/ah.pcap" 2>/dev/null | grep -A1 AH | head -n 6 | ktap_diag
fi
check "counters agree: cryptomap encaps = strongSwan in, decaps = strongSwan out" \
	test "${enc:-0}" -ge 11 -a "$enc" = "$xin" -a "${dec:-0}" -ge 11 -a "$dec" = "$xout"
check_match "strongSwan: the child is AH" "net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL, AH:HMAC_SHA2_256_128" sw_sas
check "initiator: strongSwan took no IPComp, the pair is TS's (not TSC's)" \
	grep -q "did not accept IPComp: transform set TS instead of TSC" "$IKE_DIR/cryptomapd.log"

SW_IPCOMP=yes sw2_conf aes256-sha256-ecp256 "net:$LAB_LANB_NET:$LAB_LANA_NET:ah=sha256"
swk --load-all >/dev/null 2>&1

cmd_ctl clear crypto ikev2 sa >/dev/null
sleep 1
check "strongSwan initiates with AH: cryptomapd answers" swk --initiate --ike gwa --child net --timeout 30
check "responder: AH pair installed" busywait 10000 ah_pairs 2
check "responder: strongSwan's IPComp taken with its CPI, TSC's AH + IPComp pair" \
	grep -q "ah SAs for MYMAP 10 .*transform set TSC, .*IPComp deflate cpi in/out 0x[0-9A-F]*/0x[0-9A-F]*, .*: installed" "$IKE_DIR/cryptomapd.log"
check "10 large compressible pings each way over the responder's AH + IPComp pair" pings_both 10 1200
grep -E "IPComp: transform set|instead;" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag

echo "AH part done (${SECONDS}s)" | ktap_diag
# ---- 2. IPComp between two cryptomap gateways -------------------------------
kill "$V2_CMD_PID" 2>/dev/null
wait "$V2_CMD_PID" 2>/dev/null
sw_stop
ip -n "$gwB" xfrm state flush
ip -n "$gwB" xfrm policy flush
# gw_conf LOCAL_LAN REMOTE_LAN PEER
gw_conf() {
	V2_GROUP=19 v2_ios_ikev2 "$3"
	cat <<-CONF
	access-list 110 permit icmp $1 0.0.0.255 $2 0.0.0.255
	access-list 120 permit tcp $1 0.0.0.255 $2 0.0.0.255
	crypto ipsec transform-set TS-AHC ah-sha256-hmac comp-lzs
	crypto ipsec transform-set TS-ESPC esp-null esp-sha-hmac comp-lzs
	crypto map CMAP 10 ipsec-isakmp
	 match address 110
	 set peer $3
	 set transform-set TS-AHC
	 set ikev2-profile PROF-1
	crypto map CMAP 20 ipsec-isakmp
	 match address 120
	 set peer $3
	 set transform-set TS-ESPC
	 set ikev2-profile PROF-1
	interface wan0
	 crypto map CMAP
	CONF
}
gw_conf 192.168.1.0 192.168.3.0 "$LAB_GWB_WAN_IP" > "$IKE_DIR/gwa2.conf"
gw_conf 192.168.3.0 192.168.1.0 "$LAB_GWA_WAN_IP" > "$IKE_DIR/gwb2.conf"
printf 'no crypto map MYMAP\nno access-list 100\n' > "$IKE_DIR/undo.conf"
ctl_b() { ip netns exec "$gwB" "$CRYPTOMAPD" ctl "$@"; }
check "cryptomap config on gwA and gwB (comp-lzs with AH, with ESP)" \
	sh -c "'$CRYPTOMAP' -n '$gwA' config '$IKE_DIR/undo.conf' &&
	'$CRYPTOMAP' -n '$gwA' config '$IKE_DIR/gwa2.conf' &&
	'$CRYPTOMAP' -n '$gwB' config '$IKE_DIR/gwb2.conf'"
ip netns exec "$gwB" "$CRYPTOMAPD" -d -f "$IKE_DIR/gwb2.conf" >> "$IKE_DIR/cryptomapd-gwb.log" 2>&1 &
on_exit kill $!
busywait 5000 ctl_b show crypto ikev2 sa >/dev/null
v2_cmd_start "$IKE_DIR/gwa2.conf"
capture_start "$gwA" wan0 "$IKE_DIR/comp.pcap"
comp_pairs() {
	grep -q "ah SAs for CMAP 10 .*IPComp lzs .*: installed" "$IKE_DIR/cryptomapd.log" &&
		grep -q "esp SAs for CMAP 20 .*IPComp lzs .*: installed" "$IKE_DIR/cryptomapd.log"
}
SINK_DIR=$(mktemp -d)
on_exit rm -rf "$SINK_DIR"
seq 1 12000 > "$SINK_DIR/text"
sink_start "$hostB" "$SINK_DIR/sink" 5001 || ktap_exit_fail "sink hostB"
# a TCP SYN to a closed port: entry 20's ACQUIRE, no sink connection
tcp_up() {
	ip netns exec "$hostA" timeout 2 bash -c "echo x > /dev/tcp/$LAB_HOSTB_IP/5999" 2>/dev/null
	comp_pairs
}
both_up() { lab_ping; busywait 40000 tcp_up; }
check "ICMP (IKE_AUTH) and TCP (CREATE_CHILD_SA) bring up AH+IPComp and ESP+IPComp pairs" \
	both_up
check "10 large compressible pings each way (AH + IPComp)" pings_both 10 1200
out=$(sink_send "$hostA" "$SINK_DIR/sink" "$LAB_HOSTB_IP" 5001 "$SINK_DIR/text")
check "TCP transfer of seq 1 12000 (ESP + IPComp), sha256 equal" test -z "$out"
# tcpdump reads the last block of packets when its timeout retires it
sleep 1.5
capture_stop
sa=$(cmd_ctl show crypto ikev2 sa detail)
sb=$(ctl_b show crypto ikev2 sa detail)
printf '%s\n' "$sa" | grep -E "spi in/out|CPI" | ktap_diag
cpis_a=$(sed -n 's/.*CPI in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1 \2/p' <<< "$sa" | sort | tr '\n' ' ')
cpis_b=$(sed -n 's/.*CPI in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\2 \1/p' <<< "$sb" | sort | tr '\n' ' ')
check "two IPComp children with CPIs on gwA, crossed on gwB" \
	sh -c "[ '$cpis_a' = '$cpis_b' ] && [ \$(echo '$cpis_a' | wc -w) -eq 4 ] && ! echo '$cpis_a' | grep -qw 0"
ab=$(wire "$IKE_DIR/comp.pcap" "$LAB_GWA_WAN_IP" "$LAB_GWB_WAN_IP")
ba=$(wire "$IKE_DIR/comp.pcap" "$LAB_GWB_WAN_IP" "$LAB_GWA_WAN_IP")
echo "gwA->gwB: $ab; gwB->gwA: $ba (${SECONDS}s)" | ktap_diag
tcpdump -nr "$IKE_DIR/comp.pcap" 2>/dev/null | cut -d' ' -f2- | sed 's/seq=[0-9a-fx]*//; s/length [0-9]*//' |
	sort | uniq -c | sort -rn | head -n 8 | ktap_diag
# the CPIs on the wire gwA -> gwB are gwA's outbound ones (sorted)
outs=$(sed -n 's/.*CPI in\/out: 0x[0-9A-F]*\/\(0x[0-9A-F]*\).*/\1/p' <<< "$sa" |
	xargs printf '%04X\n' 2>/dev/null | sort | paste -sd,)
wire_ok() {
	[ "$(wval "$ab" ah_ipcomp)" -ge 10 ] && [ "$(wval "$ba" ah_ipcomp)" -ge 10 ] &&
		[ "$(wval "$ab" esp_ipcomp)" -ge 1 ] && [ "$(wval "$ab" clear)" -eq 0 ] &&
		[ "$(wval "$ab" cpi)" = "$outs" ]
}
check "wire: AH + IPComp both ways, IPComp inside ESP, gwA's outbound CPIs, nothing in clear" wire_ok
ca=$(csum "$gwA" compressed) da=$(csum "$gwA" decompressed)
cb=$(csum "$gwB" compressed) db=$(csum "$gwB" decompressed)
ea=$(csum "$gwA" encaps) eb=$(csum "$gwB" decaps)
echo "gwA compressed $ca decompressed $da encaps $ea; gwB compressed $cb decompressed $db decaps $eb" | ktap_diag
check "counters agree: compressed on one side = decompressed on the other, encaps = decaps" \
	test "$ca" -ge 20 -a "$ca" = "$db" -a "$cb" -ge 10 -a "$cb" = "$da" -a "$ea" = "$eb"
grep -E "IKEv2 SA [0-9]+: (ah|esp) SAs" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag
cp "$IKE_DIR/cryptomapd-gwb.log" "${VM_ARTIFACTS:-/tmp}/" 2>/dev/null
ktap_finish
