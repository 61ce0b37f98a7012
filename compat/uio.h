/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iov_iter: 6.1 named the directions ITER_SOURCE (data flows from the
 * iterator, a write) and ITER_DEST (into it, a read); 6.0 made read()/write()
 * build ITER_UBUF iterators, which user_backed_iter() covers along with iovecs.
 */
#ifndef VDK_COMPAT_UIO_H
#define VDK_COMPAT_UIO_H

#include <linux/fs.h>
#include <linux/uio.h>

#ifndef HAVE_ITER_DEST
#define ITER_SOURCE WRITE
#define ITER_DEST READ
#endif

#ifndef HAVE_USER_BACKED_ITER
#define vdk_compat_user_backed_iter(i) iter_is_iovec(i)
#define user_backed_iter vdk_compat_user_backed_iter
#endif

#endif /* VDK_COMPAT_UIO_H */
