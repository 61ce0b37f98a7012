// SPDX-License-Identifier: GPL-2.0
/* 6.0: struct virtqueue gained num_max, the ring size limit the transport reports. */
#include <linux/virtio.h>

void vdk_probe(struct virtqueue *vq, unsigned int num);
void vdk_probe(struct virtqueue *vq, unsigned int num)
{
	vq->num_max = num;
}
