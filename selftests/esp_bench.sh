# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Informal throughput: iperf3 hostA -> hostB through the two gateways,
# Linux XFRM on both ends, then cryptomap on gwA against XFRM on gwB, in
# the same guest.  Not a selftest (not executable); run it with
#   selftests/vm/run.sh --kver KVER --cmd 'bash selftests/esp_bench.sh'
# BENCH_SECS (default 5), BENCH_CASES (default "aes128:sha gcm128:none").

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/esp_common.sh"

secs=${BENCH_SECS:-5}
lab_setup || exit 1
cm_load || exit 1

iperf() {
	ip netns exec "$hostB" iperf3 -s -D -1 >/dev/null 2>&1
	sleep 0.5
	ip netns exec "$hostA" iperf3 -c "$LAB_HOSTB_IP" -t "$secs" -f m 2>&1 |
		awk '/receiver/ { print $7, $8 }'
}

# xfrm_gwA ENC AUTH: gwA as gwB's XFRM mirror
xfrm_gwA() {
	local ab ba
	ab=$(xfrm_algs "$1" "$2" "$C_AB" "$A_AB")
	ba=$(xfrm_algs "$1" "$2" "$C_BA" "$A_BA")
	ip -n "$gwA" -batch - <<-EOF
		xfrm state flush
		xfrm policy flush
		xfrm state add src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp spi $SPI_AB mode tunnel $ab
		xfrm state add src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi $SPI_BA mode tunnel $ba
		xfrm policy add src $LAB_LANA_NET dst $LAB_LANB_NET dir out tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp spi $SPI_AB mode tunnel
		xfrm policy add src $LAB_LANB_NET dst $LAB_LANA_NET dir fwd tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp mode tunnel
		xfrm policy add src $LAB_LANB_NET dst $LAB_LANA_NET dir in tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp mode tunnel
	EOF
}

echo "plain (no IPsec): $(iperf)"
spi=7000
for c in ${BENCH_CASES:-aes128:sha gcm128:none}; do
	enc=${c%%:*} auth=${c#*:}
	spi=$((spi + 2))
	esp_case_keys "$enc" "$auth" $spi
	xfrm_gwB "$enc" "$auth" tunnel
	xfrm_gwA "$enc" "$auth"
	echo "$enc $auth: XFRM <-> XFRM: $(iperf)"
	ip -n "$gwA" xfrm state flush
	ip -n "$gwA" xfrm policy flush
	cm_gwA_case "$enc" "$auth" tunnel
	echo "$enc $auth: cryptomap <-> XFRM: $(iperf)"
	echo "no crypto map VPN" | cm_cfg "$gwA" >/dev/null
done
