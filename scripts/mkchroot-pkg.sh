#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkchroot-pkg.sh: create (or reuse) the cached package-test chroot of one
# Debian suite. A separate script from mkchroot.sh so that the build
# chroots' recipe (which hashes mkchroot.sh) does not change with it.
# shellcheck disable=SC2154 # $suite and $dir: vdk_chroot_args, vdk_chroot_begin
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/chroot.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--force] SUITE
       ${0##*/} --path SUITE

Create the package-test chroot for SUITE (bullseye, bookworm, trixie or sid)
under $VDK_CACHE/chroots/pkg-SUITE-<recipe hash> with mmdebstrap: a minimal system with
the headers of the suite's first kernel of tests/kernels.conf installed
(they pull in its compiler) and ccache (tests/pkg/run.sh caches the
compiler calls of the dkms builds), and nothing of dkms: the package under
test must bring it. dkms, rpm (for the rpm's scriptlet test) and the headers of
the suite's other kernels are downloaded into apt's cache only, and the
package lists are kept, so the tests install them without the network.
Tests never change this chroot: they run in an overlay on top of it.
An existing chroot whose recipe is unchanged is reused.

  --force   rebuild even if the cached chroot is current
  --path    print the chroot directory and exit
  -h, --help  this text
EOF
}

vdk_chroot_args "$@"

headers=
for tag in $(vdk_tags); do
	[ "$(vdk_kfield "$tag" chroot)" = "$suite" ] || continue
	headers="$headers linux-headers-$(vdk_kfield "$tag" kver)"
done
[ -n "$headers" ] || vdk_die "no kernel of tests/kernels.conf builds in $suite"
first=${headers# }
first=${first%% *}
later="dkms rpm ${headers/ $first/}"

recipe=$(vdk_chroot_recipe "$0" "$first" "$later" "$(vdk_suite_sources "$suite")")
vdk_chroot_begin "pkg-$suite" "$recipe"

vdk_log "creating chroot pkg-$suite: $first (download only: $later)"
# shellcheck disable=SC2016 # $1 is mmdebstrap's, expanded in its hooks
vdk_mmdebstrap "$suite" "$dir" \
	--customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y $first ccache" \
	--customize-hook="chroot \"\$1\" apt-get install -y --download-only $later" \
	--skip=cleanup/apt
vdk_chroot_done "$dir" "$recipe" "pkg-$suite"
