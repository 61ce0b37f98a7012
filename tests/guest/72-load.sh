#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk
# vdk-project-modules: vduse
# vdk-bin: vduse-load
# vdk-timeout: 150
# vdk-in-tree: once
#
# Load and leaks: tests/load/vduse-load creates 64 VDUSE virtio-blk devices
# with 4 virtqueues each, serves them from one epoll thread, adds them to
# the vdpa bus over netlink, binds 8 of them to virtio_vdpa (a disk appears,
# one read is checked), deletes and destroys them, in a loop; meanwhile fio
# writes and verifies (crc32c, verify_backlog) on a separate
# qemu-storage-daemon disk. After a warm-up iteration and after the loop the
# program shrinks the caches and compares slab objects, free pages, the
# vduse/vdpa/iova/virtio caches and the modules' reference counts with the
# baseline (tolerances in tests/load/vduse-load.c). fio must end without an
# error, with data written and verified; all vdpa modules unload.
# VDK_LOAD_ITERATIONS (default 20, the short budget of make check, divided
# by VDK_SLOW on a debug kernel, where VDK_LOAD_MEMCHECK=0 reports memory
# without asserting it; make soak sets 1000), VDK_LOAD_BIND (default 8)
# and VDK_LOAD_LEAK (eventfd, pipe or iotlb: leak on purpose, the scenario
# must fail) come from the harness's environment.
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
fio_pid=
# shellcheck disable=SC2317  # the EXIT trap calls it
stop_fio() {
	[ -z "$fio_pid" ] || { kill -INT "$fio_pid" 2>/dev/null; wait "$fio_pid" 2>/dev/null; }
	fio_pid=
}
trap 'stop_fio; cleanup_vdpa' EXIT

# A debug kernel binds a disk 20-30 times slower: fewer iterations there.
# Their tolerance (64 x 5 / 2 = 160 objects per cache) is below the growth
# that is not per iteration (kmalloc-8 +334 on 6.1-debug; up to +393 with
# 20 iterations on stock kernels), so the memory figures are printed, not
# asserted; kmemleak looks for leaks on that kernel instead.
slow=${VDK_SLOW:-1}
export VDK_LOAD_ITERATIONS=${VDK_LOAD_ITERATIONS:-$((20 / slow > 3 ? 20 / slow : 3))}
[ "$slow" = 1 ] || export VDK_LOAD_MEMCHECK=${VDK_LOAD_MEMCHECK:-0}
name=vlfio
disk=$VDK_WORK/$name.raw

load vduse virtio_vdpa virtio_blk
# every block of the backing file exists before the baseline is taken
must "create the backing file" dd if=/dev/zero of="$disk" bs=1M count=64 status=none
qsd_start "$name" "$disk" ",queue-size=128"
must "bounce_size 1 MiB" eval "echo 1048576 >/sys/class/vduse/$name/bounce_size"
must "vdpa dev add" vdpa dev add name "$name" mgmtdev vduse
wait_for 20 "a block device on $name" quiet compgen -G "/sys/bus/vdpa/devices/$name/virtio*/block/vd*"
blk=$(basename "/sys/bus/vdpa/devices/$name"/virtio*/block/vd*)
wait_for 10 "/dev/$blk" test -b "/dev/$blk"

# Runs until the load test is done (SIGINT): every block written is read
# back and checked while the loop runs.
fio --name=vdk-load-io --filename="/dev/$blk" --direct=1 --ioengine=libaio \
	--iodepth=16 --rw=randwrite --bs=4k --size=32M --time_based --runtime=100000 \
	--verify=crc32c --verify_backlog=256 --verify_fatal=1 --verify_state_save=0 \
	--eta=never --output-format=terse --output="$VDK_WORK/fio.terse" &
fio_pid=$!
sleep 2
kill -0 "$fio_pid" 2>/dev/null || tap_not_ok "fio ended at once: $(cat "$VDK_WORK/fio.terse")"

t0=$SECONDS
run_prog load /vdk/bin/vduse-load
t_load=$((SECONDS - t0))

kill -0 "$fio_pid" 2>/dev/null || tap_not_ok "fio ended during the load test: $(cut -d';' -f1-6 "$VDK_WORK/fio.terse")"
kill -INT "$fio_pid"
rc=0
wait "$fio_pid" || rc=$?
fio_pid=
# fio ends with 128 when a signal stops it, 1 on an error
[ "$rc" = 0 ] || [ "$rc" = 128 ] || tap_not_ok "fio failed during the load test (status $rc)"
# the terse line (version 3); fio's "terminating on signal" line comes first
IFS=';' read -r -a f <<<"$(grep '^3;' "$VDK_WORK/fio.terse")"
[ "${#f[@]}" -gt 47 ] || tap_not_ok "no terse result from fio: $(cat "$VDK_WORK/fio.terse")"
say "fio: error ${f[4]}, ${f[5]} KiB read back and verified, ${f[46]} KiB written"
[ "${f[4]}" = 0 ] || tap_not_ok "fio reported error ${f[4]} during the load test"
if [ "${f[5]:-0}" -le 0 ] || [ "${f[46]:-0}" -le 0 ]; then
	tap_not_ok "fio wrote ${f[46]:-?} KiB and verified ${f[5]:-?} KiB: no I/O ran during the load test"
fi
tap "# load: fio wrote ${f[46]} KiB and verified ${f[5]} KiB meanwhile; $t_load s for $VDK_LOAD_ITERATIONS iterations"

must "vdpa dev del" timeout 60 vdpa dev del "$name"
qsd_stop
say "vduse module references before unloading: $(cat /sys/module/vduse/refcnt)"
unload virtio_vdpa vduse vdpa
tap_ok "$PROG_SUMMARY; fio wrote ${f[46]} KiB, verified ${f[5]} KiB"
