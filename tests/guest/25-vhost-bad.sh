#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa vhost_vdpa virtio_vdpa
# vdk-project-modules: vduse
# vdk-bin: vhost_bad
# vdk-timeout: 150
# vdk-in-tree: once
#
# vhost-vdpa bad input, a killed user and rebinding: a VDUSE block export
# bound to vhost_vdpa through driver_override;
#  1. /vdk/bin/vhost_bad (tests/vhost/vhost_bad.c) drives /dev/vhost-vdpa-N
#     through its bad-input cases with exact errnos (--ours when vhost_vdpa
#     is our module, --in-tree otherwise) and must report 0 failed;
#  2. qemu-io writes a pattern; the device moves to virtio_vdpa (unbind,
#     driver_override, bind): the pattern is on the new /dev/vdX; and back
#     to vhost_vdpa, where qemu-io reads it once more;
#  3. qemu-io (libblkio virtio-blk-vhost-vdpa) is killed with SIGKILL in
#     the middle of a stream of writes. If qemu-storage-daemon survives, a
#     new qemu-io must write and read back a pattern; if it aborts (libvduse
#     asserts that nothing is in flight at a reset, and the kernel resets the
#     device for a killed user), it must be that assertion, and `vdpa dev
#     del` must still complete and take /dev/vhost-vdpa-N away, and the
#     orphaned VDUSE device must be destroyable (vhost_bad --destroy-vduse).
#     Then every module must unload.
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
dev=/sys/bus/vdpa/devices/vduse0

# bind_to DRIVER: move vduse0 to DRIVER (unbinding it first).
bind_to() {
	local drv=$1 cur
	if [ -e $dev/driver ]; then
		cur=$(basename "$(readlink $dev/driver)")
		must "unbind from $cur" eval "echo vduse0 >/sys/bus/vdpa/drivers/$cur/unbind"
	fi
	must "driver_override $drv" eval "echo $drv >$dev/driver_override"
	must "bind to $drv" eval "echo vduse0 >/sys/bus/vdpa/drivers/$drv/bind"
	wait_for 10 "vduse0 to bind to $drv" test -e $dev/driver
	expect "vduse0's driver" "$(basename "$(readlink $dev/driver)")" "$drv"
}

vhost_node() {
	wait_for 10 "a vhost-vdpa char device" quiet compgen -G "$dev/vhost-vdpa-*"
	vh=$(basename $dev/vhost-vdpa-*)
	wait_for 10 "/dev/$vh" test -c "/dev/$vh"
}

# qemu_io LOG CMD...: qemu-io on /dev/$vh with the given -c commands.
qemu_io() {
	local log=$1 rc=0
	shift
	qemu-io --image-opts "driver=virtio-blk-vhost-vdpa,path=/dev/$vh,cache.direct=on" \
		"$@" >"$log" 2>&1 || rc=$?
	cat "$log"
	[ $rc = 0 ] || cat "$VDK_WORK/qsd.log"
	[ $rc = 0 ] || tap_not_ok "qemu-io $* failed (exit $rc): $(head -n 1 "$log")"
	grep -q 'Pattern verification failed' "$log" && tap_not_ok "qemu-io: pattern verification failed"
	return 0
}

load vduse vhost_vdpa virtio_vdpa virtio_blk
case $(cat /sys/module/vhost_vdpa/taint) in
*O*) impl=--ours ;;
*) impl=--in-tree ;;
esac
say "vhost_vdpa is ${impl#--}"

disk=$VDK_WORK/disk.raw
must "create the backing file" truncate -s $SIZE "$disk"
qsd_start vduse0 "$disk" ",queue-size=256"
# If the daemon dies in step 3, the reset message for the killed user waits
# msg_timeout seconds for a reconnect: 5 s instead of the default 30.
must "short msg_timeout" eval 'echo 5 >/sys/class/vduse/vduse0/msg_timeout'
must "disable vdpa drivers_autoprobe" eval 'echo 0 >/sys/bus/vdpa/drivers_autoprobe'
must "vdpa dev add" vdpa dev add name vduse0 mgmtdev vduse
wait_for 10 "$dev" test -d $dev
must "driver_override vhost_vdpa" eval "echo vhost_vdpa >$dev/driver_override"
must "drivers_probe" eval 'echo vduse0 >/sys/bus/vdpa/drivers_probe'
wait_for 10 "vduse0 to bind" test -e $dev/driver
expect "vduse0's driver" "$(basename "$(readlink $dev/driver)")" vhost_vdpa
vhost_node

# 1. Bad input.
echo "vdk: vhost_bad starts" >/dev/kmsg
out=$VDK_WORK/vhost_bad.log
rc=0
/vdk/bin/vhost_bad $impl "/dev/$vh" >"$out" 2>&1 || rc=$?
cat "$out"
grep '^not ok' "$out" | head -n 3 | while read -r l; do say "FAILED CASE: $l"; done
[ $rc = 0 ] || tap_not_ok "vhost_bad $impl exited $rc: $(grep -m1 '^not ok' "$out" || tail -n 1 "$out")"
summary=$(grep '^vhost_bad: ' "$out")
case $summary in
"vhost_bad: "[1-9]*" passed, 0 failed") say "$summary" ;;
*) tap_not_ok "vhost_bad summary: '$summary'" ;;
esac

# 2. To virtio_vdpa and back.
echo "vdk: rebinding" >/dev/kmsg
qemu_io "$VDK_WORK/pattern.log" -c 'write -P 0xa5 0 1M'
expect "pattern write" "$(grep -c '^wrote 1048576/1048576 bytes at offset 0$' "$VDK_WORK/pattern.log")" 1
want=$(head -c 1M /dev/zero | tr '\0' '\245' | sha256sum | cut -d' ' -f1)
bind_to virtio_vdpa
wait_for 10 "a block device under vduse0" quiet compgen -G "$dev/virtio*/block/vd*"
blk=$(basename $dev/virtio*/block/vd*)
wait_for 10 "/dev/$blk" test -b "/dev/$blk"
got=$(dd if="/dev/$blk" bs=1M count=1 iflag=direct status=none | sha256sum | cut -d' ' -f1)
expect "first MiB through virtio_vdpa (/dev/$blk)" "$got" "$want"
bind_to vhost_vdpa
vhost_node
qemu_io "$VDK_WORK/back.log" -c 'read -P 0xa5 0 1M'
expect "reads back on vhost_vdpa" "$(grep -c '^read 1048576/1048576 bytes at offset 0$' "$VDK_WORK/back.log")" 1

# 3. A user killed in the middle of its I/O.
cmds=()
for i in $(seq 1 40); do cmds+=(-c "write -P 0x5a $((((i % 8) + 8) << 22)) 4M"); done
stdbuf -oL qemu-io --image-opts "driver=virtio-blk-vhost-vdpa,path=/dev/$vh,cache.direct=on" \
	"${cmds[@]}" >"$VDK_WORK/killed.log" 2>&1 &
qpid=$!
wait_for 20 "the first write of the killed qemu-io" grep -q '^wrote ' "$VDK_WORK/killed.log"
kill -0 $qpid 2>/dev/null || tap_not_ok "qemu-io finished its 40 writes before it could be killed"
echo "vdk: killing qemu-io mid-I/O" >/dev/kmsg
must "kill -9 qemu-io mid-I/O" kill -KILL $qpid
wait $qpid 2>/dev/null
say "killed qemu-io after $(grep -c '^wrote ' "$VDK_WORK/killed.log") of 40 writes"
sleep 2
if kill -0 "$QSD_PID" 2>/dev/null; then
	say "qemu-storage-daemon survived: the device must work for a new user"
	qemu_io "$VDK_WORK/after-kill.log" -c 'write -P 0xa5 0 1M' -c 'read -P 0xa5 0 1M'
	expect "writes after the kill" "$(grep -c '^wrote 1048576/1048576 bytes at offset 0$' "$VDK_WORK/after-kill.log")" 1
	expect "reads after the kill" "$(grep -c '^read 1048576/1048576 bytes at offset 0$' "$VDK_WORK/after-kill.log")" 1
	must "vdpa dev del" timeout 60 vdpa dev del vduse0
	qsd_stop
else
	# libvduse asserts that no request is in flight when the driver
	# resets the device, which is what the kernel does for a killed
	# user: the daemon aborts. The kernel must stay sound without it.
	cat "$VDK_WORK/qsd.log"
	grep -q "vduse_queue_disable: Assertion .vq->inuse == 0' failed" "$VDK_WORK/qsd.log" ||
		tap_not_ok "qemu-storage-daemon died when qemu-io was killed: $(tail -n 1 "$VDK_WORK/qsd.log")"
	say "qemu-storage-daemon aborted (libvduse: reset with requests in flight); checking the kernel side"
	QSD_PID=
	must "vdpa dev del without a daemon" timeout 60 vdpa dev del vduse0
	[ ! -e "/dev/$vh" ] || tap_not_ok "/dev/$vh is still there after vdpa dev del"
	# The daemon did not destroy its VDUSE device (which pins vduse.ko).
	must "destroy the orphaned VDUSE device" /vdk/bin/vhost_bad --destroy-vduse vduse0
fi

must "re-enable drivers_autoprobe" eval 'echo 1 >/sys/bus/vdpa/drivers_autoprobe'
unload vhost_vdpa virtio_vdpa vduse vdpa
tap_ok
