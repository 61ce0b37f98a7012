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

static int __init vduse_init(void)
{
	struct device *ctl;
	int ret;

	ret = class_register(&vduse_class);
	if (ret)
		return ret;
	ret = alloc_chrdev_region(&vduse_devt, 0, VDUSE_MINORS, "vduse");
	if (ret)
		goto err_class;

	cdev_init(&vduse_ctl_cdev, &vduse_ctl_fops);
	vduse_ctl_cdev.owner = THIS_MODULE;
	ret = cdev_add(&vduse_ctl_cdev, vduse_devt, 1);
	if (ret)
		goto err_region;
	cdev_init(&vduse_dev_cdev, &vduse_dev_fops);
	vduse_dev_cdev.owner = THIS_MODULE;
	ret = cdev_add(&vduse_dev_cdev, MKDEV(MAJOR(vduse_devt), 1),
		       VDUSE_MINORS - 1);
	if (ret)
		goto err_ctl_cdev;

	ret = -ENOMEM;
	vduse_irq_wq = alloc_workqueue("vduse-irq",
				       WQ_HIGHPRI | WQ_SYSFS | WQ_UNBOUND, 0);
	if (!vduse_irq_wq)
		goto err_dev_cdev;
	vduse_irq_bound_wq = alloc_workqueue("vduse-irq-bound",
					     WQ_HIGHPRI | WQ_PERCPU, 0);
	if (!vduse_irq_bound_wq)
		goto err_wq;

	ret = vduse_domain_module_init();
	if (ret)
		goto err_bound_wq;

	ctl = device_create(&vduse_class, NULL, vduse_devt, NULL, "control");
	if (IS_ERR(ctl)) {
		ret = PTR_ERR(ctl);
		goto err_domain;
	}
	ret = vduse_vdpa_mgmt_init();
	if (ret)
		goto err_ctl;
	return 0;

err_ctl:
	device_destroy(&vduse_class, vduse_devt);
err_domain:
	vduse_domain_module_exit();
err_bound_wq:
	destroy_workqueue(vduse_irq_bound_wq);
err_wq:
	destroy_workqueue(vduse_irq_wq);
err_dev_cdev:
	cdev_del(&vduse_dev_cdev);
err_ctl_cdev:
	cdev_del(&vduse_ctl_cdev);
err_region:
	unregister_chrdev_region(vduse_devt, VDUSE_MINORS);
err_class:
	class_unregister(&vduse_class);
	return ret;
}

static void __exit vduse_exit(void)
{
	vduse_vdpa_mgmt_exit();
	device_destroy(&vduse_class, vduse_devt);
	/* no file is open (they pin the module), so nothing is attached */
	vduse_dev_destroy_all();
	vduse_domain_module_exit();
	destroy_workqueue(vduse_irq_bound_wq);
	destroy_workqueue(vduse_irq_wq);
	cdev_del(&vduse_dev_cdev);
	cdev_del(&vduse_ctl_cdev);
	unregister_chrdev_region(vduse_devt, VDUSE_MINORS);
	class_unregister(&vduse_class);
}

module_init(vduse_init);
module_exit(vduse_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vDPA Device in Userspace (vduse-dkms)");
