#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh: the kernel's checkpatch.pl --strict over our C sources.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [FILE...]

Run checkpatch.pl --strict (taken from Debian's linux-source-6.1 package,
unpacked once into $VDK_CACHE/checkpatch) over FILE, by default every .c
and .h file under src/, compat/, include/ and tests/kmod/. Prints
PASS/FAIL checkpatch/<file> per file and the closing line "N passed, N failed".
EOF
}
case ${1:-} in -h | --help) usage; exit 0 ;; esac

tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$tarball" ] || vdk_die "checkpatch.pl comes from Debian's linux-source package: apt install linux-source-6.1"
dir=$VDK_CACHE/checkpatch/$(basename "$tarball" .tar.xz)
if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	vdk_log "unpacking checkpatch.pl from $tarball"
	mkdir -p "$dir"
	top=$(basename "$tarball" .tar.xz)
	tar xf "$tarball" -C "$dir" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi

cd "$VDK_TOP"
if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(find src compat include tests/kmod -name '*.[ch]' 2>/dev/null | sort)
fi
pass=0
fail=0
for f in "${files[@]}"; do
	out=$("$dir/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES -f "$f" 2>&1 || true)
	if echo "$out" | grep -qE '^[^:]+:[0-9]+: (ERROR|WARNING|CHECK):'; then
		echo "FAIL  checkpatch/$f"
		echo "$out" | grep -E ': (ERROR|WARNING|CHECK):' | sed 's/^/      /'
		fail=$((fail + 1))
	else
		echo "PASS  checkpatch/$f"
		pass=$((pass + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
