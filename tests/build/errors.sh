#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# errors.sh: a build that cannot succeed must stop early with one clear line.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"

case ${1:-} in -h | --help)
	cat <<EOF
Usage: ${0##*/}

Host-only test of the build's early refusals: missing kernel headers, a
kernel outside compat/kernel-range, a missing compiler. Each case builds
against a fake header directory and expects exactly one error line from
scripts/probe.sh with the right advice. Prints PASS/FAIL build-errors/<case>
lines and "N passed, N failed".
EOF
	exit 0 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# fake_kdir DIR RELEASE CC: a header directory with just enough for probe.sh
fake_kdir() {
	mkdir -p "$1/include/config"
	echo "all:" >"$1/Makefile"
	echo "$2" >"$1/include/config/kernel.release"
	echo "CONFIG_CC_VERSION_TEXT=\"$3 (Debian) 1.0\"" >"$1/include/config/auto.conf"
	echo "CC = \$(CROSS_COMPILE)$3" >"$1/.kernelvariables"
	: >"$1/Module.symvers"
}

# expect NAME PATTERN KVER KDIR: make must fail with one error line matching
expect() {
	local name=$1 pattern=$2 kver=$3 kdir=$4 out errs
	out=$(make -s -C "$VDK_TOP" BUILD="$tmp/build-$name" KVER="$kver" KDIR="$kdir" modules 2>&1)
	rc=$?
	errs=$(echo "$out" | grep -c 'error:' || true)
	if [ $rc != 0 ] && [ "$errs" = 1 ] && echo "$out" | grep -qE "$pattern"; then
		echo "PASS  build-errors/$name"
		pass=$((pass + 1))
	else
		echo "FAIL  build-errors/$name  (exit $rc, $errs error lines, wanted /$pattern/)"
		echo "$out" | head -n 10 | sed 's/^/      /'
		fail=$((fail + 1))
	fi
}

expect missing-headers 'no kernel headers in .*: (apt|dnf) install (linux-headers|kernel-devel)-9.9.9-vdk' \
	9.9.9-vdk "$tmp/nonexistent"
fake_kdir "$tmp/old" 4.19.0-27-amd64 gcc
expect too-old 'kernel 4.19.0-27-amd64 is not supported \(supported: 5.10 to 7.2\)' \
	4.19.0-27-amd64 "$tmp/old"
fake_kdir "$tmp/new" 99.1.0-1-amd64 gcc
expect too-new 'kernel 99.1.0-1-amd64 is not supported \(supported: 5.10 to 7.2\)' \
	99.1.0-1-amd64 "$tmp/new"
fake_kdir "$tmp/nocc" 6.1.0-56-amd64 gcc-99
expect no-compiler 'built with gcc-99, which is not installed' 6.1.0-56-amd64 "$tmp/nocc"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
