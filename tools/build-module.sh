#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build kmod/ for one kernel and keep the .ko under build/KVER/.
# Serialised with flock: kmod/ is built in place and several builds
# (for 6.1 and 6.12, or from parallel shells) must not interleave.
# Usage: build-module.sh KVER [extra Kbuild args such as C=1 W=1]
set -eu
kver=$1; shift
kdir=${KDIR:-/lib/modules/$kver/build}
top=$(cd "$(dirname "$0")/.." && pwd)
[ -n "$kver" ] && [ -d "$kdir" ] || { echo "no kernel headers for KVER='$kver' (run make deps)" >&2; exit 1; }
exec 9>/tmp/cryptomap-kbuild.lock
flock 9
if [ -f "$top/kmod/.kver" ] && [ "$(cat "$top/kmod/.kver")" != "$kver" ]; then
	make -s -C "$kdir" M="$top/kmod" clean >/dev/null
fi
make -j"$(nproc)" -C "$kdir" M="$top/kmod" "$@" modules
echo "$kver" > "$top/kmod/.kver"
mkdir -p "$top/build/$kver"
# Copy then rename: a test guest may be reading the old .ko over 9p.
cp "$top/kmod/cryptomap.ko" "$top/build/$kver/.cryptomap.ko.tmp"
mv -f "$top/build/$kver/.cryptomap.ko.tmp" "$top/build/$kver/cryptomap.ko"
