// SPDX-License-Identifier: GPL-2.0
/*
 * vq.c - virtqueues: kicks to the daemon, interrupts to the driver,
 * the per-queue sysfs directory (irq_cb_affinity), and failing the
 * requests a dead daemon left in a block device's queue.
 */
#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

#include <compat/eventfd.h>

#include "domain.h"
#include "vduse.h"

/* ------------------------------------------------------------------ */
/* Which requests are in flight (block devices, split rings)          */
/* ------------------------------------------------------------------ */

/*
 * Account the ring entries published since the last look: +1 per head the
 * driver made available, -1 per head the daemon used. The order between
 * the two rings is unknown, but the sums are not: a head is in flight iff
 * its count is 1. Looking at every kick, every interrupt and when failing
 * requests keeps both rings from wrapping unseen; if they did anyway, or
 * the daemon wrote nonsense, tracking stops for good (track_lost) and the
 * fail work leaves the queue alone rather than complete the wrong heads.
 */
static void vduse_vq_track_scan(struct vduse_vq *vq)
{
	u32 num = vq->ring.num;
	u16 idx, pos;

	lockdep_assert_held(&vq->track_lock);
	if (!vq->track || vq->track_lost)
		return;

	idx = le16_to_cpu((__force __le16)READ_ONCE(vq->track_avail->idx));
	/* entries below the index are valid once we saw it */
	smp_rmb();
	if ((u16)(idx - vq->track_avail_idx) > num)
		goto lost;
	for (pos = vq->track_avail_idx; pos != idx; pos++) {
		u16 head = le16_to_cpu((__force __le16)
				       READ_ONCE(vq->track_avail->ring[pos % num]));

		if (head >= num || vq->track[head] > 1)
			goto lost;
		vq->track[head]++;
	}
	vq->track_avail_idx = idx;

	idx = le16_to_cpu((__force __le16)READ_ONCE(vq->track_used->idx));
	/* the same for the used entries */
	smp_rmb();
	if ((u16)(idx - vq->track_used_idx) > num)
		goto lost;
	for (pos = vq->track_used_idx; pos != idx; pos++) {
		u32 id = le32_to_cpu((__force __le32)
				     READ_ONCE(vq->track_used->ring[pos % num].id));

		/* -1: used before we saw it made available; the next look fixes it */
		if (id >= num || vq->track[id] < 0)
			goto lost;
		vq->track[id]--;
	}
	vq->track_used_idx = idx;
	return;
lost:
	vq->track_lost = true;
	dev_warn_ratelimited(vq->dev->cdev,
			     "vq%u: lost track of the requests in flight\n",
			     vq->index);
}

/*
 * A packed ring has no separate avail and used rings: the daemon writes a
 * used element over the ring's slots, possibly over a chain not yet looked
 * at. So each chain the driver makes available is recorded when it is seen
 * (every kick, every interrupt): per buffer id its length in descriptors
 * and where its status byte's descriptor is (the last writable one, or its
 * indirect table, read only when failing). A used element advances the used
 * position by its chain's length. Anything that does not fit (an unknown
 * id, an id twice in flight, a chain longer than the ring) stops tracking.
 */
struct vduse_packed_track {
	struct vring_packed_desc *desc;
	struct vring_packed_desc_event *device;	/* device event suppression */
	u16 avail_idx, used_idx;
	bool avail_wrap, used_wrap;
	u32 in_flight;				/* descriptors */
	struct vduse_packed_buf {
		u16 n;				/* 0: not in flight */
		bool indirect;
		u32 len;
		u64 addr;
	} buf[];
};

static bool vduse_packed_flag(u16 flags, int bit)
{
	return flags & BIT(bit);
}

static void vduse_packed_advance(u16 *idx, bool *wrap, u32 n, u32 num)
{
	u32 next = *idx + n;

	if (next >= num) {
		next -= num;
		*wrap = !*wrap;
	}
	*idx = next;
}

static bool vduse_packed_scan(struct vduse_vq *vq)
{
	struct vduse_packed_track *t = vq->ptrack;
	u32 num = vq->ring.num, k;

	for (k = 0; k < num; k++) {
		struct vring_packed_desc *d = &t->desc[t->avail_idx];
		u16 flags = le16_to_cpu((__force __le16)READ_ONCE(d->flags));
		struct vduse_packed_buf b = {};
		u16 i = t->avail_idx, id = 0;
		bool w = t->avail_wrap;

		if (vduse_packed_flag(flags, VRING_PACKED_DESC_F_AVAIL) != w ||
		    vduse_packed_flag(flags, VRING_PACKED_DESC_F_USED) == w)
			break;
		/* the head's flags are written last: the chain is complete */
		smp_rmb();
		for (;;) {
			d = &t->desc[i];
			flags = le16_to_cpu((__force __le16)READ_ONCE(d->flags));
			if (++b.n > num - t->in_flight)
				return false;
			if (flags & VRING_DESC_F_INDIRECT) {
				b.indirect = true;
				b.addr = le64_to_cpu((__force __le64)READ_ONCE(d->addr));
				b.len = le32_to_cpu((__force __le32)READ_ONCE(d->len));
			} else if (flags & VRING_DESC_F_WRITE) {
				b.indirect = false;
				b.addr = le64_to_cpu((__force __le64)READ_ONCE(d->addr));
				b.len = le32_to_cpu((__force __le32)READ_ONCE(d->len));
			}
			id = le16_to_cpu((__force __le16)READ_ONCE(d->id));
			if (!(flags & VRING_DESC_F_NEXT))
				break;
			vduse_packed_advance(&i, &w, 1, num);
		}
		if (id >= num || t->buf[id].n)
			return false;
		t->buf[id] = b;
		t->in_flight += b.n;
		vduse_packed_advance(&t->avail_idx, &t->avail_wrap, b.n, num);
	}

	for (k = 0; k < num; k++) {
		struct vring_packed_desc *d = &t->desc[t->used_idx];
		u16 flags = le16_to_cpu((__force __le16)READ_ONCE(d->flags));
		u16 id, n;

		if (vduse_packed_flag(flags, VRING_PACKED_DESC_F_AVAIL) != t->used_wrap ||
		    vduse_packed_flag(flags, VRING_PACKED_DESC_F_USED) != t->used_wrap)
			break;
		/* the daemon wrote id and len before the flags */
		smp_rmb();
		id = le16_to_cpu((__force __le16)READ_ONCE(d->id));
		if (id >= num || !t->buf[id].n)
			return false;
		n = t->buf[id].n;
		t->buf[id].n = 0;
		t->in_flight -= n;
		vduse_packed_advance(&t->used_idx, &t->used_wrap, n, num);
	}
	return true;
}

static void vduse_vq_track_packed(struct vduse_vq *vq)
{
	lockdep_assert_held(&vq->track_lock);
	if (!vq->ptrack || vq->track_lost || vduse_packed_scan(vq))
		return;
	vq->track_lost = true;
	dev_warn_ratelimited(vq->dev->cdev,
			     "vq%u: lost track of the requests in flight\n",
			     vq->index);
}

void vduse_vq_track(struct vduse_vq *vq)
{
	unsigned long flags;

	if (!READ_ONCE(vq->track) && !READ_ONCE(vq->ptrack))
		return;
	spin_lock_irqsave(&vq->track_lock, flags);
	vduse_vq_track_scan(vq);
	vduse_vq_track_packed(vq);
	spin_unlock_irqrestore(&vq->track_lock, flags);
}

/* The domain the queue's group maps in now; NULL before there is one. */
static struct vduse_domain *vduse_vq_domain(struct vduse_vq *vq)
{
	struct vduse_dev *dev = vq->dev;
	struct vduse_vq_group *group = &dev->groups[vq->group];
	struct vduse_domain *domain;
	u32 asid;

	read_lock(&group->lock);
	asid = group->asid;
	read_unlock(&group->lock);
	mutex_lock(&dev->domain_lock);
	domain = vduse_dev_domain(dev, asid, false);
	mutex_unlock(&dev->domain_lock);
	return domain;
}

/*
 * A packed ring starts where virtio_vdpa's set_vq_state put it. In-order
 * completion (one used element for several buffers) is not tracked.
 */
static void vduse_vq_track_start_packed(struct vduse_vq *vq,
					struct vduse_domain *domain)
{
	const struct vdpa_vq_state_packed *st = &vq->ring.state.packed;
	struct vduse_packed_track *t;
	u32 num = vq->ring.num;
	unsigned long flags;
	void *desc, *device;

	if (vq->dev->driver_features & BIT_ULL(VIRTIO_F_IN_ORDER) ||
	    st->last_avail_idx >= num || st->last_used_idx >= num)
		return;
	desc = vduse_domain_coherent_va(domain, vq->ring.desc,
					sizeof(struct vring_packed_desc) * num);
	device = vduse_domain_coherent_va(domain, vq->ring.device,
					  sizeof(struct vring_packed_desc_event));
	if (!desc || !device)
		return;
	t = kvzalloc(struct_size(t, buf, num), GFP_KERNEL);
	if (!t)
		return;
	t->desc = desc;
	t->device = device;
	t->avail_idx = st->last_avail_idx;
	t->avail_wrap = st->last_avail_counter;
	t->used_idx = st->last_used_idx;
	t->used_wrap = st->last_used_counter;

	spin_lock_irqsave(&vq->track_lock, flags);
	vq->track_lost = false;
	WRITE_ONCE(vq->ptrack, t);
	vduse_vq_track_packed(vq);
	spin_unlock_irqrestore(&vq->track_lock, flags);
}

/* At DRIVER_OK: start tracking where the fail work could use it. */
void vduse_vq_track_start(struct vduse_vq *vq)
{
	struct vduse_dev *dev = vq->dev;
	struct vduse_domain *domain;
	struct vring_avail *avail;
	struct vring_used *used;
	u32 num = vq->ring.num;
	unsigned long flags;
	s8 *track;

	if (dev->device_id != VIRTIO_ID_BLOCK || !vq->ready || !num ||
	    num > VDUSE_VQ_SIZE_MAX || READ_ONCE(vq->track) ||
	    READ_ONCE(vq->ptrack))
		return;
	domain = vduse_vq_domain(vq);
	if (!domain)
		return;
	if (dev->driver_features & BIT_ULL(VIRTIO_F_RING_PACKED)) {
		vduse_vq_track_start_packed(vq, domain);
		return;
	}
	/* Only rings in our own coherent memory (virtio-vdpa), not a VM's. */
	avail = vduse_domain_coherent_va(domain, vq->ring.driver,
					 struct_size(avail, ring, num));
	used = vduse_domain_coherent_va(domain, vq->ring.device,
					struct_size(used, ring, num) +
					sizeof(__virtio16));
	if (!avail || !used)
		return;
	track = kcalloc(num, sizeof(*track), GFP_KERNEL);
	if (!track)
		return;

	spin_lock_irqsave(&vq->track_lock, flags);
	vq->track_avail = avail;
	vq->track_used = used;
	vq->track_avail_idx = 0;
	vq->track_used_idx = 0;
	vq->track_lost = false;
	WRITE_ONCE(vq->track, track);
	vduse_vq_track_scan(vq);
	spin_unlock_irqrestore(&vq->track_lock, flags);
}

static void vduse_vq_track_stop(struct vduse_vq *vq)
{
	struct vduse_packed_track *ptrack;
	unsigned long flags;
	s8 *track;

	spin_lock_irqsave(&vq->track_lock, flags);
	track = vq->track;
	ptrack = vq->ptrack;
	WRITE_ONCE(vq->track, NULL);
	WRITE_ONCE(vq->ptrack, NULL);
	vq->track_avail = NULL;
	vq->track_used = NULL;
	spin_unlock_irqrestore(&vq->track_lock, flags);
	kfree(track);
	kvfree(ptrack);
}

/* ------------------------------------------------------------------ */
/* Kicks: driver -> daemon                                            */
/* ------------------------------------------------------------------ */

static void vduse_vq_do_kick(struct vduse_vq *vq)
{
	spin_lock(&vq->kick_lock);
	if (vq->ready) {
		if (vq->kickfd)
			eventfd_signal(vq->kickfd);
		else
			vq->kick_pending = true;
		vduse_stat_add(vq->dev, VDUSE_STAT_KICKS, 1);
	}
	spin_unlock(&vq->kick_lock);
}

static void vduse_vq_kick_work(struct work_struct *work)
{
	vduse_vq_do_kick(container_of(work, struct vduse_vq, kick_work));
}

void vduse_vq_kick(struct vduse_vq *vq)
{
	struct vduse_dev *dev = vq->dev;

	vduse_vq_track(vq);
	/* Nobody serves the queue any more: fail what the driver adds. */
	if (READ_ONCE(dev->fenced)) {
		schedule_work(&vq->fail_work);
		return;
	}
	/* A nested eventfd wakeup may not signal another eventfd. */
	if (!eventfd_signal_allowed()) {
		schedule_work(&vq->kick_work);
		return;
	}
	vduse_vq_do_kick(vq);
}

int vduse_vq_set_kickfd(struct vduse_vq *vq, int fd)
{
	struct eventfd_ctx *ctx = NULL, *old;

	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	} else if (fd != VDUSE_EVENTFD_DEASSIGN) {
		return -EINVAL;
	}

	spin_lock(&vq->kick_lock);
	old = vq->kickfd;
	vq->kickfd = ctx;
	/* A kick that came while no eventfd was set is delivered now. */
	if (ctx && vq->ready && vq->kick_pending) {
		eventfd_signal(ctx);
		vq->kick_pending = false;
	}
	spin_unlock(&vq->kick_lock);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Interrupts: daemon -> driver                                       */
/* ------------------------------------------------------------------ */

/*
 * By default an injected interrupt runs the driver's callback right in the
 * thread of the daemon that injects it: no workqueue hop, no wakeup of a
 * kworker per batch of completions (docs/vduse.md, "Interrupt delivery").
 * A queue whose irq_cb_affinity names CPUs, or irq_inline=N, goes through
 * the workqueues.
 */
static bool irq_inline = true;
module_param(irq_inline, bool, 0644);
MODULE_PARM_DESC(irq_inline,
		 "run interrupt callbacks in the injecting thread unless a queue's irq_cb_affinity names CPUs (default Y; N: always a workqueue)");

static void vduse_vq_irq_work(struct work_struct *work)
{
	struct vduse_vq *vq = container_of(work, struct vduse_vq, irq_work);

	vduse_vq_track(vq);
	spin_lock_bh(&vq->irq_lock);
	if (vq->ready && vq->cb.callback)
		vq->cb.callback(vq->cb.private);
	spin_unlock_bh(&vq->irq_lock);
}

/*
 * Deliver an interrupt through @work's function: on @cpu's bound
 * workqueue, or with any CPU either in this thread (irq_inline) or on the
 * unbound workqueue. Only after DRIVER_OK; status_sem held for reading, so
 * a reset waits for an inline callback as it flushes the works. The work
 * functions take the callback's lock themselves, so an inline run next to
 * a queued one of the same work is safe.
 */
int vduse_vq_deliver_irq(struct vduse_dev *dev, struct work_struct *work,
			 int cpu)
{
	int ret = 0;

	down_read(&dev->status_sem);
	if (!(dev->status & VIRTIO_CONFIG_S_DRIVER_OK))
		ret = -EINVAL;
	else if (cpu != VDUSE_IRQ_ANY_CPU)
		queue_work_on(cpu, vduse_irq_bound_wq, work);
	else if (READ_ONCE(irq_inline))
		work->func(work);
	else
		queue_work(vduse_irq_wq, work);
	up_read(&dev->status_sem);
	return ret;
}

/* Round-robin over the online CPUs of the affinity; any CPU if it is all. */
static int vduse_vq_next_cpu(struct vduse_vq *vq)
{
	int cpu;

	if (cpumask_subset(cpu_online_mask, vq->irq_affinity))
		return VDUSE_IRQ_ANY_CPU;
	cpu = cpumask_next_and(vq->irq_cpu, vq->irq_affinity, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first_and(vq->irq_affinity, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		return VDUSE_IRQ_ANY_CPU;
	vq->irq_cpu = cpu;
	return cpu;
}

int vduse_vq_inject_irq(struct vduse_vq *vq)
{
	bool signalled = false;
	int ret = 0;

	/*
	 * vhost-vdpa's irqfd: signal it directly, no work needed. No track
	 * scan here: the work does it right before the driver sees the used
	 * entries, and a VM's rings are not tracked.
	 */
	spin_lock_bh(&vq->irq_lock);
	if (vq->ready && vq->cb.trigger) {
		eventfd_signal(vq->cb.trigger);
		signalled = true;
	}
	spin_unlock_bh(&vq->irq_lock);
	if (!signalled)
		ret = vduse_vq_deliver_irq(vq->dev, &vq->irq_work,
					   vduse_vq_next_cpu(vq));
	if (!ret)
		vduse_stat_add(vq->dev, VDUSE_STAT_IRQS, 1);
	return ret;
}

/* ------------------------------------------------------------------ */
/* A dead daemon's block requests                                     */
/* ------------------------------------------------------------------ */

static u64 vduse_desc_addr(const struct vring_desc *d)
{
	return le64_to_cpu((__force __le64)d->addr);
}

/* Last writable byte of a descriptor chain (virtio-blk's status byte). */
struct vduse_chain_end {
	u64 addr;
	u32 len;
};

static int vduse_vq_walk_table(struct vduse_domain *domain,
			       const struct vring_desc *table, u32 n, u16 first,
			       struct vduse_chain_end *end, bool indirect_ok)
{
	u16 i = first;
	u32 steps;

	for (steps = 0; steps < n; steps++) {
		const struct vring_desc *d;
		u16 flags;

		if (i >= n)
			return -EINVAL;
		d = &table[i];
		flags = le16_to_cpu((__force __le16)d->flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			u32 len = le32_to_cpu((__force __le32)d->len);
			struct vring_desc *sub;
			int ret;

			if (!indirect_ok || !len || len % sizeof(*sub) ||
			    len > 0x10000)
				return -EINVAL;
			sub = kmalloc(len, GFP_KERNEL);
			if (!sub)
				return -ENOMEM;
			ret = vduse_domain_bounce_access(domain, vduse_desc_addr(d),
							 sub, len, false);
			if (!ret)
				ret = vduse_vq_walk_table(domain, sub,
							  len / sizeof(*sub), 0,
							  end, false);
			kfree(sub);
			return ret;
		}
		if (flags & VRING_DESC_F_WRITE) {
			end->addr = vduse_desc_addr(d);
			end->len = le32_to_cpu((__force __le32)d->len);
		}
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = le16_to_cpu((__force __le16)d->next);
	}
	return -ELOOP;
}

/* The IOVA of a packed-ring buffer's status byte, or 0. */
static u64 vduse_packed_status(struct vduse_domain *domain,
			       const struct vduse_packed_buf *b)
{
	struct vring_packed_desc *table;
	u64 at = 0;
	u32 i, n;

	if (!b->indirect)
		return b->len ? b->addr + b->len - 1 : 0;
	if (!b->len || b->len % sizeof(*table) || b->len > 0x10000)
		return 0;
	table = kmalloc(b->len, GFP_KERNEL);
	if (!table)
		return 0;
	n = b->len / sizeof(*table);
	if (!vduse_domain_bounce_access(domain, b->addr, table, b->len, false))
		for (i = 0; i < n; i++) {
			u16 flags = le16_to_cpu((__force __le16)table[i].flags);
			u32 len = le32_to_cpu((__force __le32)table[i].len);

			if ((flags & VRING_DESC_F_WRITE) && len)
				at = le64_to_cpu((__force __le64)table[i].addr) + len - 1;
		}
	kfree(table);
	return at;
}

/*
 * The packed ring's requests in flight, failed like the split ones below:
 * the status byte set to VIRTIO_BLK_S_IOERR, then a used element per buffer
 * at the used position. status_sem held for reading, the daemon gone.
 */
static void vduse_vq_fail_packed(struct vduse_vq *vq,
				 struct vduse_domain *domain)
{
	struct vduse_packed_track *t = vq->ptrack;
	struct vduse_dev *dev = vq->dev;
	u32 num = vq->ring.num, id, failed;
	unsigned long flags;

again:
	/* a kick for every new request, whatever the daemon asked for */
	WRITE_ONCE(t->device->flags,
		   (__force __le16)cpu_to_le16(VRING_PACKED_EVENT_FLAG_ENABLE));
	/* publish it before looking at the ring again */
	smp_mb();
	failed = 0;
	for (id = 0; id < num; id++) {
		u8 status = VIRTIO_BLK_S_IOERR;
		struct vduse_packed_buf b;
		struct vring_packed_desc *d;
		u32 written = 0;
		bool lost;
		u16 f;
		u64 at;

		spin_lock_irqsave(&vq->track_lock, flags);
		vduse_vq_track_packed(vq);
		/* the chains in flight fill the ring from used to avail */
		if (!vq->track_lost && t->in_flight !=
		    (t->avail_wrap == t->used_wrap ? 0 : num) + t->avail_idx - t->used_idx)
			vq->track_lost = true;
		lost = vq->track_lost;
		b = t->buf[id];
		spin_unlock_irqrestore(&vq->track_lock, flags);
		if (lost) {
			dev_warn_ratelimited(dev->cdev,
					     "vq%u: requests in flight unknown, cannot fail them\n",
					     vq->index);
			return;
		}
		if (!b.n)
			continue;
		at = vduse_packed_status(domain, &b);
		if (at && !vduse_domain_bounce_access(domain, at, &status, 1, true))
			written = 1;

		spin_lock_irqsave(&vq->track_lock, flags);
		d = &t->desc[t->used_idx];
		WRITE_ONCE(d->id, (__force __le16)cpu_to_le16(id));
		WRITE_ONCE(d->len, (__force __le32)cpu_to_le32(written));
		f = t->used_wrap ? BIT(VRING_PACKED_DESC_F_AVAIL) |
				   BIT(VRING_PACKED_DESC_F_USED) : 0;
		/* the driver must see id and len before the flags */
		smp_wmb();
		WRITE_ONCE(d->flags, (__force __le16)cpu_to_le16(f));
		t->buf[id].n = 0;
		t->in_flight -= b.n;
		vduse_packed_advance(&t->used_idx, &t->used_wrap, b.n, num);
		spin_unlock_irqrestore(&vq->track_lock, flags);
		failed++;
	}
	if (!failed)
		return;
	dev_info_ratelimited(dev->cdev, "vq%u: failed %u requests\n",
			     vq->index, failed);
	vduse_stat_add(dev, VDUSE_STAT_FAILED_REQS, failed);
	spin_lock_bh(&vq->irq_lock);
	if (vq->cb.callback)
		vq->cb.callback(vq->cb.private);
	spin_unlock_bh(&vq->irq_lock);
	/* requests added meanwhile may have seen the old event flags */
	goto again;
}

/*
 * Complete every request in flight with VIRTIO_BLK_S_IOERR, as the device
 * would, then interrupt the driver. Only for block devices with rings in
 * our own coherent memory (the virtio-vdpa path, where tracking runs; a
 * packed ring goes to vduse_vq_fail_packed()),
 * and only once the daemon is gone (fenced), so nobody else writes the used
 * ring. Everything read from the ring is checked: the daemon may have left
 * garbage there.
 */
static void vduse_vq_fail_work(struct work_struct *work)
{
	struct vduse_vq *vq = container_of(work, struct vduse_vq, fail_work);
	struct vduse_dev *dev = vq->dev;
	struct vduse_domain *domain;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	unsigned long flags;
	u16 *heads = NULL;
	u16 used_idx, n, k;
	u32 num, h;
	bool lost;

	down_read(&dev->status_sem);
	if (!(dev->status & VIRTIO_CONFIG_S_DRIVER_OK))
		goto out;
	domain = vduse_vq_domain(vq);
	if (!domain)
		goto out;
	if (READ_ONCE(vq->ptrack)) {
		vduse_vq_fail_packed(vq, domain);
		goto out;
	}
	if (!READ_ONCE(vq->track))
		goto out;
	num = vq->ring.num;
	desc = vduse_domain_coherent_va(domain, vq->ring.desc,
					sizeof(*desc) * num);
	heads = kmalloc_array(num, sizeof(*heads), GFP_KERNEL);
	if (!desc || !heads)
		goto out;
	avail = vq->track_avail;
	used = vq->track_used;

again:
	/*
	 * Ask for a kick on every new request: the daemon may have suppressed
	 * notifications (flags, or an avail_event far ahead), and a request
	 * nobody is told about would wait forever.
	 */
	WRITE_ONCE(used->flags, 0);
	WRITE_ONCE(*(__virtio16 *)&used->ring[num],
		   (__force __virtio16)READ_ONCE(avail->idx));
	/* publish the event index before looking at avail->idx again */
	smp_mb();

	spin_lock_irqsave(&vq->track_lock, flags);
	vduse_vq_track_scan(vq);
	lost = vq->track_lost;
	used_idx = vq->track_used_idx;
	n = 0;
	for (h = 0; h < num && !lost; h++) {
		if (vq->track[h] == 1)
			heads[n++] = h;
		else if (vq->track[h])
			lost = true;
	}
	if (n != (u16)(vq->track_avail_idx - used_idx))
		lost = true;
	spin_unlock_irqrestore(&vq->track_lock, flags);
	if (lost) {
		dev_warn_ratelimited(dev->cdev,
				     "vq%u: requests in flight unknown, cannot fail them\n",
				     vq->index);
		goto out;
	}

	for (k = 0; k < n; k++) {
		u16 slot = (used_idx + k) % num;
		struct vduse_chain_end end = {};
		u8 status = VIRTIO_BLK_S_IOERR;
		u32 written = 0;

		if (!vduse_vq_walk_table(domain, desc, num, heads[k], &end, true) &&
		    end.len &&
		    !vduse_domain_bounce_access(domain, end.addr + end.len - 1,
						&status, 1, true))
			written = 1;
		used->ring[slot].id = (__force __virtio32)cpu_to_le32(heads[k]);
		used->ring[slot].len = (__force __virtio32)cpu_to_le32(written);
	}
	if (n) {
		/* the driver must see the entries before the new used index */
		smp_wmb();
		WRITE_ONCE(used->idx,
			   (__force __virtio16)cpu_to_le16(used_idx + n));
		dev_info_ratelimited(dev->cdev, "vq%u: failed %u requests\n",
				     vq->index, n);
		vduse_stat_add(dev, VDUSE_STAT_FAILED_REQS, n);
		spin_lock_bh(&vq->irq_lock);
		if (vq->cb.callback)
			vq->cb.callback(vq->cb.private);
		spin_unlock_bh(&vq->irq_lock);
		/* requests added meanwhile may have seen the old avail_event */
		goto again;
	}
out:
	up_read(&dev->status_sem);
	kfree(heads);
}

void vduse_vq_fail_inflight(struct vduse_vq *vq)
{
	schedule_work(&vq->fail_work);
}

/* ------------------------------------------------------------------ */
/* State                                                              */
/* ------------------------------------------------------------------ */

/* Back to the state after creation; status_sem held for writing. */
void vduse_vq_reset(struct vduse_vq *vq)
{
	struct eventfd_ctx *kickfd;

	vduse_vq_track_stop(vq);
	memset(&vq->ring, 0, sizeof(vq->ring));
	vq->ready = false;

	spin_lock(&vq->kick_lock);
	kickfd = vq->kickfd;
	vq->kickfd = NULL;
	vq->kick_pending = false;
	spin_unlock(&vq->kick_lock);
	if (kickfd)
		eventfd_ctx_put(kickfd);

	spin_lock_bh(&vq->irq_lock);
	memset(&vq->cb, 0, sizeof(vq->cb));
	spin_unlock_bh(&vq->irq_lock);

	flush_work(&vq->irq_work);
	flush_work(&vq->kick_work);
}

/* ------------------------------------------------------------------ */
/* sysfs: /sys/class/vduse/$NAME/vq$N/irq_cb_affinity                 */
/* ------------------------------------------------------------------ */

/* The one attribute of a queue directory, so no per-attribute dispatch. */
static struct attribute vduse_vq_affinity_attr = {
	.name = "irq_cb_affinity",
	.mode = 0644,
};

static struct attribute *vduse_vq_attrs[] = {
	&vduse_vq_affinity_attr,
	NULL,
};
ATTRIBUTE_GROUPS(vduse_vq);

static ssize_t vduse_vq_sysfs_show(struct kobject *kobj,
				   struct attribute *attr, char *buf)
{
	struct vduse_vq *vq = container_of(kobj, struct vduse_vq, kobj);

	return sysfs_emit(buf, "%*pb\n", cpumask_pr_args(vq->irq_affinity));
}

static ssize_t vduse_vq_sysfs_store(struct kobject *kobj,
				    struct attribute *attr, const char *buf,
				    size_t count)
{
	struct vduse_vq *vq = container_of(kobj, struct vduse_vq, kobj);
	cpumask_var_t mask;
	ssize_t ret;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	ret = cpumask_parse(buf, mask);
	/* interrupts need at least one CPU that can run them */
	if (!ret && !cpumask_intersects(mask, cpu_online_mask))
		ret = -EINVAL;
	if (!ret) {
		cpumask_copy(vq->irq_affinity, mask);
		ret = count;
	}
	free_cpumask_var(mask);
	return ret;
}

static const struct sysfs_ops vduse_vq_sysfs_ops = {
	.show = vduse_vq_sysfs_show,
	.store = vduse_vq_sysfs_store,
};

static void vduse_vq_release(struct kobject *kobj)
{
	struct vduse_vq *vq = container_of(kobj, struct vduse_vq, kobj);

	free_cpumask_var(vq->irq_affinity);
	kfree(vq);
}

static const struct kobj_type vduse_vq_ktype = {
	.release = vduse_vq_release,
	.sysfs_ops = &vduse_vq_sysfs_ops,
	.default_groups = vduse_vq_groups,
};

static struct vduse_vq *vduse_vq_alloc(struct vduse_dev *dev, u32 index)
{
	struct vduse_vq *vq = kzalloc(sizeof(*vq), GFP_KERNEL);

	if (!vq)
		return NULL;
	if (!zalloc_cpumask_var(&vq->irq_affinity, GFP_KERNEL)) {
		kfree(vq);
		return NULL;
	}
	cpumask_setall(vq->irq_affinity);
	vq->dev = dev;
	vq->index = index;
	vq->irq_cpu = VDUSE_IRQ_ANY_CPU;
	spin_lock_init(&vq->kick_lock);
	spin_lock_init(&vq->irq_lock);
	spin_lock_init(&vq->track_lock);
	INIT_WORK(&vq->kick_work, vduse_vq_kick_work);
	INIT_WORK(&vq->irq_work, vduse_vq_irq_work);
	INIT_WORK(&vq->fail_work, vduse_vq_fail_work);
	return vq;
}

int vduse_vq_init_all(struct vduse_dev *dev)
{
	u32 i;
	int ret;

	dev->vqs = kcalloc(dev->vq_num, sizeof(*dev->vqs), GFP_KERNEL);
	if (!dev->vqs)
		return -ENOMEM;
	for (i = 0; i < dev->vq_num; i++) {
		struct vduse_vq *vq = vduse_vq_alloc(dev, i);

		if (!vq) {
			ret = -ENOMEM;
			goto err;
		}
		ret = kobject_init_and_add(&vq->kobj,
					   (struct kobj_type *)&vduse_vq_ktype,
					   &dev->cdev->kobj, "vq%u", i);
		if (ret) {
			kobject_put(&vq->kobj);
			goto err;
		}
		dev->vqs[i] = vq;
	}
	return 0;
err:
	vduse_vq_put_all(dev);
	return ret;
}

void vduse_vq_put_all(struct vduse_dev *dev)
{
	u32 i;

	if (!dev->vqs)
		return;
	for (i = 0; i < dev->vq_num; i++) {
		struct vduse_vq *vq = dev->vqs[i];

		if (!vq)
			continue;
		cancel_work_sync(&vq->fail_work);
		cancel_work_sync(&vq->kick_work);
		cancel_work_sync(&vq->irq_work);
		vduse_vq_track_stop(vq);
		kobject_put(&vq->kobj);
	}
	kfree(dev->vqs);
	dev->vqs = NULL;
}
