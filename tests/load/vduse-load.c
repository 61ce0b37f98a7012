// SPDX-License-Identifier: GPL-2.0
/*
 * vduse-load: create and destroy many VDUSE devices in a loop and check that
 * the kernel's memory comes back.
 *
 * Each iteration creates --devices (64) virtio-blk VDUSE devices with
 * --queues (4) virtqueues each, serves them from one epoll thread (messages
 * and kicks of every device), adds all of them to the vdpa bus over vdpa
 * netlink, binds --bind of them to virtio_vdpa (virtio_blk probes: a disk,
 * its partition scan; one O_DIRECT read is checked against the pattern the
 * daemon serves), then deletes all vDPA devices, closes everything and
 * destroys the VDUSE devices. drivers_autoprobe is off while it runs.
 *
 * Memory: after the first (warm-up) iteration, which binds every device
 * once (what the first bind of a name creates, the loop finds in place),
 * and after the last, the page
 * cache and the slab caches are shrunk (drop_caches, SLUB shrink, compaction
 * drains the per-cpu lists) and the program reads /proc/slabinfo,
 * /proc/vmstat and /proc/meminfo. With N the measured iterations and D the
 * devices per iteration, the tolerance T is D * N / 2, at most 4096 (a leak
 * of one object or page per device and iteration, D * N, exceeds it
 * twice over; in a long run of 1000 iterations fifteen times). Asserted:
 *   - no slab cache has more than T active objects more than at the
 *     baseline, and all caches together not more than 2 T;
 *   - the slab caches' pages grew by at most T;
 *   - VmallocUsed grew by at most T pages (vmap_area objects are freed
 *     lazily, in batches: that cache is left out of the object counts);
 *   - kernel pages (MemTotal - free - Buffers - Cached - AnonPages, where
 *     free is MemFree plus the pages in the per-cpu lists of /proc/zoneinfo:
 *     slab, stacks, page tables, vmalloc, and pages taken straight from the
 *     page allocator such as VDUSE's bounce pages) grew by at most T;
 *   - the caches whose name says vduse, vdpa, iova or virtio are listed;
 *   - the reference counts of vduse.ko and vdpa.ko are back at the baseline.
 * fio keeps running meanwhile, so a shared cache (kmalloc-8) can be over for a
 * moment: a check that fails is measured again, up to 4 times 5 s apart, and
 * the last measurement is reported; a leak does not go away.
 * The harness's splat detector checks the kernel log. Output: TAP lines, a
 * "# N cases: ..." summary; exit status 0 only if every case passed.
 *
 * VDK_LOAD_LEAK (or --leak) makes the program leak on purpose, to show the
 * check fails: "eventfd" keeps one eventfd per device and iteration open (an
 * eventfd context and a struct file), "pipe" one pipe holding one page,
 * "iotlb" one VDUSE_IOTLB_GET_FD file per bound device (the device's whole
 * IOVA domain with its bounce pages stays). Each must make the test fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include <uapi/vdk/vdpa.h>
#include <uapi/vdk/vduse.h>

#include "../lib/vdk-tap.h"
#define VDK_BLK_MAX_VQS		8
#include "../lib/vdk-blk.h"

#define MAX_DEVS	256
#define MAX_VQS		VDK_BLK_MAX_VQS
#define VQ_SIZE		64
#define DISK_SECTORS	2048		/* 1 MiB */
#define F(bit)		(1ULL << (bit))

static int n_devs = 64, n_vqs = 4, n_bind = 8, iterations = 20;
static const char *leak;
static int memcheck;

/*
 * A memory case: asserted, or with VDK_LOAD_MEMCHECK=0 (debug kernels)
 * printed with its figures and counted as a skip.
 */
static __attribute__((format(printf, 3, 4)))
void mem_case(bool ok, const char *name, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (memcheck) {
		tap_line(ok, name, "%s", detail);
		return;
	}
	printf("# %s: %s\n", name, detail);
	skip(name, "memory not asserted on a debug kernel (VDK_LOAD_MEMCHECK=0)");
}

static long tol_objs = -1, tol_pages = -1;
/* a check still over after the loop is measured again, up to 4 times, 5 s apart */
#define SETTLE_TRIES	4
#define SETTLE_WAIT	5
static bool verbose;

static void msleep(unsigned int ms)
{
	usleep(ms * 1000);
}

/* ------------------------------------------------------------------ */
/* The daemon: every device served by one epoll thread                */
/* (the ramdisk daemon of tests/lib/vdk-blk.h, one disk for all)      */
/* ------------------------------------------------------------------ */

struct dev {
	char name[32];
	uint32_t gen;		/* epoll events carry it: stale ones are dropped */
	pthread_mutex_t lock;
	struct vdk_blk b;	/* b.fd: /dev/vduse/$NAME, -1 when closed */
	int errors;		/* answers that could not be written */
};

static struct dev devs[MAX_DEVS];
static uint8_t *disk;		/* the pattern every device serves, read only */
static int epfd;
static volatile bool server_stop;
static int server_errors;

static uint8_t disk_byte(uint64_t off)
{
	return (uint8_t)(off * 13 + off / 4096 + 1);
}

static uint64_t ev_data(struct dev *d, int kind)
{
	return (uint64_t)d->gen << 32 | (uint64_t)(d - devs) << 8 | (uint64_t)kind;
}

/* what went wrong serving @d: ours and vdk-blk.h's counts */
static int dev_errors(struct dev *d)
{
	return d->errors + d->b.n_bad + d->b.n_xlate_err + d->b.n_irq_err + d->b.n_kick_err;
}

/*
 * One request to the daemon. At DRIVER_OK vdk-blk.h gives each ready queue
 * a new kick eventfd, which joins the epoll set (a closed one leaves it by
 * itself).
 */
static void handle_msg(struct dev *d)
{
	struct vduse_dev_request req;
	struct vduse_dev_response resp;

	if (read(d->b.fd, &req, sizeof(req)) != sizeof(req))
		return;
	vdk_blk_answer(&d->b, &req, &resp);
	if (req.type == VDUSE_SET_STATUS && (req.s.status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		for (unsigned int i = 0; i < d->b.vq_num; i++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ev_data(d, 1 + i) };

			if (d->b.vq[i].kickfd >= 0 &&
			    epoll_ctl(epfd, EPOLL_CTL_ADD, d->b.vq[i].kickfd, &ev))
				d->errors++;
		}
	}
	if (write(d->b.fd, &resp, sizeof(resp)) != sizeof(resp))
		d->errors++;
}

static void *server(void *arg)
{
	struct epoll_event ev[64];

	(void)arg;
	while (!server_stop) {
		int n = epoll_wait(epfd, ev, 64, 100);

		for (int i = 0; i < n; i++) {
			uint64_t v = ev[i].data.u64;
			struct dev *d = &devs[(v >> 8) & 0xffffff];
			int kind = v & 0xff;
			uint64_t cnt;

			pthread_mutex_lock(&d->lock);
			if (d->b.fd < 0 || d->gen != v >> 32) {
				pthread_mutex_unlock(&d->lock);
				continue;
			}
			if (!kind)
				handle_msg(d);
			else if (read(d->b.vq[kind - 1].kickfd, &cnt, sizeof(cnt)) == sizeof(cnt))
				vdk_blk_vq_serve(&d->b, kind - 1);
			pthread_mutex_unlock(&d->lock);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* vdpa netlink                                                       */
/* ------------------------------------------------------------------ */

static int nl_fd, vdpa_family;
static uint32_t nl_seq;

struct nlmsg {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char buf[512];
};

static void nl_put(struct nlmsg *m, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)m + NLMSG_ALIGN(m->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->n.nlmsg_len = NLMSG_ALIGN(m->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Send @m, wait for its ack: 0 or -errno; *family for a CTRL_CMD_GETFAMILY. */
static int nl_talk(struct nlmsg *m, int *family)
{
	char buf[8192];
	ssize_t r;

	m->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m->n.nlmsg_seq = ++nl_seq;
	if (send(nl_fd, m, m->n.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		r = recv(nl_fd, buf, sizeof(buf), 0);
		if (r < 0)
			return -errno;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, r); h = NLMSG_NEXT(h, r)) {
			if (h->nlmsg_seq != nl_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (family && h->nlmsg_type == GENL_ID_CTRL) {
				struct genlmsghdr *g = NLMSG_DATA(h);
				struct nlattr *a = (void *)((char *)g + GENL_HDRLEN);
				int left = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

				for (; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
				     left -= NLA_ALIGN(a->nla_len),
				     a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
					if (a->nla_type == CTRL_ATTR_FAMILY_ID)
						*family = *(uint16_t *)((char *)a + NLA_HDRLEN);
			}
		}
	}
}

static void nl_init(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsg m = {};

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0 || bind(nl_fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("netlink socket");
	m.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m.n.nlmsg_type = GENL_ID_CTRL;
	m.g.cmd = CTRL_CMD_GETFAMILY;
	m.g.version = 1;
	nl_put(&m, CTRL_ATTR_FAMILY_NAME, VDPA_GENL_NAME, sizeof(VDPA_GENL_NAME));
	if (nl_talk(&m, &vdpa_family) || !vdpa_family)
		die("no vdpa generic netlink family");
}

static int vdpa_dev(int cmd, const char *name)
{
	struct nlmsg m = {};

	m.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m.n.nlmsg_type = vdpa_family;
	m.g.cmd = cmd;
	m.g.version = VDPA_GENL_VERSION;
	if (cmd == VDPA_CMD_DEV_NEW)
		nl_put(&m, VDPA_ATTR_MGMTDEV_DEV_NAME, "vduse", 6);
	nl_put(&m, VDPA_ATTR_DEV_NAME, name, strlen(name) + 1);
	return nl_talk(&m, NULL);
}

/* ------------------------------------------------------------------ */
/* One iteration                                                      */
/* ------------------------------------------------------------------ */

static int ctl_fd;
static int *leaked;
static int n_leaked, max_leaked;

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void keep(int fd)
{
	if (fd < 0)
		return;
	if (n_leaked == max_leaked) {
		max_leaked = max_leaked ? 2 * max_leaked : 1024;
		leaked = realloc(leaked, max_leaked * sizeof(*leaked));
		if (!leaked)
			die("realloc");
	}
	leaked[n_leaked++] = fd;
}

static void dev_create(struct dev *d, int i)
{
	char cfg[sizeof(struct vduse_dev_config) + sizeof(struct virtio_blk_config)];
	struct vduse_dev_config *c;
	struct epoll_event ev = { .events = EPOLLIN };
	char path[96];
	int fd;

	snprintf(d->name, sizeof(d->name), "vload%d", i);
	c = vdk_blk_config(cfg, d->name, n_vqs,
			   F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM) |
			   F(VIRTIO_BLK_F_MQ), DISK_SECTORS);
	((struct virtio_blk_config *)c->config)->num_queues = n_vqs;
	if (ioctl(ctl_fd, VDUSE_CREATE_DEV, c))
		die("VDUSE_CREATE_DEV %s", d->name);
	snprintf(path, sizeof(path), "/dev/vduse/%.31s", d->name);
	for (int t = 0; (fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0; t++) {
		if (errno != ENOENT || t == 200)
			die("open %s", path);
		msleep(10);
	}
	for (int q = 0; q < n_vqs; q++) {
		struct vduse_vq_config vc = { .index = q, .max_size = VQ_SIZE };

		if (ioctl(fd, VDUSE_VQ_SETUP, &vc))
			die("VDUSE_VQ_SETUP %s %d", d->name, q);
	}
	snprintf(path, sizeof(path), "/sys/class/vduse/%.31s/bounce_size", d->name);
	if (sysfs_write(path, "1048576"))
		die("%s", path);
	pthread_mutex_lock(&d->lock);
	vdk_blk_init(&d->b, disk, DISK_SECTORS * 512ULL, "vduse-load");
	d->b.fd = fd;
	d->b.vq_num = n_vqs;
	d->gen++;
	pthread_mutex_unlock(&d->lock);
	ev.data.u64 = ev_data(d, 0);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl");
}

static void dev_close(struct dev *d)
{
	pthread_mutex_lock(&d->lock);
	epoll_ctl(epfd, EPOLL_CTL_DEL, d->b.fd, NULL);
	vdk_blk_vq_stop_all(&d->b);
	vdk_blk_regions_drop(&d->b);
	close(d->b.fd);
	d->b.fd = -1;
	server_errors += dev_errors(d);
	d->errors = 0;
	pthread_mutex_unlock(&d->lock);
}

/* /dev/vdX of a bound device: one 4 KiB O_DIRECT read, checked */
static int read_check(struct dev *d)
{
	char pat[128], path[64];
	uint8_t *buf;
	glob_t g;
	int fd, ok = 0, t;
	off_t off = 4096 * (1 + (d - devs) % 200);

	snprintf(pat, sizeof(pat), "/sys/bus/vdpa/devices/%s/virtio*/block/vd*", d->name);
	if (glob(pat, 0, NULL, &g) || !g.gl_pathc) {
		globfree(&g);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "/dev/%s", strrchr(g.gl_pathv[0], '/') + 1);
	globfree(&g);
	for (t = 0; (fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC)) < 0 && t < 200; t++)
		msleep(10);
	if (fd < 0)
		return -errno;
	if (posix_memalign((void **)&buf, 4096, 4096))
		die("posix_memalign");
	if (pread(fd, buf, 4096, off) != 4096) {
		ok = -EIO;
	} else {
		for (int b = 0; b < 4096; b++)
			if (buf[b] != disk_byte(off + b))
				ok = -EILSEQ;
	}
	free(buf);
	close(fd);
	return ok;
}

static void leak_some(struct dev *d)
{
	if (!leak)
		return;
	if (!strcmp(leak, "eventfd")) {
		keep(eventfd(0, EFD_CLOEXEC));
	} else if (!strcmp(leak, "pipe")) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) || write(p[1], "x", 1) != 1)
			die("pipe");
		keep(p[0]);
		keep(p[1]);
	} else if (!strcmp(leak, "iotlb")) {
		struct vduse_iotlb_entry e = { .start = 0, .last = 0 };

		keep(ioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e));
	}
}

struct iter_stats {
	double t_create, t_add, t_bind, t_del, t_destroy;
	int bound, read_ok;
};

static bool iteration(int it, struct iter_stats *s)
{
	double t = now(), t1;
	char path[VDUSE_NAME_MAX];	/* VDUSE_DESTROY_DEV reads all of it */
	int r, fails = 0;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < n_devs; i++)
		dev_create(&devs[i], i);
	t1 = now();
	s->t_create = t1 - t;
	for (int i = 0; i < n_devs; i++) {
		r = vdpa_dev(VDPA_CMD_DEV_NEW, devs[i].name);
		if (r) {
			printf("# iteration %d: vdpa dev add %s: %s\n", it, devs[i].name, errname(r));
			fails++;
		}
	}
	t = now();
	s->t_add = t - t1;
	/* the warm-up binds every device once, then a different slice each time */
	for (int k = 0; k < (it < 0 ? n_devs : n_bind); k++) {
		struct dev *d = &devs[(it < 0 ? k : it * n_bind + k) % n_devs];

		r = sysfs_write("/sys/bus/vdpa/drivers/virtio_vdpa/bind", d->name);
		if (r) {
			printf("# iteration %d: bind %s: %s\n", it, d->name, errname(r));
			fails++;
			continue;
		}
		s->bound++;
		r = read_check(d);
		if (r) {
			printf("# iteration %d: read from %s: %s\n", it, d->name, errname(r));
			fails++;
		} else {
			s->read_ok++;
		}
	}
	for (int i = 0; i < n_devs; i++)
		leak_some(&devs[i]);
	t1 = now();
	s->t_bind = t1 - t;
	for (int i = 0; i < n_devs; i++) {
		r = vdpa_dev(VDPA_CMD_DEV_DEL, devs[i].name);
		if (r) {
			printf("# iteration %d: vdpa dev del %s: %s\n", it, devs[i].name, errname(r));
			fails++;
		}
	}
	t = now();
	s->t_del = t - t1;
	for (int i = 0; i < n_devs; i++) {
		dev_close(&devs[i]);
		snprintf(path, sizeof(path), "%s", devs[i].name);
		r = ioctl(ctl_fd, VDUSE_DESTROY_DEV, path) ? -errno : 0;
		if (r) {
			printf("# iteration %d: VDUSE_DESTROY_DEV %s: %s\n", it, devs[i].name, errname(r));
			fails++;
		}
	}
	s->t_destroy = now() - t;
	return !fails;
}

/* ------------------------------------------------------------------ */
/* Memory                                                             */
/* ------------------------------------------------------------------ */

#define MAX_CACHES 512

struct cache {
	char name[64];
	long active, pages;
};

struct snap {
	struct cache c[MAX_CACHES];
	int n;
	long objs, slab_pages, free_pages, pcp, avail_kb, vmalloc_kb, kernel_kb;
	long ref_vduse, ref_vdpa;
	char meminfo[64][48];
	long memval[64];
	int nmem;
};

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static long file_key(const char *path, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && (line[kl] == ' ' || line[kl] == ':')) {
			v = strtol(line + kl + 1 + (line[kl] == ':'), NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void shrink(void)
{
	glob_t g;

	sync();
	sysfs_write("/proc/sys/vm/drop_caches", "3");
	if (!glob("/sys/kernel/slab/*/shrink", 0, NULL, &g))
		for (size_t i = 0; i < g.gl_pathc; i++)
			sysfs_write(g.gl_pathv[i], "1");
	globfree(&g);
	sysfs_write("/proc/sys/vm/compact_memory", "1");
}

/*
 * vmap_area: vfree() leaves its area on a lazy list that is purged only
 * when enough has piled up (tens of MiB), so the count wanders by a few
 * thousand; VmallocUsed, which counts live allocations only, is checked
 * instead.
 */
static bool lazy_cache(const char *name)
{
	return !strcmp(name, "vmap_area");
}

/* pages in the per-cpu lists: free, but not in nr_free_pages */
static long pcp_pages(void)
{
	char line[256];
	long n = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &v) == 1)
			n += v;
	fclose(f);
	return n;
}

static void snapshot(struct snap *s)
{
	char line[512];
	FILE *f;

	/* RCU-freed objects and deferred work need a moment; twice */
	for (int k = 0; k < 2; k++) {
		shrink();
		msleep(1000);
	}
	shrink();
	memset(s, 0, sizeof(*s));
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		die("/proc/slabinfo");
	while (fgets(line, sizeof(line), f)) {
		struct cache *c = &s->c[s->n];
		long num, size, per, ppslab, limit, batch, shared, active_slabs, slabs;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld %ld %ld %ld %ld : tunables %ld %ld %ld : slabdata %ld %ld",
			   c->name, &c->active, &num, &size, &per, &ppslab, &limit, &batch,
			   &shared, &active_slabs, &slabs) != 11)
			continue;
		c->pages = slabs * ppslab;
		if (!lazy_cache(c->name))
			s->objs += c->active;
		s->slab_pages += c->pages;
		if (s->n < MAX_CACHES - 1)
			s->n++;
	}
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && s->nmem < 64 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%47[^:]: %ld", s->meminfo[s->nmem], &s->memval[s->nmem]) == 2)
			s->nmem++;
	if (f)
		fclose(f);
	s->free_pages = file_key("/proc/vmstat", "nr_free_pages");
	s->pcp = pcp_pages();
	/* what neither userspace nor a cache holds: slab, stacks, page
	 * tables, vmalloc, per-cpu and pages drivers take straight from the
	 * page allocator (bounce pages, pipe buffers, ...)
	 */
	s->kernel_kb = file_key("/proc/meminfo", "MemTotal") - file_key("/proc/meminfo", "MemFree") -
		       file_key("/proc/meminfo", "Buffers") - file_key("/proc/meminfo", "Cached") -
		       file_key("/proc/meminfo", "AnonPages") - s->pcp * 4;
	s->avail_kb = file_key("/proc/meminfo", "MemAvailable");
	s->vmalloc_kb = file_key("/proc/meminfo", "VmallocUsed");
	s->ref_vduse = read_long("/sys/module/vduse/refcnt");
	s->ref_vdpa = read_long("/sys/module/vdpa/refcnt");
}

static bool watched(const char *name)
{
	return strstr(name, "vduse") || strstr(name, "vdpa") || strstr(name, "iova") ||
	       strstr(name, "virtio");
}

static const struct cache *find_cache(const struct snap *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return &s->c[i];
	return NULL;
}

static void print_snap(const char *what, const struct snap *s)
{
	printf("# %s: slab %ld objects in %ld pages, kernel %ld kB, nr_free_pages %ld + %ld per-cpu, MemAvailable %ld kB, VmallocUsed %ld kB, refcnt vduse %ld vdpa %ld\n",
	       what, s->objs, s->slab_pages, s->kernel_kb, s->free_pages, s->pcp, s->avail_kb,
	       s->vmalloc_kb, s->ref_vduse, s->ref_vdpa);
}

/* The caches that grew the most and what /proc/meminfo says moved. */
static void print_growth(const struct snap *a, const struct snap *b)
{
	printf("#   meminfo (kB):");
	for (int i = 0; i < b->nmem && i < a->nmem; i++)
		if (b->memval[i] != a->memval[i])
			printf(" %s %+ld", b->meminfo[i], b->memval[i] - a->memval[i]);
	printf("\n");
	long dl[MAX_CACHES];
	bool shown[MAX_CACHES] = {};

	for (int i = 0; i < b->n; i++) {
		const struct cache *c = find_cache(a, b->c[i].name);

		dl[i] = b->c[i].active - (c ? c->active : 0);
	}
	for (int k = 0; k < 6; k++) {
		int bi = -1;

		for (int i = 0; i < b->n; i++)
			if (!shown[i] && dl[i] > 0 && (bi < 0 || dl[i] > dl[bi]))
				bi = i;
		if (bi < 0)
			break;
		shown[bi] = true;
		printf("#   grew: %s %+ld objects\n", b->c[bi].name, dl[bi]);
	}
}

/*
 * The first check that @e fails against @b, or NULL. Used to measure again:
 * objects in flight (fio's requests, RCU callbacks, deferred work) can push a
 * shared cache such as kmalloc-8 over for a moment; a leak stays.
 */
static const char *over_baseline(const struct snap *b, const struct snap *e)
{
	static char why[128];

	if (e->objs - b->objs > 2 * tol_objs)
		return "slab objects";
	if (e->slab_pages - b->slab_pages > tol_pages)
		return "slab pages";
	if ((e->kernel_kb - b->kernel_kb) / 4 > tol_pages)
		return "kernel pages";
	if (e->vmalloc_kb - b->vmalloc_kb > tol_pages * 4)
		return "vmalloc";
	if (e->ref_vduse != b->ref_vduse || e->ref_vdpa != b->ref_vdpa)
		return "module reference counts";
	for (int i = 0; i < e->n; i++) {
		const struct cache *c = find_cache(b, e->c[i].name);

		if (!lazy_cache(e->c[i].name) &&
		    e->c[i].active - (c ? c->active : 0) > tol_objs) {
			snprintf(why, sizeof(why), "slab cache %s", e->c[i].name);
			return why;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vduse-load [--iterations N] [--devices D] [--queues Q] [--bind B]\n"
		"                  [--leak eventfd|pipe|iotlb] [--tol-objs N] [--tol-pages N] [-v]\n"
		"Creates D VDUSE virtio-blk devices with Q queues, adds them to the vdpa bus,\n"
		"binds B of them to virtio_vdpa, deletes and destroys them, N times after\n"
		"a warm-up iteration; then checks that slab objects, free pages and module\n"
		"reference counts are back at the warm-up baseline (see the source's head\n"
		"comment). Environment: VDK_LOAD_ITERATIONS, VDK_LOAD_BIND, VDK_LOAD_LEAK,\n"
		"VDK_LOAD_MEMCHECK (0: memory figures printed, not asserted; for debug\n"
		"kernels, where so few iterations run that the tolerance is noise).\n"
		"Runs in the vduse-dkms test guest (tests/guest/72-load.sh), as root.\n");
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

int main(int argc, char **argv)
{
	static struct snap base, end;
	struct rlimit rl = { 1 << 20, 1 << 20 };
	struct iter_stats st, sum = {};
	pthread_t thr;
	uint64_t api = 0;
	double t0, tmax = 0;
	bool ok = true;
	long d_objs, d_pages, lim, worst_d = 0;
	int i, worst, done = 0;

	iterations = env_int("VDK_LOAD_ITERATIONS", iterations);
	n_bind = env_int("VDK_LOAD_BIND", n_bind);
	leak = getenv("VDK_LOAD_LEAK");
	memcheck = env_int("VDK_LOAD_MEMCHECK", 1);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-v")) {
			verbose = true;
			continue;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		i++;
		if (!strcmp(a, "--iterations"))
			iterations = atoi(v);
		else if (!strcmp(a, "--devices"))
			n_devs = atoi(v);
		else if (!strcmp(a, "--queues"))
			n_vqs = atoi(v);
		else if (!strcmp(a, "--bind"))
			n_bind = atoi(v);
		else if (!strcmp(a, "--leak"))
			leak = v;
		else if (!strcmp(a, "--tol-objs"))
			tol_objs = atol(v);
		else if (!strcmp(a, "--tol-pages"))
			tol_pages = atol(v);
		else {
			usage(stderr);
			return 2;
		}
	}
	if (leak && !*leak)
		leak = NULL;
	if (n_devs < 1 || n_devs > MAX_DEVS || n_vqs < 1 || n_vqs > MAX_VQS ||
	    iterations < 1 || n_bind < 0 || n_bind > n_devs ||
	    (leak && strcmp(leak, "eventfd") && strcmp(leak, "pipe") && strcmp(leak, "iotlb"))) {
		usage(stderr);
		return 2;
	}
	lim = (long)n_devs * iterations / 2;
	if (lim > 4096)
		lim = 4096;
	if (tol_objs < 0)
		tol_objs = lim;
	if (tol_pages < 0)
		tol_pages = lim;
	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_NOFILE, &rl);
	printf("# vduse-load: %d iterations of %d devices x %d queues, %d bound per iteration%s%s\n",
	       iterations, n_devs, n_vqs, n_bind, leak ? ", leaking on purpose: " : "",
	       leak ? leak : "");

	ctl_fd = open("/dev/vduse/control", O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0 || ioctl(ctl_fd, VDUSE_SET_API_VERSION, &api))
		die("/dev/vduse/control");
	if (sysfs_write("/sys/bus/vdpa/drivers_autoprobe", "0"))
		die("drivers_autoprobe");
	nl_init();
	epfd = epoll_create1(EPOLL_CLOEXEC);
	disk = malloc(DISK_SECTORS * 512);
	if (!disk)
		die("malloc");
	for (uint64_t off = 0; off < DISK_SECTORS * 512; off++)
		disk[off] = disk_byte(off);
	for (i = 0; i < MAX_DEVS; i++) {
		vdk_blk_init(&devs[i].b, disk, DISK_SECTORS * 512ULL, "vduse-load");
		pthread_mutex_init(&devs[i].lock, NULL);
	}
	if (epfd < 0 || pthread_create(&thr, NULL, server, NULL))
		die("server thread");

	/* warm-up: caches, the program's own memory, the modules' first use */
	t0 = now();
	ok = iteration(-1, &st);
	ok = tap_line(ok, "warm-up iteration", "%.1f s, %d bound, %d reads checked",
		      now() - t0, st.bound, st.read_ok);
	snapshot(&base);
	print_snap("baseline after the warm-up", &base);

	t0 = now();
	for (i = 0; i < iterations && ok; i++) {
		double ti = now();

		if (!iteration(i, &st)) {
			ok = tap_line(false, "iteration", "%d: see the lines above", i);
			break;
		}
		ti = now() - ti;
		if (ti > tmax)
			tmax = ti;
		sum.t_create += st.t_create;
		sum.t_add += st.t_add;
		sum.t_bind += st.t_bind;
		sum.t_del += st.t_del;
		sum.t_destroy += st.t_destroy;
		sum.bound += st.bound;
		sum.read_ok += st.read_ok;
		done++;
		if (verbose || (i + 1) % 50 == 0 || i + 1 == iterations)
			printf("# %d iterations, %.0f s, slowest %.1f s; last: %.2f s\n",
			       i + 1, now() - t0, tmax, ti);
	}
	if (done)
		tap_line(done == iterations, "iterations", "%d of %d in %.1f s (%.2f s each: create %.2f, vdpa add %.2f, bind+read %.2f, vdpa del %.2f, destroy %.2f); %d devices bound, %d reads checked, %d daemon errors",
			 done, iterations, now() - t0, (now() - t0) / done,
			 sum.t_create / done, sum.t_add / done, sum.t_bind / done,
			 sum.t_del / done, sum.t_destroy / done, sum.bound, sum.read_ok,
			 server_errors);
	tap_line(!server_errors, "the daemon saw no bad request", "%d", server_errors);
	server_stop = true;
	pthread_join(thr, NULL);
	sysfs_write("/sys/bus/vdpa/drivers_autoprobe", "1");

	snapshot(&end);
	for (i = 0; memcheck && i < SETTLE_TRIES; i++) {
		const char *why = over_baseline(&base, &end);

		if (!why)
			break;
		printf("# %s not back at the baseline yet; measuring again in %d s\n", why,
		       SETTLE_WAIT);
		sleep(SETTLE_WAIT);
		snapshot(&end);
	}
	print_snap("after the loop", &end);
	print_growth(&base, &end);
	d_objs = end.objs - base.objs;
	d_pages = (end.kernel_kb - base.kernel_kb) / 4;
	printf("# a leak of one object (page) per device and iteration: %ld objects (pages); tolerance %ld objects per cache, %ld in all, %ld pages\n",
	       (long)n_devs * done, tol_objs, 2 * tol_objs, tol_pages);
	mem_case(d_objs <= 2 * tol_objs, "slab objects back at the baseline",
		 "%+ld objects, tolerance %ld", d_objs, 2 * tol_objs);
	mem_case(end.slab_pages - base.slab_pages <= tol_pages, "slab pages back at the baseline",
		 "%+ld pages, tolerance %ld", end.slab_pages - base.slab_pages, tol_pages);
	mem_case(d_pages <= tol_pages, "kernel pages back at the baseline",
		 "%+ld pages (MemTotal - free - Buffers - Cached - AnonPages; nr_free_pages %+ld, per-cpu free %+ld, MemAvailable %+ld kB), tolerance %ld",
		 d_pages, end.free_pages - base.free_pages, end.pcp - base.pcp,
		 end.avail_kb - base.avail_kb, tol_pages);
	mem_case(end.vmalloc_kb - base.vmalloc_kb <= tol_pages * 4, "vmalloc back at the baseline",
		 "VmallocUsed %+ld kB, tolerance %ld kB", end.vmalloc_kb - base.vmalloc_kb,
		 tol_pages * 4);
	worst = -1;
	for (i = 0; i < end.n; i++) {
		const struct cache *c = find_cache(&base, end.c[i].name);
		long dlt = end.c[i].active - (c ? c->active : 0);

		if (lazy_cache(end.c[i].name)) {
			printf("# %s (lazily freed, not checked): %+ld objects\n", end.c[i].name, dlt);
			continue;
		}
		if (worst < 0 || dlt > worst_d) {
			worst = i;
			worst_d = dlt;
		}
		if (dlt > tol_objs || watched(end.c[i].name))
			mem_case(dlt <= tol_objs, "slab cache back at the baseline",
				 "%s: %ld -> %ld objects, tolerance %ld", end.c[i].name,
				 c ? c->active : 0, end.c[i].active, tol_objs);
	}
	if (worst >= 0 && worst_d <= tol_objs)
		mem_case(true, "every slab cache back at the baseline",
			 "%d caches; the most grown: %s %+ld objects, tolerance %ld",
			 end.n, end.c[worst].name, worst_d, tol_objs);
	tap_line(end.ref_vduse == base.ref_vduse, "vduse.ko reference count at the baseline",
		 "%ld -> %ld", base.ref_vduse, end.ref_vduse);
	tap_line(end.ref_vdpa == base.ref_vdpa, "vdpa.ko reference count at the baseline",
		 "%ld -> %ld", base.ref_vdpa, end.ref_vdpa);
	for (i = 0; i < n_leaked; i++)
		close(leaked[i]);
	if (n_leaked)
		printf("# closed the %d files leaked on purpose\n", n_leaked);
	printf("# %d cases: %d passed, %d failed, %d skipped\n", n_case,
	       n_case - n_fail - n_skip, n_fail, n_skip);
	return n_fail ? 1 : 0;
}
