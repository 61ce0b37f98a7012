#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk
# vdk-project-modules: vduse vdpa virtio_vdpa
# vdk-timeout: 180
#
# `make demo`, inside the guest: this package's modules on a stock Debian
# kernel, a 256 MiB VDUSE block device served by qemu-storage-daemon, bound
# to virtio_vdpa so it shows up as /dev/vdX; lsblk and a short fio run.
# Every line meant for the user starts with "demo| ".
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
trap cleanup_vdpa EXIT

show() {
	echo "demo| \$ $*"
	"$@" 2>&1 | sed 's/^/demo|   /'
	return "${PIPESTATUS[0]}"
}

echo "demo| kernel $(uname -r); loading vduse-dkms modules"
load vduse virtio_vdpa virtio_blk
for m in vdpa virtio_vdpa vduse; do
	echo "demo|   $m from $(modinfo -n "$m")"
done
disk=$VDK_WORK/disk.raw
must "create the backing file" truncate -s $((256 << 20)) "$disk"
echo "demo| qemu-storage-daemon --export type=vduse-blk,name=vduse0,... (256 MiB file)"
qsd_start vduse0 "$disk" ",queue-size=256"
show vdpa mgmtdev show || tap_not_ok "vdpa mgmtdev show failed"
show vdpa dev add name vduse0 mgmtdev vduse || tap_not_ok "vdpa dev add failed"
wait_for 20 "a block device on vduse0" quiet compgen -G '/sys/bus/vdpa/devices/vduse0/virtio*/block/vd*'
blk=$(basename /sys/bus/vdpa/devices/vduse0/virtio*/block/vd*)
wait_for 10 "/dev/$blk" test -b "/dev/$blk"
show vdpa dev show vduse0
show lsblk "/dev/$blk"
echo "demo| \$ fio --filename=/dev/$blk --rw=randrw --bs=4k --iodepth=16 --runtime=10 ... (with crc32c verify)"
fio --name=demo --filename="/dev/$blk" --direct=1 --ioengine=libaio \
	--iodepth=16 --rw=randrw --bs=4k --size=64M --time_based --runtime=10 \
	--verify=crc32c --verify_fatal=1 --verify_state_save=0 \
	--output="$VDK_WORK/fio.log" || { cat "$VDK_WORK/fio.log"; tap_not_ok "fio failed"; }
grep -E '^ *(read|write):|err=' "$VDK_WORK/fio.log" | sed 's/^ */demo|   /'
grep -q 'err= 0' "$VDK_WORK/fio.log" || tap_not_ok "fio reported an error"
show vdpa dev del vduse0 || tap_not_ok "vdpa dev del failed"
qsd_stop >/dev/null
echo "demo| device removed, daemon exited cleanly"
tap_ok
