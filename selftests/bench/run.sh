#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cryptomap benchmark, run inside one QEMU guest (selftests/bench/vm.sh
# boots it; `make bench` runs that).  Not a selftest: selftests/vm/run.sh
# only runs selftests/*.sh, never this directory.
#
# Phases (BENCH_PHASES, default "tput policy sa"; config scale is measured
# inside "policy" and "sa", and alone, without traffic, in "config": see
# phase_config):
#   tput    iperf3 hostA -> hostB through gwA and gwB: TCP 1 and 4 streams,
#           UDP 64-byte payloads (packets/s received); plain routing, Linux
#           XFRM on both gateways, cryptomap on both gateways; esp-aes 256
#           esp-sha-hmac and esp-gcm 256; BENCH_REPEAT runs, median.
#           The scale phases repeat each point BENCH_SCALE_REPEAT times
#           (default 1: a full run must fit the time a loaded TCG host has).
#   policy  UDP 64-byte packet rate through gwA with a crypto ACL of
#           BENCH_ACL_SIZES lines (deny lines that match nothing, the
#           permit last) and a map of BENCH_MAP_SIZES entries (the live
#           entry last), for traffic that matches the last line and
#           traffic that matches nothing; time of `cryptomap config` and of
#           `show running-config`.
#   sa      BENCH_SA_SIZES SA pairs installed in gwB by the module's
#           sa_bench parameter: install time, lookup ns (timed in the
#           kernel), slab + percpu per SA, inbound packet rate among them,
#           and XFRM's memory per state for comparison (sa_scale.sh).
#   sacfg   BENCH_SA_SIZES (capped at BENCH_SA_MAX) ipsec-manual entries on
#           gwB, each with its own SPI pair: install time, slab + percpu
#           memory per SA, inbound packet rate for an SA among N; an
#           install that takes over BENCH_SA_TIMEOUT s ends the phase.
#
# Every figure is one JSON line in $BENCH_RAW, also printed as it comes
# (BENCH-RAW lines: vm.sh reports from those if the guest dies or times
# out); report.py turns them into the table and the JSON document (between
# BENCH-JSON-BEGIN/END lines).

# shellcheck disable=SC2154,SC2317 # lab namespaces set by lab_setup; phase_* called by name
SELFTESTS=${SELFTESTS:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
# shellcheck source=selftests/esp_common.sh
. "$SELFTESTS/esp_common.sh"
# shellcheck source=selftests/bench/sa_scale.sh
. "$SELFTESTS/bench/sa_scale.sh"

BENCH_SECS=${BENCH_SECS:-3}
BENCH_REPEAT=${BENCH_REPEAT:-3}
BENCH_SCALE_REPEAT=${BENCH_SCALE_REPEAT:-1}
BENCH_PHASES=${BENCH_PHASES:-tput policy sa}
BENCH_CASES=${BENCH_CASES:-aes256:sha gcm256:none}
BENCH_ACL_SIZES=${BENCH_ACL_SIZES:-1 100 1000 10000}
BENCH_MAP_SIZES=${BENCH_MAP_SIZES:-1 1000}
BENCH_SA_SIZES=${BENCH_SA_SIZES:-1 1000 10000 100000}
BENCH_SA_MAX=${BENCH_SA_MAX:-10000}
BENCH_SA_TIMEOUT=${BENCH_SA_TIMEOUT:-600}
BENCH_ACL_WALK=${BENCH_ACL_WALK:-1}
BENCH_RAW=${BENCH_RAW:-/tmp/bench.raw}
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
: > "$BENCH_RAW"

log() { echo "# $(date +%T) $*" >&2; }

# rec PHASE NAME VALUE [KEY=VAL...]: one figure
rec() {
	local phase=$1 name=$2 value=$3 kv extra=
	shift 3
	for kv in "$@"; do
		extra="$extra, \"${kv%%=*}\": \"${kv#*=}\""
	done
	printf '{"phase": "%s", "name": "%s", "value": %s%s}\n' \
		"$phase" "$name" "${value:-null}" "$extra" | tee -a "$BENCH_RAW" |
		sed 's/^/BENCH-RAW /'
}

now_ms() { date +%s%3N; }

# ------------------------------------------------------------ traffic

IPERF_PORT=5201

# iperf_servers: persistent iperf3 servers on hostB, ports 5201 and 5301
# (starting one per run costs seconds under TCG).
iperf_servers() {
	local port
	for port in 5201 5301; do
		ip netns exec "$hostB" iperf3 -s -D -p "$port" >/dev/null 2>&1
		busywait 10000 ip netns exec "$hostB" sh -c "ss -ltn | grep -q ':$port '" ||
			return 1
	done
}

# iperf_run ARGS...: one iperf3 client run hostA -> hostB:IPERF_PORT;
# prints the JSON.
iperf_run() {
	ip netns exec "$hostA" timeout $((BENCH_SECS + 30)) \
		iperf3 -c "$LAB_HOSTB_IP" -p "$IPERF_PORT" -t "$BENCH_SECS" -J "$@" 2>/dev/null
	return 0
}

# tcp_bps STREAMS: bits/s received (empty on failure)
tcp_bps() {
	iperf_run -P "$1" | jq -r '.end.sum_received.bits_per_second // empty' 2>/dev/null
}

# udp_pps: 64-byte UDP payloads at full speed, packets/s received
udp_pps() {
	iperf_run -u -l 64 -b 0 |
		jq -r '.end.sum | select(.packets != null) |
			((.packets - .lost_packets) / .seconds | floor)' 2>/dev/null
}

# ------------------------------------------------------------ gateways

cm_reset() {
	cm_unload && cm_load
}

xfrm_flush() {
	local ns
	for ns in "$gwA" "$gwB"; do
		ip -n "$ns" xfrm state flush
		ip -n "$ns" xfrm policy flush
	done
}

# xfrm_both ENC AUTH: Linux XFRM tunnel on both gateways (keys set by
# esp_case_keys).
xfrm_both() {
	local ab ba
	xfrm_gwB "$1" "$2" tunnel || return 1
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

# cm_entry SEQ PEER TSET ACL SPI_IN CIN AIN SPI_OUT COUT AOUT [MAP]
cm_entry() {
	echo "crypto map ${11:-VPN} $1 ipsec-manual"
	echo " match address $4"
	echo " set peer $2"
	echo " set transform-set $3"
	session_key inbound "$5" "$6" "$7"
	session_key outbound "$8" "$9" "${10}"
}

# cm_both ENC AUTH: cryptomap tunnel on both gateways, LAN A <-> LAN B.
cm_both() {
	local ts="T-$1-$2" xf
	xf="crypto ipsec transform-set $ts $(enc_ios "$1") $(auth_ios "$2")"
	cm_cfg "$gwA" <<-EOF || return 1
		access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
		$xf
		 mode tunnel
		$(cm_entry 10 "$LAB_GWB_WAN_IP" "$ts" 101 "$SPI_BA" "$C_BA" "$A_BA" "$SPI_AB" "$C_AB" "$A_AB")
		interface wan0
		 crypto map VPN
	EOF
	cm_cfg "$gwB" <<-EOF
		access-list 101 permit ip 192.168.3.0 0.0.0.255 192.168.1.0 0.0.0.255
		$xf
		 mode tunnel
		$(cm_entry 10 "$LAB_GWA_WAN_IP" "$ts" 101 "$SPI_AB" "$C_AB" "$A_AB" "$SPI_BA" "$C_BA" "$A_BA")
		interface wan0
		 crypto map VPN
	EOF
}

# esp_count: ESP packets leaving gwA so far (nft counter at postrouting)
esp_count_start() {
	ip netns exec "$gwA" nft 'table ip bench { chain out { type filter hook postrouting priority 300; ip protocol esp counter; }; }'
}

esp_count() {
	ip netns exec "$gwA" nft -j list table ip bench 2>/dev/null |
		jq -r '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add // 0'
}

# measure SETUP_DESC: the three traffic kinds, BENCH_REPEAT times
measure_tput() {
	local setup=$1 tf=$2 r v before after
	for ((r = 1; r <= BENCH_REPEAT; r++)); do
		before=$(esp_count)
		v=$(tcp_bps 1)
		rec tput tcp1_bps "$v" setup="$setup" transform="$tf" run="$r"
		v=$(tcp_bps 4)
		rec tput tcp4_bps "$v" setup="$setup" transform="$tf" run="$r"
		v=$(udp_pps)
		rec tput udp64_pps "$v" setup="$setup" transform="$tf" run="$r"
		after=$(esp_count)
		rec tput esp_pkts "$((after - before))" setup="$setup" transform="$tf" run="$r"
		log "tput $setup $tf run $r done (ESP out of gwA: $((after - before)))"
	done
}

phase_tput() {
	local c enc auth spi=7000 tf
	log "tput: plain routing"
	measure_tput plain none
	for c in $BENCH_CASES; do
		enc=${c%%:*} auth=${c#*:}
		tf="$(enc_ios "$enc")${auth:+ $(auth_ios "$auth")}"
		tf=${tf% }
		spi=$((spi + 2))
		esp_case_keys "$enc" "$auth" "$spi"
		xfrm_both "$enc" "$auth" || { log "xfrm setup failed"; continue; }
		lab_ping || busywait 5000 lab_ping
		measure_tput xfrm "$tf"
		xfrm_flush
		cm_both "$enc" "$auth" || { log "cryptomap setup failed"; cm_reset; continue; }
		lab_ping || busywait 5000 lab_ping
		measure_tput cryptomap "$tf"
		cm_reset
	done
}

# ------------------------------------------------------------ policy

# policy_cfg_gwA LINES ENTRIES: the ACL 101 of LINES lines (LINES-1 deny
# lines that match nothing, then permit udp hostA -> hostB port 5201), in
# entry ENTRIES of map VPN whose ENTRIES-1 first entries match nothing
# (ACL 102: one line), each with its own keys.
policy_cfg_gwA() {
	local lines=$1 entries=$2 ts=T-aes256-sha
	awk -v n="$lines" 'BEGIN {
		for (i = 1; i < n; i++)
			printf "access-list 101 deny ip host 10.%d.%d.1 host 172.16.%d.%d\n",
				int(i / 256) % 256, i % 256, int(i / 256) % 256, i % 256
		print "access-list 101 permit udp host 192.168.1.100 host 192.168.3.100 eq 5201"
		print "access-list 102 permit ip host 10.255.255.1 host 10.255.255.2"
	}'
	echo "crypto ipsec transform-set $ts esp-aes 256 esp-sha-hmac"
	echo " mode tunnel"
	awk -v n="$entries" -v ts="$ts" -v peer="$LAB_GWB_WAN_IP" \
	    -v ck="$C_AB" -v ak="$A_AB" 'BEGIN {
		for (i = 1; i < n; i++) {
			printf "crypto map VPN %d ipsec-manual\n match address 102\n", i
			printf " set peer %s\n set transform-set %s\n", peer, ts
			printf " set session-key inbound esp %d cipher %s authenticator %s\n", 100000 + 2 * i, ck, ak
			printf " set session-key outbound esp %d cipher %s authenticator %s\n", 100001 + 2 * i, ck, ak
		}
	}'
	cm_entry "$entries" "$LAB_GWB_WAN_IP" "$ts" 101 "$SPI_BA" "$C_BA" "$A_BA" "$SPI_AB" "$C_AB" "$A_AB"
	echo "interface wan0"
	echo " crypto map VPN"
}

# policy_lookup: the module's acl_bench (one lookup in the bench ACL of L
# lines, compiled and walked, timed in the kernel: no traffic, no noise of
# the other stages) and acl_selftest (the classifier against the walk).
policy_lookup() {
	local lines line p=/sys/module/cryptomap/parameters
	for lines in $BENCH_ACL_SIZES; do
		echo "$lines" > "$p/acl_bench" || continue
		line=$(dmesg | grep "acl_bench: lines $lines " | tail -n 1)
		# ... ns: classifier last A none B linear last C none D
		# shellcheck disable=SC2046 # four numbers
		set -- $(sed -E 's/.*classifier last ([0-9]+) none ([0-9]+) linear last ([0-9]+) none ([0-9]+).*/\1 \2 \3 \4/' <<< "$line")
		[ $# -eq 4 ] || continue
		rec lookup ns "$1" acl_lines="$lines" matcher=classifier traffic=last-line
		rec lookup ns "$2" acl_lines="$lines" matcher=classifier traffic=no-match
		rec lookup ns "$3" acl_lines="$lines" matcher=walk traffic=last-line
		rec lookup ns "$4" acl_lines="$lines" matcher=walk traffic=no-match
	done
	if echo 300 > "$p/acl_selftest"; then
		rec lookup selftest_differences 0 acls=300
	else
		rec lookup selftest_differences 1 acls=300
	fi
}

# acl_walk 0|1: the module's acl_linear (walk the ACL lines instead of the
# classifier), for the same configuration measured both ways
acl_walk() {
	echo "$1" > /sys/module/cryptomap/parameters/acl_linear
}

phase_policy() {
	local lines entries t0 t1 v ts=T-aes256-sha cfg=/tmp/policy.cfg nlines m
	esp_case_keys aes256 sha 9000
	policy_lookup
	# gwB: the mirror of the live line only.
	cm_reset
	for entries in $BENCH_MAP_SIZES; do
		for lines in $BENCH_ACL_SIZES; do
			cm_reset
			cm_cfg "$gwB" <<-EOF || { log "gwB config failed"; return 1; }
				access-list 101 permit udp host 192.168.3.100 eq 5201 host 192.168.1.100
				crypto ipsec transform-set $ts esp-aes 256 esp-sha-hmac
				 mode tunnel
				$(cm_entry 10 "$LAB_GWA_WAN_IP" "$ts" 101 "$SPI_AB" "$C_AB" "$A_AB" "$SPI_BA" "$C_BA" "$A_BA")
				interface wan0
				 crypto map VPN
			EOF
			policy_cfg_gwA "$lines" "$entries" > "$cfg"
			nlines=$(wc -l < "$cfg")
			t0=$(now_ms)
			if ! ip netns exec "$gwA" "$CRYPTOMAP" config "$cfg" >/tmp/cfg.err 2>&1; then
				log "policy: config of $lines lines x $entries entries failed: $(head -c 300 /tmp/cfg.err)"
				continue
			fi
			t1=$(now_ms)
			rec config apply_ms $((t1 - t0)) acl_lines="$lines" map_entries="$entries" config_lines="$nlines"
			t0=$(now_ms)
			v=$(ip netns exec "$gwA" "$CRYPTOMAP" show running-config | wc -l)
			t1=$(now_ms)
			rec config show_running_ms $((t1 - t0)) acl_lines="$lines" map_entries="$entries" output_lines="$v"
			t0=$(now_ms)
			ip netns exec "$gwA" "$CRYPTOMAP" -j show crypto map >/dev/null
			t1=$(now_ms)
			rec config show_map_json_ms $((t1 - t0)) acl_lines="$lines" map_entries="$entries"
			log "policy: $lines lines x $entries entries configured ($nlines config lines)"
			for ((r = 1; r <= BENCH_SCALE_REPEAT; r++)); do
				for m in classifier walk; do
					[ "$m" = walk ] && [ "$BENCH_ACL_WALK" != 1 ] && continue
					acl_walk "$([ "$m" = walk ] && echo 1 || echo 0)"
					IPERF_PORT=5201
					before=$(esp_count)
					v=$(udp_pps)
					after=$(esp_count)
					rec policy udp64_pps "$v" traffic=last-line matcher="$m" acl_lines="$lines" map_entries="$entries" run="$r" esp_pkts="$((after - before))"
					IPERF_PORT=5301
					before=$(esp_count)
					v=$(udp_pps)
					after=$(esp_count)
					rec policy udp64_pps "$v" traffic=no-match matcher="$m" acl_lines="$lines" map_entries="$entries" run="$r" esp_pkts="$((after - before))"
				done
				acl_walk 0
			done
			IPERF_PORT=5201
		done
	done
	cm_reset
}

# ------------------------------------------------------------ SA scale

# mem_kb: Slab + Percpu from /proc/meminfo, in KiB
mem_kb() {
	awk '/^(Slab|Percpu):/ { s += $2 } END { print s }' /proc/meminfo
}

settle() {
	sync
	echo 2 > /proc/sys/vm/drop_caches 2>/dev/null
	sleep 1
}

# sa_cfg_gwB N: N-1 entries, each in a map of its own (D1, D2, ...: the
# CLI warns about every pair of entries of one map whose ACLs overlap, and
# one ACL per entry would make its check cubic), unbound, sharing ACL 102
# that matches nothing, each with its own SPI pair; then the live entry
# (the mirror of gwA) in map VPN, defined last, so that an inbound packet
# pays whatever the SA and entry lookups cost with N.
sa_cfg_gwB() {
	local n=$1 ts=T-aes256-sha
	echo "access-list 101 permit ip 192.168.3.0 0.0.0.255 192.168.1.0 0.0.0.255"
	echo "access-list 102 permit ip host 10.255.255.1 host 10.255.255.2"
	echo "crypto ipsec transform-set $ts esp-aes 256 esp-sha-hmac"
	echo " mode tunnel"
	awk -v n="$n" -v ts="$ts" -v peer="$LAB_GWA_WAN_IP" \
	    -v ck="$C_AB" -v ak="$A_AB" 'BEGIN {
		for (i = 1; i < n; i++) {
			printf "crypto map D%d 1 ipsec-manual\n match address 102\n", i
			printf " set peer %s\n set transform-set %s\n", peer, ts
			printf " set session-key inbound esp %d cipher %s authenticator %s\n", 1000000 + 2 * i, ck, ak
			printf " set session-key outbound esp %d cipher %s authenticator %s\n", 1000001 + 2 * i, ck, ak
		}
	}'
	cm_entry 10 "$LAB_GWA_WAN_IP" "$ts" 101 "$SPI_AB" "$C_AB" "$A_AB" "$SPI_BA" "$C_BA" "$A_BA"
	echo "interface wan0"
	echo " crypto map VPN"
}

# phase_sacfg: the SA scale through `cryptomap config` of N ipsec-manual
# entries (the configuration path; opt-in: BENCH_PHASES=sacfg).  The "sa"
# phase (sa_scale.sh) installs through the SA_ADD code instead.
phase_sacfg() {
	local n m0 m1 t0 t1 v cfg=/tmp/sa.cfg ts=T-aes256-sha nsa rc
	esp_case_keys aes256 sha 9100
	for n in $BENCH_SA_SIZES; do
		if [ "$n" -gt "$BENCH_SA_MAX" ]; then
			rec sa skipped "$n" reason="above BENCH_SA_MAX=$BENCH_SA_MAX"
			log "sa: $n skipped (BENCH_SA_MAX=$BENCH_SA_MAX)"
			continue
		fi
		cm_reset
		cm_cfg "$gwA" <<-EOF || { log "sa: gwA config failed"; return 1; }
			access-list 101 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
			crypto ipsec transform-set $ts esp-aes 256 esp-sha-hmac
			 mode tunnel
			$(cm_entry 10 "$LAB_GWB_WAN_IP" "$ts" 101 "$SPI_BA" "$C_BA" "$A_BA" "$SPI_AB" "$C_AB" "$A_AB")
			interface wan0
			 crypto map VPN
		EOF
		sa_cfg_gwB "$n" > "$cfg"
		settle
		m0=$(mem_kb)
		t0=$(now_ms)
		rc=0
		timeout "$BENCH_SA_TIMEOUT" ip netns exec "$gwB" "$CRYPTOMAP" config "$cfg" \
			>/tmp/cfg.err 2>&1 || rc=$?
		if [ "$rc" -eq 124 ]; then
			log "sa: config of $n entries did not finish in ${BENCH_SA_TIMEOUT}s"
			rec sa failed "$n" reason="cryptomap config did not finish in ${BENCH_SA_TIMEOUT} s (BENCH_SA_TIMEOUT)"
			break
		elif [ "$rc" -ne 0 ]; then
			log "sa: config of $n entries failed: $(head -c 300 /tmp/cfg.err)"
			rec sa failed "$n" reason="config failed"
			continue
		fi
		t1=$(now_ms)
		settle
		m1=$(mem_kb)
		nsa=$(ip netns exec "$gwB" "$CRYPTOMAP" -j show crypto ipsec sa 2>/dev/null |
			grep -o '"spi"' | wc -l)
		rec sa install_ms $((t1 - t0)) entries="$n" config_lines="$(wc -l < "$cfg")"
		rec sa sa_count "$nsa" entries="$n"
		rec sa mem_kb $((m1 - m0)) entries="$n"
		log "sa: $n entries: config $((t1 - t0)) ms, slab+percpu +$((m1 - m0)) KiB, $nsa SPIs in the SA dump"
		t0=$(now_ms)
		ip netns exec "$gwB" "$CRYPTOMAP" show running-config >/dev/null
		t1=$(now_ms)
		rec config show_running_ms $((t1 - t0)) sa_entries="$n"
		lab_ping || busywait 5000 lab_ping
		for ((r = 1; r <= BENCH_SCALE_REPEAT; r++)); do
			v=$(udp_pps)
			rec sa udp64_pps "$v" entries="$n" run="$r"
		done
	done
	cm_reset
}

# ------------------------------------------------------------ config scale

# phase_config (opt-in: BENCH_PHASES=config): the configuration path alone,
# no traffic.  For each N of BENCH_CONFIG_SIZES, three files, each applied
# to gwA of a freshly loaded module BENCH_SCALE_REPEAT times:
#   acl  one crypto ACL of N lines in a map of one entry (policy_cfg_gwA
#        N 1: N + 11 lines)
#   map  one map of N ipsec-manual entries (policy_cfg_gwA 1 N: 6N + 6)
#   sa   N maps of one ipsec-manual entry each (sa_cfg_gwB N: 6N + 2)
# Timed: `config --check` (the CLI's parse alone, no kernel), `config`,
# `show running-config`, `-j show crypto map`, and `config` of the same
# file again (read back, compared, nothing to send).  BENCH_CONFIG_KINDS
# picks the files; an apply over BENCH_SA_TIMEOUT s is stopped.
BENCH_CONFIG_SIZES=${BENCH_CONFIG_SIZES:-1 1000 10000}
BENCH_CONFIG_KINDS=${BENCH_CONFIG_KINDS:-acl map sa}

# config_profile KIND N FILE: with BENCH_PROFILE=1, after the first run of
# a point, the same file applied once more to a fresh module under
# `perf record -e cpu-clock -a -g` (TCG has no PMU: timer samples at
# BENCH_PROFILE_HZ on every vCPU, so samples / HZ = CPU seconds): the CPU
# by process and object, then the kernel functions with their callees'
# time included (the phases: ENTRY_SET/ACL_SET handling, the commit's
# SPD compile and SADB sync, the transforms' allocation), then the top
# self-time symbols.  BENCH_PROFILE=2 also counts the CLI's netlink
# syscalls (strace -c of one more apply; strace slows it a lot).
BENCH_PROFILE=${BENCH_PROFILE:-}
BENCH_PROFILE_HZ=${BENCH_PROFILE_HZ:-499}

# profile_report FILE LABEL: what config_profile prints of a perf.data
profile_report() {
	local p="# profile: $2:"
	perf report -i "$1" --stdio --header-only 2>/dev/null |
		grep -E 'sample duration' | sed "s/^/$p /"
	echo "$p CPU by process and object (${BENCH_PROFILE_HZ} samples = 1 CPU-s)"
	perf report -i "$1" --no-children --sort comm,dso --stdio -g none \
		-n --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' |
		head -20 | sed "s/^/$p /"
	echo "$p kernel functions, callees included"
	perf report -i "$1" --children --sort sym --stdio -g none -n \
		--percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' |
		grep -E '\[k\] (cm_|crypto_|__sys_|netlink_|genl_|drbg|aead_|kmem_|__kmalloc|pcpu_|alloc_percpu|__alloc_percpu|rht|rhashtable|vmalloc|__vmalloc|__alloc_pages|get_page_from|exit_|do_exit|do_execve|do_filp_open|do_user_addr_fault)' |
		head -50 | sed "s/^/$p /"
	echo "$p self time"
	perf report -i "$1" --no-children --sort dso,sym --stdio -g none -n \
		--percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$' |
		head -30 | sed "s/^/$p /"
}
config_profile() {
	local kind=$1 n=$2 cfg=$3 p="# profile: $1 $2:"
	command -v perf >/dev/null || { log "profile: no perf"; return 0; }
	cm_reset
	perf record -q -e cpu-clock -F "$BENCH_PROFILE_HZ" -a -g -o /tmp/perf.data -- \
		ip netns exec "$gwA" "$CRYPTOMAP" config "$cfg" >/dev/null 2>&1
	profile_report /tmp/perf.data "$kind $n"
	cm_reset
	if [ "$BENCH_PROFILE" = 2 ] && command -v strace >/dev/null; then
		strace -f -c -e trace=sendmsg,recvmsg,sendto,recvfrom -o /tmp/strace.out \
			ip netns exec "$gwA" "$CRYPTOMAP" config "$cfg" >/dev/null 2>&1
		sed "s/^/$p strace: /" /tmp/strace.out
		cm_reset
	fi
}

# config_apply_b KIND N FILE RUN: with BENCH_KO_B (the path of another
# cryptomap.ko, e.g. a candidate change), each run of a point also
# applies the file to a fresh load of that module, right after the run
# with the tree's, so that both are timed under the same host load
# (records with ko=b).
BENCH_KO_B=${BENCH_KO_B:-}
config_apply_b() {
	local kind=$1 n=$2 cfg=$3 r=$4 ko=$CRYPTOMAP_KO t0 t1 u sy rc=0
	CRYPTOMAP_KO=$BENCH_KO_B
	cm_reset || { CRYPTOMAP_KO=$ko; cm_reset; return 1; }
	t0=$(now_ms)
	{ TIMEFORMAT='%3U %3S'; time timeout "$BENCH_SA_TIMEOUT" \
		ip netns exec "$gwA" "$CRYPTOMAP" config "$cfg" \
		>/tmp/cfg.err 2>&1 || rc=$?; } 2>/tmp/cfg.time
	t1=$(now_ms)
	if [ "$rc" -eq 0 ]; then
		read -r u sy < /tmp/cfg.time
		rec config apply_ms $((t1 - t0)) kind="$kind" n="$n" run="$r" ko=b
		rec config apply_user_ms "$(awk -v x="$u" 'BEGIN { printf "%d", x * 1000 }')" kind="$kind" n="$n" run="$r" ko=b
		rec config apply_sys_ms "$(awk -v x="$sy" 'BEGIN { printf "%d", x * 1000 }')" kind="$kind" n="$n" run="$r" ko=b
		log "config: $kind $n applied with $BENCH_KO_B"
	else
		log "config: $kind $n failed with $BENCH_KO_B ($rc): $(head -c 300 /tmp/cfg.err)"
	fi
	CRYPTOMAP_KO=$ko
	cm_reset
}

# config_point KIND N FILE [KEY=VAL...]: the timings of one file
config_point() {
	local kind=$1 n=$2 cfg=$3 nl t0 t1 v r rc
	shift 3
	nl=$(wc -l < "$cfg")
	for ((r = 1; r <= BENCH_SCALE_REPEAT; r++)); do
		cm_reset
		t0=$(now_ms)
		"$CRYPTOMAP" config --check "$cfg" >/dev/null 2>&1
		t1=$(now_ms)
		rec config check_ms $((t1 - t0)) kind="$kind" n="$n" config_lines="$nl" run="$r" "$@"
		t0=$(now_ms)
		rc=0
		# user and system CPU of the CLI: the requests are handled,
		# and the policy compiled, in its system time
		{ TIMEFORMAT='%3U %3S'; time timeout "$BENCH_SA_TIMEOUT" \
			ip netns exec "$gwA" "$CRYPTOMAP" config "$cfg" \
			>/tmp/cfg.err 2>&1 || rc=$?; } 2>/tmp/cfg.time
		t1=$(now_ms)
		if [ "$rc" -ne 0 ]; then
			log "config: $kind $n failed ($rc): $(head -c 300 /tmp/cfg.err)"
			rec config failed "$rc" kind="$kind" n="$n" config_lines="$nl" run="$r"
			continue
		fi
		rec config apply_ms $((t1 - t0)) kind="$kind" n="$n" config_lines="$nl" run="$r" "$@"
		read -r v rc < /tmp/cfg.time
		rec config apply_user_ms "$(awk -v x="$v" 'BEGIN { printf "%d", x * 1000 }')" kind="$kind" n="$n" run="$r"
		rec config apply_sys_ms "$(awk -v x="$rc" 'BEGIN { printf "%d", x * 1000 }')" kind="$kind" n="$n" run="$r"
		t0=$(now_ms)
		v=$(ip netns exec "$gwA" "$CRYPTOMAP" show running-config | wc -l)
		t1=$(now_ms)
		rec config show_running_ms $((t1 - t0)) kind="$kind" n="$n" output_lines="$v" run="$r" "$@"
		t0=$(now_ms)
		ip netns exec "$gwA" "$CRYPTOMAP" -j show crypto map >/dev/null
		t1=$(now_ms)
		rec config show_map_json_ms $((t1 - t0)) kind="$kind" n="$n" run="$r" "$@"
		t0=$(now_ms)
		ip netns exec "$gwA" "$CRYPTOMAP" config "$cfg" >/dev/null 2>&1
		t1=$(now_ms)
		rec config reapply_ms $((t1 - t0)) kind="$kind" n="$n" config_lines="$nl" run="$r" "$@"
		log "config: $kind $n ($nl lines) applied"
		[ -z "$BENCH_KO_B" ] || config_apply_b "$kind" "$n" "$cfg" "$r"
		if [ "$r" -eq 1 ] && [ -n "$BENCH_PROFILE" ]; then
			config_profile "$kind" "$n" "$cfg"
		fi
	done
}

phase_config() {
	local n cfg=/tmp/config.cfg
	esp_case_keys aes256 sha 9200
	for n in $BENCH_CONFIG_SIZES; do
		case " $BENCH_CONFIG_KINDS " in *" acl "*)
			policy_cfg_gwA "$n" 1 > "$cfg"
			config_point acl "$n" "$cfg" acl_lines="$n" map_entries=1
		esac
		case " $BENCH_CONFIG_KINDS " in *" map "*)
			policy_cfg_gwA 1 "$n" > "$cfg"
			config_point map "$n" "$cfg" acl_lines=1 map_entries="$n"
		esac
		case " $BENCH_CONFIG_KINDS " in *" sa "*)
			sa_cfg_gwB "$n" > "$cfg"
			config_point sa "$n" "$cfg" sa_entries="$n"
		esac
	done
	cm_reset
}

# ------------------------------------------------------------ main
# In braces: parsed whole before it runs, so that editing this file while a
# bench is going does not derail it.
{
lab_setup || { echo "lab setup failed"; exit 1; }
cm_load || { echo "cannot load $CRYPTOMAP_KO"; exit 1; }
command -v iperf3 >/dev/null || { echo "iperf3 missing (make deps)"; exit 1; }
lab_ping || busywait 5000 lab_ping || { echo "lab does not route"; exit 1; }
iperf_servers || { echo "iperf3 servers do not start"; exit 1; }
esp_count_start || { echo "nft counter setup failed"; exit 1; }

rec meta guest_cpus "$(nproc)"
rec meta secs "$BENCH_SECS"
rec meta repeat "$BENCH_REPEAT"
rec meta scale_repeat "$BENCH_SCALE_REPEAT"
rec meta kver 0 kver="$KVER"
for p in $BENCH_PHASES; do
	log "phase $p"
	t0=$(now_ms)
	"phase_$p"
	rec meta phase_ms $(($(now_ms) - t0)) which="$p"
done

/usr/bin/python3 "$BENCH_DIR/report.py" "$BENCH_RAW"
exit
}
