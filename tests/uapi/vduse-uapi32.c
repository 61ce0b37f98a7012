// SPDX-License-Identifier: GPL-2.0
/*
 * vduse-uapi32: the 32-bit compat ioctls of /dev/vduse/$NAME, from an i386
 * process. Freestanding (no 32-bit libc needed to build it): raw int $0x80
 * system calls. vduse-uapi runs it with the device open as fd 3, attached to
 * virtio_vdpa with a driver (API 0, one queue, 4 MiB bounce region), and
 * turns each output line ("ok - name" / "not ok - name (...)") into a case.
 *
 * On i386 a __u64 is 4-byte aligned, so struct vduse_iotlb_entry and
 * struct vduse_vq_info are 4 bytes shorter there and get other ioctl
 * numbers; the kernel must translate both. Everything else is the same
 * layout and goes through the generic compat path.
 */
#include <linux/ioctl.h>
#include <linux/types.h>

#include <uapi/vdk/vduse.h>

#define DEV_FD		3
#define BOUNCE_SIZE	(4 << 20)
#define EFAULT		14
#define EINVAL		22
#define ENOTTY		25
#define ENOENT		2

/* Up to five arguments; the sixth (ebp: mmap2's page offset) is always 0. */
static long sys(long n, long a, long b, long c, long d, long e)
{
	long r;

	__asm__ volatile("push %%ebp\n\txor %%ebp, %%ebp\n\tint $0x80\n\tpop %%ebp"
			 : "=a"(r)
			 : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory");
	return r;
}

#define SYS_exit	1
#define SYS_write	4
#define SYS_close	6
#define SYS_ioctl	54
#define SYS_munmap	91
#define SYS_mmap2	192

static unsigned int slen(const char *s)
{
	unsigned int n = 0;

	while (s[n])
		n++;
	return n;
}

static void out(const char *s)
{
	sys(SYS_write, 1, (long)s, slen(s), 0, 0);
}

static void out_num(long v)
{
	char b[24];
	int i = 23;
	int neg = v < 0;
	unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;

	b[i] = 0;
	do {
		b[--i] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (neg)
		b[--i] = '-';
	out(b + i);
}

static int failed;

static void result(int ok, const char *name, long got, long want)
{
	out(ok ? "ok - " : "not ok - ");
	out(name);
	out(" (got ");
	out_num(got);
	out(", want ");
	out_num(want);
	out(")\n");
	failed |= !ok;
}

static void expect(const char *name, long got, long want)
{
	result(got == want, name, got, want);
}

/* i386 layouts */
struct entry32 {
	__u64 offset;
	__u64 start;
	__u64 last;
	__u8 perm;
} __attribute__((packed, aligned(4)));

struct info32 {
	__u32 index;
	__u32 num;
	__u64 desc_addr;
	__u64 driver_addr;
	__u64 device_addr;
	__u16 avail_index;
	__u16 pad[3];
	__u8 ready;
} __attribute__((packed, aligned(4)));

#define GET_FD32	_IOWR(VDUSE_BASE, 0x10, struct entry32)
#define VQ_GET_INFO32	_IOWR(VDUSE_BASE, 0x15, struct info32)

static long io(unsigned long cmd, void *arg)
{
	return sys(SYS_ioctl, DEV_FD, (long)cmd, (long)arg, 0, 0);
}

static void *memclr(void *p, unsigned int n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = 0;
	return p;
}

static void run(void)
{
	struct info32 info;
	struct entry32 e;
	struct vduse_iova_info ii;
	struct vduse_dev_response resp;
	__u64 feat = 0;
	__u32 idx;
	long r, p;

	expect("struct sizes: entry 28, vq_info 44 bytes",
	       sizeof(e) * 100 + sizeof(info), 2844);
	memclr(&info, sizeof(info));
	r = io(VQ_GET_INFO32, &info);
	result(!r && info.ready && info.num && info.desc_addr, "compat VQ_GET_INFO: the ring",
	       r ? r : (long)info.num, 1);
	info.index = 1;
	expect("compat VQ_GET_INFO index 1 of 1", io(VQ_GET_INFO32, &info), -EINVAL);
	expect("compat VQ_GET_INFO to NULL", io(VQ_GET_INFO32, 0), -EFAULT);

	memclr(&e, sizeof(e));
	r = io(GET_FD32, &e);
	result(r >= 0 && e.start == 0 && e.last == BOUNCE_SIZE - 1 && e.perm == VDUSE_ACCESS_RW,
	       "compat IOTLB_GET_FD at IOVA 0: the bounce region", r, 3);
	if (r >= 0) {
		p = sys(SYS_mmap2, 0, BOUNCE_SIZE, 3 /* RW */, 1 /* SHARED */, r);
		result(p > 0 || p < -4095, "mmap2 of the region from 32 bits", p > 0 || p < -4095 ? 0 : p, 0);
		if (p > 0 || p < -4095)
			sys(SYS_munmap, p, BOUNCE_SIZE, 0, 0, 0);
		sys(SYS_close, r, 0, 0, 0, 0);
	}
	memclr(&e, sizeof(e));
	e.start = 1;
	expect("compat IOTLB_GET_FD with start > last", io(GET_FD32, &e), -EINVAL);
	expect("compat IOTLB_GET_FD to NULL", io(GET_FD32, 0), -EFAULT);

	r = io(VDUSE_DEV_GET_FEATURES, &feat);
	result(!r && feat == ((1ULL << 32) | (1ULL << 33)), "GET_FEATURES from 32 bits", r, 0);
	idx = 0;
	expect("VQ_INJECT_IRQ from 32 bits", io(VDUSE_VQ_INJECT_IRQ, &idx), 0);
	idx = 1;
	expect("VQ_INJECT_IRQ index 1 from 32 bits", io(VDUSE_VQ_INJECT_IRQ, &idx), -EINVAL);
	memclr(&ii, sizeof(ii));
	ii.last = ~0ULL;
	r = io(VDUSE_IOTLB_GET_INFO, &ii);
	result(!r && ii.last == BOUNCE_SIZE - 1 && ii.capability == VDUSE_IOVA_CAP_UMEM,
	       "IOTLB_GET_INFO from 32 bits", r, 0);
	expect("unknown ioctl from 32 bits", io(_IO(VDUSE_BASE, 0x7f), 0), -ENOTTY);
	memclr(&resp, sizeof(resp));
	resp.request_id = 4242;
	expect("write() of an unsolicited response from 32 bits",
	       sys(SYS_write, DEV_FD, (long)&resp, sizeof(resp), 0, 0), -ENOENT);
}

void _start(void);
void _start(void)
{
	run();
	sys(SYS_exit, failed, 0, 0, 0, 0);
	for (;;)
		;
}
