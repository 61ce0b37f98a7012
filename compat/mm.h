/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory-management helpers in their newest form:
 *  - vm_flags_set(): 6.3 made vma->vm_flags read-only.
 *  - pin_user_pages(start, nr, gup_flags, pages): 6.5 dropped the vmas array.
 *  - vma_lookup(): 5.14.
 *  - kmap_local_page()/kunmap_local(): 5.11; before, on kernels without
 *    HIGHMEM (all 64-bit ones), a page's kernel address is page_address().
 */
#ifndef VDK_COMPAT_MM_H
#define VDK_COMPAT_MM_H

#include <linux/highmem.h>
#include <linux/mm.h>

#ifndef HAVE_VM_FLAGS_SET
static inline void vdk_compat_vm_flags_set(struct vm_area_struct *vma,
					   unsigned long flags)
{
	vma->vm_flags |= flags;
}

#define vm_flags_set vdk_compat_vm_flags_set
#endif

#ifndef HAVE_PIN_USER_PAGES_4ARG
static inline long vdk_compat_pin_user_pages(unsigned long start,
					     unsigned long nr_pages,
					     unsigned int gup_flags,
					     struct page **pages)
{
	return pin_user_pages(start, nr_pages, gup_flags, pages, NULL);
}

#define pin_user_pages vdk_compat_pin_user_pages
#endif

#ifndef HAVE_VMA_LOOKUP
static inline struct vm_area_struct *
vdk_compat_vma_lookup(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

#define vma_lookup vdk_compat_vma_lookup
#endif

#ifndef HAVE_KMAP_LOCAL_PAGE
#ifdef CONFIG_HIGHMEM
#error "vduse-dkms needs kmap_local_page() (Linux 5.11) on kernels with HIGHMEM"
#endif
/* Without HIGHMEM every page is mapped, which is all kmap_local_page() does. */
#define vdk_compat_kmap_local_page(page) page_address(page)
#define vdk_compat_kunmap_local(addr) ((void)(addr))
#define kmap_local_page vdk_compat_kmap_local_page
#define kunmap_local vdk_compat_kunmap_local
#endif

#endif /* VDK_COMPAT_MM_H */
