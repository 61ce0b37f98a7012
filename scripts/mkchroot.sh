#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkchroot.sh: create (or reuse) the cached build chroot of one Debian suite,
# holding the compiler and the kernel headers of every matrix kernel that
# tests/kernels.conf assigns to that suite.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--force] SUITE
       ${0##*/} --path SUITE

Create the build chroot for SUITE (bullseye, bookworm, trixie or sid) under
$VDK_CACHE/chroots/SUITE with mmdebstrap, containing make, the compiler and
linux-headers-<release> for each kernel of tests/kernels.conf whose chroot
column is SUITE. An existing chroot whose recipe (this script, the package
list) is unchanged is reused; otherwise it is rebuilt.

Nothing is installed into the host: other suites' packages exist only inside
the chroot.

  --force   rebuild even if the cached chroot is current
  --path    print the chroot directory and exit
  -h, --help  this text
EOF
}

force=0
case ${1:-} in
-h | --help) usage; exit 0 ;;
--path) echo "$VDK_CACHE/chroots/${2:?suite}"; exit 0 ;;
--force) force=1; shift ;;
esac
[ $# -eq 1 ] || { usage >&2; exit 2; }
suite=$1

mirror=http://deb.debian.org/debian
secmirror=http://deb.debian.org/debian-security
case $suite in
bullseye) sources="deb $mirror bullseye main
deb $secmirror bullseye-security main" ;;
bookworm) sources="deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $secmirror bookworm-security main" ;;
trixie) sources="deb $mirror trixie main
deb $secmirror trixie-security main" ;;
sid) sources="deb $mirror sid main" ;;
*) vdk_die "unknown suite '$suite' (bullseye, bookworm, trixie or sid)" ;;
esac

command -v mmdebstrap >/dev/null ||
	vdk_die "mmdebstrap is missing: apt-get install mmdebstrap"
[ "$(id -u)" = 0 ] || vdk_die "creating a chroot needs root"

# The compilers and headers of the kernels that build in this suite.
pkgs="make libc6-dev sparse"
for tag in $(vdk_tags); do
	[ "$(vdk_kfield "$tag" chroot)" = "$suite" ] || continue
	pkgs="$pkgs $(vdk_kfield "$tag" cc) linux-headers-$(vdk_kfield "$tag" kver)"
done

dir=$VDK_CACHE/chroots/$suite
recipe=$( (cat "$0"; echo "$pkgs"; echo "$sources") | sha256sum | cut -c1-16)
if [ $force = 0 ] && [ -f "$dir/.vdk-recipe" ] &&
	[ "$(cat "$dir/.vdk-recipe")" = "$recipe" ]; then
	vdk_log "chroot $suite is current ($dir)"
	exit 0
fi

vdk_log "creating chroot $suite: $pkgs"
rm -rf "$dir" "$dir.new"
mkdir -p "$(dirname "$dir")"

# linux-image (pulled in by the 6.12+ headers packages) wants an initramfs
# generator; a build chroot needs none. This empty package satisfies the
# dependency so no initramfs is built inside the chroot.
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
mkdir -p "$stub/pkg/DEBIAN"
cat >"$stub/pkg/DEBIAN/control" <<EOF
Package: vdk-no-initramfs
Version: 1.0
Architecture: all
Provides: linux-initramfs-tool
Maintainer: vduse-dkms developers <root@localhost>
Description: no initramfs generator in vduse-dkms build chroots
EOF
dpkg-deb --build "$stub/pkg" "$stub/vdk-no-initramfs.deb" >/dev/null

# sid's Release file may be past its Valid-Until; the check is disabled
# inside this chroot only (and for bullseye, an archived suite).
# shellcheck disable=SC2086
mmdebstrap --variant=minbase --mode=root --format=directory \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--aptopt='APT::Install-Recommends "false"' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--customize-hook="copy-in $stub/vdk-no-initramfs.deb /tmp" \
	--customize-hook='chroot "$1" dpkg -i /tmp/vdk-no-initramfs.deb' \
	--customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y $pkgs" \
	--customize-hook='chroot "$1" apt-get clean' \
	"$suite" "$dir.new" - <<<"$sources" >&2
# Debian's 7.2 headers call scripts/checker-valid.sh before running sparse
# (C=1/C=2) but do not ship it, so Kbuild silently skips sparse. Supply one
# with the same contract: print 1 when the checker runs without error.
for mk in "$dir.new"/usr/src/linux-headers-*-common/Makefile; do
	[ -f "$mk" ] || continue
	cv=$(dirname "$mk")/scripts/checker-valid.sh
	if grep -q 'checker-valid.sh' "$mk" && [ ! -e "$cv" ]; then
		cat >"$cv" <<'EOS'
#!/bin/sh
# Added by vduse-dkms scripts/mkchroot.sh: Debian's headers lack this script.
# Usage: checker-valid.sh CHECKER [FLAGS...]; prints 1 if CHECKER works.
command -v "$1" >/dev/null 2>&1 || { echo 0; exit 0; }
t=$(mktemp --suffix=.c)
echo 'static inline int vdk(const int *q) { __typeof_unqual__(*q) v = *q; return v; }' >"$t"
if "$@" "$t" 2>&1 | grep -q error; then echo 0; else echo 1; fi
rm -f "$t"
EOS
		chmod +x "$cv"
		vdk_log "added the missing scripts/checker-valid.sh to $(basename "$(dirname "$mk")")"
	fi
done
echo "$recipe" >"$dir.new/.vdk-recipe"
mv "$dir.new" "$dir"
vdk_log "chroot $suite ready ($(du -sh "$dir" | cut -f1))"
