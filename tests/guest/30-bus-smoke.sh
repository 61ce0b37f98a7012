#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vdpa virtio_vdpa
# vdk-project-modules: vdpa virtio_vdpa
# vdk-timeout: 60
# vdk-in-tree: once
#
# Bus smoke: the vdpa bus and virtio_vdpa load, the vdpa netlink family
# answers `vdpa mgmtdev show` / `vdpa dev show` (plain and -j) with exit 0
# and no devices (nothing has registered a management device yet), and
# everything unloads again, taking /sys/bus/vdpa with it. In the project set
# it needs our vdpa.ko and virtio_vdpa.ko (kernels without an in-tree bus);
# in the in-tree set it checks the same against the kernel's own bus.
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# Only inside the test guest (tests/harness/run.sh): never on a host.
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2

[ ! -d /sys/bus/vdpa ] || tap_not_ok "/sys/bus/vdpa exists before loading vdpa"
load vdpa virtio_vdpa
[ -d /sys/bus/vdpa/devices ] || tap_not_ok "no /sys/bus/vdpa/devices after modprobe vdpa"
[ -d /sys/bus/vdpa/drivers/virtio_vdpa ] || tap_not_ok "virtio_vdpa is not registered on the vdpa bus"

for args in "mgmtdev show" "dev show"; do
	# shellcheck disable=SC2086
	out=$(vdpa $args 2>&1) || tap_not_ok "vdpa $args failed (exit $?): $out"
	expect "vdpa $args" "$out" ""
done
# shellcheck disable=SC2086
out=$(vdpa -j mgmtdev show 2>&1) || tap_not_ok "vdpa -j mgmtdev show failed (exit $?): $out"
expect "vdpa -j mgmtdev show" "$out" '{"mgmtdev":{}}'
out=$(vdpa -j dev show 2>&1) || tap_not_ok "vdpa -j dev show failed (exit $?): $out"
expect "vdpa -j dev show" "$out" '{"dev":{}}'

unload virtio_vdpa vdpa
[ ! -e /sys/bus/vdpa ] || tap_not_ok "/sys/bus/vdpa is still there after rmmod vdpa"
tap_ok
