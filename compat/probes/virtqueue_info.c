// SPDX-License-Identifier: GPL-2.0
/* 6.11: find_vqs() takes struct virtqueue_info[] instead of callback/name/ctx arrays. */
#include <linux/virtio.h>
#include <linux/virtio_config.h>

static int vdk_probe_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			      struct virtqueue *vqs[],
			      struct virtqueue_info info[],
			      struct irq_affinity *desc)
{
	return info[0].name && info[0].callback && info[0].ctx ? -EINVAL : 0;
}

const struct virtio_config_ops vdk_probe_ops;
const struct virtio_config_ops vdk_probe_ops = {
	.find_vqs = vdk_probe_find_vqs,
};
