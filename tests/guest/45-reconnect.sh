#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk
# vdk-project-modules: vduse
# vdk-timeout: 120
# vdk-in-tree: once
#
# A daemon restarted with its reconnect log resumes the device: qemu-storage-
# daemon exports a 128 MiB file (two queues of 256, msg_timeout 20 s; all
# limits times VDK_SLOW on a debug kernel), bound
# to virtio_vdpa; fio writes 96 MiB at random (4-64 KiB blocks, queue depth
# 16, crc32c and fio's block header in every block) and then reads every
# block back and verifies it. qemu-storage-daemon is SIGKILLed while fio
# runs, at least once and twice if fio still runs by then (3 s after fio
# starts and 2 s after the daemon is back), each time
# at a moment when /sys/block/vdX/inflight is not zero, and each time
# started again with the same arguments 1 s later: libvduse finds the device
# (VDUSE_CREATE_DEV EEXIST), reopens /dev/vduse/NAME inside the reconnect window, reads the
# rings (VDUSE_VQ_GET_INFO) and resubmits what its log
# ($TMPDIR/vduse-blk-ID) says was in flight. fio must end with status 0, no
# I/O error and no verify failure; the kernel must not have fenced the
# device; after `vdpa dev del` and a clean exit of the daemon the backing
# file holds exactly what the device returned. All vdpa modules unload.
# VDK_RECONNECT_DELAY=S (default 1) waits S seconds before the restart:
# beyond msg_timeout ours fences the device and the scenario must fail.
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
trap cleanup_vdpa EXIT

name=vrecon
slow=${VDK_SLOW:-1}
msg_timeout=$((20 * slow))
delay=${VDK_RECONNECT_DELAY:-1}
disk=$VDK_WORK/$name.raw

load vduse virtio_vdpa virtio_blk
must "create the backing file" truncate -s $((128 << 20)) "$disk"
qsd_start "$name" "$disk" ",queue-size=256"
recon_pid=$QSD_PID
must "msg_timeout $msg_timeout" eval "echo $msg_timeout >/sys/class/vduse/$name/msg_timeout"
must "vdpa dev add" vdpa dev add name "$name" mgmtdev vduse
wait_for 20 "a block device on $name" quiet compgen -G "/sys/bus/vdpa/devices/$name/virtio*/block/vd*"
blk=$(basename "/sys/bus/vdpa/devices/$name"/virtio*/block/vd*)
wait_for 10 "/dev/$blk" test -b "/dev/$blk"
log=$(compgen -G "${TMPDIR:-/tmp}/vduse-blk-*" | head -n 1)
[ -n "$log" ] || tap_not_ok "qemu-storage-daemon made no reconnect log ${TMPDIR:-/tmp}/vduse-blk-*"
say "reconnect log: $log ($(stat -c %s "$log") bytes)"

dmesg_mark="vdk-reconnect-$$"
echo "$dmesg_mark" >/dev/kmsg

fio --name=vdk-reconnect --filename="/dev/$blk" --direct=1 --ioengine=libaio \
	--iodepth=16 --rw=randwrite --bsrange=4k-64k --size=96M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
	--eta=never --output="$VDK_WORK/fio.log" &
fio_pid=$!

# daemon_alive: the restarted daemon has /dev/vduse/NAME open again
daemon_alive() {
	local f
	for f in "/proc/$QSD_PID/fd"/*; do
		[ "$(readlink "$f")" != "/dev/vduse/$name" ] || return 0
	done
	return 1
}

# in_flight: requests of the disk in flight now (sets inflight)
in_flight() {
	inflight=$(awk '{ print $1 + $2 }' "/sys/block/$blk/inflight")
	[ "$inflight" -gt 0 ]
}

kills=0
for at in 3 2; do
	sleep "$at"
	# the kill lands while requests are in flight
	t0=$SECONDS
	until in_flight || ! kill -0 "$fio_pid" 2>/dev/null || [ $((SECONDS - t0)) -ge $((5 * slow)) ]; do
		sleep 0.02
	done
	kill -0 "$fio_pid" 2>/dev/null || break
	[ "$inflight" -gt 0 ] || tap_not_ok "fio runs but no request was in flight for $((5 * slow)) s"
	say "SIGKILL qemu-storage-daemon (pid $QSD_PID), $inflight requests in flight"
	kill -KILL "$QSD_PID"
	wait "$QSD_PID" 2>/dev/null
	kills=$((kills + 1))
	cp "$VDK_WORK/qsd.log" "$VDK_WORK/qsd-$kills.log"
	[ -e "$log" ] || tap_not_ok "the reconnect log $log is gone after the SIGKILL"
	sleep "$delay"
	t0=$SECONDS
	qsd_start "$name" "$disk" ",queue-size=256"
	until daemon_alive; do
		kill -0 "$QSD_PID" 2>/dev/null ||
			tap_not_ok "the restarted qemu-storage-daemon exited: $(tail -n 2 "$VDK_WORK/qsd.log")"
		[ $((SECONDS - t0)) -lt $((10 * slow)) ] ||
			tap_not_ok "the restarted daemon did not reopen /dev/vduse/$name in $((10 * slow)) s"
		sleep 0.1
	done
	say "restarted as pid $QSD_PID ($((SECONDS - t0)) s); $inflight requests were in flight"
	tap "# kill $kills: $inflight requests in flight, daemon back after ${delay} s + $((SECONDS - t0)) s"
done
[ "$kills" -ge 1 ] || tap_not_ok "fio ended before the daemon could be killed"

wait_for 120 "fio to end" eval "! kill -0 $fio_pid"
rc=0
wait "$fio_pid" || rc=$?
cat "$VDK_WORK/fio.log"
[ "$rc" = 0 ] || tap_not_ok "fio failed across the restart (status $rc): $(grep -m1 -iE 'error|verify' "$VDK_WORK/fio.log")"
grep -q 'err= 0' "$VDK_WORK/fio.log" || tap_not_ok "fio reported an error across the restart"
grep -qi 'verify: bad' "$VDK_WORK/fio.log" && tap_not_ok "fio found a bad block"
say "fio: status 0, err= 0, every block verified"
! dmesg | sed -n "/$dmesg_mark/,\$p" | grep -E 'vduse.*(fenced|broken|failed [0-9]+ requests)' ||
	tap_not_ok "the kernel gave up on the device although its daemon came back"
kill -0 "$QSD_PID" 2>/dev/null || tap_not_ok "the restarted qemu-storage-daemon died: $(tail -n 3 "$VDK_WORK/qsd.log")"

got=$(dd if="/dev/$blk" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)
must "vdpa dev del" timeout 60 vdpa dev del "$name"
wait_for 10 "/dev/$blk to go away" test ! -e "/dev/$blk"
qsd_stop
[ ! -e "/dev/vduse/$name" ] || tap_not_ok "/dev/vduse/$name still exists after the daemon's exit"
want=$(sha256sum <"$disk" | cut -d' ' -f1)
expect "sha256 of the backing file against what the device returned" "$want" "$got"
[ "$recon_pid" != "$QSD_PID" ] || tap_not_ok "the daemon was never restarted"
unload virtio_vdpa vduse vdpa
tap_ok "$kills restarts under fio, verify intact"
