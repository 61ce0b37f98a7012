#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa vhost_vdpa
# vdk-project-modules: vduse
# vdk-bin: vduse-uapi vduse-uapi32
# vdk-timeout: 90
# vdk-in-tree: once
#
# The parts of the VDUSE uAPI only vhost-vdpa reaches, driven by
# tests/uapi/vduse-uapi --part vhost: VDUSE_GET_VQ_STATE (VHOST_GET_VRING_BASE,
# answered and failed), VDUSE_UPDATE_IOTLB for the VM's memory (a memfd) and
# the bytes the daemon sees through IOTLB_GET_FD/GET_FD2 + mmap, and with API
# version 1 two address spaces: SET_VQ_GROUP_ASID and per-ASID mappings.
# Needs vhost_vdpa: on 5.10/6.1 the project set runs it once our
# vhost_vdpa.ko is built.
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
trap cleanup_vdpa EXIT

load vduse vhost_vdpa
run_uapi vhost
unload vhost_vdpa vduse vdpa
tap_ok "$PROG_SUMMARY"
