#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink spec (Documentation/netlink/specs/cryptomap.yaml), the uapi
# header and the generated kmod/nl_policy.[ch] agree (spec_check.py), and
# the check is not blind: copies with one thing changed in the header, the
# spec or the policy file are each refused.  Needs no module: it runs in
# the guest like every test, and on the host as well.

. "$(dirname "$0")/lib.sh"

top=$(cd "$SELFTESTS/.." && pwd)
spec=$top/Documentation/netlink/specs/cryptomap.yaml
hdr=$top/uapi/linux/cryptomap.h
checker=$SELFTESTS/spec_check.py

python3 -c 'import yaml' 2>/dev/null || ktap_skip_all "python3-yaml is not installed"

work=$(mktemp -d)
on_exit rm -rf "$work"

# mutate WHAT PERL-EXPR: a copy of the spec or the header with one change
# (perl -0pe, the whole file at once); prints its path, fails if the
# expression changed nothing.
mutate() {
	local src out
	case "$1" in
	spec) src=$spec ;;
	header) src=$hdr ;;
	esac
	out=$(mktemp "$work/$1.XXXXXX")
	perl -0pe "$2" "$src" > "$out"
	cmp -s "$src" "$out" && { echo "mutation '$2' changed nothing" >&2; return 1; }
	echo "$out"
}

# refused DESC WHAT PERL-EXPR: spec_check.py fails on the mutated copy.
refused() {
	local desc=$1 what=$2 expr=$3 copy
	copy=$(mutate "$what" "$expr") || { ktap_fail "$desc (mutation did not apply)"; return; }
	if [ "$what" = spec ]; then
		check_fail "$desc" python3 "$checker" --spec "$copy" --no-policy --no-ynl
	else
		check_fail "$desc" python3 "$checker" --header "$copy" --no-policy --no-ynl
	fi
}

ktap_header
ktap_plan 11

# The real files: every check of spec_check.py, its own KTAP as diagnostics.
__check_run python3 "$checker"
printf '%s\n' "$CHECK_OUT" | ktap_diag
case $CHECK_RC in
0) ktap_ok "spec_check.py: spec, uapi header and nl_policy agree" ;;
4) ktap_skip "spec_check.py: spec, uapi header and nl_policy agree" "see above" ;;
*) ktap_fail "spec_check.py: spec, uapi header and nl_policy agree" ;;
esac

refused "refused: a changed enum value in the header" header \
	's/CRYPTOMAP_ACE_PERMIT = 1,/CRYPTOMAP_ACE_PERMIT = 3,/'
refused "refused: an attribute added to the header only" header \
	's/^\t__CRYPTOMAP_MAP_A_MAX,/\tCRYPTOMAP_MAP_A_FOO,\n\t__CRYPTOMAP_MAP_A_MAX,/m'
refused "refused: a command renamed in the header" header \
	's/CRYPTOMAP_CMD_BIND_DEL,/CRYPTOMAP_CMD_BIND_REMOVE,/'
refused "refused: a header type comment that the spec contradicts" header \
	's|(CRYPTOMAP_TSET_A_AH,\s*/\* )u8,|${1}u16,|'
refused "refused: an enum entry dropped from the spec" spec \
	's/      -\n        name: deflate\n        doc: comp-deflate\n//'
refused "refused: an attribute renamed in the spec" spec \
	's/name: local-ifname\n/name: local-if\n/'
refused "refused: a range in the spec unlike the header's" spec \
	's/min: 120\n/min: 100\n/'
refused "refused: an operation missing from the spec" spec \
	's/    -\n      name: stats-get\n.*?\n\n/\n/s'
refused "refused: a change without uns-admin-perm" spec \
	's/ *flags: \[uns-admin-perm\]\n//'

# A hand edit of the generated policy is noticed.
mkdir -p "$work/kmod"
cp "$top/kmod/nl_policy.h" "$work/kmod/"
sed 's/NLA_POLICY_MAX(NLA_U8, 24)/NLA_POLICY_MAX(NLA_U8, 32)/' "$top/kmod/nl_policy.c" > "$work/kmod/nl_policy.c"
if cmp -s "$top/kmod/nl_policy.c" "$work/kmod/nl_policy.c"; then
	ktap_fail "refused: a hand edit of kmod/nl_policy.c (mutation did not apply)"
else
	check_fail "refused: a hand edit of kmod/nl_policy.c" \
		python3 "$checker" --kmod "$work/kmod" --no-ynl
fi

ktap_finish
