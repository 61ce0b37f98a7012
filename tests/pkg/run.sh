#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: the package tests: build the .deb from the tree, lint it, and run
# the DKMS lifecycle in a package-test chroot of each suite.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [TAG...]

Package tests for the kernels TAG of tests/kernels.conf (default: all),
grouped by their chroot suite:

  pkg/deb            make deb from the tree builds vduse-dkms_<VERSION>_all.deb
                     whose version, dkms.conf version and kernel range come
                     from VERSION and compat/kernel-range
  pkg/lintian        lintian reports no error
  pkg/dkms-conf      the rendered dkms.conf, sourced as dkms does for each
                     kernel of the matrix (headers of the build chroots):
                     in range, and its module list is the module set the
                     build produces (build/<release>/out/ when present)
  pkg/SUITE/...      in a throw-away overlay on the package-test chroot of
                     SUITE (scripts/mkchroot.sh --pkg): install, kernel
                     upgrade (suites with two kernels), package upgrade,
                     remove, reinstall, image-builder flow, purge
                     (tests/pkg/in-chroot.sh)

The modules dkms built at the first install are copied to
build/dkms/<release>/out/, for the guest harness (VDK_BUILD_ROOT). Logs:
build/pkg-test/<suite>/log. Needs root; prints PASS/FAIL lines and
"N passed, N failed".
EOF
}
case ${1:-} in -h | --help) usage; exit 0 ;; esac
tags=${*:-$(vdk_tags)}
[ "$(id -u)" = 0 ] || vdk_die "the package tests use chroots and need root"

out=$VDK_TOP/build/pkg-test
pass=0
fail=0
ok() { echo "PASS  $*"; pass=$((pass + 1)); }
ko() { echo "FAIL  $*"; fail=$((fail + 1)); }

rm -rf "$out"
mkdir -p "$out/debs"

# --- The packages: version N (VERSION) and N+1 for the upgrade test ---------
v=$("$VDK_TOP/scripts/pkg.sh" version)
vdk_log "building vduse-dkms $v and $v+pkgtest1"
deb1=$("$VDK_TOP/scripts/pkg.sh" deb "$out/debs" | tail -n1)
deb2=$(VDK_VERSION=$v+pkgtest1 "$VDK_TOP/scripts/pkg.sh" deb "$out/debs" | tail -n1)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
why=
if [ ! -f "$deb1" ] || [ ! -f "$deb2" ]; then
	why="make deb failed (log: $out/debs/deb-build.log)"
else
	dpkg-deb -x "$deb1" "$t/x"
	[ "$(dpkg-deb -f "$deb1" Version)" = "$v" ] || why="package version $(dpkg-deb -f "$deb1" Version)"
	[ "$(dpkg-deb -f "$deb1" Architecture)" = all ] || why="$why; not Architecture: all"
	dpkg-deb -f "$deb1" Depends | grep -q 'dkms' || why="$why; no dependency on dkms"
	conf=$t/x/usr/src/vduse-$v/dkms.conf
	grep -q "^PACKAGE_VERSION=\"$v\"$" "$conf" || why="$why; dkms.conf PACKAGE_VERSION is not $v"
	grep -qx 'AUTOINSTALL="yes"' "$conf" || why="$why; no AUTOINSTALL"
	! grep -q 'uname' "$conf" || why="$why; dkms.conf mentions uname"
	. "$VDK_TOP/compat/kernel-range"
	dpkg-deb -f "$deb1" Description | grep -q "Linux $VDK_KERNEL_MIN to $VDK_KERNEL_MAX" ||
		why="$why; the description does not name the range $VDK_KERNEL_MIN to $VDK_KERNEL_MAX"
	why=${why#; }
fi
if [ -z "$why" ]; then ok pkg/deb; else ko "pkg/deb  ($why)"; fi

if ! command -v lintian >/dev/null; then
	ko "pkg/lintian  (lintian is missing: apt-get install lintian)"
elif [ -f "$deb1" ]; then
	lintian "$deb1" >"$out/lintian.log" 2>&1
	if grep -q '^E: ' "$out/lintian.log"; then
		ko "pkg/lintian  ($(grep -c '^E: ' "$out/lintian.log") errors; log: $out/lintian.log)"
		grep '^E: ' "$out/lintian.log" | head -n 5 | sed 's/^/      /'
	else
		ok "pkg/lintian  ($(grep -c '^[WI]: ' "$out/lintian.log") warnings/infos)"
	fi
else
	ko "pkg/lintian  (no package)"
fi

# --- dkms.conf as each dkms sources it --------------------------------------
# dkms sources dkms.conf in bash with kernelver and kernel_source_dir set
# (2.8, 3.0 and 3.2 alike) and keeps the module arrays; do the same.
if [ -f "${conf:-}" ]; then
	why=
	n=0
	for tag in $tags; do
		k=$(vdk_kfield "$tag" kver)
		hdr=$VDK_CACHE/chroots/$(vdk_kfield "$tag" chroot)/usr/src/linux-headers-$k
		[ -f "$hdr/include/config/auto.conf" ] || continue
		n=$((n + 1))
		# shellcheck disable=SC2016
		got=$(env -i kernelver="$k" kernel_source_dir="$hdr" bash -c '
			. "$1"; [[ $kernelver =~ $BUILD_EXCLUSIVE_KERNEL ]] || echo OUT-OF-RANGE
			for i in "${!BUILT_MODULE_NAME[@]}"; do
				[ "${DEST_MODULE_LOCATION[i]}" = /updates/dkms ] || echo "BAD-DEST-$i"
				[ "${BUILT_MODULE_LOCATION[i]}" = "build/$kernelver/out/" ] || echo "BAD-LOC-$i"
				echo "${BUILT_MODULE_NAME[i]}"
			done' vdk "$conf" | sort | tr '\n' ' ')
		built=$VDK_TOP/build/$k/out
		if [ -d "$built" ] && ls "$built"/*.ko >/dev/null 2>&1; then
			want=$(cd "$built" && ls -- *.ko | sed 's/\.ko$//' | sort | tr '\n' ' ')
		else
			want=$(if grep -qE '^CONFIG_VDPA=[ym]' "$hdr/include/config/auto.conf"; then
				echo vduse; else
				for d in "$VDK_TOP"/src/*/Kbuild; do basename "$(dirname "$d")"; done
			fi | sort | tr '\n' ' ')
		fi
		[ "$got" = "$want" ] || why="$why; $tag: dkms.conf lists '$got', the build makes '$want'"
	done
	for k in 4.19.0-27-amd64 99.0.0-1-amd64; do
		# shellcheck disable=SC2016
		r=$(env -i kernelver=$k kernel_source_dir=/nonexistent bash -c \
			'. "$1"; [[ $kernelver =~ $BUILD_EXCLUSIVE_KERNEL ]] && echo in' vdk "$conf")
		[ -z "$r" ] || why="$why; BUILD_EXCLUSIVE_KERNEL accepts $k"
	done
	why=${why#; }
	if [ "$n" = 0 ]; then
		echo "SKIP  pkg/dkms-conf  (no matrix chroot headers yet: make matrix)"
	elif [ -z "$why" ]; then
		ok "pkg/dkms-conf  ($n kernels)"
	else
		ko "pkg/dkms-conf  ($why)"
	fi
fi

# --- The lifecycle in each suite's chroot -----------------------------------
suites=$(for tag in $tags; do vdk_kfield "$tag" chroot; done | awk '!s[$0]++')
for suite in $suites; do
	kvers=$(for tag in $tags; do
		[ "$(vdk_kfield "$tag" chroot)" = "$suite" ] && vdk_kfield "$tag" kver
	done)
	if [ ! -f "$deb1" ] || [ ! -f "$deb2" ]; then
		ko "pkg/$suite  (no packages to test)"
		continue
	fi
	if ! "$VDK_TOP/scripts/mkchroot.sh" --pkg "$suite" >"$out/mkchroot-$suite.log" 2>&1; then
		ko "pkg/$suite/chroot  (log: $out/mkchroot-$suite.log)"
		tail -n 3 "$out/mkchroot-$suite.log" | sed 's/^/      /'
		continue
	fi
	lower=$("$VDK_TOP/scripts/mkchroot.sh" --pkg --path "$suite")
	# The chroot's first kernel is the first one mkchroot.sh installed.
	first=$(awk -v s="$suite" '!/^[[:space:]]*(#|$)/ && $4 == s { print $2; exit }' \
		"$VDK_KERNELS_CONF")
	case " $(echo "$kvers" | tr '\n' ' ') " in
	*" $first "*) kvers="$first $(echo "$kvers" | grep -vx "$first" | tr '\n' ' ')" ;;
	*) echo "SKIP  pkg/$suite  (the chroot's first kernel $first is not selected)"
		continue ;;
	esac
	w=$out/$suite
	mkdir -p "$w/share" "$w/upper" "$w/work" "$w/root"
	cp "$deb1" "$deb2" "$VDK_TOP/tests/pkg/in-chroot.sh" "$w/share/"
	echo "${deb1##*/} ${deb2##*/}" >"$w/share/debs"
	vdk_log "pkg/$suite: the package lifecycle for $(echo "$kvers" | xargs)"
	t1=$SECONDS
	f0=$fail
	# shellcheck disable=SC2086
	unshare -m /bin/bash -c '
		set -e
		lower=$1 w=$2; shift 2
		mount -t overlay overlay -o "lowerdir=$lower,upperdir=$w/upper,workdir=$w/work" "$w/root"
		mount -t proc proc "$w/root/proc"
		mkdir -p "$w/root/vdk-pkg"
		mount --bind "$w/share" "$w/root/vdk-pkg"
		exec chroot "$w/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 /bin/bash /vdk-pkg/in-chroot.sh "$@"
	' vdk "$lower" "$w" "$suite" /vdk-pkg $kvers 2>&1 | while IFS= read -r line; do
		case $line in
		PASS\ *) echo "$line"; pass=$((pass + 1)) ;;
		FAIL\ *) echo "$line"; fail=$((fail + 1)) ;;
		*) echo "$line" >&2 ;;
		esac
		echo "$pass $fail" >"$w/counts"
	done
	rc=${PIPESTATUS[0]}
	[ -f "$w/counts" ] && read -r pass fail <"$w/counts"
	[ -f "$w/share/log" ] && cp "$w/share/log" "$w/log"
	if [ "$rc" != 0 ] && [ "$fail" = "$f0" ]; then
		ko "pkg/$suite  (the chroot run exited with $rc; log: $w/log)"
	fi
	vdk_log "pkg/$suite: $((SECONDS - t1))s"
	# The modules for the guest harness, uncompressed
	for d in "$w"/share/modules/*/out; do
		[ -d "$d" ] || continue
		k=$(basename "$(dirname "$d")")
		rm -rf "$VDK_TOP/build/dkms/$k"
		mkdir -p "$VDK_TOP/build/dkms/$k/out"
		for f in "$d"/*; do
			case $f in
			*.ko.xz) xz -dc "$f" >"$VDK_TOP/build/dkms/$k/out/$(basename "$f" .xz)" ;;
			*.ko.zst) zstd -qdc "$f" >"$VDK_TOP/build/dkms/$k/out/$(basename "$f" .zst)" ;;
			*.ko.gz) gzip -dc "$f" >"$VDK_TOP/build/dkms/$k/out/$(basename "$f" .gz)" ;;
			*.ko) cp "$f" "$VDK_TOP/build/dkms/$k/out/" ;;
			esac
		done
	done
	rm -rf "$w/upper" "$w/work" "$w/root"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
