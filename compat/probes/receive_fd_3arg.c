// SPDX-License-Identifier: GPL-2.0
/* 6.7: receive_fd() gained a user pointer for the fd (receive_fd_user() merged into it). */
#include <linux/fcntl.h>
#include <linux/file.h>

int vdk_probe(struct file *f, int __user *ufd);
int vdk_probe(struct file *f, int __user *ufd)
{
	return receive_fd(f, ufd, O_CLOEXEC);
}
