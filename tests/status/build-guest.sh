#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-guest.sh OUTDIR: build tools/vduse-status for the test guest
# (tests/harness/run.sh calls it before the guests boot; OUTDIR is /vdk/bin/
# in the guest). Dynamic, not static: the guest scenario runs it under
# valgrind, whose leak check needs the shared libc. It is built on the host
# (Debian 12: glibc 2.36, libkmod2 30, as the bookworm package is) and runs
# on the guest's newer trixie libraries (glibc 2.41, libkmod2 34): both
# keep their sonames and old symbol versions. Needs libkmod-dev and
# pkg-config on the host (.ci/run installs them). The scenario's valgrind
# suppression file goes along as OUTDIR/vduse-status.supp.
set -euo pipefail
case ${1:-} in
-h | --help | '')
	sed -n '3,/^set -e/{/^set -e/d; s/^# \{0,1\}//p}' "$0"
	[ -n "${1:-}" ] && exit 0 || exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
make -C "$TOP/tools/vduse-status" --no-print-directory O="$out" CFLAGS="-O1 -g" \
	"$out/vduse-status"
cp "$HERE/valgrind.supp" "$out/vduse-status.supp"
echo "built $out/vduse-status"
