// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - vduse.ko: the class "vduse", the character devices
 * /dev/vduse/control (minor 0) and /dev/vduse/$NAME (minors 1..), the
 * interrupt workqueues and the vDPA management device.
 */
#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <compat/device.h>
#include <compat/workqueue.h>

#include "domain.h"
#include "vduse.h"

extern const struct file_operations vduse_ctl_fops;

dev_t vduse_devt;
struct workqueue_struct *vduse_irq_wq;
struct workqueue_struct *vduse_irq_bound_wq;
static struct cdev vduse_ctl_cdev;
static struct cdev vduse_dev_cdev;

static char *vduse_devnode(VDK_DEVNODE_DEV *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vduse/%s", dev_name(dev));
}

VDK_CLASS_CONST struct class vduse_class = {
	.name = "vduse",
	.devnode = vduse_devnode,
};

static int vduse_cdevs_add(void)
{
	int ret;

	cdev_init(&vduse_ctl_cdev, &vduse_ctl_fops);
	cdev_init(&vduse_dev_cdev, &vduse_dev_fops);
	vduse_ctl_cdev.owner = THIS_MODULE;
	vduse_dev_cdev.owner = THIS_MODULE;
	ret = cdev_add(&vduse_ctl_cdev, vduse_devt, 1);
	if (ret)
		return ret;
	ret = cdev_add(&vduse_dev_cdev, vduse_devt + 1, VDUSE_MINORS - 1);
	if (ret)
		cdev_del(&vduse_ctl_cdev);
	return ret;
}

static void vduse_cdevs_del(void)
{
	cdev_del(&vduse_dev_cdev);
	cdev_del(&vduse_ctl_cdev);
}

static void vduse_wqs_destroy(void)
{
	if (vduse_irq_bound_wq)
		destroy_workqueue(vduse_irq_bound_wq);
	if (vduse_irq_wq)
		destroy_workqueue(vduse_irq_wq);
}

static int vduse_wqs_create(void)
{
	/* unbound: "any CPU"; bound: the CPU irq_cb_affinity picked */
	vduse_irq_wq = alloc_workqueue("vduse-irq",
				       WQ_HIGHPRI | WQ_SYSFS | WQ_UNBOUND, 0);
	vduse_irq_bound_wq = alloc_workqueue("vduse-irq-bound",
					     WQ_HIGHPRI | WQ_PERCPU, 0);
	if (vduse_irq_wq && vduse_irq_bound_wq)
		return 0;
	vduse_wqs_destroy();
	return -ENOMEM;
}

static int __init vduse_init(void)
{
	struct device *ctl;
	int ret;

	ret = vduse_domain_module_init();
	if (ret)
		return ret;
	ret = vduse_wqs_create();
	if (ret)
		goto err_domain;
	ret = class_register(&vduse_class);
	if (ret)
		goto err_wqs;
	ret = alloc_chrdev_region(&vduse_devt, 0, VDUSE_MINORS, "vduse");
	if (ret)
		goto err_class;
	ret = vduse_cdevs_add();
	if (ret)
		goto err_region;
	ctl = device_create(&vduse_class, NULL, vduse_devt, NULL, "control");
	if (IS_ERR(ctl)) {
		ret = PTR_ERR(ctl);
		goto err_cdevs;
	}
	ret = vduse_vdpa_mgmt_init();
	if (!ret)
		return 0;

	device_destroy(&vduse_class, vduse_devt);
err_cdevs:
	vduse_cdevs_del();
err_region:
	unregister_chrdev_region(vduse_devt, VDUSE_MINORS);
err_class:
	class_unregister(&vduse_class);
err_wqs:
	vduse_wqs_destroy();
err_domain:
	vduse_domain_module_exit();
	return ret;
}

static void __exit vduse_exit(void)
{
	vduse_vdpa_mgmt_exit();
	device_destroy(&vduse_class, vduse_devt);
	/* no file is open (they pin the module), so nothing is attached */
	vduse_dev_destroy_all();
	vduse_cdevs_del();
	unregister_chrdev_region(vduse_devt, VDUSE_MINORS);
	class_unregister(&vduse_class);
	vduse_wqs_destroy();
	vduse_domain_module_exit();
}

module_init(vduse_init);
module_exit(vduse_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(VDK_VERSION);
MODULE_DESCRIPTION("vDPA Device in Userspace (vduse-dkms)");
