# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by the ESP data path tests (sourced after lib.sh): transforms,
# keys, the cryptomap side on gwA, the Linux XFRM side on gwB, traffic
# and wire checks.

ESP_TOOL=${ESP_TOOL:-$SELFTESTS/esp_tool.py}
PY=/usr/bin/python3

# hexkey BYTES: random key material, hex without 0x
hexkey() {
	[ "$1" -gt 0 ] || return 0
	head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# The transforms.  ENC: null des 3des aes128 aes192 aes256 gcm128 gcm192
# gcm256 gmac128 gmac192 gmac256; AUTH: md5 sha sha256 sha384 sha512 none.
enc_ios() {
	case $1 in
	null) echo esp-null ;;
	des) echo esp-des ;;
	3des) echo esp-3des ;;
	aes*) echo "esp-aes ${1#aes}" ;;
	gcm*) echo "esp-gcm ${1#gcm}" ;;
	gmac*) echo "esp-gmac ${1#gmac}" ;;
	esac
}

enc_keylen() {
	case $1 in
	null) echo 0 ;;
	des) echo 8 ;;
	3des) echo 24 ;;
	aes*) echo $((${1#aes} / 8)) ;;
	gcm*) echo $((${1#gcm} / 8 + 4)) ;;
	gmac*) echo $((${1#gmac} / 8 + 4)) ;;
	esac
}

auth_ios() {
	case $1 in
	md5) echo esp-md5-hmac ;;
	sha) echo esp-sha-hmac ;;
	sha256|sha384|sha512) echo "esp-$1-hmac" ;;
	none) echo "" ;;
	esac
}

auth_keylen() {
	case $1 in
	md5) echo 16 ;;
	sha) echo 20 ;;
	sha256) echo 32 ;;
	sha384) echo 48 ;;
	sha512) echo 64 ;;
	*) echo 0 ;;
	esac
}

# xfrm_algs ENC AUTH CIPHERHEX AUTHHEX: the algorithm part of ip xfrm state
xfrm_algs() {
	local enc=$1 auth=$2 ck=$3 ak=$4 a=
	case $auth in
	md5) a="auth-trunc hmac(md5) 0x$ak 96" ;;
	sha) a="auth-trunc hmac(sha1) 0x$ak 96" ;;
	sha256) a="auth-trunc hmac(sha256) 0x$ak 128" ;;
	sha384) a="auth-trunc hmac(sha384) 0x$ak 192" ;;
	sha512) a="auth-trunc hmac(sha512) 0x$ak 256" ;;
	esac
	case $enc in
	null) echo "enc ecb(cipher_null) \"\" $a" ;;
	des) echo "enc cbc(des) 0x$ck $a" ;;
	3des) echo "enc cbc(des3_ede) 0x$ck $a" ;;
	aes*) echo "enc cbc(aes) 0x$ck $a" ;;
	gcm*) echo "aead rfc4106(gcm(aes)) 0x$ck 128" ;;
	gmac*) echo "aead rfc4543(gcm(aes)) 0x$ck 128" ;;
	esac
}

# session_key DIR SPI CIPHERHEX AUTHHEX: the IOS line
session_key() {
	local s=" set session-key $1 esp $2"
	[ -n "$3" ] && s="$s cipher $3"
	[ -n "$4" ] && s="$s authenticator $4"
	echo "$s"
}

# cm_cfg NS: apply IOS configuration from stdin in namespace NS
cm_cfg() {
	ip netns exec "$1" "$CRYPTOMAP" config -
}

# The SA of one case: set by esp_case_keys ENC AUTH BASE_SPI.
#   SPI_AB (gwA -> gwB), SPI_BA (gwB -> gwA), C_AB A_AB C_BA A_BA
esp_case_keys() {
	local cl al
	cl=$(enc_keylen "$1")
	al=$(auth_keylen "$2")
	SPI_AB=$3
	SPI_BA=$(($3 + 1))
	C_AB=$(hexkey "$cl")
	A_AB=$(hexkey "$al")
	C_BA=$(hexkey "$cl")
	A_BA=$(hexkey "$al")
	case $1 in
	gcm*|gmac*) A_AB= A_BA= ;;
	esac
}

# xfrm_gwB ENC AUTH MODE: gwB speaks the current case with Linux XFRM.
# Tunnel: LAN A <-> LAN B; transport: the two WAN addresses.  XFRM_AB_OPTS
# and XFRM_BA_OPTS end the states gwA -> gwB and gwB -> gwA (sa_esn: flag
# esn, replay-seq, replay-oseq); xfrm_ah_case takes them too.
xfrm_gwB() {
	local enc=$1 auth=$2 mode=$3 ab ba
	ab=$(xfrm_algs "$enc" "$auth" "$C_AB" "$A_AB")
	ba=$(xfrm_algs "$enc" "$auth" "$C_BA" "$A_BA")
	{
		echo "xfrm state flush"
		echo "xfrm policy flush"
		echo "xfrm state add src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp spi $SPI_AB mode $mode $ab ${XFRM_AB_OPTS:-}"
		echo "xfrm state add src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi $SPI_BA mode $mode $ba ${XFRM_BA_OPTS:-}"
		if [ "$mode" = tunnel ]; then
			echo "xfrm policy add src $LAB_LANB_NET dst $LAB_LANA_NET dir out tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi $SPI_BA mode tunnel"
			echo "xfrm policy add src $LAB_LANA_NET dst $LAB_LANB_NET dir fwd tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp mode tunnel"
			echo "xfrm policy add src $LAB_LANA_NET dst $LAB_LANB_NET dir in tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp mode tunnel"
		else
			echo "xfrm policy add src $LAB_GWB_WAN_IP/32 dst $LAB_GWA_WAN_IP/32 dir out tmpl proto esp spi $SPI_BA mode transport"
			echo "xfrm policy add src $LAB_GWA_WAN_IP/32 dst $LAB_GWB_WAN_IP/32 dir in tmpl proto esp mode transport"
		fi
	} | ip -n "$gwB" -batch -
}

# cm_gwA_case ENC AUTH MODE SEQ: the same case on gwA through the CLI.
cm_gwA_case() {
	local enc=$1 auth=$2 mode=$3 ts="T-$1-$2-$3" acl
	if [ "$mode" = tunnel ]; then
		acl="access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255"
	else
		acl="access-list 101 permit ip host $LAB_GWA_WAN_IP host $LAB_GWB_WAN_IP"
	fi
	# Start from nothing (each "no" fails harmlessly when there is nothing).
	echo "no crypto map VPN" | cm_cfg "$gwA" >/dev/null 2>&1
	echo "no access-list 101" | cm_cfg "$gwA" >/dev/null 2>&1
	cm_cfg "$gwA" <<-EOF
		$acl
		crypto ipsec transform-set $ts $(enc_ios "$enc") $(auth_ios "$auth")
		 mode $mode
		crypto map VPN 10 ipsec-manual
		 match address 101
		 set peer $LAB_GWB_WAN_IP
		 set transform-set $ts
		$(session_key inbound "$SPI_BA" "$C_BA" "$A_BA")
		$(session_key outbound "$SPI_AB" "$C_AB" "$A_AB")
		interface wan0
		 crypto map VPN
	EOF
}

# capture_start NS IF FILE / capture_stop (CAPTURE_SNAPLEN, default 128)
capture_start() {
	ip netns exec "$1" tcpdump -i "$2" -n -U -s "${CAPTURE_SNAPLEN:-128}" -w "$3" >/dev/null 2>&1 &
	CAP_PID=$!
	CAP_NS=$1 CAP_IF=$2 CAP_FILE=$3
	busywait 5000 test -s "$3"
}

# capture_stop: tcpdump stops once it has written all the interface saw.
# A fixed sleep lost the last packets of a tcpdump that was not scheduled
# in time (libpcap also hands a ring block over only when it is retired);
# instead a marker frame goes out on the interface last (ethertype 0x88B5,
# local experimental: the pcap readers count IPv4 only), and the capture
# stops when the marker is in the file.
capture_stop() {
	local mark="cryptomap-capture-end-$$-$RANDOM"

	ip netns exec "$CAP_NS" $PY - "$CAP_IF" "$mark" <<-'EOF'
		import socket, sys
		s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
		s.bind((sys.argv[1], 0))
		s.send(b'\xff' * 6 + b'\x02\x00\x00\x00\x00\x01' + b'\x88\xb5' +
		       sys.argv[2].encode().ljust(46, b'\x00'))
	EOF
	busywait 10000 grep -qaF "$mark" "$CAP_FILE" ||
		echo "# capture_stop: the end marker never reached $CAP_FILE"
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# tcp_transfer SRCNS DSTNS DSTADDR BYTES: sha256 on both ends agree?
tcp_transfer() {
	local out=/tmp/tcp.$$ sent got port=$((20000 + RANDOM % 20000)) spid
	rm -f "$out" "$out.ready"
	ip netns exec "$2" $PY "$ESP_TOOL" tcp-server $port "$out" &
	spid=$!
	busywait 30000 test -e "$out.ready" || { echo "server not ready"; return 1; }
	sent=$(ip netns exec "$1" $PY "$ESP_TOOL" tcp-client "$3" $port "$4" 2>&1)
	busywait 30000 test -e "$out"
	got=$(cat "$out" 2>/dev/null)
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	rm -f "$out" "$out.ready"
	[ "$sent" = "$got" ] || { echo "sent $sent got $got"; return 1; }
}

# xfrm_pkts NS SPI: the packet count of XFRM state SPI
xfrm_pkts() {
	ip -n "$1" -s xfrm state list spi "$2" 2>/dev/null |
		awk '/lifetime current:/ { getline; sub(/\(packets\)/, "", $2); print $2; exit }'
}

# counts_settle SPI_AB SPI_BA: wait (up to 5 s) until gwB's XFRM states
# SPI_AB and SPI_BA counted what gwA's cryptomap did (encaps, decaps);
# sets xab xba cenc cdec.  Reading them a fixed 0.3 s after a TCP
# transfer failed a starved guest: its last packets (FIN, a delayed ACK)
# were still on their way, and the two ends differed by one.
counts_settle() {
	busywait 5000 __counts_agree "$@"
}

__counts_agree() {
	xab=$(xfrm_pkts "$gwB" "$1")
	xba=$(xfrm_pkts "$gwB" "$2")
	cenc=$(cm_counter "$gwA" encaps)
	cdec=$(cm_counter "$gwA" decaps)
	[ -n "$xab" ] && [ "$xab" = "$cenc" ] && [ -n "$xba" ] && [ "$xba" = "$cdec" ]
}

# sink_start NS DIR PORT: a TCP sink in NS (esp_tool.py tcp-sink)
sink_start() {
	mkdir -p "$2"
	ip netns exec "$1" $PY "$ESP_TOOL" tcp-sink "$3" "$2" >/dev/null 2>&1 &
	busywait 30000 test -e "$2/ready"
}

# sink_send SRCNS DIR ADDR PORT FILE: send FILE with bash's /dev/tcp to the
# sink at ADDR:PORT whose results land in DIR; does the sink's sha256 match?
sink_send() {
	local n want got
	n=$(find "$2" -maxdepth 1 -name '[0-9]*' | wc -l)
	n=$((n + 1))
	[ -s "$5.sum" ] || $PY "$ESP_TOOL" sha "$5" > "$5.sum"
	want=$(cat "$5.sum")
	ip netns exec "$1" timeout 30 bash -c "cat '$5' > /dev/tcp/$3/$4" ||
		{ echo "send to $3:$4 failed"; return 1; }
	busywait 30000 test -e "$2/$n" || { echo "nothing arrived"; return 1; }
	got=$(cat "$2/$n")
	[ "$got" = "$want" ] || { echo "sent $want got $got"; return 1; }
}

# AH and AH+ESP bundles (ah_xfrm, crypto_async).  A case is AH:ENC:AUTH,
# ENC and AUTH as above, "-" for no ESP; its keys: AH_AB AH_BA (SPIs),
# K_AB K_BA, and esp_case_keys' for the ESP of a bundle.

# ah_ios AH: the IOS transform
ah_ios() {
	case $1 in
	md5) echo ah-md5-hmac ;;
	sha) echo ah-sha-hmac ;;
	*) echo "ah-$1-hmac" ;;
	esac
}

# ah_xfrm_alg AH KEYHEX: the algorithm part of an XFRM AH state
ah_xfrm_alg() {
	case $1 in
	md5) echo "auth-trunc hmac(md5) 0x$2 96" ;;
	sha) echo "auth-trunc hmac(sha1) 0x$2 96" ;;
	sha256) echo "auth-trunc hmac(sha256) 0x$2 128" ;;
	sha384) echo "auth-trunc hmac(sha384) 0x$2 192" ;;
	sha512) echo "auth-trunc hmac(sha512) 0x$2 256" ;;
	esac
}

# xfrm_ah_case AH ENC AUTH MODE: gwB's states and policies.  A bundle is an
# ESP state in MODE and an AH state in transport mode over it, the policy
# templates innermost first (esp, then ah).
xfrm_ah_case() {
	local ah=$1 enc=$2 auth=$3 mode=$4 ahmode=$4 esp_t='' ah_t t_in t_out
	local src_out dst_out src_in dst_in
	if [ "$enc" != - ]; then
		ahmode=transport
		esp_t="tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi $SPI_BA mode $mode"
	fi
	{
		echo "xfrm state flush"
		echo "xfrm policy flush"
		echo "xfrm state add src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto ah spi $AH_AB mode $ahmode $(ah_xfrm_alg "$ah" "$K_AB") flag align4 ${XFRM_AB_OPTS:-}"
		echo "xfrm state add src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto ah spi $AH_BA mode $ahmode $(ah_xfrm_alg "$ah" "$K_BA") flag align4 ${XFRM_BA_OPTS:-}"
		if [ "$enc" != - ]; then
			echo "xfrm state add src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp spi $SPI_AB mode $mode $(xfrm_algs "$enc" "$auth" "$C_AB" "$A_AB") ${XFRM_AB_OPTS:-}"
			echo "xfrm state add src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi $SPI_BA mode $mode $(xfrm_algs "$enc" "$auth" "$C_BA" "$A_BA") ${XFRM_BA_OPTS:-}"
		fi
		ah_t="tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto ah spi $AH_BA mode $ahmode"
		t_out="$esp_t $ah_t"
		if [ "$enc" != - ]; then
			t_in="tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp mode $mode tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto ah mode $ahmode"
		else
			t_in="tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto ah mode $ahmode"
		fi
		if [ "$mode" = tunnel ]; then
			src_out=$LAB_LANB_NET dst_out=$LAB_LANA_NET
			src_in=$LAB_LANA_NET dst_in=$LAB_LANB_NET
			echo "xfrm policy add src $src_in dst $dst_in dir fwd $t_in"
		else
			src_out=$LAB_GWB_WAN_IP/32 dst_out=$LAB_GWA_WAN_IP/32
			src_in=$LAB_GWA_WAN_IP/32 dst_in=$LAB_GWB_WAN_IP/32
		fi
		echo "xfrm policy add src $src_out dst $dst_out dir out $t_out"
		echo "xfrm policy add src $src_in dst $dst_in dir in $t_in"
	} | ip -n "$gwB" -batch -
}

# cm_ah_case AH ENC AUTH MODE: the same case on gwA through the CLI
cm_ah_case() {
	local ah=$1 enc=$2 auth=$3 mode=$4 ts="T-$1-$2-$3-$4" acl esp_ios=''
	if [ "$mode" = tunnel ]; then
		acl="access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255"
	else
		acl="access-list 101 permit ip host $LAB_GWA_WAN_IP host $LAB_GWB_WAN_IP"
	fi
	[ "$enc" != - ] && esp_ios="$(enc_ios "$enc") $(auth_ios "$auth")"
	echo "no crypto map VPN" | cm_cfg "$gwA" >/dev/null 2>&1
	echo "no access-list 101" | cm_cfg "$gwA" >/dev/null 2>&1
	cm_cfg "$gwA" <<-EOF
		$acl
		crypto ipsec transform-set $ts $(ah_ios "$ah") $esp_ios
		 mode $mode
		crypto map VPN 10 ipsec-manual
		 match address 101
		 set peer $LAB_GWB_WAN_IP
		 set transform-set $ts
		 set session-key inbound ah $AH_BA $K_BA
		 set session-key outbound ah $AH_AB $K_AB
		$([ "$enc" != - ] && session_key inbound "$SPI_BA" "$C_BA" "$A_BA")
		$([ "$enc" != - ] && session_key outbound "$SPI_AB" "$C_AB" "$A_AB")
		interface wan0
		 crypto map VPN
	EOF
}

# cm_counter NS WHAT: the first "#pkts WHAT: N" of show crypto ipsec sa
cm_counter() {
	ip netns exec "$1" "$CRYPTOMAP" show crypto ipsec sa |
		sed -n "s/.*#pkts $2: \([0-9]*\).*/\1/p" | head -n1
}
