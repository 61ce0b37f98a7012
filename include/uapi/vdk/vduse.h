/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * VDUSE, vDPA Device in Userspace: the userspace API of Linux 7.2.
 *
 * Our vduse.ko offers this API on every kernel it is built for. Numbers,
 * sizes and layouts are ABI and identical to the kernel's
 * include/uapi/linux/vduse.h of 7.2 (6.1 and 6.12 ship an older subset
 * under that name, which is why this copy lives under uapi/vdk/). Never
 * include both in one file.
 *
 * Two API versions exist. Version 0 is the original one. Version 1 adds
 * virtqueue groups and address spaces: vduse_dev_config.ngroups/nas,
 * vduse_vq_config.group, the asid members of the IOVA structures,
 * VDUSE_IOTLB_GET_FD2 and the VDUSE_SET_VQ_GROUP_ASID request. Members
 * added by version 1 occupy what version 0 declared reserved, so both
 * versions share every structure size.
 */
#ifndef VDK_UAPI_VDUSE_H
#define VDK_UAPI_VDUSE_H

#include <linux/types.h>

#define VDUSE_BASE	0x81

/* API versions, negotiated per open control file */
#define VDUSE_API_VERSION	0
#define VDUSE_API_VERSION_1	1

/* ------------------------------------------------------------------ */
/* /dev/vduse/control                                                 */
/* ------------------------------------------------------------------ */

/* Highest version the kernel offers (1 unless the caller set one). */
#define VDUSE_GET_API_VERSION	_IOR(VDUSE_BASE, 0x00, __u64)

/* Version the caller speaks; governs the devices it creates. */
#define VDUSE_SET_API_VERSION	_IOW(VDUSE_BASE, 0x01, __u64)

/**
 * struct vduse_dev_config - what VDUSE_CREATE_DEV creates
 * @name: device name, NUL-terminated; becomes /dev/vduse/@name
 * @vendor_id: virtio vendor id
 * @device_id: virtio device id (block, net or fs)
 * @features: virtio features the device offers
 * @vq_num: number of virtqueues
 * @vq_align: alignment of the virtqueue areas
 * @ngroups: number of virtqueue groups (API version 1; else zero)
 * @nas: number of address spaces (API version 1; else zero)
 * @reserved: must be zero
 * @config_size: size of @config
 * @config: initial device configuration space
 */
struct vduse_dev_config {
#define VDUSE_NAME_MAX	256
	char name[VDUSE_NAME_MAX];
	__u32 vendor_id;
	__u32 device_id;
	__u64 features;
	__u32 vq_num;
	__u32 vq_align;
	__u32 ngroups;
	__u32 nas;
	__u32 reserved[11];
	__u32 config_size;
	__u8 config[];
};

#define VDUSE_CREATE_DEV	_IOW(VDUSE_BASE, 0x02, struct vduse_dev_config)

/* Destroy the device of this name; it must be closed and not attached. */
#define VDUSE_DESTROY_DEV	_IOW(VDUSE_BASE, 0x03, char[VDUSE_NAME_MAX])

/* ------------------------------------------------------------------ */
/* /dev/vduse/$NAME                                                   */
/* ------------------------------------------------------------------ */

/**
 * struct vduse_iotlb_entry - one IOVA region and where to mmap it
 * @offset: mmap offset of the region in the returned fd
 * @start: first IOVA (in: start of the range looked up)
 * @last: last IOVA, inclusive (in: end of the range looked up)
 * @perm: VDUSE_ACCESS_*
 */
struct vduse_iotlb_entry {
	__u64 offset;
	__u64 start;
	__u64 last;
#define VDUSE_ACCESS_RO 0x1
#define VDUSE_ACCESS_WO 0x2
#define VDUSE_ACCESS_RW 0x3
	__u8 perm;
};

/* Find the first region overlapping [start, last]; returns an fd to mmap. */
#define VDUSE_IOTLB_GET_FD	_IOWR(VDUSE_BASE, 0x10, struct vduse_iotlb_entry)

/* The features the driver set (valid once FEATURES_OK was set). */
#define VDUSE_DEV_GET_FEATURES	_IOR(VDUSE_BASE, 0x11, __u64)

/**
 * struct vduse_config_data - an update of the configuration space
 * @offset: where the update starts
 * @length: bytes in @buffer
 * @buffer: the new bytes
 */
struct vduse_config_data {
	__u32 offset;
	__u32 length;
	__u8 buffer[];
};

#define VDUSE_DEV_SET_CONFIG	_IOW(VDUSE_BASE, 0x12, struct vduse_config_data)

/* Signal a configuration change to the driver. */
#define VDUSE_DEV_INJECT_CONFIG_IRQ	_IO(VDUSE_BASE, 0x13)

/**
 * struct vduse_vq_config - a virtqueue's fixed properties
 * @index: virtqueue index
 * @max_size: largest queue size the device supports
 * @reserved1: must be zero
 * @group: virtqueue group (API version 1; else zero)
 * @reserved2: must be zero
 */
struct vduse_vq_config {
	__u32 index;
	__u16 max_size;
	__u16 reserved1;
	__u32 group;
	__u16 reserved2[10];
};

/* Every virtqueue must be set up before the device can be added. */
#define VDUSE_VQ_SETUP		_IOW(VDUSE_BASE, 0x14, struct vduse_vq_config)

/**
 * struct vduse_vq_state_split - position of a split virtqueue
 * @avail_index: next available index
 */
struct vduse_vq_state_split {
	__u16 avail_index;
};

/**
 * struct vduse_vq_state_packed - position of a packed virtqueue
 * @last_avail_counter: driver ring wrap counter
 * @last_avail_idx: next available descriptor
 * @last_used_counter: device ring wrap counter
 * @last_used_idx: next used descriptor
 */
struct vduse_vq_state_packed {
	__u16 last_avail_counter;
	__u16 last_avail_idx;
	__u16 last_used_counter;
	__u16 last_used_idx;
};

/**
 * struct vduse_vq_group_asid - address space of a virtqueue group
 * @group: group index
 * @asid: address space id
 */
struct vduse_vq_group_asid {
	__u32 group;
	__u32 asid;
};

/**
 * struct vduse_vq_info - what the driver configured for a virtqueue
 * @index: virtqueue index (in)
 * @num: queue size
 * @desc_addr: IOVA of the descriptor area
 * @driver_addr: IOVA of the driver area
 * @device_addr: IOVA of the device area
 * @split: position, split layout
 * @packed: position, packed layout
 * @ready: the queue is enabled
 */
struct vduse_vq_info {
	__u32 index;
	__u32 num;
	__u64 desc_addr;
	__u64 driver_addr;
	__u64 device_addr;
	union {
		struct vduse_vq_state_split split;
		struct vduse_vq_state_packed packed;
	};
	__u8 ready;
};

#define VDUSE_VQ_GET_INFO	_IOWR(VDUSE_BASE, 0x15, struct vduse_vq_info)

/**
 * struct vduse_vq_eventfd - the eventfd a virtqueue's kicks go to
 * @index: virtqueue index
 * @fd: an eventfd, or VDUSE_EVENTFD_DEASSIGN
 */
struct vduse_vq_eventfd {
	__u32 index;
#define VDUSE_EVENTFD_DEASSIGN -1
	int fd;
};

#define VDUSE_VQ_SETUP_KICKFD	_IOW(VDUSE_BASE, 0x16, struct vduse_vq_eventfd)

/* Interrupt the driver for the virtqueue of this index. */
#define VDUSE_VQ_INJECT_IRQ	_IOW(VDUSE_BASE, 0x17, __u32)

/**
 * struct vduse_iova_umem - user memory backing an IOVA region
 * @uaddr: page-aligned user address
 * @iova: first IOVA of the region
 * @size: size of the region
 * @asid: address space (API version 1; else zero)
 * @reserved: must be zero
 */
struct vduse_iova_umem {
	__u64 uaddr;
	__u64 iova;
	__u64 size;
	__u32 asid;
	__u32 reserved[5];
};

#define VDUSE_IOTLB_REG_UMEM	_IOW(VDUSE_BASE, 0x18, struct vduse_iova_umem)
#define VDUSE_IOTLB_DEREG_UMEM	_IOW(VDUSE_BASE, 0x19, struct vduse_iova_umem)

/**
 * struct vduse_iova_info - properties of one IOVA region
 * @start: first IOVA (in: start of the range looked up)
 * @last: last IOVA, inclusive (in: end of the range looked up)
 * @capability: VDUSE_IOVA_CAP_*
 * @asid: address space (API version 1; else zero)
 * @reserved: must be zero
 */
struct vduse_iova_info {
	__u64 start;
	__u64 last;
#define VDUSE_IOVA_CAP_UMEM (1 << 0)
	__u64 capability;
	__u32 asid;
	__u32 reserved[5];
};

#define VDUSE_IOTLB_GET_INFO	_IOWR(VDUSE_BASE, 0x1a, struct vduse_iova_info)

/**
 * struct vduse_iotlb_entry_v2 - vduse_iotlb_entry with an address space
 * @offset: as in vduse_iotlb_entry
 * @start: as in vduse_iotlb_entry
 * @last: as in vduse_iotlb_entry
 * @perm: as in vduse_iotlb_entry
 * @padding: unused
 * @asid: address space to look in
 * @reserved: must be zero
 */
struct vduse_iotlb_entry_v2 {
	__u64 offset;
	__u64 start;
	__u64 last;
	__u8 perm;
	__u8 padding[7];
	__u32 asid;
	__u32 reserved[11];
};

/* VDUSE_IOTLB_GET_FD with an address space (API version 1). */
#define VDUSE_IOTLB_GET_FD2	_IOWR(VDUSE_BASE, 0x1b, struct vduse_iotlb_entry_v2)

/* ------------------------------------------------------------------ */
/* Messages: read(2) requests from, write(2) responses to the device  */
/* ------------------------------------------------------------------ */

/**
 * enum vduse_req_type - what the kernel asks the daemon
 * @VDUSE_GET_VQ_STATE: report a virtqueue's position
 * @VDUSE_SET_STATUS: the driver wrote the device status
 * @VDUSE_UPDATE_IOTLB: mappings in an IOVA range changed; look them up again
 * @VDUSE_SET_VQ_GROUP_ASID: a virtqueue group moved to another address space
 */
enum vduse_req_type {
	VDUSE_GET_VQ_STATE,
	VDUSE_SET_STATUS,
	VDUSE_UPDATE_IOTLB,
	VDUSE_SET_VQ_GROUP_ASID,
};

/**
 * struct vduse_vq_state - a virtqueue's position
 * @index: virtqueue index
 * @split: split layout
 * @packed: packed layout
 */
struct vduse_vq_state {
	__u32 index;
	union {
		struct vduse_vq_state_split split;
		struct vduse_vq_state_packed packed;
	};
};

/**
 * struct vduse_dev_status - a device status
 * @status: VIRTIO_CONFIG_S_* bits
 */
struct vduse_dev_status {
	__u8 status;
};

/**
 * struct vduse_iova_range - IOVA range [start, last]
 * @start: first IOVA
 * @last: last IOVA, inclusive
 */
struct vduse_iova_range {
	__u64 start;
	__u64 last;
};

/**
 * struct vduse_iova_range_v2 - IOVA range in an address space
 * @start: first IOVA
 * @last: last IOVA, inclusive
 * @asid: address space
 * @padding: unused
 */
struct vduse_iova_range_v2 {
	__u64 start;
	__u64 last;
	__u32 asid;
	__u32 padding;
};

/**
 * struct vduse_dev_request - one request, read from /dev/vduse/$NAME
 * @type: enum vduse_req_type
 * @request_id: echo it in the response
 * @reserved: zero
 * @vq_state: VDUSE_GET_VQ_STATE (only the index is set)
 * @s: VDUSE_SET_STATUS
 * @iova: VDUSE_UPDATE_IOTLB, API version 0
 * @iova_v2: VDUSE_UPDATE_IOTLB, API version 1
 * @vq_group_asid: VDUSE_SET_VQ_GROUP_ASID
 * @padding: size of the union
 */
struct vduse_dev_request {
	__u32 type;
	__u32 request_id;
	__u32 reserved[4];
	union {
		struct vduse_vq_state vq_state;
		struct vduse_dev_status s;
		struct vduse_iova_range iova;
		struct vduse_iova_range_v2 iova_v2;
		struct vduse_vq_group_asid vq_group_asid;
		__u32 padding[32];
	};
};

/**
 * struct vduse_dev_response - one response, written to /dev/vduse/$NAME
 * @request_id: the id of the request answered
 * @result: VDUSE_REQ_RESULT_*
 * @reserved: must be zero
 * @vq_state: answer to VDUSE_GET_VQ_STATE
 * @padding: size of the union
 */
struct vduse_dev_response {
	__u32 request_id;
#define VDUSE_REQ_RESULT_OK	0x00
#define VDUSE_REQ_RESULT_FAILED	0x01
	__u32 result;
	__u32 reserved[4];
	union {
		struct vduse_vq_state vq_state;
		__u32 padding[32];
	};
};

#endif /* VDK_UAPI_VDUSE_H */
