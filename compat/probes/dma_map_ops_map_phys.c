// SPDX-License-Identifier: GPL-2.0
/* after 6.12 (7.2 has it): dma_map_ops map_page/unmap_page became map_phys/unmap_phys. */
#include <linux/dma-map-ops.h>

static dma_addr_t vdk_map(struct device *dev, phys_addr_t phys, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	return DMA_MAPPING_ERROR;
}

static const struct dma_map_ops vdk_ops __used = {
	.map_phys = vdk_map,
};
