// SPDX-License-Identifier: GPL-2.0
/* 6.5: pin_user_pages() and get_user_pages() lost their vmas argument. */
#include <linux/mm.h>

long vdk_probe(unsigned long start, struct page **pages);
long vdk_probe(unsigned long start, struct page **pages)
{
	return pin_user_pages(start, 1, FOLL_WRITE | FOLL_LONGTERM, pages);
}
