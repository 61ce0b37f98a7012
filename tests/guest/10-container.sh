#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk
# vdk-project-modules: vduse
# vdk-timeout: 120
#
# Container path (virtio-vdpa): qemu-storage-daemon exports a 64 MiB raw
# file as a VDUSE block device, `vdpa dev add` binds it to virtio_vdpa, the
# guest kernel sees /dev/vdX of the right size, fio writes and reads back
# with crc32c verification, a deterministic 64 MiB pattern is written and
# read back (with our modules, the device's counters must account for
# exactly those bytes), and after `vdpa dev del` and a clean daemon exit the backing
# file holds exactly the bytes the guest wrote. All vdpa modules unload.
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
want_size=$SIZE
if [ "${VDK_HARNESS_SELFTEST:-0}" = 1 ]; then
	# Harness self-test: a deliberately wrong expectation must fail.
	want_size=$((SIZE + (1 << 20)))
	say "SELF-TEST: expecting a wrong size ($want_size) on purpose"
fi

# Our per-device counters (/sys/class/vduse/vduse0/stats/, project set):
# writing the 64 MiB pattern must bounce exactly those bytes to the device
# (plus 16-byte request headers and indirect descriptor tables: under
# 1 MiB), reading it back the same bytes from it;
# both need kicks and interrupts; nothing may time out or fail.
STATS=/sys/class/vduse/vduse0/stats
declare -A st
stats_snap() {
	local f
	[ "$VDK_SET" = project ] || return 0
	[ -d $STATS ] || tap_not_ok "$STATS is missing"
	for f in kicks irqs bounce_to_dev_bytes bounce_from_dev_bytes msgs \
		msg_errors msg_timeouts failed_reqs map_errors; do
		st[$1.$f]=$(cat $STATS/$f) || tap_not_ok "cannot read $STATS/$f"
	done
}
delta() {	# COUNTER FROM TO
	echo $((${st[$3.$1]} - ${st[$2.$1]}))
}
between() {	# LABEL VALUE MIN MAX
	say "$1: $2 (want $3..$4)"
	if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		tap_not_ok "$1 is $2, not within $3..$4"
	fi
}
stats_check() {
	local mib=$((1 << 20)) n=64
	if [ "$VDK_SET" != project ]; then
		say "counters: the in-tree module has none"
		return 0
	fi
	between "bytes bounced to the device writing ${n} MiB" \
		"$(delta bounce_to_dev_bytes s0 s1)" $((n * mib)) $(((n + 1) * mib))
	between "bytes bounced from the device writing ${n} MiB" \
		"$(delta bounce_from_dev_bytes s0 s1)" 1 $((mib / 16))
	between "bytes bounced from the device reading ${n} MiB" \
		"$(delta bounce_from_dev_bytes s1 s2)" $((n * mib)) $(((n + 1) * mib))
	between "bytes bounced to the device reading ${n} MiB" \
		"$(delta bounce_to_dev_bytes s1 s2)" 1 $((mib))
	between "kicks writing" "$(delta kicks s0 s1)" 1 $((1 << 30))
	between "interrupts writing" "$(delta irqs s0 s1)" 1 $((1 << 30))
	between "kicks reading" "$(delta kicks s1 s2)" 1 $((1 << 30))
	between "interrupts reading" "$(delta irqs s1 s2)" 1 $((1 << 30))
	between "requests to the daemon since the start" "${st[s2.msgs]}" 1 $((1 << 30))
	between "timeouts" "${st[s2.msg_timeouts]}" 0 0
	between "requests that failed" "${st[s2.msg_errors]}" 0 0
	between "block requests failed by the kernel" "${st[s2.failed_reqs]}" 0 0
	between "DMA mappings refused" "${st[s2.map_errors]}" 0 0
	say "counters: $(cd $STATS && grep -H . ./* | sed 's|^\./||' | tr '\n' ' ')"
}

load vduse virtio_vdpa virtio_blk
disk=$VDK_WORK/disk.raw
must "create the backing file" truncate -s $SIZE "$disk"
qsd_start vduse0 "$disk" ",queue-size=256"
[ -d /sys/bus/vdpa/devices/vduse0 ] && tap_not_ok "vduse0 is on the vdpa bus before vdpa dev add"
must "vdpa dev add" vdpa dev add name vduse0 mgmtdev vduse
wait_for 20 "a block device on vduse0" quiet compgen -G '/sys/bus/vdpa/devices/vduse0/virtio*/block/vd*'
blk=$(basename /sys/bus/vdpa/devices/vduse0/virtio*/block/vd*)
drv=$(basename "$(readlink /sys/bus/vdpa/devices/vduse0/driver)")
expect "vduse0's driver" "$drv" virtio_vdpa
wait_for 10 "/dev/$blk" test -b "/dev/$blk"
expect "size of /dev/$blk" "$(blockdev --getsize64 "/dev/$blk")" "$want_size"

# fio: random writes with crc32c headers, then the verify pass reads every
# block back (O_DIRECT, so the reads reach the device). With our modules
# the interrupts take the workqueue path here (irq_inline=N) and the
# default, inline path for the pattern below.
INLINE=/sys/module/vduse/parameters/irq_inline
if [ "$VDK_SET" = project ]; then
	expect "irq_inline default" "$(cat $INLINE)" Y
	must "irq_inline=N" eval "echo N >$INLINE"
fi
must "fio write+verify" fio --name=vdk-verify --filename="/dev/$blk" --direct=1 \
	--ioengine=libaio --iodepth=8 --rw=randwrite --bs=16k --size=16M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
	--output="$VDK_WORK/fio.log"
cat "$VDK_WORK/fio.log"
grep -q 'err= 0' "$VDK_WORK/fio.log" || tap_not_ok "fio reported an error"
[ "$VDK_SET" != project ] || must "irq_inline=Y" eval "echo Y >$INLINE"

# A deterministic 64 MiB pattern over the whole device; its checksum must
# come back through the device and, later, from the backing file.
must "make the pattern" dd if=/dev/urandom of="$VDK_WORK/pattern" bs=1M count=64 status=none
want=$(sha256sum <"$VDK_WORK/pattern" | cut -d' ' -f1)
stats_snap s0
must "write the pattern" dd if="$VDK_WORK/pattern" of="/dev/$blk" bs=1M oflag=direct conv=fsync status=none
stats_snap s1
got=$(dd if="/dev/$blk" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)
expect "sha256 read back from /dev/$blk" "$got" "$want"
stats_snap s2
stats_check

must "vdpa dev del" vdpa dev del vduse0
wait_for 10 "/dev/$blk to go away" test ! -e "/dev/$blk"
qsd_stop
got=$(sha256sum <"$disk" | cut -d' ' -f1)
expect "sha256 of the backing file" "$got" "$want"

unload virtio_vdpa vduse vdpa
tap_ok
