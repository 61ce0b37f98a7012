// SPDX-License-Identifier: GPL-2.0
/*
 * Every compat shim used once, so that the build matrix compiles and links
 * (modpost: are the symbols exported?) each shim against every kernel. The
 * module does nothing when loaded; it is never installed.
 */
#include <linux/module.h>
#include <linux/uio.h>

#include <compat/device.h>
#include <compat/eventfd.h>
#include <compat/file.h>
#include <compat/iova.h>
#include <compat/mm.h>
#include <compat/uio.h>
#include <compat/workqueue.h>

static char *smoke_devnode(VDK_DEVNODE_DEV *dev, umode_t *mode)
{
	return NULL;
}

static noinline __used int vdk_smoke_file(struct file *file, int __user *ufd)
{
	return receive_fd(file, ufd, O_CLOEXEC);
}

static noinline __used void vdk_smoke_eventfd(struct eventfd_ctx *ctx)
{
	if (eventfd_signal_allowed())
		eventfd_signal(ctx);
}

static noinline __used int vdk_smoke_iova(struct iova_domain *iovad)
{
	unsigned long pfn;

	init_iova_domain(iovad, PAGE_SIZE, 1);
	if (iova_domain_init_rcaches(iovad))
		return -ENOMEM;
	pfn = alloc_iova_fast(iovad, 1, 16, true);
	if (pfn)
		free_iova_fast(iovad, pfn, 1);
	put_iova_domain(iovad);
	return 0;
}

static noinline __used struct class *vdk_smoke_class(void)
{
	struct class *c = class_create("vdk-smoke");

	if (!IS_ERR(c))
		c->devnode = smoke_devnode;
	return c;
}

static noinline __used long
vdk_smoke_mm(struct vm_area_struct *vma, unsigned long addr, struct page **pages)
{
	struct vm_area_struct *found = vma_lookup(vma->vm_mm, addr);
	void *p;

	vm_flags_set(vma, VM_DONTEXPAND);
	p = kmap_local_page(pages[0]);
	kunmap_local(p);
	return found ? pin_user_pages(addr, 1, FOLL_WRITE, pages) : 0;
}

static noinline __used size_t vdk_smoke_uio(struct iov_iter *iter, const struct iovec *iov)
{
	iov_iter_init(iter, ITER_DEST, iov, 1, iov->iov_len);
	return user_backed_iter(iter) ? iov_iter_count(iter) : 0;
}

static noinline __used struct workqueue_struct *vdk_smoke_wq(void)
{
	return alloc_workqueue("vdk-smoke", WQ_HIGHPRI | WQ_PERCPU, 0);
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vduse-dkms compat shim smoke test (build only)");
