#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk
# vdk-project-modules: vduse
# vdk-timeout: 90
# vdk-in-tree: once
#
# iproute2's `vdpa` against a VDUSE block device: the JSON (`-j`) output of
# mgmtdev show, dev show and dev config show must be exactly what the
# in-tree bus of 6.12 and 7.2 gives for the same device (pinned below, taken
# from those kernels), and bad requests must get the same errno ("kernel
# answers: ..."). Extack wording is ours and not compared. One deliberate
# difference (docs/vduse.md): `vdpa dev add` of a name no VDUSE device has
# is EINVAL in-tree and ENODEV with our VDUSE. Run with the guest's iproute2
# (trixie, 6.15) and, where the harness supplies it, bookworm's (6.1).
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
trap cleanup_vdpa EXIT

load vduse virtio_vdpa virtio_blk
disk=$VDK_WORK/disk.raw
must "create the backing file" truncate -s $((64 << 20)) "$disk"
qsd_start vduse0 "$disk" ",queue-size=256"
must "vdpa dev add" vdpa dev add name vduse0 mgmtdev vduse
wait_for 20 "a block device on vduse0" quiet compgen -G '/sys/bus/vdpa/devices/vduse0/virtio*/block/vd*'

bad=0
check() {
	if [ "$2" = "$3" ]; then
		say "$1: $2 (as expected)"
	else
		say "MISMATCH $1: got '$2', expected '$3'"
		bad=$((bad + 1))
	fi
}

run_checks() {
	VDPA=$1
	mgmt='{"mgmtdev":{"vduse":{"supported_classes":["net","block"],"max_supported_vqs":0,"dev_features":[]}}}'
	check "$VDPA -j mgmtdev show" "$($VDPA -j mgmtdev show 2>&1)" "$mgmt"
	check "$VDPA -j mgmtdev show vduse" "$($VDPA -j mgmtdev show vduse 2>&1)" "$mgmt"
	check "$VDPA -j dev show" "$($VDPA -j dev show 2>&1)" \
		'{"dev":{"vduse0":{"type":"block","mgmtdev":"vduse","vendor_id":0,"max_vqs":2,"max_vq_size":256}}}'
	check "$VDPA -j dev config show vduse0" "$($VDPA -j dev config show vduse0 2>&1)" \
		'{"config":{"vduse0":{}}}'

	# The errno iproute2 reports for a refused request.
	answer() {
		$VDPA "$@" 2>&1 | sed -n 's/^kernel answers: //p' | head -n 1
	}
	nosuch=ENODEV
	[ "$VDK_SET" = in-tree ] && nosuch=EINVAL
	declare -A strerr=([EEXIST]="File exists" [ENODEV]="No such device"
		[EINVAL]="Invalid argument" [EOPNOTSUPP]="Operation not supported")
	while read -r want args; do
		[ "$want" = NOSUCH ] && want=$nosuch
		# shellcheck disable=SC2086
		check "$VDPA $args" "$(answer $args)" "${strerr[$want]}"
	done <<'CASES'
EEXIST dev add name vduse0 mgmtdev vduse
NOSUCH dev add name nosuch mgmtdev vduse
ENODEV dev add name x mgmtdev nosuchmgmt
EOPNOTSUPP dev add name vduse0 mgmtdev vduse mac 00:11:22:33:44:55
EOPNOTSUPP dev add name y mgmtdev vduse mtu 1500
EINVAL dev add name vduse0 mgmtdev vduse max_vqp 0
ENODEV dev del nosuch
ENODEV dev show nosuch
ENODEV dev config show nosuch
ENODEV mgmtdev show nosuch
EOPNOTSUPP dev vstats show vduse0 qidx 0
CASES
}

run_checks vdpa
if [ -x /vdk/bin/vdpa-bookworm ]; then
	run_checks /vdk/bin/vdpa-bookworm
else
	bad=$((bad + 1))
	say "MISMATCH: no bookworm vdpa binary from the harness (host's /usr/sbin/vdpa, iproute2 6.1): not checked"
fi

must "vdpa dev del" vdpa dev del vduse0
check "vdpa -j dev show after del" "$(vdpa -j dev show 2>&1)" '{"dev":{}}'
[ "$bad" = 0 ] || tap_not_ok "$bad vdpa answers differ from the in-tree bus (see MISMATCH lines)"
tap_ok
