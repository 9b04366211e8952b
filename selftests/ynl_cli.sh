#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A generic tool drives the family from the spec alone: the kernel's YNL
# CLI (tools/net/ynl/cli.py of linux-source-6.12, extracted into /tmp by
# ynl_tree.py) reads Documentation/netlink/specs/cryptomap.yaml, validates
# it against the genetlink-legacy schema, and sets and reads back a
# transform set, an ACL (also appended to with NLM_F_APPEND) and a crypto
# map entry in a fresh namespace; the policy limits of the spec reach the
# caller as errors.

. "$(dirname "$0")/lib.sh"

top=$(cd "$SELFTESTS/.." && pwd)
spec=$top/Documentation/netlink/specs/cryptomap.yaml

python3 -c 'import yaml, jsonschema' 2>/dev/null ||
	ktap_skip_all "python3-yaml and python3-jsonschema are needed (make deps)"
tree=$(python3 "$SELFTESTS/ynl_tree.py")
case $? in
0) ;;
4) ktap_skip_all "no linux-source-6.12 for the YNL CLI (make deps)" ;;
*) ktap_exit_fail "cannot extract the YNL CLI from linux-source-6.12" ;;
esac
schema=$tree/Documentation/netlink/genetlink-legacy.yaml

# ynl ARGS...: cli.py on our spec in the test namespace, JSON out.  The
# spec is validated against the schema once (ynl_validated); that costs
# some 13 s per call under TCG, so the other calls skip it.
ynl() {
	ip netns exec "$ynlns" python3 "$tree/tools/net/ynl/cli.py" \
		--spec "$spec" --no-schema --output-json "$@"
}

ynl_validated() {
	ip netns exec "$ynlns" python3 "$tree/tools/net/ynl/cli.py" \
		--spec "$spec" --schema "$schema" "$@"
}

# ynl_expect OP-ARGS... -- EXPECTED-JSON: run ynl, then compare its output
# with EXPECTED: every key given must be there with that value (dicts are
# compared recursively, lists element by element and by length).
ynl_expect() {
	local args=() out
	while [ "$1" != "--" ]; do
		args+=("$1")
		shift
	done
	out=$(ynl "${args[@]}") || { echo "$out"; return 1; }
	echo "$out"
	python3 - "$2" "$out" <<-'PY'
		import json, sys
		want, have = json.loads(sys.argv[1]), json.loads(sys.argv[2])
		def sub(w, h, path):
		    if isinstance(w, dict):
		        if not isinstance(h, dict):
		            return [f'{path}: expected an object, got {h!r}']
		        out = []
		        for k, v in w.items():
		            if k not in h:
		                out.append(f'{path}.{k}: missing')
		            else:
		                out += sub(v, h[k], f'{path}.{k}')
		        return out
		    if isinstance(w, list):
		        if not isinstance(h, list) or len(w) != len(h):
		            return [f'{path}: expected {len(w)} items, got {h!r}']
		        return sum((sub(a, b, f'{path}[{i}]') for i, (a, b) in enumerate(zip(w, h))), [])
		    return [] if w == h else [f'{path}: expected {w!r}, got {h!r}']
		bad = sub(want, have, '$')
		print('\n'.join(bad))
		sys.exit(1 if bad else 0)
	PY
}

# ynl_refused REGEX ARGS...: ynl fails with a netlink error from the kernel
# (not a usage or spec error of the tool) whose text, extack included,
# matches REGEX.
ynl_refused() {
	local re=$1 out
	shift
	out=$(ynl "$@" 2>&1) && { echo "$out"; return 1; }
	echo "$out"
	printf '%s\n' "$out" | grep -q '^Netlink error: ' &&
		printf '%s\n' "$out" | grep -qE -- "$re"
}

ip4() {
	python3 -c 'import ipaddress, sys; print(int(ipaddress.IPv4Address(sys.argv[1])))' "$1"
}

ktap_header
ktap_plan 16

check "insmod cryptomap" cm_load || ktap_exit_fail "the module does not load"
setup_ns ynlns || ktap_exit_fail "no namespace"

check_match "cli.py validates the spec (genetlink-legacy schema), lists its operations" \
	'^tset-set' ynl_validated --list-ops

# ---- a transform set
check "tset-set ESP-AES-SHA (esp-aes 256 esp-sha-hmac, transport)" \
	ynl --do tset-set --json '{"name": "ESP-AES-SHA", "esp-enc": "aes",
		"esp-keybits": 256, "esp-auth": "sha-hmac", "mode": "transport"}'
check "tset-get dump returns it, enums by name" \
	ynl_expect --dump tset-get -- '[{"name": "ESP-AES-SHA", "esp-enc": "aes",
		"esp-keybits": 256, "esp-auth": "sha-hmac", "mode": "transport"}]'
check "tset-get do by name" \
	ynl_expect --do tset-get --json '{"name": "ESP-AES-SHA"}' -- \
	'{"name": "ESP-AES-SHA", "esp-enc": "aes", "esp-keybits": 256}'
check "tset-set with esp-keybits 512 is refused: extack names esp-keybits, 128..256" \
	ynl_refused "'min-value': 128, 'max-value': 256.*'bad-attr': '\\.esp-keybits'" \
	--do tset-set --json '{"name": "BAD", "esp-enc": "aes", "esp-keybits": 512}'

# ---- an access list: 2 entries, then one more appended
net1=$(ip4 192.168.1.0)
net3=$(ip4 192.168.3.0)
wild=$(ip4 0.0.0.255)
check "acl-set VPN-TRAFFIC (permit ip, permit tcp eq 443)" \
	ynl --do acl-set --json "{\"name\": \"VPN-TRAFFIC\", \"entries\": {\"entry\": [
		{\"seq\": 10, \"action\": \"permit\", \"src-addr\": $net1, \"src-wild\": $wild,
		 \"dst-addr\": $net3, \"dst-wild\": $wild},
		{\"seq\": 20, \"action\": \"permit\", \"proto\": 6, \"src-addr\": $net1,
		 \"src-wild\": $wild, \"dst-addr\": $net3, \"dst-wild\": $wild,
		 \"dport-op\": \"eq\", \"dport-lo\": 443}]}}"
check "acl-set --append adds deny ip any any" \
	ynl --do acl-set --append --json "{\"name\": \"VPN-TRAFFIC\", \"entries\": {\"entry\": [
		{\"seq\": 30, \"action\": \"deny\", \"src-addr\": 0,
		 \"src-wild\": $(ip4 255.255.255.255), \"dst-addr\": 0,
		 \"dst-wild\": $(ip4 255.255.255.255)}]}}"
check "acl-get dump: three entries in order, addresses as the spec's ipv4 hint" \
	ynl_expect --dump acl-get -- '[{"name": "VPN-TRAFFIC", "entries": {"entry": [
		{"seq": 10, "action": "permit", "src-addr": "192.168.1.0",
		 "src-wild": "0.0.0.255", "dst-addr": "192.168.3.0", "dst-wild": "0.0.0.255"},
		{"seq": 20, "action": "permit", "proto": 6, "dport-op": "eq", "dport-lo": 443},
		{"seq": 30, "action": "deny", "src-wild": "255.255.255.255"}]}}]'

# ---- a crypto map entry that uses both
check "entry-set VPN 10 ipsec-isakmp (match address, peer, transform set, pfs)" \
	ynl --do entry-set --json "{\"map\": \"VPN\", \"seq\": 10, \"type\": \"isakmp\",
		\"acl\": \"VPN-TRAFFIC\", \"peers\": {\"peer\": [$(ip4 209.165.200.226)]},
		\"tsets\": {\"tset\": [\"ESP-AES-SHA\"]}, \"pfs\": 14, \"life-sec\": 1800}"
check "entry-get do: the entry reads back and is active" \
	ynl_expect --do entry-get --json '{"map": "VPN", "seq": 10}' -- \
	'{"map": "VPN", "seq": 10, "type": "isakmp", "acl": "VPN-TRAFFIC",
	  "peers": {"peer": ["209.165.200.226"]}, "tsets": {"tset": ["ESP-AES-SHA"]},
	  "pfs": 14, "life-sec": 1800, "inactive": "none"}'
check "entry-get dump filtered by map" \
	ynl_expect --dump entry-get --json '{"map": "VPN"}' -- \
	'[{"map": "VPN", "seq": 10, "acl": "VPN-TRAFFIC"}]'
check "entry-set with lifetime 100 s is refused: extack names life-sec, 120..86400" \
	ynl_refused "'min-value': 120, 'max-value': 86400.*'bad-attr': '\\.life-sec'" \
	--do entry-set --json '{"map": "VPN", "seq": 20, "type": "isakmp", "life-sec": 100}'
check "entry-set VPN 20 naming a missing transform set" \
	ynl --do entry-set --json "{\"map\": \"VPN\", \"seq\": 20, \"type\": \"isakmp\",
		\"acl\": \"VPN-TRAFFIC\", \"peers\": {\"peer\": [$(ip4 209.165.200.226)]},
		\"tsets\": {\"tset\": [\"NO-SUCH-TSET\"]}}"
check "entry-get: kept but inactive, reason no-tset" \
	ynl_expect --do entry-get --json '{"map": "VPN", "seq": 20}' -- \
	'{"map": "VPN", "seq": 20, "inactive": "no-tset"}'
entry_del_gone() {
	ynl --do entry-del --json '{"map": "VPN", "seq": 10}' || return 1
	ynl --do entry-del --json '{"map": "VPN", "seq": 20}' || return 1
	[ "$(ynl --dump entry-get --json '{"map": "VPN"}')" = "[]" ]
}
check "entry-del both, then the map has no entries" entry_del_gone

ktap_finish
