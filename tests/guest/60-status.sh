#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdk-modules: vdpa vduse virtio_vdpa vhost_vdpa
# vdk-project-modules: vduse
# vdk-bin: vduse-status
# vdk-timeout: 600
#
# vduse-status (tools/vduse-status): the verdict, the next step and the exit
# status for the states a user meets; on 6.1 and 7.2 each run is under
# valgrind (memcheck, full leak check, every leak kind an error: a report
# fails the scenario; one suppression, tests/status/valgrind.supp, for
# libkmod's own dlopen); 5.10 and 6.12 take the same paths without it.
#   in-tree set (kernels with their own bus): not-loaded -> modprobe vduse,
#     ready with the kernel's vduse, no-control when /dev/vduse/control is
#     removed (the next step's mknod restores it).
#   project set: our modules are in updates/vdk (depmod), and the scenario
#     makes a FAKE DKMS tree (/usr/src/vduse-<v>/dkms.conf and
#     /var/lib/dkms/vduse/..., dkms 3.x layout, labelled as such) since the
#     guest has no dkms: built but not loaded (not-loaded), ready with ours,
#     no-access (as uid 65534), no-control; on kernels with their own vduse
#     both copies present (ours wins; the kernel's, loaded by insmod, is
#     "stale" until "rmmod vduse; modprobe vduse"); a module file removed
#     without depmod; our modules moved away
#     (not built: "apt install linux-headers-<kver>" on 5.10/6.1, the
#     kernel's vduse with a note on 6.12+), DKMS built but not installed,
#     no vduse-dkms at all, and --kver of kernel trees with and without
#     our modules and of a missing one.
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '3,/^set -u$/{/^set -u$/d; s/^# \{0,1\}//p}' "$0"
	exit 0
fi
# shellcheck source=tests/guest/lib.sh
. /vdk/lib.sh || exit 2

BIN=/vdk/bin/vduse-status
# One narrow suppression: libkmod 34 keeps the decompressor it dlopen()s
# (tests/status/valgrind.supp says why).
SUPP=/vdk/bin/vduse-status.supp
K=$VDK_KVER
# valgrind under TCG costs 5-15 s a run: the paths of a kernel without its
# own bus (6.1, project set) and of one with it (7.2, both sets, modules
# .ko.xz) run under valgrind; 5.10 and the 6.12s take the same paths and
# check the same verdicts without it.
VALGRIND=0
case $VDK_TAG in 6.1 | 7.2) VALGRIND=1 ;; esac
say "valgrind: $([ $VALGRIND = 1 ] && echo "every run" || echo "off on $VDK_TAG (on for 6.1 and 7.2)")"
MD=/lib/modules/$K
V=0.1.0
ARCH=$(uname -m)
EMPTY=6.1.0-vdk-empty
OURS=6.1.0-vdk-ours

# shellcheck disable=SC2317 # the EXIT trap calls it
status_cleanup() {
	rm -rf "/usr/src/vduse-$V" /var/lib/dkms "/lib/modules/$EMPTY" "/lib/modules/$OURS"
	if [ -d "$VDK_WORK/away" ]; then
		mkdir -p "$MD/updates/vdk"
		mv "$VDK_WORK"/away/*.ko "$MD/updates/vdk/"
		depmod -a "$K"
	fi
	cleanup_vdpa
	# The control node the next step's mknod made is not devtmpfs's: it
	# outlives the module, and would point the next scenario at a stale
	# device number once vduse is loaded again.
	[ -d /sys/module/vduse ] || rm -f /dev/vduse/control
}
trap status_cleanup EXIT

# st NAME WANT-RC ARGS...: run vduse-status under valgrind; OUT holds its
# output, FIRST its first line, NEXT its "next step:" text.
# With ST_AS=UID it runs as that user (setpriv; the valgrind log goes to
# /tmp, which the user can write).
st() {
	local name=$1 want=$2 rc=0 vg=$VDK_WORK/vg-$1.log as=()
	shift 2
	if [ -n "${ST_AS:-}" ]; then
		vg=/tmp/vg-$name.log
		as=(setpriv --reuid="$ST_AS" --regid="$ST_AS" --clear-groups)
	fi
	if [ $VALGRIND = 1 ]; then
		"${as[@]}" valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=all --num-callers=50 --suppressions="$SUPP" \
			--log-file="$vg" "$BIN" "$@" >"$VDK_WORK/out-$name" 2>&1 || rc=$?
	else
		rm -f "$vg"
		"${as[@]}" "$BIN" "$@" >"$VDK_WORK/out-$name" 2>&1 || rc=$?
	fi
	OUT=$(cat "$VDK_WORK/out-$name")
	FIRST=$(head -n 1 "$VDK_WORK/out-$name")
	NEXT=$(sed -n 's/^next step: //p' "$VDK_WORK/out-$name")
	sed 's/^/    | /' "$VDK_WORK/out-$name"
	if [ -s "$vg" ]; then
		cat "$vg"
		tap_not_ok "$name: valgrind reports errors (status $rc): $(grep -m1 -v '^==[0-9]*== *$' "$vg")"
	fi
	[ "$rc" = "$want" ] || tap_not_ok "$name: vduse-status $* exited $rc, expected $want: $FIRST"
	say "$name: exit $rc$([ $VALGRIND = 0 ] || echo ", valgrind clean")"
}

# has NAME TEXT: OUT contains TEXT (fixed string).
has() {
	grep -qF -- "$2" <<<"$OUT" || tap_not_ok "$1: no '$2' in the output"
}

first() { # NAME PREFIX
	case $FIRST in
	"$2"*) say "$1: $FIRST" ;;
	*) tap_not_ok "$1: first line '$FIRST', expected '$2...'" ;;
	esac
}

# The kernel's own vduse, and ours, as files.
intree_vduse=$(find "$MD/kernel/drivers/vdpa/vdpa_user" -name "vduse.ko*" 2>/dev/null | head -n 1)

if [ "$VDK_SET" = in-tree ]; then
	# ------------------------------------------------------------ in-tree set
	[ -n "$intree_vduse" ] || tap_not_ok "the in-tree set runs without the kernel's vduse.ko"
	st intree-not-loaded 1
	first intree-not-loaded "NOT READY [not-loaded]: vduse is not loaded (modprobe would load kernel/drivers/vdpa/vdpa_user/vduse.ko"
	expect "intree-not-loaded next step" "$NEXT" "modprobe vduse"
	has intree-not-loaded "vDPA bus: yes; VDUSE: yes"
	load vduse virtio_vdpa
	st intree-ready 0
	first intree-ready "READY: VDUSE is usable on $K: vduse "
	has intree-ready "(in-tree)"
	has intree-ready "vdpa bus management devices: vduse"
	st intree-ready-json 0 --json
	has intree-ready-json '"verdict":"ready","ready":true'
	has intree-ready-json '"name":"vduse","found":true'
	has intree-ready-json '"origin":"in-tree","vduse_dkms":false'
	mv /dev/vduse/control "$VDK_WORK/control.saved"
	st intree-no-control 1
	first intree-no-control "NOT READY [no-control]: /dev/vduse/control is missing although vduse is loaded"
	rm -f "$VDK_WORK/control.saved"
	mk=${NEXT#*(or: }
	mk=${mk%)}
	say "following the next step: $mk"
	eval "$mk" || tap_not_ok "the next step '$mk' failed"
	st intree-control-back 0
	first intree-control-back "READY:"
	unload virtio_vdpa vduse vdpa
	tap_ok
fi

# ---------------------------------------------------------------- project set
[ -n "$VDK_OURS" ] || tap_not_ok "the project set runs without our modules"
st help 0 --help
has help "Exit status: 0 ready, 1 not ready"
st usage 2 --no-such-option
# A FAKE DKMS tree, as dkms 3.x lays it out after "dkms install": the guest
# has no dkms. vduse-status reads only these paths.
mkdir -p /usr/src/vduse-$V "/var/lib/dkms/vduse/$V/$K/$ARCH/module"
echo "# fake, made by tests/guest/60-status.sh: vduse-status only looks for this file" \
	>/usr/src/vduse-$V/dkms.conf
ln -s /usr/src/vduse-$V "/var/lib/dkms/vduse/$V/source"
cp "$MD"/updates/vdk/*.ko "/var/lib/dkms/vduse/$V/$K/$ARCH/module/"
ln -s "$V/$K/$ARCH" "/var/lib/dkms/vduse/kernel-$K-$ARCH"
[ ! -e "$MD/build" ] || tap_not_ok "the guest has kernel headers ($MD/build): the not-built case expects none"

# Built (and installed) by DKMS, not loaded.
st not-loaded 1
first not-loaded "NOT READY [not-loaded]: vduse is not loaded (modprobe would load updates/vdk/vduse.ko, vduse-dkms)"
expect "not-loaded next step" "$NEXT" "modprobe vduse"
has not-loaded "built for $K: $V/$ARCH; installed: $V"
st not-loaded-json 1 --json
has not-loaded-json '"verdict":"not-loaded","ready":false'
has not-loaded-json '"next_step":"modprobe vduse"'
has not-loaded-json "\"built_version\":\"$V\",\"built_arch\":\"$ARCH\",\"installed_version\":\"$V\""

load vduse virtio_vdpa
st ready 0
first ready "READY: VDUSE is usable on $K: vduse $V (updates/vdk/vduse.ko, vduse-dkms)"
has ready "vdpa bus management devices: vduse"
has ready "/dev/vduse/control char device 0600 root:root, you can open it"
st ready-json 0 --json
has ready-json '"verdict":"ready","ready":true'
has ready-json '"origin":"updates","vduse_dkms":true'
has ready-json '"state":"live"'
has ready-json '"loaded_is_winner":true'
has ready-json '"mgmtdev":{"checked":true,"vdpa_family":true,"vduse":true'
# The same as an unprivileged user: /dev/vduse/control is root-only
# (--quiet: the verdict and the next step only).
ST_AS=65534 st no-access 1 --quiet
first no-access "NOT READY [no-access]: you (uid 65534) cannot open /dev/vduse/control (0600 root:root)"
expect "no-access --quiet lines" "$(wc -l <<<"$OUT")" 2

# /dev/vduse/control missing
mv /dev/vduse/control "$VDK_WORK/control.saved"
st no-control 1
first no-control "NOT READY [no-control]: /dev/vduse/control is missing although vduse is loaded"
case $NEXT in
"udevadm trigger --subsystem-match=vduse (or: mkdir -p /dev/vduse; mknod -m 600 /dev/vduse/control c "*) ;;
*) tap_not_ok "no-control: next step '$NEXT'" ;;
esac
rm -f "$VDK_WORK/control.saved"
mk=${NEXT#*(or: }
mk=${mk%)}
say "following the next step: $mk"
eval "$mk" || tap_not_ok "the next step '$mk' failed"
st control-back 0
first control-back "READY:"

# Both the kernel's vduse and ours present (kernels with their own vduse).
if [ -n "$intree_vduse" ]; then
	rel=${intree_vduse#"$MD/"}
	has ready "kernel's own copy $rel"
	has ready "both the kernel's vduse ($rel) and vduse-dkms's (updates/vdk/vduse.ko) are present: modprobe loads vduse-dkms's"
	unload virtio_vdpa vduse
	# shellcheck disable=SC2046 # a list of module names
	must "modprobe the kernel's vduse's dependencies" modprobe -a $(modinfo -F depends "$intree_vduse" | tr ',' ' ')
	must "insmod the kernel's own vduse" insmod "$intree_vduse"
	st stale 1
	first stale "NOT READY [stale]: the loaded vduse is the kernel's own, but modprobe would now load updates/vdk/vduse.ko (vduse-dkms)"
	expect "stale next step" "$NEXT" "rmmod vduse; modprobe vduse"
	step=$NEXT
	st stale-json 1 --json
	has stale-json '"loaded_is_winner":false'
	say "following the next step: $step"
	eval "$step" || tap_not_ok "the next step '$step' failed"
	st stale-fixed 0
	first stale-fixed "READY: VDUSE is usable on $K: vduse $V (updates/vdk/vduse.ko, vduse-dkms)"
else
	say "$K has no vduse of its own: no both-present case"
fi
unload virtio_vdpa vduse vdpa

# A module file removed by hand, without depmod.
mv "$MD/updates/vdk/vduse.ko" "$VDK_WORK/"
st depmod 1
first depmod "NOT READY [depmod]: modprobe's index names updates/vdk/vduse.ko for vduse, but the file is missing"
expect "depmod next step" "$NEXT" "depmod -a $K"
mv "$VDK_WORK/vduse.ko" "$MD/updates/vdk/"

# Our modules not built for this kernel: moved away, depmod.
mkdir -p "$VDK_WORK/away"
mv "$MD"/updates/vdk/*.ko "$VDK_WORK/away/"
depmod -a "$K"
rm -rf "/var/lib/dkms/vduse/$V/$K" "/var/lib/dkms/vduse/kernel-$K-$ARCH"
st not-built 1
if [ -n "$intree_vduse" ]; then
	first not-built "NOT READY [not-loaded]: vduse is not loaded (modprobe would load ${intree_vduse#"$MD/"}, the kernel's own)"
	has not-built "note: vduse-dkms is installed but modprobe uses the kernel's own vduse: vduse-dkms is not built for $K"
else
	first not-built "NOT READY [not-built]: modprobe cannot find vduse: vduse-dkms is not built for $K, whose headers are not installed"
	expect "not-built next step" "$NEXT" "apt install linux-headers-$K"
fi
# DKMS built it but did not install it.
mkdir -p "/var/lib/dkms/vduse/$V/$K/$ARCH/module"
cp "$VDK_WORK"/away/*.ko "/var/lib/dkms/vduse/$V/$K/$ARCH/module/"
st built-not-installed 1
if [ -z "$intree_vduse" ]; then
	first built-not-installed "NOT READY [built-not-installed]: modprobe cannot find vduse: DKMS built vduse $V for $K but did not install it"
	expect "built-not-installed next step" "$NEXT" "dkms install vduse/$V -k $K"
else
	has built-not-installed "note: vduse-dkms is installed but modprobe uses the kernel's own vduse: vduse-dkms is not installed for $K"
fi

# No vduse-dkms at all.
rm -rf /usr/src/vduse-$V /var/lib/dkms
if [ -z "$intree_vduse" ]; then
	st not-installed 1
	first not-installed "NOT READY [not-installed]: modprobe cannot find vduse, and vduse-dkms is not installed"
	expect "not-installed next step" "$NEXT" "apt install vduse-dkms"
fi
mkdir -p "$MD/updates/vdk"
mv "$VDK_WORK"/away/*.ko "$MD/updates/vdk/"
rmdir "$VDK_WORK/away"
depmod -a "$K"

# --kver: a kernel tree with ours installed, one without them, none at all.
mkdir -p "/lib/modules/$OURS/updates/dkms"
cp "$MD"/updates/vdk/*.ko "/lib/modules/$OURS/updates/dkms/"
for f in "$MD"/kernel/drivers/vdpa/vdpa.ko*; do
	[ -e "$f" ] || continue
	mkdir -p "/lib/modules/$OURS/kernel/drivers/vdpa"
	cp "$f" "/lib/modules/$OURS/kernel/drivers/vdpa/"
done
depmod -a "$OURS"
st kver-ours 0 --kver "$OURS"
first kver-ours "READY: modprobe vduse would load updates/dkms/vduse.ko (vduse-dkms) on $OURS"
mkdir -p "/lib/modules/$EMPTY/kernel"
depmod -a "$EMPTY"
mkdir -p /usr/src/vduse-$V
echo "# fake, made by tests/guest/60-status.sh" >/usr/src/vduse-$V/dkms.conf
st kver-empty 1 --kver "$EMPTY"
first kver-empty "NOT READY [not-built]: modprobe cannot find vduse: vduse-dkms is not built for $EMPTY, whose headers are not installed"
expect "kver-empty next step" "$NEXT" "apt install linux-headers-$EMPTY"
has kver-empty "(--kver: not running, no loaded state)"
st kver-missing 1 --json --kver 6.1.0-vdk-none
has kver-missing '"running":false,"verdict":"no-kernel","ready":false,"reason":"no module tree /lib/modules/6.1.0-vdk-none'
tap_ok
