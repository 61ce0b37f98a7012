// SPDX-License-Identifier: GPL-2.0
/*
 * blkio-bench: a time-based block I/O benchmark through libblkio, for the
 * vhost-vdpa paths of the benchmark (tests/bench/10-bench.sh); the VM's
 * data path (virtio-blk over vhost-vdpa) without a VM.
 *
 *   blkio-bench --path /dev/vhost-vdpa-0 [--driver virtio-blk-vhost-vdpa]
 *               [--rw randread|randwrite|read|write] [--bs BYTES]
 *               [--iodepth N] [--queues N] [--runtime S] [--ramp S]
 *
 * One thread per queue (libblkio's "num-queues"), each keeping --iodepth
 * requests in flight on its own queue: random offsets aligned to --bs over
 * the whole device ("capacity"), or a sequential stream (each queue starts
 * at its own share of the device). Completions are counted from the end of
 * the ramp to the end of the run, like fio's time_based with ramp_time.
 * The I/O buffers come from blkio_alloc_mem_region() (a memfd, MAP_SHARED):
 * vhost-vdpa in VA mode, the mode VDUSE devices use, only puts shared
 * file-backed memory into the device's IOTLB. --anon-buf instead maps a
 * buffer of plain anonymous memory, as qemu-img bench registers its own
 * (a diagnostic: expect it to fail on VDUSE).
 *
 * Prints one line on stdout:
 *   blkio-bench rw=randread bs=4096 iodepth=32 queues=1 seconds=5.000
 *   completions=N iops=N bw_kib=N errors=0
 * (one line; bw_kib = iops * bs / 1024). Every completion's status is
 * checked: on any failure the message (libblkio's where it gives one) goes
 * to stderr and the exit status is 1; 2 for a usage error.
 *
 * libblkio is loaded with dlopen("libblkio.so.1") at run time, so the build
 * needs neither its header nor the library (the guest has libblkio1). The
 * declarations below restate the few parts of its C API used here; built
 * with -DBB_CHECK_HEADER and libblkio-dev's blkio.h on the include path,
 * the compiler checks them against the real header.
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The two structures' layouts, as in libblkio 1.x. */
#define BB_REGION_FIELDS						\
	void *addr;							\
	size_t len;							\
	uint64_t iova;							\
	int64_t fd_offset;						\
	int fd;								\
	uint32_t flags;
#define BB_COMPLETION_FIELDS						\
	void *user_data;						\
	const char *error_msg;						\
	int ret;							\
	uint8_t spare[12];

#ifdef BB_CHECK_HEADER
#include <blkio.h>
#include <stddef.h>
struct bb_region_copy { BB_REGION_FIELDS };
struct bb_completion_copy { BB_COMPLETION_FIELDS };
#define BB_SAME(a, b, f)						\
	_Static_assert(offsetof(struct a, f) == offsetof(struct b, f) &&	\
		       sizeof(((struct a *)0)->f) == sizeof(((struct b *)0)->f), \
		       #a "." #f);
BB_SAME(bb_region_copy, blkio_mem_region, addr)
BB_SAME(bb_region_copy, blkio_mem_region, len)
BB_SAME(bb_region_copy, blkio_mem_region, iova)
BB_SAME(bb_region_copy, blkio_mem_region, fd_offset)
BB_SAME(bb_region_copy, blkio_mem_region, fd)
BB_SAME(bb_region_copy, blkio_mem_region, flags)
BB_SAME(bb_completion_copy, blkio_completion, user_data)
BB_SAME(bb_completion_copy, blkio_completion, error_msg)
BB_SAME(bb_completion_copy, blkio_completion, ret)
_Static_assert(sizeof(struct bb_region_copy) == sizeof(struct blkio_mem_region) &&
	       sizeof(struct bb_completion_copy) == sizeof(struct blkio_completion),
	       "structure sizes");
#else
struct blkio;
struct blkioq;
struct blkio_mem_region { BB_REGION_FIELDS };
struct blkio_completion { BB_COMPLETION_FIELDS };
#endif

/* The functions used: (field, symbol, return type, parameters). */
#define BB_FUNCS(X)							\
	X(error_msg, blkio_get_error_msg, const char *, (void))	\
	X(create, blkio_create, int, (const char *, struct blkio **))	\
	X(connect, blkio_connect, int, (struct blkio *))		\
	X(start, blkio_start, int, (struct blkio *))			\
	X(destroy, blkio_destroy, void, (struct blkio **))		\
	X(get_bool, blkio_get_bool, int,				\
	  (struct blkio *, const char *, bool *))			\
	X(get_int, blkio_get_int, int, (struct blkio *, const char *, int *)) \
	X(get_u64, blkio_get_uint64, int,				\
	  (struct blkio *, const char *, uint64_t *))			\
	X(set_int, blkio_set_int, int, (struct blkio *, const char *, int)) \
	X(set_str, blkio_set_str, int,					\
	  (struct blkio *, const char *, const char *))		\
	X(alloc_region, blkio_alloc_mem_region, int,			\
	  (struct blkio *, struct blkio_mem_region *, size_t))		\
	X(map_region, blkio_map_mem_region, int,			\
	  (struct blkio *, const struct blkio_mem_region *))		\
	X(get_queue, blkio_get_queue, struct blkioq *, (struct blkio *, int)) \
	X(read, blkioq_read, void,					\
	  (struct blkioq *, uint64_t, void *, size_t, void *, uint32_t)) \
	X(write, blkioq_write, void,					\
	  (struct blkioq *, uint64_t, const void *, size_t, void *, uint32_t)) \
	X(do_io, blkioq_do_io, int,					\
	  (struct blkioq *, struct blkio_completion *, int, int,	\
	   struct timespec *))

#define BB_FIELD(field, sym, ret, params) ret (*field) params;
static struct {
	BB_FUNCS(BB_FIELD)
} lib;

#ifdef BB_CHECK_HEADER
#define BB_CHECK(field, sym, ret, params)				\
	_Static_assert(__builtin_types_compatible_p(__typeof__(lib.field), \
						    __typeof__(&sym)), #sym);
BB_FUNCS(BB_CHECK)
#endif

enum pattern { RANDREAD, RANDWRITE, READ, WRITE };
static const char *const pattern_name[] = { "randread", "randwrite", "read", "write" };

static struct {
	const char *driver;
	const char *path;
	enum pattern rw;
	size_t bs;
	int depth;
	int queues;
	double runtime;
	double ramp;
	double stall;
	bool anon;
	bool verbose;
} opt = {
	.driver = "virtio-blk-vhost-vdpa",
	.rw = RANDREAD,
	.bs = 4096,
	.depth = 1,
	.queues = 1,
	.runtime = 5,
	.ramp = 0,
	.stall = 10,
};

struct worker {
	int id;
	pthread_t thread;
	struct blkioq *q;
	char *buf;		/* depth * bs bytes of the mapped region */
	uint64_t *offset;	/* each slot's request offset */
	uint64_t rnd;		/* xorshift64 state */
	uint64_t next;		/* the next block of a sequential stream */
	uint64_t counted;	/* completions inside the measured window */
	uint64_t errors;
	char msg[256];		/* the first failure */
};

static uint64_t nblocks;	/* capacity / bs */
static double t_count;		/* counting starts (end of the ramp) */
static double t_end;		/* no new request from here on */
static int stop;		/* a worker failed: the others drain and end */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: blkio-bench --path PATH [options]\n"
		"A time-based benchmark through libblkio: one thread per queue, each\n"
		"keeping IODEPTH requests in flight; prints one line\n"
		"  blkio-bench rw=.. bs=.. iodepth=.. queues=.. seconds=.. completions=..\n"
		"  iops=.. bw_kib=.. errors=..\n"
		"Options:\n"
		"  --driver NAME   libblkio driver (default virtio-blk-vhost-vdpa)\n"
		"  --path PATH     the driver's \"path\" (e.g. /dev/vhost-vdpa-0)\n"
		"  --rw PATTERN    randread (default), randwrite, read, write\n"
		"  --bs BYTES      request size (default 4096)\n"
		"  --iodepth N     requests in flight per queue (default 1)\n"
		"  --queues N      queues, one thread each (default 1)\n"
		"  --runtime S     measured seconds after the ramp (default 5)\n"
		"  --ramp S        seconds of I/O before counting starts (default 0)\n"
		"  --stall S       fail when no request completes for S seconds\n"
		"                  (default 10)\n"
		"  --anon-buf      map plain anonymous memory as the I/O buffer (as\n"
		"                  qemu-img bench registers its own) instead of\n"
		"                  blkio_alloc_mem_region()'s; a diagnostic\n"
		"  -v, --verbose   the device's libblkio properties on stderr\n"
		"  -h, --help      this text\n"
		"Exit status: 0 when every request succeeded, 1 on a failure (the\n"
		"message on stderr), 2 on a usage error.\n");
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("blkio-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* libblkio's own message for a failed call, with the errno it returned. */
static void die_lib(const char *what, int ret)
{
	const char *m = lib.error_msg();

	die("%s: %s (%s)", what, m && *m ? m : "no message", strerror(-ret));
}

static void bb_sym(void *h, const char *name, void *slot)
{
	void *p = dlsym(h, name);

	if (!p)
		die("libblkio.so.1 has no %s: %s", name, dlerror());
	memcpy(slot, &p, sizeof(p));
}

static void load_lib(void)
{
	void *h = dlopen("libblkio.so.1", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		die("dlopen libblkio.so.1: %s", dlerror());
#define BB_LOAD(field, sym, ret, params) bb_sym(h, #sym, &lib.field);
	BB_FUNCS(BB_LOAD)
#undef BB_LOAD
}

static double parse_secs(const char *name, const char *s, bool zero_ok)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || (!zero_ok && v == 0) || v > 86400) {
		fprintf(stderr, "blkio-bench: --%s: not a number of seconds: '%s'\n", name, s);
		exit(2);
	}
	return v;
}

static long parse_long(const char *name, const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < 1 || v > max) {
		fprintf(stderr, "blkio-bench: --%s: not an integer from 1 to %ld: '%s'\n",
			name, max, s);
		exit(2);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "driver", required_argument, NULL, 'D' },
		{ "path", required_argument, NULL, 'p' },
		{ "rw", required_argument, NULL, 'w' },
		{ "bs", required_argument, NULL, 'b' },
		{ "iodepth", required_argument, NULL, 'd' },
		{ "queues", required_argument, NULL, 'q' },
		{ "runtime", required_argument, NULL, 't' },
		{ "ramp", required_argument, NULL, 'r' },
		{ "stall", required_argument, NULL, 's' },
		{ "anon-buf", no_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned int i;
	int c;

	while ((c = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'D': opt.driver = optarg; break;
		case 'p': opt.path = optarg; break;
		case 'w':
			for (i = 0; i < sizeof(pattern_name) / sizeof(pattern_name[0]); i++)
				if (!strcmp(optarg, pattern_name[i]))
					break;
			if (i == sizeof(pattern_name) / sizeof(pattern_name[0])) {
				fprintf(stderr, "blkio-bench: --rw: randread, randwrite, read or write, not '%s'\n",
					optarg);
				exit(2);
			}
			opt.rw = (enum pattern)i;
			break;
		case 'b': opt.bs = (size_t)parse_long("bs", optarg, 64L << 20); break;
		case 'd': opt.depth = (int)parse_long("iodepth", optarg, 4096); break;
		case 'q': opt.queues = (int)parse_long("queues", optarg, 256); break;
		case 't': opt.runtime = parse_secs("runtime", optarg, false); break;
		case 'r': opt.ramp = parse_secs("ramp", optarg, true); break;
		case 's': opt.stall = parse_secs("stall", optarg, false); break;
		case 'A': opt.anon = true; break;
		case 'v': opt.verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc || !opt.path) {
		usage(stderr);
		exit(2);
	}
}

/* Record the worker's first failure; every worker stops submitting. */
static void worker_fail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->msg[0]) {
		va_start(ap, fmt);
		vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
		va_end(ap);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

static uint64_t next_block(struct worker *w)
{
	uint64_t x;

	if (opt.rw == READ || opt.rw == WRITE) {
		x = w->next;
		w->next = x + 1 < nblocks ? x + 1 : 0;
		return x;
	}
	x = w->rnd;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	w->rnd = x;
	return x % nblocks;
}

static void submit(struct worker *w, int slot)
{
	char *buf = w->buf + (size_t)slot * opt.bs;
	void *tag = (void *)(uintptr_t)slot;

	w->offset[slot] = next_block(w) * opt.bs;
	if (opt.rw == RANDWRITE || opt.rw == WRITE)
		lib.write(w->q, w->offset[slot], buf, opt.bs, tag, 0);
	else
		lib.read(w->q, w->offset[slot], buf, opt.bs, tag, 0);
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct blkio_completion *c;
	int inflight = 0, n, i, slot;
	double now, last;

	c = calloc((size_t)opt.depth, sizeof(*c));
	if (!c) {
		worker_fail(w, "out of memory");
		return NULL;
	}
	for (i = 0; i < opt.depth; i++, inflight++)
		submit(w, i);
	last = now_s();
	while (inflight > 0) {
		struct timespec to = { .tv_sec = 1 };

		n = lib.do_io(w->q, c, 1, opt.depth, &to);
		now = now_s();
		if (n == -ETIME) {
			if (now - last < opt.stall)
				continue;
			worker_fail(w, "queue %d: no request completed in %.0f s (%d in flight)",
				    w->id, now - last, inflight);
			break;
		}
		if (n < 0) {
			const char *m = lib.error_msg();

			worker_fail(w, "queue %d: blkioq_do_io: %s (%s)", w->id,
				    m && *m ? m : "no message", strerror(-n));
			break;
		}
		last = now;
		for (i = 0; i < n; i++) {
			slot = (int)(uintptr_t)c[i].user_data;
			inflight--;
			if (slot < 0 || slot >= opt.depth) {
				worker_fail(w, "queue %d: a completion with an unknown tag %p",
					    w->id, c[i].user_data);
				continue;
			}
			if (c[i].ret) {
				w->errors++;
				worker_fail(w, "queue %d: %s of %zu bytes at %llu failed: %s (%s)",
					    w->id, opt.rw == RANDWRITE || opt.rw == WRITE ?
					    "write" : "read", opt.bs,
					    (unsigned long long)w->offset[slot],
					    c[i].error_msg ? c[i].error_msg : "no message",
					    strerror(-c[i].ret));
				continue;
			}
			if (now >= t_count && now < t_end)
				w->counted++;
			if (now < t_end && !__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
				submit(w, slot);
				inflight++;
			}
		}
	}
	free(c);
	return NULL;
}

static int prop_int(struct blkio *b, const char *name)
{
	int v = 0, ret = lib.get_int(b, name, &v);

	if (ret < 0)
		die_lib(name, ret);
	return v;
}

static bool prop_bool(struct blkio *b, const char *name)
{
	bool v = false;
	int ret = lib.get_bool(b, name, &v);

	if (ret < 0)
		die_lib(name, ret);
	return v;
}

static uint64_t prop_u64(struct blkio *b, const char *name)
{
	uint64_t v = 0;
	int ret = lib.get_u64(b, name, &v);

	if (ret < 0)
		die_lib(name, ret);
	return v;
}

int main(int argc, char **argv)
{
	struct blkio_mem_region region = { .fd = -1 };
	struct worker *w;
	struct blkio *b = NULL;
	uint64_t capacity, align, total = 0, errors = 0;
	size_t len;
	double secs;
	int ret, i, max_queues, req_align, buf_align, max_xfer, failed = 0;

	parse_args(argc, argv);
	load_lib();

	ret = lib.create(opt.driver, &b);
	if (ret < 0)
		die_lib("blkio_create", ret);
	ret = lib.set_str(b, "path", opt.path);
	if (ret < 0)
		die_lib("path", ret);
	ret = lib.connect(b);
	if (ret < 0)
		die_lib("blkio_connect", ret);
	capacity = prop_u64(b, "capacity");
	max_queues = prop_int(b, "max-queues");
	req_align = prop_int(b, "request-alignment");
	buf_align = prop_int(b, "buf-alignment");
	max_xfer = prop_int(b, "max-transfer");
	align = prop_u64(b, "mem-region-alignment");
	if (opt.verbose)
		fprintf(stderr, "blkio-bench: %s %s: capacity=%llu max-queues=%d request-alignment=%d buf-alignment=%d max-transfer=%d mem-region-alignment=%llu needs-mem-regions=%d needs-mem-region-fd=%d\n",
			opt.driver, opt.path, (unsigned long long)capacity, max_queues,
			req_align, buf_align, max_xfer, (unsigned long long)align,
			prop_bool(b, "needs-mem-regions"),
			prop_bool(b, "needs-mem-region-fd"));
	if (opt.queues > max_queues)
		die("%d queues asked for, the device has %d", opt.queues, max_queues);
	if (req_align < 1 || buf_align < 1 || opt.bs % (size_t)req_align ||
	    opt.bs % (size_t)buf_align)
		die("--bs %zu is not a multiple of the request (%d) and buffer (%d) alignment",
		    opt.bs, req_align, buf_align);
	if (max_xfer > 0 && opt.bs > (size_t)max_xfer)
		die("--bs %zu is above the device's max-transfer %d", opt.bs, max_xfer);
	nblocks = capacity / opt.bs;
	if (!nblocks)
		die("the device (%llu bytes) is smaller than --bs %zu",
		    (unsigned long long)capacity, opt.bs);
	ret = lib.set_int(b, "num-queues", opt.queues);
	if (ret < 0)
		die_lib("num-queues", ret);
	ret = lib.start(b);
	if (ret < 0)
		die_lib("blkio_start", ret);

	/* One region for every queue's buffers, each queue its own slice. */
	if (align < (uint64_t)sysconf(_SC_PAGESIZE))
		align = (uint64_t)sysconf(_SC_PAGESIZE);
	len = (size_t)opt.queues * (size_t)opt.depth * opt.bs;
	len = (len + align - 1) / align * align;
	if (opt.anon) {
		void *p = NULL;

		if (posix_memalign(&p, align, len))
			die("out of memory for %zu bytes", len);
		region.addr = p;
		region.len = len;
	} else {
		ret = lib.alloc_region(b, &region, len);
		if (ret < 0)
			die_lib("blkio_alloc_mem_region", ret);
	}
	memset(region.addr, 0xa5, len);
	ret = lib.map_region(b, &region);
	if (ret < 0)
		die_lib("blkio_map_mem_region", ret);

	w = calloc((size_t)opt.queues, sizeof(*w));
	if (!w)
		die("out of memory");
	for (i = 0; i < opt.queues; i++) {
		w[i].id = i;
		w[i].q = lib.get_queue(b, i);
		if (!w[i].q)
			die("blkio_get_queue %d: %s", i, lib.error_msg());
		w[i].buf = (char *)region.addr + (size_t)i * opt.depth * opt.bs;
		w[i].offset = calloc((size_t)opt.depth, sizeof(*w[i].offset));
		if (!w[i].offset)
			die("out of memory");
		w[i].rnd = ((uint64_t)time(NULL) << 20 ^ (uint64_t)getpid() << 8 ^
			    (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL) | 1;
		w[i].next = nblocks / (uint64_t)opt.queues * (uint64_t)i;
	}
	t_count = now_s() + opt.ramp;
	t_end = t_count + opt.runtime;
	for (i = 0; i < opt.queues; i++) {
		ret = pthread_create(&w[i].thread, NULL, worker_run, &w[i]);
		if (ret)
			die("pthread_create: %s", strerror(ret));
	}
	for (i = 0; i < opt.queues; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].counted;
		errors += w[i].errors;
		if (w[i].msg[0]) {
			fprintf(stderr, "blkio-bench: %s\n", w[i].msg);
			failed = 1;
		}
	}
	secs = opt.runtime;
	printf("blkio-bench rw=%s bs=%zu iodepth=%d queues=%d seconds=%.3f completions=%llu iops=%.0f bw_kib=%.0f errors=%llu\n",
	       pattern_name[opt.rw], opt.bs, opt.depth, opt.queues, secs,
	       (unsigned long long)total, total / secs, total * (double)opt.bs / 1024 / secs,
	       (unsigned long long)errors);
	fflush(stdout);
	if (failed)
		_exit(1);	/* requests may still be in flight: no teardown */
	lib.destroy(&b);
	return 0;
}
