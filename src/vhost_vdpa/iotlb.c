// SPDX-License-Identifier: GPL-2.0
/*
 * iotlb.c - IOTLB messages written to /dev/vhost-vdpa-N and the address
 * spaces they build
 *
 * Each address space is an interval tree of non-overlapping entries, our
 * own (not vhost_iotlb, see docs/vhost_vdpa.md). An entry maps an IOVA
 * range to user memory of the owner; it is passed to the parent with
 * dma_map() together with the file and offset behind the memory (the parent
 * is a user-address device: VDUSE hands the file to its daemon).
 *
 * As in the in-tree driver, write() reports every failure of a well-formed
 * message as EFAULT; a short or malformed message is EINVAL.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include <compat/mm.h>

#include "vhost_vdpa.h"

/* Upper bound of entries per address space (the in-tree default). */
#define VHOST_VDPA_MAX_MAPS	2048

static struct vhost_vdpa_map *vhost_vdpa_map_first(struct vhost_vdpa_as *as,
						   u64 start, u64 last)
{
	struct interval_tree_node *it;

	it = interval_tree_iter_first(&as->maps, start, last);
	return it ? container_of(it, struct vhost_vdpa_map, it) : NULL;
}

static void vhost_vdpa_map_free(struct vhost_vdpa *v, u32 asid,
				struct vhost_vdpa_as *as,
				struct vhost_vdpa_map *map, bool tell_parent)
{
	struct vdpa_device *vdpa = v->vdpa;

	interval_tree_remove(&map->it, &as->maps);
	as->count--;
	if (tell_parent)
		vdpa->config->dma_unmap(vdpa, asid, map->it.start,
					map->it.last - map->it.start + 1);
	fput(map->mf.file);
	kfree(map);
}

/* Every entry that overlaps [start, last] goes, whole. */
static void vhost_vdpa_unmap(struct vhost_vdpa *v, u32 asid, u64 start,
			     u64 last)
{
	struct vhost_vdpa_as *as = &v->as[asid];
	struct vhost_vdpa_map *map;

	while ((map = vhost_vdpa_map_first(as, start, last)))
		vhost_vdpa_map_free(v, asid, as, map, true);
}

void vhost_vdpa_unmap_all(struct vhost_vdpa *v)
{
	u32 asid;

	for (asid = 0; asid < v->vdpa->nas; asid++) {
		vhost_vdpa_unmap(v, asid, 0, U64_MAX);
		v->as[asid].live = false;
	}
}

static int vhost_vdpa_add_map(struct vhost_vdpa *v, u32 asid, u64 iova,
			      u64 size, u64 uaddr, u8 perm, struct file *file,
			      u64 offset)
{
	struct vdpa_device *vdpa = v->vdpa;
	struct vhost_vdpa_as *as = &v->as[asid];
	struct vhost_vdpa_map *map;
	int ret;

	if (as->count >= VHOST_VDPA_MAX_MAPS)
		return -ENOSPC;
	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	map->it.start = iova;
	map->it.last = iova + size - 1;
	map->uaddr = uaddr;
	map->perm = perm;
	map->mf.file = get_file(file);
	map->mf.offset = offset;
	interval_tree_insert(&map->it, &as->maps);
	as->count++;

	ret = vdpa->config->dma_map(vdpa, asid, iova, size, uaddr, perm,
				    &map->mf);
	if (ret)
		vhost_vdpa_map_free(v, asid, as, map, false);
	return ret;
}

/*
 * [iova, iova + size) -> the owner's memory at uaddr, one entry per VMA it
 * crosses. Only shared file mappings can be handed to a user-address parent
 * (its daemon maps the same file); anything else is refused. The mmap lock
 * is not held across dma_map(), which waits for the parent's daemon.
 */
static int vhost_vdpa_map_user(struct vhost_vdpa *v, u32 asid, u64 iova,
			       u64 size, u64 uaddr, u8 perm)
{
	struct mm_struct *mm = current->mm;
	u64 done = 0;
	int ret = 0;

	while (done < size) {
		unsigned long addr = uaddr + done;
		struct vm_area_struct *vma;
		struct file *file;
		u64 len, offset;

		mmap_read_lock(mm);
		vma = vma_lookup(mm, addr);
		if (!vma || !vma->vm_file || !(vma->vm_flags & VM_SHARED) ||
		    (vma->vm_flags & (VM_IO | VM_PFNMAP))) {
			mmap_read_unlock(mm);
			ret = -EINVAL;
			break;
		}
		len = min_t(u64, size - done, vma->vm_end - addr);
		offset = ((u64)vma->vm_pgoff << PAGE_SHIFT) +
			 (addr - vma->vm_start);
		file = get_file(vma->vm_file);
		mmap_read_unlock(mm);

		ret = vhost_vdpa_add_map(v, asid, iova + done, len, addr, perm,
					 file, offset);
		fput(file);
		if (ret)
			break;
		done += len;
	}
	if (ret && done)
		vhost_vdpa_unmap(v, asid, iova, iova + done - 1);
	return ret;
}

static int vhost_vdpa_update(struct vhost_vdpa *v, u32 asid,
			     const struct vhost_iotlb_msg *msg)
{
	u64 last = msg->iova + msg->size - 1;

	if (!msg->size || last < msg->iova || msg->iova < v->range.first ||
	    last > v->range.last)
		return -EINVAL;
	if (msg->perm & ~VHOST_ACCESS_RW || !msg->perm)
		return -EINVAL;
	/* The user address range must not wrap either. */
	if (msg->uaddr + msg->size - 1 < msg->uaddr)
		return -EINVAL;
	/* The parent hands whole pages to its daemon. */
	if (!PAGE_ALIGNED(msg->iova) || !PAGE_ALIGNED(msg->size) ||
	    !PAGE_ALIGNED(msg->uaddr))
		return -EINVAL;
	if (vhost_vdpa_map_first(&v->as[asid], msg->iova, last))
		return -EEXIST;
	return vhost_vdpa_map_user(v, asid, msg->iova, msg->size, msg->uaddr,
				   msg->perm);
}

static int vhost_vdpa_iotlb_msg(struct vhost_vdpa *v, u32 asid,
				const struct vhost_iotlb_msg *msg)
{
	if (!v->owner || v->owner != current->mm)
		return -EPERM;
	if (asid >= v->vdpa->nas)
		return -EINVAL;
	asid = array_index_nospec(asid, v->vdpa->nas);
	if (msg->type == VHOST_IOTLB_UPDATE ||
	    msg->type == VHOST_IOTLB_BATCH_BEGIN)
		v->as[asid].live = true;
	if (!v->as[asid].live)
		return -EINVAL;
	if (v->in_batch && v->batch_asid != asid)
		return -EINVAL;

	switch (msg->type) {
	case VHOST_IOTLB_UPDATE:
		return vhost_vdpa_update(v, asid, msg);
	case VHOST_IOTLB_INVALIDATE:
		/* An empty range invalidates nothing. */
		if (msg->size)
			vhost_vdpa_unmap(v, asid, msg->iova,
					 msg->iova + msg->size - 1);
		return 0;
	case VHOST_IOTLB_BATCH_BEGIN:
	case VHOST_IOTLB_BATCH_END:
		/*
		 * Updates reach the parent one by one (dma_map), so a batch
		 * only ties the messages inside it to one ASID.
		 */
		v->in_batch = msg->type == VHOST_IOTLB_BATCH_BEGIN;
		v->batch_asid = asid;
		return 0;
	}
	return -EINVAL;
}

/* Layout of a VHOST_IOTLB_MSG_V2 header (5.10 calls asid "reserved"). */
struct vhost_vdpa_msg_v2_head {
	__u32 type;
	__u32 asid;
};

ssize_t vhost_vdpa_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vhost_vdpa *v = iocb->ki_filp->private_data;
	struct vhost_vdpa_msg_v2_head head;
	struct vhost_iotlb_msg msg;
	size_t skip, len;
	ssize_t ret;

	if (copy_from_iter(&head.type, sizeof(head.type), from) !=
	    sizeof(head.type))
		return -EINVAL;
	switch (head.type) {
	case VHOST_IOTLB_MSG:
		/* struct vhost_msg: the union after the int is 8-aligned */
		skip = offsetof(struct vhost_msg, iotlb) - sizeof(head.type);
		len = sizeof(struct vhost_msg);
		break;
	case VHOST_IOTLB_MSG_V2:
		skip = sizeof(head.asid);
		len = sizeof(struct vhost_msg_v2);
		break;
	default:
		return -EINVAL;
	}
	if (iov_iter_count(from) < skip)
		return -EINVAL;
	head.asid = 0;
	if (head.type == VHOST_IOTLB_MSG_V2) {
		if (copy_from_iter(&head.asid, skip, from) != skip)
			return -EINVAL;
	} else {
		iov_iter_advance(from, skip);
	}
	if (copy_from_iter(&msg, sizeof(msg), from) != sizeof(msg))
		return -EINVAL;
	if (msg.type == VHOST_IOTLB_UPDATE && !msg.size)
		return -EINVAL;

	mutex_lock(&v->lock);
	/* The ASID field counts only once userspace acked it. */
	if (!(v->backend_features & BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID)))
		head.asid = 0;
	ret = vhost_vdpa_iotlb_msg(v, head.asid, &msg);
	mutex_unlock(&v->lock);
	return ret ? -EFAULT : len;
}
