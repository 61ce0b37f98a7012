#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-guest.sh OUTDIR: build the hostile VDUSE daemon for the test guest
# (tests/harness/run.sh calls it before the guests boot; OUTDIR is /vdk/bin/
# in the guest):
#   vduse-hostile  static x86-64, tests/hostile/vduse-hostile.c
# The uAPI comes from our own header (include/uapi/vdk/vduse.h), so the
# host's compiler and libc do (static, any glibc runs in the guest).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
out=${1:?usage: build-guest.sh OUTDIR}
cc=${CC:-gcc}
command -v "$cc" >/dev/null || { echo "build-guest.sh: no $cc (apt-get install gcc libc6-dev)" >&2; exit 1; }
mkdir -p "$out"
"$cc" -static -O2 -g -Wall -Wextra -Werror -pthread -I "$TOP/include" \
	-o "$out/vduse-hostile.tmp" "$HERE/vduse-hostile.c"
mv "$out/vduse-hostile.tmp" "$out/vduse-hostile"
