/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vduse.h - objects shared by the files of vduse.ko
 *
 * One prefix per object:
 *   vduse_ctl_*     /dev/vduse/control: API version, create, destroy (ctl.c)
 *   vduse_dev_*     a VDUSE device and /dev/vduse/$NAME (dev.c)
 *   vduse_msg_*     the read()/write() request channel (msg.c)
 *   vduse_vq_*      virtqueues: kicks, interrupts, affinity (vq.c)
 *   vduse_vdpa_*    the vDPA parent operations and "vdpa dev add" (vdpa.c)
 *   vduse_map_*     DMA for the virtio driver: dma_map_ops or virtio_map_ops
 *                   (map.c)
 *   vduse_domain_*  an IOVA address space with bounce buffers (domain.c)
 *   vduse_iotlb_*   the IOVA -> memory table of a domain (iotlb.c)
 *   vduse_umem_*    daemon-supplied bounce memory (umem.c)
 *
 * Locking, outermost first:
 *   vduse_idr_lock (mutex)   device table, names, open, create, destroy
 *   dev->lock (mutex)        connected, vdpa, detaching
 *   dev->domain_lock (mutex) dev->as[] domains and umem, bounce_size
 *   dev->status_sem (rwsem)  status and reset against interrupt injection
 *   dev->msg_lock (spin)     message lists, broken
 *   group->lock (rwlock)     a virtqueue group's address space
 *   domain->bounce_lock (rw) bounce pages against umem (de)registration
 *   domain->iotlb.lock       a domain's IOTLB
 *   vq->kick_lock, vq->irq_lock, dev->irq_lock (spin, leaf)
 */
#ifndef VDK_VDUSE_H
#define VDK_VDUSE_H

#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/sizes.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <compat/device.h>
#include <compat/vdpa_bus.h>
#include <uapi/vdk/vduse.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_ring.h>

struct vduse_dev;
struct vduse_domain;
struct vduse_packed_track;

#define VDUSE_MINORS		BIT(MINORBITS)
#define VDUSE_MAX_GROUPS	0xffff
#define VDUSE_MAX_AS		0xffff
#define VDUSE_MAX_VQS		0xffff
/* largest virtqueue the virtio spec allows, split or packed */
#define VDUSE_VQ_SIZE_MAX	32768
/*
 * Smallest queue of a block device without indirect descriptors: a request
 * takes a header, at least one data segment and the status, one descriptor
 * each. virtio_blk does not check: it WARNs and hangs on a smaller ring.
 */
#define VDUSE_BLK_VQ_SIZE_MIN	3
/* largest virtio-blk physical_block_exp the driver reads (512 << 15: 16 MiB) */
#define VDUSE_BLK_PHYS_EXP_MAX	15
#define VDUSE_BOUNCE_DEFAULT	SZ_64M
#define VDUSE_BOUNCE_MIN	SZ_1M
#define VDUSE_BOUNCE_MAX	SZ_1G
/*
 * Each address space gets bounce_size / nas, but at least this much: room
 * for the largest request the block layer sends by default (1280 KiB) with
 * its header, status and indirect table. A smaller region could never map
 * such a request, and the driver would retry it for ever.
 */
#define VDUSE_DOMAIN_BOUNCE_MIN	SZ_2M
#define VDUSE_MSG_TIMEOUT	30
/* an interrupt not bound to a CPU (vduse_vq_deliver_irq()) */
#define VDUSE_IRQ_ANY_CPU	(-1)

/* A request on its way to the daemon; lives on the requester's stack. */
struct vduse_msg {
	struct list_head node;
	struct vduse_dev_request req;
	struct vduse_dev_response resp;
	bool done;
};

/*
 * struct vduse_vq_group - a virtqueue group and the address space it maps in
 *
 * On 7.2 union virtio_map carries a pointer to it, so the name is fixed by
 * the kernel (which only declares it).
 */
struct vduse_vq_group {
	rwlock_t lock;
	u32 asid;
	struct vduse_dev *dev;
};

struct vduse_as {
	struct vduse_domain *domain;
	struct vduse_umem *umem;
};

struct vduse_vq {
	struct vduse_dev *dev;
	u32 index;
	u16 num_max;
	u32 group;
	/* what the driver configured; cleared by reset */
	struct {
		u64 desc;
		u64 driver;
		u64 device;
		u32 num;
		u16 offered;	/* the largest num_max a driver was told */
		struct vdpa_vq_state state;
	} ring;
	bool ready;

	spinlock_t kick_lock;		/* kickfd, kick_pending, ready */
	struct eventfd_ctx *kickfd;
	bool kick_pending;
	struct work_struct kick_work;

	spinlock_t irq_lock;		/* cb */
	struct vdpa_callback cb;
	struct work_struct irq_work;
	int irq_cpu;
	cpumask_var_t irq_affinity;

	struct work_struct fail_work;
	/*
	 * Requests in flight on a block device's split ring, so the fail work
	 * completes exactly those (the daemon completes out of order). Per
	 * head: submissions minus completions seen so far. Set up at
	 * DRIVER_OK where the rings are our own coherent memory.
	 */
	spinlock_t track_lock;
	s8 *track;
	struct vring_avail *track_avail;
	struct vring_used *track_used;
	u16 track_avail_idx;
	u16 track_used_idx;
	bool track_lost;
	/* the same for a packed ring (vq.c); under track_lock too */
	struct vduse_packed_track *ptrack;
	struct kobject kobj;
};

/*
 * Per-device counters, one copy per CPU so the fast path only adds to its
 * own (no shared cache line, no lock); sysfs stats/ sums them on read.
 */
enum vduse_stat {
	VDUSE_STAT_KICKS,		/* driver notifications to the daemon */
	VDUSE_STAT_IRQS,		/* queue interrupts the daemon injected */
	VDUSE_STAT_CONFIG_IRQS,		/* config interrupts the daemon injected */
	VDUSE_STAT_BOUNCE_TO_DEV,	/* bytes copied into bounce pages */
	VDUSE_STAT_BOUNCE_FROM_DEV,	/* bytes copied out of bounce pages */
	VDUSE_STAT_MSGS,		/* requests sent to the daemon */
	VDUSE_STAT_MSG_ERRORS,		/* requests failed: FAILED or broken */
	VDUSE_STAT_MSG_TIMEOUTS,	/* requests left unanswered */
	VDUSE_STAT_FAILED_REQS,		/* block requests failed for a dead daemon */
	VDUSE_STAT_MAP_ERRORS,		/* DMA mappings/allocations refused */
	VDUSE_STAT_NR
};

struct vduse_stats {
	u64 v[VDUSE_STAT_NR];
};

struct vduse_vdpa {
	struct vdpa_device vdpa;
	struct vduse_dev *dev;
};

struct vduse_dev {
	char *name;
	int minor;
	struct device *cdev;
	kuid_t owner;			/* effective uid of the creator */
	u64 api_version;

	u32 device_id;
	u32 vendor_id;
	u64 device_features;
	u64 driver_features;
	u32 vq_num;
	u32 vq_align;
	struct vduse_vq **vqs;
	u32 ngroups;
	struct vduse_vq_group *groups;
	u32 nas;
	struct vduse_as *as;

	spinlock_t config_lock;		/* config, generation */
	void *config;
	u32 config_size;
	u32 generation;

	struct rw_semaphore status_sem;
	u8 status;

	struct mutex lock;		/* connected .. orphan_work */
	bool connected;
	bool detaching;
	bool fenced;
	struct vduse_vdpa *vdpa;
	struct delayed_work orphan_work;

	spinlock_t irq_lock;		/* config_cb */
	struct vdpa_callback config_cb;
	struct work_struct config_irq_work;

	spinlock_t msg_lock;		/* msg_* lists and ids, broken */
	struct list_head msg_pending;
	struct list_head msg_sent;
	u32 msg_next_id;
	wait_queue_head_t msg_readq;
	wait_queue_head_t msg_doneq;
	bool broken;
	unsigned int msg_timeout;

	struct mutex domain_lock;	/* as[], bounce_size */
	unsigned long bounce_size;

	struct vduse_stats __percpu *stats;
};

extern struct mutex vduse_idr_lock;
extern struct workqueue_struct *vduse_irq_wq;
extern struct workqueue_struct *vduse_irq_bound_wq;
extern const struct attribute_group *vduse_dev_groups[];
extern VDK_CLASS_CONST struct class vduse_class;
extern dev_t vduse_devt;

/* dev.c */
extern const struct file_operations vduse_dev_fops;
extern const struct file_operations vduse_ctl_fops;
struct vduse_dev *vduse_dev_find(const char *name);
int vduse_dev_create(const struct vduse_dev_config *cfg, void *config,
		     u64 api_version);
int vduse_dev_destroy(struct vduse_dev *dev);
bool vduse_dev_may_use(const struct vduse_dev *dev);
void vduse_dev_destroy_all(void);
void vduse_dev_reset(struct vduse_dev *dev);
void vduse_dev_fence(struct vduse_dev *dev, const char *why);
bool vduse_dev_vqs_ready(struct vduse_dev *dev);
unsigned long vduse_dev_as_bounce(const struct vduse_dev *dev);
struct vduse_domain *vduse_dev_domain(struct vduse_dev *dev, u32 asid,
				      bool create);
void vduse_dev_schedule_orphan(struct vduse_dev *dev);

/* msg.c */
void vduse_msg_init(struct vduse_dev *dev);
int vduse_msg_send(struct vduse_dev *dev, struct vduse_msg *msg);
void vduse_msg_break(struct vduse_dev *dev, const char *why);
void vduse_msg_requeue_sent(struct vduse_dev *dev);
ssize_t vduse_msg_read_iter(struct kiocb *iocb, struct iov_iter *to);
ssize_t vduse_msg_write_iter(struct kiocb *iocb, struct iov_iter *from);
__poll_t vduse_msg_poll(struct file *file, poll_table *wait);
int vduse_msg_set_status(struct vduse_dev *dev, u8 status);
int vduse_msg_update_iotlb(struct vduse_dev *dev, u32 asid, u64 start,
			   u64 last);
int vduse_msg_get_vq_state(struct vduse_dev *dev, struct vduse_vq *vq,
			   struct vdpa_vq_state *state);
int vduse_msg_set_group_asid(struct vduse_dev *dev, u32 group, u32 asid);

/* vq.c */
int vduse_vq_init_all(struct vduse_dev *dev);
void vduse_vq_put_all(struct vduse_dev *dev);
void vduse_vq_reset(struct vduse_vq *vq);
void vduse_vq_kick(struct vduse_vq *vq);
int vduse_vq_set_kickfd(struct vduse_vq *vq, int fd);
int vduse_vq_inject_irq(struct vduse_vq *vq);
bool vduse_blk_config_ok(const struct vduse_dev *dev, const u8 *cfg, u32 len);
size_t vduse_max_mapping(struct vduse_dev *dev);
int vduse_vq_deliver_irq(struct vduse_dev *dev, struct work_struct *work,
			 int cpu);
void vduse_vq_fail_inflight(struct vduse_vq *vq);
void vduse_vq_track(struct vduse_vq *vq);
void vduse_vq_track_start(struct vduse_vq *vq);

/* vdpa.c */
int vduse_vdpa_mgmt_init(void);
void vduse_vdpa_mgmt_exit(void);

/* map.c */
int vduse_map_attach(struct vduse_vdpa *vdev);
#ifdef HAVE_VIRTIO_MAP_OPS
extern const struct virtio_map_ops vduse_virtio_map_ops;
#define VDUSE_MAP_OPS (&vduse_virtio_map_ops)
union virtio_map vduse_map_get_vq_map(struct vdpa_device *vdpa, u16 idx);
#else
#define VDUSE_MAP_OPS NULL
struct device *vduse_map_get_vq_dma_dev(struct vdpa_device *vdpa, u16 idx);
#endif

/* umem.c */
struct vduse_umem;
int vduse_umem_reg(struct vduse_dev *dev, const struct vduse_iova_umem *req);
int vduse_umem_dereg(struct vduse_dev *dev, const struct vduse_iova_umem *req);
void vduse_umem_dereg_all(struct vduse_dev *dev);

/* Irq-safe and preemption-safe: this_cpu_add() is one instruction on x86. */
static inline void vduse_stat_add(struct vduse_dev *dev, enum vduse_stat s,
				  u64 n)
{
	this_cpu_add(dev->stats->v[s], n);
}

static inline struct vduse_dev *vduse_vdpa_to_dev(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct vduse_vdpa, vdpa)->dev;
}

/* A block device whose requests need one descriptor per segment. */
static inline bool vduse_blk_direct(const struct vduse_dev *dev, u64 features)
{
	return dev->device_id == VIRTIO_ID_BLOCK &&
	       !(features & BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC));
}

static inline bool vduse_api_v1(const struct vduse_dev *dev)
{
	return dev->api_version >= VDUSE_API_VERSION_1;
}

#endif /* VDK_VDUSE_H */
