#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel coding style on the module and its uapi header with the kernel's
# own checkpatch.pl, taken once from Debian's linux-source-6.1 tarball
# into build/checkpatch/.  Exits non-zero on any ERROR or WARNING.
# Usage: tools/checkpatch.sh [FILE...]   (default: kmod/*.[ch] uapi/linux/*.h)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=${KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
cache=$top/build/checkpatch
script=$cache/linux-source-6.1/scripts/checkpatch.pl

if [ ! -f "$script" ]; then
	[ -r "$tarball" ] || { echo "checkpatch: no $tarball (make deps)" >&2; exit 1; }
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.x.XXXXXX")
	tar -C "$tmp" -xJf "$tarball" \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	rm -rf "$cache/linux-source-6.1"
	mv "$tmp/linux-source-6.1" "$cache/"
	rmdir "$tmp"
fi

cd "$top"
if [ $# -eq 0 ]; then
	set -- kmod/*.c kmod/*.h uapi/linux/*.h
fi
files=()
for f in "$@"; do
	[ -f "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || { echo "checkpatch: no files to check" >&2; exit 1; }

# kmod/compat.h is where version differences belong (see the project
# rules): LINUX_VERSION_CODE tests are its purpose, not a style slip.
plain=() compat=()
for f in "${files[@]}"; do
	case "$f" in
	*/compat.h|compat.h) compat+=("$f") ;;
	*) plain+=("$f") ;;
	esac
done
out=
if [ ${#plain[@]} -gt 0 ]; then
	out=$(perl "$script" --no-tree --terse --show-types -f "${plain[@]}" 2>&1) || true
fi
if [ ${#compat[@]} -gt 0 ]; then
	out="$out${out:+
}$(perl "$script" --no-tree --terse --show-types --ignore LINUX_VERSION_CODE \
		-f "${compat[@]}" 2>&1)" || true
fi
[ -n "$out" ] && printf '%s\n' "$out"
n=$(printf '%s\n' "$out" | grep -cE ': (ERROR|WARNING):' || true)
if [ "$n" -gt 0 ]; then
	echo "checkpatch: $n problem(s) in ${#files[@]} files"
	exit 1
fi
echo "checkpatch: ${#files[@]} files clean"
