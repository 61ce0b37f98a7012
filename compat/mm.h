/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory-management helpers in their newest form:
 *  - vm_flags_set(): 6.3 made vma->vm_flags read-only.
 *  - pin_user_pages(start, nr, gup_flags, pages): 6.5 dropped the vmas array.
 *  - vma_lookup(): 5.14.
 *  - kmap_local_page()/kunmap_local(): 5.11; before, kmap_atomic(), which also
 *    disables preemption: callers must not sleep while a page is mapped.
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
#define vdk_compat_kmap_local_page(page) kmap_atomic(page)
#define vdk_compat_kunmap_local(addr) kunmap_atomic(addr)
#define kmap_local_page vdk_compat_kmap_local_page
#define kunmap_local vdk_compat_kunmap_local
#endif

#endif /* VDK_COMPAT_MM_H */
