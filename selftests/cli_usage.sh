#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CLI as a scriptable tool: help texts, exit statuses (0 ok, 1 error,
# 2 usage), the message when the module is not loaded, EPERM for an
# unprivileged caller, -n NETNS and namespace isolation, JSON output.

. "$(dirname "$0")/lib.sh"

C=$CRYPTOMAP

# code DESC EXPECTED-STATUS CMD...: CMD exits with EXPECTED-STATUS
code() {
	local desc=$1 want=$2
	shift 2
	__check_run "$@"
	__check_report "$desc" "$([ "$CHECK_RC" -eq "$want" ] && echo 1)" \
		"exit status $CHECK_RC, expected $want" "$@"
}

# run CMD...: its output in $OUT, its status in $RC (records no result)
run() {
	OUT=$("$@" 2>&1)
	RC=$?
}

# said DESC REGEX: the output of the last run matches REGEX
said() {
	CHECK_OUT=$OUT
	__check_report "$1" "$(grep -qE -- "$2" <<< "$OUT" && echo 1)" \
		"output does not match /$2/" "(the command before)"
}

ktap_header
ktap_plan 28

cm_unload
check_match "help lists every command" 'show crypto ipsec sa' $C help
check_match "COMMAND help" '^Usage: cryptomap config \[--check\] \[FILE \| -\]' $C config help
code "no command: usage, status 2" 2 $C
code "unknown command: status 2" 2 $C frobnicate
run $C frobnicate
said "unknown command is quoted" 'unknown command "frobnicate"'
code "no prefix matching: sh run" 2 $C sh run
code "unknown option: status 2" 2 $C -x show running-config
code "show crypto map tag without a name: status 2" 2 $C show crypto map tag
code "config with two files: status 2" 2 $C config a b
code "clear crypto sa entry with a bad SPI: status 2" 2 $C clear crypto sa entry 10.0.0.1 esp 12
if cm_builtin; then
	ktap_skip "module not loaded: status 1" "$CM_BUILTIN_WHY"
	ktap_skip "module not loaded: said clearly" "$CM_BUILTIN_WHY"
else
	run $C show running-config
	check_eq "module not loaded: status 1" 1 "$RC"
	said "module not loaded: said clearly" 'the cryptomap kernel module is not loaded'
fi
check "--check works without the module" $C config --check "$SELFTESTS/data/all-commands.conf"

cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
setup_ns ns1 ns2 || ktap_exit_fail "cannot create netns"
ip -n "$ns1" link add gig0-2 type dummy

check "config in ns1 (-n)" $C -n "$ns1" config "$SELFTESTS/data/ios-ref.conf"
check_match "ns1 has the map" '^crypto map VPN 10 ipsec-isakmp$' $C -n "$ns1" show running-config
check_nomatch "ns2 does not see it" 'crypto map' $C -n "$ns2" show running-config
check_nomatch "init netns does not see it" 'crypto map' $C show running-config
code "-n with an unknown netns: status 1" 1 $C -n no-such-ns show running-config

# EPERM: an unprivileged user may read but not change
nsexec_nobody() {
	ip netns exec "$ns1" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$@"
}
check_match "unprivileged: show works" '^crypto map VPN 10' nsexec_nobody $C show running-config
run nsexec_nobody $C config "$SELFTESTS/data/seed-19-10.conf"
check_eq "unprivileged config: status 1" 1 "$RC"
said "unprivileged config: permission denied, CAP_NET_ADMIN named" \
	'permission denied: .*CAP_NET_ADMIN'
check_nomatch "unprivileged config: nothing changed" 'ESP-ONLY' $C -n "$ns1" show running-config
run nsexec_nobody $C clear crypto sa
check_eq "unprivileged clear crypto sa: status 1" 1 "$RC"

# JSON for every show
json_ok() {
	"$@" | /usr/bin/python3 -c 'import json, sys; json.load(sys.stdin)'
}
check "-j show running-config is JSON" json_ok $C -n "$ns1" -j show running-config
check "-j show crypto map is JSON" json_ok $C -n "$ns1" -j show crypto map
check "-j show crypto ipsec transform-set is JSON" json_ok $C -n "$ns1" -j show crypto ipsec transform-set
check_match "-j -p is indented" '^  \{' $C -n "$ns1" -j -p show crypto map
check_match "-j snake_case fields" '"lifetime_kilobytes":4608000' $C -n "$ns1" -j show crypto map

ktap_finish
