/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio core as a transport (virtio_vdpa) sees it.
 *
 * find_vqs(): 6.11 describes each queue with a struct virtqueue_info
 * (name, callback, ctx); older kernels pass three parallel arrays. The
 * transport (one per module) implements vdk_transport_find_vqs() in the 6.11
 * form and sets .find_vqs = vdk_find_vqs_op: on older kernels an adapter that
 * builds the info array first.
 *
 * synchronize_cbs(): a config op since 5.19. VDK_SYNCHRONIZE_CBS_OP(fn) (no
 * comma after it) puts it into an ops initializer where the member exists and
 * expands to nothing elsewhere (a static fn then wants __maybe_unused).
 *
 * struct virtqueue::num_max (6.0) and vring_create_virtqueue_dma() (6.3, gone
 * again after 6.12): without the latter the ring is mapped through the virtio
 * device's parent, so the fallback insists that the DMA device is that parent.
 *
 * VIRTIO_F_NOTIFICATION_DATA (6.4): where the core does not know the feature
 * it can never be negotiated; vdk_virtio_notification_data() is then false.
 *
 * Differences a transport does not meet, and so no probe: the config_enabled
 * flag (split in two later), virtio_reset_device() (5.16), the checks in
 * virtio_device_ready(), register_virtio_driver() (a macro by 6.12): the core
 * uses them around the transport's ops, which keep their signatures.
 */
#ifndef VDK_COMPAT_VIRTIO_H
#define VDK_COMPAT_VIRTIO_H

#include <linux/device.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

struct irq_affinity;

#ifndef HAVE_VIRTQUEUE_INFO
struct vdk_compat_virtqueue_info {
	const char *name;
	vq_callback_t *callback;
	bool ctx;
};

#define virtqueue_info vdk_compat_virtqueue_info
#endif

/* The transport's find_vqs(), in the 6.11 form. */
int vdk_transport_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			   struct virtqueue *vqs[],
			   struct virtqueue_info vqs_info[],
			   struct irq_affinity *desc);

#ifdef HAVE_VIRTQUEUE_INFO
#define vdk_find_vqs_op vdk_transport_find_vqs
#else
static inline int vdk_find_vqs_op(struct virtio_device *vdev, unsigned int nvqs,
				  struct virtqueue *vqs[],
				  vq_callback_t *callbacks[],
				  const char * const names[], const bool *ctx,
				  struct irq_affinity *desc)
{
	struct virtqueue_info *info;
	unsigned int i;
	int ret;

	info = kcalloc(nvqs, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	for (i = 0; i < nvqs; i++) {
		info[i].name = names[i];
		info[i].callback = callbacks[i];
		info[i].ctx = ctx ? ctx[i] : false;
	}
	ret = vdk_transport_find_vqs(vdev, nvqs, vqs, info, desc);
	kfree(info);
	return ret;
}
#endif

#ifdef HAVE_VIRTIO_SYNCHRONIZE_CBS
#define VDK_SYNCHRONIZE_CBS_OP(fn) .synchronize_cbs = (fn),
#else
#define VDK_SYNCHRONIZE_CBS_OP(fn)
#endif

static inline void vdk_virtqueue_set_num_max(struct virtqueue *vq,
					     unsigned int num)
{
#ifdef HAVE_VIRTQUEUE_NUM_MAX
	vq->num_max = num;
#endif
}

#ifndef HAVE_VRING_CREATE_VIRTQUEUE_DMA
static inline struct virtqueue *
vdk_compat_vring_create_virtqueue_dma(unsigned int index, unsigned int num,
				      unsigned int vring_align,
				      struct virtio_device *vdev,
				      bool weak_barriers, bool may_reduce_num,
				      bool ctx, bool (*notify)(struct virtqueue *),
				      void (*callback)(struct virtqueue *),
				      const char *name, struct device *dma_dev)
{
	if (dma_dev != vdev->dev.parent) {
		dev_err(&vdev->dev,
			"queue %u: this kernel maps rings only through %s\n",
			index, dev_name(vdev->dev.parent));
		return NULL;
	}
	return vring_create_virtqueue(index, num, vring_align, vdev,
				      weak_barriers, may_reduce_num, ctx,
				      notify, callback, name);
}

#define vring_create_virtqueue_dma vdk_compat_vring_create_virtqueue_dma
#endif

#ifdef HAVE_VRING_NOTIFICATION_DATA
static inline bool vdk_virtio_notification_data(struct virtio_device *vdev)
{
	return __virtio_test_bit(vdev, VIRTIO_F_NOTIFICATION_DATA);
}

static inline void vdk_virtio_drop_notification_data(struct virtio_device *vdev)
{
	__virtio_clear_bit(vdev, VIRTIO_F_NOTIFICATION_DATA);
}
#else
static inline bool vdk_virtio_notification_data(struct virtio_device *vdev)
{
	return false;
}

static inline void vdk_virtio_drop_notification_data(struct virtio_device *vdev)
{
}

/* Never reached: the feature cannot be negotiated. The queue number alone. */
static inline u32 vdk_compat_vring_notification_data(struct virtqueue *vq)
{
	return vq->index;
}

#define vring_notification_data vdk_compat_vring_notification_data
#endif

#endif /* VDK_COMPAT_VIRTIO_H */
