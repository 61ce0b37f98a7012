// SPDX-License-Identifier: GPL-2.0
/* 5.14: vma_lookup() finds the VMA that contains an address. */
#include <linux/mm.h>

struct vm_area_struct *vdk_probe(struct mm_struct *mm, unsigned long addr);
struct vm_area_struct *vdk_probe(struct mm_struct *mm, unsigned long addr)
{
	return vma_lookup(mm, addr);
}
