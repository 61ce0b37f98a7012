#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-guest.sh OUTDIR: build the benchmark's guest helpers (tests/harness/
# run.sh calls it before the guests boot; OUTDIR is /vdk/bin/ in the guest):
#   nbd-attach   static x86-64: the kernel NBD client attached straight to
#                qemu-storage-daemon's NBD socket (tests/bench/nbd-attach.c)
#   vring-probe  static x86-64: which VHOST_SET_VRING_NUM sizes a
#                vhost-vdpa device accepts (tests/bench/vring-probe.c)
#   blkio-bench  x86-64 linked against glibc only (it dlopen()s the guest's
#                libblkio.so.1): the vhost-vdpa paths' load generator
#                (tests/bench/blkio-bench.c)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
case ${1:-} in
-h | --help) sed -n '3,/^set -e/{/^set -e/d; s/^# \{0,1\}//p}' "$0"; exit 0 ;;
esac
# shellcheck source=tests/lib/build-static.sh
. "$HERE/../lib/build-static.sh"
out=${1:?usage: build-guest.sh OUTDIR}
vdk_build_static "$out" nbd-attach "$HERE/nbd-attach.c"
vdk_build_static "$out" vring-probe "$HERE/vring-probe.c"
vdk_build_glibc "$out" blkio-bench "$HERE/blkio-bench.c" -pthread
