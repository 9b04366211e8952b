#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration transactions: CONFIG_BEGIN ... CONFIG_COMMIT compiles the
# policy once (the data path keeps the old one until then, other sockets
# get EBUSY), CONFIG_ABORT and the close of the socket put everything back;
# `cryptomap config` of a 2,000-line ACL uses one and still rolls back on a
# kernel refusal; the ACL classifier agrees with the line walk on random
# ACLs (the module's acl_selftest).

. "$(dirname "$0")/lib.sh"

ktap_header
ktap_plan 5
cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
setup_ns cmns || ktap_exit_fail "cannot create netns"
# shellcheck disable=SC2154 # cmns: set by setup_ns
C="$CRYPTOMAP -n $cmns"

__check_run ip netns exec "$cmns" /usr/bin/python3 "$SELFTESTS/config_txn.py"
printf '%s\n' "$CHECK_OUT" | grep -E '^# FAIL|Traceback|Error' | ktap_diag
ktap_result "transactions over raw netlink ($(grep -c '^# ok' <<< "$CHECK_OUT") checks)" "$CHECK_RC"

{
	echo "ip access-list extended BIG"
	for ((i = 0; i < 2000; i++)); do
		echo " deny ip host 10.$((i / 250)).$((i % 250)).1 host 172.16.0.1"
	done
	echo " permit udp any any eq 500"
} > /tmp/txn.$$
check "cryptomap config of a 2,001-line ACL" $C config /tmp/txn.$$
{ cat /tmp/txn.$$; echo " permit tcp any any eq 22"; printf 'crypto map M 10 ipsec-manual\n set pfs group2\n'; } > /tmp/txn2.$$
before=$($C show running-config)
check_fail "a kernel refusal after the ACL" $C config /tmp/txn2.$$
check_eq "the configuration exactly as before" "$before" "$($C show running-config)"
rm -f /tmp/txn.$$ /tmp/txn2.$$

check "acl_selftest: classifier = line walk on 500 random ACLs" \
	sh -c 'echo 500 > /sys/module/cryptomap/parameters/acl_selftest'

ktap_finish
