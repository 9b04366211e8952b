#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LZS (kmod/lzs.c) in userspace: builds selftests/lzs_test.c with the
# module's own lzs.c, under ASan and UBSan when the compiler has them, and
# runs it on the vectors in selftests/data/lzs/ (published and
# hand-derived), round trips, a fuzzer and a text sample for the ratio.
# The harness prints KTAP itself.  Needs no module: runs on the host as
# well as in the VM guest (where the tree is read-only, so it builds in a
# temporary directory).
#
# selftest: host (selftests/vm/run.sh runs it once on the host, no guest)

here=$(cd "$(dirname "$0")" && pwd)
kmod=$here/../kmod
CC=${CC:-cc}

skip() {
	echo "TAP version 13"
	echo "1..0 # SKIP $*"
	exit 4
}

command -v "$CC" >/dev/null 2>&1 || skip "no C compiler ($CC)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lzs_test.XXXXXX") || skip "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

# -DDEBUG: lzs.c's self-test, as in a CONFIG_CRYPTOMAP_DEBUG module.
cflags=(-std=gnu11 -O2 -g -Wall -Wextra -Werror -DDEBUG
	-include "$here/lzs_shim.h" -I"$kmod")
san=(-fsanitize=address -fsanitize=undefined -fno-sanitize-recover=all)

# Sanitizers if they link and run here; plain otherwise (said below).
echo 'int main(void) { return 0; }' > "$tmp/probe.c"
if "$CC" "${san[@]}" "$tmp/probe.c" -o "$tmp/probe" 2>/dev/null &&
   "$tmp/probe" 2>/dev/null; then
	cflags+=("${san[@]}")
	note="with ASan and UBSan"
else
	san=()
	note="without sanitizers (the compiler cannot link them here)"
fi

if ! "$CC" "${cflags[@]}" "$here/lzs_test.c" "$kmod/lzs.c" \
	-o "$tmp/lzs_test" 2> "$tmp/cc.log"; then
	echo "TAP version 13"
	echo "1..1"
	sed 's/^/# /' "$tmp/cc.log"
	echo "not ok 1 build lzs_test"
	echo "0 passed, 1 failed"
	exit 1
fi

texts=()
for f in /usr/share/common-licenses/GPL-2 "$kmod/lzs.c"; do
	[ -r "$f" ] && texts+=("$f")
done

LZS_TEST_NOTE="built $note" "$tmp/lzs_test" "$here/data/lzs" "${texts[@]}"
