/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink and attribute helpers.
 *
 * nla_strscpy(): called nla_strlcpy() before 5.11, which returned the length
 * of the source instead of -E2BIG when the copy was cut short.
 *
 * struct genl_family .resv_start_op (6.1): commands numbered from it on get
 * strict checks of the header's reserved field and flags, and must not set
 * .validate (registration fails otherwise). Older kernels have no such
 * member and validate attributes strictly unless an op's .validate says
 * otherwise. vdk_genl_set_resv_start_op() sets it where it exists; call it
 * before genl_register_family().
 */
#ifndef VDK_COMPAT_GENETLINK_H
#define VDK_COMPAT_GENETLINK_H

#include <net/genetlink.h>
#include <net/netlink.h>

#ifndef HAVE_NLA_STRSCPY
static inline ssize_t vdk_compat_nla_strscpy(char *dst,
					     const struct nlattr *nla,
					     size_t dstsize)
{
	size_t len = nla_strlcpy(dst, nla, dstsize);

	if (!dstsize || len >= dstsize)
		return -E2BIG;
	return len;
}

#define nla_strscpy(dst, nla, dstsize) vdk_compat_nla_strscpy(dst, nla, dstsize)
#endif

static inline void vdk_genl_set_resv_start_op(struct genl_family *family,
					      u8 first_strict_cmd)
{
#ifdef HAVE_GENL_RESV_START_OP
	family->resv_start_op = first_strict_cmd;
#endif
}

#endif /* VDK_COMPAT_GENETLINK_H */
