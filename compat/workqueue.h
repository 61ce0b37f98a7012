/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WQ_PERCPU: a per-CPU workqueue must say so since 7.2, which warns when
 * neither WQ_PERCPU nor WQ_UNBOUND is given. Where the flag does not exist
 * per-CPU is the default and the flag is 0.
 */
#ifndef VDK_COMPAT_WORKQUEUE_H
#define VDK_COMPAT_WORKQUEUE_H

#include <linux/workqueue.h>

#ifndef HAVE_WQ_PERCPU
#define WQ_PERCPU 0
#endif

#endif /* VDK_COMPAT_WORKQUEUE_H */
