#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cryptomap generic netlink family, driven without the CLI: every
# object is set, read back and dumped, every rejection is checked for its
# errno and extack message (selftests/nl.py speaks raw generic netlink),
# unprivileged callers get EPERM, namespaces do not see each other's
# configuration, a 5000-entry ACL is dumped across several messages, a
# change during a dump is flagged, a bound interface that goes away loses
# its binding, and netns deletion and module unload with configuration
# present leave nothing behind (the VM runner scans the kernel log).

. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
NL=$SELFTESTS/nl.py

# nl NS GROUP...: run nl.py check groups inside namespace NS ("" = init).
nl() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$PY" "$NL" "$@"
	else
		"$PY" "$NL" "$@"
	fi
}

# nl_check DESC NS GROUP...: one KTAP result; failures and figures as
# diagnostics.
nl_check() {
	local desc=$1
	shift
	__check_run nl "$@"
	printf '%s\n' "$CHECK_OUT" | grep -E '^# (FAIL|ACL BIG)|recv\(\) calls|Traceback|Error' | sed 's/^# \(ok \)\?//' | ktap_diag
	if [ "$CHECK_RC" -ne 0 ]; then
		printf '%s\n' "$CHECK_OUT" | tail -n 5 | ktap_diag
	fi
	ktap_result "$desc ($(nl_count) checks)" "$CHECK_RC"
	return "$CHECK_RC"
}

# The number of checks of the last nl_check that passed.
nl_count() {
	printf '%s\n' "$CHECK_OUT" | grep -c '^# ok '
}

# nl_as_nobody NS GROUP: run a group as uid/gid 65534 in NS.
nl_as_nobody() {
	ip netns exec "$1" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PY" "$NL" "$2"
}

# Leak checks with SLUB's allocation tracking, when the guest was booted
# with slub_debug=U (VM_APPEND=slub_debug=FZPU selftests/vm/run.sh ...).
LEAKS=$SELFTESTS/slab_leaks.py

slab_tracking() {
	"$PY" "$LEAKS" available
}

slab_clean() {
	"$PY" "$LEAKS" compare "$slab_base"
}

slab_module_leftovers() {
	"$PY" "$LEAKS" unloaded "$1" "$2"
}

ktap_header
ktap_plan 30

cm_builtin || [ -f "$CRYPTOMAP_KO" ] || ktap_exit_fail "no module at $CRYPTOMAP_KO (make module KVER=$KVER)"
[ -x "$PY" ] || ktap_skip_all "no $PY"

check "insmod cryptomap" cm_load || ktap_exit_fail "module did not load"
slab_base=$(mktemp)
on_exit rm -f "$slab_base"
slab_tracking && "$PY" "$LEAKS" snapshot > "$slab_base"

# each group in a fresh netns of its own
for g in global acl tset entry manual; do
	setup_ns nsg || ktap_exit_fail "cannot create a namespace"
	nl_check "$g: set, get, dump, every rejection with errno and message" \
		"$nsg" "$g"
	cleanup_ns "$nsg"
done

setup_ns ns1 ns2 ns3 nsb || ktap_exit_fail "cannot create namespaces"

# ---- interface bindings
ip -n "$nsb" -batch - <<-BATCH || ktap_exit_fail "cannot create interfaces"
	link add cmtest0 type veth peer name cmtest1
	link add cmtest2 type veth peer name cmtest3
	link set cmtest0 up
	link set cmtest1 up
BATCH
nl_check "bind: by name and by index, replace, one map on two interfaces" \
	"$nsb" bind:cmtest0,cmtest1
nl "$nsb" flush mark:M bindto:M,cmtest0,cmtest1 >/dev/null
nl_check "bindings present before the interface goes" "$nsb" \
	binds:lo,cmtest0,cmtest1
check "delete a bound veth pair (both ends bound)" ip -n "$nsb" link del cmtest0
nl_check "both bindings dropped with the interfaces" "$nsb" binds:lo
check "bind cmtest2" nl "$nsb" bindto:M,cmtest2
check "move the bound cmtest2 to another netns" \
	ip -n "$nsb" link set cmtest2 netns "$ns3"
nl_check "binding dropped when its interface leaves the netns" "$nsb" binds:lo

# ---- privilege
__check_run nl_as_nobody "$ns1" eperm
printf '%s\n' "$CHECK_OUT" | grep -E 'FAIL|Error' | ktap_diag
ktap_result "unprivileged caller (uid 65534): reads work, every change gets EPERM ($(nl_count) checks)" \
	"$CHECK_RC"
# the same group run as root must fail: the checks can fail
__check_run nl "$ns1" eperm
ktap_result "the EPERM checks fail when run as root" "$([ "$CHECK_RC" -ne 0 ]; echo $?)"

# ---- namespaces
nl "$ns1" mark:ALPHA >/dev/null
nl "$ns2" mark:BRAVO >/dev/null
nl_check "netns 1 sees only its own configuration" "$ns1" expect:ALPHA
nl_check "netns 2 sees only its own configuration" "$ns2" expect:BRAVO
nl_check "the initial netns sees none of it" "" expect

# ---- big dumps, consistency
setup_ns nsbig
nl_check "ACL of 5000 entries: APPEND in 10 messages, dump across several" \
	"$nsbig" bigacl:5000
nl_check "change during a dump: NLM_F_DUMP_INTR on the rest" "$nsbig" intr
nl_check "400 transform sets and 400 entries: dumps across several parts" \
	"$nsbig" many:400
nl_check "concurrent changes from two sockets while a third dumps" "$nsbig" \
	stress:200

# netns churn: 10 namespaces created, configured and deleted
churn() {
	local i ns
	for i in $(seq 10); do
		ns=churn-$i-$$
		ip netns add "$ns" || return 1
		nl "$ns" mark:CHURN >/dev/null || return 1
		ip netns del "$ns" || return 1
	done
}
check "10 namespaces created, configured and deleted" churn

# ---- teardown with configuration present
nl "$ns3" mark:GONE >/dev/null
check "delete a netns with configuration present" ip netns del "$ns3"
cleanup_ns "$ns3"
if slab_tracking; then
	cleanup_ns "$ns1" "$ns2" "$nsb" "$nsbig"
	nl "" flush >/dev/null
	check "every object of the deleted namespaces freed (SLUB tracking)" \
		busywait 30000 slab_clean
else
	ktap_skip "every object of the deleted namespaces freed (SLUB tracking)" \
		"boot with slub_debug=U"
fi

setup_ns ns4 ns5 || ktap_exit_fail "cannot create namespaces"
nl "$ns4" mark:ALPHA >/dev/null
nl "$ns5" mark:BRAVO >/dev/null
nl "" mark:INIT >/dev/null
nl_check "init netns configured before unload" "" expect:INIT
if cm_builtin; then
	ktap_skip "rmmod with configuration in 3 namespaces" "$CM_BUILTIN_WHY"
	ktap_skip "no object allocated by the module left after rmmod (SLUB tracking)" \
		"$CM_BUILTIN_WHY"
	ktap_skip "insmod again" "$CM_BUILTIN_WHY"
	ktap_skip "a reloaded module starts empty" "$CM_BUILTIN_WHY"
else
read -r _ mod_size _ _ _ mod_base _ < <(grep '^cryptomap ' /proc/modules)
check "rmmod with configuration in 3 namespaces" rmmod cryptomap
if slab_tracking; then
	check "no object allocated by the module left after rmmod (SLUB tracking)" \
		busywait 10000 slab_module_leftovers "$mod_base" "$mod_size"
else
	ktap_skip "no object allocated by the module left after rmmod (SLUB tracking)" \
		"boot with slub_debug=U"
fi
check "insmod again" cm_load
nl_check "a reloaded module starts empty" "$ns4" expect
fi
nl "" flush >/dev/null

ktap_finish
