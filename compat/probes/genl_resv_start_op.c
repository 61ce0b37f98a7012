// SPDX-License-Identifier: GPL-2.0
/* 6.1: struct genl_family .resv_start_op: strict header checks from that command on. */
#include <net/genetlink.h>

struct genl_family vdk_probe_family;
struct genl_family vdk_probe_family = {
	.resv_start_op = 1,
};
