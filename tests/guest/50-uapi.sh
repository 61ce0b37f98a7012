#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa virtio_blk
# vdk-project-modules: vduse
# vdk-bin: vduse-uapi vduse-uapi32
# vdk-timeout: 120
# vdk-in-tree: once
#
# The VDUSE uAPI, driven directly by tests/uapi/vduse-uapi (a static binary
# tests/uapi/build-guest.sh builds for /vdk/bin/): control device, device ioctls,
# the message channel, a ramdisk virtio-blk device served through
# IOTLB_GET_FD + mmap, kick eventfds, interrupt and config interrupt
# injection, UMEM, API version 1, and well over a hundred bad inputs, each
# with the exact errno. The same binary runs in both sets; where our module
# answers differently from the in-tree one by design, the case names its
# row in docs/vduse.md. Every case line goes to the TAP log as a comment;
# one failed case fails the scenario.
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
trap cleanup_vdpa EXIT

load vduse virtio_vdpa virtio_blk
run_uapi core
unload virtio_vdpa vduse vdpa
tap_ok "$PROG_SUMMARY"
