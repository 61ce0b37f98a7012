// SPDX-License-Identifier: GPL-2.0
/* 6.4: VIRTIO_F_NOTIFICATION_DATA, kicks carry vring_notification_data(). */
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

u32 vdk_probe(struct virtqueue *vq);
u32 vdk_probe(struct virtqueue *vq)
{
	if (!__virtio_test_bit(vq->vdev, VIRTIO_F_NOTIFICATION_DATA))
		return 0;
	return vring_notification_data(vq);
}
