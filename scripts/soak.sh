#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# soak.sh: the long run of the load-and-leak scenario (`make soak`).
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--iterations N] [--sets "project in-tree"] [--per-iteration S] [TAG...]

The long mode of the guest scenario "load" (tests/guest/72-load.sh): for
each kernel TAG of tests/kernels.conf (default: 6.1 and 7.2; \`make soak
KERNELS="..."\` passes them) build the modules (scripts/matrix.sh), boot the
kernel under QEMU (tests/harness/run.sh) and run tests/load/vduse-load with
VDK_LOAD_ITERATIONS=N (default 1000): each iteration creates 64 VDUSE
virtio-blk devices with 4 queues, adds them to the vdpa bus, binds 8 to
virtio_vdpa, deletes and destroys them, while fio writes and verifies on a
qemu-storage-daemon disk; then slab objects, free pages and the modules'
reference counts must be back at the warm-up baseline.

  --iterations N     iterations after the warm-up (default 1000)
  --sets SETS        module sets (default "project"; the in-tree set runs
                     only where the kernel has a vDPA bus)
  --per-iteration S  seconds per iteration for the scenario's time limit
                     (default 5; TCG on the 2-core test host measured about
                     2 s, see docs/reliability.md)
  Environment: VDK_LOAD_BIND (devices bound per iteration, default 8),
  VDK_LOAD_LEAK (eventfd, pipe or iotlb: leak on purpose, the run must
  fail), KERNELS.
  -h, --help         this text

Prints the harness's result lines; the figures (iterations, time, memory
before and after) are in build/harness/<KVER>/tap.log ("# load: ..." lines).
Exit status 0 only if every kernel passed.
EOF
}

iterations=1000
sets=project
per_iter=5
tags=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--iterations) iterations=$2; shift 2 ;;
	--sets) sets=$2; shift 2 ;;
	--per-iteration) per_iter=$2; shift 2 ;;
	-*) usage >&2; exit 2 ;;
	*) tags="$tags $1"; shift ;;
	esac
done
case $iterations$per_iter in *[!0-9]* | '') vdk_die "--iterations and --per-iteration take whole numbers" ;; esac
tags=${tags:-${KERNELS:-6.1 7.2}}
tags=$(echo "$tags" | xargs)
for t in $tags; do vdk_kfield "$t" kver >/dev/null; done

# The scenario with a time limit for N iterations, from a folder of its own.
scen=$(mktemp -d)
trap 'rm -rf "$scen"' EXIT
limit=$((300 + iterations * per_iter))
sed "s/^# vdk-timeout: .*/# vdk-timeout: $limit/" "$VDK_TOP/tests/guest/72-load.sh" >"$scen/72-load.sh"
chmod +x "$scen/72-load.sh"

vdk_log "soak: $iterations iterations on $tags (sets: $sets), in-guest limit $limit s"
# shellcheck disable=SC2086
"$VDK_TOP/scripts/matrix.sh" $tags || vdk_die "the modules do not build"
# VDK_LOAD_* reach the guest (tests/harness/run.sh --help)
VDK_SCENARIO_DIR=$scen VDK_SETS=$sets VDK_LOAD_ITERATIONS=$iterations \
	"$VDK_TOP/tests/harness/run.sh" --kernels "$tags"
rc=$?
for t in $tags; do
	k=$(vdk_kfield "$t" kver)
	[ -f "$VDK_TOP/build/harness/$k/tap.log" ] || continue
	echo "== $t ($k)"
	grep -E '^# (load|detail)|baseline|after the loop|ok [0-9]+ - (iterations|slab|free pages|vdpa|vduse)' \
		"$VDK_TOP/build/harness/$k/tap.log" | sed 's/^/   /'
done
exit $rc
