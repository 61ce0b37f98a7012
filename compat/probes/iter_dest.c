// SPDX-License-Identifier: GPL-2.0
/* 6.1: iov_iter directions are named ITER_SOURCE/ITER_DEST instead of WRITE/READ. */
#include <linux/uio.h>

void vdk_probe(struct iov_iter *i, const struct iovec *iov);
void vdk_probe(struct iov_iter *i, const struct iovec *iov)
{
	iov_iter_init(i, ITER_DEST, iov, 1, iov->iov_len);
}
