#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package that building, testing and the demo need.
# Quick (no apt call) when everything is already installed.
set -eu

PKGS="build-essential make gcc pkg-config libmnl-dev sparse bc flex bison libelf-dev
libssl-dev dwarves kmod cpio xz-utils zstd busybox-static qemu-system-x86
iproute2 iputils-ping iperf3 tcpdump nftables python3 python3-yaml python3-scapy
tshark linux-image-amd64 linux-headers-amd64 linux-source-6.1
linux-source-6.12 python3-jsonschema
dkms dh-dkms debhelper lintian fakeroot bash-completion
strongswan-charon strongswan-swanctl libstrongswan-standard-plugins"

need=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || need="$need $p"
done

# The 6.12 LTS kernel from bookworm-security: image (unsigned) and headers.
k612=$(ls -d /lib/modules/6.12.*+deb12-amd64 2>/dev/null | sort -V | tail -n1)
if [ -z "$k612" ] || [ ! -e "$k612/build" ]; then
	need="$need K612"
fi

[ -z "$need" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing:$need" >&2
apt-get update -qq >/dev/null
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
need=${need/ K612/}
if [ -z "$k612" ] || [ ! -e "$k612/build" ]; then
	v=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
	    awk '{print $1}' | sed 's/^linux-image-//;s/-unsigned$//' | sort -V | tail -n1)
	[ -n "$v" ] || { echo "install-deps: no 6.12 kernel found in apt" >&2; exit 1; }
	need="$need linux-image-$v-unsigned linux-headers-$v"
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
