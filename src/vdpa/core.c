// SPDX-License-Identifier: GPL-2.0
/*
 * vdpa.ko: a vDPA bus for kernels built without one (CONFIG_VDPA unset),
 * with the API of the 6.12 bus (include/vdk/vdpa.h) and its "vdpa" generic
 * netlink family. Module setup and teardown only; see internal.h for the
 * pieces and their locking.
 *
 * The module cannot go while anything uses the bus: parents and drivers
 * link against it and hold it. So on unload no device, driver or
 * management device is left, and nothing needs tearing down but the bus
 * and the family.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/vdk/vdpa.h>

#include "internal.h"

static int __init vdpa_init(void)
{
	int err = vdpa_bus_init();

	/* the family last: from then on "vdpa mgmtdev show" reaches us */
	if (!err) {
		err = vdpa_nl_init();
		if (err)
			vdpa_bus_exit();
	}
	return err;
}

static void __exit vdpa_exit(void)
{
	/* first: no request may find the bus half gone */
	vdpa_nl_exit();
	vdpa_bus_exit();
	vdpa_device_exit();
}

module_init(vdpa_init);
module_exit(vdpa_exit);

MODULE_DESCRIPTION("vDPA bus and vdpa netlink management (vduse-dkms)");
MODULE_LICENSE("GPL");
MODULE_VERSION(VDK_VERSION);
/* "vdpa mgmtdev show" loads the module on demand */
MODULE_ALIAS_GENL_FAMILY(VDPA_GENL_NAME);
