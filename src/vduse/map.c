// SPDX-License-Identifier: GPL-2.0
/*
 * map.c - how the virtio driver (virtio_vdpa) maps its buffers: through the
 * domain of the address space its virtqueue group is in.
 *
 * Up to 6.12 (and on our own bus) the vDPA device itself is the DMA device
 * and carries our dma_map_ops; virtio_vdpa binds only while every group is
 * in address space 0, so one DMA device serves all queues. 6.12 makes the
 * DMA core skip syncs for ops without sync callbacks once a mask is set, so
 * they are provided. After 6.12 the bus passes struct virtio_map_ops and a
 * union virtio_map naming our struct vduse_vq_group per queue.
 */
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>

#include "domain.h"
#include "vduse.h"

/* The domain a group maps in; group->lock held for reading. */
static struct vduse_domain *vduse_map_domain(struct vduse_vq_group *group)
{
	return group->dev->as[group->asid].domain;
}

/*
 * Enter a group's address space: the domain (or NULL) with group->lock held
 * for reading; leave it again with vduse_map_leave(). Without a group both
 * are no-ops; the annotations keep sparse's lock count even on that path.
 */
static struct vduse_domain *vduse_map_enter(struct vduse_vq_group *group)
	__acquires(group)
{
	if (!group) {
		__acquire(group);
		return NULL;
	}
	read_lock(&group->lock);
	return vduse_map_domain(group);
}

static void vduse_map_leave(struct vduse_vq_group *group)
	__releases(group)
{
	if (group)
		read_unlock(&group->lock);
	else
		__release(group);
}

/* Count bounce copies; group->lock held, so the device is alive. */
static void vduse_map_count(struct vduse_vq_group *group, bool to_dev,
			    size_t bytes)
{
	if (group && bytes)
		vduse_stat_add(group->dev, to_dev ? VDUSE_STAT_BOUNCE_TO_DEV :
				VDUSE_STAT_BOUNCE_FROM_DEV, bytes);
}

/* Count a refused mapping or allocation; group->lock held (or no group). */
static void vduse_map_count_error(struct vduse_vq_group *group, bool failed)
{
	if (group && failed)
		vduse_stat_add(group->dev, VDUSE_STAT_MAP_ERRORS, 1);
}

#ifdef HAVE_VIRTIO_MAP_OPS

static dma_addr_t vduse_map_page(union virtio_map map, struct page *page,
				 unsigned long offset, size_t size,
				 enum dma_data_direction dir,
				 unsigned long attrs)
{
	struct vduse_domain *domain = vduse_map_enter(map.group);
	phys_addr_t pa = page_to_phys(page) + offset;
	size_t copied = 0;
	dma_addr_t iova;

	iova = domain ? vduse_domain_map(domain, pa, size, dir, attrs, &copied) :
			DMA_MAPPING_ERROR;
	vduse_map_count(map.group, true, copied);
	vduse_map_count_error(map.group, iova == DMA_MAPPING_ERROR);
	vduse_map_leave(map.group);
	return iova;
}

static void vduse_unmap_page(union virtio_map map, dma_addr_t iova,
			     size_t size, enum dma_data_direction dir,
			     unsigned long attrs)
{
	struct vduse_domain *domain = vduse_map_enter(map.group);

	if (domain)
		vduse_map_count(map.group, false,
				vduse_domain_unmap(domain, iova, size, dir,
						   attrs));
	vduse_map_leave(map.group);
}

static void vduse_map_sync(union virtio_map map, dma_addr_t iova,
			   size_t size, enum dma_data_direction dir, bool to_dev)
{
	struct vduse_domain *domain = vduse_map_enter(map.group);

	if (domain)
		vduse_map_count(map.group, to_dev,
				vduse_domain_sync(domain, iova, size, dir,
						  to_dev));
	vduse_map_leave(map.group);
}

static void vduse_sync_for_cpu(union virtio_map map, dma_addr_t iova,
			       size_t size, enum dma_data_direction dir)
{
	vduse_map_sync(map, iova, size, dir, false);
}

static void vduse_sync_for_device(union virtio_map map, dma_addr_t iova,
				  size_t size, enum dma_data_direction dir)
{
	vduse_map_sync(map, iova, size, dir, true);
}

/* Under a spinning lock: the allocation must not sleep. */
static gfp_t vduse_map_gfp(gfp_t gfp)
{
	return (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN;
}

static void *vduse_map_alloc(union virtio_map map, size_t size,
			     dma_addr_t *iova, gfp_t gfp)
{
	struct vduse_domain *domain = vduse_map_enter(map.group);
	void *va = NULL;

	*iova = DMA_MAPPING_ERROR;
	if (domain)
		va = vduse_domain_alloc_coherent(domain, size, iova,
						 vduse_map_gfp(gfp));
	vduse_map_count_error(map.group, !va);
	vduse_map_leave(map.group);
	return va;
}

static void vduse_map_free(union virtio_map map, size_t size, void *vaddr,
			   dma_addr_t iova, unsigned long attrs)
{
	struct vduse_domain *domain = vduse_map_enter(map.group);

	if (domain)
		vduse_domain_free_coherent(domain, size, vaddr, iova);
	vduse_map_leave(map.group);
}

static bool vduse_map_need_sync(union virtio_map map, dma_addr_t iova)
{
	struct vduse_domain *domain = vduse_map_enter(map.group);
	bool bounced = domain && iova < domain->bounce_size;

	vduse_map_leave(map.group);
	return bounced;
}

static int vduse_map_mapping_error(union virtio_map map, dma_addr_t iova)
{
	return iova == DMA_MAPPING_ERROR ? -ENOMEM : 0;
}

static size_t vduse_map_max_size(union virtio_map map)
{
	struct vduse_domain *domain = vduse_map_enter(map.group);
	size_t max = domain ? vduse_max_mapping(map.group->dev) : 0;

	vduse_map_leave(map.group);
	return max;
}

const struct virtio_map_ops vduse_virtio_map_ops = {
	.map_page = vduse_map_page,
	.unmap_page = vduse_unmap_page,
	.sync_single_for_cpu = vduse_sync_for_cpu,
	.sync_single_for_device = vduse_sync_for_device,
	.alloc = vduse_map_alloc,
	.free = vduse_map_free,
	.need_sync = vduse_map_need_sync,
	.mapping_error = vduse_map_mapping_error,
	.max_mapping_size = vduse_map_max_size,
};

union virtio_map vduse_map_get_vq_map(struct vdpa_device *vdpa, u16 idx)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	union virtio_map map = {};

	if (idx < dev->vq_num)
		map.group = &dev->groups[dev->vqs[idx]->group];
	return map;
}

int vduse_map_attach(struct vduse_vdpa *vdev)
{
	return 0;
}

#else /* dma_map_ops on the vDPA device */

/* Up to 6.12 virtio_vdpa maps all queues through group 0's address space. */
static struct vduse_vq_group *vduse_dma_group(struct device *d)
{
	return &vduse_vdpa_to_dev(dev_to_vdpa(d))->groups[0];
}

static dma_addr_t vduse_dma_map_page(struct device *d, struct page *page,
				     unsigned long offset, size_t size,
				     enum dma_data_direction dir,
				     unsigned long attrs)
{
	struct vduse_vq_group *group = vduse_dma_group(d);
	struct vduse_domain *domain = vduse_map_enter(group);
	dma_addr_t iova = DMA_MAPPING_ERROR;
	size_t copied = 0;

	if (domain)
		iova = vduse_domain_map(domain, page_to_phys(page) + offset,
					size, dir, attrs, &copied);
	vduse_map_count(group, true, copied);
	vduse_map_count_error(group, iova == DMA_MAPPING_ERROR);
	vduse_map_leave(group);
	return iova;
}

static void vduse_dma_unmap_page(struct device *d, dma_addr_t iova,
				 size_t size, enum dma_data_direction dir,
				 unsigned long attrs)
{
	struct vduse_vq_group *group = vduse_dma_group(d);
	struct vduse_domain *domain = vduse_map_enter(group);

	if (domain)
		vduse_map_count(group, false,
				vduse_domain_unmap(domain, iova, size, dir,
						   attrs));
	vduse_map_leave(group);
}

static void vduse_dma_sync(struct device *d, dma_addr_t iova, size_t size,
			   enum dma_data_direction dir, bool to_dev)
{
	struct vduse_vq_group *group = vduse_dma_group(d);
	struct vduse_domain *domain = vduse_map_enter(group);

	if (domain)
		vduse_map_count(group, to_dev,
				vduse_domain_sync(domain, iova, size, dir,
						  to_dev));
	vduse_map_leave(group);
}

static void vduse_dma_sync_for_cpu(struct device *d, dma_addr_t iova,
				   size_t size, enum dma_data_direction dir)
{
	vduse_dma_sync(d, iova, size, dir, false);
}

static void vduse_dma_sync_for_device(struct device *d, dma_addr_t iova,
				      size_t size, enum dma_data_direction dir)
{
	vduse_dma_sync(d, iova, size, dir, true);
}

static void *vduse_dma_alloc(struct device *d, size_t size, dma_addr_t *iova,
			     gfp_t gfp, unsigned long attrs)
{
	struct vduse_vq_group *group = vduse_dma_group(d);
	struct vduse_domain *domain = vduse_map_enter(group);
	void *va = NULL;

	*iova = DMA_MAPPING_ERROR;
	/* under a spinning lock: the allocation must not sleep */
	if (domain)
		va = vduse_domain_alloc_coherent(domain, size, iova,
						 (gfp & ~__GFP_DIRECT_RECLAIM) |
						 __GFP_NOWARN);
	vduse_map_count_error(group, !va);
	vduse_map_leave(group);
	return va;
}

static void vduse_dma_free(struct device *d, size_t size, void *vaddr,
			   dma_addr_t iova, unsigned long attrs)
{
	struct vduse_vq_group *group = vduse_dma_group(d);
	struct vduse_domain *domain = vduse_map_enter(group);

	if (domain)
		vduse_domain_free_coherent(domain, size, vaddr, iova);
	vduse_map_leave(group);
}

static size_t vduse_dma_max_size(struct device *d)
{
	struct vduse_vq_group *group = vduse_dma_group(d);
	struct vduse_domain *domain = vduse_map_enter(group);
	size_t max = domain ? vduse_max_mapping(group->dev) : 0;

	vduse_map_leave(group);
	return max;
}

static const struct dma_map_ops vduse_dma_ops = {
	.map_page = vduse_dma_map_page,
	.unmap_page = vduse_dma_unmap_page,
	.sync_single_for_cpu = vduse_dma_sync_for_cpu,
	.sync_single_for_device = vduse_dma_sync_for_device,
	.alloc = vduse_dma_alloc,
	.free = vduse_dma_free,
	.max_mapping_size = vduse_dma_max_size,
};

struct device *vduse_map_get_vq_dma_dev(struct vdpa_device *vdpa, u16 idx)
{
	return &vdpa->dev;
}

int vduse_map_attach(struct vduse_vdpa *vdev)
{
	struct device *d = &vdev->vdpa.dev;

	set_dma_ops(d, &vduse_dma_ops);
	if (get_dma_ops(d) != &vduse_dma_ops)
		return -EOPNOTSUPP;	/* kernel without CONFIG_(ARCH_HAS_)DMA_OPS */
	d->dma_mask = &d->coherent_dma_mask;
	vdev->vdpa.dma_dev = d;
	return dma_set_mask_and_coherent(d, DMA_BIT_MASK(64));
}

#endif
