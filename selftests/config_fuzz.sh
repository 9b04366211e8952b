#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `cryptomap config` fed with mutated IOS text: CONFIG_FUZZ_FILES (default
# 250, sized for CI; make check-all: 1000) mutations of selftests/data/all-commands.conf (lines deleted,
# duplicated, swapped, words replaced by other words, boundary numbers,
# bad addresses, long and binary strings, bytes flipped, files cut short,
# "no " prefixed, indentation changed; 1-4 of them per file).  For each:
#   - the CLI exits 0, 1 or 2 and is not killed by a signal (nor hangs:
#     10 s each, times VM_TIME_SCALE on a slow kernel),
#   - a refused file (exit 1 or 2) leaves the running-config exactly as
#     it was; an accepted one becomes the new reference.
# The kernel log must stay clean (the runner).

. "$(dirname "$0")/lib.sh"

nfiles=${CONFIG_FUZZ_FILES:-250}
seed=${FUZZ_SEED:-$(date +%s)}

ktap_header
ktap_plan 5

cm_load || ktap_exit_fail "no module"
setup_ns cf || ktap_exit_fail "netns"
ip -n "$cf" -batch - <<-EOF || ktap_exit_fail "links"
	link add gig0-2 type dummy
	link add wan0 type dummy
	link set gig0-2 up
EOF
tmp=$(mktemp -d "${TMPDIR:-/tmp}/config_fuzz.XXXXXX") || ktap_exit_fail "mktemp"
on_exit rm -rf "$tmp"
C="$CRYPTOMAP -n $cf"

check "base configuration" $C config "$SELFTESTS/data/all-commands.conf"

python3 - "$SELFTESTS/data/all-commands.conf" "$nfiles" "$seed" "$tmp" <<'PY'
import random
import sys

base, n, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
lines = open(base, 'rb').read().split(b'\n')
words = sorted({w for l in lines for w in l.split()})
odd = [b'0', b'-1', b'1', b'65535', b'65536', b'2147483647', b'2147483648',
       b'4294967295', b'4294967296', b'99999999999999999999', b'0x10', b'1e3',
       b'', b'""', b'1.2.3', b'256.1.1.1', b'1.2.3.4.5', b'0.0.0.0',
       b'255.255.255.255', b'A' * 63, b'B' * 64, b'C' * 65, b'D' * 4000,
       b'\x00', b'\xff\xfe', b'\x1b[2J', b'%s%n%x', b'!', b'?', b'end',
       b'exit', b'no', b'default', b'interface', b'lo', b'gig0-2', b'wan0',
       b'group24', b'group99', b'esp-aes', b'esp-gcm', b'ah-md5-hmac',
       b'comp-lzs', b'transport', b'tunnel', b'host', b'any', b'eq', b'range']
rnd = random.Random(seed)


def mutate(ls):
    ls = list(ls)
    k = rnd.randrange(12)
    i = rnd.randrange(len(ls)) if ls else 0
    if not ls:
        return [rnd.choice(odd)]
    if k == 0:
        del ls[i]
    elif k == 1:
        ls.insert(i, ls[i])
    elif k == 2:
        j = rnd.randrange(len(ls))
        ls[i], ls[j] = ls[j], ls[i]
    elif k in (3, 4):
        w = ls[i].split(b' ')
        j = rnd.randrange(len(w))
        w[j] = rnd.choice(words if k == 3 else odd)
        ls[i] = b' '.join(w)
    elif k == 5:
        w = ls[i].split(b' ')
        w.insert(rnd.randrange(len(w) + 1), rnd.choice(words + odd))
        ls[i] = b' '.join(w)
    elif k == 6:
        text = b'\n'.join(ls)
        return text[:rnd.randrange(len(text) + 1)].split(b'\n')
    elif k == 7:
        if ls[i]:
            b = bytearray(ls[i])
            b[rnd.randrange(len(b))] = rnd.choice([0, 9, 13, 32, 127, 128, 255,
                                                   rnd.randrange(256)])
            ls[i] = bytes(b)
    elif k == 8:
        ls[i] = b'no ' + ls[i].lstrip()
    elif k == 9:
        ls[i] = ls[i][1:] if ls[i].startswith(b' ') else b' ' + ls[i]
    elif k == 10:
        ls.insert(i, bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 80))))
    else:
        w = ls[i].split(b' ')
        if len(w) > 1:
            del w[rnd.randrange(len(w))]
        ls[i] = b' '.join(w)
    return ls


for f in range(n):
    ls = lines
    for _ in range(rnd.randrange(1, 5)):
        ls = mutate(ls)
    with open('%s/%05d.conf' % (out, f), 'wb') as fh:
        fh.write(b'\n'.join(ls))
PY
check "generated $nfiles mutated files (seed $seed)" test -f "$tmp/$(printf %05d $((nfiles - 1))).conf"

ref=$($C show running-config)
declare -A rcs
signals=0 changed=0 accepted=0 start=$(date +%s)
for f in "$tmp"/*.conf; do
	timeout -s KILL $((10 * ${VM_TIME_SCALE:-1})) $C config "$f" > "$tmp/out" 2>&1
	rc=$?
	rcs[$rc]=$(( ${rcs[$rc]:-0} + 1 ))
	case $rc in
	0)
		accepted=$((accepted + 1))
		ref=$($C show running-config)
		;;
	1|2)
		now=$($C show running-config)
		if [ "$now" != "$ref" ]; then
			changed=$((changed + 1))
			if [ "$changed" -le 3 ]; then
				ktap_diag "$(basename "$f") refused (exit $rc) but the configuration changed:"
				diff <(echo "$ref") <(echo "$now") | head -n 20 | ktap_diag
				head -c 2000 "$tmp/out" | ktap_diag
				[ -n "${VM_ARTIFACTS:-}" ] && cp "$f" "$VM_ARTIFACTS/"
			fi
			ref=$now
		fi
		;;
	*)
		signals=$((signals + 1))
		if [ "$signals" -le 3 ]; then
			ktap_diag "$(basename "$f"): exit status $rc"
			head -c 2000 "$tmp/out" | ktap_diag
			[ -n "${VM_ARTIFACTS:-}" ] && cp "$f" "$VM_ARTIFACTS/"
		fi
		;;
	esac
done
summary=
for rc in "${!rcs[@]}"; do
	summary="$summary exit $rc: ${rcs[$rc]},"
done
ktap_diag "$nfiles files in $(( $(date +%s) - start )) s:${summary%,} ($accepted accepted)"
check_eq "the CLI exited 0, 1 or 2 every time (no signal, no hang)" 0 "$signals"
check_eq "every refused file left the configuration intact" 0 "$changed"
check "the module still takes the base configuration" $C config "$SELFTESTS/data/all-commands.conf"

ktap_finish
