#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest-guest.sh: show that the guest harness can fail. Runs
# tests/harness/run.sh --selftest on one kernel (one boot, about 30 s under
# TCG) and checks that
#   - the deliberately wrong expectation (container scenario expecting a
#     65 MiB disk) comes out as FAIL with the wrong value in the reason,
#   - the kernel report raised in the guest (lkdtm WARN, else a hung-task
#     report, else a WARNING: line via /dev/kmsg) fails the kernel-log check,
#   - everything else still passes (the harness does not just fail it all),
#   - run.sh exits non-zero.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../scripts/lib/common.sh"

tag=6.12-deb13
case ${1:-} in
-h | --help)
	cat <<EOF
Usage: ${0##*/} [TAG]

Boot TAG (default $tag; it needs an in-tree or project VDUSE) with
VDK_HARNESS_SELFTEST=1 and check the harness reports the planted failures.
A debug kernel (6.1-debug, no in-tree VDUSE) runs the project set, and its
kmemleak verdict must fail on kmemleak-test.ko's deliberate leaks.
Prints PASS|FAIL harness/guest-selftest/<check> lines and
"N passed, N failed". The inner run's lines are shown indented.
EOF
	exit 0 ;;
?*) tag=$1 ;;
esac

set=in-tree
kmemleak=
if vdk_local "$tag"; then
	set=project
	kmemleak=y
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
VDK_SETS=$set "$HERE/run.sh" --selftest --kernels "$tag" >"$out" 2>&1 || rc=$?
sed 's/^/    | /' "$out"

pass=0
fail=0
check() { # NAME DESCRIPTION GREP-ERE
	if grep -qE "$3" "$out"; then
		echo "PASS harness/guest-selftest/$1"
		pass=$((pass + 1))
	else
		echo "FAIL harness/guest-selftest/$1  (no line matching: $2)"
		fail=$((fail + 1))
	fi
}
check wrong-expectation-fails "FAIL of the container scenario with the planted size" \
	"^FAIL guest/$tag/$set/container .*expected '68157440'"
check kernel-report-fails "FAIL of the kernel log naming the raised report" \
	"^FAIL guest/$tag/kernel-log .*(WARNING:|blocked for more than)"
check others-pass "the vm scenario still passes" "^PASS guest/$tag/$set/vm$"
[ -z "$kmemleak" ] || check kmemleak-fails "FAIL of the kmemleak verdict on kmemleak-test's leaks" \
	"^FAIL guest/$tag/kmemleak .*leak\(s\) allocated through our modules"
check boot-passes "the guest still ran to the end" "^PASS guest/$tag/boot$"
if [ $rc != 0 ]; then
	echo "PASS harness/guest-selftest/exit-status"
	pass=$((pass + 1))
else
	echo "FAIL harness/guest-selftest/exit-status  (run.sh --selftest exited 0)"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
