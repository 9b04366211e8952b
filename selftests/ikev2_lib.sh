#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the ikev2_* selftests (source lib.sh and ike_lib.sh first):
# strongSwan (charon + swanctl, IKEv2, PSK) on gwB against cryptomapd on
# gwA, in the four-namespace lab of lib.sh.

# sw2_conf IKE_PROPOSALS CHILD... : gwB's strongswan.conf and an IKEv2
# swanctl.conf; each CHILD is NAME:LOCAL_TS:REMOTE_TS:ESP_PROPOSALS[:START]
# (START: none, default, or trap; ESP_PROPOSALS ah=PROPS: AH instead).
# SW2_PSK overrides the key, SW_LOCAL_ADDRS gwB's addresses, SW_IPCOMP=yes
# offers IPComp.
sw2_conf() {
	local ikep=$1 d=$IKE_DIR/sw c name lts rts espp start props
	shift
	sw_conf "$ikep" aes256-sha1	# strongswan.conf (and an IKEv1 file we replace)
	{
		cat <<-EOF
		connections {
			gwa {
				version = 2
				local_addrs = ${SW_LOCAL_ADDRS:-$LAB_GWB_WAN_IP}
				remote_addrs = $LAB_GWA_WAN_IP
				proposals = $ikep
				encap = no
				mobike = no
				dpd_delay = 0
				rekey_time = 0
				reauth_time = 0
				local {
					auth = psk
					id = $LAB_GWB_WAN_IP
				}
				remote {
					auth = psk
					id = $LAB_GWA_WAN_IP
				}
				children {
		EOF
		for c in "$@"; do
			IFS=: read -r name lts rts espp start <<< "$c"
			props="esp_proposals = $espp"
			[ "${espp#ah=}" = "$espp" ] || props="ah_proposals = ${espp#ah=}"
			cat <<-EOF
					$name {
						local_ts = $lts
						remote_ts = $rts
						$props
						${SW_IPCOMP:+ipcomp = $SW_IPCOMP}
						mode = tunnel
						start_action = ${start:-none}
						rekey_time = 0
						${SW_CHILD_LIFE:+life_time = $SW_CHILD_LIFE}
						${SW_CHILD_LIFE:+rand_time = 0s}
					}
			EOF
		done
		cat <<-EOF
				}
			}
		}
		secrets {
			ike-gwa {
				id-1 = $LAB_GWA_WAN_IP
				secret = ${SW2_PSK:-$IKE_PSK}
			}
		}
		EOF
	} > "$d/swanctl/swanctl.conf"
}

# v2_cmd_start FILE [ARGS]: cryptomapd on gwA, stopped at exit
v2_cmd_start() {
	local f=$1
	shift
	ip netns exec "$gwA" "$CRYPTOMAPD" -d -f "$f" "$@" >> "$IKE_DIR/cryptomapd.log" 2>&1 &
	V2_CMD_PID=$!
	on_exit kill "$V2_CMD_PID"
	busywait 5000 cmd_ctl show crypto ikev2 sa >/dev/null
}

# v2_ios_ikev2 PEER: the IOS IKEv2 part of gwA's configuration
v2_ios_ikev2() {
	cat <<-EOF
	crypto ikev2 proposal PROP-1
	 encryption aes-cbc-256 aes-gcm-256
	 integrity sha256 sha1
	 group ${V2_GROUP:-14} 19 20
	crypto ikev2 policy POL-1
	 proposal PROP-1
	crypto ikev2 keyring KR-1
	 peer gwB
	  address $1
	  pre-shared-key ${V2_PSK:-$IKE_PSK}
	crypto ikev2 profile PROF-1
	 match identity remote address $1 255.255.255.255
	 authentication local pre-share
	 authentication remote pre-share
	 keyring local KR-1
	EOF
}

# v2_ios_map: gwA's crypto map MYMAP 10, LAN A -> LAN B with gwB, transform
# set TS ($V2_TS, default esp-aes 256 and $V2_TS_AUTH, default esp-sha-hmac),
# PROF-1
v2_ios_map() {
	cat <<-EOF
	access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255
	crypto ipsec transform-set TS ${V2_TS:-esp-aes 256 ${V2_TS_AUTH:-esp-sha-hmac}}
	crypto map MYMAP 10 ipsec-isakmp
	 match address 100
	 set peer $LAB_GWB_WAN_IP
	 set transform-set TS
	 set ikev2-profile PROF-1
	interface wan0
	 crypto map MYMAP
	EOF
}

# sw_sas: swanctl --list-sas on one line per SA, for matching
sw_sas() {
	local out
	out=$(swk --list-sas 2>/dev/null)
	printf '%s\n' "$out"
}
