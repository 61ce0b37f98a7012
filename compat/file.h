/* SPDX-License-Identifier: GPL-2.0 */
/*
 * receive_fd(): install a file in the current task's fd table.
 *
 * Callers use the newest form, receive_fd(file, ufd, o_flags). Where the
 * kernel's receive_fd() takes two arguments it is wrapped; where it is not
 * exported at all (5.10: an inline over the unexported __receive_fd()) the
 * fd is installed with get_unused_fd_flags() + fd_install(). That fallback
 * skips the security_file_receive() LSM hook, which no kernel exports to
 * modules: on such kernels an LSM cannot veto the fds VDUSE hands out.
 */
#ifndef VDK_COMPAT_FILE_H
#define VDK_COMPAT_FILE_H

#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#ifndef HAVE_RECEIVE_FD_3ARG
static inline int vdk_compat_receive_fd(struct file *file, int __user *ufd,
					unsigned int o_flags)
{
	int fd;

#ifdef HAVE_EXPORT_RECEIVE_FD
	fd = receive_fd(file, o_flags);
	if (fd < 0 || !ufd)
		return fd;
	if (put_user(fd, ufd)) {
		/* The fd is already live: it cannot be taken back, only closed. */
		close_fd(fd);
		return -EFAULT;
	}
	return fd;
#else
	fd = get_unused_fd_flags(o_flags);
	if (fd < 0)
		return fd;
	if (ufd && put_user(fd, ufd)) {
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, get_file(file));
	return fd;
#endif
}

#define receive_fd vdk_compat_receive_fd
#endif

#endif /* VDK_COMPAT_FILE_H */
