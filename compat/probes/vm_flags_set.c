// SPDX-License-Identifier: GPL-2.0
/* 6.3: vma->vm_flags is read-only, written through vm_flags_set(). */
#include <linux/mm.h>

void vdk_probe(struct vm_area_struct *vma);
void vdk_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND);
}
