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

load vduse virtio_vdpa virtio_blk
run_prog hostile /vdk/bin/vduse-hostile --set "$VDK_SET"
say "vduse module references before unloading: $(cat /sys/module/vduse/refcnt)"
ls /sys/class/vduse/ /sys/bus/vdpa/devices/ 2>&1
unload virtio_vdpa vduse vdpa
tap_ok "$PROG_SUMMARY"
