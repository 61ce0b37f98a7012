#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkdebugkernel.sh: build the debug kernel of the guest harness (KASAN,
# lockdep, kmemleak, DEBUG_LIST, ...) from Debian's linux-source-6.1, cached.
set -euo pipefail
. "$(dirname "$0")/lib/kernels.sh"

FRAGMENT=$VDK_TOP/scripts/debug-kernel/debug.config
TAG=6.1-debug

usage() {
	cat <<EOF
Usage: ${0##*/} [--print] [--jobs N]

Build the debug kernel "$TAG" of the guest harness from Debian's
linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz; apt-get install
linux-source-6.1) with a minimal configuration for the harness guest:
x86_64_defconfig + kvm_guest.config + scripts/debug-kernel/debug.config
(KASAN generic inline, PROVE_LOCKING, PROVE_RCU, DEBUG_KMEMLEAK,
DEBUG_LIST, DEBUG_OBJECTS_*, DEBUG_ATOMIC_SLEEP, UBSAN bounds, no vDPA
bus), settled by "make olddefconfig". Every option the fragment sets must
survive olddefconfig, or the build stops and names it.

The result is cached under
  $VDK_CACHE/debug-kernel/<recipe hash>/
    src/                    the built tree: KDIR for our modules
    vmlinuz, config         the image and its configuration
    lib/modules/<KVER>/     its modules with depmod data
    build.log, build-time   the build log and the measured build time
keyed by a hash of the recipe (the part of this script that unpacks,
configures, builds and installs, the fragment and the linux-source package
version); a changed recipe builds anew and removes
the older builds. The kernel is published to the harness as
$VDK_KERNELS_DIR/<KVER> (a link) and
$VDK_KERNELS_DIR/resolved/$TAG, so tests/harness/run.sh --kernels $TAG
and scripts/matrix.sh $TAG find it. The build time measured on the
project's 2-core machine is in docs/reliability.md (Debug kernel); make runs under nice.
Progress, with the elapsed time, goes to stderr.

  --print       print "KVER DIR" on stdout when done
  --jobs N      make -jN (default: the number of cores)
  -h, --help    this text
EOF
}

print=0
jobs=$(nproc)
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--print) print=1; shift ;;
	--jobs) jobs=$2; shift 2 ;;
	*) usage >&2; exit 2 ;;
	esac
done

tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || vdk_die "no $tarball: apt-get install linux-source-6.1 (Debian 12's kernel source)"
[ -r "$FRAGMENT" ] || vdk_die "no $FRAGMENT"
for c in make gcc flex bison bc perl depmod openssl; do
	command -v "$c" >/dev/null ||
		vdk_die "$c is missing: apt-get install build-essential flex bison bc libelf-dev libssl-dev kmod"
done
for h in /usr/include/libelf.h /usr/include/openssl/ssl.h; do
	[ -r "$h" ] || vdk_die "$h is missing: apt-get install libelf-dev libssl-dev"
done

srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$srcver" ] || srcver=$(stat -c '%s %Y' "$tarball")
# The hash covers what decides the build: the fragment, the source version
# and this script's lines from "recipe:begin" to "recipe:end" (unpacking,
# configuration, build, install). Help text and messages outside them can
# change without a 17-minute rebuild.
recipe=$(sed -n '/^# recipe:begin/,/^# recipe:end/p' "$0")
case $recipe in
*"# recipe:end"*) ;;
*) vdk_die "$0 lost its recipe:begin/recipe:end markers" ;;
esac
hash=$( { echo "$recipe"; cat "$FRAGMENT"; echo "linux-source-6.1 $srcver"; } | sha256sum | cut -c1-16)
top=$VDK_CACHE/debug-kernel
dir=$top/$hash
mkdir -p "$top"

# The build of one recipe happens once, whoever asks first.
exec 8>"$top/.lock"
if ! flock -n 8; then
	vdk_log "debug kernel: another build holds $top/.lock; waiting"
	flock 8
fi

publish() { # KVER
	mkdir -p "$VDK_KERNELS_DIR/resolved"
	ln -sfn "$dir" "$VDK_KERNELS_DIR/$1.tmp"
	mv -T "$VDK_KERNELS_DIR/$1.tmp" "$VDK_KERNELS_DIR/$1"
	echo "$1" >"$VDK_KERNELS_DIR/resolved/$TAG"
}

if [ -f "$dir/.vdk-complete" ]; then
	kver=$(cat "$dir/kver")
	publish "$kver"
	vdk_log "debug kernel: $kver is cached ($dir; make took $(head -n 1 "$dir/build-time" | cut -d' ' -f1) s)"
	[ $print = 0 ] || echo "$kver $dir"
	exit 0
fi

# recipe:begin (what the hash covers)
rm -rf "$dir"
mkdir -p "$dir"
log=$dir/build.log
src=$dir/src
t0=$SECONDS
load0=$(cut -d' ' -f1-3 /proc/loadavg)
vdk_log "debug kernel: recipe $hash: unpacking $tarball (linux-source-6.1 $srcver)"
mkdir -p "$src"
tar xf "$tarball" -C "$src" --strip-components=1

# The configuration: defconfig + kvm_guest.config + our fragment, settled.
vdk_log "debug kernel: configuring (x86_64_defconfig + kvm_guest.config + ${FRAGMENT#"$VDK_TOP/"})"
{
	make -C "$src" defconfig kvm_guest.config
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$FRAGMENT"
	make -C "$src" olddefconfig
} >"$dir/config.log" 2>&1 || { tail -n 20 "$dir/config.log" >&2; vdk_die "configuration failed, log $dir/config.log"; }
lost=
while read -r line; do
	case $line in
	"# CONFIG_"*" is not set")
		o=${line#\# }
		o=${o% is not set}
		! grep -q "^$o=" "$src/.config" || lost="$lost $o=$(grep "^$o=" "$src/.config" | cut -d= -f2)(wanted: not set)"
		;;
	CONFIG_*=*)
		grep -qxF "$line" "$src/.config" || lost="$lost $line(got: $(grep -E "^(# )?${line%%=*}[= ]" "$src/.config" || echo absent))"
		;;
	esac
done < <(grep -E '^CONFIG_[A-Z0-9_]+=|^# CONFIG_[A-Z0-9_]+ is not set$' "$FRAGMENT")
[ -z "$lost" ] || vdk_die "olddefconfig did not keep what ${FRAGMENT#"$VDK_TOP/"} asks for:$lost"
cp "$src/.config" "$dir/config"
vdk_log "debug kernel: configuration kept every option of the fragment ($(grep -c '=[ym]$' "$src/.config") options on)"

# The build, niced so other work on the machine still moves; progress
# every 30 s: objects compiled so far and the load.
vdk_log "debug kernel: building with make -j$jobs under nice (log $log); load before: $load0"
tb=$SECONDS
nice -n 10 make -C "$src" -j"$jobs" bzImage modules >"$log" 2>&1 &
mpid=$!
loads=
while kill -0 $mpid 2>/dev/null; do
	for _ in $(seq 30); do
		kill -0 $mpid 2>/dev/null || break
		sleep 1
	done
	kill -0 $mpid 2>/dev/null || break
	l=$(cut -d' ' -f1 /proc/loadavg)
	loads="$loads $l"
	vdk_log "debug kernel: building, $(grep -c '^  CC ' "$log" || true) objects compiled, load $l, last: $(tail -n 1 "$log" | cut -c1-70)"
done
rc=0
wait $mpid || rc=$?
[ $rc = 0 ] || { grep -E 'error|Error' "$log" | head -n 20 >&2; vdk_die "kernel build failed (status $rc), log $log"; }
tbuild=$((SECONDS - tb))

kver=$(cat "$src/include/config/kernel.release")
cp "$src/arch/x86/boot/bzImage" "$dir/vmlinuz"
nice -n 10 make -C "$src" INSTALL_MOD_PATH="$dir" INSTALL_MOD_STRIP=1 DEPMOD=true modules_install >>"$log" 2>&1 ||
	vdk_die "modules_install failed, log $log"
rm -f "$dir/lib/modules/$kver/build" "$dir/lib/modules/$kver/source"
depmod -b "$dir" "$kver"
[ -s "$dir/lib/modules/$kver/modules.dep" ] || vdk_die "depmod produced no modules.dep"
for m in virtio_blk vhost_iotlb vhost nbd null_blk loop lkdtm kmemleak-test; do
	modprobe -d "$dir" -S "$kver" --show-depends "$m" >/dev/null 2>&1 ||
		vdk_die "the debug kernel has no module $m (modprobe --show-depends failed)"
done
# recipe:end
# Objects of the tree stay: our modules build against it (KDIR=src).
echo "$kver" >"$dir/kver"
avg=$(echo "$loads" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; if (NF) printf "%.1f", s / NF; else print "-" }')
echo "$tbuild $((SECONDS - t0)) $jobs $(nproc) $avg $load0" >"$dir/build-time"
echo "# build-time: make seconds, total seconds, make -j, host cores, mean 1-min load during make, load before (1 5 15 min)" >>"$dir/build-time"
touch "$dir/.vdk-complete"
publish "$kver"
vdk_log "debug kernel: $kver built in $((SECONDS - t0))s (make ${tbuild}s with -j$jobs on $(nproc) cores, mean load $avg; load before: $load0); $dir ($(du -sh "$dir" | cut -f1))"

# Older recipes go (their links in the kernels cache with them).
for d in "$top"/*/; do
	d=${d%/}
	[ "$d" != "$dir" ] || continue
	for l in "$VDK_KERNELS_DIR"/*; do
		[ -L "$l" ] && [ "$(readlink "$l")" = "$d" ] && rm -f "$l"
	done
	vdk_log "debug kernel: removing the older build $d"
	rm -rf "$d"
done
[ $print = 0 ] || echo "$kver $dir"
