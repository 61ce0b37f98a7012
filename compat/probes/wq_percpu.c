// SPDX-License-Identifier: GPL-2.0
/* 6.12 (Debian backport): WQ_PERCPU names per-CPU workqueues; 7.2 warns when neither WQ_PERCPU nor WQ_UNBOUND is given. */
#include <linux/workqueue.h>

unsigned int vdk_probe(void);
unsigned int vdk_probe(void)
{
	return WQ_PERCPU;
}
