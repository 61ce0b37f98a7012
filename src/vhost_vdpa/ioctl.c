// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl.c - the vhost and vhost-vdpa ioctls of /dev/vhost-vdpa-N
 *
 * Checks and errnos follow the in-tree driver of the newest kernels, so
 * that userspace sees one behaviour on every kernel: device-wide vhost-vdpa
 * ioctls work for any holder of the file; ownership (VHOST_SET_OWNER) is
 * needed for the vhost core ioctls, the per-virtqueue ioctls and IOTLB
 * messages, and a virtqueue index out of range is ENOBUFS.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/virtio_config.h>
#include <linux/vmalloc.h>

#include <compat/eventfd.h>

#include "vhost_vdpa.h"

/* vhost's own limit on VHOST_SET_MEM_TABLE regions */
#define VHOST_VDPA_MEM_REGIONS	64

int vhost_vdpa_reset(struct vhost_vdpa *v)
{
	bool persist = v->backend_features &
		       BIT_ULL(VHOST_BACKEND_F_IOTLB_PERSIST);

	v->in_batch = false;
	v->driver_features = 0;
	return vdpa_reset(v->vdpa, persist ? 0 : VDPA_RESET_F_CLEAN_MAP);
}

static bool vhost_vdpa_is_owner(struct vhost_vdpa *v)
{
	return v->owner && v->owner == current->mm;
}

/* ------------------------------------------------------------------ */
/* Callbacks from the parent                                          */
/* ------------------------------------------------------------------ */

static irqreturn_t vhost_vdpa_vq_cb(void *data)
{
	struct vhost_vdpa_vq *vq = data;
	unsigned long flags;

	spin_lock_irqsave(&vq->call_lock, flags);
	if (vq->call)
		eventfd_signal(vq->call);
	spin_unlock_irqrestore(&vq->call_lock, flags);
	return IRQ_HANDLED;
}

static irqreturn_t vhost_vdpa_config_cb(void *data)
{
	struct vhost_vdpa *v = data;
	unsigned long flags;

	spin_lock_irqsave(&v->config_lock, flags);
	if (v->config_ctx)
		eventfd_signal(v->config_ctx);
	spin_unlock_irqrestore(&v->config_lock, flags);
	return IRQ_HANDLED;
}

/* ------------------------------------------------------------------ */
/* Kicks: our entry on the kick eventfd's wait queue                  */
/* ------------------------------------------------------------------ */

static int vhost_vdpa_kick_wake(wait_queue_entry_t *wait, unsigned int mode,
				int sync, void *key)
{
	struct vhost_vdpa_vq *vq = container_of(wait, struct vhost_vdpa_vq,
						kick_wait);
	struct vdpa_device *vdpa = vq->v->vdpa;

	/* The parent defers when it cannot signal from here (VDUSE does). */
	if (key_to_poll(key) & EPOLLIN)
		vdpa->config->kick_vq(vdpa, vq->index);
	return 0;
}

static void vhost_vdpa_kick_queue(struct file *file, wait_queue_head_t *wqh,
				  poll_table *pt)
{
	struct vhost_vdpa_vq *vq = container_of(pt, struct vhost_vdpa_vq,
						kick_pt);

	vq->kick_wqh = wqh;
	add_wait_queue(wqh, &vq->kick_wait);
}

static void vhost_vdpa_kick_stop(struct vhost_vdpa_vq *vq)
{
	if (vq->kick_wqh) {
		remove_wait_queue(vq->kick_wqh, &vq->kick_wait);
		vq->kick_wqh = NULL;
	}
	if (vq->kick) {
		fput(vq->kick);
		vq->kick = NULL;
	}
}

/* Takes over the reference on @file. */
static void vhost_vdpa_kick_start(struct vhost_vdpa_vq *vq, struct file *file)
{
	struct vdpa_device *vdpa = vq->v->vdpa;
	__poll_t mask;

	vq->kick = file;
	init_waitqueue_func_entry(&vq->kick_wait, vhost_vdpa_kick_wake);
	init_poll_funcptr(&vq->kick_pt, vhost_vdpa_kick_queue);
	mask = vfs_poll(file, &vq->kick_pt);
	/* A kick that came before we listened is not lost. */
	if (mask & EPOLLIN)
		vdpa->config->kick_vq(vdpa, vq->index);
}

static void vhost_vdpa_set_call(struct vhost_vdpa_vq *vq,
				struct eventfd_ctx *ctx)
{
	struct vdpa_device *vdpa = vq->v->vdpa;
	struct vdpa_callback cb = {};
	struct eventfd_ctx *old;

	spin_lock_irq(&vq->call_lock);
	old = vq->call;
	vq->call = ctx;
	spin_unlock_irq(&vq->call_lock);
	if (ctx) {
		cb.callback = vhost_vdpa_vq_cb;
		cb.private = vq;
		cb.trigger = ctx;
	}
	/* After this the parent signals neither @old nor calls with it. */
	vdpa->config->set_vq_cb(vdpa, vq->index, &cb);
	if (old)
		eventfd_ctx_put(old);
}

void vhost_vdpa_vqs_release(struct vhost_vdpa *v)
{
	u32 i;

	for (i = 0; i < v->nvqs; i++) {
		struct vhost_vdpa_vq *vq = &v->vqs[i];

		vhost_vdpa_kick_stop(vq);
		vhost_vdpa_set_call(vq, NULL);
		if (vq->err) {
			eventfd_ctx_put(vq->err);
			vq->err = NULL;
		}
		vq->num = 0;
		vq->base = 0;
		vq->busyloop_timeout = 0;
	}
}

/* eventfd for a VHOST_FILE_UNBIND-able fd: NULL for -1 */
static struct eventfd_ctx *vhost_vdpa_ctx_get(int fd)
{
	return fd == VHOST_FILE_UNBIND ? NULL : eventfd_ctx_fdget(fd);
}

/* ------------------------------------------------------------------ */
/* Device-wide ioctls                                                 */
/* ------------------------------------------------------------------ */

static long vhost_vdpa_set_status(struct vhost_vdpa *v, u8 __user *argp)
{
	struct vdpa_device *vdpa = v->vdpa;
	u8 status, old;

	if (get_user(status, argp))
		return -EFAULT;
	old = vdpa->config->get_status(vdpa);
	/* Bits go away only through a reset (status 0). */
	if (status && (old & ~status))
		return -EINVAL;
	if (!status)
		return vhost_vdpa_reset(v);
	vdpa_set_status(vdpa, status);
	return 0;
}

/*
 * VHOST_VDPA_GET_CONFIG / SET_CONFIG: a header (offset, length) and the
 * bytes after it. The window must lie within the config space.
 */
static long vhost_vdpa_config_io(struct vhost_vdpa *v,
				 struct vhost_vdpa_config __user *argp,
				 bool set)
{
	size_t space = v->vdpa->config->get_config_size(v->vdpa);
	struct vhost_vdpa_config hdr;
	long ret = 0;
	void *bytes;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (!hdr.len || hdr.off > space || hdr.len > space - hdr.off)
		return -EINVAL;

	if (set) {
		bytes = vmemdup_user(argp->buf, hdr.len);
		if (IS_ERR(bytes))
			return PTR_ERR(bytes);
		vdpa_set_config(v->vdpa, hdr.off, bytes, hdr.len);
	} else {
		bytes = kvzalloc(hdr.len, GFP_KERNEL);
		if (!bytes)
			return -ENOMEM;
		vdpa_get_config(v->vdpa, hdr.off, bytes, hdr.len);
		if (copy_to_user(argp->buf, bytes, hdr.len))
			ret = -EFAULT;
	}
	kvfree(bytes);
	return ret;
}

static long vhost_vdpa_set_features(struct vhost_vdpa *v, u64 __user *argp)
{
	struct vdpa_device *vdpa = v->vdpa;
	u64 features;

	/* Negotiated features stay until the next reset. */
	if (vdpa->config->get_status(vdpa) & VIRTIO_CONFIG_S_FEATURES_OK)
		return -EBUSY;
	if (copy_from_user(&features, argp, sizeof(features)))
		return -EFAULT;
	if (vdpa_set_features(vdpa, features))
		return -EINVAL;
	v->driver_features = vdpa->config->get_driver_features(vdpa);
	return 0;
}

static long vhost_vdpa_set_config_call(struct vhost_vdpa *v, int __user *argp)
{
	struct vdpa_callback cb = {
		.callback = vhost_vdpa_config_cb,
		.private = v,
	};
	struct eventfd_ctx *ctx;
	int fd;

	if (get_user(fd, argp))
		return -EFAULT;
	ctx = vhost_vdpa_ctx_get(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	spin_lock_irq(&v->config_lock);
	swap(ctx, v->config_ctx);
	spin_unlock_irq(&v->config_lock);
	if (ctx)
		eventfd_ctx_put(ctx);
	v->vdpa->config->set_config_cb(v->vdpa, &cb);
	return 0;
}

static u64 vhost_vdpa_backend_offer(struct vhost_vdpa *v)
{
	const struct vdpa_config_ops *ops = v->vdpa->config;
	u64 f = VHOST_VDPA_BACKEND_BASE;

	if (ops->suspend)
		f |= BIT_ULL(VHOST_BACKEND_F_SUSPEND);
	if (ops->resume)
		f |= BIT_ULL(VHOST_BACKEND_F_RESUME);
	if (ops->get_vq_desc_group)
		f |= BIT_ULL(VHOST_BACKEND_F_DESC_ASID);
	if (ops->reset_map)
		f |= BIT_ULL(VHOST_BACKEND_F_IOTLB_PERSIST);
	if (ops->get_backend_features)
		f |= ops->get_backend_features(v->vdpa);
	return f;
}

static long vhost_vdpa_set_backend_features(struct vhost_vdpa *v,
					    u64 __user *argp)
{
	u64 known = VHOST_VDPA_BACKEND_BASE |
		    BIT_ULL(VHOST_BACKEND_F_SUSPEND) |
		    BIT_ULL(VHOST_BACKEND_F_RESUME) |
		    BIT_ULL(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK) |
		    BIT_ULL(VHOST_BACKEND_F_DESC_ASID) |
		    BIT_ULL(VHOST_BACKEND_F_IOTLB_PERSIST);
	u64 offer = vhost_vdpa_backend_offer(v);
	u64 features;

	if (copy_from_user(&features, argp, sizeof(features)))
		return -EFAULT;
	if (features & ~known)
		return -EOPNOTSUPP;
	if ((features & BIT_ULL(VHOST_BACKEND_F_DESC_ASID)) &&
	    !(features & BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID)))
		return -EINVAL;
	/* Each optional capability only where the parent has it. */
	if (features & ~offer & ~BIT_ULL(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK))
		return -EOPNOTSUPP;
	v->backend_features = features;
	return 0;
}

/* Suspend and resume act on a running device only. */
static long vhost_vdpa_suspend_resume(struct vhost_vdpa *v, bool suspend)
{
	struct vdpa_device *vdpa = v->vdpa;
	const struct vdpa_config_ops *ops = vdpa->config;
	int (*op)(struct vdpa_device *vdpa);

	op = suspend ? ops->suspend : ops->resume;
	if (!(ops->get_status(vdpa) & VIRTIO_CONFIG_S_DRIVER_OK))
		return 0;
	if (!op)
		return -EOPNOTSUPP;
	return op(vdpa);
}

/* VHOST_SET_MEM_TABLE: checked like vhost does; vDPA uses the IOTLB. */
static long vhost_vdpa_set_mem_table(struct vhost_vdpa *v,
				     struct vhost_memory __user *argp)
{
	struct vhost_memory mem;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	if (mem.padding)
		return -EOPNOTSUPP;
	if (mem.nregions > VHOST_VDPA_MEM_REGIONS)
		return -E2BIG;
	return 0;
}

static long vhost_vdpa_set_owner(struct vhost_vdpa *v)
{
	if (v->owner)
		return -EBUSY;
	if (!current->mm)
		return -EINVAL;
	mmgrab(current->mm);
	v->owner = current->mm;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Per-virtqueue ioctls                                               */
/* ------------------------------------------------------------------ */

static bool vhost_vdpa_packed(struct vhost_vdpa *v)
{
	return v->driver_features & BIT_ULL(VIRTIO_F_RING_PACKED);
}

static long vhost_vdpa_get_vring_base(struct vhost_vdpa *v,
				      struct vhost_vdpa_vq *vq,
				      struct vhost_vring_state *s)
{
	struct vdpa_device *vdpa = v->vdpa;
	struct vdpa_vq_state st = {};
	int ret;

	ret = vdpa->config->get_vq_state(vdpa, vq->index, &st);
	if (ret)
		return ret;
	if (vhost_vdpa_packed(v))
		vq->base = (st.packed.last_avail_idx |
			    st.packed.last_avail_counter << 15) |
			   (u32)(st.packed.last_used_idx |
				 st.packed.last_used_counter << 15) << 16;
	else
		vq->base = st.split.avail_index;
	s->num = vq->base;
	return 0;
}

static long vhost_vdpa_set_vring_base(struct vhost_vdpa *v,
				      struct vhost_vdpa_vq *vq,
				      const struct vhost_vring_state *s)
{
	struct vdpa_device *vdpa = v->vdpa;
	struct vdpa_vq_state st = {};

	if (vhost_vdpa_packed(v)) {
		st.packed.last_avail_idx = s->num & 0x7fff;
		st.packed.last_avail_counter = !!(s->num & 0x8000);
		st.packed.last_used_idx = (s->num >> 16) & 0x7fff;
		st.packed.last_used_counter = !!(s->num & 0x80000000);
	} else {
		if (s->num > 0xffff)
			return -EINVAL;
		st.split.avail_index = s->num;
	}
	vq->base = s->num;
	return vdpa->config->set_vq_state(vdpa, vq->index, &st);
}

static long vhost_vdpa_set_vring_addr(struct vhost_vdpa *v,
				      struct vhost_vdpa_vq *vq,
				      void __user *argp)
{
	struct vdpa_device *vdpa = v->vdpa;
	struct vhost_vring_addr a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~BIT(VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	/* The split ring's alignment: avail 2 bytes, used and log 4. */
	if ((a.avail_user_addr & 1) || (a.used_user_addr & 3) ||
	    (a.log_guest_addr & 3))
		return -EINVAL;
	if (vdpa->config->set_vq_address(vdpa, vq->index, a.desc_user_addr,
					 a.avail_user_addr, a.used_user_addr))
		return -EINVAL;
	return 0;
}

/* VHOST_SET_VRING_KICK/CALL/ERR: an eventfd, or -1 to take it away. */
static long vhost_vdpa_vq_set_file(struct vhost_vdpa_vq *vq, unsigned int cmd,
				   int fd)
{
	struct eventfd_ctx *ctx;
	struct file *file;

	if (cmd == VHOST_SET_VRING_KICK) {
		file = fd == VHOST_FILE_UNBIND ? NULL : eventfd_fget(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
		vhost_vdpa_kick_stop(vq);
		if (file)
			vhost_vdpa_kick_start(vq, file);
		return 0;
	}
	ctx = vhost_vdpa_ctx_get(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	if (cmd == VHOST_SET_VRING_CALL) {
		vhost_vdpa_set_call(vq, ctx);
	} else {
		swap(ctx, vq->err);
		if (ctx)
			eventfd_ctx_put(ctx);
	}
	return 0;
}

/* The ioctls that pass a struct vhost_vring_state in. */
static long vhost_vdpa_vq_set_state(struct vhost_vdpa *v,
				    struct vhost_vdpa_vq *vq, unsigned int cmd,
				    const struct vhost_vring_state *s)
{
	struct vdpa_device *vdpa = v->vdpa;
	const struct vdpa_config_ops *ops = vdpa->config;

	switch (cmd) {
	case VHOST_SET_VRING_NUM:
		/* as 7.2's: never above the device's largest queue */
		if (!s->num || s->num > ops->get_vq_num_max(vdpa) ||
		    !is_power_of_2(s->num))
			return -EINVAL;
		vq->num = s->num;
		ops->set_vq_num(vdpa, vq->index, vq->num);
		return 0;
	case VHOST_SET_VRING_BASE:
		return vhost_vdpa_set_vring_base(v, vq, s);
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
		vq->busyloop_timeout = s->num;
		return 0;
	case VHOST_VDPA_SET_VRING_ENABLE:
		ops->set_vq_ready(vdpa, vq->index, s->num != 0);
		return 0;
	default: /* VHOST_VDPA_SET_GROUP_ASID: the index names a group */
		if (s->index >= vdpa->ngroups || s->num >= vdpa->nas)
			return -EINVAL;
		if (!ops->set_group_asid)
			return -EOPNOTSUPP;
		return ops->set_group_asid(vdpa, s->index, s->num);
	}
}

/* The ioctls that pass a struct vhost_vring_state out; s->index is set. */
static long vhost_vdpa_vq_get_state(struct vhost_vdpa *v,
				    struct vhost_vdpa_vq *vq, unsigned int cmd,
				    struct vhost_vring_state *s)
{
	struct vdpa_device *vdpa = v->vdpa;
	const struct vdpa_config_ops *ops = vdpa->config;
	u32 (*group)(struct vdpa_device *vdpa, u16 idx) = ops->get_vq_group;

	switch (cmd) {
	case VHOST_GET_VRING_BASE:
		return vhost_vdpa_get_vring_base(v, vq, s);
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		s->num = vq->busyloop_timeout;
		return 0;
	case VHOST_VDPA_GET_VRING_SIZE:
		if (!ops->get_vq_size)
			return -EOPNOTSUPP;
		s->num = ops->get_vq_size(vdpa, vq->index);
		return 0;
	case VHOST_VDPA_GET_VRING_DESC_GROUP:
		if (!(v->backend_features & BIT_ULL(VHOST_BACKEND_F_DESC_ASID)))
			return -EOPNOTSUPP;
		group = ops->get_vq_desc_group;
		fallthrough;
	default: /* VHOST_VDPA_GET_VRING_GROUP */
		if (!group)
			return -EOPNOTSUPP;
		s->num = group(vdpa, vq->index);
		/* A parent naming a group it does not have is broken. */
		return s->num < vdpa->ngroups ? 0 : -EIO;
	}
}

static long vhost_vdpa_vring_ioctl(struct vhost_vdpa *v, unsigned int cmd,
				   void __user *argp)
{
	struct vhost_vdpa_vq *vq;
	struct vhost_vring_state s;
	struct vhost_vring_file f;
	u32 idx;
	long ret;

	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= v->nvqs)
		return -ENOBUFS;
	vq = &v->vqs[array_index_nospec(idx, v->nvqs)];

	switch (cmd) {
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_BASE:
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
	case VHOST_VDPA_SET_VRING_ENABLE:
	case VHOST_VDPA_SET_GROUP_ASID:
		if (copy_from_user(&s, argp, sizeof(s)))
			return -EFAULT;
		return vhost_vdpa_vq_set_state(v, vq, cmd, &s);
	case VHOST_GET_VRING_BASE:
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
	case VHOST_VDPA_GET_VRING_SIZE:
	case VHOST_VDPA_GET_VRING_GROUP:
	case VHOST_VDPA_GET_VRING_DESC_GROUP:
		s.index = idx;
		ret = vhost_vdpa_vq_get_state(v, vq, cmd, &s);
		if (ret)
			return ret;
		return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
		if (copy_from_user(&f, argp, sizeof(f)))
			return -EFAULT;
		return vhost_vdpa_vq_set_file(vq, cmd, f.fd);
	case VHOST_SET_VRING_ADDR:
		return vhost_vdpa_set_vring_addr(v, vq, argp);
	default:
		return -ENOIOCTLCMD;
	}
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                           */
/* ------------------------------------------------------------------ */

static long vhost_vdpa_put_u32(u32 val, void __user *argp)
{
	return put_user(val, (u32 __user *)argp) ? -EFAULT : 0;
}

/* The ioctls that need no ownership; -ENOIOCTLCMD for the others. */
static long vhost_vdpa_dev_ioctl(struct vhost_vdpa *v, unsigned int cmd,
				 void __user *argp)
{
	struct vdpa_device *vdpa = v->vdpa;
	const struct vdpa_config_ops *ops = vdpa->config;
	u64 features;

	switch (cmd) {
	case VHOST_VDPA_GET_DEVICE_ID:
		return vhost_vdpa_put_u32(ops->get_device_id(vdpa), argp);
	case VHOST_VDPA_GET_STATUS:
		return put_user(ops->get_status(vdpa), (u8 __user *)argp) ?
		       -EFAULT : 0;
	case VHOST_VDPA_SET_STATUS:
		return vhost_vdpa_set_status(v, argp);
	case VHOST_VDPA_GET_CONFIG:
	case VHOST_VDPA_SET_CONFIG:
		return vhost_vdpa_config_io(v, argp,
					    cmd == VHOST_VDPA_SET_CONFIG);
	case VHOST_GET_FEATURES:
		features = ops->get_device_features(vdpa);
		return copy_to_user(argp, &features, sizeof(features)) ?
		       -EFAULT : 0;
	case VHOST_SET_FEATURES:
		return vhost_vdpa_set_features(v, argp);
	case VHOST_VDPA_GET_VRING_NUM:
		return put_user(ops->get_vq_num_max(vdpa), (u16 __user *)argp) ?
		       -EFAULT : 0;
	case VHOST_VDPA_GET_GROUP_NUM:
		return vhost_vdpa_put_u32(vdpa->ngroups, argp);
	case VHOST_VDPA_GET_AS_NUM:
		return vhost_vdpa_put_u32(vdpa->nas, argp);
	case VHOST_VDPA_SET_CONFIG_CALL:
		return vhost_vdpa_set_config_call(v, argp);
	case VHOST_GET_BACKEND_FEATURES:
		features = vhost_vdpa_backend_offer(v);
		return copy_to_user(argp, &features, sizeof(features)) ?
		       -EFAULT : 0;
	case VHOST_VDPA_GET_IOVA_RANGE: {
		struct vhost_vdpa_iova_range r = {
			.first = v->range.first,
			.last = v->range.last,
		};

		return copy_to_user(argp, &r, sizeof(r)) ? -EFAULT : 0;
	}
	case VHOST_VDPA_GET_CONFIG_SIZE:
		return vhost_vdpa_put_u32(ops->get_config_size(vdpa), argp);
	case VHOST_VDPA_GET_VQS_COUNT:
		return vhost_vdpa_put_u32(v->nvqs, argp);
	case VHOST_VDPA_SUSPEND:
		return vhost_vdpa_suspend_resume(v, true);
	case VHOST_VDPA_RESUME:
		return vhost_vdpa_suspend_resume(v, false);
	case VHOST_SET_LOG_BASE:
	case VHOST_SET_LOG_FD:
		/* No dirty logging through vhost-vdpa. */
		return -ENOTTY;
	default:
		return -ENOIOCTLCMD;
	}
}

long vhost_vdpa_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vhost_vdpa *v = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	/* Backend features need no ownership (the in-tree driver's order). */
	if (cmd == VHOST_SET_BACKEND_FEATURES) {
		mutex_lock(&v->lock);
		ret = vhost_vdpa_set_backend_features(v, argp);
		mutex_unlock(&v->lock);
		return ret;
	}

	mutex_lock(&v->lock);
	ret = vhost_vdpa_dev_ioctl(v, cmd, argp);
	if (ret != -ENOIOCTLCMD)
		goto out;
	if (cmd == VHOST_SET_OWNER) {
		ret = vhost_vdpa_set_owner(v);
		goto out;
	}
	/* Everything else belongs to the owner. */
	if (!vhost_vdpa_is_owner(v)) {
		ret = -EPERM;
		goto out;
	}
	if (cmd == VHOST_SET_MEM_TABLE)
		ret = vhost_vdpa_set_mem_table(v, argp);
	else
		ret = vhost_vdpa_vring_ioctl(v, cmd, argp);
out:
	mutex_unlock(&v->lock);
	return ret;
}
