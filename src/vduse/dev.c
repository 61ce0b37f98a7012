// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - a VDUSE device: creation, destruction, reset, the daemon's
 * /dev/vduse/$NAME (one opener at a time) and its sysfs attributes.
 *
 * Lifetime: the device exists from VDUSE_CREATE_DEV to VDUSE_DESTROY_DEV.
 * Destruction is refused while the daemon has it open or a vDPA device is
 * attached, so neither the file nor the vDPA callbacks can see it freed.
 *
 * Ownership: the device belongs to the user who created it. Only that user
 * (same effective uid) or an administrator (CAP_SYS_ADMIN) may open
 * /dev/vduse/$NAME or destroy the device, whatever the node's permissions
 * say; devtmpfs creates the node owned by the creator, so an unprivileged
 * creator can open it at once, before udev runs.
 *
 * A daemon that goes away (fd closed, process killed) while a driver uses
 * the device gets msg_timeout seconds to reconnect. After that, or at once
 * when the vDPA device is deleted without a daemon, the device is fenced:
 * broken for good, every request fails, and block requests left in the
 * queues are completed with an I/O error so that nothing waits forever.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/virtio_blk.h>

#include <compat/device.h>
#include <compat/file.h>
#include <compat/workqueue.h>

#include "domain.h"
#include "vduse.h"

/* vduse_idr, device names, open against destroy */
DEFINE_MUTEX(vduse_idr_lock);
static DEFINE_IDR(vduse_idr);

struct vduse_dev *vduse_dev_find(const char *name)
{
	struct vduse_dev *dev;
	int id;

	lockdep_assert_held(&vduse_idr_lock);
	idr_for_each_entry(&vduse_idr, dev, id)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

bool vduse_dev_vqs_ready(struct vduse_dev *dev)
{
	u32 i;

	for (i = 0; i < dev->vq_num; i++)
		if (!dev->vqs[i]->num_max)
			return false;
	return true;
}

/* The bounce region of each address space: every domain has this size. */
unsigned long vduse_dev_as_bounce(const struct vduse_dev *dev)
{
	return max_t(unsigned long, VDUSE_DOMAIN_BOUNCE_MIN,
		     rounddown(READ_ONCE(dev->bounce_size) / dev->nas, PAGE_SIZE));
}

/* The domain of address space @asid, created on first use if @create. */
struct vduse_domain *vduse_dev_domain(struct vduse_dev *dev, u32 asid,
				      bool create)
{
	struct vduse_as *as = &dev->as[asid];

	lockdep_assert_held(&dev->domain_lock);
	if (!as->domain && create)
		as->domain = vduse_domain_create(vduse_dev_as_bounce(dev));
	return as->domain;
}

/* ------------------------------------------------------------------ */
/* Reset, fence, orphan                                               */
/* ------------------------------------------------------------------ */

void vduse_dev_reset(struct vduse_dev *dev)
{
	u32 i;

	mutex_lock(&dev->domain_lock);
	for (i = 0; i < dev->nas; i++)
		if (dev->as[i].domain)
			vduse_domain_reset_bounce(dev->as[i].domain);
	mutex_unlock(&dev->domain_lock);

	/* The fail work takes status_sem itself: not under the write lock. */
	for (i = 0; i < dev->vq_num; i++)
		cancel_work_sync(&dev->vqs[i]->fail_work);

	down_write(&dev->status_sem);
	dev->status = 0;
	dev->driver_features = 0;
	dev->generation++;
	spin_lock_bh(&dev->irq_lock);
	memset(&dev->config_cb, 0, sizeof(dev->config_cb));
	spin_unlock_bh(&dev->irq_lock);
	flush_work(&dev->config_irq_work);
	for (i = 0; i < dev->ngroups; i++) {
		write_lock(&dev->groups[i].lock);
		dev->groups[i].asid = 0;
		write_unlock(&dev->groups[i].lock);
	}
	for (i = 0; i < dev->vq_num; i++)
		vduse_vq_reset(dev->vqs[i]);
	up_write(&dev->status_sem);
}

/* Give up on the daemon for good; dev->lock held. */
void vduse_dev_fence(struct vduse_dev *dev, const char *why)
{
	u32 i;

	lockdep_assert_held(&dev->lock);
	if (dev->fenced)
		return;
	WRITE_ONCE(dev->fenced, true);
	vduse_msg_break(dev, why);
	for (i = 0; i < dev->vq_num; i++)
		vduse_vq_fail_inflight(dev->vqs[i]);
}

static void vduse_dev_orphan_work(struct work_struct *work)
{
	struct vduse_dev *dev = container_of(to_delayed_work(work),
					     struct vduse_dev, orphan_work);

	mutex_lock(&dev->lock);
	if (dev->detaching)
		vduse_dev_fence(dev, "daemon did not finish the requests in time");
	else if (!dev->connected && dev->vdpa)
		vduse_dev_fence(dev, "daemon gone and did not come back");
	mutex_unlock(&dev->lock);
}

void vduse_dev_schedule_orphan(struct vduse_dev *dev)
{
	mod_delayed_work(system_dfl_wq, &dev->orphan_work,
			 (unsigned long)READ_ONCE(dev->msg_timeout) * HZ);
}

/* ------------------------------------------------------------------ */
/* IOTLB lookups for the daemon                                       */
/* ------------------------------------------------------------------ */

struct vduse_lookup {
	u32 asid;
	u64 start;
	u64 last;
	u64 offset;
	u8 perm;
	u64 capability;
	struct file *file;
};

static int vduse_dev_lookup(struct vduse_dev *dev, struct vduse_lookup *l,
			    bool want_file)
{
	struct vduse_domain *domain;
	struct vduse_iotlb_map *map;
	int ret = -EINVAL;

	if (l->start > l->last || l->asid >= dev->nas)
		return -EINVAL;
	mutex_lock(&dev->domain_lock);
	domain = vduse_dev_domain(dev, array_index_nospec(l->asid, dev->nas),
				  false);
	if (!domain)
		goto out;
	spin_lock(&domain->iotlb.lock);
	map = vduse_iotlb_first(&domain->iotlb, l->start, l->last);
	if (map) {
		l->start = map->it.start;
		l->last = map->it.last;
		l->perm = map->perm;
		l->offset = map->offset;
		l->capability = 0;
		if (!map->file && map->it.start == 0 &&
		    map->it.last == domain->bounce_size - 1)
			l->capability |= VDUSE_IOVA_CAP_UMEM;
		if (want_file)
			l->file = get_file(map->file ? map->file : domain->file);
		ret = 0;
	}
	spin_unlock(&domain->iotlb.lock);
out:
	mutex_unlock(&dev->domain_lock);
	return ret;
}

static bool vduse_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/* ------------------------------------------------------------------ */
/* ioctls                                                             */
/* ------------------------------------------------------------------ */

static long vduse_ioctl_get_fd(struct vduse_dev *dev, unsigned int cmd,
			       void __user *argp)
{
	struct vduse_iotlb_entry_v2 e = {};
	struct vduse_lookup l = {};
	size_t size = _IOC_SIZE(cmd);
	long fd;

	if (cmd == VDUSE_IOTLB_GET_FD2 && !vduse_api_v1(dev))
		return -ENOIOCTLCMD;
	if (copy_from_user(&e, argp, size))
		return -EFAULT;
	if (!vduse_zero(e.reserved, sizeof(e.reserved)))
		return -EINVAL;
	l.asid = e.asid;
	l.start = e.start;
	l.last = e.last;
	fd = vduse_dev_lookup(dev, &l, true);
	if (fd)
		return fd;
	e.offset = l.offset;
	e.start = l.start;
	e.last = l.last;
	e.perm = l.perm;
	if (copy_to_user(argp, &e, size)) {
		fput(l.file);
		return -EFAULT;
	}
	fd = receive_fd(l.file, NULL, 0);
	fput(l.file);
	return fd;
}

/*
 * A write that covers the virtio-blk blk_size or size_max must leave valid
 * ones (vduse_blk_config_ok()): the config is checked as it would be after
 * the write, and nothing is written otherwise.
 */
static int vduse_set_config_locked(struct vduse_dev *dev, u32 offset,
				   const u8 *buf, u32 len)
{
	unsigned int lo = offsetof(struct virtio_blk_config, size_max);
	unsigned int hi = offsetof(struct virtio_blk_config, blk_size) + sizeof(u32);
	u8 after[sizeof(struct virtio_blk_config)];
	u32 n = min_t(u32, dev->config_size, sizeof(after));

	lockdep_assert_held(&dev->config_lock);
	if (offset < hi && offset + len > lo) {
		memcpy(after, dev->config, n);
		if (offset < n)
			memcpy(after + offset, buf, min(len, n - offset));
		if (!vduse_blk_config_ok(dev, after, n))
			return -EINVAL;
	}
	memcpy(dev->config + offset, buf, len);
	dev->generation++;
	return 0;
}

static long vduse_ioctl_set_config(struct vduse_dev *dev, void __user *argp)
{
	struct vduse_config_data hdr;
	void *buf;
	int ret;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (!hdr.length || hdr.offset > dev->config_size ||
	    hdr.length > dev->config_size - hdr.offset)
		return -EINVAL;
	buf = memdup_user(argp + sizeof(hdr), hdr.length);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	spin_lock(&dev->config_lock);
	ret = vduse_set_config_locked(dev, hdr.offset, buf, hdr.length);
	spin_unlock(&dev->config_lock);
	kfree(buf);
	return ret;
}

static long vduse_ioctl_vq_setup(struct vduse_dev *dev, void __user *argp)
{
	struct vduse_vq_config c;
	struct vduse_vq *vq;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if (c.index >= dev->vq_num || c.reserved1 ||
	    !vduse_zero(c.reserved2, sizeof(c.reserved2)) ||
	    c.max_size > VDUSE_VQ_SIZE_MAX)
		return -EINVAL;
	if (!vduse_api_v1(dev) && c.group)
		return -EINVAL;
	/* 0 leaves the queue not set up (vdpa dev add refuses the device) */
	if (c.max_size && c.max_size < VDUSE_BLK_VQ_SIZE_MIN &&
	    vduse_blk_direct(dev, dev->device_features))
		return -EINVAL;
	if (vduse_api_v1(dev) &&
	    (c.group >= dev->ngroups ||
	     (READ_ONCE(dev->status) & VIRTIO_CONFIG_S_DRIVER_OK)))
		return -EINVAL;
	vq = dev->vqs[array_index_nospec(c.index, dev->vq_num)];
	vq->num_max = c.max_size;
	vq->group = c.group;
	return 0;
}

static void vduse_vq_fill_info(struct vduse_dev *dev, struct vduse_vq *vq,
			       struct vduse_vq_info *info)
{
	const struct vdpa_vq_state *st = &vq->ring.state;

	info->num = vq->ring.num;
	info->desc_addr = vq->ring.desc;
	info->driver_addr = vq->ring.driver;
	info->device_addr = vq->ring.device;
	if (dev->driver_features & BIT_ULL(VIRTIO_F_RING_PACKED)) {
		info->packed.last_avail_counter = st->packed.last_avail_counter;
		info->packed.last_avail_idx = st->packed.last_avail_idx;
		info->packed.last_used_counter = st->packed.last_used_counter;
		info->packed.last_used_idx = st->packed.last_used_idx;
	} else {
		info->split.avail_index = st->split.avail_index;
	}
	info->ready = vq->ready;
}

/* @size: bytes of struct vduse_vq_info the caller's ABI has */
static long vduse_ioctl_vq_info(struct vduse_dev *dev, void __user *argp,
				size_t size)
{
	struct vduse_vq_info info = {};

	if (copy_from_user(&info, argp, size))
		return -EFAULT;
	if (info.index >= dev->vq_num)
		return -EINVAL;
	vduse_vq_fill_info(dev,
			   dev->vqs[array_index_nospec(info.index, dev->vq_num)],
			   &info);
	return copy_to_user(argp, &info, size) ? -EFAULT : 0;
}

static long vduse_ioctl_kickfd(struct vduse_dev *dev, void __user *argp)
{
	struct vduse_vq_eventfd e;

	if (copy_from_user(&e, argp, sizeof(e)))
		return -EFAULT;
	if (e.index >= dev->vq_num)
		return -EINVAL;
	return vduse_vq_set_kickfd(dev->vqs[array_index_nospec(e.index,
							      dev->vq_num)],
				   e.fd);
}

static long vduse_ioctl_vq_irq(struct vduse_dev *dev, void __user *argp)
{
	u32 index;

	if (get_user(index, (u32 __user *)argp))
		return -EFAULT;
	if (index >= dev->vq_num)
		return -EINVAL;
	return vduse_vq_inject_irq(dev->vqs[array_index_nospec(index,
							      dev->vq_num)]);
}

static long vduse_ioctl_umem(struct vduse_dev *dev, unsigned int cmd,
			     void __user *argp)
{
	struct vduse_iova_umem u;

	if (copy_from_user(&u, argp, sizeof(u)))
		return -EFAULT;
	if (!vduse_zero(u.reserved, sizeof(u.reserved)) || u.asid >= dev->nas)
		return -EINVAL;
	u.asid = array_index_nospec(u.asid, dev->nas);
	if (cmd == VDUSE_IOTLB_REG_UMEM)
		return vduse_umem_reg(dev, &u);
	return vduse_umem_dereg(dev, &u);
}

static long vduse_ioctl_iova_info(struct vduse_dev *dev, void __user *argp)
{
	struct vduse_iova_info info;
	struct vduse_lookup l = {};
	long ret;

	if (copy_from_user(&info, argp, sizeof(info)))
		return -EFAULT;
	if (!vduse_zero(info.reserved, sizeof(info.reserved)) ||
	    info.asid >= dev->nas)
		return -EINVAL;
	l.asid = info.asid;
	l.start = info.start;
	l.last = info.last;
	ret = vduse_dev_lookup(dev, &l, false);
	if (ret)
		return ret;
	info.start = l.start;
	info.last = l.last;
	info.capability = l.capability;
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

static long vduse_dev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct vduse_dev *dev = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	if (READ_ONCE(dev->broken))
		return -EPERM;

	switch (cmd) {
	case VDUSE_IOTLB_GET_FD:
	case VDUSE_IOTLB_GET_FD2:
		return vduse_ioctl_get_fd(dev, cmd, argp);
	case VDUSE_DEV_GET_FEATURES:
		return put_user(dev->driver_features, (u64 __user *)argp);
	case VDUSE_DEV_SET_CONFIG:
		return vduse_ioctl_set_config(dev, argp);
	case VDUSE_DEV_INJECT_CONFIG_IRQ:
		ret = vduse_vq_deliver_irq(dev, &dev->config_irq_work,
					   VDUSE_IRQ_ANY_CPU);
		if (!ret)
			vduse_stat_add(dev, VDUSE_STAT_CONFIG_IRQS, 1);
		return ret;
	case VDUSE_VQ_SETUP:
		return vduse_ioctl_vq_setup(dev, argp);
	case VDUSE_VQ_GET_INFO:
		return vduse_ioctl_vq_info(dev, argp,
					   sizeof(struct vduse_vq_info));
	case VDUSE_VQ_SETUP_KICKFD:
		return vduse_ioctl_kickfd(dev, argp);
	case VDUSE_VQ_INJECT_IRQ:
		return vduse_ioctl_vq_irq(dev, argp);
	case VDUSE_IOTLB_REG_UMEM:
	case VDUSE_IOTLB_DEREG_UMEM:
		return vduse_ioctl_umem(dev, cmd, argp);
	case VDUSE_IOTLB_GET_INFO:
		return vduse_ioctl_iova_info(dev, argp);
	default:
		return -ENOIOCTLCMD;
	}
}

#ifdef CONFIG_COMPAT
#ifdef CONFIG_COMPAT_FOR_U64_ALIGNMENT
/*
 * i386 aligns u64 to 4 bytes, so two structs lose their tail padding there:
 * the same leading members, a smaller size, so another ioctl number.
 */
#define VDUSE_COMPAT_SIZE(type, last) ALIGN(offsetofend(type, last), 4)
#define VDUSE_COMPAT_IOWR(nr, size) \
	_IOC(_IOC_READ | _IOC_WRITE, VDUSE_BASE, (nr), (size))
#define VDUSE_COMPAT_ENTRY_SIZE \
	VDUSE_COMPAT_SIZE(struct vduse_iotlb_entry, perm)
#define VDUSE_COMPAT_INFO_SIZE VDUSE_COMPAT_SIZE(struct vduse_vq_info, ready)
#define VDUSE_COMPAT_IOTLB_GET_FD VDUSE_COMPAT_IOWR(0x10, VDUSE_COMPAT_ENTRY_SIZE)
#define VDUSE_COMPAT_VQ_GET_INFO VDUSE_COMPAT_IOWR(0x15, VDUSE_COMPAT_INFO_SIZE)
#endif

static long vduse_dev_compat_ioctl(struct file *file, unsigned int cmd,
				   unsigned long arg)
{
#ifdef CONFIG_COMPAT_FOR_U64_ALIGNMENT
	struct vduse_dev *dev = file->private_data;
	void __user *argp = compat_ptr(arg);

	if (cmd == VDUSE_COMPAT_IOTLB_GET_FD || cmd == VDUSE_COMPAT_VQ_GET_INFO) {
		if (READ_ONCE(dev->broken))
			return -EPERM;
		if (cmd == VDUSE_COMPAT_VQ_GET_INFO)
			return vduse_ioctl_vq_info(dev, argp,
						   VDUSE_COMPAT_INFO_SIZE);
		/* same leading members: the v2 path with the compat size */
		return vduse_ioctl_get_fd(dev, cmd, argp);
	}
#endif
	return vduse_dev_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
}
#endif

/* ------------------------------------------------------------------ */
/* open/release                                                       */
/* ------------------------------------------------------------------ */

bool vduse_dev_may_use(const struct vduse_dev *dev)
{
	return uid_eq(current_euid(), dev->owner) || capable(CAP_SYS_ADMIN);
}

static int vduse_dev_open(struct inode *inode, struct file *file)
{
	struct vduse_dev *dev;
	int ret = 0;

	mutex_lock(&vduse_idr_lock);
	dev = idr_find(&vduse_idr, iminor(inode));
	if (!dev) {
		ret = -ENODEV;
		goto out;
	}
	if (!vduse_dev_may_use(dev)) {
		ret = -EPERM;
		goto out;
	}
	mutex_lock(&dev->lock);
	if (dev->connected) {
		ret = -EBUSY;
	} else {
		dev->connected = true;
		/* back in time: the orphan work finds it connected */
		cancel_delayed_work(&dev->orphan_work);
		file->private_data = dev;
	}
	mutex_unlock(&dev->lock);
out:
	mutex_unlock(&vduse_idr_lock);
	return ret;
}

static int vduse_dev_release(struct inode *inode, struct file *file)
{
	struct vduse_dev *dev = file->private_data;

	vduse_umem_dereg_all(dev);
	vduse_msg_requeue_sent(dev);
	mutex_lock(&dev->lock);
	dev->connected = false;
	if (dev->vdpa && !dev->fenced) {
		if (dev->detaching)
			vduse_dev_fence(dev, "daemon gone during vdpa dev del");
		else if (READ_ONCE(dev->status) & VIRTIO_CONFIG_S_DRIVER_OK)
			vduse_dev_schedule_orphan(dev);
	}
	mutex_unlock(&dev->lock);
	return 0;
}

const struct file_operations vduse_dev_fops = {
	.owner = THIS_MODULE,
	.open = vduse_dev_open,
	.release = vduse_dev_release,
	.read_iter = vduse_msg_read_iter,
	.write_iter = vduse_msg_write_iter,
	.poll = vduse_msg_poll,
	.unlocked_ioctl = vduse_dev_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = vduse_dev_compat_ioctl,
#endif
	.llseek = noop_llseek,
};

/* ------------------------------------------------------------------ */
/* sysfs: /sys/class/vduse/$NAME/{msg_timeout,bounce_size,stats/}     */
/* ------------------------------------------------------------------ */

static ssize_t bounce_size_show(struct device *d, struct device_attribute *a,
				char *buf)
{
	struct vduse_dev *dev = dev_get_drvdata(d);

	return sysfs_emit(buf, "%lu\n", READ_ONCE(dev->bounce_size));
}

static ssize_t bounce_size_store(struct device *d, struct device_attribute *a,
				 const char *buf, size_t count)
{
	struct vduse_dev *dev = dev_get_drvdata(d);
	unsigned long val;
	ssize_t ret;
	u32 i;

	ret = kstrtoul(buf, 10, &val);
	if (ret)
		return ret;
	if (val < VDUSE_BOUNCE_MIN || val > VDUSE_BOUNCE_MAX)
		return -EINVAL;
	mutex_lock(&dev->domain_lock);
	ret = count;
	for (i = 0; i < dev->nas; i++)
		if (dev->as[i].domain)
			ret = -EPERM;	/* fixed once a domain exists */
	if (ret > 0)
		WRITE_ONCE(dev->bounce_size, val & PAGE_MASK);
	mutex_unlock(&dev->domain_lock);
	return ret;
}
static DEVICE_ATTR_RW(bounce_size);

static ssize_t msg_timeout_show(struct device *d, struct device_attribute *a,
				char *buf)
{
	struct vduse_dev *dev = dev_get_drvdata(d);

	return sysfs_emit(buf, "%u\n", READ_ONCE(dev->msg_timeout));
}

static ssize_t msg_timeout_store(struct device *d, struct device_attribute *a,
				 const char *buf, size_t count)
{
	struct vduse_dev *dev = dev_get_drvdata(d);
	unsigned int val;
	int ret;

	ret = kstrtouint(buf, 10, &val);
	if (ret)
		return ret;
	/* 0 would mean "wait forever": a stuck daemon could hang the kernel. */
	if (!val || val > INT_MAX / HZ)
		return -EINVAL;
	WRITE_ONCE(dev->msg_timeout, val);
	return count;
}
static DEVICE_ATTR_RW(msg_timeout);

static struct attribute *vduse_dev_attrs[] = {
	&dev_attr_bounce_size.attr,
	&dev_attr_msg_timeout.attr,
	NULL,
};

static const struct attribute_group vduse_dev_group = {
	.attrs = vduse_dev_attrs,
};

/*
 * /sys/class/vduse/$NAME/stats/: one read-only counter per file, the sum
 * over the CPUs at the time of the read (struct vduse_stats).
 */
struct vduse_stat_attr {
	struct device_attribute attr;
	enum vduse_stat stat;
};

static ssize_t vduse_stat_show(struct device *d, struct device_attribute *a,
			       char *buf)
{
	struct vduse_dev *dev = dev_get_drvdata(d);
	enum vduse_stat s = container_of(a, struct vduse_stat_attr, attr)->stat;
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(dev->stats, cpu)->v[s]);
	return sysfs_emit(buf, "%llu\n", sum);
}

#define VDUSE_STAT_ATTR(_name, _stat)					\
	static struct vduse_stat_attr vduse_stat_attr_##_name = {	\
		.attr = __ATTR(_name, 0444, vduse_stat_show, NULL),	\
		.stat = _stat,						\
	}

VDUSE_STAT_ATTR(kicks, VDUSE_STAT_KICKS);
VDUSE_STAT_ATTR(irqs, VDUSE_STAT_IRQS);
VDUSE_STAT_ATTR(config_irqs, VDUSE_STAT_CONFIG_IRQS);
VDUSE_STAT_ATTR(bounce_to_dev_bytes, VDUSE_STAT_BOUNCE_TO_DEV);
VDUSE_STAT_ATTR(bounce_from_dev_bytes, VDUSE_STAT_BOUNCE_FROM_DEV);
VDUSE_STAT_ATTR(msgs, VDUSE_STAT_MSGS);
VDUSE_STAT_ATTR(msg_errors, VDUSE_STAT_MSG_ERRORS);
VDUSE_STAT_ATTR(msg_timeouts, VDUSE_STAT_MSG_TIMEOUTS);
VDUSE_STAT_ATTR(failed_reqs, VDUSE_STAT_FAILED_REQS);
VDUSE_STAT_ATTR(map_errors, VDUSE_STAT_MAP_ERRORS);

static struct attribute *vduse_stat_attrs[] = {
	&vduse_stat_attr_kicks.attr.attr,
	&vduse_stat_attr_irqs.attr.attr,
	&vduse_stat_attr_config_irqs.attr.attr,
	&vduse_stat_attr_bounce_to_dev_bytes.attr.attr,
	&vduse_stat_attr_bounce_from_dev_bytes.attr.attr,
	&vduse_stat_attr_msgs.attr.attr,
	&vduse_stat_attr_msg_errors.attr.attr,
	&vduse_stat_attr_msg_timeouts.attr.attr,
	&vduse_stat_attr_failed_reqs.attr.attr,
	&vduse_stat_attr_map_errors.attr.attr,
	NULL,
};

static const struct attribute_group vduse_stat_group = {
	.name = "stats",
	.attrs = vduse_stat_attrs,
};

const struct attribute_group *vduse_dev_groups[] = {
	&vduse_dev_group,
	&vduse_stat_group,
	NULL,
};

/* ------------------------------------------------------------------ */
/* Create and destroy; vduse_idr_lock held                            */
/* ------------------------------------------------------------------ */

static void vduse_dev_config_irq_work(struct work_struct *work)
{
	struct vduse_dev *dev = container_of(work, struct vduse_dev,
					     config_irq_work);

	spin_lock_bh(&dev->irq_lock);
	if (dev->config_cb.callback)
		dev->config_cb.callback(dev->config_cb.private);
	spin_unlock_bh(&dev->irq_lock);
}

static void vduse_dev_free(struct vduse_dev *dev)
{
	kfree(dev->groups);
	kfree(dev->as);
	kfree(dev->name);
	kvfree(dev->config);
	free_percpu(dev->stats);
	kfree(dev);
}

/*
 * /dev/vduse/$NAME: the node devtmpfs creates belongs to the device's
 * creator (mode 0600), and the uevent says so (DEVUID) for udev.
 */
static char *vduse_cdev_devnode(VDK_TYPE_DEVNODE_DEV *d, umode_t *mode,
				kuid_t *uid, kgid_t *gid)
{
	const struct vduse_dev *dev = dev_get_drvdata(d);

	if (uid && dev)
		*uid = dev->owner;
	return kasprintf(GFP_KERNEL, "vduse/%s", dev_name(d));
}

static const struct device_type vduse_cdev_type = {
	.devnode = vduse_cdev_devnode,
};

static void vduse_cdev_release(struct device *d)
{
	kfree(d);
}

/* device_create_with_groups(), with our device type set before the add */
static struct device *vduse_cdev_add(struct vduse_dev *dev)
{
	struct device *d = kzalloc(sizeof(*d), GFP_KERNEL);
	int ret;

	if (!d)
		return ERR_PTR(-ENOMEM);
	device_initialize(d);
	d->devt = MKDEV(MAJOR(vduse_devt), dev->minor);
	d->class = &vduse_class;
	d->type = &vduse_cdev_type;
	d->groups = vduse_dev_groups;
	d->release = vduse_cdev_release;
	dev_set_drvdata(d, dev);
	ret = dev_set_name(d, "%s", dev->name);
	if (!ret)
		ret = device_add(d);
	if (ret) {
		put_device(d);
		return ERR_PTR(ret);
	}
	return d;
}

int vduse_dev_create(const struct vduse_dev_config *cfg, void *config,
		     u64 api_version)
{
	struct vduse_dev *dev;
	u32 i;
	int ret;

	lockdep_assert_held(&vduse_idr_lock);
	if (vduse_dev_find(cfg->name))
		return -EEXIST;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->owner = current_euid();
	dev->api_version = api_version;
	dev->device_id = cfg->device_id;
	dev->vendor_id = cfg->vendor_id;
	dev->device_features = cfg->features;
	dev->vq_num = cfg->vq_num;
	dev->vq_align = cfg->vq_align;
	dev->ngroups = vduse_api_v1(dev) ? cfg->ngroups : 1;
	dev->nas = vduse_api_v1(dev) ? cfg->nas : 1;
	dev->config_size = cfg->config_size;
	dev->bounce_size = VDUSE_BOUNCE_DEFAULT;
	mutex_init(&dev->lock);
	mutex_init(&dev->domain_lock);
	init_rwsem(&dev->status_sem);
	spin_lock_init(&dev->config_lock);
	spin_lock_init(&dev->irq_lock);
	INIT_WORK(&dev->config_irq_work, vduse_dev_config_irq_work);
	INIT_DELAYED_WORK(&dev->orphan_work, vduse_dev_orphan_work);
	vduse_msg_init(dev);

	ret = -ENOMEM;
	dev->name = kstrdup(cfg->name, GFP_KERNEL);
	dev->as = kcalloc(dev->nas, sizeof(*dev->as), GFP_KERNEL);
	dev->groups = kcalloc(dev->ngroups, sizeof(*dev->groups), GFP_KERNEL);
	dev->stats = alloc_percpu(struct vduse_stats);
	if (!dev->name || !dev->as || !dev->groups || !dev->stats)
		goto err_free;
	for (i = 0; i < dev->ngroups; i++) {
		rwlock_init(&dev->groups[i].lock);
		dev->groups[i].dev = dev;
	}

	ret = idr_alloc(&vduse_idr, dev, 1, VDUSE_MINORS, GFP_KERNEL);
	if (ret < 0)
		goto err_free;
	dev->minor = ret;
	dev->config = config;

	dev->cdev = vduse_cdev_add(dev);
	if (IS_ERR(dev->cdev)) {
		ret = PTR_ERR(dev->cdev);
		goto err_idr;
	}
	ret = vduse_vq_init_all(dev);
	if (ret)
		goto err_device;
	return 0;

err_device:
	device_destroy(&vduse_class, MKDEV(MAJOR(vduse_devt), dev->minor));
err_idr:
	idr_remove(&vduse_idr, dev->minor);
	dev->config = NULL;	/* the caller frees it on failure */
err_free:
	vduse_dev_free(dev);
	return ret;
}

static void vduse_dev_teardown(struct vduse_dev *dev)
{
	u32 i;

	cancel_delayed_work_sync(&dev->orphan_work);
	for (i = 0; i < dev->vq_num; i++)
		vduse_vq_reset(dev->vqs[i]);
	cancel_work_sync(&dev->config_irq_work);
	vduse_vq_put_all(dev);
	device_destroy(&vduse_class, MKDEV(MAJOR(vduse_devt), dev->minor));
	idr_remove(&vduse_idr, dev->minor);
	for (i = 0; i < dev->nas; i++)
		if (dev->as[i].domain)
			vduse_domain_put(dev->as[i].domain);
	vduse_dev_free(dev);
}

int vduse_dev_destroy(struct vduse_dev *dev)
{
	lockdep_assert_held(&vduse_idr_lock);
	mutex_lock(&dev->lock);
	if (dev->connected || dev->vdpa || dev->detaching) {
		mutex_unlock(&dev->lock);
		return -EBUSY;
	}
	mutex_unlock(&dev->lock);
	vduse_dev_teardown(dev);
	return 0;
}

/*
 * Module exit: the files are closed (they pin the module) and no vDPA
 * device is left (the management device is gone).
 */
void vduse_dev_destroy_all(void)
{
	struct vduse_dev *dev;
	int id;

	mutex_lock(&vduse_idr_lock);
	idr_for_each_entry(&vduse_idr, dev, id)
		vduse_dev_teardown(dev);
	idr_destroy(&vduse_idr);
	mutex_unlock(&vduse_idr_lock);
}
