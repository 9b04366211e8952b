#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cryptomapd against strongSwan (IKEv1) over a matrix of Phase 1 policies,
# transform sets and PFS groups, as initiator and as responder.  For each
# case strongSwan must install a CHILD_SA with exactly the expected ESP
# algorithms (and MODP group when PFS is on).  cryptomapd runs with -o
# (crypto maps from its file) so that only IKE is under test here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ktap_header
ike_have_strongswan || ktap_skip_all "strongSwan (charon, swanctl) not installed"
[ -x "$CRYPTOMAPD" ] || ktap_skip_all "no $CRYPTOMAPD (make cli)"

# name | isakmp policy lines | transform sets (one per line: NAME T...) |
# pfs | sw IKE proposal | sw ESP proposals | expected sw CHILD_SA regex | who
CASES=(
"aes256-sha1 init|encryption aes 256;hash sha;group 2|T1 esp-aes 256 esp-sha-hmac||aes256-sha1-modp1024|aes256-sha1|ESP:AES_CBC-256/HMAC_SHA1_96$|i"
"3des-md5 pfs2 init|encryption aes 256;hash sha;group 14|T1 esp-3des esp-md5-hmac|group2|aes256-sha1-modp2048|3des-md5-modp1024|ESP:3DES_CBC/HMAC_MD5_96/MODP_1024$|i"
"aes128 pfs5, p1 3des/md5/group5 init|encryption 3des;hash md5;group 5|T1 esp-aes esp-sha-hmac|group5|3des-md5-modp1536|aes128-sha1-modp1536|ESP:AES_CBC-128/HMAC_SHA1_96/MODP_1536$|i"
"aes256 pfs14 init|encryption aes 128;hash sha;group 2|T1 esp-aes 256 esp-sha-hmac|group14|aes128-sha1-modp1024|aes256-sha1-modp2048|ESP:AES_CBC-256/HMAC_SHA1_96/MODP_2048$|i"
"pfs group1 init|encryption aes 256;hash sha;group 2|T1 esp-aes 256 esp-sha-hmac|group1|aes256-sha1-modp1024|aes256-sha1-modp768|ESP:AES_CBC-256/HMAC_SHA1_96/MODP_768$|i"
"esp-gcm 256 init|encryption aes 256;hash sha;group 2|T1 esp-gcm 256||aes256-sha1-modp1024|aes256gcm16|ESP:AES_GCM_16-256$|i"
"second transform set chosen init|encryption aes 256;hash sha;group 2|T1 esp-3des esp-md5-hmac;T2 esp-aes 256 esp-sha256-hmac||aes256-sha1-modp1024|aes256-sha256|ESP:AES_CBC-256/HMAC_SHA2_256_128$|i"
"aes256-sha1 resp|encryption aes 256;hash sha;group 2|T1 esp-aes 256 esp-sha-hmac||aes256-sha1-modp1024|aes256-sha1|ESP:AES_CBC-256/HMAC_SHA1_96$|r"
"3des-md5 pfs14 resp|encryption 3des;hash sha;group 14|T1 esp-aes 256 esp-sha-hmac;T2 esp-3des esp-md5-hmac|group14|3des-sha1-modp2048|3des-md5-modp2048|ESP:3DES_CBC/HMAC_MD5_96/MODP_2048$|r"
"pfs2 resp, second of two policies|encryption des;hash md5;group 1;;encryption aes 256;hash sha;group 5|T1 esp-aes 256 esp-sha-hmac|group2|aes256-sha1-modp1536|aes256-sha1-modp1024|ESP:AES_CBC-256/HMAC_SHA1_96/MODP_1024$|r"
)
ktap_plan $((${#CASES[@]} + 2))

lab_setup || ktap_exit_fail "lab setup"
ike_dirs

# write_conf POLICIES TSETS PFS: gwA's IOS text
write_conf() {
	local pols=$1 tsets=$2 pfs=$3 prio=10 names="" line
	{
		echo "crypto isakmp policy $prio"
		IFS=';' read -ra L <<< "$pols"
		for line in "${L[@]}"; do
			if [ -z "$line" ]; then
				prio=$((prio + 10))
				echo "crypto isakmp policy $prio"
			else
				echo " $line"
			fi
		done
		echo " authentication pre-share"
		echo "crypto isakmp key $IKE_PSK address $LAB_GWB_WAN_IP"
		echo "access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255"
		IFS=';' read -ra L <<< "$tsets"
		for line in "${L[@]}"; do
			echo "crypto ipsec transform-set $line"
			names="$names ${line%% *}"
		done
		echo "crypto map MYMAP 10 ipsec-isakmp"
		echo " match address 100"
		echo " set peer $LAB_GWB_WAN_IP"
		echo " set transform-set$names"
		[ -n "$pfs" ] && echo " set pfs $pfs"
	} > "$IKE_DIR/gwa.conf"
}

write_conf "encryption aes 256;hash sha;group 2" "T1 esp-aes 256 esp-sha-hmac" ""
sw_conf aes256-sha1-modp1024 aes256-sha1
check "strongSwan starts on gwB" sw_start
check "cryptomapd starts on gwA" cmd_start "$IKE_DIR/gwa.conf" -o

for c in "${CASES[@]}"; do
	IFS='|' read -r name pols tsets pfs ikep espp want who <<< "$c"
	write_conf "$pols" "$tsets" "$pfs"
	sw_conf "$ikep" "$espp"
	swk --terminate --ike gwa --force --timeout 2 >/dev/null 2>&1
	cmd_ctl clear crypto isakmp >/dev/null
	swk --load-all >/dev/null 2>&1
	cmd_ctl reload >/dev/null
	if [ "$who" = i ]; then
		cmd_ctl initiate MYMAP 10 >/dev/null
	else
		swk --initiate --child net --timeout 20 >/dev/null 2>&1 &
		ini=$!
	fi
	rc=0
	ini=
	busywait 25000 sw_child_up || rc=1
	sas=$(swk --list-sas 2>/dev/null)
	if [ $rc -eq 0 ] && grep -q "INSTALLED, TUNNEL, $want" <<< "$sas" &&
	   grep -q "ESTABLISHED" <<< "$sas"; then
		ktap_ok "$name: $want"
	else
		ktap_fail "$name: $want"
		printf '%s\n' "$sas" | ktap_diag
		tail -5 "$IKE_DIR/cryptomapd.log" | ktap_diag
	fi
	[ "$who" = r ] && wait "$ini" 2>/dev/null
done
grep -E "established|SAs for|matched" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | ktap_diag
ktap_finish
