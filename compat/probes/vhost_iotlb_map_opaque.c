// SPDX-License-Identifier: GPL-2.0
/* after 5.10 (6.1 has it): vhost_iotlb_map carries an opaque pointer (use_va file backing). */
#include <linux/vhost_iotlb.h>

void *vdk_probe(struct vhost_iotlb_map *map);
void *vdk_probe(struct vhost_iotlb_map *map)
{
	return map->opaque;
}
