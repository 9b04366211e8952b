#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink spec (Documentation/netlink/specs/cryptomap.yaml), the uapi
# header and the generated kmod/nl_policy.[ch] agree, and the check is not
# blind: one-change copies of the header, the spec and the policy file are
# each refused.  All of it is selftests/spec_check.py --self-test, which
# prints KTAP itself; this wrapper makes it a test of the VM runner (it
# needs no module and runs on the host just as well).
#
# selftest: host (selftests/vm/run.sh runs it once on the host, no guest)

here=$(cd "$(dirname "$0")" && pwd)

if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "TAP version 13"
	echo "1..0 # SKIP python3-yaml is not installed (make deps)"
	exit 4
fi
exec python3 "$here/spec_check.py" --self-test "$@"
