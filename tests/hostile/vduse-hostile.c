// SPDX-License-Identifier: GPL-2.0
/*
 * vduse-hostile: a VDUSE daemon that misbehaves on purpose, and checks that
 * the kernel copes: exact errnos, timings and device states, and the kernel
 * stays healthy (the harness fails the boot on any WARNING/BUG/hung task).
 *
 * Runs inside the test guest (tests/guest/62-hostile.sh) against our
 * vduse.ko (--set project) and the kernel's own (--set in-tree). Each case
 * prints "ok N - name" or "not ok N - name (got .., want ..)"; where the
 * two modules answer differently by design the line names the row of
 * docs/vduse.md ("Deliberate differences"); a case the in-tree module cannot
 * survive is "# SKIP" with that row. The exit status is 0 only if no case
 * failed. docs/reliability.md describes every case.
 *
 * The device is a 1 MiB ramdisk virtio-blk with one split queue, API 0,
 * attached to virtio_vdpa (drivers_autoprobe is off; the program binds).
 * --case NAME runs one case. VDK_EXPLORE=1 in the environment also runs, in
 * the in-tree set, what it cannot survive (to watch it WARN and hang).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
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
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include <uapi/vdk/vduse.h>

#include "../lib/vdk-tap.h"
#define VDK_BLK_MAX_VQS 1
#include "../lib/vdk-blk.h"

#define CTL_PATH	"/dev/vduse/control"
#define DISK_SIZE	(1 << 20)
#define QUEUE_SIZE	64
#define BOUNCE_SIZE	(4 << 20)
#define F(bit)		(1ULL << (bit))
#define BLK_FEATURES	(F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM))

/* exit codes of the I/O children */
#define IO_OK		0
#define IO_SHORT	1
#define IO_DATA		2
#define IO_OPEN		3
#define IO_EIO		5
#define IO_ERR		6

/* rows of docs/vduse.md, "Deliberate differences" */
#define ROW_DEAD	"dead daemon + `vdpa dev del`"
#define ROW_STUCK	"stuck daemon + `vdpa dev del`"
#define ROW_REFUSE_OK	"`DRIVER_OK` answered `FAILED`"
#define ROW_ADD_BROKEN	"`vdpa dev add` of a broken device"
#define ROW_VQ_SIZE	"`VDUSE_VQ_SETUP` with `max_size` above 32768"
#define ROW_VQ_SMALL	"block queue of 1 or 2 without indirect descriptors"
#define ROW_SEG_MAX	"virtio-blk `seg_max` larger than the queue"

/* ------------------------------------------------------------------ */
/* Reporting                                                          */
/* ------------------------------------------------------------------ */

static bool intree;
static bool explore;	/* VDK_EXPLORE: run what the in-tree module cannot survive */
static int n_diff;

/* @got: result (>= 0) or -errno; @ours/@in: what each module must answer */
static bool expect3(const char *name, long got, long ours, long in,
		    const char *row)
{
	long want = intree ? in : ours;
	bool ok = got == want;

	if (ours != in) {
		n_diff++;
		return tap_line(ok, name, "got %s, want %s; ours %s, in-tree %s: docs/vduse.md \"%s\"",
			     errname(got), errname(want), errname(ours), errname(in), row);
	}
	return tap_line(ok, name, "got %s, want %s", errname(got), errname(want));
}

static bool expect(const char *name, long got, long want)
{
	return expect3(name, got, want, want, NULL);
}

static void msleep(unsigned int ms)
{
	usleep(ms * 1000);
}

/* ------------------------------------------------------------------ */
/* Children with a time limit                                         */
/* ------------------------------------------------------------------ */

/* Wait for @pid at most @secs (then SIGKILL): exit status, 128+sig or -1. */
static int wait_child(pid_t pid, double secs)
{
	double end = now() + secs;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0)
			return -1;
		if (now() > end) {
			kill(pid, SIGKILL);
			/* not reaped: a child stuck in the kernel may never die */
			printf("# pid %d killed after %.0f s\n", pid, secs);
			return -1;
		}
		msleep(10);
	}
}

static bool running(pid_t pid)
{
	int st;

	return waitpid(pid, &st, WNOHANG) == 0;
}

static pid_t run_bg(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	printf("# run: %s\n", cmd);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		closefrom(3);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

#define run(secs, ...) wait_child(run_bg(__VA_ARGS__), (secs))

/* Write @val to sysfs @path in a child: a hang costs the time limit only. */
static pid_t sysfs_write_bg(const char *path, const char *val)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		int fd;

		closefrom(3);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			_exit(3);
		_exit(write(fd, val, strlen(val)) < 0 ? 1 : 0);
	}
	return pid;
}

static long sysfs_set(const char *dev, const char *attr, const char *val)
{
	char path[300];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/vduse/%s/%s", dev, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* ------------------------------------------------------------------ */
/* The kernel log                                                     */
/* ------------------------------------------------------------------ */

static char marker[128];

/* Mark the start of a case in the kernel log. */
static void klog_mark(const char *what)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	snprintf(marker, sizeof(marker), "vduse-hostile: case %s (%.0f)", what, now() * 1000);
	if (fd >= 0) {
		if (write(fd, marker, strlen(marker)) < 0)
			perror("/dev/kmsg");
		close(fd);
	}
}

/* Lines after the last marker that contain @needle. */
static int klog_count(const char *needle)
{
	int size = klogctl(10, NULL, 0), n, count = 0;
	char *buf, *p, *nl;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	n = klogctl(3, buf, size);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = 0;
	p = buf;
	for (char *m = strstr(buf, marker); m; m = strstr(m + 1, marker))
		p = m;
	for (; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (strstr(p, needle))
			count++;
	}
	free(buf);
	return count;
}

/* ------------------------------------------------------------------ */
/* The device: a ramdisk behind one split virtqueue                   */
/* ------------------------------------------------------------------ */

struct dev {
	char name[64];
	struct vdk_blk b;	/* fd, queue 0, regions, ramdisk: tests/lib/vdk-blk.h */
	pthread_t thr;
	bool thr_up;
	volatile bool stop;
	pthread_mutex_t lock;	/* everything below and b */
	bool hold_msgs;		/* the main thread reads the requests */
	bool hold_kicks;	/* nobody serves the ring */
	bool refuse_ok;		/* answer SET_STATUS with DRIVER_OK FAILED */
	int n_err;
	bool destroyed;
};

static uint8_t disk_byte(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 512);
}

/* what the daemon got wrong: ours and vdk-blk.h's counts */
static int dev_errors(struct dev *d)
{
	return d->n_err + d->b.n_bad + d->b.n_xlate_err + d->b.n_irq_err + d->b.n_kick_err;
}

static void regions_drop(struct dev *d)
{
	vdk_blk_regions_drop(&d->b);
}

/* The request at @head: served (*written set) or -1; *sector if not NULL. */
static int blk_request(struct dev *d, uint16_t head, uint32_t *written,
		       uint64_t *sector)
{
	return vdk_blk_request(&d->b, &d->b.vq[0], head, written, sector);
}

static struct vring_avail *ring_avail(struct dev *d)
{
	return vdk_blk_xlate(&d->b, d->b.vq[0].avail, VDK_AVAIL_BYTES(d->b.vq[0].num));
}

/* Put @head on the used ring; lock held. */
static void complete_head(struct dev *d, uint16_t head, uint32_t written)
{
	if (!vdk_blk_complete(&d->b, &d->b.vq[0], head, written))
		d->n_err++;
}

static void inject(struct dev *d)
{
	unsigned int idx = 0;

	if (xioctl(d->b.fd, VDUSE_VQ_INJECT_IRQ, &idx))
		d->n_err++;
}

/* Serve everything available, in order; lock held. */
static void vq_serve(struct dev *d)
{
	vdk_blk_vq_serve(&d->b, 0);
}

/* DRIVER_OK: learn the ring, give it an eventfd. */
static void vq_start(struct dev *d)
{
	vdk_blk_vq_start_all(&d->b);
}

static void vq_stop(struct dev *d)
{
	if (d->b.vq[0].kickfd >= 0)
		close(d->b.vq[0].kickfd);
	d->b.vq[0].kickfd = -1;
	d->b.vq[0].active = false;
}

/* The answer of an honest daemon; lock held. */
static void handle_req(struct dev *d, const struct vduse_dev_request *req,
		       struct vduse_dev_response *resp)
{
	if (d->refuse_ok && req->type == VDUSE_SET_STATUS &&
	    (req->s.status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		memset(resp, 0, sizeof(*resp));
		resp->request_id = req->request_id;
		resp->result = VDUSE_REQ_RESULT_FAILED;
		return;
	}
	vdk_blk_answer(&d->b, req, resp);
}

static void *daemon_thread(void *arg)
{
	struct dev *d = arg;

	while (!d->stop) {
		struct pollfd pfd[2];

		pthread_mutex_lock(&d->lock);
		pfd[0].fd = d->hold_msgs ? -1 : d->b.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = d->b.vq[0].active && !d->hold_kicks ? d->b.vq[0].kickfd : -1;
		pfd[1].events = POLLIN;
		pthread_mutex_unlock(&d->lock);
		if (poll(pfd, 2, 50) <= 0)
			continue;
		pthread_mutex_lock(&d->lock);
		if (!d->hold_msgs && (pfd[0].revents & POLLIN)) {
			struct vduse_dev_request req;
			struct vduse_dev_response resp;

			if (read(d->b.fd, &req, sizeof(req)) == sizeof(req)) {
				handle_req(d, &req, &resp);
				if (write(d->b.fd, &resp, sizeof(resp)) != sizeof(resp))
					d->n_err++;
			}
		}
		if (!d->hold_kicks && d->b.vq[0].active && (pfd[1].revents & POLLIN) &&
		    pfd[1].fd == d->b.vq[0].kickfd) {
			uint64_t v;

			if (read(d->b.vq[0].kickfd, &v, sizeof(v)) == sizeof(v))
				vq_serve(d);
		}
		pthread_mutex_unlock(&d->lock);
	}
	return NULL;
}

static void daemon_start(struct dev *d)
{
	d->stop = false;
	if (pthread_create(&d->thr, NULL, daemon_thread, d))
		die("pthread_create");
	d->thr_up = true;
}

static void daemon_stop(struct dev *d)
{
	if (!d->thr_up)
		return;
	d->stop = true;
	pthread_join(d->thr, NULL);
	d->thr_up = false;
}

static void hold(struct dev *d, bool msgs, bool kicks)
{
	pthread_mutex_lock(&d->lock);
	d->hold_msgs = msgs;
	d->hold_kicks = kicks;
	pthread_mutex_unlock(&d->lock);
	msleep(100);	/* the thread leaves a poll() that still had the fd */
}

/* The next request, read by hand (hold_msgs set): true if one came. */
static bool read_req(struct dev *d, struct vduse_dev_request *req, int ms)
{
	struct pollfd pfd = { .fd = d->b.fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1 || !(pfd.revents & POLLIN))
		return false;
	return read(d->b.fd, req, sizeof(*req)) == sizeof(*req);
}

static long answer(struct dev *d, const struct vduse_dev_request *req, uint32_t id)
{
	struct vduse_dev_response resp;
	long r;

	pthread_mutex_lock(&d->lock);
	handle_req(d, req, &resp);
	pthread_mutex_unlock(&d->lock);
	resp.request_id = id;
	r = wr(d->b.fd, &resp, sizeof(resp));
	return r == sizeof(resp) ? 0 : r < 0 ? r : -EIO;
}

/* ------------------------------------------------------------------ */
/* Creating, attaching, tearing down                                  */
/* ------------------------------------------------------------------ */

static struct dev *cur;	/* the device of the running case, for cleanup */
static long module_refs(void);

static int ctl_open(void)
{
	int fd = open(CTL_PATH, O_RDWR | O_CLOEXEC);
	uint64_t v = 0;

	if (fd < 0)
		die("open %s", CTL_PATH);
	if (ioctl(fd, VDUSE_SET_API_VERSION, &v))
		die("VDUSE_SET_API_VERSION 0");
	return fd;
}

static long destroy(const char *name)
{
	char n[VDUSE_NAME_MAX] = "";
	int ctl = ctl_open();
	long r;

	snprintf(n, sizeof(n), "%s", name);
	r = xioctl(ctl, VDUSE_DESTROY_DEV, n);
	close(ctl);
	return r;
}

static long dev_open(const char *name)
{
	char path[300];
	int fd, i;

	snprintf(path, sizeof(path), "/dev/vduse/%s", name);
	/* devtmpfs without udev: the node may take a moment */
	for (i = 0; i < 100; i++) {
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		msleep(20);
	}
	return fd < 0 ? -errno : fd;
}

/* what dev_create() adds: features beyond BLK_FEATURES, a seg_max */
static uint64_t extra_features;
static uint32_t cfg_seg_max;

/* Create the device; @vq_size goes to VDUSE_VQ_SETUP, whose result is *setup. */
static struct dev *dev_create(const char *name, uint32_t vq_size, long *setup)
{
	union {
		struct vduse_dev_config c;
		char raw[sizeof(struct vduse_dev_config) + sizeof(struct virtio_blk_config)];
	} u;
	struct virtio_blk_config bc = { .capacity = DISK_SIZE / 512 };
	struct vduse_vq_config vc = { .index = 0, .max_size = vq_size };
	struct dev *d = calloc(1, sizeof(*d));
	int ctl = ctl_open(), i;
	long r;

	if (!d)
		die("calloc");
	memset(&u, 0, sizeof(u));
	snprintf(u.c.name, sizeof(u.c.name), "%s", name);
	u.c.device_id = VIRTIO_ID_BLOCK;
	u.c.vendor_id = 0x1af4;
	u.c.features = BLK_FEATURES | extra_features;
	if (cfg_seg_max) {
		u.c.features |= F(VIRTIO_BLK_F_SEG_MAX);
		bc.seg_max = cfg_seg_max;
	}
	u.c.vq_num = 1;
	u.c.vq_align = 4096;
	u.c.config_size = sizeof(bc);
	memcpy(u.c.config, &bc, sizeof(bc));
	if (ioctl(ctl, VDUSE_CREATE_DEV, &u.c))
		die("VDUSE_CREATE_DEV %s", name);
	close(ctl);
	snprintf(d->name, sizeof(d->name), "%s", name);
	pthread_mutex_init(&d->lock, NULL);
	vdk_blk_init(&d->b, malloc(DISK_SIZE), DISK_SIZE, "vduse-hostile");
	d->b.vq_num = 1;
	if (!d->b.disk)
		die("malloc");
	for (i = 0; i < DISK_SIZE; i++)
		d->b.disk[i] = disk_byte(i);
	r = dev_open(name);
	if (r < 0)
		die("open /dev/vduse/%s", name);
	d->b.fd = (int)r;
	r = xioctl(d->b.fd, VDUSE_VQ_SETUP, &vc);
	if (setup)
		*setup = r;
	else if (r)
		die("VDUSE_VQ_SETUP");
	if (sysfs_set(name, "bounce_size", "4194304"))
		die("bounce_size");
	cur = d;
	return d;
}

/* VDUSE_DESTROY_DEV of @d; remembered when it worked */
static long destroy_dev(struct dev *d)
{
	long r = destroy(d->name);

	if (!r)
		d->destroyed = true;
	return r;
}

static bool vdpa_attached(const char *name)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", name);
	return !stat(path, &st);
}

/* Whatever is left of @d: vdpa device, daemon, files, the VDUSE device. */
static void dev_free(struct dev *d)
{
	double t;
	long r;

	if (!d)
		return;
	if (vdpa_attached(d->name)) {
		if (d->b.fd >= 0 && !d->thr_up)
			daemon_start(d);
		if (d->thr_up)
			hold(d, false, false);
		run(60, "vdpa dev del %s", d->name);
	}
	daemon_stop(d);
	vq_stop(d);
	regions_drop(d);
	if (d->b.fd >= 0)
		close(d->b.fd);
	r = d->destroyed ? 0 : destroy_dev(d);
	for (t = now() + 5; r == -EBUSY && now() < t; msleep(100))
		r = destroy_dev(d);
	if (r)
		tap_line(false, "DESTROY_DEV at the end of the case", "%s: %s", d->name, errname(r));
	free(d->b.disk);
	free(d);
	if (cur == d)
		cur = NULL;
}

static int bind_bg(struct dev *d)
{
	return sysfs_write_bg("/sys/bus/vdpa/drivers/virtio_vdpa/bind", d->name);
}

static int unbind_bg(struct dev *d)
{
	return sysfs_write_bg("/sys/bus/vdpa/drivers/virtio_vdpa/unbind", d->name);
}

/* /dev/vdX of the device within @secs, into @out. */
static bool blk_path(struct dev *d, char *out, size_t len, double secs)
{
	double end = now() + secs;
	char pat[300];
	glob_t g;

	snprintf(pat, sizeof(pat), "/sys/bus/vdpa/devices/%s/virtio*/block/vd*", d->name);
	do {
		if (!glob(pat, 0, NULL, &g) && g.gl_pathc) {
			snprintf(out, len, "/dev/%s", strrchr(g.gl_pathv[0], '/') + 1);
			globfree(&g);
			if (!access(out, F_OK))
				return true;
		} else {
			globfree(&g);
		}
		msleep(100);
	} while (now() < end);
	return false;
}

/* vdpa dev add, daemon running, bound to virtio_vdpa, /dev/vdX in @blk. */
static bool dev_up(struct dev *d, char *blk, size_t len)
{
	int st;

	if (!tap_line(!run(30, "vdpa dev add name %s mgmtdev vduse", d->name),
		   "vdpa dev add", "%s", d->name))
		return false;
	daemon_start(d);
	st = wait_child(bind_bg(d), 30);
	if (!tap_line(st == 0, "bind to virtio_vdpa", "%s: status %d", d->name, st))
		return false;
	return tap_line(blk_path(d, blk, len, 20), "a /dev/vdX appears", "%s", d->name);
}

/* O_DIRECT read of @len bytes at @off in a child; exit code IO_*. */
static pid_t blk_read_bg(const char *path, off_t off, size_t len)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		uint8_t *buf;
		ssize_t n;
		size_t i;
		int fd;

		closefrom(3);
		if (posix_memalign((void **)&buf, 4096, len))
			_exit(IO_ERR);
		fd = open(path, O_RDONLY | O_DIRECT);
		if (fd < 0)
			_exit(IO_OPEN);
		n = pread(fd, buf, len, off);
		if (n < 0)
			_exit(errno == EIO ? IO_EIO : IO_ERR);
		if ((size_t)n != len)
			_exit(IO_SHORT);
		for (i = 0; i < len; i++)
			if (buf[i] != disk_byte(off + i))
				_exit(IO_DATA);
		_exit(IO_OK);
	}
	return pid;
}

static int blk_read(const char *path, off_t off, size_t len, double secs)
{
	return wait_child(blk_read_bg(path, off, len), secs);
}

static bool broken_state(struct dev *d, const char *what)
{
	struct pollfd pfd = { .fd = d->b.fd, .events = POLLIN };
	uint64_t feat;
	char name[128];
	int r;

	snprintf(name, sizeof(name), "%s: GET_FEATURES on the broken device", what);
	if (!expect(name, xioctl(d->b.fd, VDUSE_DEV_GET_FEATURES, &feat), -EPERM))
		return false;
	r = poll(&pfd, 1, 0);
	snprintf(name, sizeof(name), "%s: poll() says POLLERR, no request to read", what);
	return tap_line(r == 1 && (pfd.revents & POLLERR) && !(pfd.revents & POLLIN), name,
		     "revents 0x%x", pfd.revents);
}

/* ------------------------------------------------------------------ */
/* Cases                                                              */
/* ------------------------------------------------------------------ */

/*
 * Responses with wrong ids, twice, for requests never sent or not yet read:
 * ENOENT each time, the device keeps working.
 */
static void case_replies(void)
{
	struct dev *d = dev_create("hx-replies", QUEUE_SIZE, NULL);
	struct vduse_dev_request req, next;
	struct vduse_dev_response resp = { .request_id = 0x7fff1234 };
	char blk[64];
	uint64_t feat = 0;
	pid_t pid;
	int st;

	expect("a response with nothing ever sent", wr(d->b.fd, &resp, sizeof(resp)), -ENOENT);
	if (!tap_line(!run(30, "vdpa dev add name %s mgmtdev vduse", d->name), "vdpa dev add", NULL))
		return;
	/* the binding's status requests, answered by hand */
	pid = bind_bg(d);
	if (!tap_line(read_req(d, &req, 10000), "the bind sends a request", NULL))
		goto out;
	expect("a response with the id + 1", answer(d, &req, req.request_id + 1), -ENOENT);
	expect("a response with the id - 1", answer(d, &req, req.request_id - 1), -ENOENT);
	expect("a response with id ~0", answer(d, &req, ~0U), -ENOENT);
	expect("the right response", answer(d, &req, req.request_id), 0);
	expect("the same response again", answer(d, &req, req.request_id), -ENOENT);
	/* the next request is queued but unread: answering it is too early */
	{
		struct pollfd pfd = { .fd = d->b.fd, .events = POLLIN };

		tap_line(poll(&pfd, 1, 10000) == 1, "the next request is pending", NULL);
		resp.request_id = req.request_id + 1;
		expect("a response to a request not read yet (its id guessed)",
		       wr(d->b.fd, &resp, sizeof(resp)), -ENOENT);
	}
	if (tap_line(read_req(d, &next, 10000), "the next request is read", NULL)) {
		tap_line(next.request_id == req.request_id + 1, "request ids are consecutive",
		      "%u after %u", next.request_id, req.request_id);
		expect("the earlier id for the new request",
		       answer(d, &next, req.request_id), -ENOENT);
		expect("the right response", answer(d, &next, next.request_id), 0);
	}
	daemon_start(d);
	st = wait_child(pid, 30);
	tap_line(st == 0, "the bind completes", "status %d", st);
	tap_line(blk_path(d, blk, sizeof(blk), 20), "a /dev/vdX appears", NULL);
	resp.request_id = next.request_id + 1000;
	expect("a response with nothing pending", wr(d->b.fd, &resp, sizeof(resp)), -ENOENT);
	expect("the device is not broken: GET_FEATURES", xioctl(d->b.fd, VDUSE_DEV_GET_FEATURES, &feat), 0);
	expect("I/O works", blk_read(blk, 8192, 8192, 20), IO_OK);
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
	pthread_mutex_lock(&d->lock);
	tap_line(!dev_errors(d), "the daemon saw no error", "%d errors", dev_errors(d));
	pthread_mutex_unlock(&d->lock);
out:
	dev_free(d);
}

/*
 * A daemon that stops answering while the driver binds: the first request
 * times out after msg_timeout, the device is broken, the rest fails at once.
 */
static void case_stall_bind(void)
{
	struct dev *d = dev_create("hx-stall", QUEUE_SIZE, NULL);
	char blk[64];
	double t;
	long r;
	int st;

	expect("msg_timeout 1", sysfs_set(d->name, "msg_timeout", "1"), 0);
	if (!tap_line(!run(30, "vdpa dev add name %s mgmtdev vduse", d->name), "vdpa dev add", NULL))
		goto out;
	/* no daemon thread: nobody reads */
	t = now();
	st = wait_child(bind_bg(d), 30);
	t = now() - t;
	tap_line(st == 0, "the bind returns", "status %d", st);
	tap_line(t >= 0.9 && t < 1 + 8, "... after msg_timeout (1 s), within 8 s more", "%.1f s", t);
	broken_state(d, "stall");
	tap_line(!blk_path(d, blk, sizeof(blk), 1), "no /dev/vdX", NULL);
	r = klog_count("unanswered after 1 s");
	if (intree)
		printf("# in-tree: %ld \"unanswered\" lines (our message)\n", r);
	else
		tap_line(r == 1, "the kernel log names the unanswered request once", "%ld lines", r);
	t = now();
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
	t = now() - t;
	tap_line(t < 5, "... at once (no second timeout)", "%.1f s", t);
	expect("DESTROY_DEV with the daemon's fd open", destroy_dev(d), -EBUSY);
	close(d->b.fd);
	d->b.fd = -1;
	expect("DESTROY_DEV", destroy_dev(d), 0);
out:
	dev_free(d);
}

/* A fenced device's disk: it is there, reads fail with EIO, vdpa dev del at once. */
static void expect_fenced_disk(struct dev *d)
{
	char blk[64];
	double t;

	if (tap_line(blk_path(d, blk, sizeof(blk), 5), "a /dev/vdX appears", NULL))
		expect("a read fails with EIO", blk_read(blk, 0, 4096, 10), IO_EIO);
	t = now();
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
	t = now() - t;
	tap_line(t < 5, "... at once", "%.1f s", t);
}

/*
 * A daemon that answers DRIVER_OK with FAILED (and so serves nothing): the
 * driver cannot know, virtio_blk's probe reads the partition table at once.
 * The bind must return with the disk in place, the device is fenced, I/O
 * fails with EIO and the device deletes at once. The in-tree module hangs
 * in the probe.
 */
static void case_refuse_ok(void)
{
	struct dev *d;
	double t;
	int st;

	if (intree) {
		skip("DRIVER_OK refused by the daemon",
		     "the in-tree module hangs in virtio_blk's probe: docs/vduse.md \"" ROW_REFUSE_OK "\"");
		return;
	}
	d = dev_create("hx-refuse", QUEUE_SIZE, NULL);
	d->refuse_ok = true;
	klog_mark("refuse-ok");
	if (!tap_line(!run(30, "vdpa dev add name %s mgmtdev vduse", d->name), "vdpa dev add", NULL))
		goto out;
	daemon_start(d);
	t = now();
	st = wait_child(bind_bg(d), 30);
	t = now() - t;
	tap_line(st == 0, "the bind returns", "status %d after %.1f s", st, t);
	tap_line(klog_count("refused DRIVER_OK") == 1,
		 "the kernel log: the daemon refused DRIVER_OK (device fenced)", "%d lines",
		 klog_count("refused DRIVER_OK"));
	/* the probe goes on: a partition scan that fails is no probe failure */
	expect_fenced_disk(d);
	daemon_stop(d);
	expect("DESTROY_DEV with the daemon's fd open", destroy_dev(d), -EBUSY);
	close(d->b.fd);
	d->b.fd = -1;
	expect("DESTROY_DEV", destroy_dev(d), 0);
out:
	dev_free(d);
}

/*
 * A daemon with a packed ring that answers the driver's messages, serves
 * nothing and dies while virtio_blk's probe waits for its partition read:
 * after msg_timeout the device is fenced and the fail work completes the
 * packed ring's requests with an I/O error, so the bind returns, the disk
 * is there, reads fail with EIO and the device deletes at once. The fuzzer
 * found this hung for good while only split rings were failed.
 */
static void case_packed_dead(void)
{
	struct dev *d;
	double t;
	uint8_t status = 0;
	pid_t pid;
	int st, i;

	if (intree) {
		skip("packed ring, daemon dead during the probe",
		     "the in-tree module never fails a dead daemon's requests: the bind hangs (docs/vduse.md \"" ROW_DEAD "\")");
		return;
	}
	extra_features = F(VIRTIO_F_RING_PACKED);
	d = dev_create("hx-packed", QUEUE_SIZE, NULL);
	extra_features = 0;
	expect("msg_timeout 1", sysfs_set(d->name, "msg_timeout", "1"), 0);
	klog_mark("packed-dead");
	if (!tap_line(!run(30, "vdpa dev add name %s mgmtdev vduse", d->name), "vdpa dev add", NULL))
		goto out;
	hold(d, false, true);
	daemon_start(d);
	pid = bind_bg(d);
	for (i = 0; i < 200; i++) {
		pthread_mutex_lock(&d->lock);
		status = d->b.status;
		pthread_mutex_unlock(&d->lock);
		if (status & VIRTIO_CONFIG_S_DRIVER_OK)
			break;
		msleep(50);
	}
	tap_line(status & VIRTIO_CONFIG_S_DRIVER_OK, "the driver sets DRIVER_OK",
		 "status 0x%x", status);
	msleep(500);	/* the partition read is in the ring, nobody serves it */
	st = waitpid(pid, NULL, WNOHANG);
	tap_line(st == 0, "the bind waits for the partition read", "waitpid %d", st);
	daemon_stop(d);
	close(d->b.fd);
	d->b.fd = -1;
	t = now();
	st = wait_child(pid, 30);
	t = now() - t;
	tap_line(st == 0 && t < 9, "the bind returns after the daemon's death",
		 "status %d after %.1f s (msg_timeout 1 s)", st, t);
	tap_line(klog_count("daemon gone and did not come back") == 1,
		 "the kernel log: the device is fenced", "%d lines",
		 klog_count("daemon gone and did not come back"));
	tap_line(klog_count("vq0: failed") >= 1 && !klog_count("cannot fail"),
		 "the kernel log: the packed ring's requests failed", "%d lines, %d 'cannot fail'",
		 klog_count("vq0: failed"), klog_count("cannot fail"));
	expect_fenced_disk(d);
	expect("DESTROY_DEV", destroy_dev(d), 0);
out:
	dev_free(d);
}

/*
 * A late answer: the bind's first request (the reset) is read but answered
 * after msg_timeout. The bind returns after the timeout with no disk, both
 * answers get ENOENT, the device stays broken; our module then refuses a
 * new vdpa dev add of it.
 */
static void case_late(void)
{
	struct dev *d = dev_create("hx-late", QUEUE_SIZE, NULL);
	struct vduse_dev_request req;
	char blk[64];
	double t;
	pid_t pid;
	int st;

	expect("msg_timeout 1", sysfs_set(d->name, "msg_timeout", "1"), 0);
	if (!tap_line(!run(30, "vdpa dev add name %s mgmtdev vduse", d->name), "vdpa dev add", NULL))
		goto out;
	t = now();
	pid = bind_bg(d);
	if (!tap_line(read_req(d, &req, 10000) && req.type == VDUSE_SET_STATUS,
		   "the bind's first request is read", "type %u", req.type))
		goto out;
	st = wait_child(pid, 30);
	t = now() - t;
	tap_line(st == 0 && t >= 0.9 && t < 1 + 8,
	      "the bind returns after msg_timeout (1 s), within 8 s more", "status %d, %.1f s",
	      st, t);
	tap_line(!blk_path(d, blk, sizeof(blk), 1), "no /dev/vdX", NULL);
	expect("the late answer", answer(d, &req, req.request_id), -ENOENT);
	expect("the late answer, twice", answer(d, &req, req.request_id), -ENOENT);
	broken_state(d, "late");
	expect("read() on the broken device", read(d->b.fd, &req, sizeof(req)) < 0 ? -errno : 0,
	       -EAGAIN);
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
	if (intree) {
		/* accepted, and afterwards a reference to vduse.ko stays behind */
		skip("vdpa dev add of the broken device",
		     "the in-tree module accepts it and leaks a module reference: docs/vduse.md \""
		     ROW_ADD_BROKEN "\"");
		goto out;
	}
	expect("vdpa dev add of the broken device (exit status)",
	       run(30, "vdpa dev add name %s mgmtdev vduse 2>/dev/null", d->name), 1);
out:
	dev_free(d);
}

/*
 * The unbind's reset times out (the rings exist): the unbind completes after
 * msg_timeout, a late answer gets ENOENT, the device is broken and deletes.
 */
static void case_unbind_timeout(void)
{
	struct dev *d = dev_create("hx-unbind", QUEUE_SIZE, NULL);
	struct vduse_dev_request req;
	char blk[64];
	double t;
	pid_t pid;
	int st;

	if (!dev_up(d, blk, sizeof(blk)))
		goto out;
	expect("msg_timeout 1", sysfs_set(d->name, "msg_timeout", "1"), 0);
	hold(d, true, false);
	t = now();
	pid = unbind_bg(d);
	if (!tap_line(read_req(d, &req, 10000) && req.type == VDUSE_SET_STATUS && !req.s.status,
		   "the unbind's reset request is read", "type %u", req.type))
		goto out;
	st = wait_child(pid, 30);
	t = now() - t;
	tap_line(st == 0 && t >= 0.9 && t < 1 + 8,
	      "the unbind completes after msg_timeout (1 s), within 8 s more",
	      "status %d, %.1f s", st, t);
	expect("the late answer", answer(d, &req, req.request_id), -ENOENT);
	broken_state(d, "unbind");
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
	expect("DESTROY_DEV with the daemon's fd open", destroy_dev(d), -EBUSY);
	daemon_stop(d);
	vq_stop(d);
	regions_drop(d);
	close(d->b.fd);
	d->b.fd = -1;
	expect("DESTROY_DEV", destroy_dev(d), 0);
out:
	dev_free(d);
}

/*
 * A daemon alive but stuck (reads nothing, serves nothing) with a read in
 * flight, and vdpa dev del: after msg_timeout the device is fenced, the read
 * fails with EIO, the delete completes.
 */
static void case_stuck_del(void)
{
	struct dev *d;
	char blk[64];
	pid_t io, del;
	double t;
	int st;

	if (intree) {
		skip("stuck daemon, I/O in flight, vdpa dev del",
		     "the in-tree module hangs in del_gendisk: docs/vduse.md \"" ROW_STUCK "\"");
		return;
	}
	d = dev_create("hx-stuck", QUEUE_SIZE, NULL);
	if (!dev_up(d, blk, sizeof(blk)))
		goto out;
	expect("msg_timeout 2", sysfs_set(d->name, "msg_timeout", "2"), 0);
	hold(d, true, true);
	io = blk_read_bg(blk, 65536, 4096);
	msleep(500);
	tap_line(running(io), "the read waits for the stuck daemon", NULL);
	klog_mark("stuck-del");
	t = now();
	del = run_bg("vdpa dev del %s", d->name);
	st = wait_child(del, 2 + 10);
	t = now() - t;
	tap_line(st == 0, "vdpa dev del completes", "status %d", st);
	tap_line(t >= 1.8 && t < 2 + 8, "... after msg_timeout (2 s), within 8 s more", "%.1f s", t);
	expect("the read in flight fails with EIO", wait_child(io, 5), IO_EIO);
	tap_line(klog_count("failed 1 requests") == 1, "the kernel log: vq0: failed 1 requests",
	      "%d lines", klog_count("failed 1 requests"));
	tap_line(klog_count("is not a head") == 0, "no \"is not a head\" in the kernel log", NULL);
	broken_state(d, "stuck");
	expect("DESTROY_DEV with the daemon's fd open", destroy_dev(d), -EBUSY);
	daemon_stop(d);
	close(d->b.fd);
	d->b.fd = -1;
	expect("DESTROY_DEV", destroy_dev(d), 0);
out:
	dev_free(d);
}

/*
 * The dead daemon's fail work: eight reads in flight, four completed out of
 * order, then the daemon dies (closes everything). After msg_timeout the
 * other four fail with EIO, new I/O fails at once, the device deletes.
 */
static void case_dead_ooo(void)
{
	static const int order[] = { 6, 3, 0, 5 };
	struct vring_avail *avail;
	uint16_t heads[8];
	pid_t io[8];
	bool done[8] = { false };
	struct dev *d;
	char blk[64];
	double t;
	int i, k, st, ok;

	if (intree) {
		skip("dead daemon after out-of-order completions",
		     "the in-tree module never completes the requests in flight: docs/vduse.md \"" ROW_DEAD "\"");
		return;
	}
	d = dev_create("hx-dead", QUEUE_SIZE, NULL);
	if (!dev_up(d, blk, sizeof(blk)))
		goto out;
	expect("msg_timeout 2", sysfs_set(d->name, "msg_timeout", "2"), 0);
	hold(d, false, true);
	for (k = 0; k < 8; k++)
		io[k] = blk_read_bg(blk, k * 131072 + 4096, 4096);
	/* all eight on the ring */
	pthread_mutex_lock(&d->lock);
	avail = ring_avail(d);
	pthread_mutex_unlock(&d->lock);
	for (t = now() + 20; avail && now() < t; msleep(20))
		if ((uint16_t)(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE) - d->b.vq[0].last_avail) >= 8)
			break;
	if (!tap_line(avail && (uint16_t)(avail->idx - d->b.vq[0].last_avail) == 8,
		   "eight requests on the ring", "%d", avail ? (uint16_t)(avail->idx - d->b.vq[0].last_avail) : -1))
		goto out;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < 8; i++)
		heads[i] = avail->ring[(uint16_t)(d->b.vq[0].last_avail + i) % d->b.vq[0].num];
	/* complete four, not in ring order */
	ok = 0;
	for (i = 0; i < 4; i++) {
		uint64_t sector = 0;
		uint32_t written;

		if (!blk_request(d, heads[order[i]], &written, &sector)) {
			complete_head(d, heads[order[i]], written);
			k = (int)(sector * 512 / 131072);
			if (k >= 0 && k < 8) {
				done[k] = true;
				ok++;
			}
		}
	}
	inject(d);
	pthread_mutex_unlock(&d->lock);
	tap_line(ok == 4, "four requests completed out of order", "heads %u %u %u %u of %u..%u",
	      heads[order[0]], heads[order[1]], heads[order[2]], heads[order[3]], heads[0], heads[7]);
	for (k = 0; k < 8; k++) {
		char name[96];

		if (!done[k])
			continue;
		snprintf(name, sizeof(name), "read %d, completed, returns the data", k);
		expect(name, wait_child(io[k], 10), IO_OK);
	}
	msleep(200);
	for (k = st = 0; k < 8; k++)
		st += !done[k] && running(io[k]);
	tap_line(st == 4, "the other four are still in flight", "%d", st);

	/* the daemon dies: its files close, as at a SIGKILL */
	klog_mark("dead-ooo");
	daemon_stop(d);
	vq_stop(d);
	regions_drop(d);
	close(d->b.fd);
	d->b.fd = -1;
	t = now();
	for (k = 0; k < 8; k++) {
		char name[96];

		if (done[k])
			continue;
		snprintf(name, sizeof(name), "read %d, left in flight, fails with EIO", k);
		expect(name, wait_child(io[k], 2 + 10), IO_EIO);
	}
	t = now() - t;
	tap_line(t >= 1.8 && t < 2 + 10, "... after msg_timeout (2 s, the reconnect window), within 10 s more",
	      "%.1f s", t);
	t = now();
	expect("a new read fails with EIO", blk_read(blk, 0, 4096, 10), IO_EIO);
	tap_line(now() - t < 5, "... at once", "%.1f s", now() - t);
	tap_line(klog_count("failed 4 requests") == 1, "the kernel log: vq0: failed 4 requests",
	      "%d lines", klog_count("failed 4 requests"));
	tap_line(klog_count("is not a head") == 0 && klog_count("lost track") == 0,
	      "no \"is not a head\" or \"lost track\" in the kernel log", NULL);
	t = now();
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
	tap_line(now() - t < 5, "... at once", "%.1f s", now() - t);
	expect("DESTROY_DEV", destroy_dev(d), 0);
out:
	dev_free(d);
}

/*
 * Absurd queue sizes: what VQ_SETUP answers, and a device with such a queue
 * cannot hurt the kernel (no disk, or a working one). A block queue of 1 or
 * 2 without indirect descriptors cannot carry a request (header, data,
 * status): virtio_blk WARNs and waits forever, so ours refuses it.
 */
static void case_vq_sizes(void)
{
	static const struct {
		uint32_t size;
		bool indirect;
		long ours, in;
		const char *row;
		bool disk;	/* a working /dev/vdX */
		bool hangs;	/* the in-tree module hangs the bind */
	} sz[] = {
		{ 0, false, 0, 0, NULL, false, false },
		{ 1, false, -EINVAL, 0, ROW_VQ_SMALL, false, true },
		{ 2, false, -EINVAL, 0, ROW_VQ_SMALL, false, true },
		{ 3, false, 0, 0, NULL, false, false },
		{ 2, true, 0, 0, NULL, true, false },
		{ 32769, false, -EINVAL, 0, ROW_VQ_SIZE, false, false },
		{ 65535, false, -EINVAL, 0, ROW_VQ_SIZE, false, false },
	};
	unsigned int i;

	for (i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		char name[128], what[64], blk[64];
		struct dev *d;
		long r;
		int st;

		snprintf(what, sizeof(what), "max_size %u%s", sz[i].size,
			 sz[i].indirect ? " with indirect descriptors" : "");
		extra_features = sz[i].indirect ? F(VIRTIO_RING_F_INDIRECT_DESC) : 0;
		d = dev_create("hx-vqsize", sz[i].size, &r);
		extra_features = 0;
		snprintf(name, sizeof(name), "VQ_SETUP %s", what);
		expect3(name, r, sz[i].ours, sz[i].in, sz[i].row);
		if (!r && sz[i].hangs && !explore) {
			snprintf(name, sizeof(name), "%s: bind to virtio_vdpa", what);
			skip(name, "virtio_blk WARNs in virtio_ring and hangs: docs/vduse.md \""
			     ROW_VQ_SMALL "\"");
			dev_free(d);
			continue;
		}
		st = run(30, "vdpa dev add name %s mgmtdev vduse 2>/dev/null", d->name);
		snprintf(name, sizeof(name), "%s: vdpa dev add (exit status)", what);
		if (!sz[i].size || r) {
			/* no usable queue: the vdpa device is refused */
			expect(name, st, 1);
		} else {
			expect(name, st, 0);
			daemon_start(d);
			st = wait_child(bind_bg(d), 30);
			snprintf(name, sizeof(name), "%s: the bind returns, %s", what,
				 sz[i].disk ? "a /dev/vdX appears" : "no /dev/vdX");
			tap_line(st == 0 && blk_path(d, blk, sizeof(blk), sz[i].disk ? 20 : 2) == sz[i].disk,
			      name, "status %d", st);
			if (sz[i].disk) {
				snprintf(name, sizeof(name), "%s: I/O works", what);
				expect(name, blk_read(blk, 4096, 65536, 20), IO_OK);
			}
			snprintf(name, sizeof(name), "%s: vdpa dev del", what);
			expect(name, run(30, "vdpa dev del %s", d->name), 0);
		}
		dev_free(d);
	}
}

/*
 * A seg_max larger than the queue (no indirect descriptors): a request of
 * many segments would not fit the ring. Ours shows the driver a seg_max of
 * the queue size - 2, and large reads work.
 */
static void case_seg_max(void)
{
	char blk[64], path[128];
	struct dev *d;
	long segs;
	int fd, n;

	cfg_seg_max = 126;
	d = dev_create("hx-segmax", 16, NULL);
	cfg_seg_max = 0;
	if (!dev_up(d, blk, sizeof(blk)))
		goto out;
	snprintf(path, sizeof(path), "/sys/block/%s/queue/max_segments", blk + 5);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	segs = -1;
	if (fd >= 0) {
		char buf[32] = "";

		n = (int)read(fd, buf, sizeof(buf) - 1);
		if (n > 0)
			segs = strtol(buf, NULL, 10);
		close(fd);
	}
	expect3("seg_max 126 on a queue of 16: the driver's max_segments", segs, 14, 126,
		ROW_SEG_MAX);
	if (intree && !explore) {
		skip("a 512 KiB read in up to 128 segments",
		     "virtio_blk WARNs in virtio_ring and hangs: docs/vduse.md \"" ROW_SEG_MAX "\"");
	} else {
		/* a buffer of single pages: as many segments as the driver allows */
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid) {
			enum { PG = 4096, NPG = 128 };
			uint8_t *buf = mmap(NULL, 2 * NPG * PG, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			struct iovec iov[NPG];
			ssize_t got;
			size_t k;

			closefrom(3);
			if (buf == MAP_FAILED)
				_exit(IO_ERR);
			/* every other page: one segment each unless pages happen to touch */
			for (k = 0; k < NPG; k++) {
				iov[k].iov_base = buf + 2 * k * PG;
				iov[k].iov_len = PG;
			}
			fd = open(blk, O_RDONLY | O_DIRECT);
			if (fd < 0)
				_exit(IO_OPEN);
			got = preadv(fd, iov, NPG, 0);
			if (got < 0)
				_exit(errno == EIO ? IO_EIO : IO_ERR);
			if (got != NPG * PG)
				_exit(IO_SHORT);
			for (k = 0; k < NPG * PG; k++)
				if (buf[2 * (k / PG) * PG + k % PG] != disk_byte(k))
					_exit(IO_DATA);
			_exit(IO_OK);
		}
		expect("a 512 KiB read through a queue of 16", wait_child(pid, 20), IO_OK);
	}
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
	tap_line(!dev_errors(d), "the daemon saw no error", "%d", dev_errors(d));
out:
	dev_free(d);
}

/* a child touching @p: 0, or 128 + the signal that killed it */
static int touch(volatile uint8_t *p)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		(void)*p;
		_exit(0);
	}
	return wait_child(pid, 10);
}

/*
 * IOTLB_GET_FD of unmapped, overlapping and partial ranges, and mmap
 * beyond the end of a region: SIGBUS on access, nothing else.
 */
static void case_iotlb(void)
{
	struct dev *d = dev_create("hx-iotlb", QUEUE_SIZE, NULL);
	struct vduse_iotlb_entry e, hi = {};
	uint64_t next, prev_last = 0;
	char blk[64];
	int n = 0, sorted = 1;
	uint8_t *p;
	long fd;

	if (!dev_up(d, blk, sizeof(blk)))
		goto out;
	e = (struct vduse_iotlb_entry){ .start = 0, .last = ~0ULL };
	fd = xioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e);
	tap_line(fd >= 0 && e.start == 0 && e.last == BOUNCE_SIZE - 1,
	      "GET_FD of [0, ~0]: the lowest entry, the bounce region", "%s [0x%llx, 0x%llx]",
	      errname(fd), (unsigned long long)e.start, (unsigned long long)e.last);
	if (fd >= 0)
		close((int)fd);
	e = (struct vduse_iotlb_entry){ .start = BOUNCE_SIZE - 4096, .last = BOUNCE_SIZE + 4095 };
	fd = xioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e);
	tap_line(fd >= 0 && e.start == 0 && e.last == BOUNCE_SIZE - 1,
	      "GET_FD across the bounce region's end: the whole bounce region",
	      "%s [0x%llx, 0x%llx]", errname(fd), (unsigned long long)e.start,
	      (unsigned long long)e.last);
	if (fd >= 0)
		close((int)fd);
	e = (struct vduse_iotlb_entry){ .start = 12345, .last = 12345 };
	fd = xioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e);
	tap_line(fd >= 0 && e.start == 0 && e.last == BOUNCE_SIZE - 1,
	      "GET_FD of one byte inside: the whole bounce region", "%s", errname(fd));
	if (fd >= 0)
		close((int)fd);
	/* walk the table upwards */
	for (next = 0; n < 64; n++) {
		e = (struct vduse_iotlb_entry){ .start = next, .last = ~0ULL };
		fd = xioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e);
		if (fd < 0)
			break;
		close((int)fd);
		printf("# entry %d: [0x%llx, 0x%llx] offset 0x%llx perm %u\n", n,
		       (unsigned long long)e.start, (unsigned long long)e.last,
		       (unsigned long long)e.offset, e.perm);
		if (n && e.start <= prev_last)
			sorted = 0;
		prev_last = e.last;
		hi = e;
		if (e.last == ~0ULL)
			break;
		next = e.last + 1;
	}
	tap_line(n >= 2 && sorted && fd == -EINVAL, "the table: the bounce region and the rings, disjoint, then EINVAL",
	      "%d entries, last answer %s", n, errname(fd));
	e = (struct vduse_iotlb_entry){ .start = hi.last + 1, .last = hi.last + 4096 };
	expect("GET_FD of the page past the last entry", xioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e), -EINVAL);
	e = (struct vduse_iotlb_entry){ .start = ~0ULL - 4095, .last = ~0ULL };
	expect("GET_FD at the top of the IOVA space", xioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e), -EINVAL);
	e = (struct vduse_iotlb_entry){ .start = 8192, .last = 4096 };
	expect("GET_FD with start > last", xioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e), -EINVAL);

	/* one page more than the highest entry: the tail is nobody's memory */
	e = hi;
	fd = xioctl(d->b.fd, VDUSE_IOTLB_GET_FD, &e);
	if (tap_line(fd >= 0 && e.start == hi.start, "GET_FD of the highest entry", "%s", errname(fd))) {
		/* the in-tree module does not round the rings' entry to pages */
		size_t len = e.last - e.start + 1, end = (len + 4095) & ~4095UL;

		p = mmap(NULL, end + 4096, PROT_READ, MAP_SHARED, (int)fd, e.offset);
		tap_line(p != MAP_FAILED, "mmap one page beyond the region", "%s",
		      p == MAP_FAILED ? strerror(errno) : "");
		if (p != MAP_FAILED) {
			expect("touch the region's last byte", touch(p + len - 1), 0);
			expect("touch the first page past the region's end: SIGBUS", touch(p + end),
			       128 + SIGBUS);
			munmap(p, end + 4096);
		}
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, (int)fd, e.offset + (1ULL << 40));
		tap_line(p != MAP_FAILED, "mmap an offset 1 TiB further", "%s",
		      p == MAP_FAILED ? strerror(errno) : "");
		if (p != MAP_FAILED) {
			expect("touch it: SIGBUS", touch(p), 128 + SIGBUS);
			munmap(p, 4096);
		}
		close((int)fd);
	}
	expect("I/O still works", blk_read(blk, 4096, 65536, 20), IO_OK);
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
out:
	dev_free(d);
}

/*
 * The daemon closes its kick eventfd while the queue is in use: the kicks
 * go nowhere (a read waits); bad kickfds are refused; a new eventfd and a
 * look at the ring bring the queue back.
 */
static void case_kickfd(void)
{
	struct dev *d = dev_create("hx-kick", QUEUE_SIZE, NULL);
	struct vduse_vq_eventfd ef = { .index = 0 };
	int pfd[2] = { -1, -1 }, closed, st;
	char blk[64];
	pid_t io;

	if (!dev_up(d, blk, sizeof(blk)))
		goto out;
	pthread_mutex_lock(&d->lock);
	closed = d->b.vq[0].kickfd;
	close(d->b.vq[0].kickfd);
	d->b.vq[0].kickfd = -1;
	d->b.vq[0].active = false;
	pthread_mutex_unlock(&d->lock);
	io = blk_read_bg(blk, 4096, 4096);
	msleep(500);
	tap_line(running(io), "with the kick eventfd closed the read waits", NULL);
	ef.fd = closed;
	expect("VQ_SETUP_KICKFD with the closed fd", xioctl(d->b.fd, VDUSE_VQ_SETUP_KICKFD, &ef), -EBADF);
	if (pipe2(pfd, O_CLOEXEC))
		die("pipe");
	ef.fd = pfd[0];
	expect("VQ_SETUP_KICKFD with a pipe", xioctl(d->b.fd, VDUSE_VQ_SETUP_KICKFD, &ef), -EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	ef.fd = d->b.fd;
	expect("VQ_SETUP_KICKFD with the device's own fd", xioctl(d->b.fd, VDUSE_VQ_SETUP_KICKFD, &ef),
	       -EINVAL);
	ef.index = 1;
	ef.fd = VDUSE_EVENTFD_DEASSIGN;
	expect("VQ_SETUP_KICKFD of queue 1 (there is one)", xioctl(d->b.fd, VDUSE_VQ_SETUP_KICKFD, &ef),
	       -EINVAL);
	tap_line(running(io), "the read still waits", NULL);
	/* a new eventfd; the kick already sent is gone, so look at the ring */
	pthread_mutex_lock(&d->lock);
	d->b.vq[0].kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ef.index = 0;
	ef.fd = d->b.vq[0].kickfd;
	st = (int)xioctl(d->b.fd, VDUSE_VQ_SETUP_KICKFD, &ef);
	d->b.vq[0].active = true;
	vq_serve(d);
	pthread_mutex_unlock(&d->lock);
	expect("VQ_SETUP_KICKFD with a new eventfd", st, 0);
	expect("the read completes once the daemon looks at the ring", wait_child(io, 10), IO_OK);
	expect("new I/O is kicked through the new eventfd", blk_read(blk, 8192, 8192, 10), IO_OK);
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
out:
	dev_free(d);
}

/* Interrupt floods: every injection succeeds, the driver shrugs them off. */
static void case_irq_flood(void)
{
	struct dev *d = dev_create("hx-flood", QUEUE_SIZE, NULL);
	unsigned int idx = 0;
	int i, bad = 0;
	char blk[64];
	long r = 0;
	double t;

	if (!dev_up(d, blk, sizeof(blk)))
		goto out;
	t = now();
	for (i = 0; i < 20000; i++) {
		r = xioctl(d->b.fd, VDUSE_VQ_INJECT_IRQ, &idx);
		bad += r != 0;
	}
	t = now() - t;
	tap_line(!bad, "20000 VQ_INJECT_IRQ with nothing used: all succeed", "%d failed, last %s, %.1f s",
	      bad, errname(r), t);
	t = now();
	for (i = bad = 0; i < 5000; i++) {
		r = xioctl(d->b.fd, VDUSE_DEV_INJECT_CONFIG_IRQ, NULL);
		bad += r != 0;
	}
	t = now() - t;
	tap_line(!bad, "5000 INJECT_CONFIG_IRQ: all succeed", "%d failed, last %s, %.1f s", bad,
	      errname(r), t);
	idx = 1;
	expect("VQ_INJECT_IRQ of queue 1 (there is one)", xioctl(d->b.fd, VDUSE_VQ_INJECT_IRQ, &idx),
	       -EINVAL);
	idx = ~0U;
	expect("VQ_INJECT_IRQ of queue ~0", xioctl(d->b.fd, VDUSE_VQ_INJECT_IRQ, &idx), -EINVAL);
	expect("I/O works after the flood", blk_read(blk, 0, 131072, 20), IO_OK);
	/* a flood racing real completions */
	{
		pid_t io = blk_read_bg(blk, 65536, 65536);

		idx = 0;
		for (i = bad = 0; i < 5000; i++)
			bad += xioctl(d->b.fd, VDUSE_VQ_INJECT_IRQ, &idx) != 0;
		expect("a read during a flood", wait_child(io, 20), IO_OK);
		tap_line(!bad, "... and the flood's injections succeed", "%d failed", bad);
	}
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
	tap_line(!dev_errors(d), "the daemon saw no error", "%d", dev_errors(d));
out:
	dev_free(d);
}

/*
 * DESTROY_DEV while the driver is bound: EBUSY, with the daemon's fd open
 * and closed; the daemon comes back and the disk still works.
 */
static void case_destroy_bound(void)
{
	struct dev *d = dev_create("hx-destroy", QUEUE_SIZE, NULL);
	char blk[64];
	long r;

	if (!dev_up(d, blk, sizeof(blk)))
		goto out;
	expect("DESTROY_DEV while bound, daemon connected", destroy_dev(d), -EBUSY);
	daemon_stop(d);
	vq_stop(d);
	regions_drop(d);
	close(d->b.fd);
	d->b.fd = -1;
	expect("DESTROY_DEV while bound, daemon gone", destroy_dev(d), -EBUSY);
	r = dev_open(d->name);
	tap_line(r >= 0, "the daemon reopens its device", "%s", errname(r));
	if (r < 0)
		goto out;
	d->b.fd = (int)r;
	r = dev_open(d->name);
	expect("a second open", r, -EBUSY);
	if (r >= 0)
		close((int)r);
	pthread_mutex_lock(&d->lock);
	vq_start(d);
	vq_serve(d);
	pthread_mutex_unlock(&d->lock);
	daemon_start(d);
	expect("I/O works after the reconnect", blk_read(blk, 65536, 65536, 20), IO_OK);
	expect("DESTROY_DEV while bound, again", destroy_dev(d), -EBUSY);
	expect("vdpa dev del", run(30, "vdpa dev del %s", d->name), 0);
	expect("DESTROY_DEV while the daemon's fd is open", destroy_dev(d), -EBUSY);
out:
	dev_free(d);
}

/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "replies", case_replies },
	{ "stall-bind", case_stall_bind },
	{ "refuse-ok", case_refuse_ok },
	{ "packed-dead", case_packed_dead },
	{ "late", case_late },
	{ "unbind-timeout", case_unbind_timeout },
	{ "vq-sizes", case_vq_sizes },
	{ "seg-max", case_seg_max },
	{ "iotlb", case_iotlb },
	{ "kickfd", case_kickfd },
	{ "irq-flood", case_irq_flood },
	{ "destroy-bound", case_destroy_bound },
	{ "stuck-del", case_stuck_del },
	{ "dead-ooo", case_dead_ooo },
};

/* references to vduse.ko: the devices and open files of the in-tree module */
static long module_refs(void)
{
	char buf[32] = "";
	long v = -1;
	int fd = open("/sys/module/vduse/refcnt", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			v = strtol(buf, NULL, 10);
		close(fd);
	}
	return v;
}

static void cleanup(void)
{
	dev_free(cur);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	unsigned int i;
	double t0 = now(), t, t2;
	long refs0, refs;
	char name[128];
	int fd;

	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--set") && i + 1 < (unsigned int)argc)
			intree = !strcmp(argv[++i], "in-tree");
		else if (!strcmp(argv[i], "--case") && i + 1 < (unsigned int)argc)
			only = argv[++i];
		else {
			fprintf(stderr, "usage: %s --set in-tree|project [--case NAME]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	explore = getenv("VDK_EXPLORE");
	printf("# vduse-hostile: %s set\n", intree ? "in-tree" : "project");
	fd = open("/sys/bus/vdpa/drivers_autoprobe", O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		die("drivers_autoprobe");
	close(fd);
	atexit(cleanup);
	refs0 = module_refs();
	printf("# vduse.ko references at the start: %ld\n", refs0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (only && strcmp(only, cases[i].name))
			continue;
		printf("# case %s\n", cases[i].name);
		klog_mark(cases[i].name);
		refs0 = module_refs();
		t = now();
		cases[i].fn();
		dev_free(cur);
		refs = module_refs();
		for (t2 = now() + 5; refs != refs0 && now() < t2; msleep(100))
			refs = module_refs();
		snprintf(name, sizeof(name), "%s: no reference to vduse.ko is left behind",
			 cases[i].name);
		expect(name, refs, refs0);
		printf("# case %s: %.1f s\n", cases[i].name, now() - t);
	}
	{
		glob_t g;
		int left = glob("/sys/class/vduse/hx-*", 0, NULL, &g) ? 0 : (int)g.gl_pathc;

		tap_line(!left, "no VDUSE device is left", "%d: %s", left, left ? g.gl_pathv[0] : "");
		if (left)
			globfree(&g);
	}
	fd = open("/sys/bus/vdpa/drivers_autoprobe", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("drivers_autoprobe");
		close(fd);
	}
	printf("1..%d\n", n_case);
	printf("# %d cases: %d failed, %d skipped; %d differ from the in-tree module by design; %.1f s\n",
	       n_case, n_fail, n_skip, n_diff, now() - t0);
	return n_fail ? 1 : 0;
}
