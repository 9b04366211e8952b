#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The show commands against the real module, compared with expected files
# that follow the IOS layouts of ios-reference.md to the space and tab:
# the seed's Example 19-10 (transform sets) and 19-11 (crypto map), the
# reference's crypto map, the filters, the globals applied, and the
# running-config round trip into a fresh network namespace.

. "$(dirname "$0")/lib.sh"

D=$SELFTESTS/data
C=$CRYPTOMAP

# same DESC EXPECTED-FILE CMD...: CMD's output is exactly the file
same() {
	local desc=$1 file=$2 out
	shift 2
	out=$("$@" 2>&1)
	if [ "$out" == "$(cat "$file")" ]; then
		ktap_ok "$desc"
	else
		ktap_fail "$desc"
		diff -u "$file" <(printf '%s\n' "$out") | ktap_diag
	fi
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
ktap_plan 22
cm_load || ktap_exit_fail "cannot load $CRYPTOMAP_KO"
setup_ns s1 s2 s3 s4 || ktap_exit_fail "cannot create netns"
for n in "$s1" "$s2" "$s3" "$s4"; do
	ip -n "$n" link add gig0-2 type dummy
	ip -n "$n" link add gig0-3 type dummy
	ip -n "$n" link add Ethernet1 type dummy
	ip -n "$n" addr add 209.165.200.225/27 dev gig0-2
	ip -n "$n" link set gig0-2 up
done

# seed Example 19-10 and 19-11, the reference's map
check "config Example 19-10" $C -n "$s1" config "$D/seed-19-10.conf"
same "show crypto ipsec transform-set = Example 19-10" "$D/seed-19-10.tset.expected" \
	$C -n "$s1" show crypto ipsec transform-set
check "config Example 19-11" $C -n "$s2" config "$D/seed-19-11.conf"
same "show crypto map = Example 19-11 (IOS layout)" "$D/seed-19-11.map.expected" \
	$C -n "$s2" show crypto map
check "config the reference's map" $C -n "$s3" config "$D/ios-ref.conf"
same "show crypto map = ios-reference.md" "$D/ios-ref.map.expected" \
	$C -n "$s3" show crypto map
same "show crypto map interface gig0-2" "$D/ios-ref.map.expected" \
	$C -n "$s3" show crypto map interface gig0-2
same "show crypto map tag VPN" "$D/ios-ref.map.expected" \
	$C -n "$s3" show crypto map tag VPN
run $C -n "$s3" show crypto map tag NOPE
check_eq "show crypto map tag NOPE: status 1" 1 "$RC"
said "show crypto map tag NOPE: said" 'crypto map "NOPE" does not exist'
run $C -n "$s3" show crypto ipsec transform-set tag A
check_eq "show crypto ipsec transform-set tag A" \
	"Transform set A: { esp-des esp-md5-hmac  }
   will negotiate = { Tunnel,  }," "$OUT"

# several entries, PFS, idle-time, the globals applied, two interfaces
check "config show-options" $C -n "$s4" config "$D/show-options.conf"
same "show crypto map: PFS, DH group, idletime, global lifetime" \
	"$D/show-options.map.expected" $C -n "$s4" show crypto map
check "crypto map local-address" $C -n "$s2" config - <<< "crypto map MYMAP local-address gig0-2"
check_match "local-address shown as idb with its address" \
	'^Crypto Map IPv4 "MYMAP" idb: gig0-2 local address: 209\.165\.200\.225$' \
	$C -n "$s2" show crypto map

# running-config round trip into a fresh netns
roundtrip() {
	local from=$1 to
	setup_ns to || return 1
	ip -n "$to" link add gig0-2 type dummy
	ip -n "$to" link add gig0-3 type dummy
	$C -n "$from" show running-config > /tmp/rc.$$.1 &&
	$C -n "$to" config - < /tmp/rc.$$.1 &&
	$C -n "$to" show running-config > /tmp/rc.$$.2 &&
	diff -u /tmp/rc.$$.1 /tmp/rc.$$.2 &&
	[ "$($C -n "$from" -j show running-config)" == "$($C -n "$to" -j show running-config)" ]
	local r=$?
	rm -f /tmp/rc.$$.1 /tmp/rc.$$.2
	return $r
}
setup_ns rt || ktap_exit_fail "cannot create netns"
ip -n "$rt" link add gig0-2 type dummy
check "config every command" $C -n "$rt" config "$D/all-commands.conf"
check "running-config round trip (every command)" roundtrip "$rt"
check "running-config round trip (show-options)" roundtrip "$s4"
check "running-config round trip (Example 19-10)" roundtrip "$s1"

# ipsec-manual: keys are never read back; the marker is refused
check "config an ipsec-manual entry" $C -n "$rt" config "$D/manual.conf"
check_match "keys replaced by the marker" \
	'^ set session-key outbound esp 301 cipher <hidden> authenticator <hidden>$' \
	$C -n "$rt" show running-config
setup_ns rt2
ip -n "$rt2" link add gig0-2 type dummy
run bash -c "$C -n $rt show running-config | $C -n $rt2 config -"
said "the marker is refused on the way back" \
	'session keys are not readable back from the kernel'

ktap_finish
