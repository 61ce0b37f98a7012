// SPDX-License-Identifier: GPL-2.0
/* 6.2: struct class .devnode() takes a const struct device. */
#include <linux/device.h>

static char *vdk_devnode(const struct device *dev, umode_t *mode)
{
	return NULL;
}

void vdk_probe(struct class *c);
void vdk_probe(struct class *c)
{
	c->devnode = vdk_devnode;
}
