# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# build-static.sh: sourced by the tests/*/build-guest.sh scripts that build a
# C test program for the guest (tests/uapi, tests/hostile, tests/owner).
#
# vdk_build_static OUTDIR NAME SOURCE [CFLAGS...]: OUTDIR/NAME, a static
# x86-64 program (any glibc runs in the guest), warnings as errors, with our
# own uAPI headers (include/uapi/vdk/) on the include path.
vdk_build_static() {
	local out=$1 name=$2 src=$3 cc=${CC:-gcc}
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	shift 3
	command -v "$cc" >/dev/null ||
		{ echo "build-guest.sh: no $cc (apt-get install gcc libc6-dev)" >&2; return 1; }
	mkdir -p "$out"
	"$cc" -static -O2 -g -Wall -Wextra -Werror -I "$top/include" "$@" \
		-o "$out/$name.tmp" "$src"
	mv "$out/$name.tmp" "$out/$name"
}
