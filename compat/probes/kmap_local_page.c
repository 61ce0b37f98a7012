// SPDX-License-Identifier: GPL-2.0
/* 5.11: kmap_local_page()/kunmap_local() (5.10 has only kmap_atomic()). */
#include <linux/highmem.h>

void vdk_probe(struct page *page);
void vdk_probe(struct page *page)
{
	void *addr = kmap_local_page(page);

	kunmap_local(addr);
}
