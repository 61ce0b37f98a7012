// SPDX-License-Identifier: GPL-2.0
/*
 * vring-probe /dev/vhost-vdpa-N [NUM...]: what queue sizes a vhost-vdpa
 * device accepts, with the ioctls a vhost-vdpa client (libblkio) makes:
 * VHOST_SET_OWNER, VHOST_VDPA_SET_STATUS 0 (reset), VHOST_VDPA_GET_VRING_NUM
 * (the device's maximum), VHOST_VDPA_GET_VRING_SIZE of queue 0, then
 * VHOST_SET_VRING_NUM on queue 0 with each NUM (default 64 128 256 512 1024).
 * Prints one line:
 *   max=M size0=S set64=ok set128=ok set256=EINVAL ...
 * (errno names for refusals; size0=ENOTTY where the ioctl does not exist).
 * Exit status 0 when every ioctl before the SET_VRING_NUM calls worked.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef VHOST_VDPA_GET_VRING_SIZE
#define VHOST_VDPA_GET_VRING_SIZE _IOWR(VHOST_VIRTIO, 0x82, struct vhost_vring_state)
#endif

static const char *ename(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EPERM: return "EPERM";
	case ENOBUFS: return "ENOBUFS";
	case EFAULT: return "EFAULT";
	default: return strerror(e);
	}
}

int main(int argc, char **argv)
{
	static const unsigned int def[] = { 64, 128, 256, 512, 1024 };
	struct vhost_vring_state s;
	unsigned short max = 0;
	unsigned char status = 0;
	int fd, i, n;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: vring-probe /dev/vhost-vdpa-N [NUM...]\n"
			"Which VHOST_SET_VRING_NUM sizes queue 0 accepts after a reset\n"
			"(default NUMs: 64 128 256 512 1024), with the device's maximum\n"
			"(VHOST_VDPA_GET_VRING_NUM) and queue 0's size (GET_VRING_SIZE).\n");
		return argc < 2 ? 2 : 0;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vring-probe: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (ioctl(fd, VHOST_SET_OWNER) < 0) {
		fprintf(stderr, "vring-probe: VHOST_SET_OWNER: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(fd, VHOST_VDPA_SET_STATUS, &status) < 0) {
		fprintf(stderr, "vring-probe: VHOST_VDPA_SET_STATUS 0: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(fd, VHOST_VDPA_GET_VRING_NUM, &max) < 0) {
		fprintf(stderr, "vring-probe: VHOST_VDPA_GET_VRING_NUM: %s\n", strerror(errno));
		return 1;
	}
	printf("max=%u", max);
	memset(&s, 0, sizeof(s));
	if (ioctl(fd, VHOST_VDPA_GET_VRING_SIZE, &s) < 0)
		printf(" size0=%s", ename(errno));
	else
		printf(" size0=%u", s.num);
	n = argc > 2 ? argc - 2 : (int)(sizeof(def) / sizeof(def[0]));
	for (i = 0; i < n; i++) {
		s.index = 0;
		s.num = argc > 2 ? strtoul(argv[i + 2], NULL, 0) : def[i];
		if (ioctl(fd, VHOST_SET_VRING_NUM, &s) < 0)
			printf(" set%u=%s", s.num, ename(errno));
		else
			printf(" set%u=ok", s.num);
	}
	printf("\n");
	close(fd);
	return 0;
}
