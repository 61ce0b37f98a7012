#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: see VDUSE work on a stock Debian kernel without touching this
# machine's kernel. Builds the modules for Debian 12's kernel, boots that
# kernel under QEMU with them, creates a VDUSE block device with
# qemu-storage-daemon and shows lsblk and a short fio run.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [TAG]

Build vduse-dkms for the kernel TAG of tests/kernels.conf (default 6.1,
Debian 12's kernel, which has no vDPA bus of its own) in its cached chroot,
boot that kernel under QEMU (TCG) with the modules, and inside the guest:
load vdpa, virtio_vdpa and vduse from this package, export a 256 MiB file
with qemu-storage-daemon --export type=vduse-blk, \`vdpa dev add\` it, show
lsblk and a 10 s fio run with crc32c verification, remove it again.

The first run creates what it needs under $VDK_CACHE (a chroot,
the kernel from Debian's archive, a guest root file system): about 10
minutes; later runs take about a minute. Needs root (chroots) and
qemu-system-x86, mmdebstrap, cpio (.ci/run installs them).
Logs: build/demo/.

  -h, --help  this text
EOF
}

case ${1:-} in
-h | --help) usage; exit 0 ;;
-*) usage >&2; exit 2 ;;
esac
tag=${1:-6.1}
kver=$(vdk_kfield "$tag" kver) || vdk_die "no kernel $tag in tests/kernels.conf (tags: $(vdk_tags | xargs))"
[ -n "$kver" ] || vdk_die "no kernel $tag in tests/kernels.conf (tags: $(vdk_tags | xargs))"
[ "$(id -u)" = 0 ] || vdk_die "the demo builds in chroots and needs root"
log=$VDK_TOP/build/demo
mkdir -p "$log"

vdk_log "demo: building the modules for $kver (log build/demo/build.log)"
if ! "$VDK_TOP/scripts/matrix.sh" "$tag" >"$log/build.log" 2>&1; then
	tail -n 20 "$log/build.log" >&2
	vdk_die "building for $kver failed; see $log/build.log"
fi
vdk_log "demo: modules: $(find "$VDK_TOP/build/$kver/out" -name "*.ko" -printf "%f " )"

vdk_log "demo: booting $kver under QEMU (log build/demo/harness.log)"
rc=0
VDK_SCENARIO_DIR=$VDK_TOP/tests/demo VDK_SETS=project \
	"$VDK_TOP/tests/harness/run.sh" --kernels "$tag" >"$log/harness.log" || rc=$?
console=$VDK_TOP/build/harness/$kver/console.log
echo
grep -a '^demo| ' "$console" | sed 's/^demo| //' || true
echo
if [ $rc != 0 ]; then
	grep -E '^(FAIL|PASS)' "$log/harness.log" >&2 || true
	vdk_die "the demo failed; guest console: $console"
fi
vdk_log "demo: done (guest console: $console)"
