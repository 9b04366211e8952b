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

mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
ln -sf /dev/pts/ptmx /dev/ptmx 2>/dev/null
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /var/tmp 2>/dev/null
mkdir -p /run/netns /run/xtables
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
hostname cmvm
ip link set lo up

# shellcheck source=/dev/null
. "$S/env"

# The whole kernel log streams to the share too: if the guest panics, this
# is what is left of it.
dmesg -w > "$S/dmesg.live" 2>&1 &
dmesg_pid=$!

# Preload what the data path autoloads, so the first SA is fast.
modprobe -a -q veth esp4 ah4 xfrm_user xfrm_ipcomp authenc echainiv seqiv \
	gcm ctr ghash_generic cbc des_generic des3_ede md5 sha1 sha256 sha512 \
	hmac deflate nf_tables nft_nat nft_masq nf_nat nf_conntrack 2>/dev/null

cd "$CMVM_CWD" || echo "cmvm: cannot cd to $CMVM_CWD" > "$S/out"
bash -c "$CMVM_CMD" > "$S/out" 2>&1 < /dev/null
echo $? > "$S/status"

{
	if [ -e /sys/module/cryptomap/initstate ]; then
		rmmod cryptomap 2>&1 || echo "cmvm: rmmod cryptomap failed"
	fi
	if [ -e /sys/kernel/debug/kmemleak ]; then
		echo scan > /sys/kernel/debug/kmemleak
		sleep 1
		echo scan > /sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak > "$S/kmemleak"
	fi
} > "$S/post" 2>&1

dmesg > "$S/dmesg"
kill "$dmesg_pid" 2>/dev/null
echo done > "$S/finished"
sync
/bin/busybox poweroff -f
echo o > /proc/sysrq-trigger
