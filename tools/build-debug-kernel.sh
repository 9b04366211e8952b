#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug kernel of `make check-debug`: Debian's
# linux-source-6.1, x86_64_defconfig + kvm_guest.config +
# selftests/debug/config.fragment (KASAN, kmemleak, lockdep, atomic-sleep
# checks; 9p, virtio, netfilter, XFRM and the crypto built in).  The tree
# is cached outside the repository, keyed by the fragment, the recipe
# version below (bump it when the recipe changes) and the source package
# version:
#   ${CRYPTOMAP_CACHE:-/var/cache/cryptomap}/debug-6.1-HASH/
# The last line of stdout is that directory (a kernel tree with vmlinux and
# Module.symvers: KDIR for the module, --kdir for selftests/vm/run.sh).
# The build runs under `nice -n 19` (the machine is shared); its log and
# time are kept in the directory (build.log, build-time).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
frag=$top/selftests/debug/config.fragment
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${CRYPTOMAP_CACHE:-/var/cache/cryptomap}
jobs=${JOBS:-$(nproc)}

[ -r "$tarball" ] || { echo "build-debug-kernel: no $tarball (apt-get install linux-source-6.1)" >&2; exit 1; }
for t in bc flex bison; do
	command -v "$t" >/dev/null || { echo "build-debug-kernel: $t missing (make deps)" >&2; exit 1; }
done

srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$tarball")
recipe=1
key=$( { cat "$frag"; echo "recipe $recipe"; echo "$srcver"; } | sha256sum | cut -c1-12)
dir=$cache/debug-6.1-$key
mkdir -p "$cache"

exec 9> "$dir.lock"
flock 9
if [ -f "$dir/.done" ] && [ -f "$dir/vmlinux" ]; then
	echo "$dir"
	exit 0
fi

echo "build-debug-kernel: building $dir (linux-source-6.1 $srcver); log in $dir/build.log" >&2
rm -rf "$dir"
mkdir -p "$dir"
start=$(date +%s)
{
	tar -C "$dir" --strip-components=1 -xJf "$tarball"
	cd "$dir"
	make -s x86_64_defconfig kvm_guest.config
	scripts/kconfig/merge_config.sh -m .config "$frag"
	make -s olddefconfig
	# What the fragment asks for must have survived olddefconfig.
	missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" .config || { echo "build-debug-kernel: not set: $line"; missing=1; } ;;
		esac
	done < "$frag"
	[ "$missing" -eq 0 ]
	nice -n 19 make -j"$jobs" vmlinux modules
} > "$dir/build.log" 2>&1 || {
	echo "build-debug-kernel: FAILED, see $dir/build.log" >&2
	tail -n 30 "$dir/build.log" >&2
	exit 1
}
end=$(date +%s)
echo "$((end - start)) s, $jobs jobs, load $(cut -d' ' -f1-3 /proc/loadavg) at the end" > "$dir/build-time"
touch "$dir/.done"
echo "build-debug-kernel: done in $((end - start)) s" >&2
echo "$dir"
