#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side check of tools/intree.sh (KTAP), without building a kernel:
#   1. Debian's linux-source-6.1 (extracted once into $INTREE_DIR), the
#      Debian config with CONFIG_CRYPTOMAP=y, make olddefconfig and
#      modules_prepare, then `make W=1 net/cryptomap/`: every object of
#      ours compiled by the kernel's own build as built-in code, with
#      compat.h force-included (6.1 is older than compat.h's newest test);
#      the built-in.a must carry our initcall.
#   2. The copy for a tree new enough to leave compat.h out (the 6.12
#      tree's Makefile and net/Kconfig, net/Makefile from linux-source-6.12)
#      built as a module with W=1 against the installed 6.12 headers.
# Linking a whole vmlinux with CONFIG_CRYPTOMAP=y is left to a full kernel
# build (tools/build-debug-kernel.sh's tree, for one).
# Figures here (2 loaded CPUs): extraction 1 min, olddefconfig 20 s,
# modules_prepare 1.5 min, net/cryptomap/ 1 min, the 6.12 copy 2 min.
#
# Environment: INTREE_DIR (default /tmp/cryptomap-intree, kept between
# runs), KVER61 / KVER612 (kernels whose config / headers to use).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${INTREE_DIR:-/tmp/cryptomap-intree}
kver61=${KVER61:-$(ls -d /lib/modules/6.1.*-amd64/build 2>/dev/null | sort -V | tail -n1 | cut -d/ -f4)}
kver612=${KVER612:-$(ls -d /lib/modules/6.12.*-amd64/build 2>/dev/null | sort -V | tail -n1 | cut -d/ -f4)}
jobs=$(nproc)
n=0 fail=0

result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fail=1; fi
}
# step LOG CMD...: run CMD with its output in $dir/LOG; sets $secs.
step() {
	local log=$dir/$1 s rc
	shift
	s=$(date +%s)
	"$@" > "$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - s))
	[ $rc -ne 0 ] && tail -n 25 "$log" | sed 's/^/# /'
	return $rc
}

echo "TAP version 13"
echo "1..4"
mkdir -p "$dir" || exit 1

# 1. linux-source-6.1, CONFIG_CRYPTOMAP=y.
k61=$dir/linux-source-6.1
if [ ! -f "$k61/Makefile" ]; then
	step extract61.log tar -C "$dir" -xJf /usr/src/linux-source-6.1.tar.xz
	result $? "extract linux-source-6.1 (${secs} s)"
else
	result 0 "linux-source-6.1 already extracted # cached"
fi
cfg=/boot/config-$kver61
if [ ! -f "$cfg" ] || ! step intree61.log "$top/tools/intree.sh" "$k61"; then
	result 1 "intree.sh into linux-source-6.1 ($cfg)"
else
	result 0 "intree.sh: $(tail -n1 "$dir/intree61.log" | sed 's/^intree.sh: //')"
fi
build61() {
	cd "$k61" || return 1
	cp "$cfg" .config
	# Debian's signing keys are not in the source package.
	scripts/config --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str MODULE_SIG_KEY certs/signing_key.pem -e CRYPTOMAP -d CRYPTOMAP_DEBUG
	make -s olddefconfig || return 1
	grep -qx 'CONFIG_CRYPTOMAP=y' .config || { echo "CONFIG_CRYPTOMAP=y did not stick"; return 1; }
	make -s -j"$jobs" modules_prepare || return 1
	make -j"$jobs" W=1 net/cryptomap/ 2>&1 | tee "$dir/kbuild61.log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	if grep -E 'cryptomap/.*(warning|error):' "$dir/kbuild61.log"; then return 1; fi
	nm net/cryptomap/built-in.a | grep -q '__initcall.*cm_mod_init' ||
		{ echo "no initcall in built-in.a"; return 1; }
}
step build61.log build61
result $? "CONFIG_CRYPTOMAP=y: olddefconfig, modules_prepare, make W=1 net/cryptomap/ clean, initcall built in (${secs} s)"

# 2. A 6.12 tree: compat.h left out, built against the 6.12 headers.
k612=$dir/linux-source-6.12
if [ -z "$kver612" ]; then
	echo "ok $((n + 1)) the 6.12 copy without compat.h # SKIP no 6.12 headers"
	n=$((n + 1))
else
	prep612() {
		[ -f "$k612/Makefile" ] && return 0
		tar -C "$dir" -xJf /usr/src/linux-source-6.12.tar.xz linux-source-6.12/Makefile \
			linux-source-6.12/net/Kconfig linux-source-6.12/net/Makefile
	}
	build612() {
		prep612 || return 1
		"$top/tools/intree.sh" "$k612" || return 1
		[ ! -e "$k612/net/cryptomap/compat.h" ] || { echo "compat.h was copied"; return 1; }
		! grep -n -E 'cm_dump_attrs|CM_CRYPTO_DONE_ARG|cm_crypto_done_data|compat\.h' \
			"$k612"/net/cryptomap/* || return 1
		make -C "/lib/modules/$kver612/build" M="$k612/net/cryptomap" CONFIG_CRYPTOMAP=m \
			KCFLAGS="-I$k612/include/uapi" W=1 -j"$jobs" modules 2>&1 |
			tee "$dir/kbuild612.log"
		[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
		if grep -E 'cryptomap/.*(warning|error):' "$dir/kbuild612.log"; then return 1; fi
		[ -f "$k612/net/cryptomap/cryptomap.ko" ]
	}
	step build612.log build612
	result $? "the copy for 6.12 (compat.h left out) builds W=1 clean against $kver612 (${secs} s)"
fi

exit $fail
