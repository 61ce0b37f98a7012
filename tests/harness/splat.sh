# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The splat detector of the guest harness. Source it; it defines
#   vdk_splats FILE   print the kernel log lines of FILE (a guest console
#                     log, which includes the final dmesg dump) that report
#                     a kernel problem; exit status 0 if there is any.
#
# Only kernel log lines are read: those starting with a printk timestamp
# "[   12.345678] " (the harness boots with printk.time=1). Output of the
# guest's userspace on the console carries no timestamp, so a scenario
# printing e.g. "WARNING:" cannot trip it, while a line written to
# /dev/kmsg does (it is in the kernel log).

# One extended regular expression per kind of report.
VDK_SPLAT_PATTERNS=(
	'WARNING:'
	'BUG:'
	'kernel BUG'
	'\bOops\b'
	'general protection fault'
	'KASAN'
	'UBSAN'
	'KFENCE'
	'Kernel panic'
	'Call Trace:'
	# lockdep
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'possible irq lock inversion'
	'suspicious RCU usage'
	'bad unlock balance'
	'held lock freed'
	'lock held when returning to user'
	'DEBUG_LOCKS_WARN_ON'
	'trying to register non-static key'
	# stalls and hung tasks
	'hung task'
	'blocked for more than'
	'soft lockup'
	'hard LOCKUP'
	'rcu.*detected stall'
	# memory and list corruption
	'refcount_t'
	'list_add corruption'
	'list_del corruption'
	'slab.*corrupt'
	'Bad page'
	'double free'
	'use-after-free'
	'ODEBUG:'
	'usercopy:'
	# kmemleak (debug kernels): a leak that tests/guest/init attributes to
	# our modules, which it writes to the kernel log as "kmemleak:
	# unreferenced object ..." (the base kernel's suspects are only listed,
	# and kmemleak's own "N new suspected memory leaks" line is not a
	# verdict), and kmemleak giving up, which would make its verdict empty
	'unreferenced object'
	'kmemleak: (Cannot|.*disabled)'
	# a userspace crash (the kernel logs it): the daemon or a tool died
	'segfault at'
)

# Kernel log lines that match a pattern above but report no problem: boot
# banners of the debug kernel's checks.
VDK_SPLAT_BENIGN=(
	# CONFIG_DEBUG_OBJECTS_RCU_HEAD announcing itself
	'rcu:[[:space:]]+RCU callback double-/use-after-free debug is enabled\.$'
)

vdk_splat_regex() {
	local IFS='|'
	echo "${VDK_SPLAT_PATTERNS[*]}"
}

vdk_splats() {
	[ -r "$1" ] || return 1
	# Strip the CRs of the serial console and colour escapes, keep
	# timestamped lines only.
	tr -d '\r' <"$1" | sed -E 's/\x1b\[[0-9;]*[A-Za-z]//g' |
		grep -aE '^\[ *[0-9]+\.[0-9]+\] ' | grep -aE "$(vdk_splat_regex)" |
		grep -avE "$(IFS='|'; echo "${VDK_SPLAT_BENIGN[*]}")"
}
