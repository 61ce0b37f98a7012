/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WQ_PERCPU: a per-CPU workqueue must say so since 7.2, which warns when
 * neither WQ_PERCPU nor WQ_UNBOUND is given. Where the flag does not exist
 * per-CPU is the default and the flag is 0.
 *
 * system_dfl_wq: the unbound system workqueue (Debian 6.12 on); 7.2 logs a
 * line for work queued on the deprecated system_wq. Before, the unbound
 * one is system_unbound_wq.
 */
#ifndef VDK_COMPAT_WORKQUEUE_H
#define VDK_COMPAT_WORKQUEUE_H

#include <linux/workqueue.h>

#ifndef HAVE_WQ_PERCPU
#define WQ_PERCPU 0
#endif

#ifndef HAVE_SYSTEM_DFL_WQ
#define system_dfl_wq system_unbound_wq
#endif

#endif /* VDK_COMPAT_WORKQUEUE_H */
