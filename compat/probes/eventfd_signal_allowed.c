// SPDX-License-Identifier: GPL-2.0
/* 5.15: eventfd_signal_allowed() replaced the unexported eventfd_signal_count(). */
#include <linux/eventfd.h>

bool vdk_probe(void);
bool vdk_probe(void)
{
	return eventfd_signal_allowed();
}
