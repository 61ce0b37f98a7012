// SPDX-License-Identifier: GPL-2.0
/*
 * vdpa.c - the VDUSE device as a vDPA parent: the config operations the
 * virtio_vdpa/vhost_vdpa drivers call, and the management device "vduse"
 * behind "vdpa dev add name $NAME mgmtdev vduse" / "vdpa dev del".
 */
#include <linux/slab.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

#include "domain.h"
#include "vduse.h"

static atomic_t vduse_vdpa_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vduse_vdpa_freed);

static struct vduse_vq *vduse_vdpa_vq(struct vdpa_device *vdpa, u16 idx)
{
	return vduse_vdpa_to_dev(vdpa)->vqs[idx];
}

/* ------------------------------------------------------------------ */
/* Virtqueues                                                         */
/* ------------------------------------------------------------------ */

static int vduse_vdpa_set_vq_address(struct vdpa_device *vdpa, u16 idx,
				     u64 desc, u64 driver, u64 device)
{
	struct vduse_vq *vq = vduse_vdpa_vq(vdpa, idx);

	vq->ring.desc = desc;
	vq->ring.driver = driver;
	vq->ring.device = device;
	return 0;
}

static void vduse_vdpa_set_vq_num(struct vdpa_device *vdpa, u16 idx, u32 num)
{
	vduse_vdpa_vq(vdpa, idx)->ring.num = num;
}

static u16 vduse_vdpa_get_vq_size(struct vdpa_device *vdpa, u16 idx)
{
	struct vduse_vq *vq = vduse_vdpa_vq(vdpa, idx);
	u16 max = READ_ONCE(vq->num_max);

	if (vq->ring.num)
		return vq->ring.num;
	vq->ring.offered = max(vq->ring.offered, max);
	return max;
}

static u16 vduse_vdpa_get_vq_num_max(struct vdpa_device *vdpa)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	u16 max = 0;
	u32 i;

	for (i = 0; i < dev->vq_num; i++)
		max = max(max, dev->vqs[i]->num_max);
	return max;
}

static u32 vduse_vdpa_get_vq_align(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->vq_align;
}

static void vduse_vdpa_set_vq_ready(struct vdpa_device *vdpa, u16 idx,
				    bool ready)
{
	struct vduse_vq *vq = vduse_vdpa_vq(vdpa, idx);

	/*
	 * A driver may make a queue smaller than the daemon offered, never
	 * larger, but older vhost-vdpa versions (6.12.107) pass any size from
	 * userspace: such a queue is never enabled, so the daemon never gets a
	 * ring larger than it can hold. A size the driver was offered (by
	 * get_vq_size) stays good even if the daemon lowered max_size since:
	 * the queue of a driver acting in good faith always starts.
	 */
	if (ready && vq->ring.num > max_t(u32, READ_ONCE(vq->num_max),
					  vq->ring.offered)) {
		dev_warn_ratelimited(vq->dev->cdev,
				     "vq%u: size %u above its maximum: not enabled\n",
				     idx, vq->ring.num);
		ready = false;
	}
	spin_lock(&vq->kick_lock);
	vq->ready = ready;
	spin_unlock(&vq->kick_lock);
}

static bool vduse_vdpa_get_vq_ready(struct vdpa_device *vdpa, u16 idx)
{
	return vduse_vdpa_vq(vdpa, idx)->ready;
}

static int vduse_vdpa_set_vq_state(struct vdpa_device *vdpa, u16 idx,
				   const struct vdpa_vq_state *state)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	struct vduse_vq *vq = dev->vqs[idx];

	if (dev->driver_features & BIT_ULL(VIRTIO_F_RING_PACKED))
		vq->ring.state.packed = state->packed;
	else
		vq->ring.state.split = state->split;
	return 0;
}

static int vduse_vdpa_get_vq_state(struct vdpa_device *vdpa, u16 idx,
				   struct vdpa_vq_state *state)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	return vduse_msg_get_vq_state(dev, dev->vqs[idx], state);
}

static void vduse_vdpa_kick_vq(struct vdpa_device *vdpa, u16 idx)
{
	vduse_vq_kick(vduse_vdpa_vq(vdpa, idx));
}

static void vduse_vdpa_set_vq_cb(struct vdpa_device *vdpa, u16 idx,
				 struct vdpa_callback *cb)
{
	struct vduse_vq *vq = vduse_vdpa_vq(vdpa, idx);

	spin_lock_bh(&vq->irq_lock);
	vq->cb.callback = cb->callback;
	vq->cb.private = cb->private;
	vq->cb.trigger = cb->trigger;
	spin_unlock_bh(&vq->irq_lock);
}

static void vduse_vdpa_set_config_cb(struct vdpa_device *vdpa,
				     struct vdpa_callback *cb)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	spin_lock_bh(&dev->irq_lock);
	dev->config_cb = *cb;
	spin_unlock_bh(&dev->irq_lock);
}

static int vduse_vdpa_set_vq_affinity(struct vdpa_device *vdpa, u16 idx,
				      const struct cpumask *mask)
{
	struct vduse_vq *vq = vduse_vdpa_vq(vdpa, idx);

	if (mask)
		cpumask_copy(vq->irq_affinity, mask);
	else
		cpumask_setall(vq->irq_affinity);
	return 0;
}

static const struct cpumask *vduse_vdpa_get_vq_affinity(struct vdpa_device *vdpa,
							u16 idx)
{
	return vduse_vdpa_vq(vdpa, idx)->irq_affinity;
}

/* ------------------------------------------------------------------ */
/* Groups and address spaces                                          */
/* ------------------------------------------------------------------ */

static u32 vduse_vdpa_get_vq_group(struct vdpa_device *vdpa, u16 idx)
{
	return vduse_vdpa_vq(vdpa, idx)->group;
}

static int vduse_vdpa_set_group_asid(struct vdpa_device *vdpa,
				     unsigned int group, unsigned int asid)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	struct vduse_domain *domain;
	int ret;

	if (!vduse_api_v1(dev) || group >= dev->ngroups || asid >= dev->nas)
		return -EINVAL;
	mutex_lock(&dev->domain_lock);
	domain = vduse_dev_domain(dev, asid, true);
	mutex_unlock(&dev->domain_lock);
	if (!domain)
		return -ENOMEM;
	ret = vduse_msg_set_group_asid(dev, group, asid);
	if (ret)
		return ret;
	write_lock(&dev->groups[group].lock);
	dev->groups[group].asid = asid;
	write_unlock(&dev->groups[group].lock);
	return 0;
}

static int vduse_vdpa_set_map(struct vdpa_device *vdpa, unsigned int asid,
			      struct vhost_iotlb *iotlb)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	struct vduse_domain *domain;
	int ret;

	if (asid >= dev->nas)
		return -EINVAL;
	mutex_lock(&dev->domain_lock);
	domain = vduse_dev_domain(dev, asid, true);
	ret = domain ? vduse_domain_set_map(domain, iotlb) : -ENOMEM;
	mutex_unlock(&dev->domain_lock);
	if (ret)
		return ret;
	return vduse_msg_update_iotlb(dev, asid, 0, U64_MAX);
}

/*
 * vhost-vdpa gives up an address space (its user went away): the VM's
 * entries go, so that a later virtio_vdpa finds the space free.
 */
static int vduse_vdpa_reset_map(struct vdpa_device *vdpa, unsigned int asid)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	struct vduse_domain *domain;

	if (asid >= dev->nas)
		return -EINVAL;
	mutex_lock(&dev->domain_lock);
	domain = vduse_dev_domain(dev, asid, false);
	if (domain)
		vduse_domain_del_file_map(domain, 0, U64_MAX);
	mutex_unlock(&dev->domain_lock);
	return domain ? vduse_msg_update_iotlb(dev, asid, 0, U64_MAX) : 0;
}

#ifndef HAVE_KERNEL_VDPA_BUS
/*
 * Our own bus: our vhost_vdpa maps one range at a time through dma_map(),
 * whose opaque argument names the file behind the user address on every
 * kernel (5.10's vhost_iotlb has no room for it, so set_map() cannot).
 */
static int vduse_vdpa_dma_map(struct vdpa_device *vdpa, unsigned int asid,
			      u64 iova, u64 size, u64 pa, u32 perm,
			      void *opaque)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	const struct vdpa_map_file *mf = opaque;
	struct vduse_domain *domain;
	u64 last = iova + size - 1;
	int ret;

	if (asid >= dev->nas || !size || last < iova || !mf || !mf->file)
		return -EINVAL;
	mutex_lock(&dev->domain_lock);
	domain = vduse_dev_domain(dev, asid, true);
	ret = domain ? vduse_domain_add_file_map(domain, iova, last, pa, perm,
						 mf->file, mf->offset) :
		       -ENOMEM;
	mutex_unlock(&dev->domain_lock);
	if (ret)
		return ret;
	/* The daemon drops whatever it still had mapped at these addresses. */
	ret = vduse_msg_update_iotlb(dev, asid, iova, last);
	if (ret) {
		mutex_lock(&dev->domain_lock);
		vduse_domain_del_file_map(domain, iova, last);
		mutex_unlock(&dev->domain_lock);
	}
	return ret;
}

static int vduse_vdpa_dma_unmap(struct vdpa_device *vdpa, unsigned int asid,
				u64 iova, u64 size)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	struct vduse_domain *domain;
	u64 last = iova + size - 1;

	if (asid >= dev->nas || !size || last < iova)
		return -EINVAL;
	mutex_lock(&dev->domain_lock);
	domain = vduse_dev_domain(dev, asid, false);
	if (domain)
		vduse_domain_del_file_map(domain, iova, last);
	mutex_unlock(&dev->domain_lock);
	return domain ? vduse_msg_update_iotlb(dev, asid, iova, last) : 0;
}
#endif

/* ------------------------------------------------------------------ */
/* Device                                                             */
/* ------------------------------------------------------------------ */

static u32 vduse_vdpa_get_device_id(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->device_id;
}

static u32 vduse_vdpa_get_vendor_id(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->vendor_id;
}

static u32 vduse_vdpa_get_generation(struct vdpa_device *vdpa)
{
	return READ_ONCE(vduse_vdpa_to_dev(vdpa)->generation);
}

/*
 * What the driver is offered: the daemon's features, except
 * VIRTIO_F_IN_ORDER for a block device. With it the daemon may complete
 * several buffers with one used element, which the fail work does not
 * track, so a dead daemon's requests could never be failed (the fuzzer
 * hung a probe on 7.2, whose virtio_ring negotiates it).
 */
static u64 vduse_offered_features(const struct vduse_dev *dev)
{
	u64 features = dev->device_features;

	if (dev->device_id == VIRTIO_ID_BLOCK)
		features &= ~BIT_ULL(VIRTIO_F_IN_ORDER);
	return features;
}

static u64 vduse_vdpa_get_device_features(struct vdpa_device *vdpa)
{
	return vduse_offered_features(vduse_vdpa_to_dev(vdpa));
}

/*
 * A driver may only accept what the device offered; vhost-vdpa passes its
 * user's value through unchecked, and the daemon must never see a feature
 * it did not offer (VDUSE_DEV_GET_FEATURES).
 */
static int vduse_vdpa_set_driver_features(struct vdpa_device *vdpa,
					  u64 features)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	if (features & ~vduse_offered_features(dev))
		return -EINVAL;
	dev->driver_features = features;
	return 0;
}

static u64 vduse_vdpa_get_driver_features(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->driver_features;
}

static u8 vduse_vdpa_get_status(struct vdpa_device *vdpa)
{
	return READ_ONCE(vduse_vdpa_to_dev(vdpa)->status);
}

/*
 * A status the daemon does not take (answered FAILED, unanswered, or the
 * device broken) is not set: the driver reads back the old one. Except
 * DRIVER_OK: no driver reads the status back after setting it, virtio_blk
 * starts I/O at once (the partition scan, under the device lock), and a
 * daemon that refused it serves nothing, so that I/O would wait forever and
 * every later bind, unbind and vdpa dev del with it. The status is taken
 * and the device fenced instead: the requests fail with an I/O error.
 */
static void vduse_vdpa_set_status(struct vdpa_device *vdpa, u8 status)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	bool sets_ok = status & ~READ_ONCE(dev->status) &
		       VIRTIO_CONFIG_S_DRIVER_OK;
	bool refused = vduse_msg_set_status(dev, status);
	u32 i;

	if (refused && !sets_ok)
		return;
	down_write(&dev->status_sem);
	WRITE_ONCE(dev->status, status);
	up_write(&dev->status_sem);
	if (status & VIRTIO_CONFIG_S_DRIVER_OK)
		for (i = 0; i < dev->vq_num; i++)
			vduse_vq_track_start(dev->vqs[i]);
	if (refused) {
		mutex_lock(&dev->lock);
		vduse_dev_fence(dev, "the daemon refused DRIVER_OK");
		mutex_unlock(&dev->lock);
	}
}

/*
 * The reset takes effect here whatever the daemon answers: it cannot refuse
 * one, and a dead or stuck one never answers. So it never fails. A failure
 * also failed the in-tree vhost_vdpa's open, whose error path does not wake
 * a vhost_vdpa_remove() waiting for that open to end: an unbind racing with
 * it hung for good (found by tests/fuzz on 7.2).
 */
static int vduse_vdpa_reset(struct vdpa_device *vdpa)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	if (vduse_msg_set_status(dev, 0))
		dev_dbg(dev->cdev, "reset: the daemon did not take it\n");
	vduse_dev_reset(dev);
	return 0;
}

static size_t vduse_vdpa_get_config_size(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->config_size;
}

/*
 * virtio_blk shifts by the topology's physical_block_exp unchecked (an
 * exponent of 32 or more is undefined behaviour, UBSAN on 7.2): the driver
 * reads at most VDUSE_BLK_PHYS_EXP_MAX. Like seg_max, only in what the
 * driver reads; the daemon's config stays as it set it.
 */
static void vduse_vdpa_fix_topology(struct vduse_dev *dev, unsigned int offset,
				    u8 *buf, unsigned int len)
{
	unsigned int at = offsetof(struct virtio_blk_config, physical_block_exp);

	if (dev->device_id != VIRTIO_ID_BLOCK ||
	    !(dev->device_features & BIT_ULL(VIRTIO_BLK_F_TOPOLOGY)) ||
	    at < offset || at >= offset + len || dev->config_size <= at)
		return;
	if (buf[at - offset] > VDUSE_BLK_PHYS_EXP_MAX)
		buf[at - offset] = VDUSE_BLK_PHYS_EXP_MAX;
}

/* Little-endian u32 at @at of @len config bytes; past the end reads 0. */
static u32 vduse_cfg_le32(const u8 *cfg, u32 len, unsigned int at)
{
	u32 v = 0;
	unsigned int i;

	for (i = 0; i < sizeof(v); i++)
		if (at + i < len)
			v |= (u32)cfg[at + i] << (8 * i);
	return v;
}

/*
 * virtio_blk sizes its requests by seg_max and puts each segment in a
 * descriptor of its own unless indirect descriptors are negotiated; it does
 * not compare seg_max with the ring, and a request longer than the ring
 * WARNs in virtio_ring and then waits forever. Nor does it compare a
 * request with the bounce region: one that does not fit into the empty
 * region can never be mapped, and virtio_blk retries it for ever without it
 * reaching the ring (no kick, no timeout, nothing a fence could fail). So
 * the driver sees a seg_max that fits the smallest queue (with the header
 * and the status) and the bounce region, and a maximum mapping size that
 * makes seg_max segments fit half the region (room for the IOVA
 * allocator's alignment), a few pages kept for the header, the status and
 * the indirect table. The daemon's copy of the config space stays as it
 * wrote it.
 */
#define VDUSE_REQ_RESERVED_PAGES	16
/* virtio_blk's own cap on segments (VIRTIO_BLK_MAX_SG_ELEMS - 2) */
#define VDUSE_BLK_SEGS_MAX		32766

/* Pages one request may take of an address space's @bounce bytes. */
static u32 vduse_blk_budget(unsigned long bounce)
{
	unsigned long pages = (bounce >> PAGE_SHIFT) / 2;

	return pages > VDUSE_REQ_RESERVED_PAGES + 1 ?
	       min_t(unsigned long, pages - VDUSE_REQ_RESERVED_PAGES, U32_MAX) : 1;
}

/* The seg_max the driver sees for the daemon's @seg_max (0: not fitted). */
static u32 vduse_blk_seg_fit(struct vduse_dev *dev, u32 seg_max)
{
	u32 fit = vduse_blk_budget(vduse_dev_as_bounce(dev)), i;

	if (vduse_blk_direct(dev, dev->driver_features)) {
		for (i = 0; i < dev->vq_num; i++) {
			u16 num = dev->vqs[i]->num_max;

			/* below the minimum only with indirect descriptors */
			if (num)
				fit = min_t(u32, fit, num > 2 ? num - 2 : 1);
		}
	}
	return seg_max > fit ? fit : 0;
}

static void vduse_vdpa_fix_seg_max(struct vduse_dev *dev, unsigned int offset,
				   u8 *buf, unsigned int len)
{
	unsigned int at = offsetof(struct virtio_blk_config, seg_max), i;
	u32 fit;
	__le32 le;

	if (dev->device_id != VIRTIO_ID_BLOCK ||
	    !(dev->device_features & BIT_ULL(VIRTIO_BLK_F_SEG_MAX)) ||
	    offset >= at + sizeof(le) || offset + len <= at ||
	    dev->config_size < at + sizeof(le))
		return;
	fit = vduse_blk_seg_fit(dev, vduse_cfg_le32(dev->config,
						    dev->config_size, at));
	if (!fit)
		return;
	le = cpu_to_le32(fit);
	for (i = 0; i < sizeof(le); i++)
		if (at + i >= offset && at + i < offset + len)
			buf[at + i - offset] = ((u8 *)&le)[i];
}

/* The largest DMA mapping (segment) the driver may ask of an address space. */
size_t vduse_max_mapping(struct vduse_dev *dev)
{
	unsigned long bounce = vduse_dev_as_bounce(dev);
	unsigned int at = offsetof(struct virtio_blk_config, seg_max);
	u32 segs = 1, fit;

	if (dev->device_id != VIRTIO_ID_BLOCK)
		return bounce;
	if (dev->driver_features & BIT_ULL(VIRTIO_BLK_F_SEG_MAX)) {
		segs = vduse_cfg_le32(dev->config, dev->config_size, at);
		fit = vduse_blk_seg_fit(dev, segs);
		segs = clamp_t(u32, fit ? fit : segs, 1, VDUSE_BLK_SEGS_MAX);
	}
	fit = max_t(u32, vduse_blk_budget(bounce) / segs, 1);
	return (size_t)rounddown_pow_of_two(fit) << PAGE_SHIFT;
}

/*
 * Block config values virtio_blk cannot take, which the driver must never
 * see: a blk_size that is not a power of two from 512 to PAGE_SIZE (refused
 * by virtio_blk, on 5.10 on an error path that WARNs in blk_mq_release())
 * and a size_max from 1 to PAGE_SIZE - 1 (6.12's block layer WARNs in
 * blk_validate_limits()). A device offering the feature with such a value
 * is not attached (vdpa dev add: EINVAL) and VDUSE_DEV_SET_CONFIG cannot
 * write one (EINVAL). @cfg: the config space, @len bytes of it.
 */
bool vduse_blk_config_ok(const struct vduse_dev *dev, const u8 *cfg, u32 len)
{
	u32 v;

	if (dev->device_id != VIRTIO_ID_BLOCK)
		return true;
	if (dev->device_features & BIT_ULL(VIRTIO_BLK_F_BLK_SIZE)) {
		v = vduse_cfg_le32(cfg, len, offsetof(struct virtio_blk_config, blk_size));
		if (v < 512 || v > PAGE_SIZE || !is_power_of_2(v))
			return false;
	}
	if (dev->device_features & BIT_ULL(VIRTIO_BLK_F_SIZE_MAX)) {
		v = vduse_cfg_le32(cfg, len, offsetof(struct virtio_blk_config, size_max));
		if (v && v < PAGE_SIZE)
			return false;
	}
	return true;
}

static void vduse_vdpa_get_config(struct vdpa_device *vdpa,
				  unsigned int offset, void *buf,
				  unsigned int len)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	memset(buf, 0, len);
	if (offset >= dev->config_size)
		return;
	len = min(len, dev->config_size - offset);
	spin_lock(&dev->config_lock);
	memcpy(buf, dev->config + offset, len);
	vduse_vdpa_fix_seg_max(dev, offset, buf, len);
	vduse_vdpa_fix_topology(dev, offset, buf, len);
	spin_unlock(&dev->config_lock);
}

static void vduse_vdpa_set_config(struct vdpa_device *vdpa,
				  unsigned int offset, const void *buf,
				  unsigned int len)
{
	/* The configuration space is read-only for the driver. */
}

static void vduse_vdpa_free(struct vdpa_device *vdpa)
{
	struct vduse_vdpa *vdev = container_of(vdpa, struct vduse_vdpa, vdpa);
	struct vduse_dev *dev = vdev->dev;

	if (dev) {
		mutex_lock(&dev->lock);
		if (dev->vdpa == vdev)
			dev->vdpa = NULL;
		mutex_unlock(&dev->lock);
	}
	if (atomic_dec_and_test(&vduse_vdpa_live))
		wake_up_all(&vduse_vdpa_freed);
}

static const struct vdpa_config_ops vduse_vdpa_ops = {
	.set_vq_address = vduse_vdpa_set_vq_address,
	.set_vq_num = vduse_vdpa_set_vq_num,
	.get_vq_size = vduse_vdpa_get_vq_size,
	.get_vq_num_max = vduse_vdpa_get_vq_num_max,
	.get_vq_align = vduse_vdpa_get_vq_align,
	.set_vq_ready = vduse_vdpa_set_vq_ready,
	.get_vq_ready = vduse_vdpa_get_vq_ready,
	.set_vq_state = vduse_vdpa_set_vq_state,
	.get_vq_state = vduse_vdpa_get_vq_state,
	.kick_vq = vduse_vdpa_kick_vq,
	.set_vq_cb = vduse_vdpa_set_vq_cb,
	.set_config_cb = vduse_vdpa_set_config_cb,
	.set_vq_affinity = vduse_vdpa_set_vq_affinity,
	.get_vq_affinity = vduse_vdpa_get_vq_affinity,
	.get_vq_group = vduse_vdpa_get_vq_group,
	.set_group_asid = vduse_vdpa_set_group_asid,
	.set_map = vduse_vdpa_set_map,
	.reset_map = vduse_vdpa_reset_map,
#ifndef HAVE_KERNEL_VDPA_BUS
	.dma_map = vduse_vdpa_dma_map,
	.dma_unmap = vduse_vdpa_dma_unmap,
#endif
	.get_device_id = vduse_vdpa_get_device_id,
	.get_vendor_id = vduse_vdpa_get_vendor_id,
	.get_generation = vduse_vdpa_get_generation,
	.get_device_features = vduse_vdpa_get_device_features,
	.set_driver_features = vduse_vdpa_set_driver_features,
	.get_driver_features = vduse_vdpa_get_driver_features,
	.get_status = vduse_vdpa_get_status,
	.set_status = vduse_vdpa_set_status,
	.reset = vduse_vdpa_reset,
	.get_config_size = vduse_vdpa_get_config_size,
	.get_config = vduse_vdpa_get_config,
	.set_config = vduse_vdpa_set_config,
#ifdef HAVE_VIRTIO_MAP_OPS
	.get_vq_map = vduse_map_get_vq_map,
#else
	.get_vq_dma_dev = vduse_map_get_vq_dma_dev,
#endif
	.free = vduse_vdpa_free,
};

/* ------------------------------------------------------------------ */
/* Management device                                                  */
/* ------------------------------------------------------------------ */

static int vduse_vdpa_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			      const struct vdpa_dev_set_config *config)
{
	struct vduse_vdpa *vdev;
	struct vduse_dev *dev;
	int ret;

	mutex_lock(&vduse_idr_lock);
	dev = vduse_dev_find(name);
	ret = -ENODEV;
	if (!dev)
		goto out_idr;
	ret = -EINVAL;
	if (!vduse_dev_vqs_ready(dev))
		goto out_idr;
	mutex_lock(&dev->lock);
	ret = -EEXIST;
	if (dev->vdpa || dev->detaching)
		goto out_dev;
	ret = -EIO;
	if (dev->fenced || READ_ONCE(dev->broken))
		goto out_dev;
	spin_lock(&dev->config_lock);
	ret = vduse_blk_config_ok(dev, dev->config, dev->config_size) ? 0 : -EINVAL;
	spin_unlock(&dev->config_lock);
	if (ret) {
		dev_warn(dev->cdev, "not attached: blk_size not a power of two from 512 to %lu, or size_max below it\n",
			 PAGE_SIZE);
		goto out_dev;
	}

	vdev = vdk_vdpa_alloc_device(struct vduse_vdpa, vdpa, dev->cdev,
				     &vduse_vdpa_ops, VDUSE_MAP_OPS,
				     dev->ngroups, dev->nas, name, true);
	if (IS_ERR(vdev)) {
		ret = PTR_ERR(vdev);
		goto out_dev;
	}
	atomic_inc(&vduse_vdpa_live);
	vdev->vdpa.mdev = mdev;
	ret = vduse_map_attach(vdev);
	if (!ret) {
		mutex_lock(&dev->domain_lock);
		if (!vduse_dev_domain(dev, 0, true))
			ret = -ENOMEM;
		mutex_unlock(&dev->domain_lock);
	}
	if (ret) {
		mutex_unlock(&dev->lock);
		mutex_unlock(&vduse_idr_lock);
		put_device(&vdev->vdpa.dev);
		return ret;
	}
	vdev->dev = dev;
	dev->vdpa = vdev;
	mutex_unlock(&dev->lock);
	mutex_unlock(&vduse_idr_lock);

	/* Destruction is refused while dev->vdpa is set. */
	ret = _vdpa_register_device(&vdev->vdpa, dev->vq_num);
	if (ret)
		put_device(&vdev->vdpa.dev);
	return ret;

out_dev:
	mutex_unlock(&dev->lock);
out_idr:
	mutex_unlock(&vduse_idr_lock);
	return ret;
}

static void vduse_vdpa_dev_del(struct vdpa_mgmt_dev *mdev,
			       struct vdpa_device *vdpa)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	/*
	 * The driver's remove waits for its requests (del_gendisk). With no
	 * daemon they are failed now; with one, it gets msg_timeout seconds.
	 */
	mutex_lock(&dev->lock);
	dev->detaching = true;
	if (!dev->connected)
		vduse_dev_fence(dev, "vdpa dev del without a daemon");
	else
		vduse_dev_schedule_orphan(dev);
	mutex_unlock(&dev->lock);

	_vdpa_unregister_device(vdpa);

	cancel_delayed_work_sync(&dev->orphan_work);
	mutex_lock(&dev->lock);
	dev->detaching = false;
	mutex_unlock(&dev->lock);
}

static const struct vdpa_mgmtdev_ops vduse_vdpa_mgmt_ops = {
	.dev_add = vduse_vdpa_dev_add,
	.dev_del = vduse_vdpa_dev_del,
};

/*
 * The classes `vdpa mgmtdev show` lists. virtio-fs devices are created and
 * added all the same; like the in-tree module we do not list the class,
 * which iproute2 up to 6.15 can only print as "< unknown class >".
 */
static struct virtio_device_id vduse_vdpa_id_table[] = {
	{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID },
	{ VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

struct vduse_mgmt {
	struct device dev;
	struct vdpa_mgmt_dev mgmt;
};

static struct vduse_mgmt *vduse_mgmt;

static void vduse_mgmt_release(struct device *d)
{
	kfree(container_of(d, struct vduse_mgmt, dev));
}

int vduse_vdpa_mgmt_init(void)
{
	int ret;

	vduse_mgmt = kzalloc(sizeof(*vduse_mgmt), GFP_KERNEL);
	if (!vduse_mgmt)
		return -ENOMEM;
	device_initialize(&vduse_mgmt->dev);
	vduse_mgmt->dev.release = vduse_mgmt_release;
	ret = dev_set_name(&vduse_mgmt->dev, "vduse");
	if (!ret)
		ret = device_add(&vduse_mgmt->dev);
	if (ret) {
		put_device(&vduse_mgmt->dev);
		return ret;
	}
	vduse_mgmt->mgmt.device = &vduse_mgmt->dev;
	vduse_mgmt->mgmt.ops = &vduse_vdpa_mgmt_ops;
	vduse_mgmt->mgmt.id_table = vduse_vdpa_id_table;
	ret = vdpa_mgmtdev_register(&vduse_mgmt->mgmt);
	if (ret)
		device_unregister(&vduse_mgmt->dev);
	return ret;
}

void vduse_vdpa_mgmt_exit(void)
{
	/* Deletes every vDPA device we created (dev_del). */
	vdpa_mgmtdev_unregister(&vduse_mgmt->mgmt);
	device_unregister(&vduse_mgmt->dev);
	/* A vDPA device may outlive dev_del by a reference; .free is ours. */
	wait_event(vduse_vdpa_freed, !atomic_read(&vduse_vdpa_live));
}
