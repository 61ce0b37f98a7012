// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - /dev/vduse/control: API version, VDUSE_CREATE_DEV and
 * VDUSE_DESTROY_DEV, with the validation of everything the caller asks for.
 *
 * The API version belongs to the open file. A caller that never set or
 * asked for one creates version 0 devices (the original API); one that asks
 * (VDUSE_GET_API_VERSION) is told 1 and gets version 1 from then on.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "vduse.h"

#define VDUSE_API_UNSET	U64_MAX

struct vduse_ctl {
	u64 api_version;
};

static int vduse_ctl_check_name(const char *name)
{
	size_t len = strnlen(name, VDUSE_NAME_MAX);
	size_t i;

	/* Must be a name a device node, sysfs and "vdpa dev add" can carry. */
	if (!len || len == VDUSE_NAME_MAX)
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c == '/' || c < 0x20 || c == 0x7f)
			return -EINVAL;
	}
	/* /dev/vduse/control is taken */
	if (!strcmp(name, "control"))
		return -EEXIST;
	return 0;
}

static bool vduse_ctl_device_allowed(u32 device_id)
{
	return device_id == VIRTIO_ID_BLOCK || device_id == VIRTIO_ID_NET ||
	       device_id == VIRTIO_ID_FS;
}

static bool vduse_ctl_features_ok(const struct vduse_dev_config *cfg)
{
	u64 f = cfg->features;

	/* All DMA goes through our domain: the driver must use it. */
	if (!(f & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)))
		return false;
	switch (cfg->device_id) {
	case VIRTIO_ID_BLOCK:
		/* the driver would write the config space, which is read-only */
		return !(f & BIT_ULL(VIRTIO_BLK_F_CONFIG_WCE));
	case VIRTIO_ID_NET:
		/* a control queue lets the daemon stall the driver forever */
		return (f & BIT_ULL(VIRTIO_F_VERSION_1)) &&
		       !(f & BIT_ULL(VIRTIO_NET_F_CTRL_VQ));
	default:
		return true;
	}
}

static int vduse_ctl_check_config(const struct vduse_dev_config *cfg,
				  u64 api_version)
{
	int ret = vduse_ctl_check_name(cfg->name);

	if (ret)
		return ret;
	if (memchr_inv(cfg->reserved, 0, sizeof(cfg->reserved)))
		return -EINVAL;
	if (api_version < VDUSE_API_VERSION_1) {
		if (cfg->ngroups || cfg->nas)
			return -EINVAL;
	} else if (!cfg->ngroups || cfg->ngroups > VDUSE_MAX_GROUPS ||
		   !cfg->nas || cfg->nas > VDUSE_MAX_AS) {
		return -EINVAL;
	}
	if (!cfg->vq_num || cfg->vq_num > VDUSE_MAX_VQS)
		return -EINVAL;
	if (!is_power_of_2(cfg->vq_align) ||
	    cfg->vq_align < VRING_USED_ALIGN_SIZE || cfg->vq_align > PAGE_SIZE)
		return -EINVAL;
	if (cfg->config_size > PAGE_SIZE)
		return -EINVAL;
	if (!vduse_ctl_device_allowed(cfg->device_id))
		return -EINVAL;
	if (!vduse_ctl_features_ok(cfg))
		return -EINVAL;
	if (cfg->device_id == VIRTIO_ID_NET && !capable(CAP_NET_ADMIN))
		return -EPERM;
	return 0;
}

static long vduse_ctl_create(struct vduse_ctl *ctl, void __user *argp)
{
	struct vduse_dev_config cfg;
	void *config;
	long ret;

	if (copy_from_user(&cfg, argp, sizeof(cfg)))
		return -EFAULT;
	if (ctl->api_version == VDUSE_API_UNSET)
		ctl->api_version = VDUSE_API_VERSION;
	ret = vduse_ctl_check_config(&cfg, ctl->api_version);
	if (ret)
		return ret;
	config = vmemdup_user(argp + sizeof(cfg), cfg.config_size);
	if (IS_ERR(config))
		return PTR_ERR(config);

	mutex_lock(&vduse_idr_lock);
	ret = vduse_dev_create(&cfg, config, ctl->api_version);
	mutex_unlock(&vduse_idr_lock);
	if (ret)
		kvfree(config);
	return ret;
}

static long vduse_ctl_destroy(void __user *argp)
{
	char name[VDUSE_NAME_MAX];
	struct vduse_dev *dev;
	long ret;

	if (copy_from_user(name, argp, sizeof(name)))
		return -EFAULT;
	if (strnlen(name, sizeof(name)) == sizeof(name))
		return -EINVAL;
	ret = -EINVAL;
	mutex_lock(&vduse_idr_lock);
	dev = vduse_dev_find(name);
	if (dev)
		ret = vduse_dev_may_use(dev) ? vduse_dev_destroy(dev) : -EPERM;
	mutex_unlock(&vduse_idr_lock);
	return ret;
}

static int vduse_ctl_open(struct inode *inode, struct file *file)
{
	struct vduse_ctl *ctl = kzalloc(sizeof(*ctl), GFP_KERNEL);

	if (!ctl)
		return -ENOMEM;
	ctl->api_version = VDUSE_API_UNSET;
	file->private_data = ctl;
	return 0;
}

static int vduse_ctl_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static long vduse_ctl_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct vduse_ctl *ctl = file->private_data;
	void __user *argp = (void __user *)arg;
	u64 version;

	switch (cmd) {
	case VDUSE_GET_API_VERSION:
		if (ctl->api_version == VDUSE_API_UNSET)
			ctl->api_version = VDUSE_API_VERSION_1;
		return put_user(ctl->api_version, (u64 __user *)argp);
	case VDUSE_SET_API_VERSION:
		if (get_user(version, (u64 __user *)argp))
			return -EFAULT;
		if (version > VDUSE_API_VERSION_1)
			return -EINVAL;
		ctl->api_version = version;
		return 0;
	case VDUSE_CREATE_DEV:
		return vduse_ctl_create(ctl, argp);
	case VDUSE_DESTROY_DEV:
		return vduse_ctl_destroy(argp);
	default:
		return -ENOTTY;
	}
}

const struct file_operations vduse_ctl_fops = {
	.owner = THIS_MODULE,
	.open = vduse_ctl_open,
	.release = vduse_ctl_release,
	.unlocked_ioctl = vduse_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};
