#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-guest.sh OUTDIR: build the VDUSE fuzzer for the test guest
# (tests/harness/run.sh calls it before the guests boot; OUTDIR is /vdk/bin/
# in the guest):
#   vduse-fuzz  static x86-64, tests/fuzz/vduse-fuzz.c (with
#               tests/lib/vdk-tap.h and tests/lib/vdk-blk.h)
# The uAPI comes from our own headers (include/uapi/vdk/).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
case ${1:-} in
-h | --help) sed -n '3,/^set -e/{/^set -e/d; s/^# \{0,1\}//p}' "$0"; exit 0 ;;
esac
# shellcheck source=tests/lib/build-static.sh
. "$HERE/../lib/build-static.sh"
vdk_build_static "${1:?usage: build-guest.sh OUTDIR}" vduse-fuzz "$HERE/vduse-fuzz.c" -pthread
