#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests, each in its own fresh QEMU (TCG) guest booted from the
# Debian kernel KVER, with the host root shared read-only over 9p under a
# tmpfs overlay.  See selftests/vm/README for the design.
#
#   run.sh --kver KVER [--tests "name1 name2"] [-j N]  tests (default: all)
#   run.sh --kver KVER --no-host                       all but the host tests
#   run.sh --kver KVER --demo                          selftests/demo.sh
#   run.sh --kver KVER --cmd 'shell command'           one command, same env
#
# Environment: VM_TIMEOUT (seconds per guest, default 600), VM_JOBS (guests
# at once, default 1), VM_KEEP=1 keeps the per-run scratch directories,
# VM_QEMU_ARGS adds QEMU options, VM_APPEND kernel parameters, VM_SLOTS
# (guests at once machine-wide, default 3), VM_NO_HOST=1 as --no-host,
# VM_TIME_SCALE (the tests' busywait time-outs multiplied, default 5 on a
# KASAN --kdir kernel, else 1), VM_CPU (QEMU's -cpu, default max; on a
# KASAN kernel max,la57=off), VM_BOOT_LIMIT (seconds for a guest to reach
# guest.sh, default 120 x VM_TIME_SCALE; a guest that does not is booted
# once more).
#
# A test whose header has "# selftest: host" needs no module and no guest
# (the LZS vectors, the spec check): it runs on the host, once, not in a
# TCG guest.  "# selftest: on request" tests run only when named.  Tests
# start longest first (the last run's times in build/vm-logs/KVER/*.time,
# else selftests/vm/durations), so that -j N packs well; the reports still
# come in name order.

# The whole script is one { } block, parsed before anything runs: others
# edit this file while their runs, and yours, are going.
{
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
timeout_s=${VM_TIMEOUT:-600}
jobs=${VM_JOBS:-1}

usage() {
	cat <<USAGE
usage: $0 --kver KVER [--tests "NAME..."] [--demo] [--cmd 'COMMAND']
  --kver KVER     Debian kernel to boot (/boot/vmlinuz-KVER, /lib/modules/KVER)
  --tests NAMES   run only these tests (basename of selftests/NAME.sh)
  --demo          run selftests/demo.sh (not counted as a test)
  --cmd COMMAND   boot one guest, run COMMAND under bash in the repo root
  -j, --jobs N    up to N guests at once (default 1, env VM_JOBS); each
                  guest has 2 vCPUs, or 1 for the tests that
                  selftests/vm/one-cpu lists (VM_ONE_CPU=0: all 2)
  --kdir DIR      boot DIR/arch/x86/boot/bzImage (else DIR/vmlinux), a
                  kernel built from source (e.g. a KASAN/kmemleak/lockdep
                  debug kernel with 9p built in);
                  KVER defaults to its release (env VM_KDIR)
  --no-host       leave out the "# selftest: host" tests (they need no
                  kernel: a second kernel's run need not repeat them)
  --builtin       the kernel has cryptomap built in (CONFIG_CRYPTOMAP=y):
                  no .ko; steps that need rmmod report SKIP.  Found by
                  itself from --kdir's .config or the kernel's
                  modules.builtin (env VM_BUILTIN=1)
  --list          list the tests and exit
environment: VM_TIMEOUT=$timeout_s (seconds per guest), VM_JOBS, VM_KEEP=1,
             VM_QEMU_ARGS, VM_APPEND (kernel parameters), VM_KO_ANY=1 (load
             build/KVER/cryptomap.ko even if older than kmod/ or for
             another release; refused otherwise)
USAGE
	exit "${1:-2}"
}

kver=
kdir=${VM_KDIR:-}
tests=
mode=tests
cmd=
no_host=${VM_NO_HOST:-}
builtin=${VM_BUILTIN:-}
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) [ $# -ge 2 ] || usage; kver=$2; shift 2 ;;
	--kver=*) kver=${1#*=}; shift ;;
	--tests) [ $# -ge 2 ] || usage; tests=$2; shift 2 ;;
	--tests=*) tests=${1#*=}; shift ;;
	--demo) mode=demo; shift ;;
	--cmd) [ $# -ge 2 ] || usage; mode=cmd; cmd=$2; shift 2 ;;
	--list) mode=list; shift ;;
	--no-host) no_host=1; shift ;;
	--builtin) builtin=1; shift ;;
	--kdir) [ $# -ge 2 ] || usage; kdir=$2; shift 2 ;;
	--kdir=*) kdir=${1#*=}; shift ;;
	-j|--jobs) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	--jobs=*) jobs=${1#*=}; shift ;;
	-h|--help) usage 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage ;;
	esac
done

# The tests: executable selftests/*.sh but the library and the demo.
all_tests() {
	local f n
	for f in "$repo"/selftests/*.sh; do
		{ [ -f "$f" ] && [ -x "$f" ]; } || continue
		n=$(basename "$f" .sh)
		case "$n" in lib|demo) continue ;; esac
		echo "$n"
	done | LC_ALL=C sort
}

if [ "$mode" = list ]; then
	all_tests
	exit 0
fi

# A kernel built from source (--kdir): its bzImage, and its release as KVER.
# Its bzImage, not its ELF vmlinux: with KASAN, QEMU's PVH entry into the
# vmlinux runs instrumented code before KASAN is set up (a triple fault,
# see tools/build-debug-kernel.sh); the bzImage's entry sets it up first.
vmlinux=
kimage=vmlinux
if [ -n "$kdir" ]; then
	kdir=$(cd "$kdir" && pwd) || exit 2
	vmlinux=$kdir/vmlinux
	if [ -f "$kdir/arch/x86/boot/bzImage" ]; then
		vmlinux=$kdir/arch/x86/boot/bzImage
		kimage=bzImage
	fi
	[ -f "$vmlinux" ] || { echo "run.sh: no $vmlinux (build the kernel first)" >&2; exit 1; }
	if [ -z "$kver" ]; then
		kver=$(cat "$kdir/include/config/kernel.release" 2>/dev/null)
	fi
fi
[ -n "$kver" ] || { echo "run.sh: --kver is required (never uname -r here)" >&2; usage; }
# cryptomap built into the kernel (tools/intree.sh, make check-intree):
# the guests get no .ko (CRYPTOMAP_KO names none, so that a stale one of
# the same release is never loaded), cm_load in selftests/lib.sh is a
# no-op and what needs rmmod is reported as skipped, never as passed.
if [ -z "$builtin" ]; then
	if [ -n "$kdir" ]; then
		grep -qx 'CONFIG_CRYPTOMAP=y' "$kdir/.config" 2>/dev/null && builtin=1
	else
		grep -qs '/cryptomap\.ko$' "/lib/modules/$kver/modules.builtin" && builtin=1
	fi
fi
ko=$repo/build/$kver/cryptomap.ko
[ -n "$builtin" ] && ko=/built-in/cryptomap.ko

# check_ko: the guests load build/KVER/cryptomap.ko as it is, so refuse
# one that is not what the tree says: missing, older than a source of it
# (kmod/*.[ch] but Kbuild's generated *.mod.c, the uapi header), or built
# for another release (vermagic).  VM_KO_ANY=1 loads it anyway, saying
# what it loads.  A module built in (--builtin) has no .ko to check.
check_ko() {
	local why='' magic src f
	[ -n "$builtin" ] && return 0
	if [ ! -f "$ko" ]; then
		why="no $ko"
	else
		magic=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
		src=$(find "$repo/kmod" -maxdepth 1 -type f -name '*.[ch]' ! -name '*.mod.c' \
			-newer "$ko" -printf '%T@ %p\n' 2>/dev/null | sort -nr | head -n1 | cut -d' ' -f2-)
		f=$repo/uapi/linux/cryptomap.h
		[ -z "$src" ] && [ "$f" -nt "$ko" ] && src=$f
		if [ "$magic" != "$kver" ]; then
			why="$ko is built for '${magic:-?}', not $kver (vermagic)"
		elif [ -n "$src" ]; then
			why="$ko ($(date -u -r "$ko" +%H:%M:%S)) is older than ${src#"$repo"/} ($(date -u -r "$src" +%H:%M:%S))"
		fi
	fi
	if [ -n "$why" ] && [ -z "${VM_KO_ANY:-}" ]; then
		echo "run.sh: $why: build it (${kdir:+KDIR=$kdir }tools/build-module.sh $kver), or VM_KO_ANY=1 to load it as it is" >&2
		exit 1
	fi
	if [ -n "${VM_KO_ANY:-}" ]; then
		echo "# VM_KO_ANY: loading $ko as it is (vermagic ${magic:-none}, $(date -u -r "$ko" '+%F %T' 2>/dev/null || echo missing))${why:+: $why}"
	fi
}
# A slow kernel: the tests' busywait time-outs (selftests/lib.sh) are
# multiplied by VM_TIME_SCALE, 5 for a KASAN kernel (the debug and in-tree
# kernels run a test 5 to 10 times slower than Debian's under TCG) unless
# set; the conditions waited for are the same.
# And no 5-level paging under KASAN (VM_CPU, QEMU's -cpu): identify_cpu()
# zeroes boot_cpu_data's feature words before it reads them again, so an
# interrupt in that window sees pgtable_l5_enabled() false, takes KASAN's
# 4-level shadow bounds, and reports the irq_desc lock in the 5-level
# direct map (0xff11...) as a wild access (6.1.192-cmdebug, at boot,
# before any module: "BUG: KASAN: wild-memory-access in
# do_raw_spin_lock" from handle_edge_irq over cpu_detect).
kasan=
if [ -n "$kdir" ] && grep -qx 'CONFIG_KASAN=y' "$kdir/.config" 2>/dev/null; then
	kasan=1
fi
if [ -z "${VM_TIME_SCALE:-}" ]; then
	VM_TIME_SCALE=1
	[ -n "$kasan" ] && VM_TIME_SCALE=5
fi
vm_cpu=${VM_CPU:-max${kasan:+,la57=off}}
case "$jobs" in
''|*[!0-9]*|0) echo "run.sh: --jobs/VM_JOBS must be a positive number" >&2; exit 2 ;;
esac
case "$timeout_s" in
''|*[!0-9]*) echo "run.sh: VM_TIMEOUT must be a number of seconds" >&2; exit 2 ;;
esac
case "$VM_TIME_SCALE" in
''|*[!0-9]*|0) echo "run.sh: VM_TIME_SCALE must be a positive whole number" >&2; exit 2 ;;
esac
for t in qemu-system-x86_64 timeout; do
	command -v "$t" >/dev/null || { echo "run.sh: $t missing (make deps)" >&2; exit 1; }
done

imgdir=$repo/build/vm/$kver
logdir=$repo/build/vm-logs/$kver

# Boot images, cached under build/vm/KVER and rebuilt when an input changes.
prepare_images() {
	local key
	mkdir -p "$imgdir" || return 1
	key=$(
		cat "$here/mkimage.sh" "$here/init"
		stat -L -c '%n %s %Y' "${vmlinux:-/boot/vmlinuz-$kver}" \
			"/lib/modules/$kver/modules.dep" "$(command -v busybox)" 2>/dev/null
	)
	key=$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)
	(
		flock 9
		if [ -f "$imgdir/$kimage" ] && [ -f "$imgdir/initramfs.cpio" ] &&
		   [ "$(cat "$imgdir/stamp" 2>/dev/null)" = "$key" ]; then
			exit 0
		fi
		echo "# building guest images for $kver" >&2
		"$here/mkimage.sh" "$kver" "$imgdir" ${vmlinux:+"$vmlinux"} || exit 1
		echo "$key" > "$imgdir/stamp"
	) 9> "$imgdir/.lock"
}

# The kernel log lines that fail a run.
bad_kernel_lines() {
	grep -a -E 'WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|kmemleak|unreferenced object|possible circular locking|sleeping function called|refcount_t|list_add corruption|list_del corruption|panic' "$@" |
		grep -a -v -E 'Kernel command line:|Command line:|kmemleak: (Kernel memory leak detector|Automatic memory scanning)'
}

now() { date +%s.%N; }

# The host's TSC frequency in kHz, for the guest (TCG's guest TSC counts
# at the host's rate): VM_TSC_KHZ, else /proc/cpuinfo's "cpu MHz" when the
# host's kernel knows its TSC frequency exactly (tsc_known_freq; without it
# "cpu MHz" can be the core's current clock, not the TSC's), else none.
tsc_khz=${VM_TSC_KHZ:-}
if [ -z "$tsc_khz" ] && grep -q -m1 -w tsc_known_freq /proc/cpuinfo; then
	tsc_khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
fi
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

scratch=
qpid=
tpid=
stream=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	if [ -n "$scratch" ] && [ -z "${VM_KEEP:-}" ]; then
		rm -rf "$scratch"
	fi
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM

# A machine-wide limit on guests at once (VM_SLOTS, default 3; the slot
# locks live in VM_SLOT_DIR, not under TMPDIR, so that every runner sees
# them): runners
# started by several people or tools at the same time queue for a slot
# instead of starving each other's guests into timeouts under TCG.
slotfd=
acquire_slot() {
	local dir=${VM_SLOT_DIR:-/tmp/cryptomap-vm-slots} i
	mkdir -p "$dir" 2>/dev/null
	while :; do
		for ((i = 0; i < ${VM_SLOTS:-3}; i++)); do
			exec {slotfd}> "$dir/$i" || continue
			flock -n "$slotfd" && return 0
			exec {slotfd}>&-
		done
		sleep 1
	done
}
release_slot() {
	[ -n "$slotfd" ] && exec {slotfd}>&-
	slotfd=
}

# run_guest CMD [TESTS]: boot a guest that runs CMD under bash in the repo
# root, or (TESTS) each of the named tests in turn (guest.sh's group mode,
# results per test in $scratch/t/NAME).  Sets g_time, g_hang (1 if killed
# by the timeout) and, through collect, what CMD left in $scratch:
# g_status (exit status, empty if none came back), g_kernel (offending
# kernel log lines), g_post (trouble after the command: rmmod, kmemleak).
run_guest() {
	local gcmd=$1 start rc append f cpus=${g_cpus:-2}
	g_status='' g_hang=0 g_kernel='' g_post='' g_time='' g_dir=''
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/cmvm.XXXXXX") || return 1
	cp "$here/guest.sh" "$scratch/guest.sh"
	{
		printf 'export %s=%q\n' \
			KVER "$kver" \
			CRYPTOMAP_KO "$ko" \
			CRYPTOMAP_BUILTIN "${builtin:+1}" \
			CRYPTOMAP "$repo/tools/cryptomap/cryptomap" \
			SELFTESTS "$repo/selftests" \
			CMVM_CWD "$repo" \
			CMVM_TIMEOUT "$timeout_s" \
			VM_TIME_SCALE "$VM_TIME_SCALE" \
			CMVM_CMD "$gcmd" \
			CMVM_TESTS "${2:-}"
		[ -n "${CI:-}" ] && printf 'export CI=%q\n' "$CI"
		# The sizes of the fuzz, churn and unload tests (FUZZ_MESSAGES...)
		# and the narrowed ESP matrix (ESP_CASES...).
		for v in $(compgen -v | grep -E '^(FUZZ|CHURN|UNLOAD|CONFIG_FUZZ|ESP|AH|IPCOMP|SA|REKEY|LIFETIME|PACKAGING)_'); do
			printf 'export %s=%q\n' "$v" "${!v}"
		done
	} > "$scratch/env"
	# tsc=reliable: the vCPUs' TSCs are QEMU's one virtual clock, but the
	# kernel's sync check under TCG marks them unstable and falls back to
	# the HPET, whose every read is emulated MMIO (2.5x slower reads).
	# no_timer_check: on a host loaded far past its cores the early IO-APIC
	# timer check sees too few ticks and panics ("IO-APIC + timer doesn't
	# work!"); seen here at load 15.  For the same reason (vCPU threads
	# starved for seconds) the RCU stall and soft lockup detectors wait 60 s
	# and 120 s instead of 21 s and 20 s: a real lockup still shows up, or
	# hangs into VM_TIMEOUT.
	append="console=ttyS0 quiet panic=-1 oops=panic mitigations=off tsc=reliable"
	append="$append no_timer_check rcupdate.rcu_cpu_stall_timeout=60 watchdog_thresh=60"
	# The TSC's frequency, so that the guest does not calibrate it: a
	# starved vCPU at boot once calibrated 228 MHz instead of 2600, the
	# refinement refuses a correction above 1%, and the guest's clock ran
	# 11 times too fast (its timeouts fired early: a false failure).
	[ -n "$tsc_khz" ] && append="$append tsc_early_khz=$tsc_khz"
	append="$append${VM_APPEND:+ $VM_APPEND}"
	# A guest that never reaches stage 2 (guest.sh makes artifacts/ first
	# thing) within VM_BOOT_LIMIT ran no test: it is killed and booted
	# once more, and says so.  Seen under TCG: a guest spinning both vCPUs
	# for the whole VM_TIMEOUT with not a line on its console.
	local attempt boot_limit=${VM_BOOT_LIMIT:-$((120 * VM_TIME_SCALE))} t_boot booted
	g_boot_hang=
	for attempt in 1 2; do
		acquire_slot
		start=$(now)
		# shellcheck disable=SC2086
		timeout -k 5 "$timeout_s" qemu-system-x86_64 \
			-machine q35,accel=tcg -cpu "$vm_cpu" -smp "$cpus" -m 2048 \
			-nodefaults -no-user-config -display none -no-reboot \
			-serial "file:$scratch/console.log" \
			-kernel "$imgdir/$kimage" -initrd "$imgdir/initramfs.cpio" \
			-append "$append" \
			-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
			-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
			-fsdev "local,id=scratch,path=$scratch,security_model=none" \
			-device virtio-9p-pci,fsdev=scratch,mount_tag=scratch \
			${VM_QEMU_ARGS:-} < /dev/null > "$scratch/qemu.log" 2>&1 &
		qpid=$!
		if [ -n "$stream" ]; then
			# --cmd/--demo: show the output as it comes.
			tail -n +1 -F --pid="$qpid" "$scratch/out" 2>/dev/null &
			tpid=$!
		fi
		booted='' t_boot=$SECONDS
		while kill -0 "$qpid" 2>/dev/null; do
			[ -d "$scratch/artifacts" ] && { booted=1; break; }
			if [ $((SECONDS - t_boot)) -ge "$boot_limit" ]; then
				kill "$qpid" 2>/dev/null
				break
			fi
			sleep 0.5
		done
		wait "$qpid"
		rc=$?
		qpid=
		release_slot
		if [ -n "$tpid" ]; then
			wait "$tpid"
			tpid=
		fi
		[ -n "$booted" ] || [ -d "$scratch/artifacts" ] || [ -f "$scratch/status" ] && break
		[ $((SECONDS - t_boot)) -ge "$boot_limit" ] || break	# it ended on its own
		rc=124 g_boot_hang=1
		[ "$attempt" = 2 ] && break
		g_boot_hang=
		echo "# boot hang: no stage 2 after ${boot_limit}s (VM_BOOT_LIMIT); booting again"
		mv -f "$scratch/console.log" "$scratch/console.boot1.log" 2>/dev/null
	done
	g_time=$(elapsed "$start")
	[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && g_hang=1
	g_guest_hang=$g_hang
	# What streamed out before the guest died and the serial console: the
	# log of a command that has no complete one of its own.
	if [ ! -f "$scratch/dmesg" ]; then
		for f in dmesg.live console.log; do
			[ -f "$scratch/$f" ] && { echo "=== $f"; cat "$scratch/$f"; }
		done > "$scratch/kernel.log"
	fi
	[ -z "${2:-}" ] && collect "$scratch"
	return 0
}

# collect DIR: what one command left in DIR ($scratch, or $scratch/t/NAME
# of a group) into g_dir, g_status, g_hang, g_klog, g_kernel, g_post.
collect() {
	g_dir=$1 g_status='' g_post='' g_hang=$g_guest_hang
	# A test of a group that got to its end (its log cut) did not hang,
	# whatever became of the guest after it.
	[ "$g_dir" != "$scratch" ] && [ -f "$g_dir/dmesg" ] && g_hang=0
	[ -f "$g_dir/timedout" ] && g_hang=2
	if [ -s "$g_dir/status" ]; then
		g_status=$(cat "$g_dir/status")
	fi
	# The complete log if the guest got that far.
	g_klog=$g_dir/dmesg
	[ -f "$g_klog" ] || g_klog=$scratch/kernel.log
	g_kernel=$(bad_kernel_lines "$g_klog")
	if [ -s "$g_dir/kmemleak" ]; then
		g_post="kmemleak reports:
$(cat "$g_dir/kmemleak")"
	fi
	if grep -q 'rmmod cryptomap failed' "$g_dir/post" 2>/dev/null; then
		g_post="$(cat "$g_dir/post")${g_post:+
$g_post}"
	fi
}

# Why a guest run failed, on stdout, one "# ..." line each; empty if clean.
guest_trouble() {
	if [ "$g_hang" = 2 ]; then
		echo "# hang: command killed after $(cat "$g_dir/timedout")s in the guest (VM_TIMEOUT ${timeout_s}s); blocked tasks are in the kernel log"
	elif [ "$g_hang" = 1 ]; then
		if [ -n "$g_boot_hang" ]; then
			echo "# boot hang: no stage 2 after ${VM_BOOT_LIMIT:-$((120 * VM_TIME_SCALE))}s, twice (VM_BOOT_LIMIT)"
		else
			echo "# hang: guest killed after ${timeout_s}s (VM_TIMEOUT)"
		fi
	elif [ -z "$g_status" ]; then
		echo "# guest died before the command finished (oops/panic?)"
	fi
	# The guest's clock against the host's: its timeouts and sleeps are
	# only worth something if its uptime did not outrun the wall clock.
	local up
	up=$(awk '{ print $8 }' "$scratch/timing" 2>/dev/null)
	if [ -n "$up" ] && awk -v u="$up" -v w="$g_time" 'BEGIN { exit !(u > w * 1.2 + 5) }'; then
		echo "# guest clock ran fast: uptime ${up}s in ${g_time}s of wall time ($(grep -a -m1 -o 'tsc: Detected [0-9.]* MHz' "$g_klog" 2>/dev/null))"
	fi
	if [ -z "$g_status" ] && [ -s "$scratch/qemu.log" ]; then
		echo "# qemu:"
		sed 's/^/#   /' "$scratch/qemu.log"
	fi
	if [ -n "$g_kernel" ]; then
		echo "# kernel log:"
		printf '%s\n' "$g_kernel" | sed 's/^/#   /'
	fi
	if [ -n "$g_post" ]; then
		printf '%s\n' "$g_post" | sed 's/^/# /'
	fi
}

# A failed test's whole log, indented; a very long one is cut in the
# middle (the file keeps all of it).
show_log() {
	local lines
	lines=$(wc -l < "$1")
	if [ "$lines" -le 400 ]; then
		sed 's/^/    /' "$1"
	else
		head -n 100 "$1" | sed 's/^/    /'
		echo "    # ... $((lines - 400)) lines cut, see $1 ..."
		tail -n 300 "$1" | sed 's/^/    /'
	fi
}

finish_scratch() {
	if [ -n "${VM_KEEP:-}" ]; then
		echo "# scratch kept: $scratch" >&2
	else
		rm -rf "$scratch"
	fi
	scratch=
}

prepare_images || { echo "run.sh: cannot build guest images for $kver" >&2; exit 1; }

if [ "$mode" = cmd ] || [ "$mode" = demo ]; then
	check_ko
	if [ "$mode" = demo ]; then
		if [ ! -f "$repo/selftests/demo.sh" ]; then
			echo "run.sh: selftests/demo.sh does not exist (yet)" >&2
			exit 1
		fi
		cmd="bash $(printf %q "$repo/selftests/demo.sh")"
	fi
	stream=1
	run_guest "$cmd"
	if [ -s "$scratch/out" ] && [ -n "$(tail -c1 "$scratch/out")" ]; then
		echo
	fi
	trouble=$(guest_trouble)
	[ -n "$trouble" ] && printf '%s\n' "$trouble"
	st=${g_status:-1}
	[ "$g_hang" != 0 ] && st=124
	echo "# exit status: ${g_status:-none} (${g_time}s)"
	[ -n "$trouble" ] && [ "$st" -eq 0 ] && st=1
	finish_scratch
	exit "$st"
fi

# Tests.
is_host_test() {
	grep -q '^# selftest: host' "$repo/selftests/$1.sh"
}

# The seconds a test took last time: its .time file from the last run on
# this kernel, else selftests/vm/durations (CI starts from a fresh clone),
# else 60.
test_secs() {
	local s
	s=$(cat "$logdir/$1.time" 2>/dev/null)
	[ -n "$s" ] || s=$(awk -v t="$1" '$1 == t { print $2 }' "$here/durations" 2>/dev/null)
	printf '%.0f\n' "${s:-60}" 2>/dev/null || echo 60
}

# test_cpus NAME: the guest's vCPUs for NAME, 1 if selftests/vm/one-cpu
# lists it (a shell pattern) and VM_ONE_CPU is not 0, else 2.
test_cpus() {
	local p
	if [ "${VM_ONE_CPU:-1}" != 0 ] && [ -f "$here/one-cpu" ]; then
		while read -r p _; do
			case "$p" in ''|'#'*) continue ;; esac
			# shellcheck disable=SC2254 # a pattern, on purpose
			case "$1" in $p) echo 1; return ;; esac
		done < "$here/one-cpu"
	fi
	echo 2
}

# run_host_test NAME: a "# selftest: host" test, on the host; sets what
# run_guest sets (no kernel log: the host's kernel is not under test).
run_host_test() {
	local start rc
	g_status='' g_hang=0 g_kernel='' g_post='' g_time=''
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/cmhost.XXXXXX") || return 1
	g_dir=$scratch
	start=$(now)
	(
		cd "$repo" || exit 1
		export KVER="$kver" SELFTESTS="$repo/selftests" \
			CRYPTOMAP="$repo/tools/cryptomap/cryptomap" VM_ARTIFACTS="$scratch/artifacts"
		mkdir -p "$VM_ARTIFACTS"
		exec timeout -k 5 "$timeout_s" bash "$repo/selftests/$1.sh"
	) < /dev/null > "$scratch/out" 2>&1
	rc=$?
	g_time=$(elapsed "$start")
	[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && g_hang=1
	g_status=$rc
	: > "$scratch/kernel.log"
	g_klog=$scratch/kernel.log
}

avail=$(all_tests)
if [ -n "$tests" ]; then
	sel=
	for t in $tests; do
		t=$(basename "$t" .sh)
		if ! printf '%s\n' "$avail" | grep -qxF -- "$t"; then
			echo "run.sh: no such test: $t (have: $(printf '%s ' $avail))" >&2
			exit 1
		fi
		sel="$sel$t"$'\n'
	done
	sel=$(printf '%s' "$sel" | LC_ALL=C sort -u)
else
	# A test whose header says "selftest: on request" (too slow for every
	# run, e.g. a DKMS build under TCG) runs only when named in --tests.
	sel=$(for t in $avail; do
		grep -q '^# selftest: on request' "$repo/selftests/$t.sh" && continue
		[ -n "$no_host" ] && is_host_test "$t" && continue
		echo "$t"
	done)
fi
if [ -z "$sel" ]; then
	echo "run.sh: no tests found in $repo/selftests" >&2
	echo "0 passed, 0 failed"
	exit 1
fi
for t in $sel; do
	is_host_test "$t" || { check_ko; break; }
done

# run_test N NAME: one test in its own guest; its host-side report goes to
# $resdir/N.out and its result (ok, skip, fail) to $resdir/N.result.
run_test() {
	local n=$1 t=$2
	if is_host_test "$t"; then
		run_host_test "$t"
		g_where="on the host"
	else
		run_guest "exec bash $(printf %q "$repo/selftests/$t.sh")"
		g_where=
		[ "${g_cpus:-2}" = 1 ] && g_where="1 vCPU"
	fi
	guest_cpu
	report "$n" "$t" "$g_time" "$g_cpu" \
		"$(awk '{ printf "boot %.1fs, preload %.1fs, test %.1fs", $2, $4 - $2, $6 - $4 }' \
			"$scratch/timing" 2>/dev/null)"
	finish_scratch
}

# The CPU seconds the guest took (QEMU's user + system time: this job's
# subshell waited for it; `times` with a redirection, not in a pipe, which
# would fork and count nothing) into g_cpu.  cpu/wall per guest is what
# says whether more guests at once (VM_SLOTS) would help: under 0.5 of the
# cores each, a third guest on two cores fills idle time; near a core
# each, it only shares them.
guest_cpu() {
	times > "$scratch/times"
	g_cpu=$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m");
		printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$scratch/times")
}

# run_group N:NAME...: short tests in one guest, in turn (guest.sh's group
# mode): one boot and preload for all, each test with its own result,
# kernel log, rmmod and kmemleak checks.  The guest's wall and CPU seconds
# are shared out by the tests' own times (NAME.time, NAME.cpu).
run_group() {
	local m names=() own=() sum=0 i x
	for m in "$@"; do
		names+=("${m#*:}")
	done
	run_guest "" "${names[*]}"
	guest_cpu
	for i in "${!names[@]}"; do
		x=$(awk '{ printf "%.1f", $8 - $4 }' "$scratch/t/${names[i]}/timing" 2>/dev/null)
		own+=("${x:-0}")
		sum=$(awk -v a="$sum" -v b="${x:-0}" 'BEGIN { print a + b }')
	done
	g_where="one of ${#names[@]} in a guest of ${g_time}s"
	[ "${g_cpus:-2}" = 1 ] && g_where="$g_where with 1 vCPU"
	for i in "${!names[@]}"; do
		m=$1
		shift
		collect "$scratch/t/${names[i]}"
		report "${m%%:*}" "${names[i]}" \
			"$(awk -v g="$g_time" -v o="${own[i]}" -v s="$sum" -v k="${#names[@]}" \
				'BEGIN { printf "%.1f", (s > 0 ? g * o / s : g / k) }')" \
			"$(awk -v c="$g_cpu" -v o="${own[i]}" -v s="$sum" -v k="${#names[@]}" \
				'BEGIN { printf "%.0f", (s > 0 ? c * o / s : c / k) }')" \
			"${own[i]:+test ${own[i]}s}"
	done
	finish_scratch
}

# report N NAME SECS CPU TIMING: NAME's result from what collect (or
# run_host_test) found, its logs into $logdir, its report into
# $resdir/N.out and its result (ok, skip, fail) into $resdir/N.result.
report() {
	local n=$1 t=$2 secs=$3 cpu=$4 timing=$5 trouble st result reason
	echo "$secs" > "$logdir/$t.time"
	echo "$cpu" > "$logdir/$t.cpu"
	cp "$g_dir/out" "$logdir/$t.log" 2>/dev/null || : > "$logdir/$t.log"
	cp "$g_klog" "$logdir/$t.dmesg" 2>/dev/null || : > "$logdir/$t.dmesg"
	rm -rf "$logdir/$t.artifacts"
	if [ -n "$(ls -A "$g_dir/artifacts" 2>/dev/null)" ]; then
		cp -r "$g_dir/artifacts" "$logdir/$t.artifacts"
	fi
	trouble=$(guest_trouble)
	st=${g_status:-none}
	[ "$g_hang" != 0 ] && st=hang
	if [ -z "$trouble" ] && [ "$st" = 0 ]; then
		result=ok
	elif [ -z "$trouble" ] && [ "$st" = 4 ]; then
		result=skip
	else
		result=fail
	fi
	{
		if [ "$result" = fail ]; then
			show_log "$logdir/$t.log"
			[ "$st" != 0 ] && [ "$st" != hang ] && echo "# $t: exit status $st"
			[ -n "$trouble" ] && printf '%s\n' "$trouble"
			echo "# logs: $logdir/$t.log $logdir/$t.dmesg"
		else
			grep -a -E '^[[:space:]]*(ok|not ok) [0-9]' "$logdir/$t.log" | sed 's/^/    /'
		fi
		echo "# $t: ${secs}s${timing:+ ($timing)}${g_where:+ ($g_where)}${cpu:+, cpu ${cpu}s}"
		case "$result" in
		ok) echo "ok $n $t" ;;
		skip)
			reason=$(grep -a -m1 -oE '^(1\.\.0 )?# SKIP.*' "$logdir/$t.log" |
				sed -E 's/^(1\.\.0 )?# SKIP ?//')
			echo "ok $n $t # SKIP${reason:+ $reason}" ;;
		fail) echo "not ok $n $t" ;;
		esac
	} > "$resdir/$n.out"
	echo "$result" > "$resdir/$n.tmp" && mv "$resdir/$n.tmp" "$resdir/$n.result"
}

mkdir -p "$logdir"
resdir=$(mktemp -d "${TMPDIR:-/tmp}/cmvm-res.XXXXXX")
jobpids=()
stop_jobs() {
	local p
	for p in "${jobpids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$resdir"
}
trap stop_jobs EXIT

mapfile -t list <<< "$sel"
ntests=${#list[@]}
# The order to start them in: longest first (indexes into list, from 1).
mapfile -t order < <(for i in "${!list[@]}"; do
	echo "$(test_secs "${list[i]}") $((i + 1))"
done | sort -k1,1nr -k2,2n | cut -d' ' -f2)
# The guests: a test alone, or short tests together (VM_GROUP: a guest's
# estimated seconds, default 150; 0 = every test alone).  A test of at
# most half of that goes into the first group it fits, unless it runs on
# the host or its header says "# selftest: own guest".  Each guest costs
# a boot and a preload (about 10 s under TCG; far more with KASAN), and
# most of the suite's tests take well under a minute at their CI sizes.
group_secs=${VM_GROUP:-150}
case "$group_secs" in
''|*[!0-9]*) echo "run.sh: VM_GROUP must be a number of seconds" >&2; exit 2 ;;
esac
units=() usecs=() ugroup=() ucpus=()
for idx in "${order[@]}"; do
	t=${list[idx - 1]}
	secs=$(test_secs "$t")
	cpus=$(test_cpus "$t")
	u=
	if [ "$group_secs" -gt 0 ] && [ "$secs" -le $((group_secs / 2)) ] &&
	   ! is_host_test "$t" && ! grep -q '^# selftest: own guest' "$repo/selftests/$t.sh"; then
		for i in "${!units[@]}"; do
			if [ -n "${ugroup[i]}" ] && [ "${ucpus[i]}" = "$cpus" ] &&
			   [ $((usecs[i] + secs)) -le "$group_secs" ]; then
				u=$i
				break
			fi
		done
		if [ -z "$u" ]; then
			u=${#units[@]}
			units[u]='' usecs[u]=0 ugroup[u]=1 ucpus[u]=$cpus
		fi
		units[u]="${units[u]:+${units[u]} }$idx:$t"
		usecs[u]=$((usecs[u] + secs))
	else
		u=${#units[@]}
		units[u]="$idx:$t" usecs[u]=$secs ugroup[u]='' ucpus[u]=$cpus
	fi
done
nunits=${#units[@]}
run_start=$(now)
passed=0 failed=0 skipped=0
echo "TAP version 13"
echo "1..$ntests"
echo "# kernel $kver${builtin:+ (cryptomap built in)}, VM_TIMEOUT ${timeout_s}s, $jobs guest(s) at a time, $nunits guest(s)"
[ "$VM_TIME_SCALE" -gt 1 ] && echo "# busywait time-outs x$VM_TIME_SCALE (VM_TIME_SCALE)"
# Up to $jobs guests at once; reports are printed in test order.
started=0
printed=0
while [ "$printed" -lt "$ntests" ]; do
	running=0
	for p in "${jobpids[@]}"; do
		kill -0 "$p" 2>/dev/null && running=$((running + 1))
	done
	while [ "$started" -lt "$nunits" ] && [ "$running" -lt "$jobs" ]; do
		started=$((started + 1))
		# shellcheck disable=SC2206 # "N:NAME N:NAME...", no globs
		unit=(${units[started - 1]})
		g_cpus=${ucpus[started - 1]}
		(
			scratch='' qpid='' tpid=''
			trap cleanup EXIT
			trap 'exit 143' TERM INT
			if [ "${#unit[@]}" -eq 1 ]; then
				run_test "${unit[0]%%:*}" "${unit[0]#*:}"
			else
				run_group "${unit[@]}"
			fi
		) &
		jobpids+=($!)
		running=$((running + 1))
	done
	next=$((printed + 1))
	if [ -f "$resdir/$next.result" ]; then
		cat "$resdir/$next.out"
		case "$(cat "$resdir/$next.result")" in
		ok) passed=$((passed + 1)) ;;
		skip) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)) ;;
		esac
		printed=$next
		continue
	fi
	if [ "$running" -eq 0 ]; then
		# The job died without a result (killed?).
		echo "not ok $next ${list[next - 1]}"
		echo "# ${list[next - 1]}: the runner's job died"
		failed=$((failed + 1))
		printed=$next
		continue
	fi
	sleep 0.2
done

echo "# $kver: $ntests tests in $(elapsed "$run_start")s, $jobs guest(s) at a time"
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
exit
}
