// SPDX-License-Identifier: GPL-2.0
/* 5.15: struct bus_type .remove() returns void instead of int. */
#include <linux/device.h>

static void vdk_probe_remove(struct device *dev)
{
}

struct bus_type vdk_probe_bus;
struct bus_type vdk_probe_bus = {
	.remove = vdk_probe_remove,
};
