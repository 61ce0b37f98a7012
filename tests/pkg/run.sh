#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: the package tests: build the .deb from the tree, lint it, and run
# the DKMS lifecycle in a package-test chroot of each suite.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--host-only] [TAG...]

Package tests for the kernels TAG of tests/kernels.conf (default: all),
grouped by their chroot suite:

  pkg/deb            make deb from the tree builds vduse-dkms_<VERSION>_all.deb
                     whose version, dkms.conf version and kernel range come
                     from VERSION and compat/kernel-range; it recommends
                     vduse-status
  pkg/status-deb     the same build makes vduse-status_<VERSION>_<arch>.deb:
                     not Architecture all, /usr/sbin/vduse-status and its man
                     page, depends on libkmod2; its --help exits 0
  pkg/lintian        lintian reports no error (both packages)
  pkg/rpm            make rpm builds vduse-dkms-<VERSION>-1.noarch.rpm: noarch,
                     Requires dkms and kernel-devel, the dkms scriptlets, and
                     the same /usr/src tree as the deb plus 4 other files
  pkg/status-rpm     make rpm also builds vduse-status-<VERSION>-1.<arch>.rpm
                     with /usr/sbin/vduse-status, its man page, libkmod.so.2
  pkg/rpmlint        rpmlint (with rpm/rpmlintrc) reports no error (both)
  pkg/dkms-conf      the rendered dkms.conf, sourced as dkms does for each
                     kernel of the matrix (headers of the build chroots):
                     in range, and its module list is the module set the
                     build produces (build/<release>/out/ when present)
  pkg/SUITE/...      in a throw-away overlay on the package-test chroot of
                     SUITE (scripts/mkchroot-pkg.sh): install, kernel
                     upgrade (suites with two kernels), a kernel outside the
                     range (build refused, kernel hooks succeed), package upgrade,
                     remove, reinstall, image-builder flow, purge
                     (tests/pkg/in-chroot.sh), vduse-status --kver against
                     the real dkms tree after the install and the removal
                     (suites whose libc takes the host-built package; a
                     SKIP elsewhere); in bookworm then the rpm's
                     %post/%preun against dkms: rpm -i, rpm -U, rpm -e
                     (tests/pkg/rpm-in-chroot.sh)

--host-only runs only the tests without a chroot (pkg/deb ... pkg/dkms-conf).
The dkms builds run gcc through ccache (Debian's headers honour
DEBIAN_KERNEL_USE_CCACHE; cache in $VDK_CACHE/ccache/pkg-SUITE);
VDK_PKG_CCACHE=0 turns that off. Two suites run at a time (VDK_PKG_JOBS=N
to change that).
The modules dkms built at the first install are copied to
build/dkms/<release>/out/, for the guest harness (VDK_BUILD_ROOT). Logs:
build/pkg-test/<suite>/log. Needs root; prints PASS/FAIL/SKIP lines and
"N passed, N failed, N skipped".
EOF
}
chroots=1
case ${1:-} in
-h | --help) usage; exit 0 ;;
--host-only) chroots=0; shift ;;
esac
tags=${*:-$(vdk_tags)}
[ "$(id -u)" = 0 ] || vdk_die "the package tests use chroots and need root"

out=$VDK_TOP/build/pkg-test
pass=0
fail=0
skip=0
ok() { echo "PASS  $*"; pass=$((pass + 1)); }
ko() { echo "FAIL  $*"; fail=$((fail + 1)); }

rm -rf "$out/debs"
mkdir -p "$out/debs"
# The modules of the last run must not stand in for this one's (a
# --host-only run leaves them and the chroot logs alone).
if [ $chroots = 1 ]; then
	for tag in $tags; do
		rm -rf "$VDK_TOP/build/dkms/$(vdk_kfield "$tag" kver)" \
			"${out:?}/$(vdk_kfield "$tag" chroot)"
	done
fi

# --- The packages: version N (VERSION) and N+1 for the upgrade test ---------
v=$("$VDK_TOP/scripts/pkg.sh" version)
vdk_log "building vduse-dkms $v and $v+pkgtest1"
deb1=$("$VDK_TOP/scripts/pkg.sh" deb "$out/debs" | tail -n1)
deb2=$(VDK_VERSION=$v+pkgtest1 "$VDK_TOP/scripts/pkg.sh" deb "$out/debs" | tail -n1)
sdeb=$(ls "$out"/debs/vduse-status_"$v"_*.deb 2>/dev/null | head -n1)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
why=
if [ ! -f "$deb1" ] || [ ! -f "$deb2" ]; then
	why="make deb failed (log: $out/debs/deb-build.log)"
else
	dpkg-deb -x "$deb1" "$t/x"
	[ "$(dpkg-deb -f "$deb1" Version)" = "$v" ] || why="package version $(dpkg-deb -f "$deb1" Version)"
	[ "$(dpkg-deb -f "$deb1" Architecture)" = all ] || why="$why; not Architecture: all"
	# (grep reads a here-string: with pipefail, grep -q closing a pipe
	# early would fail the producer and the test at random)
	grep -qE '(^|, )dkms( |,|$)' <<<"$(dpkg-deb -f "$deb1" Depends)" || why="$why; no dependency on dkms"
	grep -qE '(^|, )vduse-status( |,|$)' <<<"$(dpkg-deb -f "$deb1" Recommends)" ||
		why="$why; does not recommend vduse-status"
	conf=$t/x/usr/src/vduse-$v/dkms.conf
	grep -q "^PACKAGE_VERSION=\"$v\"$" "$conf" || why="$why; dkms.conf PACKAGE_VERSION is not $v"
	grep -qx 'AUTOINSTALL="yes"' "$conf" || why="$why; no AUTOINSTALL"
	! grep -q 'uname' "$conf" || why="$why; dkms.conf mentions uname"
	. "$VDK_TOP/compat/kernel-range"
	grep -q "Linux $VDK_KERNEL_MIN to $VDK_KERNEL_MAX" <<<"$(dpkg-deb -f "$deb1" Description)" ||
		why="$why; the description does not name the range $VDK_KERNEL_MIN to $VDK_KERNEL_MAX"
	why=${why#; }
fi
if [ -z "$why" ]; then ok pkg/deb; else ko "pkg/deb  ($why)"; fi

# vduse-status: the compiled package of the same source
why=
if [ ! -f "$sdeb" ]; then
	why="no vduse-status_${v}_*.deb (log: $out/debs/deb-build.log)"
else
	[ "$(dpkg-deb -f "$sdeb" Architecture)" != all ] || why="Architecture: all"
	grep -q 'libkmod2' <<<"$(dpkg-deb -f "$sdeb" Depends)" || why="$why; no dependency on libkmod2"
	dpkg-deb -c "$sdeb" | awk '{ print substr($6, 2) }' >"$t/status-files"
	for f in /usr/sbin/vduse-status /usr/share/man/man8/vduse-status.8.gz; do
		grep -qx "$f" "$t/status-files" || why="$why; $f missing"
	done
	dpkg-deb -x "$sdeb" "$t/s"
	"$t/s/usr/sbin/vduse-status" --help >"$t/status-help" 2>&1 || why="$why; vduse-status --help exited $?"
	grep -q 'Exit status' "$t/status-help" || why="$why; --help does not document the exit status"
	why=${why#; }
fi
if [ -z "$why" ]; then ok pkg/status-deb; else ko "pkg/status-deb  ($why)"; fi

if ! command -v lintian >/dev/null; then
	ko "pkg/lintian  (lintian is missing: apt-get install lintian)"
elif [ -f "$deb1" ]; then
	# shellcheck disable=SC2046 # no vduse-status package: its test failed
	lintian "$deb1" $([ -f "$sdeb" ] && echo "$sdeb") >"$out/lintian.log" 2>&1
	if grep -q '^E: ' "$out/lintian.log"; then
		ko "pkg/lintian  ($(grep -c '^E: ' "$out/lintian.log") errors; log: $out/lintian.log)"
		grep '^E: ' "$out/lintian.log" | head -n 5 | sed 's/^/      /'
	else
		ok "pkg/lintian  ($(grep -c '^[WI]: ' "$out/lintian.log") warnings/infos)"
	fi
else
	ko "pkg/lintian  (no package)"
fi

# --- The rpm: built, rpmlint-clean, its file list -----------------------------
rpm1=$("$VDK_TOP/scripts/pkg.sh" rpm "$out/debs" | tail -n1)
rpm2=$(VDK_VERSION=$v+pkgtest1 "$VDK_TOP/scripts/pkg.sh" rpm "$out/debs" | tail -n1)
srpm=$(ls "$out"/debs/vduse-status-"$v"-1.*.rpm 2>/dev/null | head -n1)
why=
if [ ! -f "$rpm1" ] || [ ! -f "$rpm2" ]; then
	why="make rpm failed (log: $out/debs/rpm-build.log)"
else
	[ "$(rpm -qp --qf '%{VERSION} %{ARCH}' "$rpm1")" = "$v noarch" ] ||
		why="version/arch $(rpm -qp --qf '%{VERSION} %{ARCH}' "$rpm1")"
	for r in dkms kernel-devel; do
		grep -qx "$r" <<<"$(rpm -qp --requires "$rpm1")" || why="$why; no Requires: $r"
	done
	rpm -qp --scripts "$rpm1" >"$t/scripts"
	grep -q 'dkms add .*--rpm_safe_upgrade' "$t/scripts" || why="$why; %post lacks dkms add --rpm_safe_upgrade"
	grep -q 'dkms build ' "$t/scripts" || why="$why; %post lacks dkms build"
	grep -q 'dkms install .*--rpm_safe_upgrade' "$t/scripts" || why="$why; %post lacks dkms install"
	grep -q 'dkms remove .*--all' "$t/scripts" || why="$why; %preun lacks dkms remove --all"
	# The file list: the deb's dkms tree, the udev rule, the docs
	rpm -qlvp "$rpm1" | awk '/^-/ { print $NF }' | sort >"$t/rpm-files"
	grep "^/usr/src/" "$t/rpm-files" >"$t/rpm-src"
	dpkg-deb -c "$deb1" | awk '{ print substr($6, 2) }' | grep '^/usr/src/.*[^/]$' | sort >"$t/deb-src"
	diff -q "$t/rpm-src" "$t/deb-src" >/dev/null ||
		why="$why; /usr/src differs from the deb's: $(diff "$t/deb-src" "$t/rpm-src" | grep '^[<>]' | head -n 3 | tr '\n' ' ')"
	for f in /usr/src/vduse-$v/dkms.conf /usr/lib/udev/rules.d/60-vduse.rules; do
		grep -qx "$f" "$t/rpm-files" || why="$why; $f missing"
	done
	n=$(grep -vc '^/usr/src/' "$t/rpm-files")
	[ "$n" = 4 ] || why="$why; $n files outside /usr/src, expected 4 (udev rule, README.md, the group rule example, LICENSE): $(grep -v '^/usr/src/' "$t/rpm-files" | tr '\n' ' ')"
	why=${why#; }
fi
if [ -z "$why" ]; then ok pkg/rpm; else ko "pkg/rpm  ($why)"; fi
why=
if [ ! -f "$srpm" ]; then
	why="no vduse-status-$v-1.*.rpm (log: $out/debs/rpm-build.log)"
else
	[ "$(rpm -qp --qf '%{ARCH}' "$srpm")" != noarch ] || why="noarch"
	rpm -qlp "$srpm" >"$t/srpm-files"
	for f in /usr/sbin/vduse-status /usr/share/man/man8/vduse-status.8; do
		grep -q "^$f" "$t/srpm-files" || why="$why; $f missing"
	done
	grep -q '^libkmod.so.2' <<<"$(rpm -qp --requires "$srpm")" || why="$why; no Requires: libkmod.so.2"
	grep -qx 'vduse-status' <<<"$(rpm -qp --recommends "$rpm1")" || why="$why; vduse-dkms does not recommend vduse-status"
	why=${why#; }
fi
if [ -z "$why" ]; then ok pkg/status-rpm; else ko "pkg/status-rpm  ($why)"; fi
if ! command -v rpmlint >/dev/null; then
	ko "pkg/rpmlint  (rpmlint is missing: apt-get install rpmlint)"
elif [ -f "$rpm1" ]; then
	# shellcheck disable=SC2046 # no vduse-status package: its test failed
	rpmlint -r "$VDK_TOP/rpm/rpmlintrc" "$rpm1" $([ -f "$srpm" ] && echo "$srpm") >"$out/rpmlint.log" 2>&1
	sum=$(grep -E '[0-9]+ errors, [0-9]+ warnings' "$out/rpmlint.log" | tail -n1)
	if echo "$sum" | grep -q ' 0 errors'; then
		ok "pkg/rpmlint  (${sum#*checked; })"
	else
		ko "pkg/rpmlint  (${sum:-no summary}; log: $out/rpmlint.log)"
		grep ' E: ' "$out/rpmlint.log" | head -n 5 | sed 's/^/      /'
	fi
else
	ko "pkg/rpmlint  (no package)"
fi

# --- dkms.conf as each dkms sources it --------------------------------------
# dkms sources dkms.conf in bash with kernelver and kernel_source_dir set
# (2.8, 3.0 and 3.2 alike) and keeps the module arrays; do the same.
if [ -f "${conf:-}" ]; then
	why=
	n=0
	for tag in $tags; do
		k=$(vdk_kfield "$tag" kver)
		hdr=$("$VDK_TOP/scripts/mkchroot.sh" --path "$(vdk_kfield "$tag" chroot)")/usr/src/linux-headers-$k
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
		skip=$((skip + 1))
	elif [ -z "$why" ]; then
		ok "pkg/dkms-conf  ($n kernels)"
	else
		ko "pkg/dkms-conf  ($why)"
	fi
fi

# --- The lifecycle in each suite's chroot -----------------------------------
suites=$(for tag in $tags; do vdk_kfield "$tag" chroot; done | awk '!s[$0]++')
[ $chroots = 1 ] || suites=
# The rpm's scriptlets run once, after the deb's lifecycle, in bookworm's
# chroot (else the first suite's): Debian's rpm and dkms, rpm -i --nodeps.
rpm_suite=$(echo "$suites" | grep -x bookworm || echo "$suites" | head -n1)
# run_suite SUITE: the lifecycle in SUITE's chroot. Runs in a subshell of
# its own (suites run side by side); its counts go to $out/SUITE.counts.
run_suite() {
	local suite=$1 kvers lower first w ccache t1 f0 rc d k f
	kvers=$(for tag in $tags; do
		[ "$(vdk_kfield "$tag" chroot)" = "$suite" ] && vdk_kfield "$tag" kver
	done)
	if [ ! -f "$deb1" ] || [ ! -f "$deb2" ]; then
		ko "pkg/$suite  (no packages to test)"
		return
	fi
	if ! "$VDK_TOP/scripts/mkchroot-pkg.sh" "$suite" >"$out/mkchroot-$suite.log" 2>&1; then
		ko "pkg/$suite/chroot  (log: $out/mkchroot-$suite.log)"
		tail -n 3 "$out/mkchroot-$suite.log" | sed 's/^/      /'
		return
	fi
	lower=$("$VDK_TOP/scripts/mkchroot-pkg.sh" --path "$suite")
	# The chroot's first kernel is the one mkchroot-pkg.sh installed.
	first=$(awk -v s="$suite" '!/^[[:space:]]*(#|$)/ && $4 == s { print $2; exit }' \
		"$VDK_KERNELS_CONF")
	case " $(echo "$kvers" | tr '\n' ' ') " in
	*" $first "*) kvers="$first $(echo "$kvers" | grep -vx "$first" | tr '\n' ' ')" ;;
	*) echo "SKIP  pkg/$suite  (the chroot's first kernel $first is not selected)"
		skip=$((skip + 1))
		return ;;
	esac
	w=$out/$suite
	mkdir -p "$w/share" "$w/upper" "$w/work" "$w/root"
	cp "$deb1" "$deb2" "$VDK_TOP"/tests/pkg/{in-chroot,rpm-in-chroot,chroot-lib}.sh "$w/share/"
	echo "${deb1##*/} ${deb2##*/}" >"$w/share/debs"
	if [ -f "$sdeb" ]; then
		cp "$sdeb" "$w/share/"
		echo "${sdeb##*/}" >"$w/share/status-deb"
	fi
	if [ "$suite" = "$rpm_suite" ] && [ -f "$rpm1" ] && [ -f "$rpm2" ]; then
		cp "$rpm1" "$rpm2" "$w/share/"
		echo "${rpm1##*/} ${rpm2##*/}" >"$w/share/rpms"
	fi
	# The compiler cache: Debian's kernel headers run gcc through ccache
	# when DEBIAN_KERNEL_USE_CCACHE is set, which reaches the dkms builds
	# through apt, dpkg and dkms. Only the compiler calls are cached: dkms,
	# Kbuild, modpost and the install steps run in full every time.
	ccache=
	if [ "${VDK_PKG_CCACHE:-1}" = 1 ]; then
		ccache=$VDK_CACHE/ccache/pkg-$suite
		mkdir -p "$ccache"
	fi
	vdk_log "pkg/$suite: the package lifecycle for $(echo "$kvers" | xargs)${ccache:+ (ccache $ccache)}"
	t1=$SECONDS
	f0=$fail
	# shellcheck disable=SC2086
	unshare -m /bin/bash -c '
		set -e
		lower=$1 w=$2 ccache=$3; shift 3
		mount -t overlay overlay -o "lowerdir=$lower,upperdir=$w/upper,workdir=$w/work" "$w/root"
		mount -t proc proc "$w/root/proc"
		mkdir -p "$w/root/vdk-pkg"
		mount --bind "$w/share" "$w/root/vdk-pkg"
		ccenv=()
		if [ -n "$ccache" ]; then
			mkdir -p "$w/root/vdk-ccache"
			mount --bind "$ccache" "$w/root/vdk-ccache"
			ccenv=(DEBIAN_KERNEL_USE_CCACHE=1 CCACHE_DIR=/vdk-ccache CCACHE_MAXSIZE=1G)
		fi
		rc=0
		chroot "$w/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 "${ccenv[@]}" /bin/bash /vdk-pkg/in-chroot.sh "$@" || rc=$?
		# after the purge: the rpm, with the headers still installed
		if [ -f "$w/share/rpms" ]; then
			chroot "$w/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
				HOME=/root LC_ALL=C.UTF-8 "${ccenv[@]}" /bin/bash /vdk-pkg/rpm-in-chroot.sh "$@" || rc=$?
		fi
		exit $rc
	' vdk "$lower" "$w" "$ccache" "$suite" /vdk-pkg $kvers 2>&1 | while IFS= read -r line; do
		case $line in
		PASS\ *) echo "$line"; pass=$((pass + 1)) ;;
		FAIL\ *) echo "$line"; fail=$((fail + 1)) ;;
		SKIP\ *) echo "$line"; skip=$((skip + 1)) ;;
		*) echo "$line" >&2 ;;
		esac
		echo "$pass $fail $skip" >"$w/counts"
	done
	rc=${PIPESTATUS[0]}
	[ -f "$w/counts" ] && read -r pass fail skip <"$w/counts"
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
}

# Two suites at a time: with the compiler cache warm, a suite's run is
# mostly dpkg, dkms and Kbuild bookkeeping on one core. The longest (the
# rpm suite, with two kernels) starts first.
jobs_max=${VDK_PKG_JOBS:-2}
case $jobs_max in *[!0-9]* | 0 | '') vdk_die "VDK_PKG_JOBS must be a positive number" ;; esac
order=$(echo "$rpm_suite"; echo "$suites" | grep -vx "$rpm_suite" || true)
for suite in $order; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
	rm -f "$out/$suite.counts"
	# shellcheck disable=SC2030 # each suite counts for itself
	(
		pass=0 fail=0 skip=0
		run_suite "$suite"
		echo "$pass $fail $skip" >"$out/$suite.counts"
	) &
done
wait
for suite in $suites; do
	if [ -f "$out/$suite.counts" ]; then
		read -r p f k <"$out/$suite.counts"
		# shellcheck disable=SC2031
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
		rm -f "$out/$suite.counts"
	else
		ko "pkg/$suite  (its run ended without a count)"
	fi
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
