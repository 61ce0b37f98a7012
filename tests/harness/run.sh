#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: the guest test harness. Boots each matrix kernel under QEMU (one
# boot per kernel) and runs the scenarios of tests/guest/ with the kernel's
# own vDPA/VDUSE modules (in-tree set) and with ours (project set).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../scripts/lib/kernels.sh"
. "$HERE/splat.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--kernels "TAG..."] [--selftest] [--timeout SECONDS] [--kvm auto|on|off]
          [--jobs N|auto]

Boot each kernel of tests/kernels.conf (default: all; or \$KERNELS) under
qemu-system-x86_64 (TCG unless a probe shows KVM works; 2 vCPUs, 3 GiB, no
network) with the cached trixie rootfs (scripts/mkrootfs.sh) plus a per-run
cpio holding tests/guest/ (init, scenarios), the kernel's module subset,
our modules from build/<KVER>/out/ (make matrix) and the test programs that
each tests/*/build-guest.sh builds into build/guest-bin/ (/vdk/bin/ in the
guest; a scenario's "# vdk-bin:" line names those it needs). Module sets, in
one boot:
  in-tree   the kernel's own vdpa, virtio_vdpa, vhost_vdpa, vduse
  project   ours, from build/<KVER>/out/*.ko (in /lib/modules/KVER/updates/vdk)
A scenario whose modules a set lacks is a SKIP with the reason. A scenario
marked "# vdk-in-tree: once" (a comparison with the in-tree modules, not a
requirement on them) runs its in-tree set only on the last kernel of the run
of each upstream release: 6.12-deb12 skips it when 6.12-deb13 runs too.
Kernels boot two at a time on a 2-core host (--jobs).

Output: one line per result,
  PASS|FAIL|SKIP guest/<tag>/<set>/<scenario>   [  (reason or log)]
  PASS|FAIL guest/<tag>/boot                     the guest ran its plan to the end
  PASS|FAIL guest/<tag>/kernel-log               the splat detector (WARNING:, BUG:,
                                                 Oops, KASAN, lockdep, hung task, ...)
  PASS|FAIL guest/<tag>/kmemleak                 kernels with kmemleak (the debug
                                                 kernel): no leak allocated through
                                                 our modules (tests/guest/init)
then a kernel x set x scenario table and "N passed, N failed, N skipped".
Exit status 0 iff nothing failed. Logs: build/harness/<KVER>/ (console.log,
tap.log). Progress goes to stderr.

  --kernels TAGS   kernels to boot (tags of tests/kernels.conf, or the debug
                   kernel 6.1-debug of tests/kernels-debug.conf, which
                   scripts/mkdebugkernel.sh builds once; its time limits are
                   scaled by its "slow" column)
  --selftest       show the harness can fail (also VDK_HARNESS_SELFTEST=1):
                   the container scenario expects a wrong size and the guest
                   raises a kernel report (lkdtm WARN, else a hung task on a
                   stalled VDUSE disk, else a WARNING: line via /dev/kmsg);
                   both must come out as FAIL; on a kernel with kmemleak,
                   kmemleak-test.ko's deliberate leaks count as ours, and
                   guest/<tag>/kmemleak must FAIL too
  --timeout S      hard limit per guest (default \$VDK_GUEST_TIMEOUT, else
                   220 s plus the in-guest limits of its scenarios). Inside
                   the guest a scenario that times out dumps the blocked
                   tasks (sysrq w); a cleanup after it that does not finish
                   in 120 s wedges the guest: the scenarios left FAIL
                   unrun and the plan ends. A guest that ends its plan but
                   does not power off within 60 s is stopped.
  --kvm MODE       auto (default, \$VDK_KVM): probe KVM once per host boot
                   with a hard timeout and use it only if the probe boots;
                   on / off force it
  --jobs N         guests booted at once (default \$VDK_GUEST_JOBS, else
                   auto: one per host core, at most 2, when TCG runs each
                   guest on one host thread; 1 with KVM or multi-threaded TCG)
  Environment: VDK_TCG_THREAD=single (default) or multi (one host thread
  per vCPU), VDK_GUEST_TIMEOUT, VDK_KVM, KERNELS, VDK_HARNESS_SELFTEST,
  VDK_BUILD_ROOT (where <KVER>/out/ is looked for; default build/),
  VDK_SCENARIOS="container vm" (only these scenarios; default all),
  VDK_SCENARIO_DIR (scenarios from another folder; default tests/guest),
  VDK_SETS="project" (module sets to run; default "in-tree project"),
  VDK_GUEST_LOCK (the lock file that keeps guest runs one at a time;
  default $VDK_CACHE/guest.lock),
  VDK_SCENARIO_TIMEOUT (the in-guest limit of every scenario, seconds,
  instead of their "# vdk-timeout:" lines; make fuzz sets it),
  VDK_FUZZ_*, VDK_LOAD_*, VDK_RECONNECT_*, VDK_BENCH_* (the scenarios'
  own settings, e.g. VDK_FUZZ_SEED, VDK_LOAD_ITERATIONS: exported into
  the guest for every scenario; see each scenario's --help).
  -h, --help       this text
EOF
}

tags=${KERNELS:-}
selftest=${VDK_HARNESS_SELFTEST:-0}
# Default hard limit per guest: 90 s to boot and shut down and 130 s for a
# wedged cleanup, plus the in-guest timeouts of the scenarios it runs (plus
# 60 s in self-test mode).
guest_timeout=${VDK_GUEST_TIMEOUT:-auto}
kvm_mode=${VDK_KVM:-auto}
# TCG runs both vCPUs on one host thread by default: it was never slower
# here, twice as fast when the host is busy, and it cannot hit multi-threaded
# TCG's cross-vCPU code patching races (one 7.2 boot died of an "Oops: int3"
# in a text_poke_bp()-patched static key under MTTCG with a loaded host).
tcg_thread=${VDK_TCG_THREAD:-single}
guest_jobs=${VDK_GUEST_JOBS:-auto}
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--kernels) tags=$2; shift 2 ;;
	--kernels=*) tags=${1#*=}; shift ;;
	--selftest) selftest=1; shift ;;
	--timeout) guest_timeout=$2; shift 2 ;;
	--kvm) kvm_mode=$2; shift 2 ;;
	--jobs) guest_jobs=$2; shift 2 ;;
	*) usage >&2; exit 2 ;;
	esac
done
tags=${tags:-$(vdk_tags)}
tags=$(echo "$tags" | xargs)
for t in $tags; do vdk_kfield "$t" kver >/dev/null; done

GUEST=$VDK_TOP/tests/guest
# Where the scenarios come from (make demo points it at tests/demo).
SCEN_DIR=${VDK_SCENARIO_DIR:-$GUEST}
OUT=$VDK_TOP/build/harness
mkdir -p "$OUT"
# One harness run at a time on the machine, whichever checkout it comes
# from: a run already keeps both cores busy (--jobs), and two runs would
# make each other's guests miss their time limits.
lock=${VDK_GUEST_LOCK:-$VDK_CACHE/guest.lock}
mkdir -p "$(dirname "$lock")"
exec 9>"$lock"
if ! flock -n 9; then
	vdk_log "harness: another guest run holds $lock; waiting for it"
	flock 9
fi
results=$OUT/results.txt
: >"$results"

result() { # STATUS NAME [DETAIL]
	local line
	line=$(printf '%-4s %s' "$1" "$2")
	[ -z "${3:-}" ] || line="$line  ($3)"
	echo "$line"
	echo "$line" >>"$results"
}

finish() {
	local p f s
	p=$(grep -c '^PASS ' "$results" || true)
	f=$(grep -c '^FAIL ' "$results" || true)
	s=$(grep -c '^SKIP ' "$results" || true)
	print_table
	echo "$p passed, $f failed, $s skipped"
	[ "$f" = 0 ]
}

# ---------------------------------------------------------------- scenarios
# Header fields of a scenario: "# vdk-KEY: value".
scen_field() {
	sed -nE "s/^# vdk-$2: *//p" "$1" | head -n 1
}
scenario_files() {
	local f
	(cd "$SCEN_DIR" && ls [0-9][0-9]-*.sh) | while read -r f; do
		if [ -z "${VDK_SCENARIOS:-}" ] ||
			[[ " $VDK_SCENARIOS " == *" $(scen_name "$f") "* ]]; then
			echo "$f"
		fi
	done
}
scen_name() {
	local n=${1#[0-9][0-9]-}
	echo "${n%.sh}"
}

# ---------------------------------------------------------------- table
declare -A cell bootinfo
print_table() {
	local tag set s hdr row
	echo
	hdr=$(printf '%-12s %-8s' kernel set)
	for s in $(scenario_files); do hdr="$hdr $(printf '%-10s' "$(scen_name "$s")")"; done
	echo "$hdr"
	for tag in $tags; do
		for set in in-tree project; do
			row=$(printf '%-12s %-8s' "$tag" "$set")
			for s in $(scenario_files); do
				row="$row $(printf '%-10s' "${cell[$tag/$set/$(scen_name "$s")]:--}")"
			done
			echo "$row"
		done
	done
	echo
	printf '%-12s %-24s %-5s %-5s %-10s %s\n' kernel release accel boot kernel-log "guest seconds (boot to /init, total)"
	for tag in $tags; do
		printf '%s\n' "${bootinfo[$tag]:-$(printf '%-12s %s' "$tag" '(not booted)')}"
	done
	echo
}

# ---------------------------------------------------------------- prepare
t_all=$SECONDS
command -v qemu-system-x86_64 >/dev/null || {
	result FAIL guest/setup "qemu-system-x86_64 is missing: apt-get install qemu-system-x86"
	finish; exit 1
}

# Kernels download (in the background) while the rootfs builds.
fetch_log=$OUT/fetch.log
vdk_log "harness: fetching kernels ($tags) and building the rootfs"
# shellcheck disable=SC2086
"$VDK_TOP/scripts/fetch-kernel.sh" $tags >"$fetch_log" 2>&1 &
fetch_pid=$!
rootfs=
if rootfs=$("$VDK_TOP/scripts/mkrootfs.sh"); then
	vdk_log "harness: rootfs $rootfs ($(du -h "$rootfs" | cut -f1))"
else
	wait $fetch_pid || true
	result FAIL guest/rootfs "scripts/mkrootfs.sh failed, see the lines above"
	finish; exit 1
fi
fetch_ok=1
wait $fetch_pid || fetch_ok=0
sed 's/^/  fetch: /' "$fetch_log" | grep -v '^  fetch: \(==\|usr/\|boot/\)' >&2 || true
vdk_log "harness: kernels and rootfs ready ($((SECONDS - t_all))s)"

# Test programs for the guest: each tests/*/build-guest.sh builds its own
# (static, in the trixie chroot) into build/guest-bin/, which the guest sees
# as /vdk/bin/. A scenario names the programs it needs ("# vdk-bin: ...").
GUEST_BIN=$VDK_TOP/build/guest-bin
mkdir -p "$GUEST_BIN"
for b in "$VDK_TOP"/tests/*/build-guest.sh; do
	[ -x "$b" ] || continue
	d=$(basename "$(dirname "$b")")
	if ! "$b" "$GUEST_BIN" >"$OUT/build-guest-$d.log" 2>&1; then
		result FAIL "guest/build/$d" "see $OUT/build-guest-$d.log"
	fi
done

# ---------------------------------------------------------------- KVM
kvm_verdict() {
	local boot_id cache k img log pid ok=no
	[ -w /dev/kvm ] || { echo no; return; }
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	cache=$VDK_CACHE/kvm-verdict
	if [ -f "$cache" ] && [ "$(cut -d' ' -f1 "$cache")" = "$boot_id" ]; then
		cut -d' ' -f2 "$cache"
		return
	fi
	img=
	for k in $tags; do
		k=$(cat "$VDK_KERNELS_DIR/resolved/$k" 2>/dev/null) || continue
		[ -f "$VDK_KERNELS_DIR/$k/vmlinuz" ] && img=$VDK_KERNELS_DIR/$k/vmlinuz && break
	done
	[ -n "$img" ] || { echo no; return; }
	log=$OUT/kvm-probe.log
	vdk_log "harness: probing KVM (a 20 s hard limit; KVM is known to hang on some hosts)"
	# No initrd: the kernel gets as far as mounting a root it does not have.
	qemu-system-x86_64 -machine accel=kvm -cpu host -m 512M -nodefaults \
		-no-user-config -display none -no-reboot -kernel "$img" \
		-append "console=ttyS0 panic=-1" -serial "file:$log" </dev/null >"$log.qemu" 2>&1 &
	pid=$!
	for _ in $(seq 200); do
		grep -q 'Unable to mount root\|Kernel panic' "$log" 2>/dev/null && { ok=yes; break; }
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL $pid 2>/dev/null || true
	# A process stuck in the kernel may not die: do not wait for it forever.
	for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if kill -0 $pid 2>/dev/null; then
		vdk_log "harness: the KVM probe (pid $pid) does not die; leaving it"
		ok=no
	else
		wait $pid 2>/dev/null || true
	fi
	echo "$boot_id $ok" >"$cache"
	vdk_log "harness: KVM probe: $([ $ok = yes ] && echo "booted, using KVM" || echo "did not boot ($(tail -n 1 "$log.qemu" 2>/dev/null)), using TCG"); verdict cached for this host boot in $cache"
	echo $ok
}
case $kvm_mode in
on) accel=kvm ;;
off) accel=tcg ;;
*) if [ "$(kvm_verdict)" = yes ]; then accel=kvm; else accel=tcg; fi ;;
esac
if [ $accel = kvm ]; then
	qemu_accel=(-accel kvm -cpu host)
else
	qemu_accel=(-accel "tcg,thread=$tcg_thread" -cpu max)
fi
vdk_log "harness: accelerator $accel$([ $accel = kvm ] || echo " (thread=$tcg_thread)")"

# ---------------------------------------------------------------- per kernel
# The initramfs module subset: the dependency closure of NAMES in the
# kernel's tree, computed with the host's modprobe on that tree, plus its
# depmod data.
stage_modules() { # KVER STAGE NAMES...
	local kver=$1 stage=$2 kroot m rel
	shift 2
	kroot=$VDK_KERNELS_DIR/$kver
	mkdir -p "$stage/usr/lib/modules/$kver"
	for m in "$@"; do
		modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>/dev/null || true
	done | awk '$1 == "insmod" { print $2 }' | sort -u | while read -r m; do
		rel=${m#"$kroot/lib/modules/$kver/"}
		mkdir -p "$stage/usr/lib/modules/$kver/$(dirname "$rel")"
		cp "$m" "$stage/usr/lib/modules/$kver/$rel"
	done
	for m in modules.order modules.builtin modules.builtin.modinfo; do
		[ ! -f "$kroot/lib/modules/$kver/$m" ] || cp "$kroot/lib/modules/$kver/$m" "$stage/usr/lib/modules/$kver/"
	done
	depmod -b "$stage/usr" "$kver" 2>/dev/null
}

intree_has() { # KVER MODULE
	grep -qE "(^|/)$2\.ko(\.[a-z]+)?:" "$VDK_KERNELS_DIR/$1/lib/modules/$1/modules.dep"
}

run_kernel() {
	local tag=$1 kver kdir run outdir s name mods pmods m reason set plan ours
	local intree_ok project_ok stage t0 status tap log rc qpid elapsed done_at
	local splats first nsplat done_ok boot_at n limit upstream twin t k slow kmemleak
	kver=$(cat "$VDK_KERNELS_DIR/resolved/$tag" 2>/dev/null || true)
	if [ -z "$kver" ] || ! vdk_kernel_ready "$kver"; then
		for s in $(scenario_files); do
			for set in in-tree project; do
				result FAIL "guest/$tag/$set/$(scen_name "$s")" "kernel not fetched, see $fetch_log"
				cell[$tag/$set/$(scen_name "$s")]=FAIL
			done
		done
		return
	fi
	kdir=$VDK_KERNELS_DIR/$kver
	# A debug kernel (KASAN, lockdep: tests/kernels-debug.conf) runs
	# several times slower: its time limits, in the guest and here, are
	# scaled by its "slow" factor.
	slow=$(vdk_kfield "$tag" slow)
	slow=${slow:-1}
	# kmemleak (the debug kernel): a verdict at the end of the plan
	kmemleak=0
	! grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$kdir/config" 2>/dev/null || kmemleak=1
	run=$OUT/$kver
	rm -rf "$run"
	mkdir -p "$run"
	outdir=${VDK_BUILD_ROOT:-$VDK_TOP/build}/$kver/out

	# Which module sets exist for this kernel.
	intree_ok=
	intree_has "$kver" vdpa || intree_ok="CONFIG_VDPA is not set in $kver: no in-tree vDPA bus or VDUSE"
	project_ok=
	ours=
	if [ -d "$outdir" ]; then
		ours=$(find "$outdir" -maxdepth 1 -name '*.ko' -printf '%f\n' | sed 's/\.ko$//' | sort | xargs)
	fi
	# No out directory: the matrix has not run. An empty one: it built nothing
	# for this kernel yet; each scenario then names the module it lacks.
	[ -d "$outdir" ] || project_ok="no build/$kver/out/: run make matrix"

	# Debian builds of one upstream release (6.12.117+deb12 and +deb13)
	# share the in-tree modules' source: the scenarios marked
	# "# vdk-in-tree: once" compare against them on the last such kernel
	# of the run only (the others still run container, vm and the like).
	upstream=${kver%%[+-]*}
	twin=
	for t in $tags; do
		[ "$t" != "$tag" ] || { twin=; continue; }
		k=$(cat "$VDK_KERNELS_DIR/resolved/$t" 2>/dev/null || true)
		[ -z "$k" ] || [ "${k%%[+-]*}" != "$upstream" ] || twin=$t
	done

	# The plan: what the guest runs; the rest is skipped here.
	plan=
	for s in $(scenario_files); do
		name=$(scen_name "$s")
		mods=$(scen_field "$SCEN_DIR/$s" modules)
		pmods=$(scen_field "$SCEN_DIR/$s" project-modules)
		for set in in-tree project; do
			reason=
			case " ${VDK_SETS:-in-tree project} " in
			*" $set "*) ;;
			*) continue ;;
			esac
			if [ $set = in-tree ]; then
				reason=$intree_ok
				if [ -z "$reason" ] && [ -n "$twin" ] &&
					[ "$(scen_field "$SCEN_DIR/$s" in-tree)" = once ]; then
					reason="the in-tree modules of $kver are the source of $twin's ($upstream), where this comparison runs"
				fi
				for m in $mods; do
					[ -n "$reason" ] && break
					intree_has "$kver" "$m" || reason="$kver has no in-tree $m.ko"
				done
			else
				reason=$project_ok
				for m in $pmods; do
					[ -n "$reason" ] && break
					case " $ours " in *" $m "*) continue ;; esac
					if intree_has "$kver" "$m" && [ "$m" != vduse ]; then
						reason="$kver has an in-tree $m; the project builds no $m.ko for it"
					else
						reason="build/$kver/out/ has no $m.ko (not written yet)"
					fi
				done
				for m in $mods; do
					[ -n "$reason" ] && break
					case " $ours " in *" $m "*) continue ;; esac
					intree_has "$kver" "$m" || reason="neither build/$kver/out/ nor the kernel has $m.ko"
				done
			fi
			for m in $(scen_field "$SCEN_DIR/$s" bin); do
				[ -n "$reason" ] && break
				[ -x "$GUEST_BIN/$m" ] || reason="no build/guest-bin/$m (its tests/*/build-guest.sh failed)"
			done
			if [ -n "$reason" ]; then
				result SKIP "guest/$tag/$set/$name" "$reason"
				cell[$tag/$set/$name]=SKIP
			else
				plan="$plan$set $s $((${VDK_SCENARIO_TIMEOUT:-$(scen_field "$SCEN_DIR/$s" timeout)} * slow))
"
			fi
		done
	done
	# in-tree entries first, then project (one boot, clean order).
	plan=$(printf '%s' "$plan" | grep '^in-tree ' || true; printf '%s' "$plan" | grep '^project ' || true)
	if [ -z "$plan" ] && [ "$selftest" != 1 ]; then
		vdk_log "guest $tag: nothing to run, not booting"
		bootinfo[$tag]=$(printf '%-12s %-24s %-5s %-5s %-10s %s' "$tag" "$kver" - - - "not booted: nothing to run")
		return
	fi

	# The per-run cpio.
	t0=$SECONDS
	stage=$run/stage
	mkdir -p "$stage/vdk/scenarios" "$stage/vdk/project"
	cp "$GUEST/init" "$stage/init"
	cp "$GUEST/lib.sh" "$GUEST/selftest-splat.sh" "$stage/vdk/"
	for s in $(scenario_files); do cp "$SCEN_DIR/$s" "$stage/vdk/scenarios/"; done
	echo "$plan" >"$stage/vdk/plan"
	[ -z "$ours" ] || cp "$outdir"/*.ko "$stage/vdk/project/"
	mkdir -p "$stage/vdk/bin"
	cp -a "$GUEST_BIN/." "$stage/vdk/bin/"
	# bookworm's iproute2 (6.1, the host's) next to the guest's trixie 6.15:
	# both must speak to our bus. Its libraries (libc, libmnl, libcap) are
	# older than the guest's, so it runs there as is.
	[ ! -x /usr/sbin/vdpa ] || cp /usr/sbin/vdpa "$stage/vdk/bin/vdpa-bookworm"
	cat >"$stage/vdk/config" <<EOF
VDK_TAG='$tag'
VDK_KVER='$kver'
VDK_PROJECT_MODS='$ours'
VDK_HARNESS_SELFTEST='$selftest'
VDK_SLOW='$slow'
EOF
	# The scenarios' own settings from the host's environment: /init
	# sources this file, so what it exports reaches every scenario.
	for k in ${!VDK_FUZZ_@} ${!VDK_LOAD_@} ${!VDK_RECONNECT_@} ${!VDK_BENCH_@}; do
		printf 'export %s=%q\n' "$k" "${!k}"
	done >>"$stage/vdk/config"
	mods="virtio_blk lkdtm"
	[ "$selftest" != 1 ] || mods="$mods loop ext4"
	# the kmemleak self-test's deliberate leaker (tests/guest/init)
	[ "$selftest" != 1 ] || ! grep -q '^CONFIG_DEBUG_KMEMLEAK_TEST=m' "$kdir/config" 2>/dev/null ||
		mods="$mods kmemleak-test"
	for s in $(scenario_files); do mods="$mods $(scen_field "$SCEN_DIR/$s" modules)"; done
	[ -z "$ours" ] || mods="$mods $(modinfo -F depends "$outdir"/*.ko | tr ',' ' ')"
	# shellcheck disable=SC2046
	stage_modules "$kver" "$stage" $(echo "$mods" | tr ' ' '\n' | sort -u)
	chmod 755 "$stage/init"
	(cd "$stage" && find . -mindepth 1 ! -path ./usr ! -path ./usr/lib | LC_ALL=C sort |
		cpio -o -H newc --quiet -R 0:0) >"$run/extra.cpio"
	cat "$rootfs" "$run/extra.cpio" >"$run/initrd.cpio"
	vdk_log "guest $tag: initramfs ready ($(du -h "$run/initrd.cpio" | cut -f1), $(find "$stage/usr/lib/modules" -name '*.ko*' | wc -l) kernel modules, project: ${ours:-none}) in $((SECONDS - t0))s"

	# Boot.
	limit=$guest_timeout
	if [ "$limit" = auto ]; then
		# 90 s to boot and shut down, 130 s for a cleanup that wedges the
		# guest (tests/guest/init: clean_within)
		limit=$(((90 + 130) * slow))
		[ "$selftest" != 1 ] || limit=$((limit + 60 * slow))
		# kmemleak's scans at the start and the end of the plan
		[ $kmemleak = 0 ] || limit=$((limit + 300))
		while read -r _ _ m; do
			[ -z "$m" ] || limit=$((limit + m))
		done <<<"$plan"
	fi
	log=$run/console.log
	tap=$run/tap.log
	: >"$log"
	: >"$tap"
	vdk_log "guest $tag: booting $kver ($accel, hard limit ${limit}s); console $log"
	t0=$SECONDS
	qemu-system-x86_64 "${qemu_accel[@]}" -smp 2 -m 3G -nodefaults -no-user-config \
		-nographic -monitor none -no-reboot \
		-kernel "$kdir/vmlinuz" -initrd "$run/initrd.cpio" \
		-append "console=ttyS0,115200 rdinit=/init panic=-1 printk.time=1 mitigations=off" \
		-serial "file:$log" -serial "file:$tap" </dev/null >"$run/qemu.log" 2>&1 &
	qpid=$!
	boot_at=
	done_at=
	status=ended
	while kill -0 $qpid 2>/dev/null; do
		if [ -z "$boot_at" ] && grep -q '^VDK-BOOTED' "$tap" 2>/dev/null; then
			boot_at=$((SECONDS - t0))
			vdk_log "guest $tag: /init is up after ${boot_at}s"
		fi
		# a guest whose plan ended but which cannot power off (a task stuck
		# in the kernel) is stopped after 60 s: its results are all in
		if [ -z "$done_at" ] && grep -q '^VDK-DONE' "$tap" 2>/dev/null; then
			done_at=$SECONDS
		fi
		if [ -n "$done_at" ] && [ $((SECONDS - done_at)) -ge 60 ]; then
			status="stopped: no power-off 60 s after the end of its plan"
			kill -KILL $qpid 2>/dev/null || true
			break
		fi
		if [ $((SECONDS - t0)) -ge "$limit" ]; then
			status=timeout
			kill -KILL $qpid 2>/dev/null || true
			break
		fi
		sleep 0.5
	done
	rc=0
	wait $qpid 2>/dev/null || rc=$?
	elapsed=$((SECONDS - t0))
	[ -n "$boot_at" ] || ! grep -q '^VDK-BOOTED' "$tap" || boot_at='?'
	vdk_log "guest $tag: guest ended after ${elapsed}s ($status, qemu status $rc)"
	# (full plans only: a VDK_SCENARIOS subset says nothing of the next run)
	[ "$status" != ended ] || [ -n "${VDK_SCENARIOS:-}${VDK_SCENARIO_DIR:-}" ] ||
		echo "$elapsed" >"$OUT/durations/$tag"
	tr -d '\r' <"$tap" >"$tap.clean"
	grep '^# time ' "$tap.clean" | sed "s/^# time /  guest $tag: scenario time /" >&2 || true

	# Scenario results from the TAP port.
	n=0
	while read -r set s _; do
		[ -n "$set" ] || continue
		n=$((n + 1))
		name=$(scen_name "$s")
		local line why
		line=$(grep -E "^(not )?ok $n - " "$tap.clean" | head -n 1 || true)
		case $line in
		"ok $n - "*"# SKIP"*)
			result SKIP "guest/$tag/$set/$name" "${line#*# SKIP }"
			cell[$tag/$set/$name]=SKIP ;;
		"ok $n - "*)
			# a scenario's own counts, e.g. the cases it skipped inside
			why=$(grep -B1 -E "^ok $n - " "$tap.clean" | sed -n 's/^# detail: //p' | head -n 1)
			result PASS "guest/$tag/$set/$name" "$why"
			cell[$tag/$set/$name]=PASS ;;
		"not ok $n - "*)
			why=$(grep -B1 -E "^not ok $n - " "$tap.clean" | sed -n 's/^# reason: //p' | head -n 1)
			result FAIL "guest/$tag/$set/$name" "${why:-failed}; log $log"
			cell[$tag/$set/$name]=FAIL ;;
		*)
			result FAIL "guest/$tag/$set/$name" "no result: the guest $([ "$status" = timeout ] && echo "was killed after ${limit}s" || echo "stopped early"); log $log"
			cell[$tag/$set/$name]=FAIL ;;
		esac
	done <<<"$plan"

	# kmemleak's verdict on a kernel that has it (tests/guest/init:
	# kmemleak_check), the test after the plan's.
	if [ $kmemleak = 1 ]; then
		local kl
		kl=$(sed -n 's/^# kmemleak: \(.*at the end of the plan.*\)/\1/p' "$tap.clean" | head -n 1)
		line=$(grep -E "^(not )?ok [0-9]+ - kmemleak$" "$tap.clean" | head -n 1 || true)
		case $line in
		"ok "*) result PASS "guest/$tag/kmemleak" "$kl" ;;
		"not ok "*)
			why=$(grep -B1 -E "^not ok [0-9]+ - kmemleak$" "$tap.clean" | sed -n 's/^# reason: //p' | head -n 1)
			result FAIL "guest/$tag/kmemleak" "${why:-failed}; log $log" ;;
		*) result FAIL "guest/$tag/kmemleak" "no kmemleak verdict: the guest did not reach the end of its plan; log $log" ;;
		esac
	fi

	done_ok=FAIL
	if grep -q '^VDK-DONE' "$tap.clean"; then
		done_ok=PASS
		result PASS "guest/$tag/boot"
	elif [ "$status" = timeout ]; then
		result FAIL "guest/$tag/boot" "hung: killed after ${limit}s; log $log"
	else
		result FAIL "guest/$tag/boot" "the guest stopped before the end of its plan (qemu status $rc, $(tail -n 1 "$run/qemu.log" 2>/dev/null)); log $log"
	fi

	splats=$(vdk_splats "$log" || true)
	if [ -n "$splats" ]; then
		nsplat=$(echo "$splats" | wc -l)
		first=$(echo "$splats" | head -n 1 | sed -E 's/^\[ *[0-9.]+\] //')
		result FAIL "guest/$tag/kernel-log" "$nsplat kernel problem line(s), first: \"$first\"; log $log"
		echo "$splats" | head -n 10 | sed 's/^/      /'
		bootinfo[$tag]=$(printf '%-12s %-24s %-5s %-5s %-10s %s' "$tag" "$kver" "$accel" "$done_ok" FAIL "${boot_at:-never}, ${elapsed}s")
	elif [ $done_ok = PASS ]; then
		result PASS "guest/$tag/kernel-log"
		bootinfo[$tag]=$(printf '%-12s %-24s %-5s %-5s %-10s %s' "$tag" "$kver" "$accel" "$done_ok" PASS "${boot_at:-never}, ${elapsed}s")
	else
		# No verdict on a log that stops early: the boot FAIL says why.
		bootinfo[$tag]=$(printf '%-12s %-24s %-5s %-5s %-10s %s' "$tag" "$kver" "$accel" "$done_ok" '(partial)' "${boot_at:-never}, ${elapsed}s")
	fi
	rm -rf "$stage" "$run/initrd.cpio"
}

[ $fetch_ok = 1 ] || vdk_log "harness: some kernels could not be fetched, see $fetch_log"
# Guests at once: a TCG guest with thread=single keeps one host core busy,
# so two cores run two guests in about the time of one. Each kernel runs in
# a subshell; its table cells come back through $OUT/<tag>.cells.
case $guest_jobs in
auto)
	guest_jobs=1
	if [ $accel = tcg ] && [ "$tcg_thread" = single ]; then
		guest_jobs=$(nproc)
		[ "$guest_jobs" -le 2 ] || guest_jobs=2
	fi ;;
*[!0-9]* | 0 | '') vdk_die "VDK_GUEST_JOBS must be a positive number or auto, not '$guest_jobs'" ;;
esac
# The longest guests first (what each took last time, build/harness/
# durations/; a kernel never timed counts as longest, then kernels with an
# in-tree set, which run both sets).
mkdir -p "$OUT/durations"
order=$(for tag in $tags; do
	d=$(cat "$OUT/durations/$tag" 2>/dev/null || echo 100000)
	k=$(cat "$VDK_KERNELS_DIR/resolved/$tag" 2>/dev/null || true)
	if [ -n "$k" ] && [ -f "$VDK_KERNELS_DIR/$k/lib/modules/$k/modules.dep" ] && intree_has "$k" vdpa; then
		echo "$d 0 $tag"
	else
		echo "$d 1 $tag"
	fi
done | sort -s -k1,1nr -k2,2n | cut -d' ' -f3)
vdk_log "harness: $guest_jobs guest(s) at a time"
for tag in $order; do
	while [ "$(jobs -rp | wc -l)" -ge "$guest_jobs" ]; do wait -n || true; done
	rm -f "$OUT/$tag.cells"
	(
		run_kernel "$tag"
		for k in "${!cell[@]}"; do printf 'cell[%q]=%q\n' "$k" "${cell[$k]}"; done >"$OUT/$tag.cells"
		for k in "${!bootinfo[@]}"; do printf 'bootinfo[%q]=%q\n' "$k" "${bootinfo[$k]}"; done >>"$OUT/$tag.cells"
	) &
done
wait
for tag in $tags; do
	# shellcheck disable=SC1090
	[ ! -f "$OUT/$tag.cells" ] || . "$OUT/$tag.cells"
	rm -f "$OUT/$tag.cells"
done
vdk_log "harness: done in $((SECONDS - t_all))s"
finish
