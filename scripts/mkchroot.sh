#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkchroot.sh: create (or reuse) the cached build chroot of one Debian suite,
# holding the compiler and the kernel headers of every matrix kernel that
# tests/kernels.conf assigns to that suite.
# shellcheck disable=SC2154 # $suite and $dir: vdk_chroot_args, vdk_chroot_begin
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/chroot.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--force] SUITE
       ${0##*/} --path SUITE

Create the build chroot for SUITE (bullseye, bookworm, trixie or sid) under
$VDK_CACHE/chroots/SUITE-<recipe hash> with mmdebstrap, containing make, the compiler and
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

vdk_chroot_args "$@"

# The compilers and headers of the kernels that build in this suite.
pkgs="make libc6-dev sparse"
for tag in $(vdk_tags); do
	[ "$(vdk_kfield "$tag" chroot)" = "$suite" ] || continue
	pkgs="$pkgs $(vdk_kfield "$tag" cc) linux-headers-$(vdk_kfield "$tag" kver)"
done

recipe=$(vdk_chroot_recipe "$0" "$pkgs" "$(vdk_suite_sources "$suite")")
vdk_chroot_begin "$suite" "$recipe"

vdk_log "creating chroot $suite: $pkgs"
# shellcheck disable=SC2016 # $1 is mmdebstrap's, expanded in its hooks
vdk_mmdebstrap "$suite" "$dir" \
	--customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y $pkgs" \
	--customize-hook='chroot "$1" apt-get clean'

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
vdk_chroot_done "$dir" "$recipe" "$suite"
