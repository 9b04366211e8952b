#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Place cryptomap into a kernel source tree, so that the kernel's own build
# makes it built in (CONFIG_CRYPTOMAP=y) or a module (=m):
#
#   KSRC/net/cryptomap/          kmod/*.c *.h, Kconfig (the top-level one),
#   (or drivers/net/cryptomap/)  Makefile (kmod/Kbuild with obj-$(CONFIG_...))
#   KSRC/include/uapi/linux/cryptomap.h
#   net/Kconfig, net/Makefile    one "source" line, one obj- line
#
# compat.h holds what differs between the kernels we build for.  A tree at
# least as new as every version compat.h tests gets the upstream calls
# instead (the wrappers resolved, compat.h left out); an older tree gets
# compat.h force-included, as the out-of-tree build does.
#
# Usage: intree.sh [--drivers] [--compat | --no-compat] KSRC
#   --drivers     drivers/net/cryptomap instead of net/cryptomap
#   --compat      always force-include compat.h
#   --no-compat   resolve the wrappers whatever the tree's version (fails
#                 if the tree is too old for that)
# Running it again updates the copy: only the files whose content changed
# are written (the others keep their time, so the kernel's build recompiles
# just those), files no longer in kmod/ are removed; the Kconfig/Makefile
# lines are added once.  Then: make olddefconfig (CONFIG_CRYPTOMAP=y or m),
# make.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sub=net
compat=auto

usage() {
	sed -n '/^# Usage:/,/^# Running/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--drivers) sub=drivers/net; shift ;;
	--compat) compat=yes; shift ;;
	--no-compat) compat=no; shift ;;
	-h | --help) usage ;;
	-*) echo "intree.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
ksrc=$(cd "$1" && pwd)
[ -f "$ksrc/Makefile" ] && [ -f "$ksrc/$sub/Kconfig" ] && [ -f "$ksrc/$sub/Makefile" ] || {
	echo "intree.sh: $ksrc is not a kernel source tree (no $sub/Kconfig)" >&2
	exit 1
}

# The tree's version, and the newest version compat.h tests for.
mk_var() {
	sed -n "s/^$1 = *\([0-9]*\).*/\1/p" "$ksrc/Makefile" | head -n1
}
tree_code=$(( $(mk_var VERSION) * 65536 + $(mk_var PATCHLEVEL) * 256 ))
need=$(grep -o 'KERNEL_VERSION([0-9]*, *[0-9]*, *[0-9]*) *<= *LINUX_VERSION_CODE' \
	"$top/kmod/compat.h" | sed 's/[^0-9,]//g' |
	awk -F, '{ v = $1 * 65536 + $2 * 256 + $3; if (v > m) m = v } END { print m + 0 }')
if [ "$compat" = auto ]; then
	if [ "$tree_code" -ge "$need" ]; then compat=no; else compat=yes; fi
elif [ "$compat" = no ] && [ "$tree_code" -lt "$need" ]; then
	echo "intree.sh: the tree is older than compat.h's newest test: it needs --compat" >&2
	exit 1
fi

dest=$ksrc/$sub/cryptomap
name=$(basename "$dest")
# The copy is made in $stage, then only what changed goes into $dest.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$dest" "$ksrc/include/uapi/linux"
for f in "$top"/kmod/*.c "$top"/kmod/*.h; do
	case $f in *.mod.c) continue ;; esac
	[ "$compat" = no ] && [ "$(basename "$f")" = compat.h ] && continue
	cp "$f" "$stage/"
done
cp "$top/Kconfig" "$stage/Kconfig"

if [ "$compat" = no ]; then
	# The wrappers of compat.h, as the newest kernel spells them.
	sed -i -E \
		-e 's/cm_dump_attrs\(([a-z_]+)\)/genl_info_dump(\1)->attrs/g' \
		-e 's/CM_CRYPTO_DONE_ARG/void *data/g' \
		-e 's/cm_crypto_done_data\(cm_done_arg\)/data/g' \
		"$stage"/*.c "$stage"/*.h
	# <net/gso.h> where skb_gso_segment() is used, in its sorted place.
	for f in $(grep -l 'skb_gso_segment' "$stage"/*.c); do
		grep -q '<net/gso.h>' "$f" && continue
		awk '!done && /^#include <net\// && $2 > "<net/gso.h>" {
			print "#include <net/gso.h>"; done = 1 }
		{ print }' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
		grep -q '<net/gso.h>' "$f" || { echo "intree.sh: no place for <net/gso.h> in $f" >&2; exit 1; }
	done
	# Anything compat.h defines must be gone now; else say what is left.
	syms=$(sed -n -E 's/^static inline [^(]* \**([a-zA-Z_0-9]+)\(.*/\1/p; s/^#define (CM_[A-Z_0-9]+|cm_[a-z_0-9]+).*/\1/p' \
		"$top/kmod/compat.h" | sort -u)
	left=$(for s in $syms; do grep -lw "$s" "$stage"/*.c "$stage"/*.h; done | sort -u)
	if [ -n "$left" ]; then
		echo "intree.sh: compat.h wrappers left unresolved in: $left" >&2
		echo "intree.sh: teach intree.sh the new wrapper, or use --compat" >&2
		exit 1
	fi
fi

# kmod/Kbuild as the tree's Makefile: obj-$(CONFIG_CRYPTOMAP), no uapi
# path (the header is in include/uapi now), compat.h only if needed.
{
	echo "# SPDX-License-Identifier: GPL-2.0"
	echo "# Made by cryptomap's tools/intree.sh from kmod/Kbuild."
	grep -v -E '^#|^NOSTDINC_FLAGS' "$top/kmod/Kbuild" |
		sed -E -e 's/^obj-m[[:space:]]*:?=[[:space:]]*cryptomap\.o/obj-$(CONFIG_CRYPTOMAP) += cryptomap.o/' \
			-e '/^ccflags-y[[:space:]]*:=[[:space:]]*-include[[:space:]]+\$\(src\)\/compat\.h/d'
	if [ "$compat" = yes ]; then
		echo 'ccflags-y += -include $(src)/compat.h'
	fi
} > "$stage/Makefile"
grep -q '^obj-$(CONFIG_CRYPTOMAP) += cryptomap.o' "$stage/Makefile" || {
	echo "intree.sh: no obj-m line in kmod/Kbuild to turn into obj-\$(CONFIG_CRYPTOMAP)" >&2
	exit 1
}

# Into the tree: sources no longer there go, changed ones are written.
for f in "$dest"/*.c "$dest"/*.h "$dest"/Kconfig "$dest"/Makefile; do
	[ -e "$f" ] && [ ! -e "$stage/$(basename "$f")" ] && rm -f "$f"
done
changed=0
for f in "$stage"/*; do
	cmp -s "$f" "$dest/$(basename "$f")" && continue
	cp "$f" "$dest/"
	changed=$((changed + 1))
done
uapi=$ksrc/include/uapi/linux/cryptomap.h
cmp -s "$top/uapi/linux/cryptomap.h" "$uapi" || { cp "$top/uapi/linux/cryptomap.h" "$uapi"; changed=$((changed + 1)); }

# The tree's Kconfig and Makefile: one line each, once.
kc=$ksrc/$sub/Kconfig
src_line="source \"$sub/$name/Kconfig\""
if ! grep -qxF "$src_line" "$kc"; then
	# Inside the menu's closing "endif" (if NET / NETDEVICES).
	last=$(grep -n '^endif' "$kc" | tail -n1 | cut -d: -f1)
	if [ -n "$last" ]; then
		sed -i "${last}i $src_line\n" "$kc"
	else
		printf '\n%s\n' "$src_line" >> "$kc"
	fi
fi
mf=$ksrc/$sub/Makefile
obj_line="obj-\$(CONFIG_CRYPTOMAP) += $name/"
grep -qxF "$obj_line" "$mf" || printf '%s\n' "$obj_line" >> "$mf"

echo "intree.sh: $sub/$name in $ksrc (kernel $(mk_var VERSION).$(mk_var PATCHLEVEL)," \
	"compat.h $([ "$compat" = yes ] && echo force-included || echo left out), $changed files written)"
