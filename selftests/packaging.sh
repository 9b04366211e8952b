#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages as a user gets them: install build/deb/*.deb (make
# deb, on the host) with dpkg, let DKMS build the module for the guest's
# kernel, load it with modprobe, apply /etc/cryptomap/cryptomap.conf with
# the commands of cryptomap.service (systemd is not PID 1 here, so the
# unit's ExecStartPre/ExecStart lines are run as written), and see the
# configuration in the kernel and ping protected by ESP towards a Linux
# XFRM peer.  Then the packages are removed again.
#
# selftest: on request (make check-packaging): even with the module built
# by DKMS on the host (below), dpkg, DKMS and the lab take minutes under
# TCG, too long for every make check.
#
# Only in the QEMU guest: its root is a tmpfs overlay on the host root, so
# dpkg, DKMS and /etc change nothing outside the guest.
#
# DKMS's postinst builds for the running kernel and for the newest one in
# /boot; the other kernels' /boot/config-* are moved aside (in the overlay)
# so that one build is timed, unless PACKAGING_ALL_KERNELS=1.

. "$(dirname "$0")/lib.sh"

DEBDIR=${DEBDIR:-$SELFTESTS/../build/deb}
UNIT=/lib/systemd/system/cryptomap.service
CM=/usr/sbin/cryptomap
CONF=/etc/cryptomap/cryptomap.conf
GW_IP=209.165.200.225
PEER_IP=209.165.200.226

ktap_header

[ "$(id -u)" -eq 0 ] || ktap_skip_all "needs root"
# dpkg -i must never run on a real root file system.
awk '$2 == "/" && $3 == "overlay" { f = 1 } END { exit !f }' /proc/mounts ||
	ktap_skip_all "/ is not the guest's overlay: run me in selftests/vm/run.sh"
command -v dkms >/dev/null || ktap_skip_all "dkms not installed (make deps)"
dkms_deb=$(find "$DEBDIR" -maxdepth 1 -name 'cryptomap-dkms_*_all.deb' 2>/dev/null | sort -V | tail -n1)
tools_deb=$(find "$DEBDIR" -maxdepth 1 -name 'cryptomap-tools_*_amd64.deb' 2>/dev/null | sort -V | tail -n1)
if [ -z "$dkms_deb" ] || [ -z "$tools_deb" ]; then
	ktap_skip_all "no .debs in $DEBDIR (make deb)"
fi
[ -d "/lib/modules/$KVER/build" ] || ktap_skip_all "no headers for $KVER"
cm_loaded && ktap_skip_all "a cryptomap module is loaded already"

ktap_plan 12

ver=$(dpkg-deb -f "$dkms_deb" Version)
ktap_diag "packages: $(basename "$dkms_deb") $(stat -c %s "$dkms_deb") B," \
	"$(basename "$tools_deb") $(stat -c %s "$tools_deb") B"

if [ -z "${PACKAGING_ALL_KERNELS:-}" ]; then
	for f in /boot/config-*; do
		[ "$f" = "/boot/config-$KVER" ] || mv "$f" "$f.packaging-test"
	done
fi

# No man-db rebuild under TCG for two man pages (the trigger's own switch).
rm -f /var/lib/man-db/auto-update

on_exit dpkg --purge cryptomap-tools cryptomap-dkms
on_exit rm -f "/usr/share/cryptomap-dkms/cryptomap-$ver.dkms.tar.gz"

# make deb-prebuilt (what make check-packaging uses): DKMS's binaries-only
# tarball of a DKMS build for this kernel on the host.  The package's
# postinst (/usr/lib/dkms/common.postinst) loads such a tarball itself when
# it finds it in /usr/share/cryptomap-dkms/ (its TARBALL_ROOT), sees the
# module built for the kernel and only installs it.  (Loading it with
# `dkms ldtarball` before the postinst does not work: the postinst first
# removes what DKMS has of this version, then builds from source: 2004 s
# under TCG.)  PACKAGING_BUILD=1, or no tarball: DKMS builds in the guest
# (give it VM_TIMEOUT=3600).
prebuilt=$DEBDIR/prebuilt/cryptomap-$ver-$KVER.dkms.tar.gz
[ -n "${PACKAGING_BUILD:-}" ] && prebuilt=/nonexistent
tarball_root=/usr/share/cryptomap-dkms
install_debs() {
	if [ -f "$prebuilt" ]; then
		mkdir -p "$tarball_root" &&
			cp "$prebuilt" "$tarball_root/cryptomap-$ver.dkms.tar.gz" || return 1
	fi
	dpkg -i "$dkms_deb" "$tools_deb" 2>&1 | tee /tmp/packaging-dpkg.log
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	# With the tarball, the postinst must not have compiled anything.
	if [ -f "$prebuilt" ] && grep -q '^Building initial module' /tmp/packaging-dpkg.log; then
		echo "the postinst built the module instead of loading $prebuilt"
		return 1
	fi
}
t0=$(date +%s)
if [ -f "$prebuilt" ]; then
	how="module prebuilt by DKMS on the host: $(basename "$prebuilt")"
else
	how="DKMS builds for $KVER"
fi
check "dpkg -i cryptomap-dkms cryptomap-tools ($how)" install_debs
t1=$(date +%s)
ktap_diag "install: $((t1 - t0)) s ($how)"
[ "$CHECK_RC" -eq 0 ] || tail -n 40 "/var/lib/dkms/cryptomap/$ver/build/make.log" 2>/dev/null | ktap_diag

check_match "dkms status: installed for $KVER" \
	"^cryptomap/$ver, $KVER, [^:]*: installed" dkms status cryptomap
check_match "modinfo finds the DKMS module under updates/" \
	"^/lib/modules/$KVER/updates/.*cryptomap\.ko" modinfo -k "$KVER" -n cryptomap

check "modprobe cryptomap" modprobe cryptomap
check_eq "the loaded module is the DKMS one (srcversion)" \
	"$(modinfo -k "$KVER" -F srcversion cryptomap 2>/dev/null)" \
	"$(cat /sys/module/cryptomap/srcversion 2>/dev/null)"

# The gateway's WAN towards a peer namespace that speaks Linux XFRM.
peer=
setup_ns peer || ktap_exit_fail "cannot create the peer namespace"
{
	ip link add wan0 type veth peer name wan0 netns "$peer" &&
		ip addr add "$GW_IP/27" dev wan0 && ip link set wan0 up &&
		ip -n "$peer" addr add "$PEER_IP/27" dev wan0 &&
		ip -n "$peer" link set wan0 up
} || ktap_exit_fail "cannot set up wan0"
on_exit ip link del wan0

hexkey() {
	head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}
c_out=$(hexkey 16) a_out=$(hexkey 32) c_in=$(hexkey 16) a_in=$(hexkey 32)

mkdir -p /etc/cryptomap
cat > "$CONF" <<EOF
! written by selftests/packaging.sh
access-list 110 permit ip host $GW_IP host $PEER_IP
crypto ipsec transform-set PKG-TEST esp-aes 128 esp-sha256-hmac
 mode transport
crypto map BOOT 10 ipsec-manual
 match address 110
 set peer $PEER_IP
 set transform-set PKG-TEST
 set session-key inbound esp 4097 cipher $c_in authenticator $a_in
 set session-key outbound esp 4096 cipher $c_out authenticator $a_out
interface wan0
 crypto map BOOT
EOF
chmod 600 "$CONF"

ip -n "$peer" -batch - <<EOF || ktap_exit_fail "cannot set up the XFRM peer"
xfrm state add src $GW_IP dst $PEER_IP proto esp spi 4096 mode transport enc cbc(aes) 0x$c_out auth-trunc hmac(sha256) 0x$a_out 128
xfrm state add src $PEER_IP dst $GW_IP proto esp spi 4097 mode transport enc cbc(aes) 0x$c_in auth-trunc hmac(sha256) 0x$a_in 128
xfrm policy add src $PEER_IP/32 dst $GW_IP/32 dir out tmpl proto esp spi 4097 mode transport
xfrm policy add src $GW_IP/32 dst $PEER_IP/32 dir in tmpl proto esp mode transport
EOF

# The boot path: the unit's own command lines, in order.
boot_path() {
	local line cmd
	[ -f "$UNIT" ] || { echo "no $UNIT"; return 1; }
	grep -q "^ConditionPathExists=$CONF\$" "$UNIT" || { echo "unit does not wait for $CONF"; return 1; }
	while IFS= read -r line; do
		case $line in
		ExecStartPre=* | ExecStart=*) cmd=${line#*=} ;;
		*) continue ;;
		esac
		echo "+ $cmd"
		sh -c "$cmd" || return 1
	done < "$UNIT"
}
check "cryptomap.service ExecStartPre/ExecStart apply $CONF" boot_path
check_match "running-config has the crypto map of the file" \
	'^crypto map BOOT 10 ipsec-manual$' "$CM" show running-config
check_match "running-config binds it to wan0" \
	'^interface wan0$' "$CM" show running-config
check_match "show crypto map: the entry is bound to wan0" \
	'Interfaces using crypto map BOOT:' "$CM" show crypto map

check "ping the peer through ESP (the peer accepts ESP only)" \
	ping -c 3 -i 0.3 -W 2 "$PEER_IP"
check_match "the peer's XFRM SA decrypted our packets" \
	'^[[:space:]]+[0-9]+\(bytes\), [1-9][0-9]*\(packets\)' ip -n "$peer" -s xfrm state list spi 4096

rmmod cryptomap
rm -f "$tarball_root"/cryptomap-*.dkms.tar.gz
check "dpkg --purge removes the packages and the module" \
	sh -c "dpkg --purge cryptomap-tools cryptomap-dkms &&
		! modinfo -k $KVER -n cryptomap 2>/dev/null &&
		[ -z \"\$(dkms status cryptomap)\" ] && [ ! -e $UNIT ]"

ktap_finish
