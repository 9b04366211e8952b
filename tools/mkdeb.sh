#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian packages (debian/) into OUTDIR (default build/deb) from a
# copy of the files git knows (tracked, or new and not ignored), so that
# the work tree's objects and .ko files never reach the packages.
# Usage: mkdeb.sh [OUTDIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build/deb}
case "$out" in /*) ;; *) out=$top/$out ;; esac
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
src=$out/src/cryptomap-$ver

rm -rf "$out"
mkdir -p "$src"
cd "$top"
git ls-files -z -c -o --exclude-standard | xargs -0 cp --parents -t "$src"
cd "$src"
dpkg-buildpackage -us -uc -b
cd "$out"
mv src/*.deb src/*.buildinfo src/*.changes .
rm -rf src
ls -l "$out"/*.deb

# MKDEB_PREBUILT="KVER...": also let DKMS build the module for these
# kernels here, in a private DKMS tree, and keep each as DKMS's own
# binaries-only tarball in OUTDIR/prebuilt/ (`dkms ldtarball` loads it).
# selftests/packaging.sh uses one when it finds it, instead of waiting for
# the build under TCG.
[ -n "${MKDEB_PREBUILT:-}" ] || exit 0
p=$out/prebuilt
mkdir -p "$p/src" "$p/tree"
dpkg-deb -x "$out"/cryptomap-dkms_"$ver"_all.deb "$p/x"
mv "$p/x/usr/src/cryptomap-$ver" "$p/src/"
rm -rf "$p/x"
for k in $MKDEB_PREBUILT; do
	o=(-m cryptomap -v "$ver" -k "$k" --dkmstree "$p/tree" --sourcetree "$p/src")
	mok_signing_key=$p/mok.key mok_certificate=$p/mok.pub dkms build "${o[@]}"
	dkms mktarball "${o[@]}" --binaries-only --archive "$p/cryptomap-$ver-$k.dkms.tar.gz"
done
rm -rf "$p/src" "$p/tree" "$p/mok.key"
ls -l "$p"
