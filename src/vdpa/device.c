// SPDX-License-Identifier: GPL-2.0
/*
 * vDPA devices: allocation, naming, registration on the bus, release, and
 * the config space accessors that take the device's cf_lock.
 *
 * Lifetime: __vdpa_alloc_device() returns a device holding one reference.
 * Before registration the parent drops it with put_device(); after
 * registration (un)registration drops the bus's. The last put calls the
 * parent's free() and gives the index back.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "internal.h"

/* Bus-wide device numbers; "vdpa<index>" is the default name. */
static DEFINE_IDA(vdpa_indexes);

static void vdpa_device_release(struct device *dev)
{
	struct vdpa_device *vdev = dev_to_vdpa(dev);
	unsigned int index = vdev->index;
	const char *override = vdev->driver_override;

	/* the parent may still use its part of the structure in free() */
	if (vdev->config->free)
		vdev->config->free(vdev);
	kfree(override);
	kfree(vdev);
	ida_free(&vdpa_indexes, index);
}

static bool vdpa_config_ops_usable(const struct vdpa_config_ops *ops,
				   bool use_va)
{
	bool by_range;

	if (!ops)
		return false;
	/* map and unmap by range come together or not at all */
	by_range = ops->dma_map;
	if (by_range != !!ops->dma_unmap)
		return false;
	/* user addresses mean nothing to a device without its own IOMMU */
	return !use_va || by_range || ops->set_map;
}

/**
 * __vdpa_alloc_device - allocate a vDPA device (use vdpa_alloc_device())
 * @parent: the parent device, or NULL
 * @config: the parent's operations
 * @ngroups: number of virtqueue groups
 * @nas: number of address spaces
 * @size: size of the parent's structure, which starts with the vdpa_device
 * @name: device name, or NULL for "vdpa<index>"
 * @use_va: the device is given user virtual addresses
 *
 * The device is initialised but not on the bus yet: the parent finishes
 * its setup, then calls (_)vdpa_register_device().
 *
 * Return: the device, or an ERR_PTR(): -EINVAL for unusable @config,
 * -ENOMEM, or the index allocator's error.
 */
struct vdpa_device *
__vdpa_alloc_device(struct device *parent, const struct vdpa_config_ops *config,
		    unsigned int ngroups, unsigned int nas, size_t size,
		    const char *name, bool use_va)
{
	struct vdpa_device *vdev;
	int index, err;

	if (!vdpa_config_ops_usable(config, use_va) || size < sizeof(*vdev))
		return ERR_PTR(-EINVAL);

	index = ida_alloc(&vdpa_indexes, GFP_KERNEL);
	if (index < 0)
		return ERR_PTR(index);

	vdev = kzalloc(size, GFP_KERNEL);
	if (!vdev) {
		err = -ENOMEM;
		goto free_index;
	}

	/* named before device_initialize(): a failure here needs no put */
	err = name ? dev_set_name(&vdev->dev, "%s", name) :
		     dev_set_name(&vdev->dev, "vdpa%u", index);
	if (err)
		goto free_vdev;

	vdev->index = index;
	vdev->config = config;
	vdev->use_va = use_va;
	vdev->ngroups = ngroups;
	vdev->nas = nas;
	init_rwsem(&vdev->cf_lock);

	vdev->dev.parent = parent;
	vdev->dev.bus = &vdpa_bus;
	vdev->dev.release = vdpa_device_release;
	device_initialize(&vdev->dev);
	return vdev;

free_vdev:
	kfree(vdev);
free_index:
	ida_free(&vdpa_indexes, index);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(__vdpa_alloc_device);

/**
 * vdpa_find_device - look a registered device up by name
 * @name: the device name
 *
 * Caller holds vdpa_lock (either way) and drops the result with
 * put_device().
 *
 * Return: the device with a reference, or NULL.
 */
struct vdpa_device *vdpa_find_device(const char *name)
{
	struct device *dev;

	lockdep_assert_held(&vdpa_lock);
	dev = bus_find_device_by_name(&vdpa_bus, NULL, name);
	return dev ? dev_to_vdpa(dev) : NULL;
}

static int vdpa_add_to_bus(struct vdpa_device *vdev)
{
	struct vdpa_device *same_name;

	lockdep_assert_held_write(&vdpa_lock);

	same_name = vdpa_find_device(dev_name(&vdev->dev));
	if (same_name) {
		put_device(&same_name->dev);
		return -EEXIST;
	}
	/* may bind a driver right away: its probe runs under vdpa_lock */
	return device_add(&vdev->dev);
}

/**
 * vdpa_register_device - put a device on the bus
 * @vdev: a device from vdpa_alloc_device()
 * @nvqs: its number of virtqueues
 *
 * For parents without a management device. On failure the caller still
 * owns @vdev and drops it with put_device().
 *
 * Return: 0, -EEXIST when the name is taken, or the driver core's error.
 */
int vdpa_register_device(struct vdpa_device *vdev, u32 nvqs)
{
	int err;

	vdev->nvqs = nvqs;
	down_write(&vdpa_lock);
	err = vdpa_add_to_bus(vdev);
	up_write(&vdpa_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vdpa_register_device);

/**
 * _vdpa_register_device - put a device on the bus from mgmtdev dev_add()
 * @vdev: a device from vdpa_alloc_device() with vdev->mdev set
 * @nvqs: its number of virtqueues
 *
 * Called with vdpa_lock held for writing, which the bus takes around
 * dev_add(). On failure the caller still owns @vdev.
 *
 * Return: 0, -EINVAL without vdev->mdev, -EEXIST when the name is taken, or
 * the driver core's error.
 */
int _vdpa_register_device(struct vdpa_device *vdev, u32 nvqs)
{
	if (!vdev->mdev)
		return -EINVAL;
	vdev->nvqs = nvqs;
	return vdpa_add_to_bus(vdev);
}
EXPORT_SYMBOL_GPL(_vdpa_register_device);

/* Unbinds the driver and drops the bus's reference. */
static void vdpa_del_from_bus(struct vdpa_device *vdev)
{
	lockdep_assert_held_write(&vdpa_lock);
	device_unregister(&vdev->dev);
}

/**
 * _vdpa_unregister_device - take a device off the bus from dev_del()
 * @vdev: a device registered with _vdpa_register_device()
 *
 * Called with vdpa_lock held for writing (mgmtdev dev_del(), which the bus
 * calls for "vdpa dev del" and when the management device goes away).
 */
void _vdpa_unregister_device(struct vdpa_device *vdev)
{
	WARN_ON_ONCE(!vdev->mdev);
	vdpa_del_from_bus(vdev);
}
EXPORT_SYMBOL_GPL(_vdpa_unregister_device);

/**
 * vdpa_unregister_device - take a device off the bus
 * @vdev: a device registered with vdpa_register_device()
 */
void vdpa_unregister_device(struct vdpa_device *vdev)
{
	down_write(&vdpa_lock);
	vdpa_del_from_bus(vdev);
	up_write(&vdpa_lock);
}
EXPORT_SYMBOL_GPL(vdpa_unregister_device);

/**
 * vdpa_get_config - read from the device-specific config space
 * @vdev: the device
 * @offset: where to start
 * @buf: where to put the bytes
 * @len: how many
 *
 * A read before any vdpa_set_features() means a legacy driver: features 0
 * are set first, as the virtio spec asks of such a driver.
 */
void vdpa_get_config(struct vdpa_device *vdev, unsigned int offset,
		     void *buf, unsigned int len)
{
	down_read(&vdev->cf_lock);
	if (!vdev->features_valid) {
		up_read(&vdev->cf_lock);
		down_write(&vdev->cf_lock);
		if (!vdev->features_valid)
			vdpa_set_features_unlocked(vdev, 0);
		downgrade_write(&vdev->cf_lock);
	}
	vdev->config->get_config(vdev, offset, buf, len);
	up_read(&vdev->cf_lock);
}
EXPORT_SYMBOL_GPL(vdpa_get_config);

/**
 * vdpa_set_config - write to the device-specific config space
 * @vdev: the device
 * @offset: where to start
 * @buf: the bytes
 * @length: how many
 */
void vdpa_set_config(struct vdpa_device *vdev, unsigned int offset,
		     const void *buf, unsigned int length)
{
	const struct vdpa_config_ops *ops = vdev->config;

	down_write(&vdev->cf_lock);
	ops->set_config(vdev, offset, buf, length);
	up_write(&vdev->cf_lock);
}
EXPORT_SYMBOL_GPL(vdpa_set_config);

/**
 * vdpa_set_status - write the virtio device status
 * @vdev: the device
 * @status: VIRTIO_CONFIG_S_* bits
 */
void vdpa_set_status(struct vdpa_device *vdev, u8 status)
{
	const struct vdpa_config_ops *ops = vdev->config;

	down_write(&vdev->cf_lock);
	ops->set_status(vdev, status);
	up_write(&vdev->cf_lock);
}
EXPORT_SYMBOL(vdpa_set_status);

void vdpa_device_exit(void)
{
	ida_destroy(&vdpa_indexes);
}
