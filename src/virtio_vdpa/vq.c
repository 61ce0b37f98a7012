// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vdpa virtqueues. virtio_ring allocates and maps each ring; the parent
 * is told where it lives, how long it is and whom to call back.
 *
 * The parent calls our callbacks from any context (a workqueue for VDUSE, an
 * interrupt handler for hardware). Each one runs inside an RCU read-side
 * section, so synchronize_rcu() waits for every callback that started
 * before it: that is our synchronize_cbs(), and the teardown barrier between
 * taking the callbacks back and freeing the rings.
 */
#include <linux/rcupdate.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "virtio_vdpa.h"

static bool vvd_kick(struct virtqueue *vq)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vq->vdev);

	vdpa->config->kick_vq(vdpa, vq->index);
	return true;
}

/* With VIRTIO_F_NOTIFICATION_DATA the kick carries the ring position. */
static bool vvd_kick_with_data(struct virtqueue *vq)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vq->vdev);

	vdpa->config->kick_vq_with_data(vdpa, vring_notification_data(vq));
	return true;
}

static irqreturn_t vvd_vq_callback(void *data)
{
	struct virtqueue *vq = data;
	irqreturn_t ret;

	rcu_read_lock();
	ret = vring_interrupt(0, vq);
	rcu_read_unlock();
	return ret;
}

static irqreturn_t vvd_config_callback(void *data)
{
	struct vvd_device *vd = data;

	rcu_read_lock();
	virtio_config_changed(&vd->vdev);
	rcu_read_unlock();
	return IRQ_HANDLED;
}

void vvd_synchronize_cbs(struct virtio_device *vdev)
{
	synchronize_rcu();
}

/* The ring length: the device's limit for this queue, and its minimum. */
static int vvd_vq_limits(struct vdpa_device *vdpa, u16 index,
			 u32 *max, u32 *min)
{
	const struct vdpa_config_ops *ops = vdpa->config;

	*max = ops->get_vq_size ? ops->get_vq_size(vdpa, index) :
				  ops->get_vq_num_max(vdpa);
	*min = ops->get_vq_num_min ? ops->get_vq_num_min(vdpa) : 1;
	if (!*max || *min > *max)
		return -EINVAL;
	return 0;
}

static struct virtqueue *vvd_create_vq(struct virtio_device *vdev, u16 index,
				       const struct virtqueue_info *info)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vdev);
	const struct vdpa_config_ops *ops = vdpa->config;
	struct vdpa_callback cb = { .private = NULL };
	struct vdpa_vq_state state = { .split.avail_index = 0 };
	bool (*notify)(struct virtqueue *vq) = vvd_kick;
	struct device *dma_dev = vdev->dev.parent;
	struct virtqueue *vq;
	u32 max, min;
	int err;

	if (index >= vdpa->nvqs)
		return ERR_PTR(-ENOENT);
	/* Still enabled: some earlier user did not let go of it. */
	if (ops->get_vq_ready(vdpa, index))
		return ERR_PTR(-EBUSY);
	err = vvd_vq_limits(vdpa, index, &max, &min);
	if (err) {
		dev_err(&vdev->dev, "queue %u: bad size limits\n", index);
		return ERR_PTR(err);
	}
	if (ops->get_vq_dma_dev)
		dma_dev = ops->get_vq_dma_dev(vdpa, index);
	if (vdk_virtio_notification_data(vdev))
		notify = vvd_kick_with_data;

	/* virtio_ring may halve the length down to min if memory is short. */
	vq = vring_create_virtqueue_dma(index, max, ops->get_vq_align(vdpa),
					vdev, true, min < max, info->ctx,
					notify, info->callback, info->name,
					dma_dev);
	if (!vq)
		return ERR_PTR(-ENOMEM);
	if (virtqueue_get_vring_size(vq) < min) {
		err = -ENOMEM;
		goto err_free;
	}
	vdk_virtqueue_set_num_max(vq, max);

	if (info->callback) {
		cb.callback = vvd_vq_callback;
		cb.private = vq;
	}
	ops->set_vq_cb(vdpa, index, &cb);
	ops->set_vq_num(vdpa, index, virtqueue_get_vring_size(vq));
	err = ops->set_vq_address(vdpa, index, virtqueue_get_desc_addr(vq),
				  virtqueue_get_avail_addr(vq),
				  virtqueue_get_used_addr(vq));
	if (err)
		goto err_cb;

	/*
	 * A new ring starts at position 0, and a packed one with both wrap
	 * counters set. The parent may still hold the position of the ring
	 * this one replaces (after a freeze and restore): overwrite it.
	 */
	if (virtio_has_feature(vdev, VIRTIO_F_RING_PACKED)) {
		state.packed.last_avail_counter = 1;
		state.packed.last_avail_idx = 0;
		state.packed.last_used_counter = 1;
		state.packed.last_used_idx = 0;
	}
	if (ops->set_vq_state) {
		err = ops->set_vq_state(vdpa, index, &state);
		if (err)
			goto err_cb;
	}

	ops->set_vq_ready(vdpa, index, true);
	return vq;

err_cb:
	cb.callback = NULL;
	cb.private = NULL;
	ops->set_vq_cb(vdpa, index, &cb);
	vvd_synchronize_cbs(vdev);
err_free:
	vring_del_virtqueue(vq);
	return ERR_PTR(err);
}

void vvd_del_vqs(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vdev);
	const struct vdpa_config_ops *ops = vdpa->config;
	struct vdpa_callback none = { .callback = NULL };
	struct virtqueue *vq, *next;

	/*
	 * Stop the queues and take every callback back from the parent, wait
	 * for callbacks already running, and only then free the rings.
	 */
	ops->set_config_cb(vdpa, &none);
	list_for_each_entry(vq, &vdev->vqs, list) {
		ops->set_vq_ready(vdpa, vq->index, false);
		ops->set_vq_cb(vdpa, vq->index, &none);
	}
	vvd_synchronize_cbs(vdev);

	list_for_each_entry_safe(vq, next, &vdev->vqs, list)
		vring_del_virtqueue(vq);
}

int vdk_transport_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			   struct virtqueue *vqs[],
			   struct virtqueue_info info[],
			   struct irq_affinity *desc)
{
	struct vvd_device *vd = to_vvd(vdev);
	struct vdpa_callback config_cb = {
		.callback = vvd_config_callback,
		.private = vd,
	};
	unsigned int i;
	u16 index = 0;

	if (vd->reset_failed)
		return -EIO;

	/* Entries without a name get no queue and use up no queue index. */
	for (i = 0; i < nvqs; i++) {
		if (!info[i].name) {
			vqs[i] = NULL;
			continue;
		}
		vqs[i] = vvd_create_vq(vdev, index++, &info[i]);
		if (IS_ERR(vqs[i])) {
			int err = PTR_ERR(vqs[i]);

			vvd_del_vqs(vdev);
			return err;
		}
	}

	if (desc)
		vvd_spread_affinity(vd->vdpa, vqs, nvqs, desc);
	vd->vdpa->config->set_config_cb(vd->vdpa, &config_cb);
	return 0;
}

int vvd_set_vq_affinity(struct virtqueue *vq, const struct cpumask *mask)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vq->vdev);

	/* Best effort, as for every transport: nothing to do is no error. */
	if (!vdpa->config->set_vq_affinity)
		return 0;
	return vdpa->config->set_vq_affinity(vdpa, vq->index, mask);
}

const struct cpumask *vvd_get_vq_affinity(struct virtio_device *vdev,
					  int index)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vdev);

	if (!vdpa->config->get_vq_affinity || index < 0 ||
	    (u32)index >= vdpa->nvqs)
		return NULL;
	return vdpa->config->get_vq_affinity(vdpa, index);
}
