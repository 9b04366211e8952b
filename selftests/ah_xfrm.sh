#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AH (RFC 4302) and AH+ESP bundles on the wire against Linux XFRM:
# cryptomap (ipsec-manual) on gwA, `ip xfrm state/policy` with the same
# SPIs and keys on gwB.  Every AH transform alone and four AH+ESP bundles
# (the seed's ah-sha-hmac esp-3des esp-md5-hmac, and SHA-384 and SHA-512
# with their larger AH header and ESP ICV among them), in tunnel mode
# (LAN A <-> LAN B) and transport mode (gwA <-> gwB).  Each case: ping both
# ways, a TCP transfer whose sha256 matches on both ends, cryptomap's
# counters equal to XFRM's for every SA; per mode, the WAN capture on gwA
# holds AH (and the bundles' ESP inside it) with exactly the SPIs and
# packet counts of the cases, and no clear packet.
#
# AH_MODES="tunnel transport" and AH_CASES narrow the matrix;
# AH_TRANSPORT_CASES, when set, narrows transport mode alone (CI: every
# case in tunnel mode, a subset in transport mode).  A case is
# AH:ENC:AUTH, ENC and AUTH as in esp_common.sh, "-" for no ESP.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

MODES=${AH_MODES:-tunnel transport}
CASES=${AH_CASES:-md5:-:- sha:-:- sha256:-:- sha384:-:- sha512:-:- sha:3des:md5 sha256:aes256:sha256 sha384:aes192:sha384 sha512:aes128:sha512}

# mode_cases MODE: the cases of one mode.
mode_cases() {
	if [ "$1" = transport ] && [ -n "${AH_TRANSPORT_CASES:-}" ]; then
		echo "$AH_TRANSPORT_CASES"
	else
		echo "$CASES"
	fi
}

nplan=1
for mode in $MODES; do
	nplan=$((nplan + $(mode_cases "$mode" | wc -w) + 1))
done

ktap_header
ktap_plan $nplan

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

run_case() {
	local ah=$1 enc=$2 auth=$3 mode=$4 spi=$5 src dst srcip dstip
	local xab xba xeab xeba cenc cdec out why=

	al=$(auth_keylen "$ah")
	AH_AB=$spi AH_BA=$((spi + 1))
	K_AB=$(hexkey "$al") K_BA=$(hexkey "$al")
	if [ "$enc" != - ]; then
		esp_case_keys "$enc" "$auth" $((spi + 500))
	fi
	xfrm_ah_case "$ah" "$enc" "$auth" "$mode" || { echo "xfrm setup failed"; return 1; }
	cm_ah_case "$ah" "$enc" "$auth" "$mode" || { echo "cryptomap config failed"; return 1; }

	if [ "$mode" = tunnel ]; then
		src=$hostA dst=$hostB srcip=$LAB_HOSTA_IP dstip=$LAB_HOSTB_IP
	else
		src=$gwA dst=$gwB srcip=$LAB_GWA_WAN_IP dstip=$LAB_GWB_WAN_IP
	fi
	ip netns exec "$src" ping -q -c 2 -i 0.2 -W 2 "$dstip" >/dev/null ||
		why="$why ping-out"
	ip netns exec "$dst" ping -q -c 2 -i 0.2 -W 2 "$srcip" >/dev/null ||
		why="$why ping-back"
	out=$(sink_send "$src" "$SINK_DIR/$mode" "$dstip" 5001 "$DATA") ||
		why="$why tcp($out)"
	counts_settle "$AH_AB" "$AH_BA"
	echo "$mode ah-$ah esp-$enc-$auth ah spi $AH_AB/$AH_BA: cryptomap encaps $cenc decaps $cdec, xfrm in $xab out $xba"
	[ -n "$xab" ] && [ "$xab" -gt 0 ] && [ "$xab" = "$cenc" ] ||
		why="$why out-counters"
	[ -n "$xba" ] && [ "$xba" -gt 0 ] && [ "$xba" = "$cdec" ] ||
		why="$why in-counters"
	echo "ah $AH_AB $xab" >> "$EXPECT"
	echo "ah $AH_BA $xba" >> "$EXPECT"
	if [ "$enc" != - ]; then
		xeab=$(xfrm_pkts "$gwB" "$SPI_AB")
		xeba=$(xfrm_pkts "$gwB" "$SPI_BA")
		echo "  esp spi $SPI_AB/$SPI_BA: xfrm in $xeab out $xeba"
		[ "$xeab" = "$xab" ] && [ "$xeba" = "$xba" ] || why="$why esp-counters"
		# both SAs of each direction listed, with the same counts
		out=$(ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa)
		for w in "inbound esp sas" "inbound ah sas" "outbound esp sas" "outbound ah sas"; do
			grep -q "$w:" <<< "$out" || why="$why no-$w"
		done
		grep -q "spi: 0x$(printf %X "$SPI_AB")($SPI_AB)" <<< "$out" || why="$why esp-spi"
		grep -q "spi: 0x$(printf %X "$AH_AB")($AH_AB)" <<< "$out" || why="$why ah-spi"
		echo "esp $SPI_AB $xeab" >> "$EXPECT"
		echo "esp $SPI_BA $xeba" >> "$EXPECT"
	fi
	if [ -n "$why" ]; then
		echo "failed:$why"
		ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa detail |
			grep -E '#pkts|spi:|Status|sas:'
		ip -n "$gwB" -s xfrm state | grep -E 'spi|stats|replay|[0-9]\(packets'
		dmesg | grep -i cryptomap | tail -n 5
		return 1
	fi
}

SINK_DIR=$(mktemp -d)
DATA=$SINK_DIR/data
head -c 65536 /dev/urandom > "$DATA"
on_exit rm -rf "$SINK_DIR"
sink_start "$hostB" "$SINK_DIR/tunnel" 5001 || ktap_exit_fail "sink hostB"
sink_start "$gwB" "$SINK_DIR/transport" 5001 || ktap_exit_fail "sink gwB"

base=3000
for mode in $MODES; do
	pcap=/tmp/ah_xfrm_$mode.pcap
	EXPECT=/tmp/ah_xfrm_$mode.expect
	: > "$EXPECT"
	capture_start "$gwA" wan0 "$pcap"
	for c in $(mode_cases "$mode"); do
		IFS=: read -r ah enc auth <<< "$c"
		base=$((base + 2))
		out=$(run_case "$ah" "$enc" "$auth" "$mode" $base 2>&1)
		rc=$?
		name="$mode $(ah_ios "$ah")"
		[ "$enc" != - ] && name="$name $(enc_ios "$enc") $(auth_ios "$auth")"
		ktap_result "$name" $rc
		printf '%s\n' "$out" | ktap_diag
	done
	capture_stop
	$PY "$ESP_TOOL" pcap "$pcap" > "$pcap.txt"
	bad=0
	while read -r proto spi n; do
		got=$(awk -v p="$proto" -v s="$spi" '$1 == p && $4 == s { print $5 }' "$pcap.txt")
		[ "${got:-0}" = "$n" ] || { echo "# $proto spi $spi: $got on the wire, $n counted"; bad=1; }
	done < "$EXPECT"
	grep 'frag' "$pcap.txt" | sed 's/^/(outer fragments) /' | ktap_diag
	if grep -q '^clear' "$pcap.txt"; then
		grep '^clear' "$pcap.txt" | ktap_diag
		bad=1
	fi
	ktap_result "$mode: the WAN carries AH with the counted SPIs only" $bad
done

ktap_finish
