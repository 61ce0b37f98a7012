#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa vhost_vdpa virtio_vdpa
# vdk-project-modules: vduse
# vdk-timeout: 90
#
# VM path (vhost-vdpa): the same VDUSE export, bound explicitly to
# vhost_vdpa (drivers_autoprobe off, driver_override + drivers_probe) while
# virtio_vdpa is loaded too; libblkio's virtio-blk-vhost-vdpa driver in
# qemu-io writes a pattern through /dev/vhost-vdpa-N and reads it back
# verified, and the backing file shows the pattern (and nothing past it).
#
# queue-size=256 on the export (which is also its default): measured here,
# an export with queue-size=128 makes libblkio's blkio_start fail with
# EINVAL on 6.12+deb12, 6.12+deb13 and 7.2 alike (the issue expected only 7.2
# to reject it), while 256 works on all three.
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# Only inside the test guest (tests/harness/run.sh): never on a host.
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
trap cleanup_vdpa EXIT

SIZE=$((64 << 20))
load vduse vhost_vdpa virtio_vdpa
disk=$VDK_WORK/disk.raw
must "create the backing file" truncate -s $SIZE "$disk"
qsd_start vduse0 "$disk" ",queue-size=256"

must "disable vdpa drivers_autoprobe" eval 'echo 0 >/sys/bus/vdpa/drivers_autoprobe'
must "vdpa dev add" vdpa dev add name vduse0 mgmtdev vduse
dev=/sys/bus/vdpa/devices/vduse0
wait_for 10 "$dev" test -d $dev
[ -e $dev/driver ] && tap_not_ok "vduse0 was bound to $(basename "$(readlink $dev/driver)") with autoprobe off"
must "driver_override" eval "echo vhost_vdpa >$dev/driver_override"
must "drivers_probe" eval 'echo vduse0 >/sys/bus/vdpa/drivers_probe'
wait_for 10 "vduse0 to bind" test -e $dev/driver
expect "vduse0's driver" "$(basename "$(readlink $dev/driver)")" vhost_vdpa
compgen -G "$dev/virtio*" >/dev/null && tap_not_ok "a virtio device appeared under vduse0"
wait_for 10 "a vhost-vdpa char device" quiet compgen -G "$dev/vhost-vdpa-*"
vh=$(basename $dev/vhost-vdpa-*)
wait_for 10 "/dev/$vh" test -c "/dev/$vh"

out=$VDK_WORK/qemu-io.log
say "qemu-io: write -P 0xa5 0 1M, read -P 0xa5 0 1M, read -P 0 1M 1M on /dev/$vh"
rc=0
qemu-io --image-opts "driver=virtio-blk-vhost-vdpa,path=/dev/$vh,cache.direct=on" \
	-c 'write -P 0xa5 0 1M' -c 'read -P 0xa5 0 1M' -c 'read -P 0 1M 1M' >"$out" 2>&1 || rc=$?
cat "$out"
[ $rc = 0 ] || tap_not_ok "qemu-io failed (exit $rc): $(head -n 1 "$out")"
grep -q 'Pattern verification failed' "$out" && tap_not_ok "qemu-io: pattern verification failed"
expect "qemu-io writes" "$(grep -c '^wrote 1048576/1048576 bytes at offset 0$' "$out")" 1
expect "qemu-io reads" "$(grep -c '^read 1048576/1048576 bytes at offset' "$out")" 2

must "vdpa dev del" vdpa dev del vduse0
must "re-enable drivers_autoprobe" eval 'echo 1 >/sys/bus/vdpa/drivers_autoprobe'
qsd_stop
want=$(head -c 1M /dev/zero | tr '\0' '\245' | sha256sum | cut -d' ' -f1)
expect "first MiB of the backing file" "$(head -c 1M "$disk" | sha256sum | cut -d' ' -f1)" "$want"
want=$(head -c 1M /dev/zero | sha256sum | cut -d' ' -f1)
expect "second MiB of the backing file" "$(dd if="$disk" bs=1M skip=1 count=1 status=none | sha256sum | cut -d' ' -f1)" "$want"

unload vhost_vdpa virtio_vdpa vduse vdpa
tap_ok
