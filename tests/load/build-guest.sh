#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-guest.sh OUTDIR: build the load test for the test guest
# (tests/harness/run.sh calls it before the guests boot; OUTDIR is /vdk/bin/
# in the guest):
#   vduse-load  static x86-64, tests/load/vduse-load.c
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/build-static.sh
. "$HERE/../lib/build-static.sh"
vdk_build_static "${1:?usage: build-guest.sh OUTDIR}" vduse-load "$HERE/vduse-load.c" -pthread
