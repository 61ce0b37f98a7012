#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-guest.sh OUTDIR: build the uAPI test programs for the test guest
# (tests/harness/run.sh calls it before the guests boot; OUTDIR is /vdk/bin/
# in the guest):
#   vduse-uapi     static x86-64, tests/uapi/vduse-uapi.c
#   vduse-uapi32   static i386 without a libc (raw system calls), for the
#                  32-bit compat ioctls; needs only gcc's -m32 code generator
# The uAPI comes from our own header (include/uapi/vdk/vduse.h), so the
# host's compiler and libc do (static, any glibc runs in the guest).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
out=${1:?usage: build-guest.sh OUTDIR}
cc=${CC:-gcc}
command -v "$cc" >/dev/null || { echo "build.sh: no $cc (apt-get install gcc libc6-dev)" >&2; exit 1; }
mkdir -p "$out"
# shellcheck source=tests/lib/build-static.sh
. "$HERE/../lib/build-static.sh"
vdk_build_static "$out" vduse-uapi "$HERE/vduse-uapi.c" -pthread
# The kernel headers of the host's multiarch directory serve i386 as well.
"$cc" -m32 -static -nostdlib -ffreestanding -fno-pie -no-pie -fno-stack-protector \
	-O2 -Wall -Wextra -Werror -I "$TOP/include" -idirafter /usr/include/x86_64-linux-gnu \
	-o "$out/vduse-uapi32.tmp" "$HERE/vduse-uapi32.c"
mv "$out/vduse-uapi32.tmp" "$out/vduse-uapi32"
