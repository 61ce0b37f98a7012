// SPDX-License-Identifier: GPL-2.0
/* 6.12 (Debian): WQ_PERCPU flag; 7.2 warns if neither WQ_PERCPU nor WQ_UNBOUND is given. */
#include <linux/workqueue.h>

unsigned int vdk_probe(void);
unsigned int vdk_probe(void)
{
	return WQ_PERCPU;
}
