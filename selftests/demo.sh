#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README demo (make demo): a four-namespace lab in the guest,
#   hostA 192.168.1.100 - gwA = 209.165.200.224/27 = gwB - hostB 192.168.3.100
# cryptomap on gwA configured with IOS text, Linux XFRM on gwB as the
# standard IPsec peer; pings cross the tunnel as ESP and the IOS shows
# count them.  Not a test: the suite's tests check all of this and more.

. "$(dirname "$0")/lib.sh"

say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
run() { printf '%s# %s\n' "${PROMPT:-}" "$*"; "$@"; }

cm_load || { echo "cannot load $CRYPTOMAP_KO"; exit 1; }
lab_setup || { echo "lab setup failed"; exit 1; }
C=$CRYPTOMAP
CONF=$SELFTESTS/data/demo-gwA.conf

say "gwA: the IOS configuration"
cat "$CONF"
say "gwA: cryptomap config"
PROMPT=gwA run $C -n "$gwA" config "$CONF" || exit 1

# gwB: the mirrored SAs in Linux's own XFRM (esp-3des esp-sha-hmac).
ip -n "$gwB" -batch - <<BATCH || exit 1
xfrm state add src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp spi 1002 mode tunnel enc 'cbc(des3_ede)' 0x5a5b5c5d5e5f60616263646566676869707172737475767f auth-trunc 'hmac(sha1)' 0x8081828384858687888990919293949596979899 96
xfrm state add src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp spi 1001 mode tunnel enc 'cbc(des3_ede)' 0x0a0b0c0d0e0f10111213141516171819202122232425262f auth-trunc 'hmac(sha1)' 0x3031323334353637383940414243444546474849 96
xfrm policy add src $LAB_LANB_NET dst $LAB_LANA_NET dir out tmpl src $LAB_GWB_WAN_IP dst $LAB_GWA_WAN_IP proto esp mode tunnel
xfrm policy add src $LAB_LANA_NET dst $LAB_LANB_NET dir fwd tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp mode tunnel
xfrm policy add src $LAB_LANA_NET dst $LAB_LANB_NET dir in tmpl src $LAB_GWA_WAN_IP dst $LAB_GWB_WAN_IP proto esp mode tunnel
BATCH
say "gwB: Linux XFRM holds the mirrored SAs"
PROMPT=gwB run ip -n "$gwB" xfrm state

say "gwA: show crypto ipsec transform-set"
PROMPT=gwA run $C -n "$gwA" show crypto ipsec transform-set
say "gwA: show crypto map"
PROMPT=gwA run $C -n "$gwA" show crypto map

say "hostA pings hostB through the tunnel, while gwB's WAN is captured"
cap=$(mktemp /tmp/demo-cap.XXXXXX)
ip netns exec "$gwB" tcpdump -n -l -i wan0 -c 6 esp > "$cap" 2>/dev/null &
tcpd=$!
sleep 2
PROMPT=hostA run ip netns exec "$hostA" ping -c 3 -i 0.3 -W 2 "$LAB_HOSTB_IP"
ping_rc=$?
sleep 1
kill "$tcpd" 2>/dev/null
wait "$tcpd" 2>/dev/null
say "gwB's WAN (tcpdump): the pings as ESP between the gateways"
cat "$cap"
rm -f "$cap"

say "gwA: show crypto ipsec sa"
PROMPT=gwA run $C -n "$gwA" show crypto ipsec sa
say "gwB: XFRM's own counters of the same SAs"
PROMPT=gwB run ip -n "$gwB" -s xfrm state | grep -E '^src|spi|lifetime current|bytes'
say "gwA: the same as JSON (-j), for scripts"
PROMPT=gwA run $C -n "$gwA" -j show crypto map
exit $ping_rc
