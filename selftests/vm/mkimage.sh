#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the boot images for the test guest of one Debian kernel:
#   OUTDIR/vmlinux        uncompressed ELF from /boot/vmlinuz-KVER (QEMU boots
#                         it through its PVH entry: no in-guest decompression)
#   OUTDIR/initramfs.cpio busybox-static, the 9p/overlay modules in load
#                         order and selftests/vm/init (the first stage)
# Usage: mkimage.sh KVER OUTDIR [KERNEL]
# With KERNEL (the ELF vmlinux or the bzImage of a kernel built from source,
# e.g. a debug kernel with 9p, virtio and overlayfs built in) that file is
# used as is (OUTDIR/vmlinux or OUTDIR/bzImage), and the initramfs gets no
# modules when /lib/modules/KVER does not exist.
set -eu

kver=$1
out=$2
elf=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
vmlinuz=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver

if [ -n "$elf" ]; then
	[ -r "$elf" ] || { echo "mkimage: no $elf" >&2; exit 1; }
else
	[ -r "$vmlinuz" ] || { echo "mkimage: no $vmlinuz" >&2; exit 1; }
	[ -r "$moddir/modules.dep" ] || { echo "mkimage: no $moddir/modules.dep" >&2; exit 1; }
fi
command -v busybox >/dev/null || { echo "mkimage: busybox-static missing" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d "$out/.mkimage.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

is_elf() {
	[ "$(head -c4 "$1" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]
}

# vmlinux: try every xz, then zstd, then gzip magic in the bzImage.
extract() {
	local magic=$1 cmd=$2 off
	for off in $(LC_ALL=C grep -obUaP "$magic" "$vmlinuz" | cut -d: -f1); do
		tail -c +$((off + 1)) "$vmlinuz" | $cmd > "$tmp/vmlinux" 2>/dev/null || true
		if is_elf "$tmp/vmlinux"; then
			return 0
		fi
	done
	return 1
}
# A bzImage: "HdrS" at 0x202 (the x86 boot protocol header).
is_bzimage() {
	[ "$(tail -c +515 "$1" | head -c4)" = HdrS ]
}
kimage=vmlinux
if [ -n "$elf" ]; then
	is_bzimage "$elf" && kimage=bzImage
	cp "$elf" "$tmp/$kimage"
	is_elf "$tmp/$kimage" || [ "$kimage" = bzImage ] ||
		{ echo "mkimage: $elf is neither an ELF file nor a bzImage" >&2; exit 1; }
else
extract '\xfd7zXZ\x00' 'xz -dcq --single-stream' ||
	extract '\x28\xb5\x2f\xfd' 'zstd -dcq' ||
	extract '\x1f\x8b\x08' 'gzip -dcq' || {
	echo "mkimage: cannot extract vmlinux from $vmlinuz" >&2
	exit 1
}
fi

# initramfs
root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys,lower,upper,newroot,lib/modules}
cp "$(command -v busybox)" "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"
# The applet links, made here rather than by `busybox --install` at boot.
for a in $(busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done

# The modules the 9p root and the overlay need, dependencies first (what
# is built in shows up as "builtin" and is skipped).
: > "$root/modules.order"
[ -r "$moddir/modules.dep" ] &&
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	base=$(basename "$ko")
	case "$base" in
	*.ko.xz)  xz -dc "$ko" > "$root/lib/modules/${base%.xz}"; base=${base%.xz} ;;
	*.ko.zst) zstd -dcq "$ko" > "$root/lib/modules/${base%.zst}"; base=${base%.zst} ;;
	*.ko.gz)  gzip -dc "$ko" > "$root/lib/modules/${base%.gz}"; base=${base%.gz} ;;
	*)        cp "$ko" "$root/lib/modules/$base" ;;
	esac
	echo "$base" >> "$root/modules.order"
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$tmp/initramfs.cpio"
mv -f "$tmp/$kimage" "$out/$kimage"
mv -f "$tmp/initramfs.cpio" "$out/initramfs.cpio"
