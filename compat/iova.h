/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOVA domains: since 5.18 init_iova_domain() no longer sets up the per-CPU
 * rcaches and alloc_iova_fast() dereferences them, so iova_domain_init_rcaches()
 * is mandatory. Before, init_iova_domain() did it and the call is a no-op.
 */
#ifndef VDK_COMPAT_IOVA_H
#define VDK_COMPAT_IOVA_H

#include <linux/iova.h>
#include <linux/log2.h>

#ifndef HAVE_IOVA_DOMAIN_INIT_RCACHES
static inline int vdk_compat_iova_domain_init_rcaches(struct iova_domain *iovad)
{
	return 0;
}

#define iova_domain_init_rcaches vdk_compat_iova_domain_init_rcaches
#endif

/*
 * The range size to hand to alloc_iova_fast() and free_iova_fast() for @n
 * granules. free_iova_fast() files a range in the rcache bucket of
 * order_base_2(size), so a cached range must really be that big. Since 5.17
 * ("iommu/iova: Move fast alloc size roundup into alloc_iova_fast()") the
 * allocator rounds cacheable sizes up itself; before (5.10) the caller had
 * to, or a freed 3-granule range came back as a 4-granule one overlapping
 * its neighbour. Rounding here is a no-op for newer kernels. The rcaches hold
 * sizes up to 2^(IOVA_RANGE_CACHE_MAX_SIZE - 1) = 32 granules on every
 * kernel of the matrix; larger ranges bypass them.
 */
static inline unsigned long vdk_iova_fast_size(unsigned long n)
{
	return n && n < 32 ? roundup_pow_of_two(n) : n;
}

#endif /* VDK_COMPAT_IOVA_H */
