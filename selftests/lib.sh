#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the cryptomap selftests.  Source it first thing:
#
#	. "$(dirname "$0")/lib.sh"
#
# The tests run as root inside a QEMU guest (selftests/vm/run.sh) with
# KVER, CRYPTOMAP_KO, CRYPTOMAP and SELFTESTS set and cwd the repo root.
# Writes anywhere land in the guest's RAM and vanish with it; files written
# into $VM_ARTIFACTS are kept on the host in
# build/vm-logs/KVER/NAME.artifacts/.  They print KTAP and exit
# 0 (pass), 4 (skip) or anything else (fail):
#
#	ktap_header; ktap_plan 3
#	check "module loads" cm_load
#	check_match "family listed" 'cryptomap' genl ctrl list
#	check_fail "bad key refused" "$CRYPTOMAP" ...
#	ktap_finish
#
# Cleanup: namespaces made by setup_ns are deleted at exit; add your own
# cleanup with `on_exit CMD...` (do not replace the EXIT trap).
#
# Failures are recorded, not fatal: the check helpers return 1 on not ok,
# so do not run tests under `set -e` (set -u is fine).

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

: "${KVER:=$(uname -r)}"
: "${SELFTESTS:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
: "${CRYPTOMAP_KO:=$SELFTESTS/../build/$KVER/cryptomap.ko}"
: "${CRYPTOMAP:=$SELFTESTS/../tools/cryptomap/cryptomap}"
export KVER SELFTESTS CRYPTOMAP_KO CRYPTOMAP
export PATH=$PATH:/usr/sbin:/sbin

# ---------------------------------------------------------------- KTAP

__ktap_n=0
__ktap_pass=0
__ktap_fail=0
__ktap_skip=0
__ktap_plan=

ktap_header() {
	echo "TAP version 13"
	if [ "${VM_TIME_SCALE:-1}" -gt 1 ]; then
		echo "# slow kernel: busywait time-outs x$VM_TIME_SCALE (VM_TIME_SCALE)"
	fi
}

# ktap_plan N: the number of results the test will report.
ktap_plan() {
	__ktap_plan=$1
	echo "1..$1"
}

ktap_ok() {
	__ktap_n=$((__ktap_n + 1))
	__ktap_pass=$((__ktap_pass + 1))
	echo "ok $__ktap_n $*"
}

ktap_fail() {
	__ktap_n=$((__ktap_n + 1))
	__ktap_fail=$((__ktap_fail + 1))
	echo "not ok $__ktap_n $*"
}

# ktap_skip DESC REASON
ktap_skip() {
	__ktap_n=$((__ktap_n + 1))
	__ktap_skip=$((__ktap_skip + 1))
	echo "ok $__ktap_n $1 # SKIP${2:+ $2}"
}

# ktap_result DESC RC: ok if RC is 0.
ktap_result() {
	if [ "$2" -eq 0 ]; then
		ktap_ok "$1"
	else
		ktap_fail "$1"
	fi
}

# Diagnostic lines (KTAP "# ..."), from arguments or stdin.
ktap_diag() {
	if [ $# -gt 0 ]; then
		printf '# %s\n' "$*"
	else
		sed 's/^/# /'
	fi
}

# ktap_finish: print the totals and exit 1 if anything failed (or the plan
# was not met), 4 if everything was skipped, else 0.
ktap_finish() {
	local rc=$KSFT_PASS

	if [ -n "$__ktap_plan" ] && [ "$__ktap_plan" -ne "$__ktap_n" ]; then
		echo "# planned $__ktap_plan results, reported $__ktap_n"
		rc=$KSFT_FAIL
	fi
	echo "# Totals: pass:$__ktap_pass fail:$__ktap_fail xfail:0 xpass:0 skip:$__ktap_skip error:0"
	if [ "$__ktap_fail" -gt 0 ]; then
		rc=$KSFT_FAIL
	elif [ "$rc" -eq 0 ] && [ "$__ktap_skip" -gt 0 ] && [ "$__ktap_skip" -eq "$__ktap_n" ]; then
		rc=$KSFT_SKIP
	fi
	exit "$rc"
}

# Skip the whole test (before or after the plan).
ktap_skip_all() {
	[ -z "$__ktap_plan" ] && echo "1..0 # SKIP $*"
	echo "# SKIP $*"
	exit "$KSFT_SKIP"
}

# Fail the whole test at once (setup went wrong).
ktap_exit_fail() {
	echo "# FAIL $*"
	echo "Bail out! $*"
	exit "$KSFT_FAIL"
}

# --------------------------------------------------------- checks
#
# Each runs a command in the current shell (so side effects stay), keeps
# its output in $CHECK_OUT and its status in $CHECK_RC, records one KTAP
# result and returns 0 on ok, 1 on not ok.  On not ok the command and its
# output are printed as diagnostics.

CHECK_OUT=
CHECK_RC=0
__check_tmp=

__check_run() {
	[ -n "$__check_tmp" ] || __check_tmp=$(mktemp)
	CHECK_RC=0
	"$@" > "$__check_tmp" 2>&1 || CHECK_RC=$?
	CHECK_OUT=$(cat "$__check_tmp")
}

__check_report() {
	local desc=$1 good=$2 why=$3
	shift 3
	if [ "$good" = 1 ]; then
		ktap_ok "$desc"
		return 0
	fi
	ktap_fail "$desc"
	echo "# command: $*"
	echo "# $why"
	[ -n "$CHECK_OUT" ] && printf '%s\n' "$CHECK_OUT" | sed 's/^/#   /'
	return 1
}

# check DESC CMD...: ok if CMD exits 0.
check() {
	local desc=$1
	shift
	__check_run "$@"
	__check_report "$desc" "$([ "$CHECK_RC" -eq 0 ] && echo 1)" \
		"exit status $CHECK_RC, expected 0" "$@"
}

# check_fail DESC CMD...: ok if CMD exits non-zero.
check_fail() {
	local desc=$1
	shift
	__check_run "$@"
	__check_report "$desc" "$([ "$CHECK_RC" -ne 0 ] && echo 1)" \
		"exit status 0, expected a failure" "$@"
}

# check_match DESC REGEX CMD...: ok if CMD exits 0 and its output matches
# the extended regular expression REGEX (grep -E, any line).
check_match() {
	local desc=$1 re=$2
	shift 2
	__check_run "$@"
	if [ "$CHECK_RC" -ne 0 ]; then
		__check_report "$desc" 0 "exit status $CHECK_RC, expected 0" "$@"
	elif ! printf '%s\n' "$CHECK_OUT" | grep -qE -- "$re"; then
		__check_report "$desc" 0 "output does not match /$re/" "$@"
	else
		__check_report "$desc" 1 "" "$@"
	fi
}

# check_nomatch DESC REGEX CMD...: ok if CMD exits 0 and no output line
# matches REGEX.
check_nomatch() {
	local desc=$1 re=$2
	shift 2
	__check_run "$@"
	if [ "$CHECK_RC" -ne 0 ]; then
		__check_report "$desc" 0 "exit status $CHECK_RC, expected 0" "$@"
	elif printf '%s\n' "$CHECK_OUT" | grep -qE -- "$re"; then
		__check_report "$desc" 0 "output matches /$re/" "$@"
	else
		__check_report "$desc" 1 "" "$@"
	fi
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	CHECK_OUT="expected: '$2'
actual:   '$3'"
	CHECK_RC=0
	__check_report "$1" "$([ "$2" = "$3" ] && echo 1)" "values differ" "[ '$2' = '$3' ]"
}

# ---------------------------------------------------------- cleanup

__exit_cmds=()

# on_exit CMD...: run CMD at exit (last registered runs first).
on_exit() {
	__exit_cmds+=("$(printf '%q ' "$@")")
}

__lib_exit() {
	local rc=$? i
	for ((i = ${#__exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${__exit_cmds[i]}" >/dev/null 2>&1
	done
	cleanup_all_ns
	[ -n "$__check_tmp" ] && rm -f "$__check_tmp"
	exit "$rc"
}
trap __lib_exit EXIT

# ------------------------------------------------------------ module

# cm_builtin: cryptomap is built into the kernel (CONFIG_CRYPTOMAP=y, a
# tree made by tools/intree.sh): /sys/module/cryptomap exists (its
# parameters) but has no initstate, which only loadable modules have.
# cm_load is then a no-op and cm_unload fails: a step that needs rmmod
# reports itself skipped (ktap_skip ... "$CM_BUILTIN_WHY"), a test that is
# all about unloading skips whole (cm_skip_if_builtin).
CM_BUILTIN_WHY="cryptomap is built into the kernel (no rmmod)"
cm_builtin() {
	[ -d /sys/module/cryptomap ] && [ ! -e /sys/module/cryptomap/initstate ]
}

cm_skip_if_builtin() {
	cm_builtin && ktap_skip_all "$CM_BUILTIN_WHY"
	return 0
}

# cm_load: insmod $CRYPTOMAP_KO unless the module is loaded (or built in).
cm_load() {
	[ -e /sys/module/cryptomap/initstate ] && return 0
	cm_builtin && return 0
	if [ ! -f "$CRYPTOMAP_KO" ]; then
		echo "cm_load: no module at $CRYPTOMAP_KO (make module KVER=$KVER)" >&2
		return 1
	fi
	insmod "$CRYPTOMAP_KO"
}

# cm_unload: rmmod cryptomap if loaded; fails if it is built in.
cm_unload() {
	if cm_builtin; then
		echo "cm_unload: $CM_BUILTIN_WHY" >&2
		return 1
	fi
	[ -e /sys/module/cryptomap/initstate ] || return 0
	rmmod cryptomap
}

cm_loaded() {
	[ -e /sys/module/cryptomap/initstate ] || cm_builtin
}

# ------------------------------------------------------- namespaces

NS_LIST=()

# setup_ns NAME...: for each NAME create a namespace with a unique name,
# store that name in the variable NAME, bring lo up.  They are all deleted
# at exit.
setup_ns() {
	local var ns
	for var in "$@"; do
		ns="$var-$(mktemp -u XXXXXX)"
		if ! ip netns add "$ns"; then
			echo "setup_ns: cannot create $ns" >&2
			return 1
		fi
		NS_LIST+=("$ns")
		ip -n "$ns" link set lo up || return 1
		printf -v "$var" '%s' "$ns"
	done
}

# cleanup_ns NS...: delete these namespaces now.
cleanup_ns() {
	local ns i
	for ns in "$@"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
		for i in "${!NS_LIST[@]}"; do
			[ "${NS_LIST[i]}" = "$ns" ] && unset 'NS_LIST[i]'
		done
	done
	return 0
}

cleanup_all_ns() {
	[ ${#NS_LIST[@]} -gt 0 ] && cleanup_ns "${NS_LIST[@]}"
	return 0
}

# in_ns NS CMD...: run CMD in namespace NS.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ------------------------------------------------------------- wait

# busywait TIMEOUT_MS CMD...: retry CMD every 100 ms until it exits 0 or
# TIMEOUT_MS have passed; returns CMD's last status.  Use it instead of
# fixed sleeps.  TIMEOUT_MS is multiplied by VM_TIME_SCALE, which the
# runner sets above 1 for a slow kernel (KASAN and lockdep under TCG run
# the same work 5 to 10 times slower): the condition still has to come
# true, only the wait for it is longer.
busywait() {
	local timeout_ms=$(($1 * ${VM_TIME_SCALE:-1})) start tried rc
	shift
	start=$(__now_ms)
	while :; do
		tried=$(__now_ms)
		rc=0
		"$@" || rc=$?
		[ "$rc" -eq 0 ] && return 0
		if [ $(($(__now_ms) - start)) -ge "$timeout_ms" ]; then
			# Time is up; if this look began a second or more ago
			# (the test was not scheduled meanwhile), one more: what
			# it waits for may have come while it did not run.
			[ $(($(__now_ms) - tried)) -lt 1000 ] && return "$rc"
			rc=0
			"$@" || rc=$?
			return "$rc"
		fi
		sleep 0.1
	done
}

# __now_ms: the wall clock in milliseconds, without a process
__now_ms() {
	echo $((${EPOCHREALTIME//[!0-9]/} / 1000))
}

# ping_all_answered FILE: FILE, the output of a ping (not -q) stopped by
# SIGINT, shows a reply to every echo request; ping counts the last one
# lost when its reply was still on its way at the signal, so that one may
# lack a reply (and only that one, with no ICMP error in the summary).
ping_all_answered() {
	awk '
		/ packets transmitted, / {
			tx = $1; rx = $4; err = / errors,/
		}
		match($0, /icmp_seq=[0-9]+/) {
			seen[substr($0, RSTART + 9, RLENGTH - 9)] = 1
		}
		END {
			if (tx == "" || tx == 0) { print "# no ping summary"; exit 1 }
			if (rx == tx) exit 0
			if (rx == tx - 1 && !err && !((tx % 65536) in seen)) {
				print "# " tx " sent, " rx " answered: only the last one, in flight at the stop"
				exit 0
			}
			print "# " tx " sent, " rx " answered"
			exit 1
		}' "$1"
}

# ------------------------------------------------------------- lab
#
# lab_setup: the standard four-namespace lab of the data path tests.
#
#   hostA ---- gwA ====== gwB ---- hostB
#   lan0   lan0   wan0  wan0   lan0   lan0
#
#   LAN A  192.168.1.0/24      hostA .100 (default via .1), gwA .1
#   WAN    209.165.200.224/27  gwA .225, gwB .226
#   LAN B  192.168.3.0/24      gwB .1, hostB .100 (default via .1)
#
# The namespaces are in $hostA $gwA $gwB $hostB; the gateways forward and
# route the far LAN over the WAN in clear until a crypto map says
# otherwise.  Everything stays inside the namespaces.

LAB_HOSTA_IP=192.168.1.100
LAB_GWA_LAN_IP=192.168.1.1
LAB_LANA_NET=192.168.1.0/24
LAB_GWA_WAN_IP=209.165.200.225
LAB_GWB_WAN_IP=209.165.200.226
# shellcheck disable=SC2034
LAB_WAN_NET=209.165.200.224/27
LAB_GWB_LAN_IP=192.168.3.1
LAB_HOSTB_IP=192.168.3.100
LAB_LANB_NET=192.168.3.0/24

# shellcheck disable=SC2154 # set by setup_ns
lab_setup() {
	setup_ns hostA gwA gwB hostB || return 1
	ip -n "$hostA" -batch - <<-BATCH || return 1
		link add lan0 type veth peer name lan0 netns $gwA
		addr add $LAB_HOSTA_IP/24 dev lan0
		link set lan0 up
		route add default via $LAB_GWA_LAN_IP
	BATCH
	ip -n "$gwA" -batch - <<-BATCH || return 1
		link add wan0 type veth peer name wan0 netns $gwB
		addr add $LAB_GWA_LAN_IP/24 dev lan0
		addr add $LAB_GWA_WAN_IP/27 dev wan0
		link set lan0 up
		link set wan0 up
		route add $LAB_LANB_NET via $LAB_GWB_WAN_IP
	BATCH
	ip -n "$gwB" -batch - <<-BATCH || return 1
		link add lan0 type veth peer name lan0 netns $hostB
		addr add $LAB_GWB_WAN_IP/27 dev wan0
		addr add $LAB_GWB_LAN_IP/24 dev lan0
		link set wan0 up
		link set lan0 up
		route add $LAB_LANA_NET via $LAB_GWA_WAN_IP
	BATCH
	ip -n "$hostB" -batch - <<-BATCH || return 1
		addr add $LAB_HOSTB_IP/24 dev lan0
		link set lan0 up
		route add default via $LAB_GWB_LAN_IP
	BATCH
	ip netns exec "$gwA" sysctl -qw net.ipv4.ip_forward=1 || return 1
	ip netns exec "$gwB" sysctl -qw net.ipv4.ip_forward=1 || return 1
}

# lab_ping: one hostA -> hostB ping (1 s deadline); status of ping.
lab_ping() {
	ip netns exec "$hostA" ping -q -c 1 -W 1 "$LAB_HOSTB_IP" >/dev/null 2>&1
}
