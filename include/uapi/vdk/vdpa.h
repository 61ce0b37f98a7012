/* SPDX-License-Identifier: GPL-2.0+ WITH Linux-syscall-note */
/*
 * The "vdpa" generic netlink family: command and attribute numbers.
 *
 * This is the numbering of Linux 6.12 (unchanged in 7.2), which our vdpa.ko
 * speaks on every kernel it is built for. The numbers are ABI and must stay
 * identical to the kernel's include/uapi/linux/vdpa.h.
 *
 * Attribute 21 changed meaning after 6.1:
 *   6.1:   21 = VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES (the device features
 *          in "config show"), MAX = 22
 *   6.12:  device features moved to 20 (VDPA_ATTR_DEV_FEATURES);
 *          21 = VDPA_ATTR_DEV_BLK_CFG_CAPACITY, 21..36 block config,
 *          MAX = 37
 * We use the 6.12 meaning. Supported userspace, checked against the
 * Debian packages:
 *   - iproute2 6.1 (bookworm): vdpa(8) never sends attribute 21 and never
 *     reads it (its uapi copy ends at 22), so mgmtdev show, dev show/add/
 *     del, dev config show and dev vstats show work, with -j too.
 *   - iproute2 6.15 (trixie): built on the 6.12 numbering; all of the
 *     above, plus device_features on dev add and dev set mac.
 *   - Any iproute2 whose uapi copy has the 6.12 numbering. A release
 *     between the two that read attribute 21 as device features would
 *     show a block device's capacity there; none is known to us.
 *   - iproute2 before 5.12 has no vdpa(8).
 * Kept apart from the kernel's uapi/linux/vdpa.h (6.1 headers ship the old
 * numbering): never include both in one file.
 */
#ifndef _UAPI_VDK_VDPA_H
#define _UAPI_VDK_VDPA_H

#define VDPA_GENL_NAME		"vdpa"
#define VDPA_GENL_VERSION	0x1

enum vdpa_command {
	VDPA_CMD_UNSPEC,
	VDPA_CMD_MGMTDEV_NEW,
	VDPA_CMD_MGMTDEV_GET,		/* doit and dump */
	VDPA_CMD_DEV_NEW,
	VDPA_CMD_DEV_DEL,
	VDPA_CMD_DEV_GET,		/* doit and dump */
	VDPA_CMD_DEV_CONFIG_GET,	/* doit and dump */
	VDPA_CMD_DEV_VSTATS_GET,
	VDPA_CMD_DEV_ATTR_SET,
};

enum vdpa_attr {
	VDPA_ATTR_UNSPEC,

	/* padding for 64-bit attributes */
	VDPA_ATTR_PAD = VDPA_ATTR_UNSPEC,

	/* management device handle: optional bus name plus device name */
	VDPA_ATTR_MGMTDEV_BUS_NAME,		/* string */
	VDPA_ATTR_MGMTDEV_DEV_NAME,		/* string */
	VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES,	/* u64, bit per virtio id */

	VDPA_ATTR_DEV_NAME,			/* string */
	VDPA_ATTR_DEV_ID,			/* u32 */
	VDPA_ATTR_DEV_VENDOR_ID,		/* u32 */
	VDPA_ATTR_DEV_MAX_VQS,			/* u32 */
	VDPA_ATTR_DEV_MAX_VQ_SIZE,		/* u16 */
	VDPA_ATTR_DEV_MIN_VQ_SIZE,		/* u16 */

	VDPA_ATTR_DEV_NET_CFG_MACADDR,		/* binary, ETH_ALEN */
	VDPA_ATTR_DEV_NET_STATUS,		/* u8 (the kernel sends u16) */
	VDPA_ATTR_DEV_NET_CFG_MAX_VQP,		/* u16 */
	VDPA_ATTR_DEV_NET_CFG_MTU,		/* u16 */

	VDPA_ATTR_DEV_NEGOTIATED_FEATURES,	/* u64 */
	VDPA_ATTR_DEV_MGMTDEV_MAX_VQS,		/* u32 */
	/* features the management device can offer */
	VDPA_ATTR_DEV_SUPPORTED_FEATURES,	/* u64 */

	VDPA_ATTR_DEV_QUEUE_INDEX,		/* u32 */
	VDPA_ATTR_DEV_VENDOR_ATTR_NAME,		/* string */
	VDPA_ATTR_DEV_VENDOR_ATTR_VALUE,	/* u64 */

	/* features provisioned to one vDPA device */
	VDPA_ATTR_DEV_FEATURES,			/* u64 */

	/* 21: VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES in 6.1, see above */
	VDPA_ATTR_DEV_BLK_CFG_CAPACITY,		/* u64 */
	VDPA_ATTR_DEV_BLK_CFG_SIZE_MAX,		/* u32 */
	VDPA_ATTR_DEV_BLK_CFG_BLK_SIZE,		/* u32 */
	VDPA_ATTR_DEV_BLK_CFG_SEG_MAX,		/* u32 */
	VDPA_ATTR_DEV_BLK_CFG_NUM_QUEUES,	/* u16 */
	VDPA_ATTR_DEV_BLK_CFG_PHY_BLK_EXP,	/* u8 */
	VDPA_ATTR_DEV_BLK_CFG_ALIGN_OFFSET,	/* u8 */
	VDPA_ATTR_DEV_BLK_CFG_MIN_IO_SIZE,	/* u16 */
	VDPA_ATTR_DEV_BLK_CFG_OPT_IO_SIZE,	/* u32 */
	VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEC,	/* u32 */
	VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEG,	/* u32 */
	VDPA_ATTR_DEV_BLK_CFG_DISCARD_SEC_ALIGN,	/* u32 */
	VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC,	/* u32 */
	VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG,	/* u32 */
	VDPA_ATTR_DEV_BLK_READ_ONLY,		/* u8 */
	VDPA_ATTR_DEV_BLK_FLUSH,		/* u8 */

	/* add new attributes above this line */
	VDPA_ATTR_MAX,
};

#endif /* _UAPI_VDK_VDPA_H */
