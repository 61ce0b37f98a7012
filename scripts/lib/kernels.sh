# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Kernel matrix helpers shared by scripts/fetch-kernel.sh, the guest harness
# and (if it wants the resolved release) the build matrix. Source it; it
# sources common.sh and defines:
#
#   vdk_kernel_field TAG COLUMN  one column of tests/kernels.conf
#                                (tag kver pattern chroot cc suite)
#   vdk_resolve_kver TAG         the kernel release to use for TAG: the pinned
#                                kver column while Debian's archive still has
#                                it (or it is already fetched), else the newest
#                                release in the archive matching the pattern
#                                column (with a loud warning on stderr). The
#                                answer is also written to
#                                $VDK_CACHE/kernels/resolved/TAG.
#   vdk_kernel_dir KVER          where fetch-kernel.sh unpacks KVER:
#                                KVER/vmlinuz, KVER/config (if shipped),
#                                KVER/lib/modules/KVER/
#   vdk_kernel_ready KVER        true when that directory is complete
#   vdk_apt ARGS / vdk_apt_cache ARGS
#                                apt-get / apt-cache on the private apt state
#                                under $VDK_CACHE/apt (never the host's)
#   vdk_apt_update [--force]     refresh that state (at most once a day
#                                unless forced)
#   vdk_kernel_pkgs KVER         the archive packages holding KVER's image
#                                and modules (needs the apt state)

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VDK_APT_DIR=$VDK_CACHE/apt
VDK_KERNELS_DIR=$VDK_CACHE/kernels
VDK_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

vdk_kernel_field() {
	vdk_kfield "$@"
}

vdk_kernel_dir() {
	echo "$VDK_KERNELS_DIR/$1"
}

vdk_kernel_ready() {
	[ -f "$VDK_KERNELS_DIR/$1/.vdk-complete" ]
}

# The private sources list: every suite a matrix kernel can come from.
# bullseye (archived) and sid may carry a Valid-Until in the past.
vdk_apt_sources() {
	local m=http://deb.debian.org/debian s=http://deb.debian.org/debian-security
	local k="signed-by=$VDK_KEYRING"
	cat <<EOF
deb [$k check-valid-until=no] $m bullseye main
deb [$k] $m bookworm main
deb [$k] $s bookworm-security main
deb [$k] $m trixie main
deb [$k] $s trixie-security main
deb [$k check-valid-until=no] $m sid main
EOF
}

vdk_apt_opts() {
	local d=$VDK_APT_DIR
	printf '%s\n' \
		-o "Dir::Etc::SourceList=$d/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o "Dir::State=$d/state" \
		-o "Dir::State::status=$d/state/status" \
		-o "Dir::Cache=$d/cache" \
		-o Dir::Cache::pkgcache=pkgcache.bin \
		-o Dir::Cache::srcpkgcache=srcpkgcache.bin \
		-o APT::Architecture=amd64 \
		-o APT::Architectures=amd64 \
		-o Acquire::Languages=none \
		-o APT::Sandbox::User=root \
		-o Debug::NoLocking=true
}

vdk_apt_setup() {
	local d=$VDK_APT_DIR want
	mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial"
	[ -f "$d/state/status" ] || : >"$d/state/status"
	want=$(vdk_apt_sources)
	if [ ! -f "$d/sources.list" ] || [ "$(cat "$d/sources.list")" != "$want" ]; then
		echo "$want" >"$d/sources.list"
		rm -f "$d/state/.vdk-updated"
	fi
}

vdk_apt() {
	local -a o
	vdk_apt_setup
	mapfile -t o < <(vdk_apt_opts)
	apt-get "${o[@]}" "$@"
}

vdk_apt_cache() {
	local -a o
	vdk_apt_setup
	mapfile -t o < <(vdk_apt_opts)
	apt-cache "${o[@]}" "$@"
}

vdk_apt_update() {
	local stamp=$VDK_APT_DIR/state/.vdk-updated t0=$SECONDS
	vdk_apt_setup
	if [ "${1:-}" != --force ] && [ -f "$stamp" ] &&
		[ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		return 0
	fi
	vdk_log "apt: refreshing the package lists of bullseye bookworm(-security) trixie(-security) sid (private state in $VDK_APT_DIR)"
	vdk_apt -q update >"$VDK_APT_DIR/update.log" 2>&1 ||
		vdk_die "apt-get update failed, see $VDK_APT_DIR/update.log"
	# apt-get update exits 0 even when a suite failed to download.
	if grep -qE '^(W|E): (Failed|Some index files failed)' "$VDK_APT_DIR/update.log"; then
		vdk_die "apt-get update could not fetch every suite, see $VDK_APT_DIR/update.log"
	fi
	touch "$stamp"
	vdk_log "apt: package lists ready ($((SECONDS - t0))s)"
}

# Is PKG (a real package, not only a virtual one) in the archive?
vdk_apt_has() {
	local out
	out=$(vdk_apt_cache show --no-all-versions "$1" 2>/dev/null) || return 1
	case $out in Package:*) return 0 ;; *) return 1 ;; esac
}

# KVER's packages: sid's newer layout splits the image into
# linux-binary-unsigned-KVER (vmlinuz under usr/lib/modules/KVER/) and
# linux-modules-KVER, plus linux-base-KVER (config, modules.builtin,
# modules.order); older kernels have one linux-image-KVER.
vdk_kernel_pkgs() {
	if vdk_apt_has "linux-modules-$1"; then
		if vdk_apt_has "linux-base-$1"; then
			echo "linux-binary-unsigned-$1 linux-modules-$1 linux-base-$1"
		else
			echo "linux-binary-unsigned-$1 linux-modules-$1"
		fi
	elif vdk_apt_has "linux-image-$1"; then
		echo "linux-image-$1"
	else
		return 1
	fi
}

# The kernels.conf pattern as an anchored ERE: '*' stands for the numeric
# part only (so 6.1.0-*-amd64 does not match 6.1.0-56-rt-amd64).
vdk_pattern_re() {
	local p=$1
	p=${p//./\\.}
	p=${p//+/\\+}
	p=${p//\*/[0-9.]+}
	echo "^$p\$"
}

vdk_resolve_kver() {
	local tag=$1 pin pattern re best out
	pin=$(vdk_kfield "$tag" kver)
	pattern=$(vdk_kfield "$tag" pattern)
	out=$VDK_KERNELS_DIR/resolved
	mkdir -p "$out"
	# Already fetched: no need to ask the archive.
	if vdk_kernel_ready "$pin"; then
		echo "$pin" | tee "$out/$tag"
		return 0
	fi
	vdk_apt_update
	if vdk_kernel_pkgs "$pin" >/dev/null; then
		echo "$pin" | tee "$out/$tag"
		return 0
	fi
	# The lists may be a day old: refresh once before falling back.
	vdk_apt_update --force
	if vdk_kernel_pkgs "$pin" >/dev/null; then
		echo "$pin" | tee "$out/$tag"
		return 0
	fi
	re=$(vdk_pattern_re "$pattern")
	best=$( { vdk_apt_cache pkgnames linux-image-; vdk_apt_cache pkgnames linux-modules-; } |
		sed -nE 's/^linux-(image|modules)-//p' | grep -E "$re" | sort -uV | tail -n 1 || true)
	[ -n "$best" ] || vdk_die "kernel $tag: neither the pinned $pin nor any release matching '$pattern' is in the archive"
	{
		echo "######################################################################"
		echo "WARNING: kernel $tag: the pinned release $pin has left Debian's archive;"
		echo "WARNING: using $best, the newest release matching '$pattern'."
		echo "WARNING: update tests/kernels.conf to pin it."
		echo "######################################################################"
	} >&2
	echo "$best" | tee "$out/$tag"
}
