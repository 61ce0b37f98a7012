/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdk-tap.h - what the C test programs that run in the guest share
 * (tests/uapi, tests/hostile, tests/fuzz, tests/load): one TAP line
 * per case, "ok N - name (detail)" or "not ok ...", the case counters,
 * errno names, the bail-out, and system calls that return -errno.
 * Header-only: a program includes it once, before its own helpers, and
 * uses what it needs (every helper is marked unused).
 */
#ifndef VDK_TAP_H
#define VDK_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

static int n_case, n_fail, n_skip;

/* "0", "3" for results, "EINVAL" for -EINVAL (eight buffers in turn) */
static __attribute__((unused)) const char *errname(long v)
{
	static char buf[8][32];
	static int k;
	char *b = buf[k++ % 8];
	const char *n;

	if (v >= 0) {
		snprintf(b, 32, "%ld", v);
		return b;
	}
	n = strerrorname_np((int)-v);
	snprintf(b, 32, "%s", n ? n : "E?");
	return b;
}

/* One case's line; the detail (printf-style, may be NULL) in brackets. */
static __attribute__((unused)) bool tap_line(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	n_case++;
	if (!ok)
		n_fail++;
	printf("%sok %d - %s", ok ? "" : "not ", n_case, name);
	if (fmt && *fmt) {
		printf(" (");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(")");
	}
	printf("\n");
	fflush(stdout);
	return ok;
}

static __attribute__((unused)) void skip(const char *name, const char *why)
{
	n_case++;
	n_skip++;
	printf("ok %d - %s # SKIP %s\n", n_case, name, why);
	fflush(stdout);
}

/* A setup step failed: the whole program stops (exit 2). */
static __attribute__((unused)) void die(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %s)\n", strerrorname_np(errno) ?: "0");
	fflush(stdout);
	exit(2);
}

static __attribute__((unused)) long xioctl(int fd, unsigned long req, const void *arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static __attribute__((unused)) long wr(int fd, const void *p, size_t n)
{
	ssize_t r = write(fd, p, n);

	return r < 0 ? -errno : r;
}

static __attribute__((unused)) double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* VDK_TAP_H */
