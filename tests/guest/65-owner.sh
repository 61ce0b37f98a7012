#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk
# vdk-project-modules: vduse
# vdk-bin: vduse-own
# vdk-timeout: 90
# vdk-in-tree: once
#
# Unprivileged daemons and device ownership. The guest has no udev, so the
# scenario applies what the package's opt-in rule udev/61-vduse-group.rules
# would (group "vduse", here gid 990, mode 0660) to /dev/vduse/control by
# hand. Users: alice (uid 1000) and bob (uid 1001) are in the group, carol
# (uid 1002) is not; none has a capability.
#  1. carol cannot open /dev/vduse/control (EACCES, the node's mode).
#  2. alice runs qemu-storage-daemon with a vduse-blk export: /dev/vduse/NAME
#     belongs to alice (ours: devtmpfs creates it with the creator's uid;
#     in-tree: root, so her daemon cannot open it without udev), root
#     attaches it (vdpa dev add) and a pattern written to /dev/vdX is read back.
#  3. alice cannot create a virtio-net device (EPERM: CAP_NET_ADMIN needed).
#  4. bob may not touch alice's devices: ours refuses VDUSE_DESTROY_DEV and,
#     even with the node opened up to the group, open() with EPERM; the
#     in-tree module has no owner and lets bob destroy alice's device
#     (docs/vduse.md "device ownership").
#  5. root (CAP_SYS_ADMIN) may destroy any user's device; when alice's
#     daemon has exited her device is gone (qemu-storage-daemon destroys it,
#     or, where it kept it for a reconnect, alice does, and bob still may
#     not); the modules unload.
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
trap cleanup_vdpa EXIT

GID=990
# as_user UID CMD...: exec CMD as UID with the group vduse (no
# capabilities). It replaces the calling shell: use it in $(...) or with &,
# where $! is then CMD's own pid.
as_user() {
	local uid=$1
	shift
	exec setpriv --reuid="$uid" --regid="$uid" --groups="$GID" --inh-caps=-all -- "$@"
}
as_carol() {
	exec setpriv --reuid=1002 --regid=1002 --clear-groups --inh-caps=-all -- "$@"
}
# own WHO OP NAME: the answer of vduse-own OP NAME run as WHO
own() {
	local who=$1
	shift
	case $who in
	root) /vdk/bin/vduse-own "$@" ;;
	carol) as_carol /vdk/bin/vduse-own "$@" ;;
	alice) as_user 1000 /vdk/bin/vduse-own "$@" ;;
	bob) as_user 1001 /vdk/bin/vduse-own "$@" ;;
	esac
}

load vduse virtio_vdpa virtio_blk
[ "$VDK_SET" = project ] && ours=1 || ours=0
# What udev's opt-in group rule does for the control node.
must "control node to group $GID, mode 0660" eval "chgrp $GID /dev/vduse/control && chmod 0660 /dev/vduse/control"

# 1. Outside the group: no access at all.
expect "carol opens the control node" "$(own carol destroy nothing)" EACCES

# 2. alice serves a block device.
disk=$VDK_WORK/alice.raw
must "alice's backing file" truncate -s $((16 << 20)) "$disk"
chown 1000:1000 "$disk"
if [ $ours = 1 ]; then
	say "qemu-storage-daemon as alice (uid 1000, group $GID)"
	as_user 1000 qemu-storage-daemon \
		--blockdev "driver=file,node-name=f,filename=$disk" \
		--export "type=vduse-blk,id=e,node-name=f,name=ualice,writable=on,num-queues=1" \
		>"$VDK_WORK/qsd.log" 2>&1 &
	QSD_PID=$!
	wait_for 10 "/dev/vduse/ualice" test -e /dev/vduse/ualice
	expect "owner and mode of /dev/vduse/ualice" "$(stat -c '%u %a' /dev/vduse/ualice)" "1000 600"
	sleep 1
	kill -0 $QSD_PID 2>/dev/null || tap_not_ok "alice's qemu-storage-daemon exited: $(tail -n 1 "$VDK_WORK/qsd.log")"
	must "vdpa dev add (root)" vdpa dev add name ualice mgmtdev vduse
	wait_for 20 "a block device on ualice" quiet compgen -G '/sys/bus/vdpa/devices/ualice/virtio*/block/vd*'
	blk=$(basename /sys/bus/vdpa/devices/ualice/virtio*/block/vd*)
	wait_for 10 "/dev/$blk" test -b "/dev/$blk"
	head -c 1M /dev/urandom >"$VDK_WORK/pattern"
	must "write a pattern to /dev/$blk" dd if="$VDK_WORK/pattern" of="/dev/$blk" bs=1M oflag=direct status=none
	expect "pattern read back" "$(dd if="/dev/$blk" bs=1M count=1 iflag=direct status=none | sha256sum)" \
		"$(sha256sum <"$VDK_WORK/pattern")"
else
	expect "alice creates a block device" "$(own alice create-blk ualice)" ok
	expect "owner of /dev/vduse/ualice (in-tree: no owner)" "$(stat -c '%u %a' /dev/vduse/ualice)" "0 600"
	expect "alice opens her device's node" "$(own alice open ualice)" EACCES
fi

# 3. No virtio-net without CAP_NET_ADMIN.
expect "alice creates a virtio-net device" "$(own alice create-net unet)" EPERM

# 4. bob and alice's devices.
if [ $ours = 1 ]; then
	expect "bob destroys alice's attached device" "$(own bob destroy ualice)" EPERM
	must "alice's node opened up to the group" eval "chgrp $GID /dev/vduse/ualice && chmod 0660 /dev/vduse/ualice"
	expect "bob opens alice's node" "$(own bob open ualice)" EPERM
	expect "alice creates a second device" "$(own alice create-blk ualice2)" ok
	expect "bob destroys it" "$(own bob destroy ualice2)" EPERM
	expect "alice opens it" "$(own alice open ualice2)" ok
	# 5.
	expect "root destroys it" "$(own root destroy ualice2)" ok
	must "vdpa dev del (root)" timeout 30 vdpa dev del ualice
	must "stop alice's daemon" kill -TERM $QSD_PID
	wait_for 10 "alice's daemon to exit" eval "! kill -0 $QSD_PID"
	QSD_PID=
	cat "$VDK_WORK/qsd.log"
	if [ -e /dev/vduse/ualice ]; then
		# qemu-storage-daemon keeps the device (for a reconnect) when
		# its VDUSE_DESTROY_DEV finds the device file still open.
		say "alice's daemon left /dev/vduse/ualice behind"
		expect "bob destroys it" "$(own bob destroy ualice)" EPERM
		# The daemon's io_uring drops its file references after the
		# exit, from a work item: EBUSY until then.
		wait_for 15 "alice's VDUSE_DESTROY_DEV to succeed" \
			eval '[ "$(own alice destroy ualice)" = ok ]'
	fi
	[ ! -e /dev/vduse/ualice ] || tap_not_ok "/dev/vduse/ualice is still there"
else
	expect "bob destroys alice's device (in-tree: no owner)" "$(own bob destroy ualice)" ok
fi
[ ! -e /dev/vduse/ualice2 ] || own root destroy ualice2 >/dev/null
unload virtio_vdpa vduse vdpa
tap_ok
