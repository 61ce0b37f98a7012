// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_bad - drive /dev/vhost-vdpa-N through its bad-input cases
 *
 * Usage: vhost_bad --ours|--in-tree /dev/vhost-vdpa-N
 *        vhost_bad --destroy-vduse NAME
 *
 * The second form only destroys the VDUSE device NAME (VDUSE_DESTROY_DEV),
 * for a scenario whose daemon died without doing so.
 *
 * The device must be a VDUSE block device (qemu-storage-daemon's vduse-blk
 * export, 2 queues, 1 group, 1 address space) bound to vhost_vdpa and not
 * opened by anybody else. Every case states the exact result it wants;
 * the common cases must give the same results with our vhost_vdpa.ko
 * (5.10, 6.1) and the in-tree one (6.12, 7.2). The few places where ours
 * deliberately differs (docs/vhost_vdpa.md) are checked for the module
 * named by --ours or --in-tree.
 *
 * Output: one "ok N - name" or "not ok N - name: got ..., want ..." line
 * per case, then "vhost_bad: P passed, F failed". Exit status 0 iff
 * nothing failed, 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vduse.h>
#include <linux/vhost.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#define PAGE	4096UL
#define NVQS	2
#define IOVA	0x100000ULL

static int passed, failed, caseno;
static const char *impl;	/* "ours" or "in-tree" */

static void result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	caseno++;
	if (ok) {
		passed++;
		printf("ok %d - %s\n", caseno, name);
	} else {
		failed++;
		printf("not ok %d - %s: ", caseno, name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	fflush(stdout);
}

/* ret is a syscall's result; want_errno 0 means success (ret >= 0). */
static void expect(const char *name, long ret, int err, int want_errno)
{
	if (want_errno == 0)
		result(ret >= 0, name, "got errno %d (%s), want success",
		       err, strerror(err));
	else if (ret >= 0)
		result(0, name, "got success (%ld), want errno %d (%s)", ret,
		       want_errno, strerror(want_errno));
	else
		result(err == want_errno, name,
		       "got errno %d (%s), want errno %d (%s)", err,
		       strerror(err), want_errno, strerror(want_errno));
}

#define IOC(name, fd, cmd, arg, want) do {				\
	long r_ = ioctl((fd), (cmd), (arg));				\
	expect((name), r_, errno, (want));				\
} while (0)

/* A write() must return exactly want_len, or fail with want_errno. */
static void expect_write(const char *name, int fd, const void *buf,
			 size_t len, long want_len, int want_errno)
{
	long r = write(fd, buf, len);
	int err = errno;

	if (want_errno)
		expect(name, r, err, want_errno);
	else
		result(r == want_len, name, "got %ld (errno %d %s), want %ld",
		       r, r < 0 ? err : 0, r < 0 ? strerror(err) : "-",
		       want_len);
}

static void die(const char *what)
{
	fprintf(stderr, "vhost_bad: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* One VHOST_IOTLB_MSG_V2 message. */
static struct vhost_msg_v2 msg2(uint32_t asid, uint8_t type, uint64_t iova,
				uint64_t size, uint64_t uaddr, uint8_t perm)
{
	struct vhost_msg_v2 m;

	memset(&m, 0, sizeof(m));
	m.type = VHOST_IOTLB_MSG_V2;
	m.asid = asid;
	m.iotlb.type = type;
	m.iotlb.iova = iova;
	m.iotlb.size = size;
	m.iotlb.uaddr = uaddr;
	m.iotlb.perm = perm;
	return m;
}

static void iotlb(const char *name, int fd, struct vhost_msg_v2 m,
		  int want_errno)
{
	expect_write(name, fd, &m, sizeof(m), sizeof(m), want_errno);
}

static void test_open_and_owner(const char *path, int fd)
{
	struct vhost_vring_state s = { .index = 0, .num = 256 };
	struct vhost_msg_v2 m;
	uint32_t id, zero = 0;
	uint64_t features;
	int fd2;

	fd2 = open(path, O_RDWR);
	expect("second open", fd2, errno, EBUSY);
	if (fd2 >= 0)
		close(fd2);

	/* Device-wide queries need no owner. */
	IOC("GET_FEATURES without owner", fd, VHOST_GET_FEATURES, &features, 0);
	IOC("GET_DEVICE_ID without owner", fd, VHOST_VDPA_GET_DEVICE_ID, &id,
	    0);
	result(id == VIRTIO_ID_BLOCK, "device id is virtio-blk",
	       "got %u, want %u", id, VIRTIO_ID_BLOCK);

	/* The vhost core and per-virtqueue ioctls and IOTLB need one. */
	IOC("SET_VRING_NUM without owner", fd, VHOST_SET_VRING_NUM, &s, EPERM);
	IOC("unknown ioctl without owner", fd, _IO(VHOST_VIRTIO, 0xee), NULL,
	    EPERM);
	m = msg2(0, VHOST_IOTLB_INVALIDATE, IOVA, PAGE, 0, 0);
	iotlb("IOTLB message without owner", fd, m, EFAULT);
	IOC("SET_LOG_BASE (no dirty log)", fd, VHOST_SET_LOG_BASE, &features,
	    ENOTTY);

	IOC("SET_OWNER", fd, VHOST_SET_OWNER, NULL, 0);
	IOC("second SET_OWNER", fd, VHOST_SET_OWNER, NULL, EBUSY);
	/* An unknown ioctl is taken for a per-virtqueue one: index first. */
	IOC("unknown ioctl, NULL argument", fd, _IO(VHOST_VIRTIO, 0xee), NULL,
	    EFAULT);
	IOC("unknown ioctl, index 0", fd, _IO(VHOST_VIRTIO, 0xee), &zero,
	    ENOTTY);
}

static void test_owner_from_child(int fd)
{
	struct vhost_vring_state s = { .index = 0, .num = 256 };
	struct vhost_msg_v2 m = msg2(0, VHOST_IOTLB_INVALIDATE, IOVA, PAGE, 0,
				     0);
	int status;
	pid_t pid;

	/* Another process with the same file is not the owner. */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int ok = ioctl(fd, VHOST_SET_VRING_NUM, &s) < 0 &&
			 errno == EPERM;

		ok = ok && write(fd, &m, sizeof(m)) < 0 && errno == EFAULT;
		_exit(ok ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "forked child: vring ioctl EPERM, IOTLB write EFAULT",
	       "child status %#x", status);
}

static void test_vrings(int fd)
{
	struct vhost_vring_state s;
	struct vhost_vring_addr a;
	struct vhost_vring_file f;
	uint32_t n;
	int efd, nullfd;

	IOC("GET_VQS_COUNT", fd, VHOST_VDPA_GET_VQS_COUNT, &n, 0);
	result(n == NVQS, "two virtqueues", "got %u, want %d", n, NVQS);

	s = (struct vhost_vring_state){ .index = NVQS, .num = 256 };
	IOC("SET_VRING_NUM index = nvqs", fd, VHOST_SET_VRING_NUM, &s, ENOBUFS);
	s.index = 0xffffffff;
	IOC("SET_VRING_NUM index ~0", fd, VHOST_SET_VRING_NUM, &s, ENOBUFS);
	s = (struct vhost_vring_state){ .index = 0, .num = 0 };
	IOC("SET_VRING_NUM 0", fd, VHOST_SET_VRING_NUM, &s, EINVAL);
	s.num = 3;
	IOC("SET_VRING_NUM 3", fd, VHOST_SET_VRING_NUM, &s, EINVAL);
	s.num = 0x10000;
	IOC("SET_VRING_NUM 65536", fd, VHOST_SET_VRING_NUM, &s, EINVAL);
	s.num = 256;
	IOC("SET_VRING_NUM 256", fd, VHOST_SET_VRING_NUM, &s, 0);

	s.num = 0x10000;
	IOC("SET_VRING_BASE 65536 (split)", fd, VHOST_SET_VRING_BASE, &s,
	    EINVAL);
	s.num = 0;
	IOC("SET_VRING_BASE 0", fd, VHOST_SET_VRING_BASE, &s, 0);

	memset(&a, 0, sizeof(a));
	a.flags = 1U << 1;
	IOC("SET_VRING_ADDR unknown flag", fd, VHOST_SET_VRING_ADDR, &a,
	    EOPNOTSUPP);
	a.flags = 0;
	a.desc_user_addr = IOVA;
	a.avail_user_addr = IOVA + 0x1001;
	a.used_user_addr = IOVA + 0x2000;
	IOC("SET_VRING_ADDR odd avail", fd, VHOST_SET_VRING_ADDR, &a, EINVAL);
	a.avail_user_addr = IOVA + 0x1000;
	a.used_user_addr = IOVA + 0x2002;
	IOC("SET_VRING_ADDR used not 4-aligned", fd, VHOST_SET_VRING_ADDR, &a,
	    EINVAL);
	a.used_user_addr = IOVA + 0x2000;
	IOC("SET_VRING_ADDR", fd, VHOST_SET_VRING_ADDR, &a, 0);

	efd = eventfd(0, EFD_CLOEXEC);
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (efd < 0 || nullfd < 0)
		die("eventfd or /dev/null");
	f = (struct vhost_vring_file){ .index = 0, .fd = -5 };
	IOC("SET_VRING_KICK fd -5", fd, VHOST_SET_VRING_KICK, &f, EBADF);
	f.fd = nullfd;
	IOC("SET_VRING_KICK not an eventfd", fd, VHOST_SET_VRING_KICK, &f,
	    EINVAL);
	f.fd = efd;
	IOC("SET_VRING_KICK eventfd", fd, VHOST_SET_VRING_KICK, &f, 0);
	f.fd = -5;
	IOC("SET_VRING_CALL fd -5", fd, VHOST_SET_VRING_CALL, &f, EBADF);
	f.fd = nullfd;
	IOC("SET_VRING_CALL not an eventfd", fd, VHOST_SET_VRING_CALL, &f,
	    EINVAL);
	f.fd = efd;
	IOC("SET_VRING_CALL eventfd", fd, VHOST_SET_VRING_CALL, &f, 0);
	/* The file keeps its own references: closing ours changes nothing. */
	close(efd);
	close(nullfd);
	f.index = 1;
	f.fd = -1;
	IOC("SET_VRING_KICK unbind", fd, VHOST_SET_VRING_KICK, &f, 0);

	/* One group, one address space: group 1 and ASID 1 do not exist. */
	s = (struct vhost_vring_state){ .index = 1, .num = 0 };
	IOC("SET_GROUP_ASID group 1", fd, VHOST_VDPA_SET_GROUP_ASID, &s,
	    EINVAL);
	s = (struct vhost_vring_state){ .index = 0, .num = 1 };
	IOC("SET_GROUP_ASID asid 1", fd, VHOST_VDPA_SET_GROUP_ASID, &s,
	    EINVAL);
	s = (struct vhost_vring_state){ .index = 2, .num = 0 };
	IOC("SET_GROUP_ASID index 2 (past the queues)", fd,
	    VHOST_VDPA_SET_GROUP_ASID, &s, ENOBUFS);
}

static void test_config(int fd)
{
	struct {
		struct vhost_vdpa_config c;
		uint8_t buf[64];
	} cfg;
	uint64_t capacity;
	uint32_t size;

	IOC("GET_CONFIG_SIZE", fd, VHOST_VDPA_GET_CONFIG_SIZE, &size, 0);
	result(size >= sizeof(uint64_t) && size <= 4096, "config size sane",
	       "got %u", size);

	memset(&cfg, 0, sizeof(cfg));
	cfg.c.off = 0;
	cfg.c.len = 0;
	IOC("GET_CONFIG len 0", fd, VHOST_VDPA_GET_CONFIG, &cfg, EINVAL);
	cfg.c.off = size + 1;
	cfg.c.len = 1;
	IOC("GET_CONFIG off past the end", fd, VHOST_VDPA_GET_CONFIG, &cfg,
	    EINVAL);
	cfg.c.off = 0;
	cfg.c.len = size + 1;
	IOC("GET_CONFIG len past the end", fd, VHOST_VDPA_GET_CONFIG, &cfg,
	    EINVAL);
	cfg.c.off = size;
	cfg.c.len = 1;
	IOC("SET_CONFIG off at the end", fd, VHOST_VDPA_SET_CONFIG, &cfg,
	    EINVAL);
	cfg.c.off = offsetof(struct virtio_blk_config, capacity);
	cfg.c.len = sizeof(capacity);
	IOC("GET_CONFIG capacity", fd, VHOST_VDPA_GET_CONFIG, &cfg, 0);
	memcpy(&capacity, cfg.buf, sizeof(capacity));
	/* The scenario exports 64 MiB: 131072 sectors of 512 bytes. */
	result(capacity == 131072, "capacity 64 MiB",
	       "got %llu sectors", (unsigned long long)capacity);
}

static void test_status_and_features(int fd)
{
	uint64_t features;
	uint8_t status;

	status = VIRTIO_CONFIG_S_ACKNOWLEDGE;
	IOC("SET_STATUS ACKNOWLEDGE", fd, VHOST_VDPA_SET_STATUS, &status, 0);
	status = VIRTIO_CONFIG_S_DRIVER;
	IOC("SET_STATUS dropping ACKNOWLEDGE", fd, VHOST_VDPA_SET_STATUS,
	    &status, EINVAL);
	status |= VIRTIO_CONFIG_S_ACKNOWLEDGE;
	IOC("SET_STATUS ACKNOWLEDGE|DRIVER", fd, VHOST_VDPA_SET_STATUS,
	    &status, 0);

	if (ioctl(fd, VHOST_GET_FEATURES, &features))
		die("VHOST_GET_FEATURES");
	IOC("SET_FEATURES", fd, VHOST_SET_FEATURES, &features, 0);
	status |= VIRTIO_CONFIG_S_FEATURES_OK;
	IOC("SET_STATUS FEATURES_OK", fd, VHOST_VDPA_SET_STATUS, &status, 0);
	IOC("GET_STATUS", fd, VHOST_VDPA_GET_STATUS, &status, 0);
	result(status & VIRTIO_CONFIG_S_FEATURES_OK, "FEATURES_OK stuck",
	       "status %#x", status);
	IOC("SET_FEATURES after FEATURES_OK", fd, VHOST_SET_FEATURES,
	    &features, EBUSY);
	status = 0;
	IOC("SET_STATUS 0 (reset)", fd, VHOST_VDPA_SET_STATUS, &status, 0);
	IOC("GET_STATUS after reset", fd, VHOST_VDPA_GET_STATUS, &status, 0);
	result(status == 0, "status 0 after reset", "status %#x", status);
}

static void test_backend_features(int fd)
{
	uint64_t want = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2 |
			1ULL << VHOST_BACKEND_F_IOTLB_BATCH |
			1ULL << VHOST_BACKEND_F_IOTLB_ASID;
	uint64_t f;

	IOC("GET_BACKEND_FEATURES", fd, VHOST_GET_BACKEND_FEATURES, &f, 0);
	result((f & want) == want, "backend features MSG_V2, BATCH, ASID",
	       "got %#llx", (unsigned long long)f);
	f = 1ULL << 40;
	IOC("SET_BACKEND_FEATURES unknown bit 40", fd,
	    VHOST_SET_BACKEND_FEATURES, &f, EOPNOTSUPP);
	f = want | 1ULL << VHOST_BACKEND_F_DESC_ASID;
	f &= ~(1ULL << VHOST_BACKEND_F_IOTLB_ASID);
	IOC("SET_BACKEND_FEATURES DESC_ASID without IOTLB_ASID", fd,
	    VHOST_SET_BACKEND_FEATURES, &f, EINVAL);
	f = want;
	IOC("SET_BACKEND_FEATURES MSG_V2|BATCH|ASID", fd,
	    VHOST_SET_BACKEND_FEATURES, &f, 0);
}

static void test_iotlb(int fd, char *mem, char *anon)
{
	uint64_t u = (uintptr_t)mem;
	struct vhost_msg_v2 m;
	struct vhost_msg v1;
	uint32_t type;

	type = VHOST_IOTLB_MSG_V2;
	expect_write("IOTLB write of 4 bytes", fd, &type, sizeof(type), 0,
		     EINVAL);
	m = msg2(0, VHOST_IOTLB_UPDATE, IOVA, 2 * PAGE, u, VHOST_ACCESS_RW);
	m.type = 7;
	iotlb("IOTLB message type 7", fd, m, EINVAL);
	m.type = VHOST_IOTLB_MSG_V2;
	expect_write("IOTLB message cut short", fd, &m,
		     offsetof(struct vhost_msg_v2, iotlb) + 16, 0, EINVAL);

	iotlb("IOTLB update of size 0", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA, 0, u, VHOST_ACCESS_RW), EINVAL);
	/* Before any update, address space 0 does not exist yet. */
	iotlb("IOTLB invalidate before any update", fd,
	      msg2(0, VHOST_IOTLB_INVALIDATE, IOVA, PAGE, 0, 0), EFAULT);
	iotlb("IOTLB inner type 99", fd,
	      msg2(0, 99, IOVA, PAGE, u, VHOST_ACCESS_RW), EFAULT);
	iotlb("IOTLB inner type MISS from userspace", fd,
	      msg2(0, VHOST_IOTLB_MISS, IOVA, PAGE, u, VHOST_ACCESS_RW),
	      EFAULT);
	iotlb("IOTLB update asid 1 (one address space)", fd,
	      msg2(1, VHOST_IOTLB_UPDATE, IOVA, PAGE, u, VHOST_ACCESS_RW),
	      EFAULT);
	iotlb("IOTLB update wrapping past 2^64", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, 0xfffffffffffff000ULL, 2 * PAGE, u,
		   VHOST_ACCESS_RW), EFAULT);
	iotlb("IOTLB update of unmapped user memory", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA, PAGE, 0x7ffffffff000ULL,
		   VHOST_ACCESS_RW), EFAULT);

	iotlb("IOTLB update", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA, 2 * PAGE, u, VHOST_ACCESS_RW),
	      0);
	iotlb("IOTLB update overlapping", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA + PAGE, 2 * PAGE, u + PAGE,
		   VHOST_ACCESS_RW), EFAULT);
	iotlb("IOTLB update identical", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA, 2 * PAGE, u, VHOST_ACCESS_RW),
	      EFAULT);
	iotlb("IOTLB invalidate of size 0 (a no-op)", fd,
	      msg2(0, VHOST_IOTLB_INVALIDATE, IOVA, 0, 0, 0), 0);
	iotlb("IOTLB update still there after it", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA, PAGE, u, VHOST_ACCESS_RW),
	      EFAULT);
	iotlb("IOTLB invalidate", fd,
	      msg2(0, VHOST_IOTLB_INVALIDATE, IOVA, 2 * PAGE, 0, 0), 0);
	iotlb("IOTLB update after invalidate", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA, 2 * PAGE, u, VHOST_ACCESS_RW),
	      0);
	iotlb("IOTLB invalidate of one page drops the whole entry", fd,
	      msg2(0, VHOST_IOTLB_INVALIDATE, IOVA + PAGE, PAGE, 0, 0), 0);
	iotlb("IOTLB update of the first page again", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA, PAGE, u, VHOST_ACCESS_RO), 0);

	/* Batches */
	iotlb("IOTLB batch begin", fd,
	      msg2(0, VHOST_IOTLB_BATCH_BEGIN, 0, 0, 0, 0), 0);
	iotlb("IOTLB update in batch", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA + 4 * PAGE, PAGE, u + PAGE,
		   VHOST_ACCESS_WO), 0);
	iotlb("IOTLB overlapping update in batch", fd,
	      msg2(0, VHOST_IOTLB_UPDATE, IOVA + 4 * PAGE, PAGE, u,
		   VHOST_ACCESS_RW), EFAULT);
	iotlb("IOTLB batch end", fd,
	      msg2(0, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0), 0);

	/* The old message format, with its hole after the type. */
	memset(&v1, 0, sizeof(v1));
	v1.type = VHOST_IOTLB_MSG;
	v1.iotlb.type = VHOST_IOTLB_INVALIDATE;
	v1.iotlb.iova = IOVA + 4 * PAGE;
	v1.iotlb.size = PAGE;
	expect_write("IOTLB v1 invalidate", fd, &v1, sizeof(v1), sizeof(v1),
		     0);

	/* Where ours refuses what the in-tree driver takes silently. */
	if (!strcmp(impl, "ours")) {
		iotlb("ours: IOTLB update unaligned iova", fd,
		      msg2(0, VHOST_IOTLB_UPDATE, IOVA + 8 * PAGE + 0x800,
			   PAGE, u, VHOST_ACCESS_RW), EFAULT);
		iotlb("ours: IOTLB update of anonymous memory", fd,
		      msg2(0, VHOST_IOTLB_UPDATE, IOVA + 8 * PAGE, PAGE,
			   (uintptr_t)anon, VHOST_ACCESS_RW), EFAULT);
		iotlb("ours: IOTLB update with perm 0", fd,
		      msg2(0, VHOST_IOTLB_UPDATE, IOVA + 8 * PAGE, PAGE, u,
			   0), EFAULT);
	} else {
		iotlb("in-tree: IOTLB update unaligned iova accepted", fd,
		      msg2(0, VHOST_IOTLB_UPDATE, IOVA + 8 * PAGE + 0x800,
			   PAGE, u, VHOST_ACCESS_RW), 0);
		iotlb("in-tree: IOTLB update of anonymous memory accepted", fd,
		      msg2(0, VHOST_IOTLB_UPDATE, IOVA + 16 * PAGE, PAGE,
			   (uintptr_t)anon, VHOST_ACCESS_RW), 0);
	}
}

static void test_mmap(int fd)
{
	void *p;

	p = mmap(NULL, 2 * PAGE, PROT_WRITE, MAP_SHARED, fd, 0);
	expect("mmap of two pages", p == MAP_FAILED ? -1 : 0, errno, EINVAL);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect("mmap readable", p == MAP_FAILED ? -1 : 0, errno, EINVAL);
	p = mmap(NULL, PAGE, PROT_WRITE, MAP_PRIVATE, fd, 0);
	expect("mmap private", p == MAP_FAILED ? -1 : 0, errno, EINVAL);
	/* VDUSE offers no doorbell page. */
	p = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, fd, 0);
	expect(!strcmp(impl, "ours") ? "ours: mmap without doorbells" :
	       "in-tree: mmap without doorbells (ENOTSUPP 524)",
	       p == MAP_FAILED ? -1 : 0, errno,
	       !strcmp(impl, "ours") ? EOPNOTSUPP : 524);
}

static int destroy_vduse(const char *name)
{
	char buf[VDUSE_NAME_MAX] = "";
	int fd = open("/dev/vduse/control", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("/dev/vduse/control");
	strncpy(buf, name, sizeof(buf) - 1);
	if (ioctl(fd, VDUSE_DESTROY_DEV, buf)) {
		fprintf(stderr, "vhost_bad: VDUSE_DESTROY_DEV %s: %s\n", name,
			strerror(errno));
		return 1;
	}
	close(fd);
	printf("vhost_bad: destroyed VDUSE device %s\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path;
	char *mem, *anon;
	int fd, mfd;

	if (argc == 3 && !strcmp(argv[1], "--destroy-vduse"))
		return destroy_vduse(argv[2]);
	if (argc != 3 || (strcmp(argv[1], "--ours") &&
			  strcmp(argv[1], "--in-tree"))) {
		fprintf(stderr,
			"usage: vhost_bad --ours|--in-tree /dev/vhost-vdpa-N\n"
			"       vhost_bad --destroy-vduse NAME\n");
		return 2;
	}
	impl = argv[1] + 2;
	path = argv[2];

	/* The memory a VMM shares with the device: a shared memfd. */
	mfd = memfd_create("vhost_bad", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, 16 * PAGE))
		die("memfd");
	mem = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || anon == MAP_FAILED)
		die("mmap");
	memset(anon, 0, PAGE);

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(path);
	test_open_and_owner(path, fd);
	test_owner_from_child(fd);
	test_backend_features(fd);
	test_vrings(fd);
	test_config(fd);
	test_status_and_features(fd);
	test_iotlb(fd, mem, anon);
	test_mmap(fd);

	/* Close with mappings, eventfds and ring addresses in place. */
	close(fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	expect("reopen after close", fd, errno, 0);
	if (fd >= 0) {
		IOC("SET_OWNER on the new file", fd, VHOST_SET_OWNER, NULL, 0);
		/* The old file's mappings are gone with it. */
		iotlb("IOTLB update where the old file had mapped", fd,
		      msg2(0, VHOST_IOTLB_UPDATE, IOVA, 2 * PAGE,
			   (uintptr_t)mem, VHOST_ACCESS_RW), 0);
		close(fd);
	}

	printf("vhost_bad: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
