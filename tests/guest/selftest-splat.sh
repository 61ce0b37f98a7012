#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Harness self-test (VDK_HARNESS_SELFTEST=1): make the guest kernel report a
# problem, which the host's splat detector must turn into a FAIL.
#  1. lkdtm, if the kernel ships it: a real WARN() via provoke-crash/DIRECT.
#     (No Debian kernel of the matrix has CONFIG_LKDTM.)
#  2. else a real hung-task report: a writer blocks on a frozen ext4 (loop
#     device, fsfreeze -f) in TASK_UNINTERRUPTIBLE; with
#     hung_task_timeout_secs=2 khungtaskd prints "INFO: task ...:PID blocked
#     for more than 2 seconds." Then the filesystem thaws and all is torn
#     down. (A reader stuck on a stopped VDUSE daemon does not work for this:
#     blk_wait_io() waits in slices of half the hung-task timeout precisely so
#     that slow I/O is never reported.)
#  3. else a "WARNING:" line written to /dev/kmsg (then it only shows the
#     detector reads the guest kernel log, and says so).
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ] || [ ! -f /vdk/config ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	[ -f /vdk/config ] || echo "(runs only inside the vduse-dkms test guest)"
	exit 0
fi
say() { echo "[vdk selftest-splat] $*"; }

if modprobe lkdtm 2>/dev/null && [ -w /sys/kernel/debug/provoke-crash/DIRECT ]; then
	say "lkdtm: provoking WARNING"
	echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT
	exit 0
fi

report() {
	dmesg | grep -q 'blocked for more than'
}

if modprobe loop && modprobe ext4 && truncate -s 32M /tmp/splat.img &&
	mkfs.ext4 -q -F /tmp/splat.img && mkdir -p /tmp/frozen &&
	mount -t ext4 -o loop /tmp/splat.img /tmp/frozen; then
	say "no lkdtm: raising a hung-task report with a writer on a frozen ext4"
	old=$(cat /proc/sys/kernel/hung_task_timeout_secs)
	echo 2 >/proc/sys/kernel/hung_task_timeout_secs
	fsfreeze -f /tmp/frozen
	(echo frozen >/tmp/frozen/blocked) &
	writer=$!
	for _ in $(seq 120); do
		report && break
		sleep 0.25
	done
	fsfreeze -u /tmp/frozen
	wait $writer
	echo "$old" >/proc/sys/kernel/hung_task_timeout_secs
	umount /tmp/frozen
	if report; then
		say "hung-task report raised: $(dmesg | grep 'blocked for more than' | head -n 1)"
		exit 0
	fi
	say "no hung-task report came"
fi

say "no lkdtm and no hung-task report: writing a WARNING: line to /dev/kmsg instead of a real kernel warning"
echo "<4>WARNING: vdk harness self-test line written to /dev/kmsg (no real kernel report could be raised)" >/dev/kmsg
