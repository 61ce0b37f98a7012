#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# matrix.sh: build the package against every kernel of tests/kernels.conf,
# each inside the cached chroot of its suite with the compiler its kernel was
# built with, W=1 and warnings as errors.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--sparse] [TAG...]

Build the modules for each kernel TAG of tests/kernels.conf (default: all)
inside its suite's chroot (scripts/mkchroot.sh creates and caches them),
or, for a debug kernel of tests/kernels-debug.conf (named explicitly, e.g.
6.1-debug), on the host against the tree scripts/mkdebugkernel.sh built,
with W=1 and KCFLAGS=-Werror. Prints one result line per kernel
(PASS/FAIL matrix/<tag>/build and matrix/<tag>/probes, the
latter comparing the probe results with tests/compat/expected), a kernel x module table and the closing
line "N passed, N failed". Build logs: build/matrix/<tag>.log. The built
modules land in build/<release>/out/, where the guest harness finds them.

  --sparse   run sparse (C=2) instead and fail on any sparse warning
             (results: PASS/FAIL sparse/<tag>)
  --with-sparse  both in one pass per kernel (make check): the W=1 build
             with C=2, reporting matrix/<tag>/... and sparse/<tag>
  -h, --help this text
EOF
}

mode=build
with_sparse=
case ${1:-} in
-h | --help) usage; exit 0 ;;
--sparse) mode=sparse; shift ;;
--with-sparse) with_sparse=y; shift ;;
esac
tags=${*:-$(vdk_tags)}

[ "$(id -u)" = 0 ] || vdk_die "the build matrix uses chroots and needs root"
out=$VDK_TOP/build/matrix
mkdir -p "$out"

# Create the chroots first, one per suite.
suites=$(for t in $tags; do vdk_local "$t" || vdk_kfield "$t" chroot; done | sort -u)
for s in $suites; do
	if ! "$VDK_TOP/scripts/mkchroot.sh" "$s"; then
		echo "FAIL  matrix/chroot-$s  (scripts/mkchroot.sh $s failed; see the lines above)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

pass=0
fail=0
table=

# sparse_result NAME LOG RC: sparse reports come as warnings or errors from
# the checker on our files. Kbuild turns sparse off with only a warning when
# it thinks the checker is unusable: no CHECK line means sparse did not run.
sparse_result() {
	local name=$1 log=$2 rc=$3
	if grep -q 'specified, but .* is not available' "$log" ||
		! grep -q '^  CHECK ' "$log"; then
		echo "FAIL  $name  (sparse did not run; log: $log)"; fail=$((fail + 1))
	elif [ "$rc" = 0 ] && ! grep -qE "^($VDK_TOP/build/[^/]+/)?(src|compat|include|tests)/[^:]*:[0-9]+:[0-9]+: (warning|error):" "$log"; then
		echo "PASS  $name"; pass=$((pass + 1))
	else
		echo "FAIL  $name  (log: $log)"; fail=$((fail + 1))
		grep -E ': (warning|error):' "$log" | head -n 20 | sed 's/^/      /' || true
	fi
}

for tag in $tags; do
	log=$out/$tag${mode/build/}.log
	# A debug kernel (tests/kernels-debug.conf) is built here, and so are
	# our modules for it: on the host, whose compiler built it, against
	# its tree; its probes must give what its "as" kernel's give.
	exp_tag=$tag
	if vdk_local "$tag"; then
		exp_tag=$(vdk_kfield "$tag" as)
		if ! kv=$("$VDK_TOP/scripts/mkdebugkernel.sh" --print 2>"$log"); then
			echo "FAIL  matrix/$tag/build  (scripts/mkdebugkernel.sh failed; log: $log)"
			fail=$((fail + 1))
			continue
		fi
		kver=${kv%% *}
		kdir=${kv#* }/src
	else
		kver=$(vdk_kfield "$tag" kver)
		suite=$(vdk_kfield "$tag" chroot)
		root=$("$VDK_TOP/scripts/mkchroot.sh" --path "$suite")
	fi
	if [ $mode = sparse ]; then
		args="C=2 VDK_TEST_MODULES=y"
		name=sparse/$tag
	else
		args="W=1 KCFLAGS=-Werror VDK_TEST_MODULES=y${with_sparse:+ C=2}"
		name=matrix/$tag
	fi
	vdk_log "$name: building for $kver $(vdk_local "$tag" && echo "on the host against $kdir" || echo "in the $suite chroot")"
	rm -rf "$VDK_TOP/build/$kver/out"
	# The repository is bind-mounted at the same path inside the chroot so
	# the build directory's absolute symlinks stay valid; /proc is needed by
	# objtool on newer kernels. The mount namespace takes both away again.
	rc=0
	if vdk_local "$tag"; then
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
			make -C "$VDK_TOP" KVER="$kver" KDIR="$kdir" $args modules >"$log" 2>&1 || rc=$?
	else
		unshare -m /bin/bash -c '
			set -e
			root=$1 top=$2; shift 2
			mkdir -p "$root$top"
			mount --bind "$top" "$root$top"
			mount -t proc proc "$root/proc"
			exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
				HOME=/root LC_ALL=C.UTF-8 "$@"
		' vdk "$root" "$VDK_TOP" make -C "$VDK_TOP" KVER="$kver" \
			KDIR="/usr/src/linux-headers-$kver" $args modules >"$log" 2>&1 || rc=$?
	fi
	if [ $mode = sparse ]; then
		sparse_result "$name" "$log" "$rc"
		continue
	fi
	# The probe results must match tests/compat/expected.
	cfg=$VDK_TOP/build/$kver/vdk_config.h
	bad=
	while read -r macro want; do
		have=no
		[ -f "$cfg" ] && grep -q "^#define $macro 1" "$cfg" && have=yes
		case " $want " in *" $exp_tag "*) exp=yes ;; *) exp=no ;; esac
		[ $have = $exp ] || bad="$bad $macro(expected $exp, got $have)"
	done < <(grep -vE '^[[:space:]]*(#|$)' "$VDK_TOP/tests/compat/expected")
	if [ -f "$cfg" ] && [ -z "$bad" ]; then
		echo "PASS  $name/probes"; pass=$((pass + 1))
	else
		echo "FAIL  $name/probes  (${bad:- no vdk_config.h}; log: $VDK_TOP/build/$kver/probes/probe.log)"
		fail=$((fail + 1))
	fi
	mods=$(cd "$VDK_TOP/build/$kver/out" 2>/dev/null && ls -- *.ko 2>/dev/null | tr '\n' ' ' || true)
	# Every module directory with a Kbuild file takes part in the build, so
	# a clean exit means the whole module set for this kernel was built.
	if [ $rc = 0 ]; then
		echo "PASS  $name/build"; pass=$((pass + 1))
	else
		echo "FAIL  $name/build  (log: $log)"; fail=$((fail + 1))
		grep -E '(error|warning):|Error [0-9]' "$log" | head -n 20 | sed 's/^/      /' || true
	fi
	if [ -f "$VDK_TOP/build/$kver/tests/kmod/vdk_compat_smoke.ko" ]; then
		echo "PASS  $name/compat-smoke"; pass=$((pass + 1))
	else
		echo "FAIL  $name/compat-smoke  (log: $log)"; fail=$((fail + 1))
	fi
	[ -z "$with_sparse" ] || sparse_result "sparse/$tag" "$log" "$rc"
	table="$table$(printf '%-12s %-26s %s' "$tag" "$kver" "${mods:-(none)}")
"
done

if [ $mode = build ]; then
	echo
	printf '%-12s %-26s %s\n' kernel release modules
	printf '%s' "$table"
	echo
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
