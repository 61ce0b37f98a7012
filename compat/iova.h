/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOVA domains: since 5.18 init_iova_domain() no longer sets up the per-CPU
 * rcaches and alloc_iova_fast() dereferences them, so iova_domain_init_rcaches()
 * is mandatory. Before, init_iova_domain() did it and the call is a no-op.
 */
#ifndef VDK_COMPAT_IOVA_H
#define VDK_COMPAT_IOVA_H

#include <linux/iova.h>

#ifndef HAVE_IOVA_DOMAIN_INIT_RCACHES
static inline int vdk_compat_iova_domain_init_rcaches(struct iova_domain *iovad)
{
	return 0;
}

#define iova_domain_init_rcaches vdk_compat_iova_domain_init_rcaches
#endif

#endif /* VDK_COMPAT_IOVA_H */
