#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk vhost_vdpa
# vdk-project-modules: vduse
# vdk-bin: vduse-fuzz
# vdk-timeout: 150
#
# The seeded random-sequence fuzzer (tests/fuzz/vduse-fuzz, built by
# tests/fuzz/build-guest.sh) over the whole VDUSE surface of our modules:
# control fd, device fds, messages, IOTLB fds and mmap, UMEM, sysfs, vdpa
# netlink, virtio_vdpa and vhost_vdpa binding, block I/O. Its own checks
# (exact errnos where the outcome is certain, kernel log, every device
# destroyable, no fd or module reference left, slab and MemAvailable back)
# plus the harness's splat detector.
#
# Budget per seed: VDK_FUZZ_TIME seconds (default 45 in make check) or
# VDK_FUZZ_OPS operations (default 1000000), whichever ends first. The seed
# is VDK_FUZZ_SEED (a list runs each in turn), else the UTC date
# (YYYYMMDD): the same on every kernel and for a whole day, printed in the
# TAP log; replay a seed with
#   VDK_FUZZ_SEED=S VDK_SCENARIOS=fuzz VDK_SETS=project tests/harness/run.sh
# or in the guest: /vdk/bin/vduse-fuzz --seed S --ops N --trace.
# make fuzz (scripts/fuzz.sh) runs the long budget. Project set only: the
# in-tree modules are not our subject (a SKIP says so).
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
trap cleanup_vdpa EXIT

[ "$VDK_SET" = project ] || tap_skip "the fuzzer's target is our vduse.ko; the in-tree module is not our subject"
# A hang the fuzzer causes (a probe waiting for its partition read, say)
# does not wedge the guest: its teardown dumps the model and the kernel's
# view, then closes the devices' fds as a killed daemon would, so the
# kernel fences them; the op that hung is still a failure.
seed=${VDK_FUZZ_SEED:-$(date -u +%Y%m%d)}
ops=${VDK_FUZZ_OPS:-1000000}
secs=${VDK_FUZZ_TIME:-45}
load vduse virtio_vdpa virtio_blk
# vhost_vdpa where the kernel or we provide it: the fuzzer binds to it too
if modinfo vhost_vdpa >/dev/null 2>&1; then
	load vhost_vdpa
fi
# Every seed runs; the scenario fails if one did (its log lines in the TAP
# log, "# fuzz-SEED: ...").
failed=
summary=
for s in $seed; do
	tap "# fuzz seed $s, $ops ops at most, ${secs} s at most ($VDK_TAG)"
	log=$VDK_WORK/fuzz-$s.log
	/vdk/bin/vduse-fuzz --seed "$s" --ops "$ops" --time "$secs" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	while IFS= read -r l; do
		tap "# fuzz-$s: $l"
	done <"$log"
	line=$(grep '^# [0-9]* cases:' "$log" | tail -n 1)
	line=${line#\# }
	if [ "$rc" != 0 ] || [ -z "$line" ] || grep -q '^not ok' "$log"; then
		failed="$failed seed $s: ${line:-no summary, status $rc}; $(grep -m1 '^# FAILED\|^not ok' "$log");"
	fi
	summary="$summary${summary:+; }${line:-seed $s: no summary}"
done
say "vduse module references before unloading: $(cat /sys/module/vduse/refcnt)"
ls /sys/class/vduse/ /sys/bus/vdpa/devices/ 2>&1
[ -z "$failed" ] || tap_not_ok "fuzz:$failed"
unload vhost_vdpa virtio_vdpa vduse vdpa
tap_ok "$summary"
