// SPDX-License-Identifier: GPL-2.0
/*
 * The "vdpa" bus type: which driver gets a device, binding and unbinding,
 * and the driver_override attribute of every vDPA device.
 *
 * Devices announce no modalias (as on the in-kernel bus): every vDPA driver
 * can drive every vDPA device, so the choice is made by driver_override,
 * by load order, or by binding through sysfs (drivers_autoprobe,
 * drivers_probe, bind and unbind come from the driver core).
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <compat/bus.h>

#include "internal.h"

static int vdpa_bus_match(struct device *dev, struct device_driver *drv)
{
	const char *wanted = dev_to_vdpa(dev)->driver_override;

	return !wanted || strcmp(wanted, drv->name) == 0;
}

static int vdpa_bus_probe(struct device *dev)
{
	struct vdpa_driver *vdrv = drv_to_vdpa(dev->driver);
	struct vdpa_device *vdev = dev_to_vdpa(dev);
	const struct vdpa_config_ops *ops = vdev->config;
	u16 smallest = 1;
	int err;

	if (ops->get_vq_num_min)
		smallest = ops->get_vq_num_min(vdev);
	if (ops->get_vq_num_max(vdev) < smallest) {
		dev_err(dev, "virtqueue size range is empty\n");
		return -EINVAL;
	}

	/*
	 * Drivers map buffers for the device itself (virtio_vdpa's fallback,
	 * vhost_vdpa); it reaches all of memory, its parent translates.
	 */
	dev->dma_mask = &dev->coherent_dma_mask;
	err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (err)
		return err;

	if (!vdrv->probe)
		return 0;
	return vdrv->probe(vdev);
}

static void vdpa_bus_remove(struct device *dev)
{
	struct vdpa_driver *vdrv = drv_to_vdpa(dev->driver);

	if (vdrv->remove)
		vdrv->remove(dev_to_vdpa(dev));
}

VDK_DECLARE_BUS_REMOVE(vdpa_bus_remove);

static ssize_t driver_override_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	ssize_t len;

	/* driver_set_override() swaps the string under the device lock */
	device_lock(dev);
	len = sysfs_emit(buf, "%s\n", dev_to_vdpa(dev)->driver_override);
	device_unlock(dev);
	return len;
}

static ssize_t driver_override_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	int err;

	/* a lone newline or an empty write clears the override */
	err = driver_set_override(dev, &dev_to_vdpa(dev)->driver_override,
				  buf, count);
	return err ? err : count;
}
static DEVICE_ATTR_RW(driver_override);

static struct attribute *vdpa_dev_attrs[] = {
	&dev_attr_driver_override.attr,
	NULL
};
ATTRIBUTE_GROUPS(vdpa_dev);

struct bus_type vdpa_bus = {
	.name		= "vdpa",
	.dev_groups	= vdpa_dev_groups,
	.match		= vdpa_bus_match,
	.probe		= vdpa_bus_probe,
	.remove		= VDK_BUS_REMOVE(vdpa_bus_remove),
};

/**
 * __vdpa_register_driver - add a driver to the vdpa bus
 * @drv: the driver; drv->driver.name must be set
 * @owner: module that holds @drv (vdpa_register_driver() passes THIS_MODULE)
 *
 * Return: 0, or the driver core's error.
 */
int __vdpa_register_driver(struct vdpa_driver *drv, struct module *owner)
{
	struct device_driver *core = &drv->driver;

	core->owner = owner;
	core->bus = &vdpa_bus;
	return driver_register(core);
}
EXPORT_SYMBOL_GPL(__vdpa_register_driver);

/**
 * vdpa_unregister_driver - remove a driver, unbinding it from its devices
 * @drv: a driver added by vdpa_register_driver()
 */
void vdpa_unregister_driver(struct vdpa_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(vdpa_unregister_driver);

int vdpa_bus_init(void)
{
	return bus_register(&vdpa_bus);
}

void vdpa_bus_exit(void)
{
	bus_unregister(&vdpa_bus);
}
