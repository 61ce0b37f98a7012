// SPDX-License-Identifier: GPL-2.0
/*
 * Management devices: the parents that create and delete vDPA devices on
 * request ("vdpa dev add/del"). They are known by a handle, an optional
 * bus name plus a device name ("pci/0000:01:00.2", "vduse").
 */
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/string.h>

#include "internal.h"

DECLARE_RWSEM(vdpa_lock);

/* every registered vdpa_mgmt_dev, by ->list, under vdpa_lock */
static LIST_HEAD(vdpa_mgmt_devs);

static const char *vdpa_mgmt_bus(const struct vdpa_mgmt_dev *mdev)
{
	return mdev->device->bus ? mdev->device->bus->name : NULL;
}

/*
 * A handle with a bus name names a device on that bus; one without names a
 * device on no bus at all.
 */
static bool vdpa_mgmt_has_handle(const struct vdpa_mgmt_dev *mdev,
				 const char *bus, const char *name)
{
	const char *own_bus = vdpa_mgmt_bus(mdev);

	if (!bus != !own_bus)
		return false;
	if (bus && strcmp(bus, own_bus))
		return false;
	return strcmp(name, dev_name(mdev->device)) == 0;
}

/**
 * vdpa_mgmt_find - look a management device up by its handle
 * @bus: the bus name, or NULL for a device on no bus
 * @name: the device name
 *
 * Caller holds vdpa_lock.
 *
 * Return: the management device, or NULL.
 */
struct vdpa_mgmt_dev *vdpa_mgmt_find(const char *bus, const char *name)
{
	struct vdpa_mgmt_dev *mdev;

	lockdep_assert_held(&vdpa_lock);
	list_for_each_entry(mdev, &vdpa_mgmt_devs, list)
		if (vdpa_mgmt_has_handle(mdev, bus, name))
			return mdev;
	return NULL;
}

/**
 * vdpa_mgmt_for_each - call @fn for each management device, in order
 * @fn: the callback; a nonzero return stops the walk
 * @arg: its argument
 *
 * Caller holds vdpa_lock.
 *
 * Return: the first nonzero return of @fn, or 0.
 */
int vdpa_mgmt_for_each(int (*fn)(struct vdpa_mgmt_dev *mdev, void *arg),
		       void *arg)
{
	struct vdpa_mgmt_dev *mdev;
	int ret;

	lockdep_assert_held(&vdpa_lock);
	list_for_each_entry(mdev, &vdpa_mgmt_devs, list) {
		ret = fn(mdev, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * vdpa_mgmt_classes - the virtio device classes a management device creates
 * @mdev: the management device
 * @nclasses: if not NULL, gets the number of classes
 *
 * Return: a mask with BIT_ULL(virtio device id) per class (ids above 63
 * cannot be reported and are left out).
 */
u64 vdpa_mgmt_classes(const struct vdpa_mgmt_dev *mdev,
		      unsigned int *nclasses)
{
	const struct virtio_device_id *id;
	unsigned int count = 0;
	u64 mask = 0;

	for (id = mdev->id_table; id->device; id++) {
		if (id->device >= 64)
			continue;
		mask |= BIT_ULL(id->device);
		count++;
	}
	if (nclasses)
		*nclasses = count;
	return mask;
}

/**
 * vdpa_mgmtdev_register - offer a management device to "vdpa dev add"
 * @mdev: with device, ops (dev_add and dev_del at least) and id_table set
 *
 * Return: 0, -EINVAL when something required is missing, -EEXIST when a
 * management device with the same handle is registered.
 */
int vdpa_mgmtdev_register(struct vdpa_mgmt_dev *mdev)
{
	const struct vdpa_mgmtdev_ops *ops = mdev->ops;
	int err = 0;

	if (!mdev->device || !mdev->id_table ||
	    !ops || !ops->dev_add || !ops->dev_del)
		return -EINVAL;

	down_write(&vdpa_lock);
	if (vdpa_mgmt_find(vdpa_mgmt_bus(mdev), dev_name(mdev->device)))
		err = -EEXIST;
	else
		list_add_tail(&mdev->list, &vdpa_mgmt_devs);
	up_write(&vdpa_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vdpa_mgmtdev_register);

static int vdpa_mgmt_delete_child(struct device *dev, void *mdev)
{
	struct vdpa_device *vdev = dev_to_vdpa(dev);

	/* the bus iterator holds a reference across the removal */
	if (vdev->mdev != mdev)
		return 0;
	vdev->mdev->ops->dev_del(vdev->mdev, vdev);
	return 0;
}

/**
 * vdpa_mgmtdev_unregister - withdraw a management device
 * @mdev: a registered management device
 *
 * The devices it created are deleted through its own dev_del() first, so
 * nothing on the bus refers to @mdev when this returns.
 */
void vdpa_mgmtdev_unregister(struct vdpa_mgmt_dev *mdev)
{
	down_write(&vdpa_lock);
	/* while it is still listed, nobody else can see it: we hold the lock */
	bus_for_each_dev(&vdpa_bus, NULL, mdev, vdpa_mgmt_delete_child);
	list_del_init(&mdev->list);
	up_write(&vdpa_lock);
}
EXPORT_SYMBOL_GPL(vdpa_mgmtdev_unregister);
