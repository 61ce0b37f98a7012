#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pkg.sh: build the Debian and RPM packages from the source tree.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} COMMAND [OUTDIR]

  version       print the package version (the file VERSION, or
                VDK_VERSION from the environment for test builds)
  kernel-regex  print the dkms BUILD_EXCLUSIVE_KERNEL regex for the range
                of compat/kernel-range
  dkms-conf     print the rendered dkms.conf
  stage DIR     copy the files the packages ship into DIR/vduse-dkms-VERSION/
                with the rendered dkms.conf and debian/changelog
  deb [OUTDIR]  build vduse-dkms_VERSION_all.deb and
                vduse-status_VERSION_ARCH.deb (dpkg-buildpackage -b; needs
                debhelper, dh-dkms, libkmod-dev, pkg-config) into OUTDIR
                (default build/pkg)
  rpm [OUTDIR]  build vduse-dkms-VERSION-1.noarch.rpm and
                vduse-status-VERSION-1.ARCH.rpm (rpmbuild -bb; needs rpm,
                libkmod-dev, pkg-config) into OUTDIR (default build/pkg)

The version is written once, in VERSION; the supported kernels once, in
compat/kernel-range. Nothing is written into the source tree. deb and rpm
print the path of the vduse-status package, then, on the last line, the
path of the vduse-dkms package.
EOF
}

version() {
	local v=${VDK_VERSION:-$(cat "$VDK_TOP/VERSION")}
	[[ $v =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || vdk_die "bad version '$v' (VERSION)"
	echo "$v"
}

# ge N / le N: regex alternatives matching the decimal numbers >= N / <= N
ge() {
	local n=$1 t o
	if [ "$n" -lt 10 ]; then
		echo "[$n-9]|[1-9][0-9]+"
		return
	fi
	t=$((n / 10)) o=$((n % 10))
	if [ $t -lt 9 ]; then
		echo "${t}[$o-9]|[$((t + 1))-9][0-9]|[1-9][0-9]{2,}"
	else
		echo "${t}[$o-9]|[1-9][0-9]{2,}"
	fi
}
le() {
	local n=$1 t o
	if [ "$n" -lt 10 ]; then
		echo "[0-$n]"
		return
	fi
	t=$((n / 10)) o=$((n % 10))
	if [ $t -gt 1 ]; then
		echo "[0-9]|[1-$((t - 1))][0-9]|${t}[0-$o]"
	else
		echo "[0-9]|${t}[0-$o]"
	fi
}

kernel_regex() {
	# shellcheck source=../compat/kernel-range
	. "$VDK_TOP/compat/kernel-range"
	local a=${VDK_KERNEL_MIN%%.*} b=${VDK_KERNEL_MIN#*.}
	local y=${VDK_KERNEL_MAX%%.*} z=${VDK_KERNEL_MAX#*.} alts m
	if [ "$a" = "$y" ]; then
		alts="$a\\.($(seq -s '|' "$b" "$z"))"
	else
		alts="$a\\.($(ge "$b"))"
		for ((m = a + 1; m < y; m++)); do
			alts="$alts|$m\\.[0-9]+"
		done
		alts="$alts|$y\\.($(le "$z"))"
	fi
	echo "^($alts)([.-]|\$)"
}

# The own-bus modules: every src/ directory with a Kbuild file but vduse
# (entry 0, for every kernel), in a fixed order.
own_bus_modules() {
	local d
	for d in vdpa virtio_vdpa vhost_vdpa; do
		[ -f "$VDK_TOP/src/$d/Kbuild" ] && echo "$d"
	done
	for d in "$VDK_TOP"/src/*/; do
		d=$(basename "$d")
		case $d in vdpa | virtio_vdpa | vhost_vdpa | vduse) continue ;; esac
		[ -f "$VDK_TOP/src/$d/Kbuild" ] && echo "$d"
	done
	return 0
}

dkms_conf() {
	local entries="" i=1 m
	[ -f "$VDK_TOP/src/vduse/Kbuild" ] || vdk_die "src/vduse/Kbuild is missing"
	for m in $(own_bus_modules); do
		entries="$entries	BUILT_MODULE_NAME[$i]=\"$m\"
	BUILT_MODULE_LOCATION[$i]=\"build/\${kernelver}/out/\"
	DEST_MODULE_LOCATION[$i]=\"/updates/dkms\"
"
		i=$((i + 1))
	done
	VDK_V=$(version) VDK_RE=$(kernel_regex) VDK_E=${entries%$'\n'} awk '
		$0 == "@OWN_BUS_ENTRIES@" { print ENVIRON["VDK_E"]; next }
		{ gsub(/@VERSION@/, ENVIRON["VDK_V"]); i = index($0, "@KERNEL_REGEX@")
		  if (i) $0 = substr($0, 1, i - 1) ENVIRON["VDK_RE"] substr($0, i + 14)
		  print }' "$VDK_TOP/dkms.conf.in"
}

# Copy the tree into DIR/vduse-dkms-VERSION: from git when the tree is a
# checkout (tracked and new files, not ignored ones), else every file but
# build/. Only what the packages need.
stage() {
	local out=$1 v dst date
	v=$(version)
	dst=$out/vduse-dkms-$v
	rm -rf "$dst"
	mkdir -p "$dst"
	if git -C "$VDK_TOP" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$VDK_TOP" ls-files -co --exclude-standard -z
	else
		(cd "$VDK_TOP" && find . -path ./build -prune -o -type f -print0 | sed -z 's,^\./,,')
	fi | (cd "$VDK_TOP" && while IFS= read -r -d '' f; do
		[ -e "$f" ] || continue
		case $f in
		Makefile | Kbuild | VERSION | LICENSE | README.md | dkms.conf.in | \
			src/* | include/* | compat/* | scripts/* | debian/* | rpm/* | udev/* | \
			tools/*) ;;
		*) continue ;;
		esac
		mkdir -p "$dst/$(dirname "$f")"
		cp -p "$f" "$dst/$f"
	done)
	dkms_conf >"$dst/dkms.conf"
	echo "$v" >"$dst/VERSION"
	# debian/changelog: one entry for this version, dated by the last commit
	date=$(git -C "$VDK_TOP" log -1 --format=%cD 2>/dev/null || date -R)
	cat >"$dst/debian/changelog" <<EOC
vduse-dkms ($v) unstable; urgency=medium

  * Release $v; the changes are in the project's git history.

 -- vduse-dkms developers <vduse-dkms@example.org>  $date
EOC
	echo "$dst"
}

cmd=${1:-}
case $cmd in
-h | --help) usage; exit 0 ;;
version) version ;;
kernel-regex) kernel_regex ;;
dkms-conf) dkms_conf ;;
stage) stage "${2:?stage needs a directory}" ;;
deb)
	out=${2:-$VDK_TOP/build/pkg}
	for t in dpkg-buildpackage dh dh_dkms pkg-config; do
		command -v $t >/dev/null ||
			vdk_die "$t is missing: apt-get install dpkg-dev debhelper dh-dkms pkg-config"
	done
	pkg-config --exists libkmod || vdk_die "libkmod is missing: apt-get install libkmod-dev"
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	work=$(mktemp -d "$out/.deb.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	src=$(stage "$work")
	vdk_log "building the .deb in $src"
	(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/deb-build.log" 2>&1 ||
		vdk_die "dpkg-buildpackage failed (log: $out/deb-build.log)"
	deb=$(ls "$work"/vduse-dkms_*_all.deb)
	sdeb=$(ls "$work"/vduse-status_*.deb)
	mv "$deb" "$sdeb" "$out/"
	echo "$out/${sdeb##*/}"
	echo "$out/${deb##*/}"
	;;
rpm)
	out=${2:-$VDK_TOP/build/pkg}
	command -v rpmbuild >/dev/null || vdk_die "rpmbuild is missing: apt-get install rpm"
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	work=$(mktemp -d "$out/.rpm.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	src=$(stage "$work")
	v=$(version)
	tar -C "$work" -czf "$work/vduse-dkms-$v.tar.gz" "vduse-dkms-$v"
	# shellcheck source=../compat/kernel-range
	. "$VDK_TOP/compat/kernel-range"
	# On Debian, rpm has no package database to check BuildRequires against
	# and no systemd-rpm-macros: supply the one macro the spec needs.
	extra=()
	if ! rpm -q rpm >/dev/null 2>&1; then
		extra+=(--nodeps)
		[ "$(rpm --eval '%{?_udevrulesdir}')" ] ||
			extra+=(--define "_udevrulesdir /usr/lib/udev/rules.d")
	fi
	vdk_log "building the .rpm from vduse-dkms-$v.tar.gz"
	rpmbuild -bb "${extra[@]}" --define "_topdir $work/rpmbuild" --define "_sourcedir $work" \
		--define "vdk_version $v" --define "vdk_kernel_min $VDK_KERNEL_MIN" \
		--define "vdk_kernel_max $VDK_KERNEL_MAX" \
		--define "packager vduse-dkms developers <vduse-dkms@example.org>" \
		"$src/rpm/vduse-dkms.spec" >"$out/rpm-build.log" 2>&1 ||
		vdk_die "rpmbuild failed (log: $out/rpm-build.log)"
	rpm=$(ls "$work"/rpmbuild/RPMS/noarch/vduse-dkms-*.noarch.rpm)
	srpm=$(find "$work"/rpmbuild/RPMS -name 'vduse-status-*.rpm' ! -name '*debug*' | head -n1)
	mv "$rpm" "$srpm" "$out/"
	echo "$out/${srpm##*/}"
	echo "$out/${rpm##*/}"
	;;
*) usage >&2; exit 2 ;;
esac
