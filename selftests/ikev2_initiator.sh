#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cryptomapd initiates IKEv2 (RFC 7296, PSK) to strongSwan on gwB for two
# crypto map entries that name an IKEv2 profile: entry 10 (esp-aes 256
# esp-sha-hmac) comes up in IKE_AUTH, entry 20 (esp-gcm 256, set pfs
# group14) in a CREATE_CHILD_SA on the same IKE SA.  strongSwan must list
# the IKE SA and both Child SAs with those algorithms and the SPIs
# cryptomapd chose; show crypto ikev2 sa says READY.  strongSwan then
# rekeys the IKE SA (swanctl --rekey --ike): cryptomapd answers, moves both
# Child SAs to the new IKE SA and retires the old one on strongSwan's
# delete.  Last, clear crypto ikev2 sa deletes the IKE SA on strongSwan.  Maps from the file (-o): IKE only, no module.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/ikev2_lib.sh"

ktap_header
ike_have_strongswan || ktap_skip_all "strongSwan (charon, swanctl) not installed"
[ -x "$CRYPTOMAPD" ] || ktap_skip_all "no $CRYPTOMAPD (make cli)"
ktap_plan 13

lab_setup || ktap_exit_fail "lab setup"
ike_dirs
on_exit sw_stop
{
	v2_ios_ikev2 "$LAB_GWB_WAN_IP"
	cat <<-CONF
	access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
	access-list 101 permit ip 10.1.0.0 0.0.0.255 10.3.0.0 0.0.0.255
	crypto ipsec transform-set TS-AES esp-aes 256 esp-sha-hmac
	crypto ipsec transform-set TS-GCM esp-gcm 256
	crypto map MYMAP 10 ipsec-isakmp
	 match address 100
	 set peer $LAB_GWB_WAN_IP
	 set transform-set TS-AES
	 set ikev2-profile PROF-1
	crypto map MYMAP 20 ipsec-isakmp
	 match address 101
	 set peer $LAB_GWB_WAN_IP
	 set transform-set TS-GCM
	 set pfs group14
	 set ikev2-profile PROF-1
	CONF
} > "$IKE_DIR/gwa.conf"
sw2_conf aes256-sha256-modp2048 \
	"net:$LAB_LANB_NET:$LAB_LANA_NET:aes256-sha1" \
	"gcm:10.3.0.0/24:10.1.0.0/24:aes256gcm16-modp2048"
check "cryptomap config --check takes the IKEv2 lines" "$CRYPTOMAP" config --check "$IKE_DIR/gwa.conf"
check "strongSwan starts on gwB" sw_start
check "cryptomapd starts on gwA" v2_cmd_start "$IKE_DIR/gwa.conf" -o
check "initiate crypto map MYMAP 10 (IKE_SA_INIT + IKE_AUTH)" cmd_ctl initiate MYMAP 10
check "CHILD_SA net installed on strongSwan" busywait 20000 sw_child_up
check "initiate crypto map MYMAP 20 (CREATE_CHILD_SA, PFS)" cmd_ctl initiate MYMAP 20
gcm_up() { local o; o=$(swk --list-sas 2>/dev/null); grep -q 'gcm: #.*INSTALLED' <<< "$o"; }
busywait 20000 gcm_up
sas=$(sw_sas)
printf '%s\n' "$sas" | ktap_diag
flat=$(tr '\n' ' ' <<< "$sas")
check_match "IKE_SA: IKEv2 AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" \
	'ESTABLISHED, IKEv2.*AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048' printf '%s\n' "$flat"
check_match "CHILD_SAs: net AES_CBC_256/HMAC_SHA1_96, gcm AES_GCM_16_256 with PFS MODP_2048" \
	'net: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL, ESP:AES_CBC-256/HMAC_SHA1_96 .*gcm: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL, ESP:AES_GCM_16-256/MODP_2048' \
	printf '%s\n' "$flat"
show=$(cmd_ctl show crypto ikev2 sa detail)
printf '%s\n' "$show" | ktap_diag
# our inbound SPI is strongSwan's outbound one and the reverse, per child
spis_agree() {
	local ours in out
	ours=$(sed -n 's/.*ESP spi in\/out: 0x\([0-9A-F]*\)\/0x\([0-9A-F]*\).*/\1 \2/p' <<< "$show" |
		tr 'A-F' 'a-f')
	[ "$(wc -l <<< "$ours")" -eq 2 ] || return 1
	while read -r in out; do
		grep -qE "in +0*$out(,| ).*out +0*$in" <<< "$(grep -E '^ +(in|out) ' <<< "$sas" |
			sed 's/^ *//' | paste - - )" || return 1
	done <<< "$ours"
}
check "SPIs agree for both Child SAs" spis_agree
check_match "show crypto ikev2 sa: READY, AES-CBC 256 SHA256 DH 14" \
	"^1 +$LAB_GWA_WAN_IP/500 +$LAB_GWB_WAN_IP/500 +none/none +READY" printf '%s\n' "$show"
swk --rekey --ike gwa >/dev/null 2>&1
v2_rekeyed() {
	local o
	o=$(cmd_ctl show crypto ikev2 sa)
	grep -qE "^2 +$LAB_GWA_WAN_IP/500 +$LAB_GWB_WAN_IP/500 +none/none +READY" <<< "$o" &&
		! grep -qE "^1 .*READY" <<< "$o"
}
check "IKE SA rekeyed by strongSwan: SA 2 READY, SA 1 deleted" busywait 20000 v2_rekeyed
sas3=$(sw_sas)
printf '%s\n' "$sas3" | ktap_diag
check_match "strongSwan: the new IKE SA carries both Child SAs" \
	'gwa: #2, ESTABLISHED, IKEv2.* net: #[0-9]+, reqid [0-9]+, INSTALLED.* gcm: #[0-9]+, reqid [0-9]+, INSTALLED' \
	printf '%s\n' "$(tr '\n' ' ' <<< "$sas3")"
cmd_ctl clear crypto ikev2 sa >/dev/null
sw_no_sa() { local o; o=$(swk --list-sas 2>/dev/null); ! grep -q ESTABLISHED <<< "$o"; }
check "clear crypto ikev2 sa deletes the IKE SA on strongSwan" busywait 10000 sw_no_sa
grep -E "IKEv2" "$IKE_DIR/cryptomapd.log" | ktap_diag
ktap_finish
