#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa vhost_vdpa virtio_vdpa
# vdk-project-modules: vduse
# vdk-timeout: 180
#
# VM path (vhost-vdpa): the same VDUSE export, bound explicitly to
# vhost_vdpa (drivers_autoprobe off, driver_override + drivers_probe) while
# virtio_vdpa is loaded too; libblkio's virtio-blk-vhost-vdpa driver in
# qemu-io writes a pattern through /dev/vhost-vdpa-N and reads it back
# verified, and the backing file shows the pattern (and nothing past it).
#
# queue-size=256: on 7.2 the in-tree vhost_vdpa rejects the 128-entry queue
# libblkio sets up otherwise (VHOST_SET_VRING_NUM: EINVAL); 6.12 takes both.
set -u
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh
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
must "qemu-io write+read -P 0xa5" qemu-io --image-opts \
	"driver=virtio-blk-vhost-vdpa,path=/dev/$vh,cache.direct=on" \
	-c 'write -P 0xa5 0 1M' -c 'read -P 0xa5 0 1M' -c 'read -P 0 1M 1M' >"$out" 2>&1
cat "$out"
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
