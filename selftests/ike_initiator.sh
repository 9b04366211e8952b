#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cryptomapd initiates IKEv1 Main Mode (PSK) + Quick Mode to strongSwan
# (charon, IKEv1) on gwB: isakmp policy aes 256/sha/group 2 and the seed's
# esp-aes 256 esp-sha-hmac transform set.  strongSwan must list the IKE_SA
# and the CHILD_SA installed in gwB's kernel with those algorithms and the
# SPIs cryptomapd chose; cryptomapd's show crypto isakmp sa says QM_IDLE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ktap_header
ike_have_strongswan || ktap_skip_all "strongSwan (charon, swanctl) not installed"
[ -x "$CRYPTOMAPD" ] || ktap_skip_all "no $CRYPTOMAPD (make cli)"
ktap_plan 8

lab_setup || ktap_exit_fail "lab setup"
ike_dirs
cat > "$IKE_DIR/gwa.conf" <<CONF
crypto isakmp policy 10
 encryption aes 256
 hash sha
 authentication pre-share
 group 2
 lifetime 86400
crypto isakmp key $IKE_PSK address $LAB_GWB_WAN_IP
access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
crypto ipsec transform-set RemotePeerTransform esp-aes 256 esp-sha-hmac
crypto map MYMAP 10 ipsec-isakmp
 match address 100
 set peer $LAB_GWB_WAN_IP
 set transform-set RemotePeerTransform
CONF
sw_conf aes256-sha1-modp1024 aes256-sha1
check "strongSwan starts on gwB" sw_start
check "cryptomapd starts on gwA" cmd_start "$IKE_DIR/gwa.conf" -o
check "initiate crypto map MYMAP 10" cmd_ctl initiate MYMAP 10
check "CHILD_SA installed on strongSwan" busywait 20000 sw_child_up
sas=$(swk --list-sas 2>&1)
printf '%s\n' "$sas" | ktap_diag
check_match "IKE_SA: AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" \
	'ESTABLISHED, IKEv1.*AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024' printf '%s\n' "$(grep -A3 ESTABLISHED <<< "$sas" | tr '\n' ' ')"
check_match "CHILD_SA: AES_CBC_256/HMAC_SHA1_96 tunnel" \
	'INSTALLED, TUNNEL.*ESP:AES_CBC-256/HMAC_SHA1_96' printf '%s\n' "$sas"
# the SPIs cryptomapd chose are strongSwan's outbound SA, and vice versa
kids=$(cmd_ctl show children)
printf '%s\n' "$kids" | ktap_diag
in=$(sed -n 's/.* in 0x\([0-9A-F]*\) out 0x\([0-9A-F]*\).*/\1/p' <<< "$kids" | head -1 | tr 'A-F' 'a-f')
out=$(sed -n 's/.* in 0x\([0-9A-F]*\) out 0x\([0-9A-F]*\).*/\2/p' <<< "$kids" | head -1 | tr 'A-F' 'a-f')
check_match "SPIs agree (ours in $in / out $out)" "^in +$out, .*out +$in, " \
	printf '%s\n' "$(grep -E '^ +(in|out) ' <<< "$sas" | sed 's/^ *//' | tr '\n' ' ')"
check_match "show crypto isakmp sa: QM_IDLE ACTIVE" \
	"^$LAB_GWB_WAN_IP +$LAB_GWA_WAN_IP +QM_IDLE +1001 ACTIVE$" cmd_ctl show crypto isakmp sa
grep -E "keys derived|SAs for" "$IKE_DIR/cryptomapd.log" | ktap_diag
ktap_finish
