#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Harness self-test (VDK_HARNESS_SELFTEST=1): make the guest kernel report a
# problem, which the host's splat detector must turn into a FAIL.
#  1. lkdtm, if the kernel ships it: a real WARN() via provoke-crash/DIRECT.
#  2. else, where a VDUSE module loads: a real hung-task report. The
#     qemu-storage-daemon behind a VDUSE disk is stopped (SIGSTOP) while dd
#     reads the disk with O_DIRECT, so dd waits in D state; with
#     hung_task_timeout_secs=2 khungtaskd prints "INFO: task dd:PID blocked
#     for more than 2 seconds." Then the daemon continues and all is torn
#     down.
#  3. else a "WARNING:" line written to /dev/kmsg (not a kernel report: it
#     only shows the detector reads the guest kernel log).
set -u
say() { echo "[vdk selftest-splat] $*"; }

if modprobe lkdtm 2>/dev/null && [ -w /sys/kernel/debug/provoke-crash/DIRECT ]; then
	say "lkdtm: provoking WARNING"
	echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT
	exit 0
fi

if modprobe vduse 2>/dev/null && modprobe virtio_vdpa && modprobe virtio_blk; then
	say "no lkdtm; raising a hung-task report with a stalled VDUSE daemon ($(modinfo -n vduse))"
	truncate -s 16M /tmp/splat.raw
	qemu-storage-daemon --blockdev driver=file,node-name=f,filename=/tmp/splat.raw \
		--export type=vduse-blk,id=e,node-name=f,name=vdksplat,writable=on,queue-size=256 &
	qsd=$!
	for _ in $(seq 100); do [ -e /dev/vduse/vdksplat ] && break; sleep 0.1; done
	vdpa dev add name vdksplat mgmtdev vduse
	for _ in $(seq 100); do compgen -G '/sys/bus/vdpa/devices/vdksplat/virtio*/block/vd*' >/dev/null && break; sleep 0.1; done
	blk=$(basename /sys/bus/vdpa/devices/vdksplat/virtio*/block/vd*)
	for _ in $(seq 100); do [ -b "/dev/$blk" ] && break; sleep 0.1; done
	echo 2 >/proc/sys/kernel/hung_task_timeout_secs
	kill -STOP $qsd
	dd if="/dev/$blk" of=/dev/null bs=4k count=1 skip=7 iflag=direct status=none &
	dd=$!
	for _ in $(seq 80); do
		dmesg | grep -q 'blocked for more than' && break
		sleep 0.25
	done
	dmesg | grep 'blocked for more than' || say "no hung-task report seen"
	kill -CONT $qsd
	wait $dd
	echo 120 >/proc/sys/kernel/hung_task_timeout_secs
	vdpa dev del vdksplat
	kill -TERM $qsd
	wait $qsd
	rmmod virtio_vdpa vduse vdpa
	exit 0
fi

say "no lkdtm and no VDUSE: writing a WARNING: line to /dev/kmsg instead of a real kernel warning"
echo "<4>WARNING: vdk harness self-test line written to /dev/kmsg (no lkdtm, no VDUSE in this kernel)" >/dev/kmsg
