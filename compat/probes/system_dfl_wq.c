// SPDX-License-Identifier: GPL-2.0
/* system_dfl_wq (unbound; Debian 6.12 has it); 7.2 logs work queued on system_wq. */
#include <linux/workqueue.h>

struct workqueue_struct *vdk_probe(void);
struct workqueue_struct *vdk_probe(void)
{
	return system_dfl_wq;
}
