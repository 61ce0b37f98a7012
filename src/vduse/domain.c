// SPDX-License-Identifier: GPL-2.0
/*
 * domain.c - IOVA domains with bounce buffers (see domain.h for the layout)
 *
 * A domain lives as long as its anonymous file: the device holds one
 * reference, every fd handed to the daemon and every mmap of it another, so
 * pages the daemon still maps stay valid after the device let go.
 */
#include <linux/anon_inodes.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vhost_iotlb.h>
#include <linux/vmalloc.h>

#include <compat/iova.h>
#include <compat/mm.h>
#include <compat/vdpa_bus.h>

#include "domain.h"

#define VDUSE_COHERENT_WINDOW	(128ULL << 20)

int vduse_domain_module_init(void)
{
	return iova_cache_get();
}

void vduse_domain_module_exit(void)
{
	iova_cache_put();
}

/* ------------------------------------------------------------------ */
/* Bounce pages                                                       */
/* ------------------------------------------------------------------ */

static int vduse_bounce_get_kpage(struct vduse_bounce *b, gfp_t gfp)
{
	struct page *page;

	if (READ_ONCE(b->kpage))
		return 0;
	page = alloc_page(gfp | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	/* Two mappings may race for the same page: the loser frees its own. */
	if (cmpxchg(&b->kpage, NULL, page))
		__free_page(page);
	return 0;
}

/* Copy between the driver's memory at @orig and @buf, crossing its pages. */
static void vduse_copy_orig(phys_addr_t orig, void *buf, size_t len,
			    bool to_dev)
{
	while (len) {
		struct page *page = pfn_to_page(PHYS_PFN(orig));
		unsigned int off = offset_in_page(orig);
		size_t n = min_t(size_t, PAGE_SIZE - off, len);

		if (to_dev)
			memcpy_from_page(buf, page, off, n);
		else
			memcpy_to_page(page, off, buf, n);
		orig += n;
		buf += n;
		len -= n;
	}
}

static struct page *vduse_bounce_page(struct vduse_domain *domain,
				      struct vduse_bounce *b)
{
	return domain->user_pages ? b->upage : b->kpage;
}

/*
 * Copy between the bounce pages at [iova, iova + size) and either @buf or,
 * with @buf NULL, the mapping's original memory; bounce_lock held. -EFAULT
 * where a page has no bounce page or no mapping.
 */
static int vduse_bounce_xfer(struct vduse_domain *domain, u64 iova,
			     size_t size, void *buf, bool to_bounce)
{
	while (size) {
		struct vduse_bounce *b = &domain->bounce[iova >> PAGE_SHIFT];
		unsigned int off = offset_in_page(iova);
		size_t n = min_t(size_t, PAGE_SIZE - off, size);
		struct page *page = vduse_bounce_page(domain, b);
		void *va;

		if (!page || b->orig == VDUSE_NO_ORIG)
			return -EFAULT;
		va = kmap_local_page(page);
		if (!buf)
			vduse_copy_orig(b->orig + off, va + off, n, to_bounce);
		else if (to_bounce)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		if (buf)
			buf += n;
		iova += n;
		size -= n;
	}
	return 0;
}

/* Bounce a streaming mapping: to the device, or back from it. */
static void vduse_domain_copy(struct vduse_domain *domain, u64 iova,
			      size_t size, bool to_dev)
{
	vduse_bounce_xfer(domain, iova, size, NULL, to_dev);
}

static bool vduse_domain_in_bounce(struct vduse_domain *domain, u64 iova,
				   size_t size)
{
	return size && iova < domain->bounce_size &&
	       size <= domain->bounce_size - iova;
}

/* The bounce region enters the IOTLB with the first streaming mapping. */
static int vduse_domain_map_bounce_region(struct vduse_domain *domain)
{
	int ret = 0;

	if (READ_ONCE(domain->bounce_mapped))
		return 0;
	spin_lock(&domain->iotlb.lock);
	if (!domain->bounce_mapped) {
		ret = vduse_iotlb_add(&domain->iotlb, 0, domain->bounce_size - 1,
				      0, VHOST_MAP_RW, NULL, 0);
		if (!ret)
			WRITE_ONCE(domain->bounce_mapped, true);
	}
	spin_unlock(&domain->iotlb.lock);
	return ret;
}

void vduse_domain_reset_bounce(struct vduse_domain *domain)
{
	spin_lock(&domain->iotlb.lock);
	if (domain->bounce_mapped) {
		vduse_iotlb_del(&domain->iotlb, 0, domain->bounce_size - 1);
		WRITE_ONCE(domain->bounce_mapped, false);
	}
	spin_unlock(&domain->iotlb.lock);
}

dma_addr_t vduse_domain_map(struct vduse_domain *domain, phys_addr_t pa,
			    size_t size, enum dma_data_direction dir,
			    unsigned long attrs, size_t *copied)
{
	unsigned long n = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned long pfn, i;
	u64 iova;

	if (!size || size > domain->bounce_size)
		return DMA_MAPPING_ERROR;
	pfn = alloc_iova_fast(&domain->stream_iovad, vdk_iova_fast_size(n),
			      (domain->bounce_size >> PAGE_SHIFT) - 1, true);
	if (!pfn)
		return DMA_MAPPING_ERROR;
	if (vduse_domain_map_bounce_region(domain))
		goto err_iova;

	read_lock(&domain->bounce_lock);
	for (i = 0; i < n; i++) {
		struct vduse_bounce *b = &domain->bounce[pfn + i];

		if (vduse_bounce_get_kpage(b, GFP_ATOMIC)) {
			while (i--)
				domain->bounce[pfn + i].orig = VDUSE_NO_ORIG;
			read_unlock(&domain->bounce_lock);
			goto err_iova;
		}
		b->orig = pa + i * PAGE_SIZE;
	}
	iova = (u64)pfn << PAGE_SHIFT;
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) &&
	    (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)) {
		vduse_domain_copy(domain, iova, size, true);
		*copied = size;
	}
	read_unlock(&domain->bounce_lock);
	return iova;

err_iova:
	free_iova_fast(&domain->stream_iovad, pfn, vdk_iova_fast_size(n));
	return DMA_MAPPING_ERROR;
}

/* Returns the number of bytes copied back to the driver's memory. */
size_t vduse_domain_unmap(struct vduse_domain *domain, dma_addr_t iova,
			  size_t size, enum dma_data_direction dir,
			  unsigned long attrs)
{
	unsigned long n = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned long pfn = iova >> PAGE_SHIFT, i;
	size_t copied = 0;

	if (!vduse_domain_in_bounce(domain, iova, size))
		return 0;
	read_lock(&domain->bounce_lock);
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) &&
	    (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)) {
		vduse_domain_copy(domain, iova, size, false);
		copied = size;
	}
	for (i = 0; i < n; i++)
		domain->bounce[pfn + i].orig = VDUSE_NO_ORIG;
	read_unlock(&domain->bounce_lock);
	free_iova_fast(&domain->stream_iovad, pfn, vdk_iova_fast_size(n));
	return copied;
}

/* Returns the number of bytes copied (either way). */
size_t vduse_domain_sync(struct vduse_domain *domain, dma_addr_t iova,
			 size_t size, enum dma_data_direction dir, bool to_dev)
{
	if (!vduse_domain_in_bounce(domain, iova, size))
		return 0;
	if (to_dev && dir == DMA_FROM_DEVICE)
		return 0;
	if (!to_dev && dir == DMA_TO_DEVICE)
		return 0;
	read_lock(&domain->bounce_lock);
	vduse_domain_copy(domain, iova, size, to_dev);
	read_unlock(&domain->bounce_lock);
	return size;
}

/* ------------------------------------------------------------------ */
/* Coherent memory: shared in place, no copies                        */
/* ------------------------------------------------------------------ */

void *vduse_domain_alloc_coherent(struct vduse_domain *domain, size_t size,
				  dma_addr_t *iova, gfp_t gfp)
{
	unsigned long n = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned long pfn;
	void *va;
	int ret;

	*iova = DMA_MAPPING_ERROR;
	if (!size)
		return NULL;
	va = alloc_pages_exact(size, gfp | __GFP_ZERO);
	if (!va)
		return NULL;
	pfn = alloc_iova_fast(&domain->coherent_iovad, vdk_iova_fast_size(n),
			      domain->iova_last >> PAGE_SHIFT, true);
	if (!pfn)
		goto err_pages;

	spin_lock(&domain->iotlb.lock);
	ret = vduse_iotlb_add(&domain->iotlb, (u64)pfn << PAGE_SHIFT,
			      ((u64)(pfn + n) << PAGE_SHIFT) - 1,
			      virt_to_phys(va), VHOST_MAP_RW, NULL,
			      (u64)pfn << PAGE_SHIFT);
	spin_unlock(&domain->iotlb.lock);
	if (ret)
		goto err_iova;
	*iova = (dma_addr_t)pfn << PAGE_SHIFT;
	return va;

err_iova:
	free_iova_fast(&domain->coherent_iovad, pfn, vdk_iova_fast_size(n));
err_pages:
	free_pages_exact(va, size);
	return NULL;
}

void vduse_domain_free_coherent(struct vduse_domain *domain, size_t size,
				void *vaddr, dma_addr_t iova)
{
	unsigned long n = PAGE_ALIGN(size) >> PAGE_SHIFT;

	spin_lock(&domain->iotlb.lock);
	vduse_iotlb_del(&domain->iotlb, iova,
			iova + ((u64)n << PAGE_SHIFT) - 1);
	spin_unlock(&domain->iotlb.lock);
	free_iova_fast(&domain->coherent_iovad, iova >> PAGE_SHIFT,
		       vdk_iova_fast_size(n));
	/* Pages the daemon still maps keep their own reference. */
	free_pages_exact(vaddr, size);
}

void *vduse_domain_coherent_va(struct vduse_domain *domain, u64 iova,
			       size_t size)
{
	struct vduse_iotlb_map *map;
	void *va = NULL;

	if (!size || iova + size - 1 < iova)
		return NULL;
	spin_lock(&domain->iotlb.lock);
	map = vduse_iotlb_first(&domain->iotlb, iova, iova);
	if (map && !map->file && iova >= domain->bounce_size &&
	    iova + size - 1 <= map->it.last)
		va = phys_to_virt(map->addr + (iova - map->it.start));
	spin_unlock(&domain->iotlb.lock);
	return va;
}

int vduse_domain_bounce_access(struct vduse_domain *domain, u64 iova,
			       void *buf, size_t size, bool write)
{
	int ret;

	if (!vduse_domain_in_bounce(domain, iova, size))
		return -EFAULT;
	read_lock(&domain->bounce_lock);
	ret = vduse_bounce_xfer(domain, iova, size, buf, write);
	read_unlock(&domain->bounce_lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* vhost-vdpa: the table comes from the VM's memory map                */
/* ------------------------------------------------------------------ */

int vduse_domain_set_map(struct vduse_domain *domain, struct vhost_iotlb *iotlb)
{
#ifdef HAVE_VHOST_IOTLB_MAP_OPAQUE
	struct vhost_iotlb_map *map;
	int ret = 0;

	spin_lock(&domain->iotlb.lock);
	vduse_iotlb_del(&domain->iotlb, 0, U64_MAX);
	WRITE_ONCE(domain->bounce_mapped, false);
	for (map = vhost_iotlb_itree_first(iotlb, 0, U64_MAX); map;
	     map = vhost_iotlb_itree_next(map, 0, U64_MAX)) {
		const struct vdpa_map_file *mf = map->opaque;

		/* use_va mappings always name the file behind the memory */
		if (!mf || !mf->file) {
			ret = -EINVAL;
			break;
		}
		ret = vduse_iotlb_add(&domain->iotlb, map->start, map->last,
				      map->addr, map->perm, mf->file,
				      mf->offset);
		if (ret)
			break;
	}
	if (ret)
		vduse_iotlb_del(&domain->iotlb, 0, U64_MAX);
	spin_unlock(&domain->iotlb.lock);
	return ret;
#else
	/* The kernel's vhost_iotlb cannot carry the backing files. */
	return -EOPNOTSUPP;
#endif
}

/*
 * One mapping at a time, for buses whose vhost_vdpa maps through dma_map():
 * [start, last] reaches addr, which the daemon finds at @offset of @file.
 */
int vduse_domain_add_file_map(struct vduse_domain *domain, u64 start, u64 last,
			      u64 addr, u8 perm, struct file *file, u64 offset)
{
	int ret;

	if (!file)
		return -EINVAL;
	spin_lock(&domain->iotlb.lock);
	ret = vduse_iotlb_add(&domain->iotlb, start, last, addr, perm, file,
			      offset);
	spin_unlock(&domain->iotlb.lock);
	return ret;
}

/* Drops the file-backed entries in [start, last]; our own regions stay. */
void vduse_domain_del_file_map(struct vduse_domain *domain, u64 start, u64 last)
{
	struct vduse_iotlb_map *map, *next;

	spin_lock(&domain->iotlb.lock);
	for (map = vduse_iotlb_first(&domain->iotlb, start, last); map;
	     map = next) {
		next = vduse_iotlb_next(map, start, last);
		if (map->file)
			vduse_iotlb_del(&domain->iotlb, map->it.start,
					map->it.last);
	}
	spin_unlock(&domain->iotlb.lock);
}

/* ------------------------------------------------------------------ */
/* Daemon-supplied bounce pages (VDUSE_IOTLB_REG_UMEM)                */
/* ------------------------------------------------------------------ */

int vduse_domain_add_user_pages(struct vduse_domain *domain,
				struct page **pages, unsigned long npages)
{
	unsigned long i;
	int ret = 0;

	if (npages != domain->npages)
		return -EINVAL;
	write_lock(&domain->bounce_lock);
	if (domain->user_pages) {
		ret = -EEXIST;
		goto out;
	}
	for (i = 0; i < npages; i++) {
		struct vduse_bounce *b = &domain->bounce[i];

		b->upage = pages[i];
		/* Data of mappings in flight moves along. */
		if (b->kpage && b->orig != VDUSE_NO_ORIG)
			copy_highpage(b->upage, b->kpage);
	}
	domain->user_pages = true;
out:
	write_unlock(&domain->bounce_lock);
	return ret;
}

void vduse_domain_remove_user_pages(struct vduse_domain *domain)
{
	unsigned long i;

	write_lock(&domain->bounce_lock);
	if (!domain->user_pages)
		goto out;
	for (i = 0; i < domain->npages; i++) {
		struct vduse_bounce *b = &domain->bounce[i];

		/* Every mapped page has a kernel page (vduse_domain_map). */
		if (b->kpage && b->upage && b->orig != VDUSE_NO_ORIG)
			copy_highpage(b->kpage, b->upage);
		b->upage = NULL;
	}
	domain->user_pages = false;
out:
	write_unlock(&domain->bounce_lock);
}

/* ------------------------------------------------------------------ */
/* The file the daemon mmaps                                          */
/* ------------------------------------------------------------------ */

static struct page *vduse_domain_fault_bounce(struct vduse_domain *domain,
					      u64 iova)
{
	struct vduse_bounce *b = &domain->bounce[iova >> PAGE_SHIFT];
	struct page *page = NULL;

	if (!READ_ONCE(domain->bounce_mapped))
		return NULL;
	if (vduse_bounce_get_kpage(b, GFP_KERNEL))
		return NULL;
	read_lock(&domain->bounce_lock);
	/* With umem the daemon reaches its bounce pages by itself. */
	if (!domain->user_pages) {
		page = b->kpage;
		get_page(page);
	}
	read_unlock(&domain->bounce_lock);
	return page;
}

static struct page *vduse_domain_fault_coherent(struct vduse_domain *domain,
						u64 iova)
{
	struct vduse_iotlb_map *map;
	struct page *page = NULL;

	spin_lock(&domain->iotlb.lock);
	map = vduse_iotlb_first(&domain->iotlb, iova, iova);
	/* Only our own coherent memory: never what set_map() put there. */
	if (map && !map->file) {
		page = pfn_to_page(PHYS_PFN(map->addr + (iova - map->it.start)));
		get_page(page);
	}
	spin_unlock(&domain->iotlb.lock);
	return page;
}

static vm_fault_t vduse_domain_fault(struct vm_fault *vmf)
{
	struct vduse_domain *domain = vmf->vma->vm_private_data;
	u64 iova = (u64)vmf->pgoff << PAGE_SHIFT;
	struct page *page;

	if (iova < domain->bounce_size)
		page = vduse_domain_fault_bounce(domain, iova);
	else if (iova <= domain->iova_last)
		page = vduse_domain_fault_coherent(domain, iova);
	else
		page = NULL;
	if (!page)
		return VM_FAULT_SIGBUS;
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vduse_domain_vm_ops = {
	.fault = vduse_domain_fault,
};

static int vduse_domain_mmap(struct file *file, struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTDUMP | VM_DONTEXPAND);
	vma->vm_private_data = file->private_data;
	vma->vm_ops = &vduse_domain_vm_ops;
	return 0;
}

static void vduse_domain_free(struct vduse_domain *domain)
{
	unsigned long i;

	spin_lock(&domain->iotlb.lock);
	vduse_iotlb_del(&domain->iotlb, 0, U64_MAX);
	spin_unlock(&domain->iotlb.lock);
	for (i = 0; i < domain->npages; i++)
		if (domain->bounce[i].kpage)
			__free_page(domain->bounce[i].kpage);
	put_iova_domain(&domain->coherent_iovad);
	put_iova_domain(&domain->stream_iovad);
	vfree(domain->bounce);
	kfree(domain);
}

static int vduse_domain_release(struct inode *inode, struct file *file)
{
	vduse_domain_free(file->private_data);
	return 0;
}

static const struct file_operations vduse_domain_fops = {
	.owner = THIS_MODULE,
	.mmap = vduse_domain_mmap,
	.release = vduse_domain_release,
	.llseek = noop_llseek,
};

struct vduse_domain *vduse_domain_create(unsigned long bounce_size)
{
	struct vduse_domain *domain;
	unsigned long i;

	bounce_size = PAGE_ALIGN(bounce_size);
	domain = kzalloc(sizeof(*domain), GFP_KERNEL);
	if (!domain)
		return NULL;
	domain->bounce_size = bounce_size;
	domain->npages = bounce_size >> PAGE_SHIFT;
	domain->iova_last = bounce_size + VDUSE_COHERENT_WINDOW - 1;
	vduse_iotlb_init(&domain->iotlb);
	rwlock_init(&domain->bounce_lock);

	domain->bounce = vzalloc(array_size(domain->npages,
					    sizeof(*domain->bounce)));
	if (!domain->bounce)
		goto err_free;
	for (i = 0; i < domain->npages; i++)
		domain->bounce[i].orig = VDUSE_NO_ORIG;

	/* IOVA 0 stays unused: the allocator reports failure as 0. */
	init_iova_domain(&domain->stream_iovad, PAGE_SIZE, 1);
	if (iova_domain_init_rcaches(&domain->stream_iovad))
		goto err_stream;
	init_iova_domain(&domain->coherent_iovad, PAGE_SIZE, domain->npages);
	if (iova_domain_init_rcaches(&domain->coherent_iovad))
		goto err_coherent;

	domain->file = anon_inode_getfile("[vduse-domain]", &vduse_domain_fops,
					  domain, O_RDWR);
	if (IS_ERR(domain->file))
		goto err_coherent;
	return domain;

err_coherent:
	put_iova_domain(&domain->coherent_iovad);
err_stream:
	put_iova_domain(&domain->stream_iovad);
	vfree(domain->bounce);
err_free:
	kfree(domain);
	return NULL;
}

/* Drop the device's reference; the domain goes with the last fd or mmap. */
void vduse_domain_put(struct vduse_domain *domain)
{
	fput(domain->file);
}
