#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module loads, registers its generic netlink family "cryptomap",
# unloads, and the family is gone again.

. "$(dirname "$0")/lib.sh"

family_listed() {
	genl ctrl get name cryptomap
}

ktap_header
ktap_plan 5

# Built in (CONFIG_CRYPTOMAP=y): registered at boot, never unloaded.
if cm_builtin; then
	ktap_skip "insmod cryptomap" "cryptomap is built into the kernel"
	check "built in: /sys/module/cryptomap without initstate" cm_builtin
	check_match "genl family cryptomap registered" '[Nn]ame: cryptomap' family_listed
	ktap_skip "rmmod cryptomap" "$CM_BUILTIN_WHY"
	ktap_skip "genl family cryptomap gone after rmmod" "$CM_BUILTIN_WHY"
	ktap_finish
fi

[ -f "$CRYPTOMAP_KO" ] || ktap_exit_fail "no module at $CRYPTOMAP_KO (make module KVER=$KVER)"

check "insmod cryptomap" cm_load
check "module is live" grep -qx live /sys/module/cryptomap/initstate
check_match "genl family cryptomap registered" '[Nn]ame: cryptomap' family_listed
check "rmmod cryptomap" rmmod cryptomap
check_fail "genl family cryptomap gone after rmmod" family_listed

ktap_finish
