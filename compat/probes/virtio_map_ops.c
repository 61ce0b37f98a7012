// SPDX-License-Identifier: GPL-2.0
/* after 6.12 (7.2 has it): virtio maps buffers through virtio_map_ops, union virtio_map. */
#include <linux/virtio.h>
#include <linux/virtio_config.h>

size_t vdk_probe(struct virtio_device *vdev);
size_t vdk_probe(struct virtio_device *vdev)
{
	union virtio_map map = vdev->vmap;

	return vdev->map ? vdev->map->max_mapping_size(map) : 0;
}
