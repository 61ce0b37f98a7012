#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest-detector.sh: host-only unit test of the guest harness's splat
# detector (tests/harness/splat.sh) on sample console text: every kind of
# kernel report must be caught, clean boot noise and guest userspace output
# must not be.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/splat.sh"

case ${1:-} in
-h | --help)
	cat <<EOF
Usage: ${0##*/}

Feed sample guest console logs to the splat detector of tests/harness/run.sh
and check its verdicts. One line per case, PASS|FAIL harness/splat/<case>,
then "N passed, N failed". Takes well under a second; needs no guest.
EOF
	exit 0 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# A clean boot: noise a healthy guest prints, including the taint notes our
# unsigned out-of-tree modules cause and userspace output that happens to
# contain the trigger words (no printk timestamp, so not kernel log).
clean=$tmp/clean.log
cat >"$clean" <<'EOF'
SeaBIOS (version 1.16.2-debian-1.16.2-1)
[    0.000000] Linux version 6.12.117+deb13-amd64 (debian-kernel@lists.debian.org)
[    0.000000] Command line: console=ttyS0,115200 rdinit=/init panic=-1 printk.time=1
[    0.120000] Spectre V2 : Mitigation: Retpolines
[    0.130000] RETBleed: Mitigation: untrained return thunk
[    1.200000] Warning: unable to open an initial console.
[    4.638123] Run /init as init process
[    6.100000] vdpa: loading out-of-tree module taints kernel.
[    6.100100] vdpa: module verification failed: signature and/or required key missing - tainting kernel
[    6.668170] virtio_blk virtio0: [vda] 131072 512-byte logical blocks (67.1 MB/64.0 MiB)
[    0.052000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15979)
[    0.053000] kmemleak: Automatic memory scanning thread started
[   40.100000] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[    0.090000] Running RCU self tests
[    0.000000] rcu: 	RCU callback double-/use-after-free debug is enabled.
[    0.091000] lockdep: fixing up alternatives.
[vdk in-tree/container] WARNING: this is userspace output, not the kernel log
[vdk in-tree/container] FAILED: BUG: a scenario message
vdk tap: # reason: Oops from a script
fio: verify type mismatch (this is fio, not the kernel) Call Trace:
EOF

check() { # NAME EXPECT(yes|no) FILE
	local got=no
	vdk_splats "$3" >"$tmp/out" && got=yes
	if [ "$got" = "$2" ]; then
		echo "PASS harness/splat/$1"
		pass=$((pass + 1))
	else
		echo "FAIL harness/splat/$1  (expected detection: $2, got: $got; matched: $(head -n 1 "$tmp/out"))"
		fail=$((fail + 1))
	fi
}

check clean-boot no "$clean"
check userspace-only no <(grep -v '^\[ *[0-9]' "$clean")
check empty-log no /dev/null

# One case per kind of report: the line is appended to the clean log.
while IFS='|' read -r name line; do
	[ -n "$name" ] || continue
	{ cat "$clean"; printf '%b\n' "$line"; } >"$tmp/$name.log"
	check "$name" yes "$tmp/$name.log"
done <<'EOF'
warn|[   12.345678] WARNING: CPU: 1 PID: 234 at drivers/vdpa/vdpa_user/vduse_dev.c:1234 vduse_dev_ioctl+0x1f/0x2a0 [vduse]
lkdtm-warn|[   20.000001] lkdtm: Performing direct entry WARNING\n[   20.000100] ------------[ cut here ]------------\n[   20.000200] WARNING: CPU: 0 PID: 300 at drivers/misc/lkdtm/bugs.c:84 lkdtm_WARNING+0x1/0x2 [lkdtm]
kmsg-warn|[   21.000000] WARNING: vdk harness self-test line written to /dev/kmsg
null-deref|[    9.100000] BUG: kernel NULL pointer dereference, address: 0000000000000008
oops|[    9.100100] Oops: 0000 [#1] PREEMPT SMP NOPTI
gpf|[    9.200000] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI
kasan|[    9.300000] BUG: KASAN: slab-use-after-free in vdpa_dev_del+0x2c/0x90 [vdpa]
kasan-6.1|[    9.300000] BUG: KASAN: use-after-free in vduse_dev_ioctl+0x2c/0x90 [vduse]
kasan-oob|[    9.300000] BUG: KASAN: slab-out-of-bounds in vduse_vq_setup+0x2c/0x90 [vduse]
kmemleak-ours|[  300.000000] kmemleak: unreferenced object 0xffff888003a1c2d0 (size 64): backtrace: kmalloc_trace+0x26/0x60 < vduse_dev_create+0x12/0x300 [vduse]
kmemleak-off|[    0.060000] kmemleak: Kernel memory leak detector disabled
kmemleak-oom|[   30.000000] kmemleak: Cannot allocate a kmemleak_object structure
lockdep-nonstatic|[    9.800000] INFO: trying to register non-static key.
odebug|[    9.900000] ODEBUG: free active (active state 0) object: 00000000a1b2c3d4 object type: timer_list hint: vduse_timeout+0x0/0x10 [vduse]
usercopy|[   10.000000] usercopy: Kernel memory exposure attempt detected from SLUB object 'kmalloc-64' (offset 0, size 128)!
kernel-bug|[    9.400000] kernel BUG at drivers/vdpa/vdpa.c:55!
sleeping|[    9.500000] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580
lockdep-circular|[    9.600000] WARNING: possible circular locking dependency detected
lockdep-inconsistent|[    9.600000] WARNING: inconsistent lock state
lockdep-rcu|[    9.700000] WARNING: suspicious RCU usage
lockdep-recursive|[    9.700000] WARNING: possible recursive locking detected
hung-task|[  130.000000] INFO: task qemu-storage-d:123 blocked for more than 120 seconds.
hung-task-2|[  130.000000] INFO: task dd:77 blocked for more than 2 seconds.
soft-lockup|[   50.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [vdpa:99]
rcu-stall|[   60.000000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
refcount|[   11.000000] refcount_t: underflow; use-after-free.
list-add|[   11.100000] list_add corruption. prev->next should be next (ffff888003a1c2d0), but was 0000000000000000. (prev=ffff888003a1c2d0).
list-del|[   11.200000] list_del corruption, ffff888003a1c2d0->next is LIST_POISON1 (dead000000000100)
ubsan|[   11.300000] UBSAN: array-index-out-of-bounds in drivers/vdpa/vdpa.c:123:4
panic|[   11.400000] Kernel panic - not syncing: Fatal exception
call-trace|[   11.500000] Call Trace:
segfault|[   11.600000] qemu-storage-d[99]: segfault at 0 ip 00007f0000000000 sp 00007ffc00000000 error 4 in libc.so.6
colour|\x1b[32m[    4.638123] \x1b[0m\x1b[33mvduse: \x1b[0mWARNING: CPU: 0 PID: 1 at somewhere
serial-cr|[    4.638123] BUG: unable to handle page fault for address: ffffc90000000000\r
EOF

echo "$pass passed, $fail failed"
[ $fail = 0 ]
