#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz.sh: the long run of the VDUSE fuzzer (make fuzz).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [TAG...]

Build the modules for each kernel TAG of tests/kernels.conf (default: all,
or \$KERNELS; scripts/matrix.sh) and boot each under the guest harness
(tests/harness/run.sh) with only the fuzz scenario (tests/guest/70-fuzz.sh)
and only our modules: tests/fuzz/vduse-fuzz runs VDK_FUZZ_OPS operations
with seed VDK_FUZZ_SEED, or until VDK_FUZZ_TIME seconds have passed.

  VDK_FUZZ_OPS    operations per kernel (default 1000000)
  VDK_FUZZ_SEED   the seed (default: the UTC date, YYYYMMDD; printed)
  VDK_FUZZ_TIME   seconds per kernel at most (default 0: no limit; the
                  scenario's time limit is then derived from VDK_FUZZ_OPS
                  at VDK_FUZZ_RATE operations per second, default 2000, plus
                  10 minutes)
Every kernel runs the same seed. The result lines are the harness's
(PASS/FAIL guest/<tag>/project/fuzz with the fuzzer's summary, and
guest/<tag>/kernel-log from the splat detector); the fuzzer's own log, with
the seed, the op rate every 10 s and, on a failure, the op index and the
command that replays it, is in build/harness/<release>/tap.log.

  -h, --help  this text
EOF
}
case ${1:-} in -h | --help) usage; exit 0 ;; esac
tags=${*:-${KERNELS:-$(vdk_tags)}}
export VDK_FUZZ_OPS=${VDK_FUZZ_OPS:-1000000}
export VDK_FUZZ_SEED=${VDK_FUZZ_SEED:-$(date -u +%Y%m%d)}
export VDK_FUZZ_TIME=${VDK_FUZZ_TIME:-0}
rate=${VDK_FUZZ_RATE:-2000}
case $VDK_FUZZ_OPS$VDK_FUZZ_TIME$rate in
*[!0-9]*) vdk_die "VDK_FUZZ_OPS, VDK_FUZZ_TIME and VDK_FUZZ_RATE are whole numbers" ;;
esac
if [ "$VDK_FUZZ_TIME" -gt 0 ]; then
	limit=$((VDK_FUZZ_TIME + 300))
else
	limit=$((VDK_FUZZ_OPS / rate + 600))
fi
vdk_log "fuzz: seed $VDK_FUZZ_SEED, $VDK_FUZZ_OPS ops$([ "$VDK_FUZZ_TIME" = 0 ] || echo ", at most $VDK_FUZZ_TIME s") per kernel; kernels: $tags; in-guest limit ${limit}s"
# shellcheck disable=SC2086
"$VDK_TOP/scripts/matrix.sh" $tags
VDK_SCENARIOS=fuzz VDK_SETS=project VDK_SCENARIO_TIMEOUT=$limit \
	exec "$VDK_TOP/tests/harness/run.sh" --kernels "$tags"
