// SPDX-License-Identifier: GPL-2.0
/* 5.19: virtio_config_ops gained synchronize_cbs() (hardened notifications). */
#include <linux/virtio.h>
#include <linux/virtio_config.h>

static void vdk_probe_synchronize_cbs(struct virtio_device *vdev)
{
}

const struct virtio_config_ops vdk_probe_ops;
const struct virtio_config_ops vdk_probe_ops = {
	.synchronize_cbs = vdk_probe_synchronize_cbs,
};
