/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of vdpa.ko share with each other (not exported).
 *
 * Locking, outermost first:
 *   vdpa_lock     (rw_semaphore) the list of management devices and the set
 *                 of registered devices: registration, unregistration and
 *                 every management operation hold it for writing, netlink
 *                 queries for reading. While it is held, a device found on
 *                 the bus stays registered and its parent stays alive.
 *   vdev->cf_lock (rw_semaphore) one device's config space, features,
 *                 status and reset.
 * Driver probe and remove run under vdpa_lock when they are triggered by
 * (un)registration, so drivers must not call back into management.
 */
#ifndef VDK_VDPA_INTERNAL_H
#define VDK_VDPA_INTERNAL_H

#include <linux/device.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <net/genetlink.h>
#include <vdk/vdpa.h>

extern struct bus_type vdpa_bus;
extern struct rw_semaphore vdpa_lock;
extern struct genl_family vdpa_nl_family;

/* bus.c */
int vdpa_bus_init(void);
void vdpa_bus_exit(void);

/* device.c */
struct vdpa_device *vdpa_find_device(const char *name);
void vdpa_device_exit(void);

/* mgmt.c */
struct vdpa_mgmt_dev *vdpa_mgmt_find(const char *bus, const char *name);
u64 vdpa_mgmt_classes(const struct vdpa_mgmt_dev *mdev,
		      unsigned int *nclasses);
int vdpa_mgmt_for_each(int (*fn)(struct vdpa_mgmt_dev *mdev, void *arg),
		       void *arg);

/* netlink.c */
int vdpa_nl_init(void);
void vdpa_nl_exit(void);
int vdpa_nl_put_handle(struct sk_buff *msg, const struct vdpa_mgmt_dev *mdev);
int vdpa_nl_answer_device(struct genl_info *info,
			  int (*answer)(struct sk_buff *msg,
					struct vdpa_device *vdev,
					struct genl_info *info));
int vdpa_nl_dump_devices(struct sk_buff *msg, struct netlink_callback *cb,
			 int (*fill)(struct sk_buff *msg,
				     struct vdpa_device *vdev,
				     u32 portid, u32 seq, int flags));

/* nl_config.c: VDPA_CMD_DEV_CONFIG_GET and VDPA_CMD_DEV_VSTATS_GET */
int vdpa_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info);
int vdpa_nl_config_get_dumpit(struct sk_buff *msg,
			      struct netlink_callback *cb);
int vdpa_nl_vstats_get_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* VDK_VDPA_INTERNAL_H */
