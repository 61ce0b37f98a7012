// SPDX-License-Identifier: GPL-2.0
/*
 * umem.c - VDUSE_IOTLB_REG_UMEM/DEREG_UMEM: the daemon gives its own memory
 * as bounce pages, so it reads and writes the data without mmap()ing the
 * domain. The pages stay pinned (and count against RLIMIT_MEMLOCK) until
 * deregistration or until the daemon closes the device.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <compat/mm.h>

#include "domain.h"
#include "vduse.h"

struct vduse_umem {
	u64 iova;
	unsigned long npages;
	struct page **pages;
	struct mm_struct *mm;
};

static void vduse_umem_release(struct vduse_umem *umem)
{
	unpin_user_pages_dirty_lock(umem->pages, umem->npages, true);
	atomic64_sub(umem->npages, &umem->mm->pinned_vm);
	mmdrop(umem->mm);
	kvfree(umem->pages);
	kfree(umem);
}

int vduse_umem_reg(struct vduse_dev *dev, const struct vduse_iova_umem *req)
{
	struct vduse_domain *domain;
	struct vduse_umem *umem = NULL;
	struct page **pages = NULL;
	unsigned long npages;
	long pinned = 0;
	int ret;

	if (req->iova || !req->size || !PAGE_ALIGNED(req->uaddr))
		return -EINVAL;

	mutex_lock(&dev->domain_lock);
	domain = vduse_dev_domain(dev, req->asid, false);
	ret = -EINVAL;
	if (!domain || !domain->bounce_mapped || req->size != domain->bounce_size)
		goto out;
	ret = -EEXIST;
	if (dev->as[req->asid].umem)
		goto out;

	ret = -ENOMEM;
	npages = req->size >> PAGE_SHIFT;
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	umem = kzalloc(sizeof(*umem), GFP_KERNEL);
	if (!pages || !umem)
		goto out;

	mmap_read_lock(current->mm);
	if (npages + atomic64_read(&current->mm->pinned_vm) >
	    PFN_DOWN(rlimit(RLIMIT_MEMLOCK)) && !capable(CAP_IPC_LOCK)) {
		mmap_read_unlock(current->mm);
		goto out;
	}
	pinned = pin_user_pages(req->uaddr, npages, FOLL_LONGTERM | FOLL_WRITE,
				pages);
	mmap_read_unlock(current->mm);
	if (pinned != npages) {
		ret = pinned < 0 ? pinned : -EFAULT;
		goto out;
	}
	ret = vduse_domain_add_user_pages(domain, pages, npages);
	if (ret)
		goto out;

	atomic64_add(npages, &current->mm->pinned_vm);
	mmgrab(current->mm);
	umem->mm = current->mm;
	umem->iova = req->iova;
	umem->npages = npages;
	umem->pages = pages;
	dev->as[req->asid].umem = umem;
	umem = NULL;
	pages = NULL;
	pinned = 0;
out:
	if (pinned > 0)
		unpin_user_pages(pages, pinned);
	kvfree(pages);
	kfree(umem);
	mutex_unlock(&dev->domain_lock);
	return ret;
}

static void vduse_umem_drop(struct vduse_dev *dev, u32 asid)
{
	struct vduse_umem *umem = dev->as[asid].umem;

	vduse_domain_remove_user_pages(dev->as[asid].domain);
	dev->as[asid].umem = NULL;
	vduse_umem_release(umem);
}

int vduse_umem_dereg(struct vduse_dev *dev, const struct vduse_iova_umem *req)
{
	struct vduse_umem *umem;
	int ret = 0;

	mutex_lock(&dev->domain_lock);
	umem = dev->as[req->asid].umem;
	if (!umem)
		ret = -ENOENT;
	else if (req->iova != umem->iova ||
		 req->size != (u64)umem->npages << PAGE_SHIFT)
		ret = -EINVAL;
	else
		vduse_umem_drop(dev, req->asid);
	mutex_unlock(&dev->domain_lock);
	return ret;
}

void vduse_umem_dereg_all(struct vduse_dev *dev)
{
	u32 i;

	mutex_lock(&dev->domain_lock);
	for (i = 0; i < dev->nas; i++)
		if (dev->as[i].umem)
			vduse_umem_drop(dev, i);
	mutex_unlock(&dev->domain_lock);
}
