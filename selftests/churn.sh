#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration churn under traffic.  While iperf3 (TCP) runs from hostA to
# hostB through the manual tunnel of the lab (cryptomap on both gateways),
# gwA's configuration changes in a loop for CHURN_SECONDS (default 20;
# make check-all: 40):
# ACL lines added and removed (on the tunnel's own ACL too: deny lines),
# crypto map entries added, changed and removed in the bound map, other
# maps created, bound to interfaces, unbound and deleted, transform sets
# replaced, global settings changed, clear crypto sa counters, and now and
# then the tunnel's binding itself removed and put back.  Not here: a
# change of the replay window or `clear crypto sa` on one end only, which
# reinstall a manual SA with its sequence numbers from 1: the peer's
# anti-replay window then drops the tunnel's packets until its own SAs are
# reinstalled too (manual keying has no way to tell the peer).  Then interfaces deleted
# while bound, and a namespace deleted while it holds a bound map with SAs
# and traffic.
#
# Afterwards: iperf3 finished, the tunnel carries ping and TCP, its SAs
# saw no verify, replay or internal errors (a lookup that met a
# half-built policy would show up there or as a crash), gwA's
# configuration is exactly the base again, and the kernel log is clean
# (the runner; with `make check-debug` KASAN, lockdep and kmemleak watch).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

# 20 s for CI; make check-all: 40 s.
secs=${CHURN_SECONDS:-20}
D=$SELFTESTS/data

ktap_header
ktap_plan 15

lab_setup || ktap_exit_fail "lab setup"
cm_load || ktap_exit_fail "no module"
command -v iperf3 >/dev/null || ktap_exit_fail "no iperf3"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/churn.XXXXXX") || ktap_exit_fail "mktemp"
on_exit rm -rf "$tmp"

ip -n "$gwA" -batch - <<-EOF || ktap_exit_fail "dummies"
	link add dz0 type dummy
	link add dz1 type dummy
	link set dz0 up
	link set dz1 up
EOF
check "gwA: the manual tunnel" cm_cfg "$gwA" < "$D/lab-manual-gwA.conf"
check "gwB: the mirror" cm_cfg "$gwB" < "$D/lab-manual-gwB.conf"
busywait 10000 lab_ping
check "the tunnel carries ping" lab_ping
base=$(ip netns exec "$gwA" "$CRYPTOMAP" show running-config)

# One change of the loop, by number.  Twelve make a cycle that adds,
# changes and removes its objects again, so every change is valid.
change() {
	local i=$1 k=$(( $1 % 12 )) c=$(( $1 / 12 )) n d
	n=$(( c % 7 + 20 ))
	d=dz$(( c % 2 ))
	case $k in
	0) echo "access-list 101 deny tcp host 192.168.1.$(( i % 250 + 2 )) any eq $(( i % 1000 + 1 ))" ;;
	1) echo "no access-list 101"
	   echo "access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255" ;;
	2) echo "access-list 1$n permit ip 10.$n.0.0 0.0.255.255 10.$(( n + 1 )).0.0 0.0.255.255"
	   echo "crypto ipsec transform-set CT$n esp-aes 256 esp-sha256-hmac"
	   echo "crypto map VPN $n ipsec-isakmp"
	   echo " set peer 209.165.200.$(( n + 100 ))"
	   echo " set transform-set CT$n AES"
	   echo " match address 1$n" ;;
	3) echo "crypto map VPN $n"
	   echo " set pfs group14"
	   echo " set security-association lifetime seconds $(( 3600 + i ))" ;;
	4) echo "crypto ipsec transform-set CT$n esp-gcm 128"
	   echo "crypto map CH$n 10 ipsec-isakmp"
	   echo " set peer 10.0.0.$n"
	   echo " set transform-set CT$n"
	   echo " match address 101"
	   echo "interface $d"
	   echo " crypto map CH$n" ;;
	5) echo "interface $d"
	   echo " no crypto map" ;;
	6) echo "no crypto map CH$n" ;;
	7) echo "no crypto map VPN $n" ;;
	8) # not the replay window: that rebuilds the manual SAs (see below)
	   echo "crypto ipsec security-association lifetime seconds $(( 1800 + i ))"
	   echo "crypto ipsec df-bit $( [ $(( c % 2 )) = 0 ] && echo clear || echo copy)" ;;
	9) echo "no crypto ipsec transform-set CT$n" ;;
	10) echo "no access-list 1$n" ;;
	11) echo "interface wan0"
	    if [ $(( c % 3 )) = 2 ]; then
		echo " no crypto map"		# the tunnel's binding: put back below
	    else
		echo " crypto map VPN"
	    fi ;;
	esac
}

# iperf3 through the tunnel for the whole churn
ip netns exec "$hostB" iperf3 -s -1 -p 5201 > "$tmp/iperf-s" 2>&1 &
spid=$!
busywait 5000 ip netns exec "$hostB" sh -c 'ss -ltn | grep -q :5201'
ip netns exec "$hostA" iperf3 -c "$LAB_HOSTB_IP" -p 5201 -t "$((secs + 5))" \
	-i 0 > "$tmp/iperf-c" 2>&1 &
ipid=$!

start=$(date +%s)
i=0 rejected=0 unbound=0
while [ $(( $(date +%s) - start )) -lt "$secs" ] || [ $(( i % 12 )) != 11 ]; do
	i=$((i + 1))
	if ! change "$i" | ip netns exec "$gwA" "$CRYPTOMAP" config - > "$tmp/last" 2>&1; then
		rejected=$((rejected + 1))
		[ "$rejected" -le 3 ] && ktap_diag "change $i refused: $(tr '\n' ' ' < "$tmp/last")"
	fi
	if [ $(( i % 12 )) = 11 ] && [ $(( i / 12 % 3 )) = 2 ]; then
		unbound=$((unbound + 1))
		sleep 0.2
		printf 'interface wan0\n crypto map VPN\n' |
			ip netns exec "$gwA" "$CRYPTOMAP" config - >/dev/null 2>&1
	fi
	[ $(( i % 17 )) = 0 ] &&
		ip netns exec "$gwA" "$CRYPTOMAP" clear crypto sa counters >/dev/null 2>&1
done
ktap_diag "$i changes in $(( $(date +%s) - start )) s ($rejected refused, tunnel unbound and bound again $unbound times)"
check_eq "every change applied under traffic" 0 "$rejected"

wait "$ipid"
irc=$?
wait "$spid" 2>/dev/null
ktap_diag "iperf3: $(grep -E 'sender|receiver' "$tmp/iperf-c" | tr -s ' ' | tr '\n' ';')"
ktap_result "iperf3 through the tunnel ran to its end" "$irc"
[ "$irc" -ne 0 ] && tail -n 5 "$tmp/iperf-c" | ktap_diag

# The loop ends with a whole cycle: only the global settings differ.
cm_cfg "$gwA" > /dev/null 2>&1 <<-EOF
	crypto ipsec security-association lifetime seconds 3600
	crypto ipsec df-bit copy
EOF
now=$(ip netns exec "$gwA" "$CRYPTOMAP" show running-config)
check_eq "gwA's configuration is the base again" "$base" "$now"

busywait 10000 lab_ping
check "the tunnel carries ping after the churn" lab_ping
check "the tunnel carries TCP after the churn" \
	tcp_transfer "$hostA" "$hostB" "$LAB_HOSTB_IP" 300000

# errors NS: verify, replay and internal errors of entry 10's SAs
sa_errors() {
	ip netns exec "$1" "$CRYPTOMAP" -j show crypto ipsec sa detail |
		jq '[.. | objects | select(has("pkts_verify_failed")) |
			.pkts_verify_failed + .pkts_internal_err_recv +
			.pkts_internal_err_send + .pkts_invalid_identity_recv] | add // 0'
}
check_eq "gwA: no verify/internal/identity errors on the tunnel" 0 "$(sa_errors "$gwA")"
check_eq "gwB: no verify/internal/identity errors on the tunnel" 0 "$(sa_errors "$gwB")"

# Interfaces deleted while bound (with and without traffic on them).
cm_cfg "$gwA" > /dev/null 2>&1 <<-EOF
	crypto ipsec transform-set CTX esp-gcm 128
	crypto map GONE 10 ipsec-isakmp
	 set peer 10.0.0.1
	 set transform-set CTX
	 match address 101
	interface dz0
	 crypto map GONE
	interface dz1
	 crypto map GONE
EOF
check_match "dz0 and dz1 bound" 'interface dz1' ip netns exec "$gwA" "$CRYPTOMAP" show running-config
ip -n "$gwA" link del dz0
ip -n "$gwA" link set dz1 netns "$hostB"
check_nomatch "their bindings went with them" 'interface dz[01]' \
	ip netns exec "$gwA" "$CRYPTOMAP" show running-config
check "the rest still configurable" cm_cfg "$gwA" <<<"no crypto map GONE"

# A namespace deleted while bound, with SAs and traffic: gwB's tunnel
# end goes away under a ping flow, then gwB itself.
ip netns exec "$hostA" ping -q -i 0.02 "$LAB_HOSTB_IP" > /dev/null 2>&1 &
ppid=$!
sleep 1
ip -n "$gwB" link del lan0
cleanup_ns "$gwB"
sleep 1
kill "$ppid" 2>/dev/null
wait "$ppid" 2>/dev/null
check "gwB deleted while bound under traffic; gwA's SAs still listed" \
	ip netns exec "$gwA" "$CRYPTOMAP" show crypto ipsec sa
setup_ns extra || ktap_exit_fail "netns"
ip -n "$extra" link add wan0 type dummy
cm_cfg "$extra" < "$D/lab-manual-gwA.conf" > /dev/null 2>&1
cleanup_ns "$extra"
check "a fresh namespace with a bound manual map deleted at once; module still answers" \
	ip netns exec "$gwA" "$CRYPTOMAP" show running-config

ktap_finish
