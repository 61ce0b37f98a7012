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
# shellcheck source=tests/lib/build-static.sh
. "$HERE/../lib/build-static.sh"
vdk_build_static "${1:?usage: build-guest.sh OUTDIR}" vduse-hostile "$HERE/vduse-hostile.c" -pthread
