/* SPDX-License-Identifier: GPL-2.0 */
/*
 * eventfd_signal(ctx): the newest form takes no count and returns nothing.
 * eventfd_signal_allowed(): whether signalling from this context is safe (not
 * nested inside another eventfd wakeup). 5.10 has only eventfd_signal_count(),
 * which reads a per-CPU variable the kernel does not export; there we answer
 * "not allowed", so callers always take their deferred (workqueue) path.
 */
#ifndef VDK_COMPAT_EVENTFD_H
#define VDK_COMPAT_EVENTFD_H

#include <linux/eventfd.h>

#ifndef HAVE_EVENTFD_SIGNAL_1ARG
static inline void vdk_compat_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx, 1);
}

#define eventfd_signal(ctx) vdk_compat_eventfd_signal(ctx)
#endif

#ifndef HAVE_EVENTFD_SIGNAL_ALLOWED
static inline bool vdk_compat_eventfd_signal_allowed(void)
{
	return false;
}

#define eventfd_signal_allowed vdk_compat_eventfd_signal_allowed
#endif

#endif /* VDK_COMPAT_EVENTFD_H */
