# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What scripts/mkchroot.sh (build chroots) and scripts/mkchroot-pkg.sh
# (package-test chroots) share: the suites' apt sources, the recipe check,
# and one mmdebstrap call with the initramfs stub. Sourced after common.sh.

# vdk_suite_sources SUITE: the sources.list lines of a suite.
vdk_suite_sources() {
	local mirror=http://deb.debian.org/debian
	local secmirror=http://deb.debian.org/debian-security
	case $1 in
	bullseye) printf '%s\n' "deb $mirror bullseye main" \
		"deb $secmirror bullseye-security main" ;;
	bookworm) printf '%s\n' "deb $mirror bookworm main" \
		"deb $mirror bookworm-updates main" \
		"deb $secmirror bookworm-security main" ;;
	trixie) printf '%s\n' "deb $mirror trixie main" \
		"deb $secmirror trixie-security main" ;;
	sid) printf '%s\n' "deb $mirror sid main" ;;
	*) vdk_die "unknown suite '$1' (bullseye, bookworm, trixie or sid)" ;;
	esac
}

# vdk_chroot_recipe SCRIPT WORDS...: a hash of what makes a chroot: the
# script that builds it, this library, and WORDS (packages, sources).
vdk_chroot_recipe() {
	local script=$1
	shift
	(cat "$script" "${BASH_SOURCE[0]}"; printf '%s\n' "$@") |
		sha256sum | cut -c1-16
}

# vdk_chroot_args ARGS...: the command line both mkchroot scripts take,
# [--force | --path] SUITE, into $force, $only_path and $suite (the caller
# has a usage function).
vdk_chroot_args() {
	force=0
	only_path=0
	case ${1:-} in
	-h | --help) usage; exit 0 ;;
	--path) only_path=1; shift ;;
	--force) force=1; shift ;;
	esac
	[ $# -eq 1 ] || { usage >&2; exit 2; }
	suite=$1
	vdk_suite_sources "$suite" >/dev/null	# refuses an unknown suite
}

# vdk_chroot_begin NAME RECIPE: the chroot NAME-RECIPE goes in $dir. One
# directory per recipe, so that checkouts at different commits do not
# rebuild a chroot under each other's running tests. With $only_path=1 print
# it and exit; otherwise drop NAME's unused other recipes, hold the lock and,
# unless $force=1, exit when it is already built.
vdk_chroot_begin() {
	dir=$VDK_CACHE/chroots/$1-$2
	if [ "$only_path" = 1 ]; then
		echo "$dir"
		exit 0
	fi
	vdk_chroot_prune "$1" "$2"
	vdk_chroot_lock "$dir"
	if [ "$force" = 0 ] && vdk_chroot_current "$dir" "$2"; then
		vdk_log "chroot $1 is current ($dir)"
		touch "$dir"
		exit 0
	fi
}

# vdk_chroot_prune NAME RECIPE: remove the chroots NAME-<other recipe> that
# nothing has used for a day (mkchroot*.sh touch the one they reuse).
vdk_chroot_prune() {
	local d
	[ -d "$VDK_CACHE/chroots" ] || return 0
	find "$VDK_CACHE/chroots" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended \
		-regex ".*/$1-[0-9a-f]{16}" ! -name "$1-$2" ! -newermt '1 day ago' 2>/dev/null |
		while read -r d; do
			vdk_log "removing the unused chroot $(basename "$d")"
			rm -rf "$d" "$d.lock"
		done
}

# vdk_chroot_lock DIR: hold DIR.lock (fd 8) until the script exits, so that
# two runs wanting the same chroot build it once.
vdk_chroot_lock() {
	mkdir -p "$(dirname "$1")"
	exec 8>"$1.lock"
	if ! flock -n 8; then
		vdk_log "waiting for another run building $(basename "$1")"
		flock 8
	fi
}

# vdk_chroot_current DIR RECIPE: true if DIR was built from RECIPE.
vdk_chroot_current() {
	[ -f "$1/.vdk-recipe" ] && [ "$(cat "$1/.vdk-recipe")" = "$2" ]
}

# vdk_mmdebstrap SUITE DIR HOOK...: a minbase chroot of SUITE in DIR.new
# (no recommends, no man pages or docs, Valid-Until not checked: sid's
# Release may be past it, bullseye is archived) with a stub package that
# provides linux-initramfs-tool: linux-image, which the 6.12+ headers pull
# in, wants an initramfs generator, and a chroot needs none. HOOKs are
# further mmdebstrap options (--customize-hook=..., --skip=...).
vdk_mmdebstrap() {
	local suite=$1 dir=$2 stub rc=0
	shift 2
	command -v mmdebstrap >/dev/null ||
		vdk_die "mmdebstrap is missing: apt-get install mmdebstrap"
	[ "$(id -u)" = 0 ] || vdk_die "creating a chroot needs root"
	rm -rf "$dir" "$dir.new"
	mkdir -p "$(dirname "$dir")"
	stub=$(mktemp -d)
	mkdir -p "$stub/pkg/DEBIAN"
	cat >"$stub/pkg/DEBIAN/control" <<EOS
Package: vdk-no-initramfs
Version: 1.0
Architecture: all
Provides: linux-initramfs-tool
Maintainer: vduse-dkms developers <root@localhost>
Description: no initramfs generator in vduse-dkms chroots
EOS
	dpkg-deb --build "$stub/pkg" "$stub/vdk-no-initramfs.deb" >/dev/null
	# shellcheck disable=SC2016 # $1 is mmdebstrap's, expanded in its hooks
	mmdebstrap --variant=minbase --mode=root --format=directory \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--customize-hook="copy-in $stub/vdk-no-initramfs.deb /tmp" \
		--customize-hook='chroot "$1" dpkg -i /tmp/vdk-no-initramfs.deb' \
		"$@" "$suite" "$dir.new" - <<<"$(vdk_suite_sources "$suite")" >&2 || rc=$?
	rm -rf "$stub"
	[ $rc = 0 ] || vdk_die "mmdebstrap of $suite failed (status $rc)"
}

# vdk_chroot_done DIR RECIPE NAME: record the recipe, move DIR.new in place.
vdk_chroot_done() {
	echo "$2" >"$1.new/.vdk-recipe"
	mv "$1.new" "$1"
	vdk_log "chroot $3 ready ($(du -sh "$1" | cut -f1))"
}
