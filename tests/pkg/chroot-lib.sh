# shellcheck shell=bash disable=SC2034,SC2154
# SPDX-License-Identifier: GPL-2.0
# Helpers for the scripts that run inside a package-test chroot
# (in-chroot.sh, rpm-in-chroot.sh). Source it after setting:
#   suite   the suite name (for the result lines)
#   dir     the shared directory (logs go to $dir/log)
#   kvers   array of the kernels of this chroot
# It defines step, pass, fail, run, expected, our_files, installed,
# nothing_left (see each).

log=$dir/log
t0=$SECONDS
failed=0
ts=$SECONDS

# step MSG: a progress line on stderr
step() { printf '[%4ds] pkg/%s: %s\n' "$((SECONDS - t0))" "$suite" "$*" >&2; }
# pass NAME / fail NAME WHY: the result lines (ts: when the step began)
# (pass NAME NOTE adds NOTE to the timing)
pass() { echo "PASS  pkg/$suite/$1  ($((SECONDS - ts))s${2:+, $2})"; }
fail() {
	echo "FAIL  pkg/$suite/$1  ($2; log: $log)"
	failed=1
}
# run CMD...: run with its output in the log
run() { echo "# $*" >>"$log"; "$@" >>"$log" 2>&1; }

# expected KVER VERSION: the module set the package must install for KVER:
# vduse, and every other module directory of the shipped source where the
# kernel has no vDPA bus.
expected() {
	local src=/usr/src/vduse-$2 d set=vduse
	if ! grep -qE '^CONFIG_VDPA=[ym]' "/usr/src/linux-headers-$1/include/config/auto.conf" 2>/dev/null &&
		! grep -qE '^CONFIG_VDPA=[ym]' "/lib/modules/$1/build/include/config/auto.conf" 2>/dev/null; then
		for d in "$src"/src/*/Kbuild; do
			d=${d%/Kbuild}
			d=${d##*/}
			[ "$d" = vduse ] || set="$set $d"
		done
	fi
	echo "$set"
}

# our_files KVER: the files of our module names under updates/ (any copy)
our_files() {
	find "/lib/modules/$1/updates" -type f \( -name 'vduse.ko*' -o -name 'vdpa.ko*' \
		-o -name 'virtio_vdpa.ko*' -o -name 'vhost_vdpa.ko*' \) 2>/dev/null | sort
}

# installed KVER VERSION: dkms reports VERSION installed for KVER, each
# expected module is there exactly once under updates/, built for KVER with
# MODULE_VERSION VERSION, and nothing else of ours is. Prints why not.
installed() {
	local k=$1 v=$2 m f n st why=""
	st=$(dkms status -m vduse -v "$v" -k "$k" 2>/dev/null)
	case $st in *installed*) ;; *) why="dkms status for $k: '${st:-nothing}'" ;; esac
	for m in $(expected "$k" "$v"); do
		n=$(our_files "$k" | grep -c "/$m\.ko" || true)
		f=$(our_files "$k" | grep "/$m\.ko" | head -n1)
		if [ "$n" != 1 ]; then
			why="$why${why:+; }$n copies of $m.ko for $k"
		elif [ "$(modinfo -F vermagic "$f" | cut -d' ' -f1)" != "$k" ]; then
			why="$why${why:+; }$f is not built for $k"
		elif [ "$(modinfo -F version "$f")" != "$v" ]; then
			why="$why${why:+; }$f is not version $v"
		fi
	done
	n=$(our_files "$k" | wc -l)
	[ "$n" = "$(expected "$k" "$v" | wc -w)" ] ||
		why="$why${why:+; }$n module files of ours for $k, expected $(expected "$k" "$v")"
	[ -z "$why" ] && return 0
	echo "$why"
	return 1
}

# installed_all VERSION KVER...: installed() for each kernel; the reasons
# for all that are not, joined, on standard output.
installed_all() {
	local v=$1 k w why=""
	shift
	for k in "$@"; do
		w=$(installed "$k" "$v") || why="$why${why:+; }$w"
	done
	[ -z "$why" ] && return 0
	echo "$why"
	return 1
}

# intree_missing KVER: the kernel package's own modules of our names that
# are not in place (dkms 3.2 moves the kernel's vduse.ko aside while ours
# is installed and must put it back on removal)
intree_missing() {
	local p f
	for p in $(dpkg-query -W -f='${Package}\n' "linux-image-$1*" 2>/dev/null); do
		dpkg -L "$p" 2>/dev/null | grep -E '/kernel/.*/(vduse|vdpa|virtio_vdpa|vhost_vdpa)\.ko' |
			while read -r f; do [ -e "$f" ] || echo "$f"; done
	done
}

# nothing_left: no dkms state, no module of ours for any kernel, and the
# kernels' own modules of the same names back in place
nothing_left() {
	local why="" k st
	st=$(dkms status -m vduse 2>/dev/null)
	[ -z "$st" ] || why="dkms status: $st"
	for k in "${kvers[@]}"; do
		[ -z "$(our_files "$k")" ] || why="$why${why:+; }left: $(our_files "$k" | tr '\n' ' ')"
		[ -z "$(intree_missing "$k")" ] ||
			why="$why${why:+; }the kernel's own module is gone: $(intree_missing "$k" | tr '\n' ' ')"
	done
	[ -z "$why" ] && return 0
	echo "$why"
	return 1
}
