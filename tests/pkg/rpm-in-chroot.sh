#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rpm-in-chroot.sh: the rpm's scriptlets against a real dkms, inside a
# package-test chroot (tests/pkg/run.sh copies it in; never run it on a
# host).
set -uo pipefail

usage() {
	cat <<EOF
Usage: ${0##*/} SUITE DIR KVER [KVER...]

Inside a throw-away Debian chroot of SUITE: install dkms and Debian's rpm
from apt's cache, then, for the KVERs whose headers are installed,
rpm -i --nodeps DIR/<rpm N> (%post: dkms add, build, install for every
kernel with headers), rpm -U --nodeps DIR/<rpm N+1> (the new %post, then
the old %preun with --rpm_safe_upgrade), rpm -e (%preun: dkms remove
--all). DIR/rpms names the two packages, oldest first. --nodeps: the
chroot's dkms and headers are Debian packages, unknown to rpm's database.
Prints PASS/FAIL pkg/SUITE/rpm-<step> lines.
EOF
}
case ${1:-} in -h | --help) usage; exit 0 ;; esac
[ $# -ge 3 ] || { usage >&2; exit 2; }
suite=$1 dir=$2
shift 2
kvers=("$@")
# shellcheck source-path=SCRIPTDIR source=chroot-lib.sh
. "$dir/chroot-lib.sh"
read -r rpm1 rpm2 <"$dir/rpms"
export DEBIAN_FRONTEND=noninteractive

step "apt install dkms rpm"
if ! run apt-get -y -q -o Dpkg::Use-Pty=0 --no-install-recommends install dkms rpm; then
	fail rpm-install "apt-get install dkms rpm exited non-zero"
	exit 1
fi
# The kernels whose headers are still installed (each one costs a build)
with=()
for k in "${kvers[@]}"; do
	[ -e "/lib/modules/$k/build/include" ] && with+=("$k")
done
if [ ${#with[@]} = 0 ]; then
	fail rpm-install "no kernel headers left in the chroot"
	exit 1
fi
kvers=("${with[@]}")
v1=$(rpm -qp --qf '%{VERSION}' "$dir/$rpm1")
v2=$(rpm -qp --qf '%{VERSION}' "$dir/$rpm2")

step "rpm -i $rpm1"
ts=$SECONDS
why=""
if ! run rpm -i --nodeps "$dir/$rpm1"; then
	why="rpm -i exited non-zero"
else
	why=$(installed_all "$v1" "${kvers[@]}") || true
fi
if [ -z "$why" ]; then pass rpm-install; else fail rpm-install "$why"; fi

step "rpm -U $rpm2"
ts=$SECONDS
why=""
if ! run rpm -U --nodeps "$dir/$rpm2"; then
	why="rpm -U exited non-zero"
else
	why=$(installed_all "$v2" "${kvers[@]}") || true
	[ -z "$(dkms status -m vduse -v "$v1" 2>/dev/null)" ] || why="$why${why:+; }$v1 still in dkms status"
	[ "$(rpm -q vduse-dkms)" = "${rpm2%.rpm}" ] || why="$why${why:+; }rpm -q: $(rpm -q vduse-dkms)"
fi
if [ -z "$why" ]; then pass rpm-upgrade; else fail rpm-upgrade "$why"; fi

step "rpm -e vduse-dkms"
ts=$SECONDS
if ! run rpm -e --nodeps vduse-dkms; then
	fail rpm-erase "rpm -e exited non-zero"
elif ! why=$(nothing_left); then
	fail rpm-erase "$why"
elif left=$(find /usr/src /var/lib/dkms -maxdepth 1 -name 'vduse*' | tr '\n' ' ') && [ -n "$left" ]; then
	fail rpm-erase "left: $left"
else
	pass rpm-erase
fi
step "done: dkms $(dpkg-query -W -f='${Version}' dkms), rpm $(dpkg-query -W -f='${Version}' rpm)"
exit "$failed"
