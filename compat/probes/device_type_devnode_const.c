// SPDX-License-Identifier: GPL-2.0
/* 6.2: struct device_type .devnode() takes a const struct device. */
#include <linux/device.h>

static char *vdk_devnode(const struct device *dev, umode_t *mode,
			 kuid_t *uid, kgid_t *gid)
{
	return NULL;
}

void vdk_probe(struct device_type *t);
void vdk_probe(struct device_type *t)
{
	t->devnode = vdk_devnode;
}
