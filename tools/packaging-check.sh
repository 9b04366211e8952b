#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of what ships, without the module (KTAP):
#   - `cryptomap help` lists the same command synopses as cryptomap(8)
#   - the man pages render without groff warnings
#   - make install / uninstall with DESTDIR and PREFIX put every file in
#     place and take it away again
#   - bash completion: commands, sub-commands, interfaces, and the names
#     of a running-config (from an offline file, through a stub cryptomap)
#   - make deb builds both packages, and lintian has nothing but the tags
#     explained in debian/README.source (skipped with NO_DEB=1)
# The packages themselves are installed and used in the VM:
# selftests/packaging.sh.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
CLI=$top/tools/cryptomap/cryptomap
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0

result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fail=1
	fi
}

echo "TAP version 13"
make -s cli >/dev/null || { echo "Bail out! make cli failed"; exit 1; }

# 1. help and man page: the same synopsis for every command.
norm() { sed -E 's/^ +//; s/ +/ /g; s/ $//'; }
"$CLI" help | grep -E '^  (config|show|clear|help)' | sed 's/^  //' | norm | sort > "$tmp/help"
MANWIDTH=300 man -l tools/cryptomap/cryptomap.8 2>/dev/null | col -b |
	sed -n '/^COMMANDS/,/^CONFIGURATION COMMANDS/p' |
	grep -E '^ {7}(config|show|clear|help)( |$)' |
	sed -E 's/^ {7}help .*/help/' | norm | sort > "$tmp/man"
diff -u "$tmp/man" "$tmp/help" > "$tmp/diff"
result $? "cryptomap help and cryptomap(8) list the same commands"
sed 's/^/# /' "$tmp/diff"

# 2. groff warnings.
for m in tools/cryptomap/cryptomap.8 tools/cryptomap/cryptomap.conf.5; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	[ -z "$w" ]
	result $? "$(basename "$m") renders without warnings"
	[ -n "$w" ] && printf '%s\n' "$w" | sed 's/^/# /'
done

# 3. make install-tools / uninstall into a DESTDIR, PREFIX=/usr.
d=$tmp/root
make -s install-tools DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1
ok=0
for f in usr/sbin/cryptomap usr/share/man/man8/cryptomap.8 usr/share/man/man5/cryptomap.conf.5 \
	 usr/share/bash-completion/completions/cryptomap usr/lib/systemd/system/cryptomap.service; do
	[ -f "$d/$f" ] || { echo "# missing $f"; ok=1; }
done
grep -qx 'ExecStart=/usr/sbin/cryptomap config /etc/cryptomap/cryptomap.conf' \
	"$d/usr/lib/systemd/system/cryptomap.service" 2>/dev/null || { echo "# unit: ExecStart not under PREFIX"; ok=1; }
result $ok "make install-tools DESTDIR= PREFIX=/usr"
make -s uninstall DESTDIR="$d" PREFIX=/usr KVER=none >/dev/null 2>&1
left=$(find "$d" -type f)
[ -z "$left" ]
result $? "make uninstall removes what install put there"
[ -n "$left" ] && printf '# left: %s\n' $left

# 4. bash completion.
mkdir -p "$tmp/bin"
cat > "$tmp/bin/cryptomap" <<EOF
#!/bin/sh
exec "$CLI" show running-config --offline "$top/selftests/data/all-commands.conf"
EOF
chmod +x "$tmp/bin/cryptomap"
cat > "$tmp/comp.sh" <<'EOF'
. /usr/share/bash-completion/bash_completion
. tools/cryptomap/cryptomap.bash-completion
comp() {
	local want=$1 line=$2
	COMP_LINE=$line COMP_POINT=${#line}
	read -ra COMP_WORDS <<< "$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_cryptomap
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	if [ "$got" = "$want " ]; then
		echo "ok [$line]"
	else
		echo "bad [$line]: want '$want', got '$got'"
	fi
}
comp "clear config help show" "cryptomap "
comp "-j -n -p" "cryptomap -"
comp "crypto help running-config" "cryptomap show "
comp "ipsec map" "cryptomap -j show crypto "
comp "sa transform-set" "cryptomap show crypto ipsec "
comp "--offline interface tag" "cryptomap show crypto map "
comp "lo" "cryptomap show crypto map interface l"
comp "detail interface map peer" "cryptomap show crypto ipsec sa "
comp "counters entry map peer" "cryptomap clear crypto sa "
comp "ah esp" "cryptomap clear crypto sa entry 192.0.2.2 "
comp "--check" "cryptomap config --"
EOF
maps=$("$CLI" show running-config --offline selftests/data/all-commands.conf |
	awk '/^crypto map [^ ]+ [0-9]+/ { print $3 }' | sort -u | tr '\n' ' ')
tsets=$("$CLI" show running-config --offline selftests/data/all-commands.conf |
	awk '/^crypto ipsec transform-set / { print $4 }' | sort -u | tr '\n' ' ')
{
	echo "PATH=$tmp/bin:\$PATH"
	echo "comp \"${maps% }\" \"cryptomap show crypto map tag \""
	echo "comp \"${tsets% }\" \"cryptomap show crypto ipsec transform-set tag \""
	echo "comp \"${maps% }\" \"cryptomap -n x clear crypto sa map \""
} >> "$tmp/comp.sh"
out=$(bash "$tmp/comp.sh" 2>&1)
! printf '%s\n' "$out" | grep -qv '^ok '
result $? "bash completion ($(printf '%s\n' "$out" | grep -c '^ok ') cases; map/transform-set names: ${maps}/ ${tsets})"
printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/# /'

# 5. the packages and lintian.
if [ -n "${NO_DEB:-}" ]; then
	echo "ok $((n + 1)) make deb # SKIP NO_DEB"
	echo "ok $((n + 2)) lintian # SKIP NO_DEB"
	n=$((n + 2))
else
	start=$(date +%s)
	make -s deb > "$tmp/deb.log" 2>&1
	rc=$?
	result $rc "make deb ($(($(date +%s) - start)) s): $(cd build/deb 2>/dev/null && ls -s --block-size=K ./*.deb 2>/dev/null | tr '\n' ' ')"
	[ $rc -ne 0 ] && tail -n 20 "$tmp/deb.log" | sed 's/^/# /'
	# dpkg refuses to install two packages that ship the same file.
	dpkg -c build/deb/cryptomap-dkms_*_all.deb | awk '$1 !~ /^d/ { print $6 }' | sort > "$tmp/f1"
	dpkg -c build/deb/cryptomap-tools_*_amd64.deb | awk '$1 !~ /^d/ { print $6 }' | sort > "$tmp/f2"
	both=$(comm -12 "$tmp/f1" "$tmp/f2")
	[ -z "$both" ] && grep -q '/usr/src/cryptomap-.*/kmod/Kbuild' "$tmp/f1" &&
		grep -q '^./usr/sbin/cryptomap$' "$tmp/f2" && ! grep -q '^./lib/modules/' "$tmp/f2"
	result $? "the packages share no file; the module's source in -dkms only, the CLI in -tools"
	[ -n "$both" ] && printf '# in both: %s\n' $both
	# The tags we keep, each explained in debian/README.source.
	lintian -I --pedantic build/deb/*.changes 2>&1 |
		grep -v -E '^running with root privileges|package-supports-alternative-init-but-no-init.d-script' > "$tmp/lintian"
	[ ! -s "$tmp/lintian" ]
	result $? "lintian -I --pedantic: no tags but the explained ones"
	sed 's/^/# /' "$tmp/lintian"
fi

echo "1..$n"
exit $fail
