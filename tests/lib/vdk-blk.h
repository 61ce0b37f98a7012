/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdk-blk.h - the ramdisk virtio-blk daemon pieces the guest C programs share
 * (tests/uapi/vduse-uapi.c, tests/hostile/vduse-hostile.c,
 * tests/fuzz/vduse-fuzz.c, tests/load/vduse-load.c): IOVA translation through VDUSE_IOTLB_GET_FD + mmap (or
 * a registered umem), one request of a split ring served from a ramdisk
 * (direct and indirect descriptors), the split rings of every queue served
 * in order, the queues learnt at DRIVER_OK, and an honest daemon's answer
 * to each VDUSE request.
 *
 * Everything here trusts nothing it reads from the rings: descriptor
 * indices, lengths and addresses are checked, a request the daemon cannot
 * make sense of is counted (n_bad) and completed with no data. The caller
 * serializes: one thread at a time per struct vdk_blk.
 *
 * Header-only; include after <uapi/vdk/vduse.h> and vdk-tap.h.
 */
#ifndef VDK_BLK_H
#define VDK_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#ifndef VDK_BLK_MAX_VQS
#define VDK_BLK_MAX_VQS		4
#endif
#ifndef VDK_BLK_MAX_REGIONS
#define VDK_BLK_MAX_REGIONS	32
#endif
#define VDK_BLK_MAX_SEGS	256

struct vdk_region {
	uint64_t start, last;
	uint8_t *p;
};

struct vdk_vq {
	bool active;
	int kickfd;
	uint32_t num;
	uint64_t desc, avail, used;
	uint16_t last_avail, used_idx;
};

struct vdk_blk {
	int fd;			/* /dev/vduse/$NAME, -1 when closed */
	int api;
	uint32_t vq_num;	/* queues served: at most VDK_BLK_MAX_VQS */
	struct vdk_vq vq[VDK_BLK_MAX_VQS];
	struct vdk_region reg[VDK_BLK_MAX_REGIONS];
	int nreg;
	uint8_t *umem;		/* registered with VDUSE_IOTLB_REG_UMEM at IOVA 0 */
	uint64_t umem_size;
	uint8_t *disk;
	uint64_t disk_size;
	const char *id;		/* VIRTIO_BLK_T_GET_ID */
	uint8_t status;		/* the last SET_STATUS */
	int n_status, n_served, n_bad, n_xlate_err, n_irq_err, n_kick_err;
	long xlate_err;		/* the last failed translation: -errno, or 1 (an entry not covering it) */
	uint64_t xlate_iova;	/* ... for this IOVA */
};

static inline void vdk_blk_init(struct vdk_blk *b, uint8_t *disk,
				uint64_t disk_size, const char *id)
{
	int i;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	for (i = 0; i < VDK_BLK_MAX_VQS; i++)
		b->vq[i].kickfd = -1;
	b->disk = disk;
	b->disk_size = disk_size;
	b->id = id;
}

static inline void vdk_blk_regions_drop(struct vdk_blk *b)
{
	int i;

	for (i = 0; i < b->nreg; i++)
		munmap(b->reg[i].p, b->reg[i].last - b->reg[i].start + 1);
	b->nreg = 0;
}

/* The bytes of a split ring's parts for @num entries (no event fields). */
#define VDK_DESC_BYTES(num)	(16 * (uint64_t)(num))
#define VDK_AVAIL_BYTES(num)	(4 + 2 * (uint64_t)(num))
#define VDK_USED_BYTES(num)	(4 + 8 * (uint64_t)(num))

/* IOVA [iova, iova + len) -> our address, or NULL. */
static inline void *vdk_blk_xlate(struct vdk_blk *b, uint64_t iova, uint64_t len)
{
	struct vduse_iotlb_entry e = {};
	struct vdk_region *r;
	void *p;
	long fd;
	int i, prot;

	if (!len)
		len = 1;
	if (iova + len - 1 < iova || b->fd < 0)
		return NULL;
	if (b->umem && iova + len <= b->umem_size)
		return b->umem + iova;
	for (i = 0; i < b->nreg; i++) {
		r = &b->reg[i];
		if (iova >= r->start && iova + len - 1 <= r->last)
			return r->p + (iova - r->start);
	}
	e.start = iova;
	e.last = iova + len - 1;
	fd = xioctl(b->fd, VDUSE_IOTLB_GET_FD, &e);
	if (fd < 0 || e.start > iova || e.last < iova + len - 1 ||
	    e.last - e.start >= (1ULL << 32) || b->nreg == VDK_BLK_MAX_REGIONS) {
		if (fd >= 0)
			close((int)fd);
		b->n_xlate_err++;
		b->xlate_err = fd < 0 ? fd : 1;
		b->xlate_iova = iova;
		return NULL;
	}
	prot = (e.perm & VDUSE_ACCESS_RO ? PROT_READ : 0) |
	       (e.perm & VDUSE_ACCESS_WO ? PROT_WRITE : 0);
	p = mmap(NULL, e.last - e.start + 1, prot, MAP_SHARED, (int)fd, e.offset);
	close((int)fd);
	if (p == MAP_FAILED) {
		b->n_xlate_err++;
		b->xlate_err = -errno;
		b->xlate_iova = iova;
		return NULL;
	}
	r = &b->reg[b->nreg++];
	r->start = e.start;
	r->last = e.last;
	r->p = p;
	return r->p + (iova - r->start);
}

/*
 * The request whose chain starts at @head of queue @q: served from the
 * ramdisk, *written set to the bytes written into the driver's buffers
 * (with the status byte). Returns 0, or -1 for a chain that makes no sense
 * (nothing written then). *sector, if not NULL, gets the request's sector.
 */
static inline int vdk_blk_request(struct vdk_blk *b, const struct vdk_vq *q,
				  uint16_t head, uint32_t *written,
				  uint64_t *sector)
{
	struct vring_desc *desc = vdk_blk_xlate(b, q->desc, VDK_DESC_BYTES(q->num));
	static __thread struct {
		uint8_t *p;
		uint32_t len;
		bool wr;
	} seg[VDK_BLK_MAX_SEGS];
	struct virtio_blk_outhdr hdr;
	uint32_t n = 0, i = head, k, steps, count = q->num;
	uint64_t off, total = 0;
	uint8_t status = VIRTIO_BLK_S_OK;
	bool indirect = false;

	*written = 0;
	if (!desc || !q->num || head >= q->num)
		return -1;
	for (steps = 0; steps < count && n < VDK_BLK_MAX_SEGS; steps++) {
		struct vring_desc dd = desc[i];

		if ((dd.flags & VRING_DESC_F_INDIRECT) && !indirect) {
			/* the chain goes on in a table of its own */
			count = dd.len / sizeof(*desc);
			desc = vdk_blk_xlate(b, dd.addr, dd.len);
			if (!desc || !count || dd.len % sizeof(*desc))
				return -1;
			indirect = true;
			i = 0;
			steps = 0;
			dd = desc[0];
		}
		if (!dd.len)
			return -1;
		seg[n].p = vdk_blk_xlate(b, dd.addr, dd.len);
		seg[n].len = dd.len;
		seg[n].wr = dd.flags & VRING_DESC_F_WRITE;
		if (!seg[n].p)
			return -1;
		n++;
		if (!(dd.flags & VRING_DESC_F_NEXT))
			break;
		i = dd.next;
		if (i >= count)
			return -1;
	}
	if (n < 2 || seg[0].wr || seg[0].len < sizeof(hdr) || !seg[n - 1].wr)
		return -1;
	memcpy(&hdr, seg[0].p, sizeof(hdr));
	if (sector)
		*sector = hdr.sector;
	off = hdr.sector * 512;
	if (hdr.sector > b->disk_size / 512)
		off = b->disk_size;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		for (k = 1; k < n; k++) {
			uint64_t len = seg[k].len - (k == n - 1);

			if (off + total + len > b->disk_size) {
				status = VIRTIO_BLK_S_IOERR;
				break;
			}
			if (hdr.type == VIRTIO_BLK_T_IN) {
				if (!seg[k].wr)
					return -1;
				memcpy(seg[k].p, b->disk + off + total, len);
			} else {
				memcpy(b->disk + off + total, seg[k].p, len);
			}
			total += len;
		}
		break;
	case VIRTIO_BLK_T_GET_ID:
		if (n > 2 && seg[1].wr)
			strncpy((char *)seg[1].p, b->id ? b->id : "vdk-blk", seg[1].len);
		break;
	case VIRTIO_BLK_T_FLUSH:
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
	}
	seg[n - 1].p[seg[n - 1].len - 1] = status;
	*written = (hdr.type == VIRTIO_BLK_T_IN ? (uint32_t)total : 0) + 1;
	return 0;
}

/* Put @head on queue @q's used ring. */
static inline bool vdk_blk_complete(struct vdk_blk *b, struct vdk_vq *q,
				    uint16_t head, uint32_t written)
{
	struct vring_used *used = vdk_blk_xlate(b, q->used, VDK_USED_BYTES(q->num));

	if (!used)
		return false;
	used->ring[q->used_idx % q->num].id = head;
	used->ring[q->used_idx % q->num].len = written;
	q->used_idx++;
	__atomic_store_n(&used->idx, q->used_idx, __ATOMIC_RELEASE);
	return true;
}

/* Serve everything available on queue @idx, in order: the count served. */
static inline int vdk_blk_vq_serve(struct vdk_blk *b, unsigned int idx)
{
	struct vdk_vq *q = &b->vq[idx];
	struct vring_avail *avail;
	int served = 0;

	if (idx >= b->vq_num || !q->active || !q->num)
		return 0;
	avail = vdk_blk_xlate(b, q->avail, VDK_AVAIL_BYTES(q->num));
	if (!avail)
		return 0;
	while (q->last_avail != __atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE) &&
	       served < (int)q->num) {
		uint16_t head = avail->ring[q->last_avail % q->num];
		uint32_t written;

		if (vdk_blk_request(b, q, head % q->num, &written, NULL))
			b->n_bad++;
		if (!vdk_blk_complete(b, q, head, written))
			break;
		q->last_avail++;
		b->n_served++;
		served++;
	}
	if (served && xioctl(b->fd, VDUSE_VQ_INJECT_IRQ, &idx))
		b->n_irq_err++;
	return served;
}

static inline void vdk_blk_vq_stop_all(struct vdk_blk *b)
{
	unsigned int i;

	for (i = 0; i < VDK_BLK_MAX_VQS; i++) {
		if (b->vq[i].kickfd >= 0)
			close(b->vq[i].kickfd);
		memset(&b->vq[i], 0, sizeof(b->vq[i]));
		b->vq[i].kickfd = -1;
	}
}

/* DRIVER_OK: learn the rings and give each ready queue an eventfd. */
static inline void vdk_blk_vq_start_all(struct vdk_blk *b)
{
	unsigned int i;

	for (i = 0; i < b->vq_num && i < VDK_BLK_MAX_VQS; i++) {
		struct vduse_vq_info info = { .index = i };
		struct vduse_vq_eventfd e = { .index = i };
		struct vdk_vq *q = &b->vq[i];

		if (q->kickfd >= 0)
			close(q->kickfd);
		q->kickfd = -1;
		q->active = false;
		if (xioctl(b->fd, VDUSE_VQ_GET_INFO, &info) || !info.ready || !info.num)
			continue;
		q->num = info.num;
		q->desc = info.desc_addr;
		q->avail = info.driver_addr;
		q->used = info.device_addr;
		q->last_avail = info.split.avail_index;
		q->used_idx = info.split.avail_index;
		q->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		e.fd = q->kickfd;
		if (q->kickfd < 0 || xioctl(b->fd, VDUSE_VQ_SETUP_KICKFD, &e))
			b->n_kick_err++;
		q->active = true;
	}
}

/*
 * New kick eventfds for the queues already running (a reconnect, or a
 * daemon that lost track of its eventfds); the rings' indices stay.
 */
static inline void vdk_blk_vq_rekick(struct vdk_blk *b)
{
	unsigned int i;

	for (i = 0; i < b->vq_num && i < VDK_BLK_MAX_VQS; i++) {
		struct vduse_vq_eventfd e = { .index = i };
		struct vdk_vq *q = &b->vq[i];

		if (q->kickfd >= 0)
			close(q->kickfd);
		q->kickfd = -1;
		if (!q->active)
			continue;
		q->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		e.fd = q->kickfd;
		if (q->kickfd < 0 || xioctl(b->fd, VDUSE_VQ_SETUP_KICKFD, &e))
			b->n_kick_err++;
	}
}

/* An honest daemon's answer to @req. */
static inline void vdk_blk_answer(struct vdk_blk *b,
				  const struct vduse_dev_request *req,
				  struct vduse_dev_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->request_id = req->request_id;
	resp->result = VDUSE_REQ_RESULT_OK;
	switch (req->type) {
	case VDUSE_SET_STATUS:
		b->status = req->s.status;
		b->n_status++;
		if (req->s.status & VIRTIO_CONFIG_S_DRIVER_OK) {
			vdk_blk_vq_start_all(b);
		} else if (!req->s.status) {
			vdk_blk_vq_stop_all(b);
			vdk_blk_regions_drop(b);
		}
		break;
	case VDUSE_GET_VQ_STATE:
		resp->vq_state.index = req->vq_state.index;
		if (req->vq_state.index < VDK_BLK_MAX_VQS)
			resp->vq_state.split.avail_index =
				b->vq[req->vq_state.index].last_avail;
		break;
	case VDUSE_UPDATE_IOTLB:
		vdk_blk_regions_drop(b);
		break;
	case VDUSE_SET_VQ_GROUP_ASID:
		break;
	default:
		resp->result = VDUSE_REQ_RESULT_FAILED;
	}
}

/* The config of a ramdisk block device (@buf: room for both). */
static inline struct vduse_dev_config *vdk_blk_config(void *buf, const char *name,
						      uint32_t vq_num,
						      uint64_t features,
						      uint64_t sectors)
{
	struct vduse_dev_config *c = buf;
	struct virtio_blk_config bc = { .capacity = sectors };

	memset(c, 0, sizeof(*c) + sizeof(bc));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->device_id = VIRTIO_ID_BLOCK;
	c->vendor_id = 0x1af4;
	c->features = features;
	c->vq_num = vq_num;
	c->vq_align = 4096;
	c->config_size = sizeof(bc);
	memcpy(c->config, &bc, sizeof(bc));
	return c;
}

#endif /* VDK_BLK_H */
