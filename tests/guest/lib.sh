# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the guest scenarios (tests/guest/NN-name.sh). Sourced by each
# scenario, which /init runs with:
#   VDK_SET        in-tree | project
#   VDK_TAP        the TAP port (/dev/ttyS1)
#   VDK_TAP_COPY   a file that gets a copy of every TAP line (the port
#                  cannot be read back)
#   VDK_TAP_N      this scenario's test number
#   VDK_NAME       this scenario's result name (SET/NAME)
#   VDK_KVER       the running kernel
#   VDK_TAG        its tag in tests/kernels.conf (5.10, 6.1, 6.12-deb12, ...)
#   VDK_OURS       the modules this run's project set provides (in the project
#                  set only; empty in the in-tree set)
#   VDK_HARNESS_SELFTEST=1  assert one deliberately wrong expectation
#   VDK_SLOW       how many times slower this kernel is than a stock one (1;
#                  the debug kernel's "slow" column of tests/kernels-debug.conf):
#                  wait_for's limits are scaled by it
# A scenario ends with exactly one of tap_ok / tap_not_ok / tap_skip. Its
# console output (stdout/stderr) lands in the kernel console log.

if [ ! -f /vdk/config ] || [ -z "${VDK_TAP_N:-}" ] || [ -z "${VDK_TAP:-}" ]; then
	echo "${0##*/}: runs only inside the vduse-dkms test guest (tests/harness/run.sh)" >&2
	exit 2
fi
VDK_WORK=/tmp/vdk-$VDK_TAP_N
mkdir -p "$VDK_WORK"

say() {
	echo "[vdk $VDK_NAME] $*"
}

tap() {
	echo "$*" >>"$VDK_TAP"
	echo "$*" >>"$VDK_TAP_COPY"
}

# tap_ok [DETAIL]: the scenario passed; DETAIL (e.g. a test program's case
# counts, with its inner skips) goes to the host as a "# detail:" line, which
# the harness prints with the PASS.
tap_ok() {
	[ -z "${1:-}" ] || tap "# detail: $1"
	tap "ok $VDK_TAP_N - $VDK_NAME"
	say "PASSED${1:+ ($1)}"
	exit 0
}

tap_skip() {
	tap "ok $VDK_TAP_N - $VDK_NAME # SKIP $*"
	say "SKIPPED: $*"
	exit 0
}

# tap_not_ok REASON: the scenario fails; the reason goes to the host as a
# "# reason:" line just before the result.
tap_not_ok() {
	tap "# reason: $*"
	tap "not ok $VDK_TAP_N - $VDK_NAME"
	say "FAILED: $*"
	exit 1
}

# must WHAT CMD...: run CMD; on a non-zero exit the scenario fails.
must() {
	local what=$1 rc=0
	shift
	say "$what: $*"
	"$@" || rc=$?
	[ $rc = 0 ] || tap_not_ok "$what failed (exit $rc): $*"
}

# expect WHAT GOT WANT: compare two strings.
expect() {
	if [ "$2" = "$3" ]; then
		say "$1: $2 (as expected)"
	else
		tap_not_ok "$1: got '$2', expected '$3'"
	fi
}

# quiet CMD...: CMD without its standard output.
quiet() {
	"$@" >/dev/null
}

# wait_for SECONDS WHAT CMD...: poll CMD every 0.1 s until it succeeds
# (SECONDS times VDK_SLOW).
wait_for() {
	local t=$(($1 * 10 * ${VDK_SLOW:-1})) what=$2
	shift 2
	while ! "$@" 2>/dev/null; do
		t=$((t - 1))
		[ $t -gt 0 ] || tap_not_ok "timed out waiting for $what"
		sleep 0.1
	done
}

# load MOD...: modprobe each module and check where it came from: in the
# project set, a module the project provides must be ours (out-of-tree taint
# flag O), and in the in-tree set no module may be ours.
load() {
	local m taint
	for m in "$@"; do
		must "modprobe $m" modprobe "$m"
		[ -d "/sys/module/$m" ] || tap_not_ok "modprobe $m left no /sys/module/$m"
		taint=$(cat "/sys/module/$m/taint" 2>/dev/null || true)
		case " $VDK_OURS " in
		*" $m "*)
			case $taint in *O*) ;; *) tap_not_ok "$m is loaded but not ours (taint '$taint', $(modinfo -n "$m"))" ;; esac ;;
		*)
			case $taint in *O*) tap_not_ok "$m is an out-of-tree module in the $VDK_SET set ($(modinfo -n "$m"))" ;; esac ;;
		esac
		say "loaded $m from $(modinfo -n "$m") (taint '$taint')"
	done
}

# unload MOD...: rmmod each (in order) and check it is gone.
unload() {
	local m
	for m in "$@"; do
		[ -d "/sys/module/$m" ] || continue
		must "rmmod $m" rmmod "$m"
		[ ! -d "/sys/module/$m" ] || tap_not_ok "$m is still loaded after rmmod"
	done
}

# The vduse-blk export under test. Sets QSD_PID. ARGS are extra export
# options.
qsd_start() {
	local name=$1 file=$2
	shift 2
	say "qemu-storage-daemon: exporting $file as VDUSE device $name"
	qemu-storage-daemon \
		--blockdev "driver=file,node-name=f,filename=$file" \
		--export "type=vduse-blk,id=e,node-name=f,name=$name,writable=on,num-queues=2$*" \
		>"$VDK_WORK/qsd.log" 2>&1 &
	QSD_PID=$!
	local t=$((100 * ${VDK_SLOW:-1}))
	while [ ! -e "/dev/vduse/$name" ]; do
		if ! kill -0 "$QSD_PID" 2>/dev/null; then
			cat "$VDK_WORK/qsd.log"
			tap_not_ok "qemu-storage-daemon exited early: $(tail -n 1 "$VDK_WORK/qsd.log")"
		fi
		t=$((t - 1))
		[ $t -gt 0 ] || tap_not_ok "no /dev/vduse/$name after $((10 * ${VDK_SLOW:-1})) s"
		sleep 0.1
	done
}

# Stop the daemon with SIGTERM and require a clean exit (status 0).
qsd_stop() {
	local rc=0
	kill -TERM "$QSD_PID"
	wait "$QSD_PID" || rc=$?
	QSD_PID=
	cat "$VDK_WORK/qsd.log"
	[ $rc = 0 ] || tap_not_ok "qemu-storage-daemon exited with status $rc after SIGTERM"
	say "qemu-storage-daemon exited cleanly"
}

# Best-effort teardown for the failure paths (the EXIT trap).
cleanup_vdpa() {
	local d
	for d in /sys/bus/vdpa/devices/*; do
		[ -e "$d" ] && vdpa dev del "${d##*/}" 2>/dev/null
	done
	[ -z "${QSD_PID:-}" ] || { kill -TERM "$QSD_PID" 2>/dev/null; wait "$QSD_PID" 2>/dev/null; }
	[ ! -w /sys/bus/vdpa/drivers_autoprobe ] || echo 1 >/sys/bus/vdpa/drivers_autoprobe
	rm -rf "$VDK_WORK"
	return 0
}

# run_prog LABEL CMD...: a test program that prints TAP case lines and a
# "# N cases: ..." summary (tests/uapi, tests/hostile); its lines go to the
# TAP log as "# LABEL: ..." comments, and the scenario fails on a failed
# case, a non-zero status or a missing summary. Sets PROG_SUMMARY.
run_prog() {
	local label=$1 log=$VDK_WORK/$1.log rc l
	shift
	[ -x "$1" ] || tap_not_ok "$1 is missing (its tests/*/build-guest.sh failed on the host?)"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	while IFS= read -r l; do
		tap "# $label: $l"
	done <"$log"
	PROG_SUMMARY=$(grep '^# [0-9]* cases:' "$log" | tail -n 1)
	PROG_SUMMARY=${PROG_SUMMARY#\# }
	[ -n "$PROG_SUMMARY" ] || tap_not_ok "$label ended without its summary (status $rc): $(tail -n 1 "$log")"
	[ "$rc" = 0 ] || tap_not_ok "$label: $PROG_SUMMARY; first failure: $(grep -m1 '^not ok' "$log")"
	! grep -q '^not ok' "$log" || tap_not_ok "$label: a case failed but the status was 0"
	say "$label: $PROG_SUMMARY"
}

# run_uapi PART: tests/uapi/vduse-uapi --part PART against this module set.
run_uapi() {
	run_prog "uapi-$1" /vdk/bin/vduse-uapi --set "$VDK_SET" --part "$1"
}
