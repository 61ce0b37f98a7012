// SPDX-License-Identifier: GPL-2.0
/*
 * The "vdpa" generic netlink family as iproute2's vdpa(8) speaks it:
 * listing management devices, and adding, deleting, listing and changing
 * vDPA devices. Config space and statistics queries live in nl_config.c.
 *
 * Input checking happens in two steps. The genetlink core validates every
 * request strictly against vdpa_nl_policy (unknown attributes, wrong sizes,
 * over-long names, an MTU below 68 are refused with the core's extack
 * message). The handlers then check what a policy cannot express: required
 * attributes, empty names, unknown devices, name clashes, attributes the
 * management device does not take. Each refusal has an errno and an extack
 * message; nothing is allocated before the last check that can fail, except
 * the reply, which every path frees or sends.
 *
 * Commands that change something need CAP_NET_ADMIN (GENL_ADMIN_PERM), as
 * on the in-kernel bus; queries are open to everybody.
 */
#include <linux/bits.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <net/genetlink.h>
#include <uapi/vdk/vdpa.h>
#include <compat/genetlink.h>

#include "internal.h"

/*
 * Longest names taken, without the NUL: VDUSE device names are limited to
 * 255 characters; bus names are short words ("pci", "auxiliary").
 */
#define VDPA_NL_NAME_MAX	255
#define VDPA_NL_BUS_MAX		63

/* the attributes of "vdpa dev add" that only a net device can take */
#define VDPA_NL_NET_ATTRS	(BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR) | \
				 BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU) | \
				 BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP))

/*
 * Device-type specific feature bits: all but the transport range, which is
 * bits 28 to 41 as of 6.12 (older uapi headers end it at 37).
 */
#define VDPA_NL_DEVICE_FEATURES	(GENMASK_ULL(63, 42) | \
				 GENMASK_ULL(VIRTIO_TRANSPORT_F_START - 1, 0))

struct vdpa_nl_mgmt_handle {
	bool has_bus;
	char bus[VDPA_NL_BUS_MAX + 1];
	char name[VDPA_NL_NAME_MAX + 1];
};

/*
 * Copy a policy-checked string attribute (it fits); false when it is empty
 * or starts with a NUL.
 */
static bool vdpa_nl_copy_str(char *dst, const struct nlattr *nla, size_t size)
{
	return nla_strscpy(dst, nla, size) > 0 && dst[0];
}

static int vdpa_nl_dev_name(struct genl_info *info, char *name)
{
	const struct nlattr *nla = info->attrs[VDPA_ATTR_DEV_NAME];

	if (!nla) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Missing vDPA device name (VDPA_ATTR_DEV_NAME)");
		return -EINVAL;
	}
	if (!vdpa_nl_copy_str(name, nla, VDPA_NL_NAME_MAX + 1)) {
		NL_SET_ERR_MSG_MOD(info->extack, "Empty vDPA device name");
		NL_SET_BAD_ATTR(info->extack, nla);
		return -EINVAL;
	}
	return 0;
}

static int vdpa_nl_mgmt_handle(struct genl_info *info,
			       struct vdpa_nl_mgmt_handle *handle)
{
	const struct nlattr *name = info->attrs[VDPA_ATTR_MGMTDEV_DEV_NAME];
	const struct nlattr *bus = info->attrs[VDPA_ATTR_MGMTDEV_BUS_NAME];

	if (!name) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Missing management device name (VDPA_ATTR_MGMTDEV_DEV_NAME)");
		return -EINVAL;
	}
	if (!vdpa_nl_copy_str(handle->name, name, sizeof(handle->name))) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Empty management device name");
		NL_SET_BAD_ATTR(info->extack, name);
		return -EINVAL;
	}
	handle->has_bus = bus;
	if (bus && !vdpa_nl_copy_str(handle->bus, bus, sizeof(handle->bus))) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Empty management device bus name");
		NL_SET_BAD_ATTR(info->extack, bus);
		return -EINVAL;
	}
	return 0;
}

/* Caller holds vdpa_lock. */
static struct vdpa_mgmt_dev *
vdpa_nl_find_mgmt(const struct vdpa_nl_mgmt_handle *handle,
		  struct netlink_ext_ack *extack)
{
	struct vdpa_mgmt_dev *mdev;

	mdev = vdpa_mgmt_find(handle->has_bus ? handle->bus : NULL,
			      handle->name);
	if (!mdev)
		NL_SET_ERR_MSG_MOD(extack, "No such management device");
	return mdev;
}

/**
 * vdpa_nl_get_device - the device a request names, if it is a managed one
 * @info: the request, with VDPA_ATTR_DEV_NAME
 * @vdevp: gets the device, with a reference for put_device()
 *
 * Caller holds vdpa_lock.
 *
 * Return: 0, or -EINVAL / -ENODEV with an extack message.
 */
static int vdpa_nl_get_device(struct genl_info *info,
			      struct vdpa_device **vdevp)
{
	char name[VDPA_NL_NAME_MAX + 1];
	struct vdpa_device *vdev;
	int err;

	err = vdpa_nl_dev_name(info, name);
	if (err)
		return err;
	vdev = vdpa_find_device(name);
	if (!vdev) {
		NL_SET_ERR_MSG_MOD(info->extack, "No such vDPA device");
		return -ENODEV;
	}
	if (!vdev->mdev) {
		put_device(&vdev->dev);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "vDPA device has no management device");
		return -EINVAL;
	}
	*vdevp = vdev;
	return 0;
}

/* Send @msg as the answer to @info, or free it and pass @err on. */
static int vdpa_nl_reply(struct genl_info *info, struct sk_buff *msg, int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/**
 * vdpa_nl_answer_device - answer a query about the device a request names
 * @info: the request, with VDPA_ATTR_DEV_NAME
 * @answer: puts the answer into the reply; runs under vdpa_lock (read)
 *
 * Return: what a doit returns.
 */
int vdpa_nl_answer_device(struct genl_info *info,
			  int (*answer)(struct sk_buff *msg,
					struct vdpa_device *vdev,
					struct genl_info *info))
{
	struct sk_buff *reply = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	struct vdpa_device *vdev;
	int err;

	if (!reply)
		return -ENOMEM;

	down_read(&vdpa_lock);
	err = vdpa_nl_get_device(info, &vdev);
	if (!err) {
		err = answer(reply, vdev, info);
		put_device(&vdev->dev);
	}
	up_read(&vdpa_lock);
	return vdpa_nl_reply(info, reply, err);
}

/**
 * vdpa_nl_put_handle - add a management device handle to a message
 * @msg: the message
 * @mdev: the management device
 *
 * Return: 0 or -EMSGSIZE.
 */
int vdpa_nl_put_handle(struct sk_buff *msg, const struct vdpa_mgmt_dev *mdev)
{
	const struct device *dev = mdev->device;

	if (dev->bus &&
	    nla_put_string(msg, VDPA_ATTR_MGMTDEV_BUS_NAME, dev->bus->name))
		return -EMSGSIZE;
	return nla_put_string(msg, VDPA_ATTR_MGMTDEV_DEV_NAME, dev_name(dev));
}

/* ---- management devices ---------------------------------------------- */

static int vdpa_nl_fill_mgmtdev(struct sk_buff *msg,
				const struct vdpa_mgmt_dev *mdev,
				u32 portid, u32 seq, int flags)
{
	u64 classes = vdpa_mgmt_classes(mdev, NULL);
	void *hdr;

	/* answers carry the NEW command, like the in-kernel bus's */
	hdr = genlmsg_put(msg, portid, seq, &vdpa_nl_family, flags,
			  VDPA_CMD_MGMTDEV_NEW);
	if (!hdr)
		return -EMSGSIZE;
	if (vdpa_nl_put_handle(msg, mdev) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES,
			      classes, VDPA_ATTR_PAD) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_MGMTDEV_MAX_VQS,
			mdev->max_supported_vqs) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_SUPPORTED_FEATURES,
			      mdev->supported_features, VDPA_ATTR_PAD)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int vdpa_nl_mgmtdev_get_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct vdpa_nl_mgmt_handle handle;
	struct vdpa_mgmt_dev *mdev;
	struct sk_buff *msg;
	int err;

	err = vdpa_nl_mgmt_handle(info, &handle);
	if (err)
		return err;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	down_read(&vdpa_lock);
	mdev = vdpa_nl_find_mgmt(&handle, info->extack);
	err = mdev ? vdpa_nl_fill_mgmtdev(msg, mdev, info->snd_portid,
					  info->snd_seq, 0) : -ENODEV;
	up_read(&vdpa_lock);
	return vdpa_nl_reply(info, msg, err);
}

/*
 * A dump in progress. Entries are numbered in list or bus order; those
 * before cb->args[0] went out in earlier rounds.
 */
struct vdpa_nl_dump {
	struct sk_buff *msg;
	struct netlink_callback *cb;
	long pos;
	int (*fill_dev)(struct sk_buff *msg, struct vdpa_device *vdev,
			u32 portid, u32 seq, int flags);
};

static int vdpa_nl_dump_end(struct vdpa_nl_dump *dump, int err)
{
	dump->cb->args[0] = dump->pos;
	/* a full skb ends this round; an entry too large for any ends all */
	if (err == -EMSGSIZE && dump->msg->len)
		err = 0;
	return err ? err : dump->msg->len;
}

static int vdpa_nl_dump_mgmtdev(struct vdpa_mgmt_dev *mdev, void *arg)
{
	struct vdpa_nl_dump *dump = arg;
	int err;

	if (dump->pos >= dump->cb->args[0]) {
		err = vdpa_nl_fill_mgmtdev(dump->msg, mdev,
					   NETLINK_CB(dump->cb->skb).portid,
					   dump->cb->nlh->nlmsg_seq,
					   NLM_F_MULTI);
		if (err)
			return err;
	}
	dump->pos++;
	return 0;
}

static int vdpa_nl_mgmtdev_get_dumpit(struct sk_buff *msg,
				      struct netlink_callback *cb)
{
	struct vdpa_nl_dump dump = { .msg = msg, .cb = cb };
	int err;

	down_read(&vdpa_lock);
	err = vdpa_mgmt_for_each(vdpa_nl_dump_mgmtdev, &dump);
	up_read(&vdpa_lock);
	return vdpa_nl_dump_end(&dump, err);
}

/* ---- devices --------------------------------------------------------- */

static int vdpa_nl_dump_device(struct device *dev, void *arg)
{
	struct vdpa_device *vdev = dev_to_vdpa(dev);
	struct vdpa_nl_dump *dump = arg;
	int err;

	/* devices without a management device are not listed */
	if (!vdev->mdev)
		return 0;
	if (dump->pos >= dump->cb->args[0]) {
		err = dump->fill_dev(dump->msg, vdev,
				     NETLINK_CB(dump->cb->skb).portid,
				     dump->cb->nlh->nlmsg_seq, NLM_F_MULTI);
		/* a device that cannot be described is left out */
		if (err == -EMSGSIZE)
			return err;
	}
	dump->pos++;
	return 0;
}

/**
 * vdpa_nl_dump_devices - dump every managed device with @fill
 * @msg: the dump skb of this round
 * @cb: the dump state
 * @fill: adds one device's message to @msg; -EMSGSIZE when it is full
 *
 * Return: what a dumpit returns.
 */
int vdpa_nl_dump_devices(struct sk_buff *msg, struct netlink_callback *cb,
			 int (*fill)(struct sk_buff *msg,
				     struct vdpa_device *vdev,
				     u32 portid, u32 seq, int flags))
{
	struct vdpa_nl_dump dump = { .msg = msg, .cb = cb, .fill_dev = fill };
	int err;

	down_read(&vdpa_lock);
	err = bus_for_each_dev(&vdpa_bus, NULL, &dump, vdpa_nl_dump_device);
	up_read(&vdpa_lock);
	return vdpa_nl_dump_end(&dump, err);
}

static int vdpa_nl_fill_dev(struct sk_buff *msg, struct vdpa_device *vdev,
			    u32 portid, u32 seq, int flags)
{
	const struct vdpa_config_ops *ops = vdev->config;
	u16 min_size = 1;
	void *hdr;

	if (ops->get_vq_num_min)
		min_size = ops->get_vq_num_min(vdev);

	hdr = genlmsg_put(msg, portid, seq, &vdpa_nl_family, flags,
			  VDPA_CMD_DEV_NEW);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(msg, VDPA_ATTR_DEV_NAME, dev_name(&vdev->dev)) ||
	    vdpa_nl_put_handle(msg, vdev->mdev) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_ID, ops->get_device_id(vdev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_VENDOR_ID,
			ops->get_vendor_id(vdev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_MAX_VQS, vdev->nvqs) ||
	    nla_put_u16(msg, VDPA_ATTR_DEV_MAX_VQ_SIZE,
			ops->get_vq_num_max(vdev)) ||
	    nla_put_u16(msg, VDPA_ATTR_DEV_MIN_VQ_SIZE, min_size)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int vdpa_nl_answer_dev(struct sk_buff *msg, struct vdpa_device *vdev,
			      struct genl_info *info)
{
	return vdpa_nl_fill_dev(msg, vdev, info->snd_portid, info->snd_seq, 0);
}

static int vdpa_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vdpa_nl_answer_device(info, vdpa_nl_answer_dev);
}

static int vdpa_nl_dev_get_dumpit(struct sk_buff *msg,
				  struct netlink_callback *cb)
{
	return vdpa_nl_dump_devices(msg, cb, vdpa_nl_fill_dev);
}

/*
 * The optional attributes of "vdpa dev add". When device features are given
 * too, they must include the feature each net attribute belongs to.
 */
static int vdpa_nl_parse_dev_config(struct genl_info *info,
				    struct vdpa_dev_set_config *config)
{
	struct nlattr **tb = info->attrs;
	struct nlattr *nla;
	u64 implied = 0;

	nla = tb[VDPA_ATTR_DEV_NET_CFG_MACADDR];
	if (nla) {
		memcpy(config->net.mac, nla_data(nla), ETH_ALEN);
		config->mask |= BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR);
		implied |= BIT_ULL(VIRTIO_NET_F_MAC);
	}
	nla = tb[VDPA_ATTR_DEV_NET_CFG_MTU];
	if (nla) {
		config->net.mtu = nla_get_u16(nla);
		config->mask |= BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU);
		implied |= BIT_ULL(VIRTIO_NET_F_MTU);
	}
	nla = tb[VDPA_ATTR_DEV_NET_CFG_MAX_VQP];
	if (nla) {
		config->net.max_vq_pairs = nla_get_u16(nla);
		if (!config->net.max_vq_pairs) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "A net device needs at least one queue pair");
			NL_SET_BAD_ATTR(info->extack, nla);
			return -EINVAL;
		}
		config->mask |= BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP);
		if (config->net.max_vq_pairs > 1)
			implied |= BIT_ULL(VIRTIO_NET_F_MQ);
	}

	nla = tb[VDPA_ATTR_DEV_FEATURES];
	if (!nla)
		return 0;
	config->device_features = nla_get_u64(nla);
	config->mask |= BIT_ULL(VDPA_ATTR_DEV_FEATURES);
	if (implied & ~config->device_features) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Device features lack MAC, MTU or MQ although the matching attribute is given");
		NL_SET_BAD_ATTR(info->extack, nla);
		return -EINVAL;
	}
	return 0;
}

/* Whether @mdev can create a device from @config. */
static int vdpa_nl_check_dev_config(const struct vdpa_mgmt_dev *mdev,
				    const struct vdpa_dev_set_config *config,
				    struct netlink_ext_ack *extack)
{
	bool net_attrs = config->mask & VDPA_NL_NET_ATTRS;
	bool features = config->mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES);
	unsigned int nclasses;
	u64 classes;

	if (config->mask & ~mdev->config_attr_mask) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Management device does not take some of the given attributes");
		return -EOPNOTSUPP;
	}

	classes = vdpa_mgmt_classes(mdev, &nclasses);
	if (net_attrs && !(classes & BIT_ULL(VIRTIO_ID_NET))) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Net attributes given, but the management device creates no net devices");
		return -EINVAL;
	}

	/*
	 * For a parent of several classes that includes net, device-specific
	 * feature bits alone do not say which class is meant.
	 */
	if (features && !net_attrs && nclasses > 1 &&
	    (classes & BIT_ULL(VIRTIO_ID_NET)) &&
	    (config->device_features & VDPA_NL_DEVICE_FEATURES)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Device-specific features are ambiguous for a management device of several classes");
		return -EINVAL;
	}
	return 0;
}

static int vdpa_nl_dev_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vdpa_dev_set_config config = {};
	struct vdpa_nl_mgmt_handle handle;
	char name[VDPA_NL_NAME_MAX + 1];
	struct vdpa_mgmt_dev *mdev;
	struct vdpa_device *same;
	int err;

	err = vdpa_nl_dev_name(info, name);
	if (err)
		return err;
	/* sysfs would turn it into '!', and the name would not be found */
	if (strchr(name, '/')) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "vDPA device names cannot contain '/'");
		NL_SET_BAD_ATTR(info->extack, info->attrs[VDPA_ATTR_DEV_NAME]);
		return -EINVAL;
	}
	err = vdpa_nl_mgmt_handle(info, &handle);
	if (err)
		return err;
	err = vdpa_nl_parse_dev_config(info, &config);
	if (err)
		return err;

	down_write(&vdpa_lock);
	mdev = vdpa_nl_find_mgmt(&handle, info->extack);
	if (!mdev) {
		err = -ENODEV;
		goto out;
	}
	/* what was asked for first, as the in-kernel bus does; then the name */
	err = vdpa_nl_check_dev_config(mdev, &config, info->extack);
	if (err)
		goto out;
	same = vdpa_find_device(name);
	if (same) {
		put_device(&same->dev);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "A vDPA device of that name exists");
		err = -EEXIST;
		goto out;
	}

	/* dev_add() registers with _vdpa_register_device(): lock held */
	err = mdev->ops->dev_add(mdev, name, &config);
	if (err)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Management device could not add the device");
out:
	up_write(&vdpa_lock);
	return err;
}

static int vdpa_nl_dev_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vdpa_device *vdev;
	int err;

	down_write(&vdpa_lock);
	err = vdpa_nl_get_device(info, &vdev);
	if (!err) {
		/* dev_del() unregisters with _vdpa_unregister_device() */
		vdev->mdev->ops->dev_del(vdev->mdev, vdev);
		put_device(&vdev->dev);
	}
	up_write(&vdpa_lock);
	return err;
}

/* "vdpa dev set": only the MAC address of a net device can change. */
static int vdpa_nl_dev_attr_set_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	const struct nlattr *mac = info->attrs[VDPA_ATTR_DEV_NET_CFG_MACADDR];
	struct vdpa_dev_set_config config = {};
	struct vdpa_mgmt_dev *mdev;
	struct vdpa_device *vdev;
	int err;

	if (!mac) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Nothing to set: only the MAC address can be changed");
		return -EINVAL;
	}
	if (!is_valid_ether_addr(nla_data(mac))) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Not a valid unicast MAC address");
		NL_SET_BAD_ATTR(info->extack, mac);
		return -EINVAL;
	}
	ether_addr_copy(config.net.mac, nla_data(mac));
	config.mask = BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR);

	down_write(&vdpa_lock);
	err = vdpa_nl_get_device(info, &vdev);
	if (err)
		goto unlock;
	mdev = vdev->mdev;
	if (!(vdpa_mgmt_classes(mdev, NULL) & BIT_ULL(VIRTIO_ID_NET))) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Only attributes of net devices can be set");
		err = -EOPNOTSUPP;
	} else if (!mdev->ops->dev_set_attr) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Management device cannot change its devices");
		err = -EOPNOTSUPP;
	} else {
		down_write(&vdev->cf_lock);
		err = mdev->ops->dev_set_attr(mdev, vdev, &config);
		up_write(&vdev->cf_lock);
		if (err)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "Management device refused the change");
	}
	put_device(&vdev->dev);
unlock:
	up_write(&vdpa_lock);
	return err;
}

/* ---- the family ------------------------------------------------------ */

static const struct nla_policy vdpa_nl_policy[VDPA_ATTR_MAX + 1] = {
	[VDPA_ATTR_MGMTDEV_BUS_NAME] = { .type = NLA_STRING,
					 .len = VDPA_NL_BUS_MAX },
	[VDPA_ATTR_MGMTDEV_DEV_NAME] = { .type = NLA_STRING,
					 .len = VDPA_NL_NAME_MAX },
	[VDPA_ATTR_DEV_NAME] = { .type = NLA_STRING, .len = VDPA_NL_NAME_MAX },
	[VDPA_ATTR_DEV_FEATURES] = { .type = NLA_U64 },
	[VDPA_ATTR_DEV_QUEUE_INDEX] = { .type = NLA_U32 },
	/* virtio 1.1, 5.1.4.1: an MTU of at least 68 */
	[VDPA_ATTR_DEV_NET_CFG_MTU] = NLA_POLICY_MIN(NLA_U16, ETH_MIN_MTU),
	[VDPA_ATTR_DEV_NET_CFG_MAX_VQP] = { .type = NLA_U16 },
	[VDPA_ATTR_DEV_NET_CFG_MACADDR] = NLA_POLICY_ETH_ADDR,
};

/*
 * No op sets .validate: every command is validated strictly, and from
 * DEV_ATTR_SET on (resv_start_op) the header's reserved bits are checked too.
 */
static const struct genl_ops vdpa_nl_ops[] = {
	/* queries */
	{ .cmd = VDPA_CMD_MGMTDEV_GET, .doit = vdpa_nl_mgmtdev_get_doit,
	  .dumpit = vdpa_nl_mgmtdev_get_dumpit },
	{ .cmd = VDPA_CMD_DEV_GET, .doit = vdpa_nl_dev_get_doit,
	  .dumpit = vdpa_nl_dev_get_dumpit },
	{ .cmd = VDPA_CMD_DEV_CONFIG_GET, .doit = vdpa_nl_config_get_doit,
	  .dumpit = vdpa_nl_config_get_dumpit },
	/* changes, and vendor statistics (as on the in-kernel bus) */
	{ .cmd = VDPA_CMD_DEV_NEW, .doit = vdpa_nl_dev_new_doit,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = VDPA_CMD_DEV_DEL, .doit = vdpa_nl_dev_del_doit,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = VDPA_CMD_DEV_ATTR_SET, .doit = vdpa_nl_dev_attr_set_doit,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = VDPA_CMD_DEV_VSTATS_GET, .doit = vdpa_nl_vstats_get_doit,
	  .flags = GENL_ADMIN_PERM },
};

struct genl_family vdpa_nl_family __ro_after_init = {
	.name		= VDPA_GENL_NAME,
	.version	= VDPA_GENL_VERSION,
	.n_ops		= ARRAY_SIZE(vdpa_nl_ops),
	.ops		= vdpa_nl_ops,
	.maxattr	= VDPA_ATTR_MAX,
	.policy		= vdpa_nl_policy,
	.module		= THIS_MODULE,
};

int vdpa_nl_init(void)
{
	vdk_genl_set_resv_start_op(&vdpa_nl_family,
				   VDPA_CMD_DEV_VSTATS_GET + 1);
	return genl_register_family(&vdpa_nl_family);
}

void vdpa_nl_exit(void)
{
	genl_unregister_family(&vdpa_nl_family);
}
