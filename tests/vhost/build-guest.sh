#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-guest.sh OUTDIR: build tests/vhost/vhost_bad as a static binary for
# the test guest (Debian trixie x86-64) inside the cached trixie chroot
# (scripts/mkchroot.sh), with the uAPI headers of trixie's linux-libc-dev
# (6.12), into OUTDIR/vhost_bad. tests/harness/run.sh calls it before the
# guests boot. Needs root (chroot).
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"

case ${1:-} in
-h | --help | '')
	sed -n '3,/^set -e/{/^set -e/d; s/^# \{0,1\}//p}' "$0"
	[ -n "${1:-}" ] && exit 0 || exit 2 ;;
esac
out=$(mkdir -p "$1" && cd "$1" && pwd)
[ "$(id -u)" = 0 ] || vdk_die "building in the trixie chroot needs root"
"$VDK_TOP/scripts/mkchroot.sh" trixie >&2
root=$("$VDK_TOP/scripts/mkchroot.sh" --path trixie)
src=$VDK_TOP/tests/vhost

# The sources and the output directory are bind-mounted at their own paths;
# the mount namespace takes them away again.
# shellcheck disable=SC2016
unshare -m /bin/bash -c '
	set -e
	root=$1 src=$2 out=$3
	mkdir -p "$root$src" "$root$out"
	mount --bind "$src" "$root$src"
	mount --bind "$out" "$root$out"
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C.UTF-8 gcc-14 -static -O2 -Wall -Wextra -Werror \
		-o "$out/vhost_bad" "$src/vhost_bad.c"
' vdk "$root" "$src" "$out"
echo "built $out/vhost_bad"
