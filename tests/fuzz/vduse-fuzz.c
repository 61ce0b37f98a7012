// SPDX-License-Identifier: GPL-2.0
/*
 * vduse-fuzz: a seeded, reproducible random-sequence fuzzer over the whole
 * VDUSE surface of our modules: /dev/vduse/control (API versions, CREATE_DEV
 * with valid and mutated configs, DESTROY_DEV), the device fds (every ioctl
 * of include/uapi/vdk/vduse.h and random ones, read()/write() of messages
 * with honest, wrong, duplicate, short, long and garbage answers, poll),
 * IOTLB fds and their mmap at random offsets and lengths, UMEM, the sysfs
 * attributes, vdpa generic netlink (dev add/del with random attributes,
 * mgmtdev/dev/config/vstats get and dump, random commands) and driver
 * binding (virtio_vdpa, vhost_vdpa with random vhost ioctls and IOTLB
 * messages) while a ramdisk daemon (tests/lib/vdk-blk.h) serves the data
 * path and threads do block I/O on the disks that appear.
 *
 * Usage: vduse-fuzz --seed S --ops N [--time SECONDS] [--trace]
 *
 * Determinism: op K draws its choices from a generator seeded with (S, K)
 * only, and chooses among the devices and files of a model that the
 * program keeps (created devices, open fds, IOTLB fds, mappings). So the
 * same seed replays the same sequence of operations and arguments. What
 * the kernel answers can depend on timing (a bind running in a helper
 * thread, a message the daemon thread read first, a timeout), so an op
 * whose target does not exist in this run becomes a no-op, and outcomes
 * are only asserted where they are certain. --time ends the run early (the
 * same prefix of the sequence).
 *
 * Oracle: each op with a certain outcome checks it (a valid CREATE_DEV must
 * succeed and a mutated one fail with exactly the errno of the rules in
 * src/vduse/ctl.c; unknown ioctls ENOTTY; bad queue indices EINVAL; second
 * open EBUSY; ...); new kernel log lines with WARNING/BUG/Oops/hung task/
 * lockdep/KASAN (read from /dev/kmsg after every op) fail the run at that
 * op; at the end every device must be removable and destroyable, no fd may
 * be left, vduse.ko's reference count must be back to its start value, and
 * unreclaimable slab and MemAvailable must be back near their start values.
 * The harness's own splat detector checks the kernel log as well.
 *
 * Output: TAP (tests/lib/vdk-tap.h): "# seed S" first, then progress
 * comments, one line per final check, and "# N cases: ..." The first
 * failure prints "FAILED at op K (seed S)", the last ops and how to replay:
 * "vduse-fuzz --seed S --ops K+1 --trace". Exit status 0 only if nothing
 * failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vhost.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include <uapi/vdk/vduse.h>
#include <uapi/vdk/vdpa.h>

#include "../lib/vdk-tap.h"
#include "../lib/vdk-blk.h"

#define CTL_PATH	"/dev/vduse/control"
#define MAXD		6		/* devices in the model */
#define MAXCTL		3
#define MAXIOTLB	16
#define MAXMAP		16
#define MAXEVFD		8
#define MAXASYNC	3
#define DISK_SIZE	(1 << 20)
#define UMEM_MAX	(16 << 20)
#define F(bit)		(1ULL << (bit))
#define BLK_FEATURES	(F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM))
#define PAGE		4096UL
#define HZ_MIN		100		/* msg_timeout is refused above INT_MAX / HZ */
#define TRACE_KEEP	48

/* ------------------------------------------------------------------ */
/* Random numbers: op K's generator depends on (seed, K) only          */
/* ------------------------------------------------------------------ */

static uint64_t seed;

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static uint32_t rnd(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnext(r) % n) : 0;
}

/* true with probability @pct percent */
static bool chance(struct rng *r, unsigned int pct)
{
	return rnd(r, 100) < pct;
}

static uint64_t edge64(struct rng *r)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256,
		511, 512, 1023, 1024, 4095, 4096, 4097, 8192, 32767, 32768, 32769,
		65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		1ULL << 40, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		0xfffffffffffff000ULL, ~0ULL - 1, ~0ULL,
	};

	if (chance(r, 20))
		return rnext(r);
	return v[rnd(r, sizeof(v) / sizeof(v[0]))];
}

static void rfill(struct rng *r, void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rnext(r);
}

/* ------------------------------------------------------------------ */
/* Faults in mappings the daemon or the fuzzer touches                */
/* ------------------------------------------------------------------ */

static __thread sigjmp_buf *fault_jb;
static volatile long n_fault;

static void on_fault(int sig)
{
	if (fault_jb) {
		n_fault++;
		siglongjmp(*fault_jb, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ------------------------------------------------------------------ */
/* The model                                                          */
/* ------------------------------------------------------------------ */

struct fdev {
	bool used;		/* created (by us, successfully) */
	char name[VDUSE_NAME_MAX];
	int api;
	uint32_t vq_num, device_id, ngroups, nas, config_size;
	uint64_t features;
	bool io_ok;		/* blk with split rings: the daemon can serve it */
	struct vdk_blk b;	/* b.fd: the device fd; daemon state under mu */
	uint8_t *disk;
	double pause_until;	/* the daemon ignores it until then */
	uint8_t *umem;		/* UMEM_MAX reserved, never unmapped */
	pthread_t io;
	bool io_up;
	volatile bool io_stop, io_done;
	unsigned int serial;
};

struct ctl {
	int fd;
	int api;		/* -1: not set or asked yet */
};

struct iotlbfd {
	int fd;
	uint64_t start, last, offset;
	uint8_t perm;
};

struct mapping {
	uint8_t *p;
	size_t len;
	bool writable;
};

static struct fdev devs[MAXD];
static struct ctl ctls[MAXCTL];
static struct iotlbfd iotlbs[MAXIOTLB];
static struct mapping maps[MAXMAP];
static int evfds[MAXEVFD];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;	/* devs[].b, fds */
static unsigned int gen;		/* bumped under mu when fds change */
static volatile bool stop_daemon;
static pthread_t daemon_thr;
static int wake_fd = -1;		/* wakes the daemon thread out of poll() */
static unsigned long daemon_loops;	/* polls the daemon finished, under mu */
static unsigned int serial;
static bool have_vhost;
static uint8_t *vhost_mem;		/* what vhost-vdpa maps: 4 MiB */

/* what happened (the progress lines) */
static long st_ok, st_err, st_async, st_async_busy, st_msgs_stolen, st_io;
static long st_created, st_destroyed, st_served;

/* ------------------------------------------------------------------ */
/* Failures                                                           */
/* ------------------------------------------------------------------ */

static long cur_op = -1;
static long fail_op = -1;
static char fail_msg[512];
static char trace[TRACE_KEEP][200];
static bool trace_all;

/* a name for the trace: long ones shortened */
static const char *dn(const char *name)
{
	static char buf[4][64];
	static int k;
	char *b = buf[k++ % 4];
	size_t n = strlen(name);

	if (n <= 40)
		return name;
	snprintf(b, 64, "%.12s...(%zu chars)", name, n);
	return b;
}

static void tr(const char *fmt, ...)
{
	char *t = trace[cur_op % TRACE_KEEP];
	size_t n = strlen(t);
	va_list ap;

	if (n >= sizeof(trace[0]) - 2)
		return;
	va_start(ap, fmt);
	vsnprintf(t + n, sizeof(trace[0]) - n, fmt, ap);
	va_end(ap);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (fail_op >= 0)
		return;
	fail_op = cur_op;
	va_start(ap, fmt);
	vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
	va_end(ap);
	printf("# FAILED at op %ld (seed %" PRIu64 "): %s\n", cur_op, seed, fail_msg);
}

/* @got must be one of the results in the 0-terminated list (0 = success
 * is spelled OK_). */
#define OK_	1000000
static bool allowed(const char *what, long got, ...)
{
	va_list ap;
	int e;

	if (got > 0)
		got = 0;
	va_start(ap, got);
	while ((e = va_arg(ap, int))) {
		if ((e == OK_ && got == 0) || got == -e) {
			va_end(ap);
			st_ok += !got;
			st_err += !!got;
			return true;
		}
	}
	va_end(ap);
	fail("%s: unexpected %s", what, errname(got));
	return false;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                      */
/* ------------------------------------------------------------------ */

static void msleep(unsigned int ms)
{
	usleep(ms * 1000);
}

static long sysfs_write(const char *path, const void *val, size_t len)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static long sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static long read_long(const char *path)
{
	char buf[64];

	return sysfs_read(path, buf, sizeof(buf)) > 0 ? strtol(buf, NULL, 10) : -1;
}

static long meminfo(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static bool vdpa_attached(const char *name)
{
	char path[VDUSE_NAME_MAX + 64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", name);
	return !stat(path, &st);
}

/* ------------------------------------------------------------------ */
/* The kernel log: new problem lines fail the op that saw them        */
/* ------------------------------------------------------------------ */

static int kmsg_fd = -1;
static long n_kreport;

static void kmsg_check(void)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "general protection", "hung_task",
		"blocked for more than", "possible circular locking",
		"possible recursive locking", "inconsistent lock state",
		"suspicious RCU usage", "KASAN", "UBSAN", "kmemleak",
		"list_add corruption", "list_del corruption", "refcount_t:",
		"Kernel panic", "stack-protector", "soft lockup", "rcu_sched self-detected",
		"rcu: INFO", "virtqueue_add_split",
	};
	char buf[2048];
	unsigned int i;
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	for (;;) {
		n = read(kmsg_fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return;
		buf[n] = 0;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(buf, bad[i])) {
				char *semi = strchr(buf, ';');

				n_kreport++;
				fail("kernel log: %s", semi ? semi + 1 : buf);
				break;
			}
	}
}

/* ------------------------------------------------------------------ */
/* The daemon thread: answers every device's requests, serves the rings */
/* ------------------------------------------------------------------ */

static void daemon_handle(struct fdev *d, bool msg, int vq_in)
{
	volatile int vq = vq_in;
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		fault_jb = NULL;
		return;
	}
	fault_jb = &jb;
	if (msg) {
		struct vduse_dev_request req;
		struct vduse_dev_response resp;

		if (read(d->b.fd, &req, sizeof(req)) == sizeof(req)) {
			vdk_blk_answer(&d->b, &req, &resp);
			if (write(d->b.fd, &resp, sizeof(resp)) != sizeof(resp))
				d->b.n_bad++;
		}
	} else if (vq >= 0) {
		uint64_t v;

		if (read(d->b.vq[vq].kickfd, &v, sizeof(v)) == sizeof(v))
			st_served += vdk_blk_vq_serve(&d->b, vq);
	} else {
		/* a kick may have gone to an eventfd the fuzzer set: look anyway */
		for (vq = 0; vq < (int)d->b.vq_num; vq++)
			st_served += vdk_blk_vq_serve(&d->b, vq);
	}
	fault_jb = NULL;
}

static void *daemon_main(void *arg)
{
	struct pollfd pfd[1 + MAXD * (1 + VDK_BLK_MAX_VQS)];
	int who[1 + MAXD * (1 + VDK_BLK_MAX_VQS)][2];
	double last_sweep = 0;

	(void)arg;
	while (!stop_daemon) {
		unsigned int g, i, n = 0;
		double t = now();
		int vq;

		pthread_mutex_lock(&mu);
		g = gen;
		pfd[n].fd = wake_fd;
		pfd[n].events = POLLIN;
		who[n][0] = -1;
		who[n++][1] = -1;
		for (i = 0; i < MAXD; i++) {
			struct fdev *d = &devs[i];

			if (!d->used || d->b.fd < 0 || d->pause_until > t)
				continue;
			pfd[n].fd = d->b.fd;
			pfd[n].events = POLLIN;
			who[n][0] = i;
			who[n++][1] = -1;
			for (vq = 0; vq < (int)d->b.vq_num; vq++) {
				if (!d->b.vq[vq].active || d->b.vq[vq].kickfd < 0)
					continue;
				pfd[n].fd = d->b.vq[vq].kickfd;
				pfd[n].events = POLLIN;
				who[n][0] = i;
				who[n++][1] = vq;
			}
		}
		pthread_mutex_unlock(&mu);
		if (poll(pfd, n, 20) < 0 && errno != EINTR)
			msleep(20);
		pthread_mutex_lock(&mu);
		daemon_loops++;
		if (pfd[0].revents & POLLIN) {
			uint64_t v;

			if (read(wake_fd, &v, sizeof(v)) < 0)
				v = 0;
		}
		if (g == gen) {
			for (i = 1; i < n; i++)
				if (pfd[i].revents & POLLIN)
					daemon_handle(&devs[who[i][0]], who[i][1] < 0,
						      who[i][1]);
		}
		t = now();
		if (t - last_sweep > 0.1) {
			last_sweep = t;
			for (i = 0; i < MAXD; i++)
				if (devs[i].used && devs[i].b.fd >= 0 &&
				    devs[i].pause_until <= t)
					daemon_handle(&devs[i], false, -1);
		}
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Block I/O on a device's disk                                       */
/* ------------------------------------------------------------------ */

static bool disk_path(const char *name, char *out, size_t len)
{
	char pat[VDUSE_NAME_MAX + 64];
	glob_t g;
	bool ok = false;

	snprintf(pat, sizeof(pat), "/sys/bus/vdpa/devices/%s/virtio*/block/vd*", name);
	if (!glob(pat, 0, NULL, &g) && g.gl_pathc) {
		snprintf(out, len, "/dev/%s", strrchr(g.gl_pathv[0], '/') + 1);
		ok = true;
	}
	globfree(&g);
	return ok;
}

struct io_arg {
	struct fdev *d;
	char path[64];
	uint64_t seed;
};

static void *io_main(void *arg)
{
	struct io_arg *a = arg;
	struct fdev *d = a->d;
	struct rng r = { a->seed };
	void *buf = NULL;
	int fd = open(a->path, O_RDWR | O_DIRECT | O_CLOEXEC);
	int i;

	if (fd >= 0 && !posix_memalign(&buf, PAGE, 64 << 10)) {
		for (i = 0; i < 200 && !d->io_stop; i++) {
			size_t len = (1 + rnd(&r, 16)) * PAGE;
			off_t off = (off_t)rnd(&r, DISK_SIZE / PAGE) * PAGE;
			ssize_t n;

			if (chance(&r, 30)) {
				rfill(&r, buf, len);
				n = pwrite(fd, buf, len, off);
			} else {
				n = pread(fd, buf, len, off);
			}
			if (n < 0)
				break;
			st_io++;
			msleep(2);
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	free(a);
	d->io_done = true;
	return NULL;
}

static void io_reap(struct fdev *d, double secs)
{
	double end = now() + secs;

	if (!d->io_up)
		return;
	while (!d->io_done && now() < end)
		msleep(10);
	if (d->io_done) {
		pthread_join(d->io, NULL);
		d->io_up = false;
	}
}

/* ------------------------------------------------------------------ */
/* vdpa generic netlink                                               */
/* ------------------------------------------------------------------ */

static int nl_family_id;

struct nlreq {
	struct nlmsghdr n;
	struct genlmsghdr g;
	uint8_t buf[2048];
};

static void nla_put(struct nlreq *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)((uint8_t *)m + NLMSG_ALIGN(m->n.nlmsg_len));

	if (NLMSG_ALIGN(m->n.nlmsg_len) + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(*m))
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	m->n.nlmsg_len = NLMSG_ALIGN(m->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void nla_str(struct nlreq *m, uint16_t type, const char *s)
{
	nla_put(m, type, s, strlen(s) + 1);
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 90 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void nl_init(struct nlreq *m, uint16_t type, uint8_t cmd, uint16_t flags)
{
	memset(m, 0, sizeof(m->n) + sizeof(m->g));
	m->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->n.nlmsg_type = type;
	m->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->g.cmd = cmd;
	m->g.version = VDPA_GENL_VERSION;
}

/*
 * Send @m and read the answers up to the ack or the end of a dump:
 * 0 / -errno of the ack, -ETIMEDOUT if none came. @family_out: the family
 * id of a CTRL_CMD_GETFAMILY answer.
 */
static long nl_xfer(int fd, struct nlreq *m, int *family_out, int *nmsg)
{
	static __thread uint8_t buf[65536];
	bool dump = m->n.nlmsg_flags & NLM_F_DUMP;

	*nmsg = 0;
	if (send(fd, m, m->n.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return dump ? 0 : -EPROTO;
			(*nmsg)++;
			if (family_out && h->nlmsg_type == GENL_ID_CTRL) {
				struct genlmsghdr *g = NLMSG_DATA(h);
				struct nlattr *a = (struct nlattr *)((uint8_t *)g + GENL_HDRLEN);
				int left = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

				while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
				       a->nla_len <= left) {
					if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
						*family_out = *(uint16_t *)((uint8_t *)a + NLA_HDRLEN);
					left -= NLA_ALIGN(a->nla_len);
					a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
				}
			}
		}
	}
}

static int nl_resolve(void)
{
	struct nlreq m;
	int fd = nl_open(), fam = -1, n;

	if (fd < 0)
		return -1;
	nl_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	m.g.version = 1;
	nla_str(&m, CTRL_ATTR_FAMILY_NAME, VDPA_GENL_NAME);
	if (nl_xfer(fd, &m, &fam, &n))
		fam = -1;
	close(fd);
	return fam;
}

/* ------------------------------------------------------------------ */
/* Asynchronous ops: whatever may wait for the daemon                 */
/* ------------------------------------------------------------------ */

enum { A_NL, A_BIND, A_VHOST };

struct async {
	bool used;
	volatile bool done;
	pthread_t t;
	int kind;
	long op;
	uint64_t rs;
	char name[VDUSE_NAME_MAX];
	long result;
	int step;		/* async_vhost: the request it is in */
};

static struct async asyncs[MAXASYNC];

/* A random vdpa netlink request. */
static void async_nl(struct async *a, struct rng *r)
{
	static const uint8_t cmds[] = {
		VDPA_CMD_DEV_NEW, VDPA_CMD_DEV_NEW, VDPA_CMD_DEV_NEW, VDPA_CMD_DEV_DEL,
		VDPA_CMD_DEV_DEL, VDPA_CMD_MGMTDEV_GET, VDPA_CMD_DEV_GET,
		VDPA_CMD_DEV_CONFIG_GET, VDPA_CMD_DEV_VSTATS_GET, VDPA_CMD_DEV_ATTR_SET,
	};
	struct nlreq m;
	uint8_t cmd = cmds[rnd(r, sizeof(cmds))];
	uint16_t flags = 0;
	int fd = nl_open(), n, k;

	if (fd < 0) {
		a->result = -errno;
		return;
	}
	if (chance(r, 5))
		cmd = (uint8_t)rnd(r, 16);
	if ((cmd == VDPA_CMD_MGMTDEV_GET || cmd == VDPA_CMD_DEV_GET ||
	     cmd == VDPA_CMD_DEV_CONFIG_GET) && chance(r, 50))
		flags = NLM_F_DUMP;
	nl_init(&m, (uint16_t)nl_family_id, cmd, flags);
	if (chance(r, 3))
		m.g.version = (uint8_t)rnext(r);
	if (cmd == VDPA_CMD_MGMTDEV_GET || cmd == VDPA_CMD_DEV_NEW || chance(r, 10))
		if (!chance(r, 5))
			nla_str(&m, VDPA_ATTR_MGMTDEV_DEV_NAME,
				chance(r, 95) ? "vduse" : "vdusex");
	if (chance(r, 5))
		nla_str(&m, VDPA_ATTR_MGMTDEV_BUS_NAME, chance(r, 50) ? "pci" : "");
	if (cmd != VDPA_CMD_MGMTDEV_GET && !chance(r, 5))
		nla_str(&m, VDPA_ATTR_DEV_NAME, a->name);
	if (cmd == VDPA_CMD_DEV_VSTATS_GET || chance(r, 5)) {
		uint32_t q = chance(r, 70) ? rnd(r, 4) : (uint32_t)edge64(r);

		nla_put(&m, VDPA_ATTR_DEV_QUEUE_INDEX, &q, sizeof(q));
	}
	if (cmd == VDPA_CMD_DEV_NEW && chance(r, 30)) {
		/* provisioning attributes: valid, wrong sizes, unknown */
		for (k = rnd(r, 4); k >= 0; k--) {
			uint8_t v[16];
			uint16_t t = (uint16_t)(chance(r, 80) ?
				     VDPA_ATTR_DEV_NET_CFG_MACADDR + rnd(r, VDPA_ATTR_MAX - VDPA_ATTR_DEV_NET_CFG_MACADDR) :
				     rnd(r, VDPA_ATTR_MAX + 8));
			static const uint8_t lens[] = { 0, 1, 2, 4, 6, 8, 16 };

			rfill(r, v, sizeof(v));
			if (t == VDPA_ATTR_DEV_FEATURES && chance(r, 60)) {
				uint64_t f = BLK_FEATURES | (chance(r, 50) ? rnext(r) & 0xffffff : 0);

				nla_put(&m, t, &f, sizeof(f));
			} else {
				nla_put(&m, t, v, lens[rnd(r, sizeof(lens))]);
			}
		}
	}
	a->result = nl_xfer(fd, &m, NULL, &n);
	close(fd);
}

static void async_bind(struct async *a, struct rng *r)
{
	char path[VDUSE_NAME_MAX + 64];
	const char *drv = have_vhost && chance(r, 30) ? "vhost_vdpa" : "virtio_vdpa";

	switch (rnd(r, 3)) {
	case 0:
		snprintf(path, sizeof(path), "/sys/bus/vdpa/drivers/%s/bind", drv);
		a->result = sysfs_write(path, a->name, strlen(a->name));
		break;
	case 1:
		snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s/driver/unbind", a->name);
		a->result = sysfs_write(path, a->name, strlen(a->name));
		break;
	default:
		snprintf(path, sizeof(path), "/sys/bus/vdpa/drivers/%s/unbind", drv);
		a->result = sysfs_write(path, a->name, strlen(a->name));
	}
}

/* Open the device's vhost-vdpa node and send it a few random requests. */
static void async_vhost(struct async *a, struct rng *r)
{
	char pat[VDUSE_NAME_MAX + 64], path[64];
	uint64_t u64;
	int fd, k, steps;
	glob_t g;

	snprintf(pat, sizeof(pat), "/sys/bus/vdpa/devices/%s/vhost-vdpa-*", a->name);
	if (glob(pat, 0, NULL, &g) || !g.gl_pathc) {
		globfree(&g);
		a->result = -ENOENT;
		return;
	}
	snprintf(path, sizeof(path), "/dev/%s", strrchr(g.gl_pathv[0], '/') + 1);
	globfree(&g);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		a->result = -errno;
		return;
	}
	steps = 3 + rnd(r, 10);
	for (k = 0; k < steps; k++, a->step++) {
		struct vhost_vring_state vs = { .index = rnd(r, 3), .num = 64 };
		struct vhost_vring_addr va = { .index = rnd(r, 2) };
		struct vhost_msg_v2 msg = { .type = VHOST_IOTLB_MSG_V2 };
		uint8_t st, cfgbuf[sizeof(struct vhost_vdpa_config) + 64];
		struct vhost_vdpa_config *cfg = (void *)cfgbuf;

		switch (rnd(r, 14)) {
		case 0:
			ioctl(fd, VHOST_SET_OWNER, NULL);
			break;
		case 1:
			ioctl(fd, VHOST_GET_FEATURES, &u64);
			break;
		case 2:
			u64 = chance(r, 70) ? BLK_FEATURES : rnext(r);
			ioctl(fd, VHOST_SET_FEATURES, &u64);
			break;
		case 3:
			u64 = chance(r, 70) ? (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2) |
					      (1ULL << VHOST_BACKEND_F_IOTLB_BATCH) : rnext(r);
			ioctl(fd, VHOST_SET_BACKEND_FEATURES, &u64);
			break;
		case 4:
			st = (uint8_t)(chance(r, 70) ? (uint8_t[]){ 0, 1, 3, 11, 15 }[rnd(r, 5)] : rnext(r));
			ioctl(fd, VHOST_VDPA_SET_STATUS, &st);
			break;
		case 5:
			ioctl(fd, VHOST_VDPA_GET_STATUS, &st);
			break;
		case 6:
			if (chance(r, 80))
				vs.num = 1u << rnd(r, 9);
			else
				vs.num = (uint32_t)edge64(r);
			ioctl(fd, VHOST_SET_VRING_NUM, &vs);
			break;
		case 7:
			va.desc_user_addr = 0x10000 + rnd(r, 64) * PAGE;
			va.avail_user_addr = va.desc_user_addr + 0x2000;
			va.used_user_addr = va.desc_user_addr + 0x3000;
			if (chance(r, 20))
				va.used_user_addr = edge64(r);
			ioctl(fd, VHOST_SET_VRING_ADDR, &va);
			break;
		case 8:
			ioctl(fd, VHOST_GET_VRING_BASE, &vs);
			break;
		case 9:
			vs.num = rnd(r, 65536);
			ioctl(fd, VHOST_SET_VRING_BASE, &vs);
			break;
		case 10:
			vs.num = 1;
			ioctl(fd, VHOST_VDPA_SET_VRING_ENABLE, &vs);
			break;
		case 11:
			cfg->off = chance(r, 80) ? rnd(r, 64) : (uint32_t)edge64(r);
			cfg->len = chance(r, 80) ? rnd(r, 64) : (uint32_t)edge64(r);
			if (cfg->len > 64)
				cfg->len = 64;
			ioctl(fd, VHOST_VDPA_GET_CONFIG, cfg);
			break;
		case 12:
		case 13:
			/* IOTLB update or invalidate of a piece of vhost_mem */
			msg.iotlb.iova = chance(r, 80) ? rnd(r, 256) * PAGE : edge64(r);
			msg.iotlb.size = chance(r, 80) ? (1 + rnd(r, 256)) * PAGE : edge64(r);
			msg.iotlb.uaddr = (uintptr_t)vhost_mem + rnd(r, 512) * PAGE;
			/* only vhost_mem: no other mapping of ours goes to the device */
			if (msg.iotlb.size > (uintptr_t)vhost_mem + (4 << 20) - msg.iotlb.uaddr)
				msg.iotlb.size = (uintptr_t)vhost_mem + (4 << 20) - msg.iotlb.uaddr;
			msg.iotlb.perm = chance(r, 80) ? VHOST_ACCESS_RW : (uint8_t)rnd(r, 8);
			msg.iotlb.type = chance(r, 60) ? VHOST_IOTLB_UPDATE :
					 chance(r, 70) ? VHOST_IOTLB_INVALIDATE :
					 (uint8_t)rnd(r, 8);
			if (chance(r, 10))
				msg.asid = rnd(r, 3);
			if (write(fd, &msg, sizeof(msg)) < 0)
				u64 = errno;
			break;
		}
	}
	a->step = 100;	/* closing */
	close(fd);
	a->result = 0;
}

static void *async_main(void *arg)
{
	struct async *a = arg;
	struct rng r = { a->rs };

	switch (a->kind) {
	case A_NL:
		async_nl(a, &r);
		break;
	case A_BIND:
		async_bind(a, &r);
		break;
	default:
		async_vhost(a, &r);
	}
	a->done = true;
	return NULL;
}

static void async_reap(double secs)
{
	double end = now() + secs;
	int i;

	for (i = 0; i < MAXASYNC; i++) {
		struct async *a = &asyncs[i];

		if (!a->used)
			continue;
		while (!a->done && now() < end)
			msleep(10);
		if (a->done) {
			pthread_join(a->t, NULL);
			a->used = false;
		}
	}
}

static bool async_start(int kind, const char *name, struct rng *r)
{
	int i;

	async_reap(0);
	for (i = 0; i < MAXASYNC; i++) {
		struct async *a = &asyncs[i];

		if (a->used)
			continue;
		memset(a, 0, sizeof(*a));
		a->used = true;
		a->kind = kind;
		a->op = cur_op;
		a->rs = rnext(r);
		snprintf(a->name, sizeof(a->name), "%s", name);
		if (pthread_create(&a->t, NULL, async_main, a)) {
			a->used = false;
			return false;
		}
		st_async++;
		return true;
	}
	st_async_busy++;
	return false;
}

/* ------------------------------------------------------------------ */
/* Model helpers                                                      */
/* ------------------------------------------------------------------ */

static struct fdev *pick_dev(struct rng *r, bool need_fd)
{
	int idx[MAXD], n = 0, i;

	for (i = 0; i < MAXD; i++)
		if (devs[i].used && (!need_fd || devs[i].b.fd >= 0))
			idx[n++] = i;
	return n ? &devs[idx[rnd(r, n)]] : NULL;
}

static struct ctl *pick_ctl(struct rng *r)
{
	struct ctl *c = &ctls[rnd(r, MAXCTL)];

	if (c->fd < 0) {
		c->fd = open(CTL_PATH, O_RDWR | O_CLOEXEC);
		c->api = -1;
		if (c->fd < 0) {
			fail("open %s: %s", CTL_PATH, strerror(errno));
			return NULL;
		}
	}
	return c;
}

/*
 * Close the device fd. Not while the daemon thread polls it: its poll()
 * holds the file, whose release (and so the next open) would wait for it.
 * The rings' state stays, as a reconnect log would keep it.
 */
static void dev_close(struct fdev *d)
{
	uint64_t one = 1;
	unsigned long loops;
	int fd;

	pthread_mutex_lock(&mu);
	gen++;
	fd = d->b.fd;
	d->b.fd = -1;
	vdk_blk_regions_drop(&d->b);
	d->b.umem = NULL;
	loops = daemon_loops;
	pthread_mutex_unlock(&mu);
	if (write(wake_fd, &one, sizeof(one)) < 0)
		one = 0;
	while (!stop_daemon) {
		pthread_mutex_lock(&mu);
		one = daemon_loops;
		pthread_mutex_unlock(&mu);
		if (one != loops)
			break;
		usleep(200);
	}
	if (fd >= 0)
		close(fd);
}

static long dev_open(struct fdev *d)
{
	char path[VDUSE_NAME_MAX + 16];
	int fd, i;

	snprintf(path, sizeof(path), "/dev/vduse/%s", d->name);
	/* devtmpfs without udev: the node may take a moment */
	for (i = 0; i < 100; i++) {
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		msleep(10);
	}
	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&mu);
	gen++;
	d->b.fd = fd;
	vdk_blk_vq_rekick(&d->b);	/* a reconnect: the rings go on */
	pthread_mutex_unlock(&mu);
	return 0;
}

static long destroy_name(const char *name)
{
	char n[VDUSE_NAME_MAX];
	int fd = open(CTL_PATH, O_RDWR | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	memset(n, 0, sizeof(n));
	snprintf(n, sizeof(n), "%s", name);
	r = xioctl(fd, VDUSE_DESTROY_DEV, n);
	close(fd);
	return r;
}

/* the result src/vduse/ctl.c must give for this config (root) */
static long create_rule(const struct vduse_dev_config *c, int api)
{
	size_t len = strnlen(c->name, VDUSE_NAME_MAX), i;
	uint64_t f = c->features;
	int k;

	if (!len || len == VDUSE_NAME_MAX || !strcmp(c->name, ".") ||
	    !strcmp(c->name, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char ch = c->name[i];

		if (ch == '/' || ch < 0x20 || ch == 0x7f)
			return -EINVAL;
	}
	if (!strcmp(c->name, "control"))
		return -EEXIST;
	for (k = 0; k < 11; k++)
		if (c->reserved[k])
			return -EINVAL;
	if (api < 1) {
		if (c->ngroups || c->nas)
			return -EINVAL;
	} else if (!c->ngroups || c->ngroups > 0xffff || !c->nas || c->nas > 0xffff) {
		return -EINVAL;
	}
	if (!c->vq_num || c->vq_num > 0xffff)
		return -EINVAL;
	if (!c->vq_align || (c->vq_align & (c->vq_align - 1)) || c->vq_align < 4 ||
	    c->vq_align > PAGE)
		return -EINVAL;
	if (c->config_size > PAGE)
		return -EINVAL;
	if (c->device_id != VIRTIO_ID_BLOCK && c->device_id != VIRTIO_ID_NET &&
	    c->device_id != VIRTIO_ID_FS)
		return -EINVAL;
	if (!(f & F(VIRTIO_F_ACCESS_PLATFORM)))
		return -EINVAL;
	if (c->device_id == VIRTIO_ID_BLOCK && (f & F(VIRTIO_BLK_F_CONFIG_WCE)))
		return -EINVAL;
	if (c->device_id == VIRTIO_ID_NET &&
	    (!(f & F(VIRTIO_F_VERSION_1)) || (f & F(VIRTIO_NET_F_CTRL_VQ))))
		return -EINVAL;
	for (k = 0; k < MAXD; k++)
		if (devs[k].used && !strcmp(devs[k].name, c->name))
			return -EEXIST;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The ops                                                            */
/* ------------------------------------------------------------------ */

/*
 * An ioctl type that neither VDUSE nor the VFS handles: random types would
 * hit FIONBIO & co. (do_vfs_ioctl), which change the file, not test it.
 */
static unsigned int other_type(struct rng *r)
{
	static const uint8_t t[] = { 0x80, 0x82, VHOST_VIRTIO, 0xfe, 0xff };

	return t[rnd(r, sizeof(t))];
}

static void op_ctl(struct rng *r)
{
	struct ctl *c = pick_ctl(r);
	uint64_t v;
	long got;

	if (!c)
		return;
	switch (rnd(r, 6)) {
	case 0:		/* close it */
		tr("ctl close");
		close(c->fd);
		c->fd = -1;
		return;
	case 1:
	case 2: {
		uint64_t want = c->api < 0 ? 1 : (uint64_t)c->api;

		v = ~0ULL;
		got = xioctl(c->fd, VDUSE_GET_API_VERSION, &v);
		tr("ctl GET_API_VERSION -> %s %" PRIu64, errname(got), v);
		if (allowed("GET_API_VERSION", got, OK_, 0) && v != want)
			fail("GET_API_VERSION: %" PRIu64 ", want %" PRIu64, v, want);
		c->api = (int)want;
		return;
	}
	case 3:
	case 4:
		v = chance(r, 80) ? rnd(r, 2) : edge64(r);
		got = xioctl(c->fd, VDUSE_SET_API_VERSION, &v);
		tr("ctl SET_API_VERSION %" PRIu64 " -> %s", v, errname(got));
		if (v <= 1) {
			if (allowed("SET_API_VERSION", got, OK_, 0))
				c->api = (int)v;
		} else {
			allowed("SET_API_VERSION bad", got, EINVAL, 0);
		}
		return;
	default: {	/* a random ioctl */
		unsigned long cmd = _IOC(rnd(r, 4), chance(r, 70) ? VDUSE_BASE : other_type(r),
					 rnd(r, 0x30), rnd(r, 512));
		static uint8_t buf[PAGE];

		if (cmd == VDUSE_GET_API_VERSION || cmd == VDUSE_SET_API_VERSION ||
		    cmd == VDUSE_CREATE_DEV || cmd == VDUSE_DESTROY_DEV)
			return;
		rfill(r, buf, sizeof(buf));
		got = xioctl(c->fd, cmd, buf);
		tr("ctl ioctl 0x%lx -> %s", cmd, errname(got));
		allowed("control fd, unknown ioctl", got, ENOTTY, 0);
	}
	}
}

static void dev_setup(struct fdev *d, struct rng *r)
{
	char path[VDUSE_NAME_MAX + 64], val[32];
	uint32_t i;
	long got;

	snprintf(path, sizeof(path), "/sys/class/vduse/%s/msg_timeout", d->name);
	snprintf(val, sizeof(val), "%u", 1 + rnd(r, 3));
	got = sysfs_write(path, val, strlen(val));
	allowed("setup: msg_timeout", got, OK_, 0);
	snprintf(path, sizeof(path), "/sys/class/vduse/%s/bounce_size", d->name);
	snprintf(val, sizeof(val), "%lu", (1UL + rnd(r, 4)) << 20);
	got = sysfs_write(path, val, strlen(val));
	allowed("setup: bounce_size", got, OK_, 0);
	got = dev_open(d);
	if (!allowed("setup: open", got, OK_, 0))
		return;
	for (i = 0; i < d->vq_num && i < 8; i++) {
		struct vduse_vq_config vc = { .index = i, .max_size = 64 << rnd(r, 3) };

		if (d->api >= 1)
			vc.group = i % d->ngroups;
		got = xioctl(d->b.fd, VDUSE_VQ_SETUP, &vc);
		allowed("setup: VQ_SETUP", got, OK_, 0);
	}
}

static void op_create(struct rng *r)
{
	union {
		struct vduse_dev_config c;
		uint8_t raw[sizeof(struct vduse_dev_config) + PAGE + 64];
	} u;
	struct ctl *ctl = pick_ctl(r);
	struct fdev *d = NULL;
	int i, api, k;
	bool mutated = chance(r, 35);
	long want, got;
	char name[VDUSE_NAME_MAX];
	static const uint64_t optional[] = {
		F(VIRTIO_BLK_F_SEG_MAX), F(VIRTIO_BLK_F_BLK_SIZE), F(VIRTIO_BLK_F_FLUSH),
		F(VIRTIO_BLK_F_RO), F(VIRTIO_BLK_F_TOPOLOGY), F(VIRTIO_RING_F_INDIRECT_DESC),
		F(VIRTIO_RING_F_EVENT_IDX), F(VIRTIO_BLK_F_DISCARD), F(VIRTIO_BLK_F_SIZE_MAX),
	};

	if (!ctl)
		return;
	for (i = 0; i < MAXD; i++)
		if (!devs[i].used) {
			d = &devs[i];
			break;
		}
	serial++;
	if (d)
		snprintf(name, sizeof(name), "fz%d-%u", (int)(d - devs), serial);
	else	/* all slots taken: a duplicate name */
		snprintf(name, sizeof(name), "%s", devs[rnd(r, MAXD)].name);
	api = ctl->api < 0 ? 0 : ctl->api;
	vdk_blk_config(&u, name, 1 + rnd(r, 4), BLK_FEATURES, DISK_SIZE / 512);
	for (i = rnd(r, 4); i > 0; i--)
		u.c.features |= optional[rnd(r, sizeof(optional) / sizeof(optional[0]))];
	if (u.c.features & F(VIRTIO_BLK_F_SEG_MAX)) {
		struct virtio_blk_config *bc = (void *)u.c.config;

		bc->seg_max = 1 + rnd(r, 128);
	}
	if (u.c.features & F(VIRTIO_BLK_F_SIZE_MAX)) {
		struct virtio_blk_config *bc = (void *)u.c.config;

		/* mostly none (0) or a page or more; else vdpa dev add refuses */
		bc->size_max = chance(r, 80) ? (chance(r, 50) ? 0 : 4096U << rnd(r, 5)) :
					       (uint32_t)edge64(r);
	}
	if (u.c.features & F(VIRTIO_BLK_F_BLK_SIZE)) {
		struct virtio_blk_config *bc = (void *)u.c.config;

		/* mostly valid; else vdpa dev add refuses the device */
		bc->blk_size = chance(r, 80) ? 512U << rnd(r, 4) : (uint32_t)edge64(r);
	}
	if (api >= 1) {
		u.c.ngroups = 1 + rnd(r, 2);
		u.c.nas = 1 + rnd(r, 2);
	}
	for (k = mutated ? 1 + rnd(r, 2) : 0; k > 0; k--) {
		switch (rnd(r, 12)) {
		case 0: {	/* a bad or odd name */
			static const char *const names[] = {
				"", ".", "..", "control", "a/b", "tab\tname", "del\x7f",
				"sp ace", "-", "fz-odd:name",
			};
			const char *n = names[rnd(r, sizeof(names) / sizeof(names[0]))];

			if (chance(r, 20)) {
				memset(u.c.name, 'x', sizeof(u.c.name));
				if (chance(r, 50))
					u.c.name[VDUSE_NAME_MAX - 1] = 0;
			} else {
				snprintf(u.c.name, sizeof(u.c.name), "%s", n);
			}
			if (!d)	/* keep the duplicate name: no slot for a new one */
				snprintf(u.c.name, sizeof(u.c.name), "%s", name);
			break;
		}
		case 1:
			u.c.device_id = chance(r, 50) ? (uint32_t[]){ VIRTIO_ID_NET, VIRTIO_ID_FS, 0, 3, 255 }[rnd(r, 5)] :
						       (uint32_t)edge64(r);
			break;
		case 2:
			u.c.features = chance(r, 50) ? rnext(r) : u.c.features ^ F(rnd(r, 64));
			break;
		case 3:
			u.c.vq_num = (uint32_t)edge64(r);
			if (u.c.vq_num > 1024)	/* cheap refusal, see docs/reliability.md */
				u.c.device_id = 0;
			break;
		case 4:
			u.c.vq_align = (uint32_t)edge64(r);
			break;
		case 5:
			u.c.config_size = chance(r, 50) ? rnd(r, PAGE + 2) : (uint32_t)edge64(r);
			break;
		case 6:
			u.c.reserved[rnd(r, 11)] = (uint32_t)rnext(r) | 1;
			break;
		case 7:
			u.c.ngroups = (uint32_t)edge64(r);
			break;
		case 8:
			u.c.nas = (uint32_t)edge64(r);
			break;
		case 9:
			u.c.vendor_id = (uint32_t)rnext(r);
			break;
		case 10:	/* packed rings: our daemon cannot serve them */
			u.c.features |= F(VIRTIO_F_RING_PACKED);
			break;
		default:
			rfill(r, u.c.config, 64);
			break;
		}
	}
	want = create_rule(&u.c, api);
	if (!want && !d)
		want = -EEXIST;	/* (a taken name, see above) */
	got = xioctl(ctl->fd, VDUSE_CREATE_DEV, &u.c);
	if (ctl->api < 0)
		ctl->api = 0;
	tr("create '%s' api %d dev %u vq %u f 0x%" PRIx64 " cs %u -> %s (want %s)",
	   dn(u.c.name), api, u.c.device_id, u.c.vq_num, u.c.features, u.c.config_size,
	   errname(got), errname(want));
	if (got != want) {
		fail("CREATE_DEV '%.40s' (%s): got %s, want %s", u.c.name,
		     mutated ? "mutated" : "valid", errname(got), errname(want));
		if (got)
			return;
	}
	if (got)
		return;
	st_created++;
	if (!d) {
		/* created although we expected a failure: destroy it now */
		destroy_name(u.c.name);
		return;
	}
	pthread_mutex_lock(&mu);
	d->used = true;
	snprintf(d->name, sizeof(d->name), "%s", u.c.name);
	d->api = api;
	d->vq_num = u.c.vq_num;
	d->device_id = u.c.device_id;
	d->features = u.c.features;
	d->ngroups = api >= 1 ? u.c.ngroups : 1;
	d->nas = api >= 1 ? u.c.nas : 1;
	d->config_size = u.c.config_size;
	d->io_ok = u.c.device_id == VIRTIO_ID_BLOCK && !(u.c.features & F(VIRTIO_F_RING_PACKED));
	d->serial = serial;
	d->pause_until = 0;
	if (!d->disk)
		d->disk = calloc(1, DISK_SIZE);
	vdk_blk_init(&d->b, d->disk, DISK_SIZE, "vduse-fuzz");
	d->b.api = api;
	d->b.vq_num = d->io_ok ? (d->vq_num < VDK_BLK_MAX_VQS ? d->vq_num : VDK_BLK_MAX_VQS) : 0;
	gen++;
	pthread_mutex_unlock(&mu);
	if (chance(r, 75))
		dev_setup(d, r);
}

static void op_destroy(struct rng *r)
{
	struct fdev *d = pick_dev(r, false);
	char name[VDUSE_NAME_MAX];
	long got;

	if (!d || chance(r, 15)) {
		snprintf(name, sizeof(name), chance(r, 50) ? "fz-none-%u" : "", rnd(r, 1000));
		got = destroy_name(name);
		tr("destroy '%s' -> %s", dn(name), errname(got));
		allowed("DESTROY_DEV of an unknown name", got, EINVAL, 0);
		return;
	}
	got = destroy_name(d->name);
	tr("destroy %s (fd %d) -> %s", dn(d->name), d->b.fd, errname(got));
	if (d->b.fd >= 0) {
		allowed("DESTROY_DEV of an open device", got, EBUSY, 0);
		return;
	}
	if (!allowed("DESTROY_DEV", got, OK_, EBUSY, 0) || got)
		return;
	st_destroyed++;
	if (d->io_up) {
		d->io_stop = true;
		io_reap(d, 0);
	}
	pthread_mutex_lock(&mu);
	gen++;
	d->used = false;
	vdk_blk_vq_stop_all(&d->b);
	pthread_mutex_unlock(&mu);
}

static void op_open_close(struct rng *r)
{
	struct fdev *d = pick_dev(r, false);
	long got;

	if (!d) {
		got = open("/dev/vduse/fz-none", O_RDWR);
		tr("open fz-none -> %ld", got);
		if (got >= 0)
			close((int)got);
		allowed("open of a missing node", got < 0 ? -errno : 0, ENOENT, 0);
		return;
	}
	if (d->b.fd >= 0) {
		if (chance(r, 25)) {
			char path[VDUSE_NAME_MAX + 16];
			int fd;

			snprintf(path, sizeof(path), "/dev/vduse/%s", d->name);
			fd = open(path, O_RDWR | O_CLOEXEC);
			got = fd < 0 ? -errno : 0;
			if (fd >= 0)
				close(fd);
			tr("second open %s -> %s", dn(d->name), errname(got));
			allowed("second open", got, EBUSY, 0);
			return;
		}
		tr("close %s", dn(d->name));
		dev_close(d);
		return;
	}
	got = dev_open(d);
	tr("open %s -> %s", dn(d->name), errname(got));
	allowed("open", got, OK_, 0);
}

static uint32_t vq_index(struct rng *r, struct fdev *d)
{
	return chance(r, 85) ? rnd(r, d->vq_num) : (uint32_t)edge64(r);
}

static void op_vq_setup(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	struct vduse_vq_config vc = {};
	long got, want = 0;

	if (!d)
		return;
	vc.index = vq_index(r, d);
	vc.max_size = chance(r, 70) ? 64 << rnd(r, 4) : (uint16_t)edge64(r);
	if (chance(r, 10))
		vc.group = chance(r, 50) ? rnd(r, 3) : (uint32_t)edge64(r);
	if (chance(r, 5))
		vc.reserved1 = 1;
	if (chance(r, 5))
		vc.reserved2[rnd(r, 10)] = 1;
	if (d->api >= 1 && !vc.group && d->ngroups > 1)
		vc.group = rnd(r, d->ngroups);
	if (vc.index >= d->vq_num || vc.reserved1 || vc.reserved2[0] || vc.reserved2[1] ||
	    vc.reserved2[2] || vc.reserved2[3] || vc.reserved2[4] || vc.reserved2[5] ||
	    vc.reserved2[6] || vc.reserved2[7] || vc.reserved2[8] || vc.reserved2[9] ||
	    vc.max_size > 32768 || (d->api < 1 && vc.group))
		want = -EINVAL;
	else if (vc.max_size && vc.max_size < 3 && d->device_id == VIRTIO_ID_BLOCK &&
		 !(d->features & F(VIRTIO_RING_F_INDIRECT_DESC)))
		want = -EINVAL;
	else if (d->api >= 1 && vc.group >= d->ngroups)
		want = -EINVAL;
	got = xioctl(d->b.fd, VDUSE_VQ_SETUP, &vc);
	tr("VQ_SETUP %s q%u size %u group %u -> %s", dn(d->name), vc.index, vc.max_size,
	   vc.group, errname(got));
	if (want)
		allowed("VQ_SETUP (invalid)", got, -want, EPERM, 0);
	else if (d->api >= 1)	/* refused after DRIVER_OK */
		allowed("VQ_SETUP", got, OK_, EINVAL, EPERM, 0);
	else
		allowed("VQ_SETUP", got, OK_, EPERM, 0);
}

static int any_evfd(struct rng *r)
{
	int i = rnd(r, MAXEVFD);

	if (evfds[i] < 0 || chance(r, 20)) {
		if (evfds[i] >= 0)
			close(evfds[i]);
		evfds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	}
	return evfds[i];
}

static void op_kickfd(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	struct vduse_vq_eventfd e = {};
	int kind, pfd[2] = { -1, -1 };
	long got;

	if (!d)
		return;
	e.index = vq_index(r, d);
	kind = rnd(r, 6);
	switch (kind) {
	case 0:
	case 1:
		e.fd = any_evfd(r);
		break;
	case 2:
		e.fd = VDUSE_EVENTFD_DEASSIGN;
		break;
	case 3:
		e.fd = chance(r, 50) ? -2 : (int)edge64(r);
		break;
	case 4:
		if (pipe2(pfd, O_CLOEXEC))
			return;
		e.fd = pfd[0];
		break;
	default:
		e.fd = d->b.fd;
	}
	got = xioctl(d->b.fd, VDUSE_VQ_SETUP_KICKFD, &e);
	tr("VQ_SETUP_KICKFD %s q%u fd %d -> %s", dn(d->name), e.index, e.fd, errname(got));
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	if (e.index >= d->vq_num)
		allowed("VQ_SETUP_KICKFD bad index", got, EINVAL, EPERM, 0);
	else if (kind <= 2)
		allowed("VQ_SETUP_KICKFD", got, OK_, EPERM, 0);
	else if (kind == 3 && e.fd >= -1)	/* -1 deassigns; may be an eventfd of ours */
		allowed("VQ_SETUP_KICKFD odd fd", got, OK_, EINVAL, EBADF, EPERM, 0);
	else
		allowed("VQ_SETUP_KICKFD bad fd", got, EINVAL, EBADF, EPERM, 0);
}

static void op_irq(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	uint32_t idx;
	int n, i;
	long got = 0;

	if (!d)
		return;
	n = chance(r, 80) ? 1 : 1 + rnd(r, 200);
	if (chance(r, 30)) {
		for (i = 0; i < n; i++)
			got = xioctl(d->b.fd, VDUSE_DEV_INJECT_CONFIG_IRQ, NULL);
		tr("INJECT_CONFIG_IRQ %s x%d -> %s", dn(d->name), n, errname(got));
		/* EINVAL: no interrupt to send before DRIVER_OK */
		allowed("INJECT_CONFIG_IRQ", got, OK_, EINVAL, EPERM, 0);
		return;
	}
	idx = vq_index(r, d);
	for (i = 0; i < n; i++)
		got = xioctl(d->b.fd, VDUSE_VQ_INJECT_IRQ, &idx);
	tr("VQ_INJECT_IRQ %s q%u x%d -> %s", dn(d->name), idx, n, errname(got));
	if (idx >= d->vq_num)
		allowed("VQ_INJECT_IRQ bad index", got, EINVAL, EPERM, 0);
	else
		allowed("VQ_INJECT_IRQ", got, OK_, EINVAL, EPERM, 0);
}

static void op_config(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	union {
		struct vduse_config_data c;
		uint8_t raw[sizeof(struct vduse_config_data) + PAGE];
	} u;
	long got;
	bool bad;
	unsigned int bs;

	if (!d)
		return;
	if (chance(r, 30)) {
		uint64_t f = ~0ULL;

		got = xioctl(d->b.fd, VDUSE_DEV_GET_FEATURES, &f);
		tr("GET_FEATURES %s -> %s 0x%" PRIx64, dn(d->name), errname(got), f);
		if (allowed("DEV_GET_FEATURES", got, OK_, EPERM, 0) && !got &&
		    (f & ~d->features))
			fail("DEV_GET_FEATURES: 0x%" PRIx64 " beyond the offered 0x%" PRIx64,
			     f, d->features);
		return;
	}
	rfill(r, u.raw, sizeof(u.raw));
	if (chance(r, 70)) {
		u.c.offset = rnd(r, d->config_size + 1);
		u.c.length = rnd(r, d->config_size - u.c.offset + 1);
		if (d->device_id == VIRTIO_ID_BLOCK && chance(r, 50)) {
			/* a plausible capacity change */
			uint64_t cap = chance(r, 80) ? DISK_SIZE / 512 - rnd(r, 8) : edge64(r);

			u.c.offset = offsetof(struct virtio_blk_config, capacity);
			u.c.length = sizeof(cap);
			memcpy(u.c.buffer, &cap, sizeof(cap));
			if (d->config_size < sizeof(cap))
				u.c.length = d->config_size;
		}
	} else {
		u.c.offset = (uint32_t)edge64(r);
		u.c.length = (uint32_t)edge64(r);
		if (u.c.length > PAGE && u.c.offset <= d->config_size &&
		    u.c.length <= d->config_size - u.c.offset)
			u.c.length = PAGE;
	}
	bad = !u.c.length || u.c.offset > d->config_size ||
	      u.c.length > d->config_size - u.c.offset;
	got = xioctl(d->b.fd, VDUSE_DEV_SET_CONFIG, &u.c);
	tr("SET_CONFIG %s off %u len %u -> %s", dn(d->name), u.c.offset, u.c.length, errname(got));
	bs = offsetof(struct virtio_blk_config, blk_size);
	if (bad)
		allowed("DEV_SET_CONFIG out of range", got, EINVAL, EPERM, 0);
	else if (d->device_id == VIRTIO_ID_BLOCK &&
		 (d->features & (F(VIRTIO_BLK_F_BLK_SIZE) | F(VIRTIO_BLK_F_SIZE_MAX))) &&
		 u.c.offset < bs + 4 &&
		 u.c.offset + u.c.length > offsetof(struct virtio_blk_config, size_max))
		/* blk_size not a power of two from 512 to 4096, size_max below 4096 */
		allowed("DEV_SET_CONFIG over size_max..blk_size", got, OK_, EINVAL, EPERM, 0);
	else
		allowed("DEV_SET_CONFIG", got, OK_, EPERM, 0);
	if (!got && chance(r, 50))
		xioctl(d->b.fd, VDUSE_DEV_INJECT_CONFIG_IRQ, NULL);
}

static void op_vq_info(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	struct vduse_vq_info info = {};
	long got;

	if (!d)
		return;
	info.index = vq_index(r, d);
	got = xioctl(d->b.fd, VDUSE_VQ_GET_INFO, &info);
	tr("VQ_GET_INFO %s q%u -> %s num %u ready %u", dn(d->name), info.index, errname(got),
	   info.num, info.ready);
	if (info.index >= d->vq_num)
		allowed("VQ_GET_INFO bad index", got, EINVAL, EPERM, 0);
	else if (allowed("VQ_GET_INFO", got, OK_, EPERM, 0) && !got && info.num > 32768)
		fail("VQ_GET_INFO: num %u above 32768", info.num);
}

static void iotlb_add(int fd, const struct vduse_iotlb_entry_v2 *e)
{
	int i = 0;

	while (i < MAXIOTLB && iotlbs[i].fd >= 0)
		i++;
	if (i == MAXIOTLB) {
		i = (int)(e->start % MAXIOTLB);
		close(iotlbs[i].fd);
	}
	iotlbs[i].fd = fd;
	iotlbs[i].start = e->start;
	iotlbs[i].last = e->last;
	iotlbs[i].offset = e->offset;
	iotlbs[i].perm = e->perm;
}

static void op_iotlb(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	struct vduse_iotlb_entry_v2 e = {};
	bool v2;
	long got;

	if (!d)
		return;
	switch (rnd(r, 4)) {
	case 0:
		e.start = 0;
		e.last = ~0ULL;
		break;
	case 1:
		e.start = rnd(r, 64) * PAGE;
		e.last = e.start + rnd(r, 4 << 20);
		break;
	case 2:
		e.start = edge64(r);
		e.last = edge64(r);
		break;
	default:
		e.start = rnext(r) & 0xffffffffffULL;
		e.last = e.start + rnd(r, 1 << 20);
	}
	v2 = chance(r, 40);
	if (v2) {
		e.asid = chance(r, 80) ? rnd(r, d->nas) : (uint32_t)edge64(r);
		if (chance(r, 5))
			e.reserved[rnd(r, 11)] = 1;
	}
	if (chance(r, 20)) {
		struct vduse_iova_info info = { .start = e.start, .last = e.last, .asid = e.asid };

		if (chance(r, 5))
			info.reserved[rnd(r, 5)] = 1;
		got = xioctl(d->b.fd, VDUSE_IOTLB_GET_INFO, &info);
		tr("IOTLB_GET_INFO %s [0x%" PRIx64 ", 0x%" PRIx64 "] asid %u -> %s", dn(d->name),
		   e.start, e.last, e.asid, errname(got));
		allowed("IOTLB_GET_INFO", got, OK_, EINVAL, EPERM, 0);
		if (!got && (info.start > info.last))
			fail("IOTLB_GET_INFO: start 0x%" PRIx64 " > last 0x%" PRIx64,
			     info.start, info.last);
		return;
	}
	got = xioctl(d->b.fd, v2 ? VDUSE_IOTLB_GET_FD2 : VDUSE_IOTLB_GET_FD, &e);
	tr("IOTLB_GET_FD%s %s [0x%" PRIx64 ", 0x%" PRIx64 "] -> %s", v2 ? "2" : "",
	   dn(d->name), e.start, e.last, errname(got));
	if (v2 && d->api < 1) {
		allowed("IOTLB_GET_FD2 on API 0", got, ENOTTY, EPERM, 0);
	} else if (allowed("IOTLB_GET_FD", got, OK_, EINVAL, EPERM, 0) && got >= 0) {
		if (e.start > e.last || !e.perm || e.perm > VDUSE_ACCESS_RW)
			fail("IOTLB_GET_FD: entry [0x%" PRIx64 ", 0x%" PRIx64 "] perm %u",
			     e.start, e.last, e.perm);
		iotlb_add((int)got, &e);
	}
}

static void op_mmap(struct rng *r)
{
	struct iotlbfd *t = &iotlbs[rnd(r, MAXIOTLB)];
	struct mapping *m = &maps[rnd(r, MAXMAP)];
	uint64_t size, off, len;
	sigjmp_buf jb;
	int prot, i;
	void *p;

	if (m->p && chance(r, 40)) {
		tr("munmap %zu", m->len);
		munmap(m->p, m->len);
		m->p = NULL;
		return;
	}
	if (t->fd < 0)
		return;
	if (chance(r, 10)) {
		tr("close iotlb fd");
		close(t->fd);
		t->fd = -1;
		return;
	}
	size = t->last - t->start + 1;
	off = t->offset;
	len = size < (16 << 20) ? size : 16 << 20;
	switch (rnd(r, 5)) {
	case 0:		/* beyond the region */
		off += (size + PAGE - 1) / PAGE * PAGE;
		len = PAGE;
		break;
	case 1:
		off += rnd(r, 64) * PAGE;
		len = (1 + rnd(r, 64)) * PAGE;
		break;
	case 2:
		off = edge64(r) & ~(PAGE - 1);
		len = chance(r, 50) ? PAGE : edge64(r);
		break;
	case 3:
		len = edge64(r);
		break;
	default:
		break;
	}
	if (!len || len > (64ULL << 20))
		len = PAGE;
	prot = PROT_READ | (t->perm & VDUSE_ACCESS_WO && chance(r, 50) ? PROT_WRITE : 0);
	p = mmap(NULL, len, prot, MAP_SHARED, t->fd, (off_t)off);
	tr("mmap iotlb [0x%" PRIx64 ", 0x%" PRIx64 "] off 0x%" PRIx64 " len 0x%" PRIx64 " -> %s",
	   t->start, t->last, off, len, p == MAP_FAILED ? strerrorname_np(errno) : "ok");
	if (p == MAP_FAILED)
		return;
	if (m->p)
		munmap(m->p, m->len);
	m->p = p;
	m->len = len;
	m->writable = prot & PROT_WRITE;
	/* touch it: SIGBUS past the end of the file is fine */
	if (!sigsetjmp(jb, 1)) {
		fault_jb = &jb;
		for (i = 0; i < 4; i++) {
			size_t at = rnd(r, (uint32_t)(len > 0xffffffffULL ? 0xffffffffULL : len));
			volatile uint8_t *b = (volatile uint8_t *)p + at;
			uint8_t v = *b;

			/* writes only into the bounce region's data, never a ring */
			if (m->writable && t->start == 0 && chance(r, 20))
				*b = v ^ (uint8_t)rnext(r);
		}
	}
	fault_jb = NULL;
}

static void op_umem(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	struct vduse_iova_umem u = {};
	char path[VDUSE_NAME_MAX + 64];
	bool reg = chance(r, 60);
	long got, bs;

	if (!d)
		return;
	if (!d->umem) {
		d->umem = mmap(NULL, UMEM_MAX, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (d->umem == MAP_FAILED) {
			d->umem = NULL;
			return;
		}
	}
	snprintf(path, sizeof(path), "/sys/class/vduse/%s/bounce_size", d->name);
	bs = read_long(path);
	u.uaddr = (uintptr_t)d->umem;
	u.size = bs > 0 && bs <= UMEM_MAX ? (uint64_t)bs : PAGE;
	if (chance(r, 20)) {
		switch (rnd(r, 5)) {
		case 0:
			u.uaddr += 1 + rnd(r, PAGE);
			break;
		case 1:
			u.iova = edge64(r);
			break;
		case 2:
			u.size = edge64(r) & (UMEM_MAX - 1);
			break;
		case 3:
			u.asid = (uint32_t)edge64(r);
			break;
		default:
			u.reserved[rnd(r, 5)] = 1;
		}
	}
	got = xioctl(d->b.fd, reg ? VDUSE_IOTLB_REG_UMEM : VDUSE_IOTLB_DEREG_UMEM, &u);
	tr("%s %s iova 0x%" PRIx64 " size 0x%" PRIx64 " -> %s", reg ? "REG_UMEM" : "DEREG_UMEM",
	   dn(d->name), u.iova, u.size, errname(got));
	allowed("IOTLB_(DE)REG_UMEM", got, OK_, EINVAL, EEXIST, ENOENT, EBUSY, EPERM, EFAULT,
		ENOMEM, EAGAIN, 0);
	if (!got && !u.iova && !u.asid) {
		pthread_mutex_lock(&mu);
		d->b.umem = reg ? d->umem : NULL;
		d->b.umem_size = u.size;
		vdk_blk_regions_drop(&d->b);
		pthread_mutex_unlock(&mu);
	}
}

/* What write() of @len bytes of @p as an answer must give: -EINVAL, or 0
 * when it may be taken (ENOENT for an id nobody waits for is also fine). */
static long answer_rule(const void *p, size_t len)
{
	struct vduse_dev_response resp;
	int i;

	if (len < sizeof(resp))
		return -EINVAL;
	memcpy(&resp, p, sizeof(resp));
	for (i = 0; i < 4; i++)
		if (resp.reserved[i])
			return -EINVAL;
	if (resp.result != VDUSE_REQ_RESULT_OK && resp.result != VDUSE_REQ_RESULT_FAILED)
		return -EINVAL;
	return 0;
}

static void check_answer(const char *what, long got, const void *p, size_t len)
{
	if (answer_rule(p, len))
		allowed(what, got, EINVAL, 0);
	else
		allowed(what, got, OK_, ENOENT, 0);
}

static void op_msg(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	uint8_t buf[sizeof(struct vduse_dev_request) + 64];
	struct vduse_dev_request req;
	struct vduse_dev_response resp;
	size_t len;
	long got;
	int how;

	if (!d)
		return;
	how = rnd(r, 10);
	if (how >= 6) {	/* a write of something that is no answer to anything read */
		len = chance(r, 50) ? sizeof(resp) : rnd(r, sizeof(buf));
		rfill(r, buf, sizeof(buf));
		if (chance(r, 50))
			memset(buf + 8, 0, 16);	/* reserved zero, the id random */
		if (chance(r, 50))
			((struct vduse_dev_response *)buf)->result = rnd(r, 3);
		got = wr(d->b.fd, buf, len);
		tr("write garbage %s len %zu -> %s", dn(d->name), len, errname(got));
		check_answer("write of a garbage answer", got, buf, len);
		return;
	}
	if (how == 5) {
		struct pollfd p = { .fd = d->b.fd, .events = (short)rnext(r) | POLLIN };

		got = poll(&p, 1, 0);
		tr("poll %s -> %ld revents 0x%x", dn(d->name), got, p.revents);
		if (got < 0 || (p.revents & POLLNVAL))
			fail("poll of the device fd: %ld revents 0x%x", got, p.revents);
		return;
	}
	/* read (steal) a request from the daemon */
	len = how == 0 ? rnd(r, sizeof(req)) : how == 1 ? sizeof(buf) : sizeof(req);
	got = read(d->b.fd, buf, len);
	got = got < 0 ? -errno : got;
	tr("read %s len %zu -> %s", dn(d->name), len, errname(got));
	if (len < sizeof(req)) {
		allowed("short read", got, EINVAL, 0);
		return;
	}
	if (got != sizeof(req)) {
		allowed("read of a request", got, EAGAIN, 0);
		return;
	}
	st_msgs_stolen++;
	memcpy(&req, buf, sizeof(req));
	pthread_mutex_lock(&mu);
	vdk_blk_answer(&d->b, &req, &resp);
	pthread_mutex_unlock(&mu);
	switch (rnd(r, 8)) {
	case 0:		/* never answered: msg_timeout breaks the device */
		tr(" dropped type %u id %u", req.type, req.request_id);
		return;
	case 1:
		resp.request_id ^= 1 + rnd(r, 1000);
		break;
	case 2:
		resp.result = VDUSE_REQ_RESULT_FAILED;
		break;
	case 3:
		resp.result = (uint32_t)rnext(r);
		break;
	case 4:
		resp.reserved[rnd(r, 4)] = (uint32_t)rnext(r);
		break;
	default:
		break;
	}
	len = chance(r, 85) ? sizeof(resp) : rnd(r, sizeof(buf));
	memcpy(buf, &resp, sizeof(resp));
	got = wr(d->b.fd, buf, len);
	tr(" answered type %u id %u as id %u result %u len %zu -> %s", req.type,
	   req.request_id, resp.request_id, resp.result, len, errname(got));
	check_answer("write of an answer", got, buf, len);
	if (chance(r, 20)) {	/* twice */
		got = wr(d->b.fd, buf, len);
		if (answer_rule(buf, len))
			allowed("second answer", got, EINVAL, 0);
		else	/* an id of another request in flight at most */
			allowed("second answer", got, ENOENT, OK_, 0);
	}
}

static void op_sysfs(struct rng *r)
{
	struct fdev *d = pick_dev(r, false);
	char path[VDUSE_NAME_MAX + 128], val[64], buf[4096];
	const char *attr;
	long got;
	int kind = rnd(r, 4);

	if (!d)
		return;
	switch (kind) {
	case 0:
		attr = "msg_timeout";
		break;
	case 1:
		attr = "bounce_size";
		break;
	case 2:
		snprintf(val, sizeof(val), "vq%u/irq_cb_affinity", vq_index(r, d));
		attr = val;
		break;
	default:
		attr = (const char *[]){ "uevent", "dev", "power/control", "subsystem" }[rnd(r, 4)];
		if (chance(r, 90))
			return;	/* mostly noise in the kernel log */
	}
	snprintf(path, sizeof(path), "/sys/class/vduse/%s/%s", d->name, attr);
	if (chance(r, 30)) {
		got = sysfs_read(path, buf, sizeof(buf));
		tr("read %s -> %s", path, errname(got));
		return;
	}
	switch (kind) {
	case 0: {
		static const char *const v[] = {
			"0", "-1", "abc", "\n", "4294967296", "99999999999999999999",
			"2147483647", " 1", "1 ", "0x10",
		};
		bool valid = chance(r, 60);

		if (valid)
			snprintf(val, sizeof(val), "%u%s", 1 + rnd(r, 5), chance(r, 50) ? "\n" : "");
		else
			snprintf(val, sizeof(val), "%s", v[rnd(r, sizeof(v) / sizeof(v[0]))]);
		if (!strcmp(val, "2147483647") || !strcmp(val, "0x10"))
			valid = false;	/* above INT_MAX / HZ; base 10 only */
		got = sysfs_write(path, val, strlen(val));
		tr("msg_timeout %s <- '%s' -> %s", dn(d->name), val, errname(got));
		if (valid)
			allowed("msg_timeout", got, OK_, 0);
		else
			allowed("msg_timeout (invalid)", got, EINVAL, ERANGE, 0);
		return;
	}
	case 1: {
		static const char *const v[] = { "0", "4095", "1048575", "1073741825", "-1",
						 "x", "\n", "99999999999999999999" };
		bool valid = chance(r, 60);

		if (valid)
			snprintf(val, sizeof(val), "%lu", (1UL << 20) + rnd(r, 63) * (1UL << 20) +
				 (chance(r, 20) ? rnd(r, PAGE) : 0));
		else
			snprintf(val, sizeof(val), "%s", v[rnd(r, sizeof(v) / sizeof(v[0]))]);
		got = sysfs_write(path, val, strlen(val));
		tr("bounce_size %s <- '%s' -> %s", dn(d->name), val, errname(got));
		if (valid)
			allowed("bounce_size", got, OK_, EPERM, 0);
		else
			allowed("bounce_size (invalid)", got, EINVAL, ERANGE, 0);
		return;
	}
	case 2: {
		static const char *const v[] = { "1", "2", "3", "0", "ff", "\n", "zz", "1,2",
						 "ffffffff,ffffffff,ffffffff", "-1" };

		snprintf(val, sizeof(val), "%s", v[rnd(r, sizeof(v) / sizeof(v[0]))]);
		got = sysfs_write(path, val, strlen(val));
		tr("%s <- '%s' -> %s", attr, val, errname(got));
		/* "ff" names CPUs past nr_cpu_ids: EOVERFLOW on 2 CPUs */
		if (strchr("123", val[0]) && strlen(val) == 1)
			allowed("irq_cb_affinity", got, OK_, ENOENT, 0);
		else
			allowed("irq_cb_affinity (invalid)", got, OK_, EINVAL, EOVERFLOW,
				ERANGE, ENOENT, 0);
		return;
	}
	default:
		rfill(r, val, sizeof(val));
		snprintf(val, sizeof(val), "%s", (const char *[]){ "change", "add", "remove",
			 "on", "auto", "garbage" }[rnd(r, 6)]);
		got = sysfs_write(path, val, strlen(val));
		tr("%s <- '%s' -> %s", path, val, errname(got));
	}
}

static void op_netlink(struct rng *r)
{
	struct fdev *d = pick_dev(r, false);
	char name[VDUSE_NAME_MAX];

	if (d && !chance(r, 10))
		snprintf(name, sizeof(name), "%s", d->name);
	else
		snprintf(name, sizeof(name), "%s", chance(r, 50) ? "fz-none" : "");
	tr("netlink %s (async)", name);
	async_start(A_NL, name, r);
}

static void op_bind(struct rng *r)
{
	struct fdev *d = pick_dev(r, false);

	if (chance(r, 5)) {
		const char *v = chance(r, 60) ? "0" : "1";
		long got = sysfs_write("/sys/bus/vdpa/drivers_autoprobe", v, 1);

		tr("drivers_autoprobe <- %s -> %s", v, errname(got));
		allowed("drivers_autoprobe", got, OK_, 0);
		return;
	}
	if (!d)
		return;
	tr("bind/unbind %s (async)", dn(d->name));
	async_start(A_BIND, d->name, r);
}

static void op_vhost(struct rng *r)
{
	struct fdev *d = pick_dev(r, false);

	if (!d || !have_vhost)
		return;
	tr("vhost %s (async)", dn(d->name));
	async_start(A_VHOST, d->name, r);
}

static void op_daemon(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	static const double pauses[] = { 0.05, 0.2, 0.5, 1, 2 };

	if (!d)
		return;
	switch (rnd(r, 3)) {
	case 0: {
		double p = pauses[rnd(r, 5)];

		tr("pause the daemon for %s: %.2f s", dn(d->name), p);
		pthread_mutex_lock(&mu);
		d->pause_until = now() + p;
		pthread_mutex_unlock(&mu);
		break;
	}
	case 1:
		tr("daemon: new kick eventfds for %s", dn(d->name));
		pthread_mutex_lock(&mu);
		gen++;
		if (d->b.fd >= 0)
			vdk_blk_vq_rekick(&d->b);
		pthread_mutex_unlock(&mu);
		break;
	default: {
		char path[64];
		struct io_arg *a;

		if (!d->io_ok || d->io_up)
			break;
		if (!disk_path(d->name, path, sizeof(path)))
			break;
		a = calloc(1, sizeof(*a));
		if (!a)
			break;
		a->d = d;
		a->seed = rnext(r);
		snprintf(a->path, sizeof(a->path), "%s", path);
		d->io_stop = false;
		d->io_done = false;
		tr("I/O on %s (%s)", path, dn(d->name));
		if (pthread_create(&d->io, NULL, io_main, a))
			free(a);
		else
			d->io_up = true;
	}
	}
}

static void op_dev_ioctl(struct rng *r)
{
	struct fdev *d = pick_dev(r, true);
	static uint8_t buf[2 * PAGE];
	static const unsigned long known[] = {
		VDUSE_IOTLB_GET_FD, VDUSE_DEV_GET_FEATURES, VDUSE_DEV_SET_CONFIG,
		VDUSE_DEV_INJECT_CONFIG_IRQ, VDUSE_VQ_SETUP, VDUSE_VQ_GET_INFO,
		VDUSE_VQ_SETUP_KICKFD, VDUSE_VQ_INJECT_IRQ, VDUSE_IOTLB_REG_UMEM,
		VDUSE_IOTLB_DEREG_UMEM, VDUSE_IOTLB_GET_INFO, VDUSE_IOTLB_GET_FD2,
	};
	unsigned long cmd;
	unsigned int i;
	long got;

	if (!d)
		return;
	cmd = _IOC(rnd(r, 4), chance(r, 80) ? VDUSE_BASE : other_type(r),
		   chance(r, 70) ? 0x10 + rnd(r, 0x10) : rnd(r, 256), rnd(r, 600));
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (cmd == known[i])
			return;
	rfill(r, buf, sizeof(buf));
	got = xioctl(d->b.fd, cmd, buf);
	tr("dev ioctl %s 0x%lx -> %s", dn(d->name), cmd, errname(got));
	allowed("device fd, unknown ioctl", got, ENOTTY, EPERM, 0);
}

struct op {
	const char *name;
	unsigned int weight;
	void (*fn)(struct rng *r);
};

static const struct op ops[] = {
	{ "ctl",	4,	op_ctl },
	{ "create",	5,	op_create },
	{ "destroy",	3,	op_destroy },
	{ "open",	5,	op_open_close },
	{ "vq_setup",	6,	op_vq_setup },
	{ "kickfd",	5,	op_kickfd },
	{ "irq",	8,	op_irq },
	{ "config",	6,	op_config },
	{ "vq_info",	6,	op_vq_info },
	{ "iotlb",	8,	op_iotlb },
	{ "mmap",	8,	op_mmap },
	{ "umem",	3,	op_umem },
	{ "msg",	10,	op_msg },
	{ "sysfs",	5,	op_sysfs },
	{ "netlink",	4,	op_netlink },
	{ "bind",	2,	op_bind },
	{ "vhost",	2,	op_vhost },
	{ "daemon",	4,	op_daemon },
	{ "ioctl",	5,	op_dev_ioctl },
};

/* ------------------------------------------------------------------ */
/* Teardown and the final checks                                      */
/* ------------------------------------------------------------------ */

static long vdpa_del(const char *name)
{
	struct nlreq m;
	int fd = nl_open(), n;
	long r;

	if (fd < 0)
		return -errno;
	nl_init(&m, (uint16_t)nl_family_id, VDPA_CMD_DEV_DEL, 0);
	nla_str(&m, VDPA_ATTR_DEV_NAME, name);
	r = nl_xfer(fd, &m, NULL, &n);
	close(fd);
	return r;
}

/* The kernel's side of a device: its queues and its address space 0. */
static void dump_kernel_view(struct fdev *d)
{
	struct vduse_iotlb_entry e = { .start = 0, .last = ~0ULL };
	unsigned int q, n;
	long r;

	if (d->b.fd < 0)
		return;
	for (q = 0; q < d->b.vq_num; q++) {
		struct vduse_vq_info info = { .index = q };
		struct vring_avail *avail;
		struct vring_used *used;

		r = xioctl(d->b.fd, VDUSE_VQ_GET_INFO, &info);
		printf("#   kernel vq%u: %s, ready %u, num %u, desc 0x%llx, driver 0x%llx, device 0x%llx, avail %u\n",
		       q, errname(r), info.ready, info.num, (unsigned long long)info.desc_addr,
		       (unsigned long long)info.driver_addr, (unsigned long long)info.device_addr,
		       info.split.avail_index);
		if (r || !info.num || q >= VDK_BLK_MAX_VQS)
			continue;
		/* what the daemon's mapping of the ring shows */
		avail = vdk_blk_xlate(&d->b, info.driver_addr, VDK_AVAIL_BYTES(info.num));
		used = vdk_blk_xlate(&d->b, info.device_addr, VDK_USED_BYTES(info.num) + 2);
		if (avail && used) {
			uint16_t ev;

			memcpy(&ev, (uint8_t *)used + VDK_USED_BYTES(info.num), sizeof(ev));
			printf("#     ring: avail flags 0x%x idx %u; used flags 0x%x idx %u avail_event %u\n",
			       avail->flags, avail->idx, used->flags, used->idx, ev);
		}
	}
	{
		char pat[VDUSE_NAME_MAX + 64], buf[64];
		glob_t g;

		snprintf(pat, sizeof(pat), "/sys/bus/vdpa/devices/%s/virtio*/block/vd*/inflight",
			 d->name);
		if (!glob(pat, 0, NULL, &g) && g.gl_pathc &&
		    sysfs_read(g.gl_pathv[0], buf, sizeof(buf)) > 0)
			printf("#   kernel disk in flight (reads, writes): %s", buf);
		globfree(&g);
	}
	/* IOTLB_GET_FD gives the lowest entry overlapping the range */
	for (n = 0; n < 8; n++) {
		r = xioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e);
		if (r < 0) {
			printf("#   kernel asid 0: %s after %u entries\n", errname(r), n);
			break;
		}
		close((int)r);
		printf("#   kernel asid 0 entry [0x%llx, 0x%llx] perm %u offset 0x%llx\n",
		       (unsigned long long)e.start, (unsigned long long)e.last, e.perm,
		       (unsigned long long)e.offset);
		if (e.last == ~0ULL)
			break;
		e.start = e.last + 1;
		e.last = ~0ULL;
	}
}

/* What the daemon thinks of each device, next to the kernel's counters. */
static void dump_model(void)
{
	static const char *const stats[] = {
		"kicks", "irqs", "msgs", "msg_errors", "msg_timeouts", "failed_reqs",
		"map_errors",
	};
	char path[VDUSE_NAME_MAX + 64], buf[32];
	unsigned int i, q, k;
	struct timespec until;
	bool locked;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	locked = !pthread_mutex_timedlock(&mu, &until);
	if (!locked)
		printf("# the model's lock is held for 2 s: the daemon thread (or the main one) is stuck\n");
	for (i = 0; i < MAXD; i++) {
		struct fdev *d = &devs[i];

		if (!d->used)
			continue;
		printf("# model %s: device id %u, features 0x%llx, %u queues, fd %d, attached %d, io_ok %d, api %d, nas %u, umem %d, status 0x%x (%d seen), served %d, bad %d, xlate errors %d (last: %s for 0x%llx), irq errors %d, regions %d, paused %.1f s\n",
		       d->name, d->device_id, (unsigned long long)d->features, d->vq_num,
		       d->b.fd, vdpa_attached(d->name), d->io_ok, d->api, d->nas,
		       d->b.umem != NULL, d->b.status, d->b.n_status, d->b.n_served, d->b.n_bad,
		       d->b.n_xlate_err, errname(d->b.xlate_err),
		       (unsigned long long)d->b.xlate_iova, d->b.n_irq_err, d->b.nreg,
		       d->pause_until > now() ? d->pause_until - now() : 0);
		for (q = 0; q < d->b.vq_num; q++)
			printf("#   vq%u: active %d, kickfd %d, num %u, desc 0x%llx, last_avail %u, used_idx %u\n",
			       q, d->b.vq[q].active, d->b.vq[q].kickfd, d->b.vq[q].num,
			       (unsigned long long)d->b.vq[q].desc, d->b.vq[q].last_avail,
			       d->b.vq[q].used_idx);
		dump_kernel_view(d);
		printf("#   kernel:");
		for (k = 0; k < sizeof(stats) / sizeof(stats[0]); k++) {
			snprintf(path, sizeof(path), "/sys/class/vduse/%s/stats/%s", d->name, stats[k]);
			if (sysfs_read(path, buf, sizeof(buf)) > 0)
				printf(" %s %s", stats[k], strtok(buf, "\n"));
		}
		printf("\n");
	}
	if (locked)
		pthread_mutex_unlock(&mu);
}

/*
 * A device bound to virtio_vdpa whose daemon thinks its queues run: their
 * rings live in the device's own coherent memory, so the daemon must be
 * able to translate them (unless the device is broken: EPERM).
 */
static void check_rings(struct fdev *d)
{
	char path[VDUSE_NAME_MAX + 64], drv[PATH_MAX];
	unsigned int q;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s/driver", d->name);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n <= 0)
		return;
	drv[n] = 0;
	if (strcmp(strrchr(drv, '/') ? strrchr(drv, '/') + 1 : drv, "virtio_vdpa"))
		return;
	pthread_mutex_lock(&mu);
	for (q = 0; q < d->b.vq_num && q < VDK_BLK_MAX_VQS; q++) {
		struct vdk_vq *v = &d->b.vq[q];

		if (!v->active || !v->num)
			continue;
		d->b.xlate_err = 0;
		if (vdk_blk_xlate(&d->b, v->desc, VDK_DESC_BYTES(v->num)) &&
		    vdk_blk_xlate(&d->b, v->avail, VDK_AVAIL_BYTES(v->num)) &&
		    vdk_blk_xlate(&d->b, v->used, VDK_USED_BYTES(v->num)))
			continue;
		if (d->b.xlate_err == -EPERM)
			break;	/* broken: the model may be stale */
		fail("%s (virtio_vdpa) vq%u: the daemon cannot translate its ring (desc 0x%llx): %s for 0x%llx",
		     d->name, q, (unsigned long long)v->desc, errname(d->b.xlate_err),
		     (unsigned long long)d->b.xlate_iova);
		pthread_mutex_unlock(&mu);
		dump_model();
		return;
	}
	pthread_mutex_unlock(&mu);
}

static int teardown(void)
{
	int i, bad = 0;
	glob_t g;

	/* the daemon serves everything again; the helpers finish */
	pthread_mutex_lock(&mu);
	for (i = 0; i < MAXD; i++)
		devs[i].pause_until = 0;
	pthread_mutex_unlock(&mu);
	/*
	 * A device the daemon cannot serve (a packed ring, not a block
	 * device) keeps a bind's probe waiting for its partition read while
	 * the daemon lives, and the helper doing it is a thread of this very
	 * process: its fd goes, as when a stuck daemon is killed, so the
	 * kernel fences the device after msg_timeout and fails the read.
	 */
	for (i = 0; i < MAXD; i++)
		if (devs[i].used && !devs[i].io_ok && devs[i].b.fd >= 0 &&
		    vdpa_attached(devs[i].name))
			dev_close(&devs[i]);
	for (i = 0; i < MAXD; i++)
		if (devs[i].used && devs[i].io_ok && devs[i].b.fd >= 0)
			check_rings(&devs[i]);
	async_reap(30);
	for (i = 0; i < MAXASYNC; i++)
		if (asyncs[i].used)
			break;
	if (i < MAXASYNC) {
		/* what the threads wait for, and which files we hold */
		if (system("for t in /proc/[0-9]*/task/*; do "
			   "[ \"$(cat $t/comm)\" = vduse-fuzz ] && "
			   "echo \"# thread ${t##*/}: $(tr '\\n' ' ' <$t/stack | cut -c1-700)\"; done; "
			   "for f in /proc/[0-9]*/fd/*; do l=$(readlink $f); case $l in "
			   "*vhost*|*vduse*) echo \"# fd $f -> $l\";; esac; done"))
			printf("# (the stacks could not be shown)\n");
		dump_model();
		/*
		 * Let the devices go as if their daemon had been killed (the
		 * kernel fences them after msg_timeout, 1 s here) so that a
		 * waiting probe ends and the guest lives on; the async op that
		 * hung stays a failure below.
		 */
		for (i = 0; i < MAXD; i++) {
			char path[VDUSE_NAME_MAX + 64];

			if (!devs[i].used || devs[i].b.fd < 0 || !vdpa_attached(devs[i].name))
				continue;
			snprintf(path, sizeof(path), "/sys/class/vduse/%s/msg_timeout",
				 devs[i].name);
			sysfs_write(path, "1", 1);
			printf("# closing %s's fd\n", devs[i].name);
			dev_close(&devs[i]);
		}
		async_reap(20);
	}
	for (i = 0; i < MAXASYNC; i++)
		if (asyncs[i].used) {
			printf("# async op of op %ld (%s, kind %d, step %d) did not end in 120 s\n",
			       asyncs[i].op, asyncs[i].name, asyncs[i].kind, asyncs[i].step);
			bad++;
		}
	for (i = 0; i < MAXD; i++)
		devs[i].io_stop = true;
	/* every vDPA device of ours goes */
	for (i = 0; i < MAXD; i++) {
		long got;
		double t = now();

		if (!devs[i].used || !vdpa_attached(devs[i].name))
			continue;
		got = vdpa_del(devs[i].name);
		printf("# vdpa dev del %s: %s in %.1f s\n", devs[i].name, errname(got), now() - t);
		if (got) {
			bad++;
			tap_line(false, "vdpa dev del at the end", "%s: %s", devs[i].name, errname(got));
		}
	}
	for (i = 0; i < MAXD; i++) {
		io_reap(&devs[i], 60);
		if (devs[i].io_up) {
			printf("# I/O thread of %s did not end in 60 s\n", devs[i].name);
			bad++;
		}
	}
	for (i = 0; i < MAXMAP; i++)
		if (maps[i].p)
			munmap(maps[i].p, maps[i].len);
	for (i = 0; i < MAXIOTLB; i++)
		if (iotlbs[i].fd >= 0)
			close(iotlbs[i].fd);
	for (i = 0; i < MAXEVFD; i++)
		if (evfds[i] >= 0)
			close(evfds[i]);
	for (i = 0; i < MAXCTL; i++)
		if (ctls[i].fd >= 0)
			close(ctls[i].fd);
	stop_daemon = true;
	pthread_join(daemon_thr, NULL);
	for (i = 0; i < MAXD; i++) {
		long got;

		if (!devs[i].used)
			continue;
		dev_close(&devs[i]);
		vdk_blk_vq_stop_all(&devs[i].b);
		got = destroy_name(devs[i].name);
		if (got) {
			bad++;
			tap_line(false, "DESTROY_DEV at the end", "%s: %s", devs[i].name, errname(got));
		}
		devs[i].used = false;
	}
	/* anything else of ours (a create the model did not expect) */
	if (!glob("/sys/class/vduse/fz*", 0, NULL, &g)) {
		for (i = 0; i < (int)g.gl_pathc; i++) {
			const char *n = strrchr(g.gl_pathv[i], '/') + 1;

			printf("# left over: %s (%s)\n", n, errname(destroy_name(n)));
			bad++;
		}
	}
	globfree(&g);
	return bad;
}

/* ------------------------------------------------------------------ */
/* main                                                               */
/* ------------------------------------------------------------------ */

static void usage(const char *argv0, int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: %s --seed S [--ops N] [--time SECONDS] [--trace]\n"
		"  --seed S     the sequence (a 64-bit number; same seed, same ops)\n"
		"  --ops N      operations to run (default 1000)\n"
		"  --time T     stop after T seconds even if fewer ops ran\n"
		"  --trace      print every op (to replay a failure)\n"
		"Runs only in the vduse-dkms test guest (root, our vduse.ko loaded).\n",
		argv0);
	exit(rc);
}

int main(int argc, char **argv)
{
	long n_ops = 1000, k, refs0, refs, fds0, fds, slab0, slab, avail0, avail;
	double t_limit = 0, t0, t, next_report;
	struct sigaction sa = {};
	int i, bad;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* tee'd: every line before a timeout */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			n_ops = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--time") && i + 1 < argc)
			t_limit = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--trace"))
			trace_all = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			usage(argv[0], 0);
		else
			usage(argv[0], 2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# seed %" PRIu64 "\n", seed);
	printf("# vduse-fuzz: %ld ops%s%.0f%s; replay: vduse-fuzz --seed %" PRIu64 " --ops %ld\n",
	       n_ops, t_limit > 0 ? ", at most " : "", t_limit, t_limit > 0 ? " s" : "",
	       seed, n_ops);
	signal(SIGPIPE, SIG_IGN);
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	for (i = 0; i < MAXCTL; i++)
		ctls[i].fd = -1;
	for (i = 0; i < MAXIOTLB; i++)
		iotlbs[i].fd = -1;
	for (i = 0; i < MAXEVFD; i++)
		evfds[i] = -1;
	for (i = 0; i < MAXD; i++)
		devs[i].b.fd = -1;
	if (access(CTL_PATH, R_OK | W_OK))
		die("%s", CTL_PATH);
	nl_family_id = nl_resolve();
	if (nl_family_id < 0)
		die("the vdpa generic netlink family");
	have_vhost = !access("/sys/bus/vdpa/drivers/vhost_vdpa", F_OK);
	printf("# vdpa netlink family %d; vhost_vdpa %s\n", nl_family_id,
	       have_vhost ? "bound when asked" : "not loaded");
	vhost_mem = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vhost_mem == MAP_FAILED)
		die("mmap");
	memset(vhost_mem, 0, 4 << 20);
	if (sysfs_write("/sys/bus/vdpa/drivers_autoprobe", "1", 1))
		die("drivers_autoprobe");
	fds0 = count_fds();
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	refs0 = read_long("/sys/module/vduse/refcnt");
	slab0 = meminfo("SUnreclaim");
	avail0 = meminfo("MemAvailable");
	printf("# start: vduse.ko refcnt %ld, %ld fds, SUnreclaim %ld kB, MemAvailable %ld kB\n",
	       refs0, fds0, slab0, avail0);
	if (pthread_create(&daemon_thr, NULL, daemon_main, NULL))
		die("pthread_create");

	t0 = now();
	next_report = t0 + 10;
	{
		unsigned int total = 0, w;

		for (i = 0; i < (int)(sizeof(ops) / sizeof(ops[0])); i++)
			total += ops[i].weight;
		for (k = 0; k < n_ops && fail_op < 0; k++) {
			struct rng r = { mix64(seed ^ mix64((uint64_t)k + 1)) };

			if (t_limit > 0 && now() - t0 > t_limit)
				break;
			cur_op = k;
			trace[k % TRACE_KEEP][0] = 0;
			w = rnd(&r, total);
			for (i = 0; w >= ops[i].weight; i++)
				w -= ops[i].weight;
			tr("%ld %s: ", k, ops[i].name);
			ops[i].fn(&r);
			if (trace_all)
				printf("# op %s\n", trace[k % TRACE_KEEP]);
			kmsg_check();
			t = now();
			if (t > next_report) {
				int nd = 0, nf = 0, na = 0;

				for (i = 0; i < MAXD; i++) {
					nd += devs[i].used;
					nf += devs[i].b.fd >= 0;
					na += devs[i].used && vdpa_attached(devs[i].name);
				}
				printf("# op %ld: %.0f ops/s; %d devices (%d open, %d vDPA); created %ld destroyed %ld; async %ld (busy %ld); requests stolen %ld; served %ld, block I/O %ld; faults %ld\n",
				       k, k / (t - t0), nd, nf, na, st_created, st_destroyed,
				       st_async, st_async_busy, st_msgs_stolen, st_served, st_io,
				       n_fault);
				next_report = t + 10;
			}
		}
	}
	t = now() - t0;
	printf("# ran %ld ops in %.1f s (%.0f ops/s); %ld ok, %ld expected errors\n",
	       k, t, k / (t > 0 ? t : 1), st_ok, st_err);
	if (fail_op >= 0) {
		long j;

		printf("# the last ops before the failure:\n");
		for (j = fail_op - TRACE_KEEP + 1 < 0 ? 0 : fail_op - TRACE_KEEP + 1; j <= fail_op; j++)
			printf("#   %s\n", trace[j % TRACE_KEEP]);
		printf("# replay: vduse-fuzz --seed %" PRIu64 " --ops %ld --trace\n", seed,
		       fail_op + 1);
	}
	tap_line(fail_op < 0, "the ops keep every invariant",
		 fail_op < 0 ? "seed %" PRIu64 ", %ld ops" : "seed %" PRIu64 ", op %ld: %s",
		 seed, fail_op < 0 ? k : fail_op, fail_msg);
	cur_op = k;
	bad = teardown();
	kmsg_check();
	tap_line(!bad, "every device is removed and destroyed at the end", "%d problems", bad);
	tap_line(!n_kreport, "no kernel report in the log during the run", "%ld", n_kreport);
	if (kmsg_fd >= 0)
		close(kmsg_fd);
	kmsg_fd = -1;
	close(wake_fd);
	fds = count_fds();
	tap_line(fds == fds0, "no fd is left open", "%ld at the start, %ld at the end", fds0, fds);
	refs = read_long("/sys/module/vduse/refcnt");
	for (t = now() + 10; refs != refs0 && now() < t; msleep(100))
		refs = read_long("/sys/module/vduse/refcnt");
	tap_line(refs == refs0, "vduse.ko's reference count is back", "%ld, at the start %ld",
		 refs, refs0);
	/* freed memory takes RCU grace periods and deferred work */
	for (t = now() + 10; now() < t; msleep(500)) {
		slab = meminfo("SUnreclaim");
		avail = meminfo("MemAvailable");
		if (slab - slab0 < 16384 && avail0 - avail < 65536)
			break;
	}
	slab = meminfo("SUnreclaim");
	avail = meminfo("MemAvailable");
	tap_line(slab - slab0 < 32768, "unreclaimable slab is back near its start value",
		 "%ld kB, at the start %ld kB (limit +32 MiB)", slab, slab0);
	tap_line(avail0 - avail < 131072, "MemAvailable is back near its start value",
		 "%ld kB, at the start %ld kB (limit -128 MiB)", avail, avail0);
	printf("1..%d\n", n_case);
	printf("# %d cases: %d failed, %d skipped; seed %" PRIu64 ", %ld ops in %.1f s\n",
	       n_case, n_fail, n_skip, seed, k, now() - t0);
	return n_fail ? 1 : 0;
}
