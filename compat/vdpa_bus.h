/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vDPA bus a parent driver (VDUSE) registers with.
 *
 * Where the kernel has its own bus (HAVE_KERNEL_VDPA_BUS) that is
 * <linux/vdpa.h>; elsewhere our vdpa.ko with <vdk/vdpa.h>, which follows the
 * 6.12 API. After 6.12 the kernel's bus maps buffers through
 * struct virtio_map_ops (HAVE_VIRTIO_MAP_OPS) instead of dma_map_ops on a
 * dma_dev: vdpa_alloc_device() gained a map argument and get_vq_dma_dev()
 * became get_vq_map().
 *
 * vdk_vdpa_alloc_device() takes the newest argument list everywhere and drops
 * the map ops where the bus has no such argument.
 */
#ifndef VDK_COMPAT_VDPA_BUS_H
#define VDK_COMPAT_VDPA_BUS_H

#ifdef HAVE_KERNEL_VDPA_BUS
#include <linux/vdpa.h>
#else
#include <vdk/vdpa.h>
#endif

/* VIRTIO_F_IN_ORDER (feature bit 35): 5.10's uapi header lacks the name. */
#ifndef VIRTIO_F_IN_ORDER
#define VIRTIO_F_IN_ORDER	35
#endif

#ifdef HAVE_VIRTIO_MAP_OPS
#define vdk_vdpa_alloc_device(dev_struct, member, parent, config, map,	\
			      ngroups, nas, name, use_va)		\
	vdpa_alloc_device(dev_struct, member, parent, config, map,	\
			  ngroups, nas, name, use_va)
#else
#define vdk_vdpa_alloc_device(dev_struct, member, parent, config, map,	\
			      ngroups, nas, name, use_va)		\
	vdpa_alloc_device(dev_struct, member, parent, config,		\
			  ngroups, nas, name, use_va)
#endif

#endif /* VDK_COMPAT_VDPA_BUS_H */
