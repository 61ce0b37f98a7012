#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-guest.sh OUTDIR: build vduse-own (tests/owner/vduse-own.c), a static
# x86-64 program for the test guest (tests/harness/run.sh calls it before the
# guests boot; OUTDIR is /vdk/bin/ in the guest). The uAPI comes from our own
# header (include/uapi/vdk/vduse.h).
set -euo pipefail
case ${1:-} in -h | --help) sed -n '4,7s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/build-static.sh
. "$HERE/../lib/build-static.sh"
vdk_build_static "${1:?usage: build-guest.sh OUTDIR}" vduse-own "$HERE/vduse-own.c"
