// SPDX-License-Identifier: GPL-2.0
/*
 * msg.c - requests to the daemon: read() them, write() the responses
 *
 * A request waits on msg_pending until the daemon reads it, then on msg_sent
 * until the daemon answers with its id. The requester sleeps at most
 * msg_timeout seconds: an unanswered request marks the device broken, which
 * fails every request queued now or later, so a stuck or dead daemon costs
 * one timeout, never a hang. A fatal signal ends the wait early without
 * breaking the device.
 */
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>

#include <compat/uio.h>

#include "vduse.h"

void vduse_msg_init(struct vduse_dev *dev)
{
	spin_lock_init(&dev->msg_lock);
	INIT_LIST_HEAD(&dev->msg_pending);
	INIT_LIST_HEAD(&dev->msg_sent);
	init_waitqueue_head(&dev->msg_readq);
	init_waitqueue_head(&dev->msg_doneq);
	dev->msg_timeout = VDUSE_MSG_TIMEOUT;
}

static void vduse_msg_fail_list(struct list_head *head)
{
	struct vduse_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, head, node) {
		list_del_init(&msg->node);
		msg->resp.result = VDUSE_REQ_RESULT_FAILED;
		msg->done = true;
	}
}

static void vduse_msg_break_locked(struct vduse_dev *dev, const char *why)
{
	lockdep_assert_held(&dev->msg_lock);
	if (dev->broken)
		return;
	dev->broken = true;
	vduse_msg_fail_list(&dev->msg_pending);
	vduse_msg_fail_list(&dev->msg_sent);
	dev_warn(dev->cdev, "device broken: %s\n", why);
	wake_up_all(&dev->msg_doneq);
	wake_up_interruptible_all(&dev->msg_readq);
}

void vduse_msg_break(struct vduse_dev *dev, const char *why)
{
	spin_lock(&dev->msg_lock);
	vduse_msg_break_locked(dev, why);
	spin_unlock(&dev->msg_lock);
}

/* The daemon closed its fd: what it read but did not answer goes again. */
void vduse_msg_requeue_sent(struct vduse_dev *dev)
{
	spin_lock(&dev->msg_lock);
	list_splice_init(&dev->msg_sent, &dev->msg_pending);
	spin_unlock(&dev->msg_lock);
}

static struct vduse_msg *vduse_msg_find(struct list_head *head, u32 id)
{
	struct vduse_msg *msg;

	list_for_each_entry(msg, head, node)
		if (msg->req.request_id == id)
			return msg;
	return NULL;
}

int vduse_msg_send(struct vduse_dev *dev, struct vduse_msg *msg)
{
	unsigned int timeout = READ_ONCE(dev->msg_timeout);
	long left;
	int ret;

	INIT_LIST_HEAD(&msg->node);
	msg->done = false;
	spin_lock(&dev->msg_lock);
	if (dev->broken) {
		spin_unlock(&dev->msg_lock);
		return -EIO;
	}
	msg->req.request_id = dev->msg_next_id++;
	list_add_tail(&msg->node, &dev->msg_pending);
	spin_unlock(&dev->msg_lock);
	vduse_stat_add(dev, VDUSE_STAT_MSGS, 1);
	wake_up_interruptible(&dev->msg_readq);

	left = wait_event_killable_timeout(dev->msg_doneq, READ_ONCE(msg->done),
					   (long)timeout * HZ);

	/*
	 * Answers are delivered under msg_lock: once we hold it, nobody
	 * touches the message any more and it may leave the stack.
	 */
	spin_lock(&dev->msg_lock);
	if (!msg->done) {
		list_del(&msg->node);
		if (!left) {
			dev_warn(dev->cdev,
				 "request %u (type %u) unanswered after %u s\n",
				 msg->req.request_id, msg->req.type, timeout);
			vduse_msg_break_locked(dev, "daemon does not answer");
			vduse_stat_add(dev, VDUSE_STAT_MSG_TIMEOUTS, 1);
		}
		ret = -EIO;
	} else if (msg->resp.result == VDUSE_REQ_RESULT_OK) {
		ret = 0;
	} else {
		vduse_stat_add(dev, VDUSE_STAT_MSG_ERRORS, 1);
		ret = -EIO;
	}
	spin_unlock(&dev->msg_lock);
	return ret;
}

ssize_t vduse_msg_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct vduse_dev *dev = file->private_data;
	struct vduse_dev_request req;
	struct vduse_msg *msg;
	int ret;

	if (iov_iter_count(to) < sizeof(req))
		return -EINVAL;

	spin_lock(&dev->msg_lock);
	while (list_empty(&dev->msg_pending)) {
		spin_unlock(&dev->msg_lock);
		if ((file->f_flags & O_NONBLOCK) ||
		    (iocb->ki_flags & IOCB_NOWAIT))
			return -EAGAIN;
		ret = wait_event_interruptible_exclusive(dev->msg_readq,
							 !list_empty(&dev->msg_pending));
		if (ret)
			return ret;
		spin_lock(&dev->msg_lock);
	}
	msg = list_first_entry(&dev->msg_pending, struct vduse_msg, node);
	req = msg->req;
	list_move_tail(&msg->node, &dev->msg_sent);
	spin_unlock(&dev->msg_lock);

	if (copy_to_iter(&req, sizeof(req), to) == sizeof(req))
		return sizeof(req);

	/*
	 * Hand the request back, found again by id: meanwhile it may have been
	 * answered (by a racing write) or timed out, and be gone.
	 */
	spin_lock(&dev->msg_lock);
	msg = vduse_msg_find(&dev->msg_sent, req.request_id);
	if (msg)
		list_move(&msg->node, &dev->msg_pending);
	spin_unlock(&dev->msg_lock);
	return -EFAULT;
}

static bool vduse_msg_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

ssize_t vduse_msg_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vduse_dev *dev = iocb->ki_filp->private_data;
	struct vduse_dev_response resp;
	struct vduse_msg *msg;

	if (iov_iter_count(from) < sizeof(resp))
		return -EINVAL;
	if (copy_from_iter(&resp, sizeof(resp), from) != sizeof(resp))
		return -EFAULT;
	if (!vduse_msg_zero(resp.reserved, sizeof(resp.reserved)))
		return -EINVAL;
	if (resp.result != VDUSE_REQ_RESULT_OK &&
	    resp.result != VDUSE_REQ_RESULT_FAILED)
		return -EINVAL;

	spin_lock(&dev->msg_lock);
	msg = vduse_msg_find(&dev->msg_sent, resp.request_id);
	if (!msg) {
		spin_unlock(&dev->msg_lock);
		return -ENOENT;
	}
	list_del_init(&msg->node);
	msg->resp = resp;
	msg->done = true;
	wake_up_all(&dev->msg_doneq);
	spin_unlock(&dev->msg_lock);
	return sizeof(resp);
}

__poll_t vduse_msg_poll(struct file *file, poll_table *wait)
{
	struct vduse_dev *dev = file->private_data;
	bool to_read, to_answer, broken;

	poll_wait(file, &dev->msg_readq, wait);
	spin_lock(&dev->msg_lock);
	to_read = !list_empty(&dev->msg_pending);
	to_answer = !list_empty(&dev->msg_sent);
	broken = dev->broken;
	spin_unlock(&dev->msg_lock);

	/* Writable means: a request the daemon read still waits for its answer. */
	return (to_read ? EPOLLIN | EPOLLRDNORM : 0) |
	       (to_answer ? EPOLLOUT | EPOLLWRNORM : 0) |
	       (broken ? EPOLLERR : 0);
}

/* ------------------------------------------------------------------ */
/* The requests                                                       */
/* ------------------------------------------------------------------ */

int vduse_msg_set_status(struct vduse_dev *dev, u8 status)
{
	struct vduse_msg msg = {};

	msg.req.type = VDUSE_SET_STATUS;
	msg.req.s.status = status;
	return vduse_msg_send(dev, &msg);
}

int vduse_msg_update_iotlb(struct vduse_dev *dev, u32 asid, u64 start,
			   u64 last)
{
	struct vduse_msg msg = {};

	msg.req.type = VDUSE_UPDATE_IOTLB;
	if (vduse_api_v1(dev)) {
		msg.req.iova_v2.start = start;
		msg.req.iova_v2.last = last;
		msg.req.iova_v2.asid = asid;
	} else {
		msg.req.iova.start = start;
		msg.req.iova.last = last;
	}
	return vduse_msg_send(dev, &msg);
}

int vduse_msg_get_vq_state(struct vduse_dev *dev, struct vduse_vq *vq,
			   struct vdpa_vq_state *state)
{
	struct vduse_msg msg = {};
	int ret;

	msg.req.type = VDUSE_GET_VQ_STATE;
	msg.req.vq_state.index = vq->index;
	ret = vduse_msg_send(dev, &msg);
	if (ret)
		return ret;

	if (dev->driver_features & BIT_ULL(VIRTIO_F_RING_PACKED)) {
		const struct vduse_vq_state_packed *p = &msg.resp.vq_state.packed;

		/* Counters are one bit, indices 15: keep what fits. */
		state->packed.last_avail_counter = p->last_avail_counter & 1;
		state->packed.last_avail_idx = p->last_avail_idx & 0x7fff;
		state->packed.last_used_counter = p->last_used_counter & 1;
		state->packed.last_used_idx = p->last_used_idx & 0x7fff;
	} else {
		state->split.avail_index = msg.resp.vq_state.split.avail_index;
	}
	return 0;
}

int vduse_msg_set_group_asid(struct vduse_dev *dev, u32 group, u32 asid)
{
	struct vduse_msg msg = {};

	msg.req.type = VDUSE_SET_VQ_GROUP_ASID;
	msg.req.vq_group_asid.group = group;
	msg.req.vq_group_asid.asid = asid;
	return vduse_msg_send(dev, &msg);
}
