#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The asynchronous crypto path.  With the module parameter force_async set,
# cryptomap allocates the transforms of new SAs through cryptd, so that
# every ESP encryption and decryption (AEAD and authenc) and every AH
# digest (ahash) returns -EINPROGRESS and completes later from cryptd's
# workqueue.  Against Linux XFRM on gwB, in tunnel mode: ESP with AES-GCM
# (one AEAD), then the AH+ESP bundle ah-sha256-hmac esp-aes esp-sha256-hmac
# (an ahash and an authenc AEAD).  Each case: ping both ways and a 32 KB
# TCP transfer whose sha256 matches; cryptomap's counters equal XFRM's;
# and the module's async_completions counter rose by exactly one per
# transform per packet (2 x XFRM's count in each direction for the
# bundle: both the AH and the ESP of every packet), so no packet took the
# synchronous path.  The cryptd drivers in /proc/crypto are printed, not
# checked: a cryptd instance has the name of what it wraps with a higher
# priority, and its registration retires older instances of that name
# from the list while their users (our SAs) keep them.  Then, with
# force_async cleared, a new SA completes no request asynchronously.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

P=/sys/module/cryptomap/parameters

ktap_header
ktap_plan 4

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"
[ -w "$P/force_async" ] || ktap_exit_fail "no force_async parameter"
on_exit sh -c "echo 0 > $P/force_async"
echo 1 > "$P/force_async"

SINK_DIR=$(mktemp -d)
DATA=$SINK_DIR/data
head -c 32768 /dev/urandom > "$DATA"
on_exit rm -rf "$SINK_DIR"
sink_start "$hostB" "$SINK_DIR/tunnel" 5001 || ktap_exit_fail "sink hostB"

# async_case AH ENC AUTH SPI: one case; AH "-" for ESP alone.
async_case() {
	local ah=$1 enc=$2 auth=$3 spi=$4 why='' out before after n xab xba al
	local cenc cdec per=1

	esp_case_keys "$enc" "$auth" $((spi + 500))
	if [ "$ah" = - ]; then
		xfrm_gwB "$enc" "$auth" tunnel || { echo "xfrm setup failed"; return 1; }
		cm_gwA_case "$enc" "$auth" tunnel || { echo "cryptomap config failed"; return 1; }
		AH_AB=$SPI_AB AH_BA=$SPI_BA	# the SAs XFRM counts
	else
		al=$(auth_keylen "$ah")
		AH_AB=$spi AH_BA=$((spi + 1))
		K_AB=$(hexkey "$al") K_BA=$(hexkey "$al")
		xfrm_ah_case "$ah" "$enc" "$auth" tunnel || { echo "xfrm setup failed"; return 1; }
		cm_ah_case "$ah" "$enc" "$auth" tunnel || { echo "cryptomap config failed"; return 1; }
		per=2
	fi

	before=$(cat "$P/async_completions")
	# The first packet waits while gwA's pair is keyed (kmod/sa_tfm.c):
	# allocating an AH+ESP bundle's four transforms through cryptd took
	# 1.7 s and more on a TCG guest of 6.12 (a software transform takes
	# milliseconds), so the replies get 10 s.
	out=$(ip netns exec "$hostA" ping -c 3 -i 0.2 -W 10 "$LAB_HOSTB_IP") ||
		why="$why ping-out"
	echo "ping-out: $(grep -E 'icmp_seq=1 |^rtt' <<< "$out" | tr '\n' ' ')"
	ip netns exec "$hostB" ping -q -c 3 -i 0.2 -W 2 "$LAB_HOSTA_IP" >/dev/null ||
		why="$why ping-back"
	out=$(sink_send "$hostA" "$SINK_DIR/tunnel" "$LAB_HOSTB_IP" 5001 "$DATA") ||
		why="$why tcp($out)"
	sleep 0.3
	after=$(cat "$P/async_completions")

	xab=$(xfrm_pkts "$gwB" "$AH_AB")
	xba=$(xfrm_pkts "$gwB" "$AH_BA")
	cenc=$(cm_counter "$gwA" encaps)
	cdec=$(cm_counter "$gwA" decaps)
	n=$((after - before))
	echo "cryptomap encaps $cenc decaps $cdec, xfrm in ${xab:-?} out ${xba:-?}; async completions $n (expected $per x ($xab + $xba))"
	[ -n "$xab" ] && [ "$xab" -gt 0 ] && [ "$xab" = "$cenc" ] ||
		why="$why out-counters"
	[ -n "$xba" ] && [ "$xba" -gt 0 ] && [ "$xba" = "$cdec" ] ||
		why="$why in-counters"
	[ "$n" -eq $((per * (${xab:-0} + ${xba:-0}))) ] && [ "$n" -gt 0 ] ||
		why="$why async-count"
	grep '^driver *: cryptd(' /proc/crypto | sort -u
	if [ -n "$why" ]; then
		echo "failed:$why"
		ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa detail |
			grep -E '#pkts|spi:|sas:'
		return 1
	fi
}

out=$(async_case - gcm128 none 4000 2>&1)
rc=$?
ktap_result "esp-gcm 128 through cryptd (AEAD)" $rc
printf '%s\n' "$out" | ktap_diag

out=$(async_case sha256 aes128 sha256 4002 2>&1)
rc=$?
ktap_result "ah-sha256-hmac esp-aes esp-sha256-hmac through cryptd (ahash, authenc)" $rc
printf '%s\n' "$out" | ktap_diag

# Back to synchronous: a new SA is not wrapped, and none of its packets
# completes through a callback (3DES and MD5 have no asynchronous
# implementation on x86, whatever the CPU offers).
sync_case() {
	local before after n
	esp_case_keys 3des md5 4600
	xfrm_gwB 3des md5 tunnel || { echo "xfrm setup failed"; return 1; }
	cm_gwA_case 3des md5 tunnel || { echo "cryptomap config failed"; return 1; }
	before=$(cat "$P/async_completions")
	ip netns exec "$hostA" ping -q -c 3 -i 0.2 -W 2 "$LAB_HOSTB_IP" >/dev/null ||
		{ echo "ping failed"; return 1; }
	after=$(cat "$P/async_completions")
	n=$((after - before))
	echo "force_async=0: $n async completions for 3 pings"
	[ "$n" -eq 0 ]
}

echo 0 > "$P/force_async"
out=$(sync_case 2>&1)
rc=$?
ktap_result "force_async=0: a new SA completes synchronously" $rc
printf '%s\n' "$out" | ktap_diag

ktap_finish
