#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: the whole test suite behind `make check`.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [TAG...]
       ${0##*/} --debug [DEBUG-TAG...]

Run every test of vduse-dkms, for the kernels TAG of tests/kernels.conf
(default: all; \`make check KERNELS="6.1 7.2"\` passes them):

  checkpatch   checkpatch.pl --strict over src/ compat/ include/ tests/kmod/
  build-errors a build that cannot succeed stops with one clear line
  matrix       build for each kernel in its chroot, W=1 -Werror; probe
               results checked against tests/compat/expected
  sparse       sparse (C=2) for each kernel, in the same pass as the build
  pkg          make deb / make rpm, lintian, rpmlint, and the DKMS lifecycle
               (install, kernel upgrade, upgrade, remove, reinstall, image
               builds, purge; the rpm's scriptlets) in a package-test chroot
               of each suite (tests/pkg/run.sh)
  status       vduse-status's signature verdicts (unsigned, key not
               enrolled, enrolled) on a fake module tree in a private mount
               namespace, under valgrind (tests/status/run.sh)
  harness      host-side self-test of the guest harness's splat detector
  guest        boot each kernel under QEMU and run tests/guest/ scenarios
               with the in-tree and the project module sets

With --debug (\`make check-debug\`), the debug kernels of
tests/kernels-debug.conf instead (default: all, today 6.1-debug; not part of
make check: the first build of the kernel took 17 minutes here, the guest
run 10):

  debug-kernel scripts/mkdebugkernel.sh builds the KASAN/lockdep/kmemleak
               kernel from linux-source-6.1, or finds it cached
  matrix       our modules against its tree, W=1 -Werror, with sparse
  guest        every scenario of tests/guest/ with the project module set
               (the kernel has no vDPA bus of its own), any KASAN, lockdep,
               DEBUG_LIST, ODEBUG or UBSAN report failing the kernel log, and
               kmemleak's verdict on our modules at the end

Each test prints one line: PASS, FAIL or SKIP and its name (a SKIP is never
counted as a pass). The last line is "N passed, N failed, N skipped".
The exit status is 0 only when nothing failed. Logs stay under build/.
EOF
}
debug=0
case ${1:-} in
-h | --help) usage; exit 0 ;;
--debug) debug=1; shift ;;
esac
if [ $debug = 1 ]; then
	tags=${*:-$(awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$VDK_KERNELS_DEBUG_CONF")}
	for t in $tags; do vdk_local "$t" || vdk_die "$t is not a debug kernel of $VDK_KERNELS_DEBUG_CONF"; done
else
	tags=${*:-$(vdk_tags)}
fi
for t in $tags; do vdk_kfield "$t" kver >/dev/null; done

results=$(mktemp)
trap 'rm -f "$results"' EXIT

# Run one component; its result lines are echoed and collected, its own
# closing line is shown as a sub-total, and an exit without any FAIL line
# is itself a failure (a crashed component must not look like a pass).
component() {
	local name=$1 rc before after
	shift
	vdk_log "== $name: $*"
	before=$(grep -c '^FAIL ' "$results")
	"$@" 2>&1 | while IFS= read -r line; do
		case $line in
		PASS\ * | FAIL\ * | SKIP\ *)
			echo "$line"
			echo "$line" >>"$results" ;;
		*[0-9]\ passed,\ *[0-9]\ failed*)
			echo "   ($name: $line)" ;;
		*) echo "$line" ;;
		esac
	done
	rc=${PIPESTATUS[0]}
	after=$(grep -c '^FAIL ' "$results")
	if [ "$rc" != 0 ] && [ "$after" = "$before" ]; then
		echo "FAIL  $name  (exited with status $rc without a result line)" |
			tee -a "$results"
	fi
}

# summary WHAT: the failed lines again, the closing count; the status.
summary() {
	local pass fail skip
	pass=$(grep -c '^PASS ' "$results")
	fail=$(grep -c '^FAIL ' "$results")
	skip=$(grep -c '^SKIP ' "$results")
	echo
	if [ "$fail" != 0 ]; then
		echo "Failed:"
		grep '^FAIL ' "$results" | sed 's/^/  /'
	fi
	vdk_log "$1 done"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
}

# The debug kernel, built or found in the cache.
debug_kernel() {
	local kd
	if kd=$("$VDK_TOP/scripts/mkdebugkernel.sh" --print); then
		echo "PASS  debug-kernel/build  (${kd% *}; make took $(cut -d' ' -f1 "${kd#* }/build-time" | head -n 1) s when it was built)"
	else
		echo "FAIL  debug-kernel/build  (scripts/mkdebugkernel.sh failed)"
		return 1
	fi
}

if [ $debug = 1 ]; then
	component debug-kernel debug_kernel
	# shellcheck disable=SC2086
	component matrix "$VDK_TOP/scripts/matrix.sh" --with-sparse $tags
	VDK_SETS=project component guest "$VDK_TOP/tests/harness/run.sh" --kernels "$tags"
	summary "make check-debug"
	exit
fi

component checkpatch "$VDK_TOP/scripts/checkpatch.sh"
component build-errors "$VDK_TOP/tests/build/errors.sh"
# One pass per kernel: the W=1 -Werror build with sparse (C=2) alongside.
# shellcheck disable=SC2086
component matrix "$VDK_TOP/scripts/matrix.sh" --with-sparse $tags
# shellcheck disable=SC2086
component pkg "$VDK_TOP/tests/pkg/run.sh" $tags
component status "$VDK_TOP/tests/status/run.sh"
if [ -x "$VDK_TOP/tests/harness/selftest-detector.sh" ]; then
	component harness "$VDK_TOP/tests/harness/selftest-detector.sh"
else
	echo "FAIL  harness/selftest-detector  (tests/harness/selftest-detector.sh is missing)" |
		tee -a "$results"
fi
if [ -x "$VDK_TOP/tests/harness/run.sh" ]; then
	# The project module set the guests boot is the one dkms built in the
	# package tests (build/dkms/<release>/out/): the package path is the
	# tested path. Without it for every kernel, say so and boot the matrix
	# build instead.
	missing=
	for t in $tags; do
		k=$(vdk_kfield "$t" kver)
		ls "$VDK_TOP/build/dkms/$k/out/"*.ko >/dev/null 2>&1 || missing="$missing $t"
	done
	if [ -z "$missing" ]; then
		export VDK_BUILD_ROOT=$VDK_TOP/build/dkms
		vdk_log "guest: booting the modules dkms built (build/dkms/)"
	else
		echo "FAIL  guest/dkms-modules  (no modules from the package tests for:$missing; the guests boot the matrix build)" |
			tee -a "$results"
	fi
	# shellcheck disable=SC2086
	component guest "$VDK_TOP/tests/harness/run.sh" --kernels "$tags"
else
	echo "FAIL  guest  (tests/harness/run.sh is missing)" | tee -a "$results"
fi

summary "make check"
