#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkrootfs.sh: build (or reuse) the guest userland of the QEMU harness: a
# Debian trixie minbase with qemu-storage-daemon (vduse-blk exports), the
# virtio-blk-vhost-vdpa block driver (qemu-block-extra + libblkio), iproute2's
# vdpa tool, fio and kmod, packed as an uncompressed newc cpio for an
# initramfs. The guest's /init, the scenarios and the kernel modules are NOT
# in it: tests/harness/run.sh appends them per run as a second cpio.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

# What the scenarios run. Changing this list (or this script) changes the
# recipe hash, and the next run rebuilds the image.
PACKAGES="qemu-utils qemu-block-extra libblkio1 iproute2 fio kmod util-linux
procps coreutils e2fsprogs valgrind libc6-dbg"
# Binaries and plugins that must resolve every shared library in the image
# (checked after pruning).
NEEDED="/usr/bin/qemu-storage-daemon /usr/bin/qemu-io /usr/bin/qemu-img
/usr/bin/qemu-nbd /usr/bin/fio /usr/sbin/vdpa /usr/bin/kmod /usr/bin/sha256sum
/usr/bin/timeout /usr/sbin/blockdev /usr/bin/dmesg /usr/bin/cmp /usr/bin/pkill
/usr/sbin/mkfs.ext4 /usr/sbin/fsfreeze /usr/sbin/losetup
/usr/lib/x86_64-linux-gnu/qemu/block-blkio.so /usr/bin/valgrind
/usr/libexec/valgrind/memcheck-amd64-linux"
SOURCES="deb http://deb.debian.org/debian trixie main
deb http://deb.debian.org/debian-security trixie-security main"
# Removed after installation: nothing in the guest runs them (fio's python
# helper scripts, apt, perl, package databases, docs).
PRUNE="usr/share/doc usr/share/man usr/share/info usr/share/locale
usr/share/lintian usr/share/bug usr/share/bash-completion usr/share/zsh
usr/share/perl usr/share/perl5 usr/lib/x86_64-linux-gnu/perl-base
usr/lib/x86_64-linux-gnu/perl usr/lib/python3 usr/lib/python3.13
usr/bin/python3 usr/bin/python3.13 usr/share/python3 usr/bin/perl
usr/bin/perl5.40.1 usr/bin/apt usr/bin/apt-get usr/bin/apt-cache
usr/bin/apt-config usr/bin/apt-mark usr/bin/apt-key usr/lib/apt
usr/lib/x86_64-linux-gnu/libapt-pkg.so.7.0 usr/lib/x86_64-linux-gnu/libapt-private.so.0.0
usr/lib/x86_64-linux-gnu/libapt-pkg.so.7.0.0 usr/lib/x86_64-linux-gnu/libapt-private.so.0.0.0
var/lib/apt var/cache/apt var/cache/debconf var/lib/dpkg var/log usr/share/common-licenses
usr/share/zoneinfo etc/apt"

usage() {
	cat <<EOF
Usage: ${0##*/} [--force] [--path]

Build the guest rootfs cpio (Debian trixie minbase + $(echo "$PACKAGES" | tr '\n' ' '))
under $VDK_CACHE/rootfs/<recipe hash>/rootfs.cpio with mmdebstrap, unless the
image for the current recipe (this script) already exists. Prints the path
of the cpio on stdout. Progress goes to stderr.

  --force     rebuild even if the cached image is current
  --path      only print the path the current recipe's image has (built or not)
  -h, --help  this text
EOF
}

force=0
only_path=0
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--force) force=1 ;;
	--path) only_path=1 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

recipe=$(sha256sum "$0" | cut -c1-16)
dir=$VDK_CACHE/rootfs/$recipe
out=$dir/rootfs.cpio
if [ $only_path = 1 ]; then
	echo "$out"
	exit 0
fi
if [ $force = 0 ] && [ -s "$out" ] && [ -f "$dir/.vdk-complete" ]; then
	echo "$out"
	exit 0
fi

for c in mmdebstrap cpio; do
	command -v "$c" >/dev/null || vdk_die "$c is missing: apt-get install $c"
done
[ "$(id -u)" = 0 ] || vdk_die "building the rootfs needs root"

t0=$SECONDS
vdk_log "rootfs: building trixie minbase + $(echo "$PACKAGES" | tr '\n' ' ')(recipe $recipe)"
rm -rf "$dir"
mkdir -p "$dir"
root=$dir/root
log=$dir/mmdebstrap.log
# shellcheck disable=SC2086
mmdebstrap --variant=minbase --mode=root --format=directory \
	--aptopt='APT::Install-Recommends "false"' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--include="$(echo $PACKAGES | tr ' ' ,)" \
	trixie "$root" - <<<"$SOURCES" >"$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; vdk_die "mmdebstrap failed, log $log"; }
vdk_log "rootfs: mmdebstrap done ($((SECONDS - t0))s, $(du -sh "$root" | cut -f1))"

# Record what is in the image before the package database goes.
# shellcheck disable=SC2016
chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$dir/packages.txt"
for p in $PRUNE; do
	rm -rf "${root:?}/$p"
done
# valgrind: memcheck for amd64 is all the guest runs (the other tools, the
# i386 builds and the tool-building archives are ~60 MB of the initramfs).
rm -rf "$root/usr/lib/x86_64-linux-gnu/valgrind" "$root/usr/include/valgrind"
find "$root/usr/libexec/valgrind" -type f ! -name 'memcheck-amd64-linux' \
	! -name 'vgpreload_core-amd64-linux.so' ! -name 'vgpreload_memcheck-amd64-linux.so' \
	! -name '*.supp' -delete
# The dynamic loader cache must still list every library.
chroot "$root" /sbin/ldconfig
bad=
for b in $NEEDED; do
	[ -e "$root$b" ] || { bad="$bad $b(missing)"; continue; }
	miss=$(chroot "$root" /usr/bin/ldd "$b" 2>&1 | grep 'not found' || true)
	[ -z "$miss" ] || bad="$bad $b($(echo "$miss" | awk '{ print $1 }' | tr '\n' ' '))"
done
[ -z "$bad" ] || vdk_die "the pruned rootfs is broken:$bad"
chroot "$root" /usr/bin/qemu-storage-daemon --help 2>&1 | grep -q vduse-blk ||
	vdk_die "this qemu-storage-daemon has no vduse-blk export"

# The guest's mount points and lock directory (qemu-nbd -c wants /run/lock).
mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/run/lock"
rm -f "$root/etc/hostname" "$root/etc/machine-id"
echo vdk-guest >"$root/etc/hostname"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$root"
# Keep only the current recipe's image.
find "$VDK_CACHE/rootfs" -mindepth 1 -maxdepth 1 -type d ! -name "$recipe" -exec rm -rf {} +
echo "$PACKAGES" | tr '\n' ' ' >"$dir/.vdk-complete"
vdk_log "rootfs: ready in $((SECONDS - t0))s: $out ($(du -h "$out" | cut -f1), $(grep -vc '^$' "$dir/packages.txt") packages; list in $dir/packages.txt)"
echo "$out"
