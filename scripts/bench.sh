#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: the benchmark (`make bench`): ours against the in-tree VDUSE,
# NBD, null_blk and the vhost-vdpa path, one guest boot per kernel.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--kernels "TAG..."] [--reps N] [--runtime S] [--ramp S]
                [--paths "PATH..."] [--workloads "WL..."] [--no-build]
                [--report-only] [--no-docs]

Build the modules (scripts/matrix.sh, unless --no-build), then boot each
kernel (default: all of tests/kernels.conf, or \$KERNELS) once under QEMU
through tests/harness/run.sh, one guest at a time, with the benchmark
scenario tests/bench/10-bench.sh: one null backend (qemu-storage-daemon
null-co, read-zeroes=off, 1 GiB, 512-byte blocks, 2 queues of 256) behind
every path, the paths interleaved (A B C D ... A B C D ...) N times:
  vduse         ours: vduse-blk export, our vduse + virtio_vdpa, /dev/vdX
  vduse-wq      ours with irq_inline=N (interrupts through the workqueue, as
                in-tree); not in the default set, name it in --paths
  vduse-intree  the kernel's own vduse (6.12, 7.2), swapped in the same boot
  nbd           the same daemon's NBD export, the kernel NBD client
  null_blk      the kernel's null_blk (memory_backed=0, irqmode=1): the ceiling
  vhost         ours through vhost_vdpa, driven through libblkio's
                virtio-blk-vhost-vdpa driver by tests/bench/blkio-bench.c
  vhost-intree  the same with the in-tree vduse (6.12, 7.2)
Workloads (fio, libaio, direct=1, time_based): rr4k-qd1, rr4k-qd32,
rw4k-qd32, sr128k-qd8, rr4k-qd32-2j (numjobs=2); blkio-bench runs the same
on the vhost paths (time-based, the same ramp, a queue per job).

Results: build/bench/results-<tag>.txt (the guest's "# bench:" lines and
the host's load), copied to docs/benchmarks-data/<tag>.txt; then
scripts/bench-report.py writes docs/benchmarks.md and the plots
docs/benchmarks-<tag>.png from every docs/benchmarks-data/*.txt (so a run
of one kernel replaces only that kernel's figures). Installs gnuplot-nox
(and python3) from the host's Debian suite if missing. Not part of make
check. About 12-14 minutes per kernel with in-tree VDUSE (6 paths), ~9 for
5.10/6.1 (4 paths) with the defaults under TCG.

  --kernels TAGS    kernels (tags of tests/kernels.conf)
  --reps N          repetitions of each path (default \$VDK_BENCH_REPS or 3)
  --runtime S       runtime per measurement (default \$VDK_BENCH_RUNTIME or 5)
  --ramp S          ramp time (default \$VDK_BENCH_RAMP or 1)
  --paths P         only these paths (default all that exist on the kernel)
  --workloads W     only these workloads
  --no-build        use build/<KVER>/out/ as it is
  --report-only     no guest: rebuild the report from docs/benchmarks-data/
  --no-docs         leave docs/ alone (results stay in build/bench/)
  -h, --help        this text
Only ratios measured in the same run (same boot) mean anything: the host is
shared and TCG is slow; the results record the host's load.
EOF
}

tags=${KERNELS:-}
reps=${VDK_BENCH_REPS:-3}
runtime=${VDK_BENCH_RUNTIME:-5}
ramp=${VDK_BENCH_RAMP:-1}
paths=${VDK_BENCH_PATHS:-}
workloads=${VDK_BENCH_WORKLOADS:-}
build=1
guests=1
docs=1
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--kernels) tags=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--runtime) runtime=$2; shift 2 ;;
	--ramp) ramp=$2; shift 2 ;;
	--paths) paths=$2; shift 2 ;;
	--workloads) workloads=$2; shift 2 ;;
	--no-build) build=0; shift ;;
	--report-only) guests=0; shift ;;
	--no-docs) docs=0; shift ;;
	*) usage >&2; exit 2 ;;
	esac
done
for v in "$reps" "$runtime" "$ramp"; do
	case $v in '' | *[!0-9]* | 0) vdk_die "--reps/--runtime/--ramp take positive integers, not '$v'" ;; esac
done
tags=$(echo "${tags:-$(vdk_tags)}" | xargs)
for t in $tags; do vdk_kfield "$t" kver >/dev/null; done

OUT=$VDK_TOP/build/bench
DATA=$VDK_TOP/docs/benchmarks-data
mkdir -p "$OUT"

# The report's tools, from the host's own suite (bookworm here).
need_pkgs() {
	local p missing=
	command -v gnuplot >/dev/null || missing="$missing gnuplot-nox"
	command -v python3 >/dev/null || missing="$missing python3"
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		vdk_log "bench: missing$missing and not root: the report may lack its plots"
		return 0
	fi
	vdk_log "bench: installing$missing (apt-get, the host's suite)"
	for p in $missing; do
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" >/dev/null 2>&1; } ||
			vdk_log "bench: could not install $p"
	done
}

report() {
	local dst=$OUT/report
	need_pkgs
	command -v python3 >/dev/null || vdk_die "python3 is needed for the report"
	if [ $docs = 1 ]; then
		python3 "$VDK_TOP/scripts/bench-report.py" --data "$DATA" --out "$VDK_TOP/docs"
		vdk_log "bench: report in docs/benchmarks.md"
	else
		mkdir -p "$dst"
		python3 "$VDK_TOP/scripts/bench-report.py" --data "$OUT" --out "$dst"
		vdk_log "bench: report in $dst/benchmarks.md"
	fi
}

if [ $guests = 0 ]; then
	report
	exit 0
fi

if [ $build = 1 ]; then
	vdk_log "bench: building the modules for $tags (scripts/matrix.sh, log build/bench/matrix.log)"
	# shellcheck disable=SC2086
	"$VDK_TOP/scripts/matrix.sh" $tags >"$OUT/matrix.log" 2>&1 ||
		{ tail -n 20 "$OUT/matrix.log" >&2; vdk_die "the build failed; see $OUT/matrix.log"; }
fi

# The scenario with its in-guest time limit worked out from the knobs:
# per path and repetition, each workload takes runtime + ramp + about 6 s
# (fio or blkio-bench start-up under TCG), plus about 20 s to set the path
# up and down; 6 paths at most.
scen=$OUT/scenarios
rm -rf "$scen"
mkdir -p "$scen"
nwl=$(echo "${workloads:-rr4k-qd1 rr4k-qd32 rw4k-qd32 sr128k-qd8 rr4k-qd32-2j}" | wc -w)
npath=$(echo "${paths:-a b c d e f}" | wc -w)
limit=$((180 + reps * npath * (nwl * (runtime + ramp + 6) + 20)))
sed "s/^# vdk-timeout: .*/# vdk-timeout: $limit/" "$VDK_TOP/tests/bench/10-bench.sh" >"$scen/10-bench.sh"
chmod +x "$scen/10-bench.sh"

export VDK_BENCH_REPS=$reps VDK_BENCH_RUNTIME=$runtime VDK_BENCH_RAMP=$ramp
[ -z "$paths" ] || export VDK_BENCH_PATHS="$paths"
[ -z "$workloads" ] || export VDK_BENCH_WORKLOADS="$workloads"
rc=0
for tag in $tags; do
	# One kernel per harness run: each guest records the host's load just
	# before it boots (the lock wait of a shared machine comes first).
	kver=$(vdk_kfield "$tag" kver)
	VDK_BENCH_HOSTLOAD=$(uptime | sed 's/^ *//')
	export VDK_BENCH_HOSTLOAD
	vdk_log "bench: $tag ($kver): guest limit ${limit}s in-guest; host: $VDK_BENCH_HOSTLOAD"
	hrc=0
	VDK_SCENARIO_DIR=$scen VDK_SETS=project \
		"$VDK_TOP/tests/harness/run.sh" --jobs 1 --kernels "$tag" >"$OUT/harness-$tag.log" || hrc=$?
	grep -E '^(PASS|FAIL|SKIP) ' "$OUT/harness-$tag.log" >&2 || true
	kver=$(cat "$VDK_CACHE/kernels/resolved/$tag" 2>/dev/null || echo "$kver")
	tapf=$VDK_TOP/build/harness/$kver/tap.log.clean
	res=$OUT/results-$tag.txt
	{
		echo "# bench: host date=$(date -u +%Y-%m-%dT%H:%MZ) cores=$(nproc) model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr ' ' '_')"
		grep -a '^# bench: ' "$tapf" 2>/dev/null || true
		echo "# bench: host hostload_end=$(uptime | sed 's/^ *//')"
	} >"$res"
	if ! grep -q '^# bench: run ' "$res"; then
		rc=1
		vdk_log "bench: $tag: no measurements (harness status $hrc); log $OUT/harness-$tag.log, console build/harness/$kver/console.log"
		continue
	fi
	if [ $hrc != 0 ]; then
		rc=1
		vdk_log "bench: $tag: the run failed (harness status $hrc), its errors go into the report; log $OUT/harness-$tag.log, console build/harness/$kver/console.log"
	fi
	vdk_log "bench: $tag: $(grep -c '^# bench: run ' "$res") measurements in $res"
	if [ $docs = 1 ]; then
		mkdir -p "$DATA"
		cp "$res" "$DATA/$tag.txt"
	fi
done
report
exit $rc
