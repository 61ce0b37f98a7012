// SPDX-License-Identifier: GPL-2.0
/* 6.0: read()/write() build ITER_UBUF iterators; user_backed_iter() covers both kinds. */
#include <linux/uio.h>

bool vdk_probe(const struct iov_iter *i);
bool vdk_probe(const struct iov_iter *i)
{
	return user_backed_iter(i);
}
