#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh: fetch the kernel image and module tree of matrix kernels
# from Debian's archive with apt-get download + dpkg-deb -x, into the cache.
# Nothing is installed into the host and the host's apt configuration is not
# touched: apt runs on its own sources list and state under $VDK_CACHE/apt.
set -euo pipefail
. "$(dirname "$0")/lib/kernels.sh"

usage() {
	cat <<EOF
Usage: ${0##*/} [--print] [--refresh] [TAG|KVER...]

Fetch the kernel image and modules of each kernel of tests/kernels.conf
(default: all of them), given by its tag (e.g. 6.12-deb13) or its release
(e.g. 6.12.117+deb13-amd64), into
  $VDK_KERNELS_DIR/<KVER>/vmlinuz
  $VDK_KERNELS_DIR/<KVER>/config                 (when the package ships it)
  $VDK_KERNELS_DIR/<KVER>/lib/modules/<KVER>/    (with depmod data)
The pinned release of kernels.conf is used; if it has left the archive, the
newest release matching the pattern column is used instead, with a loud
warning. The release used is written to $VDK_KERNELS_DIR/resolved/<TAG>
(scripts/lib/kernels.sh: vdk_resolve_kver TAG). Downloads run in parallel.
A debug kernel of tests/kernels-debug.conf (6.1-debug) is not downloaded:
scripts/mkdebugkernel.sh builds it (or finds it cached) and publishes it
there under its release.

  --print     print "TAG KVER DIR" for each kernel after fetching
  --refresh   refresh the private apt lists first (otherwise at most daily)
  -h, --help  this text
EOF
}

print=0
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--print) print=1; shift ;;
	--refresh) vdk_apt_update --force; shift ;;
	--) shift; break ;;
	-*) usage >&2; exit 2 ;;
	*) break ;;
	esac
done

for c in apt-get dpkg-deb depmod; do
	command -v "$c" >/dev/null || vdk_die "$c is missing"
done
[ -r "$VDK_KEYRING" ] || vdk_die "$VDK_KEYRING is missing: apt-get install debian-archive-keyring"

# Map the arguments to tags.
tags=
for a in "${@:-$(vdk_tags)}"; do
	for w in $a; do
		t=$(awk -v a="$w" '!/^[[:space:]]*(#|$)/ && ($1 == a || $2 == a) { print $1; exit }' \
			"$VDK_KERNELS_CONF" "$VDK_KERNELS_DEBUG_CONF")
		[ -n "$t" ] || vdk_die "'$w' is neither a tag nor a release of $VDK_KERNELS_CONF (tags: $(vdk_tags | tr '\n' ' '))"
		tags="$tags $t"
	done
done

mkdir -p "$VDK_KERNELS_DIR/.logs"

# Unpack the downloaded packages of one release into $VDK_KERNELS_DIR/KVER.
unpack_one() {
	local kver=$1 debs=$2 dir tmp mods img p t0=$SECONDS
	dir=$(vdk_kernel_dir "$kver")
	tmp=$dir.new
	rm -rf "$tmp" "$dir"
	mkdir -p "$tmp/root"
	for p in $debs; do
		dpkg-deb -x "$p" "$tmp/root"
		echo "== $(basename "$p") ($(du -h "$p" | cut -f1)) contains:"
		dpkg-deb -c "$p" | awk '{ print $6 }' |
			sed -E 's|^\./||; s|(modules/[^/]+/kernel/[^/]+)/.*|\1/...|' | sort -u |
			grep -vE '^(usr/share/(doc|bug|lintian)|$)' | head -n 40
	done
	mods=
	for p in "$tmp/root/usr/lib/modules/$kver" "$tmp/root/lib/modules/$kver"; do
		[ -d "$p/kernel" ] && mods=$p
	done
	[ -n "$mods" ] || { echo "no modules/$kver/kernel in $debs"; return 1; }
	img=
	for p in "$tmp/root/boot/vmlinuz-$kver" "$mods/vmlinuz" "$mods/vmlinuz.unsigned"; do
		[ -f "$p" ] && img=$p && break
	done
	[ -n "$img" ] || { echo "no vmlinuz for $kver in $debs"; return 1; }
	# A bzImage carries "HdrS" at offset 0x202.
	[ "$(dd if="$img" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
		{ echo "$img is not a bzImage"; return 1; }
	mv "$img" "$tmp/vmlinuz"
	for p in "$tmp/root/boot/config-$kver" "$mods/config"; do
		[ -f "$p" ] && mv "$p" "$tmp/config" && break
	done
	mkdir -p "$tmp/lib/modules"
	mv "$mods" "$tmp/lib/modules/$kver"
	rm -rf "$tmp/root"
	# The packages leave modules.dep to the postinst; compute it here.
	depmod -b "$tmp" "$kver"
	[ -s "$tmp/lib/modules/$kver/modules.dep" ] || { echo "depmod produced no modules.dep"; return 1; }
	for p in $debs; do basename "$p"; done >"$tmp/.vdk-complete"
	mv "$tmp" "$dir"
	echo "ready in $((SECONDS - t0))s: $dir ($(du -sh "$dir" | cut -f1), $(find "$dir/lib/modules" -name '*.ko*' | wc -l) modules)"
}

# Resolve every release first (apt's cache is not shared safely between
# concurrent apt processes), then download everything in one apt-get call,
# then unpack in parallel.
declare -A kv kp
want=
for tag in $tags; do
	if vdk_local "$tag"; then
		# A debug kernel is built here, not fetched (cached after the
		# first build).
		out=$("$VDK_TOP/scripts/mkdebugkernel.sh" --print) ||
			vdk_die "kernel $tag: scripts/mkdebugkernel.sh failed"
		kv[$tag]=${out%% *}
		continue
	fi
	kv[$tag]=$(vdk_resolve_kver "$tag")
	k=${kv[$tag]}
	if vdk_kernel_ready "$k"; then
		vdk_log "kernel $tag: $k is cached ($(vdk_kernel_dir "$k"))"
		continue
	fi
	kp[$k]=$(vdk_kernel_pkgs "$k") || vdk_die "kernel $tag: no package holds $k"
	want="$want ${kp[$k]}"
done

rc=0
if [ -n "$want" ]; then
	dl=$VDK_KERNELS_DIR/.debs
	rm -rf "$dl"
	mkdir -p "$dl"
	t0=$SECONDS
	vdk_log "downloading$want"
	# shellcheck disable=SC2086
	(cd "$dl" && vdk_apt -q download $want) >"$VDK_KERNELS_DIR/.logs/download.log" 2>&1 || {
		tail -n 15 "$VDK_KERNELS_DIR/.logs/download.log" >&2
		vdk_die "apt-get download failed, log $VDK_KERNELS_DIR/.logs/download.log"
	}
	vdk_log "downloaded $(du -sh "$dl" | cut -f1) in $((SECONDS - t0))s; unpacking"
	declare -A pid
	for tag in $tags; do
		k=${kv[$tag]}
		if vdk_local "$tag" || vdk_kernel_ready "$k"; then continue; fi
		[ -z "${pid[$k]:-}" ] || continue
		debs=
		for p in ${kp[$k]}; do
			f=$(find "$dl" -name "${p}_*.deb")
			[ -n "$f" ] || vdk_die "apt-get download left no ${p}_*.deb in $dl"
			debs="$debs $f"
		done
		unpack_one "$k" "$debs" >"$VDK_KERNELS_DIR/.logs/$k.log" 2>&1 &
		pid[$k]=$!
	done
	for k in "${!pid[@]}"; do
		if wait "${pid[$k]}"; then
			vdk_log "kernel $k $(tail -n 1 "$VDK_KERNELS_DIR/.logs/$k.log")"
		else
			vdk_log "unpacking $k FAILED, log $VDK_KERNELS_DIR/.logs/$k.log:"
			tail -n 15 "$VDK_KERNELS_DIR/.logs/$k.log" >&2
			rc=1
		fi
	done
	rm -rf "$dl"
fi

if [ $print = 1 ]; then
	for tag in $tags; do
		echo "$tag ${kv[$tag]} $(vdk_kernel_dir "${kv[$tag]}")"
	done
fi
exit $rc
