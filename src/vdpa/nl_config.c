// SPDX-License-Identifier: GPL-2.0
/*
 * "vdpa dev config show" and "vdpa dev vstats show": a device's config
 * space and per-queue vendor statistics, as netlink attributes.
 *
 * Which config fields are reported, and when, is described by tables: a
 * field is there when the device offers one of the features that make it
 * valid (or always, for those without). Attribute numbers and types are
 * those of the 6.12 kernel, so iproute2 prints the same keys for a device
 * on this bus as for the same device on the in-kernel one.
 */
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <net/genetlink.h>
#include <uapi/vdk/vdpa.h>

#include "internal.h"

/* the config space of either class, read in one go */
union vdpa_cfg_space {
	struct virtio_net_config net;
	struct virtio_blk_config blk;
};

/* One config space field and the attribute that reports it. */
struct vdpa_cfg_field {
	u64 features;	/* reported if any of these is offered; 0: always */
	u16 attr;	/* VDPA_ATTR_DEV_* */
	u8 offset;	/* in union vdpa_cfg_space */
	u8 size;	/* 1, 2, 4, 8 (little endian) or anything else (bytes) */
};

/* @...: the field, as net.<member> or blk.<member> */
#define VDPA_CFG(attribute, feature_mask, ...) {			\
	.features = (feature_mask),					\
	.attr = (attribute),						\
	.offset = offsetof(union vdpa_cfg_space, __VA_ARGS__),		\
	.size = sizeof_field(union vdpa_cfg_space, __VA_ARGS__),	\
}

#define NET_F(bit)	BIT_ULL(VIRTIO_NET_F_##bit)
#define BLK_F(bit)	BIT_ULL(VIRTIO_BLK_F_##bit)

/* queue pairs: also needed alone by the vendor statistics */
static const struct vdpa_cfg_field vdpa_net_vq_pairs =
	VDPA_CFG(VDPA_ATTR_DEV_NET_CFG_MAX_VQP, NET_F(MQ) | NET_F(RSS),
		 net.max_virtqueue_pairs);

static const struct vdpa_cfg_field vdpa_net_fields[] = {
	VDPA_CFG(VDPA_ATTR_DEV_NET_CFG_MACADDR, NET_F(MAC), net.mac),
	VDPA_CFG(VDPA_ATTR_DEV_NET_STATUS, NET_F(STATUS), net.status),
	VDPA_CFG(VDPA_ATTR_DEV_NET_CFG_MTU, NET_F(MTU), net.mtu),
};

static const struct vdpa_cfg_field vdpa_blk_fields[] = {
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_CAPACITY, 0, blk.capacity),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_SIZE_MAX, BLK_F(SIZE_MAX),
		 blk.size_max),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_SEG_MAX, BLK_F(SEG_MAX), blk.seg_max),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_BLK_SIZE, BLK_F(BLK_SIZE),
		 blk.blk_size),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_NUM_QUEUES, BLK_F(MQ),
		 blk.num_queues),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_PHY_BLK_EXP, BLK_F(TOPOLOGY),
		 blk.physical_block_exp),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_ALIGN_OFFSET, BLK_F(TOPOLOGY),
		 blk.alignment_offset),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_MIN_IO_SIZE, BLK_F(TOPOLOGY),
		 blk.min_io_size),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_OPT_IO_SIZE, BLK_F(TOPOLOGY),
		 blk.opt_io_size),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEC, BLK_F(DISCARD),
		 blk.max_discard_sectors),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEG, BLK_F(DISCARD),
		 blk.max_discard_seg),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_DISCARD_SEC_ALIGN, BLK_F(DISCARD),
		 blk.discard_sector_alignment),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC,
		 BLK_F(WRITE_ZEROES), blk.max_write_zeroes_sectors),
	VDPA_CFG(VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG,
		 BLK_F(WRITE_ZEROES), blk.max_write_zeroes_seg),
};

/* Block attributes that report a feature bit as a u8 0 or 1. */
static const struct {
	u16 attr;
	u8 feature;
} vdpa_blk_flags[] = {
	{ VDPA_ATTR_DEV_BLK_READ_ONLY, VIRTIO_BLK_F_RO },
	{ VDPA_ATTR_DEV_BLK_FLUSH, VIRTIO_BLK_F_FLUSH },
};

static int vdpa_put_field(struct sk_buff *msg,
			  const struct vdpa_cfg_field *field,
			  const void *space, u64 features)
{
	const u8 *p = (const u8 *)space + field->offset;
	__le64 le64 = 0;
	__le32 le32 = 0;
	__le16 le16 = 0;

	if (field->features && !(features & field->features))
		return 0;

	/* modern (VERSION_1) config space is little endian, and packed */
	switch (field->size) {
	case 1:
		return nla_put_u8(msg, field->attr, *p);
	case 2:
		memcpy(&le16, p, sizeof(le16));
		return nla_put_u16(msg, field->attr, le16_to_cpu(le16));
	case 4:
		memcpy(&le32, p, sizeof(le32));
		return nla_put_u32(msg, field->attr, le32_to_cpu(le32));
	case 8:
		memcpy(&le64, p, sizeof(le64));
		return nla_put_u64_64bit(msg, field->attr, le64_to_cpu(le64),
					 VDPA_ATTR_PAD);
	default:
		return nla_put(msg, field->attr, field->size, p);
	}
}

static int vdpa_put_fields(struct sk_buff *msg,
			   const struct vdpa_cfg_field *fields, size_t n,
			   const void *space, u64 features)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = vdpa_put_field(msg, &fields[i], space, features);
		if (err)
			return err;
	}
	return 0;
}

/* Read the config space of @vdev into @space, at most @size bytes. */
static void vdpa_read_space(struct vdpa_device *vdev, void *space,
			    size_t size)
{
	const struct vdpa_config_ops *ops = vdev->config;

	memset(space, 0, size);
	if (ops->get_config_size)
		size = min(size, ops->get_config_size(vdev));
	ops->get_config(vdev, 0, space, size);
}

/* The class-specific part of a config answer; caller holds cf_lock. */
static int vdpa_put_class_config(struct sk_buff *msg,
				 struct vdpa_device *vdev, u32 device_id)
{
	u64 offered = vdev->config->get_device_features(vdev);
	union vdpa_cfg_space space;
	size_t i;
	int err;

	if (device_id != VIRTIO_ID_NET && device_id != VIRTIO_ID_BLOCK)
		return -EOPNOTSUPP;

	vdpa_read_space(vdev, &space, device_id == VIRTIO_ID_NET ?
			sizeof(space.net) : sizeof(space.blk));
	if (nla_put_u64_64bit(msg, VDPA_ATTR_DEV_FEATURES, offered,
			      VDPA_ATTR_PAD))
		return -EMSGSIZE;

	if (device_id == VIRTIO_ID_NET) {
		err = vdpa_put_fields(msg, vdpa_net_fields,
				      ARRAY_SIZE(vdpa_net_fields), &space,
				      offered);
		return err ? err : vdpa_put_field(msg, &vdpa_net_vq_pairs,
						  &space, offered);
	}

	err = vdpa_put_fields(msg, vdpa_blk_fields,
			      ARRAY_SIZE(vdpa_blk_fields), &space, offered);
	for (i = 0; !err && i < ARRAY_SIZE(vdpa_blk_flags); i++)
		err = nla_put_u8(msg, vdpa_blk_flags[i].attr,
				 !!(offered & BIT_ULL(vdpa_blk_flags[i].feature)));
	return err;
}

static int vdpa_nl_fill_config(struct sk_buff *msg, struct vdpa_device *vdev,
			       u32 portid, u32 seq, int flags)
{
	const struct vdpa_config_ops *ops = vdev->config;
	u32 device_id;
	void *hdr;
	int err;

	hdr = genlmsg_put(msg, portid, seq, &vdpa_nl_family, flags,
			  VDPA_CMD_DEV_CONFIG_GET);
	if (!hdr)
		return -EMSGSIZE;

	down_read(&vdev->cf_lock);
	device_id = ops->get_device_id(vdev);
	err = -EMSGSIZE;
	if (nla_put_string(msg, VDPA_ATTR_DEV_NAME, dev_name(&vdev->dev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_ID, device_id))
		goto out;
	/* negotiated features mean something once FEATURES_OK is set */
	if ((ops->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_NEGOTIATED_FEATURES,
			      ops->get_driver_features(vdev), VDPA_ATTR_PAD))
		goto out;
	err = vdpa_put_class_config(msg, vdev, device_id);
out:
	up_read(&vdev->cf_lock);

	if (err)
		genlmsg_cancel(msg, hdr);
	else
		genlmsg_end(msg, hdr);
	return err;
}

static int vdpa_nl_answer_config(struct sk_buff *msg,
				 struct vdpa_device *vdev,
				 struct genl_info *info)
{
	int err = vdpa_nl_fill_config(msg, vdev, info->snd_portid,
				      info->snd_seq, 0);

	if (err == -EOPNOTSUPP)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Config of this device class cannot be shown (net and block only)");
	return err;
}

int vdpa_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vdpa_nl_answer_device(info, vdpa_nl_answer_config);
}

int vdpa_nl_config_get_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	return vdpa_nl_dump_devices(msg, cb, vdpa_nl_fill_config);
}

/*
 * Statistics of queue @qidx: negotiated features, queue pairs, the index,
 * then whatever the parent reports. Caller holds vdev->cf_lock.
 */
static int vdpa_put_vstats(struct sk_buff *msg, struct vdpa_device *vdev,
			   u32 qidx, struct netlink_ext_ack *extack)
{
	const struct vdpa_config_ops *ops = vdev->config;
	struct virtio_net_config space;
	u64 negotiated;
	int err;

	if (!ops->get_vendor_vq_stats) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Device has no vendor statistics");
		return -EOPNOTSUPP;
	}
	if (!(ops->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Feature negotiation is not complete yet");
		return -EAGAIN;
	}

	negotiated = ops->get_driver_features(vdev);
	vdpa_read_space(vdev, &space, sizeof(space));
	if (nla_put_u64_64bit(msg, VDPA_ATTR_DEV_NEGOTIATED_FEATURES,
			      negotiated, VDPA_ATTR_PAD) ||
	    vdpa_put_field(msg, &vdpa_net_vq_pairs, &space, negotiated) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_QUEUE_INDEX, qidx))
		return -EMSGSIZE;

	err = ops->get_vendor_vq_stats(vdev, qidx, msg, extack);
	if (err == -EMSGSIZE)
		NL_SET_ERR_MSG_MOD(extack, "Statistics do not fit a message");
	return err;
}

static int vdpa_nl_answer_vstats(struct sk_buff *msg,
				 struct vdpa_device *vdev,
				 struct genl_info *info)
{
	u32 qidx = nla_get_u32(info->attrs[VDPA_ATTR_DEV_QUEUE_INDEX]);
	u32 device_id = vdev->config->get_device_id(vdev);
	void *hdr;
	int err;

	/* only net devices define what a queue's statistics look like */
	if (device_id != VIRTIO_ID_NET) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Vendor statistics exist for net devices only");
		return -EOPNOTSUPP;
	}
	if (qidx > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX) {
		NL_SET_ERR_MSG_MOD(info->extack, "Queue index out of range");
		return -ERANGE;
	}

	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq,
			  &vdpa_nl_family, 0, VDPA_CMD_DEV_VSTATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(msg, VDPA_ATTR_DEV_NAME, dev_name(&vdev->dev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_ID, device_id)) {
		err = -EMSGSIZE;
	} else {
		down_read(&vdev->cf_lock);
		err = vdpa_put_vstats(msg, vdev, qidx, info->extack);
		up_read(&vdev->cf_lock);
	}
	if (err) {
		genlmsg_cancel(msg, hdr);
		return err;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

int vdpa_nl_vstats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (!info->attrs[VDPA_ATTR_DEV_QUEUE_INDEX]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Missing queue index (VDPA_ATTR_DEV_QUEUE_INDEX)");
		return -EINVAL;
	}
	return vdpa_nl_answer_device(info, vdpa_nl_answer_vstats);
}
