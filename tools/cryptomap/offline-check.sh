#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of the CLI without the kernel module (make check here):
# the IOS layouts of the expected files from --offline, and the
# running-config round trip of every data file.  The real tests run in
# the VM (selftests/, make check at the top).
set -u
cd "$(dirname "$0")"
C=./cryptomap
D=../../selftests/data
fail=0

same() {
	local desc=$1 file=$2
	shift 2
	if diff -u "$file" <("$@") > /tmp/cm-offline.$$; then
		echo "ok - $desc"
	else
		echo "not ok - $desc"
		sed 's/^/# /' /tmp/cm-offline.$$
		fail=1
	fi
}

same "Example 19-10 transform sets" $D/seed-19-10.tset.expected \
	$C show crypto ipsec transform-set --offline $D/seed-19-10.conf
same "Example 19-11 crypto map" $D/seed-19-11.map.expected \
	$C show crypto map --offline $D/seed-19-11.conf
same "ios-reference crypto map" $D/ios-ref.map.expected \
	$C show crypto map --offline $D/ios-ref.conf
same "show-options crypto map" $D/show-options.map.expected \
	$C show crypto map --offline $D/show-options.conf
for f in $D/*.conf; do
	case $f in *.swanctl.conf) continue ;; esac	# strongSwan's, not IOS
	$C show running-config --offline "$f" > /tmp/cm-rc1.$$
	same "round trip of $(basename "$f")" /tmp/cm-rc1.$$ \
		$C show running-config --offline /tmp/cm-rc1.$$
done
rm -f /tmp/cm-offline.$$ /tmp/cm-rc1.$$
exit $fail
