# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # the namespaces lib.sh names
#
# Shared by sa_esn and sa_esn_modes (sourced after lib.sh and
# esp_common.sh): one extended-sequence-number case against Linux XFRM.
# gwA has crypto map VPN 10 ipsec-isakmp with the case's transform set;
# its SAs are installed through SA_ADD with the esn flag, as a keying
# daemon does, the outbound ones numbering from $START; gwB has the same
# SAs as XFRM states with flag esn, its outbound ones from $START too.
# The caller sets PINGS and START (so that the pings cross 2^32 both
# ways) and TMP (a scratch directory).

ESN_P=/sys/module/cryptomap/parameters

# sa_add TSET DIR:PROTO:SPI:CIPHERHEX:AUTHHEX...: SA_ADD on gwA for crypto
# map VPN 10, esn, the outbound SAs starting after $START
sa_add() {
	ip netns exec "$gwA" python3 - "$SELFTESTS" "$START" "$@" <<-'EOF'
		import sys
		sys.path.insert(0, sys.argv[1])
		from nl import C, K, Genl, key
		start, tset = int(sys.argv[2]), sys.argv[3]
		A = lambda n: C['CRYPTOMAP_SA_A_' + n]
		keys = []
		for spec in sys.argv[4:]:
		    d, proto, spi, ck, ak = spec.split(':')
		    k = key(d, proto, int(spi), bytes.fromhex(ck) if ck else None,
		            bytes.fromhex(ak) if ak else None)
		    # the entry's key nests, renumbered as SA_ADD's key attribute
		    keys.append(K.tlv(A('KEY') | 0x8000, k[4:]))
		Genl().do('CRYPTOMAP_CMD_SA_ADD', K.s(A('MAP'), 'VPN'),
		          K.u32(A('SEQ'), 10), K.s(A('TSET'), tset), *keys,
		          K.tlv(A('OSEQ'), start.to_bytes(8, sys.byteorder)),
		          K.flag(A('ESN')))
	EOF
}

# xfrm_esn_opts: XFRM_AB_OPTS and XFRM_BA_OPTS for esp_common.sh's gwB
# (flag esn, outbound numbering from $START, inbound expecting it);
# XFRM_ESN= for plain 32-bit states, XFRM_ISEQ/XFRM_OSEQ for other
# starting numbers
xfrm_esn_opts() {
	local esn="${XFRM_ESN-flag esn} replay-window 128"
	XFRM_AB_OPTS="$esn replay-seq ${XFRM_ISEQ:-$START}"
	XFRM_BA_OPTS="$esn replay-oseq ${XFRM_OSEQ:-$START}"
}

# xfrm_esn AH ENC AUTH MODE: gwB's states and policies for the case
xfrm_esn() {
	# shellcheck disable=SC2034 # esp_common.sh's
	local XFRM_AB_OPTS XFRM_BA_OPTS
	xfrm_esn_opts
	if [ "$1" = - ]; then
		xfrm_gwB "$2" "$3" "$4"
	else
		xfrm_ah_case "$@"
	fi
}

# xfrm_hi SPI FIELD: seq-hi or oseq-hi of gwB's state SPI, as a number
xfrm_hi() {
	local v
	v=$(ip -n "$gwB" -s xfrm state list spi "$1" |
		sed -n "s/.*[ ,]$2 \(0x[0-9a-f]*\).*/\1/p" | head -n1)
	echo $((${v:-0}))
}

# resend PCAP SEQ...: gwB's ESP or AH frames captured on gwA's wan0 whose
# low sequence numbers (the outer header's) are SEQ go again onto gwB's
# end of the link, as they were: past gwB's XFRM (whose transport policy
# would protect them once more)
resend() {
	local f=$1
	shift
	ip netns exec "$gwB" python3 - "$f" "$LAB_GWB_WAN_IP" "$@" <<-'EOF'
		import socket, struct, sys, time
		data, src = open(sys.argv[1], 'rb').read(), socket.inet_aton(sys.argv[2])
		want = {int(v) for v in sys.argv[3:]}
		s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
		s.bind(('wan0', 0))
		off, n, seen = 24, 0, 0
		while off + 16 <= len(data):
		    incl = struct.unpack_from('=I', data, off + 8)[0]
		    frame = data[off + 16:off + 16 + incl]
		    p = frame[14:]	# after Ethernet
		    off += 16 + incl
		    ihl = (p[0] & 15) * 4
		    if p[12:16] != src or p[9] not in (50, 51):
		        continue
		    seen += 1
		    o = ihl + (4 if p[9] == 50 else 8)
		    seq = int.from_bytes(p[o:o + 4], 'big')
		    if seq in want:
		        s.send(frame)
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

# sa_in_stats SPI: "REPLAY_FAILED DECAPS" of gwA's inbound SA SPI, from
# SA_GET (show crypto ipsec sa shows a bundle's ESP SA, not its AH SA)
sa_in_stats() {
	ip netns exec "$gwA" python3 - "$SELFTESTS" "$1" <<-'EOF'
		import struct, sys
		sys.path.insert(0, sys.argv[1])
		from nl import C, Genl
		A = lambda n: C['CRYPTOMAP_SA_A_' + n]
		S = lambda st, n: struct.unpack('=Q', st[C['CRYPTOMAP_SA_STATS_' + n]][:8])[0]
		for sa in Genl().dump('CRYPTOMAP_CMD_SA_GET'):
		    if sa.u32(A('SPI')) == int(sys.argv[2]) and \
		            sa.u8(A('DIR')) == C['CRYPTOMAP_DIR_IN']:
		        st = sa.nest(A('STATS'))
		        print(S(st, 'REPLAY_FAILED'), S(st, 'ENCAPS'))
	EOF
}

# esn_case_name AH ENC AUTH: the transform set as IOS writes it
esn_case_name() {
	local n=
	[ "$1" != - ] && n=$(ah_ios "$1")
	if [ "$2" != - ]; then
		n="${n:+$n }$(enc_ios "$2")"
		[ "$3" != - ] && n="$n $(auth_ios "$3")"
	fi
	echo "$n"
}

# esn_case AH ENC AUTH MODE SPI TSET: one case, AH "-" for ESP alone,
# ENC "-" for AH alone, AUTH "-" for an AEAD; gwA's crypto map VPN 10 has
# transform set TSET of that mode.  Tunnel: hostA pings hostB; transport:
# gwA pings gwB's WAN address.  Its checks set RES_TRAFFIC, RES_XFRM_HI,
# RES_SHOW, RES_REPLAY (and with ESN_ASYNC=1, RES_ASYNC: every packet went
# through the asynchronous completion of each of its transforms), empty
# when they pass.  The ESP SPIs are SPI and SPI + 1, AH's SPI + 50 and 51.
esn_case() {
	local ah=$1 enc=$2 auth=$3 mode=$4 spi=$5 tset=$6 why='' out
	local specs=() sa_ab=() sa_ba=() s src dst mword n_sa a0 a1
	local cenc cdec pre post before after decaps0

	if [ "$enc" != - ]; then
		esp_case_keys "$enc" "${auth/-/none}" "$spi"
		specs+=("in:esp:$SPI_BA:$C_BA:$A_BA" "out:esp:$SPI_AB:$C_AB:$A_AB")
		sa_ab+=("$SPI_AB") sa_ba+=("$SPI_BA")
	fi
	if [ "$ah" != - ]; then
		AH_AB=$((spi + 50)) AH_BA=$((spi + 51))
		K_AB=$(hexkey "$(auth_keylen "$ah")")
		K_BA=$(hexkey "$(auth_keylen "$ah")")
		specs+=("in:ah:$AH_BA::$K_BA" "out:ah:$AH_AB::$K_AB")
		sa_ab+=("$AH_AB") sa_ba+=("$AH_BA")
	fi
	ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa >/dev/null 2>&1
	xfrm_esn "$ah" "$enc" "${auth/-/none}" "$mode" ||
		{ echo "xfrm setup failed"; return 1; }
	sa_add "$tset" "${specs[@]}" || { echo "SA_ADD failed"; return 1; }

	if [ "$mode" = tunnel ]; then
		src=$hostA dst=$LAB_HOSTB_IP mword=Tunnel
	else
		src=$gwA dst=$LAB_GWB_WAN_IP mword=Transport
	fi
	rm -f "$TMP/cap"
	# whole packets (capture_start's snap length cuts them)
	ip netns exec "$gwA" tcpdump -i wan0 -n -U -s 0 -w "$TMP/cap" >/dev/null 2>&1 &
	# shellcheck disable=SC2034 # capture_stop's
	CAP_PID=$! CAP_NS=$gwA CAP_IF=wan0 CAP_FILE=$TMP/cap
	busywait 30000 test -s "$TMP/cap" || { echo "tcpdump did not start"; return 1; }
	[ "${ESN_ASYNC:-}" = 1 ] && a0=$(cat "$ESN_P/async_completions")
	# The first packet waits while its pair is keyed (kmod/sa_tfm.c);
	# through cryptd (ESN_ASYNC) that took seconds on 6.12 under TCG.
	ip netns exec "$src" ping -q -c "$PINGS" -i 0.1 -W 10 "$dst" > "$TMP/ping" 2>&1
	[ "${ESN_ASYNC:-}" = 1 ] && a1=$(cat "$ESN_P/async_completions")
	capture_stop
	grep -q ' 0% packet loss' "$TMP/ping" || why="$why ping($(grep -o '[0-9]* received' "$TMP/ping"))"
	cenc=$(cm_counter "$gwA" encaps)
	cdec=$(cm_counter "$gwA" decaps)
	echo "$PINGS pings from $START, $mode: cryptomap encaps $cenc decaps $cdec"
	[ "$cenc" = "$PINGS" ] || why="$why encaps"
	[ "$cdec" = "$PINGS" ] || why="$why decaps"
	for s in "${sa_ab[@]}" "${sa_ba[@]}"; do
		n=$(xfrm_pkts "$gwB" "$s")
		echo "xfrm state $s: ${n:-?} packets"
		[ "$n" = "$PINGS" ] || why="$why xfrm-$s"
	done
	RES_TRAFFIC=${why:+1}

	if [ "${ESN_ASYNC:-}" = 1 ]; then
		# one completion per transform (AH, ESP) per packet, both ways
		n=$((a1 - a0))
		echo "async completions $n (expected ${#sa_ab[@]} x 2 x $PINGS)"
		RES_ASYNC=
		[ "$n" = $((${#sa_ab[@]} * 2 * PINGS)) ] || RES_ASYNC=1
	fi

	RES_XFRM_HI=
	for s in "${sa_ab[@]}"; do
		echo "xfrm: inbound $s seq-hi $(xfrm_hi "$s" seq-hi)"
		[ "$(xfrm_hi "$s" seq-hi)" = 1 ] || RES_XFRM_HI=1
	done
	for s in "${sa_ba[@]}"; do
		echo "xfrm: outbound $s oseq-hi $(xfrm_hi "$s" oseq-hi)"
		[ "$(xfrm_hi "$s" oseq-hi)" = 1 ] || RES_XFRM_HI=1
	done

	# every SA of the bundle, both ways: ESN, its mode, high bits 1
	n_sa=$((2 * ${#sa_ab[@]}))
	out=$(ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa)
	grep -E 'spi:|in use settings|esn sequence' <<< "$out"
	RES_SHOW=
	[ "$(grep -c "in use settings ={$mword, ESN, }" <<< "$out")" = "$n_sa" ] &&
	[ "$(grep -c 'esn sequence number (hi/lo): 1/' <<< "$out")" = "$n_sa" ] ||
		RES_SHOW=1

	# gwB's packets: the last before 2^32 and the second after it,
	# dropped by the outer SA (AH's in a bundle) as replays
	pre=$((0xFFFFFFFF)) post=2
	echo "resending gwB's seq $pre (high 0) and $post (high 1) to SA ${sa_ba[-1]}"
	before=$(sa_in_stats "${sa_ba[-1]}")
	decaps0=$(cm_counter "$gwA" decaps)
	resend "$TMP/cap" "$pre" "$post"
	after=$(sa_in_stats "${sa_ba[-1]}")
	echo "SA ${sa_ba[-1]}: replay failed, decaps ${before:-?} -> ${after:-?}; cryptomap decaps $decaps0 -> $(cm_counter "$gwA" decaps)"
	RES_REPLAY=1
	# shellcheck disable=SC2086 # two numbers each
	set -- $before $after
	[ $# = 4 ] && [ "$3" = $(($1 + 2)) ] && [ "$4" = "$2" ] &&
	[ "$(cm_counter "$gwA" decaps)" = "$decaps0" ] && RES_REPLAY=
	[ -z "$RES_TRAFFIC$RES_XFRM_HI$RES_SHOW$RES_REPLAY${RES_ASYNC:-}" ] && return 0
	ip -n "$gwB" -s xfrm state | grep -E 'spi|esn|seq|replay|[0-9]\(packets'
	dmesg | grep -i crypto | tail -n 5
	return 0
}

# esn_report NAME: esn_case's results (run into $TMP/out) as KTAP
esn_report() {
	ktap_result "$1: $PINGS pings across 2^32 both ways, counters equal XFRM's" "${RES_TRAFFIC:-0}"
	ktap_result "$1: XFRM's seq-hi and oseq-hi are 1" "${RES_XFRM_HI:-0}"
	ktap_result "$1: show crypto ipsec sa: ESN, high bits 1 both ways" "${RES_SHOW:-0}"
	ktap_result "$1: replays from before and after 2^32 dropped" "${RES_REPLAY:-0}"
	[ "${ESN_ASYNC:-}" = 1 ] &&
		ktap_result "$1: every packet through cryptd, one completion per transform" "${RES_ASYNC:-0}"
	ktap_diag < "$TMP/out"
	check "$1: no WARN in dmesg" bash -c '! dmesg | grep -qE "WARNING:|BUG:"'
}
