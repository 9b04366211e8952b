#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extended sequence numbers (RFC 4303 2.2.1, RFC 4302 2.5.1) against
# Linux XFRM: cryptomap on gwA (an ipsec-isakmp entry whose SAs are
# installed here through SA_ADD with the esn flag, as a keying daemon
# does), `ip xfrm state ... flag esn` on gwB with the same SPIs and keys.
# Both sides start their outbound SAs just below 2^32 (SA_ADD's oseq,
# XFRM's replay-oseq), so that the pings of each case cross the boundary
# both ways; the high 32 bits are never on the wire, only in the ICV.
# For ESP esp-aes 256 esp-sha256-hmac (authencesn), ESP esp-gcm 256 (the
# high bits in the AAD, RFC 4106 5) and AH ah-sha256-hmac, each:
#  - every ping answered, cryptomap's encaps/decaps equal XFRM's packets;
#  - XFRM's inbound seq-hi and outbound oseq-hi are 1;
#  - cryptomap's show crypto ipsec sa says ESN and high bits 1 both ways;
#  - two packets of gwB's, one from before the boundary (high bits 0) and
#    one after (1), captured and sent again: both dropped as replays.
#
# Then (case "manual") an ipsec-manual entry with `set security-association
# esn` (a cryptomap extension) against XFRM with flag esn, numbers from 1:
#  - running-config and show crypto map show the line; every ping answered,
#    counters equal XFRM's, show crypto ipsec sa says ESN both ways;
#  - XFRM without flag esn: the ICVs differ (ESN's covers seq_hi, 0 here),
#    no ping answered, cryptomap counts auth failures;
#  - no set security-association esn: the SAs are installed again without
#    ESN, and the pings pass against XFRM without esn.
#
# SA_ESN_PINGS (default 24) pings a case; SA_ESN_CASES narrows the cases
# (the runner passes SA_* to the guest).

# shellcheck disable=SC1091,SC2154,SC2034 # lib.sh, the namespaces it names, sa_esn_lib.sh's variables
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"
. "$(dirname "$0")/sa_esn_lib.sh"

PINGS=${SA_ESN_PINGS:-24}
CASES=${SA_ESN_CASES:-aes256:sha256 gcm256:- ah:sha256 manual}
START=$((0x100000000 - PINGS / 2))	# last number used: half cross 2^32
MANUAL_CHECKS=5

ktap_header
n_keyed=$(tr ' ' '\n' <<< "$CASES" | grep -vc '^manual$')
if grep -qw manual <<< "$CASES"; then
	ktap_plan $((2 + 5 * n_keyed + MANUAL_CHECKS))
else
	ktap_plan $((2 + 5 * n_keyed))
fi

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"

check "gwA: ipsec-isakmp entry with three transform sets" cm_cfg "$gwA" <<-EOF
	access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
	crypto ipsec transform-set TA esp-aes 256 esp-sha256-hmac
	crypto ipsec transform-set TG esp-gcm 256
	crypto ipsec transform-set TH ah-sha256-hmac
	crypto map VPN 10 ipsec-isakmp
	 match address 101
	 set peer $LAB_GWB_WAN_IP
	 set transform-set TA TG TH
	 set security-association replay window-size 128
	interface wan0
	 crypto map VPN
EOF

# manual_pings NS IP: ping IP from NS; the received count
manual_pings() {
	ip netns exec "$1" ping -q -c "$PINGS" -i 0.1 -W 1 "$2" 2>&1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# manual_case ESN_LINE: gwA's ipsec-manual entry VPN 5 (before the
# ipsec-isakmp 10), TA with new keys, ESN_LINE (the esn line or its no)
manual_case() {
	ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa >/dev/null 2>&1
	cm_cfg "$gwA" <<-EOF
		access-list 102 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
		crypto map VPN 5 ipsec-manual
		 match address 102
		 set peer $LAB_GWB_WAN_IP
		 set transform-set TA
		 $1
		$(session_key inbound "$SPI_BA" "$C_BA" "$A_BA")
		$(session_key outbound "$SPI_AB" "$C_AB" "$A_AB")
	EOF
}

run_manual() {
	local n n2 out xab xba cenc cdec fail0 fail1
	esp_case_keys aes256 sha256 7100

	manual_case "set security-association esn" ||
		{ echo "config failed"; return 1; }
	ip netns exec "$gwA" "$CRYPTOMAP" show running-config |
		sed -n '/^crypto map VPN 5 /,/^!/p'
	ip netns exec "$gwA" "$CRYPTOMAP" show crypto map tag VPN |
		grep -E '^Crypto Map|Extended sequence'
	RES_M_CFG=1
	ip netns exec "$gwA" "$CRYPTOMAP" show running-config |
		sed -n '/^crypto map VPN 5 /,/^!/p' |
		grep -qx ' set security-association esn' &&
	[ "$(ip netns exec "$gwA" "$CRYPTOMAP" show crypto map tag VPN |
		grep -c 'Extended sequence numbers (Y/N): Y')" = 1 ] && RES_M_CFG=

	START=0 xfrm_esn - aes256 sha256 tunnel || { echo "xfrm setup failed"; return 1; }
	n=$(manual_pings "$hostA" "$LAB_HOSTB_IP")
	xab=$(xfrm_pkts "$gwB" "$SPI_AB")
	xba=$(xfrm_pkts "$gwB" "$SPI_BA")
	cenc=$(cm_counter "$gwA" encaps)
	cdec=$(cm_counter "$gwA" decaps)
	echo "esn both sides: $n/$PINGS answered; cryptomap encaps $cenc decaps $cdec, xfrm in $xab out $xba, xfrm seq-hi $(xfrm_hi "$SPI_AB" seq-hi)"
	RES_M_TRAFFIC=1
	[ "$n" = "$PINGS" ] && [ "$xab" = "$PINGS" ] && [ "$cenc" = "$PINGS" ] &&
	[ "$xba" = "$PINGS" ] && [ "$cdec" = "$PINGS" ] && RES_M_TRAFFIC=
	out=$(ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa)
	grep -E 'spi:|in use settings' <<< "$out"
	RES_M_SHOW=1
	[ "$(grep -c 'in use settings ={Tunnel, ESN, }' <<< "$out")" = 2 ] &&
		RES_M_SHOW=

	# gwA's SAs keep their numbers: gwB's go on above gwA's window (so
	# that gwA reaches the ICV), gwB's inbound expects gwA's next ones
	fail0=$(sa_counter "#pkts verify failed")
	XFRM_ISEQ=0 XFRM_OSEQ=1000 XFRM_ESN='' xfrm_esn - aes256 sha256 tunnel ||
		{ echo "xfrm setup failed"; return 1; }
	n=$(manual_pings "$hostA" "$LAB_HOSTB_IP")
	n2=$(manual_pings "$hostB" "$LAB_HOSTA_IP")
	fail1=$(sa_counter "#pkts verify failed")
	echo "xfrm without esn: A->B $n/$PINGS and B->A $n2/$PINGS answered; cryptomap verify failed $fail0 -> $fail1"
	ip -n "$gwB" -s xfrm state list spi "$SPI_AB" | grep -E 'integrity|replay-window|replay '
	RES_M_MISMATCH=1
	[ "$n" = 0 ] && [ "$n2" = 0 ] &&
	[ "$((${fail1:-0} - ${fail0:-0}))" = "$PINGS" ] && RES_M_MISMATCH=

	manual_case "no set security-association esn" ||
		{ echo "config failed"; return 1; }
	START=0 XFRM_ESN='' xfrm_esn - aes256 sha256 tunnel ||
		{ echo "xfrm setup failed"; return 1; }
	n=$(manual_pings "$hostA" "$LAB_HOSTB_IP")
	out=$(ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa)
	echo "no set security-association esn, xfrm without esn: $n/$PINGS answered"
	grep -E 'in use settings' <<< "$out"
	RES_M_NO=1
	[ "$n" = "$PINGS" ] && ! grep -q ESN <<< "$out" &&
		! ip netns exec "$gwA" "$CRYPTOMAP" show running-config |
			grep -q 'security-association esn' && RES_M_NO=
	return 0
}

spi=7000
for c in $CASES; do
	IFS=: read -r enc auth <<< "$c"
	if [ "$enc" = manual ]; then
		RES_M_CFG=1 RES_M_TRAFFIC=1 RES_M_SHOW=1 RES_M_MISMATCH=1 RES_M_NO=1
		t0=$SECONDS
		run_manual > "$TMP/out" 2>&1
		echo "case took $((SECONDS - t0)) s" >> "$TMP/out"
		ktap_result "manual: set security-association esn in running-config and show crypto map" "${RES_M_CFG:-0}"
		ktap_result "manual: $PINGS pings with XFRM flag esn, counters equal XFRM's" "${RES_M_TRAFFIC:-0}"
		ktap_result "manual: show crypto ipsec sa: ESN both ways" "${RES_M_SHOW:-0}"
		ktap_result "manual: XFRM without flag esn: no ping answered, ICVs fail" "${RES_M_MISMATCH:-0}"
		ktap_result "manual: no set security-association esn: SAs without ESN talk to XFRM without esn" "${RES_M_NO:-0}"
		ktap_diag < "$TMP/out"
		continue
	fi
	spi=$((spi + 2))
	if [ "$enc" = ah ]; then
		set -- "$auth" - - TH
	elif [ "$auth" = - ]; then
		set -- - "$enc" - TG
	else
		set -- - "$enc" "$auth" TA
	fi
	name=$(esn_case_name "$1" "$2" "$3")
	RES_TRAFFIC=1 RES_XFRM_HI=1 RES_SHOW=1 RES_REPLAY=1
	t0=$SECONDS
	esn_case "$1" "$2" "$3" tunnel "$spi" "$4" > "$TMP/out" 2>&1
	echo "case took $((SECONDS - t0)) s" >> "$TMP/out"
	esn_report "$name"
done

ktap_finish
