#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkchroot-pkg.sh: create (or reuse) the cached package-test chroot of one
# Debian suite. A separate script from mkchroot.sh so that the build
# chroots' recipe (which hashes mkchroot.sh) does not change with it.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--force] SUITE
       ${0##*/} --path SUITE

Create the package-test chroot for SUITE (bullseye, bookworm, trixie or sid)
under $VDK_CACHE/chroots/pkg-SUITE with mmdebstrap: a minimal system with
the headers of the suite's first kernel of tests/kernels.conf installed
(they pull in its compiler) and nothing of dkms: the package under test
must bring it. dkms, rpm (for the rpm's scriptlet test) and the headers of
the suite's other kernels are downloaded into apt's cache only, and the
package lists are kept, so the tests install them without the network.
Tests never change this chroot: they run in an overlay on top of it.
An existing chroot whose recipe is unchanged is reused.

  --force   rebuild even if the cached chroot is current
  --path    print the chroot directory and exit
  -h, --help  this text
EOF
}

force=0
case ${1:-} in
-h | --help) usage; exit 0 ;;
--path) echo "$VDK_CACHE/chroots/pkg-${2:?suite}"; exit 0 ;;
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

headers=
for tag in $(vdk_tags); do
	[ "$(vdk_kfield "$tag" chroot)" = "$suite" ] || continue
	headers="$headers linux-headers-$(vdk_kfield "$tag" kver)"
done
[ -n "$headers" ] || vdk_die "no kernel of tests/kernels.conf builds in $suite"
first=${headers# }
first=${first%% *}
later="dkms rpm ${headers/ $first/}"

dir=$VDK_CACHE/chroots/pkg-$suite
recipe=$( (cat "$0"; echo "$first"; echo "$later"; echo "$sources") | sha256sum | cut -c1-16)
if [ $force = 0 ] && [ -f "$dir/.vdk-recipe" ] &&
	[ "$(cat "$dir/.vdk-recipe")" = "$recipe" ]; then
	vdk_log "chroot pkg-$suite is current ($dir)"
	exit 0
fi

vdk_log "creating chroot pkg-$suite: $first (download only: $later)"
rm -rf "$dir" "$dir.new"
mkdir -p "$(dirname "$dir")"

# The same no-initramfs stub as the build chroots (scripts/mkchroot.sh):
# linux-image, pulled in by the 6.12+ headers, wants an initramfs generator.
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
mkdir -p "$stub/pkg/DEBIAN"
cat >"$stub/pkg/DEBIAN/control" <<EOF
Package: vdk-no-initramfs
Version: 1.0
Architecture: all
Provides: linux-initramfs-tool
Maintainer: vduse-dkms developers <root@localhost>
Description: no initramfs generator in vduse-dkms test chroots
EOF
dpkg-deb --build "$stub/pkg" "$stub/vdk-no-initramfs.deb" >/dev/null

# shellcheck disable=SC2016 # $1 is mmdebstrap's, expanded in its hooks
mmdebstrap --variant=minbase --mode=root --format=directory \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--aptopt='APT::Install-Recommends "false"' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--customize-hook="copy-in $stub/vdk-no-initramfs.deb /tmp" \
	--customize-hook='chroot "$1" dpkg -i /tmp/vdk-no-initramfs.deb' \
	--customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y $first" \
	--customize-hook="chroot \"\$1\" apt-get install -y --download-only $later" \
	--skip=cleanup/apt \
	"$suite" "$dir.new" - <<<"$sources" >&2
echo "$recipe" >"$dir.new/.vdk-recipe"
mv "$dir.new" "$dir"
vdk_log "chroot pkg-$suite ready ($(du -sh "$dir" | cut -f1))"
