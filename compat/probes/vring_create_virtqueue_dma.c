// SPDX-License-Identifier: GPL-2.0
/* 6.3: vring_create_virtqueue_dma() with an explicit DMA device (after 6.12: _map). */
#include <linux/virtio.h>
#include <linux/virtio_ring.h>

struct virtqueue *vdk_probe(struct virtio_device *vdev, struct device *dma_dev,
			    bool (*notify)(struct virtqueue *vq),
			    void (*callback)(struct virtqueue *vq));
struct virtqueue *vdk_probe(struct virtio_device *vdev, struct device *dma_dev,
			    bool (*notify)(struct virtqueue *vq),
			    void (*callback)(struct virtqueue *vq))
{
	return vring_create_virtqueue_dma(0, 256, 4096, vdev, true, true, false,
					  notify, callback, "probe", dma_dev);
}
