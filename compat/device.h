/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device classes: since 6.4 class_create() takes only a name and
 * class_register() a const class; since 6.2 .devnode() gets a const device.
 *
 * class_create(name) works everywhere. VDK_CLASS_CONST is "const" where a
 * class may be a static const object and empty otherwise,
 * VDK_DEVNODE_DEV is the device a class's .devnode() receives and
 * VDK_TYPE_DEVNODE_DEV the one a device type's .devnode() receives (also
 * const since 6.2, in a commit of its own).
 */
#ifndef VDK_COMPAT_DEVICE_H
#define VDK_COMPAT_DEVICE_H

#include <linux/device.h>

#ifndef HAVE_CLASS_CREATE_1ARG
#undef class_create
#define vdk_compat_class_create(name) ({			\
	static struct lock_class_key vdk_class_key;		\
	__class_create(THIS_MODULE, (name), &vdk_class_key);	\
})
#define class_create(name) vdk_compat_class_create(name)
#endif

#ifdef HAVE_CLASS_REGISTER_CONST
#define VDK_CLASS_CONST const
#else
#define VDK_CLASS_CONST
#endif

#ifdef HAVE_CLASS_DEVNODE_CONST
#define VDK_DEVNODE_DEV const struct device
#else
#define VDK_DEVNODE_DEV struct device
#endif

#ifdef HAVE_DEVICE_TYPE_DEVNODE_CONST
#define VDK_TYPE_DEVNODE_DEV const struct device
#else
#define VDK_TYPE_DEVNODE_DEV struct device
#endif

#endif /* VDK_COMPAT_DEVICE_H */
