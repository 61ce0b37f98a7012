// SPDX-License-Identifier: GPL-2.0
/* 5.11: nla_strlcpy() became nla_strscpy(), which returns -E2BIG on truncation. */
#include <net/netlink.h>

ssize_t vdk_probe(char *dst, const struct nlattr *nla, size_t size);
ssize_t vdk_probe(char *dst, const struct nlattr *nla, size_t size)
{
	return nla_strscpy(dst, nla, size);
}
