// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vdpa: a virtio transport over our vDPA bus. Each vDPA device this
 * driver binds to is registered as a virtio device, so that virtio_blk,
 * virtio_net and the other virtio drivers attach to it.
 *
 * The virtio config ops become vDPA config ops one to one, with two checks a
 * software parent such as VDUSE needs: a reset counts only once the device
 * reads back status 0, and DRIVER_OK only once it reads back DRIVER_OK.
 */
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "virtio_vdpa.h"

/* A parent whose reset returned 0 gets this long to show status 0. */
#define VVD_RESET_POLL_US	1000
#define VVD_RESET_TIMEOUT_US	(1000 * USEC_PER_MSEC)

static void vvd_get(struct virtio_device *vdev, unsigned int offset,
		    void *buf, unsigned int len)
{
	vdpa_get_config(vvd_to_vdpa(vdev), offset, buf, len);
}

static void vvd_set(struct virtio_device *vdev, unsigned int offset,
		    const void *buf, unsigned int len)
{
	vdpa_set_config(vvd_to_vdpa(vdev), offset, buf, len);
}

static u32 vvd_generation(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vdev);

	if (!vdpa->config->get_generation)
		return 0;
	return vdpa->config->get_generation(vdpa);
}

static u8 vvd_get_status(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vdev);

	return vdpa->config->get_status(vdpa);
}

static void vvd_set_status(struct virtio_device *vdev, u8 status)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vdev);
	u8 now;

	vdpa_set_status(vdpa, status);

	/*
	 * The core reads FEATURES_OK back itself, but not DRIVER_OK. A device
	 * that refused to start (a VDUSE daemon that failed or timed out)
	 * would leave every request waiting for good: break the queues, so
	 * that requests fail instead.
	 */
	if (!(status & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	now = vdpa->config->get_status(vdpa);
	if ((now & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(now & VIRTIO_CONFIG_S_NEEDS_RESET))
		return;
	dev_err(&vdev->dev, "%s did not start (status %#04x): queues stopped\n",
		dev_name(&vdpa->dev), now);
	virtio_break_device(vdev);
}

static void vvd_reset(struct virtio_device *vdev)
{
	struct vvd_device *vd = to_vvd(vdev);
	struct vdpa_device *vdpa = vd->vdpa;
	u8 status;
	int err;

	err = vdpa_reset(vdpa, 0);
	status = vdpa->config->get_status(vdpa);
	if (!err && status)
		err = read_poll_timeout(vdpa->config->get_status, status,
					!status, VVD_RESET_POLL_US,
					VVD_RESET_TIMEOUT_US, false, vdpa);

	/*
	 * The op cannot fail, so remember it: until a later reset succeeds,
	 * finalize_features() and find_vqs() refuse, and a driver probing
	 * now fails instead of driving a device in an unknown state.
	 */
	vd->reset_failed = err != 0;
	if (err)
		dev_err(&vdev->dev, "reset of %s failed (%d, status %#04x)\n",
			dev_name(&vdpa->dev), err, status);
}

static u64 vvd_get_features(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vdev);

	return vdpa->config->get_device_features(vdpa);
}

static int vvd_finalize_features(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vvd_to_vdpa(vdev);

	if (to_vvd(vdev)->reset_failed)
		return -EIO;

	/* Keeps the ring features virtio_ring implements, ACCESS_PLATFORM too. */
	vring_transport_features(vdev);
	if (!vdpa->config->kick_vq_with_data)
		vdk_virtio_drop_notification_data(vdev);

	return vdpa_set_features(vdpa, vdev->features);
}

static const char *vvd_bus_name(struct virtio_device *vdev)
{
	return dev_name(&vvd_to_vdpa(vdev)->dev);
}

static const struct virtio_config_ops vvd_config_ops = {
	.bus_name = vvd_bus_name,
	.get_features = vvd_get_features,
	.finalize_features = vvd_finalize_features,
	.get = vvd_get,
	.set = vvd_set,
	.generation = vvd_generation,
	.get_status = vvd_get_status,
	.set_status = vvd_set_status,
	.reset = vvd_reset,
	.find_vqs = vdk_find_vqs_op,
	.del_vqs = vvd_del_vqs,
	VDK_SYNCHRONIZE_CBS_OP(vvd_synchronize_cbs)
	.get_vq_affinity = vvd_get_vq_affinity,
	.set_vq_affinity = vvd_set_vq_affinity,
};

static void vvd_release(struct device *dev)
{
	struct vvd_device *vd = to_vvd(dev_to_virtio(dev));

	put_device(&vd->vdpa->dev);
	kfree(vd);
}

static int vvd_probe(struct vdpa_device *vdpa)
{
	const struct vdpa_config_ops *ops = vdpa->config;
	struct vvd_device *vd;
	u32 device_id;
	int err;

	/* Virtio device ID 0 is reserved: no virtio driver could bind. */
	device_id = ops->get_device_id(vdpa);
	if (!device_id) {
		dev_warn(&vdpa->dev, "no virtio device ID\n");
		return -ENODEV;
	}

	vd = kzalloc(sizeof(*vd), GFP_KERNEL);
	if (!vd)
		return -ENOMEM;

	get_device(&vdpa->dev);
	vd->vdpa = vdpa;
	vd->vdev.id.device = device_id;
	vd->vdev.id.vendor = ops->get_vendor_id(vdpa);
	vd->vdev.config = &vvd_config_ops;
	/*
	 * virtio_ring maps the rings through the virtio device's parent, so
	 * the parent is the device that carries the vDPA device's DMA ops.
	 */
	vd->vdev.dev.parent = vdpa_get_dma_dev(vdpa) ?: &vdpa->dev;
	vd->vdev.dev.release = vvd_release;
	vdpa_set_drvdata(vdpa, vd);

	err = register_virtio_device(&vd->vdev);
	if (err) {
		vdpa_set_drvdata(vdpa, NULL);
		/* Initialised by the core: the release callback frees it. */
		put_device(&vd->vdev.dev);
		return err;
	}
	return 0;
}

static void vvd_remove(struct vdpa_device *vdpa)
{
	struct vvd_device *vd = vdpa_get_drvdata(vdpa);

	/*
	 * The virtio driver's remove resets the device and deletes the
	 * queues (which also takes our callbacks back from the parent), so
	 * nothing of ours is left in the parent once this returns. vd itself
	 * lives on while anything holds its device.
	 */
	unregister_virtio_device(&vd->vdev);
	vdpa_set_drvdata(vdpa, NULL);
}

static struct vdpa_driver vvd_driver = {
	.driver.name = KBUILD_MODNAME,
	.probe = vvd_probe,
	.remove = vvd_remove,
};

module_vdpa_driver(vvd_driver);

MODULE_DESCRIPTION("virtio transport for vDPA devices (vduse-dkms)");
MODULE_LICENSE("GPL");
MODULE_VERSION(VDK_VERSION);
