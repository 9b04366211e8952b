#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the ike_* selftests: cryptomapd on gwA, strongSwan (charon +
# swanctl, IKEv1, PSK) on gwB, in the four-namespace lab of lib.sh.
# Source lib.sh first.  Runtime files live in $IKE_DIR (the guest's /tmp).

CRYPTOMAPD=${CRYPTOMAPD:-$SELFTESTS/../tools/cryptomapd/cryptomapd}
CHARON=/usr/lib/ipsec/charon
IKE_DIR=
IKE_PSK=cisco123

ike_have_strongswan() {
	[ -x "$CHARON" ] && command -v swanctl >/dev/null
}

# ike_dirs: a private folder for this test run
ike_dirs() {
	IKE_DIR=$(mktemp -d /tmp/ike.XXXXXX)
	mkdir -p "$IKE_DIR/sw/run" "$IKE_DIR/sw/swanctl/conf.d" "$IKE_DIR/sw/swanctl/x509" \
		"$IKE_DIR/sw/swanctl/private"
	on_exit ike_save_logs
}

ike_save_logs() {
	[ -n "${VM_ARTIFACTS:-}" ] && [ -d "$VM_ARTIFACTS" ] &&
		cp -r "$IKE_DIR"/*.log "$IKE_DIR"/sw/*.log "$VM_ARTIFACTS/" 2>/dev/null
	return 0
}

# sw_conf IKE_PROPOSALS ESP_PROPOSALS [LOCAL_TS REMOTE_TS [PSK [EXTRA_CHILD]]]
# writes gwB's strongswan.conf and swanctl.conf (peer: gwA); env
# SW_CHILD_LIFE (CHILD_SA life_time), SW_LOCAL_ADDRS (gwB's addresses)
sw_conf() {
	local ikep=$1 espp=$2 lts=${3:-$LAB_LANB_NET} rts=${4:-$LAB_LANA_NET}
	local psk=${5:-$IKE_PSK} d=$IKE_DIR/sw life=${SW_CHILD_LIFE:-}

	cat > "$d/strongswan.conf" <<-EOF
	charon {
		load = random nonce openssl aes des sha1 sha2 md5 hmac gmp kdf pem pkcs1 x509 pubkey kernel-netlink socket-default vici
		install_routes = no
		retransmit_tries = 3
		retransmit_timeout = 2
		plugins {
			vici { socket = unix://$d/charon.vici }
		}
		filelog {
			charon {
				path = $d/charon.log
				flush_line = yes
				default = 1
				ike = 2
				knl = 2
				cfg = 2
				enc = 1
			}
		}
	}
	EOF
	cat > "$d/swanctl/swanctl.conf" <<-EOF
	connections {
		gwa {
			version = 1
			aggressive = no
			local_addrs = ${SW_LOCAL_ADDRS:-$LAB_GWB_WAN_IP}
			remote_addrs = $LAB_GWA_WAN_IP
			proposals = $ikep
			encap = no
			mobike = no
			dpd_delay = 0
			rekey_time = 0
			local {
				auth = psk
				id = $LAB_GWB_WAN_IP
			}
			remote {
				auth = psk
				id = $LAB_GWA_WAN_IP
			}
			children {
				net {
					local_ts = $lts
					remote_ts = $rts
					esp_proposals = $espp
					mode = tunnel
					start_action = none
					rekey_time = 0
					${life:+life_time = $life}
					${life:+rand_time = 0s}
				}
			}
		}
	}
	secrets {
		ike-gwa {
			id-1 = $LAB_GWA_WAN_IP
			secret = $psk
		}
	}
	EOF
}

SW_URI=
# sw_start: charon in gwB with a private /run, ready when swanctl answers
sw_start() {
	local d=$IKE_DIR/sw i

	SW_URI=unix://$d/charon.vici
	modprobe -a esp4 xfrm_user authenc echainiv seqiv cbc des3_ede des_generic \
		md5 sha1 sha256 aes gcm >/dev/null 2>&1
	ip netns exec "$gwB" env STRONGSWAN_CONF="$d/strongswan.conf" \
		sh -c 'mount --bind "$1" /run && exec "$2"' _ "$d/run" "$CHARON" \
		> "$d/charon.out" 2>&1 &
	for i in $(seq 100); do
		swk --stats >/dev/null 2>&1 && break
		sleep 0.2
	done
	swk --load-all >/dev/null 2>&1 || return 1
}

# swk ARGS: swanctl against gwB's charon
swk() {
	ip netns exec "$gwB" env SWANCTL_DIR="$IKE_DIR/sw/swanctl" \
		swanctl "$@" --uri "$SW_URI"
}

# cm_conf FILE: write gwA's IOS configuration (stdin) to FILE
# cmd_start FILE [ARGS]: cryptomapd on gwA, its pid in CMD_PID
CMD_PID=
cmd_start() {
	local f=$1
	shift
	ip netns exec "$gwA" "$CRYPTOMAPD" -d -f "$f" "$@" >> "$IKE_DIR/cryptomapd.log" 2>&1 &
	CMD_PID=$!
	busywait 5000 cmd_ctl show crypto isakmp sa >/dev/null
}

cmd_ctl() {
	ip netns exec "$gwA" "$CRYPTOMAPD" ctl "$@"
}

# sw_child_up: strongSwan lists an INSTALLED CHILD_SA
sw_child_up() {
	local out
	out=$(swk --list-sas 2>/dev/null)
	grep -q INSTALLED <<< "$out"
}

# ike_lab_up PLAN: the start every IKE test shares (after ktap_header):
# skip without strongSwan or the daemon, plan PLAN checks, load the
# module, the four-namespace lab, a private folder, charon stopped at exit
ike_lab_up() {
	ike_have_strongswan || ktap_skip_all "strongSwan (charon, swanctl) not installed"
	[ -x "$CRYPTOMAPD" ] || ktap_skip_all "no $CRYPTOMAPD (make cli)"
	ktap_plan "$1"
	cm_load || ktap_exit_fail "module load"
	lab_setup || ktap_exit_fail "lab setup"
	ike_dirs
	on_exit sw_stop
}

# sw_stop: charon on gwB ends
sw_stop() {
	local pid
	pid=$(cat "$IKE_DIR/sw/run/charon.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	return 0
}

cmd_log_has() {
	grep -qE -- "$1" "$IKE_DIR/cryptomapd.log"
}

# peer_dies ADDR: gwB drops everything sent to its address ADDR (nftables),
# as if the gateway behind it had died
peer_dies() {
	ip netns exec "$gwB" nft -f - <<-NFT
	table ip dead {
		chain in {
			type filter hook input priority 0; policy accept;
			ip daddr $1 drop
		}
	}
	NFT
}
