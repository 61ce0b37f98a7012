// SPDX-License-Identifier: GPL-2.0
/* 5.11: receive_fd(file, o_flags) exported (5.10: inline over unexported __receive_fd). */
#include <linux/fcntl.h>
#include <linux/file.h>

int vdk_probe(struct file *f);
int vdk_probe(struct file *f)
{
	return receive_fd(f, O_CLOEXEC);
}
