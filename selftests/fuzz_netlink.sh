#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing (selftests/fuzz_netlink.c): FUZZ_MESSAGES (default
# 100000) generated and mutated requests to the cryptomap family from 2-3
# concurrent senders, in three phases:
#
#   free     in a victim namespace holding the known configuration: every
#            command, names of that configuration in the pool, anything
#            may change there.  The gateway namespace must not notice.
#   guarded  in the gateway namespace, as root: names only FZ*, never
#            GLOBAL_SET or BIND_SET/DEL, no request that contains a name
#            of the known configuration.  Afterwards everything the fuzz
#            created is deleted again (fuzz_netlink -c: every object whose
#            name is not one of the known configuration).
#   unpriv   in the gateway namespace as nobody (no CAP_NET_ADMIN): every
#            command, the configuration's names; no change may succeed.
#
# After each phase: `cryptomap show running-config` of the gateway is
# byte for byte what it was after the configuration was applied, and every
# request got exactly one answer (ack, error or the end of its dump).  No
# oops/WARN/KASAN: the runner checks the kernel log.
#
# FUZZ_MESSAGES=1000000 FUZZ_JOBS=4 FUZZ_SEED=N for longer runs.

. "$(dirname "$0")/lib.sh"

total=${FUZZ_MESSAGES:-100000}
jobs=${FUZZ_JOBS:-3}
seed=${FUZZ_SEED:-$(date +%s)}
CC=${CC:-cc}

ktap_header
ktap_plan 12

cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_netlink.XXXXXX") || ktap_exit_fail "mktemp"
on_exit rm -rf "$tmp"
chmod 755 "$tmp"
fz=$tmp/fuzz_netlink
check "build fuzz_netlink" "$CC" -std=gnu11 -O2 -Wall -Wextra -Werror \
	-o "$fz" "$SELFTESTS/fuzz_netlink.c" || ktap_exit_fail "no fuzzer"

setup_ns gw victim || ktap_exit_fail "cannot create namespaces"
for ns in "$gw" "$victim"; do
	ip -n "$ns" -batch - <<-EOF || ktap_exit_fail "links"
		link add wan0 type dummy
		link add gig0-2 type dummy
		link add fz0 type dummy
		link add fz1 type dummy
		addr add 209.165.200.225/27 dev wan0
		link set wan0 up
		link set gig0-2 up
	EOF
done

# The known configuration: every kind of object, a manual entry with SAs.
conf=$tmp/known.conf
{
	cat "$SELFTESTS/data/all-commands.conf" | grep -v '^end'
	cat <<-'EOF'
	crypto ipsec transform-set MANUAL-TS esp-aes esp-sha-hmac
	access-list 150 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
	crypto map KEEP-MAN 10 ipsec-manual
	 set peer 209.165.200.226
	 set transform-set MANUAL-TS
	 set session-key inbound esp 4300 cipher 000102030405060708090a0b0c0d0e0f authenticator 000102030405060708090a0b0c0d0e0f10111213
	 set session-key outbound esp 4301 cipher 0f0e0d0c0b0a09080706050403020100 authenticator 131211100f0e0d0c0b0a09080706050403020100
	 match address 150
	interface wan0
	 crypto map KEEP-MAN
	EOF
} > "$conf"
# Its names: protected in the guarded phase, the pool of the others.
names="ESP-ONLY AH-AND-ESP AES256 GCM GMAC NULL-SHA AH-ONLY MANUAL-TS 101 102
	SITE-C 150 VPN KEEP-MAN"
kargs=() pargs=()
for n in $names; do
	kargs+=(-k "$n")
	pargs+=(-P "$n")
done

check "known configuration applied (gateway)" \
	ip netns exec "$gw" "$CRYPTOMAP" config "$conf" || ktap_exit_fail "config"
check "known configuration applied (victim)" \
	ip netns exec "$victim" "$CRYPTOMAP" config "$conf"
before=$(ip netns exec "$gw" "$CRYPTOMAP" show running-config)
sa_before=$(ip netns exec "$gw" "$CRYPTOMAP" show crypto ipsec sa | grep -c 'spi:')

# same_config PHASE: the gateway's running-config is what it was
same_config() {
	local now
	now=$(ip netns exec "$gw" "$CRYPTOMAP" show running-config 2>&1)
	if [ "$now" = "$before" ]; then
		ktap_ok "running-config intact after the $1 phase"
	else
		ktap_fail "running-config intact after the $1 phase"
		diff <(echo "$before") <(echo "$now") | head -n 40 | ktap_diag
	fi
}

# fuzz PHASE NS N [SETPRIV...] -- ARGS: run the fuzzer, print its summary
fuzz() {
	local phase=$1 ns=$2 n=$3 rc start
	shift 3
	start=$(date +%s)
	ip netns exec "$ns" "$@" -n "$n" -j "$jobs" -s "$seed" > "$tmp/$phase.out" 2> "$tmp/$phase.err"
	rc=$?
	ktap_diag "$phase: $(( $(date +%s) - start )) s"
	ktap_diag < "$tmp/$phase.out"
	head -n 20 "$tmp/$phase.err" | ktap_diag
	ktap_result "fuzz $phase: $n requests, each answered exactly once" "$rc"
	[ -n "${VM_ARTIFACTS:-}" ] && cp "$tmp/$phase.out" "$VM_ARTIFACTS/" 2>/dev/null
	return 0
}

n_free=$((total * 2 / 5))
n_guarded=$((total * 2 / 5))
n_unpriv=$((total - n_free - n_guarded))
ktap_diag "seed $seed, $total requests, $jobs senders"

fuzz free "$victim" "$n_free" "$fz" -m free "${pargs[@]}"
same_config free

fuzz guarded "$gw" "$n_guarded" "$fz" -m guarded "${kargs[@]}"
check "delete what the guarded phase created" \
	ip netns exec "$gw" "$fz" -c "${kargs[@]}"
ktap_diag "$CHECK_OUT"
same_config guarded

fuzz unpriv "$gw" "$n_unpriv" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all "$fz" -m unpriv "${pargs[@]}"
same_config unpriv

# The manual entry's SAs survived too (clear crypto sa may have reset
# them: they are built again from the keys).
sa_after=$(ip netns exec "$gw" "$CRYPTOMAP" show crypto ipsec sa | grep -c 'spi:')
check_eq "the manual entry's SAs are there" "$sa_before" "$sa_after"

# The module still works: a change and its undo.
check "configuration still accepted" ip netns exec "$gw" "$CRYPTOMAP" config - <<-EOF
	crypto ipsec transform-set AFTER-FUZZ esp-gcm 128
	no crypto ipsec transform-set AFTER-FUZZ
EOF

ktap_finish
