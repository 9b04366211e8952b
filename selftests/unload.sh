#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module unload with configuration and traffic present.
#
#   - rmmod while a flood ping and iperf3 run through the manual tunnel of
#     the lab (both gateways are cryptomap): rmmod either succeeds or
#     fails with EBUSY, nothing else, UNLOAD_TRAFFIC_ROUNDS times (default
#     5); after each successful unload the module is loaded and the
#     gateways configured again, and the tunnel must work.
#   - insmod, configure both gateways (SAs, bindings, every kind of
#     object in a third namespace), rmmod: UNLOAD_LOOPS times (default
#     25, sized for CI; make check-all and check-debug: 100), every rmmod
#     must succeed; every tenth round sends a ping through the tunnel
#     first.
#
# The kernel log must stay clean (the runner); with `make check-debug`
# kmemleak, KASAN and lockdep watch every round.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_common.sh"

rounds=${UNLOAD_TRAFFIC_ROUNDS:-5}
loops=${UNLOAD_LOOPS:-25}
D=$SELFTESTS/data

ktap_header
cm_skip_if_builtin
ktap_plan 8

lab_setup || ktap_exit_fail "lab setup"
setup_ns third || ktap_exit_fail "netns"
ip -n "$third" link add gig0-2 type dummy
ip -n "$third" link set gig0-2 up
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unload.XXXXXX") || ktap_exit_fail "mktemp"
on_exit rm -rf "$tmp"

configure() {
	cm_cfg "$gwA" < "$D/lab-manual-gwA.conf" &&
	cm_cfg "$gwB" < "$D/lab-manual-gwB.conf" &&
	cm_cfg "$third" < "$D/all-commands.conf"
} >/dev/null 2>&1

cm_load || ktap_exit_fail "no module"
check "configured: two gateways and a third namespace" configure
busywait 10000 lab_ping
check "the tunnel carries ping" lab_ping

# ---- rmmod under traffic ----
ip netns exec "$hostB" iperf3 -s -p 5201 > /dev/null 2>&1 &
spid=$!
on_exit kill "$spid"
ok=0 busy=0 other=0 reloaded=0
for r in $(seq "$rounds"); do
	ip netns exec "$hostA" ping -q -f -w 6 "$LAB_HOSTB_IP" > /dev/null 2>&1 &
	fpid=$!
	ip netns exec "$hostA" iperf3 -c "$LAB_HOSTB_IP" -p 5201 -t 5 > /dev/null 2>&1 &
	ipid=$!
	sleep $((1 + r % 3))
	if out=$(rmmod cryptomap 2>&1); then
		ok=$((ok + 1))
	elif grep -qiE 'in use|busy|temporarily' <<< "$out"; then
		busy=$((busy + 1))
	else
		other=$((other + 1))
		ktap_diag "rmmod round $r: $out"
	fi
	wait "$fpid" "$ipid" 2>/dev/null
	if ! cm_loaded; then
		cm_load && configure && reloaded=$((reloaded + 1))
	fi
	busywait 10000 lab_ping || ktap_diag "round $r: no ping through the tunnel after reload"
done
ktap_diag "rmmod under traffic: $ok unloaded, $busy EBUSY, $other otherwise; $reloaded reloads"
check_eq "rmmod under traffic: unloaded or EBUSY, never anything else" "0" "$other"
check_eq "every unload reloaded and reconfigured" "$ok" "$reloaded"
busywait 10000 lab_ping
check "the tunnel carries ping after the rounds" lab_ping

# ---- load, configure, unload: $loops times ----
cm_unload
start=$(date +%s)
fails=0 cfails=0 pfails=0
for i in $(seq "$loops"); do
	if ! cm_load; then
		fails=$((fails + 1))
		continue
	fi
	configure || cfails=$((cfails + 1))
	if [ $((i % 10)) = 0 ]; then
		busywait 5000 lab_ping || pfails=$((pfails + 1))
	fi
	if ! out=$(rmmod cryptomap 2>&1); then
		fails=$((fails + 1))
		[ "$fails" -le 3 ] && ktap_diag "round $i: rmmod: $out"
		sleep 0.5
		rmmod cryptomap 2>/dev/null
	fi
done
ktap_diag "$loops load/configure/unload rounds in $(( $(date +%s) - start )) s: $fails load/unload failures, $cfails configure failures, $pfails without ping"
check_eq "$loops rounds: load, configure, unload, each time" "0 0" "$fails $cfails"
check_eq "the tunnel carried ping in every tenth round" "0" "$pfails"

check "loads and configures once more" eval 'cm_load && configure'

ktap_finish
