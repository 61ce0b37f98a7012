/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_vdpa internals: one struct vvd_device per bound vDPA device, holding
 * the virtio device the virtio core and its drivers see.
 *
 * main.c     the vDPA driver (probe, remove) and the config, status, feature
 *            and reset ops
 * vq.c       virtqueues: creation, teardown, kicks and callbacks
 * affinity.c spreading queue callbacks over the CPUs
 */
#ifndef VDK_VIRTIO_VDPA_H
#define VDK_VIRTIO_VDPA_H

#include <linux/interrupt.h>
#include <linux/virtio.h>
#include <vdk/vdpa.h>
#include <compat/virtio.h>

/**
 * struct vvd_device - a vDPA device as the virtio core sees it
 * @vdev: the device on the virtio bus; its parent is the DMA device
 * @vdpa: the vDPA device behind it, referenced until @vdev is released
 * @reset_failed: the last reset was not confirmed by the device; features and
 *	queues are refused until a reset succeeds
 */
struct vvd_device {
	struct virtio_device vdev;
	struct vdpa_device *vdpa;
	bool reset_failed;
};

static inline struct vvd_device *to_vvd(struct virtio_device *vdev)
{
	return container_of(vdev, struct vvd_device, vdev);
}

static inline struct vdpa_device *vvd_to_vdpa(struct virtio_device *vdev)
{
	return to_vvd(vdev)->vdpa;
}

/* vq.c, with vdk_transport_find_vqs() that compat/virtio.h declares */
void vvd_del_vqs(struct virtio_device *vdev);
void vvd_synchronize_cbs(struct virtio_device *vdev);
int vvd_set_vq_affinity(struct virtqueue *vq, const struct cpumask *mask);
const struct cpumask *vvd_get_vq_affinity(struct virtio_device *vdev,
					  int index);

void vvd_spread_affinity(struct vdpa_device *vdpa, struct virtqueue *vqs[],
			 unsigned int nvqs, struct irq_affinity *desc);

#endif /* VDK_VIRTIO_VDPA_H */
