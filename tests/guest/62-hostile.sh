#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk
# vdk-project-modules: vduse
# vdk-bin: vduse-hostile
# vdk-timeout: 150
#
# A VDUSE daemon that misbehaves on purpose (tests/hostile/vduse-hostile,
# built by tests/hostile/build-guest.sh): answers with wrong request ids,
# twice, late or for requests never sent; stops answering while the driver
# binds; sets absurd queue sizes; asks for IOTLB fds of unmapped and
# overlapping ranges and touches memory past a region's end; closes its kick
# eventfd under I/O; floods interrupt injections; tries to destroy the bound
# device; gets stuck with I/O in flight during vdpa dev del; completes
# requests out of order and dies. Each case asserts its exact outcome (errno,
# timing, device state, kernel log lines); the harness fails the boot on any
# kernel warning. Runs in both sets; the cases the in-tree module cannot
# survive are skipped with their row in docs/vduse.md. docs/reliability.md
# lists the cases.
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
trap cleanup_vdpa EXIT

bin=/vdk/bin/vduse-hostile
log=$VDK_WORK/hostile.log
[ -x $bin ] || tap_not_ok "$bin is missing (tests/hostile/build-guest.sh failed on the host?)"
load vduse virtio_vdpa virtio_blk
$bin --set "$VDK_SET" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
while IFS= read -r l; do
	tap "# hostile: $l"
done <"$log"
summary=$(grep '^# [0-9]* cases:' "$log" | tail -n 1)
[ -n "$summary" ] || tap_not_ok "vduse-hostile ended without its summary (status $rc): $(tail -n 1 "$log")"
[ "$rc" = 0 ] || tap_not_ok "vduse-hostile:${summary#\#}; first failure: $(grep -m1 '^not ok' "$log")"
! grep -q '^not ok' "$log" || tap_not_ok "a case failed but the status was 0"
say "vduse module references before unloading: $(cat /sys/module/vduse/refcnt)"
ls /sys/class/vduse/ /sys/bus/vdpa/devices/ 2>&1
unload virtio_vdpa vduse vdpa
say "vduse-hostile:${summary#\#}"
tap_ok
