// SPDX-License-Identifier: GPL-2.0
/* 5.18: iova rcaches are set up by iova_domain_init_rcaches(), no longer by init_iova_domain(). */
#include <linux/iova.h>

static int __used vdk_probe(struct iova_domain *iovad)
{
	return iova_domain_init_rcaches(iovad);
}
