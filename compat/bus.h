/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct bus_type .remove(): returns int on 5.10 and void since 5.15.
 *
 * Write the callback returning void, follow its definition with
 * VDK_DECLARE_BUS_REMOVE(fn); and name it in the bus_type as
 * .remove = VDK_BUS_REMOVE(fn). Where the bus still wants an int, the
 * declaration is an int wrapper that returns 0 (the 5.10 driver core
 * ignores that value anyway).
 */
#ifndef VDK_COMPAT_BUS_H
#define VDK_COMPAT_BUS_H

#include <linux/device.h>

#ifdef HAVE_BUS_REMOVE_VOID
#define VDK_DECLARE_BUS_REMOVE(fn)	static void fn(struct device *dev)
#define VDK_BUS_REMOVE(fn)		fn
#else
#define VDK_DECLARE_BUS_REMOVE(fn)				\
	static int vdk_compat_##fn(struct device *dev)		\
	{							\
		fn(dev);					\
		return 0;					\
	}							\
	static int vdk_compat_##fn(struct device *dev)
#define VDK_BUS_REMOVE(fn)		vdk_compat_##fn
#endif

#endif /* VDK_COMPAT_BUS_H */
