# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The SA-scale phase of selftests/bench/run.sh (sourced by it): "sa".
#
# For each N of BENCH_SA_SIZES (default 1 1000 10000 100000), in gwB's
# netns, the module's debug parameter sa_bench=N installs N SA bundles
# (ESP in + out, esp-aes 256 esp-sha-hmac, random keys: 2N SAs) through
# the code SA_ADD uses (kmod/sa_bench.c), times the install and then
# inbound lookups in the kernel (the same SPI again and again, random
# installed SPIs, absent SPIs; the fastest of 1,024 batches of 1,024
# lookups, and the mean: a loaded host deschedules the guest's vCPU at
# random, which the mean includes and the fastest batch does not).  The bench then reads Slab + Percpu
# (/proc/meminfo, after drop_caches) with and without the bundles, and
# sends UDP 64 B traffic hostA -> hostB through the live ipsec-manual
# entry of gwB while the N bundles are in its SA table.
#
# For comparison, the same memory measure for Linux XFRM: BENCH_SA_XFRM
# (default 1000 10000; 100,000 take ~10 min under TCG) states `ip xfrm state add ... enc cbc(aes)
# auth-trunc hmac(sha1) 96`, random keys, in a netns of their own, added
# by one `ip -batch`.
#
# SAs are keyed at their first packet (kmod/sa_tfm.c), so the N pairs
# above hold no transform.  BENCH_SA_KEYED (default 10000) pairs are then
# installed again with tfm_at_install=1, keyed at install: what an SA that
# has carried traffic holds (memory only).
#
# The kernel's AEAD transform alone: sa_bench_tfm=BENCH_SA_TFM (10000)
# keyed transforms, Slab + Percpu delta / N, to tell what an SA's
# transform costs from the rest: the module's default (an inbound
# esp-aes esp-sha-hmac SA's authenc(hmac(sha1),cbc(aes))), then each
# crypto API name of BENCH_SA_TFM_ALGS (e.g. the outbound SA's
# echainiv(...), rfc4106(gcm(aes)), seqiv(rfc4106(gcm(aes)))), each with
# the slab caches that grew (/proc/slabinfo: which kmalloc size classes
# the nested transforms land in).  The packet rate among N is followed by
# one with the N bundles removed (the host's load drifts: the ratio of
# the two adjacent runs is the fairer one).
#
# Records: phase "sascale".

BENCH_SA_XFRM=${BENCH_SA_XFRM:-1000 10000}
BENCH_SA_TFM=${BENCH_SA_TFM:-10000}
# SA pairs installed with tfm_at_install=1 (keyed at once), memory only
BENCH_SA_KEYED=${BENCH_SA_KEYED:-10000}
# More transforms to measure alone, by crypto API name (space separated)
BENCH_SA_TFM_ALGS=${BENCH_SA_TFM_ALGS:-}

# sa_bench_set N: write the module's sa_bench in gwB; prints its log lines
# (the figures, then the install split).  With BENCH_PROFILE set and N at
# least BENCH_PROFILE_SA, the install runs under perf record (see
# config_profile in run.sh).
BENCH_PROFILE_SA=${BENCH_PROFILE_SA:-10000}
sa_bench_set() {
	local mark cmd="echo $1 > /sys/module/cryptomap/parameters/sa_bench"
	mark="sa-bench-$RANDOM$RANDOM"
	echo "$mark" > /dev/kmsg
	if [ -n "$BENCH_PROFILE" ] && [ "$1" -ge "$BENCH_PROFILE_SA" ] &&
	   command -v perf >/dev/null; then
		perf record -q -e cpu-clock -F "${BENCH_PROFILE_HZ:-499}" -a -g -o /tmp/perf.data -- \
			ip netns exec "$gwB" sh -c "$cmd" || return 1
		profile_report /tmp/perf.data "sa_bench $1" >&2
	else
		ip netns exec "$gwB" sh -c "$cmd" || return 1
	fi
	dmesg | sed -n "/$mark/,\$p" | grep 'sa_bench: pairs' | tail -n 1
	dmesg | sed -n "/$mark/,\$p" | grep 'sa_bench: install split' | tail -n 1
}

# slab_bytes: bytes of every slab cache's active objects, "cache bytes"
slab_bytes() {
	awk 'NR > 2 { print $1, $2 * $4 }' /proc/slabinfo
}

# tfm_mem NAME: BENCH_SA_TFM keyed transforms of NAME (the crypto API's
# name; "" = the module's default, an inbound SA's authenc(hmac(sha1),
# cbc(aes))): Slab + Percpu delta, and the slab caches that grew by at
# least 8 bytes per transform (which kmalloc size classes the nested
# transforms take).
tfm_mem() {
	local name=$1 m0 m1 mark
	settle
	m0=$(mem_kb)
	slab_bytes > /tmp/slab0
	mark="sa-bench-tfm-$RANDOM$RANDOM"
	echo "$mark" > /dev/kmsg
	echo "$BENCH_SA_TFM${name:+ $name}" > /sys/module/cryptomap/parameters/sa_bench_tfm ||
		{ log "sa: sa_bench_tfm '$name' refused"; return 0; }
	settle
	m1=$(mem_kb)
	slab_bytes > /tmp/slab1
	rec sascale tfm_mem_kb $((m1 - m0)) tfms="$BENCH_SA_TFM" alg="${name:-default}"
	log "sa: $BENCH_SA_TFM keyed AEAD transforms ${name:-(default)}: +$((m1 - m0)) KiB, $(((m1 - m0) * 1024 / BENCH_SA_TFM)) B each; $(dmesg | sed -n "/$mark/,\$p" | grep -o 'sa_bench_tfm: .*' | tail -n 1)"
	log "sa:   slab growth per transform: $(awk -v n="$BENCH_SA_TFM" '
		NR == FNR { b[$1] = $2; next }
		{ d = ($2 - b[$1]) / n; if (d >= 8) printf "%s %.0f B, ", $1, d }' /tmp/slab0 /tmp/slab1)"
	echo 0 > /sys/module/cryptomap/parameters/sa_bench_tfm
}

# xfrm_mem N: KiB of Slab + Percpu that N XFRM ESP states take
xfrm_mem() {
	local n=$1 ns=xbench m0 m1 t0 t1 cnt
	ip netns add "$ns" || return 1
	awk -v n="$n" 'BEGIN {
		srand();
		for (i = 0; i < n; i++) {
			c = ""; a = "";
			for (j = 0; j < 8; j++) c = c sprintf("%08x", int(rand() * 4294967296));
			for (j = 0; j < 5; j++) a = a sprintf("%08x", int(rand() * 4294967296));
			printf "xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi %d mode tunnel enc cbc(aes) 0x%s auth-trunc hmac(sha1) 0x%s 96\n",
				1342177280 + i, c, a
		}
	}' > /tmp/xfrm.batch
	settle
	m0=$(mem_kb)
	t0=$(now_ms)
	ip -n "$ns" -batch /tmp/xfrm.batch >/dev/null 2>/tmp/xfrm.err ||
		log "sa: xfrm batch: $(head -c 200 /tmp/xfrm.err)"
	t1=$(now_ms)
	settle
	m1=$(mem_kb)
	cnt=$(ip -n "$ns" xfrm state count 2>/dev/null | grep -o '[0-9]*' | head -n 1)
	ip -n "$ns" xfrm state flush
	ip netns del "$ns"
	rm -f /tmp/xfrm.batch
	rec sascale xfrm_mem_kb $((m1 - m0)) states="$n" installed="${cnt:-0}"
	rec sascale xfrm_install_ms $((t1 - t0)) states="$n"
	log "sa: xfrm $n states (${cnt:-?} in the SAD): +$((m1 - m0)) KiB, $((t1 - t0)) ms"
}

phase_sa() {
	local n m0 m1 line split r v cms pms tenths ts=T-aes256-sha
	esp_case_keys aes256 sha 9100
	cm_reset
	for g in "$gwA:$LAB_GWB_WAN_IP" "$gwB:$LAB_GWA_WAN_IP"; do
		local ns=${g%%:*} peer=${g#*:} acl in out
		if [ "$ns" = "$gwA" ]; then
			acl="192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255"
			in="$SPI_BA $C_BA $A_BA" out="$SPI_AB $C_AB $A_AB"
		else
			acl="192.168.3.0 0.0.0.255 192.168.1.0 0.0.0.255"
			in="$SPI_AB $C_AB $A_AB" out="$SPI_BA $C_BA $A_BA"
		fi
		# shellcheck disable=SC2086 # key fields
		cm_cfg "$ns" <<-EOF || { log "sa: $ns config failed"; return 1; }
			access-list 101 permit ip $acl
			crypto ipsec transform-set $ts esp-aes 256 esp-sha-hmac
			 mode tunnel
			$(cm_entry 10 "$peer" "$ts" 101 $in $out)
			interface wan0
			 crypto map VPN
		EOF
	done
	lab_ping || busywait 5000 lab_ping || { log "sa: no traffic through the live SA"; return 1; }
	for n in $BENCH_SA_SIZES; do
		sa_bench_set 0 >/dev/null
		settle
		m0=$(mem_kb)
		line=$(sa_bench_set "$n") || { rec sascale failed "$n" reason="sa_bench=$n refused"; continue; }
		settle
		m1=$(mem_kb)
		split=$(sed -n 's/.*install split: //p' <<< "$line")
		line=$(head -n 1 <<< "$line")
		# pairs P sas S install_ns I per_pair_ns X lookup ns: hot H random R
		# miss M mean hot H random R miss M
		# shellcheck disable=SC2046 # numbers
		set -- $(sed -E 's/.*pairs ([0-9]+) sas ([0-9]+) install_ns ([0-9]+) per_pair_ns ([0-9]+) lookup ns: hot ([0-9]+) random ([0-9]+) miss ([0-9]+) mean hot ([0-9]+) random ([0-9]+) miss ([0-9]+).*/\1 \2 \3 \4 \5 \6 \7 \8 \9/' <<< "$line")
		if [ $# -ne 9 ]; then
			log "sa: no sa_bench figures for $n: $line"
			rec sascale failed "$n" reason="no sa_bench figures"
			continue
		fi
		rec sascale install_ms $(($3 / 1000000)) pairs="$n" sas="$2"
		rec sascale lookup_ns "$5" pairs="$n" sas="$2" lookup=hot
		rec sascale lookup_ns "$6" pairs="$n" sas="$2" lookup=random
		rec sascale lookup_ns "$7" pairs="$n" sas="$2" lookup=miss
		rec sascale lookup_mean_ns "$8" pairs="$n" sas="$2" lookup=hot
		rec sascale lookup_mean_ns "$9" pairs="$n" sas="$2" lookup=random
		rec sascale mem_kb $((m1 - m0)) pairs="$n" sas="$2"
		log "sa: $n pairs: install $(($3 / 1000000)) ms, lookup hot $5 random $6 miss $7 ns, +$((m1 - m0)) KiB"
		log "sa: $n pairs: $split; guest $(grep -E '^(MemTotal|MemFree)' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
		read -r cms pms tenths <<< "$(sed -E 's/create ([0-9]+) ms.*publish ([0-9]+) ms.*tenth of the pairs: (.*)/\1 \2 \3/' <<< "$split")"
		if [ -n "$tenths" ]; then
			rec sascale install_create_ms "$cms" pairs="$n" tenths_ms="$tenths"
			rec sascale install_publish_ms "$pms" pairs="$n"
		fi
		for ((r = 1; r <= BENCH_SCALE_REPEAT; r++)); do
			v=$(udp_pps)
			rec sascale udp64_pps "$v" pairs="$n" sas="$2" run="$r"
		done
		[ "$n" -gt 1 ] || continue
		sa_bench_set 0 >/dev/null
		for ((r = 1; r <= BENCH_SCALE_REPEAT; r++)); do
			v=$(udp_pps)
			rec sascale udp64_pps_after "$v" pairs="$n" run="$r"
		done
	done
	sa_bench_set 0 >/dev/null
	# The same SAs keyed at install (tfm_at_install=1): what an SA that
	# carries traffic holds, its transform keyed by its first packet.
	for n in $BENCH_SA_KEYED; do
		settle
		m0=$(mem_kb)
		echo 1 > /sys/module/cryptomap/parameters/tfm_at_install
		line=$(sa_bench_set "$n")
		echo 0 > /sys/module/cryptomap/parameters/tfm_at_install
		[ -n "$line" ] || { log "sa: keyed: sa_bench=$n refused"; continue; }
		settle
		m1=$(mem_kb)
		rec sascale mem_kb_keyed $((m1 - m0)) pairs="$n" sas=$((2 * n))
		log "sa: $n pairs keyed at install: +$((m1 - m0)) KiB, $(((m1 - m0) * 1024 / (2 * n))) B/SA"
		sa_bench_set 0 >/dev/null
	done
	tfm_mem ""
	for v in $BENCH_SA_TFM_ALGS; do
		tfm_mem "$v"
	done
	for n in $BENCH_SA_XFRM; do
		xfrm_mem "$n"
	done
	cm_reset
}
