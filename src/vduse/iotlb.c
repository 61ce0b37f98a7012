// SPDX-License-Identifier: GPL-2.0
/*
 * iotlb.c - the IOVA table of a VDUSE domain
 *
 * An interval tree of non-overlapping ranges, each with the memory it maps
 * and the file (plus offset) the daemon mmaps to reach that memory. Our own
 * rather than vhost_iotlb, whose entries carry no file on every kernel we
 * support. Callers hold tlb->lock; entries are added in atomic context.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include "domain.h"

/* Upper bound of entries per domain; vhost-vdpa may add one per VM region. */
#define VDUSE_IOTLB_MAX	8192

void vduse_iotlb_init(struct vduse_iotlb *tlb)
{
	spin_lock_init(&tlb->lock);
	tlb->root = RB_ROOT_CACHED;
	tlb->count = 0;
}

struct vduse_iotlb_map *vduse_iotlb_first(struct vduse_iotlb *tlb, u64 start,
					  u64 last)
{
	struct interval_tree_node *it;

	it = interval_tree_iter_first(&tlb->root, start, last);
	return it ? container_of(it, struct vduse_iotlb_map, it) : NULL;
}

struct vduse_iotlb_map *vduse_iotlb_next(struct vduse_iotlb_map *map,
					 u64 start, u64 last)
{
	struct interval_tree_node *it;

	it = interval_tree_iter_next(&map->it, start, last);
	return it ? container_of(it, struct vduse_iotlb_map, it) : NULL;
}

int vduse_iotlb_add(struct vduse_iotlb *tlb, u64 start, u64 last, u64 addr,
		    u8 perm, struct file *file, u64 offset)
{
	struct vduse_iotlb_map *map;

	lockdep_assert_held(&tlb->lock);
	if (last < start)
		return -EINVAL;
	if (vduse_iotlb_first(tlb, start, last))
		return -EEXIST;
	if (tlb->count >= VDUSE_IOTLB_MAX)
		return -ENOSPC;

	map = kzalloc(sizeof(*map), GFP_ATOMIC);
	if (!map)
		return -ENOMEM;
	map->it.start = start;
	map->it.last = last;
	map->addr = addr;
	map->perm = perm;
	map->file = file ? get_file(file) : NULL;
	map->offset = offset;
	interval_tree_insert(&map->it, &tlb->root);
	tlb->count++;
	return 0;
}

void vduse_iotlb_del(struct vduse_iotlb *tlb, u64 start, u64 last)
{
	struct vduse_iotlb_map *map;

	lockdep_assert_held(&tlb->lock);
	while ((map = vduse_iotlb_first(tlb, start, last))) {
		interval_tree_remove(&map->it, &tlb->root);
		tlb->count--;
		/* fput() defers the final release; fine under a spinlock. */
		if (map->file)
			fput(map->file);
		kfree(map);
	}
}
