/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_vdpa.h - shared state of our vhost_vdpa.ko
 *
 * One struct vhost_vdpa per vDPA device bound to the driver, with the char
 * device /dev/vhost-vdpa-N. At most one open file per device; everything a
 * file changes (owner, virtqueue eventfds, address spaces) lives here and is
 * undone at release.
 *
 * Nothing of the vhost core (vhost.ko, drivers/vhost/vhost.h) is used: the
 * uAPI is implemented here, against the exported vDPA bus API of our
 * vdpa.ko only. See docs/vhost_vdpa.md.
 */
#ifndef VDK_VHOST_VDPA_H
#define VDK_VHOST_VDPA_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/interval_tree.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include <compat/vdpa_bus.h>

#include "uapi.h"

struct eventfd_ctx;
struct file;
struct mm_struct;

/**
 * struct vhost_vdpa_vq - one virtqueue as userspace configures it
 * @v: the device
 * @index: its number
 * @num: ring size from VHOST_SET_VRING_NUM (0: not set)
 * @base: last VHOST_SET/GET_VRING_BASE value (split: avail index; packed:
 *	  avail index and wrap counter | used index and wrap counter << 16)
 * @kick: eventfd userspace kicks the queue through, or NULL
 * @kick_wqh: the wait queue @kick_wait sits on, or NULL
 * @kick_wait: our entry on @kick's wait queue
 * @kick_pt: poll table that puts @kick_wait there
 * @call_lock: protects @call against the parent's callback
 * @call: eventfd signalled for used buffers, or NULL
 * @err: eventfd from VHOST_SET_VRING_ERR (kept, never signalled), or NULL
 * @busyloop_timeout: stored for VHOST_GET_VRING_BUSYLOOP_TIMEOUT only
 */
struct vhost_vdpa_vq {
	struct vhost_vdpa *v;
	u16 index;
	u32 num;
	u32 base;
	struct file *kick;
	wait_queue_head_t *kick_wqh;
	wait_queue_entry_t kick_wait;
	poll_table kick_pt;
	spinlock_t call_lock;		/* @call vs the parent's callback */
	struct eventfd_ctx *call;
	struct eventfd_ctx *err;
	u32 busyloop_timeout;
};

/**
 * struct vhost_vdpa_map - one IOTLB entry: [it.start, it.last] -> uaddr
 * @it: the IOVA range, in the address space's interval tree
 * @uaddr: user address of it.start in the owner's memory
 * @perm: VHOST_ACCESS_*
 * @mf: file and offset behind @uaddr, given to the parent as dma_map's opaque
 *	argument; holds a reference on the file
 */
struct vhost_vdpa_map {
	struct interval_tree_node it;
	u64 uaddr;
	u8 perm;
	struct vdpa_map_file mf;
};

/**
 * struct vhost_vdpa_as - one address space (ASID)
 * @maps: interval tree of struct vhost_vdpa_map
 * @count: entries in @maps
 * @live: created by an update or a batch (messages for other ASIDs fail)
 */
struct vhost_vdpa_as {
	struct rb_root_cached maps;
	unsigned int count;
	bool live;
};

/**
 * struct vhost_vdpa - a vDPA device bound to vhost_vdpa
 * @vdpa: the vDPA device
 * @dev: the char device's struct device (vhost-vdpa-N), child of @vdpa
 * @cdev: the char device
 * @minor: N
 * @nvqs: virtqueues of @vdpa
 * @opened: 1 while a file is open (or remove() runs)
 * @closed: completed at each release, for remove()
 * @lock: serialises ioctls, IOTLB messages and release; protects all below
 * @owner: address space of the process that did VHOST_SET_OWNER, or NULL
 *	   (counted with mmgrab())
 * @backend_features: VHOST_BACKEND_F_* acked by userspace
 * @driver_features: driver features the device accepted
 * @vqs: @nvqs virtqueues
 * @as: @vdpa->nas address spaces
 * @in_batch: between VHOST_IOTLB_BATCH_BEGIN and _END
 * @batch_asid: ASID of the batch
 * @range: IOVA window mappings must fall into
 * @config_lock: protects @config_ctx against the parent's callback
 * @config_ctx: eventfd for configuration changes, or NULL
 */
struct vhost_vdpa {
	struct vdpa_device *vdpa;
	struct device dev;
	struct cdev cdev;
	int minor;
	u32 nvqs;
	atomic_t opened;
	struct completion closed;

	struct mutex lock;		/* ioctls, writes, release */
	struct mm_struct *owner;
	u64 backend_features;
	u64 driver_features;
	struct vhost_vdpa_vq *vqs;
	struct vhost_vdpa_as *as;
	bool in_batch;
	u32 batch_asid;
	struct vdpa_iova_range range;
	spinlock_t config_lock;		/* @config_ctx vs the callback */
	struct eventfd_ctx *config_ctx;
};

/* backend features this driver always offers */
#define VHOST_VDPA_BACKEND_BASE	(BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2) | \
				 BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH) | \
				 BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID))

/* ioctl.c */
long vhost_vdpa_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int vhost_vdpa_reset(struct vhost_vdpa *v);
void vhost_vdpa_vqs_release(struct vhost_vdpa *v);

/* iotlb.c */
ssize_t vhost_vdpa_write_iter(struct kiocb *iocb, struct iov_iter *from);
void vhost_vdpa_unmap_all(struct vhost_vdpa *v);

#endif /* VDK_VHOST_VDPA_H */
