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

# shellcheck disable=SC1091,SC2154 # lib.sh, and the namespaces it names
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

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

# sa_add PROTO TSET SPI_IN SPI_OUT CK_IN AK_IN CK_OUT AK_OUT: SA_ADD on
# gwA, esn, the outbound SA starting after $START
sa_add() {
	ip netns exec "$gwA" python3 - "$SELFTESTS" "$START" "$@" <<-'EOF'
		import sys
		sys.path.insert(0, sys.argv[1])
		from nl import C, K, Genl, key
		start, proto, tset = int(sys.argv[2]), sys.argv[3], sys.argv[4]
		spi_in, spi_out = int(sys.argv[5]), int(sys.argv[6])
		h = lambda v: bytes.fromhex(v) if v else None
		ck_in, ak_in, ck_out, ak_out = (h(v) for v in sys.argv[7:11])
		A = lambda n: C['CRYPTOMAP_SA_A_' + n]
		kin = key('in', proto, spi_in, ck_in, ak_in)
		kout = key('out', proto, spi_out, ck_out, ak_out)
		# the entry's key nests, renumbered as SA_ADD's key attribute
		renum = lambda b: K.tlv(A('KEY') | 0x8000, b[4:])
		Genl().do('CRYPTOMAP_CMD_SA_ADD', K.s(A('MAP'), 'VPN'),
		          K.u32(A('SEQ'), 10), K.s(A('TSET'), tset),
		          renum(kin), renum(kout),
		          K.tlv(A('OSEQ'), start.to_bytes(8, sys.byteorder)),
		          K.flag(A('ESN')))
	EOF
}

# xfrm_esn PROTO ALG_AB ALG_BA: gwB's states (esn, outbound numbering
# from $START, inbound expecting it) and tunnel policies; XFRM_ESN= for
# plain 32-bit states, XFRM_ISEQ/XFRM_OSEQ for other starting numbers
xfrm_esn() {
	local p=$1 esn="${XFRM_ESN-flag esn} replay-window 128"
	{
		echo "xfrm state flush"
		echo "xfrm policy flush"
		echo "xfrm state add src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto $p spi $SPI_AB mode tunnel $2 $esn replay-seq ${XFRM_ISEQ:-$START}"
		echo "xfrm state add src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto $p spi $SPI_BA mode tunnel $3 $esn replay-oseq ${XFRM_OSEQ:-$START}"
		echo "xfrm policy add src $LAB_LANB_NET dst $LAB_LANA_NET dir out tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto $p spi $SPI_BA mode tunnel"
		echo "xfrm policy add src $LAB_LANA_NET dst $LAB_LANB_NET dir fwd tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto $p mode tunnel"
		echo "xfrm policy add src $LAB_LANA_NET dst $LAB_LANB_NET dir in tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto $p mode tunnel"
	} | ip -n "$gwB" -batch -
}

# xfrm_hi SPI FIELD: seq-hi or oseq-hi of gwB's state SPI, as a number
xfrm_hi() {
	ip -n "$gwB" -s xfrm state list spi "$1" |
		sed -n "s/.*[ ,]$2 \(0x[0-9a-f]*\).*/\1/p" | head -n1
}

# resend PCAP SEQ...: gwB sends gwB's ESP or AH packets captured on gwA's
# wan0 whose low sequence numbers are SEQ again, as they were
resend() {
	local f=$1
	shift
	ip netns exec "$gwB" python3 - "$f" "$LAB_GWB_WAN_IP" "$@" <<-'EOF'
		import socket, struct, sys, time
		data, src = open(sys.argv[1], 'rb').read(), socket.inet_aton(sys.argv[2])
		want = {int(v) for v in sys.argv[3:]}
		s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
		off, n, seen = 24, 0, 0
		while off + 16 <= len(data):
		    incl = struct.unpack_from('=I', data, off + 8)[0]
		    p = data[off + 16 + 14:off + 16 + incl]	# after Ethernet
		    off += 16 + incl
		    ihl = (p[0] & 15) * 4
		    if p[12:16] != src or p[9] not in (50, 51):
		        continue
		    seen += 1
		    o = ihl + (4 if p[9] == 50 else 8)
		    seq = int.from_bytes(p[o:o + 4], 'big')
		    if seq in want:
		        s.sendto(p, (socket.inet_ntoa(p[16:20]), 0))
		        want.discard(seq)
		        n += 1
		        time.sleep(0.05)
		print('captured %d packets of gwB, resent %d' % (seen, n))
		sys.exit(0 if n == len(sys.argv) - 3 else 1)
	EOF
	sleep 0.5
}

# sa_counter TEXT: the number after "TEXT" in show crypto ipsec sa detail
sa_counter() {
	ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa detail |
		sed -n "s/.*$1[: ]*\([0-9][0-9]*\).*/\1/p" | head -n1
}

run_case() {
	local enc=$1 auth=$2 spi=$3 proto tset alg_ab alg_ba out why=
	local xab xba cenc cdec shi ohi replays0 decaps0 pre post

	if [ "$enc" = ah ]; then
		proto=ah tset=TH
		SPI_AB=$spi SPI_BA=$((spi + 1))
		C_AB='' C_BA=''
		A_AB=$(hexkey "$(auth_keylen "$auth")")
		A_BA=$(hexkey "$(auth_keylen "$auth")")
		alg_ab=$(ah_xfrm_alg "$auth" "$A_AB")
		alg_ba=$(ah_xfrm_alg "$auth" "$A_BA")
	else
		proto=esp tset=TA
		[ "$auth" = - ] && { auth=none tset=TG; }
		esp_case_keys "$enc" "$auth" "$spi"
		alg_ab=$(xfrm_algs "$enc" "$auth" "$C_AB" "$A_AB")
		alg_ba=$(xfrm_algs "$enc" "$auth" "$C_BA" "$A_BA")
	fi
	ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa >/dev/null 2>&1
	xfrm_esn "$proto" "$alg_ab" "$alg_ba" ||
		{ echo "xfrm setup failed"; return 1; }
	sa_add "$proto" "$tset" "$SPI_BA" "$SPI_AB" "$C_BA" "$A_BA" "$C_AB" "$A_AB" ||
		{ echo "SA_ADD failed"; return 1; }

	rm -f "$TMP/cap"
	# whole packets (capture_start's snap length cuts them)
	ip netns exec "$gwA" tcpdump -i wan0 -n -U -s 0 -w "$TMP/cap" >/dev/null 2>&1 &
	# shellcheck disable=SC2034 # capture_stop's
	CAP_PID=$!
	busywait 5000 test -s "$TMP/cap" || { echo "tcpdump did not start"; return 1; }
	ip netns exec "$hostA" ping -q -c "$PINGS" -i 0.1 -W 2 "$LAB_HOSTB_IP" > "$TMP/ping" 2>&1
	capture_stop
	grep -q ' 0% packet loss' "$TMP/ping" || why="$why ping($(grep -o '[0-9]* received' "$TMP/ping"))"
	xab=$(xfrm_pkts "$gwB" "$SPI_AB")
	xba=$(xfrm_pkts "$gwB" "$SPI_BA")
	cenc=$(cm_counter "$gwA" encaps)
	cdec=$(cm_counter "$gwA" decaps)
	echo "$PINGS pings from $START: cryptomap encaps $cenc decaps $cdec, xfrm in $xab out $xba"
	[ "$xab" = "$PINGS" ] && [ "$cenc" = "$PINGS" ] || why="$why out-counters"
	[ "$xba" = "$PINGS" ] && [ "$cdec" = "$PINGS" ] || why="$why in-counters"
	RES_TRAFFIC=${why:+1}

	why=
	shi=$(xfrm_hi "$SPI_AB" seq-hi)
	ohi=$(xfrm_hi "$SPI_BA" oseq-hi)
	echo "xfrm: inbound $SPI_AB seq-hi ${shi:-?}, outbound $SPI_BA oseq-hi ${ohi:-?}"
	[ "$((${shi:-0}))" = 1 ] && [ "$((${ohi:-0}))" = 1 ] || why=1
	RES_XFRM_HI=$why

	out=$(ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa)
	grep -E 'spi:|in use settings|esn sequence' <<< "$out"
	RES_SHOW=
	[ "$(grep -c 'in use settings ={Tunnel, ESN, }' <<< "$out")" = 2 ] &&
	[ "$(grep -c 'esn sequence number (hi/lo): 1/' <<< "$out")" = 2 ] ||
		RES_SHOW=1

	# gwB's packets: the last before 2^32 and the second after it
	pre=$((0xFFFFFFFF)) post=2
	echo "resending gwB's seq $pre (high 0) and $post (high 1)"
	replays0=$(sa_counter "#pkts replay failed (rcv)")
	decaps0=$(sa_counter "#pkts decaps")
	resend "$TMP/cap" "$pre" "$post"
	RES_REPLAY=
	echo "replay failed $replays0 -> $(sa_counter "#pkts replay failed (rcv)"), decaps $decaps0 -> $(sa_counter "#pkts decaps")"
	[ "$(sa_counter "#pkts replay failed (rcv)")" = $((replays0 + 2)) ] &&
	[ "$(sa_counter "#pkts decaps")" = "$decaps0" ] || RES_REPLAY=1
	[ -z "$RES_TRAFFIC$RES_XFRM_HI$RES_SHOW$RES_REPLAY" ] && return 0
	ip -n "$gwB" -s xfrm state | grep -E 'spi|esn|seq|replay|[0-9]\(packets'
	dmesg | grep -i crypto | tail -n 5
	return 0
}

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
	local ab ba n n2 out xab xba cenc cdec fail0 fail1
	esp_case_keys aes256 sha256 7100
	ab=$(xfrm_algs aes256 sha256 "$C_AB" "$A_AB")
	ba=$(xfrm_algs aes256 sha256 "$C_BA" "$A_BA")

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

	START=0 xfrm_esn esp "$ab" "$ba" || { echo "xfrm setup failed"; return 1; }
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
	XFRM_ISEQ=0 XFRM_OSEQ=1000 XFRM_ESN='' xfrm_esn esp "$ab" "$ba" ||
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
	START=0 XFRM_ESN='' xfrm_esn esp "$ab" "$ba" ||
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
		name="ah-$auth-hmac"
	elif [ "$auth" = - ]; then
		name=$(enc_ios "$enc")
	else
		name="$(enc_ios "$enc") $(auth_ios "$auth")"
	fi
	RES_TRAFFIC=1 RES_XFRM_HI=1 RES_SHOW=1 RES_REPLAY=1
	t0=$SECONDS
	run_case "$enc" "$auth" "$spi" > "$TMP/out" 2>&1
	echo "case took $((SECONDS - t0)) s" >> "$TMP/out"
	ktap_result "$name: $PINGS pings across 2^32 both ways, counters equal XFRM's" "${RES_TRAFFIC:-0}"
	ktap_result "$name: XFRM's seq-hi and oseq-hi are 1" "${RES_XFRM_HI:-0}"
	ktap_result "$name: show crypto ipsec sa: ESN, high bits 1 both ways" "${RES_SHOW:-0}"
	ktap_result "$name: replays from before and after 2^32 dropped" "${RES_REPLAY:-0}"
	ktap_diag < "$TMP/out"
	check "$name: no WARN in dmesg" bash -c '! dmesg | grep -qE "WARNING:|BUG:"'
done

ktap_finish
