#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot one QEMU guest per kernel, run selftests/bench/run.sh in
# it, print its table and keep build/bench/KVER.json (+ KVER.log).
#
#   selftests/bench/vm.sh KVER...
#
# BENCH_* variables (see run.sh) are passed to the guest; VM_TIMEOUT
# defaults to 3600 s here.  BENCH_SUFFIX names the files KVER-SUFFIX.*
# (e.g. when phases run in separate guests: BENCH_PHASES=tput).

# In braces: parsed whole before it runs (edits while a bench runs are safe).
{
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/bench
mkdir -p "$out"
export VM_TIMEOUT=${VM_TIMEOUT:-3600}

[ $# -gt 0 ] || { echo "usage: $0 KVER..." >&2; exit 2; }

rc=0
for kver in "$@"; do
	env=
	for v in $(compgen -v | grep -E '^BENCH_'); do
		env="$env $v=$(printf %q "${!v}")"
	done
	commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null)
	dirty=$(git -C "$repo" status --porcelain -- kmod tools/cryptomap selftests/bench 2>/dev/null | head -c1)
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "# bench $kver, commit $commit${dirty:+ (+ uncommitted changes)}, host load $load0, $(nproc) host CPUs"
	name=$kver${BENCH_SUFFIX:+-$BENCH_SUFFIX}
	log=$out/$name.log
	"$repo/selftests/vm/run.sh" --kver "$kver" \
		--cmd "env$env bash selftests/bench/run.sh" 2>&1 | tee "$log"
	st=${PIPESTATUS[0]}
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "# host load after: $load1"
	json=$(sed -n '/^BENCH-JSON-BEGIN$/,/^BENCH-JSON-END$/p' "$log" | sed '1d;$d')
	if [ -z "$json" ] && grep -q '^BENCH-RAW ' "$log"; then
		# The guest did not finish: report what it measured.
		echo "bench: the $kver guest did not finish (exit status $st); partial figures:" >&2
		sed -n 's/^BENCH-RAW //p' "$log" > "$out/$name.raw"
		report=$("$here/report.py" "$out/$name.raw")
		printf '%s\n' "$report" | sed '/^BENCH-JSON-BEGIN$/,$d' >&2
		json=$(printf '%s\n' "$report" |
			sed -n '/^BENCH-JSON-BEGIN$/,/^BENCH-JSON-END$/p' | sed '1d;$d')
		json=$(printf '%s\n' "$json" | jq '.meta.partial = true')
	fi
	if [ -z "$json" ]; then
		echo "bench: no results from the $kver guest (exit status $st), see $log" >&2
		rc=1
		continue
	fi
	printf '%s\n' "$json" | jq --arg c "$commit${dirty:+-dirty}" --arg l0 "$load0" \
		--arg l1 "$load1" --arg d "$(date -u +%FT%TZ)" --arg cpu "$(nproc)" \
		'.meta += {commit: $c, host_load_before: $l0, host_load_after: $l1,
			   date: $d, host_cpus: ($cpu | tonumber)}' > "$out/$name.json"
	echo "# wrote $out/$name.json"
	[ "$st" -eq 0 ] || rc=1
done
exit "$rc"
}
