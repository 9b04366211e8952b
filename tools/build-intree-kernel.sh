#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kernel of `make check-intree`: Debian's linux-source-6.1 with
# cryptomap built in (CONFIG_CRYPTOMAP=y), placed there by tools/intree.sh
# and compiled by the kernel's own build.  It is the debug kernel of
# tools/build-debug-kernel.sh (KASAN, kmemleak, lockdep) plus cryptomap,
# and it is built incrementally from that tree instead of from scratch:
#
#   1. the debug tree (built, never touched here) is copied once, whole,
#      to ${CRYPTOMAP_CACHE:-/var/cache/cryptomap}/intree-6.1 (cp -a,
#      2 GB: 3 min on a loaded host).  Not a hard-linked copy: gcc -o
#      writes its output file in place, so a rebuilt object would change
#      the debug tree's too;
#   2. the copy's objtool is rebuilt (its build records the absolute O=
#      path, which changed) and then given back the debug tree's mtime:
#      every kernel object depends on the objtool binary
#      (cmd_gen_objtooldep), and a new one would rebuild all of them;
#   3. tools/intree.sh puts kmod/ into net/cryptomap (compat.h
#      force-included: 6.1 is older than compat.h's newest test),
#      CONFIG_CRYPTOMAP=y, LOCALVERSION -cmintree (its own release, so its
#      logs and guest images never mix with the debug kernel's);
#   4. make vmlinux bzImage modules at nice 19: cryptomap's objects, the
#      few that print the release, the link (minutes, not 1.5 hours).
#
# Every run places the work tree's kmod/ again (intree.sh writes only the
# files that changed, so only those are recompiled) and relinks.  The last line of stdout is the directory (--kdir for
# selftests/vm/run.sh, which sees CONFIG_CRYPTOMAP=y in its .config and
# runs the tests with the built-in cryptomap).  DIR/build-time has one
# line per build (wall and CPU seconds).
#
#   build-intree-kernel.sh            build (the debug kernel must be built)
#   build-intree-kernel.sh --status   built or not, never builds
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${CRYPTOMAP_CACHE:-/var/cache/cryptomap}
debug=$cache/debug-6.1
dir=$cache/intree-6.1
jobs=${JOBS:-$(nproc)}

case "${1:-}" in
'') ;;
--status)
	if [ -f "$dir/.done" ] && [ -f "$dir/arch/x86/boot/bzImage" ]; then
		echo "built: $dir ($(tail -n1 "$dir/build-time" 2>/dev/null))"
		exit 0
	fi
	echo "not built: $dir"
	exit 1 ;;
*) echo "usage: $0 [--status]" >&2; exit 2 ;;
esac

"$top/tools/build-debug-kernel.sh" --status > /dev/null || {
	echo "build-intree-kernel: the debug kernel is not built yet ($debug):" \
		"tools/build-debug-kernel.sh first" >&2
	exit 1
}

exec 9> "$dir.lock"
flock 9

fail() {
	echo "build-intree-kernel: FAILED ($1), see $dir/build.log" >&2
	tail -n 30 "$dir/build.log" >&2 2>/dev/null
	exit 1
}

# 1. The copy, once per debug build (.copied holds the debug tree's key).
key=$(cat "$debug/.done")
if [ "$(cat "$dir/.copied" 2>/dev/null)" != "$key" ]; then
	echo "build-intree-kernel: copying $debug to $dir" >&2
	rm -rf "$dir"
	nice -n 19 cp -a "$debug" "$dir" || fail "cp"
	rm -f "$dir/.done"
	: > "$dir/build-time"
	# 2. objtool for the new path, with the old binary's time.
	stamp=$(mktemp)
	nice -n 19 make -C "$dir" -s tools/objtool >> "$dir/build.log" 2>&1 || fail "objtool"
	find "$dir/tools" -newer "$stamp" -exec touch -h -r "$debug/tools/objtool/objtool" {} +
	rm -f "$stamp"
	echo "$key" > "$dir/.copied"
fi
cd "$dir"

# 3. cryptomap in the tree, built in.
rm -f .done
"$top/tools/intree.sh" "$dir" >&2 || fail "intree.sh"
scripts/config -e CRYPTOMAP -d CRYPTOMAP_DEBUG --set-str LOCALVERSION -cmintree
make -s olddefconfig >> build.log 2>&1 || fail "olddefconfig"
grep -qx 'CONFIG_CRYPTOMAP=y' .config || fail "CONFIG_CRYPTOMAP=y did not stick"

# 4. The incremental build.
echo "build-intree-kernel: building $dir ($(cat include/config/kernel.release 2>/dev/null))" >&2
echo "== intree build $(date -u +%FT%TZ), -j$jobs, load $(cut -d' ' -f1-3 /proc/loadavg)" >> build.log
rc=0
TIMEFORMAT='%R %U %S'
{ time nice -n 19 make -j"$jobs" vmlinux bzImage modules >> build.log 2>&1; } 2> .lasttime || rc=$?
read -r wall user sys < .lasttime || true
echo "$(date -u +%FT%TZ) wall ${wall%.*} s, cpu $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", u + s }') s," \
	"-j$jobs, status $rc, load $(cut -d' ' -f1-3 /proc/loadavg) at the end" >> build-time
[ "$rc" -eq 0 ] || fail "make, status $rc"
# Built in for real: our initcall is in vmlinux, no cryptomap.ko.
grep -q ' cm_mod_init$' System.map || fail "no cm_mod_init in System.map"
[ ! -e net/cryptomap/cryptomap.ko ] || fail "net/cryptomap/cryptomap.ko: built as a module"
echo "$(cat include/config/kernel.release)" > .done
echo "build-intree-kernel: done ($(tail -n1 build-time))" >&2
echo "$dir"
