#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPComp (RFC 3173) with ESP.  comp-deflate against Linux XFRM (an IPComp
# state in the mode of the case and an ESP state in transport mode over
# it, the IPComp template optional as packets that do not shrink go
# uncompressed), tunnel and transport; comp-lzs between two cryptomap
# gateways.  Each case: small pings both ways (never compressed), large
# compressible pings both ways, a TCP transfer of compressible data whose
# sha256 matches on both ends; the compression counters move, and agree
# with the peer's (XFRM's IPComp state sees the packets cryptomap
# compressed and those it sent uncompressed; the other cryptomap decompresses what this one compressed);
# show crypto ipsec sa lists the pcp SAs with their CPIs.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

MODES=${IPCOMP_MODES:-tunnel transport}
nmodes=$(echo "$MODES" | wc -w)

ktap_header
ktap_plan $((nmodes + 2))

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

# counter NS WHAT: the first "#pkts WHAT: N" of show crypto ipsec sa
counter() {
	ip netns exec "$1" "$CRYPTOMAP" show crypto ipsec sa |
		sed -n "s/.*#pkts $2: \([0-9]*\).*/\1/p" | head -n1
}

xfrm_comp_case() {
	local mode=$1 espmode=transport
	[ "$mode" = transport ] && espmode=transport
	local ab ba src_out dst_out src_in dst_in
	ab=$(xfrm_algs aes128 sha "$C_AB" "$A_AB")
	ba=$(xfrm_algs aes128 sha "$C_BA" "$A_BA")
	{
		echo "xfrm state flush"
		echo "xfrm policy flush"
		echo "xfrm state add src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto comp spi $SPI_AB mode $mode comp deflate"
		echo "xfrm state add src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto comp spi $SPI_BA mode $mode comp deflate"
		echo "xfrm state add src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp spi $SPI_AB mode $espmode $ab"
		echo "xfrm state add src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi $SPI_BA mode $espmode $ba"
		if [ "$mode" = tunnel ]; then
			src_out=$LAB_LANB_NET dst_out=$LAB_LANA_NET
			src_in=$LAB_LANA_NET dst_in=$LAB_LANB_NET
		else
			src_out=$LAB_GWB_WAN_IP/32 dst_out=$LAB_GWA_WAN_IP/32
			src_in=$LAB_GWA_WAN_IP/32 dst_in=$LAB_GWB_WAN_IP/32
		fi
		echo "xfrm policy add src $src_out dst $dst_out dir out tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto comp spi $SPI_BA mode $mode tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi $SPI_BA mode $espmode"
		for d in in fwd; do
			[ "$mode" = transport ] && [ $d = fwd ] && continue
			echo "xfrm policy add src $src_in dst $dst_in dir $d tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto comp mode $mode level use tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp mode $espmode"
		done
	} | ip -n "$gwB" -batch -
}

# cm_comp NS MODE COMP PEER LOCALACL IN_SPI OUT_SPI CIN AIN COUT AOUT
cm_comp() {
	local ns=$1 mode=$2 comp=$3 peer=$4 acl=$5
	echo "no crypto map VPN" | cm_cfg "$ns" >/dev/null 2>&1
	echo "no access-list 101" | cm_cfg "$ns" >/dev/null 2>&1
	cm_cfg "$ns" <<-EOF
		access-list 101 permit ip $acl
		crypto ipsec transform-set TC esp-aes esp-sha-hmac $comp
		 mode $mode
		crypto map VPN 10 ipsec-manual
		 match address 101
		 set peer $peer
		 set transform-set TC
		$(session_key inbound "$6" "$8" "$9")
		$(session_key outbound "$7" "${10}" "${11}")
		interface wan0
		 crypto map VPN
	EOF
}

# traffic SRC DST SRCIP DSTIP SINKDIR: small and large pings both ways and
# a compressible TCP transfer
traffic() {
	local why=
	ip netns exec "$1" ping -q -c 2 -i 0.2 -W 2 "$4" >/dev/null || why="$why ping-out"
	ip netns exec "$2" ping -q -c 2 -i 0.2 -W 2 "$3" >/dev/null || why="$why ping-back"
	ip netns exec "$1" ping -q -c 3 -i 0.2 -W 2 -s 1200 -p 61 "$4" >/dev/null ||
		why="$why bigping-out"
	ip netns exec "$2" ping -q -c 3 -i 0.2 -W 2 -s 1200 -p 62 "$3" >/dev/null ||
		why="$why bigping-back"
	out=$(sink_send "$1" "$5" "$4" 5001 "$TEXT") || why="$why tcp($out)"
	sleep 0.3
	echo "$why"
}

SINK_DIR=$(mktemp -d)
TEXT=$SINK_DIR/text
seq 1 12000 > "$TEXT"
on_exit rm -rf "$SINK_DIR"
sink_start "$hostB" "$SINK_DIR/tunnel" 5001 || ktap_exit_fail "sink hostB"
sink_start "$gwB" "$SINK_DIR/transport" 5001 || ktap_exit_fail "sink gwB"

base=5000
for mode in $MODES; do
	base=$((base + 2))
	esp_case_keys aes128 sha $base
	if [ "$mode" = tunnel ]; then
		src=$hostA dst=$hostB srcip=$LAB_HOSTA_IP dstip=$LAB_HOSTB_IP
		acl="192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255"
	else
		src=$gwA dst=$gwB srcip=$LAB_GWA_WAN_IP dstip=$LAB_GWB_WAN_IP
		acl="host $LAB_GWA_WAN_IP host $LAB_GWB_WAN_IP"
	fi
	out=$(
		xfrm_comp_case "$mode" || echo "xfrm setup failed"
		cm_comp "$gwA" "$mode" comp-deflate "$LAB_GWB_WAN_IP" "$acl" \
			"$SPI_BA" "$SPI_AB" "$C_BA" "$A_BA" "$C_AB" "$A_AB" ||
			echo "cryptomap config failed"
		why=$(traffic "$src" "$dst" "$srcip" "$dstip" "$SINK_DIR/$mode")
		comp=$(counter "$gwA" compressed)
		decomp=$(counter "$gwA" decompressed)
		notc=$(counter "$gwA" "not compressed")
		xcomp=$(xfrm_pkts "$gwB" "$SPI_AB")
		echo "$mode comp-deflate cpi $SPI_AB/$SPI_BA: cryptomap compressed $comp decompressed $decomp not compressed $notc; xfrm IPComp in $xcomp"
		# XFRM's IPComp state counts what went through it, compressed or not
		[ "${comp:-0}" -gt 0 ] && [ "$((comp + notc))" = "$xcomp" ] ||
			why="$why compressed"
		[ "${decomp:-0}" -gt 0 ] || why="$why decompressed"
		[ "${notc:-0}" -gt 0 ] || why="$why not-compressed"
		show=$(ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa)
		grep -A2 'inbound pcp sas:' <<< "$show" | grep -q "spi: 0x$(printf %X "$SPI_BA")($SPI_BA)" ||
			why="$why no-inbound-pcp"
		grep -A2 'outbound pcp sas:' <<< "$show" | grep -q "spi: 0x$(printf %X "$SPI_AB")($SPI_AB)" ||
			why="$why no-outbound-pcp"
		grep -q 'transform: comp-deflate' <<< "$show" || why="$why pcp-transform"
		if [ -n "$why" ]; then
			echo "failed:$why"
			ip -n "$gwB" -s xfrm state | grep -E 'proto|[0-9]\(packets'
			echo "$show" | grep -E '#pkts|spi:|sas:'
			dmesg | grep -i cryptomap | tail -n 5
			exit 1
		fi
	)
	rc=$?
	ktap_result "$mode comp-deflate against XFRM" $rc
	printf '%s\n' "$out" | ktap_diag
done

# ---- comp-lzs between two cryptomap gateways ----------------------------
ip -n "$gwB" xfrm state flush
ip -n "$gwB" xfrm policy flush
base=$((base + 2))
esp_case_keys aes128 sha $base
out=$(
	cm_comp "$gwA" tunnel comp-lzs "$LAB_GWB_WAN_IP" \
		"192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255" \
		"$SPI_BA" "$SPI_AB" "$C_BA" "$A_BA" "$C_AB" "$A_AB" ||
		echo "gwA config failed"
	cm_comp "$gwB" tunnel comp-lzs "$LAB_GWA_WAN_IP" \
		"192.168.3.0 0.0.0.255 192.168.1.0 0.0.0.255" \
		"$SPI_AB" "$SPI_BA" "$C_AB" "$A_AB" "$C_BA" "$A_BA" ||
		echo "gwB config failed"
	why=$(traffic "$hostA" "$hostB" "$LAB_HOSTA_IP" "$LAB_HOSTB_IP" "$SINK_DIR/tunnel")
	ca=$(counter "$gwA" compressed) da=$(counter "$gwA" decompressed)
	cb=$(counter "$gwB" compressed) db=$(counter "$gwB" decompressed)
	echo "comp-lzs: gwA compressed $ca decompressed $da, gwB compressed $cb decompressed $db"
	[ "${ca:-0}" -gt 0 ] && [ "$ca" = "$db" ] || why="$why A-to-B"
	[ "${cb:-0}" -gt 0 ] && [ "$cb" = "$da" ] || why="$why B-to-A"
	if [ -n "$why" ]; then
		echo "failed:$why"
		ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa | grep -E '#pkts|spi:|sas:'
		dmesg | grep -i cryptomap | tail -n 5
		exit 1
	fi
)
rc=$?
ktap_result "tunnel comp-lzs between two cryptomap gateways" $rc
printf '%s\n' "$out" | ktap_diag

ktap_finish
