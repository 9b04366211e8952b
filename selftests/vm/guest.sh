#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Second stage of the test guest, PID 1 after switch_root.  The runner
# copies it into the scratch share (/run/cmvm) with an env file that names
# the command to run.  Results go back through the share:
#   out      the command's stdout and stderr
#   status   its exit status
#   post     what happened after it (rmmod, kmemleak)
#   kmemleak the kmemleak report, if the kernel has kmemleak
#   dmesg    the kernel log of the whole guest run
S=/run/cmvm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

# /dev, /proc, /sys, devpts, debugfs, cgroup2, lo: done by the first
# stage.  The busybox applets below are used for speed (static, in the page
# cache after the first use) over the host's dynamic binaries.
bb=/bin/busybox

# shellcheck source=/dev/null
. "$S/env"
# Files a test leaves here (pcaps, configs) are kept on the host in
# build/vm-logs/KVER/NAME.artifacts/.
export VM_ARTIFACTS=$S/artifacts
mkdir -p "$VM_ARTIFACTS"
read -r t_stage2 _ < /proc/uptime

# The whole kernel log streams to the share too: if the guest panics, this
# is what is left of it.
$bb cat /dev/kmsg > "$S/dmesg.live" 2>&1 &
dmesg_pid=$!

# Preload what the data path autoloads, so the first SA is fast.
modprobe -a -q veth esp4 ah4 xfrm_user xfrm_ipcomp authenc echainiv seqiv \
	gcm ctr ghash_generic cbc des_generic des3_ede md5 sha1 sha256 sha512 \
	hmac deflate nf_tables nft_nat nft_masq nf_nat nf_conntrack 2>/dev/null

# kmemleak (debug kernels; automatic scans are off since stage 1): what
# boot left behind is the baseline, only the test's leaks are reported.
if [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
fi

# QEMU TCG and cross-modifying code: a static key flipped while another
# vCPU runs through its site can leave that vCPU on the int3 of the patch
# (seen once on 6.12: "Oops: int3" at the start of
# __netif_receive_skb_core, the netstamp_needed_key branch, while a test's
# tcpdump turned receive timestamps on or off under traffic).  A socket
# with SO_TIMESTAMP held for the guest's life keeps that key on, so that
# starting and stopping captures never patches the receive path.
python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 29, 1)  # SO_TIMESTAMP
time.sleep(1e7)' > /dev/null 2>&1 &
# The same race with the netfilter hook keys: cryptomap's pre- and
# post-routing hooks are the first of their kind in a plain guest, so each
# insmod/rmmod flips nf_hooks_needed under traffic (seen on 6.12 in the
# unload test: "Oops: int3" at the NF_HOOK branch of ip_rcv).  An empty
# table of accept-all base chains in the init netns keeps those keys on.
if command -v nft > /dev/null; then
	nft -f - <<'NFT' || echo "cmvm: nft hook holder not installed" >&2
table ip cmvm_hold {
	chain c_pre { type filter hook prerouting priority 0; }
	chain c_in { type filter hook input priority 0; }
	chain c_fwd { type filter hook forward priority 0; }
	chain c_out { type filter hook output priority 0; }
	chain c_post { type filter hook postrouting priority 0; }
}
NFT
fi

# The same race with a once-key: the first route exception of the boot (a
# PMTU update) seeds fnhe_hashrnd, and a work item then patches the
# DO_ONCE branch in fnhe_hashfun while the other vCPU's softirqs may run
# through it (seen on 6.12 in esp_xfrm_tunnel: "Oops: int3" at
# fnhe_hashfun).  One exception made here, in namespaces of its own
# before any test, takes that first time out of the tests.
cmvm_fnhe() {
	ip netns add cmvm_a && ip netns add cmvm_r &&
		ip link add cmvm0 netns cmvm_a type veth peer name cmvm1 netns cmvm_r &&
		ip -n cmvm_a addr add 198.18.0.1/30 dev cmvm0 &&
		ip -n cmvm_a link set cmvm0 up &&
		ip -n cmvm_r addr add 198.18.0.2/30 dev cmvm1 &&
		ip -n cmvm_r link set cmvm1 up &&
		ip -n cmvm_r link add cmvm2 type dummy &&
		ip -n cmvm_r link set cmvm2 mtu 1280 up &&
		ip -n cmvm_r addr add 198.18.1.1/30 dev cmvm2 &&
		ip -n cmvm_a route add 198.18.1.0/30 via 198.18.0.2 &&
		ip netns exec cmvm_r sysctl -qw net.ipv4.ip_forward=1 || return 1
	# refused by cmvm_r (fragmentation needed): the exception is made
	ip netns exec cmvm_a ping -q -c 1 -W 1 -M do -s 1400 198.18.1.2 > /dev/null 2>&1
	ip -n cmvm_a route get 198.18.1.2 | grep -q 'mtu 1280'
}
cmvm_fnhe || echo "cmvm: no route exception made at boot (fnhe once-key)" >&2
ip netns del cmvm_a 2> /dev/null
ip netns del cmvm_r 2> /dev/null

read -r t_preload _ < /proc/uptime
cd "$CMVM_CWD" || echo "cmvm: cannot cd to $CMVM_CWD" > "$S/out"
# Each command is stopped a little before the runner kills the guest (5%,
# at least 15 s), and the blocked tasks' kernel stacks dumped (sysrq w) so
# that a hang can be diagnosed.  The margin leaves time for the dump,
# rmmod and the log on a busy host.
margin=$(( ${CMVM_TIMEOUT:-600} / 20 ))
[ "$margin" -lt 15 ] && margin=15

# run_one DIR CMD: CMD with the time left, then the checks after it
# (rmmod, kmemleak); out, status, timedout, post and kmemleak go to DIR.
# Sets t_cmd and t_post (uptime at the end of each).
run_one() {
	local d=$1 now left rc end
	read -r now _ < /proc/uptime
	now=${now%.*}
	left=$(( ${CMVM_TIMEOUT:-600} - now - margin ))
	[ "$left" -lt 5 ] && left=5
	$bb timeout -s KILL "$left" bash -c "$2" > "$d/out" 2>&1 < /dev/null
	rc=$?
	read -r end _ < /proc/uptime
	if [ "$rc" -eq 137 ] && [ $(( ${end%.*} - now )) -ge $(( left - 1 )) ]; then
		echo "$left" > "$d/timedout"
		echo w > /proc/sysrq-trigger
	fi
	echo "$rc" > "$d/status"
	read -r t_cmd _ < /proc/uptime
	[ -n "${3:-}" ] && "$3"
	{
		if [ -e /sys/module/cryptomap/initstate ]; then
			rmmod cryptomap 2>&1 || echo "cmvm: rmmod cryptomap failed"
		fi
		if [ -e /sys/kernel/debug/kmemleak ]; then
			echo scan > /sys/kernel/debug/kmemleak
			$bb sleep 1
			echo scan > /sys/kernel/debug/kmemleak
			$bb cat /sys/kernel/debug/kmemleak > "$d/kmemleak"
			echo clear > /sys/kernel/debug/kmemleak
		fi
	} > "$d/post" 2>&1
	read -r t_post _ < /proc/uptime
}

# The guest's processes but the kernel's threads (pid 2 and its children).
user_pids() {
	local f s rest ppid
	for f in /proc/[0-9]*/stat; do
		read -r s < "$f" 2> /dev/null || continue
		rest=${s##*) }
		ppid=${rest#* }
		ppid=${ppid%% *}
		[ "${s%% *}" = 2 ] || [ "$ppid" = 2 ] || echo "${s%% *}"
	done
}

# What a test of a group left behind, before the next one starts: its
# processes (daemons, captures), then its named namespaces.
leftovers() {
	local p
	for p in $(user_pids); do
		case " $keep_pids " in *" $p "*) continue ;; esac
		kill -9 "$p" 2> /dev/null
	done
	ip -all netns delete 2> /dev/null
}

if [ -n "${CMVM_TESTS:-}" ]; then
	# A group of short tests (run.sh packs them, one guest boot for all):
	# each test in turn with the checks a guest of its own gets, kept per
	# test in $S/t/NAME/: rmmod and kmemleak after it, and its part of the
	# kernel log (the log is cut after each test, dmesg -c, so that every
	# line is checked once, with the test it came in; the first test's part
	# has the boot too).  What a test leaves running is killed and its
	# namespaces deleted before the checks, so that the next starts clean.
	keep_pids=" $(user_pids) "
	for t in $CMVM_TESTS; do
		d=$S/t/$t
		mkdir -p "$d/artifacts"
		export VM_ARTIFACTS=$d/artifacts
		read -r t_start _ < /proc/uptime
		run_one "$d" "exec bash $SELFTESTS/$t.sh" leftovers
		echo "stage2 $t_stage2 preload $t_start command $t_cmd post $t_post" > "$d/timing"
		$bb dmesg -c > "$d/dmesg"
	done
	echo 0 > "$S/status"
	echo "stage2 $t_stage2 preload $t_preload command $t_cmd post $t_post" > "$S/timing"
else
	run_one "$S" "$CMVM_CMD"
	echo "stage2 $t_stage2 preload $t_preload command $t_cmd post $t_post" > "$S/timing"
	$bb dmesg > "$S/dmesg"
fi
kill "$dmesg_pid" 2>/dev/null
echo finished > "$S/finished"
$bb sync
$bb poweroff -f
echo o > /proc/sysrq-trigger
