# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# build-static.sh: sourced by the tests/*/build-guest.sh scripts that build a
# C test program for the guest (tests/uapi, tests/hostile, tests/owner).
#
# vdk_build_static OUTDIR NAME SOURCE [CFLAGS...]: OUTDIR/NAME, a static
# x86-64 program (any glibc runs in the guest), warnings as errors, with our
# own uAPI headers (include/uapi/vdk/) on the include path.
#
# vdk_build_glibc OUTDIR NAME SOURCE [CFLAGS...]: the same, but linked
# dynamically against glibc, for a program that dlopen()s a library of the
# guest's (a static glibc program cannot). It may need libc.so.6 and
# nothing else: the build fails if it names another library. It runs in the
# guest because the build host's glibc (Debian 12: 2.36) is not newer than
# the guest's (trixie: 2.41).
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

vdk_build_glibc() {
	local out=$1 name=$2 src=$3 cc=${CC:-gcc} need
	command -v "$cc" >/dev/null ||
		{ echo "build-guest.sh: no $cc (apt-get install gcc libc6-dev)" >&2; return 1; }
	command -v readelf >/dev/null ||
		{ echo "build-guest.sh: no readelf (apt-get install binutils)" >&2; return 1; }
	shift 3
	mkdir -p "$out"
	"$cc" -O2 -g -Wall -Wextra -Werror "$@" -o "$out/$name.tmp" "$src"
	need=$(readelf -d "$out/$name.tmp" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | tr '\n' ' ')
	if [ "$need" != "libc.so.6 " ]; then
		echo "build-guest.sh: $name needs '$need', only libc.so.6 is allowed" >&2
		rm -f "$out/$name.tmp"
		return 1
	fi
	mv "$out/$name.tmp" "$out/$name"
}
