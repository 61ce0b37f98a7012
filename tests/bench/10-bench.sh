#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vduse vdpa virtio_vdpa vhost_vdpa virtio_blk null_blk nbd
# vdk-project-modules: vduse
# vdk-bin: nbd-attach vring-probe blkio-bench
# vdk-timeout: 1500
#
# The benchmark (scripts/bench.sh; `make bench`), inside one guest: the
# same null backend (qemu-storage-daemon, blockdev null-co, read-zeroes=off,
# 1 GiB, 512-byte blocks, 2 queues of 256 entries) behind every path, each
# path measured with every workload, the paths interleaved
# (A B C D ... A B C D ...) VDK_BENCH_REPS times:
#   vduse         ours: vduse-blk export, our vduse.ko + virtio_vdpa, /dev/vdX
#   vduse-wq      ours with irq_inline=N: every interrupt through the
#                 workqueue, as the in-tree module does (not in the default
#                 set; VDK_BENCH_PATHS or scripts/bench.sh --paths)
#   vduse-intree  the same with the kernel's own vduse.ko (6.12, 7.2):
#                 rmmod ours, insmod the in-tree file, between paths
#   nbd           the same daemon's NBD export (unix socket), the kernel NBD
#                 client attached straight to it (nbd-attach, 2 connections)
#   null_blk      the kernel's null_blk (no userspace: the ceiling)
#   vhost         ours through vhost_vdpa: blkio-bench (tests/bench/
#                 blkio-bench.c) with libblkio's virtio-blk-vhost-vdpa
#                 driver (the VM path without a VM)
#   vhost-intree  the same with the in-tree vduse.ko (6.12, 7.2)
# Workloads (fio, libaio, direct=1, time_based, ramp): rr4k-qd1, rr4k-qd32,
# rw4k-qd32, sr128k-qd8, rr4k-qd32-2j (numjobs=2 over the 2 queues); on
# the vhost paths blkio-bench runs the same patterns, time-based with the
# same ramp, a queue and a thread per job.
# Results go to the TAP port as "# bench: ..." lines (scripts/bench-report.py
# reads them); the scenario fails if a path that should work does not.
# Knobs from /vdk/config: VDK_BENCH_REPS (3), VDK_BENCH_RUNTIME (5 s),
# VDK_BENCH_RAMP (1 s), VDK_BENCH_PATHS (all that exist here),
# VDK_BENCH_WORKLOADS (all), VDK_BENCH_HOSTLOAD (the host's uptime line).
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# Only inside the test guest (tests/harness/run.sh): never on a host.
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2
# shellcheck source=/dev/null
. /vdk/config

REPS=${VDK_BENCH_REPS:-3}
RT=${VDK_BENCH_RUNTIME:-5}
RAMP=${VDK_BENCH_RAMP:-1}
WORKLOADS=${VDK_BENCH_WORKLOADS:-rr4k-qd1 rr4k-qd32 rw4k-qd32 sr128k-qd8 rr4k-qd32-2j}
SIZE_GIB=1
QSIZE=256
NQ=2
BS=512
DEV=bench0
NBD_SOCK=/run/bench-nbd.sock
BIN=/vdk/bin
QSD_PID=
NBD_PID=
HB_PID=
failures=
nfail=0

bench() { # the result lines the host turns into the report
	tap "# bench: $*"
	say "bench: $*"
}
fail() { # a path that should work did not: recorded, the run goes on
	bench "error $*"
	nfail=$((nfail + 1))
	[ -n "$failures" ] || failures=$*
}

# shellcheck disable=SC2317 # (the EXIT trap)
cleanup() {
	[ -z "$HB_PID" ] || kill "$HB_PID" 2>/dev/null
	[ -z "$NBD_PID" ] || { "$BIN"/nbd-attach -d /dev/nbd0 2>/dev/null; wait "$NBD_PID" 2>/dev/null; }
	cleanup_vdpa
	[ ! -d /sys/module/null_blk ] || rmmod null_blk 2>/dev/null
}
trap cleanup EXIT

intree_vduse=$(find "/lib/modules/$VDK_KVER/kernel" -name 'vduse.ko*' 2>/dev/null | head -n 1)

# ------------------------------------------------------------ modules
# use_vduse ours|intree: the wanted vduse.ko loaded (no device exists).
use_vduse() {
	local have=
	if [ -d /sys/module/vduse ]; then
		case $(cat /sys/module/vduse/taint) in *O*) have=ours ;; *) have=intree ;; esac
		[ "$have" != "$1" ] || return 0
		rmmod vduse || { fail "rmmod vduse ($have) failed"; return 1; }
	fi
	if [ "$1" = ours ]; then
		modprobe vduse || { fail "modprobe vduse (ours) failed"; return 1; }
	else
		# insmod resolves nothing: the in-tree file's dependencies first
		# shellcheck disable=SC2046
		if ! modprobe -a $(modinfo -F depends "$intree_vduse" | tr , ' ') ||
			! insmod "$intree_vduse"; then
			fail "insmod $intree_vduse failed"
			return 1
		fi
	fi
	case $1/$(cat /sys/module/vduse/taint) in
	ours/*O*) ;;
	intree/*O*) fail "insmod $intree_vduse loaded an out-of-tree module"; return 1 ;;
	ours/*) fail "modprobe vduse loaded $(modinfo -n vduse), not ours"; return 1 ;;
	esac
	wait_for 10 /dev/vduse/control test -c /dev/vduse/control
}

# ------------------------------------------------------------ measuring
cpu_busy() { # jiffies: busy total
	awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8; t = b + $5 + $6; print b, t }' /proc/stat
}
proc_ticks() { # PID: utime+stime
	if [ -z "$1" ] || [ ! -r "/proc/$1/stat" ]; then echo 0; return; fi
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
# kernel_kb: what the kernel holds, kB: MemTotal - MemFree - Buffers -
# Cached - AnonPages - the per-cpu free page lists (not in MemFree), as
# tests/load/vduse-load.c counts it: slab, stacks, page tables, vmalloc and
# pages taken straight from the page allocator (bounce pages). The median
# of 5 samples.
kernel_kb() {
	for _ in 1 2 3 4 5; do
		awk '
			FILENAME == "/proc/meminfo" { m[$1] = $2 }
			FILENAME == "/proc/zoneinfo" && $1 == "count:" { pcp += $2 }
			END { k = m["MemTotal:"] - m["MemFree:"] - m["Buffers:"] - m["Cached:"]
				print k - m["AnonPages:"] - pcp * 4 }' /proc/meminfo /proc/zoneinfo
		sleep 0.2
	done | sort -n | sed -n 3p
}

# mem_snap LABEL PATH REP: Kernel (kernel_kb, after the page cache is
# dropped and the slab caches shrunk, except under load), MemFree,
# MemAvailable, Slab, SUnreclaim, PageTables (kB), the daemon's private
# memory and the vduse bounce size.
mem_snap() {
	local m anon=0 file=0 bounce=- s
	if [ "$1" != load ]; then
		drop_caches
		for s in /sys/kernel/slab/*/shrink; do echo 1 >"$s"; done 2>/dev/null
		sleep 1
	fi
	m="Kernel=$(kernel_kb) "
	m+=$(awk '/^(MemFree|MemAvailable|Slab|SUnreclaim|PageTables):/ { printf "%s=%s ", $1, $2 }' /proc/meminfo | tr -d :)
	if [ -n "$QSD_PID" ] && [ -r "/proc/$QSD_PID/status" ]; then
		anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$QSD_PID/status")
		file=$(awk '/^(RssFile|RssShmem):/ { s += $2 } END { print s + 0 }' "/proc/$QSD_PID/status")
	fi
	[ ! -r "/sys/class/vduse/$DEV/bounce_size" ] || bounce=$(cat "/sys/class/vduse/$DEV/bounce_size")
	bench "mem rep=$3 path=$2 state=$1 ${m}qsd_anon=$anon qsd_file=$file bounce_size=$bounce"
}

kmsg() {
	echo "vdk bench: $*" >/dev/kmsg
}

# wait_done PID SECONDS: wait for PID (a child) with a deadline, saying
# every 10 s that the guest still runs; false if it is still there at the
# deadline. Sets WAIT_RC to its exit status.
wait_done() {
	local pid=$1 t=0
	WAIT_RC=
	while kill -0 "$pid" 2>/dev/null; do
		[ $t -lt $(($2 * 10)) ] || return 1
		t=$((t + 1))
		# (to the kernel log too: it reaches the console even if a tty blocks)
		[ $((t % 100)) != 0 ] || kmsg "waiting for $pid, $((t / 10)) s"
		sleep 0.1
	done
	WAIT_RC=0
	wait "$pid" || WAIT_RC=$?
	return 0
}

# hang_report PATH WL DEV: what a stuck measurement was waiting for, to the
# console (the host keeps it): the daemon's state and stacks, blk-mq's view
# of the device, the vduse queues, blocked tasks.
hang_report() {
	local t b
	b=$(basename "$3")
	kmsg "$2 on $1 ($3) hung; diagnostics follow"
	echo w >/proc/sysrq-trigger
	echo "=== bench: $2 on $1 ($3) hung; diagnostics"
	if [ -n "$QSD_PID" ]; then
		echo "--- qemu-storage-daemon $QSD_PID: $(grep State "/proc/$QSD_PID/status" 2>/dev/null)"
		for t in /proc/"$QSD_PID"/task/*; do
			echo "task $t $(cat "$t/comm" 2>/dev/null) $(grep State "$t/status" 2>/dev/null)"
			cat "$t/stack" 2>/dev/null
		done
		tail -n 5 "$VDK_WORK/qsd.log"
	fi
	for t in $(pgrep -x fio) $(pgrep -x blkio-bench); do
		echo "--- $(cat "/proc/$t/comm") $t: $(grep State "/proc/$t/status")"
		cat "/proc/$t/stack" 2>/dev/null
	done
	grep -r . "/sys/kernel/debug/block/$b/" 2>/dev/null | grep -E 'hctx[0-9]+/(busy|dispatch|tags|state|queued|dispatched)' | head -n 60
	grep -r . /sys/class/vduse/$DEV/ 2>/dev/null | head -n 40
	echo "=== bench: end of diagnostics"
}

# fio_run PATH REP WL DEV: one measurement.
fio_run() {
	local path=$1 rep=$2 wl=$3 dev=$4 rw bs qd jobs c0 c1 q0 q1 out t0 t1 snap
	case $wl in
	rr4k-qd1) rw=randread bs=4k qd=1 jobs=1 ;;
	rr4k-qd32) rw=randread bs=4k qd=32 jobs=1 ;;
	rw4k-qd32) rw=randwrite bs=4k qd=32 jobs=1 ;;
	sr128k-qd8) rw=read bs=128k qd=8 jobs=1 ;;
	rr4k-qd32-2j) rw=randread bs=4k qd=32 jobs=2 ;;
	*) fail "unknown workload $wl"; return ;;
	esac
	out=$VDK_WORK/fio-$path-$wl.json
	c0=$(cpu_busy)
	q0=$(proc_ticks "$QSD_PID")
	t0=$(cut -d' ' -f1 /proc/uptime)
	snap=
	if [ "$wl" = sr128k-qd8 ] && [ "$rep" = 1 ]; then
		# the memory under load: a snapshot in the middle of the run
		(sleep "$((RAMP + RT / 2))"; mem_snap load "$path" "$rep") &
		snap=$!
	fi
	kmsg "rep $rep: $wl on $path ($dev)"
	fio --name=b --filename="$dev" --ioengine=libaio --direct=1 --rw=$rw --bs=$bs \
		--iodepth=$qd --numjobs=$jobs --group_reporting --time_based \
		--runtime="$RT" --ramp_time="$RAMP" --size=${SIZE_GIB}G --norandommap \
		--randrepeat=0 --output-format=json --output="$out" >/dev/null 2>&1 &
	if ! wait_done $! $((RT + RAMP + 30)); then
		hang_report "$path" "$wl" "$dev"
		tap_not_ok "fio $wl on $path ($dev) did not end within $((RT + RAMP + 30)) s (diagnostics in the console log)"
	fi
	if [ "$WAIT_RC" != 0 ]; then
		fail "fio $wl on $path ($dev) failed (status $WAIT_RC): $(tail -n 2 "$out" | tr '\n' ' ')"
		[ -z "$snap" ] || wait "$snap"
		return
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	c1=$(cpu_busy)
	q1=$(proc_ticks "$QSD_PID")
	# (never a bare wait: the daemon is a child too)
	[ -z "$snap" ] || wait "$snap"
	# fio's JSON, one key per line: iops/bw of the read or write section,
	# the jobs' usr/sys CPU (percent of one CPU, summed by group_reporting).
	awk -v path="$path" -v rep="$rep" -v wl="$wl" -v c0="$c0" -v c1="$c1" \
		-v q0="$q0" -v q1="$q1" -v t0="$t0" -v t1="$t1" -v jobs="$jobs" '
		/"read" : \{/ { sec = "r" } /"write" : \{/ { sec = "w" } /"trim" : \{/ { sec = "" }
		sec != "" && /"iops" :/ { gsub(/[ ",]/, ""); split($0, a, ":"); iops[sec] = a[2] }
		sec != "" && /"bw" :/ { gsub(/[ ",]/, ""); split($0, a, ":"); bw[sec] = a[2] }
		/"usr_cpu" :/ { gsub(/[ ",]/, ""); split($0, a, ":"); usr = a[2] }
		/"sys_cpu" :/ { gsub(/[ ",]/, ""); split($0, a, ":"); sys = a[2] }
		/"error" :/ { gsub(/[ ",]/, ""); split($0, a, ":"); err += a[2] }
		END {
			s = (iops["w"] > iops["r"]) ? "w" : "r"
			split(c0, x, " "); split(c1, y, " ")
			busy = (y[2] - x[2]) ? 100 * 2 * (y[1] - x[1]) / (y[2] - x[2]) : 0
			wall = t1 - t0
			printf "run rep=%s path=%s wl=%s iops=%.0f bw_kib=%.0f fio_usr=%.1f fio_sys=%.1f guest_busy=%.1f daemon_cpu=%.1f wall=%.1f err=%d\n",
				rep, path, wl, iops[s], bw[s], usr, sys, busy,
				(wall > 0 ? (q1 - q0) / wall : 0), wall, err
		}' "$out" >"$VDK_WORK/line"
	bench "$(cat "$VDK_WORK/line")"
}

# blkio_run PATH REP WL VHOSTDEV: the same through libblkio's
# virtio-blk-vhost-vdpa driver (blkio-bench): time-based with a ramp like
# fio, one queue and thread per job, the same CPU figures (no usr/sys of
# its own: fio_usr/fio_sys are "-").
blkio_run() {
	local path=$1 rep=$2 wl=$3 vh=$4 args c0 c1 q0 q1 t0 t1 out err
	case $wl in
	rr4k-qd1) args="--rw randread --bs 4096 --iodepth 1" ;;
	rr4k-qd32) args="--rw randread --bs 4096 --iodepth 32" ;;
	rw4k-qd32) args="--rw randwrite --bs 4096 --iodepth 32" ;;
	sr128k-qd8) args="--rw read --bs 131072 --iodepth 8" ;;
	rr4k-qd32-2j) args="--rw randread --bs 4096 --iodepth 32 --queues 2" ;;
	*) fail "unknown workload $wl"; return ;;
	esac
	out=$VDK_WORK/blkio-$path-$wl.out
	err=$VDK_WORK/blkio-$path-$wl.err
	c0=$(cpu_busy)
	q0=$(proc_ticks "$QSD_PID")
	t0=$(cut -d' ' -f1 /proc/uptime)
	kmsg "rep $rep: $wl on $path (/dev/$vh)"
	# shellcheck disable=SC2086
	"$BIN"/blkio-bench --driver virtio-blk-vhost-vdpa --path "/dev/$vh" $args \
		--runtime "$RT" --ramp "$RAMP" >"$out" 2>"$err" &
	if ! wait_done $! $((RT + RAMP + 30)); then
		hang_report "$path" "$wl" "/dev/$vh"
		tap_not_ok "blkio-bench $wl on $path (/dev/$vh) did not end within $((RT + RAMP + 30)) s (diagnostics in the console log)"
	fi
	if [ "$WAIT_RC" != 0 ]; then
		fail "blkio-bench $wl on $path (/dev/$vh) failed (status $WAIT_RC): $(tr '\n' ' ' <"$err")"
		return
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	c1=$(cpu_busy)
	q1=$(proc_ticks "$QSD_PID")
	# blkio-bench's line: "blkio-bench rw=.. ... iops=N bw_kib=N errors=N"
	awk -v path="$path" -v rep="$rep" -v wl="$wl" -v c0="$c0" -v c1="$c1" \
		-v q0="$q0" -v q1="$q1" -v t0="$t0" -v t1="$t1" '
		$1 == "blkio-bench" {
			for (i = 2; i <= NF; i++) { split($i, a, "="); v[a[1]] = a[2] }
			found = 1
		}
		END {
			if (!found || v["iops"] == "" || v["errors"] == "")
				exit 1
			split(c0, x, " "); split(c1, y, " ")
			busy = (y[2] - x[2]) ? 100 * 2 * (y[1] - x[1]) / (y[2] - x[2]) : 0
			wall = t1 - t0
			printf "run rep=%s path=%s wl=%s iops=%.0f bw_kib=%.0f fio_usr=- fio_sys=- guest_busy=%.1f daemon_cpu=%.1f wall=%.1f err=%d\n",
				rep, path, wl, v["iops"], v["bw_kib"], busy,
				(wall > 0 ? (q1 - q0) / wall : 0), wall, v["errors"]
		}' "$out" >"$VDK_WORK/line" ||
		{ fail "blkio-bench $wl on $path: no result line: $(tr '\n' ' ' <"$out")"; return; }
	bench "$(cat "$VDK_WORK/line")"
}

# ------------------------------------------------------------ devices
# qsd_up [nbd]: the daemon with the null backend and the vduse-blk export
# (and, for nbd, the NBD export of the same node instead).
qsd_up() {
	local exp
	rm -f "$NBD_SOCK"
	if [ "${1:-}" = nbd ]; then
		exp=(--nbd-server "addr.type=unix,addr.path=$NBD_SOCK"
			--export "type=nbd,id=e0,node-name=null0,name=null0,writable=on")
	else
		exp=(--export "type=vduse-blk,id=e0,node-name=null0,name=$DEV,writable=on,num-queues=$NQ,queue-size=$QSIZE,logical-block-size=$BS")
	fi
	qemu-storage-daemon \
		--blockdev "driver=null-co,node-name=null0,size=$((SIZE_GIB << 30)),read-zeroes=off" \
		"${exp[@]}" >"$VDK_WORK/qsd.log" 2>&1 &
	QSD_PID=$!
	local t=100
	while :; do
		if [ "${1:-}" = nbd ]; then [ -S "$NBD_SOCK" ] && break; else [ -e "/dev/vduse/$DEV" ] && break; fi
		kill -0 "$QSD_PID" 2>/dev/null || { fail "qemu-storage-daemon exited: $(tail -n 1 "$VDK_WORK/qsd.log")"; QSD_PID=; return 1; }
		t=$((t - 1))
		[ $t -gt 0 ] || { fail "qemu-storage-daemon: no export after 10 s"; return 1; }
		sleep 0.1
	done
}
qsd_down() {
	[ -n "$QSD_PID" ] || return 0
	kill -TERM "$QSD_PID"
	wait "$QSD_PID" || fail "qemu-storage-daemon exited with status $? after SIGTERM: $(tail -n 1 "$VDK_WORK/qsd.log")"
	QSD_PID=
}

# vdpa_bind DRIVER: vdpa dev add, bound to DRIVER (autoprobe off).
vdpa_bind() {
	local d=/sys/bus/vdpa/devices/$DEV
	echo 0 >/sys/bus/vdpa/drivers_autoprobe
	vdpa dev add name $DEV mgmtdev vduse || { fail "vdpa dev add failed"; return 1; }
	wait_for 10 "$d" test -d $d
	echo "$1" >$d/driver_override
	echo $DEV >/sys/bus/vdpa/drivers_probe
	wait_for 10 "$DEV to bind" test -e $d/driver
}
vdpa_unbind() {
	vdpa dev del $DEV || fail "vdpa dev del failed"
	echo 1 >/sys/bus/vdpa/drivers_autoprobe
}
drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# qsize_probe PATH SIZE: an export with SIZE-entry queues on vhost_vdpa:
# which VHOST_SET_VRING_NUM sizes it takes, and whether libblkio (qemu-io)
# can use it.
qsize_probe() {
	local d=/sys/bus/vdpa/devices/$DEV vh r qsave=$QSIZE
	QSIZE=$2
	qsd_up || { QSIZE=$qsave; return; }
	QSIZE=$qsave
	vdpa_bind vhost_vdpa || { qsd_down; return; }
	wait_for 10 "a vhost-vdpa device" quiet compgen -G "$d/vhost-vdpa-*"
	vh=$(basename $d/vhost-vdpa-*)
	wait_for 10 "/dev/$vh" test -c "/dev/$vh"
	r=$(qemu-io --image-opts "driver=virtio-blk-vhost-vdpa,path=/dev/$vh,cache.direct=on" \
		-c 'read 0 4k' 2>&1 | tail -n 1)
	case $r in "read 4096/4096 bytes"*) r=ok ;; esac
	bench "probe path=$path queue_size=$2 $($BIN/vring-probe "/dev/$vh" 2>&1) libblkio=$r"
	vdpa_unbind
	qsd_down
}

nbd_up() {
	[ "$(cat /sys/block/nbd0/size 2>/dev/null || echo 0)" -gt 0 ]
}

# run_path PATH REP
run_path() {
	local path=$1 rep=$2 blk='' vh='' wl d
	say "rep $rep: $path"
	case $path in
	vduse | vduse-wq | vduse-intree | vhost | vhost-intree)
		case $path in *-intree) use_vduse intree ;; *) use_vduse ours ;; esac || return
		# vduse-wq: ours with every interrupt through the workqueue
		if [ -w "$INLINE" ]; then
			if [ "$path" = vduse-wq ]; then echo N >"$INLINE"; else echo Y >"$INLINE"; fi
		fi
		drop_caches
		[ "$rep" != 1 ] || mem_snap base "$path" "$rep"
		qsd_up || return
		if [ "${path#vhost}" = "$path" ]; then
			vdpa_bind virtio_vdpa || { qsd_down; return; }
			kmsg "$path bound to virtio_vdpa"
			d=/sys/bus/vdpa/devices/$DEV
			wait_for 20 "a block device on $DEV" quiet compgen -G "$d/virtio*/block/vd*"
			blk=/dev/$(basename $d/virtio*/block/vd*)
			wait_for 10 "$blk" test -b "$blk"
			# where each queue's interrupts may run (virtio_vdpa spreads them)
			[ "$rep" != 1 ] || bench "irq path=$path $(for q in /sys/class/vduse/$DEV/vq*; do
				printf '%s=%s ' "${q##*/}" "$(cat "$q/irq_cb_affinity" 2>/dev/null || echo -)"; done)"
		else
			vdpa_bind vhost_vdpa || { qsd_down; return; }
			d=/sys/bus/vdpa/devices/$DEV
			wait_for 10 "a vhost-vdpa device" quiet compgen -G "$d/vhost-vdpa-*"
			vh=$(basename $d/vhost-vdpa-*)
			wait_for 10 "/dev/$vh" test -c "/dev/$vh"
			[ "$rep" != 1 ] || bench "probe path=$path queue_size=$QSIZE $($BIN/vring-probe "/dev/$vh" 2>&1)"
		fi
		if [ "$rep" = 1 ]; then sleep 1; mem_snap idle "$path" "$rep"; fi
		for wl in $WORKLOADS; do
			if [ -n "$blk" ]; then fio_run "$path" "$rep" "$wl" "$blk"; else blkio_run "$path" "$rep" "$wl" "$vh"; fi
		done
		vdpa_unbind
		qsd_down
		[ "$rep" != 1 ] || [ -z "$vh" ] || qsize_probe "$path" 128 ;;
	nbd)
		drop_caches
		[ "$rep" != 1 ] || mem_snap base "$path" "$rep"
		qsd_up nbd || return
		$BIN/nbd-attach -c $NQ -b $BS "$NBD_SOCK" null0 /dev/nbd0 2>"$VDK_WORK/nbd.log" &
		NBD_PID=$!
		wait_for 10 "nbd0 to connect" nbd_up
		[ "$rep" != 1 ] || { sleep 1; mem_snap idle "$path" "$rep"; }
		for wl in $WORKLOADS; do fio_run "$path" "$rep" "$wl" /dev/nbd0; done
		$BIN/nbd-attach -d /dev/nbd0 || fail "nbd disconnect failed"
		wait "$NBD_PID"
		NBD_PID=
		qsd_down ;;
	null_blk)
		drop_caches
		[ "$rep" != 1 ] || mem_snap base "$path" "$rep"
		modprobe null_blk nr_devices=1 gb=$SIZE_GIB bs=$BS queue_mode=2 submit_queues=$NQ \
			hw_queue_depth=$QSIZE irqmode=1 memory_backed=0 ||
			{ fail "modprobe null_blk failed"; return; }
		wait_for 10 /dev/nullb0 test -b /dev/nullb0
		[ "$rep" != 1 ] || { sleep 1; mem_snap idle "$path" "$rep"; }
		for wl in $WORKLOADS; do fio_run "$path" "$rep" "$wl" /dev/nullb0; done
		rmmod null_blk || fail "rmmod null_blk failed" ;;
	esac
}

# ------------------------------------------------------------ plan
INLINE=/sys/module/vduse/parameters/irq_inline
paths=${VDK_BENCH_PATHS:-vduse vduse-intree nbd null_blk vhost vhost-intree}
run_paths=
for p in $paths; do
	case $p in
	*-intree)
		if [ -z "$intree_vduse" ]; then
			bench "skip path=$p reason=$VDK_KVER-has-no-in-tree-vduse"
			continue
		fi ;;
	vduse | vduse-wq | vhost | nbd | null_blk) ;;
	*) tap_not_ok "unknown path $p (VDK_BENCH_PATHS)" ;;
	esac
	run_paths="$run_paths $p"
done
for m in virtio_vdpa vhost_vdpa virtio_blk nbd; do
	modprobe $m || tap_not_ok "modprobe $m failed"
done
[ -c /dev/vhost-vdpa-0 ] && tap_not_ok "a vhost-vdpa device exists before the benchmark"
qemu_ver=$(qemu-storage-daemon --version | head -n 1)
bench "meta kernel=$VDK_KVER tag=$VDK_TAG reps=$REPS runtime=$RT ramp=$RAMP paths=${run_paths# } cpus=$(nproc) mem_kib=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
bench "meta qemu=$(echo "$qemu_ver" | tr ' ' '_') fio=$(fio --version) vduse_ours=$(modinfo -F version "/lib/modules/$VDK_KVER/updates/vdk/vduse.ko" 2>/dev/null || echo -) intree_vduse=${intree_vduse:--}"
bench "meta hostload=${VDK_BENCH_HOSTLOAD:-unknown}"
# A heartbeat in the kernel log (VDK_BENCH_HEARTBEAT=1): shows whether the
# guest still runs when the scenario's own output stops.
if [ "${VDK_BENCH_HEARTBEAT:-0}" = 1 ]; then
	(
		n=0
		while sleep 5; do
			n=$((n + 1))
			kmsg "heartbeat"
			[ $((n % 6)) = 0 ] || continue
			ps -eo pid,ppid,stat,wchan:32,args | while IFS= read -r l; do kmsg "ps: $l"; done
			for p in $(ps -eo pid=,stat= | awk '$2 ~ /^D/ || $2 ~ /^T/ { print $1 }'); do
				while IFS= read -r l; do kmsg "stack $p: $l"; done <"/proc/$p/stack"
			done
		done
	) &
	HB_PID=$!
fi
t_start=$(cut -d' ' -f1 /proc/uptime)
for rep in $(seq "$REPS"); do
	for p in $run_paths; do
		run_path "$p" "$rep"
	done
done
bench "meta seconds=$(awk -v a="$t_start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.0f", b - a }')"
[ "$nfail" = 0 ] || tap_not_ok "$nfail error(s), the first: $failures"
tap_ok "$REPS repetitions of:$run_paths"
