#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk
# vdk-project-modules: vduse
# vdk-bin: vhost_bad
# vdk-timeout: 240
#
# A dead daemon on the container path, three times over: qemu-storage-daemon
# is SIGKILLed while fio writes to the VDUSE disk (32 requests in flight,
# completed out of order; msg_timeout 5 s). fio must end with an error
# within msg_timeout + 10 s of the SIGKILL: its requests fail with I/O
# errors instead of hanging. In rounds 0 and 1 nothing else happens: the
# device is fenced when the reconnect window (msg_timeout) closes; in round
# 2 `vdpa dev del` runs at once and fences it. `vdpa dev del` must complete
# within 60 s and the disk must go away. The daemon never destroyed its
# VDUSE device: VDUSE_DESTROY_DEV (vhost_bad --destroy-vduse) must then
# succeed, and at the end virtio_vdpa, vduse and vdpa must unload. The
# in-tree module hangs in del_gendisk here (docs/vduse.md), which would wedge
# the rest of the boot: the in-tree set is skipped with that reason.
set -u
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh
trap cleanup_vdpa EXIT

[ "$VDK_SET" = project ] ||
	tap_skip "the in-tree VDUSE hangs in del_gendisk when its daemon dies (docs/vduse.md)"

load vduse virtio_vdpa virtio_blk
# ios DISK: the reads and writes DISK has completed
ios() {
	awk '{ print $1 + $5 }' "/sys/block/$1/stat"
}
round() {
	local name=$1 order=$2 disk blk fio_pid rc t0 t_kill limit ios0
	disk=$VDK_WORK/$name.raw
	must "create the backing file" truncate -s $((64 << 20)) "$disk"
	qsd_start "$name" "$disk" ",queue-size=256"
	must "short msg_timeout" eval "echo $msg_timeout >/sys/class/vduse/$name/msg_timeout"
	must "vdpa dev add" vdpa dev add name "$name" mgmtdev vduse
	wait_for 20 "a block device on $name" quiet compgen -G "/sys/bus/vdpa/devices/$name/virtio*/block/vd*"
	blk=$(basename "/sys/bus/vdpa/devices/$name"/virtio*/block/vd*)
	wait_for 10 "/dev/$blk" test -b "/dev/$blk"

	ios0=$(ios "$blk")
	# (never a regular file in /dev/ if the disk is gone before fio opens it)
	fio --name="vdk-dead-$name" --filename="/dev/$blk" --direct=1 --ioengine=libaio \
		--iodepth=32 --rw=randrw --bsrange=4k-256k --size=48M --time_based --runtime=100 \
		--allow_file_create=0 --output="$VDK_WORK/fio-$name.log" &
	fio_pid=$!
	# The daemon dies under I/O: once the disk has completed requests (fio
	# takes seconds to start on a slow kernel), and a moment more.
	wait_for 20 "fio's first I/O on /dev/$blk" eval "[ \$(ios $blk) -gt $ios0 ]"
	sleep 2
	kill -0 "$fio_pid" 2>/dev/null || tap_not_ok "fio ended before the daemon was killed"
	say "killing qemu-storage-daemon (pid $QSD_PID) with SIGKILL under I/O"
	kill -KILL "$QSD_PID"
	t_kill=$SECONDS
	wait "$QSD_PID" 2>/dev/null
	QSD_PID=

	limit=$((msg_timeout + 10))
	if [ "$order" = del-first ]; then
		t0=$SECONDS
		must "vdpa dev del with a dead daemon (60 s limit)" timeout 60 vdpa dev del "$name"
		say "vdpa dev del took $((SECONDS - t0)) s"
	fi
	# wait_for counts polls; the limit is checked against the clock below
	wait_for $((limit + 5)) "fio to end" eval "! kill -0 $fio_pid"
	t0=$((SECONDS - t_kill))
	say "fio ended $t0 s after the SIGKILL (limit: msg_timeout $msg_timeout s + 10 s)"
	[ $t0 -le $limit ] || tap_not_ok "fio ended $t0 s after the SIGKILL, more than msg_timeout + 10 s"
	rc=0
	wait "$fio_pid" || rc=$?
	cat "$VDK_WORK/fio-$name.log"
	[ $rc != 0 ] || tap_not_ok "fio reported success although the device died under it"
	say "fio ended with status $rc (I/O errors expected)"
	tap "# $name ($order): fio ended ${t0} s after the SIGKILL, status $rc"
	if [ "$order" != del-first ]; then
		t0=$SECONDS
		must "vdpa dev del with a dead daemon (60 s limit)" timeout 60 vdpa dev del "$name"
		say "vdpa dev del took $((SECONDS - t0)) s"
	fi
	wait_for 10 "/dev/$blk to go away" test ! -e "/dev/$blk"
	dmesg | grep -E 'vduse.*(fenced|broken|failed [0-9]+ requests)' | tail -n 5
	must "destroy the orphaned VDUSE device $name" /vdk/bin/vhost_bad --destroy-vduse "$name"
	[ ! -e "/dev/vduse/$name" ] || tap_not_ok "/dev/vduse/$name still exists after VDUSE_DESTROY_DEV"
}

# Three rounds: the requests left in flight, and the order in which the
# daemon completed the others, differ from round to round. Rounds 0 and 1
# wait for the reconnect window to close, round 2 deletes at once.
msg_timeout=5
for r in 0 1 2; do
	order=fio-first
	[ $r != 2 ] || order=del-first
	round "vdead$r" $order
done

unload virtio_vdpa vduse vdpa
tap_ok
