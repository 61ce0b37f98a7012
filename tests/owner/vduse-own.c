// SPDX-License-Identifier: GPL-2.0
/*
 * vduse-own: one VDUSE control operation, for the ownership scenario
 * (tests/guest/65-owner.sh), which runs it as different users:
 *
 *   vduse-own create-blk NAME   VDUSE_CREATE_DEV of a 1 MiB virtio-blk device
 *   vduse-own create-net NAME   VDUSE_CREATE_DEV of a virtio-net device
 *   vduse-own destroy NAME      VDUSE_DESTROY_DEV
 *   vduse-own open NAME         open /dev/vduse/NAME and close it again
 *
 * Prints "ok" or the errno's name (EPERM, EACCES, ...) on one line and
 * exits 0 on success, 1 on a refused operation, 2 on a usage error. The
 * device a create makes outlives the program (nobody destroys it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include <uapi/vdk/vduse.h>

#define F(bit)	(1ULL << (bit))

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	default: return strerror(e);
	}
}

static int result(int ret)
{
	int e = errno;

	if (!ret) {
		puts("ok");
		return 0;
	}
	puts(errname(e));
	return 1;
}

static int create(int ctl, const char *name, int net)
{
	union {
		struct vduse_dev_config c;
		char raw[sizeof(struct vduse_dev_config) +
			 sizeof(struct virtio_blk_config) +
			 sizeof(struct virtio_net_config)];
	} u;
	struct virtio_blk_config bc = { .capacity = 2048 };
	struct virtio_net_config nc = { .mtu = 1500 };
	uint64_t api = 0;

	if (ioctl(ctl, VDUSE_SET_API_VERSION, &api))
		return result(-1);
	memset(&u, 0, sizeof(u));
	snprintf(u.c.name, sizeof(u.c.name), "%s", name);
	u.c.vendor_id = 0x1af4;
	u.c.features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM);
	u.c.vq_num = 2;
	u.c.vq_align = 4096;
	if (net) {
		u.c.device_id = VIRTIO_ID_NET;
		u.c.config_size = sizeof(nc);
		memcpy(u.c.config, &nc, sizeof(nc));
	} else {
		u.c.device_id = VIRTIO_ID_BLOCK;
		u.c.config_size = sizeof(bc);
		memcpy(u.c.config, &bc, sizeof(bc));
	}
	return result(ioctl(ctl, VDUSE_CREATE_DEV, &u.c));
}

int main(int argc, char **argv)
{
	char n[VDUSE_NAME_MAX] = "";
	char path[300];
	int ctl, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: vduse-own create-blk|create-net|destroy|open NAME\n");
		return 2;
	}
	if (!strcmp(argv[1], "open")) {
		snprintf(path, sizeof(path), "/dev/vduse/%s", argv[2]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		return result(fd < 0 ? -1 : 0);
	}
	ctl = open("/dev/vduse/control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return result(-1);
	if (!strcmp(argv[1], "create-blk"))
		return create(ctl, argv[2], 0);
	if (!strcmp(argv[1], "create-net"))
		return create(ctl, argv[2], 1);
	if (!strcmp(argv[1], "destroy")) {
		snprintf(n, sizeof(n), "%s", argv[2]);
		return result(ioctl(ctl, VDUSE_DESTROY_DEV, n));
	}
	fprintf(stderr, "vduse-own: unknown operation %s\n", argv[1]);
	return 2;
}
