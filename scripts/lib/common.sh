# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for vduse-dkms scripts. Source it; it defines:
#   VDK_TOP     the repository root
#   VDK_CACHE   the cache directory (~/.cache/vduse-dkms unless VDK_CACHE is set)
#   vdk_log MSG     progress line on stderr, with seconds since the script started
#   vdk_die MSG     one clear error line on stderr, exit 1
#   vdk_tags        the tags of tests/kernels.conf, in order (the default set;
#                   the debug kernels of tests/kernels-debug.conf are not in it)
#   vdk_kfield TAG COLUMN   one column of tests/kernels.conf, or of
#                   tests/kernels-debug.conf for a debug kernel's tag
#                   (columns: tag kver pattern chroot cc suite; the debug
#                   kernels also have: as slow)
#   vdk_local TAG   true when TAG is built here (suite "local"), not fetched

VDK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VDK_CACHE=${VDK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vduse-dkms}
VDK_KERNELS_CONF=${VDK_KERNELS_CONF:-$VDK_TOP/tests/kernels.conf}
VDK_KERNELS_DEBUG_CONF=${VDK_KERNELS_DEBUG_CONF:-$VDK_TOP/tests/kernels-debug.conf}
VDK_T0=${VDK_T0:-$SECONDS}

vdk_log() {
	printf '[%4ds] %s\n' "$((SECONDS - VDK_T0))" "$*" >&2
}

vdk_die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

vdk_tags() {
	awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$VDK_KERNELS_CONF"
}

vdk_kfield() {
	local col files=("$VDK_KERNELS_CONF")
	[ ! -f "$VDK_KERNELS_DEBUG_CONF" ] || files+=("$VDK_KERNELS_DEBUG_CONF")
	case $2 in
	tag) col=1 ;; kver) col=2 ;; pattern) col=3 ;; chroot) col=4 ;;
	cc) col=5 ;; suite) col=6 ;; as) col=7 ;; slow) col=8 ;;
	*) vdk_die "unknown kernels.conf column '$2'" ;;
	esac
	awk -v t="$1" -v c="$col" '!/^[[:space:]]*(#|$)/ && $1 == t { print $c; f = 1; exit }
		END { exit !f }' "${files[@]}" ||
		vdk_die "kernel '$1' is not in $VDK_KERNELS_CONF (known: $(vdk_tags | tr '\n' ' ')) nor in $VDK_KERNELS_DEBUG_CONF"
}

vdk_local() {
	[ "$(vdk_kfield "$1" suite)" = local ]
}
