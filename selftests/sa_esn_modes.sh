#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extended sequence numbers where sa_esn does not go: an AH+ESP bundle,
# transport mode, and the asynchronous crypto path (force_async: every
# AEAD and ahash request completes from cryptd's workqueue).  The same
# method as sa_esn (selftests/sa_esn_lib.sh): cryptomap on gwA with an
# ipsec-isakmp entry whose SAs come through SA_ADD with the esn flag,
# `ip xfrm state ... flag esn` on gwB, both starting their outbound SAs
# just below 2^32 so that the pings cross the boundary both ways.  Cases:
#  - tunnel, ah-sha-hmac esp-aes 256 esp-sha256-hmac: AH's ICV covers
#    its seq_hi, ESP's authencesn its own, on each of the four SAs;
#  - transport, esp-aes 256 esp-sha256-hmac, gwA pinging gwB's address;
#  - force_async, esp-gcm 256 (the 12-byte AAD through cryptd);
#  - force_async, ah-sha256-hmac esp-aes 256 esp-sha256-hmac (an ahash
#    and an authencesn AEAD through cryptd, one after the other).
# Each: every ping answered, cryptomap's encaps/decaps equal to each
# XFRM state's packets; every XFRM state's seq-hi (inbound) or oseq-hi
# (outbound) is 1; show crypto ipsec sa says ESN, the mode and high bits
# 1 on every SA; two of gwB's packets, from before and after 2^32, sent
# again are dropped as replays; with force_async, async_completions rose
# by one per transform per packet (no packet took the synchronous path).
#
# SA_ESN_PINGS (default 24) pings a case; SA_ESN_MODES_CASES narrows the
# cases, each MODE:AH:ENC:AUTH[:async] ("-" for none; the runner passes
# SA_* to the guest).

# shellcheck disable=SC1091,SC2154,SC2034 # lib.sh, the namespaces it names, sa_esn_lib.sh's variables
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"
. "$(dirname "$0")/sa_esn_lib.sh"

PINGS=${SA_ESN_PINGS:-24}
CASES=${SA_ESN_MODES_CASES:-tunnel:sha:aes256:sha256 transport:-:aes256:sha256 tunnel:-:gcm256:-:async tunnel:sha256:aes256:sha256:async}
START=$((0x100000000 - PINGS / 2))	# last number used: half cross 2^32

ktap_header
n=1
for c in $CASES; do
	case $c in
	*:async) n=$((n + 6)) ;;
	*) n=$((n + 5)) ;;
	esac
done
ktap_plan "$n"

lab_setup || ktap_exit_fail "lab setup"
check "insmod cryptomap" cm_load || ktap_exit_fail "no module"

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
on_exit sh -c "echo 0 > $ESN_P/force_async"

# esn_entry MODE TSET AH ENC AUTH: gwA's crypto map VPN 10 ipsec-isakmp
# for the case, from nothing
esn_entry() {
	local acl ts
	if [ "$1" = tunnel ]; then
		acl="access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255"
	else
		acl="access-list 101 permit ip host $LAB_GWA_WAN_IP host $LAB_GWB_WAN_IP"
	fi
	ts=$(esn_case_name "$3" "$4" "$5")
	echo "no crypto map VPN" | cm_cfg "$gwA" >/dev/null 2>&1
	echo "no access-list 101" | cm_cfg "$gwA" >/dev/null 2>&1
	cm_cfg "$gwA" <<-EOF
		$acl
		crypto ipsec transform-set $2 $ts
		 mode $1
		crypto map VPN 10 ipsec-isakmp
		 match address 101
		 set peer $LAB_GWB_WAN_IP
		 set transform-set $2
		 set security-association replay window-size 128
		interface wan0
		 crypto map VPN
	EOF
}

spi=7200
for c in $CASES; do
	IFS=: read -r mode ah enc auth async <<< "$c"
	spi=$((spi + 2))
	tset=T$spi
	name="$mode, $(esn_case_name "$ah" "$enc" "$auth")"
	ESN_ASYNC=
	if [ "$async" = async ]; then
		name="force_async, $name"
		ESN_ASYNC=1
		[ -w "$ESN_P/force_async" ] || ktap_exit_fail "no force_async parameter"
	fi
	RES_TRAFFIC=1 RES_XFRM_HI=1 RES_SHOW=1 RES_REPLAY=1 RES_ASYNC=1
	t0=$SECONDS
	{
		# the SAs' transforms are allocated (through cryptd or not)
		# when SA_ADD installs them
		echo "${ESN_ASYNC:-0}" > "$ESN_P/force_async"
		if esn_entry "$mode" "$tset" "$ah" "$enc" "$auth"; then
			esn_case "$ah" "$enc" "$auth" "$mode" "$spi" "$tset"
		else
			echo "gwA configuration failed"
		fi
		echo 0 > "$ESN_P/force_async"
	} > "$TMP/out" 2>&1
	echo "case took $((SECONDS - t0)) s" >> "$TMP/out"
	esn_report "$name"
done

ktap_finish
