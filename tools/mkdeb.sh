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
