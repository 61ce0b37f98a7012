// SPDX-License-Identifier: GPL-2.0
/*
 * Spreading queue callbacks over the CPUs, for drivers that ask for it with
 * a struct irq_affinity (virtio_blk, virtio_scsi): the share a PCI transport's
 * managed interrupts would get. The parent applies the masks as it can (VDUSE
 * queues its callback work on a CPU of the mask) and reports them back, which
 * blk-mq uses to map CPUs to queues.
 *
 * The kernel's group_cpus_evenly() would also keep NUMA nodes and SMT
 * siblings together, but no kernel before 6.12 exports it. This spread cuts
 * the possible CPUs, in CPU number order, into contiguous groups of equal
 * size (one CPU more for some), which on x86 keeps nodes together but not
 * siblings.
 */
#include <linux/cpumask.h>
#include <linux/gfp.h>

#include "virtio_vdpa.h"

/* Group @group of @groups: CPUs in a contiguous stretch of the possible ones. */
static void vvd_cpu_group(struct cpumask *mask, unsigned int group,
			  unsigned int groups)
{
	unsigned long ncpus = num_possible_cpus();
	unsigned long pos = 0;
	unsigned int cpu;

	cpumask_clear(mask);
	for_each_possible_cpu(cpu) {
		/*
		 * More groups than CPUs: a group gets the one CPU at its
		 * proportional position, some CPUs serve several groups.
		 */
		if (groups > ncpus) {
			if (pos++ == group * ncpus / groups) {
				cpumask_set_cpu(cpu, mask);
				break;
			}
			continue;
		}
		if (pos++ * groups / ncpus == group)
			cpumask_set_cpu(cpu, mask);
	}
}

/*
 * The sets of queues to spread separately (virtio_blk has one; a driver with
 * poll queues asks for more through calc_sets). Returns how many, 0 when
 * no entries are left to spread.
 */
static unsigned int vvd_affinity_sets(struct irq_affinity *desc,
				      unsigned int spread, unsigned int *size)
{
	unsigned int i, total = 0;

	if (!spread)
		return 0;
	if (desc->calc_sets) {
		desc->calc_sets(desc, spread);
		if (desc->nr_sets && desc->nr_sets <= IRQ_AFFINITY_MAX_SETS) {
			for (i = 0; i < desc->nr_sets; i++) {
				size[i] = desc->set_size[i];
				total += size[i];
			}
			if (total <= spread)
				return desc->nr_sets;
		}
	}
	/* No sets asked for, or an inconsistent answer: one set. */
	size[0] = spread;
	return 1;
}

void vvd_spread_affinity(struct vdpa_device *vdpa, struct virtqueue *vqs[],
			 unsigned int nvqs, struct irq_affinity *desc)
{
	const struct vdpa_config_ops *ops = vdpa->config;
	unsigned int size[IRQ_AFFINITY_MAX_SETS];
	unsigned int spread = 0, nsets, set = 0, pos = 0, i;
	cpumask_var_t mask;

	if (!ops->set_vq_affinity)
		return;
	if (nvqs > desc->pre_vectors + desc->post_vectors)
		spread = nvqs - desc->pre_vectors - desc->post_vectors;
	nsets = vvd_affinity_sets(desc, spread, size);
	/* Best effort, like the rest of the affinity API. */
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return;

	/*
	 * Entry i of the arrays find_vqs() got. The first pre_vectors entries
	 * and those no set covers keep every CPU; the entries of each set
	 * share out the CPUs among themselves.
	 */
	for (i = 0; i < nvqs; i++) {
		const struct cpumask *cpus = cpu_possible_mask;

		if (i >= desc->pre_vectors) {
			while (set < nsets && pos >= size[set]) {
				set++;
				pos = 0;
			}
			if (set < nsets) {
				vvd_cpu_group(mask, pos++, size[set]);
				cpus = mask;
			}
		}
		if (vqs[i])
			ops->set_vq_affinity(vdpa, vqs[i]->index, cpus);
	}
	free_cpumask_var(mask);
}
