/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdk/vdpa.h - the API of our vDPA bus (src/vdpa, vdpa.ko)
 *
 * Only used on kernels that have no vDPA bus of their own. It follows the
 * in-kernel API of Linux 6.12 (<linux/vdpa.h>) in every type, member,
 * function and macro that vduse, virtio_vdpa and vhost_vdpa use, so that
 * these drivers are one source for both buses; compat/vdpa_bus.h picks
 * this header or the kernel's.
 *
 * The kernel's own include/linux/vdpa.h, which 5.10 and 6.1 headers still
 * ship although they build no bus, describes an older and incompatible
 * API. It must never be included together with this one.
 */
#ifndef VDK_VDPA_H
#define VDK_VDPA_H

#ifdef _LINUX_VDPA_H
#error "<linux/vdpa.h> and <vdk/vdpa.h> are mutually exclusive: include compat/vdpa_bus.h"
#endif

#include <linux/device.h>
#include <linux/if_ether.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/mod_devicetable.h>
#include <linux/rwsem.h>
#include <linux/vhost_iotlb.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_net.h>

struct cpumask;
struct eventfd_ctx;
struct file;
struct mm_struct;
struct netlink_ext_ack;
struct sk_buff;
struct vdpa_config_ops;
struct vdpa_dev_set_config;
struct vdpa_mgmt_dev;
struct vdpa_mgmtdev_ops;

/* ------------------------------------------------------------------ */
/* The device                                                         */
/* ------------------------------------------------------------------ */

/**
 * struct vdpa_device - one vDPA device on the bus
 * @dev: the device on the vdpa bus; its name is the vDPA device name
 * @index: bus-unique number, gives the default name "vdpa<index>"
 * @mdev: management device that created this device, or NULL
 * @driver_override: bind only to the driver of this name (sysfs)
 * @config: the parent's operations
 * @nvqs: number of virtqueues, set by registration
 * @ngroups: number of virtqueue groups
 * @nas: number of address spaces
 * @cf_lock: serialises config space access, feature setting, status
 *	     changes and reset
 * @features_valid: driver features were set since the last reset
 * @dma_dev: device used for DMA mappings of the virtqueues (for a software
 *	     parent, a device with its own dma_map_ops)
 * @use_va: mappings carry user virtual addresses, not physical ones
 */
struct vdpa_device {
	struct device dev;
	unsigned int index;
	struct vdpa_mgmt_dev *mdev;
	const char *driver_override;

	const struct vdpa_config_ops *config;
	u32 nvqs;
	unsigned int ngroups;
	unsigned int nas;

	struct rw_semaphore cf_lock;
	bool features_valid;

	struct device *dma_dev;
	bool use_va;
};

/* compat_reset() flag: the parent also drops the mappings it holds */
#define VDPA_RESET_F_CLEAN_MAP 1

static inline struct vdpa_device *dev_to_vdpa(struct device *_dev)
{
	return container_of(_dev, struct vdpa_device, dev);
}

static inline struct device *vdpa_get_dma_dev(struct vdpa_device *vdev)
{
	return vdev->dma_dev;
}

static inline void *vdpa_get_drvdata(const struct vdpa_device *vdev)
{
	return dev_get_drvdata(&vdev->dev);
}

static inline void vdpa_set_drvdata(struct vdpa_device *vdev, void *data)
{
	dev_set_drvdata(&vdev->dev, data);
}

/* ------------------------------------------------------------------ */
/* Drivers                                                            */
/* ------------------------------------------------------------------ */

/**
 * struct vdpa_driver - a driver for vDPA devices (virtio_vdpa, vhost_vdpa)
 * @driver: the driver on the vdpa bus
 * @probe: bind to a device
 * @remove: unbind from a device
 */
struct vdpa_driver {
	struct device_driver driver;
	int (*probe)(struct vdpa_device *vdev);
	void (*remove)(struct vdpa_device *vdev);
};

static inline struct vdpa_driver *drv_to_vdpa(struct device_driver *driver)
{
	return container_of(driver, struct vdpa_driver, driver);
}

int __vdpa_register_driver(struct vdpa_driver *drv, struct module *owner);
void vdpa_unregister_driver(struct vdpa_driver *drv);

#define vdpa_register_driver(drv) __vdpa_register_driver((drv), THIS_MODULE)

#define module_vdpa_driver(__vdpa_driver) \
	module_driver(__vdpa_driver, vdpa_register_driver, \
		      vdpa_unregister_driver)

/* ------------------------------------------------------------------ */
/* Allocation and registration                                        */
/* ------------------------------------------------------------------ */

struct vdpa_device *
__vdpa_alloc_device(struct device *parent, const struct vdpa_config_ops *config,
		    unsigned int ngroups, unsigned int nas, size_t size,
		    const char *name, bool use_va);

/*
 * sizeof(@type), or a build error unless its member @... (a member name or a
 * nested designator) is a struct vdpa_device at offset 0.
 */
#define __vdpa_alloc_size(type, ...)					\
	(sizeof(type) +							\
	 BUILD_BUG_ON_ZERO(offsetof(type, __VA_ARGS__)) +		\
	 BUILD_BUG_ON_ZERO(!__same_type(((type *)NULL)->__VA_ARGS__,	\
					struct vdpa_device)))

/**
 * vdpa_alloc_device - allocate a parent structure embedding a vdpa_device
 * @type: type of the parent structure (upstream calls it dev_struct)
 * @member: its struct vdpa_device member, which must come first
 * @parent: parent device (may be NULL)
 * @config: the parent's operations
 * @ngroups: number of virtqueue groups
 * @nas: number of address spaces
 * @name: device name, or NULL for "vdpa<index>"
 * @use_va: the device takes user virtual addresses
 *
 * The result is an ERR_PTR() on failure. Until it is registered, free it
 * with put_device() on its vdpa_device's dev.
 */
#define vdpa_alloc_device(type, member, parent, config, ngroups, nas,	\
			  name, use_va)					\
	((type *)__vdpa_alloc_device((parent), (config), (ngroups), (nas), \
				     __vdpa_alloc_size(type, member),	\
				     (name), (use_va)))

/* Register on its own; takes the bus lock. */
int vdpa_register_device(struct vdpa_device *vdev, u32 nvqs);
void vdpa_unregister_device(struct vdpa_device *vdev);

/* From a management device's dev_add()/dev_del(): bus lock already held. */
int _vdpa_register_device(struct vdpa_device *vdev, u32 nvqs);
void _vdpa_unregister_device(struct vdpa_device *vdev);

/* ------------------------------------------------------------------ */
/* Management devices: "vdpa dev add/del" targets                     */
/* ------------------------------------------------------------------ */

int vdpa_mgmtdev_register(struct vdpa_mgmt_dev *mdev);
void vdpa_mgmtdev_unregister(struct vdpa_mgmt_dev *mdev);

/**
 * struct vdpa_mgmt_dev - a factory of vDPA devices
 * @device: the device that names it (bus name, if any, and device name)
 * @list: on the bus's list of management devices
 * @ops: its operations
 * @id_table: virtio device classes it creates, ended by a zero entry
 * @supported_features: features its devices can offer
 * @max_supported_vqs: most virtqueues one device can have
 * @config_attr_mask: BIT_ULL(VDPA_ATTR_*) of the attributes dev_add accepts
 */
struct vdpa_mgmt_dev {
	struct device *device;
	struct list_head list;
	const struct vdpa_mgmtdev_ops *ops;

	/* what "vdpa mgmtdev show" reports */
	struct virtio_device_id *id_table;
	u64 supported_features;
	u32 max_supported_vqs;
	u64 config_attr_mask;
};

/**
 * struct vdpa_mgmtdev_ops - what a management device implements
 * @dev_del: unregister (_vdpa_unregister_device()) and drop @dev; called
 *	     with the bus lock held
 * @dev_add: create and register (_vdpa_register_device()) a device named
 *	     @name; called with the bus lock held
 * @dev_set_attr: change attributes of a live device (optional)
 */
struct vdpa_mgmtdev_ops {
	void (*dev_del)(struct vdpa_mgmt_dev *mdev, struct vdpa_device *dev);
	int (*dev_add)(struct vdpa_mgmt_dev *mdev,
		       const char *name,
		       const struct vdpa_dev_set_config *config);
	int (*dev_set_attr)(struct vdpa_mgmt_dev *mdev,
			    struct vdpa_device *dev,
			    const struct vdpa_dev_set_config *config);
};

/**
 * struct vdpa_dev_set_config - attributes given to "vdpa dev add"/"set"
 * @device_features: features to provision (VDPA_ATTR_DEV_FEATURES)
 * @net: network device attributes
 * @net.mac: MAC address (VDPA_ATTR_DEV_NET_CFG_MACADDR)
 * @net.mtu: MTU (VDPA_ATTR_DEV_NET_CFG_MTU)
 * @net.max_vq_pairs: queue pairs (VDPA_ATTR_DEV_NET_CFG_MAX_VQP)
 * @mask: BIT_ULL(VDPA_ATTR_*) of each attribute given
 */
struct vdpa_dev_set_config {
	u64 device_features;
	struct {
		u8 mac[ETH_ALEN];
		u16 mtu, max_vq_pairs;
	} net;
	u64 mask;
};

/* ------------------------------------------------------------------ */
/* Small value types passed through the config ops                    */
/* ------------------------------------------------------------------ */

/**
 * struct vdpa_iova_range - IOVA window usable for mappings
 * @first: lowest usable IOVA
 * @last: highest usable IOVA (inclusive)
 */
struct vdpa_iova_range {
	u64 first;
	u64 last;
};

/**
 * struct vdpa_map_file - file backing of a use_va mapping
 * @file: the file mapped at the user address
 * @offset: offset of the mapping into @file
 *
 * Passed as the opaque pointer of dma_map() and of vhost_iotlb entries.
 */
struct vdpa_map_file {
	struct file *file;
	u64 offset;
};

/**
 * struct vdpa_notification_area - a doorbell the driver may map directly
 * @addr: physical address of the doorbell
 * @size: its size in bytes
 */
struct vdpa_notification_area {
	resource_size_t addr;
	resource_size_t size;
};

/**
 * struct vdpa_vq_state_packed - packed ring positions and wrap counters
 * @last_avail_counter: wrap counter of the driver area
 * @last_avail_idx: next descriptor the device will read
 * @last_used_counter: wrap counter of the device area
 * @last_used_idx: next descriptor the device will write back
 */
struct vdpa_vq_state_packed {
	u16 last_avail_counter:1;
	u16 last_avail_idx:15;
	u16 last_used_counter:1;
	u16 last_used_idx:15;
};

/**
 * struct vdpa_vq_state_split - split ring position
 * @avail_index: next available index the device will read
 */
struct vdpa_vq_state_split {
	u16 avail_index;
};

/**
 * struct vdpa_vq_state - virtqueue position, split or packed layout
 * @split: for split rings
 * @packed: for packed rings (VIRTIO_F_RING_PACKED)
 */
struct vdpa_vq_state {
	union {
		struct vdpa_vq_state_split split;
		struct vdpa_vq_state_packed packed;
	};
};

/**
 * struct vdpa_callback - how a parent signals a virtqueue or config event
 * @callback: called by the parent (may be from interrupt context)
 * @private: argument for @callback
 * @trigger: eventfd the parent may signal directly instead of calling
 *	     @callback (vhost_vdpa sets it), or NULL
 */
struct vdpa_callback {
	irqreturn_t (*callback)(void *data);
	void *private;
	struct eventfd_ctx *trigger;
};

/* ------------------------------------------------------------------ */
/* What a parent implements                                           */
/* ------------------------------------------------------------------ */

/**
 * struct vdpa_config_ops - what a vDPA parent implements
 *
 * Grouped by topic; see the 6.12 kernel documentation of <linux/vdpa.h> for
 * the contract of each. Mandatory for every parent: the virtqueue setup ops,
 * get_device_features, set_driver_features, get_driver_features,
 * get_vq_num_max, get_device_id, get_vendor_id, get_status, set_status,
 * reset, get_config, set_config, get_generation, get_vq_align,
 * set_config_cb. A device without on-chip IOMMU translation provides none
 * of set_map/dma_map/dma_unmap and does DMA through vdpa_device.dma_dev.
 * dma_map and dma_unmap come as a pair.
 */
struct vdpa_config_ops {
	/* virtqueue layout and size */
	int (*set_vq_address)(struct vdpa_device *vdev, u16 idx,
			      u64 desc_area, u64 driver_area, u64 device_area);
	void (*set_vq_num)(struct vdpa_device *vdev, u16 idx, u32 num);
	u16 (*get_vq_size)(struct vdpa_device *vdev, u16 idx);
	u16 (*get_vq_num_max)(struct vdpa_device *vdev);
	u16 (*get_vq_num_min)(struct vdpa_device *vdev);
	u32 (*get_vq_align)(struct vdpa_device *vdev);

	/* virtqueue enable and position */
	void (*set_vq_ready)(struct vdpa_device *vdev, u16 idx, bool ready);
	bool (*get_vq_ready)(struct vdpa_device *vdev, u16 idx);
	int (*get_vq_state)(struct vdpa_device *vdev, u16 idx,
			    struct vdpa_vq_state *state);
	int (*set_vq_state)(struct vdpa_device *vdev, u16 idx,
			    const struct vdpa_vq_state *state);

	/* notifications, both directions */
	void (*kick_vq)(struct vdpa_device *vdev, u16 idx);
	void (*kick_vq_with_data)(struct vdpa_device *vdev, u32 data);
	struct vdpa_notification_area
		(*get_vq_notification)(struct vdpa_device *vdev, u16 idx);
	void (*set_vq_cb)(struct vdpa_device *vdev, u16 idx,
			  struct vdpa_callback *cb);
	void (*set_config_cb)(struct vdpa_device *vdev,
			      struct vdpa_callback *cb);
	int (*get_vq_irq)(struct vdpa_device *vdev, u16 idx);
	const struct cpumask *(*get_vq_affinity)(struct vdpa_device *vdev,
						 u16 idx);
	int (*set_vq_affinity)(struct vdpa_device *vdev, u16 idx,
			       const struct cpumask *cpu_mask);

	/* identity */
	u32 (*get_vendor_id)(struct vdpa_device *vdev);
	u32 (*get_device_id)(struct vdpa_device *vdev);
	u32 (*get_generation)(struct vdpa_device *vdev);

	/* feature negotiation */
	u64 (*get_backend_features)(const struct vdpa_device *vdev);
	u64 (*get_device_features)(struct vdpa_device *vdev);
	u64 (*get_driver_features)(struct vdpa_device *vdev);
	int (*set_driver_features)(struct vdpa_device *vdev, u64 features);

	/* device status, reset, suspend */
	void (*set_status)(struct vdpa_device *vdev, u8 status);
	u8 (*get_status)(struct vdpa_device *vdev);
	int (*compat_reset)(struct vdpa_device *vdev, u32 flags);
	int (*reset)(struct vdpa_device *vdev);
	int (*resume)(struct vdpa_device *vdev);
	int (*suspend)(struct vdpa_device *vdev);

	/* device-specific configuration space */
	size_t (*get_config_size)(struct vdpa_device *vdev);
	void (*set_config)(struct vdpa_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len);
	void (*get_config)(struct vdpa_device *vdev, unsigned int offset,
			   void *buf, unsigned int len);

	/* virtqueue groups and address spaces */
	u32 (*get_vq_desc_group)(struct vdpa_device *vdev, u16 idx);
	u32 (*get_vq_group)(struct vdpa_device *vdev, u16 idx);
	int (*set_group_asid)(struct vdpa_device *vdev, unsigned int group,
			      unsigned int asid);

	/* translation: one of set_map or dma_map/dma_unmap, or neither */
	struct vdpa_iova_range (*get_iova_range)(struct vdpa_device *vdev);
	int (*dma_unmap)(struct vdpa_device *vdev, unsigned int asid,
			 u64 iova, u64 size);
	int (*dma_map)(struct vdpa_device *vdev, unsigned int asid, u64 iova,
		       u64 size, u64 pa, u32 perm, void *opaque);
	int (*set_map)(struct vdpa_device *vdev, unsigned int asid,
		       struct vhost_iotlb *iotlb);
	int (*reset_map)(struct vdpa_device *vdev, unsigned int asid);
	struct device *(*get_vq_dma_dev)(struct vdpa_device *vdev, u16 idx);

	/* use_va devices: the address space user addresses belong to */
	void (*unbind_mm)(struct vdpa_device *vdev);
	int (*bind_mm)(struct vdpa_device *vdev, struct mm_struct *mm);

	/* "vdpa dev vstats show": fill vendor attributes into @msg */
	int (*get_vendor_vq_stats)(struct vdpa_device *vdev, u16 idx,
				   struct sk_buff *msg,
				   struct netlink_ext_ack *extack);

	/* release the parent's resources; called once, at the last put */
	void (*free)(struct vdpa_device *vdev);
};

/* ------------------------------------------------------------------ */
/* Locked accessors: status, features, config space (vdev->cf_lock)   */
/* ------------------------------------------------------------------ */

void vdpa_get_config(struct vdpa_device *vdev, unsigned int offset,
		     void *buf, unsigned int len);
void vdpa_set_config(struct vdpa_device *vdev, unsigned int offset,
		     const void *buf, unsigned int length);
void vdpa_set_status(struct vdpa_device *vdev, u8 status);

/**
 * vdpa_reset - reset the device
 * @vdev: the device
 * @flags: VDPA_RESET_F_* for parents with compat_reset(), else 0
 *
 * Return: the parent's result.
 */
static inline int vdpa_reset(struct vdpa_device *vdev, u32 flags)
{
	const struct vdpa_config_ops *ops = vdev->config;
	int err;

	down_write(&vdev->cf_lock);
	vdev->features_valid = false;
	err = (flags && ops->compat_reset) ?
	      ops->compat_reset(vdev, flags) : ops->reset(vdev);
	up_write(&vdev->cf_lock);
	return err;
}

/* As vdpa_set_features(), for callers holding vdev->cf_lock for writing. */
static inline int vdpa_set_features_unlocked(struct vdpa_device *vdev,
					     u64 features)
{
	vdev->features_valid = true;
	return vdev->config->set_driver_features(vdev, features);
}

/**
 * vdpa_set_features - set the driver features
 * @vdev: the device
 * @features: the features the driver accepted
 *
 * Return: the parent's result.
 */
static inline int vdpa_set_features(struct vdpa_device *vdev, u64 features)
{
	int err;

	down_write(&vdev->cf_lock);
	vdev->features_valid = true;
	err = vdev->config->set_driver_features(vdev, features);
	up_write(&vdev->cf_lock);
	return err;
}

#endif /* VDK_VDPA_H */
