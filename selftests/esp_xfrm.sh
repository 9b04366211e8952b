#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP on the wire against Linux XFRM: cryptomap (ipsec-manual) on gwA,
# `ip xfrm state/policy` with the same SPIs and keys on gwB, for every
# ESP transform combination, in tunnel mode (LAN A <-> LAN B through the
# gateways) and transport mode (gwA <-> gwB).  Each case: ping both ways,
# a TCP transfer whose sha256 matches on both ends, cryptomap's counters
# equal to XFRM's; per mode, the WAN capture on gwA holds ESP with exactly
# the SPIs and packet counts of the cases and no clear packet.
#
# ESP_MODES="tunnel transport" and ESP_ENCS / ESP_AUTHS / ESP_AEADS narrow
# the matrix (default: all); ESP_CASES="enc:auth ..." (an AEAD as
# "gcm128:none") names the cases instead (.ci/run: a subset on 6.12).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

MODES=${ESP_MODES:-tunnel transport}
ENCS=${ESP_ENCS:-null des 3des aes128 aes192 aes256}
AUTHS=${ESP_AUTHS:-md5 sha sha256 sha384 sha512}
AEADS=${ESP_AEADS:-gcm128 gcm192 gcm256 gmac128 gmac192 gmac256}

cases=()
for e in $ENCS; do
	for a in $AUTHS; do
		cases+=("$e:$a")
	done
done
for e in $AEADS; do
	cases+=("$e:none")
done
if [ -n "${ESP_CASES:-}" ]; then
	read -r -a cases <<< "$ESP_CASES"
fi

nmodes=$(echo $MODES | wc -w)

ktap_header
ktap_plan $((nmodes * (${#cases[@]} + 1) + 1))

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

# run_case MODE ENC AUTH SPI: one transform combination
run_case() {
	local mode=$1 enc=$2 auth=$3 spi=$4 src dst srcip dstip
	local xab xba cenc cdec out why=

	esp_case_keys "$enc" "$auth" "$spi"
	xfrm_gwB "$enc" "$auth" "$mode" || { echo "xfrm setup failed"; return 1; }
	cm_gwA_case "$enc" "$auth" "$mode" || { echo "cryptomap config failed"; return 1; }

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
	counts_settle "$SPI_AB" "$SPI_BA"
	echo "$mode $enc $auth spi $SPI_AB/$SPI_BA: cryptomap encaps $cenc decaps $cdec, xfrm in $xab out $xba"
	[ -n "$xab" ] && [ "$xab" -gt 0 ] && [ "$xab" = "$cenc" ] ||
		why="$why out-counters"
	[ -n "$xba" ] && [ "$xba" -gt 0 ] && [ "$xba" = "$cdec" ] ||
		why="$why in-counters"
	echo "$SPI_AB $xab" >> "$EXPECT"
	echo "$SPI_BA $xba" >> "$EXPECT"
	if [ -n "$why" ]; then
		echo "failed:$why"
		ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa detail |
			grep -E '#pkts|spi:|Status'
		ip -n "$gwB" -s xfrm state | grep -E 'spi|stats|replay|[0-9]\(packets'
		dmesg | grep -i cryptomap | tail -n 5
		ip netns exec "$gwA" "$CRYPTOMAP" show running-config | grep -v '^!'
		return 1
	fi
}

# One TCP sink per receiving end for the whole run; the data is sent with
# bash's /dev/tcp, so that no interpreter starts per case.
SINK_DIR=$(mktemp -d)
DATA=$SINK_DIR/data
head -c 65536 /dev/urandom > "$DATA"
on_exit rm -rf "$SINK_DIR"
sink_start "$hostB" "$SINK_DIR/tunnel" 5001 || ktap_exit_fail "sink hostB"
sink_start "$gwB" "$SINK_DIR/transport" 5001 || ktap_exit_fail "sink gwB"

base=1000
for mode in $MODES; do
	pcap=/tmp/esp_xfrm_$mode.pcap
	EXPECT=/tmp/esp_xfrm_$mode.expect
	: > "$EXPECT"
	capture_start "$gwA" wan0 "$pcap"
	for c in "${cases[@]}"; do
		enc=${c%%:*} auth=${c#*:}
		base=$((base + 2))
		out=$(run_case "$mode" "$enc" "$auth" $base 2>&1)
		rc=$?
		ktap_result "$mode $(enc_ios "$enc") $(auth_ios "$auth")" $rc
		printf '%s\n' "$out" | ktap_diag
	done
	capture_stop
	# The wire: every SPI with the count XFRM saw, nothing in clear.
	$PY "$ESP_TOOL" pcap "$pcap" > "$pcap.txt"
	bad=0
	while read -r spi n; do
		got=$(awk -v s="$spi" '$1 == "esp" && $4 == s { print $5 }' "$pcap.txt")
		[ "${got:-0}" = "$n" ] || { echo "# spi $spi: $got on the wire, $n counted"; bad=1; }
	done < "$EXPECT"
	grep '^espfrag' "$pcap.txt" | sed 's/^/(outer fragments) /' | ktap_diag
	if grep -q '^clear' "$pcap.txt"; then
		grep '^clear' "$pcap.txt" | ktap_diag
		bad=1
	fi
	ktap_result "$mode: the WAN carries ESP with the counted SPIs only" $bad
done

ktap_finish
