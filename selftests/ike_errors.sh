#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What goes wrong, and what cryptomapd says: a pre-shared key mismatch
# (as initiator and responder), crypto ACLs that are not mirrors (both
# ways), an unreachable first peer (failover to the second set peer), and
# malformed, truncated and oversized ISAKMP datagrams, which must be
# dropped without disturbing the daemon or its ISAKMP SA.  strongSwan
# (IKEv1) is the peer; cryptomapd runs with -o (maps from its file).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ktap_header
ike_have_strongswan || ktap_skip_all "strongSwan (charon, swanctl) not installed"
[ -x "$CRYPTOMAPD" ] || ktap_skip_all "no $CRYPTOMAPD (make cli)"
ktap_plan 16

lab_setup || ktap_exit_fail "lab setup"
ike_dirs
DEAD=209.165.200.230	# on the WAN, nobody there

# conf KEY PEERS...: gwA's configuration
conf() {
	local key=$1 p
	shift
	{
		printf 'crypto isakmp policy 10\n encryption aes 256\n hash sha\n authentication pre-share\n group 2\n'
		for p in "$@"; do
			echo "crypto isakmp key $key address $p"
		done
		echo "access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255"
		echo "crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac"
		printf 'crypto map MYMAP 10 ipsec-isakmp\n match address 100\n set transform-set TS\n'
		for p in "$@"; do
			echo " set peer $p"
		done
	} > "$IKE_DIR/gwa.conf"
}

# reset: no SA on either side, configurations reloaded
reset() {
	swk --terminate --ike gwa --force --timeout 2 >/dev/null 2>&1
	cmd_ctl clear crypto isakmp >/dev/null
	swk --load-all >/dev/null 2>&1
	cmd_ctl reload >/dev/null
	: > "$IKE_DIR/cryptomapd.log"
}

log_wait() {
	busywait "${2:-20000}" cmd_log_has "$1"
}

conf "$IKE_PSK" "$LAB_GWB_WAN_IP"
sw_conf aes256-sha1-modp1024 aes256-sha1
check "strongSwan starts on gwB" sw_start
check "cryptomapd starts on gwA" cmd_start "$IKE_DIR/gwa.conf" -o -R 0.3

# 1. wrong key, we initiate: strongSwan cannot verify us; we say why
conf wrongkey "$LAB_GWB_WAN_IP"
reset
cmd_ctl initiate MYMAP 10 >/dev/null
check "wrong PSK (initiator): pre-shared key mismatch logged" \
	log_wait "pre-shared key mismatch" 45000
check_match "wrong PSK (initiator): show ... detail names the failure" \
	"failed: .*pre-shared key" cmd_ctl show crypto isakmp sa detail

# 2. wrong key, strongSwan initiates
swk --initiate --child net --timeout 8 >/dev/null 2>&1
check "wrong PSK (responder): pre-shared key mismatch with the peer named" \
	log_wait "pre-shared key mismatch with $LAB_GWB_WAN_IP"

# 3. strongSwan proposes proxy identities that are not our ACL's mirror
conf "$IKE_PSK" "$LAB_GWB_WAN_IP"
sw_conf aes256-sha1-modp1024 aes256-sha1 192.168.3.0/24 10.0.0.0/8
reset
swk --initiate --child net --timeout 8 >/dev/null 2>&1
check "non-mirrored ACL (responder): both identities and the nearest ACL line" \
	log_wait "refused: proxy identities local 10.0.0.0/8/0/0 remote 192.168.3.0/24/0/0 .*nearest: crypto map MYMAP 10: access-list 100 permit ip 192.168.1.0 0.0.0.255 192.168.3.0 0.0.0.255"
check "non-mirrored ACL (responder): strongSwan got INVALID-ID-INFORMATION" \
	busywait 10000 grep -q "received INVALID_ID_INFORMATION" "$IKE_DIR/sw/charon.log"

# 4. we propose; strongSwan's selectors do not match ours
sw_conf aes256-sha1-modp1024 aes256-sha1 10.3.0.0/16 10.1.0.0/16
reset
cmd_ctl initiate MYMAP 10 >/dev/null
check "non-mirrored ACL (initiator): the peer's refusal is explained" \
	log_wait "INVALID-ID-INFORMATION: proxy identities refused"

# 5. the first set peer does not answer: failover to the second
conf "$IKE_PSK" "$DEAD" "$LAB_GWB_WAN_IP"
sw_conf aes256-sha1-modp1024 aes256-sha1
reset
cmd_ctl initiate MYMAP 10 >/dev/null
check "unreachable peer: one clear line" \
	log_wait "with $DEAD failed: no answer from the peer" 30000
check "failover to the second set peer" \
	log_wait "failing over to $LAB_GWB_WAN_IP"
check "failover: CHILD_SA installed with the second peer" busywait 20000 sw_child_up

# 6. garbage to UDP 500 while the ISAKMP SA is up
cookies=$(swk --list-sas 2>/dev/null | sed -n 's/.*IKEv1, \([0-9a-f]*\)_i\*\{0,1\} \([0-9a-f]*\)_r.*/\1\2/p' | head -1)
ip netns exec "$gwB" python3 - "$LAB_GWA_WAN_IP" "$cookies" <<'PY'
import os, socket, struct, sys
dst, ck = sys.argv[1], bytes.fromhex(sys.argv[2] or "00" * 16)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def hdr(np, exch, flags, mid, length, cookies=ck):
    return cookies + struct.pack("!BBBBII", np, 0x10, exch, flags, mid, length)
pkts = [b"\x01" * 10,                                   # truncated header
        hdr(1, 2, 0, 0, 500) + b"\0" * 20,               # length lies
        hdr(1, 2, 0, 0, 40) + b"\0\0\xff\xff" + b"\0" * 8,   # payload overruns
        hdr(1, 2, 0, 0, 9028) + b"\0" * 9000,            # oversized
        hdr(8, 32, 1, 0x1234, 28 + 35) + os.urandom(35), # encrypted, not blocks
        hdr(8, 32, 1, 0x1235, 28 + 64) + os.urandom(64), # garbage Quick Mode
        hdr(8, 5, 1, 0x1236, 28 + 64) + os.urandom(64),  # garbage informational
        hdr(1, 2, 0, 0, 28 + 12, os.urandom(8) + b"\0" * 8) + b"\0\0\0\x0c" + b"\0" * 8]  # bad SA
for p in pkts * 5:
    s.sendto(p, (dst, 500))
PY
sleep 1
check "malformed datagrams are dropped with a reason" \
	log_wait "dropped .* bytes: (header length differs|shorter than|oversized)"
check_match "the ISAKMP SA survived the garbage" \
	"^$LAB_GWB_WAN_IP +$LAB_GWA_WAN_IP +QM_IDLE .* ACTIVE$" cmd_ctl show crypto isakmp sa
: > "$IKE_DIR/cryptomapd.log"
cmd_ctl initiate MYMAP 10 >/dev/null
check "a new Quick Mode still works after the garbage" log_wait "esp SAs for MYMAP 10"
# 7. keepalive (DPD): strongSwan frozen, the peer is declared dead
conf "$IKE_PSK" "$LAB_GWB_WAN_IP"
echo "crypto isakmp keepalive 10 2" >> "$IKE_DIR/gwa.conf"
reset
cmd_ctl initiate MYMAP 10 >/dev/null
busywait 20000 sw_child_up
check "keepalive: R-U-THERE answered while the peer lives" \
	busywait 25000 grep -q "N(DPD_ACK)" "$IKE_DIR/sw/charon.log"
swpids=$(ip netns pids "$gwB")
kill -STOP $swpids
check "keepalive: a frozen peer is declared dead" \
	log_wait "peer $LAB_GWB_WAN_IP is dead \(no DPD answer" 60000
kill -CONT $swpids
grep -E "failed|refused|reports|dropped|failing|dead" "$IKE_DIR/cryptomapd.log" | sed 's/^[0-9.]* //' | sort | uniq -c | ktap_diag
ktap_finish
