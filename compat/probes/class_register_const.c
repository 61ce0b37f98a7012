// SPDX-License-Identifier: GPL-2.0
/* 6.4: class_register() takes a const struct class, so classes can be static const. */
#include <linux/device.h>

static const struct class vdk_class = { .name = "vdk" };

static int __used vdk_probe(void)
{
	return class_register(&vdk_class);
}
