// SPDX-License-Identifier: GPL-2.0
/* 6.8: eventfd_signal() lost its count argument and returns void. */
#include <linux/eventfd.h>

void vdk_probe(struct eventfd_ctx *ctx);
void vdk_probe(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}
