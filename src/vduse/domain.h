/* SPDX-License-Identifier: GPL-2.0 */
/*
 * domain.h - an IOVA address space of a VDUSE device
 *
 * IOVA layout of a domain:
 *   [0, bounce_size)                         streaming mappings; the data is
 *                                            copied ("bounced") between the
 *                                            driver's pages and bounce pages
 *   [bounce_size, bounce_size + COHERENT)    coherent allocations (rings),
 *                                            shared with the daemon in place
 * Both are handed to the daemon as one file (VDUSE_IOTLB_GET_FD) whose mmap
 * offset equals the IOVA. vhost-vdpa replaces the table by set_map(); its
 * entries point into the VM's memory files instead.
 */
#ifndef VDK_VDUSE_DOMAIN_H
#define VDK_VDUSE_DOMAIN_H

#include <linux/dma-direction.h>
#include <linux/interval_tree.h>
#include <linux/iova.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct file;
struct page;
struct vhost_iotlb;

/*
 * One IOTLB entry: [it.start, it.last] -> addr, reached by the daemon through
 * file + offset. file is NULL for the domain's own regions (bounce and
 * coherent), which must not pin the domain's file from inside the domain.
 */
struct vduse_iotlb_map {
	struct interval_tree_node it;
	u64 addr;
	u8 perm;
	struct file *file;
	u64 offset;
};

struct vduse_iotlb {
	spinlock_t lock;		/* root, count */
	struct rb_root_cached root;
	unsigned int count;
};

void vduse_iotlb_init(struct vduse_iotlb *tlb);
int vduse_iotlb_add(struct vduse_iotlb *tlb, u64 start, u64 last, u64 addr,
		    u8 perm, struct file *file, u64 offset);
void vduse_iotlb_del(struct vduse_iotlb *tlb, u64 start, u64 last);
struct vduse_iotlb_map *vduse_iotlb_first(struct vduse_iotlb *tlb, u64 start,
					  u64 last);
struct vduse_iotlb_map *vduse_iotlb_next(struct vduse_iotlb_map *map,
					 u64 start, u64 last);

/* bounce page not mapped by any streaming mapping */
#define VDUSE_NO_ORIG	((phys_addr_t)~0ULL)

struct vduse_bounce {
	struct page *kpage;	/* kernel bounce page, allocated on first use */
	struct page *upage;	/* daemon page (VDUSE_IOTLB_REG_UMEM) or NULL */
	phys_addr_t orig;	/* driver memory of this page, or INVALID */
};

struct vduse_domain {
	struct file *file;
	struct vduse_iotlb iotlb;
	struct iova_domain stream_iovad;
	struct iova_domain coherent_iovad;
	unsigned long bounce_size;
	unsigned long npages;
	u64 iova_last;
	struct vduse_bounce *bounce;
	rwlock_t bounce_lock;
	bool user_pages;
	bool bounce_mapped;
};

int vduse_domain_module_init(void);
void vduse_domain_module_exit(void);
struct vduse_domain *vduse_domain_create(unsigned long bounce_size);
void vduse_domain_put(struct vduse_domain *domain);

/* map/unmap/sync tell how many bytes they copied (*copied: only if any) */
dma_addr_t vduse_domain_map(struct vduse_domain *domain, phys_addr_t pa,
			    size_t size, enum dma_data_direction dir,
			    unsigned long attrs, size_t *copied);
size_t vduse_domain_unmap(struct vduse_domain *domain, dma_addr_t iova,
			  size_t size, enum dma_data_direction dir,
			  unsigned long attrs);
size_t vduse_domain_sync(struct vduse_domain *domain, dma_addr_t iova,
			 size_t size, enum dma_data_direction dir, bool to_dev);
void *vduse_domain_alloc_coherent(struct vduse_domain *domain, size_t size,
				  dma_addr_t *iova, gfp_t gfp);
void vduse_domain_free_coherent(struct vduse_domain *domain, size_t size,
				void *vaddr, dma_addr_t iova);
void vduse_domain_reset_bounce(struct vduse_domain *domain);

int vduse_domain_set_map(struct vduse_domain *domain,
			 struct vhost_iotlb *iotlb);
int vduse_domain_add_file_map(struct vduse_domain *domain, u64 start, u64 last,
			      u64 addr, u8 perm, struct file *file, u64 offset);
void vduse_domain_del_file_map(struct vduse_domain *domain, u64 start,
			       u64 last);

int vduse_domain_add_user_pages(struct vduse_domain *domain,
				struct page **pages, unsigned long npages);
void vduse_domain_remove_user_pages(struct vduse_domain *domain);

void *vduse_domain_coherent_va(struct vduse_domain *domain, u64 iova,
			       size_t size);
int vduse_domain_bounce_access(struct vduse_domain *domain, u64 iova,
			       void *buf, size_t size, bool write);

#endif /* VDK_VDUSE_DOMAIN_H */
