/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uapi.h - the parts of the vhost-vdpa uAPI that the 5.10 and 6.1 headers
 * lack. These numbers are ABI: each is defined only where the kernel's
 * <uapi/linux/vhost.h> or <uapi/linux/vhost_types.h> does not have it, with
 * the same value, so both spellings agree.
 */
#ifndef VDK_VHOST_VDPA_UAPI_H
#define VDK_VHOST_VDPA_UAPI_H

#include <linux/types.h>
#include <uapi/linux/vhost.h>

/* Backend feature bits (VHOST_GET/SET_BACKEND_FEATURES) */
#ifndef VHOST_BACKEND_F_IOTLB_ASID
#define VHOST_BACKEND_F_IOTLB_ASID		0x3
#endif
#ifndef VHOST_BACKEND_F_SUSPEND
#define VHOST_BACKEND_F_SUSPEND			0x4
#endif
#ifndef VHOST_BACKEND_F_RESUME
#define VHOST_BACKEND_F_RESUME			0x5
#endif
#ifndef VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK
#define VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK	0x6
#endif
#ifndef VHOST_BACKEND_F_DESC_ASID
#define VHOST_BACKEND_F_DESC_ASID		0x7
#endif
#ifndef VHOST_BACKEND_F_IOTLB_PERSIST
#define VHOST_BACKEND_F_IOTLB_PERSIST		0x8
#endif

/* vhost-vdpa ioctls */
#ifndef VHOST_VDPA_GET_CONFIG_SIZE
#define VHOST_VDPA_GET_CONFIG_SIZE	_IOR(VHOST_VIRTIO, 0x79, __u32)
#endif
#ifndef VHOST_VDPA_GET_AS_NUM
#define VHOST_VDPA_GET_AS_NUM		_IOR(VHOST_VIRTIO, 0x7A, unsigned int)
#endif
#ifndef VHOST_VDPA_GET_VRING_GROUP
#define VHOST_VDPA_GET_VRING_GROUP	_IOWR(VHOST_VIRTIO, 0x7B, \
					      struct vhost_vring_state)
#endif
#ifndef VHOST_VDPA_SET_GROUP_ASID
#define VHOST_VDPA_SET_GROUP_ASID	_IOW(VHOST_VIRTIO, 0x7C, \
					     struct vhost_vring_state)
#endif
#ifndef VHOST_VDPA_SUSPEND
#define VHOST_VDPA_SUSPEND		_IO(VHOST_VIRTIO, 0x7D)
#endif
#ifndef VHOST_VDPA_RESUME
#define VHOST_VDPA_RESUME		_IO(VHOST_VIRTIO, 0x7E)
#endif
#ifndef VHOST_VDPA_GET_VRING_DESC_GROUP
#define VHOST_VDPA_GET_VRING_DESC_GROUP	_IOWR(VHOST_VIRTIO, 0x7F, \
					      struct vhost_vring_state)
#endif
#ifndef VHOST_VDPA_GET_VQS_COUNT
#define VHOST_VDPA_GET_VQS_COUNT	_IOR(VHOST_VIRTIO, 0x80, __u32)
#endif
#ifndef VHOST_VDPA_GET_GROUP_NUM
#define VHOST_VDPA_GET_GROUP_NUM	_IOR(VHOST_VIRTIO, 0x81, __u32)
#endif
#ifndef VHOST_VDPA_GET_VRING_SIZE
#define VHOST_VDPA_GET_VRING_SIZE	_IOWR(VHOST_VIRTIO, 0x82, \
					      struct vhost_vring_state)
#endif

#endif /* VDK_VHOST_VDPA_UAPI_H */
