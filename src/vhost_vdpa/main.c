// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - vhost_vdpa.ko: the vDPA bus driver that gives userspace (QEMU's
 * vhost-vdpa backend, libblkio) a device as /dev/vhost-vdpa-N; module
 * init/exit, probe/remove, open/release and the doorbell mmap.
 *
 * Written for our own vDPA bus (5.10, 6.1); kernels with a bus of their own
 * use their in-tree vhost_vdpa.ko.
 */
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <compat/mm.h>

#include "vhost_vdpa.h"

#define VHOST_VDPA_MINORS	BIT(MINORBITS)

static dev_t vhost_vdpa_devt;
static DEFINE_IDA(vhost_vdpa_ida);

/* ------------------------------------------------------------------ */
/* Open and release                                                   */
/* ------------------------------------------------------------------ */

static void vhost_vdpa_init_range(struct vhost_vdpa *v)
{
	const struct vdpa_config_ops *ops = v->vdpa->config;

	if (ops->get_iova_range) {
		v->range = ops->get_iova_range(v->vdpa);
	} else {
		v->range.first = 0;
		v->range.last = U64_MAX;
	}
}

static int vhost_vdpa_open(struct inode *inode, struct file *file)
{
	struct vhost_vdpa *v = container_of(inode->i_cdev, struct vhost_vdpa,
					    cdev);
	int ret;

	/* One user at a time: the device has one set of virtqueues. */
	if (atomic_cmpxchg(&v->opened, 0, 1))
		return -EBUSY;

	mutex_lock(&v->lock);
	ret = vhost_vdpa_reset(v);
	if (!ret) {
		vhost_vdpa_init_range(v);
		file->private_data = v;
	}
	mutex_unlock(&v->lock);
	if (ret) {
		atomic_set(&v->opened, 0);
		complete(&v->closed);
	}
	return ret;
}

static int vhost_vdpa_release(struct inode *inode, struct file *file)
{
	struct vhost_vdpa *v = file->private_data;
	const struct vdpa_config_ops *ops = v->vdpa->config;
	struct eventfd_ctx *ctx;
	struct vdpa_callback cb = {};

	mutex_lock(&v->lock);
	/* Stop the device first: after the reset it touches no memory. */
	vhost_vdpa_reset(v);
	vhost_vdpa_vqs_release(v);
	ops->set_config_cb(v->vdpa, &cb);
	spin_lock_irq(&v->config_lock);
	ctx = v->config_ctx;
	v->config_ctx = NULL;
	spin_unlock_irq(&v->config_lock);
	if (ctx)
		eventfd_ctx_put(ctx);
	vhost_vdpa_unmap_all(v);
	if (v->owner) {
		mmdrop(v->owner);
		v->owner = NULL;
	}
	v->backend_features = 0;
	mutex_unlock(&v->lock);

	atomic_set(&v->opened, 0);
	complete(&v->closed);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Doorbells: one page per virtqueue, at offset index * PAGE_SIZE      */
/* ------------------------------------------------------------------ */

static int vhost_vdpa_notification(struct vhost_vdpa *v, unsigned long index,
				   struct vdpa_notification_area *area)
{
	if (index >= v->nvqs)
		return -EINVAL;
	index = array_index_nospec(index, v->nvqs);
	*area = v->vdpa->config->get_vq_notification(v->vdpa, index);
	return 0;
}

static vm_fault_t vhost_vdpa_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vhost_vdpa *v = vma->vm_private_data;
	struct vdpa_notification_area area;

	if (vhost_vdpa_notification(v, vma->vm_pgoff, &area))
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vma, vmf->address & PAGE_MASK,
			      PHYS_PFN(area.addr));
}

static const struct vm_operations_struct vhost_vdpa_vm_ops = {
	.fault = vhost_vdpa_fault,
};

static int vhost_vdpa_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vhost_vdpa *v = file->private_data;
	struct vdpa_notification_area area;

	/* A doorbell is one page, shared, write-only. */
	if (vma->vm_end - vma->vm_start != PAGE_SIZE ||
	    !(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_READ))
		return -EINVAL;
	if (!v->vdpa->config->get_vq_notification)
		return -EOPNOTSUPP;
	if (vhost_vdpa_notification(v, vma->vm_pgoff, &area))
		return -EINVAL;
	/* Only a doorbell alone on its page can be given to userspace. */
	if (!PAGE_ALIGNED(area.addr))
		return -EINVAL;
	if (area.size != PAGE_SIZE)
		return -EOPNOTSUPP;

	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = v;
	vma->vm_ops = &vhost_vdpa_vm_ops;
	return 0;
}

static const struct file_operations vhost_vdpa_fops = {
	.owner = THIS_MODULE,
	.open = vhost_vdpa_open,
	.release = vhost_vdpa_release,
	.write_iter = vhost_vdpa_write_iter,
	.unlocked_ioctl = vhost_vdpa_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vhost_vdpa_mmap,
	.llseek = noop_llseek,
};

/* ------------------------------------------------------------------ */
/* Binding                                                            */
/* ------------------------------------------------------------------ */

static void vhost_vdpa_dev_release(struct device *dev)
{
	struct vhost_vdpa *v = container_of(dev, struct vhost_vdpa, dev);

	ida_free(&vhost_vdpa_ida, v->minor);
	kfree(v->as);
	kfree(v->vqs);
	kfree(v);
}

/*
 * Mappings reach the parent through dma_map()/dma_unmap() with the file
 * behind each user address; see docs/vhost_vdpa.md.
 */
static bool vhost_vdpa_parent_ok(const struct vdpa_device *vdpa)
{
	return vdpa->use_va && vdpa->config->dma_map &&
	       vdpa->config->dma_unmap;
}

static int vhost_vdpa_probe(struct vdpa_device *vdpa)
{
	struct vhost_vdpa *v;
	int ret;
	u32 i;

	if (!vhost_vdpa_parent_ok(vdpa)) {
		dev_info(&vdpa->dev,
			 "vhost_vdpa: only parents with user-address dma_map/dma_unmap are supported\n");
		return -EOPNOTSUPP;
	}
	if (!vdpa->nvqs || !vdpa->nas)
		return -EINVAL;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	ret = ida_alloc_max(&vhost_vdpa_ida, VHOST_VDPA_MINORS - 1, GFP_KERNEL);
	if (ret < 0) {
		kfree(v);
		return ret;
	}
	v->minor = ret;
	v->vdpa = vdpa;
	v->nvqs = vdpa->nvqs;
	atomic_set(&v->opened, 0);
	init_completion(&v->closed);
	mutex_init(&v->lock);
	spin_lock_init(&v->config_lock);

	device_initialize(&v->dev);
	v->dev.release = vhost_vdpa_dev_release;
	v->dev.parent = &vdpa->dev;
	v->dev.devt = MKDEV(MAJOR(vhost_vdpa_devt), v->minor);

	ret = -ENOMEM;
	v->vqs = kcalloc(v->nvqs, sizeof(*v->vqs), GFP_KERNEL);
	v->as = kcalloc(vdpa->nas, sizeof(*v->as), GFP_KERNEL);
	if (!v->vqs || !v->as)
		goto err;
	for (i = 0; i < v->nvqs; i++) {
		v->vqs[i].v = v;
		v->vqs[i].index = i;
		spin_lock_init(&v->vqs[i].call_lock);
	}
	for (i = 0; i < vdpa->nas; i++)
		v->as[i].maps = RB_ROOT_CACHED;

	ret = dev_set_name(&v->dev, "vhost-vdpa-%d", v->minor);
	if (ret)
		goto err;
	cdev_init(&v->cdev, &vhost_vdpa_fops);
	v->cdev.owner = THIS_MODULE;
	vdpa_set_drvdata(vdpa, v);
	ret = cdev_device_add(&v->cdev, &v->dev);
	if (ret)
		goto err;
	return 0;

err:
	vdpa_set_drvdata(vdpa, NULL);
	put_device(&v->dev);
	return ret;
}

static void vhost_vdpa_remove(struct vdpa_device *vdpa)
{
	struct vhost_vdpa *v = vdpa_get_drvdata(vdpa);

	/* No new opens; then wait until the open file, if any, is closed. */
	cdev_device_del(&v->cdev, &v->dev);
	while (atomic_cmpxchg(&v->opened, 0, 1))
		wait_for_completion(&v->closed);
	vdpa_set_drvdata(vdpa, NULL);
	put_device(&v->dev);
}

static struct vdpa_driver vhost_vdpa_driver = {
	.probe = vhost_vdpa_probe,
	.remove = vhost_vdpa_remove,
	.driver.name = "vhost_vdpa",
};

static int __init vhost_vdpa_init(void)
{
	int ret = alloc_chrdev_region(&vhost_vdpa_devt, 0, VHOST_VDPA_MINORS,
				      "vhost-vdpa");

	if (!ret) {
		ret = vdpa_register_driver(&vhost_vdpa_driver);
		if (ret)
			unregister_chrdev_region(vhost_vdpa_devt,
						 VHOST_VDPA_MINORS);
	}
	return ret;
}

static void __exit vhost_vdpa_exit(void)
{
	vdpa_unregister_driver(&vhost_vdpa_driver);
	unregister_chrdev_region(vhost_vdpa_devt, VHOST_VDPA_MINORS);
}

module_init(vhost_vdpa_init);
module_exit(vhost_vdpa_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(VDK_VERSION);
MODULE_DESCRIPTION("vhost-vdpa: vDPA devices as vhost devices (vduse-dkms)");
