#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug kernel of `make check-debug`: Debian's
# linux-source-6.1, x86_64_defconfig + kvm_guest.config +
# selftests/debug/config.fragment (KASAN, kmemleak, lockdep, atomic-sleep
# checks; 9p, virtio, netfilter, XFRM and the crypto built in; the big
# subsystems a 9p-root guest never uses switched off, so that 2 cores can
# build it).
#
# The tree lives outside the repository, one per source package version:
#   ${CRYPTOMAP_CACHE:-/var/cache/cryptomap}/debug-6.1/
# and is never thrown away: an interrupted build resumes where it stopped
# (make is incremental), a changed fragment or recipe reconfigures the same
# tree and rebuilds only what the changed options touch.  The last line of
# stdout is the directory (a kernel tree with vmlinux, Module.symvers and
# arch/x86/boot/bzImage: KDIR for the module, --kdir for
# selftests/vm/run.sh) once it is built.
#
#   build-debug-kernel.sh               build (or resume) in the foreground
#   build-debug-kernel.sh --background  the same, detached (nohup, setsid);
#                                       progress in DIR.bg.log and DIR/build.log
#   build-debug-kernel.sh --status      how far it is, never builds
#
# The compiler runs under `nice -n 19` (the machine is shared: it takes
# only idle CPU).  DIR/build-time has one line per build run (wall and CPU
# seconds, load); JOBS sets make -j (default: all CPUs).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
frag=$top/selftests/debug/config.fragment
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${CRYPTOMAP_CACHE:-/var/cache/cryptomap}
jobs=${JOBS:-$(nproc)}
dir=$cache/debug-6.1
# Bump when the steps below change what ends up in the tree.
recipe=3

mode=build
case "${1:-}" in
'') ;;
--background) mode=background ;;
--status) mode=status ;;
*) echo "usage: $0 [--background | --status]" >&2; exit 2 ;;
esac

[ -r "$tarball" ] || { echo "build-debug-kernel: no $tarball (apt-get install linux-source-6.1)" >&2; exit 1; }
srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$tarball")
cfgkey=$( { cat "$frag"; echo "recipe $recipe"; echo "$srcver"; } | sha256sum | cut -c1-12)
mkdir -p "$cache"

built() {
	[ "$(cat "$dir/.done" 2>/dev/null)" = "$cfgkey" ] && [ -f "$dir/vmlinux" ] &&
		[ -f "$dir/Module.symvers" ] && [ -f "$dir/arch/x86/boot/bzImage" ]
}

if [ "$mode" = status ]; then
	if built; then
		echo "built: $dir ($(tail -n1 "$dir/build-time" 2>/dev/null))"
		exit 0
	fi
	objs=$(find "$dir" -name '*.o' 2>/dev/null | wc -l)
	if flock -n "$dir.lock" true 2>/dev/null; then state="not running"; else state="building"; fi
	echo "not built ($state): $objs objects in $dir; last: $(tail -n1 "$dir/build.log" 2>/dev/null)"
	exit 1
fi

if [ "$mode" = background ]; then
	built && { echo "$dir"; exit 0; }
	nohup setsid "$0" > "$dir.bg.log" 2>&1 < /dev/null &
	echo "build-debug-kernel: building in the background (pid $!), log $dir.bg.log" >&2
	exit 0
fi

for t in bc flex bison; do
	command -v "$t" >/dev/null || { echo "build-debug-kernel: $t missing (make deps)" >&2; exit 1; }
done

exec 9> "$dir.lock"
flock 9
if built; then
	echo "$dir"
	exit 0
fi

fail() {
	echo "build-debug-kernel: FAILED ($1), see $dir/build.log" >&2
	tail -n 30 "$dir/build.log" >&2
	exit 1
}

# The source: extracted once per package version (.source says which, and
# is only written once tar has finished).
if [ "$(cat "$dir/.source" 2>/dev/null)" != "$srcver" ]; then
	echo "build-debug-kernel: extracting linux-source-6.1 $srcver into $dir" >&2
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -C "$dir" --strip-components=1 -xJf "$tarball" || fail "tar"
	echo "$srcver" > "$dir/.source"
fi
cd "$dir"

# The configuration, redone when the fragment or the recipe changed.
if [ "$(cat .config-key 2>/dev/null)" != "$cfgkey" ] || [ ! -f .config ]; then
	echo "build-debug-kernel: configuring ($cfgkey)" >&2
	{
		make -s x86_64_defconfig kvm_guest.config &&
			scripts/kconfig/merge_config.sh -m .config "$frag" &&
			make -s olddefconfig
	} >> build.log 2>&1 || fail "configuration"
	# What the fragment asks for must have survived olddefconfig.
	missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" .config || { echo "build-debug-kernel: not set: $line" >&2; missing=1; } ;;
		'# CONFIG_'*' is not set')
			opt=${line#\# }
			opt=${opt%% *}
			# Selected by something we need: a note, not a failure.
			if grep -q "^$opt=" .config; then
				echo "build-debug-kernel: note: $opt stays on (selected)" >&2
			fi ;;
		esac
	done < "$frag"
	[ "$missing" -eq 0 ] || fail "the fragment did not apply"
	echo "$cfgkey" > .config-key
fi

echo "build-debug-kernel: building $dir ($(grep -c '=y$' .config) options =y," \
	"$(find . -name '*.o' | wc -l) objects already there); log in $dir/build.log" >&2
echo "== build $(date -u +%FT%TZ), -j$jobs, load $(cut -d' ' -f1-3 /proc/loadavg)" >> build.log
rc=0
TIMEFORMAT='%R %U %S'
# bzImage is what the guest boots: QEMU's PVH entry into the ELF vmlinux
# runs xen_prepare_pvh() (and the memcmp() it calls) on the early
# identity-mapped stack before kasan_early_init(), and KASAN's
# instrumentation there writes the shadow of that stack: #GP or #PF with
# no IDT yet, a triple fault, the guest gone in a second with an empty
# console.  The bzImage's 64-bit entry sets KASAN up first.
{ time nice -n 19 make -j"$jobs" vmlinux bzImage modules >> build.log 2>&1; } 2> .lasttime || rc=$?
read -r wall user sys < .lasttime || true
echo "$(date -u +%FT%TZ) wall ${wall%.*} s, cpu $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", u + s }') s," \
	"-j$jobs, status $rc, load $(cut -d' ' -f1-3 /proc/loadavg) at the end" >> build-time
[ "$rc" -eq 0 ] || fail "make, status $rc"
echo "$cfgkey" > .done
echo "build-debug-kernel: done; build runs (wall, cpu):" >&2
sed 's/^/  /' build-time >&2
echo "$dir"
